//! `plinth validate`.

use crate::support::Project;

#[test]
fn quickstart_is_valid() {
    let project = Project::example("quickstart");
    let run = project.plinth(&["validate"]);
    run.code(0);
    assert!(run.stdout.contains("The configuration is valid."));
}

#[test]
fn every_error_of_every_file_is_reported_with_its_position() {
    let project = Project::new();
    project.write(
        "a.hcl",
        r#"resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = "coredns"
  verison       = "1.28.6"
}
"#,
    );
    project.write(
        "b.hcl",
        r#"resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  template_name = "gpu-beta"
}
"#,
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    insta::assert_snapshot!(run.stderr);
}

#[test]
fn json_output_is_a_stable_document() {
    let project = Project::new();
    project.write(
        "main.hcl",
        r#"resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = var.missing
  template_name = "coredns"
}
"#,
    );
    let run = project.plinth(&["validate", "--json"]);
    run.code(1);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["format_version"], "1");
    assert_eq!(document["valid"], false);
    assert_eq!(document["error_count"], 1);
    assert_eq!(document["diagnostics"][0]["file"], "main.hcl");
    assert_eq!(document["diagnostics"][0]["line"], 2);
}

#[test]
fn variables_come_from_the_command_line_and_the_environment() {
    let project = Project::new();
    project.write(
        "main.hcl",
        r#"variable "cluster" {
  type = string
}
variable "pool" {
  type = string
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = var.cluster
  template_name = "coredns"
}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = var.pool
  template_name = "gpu-beta"
}
"#,
    );
    project.plinth(&["validate"]).code(1);
    let mut command = crate::support::plinth();
    command
        .arg("--chdir")
        .arg(project.path())
        .args(["validate", "--var", "cluster=c1"])
        .env("PLINTH_VAR_pool", "pool-a");
    crate::support::Run::from(command.output().unwrap()).code(0);
}

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
    // Without values, validate checks everything else (the variables are unknown); plan
    // needs them.
    let run = project.plinth(&["validate"]);
    run.code(0);
    assert!(run.stdout.contains("The configuration is valid."));
    let run = project.plinth(&["plan"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("no value for required variable `cluster`"),
        "{}",
        run.stderr
    );
    let mut command = crate::support::plinth();
    command
        .arg("--chdir")
        .arg(project.path())
        .args(["validate", "--var", "cluster=c1"])
        .env("PLINTH_VAR_pool", "pool-a");
    crate::support::Run::from(command.output().unwrap()).code(0);
}

#[test]
fn validate_without_values_still_reports_other_mistakes() {
    let project = Project::new();
    project.write(
        "main.hcl",
        r#"variable "token" {
  type      = string
  sensitive = true
}
variable "replicas" {
  type = number
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = upper("coredns", var.token)
  version       = tonumber("v${var.replicas}")
  values        = { flavor = { replicas = var.replicsa } }
}
"#,
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    assert!(
        run.stderr.contains("`upper` takes 1 argument, found 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("undeclared variable `var.replicsa`"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("no value for required variable"),
        "{}",
        run.stderr
    );
}

#[test]
fn var_and_var_file_apply_in_command_line_order() {
    let project = Project::new();
    project.write(
        "main.hcl",
        r#"variable "region" {
  type = string
  validation {
    condition     = var.region == "from-file"
    error_message = "the file's value must win"
  }
}
"#,
    );
    project.write("b.vars", "region = \"from-file\"\n");
    // The file comes after the `--var`: it wins.
    project
        .plinth(&[
            "validate",
            "--var",
            "region=from-var",
            "--var-file",
            "b.vars",
        ])
        .code(0);
    // The `--var` comes after the file: it wins, and fails the validation.
    let run = project.plinth(&[
        "validate",
        "--var-file",
        "b.vars",
        "--var",
        "region=from-var",
    ]);
    run.code(1);
    assert!(
        run.stderr.contains("the file's value must win"),
        "{}",
        run.stderr
    );
}

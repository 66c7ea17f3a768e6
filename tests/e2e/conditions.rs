//! Custom conditions through the real binary against the emulator: a precondition stops the
//! plan, a postcondition fails the resource after apply, a `check` warns,
//! `replace_triggered_by` replaces, and `prevent_destroy` comes from a variable.

use crate::support::{CLUSTER_1, Cloud, Project};

fn config(cloud: &Cloud, body: &str) -> String {
    format!("{}\n{body}", cloud.provider())
}

const REPLICAS: &str = r#"
variable "replicas" {
  type    = number
  default = 2
}

resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "CLUSTER"
  template_name = "coredns"
  version       = "1.28.6"
  values = {
    flavor = { replicas = var.replicas }
  }
  lifecycle {
    precondition {
      condition     = var.replicas <= 3
      error_message = "coredns runs at most 3 replicas, not ${var.replicas}"
    }
  }
}
"#;

#[test]
fn a_failed_precondition_stops_the_plan_with_its_message() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write(
        "main.hcl",
        &config(&cloud, &REPLICAS.replace("CLUSTER", CLUSTER_1)),
    );
    let run = project.plinth(&["plan", "--var", "replicas=5"]);
    run.code(1);
    insta::assert_snapshot!("precondition_failed", run.stderr);
    let run = project.plinth(&["apply", "--auto-approve", "--var", "replicas=5"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("coredns runs at most 3 replicas, not 5"),
        "{}",
        run.stderr
    );
    // Nothing reached the cloud.
    assert!(cloud.snapshot().addons.is_empty());
    // A value the condition accepts plans and applies.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(cloud.snapshot().addons.len(), 1);
}

#[test]
fn a_failed_postcondition_fails_the_resource_after_apply() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = format!(
        r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  lifecycle {{
    postcondition {{
      condition     = self.version == "1.30.3"
      error_message = "coredns must run 1.30.3, found ${{self.version}}"
    }}
  }}
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  depends_on    = [huaweicloud_cce_addon.dns]
}}
"#
    );
    project.write("main.hcl", &config(&cloud, &body));
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("resource postcondition failed: coredns must run 1.30.3, found 1.28.6"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.dns"),
        "{}",
        run.stderr
    );
    // The add-on was installed and stays recorded, as in Terraform; what depends on it was
    // not made.
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert!(snapshot.plugins.is_empty(), "{:?}", snapshot.plugins);
    let recorded = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(recorded["id"], snapshot.addons[0].uid.as_str());
}

#[test]
fn a_failed_check_warns_and_the_run_goes_on() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = format!(
        r#"
variable "expected_version" {{
  type    = string
  default = "1.30.3"
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}

check "dns_version" {{
  assert {{
    condition     = huaweicloud_cce_addon.dns.version == var.expected_version
    error_message = "coredns is at ${{huaweicloud_cce_addon.dns.version}}, expected ${{var.expected_version}}"
  }}
}}
"#
    );
    project.write("main.hcl", &config(&cloud, &body));
    let run = project.plinth(&["plan"]);
    run.code(0);
    insta::assert_snapshot!("check_warns", run.stderr);
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(0);
    assert!(
        run.stderr.contains("check assertion failed"),
        "{}",
        run.stderr
    );
    assert_eq!(cloud.snapshot().addons.len(), 1);
    // A check that holds says nothing.
    let run = project.plinth(&["plan", "--var", "expected_version=1.28.6"]);
    run.code(0);
    assert!(
        !run.stderr.contains("check assertion failed"),
        "{}",
        run.stderr
    );
}

#[test]
fn prevent_destroy_from_a_variable() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = format!(
        r#"
variable "protect" {{
  type    = bool
  default = true
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  lifecycle {{
    prevent_destroy = var.protect
  }}
}}
"#
    );
    project.write("main.hcl", &config(&cloud, &body));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let run = project.plinth(&["destroy", "--auto-approve"]);
    run.code(1);
    assert!(run.stderr.contains("prevent_destroy"), "{}", run.stderr);
    assert_eq!(cloud.snapshot().addons.len(), 1);
    project
        .plinth(&["destroy", "--auto-approve", "--var", "protect=false"])
        .code(0);
    assert!(cloud.snapshot().addons.is_empty());
}

#[test]
fn prevent_destroy_not_known_at_load_is_refused() {
    let project = Project::new();
    project.write(
        "main.hcl",
        &format!(
            r#"
locals {{
  protect = huaweicloud_cce_addon.dns.status == "running"
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  lifecycle {{
    prevent_destroy = local.protect
  }}
}}
"#
        ),
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    insta::assert_snapshot!("prevent_destroy_not_known_at_load", run.stderr);
}

#[test]
fn replace_triggered_by_replaces_when_what_it_names_changes() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = |version: &str, replicas: u32| {
        format!(
            r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "{version}"
  values = {{
    flavor = {{ replicas = {replicas} }}
  }}
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  lifecycle {{
    replace_triggered_by = [huaweicloud_cce_addon.dns.version]
  }}
}}
"#
        )
    };
    project.write("main.hcl", &config(&cloud, &body("1.28.6", 2)));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    // The plug-in's deletes and installs, as the emulator counts them.
    let plugin_calls = |method: &str| {
        cloud
            .requests()
            .by_route
            .iter()
            .filter(|(route, _)| route.starts_with(method) && route.contains("plugin"))
            .map(|(_, n)| n.total)
            .sum::<u64>()
    };
    let (deletes, installs) = (plugin_calls("DELETE "), plugin_calls("POST "));
    assert_eq!(installs, 1);

    // Another attribute of the add-on changes: the plug-in stays.
    project.write("main.hcl", &config(&cloud, &body("1.28.6", 3)));
    let run = project.plinth(&["plan"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        run.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(plugin_calls("DELETE "), deletes);
    assert_eq!(plugin_calls("POST "), installs);

    // The version the trigger names changes: the plug-in is replaced, and the plan says why.
    project.write("main.hcl", &config(&cloud, &body("1.30.6", 3)));
    let run = project.plinth(&["plan"]);
    run.code(0);
    assert!(
        run.stdout.contains(
            "(because `huaweicloud_cce_addon.dns.version` changes, and `replace_triggered_by` names it)"
        ),
        "{}",
        run.stdout
    );
    let json = project.plinth(&["plan", "--json"]);
    assert!(
        json.stdout.contains("\"replace_triggered_by\""),
        "{}",
        json.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    // The emulator saw the plug-in deleted and installed once more.
    assert_eq!(plugin_calls("DELETE "), deletes + 1);
    assert_eq!(plugin_calls("POST "), installs + 1);
    assert_eq!(cloud.snapshot().plugins.len(), 1);
}

#[test]
fn a_precondition_unknown_at_plan_time_is_checked_before_the_operation() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = format!(
        r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  lifecycle {{
    precondition {{
      condition     = huaweicloud_cce_addon.dns.status == "never"
      error_message = "coredns is ${{huaweicloud_cce_addon.dns.status}}"
    }}
  }}
}}
"#
    );
    project.write("main.hcl", &config(&cloud, &body));
    // The add-on's status is known only once it is installed: the plan cannot decide.
    project.plinth(&["plan"]).code(0);
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("resource precondition failed: coredns is "),
        "{}",
        run.stderr
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert!(snapshot.plugins.is_empty(), "{:?}", snapshot.plugins);
}

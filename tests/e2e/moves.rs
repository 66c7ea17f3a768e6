//! One cloud object, one address: renames, `count` -> `for_each` and `moved` chains move the
//! state's records, with the emulator's own view checked at each step (same uids, installed once,
//! nothing deleted); duplicate identities and create-before-destroy onto one identity are refused
//! before anything is sent.

use plinth_cloud::AddonApi;
use plinth_cloud::model::{AddonRequest, AddonRequestSpec};

use crate::support::{AUTOPILOT, CLUSTER_1, Cloud, Project};

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// The three types, under names chosen by `names` (CCE add-on, Autopilot add-on, plug-in).
fn three(cloud: &Cloud, names: [&str; 3]) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "{dns}" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}

resource "huaweicloud_cce_autopilot_addon" "{metrics}" {{
  cluster_id    = "{AUTOPILOT}"
  template_name = "metrics-server"
}}

resource "huaweicloud_modelarts_pool_plugin" "{gpu}" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  version       = "1.2.15"
}}
"#,
        provider = cloud.provider(),
        dns = names[0],
        metrics = names[1],
        gpu = names[2],
    )
}

/// What the emulator has: each add-on's uid, each plug-in, and the installs per natural key.
fn cloud_view(cloud: &Cloud) -> (Vec<String>, Vec<String>, Vec<(String, u64)>) {
    let snapshot = cloud.snapshot();
    let mut uids: Vec<String> = snapshot
        .addons
        .iter()
        .map(|a| format!("{} {} {}", a.service, a.template, a.uid))
        .collect();
    uids.sort();
    let mut plugins: Vec<String> = snapshot
        .plugins
        .iter()
        .map(|p| format!("{} {}", p.pool, p.template))
        .collect();
    plugins.sort();
    let installs = snapshot.installs.into_iter().collect();
    (uids, plugins, installs)
}

fn addresses(project: &Project) -> Vec<String> {
    let run = project.plinth(&["state", "list"]);
    run.code(0);
    run.stdout.lines().map(str::to_owned).collect()
}

#[test]
fn a_rename_without_a_moved_block_moves_every_type_by_identity() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &three(&cloud, ["dns", "metrics", "gpu"]));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let before = cloud_view(&cloud);
    assert_eq!(before.0.len(), 2);
    assert_eq!(before.1.len(), 1);

    project.write(
        "main.hcl",
        &three(&cloud, ["coredns", "metrics_server", "gpu_beta"]),
    );
    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(2);
    snapshot!("rename_by_identity", plan.stdout.clone());
    assert!(
        !plan.stdout.contains("will be destroyed"),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains("will be imported"), "{}", plan.stdout);

    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(
        cloud_view(&cloud),
        before,
        "nothing installed, deleted or changed"
    );
    assert_eq!(
        addresses(&project),
        [
            "huaweicloud_cce_addon.coredns",
            "huaweicloud_cce_autopilot_addon.metrics_server",
            "huaweicloud_modelarts_pool_plugin.gpu_beta",
        ]
    );
    let again = project.plinth(&["plan", "--detailed-exitcode"]);
    again.code(0);
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
}

const POOLS: &str = r#"
locals {
  pools = ["pool-a", "pool-b"]
}
"#;

#[test]
fn count_to_for_each_with_moved_blocks_and_a_moved_chain() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let counted = format!(
        r#"{provider}{POOLS}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  count         = length(local.pools)
  pool_name     = local.pools[count.index]
  template_name = "gpu-beta"
}}

resource "huaweicloud_cce_addon" "a" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &counted);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let before = cloud_view(&cloud);

    let keyed = format!(
        r#"{provider}{POOLS}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  for_each      = toset(local.pools)
  pool_name     = each.key
  template_name = "gpu-beta"
}}

moved {{
  from = huaweicloud_modelarts_pool_plugin.gpu[0]
  to   = huaweicloud_modelarts_pool_plugin.gpu["pool-a"]
}}

moved {{
  from = huaweicloud_modelarts_pool_plugin.gpu[1]
  to   = huaweicloud_modelarts_pool_plugin.gpu["pool-b"]
}}

resource "huaweicloud_cce_addon" "c" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}

moved {{
  from = huaweicloud_cce_addon.a
  to   = huaweicloud_cce_addon.b
}}

moved {{
  from = huaweicloud_cce_addon.b
  to   = huaweicloud_cce_addon.c
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &keyed);
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    snapshot!("count_to_for_each_and_chain", plan.stdout.clone());
    assert!(!plan.stdout.contains("found by its natural key"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(
        cloud_view(&cloud),
        before,
        "nothing installed, deleted or changed"
    );
    assert_eq!(
        addresses(&project),
        [
            "huaweicloud_cce_addon.c",
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#,
        ]
    );
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn duplicate_identities_are_refused_with_both_locations() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let twice = format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}

resource "huaweicloud_cce_addon" "also_dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &twice);
    let plan = project.plinth(&["plan"]);
    plan.code(1);
    snapshot!("duplicate_identity", plan.stderr.clone());
    let validate = project.plinth(&["validate"]);
    validate.code(1);
    assert!(
        validate.stdout.contains("the same cloud object")
            || validate.stderr.contains("the same cloud object")
    );
    let apply = project.plinth(&["apply", "--auto-approve"]);
    apply.code(1);
    assert!(cloud.snapshot().addons.is_empty(), "nothing was sent");
    assert!(cloud.snapshot().installs.is_empty());
}

#[test]
fn create_before_destroy_onto_the_same_identity_is_refused_at_plan_time() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let config = format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  lifecycle {{
    create_before_destroy = true
  }}
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &config);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let before = cloud_view(&cloud);
    let plan = project.plinth(&["plan", "--replace", "huaweicloud_cce_addon.dns"]);
    plan.code(1);
    snapshot!("create_before_destroy_one_identity", plan.stderr.clone());
    let apply = project.plinth(&[
        "apply",
        "--auto-approve",
        "--replace",
        "huaweicloud_cce_addon.dns",
    ]);
    apply.code(1);
    assert_eq!(cloud_view(&cloud), before, "nothing was sent");
}

#[test]
fn an_upgrade_leaves_what_reads_the_id_untouched() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let config = |version: &str| {
        format!(
            r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "{version}"
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  inputs        = {{ dns_addon = huaweicloud_cce_addon.dns.id }}
}}
"#,
            provider = cloud.provider()
        )
    };
    project.write("main.hcl", &config("1.28.6"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &config("1.29.4"));
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    assert!(
        plan.stdout
            .contains("Plan: 0 to add, 1 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    assert!(
        !plan
            .stdout
            .contains("huaweicloud_modelarts_pool_plugin.gpu will")
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(cloud.snapshot().addons[0].version, "1.29.4");
    assert_eq!(cloud.snapshot().installs_of("modelarts/pool-a/gpu-beta"), 1);
}

#[test]
fn no_adopt_refuses_an_object_no_record_of_this_state_names_until_it_is_imported() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let client = cloud.client();
    let uid = cloud.block_on(async {
        let request = AddonRequest::install(
            AddonRequestSpec {
                cluster_id: CLUSTER_1.to_owned(),
                version: Some("1.28.6".to_owned()),
                addon_template_name: "coredns".to_owned(),
                values: serde_json::json!({}),
            },
            None,
        );
        let addon = client.install_addon(AddonApi::Cce, &request).await.unwrap();
        addon.uid().unwrap().to_owned()
    });
    let config = format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &config);
    let refused = project.plinth(&["plan", "--no-adopt"]);
    refused.code(1);
    snapshot!("no_adopt", refused.stderr.clone());
    project
        .plinth(&["apply", "--auto-approve", "--no-adopt"])
        .code(1);
    assert_eq!(project.resource_count(), 0, "nothing recorded");
    // Without the flag the adoption is shown, as an import of that very object.
    let shown = project.plinth(&["plan"]);
    shown.code(0);
    assert!(
        shown.stdout.contains("will be imported"),
        "{}",
        shown.stdout
    );
    assert!(shown.stdout.contains(&uid), "{}", shown.stdout);
    // Imported explicitly, it is this state's: --no-adopt has nothing to refuse.
    project
        .plinth(&[
            "import",
            "huaweicloud_cce_addon.dns",
            &format!("{CLUSTER_1}/{uid}"),
        ])
        .code(0);
    project
        .plinth(&["plan", "--no-adopt", "--detailed-exitcode"])
        .code(0);
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );
}

#[test]
fn an_identity_known_only_during_apply_is_checked_before_the_create() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let config = format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "a" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}

# Its template is known only once `a` runs: the same identity as `a`'s.
resource "huaweicloud_cce_addon" "b" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = lookup({{ running = "coredns" }}, huaweicloud_cce_addon.a.status, "everest")
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &config);
    project.plinth(&["plan"]).code(0);
    let apply = project.plinth(&["apply", "--auto-approve"]);
    apply.code(1);
    assert!(
        apply
            .stderr
            .contains("is already `huaweicloud_cce_addon.a`'s"),
        "{}",
        apply.stderr
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );
    assert_eq!(cloud.snapshot().addons.len(), 1);
    assert_eq!(addresses(&project), ["huaweicloud_cce_addon.a"]);
}

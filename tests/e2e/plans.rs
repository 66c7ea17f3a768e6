//! What `plinth plan` shows, run against the emulator: snapshots of the text and JSON a reviewer
//! reads for each kind of change. Cloud-made ids and times are redacted.

use plinth_cloud::AddonApi;
use plinth_cloud::model::{AddonRequest, AddonRequestSpec};

use crate::support::{CLUSTER_1, CLUSTER_2, Cloud, Project};

/// Runs `plan` with extra arguments and returns stdout, asserting the exit status.
fn plan(project: &Project, args: &[&str], code: i32) -> String {
    let mut all = vec!["plan"];
    all.extend_from_slice(args);
    let run = project.plinth(&all);
    run.code(code);
    run.stdout
}

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

fn config(cloud: &Cloud, body: &str) -> String {
    format!("{}\n{body}", cloud.provider())
}

const DNS: &str = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "CLUSTER"
  template_name = "coredns"
  version       = "VERSION"
  values = {
    flavor = { replicas = REPLICAS }
  }
}
"#;

fn dns(cluster: &str, version: &str, replicas: u32) -> String {
    DNS.replace("CLUSTER", cluster)
        .replace("VERSION", version)
        .replace("REPLICAS", &replicas.to_string())
}

#[test]
fn plans_for_each_kind_of_change() {
    let cloud = Cloud::start(0);
    let project = Project::new();

    project.write("main.hcl", &config(&cloud, &dns(CLUSTER_1, "1.28.6", 2)));
    snapshot!("create", plan(&project, &["--detailed-exitcode"], 2));
    let json = crate::support::plan_document(&plan(&project, &["--json"], 0));
    assert_eq!(json["format_version"], "1");
    project.plinth(&["apply", "--auto-approve"]).code(0);

    project.write("main.hcl", &config(&cloud, &dns(CLUSTER_1, "1.29.4", 3)));
    snapshot!("update_version_and_values", plan(&project, &[], 0));
    snapshot!(
        "update_json",
        serde_json::to_string_pretty(&crate::support::plan_document(&plan(
            &project,
            &["--json"],
            0
        )))
        .unwrap()
    );

    project.write("main.hcl", &config(&cloud, &dns(CLUSTER_2, "1.28.6", 2)));
    snapshot!("replace_on_cluster_change", plan(&project, &[], 0));

    project.write("main.hcl", &config(&cloud, &dns(CLUSTER_1, "1.28.6", 2)));
    snapshot!(
        "replace_requested",
        plan(&project, &["--replace", "huaweicloud_cce_addon.dns"], 0)
    );

    // Drift: someone changes a key the user wrote, in the console.
    let client = cloud.client();
    let uid = cloud.snapshot().addons[0].uid.clone();
    cloud.block_on(async {
        let current = client
            .get_addon(AddonApi::Cce, Some(CLUSTER_1), &uid)
            .await
            .unwrap();
        let mut values = current.spec.values.clone().unwrap();
        values["flavor"]["replicas"] = serde_json::json!(5);
        let request = AddonRequest::upgrade(
            AddonRequestSpec {
                cluster_id: CLUSTER_1.to_owned(),
                version: current.spec.version.clone(),
                addon_template_name: "coredns".to_owned(),
                values,
            },
            None,
        );
        client
            .upgrade_addon(AddonApi::Cce, &uid, &request)
            .await
            .unwrap();
    });
    snapshot!("drift", plan(&project, &[], 0));
    snapshot!("refresh_only", plan(&project, &["--refresh-only"], 0));

    // Deleted outside plinth.
    cloud.block_on(async {
        client
            .delete_addon(AddonApi::Cce, Some(CLUSTER_1), &uid)
            .await
            .unwrap();
    });
    snapshot!("deleted_outside", plan(&project, &[], 0));
}

#[test]
fn adoption_targets_excludes_and_for_each_keys() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    // An add-on installed outside plinth is adopted, not installed twice.
    let client = cloud.client();
    cloud.block_on(async {
        let request = AddonRequest::install(
            AddonRequestSpec {
                cluster_id: CLUSTER_2.to_owned(),
                version: Some("1.3.68".to_owned()),
                addon_template_name: "metrics-server".to_owned(),
                values: serde_json::json!({}),
            },
            None,
        );
        client.install_addon(AddonApi::Cce, &request).await.unwrap();
    });
    let body = |pools: &str| {
        format!(
            r#"
resource "huaweicloud_cce_addon" "metrics" {{
  cluster_id    = "{CLUSTER_2}"
  template_name = "metrics-server"
  version       = "1.3.68"
}}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  for_each      = toset([{pools}])
  pool_name     = each.key
  template_name = "gpu-beta"
  depends_on    = [huaweicloud_cce_addon.dns]
}}
"#
        )
    };
    project.write("main.hcl", &config(&cloud, &body(r#""pool-a""#)));
    snapshot!("adopt_by_natural_key", plan(&project, &[], 0));
    snapshot!(
        "target_with_dependencies",
        plan(
            &project,
            &[
                "--target",
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#
            ],
            0
        )
    );
    snapshot!(
        "exclude_with_dependents",
        plan(&project, &["--exclude", "huaweicloud_cce_addon.dns"], 0)
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_2}/metrics-server")),
        1
    );
    project.write("main.hcl", &config(&cloud, &body(r#""pool-b""#)));
    snapshot!("for_each_key_added_and_removed", plan(&project, &[], 0));
}

#[test]
fn prevent_destroy_refuses_the_plan() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = |cluster: &str| {
        format!(
            r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{cluster}"
  template_name = "coredns"
  lifecycle {{
    prevent_destroy = true
  }}
}}
"#
        )
    };
    project.write("main.hcl", &config(&cloud, &body(CLUSTER_1)));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &config(&cloud, &body(CLUSTER_2)));
    let run = project.plinth(&["plan"]);
    run.code(1);
    snapshot!("prevent_destroy", run.stderr);
}

#[test]
fn unknown_values_are_known_after_apply() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write(
        "main.hcl",
        &config(
            &cloud,
            &format!(
                r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
}}
resource "huaweicloud_cce_addon" "nodelocal" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "node-local-dns"
  values = {{
    custom = {{ upstream = huaweicloud_cce_addon.dns.id }}
  }}
}}
"#
            ),
        ),
    );
    let text = plan(&project, &[], 0);
    assert!(text.contains("(known after apply)"), "{text}");
    snapshot!("unknown_values", text);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let dns = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    let nodelocal = project
        .resource("huaweicloud_cce_addon", "nodelocal", None)
        .unwrap();
    assert_eq!(
        nodelocal["attributes"]["values"]["custom"]["upstream"],
        dns["id"]
    );
}

#[test]
fn a_thousand_instances_plan_against_the_emulator() {
    let pools: Vec<String> = (0..1000).map(|i| format!("pool-{i:04}")).collect();
    let cloud = Cloud::start_with(plinth_emulator::EmulatorOptions {
        fixture: plinth_emulator::Fixture {
            pools: pools.clone(),
            ..plinth_emulator::Fixture::default()
        },
        ..plinth_emulator::EmulatorOptions::default()
    });
    let project = Project::new();
    let list = pools
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    project.write(
        "main.hcl",
        &config(
            &cloud,
            &format!(
                r#"
resource "huaweicloud_modelarts_pool_plugin" "agent" {{
  for_each      = toset([{list}])
  pool_name     = each.key
  template_name = "os-node-agent"
}}
"#
            ),
        ),
    );
    let text = plan(&project, &["--detailed-exitcode"], 2);
    assert!(
        text.contains("Plan: 1000 to add, 0 to change, 0 to destroy."),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
    assert!(
        text.contains(r#"huaweicloud_modelarts_pool_plugin.agent["pool-0999"] will be created"#)
    );
}

//! The whole life cycle of each resource type through the real binary against the emulator:
//! create, a no-op plan, version upgrade, values change, replace, destroy; the state and the
//! emulator's view compared at each step.

use plinth_cloud::AddonApi;
use plinth_cloud::model::{AddonRequest, AddonRequestSpec};

use crate::support::{AUTOPILOT, CLUSTER_1, CLUSTER_2, Cloud, Project};

fn apply(project: &Project) -> crate::support::Run {
    project.plinth(&["apply", "--auto-approve"])
}

fn assert_no_changes(project: &Project) {
    let run = project.plinth(&["plan", "--detailed-exitcode"]);
    run.code(0);
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

fn addon(cloud: &Cloud, cluster: &str, version: &str, replicas: u32) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{cluster}"
  template_name = "coredns"
  version       = "{version}"
  values = {{
    flavor = {{ replicas = {replicas} }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "one add-on's whole life cycle, each step checked before the next, reads best in order"
)]
fn cce_addon_life_cycle() {
    let cloud = Cloud::start(50);
    let project = Project::new();

    // Create.
    project.write("main.hcl", &addon(&cloud, CLUSTER_1, "1.28.6", 2));
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    let installed = &snapshot.addons[0];
    assert_eq!(installed.version, "1.28.6");
    let state = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(state["id"], installed.uid.as_str());
    assert_eq!(state["attributes"]["values"]["flavor"]["replicas"], 2);
    // The server filled in template defaults: they are recorded, and they are not a diff.
    assert!(
        state["attributes"]["values"]["basic"].is_object(),
        "{state:#}"
    );
    assert_no_changes(&project);

    // Someone sets a parameter plinth does not manage, in the console.
    let client = cloud.client();
    let uid = installed.uid.clone();
    cloud.block_on(async {
        let current = client
            .get_addon(AddonApi::Cce, Some(CLUSTER_1), &uid)
            .await
            .unwrap();
        let mut values = current.spec.values.clone().unwrap();
        values["custom"]["console_only"] = serde_json::json!("kept");
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
    // It is not a key the user wrote, so it is neither drift nor a change.
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_no_changes(&project);

    // Version upgrade: the installed parameters the user does not manage are kept.
    project.write("main.hcl", &addon(&cloud, CLUSTER_1, "1.29.4", 2));
    let run = project.plinth(&["plan", "--detailed-exitcode"]);
    run.code(2);
    assert!(
        run.stdout.contains("will be updated in place"),
        "{}",
        run.stdout
    );
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout.contains("0 added, 1 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert_eq!(cloud.snapshot().addons[0].version, "1.29.4");
    let state = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(
        state["attributes"]["values"]["custom"]["console_only"], "kept",
        "an upgrade must keep parameters the user does not manage: {state:#}"
    );
    assert_no_changes(&project);

    // Values change.
    project.write("main.hcl", &addon(&cloud, CLUSTER_1, "1.29.4", 3));
    apply(&project).code(0);
    let state = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(state["attributes"]["values"]["flavor"]["replicas"], 3);
    assert_eq!(
        state["attributes"]["values"]["custom"]["console_only"],
        "kept"
    );
    assert_eq!(
        cloud.snapshot().addons[0].uid,
        uid,
        "a values change is in place"
    );
    assert_no_changes(&project);

    // Replace: the cluster forces a new add-on.
    project.write("main.hcl", &addon(&cloud, CLUSTER_2, "1.29.4", 3));
    let run = project.plinth(&["plan"]);
    assert!(run.stdout.contains("must be replaced"), "{}", run.stdout);
    assert!(
        run.stdout.contains("# forces replacement"),
        "{}",
        run.stdout
    );
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout.contains("1 added, 0 changed, 1 destroyed."),
        "{}",
        run.stdout
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.addons[0].cluster_id, CLUSTER_2);
    let state = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(state["id"], snapshot.addons[0].uid.as_str());
    assert_no_changes(&project);

    // Destroy.
    let run = project.plinth(&["destroy", "--auto-approve"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Destroy complete! Resources: 1 destroyed."),
        "{}",
        run.stdout
    );
    assert!(cloud.snapshot().addons.is_empty());
    assert_eq!(project.resource_count(), 0);
}

fn plugin(cloud: &Cloud, pool: &str, version: &str, driver: &str) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "{pool}"
  template_name = "gpu-beta"
  version       = "{version}"
  inputs = {{
    driver = {{ version = "{driver}" }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn pool_plugin_life_cycle() {
    let cloud = Cloud::start(50);
    let project = Project::new();
    project.write("main.hcl", &plugin(&cloud, "pool-a", "1.2.15", "535.54.03"));
    apply(&project).code(0);
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.plugins.len(), 1);
    assert_eq!(snapshot.plugins[0].pool, "pool-a");
    assert_eq!(snapshot.plugins[0].version, "1.2.15");
    assert_no_changes(&project);

    project.write("main.hcl", &plugin(&cloud, "pool-a", "1.2.21", "535.54.03"));
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout.contains("0 added, 1 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert_eq!(cloud.snapshot().plugins[0].version, "1.2.21");
    assert_no_changes(&project);

    project.write("main.hcl", &plugin(&cloud, "pool-a", "1.2.21", "550.90.07"));
    apply(&project).code(0);
    let state = project
        .resource("huaweicloud_modelarts_pool_plugin", "gpu", None)
        .unwrap();
    assert_eq!(
        state["attributes"]["inputs"]["driver"]["version"],
        "550.90.07"
    );
    assert_no_changes(&project);

    project.write("main.hcl", &plugin(&cloud, "pool-b", "1.2.21", "550.90.07"));
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout.contains("1 added, 0 changed, 1 destroyed."),
        "{}",
        run.stdout
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.plugins.len(), 1);
    assert_eq!(snapshot.plugins[0].pool, "pool-b");
    assert_no_changes(&project);

    project.plinth(&["destroy", "--auto-approve"]).code(0);
    assert!(cloud.snapshot().plugins.is_empty());
    assert_eq!(project.resource_count(), 0);
}

fn autopilot(cloud: &Cloud, template: &str, version: &str, replicas: u32) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_autopilot_addon" "addon" {{
  cluster_id    = "{AUTOPILOT}"
  template_name = "{template}"
  version       = "{version}"
  values = {{
    flavor = {{ replicas = {replicas} }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn autopilot_addon_life_cycle() {
    let cloud = Cloud::start(50);
    let project = Project::new();
    project.write("main.hcl", &autopilot(&cloud, "coredns", "1.28.6", 2));
    apply(&project).code(0);
    assert_eq!(cloud.snapshot().addons[0].version, "1.28.6");
    assert_no_changes(&project);

    project.write("main.hcl", &autopilot(&cloud, "coredns", "1.30.6", 2));
    apply(&project).code(0);
    assert_eq!(cloud.snapshot().addons[0].version, "1.30.6");
    assert_no_changes(&project);

    project.write("main.hcl", &autopilot(&cloud, "coredns", "1.30.6", 3));
    apply(&project).code(0);
    assert_no_changes(&project);

    project.write("main.hcl", &autopilot(&cloud, "log-agent", "1.5.2", 3));
    let run = apply(&project);
    run.code(0);
    assert!(
        run.stdout.contains("1 added, 0 changed, 1 destroyed."),
        "{}",
        run.stdout
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.addons[0].template, "log-agent");
    assert_no_changes(&project);

    project.plinth(&["destroy", "--auto-approve"]).code(0);
    assert!(cloud.snapshot().addons.is_empty());
}

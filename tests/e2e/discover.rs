//! `plinth discover`: add-ons and plug-ins installed outside plinth (through the API, as the
//! official SDK installs them) become `resource` and `import` blocks; a plan of them imports them
//! and changes nothing, and after the apply the plan is empty.

use plinth_cloud::{AddonApi, ResourceType};
use serde_json::json;

use crate::support::{AUTOPILOT, CLUSTER_1, CLUSTER_2, Cloud, Project};

/// Installs through the cloud's API, as the SDK would, and waits until it runs.
fn install(cloud: &Cloud, kind: ResourceType, desired: &serde_json::Value) {
    let client = cloud.client();
    cloud.block_on(async {
        let created = kind.create(&client, desired).await.unwrap();
        let options = client.settings().wait;
        kind.wait(
            &client,
            &created.object_ref(),
            plinth_cloud::WaitTarget::Ready,
            &options,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap();
    });
}

fn installed_outside(cloud: &Cloud) {
    install(
        cloud,
        ResourceType::CCE_ADDON,
        &json!({"cluster_id": CLUSTER_1, "template_name": "coredns", "version": "1.28.6",
               "values": {"custom": {"upstream_nameservers": ["8.8.8.8"]}, "flavor": {"replicas": 3}}}),
    );
    install(
        cloud,
        ResourceType::CCE_ADDON,
        &json!({"cluster_id": CLUSTER_2, "template_name": "everest", "version": "2.4.77"}),
    );
    install(
        cloud,
        ResourceType::AUTOPILOT_ADDON,
        &json!({"cluster_id": AUTOPILOT, "template_name": "metrics-server"}),
    );
    install(
        cloud,
        ResourceType::POOL_PLUGIN,
        &json!({"pool_name": "pool-a", "template_name": "gpu-beta", "version": "1.2.15"}),
    );
}

#[test]
fn discovered_objects_plan_as_imports_only_and_then_nothing() {
    let cloud = Cloud::start(0);
    installed_outside(&cloud);
    let project = Project::new();
    // One add-on this configuration already manages: discover leaves it alone.
    project.write(
        "main.hcl",
        &format!(
            r#"{provider}
resource "huaweicloud_cce_addon" "local_dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "node-local-dns"
}}
"#,
            provider = cloud.provider()
        ),
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let installs_before = cloud.snapshot().installs;

    let run = project.plinth(&["discover", "--out", "discovered.hcl"]);
    run.code(0);
    assert!(
        run.stderr
            .contains("found 3 add-ons and 1 plug-in that this configuration does not manage"),
        "{}",
        run.stderr
    );
    let written = project.read("discovered.hcl");
    insta::with_settings!({filters => vec![
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
    ]}, {
        insta::assert_snapshot!("discovered", written);
    });
    assert!(!written.contains("node-local-dns"), "{written}");

    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(2);
    assert!(
        plan.stdout
            .contains("Plan: 4 to import, 0 to add, 0 to change, 0 to destroy."),
        "{}",
        plan.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let after = project.plinth(&["plan", "--detailed-exitcode"]);
    after.code(0);
    assert!(after.stdout.contains("No changes."), "{}", after.stdout);
    // Imported, not installed again: the cloud's install counts did not move.
    assert_eq!(cloud.snapshot().installs, installs_before);
    let coredns = cloud
        .block_on(cloud.client().list_addons(AddonApi::Cce, CLUSTER_1))
        .unwrap();
    assert_eq!(coredns.items.len(), 2);
    // Nothing more to discover.
    let again = project.plinth(&["discover"]);
    again.code(0);
    assert!(
        again.stderr.contains("found 0 add-ons and 0 plug-ins"),
        "{}",
        again.stderr
    );
    assert!(again.stdout.is_empty(), "{}", again.stdout);
}

#[test]
fn discover_looks_only_where_it_is_told() {
    let cloud = Cloud::start(0);
    installed_outside(&cloud);
    let project = Project::new();
    project.write("main.hcl", &cloud.provider());
    let run = project.plinth(&["discover", "--cluster", CLUSTER_2, "--pool", "pool-b"]);
    run.code(0);
    assert!(
        run.stderr.contains("found 1 add-on and 0 plug-ins"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.contains(r#"template_name = "everest""#),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(r#"id = "{CLUSTER_2}/"#)),
        "{}",
        run.stdout
    );
    // A file that exists is never overwritten.
    project.write("taken.hcl", "# mine\n");
    let refused = project.plinth(&["discover", "--out", "taken.hcl"]);
    refused.code(1);
    assert!(
        refused.stderr.contains("already exists"),
        "{}",
        refused.stderr
    );
    assert_eq!(project.read("taken.hcl"), "# mine\n");
    let unknown = project.plinth(&[
        "discover",
        "--cluster",
        "c0ffee00-0000-4000-8000-00000000dead",
    ]);
    unknown.code(1);
    assert!(
        unknown.stderr.contains("cannot list the add-ons"),
        "{}",
        unknown.stderr
    );
}

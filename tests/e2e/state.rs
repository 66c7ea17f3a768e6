//! `plinth state list | show | rm | mv`, `show`, `output` and `force-unlock` on a state file written
//! through plinth-state.

use plinth_core::ResourceAddress;
use plinth_state::{Change, LocalStorage, LockRequest, OutputState, ResourceState, StateStorage};
use serde_json::json;

use crate::support::Project;

/// A project whose state holds two add-ons, two plug-ins and two outputs.
fn project_with_state() -> Project {
    let project = Project::new();
    let storage = LocalStorage::new(project.path().join("plinth.state.json"));
    let lock = storage
        .lock(&LockRequest {
            operation: "test".to_owned(),
            timeout: std::time::Duration::ZERO,
        })
        .unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
    let dns: ResourceAddress = "huaweicloud_cce_addon.dns".parse().unwrap();
    let mut addon = ResourceState::new(
        Some("1f3a".to_owned()),
        json!({"id": "1f3a", "cluster_id": "c1", "template_name": "coredns", "version": "1.28.6",
               "values": {"flavor": {"replicas": 2}, "basic": {"password": "hmac-sha256:0000000000000000000000000000000000000000000000000000000000000000"}}}),
    );
    addon.sensitive.insert("/values/basic/password".to_owned());
    journal
        .record(Change::Upsert {
            address: dns.clone(),
            resource: addon,
        })
        .unwrap();
    for pool in ["pool-a", "pool-b"] {
        let address: ResourceAddress = format!("huaweicloud_modelarts_pool_plugin.gpu[\"{pool}\"]")
            .parse()
            .unwrap();
        let mut plugin = ResourceState::new(
            None,
            json!({"pool_name": pool, "template_name": "gpu-beta", "version": "1.2.15"}),
        );
        plugin.dependencies.push(dns.clone());
        journal
            .record(Change::Upsert {
                address,
                resource: plugin,
            })
            .unwrap();
    }
    journal
        .record(Change::Upsert {
            address: "huaweicloud_cce_addon.metrics".parse().unwrap(),
            resource: ResourceState::new(Some("77b0".to_owned()), json!({"id": "77b0"})),
        })
        .unwrap();
    journal
        .record(Change::SetOutput {
            name: "dns_status".to_owned(),
            output: OutputState::Plain(json!("running")),
        })
        .unwrap();
    journal.finish().unwrap();
    project
}

#[test]
fn list_shows_addresses_and_filters() {
    let project = project_with_state();
    let run = project.plinth(&["state", "list"]);
    run.code(0);
    insta::assert_snapshot!(run.stdout, @r#"
    huaweicloud_cce_addon.dns
    huaweicloud_cce_addon.metrics
    huaweicloud_modelarts_pool_plugin.gpu["pool-a"]
    huaweicloud_modelarts_pool_plugin.gpu["pool-b"]
    "#);
    let run = project.plinth(&["state", "list", "huaweicloud_modelarts_pool_plugin.gpu"]);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    let run = project.plinth(&["state", "list", "--id", "77b0"]);
    assert_eq!(run.stdout, "huaweicloud_cce_addon.metrics\n");
}

#[test]
fn show_hides_sensitive_values() {
    let project = project_with_state();
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon.dns"]);
    run.code(0);
    assert!(
        run.stdout.starts_with(
            "# huaweicloud_cce_addon.dns:\nresource \"huaweicloud_cce_addon\" \"dns\" {"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(sensitive value)"), "{}", run.stdout);
    assert!(!run.stdout.contains("hmac-sha256"), "{}", run.stdout);
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon.nope"]);
    run.code(1);
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.nope"),
        "{}",
        run.stderr
    );
}

#[test]
fn rm_forgets_and_keeps_a_backup() {
    let project = project_with_state();
    let before = project.read("plinth.state.json");
    let run = project.plinth(&["state", "rm", "huaweicloud_cce_addon.metrics"]);
    run.code(0);
    assert!(
        run.stdout.contains("Removed huaweicloud_cce_addon.metrics"),
        "{}",
        run.stdout
    );
    assert_eq!(project.read("plinth.state.json.backup"), before);
    let listed = project.plinth(&["state", "list"]).stdout;
    assert!(!listed.contains("metrics"), "{listed}");
    // An unknown address changes nothing.
    let after_rm = project.read("plinth.state.json");
    let run = project.plinth(&["state", "rm", "huaweicloud_cce_addon.ghost"]);
    run.code(1);
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.ghost"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), after_rm);
}

#[test]
fn mv_renames_all_instances() {
    let project = project_with_state();
    let run = project.plinth(&[
        "state",
        "mv",
        "huaweicloud_modelarts_pool_plugin.gpu",
        "huaweicloud_modelarts_pool_plugin.accelerators",
    ]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Successfully moved 2 resource instances."),
        "{}",
        run.stdout
    );
    let listed = project.plinth(&["state", "list"]).stdout;
    assert!(listed.contains("accelerators[\"pool-a\"]"), "{listed}");
    let run = project.plinth(&[
        "state",
        "mv",
        "huaweicloud_cce_addon.dns",
        "huaweicloud_cce_addon.metrics",
    ]);
    run.code(1);
}

#[test]
fn a_bad_address_is_a_clear_error() {
    let project = project_with_state();
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("invalid resource address `huaweicloud_cce_addon`"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_and_output() {
    let project = project_with_state();
    let run = project.plinth(&["show", "--json"]);
    run.code(0);
    assert_eq!(run.stdout, project.read("plinth.state.json"));
    let run = project.plinth(&["show"]);
    run.code(0);
    assert!(
        run.stdout.contains("Outputs:\n\ndns_status = \"running\""),
        "{}",
        run.stdout
    );
    let run = project.plinth(&["output", "dns_status"]);
    assert_eq!(run.stdout, "\"running\"\n");
    let run = project.plinth(&["output", "--json"]);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["dns_status"]["value"], "running");
    project.plinth(&["output", "nope"]).code(1);
}

#[test]
fn empty_state_shows_that_nothing_is_managed() {
    let project = Project::new();
    let run = project.plinth(&["show"]);
    run.code(0);
    assert!(run.stdout.contains("manages nothing"), "{}", run.stdout);
    project.plinth(&["state", "list"]).code(0);
}

#[test]
fn force_unlock_refuses_a_wrong_id() {
    let project = project_with_state();
    let run = project.plinth(&["force-unlock", "00000000-0000-4000-8000-000000000000"]);
    run.code(1);
}

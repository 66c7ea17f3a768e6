//! One action per instance: create, no-op, update, replace, delete, drift, import, data sources.

use insta::assert_snapshot;
use plinth_planner::{Action, Plan, PlanOptions, Reason, WantedRead};
use serde_json::json;

use crate::{World, address, config, show};

/// The plan of `hcl` against `world`, with the default options.
fn planned(world: &World, hcl: &str) -> Plan {
    world.plan(&config(hcl), &PlanOptions::default()).unwrap()
}

/// Plans `hcl` against `world` with the default options, checks the action of its first change,
/// and returns the plan for what else the test checks.
fn check(world: &World, hcl: &str, expected: Action) -> Plan {
    let plan = planned(world, hcl);
    assert_eq!(plan.changes()[0].action, expected, "{}", show(&plan));
    plan
}

const DNS: &str = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values = {
    flavor = { replicas = 2 }
    custom = { upstream_nameservers = ["8.8.8.8"] }
  }
}
"#;

/// The add-on as the cloud reports it after installing `DNS`: with template defaults filled in.
fn dns_remote() -> serde_json::Value {
    json!({
        "cluster_id": "c1", "template_name": "coredns", "version": "1.28.6",
        "current_version": "1.28.6", "status": "running", "id": "uid-dns",
        "values": {
            "flavor": {"replicas": 2, "cpu": "500m", "name": "small"},
            "custom": {"upstream_nameservers": ["8.8.8.8"], "stub_domains": {}},
            "basic": {"cluster_ip": "10.247.3.10"}
        }
    })
}

#[test]
fn create_when_not_in_state() {
    let plan = World::new()
        .plan(&config(DNS), &PlanOptions::default())
        .unwrap();
    assert_eq!(plan.changes()[0].action, Action::Create);
    assert!(plan.has_changes());
    assert_eq!(
        plan.wanted_reads(),
        [WantedRead::NaturalKey {
            address: address("huaweicloud_cce_addon.dns"),
            natural_key: [("cluster_id", "c1"), ("template_name", "coredns")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }]
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn server_filled_defaults_are_not_a_diff() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let plan = check(&world, DNS, Action::NoOp);
    assert!(!plan.has_changes());
    assert!(plan.drift().is_empty());
    assert_snapshot!(show(&plan), @"Plan: 0 to import, 0 to add, 0 to change, 0 to destroy, 0 to read.");
}

#[test]
fn no_refresh_trusts_the_state() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    world.observed = plinth_planner::Observations::new();
    let plan = planned(&world, DNS);
    assert!(!plan.has_changes());
}

#[test]
fn update_of_version_compares_the_installed_version() {
    let mut world = World::new();
    let mut old = dns_remote();
    old["version"] = json!("1.28.5");
    old["current_version"] = json!("1.28.5");
    world.in_state("huaweicloud_cce_addon.dns", Some("uid-dns"), old, &[]);
    let plan = check(&world, DNS, Action::Update);
    assert_snapshot!(show(&plan));
}

#[test]
fn update_of_values_key_by_key() {
    let mut world = World::new();
    let mut old = dns_remote();
    old["values"]["flavor"]["replicas"] = json!(1);
    old["values"]["custom"]["upstream_nameservers"] = json!(["1.1.1.1", "8.8.4.4"]);
    world.in_state("huaweicloud_cce_addon.dns", Some("uid-dns"), old, &[]);
    let plan = check(&world, DNS, Action::Update);
    assert!(plan.drift().is_empty());
    assert_snapshot!(show(&plan));
}

#[test]
fn replace_on_cluster_change_names_the_attribute() {
    let mut world = World::new();
    let mut old = dns_remote();
    old["cluster_id"] = json!("c0");
    world.in_state("huaweicloud_cce_addon.dns", Some("uid-dns"), old, &[]);
    let plan = planned(&world, DNS);
    let change = &plan.changes()[0];
    assert_eq!(
        change.action,
        Action::Replace {
            create_before_destroy: false
        }
    );
    assert_eq!(
        change.reasons,
        [Reason::ForcedBy {
            attributes: vec!["cluster_id".into()]
        }]
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn drift_is_reported_and_changed_back() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let mut now = dns_remote();
    now["values"]["flavor"]["replicas"] = json!(5);
    // A server-side change of a key the user did not write is no drift.
    now["values"]["flavor"]["cpu"] = json!("1");
    world.remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
    let plan = check(&world, DNS, Action::Update);
    assert_eq!(plan.changes()[0].reasons, [Reason::Drift]);
    assert_eq!(plan.drift().len(), 1);
    assert_snapshot!(show(&plan));
}

#[test]
fn deleted_outside_is_created_again() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    world.gone("huaweicloud_cce_addon.dns");
    let plan = check(&world, DNS, Action::Create);
    assert_eq!(plan.changes()[0].reasons, [Reason::DeletedOutside]);
    assert_snapshot!(show(&plan));
}

/// `dns` recorded as `uid-old`, and the refresh finding it re-created outside plinth as
/// `uid-new` (the recorded id gone, the natural key finding another object).
fn replaced_world(now: serde_json::Value) -> World {
    let mut world = World::new();
    let mut recorded = dns_remote();
    recorded["id"] = json!("uid-old");
    world.in_state("huaweicloud_cce_addon.dns", Some("uid-old"), recorded, &[]);
    let mut now = now;
    now["id"] = json!("uid-new");
    world.remote("huaweicloud_cce_addon.dns", Some("uid-new"), now);
    world
}

#[test]
fn replaced_outside_is_adopted_under_its_new_id() {
    let world = replaced_world(dns_remote());
    let plan = check(&world, DNS, Action::Import { then_update: false });
    let change = &plan.changes()[0];
    assert_eq!(
        change.reasons,
        [Reason::ReplacedOutside {
            old_id: "uid-old".to_owned(),
            new_id: "uid-new".to_owned(),
        }]
    );
    assert_eq!(change.id.as_deref(), Some("uid-new"));
    assert!(plan.wanted_reads().is_empty());
    assert_snapshot!(show(&plan), @r#"
    huaweicloud_cce_addon.dns: import
      because it was replaced outside plinth: uid-old -> uid-new
    Plan: 1 to import, 0 to add, 0 to change, 0 to destroy, 0 to read.
    "#);
}

#[test]
fn replaced_outside_with_other_values_is_adopted_then_updated() {
    let mut now = dns_remote();
    now["version"] = json!("1.27.1");
    now["current_version"] = json!("1.27.1");
    let world = replaced_world(now);
    let plan = check(&world, DNS, Action::Import { then_update: true });
    assert!(matches!(
        plan.changes()[0].reasons.as_slice(),
        [Reason::ReplacedOutside { .. }]
    ));
}

#[test]
fn replaced_outside_and_no_longer_configured_deletes_the_new_object() {
    let world = replaced_world(dns_remote());
    let plan = check(&world, "", Action::Delete);
    let change = &plan.changes()[0];
    assert_eq!(change.id.as_deref(), Some("uid-new"));
    assert_eq!(
        change.reasons,
        [
            Reason::ReplacedOutside {
                old_id: "uid-old".to_owned(),
                new_id: "uid-new".to_owned(),
            },
            Reason::NoLongerInConfiguration,
        ]
    );
}

#[test]
fn the_same_id_refreshed_is_not_a_replacement() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let plan = check(&world, DNS, Action::NoOp);
    assert!(plan.changes()[0].reasons.is_empty());
}

#[test]
fn adopted_by_natural_key_is_an_import() {
    let mut world = World::new();
    world.found("huaweicloud_cce_addon.dns", Some("uid-dns"), dns_remote());
    let plan = check(&world, DNS, Action::Import { then_update: false });
    assert_eq!(plan.changes()[0].id.as_deref(), Some("uid-dns"));
    assert!(plan.wanted_reads().is_empty());
    assert_snapshot!(show(&plan), @r#"
    huaweicloud_cce_addon.dns: import
      because an object with the same natural key already exists
    Plan: 1 to import, 0 to add, 0 to change, 0 to destroy, 0 to read.
    "#);
}

#[test]
fn adopted_object_that_differs_is_imported_then_updated() {
    let mut world = World::new();
    let mut found = dns_remote();
    found["version"] = json!("1.27.1");
    found["current_version"] = json!("1.27.1");
    world.found("huaweicloud_cce_addon.dns", Some("uid-dns"), found);
    let plan = check(&world, DNS, Action::Import { then_update: true });
    assert_snapshot!(show(&plan));
}

#[test]
fn tainted_is_replaced() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    world.tainted("huaweicloud_cce_addon.dns");
    let plan = check(
        &world,
        DNS,
        Action::Replace {
            create_before_destroy: false,
        },
    );
    assert_eq!(plan.changes()[0].reasons, [Reason::Tainted]);
}

#[test]
fn delete_when_no_longer_in_configuration() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let plan = check(&world, "", Action::Delete);
    assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.dns: delete
      because it is no longer in the configuration
    Plan: 0 to import, 0 to add, 0 to change, 1 to destroy, 0 to read.
    ");
}

const PLUGINS: &str = r#"
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = toset(["pool-a", "pool-b"])
  pool_name     = each.key
  template_name = "gpu-beta"
  version       = "1.2.15"
}
"#;

fn plugin(pool: &str) -> serde_json::Value {
    json!({"pool_name": pool, "template_name": "gpu-beta", "version": "1.2.15", "phase": "Running"})
}

#[test]
fn for_each_key_added_and_removed() {
    let mut world = World::new();
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
        None,
        plugin("pool-a"),
        &[],
    );
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-c"]"#,
        None,
        plugin("pool-c"),
        &[],
    );
    let plan = world
        .plan(&config(PLUGINS), &PlanOptions::default())
        .unwrap();
    assert_snapshot!(show(&plan));
}

#[test]
fn count_shrink_deletes_the_last_instances() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "extra" {
  count         = 1
  cluster_id    = "c${count.index}"
  template_name = "everest"
}
"#;
    let mut world = World::new();
    for i in 0..3 {
        world.in_state(
            &format!("huaweicloud_cce_addon.extra[{i}]"),
            Some(&format!("uid-{i}")),
            json!({"cluster_id": format!("c{i}"), "template_name": "everest"}),
            &[],
        );
    }
    let plan = planned(&world, hcl);
    assert_eq!(plan.summary().destroy, 2);
    assert_snapshot!(show(&plan));
}

#[test]
fn unknown_values_propagate_to_dependents() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c2"
  template_name = "coredns"
}
resource "huaweicloud_cce_addon" "metrics" {
  cluster_id    = "c1"
  template_name = "metrics-server"
  values        = { custom = { dns_addon = huaweicloud_cce_addon.dns.id } }
}
"#;
    let mut world = World::new();
    // `dns` moves to another cluster (replaced, so its id is known only after apply); `metrics`
    // refers to its id and must show it as known after apply.
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "id": "uid-dns"}),
        &[],
    );
    world.in_state(
        "huaweicloud_cce_addon.metrics",
        Some("uid-m"),
        json!({"cluster_id": "c1", "template_name": "metrics-server", "values": {"custom": {"dns_addon": "uid-dns"}}}),
        &["huaweicloud_cce_addon.dns"],
    );
    let plan = planned(&world, hcl);
    let metrics = plan
        .change(&address("huaweicloud_cce_addon.metrics"))
        .unwrap();
    assert_eq!(metrics.action, Action::Update);
    assert!(metrics.changes[0].after.is_unknown());
    assert_snapshot!(show(&plan));
}

#[test]
fn a_dependent_of_a_created_resource_is_known_after_apply() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
resource "huaweicloud_cce_addon" "metrics" {
  cluster_id    = "c1"
  template_name = "metrics-server"
  values        = { custom = { dns_addon = huaweicloud_cce_addon.dns.id, dns_template = huaweicloud_cce_addon.dns.template_name } }
}
"#;
    let plan = World::new()
        .plan(&config(hcl), &PlanOptions::default())
        .unwrap();
    assert_snapshot!(show(&plan));
}

#[test]
fn ignore_changes_masks_paths() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values        = { flavor = { replicas = 2 } }
  lifecycle {
    ignore_changes = [values.flavor.replicas]
  }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let mut now = dns_remote();
    now["values"]["flavor"]["replicas"] = json!(7);
    world.remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
    let plan = check(&world, hcl, Action::NoOp);
    assert!(plan.drift().is_empty());
}

#[test]
fn sensitive_values_are_flagged() {
    let hcl = r#"
variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { custom = { token = var.token, plain = "x" } }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "old", "plain": "x"}}}),
        &[],
    );
    let plan = planned(&world, hcl);
    let change = &plan.changes()[0];
    assert_eq!(change.action, Action::Update);
    assert_eq!(change.changes.len(), 1);
    assert!(change.changes[0].sensitive);
    // The update writes the value, which is recorded sealed: no note for it.
    assert!(change.seals.is_empty());
    assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.dns: update
      ~ values.custom.token: (sensitive value) -> (sensitive value)
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    ");
}

#[test]
fn sealed_sensitive_value_in_state_is_no_diff_without_refresh() {
    let hcl = r#"
variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { custom = { token = var.token } }
}
"#;
    let mut world = World::new();
    let address = address("huaweicloud_cce_addon.dns");
    let mut resource = plinth_state::ResourceState::new(
        Some("uid-dns".into()),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "s3cr3t"}}}),
    );
    assert!(
        world
            .state
            .seal_sensitive(&mut resource, "/values/custom/token")
    );
    world.state.apply(plinth_state::Change::Upsert {
        address: address.clone(),
        resource,
    });
    let plan = planned(&world, hcl);
    assert_eq!(plan.change(&address).unwrap().action, Action::NoOp);
    // Refreshed, and changed in the cloud: drift, shown without the value.
    world.remote(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "other"}}}),
    );
    let plan = planned(&world, hcl);
    assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.dns: update
      because values were changed outside plinth
      ~ values.custom.token: (sensitive value) -> (sensitive value)  # drift
    drift huaweicloud_cce_addon.dns values.custom.token: (sensitive value) -> (sensitive value)
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    ");
}

const SEALED_TOKEN: &str = r#"
variable "token" {
  type      = string
  default   = "s3cr3t"
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { custom = { token = var.token } }
}
"#;

#[test]
fn a_value_marked_sensitive_after_it_was_recorded_is_to_be_sealed() {
    let attributes = json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "s3cr3t"}}});
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        attributes,
        &[],
    );
    let address = address("huaweicloud_cce_addon.dns");
    for refresh in [true, false] {
        if !refresh {
            world.observed = plinth_planner::Observations::new();
        }
        let plan = planned(&world, SEALED_TOKEN);
        let change = plan.change(&address).unwrap();
        assert_eq!(change.action, Action::NoOp, "refresh: {refresh}");
        assert_eq!(change.seals, ["/values/custom/token"], "refresh: {refresh}");
        assert!(plan.drift().is_empty(), "refresh: {refresh}");
    }
}

#[test]
fn a_fingerprint_the_list_lost_is_still_compared_as_one_and_not_to_be_sealed_again() {
    let mut world = World::new();
    let address = address("huaweicloud_cce_addon.dns");
    let mut resource = plinth_state::ResourceState::new(
        Some("uid-dns".into()),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "s3cr3t"}}}),
    );
    assert!(
        world
            .state
            .seal_sensitive(&mut resource, "/values/custom/token")
    );
    // A hand edit (or a bad merge) took the pointer out of the list.
    resource.sensitive.clear();
    world.state.apply(plinth_state::Change::Upsert {
        address: address.clone(),
        resource,
    });
    // Not refreshed: the fingerprint is compared with the configured value, no change.
    let plan = planned(&world, SEALED_TOKEN);
    let change = plan.change(&address).unwrap();
    assert_eq!(change.action, Action::NoOp);
    assert!(change.seals.is_empty());
    // Refreshed: the cloud's value is the one fingerprinted, no drift.
    world.remote(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"token": "s3cr3t"}}}),
    );
    let plan = planned(&world, SEALED_TOKEN);
    assert_eq!(plan.change(&address).unwrap().action, Action::NoOp);
    assert!(plan.drift().is_empty(), "{}", show(&plan));
    // A configured value that differs from the fingerprint is a change, shown sealed.
    let plan = planned(&world, &SEALED_TOKEN.replace("\"s3cr3t\"", "\"n3w\""));
    assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.dns: update
      ~ values.custom.token: (sensitive value) -> (sensitive value)
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    ");
}

const DATA: &str = r#"
data "huaweicloud_cce_addon" "existing" {
  cluster_id = "c1"
  id         = "uid-x"
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = data.huaweicloud_cce_addon.existing.template_name
}
"#;

#[test]
fn data_source_not_read_is_read_during_apply_and_wanted() {
    let plan = World::new()
        .plan(&config(DATA), &PlanOptions::default())
        .unwrap();
    let data = plan
        .change(&address("data.huaweicloud_cce_addon.existing"))
        .unwrap();
    assert_eq!(data.action, Action::Read);
    assert!(
        plan.wanted_reads()
            .iter()
            .any(|w| matches!(w, WantedRead::Data { arguments, .. }
        if *arguments == json!({"cluster_id": "c1", "id": "uid-x"})))
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn data_source_read_feeds_its_dependents() {
    let mut world = World::new();
    world.observed.insert_data(
        address("data.huaweicloud_cce_addon.existing"),
        json!({"cluster_id": "c1", "id": "uid-x", "template_name": "everest"}),
    );
    let plan = planned(&world, DATA);
    let dns = plan.change(&address("huaweicloud_cce_addon.dns")).unwrap();
    assert_eq!(
        dns.natural_key.get("template_name").map(String::as_str),
        Some("everest")
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn references_to_id_see_the_cloud_id_of_an_unchanged_resource() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
resource "huaweicloud_cce_addon" "metrics" {
  cluster_id    = "c1"
  template_name = "metrics-server"
  values        = { custom = { dns_addon = huaweicloud_cce_addon.dns.id } }
}
"#;
    let mut world = World::new();
    // The attributes do not repeat the id: it comes from the object's id.
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns"}),
        &[],
    );
    world.in_state(
        "huaweicloud_cce_addon.metrics",
        Some("uid-m"),
        json!({"cluster_id": "c1", "template_name": "metrics-server", "values": {"custom": {"dns_addon": "uid-dns"}}}),
        &["huaweicloud_cce_addon.dns"],
    );
    let plan = planned(&world, hcl);
    assert!(!plan.has_changes(), "{}", show(&plan));
}

#[test]
fn ignore_changes_all_keeps_the_object_as_it_is() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "9.9.9"
  values        = { flavor = { replicas = 9 } }
  lifecycle {
    ignore_changes = all
  }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    let plan = planned(&world, hcl);
    assert!(!plan.has_changes(), "{}", show(&plan));
}

#[test]
fn data_source_depending_on_unknowns_is_read_during_apply() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
data "huaweicloud_cce_addon" "dns" {
  cluster_id = "c1"
  id         = huaweicloud_cce_addon.dns.id
}
"#;
    let plan = World::new()
        .plan(&config(hcl), &PlanOptions::default())
        .unwrap();
    let data = plan
        .change(&address("data.huaweicloud_cce_addon.dns"))
        .unwrap();
    assert_eq!(data.action, Action::Read);
    assert_eq!(data.reasons, [Reason::DependsOnUnknown]);
    assert!(
        plan.wanted_reads()
            .iter()
            .all(|w| !matches!(w, WantedRead::Data { .. }))
    );
    assert_snapshot!(show(&plan), @r#"
    huaweicloud_cce_addon.dns: create
      ~ cluster_id: <absent> -> "c1"
      ~ template_name: <absent> -> "coredns"
    data.huaweicloud_cce_addon.dns: read
      because its arguments depend on values known only after apply
    order: create huaweicloud_cce_addon.dns -> read data.huaweicloud_cce_addon.dns
    Plan: 0 to import, 1 to add, 0 to change, 0 to destroy, 1 to read.
    "#);
}

#[test]
fn ignored_paths_keep_the_cloud_value_in_the_planned_object() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { flavor = { replicas = 2 } }
  lifecycle {
    ignore_changes = [values.flavor.replicas]
  }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"flavor": {"replicas": 7}}}),
        &[],
    );
    let plan = planned(&world, hcl);
    let dns = plan.change(&address("huaweicloud_cce_addon.dns")).unwrap();
    assert_eq!(dns.action, Action::NoOp);
    let after = dns
        .after
        .as_ref()
        .unwrap()
        .value()
        .strip_marks()
        .to_json_with(&mut |_| json!("?"));
    assert_eq!(after["values"]["flavor"]["replicas"], json!(7));
}

/// An upgrade in place keeps the add-on's id known: a plug-in that reads it is not changed.
#[test]
fn upgrade_keeps_the_id_known_to_dependants() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.30.6"
}
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  inputs        = { dns = huaweicloud_cce_addon.dns.id }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    world.in_state(
        "huaweicloud_modelarts_pool_plugin.gpu",
        None,
        json!({"pool_name": "pool-a", "template_name": "gpu-beta", "version": "1.2.15",
               "inputs": {"dns": "uid-dns"}, "phase": "Running"}),
        &["huaweicloud_cce_addon.dns"],
    );
    let plan = planned(&world, hcl);
    let action = |addr: &str| plan.change(&address(addr)).unwrap().action;
    assert_eq!(action("huaweicloud_cce_addon.dns"), Action::Update);
    assert_eq!(
        action("huaweicloud_modelarts_pool_plugin.gpu"),
        Action::NoOp,
        "{}",
        show(&plan)
    );
    let after = plan
        .change(&address("huaweicloud_cce_addon.dns"))
        .unwrap()
        .after
        .as_ref()
        .map(plinth_planner::PlannedObject::value);
    let Some(plinth_config::Value::Object(after)) = after else {
        panic!("an update plans an object");
    };
    assert_eq!(
        after.get("id"),
        Some(&plinth_config::Value::string("uid-dns"))
    );
    assert_eq!(
        after.get("current_version"),
        Some(&plinth_config::Value::Unknown)
    );
}

//! `--target`, `--exclude`, `--replace`, `--refresh-only`, destroy and `prevent_destroy`.

use insta::assert_snapshot;
use plinth_planner::{Action, PlanError, PlanMode, PlanOptions, Reason};
use serde_json::json;

use crate::{World, address, config, show};

/// `b` depends on `a`; `c` is on its own.
const THREE: &str = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c1"
  template_name = "everest"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c1"
  template_name = "coredns"
  depends_on    = [huaweicloud_cce_addon.a]
}
resource "huaweicloud_cce_addon" "c" {
  cluster_id    = "c1"
  template_name = "metrics-server"
}
"#;

fn addresses(plan: &plinth_planner::Plan) -> Vec<String> {
    plan.changes()
        .iter()
        .map(|c| c.address.to_string())
        .collect()
}

#[test]
fn target_keeps_what_it_depends_on() {
    let options = PlanOptions {
        targets: vec![address("huaweicloud_cce_addon.b")],
        ..PlanOptions::default()
    };
    let plan = World::new().plan(&config(THREE), &options).unwrap();
    assert_eq!(
        addresses(&plan),
        ["huaweicloud_cce_addon.a", "huaweicloud_cce_addon.b"]
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn target_without_index_selects_every_instance() {
    let hcl = r#"
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = toset(["pool-a", "pool-b"])
  pool_name     = each.key
  template_name = "gpu-beta"
}
resource "huaweicloud_cce_addon" "c" {
  cluster_id    = "c1"
  template_name = "metrics-server"
}
"#;
    let options = PlanOptions {
        targets: vec![address("huaweicloud_modelarts_pool_plugin.gpu")],
        ..PlanOptions::default()
    };
    let plan = World::new().plan(&config(hcl), &options).unwrap();
    assert_eq!(plan.summary().add, 2);
    let options = PlanOptions {
        targets: vec![address(
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#,
        )],
        ..PlanOptions::default()
    };
    let plan = World::new().plan(&config(hcl), &options).unwrap();
    assert_eq!(
        addresses(&plan),
        [r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#]
    );
}

#[test]
fn exclude_drops_it_and_its_dependents() {
    let options = PlanOptions {
        excludes: vec![address("huaweicloud_cce_addon.a")],
        ..PlanOptions::default()
    };
    let plan = World::new().plan(&config(THREE), &options).unwrap();
    assert_eq!(addresses(&plan), ["huaweicloud_cce_addon.c"]);
}

fn three_in_state() -> World {
    let mut world = World::new();
    for (name, template, deps) in [
        ("a", "everest", &[][..]),
        ("b", "coredns", &["huaweicloud_cce_addon.a"][..]),
        ("c", "metrics-server", &[][..]),
    ] {
        world.in_state(
            &format!("huaweicloud_cce_addon.{name}"),
            Some(&format!("uid-{name}")),
            json!({"cluster_id": "c1", "template_name": template, "status": "running"}),
            deps,
        );
    }
    world
}

#[test]
fn replace_requested_for_an_unchanged_resource() {
    let world = three_in_state();
    let options = PlanOptions {
        replace: vec![address("huaweicloud_cce_addon.c")],
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    let c = plan.change(&address("huaweicloud_cce_addon.c")).unwrap();
    assert_eq!(
        c.action,
        Action::Replace {
            create_before_destroy: false
        }
    );
    assert_eq!(c.reasons, [Reason::Requested]);
    assert_snapshot!(show(&plan));
}

#[test]
fn refresh_only_reports_drift_and_changes_nothing() {
    let mut world = three_in_state();
    world.remote(
        "huaweicloud_cce_addon.a",
        Some("uid-a"),
        json!({"cluster_id": "c9", "template_name": "everest", "status": "running"}),
    );
    world.gone("huaweicloud_cce_addon.c");
    let options = PlanOptions {
        refresh_only: true,
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    assert_eq!(plan.mode(), PlanMode::RefreshOnly);
    assert!(plan.changes().iter().all(|c| c.action == Action::NoOp));
    assert!(plan.has_changes());
    assert_eq!(plan.summary(), plinth_planner::Summary::default());
    assert_snapshot!(show(&plan));
}

#[test]
fn prevent_destroy_refuses_a_replace() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c2"
  template_name = "coredns"
  lifecycle {
    prevent_destroy = true
  }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns"}),
        &[],
    );
    let error = world
        .plan(&config(hcl), &PlanOptions::default())
        .unwrap_err();
    assert!(matches!(&error, PlanError::PreventDestroy { refusals } if refusals.len() == 1));
    assert_snapshot!(error.to_string(), @r"
    instance `huaweicloud_cce_addon.dns` cannot be destroyed: the plan would replace it (a change of `cluster_id` forces replacement), but it has `lifecycle { prevent_destroy = true }`

    hint: remove `prevent_destroy`, or change the plan so that it keeps the resource (e.g. undo the change that forces replacement)
    ");
    // An update in place is fine.
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c2", "template_name": "coredns"}),
        &[],
    );
    assert!(world.plan(&config(hcl), &PlanOptions::default()).is_ok());
    // Destroying it is refused too.
    let destroy = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    assert!(matches!(
        world.plan(&config(hcl), &destroy),
        Err(PlanError::PreventDestroy { .. })
    ));
}

#[test]
fn destroy_deletes_everything_in_reverse_dependency_order() {
    let world = three_in_state();
    let options = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    assert_eq!(plan.mode(), PlanMode::Destroy);
    assert_eq!(plan.summary().destroy, 3);
    assert_snapshot!(show(&plan));
}

#[test]
fn destroy_with_target_takes_its_dependents_along() {
    let world = three_in_state();
    let options = PlanOptions {
        destroy: true,
        targets: vec![address("huaweicloud_cce_addon.a")],
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    assert_eq!(
        addresses(&plan),
        ["huaweicloud_cce_addon.a", "huaweicloud_cce_addon.b"]
    );
}

#[test]
fn destroy_with_exclude_keeps_it_and_what_it_needs() {
    let world = three_in_state();
    let options = PlanOptions {
        destroy: true,
        excludes: vec![address("huaweicloud_cce_addon.b")],
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    assert_eq!(addresses(&plan), ["huaweicloud_cce_addon.c"]);
    let options = PlanOptions {
        destroy: true,
        excludes: vec![address("huaweicloud_cce_addon.a")],
        ..PlanOptions::default()
    };
    let plan = world.plan(&config(THREE), &options).unwrap();
    assert_eq!(
        addresses(&plan),
        ["huaweicloud_cce_addon.b", "huaweicloud_cce_addon.c"]
    );
}

//! The order of steps: dependencies, deletes against them, replacements, cycles, DOT.

use insta::assert_snapshot;
use plinth_planner::{Action, Operation, PlanError, PlanOptions};
use serde_json::json;

use crate::{World, address, config, position, show};

#[test]
fn deletes_run_against_the_dependency_direction() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.a",
        Some("uid-a"),
        json!({"cluster_id": "c1", "template_name": "everest"}),
        &[],
    );
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.p["x"]"#,
        None,
        json!({"pool_name": "x", "template_name": "gpu-beta"}),
        &["huaweicloud_cce_addon.a"],
    );
    let plan = world.plan(&config(""), &PlanOptions::default()).unwrap();
    assert!(
        position(
            &plan,
            r#"huaweicloud_modelarts_pool_plugin.p["x"]"#,
            Operation::Delete
        ) < position(&plan, "huaweicloud_cce_addon.a", Operation::Delete)
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn creates_follow_references() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c1"
  template_name = "everest"
}
resource "huaweicloud_modelarts_pool_plugin" "p" {
  for_each      = toset(["x", "y"])
  pool_name     = each.key
  template_name = "gpu-beta"
  inputs        = { addon = huaweicloud_cce_addon.a.id }
}
"#;
    let plan = World::new()
        .plan(&config(hcl), &PlanOptions::default())
        .unwrap();
    for key in ["x", "y"] {
        let p = format!(r#"huaweicloud_modelarts_pool_plugin.p["{key}"]"#);
        assert!(
            position(&plan, "huaweicloud_cce_addon.a", Operation::Create)
                < position(&plan, &p, Operation::Create)
        );
        assert_eq!(
            plan.change(&address(&p)).unwrap().dependencies,
            [address("huaweicloud_cce_addon.a")]
        );
    }
    assert_snapshot!(plan.to_dot());
}

const MOVED: &str = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c2"
  template_name = "everest"
  lifecycle {
    create_before_destroy = CBD
  }
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { custom = { storage = huaweicloud_cce_addon.a.id } }
}
"#;

fn moved_world() -> World {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.a",
        Some("uid-a"),
        json!({"cluster_id": "c1", "template_name": "everest", "id": "uid-a"}),
        &[],
    );
    world.in_state(
        "huaweicloud_cce_addon.b",
        Some("uid-b"),
        json!({"cluster_id": "c1", "template_name": "coredns", "values": {"custom": {"storage": "uid-a"}}}),
        &["huaweicloud_cce_addon.a"],
    );
    world
}

#[test]
fn replace_deletes_then_creates_by_default() {
    let plan = moved_world()
        .plan(
            &config(&MOVED.replace("CBD", "false")),
            &PlanOptions::default(),
        )
        .unwrap();
    let a = "huaweicloud_cce_addon.a";
    assert_eq!(
        plan.change(&address(a)).unwrap().action,
        Action::Replace {
            create_before_destroy: false
        }
    );
    assert!(position(&plan, a, Operation::Delete) < position(&plan, a, Operation::Create));
    assert!(
        position(&plan, a, Operation::Create)
            < position(&plan, "huaweicloud_cce_addon.b", Operation::Update)
    );
    assert_snapshot!(show(&plan));
}

#[test]
fn replace_with_create_before_destroy_creates_first() {
    let plan = moved_world()
        .plan(
            &config(&MOVED.replace("CBD", "true")),
            &PlanOptions::default(),
        )
        .unwrap();
    let a = "huaweicloud_cce_addon.a";
    let b = "huaweicloud_cce_addon.b";
    assert_eq!(
        plan.change(&address(a)).unwrap().action,
        Action::Replace {
            create_before_destroy: true
        }
    );
    assert!(position(&plan, a, Operation::Create) < position(&plan, b, Operation::Update));
    // The old object goes only once its dependent points at the new one.
    assert!(position(&plan, b, Operation::Update) < position(&plan, a, Operation::Delete));
    assert_snapshot!(show(&plan));
}

#[test]
fn a_cycle_in_recorded_dependencies_names_the_resources() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.a",
        Some("uid-a"),
        json!({}),
        &["huaweicloud_cce_addon.b"],
    );
    world.in_state(
        "huaweicloud_cce_addon.b",
        Some("uid-b"),
        json!({}),
        &["huaweicloud_cce_addon.a"],
    );
    world.in_state("huaweicloud_cce_addon.c", Some("uid-c"), json!({}), &[]);
    let error = world
        .plan(&config(""), &PlanOptions::default())
        .unwrap_err();
    assert_eq!(
        error,
        PlanError::Cycle {
            addresses: vec![
                address("huaweicloud_cce_addon.a"),
                address("huaweicloud_cce_addon.b")
            ]
        }
    );
    assert_snapshot!(error.to_string(), @"dependency cycle between `huaweicloud_cce_addon.a`, `huaweicloud_cce_addon.b`");
}

#[test]
fn a_cycle_in_the_configuration_is_reported_by_loading() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = huaweicloud_cce_addon.b.cluster_id
  template_name = "everest"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = huaweicloud_cce_addon.a.cluster_id
  template_name = "coredns"
}
"#;
    let error = plinth_config::load_sources(plinth_config::Sources {
        files: vec![plinth_config::SourceFile::new("main.hcl", hcl)],
        ..plinth_config::Sources::default()
    })
    .unwrap_err();
    assert!(error.to_string().contains("dependency cycle"), "{error}");
}

#[test]
fn create_before_destroy_is_inherited_by_replaced_dependencies() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c2"
  template_name = "everest"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c2"
  template_name = "coredns"
  values        = { custom = { storage = huaweicloud_cce_addon.a.id } }
  lifecycle {
    create_before_destroy = true
  }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.a",
        Some("uid-a"),
        json!({"cluster_id": "c1", "template_name": "everest"}),
        &[],
    );
    world.in_state(
        "huaweicloud_cce_addon.b",
        Some("uid-b"),
        json!({"cluster_id": "c1", "template_name": "coredns"}),
        &["huaweicloud_cce_addon.a"],
    );
    let plan = world.plan(&config(hcl), &PlanOptions::default()).unwrap();
    for name in ["a", "b"] {
        let change = plan
            .change(&address(&format!("huaweicloud_cce_addon.{name}")))
            .unwrap();
        assert_eq!(
            change.action,
            Action::Replace {
                create_before_destroy: true
            },
            "{name}"
        );
    }
    assert_snapshot!(show(&plan));
}

#[test]
fn steps_lead_to_their_changes_and_plans_cross_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<plinth_planner::Plan>();
    let plan = moved_world()
        .plan(
            &config(&MOVED.replace("CBD", "false")),
            &PlanOptions::default(),
        )
        .unwrap();
    for &id in plan.graph().order() {
        let step = plan.graph().step(id);
        let change = plan.step_change(id).unwrap();
        assert_eq!(change.address, step.address);
    }
}

//! `removed` and `import` blocks: forgetting instead of deleting, and imports by id.

use insta::assert_snapshot;
use plinth_planner::{Action, PlanOptions};
use serde_json::json;

use crate::{World, config, show};

fn addon(name: &str, template: &str) -> String {
    format!(
        r#"
resource "huaweicloud_cce_addon" "{name}" {{
  cluster_id    = "c1"
  template_name = "{template}"
}}
"#
    )
}

fn remote(id: &str, template: &str) -> serde_json::Value {
    json!({"id": id, "cluster_id": "c1", "template_name": template, "status": "running"})
}

/// A world with `huaweicloud_cce_addon.old[0]`, `[1]` and `huaweicloud_cce_addon.gone` in the
/// state.
fn with_old_addons() -> World {
    let mut world = World::new();
    world
        .in_state(
            "huaweicloud_cce_addon.old[0]",
            Some("uid-0"),
            remote("uid-0", "everest"),
            &[],
        )
        .in_state(
            "huaweicloud_cce_addon.old[1]",
            Some("uid-1"),
            remote("uid-1", "npd"),
            &[],
        )
        .in_state(
            "huaweicloud_cce_addon.gone",
            Some("uid-2"),
            remote("uid-2", "coredns"),
            &[],
        );
    world
}

#[test]
fn removed_without_destroy_forgets_every_instance_and_with_destroy_deletes() {
    let world = with_old_addons();
    let hcl = r"
removed {
  from = huaweicloud_cce_addon.old
  lifecycle {
    destroy = false
  }
}

removed {
  from = huaweicloud_cce_addon.gone
}

removed {
  from = huaweicloud_cce_addon.never_managed
}
";
    let plan = world.plan(&config(hcl), &PlanOptions::default()).unwrap();
    assert!(plan.has_changes());
    assert_eq!(plan.summary().forget, 2);
    assert_eq!(plan.summary().destroy, 1);
    assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.gone: delete
      because it is no longer in the configuration
    huaweicloud_cce_addon.old[0]: forget
    huaweicloud_cce_addon.old[1]: forget
    Plan: 0 to import, 0 to add, 0 to change, 1 to destroy, 0 to read.
    ");
}

#[test]
fn an_import_block_target_found_by_id_is_imported_without_a_natural_key_reason() {
    let mut world = World::new();
    world.found(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        remote("uid-dns", "coredns"),
    );
    let hcl = format!(
        "{}\nimport {{\n  to = huaweicloud_cce_addon.dns\n  id = \"c1/uid-dns\"\n}}\n",
        addon("dns", "coredns")
    );
    let plan = world.plan(&config(&hcl), &PlanOptions::default()).unwrap();
    let change = &plan.changes()[0];
    assert_eq!(change.action, Action::Import { then_update: false });
    assert!(change.reasons.is_empty(), "{:?}", change.reasons);
    assert_eq!(change.id.as_deref(), Some("uid-dns"));
    // It does not ask for a lookup by natural key: the refresh read it by its id.
    assert!(plan.wanted_reads().is_empty());
}

#[test]
fn an_import_of_what_the_state_has_is_a_no_op_and_of_another_object_an_error() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        remote("uid-dns", "coredns"),
        &[],
    );
    let import = |id: &str| {
        format!(
            "{}\nimport {{\n  to = huaweicloud_cce_addon.dns\n  id = \"{id}\"\n}}\n",
            addon("dns", "coredns")
        )
    };
    let plan = world
        .plan(&config(&import("c1/uid-dns")), &PlanOptions::default())
        .unwrap();
    assert_eq!(plan.changes()[0].action, Action::NoOp);
    assert!(!plan.has_changes());
    let error = world
        .plan(&config(&import("c1/uid-other")), &PlanOptions::default())
        .unwrap_err();
    assert_snapshot!(error.to_string(), @r#"
    cannot import `c1/uid-other` to `huaweicloud_cce_addon.dns` (main.hcl:7:1): the state already manages another object there (id = "uid-dns")

    hint: remove the `import` block, or `plinth state rm huaweicloud_cce_addon.dns` first to manage the other object instead
    "#);
}

#[test]
fn an_import_to_an_instance_the_configuration_does_not_have_is_an_error() {
    let hcl = r#"
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = toset(["pool-a"])
  pool_name     = each.key
  template_name = "gpu-beta"
}

import {
  to = huaweicloud_modelarts_pool_plugin.gpu["pool-b"]
  id = "pool-b/gpu-beta"
}
"#;
    let error = World::new()
        .plan(&config(hcl), &PlanOptions::default())
        .unwrap_err();
    assert_snapshot!(error.to_string(), @r#"
    the configuration for import target `huaweicloud_modelarts_pool_plugin.gpu["pool-b"]` does not exist (main.hcl:8:1)

    hint: add its `resource` block (with the `count` or `for_each` key it needs), or let plinth write one: `plinth plan --generate-config-out generated.hcl`
    "#);
}

#[test]
fn an_import_of_an_object_the_block_does_not_describe_is_an_error() {
    let mut world = World::new();
    world.found(
        "huaweicloud_cce_addon.dns",
        Some("uid-x"),
        remote("uid-x", "everest"),
    );
    let hcl = format!(
        "{}\nimport {{\n  to = huaweicloud_cce_addon.dns\n  id = \"c1/uid-x\"\n}}\n",
        addon("dns", "coredns")
    );
    let error = world
        .plan(&config(&hcl), &PlanOptions::default())
        .unwrap_err();
    assert_snapshot!(error.to_string(), @r"
    cannot import `c1/uid-x` to `huaweicloud_cce_addon.dns` (main.hcl:7:1): the object's `template_name` differs from the configuration's

    hint: check the id, or change the `resource` block to describe the object
    ");
}

//! Planning many instances stays linear: a quadratic step would make these time out.

use plinth_config::testing::Versions;
use plinth_core::RemoteObject;
use plinth_planner::{Action, Observations, Observed, Operation, OutputAction, PlanOptions, plan};
use plinth_state::{Change, OutputState, ResourceState, State};
use serde_json::json;

use crate::{address, config};

const N: usize = 10_000;

#[test]
fn ten_thousand_for_each_instances_plan_correctly() {
    let hcl = format!(
        r#"
resource "huaweicloud_cce_addon" "base" {{
  cluster_id    = "c1"
  template_name = "everest"
}}
resource "huaweicloud_modelarts_pool_plugin" "many" {{
  for_each      = toset([for i in range({N}) : "pool-${{i}}"])
  pool_name     = each.key
  template_name = "gpu-beta"
  version       = "1.2.15"
  depends_on    = [huaweicloud_cce_addon.base]
}}
"#
    );
    let config = config(&hcl);
    // Half are in the state and match; every tenth of those is outdated; the rest are new.
    let mut state = State::new();
    let mut observed = Observations::new();
    for i in (0..N).step_by(2) {
        let pool = format!("pool-{i}");
        let version = if i % 20 == 0 { "1.2.14" } else { "1.2.15" };
        let attributes = json!({"pool_name": pool, "template_name": "gpu-beta", "version": version, "phase": "Running"});
        let addr = address(&format!(
            r#"huaweicloud_modelarts_pool_plugin.many["{pool}"]"#
        ));
        state.apply(Change::Upsert {
            address: addr.clone(),
            resource: ResourceState::new(None, attributes.clone()),
        });
        observed.insert_resource(
            addr,
            Observed::Present(RemoteObject::new(None, attributes.into())),
        );
    }
    let plan = plan(&config, &state, &observed, &PlanOptions::default()).unwrap();
    let summary = plan.summary();
    assert_eq!(summary.add, N / 2 + 1);
    assert_eq!(summary.change, N / 20);
    assert_eq!(plan.changes().len(), N + 1);
    assert_eq!(plan.graph().len(), N + 1);
    let base = plan
        .graph()
        .find(
            &address("huaweicloud_cce_addon.base"),
            plinth_planner::Operation::Create,
        )
        .unwrap();
    assert_eq!(plan.graph().dependents(base).count(), N);
    assert_eq!(
        plan.change(&address(
            r#"huaweicloud_modelarts_pool_plugin.many["pool-20"]"#
        ))
        .unwrap()
        .action,
        Action::Update
    );
}

/// `plugins` (N instances) depend on all of `addons` (N instances): N x N edges would be 10^8 at
/// N = 10 000; the graph goes through barrier steps instead, and keeps the order.
#[test]
fn many_instances_depending_on_many_instances_stay_linear() {
    const M: usize = 2_000;
    let hcl = format!(
        r#"
resource "huaweicloud_cce_addon" "addons" {{
  for_each      = toset([for i in range({M}) : "c${{i}}"])
  cluster_id    = each.key
  template_name = "everest"
}}
resource "huaweicloud_modelarts_pool_plugin" "plugins" {{
  for_each      = toset([for i in range({M}) : "pool-${{i}}"])
  pool_name     = each.key
  template_name = "gpu-beta"
  depends_on    = [huaweicloud_cce_addon.addons]
}}
"#
    );
    let config = config(&hcl);
    let planned = plan(
        &config,
        &State::new(),
        &Observations::new(),
        &PlanOptions::default(),
    )
    .unwrap();
    let graph = planned.graph();
    assert_eq!(graph.len(), 2 * M + 1);
    assert!(
        graph.graph().edge_count() <= 2 * M,
        "{} edges",
        graph.graph().edge_count()
    );
    let position = |id| graph.order().iter().position(|s| *s == id).unwrap();
    let last_addon = (0..M)
        .map(|i| {
            position(
                graph
                    .find(
                        &address(&format!(r#"huaweicloud_cce_addon.addons["c{i}"]"#)),
                        Operation::Create,
                    )
                    .unwrap(),
            )
        })
        .max()
        .unwrap();
    let first_plugin = (0..M)
        .map(|i| {
            position(
                graph
                    .find(
                        &address(&format!(
                            r#"huaweicloud_modelarts_pool_plugin.plugins["pool-{i}"]"#
                        )),
                        Operation::Create,
                    )
                    .unwrap(),
            )
        })
        .min()
        .unwrap();
    assert!(last_addon < first_plugin);

    // Deleting them all runs the other way round, still through a barrier.
    let mut state = State::new();
    for i in 0..M {
        let addon = address(&format!(r#"huaweicloud_cce_addon.addons["c{i}"]"#));
        state.apply(Change::Upsert {
            address: addon,
            resource: ResourceState::new(Some(format!("uid-{i}")), json!({})),
        });
        let mut plugin = ResourceState::new(None, json!({}));
        plugin.dependencies = vec![address("huaweicloud_cce_addon.addons")];
        state.apply(Change::Upsert {
            address: address(&format!(
                r#"huaweicloud_modelarts_pool_plugin.plugins["pool-{i}"]"#
            )),
            resource: plugin,
        });
    }
    let planned = plan(
        &crate::config(""),
        &state,
        &Observations::new(),
        &PlanOptions::default(),
    )
    .unwrap();
    let graph = planned.graph();
    assert_eq!(planned.summary().destroy, 2 * M);
    assert!(graph.graph().edge_count() <= 2 * M);
    let position = |id| graph.order().iter().position(|s| *s == id).unwrap();
    let first_addon = (0..M)
        .map(|i| {
            position(
                graph
                    .find(
                        &address(&format!(r#"huaweicloud_cce_addon.addons["c{i}"]"#)),
                        Operation::Delete,
                    )
                    .unwrap(),
            )
        })
        .min()
        .unwrap();
    let last_plugin = (0..M)
        .map(|i| {
            position(
                graph
                    .find(
                        &address(&format!(
                            r#"huaweicloud_modelarts_pool_plugin.plugins["pool-{i}"]"#
                        )),
                        Operation::Delete,
                    )
                    .unwrap(),
            )
        })
        .max()
        .unwrap();
    assert!(last_plugin < first_addon);
}

/// The benchmarks' generated configuration (every resource type, `for_each` and explicit blocks,
/// a reference chain, fan-out): all created on an empty state, nothing to do once the cloud
/// matches, every instance updated when every object runs the previous version.
#[test]
fn generated_configuration_plans_create_no_op_and_update() {
    let generated = plinth_config::testing::Generated::new(300);
    let n = generated.instances();
    let config = plinth_config::load_sources(generated.sources()).unwrap();
    let options = PlanOptions::default();
    let created = plan(&config, &State::new(), &Observations::new(), &options).unwrap();
    assert_eq!(created.summary().add, n);

    for (versions, change) in [(Versions::Configured, 0), (Versions::Previous, n)] {
        let mut state = State::new();
        let mut observed = Observations::new();
        for (in_state, now) in generated
            .cloud(Versions::Configured)
            .into_iter()
            .zip(generated.cloud(versions))
        {
            state.apply(Change::Upsert {
                address: address(&in_state.address),
                resource: ResourceState::new(in_state.id, in_state.attributes),
            });
            observed.insert_resource(
                address(&now.address),
                Observed::Present(RemoteObject::new(now.id, now.attributes.into())),
            );
        }
        let planned = plan(&config, &state, &observed, &options).unwrap();
        let summary = planned.summary();
        assert_eq!(
            (summary.add, summary.change, summary.destroy),
            (0, change, 0),
            "objects running the {versions:?} versions"
        );
        if versions == Versions::Configured {
            assert!(planned.drift().is_empty());
            // The state records no output yet: the plan creates them, and once recorded as an
            // apply records them, nothing is left to do.
            for output in planned.output_changes() {
                assert_eq!(output.action, OutputAction::Create, "{}", output.name);
                let value = output
                    .after
                    .as_ref()
                    .and_then(plinth_config::Value::to_json);
                state.apply(Change::SetOutput {
                    name: output.name.clone(),
                    output: OutputState::Plain(value.expect("a known, plain output value")),
                });
            }
            let planned = plan(&config, &state, &observed, &options).unwrap();
            assert!(!planned.has_changes());
        }
    }
}

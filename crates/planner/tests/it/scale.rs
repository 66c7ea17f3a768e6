//! Planning many instances stays linear: a quadratic step would make these time out.

use plinth_planner::{Action, Observations, Observed, PlanOptions, RemoteObject, plan};
use plinth_state::{Change, ResourceState, State};
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
            Observed::Present(RemoteObject {
                id: None,
                attributes,
            }),
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

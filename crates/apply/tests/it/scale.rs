//! Many resources against a zero-latency emulator: the cost per resource stays flat.

use std::time::{Duration, Instant};

use plinth_apply::ApplyOptions;
use plinth_emulator::{EmulatorOptions, Fixture};
use plinth_planner::PlanOptions;

use crate::{cloud_with, config, failures, no_events_sink};

/// `n` plug-ins, two per pool. (References between them, e.g. `gpu[each.key].phase`, are left
/// out: evaluating them is quadratic in the configuration crate today, which would hide this
/// crate's own cost.)
async fn apply_many(n: usize) -> Duration {
    let pools: Vec<String> = (0..n.div_ceil(2)).map(|i| format!("pool-{i:05}")).collect();
    let cloud = cloud_with(EmulatorOptions {
        fixture: Fixture {
            pools: pools.clone(),
            ..Fixture::default()
        },
        ..EmulatorOptions::default()
    })
    .await;
    let list = pools
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let configuration = config(&format!(
        r#"
        locals {{ pools = toset([{list}]) }}
        resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
          for_each      = local.pools
          pool_name     = each.key
          template_name = "gpu-beta"
        }}
        resource "huaweicloud_modelarts_pool_plugin" "agent" {{
          for_each      = local.pools
          pool_name     = each.key
          template_name = "os-node-agent"
          inputs        = {{ custom = {{ gpu = "x" }} }}
        }}
        "#
    ));
    let started = Instant::now();
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions::default(),
            &ApplyOptions {
                parallelism: 10,
                ..ApplyOptions::default()
            },
            no_events_sink(),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.state().resources().len(), pools.len() * 2);
    elapsed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run with --ignored --nocapture"]
async fn apply_time_grows_linearly() {
    let small = apply_many(500).await;
    let large = apply_many(2000).await;
    eprintln!("500 resources: {small:?}; 2000 resources: {large:?}");
    assert!(large < small * 6, "{small:?} -> {large:?}");
}

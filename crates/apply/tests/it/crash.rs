//! An apply stopped dead at any moment (the future dropped, as a killed process would stop)
//! loses nothing and installs nothing twice: the next run converges.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use plinth_apply::{ApplyEvent, ApplyOptions, EventKind, EventSink};
use plinth_emulator::{EmulatorOptions, Fixture};
use plinth_planner::{Operation, PlanOptions};

use crate::{cloud_with, config, failures};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_apply_stopped_at_any_moment_is_finished_by_the_next_exactly_once() {
    let clusters: Vec<String> = (0..10)
        .map(|i| format!("c0ffee00-0000-4000-8000-3000000000{i:02}"))
        .collect();
    let list = clusters
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let configuration = config(&format!(
        r#"
        locals {{ clusters = toset([{list}]) }}
        resource "huaweicloud_cce_addon" "dns" {{
          for_each      = local.clusters
          cluster_id    = each.key
          template_name = "coredns"
        }}
        resource "huaweicloud_cce_addon" "metrics" {{
          for_each      = local.clusters
          cluster_id    = each.key
          template_name = "metrics-server"
          values        = {{ custom = {{ dns = huaweicloud_cce_addon.dns[each.key].id }} }}
        }}
        "#
    ));
    let mut interrupted_with_pending = 0;
    for (trial, stop_after) in [5_u64, 20, 45, 70, 90, 130, 170, 220, 300, 380]
        .into_iter()
        .enumerate()
    {
        let cloud = cloud_with(EmulatorOptions {
            op_duration: Duration::from_millis(60),
            fixture: Fixture {
                clusters: clusters.clone(),
                ..Fixture::default()
            },
            ..EmulatorOptions::default()
        })
        .await;
        let stopped = tokio::time::timeout(
            Duration::from_millis(stop_after),
            cloud.apply(&configuration, &PlanOptions::default()),
        )
        .await;
        let left = cloud.state();
        if stopped.is_err() && left.resources().values().any(|r| r.pending.is_some()) {
            interrupted_with_pending += 1;
        }
        let mut runs = 0;
        loop {
            runs += 1;
            let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
            if report.is_success() {
                break;
            }
            assert!(runs < 3, "trial {trial}: {}", failures(&report));
        }
        let state = cloud.state();
        assert_eq!(state.resources().len(), 20, "trial {trial}");
        assert!(
            state
                .resources()
                .values()
                .all(|r| r.pending.is_none() && r.id.is_some()),
            "trial {trial}"
        );
        let snapshot = cloud.emulator.snapshot();
        assert_eq!(snapshot.addons.len(), 20, "trial {trial}");
        assert!(
            snapshot.installs.values().all(|n| *n == 1),
            "trial {trial} (stopped: {}): {snapshot:?}",
            stopped.is_err()
        );
        assert!(
            !cloud
                .plan(&configuration, &PlanOptions::default())
                .await
                .has_changes(),
            "trial {trial}"
        );
    }
    // Most trials stopped the apply with creates in flight: the recovery was exercised.
    assert!(interrupted_with_pending >= 5, "{interrupted_with_pending}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delete_is_recorded_pending_before_it_is_sent() {
    let cloud = crate::cloud(Duration::from_millis(50)).await;
    let configuration = config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{}"
          template_name = "coredns"
        }}
        "#,
        crate::CLUSTER
    ));
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    // When the delete starts, its pending record is already durable in the journal on disk:
    // a run killed from then on leaves it for the next refresh.
    let journal = cloud.storage().journal_path();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink: EventSink = {
        let seen = Arc::clone(&seen);
        Arc::new(move |event: ApplyEvent| {
            if event.operation == Operation::Delete && event.kind == EventKind::Started {
                let text = std::fs::read_to_string(&journal).unwrap_or_default();
                seen.lock().unwrap().push(text);
            }
        })
    };
    let destroy = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let (_, report) = cloud
        .apply_with(&configuration, &destroy, &ApplyOptions::default(), sink)
        .await;
    assert!(report.is_success(), "{}", failures(&report));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].contains(r#""pending":{"action":"delete""#),
        "{}",
        seen[0]
    );
    assert_eq!(cloud.state().resources().len(), 0);
}

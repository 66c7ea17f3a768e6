//! Parallelism, ordering, and cancellation.

use std::time::{Duration, Instant};

use plinth_apply::{ApplyOptions, CancelHandle, EventKind, Outcome, SkipCause};
use plinth_emulator::{EmulatorOptions, Fixture};
use plinth_planner::{Operation, PlanOptions};
use plinth_state::PendingAction;

use crate::{Cloud, Events, cloud_with, config, failures};

/// An emulator with `n` CCE clusters, and a configuration of one coredns per cluster.
async fn clusters(n: usize, op: Duration) -> (Cloud, plinth_config::Configuration) {
    let clusters: Vec<String> = (0..n)
        .map(|i| format!("c0ffee00-0000-4000-8000-2000000000{i:02}"))
        .collect();
    let cloud = cloud_with(EmulatorOptions {
        op_duration: op,
        fixture: Fixture {
            clusters: clusters.clone(),
            ..Fixture::default()
        },
        ..EmulatorOptions::default()
    })
    .await;
    let list = clusters
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let configuration = config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             for_each      = toset([{list}])
             cluster_id    = each.key
             template_name = "coredns"
           }}"#
    ));
    (cloud, configuration)
}

/// The most operations ever in flight at once, from the events.
fn peak(events: &Events) -> usize {
    let mut now = 0_usize;
    let mut peak = 0;
    for (_, event) in events.all() {
        match event.kind {
            EventKind::Started => {
                now += 1;
                peak = peak.max(now);
            }
            EventKind::Finished { .. } => now = now.saturating_sub(1),
            EventKind::Status { .. } => {}
        }
    }
    peak
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_independent_creates_at_parallelism_ten_take_two_operation_times() {
    let op = Duration::from_millis(400);
    let (cloud, configuration) = clusters(20, op).await;
    let events = Events::default();
    let started = Instant::now();
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions::default(),
            &ApplyOptions {
                parallelism: 10,
                ..ApplyOptions::default()
            },
            events.sink(),
        )
        .await;
    let elapsed = started.elapsed();
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(report.summary().added, 20);
    assert_eq!(peak(&events), 10);
    // Two waves of ten: at least 2T, and far from the 20T of one at a time.
    assert!(elapsed >= op * 2, "{elapsed:?}");
    assert!(elapsed < op * 6, "{elapsed:?}");
}

/// The order of events of one kind, as addresses.
fn order(events: &Events, operation: Operation, kind: fn(&EventKind) -> bool) -> Vec<String> {
    events
        .all()
        .into_iter()
        .filter(|(_, e)| e.operation == operation && kind(&e.kind))
        .map(|(_, e)| e.address.to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dependents_start_after_their_dependencies_and_deletes_run_in_reverse() {
    let cloud = cloud_with(EmulatorOptions {
        op_duration: Duration::from_millis(100),
        ..EmulatorOptions::default()
    })
    .await;
    let configuration = config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "a" {{
          cluster_id    = "{cluster}"
          template_name = "coredns"
        }}
        resource "huaweicloud_cce_addon" "b" {{
          cluster_id    = "{cluster}"
          template_name = "everest"
          values        = {{ custom = {{ dns = huaweicloud_cce_addon.a.id }} }}
        }}
        resource "huaweicloud_modelarts_pool_plugin" "c" {{
          pool_name     = "pool-a"
          template_name = "gpu-beta"
          depends_on    = [huaweicloud_cce_addon.b]
        }}
        resource "huaweicloud_modelarts_pool_plugin" "free" {{
          pool_name     = "pool-b"
          template_name = "gpu-beta"
        }}
        output "a_id" {{ value = huaweicloud_cce_addon.a.id }}
        output "a_status" {{
          value     = huaweicloud_cce_addon.a.status
          sensitive = true
        }}
        "#,
        cluster = crate::CLUSTER
    ));
    let events = Events::default();
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions::default(),
            &ApplyOptions::default(),
            events.sink(),
        )
        .await;
    assert!(report.is_success(), "{}", failures(&report));
    let all = events.all();
    let at = |address: &str, kind: fn(&EventKind) -> bool| {
        all.iter()
            .position(|(_, e)| e.address.to_string() == address && kind(&e.kind))
            .unwrap()
    };
    let started = |k: &EventKind| matches!(k, EventKind::Started);
    let finished = |k: &EventKind| {
        matches!(
            k,
            EventKind::Finished {
                outcome: Outcome::Succeeded
            }
        )
    };
    assert!(at("huaweicloud_cce_addon.a", finished) < at("huaweicloud_cce_addon.b", started));
    assert!(
        at("huaweicloud_cce_addon.b", finished)
            < at("huaweicloud_modelarts_pool_plugin.c", started)
    );
    // Independent work does not wait.
    assert!(
        at("huaweicloud_modelarts_pool_plugin.free", started)
            < at("huaweicloud_cce_addon.a", finished)
    );
    // Status events report the remote status while waiting.
    assert!(all.iter().any(
        |(_, e)| matches!(&e.kind, EventKind::Status { status, .. } if status == "installing")
    ));

    // Outputs were recorded, the sensitive one as a fingerprint.
    let state = cloud.state();
    let a_id = state
        .resource(&"huaweicloud_cce_addon.a".parse().unwrap())
        .unwrap()
        .id
        .clone()
        .unwrap();
    assert_eq!(
        state.output("a_id").unwrap(),
        &plinth_state::OutputState::Plain(serde_json::json!(a_id))
    );
    let plinth_state::OutputState::Sensitive(fingerprint) = state.output("a_status").unwrap()
    else {
        panic!("a sensitive output is stored as a fingerprint");
    };
    assert!(state.fingerprint_matches(fingerprint, &serde_json::json!("running")));

    let events = Events::default();
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions {
                destroy: true,
                ..PlanOptions::default()
            },
            &ApplyOptions::default(),
            events.sink(),
        )
        .await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(report.summary().destroyed, 4);
    let deletes = events.all();
    let at = |address: &str, kind: fn(&EventKind) -> bool| {
        deletes
            .iter()
            .position(|(_, e)| e.address.to_string() == address && kind(&e.kind))
            .unwrap()
    };
    assert!(
        at("huaweicloud_modelarts_pool_plugin.c", finished)
            < at("huaweicloud_cce_addon.b", started)
    );
    assert!(at("huaweicloud_cce_addon.b", finished) < at("huaweicloud_cce_addon.a", started));
    assert!(order(&events, Operation::Delete, started).len() == 4);
    let state = cloud.state();
    assert!(state.resources().is_empty() && state.outputs().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancel_lets_what_runs_finish_and_starts_nothing_new() {
    let (cloud, configuration) = clusters(6, Duration::from_millis(300)).await;
    let cancel = CancelHandle::new();
    let events = Events::default();
    let sink = {
        let record = events.sink();
        let cancel = cancel.clone();
        std::sync::Arc::new(move |event: plinth_apply::ApplyEvent| {
            if matches!(event.kind, EventKind::Status { .. }) {
                cancel.cancel();
            }
            record(event);
        })
    };
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions::default(),
            &ApplyOptions {
                parallelism: 2,
                cancel,
            },
            sink,
        )
        .await;
    assert!(report.interrupted);
    assert!(report.failed.is_empty(), "{}", failures(&report));
    assert_eq!(report.succeeded.len(), 2);
    assert_eq!(report.skipped.len(), 4);
    assert!(
        report
            .skipped
            .iter()
            .all(|s| s.cause == SkipCause::Interrupted)
    );
    assert_eq!(
        order(&events, Operation::Create, |k| matches!(
            k,
            EventKind::Started
        ))
        .len(),
        2
    );
    // What ran is recorded and exists; nothing else was installed.
    let state = cloud.state();
    assert_eq!(state.resources().len(), 2);
    assert!(
        state
            .resources()
            .values()
            .all(|r| r.pending.is_none() && r.id.is_some())
    );
    assert_eq!(cloud.emulator.snapshot().addons.len(), 2);

    // The next run does the rest.
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(report.summary().added, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abort_records_what_runs_as_pending_and_the_next_run_adopts_it() {
    let op = Duration::from_secs(3);
    let (cloud, configuration) = clusters(3, op).await;
    let cancel = CancelHandle::new();
    let sink = {
        let cancel = cancel.clone();
        std::sync::Arc::new(move |event: plinth_apply::ApplyEvent| {
            if matches!(event.kind, EventKind::Status { .. }) {
                cancel.cancel();
                cancel.abort();
            }
        })
    };
    let started = Instant::now();
    let (_, report) = cloud
        .apply_with(
            &configuration,
            &PlanOptions::default(),
            &ApplyOptions {
                parallelism: 2,
                cancel,
            },
            sink,
        )
        .await;
    // It returned at once, without waiting for the installs.
    assert!(started.elapsed() < op, "{:?}", started.elapsed());
    assert!(report.interrupted);
    assert_eq!(report.abandoned.len(), 2);
    assert_eq!(report.skipped.len(), 1);
    let state = cloud.state();
    assert_eq!(state.resources().len(), 2);
    assert!(state.resources().values().all(|r| {
        r.pending.is_some_and(|p| p.action == PendingAction::Create) && r.id.is_none()
    }));

    // The next run finds the two installs by natural key and waits for them.
    let (plan, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(plan.summary().import, 2);
    assert_eq!(plan.summary().add, 1);
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 3);
    assert!(snapshot.installs.values().all(|n| *n == 1), "{snapshot:?}");
    assert!(
        cloud
            .state()
            .resources()
            .values()
            .all(|r| r.pending.is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_before_destroy_creates_the_new_object_before_deleting_the_old() {
    let cloud = cloud_with(EmulatorOptions {
        op_duration: Duration::from_millis(100),
        ..EmulatorOptions::default()
    })
    .await;
    let at = |pool: &str| {
        config(&format!(
            r#"resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
                 pool_name     = "{pool}"
                 template_name = "gpu-beta"
                 lifecycle {{ create_before_destroy = true }}
               }}"#
        ))
    };
    let (_, report) = cloud.apply(&at("pool-a"), &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let events = Events::default();
    let (_, report) = cloud
        .apply_with(
            &at("pool-b"),
            &PlanOptions::default(),
            &ApplyOptions::default(),
            events.sink(),
        )
        .await;
    assert!(report.is_success(), "{}", failures(&report));
    let all = events.all();
    let position = |operation: Operation, kind: fn(&EventKind) -> bool| {
        all.iter()
            .position(|(_, e)| e.operation == operation && kind(&e.kind))
            .unwrap()
    };
    assert!(
        position(Operation::Create, |k| matches!(
            k,
            EventKind::Finished { .. }
        )) < position(Operation::Delete, |k| matches!(k, EventKind::Started))
    );
    // The state holds the new object only; the cloud too.
    let state = cloud.state();
    let recorded = state
        .resource(&"huaweicloud_modelarts_pool_plugin.gpu".parse().unwrap())
        .unwrap();
    assert_eq!(recorded.natural_key.get("pool_name").unwrap(), "pool-b");
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.plugins.len(), 1);
    assert_eq!(snapshot.plugins[0].pool, "pool-b");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_before_destroy_keeps_the_old_object_in_the_state() {
    let cloud = cloud_with(EmulatorOptions::default()).await;
    let at = |pool: &str| {
        config(&format!(
            r#"resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
                 pool_name     = "{pool}"
                 template_name = "gpu-beta"
                 lifecycle {{ create_before_destroy = true }}
               }}"#
        ))
    };
    let (_, report) = cloud.apply(&at("pool-a"), &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let before = cloud.state();
    // No such pool: the cloud refuses the create, so the old object must stay managed. (A
    // refreshing plan refuses the pool itself; without refresh it reaches the cloud.)
    let (_, report) = cloud
        .apply_without_refresh(&at("pool-nowhere"), &PlanOptions::default())
        .await;
    assert_eq!(report.failed.len(), 1, "{}", failures(&report));
    let api = match &report.failed[0].error {
        plinth_apply::OperationError::Cloud(error) => error.api().cloned(),
        other => panic!("unexpected error: {other}"),
    };
    let api = api.expect("the cloud's answer");
    assert_eq!(api.status, 404);
    assert!(api.request_id.is_some());
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(report.skipped[0].operation, Operation::Delete);
    assert_eq!(cloud.state().resources(), before.resources());
    assert_eq!(cloud.emulator.snapshot().plugins.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_create_after_its_delete_leaves_nothing_in_the_state() {
    let cloud = cloud_with(EmulatorOptions::default()).await;
    let at = |pool: &str| {
        config(&format!(
            r#"resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
                 pool_name     = "{pool}"
                 template_name = "gpu-beta"
               }}"#
        ))
    };
    let (_, report) = cloud.apply(&at("pool-a"), &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let (_, report) = cloud
        .apply_without_refresh(&at("pool-nowhere"), &PlanOptions::default())
        .await;
    assert_eq!(report.summary().destroyed, 1);
    assert_eq!(report.failed.len(), 1, "{}", failures(&report));
    // The old object is gone, the new one was never made: nothing is left to manage.
    assert!(cloud.state().resources().is_empty());
    assert!(cloud.emulator.snapshot().plugins.is_empty());
}

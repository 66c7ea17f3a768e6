//! Failures: a template that fails to install, and a cloud that answers with faults.

use plinth_core::ResourceAddress;
use std::time::Duration;

use plinth_apply::{OperationError, SkipCause};
use plinth_cloud::CloudError;
use plinth_emulator::{EmulatorOptions, Fixture};
use plinth_planner::{Operation, PlanOptions};
use plinth_state::Status;

use crate::{CLUSTER, CLUSTER_2, cloud, cloud_with, config, failures};

fn address(text: &str) -> ResourceAddress {
    text.parse().unwrap()
}

fn failing_config(bad_template: &str, bad_version: &str) -> plinth_config::Configuration {
    config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "bad" {{
          cluster_id    = "{CLUSTER}"
          template_name = "{bad_template}"
          version       = "{bad_version}"
        }}
        resource "huaweicloud_cce_addon" "dependent" {{
          cluster_id    = "{CLUSTER_2}"
          template_name = "coredns"
          depends_on    = [huaweicloud_cce_addon.bad]
        }}
        resource "huaweicloud_cce_addon" "after_dependent" {{
          cluster_id    = "{CLUSTER_2}"
          template_name = "metrics-server"
          values        = {{ custom = {{ from = huaweicloud_cce_addon.dependent.id }} }}
        }}
        resource "huaweicloud_cce_addon" "independent" {{
          cluster_id    = "{CLUSTER}"
          template_name = "metrics-server"
        }}
        "#
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_install_skips_its_dependents_taints_it_and_a_fixed_config_converges() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let (_, report) = cloud
        .apply(
            &failing_config("always-fails", "1.0.0"),
            &PlanOptions::default(),
        )
        .await;
    assert!(!report.is_success());
    assert!(!report.interrupted);
    assert_eq!(report.failed.len(), 1, "{}", failures(&report));
    let failed = &report.failed[0];
    assert_eq!(failed.address, address("huaweicloud_cce_addon.bad"));
    assert_eq!(failed.operation, Operation::Create);
    let OperationError::Cloud(CloudError::OperationFailed { status, reason, .. }) = &failed.error
    else {
        panic!("unexpected error: {}", failed.error);
    };
    assert_eq!(status, "installFailed");
    assert!(reason.is_some());
    let mut skipped: Vec<(String, SkipCause)> = report
        .skipped
        .iter()
        .map(|s| (s.address.to_string(), s.cause.clone()))
        .collect();
    skipped.sort_by(|a, b| a.0.cmp(&b.0));
    let bad = SkipCause::FailedDependency(address("huaweicloud_cce_addon.bad"));
    assert_eq!(
        skipped,
        [
            (
                "huaweicloud_cce_addon.after_dependent".to_owned(),
                bad.clone()
            ),
            ("huaweicloud_cce_addon.dependent".to_owned(), bad),
        ]
    );
    let succeeded: Vec<String> = report
        .succeeded
        .iter()
        .map(|s| s.address.to_string())
        .collect();
    assert_eq!(succeeded, ["huaweicloud_cce_addon.independent"]);

    let state = cloud.state();
    let recorded = state
        .resource(&address("huaweicloud_cce_addon.bad"))
        .unwrap();
    assert_eq!(recorded.status, Status::Tainted);
    assert!(recorded.id.is_some() && recorded.pending.is_none());
    assert!(
        state
            .resource(&address("huaweicloud_cce_addon.independent"))
            .is_some()
    );
    assert!(
        state
            .resource(&address("huaweicloud_cce_addon.dependent"))
            .is_none()
    );

    // The fix: another template. The tainted object is replaced, the skipped ones created.
    let fixed = failing_config("npd", "1.19.1");
    let (plan, report) = cloud.apply(&fixed, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(plan.summary().add, 3);
    let state = cloud.state();
    assert_eq!(state.resources().len(), 4);
    assert!(
        state
            .resources()
            .values()
            .all(|r| r.status == Status::Ready)
    );
    // The value known only after apply reached the dependent.
    let dependent_id = state
        .resource(&address("huaweicloud_cce_addon.dependent"))
        .unwrap()
        .id
        .clone()
        .unwrap();
    let after = state
        .resource(&address("huaweicloud_cce_addon.after_dependent"))
        .unwrap();
    assert_eq!(
        after.attributes.to_value()["values"]["custom"]["from"],
        dependent_id.as_str()
    );
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 4, "{snapshot:?}");
    assert!(snapshot.installs.values().all(|n| *n == 1), "{snapshot:?}");
    assert!(
        !cloud
            .plan(&fixed, &PlanOptions::default())
            .await
            .has_changes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_faults_fifty_resources_converge_each_installed_once() {
    let clusters: Vec<String> = (0..25)
        .map(|i| format!("c0ffee00-0000-4000-8000-1000000000{i:02}"))
        .collect();
    let cloud = cloud_with(EmulatorOptions {
        op_duration: Duration::from_millis(30),
        fault_rate: 0.2,
        seed: 7,
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
    let at_version = |version: &str| {
        config(&format!(
            r#"
        locals {{ clusters = toset([{list}]) }}
        resource "huaweicloud_cce_addon" "dns" {{
          for_each      = local.clusters
          cluster_id    = each.key
          template_name = "coredns"
          version       = "{version}"
        }}
        resource "huaweicloud_cce_addon" "metrics" {{
          for_each      = local.clusters
          cluster_id    = each.key
          template_name = "metrics-server"
          values        = {{ custom = {{ dns = huaweicloud_cce_addon.dns[each.key].id }} }}
        }}
        "#
        ))
    };
    let converge = |configuration: plinth_config::Configuration, options: PlanOptions| {
        let cloud = &cloud;
        async move {
            let mut runs = 0;
            loop {
                runs += 1;
                let (_, report) = cloud.apply(&configuration, &options).await;
                if report.is_success() {
                    break;
                }
                assert!(
                    runs < 4,
                    "no convergence after {runs} applies: {}",
                    failures(&report)
                );
            }
        }
    };
    let configuration = at_version("1.28.6");
    converge(at_version("1.28.6"), PlanOptions::default()).await;
    let state = cloud.state();
    assert_eq!(state.resources().len(), 50);
    assert!(
        state
            .resources()
            .values()
            .all(|r| r.pending.is_none() && r.status == Status::Ready)
    );
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 50);
    for cluster in &clusters {
        for template in ["coredns", "metrics-server"] {
            assert_eq!(
                snapshot.installs_of(&format!("cce/{cluster}/{template}")),
                1,
                "{cluster} {template}"
            );
        }
    }
    assert!(
        !cloud
            .plan(&configuration, &PlanOptions::default())
            .await
            .has_changes()
    );

    // Upgrades and deletes under faults converge too, still without a second install.
    converge(at_version("1.29.4"), PlanOptions::default()).await;
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(
        snapshot
            .addons
            .iter()
            .filter(|a| a.template == "coredns" && a.version == "1.29.4")
            .count(),
        25
    );
    assert!(snapshot.installs.values().all(|n| *n == 1), "{snapshot:?}");
    converge(
        at_version("1.29.4"),
        PlanOptions {
            destroy: true,
            ..PlanOptions::default()
        },
    )
    .await;
    assert!(cloud.state().resources().is_empty());
    assert!(cloud.emulator.snapshot().addons.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_resource_timeout_bounds_the_wait_and_taints_what_did_not_become_ready() {
    let cloud = cloud(Duration::from_secs(5)).await;
    let configuration = config(&format!(
        r#"resource "huaweicloud_cce_addon" "slow" {{
             cluster_id    = "{CLUSTER}"
             template_name = "coredns"
             timeouts {{ create = "300ms" }}
           }}"#
    ));
    let started = std::time::Instant::now();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(report.failed.len(), 1);
    assert!(
        matches!(
            &report.failed[0].error,
            OperationError::Cloud(CloudError::Timeout { last_status: Some(status), .. }) if status == "installing"
        ),
        "{}",
        report.failed[0].error
    );
    let state = cloud.state();
    let recorded = state
        .resource(&address("huaweicloud_cce_addon.slow"))
        .unwrap();
    assert_eq!(recorded.status, Status::Tainted);
    assert!(recorded.id.is_some());
}

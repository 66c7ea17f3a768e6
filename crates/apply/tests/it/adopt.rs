//! Adoption by natural key, recovery of pending records left by an interrupted run, and import.

use plinth_core::ResourceAddress;
use std::time::Duration;

use plinth_apply::{ApplyError, import};
use plinth_cloud::{ResourceType, WaitTarget, no_progress};
use plinth_planner::{Action, PlanOptions};
use plinth_state::{
    Change, LockRequest, PendingAction, PendingOperation, ResourceState, StateStorage,
};
use serde_json::json;

use crate::{CLUSTER, Cloud, cloud, config, failures};

fn dns_config() -> plinth_config::Configuration {
    config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             cluster_id    = "{CLUSTER}"
             template_name = "coredns"
             version       = "1.28.6"
           }}"#
    ))
}

fn two_addons() -> plinth_config::Configuration {
    config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             cluster_id    = "{CLUSTER}"
             template_name = "coredns"
           }}
           resource "huaweicloud_cce_addon" "other" {{
             cluster_id    = "{CLUSTER}"
             template_name = "everest"
           }}"#
    ))
}

fn dns() -> ResourceAddress {
    "huaweicloud_cce_addon.dns".parse().unwrap()
}

/// Installs coredns directly through the cloud client, as someone outside plinth would.
async fn install_outside(cloud: &Cloud, wait: bool) -> String {
    let kind = ResourceType::CCE_ADDON;
    let created = kind
        .create(
            &cloud.client,
            &json!({"cluster_id": CLUSTER, "template_name": "coredns", "version": "1.28.6"}),
        )
        .await
        .unwrap();
    if wait {
        kind.wait(
            &cloud.client,
            &created.object_ref(),
            WaitTarget::Ready,
            &cloud.client.settings().wait,
            &no_progress,
        )
        .await
        .unwrap();
    }
    created.id.unwrap()
}

/// What an interrupted run leaves: a pending create in the journal, never folded in.
fn leave_pending_create(cloud: &Cloud) {
    let storage = cloud.storage();
    let lock = storage
        .lock(&LockRequest {
            operation: "apply".to_owned(),
            timeout: Duration::ZERO,
        })
        .unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
    let mut pending = ResourceState::new(
        None,
        json!({"cluster_id": CLUSTER, "template_name": "coredns"}),
    );
    pending.natural_key = [
        ("cluster_id".to_owned(), CLUSTER.to_owned()),
        ("template_name".to_owned(), "coredns".to_owned()),
    ]
    .into_iter()
    .collect();
    pending.pending = Some(PendingOperation {
        action: PendingAction::Create,
        serial: 1,
    });
    journal
        .record(Change::Upsert {
            address: dns(),
            resource: pending,
        })
        .unwrap();
    // The process dies here: no finish.
    drop(journal);
}

fn installs(cloud: &Cloud) -> u64 {
    cloud
        .emulator
        .snapshot()
        .installs_of(&format!("cce/{CLUSTER}/coredns"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_object_installed_outside_is_adopted_not_installed_twice() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let uid = install_outside(&cloud, true).await;
    let (plan, report) = cloud.apply(&dns_config(), &PlanOptions::default()).await;
    assert_eq!(
        plan.changes()[0].action,
        Action::Import { then_update: false }
    );
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(report.summary().imported, 1);
    assert_eq!(installs(&cloud), 1);
    assert_eq!(
        cloud.state().resource(&dns()).unwrap().id.as_deref(),
        Some(uid.as_str())
    );
    assert!(
        !cloud
            .plan(&dns_config(), &PlanOptions::default())
            .await
            .has_changes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_that_reached_the_cloud_is_adopted_and_waited_for() {
    let cloud = cloud(Duration::from_millis(300)).await;
    leave_pending_create(&cloud);
    // The create was sent: the object is still installing when the next run starts.
    let uid = install_outside(&cloud, false).await;
    let (plan, report) = cloud.apply(&dns_config(), &PlanOptions::default()).await;
    assert!(
        matches!(plan.changes()[0].action, Action::Import { .. }),
        "{:?}",
        plan.changes()[0]
    );
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(installs(&cloud), 1);
    let recorded = cloud.state().resource(&dns()).unwrap().clone();
    assert_eq!(recorded.id.as_deref(), Some(uid.as_str()));
    assert_eq!(recorded.pending, None);
    // It was waited for: the state has it running.
    assert_eq!(recorded.attributes.to_value()["status"], json!("running"));
    assert!(
        !cloud
            .plan(&dns_config(), &PlanOptions::default())
            .await
            .has_changes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_that_never_reached_the_cloud_is_created_once() {
    let cloud = cloud(Duration::from_millis(50)).await;
    leave_pending_create(&cloud);
    let (plan, report) = cloud.apply(&dns_config(), &PlanOptions::default()).await;
    assert_eq!(plan.changes()[0].action, Action::Create);
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(installs(&cloud), 1);
    let recorded = cloud.state().resource(&dns()).unwrap().clone();
    assert!(recorded.id.is_some() && recorded.pending.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_no_longer_configured_is_deleted() {
    let cloud = cloud(Duration::from_millis(50)).await;
    leave_pending_create(&cloud);
    install_outside(&cloud, true).await;
    let (plan, report) = cloud
        .apply(&config("locals { nothing = 1 }"), &PlanOptions::default())
        .await;
    assert_eq!(plan.changes()[0].action, Action::Delete);
    assert!(report.is_success(), "{}", failures(&report));
    assert!(cloud.state().resources().is_empty());
    assert!(cloud.emulator.snapshot().addons.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_records_an_existing_object_and_refuses_what_it_cannot() {
    let cloud = cloud(Duration::ZERO).await;
    let uid = install_outside(&cloud, true).await;
    let storage = cloud.storage();
    let lock = storage
        .lock(&LockRequest {
            operation: "import".to_owned(),
            timeout: Duration::ZERO,
        })
        .unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
    let configuration = dns_config();
    let id = format!("{CLUSTER}/{uid}");

    let missing = import(
        &configuration,
        &mut journal,
        &cloud.client,
        &dns(),
        &format!("{CLUSTER}/no-such-addon"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(missing, ApplyError::ImportNotFound { .. }),
        "{missing}"
    );
    let unconfigured = import(
        &configuration,
        &mut journal,
        &cloud.client,
        &"huaweicloud_cce_addon.other".parse().unwrap(),
        &id,
    )
    .await
    .unwrap_err();
    assert!(
        matches!(unconfigured, ApplyError::NotConfigured { .. }),
        "{unconfigured}"
    );
    let invalid = import(
        &configuration,
        &mut journal,
        &cloud.client,
        &dns(),
        "no-slash",
    )
    .await
    .unwrap_err();
    assert!(
        invalid.to_string().contains("`<cluster_id>/<addon_id>`"),
        "{invalid}"
    );

    let recorded = import(&configuration, &mut journal, &cloud.client, &dns(), &id)
        .await
        .unwrap();
    assert_eq!(recorded.id.as_deref(), Some(uid.as_str()));
    assert_eq!(
        recorded.natural_key.get("template_name").unwrap(),
        "coredns"
    );
    let again = import(&configuration, &mut journal, &cloud.client, &dns(), &id)
        .await
        .unwrap_err();
    assert!(
        matches!(again, ApplyError::AlreadyManaged { .. }),
        "{again}"
    );
    let twice = import(
        &two_addons(),
        &mut journal,
        &cloud.client,
        &"huaweicloud_cce_addon.other".parse().unwrap(),
        &id,
    )
    .await
    .unwrap_err();
    assert_eq!(
        twice.to_string(),
        "cannot import `huaweicloud_cce_addon.other`: the object is already managed as `huaweicloud_cce_addon.dns`\n\nhint: `plinth state mv huaweicloud_cce_addon.dns huaweicloud_cce_addon.other` moves it instead"
    );
    journal.finish().unwrap();
    drop(lock);

    assert!(
        !cloud
            .plan(&configuration, &PlanOptions::default())
            .await
            .has_changes()
    );
    assert_eq!(installs(&cloud), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_adopted_object_that_differs_is_updated_after_the_import() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let uid = install_outside(&cloud, true).await;
    let configuration = config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             cluster_id    = "{CLUSTER}"
             template_name = "coredns"
             version       = "1.29.4"
           }}"#
    ));
    let (plan, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert_eq!(
        plan.changes()[0].action,
        Action::Import { then_update: true }
    );
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(installs(&cloud), 1);
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons[0].uid, uid);
    assert_eq!(snapshot.addons[0].version, "1.29.4");
    let recorded = cloud.state().resource(&dns()).unwrap().clone();
    assert_eq!(
        recorded.attributes.to_value()["current_version"],
        json!("1.29.4")
    );
    assert!(
        !cloud
            .plan(&configuration, &PlanOptions::default())
            .await
            .has_changes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_create_under_a_key_no_longer_configured_is_replaced() {
    let cloud = cloud(Duration::from_millis(20)).await;
    leave_pending_create(&cloud);
    install_outside(&cloud, true).await;
    // The configuration moved the add-on to another cluster since the interrupted run.
    let moved = config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             cluster_id    = "{}"
             template_name = "coredns"
             version       = "1.28.6"
           }}"#,
        crate::CLUSTER_2
    ));
    let (plan, report) = cloud.apply(&moved, &PlanOptions::default()).await;
    assert!(
        matches!(plan.changes()[0].action, Action::Replace { .. }),
        "{:?}",
        plan.changes()[0]
    );
    assert!(report.is_success(), "{}", failures(&report));
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.addons[0].cluster_id, crate::CLUSTER_2);
    assert_eq!(
        cloud
            .state()
            .resource(&dns())
            .unwrap()
            .natural_key
            .get("cluster_id")
            .unwrap(),
        crate::CLUSTER_2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replanning_from_saved_observations_gives_the_same_plan_without_the_cloud() {
    let cloud = cloud(Duration::from_millis(20)).await;
    leave_pending_create(&cloud);
    install_outside(&cloud, true).await;
    let state = cloud.state();
    let configuration = dns_config();
    let (plan, observations) = plinth_apply::refresh_and_plan(
        &configuration,
        &state,
        &cloud.client,
        &PlanOptions::default(),
        &plinth_apply::RefreshOptions::default(),
        &plinth_apply::no_events(),
    )
    .await
    .unwrap();
    assert!(matches!(plan.changes()[0].action, Action::Import { .. }));
    cloud.emulator.shutdown().await.unwrap();
    let again = plinth_apply::replan(
        &configuration,
        &state,
        &observations,
        &PlanOptions::default(),
    )
    .unwrap();
    assert_eq!(again.changes(), plan.changes());
    assert_eq!(again.to_dot(), plan.to_dot());
}

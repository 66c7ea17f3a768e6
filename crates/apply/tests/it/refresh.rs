//! What a refresh sees: changes and deletions outside plinth, data sources, `--no-refresh` and
//! `--refresh-only`.

use plinth_core::ResourceAddress;
use std::time::Duration;

use plinth_state::StateStorage;

use plinth_apply::{EventKind, Outcome, RefreshOptions, refresh_and_plan};
use plinth_cloud::{ResourceType, WaitTarget, no_progress};
use plinth_planner::{Action, Observed, PlanOptions, Reason};

use serde_json::json;

use crate::{CLUSTER, Cloud, Events, cloud, config, failures, no_events_sink};

fn dns() -> ResourceAddress {
    "huaweicloud_cce_addon.dns".parse().unwrap()
}

fn dns_config() -> plinth_config::Configuration {
    config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{CLUSTER}"
          template_name = "coredns"
          version       = "1.28.6"
        }}
        data "huaweicloud_cce_addon" "dns" {{
          cluster_id = "{CLUSTER}"
          id         = huaweicloud_cce_addon.dns.id
        }}
        data "huaweicloud_modelarts_pool_plugins" "a" {{
          pool_name = "pool-a"
        }}
        output "dns_status" {{ value = data.huaweicloud_cce_addon.dns.status }}
        output "plugins" {{ value = length(data.huaweicloud_modelarts_pool_plugins.a.plugins) }}
        "#
    ))
}

/// Upgrades the add-on directly through the cloud, as someone outside plinth would.
async fn upgrade_outside(cloud: &Cloud, version: &str) {
    let kind = ResourceType::CCE_ADDON;
    let id = cloud.state().resource(&dns()).unwrap().id.clone();
    let object = plinth_cloud::ObjectRef {
        id,
        natural_key: plinth_core::NaturalKey::from_iter([(
            "cluster_id".to_owned(),
            CLUSTER.to_owned(),
        )]),
    };
    let current = kind.read(&cloud.client, &object).await.unwrap().unwrap();
    let mut desired = current.attributes.to_value();
    desired["version"] = json!(version);
    kind.update(&cloud.client, &current, &desired)
        .await
        .unwrap();
    kind.wait(
        &cloud.client,
        &object,
        WaitTarget::ReadyAt {
            version: version.to_owned(),
            attribute: "current_version",
        },
        &cloud.client.settings().wait,
        &no_progress,
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_sources_are_read_when_their_arguments_are_known() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let configuration = dns_config();
    // The first plan cannot read the add-on data source: its id is known only after apply.
    let (plan, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let read = plan
        .change(&"data.huaweicloud_cce_addon.dns".parse().unwrap())
        .unwrap();
    assert_eq!(read.action, Action::Read);
    assert_eq!(read.reasons, [Reason::DependsOnUnknown]);
    let state = cloud.state();
    assert_eq!(
        state.output("dns_status").unwrap(),
        &plinth_state::OutputState::Plain(json!("running"))
    );
    assert_eq!(
        state.output("plugins").unwrap(),
        &plinth_state::OutputState::Plain(json!(0))
    );
    // Now the refresh reads both data sources itself.
    let (plan, observed) = refresh_and_plan(
        &configuration,
        &state,
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions::default(),
        &plinth_apply::no_events(),
    )
    .await
    .unwrap();
    assert!(!plan.has_changes());
    assert_eq!(observed.data_reads().count(), 2);
    assert_eq!(
        observed
            .data(&"data.huaweicloud_cce_addon.dns".parse().unwrap())
            .unwrap()["id"],
        json!(state.resource(&dns()).unwrap().id.clone().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_put_back_and_a_deletion_outside_is_created_again() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let configuration = dns_config();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));

    upgrade_outside(&cloud, "1.29.4").await;
    // Without refresh the plan trusts the state and sees nothing.
    let (plan, _) = refresh_and_plan(
        &configuration,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions {
            refresh: false,
            ..RefreshOptions::default()
        },
        &plinth_apply::no_events(),
    )
    .await
    .unwrap();
    assert!(!plan.has_changes());
    let (plan, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    let change = plan.change(&dns()).unwrap();
    assert_eq!(change.action, Action::Update);
    assert!(change.reasons.contains(&Reason::Drift));
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.emulator.snapshot().addons[0].version, "1.28.6");

    // Deleted outside: planned as a create again, and created.
    let id = cloud.state().resource(&dns()).unwrap().id.clone();
    ResourceType::CCE_ADDON
        .delete(
            &cloud.client,
            &plinth_cloud::ObjectRef {
                id,
                natural_key: plinth_core::NaturalKey::from_iter([(
                    "cluster_id".to_owned(),
                    CLUSTER.to_owned(),
                )]),
            },
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (plan, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    let change = plan.change(&dns()).unwrap();
    assert_eq!(change.action, Action::Create);
    assert_eq!(change.reasons, [Reason::DeletedOutside]);
    assert!(report.is_success(), "{}", failures(&report));
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(
        cloud.state().resource(&dns()).unwrap().id.as_deref(),
        Some(snapshot.addons[0].uid.as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_only_apply_records_what_changed_outside_and_changes_nothing() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let configuration = dns_config();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    upgrade_outside(&cloud, "1.29.4").await;
    let refresh_only = PlanOptions {
        refresh_only: true,
        ..PlanOptions::default()
    };
    let (plan, report) = cloud.apply(&configuration, &refresh_only).await;
    assert!(plan.has_changes(), "the drift is the change");
    assert!(!plan.drift().is_empty());
    assert!(report.is_success(), "{}", failures(&report));
    assert!(report.succeeded.is_empty());
    let recorded = cloud.state().resource(&dns()).unwrap().clone();
    assert_eq!(recorded.attributes.to_value()["version"], json!("1.29.4"));
    assert_eq!(cloud.emulator.snapshot().addons[0].version, "1.29.4");
    // The state now agrees with the cloud: no drift left to report.
    let plan = cloud.plan(&configuration, &refresh_only).await;
    assert!(plan.drift().is_empty(), "{:?}", plan.drift());

    // Deleted outside: a refresh-only apply forgets it, and deletes nothing else.
    ResourceType::CCE_ADDON
        .delete(
            &cloud.client,
            &plinth_cloud::ObjectRef {
                id: recorded.id.clone(),
                natural_key: recorded.natural_key.clone(),
            },
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // (Without the data source, which would fail to read the deleted add-on.)
    let resource_only = config(&format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
             cluster_id    = "{CLUSTER}"
             template_name = "coredns"
             version       = "1.28.6"
           }}"#
    ));
    let (_, report) = cloud.apply(&resource_only, &refresh_only).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert!(cloud.state().resources().is_empty());
    assert!(cloud.emulator.snapshot().addons.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_values_reach_the_cloud_but_only_their_fingerprints_the_state() {
    let cloud = cloud(Duration::from_millis(20)).await;
    let configuration = config(&format!(
        r#"
        variable "token" {{
          type      = string
          default   = "s3cr3t-t0ken"
          sensitive = true
        }}
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{CLUSTER}"
          template_name = "coredns"
          values        = {{ custom = {{ token = var.token }} }}
        }}
        output "token" {{
          value     = var.token
          sensitive = true
        }}
        "#
    ));
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let text = std::fs::read_to_string(cloud.storage().path()).unwrap();
    assert!(!text.contains("s3cr3t"), "{text}");
    let state = cloud.state();
    let recorded = state.resource(&dns()).unwrap();
    assert!(recorded.sensitive.contains("/values/custom/token"));
    assert!(state.sensitive_matches(recorded, "/values/custom/token", &json!("s3cr3t-t0ken")));
    // The cloud has the real value.
    let remote = ResourceType::CCE_ADDON
        .read(
            &cloud.client,
            &plinth_cloud::ObjectRef {
                id: recorded.id.clone(),
                natural_key: recorded.natural_key.clone(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        remote.attributes.to_value()["values"]["custom"]["token"],
        json!("s3cr3t-t0ken")
    );
    // And the next plan sees no change, with or without refresh.
    assert!(
        !cloud
            .plan(&configuration, &PlanOptions::default())
            .await
            .has_changes()
    );
    let (plan, _) = refresh_and_plan(
        &configuration,
        &state,
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions {
            refresh: false,
            ..RefreshOptions::default()
        },
        &plinth_apply::no_events(),
    )
    .await
    .unwrap();
    assert!(!plan.has_changes());
    // Another apply keeps the state byte for byte.
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(
        std::fs::read_to_string(cloud.storage().path()).unwrap(),
        text
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dependent_reads_the_real_values_of_an_object_recorded_sealed() {
    let cloud = cloud(Duration::from_millis(20)).await;
    let configuration = config(&format!(
        r#"
        variable "settings" {{
          default   = {{ flavor = {{ replicas = 2 }} }}
          sensitive = true
        }}
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{CLUSTER}"
          template_name = "coredns"
          values        = var.settings
        }}
        resource "huaweicloud_cce_addon" "storage" {{
          cluster_id    = "{CLUSTER}"
          template_name = "everest"
          values = {{
            custom = {{
              dns        = huaweicloud_cce_addon.dns.id
              cluster_ip = try(huaweicloud_cce_addon.dns.values.basic.cluster_ip, "none")
              replicas   = huaweicloud_cce_addon.dns.values.flavor.replicas
            }}
          }}
        }}
        "#
    ));
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let state = cloud.state();
    // The add-on's whole values are sealed in the state...
    let recorded = state.resource(&dns()).unwrap();
    assert!(recorded.sensitive.contains("/values"));
    assert!(recorded.attributes.to_value()["values"].is_string());
    // ...but its dependent, whose arguments were evaluated during the apply (the id was unknown
    // when planning), saw the real values, including the key the cloud filled in.
    let storage = state
        .resource(&"huaweicloud_cce_addon.storage".parse().unwrap())
        .unwrap();
    let remote = ResourceType::CCE_ADDON
        .read(
            &cloud.client,
            &plinth_cloud::ObjectRef {
                id: storage.id.clone(),
                natural_key: storage.natural_key.clone(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    let custom = &remote.attributes.to_value()["values"]["custom"];
    assert_eq!(custom["dns"], json!(recorded.id.clone().unwrap()));
    assert_eq!(custom["cluster_ip"], json!("10.247.3.10"));
    assert_eq!(custom["replicas"], json!(2));
    // A value it took from the sensitive values the user wrote is sealed in its own record, and
    // so is one it took from the add-on's sealed values that the cloud filled in, though it was
    // unknown when planning.
    assert!(storage.sensitive.contains("/values/custom/replicas"));
    assert!(storage.sensitive.contains("/values/custom/cluster_ip"));
    assert!(!storage.sensitive.contains("/values/custom/dns"));
    let text = storage.attributes.as_str();
    assert!(!text.contains("10.247.3.10"), "{text}");
}

/// A configuration of the add-on alone.
fn dns_alone() -> plinth_config::Configuration {
    config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{CLUSTER}"
          template_name = "coredns"
          version       = "1.28.6"
        }}
        "#
    ))
}

/// Deletes the recorded add-on through the cloud, as an interrupted destroy (or someone outside
/// plinth) would; answers its uid.
async fn delete_outside(cloud: &Cloud) -> String {
    let uid = cloud.state().resource(&dns()).unwrap().id.clone().unwrap();
    cloud
        .client
        .delete_addon(plinth_cloud::AddonApi::Cce, Some(CLUSTER), &uid)
        .await
        .unwrap();
    uid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_addon_being_deleted_is_waited_for_and_created_again() {
    let cloud = cloud(Duration::from_millis(600)).await;
    let configuration = dns_alone();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    delete_outside(&cloud).await;
    let events = Events::default();
    let (plan, observed) = refresh_and_plan(
        &configuration,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions::default(),
        &events.sink(),
    )
    .await
    .unwrap();
    // Never present while deleting: the refresh saw it go, and the plan installs it again.
    assert_eq!(observed.resource(&dns()), Some(&Observed::Gone));
    let change = plan.change(&dns()).unwrap();
    assert_eq!(change.action, Action::Create);
    assert_eq!(change.reasons, [Reason::DeletedOutside]);
    let seen: Vec<EventKind> = events.all().into_iter().map(|(_, e)| e.kind).collect();
    assert_eq!(seen.first(), Some(&EventKind::Started), "{seen:?}");
    assert!(
        seen.iter()
            .any(|kind| matches!(kind, EventKind::Status { status, .. } if status == "deleting")),
        "{seen:?}"
    );
    assert_eq!(
        seen.last(),
        Some(&EventKind::Finished {
            outcome: Outcome::Succeeded
        })
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deletion_that_outlasts_the_delete_timeout_fails_the_refresh() {
    let cloud = cloud(Duration::from_millis(2500)).await;
    let configuration = dns_alone();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    delete_outside(&cloud).await;
    let short = config(&format!(
        r#"
        resource "huaweicloud_cce_addon" "dns" {{
          cluster_id    = "{CLUSTER}"
          template_name = "coredns"
          version       = "1.28.6"
          timeouts {{
            delete = "1s"
          }}
        }}
        "#
    ));
    let failed = refresh_and_plan(
        &short,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions::default(),
        &no_events_sink(),
    )
    .await
    .unwrap_err();
    assert!(failed.to_string().contains("deleting"), "{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_addon_re_created_outside_is_found_by_its_natural_key() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let configuration = dns_alone();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let old = delete_outside(&cloud).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let kind = ResourceType::CCE_ADDON;
    let created = kind
        .create(
            &cloud.client,
            &json!({"cluster_id": CLUSTER, "template_name": "coredns", "version": "1.28.6", "values": {}}),
        )
        .await
        .unwrap();
    let new = created.id.clone().unwrap();
    let (plan, observed) = refresh_and_plan(
        &configuration,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions::default(),
        &no_events_sink(),
    )
    .await
    .unwrap();
    let Some(Observed::Present(object)) = observed.resource(&dns()) else {
        panic!("the re-created add-on is observed: {observed:?}");
    };
    assert_eq!(object.id.as_deref(), Some(new.as_str()));
    let change = plan.change(&dns()).unwrap();
    assert!(matches!(change.action, Action::Import { .. }));
    assert_eq!(
        change.reasons,
        [Reason::ReplacedOutside {
            old_id: old,
            new_id: new.clone()
        }]
    );
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.state().resource(&dns()).unwrap().id, Some(new));
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.installs_of(&format!("cce/{CLUSTER}/coredns")), 2);
    assert_eq!(snapshot.addons.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_delete_whose_object_is_still_there_stays_managed() {
    let cloud = cloud(Duration::from_millis(50)).await;
    let configuration = dns_alone();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    // A delete recorded pending whose call never reached the cloud.
    let storage = cloud.storage();
    let lock = storage
        .lock(&plinth_state::LockRequest {
            operation: "test".to_owned(),
            timeout: Duration::ZERO,
        })
        .unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
    let mut resource = journal.state().resource(&dns()).unwrap().clone();
    resource.pending = Some(plinth_state::PendingOperation {
        action: plinth_state::PendingAction::Delete,
        serial: journal.state().serial(),
    });
    journal
        .record(plinth_state::Change::Upsert {
            address: dns(),
            resource,
        })
        .unwrap();
    journal.finish().unwrap();
    drop(lock);
    // Planned as nothing to do, even without refreshing the rest: the pending delete is read.
    let (plan, observed) = refresh_and_plan(
        &configuration,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions {
            refresh: false,
            ..RefreshOptions::default()
        },
        &no_events_sink(),
    )
    .await
    .unwrap();
    assert!(matches!(
        observed.resource(&dns()),
        Some(Observed::Present(_))
    ));
    assert!(!plan.has_changes());
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.state().resource(&dns()).unwrap().pending, None);
    assert_eq!(cloud.emulator.snapshot().addons.len(), 1);
}

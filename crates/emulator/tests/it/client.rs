//! The real plinth-cloud client against the emulator: every call the client makes is one the
//! emulator answers the way the client expects, signatures included.
use std::time::Duration;

use plinth_cloud::{AddonApi, Client, ResourceType, WaitTarget, no_progress, read_data};
use plinth_core::Mode;
use plinth_core::registry::{self, ApiFamily};
use plinth_emulator::testing::client_settings;
use plinth_emulator::{
    EmulatorOptions, Fixture, RunningEmulator, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY, start,
};
use serde_json::json;

/// A client of `emulator` signing with the sandbox's keys, which asks IAM for its project id.
fn client(emulator: &RunningEmulator) -> Client {
    let mut settings = client_settings(emulator, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY);
    settings.project_id = None;
    Client::new(settings).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_drives_the_emulator() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = EmulatorOptions::sandbox(dir.path().join("sandbox.json"));
    options.op_duration = Duration::from_millis(200);
    let emulator = start(options).await.unwrap();
    let client = client(&emulator);
    assert_eq!(
        client.project_id().await.unwrap(),
        Fixture::default().project_id
    );
    for (kind, desired) in [
        (
            ResourceType::CCE_ADDON,
            json!({"cluster_id": "c0ffee00-0000-4000-8000-000000000001", "template_name": "coredns", "version": "1.28.6", "values": {"flavor": {"replicas": 3}}}),
        ),
        (
            ResourceType::AUTOPILOT_ADDON,
            json!({"cluster_id": "a1b2c3d4-0000-4000-8000-000000000001", "template_name": "coredns", "version": "1.28.6", "values": {}}),
        ),
        (
            ResourceType::POOL_PLUGIN,
            json!({"pool_name": "pool-a", "template_name": "gpu-beta", "version": "1.2.15", "inputs": {}}),
        ),
    ] {
        let created = kind.create(&client, &desired).await.unwrap();
        let object = created.object_ref();
        let ready = kind
            .wait(
                &client,
                &object,
                WaitTarget::Ready,
                &client.settings().wait,
                &no_progress,
            )
            .await
            .unwrap();
        assert!(ready.is_some());
        let natural = kind.natural_key(&desired).unwrap();
        assert!(
            kind.find_by_natural_key(&client, &natural)
                .await
                .unwrap()
                .is_some()
        );
        kind.delete(&client, &object).await.unwrap();
        let gone = kind
            .wait(
                &client,
                &object,
                WaitTarget::Gone,
                &client.settings().wait,
                &no_progress,
            )
            .await
            .unwrap();
        assert!(gone.is_none());
    }
    let templates = client
        .list_addon_templates(AddonApi::Cce, Some("coredns"))
        .await
        .unwrap();
    assert_eq!(templates.items[0].spec.versions.len(), 4);
    let plugin_templates = client
        .list_plugin_templates(None, Some("pool-a"))
        .await
        .unwrap();
    assert!(plugin_templates.items.len() >= 5);
    let desired = json!({"cluster_id": "c0ffee00-0000-4000-8000-000000000002", "template_name": "always-fails", "values": {}});
    let created = ResourceType::CCE_ADDON
        .create(&client, &desired)
        .await
        .unwrap();
    let failure = ResourceType::CCE_ADDON
        .wait(
            &client,
            &created.object_ref(),
            WaitTarget::Ready,
            &client.settings().wait,
            &no_progress,
        )
        .await
        .unwrap_err();
    assert!(failure.to_string().contains("installFailed"));
    let duplicate = ResourceType::CCE_ADDON
        .create(&client, &desired)
        .await
        .unwrap_err();
    assert!(duplicate.to_string().contains("409"));
    emulator.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_survives_faults() {
    let emulator = start(EmulatorOptions {
        fault_rate: 0.3,
        seed: 5,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap();
    let client = client(&emulator);
    let mut ok = 0;
    for _ in 0..100 {
        if client.list_plugins("pool-a").await.is_ok() {
            ok += 1;
        }
    }
    assert!(ok > 90, "{ok}/100");
}

/// Where the registry's types live in the emulated account, by API family: a new family is a
/// compile error here until the emulator serves it.
fn home(fixture: &Fixture, family: ApiFamily) -> serde_json::Map<String, serde_json::Value> {
    let pairs = match family {
        ApiFamily::Addons(AddonApi::Cce) => [
            ("cluster_id", fixture.clusters[0].clone()),
            ("template_name", "coredns".to_owned()),
        ],
        ApiFamily::Addons(AddonApi::Autopilot) => [
            ("cluster_id", fixture.autopilot_clusters[0].clone()),
            ("template_name", "coredns".to_owned()),
        ],
        ApiFamily::PoolPlugins => [
            ("pool_name", fixture.pools[0].clone()),
            ("template_name", "gpu-beta".to_owned()),
        ],
    };
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), json!(value)))
        .collect()
}

/// Every type of the registry is whole: the configuration has its schema, the client a driver
/// and the emulator its routes, so installing, finding, reading as a data source and deleting
/// each managed type works end to end, and every data source reads. (docs/language.md's tables
/// are checked against the registry by plinth-core's tests.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_registered_type_is_served_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = EmulatorOptions::sandbox(dir.path().join("sandbox.json"));
    options.op_duration = Duration::from_millis(50);
    let emulator = start(options).await.unwrap();
    let client = client(&emulator);
    let fixture = Fixture::default();
    for spec in registry::types(Mode::Managed) {
        assert!(plinth_config::schema(Mode::Managed, spec.name).is_some());
        let kind = ResourceType::new(spec);
        let desired = serde_json::Value::Object(home(&fixture, spec.family));
        let created = kind.create(&client, &desired).await.unwrap();
        let ready = kind
            .wait(
                &client,
                &created.object_ref(),
                WaitTarget::Ready,
                &client.settings().wait,
                &no_progress,
            )
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{}: installed", spec.name));
        for name in spec.natural_key {
            assert_eq!(
                ready.attributes.to_value()[*name],
                desired[*name],
                "{}.{name}",
                spec.name
            );
        }
        // plinth's own arguments (`rollback_on_failure`) are never the cloud's.
        for attribute in spec
            .attributes
            .iter()
            .filter(|a| !spec.is_plinth_own(a.name))
        {
            assert!(
                ready.attributes.to_value().get(attribute.name).is_some(),
                "{}: the driver maps `{}`",
                spec.name,
                attribute.name
            );
        }
        let natural = kind.natural_key(&desired).unwrap();
        let found = kind.find_by_natural_key(&client, &natural).await.unwrap();
        assert_eq!(found.map(|f| f.id), Some(ready.id.clone()), "{}", spec.name);
        if let Some(data) = registry::find(Mode::Data, spec.name) {
            assert!(plinth_config::schema(Mode::Data, spec.name).is_some());
            let mut arguments = home(&fixture, spec.family);
            arguments.insert("id".to_owned(), json!(ready.id));
            let read = read_data(&client, data, &serde_json::Value::Object(arguments))
                .await
                .unwrap();
            for attribute in data.attributes {
                assert!(
                    read.get(attribute.name).is_some(),
                    "{}.{}",
                    data.name,
                    attribute.name
                );
            }
        }
        kind.delete(&client, &created.object_ref()).await.unwrap();
        let gone = kind
            .wait(
                &client,
                &created.object_ref(),
                WaitTarget::Gone,
                &client.settings().wait,
                &no_progress,
            )
            .await
            .unwrap();
        assert!(gone.is_none(), "{}: deleted", spec.name);
    }
    for data in registry::types(Mode::Data) {
        assert!(plinth_config::schema(Mode::Data, data.name).is_some());
        let arguments = home(&fixture, data.family);
        if data.attributes.iter().any(|a| a.name == "id") {
            continue; // read by id above, with the object installed
        }
        let read = read_data(&client, data, &serde_json::Value::Object(arguments))
            .await
            .unwrap();
        for attribute in data.attributes {
            assert!(
                read.get(attribute.name).is_some(),
                "{}.{}",
                data.name,
                attribute.name
            );
        }
    }
}

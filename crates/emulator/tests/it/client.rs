//! The real plinth-cloud client against the emulator: every call the client makes is one the
//! emulator answers the way the client expects, signatures included.
use std::time::Duration;

use plinth_cloud::{AddonApi, Client, ResourceType, WaitTarget, no_progress};
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
            ResourceType::CceAddon,
            json!({"cluster_id": "c0ffee00-0000-4000-8000-000000000001", "template_name": "coredns", "version": "1.28.6", "values": {"flavor": {"replicas": 3}}}),
        ),
        (
            ResourceType::AutopilotAddon,
            json!({"cluster_id": "a1b2c3d4-0000-4000-8000-000000000001", "template_name": "coredns", "version": "1.28.6", "values": {}}),
        ),
        (
            ResourceType::PoolPlugin,
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
    let created = ResourceType::CceAddon
        .create(&client, &desired)
        .await
        .unwrap();
    let failure = ResourceType::CceAddon
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
    let duplicate = ResourceType::CceAddon
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

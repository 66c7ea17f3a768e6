//! The data file keeps the cloud across restarts.

use std::time::Duration;

use plinth_emulator::EmulatorOptions;
use serde_json::json;

use crate::support::{Api, CLUSTER, emulator, install_body, plugin_body, plugins_path};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("state").join("cloud.json");
    let options = EmulatorOptions {
        data: Some(data.clone()),
        op_duration: Duration::from_secs(3600),
        ..EmulatorOptions::default()
    };
    let first = emulator(options.clone()).await;
    let api = Api::new(&first);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(
                CLUSTER,
                "coredns",
                Some("1.28.6"),
                json!({"flavor": {"replicas": 5}}),
            ),
        )
        .await;
    let uid = installed.body["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let plugin = api
        .post(
            &plugins_path("pool-b"),
            &plugin_body("log-agent", Some("1.4.4"), None),
        )
        .await;
    assert_eq!(plugin.status, 200);
    // The debounced writer saves without waiting for the shutdown.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&data).unwrap()).unwrap();
    assert_eq!(saved["addons"].as_array().unwrap().len(), 1);
    first.shutdown().await.unwrap();

    let second = emulator(options).await;
    let api = Api::new(&second);
    let read = api
        .get(&format!("/api/v3/addons/{uid}"), &[("cluster_id", CLUSTER)])
        .await;
    assert_eq!(read.status, 200);
    assert_eq!(
        read.body["status"]["status"], "installing",
        "the operation goes on"
    );
    assert_eq!(read.body["spec"]["values"]["flavor"]["replicas"], 5);
    assert_eq!(
        read.body["metadata"]["creationTimestamp"],
        installed.body["metadata"]["creationTimestamp"]
    );
    let listed = api.get(&plugins_path("pool-b"), &[]).await;
    assert_eq!(
        listed.body["items"][0]["spec"]["template"]["name"],
        "log-agent"
    );
    let duplicate = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "coredns", None, json!({})),
        )
        .await;
    assert_eq!(duplicate.status, 409);
    let snapshot = second.snapshot();
    assert_eq!(snapshot.installs_of(&format!("cce/{CLUSTER}/coredns")), 1);
    assert_eq!(snapshot.installs_of("modelarts/pool-b/log-agent"), 1);
    second.shutdown().await.unwrap();
    // Only the data file is left in its directory: the temporary files were renamed.
    assert_eq!(
        std::fs::read_dir(data.parent().unwrap()).unwrap().count(),
        1
    );
}

#[tokio::test]
async fn corrupt_data_file_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cloud.json");
    std::fs::write(&data, "{ not json").unwrap();
    let error = plinth_emulator::start(EmulatorOptions {
        data: Some(data),
        ..EmulatorOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(error.to_string().contains("cloud.json"), "{error}");
}

#[tokio::test]
async fn run_until_stops_on_the_signal_and_saves() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cloud.json");
    let running = emulator(EmulatorOptions {
        data: Some(data.clone()),
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&running);
    let answer = api
        .post(&plugins_path("pool-a"), &plugin_body("volcano", None, None))
        .await;
    assert_eq!(answer.status, 200);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(running.run_until(async {
        let _ = stopped.await;
    }));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&data).unwrap()).unwrap();
    assert_eq!(saved["plugins"][0]["template"], "volcano");
    // The port is closed.
    assert!(
        api.try_call_raw(reqwest::Method::GET, "/v3/projects", &[], None, None)
            .await
            .is_err()
    );
}

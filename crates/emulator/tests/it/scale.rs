//! Thousands of objects stay cheap: installs over HTTP with a data file, then a restart.

use std::time::Duration;

use plinth_emulator::{EmulatorOptions, Fixture};
use serde_json::json;

use crate::support::{Api, emulator, install_body};

const TEMPLATES: [&str; 8] = [
    "coredns",
    "everest",
    "metrics-server",
    "node-local-dns",
    "npd",
    "log-agent",
    "volcano",
    "gpu-beta",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_installs() {
    let clusters: Vec<String> = (0..1250)
        .map(|index| format!("c0ffee00-0000-4000-8000-{index:012}"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("cloud.json");
    let options = EmulatorOptions {
        data: Some(data.clone()),
        fixture: Fixture {
            clusters: clusters.clone(),
            ..Fixture::default()
        },
        op_duration: Duration::ZERO,
        ..EmulatorOptions::default()
    };
    let first = emulator(options.clone()).await;
    let api = Api::new(&first);
    let work: Vec<(String, &str)> = clusters
        .iter()
        .flat_map(|cluster| TEMPLATES.iter().map(move |t| (cluster.clone(), *t)))
        .collect();
    let chunks: Vec<Vec<(String, &'static str)>> = work
        .chunks(work.len() / 16 + 1)
        .map(<[_]>::to_vec)
        .collect();
    let tasks: Vec<_> = chunks
        .into_iter()
        .map(|chunk| {
            let api = api.clone();
            tokio::spawn(async move {
                for (cluster, template) in chunk {
                    let answer = api
                        .post(
                            "/api/v3/addons",
                            &install_body(&cluster, template, None, json!({})),
                        )
                        .await;
                    assert_eq!(answer.status, 201);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    first.shutdown().await.unwrap();
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&data).unwrap()).unwrap();
    assert_eq!(saved["addons"].as_array().unwrap().len(), 10_000);
    let second = emulator(options).await;
    let snapshot = second.snapshot();
    assert_eq!(snapshot.addons.len(), 10_000);
    assert!(snapshot.installs.values().all(|count| *count == 1));
    second.shutdown().await.unwrap();
}

//! Many concurrent installs into one cluster leave a consistent cloud.

use plinth_emulator::EmulatorOptions;
use serde_json::json;

use crate::support::{Api, CLUSTER, emulator, install_body};

const CCE_TEMPLATES: [&str; 9] = [
    "coredns",
    "everest",
    "metrics-server",
    "node-local-dns",
    "npd",
    "log-agent",
    "volcano",
    "gpu-beta",
    "always-fails",
];

async fn install_concurrently(
    api: &Api,
    templates: impl Iterator<Item = &'static str>,
) -> Vec<(String, u16)> {
    let tasks: Vec<_> = templates
        .map(|template| {
            let api = api.clone();
            tokio::spawn(async move {
                let answer = api
                    .post(
                        "/api/v3/addons",
                        &install_body(CLUSTER, template, None, json!({})),
                    )
                    .await;
                (template.to_owned(), answer.status)
            })
        })
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    results
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_installs_of_one_template_install_it_once() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let results = install_concurrently(&api, std::iter::repeat_n("coredns", 200)).await;
    let created = results.iter().filter(|(_, status)| *status == 201).count();
    let conflicts = results.iter().filter(|(_, status)| *status == 409).count();
    assert_eq!((created, conflicts), (1, 199));
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.installs_of(&format!("cce/{CLUSTER}/coredns")), 1);
    assert_eq!(snapshot.addons.len(), 1);
    let listed = api.get("/api/v3/addons", &[("cluster_id", CLUSTER)]).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_installs_of_mixed_templates_install_each_once() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let results = install_concurrently(&api, CCE_TEMPLATES.iter().copied().cycle().take(200)).await;
    for template in CCE_TEMPLATES {
        let created = results
            .iter()
            .filter(|(name, status)| name == template && *status == 201)
            .count();
        assert_eq!(created, 1, "{template}");
        assert_eq!(
            emulator
                .snapshot()
                .installs_of(&format!("cce/{CLUSTER}/{template}")),
            1
        );
    }
    assert!(
        results
            .iter()
            .all(|(_, status)| [201, 409].contains(status))
    );
    let listed = api.get("/api/v3/addons", &[("cluster_id", CLUSTER)]).await;
    let mut names: Vec<&str> = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["spec"]["addonTemplateName"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    let mut expected = CCE_TEMPLATES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

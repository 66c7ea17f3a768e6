//! The catalogue routes (templates, clusters, pools) and the add-on rollback, through the client
//! and as raw JSON with the field names of the official SDK's models.

use std::time::Duration;

use plinth_cloud::{AddonApi, CatalogueCache, ResourceType, addon_defaults};
use plinth_emulator::testing::TestCloud;
use plinth_emulator::{EmulatorOptions, Fixture};
use serde_json::json;

use crate::support::{AUTOPILOT, Api, CLUSTER, emulator, install_body, upgrade_body, with_op};

fn versioned_fixture() -> Fixture {
    Fixture::from_json(
        br#"{"region":"cn-north-4","project_id":"0123456789abcdef0123456789abcdef",
             "clusters":[{"id":"c0ffee00-0000-4000-8000-000000000001","version":"v1.28"},"c2"],
             "autopilot_clusters":[{"id":"a1b2c3d4-0000-4000-8000-000000000001","version":"v1.30"}],
             "pools":["pool-a","pool-b"]}"#,
    )
    .unwrap()
}

#[tokio::test]
async fn clusters_and_pools_are_listed_with_their_versions() {
    let cloud = TestCloud::start(EmulatorOptions {
        fixture: versioned_fixture(),
        ..EmulatorOptions::default()
    })
    .await;
    let cache = CatalogueCache::new(cloud.client.clone());
    let clusters = cache.clusters(AddonApi::Cce).await.unwrap();
    let versions: Vec<(&str, Option<&str>)> = clusters
        .items
        .iter()
        .map(|c| (c.metadata.uid.as_str(), c.spec.version.as_deref()))
        .collect();
    assert_eq!(
        versions,
        [
            ("c0ffee00-0000-4000-8000-000000000001", Some("v1.28")),
            ("c2", Some("v1.28")),
        ]
    );
    let autopilot = cache.clusters(AddonApi::Autopilot).await.unwrap();
    assert_eq!(autopilot.items[0].spec.version.as_deref(), Some("v1.30"));
    assert_eq!(
        autopilot.items[0].spec.cluster_type.as_deref(),
        Some("Autopilot")
    );
    let one = cloud
        .client
        .show_cluster(AddonApi::Cce, "c2")
        .await
        .unwrap();
    assert_eq!(one.metadata.uid, "c2");
    let missing = cloud
        .client
        .show_cluster(AddonApi::Cce, "nope")
        .await
        .unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    let pools = cache.pools().await.unwrap();
    let names: Vec<&str> = pools
        .items
        .iter()
        .map(|p| p.metadata.name.as_str())
        .collect();
    assert_eq!(names, ["pool-a", "pool-b"]);
    // Cached: a second ask sends nothing.
    let before = cloud.emulator.requests().total;
    cache.pools().await.unwrap();
    cache.clusters(AddonApi::Cce).await.unwrap();
    assert_eq!(cloud.emulator.requests().total, before);
}

#[tokio::test]
async fn templates_carry_versions_defaults_and_supported_cluster_versions() {
    let cloud = TestCloud::start(EmulatorOptions::default()).await;
    let cache = CatalogueCache::new(cloud.client.clone());
    let templates = cache.addon_templates(AddonApi::Cce).await.unwrap();
    let coredns = templates
        .items
        .iter()
        .find(|t| t.metadata.name == "coredns")
        .unwrap();
    let versions: Vec<&str> = coredns
        .spec
        .versions
        .iter()
        .map(|v| v.version.as_str())
        .collect();
    assert_eq!(versions, ["1.25.11", "1.28.6", "1.29.4", "1.30.6"]);
    let old = &coredns.spec.versions[0];
    let support = old.support_versions.as_ref().unwrap();
    assert_eq!(support[0].cluster_type.as_deref(), Some("VirtualMachine"));
    assert_eq!(
        support[0].cluster_version.as_deref(),
        Some(&["v1.2[3-7].*".to_owned()][..])
    );
    let defaults = addon_defaults(coredns.spec.versions[3].input.as_ref().unwrap());
    assert_eq!(defaults["basic"]["image_version"], "1.30.6");
    assert_eq!(defaults["flavor"]["replicas"], 2);
    assert!(defaults["custom"]["stub_domains"].is_object());
    let autopilot = cache.addon_templates(AddonApi::Autopilot).await.unwrap();
    assert!(
        autopilot
            .items
            .iter()
            .any(|t| t.metadata.name == "upgrade-fails")
    );
    let plugins = cache.plugin_templates().await.unwrap();
    assert!(plugins.items.iter().any(|t| t.metadata.name == "gpu-beta"));
}

#[tokio::test]
async fn raw_answers_use_the_sdk_field_names() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let project = emulator.fixture().project_id;
    let clusters = api
        .get(&format!("/api/v3/projects/{project}/clusters"), &[])
        .await;
    assert_eq!(clusters.status, 200);
    // ListClustersResponse{kind, apiVersion, items[Cluster{metadata{uid,name}, spec{type,flavor,version}, status{phase}}]}
    let cluster = &clusters.body["items"][0];
    assert_eq!(clusters.body["kind"], "Cluster");
    assert_eq!(cluster["metadata"]["uid"], CLUSTER);
    assert_eq!(cluster["spec"]["version"], "v1.28");
    assert_eq!(cluster["spec"]["type"], "VirtualMachine");
    assert_eq!(cluster["status"]["phase"], "Available");
    let autopilot = api
        .get(
            &format!("/autopilot/v3/projects/{project}/clusters/{AUTOPILOT}"),
            &[],
        )
        .await;
    assert_eq!(autopilot.body["metadata"]["uid"], AUTOPILOT);
    // ListPoolsResponse{apiVersion, kind, items[Pool{metadata{name,labels}, status{phase}}]}
    let pools = api.get(&format!("/v2/{project}/pools"), &[]).await;
    assert_eq!(pools.body["kind"], "PoolList");
    assert_eq!(pools.body["items"][0]["metadata"]["name"], "pool-a");
    assert_eq!(
        pools.body["items"][0]["metadata"]["labels"]["os.modelarts/name"],
        "pool-a"
    );
    let wrong = api.get("/v2/other/pools", &[]).await;
    assert_eq!(wrong.status, 403);
}

#[tokio::test]
async fn an_unsupported_cluster_version_is_refused_on_install() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let refused = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "coredns", Some("1.25.11"), json!({})),
        )
        .await;
    assert_eq!(refused.status, 400);
    let message = refused.body["error_msg"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
        + refused.body["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("does not support cluster version v1.28"),
        "{}",
        refused.body
    );
}

#[tokio::test]
async fn a_failed_upgrade_is_rolled_back_to_the_previous_version_and_values() {
    let emulator = emulator(with_op(Duration::from_millis(200))).await;
    let api = Api::new(&emulator);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(
                CLUSTER,
                "upgrade-fails",
                Some("1.0.0"),
                json!({"custom": {"a": 1}}),
            ),
        )
        .await;
    let uid = installed.body["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v3/addons/{uid}");
    let query = [("cluster_id", CLUSTER)];
    let rollback = format!("/api/v3/addons/{uid}/operation/rollback");
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Nothing to roll back before an upgrade.
    let early = api.post(&rollback, &json!({"clusterID": CLUSTER})).await;
    assert_eq!(early.status, 400, "{}", early.body);
    api.put(
        &path,
        &query,
        &upgrade_body(
            CLUSTER,
            "upgrade-fails",
            "1.0.1",
            json!({"custom": {"a": 2}}),
        ),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failed = api.get(&path, &query).await;
    assert_eq!(failed.body["status"]["status"], "upgradeFailed");
    assert_eq!(failed.body["status"]["isRollbackable"], true);
    assert_eq!(failed.body["status"]["previousVersion"], "1.0.0");
    let rolling = api.post(&rollback, &json!({"clusterID": CLUSTER})).await;
    assert_eq!(rolling.status, 200, "{}", rolling.body);
    assert_eq!(rolling.body["status"]["status"], "rollbacking");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let back = api.get(&path, &query).await;
    assert_eq!(back.body["status"]["status"], "running");
    assert_eq!(back.body["spec"]["version"], "1.0.0");
    assert_eq!(back.body["spec"]["values"]["custom"]["a"], 1);
    assert_eq!(back.body["status"]["isRollbackable"], false);
}

#[tokio::test]
async fn the_client_rolls_an_autopilot_addon_back() {
    let cloud = TestCloud::start(EmulatorOptions::default()).await;
    let kind = ResourceType::AUTOPILOT_ADDON;
    let desired =
        json!({"cluster_id": AUTOPILOT, "template_name": "upgrade-fails", "version": "1.0.0"});
    let created = kind.create(&cloud.client, &desired).await.unwrap();
    let mut upgraded = desired.clone();
    upgraded["version"] = json!("1.0.1");
    let current = kind
        .read(&cloud.client, &created.object_ref())
        .await
        .unwrap()
        .unwrap();
    kind.update(&cloud.client, &current, &upgraded)
        .await
        .unwrap();
    let failed = kind
        .read(&cloud.client, &created.object_ref())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, "upgradeFailed");
    let rolled = kind
        .rollback(&cloud.client, &failed)
        .await
        .unwrap()
        .unwrap();
    let now = kind
        .read(&cloud.client, &rolled.object_ref())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(now.status, "running");
    assert_eq!(now.attributes.to_value()["version"], "1.0.0");
    assert!(
        ResourceType::POOL_PLUGIN
            .rollback(&cloud.client, &failed)
            .await
            .unwrap()
            .is_none()
    );
}

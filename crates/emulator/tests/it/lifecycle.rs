//! Status transitions with a small operation time, and server-filled defaults.

use std::time::Duration;

use serde_json::json;

use crate::support::{
    AUTOPILOT, Api, CLUSTER, emulator, install_body, plugin_body, plugins_path, upgrade_body,
    with_op,
};

const OP: Duration = Duration::from_millis(400);
const PAST_OP: Duration = Duration::from_millis(550);

#[tokio::test]
async fn addon_goes_installing_running_upgrading_running_deleting_gone() {
    let emulator = emulator(with_op(OP)).await;
    let api = Api::new(&emulator);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(
                CLUSTER,
                "coredns",
                Some("1.28.6"),
                json!({"flavor": {"replicas": 3}}),
            ),
        )
        .await;
    assert_eq!(installed.status, 201);
    assert_eq!(installed.body["status"]["status"], "installing");
    let uid = installed.body["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v3/addons/{uid}");
    let query = [("cluster_id", CLUSTER)];

    let read = api.get(&path, &query).await;
    assert_eq!(read.body["status"]["status"], "installing");
    tokio::time::sleep(PAST_OP).await;
    let read = api.get(&path, &query).await;
    assert_eq!(read.body["status"]["status"], "running");
    assert_eq!(
        read.body["status"]["targetVersions"],
        json!(["1.29.4", "1.30.6"])
    );
    let values = &read.body["spec"]["values"];
    assert_eq!(values["flavor"]["replicas"], 3);
    assert_eq!(values["basic"]["image_version"], "1.28.6");

    // An upgrade that leaves `custom` and `basic` out gets the new version's defaults there.
    let upgraded = api
        .put(
            &path,
            &query,
            &upgrade_body(
                CLUSTER,
                "coredns",
                "1.29.4",
                json!({"flavor": {"replicas": 4}}),
            ),
        )
        .await;
    assert_eq!(upgraded.status, 200, "{:#}", upgraded.body);
    assert_eq!(upgraded.body["status"]["status"], "upgrading");
    assert_eq!(
        api.get(&path, &query).await.body["status"]["status"],
        "upgrading"
    );
    tokio::time::sleep(PAST_OP).await;
    let read = api.get(&path, &query).await;
    assert_eq!(read.body["status"]["status"], "running");
    assert_eq!(read.body["spec"]["version"], "1.29.4");
    assert_eq!(read.body["status"]["previousVersion"], "1.28.6");
    assert_eq!(read.body["status"]["isRollbackable"], true);
    assert_eq!(read.body["spec"]["values"]["flavor"]["replicas"], 4);
    assert_eq!(
        read.body["spec"]["values"]["basic"]["image_version"],
        "1.29.4"
    );

    let deleted = api.delete(&path, &query).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(
        api.get(&path, &query).await.body["status"]["status"],
        "deleting"
    );
    let listed = api.get("/api/v3/addons", &query).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    tokio::time::sleep(PAST_OP).await;
    let gone = api.get(&path, &query).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.body["error_code"], "SVCSTG.CCE-ADDONMGR.4040204");
    let listed = api.get("/api/v3/addons", &query).await;
    assert_eq!(
        listed.body,
        json!({"kind": "Addon", "apiVersion": "v3", "items": []})
    );
}

#[tokio::test]
async fn busy_addon_refuses_an_upgrade() {
    let emulator = emulator(with_op(Duration::from_secs(30))).await;
    let api = Api::new(&emulator);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "npd", None, json!({})),
        )
        .await;
    let uid = installed.body["metadata"]["uid"].as_str().unwrap();
    let upgrade = api
        .put(
            &format!("/api/v3/addons/{uid}"),
            &[],
            &upgrade_body(CLUSTER, "npd", "1.19.20", json!({})),
        )
        .await;
    assert_eq!(upgrade.status, 409);
    assert_eq!(upgrade.body["errorCode"], "SVCSTG.CCE-ADDONMGR.4090002");
}

#[tokio::test]
async fn plugin_goes_pending_running_updating_running_deleting_gone() {
    let emulator = emulator(with_op(OP)).await;
    let api = Api::new(&emulator);
    let path = plugins_path("pool-a");
    let created = api
        .post(
            &path,
            &plugin_body(
                "gpu-beta",
                Some("1.2.15"),
                Some(json!({"custom": {"enable_health_monitoring": false}})),
            ),
        )
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["status"]["phase"], "Pending");
    assert_eq!(
        api.get(&path, &[]).await.body["items"][0]["status"]["phase"],
        "Pending"
    );
    tokio::time::sleep(PAST_OP).await;
    let listed = api.get(&path, &[]).await;
    let plugin = &listed.body["items"][0];
    assert_eq!(plugin["status"]["phase"], "Running");
    assert_eq!(plugin["status"]["reason"], "Install complete");
    let inputs = &plugin["spec"]["template"]["inputs"];
    assert_eq!(inputs["custom"]["enable_health_monitoring"], false);
    assert_eq!(
        inputs["custom"]["enable_simple_lib_mount"], true,
        "template default"
    );
    let values: serde_json::Value =
        serde_json::from_str(plugin["status"]["values"].as_str().unwrap()).unwrap();
    assert_eq!(&values, inputs, "status.values is the inputs as a string");

    // POST again: an upgrade, whose left-out inputs fall back to the template defaults.
    let upgraded = api
        .post(&path, &plugin_body("gpu-beta", Some("1.2.21"), None))
        .await;
    assert_eq!(upgraded.status, 200);
    assert_eq!(upgraded.body["status"]["phase"], "Updating");
    tokio::time::sleep(PAST_OP).await;
    let listed = api.get(&path, &[]).await;
    let plugin = &listed.body["items"][0];
    assert_eq!(plugin["status"]["phase"], "Running");
    assert_eq!(plugin["status"]["reason"], "Upgrade complete");
    assert_eq!(plugin["status"]["version"], "1.2.21");
    assert_eq!(
        plugin["spec"]["template"]["inputs"]["custom"]["enable_health_monitoring"],
        true
    );

    let deleted = api.delete(&format!("{path}/gpu-beta"), &[]).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body["status"]["phase"], "Running");
    assert_eq!(
        api.get(&path, &[]).await.body["items"][0]["status"]["phase"],
        "Deleting"
    );
    tokio::time::sleep(PAST_OP).await;
    assert_eq!(api.get(&path, &[]).await.body["items"], json!([]));
    let snapshot = emulator.snapshot();
    assert_eq!(snapshot.installs_of("modelarts/pool-a/gpu-beta"), 1);
    assert!(snapshot.plugins.is_empty());
}

#[tokio::test]
async fn always_fails_fails_in_every_service() {
    let emulator = emulator(with_op(OP)).await;
    let api = Api::new(&emulator);
    let cce = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "always-fails", None, json!({})),
        )
        .await;
    let autopilot = api
        .post(
            "/autopilot/v3/addons",
            &install_body(AUTOPILOT, "always-fails", None, json!({})),
        )
        .await;
    let plugin = api
        .post(
            &plugins_path("pool-b"),
            &plugin_body("always-fails", None, None),
        )
        .await;
    assert_eq!(cce.body["status"]["status"], "installing");
    tokio::time::sleep(PAST_OP).await;
    for (prefix, installed) in [("/api/v3", cce), ("/autopilot/v3", autopilot)] {
        let uid = installed.body["metadata"]["uid"].as_str().unwrap();
        let read = api.get(&format!("{prefix}/addons/{uid}"), &[]).await;
        assert_eq!(read.body["status"]["status"], "installFailed");
        assert_ne!(read.body["status"]["Reason"], "");
        assert!(
            read.body["status"]["message"]
                .as_str()
                .unwrap()
                .contains("ImagePullBackOff")
        );
    }
    assert_eq!(plugin.status, 200);
    let listed = api.get(&plugins_path("pool-b"), &[]).await;
    assert_eq!(listed.body["items"][0]["status"]["phase"], "Abnormal");
    assert!(
        listed.body["items"][0]["status"]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Install failed")
    );
}

#[tokio::test]
async fn templates_iam_and_cluster_host() {
    let emulator = emulator(with_op(Duration::ZERO)).await;
    let api = Api::new(&emulator);
    let templates = api
        .get(
            &format!("/v2/{}/plugintemplates", crate::support::PROJECT),
            &[("templateName", "os-node-agent"), ("poolName", "pool-a")],
        )
        .await;
    assert_eq!(templates.status, 200);
    let items = templates.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0]["spec"]["versions"][0]["version"],
        "6.8.0-20250219120620"
    );
    assert!(items[0]["spec"]["versions"][0]["inputs"]["configs"].is_object());
    let addon_templates = api
        .get(
            "/api/v3/addontemplates",
            &[("addon_template_name", "coredns")],
        )
        .await;
    let versions = &addon_templates.body["items"][0]["spec"]["versions"];
    assert_eq!(versions[1]["version"], "1.28.6");
    assert_eq!(versions[1]["input"]["basic"]["image_version"], "1.28.6");
    let all = api.get("/autopilot/v3/addontemplates", &[]).await;
    assert!(all.body["items"].as_array().unwrap().len() >= 3);

    let projects = api.get("/v3/projects", &[("name", "cn-north-4")]).await;
    assert_eq!(projects.body["projects"][0]["id"], crate::support::PROJECT);
    assert_eq!(projects.body["projects"][0]["name"], "cn-north-4");
    let none = api.get("/v3/projects", &[("name", "eu-west-0")]).await;
    assert_eq!(none.body["projects"], json!([]));

    // CCE add-on calls may name the cluster by the host instead of the query.
    api.post(
        "/api/v3/addons",
        &install_body(CLUSTER, "npd", None, json!({})),
    )
    .await;
    let by_host: serde_json::Value = reqwest::Client::new()
        .get(format!("{}/api/v3/addons", emulator.base_url()))
        .header(
            "Host",
            format!("{CLUSTER}.cce.cn-north-4.myhuaweicloud.com"),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_host["items"][0]["spec"]["addonTemplateName"], "npd");
}

//! Error answers: status codes and the services' body formats.

use reqwest::Method;
use serde_json::json;

use crate::support::{
    Api, CLUSTER, CLUSTER_2, PROJECT, emulator, install_body, plugin_body, plugins_path,
    upgrade_body, with_op,
};

fn assert_cce_error(body: &serde_json::Value, code: &str) {
    assert_eq!(body["errorCode"], code, "{body:#}");
    assert_eq!(body["error_code"], code);
    assert!(body["errorMessage"].is_string());
    assert_eq!(body["errorMessage"], body["error_msg"]);
}

#[tokio::test]
async fn addon_errors() {
    let emulator = emulator(with_op(std::time::Duration::ZERO)).await;
    let api = Api::new(&emulator);
    let unknown_cluster = api
        .post(
            "/api/v3/addons",
            &install_body(
                "c0ffee00-0000-4000-8000-00000000dead",
                "coredns",
                None,
                json!({}),
            ),
        )
        .await;
    assert_eq!(unknown_cluster.status, 404);
    assert_cce_error(&unknown_cluster.body, "CCE.01404001");
    // An Autopilot cluster is not a CCE cluster.
    let wrong_service = api
        .get(
            "/api/v3/addons",
            &[("cluster_id", crate::support::AUTOPILOT)],
        )
        .await;
    assert_eq!(wrong_service.status, 404);

    let unknown_addon = api
        .get(
            "/api/v3/addons/5b3c9f4e-0000-4000-8000-000000000000",
            &[("cluster_id", CLUSTER)],
        )
        .await;
    assert_eq!(unknown_addon.status, 404);
    assert_cce_error(&unknown_addon.body, "SVCSTG.CCE-ADDONMGR.4040204");

    let malformed = api
        .try_call_raw(
            Method::POST,
            "/api/v3/addons",
            &[],
            Some(b"{not json".to_vec()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(malformed.status, 400);
    assert_cce_error(&malformed.body, "SVCSTG.CCE-ADDONMGR.4000003");

    let mut wrong_kind = install_body(CLUSTER, "coredns", None, json!({}));
    wrong_kind["kind"] = json!("Plugin");
    let mut wrong_api = install_body(CLUSTER, "coredns", None, json!({}));
    wrong_api["apiVersion"] = json!("v2");
    for body in [
        wrong_kind,
        wrong_api,
        install_body(CLUSTER, "no-such-template", None, json!({})),
        install_body(CLUSTER, "coredns", Some("9.9.9"), json!({})),
        install_body(CLUSTER, "coredns", None, json!("not an object")),
    ] {
        let answer = api.post("/api/v3/addons", &body).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_cce_error(&answer.body, "SVCSTG.CCE-ADDONMGR.4000003");
    }

    let first = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "everest", None, json!({})),
        )
        .await;
    assert_eq!(first.status, 201);
    let uid = first.body["metadata"]["uid"].as_str().unwrap();
    let duplicate = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "everest", None, json!({})),
        )
        .await;
    assert_eq!(duplicate.status, 409);
    assert_cce_error(&duplicate.body, "SVCSTG.CCE-ADDONMGR.4090001");
    assert!(duplicate.body["error_msg"].as_str().unwrap().contains(uid));
    // The same template in another cluster is another add-on.
    let other = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER_2, "everest", None, json!({})),
        )
        .await;
    assert_eq!(other.status, 201);
    // Asking for the add-on in the wrong cluster does not find it.
    let wrong_cluster = api
        .get(
            &format!("/api/v3/addons/{uid}"),
            &[("cluster_id", CLUSTER_2)],
        )
        .await;
    assert_eq!(wrong_cluster.status, 404);
    // An upgrade needs a version.
    let mut no_version = upgrade_body(CLUSTER, "everest", "2.4.77", json!({}));
    no_version["spec"]
        .as_object_mut()
        .unwrap()
        .remove("version");
    let answer = api
        .put(&format!("/api/v3/addons/{uid}"), &[], &no_version)
        .await;
    assert_eq!(answer.status, 400);
    // The list needs a cluster.
    assert_eq!(api.get("/api/v3/addons", &[]).await.status, 400);
}

#[tokio::test]
async fn plugin_errors() {
    let emulator = emulator(with_op(std::time::Duration::ZERO)).await;
    let api = Api::new(&emulator);
    let unknown_pool = api.get(&plugins_path("pool-zzz"), &[]).await;
    assert_eq!(unknown_pool.status, 404);
    assert_eq!(unknown_pool.body["error_code"], "ModelArts.50004004");
    assert!(unknown_pool.body["error_msg"].is_string());

    let unknown_project = api
        .get(
            "/v2/ffffffffffffffffffffffffffffffff/pools/pool-a/plugins",
            &[],
        )
        .await;
    assert_eq!(unknown_project.status, 403);

    for body in [
        plugin_body("no-such-template", None, None),
        plugin_body("gpu-beta", Some("0.0.1"), None),
        plugin_body("gpu-beta", None, Some(json!([1, 2]))),
        json!({"apiVersion": "v2", "kind": "Addon", "spec": {"template": {"name": "gpu-beta"}}}),
        json!({"apiVersion": "v2", "kind": "Plugin"}),
    ] {
        let answer = api.post(&plugins_path("pool-a"), &body).await;
        assert_eq!(answer.status, 400, "{body}");
        assert_eq!(answer.body["error_code"], "ModelArts.50004000");
    }
    let unknown_plugin = api
        .delete(&format!("{}/volcano", plugins_path("pool-a")), &[])
        .await;
    assert_eq!(unknown_plugin.status, 404);
    assert_eq!(unknown_plugin.body["error_code"], "ModelArts.50004004");
}

#[tokio::test]
async fn every_answer_carries_a_request_id() {
    let emulator = emulator(with_op(std::time::Duration::ZERO)).await;
    let api = Api::new(&emulator);
    let answers = [
        api.get(&plugins_path("pool-a"), &[]).await,
        api.get(&plugins_path("nope"), &[]).await,
        api.get("/no/such/api", &[]).await,
        api.get(&format!("/v2/{PROJECT}/plugintemplates"), &[])
            .await,
    ];
    let mut ids = std::collections::HashSet::new();
    for answer in answers {
        let id = answer.request_id.expect("X-Request-Id");
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert!(ids.insert(id));
    }
}

//! The resource types send the documented calls with the documented bodies.

use plinth_cloud::{Progress, ResourceType, deep_merge};
use serde_json::json;
use wiremock::matchers::{body_partial_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLUSTER, PROJECT, client, fixture};

fn addon(uid: &str, template: &str, status: &str, values: &serde_json::Value) -> serde_json::Value {
    json!({
        "kind": "Addon", "apiVersion": "v3",
        "metadata": {"uid": uid, "name": template},
        "spec": {"clusterID": CLUSTER, "addonTemplateName": template, "version": "1.28.6", "values": values},
        "status": {"status": status, "currentVersion": {"version": "1.28.6"}}
    })
}

#[tokio::test]
async fn cce_addon_life_cycle() {
    let server = MockServer::start().await;
    let installed_values = json!({
        "basic": {"cluster_ip": "10.247.3.10", "swr_addr": "swr.example"},
        "flavor": {"replicas": 2, "name": 2500}
    });
    Mock::given(method("POST"))
        .and(path("/api/v3/addons"))
        .and(body_partial_json(json!({
            "kind": "Addon", "apiVersion": "v3",
            "metadata": {"annotations": {"addon.install/type": "install"}},
            "spec": {"clusterID": CLUSTER, "addonTemplateName": "coredns", "version": "1.28.6",
                     "values": {"flavor": {"replicas": 2}}}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(addon(
            "a1",
            "coredns",
            "installing",
            &installed_values,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "Addon", "apiVersion": "v3",
            "items": [addon("e1", "everest", "running", &json!({})), addon("a1", "coredns", "running", &installed_values)]
        })))
        .mount(&server)
        .await;
    let merged = deep_merge(&installed_values, &json!({"flavor": {"replicas": 3}}));
    Mock::given(method("PUT"))
        .and(path("/api/v3/addons/a1"))
        .and(body_partial_json(json!({
            "metadata": {"annotations": {"addon.upgrade/type": "upgrade"}},
            "spec": {"clusterID": CLUSTER, "addonTemplateName": "coredns", "version": "1.28.6",
                     "values": {"basic": {"cluster_ip": "10.247.3.10", "swr_addr": "swr.example"},
                                "flavor": {"replicas": 3, "name": 2500}}}
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(addon(
            "a1",
            "coredns",
            "upgrading",
            &merged,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v3/addons/a1"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let kind = ResourceType::CCE_ADDON;

    let desired = json!({"cluster_id": CLUSTER, "template_name": "coredns", "version": "1.28.6",
                         "values": {"flavor": {"replicas": 2}}});
    let created = kind.create(&client, &desired).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("a1"));
    assert_eq!(created.progress, Progress::InProgress);
    assert_eq!(created.natural_key, kind.natural_key(&desired).unwrap());

    let found = kind
        .find_by_natural_key(&client, &kind.natural_key(&desired).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some("a1"));
    assert_eq!(found.attributes.to_value()["values"], installed_values);
    let missing = kind
        .find_by_natural_key(
            &client,
            &kind
                .natural_key(&json!({"cluster_id": CLUSTER, "template_name": "gpu-beta"}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert!(missing.is_none());

    let update = json!({"cluster_id": CLUSTER, "template_name": "coredns", "values": merged});
    let updated = kind.update(&client, &found, &update).await.unwrap();
    assert_eq!(updated.status, "upgrading");

    kind.delete(&client, &updated.object_ref()).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn delete_of_a_missing_addon_is_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/autopilot/v3/addons/gone"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": "CCE.01404001", "message": "not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let kind = ResourceType::AUTOPILOT_ADDON;
    kind.delete(&client(&server), &kind.parse_import_id("gone").unwrap())
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn autopilot_install_sends_alias() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/autopilot/v3/addons"))
        .and(body_partial_json(json!({
            "metadata": {"alias": "dns", "annotations": {"addon.install/type": "install"}},
            "spec": {"clusterID": CLUSTER, "addonTemplateName": "coredns"}
        })))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_string(fixture("004_read_autopilot_addon_200.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let created = ResourceType::AUTOPILOT_ADDON
        .create(
            &client(&server),
            &json!({"cluster_id": CLUSTER, "template_name": "coredns", "alias": "dns"}),
        )
        .await
        .unwrap();
    assert_eq!(created.attributes.to_value()["alias"], json!("coredns"));
    server.verify().await;
}

#[tokio::test]
async fn plugin_create_update_and_delete() {
    let server = MockServer::start().await;
    let plugins = format!("/v2/{PROJECT}/pools/pool-a/plugins");
    Mock::given(method("POST"))
        .and(path(plugins.as_str()))
        .and(body_partial_json(json!({
            "apiVersion": "v2", "kind": "Plugin",
            "spec": {"template": {"name": "node-local-dns", "version": "1.6.36",
                                  "inputs": {"custom": {"ndots": "8"}}}}
        })))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("001_create_plugin_200.json")),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{plugins}/node-local-dns")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("003_delete_plugin_200.json")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let kind = ResourceType::POOL_PLUGIN;
    let desired = json!({"pool_name": "pool-a", "template_name": "node-local-dns", "version": "1.6.36",
                         "inputs": {"custom": {"ndots": "8"}}});
    let created = kind.create(&client, &desired).await.unwrap();
    assert_eq!(created.progress, Progress::InProgress);
    assert_eq!(created.attributes.to_value()["pool_name"], json!("pool-a"));
    assert_eq!(
        created.attributes.to_value()["inputs"]["custom"]["search"],
        json!("1321")
    );
    // An update re-sends the version installed when the user names none.
    let update = json!({"pool_name": "pool-a", "template_name": "node-local-dns",
                        "inputs": {"custom": {"ndots": "8"}}});
    kind.update(&client, &created, &update).await.unwrap();
    kind.delete(&client, &created.object_ref()).await.unwrap();
    server.verify().await;
}

#[tokio::test]
async fn plugin_of_a_missing_pool_is_absent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/gone/plugins")))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"error_code": "ModelArts.50015001", "error_msg": "pool not found"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let kind = ResourceType::POOL_PLUGIN;
    let found = kind
        .read(
            &client(&server),
            &kind.parse_import_id("gone/gpu-beta").unwrap(),
        )
        .await
        .unwrap();
    assert!(found.is_none());
}

#[tokio::test]
async fn missing_desired_attribute_is_reported_without_a_call() {
    let server = MockServer::start().await;
    let error = ResourceType::CCE_ADDON
        .create(&client(&server), &json!({"template_name": "coredns"}))
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "`huaweicloud_cce_addon`: `cluster_id` is required and must be a non-empty string"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// The apply engine spawns these futures on tokio's multi-threaded runtime: they must be `Send`.
#[test]
fn resource_futures_are_send() {
    fn assert_send<T: Send>(_: T) {}
    let client =
        plinth_cloud::Client::new(crate::support::settings_for("http://127.0.0.1:9", None))
            .unwrap();
    let kind = ResourceType::CCE_ADDON;
    let object = kind.parse_import_id("c/a").unwrap();
    let desired = json!({});
    assert_send(kind.read(&client, &object));
    assert_send(kind.find_by_natural_key(&client, &object.natural_key));
    assert_send(kind.create(&client, &desired));
    assert_send(kind.delete(&client, &object));
    assert_send(kind.wait(
        &client,
        &object,
        plinth_cloud::WaitTarget::Gone,
        &client.settings().wait,
        &plinth_cloud::no_progress,
    ));
}

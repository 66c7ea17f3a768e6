//! Waiting for remote operations through the resource interface.

use std::sync::Mutex;
use std::time::Duration;

use plinth_cloud::{CloudError, ObjectRef, ResourceType, WaitOptions, WaitProgress, WaitTarget};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLUSTER, PROJECT, client};

fn addon(status: &str, reason: &str, message: &str) -> serde_json::Value {
    json!({
        "kind": "Addon", "apiVersion": "v3",
        "metadata": {"uid": "a1", "name": "coredns"},
        "spec": {"clusterID": CLUSTER, "addonTemplateName": "coredns", "version": "1.28.6", "values": {}},
        "status": {"status": status, "Reason": reason, "message": message}
    })
}

/// A wait polls the add-on's cluster list: it answers `first` (in a list) `times` times, then
/// `then`.
async fn serve_addon_sequence(
    server: &MockServer,
    first: serde_json::Value,
    times: u64,
    then: serde_json::Value,
) {
    let list = |addon| json!({"kind": "Addon", "apiVersion": "v3", "items": [addon]});
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(first)))
        .up_to_n_times(times)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(list(then)))
        .mount(server)
        .await;
}

fn addon_ref() -> ObjectRef {
    ResourceType::CCE_ADDON
        .parse_import_id(&format!("{CLUSTER}/a1"))
        .unwrap()
}

#[tokio::test]
async fn installing_then_running() {
    let server = MockServer::start().await;
    serve_addon_sequence(
        &server,
        addon("installing", "", ""),
        2,
        addon("running", "", ""),
    )
    .await;
    let client = client(&server);
    let seen = Mutex::new(Vec::<WaitProgress>::new());
    let ready = ResourceType::CCE_ADDON
        .wait(
            &client,
            &addon_ref(),
            WaitTarget::Ready,
            &client.settings().wait,
            &|progress| seen.lock().unwrap().push(progress.clone()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ready.status, "running");
    assert_eq!(ready.attributes.to_value()["status"], json!("running"));
    let seen = seen.into_inner().unwrap();
    let statuses: Vec<&str> = seen.iter().map(|p| p.status.as_str()).collect();
    assert_eq!(statuses, ["installing", "installing", "running"]);
    assert!(seen.windows(2).all(|w| w[0].elapsed < w[1].elapsed));
}

#[tokio::test]
async fn installing_then_install_failed_carries_the_reason() {
    let server = MockServer::start().await;
    serve_addon_sequence(
        &server,
        addon("installing", "", ""),
        1,
        addon(
            "installFailed",
            "image pull back-off",
            "release coredns failed",
        ),
    )
    .await;
    let client = client(&server);
    let error = ResourceType::CCE_ADDON
        .wait(
            &client,
            &addon_ref(),
            WaitTarget::Ready,
            &client.settings().wait,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap_err();
    let CloudError::OperationFailed {
        status,
        reason,
        message,
        ..
    } = &error
    else {
        panic!("expected a failed operation, got {error}");
    };
    assert_eq!(status, "installFailed");
    assert_eq!(reason.as_deref(), Some("image pull back-off"));
    assert_eq!(message.as_deref(), Some("release coredns failed"));
    assert!(error.to_string().contains("image pull back-off"), "{error}");
}

#[tokio::test]
async fn available_counts_as_ready() {
    let server = MockServer::start().await;
    serve_addon_sequence(
        &server,
        addon("upgrading", "", ""),
        1,
        addon("available", "", ""),
    )
    .await;
    let client = client(&server);
    let ready = ResourceType::CCE_ADDON
        .wait(
            &client,
            &addon_ref(),
            WaitTarget::Ready,
            &client.settings().wait,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap();
    assert_eq!(ready.unwrap().status, "available");
}

#[tokio::test]
async fn deleting_then_404_is_gone() {
    let server = MockServer::start().await;
    // Listed as deleting twice, then no longer listed: read by id once to be sure, 404.
    serve_addon_sequence(
        &server,
        addon("deleting", "", ""),
        2,
        json!({"kind": "Addon", "metadata": {"uid": "other"}, "spec": {"addonTemplateName": "npd"}}),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons/a1"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"error_code": "CCE.01404001", "error_msg": "not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server);
    let gone = ResourceType::CCE_ADDON
        .wait(
            &client,
            &addon_ref(),
            WaitTarget::Gone,
            &client.settings().wait,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap();
    assert!(gone.is_none());
}

#[tokio::test]
async fn timeout_names_the_last_status() {
    let server = MockServer::start().await;
    serve_addon_sequence(
        &server,
        addon("installing", "", ""),
        1000,
        addon("running", "", ""),
    )
    .await;
    let client = client(&server);
    let options = WaitOptions {
        timeout: Duration::from_millis(400),
        ..client.settings().wait
    };
    let error = ResourceType::CCE_ADDON
        .wait(
            &client,
            &addon_ref(),
            WaitTarget::Ready,
            &options,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, CloudError::Timeout { .. }), "{error}");
    assert!(
        error.to_string().contains("last status `installing`"),
        "{error}"
    );
}

#[tokio::test]
async fn plugin_pending_then_abnormal_fails_with_reason() {
    let server = MockServer::start().await;
    let list = |phase: &str, reason: &str| {
        json!({"kind": "PluginList", "apiVersion": "v2", "items": [{
            "kind": "Plugin", "apiVersion": "v2",
            "metadata": {"name": "pool-a-gpu-beta", "creationTimestamp": "2025-01-22T03:01:53Z"},
            "spec": {"template": {"name": "gpu-beta", "version": "1.2.15"}},
            "status": {"phase": phase, "version": "1.2.15", "reason": reason}
        }]})
    };
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool-a/plugins")))
        .respond_with(ResponseTemplate::new(200).set_body_json(list("Pending", "")))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool-a/plugins")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(list("Abnormal", "driver install failed")),
        )
        .mount(&server)
        .await;
    let client = client(&server);
    let object = ResourceType::POOL_PLUGIN
        .parse_import_id("pool-a/gpu-beta")
        .unwrap();
    let error = ResourceType::POOL_PLUGIN
        .wait(
            &client,
            &object,
            WaitTarget::Ready,
            &client.settings().wait,
            &plinth_cloud::no_progress,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "huaweicloud_modelarts_pool_plugin pool_name=pool-a template_name=gpu-beta failed with status `Abnormal`: driver install failed"
    );
}

/// Answers the cluster's list of `count` add-ons: all installing until `ready_at`, then running.
struct InstallingUntil {
    count: usize,
    ready_at: std::time::Instant,
}

impl wiremock::Respond for InstallingUntil {
    fn respond(&self, _: &wiremock::Request) -> ResponseTemplate {
        let status = if std::time::Instant::now() < self.ready_at {
            "installing"
        } else {
            "running"
        };
        let items: Vec<serde_json::Value> = (0..self.count)
            .map(|i| {
                let mut addon = addon(status, "", "");
                addon["metadata"]["uid"] = json!(format!("a{i}"));
                addon
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"kind": "Addon", "items": items}))
    }
}

/// Waits for `count` add-ons of one cluster at once, whose installs take 600 ms; answers how
/// many times the cluster's list was asked for.
async fn waits_in_one_cluster(count: usize) -> usize {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(InstallingUntil {
            count,
            ready_at: std::time::Instant::now() + Duration::from_millis(600),
        })
        .mount(&server)
        .await;
    let client = client(&server);
    let mut waits = tokio::task::JoinSet::new();
    for i in 0..count {
        let client = client.clone();
        waits.spawn(async move {
            let object = ResourceType::CCE_ADDON
                .parse_import_id(&format!("{CLUSTER}/a{i}"))
                .unwrap();
            ResourceType::CCE_ADDON
                .wait(
                    &client,
                    &object,
                    WaitTarget::Ready,
                    &client.settings().wait,
                    &plinth_cloud::no_progress,
                )
                .await
        });
    }
    while let Some(done) = waits.join_next().await {
        assert_eq!(done.unwrap().unwrap().unwrap().status, "running");
    }
    server.received_requests().await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_waits_in_one_cluster_share_its_list_polls() {
    let alone = waits_in_one_cluster(1).await;
    let twenty = waits_in_one_cluster(20).await;
    // Polled one by one, twenty waits would list the cluster twenty times as often.
    assert!(alone >= 5, "{alone}");
    assert!(
        twenty <= 2 * alone,
        "twenty waits: {twenty} lists; one: {alone}"
    );
}

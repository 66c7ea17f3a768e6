//! Retries: what is retried, after how long, and what is never sent twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use plinth_cloud::model::{AddonRequest, AddonRequestSpec, PluginRequest};
use plinth_cloud::{AddonApi, Client, CloudError, Service};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLUSTER, PROJECT, client, settings_for};

fn plugins_path() -> String {
    format!("/v2/{PROJECT}/pools/pool-a/plugins")
}

#[tokio::test]
async fn throttled_call_waits_for_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(plugins_path()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error_code": "APIGW.0308", "error_msg": "throttled"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(plugins_path()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server).list_plugins("pool-a").await.unwrap();
    // The backoff alone would be at most 10 ms: the wait is Retry-After's.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    server.verify().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_service_slows_every_call_of_the_client_until_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(plugins_path()))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"error_code": "APIGW.0308", "error_msg": "throttled"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let empty = || ResponseTemplate::new(200).set_body_json(json!({"items": []}));
    Mock::given(method("GET"))
        .and(path(plugins_path()))
        .respond_with(empty())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool-b/plugins")))
        .respond_with(empty())
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .respond_with(empty())
        .mount(&server)
        .await;
    // The real policy: Retry-After is honoured up to two minutes.
    let mut settings = settings_for(&server.uri(), Some(PROJECT));
    settings.retry = plinth_cloud::RetryPolicy::default();
    let client = Client::new(settings).unwrap();
    let started = Instant::now();
    let throttled = tokio::spawn({
        let client = client.clone();
        async move { client.list_plugins("pool-a").await }
    });
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Another service is not slowed down.
    client.list_addons(AddonApi::Cce, CLUSTER).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    // Another call of the throttled service waits until Retry-After has passed.
    client.list_plugins("pool-b").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    throttled.await.unwrap().unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        4,
        "one 429, its retry, and one call of each other"
    );
}

#[tokio::test]
async fn throttled_create_is_retried() {
    // A 429 means the call was not processed, so even a create may be sent again.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(plugins_path()))
        .respond_with(ResponseTemplate::new(429))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(plugins_path()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"spec": {"template": {"name": "gpu-beta"}}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .create_plugin("pool-a", &PluginRequest::new("gpu-beta", None, None))
        .await
        .unwrap();
    server.verify().await;
}

#[tokio::test]
async fn server_errors_are_retried_until_success() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"kind": "Addon", "items": []})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let list = client(&server)
        .list_addons(AddonApi::Cce, CLUSTER)
        .await
        .unwrap();
    assert!(list.items.is_empty());
    server.verify().await;
}

#[tokio::test]
async fn retries_stop_at_max_retries_with_the_last_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("X-Request-Id", "req-500")
                .set_body_json(
                    json!({"errorCode": "CCE.01500001", "errorMessage": "internal error"}),
                ),
        )
        .expect(6)
        .mount(&server)
        .await;
    let error = client(&server)
        .list_addons(AddonApi::Cce, CLUSTER)
        .await
        .unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(api.status, 500);
    assert_eq!(api.request_id.as_deref(), Some("req-500"));
    assert!(error.is_retryable());
    server.verify().await;
}

#[tokio::test]
async fn client_error_is_not_retried_and_keeps_code_and_message() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/addons"))
        .respond_with(
            ResponseTemplate::new(400)
                .insert_header("X-Request-Id", "4f2a9c")
                .set_body_json(json!({
                    "errorCode": "CCE.01400001",
                    "errorMessage": "the add-on already exists",
                    "error_code": "CCE.01400001",
                    "error_msg": "the add-on already exists"
                })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let desired = json!({"cluster_id": CLUSTER, "template_name": "coredns"});
    let error = plinth_cloud::ResourceType::CCE_ADDON
        .create(&client(&server), &desired)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "cce returned 400 CCE.01400001: the add-on already exists (request id 4f2a9c)"
    );
    let api = error.api().unwrap();
    assert_eq!(api.service, Service::Cce);
    assert_eq!(api.method, "POST");
    assert!(api.url.ends_with("/api/v3/addons"), "{}", api.url);
    assert!(!error.is_retryable());
    server.verify().await;
}

#[tokio::test]
async fn timed_out_create_is_outcome_unknown_and_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/addons"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let mut settings = settings_for(&server.uri(), Some(PROJECT));
    settings.request_timeout = Duration::from_millis(300);
    let client = Client::new(settings).unwrap();
    let desired = json!({"cluster_id": CLUSTER, "template_name": "coredns"});
    let error = plinth_cloud::ResourceType::CCE_ADDON
        .create(&client, &desired)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CloudError::OutcomeUnknown { .. }),
        "{error}"
    );
    assert!(!error.is_retryable());
    assert!(error.to_string().contains("natural key"), "{error}");
    let posts = server.received_requests().await.unwrap();
    assert_eq!(posts.len(), 1);
}

#[tokio::test]
async fn server_error_on_create_is_outcome_unknown_and_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(plugins_path()))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let error = client(&server)
        .create_plugin("pool-a", &PluginRequest::new("gpu-beta", None, None))
        .await
        .unwrap_err();
    assert!(
        matches!(error, CloudError::OutcomeUnknown { .. }),
        "{error}"
    );
    server.verify().await;
}

/// A server that accepts connections, reads the request, and closes without answering.
async fn dropping_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            drop(socket);
        }
    });
    (format!("http://{address}"), accepted)
}

#[tokio::test]
async fn dropped_connection_on_create_is_outcome_unknown_and_sent_once() {
    let (uri, accepted) = dropping_server().await;
    let client = Client::new(settings_for(&uri, Some(PROJECT))).unwrap();
    let desired = json!({"pool_name": "pool-a", "template_name": "gpu-beta", "version": "1.2.15"});
    let error = plinth_cloud::ResourceType::POOL_PLUGIN
        .create(&client, &desired)
        .await
        .unwrap_err();
    assert!(
        matches!(error, CloudError::OutcomeUnknown { .. }),
        "{error}"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn dropped_connection_on_read_is_retried() {
    let (uri, accepted) = dropping_server().await;
    let client = Client::new(settings_for(&uri, Some(PROJECT))).unwrap();
    let error = client.list_plugins("pool-a").await.unwrap_err();
    assert!(matches!(error, CloudError::Transport { .. }), "{error}");
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        6,
        "first attempt and 5 retries"
    );
}

#[tokio::test]
async fn refused_create_was_never_sent_and_is_not_outcome_unknown() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::new(settings_for(&uri, Some(PROJECT))).unwrap();
    let error = client
        .create_plugin("pool-a", &PluginRequest::new("gpu-beta", None, None))
        .await
        .unwrap_err();
    assert!(matches!(error, CloudError::Transport { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("cannot reach modelarts for POST http://127.0.0.1:"),
        "{error}"
    );
}

/// A server that accepts connections and reads requests but never answers, keeping every
/// connection open; counts the connections.
async fn silent_server() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        let mut open = Vec::new();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buffer = [0u8; 4096];
            let _ = socket.read(&mut buffer).await;
            open.push(socket);
        }
    });
    (format!("http://{address}"), accepted)
}

fn with_request_timeout(uri: &str, timeout: Duration) -> Client {
    let mut settings = settings_for(uri, Some(PROJECT));
    settings.request_timeout = timeout;
    Client::new(settings).unwrap()
}

#[tokio::test]
async fn silent_endpoint_fails_a_read_after_one_retry_naming_the_timeout() {
    let (uri, accepted) = silent_server().await;
    let client = with_request_timeout(&uri, Duration::from_millis(300));
    let started = Instant::now();
    let error = client.list_plugins("pool-a").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            CloudError::TimedOut {
                limit: plinth_cloud::TimeLimit::Request,
                attempts: 2,
                ..
            }
        ),
        "{error}"
    );
    // Two attempts of 300 ms and one short backoff, not the 5 retries of the policy (the bound
    // is loose: a loaded machine must not fail it; `attempts` above is the exact check).
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    assert_eq!(accepted.load(Ordering::SeqCst), 2);
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "modelarts did not answer GET {uri}/v2/{PROJECT}/pools/pool-a/plugins within 300ms (`request_timeout`; 2 attempts)"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("hint: check that `{uri}` is the right endpoint")),
        "{text}"
    );
    assert!(error.is_retryable());
}

#[tokio::test]
async fn timed_out_update_and_delete_are_outcome_unknown_and_sent_once() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({"kind": "Addon", "metadata": {"uid": "a1"}}))
        .set_delay(Duration::from_secs(3));
    Mock::given(method("PUT"))
        .and(path("/api/v3/addons/a1"))
        .respond_with(slow.clone())
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v3/addons/a1"))
        .respond_with(slow)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(plugins_path()))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let client = with_request_timeout(&server.uri(), Duration::from_millis(300));
    let request = AddonRequest::upgrade(
        AddonRequestSpec {
            cluster_id: CLUSTER.to_owned(),
            version: Some("1.30.3".to_owned()),
            addon_template_name: "coredns".to_owned(),
            values: json!({}),
        },
        None,
    );
    let errors = [
        client
            .upgrade_addon(AddonApi::Cce, "a1", &request)
            .await
            .unwrap_err(),
        client
            .delete_addon(AddonApi::Cce, Some(CLUSTER), "a1")
            .await
            .unwrap_err(),
        client
            .upgrade_plugin("pool-a", &PluginRequest::new("gpu-beta", None, None))
            .await
            .unwrap_err(),
    ];
    for error in &errors {
        assert!(
            matches!(error, CloudError::OutcomeUnknown { creates: false, .. }),
            "{error}"
        );
        let text = error.to_string();
        assert!(
            text.contains("no answer within 300ms (`request_timeout`)"),
            "{text}"
        );
        assert!(text.contains("plinth did not send it again"), "{text}");
    }
    let received = server.received_requests().await.unwrap();
    let methods: Vec<String> = received.iter().map(|r| r.method.to_string()).collect();
    assert_eq!(methods, ["PUT", "DELETE", "POST"]);
}

/// An endpoint on loopback whose connections never complete: a listener with an accept queue of
/// one that is already taken and never accepted. Linux drops the SYNs a full accept queue gets
/// (unless `net.ipv4.tcp_abort_on_overflow` is set, which would refuse them instead), so a
/// connect waits as it does behind a firewall that drops packets. Keep the pair alive. Called
/// within the runtime, which the listener registers with.
#[cfg(target_os = "linux")]
fn unconnectable_endpoint() -> (String, TcpListener, std::net::TcpStream) {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    let filler = std::net::TcpStream::connect(address).unwrap();
    (format!("http://{address}"), listener, filler)
}

#[cfg(target_os = "linux")]
fn with_connect_timeout(uri: &str, timeout: Duration) -> Client {
    let mut settings = settings_for(uri, Some(PROJECT));
    settings.connect_timeout = timeout;
    // Far longer, so that only the connect limit can end a call.
    settings.request_timeout = Duration::from_secs(60);
    Client::new(settings).unwrap()
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn an_endpoint_that_never_connects_fails_within_the_connect_timeout() {
    let (uri, _listener, _filler) = unconnectable_endpoint();
    let client = with_connect_timeout(&uri, Duration::from_millis(300));
    let started = Instant::now();
    let error = client.list_plugins("pool-a").await.unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            CloudError::TimedOut {
                limit: plinth_cloud::TimeLimit::Connect,
                attempts: 2,
                ..
            }
        ),
        "{error}"
    );
    // Two attempts of 300 ms and one short backoff, not the 60 s of `request_timeout` (the bound
    // is loose: a loaded machine must not fail it; `attempts` above is the exact check).
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert!(elapsed >= Duration::from_millis(600), "{elapsed:?}");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "cannot connect to modelarts for GET {uri}/v2/{PROJECT}/pools/pool-a/plugins within 300ms (`connect_timeout`; 2 attempts)"
        )),
        "{text}"
    );
    assert!(
        text.contains("raise `connect_timeout` in the provider block"),
        "{text}"
    );
    assert!(error.is_retryable());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_create_that_never_connected_is_not_outcome_unknown() {
    let (uri, _listener, _filler) = unconnectable_endpoint();
    let client = with_connect_timeout(&uri, Duration::from_millis(300));
    let error = client
        .create_plugin("pool-a", &PluginRequest::new("gpu-beta", None, None))
        .await
        .unwrap_err();
    // Nothing was sent, so the cloud cannot have created anything: a plain time-out, which the
    // next apply may try again, not an outcome to look up.
    assert!(
        matches!(
            error,
            CloudError::TimedOut {
                limit: plinth_cloud::TimeLimit::Connect,
                ..
            }
        ),
        "{error}"
    );
}

//! The headers a server needs arrive, and the signature verifies on the server side.

use plinth_cloud::model::{AddonRequest, AddonRequestSpec};
use plinth_cloud::{AddonApi, Client, ClientSettings, Credentials, EndpointOverrides};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLUSTER, PROJECT, client, header, settings_for, verify_signature};

fn addon_answer(status: &str) -> serde_json::Value {
    json!({
        "kind": "Addon", "apiVersion": "v3",
        "metadata": {"uid": "a1"},
        "spec": {"clusterID": CLUSTER, "addonTemplateName": "coredns", "version": "1.28.6"},
        "status": {"status": status}
    })
}

#[tokio::test]
async fn get_is_signed_with_host_date_and_project() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool%20a/plugins")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(1)
        .mount(&server)
        .await;
    let list = client(&server).list_plugins("pool a").await.unwrap();
    assert!(list.items.is_empty());

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    // The pool name is percent-encoded in the path, and the signature still verifies.
    assert!(request.url.path().ends_with("/pools/pool%20a/plugins"));
    let signed = verify_signature(request);
    assert_eq!(signed, ["host", "x-project-id", "x-sdk-date"]);
    assert_eq!(header(request, "x-project-id"), Some(PROJECT));
    assert_eq!(
        header(request, "host").unwrap(),
        server.address().to_string()
    );
    assert_eq!(request.headers.get_all("host").iter().count(), 1);
    let date = header(request, "x-sdk-date").unwrap();
    assert!(
        chrono::NaiveDateTime::parse_from_str(date, "%Y%m%dT%H%M%SZ").is_ok(),
        "{date}"
    );
}

#[tokio::test]
async fn post_with_body_signs_content_type_and_security_token() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v3/addons"))
        .respond_with(ResponseTemplate::new(201).set_body_json(addon_answer("installing")))
        .expect(1)
        .mount(&server)
        .await;
    let mut settings = settings_for(&server.uri(), Some(PROJECT));
    let Credentials::AccessKey { security_token, .. } = &mut settings.credentials else {
        panic!("expected AK/SK");
    };
    *security_token = Some("STS-TOKEN".to_owned());
    let client = Client::new(settings).unwrap();
    let request = AddonRequest::install(
        AddonRequestSpec {
            cluster_id: CLUSTER.to_owned(),
            version: Some("1.28.6".to_owned()),
            addon_template_name: "coredns".to_owned(),
            values: json!({"basic": {"cluster_ip": "10.247.3.10"}}),
        },
        None,
    );
    let addon = client.install_addon(AddonApi::Cce, &request).await.unwrap();
    assert_eq!(addon.uid(), Some("a1"));

    let requests = server.received_requests().await.unwrap();
    let received = &requests[0];
    let signed = verify_signature(received);
    assert_eq!(
        signed,
        [
            "content-type",
            "host",
            "x-project-id",
            "x-sdk-date",
            "x-security-token"
        ]
    );
    assert_eq!(header(received, "content-type"), Some("application/json"));
    assert_eq!(header(received, "x-security-token"), Some("STS-TOKEN"));
    let body: serde_json::Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(
        body["metadata"]["annotations"],
        json!({"addon.install/type": "install"})
    );
    assert_eq!(body["spec"]["clusterID"], json!(CLUSTER));
}

#[tokio::test]
async fn query_is_signed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons/a1"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(addon_answer("running")))
        .expect(1)
        .mount(&server)
        .await;
    client(&server)
        .get_addon(AddonApi::Cce, Some(CLUSTER), "a1")
        .await
        .unwrap();
    verify_signature(&server.received_requests().await.unwrap()[0]);
}

#[tokio::test]
async fn token_auth_sends_x_auth_token_and_no_signature() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .mount(&server)
        .await;
    let settings = ClientSettings {
        region: Some("cn-north-4".to_owned()),
        project_id: Some(PROJECT.to_owned()),
        auth_token: Some("MIIE-TOKEN".to_owned()),
        endpoints: EndpointOverrides {
            cce: Some(server.uri()),
            ..EndpointOverrides::default()
        },
        ..ClientSettings::default()
    }
    .resolve(|_| None)
    .unwrap();
    Client::new(settings)
        .unwrap()
        .list_addons(AddonApi::Cce, CLUSTER)
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(header(&requests[0], "x-auth-token"), Some("MIIE-TOKEN"));
    assert_eq!(header(&requests[0], "authorization"), None);
}

#[tokio::test]
async fn project_id_is_looked_up_once_through_iam() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .and(query_param("name", "cn-north-4"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "projects": [
                {"id": "ffffffffffffffffffffffffffffffff", "name": "cn-north-4_sub"},
                {"id": PROJECT, "name": "cn-north-4"}
            ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool-a/plugins")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"items": []})))
        .expect(3)
        .mount(&server)
        .await;
    let client = Client::new(settings_for(&server.uri(), None)).unwrap();
    let (first, second) =
        tokio::join!(client.list_plugins("pool-a"), client.list_plugins("pool-a"));
    first.unwrap();
    second.unwrap();
    client.clone().list_plugins("pool-a").await.unwrap();
    assert_eq!(client.project_id().await.unwrap(), PROJECT);

    let requests = server.received_requests().await.unwrap();
    let iam = requests
        .iter()
        .find(|r| r.url.path() == "/v3/projects")
        .unwrap();
    let signed = verify_signature(iam);
    assert!(!signed.contains(&"x-project-id".to_owned()));
    for request in requests.iter().filter(|r| r.url.path() != "/v3/projects") {
        assert_eq!(header(request, "x-project-id"), Some(PROJECT));
    }
    server.verify().await;
}

#[tokio::test]
async fn unknown_project_is_a_clear_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"projects": []})))
        .mount(&server)
        .await;
    let client = Client::new(settings_for(&server.uri(), None)).unwrap();
    let error = client.list_plugins("pool-a").await.unwrap_err();
    assert!(error.to_string().contains("HW_PROJECT_ID"), "{error}");
}

#[tokio::test]
async fn a_failed_project_lookup_is_not_repeated_by_every_waiting_call() {
    // IAM keeps failing: the lookup is retried as any call is (1 + max_retries attempts), and
    // then every call waiting for the project id fails with that error, at once, instead of
    // each of them running the whole lookup again one after the other.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v3/projects"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "error": {"code": "IAM.0001", "message": "service unavailable"}
        })))
        .mount(&server)
        .await;
    let client = Client::new(settings_for(&server.uri(), None)).unwrap();
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        calls.spawn(async move { client.list_plugins("pool-a").await.map(drop) });
    }
    for result in calls.join_all().await {
        let error = result.unwrap_err();
        assert!(error.to_string().contains("IAM.0001"), "{error}");
    }
    let requests = server.received_requests().await.unwrap();
    let lookups = requests
        .iter()
        .filter(|r| r.url.path() == "/v3/projects")
        .count();
    let attempts = 1 + client.settings().retry.max_retries as usize;
    assert_eq!(lookups, attempts);
    assert!(requests.iter().all(|r| r.url.path() == "/v3/projects"));
}

#[tokio::test]
async fn addon_templates_are_listed_by_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/autopilot/v3/addontemplates"))
        .and(query_param("addon_template_name", "coredns"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "Addon", "apiVersion": "v3",
            "items": [{"metadata": {"name": "coredns"}, "spec": {"type": "helm", "versions": [{"version": "1.28.6"}]}}]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let list = client(&server)
        .list_addon_templates(AddonApi::Autopilot, Some("coredns"))
        .await
        .unwrap();
    assert_eq!(list.items[0].spec.versions[0].version, "1.28.6");
    verify_signature(&server.received_requests().await.unwrap()[0]);
}

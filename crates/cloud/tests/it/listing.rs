//! The lists of a refresh: one call per cluster, shared by reads and lookups; objects read are
//! forgotten once the state is read, and a lookup of one of them reads afresh.

use plinth_cloud::{Listings, ObjectRef, ResourceType};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{CLUSTER, client};

fn addon(uid: &str, template: &str) -> serde_json::Value {
    json!({
        "kind": "Addon", "apiVersion": "v3",
        "metadata": {"uid": uid, "name": template},
        "spec": {"clusterID": CLUSTER, "addonTemplateName": template, "version": "1.0.0", "values": {}},
        "status": {"status": "running"}
    })
}

fn key(template: &str) -> plinth_core::NaturalKey {
    [
        ("cluster_id".to_owned(), CLUSTER.to_owned()),
        ("template_name".to_owned(), template.to_owned()),
    ]
    .into_iter()
    .collect()
}

#[tokio::test]
async fn reads_and_lookups_share_one_list_and_a_forgotten_object_is_read_afresh() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons"))
        .and(query_param("cluster_id", CLUSTER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "kind": "Addon",
            "items": [addon("a1", "coredns"), addon("a2", "npd")]
        })))
        .mount(&server)
        .await;
    let client = client(&server);
    let listings = Listings::new(&client);
    let kind = ResourceType::CCE_ADDON;
    let recorded = ObjectRef {
        id: Some("a1".to_owned()),
        natural_key: key("coredns"),
    };
    let read = kind
        .read_listed(&listings, &recorded)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.id.as_deref(), Some("a1"));
    let found = kind
        .find_listed(&listings, &key("npd"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some("a2"));
    assert_eq!(
        kind.find_listed(&listings, &key("volcano")).await.unwrap(),
        None
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    listings.forget_read();
    // Not read: still answered from the list.
    let found = kind
        .find_listed(&listings, &key("npd"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id.as_deref(), Some("a2"));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    // Read, then forgotten: looked up afresh.
    let again = kind
        .find_listed(&listings, &key("coredns"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.id.as_deref(), Some("a1"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

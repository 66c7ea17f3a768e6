//! Signature checking: acceptance, and rejection of a bad signature, an old date, an unknown AK,
//! a missing signature and a tampered body.

use plinth_emulator::{EmulatorOptions, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY};
use reqwest::Method;
use serde_json::json;

use crate::support::{Api, CLUSTER, emulator, install_body, plugins_path};

async fn checking() -> plinth_emulator::RunningEmulator {
    emulator(EmulatorOptions {
        credentials: Some((SANDBOX_ACCESS_KEY.to_owned(), SANDBOX_SECRET_KEY.to_owned())),
        ..EmulatorOptions::default()
    })
    .await
}

fn assert_rejected(answer: &crate::support::Answer, message_part: &str) {
    assert_eq!(answer.status, 401, "{:#}", answer.body);
    assert_eq!(answer.body["error_code"], "APIGW.0301");
    let message = answer.body["error_msg"].as_str().unwrap();
    assert!(
        message.starts_with("Incorrect IAM authentication information: "),
        "{message}"
    );
    assert!(message.contains(message_part), "{message}");
    assert_eq!(
        answer.body["request_id"].as_str(),
        answer.request_id.as_deref(),
        "the body names the request id of the header"
    );
}

#[tokio::test]
async fn signed_requests_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let emulator = emulator(EmulatorOptions::sandbox(
        dir.path().join(".plinth/sandbox.json"),
    ))
    .await;
    let api = Api::signed(&emulator, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY);
    assert_eq!(api.get(&plugins_path("pool-a"), &[]).await.status, 200);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "coredns", None, json!({"custom": {"a b": "ä"}})),
        )
        .await;
    assert_eq!(installed.status, 201, "{:#}", installed.body);
    // Query parameters are part of the signature.
    let listed = api.get("/api/v3/addons", &[("cluster_id", CLUSTER)]).await;
    assert_eq!(listed.status, 200);
    let projects = api.get("/v3/projects", &[("name", "cn-north-4")]).await;
    assert_eq!(projects.status, 200);
    emulator.shutdown().await.unwrap();
    assert!(dir.path().join(".plinth/sandbox.json").exists());
}

#[tokio::test]
async fn wrong_secret_is_rejected() {
    let emulator = checking().await;
    let api = Api::signed(&emulator, SANDBOX_ACCESS_KEY, "not-the-secret");
    assert_rejected(
        &api.get(&plugins_path("pool-a"), &[]).await,
        "verify aksk signature fail",
    );
}

#[tokio::test]
async fn unknown_access_key_is_rejected() {
    let emulator = checking().await;
    let api = Api::signed(&emulator, "AKUNKNOWN000000000", SANDBOX_SECRET_KEY);
    assert_rejected(
        &api.get(&plugins_path("pool-a"), &[]).await,
        "Get secretKey failed,ak:AKUNKNOWN000000000,err:ak not exist",
    );
}

#[tokio::test]
async fn old_or_future_date_is_rejected() {
    let emulator = checking().await;
    let mut api = Api::signed(&emulator, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY);
    for offset in [-16, 16] {
        let date = chrono::Utc::now() + chrono::TimeDelta::minutes(offset);
        api.signer.as_mut().unwrap().date = Some(
            date.format(plinth_cloud::signing::SDK_DATE_FORMAT)
                .to_string(),
        );
        assert_rejected(&api.get(&plugins_path("pool-a"), &[]).await, "15 minutes");
    }
    // Within 15 minutes is fine.
    let date = chrono::Utc::now() - chrono::TimeDelta::minutes(10);
    api.signer.as_mut().unwrap().date = Some(
        date.format(plinth_cloud::signing::SDK_DATE_FORMAT)
            .to_string(),
    );
    assert_eq!(api.get(&plugins_path("pool-a"), &[]).await.status, 200);
}

#[tokio::test]
async fn unsigned_and_tampered_requests_are_rejected() {
    let emulator = checking().await;
    let unsigned = Api::new(&emulator);
    assert_rejected(
        &unsigned.get(&plugins_path("pool-a"), &[]).await,
        "Authorization",
    );
    let api = Api::signed(&emulator, SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY);
    let sent = serde_json::to_vec(&install_body(CLUSTER, "npd", None, json!({}))).unwrap();
    let signed = serde_json::to_vec(&install_body(CLUSTER, "everest", None, json!({}))).unwrap();
    let tampered = api
        .try_call_raw(
            Method::POST,
            "/api/v3/addons",
            &[],
            Some(sent),
            Some(signed),
        )
        .await
        .unwrap();
    assert_rejected(&tampered, "verify aksk signature fail");
    assert!(
        emulator.snapshot().addons.is_empty(),
        "a rejected request changes nothing"
    );
}

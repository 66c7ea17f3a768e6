//! Shared set-up: settings pointing at a local server, fast retries and waits, fixtures.

use std::time::Duration;

use plinth_cloud::signing::{Authorization, SignableRequest, sign_with_headers};
use plinth_cloud::{
    Client, ClientSettings, EndpointOverrides, ResolvedSettings, RetryPolicy, WaitOptions,
};
use wiremock::MockServer;

pub const AK: &str = "AKTESTEXAMPLE0000001";
pub const SK: &str = "SKtestExampleSecretKey000000000000000000";
pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const CLUSTER: &str = "c0ffee00-0000-4000-8000-000000000001";

/// Settings for a server at `uri`: every endpoint overridden, retries and waits fast.
pub fn settings_for(uri: &str, project_id: Option<&str>) -> ResolvedSettings {
    let mut settings = ClientSettings {
        region: Some("cn-north-4".to_owned()),
        project_id: project_id.map(str::to_owned),
        access_key: Some(AK.to_owned()),
        secret_key: Some(SK.to_owned()),
        endpoints: EndpointOverrides {
            modelarts: Some(uri.to_owned()),
            cce: Some(uri.to_owned()),
            iam: Some(uri.to_owned()),
        },
        ..ClientSettings::default()
    }
    .resolve(|_| None)
    .unwrap();
    settings.retry = RetryPolicy {
        base: Duration::from_millis(10),
        cap: Duration::from_millis(50),
        ..RetryPolicy::default()
    };
    settings.wait = WaitOptions {
        first_poll: Duration::from_millis(20),
        fraction: 0.1,
        max_interval: Duration::from_millis(100),
        timeout: Duration::from_secs(5),
    };
    settings
}

pub fn client(server: &MockServer) -> Client {
    Client::new(settings_for(&server.uri(), Some(PROJECT))).unwrap()
}

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
}

/// A header of a received request.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Verifies a received request's signature the way a server does: with the header names the
/// client listed, the request as it arrived, and the secret key. Answers the signed header names.
pub fn verify_signature(request: &wiremock::Request) -> Vec<String> {
    let authorization =
        Authorization::parse(header(request, "authorization").expect("no Authorization header"))
            .expect("not an SDK-HMAC-SHA256 Authorization header");
    assert_eq!(authorization.access_key, AK);
    let headers: Vec<(String, String)> = request
        .headers
        .iter()
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap().to_owned()))
        .collect();
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    let expected = sign_with_headers(
        &SignableRequest {
            method: request.method.as_str(),
            path: request.url.path(),
            query: &query,
            headers: &headers,
            body: &request.body,
        },
        &authorization.signed_headers,
        SK,
    );
    assert_eq!(
        expected.signature, authorization.signature,
        "signature mismatch; server's canonical request:\n{}",
        expected.canonical_request
    );
    authorization.signed_headers
}

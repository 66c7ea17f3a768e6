//! A small signed HTTP client for the tests, and helpers shared by them.

use std::time::Duration;

use plinth_cloud::signing::{SDK_DATE_FORMAT, SignableRequest, sign};
use plinth_emulator::{EmulatorOptions, RunningEmulator, start};
use reqwest::Method;
use serde_json::{Value, json};

pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const CLUSTER: &str = "c0ffee00-0000-4000-8000-000000000001";
pub const CLUSTER_2: &str = "c0ffee00-0000-4000-8000-000000000002";
pub const AUTOPILOT: &str = "a1b2c3d4-0000-4000-8000-000000000001";

/// An answer: status, request id header and JSON body (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub request_id: Option<String>,
    pub retry_after: Option<String>,
    pub body: Value,
}

/// How a test signs its requests.
#[derive(Debug, Clone)]
pub struct Signer {
    pub access_key: String,
    pub secret_key: String,
    /// `X-Sdk-Date` to send instead of now.
    pub date: Option<String>,
}

/// A client of one emulator.
#[derive(Debug, Clone)]
pub struct Api {
    base: String,
    host: String,
    client: reqwest::Client,
    pub signer: Option<Signer>,
}

impl Api {
    pub fn new(emulator: &RunningEmulator) -> Self {
        Self {
            base: emulator.base_url(),
            host: emulator.addr().to_string(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
            signer: None,
        }
    }

    pub fn signed(emulator: &RunningEmulator, access_key: &str, secret_key: &str) -> Self {
        Self {
            signer: Some(Signer {
                access_key: access_key.to_owned(),
                secret_key: secret_key.to_owned(),
                date: None,
            }),
            ..Self::new(emulator)
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call(Method::GET, path, query, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        self.call(Method::POST, path, &[], Some(body)).await
    }

    pub async fn put(&self, path: &str, query: &[(&str, &str)], body: &Value) -> Answer {
        self.call(Method::PUT, path, query, Some(body)).await
    }

    pub async fn delete(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        self.call(Method::DELETE, path, query, None).await
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Answer {
        let body = body.map(|body| serde_json::to_vec(body).unwrap());
        self.try_call_raw(method, path, query, body, None)
            .await
            .unwrap()
    }

    /// Sends `body` bytes; signs `signed_body` instead when given (to tamper with a request).
    pub async fn try_call_raw(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
        signed_body: Option<Vec<u8>>,
    ) -> Result<Answer, reqwest::Error> {
        let mut headers: Vec<(String, String)> = vec![("Host".to_owned(), self.host.clone())];
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        if let Some(signer) = &self.signer {
            let date = signer
                .date
                .clone()
                .unwrap_or_else(|| chrono::Utc::now().format(SDK_DATE_FORMAT).to_string());
            headers.push(("X-Sdk-Date".to_owned(), date));
            headers.push(("X-Project-Id".to_owned(), PROJECT.to_owned()));
            let query: Vec<(String, String)> = query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            let signed = signed_body.as_ref().or(body.as_ref());
            let signature = sign(
                &SignableRequest {
                    method: method.as_str(),
                    path,
                    query: &query,
                    headers: &headers,
                    body: signed.map_or(&[][..], Vec::as_slice),
                },
                &signer.secret_key,
            );
            headers.push((
                "Authorization".to_owned(),
                signature.authorization(&signer.access_key),
            ));
        }
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .query(query);
        for (name, value) in &headers {
            request = request.header(name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let request_id = header("x-request-id");
        let retry_after = header("retry-after");
        let bytes = response.bytes().await?;
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Ok(Answer {
            status,
            request_id,
            retry_after,
            body,
        })
    }
}

pub async fn emulator(options: EmulatorOptions) -> RunningEmulator {
    start(options).await.unwrap()
}

pub fn plugins_path(pool: &str) -> String {
    format!("/v2/{PROJECT}/pools/{pool}/plugins")
}

pub fn install_body(cluster: &str, template: &str, version: Option<&str>, values: Value) -> Value {
    let mut body = json!({
        "kind": "Addon",
        "apiVersion": "v3",
        "metadata": {"annotations": {"addon.install/type": "install"}},
        "spec": {"clusterID": cluster, "addonTemplateName": template},
    });
    body["spec"]["values"] = values;
    if let Some(version) = version {
        body["spec"]["version"] = json!(version);
    }
    body
}

pub fn upgrade_body(cluster: &str, template: &str, version: &str, values: Value) -> Value {
    let mut body = json!({
        "kind": "Addon",
        "apiVersion": "v3",
        "metadata": {"annotations": {"addon.upgrade/type": "upgrade"}},
        "spec": {"clusterID": cluster, "addonTemplateName": template, "version": version},
    });
    body["spec"]["values"] = values;
    body
}

pub fn plugin_body(template: &str, version: Option<&str>, inputs: Option<Value>) -> Value {
    let mut body =
        json!({"apiVersion": "v2", "kind": "Plugin", "spec": {"template": {"name": template}}});
    if let Some(version) = version {
        body["spec"]["template"]["version"] = json!(version);
    }
    if let Some(inputs) = inputs {
        body["spec"]["template"]["inputs"] = inputs;
    }
    body
}

/// Options with a given operation time.
pub fn with_op(op: Duration) -> EmulatorOptions {
    EmulatorOptions {
        op_duration: op,
        ..EmulatorOptions::default()
    }
}

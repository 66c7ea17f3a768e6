//! The HTTP client: URLs, signing, retries, and one typed method per API call.

use std::sync::Arc;
use std::time::SystemTime;

use plinth_core::AddonApi;
use reqwest::{Method, StatusCode, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use crate::error::{ApiError, CloudError, Service, SettingsError, TimeLimit};
use crate::listing::SharedLists;
use crate::model::{
    Addon, AddonList, AddonRequest, AddonTemplateList, Plugin, PluginList, PluginRequest,
    PluginTemplateList, ProjectList, decode,
};
use crate::retry::parse_retry_after;
use crate::settings::{Credentials, ResolvedSettings};
use crate::signing::{SDK_DATE_FORMAT, SDK_DATE_HEADER, SignableRequest, sign};
use crate::throttle::{LimitKey, Throttle};

/// The first two path segments of an add-on API.
pub(crate) fn addon_path(api: AddonApi) -> [&'static str; 2] {
    match api {
        AddonApi::Cce => ["api", "v3"],
        AddonApi::Autopilot => ["autopilot", "v3"],
    }
}

/// The Huawei Cloud client. Cheap to clone (clones share the connection pool and the project id
/// looked up once).
///
/// Every call is signed (or carries the token), retried on throttling, server errors and broken
/// connections as [`crate::RetryPolicy`] says, and answers either the decoded body or a
/// [`CloudError`]. A create is never sent twice when its outcome is unknown.
///
/// Every call is bounded in time: `connect_timeout` to connect, `request_timeout` for the whole
/// exchange. A call that timed out is tried once more if it was not sent (no connection) or is a
/// read (`GET`); a call that changes something and got no answer in time is not sent again (the
/// cloud may still be carrying it out): it is [`CloudError::OutcomeUnknown`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    settings: ResolvedSettings,
    /// The project id, or why it could not be looked up: a failed lookup (already retried) is
    /// not repeated by every call waiting for it, one after the other.
    project_id: OnceCell<Result<String, CloudError>>,
    /// The lists sent or scheduled, which reads and waits of one cluster or pool share.
    lists: SharedLists,
    /// The request rate of each service, slowed down when the gateway throttles.
    throttle: Throttle,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("settings", &self.inner.settings)
            .finish_non_exhaustive()
    }
}

/// One call as the retry loop sees it.
struct Call {
    service: Service,
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
    /// Whether sending it twice does no harm. A create is not: when its outcome is unknown it
    /// is reported, never re-sent.
    idempotent: bool,
    project_id: Option<String>,
}

enum Attempt {
    Answer {
        status: StatusCode,
        request_id: Option<String>,
        retry_after: Option<std::time::Duration>,
        body: Vec<u8>,
    },
    /// No connection could be made: the request was provably not sent.
    NotSent(String),
    /// The request may have reached the server (timeout, broken connection).
    Lost(String),
    /// The request could not even be built (an invalid header value).
    Invalid(String),
    /// A time limit ran out: no connection (the request was not sent), or no whole answer (the
    /// request may have been received, and the cloud may still be working on it).
    TimedOut(TimeLimit),
}

/// How many times a call that timed out is tried again: once, in case the delay was a passing
/// one. Each attempt costs the whole limit, and a service that did not answer in it seldom
/// answers the next time, so a silent endpoint fails after about twice `request_timeout`, not
/// after every retry of [`crate::RetryPolicy`].
const TIMEOUT_RETRIES: u32 = 1;

impl Client {
    /// A client for `settings`.
    pub fn new(settings: ResolvedSettings) -> Result<Self, CloudError> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(concat!("plinth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| SettingsError::HttpClient(error.to_string()))?;
        let project_id = OnceCell::new_with(settings.project_id.clone().map(Ok));
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                settings,
                project_id,
                lists: SharedLists::default(),
                throttle: Throttle::default(),
            }),
        })
    }

    /// The settings the client was built from.
    pub fn settings(&self) -> &ResolvedSettings {
        &self.inner.settings
    }

    /// The lists this client shares between its callers.
    pub(crate) fn lists(&self) -> &SharedLists {
        &self.inner.lists
    }

    /// The project id: the configured one, or the id IAM gives for the region, looked up once
    /// (`GET {iam}/v3/projects?name={region}`) and kept for the client's life, as is the error
    /// when the lookup fails.
    pub async fn project_id(&self) -> Result<&str, CloudError> {
        self.inner
            .project_id
            .get_or_init(|| self.lookup_project_id())
            .await
            .as_deref()
            .map_err(Clone::clone)
    }

    async fn lookup_project_id(&self) -> Result<String, CloudError> {
        let region = &self.inner.settings.region;
        let url = self.url(Service::Iam, None, &["v3", "projects"], &[("name", region)])?;
        let list: ProjectList = self
            .json(Service::Iam, Method::GET, url, None, None)
            .await?;
        list.projects
            .iter()
            .find(|project| project.name == *region)
            .or(list.projects.first())
            .map(|project| project.id.clone())
            .ok_or_else(|| CloudError::ProjectNotFound {
                region: region.clone(),
            })
    }

    /// ModelArts: the plug-ins of a pool (seed 000).
    pub async fn list_plugins(&self, pool_name: &str) -> Result<PluginList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.modelarts_url(&project, &["pools", pool_name, "plugins"], &[])?;
        self.json(Service::ModelArts, Method::GET, url, Some(project), None)
            .await
    }

    /// ModelArts: installs a plug-in (seed 001). Not retried once it may have been received.
    pub async fn create_plugin(
        &self,
        pool_name: &str,
        request: &PluginRequest,
    ) -> Result<Plugin, CloudError> {
        self.post_plugin(pool_name, request, PluginPost::Install)
            .await
    }

    /// ModelArts: upgrades an installed plug-in or changes its inputs: the same `POST` as a create,
    /// with ALL inputs (seed 001). Sending the same full request twice does no harm, so it is
    /// retried like a `PUT`.
    pub async fn upgrade_plugin(
        &self,
        pool_name: &str,
        request: &PluginRequest,
    ) -> Result<Plugin, CloudError> {
        self.post_plugin(pool_name, request, PluginPost::Upgrade)
            .await
    }

    async fn post_plugin(
        &self,
        pool_name: &str,
        request: &PluginRequest,
        post: PluginPost,
    ) -> Result<Plugin, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.modelarts_url(&project, &["pools", pool_name, "plugins"], &[])?;
        let body = to_body(request);
        let call = Call {
            service: Service::ModelArts,
            method: Method::POST,
            url,
            body: Some(body),
            // An upgrade to a version sent twice is the same upgrade; an install is not.
            idempotent: post == PluginPost::Upgrade,
            project_id: Some(project),
        };
        let body = self.execute(&call).await?;
        decode_answer(&call, &body)
    }

    /// ModelArts: removes a plug-in (seed 003); the answer is the plug-in removed.
    pub async fn delete_plugin(
        &self,
        pool_name: &str,
        template_name: &str,
    ) -> Result<(), CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.modelarts_url(
            &project,
            &["pools", pool_name, "plugins", template_name],
            &[],
        )?;
        self.empty(Service::ModelArts, Method::DELETE, url, Some(project))
            .await
    }

    /// ModelArts: plug-in templates and their versions, optionally filtered.
    pub async fn list_plugin_templates(
        &self,
        template_name: Option<&str>,
        pool_name: Option<&str>,
    ) -> Result<PluginTemplateList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let mut query = Vec::new();
        if let Some(name) = template_name {
            query.push(("templateName", name));
        }
        if let Some(pool) = pool_name {
            query.push(("poolName", pool));
        }
        let url = self.modelarts_url(&project, &["plugintemplates"], &query)?;
        self.json(Service::ModelArts, Method::GET, url, Some(project), None)
            .await
    }

    /// CCE / Autopilot: one add-on by id (seeds 002, 004). A missing add-on is an error for which
    /// [`CloudError::is_not_found`] holds.
    pub async fn get_addon(
        &self,
        api: AddonApi,
        cluster_id: Option<&str>,
        id: &str,
    ) -> Result<Addon, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.addon_url(api, cluster_id, Some(id), ClusterIdIn::Query)?;
        self.json(Service::Cce, Method::GET, url, Some(project), None)
            .await
    }

    /// CCE / Autopilot: the add-ons of a cluster.
    pub async fn list_addons(
        &self,
        api: AddonApi,
        cluster_id: &str,
    ) -> Result<AddonList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.addon_url(api, Some(cluster_id), None, ClusterIdIn::Query)?;
        self.json(Service::Cce, Method::GET, url, Some(project), None)
            .await
    }

    /// CCE / Autopilot: installs an add-on (201). Not retried once it may have been received.
    pub async fn install_addon(
        &self,
        api: AddonApi,
        request: &AddonRequest,
    ) -> Result<Addon, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.addon_url(api, Some(&request.spec.cluster_id), None, ClusterIdIn::Body)?;
        let call = Call {
            service: Service::Cce,
            method: Method::POST,
            url,
            body: Some(to_body(request)),
            idempotent: false,
            project_id: Some(project),
        };
        let body = self.execute(&call).await?;
        decode_answer(&call, &body)
    }

    /// CCE / Autopilot: upgrades an add-on or changes its values (`PUT`, full values).
    pub async fn upgrade_addon(
        &self,
        api: AddonApi,
        id: &str,
        request: &AddonRequest,
    ) -> Result<Addon, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.addon_url(
            api,
            Some(&request.spec.cluster_id),
            Some(id),
            ClusterIdIn::Body,
        )?;
        self.json(
            Service::Cce,
            Method::PUT,
            url,
            Some(project),
            Some(to_body(request)),
        )
        .await
    }

    /// CCE / Autopilot: uninstalls an add-on.
    pub async fn delete_addon(
        &self,
        api: AddonApi,
        cluster_id: Option<&str>,
        id: &str,
    ) -> Result<(), CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.addon_url(api, cluster_id, Some(id), ClusterIdIn::Query)?;
        self.empty(Service::Cce, Method::DELETE, url, Some(project))
            .await
    }

    /// CCE / Autopilot: the add-on templates and their versions, optionally only one template.
    pub async fn list_addon_templates(
        &self,
        api: AddonApi,
        template_name: Option<&str>,
    ) -> Result<AddonTemplateList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let [first, second] = addon_path(api);
        let query: Vec<(&str, &str)> = template_name
            .map(|name| vec![("addon_template_name", name)])
            .unwrap_or_default();
        let url = self.url(
            Service::Cce,
            None,
            &[first, second, "addontemplates"],
            &query,
        )?;
        self.json(Service::Cce, Method::GET, url, Some(project), None)
            .await
    }

    pub(crate) fn modelarts_url(
        &self,
        project_id: &str,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, CloudError> {
        let mut path = vec!["v2", project_id];
        path.extend_from_slice(segments);
        self.url(Service::ModelArts, None, &path, query)
    }

    /// `/{prefix}/addons[/{id}][?cluster_id=]`. The cluster id goes in the query or the body, as
    /// `carried` says.
    fn addon_url(
        &self,
        api: AddonApi,
        cluster_id: Option<&str>,
        id: Option<&str>,
        carried: ClusterIdIn,
    ) -> Result<Url, CloudError> {
        let [first, second] = addon_path(api);
        let mut path = vec![first, second, "addons"];
        path.extend(id);
        let query: Vec<(&str, &str)> = match cluster_id {
            Some(cluster) if carried == ClusterIdIn::Query => vec![("cluster_id", cluster)],
            _ => Vec::new(),
        };
        let base = match (api, cluster_id) {
            (AddonApi::Cce, Some(cluster)) => Some(self.inner.settings.cce_addon_endpoint(cluster)),
            _ => None,
        };
        self.url(Service::Cce, base, &path, &query)
    }

    pub(crate) fn url(
        &self,
        service: Service,
        base: Option<String>,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<Url, CloudError> {
        let base = base.unwrap_or_else(|| self.inner.settings.endpoint(service));
        let invalid = || SettingsError::InvalidEndpoint {
            name: service.as_str(),
            value: base.clone(),
        };
        let mut url = Url::parse(&base).map_err(|_| invalid())?;
        url.path_segments_mut()
            .map_err(|()| invalid())?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        Ok(url)
    }

    pub(crate) async fn json<T: DeserializeOwned>(
        &self,
        service: Service,
        method: Method,
        url: Url,
        project_id: Option<String>,
        body: Option<Vec<u8>>,
    ) -> Result<T, CloudError> {
        let call = Call {
            service,
            idempotent: method != Method::POST,
            method,
            url,
            body,
            project_id,
        };
        let body = self.execute(&call).await?;
        decode_answer(&call, &body)
    }

    async fn empty(
        &self,
        service: Service,
        method: Method,
        url: Url,
        project_id: Option<String>,
    ) -> Result<(), CloudError> {
        let call = Call {
            service,
            idempotent: method != Method::POST,
            method,
            url,
            body: None,
            project_id,
        };
        self.execute(&call).await.map(drop)
    }

    /// Sends `call` until it succeeds, fails for good, or runs out of retries; answers the body of
    /// a 2xx answer.
    async fn execute(&self, call: &Call) -> Result<Vec<u8>, CloudError> {
        let policy = &self.inner.settings.retry;
        let limit = limit_key(call);
        let mut retries = 0;
        let mut timeouts = 0;
        loop {
            // Paced when the gateway throttled this service: every call of the client waits its
            // turn, so the retries of many calls do not storm the gateway.
            let sent = self.inner.throttle.ready(&limit).await;
            let attempt = self.attempt(call).await;
            match &attempt {
                Attempt::Answer {
                    status,
                    retry_after,
                    ..
                } if *status == StatusCode::TOO_MANY_REQUESTS => {
                    let pause = retry_after.map_or(std::time::Duration::ZERO, |delay| {
                        delay.min(policy.max_retry_after)
                    });
                    self.inner.throttle.throttled(&limit, sent, pause);
                }
                Attempt::Answer { .. } => self.inner.throttle.answered(&limit),
                _ => {}
            }
            let (error, retry_after) = match attempt {
                Attempt::Answer { status, body, .. } if status.is_success() => return Ok(body),
                Attempt::Answer {
                    status,
                    request_id,
                    retry_after,
                    body,
                } => {
                    let error = ApiError::from_response(
                        call.service,
                        call.method.as_str(),
                        call.url.as_str(),
                        status.as_u16(),
                        &body,
                        request_id,
                    );
                    if !error.is_retryable() {
                        return Err(error.into());
                    }
                    // A throttled call was not processed; a server error on a create may have
                    // been, after all.
                    if !call.idempotent && status != StatusCode::TOO_MANY_REQUESTS {
                        return Err(outcome_unknown(call, error.to_string()));
                    }
                    (CloudError::from(error), retry_after)
                }
                Attempt::Lost(message) if !call.idempotent => {
                    return Err(outcome_unknown(call, message));
                }
                Attempt::NotSent(message) | Attempt::Lost(message) => {
                    (transport(call, message), None)
                }
                Attempt::Invalid(message) => {
                    return Err(SettingsError::HttpClient(message).into());
                }
                Attempt::TimedOut(limit) => {
                    let error = self.timed_out(call, limit, retries + 1);
                    if limit == TimeLimit::Request && call.method != Method::GET {
                        let timeout = self.limit(limit);
                        return Err(outcome_unknown(
                            call,
                            format!(
                                "no answer within {} (`{}`)",
                                crate::error::human_duration(timeout),
                                limit.setting()
                            ),
                        ));
                    }
                    if timeouts >= TIMEOUT_RETRIES {
                        return Err(error);
                    }
                    timeouts += 1;
                    (error, None)
                }
            };
            if retries >= policy.max_retries {
                return Err(error);
            }
            tokio::time::sleep(policy.delay(retries, retry_after)).await;
            retries += 1;
        }
    }

    /// One signed exchange.
    async fn attempt(&self, call: &Call) -> Attempt {
        let headers = self.headers(call);
        let mut request = self
            .inner
            .http
            .request(call.method.clone(), call.url.clone());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        if let Some(body) = &call.body {
            request = request.body(body.clone());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) if error.is_builder() => return Attempt::Invalid(error_chain(&error)),
            Err(error) if error.is_timeout() && error.is_connect() => {
                return Attempt::TimedOut(TimeLimit::Connect);
            }
            Err(error) if error.is_timeout() => return Attempt::TimedOut(TimeLimit::Request),
            Err(error) if error.is_connect() => return Attempt::NotSent(error_chain(&error)),
            Err(error) => return Attempt::Lost(error_chain(&error)),
        };
        let status = response.status();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header("x-request-id");
        let retry_after =
            header("retry-after").and_then(|value| parse_retry_after(&value, SystemTime::now()));
        match response.bytes().await {
            Ok(body) => Attempt::Answer {
                status,
                request_id,
                retry_after,
                body: body.to_vec(),
            },
            Err(error) if error.is_timeout() => Attempt::TimedOut(TimeLimit::Request),
            Err(error) => Attempt::Lost(error_chain(&error)),
        }
    }

    /// The value of a time limit.
    fn limit(&self, limit: TimeLimit) -> std::time::Duration {
        match limit {
            TimeLimit::Connect => self.inner.settings.connect_timeout,
            TimeLimit::Request => self.inner.settings.request_timeout,
        }
    }

    fn timed_out(&self, call: &Call, limit: TimeLimit, attempts: u32) -> CloudError {
        CloudError::TimedOut {
            service: call.service,
            method: call.method.to_string(),
            url: call.url.to_string(),
            limit,
            timeout: self.limit(limit),
            attempts,
        }
    }

    /// The headers of one attempt, `Authorization` (or `X-Auth-Token`) last. A fresh `X-Sdk-Date`
    /// each time, so a retry is not rejected as stale.
    fn headers(&self, call: &Call) -> Vec<(String, String)> {
        let mut headers = vec![
            ("Host".to_owned(), host_header(&call.url)),
            (
                SDK_DATE_HEADER.to_owned(),
                chrono::Utc::now().format(SDK_DATE_FORMAT).to_string(),
            ),
        ];
        if let Some(project) = &call.project_id {
            headers.push(("X-Project-Id".to_owned(), project.clone()));
        }
        if call.body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        match &self.inner.settings.credentials {
            Credentials::AccessKey {
                key,
                security_token,
            } => {
                if let Some(token) = security_token {
                    headers.push(("X-Security-Token".to_owned(), token.clone()));
                }
                let query: Vec<(String, String)> = call
                    .url
                    .query_pairs()
                    .map(|(name, value)| (name.into_owned(), value.into_owned()))
                    .collect();
                let signature = sign(
                    &SignableRequest {
                        method: call.method.as_str(),
                        path: call.url.path(),
                        query: &query,
                        headers: &headers,
                        body: call.body.as_deref().unwrap_or_default(),
                    },
                    key.secret_key(),
                );
                headers.push((
                    "Authorization".to_owned(),
                    signature.authorization(key.access_key()),
                ));
            }
            Credentials::Token(token) => {
                headers.push(("X-Auth-Token".to_owned(), token.clone()));
            }
        }
        headers
    }
}

/// The calls that share a rate with `call`: its host's, under the same first path segment (CCE's
/// `/api` and Autopilot's `/autopilot` are limited apart; ModelArts' `/v2` and IAM's `/v3` are
/// on hosts of their own in the cloud).
fn limit_key(call: &Call) -> LimitKey {
    LimitKey {
        host: host_header(&call.url),
        api: call
            .url
            .path_segments()
            .and_then(|mut segments| segments.next())
            .unwrap_or_default()
            .to_owned(),
    }
}

/// `host` or `host:port` when the port is not the scheme's default, as the server sees it.
fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

fn to_body(value: &impl Serialize) -> Vec<u8> {
    // Serialising plain structs of strings and JSON values cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn decode_answer<T: DeserializeOwned>(call: &Call, body: &[u8]) -> Result<T, CloudError> {
    decode(body).map_err(|error| CloudError::Decode {
        service: call.service,
        method: call.method.to_string(),
        url: call.url.to_string(),
        message: error.to_string(),
    })
}

fn transport(call: &Call, message: String) -> CloudError {
    CloudError::Transport {
        service: call.service,
        method: call.method.to_string(),
        url: call.url.to_string(),
        message,
    }
}

fn outcome_unknown(call: &Call, cause: String) -> CloudError {
    CloudError::OutcomeUnknown {
        // Only a create is sent as a call that is not idempotent.
        creates: !call.idempotent,
        service: call.service,
        method: call.method.to_string(),
        url: call.url.to_string(),
        cause,
    }
}

/// The error and its sources, `: `-joined (reqwest's own message alone says little).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Which plug-in call a POST to a pool's plug-ins is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PluginPost {
    /// Install: not retried once it may have reached the cloud.
    Install,
    /// Upgrade: retried, as sending it twice does no harm.
    Upgrade,
}

/// Where an add-on call carries its cluster id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClusterIdIn {
    /// In the query (reads, lists, deletes).
    Query,
    /// In the body (install and upgrade).
    Body,
}

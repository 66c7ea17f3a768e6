//! What can go wrong talking to Huawei Cloud, with what the user needs to act on it.

use std::fmt;
use std::time::Duration;

use crate::model::{ErrorBody, decode};

/// The Huawei Cloud service a call went to; it names the service in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// ModelArts (pool plug-ins).
    ModelArts,
    /// CCE and CCE Autopilot (add-ons).
    Cce,
    /// IAM (project lookup).
    Iam,
}

impl Service {
    /// The lowercase service name, also the first label of its host name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ModelArts => "modelarts",
            Self::Cce => "cce",
            Self::Iam => "iam",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer of the cloud: status, code, message and request id, and the call that got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The service that answered.
    pub service: Service,
    /// The HTTP status.
    pub status: u16,
    /// The HTTP method of the call.
    pub method: String,
    /// The URL of the call. It never holds a secret: credentials travel in headers.
    pub url: String,
    /// The cloud's error code, e.g. `CCE.01400001`, when the body had one.
    pub code: Option<String>,
    /// The cloud's message, or the start of a body that was not JSON.
    pub message: String,
    /// The `X-Request-Id` header (or the body's `request_id`), for Huawei Cloud support.
    pub request_id: Option<String>,
}

impl ApiError {
    /// Builds the error from an answer's status, body and `X-Request-Id` header, whatever the
    /// body's shape (see [`ErrorBody`]); a body that is not JSON becomes the message, shortened.
    pub fn from_response(
        service: Service,
        method: &str,
        url: &str,
        status: u16,
        body: &[u8],
        request_id: Option<String>,
    ) -> Self {
        let parsed: Option<ErrorBody> = decode(body).ok();
        // IAM's numeric code only repeats the status.
        let code = parsed
            .as_ref()
            .and_then(ErrorBody::code)
            .filter(|code| *code != status.to_string());
        let message = parsed
            .as_ref()
            .and_then(ErrorBody::message)
            .unwrap_or_else(|| body_excerpt(body));
        let request_id = request_id
            .filter(|id| !id.is_empty())
            .or_else(|| parsed.and_then(|body| body.request_id));
        Self {
            service,
            status,
            method: method.to_owned(),
            url: url.to_owned(),
            code,
            message,
            request_id,
        }
    }

    /// Whether the same call may succeed later: throttling (429) and server errors (500, 502, 503,
    /// 504).
    pub fn is_retryable(&self) -> bool {
        matches!(self.status, 429 | 500 | 502 | 503 | 504)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} returned {}", self.service, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if self.message.is_empty() {
            write!(f, " to {} {}", self.method, self.url)?;
        } else {
            write!(f, ": {}", self.message)?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        Ok(())
    }
}

/// The errors of the cloud client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CloudError {
    /// The cloud answered with an error status. A 404 is [`CloudError::is_not_found`].
    #[error("{0}")]
    Api(Box<ApiError>),

    /// The service could not be reached, or the connection broke, and retrying did not help.
    #[error("cannot reach {service} for {method} {url}: {message}")]
    Transport {
        /// The service called.
        service: Service,
        /// HTTP method.
        method: String,
        /// URL of the call.
        url: String,
        /// What went wrong, as the HTTP library said it.
        message: String,
    },

    /// A call that changes something was sent but its answer was lost: a create (`POST`) after a
    /// timeout, a broken connection or a server error, an update or a delete after a timeout
    /// (the cloud may still be working on it). It is never sent again blindly: a create's object
    /// may or may not exist now (look it up by its natural key); an update's or a delete's effect
    /// is read by the next refresh.
    #[error(
        "the outcome of {method} {url} is unknown ({cause}); {}",
        outcome_advice(*.creates)
    )]
    OutcomeUnknown {
        /// Whether the call creates an object (then it may exist now).
        creates: bool,
        /// The service called.
        service: Service,
        /// HTTP method.
        method: String,
        /// URL of the call.
        url: String,
        /// Why the outcome is unknown.
        cause: String,
    },

    /// A call got no connection, or no answer, within its time limit on every attempt allowed
    /// (a read that timed out is sent once more; see [`crate::Client`]).
    #[error(
        "{}\n\nhint: check that `{}` is the right endpoint and that it answers from here; {}",
        timed_out_summary(*.service, method, url, *.limit, *.timeout, *.attempts),
        origin(url),
        limit.advice()
    )]
    TimedOut {
        /// The service called.
        service: Service,
        /// HTTP method.
        method: String,
        /// URL of the call.
        url: String,
        /// Which limit ran out.
        limit: TimeLimit,
        /// Its value.
        timeout: Duration,
        /// How many times the call was sent (or a connection tried).
        attempts: u32,
    },

    /// A success answer whose body is not what the API documents.
    #[error("{service} answered {method} {url} with an unexpected body: {message}")]
    Decode {
        /// The service called.
        service: Service,
        /// HTTP method.
        method: String,
        /// URL of the call.
        url: String,
        /// The JSON error.
        message: String,
    },

    /// Credentials, region or an endpoint are missing or wrong.
    #[error(transparent)]
    Settings(#[from] SettingsError),

    /// IAM knows no project named after the region.
    #[error(
        "iam has no project named `{region}`\n\nhint: set `project_id` in the provider block or `HW_PROJECT_ID`"
    )]
    ProjectNotFound {
        /// The region, which names its project.
        region: String,
    },

    /// The remote operation ended in a failed state.
    #[error("{what} failed with status `{status}`{}", reason_suffix(.reason.as_deref(), .message.as_deref()))]
    OperationFailed {
        /// What was waited for, e.g. `cce add-on coredns (id ...) in cluster ...`.
        what: String,
        /// The failed status, e.g. `installFailed`.
        status: String,
        /// The cloud's reason (`Reason`/`reason`), when not empty.
        reason: Option<String>,
        /// The cloud's message, when not empty.
        message: Option<String>,
    },

    /// The object disappeared while waiting for it to become ready.
    #[error("{what} disappeared while waiting for it to become ready")]
    Disappeared {
        /// What was waited for.
        what: String,
    },

    /// Waiting took longer than the operation's timeout.
    #[error("timed out after {} waiting for {what}; last status `{}`", human_duration(*.timeout), .last_status.as_deref().unwrap_or("none"))]
    Timeout {
        /// What was waited for.
        what: String,
        /// The timeout that ran out.
        timeout: Duration,
        /// The last status seen, if any poll answered.
        last_status: Option<String>,
    },

    /// An import id not of the form the resource type expects.
    #[error("`{id}` is not a valid import id for `{resource_type}`: expected {expected}")]
    InvalidImportId {
        /// The resource type.
        resource_type: &'static str,
        /// The id given.
        id: String,
        /// The accepted forms.
        expected: String,
    },

    /// Desired attributes the resource type cannot work with (a required one missing, a wrong type).
    #[error("`{resource_type}`: {message}")]
    InvalidAttributes {
        /// The resource type.
        resource_type: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl CloudError {
    /// Whether the same call may succeed later (throttling, server errors, unreachable service).
    /// An [`CloudError::OutcomeUnknown`] is not: resolve it by looking the object up.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(error) => error.is_retryable(),
            Self::Transport { .. } | Self::TimedOut { .. } => true,
            _ => false,
        }
    }

    /// Whether the cloud answered 404: the object does not exist (a normal answer for reads and
    /// waits for a deletion).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api(error) if error.status == 404)
    }

    /// The cloud's error answer, if this is one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(error) => Some(error),
            _ => None,
        }
    }
}

/// What a masked secret is shown as.
pub const MASKED: &str = "(sensitive value)";

impl CloudError {
    /// Replaces every occurrence of each of `secrets` (the sensitive values a request sent) in
    /// the error's texts with `(sensitive value)`: a cloud that quotes a field of the request
    /// in its message (`version 1.2.3-x of addon template ... does not exist`), or a URL that
    /// holds one, shows no secret. The longest secrets are masked first, so that one inside
    /// another is not left half-shown; empty strings are ignored.
    pub fn mask(&mut self, secrets: &[String]) {
        let mut ordered: Vec<&str> = secrets
            .iter()
            .map(String::as_str)
            .filter(|s| !s.is_empty())
            .collect();
        if ordered.is_empty() {
            return;
        }
        ordered.sort_by_key(|s| std::cmp::Reverse(s.len()));
        let mask = |text: &mut String| {
            for secret in &ordered {
                if text.contains(secret) {
                    *text = text.replace(secret, MASKED);
                }
            }
        };
        match self {
            Self::Api(error) => {
                mask(&mut error.url);
                mask(&mut error.message);
            }
            Self::Transport { url, message, .. } | Self::Decode { url, message, .. } => {
                mask(url);
                mask(message);
            }
            Self::OutcomeUnknown { url, cause, .. } => {
                mask(url);
                mask(cause);
            }
            Self::TimedOut { url, .. } => mask(url),
            Self::OperationFailed {
                what,
                reason,
                message,
                ..
            } => {
                mask(what);
                reason.iter_mut().chain(message.iter_mut()).for_each(mask);
            }
            Self::Disappeared { what } => mask(what),
            Self::Timeout {
                what, last_status, ..
            } => {
                mask(what);
                last_status.iter_mut().for_each(mask);
            }
            Self::InvalidImportId { id, .. } => mask(id),
            Self::InvalidAttributes { message, .. } => mask(message),
            Self::ProjectNotFound { region } => mask(region),
            Self::Settings(_) => {}
        }
    }
}

impl From<ApiError> for CloudError {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

/// The time limits of one HTTP call, set in the provider block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeLimit {
    /// `connect_timeout`: opening the connection (TCP and TLS).
    Connect,
    /// `request_timeout`: the whole exchange, from sending the request to the last byte of the
    /// answer.
    Request,
}

impl TimeLimit {
    /// The provider block's argument that sets it.
    pub fn setting(self) -> &'static str {
        match self {
            Self::Connect => "connect_timeout",
            Self::Request => "request_timeout",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Self::Connect => {
                "a firewall that drops packets looks like this; on a slow network, raise `connect_timeout` in the provider block (e.g. `connect_timeout = \"30s\"`)"
            }
            Self::Request => {
                "if the service is only slow, raise `request_timeout` in the provider block (e.g. `request_timeout = \"120s\"`)"
            }
        }
    }
}

/// Missing or contradictory provider settings. Messages name the settings and environment
/// variables that fix them, never a secret value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// Neither AK/SK nor a token.
    #[error(
        "no Huawei Cloud credentials found\n\nhint: set `access_key` and `secret_key` in the provider block, or the environment variables `HW_ACCESS_KEY` and `HW_SECRET_KEY` (or `HUAWEICLOUD_SDK_AK` and `HUAWEICLOUD_SDK_SK`)"
    )]
    MissingCredentials,
    /// One half of the key pair.
    #[error(
        "`{missing}` is missing while `{present}` is set\n\nhint: set `{missing}` in the provider block, or the environment variable `{variable}`"
    )]
    HalfKeyPair {
        /// The half that is missing.
        missing: &'static str,
        /// The half that is set.
        present: &'static str,
        /// The environment variable that would provide the missing half.
        variable: &'static str,
    },
    /// No region.
    #[error(
        "no Huawei Cloud region set\n\nhint: set `region` in the provider block, or the environment variable `HW_REGION_NAME`"
    )]
    MissingRegion,
    /// An endpoint override that is not an absolute http(s) URL.
    #[error("endpoint `{name}` = `{value}` is not an absolute http or https URL")]
    InvalidEndpoint {
        /// Which override (`modelarts`, `cce`, `iam`).
        name: &'static str,
        /// The value given.
        value: String,
    },
    /// A credential or id that cannot travel in an HTTP header (control characters, spaces).
    #[error("`{name}` holds characters that cannot be sent in an HTTP header")]
    InvalidHeaderValue {
        /// Which setting (`access_key`, `auth_token`, ...); never its value.
        name: &'static str,
    },
    /// A time limit of zero, which no call could meet.
    #[error("`{name}` must be longer than zero")]
    ZeroTimeout {
        /// `connect_timeout` or `request_timeout`.
        name: &'static str,
    },
    /// The HTTP client could not be built (TLS set-up).
    #[error("cannot set up the HTTP client: {0}")]
    HttpClient(String),
}

fn outcome_advice(creates: bool) -> &'static str {
    if creates {
        "the object may exist: look it up by its natural key before trying again"
    } else {
        "the cloud may still be carrying it out, so plinth did not send it again: the next plan reads what the cloud did"
    }
}

fn timed_out_summary(
    service: Service,
    method: &str,
    url: &str,
    limit: TimeLimit,
    timeout: Duration,
    attempts: u32,
) -> String {
    let tries = if attempts == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{attempts} attempts")
    };
    let limit_text = format!(
        "{} (`{}`; {tries})",
        human_duration(timeout),
        limit.setting()
    );
    match limit {
        TimeLimit::Connect => {
            format!("cannot connect to {service} for {method} {url} within {limit_text}")
        }
        TimeLimit::Request => {
            format!("{service} did not answer {method} {url} within {limit_text}")
        }
    }
}

/// `scheme://host[:port]` of a call's URL: the endpoint it went to.
fn origin(url: &str) -> String {
    reqwest::Url::parse(url).map_or_else(
        |_| url.to_owned(),
        |parsed| parsed.origin().ascii_serialization(),
    )
}

fn reason_suffix(reason: Option<&str>, message: Option<&str>) -> String {
    match (reason, message) {
        (Some(reason), Some(message)) if reason != message => format!(": {reason} ({message})"),
        (Some(text), _) | (None, Some(text)) => format!(": {text}"),
        (None, None) => String::new(),
    }
}

/// `10m`, `90s`, `2.5s`, `400ms`.
pub(crate) fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1000 {
        format!("{millis}ms")
    } else if millis.is_multiple_of(60_000) {
        format!("{}m", millis / 60_000)
    } else if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{:.1}s", duration.as_secs_f64())
    }
}

fn body_excerpt(body: &[u8]) -> String {
    const LIMIT: usize = 300;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT).collect();
        format!("{cut}...")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str, request_id: Option<&str>) -> ApiError {
        ApiError::from_response(
            Service::Cce,
            "POST",
            "https://cce.cn-north-4.myhuaweicloud.com/api/v3/addons",
            status,
            body.as_bytes(),
            request_id.map(str::to_owned),
        )
    }

    #[test]
    fn mask_hides_every_occurrence_of_the_secrets_sent_longest_first() {
        let mut error = CloudError::from(ApiError {
            service: Service::Cce,
            status: 400,
            method: "POST".to_owned(),
            url: "https://cce.example/api/v3/addons?cluster_id=c-secret".to_owned(),
            code: Some("CCE.01400001".to_owned()),
            message: "Request Body Error: version 9.9-tok of addon template coredns does not \
                      exist; 9.9-tok and c-secret and 9.9-tok-long"
                .to_owned(),
            request_id: Some("req-1".to_owned()),
        });
        error.mask(&[
            "9.9-tok".to_owned(),
            String::new(),
            "c-secret".to_owned(),
            "9.9-tok-long".to_owned(),
        ]);
        let api = error.api().unwrap();
        assert_eq!(
            api.message,
            "Request Body Error: version (sensitive value) of addon template coredns does not \
             exist; (sensitive value) and (sensitive value) and (sensitive value)"
        );
        assert_eq!(
            api.url,
            "https://cce.example/api/v3/addons?cluster_id=(sensitive value)"
        );
        assert_eq!(api.code.as_deref(), Some("CCE.01400001"));
        assert_eq!(api.request_id.as_deref(), Some("req-1"));
        let mut failed = CloudError::OperationFailed {
            what: "cce add-on coredns in cluster c-secret".to_owned(),
            status: "installFailed".to_owned(),
            reason: Some("bad token c-secret".to_owned()),
            message: None,
        };
        failed.mask(&["c-secret".to_owned()]);
        assert!(!failed.to_string().contains("c-secret"), "{failed}");
    }

    #[test]
    fn display_names_service_status_code_message_and_request_id() {
        let error = CloudError::from(api(
            400,
            r#"{"errorCode":"CCE.01400001","errorMessage":"the add-on already exists"}"#,
            Some("4f2a"),
        ));
        assert_eq!(
            error.to_string(),
            "cce returned 400 CCE.01400001: the add-on already exists (request id 4f2a)"
        );
        assert!(!error.is_retryable());
        assert!(!error.is_not_found());
    }

    #[test]
    fn non_json_body_becomes_the_message() {
        let error = api(502, "<html>Bad Gateway</html>\n", None);
        assert_eq!(error.code, None);
        assert_eq!(error.message, "<html>Bad Gateway</html>");
        assert!(error.is_retryable());
        assert_eq!(
            error.to_string(),
            "cce returned 502: <html>Bad Gateway</html>"
        );
    }

    #[test]
    fn long_non_json_body_is_shortened() {
        let error = api(500, &"x".repeat(1000), None);
        assert_eq!(error.message.len(), 303);
    }

    #[test]
    fn empty_body_names_the_call() {
        let error = api(404, "", None);
        assert_eq!(
            error.to_string(),
            "cce returned 404 to POST https://cce.cn-north-4.myhuaweicloud.com/api/v3/addons"
        );
        assert!(CloudError::from(error).is_not_found());
    }

    #[test]
    fn request_id_header_wins_over_body() {
        let body =
            r#"{"error_code":"APIGW.0308","error_msg":"throttled","request_id":"from-body"}"#;
        assert_eq!(
            api(429, body, Some("from-header")).request_id.as_deref(),
            Some("from-header")
        );
        let error = api(429, body, None);
        assert_eq!(error.request_id.as_deref(), Some("from-body"));
        assert_eq!(error.code.as_deref(), Some("APIGW.0308"));
        assert!(error.is_retryable());
    }

    #[test]
    fn retryable_statuses() {
        for status in [429, 500, 502, 503, 504] {
            assert!(api(status, "{}", None).is_retryable(), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 501] {
            assert!(!api(status, "{}", None).is_retryable(), "{status}");
        }
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_duration(Duration::from_millis(400)), "400ms");
        assert_eq!(human_duration(Duration::from_secs(600)), "10m");
        assert_eq!(human_duration(Duration::from_secs(90)), "90s");
        assert_eq!(human_duration(Duration::from_millis(2500)), "2.5s");
    }

    #[test]
    fn operation_failed_carries_reason_and_message() {
        let error = CloudError::OperationFailed {
            what: "cce add-on `coredns`".to_owned(),
            status: "installFailed".to_owned(),
            reason: Some("image pull failed".to_owned()),
            message: Some("back-off pulling image".to_owned()),
        };
        assert_eq!(
            error.to_string(),
            "cce add-on `coredns` failed with status `installFailed`: image pull failed (back-off pulling image)"
        );
    }
}

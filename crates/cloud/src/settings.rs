//! Provider settings: what the user wrote, completed from the environment, and the hosts they lead
//! to.

use std::fmt;
use std::time::Duration;

use crate::error::{Service, SettingsError};
use crate::retry::RetryPolicy;
use crate::signing::AccessKey;
use crate::wait::WaitOptions;

/// The default cloud domain.
pub const DEFAULT_CLOUD: &str = "myhuaweicloud.com";

/// How long opening a connection may take unless the provider block says `connect_timeout`.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one HTTP exchange may take unless the provider block says `request_timeout`.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The provider settings as written in the configuration; `None` means "not set, look further".
///
/// [`ClientSettings::resolve`] completes them from the environment. Secrets never appear in the
/// `Debug` output.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    /// Region, e.g. `cn-north-4` (else `HW_REGION_NAME`).
    pub region: Option<String>,
    /// Project id (else `HW_PROJECT_ID`, `HUAWEICLOUD_SDK_PROJECT_ID`, else looked up through IAM).
    pub project_id: Option<String>,
    /// Access key id (else `HW_ACCESS_KEY`, `HUAWEICLOUD_SDK_AK`).
    pub access_key: Option<String>,
    /// Secret key (else `HW_SECRET_KEY`, `HUAWEICLOUD_SDK_SK`).
    pub secret_key: Option<String>,
    /// Security token of temporary credentials (else `HW_SECURITY_TOKEN`).
    pub security_token: Option<String>,
    /// An IAM token, used (`X-Auth-Token`) when no AK/SK pair is found.
    pub auth_token: Option<String>,
    /// Cloud domain (default [`DEFAULT_CLOUD`]).
    pub cloud: Option<String>,
    /// Endpoint overrides, used exactly as given.
    pub endpoints: EndpointOverrides,
    /// Send CCE add-on calls to the cluster's own host `https://{cluster_id}.cce.{region}.{cloud}`.
    pub use_cluster_host: bool,
    /// How many times a failed call is sent again (default 5).
    pub max_retries: Option<u32>,
    /// Time limit to open a connection (default [`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Option<Duration>,
    /// Time limit of one HTTP exchange, request sent to answer read (default
    /// [`DEFAULT_REQUEST_TIMEOUT`]).
    pub request_timeout: Option<Duration>,
}

/// Per-service endpoint overrides, e.g. `http://127.0.0.1:8080` for the emulator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// ModelArts base URL.
    pub modelarts: Option<String>,
    /// CCE and CCE Autopilot base URL.
    pub cce: Option<String>,
    /// IAM base URL.
    pub iam: Option<String>,
}

/// How requests are authenticated.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// AK/SK signing, with the security token of temporary credentials.
    AccessKey {
        /// The key pair.
        key: AccessKey,
        /// `X-Security-Token`, for temporary credentials.
        security_token: Option<String>,
    },
    /// `X-Auth-Token`.
    Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AccessKey {
                key,
                security_token,
            } => f
                .debug_struct("AccessKey")
                .field("key", key)
                .field(
                    "security_token",
                    &security_token.as_ref().map(|_| "<redacted>"),
                )
                .finish(),
            Self::Token(_) => f.debug_tuple("Token").field(&"<redacted>").finish(),
        }
    }
}

/// Settings with everything required present: what a [`crate::Client`] is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedSettings {
    /// Region.
    pub region: String,
    /// Project id, when known without asking IAM.
    pub project_id: Option<String>,
    /// How to authenticate.
    pub credentials: Credentials,
    /// Cloud domain.
    pub cloud: String,
    /// Endpoint overrides, validated.
    pub endpoints: EndpointOverrides,
    /// Send CCE add-on calls to the cluster's own host.
    pub use_cluster_host: bool,
    /// Retry policy of every call.
    pub retry: RetryPolicy,
    /// Default polling and timeout of waits (each operation may pass its own timeout).
    pub wait: WaitOptions,
    /// Time limit of one HTTP exchange (default 60 s); past it a read is sent once more, a call
    /// that changes something is reported as outcome unknown (never sent again).
    pub request_timeout: Duration,
    /// Time limit to open a connection (default 10 s); past it the call, which was not sent, is
    /// tried once more.
    pub connect_timeout: Duration,
}

impl fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |value: &Option<String>| value.as_ref().map(|_| "<redacted>");
        f.debug_struct("ClientSettings")
            .field("region", &self.region)
            .field("project_id", &self.project_id)
            .field("access_key", &self.access_key)
            .field("secret_key", &redacted(&self.secret_key))
            .field("security_token", &redacted(&self.security_token))
            .field("auth_token", &redacted(&self.auth_token))
            .field("cloud", &self.cloud)
            .field("endpoints", &self.endpoints)
            .field("use_cluster_host", &self.use_cluster_host)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .finish()
    }
}

impl ClientSettings {
    /// Completes the settings: explicit values first, then `HW_*` variables, then the SDKs'
    /// `HUAWEICLOUD_SDK_*` variables, read through `env` (pass `|name| std::env::var(name).ok()`
    /// in production, a map lookup in tests). Empty values count as unset.
    pub fn resolve(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ResolvedSettings, SettingsError> {
        let lookup = |explicit: &Option<String>, names: &[&str]| -> Option<String> {
            explicit
                .clone()
                .filter(|value| !value.trim().is_empty())
                .or_else(|| {
                    names
                        .iter()
                        .filter_map(|name| env(name))
                        .find(|value| !value.trim().is_empty())
                })
        };
        let region =
            lookup(&self.region, &["HW_REGION_NAME"]).ok_or(SettingsError::MissingRegion)?;
        let project_id = lookup(
            &self.project_id,
            &["HW_PROJECT_ID", "HUAWEICLOUD_SDK_PROJECT_ID"],
        );
        let access_key = lookup(&self.access_key, &["HW_ACCESS_KEY", "HUAWEICLOUD_SDK_AK"]);
        let secret_key = lookup(&self.secret_key, &["HW_SECRET_KEY", "HUAWEICLOUD_SDK_SK"]);
        let security_token = lookup(&self.security_token, &["HW_SECURITY_TOKEN"]);
        let auth_token = lookup(&self.auth_token, &[]);
        let credentials = match (access_key, secret_key, auth_token) {
            (Some(access_key), Some(secret_key), _) => Credentials::AccessKey {
                key: AccessKey::new(access_key, secret_key),
                security_token,
            },
            (None, None, Some(token)) => Credentials::Token(token),
            (Some(_), None, _) => {
                return Err(SettingsError::HalfKeyPair {
                    missing: "secret_key",
                    present: "access_key",
                    variable: "HW_SECRET_KEY",
                });
            }
            (None, Some(_), _) => {
                return Err(SettingsError::HalfKeyPair {
                    missing: "access_key",
                    present: "secret_key",
                    variable: "HW_ACCESS_KEY",
                });
            }
            (None, None, None) => return Err(SettingsError::MissingCredentials),
        };
        check_header_values(project_id.as_deref(), &credentials)?;
        for (name, value) in [
            ("modelarts", &self.endpoints.modelarts),
            ("cce", &self.endpoints.cce),
            ("iam", &self.endpoints.iam),
        ] {
            if let Some(value) = value {
                let valid = reqwest::Url::parse(value)
                    .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
                if !valid {
                    return Err(SettingsError::InvalidEndpoint {
                        name,
                        value: value.clone(),
                    });
                }
            }
        }
        for (name, value) in [
            ("connect_timeout", self.connect_timeout),
            ("request_timeout", self.request_timeout),
        ] {
            if value.is_some_and(|timeout| timeout.is_zero()) {
                return Err(SettingsError::ZeroTimeout { name });
            }
        }
        let retry = RetryPolicy {
            max_retries: self
                .max_retries
                .unwrap_or(RetryPolicy::default().max_retries),
            ..RetryPolicy::default()
        };
        Ok(ResolvedSettings {
            region,
            project_id,
            credentials,
            cloud: self
                .cloud
                .clone()
                .filter(|cloud| !cloud.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_CLOUD.to_owned()),
            endpoints: self.endpoints.clone(),
            use_cluster_host: self.use_cluster_host,
            retry,
            wait: WaitOptions::default(),
            request_timeout: self.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            connect_timeout: self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT),
        })
    }
}

/// Every value that travels in a header must be visible ASCII, or the request cannot be built.
fn check_header_values(
    project_id: Option<&str>,
    credentials: &Credentials,
) -> Result<(), SettingsError> {
    let mut values: Vec<(&'static str, &str)> = Vec::new();
    if let Some(project) = project_id {
        values.push(("project_id", project));
    }
    match credentials {
        Credentials::AccessKey {
            key,
            security_token,
        } => {
            values.push(("access_key", key.access_key()));
            if let Some(token) = security_token {
                values.push(("security_token", token));
            }
        }
        Credentials::Token(token) => values.push(("auth_token", token)),
    }
    match values
        .into_iter()
        .find(|(_, value)| !value.bytes().all(|byte| byte.is_ascii_graphic()))
    {
        Some((name, _)) => Err(SettingsError::InvalidHeaderValue { name }),
        None => Ok(()),
    }
}

impl ResolvedSettings {
    /// The base URL of `service`, without a trailing slash: the override exactly as given, or
    /// `https://{service}.{region}.{cloud}`.
    pub fn endpoint(&self, service: Service) -> String {
        let configured = match service {
            Service::ModelArts => &self.endpoints.modelarts,
            Service::Cce => &self.endpoints.cce,
            Service::Iam => &self.endpoints.iam,
        };
        match configured {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("https://{service}.{}.{}", self.region, self.cloud),
        }
    }

    /// The base URL of CCE add-on calls for `cluster_id`: the cluster's own host
    /// `https://{cluster_id}.cce.{region}.{cloud}` when `use_cluster_host` is set and no CCE override
    /// is, else [`ResolvedSettings::endpoint`] of CCE.
    pub fn cce_addon_endpoint(&self, cluster_id: &str) -> String {
        if self.use_cluster_host && self.endpoints.cce.is_none() {
            format!("https://{cluster_id}.cce.{}.{}", self.region, self.cloud)
        } else {
            self.endpoint(Service::Cce)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn explicit() -> ClientSettings {
        ClientSettings {
            region: Some("cn-north-4".to_owned()),
            access_key: Some("AK-EXPLICIT".to_owned()),
            secret_key: Some("SK-EXPLICIT".to_owned()),
            ..ClientSettings::default()
        }
    }

    #[test]
    fn explicit_values_win_over_the_environment() {
        let resolved = explicit()
            .resolve(env(&[
                ("HW_ACCESS_KEY", "AK-ENV"),
                ("HW_SECRET_KEY", "SK-ENV"),
                ("HW_REGION_NAME", "ap-southeast-1"),
                ("HW_PROJECT_ID", "p-env"),
            ]))
            .unwrap();
        assert_eq!(resolved.region, "cn-north-4");
        assert_eq!(resolved.project_id.as_deref(), Some("p-env"));
        let Credentials::AccessKey { key, .. } = &resolved.credentials else {
            panic!("expected AK/SK");
        };
        assert_eq!(key.access_key(), "AK-EXPLICIT");
        assert_eq!(key.secret_key(), "SK-EXPLICIT");
        assert_eq!(resolved.retry.max_retries, 5);
        assert_eq!(resolved.cloud, DEFAULT_CLOUD);
    }

    #[test]
    fn hw_variables_win_over_sdk_variables() {
        let resolved = ClientSettings::default()
            .resolve(env(&[
                ("HW_REGION_NAME", "cn-north-4"),
                ("HW_ACCESS_KEY", "AK-HW"),
                ("HUAWEICLOUD_SDK_AK", "AK-SDK"),
                ("HW_SECRET_KEY", ""),
                ("HUAWEICLOUD_SDK_SK", "SK-SDK"),
                ("HUAWEICLOUD_SDK_PROJECT_ID", "p-sdk"),
                ("HW_SECURITY_TOKEN", "TOKEN"),
            ]))
            .unwrap();
        let Credentials::AccessKey {
            key,
            security_token,
        } = &resolved.credentials
        else {
            panic!("expected AK/SK");
        };
        assert_eq!(key.access_key(), "AK-HW");
        // An empty HW_SECRET_KEY counts as unset.
        assert_eq!(key.secret_key(), "SK-SDK");
        assert_eq!(security_token.as_deref(), Some("TOKEN"));
        assert_eq!(resolved.project_id.as_deref(), Some("p-sdk"));
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let error = ClientSettings {
            region: Some("cn-north-4".to_owned()),
            ..ClientSettings::default()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert_eq!(error, SettingsError::MissingCredentials);
        let text = error.to_string();
        for name in ["HW_ACCESS_KEY", "HW_SECRET_KEY", "HUAWEICLOUD_SDK_AK"] {
            assert!(text.contains(name), "{text}");
        }
    }

    #[test]
    fn half_a_key_pair_is_an_error() {
        let error = ClientSettings {
            region: Some("cn-north-4".to_owned()),
            access_key: Some("AK".to_owned()),
            ..ClientSettings::default()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert!(error.to_string().contains("HW_SECRET_KEY"), "{error}");
    }

    #[test]
    fn missing_region_names_the_variable() {
        let error = ClientSettings {
            region: None,
            ..explicit()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert_eq!(error, SettingsError::MissingRegion);
        assert!(error.to_string().contains("HW_REGION_NAME"));
    }

    #[test]
    fn token_is_the_alternative() {
        let resolved = ClientSettings {
            region: Some("cn-north-4".to_owned()),
            auth_token: Some("MIIE-token".to_owned()),
            ..ClientSettings::default()
        }
        .resolve(env(&[]))
        .unwrap();
        assert_eq!(
            resolved.credentials,
            Credentials::Token("MIIE-token".to_owned())
        );
    }

    #[test]
    fn secrets_are_not_in_debug_output() {
        let settings = ClientSettings {
            security_token: Some("STS-SECRET".to_owned()),
            auth_token: Some("TOKEN-SECRET".to_owned()),
            ..explicit()
        };
        let resolved = settings.resolve(env(&[])).unwrap();
        let token = Credentials::Token("TOKEN-SECRET".to_owned());
        for text in [
            format!("{settings:?}"),
            format!("{resolved:?}"),
            format!("{token:?}"),
        ] {
            assert!(!text.contains("SK-EXPLICIT"), "{text}");
            assert!(!text.contains("STS-SECRET"), "{text}");
            assert!(!text.contains("TOKEN-SECRET"), "{text}");
        }
    }

    #[test]
    fn hosts_follow_region_and_cloud_and_overrides() {
        let mut resolved = explicit().resolve(env(&[])).unwrap();
        assert_eq!(
            resolved.endpoint(Service::ModelArts),
            "https://modelarts.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            resolved.endpoint(Service::Iam),
            "https://iam.cn-north-4.myhuaweicloud.com"
        );
        assert_eq!(
            resolved.cce_addon_endpoint("c1"),
            "https://cce.cn-north-4.myhuaweicloud.com"
        );
        resolved.use_cluster_host = true;
        resolved.cloud = "example.com".to_owned();
        assert_eq!(
            resolved.cce_addon_endpoint("c1"),
            "https://c1.cce.cn-north-4.example.com"
        );
        resolved.endpoints.cce = Some("http://127.0.0.1:9000/".to_owned());
        assert_eq!(resolved.cce_addon_endpoint("c1"), "http://127.0.0.1:9000");
    }

    #[test]
    fn credentials_that_cannot_be_sent_are_rejected_without_their_value() {
        let error = ClientSettings {
            security_token: Some("TOKEN WITH\nNEWLINE".to_owned()),
            ..explicit()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`security_token` holds characters that cannot be sent in an HTTP header"
        );
    }

    #[test]
    fn timeouts_default_and_are_taken_from_the_block_and_zero_is_refused() {
        let resolved = explicit().resolve(env(&[])).unwrap();
        assert_eq!(resolved.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(resolved.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        let resolved = ClientSettings {
            connect_timeout: Some(Duration::from_secs(3)),
            request_timeout: Some(Duration::from_millis(1500)),
            ..explicit()
        }
        .resolve(env(&[]))
        .unwrap();
        assert_eq!(resolved.connect_timeout, Duration::from_secs(3));
        assert_eq!(resolved.request_timeout, Duration::from_millis(1500));
        let error = ClientSettings {
            request_timeout: Some(Duration::ZERO),
            ..explicit()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`request_timeout` must be longer than zero"
        );
    }

    #[test]
    fn invalid_endpoint_is_rejected() {
        let error = ClientSettings {
            endpoints: EndpointOverrides {
                cce: Some("cce.local".to_owned()),
                ..EndpointOverrides::default()
            },
            ..explicit()
        }
        .resolve(env(&[]))
        .unwrap_err();
        assert!(matches!(
            error,
            SettingsError::InvalidEndpoint { name: "cce", .. }
        ));
    }
}

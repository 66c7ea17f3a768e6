//! Connecting: the connection string, TLS with rustls, the location shown in messages (no
//! credentials), and driver errors worded without them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::config::Host;
#[cfg(test)]
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config};

/// Where a PostgreSQL state is and how to reach it.
#[derive(Clone)]
pub struct PgOptions {
    /// A libpq connection string, URL (`postgres://user:password@host:5432/db?sslmode=require`)
    /// or `key=value` form. `sslmode=verify-full` and `verify-ca` are read as `require`, which
    /// with plinth always checks the server's certificate and name; `sslrootcert=FILE` adds the
    /// certificate authorities of a PEM file to the public ones (a managed database's own CA).
    pub conn_str: String,
    /// The schema holding plinth's tables (created on first use).
    pub schema: String,
    /// The workspace: one state per workspace.
    pub workspace: String,
}

impl std::fmt::Debug for PgOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgOptions")
            .field("conn_str", &"(hidden)")
            .field("schema", &self.schema)
            .field("workspace", &self.workspace)
            .finish()
    }
}

/// A parsed connection string and what to hide in messages.
#[derive(Clone)]
pub(crate) struct Target {
    pub(crate) config: Config,
    root_certificates: Option<PathBuf>,
    /// The password and the whole connection string: never shown.
    secrets: Vec<String>,
    /// `postgres://user@host:port/db`, without the password.
    pub(crate) url: String,
}

/// Why a connection string is refused; never contains it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidConnection(pub String);

impl Target {
    pub(crate) fn parse(conn_str: &str) -> Result<Self, InvalidConnection> {
        let (cleaned, root_certificates) = preprocess(conn_str);
        let mut config: Config = cleaned.parse().map_err(|error: tokio_postgres::Error| {
            // The driver's parse errors name the option, never its value.
            InvalidConnection(mask_all(&describe(&error), conn_str))
        })?;
        if config.get_hosts().is_empty() {
            return Err(InvalidConnection(
                "the connection string names no host".to_owned(),
            ));
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        // A peer that vanished (a server stopped, a network cut) is noticed within a minute.
        config
            .keepalives(true)
            .keepalives_idle(Duration::from_secs(30))
            .keepalives_interval(Duration::from_secs(5))
            .keepalives_retries(3)
            .application_name("plinth");
        let mut secrets = vec![conn_str.to_owned()];
        if let Some(password) = config.get_password() {
            secrets.push(String::from_utf8_lossy(password).into_owned());
        }
        secrets.retain(|secret| !secret.is_empty());
        let url = display_url(&config);
        Ok(Self {
            config,
            root_certificates,
            secrets,
            url,
        })
    }

    /// `message` with every secret replaced by `***`.
    pub(crate) fn mask(&self, message: &str) -> String {
        let mut message = message.to_owned();
        for secret in &self.secrets {
            message = message.replace(secret.as_str(), "***");
        }
        message
    }

    /// Opens a connection, its IO driven by a task on the current runtime (the worker's).
    pub(crate) async fn connect(&self) -> Result<Client, String> {
        let tls = self.tls()?;
        let (client, connection) = self
            .config
            .connect(tls)
            .await
            .map_err(|error| self.mask(&describe(&error)))?;
        tokio::spawn(async move {
            // Ends when the client is dropped or the server goes away; the client's next call
            // then fails and says so.
            let _ = connection.await;
        });
        Ok(client)
    }

    fn tls(&self) -> Result<tokio_postgres_rustls::MakeRustlsConnect, String> {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        if let Some(path) = &self.root_certificates {
            use rustls::pki_types::CertificateDer;
            use rustls::pki_types::pem::PemObject as _;
            let certificates = CertificateDer::pem_file_iter(path).map_err(|error| {
                format!("cannot read `sslrootcert` `{}`: {error}", path.display())
            })?;
            for certificate in certificates {
                let certificate = certificate.map_err(|error| {
                    format!("cannot read `sslrootcert` `{}`: {error}", path.display())
                })?;
                roots.add(certificate).map_err(|error| {
                    format!("cannot use `sslrootcert` `{}`: {error}", path.display())
                })?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| format!("cannot set up TLS: {error}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }
}

/// A driver error in words: the server's SQLSTATE code and message when the server answered,
/// else the driver's description with its cause.
pub(crate) fn describe(error: &tokio_postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{} (SQLSTATE {})", db.message(), db.code().code());
        if let Some(detail) = db.detail() {
            text.push_str("; ");
            text.push_str(detail);
        }
        return text;
    }
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let words = cause.to_string();
        if !text.contains(&words) {
            text.push_str(": ");
            text.push_str(&words);
        }
        source = cause.source();
    }
    text
}

/// A message about `conn_str` with its password hidden: the driver's parse errors name options,
/// but one that cannot be parsed is read here by hand to find the password.
fn mask_all(message: &str, conn_str: &str) -> String {
    let mut secrets = vec![conn_str.to_owned()];
    if let Some((_, rest)) = conn_str.split_once("://")
        && let Some((userinfo, _)) = rest.split_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
    {
        secrets.push(password.to_owned());
    }
    for word in conn_str.split_whitespace() {
        if let Some(password) = word.strip_prefix("password=") {
            secrets.push(password.trim_matches('\'').to_owned());
        }
    }
    let mut message = message.to_owned();
    for secret in secrets.iter().filter(|secret| !secret.is_empty()) {
        message = message.replace(secret.as_str(), "***");
    }
    message
}

/// The connection string with `sslmode=verify-full|verify-ca` read as `require` and
/// `sslrootcert` taken out (the driver knows neither), in either form.
fn preprocess(conn_str: &str) -> (String, Option<PathBuf>) {
    let mut root = None;
    let url = conn_str.starts_with("postgres://") || conn_str.starts_with("postgresql://");
    if url {
        let Some((base, query)) = conn_str.split_once('?') else {
            return (conn_str.to_owned(), None);
        };
        let mut kept = Vec::new();
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("sslrootcert", value)) => root = Some(PathBuf::from(value)),
                Some(("sslmode", "verify-full" | "verify-ca")) => kept.push("sslmode=require"),
                _ => kept.push(pair),
            }
        }
        let text = if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        };
        return (text, root);
    }
    let mut kept = Vec::new();
    for word in conn_str.split_whitespace() {
        match word.split_once('=') {
            Some(("sslrootcert", value)) => {
                root = Some(PathBuf::from(value.trim_matches('\'')));
            }
            Some(("sslmode", "verify-full" | "verify-ca")) => kept.push("sslmode=require"),
            _ => kept.push(word),
        }
    }
    (kept.join(" "), root)
}

fn display_url(config: &Config) -> String {
    let user = config
        .get_user()
        .map(|user| format!("{user}@"))
        .unwrap_or_default();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(index, host)| {
            let name = match host {
                Host::Tcp(name) => name.clone(),
                #[cfg(unix)]
                Host::Unix(path) => path.display().to_string(),
            };
            match config.get_ports().get(index).or(config.get_ports().first()) {
                Some(port) => format!("{name}:{port}"),
                None => name,
            }
        })
        .collect();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{}/{db}", hosts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_location_and_messages_never_show_the_password() {
        let target =
            Target::parse("postgres://alice:s3cr3t-pw@db.example:5433/infra?sslmode=require")
                .unwrap();
        assert_eq!(target.url, "postgres://alice@db.example:5433/infra");
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            target.mask("password s3cr3t-pw rejected"),
            "password *** rejected"
        );
        let keywords = Target::parse("host=db user=bob password=hunter2 dbname=x").unwrap();
        assert_eq!(keywords.url, "postgres://bob@db/x");
        assert_eq!(keywords.config.get_ssl_mode(), SslMode::Prefer);
    }

    #[test]
    fn verify_modes_read_as_require_and_sslrootcert_is_taken_out() {
        let target = Target::parse(
            "postgres://u@h/db?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=3",
        )
        .unwrap();
        assert_eq!(target.config.get_ssl_mode(), SslMode::Require);
        assert_eq!(
            target.root_certificates.as_deref(),
            Some(std::path::Path::new("/etc/ca.pem"))
        );
        assert_eq!(
            target.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
    }

    #[test]
    fn an_invalid_string_is_refused_without_repeating_it() {
        let error = Target::parse("postgres://u:pw-in-here@h/db?sslmode=bogus")
            .err()
            .unwrap();
        assert!(!error.0.contains("pw-in-here"), "{}", error.0);
        assert!(error.0.contains("sslmode"), "{}", error.0);
    }
}

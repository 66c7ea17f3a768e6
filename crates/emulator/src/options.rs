use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// Access key of the sandbox: the emulator started by `sandbox = true` checks signatures made with
/// it, so the whole signing path of the client is exercised even without an account.
pub const SANDBOX_ACCESS_KEY: &str = "PLINTHSANDBOXAK00000001";

/// Secret key paired with [`SANDBOX_ACCESS_KEY`]. Not a secret: it only opens the local emulator.
pub const SANDBOX_SECRET_KEY: &str = "plinthSandboxSecretKey0000000000000000000";

/// How long one operation (install, upgrade, delete) takes in the sandbox: long enough to see
/// progress, short enough for a quick start.
pub const SANDBOX_OP_DURATION: Duration = Duration::from_secs(1);

/// The emulated account: region, project, clusters and pools. Everything else (add-ons,
/// plug-ins) is created through the API.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "RawFixture")]
pub struct Fixture {
    /// Region name, e.g. `cn-north-4`; also the name of the IAM project.
    pub region: String,
    /// The project id of ModelArts paths and of the IAM project lookup.
    pub project_id: String,
    /// CCE cluster ids (served under `/api/v3`).
    #[serde(default)]
    pub clusters: Vec<String>,
    /// CCE Autopilot cluster ids (served under `/autopilot/v3`).
    #[serde(default)]
    pub autopilot_clusters: Vec<String>,
    /// ModelArts resource pool names.
    #[serde(default)]
    pub pools: Vec<String>,
    /// The Kubernetes version of clusters (CCE and Autopilot) by id, e.g. `v1.28`; a cluster not
    /// named here runs [`DEFAULT_CLUSTER_VERSION`].
    pub cluster_versions: BTreeMap<String, String>,
}

/// The Kubernetes version of a fixture cluster whose version is not given.
pub const DEFAULT_CLUSTER_VERSION: &str = "v1.28";

/// A fixture file: clusters are ids (`"c1"`) or objects with their version
/// (`{"id": "c1", "version": "v1.30"}`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFixture {
    region: String,
    project_id: String,
    #[serde(default)]
    clusters: Vec<FixtureCluster>,
    #[serde(default)]
    autopilot_clusters: Vec<FixtureCluster>,
    #[serde(default)]
    pools: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FixtureCluster {
    Id(String),
    WithVersion { id: String, version: String },
}

impl From<RawFixture> for Fixture {
    fn from(raw: RawFixture) -> Self {
        let mut cluster_versions = BTreeMap::new();
        let mut ids = |clusters: Vec<FixtureCluster>| -> Vec<String> {
            clusters
                .into_iter()
                .map(|cluster| match cluster {
                    FixtureCluster::Id(id) => id,
                    FixtureCluster::WithVersion { id, version } => {
                        cluster_versions.insert(id.clone(), version);
                        id
                    }
                })
                .collect()
        };
        let clusters = ids(raw.clusters);
        let autopilot_clusters = ids(raw.autopilot_clusters);
        Self {
            region: raw.region,
            project_id: raw.project_id,
            clusters,
            autopilot_clusters,
            pools: raw.pools,
            cluster_versions,
        }
    }
}

impl Default for Fixture {
    /// The fixture that the documentation and examples rely on.
    fn default() -> Self {
        Self {
            region: "cn-north-4".to_owned(),
            project_id: "0123456789abcdef0123456789abcdef".to_owned(),
            clusters: vec![
                "c0ffee00-0000-4000-8000-000000000001".to_owned(),
                "c0ffee00-0000-4000-8000-000000000002".to_owned(),
            ],
            autopilot_clusters: vec!["a1b2c3d4-0000-4000-8000-000000000001".to_owned()],
            pools: vec!["pool-a".to_owned(), "pool-b".to_owned()],
            cluster_versions: BTreeMap::new(),
        }
    }
}

impl Fixture {
    /// Reads a fixture from a JSON file of the shape
    /// `{"region": .., "project_id": .., "clusters": [..], "autopilot_clusters": [..], "pools": [..]}`.
    pub fn from_json_file(path: &Path) -> Result<Self, EmulatorError> {
        let text = std::fs::read(path).map_err(|source| EmulatorError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_json(&text).map_err(|source| EmulatorError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// The Kubernetes version of cluster `id` (CCE or Autopilot).
    pub fn cluster_version(&self, id: &str) -> &str {
        self.cluster_versions
            .get(id)
            .map_or(DEFAULT_CLUSTER_VERSION, String::as_str)
    }

    /// Parses a fixture from JSON bytes.
    pub fn from_json(text: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(text)
    }
}

/// How to run the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Address to listen on; port 0 picks a free port. Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// File that keeps the emulated cloud across restarts; `None` keeps it in memory only.
    pub data: Option<PathBuf>,
    /// How long an install, upgrade or delete takes; zero means the next read sees the end state.
    pub op_duration: Duration,
    /// Fraction of requests (0.0 to 1.0) answered with a fault (429, 500, 503 or a dropped
    /// connection) instead of being served.
    pub fault_rate: f64,
    /// Seed of the fault generator: the same seed and request sequence give the same faults.
    pub seed: u64,
    /// `(access key, secret key)`: when set, every request must carry a valid `SDK-HMAC-SHA256`
    /// signature made with them.
    pub credentials: Option<(String, String)>,
    /// The clusters, pools and project the emulated account has.
    pub fixture: Fixture,
    /// Added to every answer (errors and faults included), as a real cloud's round trip.
    pub latency: Duration,
    /// A uniform random delay in `[0, jitter]` added to [`EmulatorOptions::latency`].
    pub jitter: Duration,
    /// Requests a second each service (CCE, CCE Autopilot, ModelArts, IAM) accepts, with a burst
    /// of as many (at least one); beyond it the API gateway answers 429 `APIGW.0308` with
    /// `Retry-After`. `None`: unlimited.
    pub rate_limit: Option<f64>,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            data: None,
            op_duration: Duration::ZERO,
            fault_rate: 0.0,
            seed: 0,
            credentials: None,
            fixture: Fixture::default(),
            latency: Duration::ZERO,
            jitter: Duration::ZERO,
            rate_limit: None,
        }
    }
}

impl EmulatorOptions {
    /// The options of the sandbox: a free loopback port, the cloud kept in `data`, a short
    /// operation time and signatures checked with [`SANDBOX_ACCESS_KEY`] / [`SANDBOX_SECRET_KEY`].
    pub fn sandbox(data: PathBuf) -> Self {
        Self {
            data: Some(data),
            op_duration: SANDBOX_OP_DURATION,
            credentials: Some((SANDBOX_ACCESS_KEY.to_owned(), SANDBOX_SECRET_KEY.to_owned())),
            ..Self::default()
        }
    }
}

/// Why the emulator could not start, load or save its cloud.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A fixture or data file could not be read.
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// A fixture or data file is not valid JSON of the expected shape.
    #[error("`{}` is not valid: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Where and why parsing failed.
        source: serde_json::Error,
    },
    /// The data file could not be written.
    #[error("cannot write `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// An option is out of range.
    #[error("invalid option: {0}")]
    Option(String),
    /// The built-in template catalogue is broken (a bug of the emulator).
    #[error("the built-in template catalogue is invalid: {0}")]
    Catalogue(String),
    /// The server task stopped abnormally.
    #[error("the emulator task failed: {0}")]
    Task(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_file_shape_parses() {
        let fixture = Fixture::from_json(
            br#"{"region":"ap-southeast-1","project_id":"p1","clusters":["c1"],
                 "autopilot_clusters":[],"pools":["x","y"]}"#,
        )
        .unwrap();
        assert_eq!(fixture.region, "ap-southeast-1");
        assert_eq!(fixture.pools, ["x", "y"]);
        assert!(Fixture::from_json(br#"{"region":"r","project_id":"p","extra":1}"#).is_err());
        let versioned = Fixture::from_json(
            br#"{"region":"r","project_id":"p","clusters":["c1",{"id":"c2","version":"v1.30"}],
                 "autopilot_clusters":[{"id":"a1","version":"v1.31"}]}"#,
        )
        .unwrap();
        assert_eq!(versioned.clusters, ["c1", "c2"]);
        assert_eq!(versioned.autopilot_clusters, ["a1"]);
        assert_eq!(versioned.cluster_version("c1"), DEFAULT_CLUSTER_VERSION);
        assert_eq!(versioned.cluster_version("c2"), "v1.30");
        assert_eq!(versioned.cluster_version("a1"), "v1.31");
    }

    #[test]
    fn fixture_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fixture.json");
        let missing = Fixture::from_json_file(&path).unwrap_err();
        assert!(matches!(missing, EmulatorError::Read { .. }));
        std::fs::write(&path, "{\"region\": 1}").unwrap();
        let invalid = Fixture::from_json_file(&path).unwrap_err();
        assert!(invalid.to_string().contains("fixture.json"), "{invalid}");
    }

    #[test]
    fn default_fixture_is_the_documented_one() {
        let fixture = Fixture::default();
        assert_eq!(fixture.project_id, "0123456789abcdef0123456789abcdef");
        assert_eq!(fixture.clusters.len(), 2);
        assert_eq!(fixture.autopilot_clusters.len(), 1);
    }
}

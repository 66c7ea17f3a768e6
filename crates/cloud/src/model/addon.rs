use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Progress;

/// The answer of `GET /api/v3/addons?cluster_id=` and `GET /autopilot/v3/addons?cluster_id=`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonList {
    /// `Addon` (the list answer reuses the item kind).
    #[serde(default)]
    pub kind: String,
    /// Always `v3`.
    #[serde(default)]
    pub api_version: String,
    /// The add-on instances of the cluster.
    #[serde(default)]
    pub items: Vec<Addon>,
}

/// A CCE or CCE Autopilot add-on instance (seeds 002, 004).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Addon {
    /// Always `Addon`.
    #[serde(default)]
    pub kind: String,
    /// Always `v3`.
    #[serde(default)]
    pub api_version: String,
    /// Uid, names, annotations and times.
    #[serde(default)]
    pub metadata: AddonMetadata,
    /// Cluster, template, version and values.
    #[serde(default)]
    pub spec: AddonSpec,
    /// Life-cycle status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AddonStatus>,
}

impl Addon {
    /// The add-on's unique id (`metadata.uid`), if the answer carried one.
    pub fn uid(&self) -> Option<&str> {
        self.metadata.uid.as_deref()
    }

    /// The status the service reports, parsed.
    pub fn state(&self) -> Option<AddonState> {
        self.status
            .as_ref()?
            .status
            .as_deref()
            .map(AddonState::parse)
    }
}

/// `metadata` of an add-on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonMetadata {
    /// Unique id of the add-on instance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Add-on name (the template name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Add-on alias (Autopilot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Labels (reserved by the service).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Value>,
    /// Annotations, e.g. `{"addon.install/type": "install"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// Creation time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Update time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_timestamp: Option<String>,
}

/// `spec` of an add-on answer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonSpec {
    /// The cluster the add-on is installed in.
    #[serde(default, rename = "clusterID", skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<String>,
    /// Template version, e.g. `1.28.6`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Template name, e.g. `coredns`.
    #[serde(default)]
    pub addon_template_name: String,
    /// Template type, e.g. `helm`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_template_type: Option<String>,
    /// URL of the template logo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_template_logo: Option<String>,
    /// Template labels (groups), e.g. `["ContainerNetwork"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_template_labels: Option<Vec<String>>,
    /// Template description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Installation parameters, template defaults filled in by the server; may be `null` (seed 004).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<serde_json::Value>,
}

/// `status` of an add-on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonStatus {
    /// `running`, `installing`, `installFailed`, ... (see [`AddonState`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Cause of a failure. The service spells it with a capital R.
    #[serde(default, rename = "Reason", skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Installation error details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Versions the add-on can be upgraded to; may be `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_versions: Option<Vec<String>>,
    /// The installed version and its parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_version: Option<AddonVersion>,
    /// Whether a rollback to `previous_version` is possible.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_rollbackable: Option<bool>,
    /// The version before the last upgrade or rollback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
}

/// `status.currentVersion` of an add-on: one version of its template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonVersion {
    /// The version.
    #[serde(default)]
    pub version: String,
    /// The template's installation parameters for this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<serde_json::Value>,
    /// Whether this is a stable release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stable: Option<bool>,
    /// Texts for the console, per language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub translate: Option<serde_json::Value>,
    /// Cluster versions that support it; may be `null`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support_versions: Option<Vec<SupportVersion>>,
    /// Creation time of the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Update time of the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_timestamp: Option<String>,
}

/// Cluster versions that support an add-on version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportVersion {
    /// Cluster type, e.g. `VirtualMachine`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_type: Option<String>,
    /// Regular expressions of supported cluster versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_version: Option<Vec<String>>,
}

/// The body of an add-on install (`POST`) or upgrade (`PUT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonRequest {
    /// Must be `Addon`.
    pub kind: String,
    /// Must be `v3`.
    pub api_version: String,
    /// The install or upgrade annotation, and the alias (Autopilot).
    pub metadata: AddonRequestMetadata,
    /// What to install.
    pub spec: AddonRequestSpec,
}

/// `metadata` of an add-on request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddonRequestMetadata {
    /// `{"addon.install/type": "install"}` or `{"addon.upgrade/type": "upgrade"}`.
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    /// Add-on alias (Autopilot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
}

/// `spec` of an add-on request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonRequestSpec {
    /// The cluster to install into.
    #[serde(rename = "clusterID")]
    pub cluster_id: String,
    /// Template version; optional on install (the newest supported is used), required on upgrade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Template name.
    pub addon_template_name: String,
    /// Installation parameters (`basic`, `custom`, `flavor`, ...). An upgrade must send them all.
    #[serde(default)]
    pub values: serde_json::Value,
}

impl AddonRequest {
    /// An install request.
    pub fn install(spec: AddonRequestSpec, alias: Option<String>) -> Self {
        Self::with_annotation("addon.install/type", "install", spec, alias)
    }

    /// An upgrade (or change of values) request; `spec.version` and the full `spec.values` must be
    /// set.
    pub fn upgrade(spec: AddonRequestSpec, alias: Option<String>) -> Self {
        Self::with_annotation("addon.upgrade/type", "upgrade", spec, alias)
    }

    fn with_annotation(
        key: &str,
        value: &str,
        spec: AddonRequestSpec,
        alias: Option<String>,
    ) -> Self {
        Self {
            kind: "Addon".to_owned(),
            api_version: "v3".to_owned(),
            metadata: AddonRequestMetadata {
                annotations: BTreeMap::from([(key.to_owned(), value.to_owned())]),
                alias,
            },
            spec,
        }
    }

    /// Whether this request carries the upgrade annotation.
    pub fn is_upgrade(&self) -> bool {
        self.metadata.annotations.contains_key("addon.upgrade/type")
    }
}

/// An add-on's `status.status` (seed 004 lists and explains them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddonState {
    /// All instances run.
    Running,
    /// Instances are abnormal.
    Abnormal,
    /// Being installed.
    Installing,
    /// Installation failed.
    InstallFailed,
    /// Being upgraded.
    Upgrading,
    /// Upgrade failed.
    UpgradeFailed,
    /// Being deleted.
    Deleting,
    /// Deletion failed.
    DeleteFailed,
    /// Deleted.
    DeleteSuccess,
    /// Some instances run.
    Available,
    /// Being rolled back.
    Rollbacking,
    /// Rollback failed.
    RollbackFailed,
    /// The chart instance does not exist.
    Unknown,
    /// A status this client does not know.
    Other(String),
}

impl AddonState {
    /// Parses the service's spelling.
    pub fn parse(status: &str) -> Self {
        match status {
            "running" => Self::Running,
            "abnormal" => Self::Abnormal,
            "installing" => Self::Installing,
            "installFailed" => Self::InstallFailed,
            "upgrading" => Self::Upgrading,
            "upgradeFailed" => Self::UpgradeFailed,
            "deleting" => Self::Deleting,
            "deleteFailed" => Self::DeleteFailed,
            "deleteSuccess" => Self::DeleteSuccess,
            "available" => Self::Available,
            "rollbacking" => Self::Rollbacking,
            "rollbackFailed" => Self::RollbackFailed,
            "unknown" => Self::Unknown,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The service's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Running => "running",
            Self::Abnormal => "abnormal",
            Self::Installing => "installing",
            Self::InstallFailed => "installFailed",
            Self::Upgrading => "upgrading",
            Self::UpgradeFailed => "upgradeFailed",
            Self::Deleting => "deleting",
            Self::DeleteFailed => "deleteFailed",
            Self::DeleteSuccess => "deleteSuccess",
            Self::Available => "available",
            Self::Rollbacking => "rollbacking",
            Self::RollbackFailed => "rollbackFailed",
            Self::Unknown => "unknown",
            Self::Other(other) => other,
        }
    }

    /// Where this status stands in the life cycle (api-notes.md: done = running or available;
    /// failed = installFailed, upgradeFailed, deleteFailed, rollbackFailed; gone = deleteSuccess;
    /// deleting is its own stage).
    /// `abnormal` and `unknown` are transient on the real service while pods start, so they count
    /// as in progress: a waiter keeps polling until its timeout and then reports the status.
    pub fn progress(&self) -> Progress {
        match self {
            Self::Running | Self::Available => Progress::Done,
            Self::InstallFailed
            | Self::UpgradeFailed
            | Self::DeleteFailed
            | Self::RollbackFailed => Progress::Failed,
            Self::DeleteSuccess => Progress::Gone,
            Self::Deleting => Progress::Deleting,
            Self::Abnormal
            | Self::Installing
            | Self::Upgrading
            | Self::Rollbacking
            | Self::Unknown
            | Self::Other(_) => Progress::InProgress,
        }
    }
}

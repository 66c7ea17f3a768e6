use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Progress;

/// The answer of `GET /v2/{project_id}/pools/{pool_name}/plugins` (seed 000).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginList {
    /// Always `PluginList`.
    #[serde(default)]
    pub kind: String,
    /// Always `v2`.
    #[serde(default)]
    pub api_version: String,
    /// The plug-ins installed in the pool.
    #[serde(default)]
    pub items: Vec<Plugin>,
}

/// A plug-in instance of a ModelArts resource pool (seeds 000, 001, 003).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Plugin {
    /// Always `Plugin`.
    #[serde(default)]
    pub kind: String,
    /// Always `v2`.
    #[serde(default)]
    pub api_version: String,
    /// Name and creation time; absent from the create answer (seed 001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<PluginMetadata>,
    /// The template, version and installation parameters.
    #[serde(default)]
    pub spec: PluginSpec,
    /// Phase, installed version and reason; absent from the create answer (seed 001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PluginStatus>,
}

impl Plugin {
    /// The name of the template this plug-in instantiates: its identity inside the pool.
    pub fn template_name(&self) -> &str {
        &self.spec.template.name
    }

    /// The phase the service reports, parsed.
    pub fn phase(&self) -> Option<PluginPhase> {
        self.status
            .as_ref()?
            .phase
            .as_deref()
            .map(PluginPhase::parse)
    }
}

/// `metadata` of a plug-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginMetadata {
    /// Instance name, e.g. `lite-cluster-...-gpu-beta`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Creation time, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
}

/// `spec` of a plug-in, in requests and answers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginSpec {
    /// The template to install or upgrade.
    #[serde(default)]
    pub template: PluginTemplateRef,
}

/// `spec.template`: which template, which version, with which installation parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplateRef {
    /// Template name, e.g. `gpu-beta`.
    #[serde(default)]
    pub name: String,
    /// Template version; optional on create (the newest is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Installation parameters; on upgrade ALL must be sent, or the left-out ones fall back to the
    /// template defaults (seed 001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<serde_json::Value>,
}

/// `status` of a plug-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginStatus {
    /// `Pending`, `Running`, `Updating`, `Abnormal` or `Deleting`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The version actually installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Why the plug-in is in its phase (e.g. an installation failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Installation parameters as a string (seed 000 types it `String`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// Kubernetes objects the plug-in runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Vec<PluginResource>>,
}

/// One Kubernetes object used by a plug-in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginResource {
    /// The object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub involved_object: Option<ObjectReference>,
    /// Its replica count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    /// Resource limits, e.g. `{"cpu": "500m"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<BTreeMap<String, String>>,
    /// Resource requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<BTreeMap<String, String>>,
}

/// A reference to a Kubernetes object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// e.g. `DaemonSet`, `Deployment`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// API version of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// Namespace of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Name of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Uid of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Resource version of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// The body of `POST /v2/{project_id}/pools/{pool_name}/plugins`, which installs a plug-in or, when
/// the template is already installed, upgrades it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginRequest {
    /// Must be `v2`.
    pub api_version: String,
    /// Must be `Plugin`.
    pub kind: String,
    /// What to install.
    pub spec: PluginSpec,
}

impl PluginRequest {
    /// A request for `template` at `version` (the newest when `None`) with `inputs`.
    pub fn new(
        template: impl Into<String>,
        version: Option<String>,
        inputs: Option<serde_json::Value>,
    ) -> Self {
        Self {
            api_version: "v2".to_owned(),
            kind: "Plugin".to_owned(),
            spec: PluginSpec {
                template: PluginTemplateRef {
                    name: template.into(),
                    version,
                    inputs,
                },
            },
        }
    }
}

/// A plug-in's `status.phase`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginPhase {
    /// Being installed.
    Pending,
    /// Installed and healthy.
    Running,
    /// Being upgraded.
    Updating,
    /// Failed; `status.reason` says why.
    Abnormal,
    /// Being removed.
    Deleting,
    /// A phase this client does not know.
    Other(String),
}

impl PluginPhase {
    /// Parses the service's spelling.
    pub fn parse(phase: &str) -> Self {
        match phase {
            "Pending" => Self::Pending,
            "Running" => Self::Running,
            "Updating" => Self::Updating,
            "Abnormal" => Self::Abnormal,
            "Deleting" => Self::Deleting,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The service's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Updating => "Updating",
            Self::Abnormal => "Abnormal",
            Self::Deleting => "Deleting",
            Self::Other(other) => other,
        }
    }

    /// Where this phase stands in the life cycle. An unknown phase counts as in progress, so a
    /// waiter keeps polling until its timeout instead of declaring success or failure.
    pub fn progress(&self) -> Progress {
        match self {
            Self::Running => Progress::Done,
            Self::Abnormal => Progress::Failed,
            Self::Deleting => Progress::Deleting,
            Self::Pending | Self::Updating | Self::Other(_) => Progress::InProgress,
        }
    }
}

/// The answer of `GET /v2/{project_id}/plugintemplates`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PluginTemplateList {
    /// `PluginTemplateList` when present.
    #[serde(default)]
    pub kind: String,
    /// `v2` when present.
    #[serde(default)]
    pub api_version: String,
    /// The templates.
    #[serde(default)]
    pub items: Vec<PluginTemplate>,
}

/// A plug-in template: a name and the versions that can be installed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplate {
    /// Name and annotations.
    #[serde(default)]
    pub metadata: PluginTemplateMetadata,
    /// Type and versions.
    #[serde(default)]
    pub spec: PluginTemplateSpec,
}

/// `metadata` of a plug-in template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplateMetadata {
    /// Template name.
    #[serde(default)]
    pub name: String,
    /// Free-form annotations (description, category, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
}

/// `spec` of a plug-in template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplateSpec {
    /// `helm` or `ccePlugin`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub template_type: Option<String>,
    /// Installable versions, with their default inputs.
    #[serde(default)]
    pub versions: Vec<PluginTemplateVersion>,
}

/// One installable version of a plug-in template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginTemplateVersion {
    /// The version.
    #[serde(default)]
    pub version: String,
    /// The default installation parameters of this version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inputs: Option<serde_json::Value>,
}

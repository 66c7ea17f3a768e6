use serde::{Deserialize, Serialize};

use super::AddonVersion;

/// The answer of `GET /api/v3/addontemplates` and `GET /autopilot/v3/addontemplates` (the public CCE
/// reference): the add-on templates and their installable versions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonTemplateList {
    /// `Addon` (the list answer reuses the item kind).
    #[serde(default)]
    pub kind: String,
    /// Always `v3`.
    #[serde(default)]
    pub api_version: String,
    /// The templates.
    #[serde(default)]
    pub items: Vec<AddonTemplate>,
}

/// An add-on template: a name and the versions that can be installed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonTemplate {
    /// `Addon` when present.
    #[serde(default)]
    pub kind: String,
    /// `v3` when present.
    #[serde(default)]
    pub api_version: String,
    /// Name, alias, labels and times.
    #[serde(default)]
    pub metadata: AddonTemplateMetadata,
    /// Type and versions.
    #[serde(default)]
    pub spec: AddonTemplateSpec,
}

/// `metadata` of an add-on template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonTemplateMetadata {
    /// Template name, e.g. `coredns`; the `addonTemplateName` of installs.
    #[serde(default)]
    pub name: String,
    /// Template id (often the name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// Display alias.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Value>,
    /// Annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<serde_json::Value>,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_timestamp: Option<String>,
}

/// `spec` of an add-on template.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddonTemplateSpec {
    /// Template type, e.g. `helm`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub template_type: Option<String>,
    /// Whether the add-on is installed in every cluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require: Option<bool>,
    /// Template groups, e.g. `["ServiceDiscovery"]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Logo URL.
    #[serde(default, rename = "logoURL", skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
    /// Readme URL.
    #[serde(default, rename = "readmeURL", skip_serializing_if = "Option::is_none")]
    pub readme_url: Option<String>,
    /// Template description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Installable versions, each with its default `input` and the cluster versions it supports.
    #[serde(default)]
    pub versions: Vec<AddonVersion>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::decode;

    #[test]
    fn template_list_decodes_and_tolerates_nulls() {
        let list: AddonTemplateList = decode(
            br#"{"kind":"Addon","apiVersion":"v3","items":[{"kind":"Addon","apiVersion":"v3",
                "metadata":{"uid":"coredns","name":"coredns","alias":null,"labels":{"addon.support/type":"ALL"}},
                "spec":{"type":"helm","require":true,"labels":["ServiceDiscovery"],"logoURL":"","readmeURL":"",
                "description":"CoreDNS","versions":[{"version":"1.28.6","input":{"basic":{"swr_user":"x"}},
                "stable":true,"translate":null,"supportVersions":[{"clusterType":"VirtualMachine",
                "clusterVersion":["v1.2[5-9].*"]}],"creationTimestamp":"2024-02-19T11:33:46Z"}]}}]}"#,
        )
        .unwrap();
        let template = &list.items[0];
        assert_eq!(template.metadata.name, "coredns");
        assert_eq!(template.spec.template_type.as_deref(), Some("helm"));
        let version = &template.spec.versions[0];
        assert_eq!(version.version, "1.28.6");
        assert_eq!(version.input.as_ref().unwrap()["basic"]["swr_user"], "x");
        let support = version.support_versions.as_ref().unwrap();
        assert_eq!(support[0].cluster_type.as_deref(), Some("VirtualMachine"));
    }
}

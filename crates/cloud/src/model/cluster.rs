use serde::{Deserialize, Serialize};

/// The answer of CCE `ListClusters` (`GET /api/v3/projects/{project_id}/clusters`) and of its
/// Autopilot twin (`/autopilot/v3/projects/{project_id}/clusters`), as the SDK's
/// `ListClustersResponse` names its fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterList {
    /// `Cluster` (the list answer reuses the item kind).
    #[serde(default)]
    pub kind: String,
    /// `v3`.
    #[serde(default)]
    pub api_version: String,
    /// The clusters.
    #[serde(default)]
    pub items: Vec<Cluster>,
}

/// A CCE or Autopilot cluster (`ShowCluster`), the fields plinth reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cluster {
    /// `Cluster`.
    #[serde(default)]
    pub kind: String,
    /// `v3`.
    #[serde(default)]
    pub api_version: String,
    /// Id (`uid`), name and times.
    #[serde(default)]
    pub metadata: ClusterMetadata,
    /// Type, flavor and Kubernetes version.
    #[serde(default)]
    pub spec: ClusterSpec,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ClusterStatus>,
}

/// `metadata` of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterMetadata {
    /// The cluster id: the `cluster_id` of add-on calls.
    #[serde(default)]
    pub uid: String,
    /// The cluster name.
    #[serde(default)]
    pub name: String,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Update time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_timestamp: Option<String>,
}

/// `spec` of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSpec {
    /// `VirtualMachine`, `ARM64`, ...
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub cluster_type: Option<String>,
    /// The cluster flavor, e.g. `cce.s1.small`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flavor: Option<String>,
    /// The Kubernetes version, e.g. `v1.28`: what an add-on version's `supportVersions` match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The CCE platform version, e.g. `cce.10.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_version: Option<String>,
}

/// `status` of a cluster.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    /// `Available`, `Creating`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// The answer of ModelArts `ListPools` (`GET /v2/{project_id}/pools`), as the SDK's
/// `ListPoolsResponse` names its fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolList {
    /// `v2`.
    #[serde(default)]
    pub api_version: String,
    /// `PoolList`.
    #[serde(default)]
    pub kind: String,
    /// The pools.
    #[serde(default)]
    pub items: Vec<Pool>,
}

/// A ModelArts resource pool, the fields plinth reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pool {
    /// `v2`.
    #[serde(default)]
    pub api_version: String,
    /// `Pool`.
    #[serde(default)]
    pub kind: String,
    /// Name, labels and creation time.
    #[serde(default)]
    pub metadata: PoolMetadata,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PoolStatus>,
}

/// `metadata` of a pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolMetadata {
    /// The pool name: the `pool_name` of plug-in calls.
    #[serde(default)]
    pub name: String,
    /// Creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creation_timestamp: Option<String>,
    /// Labels, e.g. `os.modelarts/name` (the display name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<serde_json::Value>,
}

/// `status` of a pool.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PoolStatus {
    /// `Creating`, `Running`, `Abnormal`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
}

/// The body of `RollbackAddonInstance` (`POST /api/v3/addons/{id}/operation/rollback`, Autopilot
/// alike): the SDK's `AddonInstanceRollbackRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddonRollbackRequest {
    /// The cluster of the add-on.
    #[serde(rename = "clusterID")]
    pub cluster_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::decode;

    #[test]
    fn cluster_and_pool_lists_decode_with_the_sdk_field_names() {
        let clusters: ClusterList = decode(
            br#"{"kind":"Cluster","apiVersion":"v3","items":[{"kind":"Cluster","apiVersion":"v3",
                "metadata":{"uid":"c1","name":"prod","creationTimestamp":"2024-01-01 00:00:00"},
                "spec":{"type":"VirtualMachine","flavor":"cce.s1.small","version":"v1.28","platformVersion":"cce.10.0"},
                "status":{"phase":"Available"}}]}"#,
        )
        .unwrap();
        assert_eq!(clusters.items[0].metadata.uid, "c1");
        assert_eq!(clusters.items[0].spec.version.as_deref(), Some("v1.28"));
        let pools: PoolList = decode(
            br#"{"apiVersion":"v2","kind":"PoolList","items":[{"apiVersion":"v2","kind":"Pool",
                "metadata":{"name":"pool-a","labels":{"os.modelarts/name":"a"}},"status":{"phase":"Running"}}]}"#,
        )
        .unwrap();
        assert_eq!(pools.items[0].metadata.name, "pool-a");
        let body = serde_json::to_value(AddonRollbackRequest {
            cluster_id: "c1".to_owned(),
        })
        .unwrap();
        assert_eq!(body, serde_json::json!({"clusterID": "c1"}));
    }
}

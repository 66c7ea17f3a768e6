//! Wire models of the Huawei Cloud APIs plinth drives, exactly as the seeds show them.
//!
//! Every field the server may leave out is an `Option` or defaults, unknown fields are ignored, and
//! free-form parts (`inputs`, `values`, `translate`) stay [`serde_json::Value`]s. Responses are
//! decoded through [`decode`], which tolerates duplicated keys (seed 002 repeats `apiVersion` and
//! `kind`; the last occurrence wins, as in most JSON parsers).

mod addon;
mod addon_template;
mod cluster;
mod error;
mod iam;
mod plugin;

pub use addon::{
    Addon, AddonList, AddonMetadata, AddonRequest, AddonRequestMetadata, AddonRequestSpec,
    AddonSpec, AddonState, AddonStatus, AddonVersion, SupportVersion,
};
pub use addon_template::{
    AddonTemplate, AddonTemplateList, AddonTemplateMetadata, AddonTemplateSpec,
};
pub use cluster::{
    AddonRollbackRequest, Cluster, ClusterList, ClusterMetadata, ClusterSpec, ClusterStatus, Pool,
    PoolList, PoolMetadata, PoolStatus,
};
pub use error::{ErrorBody, NestedError};
pub use iam::{Project, ProjectList};
pub use plugin::{
    ObjectReference, Plugin, PluginList, PluginMetadata, PluginPhase, PluginRequest,
    PluginResource, PluginSpec, PluginStatus, PluginTemplate, PluginTemplateList,
    PluginTemplateMetadata, PluginTemplateRef, PluginTemplateSpec, PluginTemplateVersion,
};

use serde::de::DeserializeOwned;

pub use plinth_core::Progress;

/// Decodes a response body into `T`, tolerating duplicated object keys (the last one wins).
///
/// Derived `Deserialize` implementations reject a struct field that appears twice, and the real
/// service sends such bodies (seed 002), so the body goes through [`serde_json::Value`] first.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, serde_json::Error> {
    let value: serde_json::Value = serde_json::from_slice(body)?;
    serde_json::from_value(value)
}

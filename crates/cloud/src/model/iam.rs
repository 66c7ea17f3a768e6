use serde::{Deserialize, Serialize};

/// The answer of IAM `GET /v3/projects?name={region}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProjectList {
    /// The projects whose name matched.
    #[serde(default)]
    pub projects: Vec<Project>,
}

/// One IAM project; its `id` is the `project_id` of ModelArts URLs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Project {
    /// Project id (32 hex characters).
    pub id: String,
    /// Project name: the region name, e.g. `cn-north-4`.
    pub name: String,
    /// The account (domain) the project belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_id: Option<String>,
    /// Whether the project is enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
}

//! The catalogues and listings a template-aware plan reads: add-on templates (CCE and Autopilot)
//! with their versions, defaults and supported cluster versions, ModelArts plug-in templates, the
//! clusters of each service with their Kubernetes version, and the ModelArts pools.
//!
//! [`CatalogueCache`] reads each of them at most once per run and only when asked, so a plan
//! that needs none of them costs no call.

use serde_json::{Map, Value, json};
use tokio::sync::OnceCell;

use plinth_core::AddonApi;
use plinth_core::registry::{ApiFamily, TypeSpec};
use reqwest::Method;

use crate::client::{Client, addon_path};
use crate::error::{CloudError, Service};
use crate::model::{
    Addon, AddonRollbackRequest, AddonTemplateList, Cluster, ClusterList, PluginTemplateList,
    PoolList,
};

impl Client {
    /// CCE `ListClusters` / Autopilot `ListAutopilotClusters`: the clusters of the project.
    pub async fn list_clusters(&self, api: AddonApi) -> Result<ClusterList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let [first, second] = addon_path(api);
        let url = self.url(
            Service::Cce,
            None,
            &[first, second, "projects", &project, "clusters"],
            &[],
        )?;
        self.json(Service::Cce, Method::GET, url, Some(project), None)
            .await
    }

    /// CCE `ShowCluster` / Autopilot `ShowAutopilotCluster`: one cluster, with its version.
    pub async fn show_cluster(
        &self,
        api: AddonApi,
        cluster_id: &str,
    ) -> Result<Cluster, CloudError> {
        let project = self.project_id().await?.to_owned();
        let [first, second] = addon_path(api);
        let url = self.url(
            Service::Cce,
            None,
            &[first, second, "projects", &project, "clusters", cluster_id],
            &[],
        )?;
        self.json(Service::Cce, Method::GET, url, Some(project), None)
            .await
    }

    /// ModelArts `ListPools`: the resource pools of the project.
    pub async fn list_pools(&self) -> Result<PoolList, CloudError> {
        let project = self.project_id().await?.to_owned();
        let url = self.modelarts_url(&project, &["pools"], &[])?;
        self.json(Service::ModelArts, Method::GET, url, Some(project), None)
            .await
    }

    /// CCE / Autopilot `RollbackAddonInstance`: back to the version before the last upgrade
    /// (`POST .../addons/{id}/operation/rollback`); the answer is the add-on, rolling back.
    pub async fn rollback_addon(
        &self,
        api: AddonApi,
        cluster_id: &str,
        id: &str,
    ) -> Result<Addon, CloudError> {
        let project = self.project_id().await?.to_owned();
        let [first, second] = addon_path(api);
        let url = self.url(
            Service::Cce,
            None,
            &[first, second, "addons", id, "operation", "rollback"],
            &[],
        )?;
        let body = serde_json::to_vec(&AddonRollbackRequest {
            cluster_id: cluster_id.to_owned(),
        })
        .unwrap_or_default();
        // Not re-sent once it may have arrived: a second rollback would find nothing to roll back.
        self.json(Service::Cce, Method::POST, url, Some(project), Some(body))
            .await
    }
}

/// The values an add-on template version fills in, from its `input`: `basic` as it is, `custom`
/// from `parameters.custom`, and `flavor` from the flavor of `parameters` marked `is_default`
/// (without that mark). This is what the service stores for keys an install does not send.
pub fn addon_defaults(input: &Value) -> Value {
    let mut values = Map::new();
    if let Some(basic) = input.get("basic") {
        values.insert("basic".to_owned(), basic.clone());
    }
    if let Some(parameters) = input.get("parameters").and_then(Value::as_object) {
        if let Some(custom) = parameters.get("custom") {
            values.insert("custom".to_owned(), custom.clone());
        }
        let default_flavor = parameters.iter().find(|(key, flavor)| {
            key.as_str() != "custom"
                && flavor.get("is_default").and_then(Value::as_bool) == Some(true)
        });
        if let Some((_, flavor)) = default_flavor {
            let mut flavor = flavor.clone();
            if let Some(object) = flavor.as_object_mut() {
                object.remove("is_default");
            }
            values.insert("flavor".to_owned(), flavor);
        }
    }
    Value::Object(values)
}

/// Reads a templates data source (`huaweicloud_cce_addon_templates`,
/// `huaweicloud_cce_autopilot_addon_templates`, `huaweicloud_modelarts_plugin_templates`):
/// `templates`, each `{name, versions: [{version, defaults}]}`, oldest version first, only the
/// template named `template_name` when it is given. An add-on version's `defaults` are the values
/// it fills in ([`addon_defaults`]), a plug-in version's its default inputs.
pub(crate) async fn read_templates(
    client: &Client,
    spec: &'static TypeSpec,
    arguments: &Value,
) -> Result<Value, CloudError> {
    let name = arguments
        .get("template_name")
        .and_then(Value::as_str)
        .filter(|name| !name.is_empty());
    let templates: Vec<Value> = match spec.family {
        ApiFamily::Addons(api) => client
            .list_addon_templates(api, name)
            .await?
            .items
            .iter()
            .filter(|template| name.is_none_or(|name| template.metadata.name == name))
            .map(|template| {
                let versions: Vec<Value> = template
                    .spec
                    .versions
                    .iter()
                    .map(|version| {
                        let defaults = version.input.as_ref().map_or(json!({}), addon_defaults);
                        json!({"version": version.version, "defaults": defaults})
                    })
                    .collect();
                json!({"name": template.metadata.name, "versions": versions})
            })
            .collect(),
        ApiFamily::PoolPlugins => client
            .list_plugin_templates(name, None)
            .await?
            .items
            .iter()
            .filter(|template| name.is_none_or(|name| template.metadata.name == name))
            .map(|template| {
                let versions: Vec<Value> = template
                    .spec
                    .versions
                    .iter()
                    .map(|version| {
                        let defaults = version.inputs.clone().unwrap_or_else(|| json!({}));
                        json!({"version": version.version, "defaults": defaults})
                    })
                    .collect();
                json!({"name": template.metadata.name, "versions": versions})
            })
            .collect(),
    };
    let mut answer = Map::new();
    if let Some(name) = name {
        answer.insert("template_name".to_owned(), json!(name));
    }
    answer.insert("templates".to_owned(), Value::Array(templates));
    Ok(Value::Object(answer))
}

/// The catalogues of one client (one region and project), each read at most once: a per-run
/// cache. Reads that fail are not cached.
#[derive(Debug)]
pub struct CatalogueCache {
    client: Client,
    cce_templates: OnceCell<AddonTemplateList>,
    autopilot_templates: OnceCell<AddonTemplateList>,
    cce_clusters: OnceCell<ClusterList>,
    autopilot_clusters: OnceCell<ClusterList>,
    plugin_templates: OnceCell<PluginTemplateList>,
    pools: OnceCell<PoolList>,
}

impl CatalogueCache {
    /// An empty cache reading through `client`.
    pub fn new(client: Client) -> Self {
        Self {
            client,
            cce_templates: OnceCell::new(),
            autopilot_templates: OnceCell::new(),
            cce_clusters: OnceCell::new(),
            autopilot_clusters: OnceCell::new(),
            plugin_templates: OnceCell::new(),
            pools: OnceCell::new(),
        }
    }

    /// Every add-on template of `api`, with its versions.
    pub async fn addon_templates(&self, api: AddonApi) -> Result<&AddonTemplateList, CloudError> {
        let cell = match api {
            AddonApi::Cce => &self.cce_templates,
            AddonApi::Autopilot => &self.autopilot_templates,
        };
        cell.get_or_try_init(|| self.client.list_addon_templates(api, None))
            .await
    }

    /// Every cluster of `api`'s service, with its version.
    pub async fn clusters(&self, api: AddonApi) -> Result<&ClusterList, CloudError> {
        let cell = match api {
            AddonApi::Cce => &self.cce_clusters,
            AddonApi::Autopilot => &self.autopilot_clusters,
        };
        cell.get_or_try_init(|| self.client.list_clusters(api))
            .await
    }

    /// Every ModelArts plug-in template, with its versions.
    pub async fn plugin_templates(&self) -> Result<&PluginTemplateList, CloudError> {
        self.plugin_templates
            .get_or_try_init(|| self.client.list_plugin_templates(None, None))
            .await
    }

    /// Every ModelArts resource pool.
    pub async fn pools(&self) -> Result<&PoolList, CloudError> {
        self.pools
            .get_or_try_init(|| self.client.list_pools())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_take_basic_custom_and_the_default_flavor() {
        let input = json!({
            "basic": {"image_version": "1.28.6"},
            "parameters": {
                "custom": {"stub_domains": {}},
                "flavor1": {"is_default": true, "replicas": 2},
                "flavor2": {"replicas": 4}
            }
        });
        assert_eq!(
            addon_defaults(&input),
            json!({
                "basic": {"image_version": "1.28.6"},
                "custom": {"stub_domains": {}},
                "flavor": {"replicas": 2}
            })
        );
        assert_eq!(addon_defaults(&json!(null)), json!({}));
    }
}

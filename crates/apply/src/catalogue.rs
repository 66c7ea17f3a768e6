//! The catalogue reads of a refresh ([`plinth_planner::Plan::wanted_catalogue`]), and the
//! catalogue work of an upgrade: the values it sends and the rollback of one that failed.

use plinth_cloud::model::{AddonTemplateList, PluginTemplateList};
use plinth_cloud::{
    CatalogueCache, Client, CloudError, ObjectRef, RemoteObject, ResourceType, WaitOptions,
    WaitProgress, WaitTarget, addon_defaults, deep_merge, running_version,
};
use plinth_core::AddonApi;
use plinth_core::registry::ApiFamily;
use plinth_planner::{
    Catalogue, CatalogueRead, Observations, Template, TemplateVersion, WantedCatalogue,
    upgrade_values,
};
use std::collections::BTreeMap;

use crate::clients::Clients;
use serde_json::{Value as Json, json};

use crate::error::{ApplyError, OperationError};
use crate::operation::Failure;

/// The catalogue caches of a run: one per provider configuration, made when first needed.
pub(crate) struct Caches {
    clients: Clients,
    caches: BTreeMap<Option<String>, CatalogueCache>,
}

impl Caches {
    pub(crate) fn new(clients: &Clients) -> Caches {
        Caches {
            clients: clients.clone(),
            caches: BTreeMap::new(),
        }
    }

    fn of(&mut self, provider: Option<&str>) -> &CatalogueCache {
        let clients = &self.clients;
        self.caches
            .entry(provider.map(str::to_owned))
            .or_insert_with(|| {
                let client = provider
                    .and_then(|alias| clients.client_for_alias(alias))
                    .unwrap_or_else(|| clients.default_client());
                CatalogueCache::new(client.clone())
            })
    }
}

/// Performs the catalogue reads the planner asked for, each through the cache of its provider
/// configuration, and records them for the next plan.
pub(crate) async fn read_wanted(
    caches: &mut Caches,
    wanted: &[WantedCatalogue],
    observations: &mut Observations,
) -> Result<(), ApplyError> {
    for WantedCatalogue { provider, read } in wanted {
        let provider = provider.as_deref();
        read_one(
            caches.of(provider),
            *read,
            observations.catalogue_mut(provider),
        )
        .await?;
    }
    Ok(())
}

/// Performs one catalogue read through `cache` into `catalogue`.
async fn read_one(
    cache: &CatalogueCache,
    read: CatalogueRead,
    catalogue: &mut Catalogue,
) -> Result<(), ApplyError> {
    let failed = |error: CloudError| ApplyError::Catalogue {
        read: describe(read),
        error,
    };
    match read {
        CatalogueRead::Templates(family) => {
            let templates = templates(cache, family).await.map_err(failed)?;
            catalogue.insert_templates(family, templates);
        }
        CatalogueRead::Containers(ApiFamily::Addons(api)) => {
            let clusters = cache.clusters(api).await.map_err(failed)?;
            catalogue.insert_containers(
                ApiFamily::Addons(api),
                clusters
                    .items
                    .iter()
                    .map(|c| (c.metadata.uid.clone(), c.spec.version.clone())),
            );
        }
        CatalogueRead::Containers(ApiFamily::PoolPlugins) => {
            let pools = cache.pools().await.map_err(failed)?;
            catalogue.insert_containers(
                ApiFamily::PoolPlugins,
                pools.items.iter().map(|p| (p.metadata.name.clone(), None)),
            );
        }
    }
    Ok(())
}

/// What a catalogue read is, for messages.
fn describe(read: CatalogueRead) -> String {
    let family = |family: ApiFamily| match family {
        ApiFamily::Addons(AddonApi::Cce) => "CCE add-on",
        ApiFamily::Addons(AddonApi::Autopilot) => "CCE Autopilot add-on",
        ApiFamily::PoolPlugins => "ModelArts plug-in",
    };
    match read {
        CatalogueRead::Templates(f) => format!("the {} templates", family(f)),
        CatalogueRead::Containers(ApiFamily::Addons(AddonApi::Cce)) => {
            "the CCE clusters".to_owned()
        }
        CatalogueRead::Containers(ApiFamily::Addons(AddonApi::Autopilot)) => {
            "the CCE Autopilot clusters".to_owned()
        }
        CatalogueRead::Containers(ApiFamily::PoolPlugins) => {
            "the ModelArts resource pools".to_owned()
        }
    }
}

/// The templates of a family as the planner takes them.
async fn templates(cache: &CatalogueCache, family: ApiFamily) -> Result<Vec<Template>, CloudError> {
    Ok(match family {
        ApiFamily::Addons(api) => addon_templates(cache.addon_templates(api).await?),
        ApiFamily::PoolPlugins => plugin_templates(cache.plugin_templates().await?),
    })
}

fn addon_templates(list: &AddonTemplateList) -> Vec<Template> {
    list.items
        .iter()
        .map(|template| Template {
            name: template.metadata.name.clone(),
            versions: template
                .spec
                .versions
                .iter()
                .map(|version| TemplateVersion {
                    version: version.version.clone(),
                    defaults: version.input.as_ref().map_or(json!({}), addon_defaults),
                    cluster_versions: version
                        .support_versions
                        .iter()
                        .flatten()
                        .flat_map(|support| support.cluster_version.iter().flatten())
                        .cloned()
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

fn plugin_templates(list: &PluginTemplateList) -> Vec<Template> {
    list.items
        .iter()
        .map(|template| Template {
            name: template.metadata.name.clone(),
            versions: template
                .spec
                .versions
                .iter()
                .map(|version| TemplateVersion {
                    version: version.version.clone(),
                    defaults: version.inputs.clone().unwrap_or_else(|| json!({})),
                    cluster_versions: Vec::new(),
                })
                .collect(),
        })
        .collect()
}

/// The attributes an update sends: the user's over what is installed; for an upgrade (a new
/// version) the parameters are [`upgrade_values`] of the template's old and new defaults, so the
/// old version's defaults do not stay behind while what was set outside plinth does.
pub(crate) async fn update_attributes(
    client: &Client,
    kind: ResourceType,
    current: &RemoteObject,
    desired: &Json,
) -> Result<Json, CloudError> {
    let installed = current.attributes.to_value();
    let mut merged = deep_merge(&installed, desired);
    let spec = kind.spec();
    let (Some(template), Some(version)) = (spec.template, spec.version) else {
        return Ok(merged);
    };
    let text = |object: &Json, name: &str| {
        object
            .get(name)
            .and_then(Json::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(name), Some(old), Some(new)) = (
        text(&installed, template.name),
        text(&installed, version.running).or_else(|| text(&installed, version.wanted)),
        text(desired, version.wanted),
    ) else {
        return Ok(merged);
    };
    if old == new {
        return Ok(merged);
    }
    let defaults =
        |found: &Template, version: &str| found.version(version).map(|v| v.defaults.clone());
    let found = template_named(client, spec.family, &name).await?;
    let (Some(old_defaults), Some(new_defaults)) = (
        found.as_ref().and_then(|t| defaults(t, &old)),
        found.as_ref().and_then(|t| defaults(t, &new)),
    ) else {
        // A version the catalogue does not list: the cloud refuses it with its own message.
        return Ok(merged);
    };
    // The planned parameters are the user's over the installed ones: what the user changes is
    // what differs from them. (A value written equal to the installed one that is the old
    // version's default cannot be told from that default here; the plan shows what it sends.)
    let installed_parameters = installed.get(template.parameters).unwrap_or(&Json::Null);
    let user = desired
        .get(template.parameters)
        .and_then(|wanted| plinth_planner::differing(wanted, installed_parameters))
        .unwrap_or(Json::Null);
    let sent = upgrade_values(&old_defaults, &new_defaults, installed_parameters, &user);
    if let Some(object) = merged.as_object_mut() {
        object.insert(template.parameters.to_owned(), sent);
    }
    Ok(merged)
}

/// One template, read by name (an upgrade needs only its own).
async fn template_named(
    client: &Client,
    family: ApiFamily,
    name: &str,
) -> Result<Option<Template>, CloudError> {
    let templates = match family {
        ApiFamily::Addons(api) => {
            addon_templates(&client.list_addon_templates(api, Some(name)).await?)
        }
        ApiFamily::PoolPlugins => {
            plugin_templates(&client.list_plugin_templates(Some(name), None).await?)
        }
    };
    Ok(templates.into_iter().find(|template| template.name == name))
}

/// Whether the cloud says the add-on can be rolled back to its previous version
/// (`status.isRollbackable`).
pub(crate) async fn rollbackable(
    client: &Client,
    kind: ResourceType,
    object: &RemoteObject,
) -> Result<bool, CloudError> {
    let ApiFamily::Addons(api) = kind.spec().family else {
        return Ok(false);
    };
    let Some(id) = object.id.as_deref() else {
        return Ok(false);
    };
    let cluster = kind
        .spec()
        .template
        .and_then(|template| object.natural_key.get(template.container))
        .map(String::as_str);
    let addon = client.get_addon(api, cluster, id).await?;
    Ok(addon
        .status
        .and_then(|status| status.is_rollbackable)
        .unwrap_or(false))
}

/// Whether the desired attributes ask for a failed upgrade to be rolled back.
pub(crate) fn rollback_on_failure(desired: &Json) -> bool {
    desired
        .get(plinth_core::registry::ROLLBACK_ON_FAILURE_NAME)
        .and_then(Json::as_bool)
        == Some(true)
}

/// After an upgrade of `object` failed with `failure`: rolls it back when the cloud says it can
/// be (`isRollbackable`), waits for the rollback, and answers the failure that reports both. An
/// add-on that cannot be rolled back keeps the plain failure.
pub(crate) async fn roll_back(
    client: &Client,
    kind: ResourceType,
    object: &ObjectRef,
    failure: CloudError,
    wait: &WaitOptions,
    progress: &(dyn Fn(&WaitProgress) + Send + Sync),
) -> Failure {
    let plain = |error: OperationError| Failure {
        error,
        created: None,
        maybe_created: false,
    };
    let Ok(Some(failed)) = kind.read(client, object).await else {
        return plain(failure.into());
    };
    if !rollbackable(client, kind, &failed).await.unwrap_or(false) {
        return plain(failure.into());
    }
    let rolled = match kind.rollback(client, &failed).await {
        Ok(Some(rolled)) => rolled,
        Ok(None) => return plain(failure.into()),
        Err(rollback) => {
            return plain(OperationError::RollbackFailed {
                failure: Box::new(failure),
                rollback: Box::new(rollback),
            });
        }
    };
    match kind
        .wait(
            client,
            &rolled.object_ref(),
            WaitTarget::Ready,
            wait,
            progress,
        )
        .await
    {
        Ok(now) => {
            let now = now.unwrap_or(rolled);
            let running = kind
                .spec()
                .version
                .and_then(|v| running_version(&now, v.running))
                .unwrap_or_default();
            plain(OperationError::RolledBack {
                failure: Box::new(failure),
                version: running,
            })
        }
        Err(rollback) => plain(OperationError::RollbackFailed {
            failure: Box::new(failure),
            rollback: Box::new(rollback),
        }),
    }
}

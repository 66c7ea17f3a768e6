//! The driver of the add-on family ([`plinth_core::ApiFamily::Addons`]): `huaweicloud_cce_addon`
//! and `huaweicloud_cce_autopilot_addon`, add-ons of CCE and CCE Autopilot clusters, and their data
//! sources. Both APIs have the same shape under different paths (see [`AddonApi`]).
//!
//! Identity: `id` (the add-on's uid); natural key `cluster_id` + `template_name`. Install is a `POST`
//! (201), upgrade a `PUT` with the version and the FULL values, uninstall a `DELETE`.
//!
//! Attributes: `id`, `cluster_id`, `template_name`, `version`, `values`, `status`,
//! `current_version`, `reason`, `message`, and `description` (CCE) or `alias` (Autopilot).

use serde_json::{Map, Value, json};

use super::{ObjectRef, RemoteObject, listed, non_empty, object_attribute, optional_str};
use plinth_core::{AddonApi, Attributes};

use crate::client::Client;
use crate::error::CloudError;
use crate::model::{Addon, AddonRequest, AddonRequestSpec, AddonState, Progress};

/// Reads `data "huaweicloud_cce_addon"` / `"huaweicloud_cce_autopilot_addon"`: one add-on by `id`
/// (and `cluster_id`, which CCE requires), mapped like the managed add-on.
pub(super) async fn read_data(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    arguments: &Value,
) -> Result<Value, CloudError> {
    let id = super::required_str(resource_type, arguments, "id")?;
    let object = ObjectRef {
        id: Some(id.to_owned()),
        natural_key: optional_str(arguments, "cluster_id")
            .map(|cluster| {
                plinth_core::NaturalKey::from_iter([("cluster_id".to_owned(), cluster.to_owned())])
            })
            .unwrap_or_default(),
    };
    match read(api, resource_type, client, &object).await? {
        Some(found) => Ok(found.attributes.to_value()),
        None => Err(CloudError::InvalidAttributes {
            resource_type,
            message: format!("no add-on with id `{id}` exists"),
        }),
    }
}

/// Reads `data "huaweicloud_cce_addons"`: every add-on of a cluster, each mapped like the
/// managed add-on (its values included).
pub(super) async fn read_all(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    arguments: &Value,
) -> Result<Value, CloudError> {
    let cluster = super::required_str(resource_type, arguments, "cluster_id")?;
    let list = client.list_addons(api, cluster).await?;
    let addons: Vec<Value> = list
        .items
        .iter()
        .map(|addon| remote_object(api, addon, Some(cluster)))
        .filter(|addon| addon.progress != Progress::Gone)
        .map(|addon| addon.attributes.to_value())
        .collect();
    Ok(json!({"cluster_id": cluster, "addons": addons}))
}

pub(super) async fn list(
    api: AddonApi,
    client: &Client,
    cluster: &str,
) -> Result<Vec<RemoteObject>, CloudError> {
    let list = client.list_addons(api, cluster).await?;
    Ok(list
        .items
        .iter()
        .map(|addon| remote_object(api, addon, Some(cluster)))
        .filter(|addon| addon.progress != Progress::Gone)
        .collect())
}

pub(super) async fn read(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    object: &ObjectRef,
) -> Result<Option<RemoteObject>, CloudError> {
    if object.id.is_none() {
        return find(api, resource_type, client, &object.natural_key).await;
    }
    match fetch(api, resource_type, client, object).await {
        Ok(found) => Ok(Some(found)),
        Err(error) if error.is_not_found() => Ok(None),
        Err(error) => Err(error),
    }
}

/// Reads the add-on with `object`'s id; a 404 is the cloud's error.
pub(super) async fn fetch(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    object: &ObjectRef,
) -> Result<RemoteObject, CloudError> {
    let cluster = object.key("cluster_id");
    let Some(id) = object.id.as_deref() else {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "an id is required to read an add-on by id".to_owned(),
        });
    };
    if api == AddonApi::Cce && cluster.is_none() {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "`cluster_id` is required to read an add-on".to_owned(),
        });
    }
    let addon = client.get_addon(api, cluster, id).await?;
    Ok(remote_object(api, &addon, cluster))
}

pub(super) async fn find(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    natural_key: &plinth_core::NaturalKey,
) -> Result<Option<RemoteObject>, CloudError> {
    let (Some(cluster), Some(template)) = (
        natural_key.get("cluster_id"),
        natural_key.get("template_name"),
    ) else {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "`cluster_id` and `template_name` are required to find an add-on".to_owned(),
        });
    };
    let Some(list) = listed(client.list_addons(api, cluster).await)? else {
        return Ok(None);
    };
    let objects: Vec<RemoteObject> = list
        .items
        .iter()
        .filter(|addon| addon.spec.addon_template_name == *template)
        .map(|addon| remote_object(api, addon, Some(cluster)))
        .collect();
    Ok(under_key(&objects, template).cloned())
}

/// The add-on of a cluster's list under a template (its natural key). A deleted add-on does not
/// block a new install under its key; one being deleted is answered only when there is no other
/// (an add-on re-created while the old one is still deleting is the one under the key).
pub(super) fn under_key<'a>(
    listed: &'a [RemoteObject],
    template: &str,
) -> Option<&'a RemoteObject> {
    let mut under_key = listed
        .iter()
        .filter(|addon| {
            addon.natural_key.get("template_name").map(String::as_str) == Some(template)
        })
        .filter(|addon| addon.progress != Progress::Gone);
    let first = under_key.clone().next();
    under_key
        .find(|addon| addon.progress != Progress::Deleting)
        .or(first)
}

pub(super) async fn create(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    desired: &Value,
) -> Result<RemoteObject, CloudError> {
    let (spec, alias) = request_spec(api, resource_type, desired, None)?;
    let cluster = spec.cluster_id.clone();
    let answer = client
        .install_addon(api, &AddonRequest::install(spec, alias))
        .await?;
    Ok(remote_object(api, &answer, Some(&cluster)))
}

pub(super) async fn update(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    prior: &RemoteObject,
    desired: &Value,
) -> Result<RemoteObject, CloudError> {
    let Some(id) = prior.id.as_deref() else {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "the add-on to update has no id".to_owned(),
        });
    };
    let (spec, alias) = request_spec(api, resource_type, desired, Some(prior))?;
    let cluster = spec.cluster_id.clone();
    let answer = client
        .upgrade_addon(api, id, &AddonRequest::upgrade(spec, alias))
        .await?;
    Ok(remote_object(api, &answer, Some(&cluster)))
}

pub(super) async fn rollback(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    object: &RemoteObject,
) -> Result<RemoteObject, CloudError> {
    let cluster = object.natural_key.get("cluster_id").map(String::as_str);
    let (Some(id), Some(cluster)) = (object.id.as_deref(), cluster) else {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "rolling back an add-on needs its id and `cluster_id`".to_owned(),
        });
    };
    let answer = client.rollback_addon(api, cluster, id).await?;
    Ok(remote_object(api, &answer, Some(cluster)))
}

pub(super) async fn delete(
    api: AddonApi,
    resource_type: &'static str,
    client: &Client,
    object: &ObjectRef,
) -> Result<(), CloudError> {
    let cluster = object.key("cluster_id");
    let id = match &object.id {
        Some(id) => id.clone(),
        None => match find(api, resource_type, client, &object.natural_key).await? {
            Some(found) => found.id.unwrap_or_default(),
            None => return Ok(()),
        },
    };
    match client.delete_addon(api, cluster, &id).await {
        Err(error) if error.is_not_found() => Ok(()),
        other => other,
    }
}

/// The request spec and alias for `desired`. An upgrade must name a version: the one wanted, else
/// the one installed, so a change of values alone does not upgrade.
fn request_spec(
    api: AddonApi,
    resource_type: &'static str,
    desired: &Value,
    prior: Option<&RemoteObject>,
) -> Result<(AddonRequestSpec, Option<String>), CloudError> {
    let cluster_id = super::required_str(resource_type, desired, "cluster_id")?.to_owned();
    let template = super::required_str(resource_type, desired, "template_name")?.to_owned();
    let values = object_attribute(resource_type, desired, "values")?;
    let prior = prior.map(|prior| prior.attributes.to_value());
    let version = optional_str(desired, "version")
        .or_else(|| {
            prior.as_ref().and_then(|prior| {
                optional_str(prior, "version").or_else(|| optional_str(prior, "current_version"))
            })
        })
        .map(str::to_owned);
    if prior.is_some() && version.is_none() {
        return Err(CloudError::InvalidAttributes {
            resource_type,
            message: "an upgrade needs a `version`, and the installed one is not known".to_owned(),
        });
    }
    let alias = match api {
        AddonApi::Autopilot => optional_str(desired, "alias").map(str::to_owned),
        AddonApi::Cce => None,
    };
    Ok((
        AddonRequestSpec {
            cluster_id,
            version,
            addon_template_name: template,
            values,
        },
        alias,
    ))
}

/// Maps a wire add-on to plinth's attributes. `cluster` fills `cluster_id` when the answer lacks
/// `spec.clusterID`; `null` values become `{}`.
pub(crate) fn remote_object(api: AddonApi, addon: &Addon, cluster: Option<&str>) -> RemoteObject {
    let status = addon.status.as_ref();
    let raw_status = status
        .and_then(|status| status.status.clone())
        .unwrap_or_default();
    let progress = if raw_status.is_empty() {
        Progress::InProgress
    } else {
        AddonState::parse(&raw_status).progress()
    };
    let reason = status.and_then(|status| non_empty(status.reason.as_deref()));
    let message = status.and_then(|status| non_empty(status.message.as_deref()));
    let cluster_id = non_empty(addon.spec.cluster_id.as_deref())
        .or_else(|| cluster.map(str::to_owned))
        .unwrap_or_default();
    let template = addon.spec.addon_template_name.clone();
    let current_version = status
        .and_then(|status| status.current_version.as_ref())
        .and_then(|current| non_empty(Some(&current.version)));
    let mut attributes = Map::new();
    attributes.insert("id".to_owned(), json!(addon.uid()));
    attributes.insert("cluster_id".to_owned(), json!(cluster_id));
    attributes.insert("template_name".to_owned(), json!(template));
    attributes.insert("version".to_owned(), json!(addon.spec.version));
    match api {
        AddonApi::Cce => {
            attributes.insert("description".to_owned(), json!(addon.spec.description));
        }
        AddonApi::Autopilot => {
            attributes.insert("alias".to_owned(), json!(addon.metadata.alias));
        }
    }
    attributes.insert(
        "values".to_owned(),
        match &addon.spec.values {
            Some(values @ Value::Object(_)) => values.clone(),
            _ => json!({}),
        },
    );
    attributes.insert("status".to_owned(), json!(raw_status));
    attributes.insert("current_version".to_owned(), json!(current_version));
    attributes.insert("reason".to_owned(), json!(reason));
    attributes.insert("message".to_owned(), json!(message));
    RemoteObject {
        id: addon.uid().map(str::to_owned),
        natural_key: plinth_core::NaturalKey::from_iter([
            ("cluster_id".to_owned(), cluster_id),
            ("template_name".to_owned(), template),
        ]),
        attributes: Attributes::new(&Value::Object(attributes)),
        progress,
        status: raw_status,
        reason,
        message,
    }
}

//! The driver of the plug-in family ([`plinth_core::ApiFamily::PoolPlugins`]):
//! `huaweicloud_modelarts_pool_plugin`, a plug-in of a ModelArts resource pool, and the data source
//! `huaweicloud_modelarts_pool_plugins`.
//!
//! Identity: `pool_name` + `template_name` (at most one plug-in per template and pool; plug-ins have
//! no id). Create and update are the same `POST` with all inputs; delete is by template name; read
//! lists the pool's plug-ins and picks the template.
//!
//! Attributes: `pool_name`, `template_name`, `version`, `inputs`, `phase`, `reason`,
//! `installed_version`, `created_at`.

use serde_json::{Value, json};

use super::{
    ObjectRef, RemoteObject, ResourceType, listed, non_empty, object_attribute, optional_str,
};
use crate::client::Client;
use crate::error::CloudError;
use crate::model::{Plugin, PluginPhase, PluginRequest, Progress};
use plinth_core::Attributes;

/// Finds the plug-in of a template in a pool by listing the pool's plug-ins.
pub(super) async fn find(
    kind: ResourceType,
    client: &Client,
    natural_key: &plinth_core::NaturalKey,
) -> Result<Option<RemoteObject>, CloudError> {
    let key = plinth_core::natural_key_json(natural_key);
    let key = kind.natural_key(&key)?;
    let (pool, template) = (part(&key, "pool_name"), part(&key, "template_name"));
    let Some(list) = listed(client.list_plugins(pool).await)? else {
        return Ok(None);
    };
    Ok(list
        .items
        .iter()
        .find(|plugin| plugin.template_name() == template)
        .map(|plugin| remote_object(pool, plugin)))
}

pub(super) async fn create(
    kind: ResourceType,
    client: &Client,
    desired: &Value,
) -> Result<RemoteObject, CloudError> {
    let (pool, request) = request(kind, desired, None)?;
    let answer = client.create_plugin(&pool, &request).await?;
    Ok(remote_object(&pool, &with_template(answer, &request)))
}

pub(super) async fn update(
    kind: ResourceType,
    client: &Client,
    prior: &RemoteObject,
    desired: &Value,
) -> Result<RemoteObject, CloudError> {
    let (pool, request) = request(kind, desired, Some(prior))?;
    let answer = client.upgrade_plugin(&pool, &request).await?;
    Ok(remote_object(&pool, &with_template(answer, &request)))
}

pub(super) async fn delete(
    kind: ResourceType,
    client: &Client,
    object: &ObjectRef,
) -> Result<(), CloudError> {
    let key = plinth_core::natural_key_json(&object.natural_key);
    let key = kind.natural_key(&key)?;
    match client
        .delete_plugin(part(&key, "pool_name"), part(&key, "template_name"))
        .await
    {
        Err(error) if error.is_not_found() => Ok(()),
        other => other,
    }
}

/// Reads `data "huaweicloud_modelarts_pool_plugins"`: every plug-in of `pool_name`, each mapped
/// like the managed plug-in.
pub(super) async fn list(client: &Client, pool: &str) -> Result<Vec<RemoteObject>, CloudError> {
    let list = client.list_plugins(pool).await?;
    Ok(list
        .items
        .iter()
        .map(|plugin| remote_object(pool, plugin))
        .filter(|plugin| plugin.progress != Progress::Gone)
        .collect())
}

pub(super) async fn read_data(
    resource_type: &'static str,
    client: &Client,
    arguments: &Value,
) -> Result<Value, CloudError> {
    let pool = super::required_str(resource_type, arguments, "pool_name")?;
    let list = client.list_plugins(pool).await?;
    let plugins: Vec<Value> = list
        .items
        .iter()
        .map(|plugin| remote_object(pool, plugin).attributes.to_value())
        .collect();
    Ok(json!({"pool_name": pool, "plugins": plugins}))
}

/// The pool and the `POST` body for `desired`: ALL inputs, and the version wanted (or, on an
/// update that names none, the version installed, so an update never upgrades by surprise).
fn request(
    kind: ResourceType,
    desired: &Value,
    prior: Option<&RemoteObject>,
) -> Result<(String, PluginRequest), CloudError> {
    let key = kind.natural_key(desired)?;
    let inputs = object_attribute(kind.type_name(), desired, "inputs")?;
    let version = optional_str(desired, "version")
        .map(str::to_owned)
        .or_else(|| {
            let prior = prior?.attributes.to_value();
            optional_str(&prior, "version").map(str::to_owned)
        });
    let request = PluginRequest::new(
        part(&key, "template_name").to_owned(),
        version,
        Some(inputs),
    );
    Ok((part(&key, "pool_name").to_owned(), request))
}

/// A part of a natural key that [`ResourceType::natural_key`] made, so is there.
fn part<'k>(key: &'k plinth_core::NaturalKey, name: &str) -> &'k str {
    key.get(name).map_or("", String::as_str)
}

/// The create answer holds only `spec` (seed 001); fill what it left out from the request.
fn with_template(mut answer: Plugin, request: &PluginRequest) -> Plugin {
    if answer.spec.template.name.is_empty() {
        answer
            .spec
            .template
            .name
            .clone_from(&request.spec.template.name);
    }
    if answer.spec.template.version.is_none() {
        answer
            .spec
            .template
            .version
            .clone_from(&request.spec.template.version);
    }
    if answer.spec.template.inputs.is_none() {
        answer
            .spec
            .template
            .inputs
            .clone_from(&request.spec.template.inputs);
    }
    answer
}

fn natural_key(pool: &str, template: &str) -> plinth_core::NaturalKey {
    plinth_core::NaturalKey::from_iter([
        ("pool_name".to_owned(), pool.to_owned()),
        ("template_name".to_owned(), template.to_owned()),
    ])
}

/// Maps a wire plug-in to plinth's attributes. A plug-in without a status (the create answer) is
/// in progress.
pub(crate) fn remote_object(pool: &str, plugin: &Plugin) -> RemoteObject {
    let status = plugin.status.as_ref();
    let phase = status
        .and_then(|status| status.phase.clone())
        .unwrap_or_default();
    let progress = if phase.is_empty() {
        Progress::InProgress
    } else {
        PluginPhase::parse(&phase).progress()
    };
    let installed_version = status.and_then(|status| non_empty(status.version.as_deref()));
    let reason = status.and_then(|status| non_empty(status.reason.as_deref()));
    let template = &plugin.spec.template;
    let attributes = json!({
        "pool_name": pool,
        "template_name": template.name,
        // The list answer may leave `spec.template.version` out (seed 000, gpu-beta); the
        // installed version is then the version.
        "version": non_empty(template.version.as_deref()).or_else(|| installed_version.clone()),
        "inputs": match &template.inputs {
            Some(inputs @ Value::Object(_)) => inputs.clone(),
            _ => json!({}),
        },
        "phase": phase,
        "reason": reason,
        "installed_version": installed_version,
        "created_at": plugin.metadata.as_ref().and_then(|metadata| metadata.creation_timestamp.clone()),
    });
    RemoteObject {
        id: None,
        natural_key: natural_key(pool, &template.name),
        attributes: Attributes::new(&attributes),
        progress,
        status: phase,
        reason,
        message: None,
    }
}

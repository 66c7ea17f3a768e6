//! Reading data sources.

use plinth_cloud::{Client, CloudError, ObjectRef, ResourceType};
use serde_json::{Value as Json, json};

/// Reads the data source `type_name` with its evaluated `arguments`, answering its attributes.
pub(crate) async fn read_data(
    client: &Client,
    type_name: &str,
    arguments: &Json,
) -> Result<Json, CloudError> {
    let text = |name: &str| {
        arguments
            .get(name)
            .and_then(Json::as_str)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let invalid = |message: &str| CloudError::InvalidAttributes {
        resource_type: match type_name {
            "huaweicloud_cce_addon" => "huaweicloud_cce_addon",
            "huaweicloud_cce_autopilot_addon" => "huaweicloud_cce_autopilot_addon",
            _ => "huaweicloud_modelarts_pool_plugins",
        },
        message: message.to_owned(),
    };
    match type_name {
        "huaweicloud_cce_addon" | "huaweicloud_cce_autopilot_addon" => {
            let kind = ResourceType::from_type_name(type_name)
                .ok_or_else(|| invalid("unknown add-on type"))?;
            let object = ObjectRef {
                id: Some(text("id").ok_or_else(|| invalid("`id` is required"))?),
                natural_key: text("cluster_id")
                    .map(|cluster| [("cluster_id".to_owned(), cluster)].into())
                    .unwrap_or_default(),
            };
            match kind.read(client, &object).await? {
                Some(found) => Ok(found.attributes),
                None => Err(invalid(&format!(
                    "no add-on with id `{}` exists",
                    object.id.unwrap_or_default()
                ))),
            }
        }
        "huaweicloud_modelarts_pool_plugins" => {
            let pool = text("pool_name").ok_or_else(|| invalid("`pool_name` is required"))?;
            let list = client.list_plugins(&pool).await?;
            let plugins: Vec<Json> = list
                .items
                .iter()
                .map(|plugin| {
                    let status = plugin.status.as_ref();
                    let installed = status.and_then(|s| s.version.clone());
                    json!({
                        "pool_name": pool,
                        "template_name": plugin.spec.template.name,
                        "version": plugin.spec.template.version.clone().or_else(|| installed.clone()),
                        "inputs": plugin.spec.template.inputs.clone().unwrap_or_else(|| json!({})),
                        "phase": status.and_then(|s| s.phase.clone()),
                        "reason": status.and_then(|s| s.reason.clone()),
                        "installed_version": installed,
                        "created_at": plugin.metadata.as_ref().and_then(|m| m.creation_timestamp.clone()),
                    })
                })
                .collect();
            Ok(json!({"pool_name": pool, "plugins": plugins}))
        }
        _ => Err(invalid("unknown data source type")),
    }
}

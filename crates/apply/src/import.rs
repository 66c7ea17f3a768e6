//! `plinth import ADDR ID`: adopting one existing object into the state.

use plinth_core::{Mode, ResourceAddress};
use std::collections::BTreeMap;

use plinth_cloud::{Client, CloudError, Progress, ResourceType};
use plinth_config::{Configuration, ObjectMap, ResourceValues};
use plinth_state::{Change, Journal, ResourceState, State, Status};

use crate::error::ApplyError;
use crate::known::{object_values, record, sensitive_pointers};

/// Imports the object with import id `id` (`<cluster_id>/<addon_id>`, `<pool>/<template>`, ...,
/// see [`plinth_core::TypeSpec::import_ids`]) at `address`: reads it and records it in
/// `journal`. Refuses an address that is not a configured instance, one already in the state,
/// an object the state already manages elsewhere, and an object that does not exist. Answers
/// what was recorded.
pub async fn import(
    config: &Configuration,
    journal: &mut Journal<'_>,
    client: &Client,
    address: &ResourceAddress,
    id: &str,
) -> Result<ResourceState, ApplyError> {
    let kind = ResourceType::from_type_name(address.type_name())
        .filter(|_| address.mode() == Mode::Managed)
        .ok_or_else(|| ApplyError::UnsupportedType {
            address: address.clone(),
        })?;
    if journal.state().resource(address).is_some() {
        return Err(ApplyError::AlreadyManaged {
            address: address.clone(),
        });
    }
    // Only its block, and what that refers to, is evaluated.
    let instances = plinth_config::expand_resources(
        config,
        &[address.resource()],
        &StateValues(journal.state()),
    )
    .map_err(ApplyError::Configuration)?;
    let instance = instances
        .into_iter()
        .find(|instance| instance.address == *address)
        .ok_or_else(|| ApplyError::NotConfigured {
            address: address.clone(),
        })?;
    let cloud_error = |source| ApplyError::Import {
        address: address.clone(),
        source: Box::new(source),
    };
    let object = kind.parse_import_id(id).map_err(cloud_error)?;
    // Read once, never waited for: an object that does not exist fails the import at once,
    // with the cloud's 404 where there is one.
    let not_found = |cloud: Option<CloudError>| ApplyError::ImportNotFound {
        address: address.clone(),
        id: id.to_owned(),
        cloud: cloud.map(Box::new),
    };
    let found = match kind.fetch(client, &object).await {
        Ok(Some(found)) if found.progress != Progress::Gone => found,
        Ok(_) => return Err(not_found(None)),
        Err(error) if error.is_not_found() => return Err(not_found(Some(error))),
        Err(error) => return Err(cloud_error(error)),
    };
    let same_object = |resource: &ResourceState| match &found.id {
        Some(id) => resource.id.as_ref() == Some(id),
        None => !found.natural_key.is_empty() && resource.natural_key == found.natural_key,
    };
    if let Some((managed_as, _)) = journal
        .state()
        .resources()
        .iter()
        .find(|(other, resource)| other.type_name() == address.type_name() && same_object(resource))
    {
        return Err(ApplyError::ObjectAlreadyManaged {
            address: address.clone(),
            managed_as: Box::new(managed_as.clone()),
        });
    }
    let mut dependencies: Vec<ResourceAddress> = instance.dependencies().into_iter().collect();
    dependencies.sort();
    let status = if found.progress == Progress::Failed {
        Status::Tainted
    } else {
        Status::Ready
    };
    let resource = record(
        journal.state(),
        &found,
        &BTreeMap::new(),
        &dependencies,
        &sensitive_pointers(&instance.attributes),
        status,
    );
    journal.record(Change::Upsert {
        address: address.clone(),
        resource: resource.clone(),
    })?;
    Ok(resource)
}

/// What the state knows of every resource, for evaluating the configuration outside an apply.
struct StateValues<'a>(&'a State);

impl ResourceValues for StateValues<'_> {
    fn attributes(&self, address: &ResourceAddress) -> Option<ObjectMap> {
        let resource = self.0.resource(address)?;
        Some(object_values(
            resource.id.as_deref(),
            &resource.attributes.to_value(),
        ))
    }
}

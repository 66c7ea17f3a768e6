//! `plinth import ADDR ID`: adopting one existing object into the state; and reading the
//! objects of `import` blocks for the plan.

use plinth_core::{Mode, ResourceAddress};
use std::collections::BTreeMap;

use plinth_cloud::{Client, CloudError, Progress, ResourceType};
use plinth_config::{Configuration, Import, ObjectMap, ResourceValues};
use plinth_planner::{Lookup, Observations};
use plinth_state::{Change, Journal, ResourceState, State, Status};

use crate::clients::Clients;
use crate::error::ApplyError;
use crate::known::{object_values, record, sensitive_pointers, sensitive_strings};
use crate::refresh::{RefreshOptions, bounded};

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
    // The cloud's errors name no value the configuration marks sensitive.
    let secrets = sensitive_strings(&instance.attributes);
    let masked = |mut error: CloudError| {
        error.mask(&secrets);
        error
    };
    let cloud_error = |source| ApplyError::Import {
        address: address.clone(),
        source: Box::new(masked(source)),
    };
    let object = kind.parse_import_id(id).map_err(cloud_error)?;
    // Read once, never waited for: an object that does not exist fails the import at once,
    // with the cloud's 404 where there is one.
    let not_found = |cloud: Option<CloudError>| ApplyError::ImportNotFound {
        address: address.clone(),
        id: id.to_owned(),
        cloud: cloud.map(|error| Box::new(masked(error))),
    };
    let found = match kind.fetch(client, &object).await {
        Ok(Some(found)) if found.progress != Progress::Gone => found,
        Ok(_) => return Err(not_found(None)),
        Err(error) if error.is_not_found() => return Err(not_found(Some(error))),
        Err(error) => return Err(cloud_error(error)),
    };
    let state = journal.state();
    let same_object = |resource: &ResourceState| match &found.id {
        Some(id) => resource.id.as_ref() == Some(id),
        None => {
            !found.natural_key.is_empty()
                && state.natural_key_matches(&resource.natural_key, &found.natural_key)
        }
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
    let mut resource = record(
        journal.state(),
        &found,
        &plinth_core::NaturalKey::new(),
        &dependencies,
        &sensitive_pointers(&instance.attributes),
        status,
    );
    // The state keeps which provider configuration manages it (the caller passed its client).
    resource.provider = config
        .resource(&address.resource())
        .and_then(|block| block.provider())
        .map(str::to_owned);
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

/// Reads the objects of the `import` blocks whose targets the state does not have yet, by
/// their import ids (at most `options.parallelism` at once), and records each as found at its
/// target: the planner plans it as an import. An object that does not exist, an id of no
/// accepted form, or a read that failed is an error naming the target and the id.
pub(crate) async fn read_import_targets(
    config: &Configuration,
    state: &State,
    clients: &Clients,
    options: &RefreshOptions,
    observations: &mut Observations,
) -> Result<(), ApplyError> {
    let imports: Vec<&Import> = config
        .imports()
        .iter()
        .filter(|import| state.resource(import.to()).is_none())
        .collect();
    for (address, object) in read_imports(&imports, clients, options.parallelism).await? {
        observations.insert_lookup(address, Lookup::Found(object));
    }
    Ok(())
}

/// Reads the objects of the imports whose targets have no `resource` block (what `plan
/// --generate-config-out` writes configuration for), at most `parallelism` at once: each
/// target with the import id and the object's attributes, sorted by address.
pub async fn read_unconfigured_imports(
    config: &Configuration,
    client: &Client,
    parallelism: usize,
) -> Result<Vec<(ResourceAddress, String, serde_json::Value)>, ApplyError> {
    let imports = config.imports_without_block();
    let ids: BTreeMap<ResourceAddress, String> = imports
        .iter()
        .map(|import| (import.to().clone(), import.id().to_owned()))
        .collect();
    let mut found: Vec<(ResourceAddress, String, serde_json::Value)> =
        read_imports(&imports, &Clients::single(client.clone()), parallelism)
            .await?
            .into_iter()
            .map(|(address, object)| {
                let id = ids.get(&address).cloned().unwrap_or_default();
                (address, id, object.attributes.to_value())
            })
            .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(found)
}

/// Reads the objects of `imports` by their ids; fails with the first failure by address.
async fn read_imports(
    imports: &[&Import],
    clients: &Clients,
    parallelism: usize,
) -> Result<Vec<(ResourceAddress, plinth_cloud::RemoteObject)>, ApplyError> {
    let mut reads = Vec::new();
    for import in imports {
        let address = import.to();
        let kind = ResourceType::from_type_name(address.type_name()).ok_or_else(|| {
            ApplyError::UnsupportedType {
                address: address.clone(),
            }
        })?;
        let failed = |source| ApplyError::ImportBlock {
            address: address.clone(),
            id: import.id().to_owned(),
            error: Box::new(source),
        };
        let object = kind.parse_import_id(import.id()).map_err(failed)?;
        reads.push((address.clone(), import.id().to_owned(), kind, object));
    }
    let results = bounded(
        parallelism,
        reads,
        |clients, (address, id, kind, object)| {
            let client = clients.client_for(&address).clone();
            async move {
                // An add-on that does not exist is the cloud's 404 (its code, message and
                // request id): the user sees what the cloud said of the id they wrote.
                let found = kind.fetch(&client, &object).await;
                (address, id, found)
            }
        },
        clients,
    )
    .await?;
    let mut found = Vec::with_capacity(results.len());
    let mut errors = Vec::new();
    for (address, id, result) in results {
        match result {
            Ok(Some(object)) => found.push((address, object)),
            Ok(None) => errors.push(ApplyError::ImportNotFound {
                address,
                id,
                cloud: None,
            }),
            Err(error) => errors.push(ApplyError::ImportBlock {
                address,
                id,
                error: Box::new(error),
            }),
        }
    }
    // One error is reported: the first by address, so that runs agree.
    errors.sort_by(|a, b| error_address(a).cmp(&error_address(b)));
    match errors.into_iter().next() {
        Some(error) => Err(error),
        None => Ok(found),
    }
}

fn error_address(error: &ApplyError) -> Option<&ResourceAddress> {
    match error {
        ApplyError::ImportNotFound { address, .. } | ApplyError::ImportBlock { address, .. } => {
            Some(address)
        }
        _ => None,
    }
}

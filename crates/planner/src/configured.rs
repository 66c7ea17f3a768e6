//! From the configuration crate's types to the planner's: blocks, instances, addresses, and the
//! evaluation rounds that let unknown values spread to dependents.

use std::collections::{BTreeMap, HashMap};

use plinth_config::{
    Configuration, InstanceAddress, ReferenceStep, ResourceInstance, ResourceValues, Value,
};
use plinth_state::{InstanceKey, Mode, ResourceAddress, State};

use crate::error::PlanError;
use crate::observe::{Lookup, Observations, Observed, PlanOptions, RemoteObject};
use crate::plan::{Block, Instance, Plan, plan_instances, with_id};

/// Plans the changes that bring the cloud to the configuration.
///
/// `prior` is the state as loaded; `observed` what the refresh found (empty with
/// `--no-refresh`). The configuration is evaluated with what is known about every resource:
/// the refreshed objects first, then the planned objects, again until nothing changes, so that
/// values known only after apply (the id of a resource being created, the status of one being
/// updated) reach every expression that refers to them as [`Value::Unknown`].
pub fn plan(
    config: &Configuration,
    prior: &State,
    observed: &Observations,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let blocks = blocks(config)?;
    let index: HashMap<&plinth_config::ResourceAddress, usize> = config
        .all_resources()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address(), i))
        .collect();
    if options.destroy {
        // A destroy needs nothing evaluated: it deletes what the state has.
        return plan_instances(&blocks, Vec::new(), prior, observed, options).map(|(plan, _)| plan);
    }
    let mut known = Known(initial_values(prior, observed));
    // Each round lets unknown values move one reference further; a chain cannot be longer than
    // the number of blocks, so this bound is never what ends a sound configuration's rounds.
    let rounds = blocks.len() + 2;
    let mut round = 0;
    loop {
        let instances = plinth_config::expand(config, &known).map_err(PlanError::Configuration)?;
        let instances = instances
            .into_iter()
            .map(|instance| convert_instance(&index, instance))
            .collect::<Result<Vec<_>, _>>()?;
        let (plan, afters) = plan_instances(&blocks, instances, prior, observed, options)?;
        let next: HashMap<ResourceAddress, BTreeMap<String, Value>> = afters
            .into_iter()
            .map(|(address, value)| (address, into_map(value)))
            .collect();
        round += 1;
        if next == known.0 || round >= rounds {
            return Ok(plan);
        }
        known = Known(next);
    }
}

/// What expressions see of other resources, by state address.
struct Known(HashMap<ResourceAddress, BTreeMap<String, Value>>);

impl ResourceValues for Known {
    fn attributes(&self, instance: &InstanceAddress) -> Option<BTreeMap<String, Value>> {
        let address = state_address(instance).ok()?;
        self.0.get(&address).cloned()
    }
}

/// What is known before planning: refreshed objects, or the state's where not refreshed (its
/// sealed sensitive values marked sensitive), adopted objects and data source reads.
fn initial_values(
    prior: &State,
    observed: &Observations,
) -> HashMap<ResourceAddress, BTreeMap<String, Value>> {
    let mut known = HashMap::new();
    for (address, resource) in prior.resources() {
        let mut value = match observed.resource(address) {
            Some(Observed::Present(object)) => Value::from(object.attributes.clone()),
            Some(Observed::Gone) => continue,
            None => {
                let mut value = Value::from(resource.attributes.to_value());
                for pointer in &resource.sensitive {
                    mark_sensitive(&mut value, pointer);
                }
                value
            }
        };
        let id = match observed.resource(address) {
            Some(Observed::Present(RemoteObject { id: Some(id), .. })) => Some(id.as_str()),
            _ => resource.id.as_deref(),
        };
        if let Some(schema) =
            plinth_config::schema(config_mode(address.mode()), address.type_name())
        {
            with_id(schema, &mut value, id);
        }
        known.insert(address.clone(), into_map(value));
    }
    for (address, lookup) in observed.lookups() {
        if let Lookup::Found(object) = lookup {
            known.insert(
                address.clone(),
                into_map(Value::from(object.attributes.clone())),
            );
        }
    }
    for (address, attributes) in observed.data_reads() {
        known.insert(address.clone(), into_map(Value::from(attributes.clone())));
    }
    known
}

fn into_map(value: Value) -> BTreeMap<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => BTreeMap::new(),
    }
}

/// Marks the value at a JSON pointer sensitive.
fn mark_sensitive(value: &mut Value, pointer: &str) {
    let mut slot = value;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        slot = match slot {
            Value::Object(map) => match map.get_mut(&key) {
                Some(next) => next,
                None => return,
            },
            Value::List(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(next) => next,
                None => return,
            },
            _ => return,
        };
    }
    let taken = std::mem::replace(slot, Value::Null);
    *slot = taken.mark_sensitive();
}

/// The planner's view of every block of the configuration.
fn blocks(config: &Configuration) -> Result<Vec<Block<'_>>, PlanError> {
    config
        .all_resources()
        .iter()
        .map(|resource| {
            let address = block_address(resource.address())?;
            let schema = plinth_config::schema(resource.mode(), resource.resource_type())
                .ok_or_else(|| PlanError::UnknownType {
                    address: address.clone(),
                    type_name: resource.resource_type().to_owned(),
                })?;
            let mut dependencies = Vec::new();
            for reference in resource.references() {
                let target = block_address(&reference.address)?;
                let key = match reference.steps.first() {
                    Some(ReferenceStep::Index(key)) => parse_key(key),
                    _ => None,
                };
                dependencies.push(target.with_key(key));
            }
            for dependency in resource.depends_on() {
                dependencies.push(block_address(&dependency.address)?);
            }
            dependencies.sort();
            dependencies.dedup();
            dependencies.retain(|d| d.resource() != address);
            Ok(Block {
                address,
                schema,
                lifecycle: resource.lifecycle(),
                dependencies,
            })
        })
        .collect()
}

/// A literal index of a reference as the configuration writes it: `0` or `"pool-a"`.
fn parse_key(key: &str) -> Option<InstanceKey> {
    if key.starts_with('"') {
        serde_json::from_str::<String>(key)
            .ok()
            .map(InstanceKey::String)
    } else {
        key.parse::<u64>().ok().map(InstanceKey::Int)
    }
}

fn convert_instance(
    index: &HashMap<&plinth_config::ResourceAddress, usize>,
    instance: ResourceInstance,
) -> Result<(usize, Instance), PlanError> {
    let address = state_address(&instance.address)?;
    let block = index
        .get(&instance.address.resource)
        .copied()
        .ok_or_else(|| PlanError::UnknownType {
            address: address.clone(),
            type_name: instance.address.resource.resource_type.clone(),
        })?;
    Ok((
        block,
        Instance {
            address,
            attributes: instance.attributes,
        },
    ))
}

fn config_mode(mode: Mode) -> plinth_config::Mode {
    match mode {
        Mode::Managed => plinth_config::Mode::Managed,
        Mode::Data => plinth_config::Mode::Data,
    }
}

/// The state's address of a configured block (no key).
fn block_address(address: &plinth_config::ResourceAddress) -> Result<ResourceAddress, PlanError> {
    let mode = match address.mode {
        plinth_config::Mode::Managed => Mode::Managed,
        plinth_config::Mode::Data => Mode::Data,
    };
    Ok(ResourceAddress::new(
        mode,
        &address.resource_type,
        &address.name,
    )?)
}

/// The state's address of a configured instance.
pub(crate) fn state_address(instance: &InstanceAddress) -> Result<ResourceAddress, PlanError> {
    let key = match &instance.key {
        plinth_config::InstanceKey::None => None,
        // `count.index` is never negative.
        plinth_config::InstanceKey::Int(index) => {
            Some(InstanceKey::Int(u64::try_from(*index).unwrap_or(0)))
        }
        plinth_config::InstanceKey::String(key) => Some(InstanceKey::String(key.clone())),
    };
    Ok(block_address(&instance.resource)?.with_key(key))
}

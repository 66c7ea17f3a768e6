//! Refresh: read what the state manages, look up configured instances by natural key, read data
//! sources, and plan with what was found.

use plinth_core::RemoteObject;
use plinth_core::registry;
use plinth_core::{Mode, ResourceAddress};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use plinth_cloud::{Client, CloudError, ObjectRef, ResourceType, read_data};
use plinth_config::Configuration;
use plinth_planner::{Lookup, Observations, Observed, Plan, PlanOptions, WantedRead};
use plinth_state::{Change, Fingerprint, PendingAction, ResourceState, State};
use serde_json::Value as Json;
use tokio::task::JoinSet;

use crate::clients::Clients;
use crate::error::{ApplyError, ReadFailure};
use crate::execute::EventSink;
use crate::known::sensitive_strings;
use crate::observe::{CloudReads, Reads, Watch, observe, settled};

/// How a refresh reads the cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshOptions {
    /// How many reads run at once (`--parallelism`, default 10).
    pub parallelism: usize,
    /// Read every resource in the state (`false` with `--no-refresh`). Lookups by natural key of
    /// configured instances not in the state, of records left pending by an interrupted run, and
    /// reads of data sources happen either way: without them a plan could install an object a
    /// second time or plan with values it does not have.
    pub refresh: bool,
    /// How objects are read (default: one list per cluster and pool).
    pub by: RefreshBy,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        Self {
            parallelism: 10,
            refresh: true,
            by: RefreshBy::List,
        }
    }
}

/// How a refresh reads the objects it observes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RefreshBy {
    /// One list call per CCE cluster, Autopilot cluster and ModelArts pool, shared by every read
    /// and natural-key lookup of the refresh in it; a read by id only for an add-on whose id its
    /// cluster's list does not hold.
    #[default]
    List,
    /// One read per resource (by id, or a list for a natural-key lookup or a plug-in), as plinth
    /// did before it listed: kept to compare the two (`PLINTH_REFRESH_BY=read`).
    Read,
}

/// Refreshes and plans: reads every managed resource of `state` concurrently (at most
/// `options.parallelism` reads at once), then plans, performs the reads the plan asks for
/// ([`Plan::wanted_reads`]: natural-key lookups and data sources) and plans again until it asks
/// for nothing new. Answers the final plan and everything observed.
///
/// A resource recorded with a pending create (an interrupted run sent the create but did not
/// record its result) is resolved by its natural key: for an instance still configured, an
/// object found is planned as an import (and waited for), none as a create; for one no longer
/// configured, it is deleted if found and forgotten if not. It is never installed twice.
///
/// An object being deleted (a delete an interrupted run sent, recorded pending or not, or one
/// started outside plinth) is never present: the refresh waits until it is gone, at most the
/// delete timeout of its block, telling `events` of each poll as of a delete, and the plan then
/// creates it again if it is configured. An add-on whose recorded id is gone but whose natural
/// key finds an object under a new id (deleted and re-created outside plinth) is observed as that
/// object: the plan adopts it with [`plinth_planner::Reason::ReplacedOutside`].
pub async fn refresh_and_plan(
    config: &Configuration,
    state: &State,
    client: &Client,
    plan_options: &PlanOptions,
    options: &RefreshOptions,
    events: &EventSink,
) -> Result<(Plan, Observations), ApplyError> {
    let clients = Clients::single(client.clone());
    refresh_and_plan_with(config, state, &clients, plan_options, options, events).await
}

/// [`refresh_and_plan`] with several provider configurations: each resource is read through
/// the client [`Clients::client_for`] gives.
pub async fn refresh_and_plan_with(
    config: &Configuration,
    state: &State,
    clients: &Clients,
    plan_options: &PlanOptions,
    options: &RefreshOptions,
    events: &EventSink,
) -> Result<(Plan, Observations), ApplyError> {
    let sealed = state;
    let state = &*plain_identities(config, state, plan_options)?;
    let pending_creates = pending_creates(state);
    let reads = state_reads(state, options, &pending_creates)?;
    let cloud = CloudReads::new(clients, options.by);
    let observed = read_objects(&cloud, options, reads, &|address: &ResourceAddress| {
        Watch::new(config, clients.client_for(address), address, events)
    })
    .await
    .map_err(|error| {
        // A sealed part of a natural key, given back from the configuration, is in the URL of
        // the read: an error names it masked.
        mask_failures(error, |address| unsealed_parts(sealed, state, address))
    })?;
    cloud.state_read();
    let mut observed = observed;
    share_unchanged(state, &mut observed);
    let adopted = adopted_creates(config, state, plan_options, &observed, &pending_creates)?;
    let mut observations = Observations::new();
    for (address, seen) in observed {
        if adopted.contains(&address) {
            let lookup = match seen {
                Observed::Present(object) => Lookup::Found(object),
                Observed::Gone => Lookup::NotFound,
            };
            observations.insert_lookup(address, lookup);
        } else {
            observations.insert_resource(address, seen);
        }
    }
    if !plan_options.destroy {
        crate::import::read_import_targets(config, state, clients, options, &mut observations)
            .await?;
    }
    let prior = planning_state(state, &observations);
    let mut done: HashSet<ResourceAddress> = HashSet::new();
    let mut catalogues = crate::catalogue::Caches::new(clients);
    loop {
        let plan = plinth_planner::plan(config, &prior, &observations, plan_options)?;
        let wanted: Vec<WantedRead> = plan
            .wanted_reads()
            .iter()
            .filter(|read| !done.contains(wanted_address(read)))
            .cloned()
            .collect();
        // The template checks' catalogues: read when the plan changes add-ons or plug-ins, after
        // the other reads of the round, and only when refreshing (`--no-refresh` reads nothing it
        // can do without).
        let catalogue_wanted = if options.refresh {
            plan.wanted_catalogue().to_vec()
        } else {
            Vec::new()
        };
        if wanted.is_empty() && catalogue_wanted.is_empty() {
            return Ok((plan, observations));
        }
        // What the configuration marks sensitive is masked in the errors of the reads (a
        // sensitive `cluster_id` is in the URL of a lookup).
        let secrets: HashMap<ResourceAddress, Vec<String>> = wanted
            .iter()
            .filter_map(|read| {
                let address = wanted_address(read);
                let after = plan.change(address)?.after.as_ref()?.value();
                Some((address.clone(), sensitive_strings(after.as_object()?)))
            })
            .collect();
        // The plan is made again with what the reads find: this one is not kept during them.
        drop(plan);
        done.extend(wanted.iter().map(|read| wanted_address(read).clone()));
        let watch = |address: &ResourceAddress| {
            Watch::new(config, clients.client_for(address), address, events)
        };
        perform_wanted(&cloud, options, wanted, &mut observations, &watch)
            .await
            .map_err(|error| {
                mask_failures(error, |address| {
                    secrets.get(address).cloned().unwrap_or_default()
                })
            })?;
        crate::catalogue::read_wanted(&mut catalogues, &catalogue_wanted, &mut observations)
            .await?;
    }
}

/// Objects the cloud answered as the state records them share the state's attributes, so a
/// refresh that finds nothing changed holds one copy of every object's attributes, not two.
fn share_unchanged(state: &State, observed: &mut [(ResourceAddress, Observed)]) {
    for (address, seen) in observed {
        if let Observed::Present(object) = seen
            && let Some(record) = state.resource(address)
            && record.attributes == object.attributes
        {
            object.attributes = record.attributes.clone();
        }
    }
}

/// The managed resources recorded with a create an interrupted run left pending.
fn pending_creates(state: &State) -> HashSet<&ResourceAddress> {
    state
        .resources()
        .iter()
        .filter(|(address, resource)| {
            address.mode() == Mode::Managed
                && resource
                    .pending
                    .is_some_and(|pending| pending.action == PendingAction::Create)
        })
        .map(|(address, _)| address)
        .collect()
}

/// The reads of the state's managed resources a refresh makes: all of them, or with
/// `--no-refresh` only the pending creates (by natural key: their id was never recorded) and
/// the pending deletes (whose object may be gone, or going).
fn state_reads(
    state: &State,
    options: &RefreshOptions,
    pending_creates: &HashSet<&ResourceAddress>,
) -> Result<Vec<(ResourceAddress, ResourceType, ObjectRef)>, ApplyError> {
    let mut reads = Vec::new();
    for (address, resource) in state.resources() {
        let pending_delete = resource
            .pending
            .is_some_and(|pending| pending.action == PendingAction::Delete);
        if address.mode() != Mode::Managed
            || !(options.refresh || pending_creates.contains(address) || pending_delete)
        {
            continue;
        }
        let kind = ResourceType::from_type_name(address.type_name()).ok_or_else(|| {
            ApplyError::UnsupportedType {
                address: address.clone(),
            }
        })?;
        if sealed_key(resource) {
            return Err(ApplyError::SealedIdentity {
                address: address.clone(),
                attributes: resource
                    .natural_key
                    .iter()
                    .filter(|(_, value)| value.parse::<Fingerprint>().is_ok())
                    .map(|(name, _)| name.clone())
                    .collect(),
            });
        }
        let mut object = kind.object_ref(&resource.attributes.to_value());
        if resource.id.is_some() {
            object.id.clone_from(&resource.id);
        }
        object.natural_key.extend(resource.natural_key.clone());
        if pending_creates.contains(address) {
            // What a crashed create left: no id was recorded, only the natural key.
            object.id = None;
        }
        reads.push((address.clone(), kind, object));
    }
    Ok(reads)
}

/// Reads the objects concurrently; answers what each address holds, or every read that
/// failed.
async fn read_objects(
    cloud: &CloudReads,
    options: &RefreshOptions,
    reads: Vec<(ResourceAddress, ResourceType, ObjectRef)>,
    watch: &dyn Fn(&ResourceAddress) -> Watch,
) -> Result<Vec<(ResourceAddress, Observed)>, ApplyError> {
    let found = bounded(
        options.parallelism,
        reads,
        |_, (address, kind, object)| {
            let watch = watch(&address);
            let cloud = cloud.for_address(&address).clone();
            async move {
                // The driver makes the object compact where it was read: the cloud's answers of
                // a large refresh are never all held as JSON trees at once.
                let result = observe(&cloud, kind, &object, &watch).await;
                (address, result)
            }
        },
        cloud.clients(),
    )
    .await?;
    let mut observed = Vec::with_capacity(found.len());
    let mut failures = Vec::new();
    for (address, result) in found {
        match result {
            Ok(seen) => observed.push((address, seen)),
            Err(error) => failures.push(ReadFailure { address, error }),
        }
    }
    if !failures.is_empty() {
        failures.sort_by(|a, b| a.address.cmp(&b.address));
        return Err(ApplyError::Refresh { failures });
    }
    Ok(observed)
}

/// The pending creates still configured under the same natural key: planned as if not in the
/// state, so that the lookup, found or not, says what the configuration's object is. Under
/// another key (the configuration changed since), they stay objects in the state, which the
/// plan replaces or forgets.
fn adopted_creates<'s>(
    config: &Configuration,
    state: &State,
    plan_options: &PlanOptions,
    observed: &[(ResourceAddress, Observed)],
    pending_creates: &HashSet<&'s ResourceAddress>,
) -> Result<HashSet<&'s ResourceAddress>, ApplyError> {
    let mut adopted: HashSet<&ResourceAddress> = HashSet::new();
    if pending_creates.is_empty() {
        return Ok(adopted);
    }
    let mut first = Observations::new();
    for (address, seen) in observed {
        first.insert_resource(address.clone(), seen.clone());
    }
    let plan = plinth_planner::plan(config, state, &first, plan_options)?;
    for address in pending_creates {
        let recorded_key = state.resource(address).map(|r| &r.natural_key);
        if plan
            .change(address)
            .is_some_and(|c| c.after.is_some() && Some(&c.natural_key) == recorded_key)
        {
            adopted.insert(address);
        }
    }
    Ok(adopted)
}

/// Performs the reads a plan wants (lookups by natural key, data sources) and adds what they
/// find to `observations`; fails with every read that failed.
async fn perform_wanted(
    cloud: &CloudReads,
    options: &RefreshOptions,
    wanted: Vec<WantedRead>,
    observations: &mut Observations,
    watch: &dyn Fn(&ResourceAddress) -> Watch,
) -> Result<(), ApplyError> {
    let results = bounded(
        options.parallelism,
        wanted,
        |_, read| {
            let watch = watch(wanted_address(&read));
            let cloud = cloud.for_address(wanted_address(&read)).clone();
            async move { perform(&cloud, read, &watch).await }
        },
        cloud.clients(),
    )
    .await?;
    let mut failures = Vec::new();
    for (address, result) in results {
        match result {
            Ok(Answer::Lookup(Some(object))) => {
                observations.insert_lookup(address, Lookup::Found(object));
            }
            Ok(Answer::Lookup(None)) => observations.insert_lookup(address, Lookup::NotFound),
            Ok(Answer::Data(attributes)) => observations.insert_data(address, attributes),
            Err(error) => failures.push(ReadFailure { address, error }),
        }
    }
    if !failures.is_empty() {
        failures.sort_by(|a, b| a.address.cmp(&b.address));
        return Err(ApplyError::Refresh { failures });
    }
    Ok(())
}

/// Performs one wanted read. An object a lookup finds being deleted is waited for until it is
/// gone, and then not found.
async fn perform(
    cloud: &Reads,
    read: WantedRead,
    watch: &Watch,
) -> (ResourceAddress, Result<Answer, CloudError>) {
    let client = cloud.client();
    match read {
        WantedRead::NaturalKey {
            address,
            natural_key,
        } => {
            let result = match ResourceType::from_type_name(address.type_name()) {
                Some(kind) => match cloud.find(kind, &natural_key).await {
                    Ok(found) => settled(client, kind, found, watch)
                        .await
                        .map(Answer::Lookup),
                    Err(error) => Err(error),
                },
                None => Err(unsupported(&address)),
            };
            (address, result)
        }
        WantedRead::Data { address, arguments } => {
            let result = match registry::find(Mode::Data, address.type_name()) {
                Some(spec) => read_data(client, spec, &arguments).await.map(Answer::Data),
                None => Err(unsupported(&address)),
            };
            (address, result)
        }
    }
}

/// Plans again from what a refresh observed, without reading the cloud: the same plan
/// [`refresh_and_plan`] made, as long as `config`, `state` and `plan_options` are the same. For
/// applying a saved plan: save the observations with it, and check the state's lineage and
/// serial before calling this.
pub fn replan(
    config: &Configuration,
    state: &State,
    observations: &Observations,
    plan_options: &PlanOptions,
) -> Result<Plan, ApplyError> {
    let state = &*plain_identities(config, state, plan_options)?;
    let prior = planning_state(state, observations);
    Ok(plinth_planner::plan(
        config,
        &prior,
        observations,
        plan_options,
    )?)
}

/// The state with the sealed parts of natural keys (a sensitive `cluster_id` or `pool_name`,
/// stored as fingerprints) given back in plain text from the configuration, in memory only:
/// reads, lookups and deletes need the value itself. A record is restored from the instance
/// configured at its address, or from the one it moves to, when the configured key is the one
/// fingerprinted; any other stays sealed, and a refresh that must read it fails naming it
/// ([`ApplyError::SealedIdentity`]).
fn plain_identities<'s>(
    config: &Configuration,
    state: &'s State,
    plan_options: &PlanOptions,
) -> Result<Cow<'s, State>, ApplyError> {
    let sealed: Vec<&ResourceAddress> = state
        .resources()
        .iter()
        .filter(|(address, resource)| address.mode() == Mode::Managed && sealed_key(resource))
        .map(|(address, _)| address)
        .collect();
    if sealed.is_empty() {
        return Ok(Cow::Borrowed(state));
    }
    // The configured instances, evaluated against the state: a refresh-only plan of everything
    // makes a change, with the configured natural key, for each instance.
    let options = PlanOptions {
        targets: Vec::new(),
        excludes: Vec::new(),
        replace: Vec::new(),
        refresh_only: true,
        destroy: false,
        adopt: plan_options.adopt,
    };
    let plan = plinth_planner::plan(config, state, &Observations::new(), &options)?;
    let mut restored = state.clone();
    for address in sealed {
        let Some(resource) = state.resource(address) else {
            continue;
        };
        let configured = plan.changes().iter().find(|change| {
            (&change.address == address || change.previous_address.as_ref() == Some(address))
                && change.natural_key != resource.natural_key
                && state.natural_key_matches(&resource.natural_key, &change.natural_key)
        });
        if let Some(change) = configured {
            let mut unsealed = resource.clone();
            unsealed.natural_key.clone_from(&change.natural_key);
            restored.apply(Change::Upsert {
                address: address.clone(),
                resource: unsealed,
            });
        }
    }
    Ok(Cow::Owned(restored))
}

/// The refresh's read failures with the secrets of each read masked.
fn mask_failures(
    error: ApplyError,
    secrets: impl Fn(&ResourceAddress) -> Vec<String>,
) -> ApplyError {
    match error {
        ApplyError::Refresh { mut failures } => {
            for failure in &mut failures {
                failure.error.mask(&secrets(&failure.address));
            }
            ApplyError::Refresh { failures }
        }
        other => other,
    }
}

/// The plain values of the parts of a record's natural key that the state seals.
fn unsealed_parts(sealed: &State, plain: &State, address: &ResourceAddress) -> Vec<String> {
    let (Some(sealed), Some(plain)) = (sealed.resource(address), plain.resource(address)) else {
        return Vec::new();
    };
    plain
        .natural_key
        .iter()
        .filter(|(name, value)| sealed.natural_key.get(*name) != Some(*value))
        .map(|(_, value)| value.clone())
        .collect()
}

/// Whether part of a record's natural key is sealed (a fingerprint).
fn sealed_key(resource: &ResourceState) -> bool {
    resource
        .natural_key
        .values()
        .any(|value| value.parse::<Fingerprint>().is_ok())
}

/// The state the planner sees: without the pending creates that the refresh resolved by a
/// lookup of their natural key.
fn planning_state<'s>(state: &'s State, observations: &Observations) -> Cow<'s, State> {
    let resolved: Vec<ResourceAddress> = state
        .resources()
        .iter()
        .filter(|(address, resource)| {
            resource
                .pending
                .is_some_and(|pending| pending.action == PendingAction::Create)
                && observations.lookup(address).is_some()
        })
        .map(|(address, _)| address.clone())
        .collect();
    if resolved.is_empty() {
        return Cow::Borrowed(state);
    }
    let mut without = state.clone();
    for address in resolved {
        without.apply(Change::Remove { address });
    }
    Cow::Owned(without)
}

enum Answer {
    Lookup(Option<RemoteObject>),
    Data(Json),
}

fn wanted_address(read: &WantedRead) -> &ResourceAddress {
    match read {
        WantedRead::NaturalKey { address, .. } | WantedRead::Data { address, .. } => address,
    }
}

fn unsupported(address: &ResourceAddress) -> CloudError {
    CloudError::InvalidAttributes {
        resource_type: "unknown",
        message: format!("plinth cannot manage `{}`", address.type_name()),
    }
}

/// Runs `work` on every item, at most `parallelism` at once, each on the runtime's threads;
/// answers the results in completion order, or an error if a task panicked.
///
/// A task is made only when there is room for it: a read's future is several kilobytes (its
/// state machine holds the HTTP exchange), so spawning all of a large refresh's reads at once,
/// each waiting for a permit, held 60 MB at N = 10000.
pub(crate) async fn bounded<T, R, F, Fut>(
    parallelism: usize,
    items: Vec<T>,
    work: F,
    clients: &Clients,
) -> Result<Vec<R>, ApplyError>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(&Clients, T) -> Fut,
    Fut: Future<Output = R> + Send + 'static,
{
    let parallelism = parallelism.max(1);
    let mut results = Vec::with_capacity(items.len());
    let mut items = items.into_iter();
    let mut tasks = JoinSet::new();
    // The reads run on this task's thread, not on the runtime's workers (the connections' I/O
    // still does): what they decode and keep is allocated where the plan then works, so the
    // allocator's per-thread arenas do not keep the freed half of every answer (at N = 10000
    // about 20 MB of resident memory).
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            loop {
                while tasks.len() < parallelism {
                    let Some(item) = items.next() else {
                        break;
                    };
                    tasks.spawn_local(work(clients, item));
                }
                let Some(joined) = tasks.join_next().await else {
                    return Ok(results);
                };
                // A read task only fails on a bug; planning without its answer could install
                // an object twice, so the refresh stops.
                results.push(joined.map_err(|error| ApplyError::Task(error.to_string()))?);
            }
        })
        .await
}

#[cfg(test)]
mod tests {
    use plinth_cloud::Service;

    use super::*;

    #[test]
    fn a_read_failure_masks_the_secrets_of_its_address_only() {
        let address = |text: &str| text.parse::<ResourceAddress>().unwrap();
        let unreachable = |cluster: &str| CloudError::Transport {
            service: Service::Cce,
            method: "GET".to_owned(),
            url: format!("https://cce.example/api/v3/addons/uid?cluster_id={cluster}"),
            message: "connection refused".to_owned(),
        };
        let error = ApplyError::Refresh {
            failures: vec![
                ReadFailure {
                    address: address("huaweicloud_cce_addon.a"),
                    error: unreachable("c-secret"),
                },
                ReadFailure {
                    address: address("huaweicloud_cce_addon.b"),
                    error: unreachable("c-plain"),
                },
            ],
        };
        let masked = mask_failures(error, |at| {
            if *at == address("huaweicloud_cce_addon.a") {
                vec!["c-secret".to_owned()]
            } else {
                Vec::new()
            }
        })
        .to_string();
        assert!(!masked.contains("c-secret"), "{masked}");
        assert!(masked.contains("cluster_id=(sensitive value)"), "{masked}");
        assert!(masked.contains("cluster_id=c-plain"), "{masked}");
    }
}

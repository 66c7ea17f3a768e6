//! Several provider configurations: one cloud client per configuration (a region, a project),
//! and which one serves each resource.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use plinth_cloud::Client;
use plinth_config::Configuration;
use plinth_core::ResourceAddress;
use plinth_state::{Change, State};

/// The clients of a run, by provider configuration, and the configuration of each resource:
/// the one its block names (`provider = huaweicloud.hk`, or its module's), else the one its
/// state record names (a resource no longer configured is deleted where it lives), else the
/// default. Cheap to clone.
#[derive(Clone)]
pub struct Clients(Arc<Inner>);

#[derive(Clone)]
struct Inner {
    default: Client,
    aliased: BTreeMap<String, Client>,
    /// The alias of each resource (an address without instance key) that does not use the
    /// default configuration.
    assigned: HashMap<ResourceAddress, String>,
}

impl Clients {
    /// One provider configuration: every resource uses `client`.
    pub fn single(client: Client) -> Clients {
        Clients::new(client, BTreeMap::new())
    }

    /// The default configuration's client and those of the aliased ones, by alias; no resource
    /// assigned yet (see [`Clients::assign`]).
    pub fn new(default: Client, aliased: BTreeMap<String, Client>) -> Clients {
        Clients(Arc::new(Inner {
            default,
            aliased,
            assigned: HashMap::new(),
        }))
    }

    /// These clients with each resource of `config` and each record of `state` assigned to its
    /// provider configuration (the configuration's word wins).
    #[must_use]
    pub fn assign(self, config: &Configuration, state: &State) -> Clients {
        let mut assigned = HashMap::new();
        for (address, resource) in state.resources() {
            if let Some(alias) = &resource.provider {
                assigned.insert(address.resource(), alias.clone());
            }
        }
        for resource in config.all_resources() {
            match resource.provider() {
                Some(alias) => assigned.insert(resource.address().clone(), alias.to_owned()),
                None => assigned.remove(resource.address()),
            };
        }
        let inner = Arc::unwrap_or_clone(self.0);
        Clients(Arc::new(Inner { assigned, ..inner }))
    }

    /// The alias of the provider configuration of `address` (`None`: the default one).
    pub fn provider_of(&self, address: &ResourceAddress) -> Option<&str> {
        self.0.assigned.get(&address.resource()).map(String::as_str)
    }

    /// The client that serves `address`: the one thing a refresh or an apply asks before it
    /// reads or changes a resource.
    pub fn client_for(&self, address: &ResourceAddress) -> &Client {
        self.provider_of(address)
            .and_then(|alias| self.0.aliased.get(alias))
            .unwrap_or(&self.0.default)
    }

    /// The client of the provider configuration named `alias`, if there is one.
    pub fn client_for_alias(&self, alias: &str) -> Option<&Client> {
        self.0.aliased.get(alias)
    }

    /// The aliased configurations' clients, by alias.
    pub(crate) fn aliased(&self) -> impl Iterator<Item = (&str, &Client)> {
        self.0
            .aliased
            .iter()
            .map(|(alias, client)| (alias.as_str(), client))
    }

    /// The default configuration's client (time limits and waits common to the run).
    pub fn default_client(&self) -> &Client {
        &self.0.default
    }

    /// `changes` with each record stamped with the provider configuration of its address, so
    /// that the state keeps which configuration manages it.
    pub(crate) fn stamp(&self, mut changes: Vec<Change>) -> Vec<Change> {
        for change in &mut changes {
            if let Change::Upsert { address, resource } = change {
                resource.provider = self.provider_of(address).map(str::to_owned);
            }
        }
        changes
    }
}

//! What a refresh observed in the cloud, and the options of a plan.

use plinth_core::RemoteObject;
use plinth_core::ResourceAddress;
use std::collections::BTreeMap;

use serde_json::Value as Json;

/// What the refresh found for a resource in the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// It exists; here is what it looks like now.
    Present(RemoteObject),
    /// It no longer exists: deleted outside plinth.
    Gone,
}

/// What a lookup by natural key found for a configured instance that is not in the state.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// An object with that natural key exists: it is adopted (planned as an import).
    Found(RemoteObject),
    /// No such object: it is created.
    NotFound,
}

/// Everything a refresh observed, by address. An address without an entry was not refreshed
/// (`--no-refresh`, or not read yet): the planner then trusts the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observations {
    resources: BTreeMap<ResourceAddress, Observed>,
    lookups: BTreeMap<ResourceAddress, Lookup>,
    data: BTreeMap<ResourceAddress, Json>,
    /// By provider configuration (`None`: the default one).
    catalogues: BTreeMap<Option<String>, crate::templates::Catalogue>,
}

impl Observations {
    /// No observation at all: what `--no-refresh` plans with.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records what the refresh found for a resource in the state.
    pub fn insert_resource(&mut self, address: ResourceAddress, observed: Observed) {
        self.resources.insert(address, observed);
    }

    /// Records what a lookup by natural key found for a configured instance not in the state.
    pub fn insert_lookup(&mut self, address: ResourceAddress, lookup: Lookup) {
        self.lookups.insert(address, lookup);
    }

    /// Records what reading a data source instance returned (its attributes, a JSON object).
    pub fn insert_data(&mut self, address: ResourceAddress, attributes: Json) {
        self.data.insert(address, attributes);
    }

    /// What the refresh found for a resource in the state; `None` if it was not refreshed.
    pub fn resource(&self, address: &ResourceAddress) -> Option<&Observed> {
        self.resources.get(address)
    }

    /// What a lookup by natural key found; `None` if there was no lookup.
    pub fn lookup(&self, address: &ResourceAddress) -> Option<&Lookup> {
        self.lookups.get(address)
    }

    /// Every lookup by natural key, by address.
    pub fn lookups(&self) -> impl Iterator<Item = (&ResourceAddress, &Lookup)> {
        self.lookups.iter()
    }

    /// Every data source read, by address.
    pub fn data_reads(&self) -> impl Iterator<Item = (&ResourceAddress, &Json)> {
        self.data.iter()
    }

    /// The catalogues read for the template checks (see [`crate::Plan::wanted_catalogue`])
    /// through the provider configuration `provider` (`None`: the default one).
    pub fn catalogue(&self, provider: Option<&str>) -> &crate::templates::Catalogue {
        self.catalogues
            .get(&provider.map(str::to_owned))
            .unwrap_or(&crate::templates::EMPTY)
    }

    /// Where the refresh records the catalogues it read through `provider`.
    pub fn catalogue_mut(&mut self, provider: Option<&str>) -> &mut crate::templates::Catalogue {
        self.catalogues
            .entry(provider.map(str::to_owned))
            .or_default()
    }

    /// What reading a data source returned; `None` if it was not read.
    pub fn data(&self, address: &ResourceAddress) -> Option<&Json> {
        self.data.get(address)
    }
}

/// The options of a plan: the flags of `plinth plan` and `plinth destroy`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `--target`: plan only these (an address without key selects every instance) and what they
    /// depend on (with `destroy`: what depends on them). Empty: everything.
    pub targets: Vec<ResourceAddress>,
    /// `--exclude`: leave these and what depends on them out of the plan.
    pub excludes: Vec<ResourceAddress>,
    /// `--replace`: replace these even if nothing changed.
    pub replace: Vec<ResourceAddress>,
    /// `--refresh-only`: plan no change, only report drift (and let apply record the refresh).
    pub refresh_only: bool,
    /// `destroy`: delete every managed resource in the state.
    pub destroy: bool,
    /// Whether a configured object that exists in the cloud but in no record of the state is
    /// adopted by its natural key (`--no-adopt` refuses it).
    pub adopt: Adoption,
}

/// What a plan does with a configured object that already exists in the cloud, found by its
/// natural key, but that the state does not record: perhaps installed by hand, perhaps managed by
/// another configuration's state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Adoption {
    /// Adopt it: the plan shows an import (`adopted_by_natural_key`) with its id.
    #[default]
    ByNaturalKey,
    /// Refuse the plan, naming it: it must be imported explicitly (`plinth import`), so that two
    /// states never come to manage one object without someone deciding so.
    ExplicitOnly,
}

/// A read the planner needs before it can plan precisely: the refresh performs it, records the
/// result in the [`Observations`] and plans again (see [`crate::Plan::wanted_reads`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WantedRead {
    /// Look up a configured instance that is not in the state by its natural key: if it exists,
    /// record [`Lookup::Found`], else [`Lookup::NotFound`].
    NaturalKey {
        /// The configured instance.
        address: ResourceAddress,
        /// The natural key's attributes, e.g. `{cluster_id, template_name}`.
        natural_key: plinth_core::NaturalKey,
    },
    /// Read a data source whose arguments are known; record it with
    /// [`Observations::insert_data`].
    Data {
        /// The data source instance.
        address: ResourceAddress,
        /// Its arguments, as written and evaluated.
        arguments: Json,
    },
}

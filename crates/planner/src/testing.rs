//! The world a planner test plans against, built in a few lines: a prior state and what the
//! refresh saw, with helpers to load a configuration from HCL text. For the tests of this crate
//! and of the crates above it (`features = ["testing"]`); not a stable API.

// A test helper that cannot do what the test asked should stop the test where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use plinth_config::{Configuration, SourceFile, Sources, load_sources};
use plinth_core::ResourceAddress;
use plinth_state::{Change, ResourceState, State, Status};
use serde_json::Value as Json;

use crate::{Lookup, Observations, Observed, Plan, PlanError, PlanOptions, plan};
use plinth_core::RemoteObject;

/// Loads a configuration from HCL text (one file, `main.hcl`); panics with the diagnostics when
/// it does not load.
pub fn config(hcl: &str) -> Configuration {
    load_sources(Sources {
        files: vec![SourceFile::new("main.hcl", hcl)],
        ..Sources::default()
    })
    .unwrap_or_else(|e| panic!("configuration does not load:\n{e}"))
}

/// Parses an address; panics when it does not parse.
pub fn address(text: &str) -> ResourceAddress {
    text.parse().unwrap()
}

/// A prior state and what the refresh saw, built one resource at a time.
#[derive(Debug, Default)]
pub struct World {
    /// The prior state.
    pub state: State,
    /// What the refresh saw.
    pub observed: Observations,
}

impl World {
    /// Nothing in the state, nothing observed.
    pub fn new() -> Self {
        Self::default()
    }

    /// Puts a resource in the state with the addresses it depends on, and observes it
    /// unchanged (a later [`World::remote`] or [`World::gone`] says otherwise).
    pub fn in_state(
        &mut self,
        addr: &str,
        id: Option<&str>,
        attributes: Json,
        dependencies: &[&str],
    ) -> &mut Self {
        let mut resource = ResourceState::new(id.map(str::to_owned), attributes.clone());
        resource.dependencies = dependencies.iter().map(|d| address(d)).collect();
        self.state.apply(Change::Upsert {
            address: address(addr),
            resource,
        });
        self.remote(addr, id, attributes)
    }

    /// Marks a resource of the state tainted.
    pub fn tainted(&mut self, addr: &str) -> &mut Self {
        let mut resource = self.state.resource(&address(addr)).unwrap().clone();
        resource.status = Status::Tainted;
        self.state.apply(Change::Upsert {
            address: address(addr),
            resource,
        });
        self
    }

    /// Records the template parameters the configuration set at the last apply (pointers).
    pub fn configured(&mut self, addr: &str, pointers: &[&str]) -> &mut Self {
        let mut resource = self.state.resource(&address(addr)).unwrap().clone();
        resource.configured = pointers.iter().map(|p| (*p).to_owned()).collect();
        self.state.apply(Change::Upsert {
            address: address(addr),
            resource,
        });
        self
    }

    /// What the refresh sees now.
    pub fn remote(&mut self, addr: &str, id: Option<&str>, attributes: Json) -> &mut Self {
        self.observed.insert_resource(
            address(addr),
            Observed::Present(RemoteObject::new(id.map(str::to_owned), attributes.into())),
        );
        self
    }

    /// The refresh finds the resource deleted.
    pub fn gone(&mut self, addr: &str) -> &mut Self {
        self.observed.insert_resource(address(addr), Observed::Gone);
        self
    }

    /// A lookup by natural key finds this object.
    pub fn found(&mut self, addr: &str, id: Option<&str>, attributes: Json) -> &mut Self {
        self.observed.insert_lookup(
            address(addr),
            Lookup::Found(RemoteObject::new(id.map(str::to_owned), attributes.into())),
        );
        self
    }

    /// Plans `config` against this world.
    pub fn plan(&self, config: &Configuration, options: &PlanOptions) -> Result<Plan, PlanError> {
        plan(config, &self.state, &self.observed, options)
    }
}

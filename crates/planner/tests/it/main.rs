//! Integration tests of the planner: configurations from HCL text through `plinth-config`,
//! states through `plinth-state`, observations by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod options;
mod ordering;
mod scale;

use plinth_core::ResourceAddress;
use std::fmt::Write as _;

use plinth_config::{Configuration, SourceFile, Sources, load_sources};
use plinth_planner::{
    Lookup, Observations, Observed, Plan, PlanError, PlanOptions, RemoteObject, plan,
};
use plinth_state::{Change, ResourceState, State, Status};
use serde_json::Value as Json;

/// Loads a configuration from HCL text.
pub fn config(hcl: &str) -> Configuration {
    load_sources(Sources {
        files: vec![SourceFile::new("main.hcl", hcl)],
        ..Sources::default()
    })
    .unwrap_or_else(|e| panic!("configuration does not load:\n{e}"))
}

/// Parses an address.
pub fn address(text: &str) -> ResourceAddress {
    text.parse().unwrap()
}

/// A state under construction.
#[derive(Default)]
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

    /// Puts a resource in the state (and, unless told otherwise, observes it unchanged).
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
        self.observed.insert_resource(
            address(addr),
            Observed::Present(RemoteObject {
                id: id.map(str::to_owned),
                attributes: attributes.into(),
            }),
        );
        self
    }

    /// Marks a resource in the state tainted.
    pub fn tainted(&mut self, addr: &str) -> &mut Self {
        let mut resource = self.state.resource(&address(addr)).unwrap().clone();
        resource.status = Status::Tainted;
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
            Observed::Present(RemoteObject {
                id: id.map(str::to_owned),
                attributes: attributes.into(),
            }),
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
            Lookup::Found(RemoteObject {
                id: id.map(str::to_owned),
                attributes: attributes.into(),
            }),
        );
        self
    }

    /// Plans `config` against this world.
    pub fn plan(&self, config: &Configuration, options: &PlanOptions) -> Result<Plan, PlanError> {
        plan(config, &self.state, &self.observed, options)
    }
}

/// A plain text dump of a plan: every change that does something, with reasons and attribute
/// changes, the drift, the order between steps, and the summary.
pub fn show(plan: &Plan) -> String {
    let mut out = String::new();
    for change in plan.changes() {
        if change.action == plinth_planner::Action::NoOp && change.reasons.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{}: {}", change.address, change.action);
        for reason in &change.reasons {
            let _ = writeln!(out, "  because {reason}");
        }
        for c in &change.changes {
            let before = match (&c.before, c.sensitive) {
                (None, _) => "<absent>".to_owned(),
                (Some(_), true) => "(sensitive value)".to_owned(),
                (Some(v), false) => v.to_string(),
            };
            let after = if c.sensitive {
                "(sensitive value)".to_owned()
            } else {
                c.after.to_string()
            };
            let mut line = format!("  ~ {}: {before} -> {after}", c.path);
            if c.forces_replacement {
                line.push_str("  # forces replacement");
            }
            if c.drift {
                line.push_str("  # drift");
            }
            let _ = writeln!(out, "{line}");
        }
    }
    for drift in plan.drift() {
        let show = |v: &Option<Json>| match (v, drift.sensitive) {
            (None, _) => "<absent>".to_owned(),
            (Some(_), true) => "(sensitive value)".to_owned(),
            (Some(v), false) => v.to_string(),
        };
        let _ = writeln!(
            out,
            "drift {} {}: {} -> {}",
            drift.address,
            if drift.path.is_root() {
                "(object)".to_owned()
            } else {
                drift.path.to_string()
            },
            show(&drift.in_state),
            show(&drift.now)
        );
    }
    let graph = plan.graph();
    let mut edges: Vec<String> = graph
        .graph()
        .edge_indices()
        .filter_map(|e| graph.graph().edge_endpoints(e))
        .map(|(a, b)| {
            let (a, b) = (graph.step(a), graph.step(b));
            format!(
                "{} {} -> {} {}",
                a.operation, a.address, b.operation, b.address
            )
        })
        .collect();
    edges.sort();
    for edge in edges {
        let _ = writeln!(out, "order: {edge}");
    }
    let s = plan.summary();
    let _ = write!(
        out,
        "Plan: {} to import, {} to add, {} to change, {} to destroy, {} to read.",
        s.import, s.add, s.change, s.destroy, s.read
    );
    out
}

/// The position of a step in the plan's topological order.
pub fn position(plan: &Plan, addr: &str, operation: plinth_planner::Operation) -> usize {
    let id = plan
        .graph()
        .find(&address(addr), operation)
        .unwrap_or_else(|| panic!("no step {operation} {addr}"));
    plan.graph().order().iter().position(|s| *s == id).unwrap()
}

//! The plan graph: the steps of an apply and the order between them.

use plinth_core::ResourceAddress;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};

use crate::error::PlanError;

/// The id of a [`Step`] in a [`PlanGraph`].
pub type StepId = NodeIndex;

/// What one step does to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Operation {
    /// Create it (alone, or the create half of a replace).
    Create,
    /// Update it in place.
    Update,
    /// Delete it (alone, or the delete half of a replace).
    Delete,
    /// Read a data source.
    Read,
    /// Adopt an existing object into the state (then update it, if the change says so).
    Import,
    /// Nothing to do; the step only carries the order through unchanged resources.
    NoOp,
    /// Nothing to do: waits for every instance of a resource (the step's address has no key).
    /// It stands in for the N x M edges between two resources with many instances each.
    Barrier,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Create => "create",
            Operation::Update => "update",
            Operation::Delete => "delete",
            Operation::Read => "read",
            Operation::Import => "import",
            Operation::NoOp => "no-op",
            Operation::Barrier => "all of",
        })
    }
}

/// One step of an apply: an operation on one resource instance. A replace is two steps, a delete
/// and a create, ordered by `create_before_destroy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What to do.
    pub operation: Operation,
}

/// The steps of a plan and their order: an edge `a -> b` means `a` must finish before `b`
/// starts. Acyclic by construction.
#[derive(Debug, Clone, Default)]
pub struct PlanGraph {
    graph: DiGraph<Step, ()>,
    order: Vec<StepId>,
    index: HashMap<(ResourceAddress, Operation), StepId>,
}

impl PlanGraph {
    /// The petgraph graph itself.
    pub fn graph(&self) -> &DiGraph<Step, ()> {
        &self.graph
    }

    /// One step.
    pub fn step(&self, id: StepId) -> &Step {
        &self.graph[id]
    }

    /// Every step, with its id, in insertion order.
    pub fn steps(&self) -> impl Iterator<Item = (StepId, &Step)> {
        self.graph.node_indices().map(|id| (id, &self.graph[id]))
    }

    /// The number of steps.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether there is no step.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }

    /// A topological order of the steps: each step comes after every step it waits for.
    pub fn order(&self) -> &[StepId] {
        &self.order
    }

    /// The steps that must finish before `id` starts.
    pub fn prerequisites(&self, id: StepId) -> impl Iterator<Item = StepId> + '_ {
        self.graph.neighbors_directed(id, Direction::Incoming)
    }

    /// The steps that wait for `id`.
    pub fn dependents(&self, id: StepId) -> impl Iterator<Item = StepId> + '_ {
        self.graph.neighbors_directed(id, Direction::Outgoing)
    }

    /// The step doing `operation` to `address`, if there is one (barriers are not found).
    pub fn find(&self, address: &ResourceAddress, operation: Operation) -> Option<StepId> {
        self.index.get(&(address.clone(), operation)).copied()
    }

    /// The graph in Graphviz DOT, for `plinth graph`: one node per step, labelled
    /// `operation address`, edges in the order of execution.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph plinth {\n  rankdir = \"LR\";\n  node [shape = box];\n");
        for id in &self.order {
            let step = &self.graph[*id];
            let _ = writeln!(
                out,
                "  n{} [label = \"{}\"];",
                id.index(),
                escape(&format!("{} {}", step.operation, step.address))
            );
        }
        let mut edges: Vec<(usize, usize)> = self
            .graph
            .edge_indices()
            .filter_map(|edge| self.graph.edge_endpoints(edge))
            .map(|(a, b)| (a.index(), b.index()))
            .collect();
        edges.sort_unstable();
        for (a, b) in edges {
            let _ = writeln!(out, "  n{a} -> n{b};");
        }
        out.push_str("}\n");
        out
    }
}

fn escape(label: &str) -> String {
    label.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Builds a graph from steps and edges, checking that it is acyclic.
pub(crate) struct GraphBuilder {
    graph: DiGraph<Step, ()>,
    /// The edges so far: `update_edge` would scan a step's edges for each new one, quadratic
    /// for a step many others depend on.
    edges: HashSet<(StepId, StepId)>,
}

impl GraphBuilder {
    pub(crate) fn new() -> Self {
        Self {
            graph: DiGraph::new(),
            edges: HashSet::new(),
        }
    }

    pub(crate) fn add(&mut self, address: ResourceAddress, operation: Operation) -> StepId {
        self.graph.add_node(Step { address, operation })
    }

    pub(crate) fn edge(&mut self, before: StepId, after: StepId) {
        if before != after && self.edges.insert((before, after)) {
            self.graph.add_edge(before, after, ());
        }
    }

    pub(crate) fn finish(self) -> Result<PlanGraph, PlanError> {
        match petgraph::algo::toposort(&self.graph, None) {
            Ok(order) => {
                let index = self
                    .graph
                    .node_indices()
                    .filter(|id| self.graph[*id].operation != Operation::Barrier)
                    .map(|id| {
                        (
                            (self.graph[id].address.clone(), self.graph[id].operation),
                            id,
                        )
                    })
                    .collect();
                Ok(PlanGraph {
                    graph: self.graph,
                    order,
                    index,
                })
            }
            Err(cycle) => Err(cycle_error(&self.graph, cycle.node_id())),
        }
    }
}

/// The error naming the resources on a cycle through `node`.
fn cycle_error(graph: &DiGraph<Step, ()>, node: StepId) -> PlanError {
    let component = petgraph::algo::tarjan_scc(graph)
        .into_iter()
        .find(|component| component.contains(&node))
        .unwrap_or_else(|| vec![node]);
    let mut addresses: Vec<ResourceAddress> = component
        .iter()
        .map(|id| graph[*id].address.clone())
        .collect();
    addresses.sort();
    addresses.dedup();
    PlanError::Cycle { addresses }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> ResourceAddress {
        text.parse().unwrap()
    }

    #[test]
    fn orders_and_exports_dot() {
        let mut builder = GraphBuilder::new();
        let a = builder.add(address("t.a"), Operation::Create);
        let b = builder.add(address(r#"t.b["x"]"#), Operation::Update);
        builder.edge(a, b);
        let graph = builder.finish().unwrap();
        assert_eq!(graph.order(), [a, b]);
        assert_eq!(graph.prerequisites(b).collect::<Vec<_>>(), [a]);
        assert_eq!(graph.find(&address("t.a"), Operation::Create), Some(a));
        assert_eq!(
            graph.to_dot(),
            "digraph plinth {\n  rankdir = \"LR\";\n  node [shape = box];\n  n0 [label = \"create t.a\"];\n  n1 [label = \"update t.b[\\\"x\\\"]\"];\n  n0 -> n1;\n}\n"
        );
    }

    #[test]
    fn an_edge_added_twice_is_one_edge() {
        let mut builder = GraphBuilder::new();
        let a = builder.add(address("t.a"), Operation::Create);
        let b = builder.add(address("t.b"), Operation::Create);
        builder.edge(a, b);
        builder.edge(a, b);
        builder.edge(a, a);
        let graph = builder.finish().unwrap();
        assert_eq!(graph.graph().edge_count(), 1);
    }

    #[test]
    fn a_cycle_names_its_resources() {
        let mut builder = GraphBuilder::new();
        let a = builder.add(address("t.a"), Operation::Create);
        let b = builder.add(address("t.b"), Operation::Create);
        let c = builder.add(address("t.c"), Operation::Create);
        builder.edge(c, a);
        builder.edge(a, b);
        builder.edge(b, a);
        let error = builder.finish().unwrap_err();
        assert_eq!(error.to_string(), "dependency cycle between `t.a`, `t.b`");
    }
}

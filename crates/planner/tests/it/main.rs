//! Integration tests of the planner: configurations from HCL text through `plinth-config`,
//! states through `plinth-state`, observations by hand.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod actions;
mod options;
mod ordering;
mod scale;
mod statements;
mod templates;

use std::fmt::Write as _;

use plinth_planner::Plan;
pub use plinth_planner::testing::{World, address, config};
use serde_json::Value as Json;

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

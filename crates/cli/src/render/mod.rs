//! How a plan is shown: the text a person reads (Terraform's conventions) and the versioned JSON
//! of `--json` (docs/plan-format.md). Pure functions: the commands print what they return.
//!
//! Both are made from one [`PlanDocument`], which never holds a sensitive value, so neither
//! the text nor the JSON can show one. A saved plan file holds the same document, and
//! `plinth show PLANFILE` renders it with [`document_text`].

mod document;
mod text;

#[cfg(test)]
mod tests;

#[cfg(test)]
use plinth_planner::{Plan, Summary};
#[cfg(test)]
use plinth_state::State;

#[cfg(test)]
use crate::render::document::SummaryCounts;
pub use crate::render::document::{
    AttributeChangeEntry, FORMAT_VERSION, PlanDocument, ResourceChange, ResourceDrift,
};

/// How to render a plan as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the symbols (green `+`, yellow `~`, red `-`, cyan `<=`) with ANSI codes. The text
    /// reads the same without.
    pub color: bool,
}

#[cfg(test)]
/// The plan as text, made against the state `prior` (whose sensitive values it hides).
pub fn plan_text(plan: &Plan, prior: &State, options: RenderOptions) -> String {
    document_text(&PlanDocument::new(plan, prior), options)
}

#[cfg(test)]
/// The plan as the versioned JSON of `plinth plan --json`.
pub fn plan_json(plan: &Plan, prior: &State) -> serde_json::Value {
    document_json(&PlanDocument::new(plan, prior))
}

/// A plan document (e.g. from a plan file) as text.
pub fn document_text(document: &PlanDocument, options: RenderOptions) -> String {
    text::document_text(document, options)
}

/// A plan document as JSON.
pub fn document_json(document: &PlanDocument) -> serde_json::Value {
    // Serializing plain structs of strings, numbers and JSON values cannot fail.
    serde_json::to_value(document).unwrap_or(serde_json::Value::Null)
}

#[cfg(test)]
/// `Plan: 1 to add, 2 to change, 0 to destroy.`, with `1 to import, ` first when there are
/// imports, as Terraform 1.5 writes it.
pub fn summary_line(summary: &Summary) -> String {
    text::counts_line(&SummaryCounts {
        import: summary.import,
        add: summary.add,
        change: summary.change,
        destroy: summary.destroy,
        read: summary.read,
    })
}

//! How a plan is shown: the text a person reads (Terraform's conventions), the Markdown of a
//! review comment (`--markdown`), and the versioned JSON of docs/plan-format.md, written to the
//! `io::Write` the command passes; and the JSON stream of `--json` runs ([`stream`],
//! docs/json-stream.md).
//!
//! Both are made from the entries of a plan document ([`ResourceChange`]), which never hold a
//! sensitive value, so neither the text nor the JSON can show one. A plan just made is seen
//! through a [`PlanView`], which makes each entry when it is written and drops it after, so a
//! rendering never holds the whole document; the text makes no entry for a no-op at all. A
//! saved plan file holds the whole [`PlanDocument`], and `plinth show PLANFILE` renders it with
//! [`write_document_text`], through the same renderer.

mod document;
mod markdown;
pub mod stream;
mod text;

#[cfg(test)]
pub(crate) mod testing;
#[cfg(test)]
mod tests;

use std::io;

use serde::Serialize;

pub use crate::render::document::{
    ActionNames, AttributeChangeEntry, ChangeAction, DocumentHead, FORMAT_VERSION,
    OutputChangeEntry, PlanDocument, PlanView, ResourceChange, ResourceDrift, SummaryCounts,
    TerraformAction,
};
use crate::render::text::Shown;

/// How to render a plan as text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour the symbols (green `+`, yellow `~`, red `-`, cyan `<=`) with ANSI codes. The text
    /// reads the same without.
    pub color: bool,
}

/// Writes the text of a plan just made to `w`, one change at a time: each shown change is made
/// into its document entry, rendered, written and dropped before the next; a no-op never becomes
/// an entry.
pub fn write_plan_text(
    w: &mut dyn io::Write,
    view: &PlanView<'_>,
    options: RenderOptions,
) -> io::Result<()> {
    let mut shown = Shown::default();
    for change in view.shown() {
        let names = ActionNames::of(change.action);
        shown.add(names.action, names.actions);
    }
    let changes = view.shown().map(|change| view.resource_change(change));
    text::write_text(w, view.head(), &shown, changes, options)
}

/// Writes the text of a plan document (e.g. from a plan file) to `w`.
pub fn write_document_text(
    w: &mut dyn io::Write,
    document: &PlanDocument,
    options: RenderOptions,
) -> io::Result<()> {
    let changes = || {
        document.resource_changes.iter().filter(|change| {
            change.action != ChangeAction::NoOp || change.previous_address.is_some()
        })
    };
    let mut shown = Shown::default();
    for change in changes() {
        shown.add(change.action, &change.actions);
    }
    text::write_text(w, &document.head, &shown, changes(), options)
}

/// Writes the Markdown summary of a plan just made to `w` (for a pull-request comment).
pub fn write_plan_markdown(w: &mut dyn io::Write, view: &PlanView<'_>) -> io::Result<()> {
    markdown::write_markdown(w, view.head(), || {
        view.shown().map(|change| view.resource_change(change))
    })
}

/// Writes the Markdown summary of a plan document (e.g. from a plan file) to `w`.
pub fn write_document_markdown(w: &mut dyn io::Write, document: &PlanDocument) -> io::Result<()> {
    markdown::write_markdown(w, &document.head, || {
        document.resource_changes.iter().filter(|change| {
            change.action != ChangeAction::NoOp || change.previous_address.is_some()
        })
    })
}

/// Writes a plan as the versioned JSON of `--json` (pretty, then a newline) to `w`: a
/// [`PlanView`] one resource change at a time, or a whole [`PlanDocument`].
pub fn write_json(w: &mut dyn io::Write, document: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, document)?;
    writeln!(w)
}

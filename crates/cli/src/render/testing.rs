//! Whole-document twins of the streaming rendering, for tests: a plan made into its whole
//! [`PlanDocument`] at once, and renderings that check the streamed output against it.

use plinth_planner::{Plan, Summary};
use plinth_state::State;

use crate::render::document::SummaryCounts;
use crate::render::{
    PlanDocument, PlanView, RenderOptions, text, write_document_text, write_json, write_plan_text,
};

/// The document of `plan`, made against the state `prior`, every entry at once.
pub fn whole_document(plan: &Plan, prior: &State) -> PlanDocument {
    let view = PlanView::new(plan, prior);
    PlanDocument {
        head: view.head().clone(),
        resource_changes: plan
            .changes()
            .iter()
            .map(|change| view.resource_change(change))
            .collect(),
    }
}

/// The plan as text, made against the state `prior` (whose sensitive values it hides), written
/// as `plinth plan` writes it. Checks that the plan's document, as a plan file holds it, renders
/// the same.
pub fn plan_text(plan: &Plan, prior: &State, options: RenderOptions) -> String {
    let mut streamed = Vec::new();
    let written = write_plan_text(&mut streamed, &PlanView::new(plan, prior), options);
    assert!(written.is_ok(), "{written:?}");
    let text = String::from_utf8(streamed).unwrap_or_default();
    assert_eq!(
        text,
        document_text(&whole_document(plan, prior), options),
        "the plan and its document render differently"
    );
    text
}

/// A plan document as text.
pub fn document_text(document: &PlanDocument, options: RenderOptions) -> String {
    let mut text = Vec::new();
    let written = write_document_text(&mut text, document, options);
    assert!(written.is_ok(), "{written:?}");
    String::from_utf8(text).unwrap_or_default()
}

/// The plan as the versioned JSON of `plinth plan --json`. Checks that the streamed bytes are
/// those of the whole document serialized at once.
pub fn plan_json(plan: &Plan, prior: &State) -> serde_json::Value {
    let mut streamed = Vec::new();
    let written = write_json(&mut streamed, &PlanView::new(plan, prior));
    assert!(written.is_ok(), "{written:?}");
    let document = whole_document(plan, prior);
    let mut expected = serde_json::to_vec_pretty(&document).unwrap_or_default();
    expected.push(b'\n');
    let whole = serde_json::to_value(document).unwrap_or_default();
    assert_eq!(
        String::from_utf8_lossy(&streamed),
        String::from_utf8_lossy(&expected),
        "the streamed JSON differs from the document's"
    );
    whole
}

/// `Plan: 1 to add, 2 to change, 0 to destroy.`, with `1 to import, ` first when there are
/// imports, as Terraform 1.5 writes it.
pub fn summary_line(summary: &Summary) -> String {
    text::counts_line(&SummaryCounts {
        import: summary.import,
        add: summary.add,
        change: summary.change,
        destroy: summary.destroy,
        read: summary.read,
        forget: summary.forget,
    })
}

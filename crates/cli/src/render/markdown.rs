//! The plan as Markdown for a pull-request or merge-request comment (`plinth plan --markdown`,
//! `plinth show --markdown PLANFILE`): the counts, a table of the changes, what changed outside
//! plinth, the warnings, then each change folded in a `<details>` block holding its text as a
//! `diff` block, which GitHub and GitLab both colour.
//!
//! It is made from the same document entries as the text, so it can no more show a sensitive
//! value than the text can: those read `(sensitive value)`.

use std::borrow::Borrow;
use std::fmt::Write as _;
use std::io;

use crate::render::document::{
    ChangeAction, DocumentHead, DocumentMode, ResourceChange, TerraformAction,
};
use crate::render::text::{counts_line, resource_change_block, resource_drift_block};

/// GitHub's limit on the body of a pull-request comment, in characters.
pub(crate) const COMMENT_LIMIT: usize = 65_536;

/// Room kept at the end for the note that says what was left out (it is far shorter).
const NOTE_ROOM: usize = 400;

/// Writes the Markdown of a plan to `w`, within [`COMMENT_LIMIT`] characters. `changes` yields
/// the changes shown (no no-ops); it is called a few times (count, table, details), so that no
/// list of entries is held.
///
/// What a reviewer needs first is kept first: the counts, the table and the drift headline.
/// When the whole would not fit, the per-resource `<details>` are cut from the end, then the
/// drift's own details, then the table's last rows, and a last line says how many were left out
/// and where to read the full plan.
pub(crate) fn write_markdown<C, I>(
    w: &mut dyn io::Write,
    head: &DocumentHead,
    changes: impl Fn() -> I,
) -> io::Result<()>
where
    C: Borrow<ResourceChange>,
    I: Iterator<Item = C>,
{
    let mut budget = Budget {
        left: COMMENT_LIMIT - NOTE_ROOM,
    };
    let mut out = String::new();
    let title = match head.mode {
        DocumentMode::Normal => "plinth plan",
        DocumentMode::RefreshOnly => "plinth plan (refresh only)",
        DocumentMode::Destroy => "plinth destroy plan",
    };
    let _ = writeln!(out, "### {title}\n");
    let total = changes().count();
    let any = total > 0;
    let shows_changes = any && !head.is_refresh_only();
    let mut cut = Cut::default();
    if head.is_refresh_only() {
        if head.resource_drift.is_empty() {
            out.push_str("**No changes.** The real objects still match the state.\n");
        } else {
            let _ = writeln!(
                out,
                "**{} changed outside plinth.** Applying this plan records them in the state \
                 and changes nothing in the cloud.\n",
                objects(head.resource_drift.len())
            );
        }
    } else if any {
        let _ = writeln!(out, "**{}**\n", counts_line(&head.summary));
    } else if head.mode == DocumentMode::Destroy {
        out.push_str("**No changes.** No objects need to be destroyed.\n");
    } else {
        out.push_str("**No changes.** Your infrastructure matches the configuration.\n");
    }
    budget.spend(&out);
    let mut warning = String::new();
    if shows_changes {
        forget_warning(&mut warning, &changes);
    }
    plan_warnings(&mut warning, &head.warnings);
    let drift_headline = drift_headline(head);
    // The drift headline and the warning are kept whatever the table's length.
    let kept_after_table = chars(&drift_headline) + chars(&warning);
    if shows_changes {
        cut.table_rows = table(&mut out, &changes, &mut budget, kept_after_table);
    }
    let drift = drift(head);
    if budget.fits(&drift) {
        budget.spend(&drift);
        out.push_str(&drift);
    } else {
        budget.spend(&drift_headline);
        out.push_str(&drift_headline);
        cut.drift_details = true;
    }
    w.write_all(out.as_bytes())?;
    out.clear();
    budget.spend(&warning);
    out.push_str(&warning);
    if shows_changes {
        let heading = "\n#### Changes\n";
        if cut.table_rows == 0 && budget.fits(heading) {
            budget.spend(heading);
            out.push_str(heading);
            w.write_all(out.as_bytes())?;
            for change in changes() {
                out.clear();
                details(&mut out, change.borrow());
                if !budget.fits(&out) {
                    break;
                }
                budget.spend(&out);
                w.write_all(out.as_bytes())?;
                cut.details_shown += 1;
            }
            out.clear();
        } else {
            w.write_all(out.as_bytes())?;
            out.clear();
        }
        cut.details = total - cut.details_shown;
    }
    // Without changes, `out` still holds the warnings: written with the note.
    cut.note(&mut out, total);
    w.write_all(out.as_bytes())
}

/// What remains of the comment's room.
struct Budget {
    left: usize,
}

impl Budget {
    fn fits(&self, text: &str) -> bool {
        chars(text) <= self.left
    }

    fn spend(&mut self, text: &str) {
        self.left = self.left.saturating_sub(chars(text));
    }
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// What was left out of the comment to keep within its limit.
#[derive(Default)]
struct Cut {
    /// Rows of the table left out.
    table_rows: usize,
    /// The drift's `diff` blocks were left out (its headline is kept).
    drift_details: bool,
    /// `<details>` blocks written, and left out.
    details_shown: usize,
    details: usize,
}

impl Cut {
    /// The last line: what was left out, and where to read the whole plan.
    fn note(&self, out: &mut String, total: usize) {
        let mut parts = Vec::new();
        if self.table_rows > 0 {
            parts.push(format!(
                "the table shows {} of {total} changes",
                total - self.table_rows
            ));
        }
        if self.details > 0 {
            parts.push(format!(
                "the details of {} left out",
                if self.details == 1 {
                    "1 change are".to_owned()
                } else {
                    format!("{} changes are", self.details)
                }
            ));
        }
        if self.drift_details {
            parts.push("the details of the changes outside plinth are left out".to_owned());
        }
        if parts.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n**This summary is cut to fit a comment ({COMMENT_LIMIT} characters):** {}. Read \
             the full plan with `plinth show PLANFILE`.",
            parts.join("; ")
        );
    }
}

/// The table of changes: one row per change, its symbol, action, address and reasons, as many
/// rows as the budget allows with `keep` characters kept for what follows. Returns how many
/// rows were left out.
fn table<C: Borrow<ResourceChange>, I: Iterator<Item = C>>(
    out: &mut String,
    changes: &impl Fn() -> I,
    budget: &mut Budget,
    keep: usize,
) -> usize {
    let header = "| | Resource | Action | Reason |\n|:-:|---|---|---|\n";
    budget.spend(header);
    out.push_str(header);
    let mut left_out = 0;
    let mut row = String::new();
    for change in changes() {
        if left_out > 0 {
            left_out += 1;
            continue;
        }
        let change = change.borrow();
        row.clear();
        let mut address = format!("`{}`", change.address);
        if let Some(previous) = &change.previous_address {
            let _ = write!(address, " (moved from `{previous}`)");
        }
        let reasons = change
            .reasons
            .iter()
            .map(|reason| cell(&reason.message))
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            row,
            "| `{}` | {address} | {} | {reasons} |",
            symbol(change),
            action_words(change)
        );
        if chars(&row) + keep > budget.left {
            left_out = 1;
            continue;
        }
        budget.spend(&row);
        out.push_str(&row);
    }
    left_out
}

/// The headline of what changed outside plinth, alone: what is kept when its details do not
/// fit. Empty when nothing changed outside.
fn drift_headline(head: &DocumentHead) -> String {
    if head.resource_drift.is_empty() {
        return String::new();
    }
    format!(
        "\n**{} changed outside plinth since the last apply.**\n",
        objects(head.resource_drift.len())
    )
}

/// What changed outside plinth, folded: one `diff` block per object. Empty when nothing did.
fn drift(head: &DocumentHead) -> String {
    let mut out = String::new();
    if head.resource_drift.is_empty() {
        return out;
    }
    let _ = writeln!(
        out,
        "\n<details><summary>{} changed outside plinth since the last apply</summary>\n",
        objects(head.resource_drift.len())
    );
    let blocks: String = head
        .resource_drift
        .iter()
        .map(resource_drift_block)
        .collect::<Vec<_>>()
        .join("\n");
    diff_block(&mut out, &blocks);
    out.push_str("\n</details>\n");
    out
}

/// Terraform's warning when a plan forgets objects, as a quote.
fn forget_warning<C: Borrow<ResourceChange>, I: Iterator<Item = C>>(
    out: &mut String,
    changes: &impl Fn() -> I,
) {
    let forgotten: Vec<String> = changes()
        .filter(|change| change.borrow().action == ChangeAction::Forget)
        .map(|change| format!("`{}`", change.borrow().address))
        .collect();
    if forgotten.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n> **Warning:** plinth will stop managing {} but will not delete {}: {}. Import them to \
         manage them again.",
        if forgotten.len() == 1 {
            "this object"
        } else {
            "these objects"
        },
        if forgotten.len() == 1 { "it" } else { "them" },
        forgotten.join(", ")
    );
}

/// The plan's warnings (a template parameter the template does not show), each as a quote with
/// its place.
fn plan_warnings(out: &mut String, warnings: &[String]) {
    for text in warnings {
        let _ = writeln!(out, "\n> **Warning:** {}", html(&cell(text)));
    }
}

/// One change folded: its address and headline as the summary, its text as a `diff` block.
fn details(out: &mut String, change: &ResourceChange) {
    let _ = writeln!(
        out,
        "\n<details><summary><code>{}</code> <code>{}</code> {}</summary>\n",
        html(symbol(change)),
        html(&change.address),
        html(headline(change))
    );
    diff_block(out, &resource_change_block(change));
    out.push_str("\n</details>\n");
}

/// `text` in a fenced `diff` block, each line's symbol moved to the first column where the
/// highlighter looks for it (`+` added, `-` removed, `!` changed), the rest kept in place.
fn diff_block(out: &mut String, text: &str) {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    let _ = writeln!(out, "{fence}diff");
    for line in text.lines() {
        let _ = writeln!(out, "{}", diff_line(line).trim_end());
    }
    let _ = writeln!(out, "{fence}");
}

fn diff_line(line: &str) -> String {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    let (mark, symbol) = [
        ("!", "-/+ "),
        ("!", "+/- "),
        ("+", "<= "),
        ("+", "+ "),
        ("-", "- "),
        ("!", "~ "),
    ]
    .into_iter()
    .find(|(_, symbol)| body.starts_with(symbol))
    .unwrap_or((" ", ""));
    format!(
        "{mark}{}{}{}",
        " ".repeat(indent),
        " ".repeat(symbol.len()),
        &body[symbol.len()..]
    )
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// The symbol of a change, as the text heads its block.
fn symbol(change: &ResourceChange) -> &'static str {
    use TerraformAction as T;
    match (change.action, change.actions.as_slice()) {
        (_, [T::Update]) => "~",
        (ChangeAction::Import, _) => "←",
        (_, [T::Create]) => "+",
        (_, [T::Delete]) => "-",
        (_, [T::Delete, T::Create]) => "-/+",
        (_, [T::Create, T::Delete]) => "+/-",
        (_, [T::Read]) => "<=",
        (ChangeAction::Forget, _) => ".",
        _ => " ",
    }
}

/// The action in words, for the table.
fn action_words(change: &ResourceChange) -> &'static str {
    use TerraformAction as T;
    match (change.action, change.actions.as_slice()) {
        (ChangeAction::NoOp, _) => "move",
        (ChangeAction::Create, _) => "create",
        (ChangeAction::Update, _) => "update in place",
        (ChangeAction::Replace, [T::Create, T::Delete]) => "replace (create first)",
        (ChangeAction::Replace, _) => "replace",
        (ChangeAction::Delete, _) => "destroy",
        (ChangeAction::Read, _) => "read",
        (ChangeAction::Import, [T::Update]) => "import, then update",
        (ChangeAction::Import, _) => "import",
        (ChangeAction::Forget, _) => "forget (not destroyed)",
    }
}

/// The headline of a change, as the text's comment line says it.
fn headline(change: &ResourceChange) -> &'static str {
    match change.action {
        ChangeAction::NoOp => "has moved",
        ChangeAction::Create => "will be created",
        ChangeAction::Update => "will be updated in place",
        ChangeAction::Replace => "must be replaced",
        ChangeAction::Delete => "will be destroyed",
        ChangeAction::Read => "will be read during apply",
        ChangeAction::Import => "will be imported",
        ChangeAction::Forget => "will no longer be managed by plinth",
    }
}

fn objects(count: usize) -> String {
    if count == 1 {
        "1 object".to_owned()
    } else {
        format!("{count} objects")
    }
}

/// Text safe in a table cell: no `|`, no line break.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Text safe inside HTML.
fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::render::PlanDocument;

    /// A plan creating `count` add-ons, each with `values` entries in its object, and `drifted`
    /// objects changed outside plinth.
    fn large_plan(count: usize, values: usize, drifted: usize) -> PlanDocument {
        let object: serde_json::Map<String, serde_json::Value> = (0..values)
            .map(|i| (format!("key_{i:04}"), json!(format!("value number {i}"))))
            .collect();
        let changes: Vec<serde_json::Value> = (0..count)
            .map(|i| {
                json!({
                    "address": format!("huaweicloud_cce_addon.addon_{i:05}"),
                    "mode": "managed",
                    "type": "huaweicloud_cce_addon",
                    "name": format!("addon_{i:05}"),
                    "action": "create",
                    "actions": ["create"],
                    "reasons": [],
                    "before": null,
                    "after": { "template_name": "coredns", "values": object },
                    "after_unknown": {},
                    "before_sensitive": false,
                    "after_sensitive": {},
                    "replace_paths": [],
                    "attribute_changes": [],
                    "depends_on": [],
                })
            })
            .collect();
        let drift: Vec<serde_json::Value> = (0..drifted)
            .map(|i| {
                json!({
                    "address": format!("huaweicloud_cce_addon.old_{i:05}"),
                    "mode": "managed",
                    "type": "huaweicloud_cce_addon",
                    "name": format!("old_{i:05}"),
                    "deleted": true,
                    "before": { "template_name": "coredns", "values": object },
                    "after": null,
                    "before_sensitive": {},
                    "after_sensitive": false,
                    "changes": [],
                })
            })
            .collect();
        serde_json::from_value(json!({
            "format_version": "1",
            "plinth_version": "0.1.0",
            "mode": "normal",
            "prior_state": { "lineage": "l", "serial": 1 },
            "resource_drift": drift,
            "resource_changes": changes,
            "summary": { "import": 0, "add": count, "change": 0, "destroy": 0, "read": 0 },
            "has_changes": true,
        }))
        .unwrap()
    }

    fn markdown(document: &PlanDocument) -> String {
        let mut out = Vec::new();
        crate::render::write_document_markdown(&mut out, document).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_summary_that_fits_is_whole_and_says_nothing_was_left_out() {
        let text = markdown(&large_plan(3, 5, 1));
        assert_eq!(text.matches("<details><summary><code>").count(), 3);
        assert!(text.contains("1 object changed outside plinth"), "{text}");
        assert!(!text.contains("cut to fit"), "{text}");
    }

    #[test]
    fn details_are_cut_from_the_end_to_fit_a_comment() {
        let document = large_plan(300, 20, 2);
        let text = markdown(&document);
        assert!(text.chars().count() <= COMMENT_LIMIT, "{}", text.len());
        // The counts, the whole table and the drift are kept.
        assert!(text.contains("**Plan: 300 to add, 0 to change, 0 to destroy.**"));
        assert_eq!(
            text.matches("| `+` | `huaweicloud_cce_addon.addon_")
                .count(),
            300
        );
        assert!(text.contains("2 objects changed outside plinth since the last apply"));
        // The first details are kept, in order, and the last ones cut.
        let shown = text.matches("<details><summary><code>+</code>").count();
        assert!(shown > 10 && shown < 300, "{shown}");
        assert!(text.contains("<code>huaweicloud_cce_addon.addon_00000</code>"));
        assert!(!text.contains("<code>huaweicloud_cce_addon.addon_00299</code>"));
        let last_line = text.lines().last().unwrap();
        assert_eq!(
            last_line,
            format!(
                "**This summary is cut to fit a comment (65536 characters):** the details of {} \
                 changes are left out. Read the full plan with `plinth show PLANFILE`.",
                300 - shown
            )
        );
        // Nothing is cut in the middle of a block.
        assert_eq!(
            text.matches("<details>").count(),
            text.matches("</details>").count()
        );
    }

    #[test]
    fn a_table_too_long_alone_is_cut_with_the_same_note() {
        let text = markdown(&large_plan(2_000, 1, 3_000));
        assert!(text.chars().count() <= COMMENT_LIMIT, "{}", text.len());
        assert!(text.contains("**Plan: 2000 to add, 0 to change, 0 to destroy.**"));
        let rows = text
            .matches("| `+` | `huaweicloud_cce_addon.addon_")
            .count();
        assert!(rows > 100 && rows < 2_000, "{rows}");
        assert!(text.contains("| `+` | `huaweicloud_cce_addon.addon_00000` |"));
        // The drift's headline is kept without its blocks, and no change's details are shown.
        assert!(text.contains("**3000 objects changed outside plinth since the last apply.**"));
        assert!(!text.contains("<details>"), "{text}");
        assert_eq!(
            text.lines().last().unwrap(),
            format!(
                "**This summary is cut to fit a comment (65536 characters):** the table shows \
                 {rows} of 2000 changes; the details of 2000 changes are left out; the details \
                 of the changes outside plinth are left out. Read the full plan with `plinth \
                 show PLANFILE`."
            )
        );
    }

    #[test]
    fn diff_lines_put_the_symbol_first_and_keep_the_rest_in_place() {
        assert_eq!(
            diff_line("      ~ replicas = 2 -> 3"),
            "!        replicas = 2 -> 3"
        );
        assert_eq!(
            diff_line("  + resource \"a\" \"b\" {"),
            "+    resource \"a\" \"b\" {"
        );
        assert_eq!(
            diff_line("-/+ resource \"a\" \"b\" {"),
            "!    resource \"a\" \"b\" {"
        );
        assert_eq!(diff_line("        id = \"x\""), "         id = \"x\"");
        assert_eq!(diff_line("  # a comment"), "   # a comment");
    }

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_it_holds() {
        let mut out = String::new();
        diff_block(&mut out, "+ value = \"````\"");
        assert!(out.starts_with("`````diff\n"), "{out}");
    }

    #[test]
    fn cells_and_summaries_cannot_break_the_markup() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(html("x[\"<a>\"] & y"), "x[&quot;&lt;a&gt;&quot;] &amp; y");
    }
}

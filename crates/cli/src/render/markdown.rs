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

/// Writes the Markdown of a plan to `w`. `changes` yields the changes shown (no no-ops); it is
/// called twice, for the table and for the details, so that no list of entries is held.
pub(crate) fn write_markdown<C, I>(
    w: &mut dyn io::Write,
    head: &DocumentHead,
    changes: impl Fn() -> I,
) -> io::Result<()>
where
    C: Borrow<ResourceChange>,
    I: Iterator<Item = C>,
{
    let mut out = String::new();
    let title = match head.mode {
        DocumentMode::Normal => "plinth plan",
        DocumentMode::RefreshOnly => "plinth plan (refresh only)",
        DocumentMode::Destroy => "plinth destroy plan",
    };
    let _ = writeln!(out, "### {title}\n");
    let any = changes().next().is_some();
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
        table(&mut out, &changes);
    } else if head.mode == DocumentMode::Destroy {
        out.push_str("**No changes.** No objects need to be destroyed.\n");
    } else {
        out.push_str("**No changes.** Your infrastructure matches the configuration.\n");
    }
    drift(&mut out, head);
    w.write_all(out.as_bytes())?;
    out.clear();
    if head.is_refresh_only() || !any {
        return Ok(());
    }
    forget_warning(&mut out, &changes);
    out.push_str("\n#### Changes\n");
    w.write_all(out.as_bytes())?;
    for change in changes() {
        out.clear();
        details(&mut out, change.borrow());
        w.write_all(out.as_bytes())?;
    }
    Ok(())
}

/// The table of changes: one row per change, its symbol, action, address and reasons.
fn table<C: Borrow<ResourceChange>, I: Iterator<Item = C>>(
    out: &mut String,
    changes: &impl Fn() -> I,
) {
    out.push_str("| | Resource | Action | Reason |\n|:-:|---|---|---|\n");
    for change in changes() {
        let change = change.borrow();
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
            out,
            "| `{}` | {address} | {} | {reasons} |",
            symbol(change),
            action_words(change)
        );
    }
}

/// What changed outside plinth, folded: one `diff` block per object.
fn drift(out: &mut String, head: &DocumentHead) {
    if head.resource_drift.is_empty() {
        return;
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
    diff_block(out, &blocks);
    out.push_str("\n</details>\n");
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
    use super::*;

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

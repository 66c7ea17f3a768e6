//! The plan as a person reads it, in Terraform's conventions.

use std::borrow::Borrow;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;

use console::Style;
use serde_json::Value as Json;

use crate::render::RenderOptions;
use crate::render::document::{
    AttributeChangeEntry, ChangeAction, DocumentHead, DocumentMode, DriftEntry, OutputChangeEntry,
    ReasonCode, ReasonEntry, ResourceChange, ResourceDrift, ResourceMode, SummaryCounts,
    TerraformAction,
};

const SEPARATOR: &str =
    "─────────────────────────────────────────────────────────────────────────────";

/// Which kinds of change a plan shows (all but its no-ops): what must be known before the first
/// change is written, for the legend of symbols and the headline when nothing changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Shown {
    any: bool,
    /// The symbols of the legend, in its order.
    symbols: BTreeSet<Symbol>,
}

impl Shown {
    /// Counts in a shown change by its action and Terraform's list form of it.
    pub(crate) fn add(&mut self, action: ChangeAction, actions: &[TerraformAction]) {
        use TerraformAction as T;
        self.any = true;
        let symbol = match (action, actions) {
            // An import shows `~` when it updates too, and no symbol of its own otherwise.
            (ChangeAction::Import, [T::Update]) => Symbol::Update,
            (ChangeAction::Import, _) => return,
            (_, [T::Create]) => Symbol::Create,
            (_, [T::Update]) => Symbol::Update,
            (_, [T::Delete]) => Symbol::Delete,
            (_, [T::Delete, T::Create]) => Symbol::DeleteCreate,
            (_, [T::Create, T::Delete]) => Symbol::CreateDelete,
            (_, [T::Read]) => Symbol::Read,
            // A forget shows `.`, which Terraform's legend does not list either.
            _ => return,
        };
        self.symbols.insert(symbol);
    }
}

/// Writes the text of a plan to `w`: `head` first, then the `changes` it shows (all but the
/// no-ops, of the kinds `shown` counts), each rendered and written before the next is taken.
pub(crate) fn write_text<C: Borrow<ResourceChange>>(
    w: &mut dyn io::Write,
    head: &DocumentHead,
    shown: &Shown,
    changes: impl Iterator<Item = C>,
    options: RenderOptions,
) -> io::Result<()> {
    let mut out = Out::new(options.color);
    if head.is_refresh_only() {
        if head.resource_drift.is_empty() {
            out.raw(&format!(
                "{}\n\nplinth has checked that the real remote objects still match the result of \
                 your most recent changes, and found no differences.\n",
                out.styles
                    .bold
                    .apply_to("No changes. Your infrastructure still matches the configuration.")
            ));
        } else {
            drift_section(&mut out, head, "since the last \"plinth apply\":");
            out.raw(
                "This is a refresh-only plan: plinth will update the state to match these objects, \
                 and will not take any action to undo these changes. If you expected them, apply \
                 this plan to record the updated values in the state without changing any remote \
                 object.\n",
            );
        }
        output_section(&mut out, head);
        sealing_note(&mut out, head);
        return out.write_to(w);
    }
    if !shown.any
        && head
            .output_changes
            .values()
            .any(OutputChangeEntry::is_change)
    {
        if !head.resource_drift.is_empty() {
            drift_section(&mut out, head, "since the last \"plinth apply\":");
        }
        output_section(&mut out, head);
        out.raw(
            "\nYou can apply this plan to save these new output values to the plinth state, \
             without changing any real infrastructure.\n",
        );
        sealing_note(&mut out, head);
        return out.write_to(w);
    }
    if !shown.any {
        if !head.resource_drift.is_empty() {
            drift_section(&mut out, head, "since the last \"plinth apply\":");
        }
        let headline = if head.mode == DocumentMode::Destroy {
            "No changes. No objects need to be destroyed."
        } else {
            "No changes. Your infrastructure matches the configuration."
        };
        let headline = out.styles.bold.apply_to(headline).to_string();
        out.raw(&format!("{headline}\n\n"));
        if !head.resource_drift.is_empty() {
            out.raw(
                "Your configuration already matches the changes detected above. If you'd like to \
                 update the plinth state to match, create and apply a refresh-only plan:\n  \
                 plinth apply --refresh-only\n",
            );
        } else if head.mode == DocumentMode::Destroy {
            out.raw(
                "Either you have not created any objects yet or the existing objects were already \
                 deleted outside plinth.\n",
            );
        } else {
            out.raw(
                "plinth has compared your real infrastructure against your configuration and \
                 found no differences, so no changes are needed.\n",
            );
        }
        sealing_note(&mut out, head);
        return out.write_to(w);
    }
    if !head.resource_drift.is_empty() {
        drift_section(
            &mut out,
            head,
            "since the last \"plinth apply\" which may have affected this plan:",
        );
        out.raw(
            "Unless you have made equivalent changes to your configuration, or ignored the \
             relevant attributes using ignore_changes, the following plan may include actions to \
             undo or respond to these changes.\n\n",
        );
        out.raw(SEPARATOR);
        out.raw("\n\n");
    }
    legend(&mut out, shown);
    out.raw("plinth will perform the following actions:\n");
    // Only the forgotten addresses are kept, for the warning after the counts.
    let mut forgotten = Vec::new();
    for change in changes {
        let change = change.borrow();
        out.raw("\n");
        resource_change(&mut out, change);
        out.write_to(w)?;
        if change.action == ChangeAction::Forget {
            forgotten.push(change.address.clone());
        }
    }
    out.raw("\n");
    let line = counts_line(&head.summary);
    out.raw(&format!(
        "{}{}\n",
        out.styles.bold.apply_to("Plan:"),
        &line["Plan:".len()..]
    ));
    forget_warning(&mut out, &forgotten);
    if head
        .output_changes
        .values()
        .any(OutputChangeEntry::is_change)
    {
        out.raw("\n");
        output_section(&mut out, head);
    }
    sealing_note(&mut out, head);
    out.write_to(w)
}

/// The values the apply seals in the state: marked sensitive after they were recorded.
fn sealing_note(out: &mut Out, head: &DocumentHead) {
    if head.resource_sealing.is_empty() {
        return;
    }
    let title = out
        .styles
        .bold
        .apply_to("Note: values to seal in the state")
        .to_string();
    out.raw(&format!(
        "\n{title}\n\nThe configuration marks these values sensitive, and the state still holds \
         them as they are. Applying this plan replaces each with its fingerprint in the state, \
         without changing any remote object:\n"
    ));
    for sealing in &head.resource_sealing {
        out.raw(&format!(
            " - {}: {}\n",
            sealing.address,
            sealing.pointers.join(", ")
        ));
    }
}

/// Terraform's `Changes to Outputs:` section: `+ name = value` for a new output,
/// `~ name = old -> new` for a changed one, `- name = old -> null` for one removed; sensitive
/// values as `(sensitive value)`, values known only after apply as `(known after apply)`.
/// Nothing when no output changes.
fn output_section(out: &mut Out, head: &DocumentHead) {
    let changed: Vec<(&String, &OutputChangeEntry)> = head
        .output_changes
        .iter()
        .filter(|(_, change)| change.is_change())
        .collect();
    if changed.is_empty() {
        return;
    }
    let heading = out.styles.bold.apply_to("Changes to Outputs:").to_string();
    out.raw(&format!("{heading}\n"));
    let names = labels(changed.iter().map(|(name, _)| name.as_str()));
    for ((_, change), label) in changed.iter().zip(names) {
        let before = V::of(&change.before, None, Some(&change.before_sensitive));
        let after = V::of(
            &change.after,
            Some(&change.after_unknown),
            Some(&change.after_sensitive),
        );
        match change.actions.as_slice() {
            [TerraformAction::Create] => {
                whole(
                    out,
                    2,
                    Symbol::Create,
                    Symbol::Create,
                    &label,
                    after,
                    "",
                    "",
                );
            }
            [TerraformAction::Delete] => whole(
                out,
                2,
                Symbol::Delete,
                Symbol::Delete,
                &label,
                before,
                " -> null",
                "",
            ),
            _ if before.sensitive.on() || after.sensitive.on() => {
                out.line(2, Symbol::Update, &format!("{label}(sensitive value)"));
            }
            _ if before.is_absent() || after.is_absent() => out.line(
                2,
                Symbol::Update,
                &format!("{label}{} -> {}", before.inline(), after.inline()),
            ),
            _ => diff(out, 2, &label, before, after, ""),
        }
    }
}

/// The block of one resource change as the text shows it (its `# ...` comment lines included),
/// without colour: what the Markdown summary folds under the change.
pub(crate) fn resource_change_block(change: &ResourceChange) -> String {
    let mut out = Out::new(false);
    resource_change(&mut out, change);
    out.text
}

/// The block of one object changed outside plinth as the drift section shows it, without colour.
pub(crate) fn resource_drift_block(drift: &ResourceDrift) -> String {
    let mut out = Out::new(false);
    resource_drift(&mut out, drift);
    out.text
}

/// Terraform's warning after a plan that forgets objects: they stay in the cloud, unmanaged.
fn forget_warning(out: &mut Out, forgotten: &[String]) {
    if forgotten.is_empty() {
        return;
    }
    let title = out
        .styles
        .bold
        .apply_to("Warning: Some objects will no longer be managed by plinth")
        .to_string();
    out.raw(&format!(
        "\n{title}\n\nIf you apply this plan, plinth will discard its tracking information for \
         the following objects, but it will not delete them:\n"
    ));
    for address in forgotten {
        out.raw(&format!(" - {address}\n"));
    }
    out.raw(
        "\nAfter applying this plan, plinth will no longer manage these objects. You will need \
         to import them into plinth to manage them again.\n",
    );
}

/// `Plan: 1 to add, 2 to change, 0 to destroy.`, with `1 to import, ` first when there are
/// imports and `, 1 to forget` last when there are forgets.
pub(crate) fn counts_line(summary: &SummaryCounts) -> String {
    let imports = if summary.import > 0 {
        format!("{} to import, ", summary.import)
    } else {
        String::new()
    };
    let forgets = if summary.forget > 0 {
        format!(", {} to forget", summary.forget)
    } else {
        String::new()
    };
    format!(
        "Plan: {imports}{} to add, {} to change, {} to destroy{forgets}.",
        summary.add, summary.change, summary.destroy
    )
}

fn legend(out: &mut Out, shown: &Shown) {
    let lines: Vec<(Symbol, &str)> = shown
        .symbols
        .iter()
        .map(|&symbol| {
            let text = match symbol {
                Symbol::Create => "create",
                Symbol::Update => "update in place",
                Symbol::Delete => "destroy",
                Symbol::DeleteCreate => "destroy and then create replacement",
                Symbol::CreateDelete => "create replacement and then destroy",
                Symbol::Read => "read (data resources)",
                // `add` never puts it in a legend.
                Symbol::None => "",
            };
            (symbol, text)
        })
        .collect();
    if lines.is_empty() {
        return;
    }
    out.raw("plinth has generated the following execution plan. Resource actions are indicated with the following symbols:\n");
    for (symbol, text) in lines {
        let symbol = out.header_symbol(symbol);
        out.raw(&format!("{symbol} {text}\n"));
    }
    out.raw("\n");
}

fn drift_section(out: &mut Out, head: &DocumentHead, since: &str) {
    let note = out
        .styles
        .bold
        .apply_to("Note: Objects have changed outside of plinth")
        .to_string();
    out.raw(&format!(
        "{note}\n\nplinth detected the following changes made outside of plinth {since}\n"
    ));
    for drift in &head.resource_drift {
        out.raw("\n");
        resource_drift(out, drift);
    }
    out.raw("\n");
}

fn resource_drift(out: &mut Out, drift: &ResourceDrift) {
    let before = V::of(&drift.before, None, Some(&drift.before_sensitive));
    let after = V::of(&drift.after, None, Some(&drift.after_sensitive));
    let keyword = block_keyword(drift.mode, &drift.type_name, &drift.name);
    if drift.deleted {
        out.comment(&drift.address, "has been deleted", &[]);
        out.header(Symbol::Delete, &keyword);
        whole_object(out, Symbol::Delete, before, " -> null");
    } else {
        out.comment(&drift.address, "has changed", &[]);
        out.header(Symbol::Update, &keyword);
        let leaves: Vec<Leaf<'_>> = drift.changes.iter().map(Leaf::from_drift).collect();
        changed_object(out, 6, before, after, &leaves, true, false);
    }
    out.raw("    }\n");
}

fn resource_change(out: &mut Out, change: &ResourceChange) {
    let has = |code: ReasonCode| change.reasons.iter().any(|r| r.code == code);
    let keyword = block_keyword(change.mode, &change.type_name, &change.name);
    let before = V::of(&change.before, None, Some(&change.before_sensitive));
    let after = V::of(
        &change.after,
        Some(&change.after_unknown),
        Some(&change.after_sensitive),
    );
    let leaves: Vec<Leaf<'_>> = change
        .attribute_changes
        .iter()
        .map(Leaf::from_change)
        .collect();
    let imported_from = change
        .importing
        .as_ref()
        .map(|i| format!("(imported from {})", quoted(i.id.as_deref().unwrap_or(""))));
    match (change.action, change.actions.as_slice()) {
        (ChangeAction::Create, _) => {
            let because = reason_lines(change, &[ReasonCode::DeletedOutside]);
            out.comment(
                &change.address,
                "will be created",
                &with_move(change, because),
            );
            out.header(Symbol::Create, &keyword);
            whole_object(out, Symbol::Create, after, "");
        }
        (ChangeAction::Read, _) => {
            let mut because = Vec::new();
            if has(ReasonCode::DependsOnUnknown) {
                because.push("(config refers to values not yet known)".to_owned());
            }
            because.extend(reason_lines(change, &[ReasonCode::NotReadYet]));
            out.comment(
                &change.address,
                "will be read during apply",
                &with_move(change, because),
            );
            out.header(Symbol::Read, &keyword);
            whole_object(out, Symbol::Create, after, "");
        }
        (ChangeAction::Update, _) => {
            let because = reason_lines(change, &[ReasonCode::Drift]);
            out.comment(
                &change.address,
                "will be updated in place",
                &with_move(change, because),
            );
            out.header(Symbol::Update, &keyword);
            changed_object(out, 6, before, after, &leaves, true, false);
        }
        (ChangeAction::Import, [TerraformAction::Update]) => {
            let mut because = reason_lines(change, &[ReasonCode::ReplacedOutside]);
            because.extend(imported_from);
            out.comment(
                &change.address,
                "will be updated in place",
                &with_move(change, because),
            );
            out.header(Symbol::Update, &keyword);
            changed_object(out, 6, before, after, &leaves, true, false);
        }
        (ChangeAction::Import, _) => {
            let mut because = reason_lines(change, &[ReasonCode::ReplacedOutside]);
            because.extend(imported_from);
            out.comment(
                &change.address,
                "will be imported",
                &with_move(change, because),
            );
            out.header(Symbol::None, &keyword);
            id_and_hidden(out, change, after);
        }
        (ChangeAction::Replace, actions) => {
            let symbol = if actions.first() == Some(&TerraformAction::Create) {
                Symbol::CreateDelete
            } else {
                Symbol::DeleteCreate
            };
            let headline = if has(ReasonCode::Tainted) {
                "is tainted, so must be replaced"
            } else if has(ReasonCode::Requested) {
                "will be replaced, as requested"
            } else {
                "must be replaced"
            };
            let because =
                reason_lines(change, &[ReasonCode::Drift, ReasonCode::ReplaceTriggeredBy]);
            out.comment(&change.address, headline, &with_move(change, because));
            out.header(symbol, &keyword);
            changed_object(out, 6, before, after, &leaves, true, true);
        }
        (ChangeAction::Delete, _) => {
            let mut because = delete_reasons(change);
            because.extend(reason_lines(change, &[ReasonCode::ReplacedOutside]));
            out.comment(
                &change.address,
                "will be destroyed",
                &with_move(change, because),
            );
            out.header(Symbol::Delete, &keyword);
            whole_object(out, Symbol::Delete, before, " -> null");
        }
        (ChangeAction::Forget, _) => forgotten(out, change, &keyword, before),
        // A no-op is shown only when the object moves: it moves and nothing else.
        (ChangeAction::NoOp, _) => {
            let from = change.previous_address.as_deref().unwrap_or_default();
            let headline = format!("has moved to {}", change.address);
            out.comment(from, &headline, &move_hint(change));
            out.header(Symbol::None, &keyword);
            id_and_hidden(out, change, after);
        }
    }
    out.raw("    }\n");
}

/// The object's id, and how many attributes are not shown: a change that changes no attribute.
fn id_and_hidden(out: &mut Out, change: &ResourceChange, after: V<'_>) {
    if let Some(id) = &change.id {
        out.line(6, Symbol::None, &format!("id = {}", quoted(id)));
    }
    let hidden = after.keys().len().saturating_sub(usize::from(
        change.id.is_some() && after.key("id").json.is_some(),
    ));
    out.hidden(8, hidden, "attribute");
}

/// Why an object is destroyed, as Terraform says it.
fn delete_reasons(change: &ResourceChange) -> Vec<String> {
    let has = |code: ReasonCode| change.reasons.iter().any(|r| r.code == code);
    let mut because = Vec::new();
    if has(ReasonCode::NoLongerInConfiguration) {
        because.push(format!(
            "(because {} is not in configuration)",
            change.address
        ));
    }
    if has(ReasonCode::InstanceKeyRemoved) {
        because.push(match &change.index {
            Some(Json::String(key)) => {
                format!("(because key [{}] is not in for_each map)", quoted(key))
            }
            Some(index) => format!("(because index [{index}] is out of range for count)"),
            None => "(because its key is no longer in count or for_each)".to_owned(),
        });
    }
    because
}

/// The lines under a change's headline, after `(moved from ...)` when the object moves.
fn with_move(change: &ResourceChange, because: Vec<String>) -> Vec<String> {
    match &change.previous_address {
        Some(from) => std::iter::once(format!("(moved from {from})"))
            .chain(move_hint(change))
            .chain(because)
            .collect(),
        None => because,
    }
}

/// For an object found at a new address by its natural key: how to say so in the configuration.
fn move_hint(change: &ResourceChange) -> Vec<String> {
    let found = change
        .reasons
        .iter()
        .any(|r| r.code == ReasonCode::MovedByIdentity);
    match (&change.previous_address, found) {
        (Some(from), true) => vec![format!(
            "(found by its natural key; record the move with `moved {{ from = {from}  to = {} }}`)",
            change.address
        )],
        _ => Vec::new(),
    }
}

/// An object a `removed` block forgets, in Terraform's words and layout: its id, the other
/// attributes folded.
fn forgotten(out: &mut Out, change: &ResourceChange, keyword: &str, before: V<'_>) {
    let address = out
        .styles
        .bold
        .apply_to(format!("# {}", change.address))
        .to_string();
    out.raw(&format!(
        " {address} will no longer be managed by plinth, but will not be destroyed\n \
         # (destroy = false is set in the configuration)\n . {keyword}\n"
    ));
    let total = before.keys().len();
    let id = before
        .key("id")
        .json
        .and_then(Json::as_str)
        .or(change.id.as_deref());
    if let Some(id) = id {
        out.line(6, Symbol::None, &format!("id = {}", quoted(id)));
    }
    let shown = usize::from(id.is_some() && before.key("id").json.is_some());
    out.hidden(8, total.saturating_sub(shown), "attribute");
}

/// The `(because ...)` lines of the reasons with these codes.
fn reason_lines(change: &ResourceChange, codes: &[ReasonCode]) -> Vec<String> {
    change
        .reasons
        .iter()
        .filter(|r| codes.contains(&r.code))
        .map(|r: &ReasonEntry| format!("(because {})", r.message))
        .collect()
}

fn block_keyword(mode: ResourceMode, type_name: &str, name: &str) -> String {
    let keyword = match mode {
        ResourceMode::Data => "data",
        ResourceMode::Managed => "resource",
    };
    format!("{keyword} {} {} {{", quoted(type_name), quoted(name))
}

/// One changed path inside an object: where, and its two sides.
struct Leaf<'a> {
    path: &'a [Json],
    before: V<'a>,
    after: V<'a>,
    forces_replacement: bool,
}

const SENSITIVE: Json = Json::Bool(true);

impl<'a> Leaf<'a> {
    fn from_change(change: &'a AttributeChangeEntry) -> Self {
        Self {
            path: &change.path,
            before: V::of(&change.before, None, Some(&change.before_sensitive)),
            after: V::of(
                &change.after,
                Some(&change.after_unknown),
                Some(&change.after_sensitive),
            ),
            forces_replacement: change.forces_replacement,
        }
    }

    fn from_drift(drift: &'a DriftEntry) -> Self {
        let sensitive = drift.sensitive.then_some(&SENSITIVE);
        Self {
            path: &drift.path,
            before: V::of(&drift.before, None, sensitive),
            after: V::of(&drift.after, None, sensitive),
            forces_replacement: false,
        }
    }
}

/// A value with its marks: where it is unknown and where it is sensitive.
#[derive(Clone, Copy)]
struct V<'a> {
    json: Option<&'a Json>,
    unknown: Mark<'a>,
    sensitive: Mark<'a>,
}

/// A position in a mirror (`after_unknown`, `*_sensitive`): `true` marks the whole value.
#[derive(Clone, Copy)]
struct Mark<'a>(Option<&'a Json>);

impl<'a> Mark<'a> {
    fn on(self) -> bool {
        matches!(self.0, Some(Json::Bool(true)))
    }

    fn key(self, key: &str) -> Mark<'a> {
        match self.0 {
            Some(Json::Bool(true)) => self,
            Some(Json::Object(map)) => Mark(map.get(key)),
            _ => Mark(None),
        }
    }

    fn index(self, index: usize) -> Mark<'a> {
        match self.0 {
            Some(Json::Bool(true)) => self,
            Some(Json::Array(items)) => Mark(items.get(index)),
            _ => Mark(None),
        }
    }
}

impl<'a> V<'a> {
    fn of(json: &'a Json, unknown: Option<&'a Json>, sensitive: Option<&'a Json>) -> Self {
        Self {
            json: Some(json),
            unknown: Mark(unknown),
            sensitive: Mark(sensitive),
        }
    }

    fn key(self, key: &str) -> V<'a> {
        V {
            json: self
                .json
                .and_then(|j| j.as_object())
                .and_then(|m| m.get(key)),
            unknown: self.unknown.key(key),
            sensitive: self.sensitive.key(key),
        }
    }

    fn index(self, index: usize) -> V<'a> {
        V {
            json: self
                .json
                .and_then(Json::as_array)
                .and_then(|a| a.get(index)),
            unknown: self.unknown.index(index),
            sensitive: self.sensitive.index(index),
        }
    }

    /// Absent or `null`, and neither unknown nor sensitive.
    fn is_absent(self) -> bool {
        !self.unknown.on() && !self.sensitive.on() && self.json.is_none_or(Json::is_null)
    }

    /// The object's keys, sorted; empty when it is not an object.
    fn keys(self) -> Vec<&'a str> {
        let mut keys: Vec<&str> = match self.json {
            Some(Json::Object(map)) if !self.unknown.on() && !self.sensitive.on() => {
                map.keys().map(String::as_str).collect()
            }
            _ => Vec::new(),
        };
        keys.sort_unstable();
        keys
    }

    fn as_object(self) -> Option<&'a serde_json::Map<String, Json>> {
        if self.unknown.on() || self.sensitive.on() {
            return None;
        }
        self.json.and_then(Json::as_object)
    }

    fn as_array(self) -> Option<&'a Vec<Json>> {
        if self.unknown.on() || self.sensitive.on() {
            return None;
        }
        self.json.and_then(Json::as_array)
    }

    /// The value on one line: a scalar, a mark, or (for containers) compact JSON.
    fn inline(self) -> String {
        if self.sensitive.on() {
            return "(sensitive value)".to_owned();
        }
        if self.unknown.on() {
            return "(known after apply)".to_owned();
        }
        match self.json {
            None | Some(Json::Null) => "null".to_owned(),
            Some(Json::String(s)) => quoted(s),
            Some(other) => other.to_string(),
        }
    }

    /// Whether two values show the same (same JSON and same marks).
    fn same(self, other: V<'_>) -> bool {
        self.fingerprint() == other.fingerprint()
    }

    fn fingerprint(self) -> String {
        format!(
            "{}|{}|{}",
            self.json.map(ToString::to_string).unwrap_or_default(),
            self.unknown.0.map(ToString::to_string).unwrap_or_default(),
            self.sensitive
                .0
                .map(ToString::to_string)
                .unwrap_or_default()
        )
    }
}

fn quoted(text: &str) -> String {
    Json::String(text.to_owned()).to_string()
}

/// A key as HCL shows it: bare when it is an identifier, quoted otherwise.
fn key_label(key: &str) -> String {
    let mut chars = key.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier {
        key.to_owned()
    } else {
        quoted(key)
    }
}

/// `key = ` labels padded so that the `=` signs line up.
fn labels<'k>(keys: impl IntoIterator<Item = &'k str> + Clone) -> Vec<String> {
    let width = keys
        .clone()
        .into_iter()
        .map(|k| key_label(k).chars().count())
        .max()
        .unwrap_or(0);
    keys.into_iter()
        .map(|k| {
            let label = key_label(k);
            let pad = width - label.chars().count();
            format!("{label}{} = ", " ".repeat(pad))
        })
        .collect()
}

/// Every attribute of an object, with one symbol (a create, a read, a delete).
fn whole_object(out: &mut Out, symbol: Symbol, object: V<'_>, suffix: &str) {
    let keys: Vec<&str> = object
        .keys()
        .into_iter()
        .filter(|k| !object.key(k).is_absent())
        .collect();
    for (key, label) in keys.iter().zip(labels(keys.iter().copied())) {
        whole(out, 6, symbol, symbol, &label, object.key(key), suffix, "");
    }
}

/// Writes `symbol label value`, with every part inside a container marked `inner`; `suffix`
/// goes after the value (` -> null`, `,`), `trailer` at the end of the first line.
#[allow(clippy::too_many_arguments)]
fn whole(
    out: &mut Out,
    indent: usize,
    symbol: Symbol,
    inner: Symbol,
    label: &str,
    value: V<'_>,
    suffix: &str,
    trailer: &str,
) {
    if let Some(map) = value.as_object() {
        if map.is_empty() {
            out.line(indent, symbol, &format!("{label}{{}}{suffix}{trailer}"));
            return;
        }
        out.line(indent, symbol, &format!("{label}{{{trailer}"));
        let keys = value.keys();
        for (key, child_label) in keys.iter().zip(labels(keys.iter().copied())) {
            whole(
                out,
                indent + 4,
                inner,
                inner,
                &child_label,
                value.key(key),
                "",
                "",
            );
        }
        out.line(indent, Symbol::None, &format!("}}{suffix}"));
    } else if let Some(items) = value.as_array() {
        if items.is_empty() {
            out.line(indent, symbol, &format!("{label}[]{suffix}{trailer}"));
            return;
        }
        out.line(indent, symbol, &format!("{label}[{trailer}"));
        for index in 0..items.len() {
            whole(
                out,
                indent + 4,
                inner,
                inner,
                "",
                value.index(index),
                ",",
                "",
            );
        }
        out.line(indent, Symbol::None, &format!("]{suffix}"));
    } else {
        out.line(
            indent,
            symbol,
            &format!("{label}{}{suffix}{trailer}", value.inline()),
        );
    }
}

/// Writes the difference between two values under `label`.
fn diff(out: &mut Out, indent: usize, label: &str, before: V<'_>, after: V<'_>, trailer: &str) {
    if before.is_absent() && after.is_absent() {
        return;
    }
    if before.is_absent() {
        whole(
            out,
            indent,
            Symbol::Create,
            Symbol::Create,
            label,
            after,
            "",
            trailer,
        );
        return;
    }
    if after.is_absent() {
        whole(
            out,
            indent,
            Symbol::Delete,
            Symbol::Delete,
            label,
            before,
            " -> null",
            trailer,
        );
        return;
    }
    if before.sensitive.on() || after.sensitive.on() {
        out.line(
            indent,
            Symbol::Update,
            &format!("{label}(sensitive value){trailer}"),
        );
        return;
    }
    if after.unknown.on() {
        whole(
            out,
            indent,
            Symbol::Update,
            Symbol::Delete,
            label,
            before,
            " -> (known after apply)",
            trailer,
        );
        return;
    }
    if let (Some(_), Some(_)) = (before.as_object(), after.as_object()) {
        out.line(indent, Symbol::Update, &format!("{label}{{{trailer}"));
        let mut keys = before.keys();
        keys.extend(after.keys());
        keys.sort_unstable();
        keys.dedup();
        let (changed, same): (Vec<&str>, Vec<&str>) = keys
            .into_iter()
            .partition(|k| !before.key(k).same(after.key(k)));
        for (key, child_label) in changed.iter().zip(labels(changed.iter().copied())) {
            diff(
                out,
                indent + 4,
                &child_label,
                before.key(key),
                after.key(key),
                "",
            );
        }
        out.hidden(indent + 6, same.len(), "element");
        out.line(indent, Symbol::None, "}");
        return;
    }
    if let (Some(old), Some(new)) = (before.as_array(), after.as_array()) {
        out.line(indent, Symbol::Update, &format!("{label}[{trailer}"));
        list_diff(out, indent + 4, before, old.len(), after, new.len());
        out.line(indent, Symbol::None, "]");
        return;
    }
    out.line(
        indent,
        Symbol::Update,
        &format!("{label}{} -> {}{trailer}", before.inline(), after.inline()),
    );
}

/// The elements of two lists, matched by a longest common subsequence: removed elements `-`,
/// added ones `+`, runs of unchanged ones folded.
fn list_diff(out: &mut Out, indent: usize, before: V<'_>, old: usize, after: V<'_>, new: usize) {
    let old_keys: Vec<String> = (0..old).map(|i| before.index(i).fingerprint()).collect();
    let new_keys: Vec<String> = (0..new).map(|i| after.index(i).fingerprint()).collect();
    let element = |out: &mut Out, symbol: Symbol, value: V<'_>| {
        whole(out, indent, symbol, symbol, "", value, ",", "");
    };
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_keys, &new_keys) {
        let (_, old_range, new_range) = op.as_tag_tuple();
        if let similar::DiffOp::Equal { len, .. } = op {
            out.hidden(indent + 2, len, "element");
            continue;
        }
        for i in old_range {
            element(out, Symbol::Delete, before.index(i));
        }
        for i in new_range {
            element(out, Symbol::Create, after.index(i));
        }
    }
}

/// The changed paths of an object, nested key by key, with unchanged keys folded. At the `top`
/// level the object's `id` is shown unchanged, as context (Terraform shows identifying
/// attributes so). With `unknown_after`, top-level attributes that only apply will know are
/// shown too (a replace gets a new id).
fn changed_object(
    out: &mut Out,
    indent: usize,
    before: V<'_>,
    after: V<'_>,
    leaves: &[Leaf<'_>],
    top: bool,
    unknown_after: bool,
) {
    let noun = if top { "attribute" } else { "element" };
    let mut keys: Vec<&str> = leaves
        .iter()
        .filter_map(|leaf| leaf.path.first().and_then(Json::as_str))
        .collect();
    if unknown_after {
        keys.extend(
            after
                .keys()
                .into_iter()
                .filter(|k| after.key(k).unknown.on() && !before.key(k).is_absent()),
        );
    }
    let context = before
        .key("id")
        .json
        .filter(|id| top && id.is_string() && !keys.contains(&"id"));
    if context.is_some() {
        keys.push("id");
    }
    keys.sort_unstable();
    keys.dedup();
    let mut all = before.keys();
    all.extend(after.keys());
    all.sort_unstable();
    all.dedup();
    let hidden = all.iter().filter(|k| !keys.contains(k)).count();
    for (key, label) in keys.iter().zip(labels(keys.iter().copied())) {
        let below: Vec<&Leaf<'_>> = leaves
            .iter()
            .filter(|leaf| leaf.path.first().and_then(Json::as_str) == Some(key))
            .collect();
        if let Some(leaf) = below.iter().find(|leaf| leaf.path.len() == 1) {
            let trailer = if leaf.forces_replacement {
                " # forces replacement"
            } else {
                ""
            };
            diff(out, indent, &label, leaf.before, leaf.after, trailer);
            continue;
        }
        let (before, after) = (before.key(key), after.key(key));
        if *key == "id"
            && let Some(id) = context
        {
            let id = V::of(id, None, None);
            out.line(indent, Symbol::None, &format!("{label}{}", id.inline()));
            continue;
        }
        if below.is_empty() {
            diff(out, indent, &label, before, after, "");
            continue;
        }
        let forces = below.iter().any(|leaf| leaf.forces_replacement);
        let trailer = if forces { " # forces replacement" } else { "" };
        let into_list = below
            .iter()
            .any(|leaf| leaf.path.get(1).is_some_and(Json::is_number));
        if into_list {
            diff(out, indent, &label, before, after, trailer);
            continue;
        }
        let inner: Vec<Leaf<'_>> = below
            .iter()
            .map(|leaf| Leaf {
                path: &leaf.path[1..],
                before: leaf.before,
                after: leaf.after,
                forces_replacement: false,
            })
            .collect();
        out.line(indent, Symbol::Update, &format!("{label}{{{trailer}"));
        changed_object(out, indent + 4, before, after, &inner, false, false);
        out.line(indent, Symbol::None, "}");
    }
    out.hidden(indent + 2, hidden, noun);
}

/// The mark in front of a line; ordered as the legend lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Symbol {
    None,
    Create,
    Update,
    Delete,
    DeleteCreate,
    CreateDelete,
    Read,
}

struct Styles {
    green: Style,
    yellow: Style,
    red: Style,
    cyan: Style,
    bold: Style,
}

/// The text being written.
struct Out {
    text: String,
    styles: Styles,
}

impl Out {
    fn new(color: bool) -> Self {
        let style = || Style::new().force_styling(color);
        Self {
            text: String::new(),
            styles: Styles {
                green: style().green(),
                yellow: style().yellow(),
                red: style().red(),
                cyan: style().cyan(),
                bold: style().bold(),
            },
        }
    }

    fn raw(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Writes what was rendered so far to `w`, and starts again empty.
    fn write_to(&mut self, w: &mut dyn io::Write) -> io::Result<()> {
        w.write_all(self.text.as_bytes())?;
        self.text.clear();
        Ok(())
    }

    /// A symbol as wide as three columns, right-aligned, for resource headers and the legend.
    fn header_symbol(&self, symbol: Symbol) -> String {
        let s = &self.styles;
        match symbol {
            Symbol::None => "   ".to_owned(),
            Symbol::Create => format!("  {}", s.green.apply_to("+")),
            Symbol::Update => format!("  {}", s.yellow.apply_to("~")),
            Symbol::Delete => format!("  {}", s.red.apply_to("-")),
            Symbol::DeleteCreate => {
                format!("{}/{}", s.red.apply_to("-"), s.green.apply_to("+"))
            }
            Symbol::CreateDelete => {
                format!("{}/{}", s.green.apply_to("+"), s.red.apply_to("-"))
            }
            Symbol::Read => format!(" {}", s.cyan.apply_to("<=")),
        }
    }

    /// `  # address headline` and the `  # (because ...)` lines.
    fn comment(&mut self, address: &str, headline: &str, because: &[String]) {
        let address = self
            .styles
            .bold
            .apply_to(format!("# {address}"))
            .to_string();
        let _ = writeln!(self.text, "  {address} {headline}");
        for line in because {
            let _ = writeln!(self.text, "  # {line}");
        }
    }

    fn header(&mut self, symbol: Symbol, keyword: &str) {
        let symbol = self.header_symbol(symbol);
        let _ = writeln!(self.text, "{symbol} {keyword}");
    }

    /// One line of a block: the symbol at `indent`, then the text.
    fn line(&mut self, indent: usize, symbol: Symbol, text: &str) {
        let s = &self.styles;
        let mark = match symbol {
            Symbol::Create | Symbol::Read => s.green.apply_to("+").to_string(),
            Symbol::Update | Symbol::DeleteCreate | Symbol::CreateDelete => {
                s.yellow.apply_to("~").to_string()
            }
            Symbol::Delete => s.red.apply_to("-").to_string(),
            Symbol::None => " ".to_owned(),
        };
        let _ = writeln!(self.text, "{}{mark} {text}", " ".repeat(indent));
    }

    /// `# (3 unchanged attributes hidden)`, when there are any.
    fn hidden(&mut self, column: usize, count: usize, noun: &str) {
        if count == 0 {
            return;
        }
        let plural = if count == 1 { "" } else { "s" };
        let _ = writeln!(
            self.text,
            "{}# ({count} unchanged {noun}{plural} hidden)",
            " ".repeat(column)
        );
    }
}

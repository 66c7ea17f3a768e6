//! The plan as a document: the versioned JSON of `plinth plan --json` and `plinth show --json`
//! (docs/plan-format.md), and what the text rendering and the plan file are made from.
//!
//! Sensitive values never reach the document: they are replaced with `null` and marked in the
//! `*_sensitive` mirrors. Unknown values are `null` and marked in the `after_unknown` mirrors.

use plinth_core::path::push_pointer_key;
use plinth_core::{AttributePath, PathStep};
use plinth_core::{InstanceKey, Mode, ResourceAddress};
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};

use plinth_config::Value;
use plinth_planner::{Action, OutputAction, OutputChange, Plan, PlanMode, PlannedChange, Reason};
use plinth_state::State;
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value as Json};

/// The version of the plan JSON this plinth writes. A reader refuses a larger major version.
pub const FORMAT_VERSION: &str = "1";

/// A plan as a document: what `plinth plan --json` prints and a plan file holds. A plan just
/// made is rendered through a [`PlanView`] instead, which makes its entries one at a time.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(from = "FlatDocument")]
pub struct PlanDocument {
    /// Everything but the resource changes.
    pub head: DocumentHead,
    /// One entry per resource instance, no-ops included, sorted by address.
    pub resource_changes: Vec<ResourceChange>,
}

/// The parts of a plan document other than its resource changes: small, and known before the
/// first change is written.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentHead {
    /// The version of this format: `"1"`.
    pub format_version: String,
    /// The version of plinth that made the plan.
    pub plinth_version: String,
    /// `normal`, `refresh_only` or `destroy`.
    pub mode: DocumentMode,
    /// The state the plan was made against.
    pub prior_state: PriorState,
    /// Values changed outside plinth since the last apply, by resource instance.
    pub resource_drift: Vec<ResourceDrift>,
    /// Every output value (configured or recorded) and what the apply does to it, by name.
    pub output_changes: BTreeMap<String, OutputChangeEntry>,
    /// Values the configuration marks sensitive that the state still holds as they are: the
    /// apply seals them (keeps only their fingerprints), whatever else it does.
    pub resource_sealing: Vec<ResourceSealing>,
    /// Counts of the changes by kind.
    pub summary: SummaryCounts,
    /// Whether applying the plan would change anything.
    pub has_changes: bool,
    /// The plan's warnings (the template checks'), each with its place and hint:
    /// `main.hcl:6:16: message (hint)`.
    pub warnings: Vec<String>,
}

/// The document as it is written: the fields of the head around `resource_changes`.
#[derive(Deserialize)]
struct FlatDocument {
    format_version: String,
    plinth_version: String,
    mode: DocumentMode,
    prior_state: PriorState,
    resource_drift: Vec<ResourceDrift>,
    #[serde(default)]
    resource_sealing: Vec<ResourceSealing>,
    resource_changes: Vec<ResourceChange>,
    // Plan files written before outputs were planned have none.
    #[serde(default)]
    output_changes: BTreeMap<String, OutputChangeEntry>,
    summary: SummaryCounts,
    has_changes: bool,
    // Present only when the plan has warnings.
    #[serde(default)]
    warnings: Vec<String>,
}

impl From<FlatDocument> for PlanDocument {
    fn from(flat: FlatDocument) -> Self {
        Self {
            head: DocumentHead {
                format_version: flat.format_version,
                plinth_version: flat.plinth_version,
                mode: flat.mode,
                prior_state: flat.prior_state,
                resource_drift: flat.resource_drift,
                output_changes: flat.output_changes,
                resource_sealing: flat.resource_sealing,
                summary: flat.summary,
                has_changes: flat.has_changes,
                warnings: flat.warnings,
            },
            resource_changes: flat.resource_changes,
        }
    }
}

impl Serialize for PlanDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_document(&self.head, self.resource_changes.iter(), serializer)
    }
}

/// Writes a document's fields in their documented order, the resource changes one at a time as
/// `changes` yields them.
fn serialize_document<S, C>(
    head: &DocumentHead,
    changes: impl Iterator<Item = C>,
    serializer: S,
) -> Result<S::Ok, S::Error>
where
    S: Serializer,
    C: Serialize,
{
    let mut document = serializer.serialize_struct("PlanDocument", 11)?;
    document.serialize_field("format_version", &head.format_version)?;
    document.serialize_field("plinth_version", &head.plinth_version)?;
    document.serialize_field("mode", &head.mode)?;
    document.serialize_field("prior_state", &head.prior_state)?;
    document.serialize_field("resource_drift", &head.resource_drift)?;
    if !head.resource_sealing.is_empty() {
        document.serialize_field("resource_sealing", &head.resource_sealing)?;
    }
    document.serialize_field("resource_changes", &Streamed(Cell::new(Some(changes))))?;
    document.serialize_field("output_changes", &head.output_changes)?;
    document.serialize_field("summary", &head.summary)?;
    document.serialize_field("has_changes", &head.has_changes)?;
    if !head.warnings.is_empty() {
        document.serialize_field("warnings", &head.warnings)?;
    }
    document.end()
}

/// A sequence serialized from an iterator, item by item (`Serialize` takes `&self`, hence the
/// cell; a second serialization writes an empty sequence).
struct Streamed<I>(Cell<Option<I>>);

impl<I, C> Serialize for Streamed<I>
where
    I: Iterator<Item = C>,
    C: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.take().into_iter().flatten())
    }
}

/// The state a plan was made against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorState {
    /// The state's lineage (a UUID that stays the same for the life of the state).
    pub lineage: String,
    /// The state's serial (incremented by every write).
    pub serial: u64,
}

/// The values of one resource instance that the apply seals in the state: the configuration
/// marks them sensitive and the state holds them as they are (marked after they were recorded).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceSealing {
    /// The resource instance.
    pub address: String,
    /// The JSON pointers (RFC 6901) of the values in its attributes: `/values/custom/token`.
    pub pointers: Vec<String>,
}

/// Counts of the changes of a plan by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryCounts {
    /// Objects adopted into the state.
    pub import: usize,
    /// Creates, and the create half of replaces.
    pub add: usize,
    /// Updates in place (imports followed by an update included).
    pub change: usize,
    /// Deletes, and the delete half of replaces.
    pub destroy: usize,
    /// Data sources read during apply.
    pub read: usize,
    /// Objects forgotten without being destroyed (`removed` blocks with `destroy = false`);
    /// written only when there are some.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub forget: usize,
}

#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde passes a reference"
)]
fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// What the plan does to one resource instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceChange {
    /// The instance's address: `huaweicloud_cce_addon.dns`.
    pub address: String,
    /// The module instance it is in, `module.dns["c1"]`; absent in the root module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
    /// `managed` or `data`.
    pub mode: ResourceMode,
    /// The resource type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The block's name.
    pub name: String,
    /// The `count` index (a number) or `for_each` key (a string), when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    /// plinth's action: `no-op`, `create`, `update`, `replace`, `delete`, `read`, `import`.
    pub action: ChangeAction,
    /// Terraform's list form of the action: `["create"]`, `["delete", "create"]`,
    /// `["create", "delete"]`, `["update"]`, `["delete"]`, `["read"]`, `["no-op"]`.
    pub actions: Vec<TerraformAction>,
    /// Why, when the action is not simply what the configuration asks.
    pub reasons: Vec<ReasonEntry>,
    /// The cloud id of the existing (or adopted) object.
    #[serde(default)]
    pub id: Option<String>,
    /// Present for an import: the id of the adopted object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importing: Option<Importing>,
    /// Present when the object moves here: the address the state records it at now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    /// The whole object now; `null` for a create.
    pub before: Json,
    /// The whole object as planned; `null` for a delete.
    pub after: Json,
    /// Mirror of `after`: `true` where the value is known only after apply.
    pub after_unknown: Json,
    /// Mirror of `before`: `true` where the value is sensitive (and `before` holds `null`).
    pub before_sensitive: Json,
    /// Mirror of `after`: `true` where the value is sensitive (and `after` holds `null`).
    pub after_sensitive: Json,
    /// The attribute paths whose change forces the replacement.
    pub replace_paths: Vec<Vec<Json>>,
    /// The attribute paths that change, key by key (every written attribute for a create).
    pub attribute_changes: Vec<AttributeChangeEntry>,
    /// The addresses it depends on.
    pub depends_on: Vec<String>,
}

/// Why a change is planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonEntry {
    /// A stable code: `forced_by`, `drift`, `requested`, `tainted`, `no_longer_in_configuration`,
    /// `instance_key_removed`, `deleted_outside`, `adopted_by_natural_key`, `replaced_outside`,
    /// `destroy_requested`, `depends_on_unknown`, `not_read_yet`, `replace_triggered_by`.
    pub code: ReasonCode,
    /// The reason in words.
    pub message: String,
    /// For `forced_by`: the attributes whose change forces replacement.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<String>,
    /// For `replaced_outside`: the id the state recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_id: Option<String>,
    /// For `replaced_outside`: the id of the object found by natural key, now adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_id: Option<String>,
}

/// What a plan does, as the document's `mode` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentMode {
    /// `normal`: make the cloud match the configuration.
    Normal,
    /// `refresh_only`: record in the state what changed outside plinth, and change nothing.
    RefreshOnly,
    /// `destroy`: delete everything the state manages.
    Destroy,
}

/// The `mode` of a resource instance in the document: `managed` or `data`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceMode {
    /// A `resource` block.
    Managed,
    /// A `data` block.
    Data,
}

/// plinth's action on one resource instance, as the document's `action` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeAction {
    /// `no-op`: nothing to do.
    NoOp,
    /// `create`.
    Create,
    /// `update`: in place.
    Update,
    /// `replace`: delete and create, in the order `actions` gives.
    Replace,
    /// `delete`.
    Delete,
    /// `read`: a data source read during apply.
    Read,
    /// `import`: an existing object adopted by its natural key (and updated when `actions` says so).
    Import,
    /// `forget`: removed from the state, the object left in the cloud.
    Forget,
}

impl ChangeAction {
    /// The name the document writes.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeAction::NoOp => "no-op",
            ChangeAction::Create => "create",
            ChangeAction::Update => "update",
            ChangeAction::Replace => "replace",
            ChangeAction::Delete => "delete",
            ChangeAction::Read => "read",
            ChangeAction::Import => "import",
            ChangeAction::Forget => "forget",
        }
    }
}

/// One element of Terraform's list form of an action (the document's `actions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerraformAction {
    /// `no-op`.
    NoOp,
    /// `create`.
    Create,
    /// `update`.
    Update,
    /// `delete`.
    Delete,
    /// `read`.
    Read,
    /// `forget`.
    Forget,
}

/// plinth's action and Terraform's list form of it, as the document writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionNames {
    /// The document's `action`.
    pub action: ChangeAction,
    /// The document's `actions`.
    pub actions: &'static [TerraformAction],
}

impl ActionNames {
    /// The names of a planned action.
    pub fn of(action: Action) -> Self {
        use TerraformAction as T;
        let (action, actions): (ChangeAction, &'static [TerraformAction]) = match action {
            Action::NoOp => (ChangeAction::NoOp, &[T::NoOp]),
            Action::Create => (ChangeAction::Create, &[T::Create]),
            Action::Update => (ChangeAction::Update, &[T::Update]),
            Action::Replace {
                create_before_destroy: false,
            } => (ChangeAction::Replace, &[T::Delete, T::Create]),
            Action::Replace {
                create_before_destroy: true,
            } => (ChangeAction::Replace, &[T::Create, T::Delete]),
            Action::Delete => (ChangeAction::Delete, &[T::Delete]),
            Action::Forget => (ChangeAction::Forget, &[T::Forget]),
            Action::Read => (ChangeAction::Read, &[T::Read]),
            Action::Import { then_update: false } => (ChangeAction::Import, &[T::NoOp]),
            Action::Import { then_update: true } => (ChangeAction::Import, &[T::Update]),
        };
        Self { action, actions }
    }
}

/// What the plan does to one output value, as Terraform's `output_changes` writes it. A
/// sensitive value is `null` and marked `true` in its mirror; one known only after apply is
/// `null` and marked in `after_unknown`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChangeEntry {
    /// `["no-op"]`, `["create"]`, `["update"]` or `["delete"]`.
    pub actions: Vec<TerraformAction>,
    /// The value the state records; `null` for a new output.
    pub before: Json,
    /// The planned value; `null` for a delete.
    pub after: Json,
    /// Mirror of `after`: `true` where the value is known only after apply.
    pub after_unknown: Json,
    /// Mirror of `before`: `true` where the value is sensitive.
    pub before_sensitive: Json,
    /// Mirror of `after`: `true` where the value is sensitive.
    pub after_sensitive: Json,
}

impl OutputChangeEntry {
    /// Whether the apply changes this output.
    pub fn is_change(&self) -> bool {
        self.actions != [TerraformAction::NoOp]
    }
}

/// The document entry of an output change.
fn output_change(change: &OutputChange) -> OutputChangeEntry {
    let action = match change.action {
        OutputAction::NoOp => TerraformAction::NoOp,
        OutputAction::Create => TerraformAction::Create,
        OutputAction::Update => TerraformAction::Update,
        OutputAction::Delete => TerraformAction::Delete,
    };
    let (before, before_sensitive) = match &change.before {
        Some(plinth_state::OutputState::Plain(json)) => (json.clone(), Json::Bool(false)),
        Some(plinth_state::OutputState::Sensitive(_)) => (Json::Null, Json::Bool(true)),
        None => (Json::Null, Json::Bool(false)),
    };
    let (after, after_unknown, after_sensitive) = match &change.after {
        None => (Json::Null, Json::Bool(false), Json::Bool(false)),
        Some(value) => {
            let (json, unknown, sensitive) =
                value_json(value, &BTreeSet::new(), &mut String::new());
            let unknown = unknown.unwrap_or(Json::Bool(false));
            if change.sensitive {
                (Json::Null, unknown, Json::Bool(true))
            } else {
                (json, unknown, sensitive.unwrap_or(Json::Bool(false)))
            }
        }
    };
    OutputChangeEntry {
        actions: vec![action],
        before,
        after,
        after_unknown,
        before_sensitive,
        after_sensitive,
    }
}

/// Why a change is planned, as the document's reason `code` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// `forced_by`: a change of these attributes forces the replacement.
    ForcedBy,
    /// `drift`: values were changed outside plinth.
    Drift,
    /// `requested`: `--replace` asked for it.
    Requested,
    /// `tainted`: the object is tainted.
    Tainted,
    /// `no_longer_in_configuration`: the block is gone from the configuration.
    NoLongerInConfiguration,
    /// `instance_key_removed`: the instance's key is no longer in `count` or `for_each`.
    InstanceKeyRemoved,
    /// `deleted_outside`: the object was deleted outside plinth.
    DeletedOutside,
    /// `adopted_by_natural_key`: an existing object is adopted.
    AdoptedByNaturalKey,
    /// `moved_by_identity`: the state records the object at another address; it moves.
    MovedByIdentity,
    /// `replaced_outside`: the recorded object was deleted and re-created outside plinth under a
    /// new id; the new one is adopted.
    ReplacedOutside,
    /// `destroy_requested`: a destroy plan.
    DestroyRequested,
    /// `depends_on_unknown`: the data source's arguments are known only during apply.
    DependsOnUnknown,
    /// `not_read_yet`: the data source was not read yet.
    NotReadYet,
    /// `replace_triggered_by`: what a `replace_triggered_by` entry names changes.
    ReplaceTriggeredBy,
}

/// The object an import adopts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Importing {
    /// Its cloud id.
    pub id: Option<String>,
}

/// One attribute path whose value changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChangeEntry {
    /// The path: object keys (strings) and list indices (numbers).
    pub path: Vec<Json>,
    /// The value now; `null` when absent (sensitive parts are `null` too).
    pub before: Json,
    /// The value planned; `null` when removed (unknown and sensitive parts are `null` too).
    pub after: Json,
    /// Mirror of `after`: `true` where the value is known only after apply.
    pub after_unknown: Json,
    /// Mirror of `before`: `true` where the value is sensitive.
    pub before_sensitive: Json,
    /// Mirror of `after`: `true` where the value is sensitive.
    pub after_sensitive: Json,
    /// A change of this attribute replaces the resource.
    pub forces_replacement: bool,
    /// The value was changed outside plinth; the change puts it back.
    pub drift: bool,
}

/// Values of one resource instance changed outside plinth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDrift {
    /// The instance's address.
    pub address: String,
    /// The module instance it is in; absent in the root module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module_address: Option<String>,
    /// `managed` or `data`.
    pub mode: ResourceMode,
    /// The resource type.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The block's name.
    pub name: String,
    /// The `count` index or `for_each` key, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<Json>,
    /// The object was deleted outside plinth.
    pub deleted: bool,
    /// The object as the prior state recorded it.
    pub before: Json,
    /// The object as the cloud reports it now; `null` when deleted.
    pub after: Json,
    /// Mirror of `before`: `true` where the value is sensitive.
    pub before_sensitive: Json,
    /// Mirror of `after`: `true` where the value is sensitive.
    pub after_sensitive: Json,
    /// The paths that changed (empty when deleted).
    pub changes: Vec<DriftEntry>,
}

/// One value changed outside plinth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DriftEntry {
    /// The path: object keys (strings) and list indices (numbers).
    pub path: Vec<Json>,
    /// The value the prior state recorded; `null` when absent or sensitive.
    pub before: Json,
    /// The value the cloud reports now; `null` when absent or sensitive.
    pub after: Json,
    /// The value is sensitive: neither side is shown.
    pub sensitive: bool,
}

#[cfg(test)]
thread_local! {
    /// How many entries [`PlanView::resource_change`] made on this thread: lets a test see which
    /// renderings make an entry of a no-op.
    pub(crate) static ENTRIES_MADE: Cell<usize> = const { Cell::new(0) };
}

/// A plan just made, seen as a document: its [`DocumentHead`] made at once, its resource changes
/// made into entries one at a time, when asked, so that a rendering holds one at a time.
#[derive(Debug)]
pub struct PlanView<'a> {
    plan: &'a Plan,
    prior: &'a State,
    head: DocumentHead,
}

impl<'a> PlanView<'a> {
    /// The view of `plan`, made against the state `prior` (whose sensitive paths it hides too).
    pub fn new(plan: &'a Plan, prior: &'a State) -> Self {
        let summary = plan.summary();
        let head = DocumentHead {
            format_version: FORMAT_VERSION.to_owned(),
            plinth_version: env!("CARGO_PKG_VERSION").to_owned(),
            mode: match plan.mode() {
                PlanMode::Normal => DocumentMode::Normal,
                PlanMode::RefreshOnly => DocumentMode::RefreshOnly,
                PlanMode::Destroy => DocumentMode::Destroy,
            },
            prior_state: PriorState {
                lineage: prior.lineage().to_string(),
                serial: prior.serial(),
            },
            resource_drift: drift_entries(plan, prior),
            output_changes: plan
                .output_changes()
                .iter()
                .map(|change| (change.name.clone(), output_change(change)))
                .collect(),
            resource_sealing: plan
                .changes()
                .iter()
                .filter(|change| !change.seals.is_empty())
                .map(|change| ResourceSealing {
                    address: change.address.to_string(),
                    pointers: change.seals.clone(),
                })
                .collect(),
            summary: SummaryCounts {
                import: summary.import,
                add: summary.add,
                change: summary.change,
                destroy: summary.destroy,
                read: summary.read,
                forget: summary.forget,
            },
            has_changes: plan.has_changes(),
            warnings: warning_texts(plan.warnings()),
        };
        Self { plan, prior, head }
    }

    /// Everything of the document but the resource changes.
    pub fn head(&self) -> &DocumentHead {
        &self.head
    }

    /// The changes a person is shown: all but the no-ops that do not move, sorted by address.
    pub fn shown(&self) -> impl Iterator<Item = &'a PlannedChange> + use<'a> {
        self.plan
            .changes()
            .iter()
            .filter(|change| change.action != Action::NoOp || change.previous_address.is_some())
    }

    /// The document entry of one change of the plan.
    pub fn resource_change(&self, change: &PlannedChange) -> ResourceChange {
        #[cfg(test)]
        ENTRIES_MADE.with(|made| made.set(made.get() + 1));
        let sensitive = sensitive_paths(self.plan, self.prior, &change.address, Some(change));
        resource_change(change, &sensitive)
    }
}

/// The document, written one resource change at a time.
impl Serialize for PlanView<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let changes = self.plan.changes().iter();
        serialize_document(
            &self.head,
            changes.map(|change| self.resource_change(change)),
            serializer,
        )
    }
}

/// Each warning of `diagnostics` as one line: its place, message and hint.
fn warning_texts(diagnostics: &plinth_config::Diagnostics) -> Vec<String> {
    diagnostics
        .iter()
        .filter(|d| d.severity() == plinth_config::Severity::Warning)
        .map(|d| {
            let place = d
                .location()
                .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
                .unwrap_or_default();
            let hint = d.hint().map(|h| format!(" ({h})")).unwrap_or_default();
            format!("{place}{}{hint}", d.message())
        })
        .collect()
}

impl DocumentHead {
    /// Whether this is a refresh-only plan.
    pub fn is_refresh_only(&self) -> bool {
        self.mode == DocumentMode::RefreshOnly
    }
}

/// The JSON pointers of the sensitive values of one resource instance: what the state seals,
/// what the configuration marks, and what the drift found sensitive. Made per instance, when
/// its entry is made, so that no map of every instance is held.
fn sensitive_paths(
    plan: &Plan,
    prior: &State,
    address: &ResourceAddress,
    change: Option<&PlannedChange>,
) -> BTreeSet<String> {
    let mut paths = BTreeSet::new();
    if let Some(change) = change {
        if let Some(resource) = prior.resource(address) {
            paths.extend(resource.sensitive.iter().cloned());
        }
        if let Some(after) = &change.after {
            for path in after.value().sensitive_paths() {
                paths.insert(plinth_core::path::pointer(&path));
            }
        }
        for attribute in &change.changes {
            // The planner marks a change sensitive when its value is (the configuration's
            // marks, which are precise and added below) or when the state seals it.
            if attribute.sensitive && !attribute.after.contains_sensitive() {
                paths.insert(attribute.path.to_pointer());
            }
            for path in attribute.after.sensitive_paths() {
                let mut pointer = attribute.path.to_pointer();
                pointer.push_str(&plinth_core::path::pointer(&path));
                paths.insert(pointer);
            }
        }
    }
    // The drift is sorted by address.
    let drift = plan.drift();
    let start = drift.partition_point(|d| d.address < *address);
    for found in drift[start..]
        .iter()
        .take_while(|d| d.address == *address)
        .filter(|d| d.sensitive)
    {
        paths.insert(found.path.to_pointer());
    }
    paths
}

/// `module.dns["c1"]` for an address in that module instance; `None` in the root module.
fn module_address(address: &ResourceAddress) -> Option<String> {
    let module = address.module();
    (!module.is_root()).then(|| module.to_string().trim_end_matches('.').to_owned())
}

fn resource_change(change: &PlannedChange, sensitive: &BTreeSet<String>) -> ResourceChange {
    let (before, before_sensitive) = match &change.before {
        Some(before) => redact_json(&before.to_value(), sensitive),
        None => (Json::Null, Json::Bool(false)),
    };
    let (after, after_unknown, after_sensitive) = match &change.after {
        Some(after) => value_json(&after.value(), sensitive, &mut String::new()),
        None => (Json::Null, None, None),
    };
    let names = ActionNames::of(change.action);
    let address = &change.address;
    ResourceChange {
        address: address.to_string(),
        module_address: module_address(address),
        mode: resource_mode(address),
        type_name: address.type_name().to_owned(),
        name: address.name().to_owned(),
        index: index_json(address),
        action: names.action,
        actions: names.actions.to_vec(),
        reasons: change.reasons.iter().map(reason_entry).collect(),
        id: change.id.clone(),
        importing: matches!(change.action, Action::Import { .. }).then(|| Importing {
            id: change.id.clone(),
        }),
        previous_address: change.previous_address.as_ref().map(ToString::to_string),
        before,
        after_unknown: mirror_or_empty(after_unknown, &after),
        after_sensitive: mirror_or_empty(after_sensitive, &after),
        after,
        before_sensitive,
        replace_paths: change
            .changes
            .iter()
            .filter(|c| c.forces_replacement)
            .map(|c| path_json(&c.path))
            .collect(),
        attribute_changes: change
            .changes
            .iter()
            .map(|c| {
                let (before, before_sensitive) = match &c.before {
                    Some(before) => redact_at(before, sensitive, &mut c.path.to_pointer()),
                    None => (Json::Null, None),
                };
                let (after, after_unknown, after_sensitive) =
                    value_json(&c.after, sensitive, &mut c.path.to_pointer());
                AttributeChangeEntry {
                    path: path_json(&c.path),
                    after_unknown: mirror_or_empty(after_unknown, &after),
                    before_sensitive: mirror_or_empty(before_sensitive, &before),
                    after_sensitive: mirror_or_empty(after_sensitive, &after),
                    before,
                    after,
                    forces_replacement: c.forces_replacement,
                    drift: c.drift,
                }
            })
            .collect(),
        depends_on: change
            .dependencies
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

fn drift_entries(plan: &Plan, prior: &State) -> Vec<ResourceDrift> {
    let mut out: Vec<ResourceDrift> = Vec::new();
    let mut paths = BTreeSet::new();
    for drift in plan.drift() {
        let address = &drift.address;
        let name = address.to_string();
        if out.last().is_none_or(|last| last.address != name) {
            paths = sensitive_paths(plan, prior, address, plan.change(address));
            let paths = &paths;
            let recorded = prior.resource(address).map(|r| r.attributes.to_value());
            let (before, before_sensitive) = match recorded.as_ref().or(drift.in_state.as_ref()) {
                Some(json) => redact_json(json, paths),
                None => (Json::Null, Json::Bool(false)),
            };
            let now = plan.change(address).and_then(|c| c.before.as_ref());
            let deleted = drift.path.is_root() && drift.now.is_none();
            let (after, after_sensitive) = match now.filter(|_| !deleted) {
                Some(now) => redact_json(&now.to_value(), paths),
                None => (Json::Null, Json::Bool(false)),
            };
            out.push(ResourceDrift {
                module_address: module_address(address),
                address: name,
                mode: resource_mode(address),
                type_name: address.type_name().to_owned(),
                name: address.name().to_owned(),
                index: index_json(address),
                deleted,
                before,
                after,
                before_sensitive,
                after_sensitive,
                changes: Vec::new(),
            });
        }
        if drift.path.is_root() {
            continue;
        }
        let hidden = drift.sensitive || paths.contains(&drift.path.to_pointer());
        let shown = |v: &Option<Json>| match v {
            Some(v) if !hidden => v.clone(),
            _ => Json::Null,
        };
        if let Some(entry) = out.last_mut() {
            entry.changes.push(DriftEntry {
                path: path_json(&drift.path),
                before: shown(&drift.in_state),
                after: shown(&drift.now),
                sensitive: hidden,
            });
        }
    }
    out
}

fn resource_mode(address: &ResourceAddress) -> ResourceMode {
    match address.mode() {
        Mode::Managed => ResourceMode::Managed,
        Mode::Data => ResourceMode::Data,
    }
}

fn index_json(address: &ResourceAddress) -> Option<Json> {
    address.key().map(|key| match key {
        InstanceKey::Int(i) => Json::from(*i),
        InstanceKey::String(s) => Json::String(s.clone()),
    })
}

fn path_json(path: &AttributePath) -> Vec<Json> {
    path.steps()
        .iter()
        .map(|step| match step {
            PathStep::Key(key) => Json::String(key.clone()),
            PathStep::Index(index) => Json::from(*index),
        })
        .collect()
}

fn reason_entry(reason: &Reason) -> ReasonEntry {
    if let Reason::ReplacedOutside { old_id, new_id } = reason {
        return ReasonEntry {
            code: ReasonCode::ReplacedOutside,
            message: reason.to_string(),
            attributes: Vec::new(),
            old_id: Some(old_id.clone()),
            new_id: Some(new_id.clone()),
        };
    }
    let (code, attributes) = match reason {
        Reason::ForcedBy { attributes } => (ReasonCode::ForcedBy, attributes.clone()),
        Reason::Drift => (ReasonCode::Drift, Vec::new()),
        Reason::Requested => (ReasonCode::Requested, Vec::new()),
        Reason::Tainted => (ReasonCode::Tainted, Vec::new()),
        Reason::NoLongerInConfiguration => (ReasonCode::NoLongerInConfiguration, Vec::new()),
        Reason::InstanceKeyRemoved => (ReasonCode::InstanceKeyRemoved, Vec::new()),
        Reason::DeletedOutside => (ReasonCode::DeletedOutside, Vec::new()),
        Reason::AdoptedByNaturalKey => (ReasonCode::AdoptedByNaturalKey, Vec::new()),
        Reason::MovedByIdentity => (ReasonCode::MovedByIdentity, Vec::new()),
        Reason::DestroyRequested => (ReasonCode::DestroyRequested, Vec::new()),
        Reason::DependsOnUnknown => (ReasonCode::DependsOnUnknown, Vec::new()),
        Reason::NotReadYet => (ReasonCode::NotReadYet, Vec::new()),
        Reason::ReplaceTriggeredBy { .. } => (ReasonCode::ReplaceTriggeredBy, Vec::new()),
        Reason::ReplacedOutside { .. } => (ReasonCode::ReplacedOutside, Vec::new()),
    };
    ReasonEntry {
        code,
        message: reason.to_string(),
        attributes,
        old_id: None,
        new_id: None,
    }
}

/// An empty mirror is `{}` for an object and `false` for anything else.
fn mirror_or_empty(mirror: Option<Json>, value: &Json) -> Json {
    mirror.unwrap_or_else(|| {
        if value.is_object() {
            Json::Object(Map::new())
        } else {
            Json::Bool(false)
        }
    })
}

/// `json` with the values at `sensitive` pointers replaced with `null`, and its sensitive mirror.
fn redact_json(json: &Json, sensitive: &BTreeSet<String>) -> (Json, Json) {
    let (value, mirror) = redact_at(json, sensitive, &mut String::new());
    let mirror = mirror_or_empty(mirror, &value);
    (value, mirror)
}

fn redact_at(
    json: &Json,
    sensitive: &BTreeSet<String>,
    pointer: &mut String,
) -> (Json, Option<Json>) {
    if sensitive.contains(pointer.as_str()) {
        return (Json::Null, Some(Json::Bool(true)));
    }
    match json {
        Json::Object(map) => {
            let mut value = Map::new();
            let mut mirror = Map::new();
            // Sorted, whatever order the cloud answered in, so the document is deterministic.
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            for (key, item) in keys.into_iter().filter_map(|k| Some((k, map.get(k)?))) {
                let len = pointer.len();
                push_pointer_key(pointer, key);
                let (item, marks) = redact_at(item, sensitive, pointer);
                pointer.truncate(len);
                value.insert(key.clone(), item);
                if let Some(marks) = marks {
                    mirror.insert(key.clone(), marks);
                }
            }
            (
                Json::Object(value),
                (!mirror.is_empty()).then_some(Json::Object(mirror)),
            )
        }
        Json::Array(items) => {
            let mut value = Vec::with_capacity(items.len());
            let mut mirror = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                let (item, marks) = redact_at(item, sensitive, pointer);
                pointer.truncate(len);
                value.push(item);
                mirror.push(marks);
            }
            (Json::Array(value), array_mirror(mirror))
        }
        other => (other.clone(), None),
    }
}

fn array_mirror(marks: Vec<Option<Json>>) -> Option<Json> {
    marks.iter().any(Option::is_some).then(|| {
        Json::Array(
            marks
                .into_iter()
                .map(|m| m.unwrap_or(Json::Bool(false)))
                .collect(),
        )
    })
}

/// A configuration value as JSON: unknown and sensitive parts (marked, or at a `sensitive`
/// pointer below `pointer`) become `null`; returns the value and its unknown and sensitive
/// mirrors.
fn value_json(
    value: &Value,
    sensitive: &BTreeSet<String>,
    pointer: &mut String,
) -> (Json, Option<Json>, Option<Json>) {
    if sensitive.contains(pointer.as_str()) || value.is_sensitive() {
        let unknown = value.contains_unknown().then_some(Json::Bool(true));
        return (Json::Null, unknown, Some(Json::Bool(true)));
    }
    match value {
        Value::Unknown => (Json::Null, Some(Json::Bool(true)), None),
        Value::Null => (Json::Null, None, None),
        Value::Bool(b) => (Json::Bool(*b), None, None),
        Value::Number(n) => (Json::Number(n.clone()), None, None),
        Value::String(s) => (Json::String(s.clone()), None, None),
        Value::List(items) | Value::Set(items) => {
            let mut out = Vec::with_capacity(items.len());
            let mut unknown = Vec::with_capacity(items.len());
            let mut hidden = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                let (item, u, s) = value_json(item, sensitive, pointer);
                pointer.truncate(len);
                out.push(item);
                unknown.push(u);
                hidden.push(s);
            }
            (
                Json::Array(out),
                array_mirror(unknown),
                array_mirror(hidden),
            )
        }
        Value::Object(map) => {
            let mut out = Map::new();
            let mut unknown = Map::new();
            let mut hidden = Map::new();
            for (key, item) in map {
                let len = pointer.len();
                push_pointer_key(pointer, key);
                let (item, u, s) = value_json(item, sensitive, pointer);
                pointer.truncate(len);
                out.insert(key.clone(), item);
                if let Some(u) = u {
                    unknown.insert(key.clone(), u);
                }
                if let Some(s) = s {
                    hidden.insert(key.clone(), s);
                }
            }
            (
                Json::Object(out),
                (!unknown.is_empty()).then_some(Json::Object(unknown)),
                (!hidden.is_empty()).then_some(Json::Object(hidden)),
            )
        }
        // `is_sensitive` caught every marked value above.
        Value::Sensitive(_) => (Json::Null, None, Some(Json::Bool(true))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_the_names_serde_writes() {
        let all = [
            ChangeAction::NoOp,
            ChangeAction::Create,
            ChangeAction::Update,
            ChangeAction::Replace,
            ChangeAction::Delete,
            ChangeAction::Read,
            ChangeAction::Import,
            ChangeAction::Forget,
        ];
        for action in all {
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(Json::String(action.as_str().to_owned())),
            );
        }
    }
}

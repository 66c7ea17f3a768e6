//! Deciding one action per resource instance, and ordering them into a graph.

use plinth_core::Attributes;
use plinth_core::{Mode, ResourceAddress};
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use plinth_config::{Lifecycle, ObjectMap, Value, compact_object};
use plinth_core::{Presence, RemoteObject, TypeSpec, registry};
use plinth_state::{Fingerprint, ResourceState, State, Status};
use serde_json::Value as Json;

use crate::configured::sensitive_pointers;
use crate::diff::{AttributeChange, DiffInput, Drift, Sealed, diff};
use crate::error::{PlanError, Refusal};
use crate::graph::{PlanGraph, StepId};
use crate::moves::{MoveCause, Moves};
use crate::observe::{Adoption, Lookup, Observations, Observed, PlanOptions, WantedRead};
use crate::order::Dependencies;
use crate::outputs::{OutputAction, OutputChange};
use crate::planned::PlannedObject;
use crate::statements::Statements;
use plinth_core::AttributePath;
use plinth_core::path::pointer_covers;

/// A plan: one [`PlannedChange`] per resource instance, the drift found, and the graph of steps
/// an apply runs.
#[derive(Debug, Clone)]
pub struct Plan {
    changes: Vec<PlannedChange>,
    drift: Vec<Drift>,
    graph: PlanGraph,
    wanted_reads: Vec<WantedRead>,
    mode: PlanMode,
    outputs: Vec<OutputChange>,
    /// Catalogue reads the template checks still want (see [`crate::templates`]).
    wanted_catalogue: Vec<crate::templates::WantedCatalogue>,
    /// The template parameters each configured instance writes (JSON pointers, sorted), by
    /// address: a slice, where a set would allocate a B-tree node for a handful.
    configured: HashMap<ResourceAddress, Box<[String]>>,
    /// The warnings of the configuration's `check` blocks and of the template checks.
    warnings: plinth_config::Diagnostics,
}

/// Which kind of plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanMode {
    /// Bring the cloud to the configuration.
    Normal,
    /// `--refresh-only`: change nothing, only report drift.
    RefreshOnly,
    /// `destroy`: delete everything in the state.
    Destroy,
}

/// What the plan does to one resource instance, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedChange {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What to do.
    pub action: Action,
    /// Why, when the action is not simply what the configuration asks (empty then).
    pub reasons: Vec<Reason>,
    /// The cloud id of the existing (or adopted) object; `None` for a create.
    pub id: Option<String>,
    /// The natural key, when known (`{cluster_id, template_name}`): an apply checks it before
    /// creating, so an interrupted create is never repeated.
    pub natural_key: plinth_core::NaturalKey,
    /// The whole object now (refreshed, or the state's when not refreshed); `None` when there is
    /// none (create). A refreshed object is shared with the [`RemoteObject`] it was observed as.
    ///
    /// [`RemoteObject`]: plinth_core::RemoteObject
    pub before: Option<Attributes>,
    /// The whole object as planned: the configuration over what is there, with
    /// [`Value::Unknown`] for what only apply will know; `None` for a delete. Kept compact
    /// ([`PlannedObject::value`] gives the tree).
    pub after: Option<PlannedObject>,
    /// The attribute paths that change, key by key (for a create: every attribute written).
    pub changes: Vec<AttributeChange>,
    /// The resources it directly depends on (from the configuration, or from the state for a
    /// resource no longer configured): what the state should record after apply.
    pub dependencies: Vec<ResourceAddress>,
    /// Where the state records the object now, when it moves to this address (a `moved` block,
    /// or its identity configured here): apply moves the record before anything else.
    pub previous_address: Option<ResourceAddress>,
    /// JSON pointers of values the configuration marks sensitive that the state still holds as
    /// they are (marked after they were recorded): the apply seals them in the state, whatever
    /// else it does to the object, and the plan says so.
    pub seals: Vec<String>,
}

/// What a plan does to one resource instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Nothing.
    NoOp,
    /// Create it.
    Create,
    /// Update it in place.
    Update,
    /// Delete it and create it again: delete first (`-/+`), or create first (`+/-`) with
    /// `create_before_destroy` (set, or inherited from a dependent).
    Replace {
        /// Create the new object before deleting the old one.
        create_before_destroy: bool,
    },
    /// Delete it.
    Delete,
    /// Read a data source during apply (`<=`): its arguments are not known yet, or it was not
    /// read during refresh.
    Read,
    /// Forget it: remove it from the state without deleting the object, which stays in the
    /// cloud unmanaged (a `removed` block with `lifecycle { destroy = false }`).
    Forget,
    /// Adopt an object that already exists (found by its natural key, or by the id of an
    /// `import` block) into the state.
    Import {
        /// The object also differs from the configuration: update it after the import
        /// (the changes are in [`PlannedChange::changes`]).
        then_update: bool,
    },
}

/// Why a change is planned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reason {
    /// These attributes changed and force replacement.
    ForcedBy {
        /// Their names.
        attributes: Vec<String>,
    },
    /// Values the user wrote were changed outside plinth; the plan changes them back.
    Drift,
    /// `--replace` asked for it.
    Requested,
    /// The state marks the object tainted (e.g. a failed create).
    Tainted,
    /// The resource is no longer in the configuration.
    NoLongerInConfiguration,
    /// The resource is still configured, but its `count` or `for_each` no longer has this key.
    InstanceKeyRemoved,
    /// The object was deleted outside plinth (it is created again, or only forgotten).
    DeletedOutside,
    /// An object with the same natural key already exists: it is adopted, not installed twice.
    AdoptedByNaturalKey,
    /// The state records this object (found by its natural key) at another address, which the
    /// configuration no longer has: it moves, and is neither destroyed nor adopted again.
    MovedByIdentity,
    /// The recorded object is gone, and its natural key finds another under a new id: it was
    /// deleted and re-created outside plinth, and the new one is adopted.
    ReplacedOutside {
        /// The id the state recorded.
        old_id: String,
        /// The id of the object found by natural key.
        new_id: String,
    },
    /// `plinth destroy`.
    DestroyRequested,
    /// A data source whose arguments are known only after apply.
    DependsOnUnknown,
    /// A data source that was not read during refresh (`--no-refresh`).
    NotReadYet,
    /// `replace_triggered_by`: what the trigger names was updated or replaced (or the attribute
    /// it names changes).
    ReplaceTriggeredBy {
        /// The trigger as written: `huaweicloud_cce_addon.dns.version`.
        trigger: String,
    },
}

/// How many changes of each kind a plan has. A replace counts as one add and one destroy, an
/// import followed by an update as one import and one change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Creates and replaces.
    pub add: usize,
    /// Updates in place.
    pub change: usize,
    /// Deletes and replaces.
    pub destroy: usize,
    /// Imports (adoptions by natural key, and `import` blocks).
    pub import: usize,
    /// Objects forgotten without being destroyed (`removed` blocks with `destroy = false`).
    pub forget: usize,
    /// Data sources read during apply.
    pub read: usize,
}

impl Plan {
    /// The planned objects of its changes, taking the plan apart.
    pub(crate) fn into_afters(self) -> impl Iterator<Item = (ResourceAddress, PlannedObject)> {
        self.changes
            .into_iter()
            .filter_map(|change| Some((change.address, change.after?)))
    }

    /// The plan with its output changes.
    pub(crate) fn with_outputs(self, outputs: Vec<OutputChange>) -> Self {
        Self { outputs, ..self }
    }

    /// The plan with the warnings of the `check` blocks.
    /// The plan with `warnings` added to its own.
    pub(crate) fn with_warnings(mut self, warnings: plinth_config::Diagnostics) -> Self {
        self.warnings.extend(warnings);
        self
    }

    /// Warnings, which do not stop the run: the failed assertions of the configuration's
    /// `check` blocks, and the template checks' (a parameter the template does not show).
    pub fn warnings(&self) -> &plinth_config::Diagnostics {
        &self.warnings
    }

    /// The planned change of every output value (the configuration's and the recorded ones),
    /// sorted by name, no-ops included.
    pub fn output_changes(&self) -> &[OutputChange] {
        &self.outputs
    }

    /// The planned change of `address`, to amend (`replace_triggered_by`'s reason).
    pub(crate) fn change_mut(&mut self, address: &ResourceAddress) -> Option<&mut PlannedChange> {
        self.changes
            .binary_search_by(|change| change.address.cmp(address))
            .ok()
            .map(|index| &mut self.changes[index])
    }

    /// Every planned change, sorted by address, no-ops included.
    pub fn changes(&self) -> &[PlannedChange] {
        &self.changes
    }

    /// The planned change of one instance.
    pub fn change(&self, address: &ResourceAddress) -> Option<&PlannedChange> {
        self.changes
            .binary_search_by(|change| change.address.cmp(address))
            .ok()
            .map(|index| &self.changes[index])
    }

    /// The planned change a step of the graph carries out; `None` for a barrier step.
    pub fn step_change(&self, id: StepId) -> Option<&PlannedChange> {
        self.change(&self.graph.step(id).address)
    }

    /// Values changed outside plinth, sorted by address and path.
    pub fn drift(&self) -> &[Drift] {
        &self.drift
    }

    /// The steps of the apply and their order.
    pub fn graph(&self) -> &PlanGraph {
        &self.graph
    }

    /// The graph in Graphviz DOT, for `plinth graph`.
    pub fn to_dot(&self) -> String {
        self.graph.to_dot()
    }

    /// Normal, refresh-only or destroy.
    pub fn mode(&self) -> PlanMode {
        self.mode
    }

    /// The catalogue reads the template checks want before they can run: the refresh reads
    /// them into [`Observations::catalogue_mut`] and plans again.
    pub fn wanted_catalogue(&self) -> &[crate::templates::WantedCatalogue] {
        &self.wanted_catalogue
    }

    /// The template parameters the configuration writes at `address` (JSON pointers under
    /// `values` or `inputs`): what apply records as the object's
    /// [`ResourceState::configured`], so that a later plan returns those it stops writing to
    /// their template defaults. `None`: it writes none.
    pub fn configured(&self, address: &ResourceAddress) -> Option<&[String]> {
        self.configured.get(address).map(|pointers| &**pointers)
    }

    pub(crate) fn set_template_findings(
        &mut self,
        wanted: Vec<crate::templates::WantedCatalogue>,
        warnings: plinth_config::Diagnostics,
    ) {
        // Planning may have wanted reads of its own (defaults to return to).
        self.wanted_catalogue.extend(wanted);
        self.wanted_catalogue.sort_unstable();
        self.wanted_catalogue.dedup();
        self.warnings = warnings;
    }

    /// Reads that would make the plan precise: natural-key lookups of configured instances not
    /// in the state, and data sources whose arguments are known but that were not read. A
    /// refresh performs them, adds the results to the observations and plans again, until this
    /// is empty (or what remains cannot be read).
    pub fn wanted_reads(&self) -> &[WantedRead] {
        &self.wanted_reads
    }

    /// Counts of the changes by kind.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for change in &self.changes {
            match change.action {
                Action::NoOp => {}
                Action::Create => summary.add += 1,
                Action::Update => summary.change += 1,
                Action::Replace { .. } => {
                    summary.add += 1;
                    summary.destroy += 1;
                }
                Action::Delete => summary.destroy += 1,
                Action::Forget => summary.forget += 1,
                Action::Read => summary.read += 1,
                Action::Import { then_update } => {
                    summary.import += 1;
                    if then_update {
                        summary.change += 1;
                    }
                }
            }
        }
        summary
    }

    /// Whether applying the plan would change anything (`--detailed-exitcode` exits 2 then):
    /// a resource, or only an output value, as Terraform counts. A refresh-only plan has changes
    /// when it found drift.
    pub fn has_changes(&self) -> bool {
        let outputs = self
            .outputs
            .iter()
            .any(|output| output.action != OutputAction::NoOp);
        outputs
            || match self.mode {
                PlanMode::RefreshOnly => !self.drift.is_empty(),
                PlanMode::Normal | PlanMode::Destroy => self.changes.iter().any(|change| {
                    !matches!(change.action, Action::NoOp | Action::Read)
                        || change.previous_address.is_some()
                }),
            }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::NoOp => "no-op",
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace {
                create_before_destroy: false,
            } => "replace (delete, then create)",
            Action::Replace {
                create_before_destroy: true,
            } => "replace (create, then delete)",
            Action::Delete => "delete",
            Action::Forget => "forget",
            Action::Read => "read",
            Action::Import { then_update: false } => "import",
            Action::Import { then_update: true } => "import, then update",
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::ForcedBy { attributes } => {
                let names: Vec<String> = attributes.iter().map(|a| format!("`{a}`")).collect();
                write!(f, "a change of {} forces replacement", names.join(", "))
            }
            Reason::Drift => f.write_str("values were changed outside plinth"),
            Reason::Requested => f.write_str("replacement requested with `--replace`"),
            Reason::ReplaceTriggeredBy { trigger } => write!(
                f,
                "`{trigger}` changes, and `replace_triggered_by` names it"
            ),
            Reason::Tainted => f.write_str("it is tainted"),
            Reason::NoLongerInConfiguration => f.write_str("it is no longer in the configuration"),
            Reason::InstanceKeyRemoved => {
                f.write_str("its key is no longer in the resource's `count` or `for_each`")
            }
            Reason::DeletedOutside => f.write_str("it was deleted outside plinth"),
            Reason::AdoptedByNaturalKey => {
                f.write_str("an object with the same natural key already exists")
            }
            Reason::MovedByIdentity => f.write_str(
                "the state records this object, found by its natural key, at its old address",
            ),
            Reason::ReplacedOutside { old_id, new_id } => {
                write!(f, "it was replaced outside plinth: {old_id} -> {new_id}")
            }
            Reason::DestroyRequested => f.write_str("destroy was requested"),
            Reason::DependsOnUnknown => {
                f.write_str("its arguments depend on values known only after apply")
            }
            Reason::NotReadYet => f.write_str("it was not read during refresh"),
        }
    }
}

/// One configured `resource` or `data` block, as the planner sees it.
pub(crate) struct Block<'c> {
    /// Its address, without instance key.
    pub address: ResourceAddress,
    /// Its type's schema.
    pub schema: &'static TypeSpec,
    /// Its `lifecycle` block.
    pub lifecycle: &'c Lifecycle,
    /// What it refers to and `depends_on`: whole resources (no key) or single instances.
    pub dependencies: Vec<ResourceAddress>,
    /// Where the block is written (`main.hcl:3:1`), for messages.
    pub location: Option<&'c plinth_config::Location>,
    /// The alias of its provider configuration (`None`: the default one): part of the identity
    /// of its objects, as one natural key names two objects in two regions.
    pub provider: Option<&'c str>,
}

/// One instance of a block with its evaluated attributes.
pub(crate) struct Instance {
    /// Its address.
    pub address: ResourceAddress,
    /// The attributes the user wrote, evaluated.
    pub attributes: ObjectMap,
}

/// The planned objects of configured instances that a plan leaves out (a create hidden from a
/// refresh-only plan, an instance outside `--target`): expressions referring to them still see
/// them. The others are the [`PlannedChange::after`] of the plan's changes.
pub(crate) type LeftOut = HashMap<ResourceAddress, PlannedObject>;

/// Plans evaluated instances (each with the index of its block) against the prior state and the
/// observations. Also returns the planned objects the plan leaves out (see [`LeftOut`]).
pub(crate) fn plan_instances(
    blocks: &[Block<'_>],
    instances: Vec<(usize, Instance)>,
    prior: &State,
    moves: &Moves,
    observed: &Observations,
    options: &PlanOptions,
    statements: &Statements<'_>,
) -> Result<(Plan, LeftOut), PlanError> {
    let mode = if options.destroy {
        PlanMode::Destroy
    } else if options.refresh_only {
        PlanMode::RefreshOnly
    } else {
        PlanMode::Normal
    };
    block_order(blocks)?;
    // Every configured instance has a change: the configured addresses, once for the plan.
    let configured: HashSet<ResourceAddress> =
        instances.iter().map(|(_, i)| i.address.clone()).collect();
    let unconfigured: Vec<(&ResourceAddress, &ResourceState)> = prior
        .resources()
        .iter()
        .filter(|(address, _)| address.mode() == Mode::Managed && !configured.contains(*address))
        .collect();
    let mut moves = moves.clone();
    if mode != PlanMode::Destroy {
        check_identities(blocks, &instances)?;
        identity_moves(&mut moves, blocks, &instances, &unconfigured, prior);
    }
    let mut planner = Planner {
        prior,
        moves,
        unadopted: Vec::new(),
        observed,
        options,
        statements,
        mode,
        out: Vec::with_capacity(instances.len().max(prior.resources().len())),
        drift: Vec::new(),
        wanted: Vec::new(),
        wanted_catalogue: Vec::new(),
        configured: HashMap::new(),
    };
    let by_block: HashMap<&ResourceAddress, &Block<'_>> =
        blocks.iter().map(|b| (&b.address, b)).collect();
    if mode != PlanMode::Destroy {
        for (index, instance) in instances {
            let block = &blocks[index];
            let change = match block.address.mode() {
                Mode::Managed => planner.managed(block, instance),
                Mode::Data => planner.data(block, instance),
            };
            planner.out.push(change);
        }
    }
    if mode != PlanMode::Destroy {
        statements.check_imports(prior, &configured)?;
        statements.check_imported(planner.out.iter().map(|p| &p.change))?;
    }
    for (address, resource) in unconfigured {
        if planner.moves.moves_away(address) {
            continue;
        }
        let block = by_block.get(&address.resource()).copied();
        let change = planner.unconfigured(address, resource, block);
        planner.out.push(change);
    }
    planner.finish()
}

/// What a cloud object is, whatever its address: its type and the values of its natural key.
type Identity<'a> = (&'a str, Vec<&'a str>);

/// The values of the natural key of `desired`, in the registry's order, when all are known
/// strings, then the alias of the provider configuration (empty for the default one): an
/// identity is a natural key in one region and project.
fn key_values<'a>(
    schema: &TypeSpec,
    desired: &'a ObjectMap,
    provider: Option<&'a str>,
) -> Option<Vec<&'a str>> {
    let mut values: Vec<&str> = schema
        .natural_key
        .iter()
        .map(|name| desired.get(*name).and_then(Value::as_str))
        .collect::<Option<_>>()?;
    values.push(provider.unwrap_or_default());
    Some(values)
}

/// Refuses a create-before-destroy replacement whose new object has the old one's identity: the
/// cloud holds one object per natural key, so the create would fail (409) mid-apply.
fn check_create_before_destroy(
    changes: &[PlannedChange],
    keep: &[bool],
    prior: &State,
) -> Result<(), PlanError> {
    for (change, _) in changes.iter().zip(keep).filter(|(_, kept)| **kept) {
        if change.action
            != (Action::Replace {
                create_before_destroy: true,
            })
            || change.natural_key.is_empty()
        {
            continue;
        }
        let recorded_at = change.previous_address.as_ref().unwrap_or(&change.address);
        if prior.resource(recorded_at).is_some_and(|resource| {
            prior.natural_key_matches(&resource.natural_key, &change.natural_key)
        }) {
            let key: Vec<String> = change
                .natural_key
                .iter()
                .map(|(k, v)| format!("{k} = {v:?}"))
                .collect();
            return Err(PlanError::Move {
                message: format!(
                    "`{}` cannot be replaced create-before-destroy: the new object would have \
                     the same identity ({}) as the old one, and the cloud holds one object per \
                     identity, so creating it first would fail; remove `create_before_destroy` \
                     (from it, or from the resource that depends on it and passes it on) to \
                     replace it destroy-first",
                    change.address,
                    key.join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Refuses two configured instances with one identity (type and natural key): they would be the
/// same cloud object, recorded twice, each undoing the other's changes and destroying it with
/// its own. Identities known only during apply are checked there, before the create.
fn check_identities(
    blocks: &[Block<'_>],
    instances: &[(usize, Instance)],
) -> Result<(), PlanError> {
    let mut seen: HashMap<Identity<'_>, (usize, &ResourceAddress)> =
        HashMap::with_capacity(instances.len());
    for (index, instance) in instances {
        let block = &blocks[*index];
        if block.address.mode() != Mode::Managed {
            continue;
        }
        let Some(key) = key_values(block.schema, &instance.attributes, block.provider) else {
            continue;
        };
        let entry = (instance.address.type_name(), key);
        if let Some((first_block, first)) = seen.get(&entry) {
            let shown: Vec<String> = block
                .schema
                .natural_key
                .iter()
                .zip(&entry.1)
                .map(|(k, v)| format!("{k} = {v:?}"))
                .collect();
            let at = |block: &Block<'_>| {
                block
                    .location
                    .map_or_else(String::new, |location| format!(" ({location})"))
            };
            return Err(PlanError::Move {
                message: format!(
                    "`{first}`{} and `{}`{} are the same cloud object ({}): an object can be \
                     managed at one address only; remove one of them, or change its {}",
                    at(&blocks[*first_block]),
                    instance.address,
                    at(block),
                    shown.join(", "),
                    block.schema.natural_key.join(" or ")
                ),
            });
        }
        seen.insert(entry, (*index, &instance.address));
    }
    Ok(())
}

/// Adds to `moves` the objects of the prior state that the configuration no longer has at their
/// address but names by their identity (their natural key) at an address the state does not
/// have: the same cloud object, so a move, never a delete and an adoption. Only a one-to-one
/// match moves; two configured instances with one identity are refused elsewhere.
fn identity_moves(
    moves: &mut Moves,
    blocks: &[Block<'_>],
    instances: &[(usize, Instance)],
    unconfigured: &[(&ResourceAddress, &ResourceState)],
    prior: &State,
) {
    let mut candidates: HashMap<Identity<'_>, Vec<&ResourceAddress>> = HashMap::new();
    // Records whose natural key is partly sealed (a sensitive `cluster_id`): compared by
    // fingerprint, one by one (they are few).
    let mut sealed: Vec<(Identity<'_>, &ResourceAddress)> = Vec::new();
    for (address, resource) in unconfigured {
        if !resource.natural_key.is_empty() && !moves.moves_away(address) {
            // The state keeps a natural key sorted by name; the registry's order is the key's.
            let Some(spec) = registry::find(Mode::Managed, address.type_name()) else {
                continue;
            };
            let values: Option<Vec<&str>> = spec
                .natural_key
                .iter()
                .map(|name| resource.natural_key.get(*name).map(String::as_str))
                .chain([Some(resource.provider.as_deref().unwrap_or_default())])
                .collect();
            if let Some(values) = values {
                if values
                    .iter()
                    .any(|value| value.parse::<Fingerprint>().is_ok())
                {
                    sealed.push(((address.type_name(), values), address));
                } else {
                    candidates
                        .entry((address.type_name(), values))
                        .or_default()
                        .push(address);
                }
            }
        }
    }
    if candidates.is_empty() && sealed.is_empty() {
        return;
    }
    for (index, instance) in instances {
        let block = &blocks[*index];
        if block.address.mode() != Mode::Managed
            || prior.resource(&instance.address).is_some()
            || moves.source(&instance.address).is_some()
        {
            continue;
        }
        let Some(values) = key_values(block.schema, &instance.attributes, block.provider) else {
            continue;
        };
        let key = (instance.address.type_name(), values);
        if let Some([from]) = candidates.get(&key).map(Vec::as_slice) {
            let from = (*from).clone();
            candidates.remove(&key);
            moves.insert(from, instance.address.clone(), MoveCause::Identity);
            continue;
        }
        let same = |(type_name, stored): &Identity<'_>| {
            *type_name == key.0
                && stored.iter().zip(&key.1).all(|(stored, plain)| {
                    stored == plain || prior.sealed_part_matches(stored, plain)
                })
        };
        let matching: Vec<usize> = (0..sealed.len())
            .filter(|index| same(&sealed[*index].0))
            .collect();
        if let [index] = matching.as_slice() {
            let (_, from) = sealed.swap_remove(*index);
            moves.insert(from.clone(), instance.address.clone(), MoveCause::Identity);
        }
    }
}

/// A change with what the planner needs besides it.
struct Planned {
    change: PlannedChange,
    prevent_destroy: bool,
    /// Dependencies recorded in the state, which order deletes.
    state_dependencies: Vec<ResourceAddress>,
    /// Left out of the plan (a configured instance not in the state, in a refresh-only plan).
    hidden: bool,
}

struct Planner<'a> {
    prior: &'a State,
    moves: Moves,
    /// Objects found by natural key that `--no-adopt` refuses to adopt, with their ids.
    unadopted: Vec<(ResourceAddress, Option<String>)>,
    observed: &'a Observations,
    options: &'a PlanOptions,
    statements: &'a Statements<'a>,
    mode: PlanMode,
    out: Vec<Planned>,
    drift: Vec<Drift>,
    wanted: Vec<WantedRead>,
    /// Catalogue reads planning itself wants (a parameter's default to return to).
    wanted_catalogue: Vec<crate::templates::WantedCatalogue>,
    /// The template parameters each configured instance writes (none: not listed).
    configured: HashMap<ResourceAddress, Box<[String]>>,
}

/// The state's sealed sensitive values of one resource: the pointers its record lists, and
/// those the configuration marks where the record holds a fingerprint (a list that lost a
/// pointer, by a bad merge or a hand edit, is repaired from the configuration).
struct StateSeal<'a> {
    state: &'a State,
    resource: &'a ResourceState,
    marked: &'a BTreeSet<String>,
}

impl StateSeal<'_> {
    /// The fingerprint the record holds at `pointer`, when it holds one there.
    fn fingerprint(&self, pointer: &str) -> Option<Fingerprint> {
        Fingerprint::held_by(&self.resource.attributes.pointer(pointer)?)
    }

    /// The pointers the configuration marks sensitive whose value the record holds as it is
    /// (neither listed, under a listed pointer, nor a fingerprint): the apply seals them.
    fn unsealed(&self) -> Vec<String> {
        self.marked
            .iter()
            .filter(|pointer| {
                !self
                    .resource
                    .sensitive
                    .iter()
                    .any(|sealed| pointer_covers(sealed, pointer))
                    && self.resource.attributes.pointer(pointer).is_some()
                    && self.fingerprint(pointer).is_none()
            })
            .cloned()
            .collect()
    }
}

impl Sealed for StateSeal<'_> {
    fn any(&self) -> bool {
        !self.resource.sensitive.is_empty() || !self.marked.is_empty()
    }

    fn is_sealed(&self, pointer: &str) -> bool {
        self.resource.sensitive.contains(pointer)
            || (self.marked.contains(pointer) && self.fingerprint(pointer).is_some())
    }

    fn matches(&self, pointer: &str, value: &Json) -> bool {
        self.fingerprint(pointer)
            .is_some_and(|fingerprint| self.state.fingerprint_matches(&fingerprint, value))
    }
}

impl Planner<'_> {
    fn managed(&mut self, block: &Block<'_>, instance: Instance) -> Planned {
        let Instance {
            address,
            attributes: desired,
        } = instance;
        let mut change = PlannedChange {
            natural_key: natural_key(block.schema, &desired),
            address,
            action: Action::NoOp,
            reasons: Vec::new(),
            id: None,
            before: None,
            after: None,
            changes: Vec::new(),
            dependencies: block.dependencies.clone(),
            previous_address: None,
            seals: Vec::new(),
        };
        let configured = crate::returns::configured_pointers(block.schema, &desired);
        if !configured.is_empty() {
            self.configured
                .insert(change.address.clone(), configured.into_iter().collect());
        }
        let mut hidden = false;
        let mut state_dependencies = Vec::new();
        let moved = self.moves.source(&change.address).cloned();
        if let Some((from, cause)) = &moved {
            change.previous_address = Some(from.clone());
            if *cause == MoveCause::Identity {
                change.reasons.push(Reason::MovedByIdentity);
            }
        }
        let recorded_at = moved.map_or_else(|| change.address.clone(), |(from, _)| from);
        let mut after = if let Some(resource) = self.prior.resource(&recorded_at) {
            state_dependencies.clone_from(&resource.dependencies);
            self.existing(block, &recorded_at, resource, &desired, &mut change)
        } else {
            // A refresh-only plan neither creates nor adopts.
            hidden = self.mode == PlanMode::RefreshOnly;
            self.absent(block, &desired, &mut change)
        };
        // The id is kept by an update too (the registry's stable attributes), so what reads it
        // sees it whatever the plan does to the object, but for a replacement.
        if matches!(
            change.action,
            Action::NoOp | Action::Update | Action::Import { .. }
        ) {
            with_id(block.schema, &mut after, change.id.as_deref());
        }
        // Compact, sharing the text of the object as it is when it is planned as it is.
        change.after = Some(PlannedObject::sharing(&after, change.before.as_ref()));
        Planned {
            change,
            prevent_destroy: block.lifecycle.prevent_destroy,
            state_dependencies,
            hidden,
        }
    }

    /// A configured instance that is in the state: decides between nothing, update, replace, and
    /// create (when it was deleted outside plinth); returns the planned object.
    fn existing(
        &mut self,
        block: &Block<'_>,
        recorded_at: &ResourceAddress,
        resource: &ResourceState,
        desired: &ObjectMap,
        change: &mut PlannedChange,
    ) -> Value {
        let (schema, lifecycle) = (block.schema, block.lifecycle);
        let address = change.address.clone();
        change.id.clone_from(&resource.id);
        if change.natural_key.is_empty() {
            change.natural_key.clone_from(&resource.natural_key);
        }
        let observed = self.observed.resource(recorded_at);
        if let Some(Observed::Gone) = observed {
            self.drift.push(Drift {
                address,
                path: AttributePath::root(),
                in_state: Some(resource.attributes.to_value()),
                now: None,
                sensitive: false,
            });
            change.reasons.push(Reason::DeletedOutside);
            change.id = None;
            if self.mode == PlanMode::RefreshOnly {
                return Value::from(resource.attributes.to_value());
            }
            change.action = Action::Create;
            change.changes = creation_changes(desired);
            return created_object(schema, desired);
        }
        if let Some(Observed::Present(object)) = observed
            && let Some(reason) = replaced_outside(resource, object)
            && self.mode != PlanMode::RefreshOnly
        {
            change.reasons.push(reason);
            return adopt(block, object, desired, change);
        }
        let marked = sensitive_pointers(desired);
        let seal = StateSeal {
            state: self.prior,
            resource,
            marked: &marked,
        };
        change.seals = seal.unsealed();
        let recorded = resource.attributes.to_value();
        let refreshed = match observed {
            Some(Observed::Present(object)) => Some(object.attributes.to_value()),
            _ => None,
        };
        // Refreshed: compare with the cloud, and the cloud with the state for drift. Not
        // refreshed: compare with the state, whose sensitive values are fingerprints.
        let (current, current_sealed, prior): (&Json, Option<&dyn Sealed>, Option<&Json>) =
            match (observed, &refreshed) {
                (Some(Observed::Present(object)), Some(refreshed)) => {
                    if object.id.is_some() {
                        change.id.clone_from(&object.id);
                    }
                    (refreshed, None, Some(&recorded))
                }
                _ => (&recorded, Some(&seal), None),
            };
        let found = diff(&DiffInput {
            desired,
            current,
            current_sealed,
            prior,
            prior_sealed: Some(&seal),
            ignore: &lifecycle.ignore_changes,
            ignore_all: lifecycle.ignore_all_changes,
            forces_replacement: &|name| {
                schema
                    .attribute(name)
                    .is_some_and(plinth_core::AttributeSpec::forces_replacement)
            },
            compared: &|name| !schema.is_plinth_own(name),
        });
        self.record_drift(&address, found.drift);
        change.before = Some(match observed {
            Some(Observed::Present(object)) => object.attributes.clone(),
            _ => resource.attributes.clone(),
        });
        // Ignored paths keep the object's values: that is what the cloud keeps.
        let kept = without_ignored(desired, lifecycle);
        if self.mode == PlanMode::RefreshOnly {
            return merged_object(current, &kept);
        }
        let requested = self.options.replace.iter().any(|r| r.contains(&address));
        let tainted = resource.status == Status::Tainted;
        let mut forced: Vec<String> = Vec::new();
        for c in found.changes.iter().filter(|c| c.forces_replacement) {
            if let Some(name) = c.path.attribute_name()
                && !forced.iter().any(|f| f == name)
            {
                forced.push(name.to_owned());
            }
        }
        if requested {
            change.reasons.push(Reason::Requested);
        }
        if tainted {
            change.reasons.push(Reason::Tainted);
        }
        let replace = requested || tainted || !forced.is_empty();
        if !forced.is_empty() {
            change.reasons.push(Reason::ForcedBy { attributes: forced });
        }
        if found.changes.iter().any(|c| c.drift) {
            change.reasons.push(Reason::Drift);
        }
        let returns = self.returns(block, resource, current, desired, replace);
        let updating = !found.changes.is_empty() || !returns.changes.is_empty();
        change.changes = found.changes;
        unwritten_seals(change, replace);
        if replace {
            change.action = Action::Replace {
                create_before_destroy: lifecycle.create_before_destroy,
            };
            created_object(schema, desired)
        } else if updating {
            change.action = Action::Update;
            let catalogue = self.observed.catalogue(block.provider);
            crate::templates::updated(schema, current, &kept, catalogue, returns, change)
        } else {
            merged_object(current, &kept)
        }
    }

    /// The template parameters of a recorded object that return to their defaults: none for a
    /// replace, which sends only what is written (the template fills in its defaults).
    fn returns(
        &mut self,
        block: &Block<'_>,
        record: &ResourceState,
        current: &Json,
        written: &ObjectMap,
        replace: bool,
    ) -> crate::returns::Returns {
        if replace {
            return crate::returns::Returns::default();
        }
        let returns = crate::returns::returns(&crate::returns::ReturnsInput {
            spec: block.schema,
            record,
            current,
            written,
            lifecycle: block.lifecycle,
            catalogue: self.observed.catalogue(block.provider),
        });
        let provider = block.provider.map(str::to_owned);
        self.wanted_catalogue.extend(returns.wanted.map(|read| {
            crate::templates::WantedCatalogue {
                provider: provider.clone(),
                read,
            }
        }));
        returns
    }

    /// A configured instance that is not in the state: adopted when a lookup by natural key
    /// found it, else created; returns the planned object.
    fn absent(
        &mut self,
        block: &Block<'_>,
        desired: &ObjectMap,
        change: &mut PlannedChange,
    ) -> Value {
        let schema = block.schema;
        // A refresh-only plan neither creates nor adopts: it wants no lookup either.
        let hidden = self.mode == PlanMode::RefreshOnly;
        match self.observed.lookup(&change.address) {
            Some(Lookup::Found(object)) if self.options.adopt == Adoption::ExplicitOnly => {
                self.unadopted
                    .push((change.address.clone(), object.id.clone()));
                change.action = Action::Create;
                created_object(schema, desired)
            }
            Some(Lookup::Found(object)) => {
                // An `import` block asks for it: the configuration says why.
                if !self.statements.is_import_target(&change.address) {
                    change.reasons.push(Reason::AdoptedByNaturalKey);
                }
                adopt(block, object, desired, change)
            }
            lookup => {
                if lookup.is_none() && !change.natural_key.is_empty() && !hidden {
                    self.wanted.push(WantedRead::NaturalKey {
                        address: change.address.clone(),
                        natural_key: change.natural_key.clone(),
                    });
                }
                change.action = Action::Create;
                change.changes = creation_changes(desired);
                created_object(schema, desired)
            }
        }
    }

    fn data(&mut self, block: &Block<'_>, instance: Instance) -> Planned {
        let Instance {
            address,
            attributes: arguments,
        } = instance;
        let mut change = PlannedChange {
            address: address.clone(),
            action: Action::Read,
            reasons: Vec::new(),
            id: None,
            natural_key: plinth_core::NaturalKey::new(),
            before: None,
            after: None,
            changes: Vec::new(),
            dependencies: block.dependencies.clone(),
            previous_address: None,
            seals: Vec::new(),
        };
        let unknown = arguments.values().any(Value::contains_unknown);
        let after = if unknown {
            change.reasons.push(Reason::DependsOnUnknown);
            created_object(block.schema, &arguments)
        } else if let Some(read) = self.observed.data(&address) {
            change.action = Action::NoOp;
            change.before = Some(Attributes::new(read));
            merged_object(read, &arguments)
        } else {
            change.reasons.push(Reason::NotReadYet);
            let json = Json::Object(
                arguments
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.clone(),
                            value.strip_marks().to_json_with(&mut |_| Json::Null),
                        )
                    })
                    .collect(),
            );
            self.wanted.push(WantedRead::Data {
                address: address.clone(),
                arguments: json,
            });
            created_object(block.schema, &arguments)
        };
        if self.mode == PlanMode::RefreshOnly {
            change.action = Action::NoOp;
            change.reasons.clear();
        }
        change.after = Some(PlannedObject::new(&after));
        Planned {
            change,
            prevent_destroy: false,
            state_dependencies: Vec::new(),
            hidden: false,
        }
    }

    /// A resource in the state that the configuration does not (or no longer) have, or any
    /// resource of a destroy plan.
    fn unconfigured(
        &mut self,
        address: &ResourceAddress,
        resource: &ResourceState,
        block: Option<&Block<'_>>,
    ) -> Planned {
        let gone = matches!(self.observed.resource(address), Some(Observed::Gone));
        let before = match self.observed.resource(address) {
            Some(Observed::Present(object)) => object.attributes.clone(),
            _ => resource.attributes.clone(),
        };
        let mut change = PlannedChange {
            address: address.clone(),
            action: Action::Delete,
            reasons: Vec::new(),
            id: resource.id.clone(),
            natural_key: resource.natural_key.clone(),
            before: Some(before),
            after: None,
            changes: Vec::new(),
            dependencies: resource.dependencies.clone(),
            previous_address: None,
            seals: Vec::new(),
        };
        if gone {
            self.drift.push(Drift {
                address: address.clone(),
                path: AttributePath::root(),
                in_state: Some(resource.attributes.to_value()),
                now: None,
                sensitive: false,
            });
            change.action = Action::NoOp;
            change.reasons.push(Reason::DeletedOutside);
            change.before = None;
        } else if self.mode == PlanMode::RefreshOnly {
            change.action = Action::NoOp;
        } else if self.statements.forgets(address) {
            change.action = Action::Forget;
        } else {
            self.replaced_before_delete(resource, &mut change);
            change.reasons.push(if self.mode == PlanMode::Destroy {
                Reason::DestroyRequested
            } else if block.is_some() {
                Reason::InstanceKeyRemoved
            } else {
                Reason::NoLongerInConfiguration
            });
        }
        Planned {
            change,
            prevent_destroy: block.is_some_and(|b| b.lifecycle.prevent_destroy),
            state_dependencies: resource.dependencies.clone(),
            hidden: false,
        }
    }

    /// The object to delete is the one the refresh found: when that was re-created outside
    /// plinth under a new id, the delete names it, and says so.
    fn replaced_before_delete(&self, resource: &ResourceState, change: &mut PlannedChange) {
        if let Some(Observed::Present(object)) = self.observed.resource(&change.address)
            && let Some(reason) = replaced_outside(resource, object)
        {
            change.id.clone_from(&object.id);
            change.reasons.push(reason);
        }
    }

    fn record_drift(
        &mut self,
        address: &ResourceAddress,
        found: Vec<(AttributePath, Option<Json>, Option<Json>, bool)>,
    ) {
        self.drift.extend(
            found
                .into_iter()
                .map(|(path, in_state, now, sensitive)| Drift {
                    address: address.clone(),
                    path,
                    in_state,
                    now,
                    sensitive,
                }),
        );
    }

    fn finish(self) -> Result<(Plan, LeftOut), PlanError> {
        let Planner {
            out,
            drift,
            wanted,
            options,
            mode,
            prior,
            unadopted,
            wanted_catalogue,
            configured,
            ..
        } = self;
        if !unadopted.is_empty() {
            return Err(PlanError::Unadopted { objects: unadopted });
        }
        let mut left_out = LeftOut::new();
        let mut out: Vec<Planned> = out
            .into_iter()
            .filter_map(|mut planned| {
                if !planned.hidden {
                    return Some(planned);
                }
                if let Some(after) = planned.change.after.take() {
                    left_out.insert(planned.change.address, after);
                }
                None
            })
            .collect();
        out.sort_by(|a, b| a.change.address.cmp(&b.change.address));
        let mut changes = Vec::with_capacity(out.len());
        let mut state_dependencies = Vec::with_capacity(out.len());
        let mut prevent = Vec::with_capacity(out.len());
        for planned in out {
            changes.push(planned.change);
            state_dependencies.push(planned.state_dependencies);
            prevent.push(planned.prevent_destroy);
        }
        let dependencies: Vec<Vec<&ResourceAddress>> = changes
            .iter()
            .zip(&state_dependencies)
            .map(|(c, s)| c.dependencies.iter().chain(s).collect())
            .collect();
        // The configuration's dependencies order creates and updates; the state's order deletes.
        let order = Dependencies::resolve(&changes, &dependencies);
        let keep = order.select(&changes, options, mode);
        order.inherit_create_before_destroy(&mut changes, &keep);
        check_create_before_destroy(&changes, &keep, prior)?;
        let mut refusals = Vec::new();
        for (i, change) in changes.iter().enumerate() {
            let destroying = match change.action {
                Action::Delete => Some("destroy"),
                Action::Replace { .. } => Some("replace"),
                _ => None,
            };
            if keep[i]
                && prevent[i]
                && let Some(action) = destroying
            {
                let reason: Vec<String> = change.reasons.iter().map(ToString::to_string).collect();
                refusals.push(Refusal {
                    address: change.address.clone(),
                    action,
                    reason: reason.join("; "),
                });
            }
        }
        if !refusals.is_empty() {
            return Err(PlanError::PreventDestroy { refusals });
        }
        let graph = order.graph(&changes, &keep)?;
        let kept: HashSet<&ResourceAddress> = changes
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(c, _)| &c.address)
            .collect();
        let mut drift: Vec<Drift> = drift
            .into_iter()
            .filter(|d| kept.contains(&d.address))
            .collect();
        drift.sort_by(|a, b| a.address.cmp(&b.address).then_with(|| a.path.cmp(&b.path)));
        let wanted_reads: Vec<WantedRead> = wanted
            .into_iter()
            .filter(|w| match w {
                WantedRead::NaturalKey { address, .. } | WantedRead::Data { address, .. } => {
                    kept.contains(address)
                }
            })
            .collect();
        let changes = changes
            .into_iter()
            .zip(keep)
            .filter_map(|(mut change, kept)| {
                if kept {
                    return Some(change);
                }
                if let Some(after) = change.after.take() {
                    left_out.insert(change.address, after);
                }
                None
            })
            .collect();
        let plan = Plan {
            changes,
            drift,
            graph,
            wanted_reads,
            mode,
            outputs: Vec::new(),
            wanted_catalogue,
            configured,
            warnings: plinth_config::Diagnostics::new(),
        };
        Ok((plan, left_out))
    }
}

/// The order in which blocks are evaluated: each after the blocks it refers to.
fn block_order(blocks: &[Block<'_>]) -> Result<Vec<usize>, PlanError> {
    let index: HashMap<&ResourceAddress, usize> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| (&b.address, i))
        .collect();
    let mut graph = petgraph::graph::DiGraph::<usize, ()>::new();
    let nodes: Vec<_> = (0..blocks.len()).map(|i| graph.add_node(i)).collect();
    for (i, block) in blocks.iter().enumerate() {
        for dependency in &block.dependencies {
            if let Some(&d) = index.get(&dependency.resource()) {
                graph.update_edge(nodes[d], nodes[i], ());
            }
        }
    }
    match petgraph::algo::toposort(&graph, None) {
        Ok(order) => Ok(order.into_iter().map(|n| graph[n]).collect()),
        Err(cycle) => {
            let component = petgraph::algo::tarjan_scc(&graph)
                .into_iter()
                .find(|c| c.contains(&cycle.node_id()))
                .unwrap_or_else(|| vec![cycle.node_id()]);
            let mut addresses: Vec<ResourceAddress> = component
                .iter()
                .map(|n| blocks[graph[*n]].address.clone())
                .collect();
            addresses.sort();
            Err(PlanError::Cycle { addresses })
        }
    }
}

/// Keeps in `change.seals` only what its operation does not write: what it writes is recorded
/// sealed anyway (all of it for a replacement), so only the rest is worth a note.
fn unwritten_seals(change: &mut PlannedChange, replace: bool) {
    if replace {
        change.seals.clear();
        return;
    }
    let changes = &change.changes;
    change.seals.retain(|sealed| {
        !changes.iter().any(|written| {
            let at = written.path.to_pointer();
            pointer_covers(&at, sealed) || pointer_covers(sealed, &at)
        })
    });
}

/// Adopts an existing object (planned as an import, then an update if it differs from the
/// configuration); returns the planned object.
fn adopt(
    block: &Block<'_>,
    object: &RemoteObject,
    desired: &ObjectMap,
    change: &mut PlannedChange,
) -> Value {
    let (schema, lifecycle) = (block.schema, block.lifecycle);
    let current = object.attributes.to_value();
    let found = diff(&DiffInput {
        desired,
        current: &current,
        current_sealed: None,
        prior: None,
        prior_sealed: None,
        // What the user ignores is not worth an update after the import either.
        ignore: &lifecycle.ignore_changes,
        ignore_all: lifecycle.ignore_all_changes,
        forces_replacement: &|name| {
            schema
                .attribute(name)
                .is_some_and(plinth_core::AttributeSpec::forces_replacement)
        },
        compared: &|name| !schema.is_plinth_own(name),
    });
    let then_update = !found.changes.is_empty();
    change.action = Action::Import { then_update };
    change.id.clone_from(&object.id);
    change.before = Some(object.attributes.clone());
    change.changes = found.changes;
    let kept = without_ignored(desired, lifecycle);
    if then_update {
        updated_object(schema, &current, &kept)
    } else {
        merged_object(&current, &kept)
    }
}

/// Why a refreshed object is not the one the state recorded: both have ids and they differ (the
/// refresh found it by natural key after the recorded id was gone).
fn replaced_outside(resource: &ResourceState, object: &RemoteObject) -> Option<Reason> {
    match (&resource.id, &object.id) {
        (Some(old_id), Some(new_id)) if old_id != new_id => Some(Reason::ReplacedOutside {
            old_id: old_id.clone(),
            new_id: new_id.clone(),
        }),
        _ => None,
    }
}

/// The natural key, when every part of it is a known string.
fn natural_key(schema: &TypeSpec, desired: &ObjectMap) -> plinth_core::NaturalKey {
    let mut key = plinth_core::NaturalKey::with_capacity(schema.natural_key.len());
    for &name in schema.natural_key {
        match desired.get(name).and_then(Value::as_str) {
            Some(value) => {
                key.insert(name.to_owned(), value.to_owned());
            }
            None => return plinth_core::NaturalKey::new(),
        }
    }
    key
}

/// The changes of a create: every attribute written.
fn creation_changes(desired: &ObjectMap) -> Vec<AttributeChange> {
    desired
        .iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(name, value)| AttributeChange {
            path: AttributePath::attribute(name),
            before: None,
            after: value.clone(),
            sensitive: value.contains_sensitive(),
            forces_replacement: false,
            drift: false,
        })
        .collect()
}

/// A new object: what the user wrote, and unknown for every other attribute.
fn created_object(schema: &TypeSpec, desired: &ObjectMap) -> Value {
    let mut object: ObjectMap = desired
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // plinth's own arguments are what the configuration says, never the cloud's to fill in.
    for attribute in schema
        .attributes
        .iter()
        .filter(|a| !schema.is_plinth_own(a.name))
    {
        object
            .entry(attribute.name.to_owned())
            .or_insert(Value::Unknown);
    }
    Value::Object(compact_object(object))
}

/// An object updated in place: what the user wrote over what is there; computed attributes are
/// known only after apply, but for those an update keeps (the id): what reads only them is not
/// changed by the update.
pub(crate) fn updated_object(schema: &TypeSpec, current: &Json, desired: &ObjectMap) -> Value {
    let mut object = merged_object(current, desired);
    if let Value::Object(map) = &mut object {
        for attribute in schema
            .attributes
            .iter()
            .filter(|a| a.presence == Presence::Computed && !a.stable)
        {
            map.insert(attribute.name.to_owned(), Value::Unknown);
        }
        *map = compact_object(std::mem::take(map));
    }
    object
}

/// The written attributes without the paths `ignore_changes` masks (borrowed when it masks
/// nothing).
fn without_ignored<'d>(desired: &'d ObjectMap, lifecycle: &Lifecycle) -> Cow<'d, ObjectMap> {
    if lifecycle.ignore_all_changes {
        return Cow::Owned(ObjectMap::new());
    }
    if lifecycle.ignore_changes.is_empty() {
        return Cow::Borrowed(desired);
    }
    let mut kept = desired.clone();
    for path in &lifecycle.ignore_changes {
        remove_path(&mut kept, path);
    }
    Cow::Owned(kept)
}

fn remove_path(object: &mut ObjectMap, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            object.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(Value::Object(inner)) = object.get_mut(first) {
                remove_path(inner, rest);
            }
        }
    }
}

/// Sets the `id` attribute of an existing object from its cloud id, when the type has one and
/// the attributes lack it, so that references to `.id` see it.
pub(crate) fn with_id(schema: &TypeSpec, object: &mut Value, id: Option<&str>) {
    if let (Some(id), Some(_), Value::Object(map)) = (id, schema.attribute("id"), object) {
        let entry = map.entry("id".to_owned()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = Value::string(id);
        }
    }
}

/// What the user wrote deep-merged over an object that exists.
fn merged_object(current: &Json, desired: &ObjectMap) -> Value {
    let mut object = match current {
        Json::Object(map) => map.iter().map(|(k, v)| (k.clone(), value_of(v))).collect(),
        _ => ObjectMap::new(),
    };
    for (key, value) in desired {
        merge_into(&mut object, key, value);
    }
    Value::Object(compact_object(object))
}

/// A JSON value as a configuration value: what `Value::from` makes of a copy, without the copy.
pub(crate) fn value_of(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Number(n.clone()),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::List(items.iter().map(value_of).collect()),
        Json::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), value_of(v))).collect())
        }
    }
}

fn merge_into(object: &mut ObjectMap, key: &str, value: &Value) {
    if value.is_null() {
        return;
    }
    match (object.get_mut(key), value) {
        (Some(Value::Object(base)), Value::Object(over)) => {
            for (k, v) in over {
                merge_into(base, k, v);
            }
            *base = compact_object(std::mem::take(base));
        }
        _ => {
            object.insert(key.to_owned(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn desired(json: Json) -> ObjectMap {
        match Value::from(json) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn addon() -> &'static TypeSpec {
        &plinth_core::registry::CCE_ADDON
    }

    #[test]
    fn merged_object_puts_written_keys_over_server_filled_ones() {
        let current = json!({"values": {"flavor": {"replicas": 1, "cpu": "1"}, "basic": {"x": 1}}, "status": "running"});
        let merged = merged_object(
            &current,
            &desired(json!({"values": {"flavor": {"replicas": 3}}, "version": null})),
        );
        assert_eq!(
            merged.to_json(),
            Some(
                json!({"values": {"flavor": {"replicas": 3, "cpu": "1"}, "basic": {"x": 1}}, "status": "running"})
            )
        );
    }

    #[test]
    fn created_and_updated_objects_leave_computed_attributes_unknown_but_an_update_keeps_the_id() {
        let created = created_object(
            addon(),
            &desired(json!({"cluster_id": "c1", "template_name": "coredns"})),
        );
        let map = created.as_object().unwrap();
        assert_eq!(map[&"cluster_id".to_owned()], Value::string("c1"));
        assert!(
            map[&"id".to_owned()].is_unknown()
                && map[&"status".to_owned()].is_unknown()
                && map[&"version".to_owned()].is_unknown()
        );
        let updated = updated_object(
            addon(),
            &json!({"id": "uid", "status": "running", "version": "1"}),
            &desired(json!({"version": "2"})),
        );
        let map = updated.as_object().unwrap();
        assert_eq!(map[&"version".to_owned()], Value::string("2"));
        assert!(map[&"status".to_owned()].is_unknown());
        assert_eq!(map[&"id".to_owned()], Value::string("uid"));
    }

    #[test]
    fn block_cycles_name_their_blocks() {
        let lifecycle = Lifecycle::default();
        let block = |name: &str, on: &str| Block {
            location: None,
            provider: None,
            address: format!("huaweicloud_cce_addon.{name}").parse().unwrap(),
            schema: addon(),
            lifecycle: &lifecycle,
            dependencies: vec![format!("huaweicloud_cce_addon.{on}[0]").parse().unwrap()],
        };
        let blocks = [block("a", "b"), block("b", "a"), block("c", "a")];
        assert_eq!(
            block_order(&blocks).unwrap_err().to_string(),
            "dependency cycle between `huaweicloud_cce_addon.a`, `huaweicloud_cce_addon.b`"
        );
        assert_eq!(block_order(&blocks[2..]).unwrap(), [0]);
    }
}

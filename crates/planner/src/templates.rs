//! Template-aware planning: the catalogues a refresh read ([`Catalogue`]), the checks of a plan's
//! add-ons and plug-ins against them (template, version, cluster or pool, parameter keys and
//! types), and the values an upgrade sends ([`upgrade_values`]) with the changes a reviewer sees
//! because defaults move.
//!
//! Pure: the refresh reads what [`Plan::wanted_catalogue`] asks for and records it in the
//! [`Observations`](crate::Observations); a plan made without it (`--no-refresh`) checks nothing
//! here.

use std::collections::{BTreeMap, BTreeSet};

use plinth_config::{Configuration, Diagnostics, ObjectMap, Value};
use plinth_core::Mode;
use plinth_core::path::{AttributePath, PathStep};
use plinth_core::registry::{self, ApiFamily, TemplateAttributes, TypeSpec};
use serde_json::{Map, Value as Json};

use crate::diff::AttributeChange;
use crate::plan::{Action, Plan, PlannedChange};
use crate::planned::PlannedObject;
use crate::returns::Returns;

/// A catalogue read the planner wants before it can check a plan's templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CatalogueRead {
    /// The templates of a family, with their versions: record with
    /// [`Catalogue::insert_templates`].
    Templates(ApiFamily),
    /// What objects of a family are installed in (clusters with their Kubernetes version, or
    /// pools): record with [`Catalogue::insert_containers`].
    Containers(ApiFamily),
}

/// A catalogue read and the provider configuration it is read through: each region has its
/// own clusters and pools (and may have its own templates).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WantedCatalogue {
    /// The alias of the provider configuration (`None`: the default one).
    pub provider: Option<String>,
    /// What to read.
    pub read: CatalogueRead,
}

/// One template of a catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Its name, e.g. `coredns`.
    pub name: String,
    /// Its versions, oldest first.
    pub versions: Vec<TemplateVersion>,
}

/// One version of a template.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    /// The version, e.g. `1.28.6`.
    pub version: String,
    /// The parameters it fills in when they are not sent (an add-on's `values`, a plug-in's
    /// `inputs`).
    pub defaults: Json,
    /// Regular expressions of the cluster versions it supports; empty: any (plug-ins).
    pub cluster_versions: Vec<String>,
}

/// What the refresh read of the catalogues, by API family. A family without an entry was not
/// read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalogue {
    templates: BTreeMap<ApiFamily, Vec<Template>>,
    /// Cluster id (with its Kubernetes version) or pool name (no version), by family.
    containers: BTreeMap<ApiFamily, BTreeMap<String, Option<String>>>,
}

/// A catalogue nothing was read into.
pub(crate) static EMPTY: Catalogue = Catalogue {
    templates: BTreeMap::new(),
    containers: BTreeMap::new(),
};

impl Catalogue {
    /// Records the templates of `family`.
    pub fn insert_templates(&mut self, family: ApiFamily, templates: Vec<Template>) {
        self.templates.insert(family, templates);
    }

    /// Records the clusters (id, Kubernetes version) or pools (name, `None`) of `family`.
    pub fn insert_containers(
        &mut self,
        family: ApiFamily,
        containers: impl IntoIterator<Item = (String, Option<String>)>,
    ) {
        self.containers
            .insert(family, containers.into_iter().collect());
    }

    /// Whether `read` was recorded.
    pub fn has(&self, read: CatalogueRead) -> bool {
        match read {
            CatalogueRead::Templates(family) => self.templates.contains_key(&family),
            CatalogueRead::Containers(family) => self.containers.contains_key(&family),
        }
    }

    /// The template `name` of `family`, when its templates were read and it is one of them.
    pub fn template(&self, family: ApiFamily, name: &str) -> Option<&Template> {
        self.templates.get(&family)?.iter().find(|t| t.name == name)
    }
}

impl Template {
    /// The version `version`.
    pub fn version(&self, version: &str) -> Option<&TemplateVersion> {
        self.versions.iter().find(|v| v.version == version)
    }
}

impl TemplateVersion {
    /// Whether it runs on a cluster of Kubernetes version `cluster_version`: a full match of one
    /// of its patterns (no patterns: any).
    pub fn supports(&self, cluster_version: &str) -> bool {
        self.cluster_versions.is_empty()
            || self
                .cluster_versions
                .iter()
                .any(|pattern| full_match(pattern, cluster_version))
    }
}

/// Whether `pattern` (a regular expression of the catalogue; an invalid one matches nothing)
/// matches all of `text`. Each pattern is compiled once per process: a plan checks every add-on
/// it changes against the same few patterns, and compiling one costs far more than matching.
fn full_match(pattern: &str, text: &str) -> bool {
    static COMPILED: std::sync::LazyLock<
        std::sync::Mutex<std::collections::HashMap<String, Option<regex::Regex>>>,
    > = std::sync::LazyLock::new(std::sync::Mutex::default);
    let mut compiled = COMPILED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| regex::Regex::new(&format!("^(?:{pattern})$")).ok())
        .as_ref()
        .is_some_and(|re| re.is_match(text))
}

/// The values an upgrade sends: the new version's defaults, overlaid with the installed values
/// that differ from the old version's defaults (what was set outside plinth, e.g. in the
/// console), overlaid with the user's values. A default that moved between versions (an image
/// version) thus moves, and a value set outside plinth stays.
pub fn upgrade_values(
    old_defaults: &Json,
    new_defaults: &Json,
    installed: &Json,
    user: &Json,
) -> Json {
    let mut values = new_defaults.clone();
    if let Some(changed) = differing(installed, old_defaults) {
        overlay(&mut values, &changed);
    }
    overlay(&mut values, user);
    values
}

/// What of `installed` differs from `defaults`, key by key through objects (a key only in
/// `installed` differs); `None` when nothing.
pub fn differing(installed: &Json, defaults: &Json) -> Option<Json> {
    match (installed, defaults) {
        (Json::Object(installed), Json::Object(defaults)) => {
            let kept: Map<String, Json> = installed
                .iter()
                .filter_map(|(key, value)| match defaults.get(key) {
                    None => Some((key.clone(), value.clone())),
                    Some(default) => differing(value, default).map(|v| (key.clone(), v)),
                })
                .collect();
            (!kept.is_empty()).then_some(Json::Object(kept))
        }
        (installed, defaults) => (installed != defaults).then(|| installed.clone()),
    }
}

/// `over` onto `base`: objects key by key, anything else replaces; `null` is "not set" and
/// replaces nothing.
fn overlay(base: &mut Json, over: &Json) {
    match (base, over) {
        (_, Json::Null) => {}
        (Json::Object(base), Json::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) => overlay(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

/// What an upgrade planned with the catalogue sends: the parameters' attribute, the values
/// ([`upgrade_values`]), and the changes they make besides those written.
pub(crate) struct Upgrade {
    /// `values` or `inputs`.
    pub attribute: &'static str,
    /// What is sent, in full.
    pub sent: Json,
    /// The changes at paths the written ones do not already show.
    pub changes: Vec<AttributeChange>,
}

impl Upgrade {
    /// Puts what is sent into the planned object, so the plan's `after` is what the changes say.
    pub(crate) fn into_planned(self, after: &mut Value, changes: &mut Vec<AttributeChange>) {
        if let Value::Object(object) = after {
            object.insert(self.attribute.to_owned(), crate::plan::value_of(&self.sent));
        }
        changes.extend(self.changes);
    }
}

/// The planned object of an update: what the user wrote over what is there, for an upgrade
/// the values it sends ([`upgrade`]), then the parameters that return to their defaults
/// ([`Returns`]); their changes join `change`'s.
pub(crate) fn updated(
    schema: &TypeSpec,
    current: &Json,
    written: &ObjectMap,
    catalogue: &Catalogue,
    returns: Returns,
    change: &mut PlannedChange,
) -> Value {
    let mut after = crate::plan::updated_object(schema, current, written);
    if let Some(upgrade) = upgrade(schema, current, written, catalogue, &change.changes) {
        upgrade.into_planned(&mut after, &mut change.changes);
    }
    returns.into_planned(&mut after, &mut change.changes);
    after
}

/// The upgrade a planned update is, when it changes the version and the catalogue knows both
/// versions (not read, or `--no-refresh`: `None`, and apply computes what it sends). Parameters
/// with unknown or sensitive parts are left to apply too.
pub(crate) fn upgrade(
    schema: &TypeSpec,
    current: &Json,
    written: &ObjectMap,
    catalogue: &Catalogue,
    written_changes: &[AttributeChange],
) -> Option<Upgrade> {
    let (template, version) = (schema.template?, schema.version?);
    let text =
        |object: &Json, name: &str| object.get(name).and_then(Json::as_str).map(str::to_owned);
    let name = text(current, template.name)?;
    let old = text(current, version.running).or_else(|| text(current, version.wanted))?;
    let new = written.get(version.wanted)?.as_str()?.to_owned();
    if old == new || written.get(version.wanted).is_some_and(Value::is_sensitive) {
        return None;
    }
    let found = catalogue.template(schema.family, &name)?;
    let (old, new) = (found.version(&old)?, found.version(&new)?);
    let wanted = match written.get(template.parameters) {
        None => Json::Null,
        Some(value) if value.contains_unknown() || value.contains_sensitive() => return None,
        Some(value) => value.to_json()?,
    };
    let installed = current
        .get(template.parameters)
        .cloned()
        .unwrap_or(Json::Null);
    let sent = upgrade_values(&old.defaults, &new.defaults, &installed, &wanted);
    let mut changes = Vec::new();
    let mut path = vec![PathStep::Key(template.parameters.to_owned())];
    leaf_changes(&mut path, Some(&installed), &sent, &mut changes);
    changes.retain(|change: &AttributeChange| {
        !written_changes
            .iter()
            .any(|w| change.path.starts_with(&w.path) || w.path.starts_with(&change.path))
    });
    Some(Upgrade {
        attribute: template.parameters,
        sent,
        changes,
    })
}

fn leaf_changes(
    path: &mut Vec<PathStep>,
    before: Option<&Json>,
    after: &Json,
    out: &mut Vec<AttributeChange>,
) {
    match (before, after) {
        (Some(Json::Object(before)), Json::Object(after)) => {
            for (key, value) in after {
                path.push(PathStep::Key(key.clone()));
                leaf_changes(path, before.get(key), value, out);
                path.pop();
            }
        }
        (before, after) if before != Some(after) => out.push(AttributeChange {
            path: AttributePath::from_steps(path.clone()),
            before: before.cloned(),
            after: crate::plan::value_of(after),
            sensitive: false,
            forces_replacement: false,
            drift: false,
        }),
        _ => {}
    }
}

/// Runs the template checks on a finished plan: an error stops the plan (all of them, as code
/// frames); warnings and the catalogue reads still wanted go with the plan.
pub(crate) fn finish(
    config: &Configuration,
    mut plan: Plan,
    observed: &crate::Observations,
) -> Result<Plan, crate::PlanError> {
    let checked = check(config, &plan, observed);
    if checked.diagnostics.has_errors() {
        return Err(crate::PlanError::Configuration(checked.diagnostics));
    }
    plan.set_template_findings(checked.wanted, checked.diagnostics);
    Ok(plan)
}

/// What the template checks of a plan found.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// Catalogue reads needed before the checks can run.
    pub wanted: Vec<WantedCatalogue>,
    /// Errors and warnings, each at its place in the configuration.
    pub diagnostics: Diagnostics,
}

/// Checks every add-on and plug-in the plan installs, upgrades or changes against the
/// catalogue: the template exists, has the version, supports the cluster's version, the cluster
/// or pool exists, and the parameters written are keys of the template with the types of its
/// defaults. What it needs and the catalogue lacks is asked for instead.
pub(crate) fn check(
    config: &Configuration,
    plan: &Plan,
    observed: &crate::Observations,
) -> Checked {
    let mut checked = Checked::default();
    let mut seen: BTreeSet<(String, Option<usize>, Option<usize>)> = BTreeSet::new();
    let mut wanted: BTreeSet<WantedCatalogue> = BTreeSet::new();
    for change in plan.changes() {
        let Some(spec) = registry::find(Mode::Managed, change.address.type_name()) else {
            continue;
        };
        let Some(attributes) = spec.template else {
            continue;
        };
        let Some(scope) = Scope::of(change) else {
            continue;
        };
        let Some(resource) = config.resource(&change.address.resource()) else {
            continue;
        };
        // Each object is checked against its own region's catalogue.
        let provider = resource.provider();
        let catalogue = observed.catalogue(provider);
        let needed = [
            CatalogueRead::Templates(spec.family),
            CatalogueRead::Containers(spec.family),
        ];
        let missing: Vec<WantedCatalogue> = needed
            .into_iter()
            .filter(|read| !catalogue.has(*read))
            .map(|read| WantedCatalogue {
                provider: provider.map(str::to_owned),
                read,
            })
            .collect();
        if !missing.is_empty() {
            wanted.extend(missing);
            continue;
        }
        let mut found = Vec::new();
        let version_written = spec
            .version
            .is_some_and(|v| resource.attributes().contains_key(v.wanted));
        check_change(
            &Subject {
                spec,
                attributes,
                change,
                scope,
                catalogue,
                version_written,
            },
            &mut found,
        );
        for problem in found {
            let path: Vec<&str> = problem.path.iter().map(String::as_str).collect();
            let mut diagnostic = config.error_at(resource, &path, problem.message);
            if let Some(hint) = problem.hint {
                diagnostic = diagnostic.with_hint(hint);
            }
            if problem.warning {
                diagnostic = diagnostic.into_warning();
            }
            let key = (
                diagnostic.message().to_owned(),
                diagnostic.line(),
                diagnostic.column(),
            );
            if seen.insert(key) {
                checked.diagnostics.push(diagnostic);
            }
        }
    }
    checked.wanted = wanted.into_iter().collect();
    checked
}

/// What of a planned change the checks look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A new object (create, replace): everything written.
    Everything,
    /// An update: only the paths that change.
    Changes,
}

impl Scope {
    fn of(change: &PlannedChange) -> Option<Self> {
        match change.action {
            Action::Create | Action::Replace { .. } => Some(Self::Everything),
            Action::Update | Action::Import { then_update: true } => Some(Self::Changes),
            _ => None,
        }
    }
}

struct Subject<'a> {
    spec: &'static TypeSpec,
    attributes: TemplateAttributes,
    change: &'a PlannedChange,
    scope: Scope,
    catalogue: &'a Catalogue,
    /// Whether the configuration writes the version (else the newest is installed).
    version_written: bool,
}

/// One problem, before it gets its place in the configuration.
struct Problem {
    /// Attribute, then keys: where it points.
    path: Vec<String>,
    message: String,
    hint: Option<String>,
    warning: bool,
}

impl Problem {
    fn error(path: Vec<String>, message: String, hint: Option<String>) -> Self {
        Self {
            path,
            message,
            hint,
            warning: false,
        }
    }
}

/// The planned object of a change, as the checks read it.
struct Planned<'a> {
    after: &'a ObjectMap,
}

impl Planned<'_> {
    /// The text of a string attribute (sensitive ones too: they are checked).
    fn text(&self, name: &str) -> Option<String> {
        self.after
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    fn is_sensitive(&self, name: &str) -> bool {
        self.after.get(name).is_some_and(Value::is_sensitive)
    }

    /// `text` as a message may show it: a sensitive value never is.
    fn shown(&self, name: &str, text: &str) -> String {
        if self.is_sensitive(name) {
            "(sensitive value)".to_owned()
        } else {
            text.to_owned()
        }
    }
}

fn check_change(subject: &Subject<'_>, out: &mut Vec<Problem>) {
    let Some(after) = subject.change.after.as_ref().map(PlannedObject::value) else {
        return;
    };
    let Some(after) = after.as_object() else {
        return;
    };
    let planned = Planned { after };
    let container_version = check_container(subject, &planned, out);
    let Some((found, template)) = check_template(subject, &planned, out) else {
        return;
    };
    if subject.version_changes()
        && let Some(cluster_version) = &container_version
        && !found.supports(cluster_version)
    {
        out.push(unsupported(
            subject,
            &planned,
            template,
            found,
            cluster_version,
        ));
    }
    check_parameters(subject, &planned, found, out);
}

impl Subject<'_> {
    /// Whether the version is checked: on a create, or when an update changes it.
    fn version_changes(&self) -> bool {
        let version_attribute = self.spec.version.map_or("version", |v| v.wanted);
        self.scope == Scope::Everything
            || self
                .change
                .changes
                .iter()
                .any(|c| c.path.attribute_name() == Some(version_attribute))
    }
}

/// Checks that the cluster or pool exists (on a create); answers its Kubernetes version.
fn check_container(
    subject: &Subject<'_>,
    planned: &Planned<'_>,
    out: &mut Vec<Problem>,
) -> Option<String> {
    let name = subject.attributes.container;
    let container = planned.text(name)?;
    let containers = subject.catalogue.containers.get(&subject.spec.family)?;
    if let Some(version) = containers.get(&container) {
        return version.clone();
    }
    if subject.scope == Scope::Everything {
        let what = container_noun(subject.spec.family);
        let names: Vec<&str> = containers.keys().map(String::as_str).collect();
        out.push(Problem::error(
            vec![name.to_owned()],
            format!(
                "{what} `{}` does not exist in this project and region",
                planned.shown(name, &container)
            ),
            (!planned.is_sensitive(name)).then(|| suggestion(&container, &names, what)),
        ));
    }
    None
}

/// Checks that the template exists and has the version; answers the version and its template.
fn check_template<'c>(
    subject: &Subject<'c>,
    planned: &Planned<'_>,
    out: &mut Vec<Problem>,
) -> Option<(&'c TemplateVersion, &'c Template)> {
    let (spec, catalogue) = (subject.spec, subject.catalogue);
    let name_attribute = subject.attributes.name;
    let name = planned.text(name_attribute)?;
    let Some(template) = catalogue.template(spec.family, &name) else {
        if subject.scope == Scope::Everything {
            let names: Vec<&str> = catalogue
                .templates
                .get(&spec.family)
                .map(|all| all.iter().map(|t| t.name.as_str()).collect())
                .unwrap_or_default();
            out.push(Problem::error(
                vec![name_attribute.to_owned()],
                format!(
                    "there is no {} template `{}`",
                    family_noun(spec.family),
                    planned.shown(name_attribute, &name)
                ),
                (!planned.is_sensitive(name_attribute))
                    .then(|| suggestion(&name, &names, "template")),
            ));
        }
        return None;
    };
    let version_attribute = spec.version.map_or("version", |v| v.wanted);
    let version = match planned.text(version_attribute) {
        Some(version) => version,
        // Known only after apply.
        None if subject.version_written => return None,
        // No version: the newest is installed.
        None => template.versions.last()?.version.clone(),
    };
    if let Some(found) = template.version(&version) {
        return Some((found, template));
    }
    if subject.version_changes() {
        let versions: Vec<&str> = template
            .versions
            .iter()
            .map(|v| v.version.as_str())
            .collect();
        out.push(Problem::error(
            vec![version_attribute.to_owned()],
            format!(
                "template `{name}` has no version `{}`",
                planned.shown(version_attribute, &version)
            ),
            Some(format!("its versions are {}", versions.join(", "))),
        ));
    }
    None
}

/// A version that does not support the cluster's Kubernetes version.
fn unsupported(
    subject: &Subject<'_>,
    planned: &Planned<'_>,
    template: &Template,
    found: &TemplateVersion,
    cluster_version: &str,
) -> Problem {
    let version_attribute = subject.spec.version.map_or("version", |v| v.wanted);
    let container_attribute = subject.attributes.container;
    let name = &template.name;
    let supporting: Vec<&str> = template
        .versions
        .iter()
        .filter(|v| v.supports(cluster_version))
        .map(|v| v.version.as_str())
        .collect();
    let hint = if supporting.is_empty() {
        format!("no version of `{name}` supports Kubernetes {cluster_version}")
    } else {
        format!(
            "the versions of `{name}` that support Kubernetes {cluster_version} are {}",
            supporting.join(", ")
        )
    };
    Problem::error(
        vec![version_attribute.to_owned()],
        format!(
            "`{name}` {} does not support the Kubernetes version of cluster `{}` ({cluster_version}); it supports {}",
            planned.shown(version_attribute, &found.version),
            planned.shown(
                container_attribute,
                &planned.text(container_attribute).unwrap_or_default()
            ),
            found.cluster_versions.join(", ")
        ),
        Some(hint),
    )
}

/// Checks the parameter keys and types written (a create) or changed (an update).
fn check_parameters(
    subject: &Subject<'_>,
    planned: &Planned<'_>,
    found: &TemplateVersion,
    out: &mut Vec<Problem>,
) {
    let attribute = subject.attributes.parameters;
    // Keys of a sensitive object are as secret as its values: not checked, so never shown.
    let Some(parameters) = planned.after.get(attribute).filter(|p| !p.is_sensitive()) else {
        return;
    };
    let mut path = vec![attribute.to_owned()];
    match subject.scope {
        Scope::Everything => check_keys(&mut path, parameters, &found.defaults, out),
        Scope::Changes => {
            for changed in &subject.change.changes {
                if changed.path.attribute_name() != Some(attribute) {
                    continue;
                }
                let steps = &changed.path.steps()[1..];
                check_path(&mut path, steps, parameters, &found.defaults, out);
            }
        }
    }
}

/// Checks every key written in `written` (an object) against `defaults`, recursively.
fn check_keys(path: &mut Vec<String>, written: &Value, defaults: &Json, out: &mut Vec<Problem>) {
    if written.is_sensitive() {
        return;
    }
    let (Some(written), Json::Object(defaults)) = (written.as_object(), defaults) else {
        check_type(path, written, defaults, out);
        return;
    };
    for (key, value) in written {
        path.push(key.clone());
        match defaults.get(key) {
            Some(default) => check_keys(path, value, default, out),
            None => unknown_key(path, defaults, out),
        }
        path.pop();
    }
}

/// Checks the keys along `steps` of `written` against `defaults`: what an update changes.
fn check_path(
    path: &mut Vec<String>,
    steps: &[PathStep],
    written: &Value,
    defaults: &Json,
    out: &mut Vec<Problem>,
) {
    if written.is_sensitive() {
        return;
    }
    let Some((PathStep::Key(key), rest)) = steps.split_first() else {
        check_type(path, written, defaults, out);
        return;
    };
    let (Some(object), Json::Object(defaults)) = (written.as_object(), defaults) else {
        return;
    };
    let Some(value) = object.get(key) else {
        return;
    };
    let before = path.len();
    path.push(key.clone());
    match defaults.get(key) {
        Some(default) => check_path(path, rest, value, default, out),
        None => unknown_key(path, defaults, out),
    }
    path.truncate(before);
}

/// A written key the template does not have: a near miss of one it has is an error, anything
/// else a warning (the template may accept keys its defaults do not show).
fn unknown_key(path: &[String], defaults: &Map<String, Json>, out: &mut Vec<Problem>) {
    let Some(key) = path.last() else {
        return;
    };
    let shown = path[1..].join(".");
    if let Some(near) = near_miss(key, defaults.keys().map(String::as_str)) {
        out.push(Problem::error(
            path.to_vec(),
            format!("`{shown}` is not a parameter of the template"),
            Some(format!("did you mean `{near}`?")),
        ));
    } else {
        let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
        out.push(Problem {
            path: path.to_vec(),
            message: format!(
                "`{shown}` is not among the template's default parameters; it is sent as written"
            ),
            hint: (!known.is_empty())
                .then(|| format!("the template's parameters here are {}", known.join(", "))),
            warning: true,
        });
    }
}

/// A written value whose type contradicts the template default's.
fn check_type(path: &[String], written: &Value, default: &Json, out: &mut Vec<Problem>) {
    if written.is_sensitive() {
        return;
    }
    let written_type = match written {
        Value::Null | Value::Unknown | Value::Sensitive(_) => return,
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::List(_) | Value::Set(_) => "list",
        Value::Object(_) => "object",
    };
    let default_type = match default {
        Json::Null => return,
        Json::Bool(_) => "bool",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "list",
        Json::Object(_) => "object",
    };
    if written_type != default_type {
        let shown = path[1..].join(".");
        out.push(Problem::error(
            path.to_vec(),
            format!(
                "`{shown}` is a {default_type} in the template (default {}), not a {written_type}",
                truncated(default)
            ),
            None,
        ));
    }
}

fn truncated(value: &Json) -> String {
    let text = value.to_string();
    if text.chars().count() > 40 {
        let cut: String = text.chars().take(37).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The known name closest to `name` when it is close enough to be a typo: at most one edit
/// (insertion, deletion, substitution or transposition) away, two for names of eight characters
/// or more. A longer or shorter name of its own (`driver_version` beside `driver`) is no typo.
fn near_miss<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let allowed = if name.chars().count() >= 8 { 2 } else { 1 };
    known
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), candidate))
        .filter(|(distance, _)| *distance > 0 && *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn suggestion(name: &str, known: &[&str], what: &str) -> String {
    match near_miss(name, known.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None if known.is_empty() => format!("this project has no {what}"),
        None => format!("the {what}s are {}", known.join(", ")),
    }
}

fn container_noun(family: ApiFamily) -> &'static str {
    match family {
        ApiFamily::Addons(plinth_core::AddonApi::Cce) => "CCE cluster",
        ApiFamily::Addons(plinth_core::AddonApi::Autopilot) => "CCE Autopilot cluster",
        ApiFamily::PoolPlugins => "resource pool",
    }
}

fn family_noun(family: ApiFamily) -> &'static str {
    match family {
        ApiFamily::Addons(plinth_core::AddonApi::Cce) => "CCE add-on",
        ApiFamily::Addons(plinth_core::AddonApi::Autopilot) => "CCE Autopilot add-on",
        ApiFamily::PoolPlugins => "ModelArts plug-in",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn upgrade_moves_defaults_and_keeps_what_was_set_outside() {
        let old = json!({"basic": {"image_version": "1.28.6", "swr": "a"}, "custom": {"servers": 1, "stub_domains": {}}});
        let new = json!({"basic": {"image_version": "1.30.6", "swr": "a"}, "custom": {"servers": 1, "stub_domains": {}, "fresh": true}});
        let installed = json!({
            "basic": {"image_version": "1.28.6", "swr": "a"},
            "custom": {"servers": 1, "stub_domains": {"corp": ["10.0.0.1"]}},
            "console": "set"
        });
        let user = json!({"custom": {"servers": 3}});
        assert_eq!(
            upgrade_values(&old, &new, &installed, &user),
            json!({
                "basic": {"image_version": "1.30.6", "swr": "a"},
                "custom": {"servers": 3, "stub_domains": {"corp": ["10.0.0.1"]}, "fresh": true},
                "console": "set"
            })
        );
    }

    #[test]
    fn nothing_written_is_nothing_overlaid() {
        let old = json!({"basic": {"image_version": "1.28.6"}});
        let new = json!({"basic": {"image_version": "1.30.6"}});
        let installed = json!({"basic": {"image_version": "1.28.6"}, "custom": {"a": 1}});
        assert_eq!(
            upgrade_values(&old, &new, &installed, &Json::Null),
            json!({"basic": {"image_version": "1.30.6"}, "custom": {"a": 1}})
        );
        assert_eq!(
            upgrade_values(&old, &new, &installed, &json!({"custom": {"a": null}})),
            json!({"basic": {"image_version": "1.30.6"}, "custom": {"a": 1}})
        );
        assert_eq!(differing(&installed, &installed), None);
    }

    #[test]
    fn near_misses_are_typos_not_strangers() {
        let known = ["stub_domains", "upstream_nameservers", "servers"];
        assert_eq!(
            near_miss("stub_domain", known.iter().copied()),
            Some("stub_domains")
        );
        assert_eq!(
            near_miss("upstream_nameserver", known.iter().copied()),
            Some("upstream_nameservers")
        );
        assert_eq!(near_miss("my_own_flag", known.iter().copied()), None);
        assert_eq!(
            near_miss("driver_version", ["driver", "custom"].iter().copied()),
            None
        );
        assert_eq!(
            near_miss("swr_adr", ["swr_addr"].iter().copied()),
            Some("swr_addr")
        );
        assert_eq!(
            near_miss("corends", ["coredns", "everest"].iter().copied()),
            Some("coredns")
        );
    }

    #[test]
    fn support_is_a_full_match() {
        let version = TemplateVersion {
            version: "1.25.11".to_owned(),
            defaults: json!({}),
            cluster_versions: vec!["v1.2[3-7].*".to_owned()],
        };
        assert!(version.supports("v1.25"));
        assert!(!version.supports("v1.28"));
        assert!(!version.supports("xv1.25"));
    }
}

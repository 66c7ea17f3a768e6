//! Expansion: resources to instances (`count`, `for_each`) with evaluated attributes, and
//! outputs, given what is known about the cloud so far.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;

use crate::diagnostic::{Diagnostics, FileId, Location};
use crate::eval::{Context, Env, EvalError, Found, ModuleEnv, span};
use crate::model::{
    Configuration, Expr, InstanceKey, Lifecycle, Mode, Node, Reference, Resource, ResourceAddress,
    Timeouts,
};
use crate::modules::{NodeIndex, module_value};
use crate::redact::SENSITIVE;

use crate::schema::{convert, schema};
use crate::value::{ObjectMap, Value, compact_object};
use plinth_core::{Presence, TypeSpec};

/// What is known about resource instances: their attributes as the cloud reports them.
///
/// The planner answers from refreshed state and data source reads; apply answers again as
/// resources are created. An instance whose attributes are not known yet answers `None`:
/// references to its computed attributes then evaluate to [`Value::Unknown`].
pub trait ResourceValues {
    /// The attributes of `instance`, when known.
    fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap>;
}

/// Nothing is known: every computed attribute is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoValues;

impl ResourceValues for NoValues {
    fn attributes(&self, _: &ResourceAddress) -> Option<ObjectMap> {
        None
    }
}

impl ResourceValues for BTreeMap<ResourceAddress, ObjectMap> {
    fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
        self.get(instance).cloned()
    }
}

/// One instance of a resource or data source, with its attributes evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInstance {
    /// `type.name[key]`.
    pub address: ResourceAddress,
    /// The attributes the user set, evaluated and converted to the schema's types (unset and
    /// null attributes are absent). Values may be unknown or sensitive.
    pub attributes: ObjectMap,
    /// References to other resources and data sources in its expressions.
    pub references: Vec<Reference>,
    /// Its explicit `depends_on`.
    pub depends_on: Vec<ResourceAddress>,
    /// The `lifecycle` block.
    pub lifecycle: Lifecycle,
    /// The `timeouts` block.
    pub timeouts: Timeouts,
    /// Where its block starts.
    pub location: Location,
}

impl ResourceInstance {
    /// Managed or data.
    pub fn mode(&self) -> Mode {
        self.address.mode()
    }

    /// The resource type.
    pub fn resource_type(&self) -> &str {
        self.address.type_name()
    }

    /// The block's name.
    pub fn name(&self) -> &str {
        self.address.name()
    }

    /// The instance key: none without `count` or `for_each`.
    pub fn key(&self) -> Option<&InstanceKey> {
        self.address.key()
    }

    /// Every resource or data source it depends on: references and `depends_on`, deduplicated.
    pub fn dependencies(&self) -> BTreeSet<ResourceAddress> {
        self.references
            .iter()
            .map(|r| r.address.clone())
            .chain(self.depends_on.iter().cloned())
            .filter(|a| *a != self.address.resource())
            .collect()
    }
}

/// An output, evaluated.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputValue {
    /// Its name.
    pub name: String,
    /// Its value (may be unknown, or contain sensitive parts).
    pub value: Value,
    /// Whether the output is `sensitive = true`.
    pub sensitive: bool,
    /// Where its block starts.
    pub location: Location,
}

/// Expands every resource and data source into instances, evaluating their attributes with
/// what `known` says. `count` or `for_each` that depend on unknown values are errors.
pub fn expand(
    config: &Configuration,
    known: &dyn ResourceValues,
) -> Result<Vec<ResourceInstance>, Diagnostics> {
    let evaluated = evaluate(config, known, UnknownRepetition::Error);
    evaluated.diagnostics.into_result(evaluated.instances)
}

/// Expands the resources and data sources at `addresses` into instances, as [`expand`] does,
/// evaluating only them and the locals and resources they refer to, transitively: the rest of
/// the configuration is not evaluated, and its mistakes are not reported. Only the instances of
/// `addresses` are answered, in the configuration's order; an address the configuration does
/// not have is ignored.
pub fn expand_resources(
    config: &Configuration,
    addresses: &[ResourceAddress],
    known: &dyn ResourceValues,
) -> Result<Vec<ResourceInstance>, Diagnostics> {
    let evaluated = evaluate_scope(
        config,
        known,
        UnknownRepetition::Error,
        Scope::Resources(addresses),
        &mut |_, _| {},
    );
    evaluated.diagnostics.into_result(evaluated.instances)
}

/// Evaluates every output with what `known` says, and only what the outputs refer to
/// (locals, resources, transitively): the rest of the configuration is not evaluated.
pub fn evaluate_outputs(
    config: &Configuration,
    known: &dyn ResourceValues,
) -> Result<Vec<OutputValue>, Diagnostics> {
    let evaluated = evaluate_scope(
        config,
        known,
        UnknownRepetition::Error,
        Scope::Outputs,
        &mut |_, _| {},
    );
    evaluated.diagnostics.into_result(evaluated.outputs)
}

/// What an evaluation evaluates and answers.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// Every local, resource and output.
    All,
    /// The outputs, and what they refer to; no instances are answered.
    Outputs,
    /// These resources, and what they refer to; only their instances are answered, no outputs.
    Resources(&'a [ResourceAddress]),
}

/// Which locals, resources and module inputs and outputs an evaluation of `scope` needs,
/// indexed as [`node_index`]; `None` when it needs all of them.
fn needed(config: &Configuration, scope: Scope<'_>) -> Option<Vec<bool>> {
    if let Scope::All = scope {
        return None;
    }
    let index = NodeIndex::new(config);
    let mut work: Vec<Node> = Vec::new();
    match scope {
        Scope::All => {}
        Scope::Outputs => {
            for output in &config.outputs {
                index.expr_edges(0, &output.value, &mut work);
            }
        }
        Scope::Resources(addresses) => {
            let resources: HashMap<&ResourceAddress, usize> = config
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| (&r.address, i))
                .collect();
            work.extend(
                addresses
                    .iter()
                    .filter_map(|a| resources.get(a).map(|&i| Node::Resource(i))),
            );
        }
    }
    let mut needed = vec![false; node_count(config)];
    while let Some(node) = work.pop() {
        let slot = &mut needed[node_index(config, node)];
        if *slot {
            continue;
        }
        *slot = true;
        work.extend(index.edges(node));
    }
    Some(needed)
}

/// How many nodes [`node_index`] numbers.
fn node_count(config: &Configuration) -> usize {
    config.locals.len() + config.resources.len() + 2 * config.scopes.len()
}

/// The position of a node in the flags of [`needed`]: locals first, then resources, then the
/// inputs and the outputs of each module instance.
fn node_index(config: &Configuration, node: Node) -> usize {
    let resources = config.locals.len();
    let inputs = resources + config.resources.len();
    let outputs = inputs + config.scopes.len();
    match node {
        Node::Local(i) => i,
        Node::Resource(i) => resources + i,
        Node::Inputs(i) => inputs + i,
        Node::Outputs(i) => outputs + i,
    }
}

pub(crate) struct Evaluated {
    /// The root module's locals.
    pub locals: ObjectMap,
    /// The variables of each module instance (the root's first).
    pub scope_variables: Vec<ObjectMap>,
    /// The locals of each module instance (the root's first).
    pub scope_locals: Vec<ObjectMap>,
    pub instances: Vec<ResourceInstance>,
    pub outputs: Vec<OutputValue>,
    pub diagnostics: Diagnostics,
}

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Repetition {
    Single,
    Count,
    ForEach,
}

struct Expanded {
    schema: Option<&'static TypeSpec>,
    repetition: Repetition,
    /// `None` when `count` or `for_each` is unknown.
    instances: Option<Vec<(Option<InstanceKey>, ObjectMap)>>,
    /// With `for_each`: the position of each instance in `instances`, by key.
    by_key: HashMap<String, usize>,
}

impl Expanded {
    /// A resource whose `count` or `for_each` is not known.
    fn unknown(schema: Option<&'static TypeSpec>, repetition: Repetition) -> Expanded {
        Expanded {
            schema,
            repetition,
            instances: None,
            by_key: HashMap::new(),
        }
    }
}

/// What an evaluation does with a `count` or `for_each` whose value is not known yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnknownRepetition {
    /// An error: planning and apply need to know every instance.
    Error,
    /// Not an error, the resource is skipped: the checks made at load.
    Skip,
}

/// Evaluates locals, resources and outputs in dependency order. A `count` or `for_each` that is
/// unknown is an error or skips its resource, as `unknowns` says.
pub(crate) fn evaluate(
    config: &Configuration,
    known: &dyn ResourceValues,
    unknowns: UnknownRepetition,
) -> Evaluated {
    evaluate_scope(config, known, unknowns, Scope::All, &mut |_, _| {})
}

/// Calls `visit` with each module instance (0: the root) and the environment its expressions
/// are evaluated in (its variables and locals, every resource with what `known` says), once the
/// whole configuration is evaluated: the conditions ([`crate::conditions`]) are evaluated there.
pub(crate) fn with_environment(
    config: &Configuration,
    known: &dyn ResourceValues,
    visit: &mut dyn FnMut(usize, &Env<'_>),
) {
    evaluate_scope(config, known, UnknownRepetition::Skip, Scope::All, visit);
}

/// [`evaluate`] restricted to what `scope` needs.
fn evaluate_scope(
    config: &Configuration,
    known: &dyn ResourceValues,
    unknowns: UnknownRepetition,
    scope: Scope<'_>,
    visit: &mut dyn FnMut(usize, &Env<'_>),
) -> Evaluated {
    let needed = needed(config, scope);
    let is_needed = |node: Node| {
        needed
            .as_ref()
            .is_none_or(|needed| needed[node_index(config, node)])
    };
    // Per module instance: its variables, locals and (once evaluated) outputs.
    let mut variables: Vec<ObjectMap> = vec![ObjectMap::new(); config.scopes.len().max(1)];
    variables[0] = config
        .variables
        .iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect();
    let mut locals: Vec<ObjectMap> = vec![ObjectMap::new(); config.scopes.len().max(1)];
    let mut module_outputs: Vec<Option<ObjectMap>> = vec![None; config.scopes.len().max(1)];
    let mut expanded: BTreeMap<ResourceAddress, Expanded> = BTreeMap::new();
    let mut diagnostics = Diagnostics::new();
    let report = |diagnostics: &mut Diagnostics, file: FileId, e: EvalError| {
        report_eval_error(config, diagnostics, file, e);
    };
    for node in &config.order {
        if !is_needed(*node) {
            continue;
        }
        let resources = |address: &ResourceAddress, key: Option<&Value>| {
            Some(resource_value(&expanded, known, address, key))
        };
        let outputs_so_far = &module_outputs;
        let scope_of = node_scope(config, *node);
        let calls = |name: &str| module_value(config, outputs_so_far, scope_of, name);
        let env = scope_env(config, scope_of, &variables, &locals, &resources, &calls);
        match *node {
            Node::Local(i) => {
                let local = &config.locals[i];
                let value = Context::new(&env)
                    .eval(&local.expr.expr)
                    .unwrap_or_else(|e| {
                        report(&mut diagnostics, local.expr.file, e);
                        Value::Unknown
                    });
                locals[local.scope].insert(local.name.clone(), value);
            }
            Node::Resource(i) => {
                let resource = &config.resources[i];
                let result = expand_resource(resource, &env, unknowns, &mut |file, e| {
                    report(&mut diagnostics, file, e);
                });
                expanded.insert(resource.address.clone(), result);
            }
            Node::Inputs(s) => {
                let values = crate::modules::evaluate_inputs(config, s, &env, &mut diagnostics);
                variables[s] = values;
            }
            Node::Outputs(s) => {
                let values = scope_outputs(config, s, &env, &mut diagnostics);
                module_outputs[s] = Some(values);
            }
        }
    }
    let resources = |address: &ResourceAddress, key: Option<&Value>| {
        Some(resource_value(&expanded, known, address, key))
    };
    for module in 0..config.scopes.len().max(1) {
        let calls = |name: &str| module_value(config, &module_outputs, module, name);
        let env = scope_env(config, module, &variables, &locals, &resources, &calls);
        visit(module, &env);
    }
    let calls = |name: &str| module_value(config, &module_outputs, 0, name);
    let env = scope_env(config, 0, &variables, &locals, &resources, &calls);
    let outputs = output_values(config, &env, scope, &mut diagnostics);
    let instances = take_instances(config, scope, &mut expanded);
    diagnostics.dedup();
    let root_locals = locals.first().cloned().unwrap_or_default();
    Evaluated {
        locals: root_locals,
        scope_variables: variables,
        scope_locals: locals,
        instances,
        outputs,
        diagnostics,
    }
}

/// The module instance whose names a node's expressions use: a module's inputs are written
/// in its caller.
fn node_scope(config: &Configuration, node: Node) -> usize {
    match node {
        Node::Local(i) => config.locals[i].scope,
        Node::Resource(i) => config.resources[i].scope,
        Node::Inputs(s) => config.scopes[s].call.map_or(0, |c| config.calls[c].scope),
        Node::Outputs(s) => s,
    }
}

/// The names an expression of module instance `scope` sees.
pub(crate) fn scope_env<'a>(
    config: &'a Configuration,
    scope: usize,
    variables: &'a [ObjectMap],
    locals: &'a [ObjectMap],
    resources: &'a dyn Fn(&ResourceAddress, Option<&Value>) -> Option<Found>,
    calls: &'a dyn Fn(&str) -> Option<Value>,
) -> Env<'a> {
    let module = config.scopes.get(scope);
    Env {
        variables: &variables[scope],
        locals: &locals[scope],
        resources,
        dir: module
            .and_then(|m| m.dir.as_deref())
            .or(config.dir.as_deref()),
        module: module.map(|m| ModuleEnv {
            path: &m.path,
            calls,
            root: config.dir.as_deref(),
        }),
    }
}

/// The outputs of module instance `s`, evaluated in `env` (its own names).
fn scope_outputs(
    config: &Configuration,
    s: usize,
    env: &Env<'_>,
    diagnostics: &mut Diagnostics,
) -> ObjectMap {
    let mut values = ObjectMap::new();
    for output in &config.scopes[s].outputs {
        let value = match Context::new(env).eval(&output.value.expr) {
            Ok(value) => value,
            Err(e) => {
                report_eval_error(config, diagnostics, output.value.file, e);
                Value::Unknown
            }
        };
        if value.contains_sensitive() && !output.sensitive {
            let diagnostic = config
                .error(
                    output.value.file,
                    &span(&output.value.expr),
                    format!(
                        "output `{}` of module `{}` shows a sensitive value but is not marked sensitive",
                        output.name,
                        config.scopes[s].path.to_string().trim_end_matches('.')
                    ),
                )
                .with_hint("add `sensitive = true` to the output block");
            diagnostics.push(diagnostic);
        }
        let value = if output.sensitive {
            value.mark_sensitive()
        } else {
            value
        };
        values.insert(output.name.clone(), value);
    }
    values
}

/// Reports an error of evaluation: undeclared names and misplaced `each` or `count` are left to
/// the static checks of `load`, which find them all.
fn report_eval_error(
    config: &Configuration,
    diagnostics: &mut Diagnostics,
    file: FileId,
    e: EvalError,
) {
    if !e.is_static {
        diagnostics.push(e.into_diagnostic(config.source(file)));
    }
}

/// The outputs `scope` asks for, evaluated in `env` (where locals and resources are done).
fn output_values(
    config: &Configuration,
    env: &Env<'_>,
    scope: Scope<'_>,
    diagnostics: &mut Diagnostics,
) -> Vec<OutputValue> {
    let mut outputs = Vec::new();
    let all_outputs: &[crate::model::Output] = match scope {
        Scope::All | Scope::Outputs => &config.outputs,
        Scope::Resources(_) => &[],
    };
    for output in all_outputs {
        let value = match Context::new(env).eval(&output.value.expr) {
            Ok(value) => value,
            Err(e) => {
                report_eval_error(config, diagnostics, output.value.file, e);
                continue;
            }
        };
        if value.contains_sensitive() && !output.sensitive {
            let diagnostic = config
                .error(
                    output.value.file,
                    &span(&output.value.expr),
                    format!(
                        "output `{}` shows a sensitive value but is not marked sensitive",
                        output.name
                    ),
                )
                .with_hint("add `sensitive = true` to the output block");
            diagnostics.push(diagnostic);
        }
        outputs.push(OutputValue {
            name: output.name.clone(),
            value,
            sensitive: output.sensitive,
            location: output.location.clone(),
        });
    }
    outputs
}

/// The instances `scope` asks for, in the configuration's order, taken out of `expanded`.
fn take_instances(
    config: &Configuration,
    scope: Scope<'_>,
    expanded: &mut BTreeMap<ResourceAddress, Expanded>,
) -> Vec<ResourceInstance> {
    // The instances are moved out of `expanded` once nothing refers to it any more: a copy of
    // every instance's attributes doubled the memory of a large configuration.
    let mut instances = Vec::new();
    for node in &config.order {
        let Node::Resource(i) = *node else { continue };
        let resource = &config.resources[i];
        let answered = match scope {
            Scope::All => true,
            Scope::Outputs => false,
            Scope::Resources(addresses) => addresses.contains(&resource.address),
        };
        if !answered {
            continue;
        }
        let Some(result) = expanded.remove(&resource.address) else {
            continue;
        };
        for (key, attributes) in result.instances.into_iter().flatten() {
            instances.push(ResourceInstance {
                address: resource.address.clone().with_key(key),
                attributes,
                references: resource.references.clone(),
                depends_on: resource
                    .depends_on
                    .iter()
                    .map(|d| d.address.clone())
                    .collect(),
                lifecycle: resource.lifecycle.clone(),
                timeouts: resource.timeouts,
                location: resource.location.clone(),
            });
        }
    }
    instances
}

/// What a reference to `address` evaluates to: an object per instance (a list of them with
/// `count`, a map with `for_each`), each the user's attributes over what is known, computed
/// attributes unknown until known. With the `key` of the reference's first index, only the
/// instance it names, when there is one.
fn resource_value(
    expanded: &BTreeMap<ResourceAddress, Expanded>,
    known: &dyn ResourceValues,
    address: &ResourceAddress,
    key: Option<&Value>,
) -> Found {
    let Some(state) = expanded.get(address) else {
        return Found::Whole(Value::Unknown);
    };
    let Some(instances) = &state.instances else {
        return Found::Whole(Value::Unknown);
    };
    let schema = state.schema;
    let object = |key: &Option<InstanceKey>, attributes: &ObjectMap| {
        let instance = address.clone().with_key(key.clone());
        let mut object = known.attributes(&instance).unwrap_or_default();
        for attribute in schema.map_or(&[][..], |s| s.attributes) {
            if !object.contains_key(attribute.name) {
                let value = if attribute.presence == Presence::Computed {
                    Value::Unknown
                } else {
                    Value::Null
                };
                object.insert(attribute.name.to_owned(), value);
            }
        }
        for (name, value) in attributes {
            let merged = match object.remove(name) {
                Some(known) => merge_over(known, value.clone()),
                None => value.clone(),
            };
            object.insert(name.clone(), merged);
        }
        Value::Object(object)
    };
    // Only an unmarked key that names an instance is answered alone; anything else (a missing
    // key, a key of the wrong type) indexes the whole value, which says what is wrong.
    let position = match (state.repetition, key) {
        (Repetition::ForEach, Some(Value::String(key))) => state.by_key.get(key).copied(),
        (Repetition::Count, Some(key @ Value::Number(_))) => key
            .as_i64()
            .and_then(|i| usize::try_from(i).ok())
            .filter(|&i| i < instances.len()),
        _ => None,
    };
    if let Some((key, attributes)) = position.and_then(|i| instances.get(i)) {
        return Found::Instance(object(key, attributes));
    }
    Found::Whole(match state.repetition {
        Repetition::Single => instances
            .first()
            .map_or(Value::Unknown, |(k, a)| object(k, a)),
        Repetition::Count => Value::List(instances.iter().map(|(k, a)| object(k, a)).collect()),
        Repetition::ForEach => Value::Object(
            instances
                .iter()
                .map(|(k, a)| {
                    let name = match k {
                        Some(InstanceKey::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    (name, object(k, a))
                })
                .collect(),
        ),
    })
}

/// The user's value over the known one: objects merge key by key (keys only the cloud has, such
/// as those its server fills in, keep their known value); anything else the user wrote replaces
/// the known value. Where the known value is unknown the user's value stands as written: what the
/// user set is known before apply. A merge of marked values is marked.
fn merge_over(known: Value, user: Value) -> Value {
    let (known, known_marked) = known.unmark();
    let (user, user_marked) = user.unmark();
    let (merged, marked) = match (known, user) {
        (Value::Object(mut object), Value::Object(user)) => {
            for (key, value) in user {
                let merged = match object.remove(&key) {
                    Some(known) => merge_over(known, value),
                    None => value,
                };
                object.insert(key, merged);
            }
            (Value::Object(object), known_marked || user_marked)
        }
        (_, user) => (user, user_marked),
    };
    if marked {
        merged.mark_sensitive()
    } else {
        merged
    }
}

/// The key of one instance, with its `each` (key, value) or `count.index`.
pub(crate) type InstanceSeed = (Option<InstanceKey>, Option<(Value, Value)>, Option<i64>);

/// The instances of one resource: the keys its `count` or `for_each` gives, then the
/// attributes of each instance evaluated and converted to the schema's types.
fn expand_resource(
    resource: &Resource,
    env: &Env<'_>,
    unknowns: UnknownRepetition,
    report: &mut dyn FnMut(FileId, EvalError),
) -> Expanded {
    let file = resource.file;
    let mut report = |e: EvalError| report(file, e);
    let schema = schema(resource.mode(), resource.resource_type());
    let (repetition, seeds) = match instance_seeds(resource, env, unknowns, &mut report) {
        Ok(seeds) => seeds,
        Err(repetition) => return Expanded::unknown(schema, repetition),
    };
    let instances: Vec<(Option<InstanceKey>, ObjectMap)> = seeds
        .into_iter()
        .map(|(key, each, count_index)| {
            let seed = (&key, &each, count_index);
            let attributes = instance_attributes(resource, schema, env, seed, &mut report);
            (key, attributes)
        })
        .collect();
    let by_key = match repetition {
        Repetition::ForEach => instances
            .iter()
            .enumerate()
            .filter_map(|(i, (key, _))| match key {
                Some(InstanceKey::String(key)) => Some((key.clone(), i)),
                _ => None,
            })
            .collect(),
        Repetition::Single | Repetition::Count => HashMap::new(),
    };
    Expanded {
        schema,
        repetition,
        instances: Some(instances),
        by_key,
    }
}

/// The instances a resource's `count` or `for_each` asks for, or, when they are not known (or
/// wrong, which is reported), the repetition to record the resource as unknown with.
pub(crate) fn instance_seeds(
    resource: &Resource,
    env: &Env<'_>,
    unknowns: UnknownRepetition,
    report: &mut dyn FnMut(EvalError),
) -> Result<(Repetition, Vec<InstanceSeed>), Repetition> {
    if let Some(count) = &resource.count {
        let seeds = count_seeds(&resource.address, count, env, unknowns, report);
        seeds
            .map(|seeds| (Repetition::Count, seeds))
            .ok_or(Repetition::Single)
    } else if let Some(for_each) = &resource.for_each {
        let seeds = for_each_seeds(&resource.address, for_each, env, unknowns, report)?;
        Ok((Repetition::ForEach, seeds))
    } else {
        Ok((Repetition::Single, vec![(None, None, None)]))
    }
}

/// The most instances one resource (or data source) may have, by `count` or `for_each`
/// (docs/language.md, "Limits"): the size of the largest configuration plinth is measured with
/// (N = 10000 in docs/benchmarks.md, within 150 MB), far below what exhausts memory.
pub(crate) const MAX_INSTANCES: usize = 10_000;

/// The error for a `count` or `for_each` (`meta`) that asks for more than [`MAX_INSTANCES`]
/// (`what` it is), of a resource, a data source or an `import` block (whose imports are
/// instances of resources).
pub(crate) fn too_many_instances(meta: &str, what: &str, range: Range<usize>) -> EvalError {
    EvalError::new(
        range,
        format!(
            "`{meta}` is {what}: more than the limit of {MAX_INSTANCES} instances of one resource"
        ),
    )
    .with_hint("split the instances across several resources")
}

/// The error for a `count` or `for_each` (`meta`) that is not known yet where it must be.
fn unknown_repetition(meta: &str, address: &ResourceAddress, range: Range<usize>) -> EvalError {
    EvalError::new(range, format!("`{meta}` of `{address}` depends on values that are not known until apply"))
        .with_hint("use values known before apply (variables, locals, data sources), or apply the resources it depends on first with `--target`")
}

/// The instances of a module call's `count` or `for_each`, evaluated when the configuration is
/// loaded: `None` when they are wrong (reported) or not known then (reported: a module's
/// instances must be known before planning).
pub(crate) fn call_seeds(
    call: &crate::modules::ModuleCall,
    env: &Env<'_>,
    report: &mut dyn FnMut(EvalError),
) -> Option<Vec<InstanceSeed>> {
    let Ok(address) = ResourceAddress::managed("module", &call.name) else {
        return None;
    };
    let (meta, expr) = match (&call.count, &call.for_each) {
        (Some(count), _) => ("count", count),
        (None, Some(for_each)) => ("for_each", for_each),
        (None, None) => return Some(vec![(None, None, None)]),
    };
    let unknown = Context::new(env)
        .eval(&expr.expr)
        .is_ok_and(|value| value.contains_unknown());
    if unknown {
        report(
            EvalError::new(
                span(&expr.expr),
                format!(
                    "`{meta}` of module `{}` must be known when the configuration is loaded",
                    call.name
                ),
            )
            .with_hint("use variables, locals and literals in a module's `count` and `for_each`, not resource or data source attributes"),
        );
        return None;
    }
    if call.count.is_some() {
        count_seeds(&address, expr, env, UnknownRepetition::Error, report)
    } else {
        for_each_seeds(&address, expr, env, UnknownRepetition::Error, report).ok()
    }
}

/// The instances of `count`: `None` when it is unknown or not a whole number of them.
fn count_seeds(
    address: &ResourceAddress,
    count: &Expr,
    env: &Env<'_>,
    unknowns: UnknownRepetition,
    report: &mut dyn FnMut(EvalError),
) -> Option<Vec<InstanceSeed>> {
    let range = span(&count.expr);
    let (value, sensitive) = match Context::new(env).eval(&count.expr).map(Value::unmark) {
        Ok(evaluated) => evaluated,
        Err(e) => {
            report(e);
            return None;
        }
    };
    // A sensitive `count` is accepted, as Terraform accepts it (its instances show how many there
    // are, their keys are only numbers); a message about it never shows it.
    let shown = |text: String| {
        if sensitive {
            SENSITIVE.to_owned()
        } else {
            text
        }
    };
    if matches!(value, Value::Unknown) {
        if unknowns == UnknownRepetition::Error {
            report(unknown_repetition("count", address, range));
        }
        return None;
    }
    match value.as_i64() {
        Some(n) if n < 0 => {
            report(EvalError::new(
                range,
                format!(
                    "`count` must not be negative, found {}",
                    shown(n.to_string())
                ),
            ));
            None
        }
        Some(n) if n.unsigned_abs() > MAX_INSTANCES as u64 => {
            report(too_many_instances("count", &shown(n.to_string()), range));
            None
        }
        Some(n) => Some(
            (0..n)
                // `i` counts up from 0: its absolute value is itself.
                .map(|i| (Some(InstanceKey::Int(i.unsigned_abs())), None, Some(i)))
                .collect(),
        ),
        None => {
            report(EvalError::new(
                range,
                format!(
                    "`count` must be a whole number, found {}",
                    shown(describe(&value))
                ),
            ));
            None
        }
    }
}

/// The instances of `for_each`, or the repetition to record the resource as unknown with.
fn for_each_seeds(
    address: &ResourceAddress,
    for_each: &Expr,
    env: &Env<'_>,
    unknowns: UnknownRepetition,
    report: &mut dyn FnMut(EvalError),
) -> Result<Vec<InstanceSeed>, Repetition> {
    let range = span(&for_each.expr);
    match Context::new(env).eval(&for_each.expr).map(Value::unmark) {
        Err(e) => report(e),
        Ok((_, true)) => report(EvalError::sensitive_for_each(range)),
        Ok((Value::Unknown, _)) => {
            if unknowns == UnknownRepetition::Error {
                report(unknown_repetition("for_each", address, range));
            }
        }
        Ok((Value::Object(map), _)) if map.len() > MAX_INSTANCES => {
            report(too_many_instances(
                "for_each",
                &format!("a map of {} keys", map.len()),
                range,
            ));
        }
        Ok((Value::Set(items), _)) if items.len() > MAX_INSTANCES => {
            report(too_many_instances(
                "for_each",
                &format!("a set of {} elements", items.len()),
                range,
            ));
        }
        Ok((Value::Object(map), _)) => {
            return Ok(map
                .into_iter()
                .map(|(k, v)| {
                    (
                        Some(InstanceKey::String(k.clone())),
                        Some((Value::String(k), v)),
                        None,
                    )
                })
                .collect());
        }
        Ok((Value::Set(items), _)) => {
            return set_seeds(address, items, range, unknowns, report);
        }
        Ok((Value::List(_), _)) => {
            report(EvalError::new(range, "`for_each` needs a map or a set of strings, found a list")
                .with_hint("convert the list with `toset(...)`, e.g. `for_each = toset([\"pool-a\", \"pool-b\"])`"));
        }
        Ok((other, _)) => {
            let hint = if matches!(other, Value::Number(_)) {
                "to create several copies from a number, use `count`"
            } else {
                "use a map or `toset([...])`"
            };
            report(
                EvalError::new(
                    range,
                    format!(
                        "`for_each` needs a map or a set of strings, found {}",
                        describe(&other)
                    ),
                )
                .with_hint(hint),
            );
        }
    }
    Err(Repetition::Single)
}

/// The instances of `for_each` over a set, which must hold known strings.
fn set_seeds(
    address: &ResourceAddress,
    items: Vec<Value>,
    range: Range<usize>,
    unknowns: UnknownRepetition,
    report: &mut dyn FnMut(EvalError),
) -> Result<Vec<InstanceSeed>, Repetition> {
    let mut keys = Vec::new();
    for item in items {
        if item.is_sensitive() {
            report(EvalError::sensitive_for_each(range));
            return Err(Repetition::ForEach);
        }
        match item.unmarked() {
            Value::String(s) => keys.push((
                Some(InstanceKey::String(s.clone())),
                Some((item.clone(), item.clone())),
                None,
            )),
            Value::Unknown => {
                if unknowns == UnknownRepetition::Error {
                    report(unknown_repetition("for_each", address, range));
                }
                return Err(Repetition::ForEach);
            }
            other => {
                report(EvalError::new(
                    range,
                    format!(
                        "`for_each` over a set needs strings, found an element of type {}",
                        other.type_name()
                    ),
                ));
                return Err(Repetition::ForEach);
            }
        }
    }
    Ok(keys)
}

/// The attributes of one instance (its key, `each` and `count.index`), evaluated and
/// converted to the types of the schema; an attribute that fails is reported and left out.
fn instance_attributes(
    resource: &Resource,
    schema: Option<&'static TypeSpec>,
    env: &Env<'_>,
    (key, each, count_index): (&Option<InstanceKey>, &Option<(Value, Value)>, Option<i64>),
    report: &mut dyn FnMut(EvalError),
) -> ObjectMap {
    let address = &resource.address;
    let kind = if resource.mode() == Mode::Data {
        "data source"
    } else {
        "resource"
    };
    let mut attributes = ObjectMap::new();
    for (name, expr) in &resource.attributes {
        let mut context = Context::new(env);
        context.each.clone_from(each);
        context.count_index = count_index;
        let value = match context.eval(&expr.expr) {
            Ok(value) => value,
            Err(e) => {
                report(e);
                continue;
            }
        };
        let Some(attribute) = schema.and_then(|s| s.attribute(name)) else {
            continue;
        };
        if value.is_null() {
            if attribute.presence == Presence::Required {
                report(EvalError::new(
                    span(&expr.expr),
                    format!(
                        "required attribute `{name}` of {kind} `{}` is null",
                        address.clone().with_key(key.clone())
                    ),
                ));
            }
            continue;
        }
        match convert(attribute.ty, value) {
            Ok(value) => {
                attributes.insert(name.clone(), value);
            }
            Err(message) => report(EvalError::new(
                span(&expr.expr),
                format!("wrong type for `{name}` in {kind} `{address}`: {message}"),
            )),
        }
    }
    compact_object(attributes)
}

fn describe(value: &Value) -> String {
    match value {
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string `{s}`"),
        other => format!("{} value", other.type_name()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Diagnostic, SourceFile};
    use crate::load::{Sources, load_sources};

    const MAIN: &str = r#"
data "huaweicloud_modelarts_pool_plugins" "all" {
  pool_name = "pool-a"
}

resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = toset(data.huaweicloud_modelarts_pool_plugins.all.plugins)
  pool_name     = "pool-a"
  template_name = each.key
  inputs        = { dns = huaweicloud_cce_addon.dns.id, cluster = huaweicloud_cce_addon.dns.cluster_id }
}

output "dns_id" {
  value = huaweicloud_cce_addon.dns.id
}
"#;

    fn config() -> Configuration {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", MAIN)],
            ..Sources::default()
        })
        .unwrap()
    }

    fn instance(resource: ResourceAddress, key: Option<InstanceKey>) -> ResourceAddress {
        resource.with_key(key)
    }

    #[test]
    fn unknown_for_each_is_an_error_only_when_expanding() {
        let diagnostics = expand(&config(), &NoValues).unwrap_err();
        assert_eq!(
            diagnostics.iter().next().unwrap().message(),
            "`for_each` of `huaweicloud_modelarts_pool_plugin.gpu` depends on values that are not known until apply"
        );
    }

    #[test]
    fn known_values_flow_into_references() {
        let mut known = BTreeMap::new();
        known.insert(
            instance(
                ResourceAddress::data("huaweicloud_modelarts_pool_plugins", "all").unwrap(),
                None,
            ),
            ObjectMap::from_iter([(
                "plugins".to_owned(),
                Value::List(vec![Value::string("gpu-beta"), Value::string("volcano")]),
            )]),
        );
        let instances = expand(&config(), &known).unwrap();
        let gpu: Vec<&ResourceInstance> = instances.iter().filter(|i| i.name() == "gpu").collect();
        assert_eq!(gpu.len(), 2);
        assert_eq!(
            gpu[0].key(),
            Some(&InstanceKey::String("gpu-beta".to_owned()))
        );
        // The user's own attributes are known before apply; computed ones are not.
        let inputs = gpu[0].attributes[&"inputs".to_owned()].as_object().unwrap();
        assert_eq!(inputs[&"cluster".to_owned()], Value::string("c1"));
        assert_eq!(inputs[&"dns".to_owned()], Value::Unknown);
        let dependencies: Vec<String> = gpu[0]
            .dependencies()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            dependencies,
            [
                "huaweicloud_cce_addon.dns",
                "data.huaweicloud_modelarts_pool_plugins.all"
            ]
        );

        // Once the add-on exists, its id is known too.
        known.insert(
            instance(
                ResourceAddress::managed("huaweicloud_cce_addon", "dns").unwrap(),
                None,
            ),
            ObjectMap::from_iter([("id".to_owned(), Value::string("addon-1"))]),
        );
        let instances = expand(&config(), &known).unwrap();
        let gpu = instances.iter().find(|i| i.name() == "gpu").unwrap();
        assert_eq!(
            gpu.attributes[&"inputs".to_owned()].as_object().unwrap()[&"dns".to_owned()],
            Value::string("addon-1")
        );
        let outputs = evaluate_outputs(&config(), &known).unwrap();
        assert_eq!(outputs[0].value, Value::string("addon-1"));
    }

    const VALUES: &str = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  values        = { flavor = { replicas = 2 }, custom = { stub = ["10.0.0.1"] } }
}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  inputs = {
    # Keys the user did not write exist only once the cloud reports them: `try` lets the
    # configuration load before that.
    cluster_ip = try(huaweicloud_cce_addon.dns.values.basic.cluster_ip, "none")
    replicas   = huaweicloud_cce_addon.dns.values.flavor.replicas
    cpu        = try(huaweicloud_cce_addon.dns.values.flavor.cpu, "none")
    stub       = huaweicloud_cce_addon.dns.values.custom.stub
  }
}
"#;

    /// The `inputs` of `gpu` when the add-on's known attributes are `known`.
    fn gpu_inputs(known: ObjectMap) -> ObjectMap {
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", VALUES)],
            ..Sources::default()
        })
        .unwrap();
        let known = BTreeMap::from([(
            instance(
                ResourceAddress::managed("huaweicloud_cce_addon", "dns").unwrap(),
                None,
            ),
            known,
        )]);
        let instances = expand(&config, &known).unwrap();
        let gpu = instances.iter().find(|i| i.name() == "gpu").unwrap();
        gpu.attributes[&"inputs".to_owned()]
            .as_object()
            .unwrap()
            .clone()
    }

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    #[test]
    fn reference_sees_server_filled_keys_under_user_values() {
        let known = ObjectMap::from_iter([(
            "values".to_owned(),
            object(&[
                (
                    "basic",
                    object(&[("cluster_ip", Value::string("10.247.3.10"))]),
                ),
                (
                    "flavor",
                    object(&[("replicas", Value::int(3)), ("cpu", Value::int(500))]),
                ),
                (
                    "custom",
                    object(&[(
                        "stub",
                        Value::List(vec![Value::string("10.0.0.1"), Value::string("10.0.0.2")]),
                    )]),
                ),
            ]),
        )]);
        let inputs = gpu_inputs(known);
        // A key only the cloud has keeps its known value, at any depth.
        assert_eq!(
            inputs[&"cluster_ip".to_owned()],
            Value::string("10.247.3.10")
        );
        assert_eq!(inputs[&"cpu".to_owned()], Value::int(500));
        // What the user wrote wins: scalars and lists replace the known ones.
        assert_eq!(inputs[&"replicas".to_owned()], Value::int(2));
        assert_eq!(
            inputs[&"stub".to_owned()],
            Value::List(vec![Value::string("10.0.0.1")])
        );
    }

    #[test]
    fn reference_to_a_key_unknown_in_the_known_values_is_unknown() {
        let known = ObjectMap::from_iter([(
            "values".to_owned(),
            object(&[
                ("basic", Value::Unknown),
                ("flavor", object(&[("cpu", Value::Unknown)])),
            ]),
        )]);
        let inputs = gpu_inputs(known);
        assert_eq!(inputs[&"cluster_ip".to_owned()], Value::Unknown);
        assert_eq!(inputs[&"cpu".to_owned()], Value::Unknown);
        assert_eq!(inputs[&"replicas".to_owned()], Value::int(2));

        // Where the whole attribute is unknown, what the user wrote is still known.
        let inputs = gpu_inputs(ObjectMap::from_iter([(
            "values".to_owned(),
            Value::Unknown,
        )]));
        assert_eq!(inputs[&"replicas".to_owned()], Value::int(2));
    }

    #[test]
    fn merged_values_keep_sensitive_marks() {
        let known =
            object(&[("token", Value::string("s3cret")), ("a", Value::int(1))]).mark_sensitive();
        let merged = merge_over(known, object(&[("a", Value::int(2))]));
        assert_eq!(
            merged,
            object(&[("a", Value::int(2)), ("token", Value::string("s3cret"))]).mark_sensitive()
        );
        let merged = merge_over(
            object(&[("a", Value::int(1))]),
            object(&[("b", Value::int(2))]).mark_sensitive(),
        );
        assert!(merged.is_sensitive());
    }

    const INDEXED: &str = r#"
variable "which" {
  default = "b"
}

resource "huaweicloud_cce_addon" "many" {
  for_each      = toset(["a", "b", "c"])
  cluster_id    = "c-${each.key}"
  template_name = "everest"
}

resource "huaweicloud_cce_addon" "counted" {
  count         = 2
  cluster_id    = "n-${count.index}"
  template_name = "everest"
}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  inputs = {
    literal  = huaweicloud_cce_addon.many["a"].cluster_id
    variable = huaweicloud_cce_addon.many[var.which].cluster_id
    whole    = { for k, v in huaweicloud_cce_addon.many : k => v }[var.which]
    one      = huaweicloud_cce_addon.many[var.which]
    counted  = huaweicloud_cce_addon.counted[1].cluster_id
    legacy   = huaweicloud_cce_addon.counted.0.cluster_id
    id       = huaweicloud_cce_addon.many["c"].id
  }
}
"#;

    fn load_text(text: &str) -> Result<Configuration, Diagnostics> {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", text)],
            ..Sources::default()
        })
    }

    #[test]
    fn indexed_reference_finds_the_instance_alone_with_the_same_value() {
        let known = BTreeMap::from([(
            instance(
                ResourceAddress::managed("huaweicloud_cce_addon", "many").unwrap(),
                Some(InstanceKey::String("c".to_owned())),
            ),
            ObjectMap::from_iter([("id".to_owned(), Value::string("uid-c"))]),
        )]);
        let instances = expand(&load_text(INDEXED).unwrap(), &known).unwrap();
        let gpu = instances.iter().find(|i| i.name() == "gpu").unwrap();
        let inputs = gpu.attributes[&"inputs".to_owned()].as_object().unwrap();
        assert_eq!(inputs[&"literal".to_owned()], Value::string("c-a"));
        assert_eq!(inputs[&"variable".to_owned()], Value::string("c-b"));
        assert_eq!(inputs[&"one".to_owned()], inputs[&"whole".to_owned()]);
        assert_eq!(inputs[&"counted".to_owned()], Value::string("n-1"));
        assert_eq!(inputs[&"legacy".to_owned()], Value::string("n-0"));
        assert_eq!(inputs[&"id".to_owned()], Value::string("uid-c"));
    }

    #[test]
    fn indexed_reference_to_a_missing_instance_says_so() {
        for (index, message) in [
            (r#"many["zz"]"#, "object has no key `zz`"),
            (
                "counted[5]",
                "index 5 is out of range for a list of 2 elements",
            ),
            (
                r#"counted["x"]"#,
                "a list index must be a whole number, found string",
            ),
        ] {
            let text = INDEXED.replace(r#"many["c"].id"#, &format!("{index}.id"));
            let diagnostics = load_text(&text).unwrap_err();
            let messages: Vec<&str> = diagnostics.iter().map(Diagnostic::message).collect();
            assert_eq!(messages, [message], "{index}");
        }
    }

    const PARTIAL: &str = r#"
variable "n" {
  default = 2
}

locals {
  prefix = "c-${var.n}"
  name   = "${local.prefix}-dns"
  other  = data.huaweicloud_modelarts_pool_plugins.all.plugins
}

data "huaweicloud_modelarts_pool_plugins" "all" {
  pool_name = "pool-a"
}

resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = local.name
  template_name = "coredns"
}

resource "huaweicloud_cce_addon" "chained" {
  count         = var.n
  cluster_id    = huaweicloud_cce_addon.dns.id
  template_name = "everest-${count.index}"
}

resource "huaweicloud_modelarts_pool_plugin" "unrelated" {
  for_each      = toset(local.other)
  pool_name     = "pool-a"
  template_name = each.key
}

output "chained" {
  value = huaweicloud_cce_addon.chained[1].cluster_id
}

output "name" {
  value = local.name
}
"#;

    /// Known values that remember which instances were asked for.
    struct Counting {
        known: BTreeMap<ResourceAddress, ObjectMap>,
        asked: std::cell::RefCell<Vec<ResourceAddress>>,
    }

    impl ResourceValues for Counting {
        fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
            self.asked.borrow_mut().push(instance.clone());
            self.known.attributes(instance)
        }
    }

    /// The add-on `dns` known, and the plug-ins of the data source when `plugins`.
    fn partial_known(plugins: bool) -> Counting {
        let mut known = BTreeMap::from([(
            instance(
                ResourceAddress::managed("huaweicloud_cce_addon", "dns").unwrap(),
                None,
            ),
            ObjectMap::from_iter([("id".to_owned(), Value::string("addon-1"))]),
        )]);
        if plugins {
            known.insert(
                instance(
                    ResourceAddress::data("huaweicloud_modelarts_pool_plugins", "all").unwrap(),
                    None,
                ),
                ObjectMap::from_iter([(
                    "plugins".to_owned(),
                    Value::List(vec![Value::string("gpu-beta")]),
                )]),
            );
        }
        Counting {
            known,
            asked: std::cell::RefCell::new(Vec::new()),
        }
    }

    fn asked_data_source(known: &Counting) -> bool {
        known.asked.borrow().iter().any(|i| i.mode() == Mode::Data)
    }

    #[test]
    fn outputs_evaluate_only_what_they_refer_to() {
        let config = load_text(PARTIAL).unwrap();
        // The whole configuration cannot be expanded: `unrelated` needs the data source.
        let known = partial_known(false);
        let diagnostics = expand(&config, &known).unwrap_err();
        assert!(
            diagnostics
                .iter()
                .next()
                .unwrap()
                .message()
                .contains("unrelated"),
            "{diagnostics:?}"
        );
        // The outputs do not need it, nor the data source it reads.
        let known = partial_known(false);
        let outputs = evaluate_outputs(&config, &known).unwrap();
        assert!(!asked_data_source(&known));
        assert_eq!(outputs[0].value, Value::string("addon-1"));
        assert_eq!(outputs[1].value, Value::string("c-2-dns"));
        // With everything known, they are what the whole evaluation gives.
        let known = partial_known(true);
        assert_eq!(
            evaluate_outputs(&config, &known).unwrap(),
            evaluate(&config, &known, UnknownRepetition::Error).outputs
        );
    }

    #[test]
    fn chosen_resources_evaluate_only_what_they_refer_to() {
        let config = load_text(PARTIAL).unwrap();
        let chained = ResourceAddress::managed("huaweicloud_cce_addon", "chained").unwrap();
        let known = partial_known(false);
        let instances = expand_resources(&config, std::slice::from_ref(&chained), &known).unwrap();
        assert!(!asked_data_source(&known));
        let names: Vec<String> = instances.iter().map(|i| i.address.to_string()).collect();
        assert_eq!(
            names,
            [
                "huaweicloud_cce_addon.chained[0]",
                "huaweicloud_cce_addon.chained[1]"
            ]
        );
        assert_eq!(
            instances[1].attributes[&"cluster_id".to_owned()],
            Value::string("addon-1")
        );
        // The same instances as the whole expansion, for any choice.
        let known = partial_known(true);
        let all = expand(&config, &known).unwrap();
        let unrelated =
            ResourceAddress::managed("huaweicloud_modelarts_pool_plugin", "unrelated").unwrap();
        for chosen in [
            vec![chained.clone()],
            vec![unrelated.clone(), chained.clone()],
            vec![ResourceAddress::managed("huaweicloud_cce_addon", "dns").unwrap()],
        ] {
            let some = expand_resources(&config, &chosen, &known).unwrap();
            let expected: Vec<&ResourceInstance> = all
                .iter()
                .filter(|i| chosen.contains(&i.address.resource()))
                .collect();
            assert_eq!(some.iter().collect::<Vec<_>>(), expected, "{chosen:?}");
        }
        // A chosen resource that cannot be evaluated says so.
        let known = partial_known(false);
        assert!(expand_resources(&config, &[unrelated], &known).is_err());
    }
}

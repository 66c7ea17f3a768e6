//! Local modules: the `module` calls of a configuration and the module instances they make.
//!
//! A module call (`module "dns" { source = "./modules/dns" ... }`) is expanded when the
//! configuration is loaded: its `count` or `for_each` may use variables, locals and literals (not
//! resource attributes), so every instance, and so every address, is known before planning. Each
//! instance is a *scope* ([`ModuleScope`]) with its own variables (the call's inputs, evaluated
//! in the caller), locals, resources and outputs; its resources' addresses carry its path
//! (`module.dns["c1"].huaweicloud_cce_addon.coredns`), so the planner, the state and apply see
//! plain addresses and need nothing else. The root module is scope 0.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use plinth_core::{InstanceKey, ModulePath, ResourceAddress};

use crate::diagnostic::{Diagnostics, FileId};
use crate::eval::{Context, Env, span};
use crate::model::{Configuration, Expr, Node, Output, Reference, Variable};
use crate::refs::{Target, references};
use crate::value::{ObjectMap, Value};

/// How a module call repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallRepetition {
    /// Neither `count` nor `for_each`: `module.NAME` is an object of outputs.
    Single,
    /// `count`: `module.NAME` is a list of them.
    Count,
    /// `for_each`: `module.NAME` is a map of them by key.
    ForEach,
}

/// A `module` block, in the module instance that holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModuleCall {
    /// The name in `module "NAME"`.
    pub name: String,
    /// The module instance the block is written in.
    pub scope: usize,
    pub file: FileId,
    /// The byte range of the block's `module` keyword.
    pub range: Range<usize>,
    /// The module's directory, relative to the root module's directory, without `.` or `..`
    /// steps that can be resolved.
    pub dir: PathBuf,
    pub count: Option<Expr>,
    pub for_each: Option<Expr>,
    /// `depends_on` entries naming resources, in the caller's module.
    pub depends_on: Vec<Reference>,
    /// The input variables, by name, with the range of the name.
    pub inputs: BTreeMap<String, (Expr, Range<usize>)>,
    /// The references of the inputs, `count` and `for_each`, resolved in the caller.
    pub references: Vec<Reference>,
    /// `providers = { huaweicloud = huaweicloud.ALIAS }`: the alias, `None` for the default.
    pub provider: Option<String>,
    /// Whether its instances were made.
    pub expanded: bool,
    pub repetition: CallRepetition,
}

/// One module instance: the root, or one instance of a `module` call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ModuleScope {
    /// Its path; empty for the root.
    pub path: ModulePath,
    /// Its directory, for `path.module`, `file()` and `templatefile()`.
    pub dir: Option<PathBuf>,
    /// The module call that made it (`None` for the root).
    pub call: Option<usize>,
    /// `each.key` and `each.value` of its call's `for_each`, for the inputs.
    pub each: Option<(Value, Value)>,
    /// `count.index` of its call's `count`, for the inputs.
    pub count_index: Option<i64>,
    /// Its `variable` blocks (the root's are `Configuration::variables`).
    pub variables: Vec<Variable>,
    /// Its `output` blocks (the root's are `Configuration::outputs`).
    pub outputs: Vec<Output>,
    /// The provider configuration its resources use by default: the alias, `None` for the
    /// default one.
    pub provider: Option<String>,
}

impl ModuleScope {
    /// The root module, in `dir`.
    pub fn root(dir: Option<PathBuf>) -> ModuleScope {
        ModuleScope {
            path: ModulePath::root(),
            dir,
            call: None,
            each: None,
            count_index: None,
            variables: Vec::new(),
            outputs: Vec::new(),
            provider: None,
        }
    }
}

/// The most module calls from the root down to one module instance.
pub(crate) const MAX_MODULE_DEPTH: usize = 16;

/// `base` joined with `source` with `.` and resolvable `..` steps removed.
pub(crate) fn module_dir(base: &Path, source: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for component in base.join(source).components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if matches!(
                    out.components().next_back(),
                    None | Some(Component::ParentDir)
                ) {
                    out.push("..");
                } else {
                    out.pop();
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The key of a module instance: what `module.NAME[KEY]` holds.
pub(crate) fn instance_key(scope: &ModuleScope) -> Option<&InstanceKey> {
    scope.path.steps().last().and_then(|step| step.key.as_ref())
}

/// The value of `module.NAME` in module instance `caller`: an object of the outputs of each
/// instance, a list of them (`count`) or a map of them by key (`for_each`). An instance whose
/// outputs are not evaluated reads as unknown. `None` when `caller` has no such call.
pub(crate) fn module_value(
    config: &Configuration,
    outputs: &[Option<ObjectMap>],
    caller: usize,
    name: &str,
) -> Option<Value> {
    let (index, call) = config
        .calls
        .iter()
        .enumerate()
        .find(|(_, call)| call.scope == caller && call.name == name)?;
    let instances = config
        .scopes
        .iter()
        .enumerate()
        .filter(|(_, scope)| scope.call == Some(index));
    let value_of = |i: usize| {
        outputs
            .get(i)
            .and_then(Option::as_ref)
            .map_or(Value::Unknown, |o| Value::Object(o.clone()))
    };
    if !call.expanded {
        return Some(Value::Unknown);
    }
    Some(match call.repetition {
        CallRepetition::Single => instances.map(|(i, _)| value_of(i)).next()?,
        CallRepetition::Count => Value::List(instances.map(|(i, _)| value_of(i)).collect()),
        CallRepetition::ForEach => Value::Object(
            instances
                .filter_map(|(i, scope)| match instance_key(scope) {
                    Some(InstanceKey::String(key)) => Some((key.clone(), value_of(i))),
                    _ => None,
                })
                .collect(),
        ),
    })
}

/// The module instances made by the calls named `name` in `caller`, and all below them.
pub(crate) fn descendants(config: &Configuration, caller: usize, name: &str) -> Vec<usize> {
    let mut found: Vec<usize> = Vec::new();
    let mut work: Vec<usize> = config
        .calls
        .iter()
        .enumerate()
        .filter(|(_, call)| call.scope == caller && call.name == name)
        .map(|(i, _)| i)
        .collect();
    while let Some(call) = work.pop() {
        for (i, scope) in config.scopes.iter().enumerate() {
            if scope.call == Some(call) {
                found.push(i);
                work.extend(
                    config
                        .calls
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| c.scope == i)
                        .map(|(j, _)| j),
                );
            }
        }
    }
    found.sort_unstable();
    found
}

/// Finds the nodes of the evaluation graph that expressions refer to: locals by module
/// instance and name, resources by address, the inputs and outputs of module instances.
pub(crate) struct NodeIndex<'c> {
    config: &'c Configuration,
    locals: HashMap<(usize, &'c str), usize>,
    resources: HashMap<&'c ResourceAddress, usize>,
}

impl<'c> NodeIndex<'c> {
    pub fn new(config: &'c Configuration) -> NodeIndex<'c> {
        NodeIndex {
            config,
            locals: config
                .locals
                .iter()
                .enumerate()
                .map(|(i, l)| ((l.scope, l.name.as_str()), i))
                .collect(),
            resources: config
                .resources
                .iter()
                .enumerate()
                .map(|(i, r)| (&r.address, i))
                .collect(),
        }
    }

    /// The nodes `expr`, written in module instance `scope`, refers to.
    pub fn expr_edges(&self, scope: usize, expr: &Expr, out: &mut Vec<Node>) {
        let path = &self.config.scopes[scope].path;
        for raw in references(&expr.expr) {
            match raw.target {
                Target::Local(name) => {
                    out.extend(
                        self.locals
                            .get(&(scope, name.as_str()))
                            .map(|&i| Node::Local(i)),
                    );
                }
                Target::Resource(address, _) => {
                    let address = address.with_module(path.clone());
                    out.extend(self.resources.get(&address).map(|&i| Node::Resource(i)));
                }
                Target::Variable(_) if scope != 0 => out.push(Node::Inputs(scope)),
                Target::Module(name) => out.extend(
                    self.config
                        .scopes
                        .iter()
                        .enumerate()
                        .filter(|(_, s)| {
                            s.call.is_some_and(|c| {
                                let call = &self.config.calls[c];
                                call.scope == scope && call.name == name
                            })
                        })
                        .map(|(i, _)| Node::Outputs(i)),
                ),
                _ => {}
            }
        }
    }

    /// What `node` must be evaluated after.
    pub fn edges(&self, node: Node) -> Vec<Node> {
        let config = self.config;
        let mut out = Vec::new();
        match node {
            Node::Local(i) => {
                let local = &config.locals[i];
                self.expr_edges(local.scope, &local.expr, &mut out);
            }
            Node::Resource(i) => {
                let resource = &config.resources[i];
                for expr in resource
                    .attributes
                    .values()
                    .chain(&resource.count)
                    .chain(&resource.for_each)
                {
                    self.expr_edges(resource.scope, expr, &mut out);
                }
                out.extend(
                    resource
                        .depends_on
                        .iter()
                        .filter_map(|d| self.resources.get(&d.address).map(|&i| Node::Resource(i))),
                );
            }
            Node::Inputs(s) => {
                if let Some(c) = config.scopes[s].call {
                    let call = &config.calls[c];
                    for (expr, _) in call.inputs.values() {
                        self.expr_edges(call.scope, expr, &mut out);
                    }
                }
            }
            Node::Outputs(s) => {
                for output in &config.scopes[s].outputs {
                    self.expr_edges(s, &output.value, &mut out);
                }
            }
        }
        out
    }
}

/// The variables of module instance `s`: each input evaluated in the caller (`env`, with the
/// instance's `each` and `count.index`), or the default; marked when the variable is
/// sensitive, converted to its type and validated. A value that fails is reported and unknown.
pub(crate) fn evaluate_inputs(
    config: &Configuration,
    s: usize,
    env: &Env<'_>,
    diagnostics: &mut Diagnostics,
) -> ObjectMap {
    let scope = &config.scopes[s];
    let Some(call) = scope.call.map(|c| &config.calls[c]) else {
        return ObjectMap::new();
    };
    let module = scope.path.to_string();
    let module = module.trim_end_matches('.');
    let mut values = ObjectMap::new();
    for variable in &scope.variables {
        let given = match call.inputs.get(&variable.name) {
            Some((expr, _)) => {
                let mut context = Context::new(env);
                context.each.clone_from(&scope.each);
                context.count_index = scope.count_index;
                context
                    .eval(&expr.expr)
                    .map(|value| (value, expr.file, span(&expr.expr)))
                    .map_err(|e| {
                        (!e.is_static).then(|| e.into_diagnostic(config.source(expr.file)))
                    })
            }
            None => variable
                .default
                .clone()
                .map(|default| (default, variable.file, variable.offset..variable.offset + 8))
                .ok_or(None),
        };
        let (value, file, range) = match given {
            Ok(given) => given,
            Err(diagnostic) => {
                if let Some(diagnostic) = diagnostic {
                    diagnostics.push(diagnostic);
                }
                values.insert(variable.name.clone(), Value::Unknown);
                continue;
            }
        };
        let value = if variable.sensitive {
            value.mark_sensitive()
        } else {
            value
        };
        let value = match &variable.type_constraint {
            Some(t) if !matches!(value, Value::Unknown) => match t.convert(value) {
                Ok(value) => value,
                Err(message) => {
                    let mut diagnostic = config.error(
                        file,
                        &range,
                        format!(
                            "invalid value for variable `{}` of module `{module}`: {message}",
                            variable.name
                        ),
                    );
                    if variable.sensitive {
                        diagnostic.hide_source();
                    }
                    diagnostics.push(diagnostic);
                    Value::Unknown
                }
            },
            _ => value,
        };
        validate_input(
            config,
            variable,
            &value,
            (file, &range),
            module,
            diagnostics,
        );
        values.insert(variable.name.clone(), value);
    }
    values
}

/// Checks an input's value against its variable's `validation` blocks.
fn validate_input(
    config: &Configuration,
    variable: &Variable,
    value: &Value,
    (file, range): (FileId, &Range<usize>),
    module: &str,
    diagnostics: &mut Diagnostics,
) {
    for validation in &variable.validations {
        let variables = ObjectMap::from_iter([(variable.name.clone(), value.clone())]);
        let locals = ObjectMap::new();
        let resources = |_: &ResourceAddress, _: Option<&Value>| None;
        let env = Env {
            variables: &variables,
            locals: &locals,
            resources: &resources,
            dir: None,
            module: None,
        };
        match Context::new(&env)
            .eval(&validation.condition.expr)
            .map(|v| v.unmark().0)
        {
            Ok(Value::Bool(true) | Value::Unknown) => {}
            Ok(Value::Bool(false)) => {
                let mut diagnostic = config
                    .error(
                        file,
                        range,
                        format!(
                            "invalid value for variable `{}` of module `{module}`: {}",
                            variable.name, validation.error_message
                        ),
                    )
                    .with_note(format!(
                        "the value fails the validation at {}",
                        validation.condition.location
                    ));
                if variable.sensitive {
                    diagnostic.hide_source();
                }
                diagnostics.push(diagnostic);
            }
            Ok(other) => diagnostics.push(config.error(
                validation.condition.file,
                &span(&validation.condition.expr),
                format!(
                    "a validation condition must be a bool, found {}",
                    other.type_name()
                ),
            )),
            Err(e) => {
                if !e.is_static {
                    diagnostics.push(e.into_diagnostic(config.source(validation.condition.file)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_dirs_are_normalised_relative_to_the_root() {
        let check = |base: &str, source: &str, expect: &str| {
            assert_eq!(module_dir(Path::new(base), source), PathBuf::from(expect));
        };
        check("", "./modules/dns", "modules/dns");
        check("modules/dns", "../shared", "modules/shared");
        check("modules/dns", "./inner/./x", "modules/dns/inner/x");
        check("", "../outside", "../outside");
        check("modules", "../../up", "../up");
    }
}

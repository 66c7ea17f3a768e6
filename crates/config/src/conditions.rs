//! Custom conditions, as in Terraform: `precondition` and `postcondition` blocks in a
//! resource's `lifecycle`, `check` blocks with `assert`s, and the lifecycle arguments that may
//! come from variables (`prevent_destroy = var.protect`).
//!
//! Parsing is here, with small hooks in `load`; evaluation runs in the environment every
//! expression of the configuration sees ([`crate::expand`]), once everything is evaluated:
//! [`evaluate_conditions`] for a plan (failed preconditions are errors, failed assertions
//! warnings), [`evaluate_postconditions`] for one instance after apply, `self` being the
//! applied object. A condition that is not known yet (it reads a value known only after apply)
//! is left for later, as Terraform does.

use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Structure};

use crate::diagnostic::{Diagnostic, Diagnostics, FileId, Location, SourceMap};
use crate::eval::{Context, Env, EvalError, span, value_to_string};
use crate::expand::{ResourceValues, UnknownRepetition};
use crate::model::{Configuration, Expr, Resource};
use crate::value::Value;
use plinth_core::ResourceAddress;

/// Which kind of condition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ConditionKind {
    /// Checked while planning, before the resource's change.
    Precondition,
    /// Checked after the resource is applied, with `self`.
    Postcondition,
    /// An `assert` of a `check` block: a warning when false.
    Assert,
}

impl ConditionKind {
    fn block_name(self) -> &'static str {
        match self {
            ConditionKind::Precondition => "precondition",
            ConditionKind::Postcondition => "postcondition",
            ConditionKind::Assert => "assert",
        }
    }
}

/// One condition: an expression that must be true, and the message when it is not.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    pub(crate) kind: ConditionKind,
    /// What must be true.
    pub(crate) test: Expr,
    pub(crate) error_message: Expr,
}

/// What a resource block's `lifecycle` adds besides the plain arguments: its conditions, and
/// `prevent_destroy` / `create_before_destroy` written as expressions, resolved once the
/// variables are known.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ResourceConditions {
    pub(crate) conditions: Vec<Condition>,
    pub(crate) lifecycle_expressions: Vec<(LifecycleArgument, Expr)>,
}

/// A lifecycle argument that may be written as an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifecycleArgument {
    PreventDestroy,
    CreateBeforeDestroy,
}

impl LifecycleArgument {
    fn name(self) -> &'static str {
        match self {
            LifecycleArgument::PreventDestroy => "prevent_destroy",
            LifecycleArgument::CreateBeforeDestroy => "create_before_destroy",
        }
    }
}

/// A `check "NAME" { assert { ... } }` block.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Check {
    pub(crate) name: String,
    pub(crate) asserts: Vec<Condition>,
    pub(crate) location: Location,
}

/// The blocks a `lifecycle` block may hold.
pub(crate) const LIFECYCLE_BLOCKS: &[&str] = &["precondition", "postcondition"];

/// Reads a `precondition` or `postcondition` block of a `lifecycle` block.
pub(crate) fn lifecycle_block(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    conditions: &mut ResourceConditions,
    diagnostics: &mut Diagnostics,
) {
    let kind = if block.ident.as_str() == "postcondition" {
        ConditionKind::Postcondition
    } else {
        ConditionKind::Precondition
    };
    if let Some(condition) = condition_block(sources, file, block, kind, diagnostics) {
        conditions.conditions.push(condition);
    }
}

/// Keeps `prevent_destroy = EXPR` (anything but a literal) to resolve once the variables are
/// known.
pub(crate) fn lifecycle_expression(
    sources: &SourceMap,
    file: FileId,
    name: &str,
    expr: &Expression,
    conditions: &mut ResourceConditions,
) {
    let argument = if name == "prevent_destroy" {
        LifecycleArgument::PreventDestroy
    } else {
        LifecycleArgument::CreateBeforeDestroy
    };
    conditions
        .lifecycle_expressions
        .push((argument, expr_at(sources, file, expr)));
}

fn expr_at(sources: &SourceMap, file: FileId, expr: &Expression) -> Expr {
    Expr {
        expr: expr.clone(),
        file,
        location: sources.location(file, span(expr).start),
    }
}

fn block_range(block: &Block) -> Range<usize> {
    block.span().unwrap_or(0..0)
}

/// A block of `condition` and `error_message`.
fn condition_block(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    kind: ConditionKind,
    diagnostics: &mut Diagnostics,
) -> Option<Condition> {
    let what = kind.block_name();
    let mut condition = None;
    let mut error_message = None;
    for structure in &block.body {
        match structure {
            Structure::Attribute(attribute) => match attribute.key.as_str() {
                "condition" => condition = Some(expr_at(sources, file, &attribute.value)),
                "error_message" => error_message = Some(expr_at(sources, file, &attribute.value)),
                other => diagnostics.push(
                    sources
                        .error(
                            file,
                            &attribute.key.span().unwrap_or(0..0),
                            format!("unknown attribute `{other}` in a `{what}` block"),
                        )
                        .with_hint(format!(
                            "a `{what}` block takes `condition` and `error_message`"
                        )),
                ),
            },
            Structure::Block(inner) => diagnostics.push(sources.error(
                file,
                &block_range(inner),
                format!(
                    "unexpected block `{}` in a `{what}` block",
                    inner.ident.as_str()
                ),
            )),
        }
    }
    let missing = |name: &str| {
        sources
            .error(
                file,
                &block_range(block),
                format!("missing required attribute `{name}` in a `{what}` block"),
            )
            .with_hint(format!(
                "a `{what}` block takes `condition` (true when all is well) and `error_message`"
            ))
    };
    match (condition, error_message) {
        (Some(test), Some(error_message)) => Some(Condition {
            kind,
            test,
            error_message,
        }),
        (None, _) => {
            diagnostics.push(missing("condition"));
            None
        }
        (_, None) => {
            diagnostics.push(missing("error_message"));
            None
        }
    }
}

/// Reads a top-level `check "NAME" { assert { ... } }` block.
pub(crate) fn check_block(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    checks: &mut Vec<Check>,
    diagnostics: &mut Diagnostics,
) {
    let range = block_range(block);
    let Some(name) = block.labels.first().map(|l| l.as_str().to_owned()) else {
        diagnostics.push(sources.error(
            file,
            &range,
            "a `check` block needs a name: `check \"NAME\" { ... }`",
        ));
        return;
    };
    let mut asserts = Vec::new();
    for structure in &block.body {
        match structure {
            Structure::Block(inner) if inner.ident.as_str() == "assert" => {
                asserts.extend(condition_block(
                    sources,
                    file,
                    inner,
                    ConditionKind::Assert,
                    diagnostics,
                ));
            }
            Structure::Block(inner) if inner.ident.as_str() == "data" => diagnostics.push(
                sources
                    .error(
                        file,
                        &block_range(inner),
                        "a scoped `data` block inside `check` is not supported",
                    )
                    .with_hint(
                        "declare the data source at the top level and refer to it in the `assert`",
                    ),
            ),
            Structure::Block(inner) => diagnostics.push(sources.error(
                file,
                &block_range(inner),
                format!(
                    "unexpected block `{}` in a `check` block",
                    inner.ident.as_str()
                ),
            )),
            Structure::Attribute(attribute) => diagnostics.push(
                sources
                    .error(
                        file,
                        &attribute.key.span().unwrap_or(0..0),
                        format!(
                            "unknown attribute `{}` in a `check` block",
                            attribute.key.as_str()
                        ),
                    )
                    .with_hint("a `check` block holds `assert` blocks"),
            ),
        }
    }
    if asserts.is_empty() {
        diagnostics.push(
            sources
                .error(
                    file,
                    &range,
                    format!("`check \"{name}\"` has no `assert` block"),
                )
                .with_hint("add `assert { condition = ... error_message = \"...\" }`"),
        );
        return;
    }
    checks.push(Check {
        name,
        asserts,
        location: sources.location(file, range.start),
    });
}

/// Resolves `prevent_destroy` and `create_before_destroy` written as expressions, with the
/// variables and the locals known at load. A reference to a resource is an error, and so is a
/// value not known (a local that reads a resource), as Terraform requires lifecycle arguments to
/// be known before anything is planned; `validate` without a variable's value leaves it false.
pub(crate) fn resolve_lifecycle(
    config: &mut Configuration,
    variables: &[crate::ObjectMap],
    locals: &[crate::ObjectMap],
    missing: crate::MissingVariables,
    diagnostics: &mut Diagnostics,
) {
    let resources = |_: &ResourceAddress, _: Option<&Value>| None;
    let calls = |_: &str| None;
    let mut resolved = Vec::new();
    for (i, resource) in config.resources.iter().enumerate() {
        // A resource's lifecycle reads the variables and locals of its own module instance.
        let env = crate::expand::scope_env(
            config,
            resource.scope,
            variables,
            locals,
            &resources,
            &calls,
        );
        for (argument, expr) in &resource.conditions.lifecycle_expressions {
            let name = argument.name();
            let error = |message: String| {
                config
                    .source(expr.file)
                    .error(&span(&expr.expr), message)
                    .with_hint(format!(
                        "`{name}` is decided when the configuration loads: write `true`, `false`, or an expression of variables and locals"
                    ))
            };
            if reads_resources(config, resource.scope, &expr.expr) {
                diagnostics.push(error(format!(
                    "`{name}` must be known when the configuration loads: it may refer only to variables and to locals of variables"
                )));
                continue;
            }
            match Context::new(&env).eval(&expr.expr).map(Value::unmark) {
                Ok((Value::Bool(b), _)) => resolved.push((i, *argument, b)),
                Ok((Value::Unknown, _)) if missing == crate::MissingVariables::Unknown => {}
                Ok((Value::Unknown, _)) => diagnostics.push(error(format!(
                    "`{name}` must be known when the configuration loads, but its value depends on values known only after apply"
                ))),
                Ok((other, _)) => diagnostics.push(error(format!(
                    "`{name}` must be a bool, found {}",
                    other.type_name()
                ))),
                Err(e) => diagnostics.push(e.into_diagnostic(config.source(expr.file))),
            }
        }
    }
    for (i, argument, value) in resolved {
        let lifecycle = &mut config.resources[i].lifecycle;
        match argument {
            LifecycleArgument::PreventDestroy => lifecycle.prevent_destroy = value,
            LifecycleArgument::CreateBeforeDestroy => lifecycle.create_before_destroy = value,
        }
    }
}

/// Whether `expr`, written in module instance `scope`, reads anything but variables and
/// constants, directly or through locals.
fn reads_resources(config: &Configuration, scope: usize, expr: &Expression) -> bool {
    let mut seen: Vec<String> = Vec::new();
    let mut pending = vec![expr.clone()];
    while let Some(expr) = pending.pop() {
        for reference in crate::refs::references(&expr) {
            match reference.target {
                crate::refs::Target::Variable(_) => {}
                crate::refs::Target::Local(name) => {
                    if seen.contains(&name) {
                        continue;
                    }
                    if let Some(local) = config
                        .locals
                        .iter()
                        .find(|l| l.scope == scope && l.name == name)
                    {
                        pending.push(local.expr.expr.clone());
                    }
                    seen.push(name);
                }
                _ => return true,
            }
        }
    }
    false
}

/// What the conditions of a plan found.
#[derive(Debug, Clone, Default)]
pub struct ConditionReport {
    /// Failed preconditions (and conditions that cannot be evaluated): the plan stops.
    pub errors: Diagnostics,
    /// Failed `check` assertions: warnings, the plan goes on.
    pub warnings: Diagnostics,
}

/// Whether the configuration has anything [`evaluate_conditions`] evaluates: a precondition or
/// a `check` block. A planner with nothing to evaluate need not gather the values they would
/// read.
pub fn has_plan_conditions(config: &Configuration) -> bool {
    !config.checks.is_empty()
        || config.resources.iter().any(|r| {
            r.conditions
                .conditions
                .iter()
                .any(|c| c.kind == ConditionKind::Precondition)
        })
}

/// Evaluates every precondition of every instance and every `check` assertion, with what is
/// known of the resources (`known`: the objects as planned). Conditions not known yet are left
/// for later.
pub fn evaluate_conditions(config: &Configuration, known: &dyn ResourceValues) -> ConditionReport {
    let mut report = ConditionReport::default();
    if !has_plan_conditions(config) {
        return report;
    }
    crate::expand::with_environment(config, known, &mut |scope, env| {
        for resource in config.resources.iter().filter(|r| r.scope == scope) {
            for_each_instance(resource, env, &mut |address, context| {
                for condition in &resource.conditions.conditions {
                    if condition.kind != ConditionKind::Precondition {
                        continue;
                    }
                    if let Some(d) = failed(config, condition, context, Some(address)) {
                        report.errors.push(d);
                    }
                }
            });
        }
        // `check` blocks are read in the root module only.
        for check in config.checks.iter().filter(|_| scope == 0) {
            for assert in &check.asserts {
                let mut context = Context::new(env);
                if let Some(d) = failed(config, assert, &mut context, None) {
                    let d = d.into_warning().with_note(format!(
                        "`check \"{}\"` ({}); a check warns, it does not stop the run",
                        check.name, check.location
                    ));
                    report.warnings.push(d);
                }
            }
        }
    });
    report
}

/// Evaluates the postconditions of one instance after apply, `self` being `object` (the
/// applied object); answers the failed ones.
pub fn evaluate_postconditions(
    config: &Configuration,
    known: &dyn ResourceValues,
    instance: &ResourceAddress,
    object: &crate::ObjectMap,
) -> Diagnostics {
    instance_conditions(config, known, instance, Some(object))
}

/// Evaluates the preconditions of one instance just before apply changes it, with what is
/// known then: a precondition not known at plan time is checked here, as in Terraform.
pub fn evaluate_preconditions(
    config: &Configuration,
    known: &dyn ResourceValues,
    instance: &ResourceAddress,
) -> Diagnostics {
    instance_conditions(config, known, instance, None)
}

/// The failed postconditions (with `applied`) or preconditions (without) of one instance.
fn instance_conditions(
    config: &Configuration,
    known: &dyn ResourceValues,
    instance: &ResourceAddress,
    applied: Option<&crate::ObjectMap>,
) -> Diagnostics {
    let kind = if applied.is_some() {
        ConditionKind::Postcondition
    } else {
        ConditionKind::Precondition
    };
    let mut errors = Diagnostics::new();
    let Some(resource) = config
        .resources
        .iter()
        .find(|r| r.address == instance.resource())
    else {
        return errors;
    };
    if !resource
        .conditions
        .conditions
        .iter()
        .any(|c| c.kind == kind)
    {
        return errors;
    }
    crate::expand::with_environment(config, known, &mut |scope, env| {
        if scope != resource.scope {
            return;
        }
        for_each_instance(resource, env, &mut |address, context| {
            if address != instance {
                return;
            }
            if let Some(object) = applied {
                context.bind_name("self", Value::Object(object.clone()));
            }
            for condition in &resource.conditions.conditions {
                if condition.kind != kind {
                    continue;
                }
                if let Some(d) = failed(config, condition, context, Some(address)) {
                    errors.push(d);
                }
            }
        });
    });
    errors
}

/// Calls `visit` with each instance of `resource` and a context with its `each` / `count`.
fn for_each_instance(
    resource: &Resource,
    env: &Env<'_>,
    visit: &mut dyn FnMut(&ResourceAddress, &mut Context<'_>),
) {
    let Ok((_, seeds)) =
        crate::expand::instance_seeds(resource, env, UnknownRepetition::Skip, &mut |_| {})
    else {
        return;
    };
    for (key, each, count_index) in seeds {
        let address = resource.address.clone().with_key(key);
        let mut context = Context::new(env);
        context.each = each;
        context.count_index = count_index;
        visit(&address, &mut context);
    }
}

/// The diagnostic of a condition that is false (or cannot be evaluated), at the condition.
fn failed(
    config: &Configuration,
    condition: &Condition,
    context: &mut Context<'_>,
    address: Option<&ResourceAddress>,
) -> Option<Diagnostic> {
    let source = config.source(condition.test.file);
    let at = span(&condition.test.expr);
    let what = match condition.kind {
        ConditionKind::Precondition => "resource precondition failed",
        ConditionKind::Postcondition => "resource postcondition failed",
        ConditionKind::Assert => "check assertion failed",
    };
    let problem =
        |e: EvalError| -> Diagnostic { e.into_diagnostic(config.source(condition.test.file)) };
    let value = match context.eval(&condition.test.expr) {
        Ok(value) => value,
        Err(e) => return Some(problem(e)),
    };
    match value.unmark().0 {
        Value::Bool(true) | Value::Unknown => None,
        Value::Bool(false) => {
            let message = match context.eval(&condition.error_message.expr) {
                Ok(message) if message.is_sensitive() => "(sensitive value)".to_owned(),
                Ok(message) => value_to_string(&message).unwrap_or_else(|| message.to_string()),
                Err(e) => return Some(problem(e)),
            };
            let mut diagnostic = source.error(&at, format!("{what}: {message}"));
            if let Some(address) = address {
                diagnostic = diagnostic.with_note(format!(
                    "the condition of `{address}` is false ({})",
                    condition.kind.block_name()
                ));
            }
            Some(diagnostic)
        }
        other => Some(source.error(
            &at,
            format!(
                "invalid condition: it must be a bool, found {}",
                other.type_name()
            ),
        )),
    }
}

/// One entry of `replace_triggered_by`: a managed resource (all its instances, or one by a
/// literal key), or one of its attributes. The resource's instances are replaced when what it
/// names is updated or replaced (an attribute: when that attribute changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplaceTrigger {
    /// The resource or instance referred to.
    pub address: ResourceAddress,
    /// The attribute referred to, if any (`huaweicloud_cce_addon.dns.version`).
    pub attribute: Option<String>,
    /// The reference as written, for the plan's reason.
    pub text: String,
    /// Where it is written.
    pub(crate) place: Option<(FileId, Range<usize>)>,
}

/// Reads `replace_triggered_by = [huaweicloud_x.y, huaweicloud_x.y.attr, ...]`.
pub(crate) fn replace_triggers(
    sources: &SourceMap,
    file: FileId,
    value: &Expression,
    diagnostics: &mut Diagnostics,
) -> Vec<ReplaceTrigger> {
    let error = |range: &Range<usize>, message: &str| {
        sources.error(file, range, message).with_hint(
            "write references to managed resources or their attributes: `[huaweicloud_cce_addon.dns]`, `[huaweicloud_cce_addon.dns.version]`",
        )
    };
    let Expression::Array(items) = value else {
        diagnostics.push(error(
            &span(value),
            "`replace_triggered_by` must be a list of references",
        ));
        return Vec::new();
    };
    let mut triggers = Vec::new();
    for item in items {
        let range = span(item);
        let found = crate::refs::references(item);
        let trigger = match found.as_slice() {
            [only] if only.range == range => match &only.target {
                crate::refs::Target::Resource(address, steps)
                    if address.mode() == plinth_core::Mode::Managed =>
                {
                    trigger(address, steps)
                }
                _ => None,
            },
            _ => None,
        };
        match trigger {
            Some(mut trigger) => {
                sources.get(file).text()[range.clone()].clone_into(&mut trigger.text);
                trigger.place = Some((file, range));
                triggers.push(trigger);
            }
            None => diagnostics.push(error(
                &range,
                "`replace_triggered_by` entries must be references to a managed resource, an instance with a literal key, or an attribute",
            )),
        }
    }
    triggers
}

fn trigger(
    address: &ResourceAddress,
    steps: &[crate::model::ReferenceStep],
) -> Option<ReplaceTrigger> {
    use crate::model::ReferenceStep;
    let mut steps = steps.iter();
    let mut address = address.clone();
    let mut next = steps.next();
    if let Some(ReferenceStep::Index(key)) = next {
        let key = match key.parse::<u64>() {
            Ok(index) => plinth_core::InstanceKey::Int(index),
            Err(_) => plinth_core::InstanceKey::String(key.clone()),
        };
        address = address.with_key(Some(key));
        next = steps.next();
    }
    let attribute = match next {
        None => None,
        Some(ReferenceStep::Attribute(name)) => Some(name.clone()),
        Some(_) => return None,
    };
    Some(ReplaceTrigger {
        address,
        attribute,
        text: String::new(),
        place: None,
    })
}

/// Refuses a `replace_triggered_by` entry naming a resource the configuration does not declare;
/// makes the others dependencies (as in Terraform): the replace waits for the change that
/// triggers it. The resources a resource's conditions read are its dependencies too.
pub(crate) fn check_triggers(config: &mut Configuration, diagnostics: &mut Diagnostics) {
    let declared: std::collections::BTreeSet<ResourceAddress> =
        config.resources.iter().map(|r| r.address.clone()).collect();
    let config_sources = &config.sources;
    for resource in &mut config.resources {
        let triggers = resource.lifecycle.replace_triggered_by.clone();
        for trigger in &triggers {
            let target = trigger.address.resource();
            if !declared.contains(&target) {
                let message =
                    format!("`replace_triggered_by` refers to undeclared resource `{target}`");
                diagnostics.push(match &trigger.place {
                    Some((file, range)) => config_sources.error(*file, range, message),
                    None => Diagnostic::error(message),
                });
                continue;
            }
            depend_on(resource, target);
        }
        // What a condition reads is a dependency too: a precondition decided at apply time
        // sees what it reads applied.
        let read: Vec<ResourceAddress> = resource
            .conditions
            .conditions
            .iter()
            .flat_map(|c| {
                crate::refs::references(&c.test.expr)
                    .into_iter()
                    .chain(crate::refs::references(&c.error_message.expr))
            })
            .filter_map(|r| match r.target {
                crate::refs::Target::Resource(address, _) => Some(address),
                _ => None,
            })
            .filter(|address| declared.contains(address) && *address != resource.address)
            .collect();
        for address in read {
            depend_on(resource, address);
        }
    }
}

fn depend_on(resource: &mut Resource, target: ResourceAddress) {
    if !resource.depends_on.iter().any(|d| d.address == target) {
        resource.depends_on.push(crate::model::Reference {
            address: target,
            steps: Vec::new(),
            location: resource.location.clone(),
            offset: resource.offset,
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::SourceFile;
    use crate::{Configuration, NoValues, Sources, load_sources};

    const ADDON: &str = r#"
variable "protect" {
  type    = bool
  default = true
}

resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
"#;

    fn load(extra: &str) -> Result<Configuration, String> {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", format!("{ADDON}{extra}"))],
            ..Sources::default()
        })
        .map_err(|d| d.to_string())
    }

    fn plugin(lifecycle: &str) -> String {
        format!(
            "resource \"huaweicloud_modelarts_pool_plugin\" \"gpu\" {{\n  pool_name     = \"p\"\n  template_name = \"gpu-beta\"\n  lifecycle {{\n{lifecycle}\n  }}\n}}\n"
        )
    }

    #[test]
    fn condition_blocks_need_both_attributes_and_nothing_else() {
        let error = load(&plugin("    precondition {\n      condition = true\n    }")).unwrap_err();
        assert!(
            error.contains("missing required attribute `error_message` in a `precondition` block"),
            "{error}"
        );
        let error = load(&plugin(
            "    postcondition {\n      condition = true\n      error_message = \"x\"\n      message = 1\n    }",
        ))
        .unwrap_err();
        assert!(
            error.contains("unknown attribute `message` in a `postcondition` block"),
            "{error}"
        );
    }

    #[test]
    fn only_preconditions_and_checks_are_plan_conditions() {
        let condition = "condition = true\n      error_message = \"x\"";
        assert!(!super::has_plan_conditions(&load("").unwrap()));
        let post = plugin(&format!("    postcondition {{\n      {condition}\n    }}"));
        assert!(!super::has_plan_conditions(&load(&post).unwrap()));
        let pre = plugin(&format!("    precondition {{\n      {condition}\n    }}"));
        assert!(super::has_plan_conditions(&load(&pre).unwrap()));
        let check = format!("check \"c\" {{\n  assert {{\n      {condition}\n  }}\n}}\n");
        assert!(super::has_plan_conditions(&load(&check).unwrap()));
    }

    #[test]
    fn check_blocks_need_a_name_and_an_assert_and_no_scoped_data() {
        let error = load("check \"empty\" {\n}\n").unwrap_err();
        assert!(
            error.contains("`check \"empty\"` has no `assert` block"),
            "{error}"
        );
        let error = load(
            "check \"scoped\" {\n  data \"huaweicloud_cce_addon\" \"x\" {}\n  assert {\n    condition = true\n    error_message = \"x\"\n  }\n}\n",
        )
        .unwrap_err();
        assert!(
            error.contains("a scoped `data` block inside `check` is not supported"),
            "{error}"
        );
    }

    #[test]
    fn replace_triggered_by_takes_references_to_declared_managed_resources() {
        let config = load(&plugin(
            "    replace_triggered_by = [huaweicloud_cce_addon.dns, huaweicloud_cce_addon.dns.version]",
        ))
        .unwrap();
        let gpu = &config.resources[1];
        let triggers = &gpu.lifecycle.replace_triggered_by;
        assert_eq!(triggers.len(), 2);
        assert_eq!(triggers[1].attribute.as_deref(), Some("version"));
        assert_eq!(triggers[1].text, "huaweicloud_cce_addon.dns.version");
        // The trigger is a dependency: the replace waits for what triggers it.
        assert!(
            gpu.depends_on
                .iter()
                .any(|d| d.address.to_string() == "huaweicloud_cce_addon.dns")
        );
        let error = load(&plugin("    replace_triggered_by = [\"x\"]")).unwrap_err();
        assert!(
            error.contains("must be references to a managed resource"),
            "{error}"
        );
        let error = load(&plugin(
            "    replace_triggered_by = [huaweicloud_cce_addon.dsn]",
        ))
        .unwrap_err();
        assert!(
            error.contains(
                "`replace_triggered_by` refers to undeclared resource `huaweicloud_cce_addon.dsn`"
            ),
            "{error}"
        );
    }

    #[test]
    fn prevent_destroy_takes_its_value_from_variables_and_locals() {
        let config = load(&plugin("    prevent_destroy = var.protect")).unwrap();
        assert!(config.resources[1].lifecycle.prevent_destroy);
        let config = load(&format!(
            "locals {{\n  keep = !var.protect\n}}\n{}",
            plugin("    create_before_destroy = local.keep || true")
        ))
        .unwrap();
        assert!(config.resources[1].lifecycle.create_before_destroy);
        let error = load(&format!(
            "locals {{\n  up = huaweicloud_cce_addon.dns.status == \"running\"\n}}\n{}",
            plugin("    prevent_destroy = local.up")
        ))
        .unwrap_err();
        assert!(
            error.contains("`prevent_destroy` must be known when the configuration loads"),
            "{error}"
        );
        let error = load(&plugin("    prevent_destroy = var.protcet")).unwrap_err();
        assert!(
            error.contains("undeclared variable `var.protcet`"),
            "{error}"
        );
        let error = load(&plugin("    prevent_destroy = \"yes\"")).unwrap_err();
        assert!(
            error.contains("`prevent_destroy` must be a bool, found string"),
            "{error}"
        );
    }

    #[test]
    fn a_precondition_not_known_yet_is_left_for_later_and_a_false_one_fails() {
        let unknown = load(&plugin(
            "    precondition {\n      condition     = huaweicloud_cce_addon.dns.status == \"running\"\n      error_message = \"dns is not running\"\n    }",
        ))
        .unwrap();
        let report = super::evaluate_conditions(&unknown, &NoValues);
        assert!(report.errors.is_empty(), "{}", report.errors);
        let false_one = load(&plugin(
            "    precondition {\n      condition     = huaweicloud_cce_addon.dns.template_name == \"everest\"\n      error_message = \"dns must be everest, not ${huaweicloud_cce_addon.dns.template_name}\"\n    }",
        ))
        .unwrap();
        let report = super::evaluate_conditions(&false_one, &NoValues);
        let text = report.errors.to_string();
        assert!(
            text.contains("resource precondition failed: dns must be everest, not coredns"),
            "{text}"
        );
        assert!(text.contains("main.hcl:"), "{text}");
    }
}

//! `removed` and `import` blocks: statements about objects of the state and the cloud rather
//! than resources to manage. `removed { from = TYPE.NAME }` says that a resource left the
//! configuration on purpose, and whether its objects are destroyed or only forgotten; `import {
//! to = ADDR, id = "..." }` adopts an existing object by its import id (with `for_each`, one per
//! element).

use std::collections::BTreeMap;
use std::ops::Range;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Structure};

use crate::diagnostic::{Diagnostic, Diagnostics, FileId, Location, SourceMap};
use crate::eval::{Context, Env, EvalError, span, value_to_string};
use crate::expand::{MAX_INSTANCES, too_many_instances};
use crate::model::{Configuration, Expr, InstanceKey, Mode, ResourceAddress};
use crate::refs::{Target, references};
use crate::value::{ObjectMap, Value};
use plinth_core::registry;

/// A `removed` block: the resource `from` (all its instances) left the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub(crate) from: ResourceAddress,
    pub(crate) destroy: bool,
    pub(crate) location: Location,
    pub(crate) file: FileId,
    /// The range of the `from` expression.
    pub(crate) range: Range<usize>,
}

impl Removed {
    /// The resource removed (no instance key): it covers every instance.
    pub fn from(&self) -> &ResourceAddress {
        &self.from
    }

    /// `lifecycle { destroy = ... }`: `true` (the default) destroys the objects, `false` only
    /// forgets them (they stay in the cloud, no longer managed).
    pub fn destroy(&self) -> bool {
        self.destroy
    }

    /// Where the block starts.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// One import of an `import` block (one per element of its `for_each`): adopt the object with
/// import id `id` at address `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub(crate) to: ResourceAddress,
    pub(crate) id: String,
    pub(crate) location: Location,
    pub(crate) file: FileId,
    /// The range of the `to` expression.
    pub(crate) range: Range<usize>,
}

impl Import {
    /// The resource instance it imports to.
    pub fn to(&self) -> &ResourceAddress {
        &self.to
    }

    /// The import id, e.g. `<cluster_id>/<addon_id>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where the block starts.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// An `import` block as written: evaluated once the variables and locals are known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImportBlock {
    file: FileId,
    location: Location,
    /// The resource of `to`, without key.
    to: ResourceAddress,
    /// The key expression of `to` (`to = TYPE.NAME[each.key]`).
    to_key: Option<Expr>,
    to_range: Range<usize>,
    pub(crate) id: Expr,
    pub(crate) for_each: Option<Expr>,
}

/// The `removed` and `import` blocks of a configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Statements {
    pub(crate) removed: Vec<Removed>,
    pub(crate) import_blocks: Vec<ImportBlock>,
    pub(crate) imports: Vec<Import>,
}

impl ImportBlock {
    /// The expressions whose references the loader checks, and whether `each` is allowed.
    pub(crate) fn expressions(&self) -> impl Iterator<Item = &Expr> {
        self.for_each.iter().chain(&self.to_key).chain([&self.id])
    }
}

fn block_range(block: &Block) -> Range<usize> {
    block.ident.span().unwrap_or(0..0)
}

/// Reads a `removed` block into `statements`.
pub(crate) fn removed_block(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    statements: &mut Statements,
    diagnostics: &mut Diagnostics,
) {
    let error = |range: &Range<usize>, message: &str| sources.error(file, range, message);
    no_labels(sources, file, block, diagnostics);
    let mut from = None;
    let mut destroy = true;
    for structure in &block.body {
        match structure {
            Structure::Attribute(attribute) if attribute.key.as_str() == "from" => {
                from = removed_from(sources, file, &attribute.value, diagnostics);
            }
            Structure::Attribute(attribute) => diagnostics.push(
                error(
                    &attribute.key.span().unwrap_or(0..0),
                    &format!(
                        "unknown attribute `{}` in a `removed` block",
                        attribute.key.as_str()
                    ),
                )
                .with_hint(
                    "a `removed` block takes `from` and a `lifecycle { destroy = ... }` block",
                ),
            ),
            Structure::Block(inner) if inner.ident.as_str() == "lifecycle" => {
                destroy = lifecycle_destroy(sources, file, inner, diagnostics).unwrap_or(true);
            }
            Structure::Block(inner) => diagnostics.push(error(
                &block_range(inner),
                &format!(
                    "unexpected block `{}` in a `removed` block",
                    inner.ident.as_str()
                ),
            )),
        }
    }
    let Some((from, range)) = from else {
        if block.body.get_attribute("from").is_none() {
            diagnostics.push(
                error(&block_range(block), "missing required attribute `from` in a `removed` block")
                    .with_hint("name the resource that left the configuration: `from = huaweicloud_cce_addon.dns`"),
            );
        }
        return;
    };
    if let Some(first) = statements.removed.iter().find(|r| r.from == from) {
        diagnostics.push(
            error(&range, &format!("duplicate `removed` block for `{from}`"))
                .with_note(format!("first declared at {}", first.location)),
        );
        return;
    }
    statements.removed.push(Removed {
        from,
        destroy,
        location: sources.location(file, block_range(block).start),
        file,
        range,
    });
}

fn no_labels(sources: &SourceMap, file: FileId, block: &Block, diagnostics: &mut Diagnostics) {
    if !block.labels.is_empty() {
        let ident = block.ident.as_str();
        diagnostics.push(
            sources
                .error(
                    file,
                    &block_range(block),
                    format!("a `{ident}` block takes no labels"),
                )
                .with_hint(format!("write it as `{ident} {{ ... }}`")),
        );
    }
}

/// The resource of `from = TYPE.NAME`, with the range of the expression.
fn removed_from(
    sources: &SourceMap,
    file: FileId,
    expr: &Expression,
    diagnostics: &mut Diagnostics,
) -> Option<(ResourceAddress, Range<usize>)> {
    let range = span(expr);
    match target(expr) {
        Ok((address, None)) => match managed_type(sources, file, &range, &address) {
            Ok(()) => Some((address, range)),
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                None
            }
        },
        Ok((_, Some(_))) => {
            diagnostics.push(
                sources
                    .error(file, &range, "resource instance keys are not allowed in `from`")
                    .with_hint("a `removed` block names a whole resource (`huaweicloud_cce_addon.dns`), and covers all its instances"),
            );
            None
        }
        Err(diagnostic) => {
            diagnostics.push(diagnostic.into_diagnostic(sources, file, &range, "from"));
            None
        }
    }
}

/// `destroy` of the `lifecycle` block of a `removed` block.
fn lifecycle_destroy(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    diagnostics: &mut Diagnostics,
) -> Option<bool> {
    let mut destroy = None;
    for structure in &block.body {
        match structure {
            Structure::Attribute(attribute) if attribute.key.as_str() == "destroy" => {
                match &attribute.value {
                    Expression::Bool(b) => destroy = Some(*b.value()),
                    other => diagnostics.push(sources.error(
                        file,
                        &span(other),
                        "`destroy` must be `true` or `false`",
                    )),
                }
            }
            Structure::Attribute(attribute) => diagnostics.push(
                sources
                    .error(
                        file,
                        &attribute.key.span().unwrap_or(0..0),
                        format!(
                            "unknown attribute `{}` in the `lifecycle` block of a `removed` block",
                            attribute.key.as_str()
                        ),
                    )
                    .with_hint("it takes only `destroy = true` or `destroy = false`"),
            ),
            Structure::Block(inner) => diagnostics.push(sources.error(
                file,
                &block_range(inner),
                format!(
                    "unexpected block `{}` in a `lifecycle` block",
                    inner.ident.as_str()
                ),
            )),
        }
    }
    destroy
}

/// Reads an `import` block into `statements` (evaluated later, by [`evaluate_imports`]).
pub(crate) fn import_block(
    sources: &SourceMap,
    file: FileId,
    block: &Block,
    statements: &mut Statements,
    diagnostics: &mut Diagnostics,
) {
    no_labels(sources, file, block, diagnostics);
    let expr = |e: &Expression| Expr {
        expr: e.clone(),
        file,
        location: sources.location(file, span(e).start),
    };
    let (mut to, mut id, mut for_each) = (None, None, None);
    for structure in &block.body {
        match structure {
            Structure::Attribute(attribute) => match attribute.key.as_str() {
                "to" => to = import_to(sources, file, &attribute.value, diagnostics),
                "id" => id = Some(expr(&attribute.value)),
                "for_each" => for_each = Some(expr(&attribute.value)),
                other => {
                    let message = format!("unknown attribute `{other}` in an `import` block");
                    diagnostics.push(
                        sources
                            .error(file, &attribute.key.span().unwrap_or(0..0), message)
                            .with_hint("an `import` block takes `to`, `id` and `for_each`"),
                    );
                }
            },
            Structure::Block(inner) => diagnostics.push(sources.error(
                file,
                &block_range(inner),
                format!(
                    "unexpected block `{}` in an `import` block",
                    inner.ident.as_str()
                ),
            )),
        }
    }
    for (name, missing) in [
        ("to", block.body.get_attribute("to").is_none()),
        ("id", id.is_none()),
    ] {
        if missing {
            diagnostics.push(sources.error(
                file,
                &block_range(block),
                format!("missing required attribute `{name}` in an `import` block"),
            ));
        }
    }
    let (Some((to, to_key, to_range)), Some(id)) = (to, id) else {
        return;
    };
    statements.import_blocks.push(ImportBlock {
        file,
        location: sources.location(file, block_range(block).start),
        to,
        to_key: to_key.map(|key| expr(&key)),
        to_range,
        id,
        for_each,
    });
}

/// The resource and key expression of `to = TYPE.NAME` or `to = TYPE.NAME[KEY]`.
fn import_to(
    sources: &SourceMap,
    file: FileId,
    expr: &Expression,
    diagnostics: &mut Diagnostics,
) -> Option<(ResourceAddress, Option<Expression>, Range<usize>)> {
    let range = span(expr);
    let found = target(expr)
        .map_err(|e| e.into_diagnostic(sources, file, &range, "to"))
        .and_then(|(address, key)| {
            managed_type(sources, file, &range, &address)?;
            Ok((address, key, range.clone()))
        });
    match found {
        Ok(found) => Some(found),
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            None
        }
    }
}

/// Why an expression is not a resource address.
enum NotAnAddress {
    /// Not a traversal of the form `TYPE.NAME`.
    Shape,
    /// `data.TYPE.NAME`.
    DataSource,
    /// The address itself is invalid (its reason).
    Invalid(String),
}

impl NotAnAddress {
    fn into_diagnostic(
        self,
        sources: &SourceMap,
        file: FileId,
        range: &Range<usize>,
        attribute: &str,
    ) -> Diagnostic {
        let message = match self {
            NotAnAddress::Shape => {
                format!(
                    "`{attribute}` must be a resource address such as `huaweicloud_cce_addon.dns`"
                )
            }
            NotAnAddress::DataSource => {
                format!("`{attribute}` must be a managed resource, not a data source")
            }
            NotAnAddress::Invalid(reason) => reason,
        };
        let diagnostic = sources.error(file, range, message);
        if attribute == "to" {
            diagnostic.with_hint("write it without quotes, with an optional key: `huaweicloud_cce_addon.dns[each.key]`")
        } else {
            diagnostic.with_hint("write it without quotes: `from = huaweicloud_cce_addon.dns`")
        }
    }
}

/// `TYPE.NAME` and the expression of an optional `[KEY]` after it.
fn target(expr: &Expression) -> Result<(ResourceAddress, Option<Expression>), NotAnAddress> {
    let Expression::Traversal(traversal) = expr else {
        return Err(NotAnAddress::Shape);
    };
    let Expression::Variable(root) = &traversal.expr else {
        return Err(NotAnAddress::Shape);
    };
    let operators: Vec<&TraversalOperator> = traversal
        .operators
        .iter()
        .map(hcl_edit::Decorated::value)
        .collect();
    let (module, root, operators) = module_prefix(root.as_str(), &operators)?;
    if root == "data" {
        return Err(NotAnAddress::DataSource);
    }
    let (name, key) = match operators {
        [TraversalOperator::GetAttr(name)] => (name, None),
        [
            TraversalOperator::GetAttr(name),
            TraversalOperator::Index(key),
        ] => (name, Some(key.clone())),
        _ => return Err(NotAnAddress::Shape),
    };
    let address = ResourceAddress::new(Mode::Managed, root, name.as_str())
        .map_err(|e| NotAnAddress::Invalid(e.reason().to_owned()))?;
    Ok((address.with_module(module), key))
}

/// Splits `module.a["k"].module.b.` off the front of an address written as a traversal: the
/// module path (keys are literals), then the first name and the operators after it.
fn module_prefix<'e>(
    mut root: &'e str,
    mut operators: &'e [&'e TraversalOperator],
) -> Result<
    (
        plinth_core::ModulePath,
        &'e str,
        &'e [&'e TraversalOperator],
    ),
    NotAnAddress,
> {
    let mut path = plinth_core::ModulePath::root();
    while root == "module" {
        let [TraversalOperator::GetAttr(call), rest @ ..] = operators else {
            return Err(NotAnAddress::Shape);
        };
        let (key, rest) = match rest {
            [TraversalOperator::Index(Expression::String(key)), rest @ ..] => (
                Some(plinth_core::InstanceKey::String(key.value().clone())),
                rest,
            ),
            [
                TraversalOperator::Index(Expression::Number(index)),
                rest @ ..,
            ] => {
                let index = index.value().as_u64().ok_or(NotAnAddress::Shape)?;
                (Some(plinth_core::InstanceKey::Int(index)), rest)
            }
            [TraversalOperator::LegacyIndex(index), rest @ ..] => {
                (Some(plinth_core::InstanceKey::Int(*index.value())), rest)
            }
            _ => (None, rest),
        };
        let [TraversalOperator::GetAttr(next), rest @ ..] = rest else {
            return Err(NotAnAddress::Shape);
        };
        path = path.child(call.as_str(), key);
        root = next.as_str();
        operators = rest;
    }
    Ok((path, root, operators))
}

/// An error unless `address` is of a managed resource type plinth knows.
fn managed_type(
    sources: &SourceMap,
    file: FileId,
    range: &Range<usize>,
    address: &ResourceAddress,
) -> Result<(), Diagnostic> {
    if registry::find(Mode::Managed, address.type_name()).is_some() {
        return Ok(());
    }
    let names: Vec<String> = registry::types(Mode::Managed)
        .map(|spec| format!("`{}`", spec.name))
        .collect();
    Err(sources
        .error(
            file,
            range,
            format!("unknown resource type `{}`", address.type_name()),
        )
        .with_note(format!("the resource types are {}", names.join(", "))))
}

/// The checks of `removed` blocks against the resource blocks: a removed resource must not be
/// configured any more.
pub(crate) fn check_removed(config: &Configuration, diagnostics: &mut Diagnostics) {
    for removed in &config.statements.removed {
        if let Some(resource) = config.resource(&removed.from) {
            diagnostics.push(
                config
                    .error(
                        removed.file,
                        &removed.range,
                        format!(
                            "removed resource `{}` is still declared in the configuration",
                            removed.from
                        ),
                    )
                    .with_note(format!("declared at {}", resource.location))
                    .with_hint(
                        "delete its `resource` block, or this `removed` block to keep managing it",
                    ),
            );
        }
    }
}

/// Reports references of import blocks to resources or data sources: the import ids must be
/// known when planning, from variables and locals only.
pub(crate) fn check_import_references(config: &Configuration, diagnostics: &mut Diagnostics) {
    for block in &config.statements.import_blocks {
        for expr in block.expressions() {
            for raw in references(&expr.expr) {
                if let Target::Resource(address, _) = raw.target {
                    diagnostics.push(
                        config
                            .error(
                                expr.file,
                                &raw.range,
                                format!("an `import` block cannot refer to `{address}`"),
                            )
                            .with_hint("import ids must be known before anything is applied: use literals, variables and locals"),
                    );
                }
            }
        }
    }
}

/// Evaluates the import blocks (their `for_each`, `to` keys and ids) with the values of the
/// variables and `locals`; reports what cannot be evaluated, ids that are not known strings and
/// two imports to one address.
pub(crate) fn evaluate_imports(
    config: &Configuration,
    locals: &ObjectMap,
    diagnostics: &mut Diagnostics,
) -> Vec<Import> {
    let variables: ObjectMap = config
        .variables
        .iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect();
    let resources = |_: &ResourceAddress, _: Option<&Value>| None;
    let env = Env {
        variables: &variables,
        locals,
        resources: &resources,
        dir: config.dir.as_deref(),
        module: None,
    };
    let mut imports: Vec<Import> = Vec::new();
    let mut seen: BTreeMap<ResourceAddress, Location> = BTreeMap::new();
    for block in &config.statements.import_blocks {
        let mut report = |e: EvalError| {
            if !e.is_static {
                diagnostics.push(e.into_diagnostic(config.source(block.file)));
            }
        };
        for each in import_seeds(block, &env, &mut report) {
            let Some(import) = evaluate_import(block, &env, each, &mut report) else {
                continue;
            };
            if let Some(first) = seen.get(&import.to) {
                report(
                    EvalError::new(
                        block.to_range.clone(),
                        format!("duplicate import to `{}`", import.to),
                    )
                    .with_hint(format!("another `import` block at {first} imports to it")),
                );
                continue;
            }
            seen.insert(import.to.clone(), import.location.clone());
            imports.push(import);
        }
    }
    imports
}

/// The `each` of every import of a block: one `None` without `for_each`.
fn import_seeds(
    block: &ImportBlock,
    env: &Env<'_>,
    report: &mut dyn FnMut(EvalError),
) -> Vec<Option<(Value, Value)>> {
    let Some(for_each) = &block.for_each else {
        return vec![None];
    };
    let range = span(&for_each.expr);
    match Context::new(env).eval(&for_each.expr).map(Value::unmark) {
        Ok((_, true)) => {
            report(EvalError::sensitive_for_each(range));
            Vec::new()
        }
        Ok((Value::Set(items), _)) if items.iter().any(Value::is_sensitive) => {
            report(EvalError::sensitive_for_each(range));
            Vec::new()
        }
        Ok((Value::Object(map), _)) if map.len() > MAX_INSTANCES => {
            report(too_many_instances(
                "for_each",
                &format!("a map of {} keys", map.len()),
                range,
            ));
            Vec::new()
        }
        Ok((Value::Set(items), _)) if items.len() > MAX_INSTANCES => {
            report(too_many_instances(
                "for_each",
                &format!("a set of {} elements", items.len()),
                range,
            ));
            Vec::new()
        }
        Ok((Value::Object(map), _)) => map
            .into_iter()
            .map(|(k, v)| Some((Value::String(k), v)))
            .collect(),
        Ok((Value::Set(items), _)) if items.iter().all(|i| i.as_str().is_some()) => items
            .into_iter()
            .map(|item| Some((item.clone(), item)))
            .collect(),
        Ok((Value::Unknown, _)) => {
            report(EvalError::new(
                range,
                "the `for_each` of an `import` block must be known before anything is applied",
            ));
            Vec::new()
        }
        Ok((other, _)) => {
            report(
                EvalError::new(
                    range,
                    format!(
                        "the `for_each` of an `import` block needs a map or a set of strings, found {}",
                        other.type_name()
                    ),
                )
                .with_hint("use a map, or `toset([...])` for a list"),
            );
            Vec::new()
        }
        Err(e) => {
            report(e);
            Vec::new()
        }
    }
}

/// One import of a block, for one `each`.
fn evaluate_import(
    block: &ImportBlock,
    env: &Env<'_>,
    each: Option<(Value, Value)>,
    report: &mut dyn FnMut(EvalError),
) -> Option<Import> {
    let mut context = Context::new(env);
    context.each = each;
    let key = match &block.to_key {
        None => None,
        Some(key) => {
            let range = span(&key.expr);
            match context.eval(&key.expr).map(Value::unmark) {
                Ok((_, true)) => {
                    report(EvalError::new(
                        range,
                        "the key of `to` cannot be a sensitive value: it would be exposed as a resource instance key",
                    ));
                    return None;
                }
                Ok((Value::String(s), _)) => Some(InstanceKey::String(s)),
                Ok((Value::Number(n), _)) if n.as_u64().is_some() => {
                    n.as_u64().map(InstanceKey::Int)
                }
                Ok((other, _)) => {
                    report(EvalError::new(
                        range,
                        format!(
                            "the key of `to` must be a known string or a whole number, found {}",
                            other.type_name()
                        ),
                    ));
                    return None;
                }
                Err(e) => {
                    report(e);
                    return None;
                }
            }
        }
    };
    let range = span(&block.id.expr);
    let id = match context.eval(&block.id.expr) {
        Ok(value) if value.contains_sensitive() => {
            // As Terraform's "the import ID cannot be sensitive": plans and messages show it.
            report(EvalError::new(
                range,
                "the `id` of an `import` block cannot be a sensitive value: plans and messages show it",
            ));
            return None;
        }
        Ok(value) if value.contains_unknown() => {
            report(EvalError::new(
                range,
                "the `id` of an `import` block must be known before anything is applied",
            ));
            return None;
        }
        Ok(value) => {
            if let Some(id) = value_to_string(&value) {
                id
            } else {
                report(EvalError::new(
                    range,
                    format!(
                        "the `id` of an `import` block must be a string, found {}",
                        value.type_name()
                    ),
                ));
                return None;
            }
        }
        Err(e) => {
            report(e);
            return None;
        }
    };
    Some(Import {
        to: block.to.clone().with_key(key),
        id,
        location: block.location.clone(),
        file: block.file,
        range: block.to_range.clone(),
    })
}

impl Configuration {
    /// The `removed` blocks, in declaration order.
    pub fn removed(&self) -> &[Removed] {
        &self.statements.removed
    }

    /// The imports of the `import` blocks (one per element of a `for_each`), in declaration
    /// order.
    pub fn imports(&self) -> &[Import] {
        &self.statements.imports
    }

    /// The imports whose `to` names a resource that has no `resource` block: an error each,
    /// unless configuration for them is generated (`plan --generate-config-out`).
    pub fn imports_without_block(&self) -> Vec<&Import> {
        self.imports()
            .iter()
            .filter(|import| self.resource(&import.to.resource()).is_none())
            .collect()
    }

    /// An error for each import whose `to` has no `resource` block.
    pub fn check_import_targets(&self) -> Result<(), Diagnostics> {
        let mut diagnostics = Diagnostics::new();
        for import in self.imports_without_block() {
            diagnostics.push(
                self.error(
                    import.file,
                    &import.range,
                    format!("the configuration for import target `{}` does not exist", import.to),
                )
                .with_hint(format!(
                    "add a `resource \"{}\" \"{}\"` block, or let plinth write one: `plinth plan --generate-config-out generated.hcl`",
                    import.to.type_name(),
                    import.to.name()
                )),
            );
        }
        diagnostics.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::SourceFile;
    use crate::load::{Sources, load_sources};

    use super::*;

    const ADDON: &str = r#"variable "suffix" {}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
"#;

    /// Loads `hcl` (after the add-on block above): the configuration, or the rendered
    /// diagnostics.
    fn check(hcl: &str) -> Result<Configuration, String> {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", format!("{ADDON}{hcl}"))],
            vars: vec!["suffix=-x".to_owned()],
            ..Sources::default()
        })
        .map_err(|diagnostics| diagnostics.to_string())
    }

    fn imports(config: &Configuration) -> Vec<String> {
        config
            .imports()
            .iter()
            .map(|i| format!("{} <- {} ({})", i.to(), i.id(), i.location()))
            .collect()
    }

    #[test]
    fn removed_blocks_name_whole_resources_and_default_to_destroy() {
        let config = check(
            r"
removed {
  from = huaweicloud_cce_addon.old
  lifecycle {
    destroy = false
  }
}

removed {
  from = huaweicloud_modelarts_pool_plugin.gpu
}
",
        )
        .unwrap();
        let removed: Vec<(String, bool, String)> = config
            .removed()
            .iter()
            .map(|r| (r.from().to_string(), r.destroy(), r.location().to_string()))
            .collect();
        assert_eq!(
            removed,
            [
                (
                    "huaweicloud_cce_addon.old".to_owned(),
                    false,
                    "main.hcl:7:1".to_owned()
                ),
                (
                    "huaweicloud_modelarts_pool_plugin.gpu".to_owned(),
                    true,
                    "main.hcl:14:1".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn removed_mistakes_are_reported_with_their_place() {
        let rendered = check(
            r#"
removed {
  from = huaweicloud_cce_addon.dns
}

removed {
  from = huaweicloud_cce_addon.gpu["pool-a"]
  lifecycle {
    destroy = "no"
    forget  = true
  }
}

removed "x" {
  from = "huaweicloud_cce_addon.a"
}

removed {
  from = huaweicloud_nope.a
}

removed {
  lifecycle {
    destroy = false
  }
}
"#,
        )
        .unwrap_err();
        insta::assert_snapshot!(rendered);
    }

    #[test]
    fn import_blocks_with_for_each_give_one_import_per_element() {
        let config = check(
            r#"
locals {
  pools = { a = "pool-a", b = "pool-b" }
}

import {
  for_each = local.pools
  to       = huaweicloud_modelarts_pool_plugin.gpu[each.key]
  id       = "${each.value}/gpu-beta"
}

import {
  to = huaweicloud_cce_addon.dns
  id = "c1/uid${var.suffix}"
}

import {
  for_each = toset(["0", "1"])
  to       = huaweicloud_cce_addon.counted[tonumber(each.key)]
  id       = "c1/${each.value}"
}
"#,
        )
        .unwrap();
        assert_eq!(
            imports(&config),
            [
                r#"huaweicloud_modelarts_pool_plugin.gpu["a"] <- pool-a/gpu-beta (main.hcl:11:1)"#,
                r#"huaweicloud_modelarts_pool_plugin.gpu["b"] <- pool-b/gpu-beta (main.hcl:11:1)"#,
                "huaweicloud_cce_addon.dns <- c1/uid-x (main.hcl:17:1)",
                "huaweicloud_cce_addon.counted[0] <- c1/0 (main.hcl:22:1)",
                "huaweicloud_cce_addon.counted[1] <- c1/1 (main.hcl:22:1)",
            ]
        );
        let without: Vec<String> = config
            .imports_without_block()
            .iter()
            .map(|i| i.to().to_string())
            .collect();
        assert_eq!(without.len(), 4, "{without:?}");
        insta::assert_snapshot!(config.check_import_targets().unwrap_err().to_string());
    }

    #[test]
    fn import_mistakes_are_reported_with_their_place() {
        let rendered = check(
            r#"
import {
  to = huaweicloud_cce_addon.dns
  id = huaweicloud_cce_addon.dns.id
}

import {
  to = data.huaweicloud_cce_addon.dns
  id = "c1/a"
}

import {
  to = huaweicloud_cce_addon.dns[each.key]
  id = "c1/b"
}

import {
  for_each = ["a"]
  to       = huaweicloud_cce_addon.x[each.key]
  id       = each.value
}

import {
  to = huaweicloud_cce_addon.y
  id = "c1/1"
}

import {
  to = huaweicloud_cce_addon.y
  id = "c1/2"
}

import {
  to     = huaweicloud_cce_addon.z
  ident  = "c1/3"
}
"#,
        )
        .unwrap_err();
        insta::assert_snapshot!(rendered);
    }
}

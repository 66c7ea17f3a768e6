//! A tree-walking evaluator over hcl-edit expressions that carries unknown values and
//! sensitive marks.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{
    BinaryOperator, Expression, ForExpr, ObjectKey, TraversalOperator, UnaryOperator,
};
use hcl_edit::template::{Directive, Element, Template};
use serde_json::Number;

use crate::diagnostic::{Diagnostic, SourceFile};
use crate::model::ResourceAddress;
use crate::redact::redact;
use crate::value::{ObjectMap, Value, compact_object, compare, equal};

/// What an expression can refer to by name.
pub(crate) struct Env<'a> {
    pub variables: &'a ObjectMap,
    pub locals: &'a ObjectMap,
    /// What a reference to a resource or data source finds, `None` when it is not declared.
    /// With the key of the reference's first index (`type.name[key]`), it may answer that
    /// instance alone, without building the value of every instance.
    pub resources: &'a dyn Fn(&ResourceAddress, Option<&Value>) -> Option<Found>,
    /// The directory of the module, for `file()` and `path.module`.
    pub dir: Option<&'a Path>,
    /// The module instance the expression is in, which a resource reference is relative to
    /// (`None`: the root module). `path.root` is the root module's directory.
    pub module: Option<ModuleEnv<'a>>,
}

/// What an expression inside a module instance (or the root module, when it calls modules)
/// sees besides its variables and locals.
#[derive(Clone, Copy)]
pub(crate) struct ModuleEnv<'a> {
    /// The path of the module instance: the prefix of the resources it names.
    pub path: &'a plinth_core::ModulePath,
    /// The value of `module.NAME`, `None` when there is no such call.
    pub calls: &'a dyn Fn(&str) -> Option<Value>,
    /// The root module's directory, for `path.root`.
    pub root: Option<&'a Path>,
}

/// What a reference to a resource or data source finds.
pub(crate) enum Found {
    /// The value of the whole resource: an object, a list of them (`count`) or a map of them
    /// (`for_each`), or unknown.
    Whole(Value),
    /// The instance the key given names: what indexing the whole value with it gives.
    Instance(Value),
}

/// An evaluation error: a message at a byte range of the expression's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EvalError {
    pub range: Range<usize>,
    pub message: String,
    pub hint: Option<String>,
    /// Whether the static checks of `load` already report this error.
    pub is_static: bool,
}

impl EvalError {
    pub fn new(range: Range<usize>, message: impl Into<String>) -> EvalError {
        EvalError {
            range,
            message: message.into(),
            hint: None,
            is_static: false,
        }
    }

    /// Terraform's refusal of a sensitive `for_each` (of a resource, a data source or an
    /// `import` block), at `range`: its keys would become instance keys, which addresses, plans
    /// and the state show in clear.
    pub fn sensitive_for_each(range: Range<usize>) -> EvalError {
        EvalError::new(
            range,
            "invalid `for_each` argument: sensitive values, or values derived from sensitive values, \
             cannot be used as `for_each` arguments; if used, the sensitive value could be exposed \
             as a resource instance key",
        )
        .with_hint(
            "key the instances by something that is not secret (a name) and read the secret \
             through `each.value`",
        )
    }

    /// The same error at another place.
    #[must_use]
    pub fn at(mut self, range: Range<usize>) -> EvalError {
        self.range = range;
        self
    }

    /// Marks an error that the static checks of `load` report too.
    #[must_use]
    pub fn static_(mut self) -> EvalError {
        self.is_static = true;
        self
    }

    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> EvalError {
        self.hint = Some(hint.into());
        self
    }

    pub fn into_diagnostic(self, source: &Arc<SourceFile>) -> Diagnostic {
        let diagnostic = source.error(&self.range, self.message);
        match self.hint {
            Some(hint) => diagnostic.with_hint(hint),
            None => diagnostic,
        }
    }
}

pub(crate) type EvalResult = Result<Value, EvalError>;

/// The evaluation context of one expression: names in scope and the block's `each`/`count`.
pub(crate) struct Context<'a> {
    pub env: &'a Env<'a>,
    pub each: Option<(Value, Value)>,
    pub count_index: Option<i64>,
    bindings: Vec<(String, Value)>,
}

pub(crate) fn span(expr: &Expression) -> Range<usize> {
    expr.span().unwrap_or(0..0)
}

/// Drops the whitespace at the end of a rendered template (a strip marker `~` asks for it).
fn trim_end(out: &mut String) {
    out.truncate(out.trim_end().len());
}

fn mark(value: Value, marked: bool) -> Value {
    if marked {
        value.mark_sensitive()
    } else {
        value
    }
}

impl<'a> Context<'a> {
    pub fn new(env: &'a Env<'a>) -> Context<'a> {
        Context {
            env,
            each: None,
            count_index: None,
            bindings: Vec::new(),
        }
    }

    pub fn eval(&mut self, expr: &Expression) -> EvalResult {
        match expr {
            Expression::Null(_) => Ok(Value::Null),
            Expression::Bool(b) => Ok(Value::Bool(*b.value())),
            Expression::Number(n) => convert_number(n).map_err(|m| EvalError::new(span(expr), m)),
            Expression::String(s) => Ok(Value::String(s.value().clone())),
            Expression::Array(items) => Ok(Value::List(
                items
                    .iter()
                    .map(|e| self.eval(e))
                    .collect::<Result<_, _>>()?,
            )),
            Expression::Object(object) => self.eval_object(object),
            Expression::StringTemplate(template) => self.eval_template(template),
            Expression::HeredocTemplate(heredoc) => self.eval_template(&heredoc.template),
            Expression::Parenthesis(inner) => self.eval(inner.inner()),
            Expression::Variable(name) => self.eval_root(name.as_str(), span(expr), &[]),
            Expression::Traversal(traversal) => {
                let root_name = match &traversal.expr {
                    Expression::Variable(name) => Some(name.as_str()),
                    _ => None,
                };
                if let Some(name) = root_name {
                    self.eval_root(name, span(expr), &traversal.operators)
                } else {
                    let root = self.eval(&traversal.expr)?;
                    self.apply_operators(root, &traversal.operators, span(expr))
                }
            }
            Expression::Conditional(cond) => self.eval_conditional(cond),
            Expression::FuncCall(call) => self.eval_call(call, span(expr)),
            Expression::UnaryOp(op) => self.eval_unary(op, span(expr)),
            Expression::BinaryOp(op) => {
                let operator = *op.operator.value();
                let lhs = self.eval(&op.lhs_expr)?;
                let rhs = self.eval(&op.rhs_expr)?;
                binary(operator, &lhs, &rhs).map_err(|message| EvalError::new(span(expr), message))
            }
            Expression::ForExpr(for_expr) => self.eval_for(for_expr),
        }
    }

    /// An object constructor: keys evaluated to strings; unknown if a key is. A later key wins
    /// over an earlier equal one, as in Terraform. A sensitive key marks the whole object (as
    /// Terraform does), since a key is visible wherever the object is: an address of `for_each`,
    /// `keys()`, a plan.
    fn eval_object(&mut self, object: &hcl_edit::expr::Object) -> EvalResult {
        let mut pairs = Vec::with_capacity(object.len());
        let mut unknown = false;
        let mut marked = false;
        for (i, (key, value)) in object.iter().enumerate() {
            let key = match key {
                ObjectKey::Ident(ident) => Value::String(ident.as_str().to_owned()),
                ObjectKey::Expression(e) => self.eval(e)?,
            };
            let value = self.eval(value.expr())?;
            let (key, key_marked) = key.unmark();
            marked |= key_marked;
            match key {
                Value::Unknown => unknown = true,
                key => {
                    let key = value_to_string(&key).ok_or_else(|| {
                        EvalError::new(
                            span_of_key(object, i),
                            format!("object key must be a string, found {}", key.type_name()),
                        )
                    })?;
                    pairs.push((key, value));
                }
            }
        }
        // Collected at once, not key by key: inserting into the sorted vector one key at a time
        // moves half of it each time, quadratic in the number of keys.
        let result = if unknown {
            Value::Unknown
        } else {
            Value::Object(compact_object(pairs.into_iter().collect()))
        };
        Ok(mark(result, marked))
    }

    /// `cond ? a : b`: only the branch taken is evaluated.
    fn eval_conditional(&mut self, cond: &hcl_edit::expr::Conditional) -> EvalResult {
        let condition = self.eval(&cond.cond_expr)?;
        let (condition, marked) = condition.unmark();
        match condition {
            Value::Unknown => Ok(mark(Value::Unknown, marked)),
            Value::Bool(true) => Ok(mark(self.eval(&cond.true_expr)?, marked)),
            Value::Bool(false) => Ok(mark(self.eval(&cond.false_expr)?, marked)),
            other => Err(EvalError::new(
                span(&cond.cond_expr),
                format!("condition must be a bool, found {}", other.type_name()),
            )),
        }
    }

    /// A function call (`range` is the whole call's): `try` and `can` evaluate their arguments
    /// themselves, the others get them evaluated, with a final `...` expanded.
    fn eval_call(&mut self, call: &hcl_edit::expr::FuncCall, range: Range<usize>) -> EvalResult {
        let name = call.name.name.as_str();
        if !call.name.namespace.is_empty() {
            return Err(EvalError::new(
                range,
                format!("unknown function `{}`", call_name(call)),
            ));
        }
        match name {
            "try" | "can" => {
                let mut last = None;
                for arg in &call.args {
                    match self.eval(arg) {
                        Ok(v) => {
                            return Ok(if name == "can" { Value::Bool(true) } else { v });
                        }
                        Err(e) => last = Some(e),
                    }
                }
                if name == "can" {
                    return Ok(Value::Bool(false));
                }
                Err(last
                    .unwrap_or_else(|| EvalError::new(range, "`try` needs at least one argument")))
            }
            _ => {
                let mut args = Vec::new();
                let mut spans = Vec::new();
                for arg in &call.args {
                    args.push(self.eval(arg)?);
                    spans.push(span(arg));
                }
                if call.args.expand_final() {
                    let last = args.pop().map(Value::unmark);
                    match last {
                        Some((Value::List(items) | Value::Set(items), marked)) => {
                            let last_span = spans.pop().unwrap_or(range.clone());
                            for item in items {
                                args.push(mark(item, marked));
                                spans.push(last_span.clone());
                            }
                        }
                        Some((Value::Unknown, marked)) => {
                            return Ok(mark(Value::Unknown, marked));
                        }
                        Some((other, _)) => {
                            return Err(EvalError::new(
                                range,
                                format!("`...` expands a list, found {}", other.type_name()),
                            ));
                        }
                        None => {}
                    }
                }
                crate::functions::call(name, args, &spans, range, self.env.dir)
            }
        }
    }

    /// `!x` and `-x` (`range` is the whole operation's).
    fn eval_unary(&mut self, op: &hcl_edit::expr::UnaryOp, range: Range<usize>) -> EvalResult {
        let (value, marked) = self.eval(&op.expr)?.unmark();
        let result = match (op.operator.value(), value) {
            (_, Value::Unknown) => Value::Unknown,
            (UnaryOperator::Not, Value::Bool(b)) => Value::Bool(!b),
            (UnaryOperator::Neg, Value::Number(n)) => {
                negate(&n).map_err(|m| EvalError::new(range.clone(), m))?
            }
            (op, other) => {
                return Err(EvalError::new(
                    range,
                    format!(
                        "operator `{}` cannot be applied to {}",
                        op.as_str(),
                        other.type_name()
                    ),
                ));
            }
        };
        Ok(mark(result, marked))
    }

    /// Binds `name` to `value` for what this context evaluates (`self` in a postcondition).
    pub fn bind_name(&mut self, name: &str, value: Value) {
        self.bindings.push((name.to_owned(), value));
    }

    fn lookup_binding(&self, name: &str) -> Option<&Value> {
        self.bindings
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// Evaluates a traversal starting at a bare name: `var.x`, `local.y`, `each.key`,
    /// `huaweicloud_cce_addon.dns.status`, a `for` binding...
    fn eval_root(
        &mut self,
        name: &str,
        range: Range<usize>,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
    ) -> EvalResult {
        if let Some(value) = self.lookup_binding(name) {
            let value = value.clone();
            return self.apply_operators(value, operators, range);
        }
        let attr = |i: usize| match operators.get(i).map(hcl_edit::Decorated::value) {
            Some(TraversalOperator::GetAttr(ident)) => Some(ident.as_str().to_owned()),
            _ => None,
        };
        match name {
            "var" | "local" => {
                let Some(field) = attr(0) else {
                    return Err(EvalError::new(
                        range,
                        format!("`{name}` must be followed by a name, e.g. `{name}.example`"),
                    )
                    .static_());
                };
                let table = if name == "var" {
                    self.env.variables
                } else {
                    self.env.locals
                };
                let value = table.get(&field).cloned().ok_or_else(|| {
                    let kind = if name == "var" {
                        "variable"
                    } else {
                        "local value"
                    };
                    EvalError::new(range.clone(), format!("undeclared {kind} `{name}.{field}`"))
                        .static_()
                })?;
                self.apply_operators(value, &operators[1..], range)
            }
            "each" => {
                let Some((key, value)) = self.each.clone() else {
                    return Err(EvalError::new(
                        range,
                        "`each` can only be used in a block with `for_each`",
                    )
                    .with_hint("add `for_each` to the block, or use a literal value")
                    .static_());
                };
                match attr(0).as_deref() {
                    Some("key") => self.apply_operators(key, &operators[1..], range),
                    Some("value") => self.apply_operators(value, &operators[1..], range),
                    _ => Err(EvalError::new(
                        range,
                        "`each` has only `each.key` and `each.value`",
                    )),
                }
            }
            "count" => {
                let Some(index) = self.count_index else {
                    return Err(EvalError::new(
                        range,
                        "`count.index` can only be used in a block with `count`",
                    )
                    .with_hint("add `count` to the block, or use a literal value")
                    .static_());
                };
                match attr(0).as_deref() {
                    Some("index") => {
                        self.apply_operators(Value::int(index), &operators[1..], range)
                    }
                    _ => Err(EvalError::new(range, "`count` has only `count.index`")),
                }
            }
            "path" => match attr(0).as_deref() {
                Some(which @ ("module" | "root" | "cwd")) => {
                    let dir = match (which, self.env.module) {
                        ("module", _) | (_, None) => self.env.dir,
                        (_, Some(module)) => module.root,
                    };
                    let dir = dir.map_or_else(|| ".".to_owned(), |d| d.display().to_string());
                    self.apply_operators(Value::String(dir), &operators[1..], range)
                }
                _ => Err(EvalError::new(
                    range,
                    "`path` has only `path.module`, `path.root` and `path.cwd`",
                )),
            },
            "module" => self.module_reference(attr(0), operators, range),
            "data" => {
                let (Some(ty), Some(name)) = (attr(0), attr(1)) else {
                    return Err(EvalError::new(
                        range,
                        "a data source reference needs a type and a name: `data.TYPE.NAME`",
                    )
                    .static_());
                };
                let address = ResourceAddress::data(&ty, &name)
                    .map_err(|error| EvalError::new(range.clone(), error.reason()).static_())?;
                let address = self.in_module(address);
                self.resource_reference(&address, "data source", &operators[2..], range)
            }
            resource_type => {
                let Some(name) = attr(0) else {
                    return Err(EvalError::new(range, format!("unknown name `{resource_type}`"))
                        .with_hint("variables are written `var.NAME`, locals `local.NAME`, resources `TYPE.NAME`").static_());
                };
                let address = ResourceAddress::managed(resource_type, &name)
                    .map_err(|error| EvalError::new(range.clone(), error.reason()).static_())?;
                let address = self.in_module(address);
                self.resource_reference(&address, "resource", &operators[1..], range)
            }
        }
    }

    /// `module.NAME...`: the outputs of a module call of the expression's module instance.
    fn module_reference(
        &mut self,
        call: Option<String>,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: Range<usize>,
    ) -> EvalResult {
        let Some(call) = call else {
            return Err(EvalError::new(
                range,
                "`module` must be followed by the name of a module call, e.g. `module.dns.OUTPUT`",
            )
            .static_());
        };
        let value = self
            .env
            .module
            .and_then(|module| (module.calls)(&call))
            .ok_or_else(|| {
                EvalError::new(
                    range.clone(),
                    format!("reference to undeclared module `module.{call}`"),
                )
                .static_()
            })?;
        self.apply_operators(value, &operators[1..], range)
    }

    /// `address` in the module instance of the expression.
    fn in_module(&self, address: ResourceAddress) -> ResourceAddress {
        match self.env.module {
            Some(module) => address.with_module(module.path.clone()),
            None => address,
        }
    }

    /// A reference to a resource or data source followed by `operators`. A first index is
    /// evaluated before the resource is asked for, so that `type.name[key]` costs one instance,
    /// not all of them.
    fn resource_reference(
        &mut self,
        address: &ResourceAddress,
        kind: &str,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: Range<usize>,
    ) -> EvalResult {
        let index = match operators.first().map(hcl_edit::Decorated::value) {
            Some(TraversalOperator::Index(index_expr)) => {
                Some((self.eval(index_expr)?, span(index_expr)))
            }
            Some(TraversalOperator::LegacyIndex(index)) => {
                let index = i64::try_from(*index.value()).unwrap_or(i64::MAX);
                Some((Value::int(index), op_range(&operators[0], &range)))
            }
            _ => None,
        };
        let found =
            (self.env.resources)(address, index.as_ref().map(|(key, _)| key)).ok_or_else(|| {
                EvalError::new(
                    range.clone(),
                    format!("reference to undeclared {kind} `{address}`"),
                )
                .static_()
            })?;
        match (found, index) {
            (Found::Instance(value), Some(_)) => {
                self.apply_operators(value, &operators[1..], range)
            }
            (Found::Whole(value), Some((key, key_range))) => {
                let value = index_value(value, key).map_err(|m| EvalError::new(key_range, m))?;
                self.apply_operators(value, &operators[1..], range)
            }
            (Found::Whole(value) | Found::Instance(value), None) => {
                self.apply_operators(value, operators, range)
            }
        }
    }

    fn apply_operators(
        &mut self,
        mut value: Value,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: Range<usize>,
    ) -> EvalResult {
        for (i, operator) in operators.iter().enumerate() {
            match operator.value() {
                TraversalOperator::GetAttr(ident) => {
                    value = get_attr(value, ident.as_str())
                        .map_err(|m| EvalError::new(op_range(operator, &range), m))?;
                }
                TraversalOperator::Index(index_expr) => {
                    let index = self.eval(index_expr)?;
                    value = index_value(value, index)
                        .map_err(|m| EvalError::new(span(index_expr), m))?;
                }
                TraversalOperator::LegacyIndex(index) => {
                    let index = i64::try_from(*index.value()).unwrap_or(i64::MAX);
                    value = index_value(value, Value::int(index))
                        .map_err(|m| EvalError::new(op_range(operator, &range), m))?;
                }
                TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                    let rest = &operators[i + 1..];
                    let (collection, marked) = value.unmark();
                    let items = match collection {
                        Value::Unknown => return Ok(mark(Value::Unknown, marked)),
                        Value::Null => Vec::new(),
                        Value::List(items) | Value::Set(items) => items,
                        single => vec![single],
                    };
                    let mut out = Vec::new();
                    for item in items {
                        out.push(self.apply_operators(item, rest, range.clone())?);
                    }
                    return Ok(mark(Value::List(out), marked));
                }
            }
        }
        Ok(value)
    }

    fn eval_template(&mut self, template: &Template) -> EvalResult {
        // A template that is a single interpolation yields the value itself, as in HCL.
        if let Some(Element::Interpolation(interpolation)) = template.as_single_element() {
            return self.eval(&interpolation.expr);
        }
        let mut out = String::new();
        let mut unknown = false;
        let mut marked = false;
        self.render_template(template, &mut out, &mut unknown, &mut marked, false)?;
        Ok(mark(
            if unknown {
                Value::Unknown
            } else {
                Value::String(out)
            },
            marked,
        ))
    }

    /// Renders `template` into `out`. `trim` says whether a strip marker (`~`) before the
    /// template asks to drop the whitespace at its start; the returned flag says the same for
    /// what follows.
    fn render_template(
        &mut self,
        template: &Template,
        out: &mut String,
        unknown: &mut bool,
        marked: &mut bool,
        mut trim: bool,
    ) -> Result<bool, EvalError> {
        for element in template {
            match element {
                Element::Literal(literal) => {
                    let text = literal.value();
                    out.push_str(if trim { text.trim_start() } else { text });
                    trim = false;
                }
                Element::Interpolation(interpolation) => {
                    if interpolation.strip.strip_start() {
                        trim_end(out);
                    }
                    trim = interpolation.strip.strip_end();
                    self.render_interpolation(&interpolation.expr, out, unknown, marked)?;
                }
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        trim = self.render_if(if_directive, out, unknown, marked)?;
                    }
                    Directive::For(for_directive) => {
                        trim = self.render_for(for_directive, out, unknown, marked)?;
                    }
                },
            }
        }
        Ok(trim)
    }

    /// Renders the value of an interpolation `${expr}` into `out`.
    fn render_interpolation(
        &mut self,
        expr: &Expression,
        out: &mut String,
        unknown: &mut bool,
        marked: &mut bool,
    ) -> Result<(), EvalError> {
        let value = self.eval(expr)?;
        *marked |= value.contains_sensitive();
        let value = value.strip_marks();
        match value {
            Value::Unknown => *unknown = true,
            Value::Null => {
                return Err(EvalError::new(
                    span(expr),
                    "cannot interpolate a null value",
                ));
            }
            ref v => match value_to_string(v) {
                Some(s) => out.push_str(&s),
                None => {
                    return Err(EvalError::new(
                        span(expr),
                        format!("cannot interpolate {} value into a string", article_type(v)),
                    )
                    .with_hint("use `jsonencode(...)` to turn a collection into a string"));
                }
            },
        }
        Ok(())
    }

    /// Renders `%{if}` into `out`; answers whether whitespace after it is dropped.
    fn render_if(
        &mut self,
        if_directive: &hcl_edit::template::IfDirective,
        out: &mut String,
        unknown: &mut bool,
        marked: &mut bool,
    ) -> Result<bool, EvalError> {
        let if_expr = &if_directive.if_expr;
        if if_expr.strip.strip_start() {
            trim_end(out);
        }
        let (cond, cond_marked) = self.eval(&if_expr.cond_expr)?.unmark();
        *marked |= cond_marked;
        match cond {
            Value::Unknown => *unknown = true,
            Value::Bool(true) => {
                self.render_template(
                    &if_expr.template,
                    out,
                    unknown,
                    marked,
                    if_expr.strip.strip_end(),
                )?;
                let closing = if_directive
                    .else_expr
                    .as_ref()
                    .map_or(if_directive.endif_expr.strip, |e| e.strip);
                if closing.strip_start() {
                    trim_end(out);
                }
            }
            Value::Bool(false) => {
                if let Some(else_expr) = &if_directive.else_expr {
                    self.render_template(
                        &else_expr.template,
                        out,
                        unknown,
                        marked,
                        else_expr.strip.strip_end(),
                    )?;
                    if if_directive.endif_expr.strip.strip_start() {
                        trim_end(out);
                    }
                }
            }
            other => {
                return Err(EvalError::new(
                    span(&if_expr.cond_expr),
                    format!("condition must be a bool, found {}", other.type_name()),
                ));
            }
        }
        Ok(if_directive.endif_expr.strip.strip_end())
    }

    /// Renders `%{for}` into `out`; answers whether whitespace after it is dropped.
    fn render_for(
        &mut self,
        for_directive: &hcl_edit::template::ForDirective,
        out: &mut String,
        unknown: &mut bool,
        marked: &mut bool,
    ) -> Result<bool, EvalError> {
        let intro = &for_directive.for_expr;
        if intro.strip.strip_start() {
            trim_end(out);
        }
        let (collection, coll_marked) = self.eval(&intro.collection_expr)?.unmark();
        *marked |= coll_marked;
        let pairs = match iterate(collection) {
            Ok(Some(pairs)) => pairs,
            Ok(None) => {
                *unknown = true;
                Vec::new()
            }
            Err(m) => return Err(EvalError::new(span(&intro.collection_expr), m)),
        };
        for (key, value) in pairs {
            let pushed = self.bind(
                intro.key_var.as_ref().map(|k| k.as_str()),
                intro.value_var.as_str(),
                key,
                value,
            );
            let result = self.render_template(
                &intro.template,
                out,
                unknown,
                marked,
                intro.strip.strip_end(),
            );
            self.bindings.truncate(self.bindings.len() - pushed);
            result?;
            if for_directive.endfor_expr.strip.strip_start() {
                trim_end(out);
            }
        }
        Ok(for_directive.endfor_expr.strip.strip_end())
    }

    fn bind(&mut self, key_var: Option<&str>, value_var: &str, key: Value, value: Value) -> usize {
        let mut pushed = 1;
        if let Some(key_var) = key_var {
            self.bindings.push((key_var.to_owned(), key));
            pushed += 1;
        }
        self.bindings.push((value_var.to_owned(), value));
        pushed
    }

    fn eval_for(&mut self, for_expr: &ForExpr) -> EvalResult {
        let intro = &for_expr.intro;
        let (collection, marked) = self.eval(&intro.collection_expr)?.unmark();
        let pairs = match iterate(collection) {
            Ok(Some(pairs)) => pairs,
            Ok(None) => return Ok(mark(Value::Unknown, marked)),
            Err(m) => return Err(EvalError::new(span(&intro.collection_expr), m)),
        };
        let mut items = ForItems::default();
        for (key, value) in pairs {
            let pushed = self.bind(
                intro.key_var.as_ref().map(|k| k.as_str()),
                intro.value_var.as_str(),
                key,
                value,
            );
            let result = self.eval_for_item(for_expr, &mut items);
            self.bindings.truncate(self.bindings.len() - pushed);
            result?;
        }
        let result = if items.unknown {
            Value::Unknown
        } else if let Some(key_expr) = &for_expr.key_expr {
            for_object(items.pairs, for_expr.grouping, items.key_marked)
                .map_err(|error| error.at(span(key_expr)))?
        } else {
            Value::List(items.list)
        };
        // A sensitive key marks the whole object, as in an object constructor.
        Ok(mark(result, marked || items.key_marked))
    }

    fn eval_for_item(&mut self, for_expr: &ForExpr, items: &mut ForItems) -> Result<(), EvalError> {
        if let Some(cond) = &for_expr.cond {
            let (keep, marked) = self.eval(&cond.expr)?.unmark();
            match keep {
                Value::Bool(false) => return Ok(()),
                Value::Bool(true) if !marked => {}
                Value::Bool(true) => {
                    return Err(EvalError::new(
                        span(&cond.expr),
                        "a `for` filter cannot depend on a sensitive value",
                    ));
                }
                Value::Unknown => {
                    items.unknown = true;
                    return Ok(());
                }
                other => {
                    return Err(EvalError::new(
                        span(&cond.expr),
                        format!("`for` filter must be a bool, found {}", other.type_name()),
                    ));
                }
            }
        }
        let value = self.eval(&for_expr.value_expr)?;
        let Some(key_expr) = &for_expr.key_expr else {
            items.list.push(value);
            return Ok(());
        };
        let (key, key_marked) = self.eval(key_expr)?.unmark();
        items.key_marked |= key_marked;
        let key = match key {
            Value::Unknown => {
                items.unknown = true;
                return Ok(());
            }
            other => value_to_string(&other).ok_or_else(|| {
                EvalError::new(
                    span(key_expr),
                    format!("object key must be a string, found {}", other.type_name()),
                )
            })?,
        };
        items.pairs.push((key, value));
        Ok(())
    }
}

/// What the items of a `for` expression gave so far.
#[derive(Default)]
struct ForItems {
    /// The values, for a list.
    list: Vec<Value>,
    /// The keys and values in the order they came, for an object.
    pairs: Vec<(String, Value)>,
    /// Whether a key or a filter was unknown.
    unknown: bool,
    /// Whether a key was sensitive.
    key_marked: bool,
}

/// The object of a `for` expression from its (key, value) pairs in the order they came:
/// with `grouping`, the values of each key in a list, in that order; without, a key twice is
/// an error, whose message names the key unless a key was sensitive. Sorted once rather than
/// inserted key by key, which is quadratic.
fn for_object(
    mut pairs: Vec<(String, Value)>,
    grouping: bool,
    key_marked: bool,
) -> Result<Value, EvalError> {
    // Stable: the values of one key stay in the order they came.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, Value)> = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        match out.last_mut() {
            Some((last, Value::List(group))) if grouping && *last == key => group.push(value),
            Some((last, _)) if *last == key => {
                let key = if key_marked {
                    crate::redact::SENSITIVE.to_owned()
                } else {
                    format!("`{key}`")
                };
                return Err(EvalError::new(
                    0..0,
                    format!("duplicate key {key} in `for` expression"),
                )
                .with_hint(
                    "use `...` after the value to group values with the same key into lists",
                ));
            }
            _ if grouping => out.push((key, Value::List(vec![value]))),
            _ => out.push((key, value)),
        }
    }
    Ok(Value::Object(compact_object(
        ObjectMap::from_sorted_store_unchecked(out),
    )))
}

fn op_range(
    operator: &hcl_edit::Decorated<TraversalOperator>,
    fallback: &Range<usize>,
) -> Range<usize> {
    operator.span().unwrap_or_else(|| fallback.clone())
}

fn span_of_key(object: &hcl_edit::expr::Object, index: usize) -> Range<usize> {
    object
        .iter()
        .nth(index)
        .and_then(|(k, _)| k.span())
        .or_else(|| object.span())
        .unwrap_or(0..0)
}

fn call_name(call: &hcl_edit::expr::FuncCall) -> String {
    let mut name = String::new();
    for ns in &call.name.namespace {
        name.push_str(ns.as_str());
        name.push_str("::");
    }
    name.push_str(call.name.name.as_str());
    name
}

fn article_type(value: &Value) -> String {
    let name = value.type_name();
    if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {name}")
    } else {
        format!("a {name}")
    }
}

/// The pairs a `for` iterates over: (index, value) for lists, (key, value) for objects,
/// (value, value) for sets. `None` when the collection is unknown.
fn iterate(collection: Value) -> Result<Option<Vec<(Value, Value)>>, String> {
    match collection {
        Value::Unknown => Ok(None),
        Value::List(items) => Ok(Some(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| (Value::int(i64::try_from(i).unwrap_or(i64::MAX)), v))
                .collect(),
        )),
        Value::Set(items) => Ok(Some(items.into_iter().map(|v| (v.clone(), v)).collect())),
        Value::Object(map) => Ok(Some(
            map.into_iter()
                .map(|(k, v)| (Value::String(k), v))
                .collect(),
        )),
        other => Err(format!("cannot iterate over {}", article_type(&other))),
    }
}

/// `value.name`; a message about a sensitive value is redacted.
pub(crate) fn get_attr(value: Value, name: &str) -> Result<Value, String> {
    // A sensitive object's keys are secret too (a sensitive key marks its object): kept, only
    // then, for the message of a failure, which may suggest one.
    let secret = value.is_sensitive().then(|| value.clone());
    read_attr(value, name)
        .map_err(|message| redact(message, &[secret.as_ref().unwrap_or(&Value::Null)]))
}

fn read_attr(value: Value, name: &str) -> Result<Value, String> {
    let (value, marked) = value.unmark();
    let result = match value {
        Value::Unknown => Value::Unknown,
        Value::Object(mut map) => map.remove(name).ok_or_else(|| {
            let suggestion = crate::schema::suggest(name, map.keys().map(String::as_str))
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            format!("object has no attribute `{name}`{suggestion}")
        })?,
        Value::Null => return Err(format!("cannot read attribute `{name}` of a null value")),
        other => {
            return Err(format!(
                "cannot read attribute `{name}` of {}",
                article_type(&other)
            ));
        }
    };
    Ok(mark(result, marked))
}

/// `value[index]`; a message about a sensitive value or index is redacted.
pub(crate) fn index_value(value: Value, index: Value) -> Result<Value, String> {
    // Kept, only when sensitive, for the message of a failure, which shows the key or index.
    let secrets: Vec<Value> = [&value, &index]
        .into_iter()
        .filter(|v| v.is_sensitive())
        .cloned()
        .collect();
    index_unredacted(value, index)
        .map_err(|message| redact(message, &secrets.iter().collect::<Vec<_>>()))
}

fn index_unredacted(value: Value, index: Value) -> Result<Value, String> {
    let (value, marked) = value.unmark();
    let (index, index_marked) = index.unmark();
    let marked = marked || index_marked;
    let result = match (value, index) {
        (Value::Unknown, _) | (_, Value::Unknown) => Value::Unknown,
        (Value::List(items), index) => {
            let Some(i) = index.as_i64() else {
                return Err(format!(
                    "a list index must be a whole number, found {}",
                    index.type_name()
                ));
            };
            let len = items.len();
            usize::try_from(i)
                .ok()
                .and_then(|i| items.into_iter().nth(i))
                .ok_or_else(|| format!("index {i} is out of range for a list of {len} elements"))?
        }
        (Value::Object(mut map), index) => {
            let Some(key) = value_to_string(&index) else {
                return Err(format!(
                    "an object key must be a string, found {}",
                    index.type_name()
                ));
            };
            map.remove(&key)
                .ok_or_else(|| format!("object has no key `{key}`"))?
        }
        (Value::Set(_), _) => {
            return Err("a set cannot be indexed; convert it with `tolist(...)`".to_owned());
        }
        (other, _) => return Err(format!("cannot index {}", article_type(&other))),
    };
    Ok(mark(result, marked))
}

/// A primitive value as a string (for templates and object keys).
pub(crate) fn value_to_string(value: &Value) -> Option<String> {
    match value.unmarked() {
        Value::String(s) => Some(s.clone()),
        // A fraction in decimal without an exponent, as Terraform writes numbers.
        Value::Number(n) if n.is_f64() => Some(format!("{}", float(n))),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Renders a template read from a file (`templatefile`): `vars` are its only names, as in
/// Terraform. A failure is its line, column and message in the template.
pub(crate) fn render_template_file(
    source: &str,
    vars: &ObjectMap,
    dir: Option<&Path>,
) -> Result<Value, (usize, usize, String)> {
    let at = |offset: usize, message: String| {
        let before = &source[..offset.min(source.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, column, message)
    };
    let template: Template = source.parse().map_err(|e: hcl_edit::parser::Error| {
        (
            e.location().line(),
            e.location().column(),
            e.message().to_owned(),
        )
    })?;
    let empty = ObjectMap::new();
    let resources = |_: &ResourceAddress, _: Option<&Value>| -> Option<Found> { None };
    let env = Env {
        variables: &empty,
        locals: &empty,
        resources: &resources,
        dir,
        module: None,
    };
    let mut context = Context::new(&env);
    context.bindings = vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    context
        .eval_template(&template)
        .map_err(|e| at(e.range.start, e.message))
}

/// A number literal: a whole number is a 64-bit integer, and one beyond that range is an error
/// rather than a float that would silently lose its last digits.
fn convert_number(n: &hcl_edit::Formatted<hcl_edit::Number>) -> Result<Value, String> {
    let number = n.value();
    if let Some(i) = number.as_i64() {
        return Ok(Value::int(i));
    }
    let written: &str = n.as_repr().map_or("", |r| r);
    if is_whole_number_text(written) {
        return Err(integer_out_of_range(written));
    }
    Ok(number
        .as_f64()
        .and_then(Number::from_f64)
        .map_or(Value::Null, Value::Number))
}

/// Whether `s` is written as a whole number: digits, after an optional sign.
pub(crate) fn is_whole_number_text(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The error for a whole number beyond 64 bits (`what` is the number or the operation).
pub(crate) fn integer_out_of_range(what: &str) -> String {
    format!(
        "`{what}` is beyond the range of whole numbers, {} to {}",
        i64::MIN,
        i64::MAX
    )
}

/// Parses a decimal number as the language does (integers stay exact).
/// A whole number beyond 64 bits is not one: it would lose its last digits as a float.
pub(crate) fn parse_number(s: &str) -> Option<Value> {
    let s = s.trim();
    if let Ok(i) = s.parse::<i64>() {
        return Some(Value::int(i));
    }
    if is_whole_number_text(s) {
        return None;
    }
    s.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(Number::from_f64)
        .map(Value::Number)
}

fn float(n: &Number) -> f64 {
    n.as_f64().unwrap_or(0.0)
}

pub(crate) fn number_value(f: f64) -> Result<Value, String> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        return Ok(Value::int(f as i64));
    }
    Number::from_f64(f)
        .map(Value::Number)
        .ok_or_else(|| "the result is not a finite number".to_owned())
}

fn negate(n: &Number) -> Result<Value, String> {
    match n.as_i64() {
        Some(i) => i
            .checked_neg()
            .map(Value::int)
            .ok_or_else(|| integer_out_of_range(&format!("-({i})"))),
        None => number_value(-float(n)),
    }
}

fn arithmetic(op: BinaryOperator, a: &Number, b: &Number) -> Result<Value, String> {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        // Whole numbers stay exact: a result beyond 64 bits is an error, not a rounded float.
        // `wrapping_rem` is the remainder itself (0 for `i64::MIN % -1`, which `%` panics on).
        let exact = match op {
            BinaryOperator::Plus => Some(x.checked_add(y)),
            BinaryOperator::Minus => Some(x.checked_sub(y)),
            BinaryOperator::Mul => Some(x.checked_mul(y)),
            BinaryOperator::Div if y != 0 && x.wrapping_rem(y) == 0 => Some(x.checked_div(y)),
            BinaryOperator::Mod if y != 0 => Some(Some(x.wrapping_rem(y))),
            _ => None,
        };
        if let Some(result) = exact {
            return result
                .map(Value::int)
                .ok_or_else(|| integer_out_of_range(&format!("{x} {} {y}", op.as_str())));
        }
    }
    let (x, y) = (float(a), float(b));
    match op {
        BinaryOperator::Plus => number_value(x + y),
        BinaryOperator::Minus => number_value(x - y),
        BinaryOperator::Mul => number_value(x * y),
        BinaryOperator::Div if y == 0.0 => Err("division by zero".to_owned()),
        BinaryOperator::Div => number_value(x / y),
        BinaryOperator::Mod if y == 0.0 => Err("modulo by zero".to_owned()),
        BinaryOperator::Mod => number_value(x % y),
        _ => Err(format!("`{}` is not an arithmetic operator", op.as_str())),
    }
}

/// Applies a binary operator; unknown operands give unknown, marks propagate.
pub(crate) fn binary(op: BinaryOperator, lhs: &Value, rhs: &Value) -> Result<Value, String> {
    let marked = lhs.contains_sensitive() || rhs.contains_sensitive();
    let (lhs, rhs) = (lhs.strip_marks(), rhs.strip_marks());
    let result = match op {
        BinaryOperator::Eq | BinaryOperator::NotEq => {
            if lhs.contains_unknown() || rhs.contains_unknown() {
                Value::Unknown
            } else {
                Value::Bool(equal(&lhs, &rhs) == (op == BinaryOperator::Eq))
            }
        }
        _ if lhs.is_unknown() || rhs.is_unknown() => Value::Unknown,
        BinaryOperator::And | BinaryOperator::Or => match (&lhs, &rhs) {
            (Value::Bool(a), Value::Bool(b)) => Value::Bool(if op == BinaryOperator::And {
                *a && *b
            } else {
                *a || *b
            }),
            _ => {
                return Err(format!(
                    "operator `{}` needs two bools, found {} and {}",
                    op.as_str(),
                    lhs.type_name(),
                    rhs.type_name()
                ));
            }
        },
        _ => {
            let (Some(a), Some(b)) = (to_number(&lhs), to_number(&rhs)) else {
                return Err(format!(
                    "operator `{}` needs two numbers, found {} and {}",
                    op.as_str(),
                    lhs.type_name(),
                    rhs.type_name()
                ));
            };
            match op {
                BinaryOperator::Less => Value::Bool(compare(&a, &b).is_lt()),
                BinaryOperator::LessEq => Value::Bool(compare(&a, &b).is_le()),
                BinaryOperator::Greater => Value::Bool(compare(&a, &b).is_gt()),
                BinaryOperator::GreaterEq => Value::Bool(compare(&a, &b).is_ge()),
                _ => match (&a, &b) {
                    (Value::Number(x), Value::Number(y)) => arithmetic(op, x, y)?,
                    _ => Value::Null,
                },
            }
        }
    };
    Ok(mark(result, marked))
}

/// A number, or a string that reads as one (the language converts).
fn to_number(value: &Value) -> Option<Value> {
    match value {
        Value::Number(_) => Some(value.clone()),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn eval_with(src: &str, variables: &[(&str, Value)]) -> Result<Value, String> {
        let variables: ObjectMap = variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let locals = ObjectMap::new();
        let resources = |address: &ResourceAddress, _: Option<&Value>| -> Option<Found> {
            (address.type_name() == "huaweicloud_cce_addon").then_some(Found::Whole(Value::Unknown))
        };
        let env = Env {
            variables: &variables,
            locals: &locals,
            resources: &resources,
            dir: None,
            module: None,
        };
        let expr = hcl_edit::parser::parse_expr(src).map_err(|e| e.to_string())?;
        Context::new(&env).eval(&expr).map_err(|e| e.message)
    }

    fn eval(src: &str) -> Value {
        eval_with(src, &[]).unwrap()
    }

    fn json(src: &str) -> serde_json::Value {
        eval(src).to_json().unwrap()
    }

    fn secret() -> (&'static str, Value) {
        ("secret", Value::string("hunter2").mark_sensitive())
    }

    #[test]
    fn literals_and_collections() {
        assert_eq!(
            json(r#"{ a = [1, 2.5, "x", null, true], "b c" = {} }"#),
            serde_json::json!({"a": [1, 2.5, "x", null, true], "b c": {}})
        );
    }

    #[test]
    fn arithmetic_keeps_integers_exact() {
        assert_eq!(
            eval("9007199254740993 + 0"),
            Value::int(9_007_199_254_740_993)
        );
        assert_eq!(json("7 / 2"), serde_json::json!(3.5));
        assert_eq!(json("6 / 2"), serde_json::json!(3));
        assert_eq!(json("-(3 % 2)"), serde_json::json!(-1));
        assert_eq!(json("\"2\" * 3"), serde_json::json!(6));
        assert_eq!(eval_with("1 / 0", &[]), Err("division by zero".to_owned()));
    }

    #[test]
    fn comparison_and_logic() {
        assert_eq!(eval("1 < 2 && !false || false"), Value::Bool(true));
        assert_eq!(eval("[1, {a = 2}] == [1.0, {a = 2}]"), Value::Bool(true));
        assert_eq!(eval("\"a\" != \"a\""), Value::Bool(false));
        assert!(
            eval_with("1 && true", &[])
                .unwrap_err()
                .contains("needs two bools")
        );
    }

    #[test]
    fn conditional_and_templates() {
        assert_eq!(eval(r#"true ? "yes" : "no""#), Value::string("yes"));
        assert_eq!(eval(r#""v${1 + 1}-${true}""#), Value::string("v2-true"));
        assert_eq!(eval(r#""${[1]}""#), Value::List(vec![Value::int(1)]));
        assert_eq!(
            eval(r#""%{ if 1 == 1 }on%{ else }off%{ endif }""#),
            Value::string("on")
        );
        assert_eq!(
            eval(r#""%{ for x in ["a", "b"] }${x};%{ endfor }""#),
            Value::string("a;b;")
        );
        assert_eq!(eval(r#""a  ${~ "b" ~}  c""#), Value::string("abc"));
        assert_eq!(
            eval("<<EOT\n%{ for x in [1, 2] ~}\n${x}\n%{ endfor ~}\nend\nEOT"),
            Value::string("1\n2\nend\n")
        );
        assert!(
            eval_with(r#""x${[1]}""#, &[])
                .unwrap_err()
                .contains("cannot interpolate a list")
        );
    }

    #[test]
    fn for_expressions() {
        assert_eq!(
            json(r"[for x in [1, 2, 3] : x * 2 if x != 2]"),
            serde_json::json!([2, 6])
        );
        assert_eq!(
            json(r"{for k, v in {a = 1, b = 2} : upper(k) => v}"),
            serde_json::json!({"A": 1, "B": 2})
        );
        assert_eq!(
            json(
                r#"{for s in ["ab", "ac", "b"] : substr_key(s) => s...}"#
                    .replace("substr_key(s)", "lower(s) == \"b\" ? \"b\" : \"a\"")
                    .as_str()
            ),
            serde_json::json!({"a": ["ab", "ac"], "b": ["b"]})
        );
        assert_eq!(
            json(r#"[for i, v in ["x", "y"] : "${i}${v}"]"#),
            serde_json::json!(["0x", "1y"])
        );
        assert!(
            eval_with(r#"{for s in ["a", "a"] : s => s}"#, &[])
                .unwrap_err()
                .contains("duplicate key `a`")
        );
    }

    #[test]
    fn traversals_and_splat() {
        assert_eq!(
            json(r"{a = [{b = 1}, {b = 2}]}.a[*].b"),
            serde_json::json!([1, 2])
        );
        assert_eq!(json(r#"{a = {"k" = "v"}}.a["k"]"#), serde_json::json!("v"));
        assert_eq!(json(r"[10, 20].1"), serde_json::json!(20));
        assert!(
            eval_with(r"{version = 1}.verison", &[])
                .unwrap_err()
                .contains("did you mean `version`?")
        );
        assert!(
            eval_with("[1][3]", &[])
                .unwrap_err()
                .contains("out of range")
        );
    }

    #[test]
    fn variables_and_undeclared_names() {
        assert_eq!(
            eval_with("var.x", &[("x", Value::int(1))]),
            Ok(Value::int(1))
        );
        assert_eq!(
            eval_with("var.y", &[]),
            Err("undeclared variable `var.y`".to_owned())
        );
        assert!(eval_with("each.key", &[]).unwrap_err().contains("for_each"));
        assert!(
            eval_with("count.index", &[])
                .unwrap_err()
                .contains("with `count`")
        );
        assert_eq!(
            eval_with("foo.bar", &[]),
            Err("reference to undeclared resource `foo.bar`".to_owned())
        );
    }

    #[test]
    fn unknown_propagates_without_errors() {
        for src in [
            "huaweicloud_cce_addon.x.status",
            "huaweicloud_cce_addon.x.status == \"running\" ? 1 : 2",
            "huaweicloud_cce_addon.x[0].id",
            "\"id-${huaweicloud_cce_addon.x.id}\"",
            "huaweicloud_cce_addon.x.n + 1",
            "!huaweicloud_cce_addon.x.b",
            "[for x in huaweicloud_cce_addon.x.list : x]",
            "length(huaweicloud_cce_addon.x.list)",
            "upper(huaweicloud_cce_addon.x.id)",
            "jsonencode({a = huaweicloud_cce_addon.x.id})",
            "format(\"%s\", huaweicloud_cce_addon.x.id)",
        ] {
            assert_eq!(eval_with(src, &[]), Ok(Value::Unknown), "{src}");
        }
        // Known parts of a collection stay known.
        assert_eq!(
            eval("[1, huaweicloud_cce_addon.x.id]"),
            Value::List(vec![Value::int(1), Value::Unknown])
        );
        assert_eq!(
            eval("length([1, huaweicloud_cce_addon.x.id])"),
            Value::int(2)
        );
    }

    #[test]
    fn sensitive_marks_propagate() {
        let v = |src: &str| eval_with(src, &[secret()]).unwrap();
        assert!(v(r#""pw=${var.secret}""#).is_sensitive());
        assert!(v("upper(var.secret)").is_sensitive());
        assert!(v("var.secret == \"x\"").is_sensitive());
        assert!(v("true ? var.secret : \"\"").is_sensitive());
        assert!(v("jsonencode({p = var.secret})").is_sensitive());
        assert!(v("format(\"%s\", var.secret)").is_sensitive());
        assert!(v("[for c in [var.secret] : c]").contains_sensitive());
        // An object keeps its other keys unmarked.
        let object = v(r#"{ user = "u", password = var.secret }"#);
        assert!(!object.is_sensitive());
        let map = object.as_object().unwrap();
        assert!(map[&"password".to_owned()].is_sensitive());
        assert!(!map[&"user".to_owned()].is_sensitive());
        assert!(!v(r#"merge({ user = "u" }, { password = var.secret }).user"#).is_sensitive());
    }
}

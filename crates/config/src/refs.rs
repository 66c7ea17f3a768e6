//! Static analysis of expressions: which names they refer to, and where.

use std::ops::Range;

use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::template::{Directive, Element, Template};

use crate::eval::span;
use crate::model::{ReferenceStep, ResourceAddress};

/// What a name in an expression refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    Variable(String),
    Local(String),
    Each,
    CountIndex,
    Path,
    Resource(ResourceAddress, Vec<ReferenceStep>),
    /// `module.NAME`: the outputs of a module call.
    Module(String),
    /// A malformed reference, with the message saying why.
    Invalid(String, Option<String>),
}

/// One name used in an expression, with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawRef {
    pub target: Target,
    pub range: Range<usize>,
}

/// Every reference in `expr`, in source order (names bound by `for` are not references).
pub(crate) fn references(expr: &Expression) -> Vec<RawRef> {
    let mut walker = Walker::default();
    walker.expr(expr);
    walker.found
}

#[derive(Default)]
struct Walker {
    bound: Vec<String>,
    found: Vec<RawRef>,
}

impl Walker {
    fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Null(_)
            | Expression::Bool(_)
            | Expression::Number(_)
            | Expression::String(_) => {}
            Expression::Array(items) => items.iter().for_each(|e| self.expr(e)),
            Expression::Object(object) => {
                for (key, value) in object {
                    if let ObjectKey::Expression(key) = key {
                        // A bare name as a key (`{ (var.k) = 1 }` aside) is a literal in HCL.
                        if !matches!(key, Expression::Variable(_)) {
                            self.expr(key);
                        }
                    }
                    self.expr(value.expr());
                }
            }
            Expression::StringTemplate(template) => self.template(template),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template),
            Expression::Parenthesis(inner) => self.expr(inner.inner()),
            Expression::Variable(name) => self.root(name.as_str(), &[], span(expr)),
            Expression::Traversal(traversal) => {
                if let Expression::Variable(name) = &traversal.expr {
                    self.root(name.as_str(), &traversal.operators, span(expr));
                } else {
                    self.expr(&traversal.expr);
                }
                for operator in &traversal.operators {
                    if let TraversalOperator::Index(index) = operator.value() {
                        self.expr(index);
                    }
                }
            }
            Expression::Conditional(cond) => {
                self.expr(&cond.cond_expr);
                self.expr(&cond.true_expr);
                self.expr(&cond.false_expr);
            }
            Expression::FuncCall(call) => call.args.iter().for_each(|e| self.expr(e)),
            Expression::UnaryOp(op) => self.expr(&op.expr),
            Expression::BinaryOp(op) => {
                self.expr(&op.lhs_expr);
                self.expr(&op.rhs_expr);
            }
            Expression::ForExpr(for_expr) => {
                let intro = &for_expr.intro;
                self.expr(&intro.collection_expr);
                let depth = self.bound.len();
                if let Some(key) = &intro.key_var {
                    self.bound.push(key.as_str().to_owned());
                }
                self.bound.push(intro.value_var.as_str().to_owned());
                if let Some(key_expr) = &for_expr.key_expr {
                    self.expr(key_expr);
                }
                self.expr(&for_expr.value_expr);
                if let Some(cond) = &for_expr.cond {
                    self.expr(&cond.expr);
                }
                self.bound.truncate(depth);
            }
        }
    }

    fn template(&mut self, template: &Template) {
        for element in template {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(interpolation) => self.expr(&interpolation.expr),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(if_directive) => {
                        self.expr(&if_directive.if_expr.cond_expr);
                        self.template(&if_directive.if_expr.template);
                        if let Some(else_expr) = &if_directive.else_expr {
                            self.template(&else_expr.template);
                        }
                    }
                    Directive::For(for_directive) => {
                        let intro = &for_directive.for_expr;
                        self.expr(&intro.collection_expr);
                        let depth = self.bound.len();
                        if let Some(key) = &intro.key_var {
                            self.bound.push(key.as_str().to_owned());
                        }
                        self.bound.push(intro.value_var.as_str().to_owned());
                        self.template(&intro.template);
                        self.bound.truncate(depth);
                    }
                },
            }
        }
    }

    fn root(
        &mut self,
        name: &str,
        operators: &[hcl_edit::Decorated<TraversalOperator>],
        range: Range<usize>,
    ) {
        if self.bound.iter().any(|b| b == name) {
            return;
        }
        let attr = |i: usize| match operators.get(i).map(hcl_edit::Decorated::value) {
            Some(TraversalOperator::GetAttr(ident)) => Some(ident.as_str().to_owned()),
            _ => None,
        };
        // The range of the reference itself: the root and the operators that name it.
        let upto = |n: usize| -> Range<usize> {
            let end = operators
                .get(n.min(operators.len()).saturating_sub(1))
                .filter(|_| n > 0)
                .and_then(hcl_edit::Span::span)
                .map_or(range.end, |s| s.end);
            range.start..end.min(range.end).max(range.start)
        };
        let target = match name {
            "var" | "local" => match attr(0) {
                Some(field) if name == "var" => Target::Variable(field),
                Some(field) => Target::Local(field),
                None => Target::Invalid(
                    format!("`{name}` must be followed by a name, e.g. `{name}.example`"),
                    None,
                ),
            },
            "each" => Target::Each,
            "count" => Target::CountIndex,
            "path" => Target::Path,
            "self" => Target::Invalid("`self` is not supported".to_owned(), None),
            "module" => match attr(0) {
                Some(call) => Target::Module(call),
                None => Target::Invalid(
                    "`module` must be followed by the name of a module call, e.g. `module.dns.OUTPUT`"
                        .to_owned(),
                    None,
                ),
            },
            "data" => match (attr(0), attr(1)) {
                (Some(ty), Some(n)) => match ResourceAddress::data(&ty, &n) {
                    Ok(address) => Target::Resource(address, steps(&operators[2..])),
                    Err(error) => Target::Invalid(error.reason().to_owned(), None),
                },
                _ => Target::Invalid(
                    "a data source reference needs a type and a name: `data.TYPE.NAME`".to_owned(),
                    None,
                ),
            },
            other => {
                if let Some(n) = attr(0) {
                    match ResourceAddress::managed(other, &n) {
                        Ok(address) => Target::Resource(address, steps(&operators[1..])),
                        Err(error) => Target::Invalid(error.reason().to_owned(), None),
                    }
                } else {
                    let hint = crate::schema::suggest(other, ["var", "local", "each", "count", "data", "path"])
                    .map(|s| format!("did you mean `{s}`?"))
                    .or_else(|| Some("variables are written `var.NAME`, locals `local.NAME`, resources `TYPE.NAME`".to_owned()));
                    Target::Invalid(format!("unknown name `{other}`"), hint)
                }
            }
        };
        let consumed = match &target {
            Target::Resource(address, _) if address.mode() == crate::model::Mode::Data => 2,
            Target::Invalid(..) => 0,
            _ => 1,
        };
        let range = match &target {
            Target::Resource(..) => range,
            _ => upto(consumed),
        };
        self.found.push(RawRef { target, range });
    }
}

fn steps(operators: &[hcl_edit::Decorated<TraversalOperator>]) -> Vec<ReferenceStep> {
    operators
        .iter()
        .map(|o| match o.value() {
            TraversalOperator::GetAttr(ident) => {
                ReferenceStep::Attribute(ident.as_str().to_owned())
            }
            TraversalOperator::Index(Expression::Number(n)) => {
                ReferenceStep::Index(n.value().to_string())
            }
            TraversalOperator::Index(Expression::String(s)) => {
                ReferenceStep::Index(serde_json::Value::String(s.value().clone()).to_string())
            }
            TraversalOperator::LegacyIndex(i) => ReferenceStep::Index(i.value().to_string()),
            _ => ReferenceStep::Dynamic,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(src: &str) -> Vec<String> {
        let expr = hcl_edit::parser::parse_expr(src).unwrap();
        references(&expr)
            .into_iter()
            .map(|r| match r.target {
                Target::Variable(n) => format!("var.{n}"),
                Target::Local(n) => format!("local.{n}"),
                Target::Each => "each".to_owned(),
                Target::CountIndex => "count".to_owned(),
                Target::Path => "path".to_owned(),
                Target::Resource(a, steps) => {
                    format!("{a} {steps:?} @{}..{}", r.range.start, r.range.end)
                }
                Target::Module(n) => format!("module.{n}"),
                Target::Invalid(m, _) => format!("invalid: {m}"),
            })
            .collect()
    }

    #[test]
    fn finds_every_kind_of_reference() {
        assert_eq!(
            targets(
                r#"[var.a, local.b["x"], each.key, count.index, data.t_x.n.id, t_y.n[0].status, "${t_z.m}"]"#
            ),
            vec![
                "var.a",
                "local.b",
                "each",
                "count",
                "data.t_x.n [Attribute(\"id\")] @45..58",
                "t_y.n [Index(\"0\"), Attribute(\"status\")] @60..75",
                "t_z.m [] @80..85",
            ]
        );
    }

    #[test]
    fn for_bindings_are_not_references() {
        assert_eq!(
            targets("[for k, v in var.m : v if k != local.x]"),
            vec!["var.m", "local.x"]
        );
        assert_eq!(
            targets(r#""%{ for p in var.ps }${p}%{ endfor }""#),
            vec!["var.ps"]
        );
    }

    #[test]
    fn bare_unknown_names_are_invalid() {
        assert_eq!(targets("vars"), vec!["invalid: unknown name `vars`"]);
    }
}

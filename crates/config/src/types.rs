//! Type constraints of variables (`type = list(string)`) and conversion of values to them.

use std::collections::BTreeMap;
use std::fmt;

use hcl_edit::expr::{Expression, ObjectKey};

use crate::value::{ObjectMap, Value, compact_object, compare};

/// A type constraint, as written in a variable's `type` attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeConstraint {
    /// `any`: every value.
    Any,
    /// `string`.
    String,
    /// `number`.
    Number,
    /// `bool`.
    Bool,
    /// `list(T)`.
    List(Box<TypeConstraint>),
    /// `set(T)`.
    Set(Box<TypeConstraint>),
    /// `map(T)`.
    Map(Box<TypeConstraint>),
    /// `object({ name = T, ... })`: these attributes (others are dropped, as Terraform does).
    Object(BTreeMap<String, TypeConstraint>),
    /// `tuple([T, ...])`.
    Tuple(Vec<TypeConstraint>),
}

impl fmt::Display for TypeConstraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeConstraint::Any => f.write_str("any"),
            TypeConstraint::String => f.write_str("string"),
            TypeConstraint::Number => f.write_str("number"),
            TypeConstraint::Bool => f.write_str("bool"),
            TypeConstraint::List(t) => write!(f, "list({t})"),
            TypeConstraint::Set(t) => write!(f, "set({t})"),
            TypeConstraint::Map(t) => write!(f, "map({t})"),
            TypeConstraint::Object(fields) => {
                f.write_str("object({")?;
                for (i, (k, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, " {k} = {t}")?;
                }
                f.write_str(" })")
            }
            TypeConstraint::Tuple(items) => {
                f.write_str("tuple([")?;
                for (i, t) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("])")
            }
        }
    }
}

impl TypeConstraint {
    /// Reads a type constraint expression; `Err` holds the offending sub-expression's message.
    pub(crate) fn parse(expr: &Expression) -> Result<TypeConstraint, String> {
        match expr {
            Expression::Variable(name) => match name.as_str() {
                "any" => Ok(TypeConstraint::Any),
                "string" => Ok(TypeConstraint::String),
                "number" => Ok(TypeConstraint::Number),
                "bool" => Ok(TypeConstraint::Bool),
                other => Err(format!(
                    "unknown type `{other}`: expected `string`, `number`, `bool`, `any`, `list(...)`, `set(...)`, `map(...)`, `object({{...}})` or `tuple([...])`"
                )),
            },
            Expression::String(s) if matches!(s.as_str(), "string" | "number" | "bool" | "any") => {
                Err(format!("a type is written without quotes: `{}`", s.as_str()))
            }
            Expression::FuncCall(call) => {
                let name = call.name.name.as_str();
                let args: Vec<&Expression> = call.args.iter().collect();
                let [arg] = args.as_slice() else {
                    return Err(format!("`{name}(...)` takes exactly one argument"));
                };
                match name {
                    "list" => Ok(TypeConstraint::List(Box::new(Self::parse(arg)?))),
                    "set" => Ok(TypeConstraint::Set(Box::new(Self::parse(arg)?))),
                    "map" => Ok(TypeConstraint::Map(Box::new(Self::parse(arg)?))),
                    "object" => {
                        let Expression::Object(object) = arg else {
                            return Err("`object(...)` takes an object of attribute types: `object({ name = string })`".to_owned());
                        };
                        let mut fields = BTreeMap::new();
                        for (key, value) in object {
                            let name = match key {
                                ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                                ObjectKey::Expression(Expression::String(s)) => s.as_str().to_owned(),
                                ObjectKey::Expression(_) => {
                                    return Err("object attribute names must be identifiers".to_owned());
                                }
                            };
                            fields.insert(name, Self::parse(value.expr())?);
                        }
                        Ok(TypeConstraint::Object(fields))
                    }
                    "tuple" => {
                        let Expression::Array(items) = arg else {
                            return Err("`tuple(...)` takes a list of types: `tuple([string, number])`".to_owned());
                        };
                        Ok(TypeConstraint::Tuple(
                            items.iter().map(Self::parse).collect::<Result<_, _>>()?,
                        ))
                    }
                    other => Err(format!("unknown type constructor `{other}`")),
                }
            }
            _ => Err("expected a type such as `string`, `number`, `bool`, `list(string)` or `map(string)`".to_owned()),
        }
    }

    /// Whether values given on the command line or in the environment are taken literally.
    pub(crate) fn takes_raw_string(&self) -> bool {
        matches!(self, TypeConstraint::String | TypeConstraint::Any)
    }

    /// Converts `value` to this type, as Terraform does (`"5"` becomes `5` for a number, a tuple
    /// becomes a list, ...), or says why it cannot. Unknown and null pass through; marks are kept.
    pub fn convert(&self, value: Value) -> Result<Value, String> {
        // Kept, only when sensitive, for the redaction of a message that shows the value.
        let secret = value.is_sensitive().then(|| value.clone());
        let (inner, marked) = value.unmark();
        let converted = self.convert_unmarked(inner).map_err(|message| {
            crate::redact::redact(message, &[secret.as_ref().unwrap_or(&Value::Null)])
        })?;
        Ok(if marked {
            converted.mark_sensitive()
        } else {
            converted
        })
    }

    fn convert_unmarked(&self, value: Value) -> Result<Value, String> {
        let mismatch = |v: &Value| format!("expected {self}, found {}", v.type_name());
        match (self, value) {
            (_, v @ (Value::Unknown | Value::Null))
            | (TypeConstraint::Any, v)
            | (TypeConstraint::String, v @ Value::String(_))
            | (TypeConstraint::Number, v @ Value::Number(_))
            | (TypeConstraint::Bool, v @ Value::Bool(_)) => Ok(v),
            (TypeConstraint::String, Value::Number(n)) => Ok(Value::String(n.to_string())),
            (TypeConstraint::String, Value::Bool(b)) => Ok(Value::String(b.to_string())),
            (TypeConstraint::Number, Value::String(s)) => crate::eval::parse_number(&s)
                .ok_or_else(|| format!("expected number, found string `{s}`")),
            (TypeConstraint::Bool, Value::String(s)) if s == "true" || s == "false" => {
                Ok(Value::Bool(s == "true"))
            }
            (TypeConstraint::List(t), Value::List(items) | Value::Set(items)) => {
                Ok(Value::List(convert_all(t, items)?))
            }
            (TypeConstraint::Set(t), Value::List(items) | Value::Set(items)) => {
                let mut items = convert_all(t, items)?;
                items.sort_by(compare);
                items.dedup_by(|a, b| crate::value::equal(a, b));
                Ok(Value::Set(items))
            }
            (TypeConstraint::Map(t), Value::Object(map)) => {
                let mut out = ObjectMap::new();
                for (k, v) in map {
                    let v = t.convert(v).map_err(|e| format!("key `{k}`: {e}"))?;
                    out.insert(k, v);
                }
                Ok(Value::Object(compact_object(out)))
            }
            (TypeConstraint::Object(fields), Value::Object(mut map)) => {
                let mut out = ObjectMap::new();
                for (name, t) in fields {
                    let v = map
                        .remove(name)
                        .ok_or_else(|| format!("attribute `{name}` is required"))?;
                    out.insert(
                        name.clone(),
                        t.convert(v)
                            .map_err(|e| format!("attribute `{name}`: {e}"))?,
                    );
                }
                Ok(Value::Object(compact_object(out)))
            }
            (TypeConstraint::Tuple(types), Value::List(items)) if types.len() == items.len() => {
                let items = types
                    .iter()
                    .zip(items)
                    .enumerate()
                    .map(|(i, (t, v))| t.convert(v).map_err(|e| format!("element {i}: {e}")))
                    .collect::<Result<_, _>>()?;
                Ok(Value::List(items))
            }
            (_, v) => Err(mismatch(&v)),
        }
    }
}

fn convert_all(t: &TypeConstraint, items: Vec<Value>) -> Result<Vec<Value>, String> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| t.convert(v).map_err(|e| format!("element {i}: {e}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> TypeConstraint {
        TypeConstraint::parse(&hcl_edit::parser::parse_expr(src).unwrap()).unwrap()
    }

    #[test]
    fn parses_and_displays_constraints() {
        for src in [
            "string",
            "list(number)",
            "map(set(bool))",
            "object({ a = string, b = list(any) })",
            "tuple([string, number])",
        ] {
            assert_eq!(ty(src).to_string(), src);
        }
        let err =
            TypeConstraint::parse(&hcl_edit::parser::parse_expr("strin").unwrap()).unwrap_err();
        assert!(err.starts_with("unknown type `strin`"), "{err}");
    }

    #[test]
    fn converts_like_terraform() {
        assert_eq!(ty("number").convert(Value::string("5")), Ok(Value::int(5)));
        assert_eq!(ty("string").convert(Value::int(5)), Ok(Value::string("5")));
        assert_eq!(
            ty("set(string)").convert(Value::List(vec![
                Value::string("b"),
                Value::string("a"),
                Value::string("b")
            ])),
            Ok(Value::Set(vec![Value::string("a"), Value::string("b")]))
        );
        assert_eq!(
            ty("list(number)").convert(Value::List(vec![Value::string("x")])),
            Err("element 0: expected number, found string `x`".to_owned())
        );
        assert_eq!(
            ty("map(string)").convert(Value::string("x")),
            Err("expected map(string), found string".to_owned())
        );
        assert_eq!(
            ty("object({ a = number })").convert(Value::Object(ObjectMap::new())),
            Err("attribute `a` is required".to_owned())
        );
    }

    #[test]
    fn conversion_keeps_marks() {
        let v = ty("number")
            .convert(Value::string("1").mark_sensitive())
            .unwrap();
        assert_eq!(v, Value::int(1).mark_sensitive());
    }
}

//! Type conversions (`tolist`, `tomap`, `toset`, `tostring`, `tonumber`, `tobool`) and the
//! functions of sensitivity (`sensitive`, `nonsensitive`, `issensitive`).

use super::{Call, Failure, at, list_arg, number_text, object_arg};
use crate::eval::{integer_out_of_range, is_whole_number_text, parse_number};
use crate::value::{Value, compare, equal};

/// Elements of one type, as Terraform makes the elements of a list, set or map: strings and
/// numbers or bools together become strings; numbers and bools together, or a primitive and a
/// collection together, have no common type. Nulls stay null.
pub(super) fn unify(items: Vec<Value>) -> Result<Vec<Value>, ()> {
    let (mut strings, mut numbers, mut bools, mut collections) = (false, false, false, false);
    for item in &items {
        match item.unmarked() {
            Value::String(_) => strings = true,
            Value::Number(_) => numbers = true,
            Value::Bool(_) => bools = true,
            Value::Null | Value::Unknown => {}
            _ => collections = true,
        }
    }
    let primitives = strings || numbers || bools;
    if collections && primitives || !strings && numbers && bools {
        return Err(());
    }
    if !strings || !(numbers || bools) {
        return Ok(items);
    }
    Ok(items.into_iter().map(to_string_value).collect())
}

/// A primitive as a string (marks kept).
fn to_string_value(value: Value) -> Value {
    match value {
        Value::Sensitive(inner) => to_string_value(*inner).mark_sensitive(),
        Value::Number(n) => Value::String(number_text(n.as_f64().unwrap_or(0.0))),
        Value::Bool(b) => Value::String(b.to_string()),
        other => other,
    }
}

pub(super) fn tolist(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    unify(items)
        .map(Value::List)
        .map_err(|()| at(0, "cannot convert tuple to list of any single type"))
}

pub(super) fn toset(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    let mut items =
        unify(items).map_err(|()| at(0, "cannot convert tuple to set of any single type"))?;
    items.sort_by(compare);
    items.dedup_by(|a, b| equal(a, b));
    Ok(Value::Set(items))
}

pub(super) fn tomap(call: &Call<'_>) -> Result<Value, Failure> {
    let map = object_arg(call.args, 0)?;
    let (keys, values): (Vec<String>, Vec<Value>) = map.into_iter().unzip();
    let values =
        unify(values).map_err(|()| at(0, "cannot convert object to map of any single type"))?;
    Ok(Value::Object(keys.into_iter().zip(values).collect()))
}

pub(super) fn tostring(call: &Call<'_>) -> Result<Value, Failure> {
    match &call.args[0] {
        Value::Null => Ok(Value::Null),
        Value::String(s) => Ok(Value::String(s.clone())),
        v @ (Value::Number(_) | Value::Bool(_)) => Ok(to_string_value(v.clone())),
        v => Err(at(0, format!("cannot convert {} to string", v.type_name()))),
    }
}

pub(super) fn tonumber(call: &Call<'_>) -> Result<Value, Failure> {
    match &call.args[0] {
        Value::Null => Ok(Value::Null),
        v @ Value::Number(_) => Ok(v.clone()),
        Value::String(s) if s.trim() == s => parse_number(s).ok_or_else(|| {
            at(
                0,
                if is_whole_number_text(s) {
                    integer_out_of_range(s)
                } else {
                    format!("cannot convert `{s}` to number; given string must be a decimal representation of a number")
                },
            )
        }),
        Value::String(s) => Err(at(
            0,
            format!("cannot convert `{s}` to number; given string must be a decimal representation of a number"),
        )),
        v => Err(at(
            0,
            format!("cannot convert {} to number", v.type_name()),
        )),
    }
}

pub(super) fn tobool(call: &Call<'_>) -> Result<Value, Failure> {
    match &call.args[0] {
        Value::Null => Ok(Value::Null),
        v @ Value::Bool(_) => Ok(v.clone()),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        Value::String(s) => Err(at(
            0,
            format!("cannot convert `{s}` to bool; only the strings `true` or `false` are allowed"),
        )),
        v => Err(at(0, format!("cannot convert {} to bool", v.type_name()))),
    }
}

/// The value, marked sensitive.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn sensitive(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(call.args[0].clone().mark_sensitive())
}

/// The value without its sensitive mark (the author decides that it may be shown). Terraform
/// 1.11 accepts a value that is not sensitive too, and gives it back.
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn nonsensitive(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(call.args[0].clone().unmark().0)
}

/// Whether the value is sensitive (unknown when it is unknown and not marked).
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn issensitive(call: &Call<'_>) -> Result<Value, Failure> {
    let value = &call.args[0];
    Ok(if value.is_sensitive() {
        Value::Bool(true)
    } else if value.is_unknown() {
        Value::Unknown
    } else {
        Value::Bool(false)
    })
}

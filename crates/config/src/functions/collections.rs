//! Collection functions: lists, sets and maps.

use super::conversions::unify;
use super::{
    Call, Failure, MAX_RANGE, at, bool_arg, int_arg, len_value, list_arg, number, number_arg,
    number_text, object_arg, string_arg, whole,
};
use crate::eval::value_to_string;
use crate::value::{ObjectMap, Value, compact_object, compare, equal};

pub(super) fn merge(call: &Call<'_>) -> Result<Value, Failure> {
    let mut out = ObjectMap::new();
    for (i, arg) in call.args.iter().enumerate() {
        match arg {
            Value::Null => {}
            Value::Object(map) => out.extend(map.clone()),
            other => {
                return Err(at(
                    i,
                    format!("expected a map or object, found {}", other.type_name()),
                ));
            }
        }
    }
    Ok(Value::Object(compact_object(out)))
}

pub(super) fn lookup(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let map = object_arg(args, 0)?;
    let key = string_arg(args, 1)?;
    match (map.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(at(
            1,
            format!("the given key `{key}` does not exist in the map and no default was given"),
        )),
    }
}

pub(super) fn concat(call: &Call<'_>) -> Result<Value, Failure> {
    let mut out = Vec::new();
    for i in 0..call.args.len() {
        out.extend(list_arg(call.args, i)?);
    }
    Ok(Value::List(out))
}

pub(super) fn length(call: &Call<'_>) -> Result<Value, Failure> {
    match &call.args[0] {
        Value::List(items) | Value::Set(items) => Ok(len_value(items.len())),
        Value::Object(map) => Ok(len_value(map.len())),
        Value::String(s) => Ok(len_value(s.chars().count())),
        other => Err(at(
            0,
            format!("cannot take the length of {}", other.type_name()),
        )),
    }
}

pub(super) fn keys(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::List(
        object_arg(call.args, 0)?
            .into_iter()
            .map(|(key, _)| Value::String(key))
            .collect(),
    ))
}

pub(super) fn values(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::List(
        object_arg(call.args, 0)?
            .into_iter()
            .map(|(_, value)| value)
            .collect(),
    ))
}

pub(super) fn contains(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    Ok(Value::Bool(items.iter().any(|v| equal(v, &call.args[1]))))
}

pub(super) fn range(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let ints = (0..args.len())
        .map(|i| int_arg(args, i))
        .collect::<Result<Vec<_>, _>>()?;
    let (start, end, step) = match ints.as_slice() {
        [end] => (0, *end, 1),
        [start, end] => (*start, *end, if start <= end { 1 } else { -1 }),
        [start, end, step] => (*start, *end, *step),
        _ => (0, 0, 1),
    };
    if step == 0 {
        return Err(at(2, "step must not be zero"));
    }
    if (step > 0 && start > end) || (step < 0 && start < end) {
        return Ok(Value::List(Vec::new()));
    }
    // Counted before anything is made, in 128 bits, where no difference of two `i64` overflows.
    let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
    let count = ((end - start).abs() + step.abs() - 1) / step.abs();
    if count > MAX_RANGE as i128 {
        return Err(whole(format!(
            "the range has {count} elements, more than the limit of {MAX_RANGE}; use a larger step or a smaller range"
        )));
    }
    // Every element lies between `start` and `end`, so it is an `i64`.
    Ok(Value::List(
        (0..count)
            .filter_map(|k| i64::try_from(start + k * step).ok())
            .map(Value::int)
            .collect(),
    ))
}

/// The first argument that is neither null nor an empty string.
pub(super) fn coalesce(call: &Call<'_>) -> Result<Value, Failure> {
    for arg in call.args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            other => return Ok(other.clone()),
        }
    }
    Err(whole("no non-null, non-empty-string arguments"))
}

/// The first argument that is a non-empty list.
pub(super) fn coalescelist(call: &Call<'_>) -> Result<Value, Failure> {
    for (i, arg) in call.args.iter().enumerate() {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::List(items) | Value::Set(items) if items.is_empty() => {}
            Value::List(_) | Value::Set(_) => return Ok(arg.clone()),
            other => {
                return Err(at(
                    i,
                    format!("expected a list, found {}", other.type_name()),
                ));
            }
        }
    }
    Err(whole("no non-null arguments"))
}

pub(super) fn alltrue(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    for (i, _) in items.iter().enumerate() {
        if !element_bool(&items, i)? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

pub(super) fn anytrue(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    for (i, _) in items.iter().enumerate() {
        if element_bool(&items, i)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// Element `i` as a bool (null is false).
fn element_bool(items: &[Value], i: usize) -> Result<bool, Failure> {
    if items[i].is_null() {
        return Ok(false);
    }
    bool_arg(items, i).map_err(|_| at(0, "a list of bools is required"))
}

pub(super) fn chunklist(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    let size = int_arg(call.args, 1)?;
    if size < 0 {
        return Err(at(1, "the size argument must be positive"));
    }
    if size == 0 {
        return Ok(Value::List(vec![Value::List(items)]));
    }
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    Ok(Value::List(
        items
            .chunks(size)
            .map(|chunk| Value::List(chunk.to_vec()))
            .collect(),
    ))
}

/// The list without its null and empty-string elements (a list of strings).
pub(super) fn compact(call: &Call<'_>) -> Result<Value, Failure> {
    let items = strings(list_arg(call.args, 0)?, 0)?;
    Ok(Value::List(
        items
            .into_iter()
            .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
            .collect(),
    ))
}

/// The elements converted to strings, as a `list(string)` parameter takes them.
fn strings(items: Vec<Value>, argument: usize) -> Result<Vec<Value>, Failure> {
    items
        .into_iter()
        .map(|item| match item {
            Value::Null => Ok(Value::Null),
            Value::Number(n) => Ok(Value::String(number_text(n.as_f64().unwrap_or(0.0)))),
            other => value_to_string(&other)
                .map(Value::String)
                .ok_or_else(|| at(argument, "a list of strings is required")),
        })
        .collect()
}

/// The list without repeated elements, first occurrences kept in order.
pub(super) fn distinct(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    let mut out: Vec<Value> = Vec::with_capacity(items.len());
    for item in items {
        if !out.iter().any(|seen| equal(seen, &item)) {
            out.push(item);
        }
    }
    Ok(Value::List(out))
}

/// `element(list, index)`: the index wraps around the list's length.
pub(super) fn element(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    let index = int_arg(call.args, 1)?;
    if items.is_empty() {
        return Err(at(0, "cannot use element function with an empty list"));
    }
    // Terraform takes the remainder before it looks at the sign: -1 works on a list of one
    // element, and fails on a longer one.
    let index = usize::try_from(index % len_i64(items.len()))
        .map_err(|_| at(1, "cannot use element function with a negative index"))?;
    Ok(items[index].clone())
}

fn len_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Lists inside lists made one list, at every depth.
pub(super) fn flatten(call: &Call<'_>) -> Result<Value, Failure> {
    fn walk(items: Vec<Value>, out: &mut Vec<Value>) {
        for item in items {
            match item {
                Value::List(inner) | Value::Set(inner) => walk(inner, out),
                other => out.push(other),
            }
        }
    }
    let mut out = Vec::new();
    walk(list_arg(call.args, 0)?, &mut out);
    Ok(Value::List(out))
}

/// The index of the first element equal to the value.
pub(super) fn index(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    items
        .iter()
        .position(|item| equal(item, &call.args[1]))
        .map(len_value)
        .ok_or_else(|| whole("item not found"))
}

/// The elements of `values` whose element of `keys` (at the same index) is in `searchset`.
pub(super) fn matchkeys(call: &Call<'_>) -> Result<Value, Failure> {
    let values = list_arg(call.args, 0)?;
    let keys = list_arg(call.args, 1)?;
    let search = list_arg(call.args, 2)?;
    if values.len() != keys.len() {
        return Err(whole("length of keys and values should be equal"));
    }
    Ok(Value::List(
        values
            .into_iter()
            .zip(&keys)
            .filter(|(_, key)| search.iter().any(|s| equal(s, key)))
            .map(|(value, _)| value)
            .collect(),
    ))
}

/// The one element of a list (null for an empty one).
pub(super) fn one(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    match items.as_slice() {
        [] => Ok(Value::Null),
        [item] => Ok(item.clone()),
        _ => Err(at(
            0,
            "must be a list, set, or tuple value with either zero or one elements",
        )),
    }
}

pub(super) fn reverse(call: &Call<'_>) -> Result<Value, Failure> {
    let mut items = list_arg(call.args, 0)?;
    items.reverse();
    Ok(Value::List(items))
}

/// The argument as a set: sorted, without duplicates, its elements of one type.
fn set_arg(call: &Call<'_>, i: usize) -> Result<Vec<Value>, Failure> {
    let items = unify(list_arg(call.args, i)?)
        .map_err(|()| at(i, "cannot convert the list to a set of any single type"))?;
    Ok(as_set(items))
}

fn as_set(mut items: Vec<Value>) -> Vec<Value> {
    items.sort_by(compare);
    items.dedup_by(|a, b| equal(a, b));
    items
}

/// The sets' elements unified to one type, as Terraform unifies the sets of one call.
fn sets(call: &Call<'_>) -> Result<Vec<Vec<Value>>, Failure> {
    let sets = (0..call.args.len())
        .map(|i| set_arg(call, i))
        .collect::<Result<Vec<_>, _>>()?;
    let lengths: Vec<usize> = sets.iter().map(Vec::len).collect();
    let unified = unify(sets.into_iter().flatten().collect())
        .map_err(|()| whole("the sets' elements have no common type"))?;
    let mut rest = unified.into_iter();
    Ok(lengths
        .into_iter()
        .map(|n| as_set(rest.by_ref().take(n).collect()))
        .collect())
}

pub(super) fn setintersection(call: &Call<'_>) -> Result<Value, Failure> {
    let mut sets = sets(call)?.into_iter();
    let first = sets.next().unwrap_or_default();
    let rest: Vec<Vec<Value>> = sets.collect();
    Ok(Value::Set(
        first
            .into_iter()
            .filter(|item| rest.iter().all(|set| set.iter().any(|v| equal(v, item))))
            .collect(),
    ))
}

pub(super) fn setunion(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::Set(as_set(
        sets(call)?.into_iter().flatten().collect(),
    )))
}

pub(super) fn setsubtract(call: &Call<'_>) -> Result<Value, Failure> {
    let sets = sets(call)?;
    Ok(Value::Set(
        sets[0]
            .iter()
            .filter(|item| !sets[1].iter().any(|v| equal(v, item)))
            .cloned()
            .collect(),
    ))
}

/// Every combination of one element of each set, as lists.
pub(super) fn setproduct(call: &Call<'_>) -> Result<Value, Failure> {
    let mut product: Vec<Vec<Value>> = vec![Vec::new()];
    for i in 0..call.args.len() {
        let items = list_arg(call.args, i)?;
        // A list argument keeps its order and repetitions; a set is already a set.
        let mut next = Vec::with_capacity(product.len() * items.len());
        for prefix in &product {
            for item in &items {
                let mut row = prefix.clone();
                row.push(item.clone());
                next.push(row);
            }
        }
        if next.len() > MAX_RANGE {
            return Err(whole(format!(
                "the product has more than {MAX_RANGE} elements"
            )));
        }
        product = next;
    }
    let all_sets = call.args.iter().all(|a| matches!(a, Value::Set(_)));
    let rows = product.into_iter().map(Value::List).collect();
    Ok(if all_sets {
        Value::Set(as_set(rows))
    } else {
        Value::List(rows)
    })
}

/// `slice(list, start, end)`: elements from `start` up to, not including, `end`.
pub(super) fn slice(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    let start = int_arg(call.args, 1)?;
    let end = int_arg(call.args, 2)?;
    let len = i64::try_from(items.len()).unwrap_or(i64::MAX);
    if start < 0 {
        return Err(at(1, "the start index must not be less than zero"));
    }
    if end > len {
        return Err(at(
            2,
            "the end index must not be greater than the length of the list",
        ));
    }
    if start > end {
        return Err(at(
            1,
            "the start index must not be greater than the end index",
        ));
    }
    let (start, end) = (
        usize::try_from(start).unwrap_or(0),
        usize::try_from(end).unwrap_or(0),
    );
    Ok(Value::List(items[start..end].to_vec()))
}

/// The strings in lexical order (numbers are sorted as their text, as Terraform does).
pub(super) fn sort(call: &Call<'_>) -> Result<Value, Failure> {
    let mut items = strings(list_arg(call.args, 0)?, 0)?;
    if items.iter().any(Value::is_null) {
        return Err(at(0, "given list element is null; a null cannot be sorted"));
    }
    items.sort_by(compare);
    Ok(Value::List(items))
}

pub(super) fn sum(call: &Call<'_>) -> Result<Value, Failure> {
    let items = list_arg(call.args, 0)?;
    if items.is_empty() {
        return Err(at(0, "cannot sum an empty list"));
    }
    let mut whole_total: Option<i64> = Some(0);
    let mut total = 0.0;
    for i in 0..items.len() {
        if items[i].is_null() {
            return Err(at(
                0,
                "argument must be list, set, or tuple of number values",
            ));
        }
        let n = number_arg(&items, i)
            .map_err(|_| at(0, "argument must be list, set, or tuple of number values"))?;
        total += n;
        whole_total = match (whole_total, items[i].as_i64()) {
            (Some(t), Some(x)) => t.checked_add(x),
            _ => None,
        };
    }
    match whole_total {
        Some(t) => Ok(Value::int(t)),
        None => number(total),
    }
}

/// `transpose(map)`: a map of lists of strings turned inside out.
pub(super) fn transpose(call: &Call<'_>) -> Result<Value, Failure> {
    let map = object_arg(call.args, 0)?;
    let mut out: ObjectMap = ObjectMap::new();
    for (key, list) in map {
        let (Value::List(items) | Value::Set(items)) = list else {
            return Err(at(0, "a map of lists of strings is required"));
        };
        for item in items {
            let value = value_to_string(&item)
                .ok_or_else(|| at(0, "a map of lists of strings is required"))?;
            match out.get_mut(&value) {
                Some(Value::List(keys)) => keys.push(Value::String(key.clone())),
                _ => {
                    out.insert(value, Value::List(vec![Value::String(key.clone())]));
                }
            }
        }
    }
    Ok(Value::Object(out))
}

/// A map from the keys of one list to the values of another.
pub(super) fn zipmap(call: &Call<'_>) -> Result<Value, Failure> {
    let keys = list_arg(call.args, 0)?;
    let values = list_arg(call.args, 1)?;
    if keys.len() != values.len() {
        return Err(whole(format!(
            "number of keys ({}) does not match number of values ({})",
            keys.len(),
            values.len()
        )));
    }
    let mut pairs = Vec::with_capacity(keys.len());
    for (key, value) in keys.iter().zip(values) {
        if key.is_null() {
            return Err(at(0, "keys list must not contain null values"));
        }
        let key = value_to_string(key).ok_or_else(|| at(0, "a list of strings is required"))?;
        pairs.push((key, value));
    }
    Ok(Value::Object(compact_object(pairs.into_iter().collect())))
}

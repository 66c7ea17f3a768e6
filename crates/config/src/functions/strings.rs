//! String functions: `join`, `split`, `replace` (with its regular-expression form), `regex`,
//! `substr`, the `trim` family... `format` and `formatlist` are in their own module.

use regex::Regex;

use super::{Call, Failure, at, int_arg, list_arg, string_arg, whole};
use crate::eval::value_to_string;
use crate::value::{ObjectMap, Value};

/// Lower case, character by character, as Go's `strings.ToLower` maps them (`İ` is `i`).
pub(super) fn lower(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::String(
        text.chars()
            .map(|c| c.to_lowercase().next().unwrap_or(c))
            .collect(),
    ))
}

/// Upper case, character by character: a character whose upper case is several characters
/// (`ß`) stays as it is, as with Go's `strings.ToUpper`.
pub(super) fn upper(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::String(
        text.chars()
            .map(|c| {
                let mut upper = c.to_uppercase();
                match (upper.next(), upper.next()) {
                    (Some(u), None) => u,
                    _ => c,
                }
            })
            .collect(),
    ))
}

/// The first letter of each word in upper case; a word starts after anything but a letter, a
/// digit, `_` or `'` (Go's `strings.Title`, which Terraform calls).
pub(super) fn title(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let mut out = String::with_capacity(text.len());
    let mut after_separator = true;
    for c in text.chars() {
        if after_separator {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        after_separator = !(c.is_alphanumeric() || c == '_' || c == '\'');
    }
    Ok(Value::String(out))
}

pub(super) fn trimspace(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(string_arg(call.args, 0)?.trim().to_owned()))
}

/// Removes every character of the cut set from both ends.
pub(super) fn trim(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let cutset = string_arg(call.args, 1)?;
    Ok(Value::String(
        text.trim_matches(|c| cutset.contains(c)).to_owned(),
    ))
}

pub(super) fn trimprefix(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let prefix = string_arg(call.args, 1)?;
    Ok(Value::String(
        text.strip_prefix(prefix.as_str())
            .unwrap_or(&text)
            .to_owned(),
    ))
}

pub(super) fn trimsuffix(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let suffix = string_arg(call.args, 1)?;
    Ok(Value::String(
        text.strip_suffix(suffix.as_str())
            .unwrap_or(&text)
            .to_owned(),
    ))
}

/// Removes the newlines (`\n`, `\r\n`, `\r`) at the end.
pub(super) fn chomp(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::String(
        text.trim_end_matches(['\n', '\r']).to_owned(),
    ))
}

pub(super) fn startswith(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::Bool(text.starts_with(&string_arg(call.args, 1)?)))
}

pub(super) fn endswith(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::Bool(text.ends_with(&string_arg(call.args, 1)?)))
}

pub(super) fn strcontains(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    Ok(Value::Bool(text.contains(&string_arg(call.args, 1)?)))
}

/// The characters in reverse order (Terraform reverses grapheme clusters; a combining mark
/// here stays a character of its own).
pub(super) fn strrev(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(
        string_arg(call.args, 0)?.chars().rev().collect(),
    ))
}

/// `n` spaces before every line but the first.
pub(super) fn indent(call: &Call<'_>) -> Result<Value, Failure> {
    let n = int_arg(call.args, 0)?;
    let text = string_arg(call.args, 1)?;
    let pad = " ".repeat(usize::try_from(n).unwrap_or(0));
    Ok(Value::String(text.replace('\n', &format!("\n{pad}"))))
}

/// `length` characters from `offset` (negative: from the end); a length of -1 takes the rest.
pub(super) fn substr(call: &Call<'_>) -> Result<Value, Failure> {
    let chars: Vec<char> = string_arg(call.args, 0)?.chars().collect();
    let offset = int_arg(call.args, 1)?;
    let length = int_arg(call.args, 2)?;
    let len = i64::try_from(chars.len()).unwrap_or(i64::MAX);
    // An offset before the start is the start, one past the end gives an empty string.
    let start = if offset < 0 { len + offset } else { offset }.clamp(0, len);
    let end = if length < 0 {
        if length != -1 {
            return Err(at(2, "length must be -1 (the rest) or more"));
        }
        len
    } else {
        start.saturating_add(length).min(len)
    };
    let (start, end) = (
        usize::try_from(start).unwrap_or(0),
        usize::try_from(end).unwrap_or(0),
    );
    Ok(Value::String(chars[start..end].iter().collect()))
}

/// `join(sep, lists...)`: the strings of every list, separated.
pub(super) fn join(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let separator = string_arg(args, 0)?;
    if args.len() < 2 {
        return Err(whole("at least one list is required"));
    }
    let mut parts = Vec::new();
    for i in 1..args.len() {
        for item in list_arg(args, i)? {
            if item.is_null() {
                return Err(at(
                    i,
                    "element of the list is null; cannot concatenate null values",
                ));
            }
            parts.push(value_to_string(&item).ok_or_else(|| {
                at(
                    i,
                    format!(
                        "expected a list of strings, found an element of type {}",
                        item.type_name()
                    ),
                )
            })?);
        }
    }
    Ok(Value::String(parts.join(&separator)))
}

/// `split(sep, s)`; an empty separator splits into characters, as Go's `strings.Split` does.
pub(super) fn split(call: &Call<'_>) -> Result<Value, Failure> {
    let separator = string_arg(call.args, 0)?;
    let text = string_arg(call.args, 1)?;
    if separator.is_empty() {
        return Ok(Value::List(
            text.chars().map(|c| Value::String(c.to_string())).collect(),
        ));
    }
    Ok(Value::List(
        text.split(&separator).map(Value::from).collect(),
    ))
}

/// `replace(s, search, replacement)`: a search written `/.../` is a regular expression, and the
/// replacement may then name its groups (`$1`, `${name}`).
pub(super) fn replace(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let search = string_arg(call.args, 1)?;
    let replacement = string_arg(call.args, 2)?;
    if search.len() > 1 && search.starts_with('/') && search.ends_with('/') {
        let pattern = compile(&search[1..search.len() - 1], 1)?;
        return Ok(Value::String(
            pattern
                .replace_all(&text, replacement.as_str())
                .into_owned(),
        ));
    }
    Ok(Value::String(text.replace(&search, &replacement)))
}

/// `regex(pattern, s)`: the first match (see [`captures`] for its shape).
pub(super) fn regex(call: &Call<'_>) -> Result<Value, Failure> {
    let pattern = compile(&string_arg(call.args, 0)?, 0)?;
    let text = string_arg(call.args, 1)?;
    let shape = Shape::of(&pattern)?;
    match pattern.captures(&text) {
        Some(found) => Ok(shape.value(&pattern, &found)),
        None => Err(whole("pattern did not match any part of the given string")),
    }
}

/// `regexall(pattern, s)`: every match, as a list.
pub(super) fn regexall(call: &Call<'_>) -> Result<Value, Failure> {
    let pattern = compile(&string_arg(call.args, 0)?, 0)?;
    let text = string_arg(call.args, 1)?;
    let shape = Shape::of(&pattern)?;
    Ok(Value::List(
        pattern
            .captures_iter(&text)
            .map(|found| shape.value(&pattern, &found))
            .collect(),
    ))
}

fn compile(pattern: &str, argument: usize) -> Result<Regex, Failure> {
    Regex::new(pattern).map_err(|e| at(argument, format!("invalid regexp pattern: {e}")))
}

/// What a match gives: the matched text when the pattern has no groups, the list of its groups'
/// texts, or the object of its named groups' texts (a group that took no part is null).
enum Shape {
    Whole,
    Groups,
    Named,
}

impl Shape {
    fn of(pattern: &Regex) -> Result<Shape, Failure> {
        let names: Vec<Option<&str>> = pattern.capture_names().skip(1).collect();
        let with_names = names.iter().filter(|n| n.is_some()).count();
        match (names.len(), with_names) {
            (0, _) => Ok(Shape::Whole),
            (_, 0) => Ok(Shape::Groups),
            (n, m) if n == m => Ok(Shape::Named),
            _ => Err(at(
                0,
                "invalid regexp pattern: cannot mix both named and unnamed capture groups",
            )),
        }
    }

    fn value(&self, pattern: &Regex, found: &regex::Captures<'_>) -> Value {
        let text = |m: Option<regex::Match<'_>>| {
            m.map_or(Value::Null, |m| Value::String(m.as_str().to_owned()))
        };
        match self {
            Shape::Whole => text(found.get(0)),
            Shape::Groups => Value::List((1..found.len()).map(|i| text(found.get(i))).collect()),
            Shape::Named => Value::Object(
                pattern
                    .capture_names()
                    .flatten()
                    .map(|name| (name.to_owned(), text(found.name(name))))
                    .collect::<ObjectMap>(),
            ),
        }
    }
}

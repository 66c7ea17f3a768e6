//! The standard library of functions.

use std::ops::Range;
use std::path::Path;

use crate::eval::{EvalError, EvalResult, parse_number, value_to_string};
use crate::value::{ObjectMap, Value, compact_object, compare, equal};

/// Names of every function, for suggestions.
pub(crate) const FUNCTIONS: &[&str] = &[
    "can",
    "coalesce",
    "concat",
    "contains",
    "file",
    "format",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "range",
    "split",
    "tolist",
    "tomap",
    "tonumber",
    "toset",
    "tostring",
    "trimspace",
    "try",
    "upper",
    "values",
];

/// Functions whose result depends on every part of their arguments: one sensitive or unknown
/// part anywhere makes the whole result sensitive or unknown.
const DEEP: &[&str] = &[
    "jsonencode",
    "format",
    "join",
    "tostring",
    "toset",
    "contains",
];

fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    Some(match name {
        "jsonencode" | "jsondecode" | "file" | "length" | "keys" | "values" | "toset" | "tomap"
        | "tolist" | "lower" | "upper" | "tostring" | "tonumber" | "trimspace" => (1, Some(1)),
        "contains" | "join" | "split" => (2, Some(2)),
        "lookup" => (2, Some(3)),
        "range" => (1, Some(3)),
        "format" | "coalesce" => (1, None),
        "merge" | "concat" => (0, None),
        _ => return None,
    })
}

/// Calls function `name` with evaluated arguments (`spans` are their places, `range` the call's).
pub(crate) fn call(
    name: &str,
    args: Vec<Value>,
    spans: &[Range<usize>],
    range: Range<usize>,
    dir: Option<&Path>,
) -> EvalResult {
    let Some((min, max)) = arity(name) else {
        let error = EvalError::new(range, format!("unknown function `{name}`"));
        return Err(
            match crate::schema::suggest(name, FUNCTIONS.iter().copied()) {
                Some(s) => error.with_hint(format!("did you mean `{s}`?")),
                None => error,
            },
        );
    };
    if args.len() < min || max.is_some_and(|max| args.len() > max) {
        let expected = match max {
            Some(max) if max == min => format!("{min}"),
            Some(max) => format!("{min} to {max}"),
            None => format!("at least {min}"),
        };
        let plural = if expected == "1" { "" } else { "s" };
        return Err(EvalError::new(
            range,
            format!(
                "`{name}` takes {expected} argument{plural}, found {}",
                args.len()
            ),
        ));
    }
    let deep = DEEP.contains(&name);
    let marked = if deep {
        args.iter().any(Value::contains_sensitive)
    } else {
        args.iter().any(Value::is_sensitive)
    };
    let args: Vec<Value> = if deep {
        args.iter().map(Value::strip_marks).collect()
    } else {
        args.into_iter().map(|a| a.unmark().0).collect()
    };
    let unknown = if deep {
        args.iter().any(Value::contains_unknown)
    } else {
        name != "coalesce" && args.iter().any(Value::is_unknown)
    };
    let result = if unknown {
        Value::Unknown
    } else {
        let arg_span = |i: usize| spans.get(i).cloned().unwrap_or_else(|| range.clone());
        apply(name, &args, dir).map_err(|(i, message)| {
            EvalError::new(
                i.map_or_else(|| range.clone(), arg_span),
                format!("{name}: {message}"),
            )
        })?
    };
    Ok(if marked {
        result.mark_sensitive()
    } else {
        result
    })
}

/// An error message, with the index of the argument it is about.
type Failure = (Option<usize>, String);

fn at(i: usize, message: impl Into<String>) -> Failure {
    (Some(i), message.into())
}

fn string_arg(args: &[Value], i: usize) -> Result<String, Failure> {
    value_to_string(&args[i]).ok_or_else(|| {
        at(
            i,
            format!("expected a string, found {}", args[i].type_name()),
        )
    })
}

fn list_arg(args: &[Value], i: usize) -> Result<Vec<Value>, Failure> {
    match &args[i] {
        Value::List(items) | Value::Set(items) => Ok(items.clone()),
        other => Err(at(
            i,
            format!("expected a list, found {}", other.type_name()),
        )),
    }
}

fn object_arg(args: &[Value], i: usize) -> Result<ObjectMap, Failure> {
    match &args[i] {
        Value::Object(map) => Ok(map.clone()),
        other => Err(at(
            i,
            format!("expected a map or object, found {}", other.type_name()),
        )),
    }
}

fn int_arg(args: &[Value], i: usize) -> Result<i64, Failure> {
    args[i].as_i64().ok_or_else(|| {
        at(
            i,
            format!("expected a whole number, found {}", args[i].type_name()),
        )
    })
}

fn len_value(n: usize) -> Value {
    Value::int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn apply(name: &str, args: &[Value], dir: Option<&Path>) -> Result<Value, Failure> {
    match name {
        "jsonencode" => {
            let json = args[0].to_json_with(&mut |_| serde_json::Value::Null);
            Ok(Value::String(json.to_string()))
        }
        "jsondecode" => {
            let text = string_arg(args, 0)?;
            serde_json::from_str::<serde_json::Value>(&text)
                .map(Value::from)
                .map_err(|e| at(0, format!("invalid JSON: {e}")))
        }
        "file" => {
            let path = string_arg(args, 0)?;
            let full = dir.map_or_else(|| Path::new(&path).to_path_buf(), |d| d.join(&path));
            std::fs::read_to_string(&full)
                .map(Value::String)
                .map_err(|e| at(0, format!("cannot read `{path}`: {e}")))
        }
        "merge" => {
            let mut out = ObjectMap::new();
            for (i, arg) in args.iter().enumerate() {
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
        "lookup" => {
            let map = object_arg(args, 0)?;
            let key = string_arg(args, 1)?;
            match (map.get(&key), args.get(2)) {
                (Some(v), _) => Ok(v.clone()),
                (None, Some(default)) => Ok(default.clone()),
                (None, None) => Err(at(1, format!("no key `{key}` and no default given"))),
            }
        }
        "concat" => {
            let mut out = Vec::new();
            for i in 0..args.len() {
                out.extend(list_arg(args, i)?);
            }
            Ok(Value::List(out))
        }
        "length" => match &args[0] {
            Value::List(items) | Value::Set(items) => Ok(len_value(items.len())),
            Value::Object(map) => Ok(len_value(map.len())),
            Value::String(s) => Ok(len_value(s.chars().count())),
            other => Err(at(
                0,
                format!("cannot take the length of {}", other.type_name()),
            )),
        },
        "keys" => Ok(Value::List(
            object_arg(args, 0)?
                .into_iter()
                .map(|(key, _)| Value::String(key))
                .collect(),
        )),
        "values" => Ok(Value::List(
            object_arg(args, 0)?
                .into_iter()
                .map(|(_, value)| value)
                .collect(),
        )),
        "contains" => {
            let items = list_arg(args, 0)?;
            Ok(Value::Bool(items.iter().any(|v| equal(v, &args[1]))))
        }
        "range" => {
            let ints = (0..args.len())
                .map(|i| int_arg(args, i))
                .collect::<Result<Vec<_>, _>>()?;
            let (start, end, step) = match ints.as_slice() {
                [end] => (0, *end, 1),
                [start, end] => (*start, *end, if start <= end { 1 } else { -1 }),
                [start, end, step] => (*start, *end, *step),
                _ => (0, 0, 1),
            };
            if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
                return Err((None, "step must move from start towards end".to_owned()));
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < end) || (step < 0 && i > end) {
                out.push(Value::int(i));
                if out.len() > 1024 * 1024 {
                    return Err((None, "the range has more than 1048576 elements".to_owned()));
                }
                i = i.saturating_add(step);
            }
            Ok(Value::List(out))
        }
        "coalesce" => {
            for arg in args {
                match arg {
                    Value::Unknown => return Ok(Value::Unknown),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    other => return Ok(other.clone()),
                }
            }
            Err((None, "every argument is null or an empty string".to_owned()))
        }
        "toset" => {
            let mut items = list_arg(args, 0)?;
            items.sort_by(compare);
            items.dedup_by(|a, b| equal(a, b));
            Ok(Value::Set(items))
        }
        "tolist" => Ok(Value::List(list_arg(args, 0)?)),
        "tomap" => Ok(Value::Object(object_arg(args, 0)?)),
        "lower" => Ok(Value::String(string_arg(args, 0)?.to_lowercase())),
        "upper" => Ok(Value::String(string_arg(args, 0)?.to_uppercase())),
        "trimspace" => Ok(Value::String(string_arg(args, 0)?.trim().to_owned())),
        "tostring" => match &args[0] {
            Value::Null => Ok(Value::Null),
            v => value_to_string(v)
                .map(Value::String)
                .ok_or_else(|| at(0, format!("cannot convert {} to a string", v.type_name()))),
        },
        "tonumber" => match &args[0] {
            Value::Null => Ok(Value::Null),
            v @ Value::Number(_) => Ok(v.clone()),
            Value::String(s) => {
                parse_number(s).ok_or_else(|| at(0, format!("`{s}` is not a number")))
            }
            v => Err(at(
                0,
                format!("cannot convert {} to a number", v.type_name()),
            )),
        },
        "join" => {
            let separator = string_arg(args, 0)?;
            let items = list_arg(args, 1)?;
            let parts = items
                .iter()
                .map(|v| {
                    value_to_string(v).ok_or_else(|| {
                        at(
                            1,
                            format!(
                                "expected a list of strings, found an element of type {}",
                                v.type_name()
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Value::String(parts.join(&separator)))
        }
        "split" => {
            let separator = string_arg(args, 0)?;
            let text = string_arg(args, 1)?;
            if separator.is_empty() {
                return Err(at(0, "the separator is empty"));
            }
            Ok(Value::List(
                text.split(&separator).map(Value::from).collect(),
            ))
        }
        "format" => format(args),
        _ => Err((None, "not implemented".to_owned())),
    }
}

/// `format(spec, args...)` with `%s`, `%d`, `%v`, `%q` and `%%`.
fn format(args: &[Value]) -> Result<Value, Failure> {
    let spec = string_arg(args, 0)?;
    let mut out = String::new();
    let mut next = 1;
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        // Flags and width, as in `%02d` or `%-8s`.
        let mut left = false;
        let mut zero = false;
        let mut width = 0usize;
        let mut verb = None;
        for c in chars.by_ref() {
            match c {
                '-' if width == 0 => left = true,
                '0' if width == 0 => zero = true,
                '0'..='9' => {
                    width = width
                        .saturating_mul(10)
                        .saturating_add(c as usize - '0' as usize)
                        .min(1024);
                }
                other => {
                    verb = Some(other);
                    break;
                }
            }
        }
        let Some(verb) = verb else {
            return Err(at(
                0,
                "the format ends with an unfinished `%`; write `%%` for a percent sign",
            ));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            return Err(at(0, format!("`%{verb}` has no matching argument")));
        };
        let text = match verb {
            's' => value_to_string(arg).ok_or_else(|| {
                at(
                    next,
                    format!("`%s` needs a string, found {}", arg.type_name()),
                )
            })?,
            'd' => {
                let n = match arg {
                    Value::String(s) => parse_number(s).and_then(|v| v.as_i64()),
                    v => v.as_i64(),
                };
                n.ok_or_else(|| {
                    at(
                        next,
                        format!("`%d` needs a whole number, found {}", arg.type_name()),
                    )
                })?
                .to_string()
            }
            'v' => value_to_string(arg).unwrap_or_else(|| {
                arg.to_json_with(&mut |_| serde_json::Value::Null)
                    .to_string()
            }),
            'q' => {
                let s = value_to_string(arg).ok_or_else(|| {
                    at(
                        next,
                        format!("`%q` needs a string, found {}", arg.type_name()),
                    )
                })?;
                serde_json::Value::String(s).to_string()
            }
            other => {
                return Err(at(
                    0,
                    format!("unsupported verb `%{other}`; use `%s`, `%d`, `%v`, `%q` or `%%`"),
                ));
            }
        };
        let pad = width.saturating_sub(text.chars().count());
        if left {
            out.push_str(&text);
            out.push_str(&" ".repeat(pad));
        } else if zero && verb == 'd' {
            let (sign, digits) = text
                .strip_prefix('-')
                .map_or(("", text.as_str()), |d| ("-", d));
            out.push_str(sign);
            out.push_str(&"0".repeat(pad));
            out.push_str(digits);
        } else {
            out.push_str(&" ".repeat(pad));
            out.push_str(&text);
        }
        next += 1;
    }
    if next < args.len() {
        return Err(at(next, "too many arguments for the format"));
    }
    Ok(Value::String(out))
}

#[cfg(test)]
mod tests {
    use crate::value::Value;

    fn eval(src: &str) -> Result<Value, String> {
        crate::eval::tests::eval_with(src, &[])
    }

    fn json(src: &str) -> serde_json::Value {
        eval(src).unwrap().to_json().unwrap()
    }

    #[allow(clippy::needless_pass_by_value)]
    fn check(src: &str, expected: serde_json::Value) {
        assert_eq!(json(src), expected, "{src}");
    }

    fn check_error(src: &str, expected: &str) {
        let error = eval(src).unwrap_err();
        assert!(error.contains(expected), "{src}: {error}");
    }

    #[test]
    fn jsonencode_and_jsondecode() {
        check(
            r#"jsonencode({b = [1, "x"], a = null})"#,
            serde_json::json!(r#"{"a":null,"b":[1,"x"]}"#),
        );
        check(
            r#"jsondecode("{\"a\": [1, 2.5]}")"#,
            serde_json::json!({"a": [1, 2.5]}),
        );
        check_error(r#"jsondecode("{")"#, "jsondecode: invalid JSON");
    }

    #[test]
    fn file_reads_relative_to_the_directory() {
        check_error(
            r#"file("does-not-exist.json")"#,
            "file: cannot read `does-not-exist.json`",
        );
    }

    #[test]
    fn collection_functions() {
        check(
            r"merge({a = 1, b = 1}, null, {b = 2})",
            serde_json::json!({"a": 1, "b": 2}),
        );
        check(r#"lookup({a = 1}, "a")"#, serde_json::json!(1));
        check(r#"lookup({a = 1}, "b", 0)"#, serde_json::json!(0));
        check_error(r#"lookup({a = 1}, "b")"#, "no key `b`");
        check(r"concat([1], [], [2, 3])", serde_json::json!([1, 2, 3]));
        check(r"length({a = 1, b = 2})", serde_json::json!(2));
        check(r#"length("héllo")"#, serde_json::json!(5));
        check(r"keys({b = 1, a = 2})", serde_json::json!(["a", "b"]));
        check(r"values({b = 1, a = 2})", serde_json::json!([2, 1]));
        check(r#"contains(["a", "b"], "b")"#, serde_json::json!(true));
        check(r"range(3)", serde_json::json!([0, 1, 2]));
        check(r"range(1, 7, 3)", serde_json::json!([1, 4]));
        check(r"range(3, 0)", serde_json::json!([3, 2, 1]));
        check(r#"coalesce(null, "", "x")"#, serde_json::json!("x"));
        check(r#"toset(["b", "a", "b"])"#, serde_json::json!(["a", "b"]));
        check(
            r#"tolist(toset(["b", "a"]))"#,
            serde_json::json!(["a", "b"]),
        );
        check(r#"tomap({a = "x"})"#, serde_json::json!({"a": "x"}));
        check(r#"concat(["a"], ["b", "c"]...)"#.replace(r#"["b", "c"]..."#, r#"[["b", "c"]]..."#).as_str(), serde_json::json!(["a", "b", "c"]));
        check_error(
            r#"concat([1], "x")"#,
            "concat: expected a list, found string",
        );
    }

    #[test]
    fn string_functions() {
        check(r#"lower("CoreDNS")"#, serde_json::json!("coredns"));
        check(r#"upper("gpu")"#, serde_json::json!("GPU"));
        check(r"tostring(12)", serde_json::json!("12"));
        check(r#"tonumber("12")"#, serde_json::json!(12));
        check(r#"join(",", ["a", "b"])"#, serde_json::json!("a,b"));
        check(r#"split(",", "a,b")"#, serde_json::json!(["a", "b"]));
        check(r#"trimspace("  x ")"#, serde_json::json!("x"));
        check(
            r#"try(jsondecode("{"), "fallback")"#,
            serde_json::json!("fallback"),
        );
        check(r#"can(jsondecode("{"))"#, serde_json::json!(false));
    }

    #[test]
    fn format_verbs() {
        check(
            r#"format("%s-%d-%v-%q-%%", "a", 7, [1], "q")"#,
            serde_json::json!("a-7-[1]-\"q\"-%"),
        );
        check_error(r#"format("%d", "x")"#, "`%d` needs a whole number");
        check_error(r#"format("%s %s", "x")"#, "`%s` has no matching argument");
        check_error(r#"format("%x", 1)"#, "unsupported verb `%x`");
        check(
            r#"format("%03d|%-4s|%4s|%03d", 7, "ab", "cd", -7)"#,
            serde_json::json!("007|ab  |  cd|-07"),
        );
    }

    #[test]
    fn arity_and_unknown_functions() {
        check_error("upper()", "`upper` takes 1 argument, found 0");
        check_error(r"lookup({})", "`lookup` takes 2 to 3 arguments, found 1");
        let error = eval("uper(\"x\")").unwrap_err();
        assert_eq!(error, "unknown function `uper`");
    }
}

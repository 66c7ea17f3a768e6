//! The standard library of functions.

use std::ops::Range;
use std::path::Path;

use crate::eval::{
    EvalError, EvalResult, integer_out_of_range, is_whole_number_text, parse_number,
    value_to_string,
};
use crate::redact::redact;
use crate::value::{ObjectMap, Value, compact_object, compare, equal};

/// One function of the library: its name, how the documentation writes its calls, and how it
/// is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Function {
    /// The name a call uses.
    pub(crate) name: &'static str,
    /// The calls as the function table of docs/language.md writes them:
    /// `lookup(map, key, default?)`.
    #[cfg_attr(
        not(test),
        allow(
            dead_code,
            reason = "the test that keeps docs/language.md honest reads it"
        )
    )]
    pub(crate) signatures: &'static [&'static str],
    /// How it is evaluated.
    pub(crate) body: Body,
}

/// How a function is evaluated.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Body {
    /// Called by [`call`] with its arguments evaluated.
    Eager {
        /// How many arguments it takes.
        arity: Arity,
        /// How sensitive and unknown arguments mark the result.
        marks: Marks,
        /// The function itself.
        apply: fn(&Call<'_>) -> Result<Value, Failure>,
    },
    /// Evaluated by the evaluator itself, which evaluates the arguments one at a time and
    /// catches their errors (`try`, `can`); [`call`] never sees it.
    Lazy,
}

/// How many arguments a function takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arity {
    /// At least this many.
    pub(crate) min: usize,
    /// At most this many; `None` when there is no limit.
    pub(crate) max: Option<usize>,
}

impl Arity {
    const fn exactly(n: usize) -> Self {
        Self {
            min: n,
            max: Some(n),
        }
    }

    const fn between(min: usize, max: usize) -> Self {
        Self {
            min,
            max: Some(max),
        }
    }

    const fn at_least(min: usize) -> Self {
        Self { min, max: None }
    }

    /// `1`, `2 to 3`, `at least 1`, as an error message says how many arguments are expected.
    fn expected(self) -> String {
        match self.max {
            Some(max) if max == self.min => format!("{max}"),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("at least {}", self.min),
        }
    }
}

/// How sensitive and unknown arguments mark a function's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marks {
    /// The result depends on every part of the arguments: one sensitive or unknown part
    /// anywhere makes the whole result sensitive or unknown.
    Deep,
    /// Only an argument that is sensitive or unknown as a whole marks the result.
    Shallow,
    /// As `Shallow` for sensitivity, but unknown arguments are the function's to handle
    /// (`coalesce` returns the first argument that is set, which may be unknown).
    ShallowSeesUnknown,
}

/// The arguments of one call, evaluated, and what the call may read.
pub(crate) struct Call<'a> {
    /// The arguments, without marks; none is unknown but for [`Marks::ShallowSeesUnknown`].
    args: &'a [Value],
    /// The configuration's directory, which `file()` reads relative to.
    dir: Option<&'a Path>,
}

/// Why a call failed: the message, and the argument it is about (`None`: the call as a whole).
#[derive(Debug)]
pub(crate) struct Failure {
    argument: Option<usize>,
    message: String,
}

const fn eager(
    name: &'static str,
    signatures: &'static [&'static str],
    arity: Arity,
    marks: Marks,
    apply: fn(&Call<'_>) -> Result<Value, Failure>,
) -> Function {
    Function {
        name,
        signatures,
        body: Body::Eager {
            arity,
            marks,
            apply,
        },
    }
}

const fn lazy(name: &'static str, signatures: &'static [&'static str]) -> Function {
    Function {
        name,
        signatures,
        body: Body::Lazy,
    }
}

/// Every function, sorted by name: dispatch, suggestions and the check of the documentation's
/// table all read this one list.
#[rustfmt::skip]
pub(crate) const FUNCTIONS: &[Function] = &[
    lazy("can",         &["can(e)"]),
    eager("coalesce",   &["coalesce(v...)"],                         Arity::at_least(1),   Marks::ShallowSeesUnknown, coalesce),
    eager("concat",     &["concat(list...)"],                        Arity::at_least(0),   Marks::Shallow,            concat),
    eager("contains",   &["contains(list, v)"],                      Arity::exactly(2),    Marks::Deep,               contains),
    eager("file",       &["file(path)"],                             Arity::exactly(1),    Marks::Shallow,            file),
    eager("format",     &["format(spec, v...)"],                     Arity::at_least(1),   Marks::Deep,               format),
    eager("join",       &["join(sep, list)"],                        Arity::exactly(2),    Marks::Deep,               join),
    eager("jsondecode", &["jsondecode(s)"],                          Arity::exactly(1),    Marks::Shallow,            jsondecode),
    eager("jsonencode", &["jsonencode(v)"],                          Arity::exactly(1),    Marks::Deep,               jsonencode),
    eager("keys",       &["keys(map)"],                              Arity::exactly(1),    Marks::Shallow,            keys),
    eager("length",     &["length(x)"],                              Arity::exactly(1),    Marks::Shallow,            length),
    eager("lookup",     &["lookup(map, key, default?)"],             Arity::between(2, 3), Marks::Shallow,            lookup),
    eager("lower",      &["lower(s)"],                               Arity::exactly(1),    Marks::Shallow,            lower),
    eager("merge",      &["merge(obj...)"],                          Arity::at_least(0),   Marks::Shallow,            merge),
    eager("range",      &["range(end)", "range(start, end, step?)"], Arity::between(1, 3), Marks::Shallow,            range),
    eager("split",      &["split(sep, s)"],                          Arity::exactly(2),    Marks::Shallow,            split),
    eager("tolist",     &["tolist(x)"],                              Arity::exactly(1),    Marks::Shallow,            tolist),
    eager("tomap",      &["tomap(obj)"],                             Arity::exactly(1),    Marks::Shallow,            tomap),
    eager("tonumber",   &["tonumber(v)"],                            Arity::exactly(1),    Marks::Shallow,            tonumber),
    eager("toset",      &["toset(list)"],                            Arity::exactly(1),    Marks::Deep,               toset),
    eager("tostring",   &["tostring(v)"],                            Arity::exactly(1),    Marks::Deep,               tostring),
    eager("trimspace",  &["trimspace(s)"],                           Arity::exactly(1),    Marks::Shallow,            trimspace),
    lazy("try",         &["try(e...)"]),
    eager("upper",      &["upper(s)"],                               Arity::exactly(1),    Marks::Shallow,            upper),
    eager("values",     &["values(map)"],                            Arity::exactly(1),    Marks::Shallow,            values),
];

/// The most elements `range()` gives (docs/language.md, "Limits").
pub(crate) const MAX_RANGE: usize = 1_048_576;

/// The widest field of `format()` (`%1000000d`), Go's limit, which Terraform's `format` has too
/// (docs/language.md, "Limits").
pub(crate) const MAX_FORMAT_WIDTH: usize = 1_000_000;

/// The function called `name`.
fn lookup_function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|function| function.name == name)
}

/// Calls function `name` with evaluated arguments (`spans` are their places, `range` the call's).
pub(crate) fn call(
    name: &str,
    args: Vec<Value>,
    spans: &[Range<usize>],
    range: Range<usize>,
    dir: Option<&Path>,
) -> EvalResult {
    // `try` and `can` are evaluated before a call is made; here they are as unknown as any name
    // that is not in the table.
    let Some(&Function {
        body: Body::Eager {
            arity,
            marks,
            apply,
        },
        ..
    }) = lookup_function(name)
    else {
        let error = EvalError::new(range, format!("unknown function `{name}`"));
        let names = FUNCTIONS.iter().map(|function| function.name);
        return Err(match crate::schema::suggest(name, names) {
            Some(s) => error.with_hint(format!("did you mean `{s}`?")),
            None => error,
        });
    };
    if args.len() < arity.min || arity.max.is_some_and(|max| args.len() > max) {
        let expected = arity.expected();
        let plural = if expected == "1" { "" } else { "s" };
        return Err(EvalError::new(
            range,
            format!(
                "`{name}` takes {expected} argument{plural}, found {}",
                args.len()
            ),
        ));
    }
    let deep = marks == Marks::Deep;
    let marked = if deep {
        args.iter().any(Value::contains_sensitive)
    } else {
        args.iter().any(Value::is_sensitive)
    };
    // What the redaction of a failure's message needs and stripping the marks loses: the
    // arguments whose marks go (all of them for a deep function, the marked ones otherwise);
    // nothing is kept when no argument is sensitive.
    let sensitive_args: Vec<Value> = if deep {
        if marked { args.clone() } else { Vec::new() }
    } else {
        args.iter().filter(|a| a.is_sensitive()).cloned().collect()
    };
    let args: Vec<Value> = if deep {
        args.iter().map(Value::strip_marks).collect()
    } else {
        args.into_iter().map(|a| a.unmark().0).collect()
    };
    let unknown = match marks {
        Marks::Deep => args.iter().any(Value::contains_unknown),
        Marks::Shallow => args.iter().any(Value::is_unknown),
        Marks::ShallowSeesUnknown => false,
    };
    let result = if unknown {
        Value::Unknown
    } else {
        let arg_span = |i: usize| spans.get(i).cloned().unwrap_or_else(|| range.clone());
        apply(&Call { args: &args, dir }).map_err(|failure| {
            let inputs: Vec<&Value> = sensitive_args.iter().chain(&args).collect();
            EvalError::new(
                failure.argument.map_or_else(|| range.clone(), arg_span),
                redact(format!("{name}: {}", failure.message), &inputs),
            )
        })?
    };
    Ok(if marked {
        result.mark_sensitive()
    } else {
        result
    })
}

/// A failure about argument `i`.
fn at(i: usize, message: impl Into<String>) -> Failure {
    Failure {
        argument: Some(i),
        message: message.into(),
    }
}

/// A failure of the call as a whole.
fn whole(message: impl Into<String>) -> Failure {
    Failure {
        argument: None,
        message: message.into(),
    }
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

#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
fn jsonencode(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let json = args[0].to_json_with(&mut |_| serde_json::Value::Null);
    Ok(Value::String(json.to_string()))
}

fn jsondecode(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let text = string_arg(args, 0)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map(Value::from)
        .map_err(|e| at(0, format!("invalid JSON: {e}")))
}

fn file(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let dir = call.dir;
    let path = string_arg(args, 0)?;
    let full = dir.map_or_else(|| Path::new(&path).to_path_buf(), |d| d.join(&path));
    std::fs::read_to_string(&full)
        .map(Value::String)
        .map_err(|e| at(0, format!("cannot read `{path}`: {e}")))
}

fn merge(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
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

fn lookup(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let map = object_arg(args, 0)?;
    let key = string_arg(args, 1)?;
    match (map.get(&key), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err(at(1, format!("no key `{key}` and no default given"))),
    }
}

fn concat(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let mut out = Vec::new();
    for i in 0..args.len() {
        out.extend(list_arg(args, i)?);
    }
    Ok(Value::List(out))
}

fn length(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    match &args[0] {
        Value::List(items) | Value::Set(items) => Ok(len_value(items.len())),
        Value::Object(map) => Ok(len_value(map.len())),
        Value::String(s) => Ok(len_value(s.chars().count())),
        other => Err(at(
            0,
            format!("cannot take the length of {}", other.type_name()),
        )),
    }
}

fn keys(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::List(
        object_arg(args, 0)?
            .into_iter()
            .map(|(key, _)| Value::String(key))
            .collect(),
    ))
}

fn values(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::List(
        object_arg(args, 0)?
            .into_iter()
            .map(|(_, value)| value)
            .collect(),
    ))
}

fn contains(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let items = list_arg(args, 0)?;
    Ok(Value::Bool(items.iter().any(|v| equal(v, &args[1]))))
}

fn range(call: &Call<'_>) -> Result<Value, Failure> {
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
    if step == 0 || (step > 0 && start > end) || (step < 0 && start < end) {
        return Err(whole("step must move from start towards end"));
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

fn coalesce(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    for arg in args {
        match arg {
            Value::Unknown => return Ok(Value::Unknown),
            Value::Null => {}
            Value::String(s) if s.is_empty() => {}
            other => return Ok(other.clone()),
        }
    }
    Err(whole("every argument is null or an empty string"))
}

fn toset(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let mut items = list_arg(args, 0)?;
    items.sort_by(compare);
    items.dedup_by(|a, b| equal(a, b));
    Ok(Value::Set(items))
}

fn tolist(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::List(list_arg(args, 0)?))
}

fn tomap(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::Object(object_arg(args, 0)?))
}

fn lower(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::String(string_arg(args, 0)?.to_lowercase()))
}

fn upper(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::String(string_arg(args, 0)?.to_uppercase()))
}

fn trimspace(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    Ok(Value::String(string_arg(args, 0)?.trim().to_owned()))
}

fn tostring(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => value_to_string(v)
            .map(Value::String)
            .ok_or_else(|| at(0, format!("cannot convert {} to a string", v.type_name()))),
    }
}

fn tonumber(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v @ Value::Number(_) => Ok(v.clone()),
        Value::String(s) => parse_number(s).ok_or_else(|| {
            at(
                0,
                if is_whole_number_text(s.trim()) {
                    integer_out_of_range(s.trim())
                } else {
                    format!("`{s}` is not a number")
                },
            )
        }),
        v => Err(at(
            0,
            format!("cannot convert {} to a number", v.type_name()),
        )),
    }
}

fn join(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
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

fn split(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let separator = string_arg(args, 0)?;
    let text = string_arg(args, 1)?;
    if separator.is_empty() {
        return Err(at(0, "the separator is empty"));
    }
    Ok(Value::List(
        text.split(&separator).map(Value::from).collect(),
    ))
}

/// `format(spec, args...)` with `%s`, `%d`, `%v`, `%q` and `%%`.
fn format(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
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
                        .saturating_add(c as usize - '0' as usize);
                    if width > MAX_FORMAT_WIDTH {
                        return Err(at(
                            0,
                            format!("a width above {MAX_FORMAT_WIDTH} is beyond the limit"),
                        ));
                    }
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
    use super::{Arity, Body, FUNCTIONS};
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

    /// The function calls in the first column of the function table of docs/language.md.
    fn documented_signatures() -> Vec<String> {
        let doc = include_str!("../../../docs/language.md");
        let table = doc
            .split("## Functions")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("docs/language.md has a `## Functions` section");
        let mut signatures = Vec::new();
        for row in table.lines().filter(|line| line.starts_with("| `")) {
            let first = row.split(" | ").next().unwrap();
            // The code spans of the first column: `toset(list)`, `tolist(x)`, `tomap(obj)`.
            signatures.extend(first.split('`').skip(1).step_by(2).map(str::to_owned));
        }
        signatures
    }

    #[test]
    fn the_documented_functions_are_the_registry() {
        let mut documented = documented_signatures();
        assert!(documented.len() > 20, "{documented:?}");
        let mut registered: Vec<String> = FUNCTIONS
            .iter()
            .flat_map(|function| function.signatures.iter().map(|s| (*s).to_owned()))
            .collect();
        documented.sort();
        registered.sort();
        assert_eq!(
            documented, registered,
            "the function table of docs/language.md and the registry differ"
        );
    }

    #[test]
    fn the_registry_is_sorted_and_its_signatures_name_their_function() {
        let names: Vec<&str> = FUNCTIONS.iter().map(|function| function.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
        for function in FUNCTIONS {
            for signature in function.signatures {
                assert!(
                    signature.starts_with(&format!("{}(", function.name)),
                    "{signature} is not a call of `{}`",
                    function.name
                );
            }
        }
    }

    /// How many arguments the documented calls of a function take, read from their parameters
    /// (`x` required, `x?` optional, `x...` any number).
    fn documented_arity(signatures: &[&str]) -> Arity {
        let mut min = usize::MAX;
        let mut max = Some(0);
        for signature in signatures {
            let inside = &signature[signature.find('(').unwrap() + 1..signature.len() - 1];
            let params: Vec<&str> = inside.split(", ").filter(|p| !p.is_empty()).collect();
            let required = params
                .iter()
                .filter(|p| !p.ends_with('?') && !p.ends_with("..."))
                .count();
            min = min.min(required);
            max = match max {
                Some(max) if !params.iter().any(|p| p.ends_with("...")) => {
                    Some(max.max(params.len()))
                }
                _ => None,
            };
        }
        Arity { min, max }
    }

    #[test]
    fn arities_are_those_the_signatures_document() {
        for function in FUNCTIONS {
            let Body::Eager { arity, .. } = function.body else {
                continue;
            };
            let documented = documented_arity(function.signatures);
            assert_eq!(arity.max, documented.max, "{}", function.name);
            // `coalesce(v...)` asks for one argument at least: a call without any is refused
            // by its arity, before it runs.
            if function.name == "coalesce" {
                assert_eq!(arity.min, 1);
            } else {
                assert_eq!(arity.min, documented.min, "{}", function.name);
            }
        }
    }

    #[test]
    fn an_unknown_function_suggests_a_close_name() {
        let error = super::call("lenght", Vec::new(), &[], 0..6, None).unwrap_err();
        assert_eq!(error.message, "unknown function `lenght`");
        assert_eq!(error.hint.as_deref(), Some("did you mean `length`?"));
        // `try` and `can` are suggested too, though the evaluator calls them itself.
        let error = super::call("trye", Vec::new(), &[], 0..4, None).unwrap_err();
        assert_eq!(error.hint.as_deref(), Some("did you mean `try`?"));
    }

    #[test]
    fn arity_and_unknown_functions() {
        check_error("upper()", "`upper` takes 1 argument, found 0");
        check_error(r"lookup({})", "`lookup` takes 2 to 3 arguments, found 1");
        let error = eval("uper(\"x\")").unwrap_err();
        assert_eq!(error, "unknown function `uper`");
    }
}

//! `format` and `formatlist`: Go's `fmt` verbs as Terraform's `format` takes them.

use std::fmt::Write as _;

use super::{Call, Failure, MAX_FORMAT_WIDTH, at, number_text, string_arg};
use crate::eval::value_to_string;
use crate::functions::encoding::json_text;
use crate::value::Value;

/// `format(spec, v...)`.
pub(super) fn format(call: &Call<'_>) -> Result<Value, Failure> {
    let spec = string_arg(call.args, 0)?;
    format_values(&spec, &call.args[1..]).map(Value::String)
}

/// `formatlist(spec, v...)`: `format` once per element of the list arguments (all of one
/// length), the other arguments repeated.
pub(super) fn formatlist(call: &Call<'_>) -> Result<Value, Failure> {
    let args = call.args;
    let spec = string_arg(args, 0)?;
    let mut length: Option<(usize, usize)> = None;
    for (i, arg) in args.iter().enumerate().skip(1) {
        if let Value::List(items) | Value::Set(items) = arg {
            match length {
                Some((_, n)) if n != items.len() => {
                    return Err(at(
                        i,
                        format!(
                            "argument {i} has length {}, which is inconsistent with argument {} of length {n}",
                            items.len(),
                            length.map_or(0, |(j, _)| j)
                        ),
                    ));
                }
                Some(_) => {}
                None => length = Some((i, items.len())),
            }
        }
    }
    let rows = length.map_or(1, |(_, n)| n);
    let mut out = Vec::with_capacity(rows);
    for row in 0..rows {
        let values: Vec<Value> = args[1..]
            .iter()
            .map(|arg| match arg {
                Value::List(items) | Value::Set(items) => items[row].clone(),
                other => other.clone(),
            })
            .collect();
        out.push(Value::String(format_values(&spec, &values)?));
    }
    Ok(Value::List(out))
}

/// One `%` directive: flags, width, precision, explicit argument index and verb.
#[derive(Default)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "Go's five flags, each on or off, as its `fmt` has them"
)]
struct Directive {
    minus: bool,
    plus: bool,
    space: bool,
    zero: bool,
    sharp: bool,
    width: usize,
    precision: Option<usize>,
    index: Option<usize>,
}

/// Formats `values` (the arguments after the spec: a failure's argument counts the spec as 0).
fn format_values(spec: &str, values: &[Value]) -> Result<String, Failure> {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut directive = Directive::default();
        while let Some(&flag) = chars.peek() {
            match flag {
                '-' => directive.minus = true,
                '+' => directive.plus = true,
                ' ' => directive.space = true,
                '0' => directive.zero = true,
                '#' => directive.sharp = true,
                _ => break,
            }
            chars.next();
        }
        if chars.peek() == Some(&'[') {
            chars.next();
            let digits: String = chars.by_ref().take_while(|c| *c != ']').collect();
            let index: usize = digits
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| at(0, format!("invalid argument index `[{digits}]`")))?;
            directive.index = Some(index - 1);
        }
        directive.width = digits(&mut chars, "width")?;
        if chars.peek() == Some(&'.') {
            chars.next();
            directive.precision = Some(digits(&mut chars, "precision")?);
        }
        let Some(verb) = chars.next() else {
            return Err(at(
                0,
                "the format ends with an unfinished `%`; write `%%` for a percent sign",
            ));
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let position = directive.index.unwrap_or(next);
        let Some(value) = values.get(position) else {
            return Err(at(
                0,
                format!(
                    "not enough arguments for `%{verb}`: need argument {} but have {} in total",
                    position + 1,
                    values.len()
                ),
            ));
        };
        let text = render(verb, &directive, value).map_err(|message| {
            at(
                position + 1,
                format!("unsupported value for `%{verb}`: {message}"),
            )
        })?;
        pad(&mut out, &text, &directive, verb);
        next = position + 1;
    }
    if next < values.len() && !spec.contains("%[") {
        return Err(at(
            next + 1,
            format!("too many arguments; no verbs for argument {}", next + 1),
        ));
    }
    Ok(out)
}

fn digits(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    what: &str,
) -> Result<usize, Failure> {
    let mut n = 0usize;
    while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
        chars.next();
        n = n.saturating_mul(10).saturating_add(d as usize);
        if n > MAX_FORMAT_WIDTH {
            return Err(at(
                0,
                format!("a {what} above {MAX_FORMAT_WIDTH} is beyond the limit"),
            ));
        }
    }
    Ok(n)
}

/// The text of one value for one verb, before padding.
fn render(verb: char, directive: &Directive, value: &Value) -> Result<String, String> {
    if value.is_null() && verb != 'v' {
        return Err("null value cannot be formatted".to_owned());
    }
    match verb {
        'v' if directive.sharp => Ok(json_text(value)),
        'v' => Ok(match value {
            Value::Null => "null".to_owned(),
            Value::Number(n) => number_text(n.as_f64().unwrap_or(0.0)),
            Value::List(_) | Value::Set(_) | Value::Object(_) => json_text(value),
            other => value_to_string(other).unwrap_or_default(),
        }),
        's' | 'q' => {
            let mut text = match value {
                Value::Number(n) => number_text(n.as_f64().unwrap_or(0.0)),
                other => value_to_string(other).ok_or("a string is required")?,
            };
            if let Some(precision) = directive.precision {
                text = text.chars().take(precision).collect();
            }
            Ok(if verb == 'q' { go_quote(&text) } else { text })
        }
        't' => match value {
            Value::Bool(b) => Ok(b.to_string()),
            Value::String(s) if s == "true" || s == "false" => Ok(s.clone()),
            _ => Err("a bool is required".to_owned()),
        },
        'b' | 'd' | 'o' | 'x' | 'X' => {
            let n = number(value)?;
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            let i = n as i128;
            #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
            if i as f64 != n {
                return Err("an integer is required".to_owned());
            }
            let magnitude = i.unsigned_abs();
            let digits = match verb {
                'b' => format!("{magnitude:b}"),
                'o' if directive.sharp => format!("0{magnitude:o}"),
                'o' => format!("{magnitude:o}"),
                'x' if directive.sharp => format!("0x{magnitude:x}"),
                'x' => format!("{magnitude:x}"),
                'X' if directive.sharp => format!("0X{magnitude:X}"),
                'X' => format!("{magnitude:X}"),
                _ => magnitude.to_string(),
            };
            Ok(signed(i < 0, digits, directive))
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => {
            let n = number(value)?;
            let digits = match verb {
                'e' | 'E' => exponent_form(n.abs(), directive.precision.unwrap_or(6)),
                'f' | 'F' => format!("{:.*}", directive.precision.unwrap_or(6), n.abs()),
                _ => general_form(n.abs(), directive.precision),
            };
            let digits = if verb.is_ascii_uppercase() {
                digits.to_uppercase()
            } else {
                digits
            };
            Ok(signed(n.is_sign_negative() && n != 0.0, digits, directive))
        }
        other => Err(format!(
            "unrecognized verb `%{other}`; use one of %v %#v %t %b %d %o %x %X %e %E %f %g %G %s %q"
        )),
    }
}

fn number(value: &Value) -> Result<f64, String> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| "a number is required".to_owned()),
        Value::String(s) => crate::eval::parse_number(s)
            .and_then(|v| match v {
                Value::Number(n) => n.as_f64(),
                _ => None,
            })
            .ok_or_else(|| "a number is required".to_owned()),
        _ => Err("a number is required".to_owned()),
    }
}

fn signed(negative: bool, digits: String, directive: &Directive) -> String {
    if negative {
        format!("-{digits}")
    } else if directive.plus {
        format!("+{digits}")
    } else if directive.space {
        format!(" {digits}")
    } else {
        digits
    }
}

/// Go's `%e`: `1.234568e+03`.
fn exponent_form(n: f64, precision: usize) -> String {
    go_exponent(&format!("{n:.precision$e}"))
}

/// Rust's `1.5e3` as Go writes it: `1.5e+03`.
fn go_exponent(rust: &str) -> String {
    let Some((mantissa, exponent)) = rust.split_once('e') else {
        return rust.to_owned();
    };
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:02}", exponent.abs())
}

/// Go's `%g`: the shortest form (or `precision` significant digits), with an exponent when it
/// is below -4 or at least the precision (6 for the shortest form).
fn general_form(n: f64, precision: Option<usize>) -> String {
    let scientific = match precision {
        Some(p) => format!("{n:.*e}", p.max(1) - 1),
        None => format!("{n:e}"),
    };
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i64 = exponent.parse().unwrap_or(0);
    let mantissa = if mantissa.contains('.') {
        mantissa.trim_end_matches('0').trim_end_matches('.')
    } else {
        mantissa
    };
    let significant =
        i64::try_from(mantissa.chars().filter(char::is_ascii_digit).count()).unwrap_or(i64::MAX);
    let limit = match precision {
        None => 6,
        Some(p) => {
            let p = i64::try_from(p.max(1)).unwrap_or(i64::MAX);
            if p > significant && significant > exponent {
                significant
            } else {
                p
            }
        }
    };
    if exponent < -4 || exponent >= limit {
        go_exponent(&format!("{mantissa}e{exponent}"))
    } else {
        let decimals = usize::try_from((significant - exponent - 1).max(0)).unwrap_or(0);
        format!("{n:.decimals$}")
    }
}

/// Go's `strconv.Quote`: double quotes, with `\"`, `\\`, the C escapes and `\x..`/`\u....` for
/// what is not printable.
fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Pads `text` to the directive's width: spaces on the left (`-`: on the right), or zeros
/// after the sign for a number with the `0` flag.
fn pad(out: &mut String, text: &str, directive: &Directive, verb: char) {
    let fill = directive.width.saturating_sub(text.chars().count());
    if directive.minus {
        out.push_str(text);
        out.extend(std::iter::repeat_n(' ', fill));
    } else if directive.zero && "bdoxXeEfFgG".contains(verb) {
        let (sign, digits) = match text.chars().next() {
            Some(c @ ('-' | '+' | ' ')) => (c.to_string(), &text[1..]),
            _ => (String::new(), text),
        };
        out.push_str(&sign);
        out.extend(std::iter::repeat_n('0', fill));
        out.push_str(digits);
    } else {
        out.extend(std::iter::repeat_n(' ', fill));
        out.push_str(text);
    }
}

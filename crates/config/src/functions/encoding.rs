//! Encoding functions: base64, gzip, CSV, JSON, URL and YAML.

use std::fmt::Write as _;
use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

use super::{Call, Failure, at, number_text, string_arg, whole};
use crate::value::{ObjectMap, Value};

pub(super) fn base64encode(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(STANDARD.encode(string_arg(call.args, 0)?)))
}

pub(super) fn base64decode(call: &Call<'_>) -> Result<Value, Failure> {
    let bytes = decode_base64(&string_arg(call.args, 0)?)?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        at(
            0,
            "the result of decoding the provided string is not valid UTF-8",
        )
    })
}

fn decode_base64(text: &str) -> Result<Vec<u8>, Failure> {
    STANDARD
        .decode(text)
        .map_err(|e| at(0, format!("failed to decode base64 data: {e}")))
}

/// The string gzipped, in base64. The bytes differ from Terraform's (Go's compressor is not
/// zlib's); they decompress to the same text.
pub(super) fn base64gzip(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(text.as_bytes())
        .and_then(|()| encoder.finish())
        .map(|bytes| Value::String(STANDARD.encode(bytes)))
        .map_err(|e| whole(format!("failed to compress: {e}")))
}

/// What Go's `url.QueryEscape` leaves as it is: letters, digits, `-`, `_`, `.` and `~`.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The string escaped for a URL's query: a space is `+`, the rest `%XX`.
pub(super) fn urlencode(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let escaped: String = text
        .split(' ')
        .map(|part| percent_encoding::utf8_percent_encode(part, QUERY).to_string())
        .collect::<Vec<_>>()
        .join("+");
    Ok(Value::String(escaped))
}

/// The character encodings `textencodebase64` and `textdecodebase64` know.
#[derive(Clone, Copy)]
enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
}

fn text_encoding(call: &Call<'_>) -> Result<TextEncoding, Failure> {
    let name = string_arg(call.args, 1)?;
    match name.to_ascii_uppercase().replace('_', "-").as_str() {
        "UTF-8" | "UTF8" => Ok(TextEncoding::Utf8),
        "UTF-16LE" => Ok(TextEncoding::Utf16Le),
        "UTF-16BE" => Ok(TextEncoding::Utf16Be),
        _ => Err(at(
            1,
            format!(
                "{name:?} is not a supported IANA encoding name or alias; plinth knows UTF-8, UTF-16LE and UTF-16BE"
            ),
        )),
    }
}

/// `textencodebase64(s, encoding)`: the string in another character encoding, in base64.
pub(super) fn textencodebase64(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let bytes: Vec<u8> = match text_encoding(call)? {
        TextEncoding::Utf8 => text.into_bytes(),
        TextEncoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
        TextEncoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
    };
    Ok(Value::String(STANDARD.encode(bytes)))
}

/// `textdecodebase64(s, encoding)`: base64 of a text in another character encoding, decoded.
pub(super) fn textdecodebase64(call: &Call<'_>) -> Result<Value, Failure> {
    let bytes = decode_base64(&string_arg(call.args, 0)?)?;
    let invalid = || at(0, "the decoded bytes are not valid in the given encoding");
    let text = match text_encoding(call)? {
        TextEncoding::Utf8 => String::from_utf8(bytes).map_err(|_| invalid())?,
        encoding @ (TextEncoding::Utf16Le | TextEncoding::Utf16Be) => {
            if bytes.len() % 2 != 0 {
                return Err(invalid());
            }
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|pair| match encoding {
                    TextEncoding::Utf16Le => u16::from_le_bytes([pair[0], pair[1]]),
                    _ => u16::from_be_bytes([pair[0], pair[1]]),
                })
                .collect();
            String::from_utf16(&units).map_err(|_| invalid())?
        }
    };
    Ok(Value::String(text))
}

/// `csvdecode(s)`: the rows after the header, as objects keyed by the header's fields.
pub(super) fn csvdecode(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let Some(header) = records.next() else {
        return Ok(Value::List(Vec::new()));
    };
    let header = header.map_err(|e| at(0, csv_error(&e)))?;
    let names: Vec<String> = header.iter().map(str::to_owned).collect();
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| at(0, csv_error(&e)))?;
        rows.push(Value::Object(
            names
                .iter()
                .cloned()
                .zip(record.iter().map(Value::from))
                .collect::<ObjectMap>(),
        ));
    }
    Ok(Value::List(rows))
}

fn csv_error(error: &csv::Error) -> String {
    match error.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "record on line {} has {len} fields, expected {expected_len}: wrong number of fields",
            pos.as_ref().map_or(0, csv::Position::line)
        ),
        _ => format!("invalid CSV: {error}"),
    }
}

pub(super) fn jsondecode(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    serde_json::from_str::<serde_json::Value>(&text)
        .map(Value::from)
        .map_err(|e| at(0, format!("invalid JSON: {e}")))
}

#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn jsonencode(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(json_text(&call.args[0])))
}

/// The value's JSON as Terraform writes it: keys sorted, no spaces, `<`, `>`, `&`, U+2028 and
/// U+2029 escaped as Go's encoder escapes them, numbers in decimal without an exponent.
pub(super) fn json_text(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Null | Value::Unknown => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&number_json(n)),
        Value::String(s) => write_json_string(s, out),
        Value::List(items) | Value::Set(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
        Value::Sensitive(inner) => write_json(inner, out),
    }
}

fn number_json(n: &serde_json::Number) -> String {
    if n.is_f64() {
        number_text(n.as_f64().unwrap_or(0.0))
    } else {
        n.to_string()
    }
}

fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `yamlencode(v)`: YAML in the style of Terraform's encoder (go-yaml's block style, every
/// string double-quoted but multi-line strings, which are literal blocks).
#[allow(
    clippy::unnecessary_wraps,
    reason = "every function of the table has the same signature"
)]
pub(super) fn yamlencode(call: &Call<'_>) -> Result<Value, Failure> {
    let mut out = String::new();
    let value = &call.args[0];
    yaml::write(value, 0, yaml::Place::Document, &mut out);
    // A plain scalar alone in a document ends with the document end marker, as go-yaml
    // writes it.
    if matches!(value, Value::Null | Value::Bool(_) | Value::Number(_)) {
        out.push_str("...\n");
    }
    Ok(Value::String(out))
}

/// `yamldecode(s)`: one YAML document, resolved as Terraform resolves it (YAML 1.1's plain
/// scalars: `yes` is true, `0x1F` is 31, a date is a timestamp).
pub(super) fn yamldecode(call: &Call<'_>) -> Result<Value, Failure> {
    let text = string_arg(call.args, 0)?;
    yaml::decode(&text).map_err(|message| at(0, message))
}

mod yaml {
    //! YAML in Terraform's style, and YAML read as Terraform reads it.

    use std::collections::HashMap;

    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    use yaml_rust2::parser::{Event, EventReceiver, Parser};
    use yaml_rust2::scanner::TScalarStyle;

    use std::fmt::Write as _;

    use super::number_text;
    use crate::value::{ObjectMap, Value};

    /// Where a value is written: how its first line starts.
    #[derive(Clone, Copy, PartialEq, Eq)]
    pub(super) enum Place {
        /// At the start of the document.
        Document,
        /// After `key:`.
        MapValue,
        /// After `- `.
        ListItem,
    }

    /// Writes `value` at `indent` spaces.
    pub(super) fn write(value: &Value, indent: usize, place: Place, out: &mut String) {
        let pad = " ".repeat(indent);
        match value {
            Value::Object(map) if !map.is_empty() => {
                if place == Place::MapValue {
                    out.push('\n');
                }
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 || place != Place::ListItem {
                        out.push_str(&pad);
                    }
                    quoted(key, out);
                    out.push(':');
                    write(item, indent + 2, Place::MapValue, out);
                }
            }
            Value::List(items) | Value::Set(items) if !items.is_empty() => {
                // A list in a map is not indented further (go-yaml's indentless sequences).
                let list_indent = if place == Place::MapValue {
                    indent - 2
                } else {
                    indent
                };
                let pad = " ".repeat(list_indent);
                if place == Place::MapValue {
                    out.push('\n');
                }
                for (i, item) in items.iter().enumerate() {
                    if i > 0 || place != Place::ListItem {
                        out.push_str(&pad);
                    }
                    out.push_str("- ");
                    write(item, list_indent + 2, Place::ListItem, out);
                }
            }
            scalar => {
                if place == Place::MapValue {
                    out.push(' ');
                }
                let block_indent = if place == Place::MapValue {
                    indent
                } else {
                    indent.max(2)
                };
                write_scalar(scalar, block_indent, out);
                out.push('\n');
            }
        }
    }

    fn write_scalar(value: &Value, indent: usize, out: &mut String) {
        match value.unmarked() {
            Value::Null | Value::Unknown => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&if n.is_f64() {
                number_text(n.as_f64().unwrap_or(0.0))
            } else {
                n.to_string()
            }),
            Value::String(s) if s.contains('\n') => literal(s, indent, out),
            Value::String(s) => quoted(s, out),
            Value::Object(_) => out.push_str("{}"),
            _ => out.push_str("[]"),
        }
    }

    /// A literal block: `|` with its chomping indicator, then the lines indented.
    fn literal(s: &str, indent: usize, out: &mut String) {
        out.push('|');
        if s.starts_with(' ') || s.starts_with('\n') {
            out.push('2');
        }
        let trailing = s.len() - s.trim_end_matches('\n').len();
        match trailing {
            0 => out.push('-'),
            1 => {}
            _ => out.push('+'),
        }
        let body = match trailing {
            0 => s,
            _ => &s[..s.len() - 1],
        };
        let pad = " ".repeat(indent);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                out.push_str(&pad);
                out.push_str(line);
            }
        }
    }

    /// A double-quoted scalar with libyaml's escapes.
    fn quoted(s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\0' => out.push_str("\\0"),
                '\u{7}' => out.push_str("\\a"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\u{b}' => out.push_str("\\v"),
                '\u{c}' => out.push_str("\\f"),
                '\r' => out.push_str("\\r"),
                '\u{1b}' => out.push_str("\\e"),
                '\u{85}' => out.push_str("\\N"),
                '\u{a0}' => out.push_str("\\_"),
                '\u{2028}' => out.push_str("\\L"),
                '\u{2029}' => out.push_str("\\P"),
                '\u{feff}' => out.push_str("\\uFEFF"),
                c if (c as u32) < 0x20 || c == '\u{7f}' => {
                    let _ = write!(out, "\\x{:02X}", c as u32);
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }

    /// The parser's events, collected.
    #[derive(Default)]
    struct Events(Vec<Event>);

    impl EventReceiver for Events {
        fn on_event(&mut self, event: Event) {
            self.0.push(event);
        }
    }

    pub(super) fn decode(text: &str) -> Result<Value, String> {
        let mut events = Events::default();
        Parser::new_from_str(text)
            .load(&mut events, true)
            .map_err(|e| {
                format!(
                    "on line {}, column {}: {}",
                    e.marker().line(),
                    e.marker().col() + 1,
                    e.info()
                )
            })?;
        let documents = events
            .0
            .iter()
            .filter(|e| matches!(e, Event::DocumentStart))
            .count();
        if documents == 0 {
            return Err("on line 1, column 1: missing start of document".to_owned());
        }
        if documents > 1 {
            return Err("unexpected extra content after value".to_owned());
        }
        let mut builder = Builder {
            events: events.0.into_iter(),
            anchors: HashMap::new(),
        };
        builder.document()
    }

    struct Builder {
        events: std::vec::IntoIter<Event>,
        anchors: HashMap<usize, Value>,
    }

    impl Builder {
        fn document(&mut self) -> Result<Value, String> {
            loop {
                match self.events.next() {
                    None | Some(Event::StreamEnd) => return Ok(Value::Null),
                    Some(Event::StreamStart | Event::DocumentStart | Event::Nothing) => {}
                    Some(event) => return self.node(event),
                }
            }
        }

        fn next_node(&mut self) -> Result<Option<Value>, String> {
            match self.events.next() {
                None | Some(Event::SequenceEnd | Event::MappingEnd) => Ok(None),
                Some(event) => self.node(event).map(Some),
            }
        }

        fn node(&mut self, event: Event) -> Result<Value, String> {
            let (value, anchor) = match event {
                Event::Scalar(text, style, anchor, tag) => {
                    let tag = tag.map(|t| t.suffix);
                    (scalar(&text, style, tag.as_deref())?, anchor)
                }
                Event::SequenceStart(anchor, _) => {
                    let mut items = Vec::new();
                    while let Some(item) = self.next_node()? {
                        items.push(item);
                    }
                    (Value::List(items), anchor)
                }
                Event::MappingStart(anchor, _) => {
                    let mut pairs = Vec::new();
                    while let Some(key) = self.next_node()? {
                        let key = match key {
                            Value::String(s) => s,
                            Value::Null => "null".to_owned(),
                            Value::Bool(b) => b.to_string(),
                            Value::Number(n) => n.to_string(),
                            _ => return Err("only scalar keys are supported".to_owned()),
                        };
                        let value = self.next_node()?.unwrap_or(Value::Null);
                        pairs.push((key, value));
                    }
                    (
                        Value::Object(pairs.into_iter().collect::<ObjectMap>()),
                        anchor,
                    )
                }
                Event::Alias(id) => {
                    return self
                        .anchors
                        .get(&id)
                        .cloned()
                        .ok_or_else(|| "unknown anchor referenced".to_owned());
                }
                _ => return Ok(Value::Null),
            };
            if anchor > 0 {
                self.anchors.insert(anchor, value.clone());
            }
            Ok(value)
        }
    }

    /// A scalar as YAML 1.1 resolves it (go-yaml v2's rules, which Terraform uses): plain
    /// scalars may be null, bools, numbers or timestamps; quoted ones are strings.
    fn scalar(text: &str, style: TScalarStyle, tag: Option<&str>) -> Result<Value, String> {
        if tag == Some("str") || style != TScalarStyle::Plain {
            return Ok(Value::String(text.to_owned()));
        }
        match text {
            "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
                return Ok(Value::Bool(true));
            }
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False"
            | "FALSE" => return Ok(Value::Bool(false)),
            ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf"
            | "-.INF" | ".nan" | ".NaN" | ".NAN" => {
                return Err(format!("cannot represent {text} as a number"));
            }
            _ => {}
        }
        if let Some(n) = integer(text) {
            return Ok(Value::int(n));
        }
        if let Some(f) = is_float(text).then(|| text.parse::<f64>().ok()).flatten() {
            return crate::eval::number_value(f);
        }
        if let Some(time) = timestamp(text) {
            return Ok(Value::String(time));
        }
        Ok(Value::String(text.to_owned()))
    }

    /// An integer as Terraform's YAML reads one: decimal with an optional sign, `0o` octal or
    /// `0x` hexadecimal.
    fn integer(text: &str) -> Option<i64> {
        let (radix, digits) = if let Some(hex) = text.strip_prefix("0x") {
            (16, hex)
        } else if let Some(octal) = text.strip_prefix("0o") {
            (8, octal)
        } else {
            (10, text)
        };
        let unsigned = if radix == 10 {
            digits.strip_prefix(['-', '+']).unwrap_or(digits)
        } else {
            digits
        };
        if unsigned.is_empty() || !unsigned.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        i64::from_str_radix(digits, radix).ok()
    }

    /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`
    fn is_float(text: &str) -> bool {
        let text = text.strip_prefix(['-', '+']).unwrap_or(text);
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(i) => (&text[..i], Some(&text[i + 1..])),
            None => (text, None),
        };
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        let mantissa_ok = match mantissa.split_once('.') {
            Some(("", fraction)) => digits(fraction),
            Some((whole, fraction)) => digits(whole) && (fraction.is_empty() || digits(fraction)),
            None => digits(mantissa),
        };
        let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)));
        mantissa_ok && exponent_ok
    }

    /// A YAML timestamp in RFC 3339 form (`2020-01-01T00:00:00Z`), as Terraform gives it.
    fn timestamp(text: &str) -> Option<String> {
        if let Ok(time) = DateTime::parse_from_rfc3339(text) {
            return Some(rfc3339(&time));
        }
        if let Ok(time) = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
            return Some(
                time.and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            );
        }
        if let Some(date) = (text.len() == 10)
            .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
            .flatten()
        {
            return Some(format!("{}T00:00:00Z", date.format("%Y-%m-%d")));
        }
        None
    }

    fn rfc3339(time: &DateTime<chrono::FixedOffset>) -> String {
        if time.offset().local_minus_utc() == 0 {
            time.to_utc()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        } else {
            time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }
    }
}

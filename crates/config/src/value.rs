//! Values of the configuration language: what expressions evaluate to.

use plinth_core::PathStep;
use std::fmt;

use litemap::LiteMap;

use serde_json::Number;

/// The keys and values of an object, sorted by key.
///
/// A flat sorted vector ([`LiteMap`]) rather than a `BTreeMap`: most objects have a handful of
/// keys, and a B-tree node costs hundreds of bytes even for one key. Iteration is in key order,
/// like a `BTreeMap`.
pub type ObjectMap = LiteMap<String, Value>;

/// The map without spare room.
///
/// A map built key by key keeps up to twice the room its keys need (its vector doubles as it
/// grows); a map that lives as long as a plan does is compacted once it is complete.
pub fn compact_object(map: ObjectMap) -> ObjectMap {
    let mut pairs = map.into_tuple_vec();
    pairs.shrink_to_fit();
    ObjectMap::from_sorted_store_unchecked(pairs)
}

/// A value of the configuration language.
///
/// Besides JSON-like data a value can be [`Value::Unknown`] (not known until apply, e.g. an
/// attribute the cloud computes) and can carry a sensitive mark ([`Value::Sensitive`]): a value
/// that comes from a `sensitive = true` variable. Marks are deep: an object whose `password` key is
/// sensitive keeps its other keys unmarked.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number; integers stay exact.
    Number(Number),
    /// A string.
    String(String),
    /// A list (or tuple).
    List(Vec<Value>),
    /// A set: sorted, without duplicates (made by `toset`).
    Set(Vec<Value>),
    /// An object (or map), keys sorted.
    Object(ObjectMap),
    /// A value that is not known until apply.
    Unknown,
    /// A sensitive value: it must not be shown or stored in clear.
    Sensitive(Box<Value>),
}

impl Value {
    /// A string value.
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    /// An integer value.
    pub fn int(i: i64) -> Value {
        Value::Number(Number::from(i))
    }

    /// Marks this value as sensitive (once: marking twice changes nothing).
    #[must_use]
    pub fn mark_sensitive(self) -> Value {
        match self {
            Value::Sensitive(_) => self,
            other => Value::Sensitive(Box::new(other)),
        }
    }

    /// The value without its top-level sensitive mark, and whether it had one.
    pub fn unmark(self) -> (Value, bool) {
        match self {
            Value::Sensitive(inner) => (inner.unmark().0, true),
            other => (other, false),
        }
    }

    /// The value without its top-level sensitive mark, by reference.
    pub fn unmarked(&self) -> &Value {
        match self {
            Value::Sensitive(inner) => inner.unmarked(),
            other => other,
        }
    }

    /// Whether the value itself (not a nested one) is marked sensitive.
    pub fn is_sensitive(&self) -> bool {
        matches!(self, Value::Sensitive(_))
    }

    /// Whether the value or anything inside it is sensitive.
    pub fn contains_sensitive(&self) -> bool {
        match self {
            Value::Sensitive(_) => true,
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_sensitive),
            Value::Object(map) => map.values().any(Value::contains_sensitive),
            _ => false,
        }
    }

    /// Whether the value (ignoring marks) is unknown.
    pub fn is_unknown(&self) -> bool {
        matches!(self.unmarked(), Value::Unknown)
    }

    /// Whether the value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown => true,
            Value::Sensitive(inner) => inner.contains_unknown(),
            Value::List(items) | Value::Set(items) => items.iter().any(Value::contains_unknown),
            Value::Object(map) => map.values().any(Value::contains_unknown),
            _ => false,
        }
    }

    /// Whether the value (ignoring marks) is null.
    pub fn is_null(&self) -> bool {
        matches!(self.unmarked(), Value::Null)
    }

    /// The string, if the value (ignoring marks) is one.
    pub fn as_str(&self) -> Option<&str> {
        match self.unmarked() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if the value (ignoring marks) is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.unmarked() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, if the value (ignoring marks) is a whole number.
    pub fn as_i64(&self) -> Option<i64> {
        match self.unmarked() {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64().and_then(|f| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
                    let i = f as i64;
                    #[allow(clippy::cast_precision_loss, clippy::float_cmp)]
                    (f.fract() == 0.0 && (i as f64) == f).then_some(i)
                })
            }),
            _ => None,
        }
    }

    /// The object, if the value (ignoring marks) is one.
    pub fn as_object(&self) -> Option<&ObjectMap> {
        match self.unmarked() {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The elements, if the value (ignoring marks) is a list or a set.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unmarked() {
            Value::List(items) | Value::Set(items) => Some(items),
            _ => None,
        }
    }

    /// A short name of the value's type, for messages: `string`, `number`, `object`...
    pub fn type_name(&self) -> &'static str {
        match self.unmarked() {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Object(_) => "object",
            Value::Unknown => "unknown",
            Value::Sensitive(_) => "sensitive",
        }
    }

    /// The JSON form, or `None` when the value is unknown or sensitive anywhere inside.
    ///
    /// Callers that must handle unknown or sensitive parts (plan rendering, state) walk the
    /// value themselves, or use [`Value::to_json_with`].
    pub fn to_json(&self) -> Option<serde_json::Value> {
        if self.contains_unknown() || self.contains_sensitive() {
            return None;
        }
        Some(self.to_json_with(&mut |_| serde_json::Value::Null))
    }

    /// The JSON form, asking `special` what to write for each unknown or sensitive part (it
    /// receives that part: `Value::Unknown` or a `Value::Sensitive`).
    pub fn to_json_with(
        &self,
        special: &mut dyn FnMut(&Value) -> serde_json::Value,
    ) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) | Value::Set(items) => {
                serde_json::Value::Array(items.iter().map(|v| v.to_json_with(special)).collect())
            }
            Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.to_json_with(special)))
                    .collect(),
            ),
            Value::Unknown | Value::Sensitive(_) => special(self),
        }
    }

    /// The value with every sensitive mark removed (for code that has decided to reveal it).
    #[must_use]
    pub fn strip_marks(&self) -> Value {
        match self {
            Value::Sensitive(inner) => inner.strip_marks(),
            Value::List(items) => Value::List(items.iter().map(Value::strip_marks).collect()),
            Value::Set(items) => Value::Set(items.iter().map(Value::strip_marks).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), v.strip_marks()))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Paths (object keys and list indices) of every sensitive part, in order.
    pub fn sensitive_paths(&self) -> Vec<Vec<PathStep>> {
        let mut out = Vec::new();
        collect_marks(self, &mut Vec::new(), &mut out, &|v| {
            matches!(v, Value::Sensitive(_))
        });
        out
    }

    /// Paths (object keys and list indices) of every unknown part, in order.
    pub fn unknown_paths(&self) -> Vec<Vec<PathStep>> {
        let mut out = Vec::new();
        collect_marks(self, &mut Vec::new(), &mut out, &|v| {
            matches!(v, Value::Unknown)
        });
        out
    }
}

fn collect_marks(
    value: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<Vec<PathStep>>,
    hit: &dyn Fn(&Value) -> bool,
) {
    if hit(value) {
        out.push(path.clone());
    }
    match value {
        Value::Sensitive(inner) if !hit(value) => {
            collect_marks(inner, path, out, hit);
        }
        Value::List(items) | Value::Set(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                collect_marks(item, path, out, hit);
                path.pop();
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                path.push(PathStep::Key(k.clone()));
                collect_marks(v, path, out, hit);
                path.pop();
            }
        }
        _ => {}
    }
}

impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::List(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::int(i)
    }
}

/// Renders the value in HCL-like syntax; unknown parts as `(known after apply)` and sensitive
/// parts as `(sensitive value)`.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::List(items) | Value::Set(items) => {
                if matches!(self, Value::Set(_)) {
                    f.write_str("toset(")?;
                }
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")?;
                if matches!(self, Value::Set(_)) {
                    f.write_str(")")?;
                }
                Ok(())
            }
            Value::Object(map) => {
                if map.is_empty() {
                    return f.write_str("{}");
                }
                f.write_str("{ ")?;
                for (i, (k, v)) in map.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if is_identifier(k) {
                        write!(f, "{k} = {v}")?;
                    } else {
                        write!(f, "{} = {v}", serde_json::Value::String(k.clone()))?;
                    }
                }
                f.write_str(" }")
            }
            Value::Unknown => f.write_str("(known after apply)"),
            Value::Sensitive(_) => f.write_str("(sensitive value)"),
        }
    }
}

pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Orders values for sets and sorting: by type, then by content.
#[allow(clippy::many_single_char_names)]
pub(crate) fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Number(_) => 2,
            Value::String(_) => 3,
            Value::List(_) => 4,
            Value::Set(_) => 5,
            Value::Object(_) => 6,
            Value::Unknown => 7,
            Value::Sensitive(_) => 8,
        }
    }
    let (a, b) = (a.unmarked(), b.unmarked());
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
            for (p, q) in x.iter().zip(y) {
                let o = compare(p, q);
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        (Value::Object(x), Value::Object(y)) => {
            for ((kp, vp), (kq, vq)) in x.iter().zip(y) {
                let o = kp.cmp(kq).then_with(|| compare(vp, vq));
                if o != Ordering::Equal {
                    return o;
                }
            }
            x.len().cmp(&y.len())
        }
        _ => rank(a).cmp(&rank(b)),
    }
}

/// Equality of values as the `==` operator sees it (numbers by value, marks ignored).
pub(crate) fn equal(a: &Value, b: &Value) -> bool {
    let (a, b) = (a.unmarked(), b.unmarked());
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::List(x), Value::List(y)) | (Value::Set(x), Value::Set(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, vp), (kq, vq))| kp == kq && equal(vp, vq))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_keeps_integers_exact() {
        let json = serde_json::json!({"a": [1, 2.5, "x", null, true], "b": {"c": 9_007_199_254_740_993_i64}});
        let value = Value::from(json.clone());
        assert_eq!(value.to_json(), Some(json));
    }

    #[test]
    fn to_json_refuses_unknown_and_sensitive() {
        let unknown = Value::List(vec![Value::int(1), Value::Unknown]);
        assert_eq!(unknown.to_json(), None);
        let secret = Value::Object(ObjectMap::from_iter([
            ("user".to_owned(), Value::string("u")),
            ("password".to_owned(), Value::string("p").mark_sensitive()),
        ]));
        assert_eq!(secret.to_json(), None);
        assert_eq!(
            secret.sensitive_paths(),
            vec![vec![PathStep::Key("password".to_owned())]]
        );
        let masked = secret.to_json_with(&mut |_| serde_json::json!("***"));
        assert_eq!(masked, serde_json::json!({"password": "***", "user": "u"}));
    }

    #[test]
    fn marking_twice_is_marking_once() {
        let v = Value::string("x").mark_sensitive().mark_sensitive();
        assert_eq!(v, Value::Sensitive(Box::new(Value::string("x"))));
        assert_eq!(v.unmark(), (Value::string("x"), true));
    }

    #[test]
    fn display_is_hcl_like() {
        let v = Value::Object(ObjectMap::from_iter([
            (
                "a".to_owned(),
                Value::List(vec![Value::int(1), Value::Unknown]),
            ),
            ("b c".to_owned(), Value::string("s").mark_sensitive()),
        ]));
        assert_eq!(
            v.to_string(),
            r#"{ a = [1, (known after apply)], "b c" = (sensitive value) }"#
        );
    }

    #[test]
    fn objects_keep_keys_sorted_and_the_last_of_duplicates_like_a_btree_map() {
        let mut map: ObjectMap = [("b", 1), ("a", 2), ("b", 3)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), Value::int(v)))
            .collect();
        map.insert("0".to_owned(), Value::int(4));
        map.extend([
            ("c".to_owned(), Value::int(5)),
            ("a".to_owned(), Value::int(6)),
        ]);
        let pairs: Vec<(&str, i64)> = map
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(pairs, [("0", 4), ("a", 6), ("b", 3), ("c", 5)]);
    }

    #[test]
    fn a_compacted_object_has_no_spare_room_and_the_same_keys() {
        let mut map = ObjectMap::new();
        for key in ["e", "d", "c", "b", "a"] {
            map.insert(key.to_owned(), Value::Null);
        }
        let before = map.clone();
        assert!(map.clone().into_tuple_vec().capacity() >= 5);
        let compacted = compact_object(map);
        assert_eq!(compacted, before);
        assert_eq!(compacted.into_tuple_vec().capacity(), 5);
    }
}

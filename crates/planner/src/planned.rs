//! A planned object, kept compact: the plan holds one for every change, and at N = 10000 their
//! expression-value trees were the largest part of a plan's memory (30 MB of a no-op plan's
//! 102 MB heap peak). A [`PlannedObject`] keeps the object as canonical JSON text
//! ([`Attributes`], shared with the object as refreshed when it is the same text, which is the
//! case of most no-op changes) and the marks JSON cannot carry (unknown, sensitive, set) by JSON
//! pointer; [`PlannedObject::value`] gives the tree back, equal to the one it was made from.

use plinth_config::Value;
use plinth_core::Attributes;
use serde_json::Value as Json;

/// A planned object (the `after` of a change): the configuration over what is there, with
/// [`Value::Unknown`] for what only apply will know. See the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedObject {
    /// The object with every mark taken off (an unknown value is `null`, a set a list).
    text: Attributes,
    /// Where the marks were, in the order that puts them back: a mark after every mark below it.
    marks: Box<[(String, Mark)]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unknown,
    Sensitive,
    Set,
}

impl PlannedObject {
    /// The planned object `value`, compact.
    pub fn new(value: &Value) -> Self {
        Self::sharing(value, None)
    }

    /// The planned object `value`, compact, sharing the text of `current` (the object as it is)
    /// when its unmarked text is the same.
    pub fn sharing(value: &Value, current: Option<&Attributes>) -> Self {
        let mut marks = Vec::new();
        let mut pointer = String::new();
        let json = unmarked(value, &mut pointer, &mut marks);
        let text = match current {
            Some(current) if *current == json => current.clone(),
            _ => Attributes::new(&json),
        };
        Self {
            text,
            marks: marks.into_boxed_slice(),
        }
    }

    /// The planned object as expression values.
    pub fn value(&self) -> Value {
        let mut value = Value::from(self.text.to_value());
        for (pointer, mark) in &self.marks {
            let Some(slot) = at_pointer(&mut value, pointer) else {
                continue;
            };
            let taken = std::mem::replace(slot, Value::Null);
            *slot = match (mark, taken) {
                (Mark::Unknown, _) => Value::Unknown,
                (Mark::Sensitive, taken) => taken.mark_sensitive(),
                (Mark::Set, Value::List(items)) => Value::Set(items),
                (Mark::Set, taken) => taken,
            };
        }
        value
    }

    /// The object's text without its marks: unknown values are `null` there.
    pub fn text(&self) -> &Attributes {
        &self.text
    }

    /// Whether anything of the object is unknown until apply.
    pub fn has_unknown(&self) -> bool {
        self.marks.iter().any(|(_, mark)| *mark == Mark::Unknown)
    }
}

impl From<Value> for PlannedObject {
    fn from(value: Value) -> Self {
        Self::new(&value)
    }
}

/// `value` as JSON without its marks, each recorded at its pointer after those below it.
fn unmarked(value: &Value, pointer: &mut String, marks: &mut Vec<(String, Mark)>) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Number(n) => Json::Number(n.clone()),
        Value::String(s) => Json::String(s.clone()),
        Value::List(items) => Json::Array(items_unmarked(items, pointer, marks)),
        Value::Set(items) => {
            let items = items_unmarked(items, pointer, marks);
            marks.push((pointer.clone(), Mark::Set));
            Json::Array(items)
        }
        Value::Object(map) => {
            let mut object = serde_json::Map::new();
            for (key, item) in map {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                object.insert(key.clone(), unmarked(item, pointer, marks));
                pointer.truncate(length);
            }
            Json::Object(object)
        }
        Value::Unknown => {
            marks.push((pointer.clone(), Mark::Unknown));
            Json::Null
        }
        Value::Sensitive(inner) => {
            let json = unmarked(inner, pointer, marks);
            marks.push((pointer.clone(), Mark::Sensitive));
            json
        }
    }
}

fn items_unmarked(
    items: &[Value],
    pointer: &mut String,
    marks: &mut Vec<(String, Mark)>,
) -> Vec<Json> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let length = pointer.len();
            pointer.push('/');
            pointer.push_str(&index.to_string());
            let json = unmarked(item, pointer, marks);
            pointer.truncate(length);
            json
        })
        .collect()
}

/// The value at a JSON pointer (RFC 6901) of a value with no mark above it yet.
fn at_pointer<'v>(value: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    let mut slot = value;
    for raw in pointer.split('/').skip(1) {
        let key = raw.replace("~1", "/").replace("~0", "~");
        slot = match slot {
            Value::Object(map) => map.get_mut(&key)?,
            Value::List(items) => items.get_mut(key.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(slot)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn object(pairs: Vec<(&str, Value)>) -> Value {
        Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    #[test]
    fn every_mark_comes_back_where_it_was() {
        let value = object(vec![
            ("id", Value::Unknown),
            ("name", Value::string("dns")),
            (
                "values",
                object(vec![
                    ("token", Value::string("s3cret").mark_sensitive()),
                    (
                        "a/b~c",
                        Value::List(vec![Value::int(1), Value::Unknown, Value::Null]),
                    ),
                    (
                        "zones",
                        Value::Set(vec![Value::string("a"), Value::string("b")]).mark_sensitive(),
                    ),
                    (
                        "nested",
                        object(vec![("all", Value::Unknown)]).mark_sensitive(),
                    ),
                    ("unknown_secret", Value::Unknown.mark_sensitive()),
                ]),
            ),
        ]);
        let planned = PlannedObject::new(&value);
        assert_eq!(planned.value(), value);
        assert!(planned.has_unknown());
        assert_eq!(
            planned.text().to_value(),
            json!({"id": null, "name": "dns", "values": {
                "a/b~c": [1, null, null], "nested": {"all": null}, "token": "s3cret",
                "unknown_secret": null, "zones": ["a", "b"]}})
        );
    }

    #[test]
    fn an_object_as_it_is_shares_its_text() {
        let current = Attributes::new(&json!({"id": "x", "values": {"replicas": 2}}));
        let same = PlannedObject::sharing(
            &Value::from(json!({"id": "x", "values": {"replicas": 2}})),
            Some(&current),
        );
        assert!(same.text().is_shared_with(&current));
        assert!(!same.has_unknown());
        let marked = Value::from(json!({"id": "x", "values": {"replicas": 2}}));
        let mut marked = marked;
        crate::mark_sensitive(&mut marked, "/values/replicas");
        let sealed = PlannedObject::sharing(&marked, Some(&current));
        assert!(
            sealed.text().is_shared_with(&current),
            "the marks are kept apart"
        );
        assert_eq!(sealed.value(), marked);
        let changed = PlannedObject::sharing(
            &Value::from(json!({"id": "x", "values": {"replicas": 3}})),
            Some(&current),
        );
        assert!(!changed.text().is_shared_with(&current));
    }

    #[test]
    fn scalars_and_nothing_keep_their_kind() {
        for value in [
            Value::Null,
            Value::Unknown,
            Value::string("x").mark_sensitive(),
            Value::int(3),
            Value::List(Vec::new()),
            Value::Set(Vec::new()),
        ] {
            assert_eq!(PlannedObject::new(&value).value(), value);
        }
    }
}

//! A planned object, kept compact: the plan holds one for every change, and at N = 10000 their
//! expression-value trees were the largest part of a plan's memory (30 MB of a no-op plan's
//! 102 MB heap peak). A [`PlannedObject`] keeps the object as canonical JSON text
//! ([`Attributes`]): the object as it is when it is planned as it is (most no-op changes), that
//! text with the few values that change when it differs in a few places (an update), else its own
//! text; and the marks JSON cannot carry (unknown, sensitive, set) by JSON pointer.
//! [`PlannedObject::value`] gives the tree back, equal to the one it was made from.

use plinth_config::Value;
use plinth_core::Attributes;
use serde_json::Value as Json;

/// A planned object (the `after` of a change): the configuration over what is there, with
/// [`Value::Unknown`] for what only apply will know. See the module documentation.
#[derive(Debug, Clone)]
pub struct PlannedObject {
    /// The object with every mark taken off (an unknown value is `null`, a set a list).
    body: Body,
    /// Where the marks were, in the order that puts them back: a mark after every mark below it.
    marks: Box<[(String, Mark)]>,
}

#[derive(Debug, Clone)]
enum Body {
    /// The whole text.
    Text(Attributes),
    /// Another object's text (the object as it is) with values set (`Some`) or removed (`None`)
    /// at JSON pointers.
    Patched {
        base: Attributes,
        patches: Box<[(String, Option<Json>)]>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unknown,
    Sensitive,
    Set,
}

/// At most this many values set or removed keep an object as patches of the object as it is;
/// more, and it is its own text.
const MAX_PATCHES: usize = 16;

impl PlannedObject {
    /// The planned object `value`, compact.
    pub fn new(value: &Value) -> Self {
        Self::sharing(value, None)
    }

    /// The planned object `value`, compact, sharing the text of `current` (the object as it is):
    /// all of it when the unmarked text is the same, all but a few values when it differs in a
    /// few places.
    pub fn sharing(value: &Value, current: Option<&Attributes>) -> Self {
        let mut marks = Vec::new();
        let mut pointer = String::new();
        let json = unmarked(value, &mut pointer, &mut marks);
        let body = match current {
            Some(current) if *current == json => Body::Text(current.clone()),
            Some(current) => {
                let mut patches = Vec::new();
                let fits =
                    differences(&current.to_value(), &json, &mut String::new(), &mut patches);
                if fits {
                    Body::Patched {
                        base: current.clone(),
                        patches: patches.into_boxed_slice(),
                    }
                } else {
                    Body::Text(Attributes::new(&json))
                }
            }
            None => Body::Text(Attributes::new(&json)),
        };
        Self {
            body,
            marks: marks.into_boxed_slice(),
        }
    }

    /// The planned object as expression values.
    pub fn value(&self) -> Value {
        let mut value = Value::from(self.unmarked());
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

    /// The object without its marks: unknown values are `null` there.
    fn unmarked(&self) -> Json {
        match &self.body {
            Body::Text(text) => text.to_value(),
            Body::Patched { base, patches } => {
                let mut json = base.to_value();
                for (pointer, patch) in patches {
                    apply_patch(&mut json, pointer, patch.as_ref());
                }
                json
            }
        }
    }

    /// Whether its text is `current`'s (shared, all of it or all but a few values).
    #[cfg(test)]
    fn shares_text_with(&self, current: &Attributes) -> bool {
        match &self.body {
            Body::Text(text) | Body::Patched { base: text, .. } => text.is_shared_with(current),
        }
    }
}

/// Equal when they are the same object with the same marks, however each is kept.
impl PartialEq for PlannedObject {
    fn eq(&self, other: &Self) -> bool {
        if self.marks != other.marks {
            return false;
        }
        match (&self.body, &other.body) {
            (Body::Text(a), Body::Text(b)) => a == b,
            _ => self.unmarked() == other.unmarked(),
        }
    }
}

impl From<Value> for PlannedObject {
    fn from(value: Value) -> Self {
        Self::new(&value)
    }
}

/// The values to set or remove in `base` to make `target`, at most [`MAX_PATCHES`] of them
/// (`false` when more are needed): objects are compared key by key, anything else is replaced
/// whole.
fn differences(
    base: &Json,
    target: &Json,
    pointer: &mut String,
    out: &mut Vec<(String, Option<Json>)>,
) -> bool {
    if base == target {
        return true;
    }
    let (Json::Object(base), Json::Object(target)) = (base, target) else {
        out.push((pointer.clone(), Some(target.clone())));
        return out.len() <= MAX_PATCHES;
    };
    for key in base.keys().filter(|key| !target.contains_key(*key)) {
        out.push((child(pointer, key), None));
    }
    for (key, value) in target {
        let fits = if let Some(before) = base.get(key) {
            let length = pointer.len();
            push_key(pointer, key);
            let fits = differences(before, value, pointer, out);
            pointer.truncate(length);
            fits
        } else {
            out.push((child(pointer, key), Some(value.clone())));
            out.len() <= MAX_PATCHES
        };
        if !fits {
            return false;
        }
    }
    out.len() <= MAX_PATCHES
}

fn child(pointer: &str, key: &str) -> String {
    let mut child = pointer.to_owned();
    push_key(&mut child, key);
    child
}

fn push_key(pointer: &mut String, key: &str) {
    pointer.push('/');
    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
}

/// Sets (or removes) the value at `pointer`, whose parent the patch was made in.
fn apply_patch(json: &mut Json, pointer: &str, patch: Option<&Json>) {
    let Some((parent, last)) = pointer.rsplit_once('/') else {
        if let Some(whole) = patch {
            *json = whole.clone();
        }
        return;
    };
    let key = last.replace("~1", "/").replace("~0", "~");
    let Some(Json::Object(object)) = json.pointer_mut(parent) else {
        return;
    };
    match patch {
        Some(value) => {
            object.insert(key, value.clone());
        }
        None => {
            object.remove(&key);
        }
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

/// The value at a JSON pointer (RFC 6901), through objects and lists (not through a mark).
pub(crate) fn at_pointer<'v>(value: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
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
        assert_eq!(
            planned.unmarked(),
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
        assert!(same.shares_text_with(&current));
        let marked = Value::from(json!({"id": "x", "values": {"replicas": 2}}));
        let mut marked = marked;
        crate::mark_sensitive(&mut marked, "/values/replicas");
        let sealed = PlannedObject::sharing(&marked, Some(&current));
        assert!(
            sealed.shares_text_with(&current),
            "the marks are kept apart"
        );
        assert_eq!(sealed.value(), marked);
        let changed = PlannedObject::sharing(
            &Value::from(json!({"id": "x", "values": {"replicas": 3}})),
            Some(&current),
        );
        assert!(
            changed.shares_text_with(&current),
            "one value differs: a patch"
        );
        assert_eq!(
            changed.value(),
            Value::from(json!({"id": "x", "values": {"replicas": 3}}))
        );
    }

    #[test]
    fn an_object_that_differs_in_a_few_places_is_kept_as_patches_of_the_current_one() {
        let current = json!({
            "id": "x", "gone": 1, "a/b": {"c": 1, "d": [1, 2]},
            "values": {"custom": {"rev": "1", "keep": true}, "list": [1, 2, 3]}
        });
        let attributes = Attributes::new(&current);
        let target = json!({
            "id": "x", "new": {"n": null}, "a/b": {"c": 2, "d": [1, 2]},
            "values": {"custom": {"rev": "2", "keep": true}, "list": [1, 2]}
        });
        let mut value = Value::from(target.clone());
        crate::mark_sensitive(&mut value, "/a~1b/c");
        let planned = PlannedObject::sharing(&value, Some(&attributes));
        assert!(planned.shares_text_with(&attributes));
        assert_eq!(planned.unmarked(), target);
        assert_eq!(planned.value(), value);
        // Equal to the same object kept whole.
        assert_eq!(planned, PlannedObject::new(&value));
        assert_ne!(planned, PlannedObject::new(&Value::from(target)));
        // A replacement of the root, and too many differences: its own text.
        let scalar = PlannedObject::sharing(&Value::string("x"), Some(&attributes));
        assert_eq!(scalar.value(), Value::string("x"));
        let many: serde_json::Map<String, Json> = (0..=MAX_PATCHES)
            .map(|i| (format!("k{i}"), json!(i)))
            .collect();
        let many = Value::from(Json::Object(many));
        let own = PlannedObject::sharing(&many, Some(&attributes));
        assert!(!own.shares_text_with(&attributes));
        assert_eq!(own.value(), many);
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

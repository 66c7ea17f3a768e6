//! The attributes of a recorded object, kept compact.

use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::Value as Json;

/// The attributes of a resource as the state records them: one JSON object, kept as compact text
/// with its keys sorted at every depth, and parsed when read.
///
/// A state holds every object plinth manages, and an add-on's object carries the defaults of its
/// template: kept as a tree of JSON values, 8 MB of attributes take about 65 MB of memory (a
/// map node and a string allocation for every key and value); as text they take 8 MB. Reading
/// one ([`Attributes::to_value`]) costs a parse of that one object.
///
/// The text is canonical: two `Attributes` are equal exactly when their values are. It is shared:
/// a clone (the plan's copy of a refreshed object, the state's record of it) costs a reference
/// count.
///
/// ```
/// use plinth_core::Attributes;
/// use serde_json::json;
///
/// let attributes = Attributes::new(&json!({"version": "1.28.6", "status": "running"}));
/// assert_eq!(attributes.as_str(), r#"{"status":"running","version":"1.28.6"}"#);
/// assert_eq!(attributes.to_value()["status"], "running");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Attributes(Arc<str>);

impl Attributes {
    /// The attributes of `value` (normally a JSON object).
    pub fn new(value: &Json) -> Self {
        Self(canonical_text(value).into())
    }

    /// The attributes as a JSON value.
    pub fn to_value(&self) -> Json {
        // The text was written from a JSON value by `new`, so it always parses.
        serde_json::from_str(&self.0).unwrap_or_else(|_| Json::Object(serde_json::Map::new()))
    }

    /// The value at a JSON pointer (RFC 6901), e.g. `/values/custom/token`.
    pub fn pointer(&self, pointer: &str) -> Option<Json> {
        self.to_value().pointer_mut(pointer).map(Json::take)
    }

    /// The canonical compact JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same text in an allocation of the calling thread: for keeping, on the thread that
    /// keeps the state, an object a runtime worker parsed (whose allocator arena would otherwise
    /// stay pinned by it).
    #[must_use]
    pub fn copied(&self) -> Self {
        Self(Arc::from(&*self.0))
    }

    /// Whether `other` is this very text, shared (not only an equal one).
    pub fn is_shared_with(&self, other: &Attributes) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// Changes the attributes through their JSON value.
    pub fn update<T>(&mut self, change: impl FnOnce(&mut Json) -> T) -> T {
        let mut value = self.to_value();
        let result = change(&mut value);
        *self = Self::new(&value);
        result
    }
}

impl Default for Attributes {
    /// No attributes: `{}`.
    fn default() -> Self {
        Self("{}".into())
    }
}

impl From<Json> for Attributes {
    fn from(value: Json) -> Self {
        Self::new(&value)
    }
}

impl From<&Json> for Attributes {
    fn from(value: &Json) -> Self {
        Self::new(value)
    }
}

impl PartialEq<Json> for Attributes {
    fn eq(&self, other: &Json) -> bool {
        *self.0 == *canonical_text(other)
    }
}

impl fmt::Debug for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Attributes({})", self.0)
    }
}

impl fmt::Display for Attributes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Compact JSON with object keys sorted at every depth: equal values give equal text.
pub fn canonical_text(value: &Json) -> String {
    // Serializing a JSON value into a string cannot fail.
    serde_json::to_string(&SortedJson(value)).unwrap_or_default()
}

/// Writes a JSON value with object keys sorted at every depth, whatever order the map keeps,
/// without copying it.
pub struct SortedJson<'a>(pub &'a Json);

impl Serialize for SortedJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0 {
            Json::Object(map) => {
                let mut entries: Vec<(&String, &Json)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut out = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    out.serialize_entry(key, &SortedJson(value))?;
                }
                out.end()
            }
            Json::Array(items) => serializer.collect_seq(items.iter().map(SortedJson)),
            other => other.serialize(serializer),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn equal_values_give_equal_attributes_whatever_the_key_order() {
        let a = Attributes::new(&json!({"b": {"y": 1, "x": [2, {"q": 1, "p": 0}]}, "a": null}));
        let b = Attributes::new(
            &serde_json::from_str(r#"{"a": null, "b": {"x": [2, {"p": 0, "q": 1}], "y": 1}}"#)
                .unwrap(),
        );
        assert_eq!(a, b);
        assert_eq!(
            a.as_str(),
            r#"{"a":null,"b":{"x":[2,{"p":0,"q":1}],"y":1}}"#
        );
        assert_ne!(a, Attributes::new(&json!({"a": null})));
        assert!(a == json!({"a": null, "b": {"y": 1, "x": [2, {"q": 1, "p": 0}]}}));
    }

    #[test]
    fn reads_and_updates_go_through_the_value() {
        let mut attributes = Attributes::new(&json!({"values": {"token": "s3cr3t", "n": 1.5}}));
        assert_eq!(attributes.pointer("/values/n"), Some(json!(1.5)));
        assert_eq!(attributes.pointer("/values/missing"), None);
        let old = attributes.update(|value| value["values"]["token"].take());
        assert_eq!(old, json!("s3cr3t"));
        assert_eq!(
            attributes.to_value(),
            json!({"values": {"token": null, "n": 1.5}})
        );
        assert_eq!(Attributes::default().to_value(), json!({}));
    }
}

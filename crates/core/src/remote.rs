//! A cloud object as plinth sees it: what the cloud drivers answer, what a refresh observes and
//! what the planner compares with the configuration.

use crate::attributes::Attributes;

/// The natural key of a cloud object (`cluster_id` + `template_name`, `pool_name` +
/// `template_name`), sorted by name. A sorted vector: a B-tree allocates a 544-byte node for the
/// two names, and a plan of ten thousand objects holds three natural keys of each (the state's,
/// the refreshed object's and the change's).
pub type NaturalKey = litemap::LiteMap<String, String>;

/// A natural key as a JSON object of strings (`{}` when empty).
pub fn natural_key_json(key: &NaturalKey) -> serde_json::Value {
    serde_json::Value::Object(
        key.iter()
            .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
            .collect(),
    )
}

/// Serde of a [`NaturalKey`] field as a JSON object of strings: `#[serde(with =
/// "plinth_core::natural_key_serde")]`.
pub mod natural_key_serde {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serializer};

    use super::NaturalKey;

    /// Writes the key as a map, `{}` when empty.
    pub fn serialize<S: Serializer>(key: &NaturalKey, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(key.iter())
    }

    /// Reads a map of strings.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<NaturalKey, D::Error> {
        BTreeMap::<String, String>::deserialize(deserializer).map(|map| map.into_iter().collect())
    }
}

/// How an object's remote life cycle stands, whatever the service calls its states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The operation finished and the object is usable (add-on `running` or `available`, plug-in
    /// `Running`).
    Done,
    /// An operation is still running (`installing`, `upgrading`, `Pending`, `Updating`, ...).
    InProgress,
    /// The operation failed; the object's reason and message say why.
    Failed,
    /// The object is being deleted (add-on `deleting`, plug-in `Deleting`): it is about to be
    /// gone, so a refresh never takes it for present but waits for it to go.
    Deleting,
    /// The object was deleted (`deleteSuccess`); a 404 means the same.
    Gone,
}

/// A remote object: its identity, its attributes under the registry's names, and where its life
/// cycle stands.
///
/// The attributes are kept compact ([`Attributes`]): a refresh of ten thousand objects holds them
/// as text, shared by reference count with the plan's `before` and the state's records.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteObject {
    /// The cloud's id (an add-on's `metadata.uid`); `None` for types without ids (plug-ins).
    pub id: Option<String>,
    /// The natural key: `cluster_id` + `template_name`, or `pool_name` + `template_name`.
    pub natural_key: NaturalKey,
    /// The attributes under the registry's names, a JSON object.
    pub attributes: Attributes,
    /// The status, interpreted.
    pub progress: Progress,
    /// The status exactly as the cloud spelled it (`installing`, `Running`, ...); empty when the
    /// answer had none.
    pub status: String,
    /// The cloud's reason for the status, when not empty.
    pub reason: Option<String>,
    /// The cloud's message (add-ons), when not empty.
    pub message: Option<String>,
}

impl RemoteObject {
    /// A ready object with these id and attributes, and no more known of it: what a test or a
    /// benchmark observes.
    pub fn new(id: Option<String>, attributes: Attributes) -> Self {
        Self {
            id,
            natural_key: NaturalKey::new(),
            attributes,
            progress: Progress::Done,
            status: String::new(),
            reason: None,
            message: None,
        }
    }
}

impl RemoteObject {
    /// How to find this object again.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef {
            id: self.id.clone(),
            natural_key: self.natural_key.clone(),
        }
    }
}

/// How to find one remote object: its id where the type has ids, and (part of) its natural key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectRef {
    /// The cloud's id, when known.
    pub id: Option<String>,
    /// Natural-key attributes known (an import id may give only some).
    pub natural_key: NaturalKey,
}

impl ObjectRef {
    /// A natural-key attribute.
    pub fn key(&self, name: &str) -> Option<&str> {
        self.natural_key.get(name).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;

    #[derive(Serialize, Deserialize)]
    struct Record {
        #[serde(with = "natural_key_serde")]
        natural_key: NaturalKey,
    }

    #[test]
    fn a_natural_key_is_a_json_object_even_when_empty() {
        let empty = Record {
            natural_key: NaturalKey::new(),
        };
        assert_eq!(
            serde_json::to_value(&empty).unwrap(),
            json!({"natural_key": {}})
        );
        assert_eq!(natural_key_json(&NaturalKey::new()), json!({}));
        let read: Record = serde_json::from_value(
            json!({"natural_key": {"template_name": "coredns", "cluster_id": "c1"}}),
        )
        .unwrap();
        assert_eq!(
            read.natural_key.iter().collect::<Vec<_>>(),
            [
                (&"cluster_id".to_owned(), &"c1".to_owned()),
                (&"template_name".to_owned(), &"coredns".to_owned())
            ]
        );
        assert_eq!(
            serde_json::to_string(&read).unwrap(),
            r#"{"natural_key":{"cluster_id":"c1","template_name":"coredns"}}"#
        );
    }
}

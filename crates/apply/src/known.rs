//! What expressions see of resources while an apply runs, the addresses of the configuration
//! against the state's, and the records the state keeps of remote objects.

use plinth_core::{Presence, ResourceAddress, TypeSpec, registry};
use std::collections::{BTreeSet, HashMap};

use plinth_cloud::RemoteObject;
use plinth_config::{ObjectMap, ResourceValues, Value};
use plinth_planner::Plan;
use plinth_state::{Change, ResourceState, State, Status};
use serde_json::Value as Json;

/// The schema of the type of `address`.
pub(crate) fn schema_of(address: &ResourceAddress) -> Option<&'static TypeSpec> {
    registry::find(address.mode(), address.type_name())
}

/// The attributes a user may set (or a data source takes), out of a whole planned object.
pub(crate) fn settable(schema: &TypeSpec, object: &ObjectMap) -> ObjectMap {
    object
        .iter()
        .filter(|(name, _)| {
            schema
                .attribute(name)
                .is_some_and(|a| a.presence != Presence::Computed)
        })
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// A JSON object of values; unknown parts become `null` (callers check for unknowns first) and
/// sensitive marks are removed: the cloud must receive the real values.
pub(crate) fn to_json(attributes: &ObjectMap) -> Json {
    Json::Object(
        attributes
            .iter()
            .map(|(name, value)| {
                (
                    name.clone(),
                    value.strip_marks().to_json_with(&mut |_| Json::Null),
                )
            })
            .collect(),
    )
}

pub(crate) use plinth_planner::sensitive_pointers;

/// The sensitive values of attributes as they are sent: every string (and every number of four
/// digits or more) under a sensitive mark, to mask in the errors of the operation that sends
/// them. Shorter numbers and booleans are left: masking every `1` in a message hides nothing.
pub(crate) fn sensitive_strings(attributes: &ObjectMap) -> Vec<String> {
    fn leaves(value: &Json, out: &mut Vec<String>) {
        match value {
            Json::String(text) if !text.is_empty() => out.push(text.clone()),
            Json::Number(number) if number.to_string().len() >= 4 => out.push(number.to_string()),
            Json::Array(items) => items.iter().for_each(|item| leaves(item, out)),
            Json::Object(map) => map.values().for_each(|item| leaves(item, out)),
            _ => {}
        }
    }
    let pointers = sensitive_pointers(attributes);
    if pointers.is_empty() {
        return Vec::new();
    }
    let json = to_json(attributes);
    let mut out = Vec::new();
    for pointer in pointers {
        if let Some(value) = json.pointer(&pointer) {
            leaves(value, &mut out);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The state's record of a remote object: attributes as the cloud reported them, with the
/// values at `sensitive` sealed as fingerprints.
pub(crate) fn record(
    state: &State,
    object: &RemoteObject,
    fallback_key: &plinth_core::NaturalKey,
    dependencies: &[ResourceAddress],
    sensitive: &BTreeSet<String>,
    status: Status,
) -> ResourceState {
    // A copy, not the object itself: the object was parsed on a runtime thread, and keeping it
    // for the whole run pins memory in that thread's allocator arena (moving it instead raised
    // the peak RSS of the first apply at N = 10000 from 240 to 288 MB; sharing its text raised
    // the change apply's from 101 to 107 MB).
    let mut resource = ResourceState::new(object.id.clone(), object.attributes.copied());
    resource.natural_key = if object.natural_key.is_empty() {
        fallback_key.clone()
    } else {
        object.natural_key.clone()
    };
    resource.dependencies = dependencies.to_vec();
    resource.status = status;
    for pointer in sensitive {
        state.seal_sensitive(&mut resource, pointer);
    }
    state.seal_natural_key(&mut resource);
    resource
}

/// What this run finished at an address, for the expressions that read it: converted to values
/// only when one does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Finished {
    /// An object whose record holds its attributes as the cloud reported them (nothing is
    /// sealed): expressions read the record.
    Recorded,
    /// An object whose record seals sensitive values: the cloud's attributes, kept for the
    /// expressions (which see the real values).
    Sealed {
        /// The cloud's id.
        id: Option<String>,
        /// The attributes as the cloud reported them.
        attributes: Json,
        /// The pointers the record seals: sensitive for the expressions that read them.
        sensitive: BTreeSet<String>,
    },
    /// A data source's read (the state does not record reads).
    Read(Json),
}

impl Finished {
    /// How a finished object is remembered, given its record.
    pub(crate) fn object(object: &RemoteObject, record: &ResourceState) -> Finished {
        if record.sensitive.is_empty() {
            Finished::Recorded
        } else {
            Finished::Sealed {
                id: object.id.clone(),
                attributes: object.attributes.to_value(),
                sensitive: record.sensitive.clone(),
            }
        }
    }
}

/// The record at `address` once the changes not yet recorded are: the last of them that
/// touches it, else the state's.
pub(crate) fn latest<'s>(
    address: &ResourceAddress,
    state: &'s State,
    unrecorded: &'s [Change],
) -> Option<&'s ResourceState> {
    for change in unrecorded.iter().rev() {
        match change {
            Change::Upsert {
                address: at,
                resource,
            } if at == address => return Some(resource),
            Change::Remove { address: at } if at == address => return None,
            _ => {}
        }
    }
    state.resource(address)
}

/// What expressions see of resources during an apply: results of this run first, then the
/// planned objects, then the state.
pub(crate) struct Known<'a> {
    pub finished: &'a HashMap<ResourceAddress, Finished>,
    pub plan: &'a Plan,
    pub state: &'a State,
    /// Changes made to `state` but not recorded in it yet, the latest last.
    pub unrecorded: &'a [Change],
}

impl ResourceValues for Known<'_> {
    fn attributes(&self, address: &ResourceAddress) -> Option<ObjectMap> {
        match self.finished.get(address) {
            Some(Finished::Recorded) => {
                if let Some(resource) = latest(address, self.state, self.unrecorded) {
                    return Some(object_values(
                        resource.id.as_deref(),
                        &resource.attributes.to_value(),
                    ));
                }
            }
            Some(Finished::Sealed {
                id,
                attributes,
                sensitive,
            }) => {
                return Some(sealed_values(id.as_deref(), attributes, sensitive));
            }
            Some(Finished::Read(attributes)) => {
                return Some(into_map(Value::from(attributes.clone())));
            }
            None => {}
        }
        if let Some(after) = self
            .plan
            .change(address)
            .and_then(|change| change.after.as_ref())
        {
            return Some(into_map(after.value()));
        }
        let resource = self.state.resource(address)?;
        Some(sealed_values(
            resource.id.as_deref(),
            &resource.attributes.to_value(),
            &resource.sensitive,
        ))
    }
}

/// [`object_values`] with the values at the pointers a record seals marked sensitive: what the
/// state seals stays sensitive for the expressions that read it.
fn sealed_values(id: Option<&str>, attributes: &Json, sealed: &BTreeSet<String>) -> ObjectMap {
    let mut value = Value::Object(object_values(id, attributes));
    for pointer in sealed {
        plinth_planner::mark_sensitive(&mut value, pointer);
    }
    into_map(value)
}

/// Attributes as expressions see them, with `id` filled from the cloud id where missing.
pub(crate) fn object_values(id: Option<&str>, attributes: &Json) -> ObjectMap {
    let mut map = into_map(Value::from(attributes.clone()));
    if let Some(id) = id {
        let entry = map.entry("id".to_owned()).or_insert(Value::Null);
        if entry.is_null() {
            *entry = Value::string(id);
        }
    }
    map
}

pub(crate) fn into_map(value: Value) -> ObjectMap {
    match value {
        Value::Object(map) => map,
        _ => ObjectMap::new(),
    }
}

/// Removes `ignore_changes` paths from written attributes: the cloud keeps its values there.
pub(crate) fn without_ignored(
    mut attributes: ObjectMap,
    lifecycle: &plinth_config::Lifecycle,
) -> ObjectMap {
    if lifecycle.ignore_all_changes {
        return ObjectMap::new();
    }
    for path in &lifecycle.ignore_changes {
        remove_path(&mut attributes, path);
    }
    attributes
}

fn remove_path(object: &mut ObjectMap, path: &[String]) {
    match path {
        [] => {}
        [last] => {
            object.remove(last);
        }
        [first, rest @ ..] => {
            if let Some(Value::Object(inner)) = object.get_mut(first) {
                remove_path(inner, rest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sensitive_pointers_escape_keys_and_index_lists() {
        let attributes = into_map(Value::Object(ObjectMap::from_iter([
            (
                "values".to_owned(),
                Value::Object(ObjectMap::from_iter([
                    ("a/b".to_owned(), Value::string("x").mark_sensitive()),
                    (
                        "list".to_owned(),
                        Value::List(vec![Value::int(1), Value::string("s").mark_sensitive()]),
                    ),
                ])),
            ),
            ("version".to_owned(), Value::string("1")),
        ])));
        assert_eq!(
            sensitive_pointers(&attributes)
                .into_iter()
                .collect::<Vec<_>>(),
            ["/values/a~1b", "/values/list/1"]
        );
        let json = to_json(&attributes);
        assert_eq!(json["values"]["a/b"], json!("x"));
    }

    #[test]
    fn ignored_paths_are_removed_and_ignore_all_keeps_nothing() {
        let attributes = into_map(Value::from(
            json!({"values": {"a": 1, "b": 2}, "version": "1"}),
        ));
        let lifecycle = plinth_config::Lifecycle {
            ignore_changes: vec![vec!["values".to_owned(), "a".to_owned()]],
            ..Default::default()
        };
        let kept = without_ignored(attributes.clone(), &lifecycle);
        assert_eq!(to_json(&kept), json!({"values": {"b": 2}, "version": "1"}));
        let all = plinth_config::Lifecycle {
            ignore_all_changes: true,
            ..Default::default()
        };
        assert!(without_ignored(attributes, &all).is_empty());
    }

    #[test]
    fn object_values_fill_the_id() {
        let values = object_values(Some("uid"), &json!({"status": "running"}));
        assert_eq!(values[&"id".to_owned()], Value::string("uid"));
        let values = object_values(Some("uid"), &json!({"id": "other"}));
        assert_eq!(values[&"id".to_owned()], Value::string("other"));
    }
}

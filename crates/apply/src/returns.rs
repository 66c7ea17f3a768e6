//! Template parameters that return to their defaults on an update: the ones the state records
//! as configured at the last apply and the arguments no longer write
//! ([`plinth_planner::returning_pointers`]), sent as the plan planned them (the default, or
//! left out), so that apply does what the plan showed.

use plinth_config::{Lifecycle, ObjectMap};
use plinth_core::TypeSpec;
use plinth_core::path::pointer_tokens;
use plinth_planner::PlannedChange;
use plinth_state::ResourceState;
use serde_json::Value as Json;

/// A parameter that returns: its JSON pointer and the value planned there (`None`: left out).
pub(crate) type Return = (String, Option<Json>);

/// The parameters of `record` that `arguments` no longer write, each with what the planned
/// object holds there. A plan made without the catalogue planned the value as it is, so
/// nothing moves that the plan did not show.
pub(crate) fn planned_returns(
    spec: &TypeSpec,
    record: Option<&ResourceState>,
    change: &PlannedChange,
    arguments: &ObjectMap,
    lifecycle: &Lifecycle,
) -> Vec<Return> {
    let Some(record) = record else {
        return Vec::new();
    };
    let after = change
        .after
        .as_ref()
        .map(plinth_planner::PlannedObject::value);
    plinth_planner::returning_pointers(spec, &record.configured, arguments, lifecycle)
        .into_iter()
        .filter_map(|pointer| {
            let tokens = pointer_tokens(&pointer)?;
            let mut value = after.as_ref()?;
            for token in &tokens {
                match value.as_object().and_then(|object| object.get(token)) {
                    Some(inner) => value = inner,
                    None => return Some((pointer, None)),
                }
            }
            // Unknown at plan time: nothing to send in its place but what is there.
            if value.contains_unknown() {
                return None;
            }
            let planned = value.strip_marks().to_json_with(&mut |_| Json::Null);
            Some((pointer, Some(planned)))
        })
        .collect()
}

/// Puts the returning parameters into the attributes an update sends.
pub(crate) fn apply_returns(sent: &mut Json, returns: &[Return]) {
    for (pointer, value) in returns {
        let Some(tokens) = pointer_tokens(pointer) else {
            continue;
        };
        set(sent, &tokens, value.as_ref());
    }
}

fn set(json: &mut Json, tokens: &[String], value: Option<&Json>) {
    let (Json::Object(object), Some((first, rest))) = (json, tokens.split_first()) else {
        return;
    };
    if rest.is_empty() {
        match value {
            Some(value) => {
                object.insert(first.clone(), value.clone());
            }
            None => {
                object.remove(first);
            }
        }
        return;
    }
    if !object.contains_key(first) {
        if value.is_none() {
            return;
        }
        object.insert(first.clone(), Json::Object(serde_json::Map::new()));
    }
    if let Some(inner) = object.get_mut(first) {
        set(inner, rest, value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn returns_set_the_planned_default_or_leave_the_key_out() {
        let mut sent = json!({"version": "1.28.6", "values": {"flavor": {"replicas": 3}, "mine": true, "kept": 1}});
        apply_returns(
            &mut sent,
            &[
                ("/values/flavor/replicas".to_owned(), Some(json!(2))),
                ("/values/mine".to_owned(), None),
                ("/values/new/deep".to_owned(), Some(json!("d"))),
                ("/values/absent/deep".to_owned(), None),
            ],
        );
        assert_eq!(
            sent,
            json!({"version": "1.28.6", "values": {"flavor": {"replicas": 2}, "kept": 1, "new": {"deep": "d"}}})
        );
    }
}

//! What a plan file must be before it is trusted: JSON without duplicate keys (`serde_json` keeps
//! the last of two silently, so a file could say one thing to a reviewer's tool and another to
//! plinth), and a document consistent with itself as docs/plan-format.md describes it: no value
//! where a mirror says sensitive or unknown, each attribute change the value of the object at
//! its path, the actions the action's, the summary the changes' counts.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value as Json};

use crate::render::{
    ChangeAction, OutputChangeEntry, PlanDocument, ResourceChange, TerraformAction,
};

/// Parses JSON text, refusing an object with a key twice (naming the key).
pub fn parse_strict(text: &str) -> Result<Json, serde_json::Error> {
    serde_json::from_str::<Strict>(text).map(|strict| strict.0)
}

/// A JSON value whose objects have each key once.
struct Strict(Json);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
            }
            let Strict(value) = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Json::Object(object))
    }
}

/// Checks that a plan document is consistent with itself; says what is not.
pub fn check_document(plan: &PlanDocument) -> Result<(), String> {
    for change in &plan.resource_changes {
        check_change(change).map_err(|e| format!("`{}`: {e}", change.address))?;
    }
    for (name, output) in &plan.head.output_changes {
        check_output(output).map_err(|e| format!("output `{name}`: {e}"))?;
    }
    for drift in &plan.head.resource_drift {
        hidden(
            &drift.before,
            &drift.before_sensitive,
            "before",
            "sensitive",
        )
        .and_then(|()| hidden(&drift.after, &drift.after_sensitive, "after", "sensitive"))
        .map_err(|e| format!("the drift of `{}`: {e}", drift.address))?;
        if drift
            .changes
            .iter()
            .any(|c| c.sensitive && !(c.before.is_null() && c.after.is_null()))
        {
            return Err(format!(
                "the drift of `{}` holds a value marked sensitive",
                drift.address
            ));
        }
    }
    let mut counted = crate::render::SummaryCounts::default();
    for change in &plan.resource_changes {
        count(&mut counted, change);
    }
    if counted != plan.head.summary {
        return Err("its `summary` does not count its changes".to_owned());
    }
    let changes = plan.resource_changes.iter().any(|change| {
        !matches!(change.action, ChangeAction::NoOp | ChangeAction::Read)
            || change.previous_address.is_some()
    }) || plan
        .head
        .output_changes
        .values()
        .any(OutputChangeEntry::is_change);
    let has_changes = if plan.head.is_refresh_only() {
        !plan.head.resource_drift.is_empty()
            || plan
                .head
                .output_changes
                .values()
                .any(OutputChangeEntry::is_change)
    } else {
        changes
    };
    if has_changes != plan.head.has_changes {
        return Err("its `has_changes` does not match its changes".to_owned());
    }
    Ok(())
}

fn check_change(change: &ResourceChange) -> Result<(), String> {
    let allowed: &[&[TerraformAction]] = {
        use TerraformAction as T;
        match change.action {
            ChangeAction::NoOp => &[&[T::NoOp]],
            ChangeAction::Create => &[&[T::Create]],
            ChangeAction::Update => &[&[T::Update]],
            ChangeAction::Replace => &[&[T::Delete, T::Create], &[T::Create, T::Delete]],
            ChangeAction::Delete => &[&[T::Delete]],
            ChangeAction::Read => &[&[T::Read]],
            ChangeAction::Import => &[&[T::NoOp], &[T::Update]],
            ChangeAction::Forget => &[&[T::Forget]],
        }
    };
    if !allowed.contains(&change.actions.as_slice()) {
        return Err(format!(
            "its `actions` are not those of the action `{}`",
            change.action.as_str()
        ));
    }
    hidden(
        &change.before,
        &change.before_sensitive,
        "before",
        "sensitive",
    )?;
    hidden(&change.after, &change.after_sensitive, "after", "sensitive")?;
    hidden(&change.after, &change.after_unknown, "after", "unknown")?;
    for attribute in &change.attribute_changes {
        let path = crate::planfile::path_text(&attribute.path);
        hidden(
            &attribute.after,
            &attribute.after_sensitive,
            "after",
            "sensitive",
        )
        .and_then(|()| {
            hidden(
                &attribute.before,
                &attribute.before_sensitive,
                "before",
                "sensitive",
            )
        })
        .and_then(|()| {
            hidden(
                &attribute.after,
                &attribute.after_unknown,
                "after",
                "unknown",
            )
        })
        .map_err(|e| format!("the change of `{path}`: {e}"))?;
        if change.after.is_null() {
            continue;
        }
        let after = at(&change.after, &attribute.path).unwrap_or(&Json::Null);
        let sensitive = marks(&mirror_at(&change.after_sensitive, &attribute.path));
        let unknown = marks(&mirror_at(&change.after_unknown, &attribute.path));
        if *after != attribute.after
            || sensitive != marks(&attribute.after_sensitive)
            || unknown != marks(&attribute.after_unknown)
        {
            return Err(format!(
                "the change of `{path}` is not its `after` value or marks"
            ));
        }
    }
    Ok(())
}

fn check_output(output: &OutputChangeEntry) -> Result<(), String> {
    if output.actions.len() != 1
        || matches!(
            output.actions[0],
            TerraformAction::Read | TerraformAction::Forget
        )
    {
        return Err("its `actions` are not an output's".to_owned());
    }
    hidden(
        &output.before,
        &output.before_sensitive,
        "before",
        "sensitive",
    )?;
    hidden(&output.after, &output.after_sensitive, "after", "sensitive")?;
    hidden(&output.after, &output.after_unknown, "after", "unknown")
}

/// Checks that `value` is `null` wherever `mirror` is `true`.
fn hidden(value: &Json, mirror: &Json, side: &str, what: &str) -> Result<(), String> {
    let shown = match (mirror, value) {
        (Json::Bool(true), value) => !value.is_null(),
        (Json::Object(marks), Json::Object(values)) => {
            return marks.iter().try_for_each(|(key, mark)| {
                hidden(values.get(key).unwrap_or(&Json::Null), mark, side, what)
            });
        }
        (Json::Array(marks), Json::Array(values)) => {
            return marks
                .iter()
                .zip(values)
                .try_for_each(|(mark, value)| hidden(value, mark, side, what));
        }
        _ => false,
    };
    if shown {
        // Never the value itself: it may be the secret the mirror says it is.
        return Err(format!("its `{side}` holds a value marked {what}"));
    }
    Ok(())
}

/// The value at an attribute path.
fn at<'j>(value: &'j Json, path: &[Json]) -> Option<&'j Json> {
    path.iter().try_fold(value, |value, step| match step {
        Json::String(key) => value.get(key),
        Json::Number(index) => value.get(usize::try_from(index.as_u64()?).ok()?),
        _ => None,
    })
}

/// The part of a mirror at `path`: `true` when a value containing it is marked as a whole.
fn mirror_at(mirror: &Json, path: &[Json]) -> Json {
    let mut mark = mirror;
    for step in path {
        if *mark == Json::Bool(true) {
            break;
        }
        let next = match step {
            Json::String(key) => mark.get(key),
            Json::Number(index) => index
                .as_u64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| mark.get(i)),
            _ => None,
        };
        match next {
            Some(next) => mark = next,
            None => return Json::Bool(false),
        }
    }
    mark.clone()
}

/// A mirror reduced to its marks: `None` when nothing is marked (`false`, `{}`, an array of
/// `false`), so that two ways of writing "no mark" compare equal.
fn marks(mirror: &Json) -> Option<Json> {
    match mirror {
        Json::Bool(true) => Some(Json::Bool(true)),
        Json::Object(map) => {
            let marked: Map<String, Json> = map
                .iter()
                .filter_map(|(key, mark)| Some((key.clone(), marks(mark)?)))
                .collect();
            (!marked.is_empty()).then_some(Json::Object(marked))
        }
        Json::Array(items) => {
            let marked: Vec<Option<Json>> = items.iter().map(marks).collect();
            marked.iter().any(Option::is_some).then(|| {
                Json::Array(
                    marked
                        .into_iter()
                        .map(|m| m.unwrap_or(Json::Bool(false)))
                        .collect(),
                )
            })
        }
        _ => None,
    }
}

fn count(summary: &mut crate::render::SummaryCounts, change: &ResourceChange) {
    match (change.action, change.actions.as_slice()) {
        (ChangeAction::Create, _) => summary.add += 1,
        (ChangeAction::Update, _) => summary.change += 1,
        (ChangeAction::Replace, _) => {
            summary.add += 1;
            summary.destroy += 1;
        }
        (ChangeAction::Delete, _) => summary.destroy += 1,
        (ChangeAction::Forget, _) => summary.forget += 1,
        (ChangeAction::Read, _) => summary.read += 1,
        (ChangeAction::Import, actions) => {
            summary.import += 1;
            if actions == [TerraformAction::Update] {
                summary.change += 1;
            }
        }
        (ChangeAction::NoOp, _) => {}
    }
}

/// `ActionNames` is what the document's `action` and `actions` are made from; the checks above
/// accept exactly its pairs.
#[cfg(test)]
mod tests {
    use plinth_planner::Action;

    use super::*;
    use crate::render::ActionNames;

    #[test]
    fn duplicate_keys_are_refused_at_any_depth() {
        assert!(parse_strict(r#"{"a": 1, "b": {"c": [1, {"d": 2}]}}"#).is_ok());
        for text in [r#"{"a": 1, "a": 2}"#, r#"{"x": [{"d": 1, "d": 1}]}"#] {
            let error = parse_strict(text).unwrap_err().to_string();
            assert!(error.contains("duplicate key"), "{error}");
        }
    }

    #[test]
    fn the_accepted_actions_are_those_plinth_writes() {
        let actions = [
            Action::NoOp,
            Action::Create,
            Action::Update,
            Action::Replace {
                create_before_destroy: false,
            },
            Action::Replace {
                create_before_destroy: true,
            },
            Action::Delete,
            Action::Forget,
            Action::Read,
            Action::Import { then_update: false },
            Action::Import { then_update: true },
        ];
        for action in actions {
            let names = ActionNames::of(action);
            let change: ResourceChange = serde_json::from_value(serde_json::json!({
                "address": "huaweicloud_cce_addon.a", "mode": "managed",
                "type": "huaweicloud_cce_addon", "name": "a",
                "action": names.action, "actions": names.actions, "reasons": [], "id": null,
                "before": null, "after": null, "after_unknown": false,
                "before_sensitive": false, "after_sensitive": false, "replace_paths": [],
                "attribute_changes": [], "depends_on": []
            }))
            .unwrap();
            assert_eq!(check_change(&change), Ok(()), "{action:?}");
        }
    }

    #[test]
    fn a_value_where_a_mirror_says_sensitive_is_refused_without_showing_it() {
        let mirror = serde_json::json!({"values": {"token": true}});
        let leaked = serde_json::json!({"values": {"token": "s3cr3t"}});
        let error = hidden(&leaked, &mirror, "after", "sensitive").unwrap_err();
        assert!(!error.contains("s3cr3t"));
        assert_eq!(error, "its `after` holds a value marked sensitive");
        let sealed = serde_json::json!({"values": {"token": null}});
        assert_eq!(hidden(&sealed, &mirror, "after", "sensitive"), Ok(()));
    }
}

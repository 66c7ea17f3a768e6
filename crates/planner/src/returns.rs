//! Template parameters that leave the configuration return to the template default.
//!
//! The state records the parameters the configuration set at the last apply
//! ([`ResourceState::configured`], from [`configured_pointers`]). A pointer recorded there that
//! the configuration no longer writes is planned back to the default of the template version the
//! object will run ([`returns`]), or out of the parameters when the template has no default for
//! it. A value that was never configured (set in the console) is never recorded, so never
//! touched. Apply sends what the plan planned at those pointers ([`returning_pointers`] names
//! them again from the same record and arguments).

use std::collections::BTreeSet;

use plinth_config::{Lifecycle, ObjectMap, Value};
use plinth_core::path::{
    AttributePath, PathStep, pointer_covers, pointer_tokens, push_pointer_key,
};
use plinth_core::registry::TypeSpec;
use plinth_state::ResourceState;
use serde_json::Value as Json;

use crate::diff::AttributeChange;
use crate::templates::{Catalogue, CatalogueRead};

/// The template parameters `written` sets, as the state records them: one JSON pointer per value
/// written under the parameters' attribute (`/values/custom/servers`). A sensitive value is one
/// leaf (its keys are as secret as its values); `null` and `{}` set nothing. Empty for a type without
/// template parameters.
pub fn configured_pointers(spec: &TypeSpec, written: &ObjectMap) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(template) = spec.template else {
        return out;
    };
    if let Some(value) = written.get(template.parameters) {
        let mut pointer = String::new();
        push_pointer_key(&mut pointer, template.parameters);
        leaves(&mut pointer, value, &mut out);
    }
    out
}

fn leaves(pointer: &mut String, value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::Null => {}
        // An empty object sets nothing: the cloud merges it over what is installed.
        Value::Object(map) => {
            for (key, inner) in map.iter() {
                let length = pointer.len();
                push_pointer_key(pointer, key);
                leaves(pointer, inner, out);
                pointer.truncate(length);
            }
        }
        _ => {
            out.insert(pointer.clone());
        }
    }
}

/// The pointers of `configured` (a record's) that `written` no longer sets and that the
/// lifecycle does not ignore: the parameters that return to their default. A pointer is still
/// set when a written value holds it or lies under it.
pub fn returning_pointers(
    spec: &TypeSpec,
    configured: &BTreeSet<String>,
    written: &ObjectMap,
    lifecycle: &Lifecycle,
) -> Vec<String> {
    let Some(template) = spec.template else {
        return Vec::new();
    };
    if configured.is_empty() || lifecycle.ignore_all_changes {
        return Vec::new();
    }
    // Only pointers under the parameters count (a hand-edited state may hold others).
    let mut parameters = String::new();
    push_pointer_key(&mut parameters, template.parameters);
    let now = configured_pointers(spec, written);
    let ignored: Vec<String> = lifecycle
        .ignore_changes
        .iter()
        .map(|path| {
            let mut pointer = String::new();
            for step in path {
                push_pointer_key(&mut pointer, step);
            }
            pointer
        })
        .collect();
    configured
        .iter()
        .filter(|pointer| {
            pointer_covers(&parameters, pointer)
                && !now
                    .iter()
                    .any(|w| pointer_covers(w, pointer) || pointer_covers(pointer, w))
                && !ignored.iter().any(|i| pointer_covers(i, pointer))
        })
        .cloned()
        .collect()
}

/// What returning parameters to their defaults plans for one object.
#[derive(Debug, Default)]
pub(crate) struct Returns {
    /// The catalogue read needed first (the template's defaults).
    pub wanted: Option<CatalogueRead>,
    /// The changes a reviewer sees: the value now, then the default (`null`: none, removed).
    pub changes: Vec<AttributeChange>,
    /// What the planned object holds at each returning path: the default, or nothing.
    values: Vec<(Vec<String>, Option<Json>)>,
}

impl Returns {
    /// Puts the defaults into the planned object and their changes among the object's (in
    /// place of any other change at the same paths, e.g. an upgrade's).
    pub(crate) fn into_planned(self, after: &mut Value, changes: &mut Vec<AttributeChange>) {
        for (steps, default) in &self.values {
            set_path(after, steps, default.as_ref());
        }
        changes.retain(|c| {
            !self
                .changes
                .iter()
                .any(|r| c.path.starts_with(&r.path) || r.path.starts_with(&c.path))
        });
        changes.extend(self.changes);
    }
}

/// The object as planned and what returns: its record, the object now (refreshed or
/// recorded), the arguments written and their lifecycle.
pub(crate) struct ReturnsInput<'a> {
    pub spec: &'a TypeSpec,
    pub record: &'a ResourceState,
    pub current: &'a Json,
    pub written: &'a ObjectMap,
    pub lifecycle: &'a Lifecycle,
    pub catalogue: &'a Catalogue,
}

/// Plans the parameters that left the configuration since the last apply back to the default of
/// the template version the object will run. Without the template's catalogue it asks for it;
/// a template or version the catalogue does not know plans nothing (the template checks say
/// why).
pub(crate) fn returns(input: &ReturnsInput<'_>) -> Returns {
    let spec = input.spec;
    let mut planned = Returns::default();
    let (Some(template), Some(version)) = (spec.template, spec.version) else {
        return planned;
    };
    let pointers = returning_pointers(
        spec,
        &input.record.configured,
        input.written,
        input.lifecycle,
    );
    if pointers.is_empty() {
        return planned;
    }
    let read = CatalogueRead::Templates(spec.family);
    if !input.catalogue.has(read) {
        planned.wanted = Some(read);
        return planned;
    }
    let text = |name: &str| input.current.get(name).and_then(Json::as_str);
    let written_version = match input.written.get(version.wanted) {
        Some(Value::String(version)) => Some(version.as_str()),
        // Unknown or sensitive: apply decides, the plan shows nothing.
        Some(value) if !value.is_null() => return planned,
        _ => None,
    };
    let Some(found) = text(template.name)
        .and_then(|name| input.catalogue.template(spec.family, name))
        .and_then(|t| {
            written_version
                .or_else(|| text(version.running))
                .or_else(|| text(version.wanted))
                .and_then(|v| t.version(v))
        })
    else {
        return planned;
    };
    for pointer in pointers {
        let Some(tokens) = pointer_tokens(&pointer) else {
            continue;
        };
        let within: String = pointer[template.parameters.len() + 1..].to_owned();
        let default = found.defaults.pointer(&within);
        let now = input.current.pointer(&pointer);
        if now == default {
            continue;
        }
        let sensitive = input
            .record
            .sensitive
            .iter()
            .any(|s| pointer_covers(s, &pointer) || pointer_covers(&pointer, s));
        planned.changes.push(AttributeChange {
            path: AttributePath::from_steps(tokens.iter().cloned().map(PathStep::Key).collect()),
            before: now.cloned(),
            after: default.map_or(Value::Null, crate::plan::value_of),
            sensitive,
            forces_replacement: false,
            drift: false,
        });
        planned.values.push((tokens, default.cloned()));
    }
    planned
}

/// Sets (or, for `None`, removes) the value at `steps` of an object, making the objects on the
/// way.
fn set_path(value: &mut Value, steps: &[String], to: Option<&Json>) {
    let (Value::Object(map), Some((first, rest))) = (value, steps.split_first()) else {
        return;
    };
    if rest.is_empty() {
        match to {
            Some(json) => {
                map.insert(first.clone(), crate::plan::value_of(json));
            }
            None => {
                map.remove(first);
            }
        }
        return;
    }
    if map.get(first).is_none() {
        if to.is_none() {
            return;
        }
        map.insert(first.clone(), Value::Object(ObjectMap::new()));
    }
    if let Some(inner) = map.get_mut(first) {
        set_path(inner, rest, to);
    }
}

#[cfg(test)]
mod tests {
    use plinth_core::Mode;
    use plinth_core::registry;
    use serde_json::json;

    use super::*;

    fn addon() -> &'static TypeSpec {
        registry::find(Mode::Managed, "huaweicloud_cce_addon").unwrap()
    }

    fn object(json: &Json) -> ObjectMap {
        match crate::plan::value_of(json) {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn configured_pointers_are_the_leaves_written_under_the_parameters() {
        let written = object(&json!({
            "version": "1.28.6",
            "values": {"custom": {"servers": 3, "a/b": [1, 2], "unset": null}, "flavor": {}}
        }));
        assert_eq!(
            configured_pointers(addon(), &written),
            BTreeSet::from([
                "/values/custom/a~1b".to_owned(),
                "/values/custom/servers".to_owned(),
            ])
        );
    }

    #[test]
    fn a_pointer_returns_only_when_nothing_written_holds_it_and_it_is_not_ignored() {
        let configured = BTreeSet::from([
            "/values/custom/servers".to_owned(),
            "/values/custom/stub_domains".to_owned(),
            "/values/basic/swr".to_owned(),
            "/values/flavor/replicas".to_owned(),
            "/version".to_owned(),
            "/a".to_owned(),
        ]);
        // `custom.servers` is still written, `stub_domains` now lies under an object written,
        // `basic` is written whole, `flavor.replicas` is gone.
        let written = object(&json!({"values": {
            "custom": {"servers": 2, "stub_domains": {"corp": ["10.0.0.1"]}},
            "basic": "whole"
        }}));
        let lifecycle = Lifecycle::default();
        assert_eq!(
            returning_pointers(addon(), &configured, &written, &lifecycle),
            vec!["/values/flavor/replicas".to_owned()]
        );
        let ignoring = Lifecycle {
            ignore_changes: vec![vec!["values".to_owned(), "flavor".to_owned()]],
            ..Lifecycle::default()
        };
        assert!(returning_pointers(addon(), &configured, &written, &ignoring).is_empty());
        let all = Lifecycle {
            ignore_all_changes: true,
            ..Lifecycle::default()
        };
        assert!(returning_pointers(addon(), &configured, &ObjectMap::new(), &all).is_empty());
    }

    #[test]
    fn set_path_sets_and_removes_through_objects() {
        let mut value = Value::Object(object(&json!({"values": {"custom": {"a": 1, "b": 2}}})));
        set_path(
            &mut value,
            &["values".to_owned(), "custom".to_owned(), "a".to_owned()],
            Some(&json!(5)),
        );
        set_path(
            &mut value,
            &["values".to_owned(), "custom".to_owned(), "b".to_owned()],
            None,
        );
        set_path(
            &mut value,
            &["values".to_owned(), "new".to_owned(), "c".to_owned()],
            Some(&json!(true)),
        );
        set_path(
            &mut value,
            &["values".to_owned(), "gone".to_owned(), "d".to_owned()],
            None,
        );
        assert_eq!(
            value.to_json().unwrap(),
            json!({"values": {"custom": {"a": 5}, "new": {"c": true}}})
        );
    }
}

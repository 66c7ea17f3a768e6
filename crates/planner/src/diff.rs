//! The diff engine: what the user wrote against what the cloud reports, key by key.
//!
//! Only keys the user wrote are compared, recursively through objects, so keys the server filled
//! in are never a difference. Lists compare by length and then element by element with the same
//! rule. A written key whose remote value differs from the value in the prior state is drift.

use plinth_config::{ObjectMap, Value};
use serde_json::Value as Json;

use plinth_core::path::{AttributePath, PathStep, pointer};

/// One attribute path whose value the plan changes.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributeChange {
    /// Where: `version`, `values.flavor.replicas`.
    pub path: AttributePath,
    /// The value now (remote, or the state's when not refreshed); `None` when absent. For a
    /// sensitive value the state only knows, this is its fingerprint.
    pub before: Option<Json>,
    /// The value planned: what the configuration says. [`Value::Unknown`] (anywhere inside) is
    /// shown as `(known after apply)`.
    pub after: Value,
    /// The value is sensitive (in the configuration or in the state): show `(sensitive value)`.
    pub sensitive: bool,
    /// A change of this attribute replaces the resource: show `# forces replacement`.
    pub forces_replacement: bool,
    /// The remote value changed outside plinth since the prior state: the change puts it back.
    pub drift: bool,
}

/// A value changed outside plinth: a key the user wrote whose remote value differs from the
/// value recorded in the prior state. The root path with `now: None` means the whole object was
/// deleted outside plinth.
#[derive(Debug, Clone, PartialEq)]
pub struct Drift {
    /// The resource instance.
    pub address: plinth_core::ResourceAddress,
    /// Where in it.
    pub path: AttributePath,
    /// The value the prior state recorded (a fingerprint for a sealed sensitive value).
    pub in_state: Option<Json>,
    /// The value the cloud reports now; `None` when it is absent.
    pub now: Option<Json>,
    /// The value is sensitive: show `(sensitive value)`.
    pub sensitive: bool,
}

/// Where sensitive values of an attribute object are fingerprints rather than values (the
/// state's sealed pointers), and how to check a value against such a fingerprint.
pub(crate) trait Sealed {
    /// Whether any pointer is sealed (lets the walk skip building pointers).
    fn any(&self) -> bool;
    /// Whether the value at `pointer` is a fingerprint.
    fn is_sealed(&self, pointer: &str) -> bool;
    /// Whether `value` is the value fingerprinted at `pointer`.
    fn matches(&self, pointer: &str, value: &Json) -> bool;
}

/// The inputs of one diff.
pub(crate) struct DiffInput<'a> {
    /// The attributes the user wrote, evaluated.
    pub desired: &'a ObjectMap,
    /// The object now: refreshed, or the state's attributes when not refreshed.
    pub current: &'a Json,
    /// Sealed pointers of `current` when it is the state's attributes.
    pub current_sealed: Option<&'a dyn Sealed>,
    /// The state's attributes, when the object is in the state and `current` was refreshed.
    pub prior: Option<&'a Json>,
    /// Sealed pointers of `prior`.
    pub prior_sealed: Option<&'a dyn Sealed>,
    /// `ignore_changes` paths, as written (`["values", "flavor", "replicas"]`).
    pub ignore: &'a [Vec<String>],
    /// `ignore_changes = all`.
    pub ignore_all: bool,
    /// Whether a change of the top-level attribute forces replacement.
    pub forces_replacement: &'a dyn Fn(&str) -> bool,
    /// Whether a top-level attribute is compared with the cloud at all (plinth's own arguments,
    /// such as `rollback_on_failure`, are not).
    pub compared: &'a dyn Fn(&str) -> bool,
}

/// What a diff found: changes (after `ignore_changes`) and drifted paths.
#[derive(Debug, Default)]
pub(crate) struct DiffOutput {
    pub changes: Vec<AttributeChange>,
    pub drift: Vec<(AttributePath, Option<Json>, Option<Json>, bool)>,
}

/// Compares what the user wrote with the object now and the prior state.
pub(crate) fn diff(input: &DiffInput<'_>) -> DiffOutput {
    let current = with_installed_version(input.current);
    let prior = input.prior.map(with_installed_version);
    let mut walker = Walker {
        current_sealed: input.current_sealed.filter(|s| s.any()),
        prior_sealed: input.prior_sealed.filter(|s| s.any()),
        out: DiffOutput::default(),
    };
    let mut path = Vec::new();
    for (name, desired) in input.desired {
        if !(input.compared)(name) {
            continue;
        }
        path.push(PathStep::Key(name.clone()));
        let prior_at = match &prior {
            Some(prior) => Prior::At(prior.get(name)),
            None => Prior::Unrecorded,
        };
        walker.walk(&mut path, desired, current.get(name), prior_at, false);
        path.pop();
    }
    let mut out = walker.out;
    if input.ignore_all {
        out.changes.clear();
        out.drift.clear();
    } else if !input.ignore.is_empty() {
        let ignored = |path: &AttributePath| {
            input
                .ignore
                .iter()
                .any(|ignore| matches_ignore(path, ignore))
        };
        out.changes.retain(|change| !ignored(&change.path));
        out.drift.retain(|(path, ..)| !ignored(path));
    }
    for change in &mut out.changes {
        change.forces_replacement = change
            .path
            .attribute_name()
            .is_some_and(|name| (input.forces_replacement)(name));
    }
    out
}

/// The attribute object with `version` set to the version actually installed, when the cloud
/// reports one (`installed_version` of a pool plug-in, `current_version` of an add-on): a failed
/// upgrade leaves the requested version in `version` and the old one installed.
fn with_installed_version(attributes: &Json) -> std::borrow::Cow<'_, Json> {
    let installed = ["installed_version", "current_version"]
        .iter()
        .find_map(|key| {
            attributes
                .get(*key)
                .and_then(Json::as_str)
                .filter(|v| !v.is_empty())
        });
    match (installed, attributes) {
        (Some(installed), Json::Object(map))
            if map.get("version").and_then(Json::as_str) != Some(installed) =>
        {
            let mut map = map.clone();
            map.insert("version".to_owned(), Json::String(installed.to_owned()));
            std::borrow::Cow::Owned(Json::Object(map))
        }
        _ => std::borrow::Cow::Borrowed(attributes),
    }
}

fn matches_ignore(path: &AttributePath, ignore: &[String]) -> bool {
    ignore.len() <= path.steps().len()
        && ignore
            .iter()
            .zip(path.steps())
            .all(|(want, step)| match step {
                PathStep::Key(key) => key == want,
                PathStep::Index(index) => index.to_string() == *want,
            })
}

/// What the prior state says at the walk's position.
#[derive(Clone, Copy)]
enum Prior<'a> {
    /// No prior state to compare with (a create or an import): nothing can be drift.
    Unrecorded,
    /// The prior state's value here (`None`: the key was not recorded).
    At(Option<&'a Json>),
    /// A sealed ancestor's fingerprint no longer matches: everything below has drifted.
    Drifted,
    /// A sealed ancestor's fingerprint matches: nothing below has drifted.
    Unchanged,
}

impl<'a> Prior<'a> {
    fn key(self, key: &str) -> Prior<'a> {
        match self {
            Prior::At(Some(Json::Object(map))) => Prior::At(map.get(key)),
            Prior::At(_) => Prior::At(None),
            other => other,
        }
    }

    fn index(self, index: usize) -> Prior<'a> {
        match self {
            Prior::At(Some(Json::Array(items))) => Prior::At(items.get(index)),
            Prior::At(_) => Prior::At(None),
            other => other,
        }
    }
}

struct Walker<'a> {
    current_sealed: Option<&'a dyn Sealed>,
    prior_sealed: Option<&'a dyn Sealed>,
    out: DiffOutput,
}

impl Walker<'_> {
    fn walk(
        &mut self,
        path: &mut Vec<PathStep>,
        desired: &Value,
        current: Option<&Json>,
        mut prior: Prior<'_>,
        sensitive: bool,
    ) {
        let mut sensitive = sensitive || desired.is_sensitive();
        let written = desired;
        let desired = desired.unmarked();
        if desired.is_null() {
            return;
        }
        if let Some(sealed) = self.current_sealed {
            let at = pointer(path);
            if sealed.is_sealed(&at) {
                // The state holds only a fingerprint here: compare the configured value with it.
                let same = !desired.contains_unknown()
                    && sealed.matches(
                        &at,
                        &desired.strip_marks().to_json_with(&mut |_| Json::Null),
                    );
                if !same {
                    self.change(path, current, written, true, false);
                }
                return;
            }
        }
        if let (Some(sealed), Prior::At(Some(recorded))) = (self.prior_sealed, prior) {
            let at = pointer(path);
            if sealed.is_sealed(&at) {
                sensitive = true;
                let same = current.is_some_and(|now| sealed.matches(&at, now));
                if same {
                    prior = Prior::Unchanged;
                } else {
                    self.out.drift.push((
                        AttributePath::from_steps(path.clone()),
                        Some(recorded.clone()),
                        current.cloned(),
                        true,
                    ));
                    prior = Prior::Drifted;
                }
            }
        }
        match (desired, current) {
            (Value::Object(map), Some(Json::Object(now))) => {
                for (key, value) in map {
                    path.push(PathStep::Key(key.clone()));
                    self.walk(path, value, now.get(key), prior.key(key), sensitive);
                    path.pop();
                }
            }
            (Value::List(items) | Value::Set(items), Some(Json::Array(now)))
                if items.len() == now.len() =>
            {
                for (index, (item, now)) in items.iter().zip(now).enumerate() {
                    path.push(PathStep::Index(index));
                    self.walk(path, item, Some(now), prior.index(index), sensitive);
                    path.pop();
                }
            }
            _ => {
                let drift = match prior {
                    Prior::At(Some(recorded)) => {
                        let drifted = !json_equal(Some(recorded), current);
                        if drifted {
                            self.out.drift.push((
                                AttributePath::from_steps(path.clone()),
                                Some(recorded.clone()),
                                current.cloned(),
                                sensitive,
                            ));
                        }
                        drifted
                    }
                    Prior::Drifted => true,
                    Prior::At(None) | Prior::Unrecorded | Prior::Unchanged => false,
                };
                if !value_equals_json(desired, current) {
                    self.change(path, current, written, sensitive, drift);
                }
            }
        }
    }

    fn change(
        &mut self,
        path: &[PathStep],
        before: Option<&Json>,
        after: &Value,
        sensitive: bool,
        drift: bool,
    ) {
        self.out.changes.push(AttributeChange {
            path: AttributePath::from_steps(path.to_vec()),
            before: before.cloned(),
            after: after.clone(),
            sensitive: sensitive || after.contains_sensitive(),
            forces_replacement: false,
            drift,
        });
    }
}

/// Whether the configured value equals the remote one, as a leaf: numbers by value, and a string
/// equal to the text of a number or boolean (the cloud often echoes numbers as strings).
pub(crate) fn value_equals_json(desired: &Value, current: Option<&Json>) -> bool {
    let Some(current) = current else {
        return desired.is_null();
    };
    match (desired.unmarked(), current) {
        (Value::Null, Json::Null) => true,
        (Value::Bool(a), Json::Bool(b)) => a == b,
        (Value::Number(a), Json::Number(b)) => numbers_equal(a, b),
        (Value::String(a), Json::String(b)) => a == b,
        (Value::String(a), Json::Number(b)) | (Value::Number(b), Json::String(a)) => {
            b.to_string() == *a || a.parse::<f64>().ok() == b.as_f64()
        }
        (Value::String(a), Json::Bool(b)) | (Value::Bool(b), Json::String(a)) => {
            b.to_string() == *a
        }
        (Value::List(items) | Value::Set(items), Json::Array(now)) => {
            items.len() == now.len()
                && items
                    .iter()
                    .zip(now)
                    .all(|(item, now)| value_equals_json(item, Some(now)))
        }
        (Value::Object(map), Json::Object(now)) => map
            .iter()
            .all(|(key, value)| value.is_null() || value_equals_json(value, now.get(key))),
        _ => false,
    }
}

fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(a), Some(b)) => a == b,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// Deep equality of two JSON values, numbers by value.
pub(crate) fn json_equal(a: Option<&Json>, b: Option<&Json>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(Json::Number(a)), Some(Json::Number(b))) => numbers_equal(a, b),
        (Some(Json::Array(a)), Some(Json::Array(b))) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(Some(a), Some(b)))
        }
        (Some(Json::Object(a)), Some(Json::Object(b))) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| json_equal(Some(value), b.get(key)))
        }
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;

    use super::*;

    struct Seal(BTreeSet<String>, Json);

    impl Sealed for Seal {
        fn any(&self) -> bool {
            !self.0.is_empty()
        }
        fn is_sealed(&self, pointer: &str) -> bool {
            self.0.contains(pointer)
        }
        fn matches(&self, _pointer: &str, value: &Json) -> bool {
            *value == self.1
        }
    }

    fn desired(json: Json) -> ObjectMap {
        match Value::from(json) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// Runs a diff and shows changes and drift one per line.
    fn check(desired: &ObjectMap, current: &Json, prior: Option<&Json>, expect: &[&str]) {
        check_with(desired, current, prior, &[], expect);
    }

    fn check_with(
        desired: &ObjectMap,
        current: &Json,
        prior: Option<&Json>,
        ignore: &[Vec<String>],
        expect: &[&str],
    ) {
        let out = diff(&DiffInput {
            desired,
            current,
            current_sealed: None,
            prior,
            prior_sealed: None,
            ignore,
            ignore_all: false,
            forces_replacement: &|name| name == "cluster_id",
            compared: &|_| true,
        });
        assert_eq!(show(&out), expect);
    }

    fn show(out: &DiffOutput) -> Vec<String> {
        let mut lines: Vec<String> = out
            .changes
            .iter()
            .map(|c| {
                let before = c
                    .before
                    .as_ref()
                    .map_or("<absent>".to_owned(), ToString::to_string);
                let mut line = format!("~ {}: {} -> {}", c.path, before, c.after);
                if c.sensitive {
                    line.push_str(" (sensitive)");
                }
                if c.forces_replacement {
                    line.push_str(" # forces replacement");
                }
                if c.drift {
                    line.push_str(" (drift)");
                }
                line
            })
            .collect();
        lines.extend(out.drift.iter().map(|(path, was, now, _)| {
            let now = now
                .as_ref()
                .map_or("<absent>".to_owned(), ToString::to_string);
            format!(
                "drift {path}: {} -> {now}",
                was.as_ref()
                    .map_or("<absent>".to_owned(), ToString::to_string)
            )
        }));
        lines
    }

    #[test]
    fn server_filled_keys_are_not_a_difference() {
        let want = desired(json!({"version": "1.0", "values": {"flavor": {"replicas": 2}}}));
        let now = json!({
            "version": "1.0", "status": "running",
            "values": {"flavor": {"replicas": 2, "cpu": "500m"}, "basic": {"x": 1}}
        });
        check(&want, &now, Some(&now), &[]);
    }

    #[test]
    fn changed_leaves_are_reported_at_their_path() {
        let want = desired(
            json!({"version": "1.1", "cluster_id": "b", "values": {"flavor": {"replicas": 3}}}),
        );
        let now =
            json!({"version": "1.0", "cluster_id": "a", "values": {"flavor": {"replicas": 2}}});
        check(
            &want,
            &now,
            Some(&now),
            &[
                r#"~ cluster_id: "a" -> "b" # forces replacement"#,
                "~ values.flavor.replicas: 2 -> 3",
                r#"~ version: "1.0" -> "1.1""#,
            ],
        );
    }

    #[test]
    fn lists_compare_by_length_then_element_wise() {
        let want = desired(json!({"values": {"ns": ["a", "b"], "objs": [{"k": 1}]}}));
        let same = json!({"values": {"ns": ["a", "b"], "objs": [{"k": 1, "filled": true}]}});
        check(&want, &same, None, &[]);
        let longer = json!({"values": {"ns": ["a", "b", "c"], "objs": [{"k": 2}]}});
        check(
            &want,
            &longer,
            None,
            &[
                r#"~ values.ns: ["a","b","c"] -> ["a", "b"]"#,
                "~ values.objs[0].k: 2 -> 1",
            ],
        );
    }

    #[test]
    fn numbers_compare_by_value_and_strings_match_echoed_numbers() {
        let want = desired(json!({"values": {"a": 2, "b": "3", "c": "true"}}));
        let now = json!({"values": {"a": 2.0, "b": 3, "c": true}});
        check(&want, &now, None, &[]);
    }

    #[test]
    fn remote_change_of_a_written_key_is_drift_and_is_changed_back() {
        let want = desired(json!({"values": {"flavor": {"replicas": 2}}}));
        let prior = json!({"values": {"flavor": {"replicas": 2, "cpu": "1"}}});
        // The server-filled `cpu` changing is no drift; `replicas` is.
        let now = json!({"values": {"flavor": {"replicas": 5, "cpu": "2"}}});
        check(
            &want,
            &now,
            Some(&prior),
            &[
                "~ values.flavor.replicas: 5 -> 2 (drift)",
                "drift values.flavor.replicas: 2 -> 5",
            ],
        );
    }

    #[test]
    fn version_compares_with_the_installed_version() {
        let want = desired(json!({"version": "2.0"}));
        let failed_upgrade = json!({"version": "2.0", "current_version": "1.0"});
        check(
            &want,
            &failed_upgrade,
            None,
            &[r#"~ version: "1.0" -> "2.0""#],
        );
        let done = json!({"version": "2.0", "installed_version": "2.0"});
        check(&want, &done, None, &[]);
    }

    #[test]
    fn unknown_values_are_changes() {
        let mut want = desired(json!({"values": {"basic": {}}}));
        want.insert("cluster_id".into(), Value::Unknown);
        let now = json!({"cluster_id": "a", "values": {"basic": {"x": 1}}});
        check(
            &want,
            &now,
            None,
            &[r#"~ cluster_id: "a" -> (known after apply) # forces replacement"#],
        );
    }

    #[test]
    fn ignore_changes_masks_paths_and_their_insides() {
        let want =
            desired(json!({"version": "2", "values": {"flavor": {"replicas": 3, "cpu": "1"}}}));
        let now = json!({"version": "1", "values": {"flavor": {"replicas": 2, "cpu": "2"}}});
        check_with(
            &want,
            &now,
            None,
            &[
                vec!["values".into(), "flavor".into(), "replicas".into()],
                vec!["version".into()],
            ],
            &[r#"~ values.flavor.cpu: "2" -> "1""#],
        );
    }

    #[test]
    fn sensitive_values_compare_normally_and_are_flagged() {
        let mut want = desired(json!({"values": {"plain": 1}}));
        if let Some(Value::Object(values)) = want.get_mut("values") {
            values.insert("token".into(), Value::string("new").mark_sensitive());
        }
        let now = json!({"values": {"plain": 1, "token": "old"}});
        check(
            &want,
            &now,
            None,
            &[r#"~ values.token: "old" -> (sensitive value) (sensitive)"#],
        );
        let same = json!({"values": {"plain": 1, "token": "new"}});
        check(&want, &same, None, &[]);
    }

    #[test]
    fn sealed_state_values_compare_through_their_fingerprint() {
        let mut want = desired(json!({}));
        want.insert("values".into(), Value::from(json!({"token": "s3cr3t"})));
        let seal = Seal(
            BTreeSet::from(["/values/token".to_owned()]),
            json!("s3cr3t"),
        );
        let state = json!({"values": {"token": "hmac-sha256:ab"}});
        let run = |current: &Json, current_sealed: Option<&dyn Sealed>, prior: Option<&Json>| {
            show(&diff(&DiffInput {
                desired: &want,
                current,
                current_sealed,
                prior,
                prior_sealed: Some(&seal),
                ignore: &[],
                ignore_all: false,
                forces_replacement: &|_| false,
                compared: &|_| true,
            }))
        };
        // Not refreshed: the state is what we compare with, through the fingerprint.
        assert!(run(&state, Some(&seal), None).is_empty());
        // Refreshed, unchanged remotely.
        assert!(run(&json!({"values": {"token": "s3cr3t"}}), None, Some(&state)).is_empty());
        // Refreshed, changed remotely: drift, and the change back.
        assert_eq!(
            run(&json!({"values": {"token": "leaked"}}), None, Some(&state)),
            [
                r#"~ values.token: "leaked" -> "s3cr3t" (sensitive) (drift)"#,
                r#"drift values.token: "hmac-sha256:ab" -> "leaked""#
            ]
        );
    }
}

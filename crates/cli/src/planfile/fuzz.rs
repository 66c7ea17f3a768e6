//! A fuzz harness of the plan-file loader on stable Rust (proptest): raw bytes, and valid plan
//! files mutated structurally. Whatever the input, loading returns a plan or an error, and a plan
//! that loads is shown, compared and checked without a panic. Bounded (256 cases each) so that it
//! runs in CI with the other tests; `PROPTEST_CASES` raises it for a longer hunt. Every input that
//! ever crashed is a file of `fuzz-fixtures/`, loaded by `fixtures_load_without_a_panic`.

use std::path::Path;

use plinth_state::State;
use proptest::prelude::*;
use serde_json::Value as Json;

use super::check_tests::written;
use super::*;
use crate::render::RenderOptions;
use crate::render::testing::document_text;

/// Loads `text` as a plan file and uses what loads as `apply` and `show` would.
fn exercise(text: &str) {
    let Ok(mut file) = PlanFile::from_json(Path::new("fuzzed"), text) else {
        return;
    };
    let _ = document_text(file.plan(), RenderOptions::default());
    let _ = crate::render::write_json(&mut Vec::new(), file.plan());
    let state = State::new();
    let _ = file.check(&state, &ConfigDigest::compute(&[], &[], &[]));
    let _ = file.state_to_apply_to(State::new());
    let fresh = file.plan().clone();
    let _ = file.same_changes_as(&fresh);
    file.keep_only_what_apply_compares();
    let _ = file.same_changes_as(&fresh);
    if let Some(variables) = file.variables() {
        let _ = variables.to_variables_file();
    }
}

/// Any JSON value, a few levels deep.
fn json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(Json::from),
        any::<f64>().prop_map(Json::from),
        ".{0,12}".prop_map(Json::String),
        prop::sample::select(vec![
            "create",
            "update",
            "delete",
            "no-op",
            "replace",
            "import",
            "read",
            "forget",
            "managed",
            "data",
            "normal",
            "refresh_only",
            "destroy",
            "sha256:00:00",
        ])
        .prop_map(|s| Json::String(s.to_owned())),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|map| Json::Object(map.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer of a value, the root included.
fn pointers(value: &Json, at: String, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                let escaped = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{escaped}"), out);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

/// One structural change of a document.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the value at a pointer.
    Replace(prop::sample::Index, Json),
    /// Remove the value at a pointer from its object or array.
    Remove(prop::sample::Index),
    /// Put a value under a new or existing key of the object at a pointer.
    Insert(prop::sample::Index, String, Json),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), json()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        any::<prop::sample::Index>().prop_map(Mutation::Remove),
        (any::<prop::sample::Index>(), ".{0,8}", json())
            .prop_map(|(i, k, v)| Mutation::Insert(i, k, v)),
    ]
}

fn mutate(document: &mut Json, mutation: &Mutation) {
    let mut all = Vec::new();
    pointers(document, String::new(), &mut all);
    match mutation {
        Mutation::Replace(index, value) => {
            if let Some(target) = document.pointer_mut(index.get(&all).as_str()) {
                *target = value.clone();
            }
        }
        Mutation::Remove(index) => {
            let pointer = index.get(&all);
            let Some((parent, last)) = pointer.rsplit_once('/') else {
                return;
            };
            match document.pointer_mut(parent) {
                Some(Json::Object(map)) => {
                    map.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Json::Array(items)) => {
                    if let Ok(i) = last.parse::<usize>()
                        && i < items.len()
                    {
                        items.remove(i);
                    }
                }
                _ => {}
            }
        }
        Mutation::Insert(index, key, value) => {
            if let Some(Json::Object(map)) = document.pointer_mut(index.get(&all).as_str()) {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}

proptest! {
    // proptest's default: 256 cases, or `PROPTEST_CASES`.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn raw_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        std::fs::write(&path, &bytes).unwrap();
        let _ = PlanFile::load(&path);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            exercise(text);
        }
    }

    #[test]
    fn mutated_plan_files_never_panic(
        mutations in prop::collection::vec(mutation(), 1..4),
        fresh_state in any::<bool>(),
    ) {
        let mut state = State::new();
        if !fresh_state {
            state.apply(plinth_state::Change::SetOutput {
                name: "recorded".into(),
                output: plinth_state::OutputState::Plain(Json::from(1)),
            });
        }
        let mut document = written(&state);
        for mutation in &mutations {
            mutate(&mut document, mutation);
        }
        exercise(&document.to_string());
        exercise(&serde_json::to_string_pretty(&document).unwrap());
    }
}

#[test]
fn fixtures_load_without_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/planfile/fuzz-fixtures");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let _ = PlanFile::load(&path);
        if let Ok(text) = std::fs::read_to_string(&path) {
            exercise(&text);
        }
        seen += 1;
    }
    assert!(seen > 0, "the fixtures are missing");
}

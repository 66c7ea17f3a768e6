//! A fuzz harness on stable Rust (proptest) for the two loaders of a local state: the state file
//! and the journal folded into it. Inputs are valid states and journals made by structured
//! generators, then mutated (a field set to a hostile value, truncated, a byte flipped, bytes that
//! are not UTF-8 inserted), and raw bytes. Whatever the input, loading must not panic, must leave
//! the files as they were, and a state it accepts must write back to text that loads as the same
//! state.
//!
//! The case count is bounded so that CI runs it in seconds: `PROPTEST_CASES` (default 256 per
//! property) raises it for a longer local run. Every input that ever failed is kept in
//! `tests/fixtures/loader/` and checked by `loader_regressions`.

use std::fs;
use std::path::Path;

use plinth_state::{LocalStorage, StateStorage};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

fn config() -> ProptestConfig {
    ProptestConfig {
        // proptest's default (256 per property, or `PROPTEST_CASES`) is kept.
        // Failing inputs are kept by hand as fixtures, not in proptest's own files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const LINEAGE: &str = "6f1c1f4e-8a47-4c1e-9a53-3f0f2b8f2f10";
const SERIAL: u64 = 7;

/// Loads `state` (and `journal`, if any) from files in a fresh directory: no panic, the files
/// unchanged; a state accepted writes back to text that loads as the same state.
fn check_load(state: &[u8], journal: Option<&[u8]>) {
    let dir = tempfile::tempdir().unwrap();
    let storage = LocalStorage::new(dir.path().join("plinth.state.json"));
    fs::write(storage.path(), state).unwrap();
    if let Some(journal) = journal {
        fs::write(storage.journal_path(), journal).unwrap();
    }
    let loaded = storage.load();
    assert_eq!(
        fs::read(storage.path()).unwrap(),
        state,
        "the load changed the state file"
    );
    if let Some(journal) = journal {
        assert_eq!(fs::read(storage.journal_path()).unwrap(), journal);
    }
    match loaded {
        Ok(loaded) => {
            let again = dir.path().join("again.json");
            fs::write(&again, loaded.to_json()).unwrap();
            let reloaded = LocalStorage::new(&again).load().unwrap_or_else(|error| {
                panic!("a state accepted does not load once written back: {error}")
            });
            assert_eq!(reloaded, loaded);
        }
        Err(error) => {
            // Every refusal is worded for a person: it names a file.
            let text = error.to_string();
            assert!(text.contains(&dir.path().display().to_string()), "{text}");
        }
    }
}

fn identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("huaweicloud_cce_addon".to_owned()),
        Just("huaweicloud_modelarts_pool_plugin".to_owned()),
        Just("huaweicloud_cce_autopilot_addon".to_owned()),
        "[a-z_][a-z0-9_-]{0,12}",
    ]
}

fn type_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("huaweicloud_cce_addon".to_owned()),
        4 => Just("huaweicloud_modelarts_pool_plugin".to_owned()),
        2 => Just("huaweicloud_cce_autopilot_addon".to_owned()),
        1 => "[a-z][a-z0-9_]{0,12}",
    ]
}

fn dependency() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (type_name(), "[a-z][a-z0-9_]{0,8}").prop_map(|(t, n)| format!("{t}.{n}")),
        1 => ".{0,16}",
    ]
}

/// JSON of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
        Just(Value::from("hmac-sha256:00")),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z/~0-9]{0,6}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// A resource entry as the state file and the journal write it.
fn resource() -> impl Strategy<Value = Value> {
    (
        type_name(),
        prop_oneof![4 => "[a-z][a-z0-9_-]{0,12}", 1 => identifier()],
        prop_oneof![
            Just(None),
            any::<u64>().prop_map(|n| Some(json!(n))),
            ".{0,8}".prop_map(|s| Some(json!(s)))
        ],
        prop::bool::ANY,
        prop::collection::btree_map("[a-z_]{1,8}", json_value(), 0..4),
        prop::collection::vec("(/[a-z_~01]{0,6}){0,3}", 0..3),
        prop::option::of(".{0,12}"),
        prop::option::of((0..3u8, any::<u64>())),
        prop::bool::ANY,
        prop::collection::vec(dependency(), 0..3),
    )
        .prop_map(
            |(
                type_name,
                name,
                key,
                data,
                attributes,
                sensitive,
                id,
                pending,
                tainted,
                dependencies,
            )| {
                let mut entry = json!({
                    "attributes": attributes,
                    "dependencies": dependencies,
                    "mode": if data { "data" } else { "managed" },
                    "name": name,
                    "natural_key": {"template_name": "coredns"},
                    "sensitive": sensitive,
                    "status": if tainted { "tainted" } else { "ready" },
                    "type": type_name,
                });
                if let Some(key) = key {
                    entry["key"] = key;
                }
                if let Some(id) = id {
                    entry["id"] = json!(id);
                }
                if let Some((action, serial)) = pending {
                    let action = ["create", "update", "delete"][usize::from(action)];
                    entry["pending"] = json!({"action": action, "serial": serial});
                }
                entry
            },
        )
}

fn output() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value().prop_map(|value| json!({"sensitive": false, "value": value})),
        "[0-9a-f]{64}"
            .prop_map(|mac| json!({"sensitive": true, "value": format!("hmac-sha256:{mac}")})),
        Just(json!({"sensitive": true, "value": "hmac-sha256:5e0f"})),
    ]
}

/// A state file's JSON, valid in shape (the decoder may still refuse a resource twice, an
/// address that does not parse...).
fn state_json() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(resource(), 0..4),
        prop::collection::btree_map("[a-z][a-z_]{0,8}", output(), 0..3),
    )
        .prop_map(|(resources, outputs)| {
            json!({
                "fingerprint_key": "0".repeat(64),
                "format": "plinth-state",
                "lineage": LINEAGE,
                "outputs": outputs,
                "resources": resources,
                "serial": SERIAL,
                "version": 1,
            })
        })
}

fn journal_change() -> impl Strategy<Value = Value> {
    prop_oneof![
        resource().prop_map(|resource| json!({"upsert": resource})),
        "[a-z_]{1,8}\\.[a-z_]{1,8}(\\[[0-9]{1,3}\\])?"
            .prop_map(|address| json!({"remove": address})),
        ("[a-z_]{1,8}", output())
            .prop_map(|(name, output)| json!({"set_output": {"name": name, "output": output}})),
        "[a-z_]{1,8}".prop_map(|name| json!({"remove_output": name})),
    ]
}

fn journal_lines() -> impl Strategy<Value = Vec<Value>> {
    prop::collection::vec(journal_change(), 0..5).prop_map(|changes| {
        let header =
            json!({"format": "plinth-journal", "version": 1, "lineage": LINEAGE, "serial": SERIAL});
        std::iter::once(header).chain(changes).collect()
    })
}

/// A value that does not belong where it is put: wrong types, numbers beyond any integer type,
/// strings that are not addresses, deep nesting.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value(),
        Just(json!(u64::MAX)),
        Just(json!(-1)),
        Just(json!(1.5)),
        Just(json!(i64::MIN)),
        Just(json!("")),
        Just(json!("huaweicloud_cce_addon.dns[\"unterminated")),
        Just(json!("a.b.c.d")),
        Just(json!({"upsert": null})),
        Just(nested(200)),
    ]
}

fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(0), |inner, _| json!([inner]))
}

/// Every JSON pointer into `value`, the root included.
fn pointers(value: &Value) -> Vec<String> {
    let mut found = vec![String::new()];
    let mut stack = vec![(String::new(), value)];
    while let Some((pointer, value)) = stack.pop() {
        let children: Vec<(String, &Value)> = match value {
            Value::Object(map) => map
                .iter()
                .map(|(key, child)| (key.replace('~', "~0").replace('/', "~1"), child))
                .collect(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(index, child)| (index.to_string(), child))
                .collect(),
            _ => Vec::new(),
        };
        for (step, child) in children {
            let child_pointer = format!("{pointer}/{step}");
            found.push(child_pointer.clone());
            stack.push((child_pointer, child));
        }
    }
    found
}

/// How a JSON value is changed: not at all, one place set to a hostile value, or one place
/// removed.
#[derive(Debug, Clone)]
enum FieldMutation {
    None,
    Set(Index, Value),
    Remove(Index),
}

fn field_mutation() -> impl Strategy<Value = FieldMutation> {
    prop_oneof![
        1 => Just(FieldMutation::None),
        3 => (any::<Index>(), hostile_value()).prop_map(|(at, value)| FieldMutation::Set(at, value)),
        1 => any::<Index>().prop_map(FieldMutation::Remove),
    ]
}

fn mutate_field(mut value: Value, mutation: &FieldMutation) -> Value {
    let all = pointers(&value);
    match mutation {
        FieldMutation::None => {}
        FieldMutation::Set(at, replacement) => {
            let pointer = at.get(&all);
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = replacement.clone();
            }
        }
        FieldMutation::Remove(at) => {
            let pointer = at.get(&all);
            if let Some((parent, last)) = pointer.rsplit_once('/')
                && let Some(container) = value.pointer_mut(parent)
            {
                let key = last.replace("~1", "/").replace("~0", "~");
                match container {
                    Value::Object(map) => {
                        map.remove(&key);
                    }
                    Value::Array(items) => {
                        if let Ok(index) = key.parse::<usize>()
                            && index < items.len()
                        {
                            items.remove(index);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    value
}

/// How the bytes of a file are changed after it is written.
#[derive(Debug, Clone)]
enum ByteMutation {
    None,
    Truncate(Index),
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
}

fn byte_mutation() -> impl Strategy<Value = ByteMutation> {
    let not_utf8 = prop_oneof![
        Just(vec![0xff]),
        Just(vec![0xc3]),
        Just(vec![0xe2, 0x82]),
        Just(vec![0xed, 0xa0, 0x80]),
        Just(vec![0xf4, 0x90, 0x80, 0x80]),
        Just(vec![0xc0, 0xaf]),
        Just(vec![0]),
        Just(b"\n".to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        2 => Just(ByteMutation::None),
        1 => any::<Index>().prop_map(ByteMutation::Truncate),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| ByteMutation::Flip(at, byte)),
        2 => (any::<Index>(), not_utf8).prop_map(|(at, bytes)| ByteMutation::Insert(at, bytes)),
    ]
}

fn mutate_bytes(mut bytes: Vec<u8>, mutation: &ByteMutation) -> Vec<u8> {
    if bytes.is_empty() {
        return bytes;
    }
    match mutation {
        ByteMutation::None => {}
        ByteMutation::Truncate(at) => bytes.truncate(at.index(bytes.len())),
        ByteMutation::Flip(at, byte) => {
            let index = at.index(bytes.len());
            bytes[index] ^= byte | 1;
        }
        ByteMutation::Insert(at, inserted) => {
            let index = at.index(bytes.len() + 1);
            bytes.splice(index..index, inserted.iter().copied());
        }
    }
    bytes
}

fn pretty(value: &Value) -> Vec<u8> {
    let mut text = serde_json::to_vec_pretty(value).unwrap();
    text.push(b'\n');
    text
}

fn journal_bytes(lines: &[Value]) -> Vec<u8> {
    lines
        .iter()
        .flat_map(|line| {
            let mut text = serde_json::to_vec(line).unwrap();
            text.push(b'\n');
            text
        })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn state_loader_never_panics_on_mutated_states(
        state in state_json(),
        field in field_mutation(),
        bytes in byte_mutation(),
    ) {
        let text = mutate_bytes(pretty(&mutate_field(state, &field)), &bytes);
        check_load(&text, None);
    }

    #[test]
    fn state_loader_never_panics_on_raw_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        check_load(&bytes, None);
    }

    #[test]
    fn journal_loader_never_panics_on_mutated_journals(
        state in state_json(),
        lines in journal_lines(),
        line in any::<Index>(),
        field in field_mutation(),
        bytes in byte_mutation(),
    ) {
        // The state file stays valid (resources dropped, which the decoder may refuse twice);
        // one journal line is mutated as a value, then the whole journal as bytes.
        let mut state = state;
        state["resources"] = json!([]);
        let mut lines = lines;
        let index = line.index(lines.len());
        lines[index] = mutate_field(lines[index].clone(), &field);
        let journal = mutate_bytes(journal_bytes(&lines), &bytes);
        check_load(&pretty(&state), Some(&journal));
    }

    #[test]
    fn journal_loader_never_panics_on_raw_bytes_after_a_header(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let state = json!({
            "fingerprint_key": "0".repeat(64),
            "format": "plinth-state",
            "lineage": LINEAGE,
            "outputs": {},
            "resources": [],
            "serial": SERIAL,
            "version": 1,
        });
        let mut journal = journal_bytes(&[json!({
            "format": "plinth-journal", "version": 1, "lineage": LINEAGE, "serial": SERIAL
        })]);
        journal.extend_from_slice(&bytes);
        check_load(&pretty(&state), Some(&journal));
    }
}

/// The inputs kept from earlier findings and probes: `NAME.state.json`, with `NAME.journal` when
/// the journal is what is hostile. Each loads without a panic, as an error, files untouched.
#[test]
fn loader_regressions() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loader");
    let mut checked = 0;
    for entry in fs::read_dir(&directory).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".state.json"))
        else {
            continue;
        };
        let state = fs::read(&path).unwrap();
        let journal = fs::read(directory.join(format!("{name}.journal"))).ok();
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("plinth.state.json"));
        fs::write(storage.path(), &state).unwrap();
        if let Some(journal) = &journal {
            fs::write(storage.journal_path(), journal).unwrap();
        }
        let error = storage
            .load()
            .err()
            .unwrap_or_else(|| panic!("{name} must be refused"));
        assert!(!error.to_string().is_empty());
        assert_eq!(fs::read(storage.path()).unwrap(), state, "{name}");
        check_load(&state, journal.as_deref());
        checked += 1;
    }
    assert!(checked >= 1, "no fixture in {}", directory.display());
}

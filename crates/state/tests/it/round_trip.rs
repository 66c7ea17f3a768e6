//! Any state survives a save and a load unchanged, and saving it again is byte-identical.

use plinth_core::path::push_pointer_key;
use plinth_core::{InstanceKey, Mode, ResourceAddress};
use std::collections::BTreeSet;
use std::fs;

use plinth_state::{
    Change, OutputState, PendingAction, PendingOperation, ResourceState, SaveOutcome, State,
    StateStorage, Status,
};
use proptest::prelude::*;
use serde_json::Value;

use crate::storage::lock;
use crate::{StateDir, state_dir};

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL)
            .prop_filter_map("finite", serde_json::Number::from_f64)
            .prop_map(Value::Number),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(("\\PC{0,6}", inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

fn address() -> impl Strategy<Value = ResourceAddress> {
    let key = prop_oneof![
        Just(None),
        any::<u64>().prop_map(|index| Some(InstanceKey::Int(index))),
        "\\PC{0,8}".prop_map(|key| Some(InstanceKey::String(key))),
    ];
    (
        any::<bool>(),
        "[a-z][a-z0-9_]{0,10}",
        "[a-z_][a-z0-9_-]{0,10}",
        key,
    )
        .prop_map(|(data, type_name, name, key)| {
            let mode = if data { Mode::Data } else { Mode::Managed };
            ResourceAddress::new(mode, &type_name, &name)
                .unwrap()
                .with_key(key)
        })
}

fn resource() -> impl Strategy<Value = ResourceState> {
    let pending = prop_oneof![
        Just(None),
        (0..3u8, any::<u64>()).prop_map(|(action, serial)| Some(PendingOperation {
            action: [
                PendingAction::Create,
                PendingAction::Update,
                PendingAction::Delete
            ][usize::from(action)],
            serial,
        })),
    ];
    (
        prop::option::of("[a-z0-9-]{1,12}"),
        prop::collection::btree_map("[a-z_]{1,8}", "\\PC{0,8}", 0..3),
        prop::collection::vec(("\\PC{0,6}", json_value(), any::<bool>()), 0..4),
        prop::collection::vec(address(), 0..3),
        any::<bool>(),
        pending,
    )
        .prop_map(
            |(id, natural_key, attributes, dependencies, tainted, pending)| {
                // A state seals only values it holds: the attributes marked so are sealed.
                let sealed: Vec<String> = attributes
                    .iter()
                    .filter(|(_, _, sealed)| *sealed)
                    .map(|(key, _, _)| {
                        let mut pointer = String::new();
                        push_pointer_key(&mut pointer, key);
                        pointer
                    })
                    .collect();
                let mut resource = ResourceState {
                    id,
                    natural_key: natural_key.into_iter().collect(),
                    attributes: Value::Object(
                        attributes
                            .into_iter()
                            .map(|(key, value, _)| (key, value))
                            .collect(),
                    )
                    .into(),
                    sensitive: BTreeSet::new(),
                    configured: BTreeSet::new(),
                    dependencies,
                    status: if tainted {
                        Status::Tainted
                    } else {
                        Status::Ready
                    },
                    pending,
                    provider: None,
                };
                let sealing = State::new();
                for pointer in &sealed {
                    sealing.seal_sensitive(&mut resource, pointer);
                }
                resource
            },
        )
}

fn state() -> impl Strategy<Value = State> {
    let output = prop_oneof![
        json_value().prop_map(OutputState::Plain),
        json_value().prop_map(|value| OutputState::Sensitive(State::new().fingerprint(&value))),
    ];
    (
        prop::collection::vec((address(), resource()), 0..6),
        prop::collection::vec(("[a-z_]{1,8}", output), 0..3),
    )
        .prop_map(|(resources, outputs)| {
            let mut state = State::new();
            for (address, resource) in resources {
                state.apply(Change::Upsert { address, resource });
            }
            for (name, output) in outputs {
                state.apply(Change::SetOutput { name, output });
            }
            state
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn save_load_round_trips_and_resave_is_byte_identical(mut state in state()) {
        let StateDir { dir: _dir, storage } = state_dir();
        let guard = lock(&storage);
        prop_assert_eq!(storage.save(&mut state, &guard).unwrap(), SaveOutcome::Written { serial: 1 });
        let written = fs::read(storage.path()).unwrap();
        prop_assert_eq!(written.last(), Some(&b'\n'));

        let mut loaded = storage.load().unwrap();
        prop_assert_eq!(&loaded, &state);
        let rendered = loaded.to_json();
        prop_assert_eq!(rendered.as_bytes(), written.as_slice());
        prop_assert_eq!(storage.save(&mut loaded, &guard).unwrap(), SaveOutcome::Unchanged);
        prop_assert_eq!(fs::read(storage.path()).unwrap(), written);
    }

    #[test]
    fn addresses_display_and_parse_back(address in address()) {
        let text = address.to_string();
        prop_assert_eq!(text.parse::<ResourceAddress>().unwrap(), address);
    }
}

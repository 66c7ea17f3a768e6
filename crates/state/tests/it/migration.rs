//! Older state files: a version 1 file written by the plinth before modules loads, and the next
//! save writes it in the current version with the same resources.

use std::fs;

use plinth_core::ResourceAddress;
use plinth_state::StateStorage;

use crate::storage::lock;
use crate::{StateDir, state_dir};

/// The state the quick start's apply wrote with plinth before state version 2 (a real file).
const VERSION_1: &str = include_str!("../fixtures/v1/quickstart.state.json");

#[test]
fn version_1_file_loads_and_is_saved_as_version_2() {
    assert!(VERSION_1.contains("\"version\": 1\n"));
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), VERSION_1).unwrap();
    let mut state = storage.load().unwrap();
    let addresses: Vec<String> = state.resources().keys().map(ToString::to_string).collect();
    assert_eq!(
        addresses,
        [
            "huaweicloud_cce_addon.coredns",
            "huaweicloud_cce_autopilot_addon.metrics",
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#,
        ]
    );
    let guard = lock(&storage);
    storage.save(&mut state, &guard).unwrap();
    let saved = fs::read_to_string(storage.path()).unwrap();
    assert!(saved.contains("\"version\": 2\n"), "{saved}");
    // Nothing but the version differs: the same resources, attributes and outputs.
    let expected = VERSION_1.replace("\"version\": 1\n", "\"version\": 2\n");
    let expected = expected.replace("\"serial\": 2,", "\"serial\": 3,");
    assert_eq!(saved, expected);
    let again = storage.load().unwrap();
    assert_eq!(again.resources().len(), 4);
}

#[test]
fn module_addresses_round_trip_through_the_file() {
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), VERSION_1).unwrap();
    let mut state = storage.load().unwrap();
    let from: ResourceAddress = "huaweicloud_cce_addon.coredns".parse().unwrap();
    let to: ResourceAddress = r#"module.dns["c.1"].module.inner[0].huaweicloud_cce_addon.coredns"#
        .parse()
        .unwrap();
    state.move_resource(&from, &to).unwrap();
    let guard = lock(&storage);
    storage.save(&mut state, &guard).unwrap();
    let saved = fs::read_to_string(storage.path()).unwrap();
    assert!(
        saved.contains(r#""module": "module.dns[\"c.1\"].module.inner[0]","#),
        "{saved}"
    );
    let loaded = storage.load().unwrap();
    assert!(loaded.resources().contains_key(&to));
    assert!(!loaded.resources().contains_key(&from));
}

#[test]
fn a_module_moves_with_every_instance_and_its_dependencies_follow() {
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), VERSION_1).unwrap();
    let mut state = storage.load().unwrap();
    let into = |text: &str| -> plinth_core::ModulePath { text.parse().unwrap() };
    for (name, key) in [("coredns", "c1"), ("metrics", "c2")] {
        let from: ResourceAddress = state
            .resources()
            .keys()
            .find(|a| a.name() == name)
            .unwrap()
            .clone();
        let to = from
            .clone()
            .with_module(into(&format!(r#"module.dns["{key}"]"#)));
        state.move_resource(&from, &to).unwrap();
    }
    let moved = state
        .move_module(&into("module.dns"), &into("module.addons"))
        .unwrap();
    assert_eq!(moved.len(), 2);
    let addresses: Vec<String> = state.resources().keys().map(ToString::to_string).collect();
    assert!(
        addresses.contains(&r#"module.addons["c1"].huaweicloud_cce_addon.coredns"#.to_owned()),
        "{addresses:?}"
    );
    // The plug-ins depended on the CoreDNS add-on: they follow it.
    let gpu = state
        .resources()
        .iter()
        .find(|(a, _)| a.name() == "gpu")
        .unwrap()
        .1;
    assert_eq!(
        gpu.dependencies[0].to_string(),
        r#"module.addons["c1"].huaweicloud_cce_addon.coredns"#
    );
    let errors = [
        state
            .move_module(&into("module.nope"), &into("module.x"))
            .unwrap_err()
            .to_string(),
        state
            .move_module(&into("module.addons"), &into(r#"module.x["k"]"#))
            .unwrap_err()
            .to_string(),
    ];
    assert_eq!(
        errors,
        [
            "no resource of module `module.nope` in the state",
            r#"cannot move `module.addons` to `module.x["k"]`: a module moves to another module at the same depth, an instance to an instance"#,
        ]
    );
}

#[test]
fn a_version_1_journal_beside_a_version_1_file_is_folded_in() {
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), VERSION_1).unwrap();
    // What the plinth before version 2 appended during an apply that died.
    fs::write(
        storage.journal_path(),
        concat!(
            r#"{"format":"plinth-journal","version":1,"lineage":"8a1ea920-7e22-4448-9528-d1b4af81dca3","serial":2}"#,
            "\n",
            r#"{"remove":"huaweicloud_cce_addon.coredns"}"#,
            "\n",
        ),
    )
    .unwrap();
    let mut state = storage.load().unwrap();
    assert_eq!(state.resources().len(), 3);
    let guard = lock(&storage);
    storage.save(&mut state, &guard).unwrap();
    assert!(!storage.journal_path().exists());
    let saved = fs::read_to_string(storage.path()).unwrap();
    assert!(saved.contains("\"version\": 2\n"));
    assert!(!saved.contains("\"name\": \"coredns\""));
}

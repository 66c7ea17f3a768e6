//! Sensitive values never reach the state file; their fingerprints still detect a change.

use std::fs;

use plinth_state::{Change, OutputState, ResourceState, StateStorage};
use serde_json::json;

use crate::storage::lock;
use crate::{StateDir, state_dir};

#[test]
fn sensitive_values_are_stored_as_fingerprints_only() {
    let secret = "correct-horse-battery-staple";
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();

    let mut resource = ResourceState::new(
        Some("addon-uid".into()),
        json!({"values": {"custom": {"registry_password": secret, "replicas": 2}}}),
    );
    assert!(
        journal
            .state()
            .seal_sensitive(&mut resource, "/values/custom/registry_password")
    );
    let output = OutputState::Sensitive(journal.state().fingerprint(&json!(secret)));
    journal
        .record(Change::Upsert {
            address: "huaweicloud_cce_addon.dns".parse().unwrap(),
            resource,
        })
        .unwrap();
    journal
        .record(Change::SetOutput {
            name: "password".into(),
            output,
        })
        .unwrap();

    // Neither the journal nor the state file may hold the value.
    let journal_text = fs::read_to_string(storage.journal_path()).unwrap();
    assert!(!journal_text.contains(secret), "{journal_text}");
    let (_, _) = journal.finish().unwrap();
    let text = fs::read_to_string(storage.path()).unwrap();
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("hmac-sha256:"), "{text}");

    // A later run detects whether the value changed.
    let state = storage.load().unwrap();
    let resource = state
        .resource(&"huaweicloud_cce_addon.dns".parse().unwrap())
        .unwrap();
    let pointer = "/values/custom/registry_password";
    assert!(state.sensitive_matches(resource, pointer, &json!(secret)));
    assert!(!state.sensitive_matches(resource, pointer, &json!("a-new-password")));
    let OutputState::Sensitive(fingerprint) = state.output("password").unwrap() else {
        panic!("the output must stay sensitive");
    };
    assert!(state.fingerprint_matches(fingerprint, &json!(secret)));
    assert!(!state.fingerprint_matches(fingerprint, &json!("a-new-password")));
}

#[test]
fn sealing_a_value_the_state_held_as_it_is_seals_it_in_the_backup_too() {
    let secret = "marked-sensitive-later";
    let address: plinth_core::ResourceAddress = "huaweicloud_cce_addon.dns".parse().unwrap();
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    let plain = ResourceState::new(
        Some("addon-uid".into()),
        json!({"cluster_id": "c1", "values": {"custom": {"token": secret, "replicas": 2}}}),
    );
    journal
        .record(Change::Upsert {
            address: address.clone(),
            resource: plain.clone(),
        })
        .unwrap();
    journal.finish().unwrap();
    assert!(fs::read_to_string(storage.path()).unwrap().contains(secret));

    // The value is marked sensitive now: the next save seals it, in the state and the backup.
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    let mut sealed = plain;
    assert!(
        journal
            .state()
            .seal_sensitive(&mut sealed, "/values/custom/token")
    );
    journal
        .record(Change::Upsert {
            address: address.clone(),
            resource: sealed,
        })
        .unwrap();
    let journal_text = fs::read_to_string(storage.journal_path()).unwrap();
    assert!(!journal_text.contains(secret), "{journal_text}");
    let (state, _) = journal.finish().unwrap();
    for path in [storage.path().to_owned(), storage.backup_path()] {
        let text = fs::read_to_string(&path).unwrap();
        assert!(!text.contains(secret), "{}: {text}", path.display());
    }
    // The backup is the previous version otherwise: its serial, its other values.
    let backup: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(storage.backup_path()).unwrap()).unwrap();
    assert_eq!(backup["serial"], state.serial() - 1);
    let recorded = &backup["resources"][0];
    assert_eq!(recorded["attributes"]["values"]["custom"]["replicas"], 2);
    assert_eq!(recorded["sensitive"], json!(["/values/custom/token"]));
    assert_eq!(
        recorded["attributes"]["values"]["custom"]["token"],
        state.resource(&address).unwrap().attributes.to_value()["values"]["custom"]["token"]
    );
}

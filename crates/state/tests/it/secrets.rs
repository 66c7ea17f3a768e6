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

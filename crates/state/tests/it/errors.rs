//! Unreadable state files: each gives a clear error and stays byte-for-byte untouched.

use std::fs;
use std::path::Path;

use plinth_state::{State, StateStorage};

use crate::storage::lock;
use crate::{StateDir, state_dir};

const VALID: &str = r#"{
  "fingerprint_key": "0000000000000000000000000000000000000000000000000000000000000000",
  "format": "plinth-state",
  "lineage": "6f1c1f4e-8a47-4c1e-9a53-3f0f2b8f2f10",
  "outputs": {},
  "resources": [
    {
      "attributes": {
        "version": "1.30.3"
      },
      "dependencies": [],
      "id": "7b2c",
      "mode": "managed",
      "name": "dns",
      "natural_key": {},
      "sensitive": [],
      "status": "ready",
      "type": "huaweicloud_cce_addon"
    }
  ],
  "serial": 3,
  "version": 2
}
"#;

/// Loads a state file holding `content` (with a backup beside it if `with_backup`), checks that
/// loading and saving both fail and leave the files untouched, and returns the message with the
/// directory redacted.
fn check(content: &[u8], with_backup: bool) -> String {
    let StateDir { dir, storage } = state_dir();
    fs::write(storage.path(), content).unwrap();
    if with_backup {
        fs::write(storage.backup_path(), VALID).unwrap();
    }
    let error = storage.load().unwrap_err();
    let guard = lock(&storage);
    let save_error = storage.save(&mut State::new(), &guard).unwrap_err();
    assert_eq!(
        save_error.to_string(),
        error.to_string(),
        "saving over it must fail the same way"
    );
    assert_eq!(
        fs::read(storage.path()).unwrap(),
        content,
        "the state file must be untouched"
    );
    if with_backup {
        assert_eq!(fs::read_to_string(storage.backup_path()).unwrap(), VALID);
    }
    redact(&error.to_string(), dir.path())
}

fn redact(message: &str, dir: &Path) -> String {
    message.replace(&dir.display().to_string(), "[DIR]")
}

#[test]
fn valid_sample_loads() {
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), VALID).unwrap();
    let mut state = storage.load().unwrap();
    assert_eq!(state.serial(), 3);
    assert_eq!(state.to_json(), VALID);
    let guard = lock(&storage);
    storage.save(&mut state, &guard).unwrap();
    assert_eq!(fs::read_to_string(storage.path()).unwrap(), VALID);
}

#[test]
fn corrupt_state_file() {
    let content = VALID.replace(r#""serial": 3"#, r#""serial": "three""#);
    insta::assert_snapshot!(check(content.as_bytes(), true));
}

#[test]
fn truncated_state_file() {
    insta::assert_snapshot!(check(&VALID.as_bytes()[..VALID.len() / 2], true));
}

#[test]
fn truncated_state_file_without_backup() {
    insta::assert_snapshot!(check(&VALID.as_bytes()[..VALID.len() / 2], false));
}

#[test]
fn empty_state_file() {
    insta::assert_snapshot!(check(b"", true));
}

#[test]
fn newer_version_state_file() {
    let content = VALID.replace(r#""version": 2"#, r#""version": 3"#);
    insta::assert_snapshot!(check(content.as_bytes(), true));
}

#[test]
fn non_json_state_file() {
    insta::assert_snapshot!(check(
        b"resource \"huaweicloud_cce_addon\" \"dns\" {}\n",
        true
    ));
}

#[test]
fn binary_state_file() {
    insta::assert_snapshot!(check(&[0x89, b'P', b'N', b'G', 0, 0xff, 0xfe], false));
}

#[test]
fn json_that_is_not_a_state_file() {
    insta::assert_snapshot!(check(
        br#"{"version": 4, "terraform_version": "1.9.0"}"#,
        true
    ));
}

#[test]
fn resource_with_invalid_address_in_state_file() {
    let content = VALID.replace(r#""name": "dns""#, r#""name": "d n s""#);
    insta::assert_snapshot!(check(content.as_bytes(), true));
}

/// The example in docs/state-format.md is a state file this plinth reads and writes back as is.
#[test]
fn documented_example_loads_and_saves_byte_identical() {
    let doc = include_str!("../../../../docs/state-format.md");
    let start = doc.find("```json\n").unwrap() + "```json\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let StateDir { dir: _dir, storage } = state_dir();
    fs::write(storage.path(), example).unwrap();
    let state = storage.load().unwrap();
    assert_eq!(state.serial(), 7);
    assert_eq!(state.resources().len(), 2);
    assert_eq!(state.to_json(), example);
}

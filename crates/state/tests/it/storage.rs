//! Saving, backups, serials and the journal on disk.

use std::fs;
use std::time::Duration;

use plinth_state::{
    Change, LocalStorage, LockGuard, LockRequest, OutputState, PendingAction, PendingOperation,
    ResourceState, SaveOutcome, State, StateStorage,
};
use serde_json::json;

use crate::{StateDir, state_dir};

pub fn lock(storage: &LocalStorage) -> LockGuard {
    storage
        .lock(&LockRequest {
            operation: "test".into(),
            timeout: Duration::ZERO,
        })
        .unwrap()
}

pub fn upsert(address: &str, n: u64) -> Change {
    Change::Upsert {
        address: address.parse().unwrap(),
        resource: ResourceState::new(Some(format!("id-{n}")), json!({"n": n})),
    }
}

#[test]
fn missing_state_loads_empty_and_first_save_writes_serial_one() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut state = storage.load().unwrap();
    assert_eq!(state.serial(), 0);
    assert!(state.resources().is_empty());
    let guard = lock(&storage);
    assert_eq!(
        storage.save(&mut state, &guard).unwrap(),
        SaveOutcome::Written { serial: 1 }
    );
    assert!(!storage.backup_path().exists());
    assert_eq!(storage.load().unwrap(), state);
}

#[test]
fn unchanged_save_writes_nothing_and_a_change_bumps_serial_and_keeps_backup() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut state = State::new();
    state.apply(upsert("a_type.one", 1));
    storage.save(&mut state, &guard).unwrap();
    let first = fs::read(storage.path()).unwrap();

    let mut again = storage.load().unwrap();
    assert_eq!(
        storage.save(&mut again, &guard).unwrap(),
        SaveOutcome::Unchanged
    );
    assert_eq!(fs::read(storage.path()).unwrap(), first);
    assert!(!storage.backup_path().exists());

    again.apply(upsert("a_type.two", 2));
    assert_eq!(
        storage.save(&mut again, &guard).unwrap(),
        SaveOutcome::Written { serial: 2 }
    );
    assert_eq!(fs::read(storage.backup_path()).unwrap(), first);
    assert_eq!(storage.load().unwrap().serial(), 2);
}

#[test]
fn save_refuses_a_state_loaded_before_another_save() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut state = State::new();
    storage.save(&mut state, &guard).unwrap();
    let mut outdated = storage.load().unwrap();
    state.apply(upsert("a_type.one", 1));
    storage.save(&mut state, &guard).unwrap();
    outdated.apply(upsert("a_type.other", 2));
    let error = storage.save(&mut outdated, &guard).unwrap_err().to_string();
    let error = error.replace(&storage.location(), "[STATE]");
    insta::assert_snapshot!(error, @r"
    the state `[STATE]` changed since it was loaded: the stored state has serial 2, this one was loaded at serial 1

    hint: run the command again
    ");
}

#[test]
fn journal_records_survive_without_finish_and_fold_on_next_load() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    journal.record(upsert("a_type.two", 2)).unwrap();
    journal
        .record(Change::Remove {
            address: "a_type.one".parse().unwrap(),
        })
        .unwrap();
    journal
        .record(Change::SetOutput {
            name: "out".into(),
            output: OutputState::Plain(json!(7)),
        })
        .unwrap();
    let expected = journal.state().clone();
    // The run dies here: no finish.
    drop(journal);
    let loaded = storage.load().unwrap();
    assert_eq!(loaded.resources(), expected.resources());
    assert_eq!(loaded.outputs(), expected.outputs());
    assert!(storage.journal_path().exists());

    // The next run folds it into the state file and removes it.
    let journal = storage.begin(loaded, &guard).unwrap();
    let (state, outcome) = journal.finish().unwrap();
    assert_eq!(outcome, SaveOutcome::Unchanged);
    assert!(!storage.journal_path().exists());
    assert_eq!(state.resources(), expected.resources());
    assert_eq!(storage.load().unwrap(), state);
}

#[test]
fn record_all_writes_a_batch_that_survives_and_keeps_dependent_changes() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut state = State::new();
    state.apply(upsert("a_type.kept", 9));
    let mut journal = storage.begin(state, &guard).unwrap();
    journal
        .record_all(vec![
            upsert("a_type.one", 1),
            upsert("a_type.two", 2),
            // Changes nothing on its own: not written.
            upsert("a_type.kept", 9),
            Change::Remove {
                address: "a_type.one".parse().unwrap(),
            },
            // Equal to the state before the batch, but it undoes the removal above: kept.
            Change::Remove {
                address: "a_type.kept".parse().unwrap(),
            },
            upsert("a_type.kept", 9),
        ])
        .unwrap();
    journal.record_all(Vec::new()).unwrap();
    let lines = fs::read_to_string(storage.journal_path()).unwrap();
    // The header and five changes: the no-op upsert was left out.
    assert_eq!(lines.lines().count(), 6, "{lines}");
    let expected = journal.state().clone();
    assert_eq!(
        expected
            .resources()
            .keys()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        ["a_type.kept", "a_type.two"]
    );
    drop(journal);
    assert_eq!(storage.load().unwrap().resources(), expected.resources());
}

#[test]
fn a_pending_delete_recorded_before_a_crash_is_loaded_by_the_next_run() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    let mut pending = journal
        .state()
        .resource(&"a_type.one".parse().unwrap())
        .unwrap()
        .clone();
    pending.pending = Some(PendingOperation {
        action: PendingAction::Delete,
        serial: journal.state().serial(),
    });
    journal
        .record(Change::Upsert {
            address: "a_type.one".parse().unwrap(),
            resource: pending,
        })
        .unwrap();
    // The run dies after sending the delete: no result, no finish.
    drop(journal);
    let loaded = storage.load().unwrap();
    let resource = loaded.resource(&"a_type.one".parse().unwrap()).unwrap();
    assert_eq!(resource.id.as_deref(), Some("id-1"));
    assert_eq!(
        resource.pending.map(|pending| pending.action),
        Some(PendingAction::Delete)
    );
}

#[test]
fn finish_writes_once_and_removes_the_journal() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    for n in 0..5 {
        journal
            .record(upsert(&format!("a_type.r[{n}]"), n))
            .unwrap();
    }
    let (state, outcome) = journal.finish().unwrap();
    assert_eq!(outcome, SaveOutcome::Written { serial: 2 });
    assert!(!storage.journal_path().exists());
    assert_eq!(storage.load().unwrap(), state);
}

#[test]
fn torn_last_journal_line_is_ignored_and_earlier_lines_kept() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    journal.record(upsert("a_type.two", 2)).unwrap();
    drop(journal);
    let text = fs::read_to_string(storage.journal_path()).unwrap();
    let last_line_start = text.trim_end().rfind('\n').unwrap() + 1;
    // Keep a prefix of the last line: the process died while appending it.
    fs::write(storage.journal_path(), &text[..last_line_start + 12]).unwrap();
    let loaded = storage.load().unwrap();
    let names: Vec<String> = loaded.resources().keys().map(ToString::to_string).collect();
    assert_eq!(names, ["a_type.one"]);
}

#[test]
fn broken_journal_line_in_the_middle_is_an_error_naming_the_line() {
    let StateDir { dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    journal.record(upsert("a_type.two", 2)).unwrap();
    drop(journal);
    let text = fs::read_to_string(storage.journal_path()).unwrap();
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(index, line)| {
            if index == 1 {
                line.replace('{', "[")
            } else {
                line.to_owned()
            }
        })
        .collect();
    fs::write(storage.journal_path(), broken.join("\n") + "\n").unwrap();
    let before = fs::read(storage.journal_path()).unwrap();
    let state_before = fs::read(storage.path()).unwrap();
    let error = storage.load().unwrap_err().to_string();
    let error = error.replace(&dir.path().display().to_string(), "[DIR]");
    insta::assert_snapshot!(error, @r"
    the state journal `[DIR]/plinth.state.json.journal` is unreadable at line 2: expected value at line 1 column 1

    hint: plinth left it and the state file untouched; inspect the journal, then move it away to load the state without it
    ");
    assert_eq!(fs::read(storage.journal_path()).unwrap(), before);
    assert_eq!(fs::read(storage.path()).unwrap(), state_before);
}

#[test]
fn journal_left_after_its_fold_was_saved_is_ignored() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    let journal_text = fs::read(storage.journal_path()).unwrap();
    let (state, _) = journal.finish().unwrap();
    // A crash between writing the state and removing the journal leaves the journal behind.
    fs::write(storage.journal_path(), journal_text).unwrap();
    let mut loaded = storage.load().unwrap();
    assert_eq!(loaded, state);
    assert_eq!(
        storage.save(&mut loaded, &guard).unwrap(),
        SaveOutcome::Unchanged
    );
    assert!(!storage.journal_path().exists());
}

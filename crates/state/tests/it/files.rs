//! The files themselves: invalid UTF-8 in the journal, symbolic links, permissions, special files
//! where plinth keeps its files, and a serial that cannot grow.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use plinth_state::{LocalStorage, SaveOutcome, State, StateError, StateStorage};

use crate::storage::{lock, upsert};
use crate::{StateDir, state_dir};

fn redact(message: &str, dir: &Path) -> String {
    message.replace(&dir.display().to_string(), "[DIR]")
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A journal of two upserts on a saved state, left as a crashed run leaves it.
fn journal_of_two(storage: &LocalStorage) -> Vec<u8> {
    let guard = lock(storage);
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    journal.record(upsert("a_type.one", 1)).unwrap();
    journal.record(upsert("a_type.two", 2)).unwrap();
    drop(journal);
    fs::read(storage.journal_path()).unwrap()
}

/// `journal` with the first `"n"` of line `line` (1-based) replaced by bytes that are not UTF-8.
fn with_invalid_utf8(journal: &[u8], line: usize) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = journal
        .split_inclusive(|byte| *byte == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let target = &mut lines[line - 1];
    let at = target.windows(3).position(|w| w == b"\"n\"").unwrap();
    target.splice(at + 1..at + 2, [0xff, 0xfe]);
    lines.concat()
}

#[test]
fn invalid_utf8_in_a_journal_line_is_an_error_naming_the_line_and_nothing_is_folded() {
    for line in [2, 3] {
        let StateDir { dir, storage } = state_dir();
        let journal = with_invalid_utf8(&journal_of_two(&storage), line);
        fs::write(storage.journal_path(), &journal).unwrap();
        let state_before = fs::read(storage.path()).unwrap();
        let error = storage.load().unwrap_err();
        assert!(
            matches!(error, StateError::CorruptJournal { line: Some(l), .. } if l == line),
            "{error}"
        );
        assert_eq!(fs::read(storage.journal_path()).unwrap(), journal);
        assert_eq!(fs::read(storage.path()).unwrap(), state_before);
        if line == 3 {
            // The last line has its newline: it was written whole, so it is not torn.
            insta::assert_snapshot!(redact(&error.to_string(), dir.path()), @r"
            the state journal `[DIR]/plinth.state.json.journal` is unreadable at line 3: it is not valid UTF-8 (an invalid byte at column 27)

            hint: plinth left it and the state file untouched; inspect the journal, then move it away to load the state without it
            ");
        }
    }
}

#[test]
fn invalid_utf8_in_the_journal_header_is_an_error_at_line_one() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut journal = journal_of_two(&storage);
    journal[2] = 0xc3;
    fs::write(storage.journal_path(), &journal).unwrap();
    let error = storage.load().unwrap_err();
    assert!(
        matches!(error, StateError::CorruptJournal { line: Some(1), ref reason, .. } if reason.contains("UTF-8")),
        "{error}"
    );
}

#[test]
fn a_last_line_torn_inside_a_character_is_ignored() {
    let StateDir { dir: _dir, storage } = state_dir();
    let journal = journal_of_two(&storage);
    let last_start = journal[..journal.len() - 1]
        .iter()
        .rposition(|byte| *byte == b'\n')
        .unwrap()
        + 1;
    // The append died after the first byte of a two-byte character.
    let mut torn = journal[..last_start + 10].to_vec();
    torn.push(0xc3);
    fs::write(storage.journal_path(), &torn).unwrap();
    let loaded = storage.load().unwrap();
    let names: Vec<String> = loaded.resources().keys().map(ToString::to_string).collect();
    assert_eq!(names, ["a_type.one"]);
}

#[test]
fn a_complete_last_line_that_is_not_a_change_is_an_error() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut journal = journal_of_two(&storage);
    journal.extend_from_slice(b"{\"upsert\": 7}\n");
    fs::write(storage.journal_path(), &journal).unwrap();
    let error = storage.load().unwrap_err();
    assert!(
        matches!(error, StateError::CorruptJournal { line: Some(4), .. }),
        "{error}"
    );
}

#[test]
fn a_symlinked_state_is_written_through_its_link_and_the_link_stays() {
    let dir = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(dir.path()).unwrap();
    let shared = root.join("shared");
    fs::create_dir(&shared).unwrap();
    let project = root.join("project");
    fs::create_dir(&project).unwrap();
    let link = project.join("plinth.state.json");
    // A relative link to a file that does not exist yet: the first save creates it.
    symlink("../shared/prod.state.json", &link).unwrap();
    let storage = LocalStorage::new(&link);
    let target = shared.join("prod.state.json");
    assert_eq!(storage.state_file(), target);

    let guard = lock(&storage);
    let mut state = storage.load().unwrap();
    state.apply(upsert("a_type.one", 1));
    storage.save(&mut state, &guard).unwrap();
    state.apply(upsert("a_type.two", 2));
    let mut journal = storage.begin(state, &guard).unwrap();
    journal.record(upsert("a_type.three", 3)).unwrap();
    assert!(shared.join("prod.state.json.journal").is_file());
    let (state, outcome) = journal.finish().unwrap();
    assert_eq!(outcome, SaveOutcome::Written { serial: 3 });

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        Path::new("../shared/prod.state.json")
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), state.to_json());
    // The backup and the lock are beside the file, so two links to it share one lock.
    assert!(shared.join("prod.state.json.backup").is_file());
    assert!(shared.join("prod.state.json.lock").is_file());
    let mut listing: Vec<String> = fs::read_dir(&project)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listing.sort();
    assert_eq!(listing, ["plinth.state.json"]);
    let other = LocalStorage::new(shared.join("prod.state.json"));
    assert!(
        other
            .lock(&plinth_state::LockRequest {
                operation: "test".into(),
                timeout: Duration::ZERO,
            })
            .is_err_and(|error| matches!(error, StateError::Locked { .. }))
    );
    assert_eq!(storage.load().unwrap(), state);
}

#[test]
fn modes_of_existing_files_are_kept_and_new_files_are_0600() {
    let StateDir { dir: _dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut state = State::new();
    state.apply(upsert("a_type.one", 1));
    storage.save(&mut state, &guard).unwrap();
    assert_eq!(mode(storage.path()), 0o600);
    assert_eq!(mode(&storage.lock_path()), 0o600);
    let mut journal = storage.begin(state, &guard).unwrap();
    assert_eq!(mode(&storage.journal_path()), 0o600);
    journal.record(upsert("a_type.two", 2)).unwrap();
    let (mut state, _) = journal.finish().unwrap();
    assert_eq!(mode(&storage.backup_path()), 0o600);
    assert_eq!(mode(storage.path()), 0o600);

    for (state_mode, backup_mode) in [(0o444, 0o640), (0o640, 0o444)] {
        set_mode(storage.path(), state_mode);
        set_mode(&storage.backup_path(), backup_mode);
        let next = state.resources().len() as u64 + 1;
        state.apply(upsert(&format!("a_type.n{next}"), next));
        let outcome = storage.save(&mut state, &guard).unwrap();
        assert!(matches!(outcome, SaveOutcome::Written { .. }));
        assert_eq!(mode(storage.path()), state_mode);
        assert_eq!(mode(&storage.backup_path()), backup_mode);
    }
}

/// Runs `operation` on another thread and fails the test if it does not end within 10 s (it
/// would block forever on a FIFO opened by mistake).
fn in_bounded_time<T: Send + 'static>(operation: impl FnOnce() -> T + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(operation());
    });
    receiver
        .recv_timeout(Duration::from_secs(10))
        .expect("the operation blocked")
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[derive(Clone, Copy, Debug)]
enum Special {
    Fifo,
    Directory,
    Socket,
    Device,
}

fn make_special(kind: Special, path: &Path) -> Option<std::os::unix::net::UnixListener> {
    match kind {
        Special::Fifo => mkfifo(path),
        Special::Directory => fs::create_dir(path).unwrap(),
        Special::Socket => return Some(std::os::unix::net::UnixListener::bind(path).unwrap()),
        Special::Device => symlink("/dev/null", path).unwrap(),
    }
    None
}

#[test]
fn special_files_at_the_state_path_are_refused_without_blocking() {
    for kind in [
        Special::Fifo,
        Special::Directory,
        Special::Socket,
        Special::Device,
    ] {
        let StateDir { dir, storage } = state_dir();
        let _socket = make_special(kind, storage.path());
        // The lock of another state: beside a link to a device there is no place for one.
        let guard = lock(&LocalStorage::new(dir.path().join("other.state.json")));
        let (load, save, locked) = in_bounded_time({
            let storage = storage.clone();
            move || {
                let load = storage.load().map(drop);
                let save = storage.save(&mut State::new(), &guard).map(drop);
                let locked = storage
                    .lock(&plinth_state::LockRequest {
                        operation: "test".into(),
                        timeout: Duration::ZERO,
                    })
                    .map(drop);
                (load, save, locked)
            }
        });
        for result in [load, save, locked] {
            let error = result.unwrap_err();
            assert!(
                matches!(
                    error,
                    StateError::NotAFile {
                        role: "state file",
                        ..
                    }
                ),
                "{kind:?}: {error}"
            );
        }
        if matches!(kind, Special::Fifo) {
            let error = storage.load().unwrap_err();
            insta::assert_snapshot!(redact(&error.to_string(), dir.path()), @r"
            the state file `[DIR]/plinth.state.json` is a FIFO (named pipe), not a regular file

            hint: plinth opens and replaces only regular files there; move it away, or pass `--state` to keep the state elsewhere
            ");
        }
        if matches!(kind, Special::Device) {
            assert!(
                fs::symlink_metadata(storage.path())
                    .unwrap()
                    .file_type()
                    .is_symlink()
            );
        }
    }
}

#[test]
fn special_files_beside_the_state_are_refused_and_nothing_is_written() {
    for (which, role) in [
        ("backup", "state backup"),
        ("journal", "state journal"),
        ("lock", "state lock file"),
    ] {
        for kind in [Special::Fifo, Special::Directory] {
            let StateDir { dir: _dir, storage } = state_dir();
            let mut state = State::new();
            {
                let guard = lock(&storage);
                state.apply(upsert("a_type.one", 1));
                storage.save(&mut state, &guard).unwrap();
            }
            let saved = fs::read(storage.path()).unwrap();
            let path = match which {
                "backup" => storage.backup_path(),
                "journal" => storage.journal_path(),
                _ => {
                    fs::remove_file(storage.lock_path()).unwrap();
                    storage.lock_path()
                }
            };
            let _socket = make_special(kind, &path);
            let error = in_bounded_time({
                let storage = storage.clone();
                move || {
                    let guard = storage.lock(&plinth_state::LockRequest {
                        operation: "test".into(),
                        timeout: Duration::ZERO,
                    })?;
                    let mut state = storage.load()?;
                    state.apply(upsert("a_type.two", 2));
                    storage.begin(state, &guard).map(drop)
                }
            })
            .unwrap_err();
            assert!(
                matches!(error, StateError::NotAFile { role: r, .. } if r == role),
                "{which} {kind:?}: {error}"
            );
            assert_eq!(fs::read(storage.path()).unwrap(), saved, "{which} {kind:?}");
            if which == "lock" {
                let unlock = in_bounded_time({
                    let storage = storage.clone();
                    move || storage.force_unlock("00000000-0000-0000-0000-000000000000")
                });
                assert!(
                    matches!(unlock, Err(StateError::NotAFile { .. })),
                    "{unlock:?}"
                );
            }
        }
    }
}

#[test]
fn a_serial_at_its_maximum_is_an_error_on_save_and_the_file_is_untouched() {
    let StateDir { dir, storage } = state_dir();
    let guard = lock(&storage);
    let mut state = State::new();
    state.apply(upsert("a_type.one", 1));
    storage.save(&mut state, &guard).unwrap();
    let text = fs::read_to_string(storage.path())
        .unwrap()
        .replace("\"serial\": 1", &format!("\"serial\": {}", u64::MAX));
    fs::write(storage.path(), &text).unwrap();

    let mut state = storage.load().unwrap();
    assert_eq!(state.serial(), u64::MAX);
    // Saving what is already there needs no new serial.
    assert_eq!(
        storage.save(&mut state, &guard).unwrap(),
        SaveOutcome::Unchanged
    );
    state.apply(upsert("a_type.two", 2));
    let error = storage.save(&mut state, &guard).unwrap_err();
    assert_eq!(state.serial(), u64::MAX);
    insta::assert_snapshot!(redact(&error.to_string(), dir.path()), @r"
    cannot increment the serial of the state file `[DIR]/plinth.state.json`: it is already 18446744073709551615, the largest a serial can be

    hint: plinth left the file untouched; a serial this large was written by hand: set `serial` back to the one of the last saved version (from its backup or version control)
    ");
    assert_eq!(fs::read_to_string(storage.path()).unwrap(), text);
    assert!(!storage.backup_path().exists());
}

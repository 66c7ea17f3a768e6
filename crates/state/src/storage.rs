//! Where a state lives: the [`StateStorage`] trait, the run [`Journal`], and [`LocalStorage`], the
//! state file on disk with its backup, journal and lock file.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{BufReader, BufWriter, ErrorKind, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{StateError, io};
use crate::format::{self, DecodeError, JournalHeader};
use crate::lock::{self, ForceUnlock, LockGuard, LockInfo, LockRequest, sibling};
use crate::paths::{self, Role};
use crate::state::{Change, State};

/// A place that keeps a state, with a lock against concurrent runs and a journal of the changes
/// of the current run.
///
/// The local file ([`LocalStorage`]) is the first implementation; a database can implement the
/// same contract (a row for the state, an advisory lock, a table for the journal).
pub trait StateStorage {
    /// Where the state is, for messages: a path or a URL without credentials.
    fn location(&self) -> String;

    /// Reads the state, with the changes of an interrupted run folded in. A state that does not
    /// exist yet is a new, empty one. Reading needs no lock and writes nothing.
    fn load(&self) -> Result<State, StateError>;

    /// Takes the lock, waiting up to `request.timeout` if someone else holds it.
    fn lock(&self, request: &LockRequest) -> Result<LockGuard, StateError>;

    /// Writes `state` if it differs from the stored one, bumping its serial and keeping the
    /// previous version, then discards the journal (its changes are in `state`). Refuses if the
    /// stored state is not the one `state` was loaded from.
    fn save(&self, state: &mut State, lock: &LockGuard) -> Result<SaveOutcome, StateError>;

    /// Starts recording a run's changes: saves `state` (folding in what an interrupted run left)
    /// and opens an empty journal for it.
    fn begin<'a>(&'a self, state: State, lock: &'a LockGuard) -> Result<Journal<'a>, StateError>;

    /// Removes the lock with id `lock_id`, whoever holds it; refuses another id.
    fn force_unlock(&self, lock_id: &str) -> Result<ForceUnlock, StateError>;

    /// Replaces the stored state with `state` exactly as it is, its lineage and serial
    /// included, keeping the previous version and discarding any journal: `plinth state push`,
    /// whose caller checks first ([`crate::document::check_push`]).
    fn overwrite(&self, state: &State, lock: &LockGuard) -> Result<(), StateError>;
}

/// What [`StateStorage::save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// The stored state already said the same: nothing was written.
    Unchanged,
    /// A new version was written with this serial.
    Written {
        /// The new serial.
        serial: u64,
    },
}

/// A run in progress: the state, and a journal that makes each change durable as it is recorded.
///
/// Each [`Journal::record`] costs one small append and flush, whatever the size of the state; the
/// whole state is written once, by [`Journal::finish`]. If the run dies before that, the next
/// load folds the journal in.
pub struct Journal<'a> {
    state: State,
    sink: Box<dyn JournalSink + 'a>,
}

/// The storage side of a [`Journal`]: appends changes durably and folds them in at the end. For
/// storage implementations.
pub trait JournalSink {
    /// Makes one change durable before returning.
    fn append(&mut self, change: &Change) -> Result<(), StateError>;

    /// Makes several changes durable before returning. The default appends them one by one;
    /// a storage that can make a batch durable at once (one flush) should.
    fn append_all(&mut self, changes: &[Change]) -> Result<(), StateError> {
        changes.iter().try_for_each(|change| self.append(change))
    }

    /// Saves the state that holds every appended change and discards the journal.
    fn fold(&mut self, state: &mut State) -> Result<SaveOutcome, StateError>;
}

impl<'a> Journal<'a> {
    /// A journal over `state` writing to `sink`. For storage implementations.
    pub fn new(state: State, sink: Box<dyn JournalSink + 'a>) -> Self {
        Self { state, sink }
    }

    /// Records one change: durably first, then in memory. A change that changes nothing is not
    /// written.
    pub fn record(&mut self, change: Change) -> Result<(), StateError> {
        if !self.state.changes(&change) {
            return Ok(());
        }
        self.sink.append(&change)?;
        self.state.apply(change);
        Ok(())
    }

    /// Records several changes, made durable together (one flush for the batch with
    /// [`LocalStorage`]), then applies them in memory in order. Changes that change nothing are
    /// not written. Use it when several operations complete at once.
    pub fn record_all(&mut self, changes: Vec<Change>) -> Result<(), StateError> {
        // A change is skipped when it changes nothing, unless an earlier change of the batch
        // touched the same entry: then what it changes depends on that one, so it is kept.
        let mut touched = std::collections::HashSet::new();
        let effective: Vec<Change> = changes
            .into_iter()
            .filter(|change| {
                let key = change.key();
                let keep = touched.contains(&key) || self.state.changes(change);
                touched.insert(key);
                keep
            })
            .collect();
        if effective.is_empty() {
            return Ok(());
        }
        self.sink.append_all(&effective)?;
        for change in effective {
            self.state.apply(change);
        }
        Ok(())
    }

    /// The state with every change recorded so far.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Saves the state (one write of the whole state) and discards the journal.
    pub fn finish(mut self) -> Result<(State, SaveOutcome), StateError> {
        let outcome = self.sink.fold(&mut self.state)?;
        Ok((self.state, outcome))
    }
}

impl std::fmt::Debug for Journal<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A state kept in a local file, e.g. `plinth.state.json`, with beside it
/// `plinth.state.json.backup` (the previous version), `plinth.state.json.journal` (the changes
/// of a run not yet folded in) and `plinth.state.json.lock` (the lock file).
///
/// A state path that is a symbolic link is followed: the state is the file the link names, a save
/// replaces that file (the link stays a link), and the backup, journal and lock file are beside
/// it, so that two links to one state share one lock. A file replaced keeps its permissions; a
/// file plinth creates is readable and writable by its owner only (0600). Anything but a regular
/// file (a directory, a FIFO, a socket, a device) at any of these paths is refused before it is
/// opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalStorage {
    path: PathBuf,
}

impl LocalStorage {
    /// The state at `path`; nothing is read or created yet.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The state file as given (a symbolic link is followed when it is read or written).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file that holds the state: [`LocalStorage::path`] with its symbolic links followed.
    pub fn state_file(&self) -> PathBuf {
        paths::follow_links(&self.path)
    }

    /// The previous version of the state file: `<state>.backup`, beside the state file.
    pub fn backup_path(&self) -> PathBuf {
        sibling(&self.state_file(), ".backup")
    }

    /// The journal: `<state>.journal`, beside the state file.
    pub fn journal_path(&self) -> PathBuf {
        sibling(&self.state_file(), ".journal")
    }

    /// The lock file: `<state>.lock`, beside the state file.
    pub fn lock_path(&self) -> PathBuf {
        lock::lock_path_for(&self.state_file())
    }

    /// The record of the lock held now, if its lock file has one (a lock released normally
    /// leaves none).
    pub fn lock_holder(&self) -> Option<LockInfo> {
        lock::read_info(&self.lock_path())
    }

    /// The directory of the state file, where it is replaced.
    fn directory(&self) -> PathBuf {
        directory_of(&self.state_file())
    }

    /// The state file's bytes, or `None` if there is none.
    fn read_file(&self) -> Result<Option<Vec<u8>>, StateError> {
        paths::read_existing(&self.state_file(), Role::State, "read the state file")
    }

    fn decode(&self, bytes: &[u8]) -> Result<State, StateError> {
        format::decode_state(bytes).map_err(|error| self.decode_error(error))
    }

    fn decode_error(&self, error: DecodeError) -> StateError {
        match error {
            DecodeError::Corrupt(reason) => {
                let backup = self.backup_path();
                StateError::Corrupt {
                    path: self.state_file(),
                    backup: backup.exists().then_some(backup),
                    reason,
                }
            }
            DecodeError::NewerVersion(found) => StateError::NewerVersion {
                path: self.state_file(),
                found,
                supported: format::STATE_VERSION,
            },
            DecodeError::Io(error) => io("read the state file", self.state_file())(error),
        }
    }

    /// The state file, open for buffered reading, or `None` if there is none.
    fn open_file(&self) -> Result<Option<BufReader<File>>, StateError> {
        let file = paths::open_existing(&self.state_file(), Role::State, "read the state file")?;
        Ok(file.map(BufReader::new))
    }

    fn journal_error(&self, line: Option<usize>, reason: String) -> StateError {
        StateError::CorruptJournal {
            path: self.journal_path(),
            line,
            reason,
        }
    }

    /// Applies the journal's changes to `state` loaded from the state file, if the journal was
    /// started from that version. A last line without its newline is torn (the process died
    /// while appending it) and ignored; any other line that is not valid UTF-8 or not a change is
    /// an error naming it.
    fn replay_journal(&self, state: &mut State) -> Result<(), StateError> {
        let journal_path = self.journal_path();
        let Some(bytes) =
            paths::read_existing(&journal_path, Role::Journal, "read the state journal")?
        else {
            return Ok(());
        };
        let mut lines = bytes
            .split_inclusive(|byte| *byte == b'\n')
            .enumerate()
            .map(|(index, line)| (index + 1, line));
        let Some(header_line) = lines.next().and_then(|(_, line)| line.strip_suffix(b"\n")) else {
            // Empty, or the process died while creating the journal: nothing was recorded.
            return Ok(());
        };
        let header = journal_text(header_line)
            .and_then(format::decode_header)
            .map_err(|reason| self.journal_error(Some(1), reason))?;
        if header.lineage != state.lineage {
            return Err(self.journal_error(
                None,
                format!(
                    "it belongs to state lineage {}, but the state file's lineage is {}",
                    header.lineage, state.lineage
                ),
            ));
        }
        if header.serial < state.serial {
            // The state file was saved with these changes; only removing the journal did not
            // happen.
            return Ok(());
        }
        if header.serial > state.serial {
            return Err(self.journal_error(
                None,
                format!(
                    "it continues serial {}, but the state file has serial {}",
                    header.serial, state.serial
                ),
            ));
        }
        for (number, line) in lines {
            // Only the last line can be torn by a crash, and its append never returned. Every
            // line is written whole with its newline, so one that has it was written whole.
            let Some(content) = line.strip_suffix(b"\n") else {
                return Ok(());
            };
            let change = journal_text(content)
                .and_then(format::decode_change)
                .map_err(|reason| self.journal_error(Some(number), reason))?;
            state.apply(change);
        }
        Ok(())
    }

    /// The state from the state file's bytes (`None`: no file) and the journal.
    fn load_from(&self, bytes: Option<&[u8]>) -> Result<State, StateError> {
        let Some(bytes) = bytes else {
            if paths::regular_file(&self.journal_path(), Role::Journal)?.is_some() {
                return Err(self.journal_error(
                    None,
                    format!(
                        "the state file `{}` it belongs to is missing",
                        self.path.display()
                    ),
                ));
            }
            return Ok(State::new());
        };
        let mut state = self.decode(bytes)?;
        self.replay_journal(&mut state)?;
        Ok(state)
    }

    fn remove_journal(&self) -> Result<bool, StateError> {
        let journal_path = self.journal_path();
        if paths::regular_file(&journal_path, Role::Journal)?.is_none() {
            return Ok(false);
        }
        match fs::remove_file(&journal_path) {
            Ok(()) => Ok(true),
            Err(error) if error.kind() == ErrorKind::NotFound => Ok(false),
            Err(error) => Err(io("remove the state journal", &journal_path)(error)),
        }
    }

    /// Replaces `target` with what `write` writes: into a temporary file beside it, flushed to
    /// disk, then renamed over it. The new file gets the permissions of the one it replaces
    /// (`existing`), or 0600.
    fn write_atomically(
        target: &Path,
        existing: Option<&Metadata>,
        write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<(), StateError> {
        let directory = directory_of(target);
        let prefix = format!(
            ".{}.",
            target
                .file_name()
                .map(|name| name.to_string_lossy())
                .unwrap_or_default()
        );
        let mut temporary = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(".tmp")
            .tempfile_in(&directory)
            .map_err(io("create a temporary file in", &directory))?;
        let path = temporary.path().to_path_buf();
        let mut out = BufWriter::new(temporary.as_file_mut());
        write(&mut out)
            .and_then(|()| out.flush())
            .map_err(io("write", path))?;
        drop(out);
        if let Some(permissions) = paths::permissions_for(existing) {
            temporary
                .as_file()
                .set_permissions(permissions)
                .map_err(io("set the permissions of", temporary.path().to_path_buf()))?;
        }
        temporary
            .as_file()
            .sync_all()
            .map_err(io("flush", temporary.path().to_path_buf()))?;
        temporary
            .persist(target)
            .map_err(|error| io("replace", target)(error.error))?;
        Ok(())
    }

    fn sync_directory(&self) -> Result<(), StateError> {
        sync_directory(&self.directory())
    }
}

impl StateStorage for LocalStorage {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    fn load(&self) -> Result<State, StateError> {
        let mut attempts = 0;
        loop {
            let bytes = self.read_file()?;
            let loaded = self.load_from(bytes.as_deref());
            // Reading needs no lock, so a run may have saved the state and started a new journal
            // between our reading the one and the other: then the pair does not match, and the
            // state file has changed since. Read both again.
            attempts += 1;
            if matches!(loaded, Err(StateError::CorruptJournal { .. }))
                && attempts < 3
                && self.read_file()? != bytes
            {
                continue;
            }
            return loaded;
        }
    }

    fn lock(&self, request: &LockRequest) -> Result<LockGuard, StateError> {
        // No lock file is made beside what is not a state file (a link to a device, a FIFO).
        paths::regular_file(&self.state_file(), Role::State)?;
        lock::acquire(&self.lock_path(), request)
    }

    fn save(&self, state: &mut State, _lock: &LockGuard) -> Result<SaveOutcome, StateError> {
        let conflict = |reason: String| StateError::Conflict {
            location: self.location(),
            reason,
        };
        let path = self.state_file();
        let backup_path = self.backup_path();
        // Nothing is written unless every file it would write or remove is a regular file (or
        // missing).
        let stored = paths::regular_file(&path, Role::State)?;
        let backup = paths::regular_file(&backup_path, Role::Backup)?;
        paths::regular_file(&self.journal_path(), Role::Journal)?;
        // The stored file is read from disk each time it is needed rather than held: a large
        // state is tens of megabytes, and a save runs while the plan is in memory.
        if stored.is_some() {
            // Never replace a file we cannot read: it may be the only copy of something. It
            // is checked as a load would read it, one resource at a time, keeping none, and
            // twice from the one descriptor whose type was checked.
            let file = paths::open_regular(
                &path,
                Role::State,
                "read the state file",
                OpenOptions::new().read(true),
            )?;
            let (lineage, serial) = format::check_state_from(|| {
                let mut reader = file.try_clone()?;
                reader.seek(SeekFrom::Start(0))?;
                Ok(BufReader::new(reader))
            })
            .map_err(|error| self.decode_error(error))?;
            if lineage != state.lineage {
                return Err(conflict(format!(
                    "the stored state has lineage {lineage}, this one {}",
                    state.lineage
                )));
            }
            if serial != state.serial {
                return Err(conflict(format!(
                    "the stored state has serial {serial}, this one was loaded at serial {}",
                    state.serial
                )));
            }
        } else if state.serial != 0 {
            return Err(conflict(format!(
                "the state file `{}` was removed",
                path.display()
            )));
        }
        if let Some(stored) = self.open_file()?
            && same_text(stored, state)
        {
            if self.remove_journal()? {
                self.sync_directory()?;
            }
            return Ok(SaveOutcome::Unchanged);
        }
        let previous = state.serial;
        state.serial = previous
            .checked_add(1)
            .ok_or_else(|| StateError::SerialExhausted {
                path: path.clone(),
                serial: previous,
            })?;
        let written = (|| {
            if let Some(mut stored) = self.open_file()? {
                Self::write_atomically(&backup_path, backup.as_ref(), |out| {
                    format::write_backup(&mut stored, state, out)
                })?;
            }
            Self::write_atomically(&path, stored.as_ref(), |out| {
                format::write_state(state, out)
            })?;
            self.remove_journal()?;
            self.sync_directory()
        })();
        if let Err(error) = written {
            state.serial = previous;
            return Err(error);
        }
        Ok(SaveOutcome::Written {
            serial: state.serial,
        })
    }

    fn begin<'a>(
        &'a self,
        mut state: State,
        lock: &'a LockGuard,
    ) -> Result<Journal<'a>, StateError> {
        self.save(&mut state, lock)?;
        let journal_path = self.journal_path();
        let mut options = OpenOptions::new();
        options.create(true).truncate(true).write(true);
        #[cfg(unix)]
        {
            // Created readable by its owner only, as the state file is; umask may narrow it.
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(paths::NEW_FILE_MODE);
        }
        let mut file = paths::open_regular(
            &journal_path,
            Role::Journal,
            "create the state journal",
            &options,
        )?;
        let header = JournalHeader {
            lineage: state.lineage,
            serial: state.serial,
        };
        file.write_all(format::encode_header(header).as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(io("write the state journal", &journal_path))?;
        self.sync_directory()?;
        let sink = LocalJournal {
            storage: self,
            lock,
            file,
            path: journal_path,
        };
        Ok(Journal::new(state, Box::new(sink)))
    }

    fn force_unlock(&self, lock_id: &str) -> Result<ForceUnlock, StateError> {
        lock::force_unlock(&self.lock_path(), lock_id)
    }

    fn overwrite(&self, state: &State, _lock: &LockGuard) -> Result<(), StateError> {
        let path = self.state_file();
        let backup_path = self.backup_path();
        let stored = paths::regular_file(&path, Role::State)?;
        let backup = paths::regular_file(&backup_path, Role::Backup)?;
        paths::regular_file(&self.journal_path(), Role::Journal)?;
        if let Some(mut previous) = self.open_file()? {
            Self::write_atomically(&backup_path, backup.as_ref(), |out| {
                std::io::copy(&mut previous, out).map(drop)
            })?;
        }
        Self::write_atomically(&path, stored.as_ref(), |out| {
            format::write_state(state, out)
        })?;
        self.remove_journal()?;
        self.sync_directory()
    }
}

/// The directory `path` is in (`.` for a bare file name).
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A journal line as text, or why it is not.
fn journal_text(line: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(line).map_err(|error| {
        format!(
            "it is not valid UTF-8 (an invalid byte at column {})",
            error.valid_up_to() + 1
        )
    })
}

/// Whether `state` would be written as exactly the text `stored` reads; compared as the text is
/// made, without making it or holding the stored one.
fn same_text(stored: impl std::io::Read, state: &State) -> bool {
    let mut rest = SameAs {
        expected: stored,
        scratch: Vec::new(),
        same: true,
    };
    let written = format::write_state(state, &mut rest).is_ok();
    let mut extra = [0u8; 1];
    written && rest.same && matches!(rest.expected.read(&mut extra), Ok(0))
}

/// A writer that checks what is written against the bytes a reader gives, and keeps nothing.
struct SameAs<R> {
    expected: R,
    scratch: Vec<u8>,
    same: bool,
}

impl<R: std::io::Read> Write for SameAs<R> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.same {
            self.scratch.resize(buf.len(), 0);
            self.same = self.expected.read_exact(&mut self.scratch).is_ok() && self.scratch == buf;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct LocalJournal<'a> {
    storage: &'a LocalStorage,
    lock: &'a LockGuard,
    file: File,
    path: PathBuf,
}

impl JournalSink for LocalJournal<'_> {
    fn append(&mut self, change: &Change) -> Result<(), StateError> {
        let line = format::encode_change(change);
        // One write of the whole line, then flush the data (the size change included); the
        // file's other metadata need not reach the disk for the line to be read back.
        self.file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(io("append to the state journal", &self.path))
    }

    fn append_all(&mut self, changes: &[Change]) -> Result<(), StateError> {
        // All lines in one write and one flush: a crash keeps a prefix of them, the last perhaps
        // torn, which the replay handles as for a single line.
        let text: String = changes.iter().map(format::encode_change).collect();
        self.file
            .write_all(text.as_bytes())
            .and_then(|()| self.file.sync_data())
            .map_err(io("append to the state journal", &self.path))
    }

    fn fold(&mut self, state: &mut State) -> Result<SaveOutcome, StateError> {
        self.storage.save(state, self.lock)
    }
}

#[cfg(unix)]
fn sync_directory(directory: &Path) -> Result<(), StateError> {
    File::open(directory)
        .and_then(|handle| handle.sync_all())
        .map_err(io("flush the directory", directory))
}

#[cfg(not(unix))]
fn sync_directory(_directory: &Path) -> Result<(), StateError> {
    // Directories cannot be opened as files here; the rename is as durable as the platform makes it.
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_compares_with_the_text_the_state_would_have() {
        let state = State::new();
        let text = format::encode_state(&state);
        assert!(same_text(text.as_bytes(), &state));
        assert!(same_text(
            std::io::BufReader::with_capacity(3, text.as_bytes()),
            &state
        ));
        assert!(!same_text(&text.as_bytes()[..text.len() - 1], &state));
        assert!(!same_text(format!("{text} ").as_bytes(), &state));
        assert!(!same_text(
            text.replace("\"serial\": 0", "\"serial\": 1").as_bytes(),
            &state
        ));
        assert!(!same_text(&b""[..], &state));
    }
}

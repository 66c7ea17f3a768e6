//! The files of a local state as the disk has them: a state path that is a symbolic link is
//! followed to the file it names, anything but a regular file is refused (a FIFO would block the
//! open forever, a device would be read or replaced), and a file that is replaced keeps its
//! permissions. Files are opened without blocking and the opened descriptor's type is checked,
//! so a FIFO put at a path after it was checked cannot hold plinth either.

use std::fs::{self, File, Metadata, OpenOptions, Permissions};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use crate::error::{StateError, io};

/// How many links are followed before giving up, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: usize = 40;

/// What a file beside the state is, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    State,
    Backup,
    Journal,
    Lock,
}

impl Role {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::State => "state file",
            Self::Backup => "state backup",
            Self::Journal => "state journal",
            Self::Lock => "state lock file",
        }
    }
}

/// `path` with every symbolic link of its last component followed: the file a write through the
/// link must replace. A relative link is read from the directory of the link. A dangling link
/// resolves to the missing file it names (a first save creates it); a link that cannot be read
/// (a loop, no permission) resolves to `path` itself, whose opening then reports the error.
pub(crate) fn follow_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let is_link =
            fs::symlink_metadata(&current).is_ok_and(|meta| meta.file_type().is_symlink());
        if !is_link {
            return if current == path {
                current
            } else {
                tidy(current)
            };
        }
        let Ok(target) = fs::read_link(&current) else {
            return path.to_path_buf();
        };
        current = match current.parent() {
            Some(parent) if target.is_relative() => parent.join(target),
            _ => target,
        };
    }
    path.to_path_buf()
}

/// `path` with its directory made canonical (no `..`, no links), for messages and the siblings;
/// as it is when its directory cannot be resolved.
fn tidy(path: PathBuf) -> PathBuf {
    let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
        return path;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    match fs::canonicalize(parent) {
        Ok(directory) => directory.join(name),
        Err(_) => path,
    }
}

/// The metadata of the regular file at `path` (links followed), `None` when there is none, or an
/// error when something else is there: a directory, a FIFO, a socket or a device.
pub(crate) fn regular_file(path: &Path, role: Role) -> Result<Option<Metadata>, StateError> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Some(meta)),
        Ok(meta) => Err(StateError::NotAFile {
            role: role.as_str(),
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        }),
        Err(error) if error.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(io(inspect_action(role), path)(error)),
    }
}

/// The regular file at `path` (links followed), opened with `options` for `action` ("read the
/// state file"). The open does not block (`O_NONBLOCK`: a FIFO put there after an earlier check
/// opens at once, or fails, instead of waiting for a writer), and the type checked is the opened
/// descriptor's own (`fstat`), so what is read or written is the regular file that was checked.
/// Anything else is [`StateError::NotAFile`]. A missing file is an [`StateError::Io`] error of
/// kind `NotFound`; [`open_existing`] makes it `None`.
pub(crate) fn open_regular(
    path: &Path,
    role: Role,
    action: &'static str,
    options: &OpenOptions,
) -> Result<File, StateError> {
    let mut options = options.clone();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed());
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(error) => {
            // A FIFO without a reader refuses a non-blocking open for writing, a directory any
            // open for writing: say what is there rather than the system's words for it.
            regular_file(path, role)?;
            return Err(io(action, path)(error));
        }
    };
    let meta = file.metadata().map_err(io(inspect_action(role), path))?;
    if !meta.is_file() {
        return Err(StateError::NotAFile {
            role: role.as_str(),
            path: path.to_path_buf(),
            kind: kind_of(&meta),
        });
    }
    #[cfg(unix)]
    {
        // Regular files ignore `O_NONBLOCK`; it is cleared so that the descriptor is one opened
        // the ordinary way, whatever is done with it later.
        let flags =
            rustix::fs::fcntl_getfl(&file).map_err(|errno| io(action, path)(errno.into()))?;
        rustix::fs::fcntl_setfl(&file, flags - rustix::fs::OFlags::NONBLOCK)
            .map_err(|errno| io(action, path)(errno.into()))?;
    }
    Ok(file)
}

/// The regular file at `path` opened for reading as [`open_regular`] opens it, or `None` when
/// there is none.
pub(crate) fn open_existing(
    path: &Path,
    role: Role,
    action: &'static str,
) -> Result<Option<File>, StateError> {
    match open_regular(path, role, action, OpenOptions::new().read(true)) {
        Ok(file) => Ok(Some(file)),
        Err(StateError::Io { source, .. }) if source.kind() == ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error),
    }
}

/// The bytes of the regular file at `path`, or `None` when there is none; see [`open_regular`].
pub(crate) fn read_existing(
    path: &Path,
    role: Role,
    action: &'static str,
) -> Result<Option<Vec<u8>>, StateError> {
    let Some(mut file) = open_existing(path, role, action)? else {
        return Ok(None);
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io(action, path))?;
    Ok(Some(bytes))
}

fn inspect_action(role: Role) -> &'static str {
    match role {
        Role::State => "inspect the state file",
        Role::Backup => "inspect the state backup",
        Role::Journal => "inspect the state journal",
        Role::Lock => "inspect the state lock file",
    }
}

/// The permissions a file written in place of `existing` gets: its own, or on Unix owner read
/// and write (0600) for a new file, since a state may hold what only its owner should read.
/// `None`: leave them as the platform creates them.
pub(crate) fn permissions_for(existing: Option<&Metadata>) -> Option<Permissions> {
    match existing {
        Some(meta) => Some(meta.permissions()),
        None => new_file_permissions(),
    }
}

#[cfg(unix)]
#[expect(
    clippy::unnecessary_wraps,
    reason = "`None` on platforms without modes"
)]
fn new_file_permissions() -> Option<Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(Permissions::from_mode(NEW_FILE_MODE))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<Permissions> {
    None
}

/// The mode of a state file, backup, journal or lock file plinth creates: owner read and write.
#[cfg(unix)]
pub(crate) const NEW_FILE_MODE: u32 = 0o600;

#[cfg(unix)]
fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let file_type = meta.file_type();
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO (named pipe)"
    } else if file_type.is_socket() {
        "a socket"
    } else if file_type.is_block_device() {
        "a block device"
    } else if file_type.is_char_device() {
        "a character device"
    } else {
        "a special file"
    }
}

#[cfg(not(unix))]
fn kind_of(meta: &Metadata) -> &'static str {
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::process::Command;
    use std::sync::mpsc;
    use std::thread;
    use std::time::Duration;

    use super::*;

    fn mkfifo(path: &Path) {
        let status = Command::new("mkfifo").arg(path).status().unwrap();
        assert!(status.success(), "mkfifo failed");
    }

    /// Runs `open` on another thread and gives its result, failing if it blocks.
    fn without_blocking<T: Send + 'static>(open: impl FnOnce() -> T + Send + 'static) -> T {
        let (sender, receiver) = mpsc::channel();
        thread::spawn(move || sender.send(open()));
        receiver
            .recv_timeout(Duration::from_secs(5))
            .expect("opening the FIFO blocked")
    }

    fn assert_not_a_fifo(result: Result<impl std::fmt::Debug, StateError>, role: &str) {
        match result {
            Err(StateError::NotAFile {
                role: found, kind, ..
            }) => {
                assert_eq!(found, role);
                assert_eq!(kind, "a FIFO (named pipe)");
            }
            other => panic!("expected NotAFile, got {other:?}"),
        }
    }

    #[test]
    fn opening_a_fifo_for_reading_is_refused_without_blocking() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("state.json");
        mkfifo(&path);
        // No writer ever opens the FIFO: a blocking open would wait forever.
        let result = without_blocking({
            let path = path.clone();
            move || open_existing(&path, Role::State, "read the state file")
        });
        assert_not_a_fifo(result, "state file");
    }

    #[test]
    fn opening_a_fifo_for_writing_is_refused_without_blocking() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("state.json.journal");
        mkfifo(&path);
        // No reader: a blocking open for writing would wait forever.
        let result = without_blocking({
            let path = path.clone();
            move || {
                open_regular(
                    &path,
                    Role::Journal,
                    "create the state journal",
                    OpenOptions::new().write(true).create(true).truncate(true),
                )
            }
        });
        assert_not_a_fifo(result, "state journal");
    }

    #[test]
    fn a_regular_file_opens_without_nonblocking_left_on() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("state.json");
        fs::write(&path, "{}").unwrap();
        let file = open_existing(&path, Role::State, "read the state file")
            .unwrap()
            .unwrap();
        let flags = rustix::fs::fcntl_getfl(&file).unwrap();
        assert!(!flags.contains(rustix::fs::OFlags::NONBLOCK));
        assert_eq!(
            read_existing(&path, Role::State, "read the state file").unwrap(),
            Some(b"{}".to_vec())
        );
    }

    #[test]
    fn a_missing_file_is_none() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("state.json");
        assert!(
            open_existing(&path, Role::State, "read the state file")
                .unwrap()
                .is_none()
        );
        assert!(
            read_existing(&path, Role::State, "read the state file")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_directory_is_refused() {
        let directory = tempfile::tempdir().unwrap();
        match open_existing(directory.path(), Role::Backup, "read the state backup") {
            Err(StateError::NotAFile { kind, .. }) => assert_eq!(kind, "a directory"),
            other => panic!("expected NotAFile, got {other:?}"),
        }
    }
}

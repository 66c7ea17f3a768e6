//! The files of a local state as the disk has them: a state path that is a symbolic link is
//! followed to the file it names, anything but a regular file is refused before it is opened (a
//! FIFO would block the open forever, a device would be read or replaced), and a file that is
//! replaced keeps its permissions.

use std::fs::{self, Metadata, Permissions};
use std::io::ErrorKind;
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

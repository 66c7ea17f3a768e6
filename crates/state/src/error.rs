//! Everything that can go wrong with a state, worded for the person who has to act on it.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::lock::LockInfo;
use plinth_core::ResourceAddress;

/// An error reading, writing, locking or changing a state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The disk refused an operation.
    #[error("cannot {action} `{}`: {source}", path.display())]
    Io {
        /// What plinth was doing, e.g. "read the state file".
        action: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The state file exists but is not a state plinth can read. plinth never overwrites it.
    #[error(
        "the state file `{}` is unreadable: {reason}\n\nhint: plinth left it untouched; {}",
        path.display(),
        restore_hint(backup.as_ref())
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// The previous version kept beside it, if there is one.
        backup: Option<PathBuf>,
        /// What is wrong, with line and column when the JSON parser gave them.
        reason: String,
    },

    /// The state file was written by a newer plinth.
    #[error(
        "the state file `{}` has format version {found}, but this plinth reads versions up to {supported}\n\nhint: upgrade plinth",
        path.display()
    )]
    NewerVersion {
        /// The state file.
        path: PathBuf,
        /// The version in the file.
        found: u64,
        /// The newest version this plinth reads.
        supported: u64,
    },

    /// The journal beside the state cannot be folded in: a line other than the last is broken, or
    /// it belongs to another state.
    #[error(
        "the state journal `{}` is unreadable{}: {reason}\n\nhint: plinth left it and the state file untouched; inspect the journal, then move it away to load the state without it",
        path.display(),
        line.map(|line| format!(" at line {line}")).unwrap_or_default()
    )]
    CorruptJournal {
        /// The journal file.
        path: PathBuf,
        /// The broken line (1-based), if the problem is in one line.
        line: Option<usize>,
        /// What is wrong.
        reason: String,
    },

    /// Something other than a regular file is where plinth keeps a state, its backup, journal or
    /// lock file. plinth neither opens nor replaces it: a FIFO would block, a device be read.
    #[error(
        "the {role} `{}` is {kind}, not a regular file\n\nhint: plinth opens and replaces only regular files there; move it away, or pass `--state` to keep the state elsewhere",
        path.display()
    )]
    NotAFile {
        /// Which file: "state file", "state journal"...
        role: &'static str,
        /// Where it is (symbolic links followed).
        path: PathBuf,
        /// What is there instead: "a FIFO (named pipe)", "a directory"...
        kind: &'static str,
    },

    /// The state's serial is at its largest, so a changed state cannot get a new one.
    #[error(
        "cannot increment the serial of the state file `{}`: it is already {serial}, the largest a serial can be\n\nhint: plinth left the file untouched; a serial this large was written by hand: set `serial` back to the one of the last saved version (from its backup or version control)",
        path.display()
    )]
    SerialExhausted {
        /// The state file.
        path: PathBuf,
        /// Its serial.
        serial: u64,
    },

    /// Someone else holds the state lock.
    #[error(
        "the state is locked{}{}\n\nhint: wait for that run to finish, or pass `--lock-timeout`; if no run holds it, `plinth force-unlock {}`",
        holder_suffix(info.as_deref()),
        waited_suffix(*waited),
        info.as_ref().map_or_else(|| "LOCK_ID".to_owned(), |info| info.id.to_string())
    )]
    Locked {
        /// Who holds the lock, when the lock file could be read.
        info: Option<Box<LockInfo>>,
        /// How long plinth waited before giving up (zero when it did not wait).
        waited: Duration,
    },

    /// `force-unlock` was given an id that is not the current lock's.
    #[error(
        "cannot force-unlock `{given}`: {}",
        match current {
            Some(info) => format!("the lock is held by {}", info.describe()),
            None => "the state is not locked".to_owned(),
        }
    )]
    LockIdMismatch {
        /// The id given by the user.
        given: String,
        /// The lock that is actually recorded, if any.
        current: Option<Box<LockInfo>>,
    },

    /// The state on disk is not the one this run loaded: another lineage, or a newer serial.
    #[error(
        "the state `{location}` changed since it was loaded: {reason}\n\nhint: run the command again"
    )]
    Conflict {
        /// Where the state is stored.
        location: String,
        /// What differs.
        reason: String,
    },

    /// A state kept elsewhere than in a file (a database) holds a document plinth cannot read.
    /// plinth never overwrites it.
    #[error(
        "the state `{location}` is unreadable: {reason}\n\nhint: plinth left it untouched; restore an earlier version (`plinth state history`, then `plinth state push`)"
    )]
    StoredCorrupt {
        /// Where the state is stored (no credentials).
        location: String,
        /// What is wrong.
        reason: String,
    },

    /// A state kept elsewhere than in a file was written by a newer plinth.
    #[error(
        "the state `{location}` has format version {found}, but this plinth reads versions up to {supported}\n\nhint: upgrade plinth"
    )]
    StoredNewerVersion {
        /// Where the state is stored (no credentials).
        location: String,
        /// The version stored.
        found: u64,
        /// The newest version this plinth reads.
        supported: u64,
    },

    /// A storage other than the local file (a database) failed or refused an operation.
    #[error("cannot {action} `{location}`: {message}{}", hint.as_ref().map(|hint| format!("\n\nhint: {hint}")).unwrap_or_default())]
    Backend {
        /// What plinth was doing, e.g. "save the state in".
        action: String,
        /// Where the state is stored (no credentials).
        location: String,
        /// What went wrong, with the storage's own code where it has one; never a credential.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },

    /// `state push` of a state that would replace a newer or unrelated one.
    #[error("cannot push the state to `{location}`: {reason}\n\nhint: {hint}")]
    PushRefused {
        /// Where the state is stored.
        location: String,
        /// Why not.
        reason: String,
        /// What to do about it.
        hint: String,
    },

    /// Addresses given to a state command that match nothing in the state.
    #[error("{} in the state", not_found(addresses))]
    NotInState {
        /// The addresses that matched nothing.
        addresses: Vec<ResourceAddress>,
    },

    /// No output of that name.
    #[error("no output `{name}` in the state")]
    UnknownOutput {
        /// The name asked for.
        name: String,
    },

    /// `taint` or `untaint` of a data source, which plinth reads again on every plan.
    #[error(
        "`{address}` is a data source: it cannot be tainted or untainted\n\nhint: plinth reads data sources again on every plan"
    )]
    DataSourceStatus {
        /// The data source.
        address: ResourceAddress,
    },

    /// `untaint` of an instance that is not tainted.
    #[error("`{address}` is not tainted, so it cannot be untainted")]
    NotTainted {
        /// The instance.
        address: ResourceAddress,
    },

    /// `state mv` to an address that is already in use.
    #[error("cannot move to `{address}`: it is already in the state")]
    DestinationExists {
        /// The destination that is taken.
        address: ResourceAddress,
    },

    /// `state mv` between addresses that cannot hold the same resource.
    #[error("cannot move `{source_address}` to `{destination}`: {reason}")]
    InvalidMove {
        /// The source address.
        source_address: Box<ResourceAddress>,
        /// The destination address.
        destination: Box<ResourceAddress>,
        /// Why not.
        reason: String,
    },

    /// `state mv` of a module that holds no resource of the state.
    #[error("no resource of module `{module}` in the state")]
    ModuleNotInState {
        /// The module, `module.dns["c1"]`.
        module: String,
    },

    /// `state mv` between modules that cannot hold the same resources.
    #[error("cannot move `{source_module}` to `{destination}`: {reason}")]
    InvalidModuleMove {
        /// The source module.
        source_module: String,
        /// The destination module.
        destination: String,
        /// Why not.
        reason: String,
    },
}

fn restore_hint(backup: Option<&PathBuf>) -> String {
    match backup {
        Some(backup) => format!(
            "restore the previous version from `{}` or from version control",
            backup.display()
        ),
        None => "restore it from version control (there is no backup beside it)".to_owned(),
    }
}

fn holder_suffix(info: Option<&LockInfo>) -> String {
    match info {
        Some(info) => format!(" by {}", info.describe()),
        None => " (the lock file does not say by whom)".to_owned(),
    }
}

fn waited_suffix(waited: Duration) -> String {
    if waited.is_zero() {
        String::new()
    } else {
        format!("; gave up after waiting {}", HumanDuration(waited))
    }
}

fn not_found(addresses: &[ResourceAddress]) -> String {
    let quoted: Vec<String> = addresses
        .iter()
        .map(|address| format!("`{address}`"))
        .collect();
    match quoted.as_slice() {
        [one] => format!("no resource {one}"),
        _ => format!("no resources {}", quoted.join(", ")),
    }
}

struct HumanDuration(Duration);

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis.is_multiple_of(1000) {
            write!(f, "{}s", millis / 1000)
        } else {
            write!(f, "{millis}ms")
        }
    }
}

pub(crate) fn io(
    action: &'static str,
    path: impl Into<PathBuf>,
) -> impl FnOnce(std::io::Error) -> StateError {
    let path = path.into();
    move |source| StateError::Io {
        action,
        path,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> LockInfo {
        LockInfo {
            id: uuid::Uuid::nil(),
            holder: "alice@build-1".into(),
            pid: 4242,
            operation: "apply".into(),
            time: "2026-11-22T10:00:00Z".into(),
            ci_run: None,
        }
    }

    #[test]
    fn lock_messages_name_the_holder_and_the_way_out() {
        let locked = StateError::Locked {
            info: Some(Box::new(info())),
            waited: Duration::from_secs(30),
        };
        insta::assert_snapshot!(locked, @r"
        the state is locked by alice@build-1 (pid 4242, `apply`, since 2026-11-22T10:00:00Z, lock id 00000000-0000-0000-0000-000000000000); gave up after waiting 30s

        hint: wait for that run to finish, or pass `--lock-timeout`; if no run holds it, `plinth force-unlock 00000000-0000-0000-0000-000000000000`
        ");
        let mismatch = StateError::LockIdMismatch {
            given: "1234".into(),
            current: Some(Box::new(info())),
        };
        insta::assert_snapshot!(mismatch, @"cannot force-unlock `1234`: the lock is held by alice@build-1 (pid 4242, `apply`, since 2026-11-22T10:00:00Z, lock id 00000000-0000-0000-0000-000000000000)");
    }
}

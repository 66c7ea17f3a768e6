//! Integration tests of plinth-state: the state file on disk, crashes, locks between processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod child;
mod crash;
mod errors;
mod files;
mod fuzz;
mod locking;
mod migration;
mod round_trip;
mod secrets;
mod storage;

use plinth_state::LocalStorage;

/// A temporary directory and the state storage of `plinth.state.json` in it: where most tests
/// of the state file start. Keep `dir` bound (`dir: _dir` when the test does not read it) for
/// as long as the storage is used: dropping it removes the directory.
pub struct StateDir {
    /// The directory; removed when dropped.
    pub dir: tempfile::TempDir,
    /// The storage of `plinth.state.json` in `dir`.
    pub storage: LocalStorage,
}

/// A new empty [`StateDir`].
pub fn state_dir() -> StateDir {
    let dir = tempfile::tempdir().unwrap();
    let storage = LocalStorage::new(dir.path().join("plinth.state.json"));
    StateDir { dir, storage }
}

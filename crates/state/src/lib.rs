//! plinth's state: what plinth manages and what the cloud last said about it.
//!
//! This crate owns the state file and is the only one that knows its JSON layout
//! (docs/state-format.md). It provides the state in memory ([`State`], addressed by
//! [`plinth_core::ResourceAddress`]), the operations behind `plinth state list/show/rm/mv` and `plinth output`,
//! keyed fingerprints for sensitive values, and the storage: an atomic save that keeps a backup,
//! a journal that makes each change of a run durable with one small append, and a lock against
//! concurrent runs ([`StateStorage`], implemented by [`LocalStorage`]). It does not talk to the
//! cloud, plan, or print.
//!
//! ```no_run
//! use std::time::Duration;
//! use plinth_state::{Change, LocalStorage, LockRequest, ResourceState, StateStorage};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let storage = LocalStorage::new("plinth.state.json");
//! let lock = storage.lock(&LockRequest { operation: "apply".into(), timeout: Duration::ZERO })?;
//! let mut journal = storage.begin(storage.load()?, &lock)?;
//! journal.record(Change::Upsert {
//!     address: "huaweicloud_cce_addon.dns".parse()?,
//!     resource: ResourceState::new(Some("addon-uid".into()), serde_json::json!({"version": "1.30.3"})),
//! })?;
//! let (state, _outcome) = journal.finish()?;
//! assert_eq!(state.resources().len(), 1);
//! # Ok(())
//! # }
//! ```

pub mod document;
mod error;
mod format;
mod lock;
mod paths;
mod state;
mod storage;

pub use crate::error::StateError;
pub use crate::lock::{
    ForceUnlock, LockGuard, LockInfo, LockRequest, ci_run_url, host_name, user_name,
};
pub use crate::state::{
    Change, Fingerprint, FingerprintError, ListFilter, Moved, OutputState, PendingAction,
    PendingOperation, ResourceState, State, Status,
};
pub use crate::storage::{Journal, JournalSink, LocalStorage, SaveOutcome, StateStorage};

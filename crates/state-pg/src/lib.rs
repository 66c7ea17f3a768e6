//! plinth's state in PostgreSQL, for teams: [`PgStorage`], a [`plinth_state::StateStorage`]
//! whose saves are compare-and-swaps on (workspace, lineage, serial), whose journal is one row
//! per recorded change (folded into the state row when the run finishes, or by the next load
//! after a crash), which keeps every earlier version, and whose lock is a session advisory lock
//! held on a connection of its own, so a killed run frees it.
//!
//! A crate of its own so that `plinth-state` stays free of the database driver and the network:
//! the state's format is still written and read by `plinth-state` only
//! ([`plinth_state::document`]). The driver is tokio-postgres with rustls; its connections run
//! on a dedicated thread, so the synchronous trait can be called from inside the cli's runtime.
//! It does not read the environment (the cli passes `PG_CONN_STR` in) and does not print.
//!
//! ```no_run
//! use std::time::Duration;
//! use plinth_state::{LockRequest, StateStorage};
//! use plinth_state_pg::{PgOptions, PgStorage};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let storage = PgStorage::connect(&PgOptions {
//!     conn_str: "postgres://plinth@db.internal/infra?sslmode=require".into(),
//!     schema: "plinth".into(),
//!     workspace: "default".into(),
//! })?;
//! let lock = storage.lock(&LockRequest { operation: "apply".into(), timeout: Duration::from_secs(60) })?;
//! let journal = storage.begin(storage.load()?, &lock)?;
//! let (_state, _outcome) = journal.finish()?;
//! # Ok(())
//! # }
//! ```

mod connect;
mod lock;
mod schema;
mod storage;
mod worker;

pub use crate::connect::PgOptions;
pub use crate::lock::LockHolder;
pub use crate::schema::check_schema_name;
pub use crate::storage::{HistoryEntry, PgStorage};

//! All cloud work of `plan` and `apply`: refreshing what plinth manages (concurrent reads,
//! natural-key lookups, data sources) before planning, executing a plan graph through the cloud
//! client with every result recorded in the state as it completes, and importing one object.
//!
//! It does not parse configurations (`plinth-config`), decide what to change
//! (`plinth-planner`), speak HTTP (`plinth-cloud`), know the state file's layout
//! (`plinth-state`), or print: progress goes to an [`EventSink`], results into an
//! [`ApplyReport`] for the CLI to show.
//!
//! ```no_run
//! use plinth_apply::{ApplyOptions, RefreshOptions, apply, no_events, refresh_and_plan};
//! use plinth_planner::PlanOptions;
//! # async fn example(
//! #     config: &plinth_config::Configuration,
//! #     client: &plinth_cloud::Client,
//! #     storage: &plinth_state::LocalStorage,
//! #     lock: &plinth_state::LockGuard,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! use plinth_state::StateStorage;
//! let state = storage.load()?;
//! let (plan, _observed) =
//!     refresh_and_plan(
//!         config,
//!         &state,
//!         client,
//!         &PlanOptions::default(),
//!         &RefreshOptions::default(),
//!         &no_events(),
//!     )
//!     .await?;
//! let mut journal = storage.begin(state, lock)?;
//! let report = apply(&plan, config, client, &mut journal, &ApplyOptions::default(), no_events()).await?;
//! journal.finish()?;
//! assert!(report.is_success());
//! # Ok(()) }
//! ```

//!
//! # How the commands use it
//!
//! - `plan`: load the state, [`refresh_and_plan`], render the plan. To save it, save the
//!   [`plinth_planner::Observations`] it returned with the options, the state's lineage and serial
//!   and a digest of the configuration.
//! - `apply`: lock, load the state, [`refresh_and_plan`] (or, for a saved plan, check lineage,
//!   serial and digest and call [`replan`] with the saved observations: no cloud call, the same
//!   plan), confirm, [`plinth_state::StateStorage::begin`] with the state the plan was made from,
//!   [`apply`] with a [`CancelHandle`] that Ctrl-C triggers ([`CancelHandle::cancel`] first,
//!   [`CancelHandle::abort`] second), then [`plinth_state::Journal::finish`] whatever happened.
//!   Exit 130 if [`ApplyReport::interrupted`], 1 if anything failed or was skipped.
//! - `destroy`: the same with [`plinth_planner::PlanOptions::destroy`].
//! - `import ADDR ID`: lock, load, begin, [`import`], finish.

mod cancel;
mod catalogue;
mod clients;
mod error;
mod execute;
mod import;
mod known;
mod observe;
mod operation;
mod postconditions;
mod refresh;
mod returns;
mod schedule;

pub use crate::cancel::CancelHandle;
pub use crate::clients::Clients;
pub use crate::error::{ApplyError, OperationError, ReadFailure};
pub use crate::execute::{
    ApplyEvent, ApplyOptions, ApplyReport, ApplySummary, Completed, EventKind, EventSink,
    FailedOperation, Outcome, SkipCause, SkippedOperation, apply, apply_with, no_events,
};
pub use crate::import::{import, read_unconfigured_imports};
pub use crate::refresh::{
    RefreshBy, RefreshOptions, refresh_and_plan, refresh_and_plan_with, replan,
};

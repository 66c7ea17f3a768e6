//! A local Huawei Cloud: the ModelArts pool plug-in API, the CCE and CCE Autopilot add-on APIs,
//! their template lists and the IAM project lookup, served over HTTP on one loopback port with the
//! wire formats of the real services.
//!
//! Objects go through the real life cycles (`installing` -> `running`, `upgrading` -> `running`,
//! `deleting` -> gone; `Pending` -> `Running`, `Updating` -> `Running`, `Deleting` -> gone) in a
//! configurable time, template defaults are filled into `values` and `inputs`, a template named
//! `always-fails` fails, AK/SK signatures are checked when credentials are set, faults can be
//! injected reproducibly, and the cloud can be kept in a data file across restarts. It does not
//! emulate anything beyond these calls (clusters and pools come from a fixture), and it runs no
//! Kubernetes: statuses are computed from the time elapsed since each operation started.
//!
//! ```no_run
//! # async fn example() -> Result<(), plinth_emulator::EmulatorError> {
//! use plinth_emulator::{EmulatorOptions, start};
//! let emulator = start(EmulatorOptions::default()).await?;
//! // Point every service endpoint of the client at this URL.
//! let endpoint = emulator.base_url();
//! # let _ = endpoint;
//! emulator.shutdown().await?;
//! # Ok(())
//! # }
//! ```

mod api;
mod auth;
mod catalogue;
mod cloud;
mod errors;
mod options;
mod server;
#[cfg(feature = "testing")]
#[doc(hidden)]
pub mod testing;
mod traffic;

pub use cloud::{AddonSummary, CloudSnapshot, PluginSummary};
pub use options::{
    EmulatorError, EmulatorOptions, Fixture, SANDBOX_ACCESS_KEY, SANDBOX_OP_DURATION,
    SANDBOX_SECRET_KEY,
};
pub use server::{RunningEmulator, serve, start};
pub use traffic::{RequestCounts, RouteCounts};

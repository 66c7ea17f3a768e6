//! The planner: from a configuration, the prior state and what a refresh observed in the cloud,
//! it computes the plan: one action per resource instance (create, update, replace, delete,
//! read, import, or nothing) with its reasons, the attribute changes key by key, the drift found,
//! and the graph of steps an apply runs.
//!
//! It is pure: no IO, no network, no printing. Refreshing (reading the cloud) is the `apply`
//! crate's work, which hands the results over as [`Observations`]; rendering the plan is the
//! `cli`'s. Diffs compare only the keys the user wrote, so values the server fills in are never a
//! change; a written key changed remotely since the prior state is [`Drift`].
//!
//! ```
//! use plinth_config::{SourceFile, Sources, load_sources};
//! use plinth_planner::{Action, Observations, PlanOptions, plan};
//! use plinth_state::State;
//!
//! let config = load_sources(Sources {
//!     files: vec![SourceFile::new(
//!         "main.hcl",
//!         r#"resource "huaweicloud_cce_addon" "dns" {
//!              cluster_id    = "c1"
//!              template_name = "coredns"
//!            }"#,
//!     )],
//!     ..Sources::default()
//! })
//! .unwrap();
//! let plan = plan(&config, &State::new(), &Observations::new(), &PlanOptions::default()).unwrap();
//! assert_eq!(plan.changes()[0].action, Action::Create);
//! assert_eq!(plan.summary().add, 1);
//! ```

mod conditions;
mod configured;
mod diff;
mod error;
mod graph;
mod moves;
mod observe;
mod order;
mod outputs;
mod plan;
mod planned;
mod returns;
mod statements;
mod templates;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;
mod triggers;

pub use crate::configured::{mark_sensitive, plan, sensitive_pointers};
pub use crate::diff::{AttributeChange, Drift};
pub use crate::error::{PlanError, Refusal};
pub use crate::graph::{Operation, PlanGraph, Step, StepId};
pub use crate::observe::{Adoption, Lookup, Observations, Observed, PlanOptions, WantedRead};
pub use crate::outputs::{OutputAction, OutputChange};
pub use crate::plan::{Action, Plan, PlanMode, PlannedChange, Reason, Summary};
pub use crate::planned::PlannedObject;
pub use crate::returns::{configured_pointers, returning_pointers};
pub use crate::templates::{
    Catalogue, CatalogueRead, Template, TemplateVersion, WantedCatalogue, differing, upgrade_values,
};

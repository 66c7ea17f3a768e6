//! The configuration's conditions, checked once the plan has settled: a failed `precondition`
//! stops the plan with the author's message at the condition; a failed `check` assertion is a
//! warning the plan carries. They read the objects as planned (and what the refresh saw);
//! a condition not known until apply is left for then, as in Terraform.

use std::collections::HashMap;

use plinth_config::{Configuration, Diagnostics, Value};
use plinth_core::ResourceAddress;
use plinth_state::State;

use crate::configured::Known;
use crate::error::PlanError;
use crate::observe::Observations;
use crate::plan::Plan;

/// The warnings of the `check` blocks, or the failed preconditions as an error.
pub(crate) fn check(
    config: &Configuration,
    prior: &State,
    observed: &Observations,
    plan: &Plan,
    left_out: &HashMap<ResourceAddress, Value>,
) -> Result<Diagnostics, PlanError> {
    let planned: HashMap<ResourceAddress, Value> = plan
        .changes()
        .iter()
        .filter_map(|change| Some((change.address.clone(), change.after.clone()?)))
        .chain(left_out.iter().map(|(a, v)| (a.clone(), v.clone())))
        .collect();
    // Without a planned object (a first plan of nothing), what the refresh saw and the state
    // hold are what the conditions read.
    let known = if planned.is_empty() {
        Known::new(prior, observed, None)
    } else {
        Known::new(prior, observed, Some(planned))
    };
    let report = plinth_config::evaluate_conditions(config, &known);
    if report.errors.has_errors() {
        return Err(PlanError::Configuration(report.errors));
    }
    Ok(report.warnings)
}

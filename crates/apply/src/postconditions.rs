//! The `postcondition` blocks of a resource, checked once its create, update or replace has
//! finished, `self` being the object as applied. A failed one fails the resource (the run
//! reports it, what depends on it is skipped); the state keeps the applied object, as
//! Terraform's does, so the next plan starts from what exists. Its `precondition` blocks are
//! checked again just before the operation, with what is known then: one that read values
//! unknown at plan time is decided here, as in Terraform.

use plinth_config::{Configuration, Diagnostics, ResourceValues};
use plinth_core::ResourceAddress;

use crate::error::OperationError;
use crate::known::Known;

/// The failed postconditions of `address`, if any.
pub(crate) fn check(
    config: &Configuration,
    known: &Known<'_>,
    address: &ResourceAddress,
) -> Option<Diagnostics> {
    let object = known.attributes(address)?;
    let errors = plinth_config::evaluate_postconditions(config, known, address, &object);
    errors.has_errors().then_some(errors)
}

/// Refuses the operation on `address` when one of its preconditions is false now.
pub(crate) fn check_preconditions(
    config: &Configuration,
    known: &Known<'_>,
    address: &ResourceAddress,
) -> Result<(), OperationError> {
    let errors = plinth_config::evaluate_preconditions(config, known, address);
    if errors.has_errors() {
        return Err(OperationError::Configuration(errors));
    }
    Ok(())
}

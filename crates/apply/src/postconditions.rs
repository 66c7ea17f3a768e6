//! The `postcondition` blocks of a resource, checked once its create, update or replace has
//! finished, `self` being the object as applied. A failed one fails the resource (the run
//! reports it, what depends on it is skipped); the state keeps the applied object, as
//! Terraform's does, so the next plan starts from what exists.

use plinth_config::{Configuration, Diagnostics, ResourceValues};
use plinth_core::ResourceAddress;

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

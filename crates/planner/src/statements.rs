//! What `removed` and `import` blocks change in a plan: a removed resource with
//! `destroy = false` is forgotten instead of deleted, and an import target not in the state is
//! adopted by the id its block gives (the refresh reads it and records it as a
//! [`Lookup::Found`](crate::Lookup::Found), which the planner turns into an import).

use std::collections::{HashMap, HashSet};

use plinth_config::{Configuration, Import};
use plinth_core::{Mode, ResourceAddress, registry};
use plinth_state::{ResourceState, State};

use crate::error::PlanError;
use crate::plan::{Action, PlannedChange};

/// The `removed` and `import` blocks of a configuration, as the planner asks about them.
#[derive(Debug, Default)]
pub(crate) struct Statements<'c> {
    /// Resources removed with `destroy = false` (whole resources: every instance).
    forget: HashSet<ResourceAddress>,
    /// Imports by target instance.
    imports: HashMap<ResourceAddress, &'c Import>,
}

impl<'c> Statements<'c> {
    pub(crate) fn new(config: &'c Configuration) -> Self {
        Self {
            forget: config
                .removed()
                .iter()
                .filter(|removed| !removed.destroy())
                .map(|removed| removed.from().clone())
                .collect(),
            imports: config
                .imports()
                .iter()
                .map(|import| (import.to().clone(), import))
                .collect(),
        }
    }

    /// Whether the instance at `address` (not configured) is forgotten rather than deleted.
    pub(crate) fn forgets(&self, address: &ResourceAddress) -> bool {
        self.forget.contains(&address.resource())
    }

    /// Whether an `import` block imports to `address`.
    pub(crate) fn is_import_target(&self, address: &ResourceAddress) -> bool {
        self.imports.contains_key(address)
    }

    /// Checks every import against the configured instances and the state: its target must be
    /// configured, and if the state has it already, as the object its id names (then the import
    /// has nothing left to do).
    pub(crate) fn check_imports(
        &self,
        prior: &State,
        configured: &HashSet<ResourceAddress>,
    ) -> Result<(), PlanError> {
        let mut imports: Vec<&&Import> = self.imports.values().collect();
        imports.sort_by(|a, b| a.to().cmp(b.to()));
        for import in imports {
            let address = import.to();
            if !configured.contains(address) {
                return Err(PlanError::ImportTargetNotConfigured {
                    address: address.clone(),
                    location: import.location().clone(),
                });
            }
            if let Some(resource) = prior.resource(address)
                && let Some(recorded) = other_object(import, resource)
            {
                return Err(PlanError::ImportConflict {
                    address: address.clone(),
                    id: import.id().to_owned(),
                    recorded,
                    location: import.location().clone(),
                });
            }
        }
        Ok(())
    }

    /// Refuses an import whose object differs from its block in an attribute that forces
    /// replacement (another template, another cluster): the id names another object than the
    /// block describes, and importing it would only be the start of replacing it.
    pub(crate) fn check_imported<'p>(
        &self,
        changes: impl Iterator<Item = &'p PlannedChange>,
    ) -> Result<(), PlanError> {
        for change in changes {
            let Some(import) = self.imports.get(&change.address) else {
                continue;
            };
            if !matches!(change.action, Action::Import { .. }) {
                continue;
            }
            let forced: Vec<String> = change
                .changes
                .iter()
                .filter(|c| c.forces_replacement)
                .filter_map(|c| c.path.attribute_name().map(str::to_owned))
                .collect();
            if !forced.is_empty() {
                return Err(PlanError::ImportMismatch {
                    address: change.address.clone(),
                    id: import.id().to_owned(),
                    attributes: forced,
                    location: import.location().clone(),
                });
            }
        }
        Ok(())
    }
}

/// When the state's record at an import's target is not the object the import id names: what
/// the record holds instead (`id = "..."`, or the part of its natural key that differs).
fn other_object(import: &Import, resource: &ResourceState) -> Option<String> {
    let spec = registry::find(Mode::Managed, import.to().type_name())?;
    let parts: Vec<&str> = import.id().split('/').map(str::trim).collect();
    // An id of no accepted form is the refresh's error to report, with the forms it accepts.
    let form = spec
        .import_ids
        .iter()
        .find(|form| form.len() == parts.len())?;
    let attributes = resource.attributes.to_value();
    for (part, value) in form.iter().zip(parts) {
        let recorded = if Some(part.attribute) == spec.id {
            resource.id.clone()
        } else {
            resource
                .natural_key
                .get(part.attribute)
                .cloned()
                .or_else(|| attributes[part.attribute].as_str().map(str::to_owned))
        };
        if recorded.as_deref() != Some(value) {
            return Some(format!(
                "{} = \"{}\"",
                part.attribute,
                recorded.unwrap_or_default()
            ));
        }
    }
    None
}

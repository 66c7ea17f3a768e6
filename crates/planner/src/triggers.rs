//! `replace_triggered_by`: an instance whose trigger fired (the resource it names is updated or
//! replaced, or the attribute it names changes) is planned again as a replace, with the reason
//! saying which trigger. A replace that triggers another is followed until nothing new fires.

use plinth_config::Configuration;
use plinth_core::ResourceAddress;

use crate::error::PlanError;
use crate::observe::PlanOptions;
use crate::plan::{Action, Plan, PlannedChange, Reason};

/// The plan with the instances whose triggers fired replaced; `replan` plans again with more
/// addresses to replace.
pub(crate) fn replace_triggered(
    config: &Configuration,
    options: &PlanOptions,
    mut plan: Plan,
    replan: &dyn Fn(&PlanOptions) -> Result<Plan, PlanError>,
) -> Result<Plan, PlanError> {
    let mut options = options.clone();
    let mut triggered: Vec<(ResourceAddress, String)> = Vec::new();
    // Each round replaces at least one more instance, so the rounds end.
    loop {
        let fired: Vec<(ResourceAddress, String)> = fired(config, &plan)
            .into_iter()
            .filter(|(address, _)| !options.replace.contains(address))
            .collect();
        if fired.is_empty() {
            break;
        }
        options
            .replace
            .extend(fired.iter().map(|(address, _)| address.clone()));
        triggered.extend(fired);
        plan = replan(&options)?;
    }
    for (address, trigger) in triggered {
        if let Some(change) = plan.change_mut(&address) {
            change.reasons.retain(|reason| *reason != Reason::Requested);
            change.reasons.push(Reason::ReplaceTriggeredBy { trigger });
        }
    }
    Ok(plan)
}

/// The instances planned as a no-op or an update whose trigger fired, with the trigger.
fn fired(config: &Configuration, plan: &Plan) -> Vec<(ResourceAddress, String)> {
    let mut out = Vec::new();
    for change in plan.changes() {
        if !matches!(change.action, Action::NoOp | Action::Update) {
            continue;
        }
        let Some(resource) = config.resource(&change.address.resource()) else {
            continue;
        };
        let fired = resource
            .lifecycle()
            .replace_triggered_by
            .iter()
            .find(|trigger| {
                plan.changes()
                    .iter()
                    .filter(|other| trigger.address.contains(&other.address))
                    .any(|other| fires(other, trigger.attribute.as_deref()))
            });
        if let Some(trigger) = fired {
            out.push((change.address.clone(), trigger.text.clone()));
        }
    }
    out
}

/// Whether a change of the named resource fires a trigger: an update or a replace of the
/// whole object, or for an attribute, a replace or a change of that attribute.
fn fires(change: &PlannedChange, attribute: Option<&str>) -> bool {
    match attribute {
        None => matches!(change.action, Action::Update | Action::Replace { .. }),
        Some(name) => {
            matches!(change.action, Action::Replace { .. })
                || (change.action == Action::Update
                    && change
                        .changes
                        .iter()
                        .any(|c| c.path.attribute_name() == Some(name)))
        }
    }
}

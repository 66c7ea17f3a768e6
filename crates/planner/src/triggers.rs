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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::observe::PlanOptions;
    use crate::plan::{Action, Reason};
    use crate::testing::{World, address, config};

    const CHAIN: &str = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "2"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c1"
  template_name = "everest"
  lifecycle {
    replace_triggered_by = [huaweicloud_cce_addon.a.version]
  }
}
resource "huaweicloud_cce_addon" "c" {
  cluster_id    = "c1"
  template_name = "metrics"
  lifecycle {
    replace_triggered_by = [huaweicloud_cce_addon.b]
  }
}
resource "huaweicloud_cce_addon" "d" {
  cluster_id    = "c1"
  template_name = "autoscaler"
  lifecycle {
    replace_triggered_by = [huaweicloud_cce_addon.a.description]
  }
}
"#;

    fn world(a_version: &str) -> World {
        let mut world = World::new();
        world.in_state(
            "huaweicloud_cce_addon.a",
            Some("uid-a"),
            json!({"cluster_id": "c1", "template_name": "coredns", "version": a_version}),
            &[],
        );
        for (name, template) in [("b", "everest"), ("c", "metrics"), ("d", "autoscaler")] {
            world.in_state(
                &format!("huaweicloud_cce_addon.{name}"),
                Some(&format!("uid-{name}")),
                json!({"cluster_id": "c1", "template_name": template}),
                &[],
            );
        }
        world
    }

    #[test]
    fn a_trigger_replaces_and_a_replace_triggers_further_with_its_reason() {
        let plan = world("1")
            .plan(&config(CHAIN), &PlanOptions::default())
            .unwrap();
        let change = |name: &str| {
            plan.change(&address(&format!("huaweicloud_cce_addon.{name}")))
                .unwrap()
                .clone()
        };
        assert_eq!(change("a").action, Action::Update);
        let b = change("b");
        assert!(matches!(b.action, Action::Replace { .. }), "{b:?}");
        assert_eq!(
            b.reasons,
            [Reason::ReplaceTriggeredBy {
                trigger: "huaweicloud_cce_addon.a.version".to_owned()
            }]
        );
        // `c` names `b` as a whole, which is now replaced.
        assert!(matches!(change("c").action, Action::Replace { .. }));
        // `d` names an attribute of `a` that does not change.
        assert_eq!(change("d").action, Action::NoOp);
    }

    #[test]
    fn nothing_fires_when_nothing_changes() {
        let plan = world("2")
            .plan(&config(CHAIN), &PlanOptions::default())
            .unwrap();
        assert!(plan.changes().iter().all(|c| c.action == Action::NoOp));
    }
}

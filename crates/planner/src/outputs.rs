//! Output values are part of the plan: each output of the configuration, evaluated with the
//! planned objects, against what the state recorded after the last apply.

use std::collections::HashMap;

use plinth_config::{Configuration, ObjectMap, ResourceValues, Value};
use plinth_core::ResourceAddress;
use plinth_state::{OutputState, State};

use crate::error::PlanError;
use crate::plan::{LeftOut, Plan};

/// What an apply does to one output value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputAction {
    /// The recorded value stays.
    NoOp,
    /// A new output: there is no recorded value.
    Create,
    /// The value changes (or is known only after apply).
    Update,
    /// The output is no longer in the configuration (or everything is destroyed).
    Delete,
}

/// The planned change of one output value.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputChange {
    /// The output's name.
    pub name: String,
    /// What happens to it.
    pub action: OutputAction,
    /// What the state records now; `None` for a new output. A sensitive one is only its
    /// fingerprint.
    pub before: Option<OutputState>,
    /// The planned value, its unknown and sensitive parts marked; `None` for a delete.
    pub after: Option<Value>,
    /// The output is declared `sensitive = true`: its whole value is hidden.
    pub sensitive: bool,
}

impl OutputChange {
    /// Whether the recorded value is a sensitive one.
    pub fn before_sensitive(&self) -> bool {
        matches!(self.before, Some(OutputState::Sensitive(_)))
    }

    /// Whether the planned value is hidden as a whole: declared sensitive, or made of a
    /// sensitive value.
    pub fn after_sensitive(&self) -> bool {
        self.sensitive || self.after.as_ref().is_some_and(Value::is_sensitive)
    }
}

/// The output changes of a plan of `config` against `prior`: every configured output evaluated
/// with the planned objects (and those the plan leaves out), then every recorded output the
/// configuration no longer has, deleted. Sorted by name.
pub(crate) fn plan_outputs(
    config: &Configuration,
    prior: &State,
    plan: &Plan,
    left_out: &LeftOut,
) -> Result<Vec<OutputChange>, PlanError> {
    let planned = PlannedObjects { plan, left_out };
    let evaluated =
        plinth_config::evaluate_outputs(config, &planned).map_err(PlanError::Configuration)?;
    let mut changes: HashMap<String, OutputChange> = HashMap::new();
    for output in evaluated {
        let before = prior.outputs().get(&output.name).cloned();
        let action = match &before {
            None => OutputAction::Create,
            Some(recorded) if same_value(prior, recorded, &output.value, output.sensitive) => {
                OutputAction::NoOp
            }
            Some(_) => OutputAction::Update,
        };
        changes.insert(
            output.name.clone(),
            OutputChange {
                name: output.name,
                action,
                before,
                after: Some(output.value),
                sensitive: output.sensitive,
            },
        );
    }
    for (name, recorded) in prior.outputs() {
        changes
            .entry(name.clone())
            .or_insert_with(|| deleted(name, recorded));
    }
    let mut changes: Vec<OutputChange> = changes.into_values().collect();
    changes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(changes)
}

/// A destroy removes every recorded output.
pub(crate) fn destroy_outputs(prior: &State) -> Vec<OutputChange> {
    prior
        .outputs()
        .iter()
        .map(|(name, recorded)| deleted(name, recorded))
        .collect()
}

fn deleted(name: &str, recorded: &OutputState) -> OutputChange {
    OutputChange {
        name: name.to_owned(),
        action: OutputAction::Delete,
        before: Some(recorded.clone()),
        after: None,
        sensitive: false,
    }
}

/// Whether the planned value is the recorded one, as an apply would record it: sealed (a
/// fingerprint) when the output is sensitive or holds a sensitive value, plain otherwise. A
/// value known only after apply is a change.
fn same_value(prior: &State, recorded: &OutputState, value: &Value, sensitive: bool) -> bool {
    if value.contains_unknown() {
        return false;
    }
    let json = value
        .strip_marks()
        .to_json_with(&mut |_| serde_json::Value::Null);
    match recorded {
        OutputState::Plain(plain) => !(sensitive || value.contains_sensitive()) && *plain == json,
        OutputState::Sensitive(fingerprint) => {
            (sensitive || value.contains_sensitive())
                && prior.fingerprint_matches(fingerprint, &json)
        }
    }
}

/// What output expressions see of resources: the objects as planned, the plan's and those it
/// leaves out (`--target`, `--exclude`).
struct PlannedObjects<'a> {
    plan: &'a Plan,
    left_out: &'a LeftOut,
}

impl ResourceValues for PlannedObjects<'_> {
    fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
        let after = self
            .plan
            .change(instance)
            .and_then(|change| change.after.as_ref())
            .or_else(|| self.left_out.get(instance))?;
        match after.value() {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use plinth_state::Change;
    use serde_json::json;

    use super::*;
    use crate::PlanOptions;
    use crate::testing::{World, config};

    const DNS: &str = r#"
variable "token" {
  type      = string
  default   = "s3cret"
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
}
"#;

    fn record(world: &mut World, name: &str, output: OutputState) {
        world.state.apply(Change::SetOutput {
            name: name.to_owned(),
            output,
        });
    }

    fn dns_world() -> World {
        let mut world = World::new();
        world.in_state(
            "huaweicloud_cce_addon.dns",
            Some("uid-dns"),
            json!({"cluster_id": "c1", "template_name": "coredns", "version": "1.28.6",
                   "id": "uid-dns", "status": "running"}),
            &[],
        );
        world
    }

    /// The actions of the plan's output changes, by name.
    fn check(world: &World, outputs: &str, options: &PlanOptions) -> Vec<(String, OutputAction)> {
        let config = config(&format!("{DNS}{outputs}"));
        let plan = world.plan(&config, options).unwrap();
        plan.output_changes()
            .iter()
            .map(|change| (change.name.clone(), change.action))
            .collect()
    }

    fn actions(list: &[(&str, OutputAction)]) -> Vec<(String, OutputAction)> {
        list.iter().map(|(n, a)| ((*n).to_owned(), *a)).collect()
    }

    #[test]
    fn outputs_are_created_updated_kept_and_deleted() {
        let mut world = dns_world();
        record(&mut world, "kept", OutputState::Plain(json!("uid-dns")));
        record(&mut world, "changed", OutputState::Plain(json!("old")));
        record(&mut world, "gone", OutputState::Plain(json!(1)));
        let outputs = r#"
output "kept" { value = huaweicloud_cce_addon.dns.id }
output "changed" { value = "new" }
output "added" { value = { a = 1 } }
"#;
        let plan_actions = check(&world, outputs, &PlanOptions::default());
        assert_eq!(
            plan_actions,
            actions(&[
                ("added", OutputAction::Create),
                ("changed", OutputAction::Update),
                ("gone", OutputAction::Delete),
                ("kept", OutputAction::NoOp),
            ])
        );
    }

    #[test]
    fn an_output_only_change_is_a_change_of_the_plan() {
        let mut world = dns_world();
        record(&mut world, "v", OutputState::Plain(json!("1.28.5")));
        let config = config(&format!(
            "{DNS}output \"v\" {{ value = huaweicloud_cce_addon.dns.version }}"
        ));
        let plan = world.plan(&config, &PlanOptions::default()).unwrap();
        assert!(
            plan.changes()
                .iter()
                .all(|c| c.action == crate::Action::NoOp)
        );
        assert!(plan.has_changes());
        record(&mut world, "v", OutputState::Plain(json!("1.28.6")));
        let plan = world.plan(&config, &PlanOptions::default()).unwrap();
        assert!(!plan.has_changes());
    }

    #[test]
    fn sensitive_outputs_compare_by_fingerprint() {
        let mut world = dns_world();
        let same = world.state.fingerprint(&json!("s3cret"));
        record(&mut world, "token", OutputState::Sensitive(same));
        let outputs = "output \"token\" {\n value = var.token\n sensitive = true\n}\n";
        assert_eq!(
            check(&world, outputs, &PlanOptions::default()),
            actions(&[("token", OutputAction::NoOp)])
        );
        let other = world.state.fingerprint(&json!("another"));
        record(&mut world, "token", OutputState::Sensitive(other));
        let config = config(&format!("{DNS}{outputs}"));
        let plan = world.plan(&config, &PlanOptions::default()).unwrap();
        let change = &plan.output_changes()[0];
        assert_eq!(change.action, OutputAction::Update);
        assert!(change.before_sensitive() && change.after_sensitive());
        // A value once plain that becomes sensitive is sealed by the next apply: a change.
        record(&mut world, "token", OutputState::Plain(json!("s3cret")));
        assert_eq!(
            check(&world, outputs, &PlanOptions::default()),
            actions(&[("token", OutputAction::Update)])
        );
    }

    #[test]
    fn a_value_known_only_after_apply_is_a_change() {
        let world = World::new();
        let outputs = "output \"id\" { value = huaweicloud_cce_addon.dns.id }\n";
        let config = config(&format!("{DNS}{outputs}"));
        let plan = world.plan(&config, &PlanOptions::default()).unwrap();
        let change = &plan.output_changes()[0];
        assert_eq!(change.action, OutputAction::Create);
        assert_eq!(change.after, Some(Value::Unknown));
    }

    #[test]
    fn destroy_deletes_every_recorded_output() {
        let mut world = dns_world();
        record(&mut world, "v", OutputState::Plain(json!("1.28.6")));
        let options = PlanOptions {
            destroy: true,
            ..PlanOptions::default()
        };
        let outputs = "output \"v\" { value = huaweicloud_cce_addon.dns.version }\n";
        assert_eq!(
            check(&world, outputs, &options),
            actions(&[("v", OutputAction::Delete)])
        );
    }
}

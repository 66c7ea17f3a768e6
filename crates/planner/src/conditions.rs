//! The configuration's conditions, checked once the plan has settled: a failed `precondition`
//! stops the plan with the author's message at the condition; a failed `check` assertion is a
//! warning the plan carries. They read the objects as planned (and what the refresh saw);
//! a condition not known until apply is left for then, as in Terraform.

use std::collections::HashMap;

use plinth_config::{Configuration, Diagnostics};
use plinth_core::ResourceAddress;
use plinth_state::State;

use crate::configured::Known;
use crate::error::PlanError;
use crate::observe::Observations;
use crate::plan::{LeftOut, Plan};
use crate::planned::PlannedObject;

/// The warnings of the `check` blocks, or the failed preconditions as an error.
pub(crate) fn check(
    config: &Configuration,
    prior: &State,
    observed: &Observations,
    plan: &Plan,
    left_out: &LeftOut,
) -> Result<Diagnostics, PlanError> {
    if !plinth_config::has_plan_conditions(config) {
        return Ok(Diagnostics::default());
    }
    let planned: HashMap<ResourceAddress, PlannedObject> = plan
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

#[cfg(test)]
mod tests {
    use crate::error::PlanError;
    use crate::observe::PlanOptions;
    use crate::testing::{World, config};

    fn hcl(replicas: u32, expected_version: &str) -> String {
        format!(
            r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values        = {{ replicas = {replicas} }}
  lifecycle {{
    precondition {{
      condition     = huaweicloud_cce_addon.dns.values.replicas <= 3
      error_message = "at most 3 replicas"
    }}
  }}
}}

check "version" {{
  assert {{
    condition     = huaweicloud_cce_addon.dns.version == "{expected_version}"
    error_message = "coredns is not {expected_version}"
  }}
}}
"#
        )
    }

    #[test]
    fn a_false_precondition_is_a_configuration_error_and_a_false_check_a_warning() {
        let world = World::new();
        let error = world
            .plan(&config(&hcl(5, "1.28.6")), &PlanOptions::default())
            .unwrap_err();
        let PlanError::Configuration(diagnostics) = error else {
            panic!("{error}");
        };
        assert!(
            diagnostics
                .to_string()
                .contains("resource precondition failed: at most 3 replicas"),
            "{diagnostics}"
        );
        let plan = world
            .plan(&config(&hcl(2, "1.30.6")), &PlanOptions::default())
            .unwrap();
        let warnings = plan.warnings().to_string();
        assert!(
            warnings.contains("check assertion failed: coredns is not 1.30.6"),
            "{warnings}"
        );
        assert_eq!(plan.warnings().error_count(), 0);
        let plan = world
            .plan(&config(&hcl(2, "1.28.6")), &PlanOptions::default())
            .unwrap();
        assert!(plan.warnings().is_empty());
    }
}

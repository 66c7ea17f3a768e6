//! `--target` and `--exclude` naming a module instance or call (`module.dns`,
//! `module.dns["c1"]`): they select every resource below it, which is known only once the
//! configuration and the state are loaded, so they are kept aside when the flags are parsed and
//! resolved into resource addresses then.

use plinth_config::Configuration;
use plinth_core::{ModulePath, ResourceAddress};
use plinth_planner::PlanOptions;

use crate::commands::Hinted;

/// The module paths given to `--target` and `--exclude`.
#[derive(Debug, Clone, Default)]
pub struct ModuleSelections {
    targets: Vec<ModulePath>,
    excludes: Vec<ModulePath>,
}

impl ModuleSelections {
    /// The texts of `--target` and `--exclude` that name modules, not resources.
    pub fn from_flags(targets: &[String], excludes: &[String]) -> ModuleSelections {
        ModuleSelections {
            targets: module_paths(targets),
            excludes: module_paths(excludes),
        }
    }
}

/// The resource addresses of `texts`, leaving out those that name a module (which
/// [`ModuleSelections::from_flags`] keeps).
pub fn resource_addresses(texts: &[String]) -> anyhow::Result<Vec<ResourceAddress>> {
    texts
        .iter()
        .filter(|text| text.parse::<ModulePath>().is_err())
        .map(|text| Ok(text.parse::<ResourceAddress>()?))
        .collect()
}

fn module_paths(texts: &[String]) -> Vec<ModulePath> {
    texts.iter().filter_map(|text| text.parse().ok()).collect()
}

/// Resolves the modules selected into `options`, then checks that every selection matches
/// something ([`super::planning::check_selection`]).
pub fn select(
    config: &Configuration,
    state: &plinth_state::State,
    selections: &ModuleSelections,
    options: &mut PlanOptions,
) -> anyhow::Result<()> {
    resolve(config, state, selections, options)?;
    super::planning::check_selection(config, state, options)
}

/// Adds to `options` the resources below each module selected: every block of the
/// configuration and every record of the state in it. A module that holds none is refused, as
/// a resource address that matches nothing is.
fn resolve(
    config: &Configuration,
    state: &plinth_state::State,
    selections: &ModuleSelections,
    options: &mut PlanOptions,
) -> anyhow::Result<()> {
    let lists = [
        ("--target", &selections.targets, &mut options.targets),
        ("--exclude", &selections.excludes, &mut options.excludes),
    ];
    for (flag, modules, addresses) in lists {
        for module in modules {
            let before = addresses.len();
            addresses.extend(
                config
                    .all_resources()
                    .iter()
                    .map(plinth_config::Resource::address)
                    .chain(state.resources().keys())
                    .filter(|address| module.contains(address.module()))
                    .cloned(),
            );
            if addresses.len() == before {
                let shown = module.to_string();
                return Err(Hinted {
                    message: format!(
                        "`{flag} {}` matches no resource of the configuration or the state",
                        shown.trim_end_matches('.')
                    ),
                    hint: "`plinth state list` lists the resources of the state".to_owned(),
                }
                .into());
            }
            addresses.sort();
            addresses.dedup();
        }
    }
    Ok(())
}

//! What `plan`, `apply`, `destroy`, `graph` and `import` share: loading the configuration,
//! turning flags into plan options, the async runtime, and locking the state.

use std::io::Write as _;

use anyhow::Context;
use plinth_config::Configuration;
use plinth_core::ResourceAddress;
use plinth_planner::{Adoption, PlanOptions};

use crate::args::{PlanningArgs, VarArgs};
use crate::commands::{Hinted, InvalidConfiguration};
use crate::workspace::Workspace;

/// Loads the configuration; its warnings are printed, its errors become [`InvalidConfiguration`].
pub fn load_configuration(workspace: &Workspace, vars: &VarArgs) -> anyhow::Result<Configuration> {
    match workspace.load_configuration(vars) {
        Ok(config) => {
            if !config.warnings().is_empty() {
                crate::diagnostics::print(config.warnings())?;
            }
            Ok(config)
        }
        Err(diagnostics) => Err(InvalidConfiguration(diagnostics).into()),
    }
}

/// A refresh-and-plan's error, with a configuration problem found while planning (the template
/// checks: a misspelt template, a version the template lacks, ...) as [`InvalidConfiguration`],
/// so it shows as code frames; and the plan's warnings printed.
pub fn planned(
    result: Result<(plinth_planner::Plan, plinth_planner::Observations), plinth_apply::ApplyError>,
) -> anyhow::Result<plinth_planner::Plan> {
    match result {
        Ok((plan, _)) => {
            if !plan.warnings().is_empty() {
                crate::diagnostics::print(plan.warnings())?;
            }
            Ok(plan)
        }
        Err(plinth_apply::ApplyError::Plan(plinth_planner::PlanError::Configuration(found))) => {
            Err(InvalidConfiguration(found).into())
        }
        Err(error) => Err(error.into()),
    }
}

/// Writes the warnings of the configuration and of the plan as `diagnostic` lines of the
/// `--json` stream (stderr has them as code frames already), then its `plan` line.
pub fn stream_plan(
    stream: &crate::render::stream::JsonStream,
    config: &Configuration,
    view: &crate::render::PlanView<'_>,
    plan: &plinth_planner::Plan,
) -> std::io::Result<()> {
    stream.diagnostics(&crate::diagnostics::warning_lines(config.warnings()))?;
    stream.diagnostics(&crate::diagnostics::warning_lines(plan.warnings()))?;
    stream.plan(view)
}

/// Refuses `import` blocks whose targets have no `resource` block (unless their configuration
/// is generated); the diagnostics become [`InvalidConfiguration`].
pub fn check_import_targets(config: &Configuration) -> anyhow::Result<()> {
    match config.check_import_targets() {
        Ok(()) => Ok(()),
        Err(diagnostics) => Err(InvalidConfiguration(diagnostics).into()),
    }
}

/// The plan options the flags ask for.
pub fn plan_options(args: &PlanningArgs) -> anyhow::Result<PlanOptions> {
    Ok(PlanOptions {
        targets: super::selection::resource_addresses(&args.targets)?,
        excludes: super::selection::resource_addresses(&args.excludes)?,
        replace: parse_addresses(&args.replace)?,
        refresh_only: args.refresh_only,
        destroy: false,
        adopt: if args.no_adopt {
            Adoption::ExplicitOnly
        } else {
            Adoption::ByNaturalKey
        },
    })
}

/// Addresses given on the command line, each parsed once.
pub fn parse_addresses(texts: &[String]) -> anyhow::Result<Vec<ResourceAddress>> {
    texts
        .iter()
        .map(|text| Ok(text.parse::<ResourceAddress>()?))
        .collect()
}

/// The multi-threaded runtime a command's cloud work runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Refuses a `--target` or `--exclude` address that matches nothing: no block of the
/// configuration (for an instance address, its block) and no record of the state. A typo
/// would otherwise plan nothing and say "No changes". Suggests the closest address known.
pub fn check_selection(
    config: &Configuration,
    state: &plinth_state::State,
    options: &PlanOptions,
) -> anyhow::Result<()> {
    let selections = [
        ("--target", &options.targets),
        ("--exclude", &options.excludes),
    ];
    for (flag, addresses) in selections {
        for address in addresses {
            let configured = config
                .all_resources()
                .iter()
                .any(|resource| resource.address().contains(&address.resource()));
            let recorded = state
                .resources()
                .keys()
                .any(|recorded| address.contains(recorded));
            if configured || recorded {
                continue;
            }
            let known = config
                .all_resources()
                .iter()
                .map(|resource| resource.address().to_string())
                .chain(state.resources().keys().map(ToString::to_string));
            let wanted = address.to_string();
            let closest = known
                .map(|candidate| (strsim::jaro_winkler(&wanted, &candidate), candidate))
                .filter(|(score, _)| *score > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            let hint = match closest {
                Some((_, candidate)) => format!("did you mean `{flag} {candidate}`?"),
                None => "`plinth state list` lists the resources of the state".to_owned(),
            };
            return Err(Hinted {
                message: format!(
                    "`{flag} {wanted}` matches no resource of the configuration or the state"
                ),
                hint,
            }
            .into());
        }
    }
    Ok(())
}

/// Terraform's warning that a plan made with `--target` or `--exclude` may not be all the
/// configuration asks for; on stderr, so that stdout stays the plan.
pub fn warn_selection(options: &PlanOptions) -> std::io::Result<()> {
    if options.targets.is_empty() && options.excludes.is_empty() {
        return Ok(());
    }
    let mut stderr = std::io::stderr().lock();
    writeln!(
        stderr,
        "{}: resource targeting is in effect\n\n  You are creating a plan with --target or \
         --exclude, which means that the result of this plan may not represent all of the \
         changes requested by the current configuration.\n\n  --target and --exclude are not \
         for routine use: they are for exceptional situations such as recovering from errors or \
         mistakes.\n",
        console::style("warning").yellow().bold()
    )
}

/// The failed assertions of the configuration's `check` blocks (of a plan, or after an
/// apply), as warnings on stderr: they do not stop the run.
pub fn warn_checks(warnings: &plinth_config::Diagnostics) -> anyhow::Result<()> {
    if !warnings.is_empty() {
        crate::diagnostics::print(warnings)?;
    }
    Ok(())
}

//! What `plan`, `apply`, `destroy`, `graph` and `import` share: loading the configuration,
//! turning flags into plan options, the async runtime, and locking the state.

use anyhow::Context;
use plinth_config::Configuration;
use plinth_core::ResourceAddress;
use plinth_planner::{Adoption, PlanOptions};

use crate::args::{PlanningArgs, VarArgs};
use crate::commands::AlreadyReported;
use crate::workspace::Workspace;

/// Loads the configuration; diagnostics are printed and become [`AlreadyReported`].
pub fn load_configuration(workspace: &Workspace, vars: &VarArgs) -> anyhow::Result<Configuration> {
    match workspace.load_configuration(vars) {
        Ok(config) => {
            if !config.warnings().is_empty() {
                crate::diagnostics::print(config.warnings())?;
            }
            Ok(config)
        }
        Err(diagnostics) => {
            crate::diagnostics::print(&diagnostics)?;
            Err(AlreadyReported.into())
        }
    }
}

/// Refuses `import` blocks whose targets have no `resource` block (unless their configuration
/// is generated); the diagnostics are printed and become [`AlreadyReported`].
pub fn check_import_targets(config: &Configuration) -> anyhow::Result<()> {
    match config.check_import_targets() {
        Ok(()) => Ok(()),
        Err(diagnostics) => {
            crate::diagnostics::print(&diagnostics)?;
            Err(AlreadyReported.into())
        }
    }
}

/// The plan options the flags ask for.
pub fn plan_options(args: &PlanningArgs) -> anyhow::Result<PlanOptions> {
    Ok(PlanOptions {
        targets: parse_addresses(&args.targets)?,
        excludes: parse_addresses(&args.excludes)?,
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

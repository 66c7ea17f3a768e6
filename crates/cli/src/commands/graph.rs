//! `plinth graph`: the plan's dependency graph in DOT, planned from the state alone (no cloud).

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_planner::{Observations, PlanOptions};

use crate::args::GraphArgs;
use crate::commands::planning::load_configuration;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let config = load_configuration(workspace, &args.vars)?;
    let state = workspace.load_state()?;
    let plan = plinth_planner::plan(
        &config,
        &state,
        &Observations::new(),
        &PlanOptions::default(),
    )?;
    write!(io::stdout().lock(), "{}", plan.to_dot())?;
    Ok(ExitCode::SUCCESS)
}

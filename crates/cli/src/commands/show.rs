//! `plinth show [--json]`: the state, as a person reads it or as its JSON.

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_state::ListFilter;

use crate::args::ShowArgs;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let state = workspace.load_state()?;
    let mut stdout = io::stdout().lock();
    if args.json {
        write!(stdout, "{}", state.to_json())?;
        return Ok(ExitCode::SUCCESS);
    }
    let resources = state.list(&ListFilter::default());
    if resources.is_empty() && state.outputs().is_empty() {
        writeln!(
            stdout,
            "The state is empty: plinth manages nothing here yet."
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    for (index, (address, resource)) in resources.iter().enumerate() {
        if index > 0 {
            writeln!(stdout)?;
        }
        write!(
            stdout,
            "{}",
            crate::state_view::resource_block(address, resource)
        )?;
    }
    if !state.outputs().is_empty() {
        writeln!(stdout, "\nOutputs:\n")?;
        for (name, output) in state.outputs() {
            writeln!(
                stdout,
                "{name} = {}",
                crate::commands::output::display(output)
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

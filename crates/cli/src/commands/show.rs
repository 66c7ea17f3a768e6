//! `plinth show [PLANFILE] [--json | --markdown]`: the state, or a saved plan, as a person reads
//! it, as JSON, or as Markdown for a review comment.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use plinth_state::ListFilter;

use crate::args::ShowArgs;
use crate::planfile::PlanFile;
use crate::render::{self, RenderOptions};
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    if let Some(path) = &args.planfile {
        let saved =
            PlanFile::load(&workspace.resolve(path)).map_err(crate::commands::Hinted::from)?;
        let mut stdout = io::BufWriter::new(stdout);
        if args.json {
            render::write_json(&mut stdout, saved.plan())?;
        } else if args.markdown {
            render::write_document_markdown(&mut stdout, saved.plan())?;
        } else {
            let color = console::colors_enabled() && io::stdout().is_terminal();
            render::write_document_text(&mut stdout, saved.plan(), RenderOptions { color })?;
        }
        stdout.flush()?;
        return Ok(ExitCode::SUCCESS);
    }
    let state = workspace.load_state()?;
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

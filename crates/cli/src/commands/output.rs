//! `plinth output [NAME] [--json]`: the outputs recorded by the last apply.

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_state::OutputState;
use serde_json::json;

use crate::args::OutputArgs;
use crate::commands::Hinted;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &OutputArgs) -> anyhow::Result<ExitCode> {
    let state = workspace.load_state()?;
    let mut stdout = io::stdout().lock();
    if let Some(name) = &args.name {
        let output = state.output(name)?;
        match output {
            OutputState::Plain(value) if args.json => writeln!(stdout, "{value}")?,
            OutputState::Plain(value) => writeln!(stdout, "{}", hcl_value(value))?,
            OutputState::Sensitive(_) => {
                return Err(Hinted {
                    message: format!(
                        "output `{name}` is sensitive: the state keeps only a fingerprint of it, \
                         never the value"
                    ),
                    hint: "read the value from where it comes from (the variable or the cloud)"
                        .to_owned(),
                }
                .into());
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    if args.json {
        let document: serde_json::Map<String, serde_json::Value> = state
            .outputs()
            .iter()
            .map(|(name, output)| {
                let entry = match output {
                    OutputState::Plain(value) => json!({ "sensitive": false, "value": value }),
                    OutputState::Sensitive(_) => json!({ "sensitive": true }),
                };
                (name.clone(), entry)
            })
            .collect();
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
        return Ok(ExitCode::SUCCESS);
    }
    for (name, output) in state.outputs() {
        writeln!(stdout, "{name} = {}", display(output))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// An output as `plinth output` and `plinth show` print it: its HCL form, or `<sensitive>`.
pub fn display(output: &OutputState) -> String {
    match output {
        OutputState::Plain(value) => hcl_value(value),
        OutputState::Sensitive(_) => "<sensitive>".to_owned(),
    }
}

fn hcl_value(value: &serde_json::Value) -> String {
    let value = hcl::to_value(value).unwrap_or(hcl::Value::Null);
    hcl::format::to_string(&value).unwrap_or_else(|_| value.to_string())
}

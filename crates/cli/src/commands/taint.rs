//! `plinth taint ADDR` and `plinth untaint ADDR`: mark a resource instance in the state for
//! replacement by the next apply, or clear that mark. The cloud is not touched.

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_core::ResourceAddress;
use plinth_state::Status;

use crate::args::TaintArgs;
use crate::commands::state::lock_request;
use crate::workspace::Workspace;

pub fn taint(workspace: &Workspace, args: &TaintArgs) -> anyhow::Result<ExitCode> {
    let address = set_status(workspace, args, "taint", Status::Tainted)?;
    writeln!(
        io::stdout().lock(),
        "Resource instance {address} has been marked as tainted."
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn untaint(workspace: &Workspace, args: &TaintArgs) -> anyhow::Result<ExitCode> {
    let address = set_status(workspace, args, "untaint", Status::Ready)?;
    writeln!(
        io::stdout().lock(),
        "Resource instance {address} has been successfully untainted."
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Sets the status of the instance under the state lock, and saves.
fn set_status(
    workspace: &Workspace,
    args: &TaintArgs,
    operation: &str,
    status: Status,
) -> anyhow::Result<ResourceAddress> {
    let address: ResourceAddress = args.address.parse()?;
    let storage = workspace.storage()?;
    let guard = storage.lock(&lock_request(operation, &args.lock))?;
    let mut state = storage.load()?;
    state.set_status(&address, status)?;
    storage.save(&mut state, &guard)?;
    Ok(address)
}

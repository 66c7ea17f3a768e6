//! `plinth state list | show | rm | mv`: the state, inspected and changed by hand.

use plinth_core::ResourceAddress;
use std::io::{self, Write};
use std::process::ExitCode;

use plinth_state::{ListFilter, LockRequest, StateStorage};

use crate::args::{LockArgs, StateCommand};
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, command: StateCommand) -> anyhow::Result<ExitCode> {
    match command {
        StateCommand::List { addresses, id } => list(workspace, &addresses, id),
        StateCommand::Show { address } => show(workspace, &address),
        StateCommand::Rm { addresses, lock } => remove(workspace, &addresses, &lock),
        StateCommand::Mv {
            source,
            destination,
            lock,
        } => move_resource(workspace, &source, &destination, &lock),
    }
}

fn list(
    workspace: &Workspace,
    addresses: &[String],
    id: Option<String>,
) -> anyhow::Result<ExitCode> {
    let state = workspace.load_state()?;
    let filter = ListFilter {
        addresses: parse_addresses(addresses)?,
        id,
    };
    let mut stdout = io::stdout().lock();
    for (address, _) in state.list(&filter) {
        writeln!(stdout, "{address}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn show(workspace: &Workspace, address: &str) -> anyhow::Result<ExitCode> {
    let address = parse_address(address)?;
    let state = workspace.load_state()?;
    let resource = state.show(&address)?;
    write!(
        io::stdout().lock(),
        "{}",
        crate::state_view::resource_block(&address, resource)
    )?;
    Ok(ExitCode::SUCCESS)
}

fn remove(
    workspace: &Workspace,
    addresses: &[String],
    lock: &LockArgs,
) -> anyhow::Result<ExitCode> {
    let addresses = parse_addresses(addresses)?;
    let storage = workspace.storage();
    let guard = storage.lock(&lock_request("state rm", lock))?;
    let mut state = storage.load()?;
    let removed = state.remove(&addresses)?;
    storage.save(&mut state, &guard)?;
    let mut stdout = io::stdout().lock();
    for (address, _) in &removed {
        writeln!(stdout, "Removed {address}")?;
    }
    writeln!(
        stdout,
        "Successfully removed {} resource instance{} from the state; the cloud was not changed.",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" }
    )?;
    Ok(ExitCode::SUCCESS)
}

fn move_resource(
    workspace: &Workspace,
    source: &str,
    destination: &str,
    lock: &LockArgs,
) -> anyhow::Result<ExitCode> {
    // `state mv module.a module.b` moves every record of a module; else two resource addresses.
    let modules = match (
        source.parse::<plinth_core::ModulePath>(),
        destination.parse::<plinth_core::ModulePath>(),
    ) {
        (Ok(source), Ok(destination)) => Some((source, destination)),
        _ => None,
    };
    let addresses = match modules {
        Some(_) => None,
        None => Some((parse_address(source)?, parse_address(destination)?)),
    };
    let storage = workspace.storage();
    let guard = storage.lock(&lock_request("state mv", lock))?;
    let mut state = storage.load()?;
    let moved = match (modules, addresses) {
        (Some((source, destination)), _) => state.move_module(&source, &destination)?,
        (None, Some((source, destination))) => state.move_resource(&source, &destination)?,
        (None, None) => Vec::new(),
    };
    storage.save(&mut state, &guard)?;
    let mut stdout = io::stdout().lock();
    for step in &moved {
        writeln!(stdout, "Moved {} to {}", step.from, step.to)?;
    }
    writeln!(
        stdout,
        "Successfully moved {} resource instance{}.",
        moved.len(),
        if moved.len() == 1 { "" } else { "s" }
    )?;
    Ok(ExitCode::SUCCESS)
}

/// A lock request for `operation` waiting as long as `--lock-timeout` says.
pub fn lock_request(operation: &str, lock: &LockArgs) -> LockRequest {
    LockRequest {
        operation: operation.to_owned(),
        timeout: lock.lock_timeout,
    }
}

fn parse_address(text: &str) -> anyhow::Result<ResourceAddress> {
    Ok(text.parse::<ResourceAddress>()?)
}

fn parse_addresses(texts: &[String]) -> anyhow::Result<Vec<ResourceAddress>> {
    texts.iter().map(|text| parse_address(text)).collect()
}

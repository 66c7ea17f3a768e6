//! `plinth state list | show | rm | mv | pull | push | history`: the state, inspected, changed
//! and moved by hand.

use plinth_core::ResourceAddress;
use std::io::{self, Write};
use std::process::ExitCode;

use plinth_state::{ListFilter, LockRequest, StateError, document};

use crate::args::{LockArgs, StateCommand};
use crate::commands::Hinted;
use crate::workspace::{Storage, Workspace};

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
        StateCommand::Pull => pull(workspace),
        StateCommand::Push { file, force, lock } => push(workspace, &file, force, &lock),
        StateCommand::History => history(workspace),
    }
}

fn pull(workspace: &Workspace) -> anyhow::Result<ExitCode> {
    let state = workspace.load_state()?;
    io::stdout()
        .lock()
        .write_all(document::encode_state(&state).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn push(
    workspace: &Workspace,
    file: &std::path::Path,
    force: bool,
    lock: &LockArgs,
) -> anyhow::Result<ExitCode> {
    let path = workspace.resolve(file);
    let bytes = std::fs::read(&path)
        .map_err(|error| anyhow::anyhow!("cannot read `{}`: {error}", path.display()))?;
    let pushed = match document::decode_state(&bytes, &path.display().to_string()) {
        Ok(state) => state,
        Err(StateError::StoredCorrupt { reason, .. }) => anyhow::bail!(
            "cannot push `{}`: it is not a state file plinth can read: {reason}",
            path.display()
        ),
        Err(error) => return Err(error.into()),
    };
    let storage = workspace.storage()?;
    let guard = storage.lock(&lock_request("state push", lock))?;
    let stored = storage.load()?;
    // A state never saved (serial 0) is no state: nothing to protect.
    let current = (stored.serial() > 0).then(|| (stored.lineage(), stored.serial()));
    if let Err(reason) = document::check_push(current, &pushed)
        && !force
    {
        return Err(StateError::PushRefused {
            location: storage.location(),
            reason,
            hint: format!(
                "`{} state pull` shows the stored state; `--force` replaces it anyway, and the \
                 resources only it records are then forgotten",
                workspace.command()
            ),
        }
        .into());
    }
    storage.overwrite(&pushed, &guard)?;
    writeln!(
        io::stdout().lock(),
        "Pushed the state (lineage {}, serial {}, {} resource instance{}) to {}.",
        pushed.lineage(),
        pushed.serial(),
        pushed.resources().len(),
        if pushed.resources().len() == 1 {
            ""
        } else {
            "s"
        },
        storage.location()
    )?;
    Ok(ExitCode::SUCCESS)
}

fn history(workspace: &Workspace) -> anyhow::Result<ExitCode> {
    let Storage::Pg(storage) = workspace.backend_storage()? else {
        return Err(Hinted {
            message: "the local state file keeps no history beyond its previous version".to_owned(),
            hint: "the previous version is `plinth.state.json.backup`; version control keeps the \
                   others"
                .to_owned(),
        }
        .into());
    };
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "SERIAL  SAVED AT              SAVED BY")?;
    for entry in storage.history()? {
        writeln!(
            stdout,
            "{:<7} {:<21} {}{}",
            entry.serial,
            entry
                .saved_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            entry.saved_by,
            if entry.current { " (current)" } else { "" }
        )?;
    }
    Ok(ExitCode::SUCCESS)
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
    let storage = workspace.storage()?;
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
    let storage = workspace.storage()?;
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

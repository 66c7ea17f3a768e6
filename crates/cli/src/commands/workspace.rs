//! `plinth workspace new | select | list | show | delete`: several states of one configuration.
//!
//! With the local backend, `default` is `plinth.state.json` and workspace NAME is
//! `plinth.state.d/NAME/plinth.state.json`; with PostgreSQL, each workspace is a row. The
//! selected one is remembered in `.plinth/environment`; `PLINTH_WORKSPACE` overrides it.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Context;
use plinth_state::{State, StateStorage};

use crate::args::{LockArgs, WorkspaceCommand};
use crate::commands::Hinted;
use crate::commands::state::lock_request;
use crate::workspace::{
    DEFAULT_WORKSPACE, ENVIRONMENT_FILE, Storage, WORKSPACE_ENV, WORKSPACES_DIR, Workspace,
    check_workspace_name,
};

pub fn run(workspace: &Workspace, command: WorkspaceCommand) -> anyhow::Result<ExitCode> {
    if workspace.has_state_option() {
        anyhow::bail!(
            "workspaces cannot be used with `--state`, which names one state file for every workspace"
        );
    }
    match command {
        WorkspaceCommand::New { name, lock } => new(workspace, &name, &lock),
        WorkspaceCommand::Select { name } => select(workspace, &name),
        WorkspaceCommand::List => list(workspace),
        WorkspaceCommand::Show => {
            writeln!(io::stdout().lock(), "{}", workspace.selected_workspace()?)?;
            Ok(ExitCode::SUCCESS)
        }
        WorkspaceCommand::Delete { name, force, lock } => delete(workspace, &name, force, &lock),
    }
}

/// Whether workspace `name` exists in `storage`: `default` always does.
pub fn exists(workspace: &Workspace, storage: &Storage, name: &str) -> anyhow::Result<bool> {
    if name == DEFAULT_WORKSPACE || workspace.has_state_option() {
        return Ok(true);
    }
    match storage {
        Storage::Local(_) => Ok(workspace.dir().join(WORKSPACES_DIR).join(name).is_dir()),
        Storage::Pg(storage) => Ok(storage.exists()?),
    }
}

/// Every workspace, sorted, `default` first.
fn names(workspace: &Workspace, storage: &Storage) -> anyhow::Result<Vec<String>> {
    let mut names = match storage {
        Storage::Local(_) => {
            let dir = workspace.dir().join(WORKSPACES_DIR);
            match std::fs::read_dir(&dir) {
                Ok(entries) => entries
                    .filter_map(Result::ok)
                    .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
                    .filter_map(|entry| entry.file_name().into_string().ok())
                    .filter(|name| check_workspace_name(name).is_ok())
                    .collect(),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Vec::new(),
                Err(error) => {
                    return Err(anyhow::Error::new(error)
                        .context(format!("cannot read `{}`", dir.display())));
                }
            }
        }
        Storage::Pg(storage) => storage.workspaces()?,
    };
    names.retain(|name| name != DEFAULT_WORKSPACE);
    names.sort();
    names.insert(0, DEFAULT_WORKSPACE.to_owned());
    Ok(names)
}

fn new(workspace: &Workspace, name: &str, lock: &LockArgs) -> anyhow::Result<ExitCode> {
    check_workspace_name(name)?;
    let storage = workspace.storage_of(name)?;
    if exists(workspace, &storage, name)? {
        return Err(Hinted {
            message: format!("the workspace `{name}` already exists"),
            hint: format!(
                "select it with `{} workspace select {name}`",
                workspace.command()
            ),
        }
        .into());
    }
    match &storage {
        Storage::Local(_) => {
            let dir = workspace.dir().join(WORKSPACES_DIR).join(name);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        Storage::Pg(storage) => {
            // The workspace exists once it has a state: an empty one.
            let guard = storage.lock(&lock_request("workspace new", lock))?;
            storage.save(&mut State::new(), &guard)?;
        }
    }
    remember(workspace, name)?;
    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "Created and selected the workspace `{name}`: its state is empty."
    )?;
    warn_if_overridden(name)?;
    Ok(ExitCode::SUCCESS)
}

fn select(workspace: &Workspace, name: &str) -> anyhow::Result<ExitCode> {
    check_workspace_name(name)?;
    let storage = workspace.storage_of(name)?;
    if !exists(workspace, &storage, name)? {
        return Err(Hinted {
            message: format!("the workspace `{name}` does not exist"),
            hint: format!(
                "create it with `{} workspace new {name}`; `{} workspace list` lists the workspaces",
                workspace.command(),
                workspace.command()
            ),
        }
        .into());
    }
    remember(workspace, name)?;
    writeln!(io::stdout().lock(), "Selected the workspace `{name}`.")?;
    warn_if_overridden(name)?;
    Ok(ExitCode::SUCCESS)
}

fn list(workspace: &Workspace) -> anyhow::Result<ExitCode> {
    let selected = workspace.selected_workspace()?;
    let storage = workspace.storage_of(&selected)?;
    let mut stdout = io::stdout().lock();
    for name in names(workspace, &storage)? {
        let mark = if name == selected { '*' } else { ' ' };
        writeln!(stdout, "{mark} {name}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn delete(
    workspace: &Workspace,
    name: &str,
    force: bool,
    lock: &LockArgs,
) -> anyhow::Result<ExitCode> {
    check_workspace_name(name)?;
    if name == DEFAULT_WORKSPACE {
        anyhow::bail!("the workspace `default` cannot be deleted");
    }
    if workspace.selected_workspace()? == name {
        return Err(Hinted {
            message: format!("the workspace `{name}` is the selected one"),
            hint: format!(
                "select another first: `{} workspace select default`",
                workspace.command()
            ),
        }
        .into());
    }
    let storage = workspace.storage_of(name)?;
    if !exists(workspace, &storage, name)? {
        anyhow::bail!("the workspace `{name}` does not exist");
    }
    let guard = storage
        .as_dyn()
        .lock(&lock_request("workspace delete", lock))?;
    let state = storage.as_dyn().load()?;
    let count = state.resources().len();
    if count > 0 && !force {
        return Err(Hinted {
            message: format!(
                "the workspace `{name}` records {count} resource instance{}",
                if count == 1 { "" } else { "s" }
            ),
            hint: format!(
                "destroy them first (`{cmd} workspace select {name}`, then `{cmd} destroy`), or \
                 pass `--force` to forget them: they stay in the cloud, unmanaged",
                cmd = workspace.command()
            ),
        }
        .into());
    }
    match &storage {
        Storage::Local(_) => {
            let dir = workspace.dir().join(WORKSPACES_DIR).join(name);
            drop(guard);
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("cannot remove `{}`", dir.display()))?;
        }
        Storage::Pg(storage) => {
            storage.delete(&guard)?;
            drop(guard);
        }
    }
    writeln!(io::stdout().lock(), "Deleted the workspace `{name}`.")?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `.plinth/environment`.
fn remember(workspace: &Workspace, name: &str) -> anyhow::Result<()> {
    let path = workspace.dir().join(ENVIRONMENT_FILE);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    std::fs::write(&path, format!("{name}\n"))
        .with_context(|| format!("cannot write `{}`", path.display()))
}

fn warn_if_overridden(name: &str) -> anyhow::Result<()> {
    if let Some(other) = std::env::var(WORKSPACE_ENV)
        .ok()
        .filter(|value| !value.is_empty() && value != name)
    {
        writeln!(
            io::stderr().lock(),
            "warning: `{WORKSPACE_ENV}={other}` is set, and selects `{other}` over `{name}` while it is"
        )?;
    }
    Ok(())
}

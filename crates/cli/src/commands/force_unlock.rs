//! `plinth force-unlock LOCK_ID`: break a state lock, after asking (or with `--force`), and
//! never the lock of a run still alive on this machine unless forced.

use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;

use plinth_state::{ForceUnlock, StateStorage};

use crate::args::ForceUnlockArgs;
use crate::commands::{ExitStatus, Hinted};
use crate::workspace::{Storage, Workspace};

pub fn run(workspace: &Workspace, args: &ForceUnlockArgs) -> anyhow::Result<ExitCode> {
    let storage = match workspace.backend_storage()? {
        Storage::Local(storage) => storage,
        Storage::Pg(storage) => return run_pg(workspace, &storage, args),
    };
    let id = args.lock_id.trim();
    // A lock id that is not the held one is refused by the storage, naming the holder.
    let holder = storage
        .lock_holder()
        .filter(|holder| holder.id.to_string() == id);
    if let Some(holder) = holder.as_ref().filter(|_| !args.force) {
        if holder.is_alive_on_this_host() {
            return Err(Hinted {
                message: format!(
                    "the lock {id} is held by {}, a run that is still going on this machine",
                    holder.describe()
                ),
                hint: format!(
                    "wait for it to finish or stop it (its lock is then released); `{} \
                     force-unlock --force {id}` breaks the lock anyway, and two runs changing the \
                     same state can lose resources",
                    workspace.command()
                ),
            }
            .into());
        }
        if !confirm(workspace, id, &holder.describe())? {
            writeln!(
                io::stdout().lock(),
                "Force-unlock cancelled: the lock is kept."
            )?;
            return Ok(ExitStatus::Failure.into());
        }
    }
    let outcome = storage.force_unlock(id)?;
    report(outcome)
}

/// PostgreSQL: a lock whose session is alive is never broken (the storage refuses it, `--force`
/// or not); the record of one whose session is gone is cleared after asking.
fn run_pg(
    workspace: &Workspace,
    storage: &plinth_state_pg::PgStorage,
    args: &ForceUnlockArgs,
) -> anyhow::Result<ExitCode> {
    let id = args.lock_id.trim();
    let holder = storage
        .lock_holder()?
        .filter(|holder| holder.info.id.to_string() == id && !holder.session_alive);
    if let Some(holder) = holder.as_ref().filter(|_| !args.force)
        && !confirm(workspace, id, &holder.info.describe())?
    {
        writeln!(
            io::stdout().lock(),
            "Force-unlock cancelled: the lock is kept."
        )?;
        return Ok(ExitStatus::Failure.into());
    }
    report(storage.force_unlock(id)?)
}

fn report(outcome: ForceUnlock) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    match outcome {
        ForceUnlock::Cleared(info) => writeln!(
            stdout,
            "The lock {} was not held any more; its record ({}) was cleared.",
            info.id,
            info.describe()
        )?,
        ForceUnlock::Broken(info) => writeln!(
            stdout,
            "The lock {} held by {} was broken. Make sure that run has stopped: two runs changing \
             the same state can lose resources.",
            info.id,
            info.describe()
        )?,
    }
    Ok(ExitStatus::Success.into())
}

/// Asks for `yes` on a terminal; refuses without one (`--force` does not ask).
fn confirm(workspace: &Workspace, id: &str, holder: &str) -> anyhow::Result<bool> {
    if !io::stdin().is_terminal() {
        return Err(Hinted {
            message: "cannot ask for confirmation: standard input is not a terminal".to_owned(),
            hint: format!(
                "make sure the run holding the lock has stopped, then run `{} force-unlock \
                 --force {id}`",
                workspace.command()
            ),
        }
        .into());
    }
    let mut stdout = io::stdout().lock();
    write!(
        stdout,
        "Do you really want to force-unlock?\n  The lock {id} is held by {holder}.\n  Breaking the \
         lock of a run that is still going lets two runs change the same state, which can lose \
         resources.\n  Only 'yes' will be accepted to confirm.\n\n  Enter a value: "
    )?;
    stdout.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

//! `plinth force-unlock LOCK_ID`.

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_state::{ForceUnlock, StateStorage};

use crate::args::ForceUnlockArgs;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &ForceUnlockArgs) -> anyhow::Result<ExitCode> {
    let outcome = workspace.storage().force_unlock(&args.lock_id)?;
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
    Ok(ExitCode::SUCCESS)
}

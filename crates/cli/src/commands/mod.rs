//! One module per command. Each `run` returns the exit status or an error for `main` to report.

pub mod apply;
pub mod completions;
pub mod discover;
pub mod emulator;
pub mod fmt;
pub mod force_unlock;
pub mod graph;
pub mod import;
pub mod output;
pub mod plan;
mod planning;
mod selection;
pub mod show;
pub mod state;
pub mod taint;
pub mod validate;
pub mod workspace;

use std::fmt as stdfmt;
use std::process::ExitCode;

/// How a run of plinth ends, mapped once to the process's exit status (docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: done, nothing to report.
    Success,
    /// 1: an error, including a mistyped command or flag (clap's usage errors).
    Failure,
    /// 2: `plan --detailed-exitcode` found changes (resources or outputs).
    Changes,
    /// 3: `fmt --check` found a file that is not in the canonical layout.
    WouldReformat,
    /// 130 (128 + SIGINT, as shells report it): an apply or destroy was interrupted.
    Interrupted,
}

impl ExitStatus {
    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Failure => 1,
            ExitStatus::Changes => 2,
            ExitStatus::WouldReformat => 3,
            ExitStatus::Interrupted => 130,
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status.code())
    }
}

/// An error with a clear next step, printed as a `hint:` line after the message.
#[derive(Debug)]
pub struct Hinted {
    /// What went wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl stdfmt::Display for Hinted {
    fn fmt(&self, f: &mut stdfmt::Formatter<'_>) -> stdfmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Hinted {}

impl From<crate::planfile::PlanFileError> for Hinted {
    fn from(err: crate::planfile::PlanFileError) -> Self {
        let hint = err
            .hint()
            .unwrap_or_else(|| "run `plinth plan --out FILE` again".to_owned());
        Self {
            message: err.to_string(),
            hint,
        }
    }
}

impl From<crate::planfile::VariableMismatch> for Hinted {
    fn from(mismatch: crate::planfile::VariableMismatch) -> Self {
        Self {
            message: format!("the saved plan cannot be applied: {mismatch}"),
            hint: mismatch.hint(),
        }
    }
}

impl From<crate::planfile::StalePlan> for Hinted {
    fn from(stale: crate::planfile::StalePlan) -> Self {
        Self {
            message: format!("the saved plan cannot be applied: {stale}"),
            hint: stale.hint().to_owned(),
        }
    }
}

/// An invalid configuration: `main` prints its diagnostics as code frames (and, under `--json`,
/// as `diagnostic` lines).
#[derive(Debug)]
pub struct InvalidConfiguration(pub plinth_config::Diagnostics);

impl stdfmt::Display for InvalidConfiguration {
    fn fmt(&self, f: &mut stdfmt::Formatter<'_>) -> stdfmt::Result {
        let errors = self.0.error_count();
        write!(
            f,
            "the configuration has {errors} error{}",
            if errors == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for InvalidConfiguration {}

/// An error whose explanation was already printed (configuration diagnostics, an apply's
/// summary): `main` only sets the exit status.
#[derive(Debug)]
pub struct AlreadyReported;

impl stdfmt::Display for AlreadyReported {
    fn fmt(&self, f: &mut stdfmt::Formatter<'_>) -> stdfmt::Result {
        f.write_str("the errors above")
    }
}

impl std::error::Error for AlreadyReported {}

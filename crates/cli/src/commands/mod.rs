//! One module per command. Each `run` returns the exit status or an error for `main` to report.

pub mod completions;
pub mod emulator;
pub mod fmt;
pub mod force_unlock;
pub mod output;
pub mod show;
pub mod state;
pub mod validate;

use std::fmt as stdfmt;

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

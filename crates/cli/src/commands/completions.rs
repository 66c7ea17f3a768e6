//! `plinth completions SHELL`.

use std::io;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::args::{Cli, CompletionsArgs};

pub fn run(args: &CompletionsArgs) -> ExitCode {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "plinth", &mut io::stdout().lock());
    ExitCode::SUCCESS
}

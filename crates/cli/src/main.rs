//! The `plinth` binary: parses the command line, runs one command, and turns every outcome into
//! output and an exit status. It is the only crate of plinth that prints.
//!
//! Exit status ([`commands::ExitStatus`], docs/cli.md): 0 success, 1 error (usage errors
//! included), 2 a plan with changes under `--detailed-exitcode`, 3 `fmt --check` found a file
//! to reformat, 130 interrupted.

mod args;
mod commands;
mod diagnostics;
mod interrupt;
mod planfile;
mod progress;
mod render;
mod session;
mod state_view;
mod workspace;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::args::{Cli, Command};
use crate::commands::ExitStatus;
use crate::render::stream::{JsonStream, StreamCommand};

fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(err) => return usage(&err).into(),
    };
    if cli.global.no_color {
        console::set_colors_enabled(false);
        console::set_colors_enabled_stderr(false);
    }
    let stream = json_stream(&cli.command);
    match run(cli, &matches) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`plinth show | head`) is not an error worth a message.
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            report(&err, stream);
            ExitStatus::Failure.into()
        }
    }
}

/// The command whose `--json` stream is on stdout, if one is.
fn json_stream(command: &Command) -> Option<StreamCommand> {
    match command {
        Command::Plan(args) if args.json => Some(StreamCommand::Plan),
        Command::Apply(args) if args.json => Some(StreamCommand::Apply),
        Command::Destroy(args) if args.json => Some(StreamCommand::Destroy),
        _ => None,
    }
}

fn run(cli: Cli, matches: &clap::ArgMatches) -> anyhow::Result<ExitCode> {
    let workspace = workspace::Workspace::new(&cli.global)?;
    match cli.command {
        Command::Validate(args) => commands::validate::run(&workspace, &args),
        Command::Fmt(args) => commands::fmt::run(&workspace, &args),
        Command::Plan(args) => commands::plan::run(&workspace, &args),
        Command::Apply(args) => {
            let typed = matches
                .subcommand_matches("apply")
                .map(args::planning_flags_typed)
                .unwrap_or_default();
            commands::apply::run(&workspace, &args, &typed)
        }
        Command::Destroy(args) => commands::apply::destroy(&workspace, &args),
        Command::Graph(args) => commands::graph::run(&workspace, &args),
        Command::Import(args) => commands::import::run(&workspace, &args),
        Command::Discover(args) => commands::discover::run(&workspace, &args),
        Command::Taint(args) => commands::taint::taint(&workspace, &args),
        Command::Untaint(args) => commands::taint::untaint(&workspace, &args),
        Command::Show(args) => commands::show::run(&workspace, &args),
        Command::Output(args) => commands::output::run(&workspace, &args),
        Command::State(command) => commands::state::run(&workspace, command),
        Command::ForceUnlock(args) => commands::force_unlock::run(&workspace, &args),
        Command::Workspace(command) => commands::workspace::run(&workspace, command),
        Command::Emulator(args) => commands::emulator::run(&args),
        Command::Completions(args) => Ok(commands::completions::run(&args)),
    }
}

/// Prints what clap has to say (help, version, or a usage error with its suggestion) and gives
/// the exit status: 0 for `--help` and `--version`, 1 for a mistake. Clap's own status for a
/// mistake is 2, which `plan --detailed-exitcode` uses for "there are changes": a typo in a
/// pipeline must not read as drift.
fn usage(err: &clap::Error) -> ExitStatus {
    // Printing fails only when the stream is closed; the status still says what happened.
    let _ = err.print();
    if err.use_stderr() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    }
}

/// Reports the error that stopped the run, the one place every such error is reported: on
/// stderr for people (an invalid configuration as code frames), and, when a `--json` stream is
/// on stdout, as its last lines, `diagnostic` ones (docs/json-stream.md). An error already
/// reported (an apply's failed operations, told by its summary) only sets the exit status.
fn report(err: &anyhow::Error, stream: Option<StreamCommand>) {
    // A plan stopped by the configuration (a failed precondition, a `for_each` not known)
    // reports code frames, as a configuration that does not load does.
    let planned = err.chain().find_map(|cause| {
        let plan_error = cause
            .downcast_ref::<plinth_planner::PlanError>()
            .or_else(|| match cause.downcast_ref::<plinth_apply::ApplyError>() {
                Some(plinth_apply::ApplyError::Plan(plan_error)) => Some(plan_error),
                _ => None,
            });
        match plan_error {
            Some(plinth_planner::PlanError::Configuration(diagnostics)) => Some(diagnostics),
            _ => None,
        }
    });
    let lines = if let Some(invalid) = err.downcast_ref::<commands::InvalidConfiguration>() {
        // Printing fails only when stderr is closed; the exit status still says it.
        let _ = diagnostics::print(&invalid.0);
        diagnostics::config_lines(&invalid.0)
    } else if let Some(diagnostics) = planned {
        let _ = diagnostics::print(diagnostics);
        diagnostics::config_lines(diagnostics)
    } else if err.downcast_ref::<commands::AlreadyReported>().is_some() {
        return;
    } else {
        print_error(err);
        vec![diagnostics::error_line(err)]
    };
    if let Some(command) = stream {
        // As above: a closed stdout cannot be told anything more.
        let _ = JsonStream::stopped_on_stdout(command, &lines);
    }
}

/// Prints an error the way every plinth error looks: `error: ` and the message, its causes, and a
/// `hint:` after a blank line when the error carries one.
fn print_error(err: &anyhow::Error) {
    let mut stderr = io::stderr().lock();
    let error = console::style("error").red().bold();
    let _ = writeln!(stderr, "{error}: {err}");
    for cause in diagnostics::causes_to_show(err) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
    if let Some(hint) = err
        .downcast_ref::<commands::Hinted>()
        .map(|h| h.hint.as_str())
    {
        let _ = writeln!(stderr, "\n{}: {hint}", console::style("hint").cyan().bold());
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

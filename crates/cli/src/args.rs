//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Manage Huawei Cloud ModelArts plug-ins and CCE add-ons as code.
#[derive(Debug, Parser)]
#[command(name = "plinth", version, about, long_about = None, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if plinth was started in DIR (the configuration's directory)
    #[arg(long, global = true, value_name = "DIR")]
    pub chdir: Option<PathBuf>,

    /// The state file [default: plinth.state.json in the configuration's directory]
    #[arg(long, global = true, value_name = "FILE")]
    pub state: Option<PathBuf>,

    /// Never colour the output (colour is only used on a terminal anyway)
    #[arg(long, global = true, env = "NO_COLOR", hide_env_values = true, value_parser = clap::builder::FalseyValueParser::new())]
    pub no_color: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the configuration: syntax, schema, references and variables
    Validate(ValidateArgs),
    /// Rewrite the configuration's files in the canonical layout
    Fmt(FmtArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

/// `plinth validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Print the result as JSON (see docs/language.md, "validate --json")
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub vars: VarArgs,
}

/// Variable values, shared by every command that evaluates the configuration.
#[derive(Debug, Args, Clone, Default)]
pub struct VarArgs {
    /// Set a variable: NAME=VALUE (repeatable)
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub vars: Vec<String>,

    /// Read variables from an HCL file of `name = value` lines (repeatable)
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// `plinth fmt`.
#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Change nothing; exit with status 3 when a file is not in the canonical layout
    #[arg(long)]
    pub check: bool,

    /// Print the changes as a unified diff
    #[arg(long)]
    pub diff: bool,
}

/// `plinth completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    pub shell: clap_complete::Shell,
}

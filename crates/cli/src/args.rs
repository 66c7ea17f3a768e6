//! The command line, declared with clap.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, Args, Parser, Subcommand};

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
    /// Show what apply would change: refresh, compare, and print the plan
    Plan(PlanArgs),
    /// Make the cloud match the configuration (or carry out a saved plan)
    Apply(ApplyArgs),
    /// Delete everything this configuration manages
    Destroy(DestroyArgs),
    /// Print the plan's dependency graph in DOT
    Graph(GraphArgs),
    /// Bring an existing cloud object under plinth's management
    Import(ImportArgs),
    /// Write blocks and `import` blocks for the add-ons and plug-ins nothing here manages
    Discover(DiscoverArgs),
    /// Mark a resource instance for replacement by the next apply
    Taint(TaintArgs),
    /// Clear the taint of a resource instance
    Untaint(TaintArgs),
    /// Show the state, or a saved plan
    Show(ShowArgs),
    /// Show the output values recorded by the last apply
    Output(OutputArgs),
    /// Inspect and change the state by hand
    #[command(subcommand)]
    State(StateCommand),
    /// Release a state lock that a crashed or stuck run left behind
    ForceUnlock(ForceUnlockArgs),
    /// Manage workspaces: several states of one configuration (`plinth.workspace`)
    #[command(subcommand)]
    Workspace(WorkspaceCommand),
    /// Run the local Huawei Cloud emulator (tests, benchmarks, trying plinth out)
    Emulator(EmulatorArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
}

/// `plinth emulator`.
#[derive(Debug, Args)]
pub struct EmulatorArgs {
    /// Address to listen on (loopback only); port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8765")]
    pub listen: std::net::SocketAddr,

    /// Keep the emulated cloud in this JSON file across restarts (its directory must exist)
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// How long each install, upgrade and delete takes, in seconds (0: the next read sees the end)
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub op_seconds: f64,

    /// Answer this fraction of requests with 429, 500, 503 or a dropped connection
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    pub fault_rate: f64,

    /// Seed of the fault injection, so a run can be repeated
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Check every request's AK/SK signature against this access key
    #[arg(long, value_name = "AK", requires = "secret_key")]
    pub access_key: Option<String>,

    /// The secret key matching --access-key
    #[arg(long, value_name = "SK", requires = "access_key")]
    pub secret_key: Option<String>,

    /// Serve these clusters, Autopilot clusters and pools instead of the default fixture (JSON)
    #[arg(long, value_name = "FILE")]
    pub fixture: Option<PathBuf>,

    /// Delay every answer by this many milliseconds, as a real cloud's round trip
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,

    /// Add a random delay of 0 to this many milliseconds to every answer (on top of --latency)
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub jitter: u64,

    /// Accept R requests a second per service (burst R), answering 429 with Retry-After beyond
    #[arg(long, value_name = "R")]
    pub rate_limit: Option<f64>,
}

/// How long to wait for the state lock.
#[derive(Debug, Args, Clone)]
pub struct LockArgs {
    /// Wait this long for a state lock another run holds (e.g. `30s`, `2m`); 0 fails at once
    #[arg(long, value_name = "DURATION", default_value = "0s", value_parser = parse_duration)]
    pub lock_timeout: std::time::Duration,
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    plinth_config::parse_duration(text)
}

/// `plinth show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A plan saved with `plinth plan --out`; without it, the state is shown
    pub planfile: Option<PathBuf>,

    /// Print JSON (the state file's format, or docs/plan-format.md for a plan)
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,

    /// Print a saved plan as Markdown for a pull-request comment
    #[arg(long, requires = "planfile")]
    pub markdown: bool,
}

/// What every planning command takes: selection, refresh, variables, concurrency, locking.
#[derive(Debug, Args, Clone)]
pub struct PlanningArgs {
    /// Plan only this resource and what it depends on (repeatable)
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,

    /// Leave this resource and what depends on it out of the plan (repeatable)
    #[arg(long = "exclude", value_name = "ADDR")]
    pub excludes: Vec<String>,

    /// Replace this resource even if nothing changed (repeatable)
    #[arg(long = "replace", value_name = "ADDR")]
    pub replace: Vec<String>,

    /// Plan with what the state says, without reading the cloud first
    #[arg(long, conflicts_with = "refresh_only")]
    pub no_refresh: bool,

    /// Only update the state to match the cloud; change nothing in the cloud
    #[arg(long)]
    pub refresh_only: bool,

    /// Refuse to adopt configured objects that already exist in the cloud but not in the state
    /// (import them explicitly instead)
    #[arg(long, env = "PLINTH_NO_ADOPT", value_parser = clap::builder::FalseyValueParser::new())]
    pub no_adopt: bool,

    /// At most this many cloud operations at once
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,

    /// How the refresh reads the cloud: one list per cluster and pool, or one read per resource
    /// (kept to compare them: docs/benchmarks.md)
    #[arg(long, hide = true, env = "PLINTH_REFRESH_BY", value_enum, default_value_t = RefreshBy::List)]
    pub refresh_by: RefreshBy,

    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

/// `plinth plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan to FILE, for `plinth apply FILE`
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Print a JSON stream, one event per line, whose `plan` line is the plan as JSON
    /// (docs/json-stream.md, docs/plan-format.md)
    #[arg(long, conflicts_with = "markdown")]
    pub json: bool,

    /// Print the plan as Markdown for a pull-request comment (a table of changes, details folded)
    #[arg(long)]
    pub markdown: bool,

    /// Exit with 2 when the plan has changes (0: none, 1: error)
    #[arg(long)]
    pub detailed_exitcode: bool,

    /// Write `resource` blocks for `import` targets that have none to FILE (a new `.hcl` file
    /// of the directory), and plan with them
    #[arg(long, value_name = "FILE")]
    pub generate_config_out: Option<PathBuf>,

    #[command(flatten)]
    pub planning: PlanningArgs,
}

/// `plinth apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved with `plinth plan --out`; applied only if nothing moved since
    pub planfile: Option<PathBuf>,

    /// Do not ask for confirmation
    #[arg(long)]
    pub auto_approve: bool,

    /// Print a JSON stream, one event per line (docs/json-stream.md); needs `--auto-approve`
    /// unless a saved plan is applied
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub planning: PlanningArgs,
}

/// The planning flags of `plinth apply` that a saved plan already fixed: clap's id of each, and
/// the flag as typed. `--var`, `--var-file`, `--parallelism` and `--lock-timeout` are not among
/// them: a sensitive variable is given again that way, and the others only say how to apply.
const FIXED_BY_A_SAVED_PLAN: [(&str, &str); 6] = [
    ("targets", "--target"),
    ("excludes", "--exclude"),
    ("replace", "--replace"),
    ("refresh_only", "--refresh-only"),
    ("no_refresh", "--no-refresh"),
    ("no_adopt", "--no-adopt"),
];

/// The flags of `plinth apply` (its matches) that a saved plan fixed and that were typed on the
/// command line, as typed. One taken from the environment (`PLINTH_NO_ADOPT`) is not counted:
/// a pipeline that sets it for every job must still be able to apply its saved plans.
pub fn planning_flags_typed(apply: &ArgMatches) -> Vec<&'static str> {
    FIXED_BY_A_SAVED_PLAN
        .iter()
        .filter(|(id, _)| apply.value_source(id) == Some(ValueSource::CommandLine))
        .map(|&(_, flag)| flag)
        .collect()
}

/// `plinth destroy`.
#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Do not ask for confirmation
    #[arg(long)]
    pub auto_approve: bool,

    /// Print a JSON stream, one event per line (docs/json-stream.md); needs `--auto-approve`
    #[arg(long)]
    pub json: bool,

    /// Destroy only this resource and what depends on it (repeatable)
    #[arg(long = "target", value_name = "ADDR")]
    pub targets: Vec<String>,

    /// At most this many cloud operations at once
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallelism: u16,

    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

/// `plinth graph`.
#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub vars: VarArgs,
}

/// `plinth import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The address in the configuration, e.g. `huaweicloud_cce_addon.dns`
    pub address: String,

    /// The cloud's id: `<cluster_id>/<addon_id>` for add-ons, `<pool>/<template>` for plug-ins
    pub id: String,

    #[command(flatten)]
    pub vars: VarArgs,

    #[command(flatten)]
    pub lock: LockArgs,
}

/// `plinth discover`.
#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Look only in this CCE cluster (repeatable); with no `--cluster`, `--autopilot-cluster`
    /// or `--pool`, every cluster and pool of the project
    #[arg(long = "cluster", value_name = "ID")]
    pub clusters: Vec<String>,

    /// Look only in this CCE Autopilot cluster (repeatable)
    #[arg(long = "autopilot-cluster", value_name = "ID")]
    pub autopilot_clusters: Vec<String>,

    /// Look only in this ModelArts resource pool (repeatable)
    #[arg(long = "pool", value_name = "NAME")]
    pub pools: Vec<String>,

    /// Write the blocks to this new `.hcl` file of the configuration's directory instead of
    /// stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub vars: VarArgs,
}

/// `plinth taint` and `plinth untaint`.
#[derive(Debug, Args)]
pub struct TaintArgs {
    /// The resource instance in the state, e.g. `huaweicloud_cce_addon.dns`
    pub address: String,

    #[command(flatten)]
    pub lock: LockArgs,
}

/// `plinth output`.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Show only this output
    pub name: Option<String>,

    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `plinth state ...`.
#[derive(Debug, Subcommand)]
pub enum StateCommand {
    /// List the resources in the state, optionally only those under the given addresses
    List {
        /// Only resources these addresses contain (`type.name` contains all its instances)
        addresses: Vec<String>,
        /// Only the resource with this cloud id
        #[arg(long)]
        id: Option<String>,
    },
    /// Show one resource as the state records it
    Show {
        /// The resource's address, e.g. `huaweicloud_cce_addon.dns`
        address: String,
    },
    /// Forget resources without touching the cloud (they stay installed)
    Rm {
        /// Addresses to forget
        #[arg(required = true)]
        addresses: Vec<String>,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Rename a resource in the state (after renaming it in the configuration)
    Mv {
        /// Its address now
        source: String,
        /// Its new address
        destination: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Print the state as JSON, in the state file's format
    Pull,
    /// Replace the state with the one in FILE (a state file, e.g. from `state pull`)
    Push {
        /// The state file to push
        file: PathBuf,
        /// Push even if the stored state is newer or has another lineage
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// List the saved versions of the state: serial, time, who (PostgreSQL backend)
    History,
}

/// `plinth workspace ...`.
#[derive(Debug, Subcommand)]
pub enum WorkspaceCommand {
    /// Create a workspace and select it
    New {
        /// Its name: letters, digits, `-` and `_`
        name: String,
        #[command(flatten)]
        lock: LockArgs,
    },
    /// Select the workspace the next commands use (`PLINTH_WORKSPACE` overrides it)
    Select {
        /// The workspace's name
        name: String,
    },
    /// List the workspaces, the selected one marked with `*`
    List,
    /// Print the selected workspace's name
    Show,
    /// Delete a workspace and its state (not the selected one, not `default`)
    Delete {
        /// The workspace's name
        name: String,
        /// Delete it even if its state still records resources (they stay in the cloud)
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        lock: LockArgs,
    },
}

/// `plinth force-unlock`.
#[derive(Debug, Args)]
pub struct ForceUnlockArgs {
    /// The lock id, as printed by the run that could not take the lock
    pub lock_id: String,

    /// Do not ask for confirmation, and break the lock even if its holder is a run still going
    /// on this machine
    #[arg(long)]
    pub force: bool,
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
///
/// `--var` and `--var-file` apply in the order they are given, a later one winning, as in
/// Terraform; clap's derive keeps each kind's own order only, so the arguments are declared
/// and read by hand, with their positions ([`ArgMatches::indices_of`]).
#[derive(Debug, Clone, Default)]
pub struct VarArgs {
    /// `--var NAME=VALUE` arguments, in the order given.
    pub vars: Vec<String>,
    /// `--var-file FILE` arguments, in the order given.
    pub var_files: Vec<PathBuf>,
    /// Which kind each argument was, in command-line order (`true`: a file).
    order: Vec<bool>,
}

impl VarArgs {
    /// The arguments in command-line order. A file added without a place (the saved plan's
    /// values, [`VarArgs::with_lowest_var_file`]) or arguments built without a command line
    /// come first: files, then values.
    pub fn in_order(&self) -> Vec<plinth_config::VarArgument> {
        use plinth_config::VarArgument;
        let placed_files = self.order.iter().filter(|file| **file).count();
        let placed_vars = self.order.len() - placed_files;
        let unplaced_files = self.var_files.len().saturating_sub(placed_files);
        let unplaced_vars = self.vars.len().saturating_sub(placed_vars);
        let mut files = self.var_files.iter();
        let mut vars = self.vars.iter();
        let mut out: Vec<VarArgument> = Vec::new();
        out.extend(
            files
                .by_ref()
                .take(unplaced_files)
                .cloned()
                .map(VarArgument::File),
        );
        out.extend(
            vars.by_ref()
                .take(unplaced_vars)
                .cloned()
                .map(VarArgument::Set),
        );
        for file in &self.order {
            let next = if *file {
                files.next().cloned().map(VarArgument::File)
            } else {
                vars.next().cloned().map(VarArgument::Set)
            };
            out.extend(next);
        }
        out
    }

    /// These arguments with a variables file before all of them (the lowest precedence).
    #[must_use]
    pub fn with_lowest_var_file(&self, file: PathBuf) -> VarArgs {
        let mut args = self.clone();
        args.var_files.insert(0, file);
        args
    }
}

const VAR: &str = "vars";
const VAR_FILE: &str = "var_files";

impl clap::Args for VarArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        command
            .arg(
                clap::Arg::new(VAR)
                    .long("var")
                    .value_name("NAME=VALUE")
                    .action(clap::ArgAction::Append)
                    .help("Set a variable: NAME=VALUE (repeatable)"),
            )
            .arg(
                clap::Arg::new(VAR_FILE)
                    .long("var-file")
                    .value_name("FILE")
                    .value_parser(clap::value_parser!(PathBuf))
                    .action(clap::ArgAction::Append)
                    .help("Read variables from an HCL file of `name = value` lines (repeatable)"),
            )
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

impl clap::FromArgMatches for VarArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let vars: Vec<String> = matches
            .get_many::<String>(VAR)
            .map(|values| values.cloned().collect())
            .unwrap_or_default();
        let var_files: Vec<PathBuf> = matches
            .get_many::<PathBuf>(VAR_FILE)
            .map(|values| values.cloned().collect())
            .unwrap_or_default();
        let mut positions: Vec<(usize, bool)> = matches
            .indices_of(VAR)
            .into_iter()
            .flatten()
            .map(|i| (i, false))
            .chain(
                matches
                    .indices_of(VAR_FILE)
                    .into_iter()
                    .flatten()
                    .map(|i| (i, true)),
            )
            .collect();
        positions.sort_unstable();
        Ok(VarArgs {
            vars,
            var_files,
            order: positions.into_iter().map(|(_, file)| file).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
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

/// How a refresh reads the cloud (`--refresh-by`, hidden; `PLINTH_REFRESH_BY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RefreshBy {
    /// One list call per cluster and pool, shared by every read and lookup in it
    List,
    /// One read per resource
    Read,
}

impl From<RefreshBy> for plinth_apply::RefreshBy {
    fn from(by: RefreshBy) -> Self {
        match by {
            RefreshBy::List => Self::List,
            RefreshBy::Read => Self::Read,
        }
    }
}

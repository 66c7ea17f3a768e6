//! Where a command works: the configuration's directory, the selected workspace, and where its
//! state is kept (the local file or PostgreSQL, as the `plinth` settings block says).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::args::GlobalArgs;

/// The default name of the state file, in the configuration's directory.
pub const DEFAULT_STATE_FILE: &str = "plinth.state.json";

/// The workspace every configuration has, whose local state is [`DEFAULT_STATE_FILE`].
pub const DEFAULT_WORKSPACE: &str = "default";

/// The directory of the other workspaces' local states: `plinth.state.d/NAME/plinth.state.json`.
pub const WORKSPACES_DIR: &str = "plinth.state.d";

/// The file that remembers the selected workspace, in the configuration's directory.
pub const ENVIRONMENT_FILE: &str = ".plinth/environment";

/// The environment variable that selects a workspace, over [`ENVIRONMENT_FILE`].
pub const WORKSPACE_ENV: &str = "PLINTH_WORKSPACE";

/// Where the state of a workspace is kept.
pub enum Storage {
    /// A local state file.
    Local(plinth_state::LocalStorage),
    /// PostgreSQL.
    Pg(plinth_state_pg::PgStorage),
}

impl Storage {
    /// The storage, for what every backend does.
    pub fn into_dyn(self) -> Box<dyn plinth_state::StateStorage> {
        match self {
            Storage::Local(storage) => Box::new(storage),
            Storage::Pg(storage) => Box::new(storage),
        }
    }

    /// The storage, borrowed.
    pub fn as_dyn(&self) -> &dyn plinth_state::StateStorage {
        match self {
            Storage::Local(storage) => storage,
            Storage::Pg(storage) => storage,
        }
    }
}

/// The directory and files one run of plinth works with.
#[derive(Debug)]
pub struct Workspace {
    dir: PathBuf,
    state_path: PathBuf,
    /// The global options as typed, for commands printed as hints.
    chdir: Option<PathBuf>,
    state: Option<PathBuf>,
}

impl Workspace {
    /// Resolves `--chdir` and `--state`. `--state` is taken relative to the directory plinth was
    /// started in, as a user typing a path expects.
    pub fn new(global: &GlobalArgs) -> anyhow::Result<Self> {
        let dir = match &global.chdir {
            Some(dir) => {
                if !dir.is_dir() {
                    anyhow::bail!("`--chdir {}`: no such directory", dir.display());
                }
                dir.clone()
            }
            None => std::env::current_dir().context("cannot read the current directory")?,
        };
        let state_path = global
            .state
            .clone()
            .unwrap_or_else(|| dir.join(DEFAULT_STATE_FILE));
        Ok(Self {
            dir,
            state_path,
            chdir: global.chdir.clone(),
            state: global.state.clone(),
        })
    }

    /// A file named on the command line other than `--state` (a plan file): a relative path is
    /// taken under `--chdir`, as Terraform's `-chdir` does, so that `plinth --chdir DIR plan
    /// --out F` and `plinth --chdir DIR apply F` name the same file.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match &self.chdir {
            Some(dir) if path.is_relative() => dir.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// `plinth` with the global options this run was given, for a command printed as a hint
    /// that must work when copied: `plinth --chdir DIR`.
    pub fn command(&self) -> String {
        let mut command = vec!["plinth".to_owned()];
        if let Some(dir) = &self.chdir {
            command.extend(["--chdir".to_owned(), shell_word(dir)]);
        }
        if let Some(state) = &self.state {
            command.extend(["--state".to_owned(), shell_word(state)]);
        }
        command.join(" ")
    }

    /// The configuration's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The storage of the selected workspace's state.
    pub fn storage(&self) -> anyhow::Result<Box<dyn plinth_state::StateStorage>> {
        Ok(self.backend_storage()?.into_dyn())
    }

    /// The storage of the selected workspace's state, by backend.
    pub fn backend_storage(&self) -> anyhow::Result<Storage> {
        let name = self.selected_workspace()?;
        let storage = self.storage_of(&name)?;
        if name != DEFAULT_WORKSPACE && !crate::commands::workspace::exists(self, &storage, &name)?
        {
            return Err(crate::commands::Hinted {
                message: format!("the selected workspace `{name}` does not exist"),
                hint: format!(
                    "create it with `{} workspace new {name}`, or select another with `{} \
                     workspace select NAME`",
                    self.command(),
                    self.command()
                ),
            }
            .into());
        }
        Ok(storage)
    }

    /// The storage of workspace `name`'s state (which may not exist yet).
    pub fn storage_of(&self, name: &str) -> anyhow::Result<Storage> {
        match self.settings()?.backend {
            plinth_config::Backend::Local => Ok(Storage::Local(plinth_state::LocalStorage::new(
                self.local_state_path(name),
            ))),
            plinth_config::Backend::Pg(pg) => {
                if let Some(state) = &self.state {
                    anyhow::bail!(
                        "`--state {}` names a local state file, but the configuration keeps the \
                         state in PostgreSQL (the `plinth` block at {})",
                        state.display(),
                        pg.location
                    );
                }
                let storage = plinth_state_pg::PgStorage::connect(&plinth_state_pg::PgOptions {
                    conn_str: pg.conn_str,
                    schema: pg.schema_name,
                    workspace: name.to_owned(),
                })?;
                Ok(Storage::Pg(storage))
            }
        }
    }

    /// The local state file of workspace `name`: `--state` if given, `plinth.state.json` for
    /// `default`, else `plinth.state.d/NAME/plinth.state.json`.
    pub fn local_state_path(&self, name: &str) -> PathBuf {
        if self.state.is_some() || name == DEFAULT_WORKSPACE {
            self.state_path.clone()
        } else {
            self.dir
                .join(WORKSPACES_DIR)
                .join(name)
                .join(DEFAULT_STATE_FILE)
        }
    }

    /// Whether `--state` was given.
    pub fn has_state_option(&self) -> bool {
        self.state.is_some()
    }

    /// The `plinth` settings of the configuration's directory, with `PG_CONN_STR` and
    /// `PLINTH_PG_SCHEMA` from the environment.
    pub fn settings(&self) -> anyhow::Result<plinth_config::Settings> {
        let options = plinth_config::SettingsOptions {
            pg_conn_str: std::env::var("PG_CONN_STR").ok().filter(|v| !v.is_empty()),
            pg_schema: std::env::var("PLINTH_PG_SCHEMA")
                .ok()
                .filter(|v| !v.is_empty()),
        };
        plinth_config::load_settings(&self.dir, &options)
            .map_err(|diagnostics| crate::commands::InvalidConfiguration(diagnostics).into())
    }

    /// The selected workspace: `PLINTH_WORKSPACE`, else the one `.plinth/environment` names,
    /// else `default`.
    pub fn selected_workspace(&self) -> anyhow::Result<String> {
        if let Some(name) = std::env::var(WORKSPACE_ENV).ok().filter(|v| !v.is_empty()) {
            check_workspace_name(&name).with_context(|| format!("`{WORKSPACE_ENV}`"))?;
            return Ok(name);
        }
        let path = self.dir.join(ENVIRONMENT_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let name = text.trim().to_owned();
                check_workspace_name(&name).with_context(|| format!("`{}`", path.display()))?;
                Ok(name)
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                Ok(DEFAULT_WORKSPACE.to_owned())
            }
            Err(error) => {
                Err(anyhow::Error::new(error).context(format!("cannot read `{}`", path.display())))
            }
        }
    }

    /// Loads the state without locking it (for commands that only read).
    pub fn load_state(&self) -> anyhow::Result<plinth_state::State> {
        Ok(self.storage()?.load()?)
    }
}

/// Whether `name` can name a workspace: 1 to 64 letters, digits, `-` and `_` (it is a directory
/// name and a database key).
pub fn check_workspace_name(name: &str) -> anyhow::Result<()> {
    let valid = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        anyhow::bail!(
            "`{name}` is not a valid workspace name: use 1 to 64 letters, digits, `-` and `_`"
        );
    }
    Ok(())
}

/// A path as one shell word: as it is when it needs no quoting, else in single quotes.
pub fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

impl Workspace {
    /// Loads the configuration of the directory with the variables given on the command line,
    /// in the variable files, and in `PLINTH_VAR_*` environment variables.
    pub fn load_configuration(
        &self,
        vars: &crate::args::VarArgs,
    ) -> Result<plinth_config::Configuration, plinth_config::Diagnostics> {
        let mut options = load_options(vars);
        options.workspace = Some(
            self.selected_workspace()
                .map_err(|error| plinth_config::Diagnostic::error(format!("{error:#}")))?,
        );
        plinth_config::load(&self.dir, &options)
    }
}

/// What the configuration is loaded from besides its directory: variable files, `--var`s and
/// `PLINTH_VAR_*` entries of the environment.
pub fn load_options(vars: &crate::args::VarArgs) -> plinth_config::LoadOptions {
    plinth_config::LoadOptions {
        env_vars: variables_from_environment(),
        arguments: vars.in_order(),
        ..plinth_config::LoadOptions::default()
    }
}

/// The `PLINTH_VAR_name` environment variables, as (full name, value) pairs. Config never reads
/// the environment itself, so the cli passes them in.
fn variables_from_environment() -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(name, value)| {
            let name = name.into_string().ok()?;
            let value = value.into_string().ok()?;
            name.starts_with(plinth_config::ENV_PREFIX)
                .then_some((name, value))
        })
        .collect();
    vars.sort();
    vars
}

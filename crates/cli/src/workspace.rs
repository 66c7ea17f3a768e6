//! Where a command works: the configuration's directory and the state file.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::args::GlobalArgs;

/// The default name of the state file, in the configuration's directory.
pub const DEFAULT_STATE_FILE: &str = "plinth.state.json";

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

    /// The storage of the state file.
    pub fn storage(&self) -> plinth_state::LocalStorage {
        plinth_state::LocalStorage::new(&self.state_path)
    }

    /// Loads the state without locking it (for commands that only read).
    pub fn load_state(&self) -> Result<plinth_state::State, plinth_state::StateError> {
        use plinth_state::StateStorage as _;
        self.storage().load()
    }
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
        plinth_config::load(&self.dir, &load_options(vars))
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

//! Saved plans: what `plinth plan --out FILE` writes and `plinth apply FILE` and
//! `plinth show FILE` read (docs/plan-format.md).
//!
//! A plan file holds the plan document (the JSON of `plan --json`, without any sensitive value),
//! the lineage and serial of the state it was made against, a SHA-256 digest of the
//! configuration and variable values, and the plan's options. An apply of a saved plan first
//! [`PlanFile::check`]s that neither the state nor the configuration moved, then plans again with
//! a refresh and refuses with [`PlanFile::same_changes`] if the cloud moved so that the changes
//! differ.

mod checks;
#[cfg(test)]
mod fuzz;

use plinth_core::ResourceAddress;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use plinth_planner::{Adoption, PlanOptions};
use plinth_state::State;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use sha2::{Digest as _, Sha256};

use crate::render::{
    ActionNames, AttributeChangeEntry, ChangeAction, DocumentHead, FORMAT_VERSION,
    OutputChangeEntry, PlanDocument, PlanView, ResourceChange, ResourceDrift, TerraformAction,
};

/// The `format` field of every plan file.
pub const PLAN_FILE_FORMAT: &str = "plinth-plan";

/// The version of the plan file layout this plinth writes; it reads this one and older ones.
pub const PLAN_FILE_VERSION: u64 = 2;

/// The first version whose files carry the variable values (`variables`) and whose digest
/// covers only the `*.hcl` files.
const VARIABLES_SINCE: u64 = 2;

/// A saved plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanFile {
    plinth_version: String,
    configuration_digest: ConfigDigest,
    options: PlanOptions,
    plan: PlanDocument,
    /// The variable values the plan was made with (version 2 on); `None` in older files, whose
    /// digest covers the variable values given instead.
    variables: Option<SavedVariables>,
}

/// The values of a configuration's variables, as a plan file keeps them: in plain, or sealed as
/// a salted SHA-256 when the value is sensitive (a plan file never holds a secret).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVariables(BTreeMap<String, SavedVariable>);

/// One variable's value in a plan file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SavedVariable {
    /// The value, as JSON.
    Value(Json),
    /// A sensitive value: `sha256:SALT:DIGEST` (hex), the SHA-256 of a random salt and the
    /// value's JSON. The value must be given again to apply the plan.
    Sensitive(String),
}

/// Why the variables given to `apply PLANFILE` are not those the plan was made with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VariableMismatch {
    /// A sensitive variable has another value than the plan was made with (or none was given
    /// and its default is another).
    #[error(
        "the plan was made with another value of the sensitive variable `{name}` (a plan file keeps only its fingerprint, so it must be given again)"
    )]
    SensitiveDiffers {
        /// The variable.
        name: String,
    },
    /// A variable was given another value than the plan holds.
    #[error("the variable `{name}` was given another value than the plan was made with")]
    ValueDiffers {
        /// The variable.
        name: String,
    },
    /// The configuration declares other variables than the plan has values of.
    #[error("the variable `{name}` is not the configuration's the plan was made from")]
    Undeclared {
        /// The variable.
        name: String,
    },
}

impl VariableMismatch {
    /// What to do about it, for a `hint:` line.
    pub fn hint(&self) -> String {
        match self {
            VariableMismatch::SensitiveDiffers { name } => format!(
                "give it the value the plan was made with: `--var {name}=VALUE`, the environment \
                 variable `PLINTH_VAR_{name}`, or a `--var-file`"
            ),
            VariableMismatch::ValueDiffers { name } => format!(
                "apply the plan without setting `{name}` (it carries the value), or run `plinth \
                 plan` again with the new value"
            ),
            VariableMismatch::Undeclared { .. } => {
                "run `plinth plan` again with the current configuration, review it, and apply it"
                    .to_owned()
            }
        }
    }
}

impl SavedVariables {
    /// The values of every variable of `config`, sensitive ones sealed.
    pub fn of(config: &plinth_config::Configuration) -> Self {
        let salt: [u8; 16] = rand::random();
        Self(
            config
                .variables()
                .iter()
                .map(|variable| {
                    let value = variable.value();
                    let json = value_json(value);
                    let saved = if value.contains_sensitive() {
                        SavedVariable::Sensitive(seal(&salt, &json))
                    } else {
                        SavedVariable::Value(json)
                    };
                    (variable.name().to_owned(), saved)
                })
                .collect(),
        )
    }

    /// The plain values as a variables file (`name = value` lines of HCL), to load the
    /// configuration with; sensitive ones are left to the user.
    pub fn to_variables_file(&self) -> String {
        let mut body = hcl::Body::builder();
        for (name, saved) in &self.0 {
            if let SavedVariable::Value(json) = saved {
                let value = hcl::to_value(json).unwrap_or(hcl::Value::Null);
                body = body.add_attribute((name.as_str(), value));
            }
        }
        hcl::to_string(&body.build()).unwrap_or_default()
    }

    /// Checks that `config` was loaded with these values: every variable the plan holds is
    /// declared and has the saved value (a sensitive one, the value it was sealed from).
    pub fn check(&self, config: &plinth_config::Configuration) -> Result<(), VariableMismatch> {
        for variable in config.variables() {
            if !self.0.contains_key(variable.name()) {
                return Err(VariableMismatch::Undeclared {
                    name: variable.name().to_owned(),
                });
            }
        }
        for (name, saved) in &self.0 {
            let Some(variable) = config.variable(name) else {
                return Err(VariableMismatch::Undeclared { name: name.clone() });
            };
            let json = value_json(variable.value());
            match saved {
                SavedVariable::Value(value) if *value != json => {
                    return Err(VariableMismatch::ValueDiffers { name: name.clone() });
                }
                SavedVariable::Sensitive(sealed) if !unseal_matches(sealed, &json) => {
                    return Err(VariableMismatch::SensitiveDiffers { name: name.clone() });
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A variable's value as JSON, marks dropped (unknown parts cannot occur in a variable).
fn value_json(value: &plinth_config::Value) -> Json {
    value.strip_marks().to_json_with(&mut |_| Json::Null)
}

/// `sha256:SALT:DIGEST` of a sensitive value.
fn seal(salt: &[u8], json: &Json) -> String {
    let digest = Sha256::new()
        .chain_update(salt)
        .chain_update(json.to_string().as_bytes())
        .finalize();
    format!("sha256:{}:{}", hex::encode(salt), hex::encode(digest))
}

/// Whether `json` is the value `sealed` was made from.
fn unseal_matches(sealed: &str, json: &Json) -> bool {
    let mut parts = sealed.splitn(3, ':');
    let (Some("sha256"), Some(salt), Some(_)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    hex::decode(salt).is_ok_and(|salt| seal(&salt, json) == sealed)
}

/// A SHA-256 digest of a configuration: its files' names and contents, and the variable values
/// given on the command line and in the environment. Shown as `sha256:` and 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDigest(String);

/// One file of a configuration, as its digest covers it.
#[derive(Debug, Clone, Copy)]
pub struct DigestedFile<'a> {
    /// Its name, as the loader gives it.
    pub name: &'a str,
    /// Its bytes.
    pub contents: &'a [u8],
}

/// A plan file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    /// Reading failed.
    #[error("cannot read the plan file `{}`: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// Writing failed.
    #[error("cannot write the plan file `{}`: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a plan file (or is damaged).
    #[error("`{}` is not a plinth plan file: {reason}", path.display())]
    NotAPlanFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A newer plinth wrote the file.
    #[error(
        "the plan file `{}` was written by plinth {written_by} in a newer format (version {found}; this plinth reads up to version {supported})",
        path.display()
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// The file's version.
        found: String,
        /// The newest version this plinth reads.
        supported: String,
        /// The plinth version that wrote it.
        written_by: String,
    },
}

impl PlanFileError {
    /// What to do about it, for a `hint:` line.
    pub fn hint(&self) -> Option<String> {
        match self {
            PlanFileError::NotAPlanFile { .. } => Some(
                "a plan file is what `plinth plan --out FILE` writes; `plinth apply` without a file plans and applies"
                    .to_owned(),
            ),
            PlanFileError::NewerVersion { written_by, .. } => Some(format!(
                "use plinth {written_by} or later to apply it, or run `plinth plan` again with this version"
            )),
            PlanFileError::Read { .. } | PlanFileError::Write { .. } => None,
        }
    }
}

/// Why a saved plan can no longer be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StalePlan {
    /// The state is another state.
    #[error(
        "the plan was made for another state (lineage {planned}; the state has lineage {current})"
    )]
    LineageMismatch {
        /// The lineage the plan was made against.
        planned: String,
        /// The state's lineage now.
        current: String,
    },
    /// The state was written since.
    #[error(
        "the state has changed since the plan was saved (serial {current}, plan made at serial {planned})"
    )]
    StateChanged {
        /// The serial the plan was made against.
        planned: u64,
        /// The state's serial now.
        current: u64,
    },
    /// A configuration file or a variable value changed since.
    #[error(
        "the configuration has changed since the plan was saved (a `*.hcl` file, a variable file or a variable value differs)"
    )]
    ConfigurationChanged,
    /// A fresh plan (with refresh) has other changes: the cloud moved since.
    #[error("the cloud has changed since the plan was saved: {detail}")]
    ChangesDiffer {
        /// The first address whose changes differ.
        address: String,
        /// How.
        detail: String,
    },
}

impl StalePlan {
    /// What to do about it, for a `hint:` line.
    pub fn hint(&self) -> &'static str {
        match self {
            StalePlan::LineageMismatch { .. } => {
                "check `--state`: the plan belongs to another state; or run `plinth plan` again against this one"
            }
            StalePlan::StateChanged { .. } => {
                "another run changed the state; run `plinth plan` again, review the new plan, and apply it"
            }
            StalePlan::ConfigurationChanged => {
                "run `plinth plan` again with the current configuration and variables, review it, and apply it"
            }
            StalePlan::ChangesDiffer { .. } => {
                "run `plinth plan` again to see what changed, review the new plan, and apply it"
            }
        }
    }
}

impl ConfigDigest {
    /// The digest of configuration files (the `*.hcl` files, `plinth.vars`, `*.auto.vars` and
    /// `--var-file`s), raw `--var` arguments and `PLINTH_VAR_*` environment entries. Files are
    /// taken sorted by name; `--var`s in the order given (the last wins).
    pub fn compute(
        files: &[DigestedFile<'_>],
        vars: &[String],
        env_vars: &[(String, String)],
    ) -> Self {
        let mut hasher = Sha256::new();
        // Every part is tagged and length-prefixed, so no two inputs hash the same bytes.
        let mut part = |tag: u8, bytes: &[u8]| {
            hasher.update([tag]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        };
        let mut sorted: Vec<&DigestedFile<'_>> = files.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(b.name));
        for file in sorted {
            part(b'f', file.name.as_bytes());
            part(b'c', file.contents);
        }
        for var in vars {
            part(b'v', var.as_bytes());
        }
        let mut env: Vec<&(String, String)> = env_vars.iter().collect();
        env.sort();
        for (name, value) in env {
            part(b'n', name.as_bytes());
            part(b'e', value.as_bytes());
        }
        Self(format!("sha256:{}", hex::encode(hasher.finalize())))
    }

    /// The digest of a loaded configuration: every file it was read from (`*.hcl`,
    /// `plinth.vars`, `*.auto.vars`, `--var-file`s, as the loader chose them), and `options`'
    /// `--var`s and environment entries.
    pub fn of_configuration(
        config: &plinth_config::Configuration,
        options: &plinth_config::LoadOptions,
    ) -> Self {
        let files: Vec<DigestedFile<'_>> = config
            .sources()
            .iter()
            .map(|source| DigestedFile {
                name: source.name(),
                contents: source.text().as_bytes(),
            })
            .collect();
        // The `--var`s in the order they apply, wherever the options hold them.
        let vars: Vec<String> = options
            .vars
            .iter()
            .cloned()
            .chain(
                options
                    .arguments
                    .iter()
                    .filter_map(|argument| match argument {
                        plinth_config::VarArgument::Set(raw) => Some(raw.clone()),
                        plinth_config::VarArgument::File(_) => None,
                    }),
            )
            .collect();
        Self::compute(&files, &vars, &options.env_vars)
    }

    /// The digest of the `*.hcl` files of a loaded configuration, what a plan file of version 2
    /// covers: the variable values are kept in the file and checked one by one
    /// ([`SavedVariables::check`]), so the variable files and `--var`s need not be the same.
    pub fn of_configuration_files(config: &plinth_config::Configuration) -> Self {
        let files: Vec<DigestedFile<'_>> = config
            .sources()
            .iter()
            .filter(|source| is_configuration_file(source.name()))
            .map(|source| DigestedFile {
                name: source.name(),
                contents: source.text().as_bytes(),
            })
            .collect();
        Self::compute(&files, &[], &[])
    }

    #[cfg(test)]
    /// The digest as text: `sha256:` and 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a source of a configuration is one of its `*.hcl` files (and not a variables file).
fn is_configuration_file(name: &str) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|extension| extension == "hcl")
}

/// The plan file as it is read.
#[derive(Deserialize)]
struct OnDisk {
    // `format` and `version` are checked on the parsed JSON first.
    plinth_version: String,
    state: OnDiskState,
    configuration_digest: String,
    options: OnDiskOptions,
    #[serde(default)]
    variables: Option<SavedVariables>,
    plan: Json,
}

/// The plan file as it is written: the same fields, the plan serialized as it is written out.
#[derive(Serialize)]
struct OnDiskOut<'a, P> {
    format: &'a str,
    version: u64,
    plinth_version: &'a str,
    state: OnDiskState,
    configuration_digest: &'a str,
    options: OnDiskOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<&'a SavedVariables>,
    plan: &'a P,
}

#[derive(Serialize, Deserialize)]
struct OnDiskState {
    lineage: String,
    serial: u64,
}

#[derive(Serialize, Deserialize, Default)]
struct OnDiskOptions {
    targets: Vec<String>,
    excludes: Vec<String>,
    replace: Vec<String>,
    refresh_only: bool,
    destroy: bool,
    /// `--no-adopt`; absent when not given, so plan files without it read the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    no_adopt: bool,
}

impl OnDiskOptions {
    fn of(options: &PlanOptions) -> Self {
        let names = |addresses: &[ResourceAddress]| -> Vec<String> {
            addresses.iter().map(ToString::to_string).collect()
        };
        Self {
            targets: names(&options.targets),
            excludes: names(&options.excludes),
            replace: names(&options.replace),
            refresh_only: options.refresh_only,
            destroy: options.destroy,
            no_adopt: options.adopt == Adoption::ExplicitOnly,
        }
    }
}

/// Writes the plan file of a plan just made to `path`, with the digest of the configuration it
/// was made from and its options: the same file as [`PlanFile::save`] writes, its resource
/// changes made and written one at a time.
pub fn save_plan(
    path: &Path,
    plan: &PlanView<'_>,
    configuration_digest: &ConfigDigest,
    variables: &SavedVariables,
    options: &PlanOptions,
) -> Result<(), PlanFileError> {
    let on_disk = OnDiskOut {
        format: PLAN_FILE_FORMAT,
        version: PLAN_FILE_VERSION,
        plinth_version: env!("CARGO_PKG_VERSION"),
        state: OnDiskState {
            lineage: plan.head().prior_state.lineage.clone(),
            serial: plan.head().prior_state.serial,
        },
        configuration_digest: &configuration_digest.0,
        options: OnDiskOptions::of(options),
        variables: Some(variables),
        plan,
    };
    write_atomically(path, &on_disk)
}

/// Writes `on_disk` as pretty JSON and a newline to a temporary file beside `path`, then renames
/// it over `path`, so a reader never sees half a plan.
fn write_atomically(path: &Path, on_disk: &impl Serialize) -> Result<(), PlanFileError> {
    let write_error = |source| PlanFileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file = tempfile::NamedTempFile::new_in(dir).map_err(write_error)?;
    let mut writer = io::BufWriter::new(file.as_file());
    serde_json::to_writer_pretty(&mut writer, on_disk)
        .map_err(io::Error::from)
        .and_then(|()| writer.write_all(b"\n"))
        .and_then(|()| writer.flush())
        .map_err(write_error)?;
    drop(writer);
    file.as_file().sync_all().map_err(write_error)?;
    file.persist(path).map_err(|e| write_error(e.error))?;
    Ok(())
}

impl PlanFile {
    #[cfg(test)]
    /// A plan file for `plan` (made against the state its document records) with the digest of
    /// the configuration it was made from and its options.
    pub fn new(
        plan: PlanDocument,
        configuration_digest: ConfigDigest,
        variables: SavedVariables,
        options: PlanOptions,
    ) -> Self {
        Self {
            plinth_version: env!("CARGO_PKG_VERSION").to_owned(),
            configuration_digest,
            options,
            plan,
            variables: Some(variables),
        }
    }

    /// The variable values the plan was made with; `None` in a file older than version 2.
    pub fn variables(&self) -> Option<&SavedVariables> {
        self.variables.as_ref()
    }

    /// The saved plan.
    pub fn plan(&self) -> &PlanDocument {
        &self.plan
    }

    /// The options the plan was made with: an apply plans again with them.
    pub fn options(&self) -> &PlanOptions {
        &self.options
    }

    /// Keeps of the saved plan only what [`PlanFile::same_changes`] compares: the entries of the
    /// resources it changes (a large plan is mostly no-ops), without their whole objects and the
    /// values before each change. An apply holds the saved plan while it plans again; it never
    /// renders it.
    pub fn keep_only_what_apply_compares(&mut self) {
        let changes = &mut self.plan.resource_changes;
        changes.retain(|change| change.action != ChangeAction::NoOp);
        changes.shrink_to_fit();
        for change in changes {
            change.before = Json::Null;
            change.after = Json::Null;
            change.after_unknown = Json::Null;
            change.before_sensitive = Json::Null;
            change.after_sensitive = Json::Null;
            for attribute in &mut change.attribute_changes {
                attribute.before = Json::Null;
                attribute.before_sensitive = Json::Null;
            }
        }
        for drift in &mut self.plan.head.resource_drift {
            drift.before = Json::Null;
            drift.after = Json::Null;
            drift.before_sensitive = Json::Null;
            drift.after_sensitive = Json::Null;
            for change in &mut drift.changes {
                change.before = Json::Null;
            }
        }
    }

    #[cfg(test)]
    fn on_disk(&self) -> OnDiskOut<'_, PlanDocument> {
        OnDiskOut {
            format: PLAN_FILE_FORMAT,
            version: PLAN_FILE_VERSION,
            plinth_version: &self.plinth_version,
            state: OnDiskState {
                lineage: self.plan.head.prior_state.lineage.clone(),
                serial: self.plan.head.prior_state.serial,
            },
            configuration_digest: &self.configuration_digest.0,
            options: OnDiskOptions::of(&self.options),
            variables: self.variables.as_ref(),
            plan: &self.plan,
        }
    }

    #[cfg(test)]
    /// The plan file as JSON text.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.on_disk()).unwrap_or_default();
        text.push('\n');
        text
    }

    #[cfg(test)]
    /// Writes the plan file atomically: to a temporary file beside `path`, then renamed over it,
    /// so a reader never sees half a plan.
    pub fn save(&self, path: &Path) -> Result<(), PlanFileError> {
        write_atomically(path, &self.on_disk())
    }

    /// Reads a plan file.
    pub fn load(path: &Path) -> Result<Self, PlanFileError> {
        let json = Self::parse(path, &Self::read(path)?)?;
        Self::from_value(path, json)
    }

    fn read(path: &Path) -> Result<String, PlanFileError> {
        std::fs::read_to_string(path).map_err(|source| {
            if source.kind() == io::ErrorKind::InvalidData {
                not_a_plan_file(path, "it is not UTF-8 text")
            } else {
                PlanFileError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            }
        })
    }

    fn parse(path: &Path, text: &str) -> Result<Json, PlanFileError> {
        checks::parse_strict(text)
            .map_err(|e| not_a_plan_file(path, &format!("it is not JSON ({e})")))
    }

    #[cfg(test)]
    /// Parses the text of a plan file; `path` only names it in errors.
    pub fn from_json(path: &Path, text: &str) -> Result<Self, PlanFileError> {
        Self::from_value(path, Self::parse(path, text)?)
    }

    /// Reads the parsed JSON of a plan file (the text is dropped by then: a large plan's text and
    /// its parsed tree are not held together); `path` only names it in errors.
    fn from_value(path: &Path, json: Json) -> Result<Self, PlanFileError> {
        if json.get("format").and_then(Json::as_str) != Some(PLAN_FILE_FORMAT) {
            return Err(not_a_plan_file(
                path,
                &format!("it has no `\"format\": \"{PLAN_FILE_FORMAT}\"`"),
            ));
        }
        let written_by = json
            .get("plinth_version")
            .and_then(Json::as_str)
            .unwrap_or("unknown")
            .to_owned();
        let version = json.get("version").and_then(Json::as_u64);
        match version {
            Some(v) if v > PLAN_FILE_VERSION => {
                return Err(PlanFileError::NewerVersion {
                    path: path.to_path_buf(),
                    found: v.to_string(),
                    supported: PLAN_FILE_VERSION.to_string(),
                    written_by,
                });
            }
            Some(_) => {}
            None => return Err(not_a_plan_file(path, "it has no `version`")),
        }
        let carries_variables = version.is_some_and(|v| v >= VARIABLES_SINCE);
        let document_version = json
            .pointer("/plan/format_version")
            .and_then(Json::as_str)
            .unwrap_or_default();
        if major(document_version) > major(FORMAT_VERSION) {
            return Err(PlanFileError::NewerVersion {
                path: path.to_path_buf(),
                found: format!("{PLAN_FILE_VERSION} with plan format {document_version}"),
                supported: format!("{PLAN_FILE_VERSION} with plan format {FORMAT_VERSION}"),
                written_by,
            });
        }
        let on_disk: OnDisk = serde_json::from_value(json)
            .map_err(|e| not_a_plan_file(path, &format!("it is damaged ({e})")))?;
        if carries_variables != on_disk.variables.is_some() {
            return Err(not_a_plan_file(
                path,
                "its `variables` do not match its `version`",
            ));
        }
        let plan: PlanDocument = serde_json::from_value(on_disk.plan)
            .map_err(|e| not_a_plan_file(path, &format!("its plan is damaged ({e})")))?;
        checks::check_document(&plan)
            .map_err(|e| not_a_plan_file(path, &format!("its plan is not consistent: {e}")))?;
        if plan.head.prior_state.lineage != on_disk.state.lineage
            || plan.head.prior_state.serial != on_disk.state.serial
        {
            return Err(not_a_plan_file(
                path,
                "its state and its plan's prior state differ",
            ));
        }
        let parse = |names: &[String]| -> Result<Vec<ResourceAddress>, PlanFileError> {
            names
                .iter()
                .map(|name| {
                    name.parse().map_err(|e| {
                        not_a_plan_file(path, &format!("its options are damaged ({e})"))
                    })
                })
                .collect()
        };
        let options = PlanOptions {
            targets: parse(&on_disk.options.targets)?,
            excludes: parse(&on_disk.options.excludes)?,
            replace: parse(&on_disk.options.replace)?,
            refresh_only: on_disk.options.refresh_only,
            destroy: on_disk.options.destroy,
            adopt: if on_disk.options.no_adopt {
                Adoption::ExplicitOnly
            } else {
                Adoption::ByNaturalKey
            },
        };
        Ok(Self {
            plinth_version: on_disk.plinth_version,
            configuration_digest: ConfigDigest(on_disk.configuration_digest),
            options,
            plan,
            variables: on_disk.variables,
        })
    }

    /// The state to apply the plan to: `state`, or, when the plan was made where no state
    /// existed yet and there is still none, a new state with the plan's lineage, so that the
    /// state the apply creates is the one the plan was made for.
    pub fn state_to_apply_to(&self, state: State) -> State {
        let planned = &self.plan.head.prior_state;
        let never_saved =
            state.serial() == 0 && state.resources().is_empty() && state.outputs().is_empty();
        match planned.lineage.parse::<uuid::Uuid>() {
            Ok(lineage) if never_saved && planned.serial == 0 => State::with_lineage(lineage),
            _ => state,
        }
    }

    /// Checks that the plan still applies to `state` and the configuration whose digest is
    /// `configuration`: same lineage, same serial, same configuration.
    pub fn check(&self, state: &State, configuration: &ConfigDigest) -> Result<(), StalePlan> {
        let planned = &self.plan.head.prior_state;
        let current = state.lineage().to_string();
        if planned.lineage != current {
            return Err(StalePlan::LineageMismatch {
                planned: planned.lineage.clone(),
                current,
            });
        }
        if planned.serial != state.serial() {
            return Err(StalePlan::StateChanged {
                planned: planned.serial,
                current: state.serial(),
            });
        }
        if *configuration != self.configuration_digest {
            return Err(StalePlan::ConfigurationChanged);
        }
        Ok(())
    }

    /// Checks that a fresh plan (made with a refresh, just before applying) has the same changes
    /// as the saved one: the same action for every address, and the same planned values for
    /// every changed attribute. Values before the change may differ (only the result matters);
    /// a refresh-only plan compares the drift found. Names the first address that differs.
    ///
    /// The fresh plan's entries are made one at a time, only for the addresses both plans
    /// change, and dropped once compared.
    pub fn same_changes(&self, fresh: &PlanView<'_>) -> Result<(), StalePlan> {
        let changes: Vec<FreshChange<'_>> = fresh
            .shown()
            .map(|change| {
                let names = ActionNames::of(change.action);
                FreshChange {
                    address: change.address.to_string(),
                    action: names.action,
                    actions: names.actions,
                    entry: Box::new(move || Cow::Owned(fresh.resource_change(change))),
                }
            })
            .collect();
        self.compare(fresh.head(), &changes)
    }

    #[cfg(test)]
    /// [`PlanFile::same_changes`] against a whole document.
    pub fn same_changes_as(&self, fresh: &PlanDocument) -> Result<(), StalePlan> {
        let changes: Vec<FreshChange<'_>> = fresh
            .resource_changes
            .iter()
            .filter(|change| change.action != ChangeAction::NoOp)
            .map(|change| FreshChange {
                address: change.address.clone(),
                action: change.action,
                actions: &change.actions,
                entry: Box::new(move || Cow::Borrowed(change)),
            })
            .collect();
        self.compare(&fresh.head, &changes)
    }

    fn compare(
        &self,
        fresh_head: &DocumentHead,
        fresh: &[FreshChange<'_>],
    ) -> Result<(), StalePlan> {
        let saved = changes_by_address(&self.plan);
        let now: BTreeMap<&str, &FreshChange<'_>> = fresh
            .iter()
            .map(|change| (change.address.as_str(), change))
            .collect();
        let mut addresses: Vec<&str> = saved.keys().chain(now.keys()).copied().collect();
        addresses.sort_unstable();
        addresses.dedup();
        for address in addresses {
            let differ = |detail: String| StalePlan::ChangesDiffer {
                address: address.to_owned(),
                detail,
            };
            match (saved.get(address), now.get(address)) {
                (Some(saved), None) => {
                    return Err(differ(format!(
                        "`{address}` was planned to {}, and a fresh plan does not change it",
                        verb(saved.action)
                    )));
                }
                (None, Some(now)) => {
                    return Err(differ(format!(
                        "a fresh plan would also {} `{address}`",
                        verb(now.action)
                    )));
                }
                (Some(saved), Some(now))
                    if saved.actions != now.actions || saved.action != now.action =>
                {
                    return Err(differ(format!(
                        "`{address}` was planned to {}, a fresh plan would {} it",
                        verb(saved.action),
                        verb(now.action)
                    )));
                }
                (Some(saved), Some(now)) => {
                    if let Some(path) = first_attribute_difference(saved, &(now.entry)()) {
                        return Err(differ(format!(
                            "the planned changes of `{address}` differ at `{path}`"
                        )));
                    }
                }
                (None, None) => {}
            }
        }
        compare_outputs(&self.plan.head, fresh_head)?;
        if self.plan.head.is_refresh_only() || fresh_head.is_refresh_only() {
            let saved = drift_by_address(&self.plan.head);
            let now = drift_by_address(fresh_head);
            let mut addresses: Vec<&str> = saved.keys().chain(now.keys()).copied().collect();
            addresses.sort_unstable();
            addresses.dedup();
            for address in addresses {
                let same = match (saved.get(address), now.get(address)) {
                    (Some(a), Some(b)) => {
                        a.deleted == b.deleted
                            && a.changes.len() == b.changes.len()
                            && a.changes.iter().zip(&b.changes).all(|(x, y)| {
                                x.path == y.path && x.after == y.after && x.sensitive == y.sensitive
                            })
                    }
                    _ => false,
                };
                if !same {
                    return Err(StalePlan::ChangesDiffer {
                        address: address.to_owned(),
                        detail: format!("the changes made outside plinth to `{address}` differ"),
                    });
                }
            }
        }
        Ok(())
    }
}

/// Checks that the outputs change as the saved plan said: the same outputs change, with the same
/// action and planned value (and marks). Names the first that differs.
fn compare_outputs(saved: &DocumentHead, fresh: &DocumentHead) -> Result<(), StalePlan> {
    let changed = |head: &'_ DocumentHead| -> BTreeMap<String, OutputChangeEntry> {
        head.output_changes
            .iter()
            .filter(|(_, change)| change.is_change())
            .map(|(name, change)| (name.clone(), change.clone()))
            .collect()
    };
    let (saved, fresh) = (changed(saved), changed(fresh));
    let promise = |change: &OutputChangeEntry| {
        (
            change.actions.clone(),
            change.after.clone(),
            change.after_unknown.clone(),
            change.after_sensitive.clone(),
        )
    };
    let name = saved
        .keys()
        .chain(fresh.keys())
        .find(|name| saved.get(*name).map(promise) != fresh.get(*name).map(promise));
    match name {
        Some(name) => Err(StalePlan::ChangesDiffer {
            address: format!("output.{name}"),
            detail: format!("the planned change of the output `{name}` differs"),
        }),
        None => Ok(()),
    }
}

/// One change of a fresh plan, made into its document entry only when it is compared.
struct FreshChange<'f> {
    address: String,
    action: ChangeAction,
    actions: &'f [TerraformAction],
    entry: Box<dyn Fn() -> Cow<'f, ResourceChange> + 'f>,
}

fn not_a_plan_file(path: &Path, reason: &str) -> PlanFileError {
    PlanFileError::NotAPlanFile {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    }
}

/// The major part of a `MAJOR[.MINOR]` version; 0 when it does not parse.
fn major(version: &str) -> u64 {
    version
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0)
}

fn changes_by_address(plan: &PlanDocument) -> BTreeMap<&str, &ResourceChange> {
    plan.resource_changes
        .iter()
        .filter(|c| c.action != ChangeAction::NoOp)
        .map(|c| (c.address.as_str(), c))
        .collect()
}

fn drift_by_address(plan: &DocumentHead) -> BTreeMap<&str, &ResourceDrift> {
    plan.resource_drift
        .iter()
        .map(|d| (d.address.as_str(), d))
        .collect()
}

/// The first attribute path whose planned value differs, shown like `values.flavor.replicas`.
fn first_attribute_difference(saved: &ResourceChange, now: &ResourceChange) -> Option<String> {
    let key = |c: &AttributeChangeEntry| {
        (
            c.after.clone(),
            c.after_unknown.clone(),
            c.after_sensitive.clone(),
            c.forces_replacement,
        )
    };
    let saved_paths: BTreeMap<String, _> = saved
        .attribute_changes
        .iter()
        .map(|c| (path_text(&c.path), key(c)))
        .collect();
    let now_paths: BTreeMap<String, _> = now
        .attribute_changes
        .iter()
        .map(|c| (path_text(&c.path), key(c)))
        .collect();
    saved_paths
        .keys()
        .chain(now_paths.keys())
        .find(|p| saved_paths.get(*p) != now_paths.get(*p))
        .cloned()
}

pub(crate) fn path_text(path: &[Json]) -> String {
    let mut out = String::new();
    for (i, step) in path.iter().enumerate() {
        match step {
            Json::String(key) if i == 0 => out.push_str(key),
            Json::String(key) => {
                let _ = write!(out, ".{key}");
            }
            other => {
                let _ = write!(out, "[{other}]");
            }
        }
    }
    out
}

/// The action as a verb of a sentence: `create`, `destroy`.
fn verb(action: ChangeAction) -> &'static str {
    match action {
        ChangeAction::Delete => "destroy",
        other => other.as_str(),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use insta::assert_snapshot;
    use plinth_config::{SourceFile, Sources, load_sources};
    use plinth_planner::testing::World;
    use plinth_planner::{Observations, plan};
    use plinth_state::{Change, LocalStorage, LockRequest, ResourceState, StateStorage};
    use serde_json::json;

    use super::*;
    use crate::render::RenderOptions;
    use crate::render::testing::{document_text, plan_text, whole_document};

    /// A configuration with a sensitive value (the check tests plan it too).
    pub(super) const MAIN: &str = r#"
variable "token" {
  type      = string
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values        = { custom = { token = var.token } }
}
"#;

    const SECRET: &str = "t0p-s3cr3t";

    fn sources(version: &str) -> Sources {
        Sources {
            files: vec![SourceFile::new("main.hcl", MAIN.replace("1.28.6", version))],
            vars: vec![format!("token={SECRET}")],
            ..Sources::default()
        }
    }

    fn digest(sources: &Sources) -> ConfigDigest {
        let files: Vec<DigestedFile<'_>> = sources
            .files
            .iter()
            .map(|f| DigestedFile {
                name: f.name(),
                contents: f.text().as_bytes(),
            })
            .collect();
        ConfigDigest::compute(&files, &sources.vars, &sources.env_vars)
    }

    fn document(sources: Sources, state: &State) -> PlanDocument {
        let config = load_sources(sources).unwrap();
        let plan = plan(
            &config,
            state,
            &Observations::new(),
            &PlanOptions::default(),
        )
        .unwrap();
        whole_document(&plan, state)
    }

    fn saved(state: &State) -> PlanFile {
        let options = PlanOptions {
            targets: vec!["huaweicloud_cce_addon.dns".parse().unwrap()],
            ..PlanOptions::default()
        };
        let config = load_sources(sources("1.28.6")).unwrap();
        PlanFile::new(
            document(sources("1.28.6"), state),
            digest(&sources("1.28.6")),
            SavedVariables::of(&config),
            options,
        )
    }

    /// The message of an error, then its hint after a blank line, as the user reads them.
    fn message(error: &dyn std::error::Error, hint: Option<&str>) -> String {
        match hint {
            Some(hint) => format!("{error}\n\nhint: {hint}"),
            None => error.to_string(),
        }
    }

    #[test]
    fn round_trip_keeps_everything_and_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tfplan");
        let state = State::new();
        let file = saved(&state);
        file.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("\"format\": \"plinth-plan\""));
        let loaded = PlanFile::load(&path).unwrap();
        assert_eq!(loaded, file);
        assert_eq!(loaded.options().targets.len(), 1);
        assert!(loaded.check(&state, &digest(&sources("1.28.6"))).is_ok());
        // What `show FILE` prints is what `plan` printed.
        let config = load_sources(sources("1.28.6")).unwrap();
        let fresh = plan(
            &config,
            &state,
            &Observations::new(),
            &PlanOptions::default(),
        )
        .unwrap();
        assert_eq!(
            document_text(loaded.plan(), RenderOptions::default()),
            plan_text(&fresh, &state, RenderOptions::default())
        );
        assert!(loaded.same_changes(&PlanView::new(&fresh, &state)).is_ok());
        // Saving again replaces the file whole, and leaves no temporary file behind.
        loaded.save(&path).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_plan_just_made_is_saved_as_its_whole_document_would_be() {
        let dir = tempfile::tempdir().unwrap();
        // One no-op besides the create, so the file holds an entry the text never shows.
        let mut world = World::new();
        world.in_state(
            "huaweicloud_cce_addon.kept",
            Some("uid-kept"),
            json!({"cluster_id": "c1", "template_name": "everest"}),
            &[],
        );
        let mut sources = sources("1.28.6");
        sources.files.push(SourceFile::new(
            "kept.hcl",
            "resource \"huaweicloud_cce_addon\" \"kept\" {\n  cluster_id    = \"c1\"\n  template_name = \"everest\"\n}\n",
        ));
        let config = load_sources(sources.clone()).unwrap();
        let fresh = world.plan(&config, &PlanOptions::default()).unwrap();
        let state = &world.state;
        let actions: Vec<String> = fresh
            .changes()
            .iter()
            .map(|c| c.action.to_string())
            .collect();
        assert_eq!(actions, ["create", "no-op"]);
        let options = PlanOptions {
            replace: vec!["huaweicloud_cce_addon.dns".parse().unwrap()],
            ..PlanOptions::default()
        };
        let streamed = dir.path().join("streamed");
        let variables = SavedVariables::of(&config);
        save_plan(
            &streamed,
            &PlanView::new(&fresh, state),
            &digest(&sources),
            &variables,
            &options,
        )
        .unwrap();
        let whole = dir.path().join("whole");
        PlanFile::new(
            whole_document(&fresh, state),
            digest(&sources),
            variables,
            options,
        )
        .save(&whole)
        .unwrap();
        let text = std::fs::read_to_string(&streamed).unwrap();
        assert_eq!(text, std::fs::read_to_string(&whole).unwrap());
        assert!(!text.contains(SECRET), "{text}");

        // An apply holds only what it compares of the saved plan, finds the same changes the
        // same, and other ones different.
        let mut loaded = PlanFile::load(&streamed).unwrap();
        assert_eq!(loaded.plan().resource_changes.len(), 2);
        let mut other = loaded.plan().clone();
        loaded.keep_only_what_apply_compares();
        let kept: Vec<(ChangeAction, &Json)> = loaded
            .plan()
            .resource_changes
            .iter()
            .map(|c| (c.action, &c.after))
            .collect();
        assert_eq!(kept, [(ChangeAction::Create, &Json::Null)]);
        assert!(loaded.same_changes(&PlanView::new(&fresh, state)).is_ok());
        let version = other.resource_changes[0]
            .attribute_changes
            .iter_mut()
            .find(|c| c.path == [json!("version")])
            .unwrap();
        version.after = json!("1.29.0");
        let error = loaded.same_changes_as(&other).unwrap_err();
        assert!(
            error.to_string().ends_with("differ at `version`"),
            "{error}"
        );
    }

    #[test]
    fn stale_serial_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let storage = LocalStorage::new(dir.path().join("plinth.state.json"));
        let request = LockRequest {
            operation: "apply".into(),
            timeout: Duration::ZERO,
        };
        let lock = storage.lock(&request).unwrap();
        let mut state = storage.load().unwrap();
        storage.save(&mut state, &lock).unwrap();
        let file = saved(&state);
        let mut journal = storage.begin(state, &lock).unwrap();
        journal
            .record(Change::Upsert {
                address: "huaweicloud_cce_addon.other".parse().unwrap(),
                resource: ResourceState::new(Some("uid".into()), json!({})),
            })
            .unwrap();
        let (state, _) = journal.finish().unwrap();
        let error = file.check(&state, &digest(&sources("1.28.6"))).unwrap_err();
        assert_eq!(
            error,
            StalePlan::StateChanged {
                planned: 1,
                current: 2
            }
        );
        assert_snapshot!(message(&error, Some(error.hint())), @r"
        the state has changed since the plan was saved (serial 2, plan made at serial 1)

        hint: another run changed the state; run `plinth plan` again, review the new plan, and apply it
        ");
    }

    #[test]
    fn another_lineage_is_refused() {
        let file = saved(&State::new());
        let other = State::new();
        let error = file.check(&other, &digest(&sources("1.28.6"))).unwrap_err();
        assert!(matches!(error, StalePlan::LineageMismatch { .. }));
        let text = message(&error, Some(error.hint()));
        let text = text
            .replace(&file.plan().head.prior_state.lineage, "[planned]")
            .replace(&other.lineage().to_string(), "[current]");
        assert_snapshot!(text, @r"
        the plan was made for another state (lineage [planned]; the state has lineage [current])

        hint: check `--state`: the plan belongs to another state; or run `plinth plan` again against this one
        ");
    }

    #[test]
    fn changed_configuration_or_variable_is_refused() {
        let state = State::new();
        let file = saved(&state);
        let error = file.check(&state, &digest(&sources("1.29.0"))).unwrap_err();
        assert_snapshot!(message(&error, Some(error.hint())), @r"
        the configuration has changed since the plan was saved (a `*.hcl` file, a variable file or a variable value differs)

        hint: run `plinth plan` again with the current configuration and variables, review it, and apply it
        ");
        let mut other_secret = sources("1.28.6");
        other_secret.vars = vec!["token=another".into()];
        assert_eq!(
            file.check(&state, &digest(&other_secret)),
            Err(StalePlan::ConfigurationChanged)
        );
    }

    fn file<'a>(name: &'a str, contents: &'a [u8]) -> DigestedFile<'a> {
        DigestedFile { name, contents }
    }

    #[test]
    fn digest_covers_names_contents_and_variables() {
        let base = ConfigDigest::compute(&[file("a.hcl", b"x")], &[], &[]);
        assert!(base.as_str().starts_with("sha256:") && base.as_str().len() == 7 + 64);
        let same = ConfigDigest::compute(&[file("a.hcl", b"x")], &[], &[]);
        assert_eq!(base, same);
        for other in [
            ConfigDigest::compute(&[file("b.hcl", b"x")], &[], &[]),
            ConfigDigest::compute(&[file("a.hcl", b"y")], &[], &[]),
            ConfigDigest::compute(&[file("a.hcl", b"x")], &["v=1".into()], &[]),
            ConfigDigest::compute(
                &[file("a.hcl", b"x")],
                &[],
                &[("PLINTH_VAR_v".into(), "1".into())],
            ),
        ] {
            assert_ne!(base, other);
        }
        // File order does not matter; the boundaries between parts do.
        let two = ConfigDigest::compute(&[file("a.hcl", b"1"), file("b.hcl", b"2")], &[], &[]);
        let swapped = ConfigDigest::compute(&[file("b.hcl", b"2"), file("a.hcl", b"1")], &[], &[]);
        assert_eq!(two, swapped);
        let shifted = ConfigDigest::compute(&[file("a.hcl", b"12")], &[], &[]);
        assert_ne!(
            shifted,
            ConfigDigest::compute(&[file("a.hcl1", b"2")], &[], &[])
        );
    }

    #[test]
    fn digest_of_the_same_inputs_stays_the_same() {
        // Plan files saved by earlier versions hold digests made so; a change of the hashing
        // would refuse every one of them as a changed configuration.
        let digest = ConfigDigest::compute(
            &[file("b.hcl", b"2"), file("a.hcl", b"1")],
            &["v=1".into()],
            &[("PLINTH_VAR_w".into(), "2".into())],
        );
        assert_eq!(
            digest.as_str(),
            "sha256:727fe4ce0920860675f8baff50b0b2287cdff40719110c70eed599cf88279ee1"
        );
    }

    #[test]
    fn digest_covers_the_files_the_loader_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("main.hcl"), MAIN).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
        let options = plinth_config::LoadOptions {
            vars: vec!["token=x".into()],
            ..plinth_config::LoadOptions::default()
        };
        let digest = |options: &plinth_config::LoadOptions| {
            let config = plinth_config::load(dir.path(), options).unwrap();
            ConfigDigest::of_configuration(&config, options)
        };
        let before = digest(&options);
        std::fs::write(dir.path().join("notes.txt"), "changed").unwrap();
        assert_eq!(digest(&options), before);
        std::fs::write(dir.path().join("plinth.vars"), "token = \"x\"").unwrap();
        let with_vars = digest(&options);
        assert_ne!(with_vars, before);
        let options = plinth_config::LoadOptions {
            vars: vec!["token=y".into()],
            ..options
        };
        assert_ne!(digest(&options), with_vars);
    }

    #[test]
    fn a_changed_cloud_is_refused_naming_the_address() {
        let state = State::new();
        let file = saved(&state);
        let mut fresh = file.plan().clone();
        fresh.resource_changes[0].action = ChangeAction::Import;
        fresh.resource_changes[0].actions = vec![TerraformAction::NoOp];
        let error = file.same_changes_as(&fresh).unwrap_err();
        assert_snapshot!(message(&error, Some(error.hint())), @r"
        the cloud has changed since the plan was saved: `huaweicloud_cce_addon.dns` was planned to create, a fresh plan would import it

        hint: run `plinth plan` again to see what changed, review the new plan, and apply it
        ");
        let mut fresh = file.plan().clone();
        let version = fresh.resource_changes[0]
            .attribute_changes
            .iter_mut()
            .find(|c| c.path == [json!("version")])
            .unwrap();
        version.after = json!("1.29.0");
        let error = file.same_changes_as(&fresh).unwrap_err();
        assert_snapshot!(error.to_string(), @"the cloud has changed since the plan was saved: the planned changes of `huaweicloud_cce_addon.dns` differ at `version`");
        let mut fresh = file.plan().clone();
        fresh.resource_changes[0].action = ChangeAction::NoOp;
        assert_snapshot!(file.same_changes_as(&fresh).unwrap_err().to_string(), @"the cloud has changed since the plan was saved: `huaweicloud_cce_addon.dns` was planned to create, and a fresh plan does not change it");
    }

    #[test]
    fn not_a_plan_file_says_so() {
        let path = Path::new("plinth.state.json");
        let cases = [
            "hello",
            r#"{"format": "plinth-state", "version": 1}"#,
            r#"{"format": "plinth-plan"}"#,
            r#"{"format": "plinth-plan", "version": 1, "plan": {}}"#,
        ];
        let messages: Vec<String> = cases
            .iter()
            .map(|text| {
                let error = PlanFile::from_json(path, text).unwrap_err();
                message(&error, error.hint().as_deref())
            })
            .collect();
        assert_snapshot!(messages.join("\n---\n"));
    }

    #[test]
    fn newer_version_is_refused() {
        let file = saved(&State::new());
        let mut json: Json = serde_json::from_str(&file.to_json()).unwrap();
        json["version"] = json!(3);
        json["plinth_version"] = json!("9.0.0");
        let error = PlanFile::from_json(Path::new("tfplan"), &json.to_string()).unwrap_err();
        assert_snapshot!(message(&error, error.hint().as_deref()), @r"
        the plan file `tfplan` was written by plinth 9.0.0 in a newer format (version 3; this plinth reads up to version 2)

        hint: use plinth 9.0.0 or later to apply it, or run `plinth plan` again with this version
        ");
        let mut json: Json = serde_json::from_str(&file.to_json()).unwrap();
        json["plan"]["format_version"] = json!("2.0");
        let error = PlanFile::from_json(Path::new("tfplan"), &json.to_string()).unwrap_err();
        assert!(
            matches!(error, PlanFileError::NewerVersion { .. }),
            "{error}"
        );
    }

    #[test]
    fn an_unknown_action_or_reason_is_refused() {
        let file = saved(&State::new());
        let damaged = |pointer: &str, value: Json| {
            let mut json: Json = serde_json::from_str(&file.to_json()).unwrap();
            *json.pointer_mut(pointer).unwrap() = value;
            let error = PlanFile::from_json(Path::new("tfplan"), &json.to_string()).unwrap_err();
            assert!(
                matches!(error, PlanFileError::NotAPlanFile { .. }),
                "{error}"
            );
            error.to_string()
        };
        assert_snapshot!(damaged("/plan/resource_changes/0/action", json!("rebuild")), @"`tfplan` is not a plinth plan file: its plan is damaged (unknown variant `rebuild`, expected one of `no-op`, `create`, `update`, `replace`, `delete`, `read`, `import`, `forget`)");
        assert_snapshot!(damaged("/plan/resource_changes/0/actions/0", json!("upsert")), @"`tfplan` is not a plinth plan file: its plan is damaged (unknown variant `upsert`, expected one of `no-op`, `create`, `update`, `delete`, `read`, `forget`)");
        let reason = json!([{"code": "cosmic_rays", "message": "bit flips"}]);
        assert_snapshot!(damaged("/plan/resource_changes/0/reasons", reason), @"`tfplan` is not a plinth plan file: its plan is damaged (unknown variant `cosmic_rays`, expected one of `forced_by`, `drift`, `requested`, `tainted`, `no_longer_in_configuration`, `instance_key_removed`, `deleted_outside`, `adopted_by_natural_key`, `moved_by_identity`, `replaced_outside`, `destroy_requested`, `depends_on_unknown`, `not_read_yet`, `replace_triggered_by`)");
        assert_snapshot!(damaged("/plan/mode", json!("partial")), @"`tfplan` is not a plinth plan file: its plan is damaged (unknown variant `partial`, expected one of `normal`, `refresh_only`, `destroy`)");
        assert_snapshot!(damaged("/plan/resource_changes/0/mode", json!("ephemeral")), @"`tfplan` is not a plinth plan file: its plan is damaged (unknown variant `ephemeral`, expected `managed` or `data`)");
    }

    #[test]
    fn missing_file_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let error = PlanFile::load(&dir.path().join("nope")).unwrap_err();
        assert!(matches!(error, PlanFileError::Read { .. }), "{error}");
    }

    /// The code blocks of docs/plan-format.md, in order.
    fn doc_blocks() -> Vec<String> {
        let doc = include_str!("../../../docs/plan-format.md");
        let mut blocks = Vec::new();
        let mut current: Option<String> = None;
        for line in doc.lines() {
            match (&mut current, line.starts_with("```")) {
                (None, true) => current = Some(String::new()),
                (Some(block), true) => {
                    blocks.push(std::mem::take(block));
                    current = None;
                }
                (Some(block), false) => {
                    block.push_str(line);
                    block.push('\n');
                }
                (None, false) => {}
            }
        }
        blocks
    }

    #[test]
    fn the_documented_example_is_what_plinth_writes() {
        let hcl = r#"
variable "token" {
  type      = string
  sensitive = true
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values        = { flavor = { replicas = 2 }, custom = { token = var.token } }
}
output "dns_version" {
  value = huaweicloud_cce_addon.dns.version
}
"#;
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", hcl)],
            vars: vec![format!("token={SECRET}")],
            ..Sources::default()
        })
        .unwrap();
        let recorded = json!({"cluster_id": "c1", "template_name": "coredns", "version": "1.28.5",
            "id": "uid-dns", "status": "running",
            "values": {"flavor": {"replicas": 2, "cpu": "500m"}, "custom": {"token": "old"}}});
        let mut now = recorded.clone();
        now["values"]["flavor"]["replicas"] = json!(3);
        let mut world = World::new();
        world
            .in_state("huaweicloud_cce_addon.dns", Some("uid-dns"), recorded, &[])
            .remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
        let plan = world.plan(&config, &PlanOptions::default()).unwrap();
        let state = &world.state;
        let blocks = doc_blocks();
        let [text, plan_json, file_json] = &blocks[..] else {
            panic!(
                "docs/plan-format.md should have 3 code blocks, not {}",
                blocks.len()
            );
        };
        assert_eq!(*text, plan_text(&plan, state, RenderOptions::default()));
        let file = PlanFile::from_json(Path::new("docs"), file_json).unwrap();
        let mut fresh = whole_document(&plan, state);
        fresh.head.prior_state = file.plan().head.prior_state.clone();
        assert_eq!(
            *file.plan(),
            fresh,
            "the plan file example is not what plinth writes"
        );
        let documented: PlanDocument = serde_json::from_str(plan_json).unwrap();
        assert_eq!(
            documented, fresh,
            "the plan JSON example is not what plinth writes"
        );
        assert_eq!(file.to_json(), *file_json);
        assert_eq!(document_text(file.plan(), RenderOptions::default()), *text);
    }
}

#[cfg(test)]
mod variable_tests {
    use plinth_config::{SourceFile, Sources, load_sources};
    use serde_json::json;

    use super::*;

    const VARIABLES: &str = r#"
variable "name" { type = string }
variable "replicas" { type = number }
variable "labels" { type = map(string) }
variable "loose" {}
variable "token" {
  type      = string
  sensitive = true
}
"#;

    fn load(vars_file: &str, vars: &[&str]) -> plinth_config::Configuration {
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", VARIABLES)],
            var_files: vec![SourceFile::new("given.vars", vars_file)],
            vars: vars.iter().map(|v| (*v).to_owned()).collect(),
            ..Sources::default()
        })
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn saved_values_load_back_to_the_same_values_and_secrets_are_sealed() {
        let config = load(
            "name = \"a $${b} %%{c} \\\"q\\\"\"\nreplicas = 2\nlabels = { \"x y\" = \"1\" }\nloose = 7\n",
            &["token=t0p-s3cr3t"],
        );
        let saved = SavedVariables::of(&config);
        let text = serde_json::to_string(&saved).unwrap();
        assert!(!text.contains("t0p-s3cr3t"), "{text}");
        assert_eq!(
            saved.0["replicas"],
            SavedVariable::Value(json!(2)),
            "{text}"
        );
        // Loaded again from the saved values, with the secret given again: the same values.
        let again = load(&saved.to_variables_file(), &["token=t0p-s3cr3t"]);
        assert_eq!(saved.check(&again), Ok(()));
        for variable in config.variables() {
            let reloaded = again.variable(variable.name()).unwrap();
            assert_eq!(reloaded.value(), variable.value(), "{}", variable.name());
        }
    }

    #[test]
    fn a_sensitive_value_must_be_given_again_the_same() {
        let config = load(
            "name = \"n\"\nreplicas = 1\nlabels = {}\nloose = 1\n",
            &["token=one"],
        );
        let saved = SavedVariables::of(&config);
        let other = load(&saved.to_variables_file(), &["token=two"]);
        let error = saved.check(&other).unwrap_err();
        assert_eq!(
            error,
            VariableMismatch::SensitiveDiffers {
                name: "token".into()
            }
        );
        insta::assert_snapshot!(format!("{error}\n\nhint: {}", error.hint()), @r"
        the plan was made with another value of the sensitive variable `token` (a plan file keeps only its fingerprint, so it must be given again)

        hint: give it the value the plan was made with: `--var token=VALUE`, the environment variable `PLINTH_VAR_token`, or a `--var-file`
        ");
        let overridden = load(&saved.to_variables_file(), &["token=one", "replicas=5"]);
        assert_eq!(
            saved.check(&overridden),
            Err(VariableMismatch::ValueDiffers {
                name: "replicas".into()
            })
        );
    }

    #[test]
    fn a_damaged_seal_matches_nothing() {
        for sealed in ["", "sha256", "md5:00:00", "sha256:zz:00", "sha256:00:00"] {
            assert!(!unseal_matches(sealed, &json!("x")), "{sealed}");
        }
        let sealed = seal(b"salt", &json!("x"));
        assert!(unseal_matches(&sealed, &json!("x")));
        assert!(!unseal_matches(&sealed, &json!("y")));
    }
}

#[cfg(test)]
pub(crate) mod check_tests {
    use plinth_config::{SourceFile, Sources, load_sources};
    use plinth_planner::{Observations, plan};
    use serde_json::json;

    use super::*;
    use crate::render::testing::whole_document;

    use super::tests::MAIN;

    /// A plan file, as JSON, of a create with a sensitive value, made where no state exists.
    pub(super) fn written(state: &State) -> Json {
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", MAIN)],
            vars: vec!["token=t0p-s3cr3t".into()],
            ..Sources::default()
        })
        .unwrap();
        let planned = plan(
            &config,
            state,
            &Observations::new(),
            &PlanOptions::default(),
        )
        .unwrap();
        let file = PlanFile::new(
            whole_document(&planned, state),
            ConfigDigest::of_configuration_files(&config),
            SavedVariables::of(&config),
            PlanOptions::default(),
        );
        serde_json::from_str(&file.to_json()).unwrap()
    }

    fn refused(json: &Json) -> String {
        let error = PlanFile::from_json(Path::new("tfplan"), &json.to_string()).unwrap_err();
        assert!(
            matches!(error, PlanFileError::NotAPlanFile { .. }),
            "{error}"
        );
        error.to_string()
    }

    #[test]
    fn what_plinth_writes_passes_the_checks() {
        let json = written(&State::new());
        assert!(PlanFile::from_json(Path::new("tfplan"), &json.to_string()).is_ok());
    }

    #[test]
    fn a_file_that_contradicts_itself_is_refused() {
        let json = written(&State::new());
        let change = "/plan/resource_changes/0";
        let mut cases: Vec<(&str, Json)> = Vec::new();
        let mut damaged = json.clone();
        *damaged
            .pointer_mut(&format!("{change}/after/values/custom/token"))
            .unwrap() = json!("leaked-secret");
        cases.push(("a value where after_sensitive says sensitive", damaged));
        let mut damaged = json.clone();
        *damaged
            .pointer_mut(&format!("{change}/after/version"))
            .unwrap() = json!("9.9.9");
        cases.push(("an after that is not its attribute change", damaged));
        let mut damaged = json.clone();
        *damaged
            .pointer_mut(&format!("{change}/after_sensitive"))
            .unwrap() = json!({});
        cases.push(("a sensitive mark dropped", damaged));
        let mut damaged = json.clone();
        *damaged.pointer_mut(&format!("{change}/actions")).unwrap() = json!(["delete"]);
        cases.push(("actions that are not the action's", damaged));
        let mut damaged = json.clone();
        *damaged.pointer_mut("/plan/summary/add").unwrap() = json!(0);
        cases.push(("a summary that does not count the changes", damaged));
        let mut damaged = json.clone();
        *damaged.pointer_mut("/plan/has_changes").unwrap() = json!(false);
        cases.push(("has_changes false with changes", damaged));
        let mut damaged = json.clone();
        damaged["variables"] = Json::Null;
        cases.push(("a version 2 file without variables", damaged));
        let mut messages = Vec::new();
        for (what, damaged) in cases {
            let message = refused(&damaged);
            assert!(!message.contains("leaked-secret"), "{message}");
            messages.push(format!("{what}: {message}"));
        }
        insta::assert_snapshot!(messages.join("\n"));
    }

    #[test]
    fn duplicate_keys_are_refused() {
        let text = written(&State::new()).to_string();
        // The same key twice, the second one what a reviewer's tool would not see.
        let duplicated =
            text.replacen("\"destroy\":false", "\"destroy\":false,\"destroy\":true", 1);
        assert_ne!(duplicated, text);
        let error = PlanFile::from_json(Path::new("tfplan"), &duplicated).unwrap_err();
        assert!(
            matches!(error, PlanFileError::NotAPlanFile { .. }),
            "{error}"
        );
        assert!(
            error.to_string().starts_with(
                "`tfplan` is not a plinth plan file: it is not JSON (duplicate key `destroy`"
            ),
            "{error}"
        );
    }

    #[test]
    fn a_plan_made_where_no_state_exists_applies_with_its_lineage() {
        let planned_against = State::new();
        let json = written(&planned_against);
        let file = PlanFile::from_json(Path::new("tfplan"), &json.to_string()).unwrap();
        // Where the apply runs there is still no state: a new one, another lineage.
        let state = file.state_to_apply_to(State::new());
        assert_eq!(state.lineage(), planned_against.lineage());
        // A state that was saved is not replaced: the plan is refused as another state's.
        let mut saved = State::new();
        saved.apply(plinth_state::Change::SetOutput {
            name: "x".into(),
            output: plinth_state::OutputState::Plain(json!(1)),
        });
        let kept = file.state_to_apply_to(saved.clone());
        assert_eq!(kept.lineage(), saved.lineage());
    }
}

//! plinth's configuration language: a directory of HCL files to a typed, validated
//! [`Configuration`].
//!
//! [`load`] reads every `*.hcl` file of a directory and the variable files (`plinth.vars`,
//! `*.auto.vars`, `--var-file`), resolves variables (`--var`, `PLINTH_VAR_name`, defaults),
//! checks everything against the [schema](schema) of the resource types plinth knows (the registry),
//! and reports every mistake of the run together as [`Diagnostics`] rendered as code frames.
//! [`expand`] then turns resources into instances (`count`, `for_each`) with evaluated
//! attributes, given what is known about the cloud ([`ResourceValues`]): values not known yet
//! are [`Value::Unknown`], and values from sensitive variables carry a sensitive mark.
//! [`expand_resources`] and [`evaluate_outputs`] evaluate only what they need: the resources
//! chosen (or the outputs) and the locals and resources they refer to, transitively.
//!
//! This crate does no IO besides reading the files it is given (and `file()` calls), never
//! reads the environment (the caller passes `PLINTH_VAR_*` entries in), never prints, and knows
//! nothing of state or the cloud. [`format_source`] gives a file's canonical layout (`plinth fmt`).
//!
//! ```
//! use plinth_config::{NoValues, SourceFile, Sources, Value, expand, load_sources};
//!
//! let main = r#"
//! resource "huaweicloud_modelarts_pool_plugin" "gpu" {
//!   for_each      = toset(["pool-a", "pool-b"])
//!   pool_name     = each.key
//!   template_name = "gpu-beta"
//! }
//! "#;
//! let config = load_sources(Sources {
//!     files: vec![SourceFile::new("main.hcl", main)],
//!     ..Sources::default()
//! })
//! .unwrap();
//! let instances = expand(&config, &NoValues).unwrap();
//! assert_eq!(instances[1].address.to_string(), r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#);
//! assert_eq!(instances[1].attributes.get("pool_name"), Some(&Value::string("pool-b")));
//! ```

mod arguments;
mod conditions;
mod diagnostic;
mod duration;
mod eval;
mod expand;
mod format;
mod functions;
mod generate;
mod load;
mod locate;
mod model;
mod modules;
mod redact;
mod refs;
mod schema;
mod settings;
mod statements;
#[cfg(any(test, feature = "testing"))]
#[doc(hidden)]
pub mod testing;
mod types;
mod value;

pub use crate::arguments::{MissingVariables, VarArgument, VarSource};
pub use crate::conditions::{
    ConditionReport, ReplaceTrigger, evaluate_conditions, evaluate_postconditions,
    evaluate_preconditions, has_plan_conditions,
};
pub use crate::diagnostic::{Diagnostic, Diagnostics, Location, Severity, SourceFile};
pub use crate::duration::parse_duration;
pub use crate::expand::{
    NoValues, OutputValue, ResourceInstance, ResourceValues, evaluate_outputs, expand,
    expand_resources,
};
pub use crate::format::{FormatError, format_source};
pub use crate::generate::{GENERATED_HEADER, generated_resource};
pub use crate::load::{ENV_PREFIX, LoadOptions, Sources, load, load_sources};
pub use crate::model::{
    Configuration, Endpoints, Expr, Lifecycle, Local, MovedBlock, Output, ProviderConfig,
    Reference, ReferenceStep, Resource, Timeouts, Validation, Variable,
};
pub use crate::schema::schema;
pub use crate::settings::{
    Backend, DEFAULT_PG_SCHEMA, PgBackend, Settings, SettingsOptions, load_settings,
    settings_from_sources,
};
pub use crate::statements::{Import, Removed};
pub use crate::types::TypeConstraint;
pub use crate::value::{ObjectMap, Value, compact_object};

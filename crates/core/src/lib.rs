//! plinth's vocabulary: the types every other crate speaks.
//!
//! - [`ResourceAddress`] (with [`Mode`], [`InstanceKey`] and room for a [`ModulePath`]): the one
//!   address of a configuration block, an instance, a state record, a plan step, a `--target`;
//! - [`AttributePath`] and [`PathStep`]: a path into a resource's attributes, shown like HCL and
//!   written as a JSON pointer (escaping written once, in [`path`]);
//! - the [`registry`] of resource types: for each managed type and data source, its attributes,
//!   its natural key, its import-id forms, its version attributes and its cloud API family;
//! - [`RemoteObject`] (with [`Progress`] and compact [`Attributes`]): a cloud object as the drivers
//!   answer it and the planner compares it.
//!
//! It does no IO and depends on no other plinth crate.

mod address;
pub mod attributes;
pub mod path;
pub mod registry;
mod remote;

pub use address::{AddressError, InstanceKey, Mode, ModulePath, ModuleStep, ResourceAddress};
pub use attributes::Attributes;
pub use path::{AttributePath, PathStep};
pub use registry::{
    AddonApi, ApiFamily, AttributeSpec, AttributeType, OnChange, Presence, TypeSpec,
};
pub use remote::{
    NaturalKey, ObjectRef, Progress, RemoteObject, natural_key_json, natural_key_serde,
};

//! Why a plan cannot be made.

use plinth_core::ResourceAddress;
use std::fmt::{self, Write as _};

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// The resources depend on each other in a circle.
    #[error("dependency cycle between {}", list(.addresses))]
    Cycle {
        /// The resources on the cycle, sorted.
        addresses: Vec<ResourceAddress>,
    },
    /// The plan would destroy resources marked `prevent_destroy = true`.
    #[error("{}", show_refusals(.refusals))]
    PreventDestroy {
        /// Each refused resource and why the plan would destroy it.
        refusals: Vec<Refusal>,
    },
    /// Evaluating the configuration failed (e.g. a `count` or `for_each` that depends on values
    /// known only after apply); rendered as code frames.
    #[error("{0}")]
    Configuration(#[source] plinth_config::Diagnostics),
    /// A `moved` block that cannot apply (ambiguous, a cycle, onto an object), or two objects the
    /// configuration gives one identity; the message names the blocks.
    #[error("{message}")]
    Move {
        /// What is wrong, with where the blocks are written.
        message: String,
    },
    /// Configured objects that exist in the cloud but in no record of the state, which
    /// `--no-adopt` refuses to adopt.
    #[error("{}", show_unadopted(.objects))]
    Unadopted {
        /// Each configured address, and the id of the object found there.
        objects: Vec<(ResourceAddress, Option<String>)>,
    },
    /// An `import` block whose `to` is not an instance of the configuration.
    #[error(
        "the configuration for import target `{address}` does not exist ({location})\n\nhint: add its `resource` block (with the `count` or `for_each` key it needs), or let plinth write one: `plinth plan --generate-config-out generated.hcl`"
    )]
    ImportTargetNotConfigured {
        /// The import target.
        address: ResourceAddress,
        /// Where the `import` block is.
        location: plinth_config::Location,
    },
    /// An `import` block whose `to` is in the state already, as another object.
    #[error(
        "cannot import `{id}` to `{address}` ({location}): the state already manages another object there ({recorded})\n\nhint: remove the `import` block, or `plinth state rm {address}` first to manage the other object instead"
    )]
    ImportConflict {
        /// The import target.
        address: ResourceAddress,
        /// The import id of the block.
        id: String,
        /// What the state records there.
        recorded: String,
        /// Where the `import` block is.
        location: plinth_config::Location,
    },
    /// An `import` block whose object differs from its `resource` block in attributes that force
    /// replacement: the id names another object than the block describes.
    #[error(
        "cannot import `{id}` to `{address}` ({location}): the object's {} differ{} from the configuration's\n\nhint: check the id, or change the `resource` block to describe the object",
        list_names(.attributes),
        if .attributes.len() == 1 { "s" } else { "" }
    )]
    ImportMismatch {
        /// The import target.
        address: ResourceAddress,
        /// The import id of the block.
        id: String,
        /// The attributes that differ and force replacement.
        attributes: Vec<String>,
        /// Where the `import` block is.
        location: plinth_config::Location,
    },
    /// A resource or data source type the planner has no schema for.
    #[error("unknown resource type `{type_name}` of `{address}`")]
    UnknownType {
        /// The resource or data source.
        address: ResourceAddress,
        /// Its type.
        type_name: String,
    },
}

/// A resource with `prevent_destroy = true` that a plan would destroy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What the plan would do to it: `destroy` or `replace`.
    pub action: &'static str,
    /// Why, e.g. ``forced by `cluster_id` ``.
    pub reason: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "instance `{}` cannot be destroyed: the plan would {} it",
            self.address, self.action
        )?;
        if !self.reason.is_empty() {
            write!(f, " ({})", self.reason)?;
        }
        f.write_str(", but it has `lifecycle { prevent_destroy = true }`")
    }
}

fn list(addresses: &[ResourceAddress]) -> String {
    addresses
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn list_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_refusals(refusals: &[Refusal]) -> String {
    let mut out: Vec<String> = refusals.iter().map(ToString::to_string).collect();
    out.push(String::new());
    out.push(
        "hint: remove `prevent_destroy`, or change the plan so that it keeps the resource (e.g. undo the change that forces replacement)"
            .to_owned(),
    );
    out.join("\n")
}

fn show_unadopted(objects: &[(ResourceAddress, Option<String>)]) -> String {
    let mut out = String::from(
        "these objects already exist in the cloud, but this state does not manage them, and \
         --no-adopt refuses to adopt them (another configuration's state may manage them):",
    );
    for (address, id) in objects {
        let _ = match id {
            Some(id) => write!(out, "\n  - `{address}` (id {id})"),
            None => write!(out, "\n  - `{address}`"),
        };
    }
    out.push_str(
        "\n\nhint: if this configuration should manage them, import them explicitly \
         (`plinth import ADDR ID`), or plan without --no-adopt to adopt them",
    );
    out
}

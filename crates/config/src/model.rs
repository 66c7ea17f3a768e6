//! The typed configuration: what `load` produces.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use hcl_edit::expr::Expression;

use crate::diagnostic::{Diagnostic, Diagnostics, FileId, Location, SourceFile, SourceMap};
use crate::types::TypeConstraint;
use crate::value::Value;

pub(crate) use plinth_core::{InstanceKey, Mode, ResourceAddress};

/// An expression as written, with the file it is in.
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    pub(crate) expr: Expression,
    pub(crate) file: FileId,
    pub(crate) location: Location,
}

impl Expr {
    /// The parsed expression (hcl-edit's tree, with spans).
    pub fn expression(&self) -> &Expression {
        &self.expr
    }

    /// Where the expression starts.
    pub fn location(&self) -> &Location {
        &self.location
    }
}

/// One step after the resource in a reference: `.status`, `[0]`, `["key"]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReferenceStep {
    /// `.name`.
    Attribute(String),
    /// `[...]` with a literal key (a number or a string).
    Index(String),
    /// `[...]` with a computed key, or a splat.
    Dynamic,
}

/// A reference from an expression to a resource or data source, with where it is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Reference {
    /// The resource or data source referred to.
    pub address: ResourceAddress,
    /// What follows the address (`.status`, `["pool-a"].phase`).
    pub steps: Vec<ReferenceStep>,
    /// Where the reference is written.
    pub location: Location,
    /// The byte offset it is written at, in the file of what holds it.
    pub(crate) offset: usize,
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.address)?;
        for step in &self.steps {
            match step {
                ReferenceStep::Attribute(name) => write!(f, ".{name}")?,
                ReferenceStep::Index(key) => write!(f, "[{key}]")?,
                ReferenceStep::Dynamic => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// The `lifecycle` block of a resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    /// Refuse any plan that destroys this resource.
    pub prevent_destroy: bool,
    /// On replacement, create the new object before deleting the old one.
    pub create_before_destroy: bool,
    /// Attribute paths whose changes are ignored (`ignore_changes = [values, version]`).
    pub ignore_changes: Vec<Vec<String>>,
    /// `ignore_changes = all`.
    pub ignore_all_changes: bool,
    /// `replace_triggered_by`: replace the instances when what these name changes.
    pub replace_triggered_by: Vec<crate::conditions::ReplaceTrigger>,
}

/// The `timeouts` block of a resource: how long each operation may take.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timeouts {
    /// Limit for creating.
    pub create: Option<Duration>,
    /// Limit for updating.
    pub update: Option<Duration>,
    /// Limit for deleting.
    pub delete: Option<Duration>,
}

/// A `resource` or `data` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub(crate) address: ResourceAddress,
    pub(crate) location: Location,
    pub(crate) file: FileId,
    /// The byte offset the block starts at.
    pub(crate) offset: usize,
    pub(crate) count: Option<Expr>,
    pub(crate) for_each: Option<Expr>,
    pub(crate) depends_on: Vec<Reference>,
    pub(crate) lifecycle: Lifecycle,
    pub(crate) timeouts: Timeouts,
    pub(crate) attributes: BTreeMap<String, Expr>,
    pub(crate) references: Vec<Reference>,
    /// The module instance it is in: an index into [`Configuration::scopes`] (0: the root).
    pub(crate) scope: usize,
    /// The alias of its provider configuration (`provider = huaweicloud.ALIAS`, or its
    /// module's); `None` for the default one.
    pub(crate) provider: Option<String>,
    /// Its `precondition` / `postcondition` blocks and lifecycle expressions.
    pub(crate) conditions: crate::conditions::ResourceConditions,
}

impl Resource {
    /// Its address.
    pub fn address(&self) -> &ResourceAddress {
        &self.address
    }

    /// Managed or data.
    pub fn mode(&self) -> Mode {
        self.address.mode()
    }

    /// Its type.
    pub fn resource_type(&self) -> &str {
        self.address.type_name()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        self.address.name()
    }

    /// Where the block starts.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The `count` expression.
    pub fn count(&self) -> Option<&Expr> {
        self.count.as_ref()
    }

    /// The `for_each` expression.
    pub fn for_each(&self) -> Option<&Expr> {
        self.for_each.as_ref()
    }

    /// The explicit dependencies of `depends_on`.
    pub fn depends_on(&self) -> &[Reference] {
        &self.depends_on
    }

    /// The `lifecycle` block (defaults when absent).
    pub fn lifecycle(&self) -> &Lifecycle {
        &self.lifecycle
    }

    /// The `timeouts` block (all `None` when absent).
    pub fn timeouts(&self) -> &Timeouts {
        &self.timeouts
    }

    /// The attributes the user set, by name (meta-arguments excluded).
    pub fn attributes(&self) -> &BTreeMap<String, Expr> {
        &self.attributes
    }

    /// The alias of the provider configuration that manages it (`provider = huaweicloud.hk`,
    /// or the one its module was given); `None` for the default `provider` block.
    pub fn provider(&self) -> Option<&str> {
        self.provider.as_deref()
    }

    /// Every reference to another resource or data source in its expressions (attributes,
    /// `count`, `for_each`), not counting `depends_on`.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }
}

/// A `validation` block of a variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Validation {
    /// The condition, which must be true.
    pub condition: Expr,
    /// The message shown when it is not.
    pub error_message: String,
}

/// A `variable` block, with its resolved value.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub(crate) name: String,
    pub(crate) location: Location,
    /// The file of the block, and the byte offset it starts at.
    pub(crate) file: FileId,
    pub(crate) offset: usize,
    pub(crate) type_constraint: Option<TypeConstraint>,
    pub(crate) default: Option<Value>,
    /// The file and range of the `default` expression.
    pub(crate) default_origin: Option<(FileId, Range<usize>)>,
    pub(crate) description: Option<String>,
    pub(crate) sensitive: bool,
    pub(crate) validations: Vec<Validation>,
    pub(crate) value: Value,
}

impl Variable {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the block starts.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Its `type`, if given.
    pub fn type_constraint(&self) -> Option<&TypeConstraint> {
        self.type_constraint.as_ref()
    }

    /// Its `default`, if given.
    pub fn default(&self) -> Option<&Value> {
        self.default.as_ref()
    }

    /// Its `description`, if given.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether it is `sensitive = true`.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// Its `validation` blocks.
    pub fn validations(&self) -> &[Validation] {
        &self.validations
    }

    /// Its value after precedence and type conversion (marked when sensitive).
    pub fn value(&self) -> &Value {
        &self.value
    }
}

/// One entry of a `locals` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Local {
    pub(crate) name: String,
    pub(crate) expr: Expr,
    pub(crate) references: Vec<Reference>,
    /// The module instance it is in (0: the root).
    pub(crate) scope: usize,
}

impl Local {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// The resources and data sources it refers to.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }
}

/// An `output` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub(crate) name: String,
    pub(crate) location: Location,
    pub(crate) value: Expr,
    pub(crate) description: Option<String>,
    pub(crate) sensitive: bool,
    pub(crate) depends_on: Vec<Reference>,
    pub(crate) references: Vec<Reference>,
}

impl Output {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the block starts.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// Its `value` expression.
    pub fn value(&self) -> &Expr {
        &self.value
    }

    /// Its `description`, if given.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Whether it is `sensitive = true`.
    pub fn is_sensitive(&self) -> bool {
        self.sensitive
    }

    /// Its `depends_on`.
    pub fn depends_on(&self) -> &[Reference] {
        &self.depends_on
    }

    /// The resources and data sources its value refers to.
    pub fn references(&self) -> &[Reference] {
        &self.references
    }
}

/// Endpoint overrides of the provider block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// `ModelArts` endpoint.
    pub modelarts: Option<String>,
    /// CCE endpoint.
    pub cce: Option<String>,
    /// IAM endpoint.
    pub iam: Option<String>,
}

/// The `provider "huaweicloud"` block, evaluated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderConfig {
    /// Where the block starts.
    pub location: Option<Location>,
    /// `alias`: the name resources use it by (`provider = huaweicloud.ALIAS`); `None` for the
    /// default configuration.
    pub alias: Option<String>,
    /// `region`.
    pub region: Option<String>,
    /// `project_id`.
    pub project_id: Option<String>,
    /// `endpoints`.
    pub endpoints: Endpoints,
    /// `sandbox`: use the built-in local cloud.
    pub sandbox: bool,
    /// `access_key`.
    pub access_key: Option<String>,
    /// `secret_key`.
    pub secret_key: Option<String>,
    /// `security_token`.
    pub security_token: Option<String>,
    /// `cloud`: the cloud domain, e.g. `myhuaweicloud.com`.
    pub cloud: Option<String>,
    /// `connect_timeout`: how long opening a connection may take.
    pub connect_timeout: Option<std::time::Duration>,
    /// `request_timeout`: how long one HTTP exchange may take.
    pub request_timeout: Option<std::time::Duration>,
}

/// A loaded, validated configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub(crate) dir: Option<PathBuf>,
    pub(crate) sources: SourceMap,
    pub(crate) provider: Option<ProviderConfig>,
    pub(crate) variables: Vec<Variable>,
    pub(crate) locals: Vec<Local>,
    pub(crate) resources: Vec<Resource>,
    pub(crate) outputs: Vec<Output>,
    pub(crate) moved: Vec<MovedBlock>,
    /// The `removed` and `import` blocks.
    pub(crate) statements: crate::statements::Statements,
    pub(crate) warnings: Diagnostics,
    /// Locals and resources in an order where each comes after what it refers to.
    pub(crate) order: Vec<Node>,
    /// The module instances: the root first, then every instance of every `module` call.
    pub(crate) scopes: Vec<crate::modules::ModuleScope>,
    /// The `module` blocks of every module.
    pub(crate) calls: Vec<crate::modules::ModuleCall>,
    /// The `provider` blocks with an `alias`, evaluated.
    pub(crate) aliased_providers: Vec<ProviderConfig>,
    /// The `check` blocks.
    pub(crate) checks: Vec<crate::conditions::Check>,
}

/// A `moved { from = ... to = ... }` block: the object recorded at `from` is now `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovedBlock {
    /// The old address: a whole resource or one instance.
    pub from: ResourceAddress,
    /// The new address, of the same type and of the same kind (resource or instance).
    pub to: ResourceAddress,
    /// Where the block starts.
    pub location: Location,
    /// The file it is in.
    pub(crate) file: FileId,
    /// Its bytes in the file.
    pub(crate) range: Range<usize>,
}

/// A local or a resource, as a node of the evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Node {
    Local(usize),
    Resource(usize),
    /// The input variables of a module instance (a scope), evaluated in its caller.
    Inputs(usize),
    /// The outputs of a module instance (a scope), which its caller reads as `module.NAME`.
    Outputs(usize),
}

impl Configuration {
    /// The directory it was loaded from (`None` for in-memory sources).
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// The `moved` blocks, in the order they are written.
    pub fn moved_blocks(&self) -> &[MovedBlock] {
        &self.moved
    }

    /// The source files, in load order.
    pub fn sources(&self) -> &[Arc<SourceFile>] {
        self.sources.files()
    }

    /// The provider block, if there is one.
    pub fn provider(&self) -> Option<&ProviderConfig> {
        self.provider.as_ref()
    }

    /// The `provider` blocks with an `alias` (`provider "huaweicloud" { alias = "hk" ... }`),
    /// in the order they are written.
    pub fn aliased_providers(&self) -> &[ProviderConfig] {
        &self.aliased_providers
    }

    /// Variables, in declaration order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }

    /// The variable named `name`.
    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// Locals, in declaration order (those of every module instance, the root's first).
    pub fn locals(&self) -> &[Local] {
        &self.locals
    }

    /// The module instances below the root, each with its path (`module.dns["c1"]`), in the
    /// order they were loaded.
    pub fn module_instances(&self) -> impl Iterator<Item = &plinth_core::ModulePath> {
        self.scopes.iter().skip(1).map(|scope| &scope.path)
    }

    /// Managed resources (`resource` blocks), in declaration order.
    pub fn resources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.mode() == Mode::Managed)
    }

    /// Data sources (`data` blocks), in declaration order.
    pub fn data_sources(&self) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(|r| r.mode() == Mode::Data)
    }

    /// Resources and data sources together, in declaration order.
    pub fn all_resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resource or data source at `address`.
    pub fn resource(&self, address: &ResourceAddress) -> Option<&Resource> {
        self.resources.iter().find(|r| &r.address == address)
    }

    /// Outputs, in declaration order.
    pub fn outputs(&self) -> &[Output] {
        &self.outputs
    }

    /// Warnings found while loading (e.g. a value for an undeclared variable in a vars file).
    pub fn warnings(&self) -> &Diagnostics {
        &self.warnings
    }

    pub(crate) fn source(&self, file: FileId) -> &Arc<SourceFile> {
        self.sources.get(file)
    }

    pub(crate) fn error(
        &self,
        file: FileId,
        range: &Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.sources.error(file, range, message)
    }
}

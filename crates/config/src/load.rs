//! Loading: files to a typed, validated [`Configuration`].

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Attribute, Block, Body, Structure};

use crate::arguments::{MissingVariables, VarArgument, VarSource};
use crate::diagnostic::{
    Diagnostic, Diagnostics, FileId, Location, SourceFile, SourceMap, display_path,
};
use crate::duration::parse_duration;
use crate::eval::{Context, Env, span};
use crate::model::{
    Configuration, Endpoints, Expr, Lifecycle, Local, Mode, MovedBlock, Node, Output,
    ProviderConfig, Reference, ReferenceStep, Resource, ResourceAddress, Timeouts, Validation,
    Variable,
};
use crate::redact::redact;
use crate::refs::{RawRef, Target, references};
use crate::schema::{schema, suggest};
use crate::types::TypeConstraint;
use crate::value::{ObjectMap, Value};
use plinth_core::{Presence, TypeSpec, registry};

mod modules;
mod providers;

/// What the command line adds to the files of the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// `--var-file` paths, in the order given (relative paths are relative to the directory).
    pub var_files: Vec<PathBuf>,
    /// Raw `--var` arguments, `NAME=VALUE`, in the order given; they win over `--var-file`.
    pub vars: Vec<String>,
    /// Environment entries (`PLINTH_VAR_name`, value); entries without that prefix are ignored.
    /// The caller passes them in: this crate never reads the environment.
    pub env_vars: Vec<(String, String)>,
    /// `--var-file` and `--var` arguments in command-line order, applied after `var_files`
    /// and `vars`: a later one wins over an earlier one of either kind, as in Terraform.
    pub arguments: Vec<VarArgument>,
    /// What a required variable without a value is.
    pub missing_variables: MissingVariables,
    /// The selected workspace, the value of `plinth.workspace` (`None`: `default`).
    pub workspace: Option<String>,
}

/// Everything a configuration is made of, already in memory: the pure input of [`load_sources`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    /// The configuration directory, for `file()` and `path.module` (`None`: the current one).
    pub dir: Option<PathBuf>,
    /// The `*.hcl` files, in load order.
    pub files: Vec<SourceFile>,
    /// Variable files in increasing precedence: `plinth.vars`, `*.auto.vars`, `--var-file`.
    pub var_files: Vec<SourceFile>,
    /// Raw `--var` arguments, `NAME=VALUE` (highest precedence).
    pub vars: Vec<String>,
    /// Environment entries `PLINTH_VAR_name` (lowest precedence after defaults).
    pub env_vars: Vec<(String, String)>,
    /// The files of module directories, by path relative to `dir` (`modules/dns`); a module
    /// not given here is read from its directory under `dir`.
    pub modules: BTreeMap<PathBuf, Vec<SourceFile>>,
    /// `--var-file` and `--var` arguments in command-line order, applied last.
    pub arguments: Vec<VarSource>,
    /// What a required variable without a value is.
    pub missing_variables: MissingVariables,
    /// The selected workspace, the value of `plinth.workspace` (`None`: `default`).
    pub workspace: Option<String>,
}

/// The prefix of environment variables that set variables.
pub const ENV_PREFIX: &str = "PLINTH_VAR_";

/// Loads the configuration in `dir`: every `*.hcl` file (sorted by name), `plinth.vars`,
/// `*.auto.vars`, then the options' `--var-file`s and `--var`s. Returns every error found.
pub fn load(dir: &Path, options: &LoadOptions) -> Result<Configuration, Diagnostics> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Diagnostic::error(format!(
            "cannot read directory `{}`: {e}",
            display_path(dir)
        ))
    })?;
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| {
            Diagnostic::error(format!(
                "cannot read directory `{}`: {e}",
                display_path(dir)
            ))
        })?;
        if entry.file_type().is_ok_and(|t| t.is_file())
            && let Some(name) = entry.file_name().to_str()
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    let mut diagnostics = Diagnostics::new();
    let mut read = |path: &Path, name: String| match std::fs::read_to_string(path) {
        Ok(text) => Some(SourceFile::new(name, text)),
        Err(e) => {
            diagnostics.push(Diagnostic::error(format!(
                "cannot read `{}`: {e}",
                display_path(path)
            )));
            None
        }
    };
    let files: Vec<SourceFile> = names
        .iter()
        .filter(|n| Path::new(n).extension().is_some_and(|e| e == "hcl"))
        .filter_map(|n| read(&dir.join(n), n.clone()))
        .collect();
    let mut var_files: Vec<SourceFile> = names
        .iter()
        .filter(|n| *n == "plinth.vars")
        .chain(names.iter().filter(|n| n.ends_with(".auto.vars")))
        .filter_map(|n| read(&dir.join(n), n.clone()))
        .collect();
    for path in &options.var_files {
        var_files.extend(read(&dir.join(path), display_path(path)));
    }
    let arguments: Vec<VarSource> = options
        .arguments
        .iter()
        .filter_map(|argument| match argument {
            VarArgument::File(path) => {
                read(&dir.join(path), display_path(path)).map(VarArgument::File)
            }
            VarArgument::Set(raw) => Some(VarArgument::Set(raw.clone())),
        })
        .collect();
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    if files.is_empty() {
        return Err(Diagnostic::error(format!("no `*.hcl` files in `{}`", display_path(dir)))
            .with_hint("write the configuration in files named like `main.hcl`, or choose another directory with `--chdir`")
            .into());
    }
    load_sources(Sources {
        dir: Some(dir.to_path_buf()),
        files,
        var_files,
        vars: options.vars.clone(),
        env_vars: options.env_vars.clone(),
        modules: BTreeMap::new(),
        arguments,
        missing_variables: options.missing_variables,
        workspace: options.workspace.clone(),
    })
}

/// Loads a configuration from sources in memory: parses, decodes, checks against the schema,
/// resolves variables, and evaluates every resource and output once with nothing known about
/// the cloud, so that every error is found now. No IO except `file()` calls.
pub fn load_sources(sources: Sources) -> Result<Configuration, Diagnostics> {
    let mut loader = Loader {
        config: Configuration {
            scopes: vec![crate::modules::ModuleScope::root(sources.dir.clone())],
            calls: Vec::new(),
            aliased_providers: Vec::new(),
            dir: sources.dir,
            sources: SourceMap::default(),
            provider: None,
            variables: Vec::new(),
            locals: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
            moved: Vec::new(),
            statements: crate::statements::Statements::default(),
            warnings: Diagnostics::new(),
            order: Vec::new(),
            checks: Vec::new(),
        },
        diagnostics: Diagnostics::new(),
        provider_attributes: Vec::new(),
        unknown_types: BTreeSet::new(),
        locations: BTreeMap::new(),
        scope: 0,
        module_sources: sources.modules,
        module_dependencies: Vec::new(),
        aliased_providers: Vec::new(),
        provider_uses: Vec::new(),
        module_moves: Vec::new(),
        missing_variables: MissingVariables::default(),
        workspace: sources
            .workspace
            .clone()
            .unwrap_or_else(|| "default".to_owned()),
    };
    let bodies = loader.parse_files(sources.files);
    // Later checks would only echo a syntax error as confusing follow-up errors.
    if loader.diagnostics.has_errors() {
        return Err(loader.diagnostics);
    }
    for (file, body) in &bodies {
        loader.body(*file, body);
    }
    loader.missing_variables = sources.missing_variables;
    loader.variables(
        &sources.var_files,
        &sources.vars,
        &sources.env_vars,
        &sources.arguments,
    );
    loader.expand_modules();
    loader.expand_module_moves();
    loader.check_references();
    loader.inherit_call_dependencies();
    loader.order();
    crate::conditions::check_triggers(&mut loader.config, &mut loader.diagnostics);
    // Evaluation goes on after errors so that one run reports everything; values that failed
    // are unknown, which evaluates without further errors.
    let mut config = loader.config;
    let mut diagnostics = loader.diagnostics;
    let evaluated = crate::expand::evaluate(
        &config,
        &crate::expand::NoValues,
        crate::expand::UnknownRepetition::Skip,
    );
    diagnostics.extend(evaluated.diagnostics);
    crate::conditions::resolve_lifecycle(
        &mut config,
        &evaluated.scope_variables,
        &evaluated.scope_locals,
        sources.missing_variables,
        &mut diagnostics,
    );
    duplicate_identities(&config, &evaluated.instances, &mut diagnostics);
    check_moved(&config, &mut diagnostics);
    crate::statements::check_removed(&config, &mut diagnostics);
    crate::statements::check_import_references(&config, &mut diagnostics);
    config.statements.imports =
        crate::statements::evaluate_imports(&config, &evaluated.locals, &mut diagnostics);
    config.provider = provider(
        &config,
        &loader.provider_attributes,
        &evaluated.locals,
        &mut diagnostics,
    );
    config.aliased_providers = loader
        .aliased_providers
        .iter()
        .map(|(block, attributes)| {
            provider_from(
                block.clone(),
                &config,
                attributes,
                &evaluated.locals,
                &mut diagnostics,
            )
        })
        .collect();
    providers::check_provider_references(&config, &loader.provider_uses, &mut diagnostics);
    diagnostics.dedup();
    if diagnostics.has_errors() {
        // Warnings belong with the errors when there is no configuration to carry them.
        diagnostics.extend(config.warnings.clone());
    }
    diagnostics.sort();
    diagnostics.into_result(config)
}

/// Refuses a `moved` block whose `from` resource is still declared: the object cannot be both
/// where it was and where it moves (a move between instances of one block is fine).
fn check_moved(config: &Configuration, diagnostics: &mut Diagnostics) {
    for moved in &config.moved {
        if moved.from.key().is_some() {
            continue;
        }
        let Some(still) = config.resource(&moved.from) else {
            continue;
        };
        diagnostics.push(
            config
                .sources
                .error(
                    moved.file,
                    &moved.range,
                    format!(
                        "moved object still exists: `{}` moves to `{}`, but its resource block is \
                         still declared",
                        moved.from, moved.to
                    ),
                )
                .with_note(format!(
                    "`{}` is declared at {}",
                    moved.from, still.location
                ))
                .with_hint(
                    "rename that block to the new address, or remove the `moved` block if the \
                     resource did not move",
                ),
        );
    }
}

/// Refuses two managed instances whose identity (type and natural key, from the registry) is
/// known and the same: they would be one cloud object at two addresses. Identities known only
/// later are checked by the planner and before a create.
fn duplicate_identities(
    config: &Configuration,
    instances: &[crate::expand::ResourceInstance],
    diagnostics: &mut Diagnostics,
) {
    let mut seen: BTreeMap<(&str, Vec<&str>), &crate::expand::ResourceInstance> = BTreeMap::new();
    for instance in instances.iter().filter(|i| i.mode() == Mode::Managed) {
        let Some(spec) = schema(Mode::Managed, instance.resource_type()) else {
            continue;
        };
        let key: Option<Vec<&str>> = spec
            .natural_key
            .iter()
            .map(|name| {
                let value = instance.attributes.get(*name)?;
                if value.contains_sensitive() {
                    None
                } else {
                    value.as_str()
                }
            })
            .collect();
        let Some(mut key) = key else { continue };
        // One natural key names one object in each region (provider configuration).
        let provider = config
            .resource(&instance.address.resource())
            .and_then(Resource::provider);
        key.push(provider.unwrap_or_default());
        let identity = (instance.resource_type(), key);
        let Some(first) = seen.get(&identity).copied() else {
            seen.insert(identity, instance);
            continue;
        };
        let shown: Vec<String> = spec
            .natural_key
            .iter()
            .zip(&identity.1)
            .map(|(name, value)| format!("{name} = {value:?}"))
            .collect();
        let Some(block) = config.resource(&instance.address.resource()) else {
            continue;
        };
        let keyword = block.offset..block.offset + "resource".len();
        let diagnostic = config
            .sources
            .error(
                block.file,
                &keyword,
                format!(
                    "`{}` and `{}` are the same cloud object ({})",
                    first.address,
                    instance.address,
                    shown.join(", ")
                ),
            )
            .with_note(format!(
                "`{}` is declared at {}; an object can be managed at one address only",
                first.address, first.location
            ))
            .with_hint(format!(
                "remove one of them, or change its {}",
                spec.natural_key.join(" or ")
            ));
        diagnostics.push(diagnostic);
    }
}

/// Where in its file a syntax error is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorAt {
    /// At the end: something opened was never closed.
    EndOfFile,
    /// Before the end.
    Within,
}

/// Adds a hint for the syntax errors people make most.
fn with_syntax_hint(diagnostic: Diagnostic, message: &str, at: ErrorAt) -> Diagnostic {
    let at_end = at == ErrorAt::EndOfFile;
    if at_end && message.contains("expected `}`") {
        diagnostic.with_hint("a block or object is not closed: add the missing `}`")
    } else if at_end && message.contains("expected `]`") {
        diagnostic.with_hint("a list is not closed: add the missing `]`")
    } else if message == "expected `{`" {
        diagnostic
            .with_hint("an attribute needs `=` between its name and its value: `name = value`")
    } else if message.contains("expected `}`, `,` or newline") {
        diagnostic.with_hint("separate the items of an object with a comma or a new line")
    } else if message.contains("expected newline or eof") {
        diagnostic.with_hint("check the line above for a string without its closing quote")
    } else {
        diagnostic
    }
}

struct Loader {
    config: Configuration,
    diagnostics: Diagnostics,
    provider_attributes: Vec<(String, Expr)>,
    /// Addresses of blocks with an unknown type: references to them are not reported again.
    unknown_types: BTreeSet<ResourceAddress>,
    /// Where each named thing was first declared, for duplicate errors (in the module
    /// instance being read).
    locations: BTreeMap<String, Location>,
    /// The module instance whose files are being read (0: the root).
    scope: usize,
    /// The files of module directories, given or read so far.
    module_sources: BTreeMap<PathBuf, Vec<SourceFile>>,
    /// `depends_on = [module.NAME]` entries, resolved once every module instance is loaded.
    module_dependencies: Vec<modules::ModuleDependency>,
    /// The `provider` blocks with an `alias`: the block, then its other attributes.
    aliased_providers: Vec<(ProviderConfig, Vec<(String, Expr)>)>,
    /// `moved { from = module.a  to = module.b }` blocks, expanded once the modules are loaded.
    module_moves: Vec<modules::ModuleMove>,
    /// Every `huaweicloud.ALIAS` used, with where: checked against the aliases declared.
    provider_uses: Vec<(String, FileId, Range<usize>)>,
    /// What a required variable without a value is.
    missing_variables: MissingVariables,
    /// The selected workspace: what `plinth.workspace` is, in every module.
    workspace: String,
}

const BLOCK_TYPES: &[&str] = &[
    "provider", "variable", "locals", "resource", "data", "output", "moved", "removed", "import",
    "module", "check", "plinth",
];
const PROVIDER_ATTRIBUTES: &[&str] = &[
    "region",
    "project_id",
    "endpoints",
    "sandbox",
    "access_key",
    "secret_key",
    "security_token",
    "cloud",
    "connect_timeout",
    "request_timeout",
];

fn block_range(block: &Block) -> Range<usize> {
    block.ident.span().unwrap_or(0..0)
}

fn key_range(attribute: &Attribute) -> Range<usize> {
    attribute.key.span().unwrap_or(0..0)
}

impl Loader {
    fn source(&self, file: FileId) -> &Arc<SourceFile> {
        self.config.sources.get(file)
    }

    fn error(
        &mut self,
        file: FileId,
        range: &Range<usize>,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        let diagnostic = self.source(file).error(range, message);
        self.diagnostics.push_mut(diagnostic)
    }

    fn expr(&self, file: FileId, expr: &Expression) -> Expr {
        Expr {
            expr: expr.clone(),
            file,
            location: self.config.sources.location(file, span(expr).start),
        }
    }

    /// Records the first declaration of `key`; reports a duplicate otherwise.
    fn declare(&mut self, key: String, what: &str, file: FileId, range: &Range<usize>) -> bool {
        let location = self.config.sources.location(file, range.start);
        if let Some(first) = self.locations.get(&key).cloned() {
            let diagnostic = self
                .source(file)
                .error(range, format!("duplicate {what}"))
                .with_note(format!("first declared at {first}"));
            self.diagnostics.push(diagnostic);
            return false;
        }
        self.locations.insert(key, location);
        true
    }

    fn labels<'b>(
        &mut self,
        file: FileId,
        block: &'b Block,
        expected: &[&str],
    ) -> Option<Vec<&'b str>> {
        if block.labels.len() == expected.len() {
            return Some(
                block
                    .labels
                    .iter()
                    .map(hcl_edit::structure::BlockLabel::as_str)
                    .collect(),
            );
        }
        let names = expected
            .iter()
            .map(|n| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(" ");
        let ident = block.ident.as_str();
        self.error(
            file,
            &block_range(block),
            format!(
                "a `{ident}` block takes {} label{}, found {}",
                expected.len(),
                if expected.len() == 1 { "" } else { "s" },
                block.labels.len()
            ),
        )
        .set_hint(format!("write it as `{ident} {names} {{ ... }}`"));
        None
    }

    /// Parses the root module's files, with `plinth.workspace` replaced by the workspace's name;
    /// a syntax error is reported with a hint and its file left out.
    fn parse_files(&mut self, files: Vec<SourceFile>) -> Vec<(FileId, Body)> {
        let mut bodies = Vec::new();
        for file in files {
            let index = self.config.sources.add(file);
            let file = self.config.sources.get(index);
            match hcl_edit::parser::parse_body(file.text()) {
                Ok(mut body) => {
                    crate::settings::substitute_workspace(
                        &mut body,
                        &self.workspace,
                        file,
                        &mut self.diagnostics,
                    );
                    bodies.push((index, body));
                }
                Err(e) => {
                    let diagnostic = file.error_at_line_col(
                        e.location().line(),
                        e.location().column(),
                        format!("syntax error: {}", e.message()),
                    );
                    let at = if e.location().offset() + 1 >= file.text().len() {
                        ErrorAt::EndOfFile
                    } else {
                        ErrorAt::Within
                    };
                    self.diagnostics
                        .push(with_syntax_hint(diagnostic, e.message(), at));
                }
            }
        }
        bodies
    }

    fn body(&mut self, file: FileId, body: &Body) {
        for structure in body {
            match structure {
                Structure::Attribute(attribute) => {
                    let name = attribute.key.as_str();
                    let diagnostic = self
                        .source(file)
                        .error(&key_range(attribute), format!("unexpected attribute `{name}` at the top level"))
                        .with_hint("attributes belong inside a block such as `resource`, `variable` or `locals`");
                    self.diagnostics.push(diagnostic);
                }
                Structure::Block(block) if self.refuse_in_module(file, block) => {}
                Structure::Block(block) => match block.ident.as_str() {
                    "module" => self.module_block(file, block),
                    "provider" => self.provider_block(file, block),
                    "plinth" => crate::settings::check_block(
                        self.config.sources.get(file),
                        block,
                        &mut self.diagnostics,
                    ),
                    "variable" => self.variable_block(file, block),
                    "locals" => self.locals_block(file, block),
                    "resource" => self.resource_block(file, block, Mode::Managed),
                    "data" => self.resource_block(file, block, Mode::Data),
                    "output" => self.output_block(file, block),
                    "moved" => self.moved_block(file, block),
                    "check" => crate::conditions::check_block(
                        &self.config.sources,
                        file,
                        block,
                        &mut self.config.checks,
                        &mut self.diagnostics,
                    ),
                    "removed" => crate::statements::removed_block(
                        &self.config.sources,
                        file,
                        block,
                        &mut self.config.statements,
                        &mut self.diagnostics,
                    ),
                    "import" => crate::statements::import_block(
                        &self.config.sources,
                        file,
                        block,
                        &mut self.config.statements,
                        &mut self.diagnostics,
                    ),
                    other => {
                        let mut diagnostic = self
                            .source(file)
                            .error(&block_range(block), format!("unknown block type `{other}`"));
                        diagnostic = match suggest(other, BLOCK_TYPES.iter().copied()) {
                            Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
                            None => diagnostic.with_note(format!(
                                "the block types are {}",
                                BLOCK_TYPES
                                    .iter()
                                    .map(|b| format!("`{b}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        };
                        self.diagnostics.push(diagnostic);
                    }
                },
            }
        }
    }

    /// Reports nested blocks of a block that takes none.
    fn no_blocks(&mut self, file: FileId, body: &Body, context: &str, allowed: &[&str]) {
        for block in body.blocks() {
            let name = block.ident.as_str();
            if allowed.contains(&name) {
                continue;
            }
            let diagnostic = self
                .source(file)
                .error(
                    &block_range(block),
                    format!("unexpected block `{name}` in {context}"),
                )
                .with_hint(format!(
                    "if `{name}` is an attribute, write `{name} = {{ ... }}`"
                ));
            self.diagnostics.push(diagnostic);
        }
    }

    fn unknown_attribute(
        &mut self,
        file: FileId,
        attribute: &Attribute,
        context: &str,
        candidates: &[&str],
    ) {
        let name = attribute.key.as_str();
        let mut diagnostic = self.source(file).error(
            &key_range(attribute),
            format!("unknown attribute `{name}` in {context}"),
        );
        if let Some(s) = suggest(name, candidates.iter().copied()) {
            diagnostic = diagnostic.with_hint(format!("did you mean `{s}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    fn provider_block(&mut self, file: FileId, block: &Block) {
        let Some(labels) = self.labels(file, block, &["huaweicloud"]) else {
            return;
        };
        if labels[0] != "huaweicloud" {
            let range = block.labels[0].span().unwrap_or_else(|| block_range(block));
            self.error(file, &range, format!("unknown provider `{}`", labels[0]))
                .set_hint("plinth has one provider: `huaweicloud`");
            return;
        }
        if self.aliased_provider_block(file, block) {
            return;
        }
        if !self.declare(
            "provider".to_owned(),
            "`provider \"huaweicloud\"` block",
            file,
            &block_range(block),
        ) {
            return;
        }
        self.no_blocks(file, &block.body, "the provider block", &[]);
        for attribute in block.body.attributes() {
            let name = attribute.key.as_str();
            if PROVIDER_ATTRIBUTES.contains(&name) {
                let expr = self.expr(file, &attribute.value);
                self.provider_attributes.push((name.to_owned(), expr));
            } else {
                self.unknown_attribute(file, attribute, "the provider block", PROVIDER_ATTRIBUTES);
            }
        }
        let location = self.config.sources.location(file, block_range(block).start);
        self.config.provider = Some(ProviderConfig {
            location: Some(location),
            ..ProviderConfig::default()
        });
    }

    /// Evaluates an expression that may not refer to anything (defaults, var files).
    fn constant(&mut self, file: FileId, expr: &Expression) -> Option<Value> {
        let empty = ObjectMap::new();
        let resources = |_: &ResourceAddress, _: Option<&Value>| None;
        let env = Env {
            variables: &empty,
            locals: &empty,
            resources: &resources,
            dir: self.config.dir.as_deref(),
            module: None,
        };
        if let Some(first) = references(expr).first() {
            self.error(
                file,
                &first.range,
                "this value must be a constant: it cannot refer to variables, locals or resources",
            );
            return None;
        }
        match Context::new(&env).eval(expr) {
            Ok(value) => Some(value),
            Err(e) => {
                let diagnostic = e.into_diagnostic(self.source(file));
                self.diagnostics.push(diagnostic);
                None
            }
        }
    }

    /// Whether variable `name` is declared sensitive.
    fn is_sensitive(&self, name: &str) -> bool {
        self.config
            .variables
            .iter()
            .any(|v| v.name == name && v.sensitive)
    }

    /// The value a variables file gives a sensitive variable, as [`Loader::constant`] evaluates
    /// it; but a failure shows neither the line nor the message, either of which may hold the
    /// value.
    fn sensitive_constant(&mut self, file: FileId, name: &str, expr: &Expression) -> Option<Value> {
        let before = self.diagnostics.len();
        let value = self.constant(file, expr);
        if self.diagnostics.len() > before {
            self.diagnostics.truncate(before);
            let diagnostic = self.error(
                file,
                &span(expr),
                format!("the value of sensitive variable `{name}` cannot be evaluated"),
            );
            diagnostic.hide_source();
            diagnostic.set_hint(
                "write a literal value; the error itself is not shown, as it may show the value",
            );
        }
        value
    }

    fn literal_string(
        &mut self,
        file: FileId,
        attribute: &Attribute,
        what: &str,
    ) -> Option<String> {
        match &attribute.value {
            Expression::String(s) => Some(s.value().clone()),
            other => {
                self.error(
                    file,
                    &span(other),
                    format!("{what} must be a string literal"),
                );
                None
            }
        }
    }

    fn literal_bool(&mut self, file: FileId, attribute: &Attribute, what: &str) -> Option<bool> {
        match &attribute.value {
            Expression::Bool(b) => Some(*b.value()),
            other => {
                self.error(
                    file,
                    &span(other),
                    format!("{what} must be `true` or `false`"),
                );
                None
            }
        }
    }

    fn variable_block(&mut self, file: FileId, block: &Block) {
        let Some(labels) = self.labels(file, block, &["NAME"]) else {
            return;
        };
        let name = labels[0].to_owned();
        let range = block.labels[0].span().unwrap_or_else(|| block_range(block));
        if !self.declare(
            format!("var.{name}"),
            &format!("variable `{name}`"),
            file,
            &range,
        ) {
            return;
        }
        let mut variable = Variable {
            name: name.clone(),
            location: self.config.sources.location(file, block_range(block).start),
            file,
            offset: block_range(block).start,
            type_constraint: None,
            default: None,
            default_origin: None,
            description: None,
            sensitive: false,
            validations: Vec::new(),
            value: Value::Unknown,
        };
        for attribute in block.body.attributes() {
            match attribute.key.as_str() {
                "type" => match TypeConstraint::parse(&attribute.value) {
                    Ok(t) => variable.type_constraint = Some(t),
                    Err(message) => {
                        self.error(file, &span(&attribute.value), message);
                    }
                },
                "default" => {
                    variable.default = self.constant(file, &attribute.value);
                    variable.default_origin = Some((file, span(&attribute.value)));
                }
                "description" => {
                    variable.description = self.literal_string(file, attribute, "`description`");
                }
                "sensitive" => {
                    variable.sensitive = self
                        .literal_bool(file, attribute, "`sensitive`")
                        .unwrap_or(false);
                }
                "nullable" => {
                    self.literal_bool(file, attribute, "`nullable`");
                }
                _ => self.unknown_attribute(
                    file,
                    attribute,
                    &format!("variable `{name}`"),
                    &["type", "default", "description", "sensitive", "nullable"],
                ),
            }
        }
        if let (Some(t), Some(default)) = (&variable.type_constraint, &variable.default) {
            // A default that does not convert is reported when the variable is resolved.
            if let Ok(converted) = t.convert(default.clone()) {
                variable.default = Some(converted);
            }
        }
        self.no_blocks(
            file,
            &block.body,
            &format!("variable `{name}`"),
            &["validation"],
        );
        for validation in block.body.get_blocks("validation") {
            let condition = validation.body.get_attribute("condition");
            let message = validation.body.get_attribute("error_message");
            for attribute in validation.body.attributes() {
                if !matches!(attribute.key.as_str(), "condition" | "error_message") {
                    self.unknown_attribute(
                        file,
                        attribute,
                        "a validation block",
                        &["condition", "error_message"],
                    );
                }
            }
            let (Some(condition), Some(message)) = (condition, message) else {
                self.error(
                    file,
                    &block_range(validation),
                    "a validation block needs `condition` and `error_message`",
                );
                continue;
            };
            for reference in references(&condition.value) {
                if reference.target != Target::Variable(name.clone()) {
                    self.error(
                        file,
                        &reference.range,
                        format!("a validation of variable `{name}` can only refer to `var.{name}`"),
                    );
                }
            }
            let Some(error_message) = self.literal_string(file, message, "`error_message`") else {
                continue;
            };
            variable.validations.push(Validation {
                condition: self.expr(file, &condition.value),
                error_message,
            });
        }
        self.config.variables.push(variable);
    }

    fn locals_block(&mut self, file: FileId, block: &Block) {
        if !block.labels.is_empty() {
            self.error(
                file,
                &block_range(block),
                "a `locals` block takes no labels",
            );
        }
        self.no_blocks(file, &block.body, "a `locals` block", &[]);
        for attribute in block.body.attributes() {
            let name = attribute.key.as_str().to_owned();
            if !self.declare(
                format!("local.{name}"),
                &format!("local value `{name}`"),
                file,
                &key_range(attribute),
            ) {
                continue;
            }
            let expr = self.expr(file, &attribute.value);
            self.config.locals.push(Local {
                name,
                expr,
                references: Vec::new(),
                scope: 0,
            });
        }
    }

    /// `moved { from = ADDR  to = ADDR }`: both bare managed addresses of the same type, both a
    /// whole resource or both an instance, and not the same.
    fn moved_block(&mut self, file: FileId, block: &Block) {
        if self.labels(file, block, &[]).is_none() || self.module_moved_block(file, block) {
            return;
        }
        self.no_blocks(file, &block.body, "a `moved` block", &[]);
        // Each side: absent (`None`), or written, and an address unless already reported.
        let (mut from, mut to) = (None, None);
        for attribute in block.body.attributes() {
            let slot = match attribute.key.as_str() {
                "from" => &mut from,
                "to" => &mut to,
                _ => {
                    self.unknown_attribute(file, attribute, "a `moved` block", &["from", "to"]);
                    continue;
                }
            };
            *slot = Some(self.moved_address(file, attribute));
        }
        let range = block_range(block);
        let (Some(from), Some(to)) = (from, to) else {
            self.error(
                file,
                &range,
                "a `moved` block needs both `from` and `to`",
            )
            .set_hint("e.g. `moved { from = huaweicloud_cce_addon.dns  to = huaweicloud_cce_addon.coredns }`");
            return;
        };
        let (Some(from), Some(to)) = (from, to) else {
            return;
        };
        let problem = if from == to {
            Some("`from` and `to` are the same address".to_owned())
        } else if from.type_name() != to.type_name() {
            Some(format!(
                "cannot move `{from}` to `{to}`: a move keeps the resource type (`{}` is not `{}`)",
                from.type_name(),
                to.type_name()
            ))
        } else if from.key().is_some() != to.key().is_some() {
            Some(format!(
                "cannot move `{from}` to `{to}`: a whole resource moves to a whole resource, an \
                 instance to an instance"
            ))
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error(file, &range, problem);
            return;
        }
        let location = self.config.sources.location(file, range.start);
        self.config.moved.push(MovedBlock {
            from,
            to,
            location,
            file,
            range,
        });
    }

    /// The address of `from` or `to` in a `moved` block: a bare reference to a managed resource
    /// or one instance of it, not a string.
    fn moved_address(&mut self, file: FileId, attribute: &Attribute) -> Option<ResourceAddress> {
        let range = span(&attribute.value);
        let text = self.source(file).text()[range.clone()].trim().to_owned();
        let name = attribute.key.as_str();
        if matches!(attribute.value, Expression::String(_)) {
            self.error(
                file,
                &range,
                format!("`{name}` must be an address, not a string"),
            )
            .set_hint(format!("remove the quotes: `{}`", text.trim_matches('"')));
            return None;
        }
        match text.parse::<ResourceAddress>() {
            Ok(address) if address.mode() == Mode::Data => {
                self.error(
                    file,
                    &range,
                    format!("`{text}` is a data source: only managed resources move"),
                );
                None
            }
            Ok(address) => Some(address),
            Err(error) => {
                self.error(file, &range, format!("`{name}`: {}", error.reason()));
                None
            }
        }
    }

    fn output_block(&mut self, file: FileId, block: &Block) {
        let Some(labels) = self.labels(file, block, &["NAME"]) else {
            return;
        };
        let name = labels[0].to_owned();
        let range = block.labels[0].span().unwrap_or_else(|| block_range(block));
        if !self.declare(
            format!("output.{name}"),
            &format!("output `{name}`"),
            file,
            &range,
        ) {
            return;
        }
        self.no_blocks(file, &block.body, &format!("output `{name}`"), &[]);
        let mut value = None;
        let mut description = None;
        let mut sensitive = false;
        let mut depends_on = Vec::new();
        for attribute in block.body.attributes() {
            match attribute.key.as_str() {
                "value" => value = Some(self.expr(file, &attribute.value)),
                "description" => {
                    description = self.literal_string(file, attribute, "`description`");
                }
                "sensitive" => {
                    sensitive = self
                        .literal_bool(file, attribute, "`sensitive`")
                        .unwrap_or(false);
                }
                "depends_on" => depends_on = self.depends_on(file, attribute),
                _ => self.unknown_attribute(
                    file,
                    attribute,
                    &format!("output `{name}`"),
                    &["value", "description", "sensitive", "depends_on"],
                ),
            }
        }
        let Some(value) = value else {
            self.error(
                file,
                &block_range(block),
                format!("missing required attribute `value` in output `{name}`"),
            );
            return;
        };
        let location = self.config.sources.location(file, block_range(block).start);
        self.config.outputs.push(Output {
            name,
            location,
            value,
            description,
            sensitive,
            depends_on,
            references: Vec::new(),
        });
    }

    fn depends_on(&mut self, file: FileId, attribute: &Attribute) -> Vec<Reference> {
        let Expression::Array(items) = &attribute.value else {
            self.error(
                file,
                &span(&attribute.value),
                "`depends_on` must be a list of resources, e.g. `[huaweicloud_cce_addon.coredns]`",
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items {
            if self.module_dependency(file, item) {
                continue;
            }
            let refs = references(item);
            match (item, refs.as_slice()) {
                (
                    Expression::Traversal(_),
                    [
                        RawRef {
                            target: Target::Resource(address, steps),
                            range,
                        },
                    ],
                ) if steps
                    .iter()
                    .all(|s| matches!(s, ReferenceStep::Attribute(_))) =>
                {
                    out.push(Reference {
                        address: address.clone(),
                        steps: steps.clone(),
                        location: self.config.sources.location(file, range.start),
                        offset: range.start,
                    });
                }
                (Expression::String(text), _) => {
                    self.error(
                        file,
                        &span(item),
                        "`depends_on` entries must be resources or data sources, not strings",
                    )
                    .set_hint(format!("remove the quotes: `{}`", text.value()));
                }
                _ => {
                    self.error(file, &span(item), "`depends_on` entries must be resources or data sources, e.g. `huaweicloud_cce_addon.coredns`");
                }
            }
        }
        out
    }

    fn resource_block(&mut self, file: FileId, block: &Block, mode: Mode) {
        let kind = if mode == Mode::Data {
            "data source"
        } else {
            "resource"
        };
        let Some(labels) = self.labels(file, block, &["TYPE", "NAME"]) else {
            return;
        };
        let (type_name, name) = (labels[0], labels[1]);
        let type_range = block.labels[0].span().unwrap_or_else(|| block_range(block));
        let Some(schema) = schema(mode, type_name) else {
            self.unknown_type(file, &type_range, mode, type_name, name);
            return;
        };
        let name_range = block.labels[1].span().unwrap_or_else(|| block_range(block));
        let address = match ResourceAddress::new(mode, type_name, name) {
            Ok(address) => address,
            Err(error) => {
                self.error(file, &name_range, error.reason().to_owned());
                return;
            }
        };
        if !self.declare(
            address.to_string(),
            &format!("{kind} `{address}`"),
            file,
            &name_range,
        ) {
            return;
        }
        let context = format!("{kind} `{address}`");
        let mut resource = Resource {
            address: address.clone(),
            location: self.config.sources.location(file, block_range(block).start),
            file,
            offset: block_range(block).start,
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            lifecycle: Lifecycle::default(),
            timeouts: Timeouts::default(),
            attributes: BTreeMap::new(),
            references: Vec::new(),
            scope: 0,
            provider: None,
            conditions: crate::conditions::ResourceConditions::default(),
        };
        let suggested = self.resource_attributes(file, block, schema, &context, &mut resource);
        self.check_resource(file, block, schema, &context, &resource, &suggested);
        let allowed: &[&str] = if mode == Mode::Managed {
            &["lifecycle", "timeouts"]
        } else {
            &[]
        };
        self.no_blocks(file, &block.body, &context, allowed);
        if mode == Mode::Managed {
            for lifecycle in block.body.get_blocks("lifecycle") {
                resource.lifecycle = self.lifecycle(file, lifecycle, schema);
                for inner in lifecycle.body.blocks() {
                    if crate::conditions::LIFECYCLE_BLOCKS.contains(&inner.ident.as_str()) {
                        crate::conditions::lifecycle_block(
                            &self.config.sources,
                            file,
                            inner,
                            &mut resource.conditions,
                            &mut self.diagnostics,
                        );
                    }
                }
                for attribute in lifecycle.body.attributes() {
                    let name = attribute.key.as_str();
                    let literal = matches!(attribute.value, Expression::Bool(_));
                    if !literal && (name == "prevent_destroy" || name == "create_before_destroy") {
                        crate::conditions::lifecycle_expression(
                            &self.config.sources,
                            file,
                            name,
                            &attribute.value,
                            &mut resource.conditions,
                        );
                    }
                }
            }
            for timeouts in block.body.get_blocks("timeouts") {
                resource.timeouts = self.timeouts(file, timeouts);
            }
        }
        self.claim_module_dependencies(modules::DependsOwner::Resource(
            self.config.resources.len(),
        ));
        self.config.resources.push(resource);
    }

    /// Reports a resource block of a type plinth does not know, with the closest known one.
    fn unknown_type(
        &mut self,
        file: FileId,
        type_range: &Range<usize>,
        mode: Mode,
        type_name: &str,
        name: &str,
    ) {
        let kind = if mode == Mode::Data {
            "data source"
        } else {
            "resource"
        };
        let candidates: Vec<&TypeSpec> = registry::types(mode).collect();
        let mut diagnostic = self
            .source(file)
            .error(type_range, format!("unknown {kind} type `{type_name}`"));
        diagnostic = match suggest(type_name, candidates.iter().map(|s| s.name)) {
            Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
            None => diagnostic.with_note(format!(
                "the {kind} types are {}",
                candidates
                    .iter()
                    .map(|s| format!("`{}`", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
        if let Ok(address) = ResourceAddress::new(mode, type_name, name) {
            self.unknown_types.insert(address);
        }
    }

    /// Reads the attributes of a resource block into `resource`; answers the required
    /// attributes that a suggestion for an unknown attribute already points to.
    fn resource_attributes(
        &mut self,
        file: FileId,
        block: &Block,
        schema: &TypeSpec,
        context: &str,
        resource: &mut Resource,
    ) -> BTreeSet<&'static str> {
        let address = &resource.address;
        let settable: Vec<&str> = schema
            .settable()
            .chain(["count", "for_each", "depends_on", "provider"])
            .collect();
        // Required attributes that an unknown attribute's suggestion already points to.
        let mut suggested = BTreeSet::new();
        for attribute in block.body.attributes() {
            let name = attribute.key.as_str();
            match name {
                "count" => resource.count = Some(self.expr(file, &attribute.value)),
                "for_each" => resource.for_each = Some(self.expr(file, &attribute.value)),
                "depends_on" => resource.depends_on = self.depends_on(file, attribute),
                "provider" => resource.provider = self.provider_reference(file, &attribute.value),
                "lifecycle" | "timeouts" => {
                    self.error(
                        file,
                        &key_range(attribute),
                        format!("`{name}` is a block, not an attribute"),
                    )
                    .set_hint(format!("write `{name} {{ ... }}` without `=`"));
                }
                _ => {
                    match schema.attribute(name) {
                        Some(a) if a.presence == Presence::Computed => {
                            self.error(file, &key_range(attribute), format!("`{name}` is computed by the cloud and cannot be set in {context}"))
                            .set_hint(format!("remove `{name}`; read it as `{address}.{name}`"));
                        }
                        Some(_) => {
                            let expr = self.expr(file, &attribute.value);
                            resource.attributes.insert(name.to_owned(), expr);
                        }
                        None => {
                            suggested.extend(suggest(name, settable.iter().copied()));
                            self.unknown_attribute(file, attribute, context, &settable);
                        }
                    }
                }
            }
        }
        suggested
    }

    /// The checks of a resource block as a whole: `count` with `for_each`, and missing
    /// required attributes (but those an earlier suggestion points to).
    fn check_resource(
        &mut self,
        file: FileId,
        block: &Block,
        schema: &TypeSpec,
        context: &str,
        resource: &Resource,
        suggested: &BTreeSet<&'static str>,
    ) {
        if let (Some(_), Some(for_each)) = (&resource.count, &resource.for_each) {
            let range = block
                .body
                .get_attribute("for_each")
                .map_or_else(|| span(&for_each.expr), key_range);
            self.error(
                file,
                &range,
                format!("`count` and `for_each` cannot be used together in {context}"),
            )
            .set_hint(
                "keep one of them: `for_each` for a map or a set of strings, `count` for a number"
                    .to_owned(),
            );
        }
        for attribute in schema.attributes {
            if attribute.presence == Presence::Required
                && !resource.attributes.contains_key(attribute.name)
                && !suggested.contains(attribute.name)
            {
                self.error(
                    file,
                    &block_range(block),
                    format!(
                        "missing required attribute `{}` in {context}",
                        attribute.name
                    ),
                );
            }
        }
    }

    fn lifecycle(&mut self, file: FileId, block: &Block, schema: &TypeSpec) -> Lifecycle {
        let mut lifecycle = Lifecycle::default();
        self.no_blocks(
            file,
            &block.body,
            "a `lifecycle` block",
            crate::conditions::LIFECYCLE_BLOCKS,
        );
        for attribute in block.body.attributes() {
            match attribute.key.as_str() {
                // An expression is resolved once the variables are known (`conditions`).
                "prevent_destroy" | "create_before_destroy"
                    if !matches!(attribute.value, Expression::Bool(_)) => {}
                "prevent_destroy" => {
                    lifecycle.prevent_destroy = self
                        .literal_bool(file, attribute, "`prevent_destroy`")
                        .unwrap_or(false);
                }
                "create_before_destroy" => {
                    lifecycle.create_before_destroy = self
                        .literal_bool(file, attribute, "`create_before_destroy`")
                        .unwrap_or(false);
                }
                "ignore_changes" => match &attribute.value {
                    Expression::Variable(v) if v.as_str() == "all" => {
                        lifecycle.ignore_all_changes = true;
                    }
                    Expression::Array(items) => {
                        for item in items {
                            match attribute_path(item) {
                                Some(path)
                                    if schema
                                        .attribute(&path[0])
                                        .is_some_and(|a| a.presence != Presence::Computed) =>
                                {
                                    lifecycle.ignore_changes.push(path);
                                }
                                Some(path) => {
                                    let mut diagnostic = self.source(file).error(
                                        &span(item),
                                        format!(
                                            "`ignore_changes` names unknown attribute `{}`",
                                            path[0]
                                        ),
                                    );
                                    if let Some(s) = suggest(&path[0], schema.settable()) {
                                        diagnostic =
                                            diagnostic.with_hint(format!("did you mean `{s}`?"));
                                    }
                                    self.diagnostics.push(diagnostic);
                                }
                                None => {
                                    self.error(file, &span(item), "`ignore_changes` entries must be attribute names, e.g. `values` or `values.flavor`");
                                }
                            }
                        }
                    }
                    other => {
                        self.error(
                            file,
                            &span(other),
                            "`ignore_changes` must be a list of attribute names or `all`",
                        );
                    }
                },
                "replace_triggered_by" => {
                    lifecycle.replace_triggered_by = crate::conditions::replace_triggers(
                        &self.config.sources,
                        file,
                        &attribute.value,
                        &mut self.diagnostics,
                    );
                }
                _ => self.unknown_attribute(
                    file,
                    attribute,
                    "a `lifecycle` block",
                    &[
                        "prevent_destroy",
                        "create_before_destroy",
                        "ignore_changes",
                        "replace_triggered_by",
                    ],
                ),
            }
        }
        lifecycle
    }

    fn timeouts(&mut self, file: FileId, block: &Block) -> Timeouts {
        let mut timeouts = Timeouts::default();
        self.no_blocks(file, &block.body, "a `timeouts` block", &[]);
        for attribute in block.body.attributes() {
            let name = attribute.key.as_str();
            let slot = match name {
                "create" => &mut timeouts.create,
                "update" => &mut timeouts.update,
                "delete" => &mut timeouts.delete,
                _ => {
                    self.unknown_attribute(
                        file,
                        attribute,
                        "a `timeouts` block",
                        &["create", "update", "delete"],
                    );
                    continue;
                }
            };
            let Expression::String(text) = &attribute.value else {
                let range = span(&attribute.value);
                let diagnostic = self.source(file).error(
                    &range,
                    format!("timeout `{name}` must be a string such as `\"10m\"`"),
                );
                self.diagnostics.push(diagnostic);
                continue;
            };
            match parse_duration(text.value()) {
                Ok(duration) => *slot = Some(duration),
                Err(message) => {
                    let diagnostic = self.source(file).error(&span(&attribute.value), message);
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        timeouts
    }

    /// Checks every reference of every expression, and records resource references.
    fn check_references(&mut self) {
        let declared: BTreeSet<ResourceAddress> = self
            .config
            .resources
            .iter()
            .map(|r| r.address.clone())
            .collect();
        let unknown_types = self.unknown_types.clone();
        for scope_index in 0..self.config.scopes.len() {
            let module = self.config.scopes[scope_index].path.clone();
            let variables: BTreeSet<String> = if scope_index == 0 {
                self.config
                    .variables
                    .iter()
                    .map(|v| v.name.clone())
                    .collect()
            } else {
                let scope = &self.config.scopes[scope_index];
                scope.variables.iter().map(|v| v.name.clone()).collect()
            };
            let locals: BTreeSet<String> = self
                .config
                .locals
                .iter()
                .filter(|l| l.scope == scope_index)
                .map(|l| l.name.clone())
                .collect();
            let scope = Scope {
                declared: &declared,
                variables: &variables,
                locals: &locals,
                unknown_types: &unknown_types,
                module: &module,
                index: scope_index,
            };
            self.check_scope(&scope);
            self.check_calls(scope_index, &scope);
            if scope_index == 0 {
                self.check_root(&scope);
            }
        }
    }

    /// The references of the resources, locals and outputs of one module instance.
    fn check_scope(&mut self, scope: &Scope<'_>) {
        for i in 0..self.config.resources.len() {
            if self.config.resources[i].scope != scope.index {
                continue;
            }
            let resource = self.config.resources[i].clone();
            let what = format!(
                "{} `{}`",
                if resource.mode() == Mode::Data {
                    "data source"
                } else {
                    "resource"
                },
                resource.address
            );
            let mut found = Vec::new();
            for (meta, expr) in [("count", &resource.count), ("for_each", &resource.for_each)] {
                if let Some(expr) = expr {
                    found.extend(self.check(
                        expr,
                        scope,
                        &Allowed {
                            each: false,
                            count: false,
                            what: &format!("`{meta}`"),
                        },
                    ));
                }
            }
            let allowed = Allowed {
                each: resource.for_each.is_some(),
                count: resource.count.is_some(),
                what: &what,
            };
            for expr in resource.attributes.values() {
                found.extend(self.check(expr, scope, &allowed));
            }
            for dep in &resource.depends_on {
                self.check_declared(resource.file, dep, scope);
            }
            self.config.resources[i].references = found;
        }
        for i in 0..self.config.locals.len() {
            if self.config.locals[i].scope != scope.index {
                continue;
            }
            let expr = self.config.locals[i].expr.clone();
            let found = self.check(
                &expr,
                scope,
                &Allowed {
                    each: false,
                    count: false,
                    what: "a local value",
                },
            );
            self.config.locals[i].references = found;
        }
        let count = if scope.index == 0 {
            self.config.outputs.len()
        } else {
            self.config.scopes[scope.index].outputs.len()
        };
        for i in 0..count {
            let output = if scope.index == 0 {
                self.config.outputs[i].clone()
            } else {
                self.config.scopes[scope.index].outputs[i].clone()
            };
            let found = self.check(
                &output.value,
                scope,
                &Allowed {
                    each: false,
                    count: false,
                    what: "an output",
                },
            );
            for dep in &output.depends_on {
                self.check_declared(output.value.file, dep, scope);
            }
            if scope.index == 0 {
                self.config.outputs[i].references = found;
            } else {
                self.config.scopes[scope.index].outputs[i].references = found;
            }
        }
    }

    /// The references of the blocks only the root module has.
    fn check_root(&mut self, scope: &Scope<'_>) {
        for block in self.config.statements.import_blocks.clone() {
            let allowed = Allowed {
                each: block.for_each.is_some(),
                count: false,
                what: "an `import` block",
            };
            for expr in block.expressions() {
                self.check(expr, scope, &allowed);
            }
        }
        for (_, expr) in self.provider_attributes.clone() {
            self.check(
                &expr,
                scope,
                &Allowed {
                    each: false,
                    count: false,
                    what: "the provider block",
                },
            );
        }
    }

    fn check_declared(&mut self, file: FileId, reference: &Reference, scope: &Scope<'_>) {
        let address = &reference.address;
        if scope.declared.contains(address) || scope.unknown_types.contains(address) {
            return;
        }
        let kind = if address.mode() == Mode::Data {
            "data source"
        } else {
            "resource"
        };
        let offset = reference.offset;
        let width = address.to_string().len();
        let mut diagnostic = self.source(file).error(
            &(offset..offset + width),
            format!("reference to undeclared {kind} `{address}`"),
        );
        let candidates: Vec<String> = scope
            .declared
            .iter()
            .filter(|a| a.mode() == address.mode())
            .map(ToString::to_string)
            .collect();
        if let Some(s) = suggest(&address.to_string(), candidates.iter().map(String::as_str)) {
            diagnostic = diagnostic.with_hint(format!("did you mean `{s}`?"));
        }
        self.diagnostics.push(diagnostic);
    }

    fn check(&mut self, expr: &Expr, scope: &Scope<'_>, allowed: &Allowed<'_>) -> Vec<Reference> {
        let file = expr.file;
        let mut found = Vec::new();
        for raw in references(&expr.expr) {
            let range = raw.range;
            match raw.target {
                Target::Variable(name) if !scope.variables.contains(&name) => {
                    let mut diagnostic = self
                        .source(file)
                        .error(&range, format!("undeclared variable `var.{name}`"));
                    diagnostic = match suggest(&name, scope.variables.iter().map(String::as_str)) {
                        Some(s) => diagnostic.with_hint(format!("did you mean `var.{s}`?")),
                        None => diagnostic.with_hint(format!(
                            "declare it with `variable \"{name}\" {{ type = string }}`"
                        )),
                    };
                    self.diagnostics.push(diagnostic);
                }
                Target::Local(name) if !scope.locals.contains(&name) => {
                    let mut diagnostic = self
                        .source(file)
                        .error(&range, format!("undeclared local value `local.{name}`"));
                    if let Some(s) = suggest(&name, scope.locals.iter().map(String::as_str)) {
                        diagnostic = diagnostic.with_hint(format!("did you mean `local.{s}`?"));
                    }
                    self.diagnostics.push(diagnostic);
                }
                Target::Each if !allowed.each => {
                    self.error(
                        file,
                        &range,
                        format!(
                            "`each` cannot be used in {}: it has no `for_each`",
                            allowed.what
                        ),
                    )
                    .set_hint("add `for_each` to the resource, or use a literal value");
                }
                Target::CountIndex if !allowed.count => {
                    self.error(
                        file,
                        &range,
                        format!(
                            "`count.index` cannot be used in {}: it has no `count`",
                            allowed.what
                        ),
                    )
                    .set_hint("add `count` to the resource, or use a literal value");
                }
                Target::Module(name) => {
                    found.extend(self.module_reference(scope.index, &name, file, &range));
                }
                Target::Resource(address, steps) => {
                    let reference = Reference {
                        address: address.with_module(scope.module.clone()),
                        steps,
                        location: self.config.sources.location(file, range.start),
                        offset: range.start,
                    };
                    self.check_declared(file, &reference, scope);
                    if scope.declared.contains(&reference.address) {
                        found.push(reference);
                    }
                }
                Target::Invalid(message, hint) => {
                    let diagnostic = self.source(file).error(&range, message);
                    self.diagnostics.push(match hint {
                        Some(hint) => diagnostic.with_hint(hint),
                        None => diagnostic,
                    });
                }
                _ => {}
            }
        }
        found
    }

    /// Orders locals, resources and module inputs and outputs so that each comes after what it
    /// refers to; reports cycles.
    fn order(&mut self) {
        let index = crate::modules::NodeIndex::new(&self.config);
        let mut graph: BTreeMap<Node, Vec<Node>> = BTreeMap::new();
        let nodes = (0..self.config.locals.len())
            .map(Node::Local)
            .chain((0..self.config.resources.len()).map(Node::Resource))
            .chain((1..self.config.scopes.len()).flat_map(|s| [Node::Inputs(s), Node::Outputs(s)]));
        for node in nodes {
            graph.insert(node, index.edges(node));
        }
        let (order, cycles) = topological_order(&graph);
        for cycle in cycles {
            let names: Vec<String> = cycle.iter().map(|n| self.node_name(*n)).collect();
            let all_locals = cycle.iter().all(|n| matches!(n, Node::Local(_)));
            let message = if all_locals {
                format!(
                    "local values refer to each other in a cycle: {}",
                    names.join(" -> ")
                )
            } else {
                format!("dependency cycle: {}", names.join(" -> "))
            };
            let (file, range) = match cycle[0] {
                Node::Local(i) => (
                    self.config.locals[i].expr.file,
                    span(&self.config.locals[i].expr.expr),
                ),
                Node::Resource(i) => {
                    let r = &self.config.resources[i];
                    let offset = r.offset;
                    (
                        r.file,
                        offset..offset + if r.mode() == Mode::Data { 4 } else { 8 },
                    )
                }
                Node::Inputs(s) | Node::Outputs(s) => {
                    // Every module instance but the root (which has no such nodes) has a call.
                    let call = &self.config.calls[self.config.scopes[s].call.unwrap_or_default()];
                    (call.file, call.range.clone())
                }
            };
            self.error(file, &range, message).set_hint(
                "break the cycle by removing one of these references or `depends_on` entries"
                    .to_owned(),
            );
        }
        self.config.order = order;
    }

    fn node_name(&self, node: Node) -> String {
        match node {
            Node::Local(i) => format!("local.{}", self.config.locals[i].name),
            Node::Resource(i) => self.config.resources[i].address.to_string(),
            Node::Inputs(s) => format!(
                "the inputs of {}",
                self.config.scopes[s].path.to_string().trim_end_matches('.')
            ),
            Node::Outputs(s) => self.config.scopes[s]
                .path
                .to_string()
                .trim_end_matches('.')
                .to_owned(),
        }
    }

    fn variables(
        &mut self,
        var_files: &[SourceFile],
        cli_vars: &[String],
        env_vars: &[(String, String)],
        arguments: &[VarSource],
    ) {
        // Candidate values in increasing precedence, with where they come from.
        let mut given: BTreeMap<String, GivenValue> = BTreeMap::new();
        let declared: BTreeMap<String, Option<TypeConstraint>> = self
            .config
            .variables
            .iter()
            .map(|v| (v.name.clone(), v.type_constraint.clone()))
            .collect();
        for (key, raw) in env_vars {
            let Some(name) = key.strip_prefix(ENV_PREFIX) else {
                continue;
            };
            let Some(ty) = declared.get(name) else {
                continue;
            };
            if let Some(value) = self.raw_value(
                name,
                raw,
                ty.as_ref(),
                &format!("environment variable `{key}`"),
            ) {
                given.insert(
                    name.to_owned(),
                    (value, None, format!("environment variable `{key}`")),
                );
            }
        }
        for source in var_files {
            self.variables_file(source, &declared, &mut given);
        }
        let arguments = cli_vars
            .iter()
            .map(|raw| VarArgument::Set(raw.clone()))
            .chain(arguments.iter().cloned());
        for argument in arguments {
            let raw = match argument {
                VarArgument::File(source) => {
                    self.variables_file(&source, &declared, &mut given);
                    continue;
                }
                VarArgument::Set(raw) => raw,
            };
            let Some((name, value)) = raw.split_once('=') else {
                self.diagnostics.push(Diagnostic::error(format!(
                    "invalid `--var {raw}`: expected `NAME=VALUE`"
                )));
                continue;
            };
            let name = name.trim();
            let Some(ty) = declared.get(name) else {
                let mut diagnostic =
                    Diagnostic::error(format!("`--var` sets undeclared variable `{name}`"));
                diagnostic = match suggest(name, declared.keys().map(String::as_str)) {
                    Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
                    None => {
                        diagnostic.with_hint(format!("declare it with `variable \"{name}\" {{}}`"))
                    }
                };
                self.diagnostics.push(diagnostic);
                continue;
            };
            if let Some(value) = self.raw_value(name, value, ty.as_ref(), "`--var`") {
                given.insert(name.to_owned(), (value, None, "`--var`".to_owned()));
            }
        }
        for i in 0..self.config.variables.len() {
            self.resolve_variable(i, &mut given);
        }
    }

    /// Reads the values of a variables file (`name = value` lines) into `given`.
    fn variables_file(
        &mut self,
        source: &SourceFile,
        declared: &BTreeMap<String, Option<TypeConstraint>>,
        given: &mut BTreeMap<String, GivenValue>,
    ) {
        let file = self.config.sources.add(source.clone());
        let source = Arc::clone(self.source(file));
        let body = match hcl_edit::parser::parse_body(source.text()) {
            Ok(body) => body,
            Err(e) => {
                let mut diagnostic = source.error_at_line_col(
                    e.location().line(),
                    e.location().column(),
                    format!("syntax error: {}", e.message()),
                );
                // Which value the broken line belongs to is not known: when any variable is
                // sensitive, the line may be its value.
                if self.config.variables.iter().any(|v| v.sensitive) {
                    diagnostic.hide_source();
                }
                self.diagnostics.push(diagnostic);
                return;
            }
        };
        for block in body.blocks() {
            self.error(
                file,
                &block_range(block),
                "a variables file holds only `name = value` lines, not blocks",
            );
        }
        for attribute in body.attributes() {
            let name = attribute.key.as_str();
            if !declared.contains_key(name) {
                let mut warning = source
                    .error(
                        &key_range(attribute),
                        format!("value for undeclared variable `{name}`"),
                    )
                    .into_warning();
                if let Some(s) = suggest(name, declared.keys().map(String::as_str)) {
                    warning = warning.with_hint(format!("did you mean `{s}`?"));
                }
                self.config.warnings.push(warning);
                continue;
            }
            let value = if self.is_sensitive(name) {
                self.sensitive_constant(file, name, &attribute.value)
            } else {
                self.constant(file, &attribute.value)
            };
            if let Some(value) = value {
                given.insert(
                    name.to_owned(),
                    (
                        value,
                        Some((file, span(&attribute.value))),
                        format!("`{}`", source.name()),
                    ),
                );
            }
        }
    }

    /// Sets the value of the `i`th variable from what was given (taken out of `given`) or its
    /// default, converted to its type and validated.
    fn resolve_variable(&mut self, i: usize, given: &mut BTreeMap<String, GivenValue>) {
        let variable = self.config.variables[i].clone();
        let decl_offset = variable.offset;
        let decl_file = variable.file;
        let (value, origin, from) = match given.remove(&variable.name) {
            Some(v) => v,
            None => {
                if let Some(default) = &variable.default {
                    (
                        default.clone(),
                        variable.default_origin.clone(),
                        "its default".to_owned(),
                    )
                } else if self.missing_variables == MissingVariables::Unknown {
                    self.config.variables[i].value = if variable.sensitive {
                        Value::Unknown.mark_sensitive()
                    } else {
                        Value::Unknown
                    };
                    return;
                } else {
                    let name = &variable.name;
                    self.error(decl_file, &(decl_offset..decl_offset + 8), format!("no value for required variable `{name}`"))
                    .set_hint(format!("set it with `--var {name}=VALUE`, in `plinth.vars`, or with the environment variable `{ENV_PREFIX}{name}`; or give it a `default`"));
                    return;
                }
            }
        };
        let (file, range) = origin.unwrap_or((decl_file, decl_offset..decl_offset + 8));
        // Marked before it is converted, so that a message about it is redacted.
        let value = if variable.sensitive {
            value.mark_sensitive()
        } else {
            value
        };
        let value = match &variable.type_constraint {
            Some(t) => match t.convert(value) {
                Ok(v) => v,
                Err(message) => {
                    let diagnostic = self.error(
                        file,
                        &range,
                        format!(
                            "invalid value for variable `{}` from {from}: {message}",
                            variable.name
                        ),
                    );
                    if variable.sensitive {
                        diagnostic.hide_source();
                    }
                    return;
                }
            },
            None => value,
        };
        self.validate_variable(&variable, &value, (file, &range), &from);
        self.config.variables[i].value = value;
    }

    /// Checks a variable's value against its `validation` blocks; `(file, range)` is where the value is
    /// written (or the declaration, for a value from outside a file), `from` says where it
    /// came from.
    fn validate_variable(
        &mut self,
        variable: &Variable,
        value: &Value,
        (file, range): (FileId, &Range<usize>),
        from: &str,
    ) {
        for validation in &variable.validations {
            let variables = ObjectMap::from_iter([(variable.name.clone(), value.clone())]);
            let locals = ObjectMap::new();
            let resources = |_: &ResourceAddress, _: Option<&Value>| None;
            let env = Env {
                variables: &variables,
                locals: &locals,
                resources: &resources,
                dir: self.config.dir.as_deref(),
                module: None,
            };
            match Context::new(&env)
                .eval(&validation.condition.expr)
                .map(|v| v.unmark().0)
            {
                Ok(Value::Bool(true) | Value::Unknown) => {}
                Ok(Value::Bool(false)) => {
                    let diagnostic = self.error(
                        file,
                        range,
                        format!(
                            "invalid value for variable `{}`: {}",
                            variable.name, validation.error_message
                        ),
                    );
                    diagnostic.set_note(format!(
                        "the value from {from} fails the validation at {}",
                        validation.condition.location
                    ));
                    if variable.sensitive {
                        diagnostic.hide_source();
                    }
                }
                Ok(other) => {
                    self.error(
                        validation.condition.file,
                        &span(&validation.condition.expr),
                        format!(
                            "a validation condition must be a bool, found {}",
                            other.type_name()
                        ),
                    );
                }
                Err(e) => {
                    let diagnostic = e.into_diagnostic(self.source(validation.condition.file));
                    self.diagnostics.push(diagnostic);
                }
            }
        }
    }

    /// A value given as text on the command line or in the environment: taken literally for a
    /// string variable, else parsed as an expression.
    fn raw_value(
        &mut self,
        name: &str,
        raw: &str,
        ty: Option<&TypeConstraint>,
        from: &str,
    ) -> Option<Value> {
        if ty.is_none_or(TypeConstraint::takes_raw_string) {
            return Some(Value::String(raw.to_owned()));
        }
        let parsed = hcl_edit::parser::parse_expr(raw)
            .ok()
            .filter(|e| references(e).is_empty());
        let empty = ObjectMap::new();
        let resources = |_: &ResourceAddress, _: Option<&Value>| None;
        let env = Env {
            variables: &empty,
            locals: &empty,
            resources: &resources,
            dir: None,
            module: None,
        };
        if let Some(Ok(value)) = parsed.map(|e| Context::new(&env).eval(&e)) {
            Some(value)
        } else {
            let message = format!(
                "invalid value for variable `{name}` from {from}: `{raw}` is not a valid expression"
            );
            let given = Value::string(raw);
            let given = if self.is_sensitive(name) {
                given.mark_sensitive()
            } else {
                given
            };
            self.diagnostics
                .push(Diagnostic::error(redact(message, &[&given])));
            None
        }
    }
}

/// A value given for a variable: the value, the file and range it is written at (if in a
/// file), and a description of where it came from.
type GivenValue = (Value, Option<(FileId, Range<usize>)>, String);

struct Scope<'a> {
    declared: &'a BTreeSet<ResourceAddress>,
    variables: &'a BTreeSet<String>,
    locals: &'a BTreeSet<String>,
    unknown_types: &'a BTreeSet<ResourceAddress>,
    /// The module instance's path, which its resource references are relative to.
    module: &'a plinth_core::ModulePath,
    /// The module instance (0: the root).
    index: usize,
}

struct Allowed<'a> {
    each: bool,
    count: bool,
    what: &'a str,
}

/// An attribute path for `ignore_changes`: `values`, `values.flavor`, `values["a"]`.
fn attribute_path(expr: &Expression) -> Option<Vec<String>> {
    match expr {
        Expression::Variable(name) => Some(vec![name.as_str().to_owned()]),
        Expression::Traversal(traversal) => {
            let mut path = attribute_path(&traversal.expr)?;
            for operator in &traversal.operators {
                match operator.value() {
                    TraversalOperator::GetAttr(ident) => path.push(ident.as_str().to_owned()),
                    TraversalOperator::Index(Expression::String(s)) => path.push(s.value().clone()),
                    TraversalOperator::Index(Expression::Number(n)) => {
                        path.push(n.value().to_string());
                    }
                    _ => return None,
                }
            }
            Some(path)
        }
        _ => None,
    }
}

/// A topological order of `graph` (each node after the nodes it points to) and its cycles.
fn topological_order(graph: &BTreeMap<Node, Vec<Node>>) -> (Vec<Node>, Vec<Vec<Node>>) {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut marks: BTreeMap<Node, Mark> = graph.keys().map(|&n| (n, Mark::New)).collect();
    let mut order = Vec::new();
    let mut cycles = Vec::new();
    for &start in graph.keys() {
        if marks[&start] != Mark::New {
            continue;
        }
        // Iterative DFS: (node, index of the next edge to follow).
        let mut stack: Vec<(Node, usize)> = vec![(start, 0)];
        marks.insert(start, Mark::Active);
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let edges = &graph[&node];
            if let Some(&target) = edges.get(*next) {
                *next += 1;
                match marks[&target] {
                    Mark::New => {
                        marks.insert(target, Mark::Active);
                        stack.push((target, 0));
                    }
                    Mark::Active => {
                        let position = stack.iter().position(|(n, _)| *n == target).unwrap_or(0);
                        let mut cycle: Vec<Node> =
                            stack[position..].iter().map(|(n, _)| *n).collect();
                        cycle.push(target);
                        cycles.push(cycle);
                    }
                    Mark::Done => {}
                }
            } else {
                marks.insert(node, Mark::Done);
                order.push(node);
                stack.pop();
            }
        }
    }
    (order, cycles)
}

/// Evaluates the provider block with the variables and locals.
fn provider(
    config: &Configuration,
    attributes: &[(String, Expr)],
    locals: &ObjectMap,
    diagnostics: &mut Diagnostics,
) -> Option<ProviderConfig> {
    Some(provider_from(
        config.provider.clone()?,
        config,
        attributes,
        locals,
        diagnostics,
    ))
}

/// Evaluates the attributes of a provider block onto `provider`.
fn provider_from(
    mut provider: ProviderConfig,
    config: &Configuration,
    attributes: &[(String, Expr)],
    locals: &ObjectMap,
    diagnostics: &mut Diagnostics,
) -> ProviderConfig {
    let variables: ObjectMap = config
        .variables
        .iter()
        .map(|v| (v.name.clone(), v.value.clone()))
        .collect();
    let resources =
        |_: &ResourceAddress, _: Option<&Value>| Some(crate::eval::Found::Whole(Value::Unknown));
    let env = Env {
        variables: &variables,
        locals,
        resources: &resources,
        dir: config.dir.as_deref(),
        module: None,
    };
    for (name, expr) in attributes {
        let source = config.source(expr.file);
        let value = match Context::new(&env).eval(&expr.expr) {
            Ok(v) => v.strip_marks(),
            Err(e) => {
                diagnostics.push(e.into_diagnostic(source));
                continue;
            }
        };
        let range = span(&expr.expr);
        if value.contains_unknown() {
            diagnostics.push(source.error(
                &range,
                format!("provider attribute `{name}` cannot depend on resources or data sources"),
            ));
            continue;
        }
        if value.is_null() {
            continue;
        }
        let string = |diagnostics: &mut Diagnostics| {
            if let Some(s) = crate::eval::value_to_string(&value) {
                Some(s)
            } else {
                diagnostics.push(source.error(
                    &range,
                    format!(
                        "provider attribute `{name}` must be a string, found {}",
                        value.type_name()
                    ),
                ));
                None
            }
        };
        match name.as_str() {
            "region" => provider.region = string(diagnostics),
            "project_id" => provider.project_id = string(diagnostics),
            "access_key" => provider.access_key = string(diagnostics),
            "secret_key" => provider.secret_key = string(diagnostics),
            "security_token" => provider.security_token = string(diagnostics),
            "cloud" => provider.cloud = string(diagnostics),
            "sandbox" => match value.as_bool() {
                Some(b) => provider.sandbox = b,
                None => diagnostics.push(source.error(
                    &range,
                    format!(
                        "provider attribute `sandbox` must be a bool, found {}",
                        value.type_name()
                    ),
                )),
            },
            "endpoints" => provider.endpoints = endpoints(&value, source, &range, diagnostics),
            "connect_timeout" => {
                provider.connect_timeout =
                    provider_timeout(name, &value, source, &range, diagnostics);
            }
            "request_timeout" => {
                provider.request_timeout =
                    provider_timeout(name, &value, source, &range, diagnostics);
            }
            _ => {}
        }
    }
    provider
}

/// A time limit of the provider block: a duration string such as `"30s"`, longer than zero.
fn provider_timeout(
    name: &str,
    value: &Value,
    source: &Arc<SourceFile>,
    range: &Range<usize>,
    diagnostics: &mut Diagnostics,
) -> Option<std::time::Duration> {
    let Some(text) = value.as_str() else {
        diagnostics.push(source.error(
            range,
            format!(
                "provider attribute `{name}` must be a duration string such as `\"30s\"`, found {}",
                value.type_name()
            ),
        ));
        return None;
    };
    match parse_duration(text) {
        Ok(duration) if duration.is_zero() => {
            diagnostics.push(
                source
                    .error(
                        range,
                        format!("provider attribute `{name}` must be longer than zero"),
                    )
                    .with_hint("leave it out for the default"),
            );
            None
        }
        Ok(duration) => Some(duration),
        Err(message) => {
            diagnostics.push(source.error(range, message));
            None
        }
    }
}

fn endpoints(
    value: &Value,
    source: &Arc<SourceFile>,
    range: &Range<usize>,
    diagnostics: &mut Diagnostics,
) -> Endpoints {
    let mut endpoints = Endpoints::default();
    let Some(map) = value.as_object() else {
        diagnostics.push(source.error(range, format!("provider attribute `endpoints` must be an object such as `{{ cce = \"https://...\" }}`, found {}", value.type_name())));
        return endpoints;
    };
    for (key, v) in map {
        let slot = match key.as_str() {
            "modelarts" => &mut endpoints.modelarts,
            "cce" => &mut endpoints.cce,
            "iam" => &mut endpoints.iam,
            other => {
                let mut diagnostic = source.error(range, format!("unknown endpoint `{other}`"));
                diagnostic = match suggest(other, ["modelarts", "cce", "iam"]) {
                    Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
                    None => diagnostic.with_note("the endpoints are `modelarts`, `cce` and `iam`"),
                };
                diagnostics.push(diagnostic);
                continue;
            }
        };
        match v.as_str() {
            Some(s) => *slot = Some(s.to_owned()),
            None => diagnostics.push(source.error(
                range,
                format!("endpoint `{key}` must be a string, found {}", v.type_name()),
            )),
        }
    }
    endpoints
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: &str = r#"
variable "region" {
  default = "from-default"
}

variable "replicas" {
  type    = number
  default = 1
}

variable "zones" {
  type    = list(string)
  default = []
}
"#;

    fn check(
        var_files: &[(&str, &str)],
        vars: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Configuration, Diagnostics> {
        load_sources(Sources {
            dir: None,
            files: vec![SourceFile::new("main.hcl", MAIN)],
            var_files: var_files
                .iter()
                .map(|(n, t)| SourceFile::new(*n, *t))
                .collect(),
            vars: vars.iter().map(|v| (*v).to_owned()).collect(),
            env_vars: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            ..Sources::default()
        })
    }

    fn value(config: &Configuration, name: &str) -> Value {
        config.variable(name).unwrap().value().clone()
    }

    #[test]
    fn precedence_is_default_env_files_then_cli() {
        let config = check(&[], &[], &[]).unwrap();
        assert_eq!(value(&config, "region"), Value::string("from-default"));

        let env = [("PLINTH_VAR_region", "from-env"), ("HOME", "/root")];
        let config = check(&[], &[], &env).unwrap();
        assert_eq!(value(&config, "region"), Value::string("from-env"));

        let files = [
            ("plinth.vars", "region = \"from-plinth-vars\""),
            ("a.auto.vars", "region = \"from-a-auto\""),
            ("b.auto.vars", "region = \"from-b-auto\""),
        ];
        let config = check(&files, &[], &env).unwrap();
        assert_eq!(value(&config, "region"), Value::string("from-b-auto"));

        let with_var_file = [
            files[0],
            files[1],
            files[2],
            ("custom.vars", "region = \"from-var-file\""),
        ];
        let config = check(&with_var_file, &[], &env).unwrap();
        assert_eq!(value(&config, "region"), Value::string("from-var-file"));

        let config = check(&with_var_file, &["region=first", "region=from-cli"], &env).unwrap();
        assert_eq!(value(&config, "region"), Value::string("from-cli"));
    }

    #[test]
    fn cli_values_are_literal_for_strings_and_parsed_otherwise() {
        let config = check(
            &[],
            &["region=[1, 2]", "replicas=3", "zones=[\"az1\"]"],
            &[("PLINTH_VAR_replicas", "9")],
        )
        .unwrap();
        assert_eq!(value(&config, "region"), Value::string("[1, 2]"));
        assert_eq!(value(&config, "replicas"), Value::int(3));
        assert_eq!(
            value(&config, "zones"),
            Value::List(vec![Value::string("az1")])
        );
    }

    #[test]
    fn bad_cli_values_are_reported_together() {
        let diagnostics = check(&[], &["replicas=three", "nope=1", "noequals"], &[]).unwrap_err();
        let messages: Vec<&str> = diagnostics.iter().map(Diagnostic::message).collect();
        assert_eq!(
            messages,
            [
                "invalid value for variable `replicas` from `--var`: `three` is not a valid expression",
                "`--var` sets undeclared variable `nope`",
                "invalid `--var noequals`: expected `NAME=VALUE`",
            ]
        );
    }

    #[test]
    fn var_file_mistakes_point_into_the_file() {
        let diagnostics = check(&[("plinth.vars", "replicas = \"many\"\n")], &[], &[]).unwrap_err();
        let rendered = diagnostics.to_string();
        assert!(rendered.contains("--> plinth.vars:1:12"), "{rendered}");
        assert!(
            rendered.contains("invalid value for variable `replicas` from `plinth.vars`"),
            "{rendered}"
        );
        let config = check(&[("plinth.vars", "regoin = \"x\"\n")], &[], &[]).unwrap();
        let warning = config.warnings().iter().next().unwrap();
        assert_eq!(warning.message(), "value for undeclared variable `regoin`");
        assert_eq!(warning.hint(), Some("did you mean `region`?"));
    }

    #[test]
    fn load_reads_the_directory_in_order() {
        let dir = std::env::temp_dir().join(format!("plinth-config-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("main.hcl"), MAIN).unwrap();
        std::fs::write(dir.join("notes.txt"), "not hcl {").unwrap();
        std::fs::write(dir.join("plinth.vars"), "region = \"vars\"\nreplicas = 2\n").unwrap();
        std::fs::write(dir.join("z.auto.vars"), "region = \"auto\"\n").unwrap();
        std::fs::write(dir.join("extra.vars"), "replicas = 5\n").unwrap();
        let options = LoadOptions {
            var_files: vec![PathBuf::from("extra.vars")],
            vars: vec![],
            env_vars: vec![],
            ..LoadOptions::default()
        };
        let config = load(&dir, &options).unwrap();
        assert_eq!(value(&config, "region"), Value::string("auto"));
        assert_eq!(value(&config, "replicas"), Value::int(5));
        let missing = load(&dir.join("missing"), &LoadOptions::default()).unwrap_err();
        assert!(
            missing
                .to_string()
                .starts_with("error: cannot read directory"),
            "{missing}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn sensitive_variables_are_marked() {
        let main = "variable \"key\" {\n  sensitive = true\n}\n";
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", main)],
            vars: vec!["key=secret".to_owned()],
            ..Sources::default()
        })
        .unwrap();
        assert_eq!(
            value(&config, "key"),
            Value::string("secret").mark_sensitive()
        );
    }
}

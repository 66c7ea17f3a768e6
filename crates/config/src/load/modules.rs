//! The loader's part of local modules: `module` blocks, the instances of each call (its
//! `count` or `for_each` evaluated at load), each instance's files loaded in its own scope, and
//! the checks of calls, inputs and module references.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use hcl_edit::Span as _;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::{Loader, block_range, key_range};
use crate::diagnostic::{FileId, SourceFile};
use crate::eval::{EvalError, Found, span};
use crate::expand::{Evaluated, UnknownRepetition, call_seeds, scope_env};
use crate::model::{Reference, ResourceAddress};
use crate::modules::{
    CallRepetition, MAX_MODULE_DEPTH, ModuleCall, ModuleScope, descendants, module_dir,
};
use crate::refs::{Target, references};
use crate::value::Value;
use plinth_core::ModulePath;

/// The arguments of a `module` block that are not inputs.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "count",
    "for_each",
    "depends_on",
    "providers",
    "version",
];

/// Blocks only the root module may hold.
const ROOT_ONLY_BLOCKS: &[&str] = &["provider", "moved", "removed", "import", "check", "plinth"];

/// Who wrote a `depends_on = [module.NAME]` entry.
#[derive(Debug, Clone, Copy)]
pub(super) enum DependsOwner {
    /// Not known yet: the block is being read.
    Pending,
    Resource(usize),
    Call(usize),
}

/// A `depends_on` entry naming a module call, resolved once every instance is loaded.
#[derive(Debug, Clone)]
pub(super) struct ModuleDependency {
    pub owner: DependsOwner,
    pub scope: usize,
    pub name: String,
    pub file: FileId,
    pub range: Range<usize>,
}

/// A `moved` block between two modules (`from = module.a  to = module.b`, or instances of
/// them), expanded into the moves of the resources of `to` once the modules are loaded.
#[derive(Debug, Clone)]
pub(super) struct ModuleMove {
    pub from: ModulePath,
    pub to: ModulePath,
    pub file: FileId,
    pub range: Range<usize>,
}

impl Loader {
    /// A `moved` block whose `from` and `to` are modules: recorded, `true`; else `false`.
    pub(super) fn module_moved_block(&mut self, file: FileId, block: &Block) -> bool {
        let side = |name: &str| -> Option<ModulePath> {
            let attribute = block.body.get_attribute(name)?;
            let range = span(&attribute.value);
            self.source(file).text()[range].trim().parse().ok()
        };
        let (from, to) = (side("from"), side("to"));
        if from.is_none() && to.is_none() {
            return false;
        }
        let range = block_range(block);
        let (Some(from), Some(to)) = (from, to) else {
            self.error(
                file,
                &range,
                "a `moved` block moves a module to a module, or a resource to a resource",
            )
            .set_hint("e.g. `moved { from = module.a  to = module.b }`");
            return true;
        };
        let shape = |path: &ModulePath| -> Vec<bool> {
            path.steps().iter().map(|step| step.key.is_some()).collect()
        };
        if from == to || from.steps().len() != to.steps().len() || shape(&from) != shape(&to) {
            self.error(
                file,
                &range,
                format!(
                    "cannot move `{}` to `{}`: a module moves to a different module at the same depth, an instance to an instance",
                    from.to_string().trim_end_matches('.'),
                    to.to_string().trim_end_matches('.')
                ),
            );
            return true;
        }
        self.module_moves.push(ModuleMove {
            from,
            to,
            file,
            range,
        });
        true
    }

    /// Each module move as the moves of the resources configured below `to`, from the same
    /// address below `from` (instance keys of calls `to` leaves open are kept).
    pub(super) fn expand_module_moves(&mut self) {
        for module_move in std::mem::take(&mut self.module_moves) {
            let mut moved = Vec::new();
            for resource in self
                .config
                .resources
                .iter()
                .filter(|r| r.mode() == crate::model::Mode::Managed)
            {
                let path = resource.address.module();
                if !module_move.to.contains(path) {
                    continue;
                }
                let mut steps: Vec<plinth_core::ModuleStep> = module_move
                    .from
                    .steps()
                    .iter()
                    .zip(path.steps())
                    .zip(module_move.to.steps())
                    .map(|((from, actual), to)| plinth_core::ModuleStep {
                        name: from.name.clone(),
                        key: if to.key.is_none() {
                            actual.key.clone()
                        } else {
                            from.key.clone()
                        },
                    })
                    .collect();
                steps.extend_from_slice(&path.steps()[module_move.to.steps().len()..]);
                let from = resource.address.clone().with_module(ModulePath::new(steps));
                moved.push((from, resource.address.clone()));
            }
            if moved.is_empty() {
                self.error(
                    module_move.file,
                    &module_move.range,
                    format!(
                        "`{}` holds no resource to move to",
                        module_move.to.to_string().trim_end_matches('.')
                    ),
                );
                continue;
            }
            let location = self
                .config
                .sources
                .location(module_move.file, module_move.range.start);
            for (from, to) in moved {
                self.config.moved.push(crate::model::MovedBlock {
                    from,
                    to,
                    location: location.clone(),
                    file: module_move.file,
                    range: module_move.range.clone(),
                });
            }
        }
    }

    /// Refuses, in a module below the root, a block only the root module may hold; `true` when
    /// refused.
    pub(super) fn refuse_in_module(&mut self, file: FileId, block: &Block) -> bool {
        let ident = block.ident.as_str();
        if self.scope == 0 || !ROOT_ONLY_BLOCKS.contains(&ident) {
            return false;
        }
        let hint = if ident == "provider" {
            "configure providers in the root module and pass one to the module with `providers = { huaweicloud = huaweicloud.ALIAS }`"
        } else {
            "write it in the root module, with the full address (`module.NAME.TYPE.NAME`)"
        };
        self.error(
            file,
            &block_range(block),
            format!("a `{ident}` block belongs in the root module, not in a module"),
        )
        .set_hint(hint);
        true
    }

    /// `module "NAME" { source = "./path" ...inputs... }`.
    pub(super) fn module_block(&mut self, file: FileId, block: &Block) {
        let Some(labels) = self.labels(file, block, &["NAME"]) else {
            return;
        };
        let name = labels[0].to_owned();
        let range = block.labels[0].span().unwrap_or_else(|| block_range(block));
        if !self.declare(
            format!("module.{name}"),
            &format!("module `{name}`"),
            file,
            &range,
        ) {
            return;
        }
        let context = format!("module `{name}`");
        self.no_blocks(file, &block.body, &context, &[]);
        let mut call = ModuleCall {
            name: name.clone(),
            scope: self.scope,
            file,
            range: block_range(block),
            dir: PathBuf::new(),
            count: None,
            for_each: None,
            depends_on: Vec::new(),
            inputs: BTreeMap::new(),
            references: Vec::new(),
            provider: None,
            expanded: false,
            repetition: CallRepetition::Single,
        };
        let mut source = None;
        for attribute in block.body.attributes() {
            match attribute.key.as_str() {
                "source" => {
                    source = self
                        .literal_string(file, attribute, "`source`")
                        .map(|s| (s, span(&attribute.value)));
                }
                "count" => call.count = Some(self.expr(file, &attribute.value)),
                "for_each" => call.for_each = Some(self.expr(file, &attribute.value)),
                "depends_on" => {
                    call.depends_on = self.depends_on(file, attribute);
                    self.claim_module_dependencies(DependsOwner::Call(self.config.calls.len()));
                }
                "providers" => call.provider = self.module_providers(file, &attribute.value),
                "version" => {
                    self.error(
                        file,
                        &key_range(attribute),
                        "a local module has no `version`",
                    )
                    .set_hint("remove `version`: plinth loads modules from local directories only");
                }
                input => {
                    call.inputs.insert(
                        input.to_owned(),
                        (self.expr(file, &attribute.value), key_range(attribute)),
                    );
                }
            }
        }
        if call.count.is_some() && call.for_each.is_some() {
            self.error(
                file,
                &block_range(block),
                format!("{context} has both `count` and `for_each`; use one"),
            );
            call.count = None;
        }
        call.repetition = match (&call.count, &call.for_each) {
            (Some(_), _) => CallRepetition::Count,
            (None, Some(_)) => CallRepetition::ForEach,
            (None, None) => CallRepetition::Single,
        };
        let Some((source, source_range)) = source else {
            self.error(
                file,
                &block_range(block),
                format!("missing required attribute `source` in {context}"),
            )
            .set_hint(
                "e.g. `source = \"./modules/dns\"`, a directory relative to this file's module",
            );
            return;
        };
        if !(source.starts_with("./") || source.starts_with("../")) {
            self.error(
                file,
                &source_range,
                format!("module source `{source}` is not a local path"),
            )
            .set_hint("plinth loads modules from local directories: write `./DIR` or `../DIR`");
            return;
        }
        let base = self.scope_dir_key(self.scope);
        call.dir = module_dir(&base, &source);
        self.config.calls.push(call);
    }

    /// `providers = { huaweicloud = huaweicloud.ALIAS }`: the alias given to the module.
    fn module_providers(&mut self, file: FileId, expr: &Expression) -> Option<String> {
        let Expression::Object(object) = expr else {
            self.error(
                file,
                &span(expr),
                "`providers` must be an object, e.g. `{ huaweicloud = huaweicloud.hk }`",
            );
            return None;
        };
        let mut alias = None;
        for (key, value) in object {
            let key_text = match key {
                hcl_edit::expr::ObjectKey::Ident(ident) => ident.as_str().to_owned(),
                hcl_edit::expr::ObjectKey::Expression(e) => {
                    self.source(file).text()[span(e)].trim().to_owned()
                }
            };
            let value_range = span(value.expr());
            if key_text != "huaweicloud" {
                self.error(
                    file,
                    &value_range,
                    format!("unknown provider `{key_text}` in `providers`"),
                )
                .set_hint("plinth has one provider: `huaweicloud`");
                continue;
            }
            alias = self.provider_reference(file, value.expr());
        }
        alias
    }

    /// The directory of module instance `scope`, relative to the root module's.
    fn scope_dir_key(&self, scope: usize) -> PathBuf {
        match self.config.scopes[scope].call {
            Some(call) => self.config.calls[call].dir.clone(),
            None => PathBuf::new(),
        }
    }

    /// Makes the instances of every module call, level by level: a call's `count` and
    /// `for_each` are evaluated with its caller's variables and locals, so each level's are
    /// known once the level above is loaded.
    pub(super) fn expand_modules(&mut self) {
        loop {
            let pending: Vec<usize> = (0..self.config.calls.len())
                .filter(|&c| !self.config.calls[c].expanded)
                .collect();
            if pending.is_empty() {
                break;
            }
            let before = self.diagnostics.len();
            self.order();
            // Cycles are reported by the final ordering, once everything is loaded.
            self.diagnostics.truncate(before);
            let evaluated = crate::expand::evaluate(
                &self.config,
                &crate::expand::NoValues,
                UnknownRepetition::Skip,
            );
            for call in pending {
                self.expand_call(call, &evaluated);
            }
        }
        self.resolve_module_dependencies();
    }

    fn expand_call(&mut self, c: usize, evaluated: &Evaluated) {
        self.config.calls[c].expanded = true;
        let call = self.config.calls[c].clone();
        let parent = &self.config.scopes[call.scope];
        if parent.path.steps().len() >= MAX_MODULE_DEPTH {
            self.error(
                call.file,
                &call.range,
                format!(
                    "module `{}` is nested more than {MAX_MODULE_DEPTH} modules deep",
                    call.name
                ),
            );
            return;
        }
        // A source cycle: the directory is the caller's, or one of its callers'.
        let mut chain = vec![call.dir.clone()];
        let mut at = Some(call.scope);
        while let Some(scope) = at {
            chain.push(self.scope_dir_key(scope));
            at = self.config.scopes[scope]
                .call
                .map(|up| self.config.calls[up].scope);
        }
        if chain[1..].contains(&call.dir) {
            chain.reverse();
            let shown: Vec<String> = chain
                .iter()
                .map(|d| format!("`./{}`", d.display()))
                .collect();
            self.error(
                call.file,
                &call.range,
                format!(
                    "module `{}` calls itself: {}",
                    call.name,
                    shown.join(" -> ")
                ),
            )
            .set_hint("a module cannot contain itself; move what both need into a third module");
            return;
        }
        let Some(files) = self.module_files(&call) else {
            return;
        };
        let resources = |_: &ResourceAddress, _: Option<&Value>| Some(Found::Whole(Value::Unknown));
        let calls = |_: &str| Some(Value::Unknown);
        let env = scope_env(
            &self.config,
            call.scope,
            &evaluated.scope_variables,
            &evaluated.scope_locals,
            &resources,
            &calls,
        );
        let mut errors: Vec<EvalError> = Vec::new();
        let seeds = call_seeds(&call, &env, &mut |e| errors.push(e));
        for e in errors {
            if !e.is_static {
                let diagnostic = e.into_diagnostic(self.source(call.file));
                self.diagnostics.push(diagnostic);
            }
        }
        let Some(seeds) = seeds else {
            return;
        };
        let parent_path = self.config.scopes[call.scope].path.clone();
        let provider = call
            .provider
            .clone()
            .or_else(|| self.config.scopes[call.scope].provider.clone());
        for (key, each, count_index) in seeds {
            let scope = self.config.scopes.len();
            self.config.scopes.push(ModuleScope {
                path: parent_path.child(&call.name, key),
                dir: Some(match &self.config.dir {
                    Some(root) => root.join(&call.dir),
                    None => call.dir.clone(),
                }),
                call: Some(c),
                each,
                count_index,
                variables: Vec::new(),
                outputs: Vec::new(),
                provider: provider.clone(),
            });
            self.scoped_files(scope, &files);
        }
    }

    /// The files of the module `call` loads: given in memory, or read from its directory.
    fn module_files(&mut self, call: &ModuleCall) -> Option<Vec<SourceFile>> {
        if let Some(files) = self.module_sources.get(&call.dir) {
            return Some(files.clone());
        }
        let shown = format!("./{}", call.dir.display());
        let Some(root) = self.config.dir.clone() else {
            self.error(
                call.file,
                &call.range,
                format!("module directory `{shown}` not found"),
            );
            return None;
        };
        match read_module_dir(&root, &call.dir) {
            Ok(files) if files.is_empty() => {
                self.error(
                    call.file,
                    &call.range,
                    format!("module directory `{shown}` has no `*.hcl` files"),
                )
                .set_hint("check the module's `source`");
                None
            }
            Ok(files) => {
                self.module_sources.insert(call.dir.clone(), files.clone());
                Some(files)
            }
            Err(e) => {
                self.error(
                    call.file,
                    &call.range,
                    format!("cannot read module directory `{shown}`: {e}"),
                )
                .set_hint(
                    "check the module's `source`: a directory relative to the module that calls it",
                );
                None
            }
        }
    }

    /// Parses `files` and loads their blocks into module instance `scope`.
    fn scoped_files(&mut self, scope: usize, files: &[SourceFile]) {
        let mut bodies: Vec<(FileId, Body)> = Vec::new();
        for file in files {
            let index = self.config.sources.add(file.clone());
            let source = self.config.sources.get(index);
            match hcl_edit::parser::parse_body(source.text()) {
                Ok(mut body) => {
                    // `plinth.workspace` is the same name in every module.
                    crate::settings::substitute_workspace(
                        &mut body,
                        &self.workspace,
                        source,
                        &mut self.diagnostics,
                    );
                    bodies.push((index, body));
                }
                Err(e) => {
                    let diagnostic = source.error_at_line_col(
                        e.location().line(),
                        e.location().column(),
                        format!("syntax error: {}", e.message()),
                    );
                    self.diagnostics.push(diagnostic);
                }
            }
        }
        self.scoped_bodies(scope, &bodies);
    }

    /// Loads `bodies` into module instance `scope`: names are declared in its own namespace,
    /// its resources' addresses carry its path, its variables and outputs are its own.
    pub(super) fn scoped_bodies(&mut self, scope: usize, bodies: &[(FileId, Body)]) {
        let saved_locations = std::mem::take(&mut self.locations);
        let saved_scope = std::mem::replace(&mut self.scope, scope);
        let saved_unknown = self.unknown_types.clone();
        let (resources, locals) = (self.config.resources.len(), self.config.locals.len());
        let (variables, outputs) = (self.config.variables.len(), self.config.outputs.len());
        for (file, body) in bodies {
            self.body(*file, body);
        }
        let path = self.config.scopes[scope].path.clone();
        let provider = self.config.scopes[scope].provider.clone();
        for resource in &mut self.config.resources[resources..] {
            resource.scope = scope;
            if resource.provider.is_none() {
                resource.provider.clone_from(&provider);
            }
            resource.address = resource.address.clone().with_module(path.clone());
            for dependency in &mut resource.depends_on {
                dependency.address = dependency.address.clone().with_module(path.clone());
            }
        }
        for local in &mut self.config.locals[locals..] {
            local.scope = scope;
        }
        let mut declared_outputs = self.config.outputs.split_off(outputs);
        for output in &mut declared_outputs {
            for dependency in &mut output.depends_on {
                dependency.address = dependency.address.clone().with_module(path.clone());
            }
        }
        self.config.scopes[scope].outputs = declared_outputs;
        self.config.scopes[scope].variables = self.config.variables.split_off(variables);
        let new_unknown: Vec<ResourceAddress> = self
            .unknown_types
            .difference(&saved_unknown)
            .cloned()
            .collect();
        for address in new_unknown {
            self.unknown_types.remove(&address);
            self.unknown_types.insert(address.with_module(path.clone()));
        }
        self.locations = saved_locations;
        self.scope = saved_scope;
    }

    /// `depends_on = [module.NAME]`: a dependency on every resource of every instance of the
    /// call, and of the modules below it. A call's `depends_on`, and the resources its inputs
    /// and `count` or `for_each` refer to, become dependencies of every resource of its
    /// instances.
    fn resolve_module_dependencies(&mut self) {
        let by_scope =
            |config: &crate::model::Configuration, scopes: &[usize]| -> Vec<ResourceAddress> {
                config
                    .resources
                    .iter()
                    .filter(|r| scopes.contains(&r.scope))
                    .map(|r| r.address.clone())
                    .collect()
            };
        for dependency in std::mem::take(&mut self.module_dependencies) {
            let known = self
                .config
                .calls
                .iter()
                .any(|c| c.scope == dependency.scope && c.name == dependency.name);
            if !known {
                self.error(
                    dependency.file,
                    &dependency.range,
                    format!(
                        "reference to undeclared module `module.{}`",
                        dependency.name
                    ),
                );
                continue;
            }
            let scopes = descendants(&self.config, dependency.scope, &dependency.name);
            let location = self
                .config
                .sources
                .location(dependency.file, dependency.range.start);
            let references: Vec<Reference> = by_scope(&self.config, &scopes)
                .into_iter()
                .map(|address| Reference {
                    address,
                    steps: Vec::new(),
                    location: location.clone(),
                    offset: dependency.range.start,
                })
                .collect();
            match dependency.owner {
                DependsOwner::Resource(i) => self.config.resources[i].depends_on.extend(references),
                DependsOwner::Call(c) => self.config.calls[c].depends_on.extend(references),
                DependsOwner::Pending => {}
            }
        }
    }

    /// Checks the calls of module instance `scope`: inputs the module declares, required
    /// variables given, module references known; records what each call's expressions refer to.
    pub(super) fn check_calls(&mut self, scope: usize, names: &super::Scope<'_>) {
        for c in 0..self.config.calls.len() {
            if self.config.calls[c].scope != scope {
                continue;
            }
            let call = self.config.calls[c].clone();
            let mut found = Vec::new();
            let what = format!("module `{}`", call.name);
            for expr in call.count.iter().chain(&call.for_each) {
                let allowed = super::Allowed {
                    each: false,
                    count: false,
                    what: &what,
                };
                found.extend(self.check(expr, names, &allowed));
            }
            let allowed = super::Allowed {
                each: call.repetition == CallRepetition::ForEach,
                count: call.repetition == CallRepetition::Count,
                what: &what,
            };
            for (expr, _) in call.inputs.values() {
                found.extend(self.check(expr, names, &allowed));
            }
            found.extend(call.depends_on.iter().cloned());
            self.config.calls[c].references = found;
            let Some(instance) = self.config.scopes.iter().position(|s| s.call == Some(c)) else {
                continue;
            };
            let declared: Vec<(String, bool)> = self.config.scopes[instance]
                .variables
                .iter()
                .map(|v| (v.name.clone(), v.default.is_none()))
                .collect();
            for (input, (_, range)) in &call.inputs {
                if declared.iter().any(|(name, _)| name == input) {
                    continue;
                }
                let mut diagnostic = self.source(call.file).error(
                    range,
                    format!("module `{}` has no variable `{input}`", call.name),
                );
                diagnostic = match crate::schema::suggest(input, declared.iter().map(|(n, _)| n.as_str()).chain(META_ARGUMENTS.iter().copied())) {
                    Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
                    None => diagnostic.with_hint(format!(
                        "declare it in the module with `variable \"{input}\" {{ type = string }}`, or remove it"
                    )),
                };
                self.diagnostics.push(diagnostic);
            }
            for (name, required) in &declared {
                if *required && !call.inputs.contains_key(name) {
                    self.error(
                        call.file,
                        &call.range,
                        format!(
                            "module `{}` needs a value for its variable `{name}`",
                            call.name
                        ),
                    )
                    .set_hint(format!("add `{name} = ...` to the module block"));
                }
            }
        }
    }

    /// The resources every instance of each call must come after: the call's references and
    /// `depends_on`, given to every resource of its instances and of the modules below them.
    pub(super) fn inherit_call_dependencies(&mut self) {
        for c in 0..self.config.calls.len() {
            let references = self.config.calls[c].references.clone();
            if references.is_empty() {
                continue;
            }
            let call = &self.config.calls[c];
            let scopes = descendants(&self.config, call.scope, &call.name);
            for resource in &mut self.config.resources {
                if scopes.contains(&resource.scope) {
                    resource.depends_on.extend(references.iter().cloned());
                }
            }
        }
    }

    /// A `module.NAME` reference written in module instance `scope`: an error when there is
    /// no such call; else every resource below the call, as references (the outputs read
    /// may come from any of them).
    pub(super) fn module_reference(
        &mut self,
        scope: usize,
        name: &str,
        file: FileId,
        range: &Range<usize>,
    ) -> Vec<Reference> {
        let known = self
            .config
            .calls
            .iter()
            .any(|c| c.scope == scope && c.name == name);
        if !known {
            let candidates: Vec<String> = self
                .config
                .calls
                .iter()
                .filter(|c| c.scope == scope)
                .map(|c| c.name.clone())
                .collect();
            let mut diagnostic = self.source(file).error(
                range,
                format!("reference to undeclared module `module.{name}`"),
            );
            if let Some(s) = crate::schema::suggest(name, candidates.iter().map(String::as_str)) {
                diagnostic = diagnostic.with_hint(format!("did you mean `module.{s}`?"));
            }
            self.diagnostics.push(diagnostic);
            return Vec::new();
        }
        let scopes = descendants(&self.config, scope, name);
        let location = self.config.sources.location(file, range.start);
        self.config
            .resources
            .iter()
            .filter(|r| scopes.contains(&r.scope))
            .map(|r| Reference {
                address: r.address.clone(),
                steps: Vec::new(),
                location: location.clone(),
                offset: range.start,
            })
            .collect()
    }

    /// Gives the `depends_on = [module.NAME]` entries of the block just read to `owner`.
    pub(super) fn claim_module_dependencies(&mut self, owner: DependsOwner) {
        for dependency in self.module_dependencies.iter_mut().rev() {
            if !matches!(dependency.owner, DependsOwner::Pending) {
                break;
            }
            dependency.owner = owner;
        }
    }

    /// Records a `depends_on = [module.NAME]` entry of the block being read.
    pub(super) fn module_dependency(&mut self, file: FileId, item: &Expression) -> bool {
        let refs = references(item);
        let [raw] = refs.as_slice() else {
            return false;
        };
        let Target::Module(name) = &raw.target else {
            return false;
        };
        self.module_dependencies.push(ModuleDependency {
            owner: DependsOwner::Pending,
            scope: self.scope,
            name: name.clone(),
            file,
            range: raw.range.clone(),
        });
        true
    }
}

/// The `*.hcl` files of module directory `dir` (relative to `root`), sorted by name, each named
/// by its path relative to the root module (`modules/dns/main.hcl`) so that messages point at it.
fn read_module_dir(root: &Path, dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root.join(dir))? {
        let entry = entry?;
        if entry.file_type().is_ok_and(|t| t.is_file())
            && let Some(name) = entry.file_name().to_str()
            && Path::new(name).extension().is_some_and(|e| e == "hcl")
        {
            names.push(name.to_owned());
        }
    }
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let text = std::fs::read_to_string(root.join(dir).join(&name))?;
            Ok(SourceFile::new(dir.join(&name).display().to_string(), text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    use crate::{Diagnostics, NoValues, SourceFile, Sources, Value, expand, load_sources};

    const ROOT: &str = r#"
variable "clusters" {
  type    = map(string)
  default = { c1 = "c0ffee00-0000-4000-8000-000000000001", c2 = "c0ffee00-0000-4000-8000-000000000002" }
}

module "dns" {
  source     = "./modules/dns"
  for_each   = var.clusters
  cluster_id = each.value
  replicas   = 2
}

output "ids" {
  value = { for k, m in module.dns : k => m.cluster }
}
"#;

    const DNS: &str = r#"
variable "cluster_id" {
  type = string
}

variable "replicas" {
  type    = number
  default = 1
  validation {
    condition     = var.replicas > 0
    error_message = "replicas must be positive"
  }
}

locals {
  version = "1.28.6"
}

resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster_id
  template_name = "coredns"
  version       = local.version
  values        = { flavor = { replicas = var.replicas } }
}

output "cluster" {
  value = huaweicloud_cce_addon.coredns.cluster_id
}
"#;

    fn load(
        root: &str,
        modules: &[(&str, &[(&str, &str)])],
    ) -> Result<crate::Configuration, Diagnostics> {
        let modules: BTreeMap<PathBuf, Vec<SourceFile>> = modules
            .iter()
            .map(|(dir, files)| {
                let files = files
                    .iter()
                    .map(|(name, text)| SourceFile::new(format!("{dir}/{name}"), *text))
                    .collect();
                (PathBuf::from(dir), files)
            })
            .collect();
        load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", root)],
            modules,
            ..Sources::default()
        })
    }

    fn errors(result: Result<crate::Configuration, Diagnostics>) -> String {
        match result {
            Ok(_) => panic!("expected errors"),
            Err(diagnostics) => diagnostics.to_string(),
        }
    }

    #[test]
    fn a_module_with_for_each_expands_into_addressed_instances() {
        let config = load(ROOT, &[("modules/dns", &[("main.hcl", DNS)])]).unwrap();
        let instances = expand(&config, &NoValues).unwrap();
        let shown: Vec<String> = instances.iter().map(|i| i.address.to_string()).collect();
        assert_eq!(
            shown,
            [
                r#"module.dns["c1"].huaweicloud_cce_addon.coredns"#,
                r#"module.dns["c2"].huaweicloud_cce_addon.coredns"#,
            ]
        );
        assert_eq!(
            instances[1].attributes.get("cluster_id"),
            Some(&Value::string("c0ffee00-0000-4000-8000-000000000002"))
        );
        assert_eq!(
            instances[0].attributes.get("version"),
            Some(&Value::string("1.28.6"))
        );
        let outputs = crate::evaluate_outputs(&config, &NoValues).unwrap();
        let Value::Object(ids) = &outputs[0].value else {
            panic!("{:?}", outputs[0].value)
        };
        assert_eq!(
            ids.get("c1"),
            Some(&Value::string("c0ffee00-0000-4000-8000-000000000001"))
        );
    }

    #[test]
    fn nested_modules_and_count_carry_the_whole_path() {
        let root = r#"
module "outer" {
  source = "./outer"
  count  = 2
  n      = count.index
}
"#;
        let outer = r#"
variable "n" { type = number }
module "inner" {
  source = "../inner"
  name   = "pool-${var.n}"
}
output "pool" { value = module.inner.pool }
"#;
        let inner = r#"
variable "name" { type = string }
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = var.name
  template_name = "gpu-beta"
}
output "pool" { value = huaweicloud_modelarts_pool_plugin.gpu.pool_name }
"#;
        let config = load(
            root,
            &[
                ("outer", &[("main.hcl", outer)]),
                ("inner", &[("main.hcl", inner)]),
            ],
        )
        .unwrap();
        let instances = expand(&config, &NoValues).unwrap();
        let shown: Vec<String> = instances.iter().map(|i| i.address.to_string()).collect();
        assert_eq!(
            shown,
            [
                "module.outer[0].module.inner.huaweicloud_modelarts_pool_plugin.gpu",
                "module.outer[1].module.inner.huaweicloud_modelarts_pool_plugin.gpu",
            ]
        );
        assert_eq!(
            instances[1].attributes.get("pool_name"),
            Some(&Value::string("pool-1"))
        );
    }

    #[test]
    fn module_mistakes_name_the_module_file() {
        let root = r#"
module "dns" {
  source     = "./modules/dns"
  cluster_id = "c0ffee00-0000-4000-8000-000000000001"
  replica    = 0
}
output "x" { value = module.dsn.cluster }
"#;
        let dns = DNS.replace("local.version", "local.versoin");
        insta::assert_snapshot!(errors(load(
            root,
            &[("modules/dns", &[("main.hcl", &dns)])]
        )));
    }

    #[test]
    fn invalid_inputs_are_reported_at_the_call() {
        let root = r#"
module "dns" {
  source     = "./modules/dns"
  cluster_id = "c0ffee00-0000-4000-8000-000000000001"
  replicas   = 0
}
"#;
        insta::assert_snapshot!(errors(load(root, &[("modules/dns", &[("main.hcl", DNS)])])));
    }

    #[test]
    fn source_cycles_and_unknown_repetitions_are_refused() {
        let root = r#"
module "a" {
  source = "./a"
}
resource "huaweicloud_cce_addon" "x" {
  cluster_id    = "c0ffee00-0000-4000-8000-000000000001"
  template_name = "coredns"
}
module "b" {
  source   = "./b"
  for_each = toset([huaweicloud_cce_addon.x.id])
}
module "c" {
  source = "https://example.com/module.zip"
}
"#;
        let a = r#"
module "again" {
  source = "../a"
}
"#;
        let b = r#"
provider "huaweicloud" {
  region = "cn-north-4"
}
"#;
        insta::assert_snapshot!(errors(load(
            root,
            &[("a", &[("main.hcl", a)]), ("b", &[("main.hcl", b)])]
        )));
    }

    #[test]
    fn import_and_removed_blocks_name_resources_in_modules() {
        let root = format!(
            r#"{ROOT}
import {{
  to = module.dns["c1"].huaweicloud_cce_addon.coredns
  id = "c0ffee00-0000-4000-8000-000000000001/5f0c"
}}
"#
        );
        let config = load(&root, &[("modules/dns", &[("main.hcl", DNS)])]).unwrap();
        assert!(config.check_import_targets().is_ok());
        let wrong = format!(
            r#"{ROOT}
import {{
  to = module.dns[var.x].huaweicloud_cce_addon.coredns
  id = "c0ffee00-0000-4000-8000-000000000001/5f0c"
}}
removed {{
  from = module.dns["c1"].huaweicloud_cce_addon.coredns
}}
"#
        );
        insta::assert_snapshot!(errors(load(
            &wrong,
            &[("modules/dns", &[("main.hcl", DNS)])]
        )));
    }

    #[test]
    fn sensitive_inputs_stay_sensitive_and_must_leave_through_sensitive_outputs() {
        let root = r#"
module "dns" {
  source     = "./dns"
  cluster_id = "c0ffee00-0000-4000-8000-000000000001"
  token      = "s3cret"
}
output "leak" { value = module.dns.token }
"#;
        let dns = r#"
variable "cluster_id" { type = string }
variable "token" {
  type      = string
  sensitive = true
}
resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster_id
  template_name = "coredns"
  values        = { custom = { token = var.token } }
}
output "token" { value = var.token }
"#;
        let message = errors(load(root, &[("dns", &[("main.hcl", dns)])]));
        assert!(
            message.contains("output `token` of module `module.dns` shows a sensitive value but is not marked sensitive"),
            "{message}"
        );
        assert!(!message.contains("s3cret"), "{message}");
        let dns = dns.replace(
            "output \"token\" { value = var.token }",
            "output \"token\" {\n  value     = var.token\n  sensitive = true\n}",
        );
        let root = root.replace(
            "output \"leak\" { value = module.dns.token }",
            "output \"kept\" {\n  value     = module.dns.token\n  sensitive = true\n}",
        );
        let config = load(&root, &[("dns", &[("main.hcl", &dns)])]).unwrap();
        let instances = expand(&config, &NoValues).unwrap();
        assert!(
            instances[0]
                .attributes
                .get("values")
                .unwrap()
                .contains_sensitive()
        );
        let outputs = crate::evaluate_outputs(&config, &NoValues).unwrap();
        assert!(outputs[0].value.is_sensitive());
    }

    #[test]
    fn conditions_and_lifecycle_arguments_read_their_own_module_instance() {
        // The root has a `protect` and a `replicas` of its own that say the opposite: a module's
        // lifecycle and preconditions must read the module's names, never the root's.
        let root = r#"
variable "protect" {
  default = false
}

locals {
  replicas = 0
}

module "dns" {
  source   = "./modules/dns"
  for_each = {
    guarded = { protect = true, cluster = "c0ffee00-0000-4000-8000-000000000001" }
    open    = { protect = false, cluster = "c0ffee00-0000-4000-8000-000000000002" }
  }
  protect = each.value.protect
  cluster = each.value.cluster
}
"#;
        let dns = r#"
variable "protect" {
  type = bool
}

variable "cluster" {
  type = string
}

locals {
  replicas = 3
}

resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster
  template_name = "coredns"
  values        = { flavor = { replicas = local.replicas } }
  lifecycle {
    prevent_destroy = var.protect
    precondition {
      condition     = local.replicas > 0
      error_message = "replicas must be positive"
    }
  }
}
"#;
        let config = load(root, &[("modules/dns", &[("main.hcl", dns)])]).unwrap();
        let protected: Vec<(String, bool)> = config
            .resources
            .iter()
            .map(|r| (r.address.to_string(), r.lifecycle().prevent_destroy))
            .collect();
        assert_eq!(
            protected,
            [
                (
                    r#"module.dns["guarded"].huaweicloud_cce_addon.coredns"#.to_owned(),
                    true
                ),
                (
                    r#"module.dns["open"].huaweicloud_cce_addon.coredns"#.to_owned(),
                    false
                ),
            ]
        );
        let report = crate::evaluate_conditions(&config, &NoValues);
        assert!(report.errors.is_empty(), "{}", report.errors);

        let failing = dns.replace("replicas = 3", "replicas = -1");
        let config = load(root, &[("modules/dns", &[("main.hcl", &failing)])]).unwrap();
        let report = crate::evaluate_conditions(&config, &NoValues);
        assert_eq!(report.errors.len(), 2, "{}", report.errors);
        assert!(
            report
                .errors
                .to_string()
                .contains("replicas must be positive")
        );
    }

    #[test]
    fn plinth_workspace_is_the_selected_workspace_inside_modules_too() {
        let root = r#"
module "dns" {
  source = "./modules/dns"
}

output "name" {
  value = module.dns.name
}
"#;
        let dns = r#"
output "name" {
  value = "coredns-${plinth.workspace}"
}
"#;
        let modules: BTreeMap<PathBuf, Vec<SourceFile>> = [(
            PathBuf::from("modules/dns"),
            vec![SourceFile::new("modules/dns/main.hcl", dns)],
        )]
        .into_iter()
        .collect();
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", root)],
            modules,
            workspace: Some("staging".to_owned()),
            ..Sources::default()
        })
        .unwrap();
        let outputs = crate::evaluate_outputs(&config, &NoValues).unwrap();
        assert_eq!(outputs[0].value, Value::from("coredns-staging"));
    }
}

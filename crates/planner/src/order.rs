//! Dependencies between planned changes: `--target`/`--exclude` selection, inherited
//! `create_before_destroy`, and the graph of steps.
//!
//! A reference to a whole resource with many instances is kept as one group dependency rather
//! than one per instance, so that N instances depending on M instances cost N + M, not N x M:
//! the graph then routes such edges through one barrier step per group.

use plinth_core::ResourceAddress;
use std::collections::HashMap;

use crate::error::PlanError;
use crate::graph::{GraphBuilder, Operation, PlanGraph, StepId};
use crate::observe::PlanOptions;
use crate::plan::{Action, PlanMode, PlannedChange};

/// Above this many instance-to-instance edges, a group dependency goes through barrier steps.
const DIRECT_EDGE_LIMIT: usize = 256;

/// One dependency of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Dep {
    /// One other change, by index.
    One(usize),
    /// Every instance of a resource, by group index.
    All(usize),
}

/// The instances of one resource with more than one instance.
struct Group {
    address: ResourceAddress,
    members: Vec<usize>,
}

/// What every change depends on.
pub(crate) struct Dependencies {
    groups: Vec<Group>,
    depends: Vec<Vec<Dep>>,
}

impl Dependencies {
    /// Resolves each change's dependency addresses (`dependencies[i]` for `changes[i]`, which
    /// are sorted by address) to changes: a keyed address to that instance, a resource address
    /// to all its instances.
    pub(crate) fn resolve(
        changes: &[PlannedChange],
        dependencies: &[Vec<&ResourceAddress>],
    ) -> Self {
        let index: HashMap<&ResourceAddress, usize> = changes
            .iter()
            .enumerate()
            .map(|(i, c)| (&c.address, i))
            .collect();
        let mut by_block: HashMap<ResourceAddress, Vec<usize>> = HashMap::new();
        for (i, change) in changes.iter().enumerate() {
            by_block
                .entry(change.address.resource())
                .or_default()
                .push(i);
        }
        let mut groups = Vec::new();
        let mut group_of: HashMap<ResourceAddress, Dep> = HashMap::new();
        for (address, members) in by_block {
            let dep = if let [only] = members.as_slice() {
                Dep::One(*only)
            } else {
                groups.push(Group {
                    address: address.clone(),
                    members,
                });
                Dep::All(groups.len() - 1)
            };
            group_of.insert(address, dep);
        }
        let depends = dependencies
            .iter()
            .enumerate()
            .map(|(i, addresses)| {
                let mut deps: Vec<Dep> = addresses
                    .iter()
                    .filter_map(|address| {
                        // A key that is not planned (a literal index the planner could not map)
                        // falls back to the whole resource, which orders at least as strictly.
                        index
                            .get(address)
                            .map(|&one| Dep::One(one))
                            .or_else(|| group_of.get(&address.resource()).copied())
                    })
                    .collect();
                deps.sort_unstable();
                deps.dedup();
                deps.retain(|d| *d != Dep::One(i));
                deps
            })
            .collect();
        Self { groups, depends }
    }

    fn members(&self, dep: Dep) -> &[usize] {
        match dep {
            Dep::One(_) => &[],
            Dep::All(g) => &self.groups[g].members,
        }
    }

    /// Which changes `--target` and `--exclude` keep. Planning a target needs what it depends
    /// on; destroying one needs what depends on it destroyed first. Excluding a resource
    /// excludes what depends on it (with destroy: what it depends on, which it still needs).
    pub(crate) fn select(
        &self,
        changes: &[PlannedChange],
        options: &PlanOptions,
        mode: PlanMode,
    ) -> Vec<bool> {
        let n = changes.len();
        // Nodes 0..n are changes, n.. are groups; edges point from a change to its dependencies.
        let node = |dep: Dep| match dep {
            Dep::One(j) => j,
            Dep::All(g) => n + g,
        };
        let total = n + self.groups.len();
        let mut forward: Vec<Vec<usize>> = vec![Vec::new(); total];
        let mut backward: Vec<Vec<usize>> = vec![Vec::new(); total];
        for (i, deps) in self.depends.iter().enumerate() {
            for &dep in deps {
                forward[i].push(node(dep));
                backward[node(dep)].push(i);
            }
        }
        for (g, group) in self.groups.iter().enumerate() {
            for &member in &group.members {
                forward[n + g].push(member);
                backward[member].push(n + g);
            }
        }
        let closure = |start: Vec<usize>, edges: &[Vec<usize>]| {
            let mut seen = vec![false; total];
            let mut work = start;
            while let Some(i) = work.pop() {
                if !seen[i] {
                    seen[i] = true;
                    work.extend(edges[i].iter().copied());
                }
            }
            seen.truncate(n);
            seen
        };
        let matching = |list: &[ResourceAddress]| -> Vec<usize> {
            (0..n)
                .filter(|i| list.iter().any(|a| a.contains(&changes[*i].address)))
                .collect()
        };
        let destroy = mode == PlanMode::Destroy;
        let mut keep = if options.targets.is_empty() {
            vec![true; n]
        } else {
            closure(
                matching(&options.targets),
                if destroy { &backward } else { &forward },
            )
        };
        if !options.excludes.is_empty() {
            let excluded = closure(
                matching(&options.excludes),
                if destroy { &forward } else { &backward },
            );
            for (k, x) in keep.iter_mut().zip(excluded) {
                *k = *k && !x;
            }
        }
        keep
    }

    /// Dependencies of a create-before-destroy replacement that are replaced too must be
    /// created before they are destroyed as well, or the old dependent would outlive its old
    /// dependency: they inherit `create_before_destroy`, as in Terraform.
    pub(crate) fn inherit_create_before_destroy(
        &self,
        changes: &mut [PlannedChange],
        keep: &[bool],
    ) {
        let cbd = Action::Replace {
            create_before_destroy: true,
        };
        let plain = Action::Replace {
            create_before_destroy: false,
        };
        let mut work: Vec<usize> = (0..changes.len())
            .filter(|i| keep[*i] && changes[*i].action == cbd)
            .collect();
        let mut group_done = vec![false; self.groups.len()];
        while let Some(i) = work.pop() {
            for &dep in &self.depends[i] {
                let targets: &[usize] = match dep {
                    Dep::One(j) => &[j][..],
                    Dep::All(g) if group_done[g] => &[],
                    Dep::All(g) => {
                        group_done[g] = true;
                        self.members(dep)
                    }
                };
                for &j in targets {
                    if keep[j] && changes[j].action == plain {
                        changes[j].action = cbd;
                        work.push(j);
                    }
                }
            }
        }
    }

    /// The steps and their order. When `i` depends on `j`: `j`'s create or update runs before
    /// `i`'s; `i`'s delete runs before `j`'s; a replace deletes then creates, or creates then
    /// deletes, and then the old object of `j` is deleted only after `i` is created or updated.
    pub(crate) fn graph(
        &self,
        changes: &[PlannedChange],
        keep: &[bool],
    ) -> Result<PlanGraph, PlanError> {
        let mut builder = GraphBuilder::new();
        let (main, delete) = add_steps(&mut builder, changes, keep);
        let cbd_old = |j: usize| match changes[j].action {
            Action::Replace {
                create_before_destroy: true,
            } => delete[j],
            _ => None,
        };
        // How many kept changes depend on each group: decides direct edges or barriers.
        let mut users = vec![0_usize; self.groups.len()];
        for (i, deps) in self.depends.iter().enumerate() {
            for dep in deps {
                if let (true, Dep::All(g)) = (keep[i], dep) {
                    users[*g] += 1;
                }
            }
        }
        let mut barriers: HashMap<(usize, u8), StepId> = HashMap::new();
        for (i, deps) in self.depends.iter().enumerate() {
            if !keep[i] {
                continue;
            }
            for &dep in deps {
                let direct: &[usize] = match dep {
                    Dep::One(j) => &[j][..],
                    Dep::All(g) if self.groups[g].members.len() * users[g] <= DIRECT_EDGE_LIMIT => {
                        self.members(dep)
                    }
                    Dep::All(g) => {
                        let members = &self.groups[g].members;
                        let address = &self.groups[g].address;
                        let mut barrier =
                            |builder: &mut GraphBuilder,
                             kind: u8,
                             wire: &dyn Fn(&mut GraphBuilder, StepId)| {
                                *barriers.entry((g, kind)).or_insert_with(|| {
                                    let id = builder.add(address.clone(), Operation::Barrier);
                                    wire(builder, id);
                                    id
                                })
                            };
                        if let Some(dependent) = main[i] {
                            let wait = barrier(&mut builder, 0, &|b, id| {
                                for &j in members.iter().filter(|j| keep[**j]) {
                                    if let Some(step) = main[j] {
                                        b.edge(step, id);
                                    }
                                }
                            });
                            builder.edge(wait, dependent);
                            if members.iter().any(|j| keep[*j] && cbd_old(*j).is_some()) {
                                let old = barrier(&mut builder, 1, &|b, id| {
                                    for &j in members.iter().filter(|j| keep[**j]) {
                                        if let Some(step) = cbd_old(j) {
                                            b.edge(id, step);
                                        }
                                    }
                                });
                                builder.edge(dependent, old);
                            }
                        }
                        if let Some(dependent) = delete[i] {
                            let gone = barrier(&mut builder, 2, &|b, id| {
                                for &j in members.iter().filter(|j| keep[**j]) {
                                    if let Some(step) = delete[j] {
                                        b.edge(id, step);
                                    }
                                }
                            });
                            builder.edge(dependent, gone);
                        }
                        &[]
                    }
                };
                for &j in direct {
                    if !keep[j] {
                        continue;
                    }
                    if let (Some(dependency), Some(dependent)) = (main[j], main[i]) {
                        builder.edge(dependency, dependent);
                    }
                    if let (Some(dependent), Some(dependency)) = (delete[i], delete[j]) {
                        builder.edge(dependent, dependency);
                    }
                    if let (Some(dependent), Some(old)) = (main[i], cbd_old(j)) {
                        builder.edge(dependent, old);
                    }
                }
            }
        }
        builder.finish()
    }
}

/// The steps of the kept changes, without their order: for each change, the step that carries
/// it out (create, update, read, import, no-op; the create of a replace) and the step that
/// deletes its old object (a delete, or the delete of a replace), ordered within a replace by
/// `create_before_destroy`.
fn add_steps(
    builder: &mut GraphBuilder,
    changes: &[PlannedChange],
    keep: &[bool],
) -> (Vec<Option<StepId>>, Vec<Option<StepId>>) {
    let n = changes.len();
    let mut main: Vec<Option<StepId>> = vec![None; n];
    let mut delete: Vec<Option<StepId>> = vec![None; n];
    for (i, change) in changes.iter().enumerate() {
        if !keep[i] {
            continue;
        }
        let address = &change.address;
        match change.action {
            Action::Replace {
                create_before_destroy,
            } => {
                let old = builder.add(address.clone(), Operation::Delete);
                let new = builder.add(address.clone(), Operation::Create);
                if create_before_destroy {
                    builder.edge(new, old);
                } else {
                    builder.edge(old, new);
                }
                main[i] = Some(new);
                delete[i] = Some(old);
            }
            Action::Delete => delete[i] = Some(builder.add(address.clone(), Operation::Delete)),
            other => {
                let operation = match other {
                    Action::Create => Operation::Create,
                    Action::Update => Operation::Update,
                    Action::Read => Operation::Read,
                    Action::Import { .. } => Operation::Import,
                    _ => Operation::NoOp,
                };
                main[i] = Some(builder.add(address.clone(), operation));
            }
        }
    }
    (main, delete)
}

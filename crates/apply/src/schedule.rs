//! The schedule of an apply: which steps of the plan graph may start, given those finished,
//! failed and abandoned. Pure bookkeeping: no tokio, no cloud, no state; the executor asks it
//! what is ready, runs that, and tells it how each step ended.

use std::collections::VecDeque;

use plinth_planner::{PlanGraph, StepId};

/// The order a schedule follows: a step starts once every step it waits for is done.
/// [`PlanGraph`] is the one the executor uses; the tests use small graphs of their own.
pub(crate) trait Dependencies {
    /// Every step, each after the steps it waits for.
    fn order(&self) -> &[StepId];
    /// How many steps must finish before `id` starts.
    fn prerequisite_count(&self, id: StepId) -> usize;
    /// The steps that wait for `id`.
    fn dependents(&self, id: StepId) -> impl Iterator<Item = StepId> + '_;
}

impl Dependencies for PlanGraph {
    fn order(&self) -> &[StepId] {
        PlanGraph::order(self)
    }

    fn prerequisite_count(&self, id: StepId) -> usize {
        self.prerequisites(id).count()
    }

    fn dependents(&self, id: StepId) -> impl Iterator<Item = StepId> + '_ {
        PlanGraph::dependents(self, id)
    }
}

/// Where one step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StepState {
    /// Not started: waiting for its prerequisites, or ready.
    Waiting,
    /// Started and not finished.
    Running,
    /// Finished: its dependents may start.
    Done,
    /// Failed: its dependents are skipped.
    Failed,
    /// Never started (a failed prerequisite, an interruption) or abandoned while running.
    Skipped,
}

/// The state of every step of a graph, and the queue of the ones ready to start.
#[derive(Debug)]
pub(crate) struct Schedule {
    state: Vec<StepState>,
    /// How many prerequisites of each step are not done yet.
    waiting: Vec<usize>,
    /// Steps whose prerequisites are all done, in the order they became so.
    ready: VecDeque<StepId>,
    /// How many steps are done.
    completions: u64,
    /// The number of steps done when each step became ready.
    ready_epoch: Vec<u64>,
}

impl Schedule {
    /// Every step waiting; those without prerequisites ready, in the graph's order.
    pub(crate) fn new(graph: &impl Dependencies) -> Schedule {
        let steps = graph.order().len();
        let mut waiting = vec![0_usize; steps];
        let mut ready = VecDeque::new();
        for &id in graph.order() {
            waiting[id.index()] = graph.prerequisite_count(id);
            if waiting[id.index()] == 0 {
                ready.push_back(id);
            }
        }
        Schedule {
            state: vec![StepState::Waiting; steps],
            waiting,
            ready,
            completions: 0,
            ready_epoch: vec![0; steps],
        }
    }

    /// The next step ready to start, taken off the queue (it is still waiting until
    /// [`start`](Schedule::start), [`complete`](Schedule::complete) or
    /// [`fail`](Schedule::fail) says otherwise).
    pub(crate) fn next_ready(&mut self) -> Option<StepId> {
        self.ready.pop_front()
    }

    /// Orders the steps ready now so that those of one `group` follow each other (the groups
    /// in the order of their first step, each group's steps in their order): operations that
    /// share a cluster's polls then run together.
    pub(crate) fn group_ready<K: Eq + std::hash::Hash>(
        &mut self,
        group: impl Fn(StepId) -> Option<K>,
    ) {
        let mut first_seen: std::collections::HashMap<K, usize> = std::collections::HashMap::new();
        let mut keyed: Vec<(usize, StepId)> = self
            .ready
            .iter()
            .enumerate()
            .map(|(position, &id)| {
                let rank = match group(id) {
                    Some(key) => *first_seen.entry(key).or_insert(position),
                    None => position,
                };
                (rank, id)
            })
            .collect();
        keyed.sort_by_key(|(rank, _)| *rank);
        self.ready = keyed.into_iter().map(|(_, id)| id).collect();
    }

    /// Whether a step is ready to start.
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// Where a step is.
    pub(crate) fn state(&self, id: StepId) -> StepState {
        self.state[id.index()]
    }

    /// How many steps are done so far.
    pub(crate) fn completions(&self) -> u64 {
        self.completions
    }

    /// How many steps were done when `id` became ready (0 for a step ready from the start).
    pub(crate) fn ready_epoch(&self, id: StepId) -> u64 {
        self.ready_epoch[id.index()]
    }

    /// A ready step started.
    pub(crate) fn start(&mut self, id: StepId) {
        self.state[id.index()] = StepState::Running;
    }

    /// A step finished: its dependents whose prerequisites are now all done become ready.
    pub(crate) fn complete(&mut self, graph: &impl Dependencies, id: StepId) {
        self.state[id.index()] = StepState::Done;
        self.completions += 1;
        for next in graph.dependents(id) {
            let slot = &mut self.waiting[next.index()];
            *slot = slot.saturating_sub(1);
            if *slot == 0 && self.state[next.index()] == StepState::Waiting {
                self.ready_epoch[next.index()] = self.completions;
                self.ready.push_back(next);
            }
        }
    }

    /// A step failed: everything waiting for it, directly or not, is skipped. Answers the
    /// skipped steps, in the order they were reached.
    pub(crate) fn fail(&mut self, graph: &impl Dependencies, id: StepId) -> Vec<StepId> {
        self.state[id.index()] = StepState::Failed;
        let mut skipped = Vec::new();
        let mut work: Vec<StepId> = graph.dependents(id).collect();
        while let Some(next) = work.pop() {
            if self.state[next.index()] != StepState::Waiting {
                continue;
            }
            self.state[next.index()] = StepState::Skipped;
            skipped.push(next);
            work.extend(graph.dependents(next));
        }
        skipped
    }

    /// A running step is abandoned (an abort): it will not be heard of again.
    pub(crate) fn abandon(&mut self, id: StepId) {
        self.state[id.index()] = StepState::Skipped;
    }

    /// The run stops: every step not started is skipped, none is ready any more. Answers the
    /// skipped steps in the graph's order.
    pub(crate) fn skip_waiting(&mut self, graph: &impl Dependencies) -> Vec<StepId> {
        self.ready.clear();
        let mut skipped = Vec::new();
        for &id in graph.order() {
            if self.state[id.index()] == StepState::Waiting {
                self.state[id.index()] = StepState::Skipped;
                skipped.push(id);
            }
        }
        skipped
    }
}

#[cfg(test)]
mod tests {
    use plinth_config::{SourceFile, Sources, load_sources};
    use plinth_core::{RemoteObject, ResourceAddress};
    use plinth_planner::{Observations, Observed, Operation, PlanOptions, StepId, plan};
    use plinth_state::{Change, ResourceState, State};
    use serde_json::json;

    use super::*;

    /// A graph of steps `0..n` (a topological order) and edges `before -> after`.
    struct Edges {
        order: Vec<StepId>,
        edges: Vec<(usize, usize)>,
    }

    impl Edges {
        fn new(n: usize, edges: &[(usize, usize)]) -> Edges {
            assert!(edges.iter().all(|(a, b)| a < b), "edges follow the order");
            Edges {
                order: (0..n).map(StepId::new).collect(),
                edges: edges.to_vec(),
            }
        }
    }

    impl Dependencies for Edges {
        fn order(&self) -> &[StepId] {
            &self.order
        }

        fn prerequisite_count(&self, id: StepId) -> usize {
            self.edges.iter().filter(|(_, b)| *b == id.index()).count()
        }

        fn dependents(&self, id: StepId) -> impl Iterator<Item = StepId> + '_ {
            self.edges
                .iter()
                .filter(move |(a, _)| *a == id.index())
                .map(|(_, b)| StepId::new(*b))
        }
    }

    fn step(i: usize) -> StepId {
        StepId::new(i)
    }

    /// Takes every ready step off the queue, as indices.
    fn take_ready(schedule: &mut Schedule) -> Vec<usize> {
        std::iter::from_fn(|| schedule.next_ready())
            .map(StepId::index)
            .collect()
    }

    /// Runs `graph` to the end one wave at a time (every ready step starts, then each finishes
    /// in order), failing the steps in `failing`. Answers the waves of started steps and each
    /// step's final state.
    fn run(graph: &impl Dependencies, failing: &[StepId]) -> (Vec<Vec<StepId>>, Vec<StepState>) {
        let mut schedule = Schedule::new(graph);
        let mut waves = Vec::new();
        loop {
            let wave: Vec<StepId> = std::iter::from_fn(|| schedule.next_ready()).collect();
            if wave.is_empty() {
                break;
            }
            for &id in &wave {
                schedule.start(id);
            }
            for &id in &wave {
                if failing.contains(&id) {
                    schedule.fail(graph, id);
                } else {
                    schedule.complete(graph, id);
                }
            }
            waves.push(wave);
        }
        let states = graph.order().iter().map(|id| schedule.state(*id)).collect();
        (waves, states)
    }

    #[test]
    fn a_step_starts_once_all_its_prerequisites_are_done() {
        // A diamond: 0 before 1 and 2, both before 3.
        let graph = Edges::new(4, &[(0, 1), (0, 2), (1, 3), (2, 3)]);
        let mut schedule = Schedule::new(&graph);
        assert_eq!(take_ready(&mut schedule), [0]);
        schedule.start(step(0));
        assert_eq!(schedule.state(step(0)), StepState::Running);
        assert!(!schedule.has_ready());
        schedule.complete(&graph, step(0));
        assert_eq!(take_ready(&mut schedule), [1, 2]);
        assert_eq!(schedule.ready_epoch(step(1)), 1);
        schedule.complete(&graph, step(1));
        assert!(!schedule.has_ready(), "3 still waits for 2");
        schedule.complete(&graph, step(2));
        assert_eq!(take_ready(&mut schedule), [3]);
        assert_eq!(schedule.ready_epoch(step(3)), 3);
        assert_eq!(schedule.completions(), 3);
    }

    #[test]
    fn independent_steps_are_ready_together_in_the_graphs_order() {
        let graph = Edges::new(3, &[]);
        let (waves, states) = run(&graph, &[]);
        assert_eq!(waves, [vec![step(0), step(1), step(2)]]);
        assert_eq!(states, [StepState::Done; 3]);
    }

    #[test]
    fn a_failure_skips_its_dependents_transitively_but_not_independent_steps() {
        // 0 -> 1 -> 2 and 0 -> 3; 4 -> 5 on its own.
        let graph = Edges::new(6, &[(0, 1), (1, 2), (0, 3), (4, 5)]);
        let mut schedule = Schedule::new(&graph);
        assert_eq!(take_ready(&mut schedule), [0, 4]);
        let mut skipped = schedule.fail(&graph, step(0));
        skipped.sort();
        assert_eq!(skipped, [step(1), step(2), step(3)]);
        assert_eq!(schedule.state(step(0)), StepState::Failed);
        assert_eq!(schedule.state(step(2)), StepState::Skipped);
        schedule.complete(&graph, step(4));
        assert_eq!(take_ready(&mut schedule), [5]);

        let (_, states) = run(&graph, &[step(1)]);
        assert_eq!(
            states,
            [
                StepState::Done,
                StepState::Failed,
                StepState::Skipped,
                StepState::Done,
                StepState::Done,
                StepState::Done
            ]
        );
    }

    #[test]
    fn a_step_skipped_for_one_prerequisite_is_not_released_by_another() {
        // 2 waits for 0 and 1; 0 fails, then 1 finishes.
        let graph = Edges::new(3, &[(0, 2), (1, 2)]);
        let mut schedule = Schedule::new(&graph);
        assert_eq!(take_ready(&mut schedule), [0, 1]);
        assert_eq!(schedule.fail(&graph, step(0)), [step(2)]);
        schedule.complete(&graph, step(1));
        assert!(!schedule.has_ready());
        assert_eq!(schedule.state(step(2)), StepState::Skipped);
    }

    #[test]
    fn cancelling_skips_every_step_not_started_and_abandons_none_by_itself() {
        // 0 -> 1, and 2 on its own: 0 runs, 2 is ready, 1 waits.
        let graph = Edges::new(3, &[(0, 1)]);
        let mut schedule = Schedule::new(&graph);
        let first = schedule.next_ready().unwrap();
        schedule.start(first);
        assert_eq!(schedule.skip_waiting(&graph), [step(1), step(2)]);
        assert!(!schedule.has_ready(), "nothing starts after a cancel");
        assert_eq!(schedule.state(step(0)), StepState::Running);
        // The running step still finishes; what it would release was skipped.
        schedule.complete(&graph, step(0));
        assert!(!schedule.has_ready());
        // An abort abandons it instead.
        let mut aborted = Schedule::new(&graph);
        aborted.start(step(0));
        aborted.abandon(step(0));
        assert_eq!(aborted.state(step(0)), StepState::Skipped);
    }

    /// The plan graph of replacing `huaweicloud_cce_addon.dns` (its cluster changed), with
    /// `create_before_destroy` or not; answers the graph and its delete and create steps.
    fn replacement(create_before_destroy: &str) -> (PlanGraph, StepId, StepId) {
        let hcl = format!(
            r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "new"
  template_name = "coredns"
  lifecycle {{
    create_before_destroy = {create_before_destroy}
  }}
}}
"#
        );
        let config = load_sources(Sources {
            files: vec![SourceFile::new("main.hcl", hcl)],
            ..Sources::default()
        })
        .unwrap();
        let address: ResourceAddress = "huaweicloud_cce_addon.dns".parse().unwrap();
        let attributes = json!({"id": "uid", "cluster_id": "old", "template_name": "coredns"});
        let mut state = State::new();
        state.apply(Change::Upsert {
            address: address.clone(),
            resource: ResourceState::new(Some("uid".to_owned()), attributes.clone()),
        });
        let mut observed = Observations::new();
        observed.insert_resource(
            address.clone(),
            Observed::Present(RemoteObject::new(Some("uid".to_owned()), attributes.into())),
        );
        let plan = plan(&config, &state, &observed, &PlanOptions::default()).unwrap();
        let graph = plan.graph().clone();
        let delete = graph.find(&address, Operation::Delete).unwrap();
        let create = graph.find(&address, Operation::Create).unwrap();
        (graph, delete, create)
    }

    #[test]
    fn a_replacement_deletes_first_unless_it_creates_before_destroying() {
        let (graph, delete, create) = replacement("false");
        let (waves, _) = run(&graph, &[]);
        assert_eq!(waves, [vec![delete], vec![create]]);

        let (graph, delete, create) = replacement("true");
        let (waves, _) = run(&graph, &[]);
        assert_eq!(waves, [vec![create], vec![delete]]);
    }

    #[test]
    fn a_failed_create_before_destroy_keeps_the_old_object() {
        let (graph, delete, create) = replacement("true");
        let (waves, _) = run(&graph, &[create]);
        assert_eq!(waves, [vec![create]]);
        let mut schedule = Schedule::new(&graph);
        assert_eq!(schedule.next_ready(), Some(create));
        assert_eq!(schedule.fail(&graph, create), [delete]);
        assert_eq!(schedule.state(delete), StepState::Skipped);

        // Deleting first, a failed delete leaves nothing to create over it.
        let (graph, delete, create) = replacement("false");
        let (waves, _) = run(&graph, &[delete]);
        assert_eq!(waves, [vec![delete]]);
        let mut schedule = Schedule::new(&graph);
        assert_eq!(schedule.next_ready(), Some(delete));
        assert_eq!(schedule.fail(&graph, delete), [create]);
    }

    #[test]
    fn ready_steps_of_one_group_start_together_in_order() {
        // Steps 0..6 ready, groups by parity, step 5 in no group, step 6 waiting for step 0.
        let graph = Edges::new(7, &[(0, 6)]);
        let mut schedule = Schedule::new(&graph);
        schedule.group_ready(|id| (id.index() != 5).then_some(id.index() % 2));
        let order: Vec<usize> = std::iter::from_fn(|| schedule.next_ready())
            .map(StepId::index)
            .collect();
        assert_eq!(order, [0, 2, 4, 1, 3, 5]);
    }
}

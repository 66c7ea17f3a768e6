//! The executor: walks the plan graph, runs operations concurrently, records every result.

use plinth_core::path::pointer_covers;
use plinth_core::registry;
use plinth_core::{Mode, ResourceAddress};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use plinth_cloud::{Client, ObjectRef, ResourceType};
use plinth_config::{Configuration, ObjectMap, Value};
use plinth_planner::{Action, Operation, Plan, PlanMode, PlannedChange, Reason, StepId};
use plinth_state::{
    Change, Fingerprint, Journal, OutputState, PendingAction, PendingOperation, ResourceState,
};
use serde_json::Value as Json;
use tokio::task::JoinSet;

use crate::cancel::{CancelHandle, StopLevel};
use crate::clients::Clients;
use crate::error::{ApplyError, OperationError};
use crate::known::{
    Finished, Known, latest, record, schema_of, sensitive_pointers, sensitive_strings, settable,
    to_json, without_ignored,
};
use crate::operation::{self, CreateLookup, Done, Failure, Task, Work, wait_options};
use crate::returns::planned_returns;
use crate::schedule::{Schedule, StepState};

/// How an apply runs.
#[derive(Debug, Clone)]
pub struct ApplyOptions {
    /// How many operations run at once (`--parallelism`, default 10).
    pub parallelism: usize,
    /// Stops the apply from outside (Ctrl-C).
    pub cancel: CancelHandle,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        Self {
            parallelism: 10,
            cancel: CancelHandle::new(),
        }
    }
}

/// Receives the events of an apply, from any thread, as they happen.
pub type EventSink = Arc<dyn Fn(ApplyEvent) + Send + Sync>;

/// An event sink that drops every event.
pub fn no_events() -> EventSink {
    Arc::new(|_| {})
}

/// Something that happened to one operation of an apply, for live progress.
#[derive(Debug, Clone, PartialEq)]
pub struct ApplyEvent {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What is done to it.
    pub operation: Operation,
    /// What happened.
    pub kind: EventKind,
}

/// What happened to an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum EventKind {
    /// It was sent (its pending record, if any, is durable).
    Started,
    /// A poll while waiting saw this remote status.
    Status {
        /// The status as the cloud spells it (`installing`, `Pending`, `not found`).
        status: String,
        /// Time since the wait began.
        elapsed: Duration,
    },
    /// It ended, and its result is recorded.
    Finished {
        /// How it ended.
        outcome: Outcome,
    },
}

/// How an operation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It succeeded.
    Succeeded,
    /// It failed with this message (the error itself is in the report).
    Failed {
        /// The error, as displayed.
        message: String,
        /// The cloud's error answer (code, message, request id) when the cloud refused or failed
        /// the operation, so that a machine-readable log can name them.
        cloud: Option<Box<plinth_cloud::ApiError>>,
    },
    /// It was not started.
    Skipped {
        /// Why.
        cause: SkipCause,
    },
    /// An abort left it running: it is recorded as pending for the next run.
    Abandoned,
}

/// Why an operation was not started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipCause {
    /// Something it depends on (directly or not) failed: this one.
    FailedDependency(ResourceAddress),
    /// The apply was cancelled before it could start.
    Interrupted,
}

/// An operation that succeeded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completed {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What was done.
    pub operation: Operation,
}

/// An operation that failed.
#[derive(Debug)]
pub struct FailedOperation {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What was tried.
    pub operation: Operation,
    /// Why it failed; a cloud error carries the cloud's code, message and request id.
    pub error: OperationError,
}

/// An operation that was not started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedOperation {
    /// The resource instance.
    pub address: ResourceAddress,
    /// What would have been done.
    pub operation: Operation,
    /// Why not.
    pub cause: SkipCause,
}

/// What an apply did. Operations that do nothing (no-op and barrier steps) are not listed.
#[derive(Debug, Default)]
pub struct ApplyReport {
    /// Operations that succeeded, in completion order.
    pub succeeded: Vec<Completed>,
    /// Operations that failed.
    pub failed: Vec<FailedOperation>,
    /// Operations not started, because a dependency failed or the apply was cancelled.
    pub skipped: Vec<SkippedOperation>,
    /// Operations an abort left running, recorded as pending for the next run.
    pub abandoned: Vec<Completed>,
    /// The apply was cancelled or aborted (the CLI exits 130).
    pub interrupted: bool,
    /// Evaluating the outputs failed; the outputs in the state were left as they were.
    pub output_error: Option<plinth_config::Diagnostics>,
    /// The failed assertions of the configuration's `check` blocks, evaluated with what was
    /// applied: warnings.
    pub check_warnings: plinth_config::Diagnostics,
}

/// Counts of what an apply changed, for `Apply complete! Resources: ...`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplySummary {
    /// Objects created.
    pub added: usize,
    /// Objects updated in place.
    pub changed: usize,
    /// Objects deleted.
    pub destroyed: usize,
    /// Objects adopted.
    pub imported: usize,
}

impl ApplyReport {
    /// Whether everything planned was done: nothing failed, skipped or interrupted.
    pub fn is_success(&self) -> bool {
        self.failed.is_empty()
            && self.skipped.is_empty()
            && self.abandoned.is_empty()
            && !self.interrupted
    }

    /// What succeeded, counted by kind.
    pub fn summary(&self) -> ApplySummary {
        let mut summary = ApplySummary::default();
        for done in &self.succeeded {
            match done.operation {
                Operation::Create => summary.added += 1,
                Operation::Update => summary.changed += 1,
                Operation::Delete => summary.destroyed += 1,
                Operation::Import => summary.imported += 1,
                Operation::Read | Operation::NoOp | Operation::Barrier => {}
            }
        }
        summary
    }
}

/// Applies a plan: walks its graph with at most `options.parallelism` operations in flight,
/// each starting as soon as the steps it waits for are done, and records every result in
/// `journal` as it completes (results that complete together in one durable append).
///
/// A failed operation fails that resource (a created object that did not become healthy is
/// recorded tainted) and skips what depends on it; independent work goes on. Values unknown
/// when planning are evaluated again from the finished resources before a dependent starts.
/// After the graph, outputs are evaluated and recorded. [`CancelHandle::cancel`] stops starting
/// new operations; [`CancelHandle::abort`] records the ones in flight as pending and returns at
/// once. The caller then finishes the journal (saving the state) in every case.
///
/// The future is not `Send` (the journal is not): run it on the runtime's main task
/// (`block_on`); the operations themselves run on the runtime's threads.
pub async fn apply(
    plan: &Plan,
    config: &Configuration,
    client: &Client,
    journal: &mut Journal<'_>,
    options: &ApplyOptions,
    events: EventSink,
) -> Result<ApplyReport, ApplyError> {
    let clients = Clients::single(client.clone());
    apply_with(plan, config, &clients, journal, options, events).await
}

/// [`apply`] with several provider configurations: each operation goes through the client
/// [`Clients::client_for`] gives, and each record keeps its provider configuration.
pub async fn apply_with(
    plan: &Plan,
    config: &Configuration,
    clients: &Clients,
    journal: &mut Journal<'_>,
    options: &ApplyOptions,
    events: EventSink,
) -> Result<ApplyReport, ApplyError> {
    let mut run = Run {
        plan,
        config,
        clients,
        events,
        finished: HashMap::new(),
        expansions: HashMap::new(),
        schedule: Schedule::new(plan.graph()),
        report: ApplyReport::default(),
        serial: journal.state().serial(),
        replaced_records: HashMap::new(),
        late_sensitive: HashMap::new(),
        late_secrets: HashMap::new(),
    };
    // Objects that move change address first, in one durable append: what follows finds them
    // where the plan does.
    journal.record_all(run.clients.stamp(moves(plan, journal.state())))?;
    // The operations of one cluster or pool start together: their waits share its polls.
    run.schedule.group_ready(|id| {
        let change = plan.step_change(id)?;
        ResourceType::from_type_name(change.address.type_name())?.list_key(&change.natural_key)
    });
    let parallelism = options.parallelism.max(1);
    let mut stop = options.cancel.subscribe();
    let mut in_flight = InFlight::default();
    // Results of finished operations not yet durable, and their steps: they are recorded
    // together with the pending records of the operations they release, in one append.
    let mut settled: Vec<Change> = Vec::new();
    let mut to_announce: Vec<StepId> = Vec::new();
    loop {
        let level = *stop.borrow_and_update();
        if level == StopLevel::Aborted {
            journal.record_all(run.clients.stamp(std::mem::take(&mut settled)))?;
            run.announce(to_announce.drain(..));
            run.abandon(journal, in_flight.running.values().copied())?;
            in_flight.tasks.abort_all();
            break;
        }
        let mut changes = std::mem::take(&mut settled);
        let starting = if level == StopLevel::Running {
            let room = parallelism.saturating_sub(in_flight.running.len());
            run.start_ready(room, journal.state(), &mut changes)
        } else {
            Vec::new()
        };
        // Results are durable before what depends on them starts, and pending records before
        // their creates are sent.
        journal.record_all(run.clients.stamp(changes))?;
        run.announce(to_announce.drain(..));
        for (id, task) in starting {
            run.emit(id, EventKind::Started);
            run.schedule.start(id);
            in_flight.spawn(clients, id, *task);
        }
        if in_flight.running.is_empty() {
            if level != StopLevel::Running || !run.schedule.has_ready() {
                break;
            }
            continue;
        }
        tokio::select! {
            finished = in_flight.join() => {
                for (id, result) in finished {
                    settled.extend(run.settle(id, result, journal.state()));
                    to_announce.push(id);
                }
            }
            // The handle lives in `options`, so the channel cannot close while we run; the new
            // level is read at the top of the loop.
            _ = stop.changed() => {}
        }
    }
    journal.record_all(run.clients.stamp(settled))?;
    run.announce(to_announce.drain(..));
    let level = *stop.borrow();
    run.finish(journal, level)?;
    Ok(run.report)
}

/// The state changes that move each object the plan moves: its record leaves the old address
/// for the new one, as it is (the cloud object is the same).
fn moves(plan: &Plan, state: &plinth_state::State) -> Vec<Change> {
    let mut changes = Vec::new();
    for change in plan.changes() {
        let Some(from) = &change.previous_address else {
            continue;
        };
        if let Some(resource) = state.resource(from) {
            changes.push(Change::Remove {
                address: from.clone(),
            });
            changes.push(Change::Upsert {
                address: change.address.clone(),
                resource: resource.clone(),
            });
        }
    }
    changes
}

/// The operations running, as tokio tasks, and the step of each.
#[derive(Default)]
struct InFlight {
    tasks: JoinSet<Result<Done, Failure>>,
    running: HashMap<tokio::task::Id, StepId>,
}

impl InFlight {
    /// Starts the task of step `id` on the runtime.
    fn spawn(&mut self, clients: &Clients, id: StepId, task: Task) {
        let client = clients.client_for(&task.address).clone();
        let handle = self.tasks.spawn(operation::run(client, task));
        self.running.insert(handle.id(), id);
    }

    /// Waits for a task to end; answers it with every other one already ended, each with its
    /// step. A task that panicked or was cancelled is a failure that may have created its
    /// object.
    async fn join(&mut self) -> Vec<(StepId, Result<Done, Failure>)> {
        let mut batch = Vec::new();
        batch.extend(self.tasks.join_next_with_id().await);
        while let Some(more) = self.tasks.try_join_next_with_id() {
            batch.push(more);
        }
        let mut finished = Vec::new();
        for joined in batch {
            let (task, result) = match joined {
                Ok((task, result)) => (task, result),
                Err(error) => (
                    error.id(),
                    Err(Failure {
                        error: OperationError::Task(error.to_string()),
                        created: None,
                        maybe_created: true,
                    }),
                ),
            };
            if let Some(id) = self.running.remove(&task) {
                finished.push((id, result));
            }
        }
        finished
    }
}

/// The arguments of a resource block's instances not taken yet, evaluated when the completion
/// count was the first.
type Expansion = (u64, HashMap<ResourceAddress, ObjectMap>);

enum Prepared {
    /// Nothing to send: done at once, with these changes to the state.
    Instant(Option<Change>),
    /// Send this task, after recording its pending record.
    Start {
        pending: Option<Change>,
        task: Box<Task>,
    },
    /// It cannot even start.
    Fail(OperationError),
}

struct Run<'a> {
    plan: &'a Plan,
    config: &'a Configuration,
    clients: &'a Clients,
    events: EventSink,
    /// What this run created, updated, adopted or read.
    finished: HashMap<ResourceAddress, Finished>,
    /// The last evaluation of each resource block whose arguments were unknown when planning.
    expansions: HashMap<ResourceAddress, Expansion>,
    /// Which steps are ready, running, done, failed or skipped.
    schedule: Schedule,
    report: ApplyReport,
    serial: u64,
    /// What the state held at the address of each create before its pending record replaced
    /// it: restored if the create certainly did not happen.
    replaced_records: HashMap<StepId, Option<ResourceState>>,
    /// The sensitive parts of arguments evaluated again during the run (unknown when planning,
    /// so the plan could not know them): sealed in the object's record too.
    late_sensitive: HashMap<ResourceAddress, BTreeSet<String>>,
    /// The sensitive values of those arguments, as sent: masked in the errors of their
    /// operations (the plan's own are read from the plan).
    late_secrets: HashMap<ResourceAddress, Vec<String>>,
}

impl Run<'_> {
    fn step(&self, id: StepId) -> (&ResourceAddress, Operation) {
        let step = self.plan.graph().step(id);
        (&step.address, step.operation)
    }

    fn emit(&self, id: StepId, kind: EventKind) {
        let (address, operation) = self.step(id);
        (self.events)(ApplyEvent {
            address: address.clone(),
            operation,
            kind,
        });
    }

    /// Whether a step is a real operation (listed in the report).
    fn is_operation(operation: Operation) -> bool {
        !matches!(operation, Operation::NoOp | Operation::Barrier)
    }

    /// Marks a step done and releases the steps waiting for it.
    fn complete(&mut self, id: StepId) {
        self.schedule.complete(self.plan.graph(), id);
    }

    /// Marks a step failed and skips everything that waits for it, directly or not.
    fn fail(&mut self, id: StepId, mut error: OperationError) {
        let (address, operation) = self.step(id);
        let address = address.clone();
        // Whatever failed, the error names no value the operation holds as sensitive (a cloud
        // that quotes a field of the request, a URL, an identity): masked once, here, before
        // it is shown, reported or kept.
        let mut secrets = self
            .plan
            .step_change(id)
            .and_then(|change| change.after.as_ref())
            .map(plinth_planner::PlannedObject::value)
            .as_ref()
            .and_then(Value::as_object)
            .map(sensitive_strings)
            .unwrap_or_default();
        if let Some(late) = self.late_secrets.get(&address) {
            secrets.extend(late.iter().cloned());
        }
        error.mask(&secrets);
        self.emit(
            id,
            EventKind::Finished {
                outcome: Outcome::Failed {
                    message: error.to_string(),
                    cloud: match &error {
                        OperationError::Cloud(cloud) => cloud.api().cloned().map(Box::new),
                        _ => None,
                    },
                },
            },
        );
        self.report.failed.push(FailedOperation {
            address: address.clone(),
            operation,
            error,
        });
        for next in self.schedule.fail(self.plan.graph(), id) {
            self.report_skipped(next, SkipCause::FailedDependency(address.clone()));
        }
    }

    /// Lists a step the schedule skipped in the report, and tells the sink.
    fn report_skipped(&mut self, id: StepId, cause: SkipCause) {
        let (address, operation) = self.step(id);
        if Self::is_operation(operation) {
            self.report.skipped.push(SkippedOperation {
                address: address.clone(),
                operation,
                cause: cause.clone(),
            });
            self.emit(
                id,
                EventKind::Finished {
                    outcome: Outcome::Skipped { cause },
                },
            );
        }
    }

    /// Takes ready steps off the schedule until `room` of them are to start: those with
    /// nothing to send are done at once, those that cannot start fail. Their changes to the
    /// state join `changes`; answers the tasks to start.
    fn start_ready(
        &mut self,
        room: usize,
        state: &plinth_state::State,
        changes: &mut Vec<Change>,
    ) -> Vec<(StepId, Box<Task>)> {
        let mut starting = Vec::new();
        while starting.len() < room {
            let Some(id) = self.schedule.next_ready() else {
                break;
            };
            match self.prepare(id, state, changes) {
                Prepared::Instant(change) => {
                    changes.extend(change);
                    self.complete(id);
                }
                Prepared::Start { pending, task } => {
                    changes.extend(pending);
                    starting.push((id, task));
                }
                Prepared::Fail(error) => self.fail(id, error),
            }
        }
        starting
    }

    /// After the graph: what never started is skipped as interrupted, and unless the run was
    /// aborted, the outputs are evaluated and recorded.
    fn finish(&mut self, journal: &mut Journal<'_>, level: StopLevel) -> Result<(), ApplyError> {
        self.report.interrupted = level != StopLevel::Running;
        for id in self.schedule.skip_waiting(self.plan.graph()) {
            self.report_skipped(id, SkipCause::Interrupted);
        }
        if level != StopLevel::Aborted {
            match self.outputs(journal.state()) {
                Ok(changes) => journal.record_all(self.clients.stamp(changes))?,
                Err(error) => self.report.output_error = Some(error),
            }
            if self.plan.mode() != PlanMode::Destroy {
                let known = Known {
                    finished: &self.finished,
                    plan: self.plan,
                    state: journal.state(),
                    unrecorded: &[],
                };
                self.report.check_warnings =
                    plinth_config::evaluate_conditions(self.config, &known).warnings;
            }
        }
        Ok(())
    }

    /// Decides what a ready step does.
    fn prepare(
        &mut self,
        id: StepId,
        state: &plinth_state::State,
        unrecorded: &[Change],
    ) -> Prepared {
        let (address, operation) = self.step(id);
        let address = address.clone();
        let change = self.plan.step_change(id);
        match (operation, change) {
            (Operation::Barrier, _) | (_, None) => Prepared::Instant(None),
            (Operation::NoOp, Some(change)) => Prepared::Instant(Self::no_op(change, state)),
            (operation, Some(change)) => {
                match self.task(&address, operation, change, Recorded { state, unrecorded }) {
                    Ok((pending, task)) => {
                        if operation == Operation::Create {
                            let record = latest_record(&address, state, unrecorded);
                            self.replaced_records.insert(id, record);
                        }
                        Prepared::Start {
                            pending,
                            task: Box::new(task),
                        }
                    }
                    Err(error) => Prepared::Fail(error),
                }
            }
        }
    }

    /// A step with nothing to send: forget an object deleted outside plinth, or record the
    /// refreshed object (what `--refresh-only` applies).
    fn no_op(change: &PlannedChange, state: &plinth_state::State) -> Option<Change> {
        if change.address.mode() != Mode::Managed {
            return None;
        }
        let existing = state.resource(&change.address)?;
        // Gone: no longer in the configuration, or a refresh-only plan that records it. Or
        // forgotten: a `removed` block keeps the object in the cloud, unmanaged.
        if change.reasons.contains(&Reason::DeletedOutside) || change.action == Action::Forget {
            return Some(Change::Remove {
                address: change.address.clone(),
            });
        }
        let before = change.before.as_ref()?;
        // The refreshed object, sealed where the state seals and where the configuration marks
        // (their union: a value marked sensitive after it was recorded is sealed now, and a
        // list that lost a pointer never lets the cloud's copy in): a fingerprint the state
        // holds that was not refreshed (the state's own copy) is kept, any other value sealed.
        let mut refreshed = existing.clone();
        refreshed.attributes = before.clone();
        refreshed.sensitive.clear();
        // Nothing to do means the object is as configured: an operation an earlier run left
        // pending has settled.
        refreshed.pending = None;
        if change.id.is_some() {
            refreshed.id.clone_from(&change.id);
        }
        let marked = change
            .after
            .as_ref()
            .map(plinth_planner::PlannedObject::value)
            .as_ref()
            .and_then(Value::as_object)
            .map(sensitive_pointers)
            .unwrap_or_default();
        // Sorted: a pointer comes before those under it, which its seal covers.
        let union: BTreeSet<&String> = existing.sensitive.iter().chain(&marked).collect();
        for pointer in union {
            if refreshed
                .sensitive
                .iter()
                .any(|sealed| pointer_covers(sealed, pointer))
            {
                continue;
            }
            let stored = existing.attributes.pointer(pointer);
            let kept = stored.is_some()
                && before.pointer(pointer) == stored
                && (existing.sensitive.contains(pointer)
                    || stored.as_ref().and_then(Fingerprint::held_by).is_some());
            if kept {
                refreshed.sensitive.insert(pointer.clone());
            } else {
                state.seal_sensitive(&mut refreshed, pointer);
            }
        }
        state.seal_natural_key(&mut refreshed);
        Some(Change::Upsert {
            address: change.address.clone(),
            resource: refreshed,
        })
    }

    /// The task of an operation, and the pending record to make durable before it starts.
    fn task(
        &mut self,
        address: &ResourceAddress,
        operation: Operation,
        change: &PlannedChange,
        recorded: Recorded<'_>,
    ) -> Result<(Option<Change>, Task), OperationError> {
        let state = recorded.state;
        let timeouts = self
            .config
            .resource(&address.resource())
            .map(|resource| *resource.timeouts())
            .unwrap_or_default();
        let events = Arc::clone(&self.events);
        let task = |work: Work, timeout: Option<Duration>| Task {
            address: address.clone(),
            operation,
            work,
            wait: wait_options(self.clients.client_for(address), timeout),
            events,
        };
        if operation == Operation::Read {
            let spec = registry::find(Mode::Data, address.type_name()).ok_or_else(|| {
                OperationError::UnsupportedType {
                    type_name: address.type_name().to_owned(),
                }
            })?;
            let arguments = self.arguments(address, change, recorded)?;
            let work = Work::Read {
                spec,
                arguments: to_json(&arguments),
            };
            return Ok((None, task(work, timeouts.create)));
        }
        let kind = ResourceType::from_type_name(address.type_name()).ok_or_else(|| {
            OperationError::UnsupportedType {
                type_name: address.type_name().to_owned(),
            }
        })?;
        match operation {
            Operation::Create => {
                let arguments = self.arguments(address, change, recorded)?;
                let desired = to_json(&arguments);
                let planned_key = !change.natural_key.is_empty();
                let natural_key = if planned_key {
                    change.natural_key.clone()
                } else {
                    let key = kind.natural_key(&desired)?;
                    // Known only now, so the plan could not check it.
                    check_identity(address, &key, &recorded)?;
                    key
                };
                let mut pending = ResourceState::new(
                    None,
                    Json::Object(
                        natural_key
                            .iter()
                            .map(|(name, value)| (name.clone(), Json::String(value.clone())))
                            .collect(),
                    ),
                );
                pending.natural_key.clone_from(&natural_key);
                // The record of the pending create holds no secret either.
                for pointer in sensitive_pointers(&arguments) {
                    state.seal_sensitive(&mut pending, &pointer);
                }
                state.seal_natural_key(&mut pending);
                pending.dependencies.clone_from(&change.dependencies);
                pending.pending = Some(PendingOperation {
                    action: PendingAction::Create,
                    serial: self.serial,
                });
                let work = Work::Create {
                    kind,
                    desired,
                    natural_key,
                    // A natural key known only now was not looked up by the refresh.
                    lookup: if planned_key {
                        CreateLookup::Done
                    } else {
                        CreateLookup::First
                    },
                };
                Ok((
                    Some(Change::Upsert {
                        address: address.clone(),
                        resource: pending,
                    }),
                    task(work, timeouts.create),
                ))
            }
            Operation::Update => {
                let arguments = self.arguments(address, change, recorded)?;
                let work = Work::Update {
                    kind,
                    object: existing_object(kind, change, state),
                    desired: to_json(&arguments),
                    returns: self.returns(kind, change, state, &arguments),
                };
                Ok((None, task(work, timeouts.update)))
            }
            Operation::Import => {
                let update = match change.action {
                    Action::Import { then_update: true } => {
                        Some(to_json(&self.arguments(address, change, recorded)?))
                    }
                    _ => None,
                };
                let work = Work::Import {
                    kind,
                    object: existing_object(kind, change, state),
                    update,
                };
                Ok((None, task(work, timeouts.create.or(timeouts.update))))
            }
            Operation::Delete => {
                let object = deleted_object(kind, change, state);
                let pending = self.pending_delete(address, change, recorded);
                Ok((
                    pending,
                    task(Work::Delete { kind, object }, timeouts.delete),
                ))
            }
            Operation::Read | Operation::NoOp | Operation::Barrier => Err(OperationError::Task(
                format!("`{operation}` is not an operation"),
            )),
        }
    }

    /// The pending record of a delete, made durable before the delete is sent: the record at the
    /// address marked pending, so that a run killed after the call leaves it for the next
    /// refresh to resolve. None for the delete half of a create-before-destroy replace: the
    /// record at the address is already the new object's.
    fn pending_delete(
        &self,
        address: &ResourceAddress,
        change: &PlannedChange,
        recorded: Recorded<'_>,
    ) -> Option<Change> {
        if change.action
            == (Action::Replace {
                create_before_destroy: true,
            })
        {
            return None;
        }
        let mut resource = latest_record(address, recorded.state, recorded.unrecorded)?;
        resource.pending = Some(PendingOperation {
            action: PendingAction::Delete,
            serial: self.serial,
        });
        Some(Change::Upsert {
            address: address.clone(),
            resource,
        })
    }

    /// The template parameters an update returns to their defaults, as planned.
    fn returns(
        &self,
        kind: ResourceType,
        change: &PlannedChange,
        state: &plinth_state::State,
        arguments: &ObjectMap,
    ) -> Vec<crate::returns::Return> {
        let lifecycle = self
            .config
            .resource(&change.address.resource())
            .map(|resource| resource.lifecycle().clone())
            .unwrap_or_default();
        let record = state.resource(&change.address);
        planned_returns(kind.spec(), record, change, arguments, &lifecycle)
    }

    /// The arguments to send: the planned ones, or, when they hold values unknown at plan time,
    /// its resource block (and what it refers to) evaluated again with what this run has
    /// finished.
    fn arguments(
        &mut self,
        address: &ResourceAddress,
        change: &PlannedChange,
        recorded: Recorded<'_>,
    ) -> Result<ObjectMap, OperationError> {
        let schema = schema_of(address).ok_or_else(|| OperationError::UnsupportedType {
            type_name: address.type_name().to_owned(),
        })?;
        crate::postconditions::check_preconditions(
            self.config,
            &Known {
                finished: &self.finished,
                plan: self.plan,
                state: recorded.state,
                unrecorded: recorded.unrecorded,
            },
            address,
        )?;
        let planned = change
            .after
            .as_ref()
            .map(plinth_planner::PlannedObject::value)
            .as_ref()
            .and_then(Value::as_object)
            .map(|after| settable(schema, after))
            .unwrap_or_default();
        if !planned.values().any(Value::contains_unknown) {
            return Ok(planned);
        }
        let step = self
            .plan
            .graph()
            .find(address, main_operation(change))
            .map_or(0, |id| self.schedule.ready_epoch(id));
        let block = address.resource();
        let fresh = self
            .expansions
            .get(&block)
            .is_some_and(|(epoch, instances)| *epoch >= step && instances.contains_key(address));
        if !fresh {
            let known = Known {
                finished: &self.finished,
                plan: self.plan,
                state: recorded.state,
                unrecorded: recorded.unrecorded,
            };
            let instances =
                plinth_config::expand_resources(self.config, std::slice::from_ref(&block), &known)
                    .map_err(OperationError::Configuration)?;
            let instances = instances
                .into_iter()
                .map(|instance| (instance.address, instance.attributes))
                .collect();
            self.expansions
                .insert(block.clone(), (self.schedule.completions(), instances));
        }
        // Each instance's arguments are taken once: the block's evaluation goes when all are.
        let written = match self.expansions.get_mut(&block) {
            Some((_, instances)) => {
                let written = instances.remove(address);
                if instances.is_empty() {
                    self.expansions.remove(&block);
                }
                written
            }
            None => None,
        }
        .ok_or(OperationError::NotConfigured)?;
        let lifecycle = self
            .config
            .resource(&address.resource())
            .map(|resource| resource.lifecycle().clone())
            .unwrap_or_default();
        let arguments =
            if change.action == Action::Update || matches!(change.action, Action::Import { .. }) {
                without_ignored(written, &lifecycle)
            } else {
                written
            };
        if let Some((name, _)) = arguments.iter().find(|(_, v)| v.contains_unknown()) {
            return Err(OperationError::StillUnknown {
                attribute: name.clone(),
            });
        }
        let sensitive = sensitive_pointers(&arguments);
        if !sensitive.is_empty() {
            self.late_sensitive.insert(address.clone(), sensitive);
            self.late_secrets
                .insert(address.clone(), sensitive_strings(&arguments));
        }
        Ok(arguments)
    }

    /// The template parameters the configuration writes at `address`, recorded with the object
    /// so that a later plan returns those it stops writing to their defaults.
    fn configured(&self, address: &ResourceAddress) -> BTreeSet<String> {
        let pointers = self.plan.configured(address).unwrap_or_default();
        pointers.iter().cloned().collect()
    }

    /// Records the result of a finished task; answers the state changes to make durable.
    fn settle(
        &mut self,
        id: StepId,
        result: Result<Done, Failure>,
        state: &plinth_state::State,
    ) -> Vec<Change> {
        let (address, operation) = self.step(id);
        let address = address.clone();
        let Some(change) = self.plan.step_change(id) else {
            self.complete(id);
            return Vec::new();
        };
        let mut sensitive = change
            .after
            .as_ref()
            .map(plinth_planner::PlannedObject::value)
            .as_ref()
            .and_then(Value::as_object)
            .map(sensitive_pointers)
            .unwrap_or_default();
        if let Some(late) = self.late_sensitive.remove(&address) {
            sensitive.extend(late);
        }
        // What the state sealed stays sealed (the union of the configuration's marks and the
        // state's), whatever the operation.
        for recorded_at in [Some(&address), change.previous_address.as_ref()]
            .into_iter()
            .flatten()
        {
            if let Some(resource) = state.resource(recorded_at) {
                sensitive.extend(resource.sensitive.iter().cloned());
            }
        }
        // Needed only if the create certainly did not happen: not kept past its result.
        let replaced = self.replaced_records.remove(&id);
        let configured = self.configured(&address);
        let mut changes = Vec::new();
        let mut failed_postconditions = None;
        match result {
            Ok(done) => {
                match done {
                    Done::Object(object, status) => {
                        let mut resource = record(
                            state,
                            &object,
                            &change.natural_key,
                            &change.dependencies,
                            &sensitive,
                            status,
                        );
                        resource.configured = configured;
                        self.finished
                            .insert(address.clone(), Finished::object(&object, &resource));
                        changes.push(Change::Upsert {
                            address: address.clone(),
                            resource,
                        });
                        let known = Known {
                            finished: &self.finished,
                            plan: self.plan,
                            state,
                            unrecorded: &changes,
                        };
                        failed_postconditions =
                            crate::postconditions::check(self.config, &known, &address);
                    }
                    Done::Gone => {
                        // The delete half of a create-before-destroy replace removes the old
                        // object only: the new one is already recorded at the address.
                        let replaced_first = matches!(
                            change.action,
                            Action::Replace {
                                create_before_destroy: true
                            }
                        );
                        if !replaced_first {
                            changes.push(Change::Remove {
                                address: address.clone(),
                            });
                        }
                    }
                    Done::Data(attributes) => {
                        self.finished
                            .insert(address.clone(), Finished::Read(attributes));
                    }
                }
                if let Some(errors) = failed_postconditions {
                    // The object stays recorded as applied; the resource is failed.
                    self.fail(id, OperationError::Configuration(errors));
                    return changes;
                }
                self.report.succeeded.push(Completed {
                    address: address.clone(),
                    operation,
                });
                self.complete(id);
            }
            Err(failure) => {
                if operation == Operation::Create {
                    match &failure.created {
                        Some((object, status)) => changes.push(Change::Upsert {
                            address: address.clone(),
                            resource: record(
                                state,
                                object,
                                &change.natural_key,
                                &change.dependencies,
                                &sensitive,
                                *status,
                            ),
                        }),
                        // Nothing was created: the pending record goes, and what the state
                        // held before it (the old object of a replace) comes back.
                        None if !failure.maybe_created => {
                            changes.push(match replaced.flatten() {
                                Some(previous) => Change::Upsert {
                                    address: address.clone(),
                                    resource: previous,
                                },
                                None => Change::Remove {
                                    address: address.clone(),
                                },
                            });
                        }
                        // It may have been: the pending record stays for the next run.
                        None => {}
                    }
                }
                self.fail(id, failure.error);
            }
        }
        changes
    }

    /// Tells the sink that settled steps finished (after their records are durable).
    fn announce(&self, ids: impl Iterator<Item = StepId>) {
        for id in ids {
            if self.schedule.state(id) == StepState::Done {
                self.emit(
                    id,
                    EventKind::Finished {
                        outcome: Outcome::Succeeded,
                    },
                );
            }
        }
    }

    /// An abort: records every operation in flight as pending and lists it.
    fn abandon(
        &mut self,
        journal: &mut Journal<'_>,
        running: impl Iterator<Item = StepId>,
    ) -> Result<(), ApplyError> {
        let mut changes = Vec::new();
        for id in running {
            let (address, operation) = self.step(id);
            let address = address.clone();
            let action = match operation {
                Operation::Update | Operation::Import => Some(PendingAction::Update),
                Operation::Delete => Some(PendingAction::Delete),
                // A create's pending record is already durable; the others change nothing.
                Operation::Create | Operation::Read | Operation::NoOp | Operation::Barrier => None,
            };
            if let Some(action) = action
                && let Some(resource) = journal.state().resource(&address)
            {
                let mut resource = resource.clone();
                resource.pending = Some(PendingOperation {
                    action,
                    serial: self.serial,
                });
                changes.push(Change::Upsert {
                    address: address.clone(),
                    resource,
                });
            }
            self.schedule.abandon(id);
            self.report.abandoned.push(Completed { address, operation });
            self.emit(
                id,
                EventKind::Finished {
                    outcome: Outcome::Abandoned,
                },
            );
        }
        journal.record_all(self.clients.stamp(changes))?;
        Ok(())
    }

    /// The outputs evaluated with everything known now, as state changes.
    fn outputs(
        &self,
        state: &plinth_state::State,
    ) -> Result<Vec<Change>, plinth_config::Diagnostics> {
        let mut changes = Vec::new();
        if self.plan.mode() == PlanMode::Destroy {
            for name in state.outputs().keys() {
                changes.push(Change::RemoveOutput { name: name.clone() });
            }
            return Ok(changes);
        }
        let known = Known {
            finished: &self.finished,
            plan: self.plan,
            state,
            unrecorded: &[],
        };
        let outputs = plinth_config::evaluate_outputs(self.config, &known)?;
        for name in state.outputs().keys() {
            if !outputs.iter().any(|output| &output.name == name) {
                changes.push(Change::RemoveOutput { name: name.clone() });
            }
        }
        for output in outputs {
            // A value still unknown (something it needs failed) leaves the recorded one.
            if output.value.contains_unknown() {
                continue;
            }
            let json = output.value.strip_marks().to_json_with(&mut |_| Json::Null);
            let recorded = if output.sensitive || output.value.contains_sensitive() {
                OutputState::Sensitive(state.fingerprint(&json))
            } else {
                OutputState::Plain(json)
            };
            changes.push(Change::SetOutput {
                name: output.name,
                output: recorded,
            });
        }
        Ok(changes)
    }
}

/// The record at `address` once the changes not yet recorded are: the last of them that
/// touches it, else the state's.
fn latest_record(
    address: &ResourceAddress,
    state: &plinth_state::State,
    unrecorded: &[Change],
) -> Option<ResourceState> {
    latest(address, state, unrecorded).cloned()
}

/// The state as the run sees it: what is recorded, and the changes not recorded yet.
#[derive(Clone, Copy)]
struct Recorded<'a> {
    state: &'a plinth_state::State,
    unrecorded: &'a [Change],
}

/// Refuses to create `address` with a natural key that another record of its type has, in the
/// state or among the changes not recorded yet (the pending creates starting with it).
fn check_identity(
    address: &ResourceAddress,
    key: &plinth_core::NaturalKey,
    recorded: &Recorded<'_>,
) -> Result<(), OperationError> {
    let same = |other: &ResourceAddress, resource: &ResourceState| {
        other != address
            && other.mode() == address.mode()
            && other.type_name() == address.type_name()
            && recorded
                .state
                .natural_key_matches(&resource.natural_key, key)
    };
    let unrecorded = recorded
        .unrecorded
        .iter()
        .filter_map(|change| match change {
            Change::Upsert { address, resource } => Some((address, resource)),
            _ => None,
        });
    let found = recorded
        .state
        .resources()
        .iter()
        .chain(unrecorded)
        .find(|(other, resource)| same(other, resource));
    match found {
        Some((other, _)) => Err(OperationError::DuplicateIdentity {
            identity: key
                .iter()
                .map(|(name, value)| format!("{name} = {value:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            other: other.clone(),
        }),
        None => Ok(()),
    }
}

/// How to find the object a change works on: its id and natural key as planned, completed from
/// the state.
fn existing_object(
    kind: ResourceType,
    change: &PlannedChange,
    state: &plinth_state::State,
) -> ObjectRef {
    let mut object = seen_object(kind, change);
    if change.id.is_some() {
        object.id.clone_from(&change.id);
    }
    object.natural_key.extend(change.natural_key.clone());
    with_recorded_key(object, change, state)
}

/// How to find the object a delete removes: the old one. For a replace, the plan's natural key
/// is the new object's, so the old one's comes from what the plan saw.
fn deleted_object(
    kind: ResourceType,
    change: &PlannedChange,
    state: &plinth_state::State,
) -> ObjectRef {
    let mut object = seen_object(kind, change);
    if object.id.is_none() {
        object.id.clone_from(&change.id);
    }
    with_recorded_key(object, change, state)
}

/// The object as the plan saw it (its `before`); nothing known when it saw none.
fn seen_object(kind: ResourceType, change: &PlannedChange) -> ObjectRef {
    change
        .before
        .as_ref()
        .map(|before| kind.object_ref(&before.to_value()))
        .unwrap_or_default()
}

/// `object`, with the natural key the state records for the change's address when it has none.
fn with_recorded_key(
    mut object: ObjectRef,
    change: &PlannedChange,
    state: &plinth_state::State,
) -> ObjectRef {
    if object.natural_key.is_empty()
        && let Some(resource) = state.resource(&change.address)
    {
        object.natural_key.clone_from(&resource.natural_key);
    }
    object
}

/// The step that carries out a change (the create of a replace).
fn main_operation(change: &PlannedChange) -> Operation {
    match change.action {
        Action::Create | Action::Replace { .. } => Operation::Create,
        Action::Update => Operation::Update,
        Action::Import { .. } => Operation::Import,
        Action::Read => Operation::Read,
        Action::Delete => Operation::Delete,
        Action::NoOp | Action::Forget => Operation::NoOp,
    }
}

#[cfg(test)]
mod tests {

    use plinth_state::State;
    use serde_json::json;

    use super::*;

    fn address() -> ResourceAddress {
        "huaweicloud_cce_addon.dns".parse().unwrap()
    }

    fn no_op(before: Json, reasons: Vec<Reason>, after: bool) -> PlannedChange {
        PlannedChange {
            address: address(),
            action: Action::NoOp,
            reasons,
            id: Some("uid".to_owned()),
            natural_key: plinth_core::NaturalKey::new(),
            before: Some(before.into()),
            after: after.then(|| Value::Object(ObjectMap::new()).into()),
            changes: Vec::new(),
            dependencies: Vec::new(),
            previous_address: None,
            seals: Vec::new(),
        }
    }

    /// A state with the add-on recorded, its token sealed and an update left pending.
    fn state() -> State {
        let mut state = State::new();
        let mut resource = ResourceState::new(
            Some("uid".to_owned()),
            json!({"status": "installing", "values": {"token": "secret"}}),
        );
        state.seal_sensitive(&mut resource, "/values/token");
        resource.pending = Some(PendingOperation {
            action: PendingAction::Update,
            serial: 1,
        });
        state.apply(Change::Upsert {
            address: address(),
            resource,
        });
        state
    }

    #[test]
    fn a_no_op_records_the_refreshed_object_with_its_secrets_sealed() {
        let state = state();
        let change = no_op(
            json!({"status": "running", "values": {"token": "secret"}}),
            Vec::new(),
            true,
        );
        let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
            panic!("expected an upsert");
        };
        let attributes = resource.attributes.to_value();
        assert_eq!(attributes["status"], "running");
        assert_ne!(attributes["values"]["token"], "secret");
        assert!(state.sensitive_matches(&resource, "/values/token", &json!("secret")));
        assert_eq!(resource.pending, None);
    }

    #[test]
    fn a_no_op_from_the_state_itself_keeps_its_fingerprints_as_they_are() {
        let state = state();
        let stored = state.resource(&address()).unwrap().attributes.clone();
        let change = no_op(stored.to_value(), Vec::new(), true);
        let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
            panic!("expected an upsert");
        };
        assert_eq!(resource.attributes, stored);
        assert!(resource.sensitive.contains("/values/token"));
    }

    /// A no-op whose configuration marks the token sensitive.
    fn marked_no_op(before: Json) -> PlannedChange {
        let mut after = Value::from(json!({"values": {"token": "secret"}}));
        plinth_planner::mark_sensitive(&mut after, "/values/token");
        let mut change = no_op(before, Vec::new(), true);
        change.after = Some(after.into());
        change
    }

    /// A state with the add-on recorded, its token in plain text (not marked sensitive then).
    fn plain_state() -> State {
        let mut state = State::new();
        state.apply(Change::Upsert {
            address: address(),
            resource: ResourceState::new(
                Some("uid".to_owned()),
                json!({"status": "running", "values": {"token": "secret"}}),
            ),
        });
        state
    }

    #[test]
    fn a_no_op_seals_what_the_configuration_marks_now_refreshed_or_not() {
        let state = plain_state();
        let refreshed = json!({"status": "running", "values": {"token": "secret"}});
        let stored = state.resource(&address()).unwrap().attributes.to_value();
        for before in [refreshed, stored] {
            let change = marked_no_op(before);
            let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
                panic!("expected an upsert");
            };
            assert!(
                !resource
                    .attributes
                    .to_value()
                    .to_string()
                    .contains("secret")
            );
            assert!(state.sensitive_matches(&resource, "/values/token", &json!("secret")));
        }
    }

    #[test]
    fn a_no_op_never_lets_the_cloud_copy_replace_a_fingerprint_the_list_lost() {
        let mut state = state();
        let mut resource = state.resource(&address()).unwrap().clone();
        let sealed = resource.attributes.clone();
        resource.sensitive.clear();
        state.apply(Change::Upsert {
            address: address(),
            resource,
        });
        // Refreshed: the cloud's plain value is sealed again.
        let change = marked_no_op(json!({"status": "running", "values": {"token": "secret"}}));
        let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
            panic!("expected an upsert");
        };
        assert!(
            !resource
                .attributes
                .to_value()
                .to_string()
                .contains("secret")
        );
        assert!(state.sensitive_matches(&resource, "/values/token", &json!("secret")));
        // Not refreshed: the fingerprint is kept as it is, and listed again.
        let change = marked_no_op(sealed.to_value());
        let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
            panic!("expected an upsert");
        };
        assert_eq!(resource.attributes, sealed);
        assert!(state.sensitive_matches(&resource, "/values/token", &json!("secret")));
    }

    #[test]
    fn a_no_op_seals_the_natural_key_part_of_a_sealed_attribute() {
        let mut state = State::new();
        let mut recorded = ResourceState::new(
            Some("uid".to_owned()),
            json!({"cluster_id": "c-secret", "template_name": "coredns"}),
        );
        recorded.natural_key = plinth_core::NaturalKey::from_iter([
            ("cluster_id".to_owned(), "c-secret".to_owned()),
            ("template_name".to_owned(), "coredns".to_owned()),
        ]);
        state.apply(Change::Upsert {
            address: address(),
            resource: recorded,
        });
        let mut after = Value::from(json!({"cluster_id": "c-secret", "template_name": "coredns"}));
        plinth_planner::mark_sensitive(&mut after, "/cluster_id");
        let mut change = no_op(
            json!({"cluster_id": "c-secret", "template_name": "coredns"}),
            Vec::new(),
            true,
        );
        change.after = Some(after.into());
        let Some(Change::Upsert { resource, .. }) = Run::no_op(&change, &state) else {
            panic!("expected an upsert");
        };
        assert_ne!(resource.natural_key.get("cluster_id").unwrap(), "c-secret");
        assert!(
            !resource
                .attributes
                .to_value()
                .to_string()
                .contains("c-secret")
        );
        assert_eq!(
            resource.natural_key.get("template_name").unwrap(),
            "coredns"
        );
    }

    #[test]
    fn a_no_op_for_an_object_deleted_outside_forgets_it() {
        let state = state();
        let mut change = no_op(json!({}), vec![Reason::DeletedOutside], false);
        change.before = None;
        assert_eq!(
            Run::no_op(&change, &state),
            Some(Change::Remove { address: address() })
        );
        // Not in the state: nothing to record.
        assert_eq!(Run::no_op(&change, &State::new()), None);
    }

    #[test]
    fn the_latest_record_sees_changes_not_yet_recorded() {
        let state = state();
        assert!(latest_record(&address(), &state, &[]).is_some());
        let removed = [Change::Remove { address: address() }];
        assert_eq!(latest_record(&address(), &state, &removed), None);
        let again = [
            Change::Remove { address: address() },
            Change::Upsert {
                address: address(),
                resource: ResourceState::new(None, json!({"n": 1})),
            },
        ];
        assert_eq!(
            latest_record(&address(), &state, &again).map(|r| r.attributes.to_value()),
            Some(json!({"n": 1}))
        );
    }

    #[test]
    fn a_replace_is_carried_out_by_its_create_step() {
        let mut change = no_op(json!({}), Vec::new(), true);
        change.action = Action::Replace {
            create_before_destroy: true,
        };
        assert_eq!(main_operation(&change), Operation::Create);
        change.action = Action::Import { then_update: true };
        assert_eq!(main_operation(&change), Operation::Import);
    }
}

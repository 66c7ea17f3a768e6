//! The machine-readable log of `plan --json`, `apply --json` and `destroy --json`
//! (docs/json-stream.md): one JSON object per line, each with a `type`, the first line naming the
//! format's version. Modelled on Terraform's `-json` UI output.
//!
//! Events are typed here and become strings only when serialized. A line is written and flushed
//! as soon as its event happens, so a CI log shows progress while the run goes on.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use plinth_apply::SkipCause;
use plinth_core::ResourceAddress;
use plinth_planner::Operation;
use serde::Serialize;

/// The version of the event stream. A reader refuses a larger major version; fields and event
/// types may be added within a major version.
pub const STREAM_VERSION: &str = "1.2";

/// Whether a stream was started on stdout, so that a `diagnostic` line written after an error
/// knows whether the `version` line is there already. Stdout is one per process, so is this.
static STARTED_ON_STDOUT: AtomicBool = AtomicBool::new(false);

/// Which command writes the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StreamCommand {
    /// `plinth plan --json`.
    Plan,
    /// `plinth apply --json`.
    Apply,
    /// `plinth destroy --json`.
    Destroy,
}

/// How a run ended, as the `summary` line says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Everything planned was done (or, for `plan`, the plan was made).
    Success,
    /// At least one operation failed or was skipped because of a failure.
    Failed,
    /// Ctrl-C (or SIGTERM) stopped the run.
    Interrupted,
}

/// The counts of a `summary` line: of the plan for `plan`, of what was done for `apply` and
/// `destroy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SummaryCounts {
    /// Objects created (planned to be, for `plan`).
    pub add: usize,
    /// Objects updated in place.
    pub change: usize,
    /// Objects deleted.
    pub destroy: usize,
    /// Objects adopted.
    pub import: usize,
    /// Operations that failed.
    pub failed: usize,
    /// Operations not started (a dependency failed, or the run was interrupted).
    pub skipped: usize,
    /// Operations an abort left running, recorded as pending for the next run.
    pub pending: usize,
}

/// One line of the stream after the first (`version`) and other than the `plan` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// An operation was sent to the cloud.
    OperationStart {
        /// The resource instance.
        address: String,
        /// What is done to it.
        operation: OperationName,
    },
    /// An operation is still running: sent when the cloud's status changes and every 10 s.
    OperationProgress {
        /// The resource instance.
        address: String,
        /// What is done to it.
        operation: OperationName,
        /// The cloud's status, as it spells it (`installing`, `Pending`), once one was read.
        status: Option<String>,
        /// Seconds since the operation started.
        elapsed_seconds: f64,
    },
    /// An operation succeeded and its result is recorded in the state.
    OperationComplete {
        /// The resource instance.
        address: String,
        /// What was done.
        operation: OperationName,
        /// Seconds it took.
        elapsed_seconds: f64,
    },
    /// An operation failed.
    OperationFailed {
        /// The resource instance.
        address: String,
        /// What was tried.
        operation: OperationName,
        /// Seconds until it failed.
        elapsed_seconds: f64,
        /// The error, as the text output says it.
        message: String,
        /// The cloud's error answer, when the cloud refused or failed the call.
        cloud_error: Option<CloudErrorEntry>,
    },
    /// An operation was not started.
    OperationSkipped {
        /// The resource instance.
        address: String,
        /// What would have been done.
        operation: OperationName,
        /// `dependency_failed` or `interrupted`.
        cause: SkipCode,
        /// For `dependency_failed`: the address whose operation failed.
        dependency: Option<String>,
    },
    /// An abort (a second Ctrl-C) left an operation running: it is recorded as pending and the
    /// next run reconciles it.
    OperationPending {
        /// The resource instance.
        address: String,
        /// What was left running.
        operation: OperationName,
        /// Seconds it had been running.
        elapsed_seconds: f64,
    },
    /// Ctrl-C (or SIGTERM) was received.
    Interrupt {
        /// `cancel` (the first: nothing new starts) or `abort` (the second: stop at once).
        stage: InterruptStage,
        /// What plinth does about it, in words.
        message: String,
    },
    /// The last line of a run that was not stopped by an error.
    Summary {
        /// The command.
        command: StreamCommand,
        /// How it ended.
        outcome: RunOutcome,
        /// For `plan`: whether applying the plan would change anything.
        #[serde(skip_serializing_if = "Option::is_none")]
        has_changes: Option<bool>,
        /// The counts.
        #[serde(flatten)]
        counts: SummaryCounts,
    },
}

/// A `diagnostic` line: an error that stopped the whole run (its text is on stderr too), or one
/// error of an invalid configuration, the last lines of such a run; or a warning (severity
/// `warning`, since 1.2) of the configuration or of the plan's template checks, before the
/// `plan` line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiagnosticLine {
    #[serde(rename = "type")]
    kind: &'static str,
    /// `error` (the only severity that stops a run) or `warning`.
    pub severity: &'static str,
    /// The message, as stderr says it after `error: `.
    pub message: String,
    /// The causes stderr prints after the message (`caused by:`), outermost first.
    pub causes: Vec<String>,
    /// What to do about it, when there is a clear next step.
    pub hint: Option<String>,
    /// Where in the configuration, for a configuration error.
    pub range: Option<DiagnosticRange>,
    /// The resource instance the error is about, when it is about one.
    pub address: Option<String>,
    /// The cloud's error answer, when the cloud refused or failed a call.
    pub cloud_error: Option<CloudErrorEntry>,
}

impl DiagnosticLine {
    /// An error line with `message` and nothing else known yet.
    pub fn error(message: String) -> Self {
        Self {
            kind: "diagnostic",
            severity: "error",
            message,
            causes: Vec::new(),
            hint: None,
            range: None,
            address: None,
            cloud_error: None,
        }
    }
}

impl DiagnosticLine {
    /// A warning line with `message` and nothing else known yet.
    pub fn warning(message: String) -> Self {
        Self {
            severity: "warning",
            ..Self::error(message)
        }
    }
}

/// A place in a configuration file: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiagnosticRange {
    /// The file, relative to the configuration's directory.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// The cloud's error answer to a failed operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CloudErrorEntry {
    /// The service that answered: `modelarts`, `cce` or `iam`.
    pub service: String,
    /// The HTTP status.
    pub status: u16,
    /// The cloud's error code, e.g. `SVCSTG.CCE-ADDONMGR.4090001`, when the answer had one.
    pub code: Option<String>,
    /// The cloud's message.
    pub message: String,
    /// The request id, for Huawei Cloud support.
    pub request_id: Option<String>,
}

impl From<&plinth_cloud::ApiError> for CloudErrorEntry {
    fn from(error: &plinth_cloud::ApiError) -> Self {
        Self {
            service: error.service.to_string(),
            status: error.status,
            code: error.code.clone(),
            message: error.message.clone(),
            request_id: error.request_id.clone(),
        }
    }
}

/// An operation's name in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperationName {
    /// A create.
    Create,
    /// An update in place.
    Update,
    /// A delete.
    Delete,
    /// A data source read.
    Read,
    /// An adoption of an existing object.
    Import,
    /// A step that only waits (never sent in practice: such steps emit no event).
    Wait,
}

impl From<Operation> for OperationName {
    fn from(operation: Operation) -> Self {
        match operation {
            Operation::Create => Self::Create,
            Operation::Update => Self::Update,
            Operation::Delete => Self::Delete,
            Operation::Read => Self::Read,
            Operation::Import => Self::Import,
            Operation::NoOp | Operation::Barrier => Self::Wait,
        }
    }
}

/// Why an operation was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    /// Something it depends on failed.
    DependencyFailed,
    /// The run was interrupted before it started.
    Interrupted,
}

/// The stage of an interrupt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InterruptStage {
    /// The first Ctrl-C: start nothing new, let the operations in flight finish.
    Cancel,
    /// The second Ctrl-C: record the operations in flight as pending and stop.
    Abort,
}

impl StreamEvent {
    /// The `operation_skipped` line of a skipped operation.
    pub fn skipped(address: &ResourceAddress, operation: Operation, cause: &SkipCause) -> Self {
        let (cause, dependency) = match cause {
            SkipCause::FailedDependency(dependency) => {
                (SkipCode::DependencyFailed, Some(dependency.to_string()))
            }
            SkipCause::Interrupted => (SkipCode::Interrupted, None),
        };
        Self::OperationSkipped {
            address: address.to_string(),
            operation: operation.into(),
            cause,
            dependency,
        }
    }
}

/// Seconds as the stream writes them: to the millisecond.
pub fn elapsed_seconds(duration: Duration) -> f64 {
    // Milliseconds of any real run fit in an f64 exactly.
    #[allow(
        clippy::cast_precision_loss,
        reason = "a run lasts far less than 2^52 ms"
    )]
    let millis = duration.as_millis() as f64;
    millis / 1000.0
}

/// The stream of one run, written line by line to its output (stdout for the commands).
pub struct JsonStream {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for JsonStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonStream").finish_non_exhaustive()
    }
}

/// The first line.
#[derive(Serialize)]
struct VersionLine {
    #[serde(rename = "type")]
    kind: &'static str,
    format_version: &'static str,
    plinth_version: &'static str,
    command: StreamCommand,
}

/// The `plan` line: the plan document of docs/plan-format.md under `plan`.
#[derive(Serialize)]
struct PlanLine<'a, P> {
    #[serde(rename = "type")]
    kind: &'static str,
    plan: &'a P,
}

impl JsonStream {
    /// Starts the stream of `command` on `out` with its `version` line.
    pub fn start(out: Box<dyn Write + Send>, command: StreamCommand) -> io::Result<Self> {
        let stream = Self {
            out: Mutex::new(out),
        };
        stream.line(&VersionLine {
            kind: "version",
            format_version: STREAM_VERSION,
            plinth_version: env!("CARGO_PKG_VERSION"),
            command,
        })?;
        Ok(stream)
    }

    /// Starts the stream of `command` on stdout.
    pub fn stdout(command: StreamCommand) -> io::Result<Self> {
        let stream = Self::start(Box::new(io::stdout()), command)?;
        STARTED_ON_STDOUT.store(true, Ordering::SeqCst);
        Ok(stream)
    }

    /// Ends the stream of `command` on stdout with the `diagnostic` lines of the error that
    /// stopped the run, after the `version` line if the run stopped before it started the
    /// stream (an invalid configuration, a lock held).
    pub fn stopped_on_stdout(command: StreamCommand, lines: &[DiagnosticLine]) -> io::Result<()> {
        let stream = if STARTED_ON_STDOUT.load(Ordering::SeqCst) {
            Self {
                out: Mutex::new(Box::new(io::stdout())),
            }
        } else {
            Self::stdout(command)?
        };
        lines.iter().try_for_each(|line| stream.line(line))
    }

    /// Writes the `plan` line: the plan document (a [`crate::render::PlanView`] is written one
    /// resource change at a time).
    pub fn plan(&self, plan: &impl Serialize) -> io::Result<()> {
        self.line(&PlanLine { kind: "plan", plan })
    }

    /// Writes `diagnostic` lines (the warnings of a run that goes on).
    pub fn diagnostics(&self, lines: &[DiagnosticLine]) -> io::Result<()> {
        lines.iter().try_for_each(|line| self.line(line))
    }

    /// Writes one event's line.
    pub fn event(&self, event: &StreamEvent) -> io::Result<()> {
        self.line(event)
    }

    fn line(&self, value: &impl Serialize) -> io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        serde_json::to_writer(&mut *out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    /// A writer the test can read back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_one_object_with_a_type_and_the_first_names_the_version() {
        let buffer = Buffer::default();
        let stream = JsonStream::start(Box::new(buffer.clone()), StreamCommand::Apply).unwrap();
        let address: ResourceAddress = "huaweicloud_cce_addon.dns".parse().unwrap();
        stream
            .event(&StreamEvent::OperationStart {
                address: address.to_string(),
                operation: Operation::Create.into(),
            })
            .unwrap();
        stream
            .event(&StreamEvent::skipped(
                &"huaweicloud_cce_addon.metrics".parse().unwrap(),
                Operation::Create,
                &SkipCause::FailedDependency(address.clone()),
            ))
            .unwrap();
        stream
            .event(&StreamEvent::Summary {
                command: StreamCommand::Apply,
                outcome: RunOutcome::Failed,
                has_changes: None,
                counts: SummaryCounts {
                    failed: 1,
                    skipped: 1,
                    ..SummaryCounts::default()
                },
            })
            .unwrap();
        let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        let version = env!("CARGO_PKG_VERSION");
        insta::assert_snapshot!(text.replace(version, "[version]"), @r#"
        {"type":"version","format_version":"1.2","plinth_version":"[version]","command":"apply"}
        {"type":"operation_start","address":"huaweicloud_cce_addon.dns","operation":"create"}
        {"type":"operation_skipped","address":"huaweicloud_cce_addon.metrics","operation":"create","cause":"dependency_failed","dependency":"huaweicloud_cce_addon.dns"}
        {"type":"summary","command":"apply","outcome":"failed","add":0,"change":0,"destroy":0,"import":0,"failed":1,"skipped":1,"pending":0}
        "#);
    }

    #[test]
    fn elapsed_time_is_written_to_the_millisecond() {
        assert!((elapsed_seconds(Duration::from_micros(1_503_900)) - 1.503).abs() < f64::EPSILON);
    }
}

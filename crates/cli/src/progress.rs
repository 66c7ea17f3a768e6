//! Live progress of an apply: on a terminal, one spinner line per running operation with its
//! action, remote status and elapsed time (on stderr); otherwise a line per event and a
//! "still ..." line for each running operation every 10 seconds (on stderr); or, with `--json`,
//! the operation lines of the JSON stream (on stdout, docs/json-stream.md).
//!
//! Every message printed while an apply runs goes through [`Progress::message`], so that it is
//! printed above the live lines rather than into them: the spinners are redrawn below it, and
//! cleared when the apply returns, which leaves a clean screen whatever was in flight.

use plinth_core::ResourceAddress;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use plinth_apply::{ApplyEvent, EventKind, EventSink, Outcome};
use plinth_planner::Operation;

use crate::render::stream::{
    CloudErrorEntry, InterruptStage, JsonStream, OperationName, StreamEvent, elapsed_seconds,
};

/// How often a non-terminal gets a "still ..." line per running operation.
const STILL_INTERVAL: Duration = Duration::from_secs(10);

/// The progress display of one apply.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    display: Display,
    running: BTreeMap<(ResourceAddress, Operation), Running>,
    /// While live lines are drawn, the terminal does not echo `^C`.
    echo_off: Option<EchoOff>,
}

/// The terminal's echo of control characters, off while it lives.
///
/// A terminal echoes Ctrl-C as `^C` where the cursor is: after live lines padded to the full
/// width, that wraps to a new line, and every redraw after it starts one line too low, leaving
/// a frozen copy of the first line behind. Without the echo, the lines stay where the display
/// draws them; the interrupt's own message says what happened.
struct EchoOff {
    #[cfg(unix)]
    saved: Option<rustix::termios::Termios>,
}

impl EchoOff {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
            // The live lines are drawn only when stderr is a terminal: its settings are the
            // terminal's, whatever stdin is.
            let saved = tcgetattr(io::stderr()).ok().filter(|saved| {
                let mut quiet = saved.clone();
                quiet.local_modes.remove(LocalModes::ECHOCTL);
                tcsetattr(io::stderr(), OptionalActions::Now, &quiet).is_ok()
            });
            Self { saved }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(saved) = &self.saved {
            let _ = rustix::termios::tcsetattr(
                io::stderr(),
                rustix::termios::OptionalActions::Now,
                saved,
            );
        }
    }
}

/// Where progress goes.
enum Display {
    /// Spinners on a terminal's stderr.
    Live(MultiProgress),
    /// A line per event on stderr.
    Lines,
    /// The operation lines of the JSON stream.
    Json(Arc<JsonStream>),
}

struct Running {
    started: Instant,
    status: Option<String>,
    last_line: Instant,
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A display for stderr: live lines on a terminal (unless colour and animation are off),
    /// plain lines otherwise.
    pub fn new() -> Self {
        let live = io::stderr().is_terminal() && console::colors_enabled_stderr();
        let display = if live {
            Display::Live(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
        } else {
            Display::Lines
        };
        Self::with(display)
    }

    /// A display that writes the operation lines of `stream`.
    pub fn json(stream: Arc<JsonStream>) -> Self {
        Self::with(Display::Json(stream))
    }

    fn with(display: Display) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                display,
                running: BTreeMap::new(),
                echo_off: None,
            })),
        }
    }

    /// Prints a message for people on stderr, above the live lines (which are redrawn below it),
    /// so that it is neither drawn over nor left between stale copies of them.
    pub fn message(&self, text: &str) {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        match &inner.display {
            Display::Live(multi) => {
                // `println` clears the live lines, prints, and draws them again below; one line
                // at a time, since it counts what it printed as one line.
                for line in text.split('\n') {
                    if multi.println(line).is_err() {
                        let _ = writeln!(io::stderr().lock(), "{line}");
                    }
                }
            }
            Display::Lines | Display::Json(_) => {
                let _ = writeln!(io::stderr().lock(), "{text}");
            }
        }
    }

    /// Says that an interrupt was received: `text` for people, on stderr above the live lines,
    /// and an `interrupt` line in the JSON stream.
    pub fn interrupted(&self, stage: InterruptStage, text: &str) {
        self.message(text);
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Display::Json(stream) = &inner.display {
            let _ = stream.event(&StreamEvent::Interrupt {
                stage,
                message: text.trim().replace('\n', " "),
            });
        }
    }

    /// The event sink to hand to the executor.
    pub fn sink(&self) -> EventSink {
        let progress = self.clone();
        Arc::new(move |event| progress.handle(&event))
    }

    /// Prints "still ..." lines (or `operation_progress` heartbeats) for operations that have
    /// been quiet for 10 s (not on a terminal, whose spinners tick by themselves). Call it every
    /// second or so.
    pub fn tick(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let inner = &mut *inner;
        let stream = match &inner.display {
            Display::Live(_) => return,
            Display::Lines => None,
            Display::Json(stream) => Some(stream),
        };
        let now = Instant::now();
        let mut stderr = io::stderr().lock();
        for ((address, operation), running) in &mut inner.running {
            if now.duration_since(running.last_line) >= STILL_INTERVAL {
                running.last_line = now;
                if let Some(stream) = stream {
                    let _ = stream.event(&StreamEvent::OperationProgress {
                        address: address.to_string(),
                        operation: (*operation).into(),
                        status: running.status.clone(),
                        elapsed_seconds: elapsed_seconds(now.duration_since(running.started)),
                    });
                    continue;
                }
                let status = running
                    .status
                    .as_deref()
                    .map(|status| format!(", {status}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    stderr,
                    "{address}: Still {}... [{} elapsed{status}]",
                    gerund(*operation).to_lowercase(),
                    seconds(now.duration_since(running.started)),
                );
            }
        }
    }

    /// Removes any live lines left (when the apply returns).
    pub fn finish(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        for running in inner.running.values() {
            if let Some(bar) = &running.bar {
                bar.finish_and_clear();
            }
        }
        inner.running.clear();
        inner.echo_off = None;
    }

    fn handle(&self, event: &ApplyEvent) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Display::Json(stream) = &inner.display {
            let stream = Arc::clone(stream);
            Self::handle_json(&mut inner, &stream, event);
            return;
        }
        let key = (event.address.clone(), event.operation);
        match &event.kind {
            EventKind::Started => {
                if matches!(inner.display, Display::Live(_)) && inner.echo_off.is_none() {
                    inner.echo_off = Some(EchoOff::new());
                }
                let live = match &inner.display {
                    Display::Live(multi) => Some(multi),
                    Display::Lines | Display::Json(_) => None,
                };
                let bar = live.map(|multi| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_message(format!("{}: {}...", event.address, gerund(event.operation)));
                    bar.enable_steady_tick(Duration::from_millis(120));
                    bar
                });
                if bar.is_none() {
                    let _ = writeln!(
                        io::stderr().lock(),
                        "{}: {}...",
                        event.address,
                        gerund(event.operation)
                    );
                }
                let now = Instant::now();
                inner.running.insert(
                    key,
                    Running {
                        started: now,
                        status: None,
                        last_line: now,
                        bar,
                    },
                );
            }
            EventKind::Status { status, .. } => {
                if let Some(running) = inner.running.get_mut(&key) {
                    running.status = Some(status.clone());
                    if let Some(bar) = &running.bar {
                        bar.set_message(format!(
                            "{}: {}... ({status})",
                            event.address,
                            gerund(event.operation)
                        ));
                    }
                }
            }
            EventKind::Finished { outcome } => {
                let running = inner.running.remove(&key);
                let elapsed = running
                    .as_ref()
                    .map(|running| seconds(running.started.elapsed()));
                if let Some(bar) = running.as_ref().and_then(|running| running.bar.as_ref()) {
                    bar.finish_and_clear();
                }
                let line = finished_line(&event.address, event.operation, outcome, elapsed);
                match &inner.display {
                    Display::Live(multi) => {
                        let _ = multi.println(line);
                    }
                    Display::Lines | Display::Json(_) => {
                        let _ = writeln!(io::stderr().lock(), "{line}");
                    }
                }
            }
        }
    }

    /// An event as lines of the JSON stream: `operation_progress` only when the cloud's status
    /// changes (and from [`Progress::tick`], every 10 s).
    fn handle_json(inner: &mut Inner, stream: &JsonStream, event: &ApplyEvent) {
        let key = (event.address.clone(), event.operation);
        let address = event.address.to_string();
        let operation = OperationName::from(event.operation);
        let line = match &event.kind {
            EventKind::Started => {
                let now = Instant::now();
                inner.running.insert(
                    key,
                    Running {
                        started: now,
                        status: None,
                        last_line: now,
                        bar: None,
                    },
                );
                StreamEvent::OperationStart { address, operation }
            }
            EventKind::Status { status, .. } => {
                let Some(running) = inner.running.get_mut(&key) else {
                    return;
                };
                if running.status.as_deref() == Some(status.as_str()) {
                    return;
                }
                running.status = Some(status.clone());
                running.last_line = Instant::now();
                StreamEvent::OperationProgress {
                    address,
                    operation,
                    status: Some(status.clone()),
                    elapsed_seconds: elapsed_seconds(running.started.elapsed()),
                }
            }
            EventKind::Finished { outcome } => {
                let elapsed = inner
                    .running
                    .remove(&key)
                    .map_or(0.0, |running| elapsed_seconds(running.started.elapsed()));
                match outcome {
                    Outcome::Succeeded => StreamEvent::OperationComplete {
                        address,
                        operation,
                        elapsed_seconds: elapsed,
                    },
                    Outcome::Failed { message, cloud } => StreamEvent::OperationFailed {
                        address,
                        operation,
                        elapsed_seconds: elapsed,
                        message: message.clone(),
                        cloud_error: cloud.as_deref().map(CloudErrorEntry::from),
                    },
                    Outcome::Skipped { cause } => {
                        StreamEvent::skipped(&event.address, event.operation, cause)
                    }
                    Outcome::Abandoned => StreamEvent::OperationPending {
                        address,
                        operation,
                        elapsed_seconds: elapsed,
                    },
                }
            }
        };
        let _ = stream.event(&line);
    }
}

fn finished_line(
    address: &ResourceAddress,
    operation: Operation,
    outcome: &Outcome,
    elapsed: Option<String>,
) -> String {
    let after = elapsed.map(|e| format!(" after {e}")).unwrap_or_default();
    match outcome {
        Outcome::Succeeded => format!("{address}: {} complete{after}", noun(operation)),
        Outcome::Failed { .. } => format!("{address}: {} failed{after}", noun(operation)),
        Outcome::Skipped { .. } => format!("{address}: skipped"),
        Outcome::Abandoned => {
            format!("{address}: left running{after}; recorded as pending for the next run")
        }
    }
}

fn gerund(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "Creating",
        Operation::Update => "Modifying",
        Operation::Delete => "Destroying",
        Operation::Read => "Reading",
        Operation::Import => "Importing",
        Operation::NoOp | Operation::Barrier => "Waiting",
    }
}

fn noun(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "Creation",
        Operation::Update => "Modifications",
        Operation::Delete => "Destruction",
        Operation::Read => "Read",
        Operation::Import => "Import",
        Operation::NoOp | Operation::Barrier => "Step",
    }
}

/// `3s`, `1m12s`.
fn seconds(duration: Duration) -> String {
    let total = duration.as_secs();
    if total >= 60 {
        format!("{}m{}s", total / 60, total % 60)
    } else {
        format!("{total}s")
    }
}

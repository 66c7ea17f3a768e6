//! Live progress of an apply on stderr: on a terminal, one spinner line per running operation with
//! its action, remote status and elapsed time; otherwise a line per event and a "still ..." line
//! for each running operation every 10 seconds.

use plinth_core::ResourceAddress;
use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use plinth_apply::{ApplyEvent, EventKind, EventSink, Outcome};
use plinth_planner::Operation;

/// How often a non-terminal gets a "still ..." line per running operation.
const STILL_INTERVAL: Duration = Duration::from_secs(10);

/// The progress display of one apply.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    terminal: Option<MultiProgress>,
    running: BTreeMap<(ResourceAddress, Operation), Running>,
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
        let terminal = live.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            inner: Arc::new(Mutex::new(Inner {
                terminal,
                running: BTreeMap::new(),
            })),
        }
    }

    /// The event sink to hand to the executor.
    pub fn sink(&self) -> EventSink {
        let progress = self.clone();
        Arc::new(move |event| progress.handle(&event))
    }

    /// Prints "still ..." lines for operations that have been quiet for 10 s (non-terminals
    /// only; a terminal's spinners tick by themselves). Call it every second or so.
    pub fn tick(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if inner.terminal.is_some() {
            return;
        }
        let now = Instant::now();
        let mut stderr = io::stderr().lock();
        for ((address, operation), running) in &mut inner.running {
            if now.duration_since(running.last_line) >= STILL_INTERVAL {
                running.last_line = now;
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
    }

    fn handle(&self, event: &ApplyEvent) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (event.address.clone(), event.operation);
        match &event.kind {
            EventKind::Started => {
                let bar = inner.terminal.as_ref().map(|multi| {
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
                match &inner.terminal {
                    Some(multi) => {
                        let _ = multi.println(line);
                    }
                    None => {
                        let _ = writeln!(io::stderr().lock(), "{line}");
                    }
                }
            }
        }
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

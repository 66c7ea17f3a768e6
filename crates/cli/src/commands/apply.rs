//! `plinth apply [PLANFILE]` and `plinth destroy`: plan, confirm, execute with live progress, and
//! say exactly what happened.

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use plinth_apply::{ApplyOptions, ApplyReport, CancelHandle, RefreshOptions, SkipCause};
use plinth_planner::{Operation, PlanOptions};
use plinth_state::State;

use crate::args::{ApplyArgs, DestroyArgs, LockArgs, VarArgs};
use crate::commands::planning::{
    check_import_targets, load_configuration, plan_options, runtime, warn_selection,
};
use crate::commands::state::lock_request;
use crate::commands::{AlreadyReported, Hinted};
use crate::planfile::PlanFile;
use crate::progress::Progress;
use crate::render::stream::{
    InterruptStage, JsonStream, RunOutcome, StreamCommand, StreamEvent, SummaryCounts,
};
use crate::render::{self, PlanView, RenderOptions};
use crate::session::Session;
use crate::workspace::Workspace;

/// What one apply or destroy run is asked to do.
struct Run<'a> {
    workspace: &'a Workspace,
    vars: &'a VarArgs,
    lock: &'a LockArgs,
    options: PlanOptions,
    /// `--target` and `--exclude` naming modules, resolved once the configuration is loaded.
    modules: super::selection::ModuleSelections,
    refresh: RefreshOptions,
    parallelism: usize,
    auto_approve: bool,
    saved: Option<PlanFile>,
    command: Command,
    /// `--json`: the JSON stream on stdout instead of text.
    json: bool,
}

/// Which of the two commands runs: they differ in their words and in showing outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// `plinth apply`: carry out a plan, made now or saved.
    Apply,
    /// `plinth destroy` (or the apply of a saved plan whose options ask to destroy).
    Destroy,
}

impl Command {
    /// The command's name, as typed.
    fn name(self) -> &'static str {
        match self {
            Command::Apply => "apply",
            Command::Destroy => "destroy",
        }
    }

    /// The command as the JSON stream names it.
    fn stream(self) -> StreamCommand {
        match self {
            Command::Apply => StreamCommand::Apply,
            Command::Destroy => StreamCommand::Destroy,
        }
    }
}

/// `plinth apply [PLANFILE]`. `planning_flags` are the planning flags typed on the command line
/// ([`crate::args::planning_flags_typed`]): a saved plan refuses them.
pub fn run(
    workspace: &Workspace,
    args: &ApplyArgs,
    planning_flags: &[&str],
) -> anyhow::Result<ExitCode> {
    if let Some(planfile) = &args.planfile {
        refuse_planning_flags(planfile, planning_flags)?;
    }
    let mut saved = args
        .planfile
        .as_deref()
        .map(|path| PlanFile::load(&workspace.resolve(path)))
        .transpose()
        .map_err(Hinted::from)?;
    if let Some(saved) = &mut saved {
        // Held while planning again.
        saved.keep_only_what_apply_compares();
    }
    let options = match &saved {
        Some(plan) => plan.options().clone(),
        None => plan_options(&args.planning)?,
    };
    execute(Run {
        workspace,
        vars: &args.planning.vars,
        lock: &args.planning.lock,
        command: if options.destroy {
            Command::Destroy
        } else {
            Command::Apply
        },
        options,
        modules: super::selection::ModuleSelections::from_flags(
            &args.planning.targets,
            &args.planning.excludes,
        ),
        refresh: RefreshOptions {
            parallelism: usize::from(args.planning.parallelism),
            refresh: !args.planning.no_refresh,
            by: args.planning.refresh_by.into(),
        },
        parallelism: usize::from(args.planning.parallelism),
        auto_approve: args.auto_approve,
        saved,
        json: args.json,
    })
}

/// A saved plan was made with its own selection and planning options, and apply carries out
/// exactly that plan: a `--target` or `--no-refresh` given now would be silently ignored, or
/// (`--no-refresh`) skip the refresh that checks the plan is not stale. So they are refused, as
/// Terraform used to refuse them ("Can't set planning options when applying a saved plan"; 1.11
/// ignores them silently).
fn refuse_planning_flags(planfile: &Path, flags: &[&str]) -> Result<(), Hinted> {
    let Some(first) = flags.first() else {
        return Ok(());
    };
    let named = flags
        .iter()
        .map(|flag| format!("`{flag}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let planfile = planfile.display();
    Err(Hinted {
        message: format!(
            "cannot set planning options when applying a saved plan: {named} (the plan \
             `{planfile}` was made with its own)"
        ),
        hint: format!(
            "apply `{planfile}` without {named}, or make a new plan with them: `plinth plan \
             {first} ... --out {planfile}` (`--var` and `--var-file` stay allowed)"
        ),
    })
}

pub fn destroy(workspace: &Workspace, args: &DestroyArgs) -> anyhow::Result<ExitCode> {
    execute(Run {
        workspace,
        vars: &args.vars,
        lock: &args.lock,
        options: PlanOptions {
            targets: super::selection::resource_addresses(&args.targets)?,
            destroy: true,
            ..PlanOptions::default()
        },
        modules: super::selection::ModuleSelections::from_flags(&args.targets, &[]),
        refresh: RefreshOptions {
            parallelism: usize::from(args.parallelism),
            refresh: true,
            ..RefreshOptions::default()
        },
        parallelism: usize::from(args.parallelism),
        auto_approve: args.auto_approve,
        saved: None,
        command: Command::Destroy,
        json: args.json,
    })
}

/// `--json` cannot ask for confirmation: without a saved plan it needs `--auto-approve`.
fn refuse_json_without_approval(run: &Run<'_>, saved: bool) -> anyhow::Result<()> {
    if run.json && !saved && !run.auto_approve {
        return Err(Hinted {
            message: format!(
                "`plinth {} --json` cannot ask for confirmation",
                run.command.name()
            ),
            hint: match run.command {
                Command::Apply => "add `--auto-approve`, or save a plan with `plinth plan --out \
                                   FILE`, review it, and apply it with `plinth apply FILE --json`"
                    .to_owned(),
                Command::Destroy => "review the plan with `plinth destroy`, then add \
                                     `--auto-approve`"
                    .to_owned(),
            },
        }
        .into());
    }
    Ok(())
}

fn execute(mut run: Run<'_>) -> anyhow::Result<ExitCode> {
    refuse_json_without_approval(&run, run.saved.is_some())?;
    let Run { saved, .. } = run;
    let config = match &saved {
        Some(saved) => saved_plan::load_configuration(run.workspace, run.vars, saved)?,
        None => load_configuration(run.workspace, run.vars)?,
    };
    if run.command != Command::Destroy {
        check_import_targets(&config)?;
    }
    let storage = run.workspace.storage()?;
    let lock = storage.lock(&lock_request(run.command.name(), run.lock))?;
    let mut state = storage.load()?;
    if let Some(saved) = &saved {
        state = saved_plan::check(saved, state, &config, run.vars)?;
    } else {
        super::selection::select(&config, &state, &run.modules, &mut run.options)?;
    }
    warn_selection(&run.options)?;
    let runtime = runtime()?;
    let session = runtime.block_on(Session::for_configuration(run.workspace.dir(), &config))?;
    let clients = session.clients(&config, &state)?;
    let stream = if run.json {
        Some(Arc::new(JsonStream::stdout(run.command.stream())?))
    } else {
        None
    };
    // The refresh reports its waits for objects being deleted as the apply reports operations.
    let progress = match &stream {
        Some(stream) => Progress::json(Arc::clone(stream)),
        None => Progress::new(),
    };
    let planned = runtime.block_on(plinth_apply::refresh_and_plan_with(
        &config,
        &state,
        &clients,
        &run.options,
        &run.refresh,
        &progress.sink(),
    ));
    progress.finish();
    let plan = match crate::commands::planning::planned(planned) {
        Ok(plan) => plan,
        Err(err) => {
            runtime.block_on(session.close())?;
            return Err(err);
        }
    };
    let view = PlanView::new(&plan, &state);
    if let Some(stream) = &stream {
        crate::commands::planning::stream_plan(stream, &config, &view, &plan)?;
    }
    if let Some(saved) = saved {
        let same = saved.same_changes(&view);
        // The saved plan is not needed once compared.
        drop(saved);
        if let Err(stale) = same {
            runtime.block_on(session.close())?;
            return Err(Hinted::from(stale).into());
        }
    } else if stream.is_none() {
        let color = console::colors_enabled() && io::stdout().is_terminal();
        let mut stdout = io::BufWriter::new(io::stdout().lock());
        render::write_plan_text(&mut stdout, &view, RenderOptions { color })?;
        stdout.flush()?;
        drop(stdout);
        if plan.has_changes() && !run.auto_approve && !confirm(run.command)? {
            runtime.block_on(session.close())?;
            writeln!(
                io::stdout().lock(),
                "\nApply cancelled: nothing was changed."
            )?;
            return Ok(ExitCode::FAILURE);
        }
    }
    drop(view);
    let mut journal = storage.begin(state, &lock)?;
    let cancel = CancelHandle::new();
    let options = ApplyOptions {
        parallelism: run.parallelism,
        cancel: cancel.clone(),
    };
    let report = runtime.block_on(async {
        let watcher = tokio::spawn(watch_interrupts(cancel.clone(), progress.clone()));
        let ticker = tokio::spawn(tick(progress.clone()));
        let report = plinth_apply::apply_with(
            &plan,
            &config,
            &clients,
            &mut journal,
            &options,
            progress.sink(),
        )
        .await;
        watcher.abort();
        ticker.abort();
        progress.finish();
        report
    });
    // The journal is folded into the state whatever happened, so every recorded result is kept.
    let finished = journal.finish();
    runtime.block_on(session.close())?;
    let report = report?;
    let (state, _) = finished?;
    drop(lock);
    match &stream {
        Some(stream) => summarize_json(&report, stream, run.command),
        None => summarize(&report, &state, run.command),
    }
}

/// What applying a saved plan adds: the configuration loaded with the plan's variable values,
/// and the checks that the plan still applies.
mod saved_plan {
    use plinth_config::Configuration;
    use plinth_state::State;

    use crate::args::VarArgs;
    use crate::commands::Hinted;
    use crate::planfile::{ConfigDigest, PlanFile};
    use crate::workspace::Workspace;

    /// Loads the configuration with the variable values the plan carries (as a variables file
    /// of lower precedence than the `--var-file`s and `--var`s given now), and checks that every
    /// variable has the value the plan was made with: a sensitive one must be given again.
    pub fn load_configuration(
        workspace: &Workspace,
        vars: &VarArgs,
        saved: &PlanFile,
    ) -> anyhow::Result<Configuration> {
        let Some(variables) = saved.variables() else {
            return crate::commands::planning::load_configuration(workspace, vars);
        };
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("saved-plan.vars");
        std::fs::write(&file, variables.to_variables_file())?;
        let with_saved = vars.with_lowest_var_file(file);
        let config = crate::commands::planning::load_configuration(workspace, &with_saved)?;
        variables.check(&config).map_err(Hinted::from)?;
        Ok(config)
    }

    /// The state to apply the plan to (see [`PlanFile::state_to_apply_to`]), once checked to
    /// be the one the plan was made against, with the same configuration.
    pub fn check(
        saved: &PlanFile,
        state: State,
        config: &Configuration,
        vars: &VarArgs,
    ) -> anyhow::Result<State> {
        let digest = if saved.variables().is_some() {
            ConfigDigest::of_configuration_files(config)
        } else {
            ConfigDigest::of_configuration(config, &crate::workspace::load_options(vars))
        };
        let state = saved.state_to_apply_to(state);
        saved.check(&state, &digest).map_err(Hinted::from)?;
        Ok(state)
    }
}

/// Asks for `yes` on a terminal; refuses without one.
fn confirm(command: Command) -> anyhow::Result<bool> {
    if !io::stdin().is_terminal() {
        return Err(Hinted {
            message: "cannot ask for confirmation: standard input is not a terminal".to_owned(),
            hint: format!(
                "review the plan above and run `plinth {} --auto-approve`, or save a plan with \
                 `plinth plan --out FILE` and apply it with `plinth apply FILE`",
                command.name()
            ),
        }
        .into());
    }
    let mut stdout = io::stdout().lock();
    write!(
        stdout,
        "\nDo you want to {}?\n  plinth will perform the actions described above.\n  Only 'yes' \
         will be accepted to approve.\n\n  Enter a value: ",
        match command {
            Command::Destroy => "destroy all resources",
            Command::Apply => "perform these actions",
        }
    )?;
    stdout.flush()?;
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

/// First interrupt: start nothing new and let in-flight operations finish. Second: record them
/// as pending and stop at once.
///
/// Each message is printed through the progress display (above its live lines) and before the
/// executor is told, so that it comes before the lines of what the interrupt skips or abandons.
async fn watch_interrupts(cancel: CancelHandle, progress: Progress) {
    let Ok(mut interrupts) = crate::interrupt::Interrupts::listen() else {
        return;
    };
    interrupts.next().await;
    progress.interrupted(
        InterruptStage::Cancel,
        "\nInterrupt received: starting nothing new and waiting for the operations in flight.\n\
         Press Ctrl-C again to stop at once; they will be recorded as pending and reconciled by \
         the next run.",
    );
    cancel.cancel();
    interrupts.next().await;
    progress.interrupted(
        InterruptStage::Abort,
        "\nSecond interrupt: recording the operations in flight as pending and stopping.",
    );
    cancel.abort();
}

async fn tick(progress: Progress) {
    let mut interval = tokio::time::interval(Duration::from_secs(1));
    loop {
        interval.tick().await;
        progress.tick();
    }
}

/// The closing lines: what succeeded, what failed (with the cloud's code, message and request id)
/// and what was skipped; and the exit status.
fn summarize(report: &ApplyReport, state: &State, command: Command) -> anyhow::Result<ExitCode> {
    let mut stdout = io::stdout().lock();
    let summary = report.summary();
    if report.is_success() {
        if command == Command::Destroy {
            writeln!(
                stdout,
                "\nDestroy complete! Resources: {} destroyed.",
                summary.destroyed
            )?;
        } else {
            let imported = if summary.imported > 0 {
                format!("{} imported, ", summary.imported)
            } else {
                String::new()
            };
            writeln!(
                stdout,
                "\nApply complete! Resources: {imported}{} added, {} changed, {} destroyed.",
                summary.added, summary.changed, summary.destroyed
            )?;
        }
        if command == Command::Apply && !state.outputs().is_empty() {
            writeln!(stdout, "\nOutputs:\n")?;
            for (name, output) in state.outputs() {
                writeln!(
                    stdout,
                    "{name} = {}",
                    crate::commands::output::display(output)
                )?;
            }
        }
        if let Some(diagnostics) = &report.output_error {
            crate::diagnostics::print(diagnostics)?;
        }
        crate::commands::planning::warn_checks(&report.check_warnings)?;
        return Ok(ExitCode::SUCCESS);
    }
    drop(stdout);
    let mut stderr = io::stderr().lock();
    let error = console::style("error").red().bold();
    for failed in &report.failed {
        writeln!(
            stderr,
            "\n{error}: {}: {} failed: {}",
            failed.address,
            verb(failed.operation),
            failed.error
        )?;
    }
    for skipped in &report.skipped {
        let why = match &skipped.cause {
            SkipCause::FailedDependency(dependency) => {
                format!("it depends on {dependency}, which failed")
            }
            SkipCause::Interrupted => "the apply was interrupted".to_owned(),
        };
        writeln!(
            stderr,
            "skipped: {}: not {}d because {why}",
            skipped.address,
            verb(skipped.operation)
        )?;
    }
    for abandoned in &report.abandoned {
        writeln!(
            stderr,
            "pending: {}: the {} was left running and is recorded as pending; the next run \
             reconciles it",
            abandoned.address,
            verb(abandoned.operation)
        )?;
    }
    writeln!(
        stderr,
        "\n{}: {} succeeded ({} added, {} changed, {} destroyed), {} failed, {} skipped{}.",
        if report.interrupted {
            "Apply interrupted"
        } else {
            "Apply failed"
        },
        report.succeeded.len(),
        summary.added,
        summary.changed,
        summary.destroyed,
        report.failed.len(),
        report.skipped.len(),
        if report.abandoned.is_empty() {
            String::new()
        } else {
            format!(", {} left pending", report.abandoned.len())
        }
    )?;
    writeln!(
        stderr,
        "Everything that completed is recorded in the state; run `plinth apply` again to continue."
    )?;
    if report.interrupted {
        return Ok(crate::commands::ExitStatus::Interrupted.into());
    }
    Err(AlreadyReported.into())
}

/// The `summary` line of the JSON stream (the operations' own lines said what failed), and the
/// exit status.
fn summarize_json(
    report: &ApplyReport,
    stream: &JsonStream,
    command: Command,
) -> anyhow::Result<ExitCode> {
    let summary = report.summary();
    let outcome = if report.interrupted {
        RunOutcome::Interrupted
    } else if report.is_success() {
        RunOutcome::Success
    } else {
        RunOutcome::Failed
    };
    stream.event(&StreamEvent::Summary {
        command: command.stream(),
        outcome,
        has_changes: None,
        counts: SummaryCounts {
            add: summary.added,
            change: summary.changed,
            destroy: summary.destroyed,
            import: summary.imported,
            failed: report.failed.len(),
            skipped: report.skipped.len(),
            pending: report.abandoned.len(),
        },
    })?;
    if let Some(diagnostics) = &report.output_error {
        crate::diagnostics::print(diagnostics)?;
    }
    crate::commands::planning::warn_checks(&report.check_warnings)?;
    match outcome {
        RunOutcome::Success => Ok(ExitCode::SUCCESS),
        RunOutcome::Interrupted => Ok(crate::commands::ExitStatus::Interrupted.into()),
        RunOutcome::Failed => Err(AlreadyReported.into()),
    }
}

fn verb(operation: Operation) -> &'static str {
    match operation {
        Operation::Create => "create",
        Operation::Update => "update",
        Operation::Delete => "delete",
        Operation::Read => "read",
        Operation::Import => "import",
        Operation::NoOp | Operation::Barrier => "step",
    }
}

//! `plinth plan`: refresh what plinth manages, compare with the configuration, show the plan.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use plinth_apply::{RefreshOptions, refresh_and_plan_with};

use crate::args::PlanArgs;
use crate::commands::planning::{
    check_import_targets, load_configuration, plan_options, runtime, warn_selection,
};
use crate::commands::state::lock_request;
use crate::planfile::{ConfigDigest, SavedVariables, save_plan};
use crate::progress::Progress;
use crate::render::stream::{JsonStream, RunOutcome, StreamCommand, StreamEvent, SummaryCounts};
use crate::render::{self, PlanView, RenderOptions};
use crate::session::Session;
use crate::workspace::Workspace;

mod generate;

pub fn run(workspace: &Workspace, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let mut config = load_configuration(workspace, &args.planning.vars)?;
    match &args.generate_config_out {
        Some(path) => generate::check_target(workspace, path)?,
        None => check_import_targets(&config)?,
    }
    let mut options = plan_options(&args.planning)?;
    let refresh = RefreshOptions {
        parallelism: usize::from(args.planning.parallelism),
        refresh: !args.planning.no_refresh,
        by: args.planning.refresh_by.into(),
    };
    let storage = workspace.storage()?;
    let lock = storage.lock(&lock_request("plan", &args.planning.lock))?;
    let state = storage.load()?;
    let modules = super::selection::ModuleSelections::from_flags(
        &args.planning.targets,
        &args.planning.excludes,
    );
    super::selection::select(&config, &state, &modules, &mut options)?;
    warn_selection(&options)?;
    let stream = if args.json {
        Some(Arc::new(JsonStream::stdout(StreamCommand::Plan)?))
    } else {
        None
    };
    let plan = runtime()?.block_on(async {
        let session = Session::for_configuration(workspace.dir(), &config).await?;
        if let Some(path) = &args.generate_config_out {
            match generate::write_and_reload(workspace, args, path, &config, &session).await {
                Ok(generated) => config = generated,
                Err(error) => {
                    session.close().await?;
                    return Err(error);
                }
            }
        }
        // Waits for objects being deleted show as the apply's operations do, on stderr.
        let progress = match &stream {
            Some(stream) => Progress::json(Arc::clone(stream)),
            None => Progress::new(),
        };
        let clients = session.clients(&config, &state)?;
        let planned = refresh_and_plan_with(
            &config,
            &state,
            &clients,
            &options,
            &refresh,
            &progress.sink(),
        )
        .await;
        progress.finish();
        session.close().await?;
        crate::commands::planning::planned(planned)
    })?;
    drop(lock);

    let view = PlanView::new(&plan, &state);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    if let Some(stream) = &stream {
        crate::commands::planning::stream_plan(stream, &config, &view, &plan)?;
    } else if args.markdown {
        render::write_plan_markdown(&mut stdout, &view)?;
    } else {
        let color = console::colors_enabled() && io::stdout().is_terminal();
        render::write_plan_text(&mut stdout, &view, RenderOptions { color })?;
    }
    if let Some(out) = &args.out {
        let path = workspace.resolve(out);
        let digest = ConfigDigest::of_configuration_files(&config);
        let variables = SavedVariables::of(&config);
        save_plan(&path, &view, &digest, &variables, &options)
            .map_err(crate::commands::Hinted::from)?;
        if stream.is_none() {
            // After a Markdown summary the note is for the person running the command.
            let note: &mut dyn Write = if args.markdown {
                &mut io::stderr()
            } else {
                &mut stdout
            };
            writeln!(
                note,
                "\nSaved the plan to {}. To carry out exactly these actions, run:\n  {} apply {}",
                out.display(),
                workspace.command(),
                crate::workspace::shell_word(out)
            )?;
        }
    }
    if let Some(path) = &args.generate_config_out
        && workspace.dir().join(path).exists()
    {
        // With `--json`, stdout is the stream: the note is for people, on stderr.
        let note: &mut dyn Write = if stream.is_some() {
            &mut io::stderr()
        } else {
            &mut stdout
        };
        writeln!(
            note,
            "\nplinth has generated configuration and written it to {}. Please review the configuration and edit it as necessary before adding it to version control.",
            path.display()
        )?;
    }
    stdout.flush()?;
    drop(stdout);
    if let Some(stream) = &stream {
        stream_summary(stream, &view)?;
    }
    if args.detailed_exitcode && plan.has_changes() {
        return Ok(crate::commands::ExitStatus::Changes.into());
    }
    Ok(ExitCode::SUCCESS)
}

/// The stream's last line of a plan: what it would change.
fn stream_summary(stream: &JsonStream, view: &PlanView<'_>) -> anyhow::Result<()> {
    let summary = &view.head().summary;
    stream.event(&StreamEvent::Summary {
        command: StreamCommand::Plan,
        outcome: RunOutcome::Success,
        has_changes: Some(view.head().has_changes),
        counts: SummaryCounts {
            add: summary.add,
            change: summary.change,
            destroy: summary.destroy,
            import: summary.import,
            ..SummaryCounts::default()
        },
    })?;
    Ok(())
}

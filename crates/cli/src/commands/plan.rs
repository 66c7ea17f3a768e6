//! `plinth plan`: refresh what plinth manages, compare with the configuration, show the plan.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use plinth_apply::{RefreshOptions, refresh_and_plan};
use plinth_state::StateStorage;

use crate::args::PlanArgs;
use crate::commands::planning::{
    check_import_targets, check_selection, load_configuration, plan_options, runtime,
    warn_selection,
};
use crate::commands::state::lock_request;
use crate::planfile::{ConfigDigest, SavedVariables, save_plan};
use crate::progress::Progress;
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
    let options = plan_options(&args.planning)?;
    let refresh = RefreshOptions {
        parallelism: usize::from(args.planning.parallelism),
        refresh: !args.planning.no_refresh,
    };
    let storage = workspace.storage();
    let lock = storage.lock(&lock_request("plan", &args.planning.lock))?;
    let state = storage.load()?;
    check_selection(&config, &state, &options)?;
    warn_selection(&options)?;
    let plan = runtime()?.block_on(async {
        let session = Session::connect(workspace.dir(), config.provider()).await?;
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
        let progress = Progress::new();
        let planned = refresh_and_plan(
            &config,
            &state,
            session.client(),
            &options,
            &refresh,
            &progress.sink(),
        )
        .await;
        progress.finish();
        session.close().await?;
        anyhow::Ok(planned?.0)
    })?;
    drop(lock);

    let view = PlanView::new(&plan, &state);
    let mut stdout = io::BufWriter::new(io::stdout().lock());
    if args.json {
        render::write_json(&mut stdout, &view)?;
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
        if !args.json {
            writeln!(
                stdout,
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
        writeln!(
            stdout,
            "\nplinth has generated configuration and written it to {}. Please review the configuration and edit it as necessary before adding it to version control.",
            path.display()
        )?;
    }
    stdout.flush()?;
    if args.detailed_exitcode && plan.has_changes() {
        return Ok(crate::commands::ExitStatus::Changes.into());
    }
    Ok(ExitCode::SUCCESS)
}

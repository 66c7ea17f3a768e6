//! `plinth plan`: refresh what plinth manages, compare with the configuration, show the plan.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use plinth_apply::{RefreshOptions, refresh_and_plan};
use plinth_state::StateStorage;

use crate::args::PlanArgs;
use crate::commands::planning::{load_configuration, plan_options, runtime};
use crate::commands::state::lock_request;
use crate::planfile::{ConfigDigest, PlanFile};
use crate::render::{self, PlanDocument, RenderOptions};
use crate::session::Session;
use crate::workspace::Workspace;

/// Exit status of `plan --detailed-exitcode` when the plan has changes.
const EXIT_CHANGES: u8 = 2;

pub fn run(workspace: &Workspace, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let config = load_configuration(workspace, &args.planning.vars)?;
    let options = plan_options(&args.planning)?;
    let refresh = RefreshOptions {
        parallelism: usize::from(args.planning.parallelism),
        refresh: !args.planning.no_refresh,
    };
    let storage = workspace.storage();
    let lock = storage.lock(&lock_request("plan", &args.planning.lock))?;
    let state = storage.load()?;
    let plan = runtime()?.block_on(async {
        let session = Session::connect(workspace.dir(), config.provider()).await?;
        let planned = refresh_and_plan(&config, &state, session.client(), &options, &refresh).await;
        session.close().await?;
        anyhow::Ok(planned?.0)
    })?;
    drop(lock);

    let document = PlanDocument::new(&plan, &state);
    let mut stdout = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut stdout, &render::document_json(&document))?;
        writeln!(stdout)?;
    } else {
        let color = console::colors_enabled() && io::stdout().is_terminal();
        write!(
            stdout,
            "{}",
            render::document_text(&document, RenderOptions { color })
        )?;
    }
    if let Some(path) = &args.out {
        let digest = ConfigDigest::of_configuration(
            &config,
            &crate::workspace::load_options(&args.planning.vars),
        );
        PlanFile::new(document, digest, options)
            .save(path)
            .map_err(crate::commands::Hinted::from)?;
        if !args.json {
            writeln!(
                stdout,
                "\nSaved the plan to {}. To carry out exactly these actions, run:\n  plinth apply {}",
                path.display(),
                path.display()
            )?;
        }
    }
    if args.detailed_exitcode && plan.has_changes() {
        return Ok(ExitCode::from(EXIT_CHANGES));
    }
    Ok(ExitCode::SUCCESS)
}

//! `plinth import ADDR ID`: record an existing cloud object in the state under an address of the
//! configuration.

use plinth_core::ResourceAddress;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::args::ImportArgs;
use crate::commands::planning::{load_configuration, runtime};
use crate::commands::state::lock_request;
use crate::session::Session;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let address: ResourceAddress = args.address.parse()?;
    let config = load_configuration(workspace, &args.vars)?;
    let storage = workspace.storage()?;
    let lock = storage.lock(&lock_request("import", &args.lock))?;
    let state = storage.load()?;
    let mut journal = storage.begin(state, &lock)?;
    let imported = runtime()?.block_on(async {
        let session = Session::for_configuration(workspace.dir(), &config).await?;
        // The object is read where the provider configuration of its block lives.
        let alias = config
            .resource(&address.resource())
            .and_then(plinth_config::Resource::provider);
        let client = session.client_of(alias);
        let imported =
            plinth_apply::import(&config, &mut journal, client, &address, &args.id).await;
        session.close().await?;
        anyhow::Ok(imported?)
    });
    // The journal is folded into the state whatever happened, so nothing recorded is lost.
    journal.finish()?;
    let imported = imported?;
    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "{address}: imported {}.\n\nImport successful! The object is now managed by plinth.",
        imported.id.as_deref().unwrap_or(&args.id)
    )?;
    Ok(ExitCode::SUCCESS)
}

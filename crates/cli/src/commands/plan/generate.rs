//! `plan --generate-config-out FILE`: `resource` blocks for the `import` targets that have
//! none, written from the objects as the cloud reports them, then planned with.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use plinth_config::{Configuration, GENERATED_HEADER, generated_resource};

use crate::args::PlanArgs;
use crate::commands::Hinted;
use crate::commands::planning::load_configuration;
use crate::session::Session;
use crate::workspace::Workspace;

/// Refuses a FILE that exists (plinth only writes generated configuration into a new file, as
/// Terraform does) or that the configuration would not load (not a `.hcl` file of the
/// directory).
pub fn check_target(workspace: &Workspace, path: &Path) -> anyhow::Result<()> {
    let in_directory = path
        .parent()
        .is_none_or(|parent| parent.as_os_str().is_empty());
    if !in_directory || path.extension().is_none_or(|e| e != "hcl") {
        return Err(Hinted {
            message: format!(
                "`--generate-config-out {}` must name a `.hcl` file of the configuration's directory",
                path.display()
            ),
            hint: "give a file name such as `generated.hcl`: plinth reads it with the rest of the configuration".to_owned(),
        }
        .into());
    }
    if workspace.dir().join(path).exists() {
        return Err(Hinted {
            message: format!("the file `{}` already exists", path.display()),
            hint: "plinth writes generated configuration only into a new file: choose another name, or move what it holds into the configuration and delete it".to_owned(),
        }
        .into());
    }
    Ok(())
}

/// Reads the objects of the import targets that have no `resource` block, writes a block for
/// each to FILE, and loads the configuration again with it. Writes nothing when every target
/// has a block.
pub async fn write_and_reload(
    workspace: &Workspace,
    args: &PlanArgs,
    path: &Path,
    config: &Configuration,
    session: &Session,
) -> anyhow::Result<Configuration> {
    let keyed: Vec<String> = config
        .imports_without_block()
        .iter()
        .filter(|import| import.to().key().is_some())
        .map(|import| format!("`{}`", import.to()))
        .collect();
    if !keyed.is_empty() {
        return Err(Hinted {
            message: format!("cannot generate configuration for {}: plinth generates blocks only for import targets without a key", keyed.join(", ")),
            hint: "write the `resource` block with its `count` or `for_each` yourself".to_owned(),
        }
        .into());
    }
    let parallelism = usize::from(args.planning.parallelism);
    let objects =
        plinth_apply::read_unconfigured_imports(config, session.client(), parallelism).await?;
    if objects.is_empty() {
        return Ok(config.clone());
    }
    let mut text = GENERATED_HEADER.to_owned();
    for (address, id, attributes) in &objects {
        let block = generated_resource(address, id, attributes)
            .with_context(|| format!("plinth cannot generate configuration for `{address}`"))?;
        text.push('\n');
        text.push_str(&block);
    }
    let full = workspace.dir().join(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&full)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    load_configuration(workspace, &args.planning.vars)
}

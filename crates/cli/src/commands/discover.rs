//! `plinth discover`: the add-ons and plug-ins of the project that no address of this
//! configuration or state manages, written as `resource` blocks with `import` blocks, their
//! values holding only what differs from the template's defaults. A plan of the result imports
//! them and changes nothing.

use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use plinth_cloud::{CatalogueCache, Client, RemoteObject, ResourceType, addon_defaults};
use plinth_config::{Configuration, GENERATED_HEADER, NoValues, format_source, generated_resource};
use plinth_core::registry::{ApiFamily, TypeSpec};
use plinth_core::{AddonApi, Mode, ResourceAddress};
use plinth_planner::differing;
use serde_json::Value as Json;

use crate::args::DiscoverArgs;
use crate::commands::Hinted;
use crate::commands::planning::{load_configuration, runtime};
use crate::session::Session;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &DiscoverArgs) -> anyhow::Result<ExitCode> {
    let config = load_configuration(workspace, &args.vars)?;
    if let Some(out) = &args.out {
        check_out(workspace, out)?;
    }
    let state = workspace.storage()?.load()?;
    let managed = Managed::of(&config, &state)?;
    let found = runtime()?.block_on(async {
        // Discovery looks in the default provider configuration's region and project.
        let session = Session::for_configuration(workspace.dir(), &config).await?;
        let found = discover(session.client(), args).await;
        session.close().await?;
        found
    })?;
    let unmanaged: Vec<Found> = found
        .into_iter()
        .filter(|found| !managed.manages(found))
        .collect();
    let text = render(&config, &unmanaged);
    let addons = unmanaged
        .iter()
        .filter(|f| matches!(f.kind.spec().family, ApiFamily::Addons(_)))
        .count();
    let plugins = unmanaged.len() - addons;
    let mut stderr = std::io::stderr().lock();
    let found_line = format!(
        "found {addons} add-on{} and {plugins} plug-in{} that this configuration does not manage",
        plural(addons),
        plural(plugins),
    );
    if let Some(out) = &args.out {
        let path = workspace.dir().join(out);
        std::fs::write(&path, &text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        writeln!(
            stderr,
            "{found_line}; wrote their blocks and `import` blocks to {}",
            out.display()
        )?;
    } else {
        writeln!(stderr, "{found_line}")?;
        if !unmanaged.is_empty() {
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `--out FILE` must be a new `.hcl` file of the configuration's directory (as
/// `plan --generate-config-out`), so the next plan reads it.
fn check_out(workspace: &Workspace, out: &std::path::Path) -> anyhow::Result<()> {
    let in_directory = out
        .parent()
        .is_none_or(|parent| parent.as_os_str().is_empty());
    if !in_directory || out.extension().is_none_or(|e| e != "hcl") {
        return Err(Hinted {
            message: format!(
                "`--out {}` must name a `.hcl` file of the configuration's directory",
                out.display()
            ),
            hint: "give a file name such as `discovered.hcl`: the next plan reads it with the rest of the configuration".to_owned(),
        }
        .into());
    }
    if workspace.dir().join(out).exists() {
        return Err(Hinted {
            message: format!("the file `{}` already exists", out.display()),
            hint:
                "plinth writes discovered configuration only into a new file: choose another name"
                    .to_owned(),
        }
        .into());
    }
    Ok(())
}

/// One object found in the cloud.
struct Found {
    kind: ResourceType,
    /// Its cluster id or pool name.
    container: String,
    object: RemoteObject,
    /// Its parameters (`values`, `inputs`) that differ from its template version's defaults.
    parameters: Option<Json>,
}

impl Found {
    fn template(&self) -> &str {
        self.kind
            .spec()
            .template
            .and_then(|template| self.object.natural_key.get(template.name))
            .map_or("", String::as_str)
    }

    /// The import id in the type's first form: `<cluster_id>/<addon_id>`, `<pool>/<template>`.
    fn import_id(&self) -> String {
        let spec = self.kind.spec();
        let Some(form) = spec.import_ids.first() else {
            return String::new();
        };
        form.iter()
            .map(|part| {
                if Some(part.attribute) == spec.id {
                    self.object.id.clone().unwrap_or_default()
                } else {
                    self.object
                        .natural_key
                        .get(part.attribute)
                        .cloned()
                        .unwrap_or_default()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Lists the add-ons and plug-ins of the clusters and pools asked for (all of the project's
/// when none is named).
async fn discover(client: &Client, args: &DiscoverArgs) -> anyhow::Result<Vec<Found>> {
    let cache = CatalogueCache::new(client.clone());
    let everything =
        args.clusters.is_empty() && args.autopilot_clusters.is_empty() && args.pools.is_empty();
    let mut scopes: Vec<(ResourceType, Vec<String>)> = Vec::new();
    for (kind, api, named) in [
        (ResourceType::CCE_ADDON, AddonApi::Cce, &args.clusters),
        (
            ResourceType::AUTOPILOT_ADDON,
            AddonApi::Autopilot,
            &args.autopilot_clusters,
        ),
    ] {
        let ids = if everything {
            let clusters = cache.clusters(api).await?;
            clusters
                .items
                .iter()
                .map(|c| c.metadata.uid.clone())
                .collect()
        } else {
            named.clone()
        };
        scopes.push((kind, ids));
    }
    let pools = if everything {
        let pools = cache.pools().await?;
        pools
            .items
            .iter()
            .map(|p| p.metadata.name.clone())
            .collect()
    } else {
        args.pools.clone()
    };
    scopes.push((ResourceType::POOL_PLUGIN, pools));
    let mut found = Vec::new();
    for (kind, containers) in scopes {
        for container in containers {
            let objects = kind
                .list_in(client, &container)
                .await
                .with_context(|| format!("cannot list the {} of `{container}`", noun(kind)))?;
            for object in objects {
                let parameters = parameters(&cache, kind, &object).await?;
                found.push(Found {
                    kind,
                    container: container.clone(),
                    object,
                    parameters,
                });
            }
        }
    }
    Ok(found)
}

fn noun(kind: ResourceType) -> &'static str {
    match kind.spec().family {
        ApiFamily::Addons(_) => "add-ons",
        ApiFamily::PoolPlugins => "plug-ins",
    }
}

/// The object's parameters that differ from its template version's defaults (all of them when
/// the catalogue does not list its version).
async fn parameters(
    cache: &CatalogueCache,
    kind: ResourceType,
    object: &RemoteObject,
) -> anyhow::Result<Option<Json>> {
    let spec = kind.spec();
    let (Some(template), Some(version)) = (spec.template, spec.version) else {
        return Ok(None);
    };
    let attributes = object.attributes.to_value();
    let installed = attributes
        .get(template.parameters)
        .cloned()
        .unwrap_or(Json::Null);
    let name = object
        .natural_key
        .get(template.name)
        .map_or("", String::as_str);
    let running = [version.running, version.wanted]
        .iter()
        .find_map(|key| attributes.get(*key).and_then(Json::as_str))
        .unwrap_or_default()
        .to_owned();
    let defaults: Option<Json> = match spec.family {
        ApiFamily::Addons(api) => cache
            .addon_templates(api)
            .await?
            .items
            .iter()
            .find(|t| t.metadata.name == name)
            .and_then(|t| t.spec.versions.iter().find(|v| v.version == running))
            .and_then(|v| v.input.as_ref())
            .map(addon_defaults),
        ApiFamily::PoolPlugins => cache
            .plugin_templates()
            .await?
            .items
            .iter()
            .find(|t| t.metadata.name == name)
            .and_then(|t| t.spec.versions.iter().find(|v| v.version == running))
            .and_then(|v| v.inputs.clone()),
    };
    Ok(match defaults {
        Some(defaults) => differing(&installed, &defaults),
        None => (!installed.is_null()).then_some(installed),
    })
}

/// What this configuration and its state manage: natural keys and ids.
struct Managed {
    keys: HashSet<(&'static str, plinth_core::NaturalKey)>,
    ids: HashSet<(&'static str, String)>,
}

impl Managed {
    fn of(config: &Configuration, state: &plinth_state::State) -> anyhow::Result<Self> {
        let mut managed = Self {
            keys: HashSet::new(),
            ids: HashSet::new(),
        };
        for (address, record) in state.resources() {
            let Some(kind) = ResourceType::from_type_name(address.type_name()) else {
                continue;
            };
            let name = kind.type_name();
            managed.keys.insert((name, record.natural_key.clone()));
            if let Some(id) = &record.id {
                managed.ids.insert((name, id.clone()));
            }
        }
        // The configuration's instances whose natural key is known without the cloud; what
        // depends on other resources' values is in the state once applied.
        let instances = plinth_config::expand(config, &NoValues)
            .map_err(crate::commands::InvalidConfiguration)?;
        for instance in instances {
            if instance.address.mode() != Mode::Managed {
                continue;
            }
            let Some(kind) = ResourceType::from_type_name(instance.address.type_name()) else {
                continue;
            };
            let key: Option<plinth_core::NaturalKey> = kind
                .natural_key_names()
                .iter()
                .map(|name| {
                    let value = instance.attributes.get(*name)?.as_str()?;
                    Some(((*name).to_owned(), value.to_owned()))
                })
                .collect();
            if let Some(key) = key {
                managed.keys.insert((kind.type_name(), key));
            }
        }
        Ok(managed)
    }

    fn manages(&self, found: &Found) -> bool {
        let name = found.kind.type_name();
        self.keys
            .contains(&(name, found.object.natural_key.clone()))
            || found
                .object
                .id
                .as_ref()
                .is_some_and(|id| self.ids.contains(&(name, id.clone())))
    }
}

/// The file: for each object an `import` block and its `resource` block, named
/// `<template>_<cluster or pool>` (a suffix where that is taken).
fn render(config: &Configuration, found: &[Found]) -> String {
    let mut taken: BTreeSet<(String, String)> = config
        .all_resources()
        .iter()
        .filter(|r| r.mode() == Mode::Managed)
        .map(|r| (r.resource_type().to_owned(), r.name().to_owned()))
        .collect();
    let mut text = String::from(GENERATED_HEADER);
    for found in found {
        let spec: &TypeSpec = found.kind.spec();
        let base = identifier(&format!("{}_{}", found.template(), short(&found.container)));
        let mut name = base.clone();
        let mut n = 2;
        while !taken.insert((spec.name.to_owned(), name.clone())) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let Ok(address) = ResourceAddress::new(Mode::Managed, spec.name, &name) else {
            continue;
        };
        let id = found.import_id();
        let mut attributes = found.object.attributes.to_value();
        if let (Some(template), Some(object)) = (spec.template, attributes.as_object_mut()) {
            match &found.parameters {
                Some(parameters) => {
                    object.insert(template.parameters.to_owned(), parameters.clone());
                }
                None => {
                    object.remove(template.parameters);
                }
            }
        }
        let Some(block) = generated_resource(&address, &id, &attributes) else {
            continue;
        };
        let _ = write!(
            text,
            "\nimport {{\n  to = {address}\n  id = {}\n}}\n\n",
            Json::String(id.clone())
        );
        text.push_str(&block);
    }
    format_source(&text).unwrap_or(text)
}

/// A cluster id's first group (`c0ffee00`), or a pool's name.
fn short(container: &str) -> &str {
    match container.split_once('-') {
        Some((first, _)) if first.len() == 8 && first.chars().all(|c| c.is_ascii_hexdigit()) => {
            first
        }
        _ => container,
    }
}

/// A resource name: letters, digits, `_` and `-`, starting with a letter or `_`.
fn identifier(text: &str) -> String {
    let mut name: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        name.insert(0, '_');
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_identifiers_with_a_short_container() {
        assert_eq!(short("c0ffee00-0000-4000-8000-000000000001"), "c0ffee00");
        assert_eq!(short("pool-a"), "pool-a");
        assert_eq!(identifier("gpu-beta_pool-a"), "gpu-beta_pool-a");
        assert_eq!(identifier("1.x/y"), "_1_x_y");
    }
}

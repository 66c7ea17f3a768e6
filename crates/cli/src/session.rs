//! The cloud a command talks to: the real Huawei Cloud described by the provider blocks and the
//! `HW_*` variables, or the built-in sandbox (emulators started inside this process, one per
//! region the configuration names).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use plinth_apply::Clients;
use plinth_cloud::{Client, ClientSettings, EndpointOverrides};
use plinth_config::ProviderConfig;
use plinth_emulator::{EmulatorOptions, Fixture, RunningEmulator};

/// Where the sandbox keeps its cloud, relative to the configuration's directory.
pub const SANDBOX_DATA: &str = ".plinth/sandbox.json";

/// The environment variable that turns the sandbox on without editing the configuration.
pub const SANDBOX_ENV: &str = "PLINTH_SANDBOX";

/// The connected cloud clients, one per provider configuration, and the sandbox emulators
/// (one per region) when there are some.
pub struct Session {
    client: Client,
    clients: Clients,
    sandboxes: BTreeMap<String, RunningEmulator>,
}

impl Session {
    /// Connects every provider configuration of `config`.
    pub async fn for_configuration(
        dir: &Path,
        config: &plinth_config::Configuration,
    ) -> anyhow::Result<Self> {
        Self::connect(dir, config.provider(), config.aliased_providers()).await
    }

    /// Connects every provider configuration: the default one and the `aliased` ones, each to
    /// its region and project. Must run inside a tokio runtime.
    pub async fn connect(
        dir: &Path,
        provider: Option<&ProviderConfig>,
        aliased: &[ProviderConfig],
    ) -> anyhow::Result<Self> {
        let mut sandboxes = BTreeMap::new();
        let default = ProviderConfig::default();
        let client = connect_one(dir, provider.unwrap_or(&default), &mut sandboxes).await?;
        let mut by_alias = BTreeMap::new();
        for config in aliased {
            let alias = config.alias.clone().unwrap_or_default();
            let aliased_client = connect_one(dir, config, &mut sandboxes)
                .await
                .with_context(|| format!("cannot connect provider `huaweicloud.{alias}`"))?;
            by_alias.insert(alias, aliased_client);
        }
        let clients = Clients::new(client.clone(), by_alias);
        Ok(Self {
            client,
            clients,
            sandboxes,
        })
    }

    /// The clients of every provider configuration, each resource of `config` and record of
    /// `state` assigned to its own. A record managed by a provider configuration that the
    /// configuration no longer declares is an error: reading or deleting it through another
    /// region's client would lose track of it.
    pub fn clients(
        &self,
        config: &plinth_config::Configuration,
        state: &plinth_state::State,
    ) -> anyhow::Result<Clients> {
        for (address, record) in state.resources() {
            if let Some(alias) = &record.provider
                && self.clients.client_for_alias(alias).is_none()
            {
                return Err(crate::commands::Hinted {
                    message: format!(
                        "`{address}` is managed by provider configuration `huaweicloud.{alias}`, \
                         which the configuration does not declare"
                    ),
                    hint: format!(
                        "keep (or restore) the `provider \"huaweicloud\" {{ alias = \"{alias}\" ... }}` \
                         block until the resources it manages are destroyed or moved"
                    ),
                }
                .into());
            }
        }
        Ok(self.clients.clone().assign(config, state))
    }

    /// The client of the provider configuration named `alias` (`None`: the default one).
    pub fn client_of(&self, alias: Option<&str>) -> &Client {
        match alias {
            Some(alias) => self.clients.client_for_alias(alias).unwrap_or(&self.client),
            None => &self.client,
        }
    }
}

/// The sandbox's cloud file for `region`: the first region keeps the historical name.
fn sandbox_data(dir: &Path, region: &str, first: bool) -> PathBuf {
    if first {
        dir.join(SANDBOX_DATA)
    } else {
        dir.join(format!(".plinth/sandbox-{region}.json"))
    }
}

/// Connects one provider configuration, starting (or sharing) the sandbox of its region.
async fn connect_one(
    dir: &Path,
    provider: &ProviderConfig,
    sandboxes: &mut BTreeMap<String, RunningEmulator>,
) -> anyhow::Result<Client> {
    let first = sandboxes.is_empty();
    let mut settings = client_settings(provider);
    let in_sandbox = provider.sandbox || sandbox_from_environment();
    if in_sandbox {
        let region = provider
            .region
            .clone()
            .unwrap_or_else(|| Fixture::default().region);
        if !sandboxes.contains_key(&region) {
            let data = sandbox_data(dir, &region, first);
            let mut options = EmulatorOptions::sandbox(data);
            options.fixture.region.clone_from(&region);
            let emulator = plinth_emulator::start(options)
                .await
                .with_context(|| format!("cannot start the sandbox of region `{region}`"))?;
            sandboxes.insert(region.clone(), emulator);
        }
        let emulator = &sandboxes[&region];
        let url = emulator.base_url();
        settings = ClientSettings {
            region: Some(emulator.fixture().region.clone()),
            access_key: Some(plinth_emulator::SANDBOX_ACCESS_KEY.to_owned()),
            secret_key: Some(plinth_emulator::SANDBOX_SECRET_KEY.to_owned()),
            endpoints: EndpointOverrides {
                modelarts: Some(url.clone()),
                cce: Some(url.clone()),
                iam: Some(url),
            },
            // The block's time limits still bound every call to the sandbox.
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
            ..ClientSettings::default()
        };
    }
    // The sandbox's settings are complete, so the environment cannot leak into them.
    let resolved = if in_sandbox {
        settings.resolve(|_| None)?
    } else {
        settings.resolve(|name| std::env::var(name).ok())?
    };
    Ok(Client::new(resolved)?)
}

impl Session {
    /// The default provider configuration's client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Stops the sandboxes, if any, after saving their clouds.
    pub async fn close(self) -> anyhow::Result<()> {
        for (region, emulator) in self.sandboxes {
            emulator
                .shutdown()
                .await
                .with_context(|| format!("cannot save the sandbox's cloud of region `{region}`"))?;
        }
        Ok(())
    }
}

fn sandbox_from_environment() -> bool {
    std::env::var(SANDBOX_ENV).is_ok_and(|value| !matches!(value.as_str(), "" | "0" | "false"))
}

/// The provider block as client settings; what it leaves out comes from the environment later.
fn client_settings(provider: &ProviderConfig) -> ClientSettings {
    ClientSettings {
        region: provider.region.clone(),
        project_id: provider.project_id.clone(),
        access_key: provider.access_key.clone(),
        secret_key: provider.secret_key.clone(),
        security_token: provider.security_token.clone(),
        cloud: provider.cloud.clone(),
        endpoints: EndpointOverrides {
            modelarts: provider.endpoints.modelarts.clone(),
            cce: provider.endpoints.cce.clone(),
            iam: provider.endpoints.iam.clone(),
        },
        connect_timeout: provider.connect_timeout,
        request_timeout: provider.request_timeout,
        ..ClientSettings::default()
    }
}

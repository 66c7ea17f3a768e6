//! The cloud a command talks to: the real Huawei Cloud described by the provider block and the
//! `HW_*` variables, or the built-in sandbox (an emulator started inside this process).

use std::path::Path;

use anyhow::Context;
use plinth_cloud::{Client, ClientSettings, EndpointOverrides};
use plinth_config::ProviderConfig;
use plinth_emulator::{EmulatorOptions, RunningEmulator};

/// Where the sandbox keeps its cloud, relative to the configuration's directory.
pub const SANDBOX_DATA: &str = ".plinth/sandbox.json";

/// The environment variable that turns the sandbox on without editing the configuration.
pub const SANDBOX_ENV: &str = "PLINTH_SANDBOX";

/// A connected cloud client, and the sandbox emulator when there is one.
pub struct Session {
    client: Client,
    sandbox: Option<RunningEmulator>,
}

impl Session {
    /// Connects as the provider block says. Must run inside a tokio runtime.
    pub async fn connect(dir: &Path, provider: Option<&ProviderConfig>) -> anyhow::Result<Self> {
        let default = ProviderConfig::default();
        let provider = provider.unwrap_or(&default);
        let mut settings = client_settings(provider);
        let sandbox = if provider.sandbox || sandbox_from_environment() {
            let data = dir.join(SANDBOX_DATA);
            let emulator = plinth_emulator::start(EmulatorOptions::sandbox(data))
                .await
                .context("cannot start the sandbox")?;
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
            Some(emulator)
        } else {
            None
        };
        // The sandbox's settings are complete, so the environment cannot leak into them.
        let resolved = if sandbox.is_some() {
            settings.resolve(|_| None)?
        } else {
            settings.resolve(|name| std::env::var(name).ok())?
        };
        let client = Client::new(resolved)?;
        Ok(Self { client, sandbox })
    }

    /// The cloud client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Stops the sandbox, if any, after saving its cloud.
    pub async fn close(self) -> anyhow::Result<()> {
        if let Some(emulator) = self.sandbox {
            emulator
                .shutdown()
                .await
                .context("cannot save the sandbox's cloud")?;
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

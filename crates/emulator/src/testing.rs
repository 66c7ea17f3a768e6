//! An emulator and a client of it, set up the one way the tests of every crate want them: the
//! emulator on 127.0.0.1, the client's every endpoint pointed at it, retries and waits fast.
//! For tests (`features = ["testing"]`); not a stable API.

// A test fixture that cannot start should stop the test where it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use plinth_cloud::{
    Client, ClientSettings, EndpointOverrides, ResolvedSettings, RetryPolicy, WaitOptions,
};

use crate::{EmulatorOptions, RunningEmulator, start};

/// The credentials a [`TestCloud`]'s client signs with when the emulator checks none.
const UNCHECKED_CREDENTIALS: (&str, &str) = ("AK", "SK");

/// An emulator on 127.0.0.1 and a client of it.
pub struct TestCloud {
    /// The emulator.
    pub emulator: RunningEmulator,
    /// A client of the emulator, made with [`client_settings`] and the credentials the emulator
    /// checks (placeholders when it checks none).
    pub client: Client,
}

impl TestCloud {
    /// Starts an emulator with `options` and makes a client of it; panics if it cannot start.
    pub async fn start(options: EmulatorOptions) -> Self {
        let credentials = options.credentials.clone();
        let emulator = start(options).await.expect("the emulator starts");
        let (access_key, secret_key) = credentials
            .as_ref()
            .map_or(UNCHECKED_CREDENTIALS, |(ak, sk)| (ak.as_str(), sk.as_str()));
        let client = Client::new(client_settings(&emulator, access_key, secret_key)).unwrap();
        Self { emulator, client }
    }
}

/// Settings of a client of `emulator` that signs with these credentials: every endpoint is the
/// emulator, the project id is its fixture's (set it to `None` to have the client ask IAM),
/// retries and waits are fast, and a wait gives up after 30 seconds.
pub fn client_settings(
    emulator: &RunningEmulator,
    access_key: &str,
    secret_key: &str,
) -> ResolvedSettings {
    let base = emulator.base_url();
    let mut settings = ClientSettings {
        region: Some("cn-north-4".to_owned()),
        project_id: Some(emulator.fixture().project_id),
        access_key: Some(access_key.to_owned()),
        secret_key: Some(secret_key.to_owned()),
        endpoints: EndpointOverrides {
            modelarts: Some(base.clone()),
            cce: Some(base.clone()),
            iam: Some(base),
        },
        ..ClientSettings::default()
    }
    .resolve(|_| None)
    .unwrap();
    settings.wait = WaitOptions {
        first_poll: Duration::from_millis(10),
        fraction: 0.1,
        max_interval: Duration::from_millis(50),
        timeout: Duration::from_secs(30),
    };
    settings.retry = RetryPolicy {
        max_retries: 8,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(50),
        max_retry_after: Duration::from_millis(20),
    };
    settings
}

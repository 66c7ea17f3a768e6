//! Integration tests of refresh, apply and import against the real emulator on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod adopt;
mod concurrency;
mod crash;
mod failure;
mod lifecycle;
mod listing;
mod refresh;
mod scale;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use plinth_apply::{
    ApplyEvent, ApplyOptions, ApplyReport, EventSink, RefreshOptions, apply, no_events,
    refresh_and_plan,
};
use plinth_cloud::Client;
use plinth_config::{Configuration, SourceFile, Sources, load_sources};
use plinth_emulator::testing::TestCloud;
use plinth_emulator::{EmulatorOptions, RunningEmulator};
use plinth_planner::{Plan, PlanOptions};
use plinth_state::{LocalStorage, LockRequest, State, StateStorage};

pub(crate) const CLUSTER: &str = "c0ffee00-0000-4000-8000-000000000001";
pub(crate) const CLUSTER_2: &str = "c0ffee00-0000-4000-8000-000000000002";
pub(crate) const AUTOPILOT: &str = "a1b2c3d4-0000-4000-8000-000000000001";

/// An emulator, a client pointed at it, and a state file in a temporary directory.
pub(crate) struct Cloud {
    pub(crate) emulator: RunningEmulator,
    pub(crate) client: Client,
    pub(crate) dir: tempfile::TempDir,
}

pub(crate) async fn cloud(op: Duration) -> Cloud {
    cloud_with(EmulatorOptions {
        op_duration: op,
        ..EmulatorOptions::default()
    })
    .await
}

pub(crate) async fn cloud_with(options: EmulatorOptions) -> Cloud {
    let TestCloud { emulator, client } = TestCloud::start(options).await;
    Cloud {
        emulator,
        client,
        dir: tempfile::tempdir().unwrap(),
    }
}

pub(crate) fn config(text: &str) -> Configuration {
    load_sources(Sources {
        files: vec![SourceFile::new("main.hcl", text)],
        ..Sources::default()
    })
    .unwrap_or_else(|diagnostics| panic!("{diagnostics}"))
}

/// Collects every event of an apply.
#[derive(Clone, Default)]
pub(crate) struct Events(pub Arc<Mutex<Vec<(std::time::Instant, ApplyEvent)>>>);

impl Events {
    pub(crate) fn sink(&self) -> EventSink {
        let events = Arc::clone(&self.0);
        Arc::new(move |event| {
            events
                .lock()
                .unwrap()
                .push((std::time::Instant::now(), event));
        })
    }

    pub(crate) fn all(&self) -> Vec<(std::time::Instant, ApplyEvent)> {
        self.0.lock().unwrap().clone()
    }
}

impl Cloud {
    pub(crate) fn storage(&self) -> LocalStorage {
        LocalStorage::new(self.dir.path().join("plinth.state.json"))
    }

    pub(crate) fn state(&self) -> State {
        self.storage().load().unwrap()
    }

    /// Refresh and plan against the saved state.
    pub(crate) async fn plan(&self, config: &Configuration, options: &PlanOptions) -> Plan {
        let state = self.state();
        refresh_and_plan(
            config,
            &state,
            &self.client,
            options,
            &RefreshOptions::default(),
            &plinth_apply::no_events(),
        )
        .await
        .unwrap()
        .0
    }

    /// The whole `plinth apply`: lock, refresh and plan, apply, save.
    pub(crate) async fn apply(
        &self,
        config: &Configuration,
        options: &PlanOptions,
    ) -> (Plan, ApplyReport) {
        self.apply_with(config, options, &ApplyOptions::default(), no_events())
            .await
    }

    pub(crate) async fn apply_with(
        &self,
        config: &Configuration,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        events: EventSink,
    ) -> (Plan, ApplyReport) {
        self.apply_refreshing(
            config,
            plan_options,
            options,
            events,
            &RefreshOptions::default(),
        )
        .await
    }

    /// `plinth apply --no-refresh`: planned from the state alone, without the catalogue checks,
    /// so what the catalogue would refuse reaches the cloud.
    pub(crate) async fn apply_without_refresh(
        &self,
        config: &Configuration,
        plan_options: &PlanOptions,
    ) -> (Plan, ApplyReport) {
        let refresh = RefreshOptions {
            refresh: false,
            ..RefreshOptions::default()
        };
        self.apply_refreshing(
            config,
            plan_options,
            &ApplyOptions::default(),
            no_events(),
            &refresh,
        )
        .await
    }

    async fn apply_refreshing(
        &self,
        config: &Configuration,
        plan_options: &PlanOptions,
        options: &ApplyOptions,
        events: EventSink,
        refresh: &RefreshOptions,
    ) -> (Plan, ApplyReport) {
        let storage = self.storage();
        let lock = storage
            .lock(&LockRequest {
                operation: "apply".to_owned(),
                timeout: Duration::ZERO,
            })
            .unwrap();
        let state = storage.load().unwrap();
        let (plan, _) = refresh_and_plan(
            config,
            &state,
            &self.client,
            plan_options,
            refresh,
            &plinth_apply::no_events(),
        )
        .await
        .unwrap();
        let mut journal = storage.begin(state, &lock).unwrap();
        let report = apply(&plan, config, &self.client, &mut journal, options, events)
            .await
            .unwrap();
        journal.finish().unwrap();
        (plan, report)
    }
}

/// The report's failures, readable in an assertion message.
pub(crate) fn failures(report: &ApplyReport) -> String {
    report
        .failed
        .iter()
        .map(|f| format!("{} {}: {}", f.operation, f.address, f.error))
        .collect::<Vec<_>>()
        .join("\n")
}

/// An event sink that drops everything.
pub(crate) fn no_events_sink() -> EventSink {
    no_events()
}

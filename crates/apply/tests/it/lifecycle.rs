//! Each resource type through its whole life: create, no-op, upgrade, values change, replace,
//! destroy, with the state and the emulator compared at each step.

use plinth_core::ResourceAddress;
use std::time::Duration;

use plinth_cloud::ResourceType;
use plinth_planner::{Action, PlanOptions};

use serde_json::{Value as Json, json};

use crate::{AUTOPILOT, CLUSTER, CLUSTER_2, Cloud, cloud, config, failures};

/// Where an object lives and what it is.
#[derive(Clone, Copy)]
struct Placement {
    container: &'static str,
    template: &'static str,
    version: &'static str,
}

struct LifeCycle {
    kind: ResourceType,
    container_attribute: &'static str,
    values_attribute: &'static str,
    first: Placement,
    upgraded_version: &'static str,
    replaced: Placement,
    /// Values of the first apply: they set a parameter the later configurations drop.
    first_values: &'static str,
    /// The parameter dropped: its value at first, then its template default.
    dropped: (&'static str, Json, Json),
    /// Values of the values change, and the parameter it changes.
    changed_values: &'static str,
    changed: (&'static str, Json),
    /// A template default the user never writes.
    default: (&'static str, Json),
}

impl LifeCycle {
    fn address(&self) -> ResourceAddress {
        format!("{}.it", self.kind.type_name()).parse().unwrap()
    }

    fn hcl(&self, at: Placement, values: &str) -> plinth_config::Configuration {
        config(&format!(
            "resource \"{}\" \"it\" {{\n  {} = \"{}\"\n  template_name = \"{}\"\n  version = \"{}\"\n  {} = {}\n}}\n",
            self.kind.type_name(),
            self.container_attribute,
            at.container,
            at.template,
            at.version,
            self.values_attribute,
            values,
        ))
    }

    /// The object in the emulator, read through the API.
    async fn remote(&self, cloud: &Cloud, at: Placement) -> Option<plinth_cloud::RemoteObject> {
        let key = plinth_core::NaturalKey::from_iter([
            (self.container_attribute.to_owned(), at.container.to_owned()),
            ("template_name".to_owned(), at.template.to_owned()),
        ]);
        self.kind
            .find_by_natural_key(&cloud.client, &key)
            .await
            .unwrap()
    }

    /// The state and the emulator agree, and the object is ready at `at`.
    async fn check(&self, cloud: &Cloud, at: Placement) -> Json {
        let state = cloud.state();
        assert_eq!(state.resources().len(), 1, "{:?}", state.resources());
        let recorded = state.resource(&self.address()).unwrap();
        assert!(recorded.pending.is_none());
        let remote = self.remote(cloud, at).await.expect("the object exists");
        assert_eq!(remote.progress, plinth_cloud::Progress::Done, "{remote:?}");
        assert_eq!(recorded.id, remote.id);
        assert_eq!(recorded.attributes.to_value()["version"], json!(at.version));
        assert_eq!(remote.attributes.to_value()["version"], json!(at.version));
        assert_eq!(
            recorded.attributes.to_value()[self.values_attribute],
            remote.attributes.to_value()[self.values_attribute]
        );
        let snapshot = cloud.emulator.snapshot();
        assert_eq!(
            snapshot.addons.len() + snapshot.plugins.len(),
            1,
            "{snapshot:?}"
        );
        remote.attributes.to_value()[self.values_attribute].clone()
    }

    async fn no_changes(&self, cloud: &Cloud, configuration: &plinth_config::Configuration) {
        let plan = cloud.plan(configuration, &PlanOptions::default()).await;
        assert!(
            !plan.has_changes(),
            "a plan after apply has changes: {:?}",
            plan.changes()
        );
    }

    async fn run(self) {
        let cloud = cloud(Duration::from_millis(60)).await;
        let apply = |configuration: plinth_config::Configuration, options: PlanOptions| {
            let cloud = &cloud;
            async move {
                let (plan, report) = cloud.apply(&configuration, &options).await;
                assert!(report.is_success(), "{}", failures(&report));
                (plan, report, configuration)
            }
        };
        let pointer = |values: &Json, at: &str| values.pointer(at).cloned();

        // Create: the server fills template defaults, which are not a difference afterwards.
        let (plan, report, v1) = apply(
            self.hcl(self.first, self.first_values),
            PlanOptions::default(),
        )
        .await;
        assert_eq!(plan.changes()[0].action, Action::Create);
        assert_eq!(report.summary().added, 1);
        let values = self.check(&cloud, self.first).await;
        assert_eq!(
            pointer(&values, self.dropped.0),
            Some(self.dropped.1.clone())
        );
        assert_eq!(
            pointer(&values, self.default.0),
            Some(self.default.1.clone())
        );
        self.no_changes(&cloud, &v1).await;

        // Upgrade, no longer writing the parameter: it returns to the template default.
        let upgraded = Placement {
            version: self.upgraded_version,
            ..self.first
        };
        let (plan, report, v2) = apply(self.hcl(upgraded, "{}"), PlanOptions::default()).await;
        assert_eq!(plan.changes()[0].action, Action::Update);
        assert_eq!(report.summary().changed, 1);
        let values = self.check(&cloud, upgraded).await;
        assert_eq!(
            pointer(&values, self.dropped.0),
            Some(self.dropped.2.clone())
        );
        self.no_changes(&cloud, &v2).await;

        // A change of values: the new one is set, the dropped one stays at its default.
        let (plan, _, v3) = apply(
            self.hcl(upgraded, self.changed_values),
            PlanOptions::default(),
        )
        .await;
        assert_eq!(plan.changes()[0].action, Action::Update);
        let values = self.check(&cloud, upgraded).await;
        assert_eq!(
            pointer(&values, self.changed.0),
            Some(self.changed.1.clone())
        );
        assert_eq!(
            pointer(&values, self.dropped.0),
            Some(self.dropped.2.clone())
        );
        self.no_changes(&cloud, &v3).await;

        // Replace: the old object goes, a new one is installed once.
        let (plan, report, v4) = apply(
            self.hcl(self.replaced, self.changed_values),
            PlanOptions::default(),
        )
        .await;
        assert!(matches!(plan.changes()[0].action, Action::Replace { .. }));
        assert_eq!((report.summary().added, report.summary().destroyed), (1, 1));
        self.check(&cloud, self.replaced).await;
        assert!(self.remote(&cloud, upgraded).await.is_none());
        self.no_changes(&cloud, &v4).await;

        // Destroy.
        let (plan, report, _) = apply(
            self.hcl(self.replaced, self.changed_values),
            PlanOptions {
                destroy: true,
                ..PlanOptions::default()
            },
        )
        .await;
        assert_eq!(plan.summary().destroy, 1);
        assert_eq!(report.summary().destroyed, 1);
        assert!(cloud.state().resources().is_empty());
        let snapshot = cloud.emulator.snapshot();
        assert!(snapshot.addons.is_empty() && snapshot.plugins.is_empty());
        // Every object was installed exactly once.
        assert!(snapshot.installs.values().all(|n| *n == 1), "{snapshot:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cce_addon_life_cycle() {
    LifeCycle {
        kind: ResourceType::CCE_ADDON,
        container_attribute: "cluster_id",
        values_attribute: "values",
        first: Placement {
            container: CLUSTER,
            template: "coredns",
            version: "1.28.6",
        },
        upgraded_version: "1.29.4",
        replaced: Placement {
            container: CLUSTER_2,
            template: "coredns",
            version: "1.29.4",
        },
        first_values: "{ custom = { multiAZEnabled = true } }",
        dropped: ("/custom/multiAZEnabled", json!(true), json!(false)),
        changed_values: "{ custom = { multiAZBalance = true } }",
        changed: ("/custom/multiAZBalance", json!(true)),
        default: ("/flavor/replicas", json!(2)),
    }
    .run()
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autopilot_addon_life_cycle() {
    LifeCycle {
        kind: ResourceType::AUTOPILOT_ADDON,
        container_attribute: "cluster_id",
        values_attribute: "values",
        first: Placement {
            container: AUTOPILOT,
            template: "coredns",
            version: "1.28.6",
        },
        upgraded_version: "1.30.6",
        replaced: Placement {
            container: AUTOPILOT,
            template: "metrics-server",
            version: "1.3.68",
        },
        first_values: "{ custom = { multiAZEnabled = true } }",
        dropped: ("/custom/multiAZEnabled", json!(true), json!(false)),
        changed_values: "{ custom = { multiAZBalance = true } }",
        changed: ("/custom/multiAZBalance", json!(true)),
        default: ("/basic/swr_user", json!("autopilot-official")),
    }
    .run()
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_plugin_life_cycle() {
    LifeCycle {
        kind: ResourceType::POOL_PLUGIN,
        container_attribute: "pool_name",
        values_attribute: "inputs",
        first: Placement {
            container: "pool-a",
            template: "gpu-beta",
            version: "1.2.15",
        },
        upgraded_version: "1.2.21",
        replaced: Placement {
            container: "pool-b",
            template: "gpu-beta",
            version: "1.2.21",
        },
        first_values: "{ custom = { compatible_with_legacy_api = true } }",
        dropped: (
            "/custom/compatible_with_legacy_api",
            json!(true),
            json!(false),
        ),
        changed_values: "{ custom = { enable_simple_lib_mount = false } }",
        changed: ("/custom/enable_simple_lib_mount", json!(false)),
        default: ("/driver/nvidia/driverVersion", json!("535.54.03")),
    }
    .run()
    .await;
}

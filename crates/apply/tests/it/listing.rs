//! A refresh reads by listing: one list call per cluster and pool, shared by every read and
//! natural-key lookup in it, with the same plan as one read per resource; waits in one cluster
//! share its polls; a throttled apply converges without a storm of 429s. Asserted with the
//! emulator's own request counts.

use std::fmt::Write as _;
use std::time::Duration;

use plinth_apply::{RefreshBy, RefreshOptions, refresh_and_plan};
use plinth_cloud::{AddonApi, ResourceType};
use plinth_emulator::{EmulatorOptions, RequestCounts};
use plinth_planner::{Plan, PlanOptions};
use serde_json::json;

use crate::{AUTOPILOT, CLUSTER, CLUSTER_2, Cloud, cloud, cloud_with, config, failures};

const LIST_CCE: &str = "GET /api/v3/addons";
const GET_CCE: &str = "GET /api/v3/addons/{id}";
const LIST_AUTOPILOT: &str = "GET /autopilot/v3/addons";
const GET_AUTOPILOT: &str = "GET /autopilot/v3/addons/{id}";
const LIST_PLUGINS: &str = "GET /v2/{project_id}/pools/{pool_name}/plugins";

/// Several add-ons in each of the fixture's three clusters and plug-ins in its two pools: five
/// lists answer for all twelve.
fn several_per_cluster() -> plinth_config::Configuration {
    config(&several_per_cluster_text())
}

fn several_per_cluster_text() -> String {
    format!(
        r#"
        locals {{
          cce = {{ "coredns" = "1.28.6", "everest" = "2.4.107", "npd" = "1.19.20", "log-agent" = "1.5.2" }}
          second = {{ "coredns" = "1.28.6", "volcano" = "1.16.7" }}
          autopilot = {{ "coredns" = "1.30.6", "metrics-server" = "1.3.68", "log-agent" = "1.5.2" }}
          plugins = {{ "gpu-beta" = "1.2.15", "log-agent" = "1.5.2" }}
        }}
        resource "huaweicloud_cce_addon" "one" {{
          for_each      = local.cce
          cluster_id    = "{CLUSTER}"
          template_name = each.key
          version       = each.value
        }}
        resource "huaweicloud_cce_addon" "two" {{
          for_each      = local.second
          cluster_id    = "{CLUSTER_2}"
          template_name = each.key
          version       = each.value
        }}
        resource "huaweicloud_cce_autopilot_addon" "ap" {{
          for_each      = local.autopilot
          cluster_id    = "{AUTOPILOT}"
          template_name = each.key
          version       = each.value
        }}
        resource "huaweicloud_modelarts_pool_plugin" "a" {{
          for_each      = local.plugins
          pool_name     = "pool-a"
          template_name = each.key
          version       = each.value
        }}
        resource "huaweicloud_modelarts_pool_plugin" "b" {{
          pool_name     = "pool-b"
          template_name = "gpu-beta"
          version       = "1.2.15"
        }}
        "#
    )
}

/// The requests the emulator answered since `before`, by route.
fn since(cloud: &Cloud, before: &RequestCounts) -> Calls {
    let after = cloud.emulator.requests();
    Calls {
        total: after.total - before.total,
        route: |counts: &RequestCounts, route: &str| counts.route(route),
        before: before.clone(),
        after,
    }
}

struct Calls {
    total: u64,
    route: fn(&RequestCounts, &str) -> u64,
    before: RequestCounts,
    after: RequestCounts,
}

impl Calls {
    fn of(&self, route: &str) -> u64 {
        (self.route)(&self.after, route) - (self.route)(&self.before, route)
    }
}

async fn refresh(
    cloud: &Cloud,
    configuration: &plinth_config::Configuration,
    by: RefreshBy,
) -> Plan {
    refresh_and_plan(
        configuration,
        &cloud.state(),
        &cloud.client,
        &PlanOptions::default(),
        &RefreshOptions {
            by,
            ..RefreshOptions::default()
        },
        &plinth_apply::no_events(),
    )
    .await
    .unwrap()
    .0
}

/// What a plan does, address by address, comparable between two refreshes.
fn summary(plan: &Plan) -> Vec<String> {
    plan.changes()
        .iter()
        .map(|change| {
            let changes: Vec<String> = change
                .changes
                .iter()
                .map(|c| format!("{:?} {:?} drift={}", c.path, c.before, c.drift))
                .collect();
            format!(
                "{} {:?} {:?} id={:?} {changes:?}",
                change.address, change.action, change.reasons, change.id
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_op_refresh_lists_each_cluster_and_pool_once() {
    let cloud = cloud(Duration::ZERO).await;
    let configuration = several_per_cluster();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.state().resources().len(), 12);

    let before = cloud.emulator.requests();
    let listed = refresh(&cloud, &configuration, RefreshBy::List).await;
    let calls = since(&cloud, &before);
    assert!(!listed.has_changes(), "{:?}", summary(&listed));
    // K = 5 (two CCE clusters, one Autopilot cluster, two pools): one list each, nothing else.
    assert_eq!(calls.of(LIST_CCE), 2);
    assert_eq!(calls.of(LIST_AUTOPILOT), 1);
    assert_eq!(calls.of(LIST_PLUGINS), 2);
    assert_eq!(calls.of(GET_CCE) + calls.of(GET_AUTOPILOT), 0);
    assert_eq!(calls.total, 5, "{:?}", calls.after.by_route);

    // One read per resource still works, makes a call each, and plans the same.
    let before = cloud.emulator.requests();
    let read = refresh(&cloud, &configuration, RefreshBy::Read).await;
    let calls = since(&cloud, &before);
    assert_eq!(calls.total, 12);
    assert_eq!(summary(&listed), summary(&read));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn natural_key_lookups_in_a_listed_cluster_add_no_call() {
    let cloud = cloud(Duration::ZERO).await;
    let (_, report) = cloud
        .apply(&several_per_cluster(), &PlanOptions::default())
        .await;
    assert!(report.is_success(), "{}", failures(&report));
    // Installed outside plinth in a cluster the state knows: the plan looks it up and adopts it.
    ResourceType::CCE_ADDON
        .create(
            &cloud.client,
            &json!({"cluster_id": CLUSTER, "template_name": "volcano", "version": "1.16.7", "values": {}}),
        )
        .await
        .unwrap();
    let with_lookups = config(&format!(
        r#"{}
        resource "huaweicloud_cce_addon" "adopted" {{
          cluster_id    = "{CLUSTER}"
          template_name = "volcano"
          version       = "1.16.7"
        }}
        resource "huaweicloud_cce_addon" "new" {{
          cluster_id    = "{CLUSTER}"
          template_name = "metrics-server"
          version       = "1.3.68"
        }}
        resource "huaweicloud_modelarts_pool_plugin" "new" {{
          pool_name     = "pool-b"
          template_name = "log-agent"
          version       = "1.5.2"
        }}
        "#,
        several_per_cluster_text()
    ));
    let before = cloud.emulator.requests();
    let listed = refresh(&cloud, &with_lookups, RefreshBy::List).await;
    let calls = since(&cloud, &before);
    // Three lookups, in a CCE cluster and a pool whose lists the refresh already has: the
    // calls beyond the five lists are the template checks' catalogue reads (the templates and
    // clusters or pools of the two families that get an install), one each.
    let catalogue = [
        "GET /api/v3/addontemplates",
        "GET /api/v3/projects/{project_id}/clusters",
        "GET /v2/{project_id}/plugintemplates",
        "GET /v2/{project_id}/pools",
    ];
    for route in catalogue {
        assert_eq!(calls.of(route), 1, "{route}: {:?}", calls.after.by_route);
    }
    assert_eq!(calls.total, 5 + 4, "{:?}", calls.after.by_route);
    let read = refresh(&cloud, &with_lookups, RefreshBy::Read).await;
    assert_eq!(summary(&listed), summary(&read));
    let adopted = listed
        .change(&"huaweicloud_cce_addon.adopted".parse().unwrap())
        .unwrap();
    assert!(
        matches!(adopted.action, plinth_planner::Action::Import { .. }),
        "{:?}",
        summary(&listed)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listing_plans_as_reading_does_with_drift_deletions_re_creations_and_deletes_in_progress() {
    let cloud = cloud(Duration::from_millis(300)).await;
    let configuration = several_per_cluster();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let state = cloud.state();
    let recorded = |address: &str| {
        let resource = state.resource(&address.parse().unwrap()).unwrap();
        plinth_cloud::ObjectRef {
            id: resource.id.clone(),
            natural_key: resource.natural_key.clone(),
        }
    };
    let client = &cloud.client;
    let cce = ResourceType::CCE_ADDON;
    let settings = client.settings().wait;
    let progress = &plinth_cloud::no_progress;

    // Drift: npd upgraded outside.
    let npd = recorded(r#"huaweicloud_cce_addon.one["npd"]"#);
    let current = cce.read(client, &npd).await.unwrap().unwrap();
    let mut desired = current.attributes.to_value();
    desired["version"] = json!("1.19.1");
    cce.update(client, &current, &desired).await.unwrap();
    let upgraded = plinth_cloud::WaitTarget::ReadyAt {
        version: "1.19.1".to_owned(),
        attribute: "current_version",
    };
    cce.wait(client, &npd, upgraded, &settings, progress)
        .await
        .unwrap();
    // Deleted outside: log-agent of the first cluster.
    let logs = recorded(r#"huaweicloud_cce_addon.one["log-agent"]"#);
    cce.delete(client, &logs).await.unwrap();
    cce.wait(
        client,
        &logs,
        plinth_cloud::WaitTarget::Gone,
        &settings,
        progress,
    )
    .await
    .unwrap();
    // Re-created outside under a new id: volcano of the second cluster.
    let volcano = recorded(r#"huaweicloud_cce_addon.two["volcano"]"#);
    cce.delete(client, &volcano).await.unwrap();
    cce.wait(
        client,
        &volcano,
        plinth_cloud::WaitTarget::Gone,
        &settings,
        progress,
    )
    .await
    .unwrap();
    let again = cce
        .create(
            client,
            &json!({"cluster_id": CLUSTER_2, "template_name": "volcano", "version": "1.16.7", "values": {}}),
        )
        .await
        .unwrap();
    cce.wait(
        client,
        &again.object_ref(),
        plinth_cloud::WaitTarget::Ready,
        &settings,
        progress,
    )
    .await
    .unwrap();
    // Being deleted while the refresh reads: the Autopilot log-agent.
    let ap_logs = recorded(r#"huaweicloud_cce_autopilot_addon.ap["log-agent"]"#);
    client
        .delete_addon(
            AddonApi::Autopilot,
            Some(AUTOPILOT),
            ap_logs.id.as_deref().unwrap(),
        )
        .await
        .unwrap();

    let before = cloud.emulator.requests();
    let listed = refresh(&cloud, &configuration, RefreshBy::List).await;
    let calls = since(&cloud, &before);
    let read = refresh(&cloud, &configuration, RefreshBy::Read).await;
    assert_eq!(summary(&listed), summary(&read));
    let text = summary(&listed).join("\n");
    assert!(
        text.contains(r#"huaweicloud_cce_addon.one["npd"] Update"#),
        "{text}"
    );
    assert!(
        text.contains(r#"huaweicloud_cce_addon.one["log-agent"] Create [DeletedOutside]"#),
        "{text}"
    );
    assert!(text.contains("ReplacedOutside"), "{text}");
    assert!(
        text.contains(r#"huaweicloud_cce_autopilot_addon.ap["log-agent"] Create [DeletedOutside]"#),
        "{text}"
    );
    // One list per CCE cluster; a read by id only for the two ids their lists do not hold.
    assert_eq!(calls.of(LIST_CCE), 2, "{:?}", calls.after.by_route);
    assert_eq!(calls.of(GET_CCE), 2, "{:?}", calls.after.by_route);
    assert_eq!(calls.of(LIST_PLUGINS), 2);
    // The deletion in progress is waited out by polling its cluster's list.
    assert!(calls.of(LIST_AUTOPILOT) >= 2, "{:?}", calls.after.by_route);
}

/// The calls an apply of `templates` (CCE add-ons of one cluster) makes to the CCE add-on API,
/// in a cloud whose operations take a second.
async fn installs_in_one_cluster(templates: &[(&str, &str)]) -> u64 {
    let mut cloud = cloud(Duration::from_secs(1)).await;
    // Polls 50 ms apart (not the test clients' 10): the installs, sent together, start a few
    // milliseconds apart (more on a loaded machine), which must be well within the half interval
    // in which one wait joins another's list, as they are with the default 200 ms.
    let mut settings = plinth_emulator::testing::client_settings(&cloud.emulator, "AK", "SK");
    settings.wait.first_poll = Duration::from_millis(50);
    cloud.client = plinth_cloud::Client::new(settings).unwrap();
    let mut blocks = String::new();
    for (template, version) in templates {
        let name = template.replace('-', "_");
        write!(
            blocks,
            r#"
            resource "huaweicloud_cce_addon" "{name}" {{
              cluster_id    = "{CLUSTER}"
              template_name = "{template}"
              version       = "{version}"
            }}
            "#
        )
        .unwrap();
    }
    let (_, report) = cloud.apply(&config(&blocks), &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    let counts = cloud.emulator.requests();
    let installs = counts.route("POST /api/v3/addons");
    assert_eq!(installs, templates.len() as u64);
    counts.route(LIST_CCE) + counts.route(GET_CCE)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_in_one_cluster_share_its_polls() {
    // Every CCE template of the catalogue: a template is installed once per cluster.
    let all = [
        ("coredns", "1.28.6"),
        ("everest", "2.4.107"),
        ("metrics-server", "1.3.68"),
        ("node-local-dns", "1.6.44"),
        ("npd", "1.19.20"),
        ("log-agent", "1.5.2"),
        ("volcano", "1.16.7"),
        ("gpu-beta", "2.7.19"),
    ];
    let alone = installs_in_one_cluster(&all[..1]).await;
    let together = installs_in_one_cluster(&all).await;
    // Eight waits of a second each, polled alone, would make eight times the calls of one;
    // sharing the cluster's list makes about one to two times on a quiet machine, up to about
    // four when the installs start far apart on a loaded one.
    assert!(alone >= 10, "one install's wait polls: {alone}");
    assert!(
        together <= 4 * alone,
        "{together} calls for 8 installs, {alone} for one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_apply_converges_without_a_storm_of_retries() {
    let cloud = cloud_with(EmulatorOptions {
        op_duration: Duration::from_millis(200),
        rate_limit: Some(20.0),
        ..EmulatorOptions::default()
    })
    .await;
    let configuration = several_per_cluster();
    let (_, report) = cloud.apply(&configuration, &PlanOptions::default()).await;
    assert!(report.is_success(), "{}", failures(&report));
    assert_eq!(cloud.state().resources().len(), 12);
    let snapshot = cloud.emulator.snapshot();
    assert_eq!(snapshot.addons.len(), 9);
    let counts = cloud.emulator.requests();
    let throttled = counts.status("429");
    assert!(
        throttled > 0,
        "the limit was reached: {:?}",
        counts.by_route
    );
    assert!(
        throttled * 5 <= counts.total,
        "{throttled} of {} requests throttled",
        counts.total
    );
    // Converged: the next plan is empty and its refresh is not throttled.
    let plan = cloud.plan(&configuration, &PlanOptions::default()).await;
    assert!(!plan.has_changes());
}

//! Recovering what an interrupted run or a change outside plinth left: a destroy killed after
//! its deletes were sent, an add-on deleted and re-created outside plinth under the same natural
//! key, an import of an object that does not exist.

use std::process::Stdio;
use std::time::{Duration, Instant};

use plinth_cloud::AddonApi;
use plinth_cloud::model::{AddonRequest, AddonRequestSpec};

use crate::support::{CLUSTER_1, CLUSTER_2, Cloud, Project, plinth};

/// Two CoreDNS add-ons and a pool plug-in: both API families.
fn objects(cloud: &Cloud) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  for_each      = toset(["{CLUSTER_1}", "{CLUSTER_2}"])
  cluster_id    = each.key
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    flavor = {{ replicas = 2 }}
  }}
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  version       = "1.2.15"
  inputs = {{
    driver = {{ version = "535.54.03" }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

/// The configuration's objects are each in the emulator exactly once, ready, and recorded in
/// the state under the uid the emulator gave, with nothing pending.
fn assert_installed_once_and_recorded(cloud: &Cloud, project: &Project, trial: usize) {
    let snapshot = cloud.snapshot();
    for cluster in [CLUSTER_1, CLUSTER_2] {
        let here: Vec<_> = snapshot
            .addons
            .iter()
            .filter(|addon| addon.cluster_id == cluster)
            .collect();
        assert_eq!(
            here.len(),
            1,
            "trial {trial}: add-ons in {cluster}: {here:?}"
        );
        assert_eq!(here[0].status, "running", "trial {trial}: {here:?}");
        let recorded = project
            .resource("huaweicloud_cce_addon", "dns", Some(cluster))
            .unwrap_or_else(|| panic!("trial {trial}: {cluster} is not in the state"));
        assert_eq!(recorded["id"], here[0].uid.as_str(), "trial {trial}");
    }
    assert_eq!(
        snapshot.plugins.len(),
        1,
        "trial {trial}: {:?}",
        snapshot.plugins
    );
    assert_eq!(snapshot.plugins[0].phase, "Running", "trial {trial}");
    assert!(
        project
            .resource("huaweicloud_modelarts_pool_plugin", "gpu", None)
            .is_some(),
        "trial {trial}: the plug-in is not in the state"
    );
    assert_eq!(project.resource_count(), 3, "trial {trial}");
    for resource in project.state()["resources"].as_array().unwrap() {
        assert!(
            resource
                .get("pending")
                .is_none_or(serde_json::Value::is_null),
            "trial {trial}: {resource:#}"
        );
    }
}

#[test]
fn a_killed_destroy_then_apply_ends_with_the_configuration_installed_once() {
    // 20 trials: apply, start a destroy and kill it with SIGKILL at a varied moment (before,
    // during or after its deletes), then apply again: whatever the destroy did, the apply ends
    // with every configured object installed exactly once and recorded.
    let started = Instant::now();
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut pending_deletes_seen = 0;
    for trial in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let cloud = Cloud::start(150);
        let project = Project::new();
        project.write("main.hcl", &objects(&cloud));
        project.plinth(&["apply", "--auto-approve"]).code(0);

        let mut child = plinth()
            .arg("--chdir")
            .arg(project.path())
            .args(["destroy", "--auto-approve"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + seed % 300));
        let _ = child.kill();
        let _ = child.wait();
        // A run killed mid-way leaves its records in the journal beside the state.
        let journal = project.path().join("plinth.state.json.journal");
        let journal = std::fs::read_to_string(journal).unwrap_or_default();
        pending_deletes_seen += journal.matches("\"action\":\"delete\"").count();

        let run = project.plinth(&["apply", "--auto-approve"]);
        assert_eq!(
            run.code, 0,
            "trial {trial}: the apply failed\n{}",
            run.stderr
        );
        assert_installed_once_and_recorded(&cloud, &project, trial);
        let again = project.plinth(&["plan", "--detailed-exitcode"]);
        assert_eq!(again.code, 0, "trial {trial}: {}", again.stdout);
    }
    // The kills fell at varied moments: some after a delete was recorded pending.
    assert!(
        pending_deletes_seen > 0,
        "no trial killed a destroy mid-delete"
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "the trials took {:?}",
        started.elapsed()
    );
}

#[test]
fn an_apply_after_a_delete_in_progress_waits_for_it_and_installs_again() {
    // The issue's report: the next apply saw the add-on `deleting`, said "No changes" and the
    // objects vanished a second later.
    let cloud = Cloud::start(1500);
    let project = Project::new();
    project.write("main.hcl", &objects(&cloud));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let uid = project
        .resource("huaweicloud_cce_addon", "dns", Some(CLUSTER_1))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    cloud.block_on(async {
        cloud
            .client()
            .delete_addon(AddonApi::Cce, Some(CLUSTER_1), &uid)
            .await
            .unwrap();
    });
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed."),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(&format!(
            "huaweicloud_cce_addon.dns[\"{CLUSTER_1}\"]: Destroying..."
        )),
        "the wait is shown: {}",
        run.stderr
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        2
    );
    assert_installed_once_and_recorded(&cloud, &project, 0);
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

fn one_dns(cloud: &Cloud) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    flavor = {{ replicas = 2 }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn an_addon_replaced_outside_is_adopted_under_its_new_id() {
    let cloud = Cloud::start(50);
    let project = Project::new();
    project.write("main.hcl", &one_dns(&cloud));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let old = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Deleted and installed again outside plinth, with the same values: a new uid.
    let client = cloud.client();
    let new = cloud.block_on(async {
        client
            .delete_addon(AddonApi::Cce, Some(CLUSTER_1), &old)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        let request = AddonRequest::install(
            AddonRequestSpec {
                cluster_id: CLUSTER_1.to_owned(),
                version: Some("1.28.6".to_owned()),
                addon_template_name: "coredns".to_owned(),
                values: serde_json::json!({"flavor": {"replicas": 2}}),
            },
            None,
        );
        let installed = client.install_addon(AddonApi::Cce, &request).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        installed.uid().unwrap().to_owned()
    });
    assert_ne!(old, new);
    let installs = cloud
        .snapshot()
        .installs_of(&format!("cce/{CLUSTER_1}/coredns"));
    assert_eq!(installs, 2);

    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(2);
    assert!(
        plan.stdout.contains(&format!(
            "(because it was replaced outside plinth: {old} -> {new})"
        )),
        "{}",
        plan.stdout
    );
    snapshot!("replaced_outside", plan.stdout.clone());
    let json = project.plinth(&["plan", "--json"]);
    json.code(0);
    let document = crate::support::plan_document(&json.stdout);
    let reasons = document["resource_changes"][0]["reasons"]
        .as_array()
        .unwrap();
    assert!(
        reasons
            .iter()
            .any(|reason| reason["code"] == "replaced_outside"
                && reason["old_id"] == old.as_str()
                && reason["new_id"] == new.as_str()),
        "{reasons:#?}"
    );

    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(0);
    assert!(!run.stderr.contains("409"), "{}", run.stderr);
    let recorded = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(recorded["id"], new.as_str());
    let snapshot = cloud.snapshot();
    assert_eq!(
        snapshot.installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        installs
    );
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.addons[0].uid, new);
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn importing_an_object_that_does_not_exist_fails_at_once() {
    let cloud = Cloud::start(50);
    let project = Project::new();
    project.write("main.hcl", &one_dns(&cloud));
    let missing = "0badc0de-0000-4000-8000-000000000000";
    let started = Instant::now();
    let run = project.plinth(&[
        "import",
        "huaweicloud_cce_addon.dns",
        &format!("{CLUSTER_1}/{missing}"),
    ]);
    run.code(1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.dns"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(missing), "{}", run.stderr);
    assert!(run.stderr.contains("404"), "{}", run.stderr);
    assert_eq!(project.resource_count(), 0);
}

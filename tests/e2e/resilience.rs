//! When things go wrong: a failing template, a flaky cloud, a killed process, Ctrl-C, two runs at
//! once, a stale saved plan. plinth must lose nothing, install nothing twice, and say what
//! happened.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{CLUSTER_1, CLUSTER_2, Cloud, Project, Run, plinth};

/// `count` plug-ins spread over the two pools and several templates would collide, so these
/// configurations use add-ons: `n` clusters from a fixture, one CoreDNS each.
fn many_addons(cloud: &Cloud, clusters: &[String]) -> String {
    let list = clusters
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  for_each      = toset([{list}])
  cluster_id    = each.key
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

/// An emulator serving `n` CCE clusters.
fn cloud_with_clusters(n: usize, op_millis: u64, fault_rate: f64) -> (Cloud, Vec<String>) {
    let clusters: Vec<String> = (0..n)
        .map(|i| format!("c0ffee00-0000-4000-8000-{i:012}"))
        .collect();
    let fixture = plinth_emulator::Fixture {
        clusters: clusters.clone(),
        ..plinth_emulator::Fixture::default()
    };
    let cloud = Cloud::start_with(plinth_emulator::EmulatorOptions {
        op_duration: Duration::from_millis(op_millis),
        fault_rate,
        seed: 7,
        fixture,
        ..plinth_emulator::EmulatorOptions::default()
    });
    (cloud, clusters)
}

fn assert_each_installed_once(cloud: &Cloud, clusters: &[String]) {
    let snapshot = cloud.snapshot();
    for cluster in clusters {
        let key = format!("cce/{cluster}/coredns");
        assert_eq!(
            snapshot.installs_of(&key),
            1,
            "{key} installed {} times",
            snapshot.installs_of(&key)
        );
    }
    assert_eq!(snapshot.addons.len(), clusters.len());
}

#[test]
fn failing_template_skips_its_dependents_and_converges_once_fixed() {
    let cloud = Cloud::start(50);
    let project = Project::new();
    let config = |template: &str| {
        format!(
            r#"{provider}
resource "huaweicloud_cce_addon" "base" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "{template}"
}}
resource "huaweicloud_modelarts_pool_plugin" "needs_base" {{
  pool_name     = "pool-a"
  template_name = "gpu-beta"
  depends_on    = [huaweicloud_cce_addon.base]
}}
resource "huaweicloud_cce_addon" "independent" {{
  cluster_id    = "{CLUSTER_2}"
  template_name = "metrics-server"
}}
"#,
            provider = cloud.provider()
        )
    };
    project.write("main.hcl", &config("always-fails"));
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.base"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("installFailed"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("skipped: huaweicloud_modelarts_pool_plugin.needs_base"),
        "{}",
        run.stderr
    );
    let independent = project.resource("huaweicloud_cce_addon", "independent", None);
    assert!(
        independent.is_some(),
        "the independent add-on is created and recorded"
    );
    let base = project
        .resource("huaweicloud_cce_addon", "base", None)
        .unwrap();
    assert_eq!(base["status"], "tainted", "{base:#}");
    assert!(
        project
            .resource("huaweicloud_modelarts_pool_plugin", "needs_base", None)
            .is_none()
    );
    assert!(cloud.snapshot().plugins.is_empty());

    // Fixed: the tainted add-on is replaced, the skipped plug-in created.
    project.write("main.hcl", &config("everest"));
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(0);
    let run = project.plinth(&["plan", "--detailed-exitcode"]);
    run.code(0);
    assert_eq!(cloud.snapshot().plugins.len(), 1);
}

#[test]
fn a_flaky_cloud_converges_and_installs_everything_once() {
    let (cloud, clusters) = cloud_with_clusters(50, 20, 0.2);
    let project = Project::new();
    project.write("main.hcl", &many_addons(&cloud, &clusters));
    let mut runs = 0;
    loop {
        runs += 1;
        let run = project.plinth(&["apply", "--auto-approve"]);
        if run.code == 0 {
            break;
        }
        assert!(
            runs < 5,
            "no convergence after {runs} applies\n{}",
            run.stderr
        );
    }
    // Planning again touches a flaky cloud too; it must still see no change.
    let mut clean = false;
    for _ in 0..5 {
        let run = project.plinth(&["plan", "--detailed-exitcode"]);
        if run.code == 0 {
            clean = true;
            break;
        }
        assert_ne!(
            run.code, 2,
            "a converged configuration planned changes:\n{}",
            run.stdout
        );
    }
    assert!(clean);
    assert_each_installed_once(&cloud, &clusters);
    assert_eq!(project.resource_count(), 50);
}

fn spawn_apply(project: &Project) -> Child {
    plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(["apply", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn killed_applies_lose_nothing_and_install_nothing_twice() {
    // 20 trials: each applies 50 add-ons, is killed with SIGKILL at a pseudo-random moment, and
    // is run again to the end; every add-on must then be installed exactly once and recorded.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for trial in 0..20 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (cloud, clusters) = cloud_with_clusters(50, 100, 0.0);
        let project = Project::new();
        project.write("main.hcl", &many_addons(&cloud, &clusters));
        let mut child = spawn_apply(&project);
        std::thread::sleep(Duration::from_millis(100 + seed % 1400));
        let _ = child.kill();
        let _ = child.wait();
        let run = project.plinth(&["apply", "--auto-approve"]);
        assert_eq!(
            run.code, 0,
            "trial {trial}: the rerun failed\n{}",
            run.stderr
        );
        project.plinth(&["plan", "--detailed-exitcode"]).code(0);
        assert_each_installed_once(&cloud, &clusters);
        assert_eq!(
            project.resource_count(),
            50,
            "trial {trial}: nothing is left out of the state"
        );
    }
}

fn interrupt(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits until the apply has started operations (its stderr shows progress lines).
fn wait_for_progress(project: &Project, cloud: &Cloud, started: Instant) {
    while cloud.snapshot().installs.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the apply never started"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = project;
}

#[test]
fn one_interrupt_finishes_what_is_in_flight_and_exits_130() {
    let (cloud, clusters) = cloud_with_clusters(30, 1500, 0.0);
    let project = Project::new();
    project.write("main.hcl", &many_addons(&cloud, &clusters));
    let started = Instant::now();
    let child = spawn_apply(&project);
    wait_for_progress(&project, &cloud, started);
    interrupt(&child);
    let run = Run::from(child.wait_with_output().unwrap());
    run.code(130);
    assert!(run.stderr.contains("Interrupt received"), "{}", run.stderr);
    // What was in flight finished and is recorded; nothing new was started.
    let installed = cloud.snapshot().addons.len();
    assert!(
        installed <= 10,
        "at most --parallelism operations were in flight: {installed}"
    );
    assert_eq!(project.resource_count(), installed);
    let state = project.state();
    for resource in state["resources"].as_array().unwrap() {
        assert!(
            resource
                .get("pending")
                .is_none_or(serde_json::Value::is_null),
            "{resource:#}"
        );
    }
    // The next run completes the rest, installing nothing twice.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_each_installed_once(&cloud, &clusters);
}

#[test]
fn two_interrupts_record_in_flight_operations_as_pending() {
    let (cloud, clusters) = cloud_with_clusters(12, 4000, 0.0);
    let project = Project::new();
    project.write("main.hcl", &many_addons(&cloud, &clusters));
    let started = Instant::now();
    let child = spawn_apply(&project);
    wait_for_progress(&project, &cloud, started);
    let interrupted = Instant::now();
    interrupt(&child);
    std::thread::sleep(Duration::from_millis(200));
    interrupt(&child);
    let run = Run::from(child.wait_with_output().unwrap());
    run.code(130);
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "a second interrupt stops at once, without waiting for the 4 s operations"
    );
    let state = project.state();
    let pending = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r.get("pending").is_some_and(|p| !p.is_null()))
        .count();
    assert!(
        pending > 0,
        "in-flight operations are recorded as pending:\n{state:#}"
    );
    // The next run reconciles the pending records by natural key: nothing installed twice.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_each_installed_once(&cloud, &clusters);
}

#[test]
fn a_second_apply_waits_for_the_lock_or_fails_naming_the_holder() {
    let (cloud, clusters) = cloud_with_clusters(5, 1000, 0.0);
    let project = Project::new();
    project.write("main.hcl", &many_addons(&cloud, &clusters));
    let started = Instant::now();
    let first = spawn_apply(&project);
    wait_for_progress(&project, &cloud, started);
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr.contains("apply"),
        "the error names what the holder does: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&first.id().to_string()),
        "and its pid: {}",
        run.stderr
    );
    // With a timeout, the second run waits for the first and then has nothing left to do.
    let run = project.plinth(&["apply", "--auto-approve", "--lock-timeout", "60s"]);
    run.code(0);
    let first = Run::from(first.wait_with_output().unwrap());
    first.code(0);
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
    assert_each_installed_once(&cloud, &clusters);
}

#[test]
fn a_stale_saved_plan_is_refused() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    let config = |cluster: &str| {
        format!(
            r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{cluster}"
  template_name = "coredns"
}}
"#,
            provider = cloud.provider()
        )
    };
    project.write("main.hcl", &config(CLUSTER_1));
    let plan_file = project.path().join("plan.json");
    project
        .plinth(&["plan", "--out", plan_file.to_str().unwrap()])
        .code(0);
    let shown = project.plinth(&["show", plan_file.to_str().unwrap()]);
    shown.code(0);
    assert!(
        shown
            .stdout
            .contains("huaweicloud_cce_addon.dns will be created"),
        "{}",
        shown.stdout
    );
    let shown = project.plinth(&["show", "--json", plan_file.to_str().unwrap()]);
    let document: serde_json::Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(document["format_version"], "1");
    // The state moves on (another apply) after the plan was saved.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let run = project.plinth(&["apply", plan_file.to_str().unwrap()]);
    run.code(1);
    assert!(
        run.stderr.contains("the saved plan cannot be applied"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );

    // A fresh plan applies; a configuration changed after saving is refused too.
    project.write("main.hcl", &config(CLUSTER_2));
    project
        .plinth(&["plan", "--out", plan_file.to_str().unwrap()])
        .code(0);
    project.write("main.hcl", &config(CLUSTER_1));
    project
        .plinth(&["apply", plan_file.to_str().unwrap()])
        .code(1);
    project.write("main.hcl", &config(CLUSTER_2));
    let run = project.plinth(&["apply", plan_file.to_str().unwrap()]);
    run.code(0);
    assert_eq!(cloud.snapshot().addons[0].cluster_id, CLUSTER_2);
}

#[test]
fn quickstart_applies_in_the_sandbox() {
    let project = Project::example("quickstart");
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(0);
    assert!(
        run.stdout.contains("Apply complete! Resources: 4 added"),
        "{}",
        run.stdout
    );
    assert!(project.path().join(".plinth/sandbox.json").exists());
    // The sandbox keeps its cloud between runs: nothing left to do.
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    let run = project.plinth(&["output", "coredns_status"]);
    assert_eq!(run.stdout, "\"running\"\n");
    project.plinth(&["destroy", "--auto-approve"]).code(0);
}

/// A TCP server that accepts every connection and never answers (the connections stay open);
/// answers its URL.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            match stream {
                Ok(stream) => open.push(stream),
                Err(_) => return,
            }
        }
    });
    url
}

#[test]
fn plan_against_an_endpoint_that_never_answers_fails_in_bounded_time_naming_the_timeout() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let resource = format!(
        r#"
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#
    );
    project.write("main.hcl", &format!("{}{resource}", cloud.provider()));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let state = project.read("plinth.state.json");

    let silent = silent_endpoint();
    let provider = cloud
        .provider()
        .replace(&cloud_url(&cloud), &silent)
        .replacen(
            "region     = \"cn-north-4\"",
            "region     = \"cn-north-4\"\n  request_timeout = \"500ms\"\n  connect_timeout = \"2s\"",
            1,
        );
    assert!(
        provider.contains(&silent) && provider.contains("request_timeout"),
        "{provider}"
    );
    project.write("main.hcl", &format!("{provider}{resource}"));
    let started = Instant::now();
    let run = project.plinth(&["plan"]);
    let elapsed = started.elapsed();
    run.code(1);
    // Two attempts of 500 ms and a backoff of at most 200 ms, plus start-up.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    assert!(
        run.stderr.contains("did not answer GET")
            && run
                .stderr
                .contains("within 500ms (`request_timeout`; 2 attempts)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(&format!(
            "hint: check that `{silent}` is the right endpoint"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("raise `request_timeout` in the provider block"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), state);
}

/// The endpoint URL in [`Cloud::provider`].
fn cloud_url(cloud: &Cloud) -> String {
    let provider = cloud.provider();
    let start = provider.find("modelarts = \"").unwrap() + "modelarts = \"".len();
    provider[start..start + provider[start..].find('"').unwrap()].to_owned()
}

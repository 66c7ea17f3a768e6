//! `plinth state list | show | rm | mv`, `show`, `output` and `force-unlock` on a state file written
//! through plinth-state.

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt, symlink};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use plinth_core::ResourceAddress;
use plinth_state::{Change, LocalStorage, LockRequest, OutputState, ResourceState, StateStorage};
use serde_json::json;

use crate::support::{CLUSTER_1, Cloud, Project, Run, plinth};

/// A project whose state holds two add-ons, two plug-ins and two outputs.
fn project_with_state() -> Project {
    let project = Project::new();
    let storage = LocalStorage::new(project.path().join("plinth.state.json"));
    let lock = storage
        .lock(&LockRequest {
            operation: "test".to_owned(),
            timeout: std::time::Duration::ZERO,
        })
        .unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
    let dns: ResourceAddress = "huaweicloud_cce_addon.dns".parse().unwrap();
    let mut addon = ResourceState::new(
        Some("1f3a".to_owned()),
        json!({"id": "1f3a", "cluster_id": "c1", "template_name": "coredns", "version": "1.28.6",
               "values": {"flavor": {"replicas": 2}, "basic": {"password": "hmac-sha256:0000000000000000000000000000000000000000000000000000000000000000"}}}),
    );
    addon.sensitive.insert("/values/basic/password".to_owned());
    journal
        .record(Change::Upsert {
            address: dns.clone(),
            resource: addon,
        })
        .unwrap();
    for pool in ["pool-a", "pool-b"] {
        let address: ResourceAddress = format!("huaweicloud_modelarts_pool_plugin.gpu[\"{pool}\"]")
            .parse()
            .unwrap();
        let mut plugin = ResourceState::new(
            None,
            json!({"pool_name": pool, "template_name": "gpu-beta", "version": "1.2.15"}),
        );
        plugin.dependencies.push(dns.clone());
        journal
            .record(Change::Upsert {
                address,
                resource: plugin,
            })
            .unwrap();
    }
    journal
        .record(Change::Upsert {
            address: "huaweicloud_cce_addon.metrics".parse().unwrap(),
            resource: ResourceState::new(Some("77b0".to_owned()), json!({"id": "77b0"})),
        })
        .unwrap();
    journal
        .record(Change::SetOutput {
            name: "dns_status".to_owned(),
            output: OutputState::Plain(json!("running")),
        })
        .unwrap();
    journal.finish().unwrap();
    project
}

#[test]
fn list_shows_addresses_and_filters() {
    let project = project_with_state();
    let run = project.plinth(&["state", "list"]);
    run.code(0);
    insta::assert_snapshot!(run.stdout, @r#"
    huaweicloud_cce_addon.dns
    huaweicloud_cce_addon.metrics
    huaweicloud_modelarts_pool_plugin.gpu["pool-a"]
    huaweicloud_modelarts_pool_plugin.gpu["pool-b"]
    "#);
    let run = project.plinth(&["state", "list", "huaweicloud_modelarts_pool_plugin.gpu"]);
    assert_eq!(run.stdout.lines().count(), 2, "{}", run.stdout);
    let run = project.plinth(&["state", "list", "--id", "77b0"]);
    assert_eq!(run.stdout, "huaweicloud_cce_addon.metrics\n");
}

#[test]
fn show_hides_sensitive_values() {
    let project = project_with_state();
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon.dns"]);
    run.code(0);
    assert!(
        run.stdout.starts_with(
            "# huaweicloud_cce_addon.dns:\nresource \"huaweicloud_cce_addon\" \"dns\" {"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("(sensitive value)"), "{}", run.stdout);
    assert!(!run.stdout.contains("hmac-sha256"), "{}", run.stdout);
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon.nope"]);
    run.code(1);
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.nope"),
        "{}",
        run.stderr
    );
}

#[test]
fn rm_forgets_and_keeps_a_backup() {
    let project = project_with_state();
    let before = project.read("plinth.state.json");
    let run = project.plinth(&["state", "rm", "huaweicloud_cce_addon.metrics"]);
    run.code(0);
    assert!(
        run.stdout.contains("Removed huaweicloud_cce_addon.metrics"),
        "{}",
        run.stdout
    );
    assert_eq!(project.read("plinth.state.json.backup"), before);
    let listed = project.plinth(&["state", "list"]).stdout;
    assert!(!listed.contains("metrics"), "{listed}");
    // An unknown address changes nothing.
    let after_rm = project.read("plinth.state.json");
    let run = project.plinth(&["state", "rm", "huaweicloud_cce_addon.ghost"]);
    run.code(1);
    assert!(
        run.stderr.contains("huaweicloud_cce_addon.ghost"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), after_rm);
}

#[test]
fn mv_renames_all_instances() {
    let project = project_with_state();
    let run = project.plinth(&[
        "state",
        "mv",
        "huaweicloud_modelarts_pool_plugin.gpu",
        "huaweicloud_modelarts_pool_plugin.accelerators",
    ]);
    run.code(0);
    assert!(
        run.stdout
            .contains("Successfully moved 2 resource instances."),
        "{}",
        run.stdout
    );
    let listed = project.plinth(&["state", "list"]).stdout;
    assert!(listed.contains("accelerators[\"pool-a\"]"), "{listed}");
    let run = project.plinth(&[
        "state",
        "mv",
        "huaweicloud_cce_addon.dns",
        "huaweicloud_cce_addon.metrics",
    ]);
    run.code(1);
}

#[test]
fn a_bad_address_is_a_clear_error() {
    let project = project_with_state();
    let run = project.plinth(&["state", "show", "huaweicloud_cce_addon"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("invalid resource address `huaweicloud_cce_addon`"),
        "{}",
        run.stderr
    );
}

#[test]
fn show_and_output() {
    let project = project_with_state();
    let run = project.plinth(&["show", "--json"]);
    run.code(0);
    assert_eq!(run.stdout, project.read("plinth.state.json"));
    let run = project.plinth(&["show"]);
    run.code(0);
    assert!(
        run.stdout.contains("Outputs:\n\ndns_status = \"running\""),
        "{}",
        run.stdout
    );
    let run = project.plinth(&["output", "dns_status"]);
    assert_eq!(run.stdout, "\"running\"\n");
    let run = project.plinth(&["output", "--json"]);
    let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(document["dns_status"]["value"], "running");
    project.plinth(&["output", "nope"]).code(1);
}

#[test]
fn empty_state_shows_that_nothing_is_managed() {
    let project = Project::new();
    let run = project.plinth(&["show"]);
    run.code(0);
    assert!(run.stdout.contains("manages nothing"), "{}", run.stdout);
    project.plinth(&["state", "list"]).code(0);
}

#[test]
fn force_unlock_refuses_a_wrong_id() {
    let project = project_with_state();
    let run = project.plinth(&["force-unlock", "00000000-0000-4000-8000-000000000000"]);
    run.code(1);
}

/// Runs plinth in `project` and fails the test if it has not exited within 20 s (it would block
/// for ever on a FIFO opened by mistake).
fn plinth_in_bounded_time(project: &Project, args: &[&str]) -> Run {
    let mut child = plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("`plinth {}` blocked", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Run::from(child.wait_with_output().unwrap())
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn addon_config(cloud: &Cloud, version: &str) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "{version}"
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn a_symlinked_state_is_written_through_its_link_and_stays_a_link() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    fs::create_dir(project.path().join("shared")).unwrap();
    let link = project.path().join("plinth.state.json");
    symlink("shared/prod.state.json", &link).unwrap();
    project.write("main.hcl", &addon_config(&cloud, "1.28.6"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &addon_config(&cloud, "1.29.4"));
    project.plinth(&["apply", "--auto-approve"]).code(0);

    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_link(&link).unwrap(),
        Path::new("shared/prod.state.json")
    );
    let shared = project.path().join("shared");
    let state: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(shared.join("prod.state.json")).unwrap()).unwrap();
    assert_eq!(state["resources"][0]["attributes"]["version"], "1.29.4");
    assert!(shared.join("prod.state.json.backup").is_file());
    assert!(shared.join("prod.state.json.lock").is_file());
    assert!(!project.path().join("plinth.state.json.backup").exists());
    let run = project.plinth(&["plan", "--detailed-exitcode"]);
    run.code(0);
}

#[test]
fn modes_of_the_state_and_its_backup_are_kept_and_new_files_are_0600() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &addon_config(&cloud, "1.28.6"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let state = project.path().join("plinth.state.json");
    let backup = project.path().join("plinth.state.json.backup");
    assert_eq!(mode(&state), 0o600);
    assert_eq!(mode(&project.path().join("plinth.state.json.lock")), 0o600);

    fs::set_permissions(&state, fs::Permissions::from_mode(0o640)).unwrap();
    project
        .plinth(&["taint", "huaweicloud_cce_addon.dns"])
        .code(0);
    assert_eq!(mode(&state), 0o640);
    assert_eq!(mode(&backup), 0o600);

    fs::set_permissions(&state, fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(&backup, fs::Permissions::from_mode(0o640)).unwrap();
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(mode(&state), 0o444);
    assert_eq!(mode(&backup), 0o640);
    assert!(
        project
            .read("plinth.state.json")
            .contains("\"status\": \"ready\"")
    );
}

#[test]
fn special_files_at_the_state_or_journal_path_are_refused_in_bounded_time() {
    let project = Project::new();
    let state = project.path().join("plinth.state.json");
    let status = std::process::Command::new("mkfifo")
        .arg(&state)
        .status()
        .unwrap();
    assert!(status.success());
    for args in [
        &["state", "list"][..],
        &["taint", "huaweicloud_cce_addon.dns"],
    ] {
        let run = plinth_in_bounded_time(&project, args);
        run.code(1);
        assert!(
            run.stderr
                .contains("plinth.state.json` is a FIFO (named pipe), not a regular file"),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("hint: "), "{}", run.stderr);
    }
    assert!(fs::symlink_metadata(&state).unwrap().file_type().is_fifo());

    let project = project_with_state();
    let before = project.read("plinth.state.json");
    fs::create_dir(project.path().join("plinth.state.json.journal")).unwrap();
    let run = plinth_in_bounded_time(&project, &["taint", "huaweicloud_cce_addon.dns"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("journal` is a directory, not a regular file"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), before);
}

#[test]
fn invalid_utf8_in_the_journal_is_an_error_naming_the_line_and_nothing_is_folded() {
    let project = project_with_state();
    let storage = LocalStorage::new(project.path().join("plinth.state.json"));
    {
        let lock = storage
            .lock(&LockRequest {
                operation: "test".to_owned(),
                timeout: std::time::Duration::ZERO,
            })
            .unwrap();
        let mut journal = storage.begin(storage.load().unwrap(), &lock).unwrap();
        journal
            .record(Change::Upsert {
                address: "huaweicloud_cce_addon.extra".parse().unwrap(),
                resource: ResourceState::new(Some("e1".to_owned()), json!({"note": "caf"})),
            })
            .unwrap();
        // The run dies here, leaving its journal.
    }
    let path = storage.journal_path();
    let mut bytes = fs::read(&path).unwrap();
    let at = bytes.windows(5).position(|w| w == b"caf\"}").unwrap() + 3;
    bytes.splice(at..at, [0xe9]); // Latin-1 `é`: not UTF-8.
    fs::write(&path, &bytes).unwrap();
    let state_before = project.read("plinth.state.json");

    let run = project.plinth(&["state", "list"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("plinth.state.json.journal` is unreadable at line 2: it is not valid UTF-8"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("extra"), "{}", run.stdout);
    project
        .plinth(&["taint", "huaweicloud_cce_addon.dns"])
        .code(1);
    assert_eq!(fs::read(&path).unwrap(), bytes);
    assert_eq!(project.read("plinth.state.json"), state_before);
}

#[test]
fn a_serial_at_its_maximum_is_an_error_on_save_and_the_state_is_untouched() {
    let project = project_with_state();
    let text = project.read("plinth.state.json");
    let serial = serde_json::from_str::<serde_json::Value>(&text).unwrap()["serial"].clone();
    let text = text.replace(
        &format!("\"serial\": {serial}"),
        &format!("\"serial\": {}", u64::MAX),
    );
    project.write("plinth.state.json", &text);
    let run = project.plinth(&["taint", "huaweicloud_cce_addon.dns"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("cannot increment the serial of the state file `")
            && run.stderr.contains("it is already 18446744073709551615"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), text);
    project.plinth(&["state", "list"]).code(0);
}

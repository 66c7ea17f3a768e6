//! plinth in a pipeline: the exit status of every command (docs/cli.md), output-only changes,
//! saved plans that carry their variables and resolve under `--chdir`, and the CI example of
//! docs/ci.md run as written. (130 after an interrupt: resilience.rs,
//! `one_interrupt_finishes_what_is_in_flight_and_exits_130`.)

use std::path::Path;
use std::process::Command;

use crate::support::{CLUSTER_1, Cloud, Project, Run, plinth, repo_root};

const SECRET: &str = "t0p-s3cr3t-t0ken";

/// One add-on whose version is a variable, a sensitive token in its values, and an output.
fn configuration(cloud: &Cloud) -> String {
    format!(
        r#"{provider}
variable "addon_version" {{
  type = string
}}

variable "token" {{
  type      = string
  sensitive = true
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = var.addon_version
  values = {{
    custom = {{ token = var.token }}
  }}
}}

output "dns_version" {{
  value = huaweicloud_cce_addon.dns.version
}}
"#,
        provider = cloud.provider()
    )
}

/// Asserts a run's status, with the command in the message.
#[track_caller]
fn status(project: &Project, args: &[&str], expected: i32) -> Run {
    let run = project.plinth(args);
    assert_eq!(
        run.code,
        expected,
        "`plinth {}` exited {} instead of {expected}\n--- stdout\n{}\n--- stderr\n{}",
        args.join(" "),
        run.code,
        run.stdout,
        run.stderr
    );
    run
}

fn no_secret(run: &Run) {
    assert!(!run.stdout.contains(SECRET), "{}", run.stdout);
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_1_and_help_exits_0() {
    let project = Project::new();
    for args in [
        &[][..],
        &["plna"],
        &["plan", "--detailed-exitcode", "--tagret", "x"],
        &["apply", "--auto-aprove"],
        &["state"],
        &["completions", "nosh"],
        &["emulator", "--listen", "not-an-address"],
    ] {
        let run = status(&project, args, 1);
        assert!(
            run.stderr.contains("Usage") || run.stderr.contains("error"),
            "{}",
            run.stderr
        );
    }
    let typo = project.plinth(&["plna"]);
    assert!(
        typo.stderr.contains("a similar subcommand exists: 'plan'"),
        "{}",
        typo.stderr
    );
    for args in [
        &["--help"][..],
        &["--version"],
        &["plan", "--help"],
        &["help", "apply"],
    ] {
        let run = status(&project, args, 0);
        assert!(!run.stdout.is_empty());
    }
}

#[test]
fn every_command_exits_with_its_documented_status() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    project.write("plinth.vars", "addon_version = \"1.28.6\"\n");
    let token = format!("--var=token={SECRET}");
    let token = token.as_str();

    status(&project, &["validate", token], 0);
    // `token` has no value: unknown for validate, an error for plan.
    status(&project, &["validate"], 0);
    status(&project, &["plan"], 1);
    status(&project, &["fmt", "--check"], 0);
    project.write("messy.hcl", "locals {\n  a=1\n}\n");
    status(&project, &["fmt", "--check"], 3);
    status(&project, &["fmt"], 0);
    status(&project, &["fmt", "--check"], 0);

    no_secret(&status(&project, &["plan", token], 0));
    no_secret(&status(
        &project,
        &["plan", "--detailed-exitcode", token],
        2,
    ));
    status(
        &project,
        &["plan", "--target", "huaweicloud_cce_addon.dsn", token],
        1,
    );
    status(&project, &["graph", token], 0);
    // Standard input is not a terminal: apply refuses to ask.
    status(&project, &["apply", token], 1);
    no_secret(&status(&project, &["apply", "--auto-approve", token], 0));
    no_secret(&status(
        &project,
        &["plan", "--detailed-exitcode", token],
        0,
    ));

    status(&project, &["show"], 0);
    status(&project, &["show", "--json"], 0);
    status(&project, &["show", "missing.plan"], 1);
    status(&project, &["output", "dns_version"], 0);
    status(&project, &["output", "nope"], 1);
    status(&project, &["state", "list"], 0);
    status(&project, &["state", "show", "huaweicloud_cce_addon.dns"], 0);
    status(
        &project,
        &["state", "show", "huaweicloud_cce_addon.nope"],
        1,
    );
    status(&project, &["taint", "huaweicloud_cce_addon.dns"], 0);
    status(&project, &["untaint", "huaweicloud_cce_addon.dns"], 0);
    status(&project, &["taint", "huaweicloud_cce_addon.nope"], 1);
    status(
        &project,
        &["import", "huaweicloud_cce_addon.dns", "not-an-id", token],
        1,
    );
    status(
        &project,
        &[
            "state",
            "mv",
            "huaweicloud_cce_addon.nope",
            "huaweicloud_cce_addon.x",
        ],
        1,
    );
    status(&project, &["force-unlock", "--force", "no-such-lock"], 1);
    status(&project, &["completions", "bash"], 0);
    status(&project, &["destroy", token], 1);
    status(&project, &["destroy", "--auto-approve", token], 0);
    assert!(cloud.snapshot().addons.is_empty());
    status(&project, &["state", "rm", "huaweicloud_cce_addon.dns"], 1);
}

#[test]
fn a_change_to_outputs_only_is_shown_and_counted() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    let vars = ["--var", "addon_version=1.28.6", "--var", "token=x"];
    let with = |args: &[&'static str]| -> Vec<&str> {
        args.iter().copied().chain(vars.iter().copied()).collect()
    };
    status(&project, &with(&["apply", "--auto-approve"]), 0);
    project.write(
        "outputs.hcl",
        "output \"cluster\" {\n  value = huaweicloud_cce_addon.dns.cluster_id\n}\n",
    );
    let run = status(&project, &with(&["plan", "--detailed-exitcode"]), 2);
    assert!(
        run.stdout.starts_with(&format!(
            "Changes to Outputs:\n  + cluster = \"{CLUSTER_1}\"\n"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("without changing any real infrastructure"),
        "{}",
        run.stdout
    );
    let json = status(&project, &with(&["plan", "--json"]), 0);
    let json = crate::support::plan_document(&json.stdout);
    assert_eq!(json["has_changes"], true);
    assert_eq!(
        json["output_changes"]["cluster"]["actions"],
        serde_json::json!(["create"])
    );
    assert_eq!(
        json["output_changes"]["dns_version"]["actions"],
        serde_json::json!(["no-op"])
    );
    status(&project, &with(&["apply", "--auto-approve"]), 0);
    assert_eq!(project.state()["outputs"]["cluster"]["value"], CLUSTER_1);
    status(&project, &with(&["plan", "--detailed-exitcode"]), 0);
}

#[test]
fn a_saved_plan_resolves_under_chdir_and_its_hint_works() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let dir = project.path().join("infra");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("main.hcl"), configuration(&cloud)).unwrap();
    let run = Run::from(
        plinth()
            .current_dir(project.path())
            .args(["--chdir", "infra", "plan", "--out", "tfplan"])
            .args(["--var", "addon_version=1.28.6", "--var"])
            .arg(format!("token={SECRET}"))
            .output()
            .unwrap(),
    );
    run.code(0);
    assert!(
        dir.join("tfplan").exists(),
        "the plan is written under --chdir"
    );
    assert!(!project.path().join("tfplan").exists());
    let shown = Run::from(
        plinth()
            .current_dir(project.path())
            .args(["--chdir", "infra", "show", "tfplan"])
            .output()
            .unwrap(),
    );
    shown.code(0);
    assert!(shown.stdout.contains("will be created"), "{}", shown.stdout);
    let hint = run.stdout.lines().last().unwrap().trim();
    assert_eq!(hint, "plinth --chdir infra apply tfplan");
    // The hint, run as printed (the secret given again, as the plan requires).
    let words: Vec<&str> = hint.split(' ').skip(1).collect();
    let applied = Run::from(
        plinth()
            .current_dir(project.path())
            .args(&words)
            .env("PLINTH_VAR_token", SECRET)
            .output()
            .unwrap(),
    );
    applied.code(0);
    no_secret(&applied);
    assert_eq!(cloud.snapshot().addons.len(), 1);
    let plan_file = std::fs::read_to_string(dir.join("tfplan")).unwrap();
    assert!(!plan_file.contains(SECRET));
}

#[test]
fn a_saved_plan_refuses_a_sensitive_variable_missing_or_different() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    status(
        &project,
        &[
            "plan",
            "--out",
            "tfplan",
            "--var",
            "addon_version=1.28.6",
            "--var",
            &format!("token={SECRET}"),
        ],
        0,
    );
    let missing = status(&project, &["apply", "tfplan"], 1);
    assert!(missing.stderr.contains("`token`"), "{}", missing.stderr);
    let other = status(&project, &["apply", "tfplan", "--var", "token=another"], 1);
    assert!(
        other
            .stderr
            .contains("another value of the sensitive variable `token`"),
        "{}",
        other.stderr
    );
    let changed = status(
        &project,
        &[
            "apply",
            "tfplan",
            "--var",
            "addon_version=1.29.0",
            "--var",
            &format!("token={SECRET}"),
        ],
        1,
    );
    assert!(
        changed
            .stderr
            .contains("the variable `addon_version` was given another value"),
        "{}",
        changed.stderr
    );
    // Nothing was installed and no state written by the refusals.
    assert!(cloud.snapshot().addons.is_empty());
    assert!(!project.path().join("plinth.state.json").exists());
}

#[test]
fn a_saved_plan_refuses_the_planning_flags_it_fixed() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    let token = format!("token={SECRET}");
    let vars = ["--var", "addon_version=1.28.6", "--var", token.as_str()];
    status(
        &project,
        &[&["plan", "--out", "tfplan"][..], &vars].concat(),
        0,
    );
    for flags in [
        &["--target", "huaweicloud_cce_addon.dns"][..],
        &["--exclude", "huaweicloud_cce_addon.dns"],
        &["--replace", "huaweicloud_cce_addon.dns"],
        &["--refresh-only"],
        &["--no-refresh"],
        &["--no-adopt"],
    ] {
        let refused = status(
            &project,
            &[&["apply", "tfplan"][..], flags, &vars].concat(),
            1,
        );
        assert!(
            refused.stderr.contains(&format!(
                "error: cannot set planning options when applying a saved plan: `{}`",
                flags[0]
            )),
            "{}",
            refused.stderr
        );
        assert!(refused.stderr.contains("hint: apply `tfplan` without"));
        no_secret(&refused);
    }
    // Two at once are both named.
    let both = status(
        &project,
        &[
            "apply",
            "tfplan",
            "--no-refresh",
            "--target",
            "huaweicloud_cce_addon.dns",
        ],
        1,
    );
    assert!(
        both.stderr.contains("`--target`, `--no-refresh`"),
        "{}",
        both.stderr
    );
    // Nothing was installed and no state written by the refusals.
    assert!(cloud.snapshot().addons.is_empty());
    assert!(!project.path().join("plinth.state.json").exists());
    // `PLINTH_NO_ADOPT` from the environment is not a flag typed; `--var` and the execution
    // options stay allowed, and the plan is applied.
    let applied = Run::from(
        plinth()
            .current_dir(project.path())
            .args([
                "apply",
                "tfplan",
                "--parallelism",
                "2",
                "--lock-timeout",
                "1s",
            ])
            .args(vars)
            .env("PLINTH_NO_ADOPT", "1")
            .output()
            .unwrap(),
    );
    applied.code(0);
    no_secret(&applied);
    assert_eq!(cloud.snapshot().addons.len(), 1);
}

/// The `sh` code blocks of docs/ci.md, in order: the plan script, then the apply script.
fn ci_scripts() -> (String, String) {
    let doc = std::fs::read_to_string(repo_root().join("docs/ci.md")).unwrap();
    let blocks = crate::docs::sh_blocks(&doc);
    assert_eq!(blocks.len(), 2, "docs/ci.md should have 2 sh blocks");
    (blocks[0].clone(), blocks[1].clone())
}

/// Runs a script with bash in `dir`, with the binary under test first on the PATH.
fn script(dir: &Path, text: &str, env: &[(&str, &str)]) -> Run {
    let bin = Path::new(env!("CARGO_BIN_EXE_plinth")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(text)
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1");
    for (name, _) in std::env::vars() {
        if name.starts_with("PLINTH_") || name.starts_with("HW_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    Run::from(command.output().unwrap())
}

#[test]
fn the_documented_ci_example_plans_in_one_place_and_applies_in_another() {
    let cloud = Cloud::start(0);
    let (plan_script, apply_script) = ci_scripts();
    let plan_job = Project::new();
    plan_job.write("main.hcl", &configuration(&cloud));
    let env = [("ADDON_VERSION", "1.28.6"), ("PLINTH_VAR_token", SECRET)];

    // The plan job: a first run, no state yet; the plan has changes (status 2 recorded).
    let planned = script(plan_job.path(), &plan_script, &env);
    planned.code(0);
    assert!(
        planned.stdout.contains("the plan has changes"),
        "{}",
        planned.stdout
    );
    assert_eq!(plan_job.read("plan-status").trim(), "2");
    let text = plan_job.read("plan.txt");
    assert!(
        text.contains("# huaweicloud_cce_addon.dns will be created"),
        "{text}"
    );
    assert!(text.contains("+ dns_version = \"1.28.6\""), "{text}");
    let json: serde_json::Value = serde_json::from_str(&plan_job.read("plan.json")).unwrap();
    assert_eq!(json["has_changes"], true);
    for file in ["plan.txt", "plan.json", "tfplan"] {
        assert!(
            !plan_job.read(file).contains(SECRET),
            "{file} holds the secret"
        );
    }
    assert!(
        cloud.snapshot().addons.is_empty(),
        "a plan installs nothing"
    );

    // The apply job: another directory with the configuration and the artifacts, no --var, no
    // variables file; only the secret, from the secret store.
    let apply_job = Project::new();
    for file in ["main.hcl", "tfplan", "plan-status"] {
        apply_job.write(file, &plan_job.read(file));
    }
    let without_secret = script(apply_job.path(), &apply_script, &[]);
    without_secret.code(1);
    assert!(cloud.snapshot().addons.is_empty());
    let applied = script(
        apply_job.path(),
        &apply_script,
        &[("PLINTH_VAR_token", SECRET)],
    );
    applied.code(0);
    no_secret(&applied);
    assert!(
        applied
            .stdout
            .contains("Apply complete! Resources: 1 added"),
        "{}",
        applied.stdout
    );
    let addons = cloud.snapshot().addons;
    assert_eq!(addons.len(), 1);
    assert_eq!(addons[0].version, "1.28.6");
    // The state created takes the plan's lineage, and holds no secret.
    let state = apply_job.read("plinth.state.json");
    let plan: serde_json::Value = serde_json::from_str(&apply_job.read("tfplan")).unwrap();
    let state_json: serde_json::Value = serde_json::from_str(&state).unwrap();
    assert_eq!(state_json["lineage"], plan["state"]["lineage"]);
    assert!(!state.contains(SECRET));

    // The same plan again is stale (the state moved): refused, nothing changed.
    let again = script(
        apply_job.path(),
        &apply_script,
        &[("PLINTH_VAR_token", SECRET)],
    );
    again.code(1);
    assert!(
        again.stderr.contains("the state has changed"),
        "{}",
        again.stderr
    );

    // The next plan job, in the apply job's directory with its state: nothing to apply.
    let next = script(apply_job.path(), &plan_script, &env);
    next.code(0);
    assert_eq!(apply_job.read("plan-status").trim(), "0");
    let skipped = script(apply_job.path(), &apply_script, &[]);
    skipped.code(0);
    assert!(
        skipped.stdout.contains("nothing to apply"),
        "{}",
        skipped.stdout
    );
}

#[test]
fn a_target_or_exclude_that_matches_nothing_is_refused_with_a_suggestion() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    let vars = ["--var", "addon_version=1.28.6", "--var", "token=x"];
    for flag in ["--target", "--exclude"] {
        let mut args = vec![
            "plan",
            "--detailed-exitcode",
            flag,
            "huaweicloud_cce_addon.dsn",
        ];
        args.extend(vars);
        let run = status(&project, &args, 1);
        insta::assert_snapshot!(
            format!("{}_typo", &flag[2..]),
            run.stderr.replace(flag, "FLAG")
        );
    }
    let mut args = vec![
        "plan",
        "--detailed-exitcode",
        "--target",
        "huaweicloud_cce_addon.dns",
    ];
    args.extend(vars);
    let run = status(&project, &args, 2);
    assert!(
        run.stderr
            .starts_with("warning: resource targeting is in effect"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("targeting"), "stdout stays the plan");
    // Without a selection, no warning.
    let mut args = vec!["plan"];
    args.extend(vars);
    assert!(!status(&project, &args, 0).stderr.contains("targeting"));
}

/// Writes a lock record as a run holding the lock would, for `pid` on this host.
fn lock_record(project: &Project, id: &str, pid: u32) {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    let record = serde_json::json!({
        "id": id,
        "holder": format!("ci@{host}"),
        "pid": pid,
        "operation": "apply",
        "time": "2026-12-06T07:00:00Z",
    });
    project.write("plinth.state.json.lock", &record.to_string());
}

#[test]
fn force_unlock_asks_and_refuses_a_holder_alive_on_this_machine() {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let project = Project::new();
    let id = "6f1c1f4e-8a47-4c1e-9a53-3f0f2b8f2f10";
    // This test process is alive on this machine: its lock is not broken without --force.
    lock_record(&project, id, std::process::id());
    let live = status(&project, &["force-unlock", id], 1);
    assert!(
        live.stderr
            .contains("a run that is still going on this machine"),
        "{}",
        live.stderr
    );
    assert!(live.stderr.contains("--force"), "{}", live.stderr);
    assert!(project.path().join("plinth.state.json.lock").exists());
    // A holder that is gone: still not without asking, and there is no terminal to ask on.
    lock_record(&project, id, u32::MAX - 1);
    let unasked = status(&project, &["force-unlock", id], 1);
    assert!(
        unasked.stderr.contains("standard input is not a terminal"),
        "{}",
        unasked.stderr
    );
    assert!(
        unasked
            .stderr
            .contains(&format!("force-unlock --force {id}"))
    );
    let forced = status(&project, &["force-unlock", "--force", id], 0);
    assert!(forced.stdout.contains("was cleared"), "{}", forced.stdout);
    // --force breaks even a live holder's record.
    lock_record(&project, id, std::process::id());
    status(&project, &["force-unlock", "--force", id], 0);
}

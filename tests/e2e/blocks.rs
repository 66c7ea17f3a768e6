//! `removed` and `import` blocks, `plan --generate-config-out`, and `taint` / `untaint`: the real
//! binary against the emulator, checking the emulator's own view of the cloud (uids, install
//! counts) besides the state and the plan text.

use crate::support::{CLUSTER_1, Cloud, Project, Run};

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// Runs `plinth ARGS`, asserting the exit status.
fn run(project: &Project, args: &[&str], code: i32) -> Run {
    let run = project.plinth(args);
    run.code(code);
    run
}

fn config(cloud: &Cloud, body: &str) -> String {
    format!("{}\n{body}", cloud.provider())
}

fn dns(name: &str, template: &str) -> String {
    format!(
        r#"
resource "huaweicloud_cce_addon" "{name}" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "{template}"
}}
"#
    )
}

/// The uid of the one add-on of `template` the emulator has installed.
fn installed_uid(cloud: &Cloud, template: &str) -> Option<String> {
    let snapshot = cloud.snapshot();
    let mut found = snapshot.addons.iter().filter(|a| a.template == template);
    let uid = found.next().map(|a| a.uid.clone());
    assert!(found.next().is_none(), "two add-ons of `{template}`");
    uid
}

#[test]
fn taint_plans_a_replace_and_untaint_clears_it() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &config(&cloud, &dns("dns", "coredns")));
    run(&project, &["apply", "--auto-approve"], 0);

    let tainted = run(&project, &["taint", "huaweicloud_cce_addon.dns"], 0);
    assert_eq!(
        tainted.stdout,
        "Resource instance huaweicloud_cce_addon.dns has been marked as tainted.\n"
    );
    let dns = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert_eq!(dns["status"], "tainted");
    snapshot!("taint_plan", run(&project, &["plan"], 0).stdout);

    let untainted = run(&project, &["untaint", "huaweicloud_cce_addon.dns"], 0);
    assert_eq!(
        untainted.stdout,
        "Resource instance huaweicloud_cce_addon.dns has been successfully untainted.\n"
    );
    let plan = run(&project, &["plan", "--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    let again = run(&project, &["untaint", "huaweicloud_cce_addon.dns"], 1);
    assert!(
        again
            .stderr
            .contains("`huaweicloud_cce_addon.dns` is not tainted, so it cannot be untainted"),
        "{}",
        again.stderr
    );
    let unknown = run(&project, &["taint", "huaweicloud_cce_addon.nope"], 1);
    assert!(
        unknown
            .stderr
            .contains("no resource `huaweicloud_cce_addon.nope` in the state"),
        "{}",
        unknown.stderr
    );
    let data = run(&project, &["taint", "data.huaweicloud_cce_addon.dns"], 1);
    assert!(data.stderr.contains("is a data source"), "{}", data.stderr);
}

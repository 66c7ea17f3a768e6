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

fn addons(name: &str, templates: &[&str]) -> String {
    let quoted: Vec<String> = templates.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"
resource "huaweicloud_cce_addon" "{name}" {{
  for_each      = toset([{}])
  cluster_id    = "{CLUSTER_1}"
  template_name = each.key
}}
"#,
        quoted.join(", ")
    )
}

/// A project that applied one add-on of each of `templates` (`huaweicloud_cce_addon.setup`);
/// answers their uids by template.
fn installed_elsewhere(cloud: &Cloud, templates: &[&str]) -> Vec<String> {
    let setup = Project::new();
    setup.write("main.hcl", &config(cloud, &addons("setup", templates)));
    run(&setup, &["apply", "--auto-approve"], 0);
    templates
        .iter()
        .map(|t| installed_uid(cloud, t).unwrap())
        .collect()
}

#[test]
fn removed_without_destroy_forgets_and_with_destroy_uninstalls() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let kept = dns("kept", "metrics-server");
    let before = format!(
        "{kept}{}{}",
        addons("old", &["npd", "log-agent"]),
        dns("gone", "everest")
    );
    project.write("main.hcl", &config(&cloud, &before));
    run(&project, &["apply", "--auto-approve"], 0);
    let npd = installed_uid(&cloud, "npd").unwrap();
    let log_agent = installed_uid(&cloud, "log-agent").unwrap();
    assert!(installed_uid(&cloud, "everest").is_some());

    let removed = r"
removed {
  from = huaweicloud_cce_addon.old
  lifecycle {
    destroy = false
  }
}

removed {
  from = huaweicloud_cce_addon.gone
}

removed {
  from = huaweicloud_cce_addon.never_managed
}
";
    project.write("main.hcl", &config(&cloud, &format!("{kept}{removed}")));
    let plan = run(&project, &["plan", "--detailed-exitcode"], 2);
    snapshot!("removed_plan", plan.stdout);
    let json = crate::support::plan_document(&run(&project, &["plan", "--json"], 0).stdout);
    assert_eq!(json["summary"]["forget"], 2, "{json:#}");
    let forgets: Vec<&serde_json::Value> = json["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "forget")
        .collect();
    assert_eq!(forgets.len(), 2, "{json:#}");
    assert_eq!(forgets[0]["actions"], serde_json::json!(["forget"]));

    let apply = run(&project, &["apply", "--auto-approve"], 0);
    assert!(
        apply
            .stdout
            .contains("Apply complete! Resources: 0 added, 0 changed, 1 destroyed."),
        "{}",
        apply.stdout
    );
    // Forgotten: still installed, the same objects, no longer in the state.
    assert_eq!(installed_uid(&cloud, "npd"), Some(npd));
    assert_eq!(installed_uid(&cloud, "log-agent"), Some(log_agent));
    assert_eq!(
        project.resource("huaweicloud_cce_addon", "old", Some("npd")),
        None
    );
    assert_eq!(
        project.resource("huaweicloud_cce_addon", "old", Some("log-agent")),
        None
    );
    // Destroyed: uninstalled.
    assert_eq!(installed_uid(&cloud, "everest"), None);
    assert_eq!(
        project.resource("huaweicloud_cce_addon", "gone", None),
        None
    );
    assert!(
        project
            .resource("huaweicloud_cce_addon", "kept", None)
            .is_some()
    );
    let plan = run(&project, &["plan", "--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn removed_of_a_resource_still_declared_is_an_error_at_its_place() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let hcl = format!(
        "{}\nremoved {{\n  from = huaweicloud_cce_addon.dns\n}}\n",
        dns("dns", "coredns")
    );
    project.write("main.hcl", &config(&cloud, &hcl));
    let plan = run(&project, &["plan"], 1);
    insta::assert_snapshot!(plan.stderr, @r"
    error: removed resource `huaweicloud_cce_addon.dns` is still declared in the configuration
      --> main.hcl:19:10
       |
    19 |   from = huaweicloud_cce_addon.dns
       |          ^^^^^^^^^^^^^^^^^^^^^^^^^
       = note: declared at main.hcl:13:1
       = hint: delete its `resource` block, or this `removed` block to keep managing it

    error: the configuration has 1 error
    ");
}

#[test]
fn import_blocks_with_for_each_adopt_objects_without_installing_them() {
    let cloud = Cloud::start(0);
    let uids = installed_elsewhere(&cloud, &["npd", "log-agent"]);
    let project = Project::new();
    let hcl = format!(
        r#"{}
locals {{
  uids = {{
    npd         = "{}"
    "log-agent" = "{}"
  }}
}}

import {{
  for_each = local.uids
  to       = huaweicloud_cce_addon.adopted[each.key]
  id       = "{CLUSTER_1}/${{each.value}}"
}}
"#,
        addons("adopted", &["npd", "log-agent"]),
        uids[0],
        uids[1]
    );
    project.write("main.hcl", &config(&cloud, &hcl));
    let plan = run(&project, &["plan", "--detailed-exitcode"], 2);
    snapshot!("import_for_each_plan", plan.stdout);

    let apply = run(&project, &["apply", "--auto-approve"], 0);
    assert!(apply.stdout.contains("Apply complete!"), "{}", apply.stdout);
    for (template, uid) in ["npd", "log-agent"].iter().zip(&uids) {
        let record = project
            .resource("huaweicloud_cce_addon", "adopted", Some(template))
            .unwrap();
        assert_eq!(record["id"], uid.as_str());
        assert_eq!(installed_uid(&cloud, template).as_ref(), Some(uid));
        let key = format!("cce/{CLUSTER_1}/{template}");
        assert_eq!(cloud.snapshot().installs_of(&key), 1, "{key}");
    }
    // The blocks stay: importing what the state has is nothing to do.
    let plan = run(&project, &["plan", "--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
}

#[test]
fn an_import_of_an_object_that_does_not_exist_fails_the_plan_with_the_clouds_404() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let hcl = format!(
        "{}\nimport {{\n  to = huaweicloud_cce_addon.dns\n  id = \"{CLUSTER_1}/00000000-0000-4000-8000-00000000dead\"\n}}\n",
        dns("dns", "coredns")
    );
    project.write("main.hcl", &config(&cloud, &hcl));
    let plan = run(&project, &["plan"], 1);
    snapshot!("import_not_found", plan.stderr);
    assert!(
        plan.stderr.contains("huaweicloud_cce_addon.dns"),
        "{}",
        plan.stderr
    );
    assert!(
        plan.stderr.contains("00000000-0000-4000-8000-00000000dead"),
        "{}",
        plan.stderr
    );
    run(&project, &["apply", "--auto-approve"], 1);
    assert_eq!(project.resource_count(), 0);
    assert!(cloud.snapshot().addons.is_empty());
}

#[test]
fn generate_config_out_writes_blocks_for_import_targets_and_plans_with_them() {
    let cloud = Cloud::start(0);
    let uids = installed_elsewhere(&cloud, &["metrics-server"]);
    let project = Project::new();
    let hcl = format!(
        "import {{\n  to = huaweicloud_cce_addon.metrics\n  id = \"{CLUSTER_1}/{}\"\n}}\n",
        uids[0]
    );
    project.write("main.hcl", &config(&cloud, &hcl));
    let without = run(&project, &["plan"], 1);
    assert!(
        without.stderr.contains(
            "the configuration for import target `huaweicloud_cce_addon.metrics` does not exist"
        ),
        "{}",
        without.stderr
    );
    assert!(
        without.stderr.contains("--generate-config-out"),
        "{}",
        without.stderr
    );

    let plan = run(
        &project,
        &["plan", "--generate-config-out", "generated.hcl"],
        0,
    );
    snapshot!("generate_config_plan", plan.stdout);
    snapshot!("generate_config_file", project.read("generated.hcl"));
    let again = run(
        &project,
        &["plan", "--generate-config-out", "generated.hcl"],
        1,
    );
    assert!(
        again
            .stderr
            .contains("the file `generated.hcl` already exists"),
        "{}",
        again.stderr
    );

    run(&project, &["apply", "--auto-approve"], 0);
    let record = project
        .resource("huaweicloud_cce_addon", "metrics", None)
        .unwrap();
    assert_eq!(record["id"], uids[0].as_str());
    let plan = run(&project, &["plan", "--detailed-exitcode"], 0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    let key = format!("cce/{CLUSTER_1}/metrics-server");
    assert_eq!(cloud.snapshot().installs_of(&key), 1);
}

#[test]
fn an_import_block_adopts_a_pool_plugin_by_pool_and_template() {
    let cloud = Cloud::start(0);
    let plugin = r#"
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  pool_name     = "pool-a"
  template_name = "gpu-beta"
}
"#;
    let setup = Project::new();
    setup.write("main.hcl", &config(&cloud, plugin));
    run(&setup, &["apply", "--auto-approve"], 0);

    let project = Project::new();
    let hcl = format!(
        "{plugin}\nimport {{\n  to = huaweicloud_modelarts_pool_plugin.gpu\n  id = \"pool-a/gpu-beta\"\n}}\n"
    );
    project.write("main.hcl", &config(&cloud, &hcl));
    let plan = run(&project, &["plan"], 0);
    assert!(
        plan.stdout
            .contains("# huaweicloud_modelarts_pool_plugin.gpu will be imported"),
        "{}",
        plan.stdout
    );
    run(&project, &["apply", "--auto-approve"], 0);
    assert!(
        project
            .resource("huaweicloud_modelarts_pool_plugin", "gpu", None)
            .is_some()
    );
    assert_eq!(cloud.snapshot().installs_of("modelarts/pool-a/gpu-beta"), 1);
    assert_eq!(cloud.snapshot().plugins.len(), 1);

    // A plug-in that is not installed cannot be imported.
    let missing = Project::new();
    let hcl = hcl.replace("pool-a", "pool-b");
    missing.write("main.hcl", &config(&cloud, &hcl));
    let plan = run(&missing, &["plan"], 1);
    assert_eq!(
        plan.stderr.trim(),
        "error: cannot import `huaweicloud_modelarts_pool_plugin.gpu`: no object with id `pool-b/gpu-beta` exists\n\nhint: check the id; an object that no longer exists is created by `plinth apply`"
    );
}

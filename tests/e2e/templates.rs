//! Template-aware plans: the catalogue checks at plan time, upgrades that move the template's
//! defaults and keep what was set outside plinth, rollbacks of failed upgrades, and the
//! catalogue data sources.

use plinth_cloud::{AddonApi, ResourceType};
use serde_json::{Value, json};

use crate::support::{AUTOPILOT, CLUSTER_1, Cloud, Project};

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// A project with the provider in its own file, so the add-ons' line numbers do not move.
fn project(cloud: &Cloud, addons: &str) -> Project {
    let project = Project::new();
    project.write("provider.hcl", &cloud.provider());
    project.write("addons.hcl", addons);
    project
}

fn apply(project: &Project) -> crate::support::Run {
    project.plinth(&["apply", "--auto-approve"])
}

fn assert_no_changes(project: &Project) {
    let run = project.plinth(&["plan", "--detailed-exitcode"]);
    run.code(0);
    assert!(run.stdout.contains("No changes."), "{}", run.stdout);
}

/// The values of the one CCE add-on of `template` in cluster 1, as the cloud has them.
fn installed(cloud: &Cloud, template: &str) -> (String, Value) {
    let list = cloud
        .block_on(cloud.client().list_addons(AddonApi::Cce, CLUSTER_1))
        .unwrap();
    let addon = list
        .items
        .iter()
        .find(|a| a.spec.addon_template_name == template)
        .unwrap();
    (
        addon.spec.version.clone().unwrap_or_default(),
        addon.spec.values.clone().unwrap_or(Value::Null),
    )
}

#[test]
fn catalogue_mistakes_are_plan_errors_at_their_place_with_suggestions() {
    let cloud = Cloud::start(0);
    let project = project(
        &cloud,
        &format!(
            r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "corends"
  version       = "1.28.6"
}}

resource "huaweicloud_cce_addon" "old" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "everest"
  version       = "2.4.99"
}}

resource "huaweicloud_cce_addon" "nowhere" {{
  cluster_id    = "c0ffee00-0000-4000-8000-000000000009"
  template_name = "metrics-server"
}}

resource "huaweicloud_cce_addon" "typo" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "node-local-dns"
  values = {{
    basic = {{ swr_adr = "swr.example" }}
  }}
}}

resource "huaweicloud_cce_addon" "unsupported" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.25.11"
  values = {{
    custom = {{ stub_domain = {{}}, multiAZEnabled = "yes" }}
  }}
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = "pool-c"
  template_name = "gpu-beta"
  version       = "1.2.15"
}}
"#
        ),
    );
    // Nothing template-related needs no cloud: validate passes.
    project.plinth(&["validate"]).code(0);
    let run = project.plinth(&["plan"]);
    run.code(1);
    snapshot!("catalogue_mistakes", run.stderr);
    // Nothing was installed, and the state is untouched.
    assert!(cloud.snapshot().addons.is_empty());
    assert!(!project.path().join("plinth.state.json").exists());
}

#[test]
fn an_unknown_key_that_is_no_near_miss_is_a_warning_and_is_sent() {
    let cloud = Cloud::start(0);
    let project = project(
        &cloud,
        &format!(
            r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    custom = {{ my_extra_setting = true }}
  }}
}}
"#
        ),
    );
    let run = project.plinth(&["plan"]);
    run.code(0);
    snapshot!("unknown_key_warning", run.stderr);
    apply(&project).code(0);
    let (_, values) = installed(&cloud, "coredns");
    assert_eq!(values["custom"]["my_extra_setting"], true);
    assert_no_changes(&project);
}

#[test]
fn plan_warnings_are_diagnostic_lines_of_the_stream_and_quotes_of_the_review_summary() {
    let cloud = Cloud::start(0);
    let project = project(
        &cloud,
        &format!(
            r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    custom = {{ my_extra_setting = true }}
  }}
}}
"#
        ),
    );
    let run = project.plinth(&["plan", "--json"]);
    run.code(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        ["version", "diagnostic", "plan", "summary"],
        "{}",
        run.stdout
    );
    assert_eq!(lines[0]["format_version"], "1.2");
    let warning = &lines[1];
    assert_eq!(warning["severity"], "warning");
    assert_eq!(
        warning["message"],
        "`custom.my_extra_setting` is not among the template's default parameters; it is sent as written"
    );
    assert_eq!(
        warning["range"],
        json!({"file": "addons.hcl", "line": 6, "column": 16})
    );
    assert!(
        warning["hint"]
            .as_str()
            .unwrap()
            .starts_with("the template's parameters here are")
    );
    assert_eq!(lines[3]["outcome"], "success");
    // stderr still shows it as a code frame.
    assert!(run.stderr.contains("my_extra_setting"), "{}", run.stderr);

    let review = project.plinth(&["plan", "--markdown"]);
    review.code(0);
    assert!(
        review.stdout.contains(
            "> **Warning:** addons.hcl:6:16: `custom.my_extra_setting` is not among the template's default parameters; it is sent as written (the template's parameters here are"
        ),
        "{}",
        review.stdout
    );

    // A plan without warnings has no diagnostic line, and the apply streams the same warning.
    let applied = project.plinth(&["apply", "--auto-approve", "--json"]);
    applied.code(0);
    assert_eq!(applied.stdout.matches(r#""type":"diagnostic""#).count(), 1);
    assert!(applied.stdout.contains(r#""severity":"warning""#));
    let clean = project.plinth(&["plan", "--json"]);
    clean.code(0);
    assert!(!clean.stdout.contains("diagnostic"), "{}", clean.stdout);
}

fn coredns(version: &str, custom: &str) -> String {
    format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "{version}"
  values = {{
    flavor = {{ replicas = 3 }}{custom}
  }}
}}
"#
    )
}

#[test]
fn an_upgrade_moves_the_defaults_and_keeps_what_was_set_in_the_console() {
    let cloud = Cloud::start(0);
    let project = project(&cloud, &coredns("1.28.6", ""));
    apply(&project).code(0);
    let (_, values) = installed(&cloud, "coredns");
    assert_eq!(values["basic"]["image_version"], "1.28.6");

    // In the console: upstream name servers, sent as the console does (the full values).
    let kind = ResourceType::CCE_ADDON;
    let client = cloud.client();
    let addon = cloud
        .block_on(
            kind.find_by_natural_key(
                &client,
                &[
                    ("cluster_id".to_owned(), CLUSTER_1.to_owned()),
                    ("template_name".to_owned(), "coredns".to_owned()),
                ]
                .into_iter()
                .collect(),
            ),
        )
        .unwrap()
        .unwrap();
    let mut console = values.clone();
    console["custom"]["upstream_nameservers"] = json!(["8.8.8.8"]);
    cloud
        .block_on(kind.update(
            &client,
            &addon,
            &json!({"cluster_id": CLUSTER_1, "template_name": "coredns", "version": "1.28.6", "values": console}),
        ))
        .unwrap();

    project.write("addons.hcl", &coredns("1.30.6", ""));
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    assert!(
        plan.stdout
            .contains(r#"image_version = "1.28.6" -> "1.30.6""#)
            || plan.stdout.contains(r#""1.28.6" -> "1.30.6""#),
        "the plan shows the default that moves:\n{}",
        plan.stdout
    );
    snapshot!("upgrade_plan", plan.stdout);
    apply(&project).code(0);
    let (version, values) = installed(&cloud, "coredns");
    assert_eq!(version, "1.30.6");
    assert_eq!(values["basic"]["image_version"], "1.30.6");
    assert_eq!(values["custom"]["upstream_nameservers"], json!(["8.8.8.8"]));
    assert_eq!(values["flavor"]["replicas"], 3);
    assert_no_changes(&project);
}

#[test]
fn a_key_removed_from_the_configuration_returns_to_the_template_default() {
    let cloud = Cloud::start(0);
    // replicas has a template default (2); my_extra_setting has none.
    let project = project(
        &cloud,
        &coredns("1.28.6", ",\n    custom = { my_extra_setting = true }"),
    );
    apply(&project).code(0);
    let (_, values) = installed(&cloud, "coredns");
    assert_eq!(values["flavor"]["replicas"], 3);
    assert_eq!(values["custom"]["my_extra_setting"], true);
    let state = std::fs::read_to_string(project.path().join("plinth.state.json")).unwrap();
    let state: Value = serde_json::from_str(&state).unwrap();
    assert_eq!(
        state["resources"][0]["configured"],
        json!(["/values/custom/my_extra_setting", "/values/flavor/replicas"])
    );

    // In the console, never configured: upstream name servers.
    let (_, mut console) = installed(&cloud, "coredns");
    console["custom"]["upstream_nameservers"] = json!(["8.8.8.8"]);
    let kind = ResourceType::CCE_ADDON;
    let client = cloud.client();
    let natural_key = [
        ("cluster_id".to_owned(), CLUSTER_1.to_owned()),
        ("template_name".to_owned(), "coredns".to_owned()),
    ]
    .into_iter()
    .collect();
    let addon = cloud
        .block_on(kind.find_by_natural_key(&client, &natural_key))
        .unwrap()
        .unwrap();
    cloud
        .block_on(kind.update(
            &client,
            &addon,
            &json!({"cluster_id": CLUSTER_1, "template_name": "coredns", "version": "1.28.6", "values": console}),
        ))
        .unwrap();

    // Both keys leave the configuration.
    project.write(
        "addons.hcl",
        &format!(
            r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#
        ),
    );
    // Without a refresh there are no template defaults to return to: nothing is planned.
    let blind = project.plinth(&["plan", "--no-refresh", "--detailed-exitcode"]);
    blind.code(0);
    assert!(blind.stdout.contains("No changes."), "{}", blind.stdout);
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    snapshot!("return_to_default_plan", plan.stdout);
    apply(&project).code(0);
    let (version, values) = installed(&cloud, "coredns");
    assert_eq!(version, "1.28.6");
    assert_eq!(values["flavor"]["replicas"], 2, "{values}");
    assert_eq!(values["custom"].get("my_extra_setting"), None, "{values}");
    assert_eq!(values["custom"]["upstream_nameservers"], json!(["8.8.8.8"]));
    // One add-on, updated in place under its id.
    assert_eq!(cloud.snapshot().addons.len(), 1);
    let again = cloud
        .block_on(kind.find_by_natural_key(&client, &natural_key))
        .unwrap()
        .unwrap();
    assert_eq!(again.id, addon.id);
    let state = std::fs::read_to_string(project.path().join("plinth.state.json")).unwrap();
    assert!(!state.contains("\"configured\""), "{state}");
    assert_no_changes(&project);
}

#[test]
fn a_failed_upgrade_is_rolled_back_when_asked() {
    let cloud = Cloud::start(30);
    let addon = |version: &str| {
        format!(
            r#"resource "huaweicloud_cce_autopilot_addon" "flaky" {{
  cluster_id          = "{AUTOPILOT}"
  template_name       = "upgrade-fails"
  version             = "{version}"
  rollback_on_failure = true
}}
"#
        )
    };
    let project = project(&cloud, &addon("1.0.0"));
    let created = apply(&project);
    created.code(0);
    assert_no_changes(&project);
    project.write("addons.hcl", &addon("1.0.1"));
    let run = apply(&project);
    run.code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("upgradeFailed"), "{all}");
    assert!(
        all.contains("rolled back to version 1.0.0 (`rollback_on_failure = true`)"),
        "{all}"
    );
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.addons[0].version, "1.0.0");
    let recorded = project
        .resource("huaweicloud_cce_autopilot_addon", "flaky", None)
        .unwrap();
    assert_eq!(recorded["attributes"]["version"], "1.0.0", "{recorded}");
    // The next plan tries the upgrade again: nothing else changed.
    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(2);
    assert!(
        plan.stdout.contains(r#"version = "1.0.0" -> "1.0.1""#),
        "{}",
        plan.stdout
    );
}

#[test]
fn a_failed_upgrade_without_rollback_on_failure_stays_failed() {
    let cloud = Cloud::start(0);
    let addon = |version: &str| {
        format!(
            r#"resource "huaweicloud_cce_autopilot_addon" "flaky" {{
  cluster_id    = "{AUTOPILOT}"
  template_name = "upgrade-fails"
  version       = "{version}"
}}
"#
        )
    };
    let project = project(&cloud, &addon("1.0.0"));
    apply(&project).code(0);
    project.write("addons.hcl", &addon("1.0.1"));
    let run = apply(&project);
    run.code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(!all.contains("rolled back"), "{all}");
    assert_eq!(cloud.snapshot().addons[0].version, "1.0.1");
}

#[test]
fn catalogue_data_sources_list_templates_and_addons() {
    let cloud = Cloud::start(0);
    let project = project(
        &cloud,
        &format!(
            r#"data "huaweicloud_cce_addon_templates" "dns" {{
  template_name = "coredns"
}}

data "huaweicloud_cce_autopilot_addon_templates" "all" {{}}

data "huaweicloud_modelarts_plugin_templates" "gpu" {{
  template_name = "gpu-beta"
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = data.huaweicloud_cce_addon_templates.dns.templates[0].versions[1].version
}}

data "huaweicloud_cce_addons" "cluster" {{
  cluster_id = huaweicloud_cce_addon.dns.cluster_id
}}

output "dns_versions" {{
  value = [for v in data.huaweicloud_cce_addon_templates.dns.templates[0].versions : v.version]
}}

output "dns_default_image" {{
  value = data.huaweicloud_cce_addon_templates.dns.templates[0].versions[3].defaults.basic.image_version
}}

output "autopilot_templates" {{
  value = length(data.huaweicloud_cce_autopilot_addon_templates.all.templates)
}}

output "gpu_versions" {{
  value = [for v in data.huaweicloud_modelarts_plugin_templates.gpu.templates[0].versions : v.version]
}}

output "installed" {{
  value = [for a in data.huaweicloud_cce_addons.cluster.addons : "${{a.template_name}}@${{a.version}}"]
}}
"#
        ),
    );
    apply(&project).code(0);
    // The add-ons of the cluster were read before the add-on was installed; the next run reads
    // them again.
    apply(&project).code(0);
    let output = project.plinth(&["output", "--json"]);
    output.code(0);
    let outputs: Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(
        outputs["dns_versions"]["value"],
        json!(["1.25.11", "1.28.6", "1.29.4", "1.30.6"])
    );
    assert_eq!(outputs["dns_default_image"]["value"], "1.30.6");
    assert_eq!(outputs["autopilot_templates"]["value"], 5);
    assert_eq!(
        outputs["gpu_versions"]["value"],
        json!(["1.2.15", "1.2.21", "2.7.19"])
    );
    assert_eq!(outputs["installed"]["value"], json!(["coredns@1.28.6"]));
    let (version, _) = installed(&cloud, "coredns");
    assert_eq!(version, "1.28.6");
}

//! Renderings of plans made by the real planner from HCL text, hand-built states and
//! observations.

use insta::{assert_json_snapshot, assert_snapshot};
use plinth_planner::testing::{World, address, config};
use plinth_planner::{Plan, PlanOptions};
use plinth_state::{Change, ResourceState, State};
use serde_json::{Value as Json, json};

use super::document::ENTRIES_MADE;
use super::testing::{plan_json, plan_text, summary_line};
use super::{PlanView, RenderOptions, write_json, write_plan_text};

/// Planning HCL text against a world, and rendering the plan.
trait PlanText {
    /// The plan of `hcl`.
    fn plan_of(&self, hcl: &str, options: &PlanOptions) -> Plan;
    /// The plain text of the plan of `hcl`.
    fn text(&self, hcl: &str, options: &PlanOptions) -> String;
}

impl PlanText for World {
    fn plan_of(&self, hcl: &str, options: &PlanOptions) -> Plan {
        self.plan(&config(hcl), options).unwrap()
    }

    fn text(&self, hcl: &str, options: &PlanOptions) -> String {
        check_text(&self.plan_of(hcl, options), &self.state)
    }
}

/// Renders plain and coloured text, checks that only the coloured one has ANSI codes and that
/// both read the same, and returns the plain one.
fn check_text(plan: &Plan, state: &State) -> String {
    let monochrome = plan_text(plan, state, RenderOptions { color: false });
    let colored = plan_text(plan, state, RenderOptions { color: true });
    assert!(!monochrome.contains('\u{1b}'), "plain text has ANSI codes");
    assert_eq!(console::strip_ansi_codes(&colored), monochrome);
    assert!(
        monochrome.lines().all(|line| !line.ends_with(' ')),
        "trailing spaces in:\n{monochrome}"
    );
    monochrome
}

const DNS: &str = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "1.28.6"
  values = {
    flavor = { replicas = 2 }
    custom = { upstream_nameservers = ["8.8.8.8"] }
  }
}
"#;

/// The add-on as the cloud reports it after installing `DNS`: with template defaults.
fn dns_remote() -> Json {
    json!({
        "cluster_id": "c1", "template_name": "coredns", "version": "1.28.6",
        "current_version": "1.28.6", "status": "running", "id": "uid-dns",
        "values": {
            "flavor": {"replicas": 2, "cpu": "500m", "name": "small"},
            "custom": {"upstream_nameservers": ["8.8.8.8"], "stub_domains": {}},
            "basic": {"cluster_ip": "10.247.3.10"}
        }
    })
}

fn dns_world(remote: Json) -> World {
    let mut world = World::new();
    world.in_state("huaweicloud_cce_addon.dns", Some("uid-dns"), remote, &[]);
    world
}

#[test]
fn create() {
    assert_snapshot!(World::new().text(DNS, &PlanOptions::default()));
}

#[test]
fn update_of_version() {
    let mut old = dns_remote();
    old["version"] = json!("1.28.5");
    old["current_version"] = json!("1.28.5");
    assert_snapshot!(dns_world(old).text(DNS, &PlanOptions::default()));
}

#[test]
fn update_of_nested_values_folds_unchanged_keys() {
    let mut old = dns_remote();
    old["values"]["flavor"]["replicas"] = json!(1);
    old["values"]["custom"]["upstream_nameservers"] = json!(["1.1.1.1", "8.8.8.8", "8.8.4.4"]);
    assert_snapshot!(dns_world(old).text(DNS, &PlanOptions::default()));
}

#[test]
fn replace_on_cluster_change_forces_replacement() {
    let mut old = dns_remote();
    old["cluster_id"] = json!("c0");
    assert_snapshot!(dns_world(old).text(DNS, &PlanOptions::default()));
}

#[test]
fn replace_with_create_before_destroy() {
    let hcl = DNS.replace(
        "  version       = \"1.28.6\"",
        "  version       = \"1.28.6\"\n  lifecycle {\n    create_before_destroy = true\n  }",
    );
    let mut old = dns_remote();
    old["cluster_id"] = json!("c0");
    let text = dns_world(old).text(&hcl, &PlanOptions::default());
    assert!(text.contains("+/- resource"), "{text}");
    assert_snapshot!(text);
}

#[test]
fn replace_requested_and_tainted() {
    let options = PlanOptions {
        replace: vec![address("huaweicloud_cce_addon.dns")],
        ..PlanOptions::default()
    };
    let requested = dns_world(dns_remote()).text(DNS, &options);
    assert!(requested.contains("  # huaweicloud_cce_addon.dns will be replaced, as requested\n"));
    let mut world = dns_world(dns_remote());
    world.tainted("huaweicloud_cce_addon.dns");
    let tainted = world.text(DNS, &PlanOptions::default());
    assert!(tainted.contains("  # huaweicloud_cce_addon.dns is tainted, so must be replaced\n"));
    assert_snapshot!(tainted);
}

#[test]
fn delete() {
    assert_snapshot!(dns_world(dns_remote()).text("", &PlanOptions::default()));
}

#[test]
fn drift_section_and_the_change_back() {
    let mut world = dns_world(dns_remote());
    let mut now = dns_remote();
    now["values"]["flavor"]["replicas"] = json!(3);
    world.remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
    assert_snapshot!(world.text(DNS, &PlanOptions::default()));
}

#[test]
fn deleted_outside() {
    let mut world = dns_world(dns_remote());
    world.gone("huaweicloud_cce_addon.dns");
    assert_snapshot!(world.text(DNS, &PlanOptions::default()));
}

#[test]
fn deleted_outside_and_no_longer_configured_is_no_change() {
    let mut world = dns_world(dns_remote());
    world.gone("huaweicloud_cce_addon.dns");
    assert_snapshot!(world.text("", &PlanOptions::default()));
}

#[test]
fn import() {
    let mut world = World::new();
    world.found("huaweicloud_cce_addon.dns", Some("uid-dns"), dns_remote());
    assert_snapshot!(world.text(DNS, &PlanOptions::default()));
}

#[test]
fn import_then_update() {
    let mut found = dns_remote();
    found["version"] = json!("1.27.1");
    found["current_version"] = json!("1.27.1");
    let mut world = World::new();
    world.found("huaweicloud_cce_addon.dns", Some("uid-dns"), found);
    assert_snapshot!(world.text(DNS, &PlanOptions::default()));
}

const DATA: &str = r#"
data "huaweicloud_cce_addon" "existing" {
  cluster_id = "c1"
  id         = "uid-x"
}
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = data.huaweicloud_cce_addon.existing.template_name
}
"#;

#[test]
fn read_of_a_data_source_and_unknown_values() {
    assert_snapshot!(World::new().text(DATA, &PlanOptions::default()));
}

#[test]
fn unknown_values_of_a_dependent() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c2"
  template_name = "coredns"
}
resource "huaweicloud_cce_addon" "metrics" {
  cluster_id    = "c1"
  template_name = "metrics-server"
  values        = { custom = { dns_addon = huaweicloud_cce_addon.dns.id, keep = "yes" } }
}
"#;
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns", "id": "uid-dns"}),
        &[],
    );
    world.in_state(
        "huaweicloud_cce_addon.metrics",
        Some("uid-m"),
        json!({"cluster_id": "c1", "template_name": "metrics-server",
               "values": {"custom": {"dns_addon": "uid-dns", "keep": "yes"}}}),
        &[],
    );
    let text = world.text(hcl, &PlanOptions::default());
    assert!(
        text.contains("~ dns_addon = \"uid-dns\" -> (known after apply)"),
        "{text}"
    );
    assert_snapshot!(text);
}

const SECRET: &str = "s3cr3t-t0ken";

fn sensitive_hcl() -> String {
    format!(
        r#"
variable "token" {{
  type      = string
  default   = "{SECRET}"
  sensitive = true
}}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "c1"
  template_name = "coredns"
  values        = {{ custom = {{ token = var.token, plain = "x" }} }}
}}
resource "huaweicloud_cce_addon" "new" {{
  cluster_id    = "c1"
  template_name = "everest"
  values        = {{ custom = {{ token = var.token }} }}
}}
"#
    )
}

#[test]
fn sensitive_values_are_never_shown() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns",
               "values": {"custom": {"token": "old-secret-value", "plain": "x"}}}),
        &[],
    );
    let plan = world.plan_of(&sensitive_hcl(), &PlanOptions::default());
    let text = check_text(&plan, &world.state);
    let json = plan_json(&plan, &world.state).to_string();
    for secret in [SECRET, "old-secret-value"] {
        assert!(!text.contains(secret), "{text}");
        assert!(!json.contains(secret), "{json}");
    }
    assert!(text.contains("(sensitive value)"));
    assert_snapshot!(text);
}

#[test]
fn sealed_sensitive_drift_is_never_shown() {
    let hcl = sensitive_hcl();
    let mut world = World::new();
    let mut resource = ResourceState::new(
        Some("uid-dns".into()),
        json!({"cluster_id": "c1", "template_name": "coredns",
               "values": {"custom": {"token": SECRET, "plain": "x"}}}),
    );
    assert!(
        world
            .state
            .seal_sensitive(&mut resource, "/values/custom/token")
    );
    world.state.apply(Change::Upsert {
        address: address("huaweicloud_cce_addon.dns"),
        resource,
    });
    world.remote(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns",
               "values": {"custom": {"token": "changed-outside", "plain": "x"}}}),
    );
    let plan = world.plan_of(&hcl, &PlanOptions::default());
    let text = check_text(&plan, &world.state);
    let json = plan_json(&plan, &world.state).to_string();
    for secret in [SECRET, "changed-outside"] {
        assert!(!text.contains(secret), "{text}");
        assert!(!json.contains(secret), "{json}");
    }
    assert_snapshot!(text);
}

const PLUGINS: &str = r#"
resource "huaweicloud_modelarts_pool_plugin" "gpu" {
  for_each      = toset(["pool-a", "pool-b"])
  pool_name     = each.key
  template_name = "gpu-beta"
  version       = "1.2.15"
}
"#;

fn plugin(pool: &str) -> Json {
    json!({"pool_name": pool, "template_name": "gpu-beta", "version": "1.2.15", "phase": "Running"})
}

#[test]
fn for_each_instances_with_string_keys() {
    let mut world = World::new();
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
        None,
        plugin("pool-a"),
        &[],
    );
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-c"]"#,
        None,
        plugin("pool-c"),
        &[],
    );
    assert_snapshot!(world.text(PLUGINS, &PlanOptions::default()));
}

#[test]
fn count_index_removed() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "extra" {
  count         = 1
  cluster_id    = "c${count.index}"
  template_name = "everest"
}
"#;
    let mut world = World::new();
    for i in 0..2 {
        world.in_state(
            &format!("huaweicloud_cce_addon.extra[{i}]"),
            Some(&format!("uid-{i}")),
            json!({"cluster_id": format!("c{i}"), "template_name": "everest"}),
            &[],
        );
    }
    let text = world.text(hcl, &PlanOptions::default());
    assert!(
        text.contains("  # (because index [1] is out of range for count)\n"),
        "{text}"
    );
}

#[test]
fn no_changes() {
    assert_snapshot!(dns_world(dns_remote()).text(DNS, &PlanOptions::default()), @r"
    No changes. Your infrastructure matches the configuration.

    plinth has compared your real infrastructure against your configuration and found no differences, so no changes are needed.
    ");
}

#[test]
fn refresh_only_with_drift() {
    let mut world = dns_world(dns_remote());
    let mut now = dns_remote();
    now["values"]["flavor"]["replicas"] = json!(3);
    now["version"] = json!("1.28.9");
    now["current_version"] = json!("1.28.9");
    world.remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
    let options = PlanOptions {
        refresh_only: true,
        ..PlanOptions::default()
    };
    assert_snapshot!(world.text(DNS, &options));
}

#[test]
fn refresh_only_without_drift() {
    let options = PlanOptions {
        refresh_only: true,
        ..PlanOptions::default()
    };
    assert_snapshot!(dns_world(dns_remote()).text(DNS, &options), @r"
    No changes. Your infrastructure still matches the configuration.

    plinth has checked that the real remote objects still match the result of your most recent changes, and found no differences.
    ");
}

#[test]
fn color_on_and_off() {
    let world = World::new();
    let plan = world.plan_of(DNS, &PlanOptions::default());
    let colored = plan_text(&plan, &world.state, RenderOptions { color: true });
    assert!(
        colored.contains("\u{1b}[32m+\u{1b}[0m resource"),
        "{colored:?}"
    );
    let monochrome = plan_text(&plan, &world.state, RenderOptions { color: false });
    assert!(!monochrome.contains('\u{1b}'));
    assert!(monochrome.contains("  + resource \"huaweicloud_cce_addon\" \"dns\" {\n"));
}

#[test]
fn summary_lines() {
    let plain = plinth_planner::Summary {
        add: 1,
        change: 2,
        ..Default::default()
    };
    assert_eq!(
        summary_line(&plain),
        "Plan: 1 to add, 2 to change, 0 to destroy."
    );
    let imports = plinth_planner::Summary {
        import: 1,
        ..Default::default()
    };
    assert_eq!(
        summary_line(&imports),
        "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy."
    );
}

#[test]
fn json_of_an_update_with_drift() {
    let mut world = dns_world(dns_remote());
    let mut now = dns_remote();
    now["values"]["flavor"]["replicas"] = json!(3);
    now["cluster_id"] = json!("c0");
    world.remote("huaweicloud_cce_addon.dns", Some("uid-dns"), now);
    let plan = world.plan_of(DNS, &PlanOptions::default());
    assert_json_snapshot!(plan_json(&plan, &world.state), {
        ".prior_state.lineage" => "[lineage]",
        ".plinth_version" => "[version]",
    });
}

#[test]
fn json_of_unknown_and_sensitive_values() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        json!({"cluster_id": "c1", "template_name": "coredns",
               "values": {"custom": {"token": "old-secret-value", "plain": "x"}}}),
        &[],
    );
    let plan = world.plan_of(&sensitive_hcl(), &PlanOptions::default());
    assert_json_snapshot!(plan_json(&plan, &world.state), {
        ".prior_state.lineage" => "[lineage]",
        ".plinth_version" => "[version]",
    });
}

#[test]
fn destroy_plan() {
    let options = PlanOptions {
        destroy: true,
        ..PlanOptions::default()
    };
    let text = dns_world(dns_remote()).text(DNS, &options);
    assert!(text.contains("  # huaweicloud_cce_addon.dns will be destroyed\n  - resource"));
    assert!(text.ends_with("Plan: 0 to add, 0 to change, 1 to destroy.\n"));
    assert_snapshot!(World::new().text(DNS, &options), @r"
    No changes. No objects need to be destroyed.

    Either you have not created any objects yet or the existing objects were already deleted outside plinth.
    ");
}

#[test]
fn data_source_with_unknown_arguments() {
    let hcl = r#"
resource "huaweicloud_cce_addon" "dns" {
  cluster_id    = "c1"
  template_name = "coredns"
}
data "huaweicloud_cce_addon" "dns" {
  cluster_id = "c1"
  id         = huaweicloud_cce_addon.dns.id
}
"#;
    let text = World::new().text(hcl, &PlanOptions::default());
    assert!(
        text.contains(
            "  # data.huaweicloud_cce_addon.dns will be read during apply\n  # (config refers to values not yet known)\n <= data \"huaweicloud_cce_addon\" \"dns\" {\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("      + id              = (known after apply)\n"),
        "{text}"
    );
}

#[test]
fn refresh_only_with_an_object_deleted_outside() {
    let mut world = dns_world(dns_remote());
    world.gone("huaweicloud_cce_addon.dns");
    let options = PlanOptions {
        refresh_only: true,
        ..PlanOptions::default()
    };
    let text = world.text(DNS, &options);
    assert!(
        text.contains("  # huaweicloud_cce_addon.dns has been deleted\n"),
        "{text}"
    );
    assert!(text.contains("plinth will update the state to match these objects"));
    assert!(!text.contains("will be created"));
}

#[test]
fn json_names_instances_by_key() {
    let world = World::new();
    let plan = world.plan_of(PLUGINS, &PlanOptions::default());
    let json = plan_json(&plan, &world.state);
    let changes = json["resource_changes"].as_array().unwrap();
    let keys: Vec<(&str, &Json)> = changes
        .iter()
        .map(|c| (c["address"].as_str().unwrap(), &c["index"]))
        .collect();
    assert_eq!(
        keys,
        [
            (
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
                &json!("pool-a")
            ),
            (
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#,
                &json!("pool-b")
            ),
        ]
    );
    assert_eq!(changes[0]["actions"], json!(["create"]));
    assert_eq!(json["summary"]["add"], json!(2));
}

/// What `render` returns, and how many document entries it made.
fn entries_made<T>(render: impl FnOnce() -> T) -> (T, usize) {
    let before = ENTRIES_MADE.with(std::cell::Cell::get);
    let out = render();
    (out, ENTRIES_MADE.with(std::cell::Cell::get) - before)
}

fn streamed_text(view: &PlanView<'_>) -> String {
    let mut out = Vec::new();
    write_plan_text(&mut out, view, RenderOptions::default()).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_text_makes_no_entry_for_a_no_op() {
    let mut world = World::new();
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
        None,
        plugin("pool-a"),
        &[],
    );
    let plan = world.plan_of(PLUGINS, &PlanOptions::default());
    assert_eq!(
        plan.changes().len(),
        2,
        "pool-a is a no-op, pool-b a create"
    );
    let view = PlanView::new(&plan, &world.state);
    let (text, made) = entries_made(|| streamed_text(&view));
    assert_eq!(made, 1, "only the create became an entry:\n{text}");
    assert!(text.contains(r#"gpu["pool-b"] will be created"#), "{text}");
    assert!(!text.contains("pool-a"), "{text}");
    // The JSON lists every instance, no-ops included.
    let (json, made) = entries_made(|| {
        let mut out = Vec::new();
        write_json(&mut out, &view).unwrap();
        serde_json::from_slice::<Json>(&out).unwrap()
    });
    assert_eq!(made, 2);
    assert_eq!(json["resource_changes"][0]["action"], json!("no-op"));

    // A plan that changes nothing makes no entry at all.
    world.in_state(
        r#"huaweicloud_modelarts_pool_plugin.gpu["pool-b"]"#,
        None,
        plugin("pool-b"),
        &[],
    );
    let plan = world.plan_of(PLUGINS, &PlanOptions::default());
    let (text, made) = entries_made(|| streamed_text(&PlanView::new(&plan, &world.state)));
    assert_eq!(made, 0, "{text}");
    assert!(text.starts_with("No changes."), "{text}");
}

/// A world whose state records outputs `kept`, `changed`, `gone` (an object) and a sensitive
/// `token`, with the add-on of `DNS` installed.
fn world_with_outputs() -> World {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("uid-dns"),
        dns_remote(),
        &[],
    );
    for (name, value) in [
        ("kept", json!("1.28.6")),
        ("changed", json!({"a": 1, "b": "x"})),
        ("gone", json!({"a": 1})),
    ] {
        world.state.apply(Change::SetOutput {
            name: name.to_owned(),
            output: plinth_state::OutputState::Plain(value),
        });
    }
    let token = world.state.fingerprint(&json!("old"));
    world.state.apply(Change::SetOutput {
        name: "token".to_owned(),
        output: plinth_state::OutputState::Sensitive(token),
    });
    world
}

const OUTPUTS: &str = r#"
variable "token" {
  type      = string
  default   = "s3cr3t-token"
  sensitive = true
}
output "kept" { value = huaweicloud_cce_addon.dns.version }
output "changed" { value = { a = 1, b = "y" } }
output "added" { value = ["p", "q"] }
output "token" {
  value     = var.token
  sensitive = true
}
"#;

#[test]
fn a_plan_that_changes_only_outputs_shows_them() {
    let world = world_with_outputs();
    let plan = world.plan_of(&format!("{DNS}{OUTPUTS}"), &PlanOptions::default());
    assert!(plan.has_changes());
    let text = check_text(&plan, &world.state);
    assert!(
        !text.contains("s3cr3t"),
        "the sensitive value leaked:\n{text}"
    );
    assert_snapshot!(text, @r#"
    Changes to Outputs:
      + added   = [
          + "p",
          + "q",
        ]
      ~ changed = {
          ~ b = "x" -> "y"
            # (1 unchanged element hidden)
        }
      - gone    = {
          - a = 1
        } -> null
      ~ token   = (sensitive value)

    You can apply this plan to save these new output values to the plinth state, without changing any real infrastructure.
    "#);
    let json = plan_json(&plan, &world.state);
    assert_json_snapshot!(json["output_changes"], @r#"
    {
      "added": {
        "actions": [
          "create"
        ],
        "after": [
          "p",
          "q"
        ],
        "after_sensitive": false,
        "after_unknown": false,
        "before": null,
        "before_sensitive": false
      },
      "changed": {
        "actions": [
          "update"
        ],
        "after": {
          "a": 1,
          "b": "y"
        },
        "after_sensitive": false,
        "after_unknown": false,
        "before": {
          "a": 1,
          "b": "x"
        },
        "before_sensitive": false
      },
      "gone": {
        "actions": [
          "delete"
        ],
        "after": null,
        "after_sensitive": false,
        "after_unknown": false,
        "before": {
          "a": 1
        },
        "before_sensitive": false
      },
      "kept": {
        "actions": [
          "no-op"
        ],
        "after": "1.28.6",
        "after_sensitive": false,
        "after_unknown": false,
        "before": "1.28.6",
        "before_sensitive": false
      },
      "token": {
        "actions": [
          "update"
        ],
        "after": null,
        "after_sensitive": true,
        "after_unknown": false,
        "before": null,
        "before_sensitive": true
      }
    }
    "#);
    assert_eq!(json["has_changes"], json!(true));
}

#[test]
fn outputs_follow_the_resource_changes_and_unknown_values_say_so() {
    let world = World::new();
    let hcl = format!("{DNS}output \"id\" {{ value = huaweicloud_cce_addon.dns.id }}\n");
    let text = world.text(&hcl, &PlanOptions::default());
    let tail = &text[text.find("Plan: ").unwrap()..];
    assert_snapshot!(tail, @r"
    Plan: 1 to add, 0 to change, 0 to destroy.

    Changes to Outputs:
      + id = (known after apply)
    ");
}

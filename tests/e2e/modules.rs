//! Local modules end to end: a module over two clusters with `for_each` (installed once each,
//! outputs read back, nothing to do after), `--target` with module addresses, and moves into
//! and out of a module that send nothing to the cloud.

use crate::support::{CLUSTER_1, CLUSTER_2, Cloud, Project, plan_document};

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
            (r"after \d+s", "after [n]s"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// The module: one CoreDNS add-on in the cluster it is given, its id and status as outputs.
const DNS_MODULE: &str = r#"variable "cluster_id" {
  type = string
}

variable "replicas" {
  type    = number
  default = 2
  validation {
    condition     = var.replicas > 0
    error_message = "replicas must be positive"
  }
}

resource "huaweicloud_cce_addon" "coredns" {
  cluster_id    = var.cluster_id
  template_name = "coredns"
  version       = "1.28.6"
  values = {
    flavor = { replicas = var.replicas }
  }
}

output "id" {
  value = huaweicloud_cce_addon.coredns.id
}
"#;

fn root(cloud: &Cloud) -> String {
    format!(
        r#"{provider}
variable "clusters" {{
  type = map(string)
  default = {{
    c1 = "{CLUSTER_1}"
    c2 = "{CLUSTER_2}"
  }}
}}

module "dns" {{
  source     = "./modules/dns"
  for_each   = var.clusters
  cluster_id = each.value
}}

output "dns_ids" {{
  value = {{ for name, dns in module.dns : name => dns.id }}
}}
"#,
        provider = cloud.provider()
    )
}

fn project_with_module(main: &str) -> Project {
    let project = Project::new();
    std::fs::create_dir_all(project.path().join("modules/dns")).unwrap();
    project.write("modules/dns/main.hcl", DNS_MODULE);
    project.write("main.hcl", main);
    project
}

fn addresses(project: &Project) -> Vec<String> {
    let run = project.plinth(&["state", "list"]);
    run.code(0);
    run.stdout.lines().map(str::to_owned).collect()
}

/// The uid of the CoreDNS add-on of `cluster` in the emulator.
fn uid_in(cloud: &Cloud, cluster: &str) -> String {
    cloud
        .snapshot()
        .addons
        .iter()
        .find(|a| a.cluster_id == cluster && a.template == "coredns")
        .map_or_else(|| panic!("no coredns in {cluster}"), |a| a.uid.clone())
}

/// Requests that change the cloud (install, upgrade, delete), over every route.
fn changing_requests(cloud: &Cloud) -> u64 {
    cloud
        .requests()
        .by_route
        .iter()
        .filter(|(route, _)| !route.starts_with("GET"))
        .map(|(_, counts)| counts.total)
        .sum()
}

#[test]
fn a_module_over_two_clusters_is_applied_read_back_and_stable() {
    let cloud = Cloud::start(0);
    let project = project_with_module(&root(&cloud));
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    snapshot!("module_plan", plan.stdout.clone());
    let json = project.plinth(&["plan", "--json"]);
    json.code(0);
    let change = &plan_document(&json.stdout)["resource_changes"][1];
    assert_eq!(
        change["address"],
        r#"module.dns["c2"].huaweicloud_cce_addon.coredns"#
    );
    assert_eq!(change["module_address"], r#"module.dns["c2"]"#);
    assert_eq!(change["name"], "coredns");
    let markdown = project.plinth(&["plan", "--markdown"]);
    assert!(
        markdown
            .stdout
            .contains(r#"| `+` | `module.dns["c1"].huaweicloud_cce_addon.coredns` | create |"#),
        "{}",
        markdown.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);

    // The emulator's view: one install in each cluster, under the ids the state records.
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.installs_of(&format!("cce/{CLUSTER_1}/coredns")), 1);
    assert_eq!(snapshot.installs_of(&format!("cce/{CLUSTER_2}/coredns")), 1);
    assert_eq!(
        addresses(&project),
        [
            r#"module.dns["c1"].huaweicloud_cce_addon.coredns"#,
            r#"module.dns["c2"].huaweicloud_cce_addon.coredns"#,
        ]
    );
    let state = project.state();
    let modules: Vec<&str> = state["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["module"].as_str().unwrap())
        .collect();
    assert_eq!(modules, [r#"module.dns["c1"]"#, r#"module.dns["c2"]"#]);
    assert_eq!(state["version"], 2);

    // The outputs read back through the module are the cloud's ids.
    let output = project.plinth(&["output", "--json", "dns_ids"]);
    output.code(0);
    let ids: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
    assert_eq!(ids["c1"], uid_in(&cloud, CLUSTER_1));
    assert_eq!(ids["c2"], uid_in(&cloud, CLUSTER_2));

    // Nothing to do after, and nothing more sent.
    let before = changing_requests(&cloud);
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(changing_requests(&cloud), before);
}

#[test]
fn targets_name_module_instances_and_calls() {
    let cloud = Cloud::start(0);
    let project = project_with_module(&root(&cloud));
    let run = project.plinth(&["apply", "--auto-approve", "--target", r#"module.dns["c2"]"#]);
    run.code(0);
    assert_eq!(
        addresses(&project),
        [r#"module.dns["c2"].huaweicloud_cce_addon.coredns"#]
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        0
    );

    let plan = project.plinth(&[
        "plan",
        "--exclude",
        r#"module.dns["c1"].huaweicloud_cce_addon.coredns"#,
    ]);
    plan.code(0);
    assert!(!plan.stdout.contains("will be created"), "{}", plan.stdout);

    let plan = project.plinth(&["plan", "--target", "module.dns"]);
    plan.code(0);
    assert!(
        plan.stdout
            .contains(r#"# module.dns["c1"].huaweicloud_cce_addon.coredns will be created"#),
        "{}",
        plan.stdout
    );

    let wrong = project.plinth(&["plan", "--target", "module.dsn"]);
    wrong.code(1);
    assert!(
        wrong.stderr.contains(
            "`--target module.dsn` matches no resource of the configuration or the state"
        ),
        "{}",
        wrong.stderr
    );
}

#[test]
fn moving_into_and_out_of_a_module_sends_nothing_to_the_cloud() {
    let cloud = Cloud::start(0);
    let flat = format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "coredns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    flavor = {{ replicas = 2 }}
  }}
}}
"#,
        provider = cloud.provider()
    );
    let project = project_with_module(&flat);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let uid = uid_in(&cloud, CLUSTER_1);
    let sent = changing_requests(&cloud);

    // Into the module.
    let into = format!(
        r#"{provider}
module "dns" {{
  source     = "./modules/dns"
  cluster_id = "{CLUSTER_1}"
}}

moved {{
  from = huaweicloud_cce_addon.coredns
  to   = module.dns.huaweicloud_cce_addon.coredns
}}
"#,
        provider = cloud.provider()
    );
    project.write("main.hcl", &into);
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    assert!(
        plan.stdout.contains(
            "# huaweicloud_cce_addon.coredns has moved to module.dns.huaweicloud_cce_addon.coredns"
        ),
        "{}",
        plan.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(
        addresses(&project),
        ["module.dns.huaweicloud_cce_addon.coredns"]
    );
    assert_eq!(uid_in(&cloud, CLUSTER_1), uid);
    assert_eq!(changing_requests(&cloud), sent);
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);

    // And out again.
    let out = format!(
        "{flat}\nmoved {{\n  from = module.dns.huaweicloud_cce_addon.coredns\n  to   = huaweicloud_cce_addon.coredns\n}}\n"
    );
    project.write("main.hcl", &out);
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(addresses(&project), ["huaweicloud_cce_addon.coredns"]);
    assert_eq!(uid_in(&cloud, CLUSTER_1), uid);
    assert_eq!(changing_requests(&cloud), sent);
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn mistakes_in_a_module_name_its_file() {
    let cloud = Cloud::start(0);
    let project = project_with_module(&root(&cloud));
    project.write(
        "modules/dns/main.hcl",
        &DNS_MODULE.replace("var.replicas }", "var.replica }"),
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    snapshot!("module_error", run.stderr.clone());
}

#[test]
fn a_whole_module_moves_with_its_instances_and_sends_nothing() {
    let cloud = Cloud::start(0);
    let project = project_with_module(&root(&cloud));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let uids = (uid_in(&cloud, CLUSTER_1), uid_in(&cloud, CLUSTER_2));
    let sent = changing_requests(&cloud);
    let renamed = root(&cloud)
        .replace("module \"dns\"", "module \"coredns\"")
        .replace("in module.dns :", "in module.coredns :")
        + "\nmoved {\n  from = module.dns\n  to   = module.coredns\n}\n";
    project.write("main.hcl", &renamed);
    let plan = project.plinth(&["plan"]);
    plan.code(0);
    assert!(
        plan.stdout.contains(
            r#"# module.dns["c2"].huaweicloud_cce_addon.coredns has moved to module.coredns["c2"].huaweicloud_cce_addon.coredns"#
        ),
        "{}",
        plan.stdout
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(
        addresses(&project),
        [
            r#"module.coredns["c1"].huaweicloud_cce_addon.coredns"#,
            r#"module.coredns["c2"].huaweicloud_cce_addon.coredns"#,
        ]
    );
    assert_eq!((uid_in(&cloud, CLUSTER_1), uid_in(&cloud, CLUSTER_2)), uids);
    assert_eq!(changing_requests(&cloud), sent);
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);

    // A module moved onto a resource is refused, naming the block.
    project.write(
        "main.hcl",
        &(root(&cloud)
            + "\nmoved {\n  from = module.dns\n  to   = huaweicloud_cce_addon.coredns\n}\n"),
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("a `moved` block moves a module to a module, or a resource to a resource"),
        "{}",
        run.stderr
    );
}

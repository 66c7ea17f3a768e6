//! Several regions through provider aliases: each resource is installed in its own region's
//! cloud (two emulators, each checked), a plan after apply is empty, removing a resource deletes
//! it in its own region, and a destroy removes each from its own region.

use crate::support::{CLUSTER_1, Cloud, Project};

/// A provider block for `cloud` in `region`, with `alias` when given.
fn provider(cloud: &Cloud, region: &str, alias: Option<&str>) -> String {
    // The support's block names the region and the endpoints; an alias and another region are
    // added to it.
    let block = cloud.provider().replace(
        "region     = \"cn-north-4\"",
        &format!("region     = \"{region}\""),
    );
    match alias {
        Some(alias) => block.replacen('{', &format!("{{\n  alias      = \"{alias}\""), 1),
        None => block,
    }
}

fn two_regions(beijing: &Cloud, hong_kong: &Cloud, with_hk: bool) -> String {
    let hk_resource = if with_hk {
        format!(
            r#"
resource "huaweicloud_cce_addon" "dns_hk" {{
  provider      = huaweicloud.hk
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#
        )
    } else {
        String::new()
    };
    format!(
        r#"{default}
{hk}
resource "huaweicloud_cce_addon" "dns_bj" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
{hk_resource}"#,
        default = provider(beijing, "cn-north-4", None),
        hk = provider(hong_kong, "ap-southeast-1", Some("hk")),
    )
}

fn coredns_installs(cloud: &Cloud) -> (usize, u64) {
    let snapshot = cloud.snapshot();
    let live = snapshot
        .addons
        .iter()
        .filter(|a| a.cluster_id == CLUSTER_1 && a.template == "coredns")
        .count();
    (
        live,
        snapshot.installs_of(&format!("cce/{CLUSTER_1}/coredns")),
    )
}

fn hong_kong_cloud() -> Cloud {
    let mut options = plinth_emulator::EmulatorOptions::default();
    "ap-southeast-1".clone_into(&mut options.fixture.region);
    Cloud::start_with(options)
}

#[test]
fn each_resource_lives_in_its_own_region() {
    let beijing = Cloud::start(0);
    let hong_kong = hong_kong_cloud();
    let project = Project::new();
    project.write("main.hcl", &two_regions(&beijing, &hong_kong, true));
    project.plinth(&["apply", "--auto-approve"]).code(0);

    // One install in each region's cloud, under the id each record keeps.
    assert_eq!(coredns_installs(&beijing), (1, 1));
    assert_eq!(coredns_installs(&hong_kong), (1, 1));
    let hk = project
        .resource("huaweicloud_cce_addon", "dns_hk", None)
        .unwrap();
    assert_eq!(hk["provider"], "huaweicloud.hk");
    assert_eq!(hk["id"], hong_kong.snapshot().addons[0].uid);
    let bj = project
        .resource("huaweicloud_cce_addon", "dns_bj", None)
        .unwrap();
    assert!(bj.get("provider").is_none(), "{bj}");
    assert_eq!(bj["id"], beijing.snapshot().addons[0].uid);

    project.plinth(&["plan", "--detailed-exitcode"]).code(0);

    // A resource no longer configured is deleted in its own region, not the default one.
    project.write("main.hcl", &two_regions(&beijing, &hong_kong, false));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(coredns_installs(&hong_kong).0, 0);
    assert_eq!(coredns_installs(&beijing), (1, 1));

    // Back, then destroyed: each from its own region.
    project.write("main.hcl", &two_regions(&beijing, &hong_kong, true));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(coredns_installs(&hong_kong), (1, 2));
    project.plinth(&["destroy", "--auto-approve"]).code(0);
    assert_eq!(coredns_installs(&hong_kong).0, 0);
    assert_eq!(coredns_installs(&beijing).0, 0);
    assert_eq!(project.resource_count(), 0);
}

#[test]
fn a_module_takes_its_region_from_providers() {
    let beijing = Cloud::start(0);
    let hong_kong = hong_kong_cloud();
    let project = Project::new();
    std::fs::create_dir_all(project.path().join("dns")).unwrap();
    project.write(
        "dns/main.hcl",
        &format!(
            r#"resource "huaweicloud_cce_addon" "coredns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#
        ),
    );
    project.write(
        "main.hcl",
        &format!(
            r#"{default}
{hk}
module "dns_bj" {{
  source = "./dns"
}}

module "dns_hk" {{
  source    = "./dns"
  providers = {{ huaweicloud = huaweicloud.hk }}
}}
"#,
            default = provider(&beijing, "cn-north-4", None),
            hk = provider(&hong_kong, "ap-southeast-1", Some("hk")),
        ),
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(coredns_installs(&beijing), (1, 1));
    assert_eq!(coredns_installs(&hong_kong), (1, 1));
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn a_record_whose_provider_block_is_gone_is_refused() {
    let beijing = Cloud::start(0);
    let hong_kong = hong_kong_cloud();
    let project = Project::new();
    project.write("main.hcl", &two_regions(&beijing, &hong_kong, true));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let requests = hong_kong.requests().total;
    project.write(
        "main.hcl",
        &format!(
            r#"{default}
resource "huaweicloud_cce_addon" "dns_bj" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#,
            default = provider(&beijing, "cn-north-4", None)
        ),
    );
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr.contains(
            "`huaweicloud_cce_addon.dns_hk` is managed by provider configuration `huaweicloud.hk`, which the configuration does not declare"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(coredns_installs(&hong_kong), (1, 1));
    assert_eq!(hong_kong.requests().total, requests);

    // An alias nobody declared is an error at its use.
    project.write(
        "main.hcl",
        &two_regions(&beijing, &hong_kong, true).replace("huaweicloud.hk\n", "huaweicloud.hkg\n"),
    );
    let run = project.plinth(&["validate"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("provider configuration `huaweicloud.hkg` is not declared"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_sandbox_serves_every_region_the_configuration_names() {
    let project = Project::new();
    project.write(
        "main.hcl",
        &format!(
            r#"provider "huaweicloud" {{
  region  = "cn-north-4"
  sandbox = true
}}

provider "huaweicloud" {{
  alias   = "hk"
  region  = "ap-southeast-1"
  sandbox = true
}}

resource "huaweicloud_cce_addon" "dns_hk" {{
  provider      = huaweicloud.hk
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}
"#
        ),
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let cloud =
        |file: &str| -> serde_json::Value { serde_json::from_str(&project.read(file)).unwrap() };
    let hk = cloud(".plinth/sandbox-ap-southeast-1.json");
    let default = cloud(".plinth/sandbox.json");
    let id = project
        .resource("huaweicloud_cce_addon", "dns_hk", None)
        .unwrap()["id"]
        .clone();
    assert!(
        hk["addons"].to_string().contains(id.as_str().unwrap()),
        "{hk}"
    );
    assert!(
        !default["addons"].to_string().contains(id.as_str().unwrap()),
        "{default}"
    );
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

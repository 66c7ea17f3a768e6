//! The refresh of `plinth plan` lists each cluster and pool once, whatever the number of
//! add-ons and plug-ins in it; `PLINTH_REFRESH_BY=read` reads each one, for comparison, and
//! plans the same. Counted by the emulator.

use std::fmt::Write as _;

use crate::support::{Cloud, Project, Run, plinth};

const CLUSTERS: usize = 6;
const POOLS: [&str; 2] = ["pool-a", "pool-b"];

fn cluster(i: usize) -> String {
    format!("c0ffee00-0000-4000-8000-{i:012}")
}

fn configuration(cloud: &Cloud) -> String {
    let mut text = format!(
        r#"{provider}
locals {{
  addons  = {{ "coredns" = "1.28.6", "npd" = "1.19.20", "log-agent" = "1.5.2" }}
  plugins = {{ "gpu-beta" = "1.2.15", "log-agent" = "1.5.2" }}
}}
"#,
        provider = cloud.provider()
    );
    for i in 0..CLUSTERS {
        write!(
            text,
            r#"resource "huaweicloud_cce_addon" "c{i}" {{
  for_each      = local.addons
  cluster_id    = "{cluster}"
  template_name = each.key
  version       = each.value
}}
"#,
            cluster = cluster(i)
        )
        .unwrap();
    }
    for pool in POOLS {
        write!(
            text,
            r#"resource "huaweicloud_modelarts_pool_plugin" "{name}" {{
  for_each      = local.plugins
  pool_name     = "{pool}"
  template_name = each.key
  version       = each.value
}}
"#,
            name = pool.replace('-', "_")
        )
        .unwrap();
    }
    text
}

fn plan(project: &Project, refresh_by: Option<&str>) -> Run {
    let mut command = plinth();
    command
        .arg("--chdir")
        .arg(project.path())
        .args(["plan", "--detailed-exitcode"]);
    if let Some(by) = refresh_by {
        command.env("PLINTH_REFRESH_BY", by);
    }
    Run::from(command.output().unwrap())
}

#[test]
fn a_no_op_plan_lists_each_cluster_and_pool_once() {
    let cloud = Cloud::start_with(plinth_emulator::EmulatorOptions {
        fixture: plinth_emulator::Fixture {
            clusters: (0..CLUSTERS).map(cluster).collect(),
            pools: POOLS.iter().map(ToString::to_string).collect(),
            ..plinth_emulator::Fixture::default()
        },
        ..plinth_emulator::EmulatorOptions::default()
    });
    let project = Project::new();
    project.write("main.hcl", &configuration(&cloud));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let managed = CLUSTERS * 3 + POOLS.len() * 2;
    assert_eq!(cloud.snapshot().addons.len(), CLUSTERS * 3);

    let before = cloud.requests();
    let listed = plan(&project, None);
    listed.code(0);
    let after = cloud.requests();
    let calls = |route: &str| after.route(route) - before.route(route);
    // K = 8 lists, and the IAM project lookup of a provider that names no project.
    assert_eq!(calls("GET /api/v3/addons"), CLUSTERS as u64);
    assert_eq!(
        calls("GET /v2/{project_id}/pools/{pool_name}/plugins"),
        POOLS.len() as u64
    );
    assert_eq!(calls("GET /api/v3/addons/{id}"), 0);
    assert!(
        after.total - before.total <= (CLUSTERS + POOLS.len()) as u64 + 1,
        "{:?}",
        after.by_route
    );

    let before = cloud.requests();
    let read = plan(&project, Some("read"));
    read.code(0);
    let after = cloud.requests();
    assert!(
        after.total - before.total >= managed as u64,
        "one read per resource: {:?}",
        after.by_route
    );
    assert_eq!(listed.stdout, read.stdout);
}

#[test]
fn an_unknown_refresh_mode_is_refused() {
    let project = Project::new();
    project.write("main.hcl", "");
    let run = plan(&project, Some("guess"));
    run.code(1);
    assert!(
        run.stderr.contains("invalid value 'guess'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("[possible values: list, read]"),
        "{}",
        run.stderr
    );
}

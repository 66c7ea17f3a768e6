//! Reviews and logs: the Markdown summary of `plan --markdown` / `show --markdown PLANFILE`, and
//! the JSON stream of `plan --json`, `apply --json` and `destroy --json` (docs/json-stream.md),
//! run against the emulator.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use plinth_cloud::AddonApi;

use crate::support::{
    CLUSTER_1, CLUSTER_2, Cloud, Project, SECRET_KEY, plan_document, plinth, stream_lines,
};

const SECRET: &str = "s3cr3t-t0ken-never-shown";

fn config(cloud: &Cloud, body: &str) -> String {
    format!("{}\n{body}", cloud.provider())
}

fn addon(name: &str, cluster: &str, template: &str, version: &str, extra: &str) -> String {
    format!(
        r#"
resource "huaweicloud_cce_addon" "{name}" {{
  cluster_id    = "{cluster}"
  template_name = "{template}"
  version       = "{version}"
{extra}}}
"#
    )
}

macro_rules! snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => vec![
            (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        ]}, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

#[test]
fn markdown_summary_of_a_plan_for_a_review_comment() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let before = [
        addon("dns", CLUSTER_1, "coredns", "1.28.6", ""),
        addon("metrics", CLUSTER_1, "metrics-server", "1.3.60", ""),
        addon("npd", CLUSTER_1, "npd", "1.19.1", ""),
        addon("volcano", CLUSTER_1, "volcano", "1.15.8", ""),
    ]
    .concat();
    project.write("main.hcl", &config(&cloud, &before));
    project.plinth(&["apply", "--auto-approve"]).code(0);

    // Deleted outside plinth: drift, and created again.
    let npd = project
        .resource("huaweicloud_cce_addon", "npd", None)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let client = cloud.client();
    cloud.block_on(async {
        client
            .delete_addon(AddonApi::Cce, Some(CLUSTER_1), &npd)
            .await
            .unwrap();
    });
    let sensitive = format!(
        "variable \"token\" {{\n  type      = string\n  sensitive = true\n  default   = \"{SECRET}\"\n}}\n"
    );
    let after = [
        sensitive.as_str(),
        &addon("dns", CLUSTER_1, "coredns", "1.29.4", ""),
        &addon("metrics", CLUSTER_2, "metrics-server", "1.3.60", ""),
        &addon("npd", CLUSTER_1, "npd", "1.19.1", ""),
        &addon(
            "logs",
            CLUSTER_1,
            "log-agent",
            "1.5.2",
            "  values = {\n    custom = { token = var.token, level = \"info\" }\n  }\n",
        ),
    ]
    .concat();
    project.write("main.hcl", &config(&cloud, &after));

    let saved = project.path().join("review.plan");
    let saved = saved.to_str().unwrap();
    let planned = project.plinth(&["plan", "--markdown", "--out", saved]);
    planned.code(0);
    let markdown = planned.stdout;
    assert!(!markdown.contains(SECRET), "{markdown}");
    assert!(markdown.contains("(sensitive value)"), "{markdown}");
    assert!(
        planned.stderr.contains("Saved the plan to"),
        "the note on saving is not part of the comment: {}",
        planned.stderr
    );
    snapshot!("markdown_plan", markdown.clone());

    let shown = project.plinth(&["show", "--markdown", saved]);
    shown.code(0);
    assert_eq!(
        shown.stdout, markdown,
        "show --markdown PLANFILE is the same summary"
    );
    assert!(!project.read("review.plan").contains(SECRET));
}

#[test]
fn markdown_summary_of_a_plan_without_changes() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write(
        "main.hcl",
        &config(&cloud, &addon("dns", CLUSTER_1, "coredns", "1.28.6", "")),
    );
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let planned = project.plinth(&["plan", "--markdown"]);
    planned.code(0);
    snapshot!("markdown_no_changes", planned.stdout.clone());
    let both = project.plinth(&["plan", "--markdown", "--json"]);
    assert_ne!(both.code, 0, "{}", both.stderr);
    assert!(
        both.stderr.contains("cannot be used with"),
        "{}",
        both.stderr
    );
}

/// The stream with what depends on timing made stable: elapsed times and request ids redacted,
/// the `plan` line reduced to its summary (the plan document has its own snapshots), and the
/// `operation_progress` lines, whose number depends on the polls, left out.
fn stable_stream(stdout: &str) -> Vec<serde_json::Value> {
    stream_lines(stdout)
        .into_iter()
        .filter(|line| line["type"] != "operation_progress")
        .map(|mut line| {
            if line["type"] == "plan" {
                let summary = line["plan"]["summary"].clone();
                line["plan"] = serde_json::json!({ "summary": summary });
            }
            if line.get("elapsed_seconds").is_some() {
                assert!(line["elapsed_seconds"].is_f64(), "{line}");
                line["elapsed_seconds"] = "[elapsed]".into();
            }
            if let Some(id) = line["cloud_error"]["request_id"].as_str() {
                let id = id.to_owned();
                for field in ["message", "causes"] {
                    // The operation lines' messages keep the `[uuid]` of the filter.
                    if line["type"] != "diagnostic" || line.get(field).is_none() {
                        continue;
                    }
                    let text = serde_json::to_string(&line[field]).unwrap();
                    line[field] = serde_json::from_str(&text.replace(&id, "[request id]")).unwrap();
                }
                line["cloud_error"]["request_id"] = "[request id]".into();
            }
            if line.get("plinth_version").is_some() {
                line["plinth_version"] = "[version]".into();
            }
            line
        })
        .collect()
}

fn stream_snapshot(name: &str, stdout: &str) {
    let lines: Vec<String> = stable_stream(stdout)
        .iter()
        .map(|line| serde_json::to_string(line).unwrap())
        .collect();
    snapshot!(name, lines.join("\n"));
}

#[test]
fn json_streams_of_plan_apply_and_destroy() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let body = [
        addon("dns", CLUSTER_1, "coredns", "1.28.6", ""),
        // The cloud refuses a version its catalogue does not have: a 400 with code and request id.
        // (A refreshing plan refuses it first, from the catalogue: these runs plan with
        // `--no-refresh`, which reads no catalogue, so the cloud is what refuses it.)
        addon("broken", CLUSTER_1, "everest", "9.9.9", ""),
        addon(
            "metrics",
            CLUSTER_1,
            "metrics-server",
            "1.3.68",
            "  depends_on = [huaweicloud_cce_addon.broken]\n",
        ),
    ]
    .concat();
    project.write("main.hcl", &config(&cloud, &body));

    let checked = project.plinth(&["plan", "--json"]);
    checked.code(1);
    assert!(
        checked
            .stderr
            .contains("template `everest` has no version `9.9.9`"),
        "{}",
        checked.stderr
    );
    let plan = project.plinth(&["plan", "--json", "--no-refresh"]);
    plan.code(0);
    stream_snapshot("stream_plan", &plan.stdout);
    let document = plan_document(&plan.stdout);
    assert_eq!(document["format_version"], "1");
    assert_eq!(document["resource_changes"].as_array().unwrap().len(), 3);

    let refused = project.plinth(&["apply", "--json", "--no-refresh"]);
    refused.code(1);
    let said = stream_lines(&refused.stdout);
    assert_eq!(said.len(), 2, "version and diagnostic: {}", refused.stdout);
    assert_eq!(said[1]["type"], "diagnostic");
    assert!(
        said[1]["hint"].as_str().unwrap().contains("--auto-approve"),
        "{}",
        said[1]
    );
    assert!(
        refused.stderr.contains("--auto-approve"),
        "{}",
        refused.stderr
    );

    let apply = project.plinth(&[
        "apply",
        "--json",
        "--auto-approve",
        "--no-refresh",
        "--parallelism",
        "1",
    ]);
    apply.code(1);
    stream_snapshot("stream_apply_with_a_failure", &apply.stdout);
    let lines = stream_lines(&apply.stdout);
    let failed = lines
        .iter()
        .find(|line| line["type"] == "operation_failed")
        .unwrap();
    assert_eq!(failed["cloud_error"]["status"], 400, "{failed}");
    assert_eq!(
        failed["cloud_error"]["code"], "SVCSTG.CCE-ADDONMGR.4000003",
        "{failed}"
    );
    assert!(
        failed["cloud_error"]["request_id"].as_str().unwrap().len() > 10,
        "{failed}"
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/metrics-server")),
        0,
        "what depends on the failure is not installed"
    );

    let destroy = project.plinth(&["destroy", "--json", "--auto-approve"]);
    destroy.code(0);
    stream_snapshot("stream_destroy", &destroy.stdout);
    assert!(project.state()["resources"].as_array().unwrap().is_empty());
}

#[test]
fn json_stream_reports_progress_and_an_interrupt() {
    let cloud = Cloud::start(4_000);
    let project = Project::new();
    project.write(
        "main.hcl",
        &config(&cloud, &addon("dns", CLUSTER_1, "coredns", "1.28.6", "")),
    );
    let mut child = plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(["apply", "--json", "--auto-approve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    // Wait for the cloud's `installing` status, then interrupt once: the install is let finish.
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the stream ended early:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("\"operation_progress\"") {
            break;
        }
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    seen.push_str(&rest);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{seen}");
    // `operation_progress` comes whenever the status changes: its number depends on the polls.
    let types: Vec<String> = stream_lines(&seen)
        .iter()
        .map(|line| line["type"].as_str().unwrap().to_owned())
        .filter(|kind| kind != "operation_progress")
        .collect();
    let progress = stream_lines(&seen)
        .into_iter()
        .find(|line| line["type"] == "operation_progress")
        .unwrap();
    assert_eq!(progress["status"], "installing", "{seen}");
    assert_eq!(
        types,
        [
            "version",
            "plan",
            "operation_start",
            "interrupt",
            "operation_complete",
            "summary"
        ],
        "{seen}"
    );
    let summary = stream_lines(&seen).pop().unwrap();
    assert_eq!(summary["outcome"], "interrupted", "{summary}");
    assert_eq!(summary["add"], 1, "{summary}");
}

#[test]
fn json_stream_ends_with_the_error_that_stopped_the_run() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    let dns = addon("dns", CLUSTER_1, "coredns", "1.28.6", "");

    // An invalid configuration: one `diagnostic` line per error, with its place, after the
    // `version` line (the stream had not started).
    project.write(
        "main.hcl",
        &config(&cloud, &dns.replace("\"1.28.6\"", "var.missing")),
    );
    let invalid = project.plinth(&["plan", "--json"]);
    invalid.code(1);
    assert!(invalid.stderr.contains("main.hcl:"), "{}", invalid.stderr);
    stream_snapshot("stream_stopped_by_a_configuration_error", &invalid.stdout);

    // The cloud refuses the refresh's reads (a wrong secret key): the cloud's code, request id
    // and the address read.
    project.write(
        "main.hcl",
        &config(&cloud, &dns).replace(SECRET_KEY, "SKwrongwrongwrongwrongwrongwrongwrongwrong"),
    );
    let refused = project.plinth(&["apply", "--json", "--auto-approve"]);
    refused.code(1);
    stream_snapshot("stream_stopped_by_the_cloud", &refused.stdout);
    let last = stream_lines(&refused.stdout).pop().unwrap();
    assert_eq!(last["address"], "huaweicloud_cce_addon.dns", "{last}");
    assert!(last["cloud_error"]["request_id"].is_string(), "{last}");
    assert!(!refused.stdout.contains("SKwrong"), "{}", refused.stdout);
    assert!(cloud.snapshot().addons.is_empty());

    // A `--target` that matches nothing: the message and its hint, after the `version` line.
    project.write("main.hcl", &config(&cloud, &dns));
    let untargeted = project.plinth(&[
        "destroy",
        "--json",
        "--auto-approve",
        "--target",
        "huaweicloud_cce_addon.dsn",
    ]);
    untargeted.code(1);
    let lines = stream_lines(&untargeted.stdout);
    assert_eq!(lines.len(), 2, "{}", untargeted.stdout);
    assert_eq!(lines[0]["command"], "destroy");
    assert_eq!(lines[1]["type"], "diagnostic");
    assert_eq!(lines[1]["severity"], "error");
    assert!(lines[1]["hint"].is_string(), "{}", lines[1]);
    assert!(
        untargeted
            .stderr
            .contains(lines[1]["message"].as_str().unwrap()),
        "the line says what stderr says: {}\n{}",
        lines[1],
        untargeted.stderr
    );
}

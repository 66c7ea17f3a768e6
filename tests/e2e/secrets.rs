//! Secrets never leave: a value marked sensitive is sealed in the state whatever the action, a
//! damaged list of sealed values is refused, sealed natural keys stay sealed, and cloud errors
//! that echo a sensitive request field are masked. Every test looks for the plaintext in the
//! state, its backup, the journal, the plan files, and everything plinth printed.

use std::path::Path;

use crate::support::{CLUSTER_1, Cloud, Project, Run};

const TOKEN: &str = "tok-5ecr3t-v4lue";

/// An add-on whose `values.custom.token` is `var.token`, marked sensitive or not.
fn addon_with_token(cloud: &Cloud, sensitive: bool) -> String {
    format!(
        r#"{provider}
variable "token" {{
  type      = string
  default   = "{TOKEN}"
  sensitive = {sensitive}
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
  values = {{
    custom = {{ token = var.token }}
  }}
}}
"#,
        provider = cloud.provider()
    )
}

/// Asserts that `secret` appears in none of the files plinth keeps beside the state (state,
/// backup, journal, saved plans) nor in anything the runs printed.
#[track_caller]
fn assert_nowhere(project: &Project, runs: &[&Run], secret: &str) {
    for entry in std::fs::read_dir(project.path()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|extension| extension == "hcl") || !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(secret),
            "`{secret}` leaked into {name}:\n{}",
            String::from_utf8_lossy(&bytes)
        );
    }
    for run in runs {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "`{secret}` leaked into the output\n--- stdout\n{}\n--- stderr\n{}",
            run.stdout,
            run.stderr
        );
    }
}

/// The fingerprint the state holds at `pointer` of the add-on, checking it is listed as sealed.
#[track_caller]
fn sealed_at(project: &Project, pointer: &str) -> String {
    let dns = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    assert!(
        dns["sensitive"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == pointer),
        "{dns:#}"
    );
    let value = dns["attributes"]
        .pointer(pointer)
        .unwrap()
        .as_str()
        .unwrap();
    assert!(value.starts_with("hmac-sha256:"), "{dns:#}");
    value.to_owned()
}

fn exists(project: &Project, name: &str) -> bool {
    Path::new(project.path()).join(name).exists()
}

#[test]
fn a_value_marked_sensitive_after_the_first_apply_is_sealed_by_the_next_apply() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_with_token(&cloud, false));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert!(project.read("plinth.state.json").contains(TOKEN));

    // The variable is marked sensitive: nothing changes in the cloud, but the plan says the
    // value will be sealed, in text and JSON, and a saved plan says it too.
    project.write("main.hcl", &addon_with_token(&cloud, true));
    // A plan file is written where the path says, beside the state here (assert_nowhere reads it).
    let saved = project.path().join("seal.plan");
    let saved = saved.to_str().unwrap();
    let plan = project.plinth(&["plan", "--out", saved]);
    plan.code(0);
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    assert!(
        plan.stdout.contains("Note: values to seal in the state")
            && plan
                .stdout
                .contains(" - huaweicloud_cce_addon.dns: /values/custom/token"),
        "{}",
        plan.stdout
    );
    let json = project.plinth(&["plan", "--json"]);
    json.code(0);
    let document = crate::support::plan_document(&json.stdout);
    assert_eq!(
        document["resource_sealing"],
        serde_json::json!([{"address": "huaweicloud_cce_addon.dns", "pointers": ["/values/custom/token"]}])
    );
    let shown = project.plinth(&["show", saved]);
    shown.code(0);
    assert!(
        shown.stdout.contains("Note: values to seal in the state"),
        "{}",
        shown.stdout
    );

    // Applying it seals the value: the plaintext is gone from the state (and its backup is the
    // previous version, which held it: it is replaced by the next save).
    // The state holds it until the apply; the plan file never does.
    assert!(!project.read("seal.plan").contains(TOKEN));
    let apply = project.plinth(&["apply", saved]);
    apply.code(0);
    let sealed = sealed_at(&project, "/values/custom/token");
    assert!(!project.read("plinth.state.json").contains(TOKEN));
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );

    // Nothing left to seal, and the fingerprint is stable.
    let again = project.plinth(&["apply", "--auto-approve"]);
    again.code(0);
    assert!(!again.stdout.contains("values to seal"), "{}", again.stdout);
    assert_eq!(sealed_at(&project, "/values/custom/token"), sealed);
    assert!(!exists(&project, "plinth.state.json.journal"));
    assert_nowhere(&project, &[&plan, &json, &shown, &apply, &again], TOKEN);
}

#[test]
fn a_no_change_apply_never_replaces_a_fingerprint_the_list_lost_with_the_plaintext() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_with_token(&cloud, true));
    let first = project.plinth(&["apply", "--auto-approve"]);
    first.code(0);
    let sealed = sealed_at(&project, "/values/custom/token");

    // A hand edit (or a bad merge) drops the pointer from the list.
    let mut state = project.state();
    state["resources"][0]["sensitive"] = serde_json::json!([]);
    project.write(
        "plinth.state.json",
        &(serde_json::to_string_pretty(&state).unwrap() + "\n"),
    );
    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(0);
    assert!(!plan.stdout.contains("changed outside"), "{}", plan.stdout);
    for refresh in [
        &["apply", "--auto-approve"][..],
        &["apply", "--auto-approve", "--no-refresh"],
    ] {
        let apply = project.plinth(refresh);
        apply.code(0);
        assert_eq!(sealed_at(&project, "/values/custom/token"), sealed);
        assert_nowhere(&project, &[&first, &plan, &apply], TOKEN);
        let mut state = project.state();
        state["resources"][0]["sensitive"] = serde_json::json!([]);
        project.write(
            "plinth.state.json",
            &(serde_json::to_string_pretty(&state).unwrap() + "\n"),
        );
    }
}

#[test]
fn a_damaged_list_of_sealed_values_is_a_load_error_naming_the_resource_and_the_pointer() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_with_token(&cloud, true));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    for (pointer, problem) in [
        ("no-leading-slash", "is not a JSON pointer"),
        ("/values/custom/nothing", "names no value of its attributes"),
        ("/version", "holds a value that is not a fingerprint"),
    ] {
        let mut state = project.state();
        state["resources"][0]["sensitive"] = serde_json::json!([pointer]);
        let text = serde_json::to_string_pretty(&state).unwrap() + "\n";
        project.write("plinth.state.json", &text);
        for args in [&["plan"][..], &["apply", "--auto-approve"]] {
            let run = project.plinth(args);
            run.code(1);
            assert!(
                run.stderr.contains(&format!(
                    "the sensitive value `{pointer}` of `huaweicloud_cce_addon.dns` {problem}"
                )),
                "{}",
                run.stderr
            );
            // Nothing was changed: the file is as it was.
            assert_eq!(project.read("plinth.state.json"), text);
            assert_nowhere(&project, &[&run], TOKEN);
        }
    }
}

/// An add-on whose cluster is a sensitive variable.
fn addon_on_sensitive_cluster(cloud: &Cloud, name: &str) -> String {
    format!(
        r#"{provider}
variable "cluster" {{
  type      = string
  default   = "{CLUSTER_1}"
  sensitive = true
}}

resource "huaweicloud_cce_addon" "{name}" {{
  cluster_id    = var.cluster
  template_name = "coredns"
  version       = "1.28.6"
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn a_sensitive_cluster_id_is_sealed_in_the_natural_key_and_the_object_is_still_managed() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_on_sensitive_cluster(&cloud, "dns"));
    let create = project.plinth(&["apply", "--auto-approve"]);
    create.code(0);
    let dns = project
        .resource("huaweicloud_cce_addon", "dns", None)
        .unwrap();
    let key = dns["natural_key"]["cluster_id"].as_str().unwrap();
    assert!(key.starts_with("hmac-sha256:"), "{dns:#}");
    assert_eq!(dns["attributes"]["cluster_id"], key);
    assert_eq!(dns["natural_key"]["template_name"], "coredns");

    // Refreshed (found with the configuration's value), nothing to do.
    let plan = project.plinth(&["plan", "--detailed-exitcode"]);
    plan.code(0);
    // Renamed: a move by identity, compared by fingerprint, not a delete and an adoption.
    project.write("main.hcl", &addon_on_sensitive_cluster(&cloud, "coredns"));
    let moved = project.plinth(&["plan"]);
    moved.code(0);
    assert!(
        moved
            .stdout
            .contains("huaweicloud_cce_addon.dns has moved to huaweicloud_cce_addon.coredns"),
        "{}",
        moved.stdout
    );
    let apply = project.plinth(&["apply", "--auto-approve"]);
    apply.code(0);
    assert!(
        project
            .resource("huaweicloud_cce_addon", "coredns", None)
            .is_some()
    );
    assert_eq!(
        cloud
            .snapshot()
            .installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1
    );
    // Destroyed with the configuration's value.
    let destroy = project.plinth(&["destroy", "--auto-approve"]);
    destroy.code(0);
    assert!(cloud.snapshot().addons.is_empty());
    assert_nowhere(
        &project,
        &[&create, &plan, &moved, &apply, &destroy],
        CLUSTER_1,
    );
}

#[test]
fn a_sealed_cluster_id_the_configuration_no_longer_gives_is_a_clear_error() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_on_sensitive_cluster(&cloud, "dns"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &cloud.provider());
    let before = project.read("plinth.state.json");
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr.contains(
            "cannot read `huaweicloud_cce_addon.dns`: the state keeps only a fingerprint of its \
             `cluster_id`"
        ) && run
            .stderr
            .contains("plinth state rm huaweicloud_cce_addon.dns"),
        "{}",
        run.stderr
    );
    assert_eq!(project.read("plinth.state.json"), before);
    assert_eq!(cloud.snapshot().addons.len(), 1);
    assert_nowhere(&project, &[&run], CLUSTER_1);
}

/// An add-on whose version is a sensitive variable (a version plinth cannot show: a stand-in for
/// any sensitive field a cloud may quote back).
fn addon_with_sensitive_version(cloud: &Cloud, version: &str) -> String {
    format!(
        r#"{provider}
variable "version" {{
  type      = string
  default   = "{version}"
  sensitive = true
}}

resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = var.version
}}
"#,
        provider = cloud.provider()
    )
}

#[test]
fn a_cloud_error_that_quotes_a_sensitive_field_is_masked_on_create_and_update() {
    let secret = "1.28.6-s3cr3t-build";
    let cloud = Cloud::start(20);
    let project = Project::new();

    // A refreshing plan refuses the version from the catalogue, without showing it.
    project.write("main.hcl", &addon_with_sensitive_version(&cloud, secret));
    let checked = project.plinth(&["plan"]);
    checked.code(1);
    assert!(
        checked
            .stderr
            .contains("template `coredns` has no version `(sensitive value)`"),
        "{}",
        checked.stderr
    );
    // Create: without refresh no catalogue is read, and the emulator, as CCE does, quotes the
    // version it does not know.
    let create = project.plinth(&["apply", "--auto-approve", "--no-refresh"]);
    create.code(1);
    assert!(
        create.stderr.contains(
            "Request Body Error: version (sensitive value) of addon template coredns does not exist"
        ),
        "{}",
        create.stderr
    );
    assert!(
        create
            .stderr
            .contains("cce returned 400 SVCSTG.CCE-ADDONMGR.4000003")
            && create.stderr.contains("(request id "),
        "{}",
        create.stderr
    );
    assert!(cloud.snapshot().addons.is_empty());

    // Update: installed with a good version, then upgraded to an unknown one.
    project.write("main.hcl", &addon_with_sensitive_version(&cloud, "1.28.6"));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &addon_with_sensitive_version(&cloud, secret));
    let saved = project.path().join("upgrade.plan");
    let saved = saved.to_str().unwrap();
    let plan = project.plinth(&["plan", "--json", "--no-refresh", "--out", saved]);
    plan.code(0);
    assert!(!project.read("upgrade.plan").contains(secret));
    // Applying the saved plan plans again with a refresh, which refuses the version from the
    // catalogue without showing it; without refresh the update reaches the cloud.
    let checked_again = project.plinth(&["apply", saved]);
    checked_again.code(1);
    assert!(
        checked_again
            .stderr
            .contains("template `coredns` has no version `(sensitive value)`"),
        "{}",
        checked_again.stderr
    );
    let update = project.plinth(&["apply", "--auto-approve", "--no-refresh"]);
    update.code(1);
    assert!(
        update
            .stderr
            .contains("version (sensitive value) of addon template coredns does not exist"),
        "{}",
        update.stderr
    );
    assert_eq!(cloud.snapshot().addons[0].version, "1.28.6");
    let state = project.plinth(&["show", "--json"]);
    state.code(0);
    assert_nowhere(
        &project,
        &[&checked, &create, &plan, &checked_again, &update, &state],
        secret,
    );
}

#[test]
fn a_refresh_only_apply_seals_what_the_configuration_marks_sensitive_too() {
    let cloud = Cloud::start(20);
    let project = Project::new();
    project.write("main.hcl", &addon_with_token(&cloud, false));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.write("main.hcl", &addon_with_token(&cloud, true));
    let apply = project.plinth(&["apply", "--refresh-only", "--auto-approve"]);
    apply.code(0);
    assert!(
        apply
            .stdout
            .contains(" - huaweicloud_cce_addon.dns: /values/custom/token"),
        "{}",
        apply.stdout
    );
    sealed_at(&project, "/values/custom/token");
    let show = project.plinth(&["show", "--json"]);
    show.code(0);
    assert_nowhere(&project, &[&apply, &show], TOKEN);
}

//! Workspaces: several states of one configuration, with the local file and with PostgreSQL;
//! `plinth.workspace` makes them differ.

use crate::pg::{backend, objects, schema, server, sql};
use crate::support::{Cloud, Project, plinth};

/// Runs the workspace life cycle in `project` and checks what each workspace installed.
fn life_cycle(project: &Project, cloud: &Cloud) {
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_eq!(project.plinth(&["workspace", "show"]).stdout, "default\n");
    let created = project.plinth(&["workspace", "new", "prod"]);
    created.code(0);
    assert!(
        created.stdout.contains("Created and selected"),
        "{}",
        created.stdout
    );
    project.plinth(&["workspace", "new", "prod"]).code(1);
    assert_eq!(
        project.plinth(&["workspace", "list"]).stdout,
        "  default\n* prod\n"
    );
    // The new workspace starts empty: everything is created again, in pool-b.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let snapshot = cloud.snapshot();
    assert_eq!(snapshot.installs_of("modelarts/pool-a/gpu-beta"), 1);
    assert_eq!(snapshot.installs_of("modelarts/pool-b/gpu-beta"), 1);
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    // PLINTH_WORKSPACE overrides the selection.
    let default = plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(["state", "show", "huaweicloud_modelarts_pool_plugin.gpu"])
        .env("PLINTH_WORKSPACE", "default")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&default.stdout).contains("pool-a"));
    let prod = project.plinth(&["state", "show", "huaweicloud_modelarts_pool_plugin.gpu"]);
    assert!(prod.stdout.contains("pool-b"), "{}", prod.stdout);
    let unknown = plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(["state", "list"])
        .env("PLINTH_WORKSPACE", "staging")
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("`staging` does not exist"));
    // Deleting: never the selected one nor `default`, and a non-empty one only with --force.
    let current = project.plinth(&["workspace", "delete", "prod"]);
    current.code(1);
    assert!(
        current.stderr.contains("is the selected one"),
        "{}",
        current.stderr
    );
    project.plinth(&["workspace", "select", "default"]).code(0);
    project.plinth(&["workspace", "delete", "default"]).code(1);
    project.plinth(&["workspace", "select", "nope"]).code(1);
    let full = project.plinth(&["workspace", "delete", "prod"]);
    full.code(1);
    assert!(
        full.stderr.contains("records 2 resource instances"),
        "{}",
        full.stderr
    );
    project
        .plinth(&["workspace", "delete", "--force", "prod"])
        .code(0);
    assert_eq!(project.plinth(&["workspace", "list"]).stdout, "* default\n");
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    let invalid = project.plinth(&["workspace", "new", "../escape"]);
    invalid.code(1);
    assert!(
        invalid.stderr.contains("not a valid workspace name"),
        "{}",
        invalid.stderr
    );
}

#[test]
fn local_workspaces_keep_separate_state_files() {
    let cloud = Cloud::start(0);
    let project = Project::new();
    project.write("main.hcl", &objects(&cloud));
    project.plinth(&["apply", "--auto-approve"]).code(0);
    project.plinth(&["workspace", "new", "prod"]).code(0);
    assert_eq!(project.read(".plinth/environment"), "prod\n");
    project.plinth(&["apply", "--auto-approve"]).code(0);
    let prod = project.read("plinth.state.d/prod/plinth.state.json");
    assert!(prod.contains("pool-b") && !prod.contains("pool-a"));
    let default = project.read("plinth.state.json");
    assert!(default.contains("pool-a") && !default.contains("pool-b"));
    project.plinth(&["workspace", "select", "default"]).code(0);
    project
        .plinth(&["workspace", "delete", "--force", "prod"])
        .code(0);
    assert!(!project.path().join("plinth.state.d/prod").exists());

    let fresh = Project::new();
    fresh.write("main.hcl", &objects(&cloud));
    life_cycle(&fresh, &cloud);
}

#[test]
fn postgresql_workspaces_are_rows_of_their_own() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(0);
    let schema = schema();
    let project = Project::new();
    project.write(
        "main.hcl",
        &format!("{}{}", backend(&url, &schema), objects(&cloud)),
    );
    life_cycle(&project, &cloud);
    assert!(!project.path().join("plinth.state.json").exists());
    let rows = sql(
        &url,
        &format!("SELECT workspace FROM \"{schema}\".states ORDER BY 1"),
    );
    let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
    assert_eq!(names, vec!["default".to_owned()]);
}

//! The PostgreSQL backend against a real server (`PLINTH_TEST_PG`, started by `.ci/pg start`):
//! runs at once from two checkouts, a killed lock holder, a soak of concurrent runs, a database
//! session cut mid-apply, and moving state between the local file and the database. Without a
//! server these tests print why and pass, except under `CI=true`, where they fail.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::support::{CLUSTER_1, Cloud, Project, plinth};

/// The test server's connection string, or `None` (and the reason printed) outside CI.
pub fn server() -> Option<String> {
    from_environment("PLINTH_TEST_PG")
}

/// The address `variable` holds (set by `.ci/pg start`), or `None` and the reason printed; under
/// `CI=true` a missing one fails the test.
#[allow(clippy::print_stderr, reason = "a skipped test says why")]
fn from_environment(variable: &str) -> Option<String> {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{variable} is not set under CI=true: .ci/run starts the test server with .ci/pg"
            );
            eprintln!(
                "skipped: {variable} is not set (start a server with `eval \"$(.ci/pg start)\"`)"
            );
            None
        }
    }
}

/// A schema of the test's own, so tests run in parallel.
pub fn schema() -> String {
    format!("e2e_{}", uuid::Uuid::new_v4().simple())
}

/// The `plinth` block keeping the state in `schema`.
pub fn backend(url: &str, schema: &str) -> String {
    format!(
        "plinth {{\n  backend \"pg\" {{\n    conn_str    = \"{url}\"\n    schema_name = \"{schema}\"\n  }}\n}}\n"
    )
}

/// A CoreDNS add-on and a GPU plug-in whose pool depends on the workspace.
pub fn objects(cloud: &Cloud) -> String {
    format!(
        r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "{CLUSTER_1}"
  template_name = "coredns"
  version       = "1.28.6"
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  pool_name     = plinth.workspace == "default" ? "pool-a" : "pool-b"
  template_name = "gpu-beta"
  version       = "1.2.15"
}}
"#,
        provider = cloud.provider()
    )
}

/// Runs SQL on a connection of the test's own.
pub fn sql(url: &str, statement: &str) -> Vec<tokio_postgres::Row> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        client.query(statement, &[]).await.unwrap()
    })
}

fn project(url: &str, schema: &str, cloud: &Cloud) -> Project {
    let project = Project::new();
    project.write(
        "main.hcl",
        &format!("{}{}", backend(url, schema), objects(cloud)),
    );
    project
}

fn spawn_apply(project: &Project, extra: &[&str]) -> Child {
    plinth()
        .arg("--chdir")
        .arg(project.path())
        .args(["apply", "--auto-approve"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Each object of [`objects`] in the default workspace was installed exactly once.
fn assert_installed_once(cloud: &Cloud) {
    let snapshot = cloud.snapshot();
    assert_eq!(
        snapshot.installs_of(&format!("cce/{CLUSTER_1}/coredns")),
        1,
        "{:?}",
        snapshot.installs
    );
    assert_eq!(
        snapshot.installs_of("modelarts/pool-a/gpu-beta"),
        1,
        "{:?}",
        snapshot.installs
    );
    assert_eq!(snapshot.addons.len(), 1);
    assert_eq!(snapshot.plugins.len(), 1);
}

fn assert_converged(project: &Project) {
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    let listed = project.plinth(&["state", "list"]);
    listed.code(0);
    assert_eq!(
        listed.stdout,
        "huaweicloud_cce_addon.dns\nhuaweicloud_modelarts_pool_plugin.gpu\n"
    );
}

/// Waits until a run holds the lock of `workspace`: its lock row's backend pid.
fn lock_session(url: &str, schema: &str) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let exists = sql(
            url,
            &format!("SELECT to_regclass('\"{schema}\".locks')::text"),
        )[0]
        .get::<_, Option<String>>(0)
        .is_some();
        if exists {
            let rows = sql(
                url,
                &format!("SELECT backend_pid FROM \"{schema}\".locks WHERE workspace = 'default'"),
            );
            if let Some(row) = rows.first() {
                return row.get(0);
            }
        }
        assert!(Instant::now() < deadline, "no run took the lock");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_checkouts_applying_at_once_install_each_object_once_and_both_converge() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(300);
    let schema = schema();
    let (one, two) = (
        project(&url, &schema, &cloud),
        project(&url, &schema, &cloud),
    );
    let first = spawn_apply(&one, &["--lock-timeout", "60s"]);
    let second = spawn_apply(&two, &["--lock-timeout", "60s"]);
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_installed_once(&cloud);
    assert_converged(&one);
    assert_converged(&two);
    // Without waiting, the second run refuses and names the holder.
    let holder = spawn_apply(&one, &["--replace", "huaweicloud_cce_addon.dns"]);
    lock_session(&url, &schema);
    let refused = two.plinth(&["plan"]);
    refused.code(1);
    assert!(
        refused.stderr.contains("the state is locked by"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("`apply`"), "{}", refused.stderr);
    assert!(holder.wait_with_output().unwrap().status.success());
}

#[test]
fn a_killed_lock_holder_frees_the_lock_at_once_and_the_next_run_converges() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(3000);
    let schema = schema();
    let project = project(&url, &schema, &cloud);
    let mut holder = spawn_apply(&project, &[]);
    lock_session(&url, &schema);
    std::thread::sleep(Duration::from_millis(500));
    holder.kill().unwrap();
    holder.wait().unwrap();
    // Its row is left, but its session is gone: the lock is free, no force-unlock needed.
    let started = Instant::now();
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the next run waited"
    );
    assert_installed_once(&cloud);
    assert_converged(&project);
}

#[test]
fn force_unlock_clears_a_dead_sessions_lock_and_refuses_a_live_one() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(3000);
    let schema = schema();
    let project = project(&url, &schema, &cloud);
    let mut holder = spawn_apply(&project, &[]);
    lock_session(&url, &schema);
    let id: uuid::Uuid = sql(&url, &format!("SELECT lock_id FROM \"{schema}\".locks"))[0].get(0);
    let id = id.to_string();
    let live = project.plinth(&["force-unlock", "--force", &id]);
    live.code(1);
    assert!(
        live.stderr.contains("database session is still open"),
        "{}",
        live.stderr
    );
    holder.kill().unwrap();
    holder.wait().unwrap();
    // Standard input is not a terminal: plinth cannot ask, so it needs --force.
    let asked = project.plinth(&["force-unlock", &id]);
    asked.code(1);
    assert!(asked.stderr.contains("--force"), "{}", asked.stderr);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let run = project.plinth(&["force-unlock", "--force", &id]);
        if run.code == 0 {
            assert!(
                run.stdout.contains("was not held any more"),
                "{}",
                run.stdout
            );
            break;
        }
        assert!(Instant::now() < deadline, "{}", run.stderr);
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = sql(&url, &format!("SELECT count(*) FROM \"{schema}\".locks"));
    assert_eq!(rows[0].get::<_, i64>(0), 0);
}

#[test]
fn a_soak_of_concurrent_runs_loses_no_update_and_applies_nothing_twice() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(20);
    let schema = schema();
    let runs = 20;
    let applies = 5;
    let projects: Vec<Project> = (0..runs).map(|_| project(&url, &schema, &cloud)).collect();
    std::thread::scope(|scope| {
        for project in &projects {
            scope.spawn(move || {
                for _ in 0..applies {
                    project
                        .plinth(&["apply", "--auto-approve", "--lock-timeout", "120s"])
                        .code(0);
                }
            });
        }
    });
    assert_installed_once(&cloud);
    assert_converged(&projects[0]);
    // Every save wrote a serial of its own, one after the other: none overwrote another.
    let serials: Vec<i64> = sql(
        &url,
        &format!(
            "SELECT serial FROM \"{schema}\".states UNION ALL SELECT serial FROM \"{schema}\".history ORDER BY 1"
        ),
    )
    .iter()
    .map(|row| row.get(0))
    .collect();
    let expected: Vec<i64> = (1..=i64::try_from(serials.len()).unwrap()).collect();
    assert_eq!(serials, expected);
}

#[test]
fn a_database_session_cut_mid_apply_loses_nothing_once_it_is_back() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(1500);
    let schema = schema();
    let project = project(&url, &schema, &cloud);
    let child = spawn_apply(&project, &[]);
    let pid = lock_session(&url, &schema);
    std::thread::sleep(Duration::from_millis(300));
    sql(&url, &format!("SELECT pg_terminate_backend({pid})"));
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the connection to the database was lost"),
        "{stderr}"
    );
    // The creates that were sent are found by natural key, not made again.
    project.plinth(&["apply", "--auto-approve"]).code(0);
    assert_installed_once(&cloud);
    assert_converged(&project);
}

#[test]
fn state_moves_from_the_local_file_to_postgresql_and_back_byte_for_byte() {
    let Some(url) = server() else { return };
    let cloud = Cloud::start(0);
    let local = Project::new();
    local.write("main.hcl", &objects(&cloud));
    local.plinth(&["apply", "--auto-approve"]).code(0);
    let file = local.read("plinth.state.json");
    let pulled = local.plinth(&["state", "pull"]);
    pulled.code(0);
    assert_eq!(pulled.stdout, file);

    let schema = schema();
    let database = project(&url, &schema, &cloud);
    database.write("moved.json", &file);
    let pushed = database.plinth(&["state", "push", "moved.json"]);
    pushed.code(0);
    assert!(
        pushed.stdout.contains("Pushed the state"),
        "{}",
        pushed.stdout
    );
    assert_eq!(database.plinth(&["state", "pull"]).stdout, file);
    database.plinth(&["plan", "--detailed-exitcode"]).code(0);
    // The same serial again, or another state, is refused without --force.
    let again = database.plinth(&["state", "push", "moved.json"]);
    again.code(1);
    assert!(
        again.stderr.contains("not newer than the stored serial"),
        "{}",
        again.stderr
    );
    let stranger = r#"{"fingerprint_key":"0000000000000000000000000000000000000000000000000000000000000000","format":"plinth-state","lineage":"00000000-0000-4000-8000-000000000000","outputs":{},"resources":[],"serial":99,"version":1}"#;
    database.write("stranger.json", stranger);
    let refused = database.plinth(&["state", "push", "stranger.json"]);
    refused.code(1);
    assert!(
        refused.stderr.contains("different states"),
        "{}",
        refused.stderr
    );
    assert_eq!(database.plinth(&["state", "pull"]).stdout, file);
    database
        .plinth(&["state", "push", "--force", "moved.json"])
        .code(0);
    let history = database.plinth(&["state", "history"]);
    history.code(0);
    assert!(history.stdout.starts_with("SERIAL"), "{}", history.stdout);

    let back = Project::new();
    back.write("main.hcl", &objects(&cloud));
    back.write("pulled.json", &database.plinth(&["state", "pull"]).stdout);
    back.plinth(&["state", "push", "pulled.json"]).code(0);
    assert_eq!(back.read("plinth.state.json"), file);
    back.plinth(&["plan", "--detailed-exitcode"]).code(0);
}

#[test]
fn the_connection_string_never_shows_its_password() {
    let project = Project::new();
    project.write(
        "main.hcl",
        "plinth {\n  backend \"pg\" {\n    conn_str = \"postgres://alice:hunter2-secret@127.0.0.1:1/db?connect_timeout=2\"\n  }\n}\n",
    );
    let run = project.plinth(&["state", "list"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("cannot connect to `postgres://alice@127.0.0.1:1/db"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    let missing = Project::new();
    missing.write("main.hcl", "plinth {\n  backend \"pg\" {}\n}\n");
    let run = missing.plinth(&["state", "list"]);
    run.code(1);
    assert!(run.stderr.contains("main.hcl:2:11"), "{}", run.stderr);
    assert!(run.stderr.contains("PG_CONN_STR"), "{}", run.stderr);
}

#[test]
fn a_file_that_is_not_a_state_is_not_pushed() {
    let project = Project::new();
    project.write("main.hcl", "");
    project.write("notes.json", "{\"hello\": 1}");
    let run = project.plinth(&["state", "push", "notes.json"]);
    run.code(1);
    assert!(
        run.stderr
            .contains("it is not a state file plinth can read"),
        "{}",
        run.stderr
    );
    assert!(!project.path().join("plinth.state.json").exists());
}

#[test]
fn a_pooler_in_transaction_mode_is_refused_before_anything_is_written() {
    let Some(url) = from_environment("PLINTH_TEST_PGBOUNCER") else {
        return;
    };
    let cloud = Cloud::start(0);
    let project = project(&url, &schema(), &cloud);
    // Reading needs no lock: it works through the pooler.
    project.plinth(&["state", "list"]).code(0);
    let run = project.plinth(&["apply", "--auto-approve"]);
    run.code(1);
    assert!(
        run.stderr.contains("pooler in transaction mode"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("hint: connect plinth to PostgreSQL directly")
    );
    assert_eq!(cloud.snapshot().installs.len(), 0, "nothing was applied");
}

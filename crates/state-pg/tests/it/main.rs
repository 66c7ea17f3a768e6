//! `PgStorage` against a real PostgreSQL server: the one `PLINTH_TEST_PG` names (`.ci/pg start`).
//! Without it the tests print why and pass, except under `CI=true`, where they fail. Each test
//! works in a schema of its own, so they run in parallel.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stderr)]

use std::time::{Duration, Instant};

use plinth_state::{
    Change, ForceUnlock, LockRequest, ResourceState, SaveOutcome, State, StateError, StateStorage,
    document,
};
use plinth_state_pg::{PgOptions, PgStorage};

/// The test server's connection string, or `None` (and a printed reason) when there is none
/// outside CI.
fn server() -> Option<String> {
    match std::env::var("PLINTH_TEST_PG") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PLINTH_TEST_PG is not set under CI=true: .ci/run starts the test server with .ci/pg"
            );
            eprintln!(
                "skipped: PLINTH_TEST_PG is not set (start a server with `eval \"$(.ci/pg start)\"`)"
            );
            None
        }
    }
}

fn schema() -> String {
    format!("t_{}", uuid::Uuid::new_v4().simple())
}

fn storage(url: &str, schema: &str, workspace: &str) -> PgStorage {
    PgStorage::connect(&PgOptions {
        conn_str: url.to_owned(),
        schema: schema.to_owned(),
        workspace: workspace.to_owned(),
    })
    .unwrap()
}

fn request(timeout: Duration) -> LockRequest {
    LockRequest {
        operation: "apply".into(),
        timeout,
    }
}

fn upsert(name: &str, id: &str) -> Change {
    Change::Upsert {
        address: format!("huaweicloud_cce_addon.{name}").parse().unwrap(),
        resource: ResourceState::new(Some(id.into()), serde_json::json!({"version": "1.0"})),
    }
}

/// Runs SQL on a connection of the test's own.
fn sql(url: &str, statement: &str) -> Vec<tokio_postgres::Row> {
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

#[test]
fn a_run_saves_and_a_crashed_runs_journal_is_folded_in_by_the_next_load() {
    let Some(url) = server() else { return };
    let schema = schema();
    let first = storage(&url, &schema, "default");
    assert_eq!(first.load().unwrap().serial(), 0);
    let lock = first.lock(&request(Duration::ZERO)).unwrap();
    let mut journal = first.begin(first.load().unwrap(), &lock).unwrap();
    assert_eq!(journal.state().serial(), 1);
    journal.record(upsert("a", "id-a")).unwrap();
    journal
        .record_all(vec![upsert("b", "id-b"), upsert("c", "id-c")])
        .unwrap();
    // The run dies here: no finish. Its journal rows are in the database.
    drop(journal);
    drop(lock);
    let rows = sql(
        &url,
        &format!("SELECT entry FROM \"{schema}\".journal ORDER BY seq"),
    );
    assert_eq!(rows.len(), 3, "one row per recorded change");
    let second = storage(&url, &schema, "default");
    let state = second.load().unwrap();
    assert_eq!(state.resources().len(), 3);
    assert_eq!(state.serial(), 1);
    let lock = second.lock(&request(Duration::ZERO)).unwrap();
    let journal = second.begin(state, &lock).unwrap();
    assert_eq!(journal.state().serial(), 2, "begin folded the rows in");
    let (state, outcome) = journal.finish().unwrap();
    assert_eq!(outcome, SaveOutcome::Unchanged);
    assert_eq!(state.serial(), 2);
    let journal_rows = sql(&url, &format!("SELECT count(*) FROM \"{schema}\".journal"));
    assert_eq!(journal_rows[0].get::<_, i64>(0), 0);
    let history = second.history().unwrap();
    let serials: Vec<(u64, bool)> = history.iter().map(|h| (h.serial, h.current)).collect();
    assert_eq!(serials, vec![(2, true), (1, false)]);
}

#[test]
fn a_save_over_a_version_it_did_not_load_is_refused() {
    let Some(url) = server() else { return };
    let schema = schema();
    let store = storage(&url, &schema, "default");
    let lock = store.lock(&request(Duration::ZERO)).unwrap();
    let mut stale = store.load().unwrap();
    let mut fresh = stale.clone();
    fresh.apply(upsert("a", "1"));
    assert_eq!(
        store.save(&mut fresh, &lock).unwrap(),
        SaveOutcome::Written { serial: 1 }
    );
    stale.apply(upsert("b", "2"));
    let error = store.save(&mut stale, &lock).unwrap_err();
    assert!(matches!(error, StateError::Conflict { .. }), "{error}");
    assert_eq!(
        stale.serial(),
        0,
        "a refused save leaves the serial as it was"
    );
    let mut other = State::new();
    other.set_serial(1);
    let error = store.save(&mut other, &lock).unwrap_err();
    assert!(error.to_string().contains("lineage"), "{error}");
    assert_eq!(store.load().unwrap().resources().len(), 1);
}

#[test]
fn the_lock_is_exclusive_waits_and_is_freed_when_its_session_ends() {
    let Some(url) = server() else { return };
    let schema = schema();
    let one = storage(&url, &schema, "default");
    let two = storage(&url, &schema, "default");
    let other_workspace = storage(&url, &schema, "prod");
    let held = one.lock(&request(Duration::ZERO)).unwrap();
    let error = two.lock(&request(Duration::ZERO)).unwrap_err();
    let StateError::Locked {
        info: Some(info), ..
    } = &error
    else {
        panic!("expected a lock error naming the holder, got {error}");
    };
    assert_eq!(**info, *held.info());
    // Workspaces lock separately.
    drop(other_workspace.lock(&request(Duration::ZERO)).unwrap());
    // --lock-timeout waits for the holder.
    let started = Instant::now();
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(600));
        drop(held);
    });
    let taken = two.lock(&request(Duration::from_secs(20))).unwrap();
    assert!(started.elapsed() >= Duration::from_millis(500));
    releaser.join().unwrap();
    // The holder's connection killed (as when its process is): the lock is free at once.
    let pid = sql(
        &url,
        &format!("SELECT backend_pid FROM \"{schema}\".locks WHERE workspace = 'default'"),
    )[0]
    .get::<_, i32>(0);
    sql(&url, &format!("SELECT pg_terminate_backend({pid})"));
    let deadline = Instant::now() + Duration::from_secs(10);
    let again = loop {
        match one.lock(&request(Duration::ZERO)) {
            Ok(guard) => break guard,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            Err(error) => panic!("the lock of a killed session was not freed: {error}"),
        }
    };
    assert_ne!(again.info().id, taken.info().id);
}

#[test]
fn force_unlock_clears_only_a_lock_whose_session_is_gone() {
    let Some(url) = server() else { return };
    let schema = schema();
    let store = storage(&url, &schema, "default");
    let held = store.lock(&request(Duration::ZERO)).unwrap();
    let id = held.info().id.to_string();
    let error = store.force_unlock("not-the-id").unwrap_err();
    assert!(
        matches!(error, StateError::LockIdMismatch { .. }),
        "{error}"
    );
    let error = store.force_unlock(&id).unwrap_err();
    assert!(
        error.to_string().contains("database session is still open"),
        "{error}"
    );
    let holder = store.lock_holder().unwrap().unwrap();
    assert!(holder.session_alive);
    // The session dies but its row stays (as after a crash of the server-side cleanup).
    let pid = sql(&url, &format!("SELECT backend_pid FROM \"{schema}\".locks"))[0].get::<_, i32>(0);
    sql(&url, &format!("SELECT pg_terminate_backend({pid})"));
    std::mem::forget(held);
    let deadline = Instant::now() + Duration::from_secs(10);
    while store.lock_holder().unwrap().unwrap().session_alive {
        assert!(Instant::now() < deadline, "the session did not end");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ForceUnlock::Cleared(info) = store.force_unlock(&id).unwrap() else {
        panic!("a dead session's lock is cleared, not broken");
    };
    assert_eq!(info.id.to_string(), id);
    assert_eq!(store.lock_holder().unwrap(), None);
}

#[test]
fn a_lost_connection_fails_the_write_with_a_hint_and_loses_nothing_recorded() {
    let Some(url) = server() else { return };
    let schema = schema();
    let store = storage(&url, &schema, "default");
    let lock = store.lock(&request(Duration::ZERO)).unwrap();
    let mut journal = store.begin(store.load().unwrap(), &lock).unwrap();
    journal.record(upsert("a", "id-a")).unwrap();
    sql(
        &url,
        &format!("SELECT pg_terminate_backend(backend_pid) FROM \"{schema}\".locks"),
    );
    let error = journal.record(upsert("b", "id-b")).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("cannot record a change"), "{message}");
    assert!(message.contains("hint: the connection"), "{message}");
    assert!(!message.contains("password"), "{message}");
    drop(journal);
    drop(lock);
    let state = storage(&url, &schema, "default").load().unwrap();
    assert_eq!(state.resources().len(), 1, "the recorded change is kept");
}

#[test]
fn a_schema_of_a_newer_layout_is_refused_and_left_alone() {
    let Some(url) = server() else { return };
    let schema = schema();
    drop(storage(&url, &schema, "default"));
    sql(
        &url,
        &format!("UPDATE \"{schema}\".plinth_schema SET version = 99"),
    );
    let error = PgStorage::connect(&PgOptions {
        conn_str: url.clone(),
        schema: schema.clone(),
        workspace: "default".into(),
    })
    .unwrap_err();
    assert!(error.to_string().contains("layout version 99"), "{error}");
    let version = sql(
        &url,
        &format!("SELECT version FROM \"{schema}\".plinth_schema"),
    );
    assert_eq!(version[0].get::<_, i32>(0), 99);
}

#[test]
fn first_use_by_many_runs_at_once_creates_the_tables_once() {
    let Some(url) = server() else { return };
    let schema = schema();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (url, schema) = (url.clone(), schema.clone());
            std::thread::spawn(move || storage(&url, &schema, "default").load().map(drop))
        })
        .collect();
    for thread in threads {
        thread.join().unwrap().unwrap();
    }
    let versions = sql(
        &url,
        &format!("SELECT count(*) FROM \"{schema}\".plinth_schema"),
    );
    assert_eq!(versions[0].get::<_, i64>(0), 1);
}

#[test]
fn overwrite_keeps_the_document_byte_for_byte_and_workspaces_are_separate() {
    let Some(url) = server() else { return };
    let schema = schema();
    let store = storage(&url, &schema, "default");
    let mut state = State::new();
    state.apply(upsert("a", "id-a"));
    state.set_serial(41);
    let text = document::encode_state(&state);
    let lock = store.lock(&request(Duration::ZERO)).unwrap();
    store.overwrite(&state, &lock).unwrap();
    assert_eq!(document::encode_state(&store.load().unwrap()), text);
    let prod = store.for_workspace("prod").unwrap();
    assert_eq!(prod.load().unwrap().resources().len(), 0);
    assert_eq!(store.workspaces().unwrap(), vec!["default".to_owned()]);
    let prod_lock = prod.lock(&request(Duration::ZERO)).unwrap();
    let mut empty = State::new();
    prod.save(&mut empty, &prod_lock).unwrap();
    assert_eq!(store.workspaces().unwrap(), vec!["default", "prod"]);
    prod.delete(&prod_lock).unwrap();
    assert!(!prod.exists().unwrap());
    assert!(store.exists().unwrap());
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let error = PgStorage::connect(&PgOptions {
        conn_str: "postgres://alice:top-secret@127.0.0.1:1/db?connect_timeout=2".into(),
        schema: "plinth".into(),
        workspace: "default".into(),
    })
    .unwrap_err()
    .to_string();
    assert!(
        error.starts_with("cannot connect to `postgres://alice@127.0.0.1:1/db"),
        "{error}"
    );
    assert!(!error.contains("top-secret"), "{error}");
    assert!(error.contains("hint: check `conn_str`"), "{error}");
}

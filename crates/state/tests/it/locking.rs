//! Two processes and one state: exactly one proceeds, the other names the holder or waits.

use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdout};
use std::time::{Duration, Instant};

use plinth_state::{LocalStorage, LockRequest, StateError, StateStorage};

use crate::child::{self, MARKER};
use crate::{StateDir, state_dir};

const HOLDER: &str = "locking::holder_process";

/// Entry point of the helper process: takes the lock on `PLINTH_LOCK_STATE`, reports, holds it
/// for `PLINTH_LOCK_HOLD_MS`, then releases it.
#[test]
#[ignore = "helper process for the locking tests"]
fn holder_process() {
    let Ok(path) = std::env::var("PLINTH_LOCK_STATE") else {
        return;
    };
    let hold: u64 = std::env::var("PLINTH_LOCK_HOLD_MS")
        .unwrap()
        .parse()
        .unwrap();
    let storage = LocalStorage::new(path);
    let request = LockRequest {
        operation: "apply".into(),
        timeout: Duration::ZERO,
    };
    match storage.lock(&request) {
        Ok(guard) => {
            println!("{MARKER} acquired {}", guard.info().pid);
            std::thread::sleep(Duration::from_millis(hold));
        }
        Err(StateError::Locked {
            info: Some(info), ..
        }) => {
            println!("{MARKER} locked-by {}", info.pid);
        }
        Err(error) => println!("{MARKER} error {error}"),
    }
}

fn spawn_holder(storage: &LocalStorage, hold_ms: u64) -> Child {
    child::command(
        HOLDER,
        &[
            ("PLINTH_LOCK_STATE", storage.path().display().to_string()),
            ("PLINTH_LOCK_HOLD_MS", hold_ms.to_string()),
        ],
    )
    .spawn()
    .unwrap()
}

/// The next report of a helper process: `(what, pid)`.
fn report(stdout: &mut BufReader<ChildStdout>) -> (String, u32) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "the helper ended without reporting"
        );
        if let Some(rest) = line.trim().strip_prefix(MARKER) {
            let (what, pid) = rest.trim().split_once(' ').unwrap();
            return (what.to_owned(), pid.parse().unwrap());
        }
    }
}

#[test]
fn exactly_one_of_two_racing_processes_proceeds_and_the_other_names_it() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut first = spawn_holder(&storage, 30_000);
    let mut second = spawn_holder(&storage, 30_000);
    let mut reports = Vec::new();
    for child in [&mut first, &mut second] {
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        reports.push((child.id(), report(&mut stdout)));
    }
    for child in [&mut first, &mut second] {
        child.kill().unwrap();
        child.wait().unwrap();
    }
    let winners: Vec<u32> = reports
        .iter()
        .filter(|(_, (what, _))| what == "acquired")
        .map(|(pid, _)| *pid)
        .collect();
    assert_eq!(winners.len(), 1, "{reports:?}");
    let loser = reports
        .iter()
        .find(|(_, (what, _))| what != "acquired")
        .unwrap();
    assert_eq!(loser.1, ("locked-by".to_owned(), winners[0]), "{reports:?}");
}

#[test]
fn lock_timeout_waits_for_the_holder_to_release() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut holder = spawn_holder(&storage, 600);
    let mut stdout = BufReader::new(holder.stdout.take().unwrap());
    let (what, pid) = report(&mut stdout);
    assert_eq!(what, "acquired");

    let short = LockRequest {
        operation: "plan".into(),
        timeout: Duration::from_millis(100),
    };
    let error = storage.lock(&short).unwrap_err();
    let StateError::Locked {
        info: Some(info),
        waited,
    } = &error
    else {
        panic!("expected a lock error naming the holder, got {error}");
    };
    assert_eq!((info.pid, info.operation.as_str()), (pid, "apply"));
    assert_eq!(*waited, Duration::from_millis(100));
    assert!(error.to_string().contains(&format!("pid {pid}")), "{error}");
    assert!(
        error.to_string().contains("gave up after waiting 100ms"),
        "{error}"
    );

    let started = Instant::now();
    let long = LockRequest {
        operation: "plan".into(),
        timeout: Duration::from_secs(10),
    };
    let guard = storage.lock(&long).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(guard.info().pid, std::process::id());
    holder.wait().unwrap();
}

#[test]
fn killing_the_holder_frees_the_lock() {
    let StateDir { dir: _dir, storage } = state_dir();
    let mut holder = spawn_holder(&storage, 60_000);
    let mut stdout = BufReader::new(holder.stdout.take().unwrap());
    assert_eq!(report(&mut stdout).0, "acquired");
    let now = LockRequest {
        operation: "plan".into(),
        timeout: Duration::ZERO,
    };
    assert!(matches!(storage.lock(&now), Err(StateError::Locked { .. })));
    holder.kill().unwrap();
    holder.wait().unwrap();
    let guard = storage.lock(&now).unwrap();
    assert_eq!(guard.info().pid, std::process::id());
}

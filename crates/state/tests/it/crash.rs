//! A run killed with SIGKILL at any point loses no change whose journal append had returned.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::thread;
use std::time::Duration;

use plinth_state::{
    Change, LocalStorage, LockRequest, OutputState, ResourceState, State, StateStorage,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::child;
use crate::{StateDir, state_dir};

const RUNNER: &str = "crash::runner_process";
const ROUNDS: usize = 200;

/// The `index`th operation of the endless run: mostly upserts, some removals and outputs.
fn operation(index: u64) -> Change {
    if index % 4 == 3 {
        Change::Remove {
            address: format!("test_thing.r[{}]", index - 2).parse().unwrap(),
        }
    } else if index % 7 == 6 {
        Change::SetOutput {
            name: "last".into(),
            output: OutputState::Plain(json!(index)),
        }
    } else {
        Change::Upsert {
            address: format!("test_thing.r[{index}]").parse().unwrap(),
            resource: ResourceState::new(
                Some(format!("id-{index}")),
                json!({"index": index, "payload": "x".repeat(64)}),
            ),
        }
    }
}

/// The state after operations `0..count`.
fn expected(count: u64) -> State {
    let mut state = State::new();
    for index in 0..count {
        state.apply(operation(index));
    }
    state
}

/// Entry point of the helper process: runs operations from `PLINTH_CRASH_START` on, through the
/// journal of the state in `PLINTH_CRASH_DIR`, finishing and starting a new run every 16
/// operations, and appends each operation's index to the progress file once `record` returned.
#[test]
#[ignore = "helper process for the crash test"]
fn runner_process() {
    let Ok(dir) = std::env::var("PLINTH_CRASH_DIR") else {
        return;
    };
    let dir = Path::new(&dir);
    let start: u64 = std::env::var("PLINTH_CRASH_START")
        .unwrap()
        .parse()
        .unwrap();
    let storage = LocalStorage::new(dir.join("plinth.state.json"));
    let mut progress = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("progress"))
        .unwrap();
    let request = LockRequest {
        operation: "apply".into(),
        timeout: Duration::from_secs(5),
    };
    let guard = storage.lock(&request).unwrap();
    let mut journal = storage.begin(storage.load().unwrap(), &guard).unwrap();
    for index in start.. {
        journal.record(operation(index)).unwrap();
        progress.write_all(format!("{index}\n").as_bytes()).unwrap();
        if index % 16 == 15 {
            let (state, _) = journal.finish().unwrap();
            journal = storage.begin(state, &guard).unwrap();
        }
    }
}

/// The number of operations the helper processes reported complete: one more than the highest
/// index on a whole line.
fn completed(progress: &Path) -> u64 {
    let text = fs::read_to_string(progress).unwrap_or_default();
    text.split_inclusive('\n')
        .filter_map(|line| line.strip_suffix('\n'))
        .map(|line| line.parse::<u64>().unwrap() + 1)
        .max()
        .unwrap_or(0)
}

#[test]
fn sigkill_at_random_points_loses_no_completed_operation() {
    let StateDir { dir, storage } = state_dir();
    let progress = dir.path().join("progress");
    let mut rng = StdRng::seed_from_u64(0x5eed_0005);
    let mut done = 0;
    for round in 0..ROUNDS {
        let mut runner = child::command(
            RUNNER,
            &[
                ("PLINTH_CRASH_DIR", dir.path().display().to_string()),
                ("PLINTH_CRASH_START", done.to_string()),
            ],
        )
        .spawn()
        .unwrap();
        thread::sleep(Duration::from_micros(rng.random_range(0..60_000)));
        runner.kill().unwrap();
        runner.wait().unwrap();

        done = done.max(completed(&progress));
        let state = storage
            .load()
            .unwrap_or_else(|error| panic!("round {round}: {error}"));
        // The operation in flight at the kill may or may not have been recorded.
        let matches = [done, done + 1].into_iter().any(|count| {
            let expected = expected(count);
            state.resources() == expected.resources() && state.outputs() == expected.outputs()
        });
        assert!(
            matches,
            "round {round}: the state does not hold exactly operations 0..{done}"
        );
        // The dead runner left no lock behind.
        let now = LockRequest {
            operation: "check".into(),
            timeout: Duration::ZERO,
        };
        drop(storage.lock(&now).unwrap());
    }
    eprintln!("{done} operations recorded across {ROUNDS} kills");
    // Under a loaded machine most kills land while a runner starts; still, some must not.
    assert!(
        done >= 20,
        "the runners made too little progress to test much: {done}"
    );
}

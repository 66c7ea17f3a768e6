//! Benchmark: recording N results through the journal, then folding them into the state file: the time per
//! result must not grow with N.
// A benchmark panics on a broken setup; `criterion_group!` generates an undocumented function.
#![allow(clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plinth_state::{Change, LocalStorage, LockRequest, ResourceState, StateStorage};
use serde_json::json;

fn record_and_fold(count: u64) -> Duration {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let storage = LocalStorage::new(dir.path().join("plinth.state.json"));
    let request = LockRequest {
        operation: "bench".into(),
        timeout: Duration::ZERO,
    };
    let guard = storage.lock(&request).expect("the lock");
    let state = storage.load().expect("an empty state");
    let started = Instant::now();
    let mut journal = storage.begin(state, &guard).expect("a journal");
    for index in 0..count {
        let change = Change::Upsert {
            address: format!("huaweicloud_cce_addon.bench[{index}]")
                .parse()
                .expect("an address"),
            resource: ResourceState::new(
                Some(format!("addon-{index}")),
                json!({"version": "1.30.3", "values": {"replicas": 2, "index": index}}),
            ),
        };
        journal.record(change).expect("a durable append");
    }
    journal.finish().expect("the fold");
    started.elapsed()
}

fn journal(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("journal_record_and_fold");
    group.sample_size(10);
    for count in [1_000_u64, 10_000] {
        group.throughput(Throughput::Elements(count));
        group.bench_with_input(
            BenchmarkId::from_parameter(count),
            &count,
            |bencher, &count| {
                bencher.iter_custom(|iterations| {
                    (0..iterations).map(|_| record_and_fold(count)).sum()
                });
            },
        );
    }
    group.finish();
}

criterion_group!(benches, journal);
criterion_main!(benches);

//! Benchmark: planning a generated configuration of N instances (see
//! `plinth_config::testing::Generated`) against an empty state (everything is created), against a
//! state the cloud matches (nothing to do), and against a cloud where every object runs the
//! previous version (everything is updated). The time per instance must not grow with N.
// A benchmark panics on a broken setup; `criterion_group!` generates an undocumented function.
#![allow(clippy::expect_used, missing_docs)]

use plinth_core::RemoteObject;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plinth_config::load_sources;
use plinth_config::testing::{Generated, Versions};
use plinth_planner::{Observations, Observed, PlanOptions, plan};
use plinth_state::{Change, ResourceState, State};

/// The state after applying `generated`, and a refresh that observed objects running `versions`.
fn world(generated: &Generated, versions: Versions) -> (State, Observations) {
    let mut state = State::new();
    let mut observed = Observations::new();
    for (in_state, now) in generated
        .cloud(Versions::Configured)
        .into_iter()
        .zip(generated.cloud(versions))
    {
        let address: plinth_core::ResourceAddress = in_state.address.parse().expect("an address");
        state.apply(Change::Upsert {
            address: address.clone(),
            resource: ResourceState::new(in_state.id, in_state.attributes),
        });
        observed.insert_resource(
            address,
            Observed::Present(RemoteObject::new(now.id, now.attributes.into())),
        );
    }
    (state, observed)
}

fn planning(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("plan");
    group.sample_size(10);
    let options = PlanOptions::default();
    for n in [1_000_usize, 10_000] {
        let generated = Generated::new(n);
        let instances = generated.instances();
        let config = load_sources(generated.sources()).expect("the configuration loads");
        group.throughput(Throughput::Elements(instances as u64));
        let cases = [
            ("create", (State::new(), Observations::new()), instances, 0),
            ("no_op", world(&generated, Versions::Configured), 0, 0),
            (
                "update",
                world(&generated, Versions::Previous),
                0,
                instances,
            ),
        ];
        for (name, (state, observed), add, change) in cases {
            group.bench_with_input(BenchmarkId::new(name, n), &(), |b, ()| {
                b.iter(|| {
                    let planned =
                        plan(black_box(&config), &state, &observed, &options).expect("it plans");
                    let summary = planned.summary();
                    assert_eq!((summary.add, summary.change), (add, change), "{name}");
                    planned
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, planning);
criterion_main!(benches);

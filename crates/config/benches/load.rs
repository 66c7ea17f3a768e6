//! Benchmark: loading (parsing and validating) and expanding a generated configuration of N
//! instances; the time per instance must not grow with N.
// A benchmark panics on a broken setup; `criterion_group!` generates an undocumented function.
#![allow(clippy::expect_used, missing_docs)]

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use plinth_config::testing::Generated;
use plinth_config::{NoValues, expand, load_sources};

fn load_and_expand(criterion: &mut Criterion) {
    let mut group = criterion.benchmark_group("config");
    group.sample_size(10);
    for n in [1_000_usize, 10_000] {
        let generated = Generated::new(n);
        let instances = generated.instances() as u64;
        group.throughput(Throughput::Elements(instances));
        group.bench_with_input(BenchmarkId::new("load_sources", n), &generated, |b, g| {
            b.iter_batched(
                || g.sources(),
                |sources| load_sources(sources).expect("the configuration loads"),
                criterion::BatchSize::LargeInput,
            );
        });
        let config = load_sources(generated.sources()).expect("the configuration loads");
        group.bench_with_input(BenchmarkId::new("expand", n), &config, |b, config| {
            b.iter(|| {
                let expanded = expand(black_box(config), &NoValues).expect("it expands");
                assert_eq!(expanded.len() as u64, instances);
                expanded
            });
        });
    }
    group.finish();
}

criterion_group!(benches, load_and_expand);
criterion_main!(benches);

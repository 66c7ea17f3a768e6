//! Fault injection: the asked rate within tolerance, the same faults for the same seed, and no
//! side effect from a faulted request.

use plinth_emulator::{EmulatorOptions, Fixture};
use reqwest::Method;

use crate::support::{Api, emulator, plugin_body, plugins_path};

/// What one request got: a status, or `0` for a dropped connection.
async fn outcomes(seed: u64, rate: f64, count: usize) -> Vec<u16> {
    let emulator = emulator(EmulatorOptions {
        fault_rate: rate,
        seed,
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&emulator);
    let mut outcomes = Vec::with_capacity(count);
    for _ in 0..count {
        let answer = api
            .try_call_raw(Method::GET, &plugins_path("pool-a"), &[], None, None)
            .await;
        outcomes.push(match answer {
            Ok(answer) => {
                if answer.status == 429 {
                    assert_eq!(answer.retry_after.as_deref(), Some("1"));
                    assert_eq!(answer.body["error_code"], "APIGW.0308");
                }
                answer.status
            }
            Err(_) => 0,
        });
    }
    emulator.shutdown().await.unwrap();
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_hit_the_rate_and_repeat_for_the_same_seed() {
    let first = outcomes(42, 0.2, 2000).await;
    let faulted = first.iter().filter(|status| **status != 200).count();
    assert!(
        (340..=460).contains(&faulted),
        "{faulted} faults in 2000 at rate 0.2"
    );
    for kind in [0, 429, 500, 503] {
        let seen = first.iter().filter(|status| **status == kind).count();
        assert!(seen > 50, "{seen} answers {kind}");
    }
    assert!(
        first
            .iter()
            .all(|status| [0, 200, 429, 500, 503].contains(status))
    );
    assert_eq!(
        first,
        outcomes(42, 0.2, 2000).await,
        "same seed, same faults"
    );
    assert_ne!(first, outcomes(43, 0.2, 2000).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulted_requests_have_no_side_effect() {
    let pools: Vec<String> = (0..200).map(|index| format!("pool-{index:03}")).collect();
    let emulator = emulator(EmulatorOptions {
        fault_rate: 0.5,
        seed: 9,
        fixture: Fixture {
            pools: pools.clone(),
            ..Fixture::default()
        },
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&emulator);
    let mut served = std::collections::BTreeSet::new();
    for pool in &pools {
        let body = serde_json::to_vec(&plugin_body("volcano", None, None)).unwrap();
        let answer = api
            .try_call_raw(Method::POST, &plugins_path(pool), &[], Some(body), None)
            .await;
        if matches!(answer, Ok(ref answer) if answer.status == 200) {
            served.insert(pool.clone());
        }
    }
    let installed: std::collections::BTreeSet<String> = emulator
        .snapshot()
        .plugins
        .into_iter()
        .map(|plugin| plugin.pool)
        .collect();
    assert!(served.len() > 50 && served.len() < 150, "{}", served.len());
    assert_eq!(installed, served);
}

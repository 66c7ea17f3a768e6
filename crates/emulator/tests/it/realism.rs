//! A realistic cloud on the wire: latency on every answer, the API gateway's flow control per
//! service, and exact request counts by route and status.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use plinth_emulator::{EmulatorOptions, RequestCounts, RouteCounts, start};
use serde_json::json;

use crate::support::{
    AUTOPILOT, Api, CLUSTER, PROJECT, emulator, install_body, plugin_body, plugins_path,
    upgrade_body,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_delays_every_answer_errors_included() {
    let latency = Duration::from_millis(150);
    let emulator = emulator(EmulatorOptions {
        latency,
        jitter: Duration::from_millis(50),
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&emulator);
    for path in ["/v3/projects", "/nowhere", "/api/v3/addons/missing"] {
        let started = Instant::now();
        let answer = api.get(path, &[]).await;
        assert!(
            started.elapsed() >= latency,
            "{path} answered {} after {:?}",
            answer.status,
            started.elapsed()
        );
        assert!(answer.request_id.is_some());
    }
    emulator.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_options_there_is_no_limit() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    for _ in 0..50 {
        assert_eq!(api.get("/api/v3/addontemplates", &[]).await.status, 200);
    }
    assert_eq!(emulator.requests().status("429"), 0);
    emulator.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_throttles_beyond_the_burst_per_service_and_recovers() {
    let emulator = emulator(EmulatorOptions {
        rate_limit: Some(2.0),
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&emulator);
    let templates = "/api/v3/addontemplates";
    assert_eq!(api.get(templates, &[]).await.status, 200);
    assert_eq!(api.get(templates, &[]).await.status, 200);
    let throttled = api.get(templates, &[]).await;
    assert_eq!(throttled.status, 429, "{:?}", throttled.body);
    assert_eq!(throttled.retry_after.as_deref(), Some("1"));
    assert_eq!(throttled.body["error_code"], "APIGW.0308");
    assert!(
        throttled.body["error_msg"]
            .as_str()
            .unwrap()
            .starts_with("The throttling threshold has been reached"),
        "{}",
        throttled.body
    );
    assert_eq!(
        throttled.body["request_id"].as_str(),
        throttled.request_id.as_deref()
    );
    // A throttled request has no side effect.
    let install = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "coredns", None, json!({})),
        )
        .await;
    assert_eq!(install.status, 429);
    assert!(emulator.snapshot().addons.is_empty());
    // Every other service has its own bucket.
    assert_eq!(api.get(&plugins_path("pool-a"), &[]).await.status, 200);
    assert_eq!(
        api.get("/autopilot/v3/addontemplates", &[]).await.status,
        200
    );
    assert_eq!(api.get("/v3/projects", &[]).await.status, 200);
    // An unknown path is not any service's: it is answered 404, not throttled.
    assert_eq!(api.get("/nowhere", &[]).await.status, 404);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(api.get(templates, &[]).await.status, 200);
    let counts = emulator.requests();
    assert_eq!(counts.status("429"), 2);
    assert_eq!(
        counts.by_route["GET /api/v3/addontemplates"].by_status["429"],
        1
    );
    assert_eq!(counts.by_route["POST /api/v3/addons"].by_status["429"], 1);
    emulator.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_rate_limit_that_is_not_a_positive_number_is_refused() {
    for rate in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let Err(error) = start(EmulatorOptions {
            rate_limit: Some(rate),
            ..EmulatorOptions::default()
        })
        .await
        else {
            panic!("rate {rate} was accepted");
        };
        assert!(error.to_string().contains("rate limit"), "{error}");
    }
}

/// Counts of `(route, status, how many)` triples.
fn expected(rows: &[(&str, &str, u64)]) -> RequestCounts {
    let mut counts = RequestCounts::default();
    for (route, status, count) in rows {
        counts.total += count;
        *counts.by_status.entry((*status).to_owned()).or_default() += count;
        let route: &mut RouteCounts = counts.by_route.entry((*route).to_owned()).or_default();
        route.total += count;
        *route.by_status.entry((*status).to_owned()).or_default() += count;
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_counted_exactly_by_route_pattern_and_status() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    assert_eq!(api.get("/v3/projects", &[]).await.status, 200);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(CLUSTER, "coredns", None, json!({})),
        )
        .await;
    assert_eq!(installed.status, 201, "{}", installed.body);
    let id = installed.body["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    let one = format!("/api/v3/addons/{id}");
    for _ in 0..3 {
        assert_eq!(api.get(&one, &[]).await.status, 200);
    }
    assert_eq!(
        api.get("/api/v3/addons", &[("cluster_id", CLUSTER)])
            .await
            .status,
        200
    );
    let upgrade = upgrade_body(CLUSTER, "coredns", "1.30.6", json!({}));
    assert_eq!(
        api.put(&one, &[("cluster_id", CLUSTER)], &upgrade)
            .await
            .status,
        200
    );
    assert_eq!(api.delete(&one, &[]).await.status, 200);
    assert_eq!(api.get("/api/v3/addons/missing", &[]).await.status, 404);
    assert_eq!(api.get("/api/v3/addontemplates", &[]).await.status, 200);
    assert_eq!(
        api.get("/autopilot/v3/addons", &[("cluster_id", AUTOPILOT)])
            .await
            .status,
        200
    );
    assert_eq!(
        api.get("/autopilot/v3/addons/missing", &[]).await.status,
        404
    );
    assert_eq!(
        api.get("/autopilot/v3/addontemplates", &[]).await.status,
        200
    );
    let plugin = plugin_body("gpu-beta", None, None);
    assert_eq!(api.post(&plugins_path("pool-a"), &plugin).await.status, 200);
    assert_eq!(api.get(&plugins_path("pool-a"), &[]).await.status, 200);
    assert_eq!(api.get(&plugins_path("pool-b"), &[]).await.status, 200);
    let plugin_path = format!("{}/gpu-beta", plugins_path("pool-a"));
    assert_eq!(api.delete(&plugin_path, &[]).await.status, 200);
    let templates = format!("/v2/{PROJECT}/plugintemplates");
    assert_eq!(api.get(&templates, &[]).await.status, 200);
    assert_eq!(api.get("/nowhere", &[]).await.status, 404);

    let want = expected(&[
        ("GET /v3/projects", "200", 1),
        ("POST /api/v3/addons", "201", 1),
        ("GET /api/v3/addons/{id}", "200", 3),
        ("GET /api/v3/addons/{id}", "404", 1),
        ("GET /api/v3/addons", "200", 1),
        ("PUT /api/v3/addons/{id}", "200", 1),
        ("DELETE /api/v3/addons/{id}", "200", 1),
        ("GET /api/v3/addontemplates", "200", 1),
        ("GET /autopilot/v3/addons", "200", 1),
        ("GET /autopilot/v3/addons/{id}", "404", 1),
        ("GET /autopilot/v3/addontemplates", "200", 1),
        ("POST /v2/{project_id}/pools/{pool_name}/plugins", "200", 1),
        ("GET /v2/{project_id}/pools/{pool_name}/plugins", "200", 2),
        (
            "DELETE /v2/{project_id}/pools/{pool_name}/plugins/{template_name}",
            "200",
            1,
        ),
        ("GET /v2/{project_id}/plugintemplates", "200", 1),
        ("GET (no route)", "404", 1),
    ]);
    assert_eq!(emulator.requests(), want);
    assert_eq!(want.total, 19);

    // The endpoint answers the same counts, and its own calls are not counted.
    for _ in 0..2 {
        let answer = api.get("/_emulator/requests", &[]).await;
        assert_eq!(answer.status, 200);
        let served: RequestCounts = serde_json::from_value(answer.body).unwrap();
        assert_eq!(served, want);
    }
    assert_eq!(emulator.requests(), want);
    emulator.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faulted_and_dropped_requests_are_counted_under_their_route() {
    let emulator = emulator(EmulatorOptions {
        fault_rate: 1.0,
        seed: 3,
        ..EmulatorOptions::default()
    })
    .await;
    let api = Api::new(&emulator);
    let mut seen: BTreeMap<String, u64> = BTreeMap::new();
    for _ in 0..40 {
        let status = match api
            .try_call_raw(reqwest::Method::GET, "/v3/projects", &[], None, None)
            .await
        {
            Ok(answer) => answer.status.to_string(),
            Err(_) => "dropped".to_owned(),
        };
        *seen.entry(status).or_default() += 1;
    }
    let counts = emulator.requests();
    assert_eq!(counts.total, 40);
    assert_eq!(counts.by_status, seen);
    assert_eq!(counts.by_route["GET /v3/projects"].by_status, seen);
    assert!(
        seen.contains_key("dropped") && seen.contains_key("429"),
        "{seen:?}"
    );
    emulator.shutdown().await.unwrap();
}

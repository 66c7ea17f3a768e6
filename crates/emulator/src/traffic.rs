//! What makes the emulator behave like a real cloud on the wire: the latency of every answer, the
//! API gateway's flow control (a token bucket per service), and the count of requests by route
//! and status that `GET /_emulator/requests` and [`crate::RunningEmulator::requests`] show.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::Rng;
use serde::{Deserialize, Serialize};

/// The services the API gateway limits separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Cce,
    Autopilot,
    ModelArts,
    Iam,
}

impl Service {
    const ALL: [Self; 4] = [Self::Cce, Self::Autopilot, Self::ModelArts, Self::Iam];

    fn index(self) -> usize {
        match self {
            Self::Cce => 0,
            Self::Autopilot => 1,
            Self::ModelArts => 2,
            Self::Iam => 3,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Cce => "CCE",
            Self::Autopilot => "CCE Autopilot",
            Self::ModelArts => "ModelArts",
            Self::Iam => "IAM",
        }
    }
}

/// Every route the emulator serves, as a pattern of path segments (`{..}` matches one segment),
/// with its service. `crate::api::router` serves the same paths; the `counts` tests of the
/// integration suite call every one of them and check the pattern they are counted under.
const ROUTES: &[(Service, &str)] = &[
    (Service::Iam, "/v3/projects"),
    (Service::Cce, "/api/v3/addons"),
    (Service::Cce, "/api/v3/addons/{id}"),
    (Service::Cce, "/api/v3/addons/{id}/operation/rollback"),
    (Service::Cce, "/api/v3/addontemplates"),
    (Service::Cce, "/api/v3/projects/{project_id}/clusters"),
    (
        Service::Cce,
        "/api/v3/projects/{project_id}/clusters/{cluster_id}",
    ),
    (Service::Autopilot, "/autopilot/v3/addons"),
    (Service::Autopilot, "/autopilot/v3/addons/{id}"),
    (
        Service::Autopilot,
        "/autopilot/v3/addons/{id}/operation/rollback",
    ),
    (Service::Autopilot, "/autopilot/v3/addontemplates"),
    (
        Service::Autopilot,
        "/autopilot/v3/projects/{project_id}/clusters",
    ),
    (
        Service::Autopilot,
        "/autopilot/v3/projects/{project_id}/clusters/{cluster_id}",
    ),
    (
        Service::ModelArts,
        "/v2/{project_id}/pools/{pool_name}/plugins",
    ),
    (
        Service::ModelArts,
        "/v2/{project_id}/pools/{pool_name}/plugins/{template_name}",
    ),
    (Service::ModelArts, "/v2/{project_id}/plugintemplates"),
    (Service::ModelArts, "/v2/{project_id}/pools"),
];

/// The pattern a path that matches no route is counted under.
pub(crate) const NO_ROUTE: &str = "(no route)";

/// The route pattern and service of `path`; `(NO_ROUTE, None)` when the emulator serves no such
/// path (it answers 404 `APIGW.0101`, and no service's limit applies).
pub(crate) fn route_of(path: &str) -> (&'static str, Option<Service>) {
    let segments: Vec<&str> = path.split('/').collect();
    ROUTES
        .iter()
        .find(|(_, pattern)| {
            let pattern: Vec<&str> = pattern.split('/').collect();
            pattern.len() == segments.len()
                && pattern.iter().zip(&segments).all(|(want, got)| {
                    if want.starts_with('{') {
                        !got.is_empty()
                    } else {
                        want == got
                    }
                })
        })
        .map_or((NO_ROUTE, None), |(service, pattern)| {
            (*pattern, Some(*service))
        })
}

/// The delay added to every answer: `latency` plus a uniform draw in `[0, jitter]`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Latency {
    pub latency: Duration,
    pub jitter: Duration,
}

impl Latency {
    pub(crate) fn sample(self) -> Duration {
        if self.jitter.is_zero() {
            return self.latency;
        }
        self.latency + self.jitter.mul_f64(rand::rng().random::<f64>())
    }
}

/// One token bucket: `tokens` as of `at`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The gateway's flow control: a token bucket per service, refilled at `rate` tokens a second up
/// to `burst`; a request takes one token or is throttled.
pub(crate) struct RateLimit {
    rate: f64,
    burst: f64,
    buckets: Mutex<[Bucket; 4]>,
}

impl RateLimit {
    /// `rate` requests a second per service (positive and finite), with a burst of `rate`
    /// (at least one request).
    pub(crate) fn new(rate: f64, now: Instant) -> Self {
        let burst = rate.max(1.0);
        Self {
            rate,
            burst,
            buckets: Mutex::new(
                [Bucket {
                    tokens: burst,
                    at: now,
                }; Service::ALL.len()],
            ),
        }
    }

    /// Takes a token of `service` at `now`; when none is left, how long until one is back.
    pub(crate) fn acquire(&self, service: Service, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = &mut buckets[service.index()];
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.rate).min(self.burst);
        bucket.at = now.max(bucket.at);
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.rate))
        }
    }

    /// The requests a second of each service.
    pub(crate) fn rate(&self) -> f64 {
        self.rate
    }
}

/// `Retry-After` in whole seconds for a wait: rounded up, at least 1.
pub(crate) fn retry_after_seconds(wait: Duration) -> u64 {
    let whole = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    whole.max(1)
}

/// The status key of a connection dropped by fault injection (it has no HTTP status).
pub(crate) const DROPPED: &str = "dropped";

/// How many requests the emulator answered, by route and by status (`"200"`, `"429"`, ...,
/// and `"dropped"` for connections closed by fault injection). `GET /_emulator/requests` answers
/// this as JSON; the endpoint's own calls are not counted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestCounts {
    /// Every request answered (or dropped).
    pub total: u64,
    /// Requests by status.
    pub by_status: BTreeMap<String, u64>,
    /// Requests by `METHOD /route/{pattern}` (`METHOD (no route)` for unknown paths).
    pub by_route: BTreeMap<String, RouteCounts>,
}

/// The requests of one route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteCounts {
    /// Every request of the route.
    pub total: u64,
    /// Its requests by status.
    pub by_status: BTreeMap<String, u64>,
}

impl RequestCounts {
    /// How many requests got `status` (e.g. `"429"`), over every route.
    pub fn status(&self, status: &str) -> u64 {
        self.by_status.get(status).copied().unwrap_or(0)
    }

    /// How many requests `route` (e.g. `"GET /api/v3/addons/{id}"`) had.
    pub fn route(&self, route: &str) -> u64 {
        self.by_route.get(route).map_or(0, |counts| counts.total)
    }

    pub(crate) fn record(&mut self, method: &str, pattern: &str, status: &str) {
        self.total += 1;
        *self.by_status.entry(status.to_owned()).or_default() += 1;
        let route = self
            .by_route
            .entry(format!("{method} {pattern}"))
            .or_default();
        route.total += 1;
        *route.by_status.entry(status.to_owned()).or_default() += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_counted_under_their_route_pattern_and_service() {
        let cases = [
            ("/v3/projects", "/v3/projects", Some(Service::Iam)),
            ("/api/v3/addons", "/api/v3/addons", Some(Service::Cce)),
            (
                "/api/v3/addons/abc",
                "/api/v3/addons/{id}",
                Some(Service::Cce),
            ),
            (
                "/autopilot/v3/addons/abc",
                "/autopilot/v3/addons/{id}",
                Some(Service::Autopilot),
            ),
            (
                "/v2/p/pools/pool-a/plugins/gpu-beta",
                "/v2/{project_id}/pools/{pool_name}/plugins/{template_name}",
                Some(Service::ModelArts),
            ),
            (
                "/v2/p/plugintemplates",
                "/v2/{project_id}/plugintemplates",
                Some(Service::ModelArts),
            ),
            ("/api/v3/addons/", NO_ROUTE, None),
            ("/api/v3/addons/a/b", NO_ROUTE, None),
            ("/nowhere", NO_ROUTE, None),
            ("/", NO_ROUTE, None),
        ];
        for (path, pattern, service) in cases {
            assert_eq!(route_of(path), (pattern, service), "{path}");
        }
    }

    #[test]
    fn a_bucket_allows_its_burst_then_one_request_per_token() {
        let start = Instant::now();
        let limit = RateLimit::new(4.0, start);
        for _ in 0..4 {
            assert_eq!(limit.acquire(Service::Cce, start), Ok(()));
        }
        let wait = limit.acquire(Service::Cce, start).unwrap_err();
        assert_eq!(wait, Duration::from_millis(250));
        // Another service has its own bucket.
        assert_eq!(limit.acquire(Service::ModelArts, start), Ok(()));
        let later = start + Duration::from_millis(100);
        let wait = limit.acquire(Service::Cce, later).unwrap_err();
        assert!((wait.as_secs_f64() - 0.15).abs() < 1e-9, "{wait:?}");
        let refilled = start + Duration::from_millis(250);
        assert_eq!(limit.acquire(Service::Cce, refilled), Ok(()));
        assert!(limit.acquire(Service::Cce, refilled).is_err());
        // A long pause refills up to the burst, not beyond.
        let idle = start + Duration::from_secs(60);
        for _ in 0..4 {
            assert_eq!(limit.acquire(Service::Cce, idle), Ok(()));
        }
        assert!(limit.acquire(Service::Cce, idle).is_err());
    }

    #[test]
    fn a_rate_below_one_still_allows_one_request() {
        let start = Instant::now();
        let limit = RateLimit::new(0.5, start);
        assert_eq!(limit.acquire(Service::Iam, start), Ok(()));
        assert_eq!(
            limit.acquire(Service::Iam, start),
            Err(Duration::from_secs(2))
        );
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(retry_after_seconds(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_secs(1)), 1);
        assert_eq!(retry_after_seconds(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn latency_stays_within_latency_and_latency_plus_jitter() {
        let latency = Latency {
            latency: Duration::from_millis(10),
            jitter: Duration::from_millis(5),
        };
        for _ in 0..1000 {
            let delay = latency.sample();
            assert!(delay >= Duration::from_millis(10) && delay <= Duration::from_millis(15));
        }
        let fixed = Latency {
            latency: Duration::from_millis(7),
            jitter: Duration::ZERO,
        };
        assert_eq!(fixed.sample(), Duration::from_millis(7));
    }

    #[test]
    fn counts_add_up_by_route_and_status() {
        let mut counts = RequestCounts::default();
        counts.record("GET", "/api/v3/addons/{id}", "200");
        counts.record("GET", "/api/v3/addons/{id}", "429");
        counts.record("POST", "/api/v3/addons", "201");
        assert_eq!(counts.total, 3);
        assert_eq!(counts.route("GET /api/v3/addons/{id}"), 2);
        assert_eq!(counts.status("429"), 1);
        assert_eq!(counts.status("500"), 0);
        let json = serde_json::to_value(&counts).unwrap();
        assert_eq!(
            json["by_route"]["GET /api/v3/addons/{id}"]["by_status"]["429"],
            1
        );
    }
}

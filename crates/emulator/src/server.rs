//! The server: one HTTP/1.1 listener for every service, latency, flow control, fault injection,
//! signature checking, request ids and counts, and the debounced writer of the data file.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::auth::{self, Credentials};
use crate::catalogue::Catalogue;
use crate::cloud::{Cloud, CloudData, CloudSnapshot};
use crate::errors::{APIG_THROTTLED, ApiError};
use crate::options::{EmulatorError, EmulatorOptions, Fixture};
use crate::traffic::{self, DROPPED, Latency, RateLimit, RequestCounts};

/// The header that carries the id of every answer.
const REQUEST_ID_HEADER: &str = "x-request-id";

/// The emulator's own endpoint: the request counts, as JSON. Not one of the cloud's APIs: it has
/// no latency, limit, fault or signature check, and is not counted.
pub(crate) const REQUESTS_PATH: &str = "/_emulator/requests";

/// Largest request body accepted.
const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The data file is written at most this often while requests change the cloud.
const SAVE_DEBOUNCE: Duration = Duration::from_millis(200);

/// What every request handler shares.
pub(crate) struct Shared {
    cloud: Mutex<Cloud>,
    dirty: Notify,
    credentials: Option<Credentials>,
    faults: Mutex<Faults>,
    latency: Latency,
    rate_limit: Option<RateLimit>,
    counts: Mutex<RequestCounts>,
}

impl Shared {
    /// The cloud, locked. Handlers hold the lock only for synchronous work.
    pub(crate) fn cloud(&self) -> MutexGuard<'_, Cloud> {
        self.cloud.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn counts(&self) -> MutexGuard<'_, RequestCounts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tells the writer that the cloud changed when `changed` holds.
    pub(crate) fn changed_if(&self, changed: bool) {
        if changed {
            self.dirty.notify_one();
        }
    }
}

/// A fault injected instead of serving a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Throttled,
    Internal,
    Unavailable,
    DroppedConnection,
}

/// The seeded fault generator: one decision per request, in arrival order.
struct Faults {
    rate: f64,
    rng: StdRng,
}

impl Faults {
    fn next(&mut self) -> Option<Fault> {
        if self.rate <= 0.0 {
            return None;
        }
        let draw: f64 = self.rng.random();
        if draw >= self.rate {
            return None;
        }
        Some(match self.rng.random_range(0..4u8) {
            0 => Fault::Throttled,
            1 => Fault::Internal,
            2 => Fault::Unavailable,
            _ => Fault::DroppedConnection,
        })
    }
}

/// The error a connection is closed with when the fault generator drops it.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped by fault injection")]
struct DroppedConnection;

/// A running emulator. Dropping it stops the server; [`RunningEmulator::shutdown`] also waits
/// for the last save of the data file.
pub struct RunningEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop_server: watch::Sender<bool>,
    stop_writer: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    writer: Option<JoinHandle<Result<(), EmulatorError>>>,
}

impl RunningEmulator {
    /// The address the server listens on (the real port when port 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://{addr}`: the endpoint to give the client for every service.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The fixture the emulator serves.
    pub fn fixture(&self) -> Fixture {
        self.shared.cloud().fixture().clone()
    }

    /// What the emulated cloud holds now, with the number of installations per natural key.
    pub fn snapshot(&self) -> CloudSnapshot {
        self.shared.cloud().snapshot()
    }

    /// How many requests the emulator answered so far, by route and by status.
    pub fn requests(&self) -> RequestCounts {
        self.shared.counts().clone()
    }

    /// Stops accepting connections, drops the open ones and writes the data file one last time.
    pub async fn shutdown(mut self) -> Result<(), EmulatorError> {
        self.stop_server.send_replace(true);
        if let Some(server) = self.server.take() {
            server
                .await
                .map_err(|error| EmulatorError::Task(error.to_string()))?;
        }
        self.stop_writer.send_replace(true);
        match self.writer.take() {
            Some(writer) => writer
                .await
                .map_err(|error| EmulatorError::Task(error.to_string()))?,
            None => Ok(()),
        }
    }

    /// Serves until `signal` completes (e.g. Ctrl-C), then shuts down as
    /// [`RunningEmulator::shutdown`] does.
    pub async fn run_until(self, signal: impl Future<Output = ()>) -> Result<(), EmulatorError> {
        signal.await;
        self.shutdown().await
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        // Without `shutdown`, the tasks still stop and the writer still saves on its own.
        self.stop_server.send_replace(true);
        self.stop_writer.send_replace(true);
    }
}

/// Starts the emulator on `options.listen` and returns once it accepts connections.
pub async fn start(options: EmulatorOptions) -> Result<RunningEmulator, EmulatorError> {
    if !(0.0..=1.0).contains(&options.fault_rate) {
        return Err(EmulatorError::Option(format!(
            "the fault rate must be between 0 and 1, not {}",
            options.fault_rate
        )));
    }
    if let Some(rate) = options.rate_limit
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(EmulatorError::Option(format!(
            "the rate limit must be a positive number of requests a second, not {rate}"
        )));
    }
    let catalogue = Catalogue::builtin(&options.fixture.region)?;
    let op_ms = u64::try_from(options.op_duration.as_millis()).unwrap_or(u64::MAX);
    let mut cloud = Cloud::new(options.fixture.clone(), catalogue, op_ms);
    if let Some(path) = &options.data
        && let Some(data) = load(path)?
    {
        cloud.load(data);
    }
    let listener =
        TcpListener::bind(options.listen)
            .await
            .map_err(|source| EmulatorError::Bind {
                addr: options.listen,
                source,
            })?;
    let addr = listener
        .local_addr()
        .map_err(|source| EmulatorError::Bind {
            addr: options.listen,
            source,
        })?;
    let shared = Arc::new(Shared {
        cloud: Mutex::new(cloud),
        dirty: Notify::new(),
        credentials: options
            .credentials
            .map(|(access_key, secret_key)| Credentials {
                access_key,
                secret_key,
            }),
        faults: Mutex::new(Faults {
            rate: options.fault_rate,
            rng: StdRng::seed_from_u64(options.seed),
        }),
        latency: Latency {
            latency: options.latency,
            jitter: options.jitter,
        },
        rate_limit: options
            .rate_limit
            .map(|rate| RateLimit::new(rate, Instant::now())),
        counts: Mutex::new(RequestCounts::default()),
    });
    let (stop_server, server_stopped) = watch::channel(false);
    let (stop_writer, writer_stopped) = watch::channel(false);
    let router = crate::api::router(Arc::clone(&shared));
    let server = tokio::spawn(accept_loop(
        listener,
        router,
        Arc::clone(&shared),
        server_stopped,
    ));
    let writer = options
        .data
        .map(|path| tokio::spawn(write_loop(Arc::clone(&shared), path, writer_stopped)));
    Ok(RunningEmulator {
        addr,
        shared,
        stop_server,
        stop_writer,
        server: Some(server),
        writer,
    })
}

/// Runs the emulator until `signal` completes; the foreground `plinth emulator` command. Use
/// [`start`] and [`RunningEmulator::run_until`] instead to learn the address first.
pub async fn serve(
    options: EmulatorOptions,
    signal: impl Future<Output = ()>,
) -> Result<(), EmulatorError> {
    start(options).await?.run_until(signal).await
}

async fn accept_loop(
    listener: TcpListener,
    router: Router,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or a connection reset before accept: try again.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                // Small answers must not wait for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                let router = router.clone();
                let shared = Arc::clone(&shared);
                let service = hyper::service::service_fn(move |request| {
                    handle(Arc::clone(&shared), router.clone(), request)
                });
                connections.spawn(async move {
                    // A dropped connection or a client going away ends the connection; there
                    // is no one to tell.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(TokioTimer::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = stop.changed() => break,
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}

/// Serves one request: the gateway's 429, a fault, a 401, or the router's answer; always with
/// `X-Request-Id`, after the latency, and counted by route and status.
async fn handle(
    shared: Arc<Shared>,
    router: Router,
    request: Request<Incoming>,
) -> Result<Response<Body>, DroppedConnection> {
    if request.method() == axum::http::Method::GET && request.uri().path() == REQUESTS_PATH {
        return Ok(axum::Json(shared.counts().clone()).into_response());
    }
    let method = request.method().as_str().to_owned();
    let (route, service) = traffic::route_of(request.uri().path());
    let request_id = uuid::Uuid::new_v4().to_string();
    let throttled = match (&shared.rate_limit, service) {
        (Some(limit), Some(service)) => limit
            .acquire(service, Instant::now())
            .err()
            .map(|wait| throttled_response(limit, service.name(), wait, &request_id)),
        _ => None,
    };
    let outcome = if let Some(response) = throttled {
        Ok(response)
    } else {
        let fault = shared
            .faults
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next();
        match fault {
            Some(Fault::DroppedConnection) => Err(DroppedConnection),
            Some(fault) => Ok(fault_response(fault, &request_id)),
            None => Ok(serve_request(&shared, router, request, &request_id).await),
        }
    };
    let status = match &outcome {
        Ok(response) => response.status().as_u16().to_string(),
        Err(DroppedConnection) => DROPPED.to_owned(),
    };
    shared.counts().record(&method, route, &status);
    let delay = shared.latency.sample();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let mut response = outcome?;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    Ok(response)
}

/// The API gateway's answer beyond a service's flow-control limit: 429 `APIGW.0308` with
/// `Retry-After` rounded up to when a token is back.
fn throttled_response(
    limit: &RateLimit,
    service: &str,
    wait: Duration,
    request_id: &str,
) -> Response<Body> {
    let mut response = ApiError::apig(
        StatusCode::TOO_MANY_REQUESTS,
        APIG_THROTTLED,
        format!(
            "The throttling threshold has been reached: policy {service} over ratelimit,limit:{},time:1 second",
            limit.rate()
        ),
        request_id,
    )
    .into_response();
    response.headers_mut().insert(
        "retry-after",
        HeaderValue::from(traffic::retry_after_seconds(wait)),
    );
    response
}

async fn serve_request(
    shared: &Shared,
    router: Router,
    request: Request<Incoming>,
    request_id: &str,
) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(Body::new(body), BODY_LIMIT).await else {
        return ApiError::apig(
            StatusCode::PAYLOAD_TOO_LARGE,
            "APIGW.0201",
            "Request entity too large or the body could not be read",
            request_id,
        )
        .into_response();
    };
    if let Some(credentials) = &shared.credentials
        && let Err(error) = auth::verify(credentials, &parts, &body, request_id)
    {
        return error.into_response();
    }
    let request = Request::from_parts(parts, Body::from(body));
    match router.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

fn fault_response(fault: Fault, request_id: &str) -> Response<Body> {
    let error = match fault {
        Fault::Throttled => ApiError::apig(
            StatusCode::TOO_MANY_REQUESTS,
            APIG_THROTTLED,
            "The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute",
            request_id,
        ),
        Fault::Internal => ApiError::apig(
            StatusCode::INTERNAL_SERVER_ERROR,
            "APIGW.0103",
            "The backend service is abnormal",
            request_id,
        ),
        Fault::Unavailable | Fault::DroppedConnection => ApiError::apig(
            StatusCode::SERVICE_UNAVAILABLE,
            "APIGW.0201",
            "The backend service is unavailable",
            request_id,
        ),
    };
    let mut response = error.into_response();
    if fault == Fault::Throttled {
        response
            .headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
    }
    response
}

/// Reads the data file; `None` when it does not exist yet.
fn load(path: &Path) -> Result<Option<CloudData>, EmulatorError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(EmulatorError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|source| EmulatorError::Parse {
            path: path.to_owned(),
            source,
        })
}

/// Saves the cloud after changes, at most every [`SAVE_DEBOUNCE`], and once more when stopped.
async fn write_loop(
    shared: Arc<Shared>,
    path: PathBuf,
    mut stop: watch::Receiver<bool>,
) -> Result<(), EmulatorError> {
    loop {
        let stopping = tokio::select! {
            () = shared.dirty.notified() => false,
            _ = stop.changed() => true,
        };
        if stopping {
            break;
        }
        let stopping = tokio::select! {
            () = tokio::time::sleep(SAVE_DEBOUNCE) => false,
            _ = stop.changed() => true,
        };
        if stopping {
            break;
        }
        // A failed periodic save is repeated by the final one, which reports the error.
        let _ = save(&shared, &path).await;
    }
    save(&shared, &path).await
}

async fn save(shared: &Shared, path: &Path) -> Result<(), EmulatorError> {
    // Copy under the lock, serialize and write outside it, so requests are not held up.
    let data = shared.cloud().data();
    let target = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let bytes = serde_json::to_vec_pretty(&data).map_err(std::io::Error::other)?;
        write_atomic(&target, &bytes)
    })
    .await
    .map_err(|error| EmulatorError::Task(error.to_string()))?
    .map_err(|source| EmulatorError::Write {
        path: path.to_owned(),
        source,
    })
}

/// Writes `bytes` to `path` so that a crash leaves either the old or the new file: a temporary
/// file in the same directory, fsync, rename, fsync of the directory.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let mut file = tempfile::NamedTempFile::new_in(&dir)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    #[cfg(unix)]
    std::fs::File::open(&dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_hit_the_rate_and_repeat_for_a_seed() {
        let run = |seed| {
            let mut faults = Faults {
                rate: 0.25,
                rng: StdRng::seed_from_u64(seed),
            };
            (0..4000).map(|_| faults.next()).collect::<Vec<_>>()
        };
        let first = run(7);
        assert_eq!(first, run(7));
        assert_ne!(first, run(8));
        let hits = first.iter().filter(|fault| fault.is_some()).count();
        assert!((900..1100).contains(&hits), "{hits}");
        for kind in [
            Fault::Throttled,
            Fault::Internal,
            Fault::Unavailable,
            Fault::DroppedConnection,
        ] {
            assert!(first.contains(&Some(kind)));
        }
    }

    #[test]
    fn zero_rate_never_faults() {
        let mut faults = Faults {
            rate: 0.0,
            rng: StdRng::seed_from_u64(1),
        };
        assert!((0..100).all(|_| faults.next().is_none()));
    }

    #[test]
    fn atomic_write_replaces_the_file_and_creates_its_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".plinth").join("sandbox.json");
        write_atomic(&path, b"{\"a\":1}").unwrap();
        write_atomic(&path, b"{\"a\":2}").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"a\":2}\n");
        assert_eq!(
            std::fs::read_dir(path.parent().unwrap()).unwrap().count(),
            1
        );
    }
}

//! `plinth emulator`: the local Huawei Cloud as a foreground server, until Ctrl-C.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use plinth_emulator::{EmulatorOptions, Fixture, RequestCounts};

use crate::args::EmulatorArgs;
use crate::commands::Hinted;

pub fn run(args: &EmulatorArgs) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&args.fault_rate) {
        anyhow::bail!("`--fault-rate {}` must be between 0 and 1", args.fault_rate);
    }
    if !args.op_seconds.is_finite() || args.op_seconds < 0.0 {
        anyhow::bail!(
            "`--op-seconds {}` must be a non-negative number",
            args.op_seconds
        );
    }
    if let Some(rate) = args.rate_limit
        && !(rate.is_finite() && rate > 0.0)
    {
        anyhow::bail!("`--rate-limit {rate}` must be a positive number of requests a second");
    }
    check_listen(args.listen)?;
    if let Some(data) = &args.data {
        check_data(data)?;
    }
    let fixture = match &args.fixture {
        Some(path) => Fixture::from_json_file(path)?,
        None => Fixture::default(),
    };
    let options = EmulatorOptions {
        listen: args.listen,
        data: args.data.clone(),
        op_duration: Duration::from_secs_f64(args.op_seconds),
        fault_rate: args.fault_rate,
        seed: args.seed,
        credentials: args.access_key.clone().zip(args.secret_key.clone()),
        fixture,
        latency: Duration::from_millis(args.latency),
        jitter: Duration::from_millis(args.jitter),
        rate_limit: args.rate_limit,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let mut interrupts =
            crate::interrupt::Interrupts::listen().context("cannot listen for Ctrl-C")?;
        let emulator = plinth_emulator::start(options).await?;
        {
            let mut stdout = io::stdout().lock();
            writeln!(stdout, "{}", emulator.base_url())?;
            stdout.flush()?;
        }
        let fixture = emulator.fixture();
        let mut stderr = io::stderr().lock();
        writeln!(
            stderr,
            "plinth emulator listening on {} (region {}, project {}; {} clusters, {} Autopilot \
             clusters, {} pools). Ctrl-C stops it.",
            emulator.base_url(),
            fixture.region,
            fixture.project_id,
            fixture.clusters.len(),
            fixture.autopilot_clusters.len(),
            fixture.pools.len()
        )?;
        drop(stderr);
        interrupts.next().await;
        let counts = emulator.requests();
        emulator.shutdown().await?;
        let mut stderr = io::stderr().lock();
        write!(stderr, "{}", summary(&counts))?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What `plinth emulator` served, printed when it stops: the total, the answers by status, and
/// every route with its count and statuses, busiest first.
fn summary(counts: &RequestCounts) -> String {
    use std::fmt::Write as _;
    let statuses = |by_status: &std::collections::BTreeMap<String, u64>| {
        by_status
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!("plinth emulator served {} requests", counts.total);
    if counts.total == 0 {
        text.push_str(".\n");
        return text;
    }
    let _ = writeln!(text, " ({}):", statuses(&counts.by_status));
    let mut routes: Vec<_> = counts.by_route.iter().collect();
    routes.sort_by(|(a_route, a), (b_route, b)| b.total.cmp(&a.total).then(a_route.cmp(b_route)));
    let width = routes
        .iter()
        .map(|(route, _)| route.len())
        .max()
        .unwrap_or(0);
    for (route, route_counts) in routes {
        let _ = writeln!(
            text,
            "  {route:<width$}  {:>6}  ({})",
            route_counts.total,
            statuses(&route_counts.by_status)
        );
    }
    text
}

/// The emulator checks signatures only when asked to and serves plain HTTP: it listens on
/// loopback only, as docs/emulator.md says, never on an address other machines reach.
fn check_listen(listen: SocketAddr) -> Result<(), Hinted> {
    if listen.ip().is_loopback() {
        return Ok(());
    }
    Err(Hinted {
        message: format!(
            "`--listen {listen}` is not a loopback address: the emulator serves plain HTTP to \
             this machine only"
        ),
        hint: format!(
            "listen on `127.0.0.1:{}` (or `[::1]:{}`)",
            listen.port(),
            listen.port()
        ),
    })
}

/// `--data FILE` must name a file in a directory that exists. A missing directory is refused
/// rather than created: it is most often a mistyped path, and creating it would keep the cloud
/// somewhere the next run with the right path does not look.
fn check_data(data: &Path) -> Result<(), Hinted> {
    if data.is_dir() {
        return Err(Hinted {
            message: format!("`--data {}` is a directory", data.display()),
            hint: format!(
                "`--data` names the file the cloud is kept in, e.g. `--data {}`",
                data.join("cloud.json").display()
            ),
        });
    }
    let directory = match data.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if directory.is_dir() {
        return Ok(());
    }
    Err(Hinted {
        message: format!(
            "`--data {}`: the directory `{}` does not exist",
            data.display(),
            directory.display()
        ),
        hint: format!(
            "create it first (`mkdir -p {}`), or check the path",
            directory.display()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_summary_lists_statuses_and_routes_busiest_first() {
        let counts: RequestCounts = serde_json::from_value(serde_json::json!({
            "total": 7,
            "by_status": {"200": 4, "201": 1, "429": 2},
            "by_route": {
                "GET /api/v3/addons/{id}": {"total": 5, "by_status": {"200": 3, "429": 2}},
                "POST /api/v3/addons": {"total": 1, "by_status": {"201": 1}},
                "GET /v3/projects": {"total": 1, "by_status": {"200": 1}}
            }
        }))
        .unwrap();
        insta::assert_snapshot!(summary(&counts));
        assert_eq!(
            summary(&RequestCounts::default()),
            "plinth emulator served 0 requests.\n"
        );
    }

    #[test]
    fn only_loopback_addresses_are_accepted() {
        for accepted in ["127.0.0.1:0", "127.0.0.1:8765", "[::1]:8765"] {
            assert!(
                check_listen(accepted.parse().unwrap()).is_ok(),
                "{accepted}"
            );
        }
        for refused in ["0.0.0.0:8765", "[::]:8765", "192.168.1.10:8765"] {
            let error = check_listen(refused.parse().unwrap()).unwrap_err();
            assert!(
                error.message.contains("not a loopback address"),
                "{}",
                error.message
            );
            assert!(error.hint.contains("127.0.0.1:8765"), "{}", error.hint);
        }
    }

    #[test]
    fn a_data_file_needs_an_existing_directory_and_must_not_be_one() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_data(&dir.path().join("cloud.json")).is_ok());
        assert!(check_data(Path::new("cloud.json")).is_ok());
        let missing = check_data(&dir.path().join("nowhere/cloud.json")).unwrap_err();
        assert!(
            missing.message.contains("does not exist"),
            "{}",
            missing.message
        );
        assert!(missing.hint.contains("mkdir -p"), "{}", missing.hint);
        let directory = check_data(dir.path()).unwrap_err();
        assert!(
            directory.message.contains("is a directory"),
            "{}",
            directory.message
        );
    }
}

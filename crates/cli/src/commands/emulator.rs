//! `plinth emulator`: the local Huawei Cloud as a foreground server, until Ctrl-C.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use plinth_emulator::{EmulatorOptions, Fixture};

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
        emulator
            .run_until(async move { interrupts.next().await })
            .await?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
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

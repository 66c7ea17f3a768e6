//! `plinth emulator`: the local Huawei Cloud as a foreground server, until Ctrl-C.

use std::io::{self, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use plinth_emulator::{EmulatorOptions, Fixture};

use crate::args::EmulatorArgs;

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

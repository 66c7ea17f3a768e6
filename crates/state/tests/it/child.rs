//! Helper processes: the test binary runs itself, with one ignored test as the entry point.

use std::process::{Command, Stdio};

/// A command that runs only the ignored test `name` of this binary, with `envs` set.
pub fn command(name: &str, envs: &[(&str, String)]) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (key, value) in envs {
        command.env(key, value);
    }
    command
}

/// The marker that starts lines a helper process reports on stdout, among the harness's output.
pub const MARKER: &str = "PLINTH-CHILD:";

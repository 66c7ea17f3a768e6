//! Running the binary and looking at what it did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plinth_emulator::testing::TestCloud;

/// A temporary working directory with files in it.
pub struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A project holding a copy of the files of `examples/<name>`.
    pub fn example(name: &str) -> Self {
        let project = Self::new();
        let source = repo_root().join("examples").join(name);
        for entry in std::fs::read_dir(&source).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(entry.path(), project.path().join(entry.file_name())).unwrap();
            }
        }
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> &Self {
        std::fs::write(self.path().join(name), text).unwrap();
        self
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap()
    }

    /// Runs `plinth --no-color --chdir <project> <args>`.
    pub fn plinth(&self, args: &[&str]) -> Run {
        let mut command = plinth();
        command.arg("--chdir").arg(self.path()).args(args);
        Run::from(command.output().unwrap())
    }
}

/// The binary under test, with colour off and no `PLINTH_*` / `HW_*` variables from outside.
pub fn plinth() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plinth"));
    command.env("NO_COLOR", "1").env_remove("CLICOLOR_FORCE");
    for (name, _) in std::env::vars() {
        if name.starts_with("PLINTH_")
            || name.starts_with("HW_")
            || name.starts_with("HUAWEICLOUD_")
        {
            command.env_remove(name);
        }
    }
    command
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
        }
    }
}

impl Run {
    /// Asserts the exit status, showing both streams when it is not the expected one.
    #[track_caller]
    pub fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code, expected,
            "unexpected exit status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// An emulated Huawei Cloud running in the test process, on 127.0.0.1.
pub struct Cloud {
    runtime: tokio::runtime::Runtime,
    running: Option<TestCloud>,
    url: String,
}

impl Cloud {
    /// An emulator whose operations take `op_millis` milliseconds, with signature checks.
    pub fn start(op_millis: u64) -> Self {
        Self::start_with(plinth_emulator::EmulatorOptions {
            op_duration: std::time::Duration::from_millis(op_millis),
            ..plinth_emulator::EmulatorOptions::default()
        })
    }

    pub fn start_with(mut options: plinth_emulator::EmulatorOptions) -> Self {
        options.credentials = Some((ACCESS_KEY.to_owned(), SECRET_KEY.to_owned()));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let cloud = runtime.block_on(TestCloud::start(options));
        let url = cloud.emulator.base_url();
        Self {
            runtime,
            running: Some(cloud),
            url,
        }
    }

    /// The provider block that points plinth at this emulator.
    pub fn provider(&self) -> String {
        format!(
            r#"provider "huaweicloud" {{
  region     = "cn-north-4"
  access_key = "{ACCESS_KEY}"
  secret_key = "{SECRET_KEY}"
  endpoints = {{
    modelarts = "{url}"
    cce       = "{url}"
    iam       = "{url}"
  }}
}}
"#,
            url = self.url
        )
    }

    pub fn snapshot(&self) -> plinth_emulator::CloudSnapshot {
        self.running.as_ref().unwrap().emulator.snapshot()
    }

    /// The requests the emulator answered, by route and by status.
    pub fn requests(&self) -> plinth_emulator::RequestCounts {
        self.running.as_ref().unwrap().emulator.requests()
    }

    /// A client of this emulator, to change the cloud behind plinth's back.
    pub fn client(&self) -> plinth_cloud::Client {
        self.running.as_ref().unwrap().client.clone()
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        if let Some(cloud) = self.running.take() {
            let _ = self.runtime.block_on(cloud.emulator.shutdown());
        }
    }
}

pub const ACCESS_KEY: &str = "AKE2ETEST00000000001";
pub const SECRET_KEY: &str = "SKe2eTestSecretKey0000000000000000000000";

pub const CLUSTER_1: &str = "c0ffee00-0000-4000-8000-000000000001";
pub const CLUSTER_2: &str = "c0ffee00-0000-4000-8000-000000000002";
pub const AUTOPILOT: &str = "a1b2c3d4-0000-4000-8000-000000000001";

impl Project {
    /// The state file, parsed.
    pub fn state(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("plinth.state.json")).unwrap()
    }

    /// The state's resource `type.name` (with `key` for an instance of `count` or `for_each`).
    pub fn resource(
        &self,
        type_name: &str,
        name: &str,
        key: Option<&str>,
    ) -> Option<serde_json::Value> {
        self.state()["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| {
                r["type"] == type_name
                    && r["name"] == name
                    && match key {
                        Some(key) => r["key"] == key,
                        None => r.get("key").is_none_or(serde_json::Value::is_null),
                    }
            })
            .cloned()
    }

    /// How many resources the state holds.
    pub fn resource_count(&self) -> usize {
        if !self.path().join("plinth.state.json").exists() {
            return 0;
        }
        self.state()["resources"].as_array().unwrap().len()
    }
}

/// The lines of a `--json` stream (docs/json-stream.md), each parsed; fails on a line that is not
/// one JSON object with a `type`.
pub fn stream_lines(stream: &str) -> Vec<serde_json::Value> {
    stream
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}\n{stream}"));
            assert!(value["type"].is_string(), "a line without a type: {line}");
            value
        })
        .collect()
}

/// The plan document of a `plan --json` stream: what its `plan` line holds.
pub fn plan_document(stream: &str) -> serde_json::Value {
    let mut plans = stream_lines(stream)
        .into_iter()
        .filter(|line| line["type"] == "plan");
    let plan = plans.next().expect("the stream has a `plan` line");
    assert!(plans.next().is_none(), "the stream has one `plan` line");
    plan["plan"].clone()
}

//! Running the binary and looking at what it did.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

//! Docs that run: every `sh` code block of README.md and docs/*.md, run as written with `plinth` on
//! the PATH, in a temporary directory holding a copy of `examples/`, failing when a command fails.
//! Blocks of one file run in order in one directory (the README's follow-up commands use what its
//! quick start applied). Only the commands of [`SKIPPED`] are left out, each for the reason it
//! gives, and the docs of [`RUN_ELSEWHERE`], whose scripts another test runs in their setting;
//! blocks marked anything but `sh` (`text`, `json`, `hcl`, ...) are not commands.

use std::path::Path;
use std::process::Command;

use crate::support::{plinth, repo_root};

/// Commands not run, by how their line starts, and why.
const SKIPPED: &[(&str, &str)] = &[
    (
        "cargo install",
        "the test runs the binary cargo built for it, which is what `cargo install` puts on the PATH; \
         installing would build a second copy",
    ),
    (
        "cargo test",
        "this test runs inside `cargo test`: running it again would recurse",
    ),
    (
        "apt-get",
        "installs system packages: it changes the machine",
    ),
    (
        "bash bench/run",
        "the benchmarks take about 20 minutes and compare with Terraform",
    ),
    (
        "BENCH_SIZES=",
        "the benchmarks, even the quick look, take minutes and compare with Terraform",
    ),
];

/// How the README runs the binary before it is installed.
const CARGO_RUN: &str = "cargo run --locked -q -- ";

/// Docs whose `sh` blocks another test runs, in the setting they need, and why they are not run
/// here as they stand.
const RUN_ELSEWHERE: &[(&str, &str)] = &[(
    "ci.md",
    "its two scripts are pipeline jobs that need the pipeline's variables, secrets and a cloud \
     with the configured cluster: ci::the_documented_ci_example_plans_in_one_place_and_applies_in_another \
     runs both, in order, in two directories",
)];

/// The `sh` code blocks of a Markdown file, in order.
pub(crate) fn sh_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim_start() == "```sh" => current = Some(String::new()),
            None => {}
            Some(_) if line.trim_start() == "```" => blocks.extend(current.take()),
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
        }
    }
    blocks
}

/// The block as a script: skipped commands replaced by a no-op that names them (a here-document's
/// lines are never commands), and the background jobs it starts stopped when it ends.
fn script(block: &str, used: &mut [bool]) -> String {
    let mut script = String::from("trap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT\n");
    let mut heredoc_end: Option<String> = None;
    for line in block.lines() {
        if let Some(end) = &heredoc_end {
            if line.trim() == end {
                heredoc_end = None;
            }
            script.push_str(line);
            script.push('\n');
            continue;
        }
        if let Some((_, marker)) = line.split_once("<<") {
            let marker = marker
                .trim()
                .trim_matches(|c| c == '\'' || c == '"' || c == '-');
            heredoc_end = Some(marker.to_owned());
        }
        // `cargo run` would build and run the binary under test: run it directly (a second
        // cargo inside `cargo test` would wait for the build directory's lock).
        let line = match line.trim_start().strip_prefix(CARGO_RUN) {
            Some(rest) => &format!("plinth {rest}"),
            None => line,
        };
        let skipped = SKIPPED
            .iter()
            .position(|(start, _)| line.trim_start().starts_with(start));
        if let Some(index) = skipped {
            used[index] = true;
            script.push_str(": skipped\n");
        } else {
            script.push_str(line);
            script.push('\n');
        }
    }
    script
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_text = name.to_string_lossy();
        // What earlier runs left in the examples is not part of them.
        if name_text == ".plinth" || name_text.starts_with("plinth.state.json") {
            continue;
        }
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn every_command_in_the_readme_and_the_docs_runs_as_written() {
    let root = repo_root();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<_> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .filter(|path| {
            !RUN_ELSEWHERE
                .iter()
                .any(|(name, _)| path.file_name().is_some_and(|file| file == *name))
        })
        .collect();
    docs.sort();
    files.extend(docs);

    // `plinth` on the PATH: the binary under test, as `cargo install` would put it there.
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_plinth"), bin.path().join("plinth")).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );

    let mut used = vec![false; SKIPPED.len()];
    let mut ran = 0;
    for file in &files {
        let markdown = std::fs::read_to_string(file).unwrap();
        let blocks = sh_blocks(&markdown);
        if blocks.is_empty() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root.join("examples"), &dir.path().join("examples"));
        for block in blocks {
            let script = script(&block, &mut used);
            // The environment of `plinth()`: no PLINTH_* / HW_* variables from outside.
            let reference = plinth();
            let mut command = Command::new("bash");
            for (name, value) in reference.get_envs() {
                match value {
                    Some(value) => command.env(name, value),
                    None => command.env_remove(name),
                };
            }
            let output = command
                .args(["-e", "-o", "pipefail", "-c", &script])
                .current_dir(dir.path())
                .env("PATH", &path)
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "a command of {} failed ({}):\n{block}\n--- stdout\n{}\n--- stderr\n{}",
                file.display(),
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 4, "the docs have their sh blocks");
    for ((start, why), used) in SKIPPED.iter().zip(used) {
        assert!(
            used,
            "`{start}` is skipped ({why}) but no doc has it any more: remove it"
        );
    }
}

#[test]
fn skipped_commands_and_here_documents() {
    let mut used = vec![false; SKIPPED.len()];
    let script = script(
        "cargo install --path crates/cli --locked   # on the PATH\ncat > a <<'HCL'\ncargo test\nHCL\nplinth plan\ncargo run --locked -q -- --chdir q apply\n",
        &mut used,
    );
    assert_eq!(
        script.lines().skip(1).collect::<Vec<_>>(),
        [
            ": skipped",
            "cat > a <<'HCL'",
            "cargo test",
            "HCL",
            "plinth plan",
            "plinth --chdir q apply"
        ]
    );
    assert!(used[0] && !used[1]);
}

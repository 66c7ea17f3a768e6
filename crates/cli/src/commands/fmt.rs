//! `plinth fmt [--check] [--diff]`: the canonical layout for every configuration and variable file
//! of the directory.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::args::FmtArgs;
use crate::workspace::Workspace;

pub fn run(workspace: &Workspace, args: &FmtArgs) -> anyhow::Result<ExitCode> {
    let files = formattable_files(workspace.dir())?;
    let mut stdout = io::stdout().lock();
    let mut changed = 0usize;
    let mut failed = 0usize;
    for path in &files {
        let display = path
            .strip_prefix(workspace.dir())
            .unwrap_or(path)
            .display()
            .to_string();
        let source =
            fs::read_to_string(path).with_context(|| format!("cannot read `{display}`"))?;
        let formatted = match plinth_config::format_source(&source) {
            Ok(formatted) => formatted,
            Err(err) => {
                failed += 1;
                let mut stderr = io::stderr().lock();
                // A syntax error reads `file:line:col: message`, like every position plinth prints.
                let separator = match err {
                    plinth_config::FormatError::Syntax { .. } => ":",
                    plinth_config::FormatError::Internal { .. } => ": ",
                };
                writeln!(
                    stderr,
                    "{}: {display}{separator}{err}",
                    console::style("error").red().bold()
                )?;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        changed += 1;
        writeln!(stdout, "{display}")?;
        if args.diff {
            write_diff(&mut stdout, &display, &source, &formatted)?;
        }
        if !args.check {
            fs::write(path, formatted.as_bytes())
                .with_context(|| format!("cannot write `{display}`"))?;
        }
    }
    if failed > 0 {
        anyhow::bail!(
            "{failed} file{} could not be formatted because {} not parse; nothing was changed in {}",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "it does" } else { "they do" },
            if failed == 1 { "it" } else { "them" },
        );
    }
    if args.check && changed > 0 {
        return Ok(crate::commands::ExitStatus::WouldReformat.into());
    }
    Ok(ExitCode::SUCCESS)
}

/// The `*.hcl` configuration files and the variable files (`plinth.vars`, `*.auto.vars`) of `dir`,
/// sorted by name.
fn formattable_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = fs::read_dir(dir).with_context(|| format!("cannot list `{}`", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list `{}`", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let wanted = name.ends_with(".hcl") || name.ends_with(".vars");
        if wanted && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn write_diff(out: &mut impl Write, name: &str, old: &str, new: &str) -> io::Result<()> {
    let diff = similar::TextDiff::from_lines(old, new);
    let unified = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string();
    for line in unified.lines() {
        let styled = match line.as_bytes().first() {
            Some(b'+') if !line.starts_with("+++") => console::style(line).green(),
            Some(b'-') if !line.starts_with("---") => console::style(line).red(),
            Some(b'@') => console::style(line).cyan(),
            _ => console::style(line),
        };
        writeln!(out, "{styled}")?;
    }
    Ok(())
}

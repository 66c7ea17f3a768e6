//! Filesystem functions, relative to the configuration's directory: the one place besides
//! loading where the configuration reads files.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Call, Failure, at, object_arg, string_arg};
use crate::value::Value;

/// The bytes of the file argument 0 names.
pub(super) fn read_bytes(call: &Call<'_>) -> Result<Vec<u8>, Failure> {
    let path = string_arg(call.args, 0)?;
    std::fs::read(call.path(&path)).map_err(|e| at(0, format!("cannot read `{path}`: {e}")))
}

pub(super) fn file(call: &Call<'_>) -> Result<Value, Failure> {
    let path = string_arg(call.args, 0)?;
    let bytes = read_bytes(call)?;
    String::from_utf8(bytes).map(Value::String).map_err(|_| {
        at(
            0,
            format!("contents of `{path}` are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead"),
        )
    })
}

pub(super) fn filebase64(call: &Call<'_>) -> Result<Value, Failure> {
    Ok(Value::String(STANDARD.encode(read_bytes(call)?)))
}

/// Whether a file exists (a directory is an error, as in Terraform).
pub(super) fn fileexists(call: &Call<'_>) -> Result<Value, Failure> {
    let path = string_arg(call.args, 0)?;
    match std::fs::metadata(call.path(&path)) {
        Ok(meta) if meta.is_file() => Ok(Value::Bool(true)),
        Ok(_) => Err(at(0, format!("`{path}` is a directory, not a file"))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Bool(false)),
        Err(e) => Err(at(0, format!("failed to stat `{path}`: {e}"))),
    }
}

/// `fileset(path, pattern)`: the files under `path` that the glob matches (`*` within a
/// name, `**` across directories), relative to `path`, `/`-separated.
pub(super) fn fileset(call: &Call<'_>) -> Result<Value, Failure> {
    let base = string_arg(call.args, 0)?;
    let pattern = string_arg(call.args, 1)?;
    let matcher = globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| at(1, format!("failed to glob pattern {pattern:?}: {e}")))?
        .compile_matcher();
    let root = call.path(&base);
    let mut found = Vec::new();
    walk(&root, "", &mut |relative| {
        if matcher.is_match(relative) {
            found.push(Value::String(relative.to_owned()));
        }
    })
    .map_err(|e| at(0, format!("failed to read `{base}`: {e}")))?;
    found.sort_by(crate::value::compare);
    Ok(Value::Set(found))
}

/// Calls `visit` with the `/`-separated path of every file under `dir`.
fn walk(dir: &Path, prefix: &str, visit: &mut dyn FnMut(&str)) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        // A base that does not exist has no files, as in Terraform.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let relative = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        let kind = std::fs::metadata(entry.path())?;
        if kind.is_dir() {
            walk(&entry.path(), &relative, visit)?;
        } else if kind.is_file() {
            visit(&relative);
        }
    }
    Ok(())
}

/// `templatefile(path, vars)`: the file rendered as a template with `vars` as its only names.
pub(super) fn templatefile(call: &Call<'_>) -> Result<Value, Failure> {
    let path = string_arg(call.args, 0)?;
    let vars = object_arg(call.args, 1)?;
    let bytes = read_bytes(call)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| at(0, format!("contents of `{path}` are not valid UTF-8")))?;
    crate::eval::render_template_file(&text, &vars, call.dir)
        .map_err(|(line, column, message)| at(0, format!("{path}:{line}:{column}: {message}")))
}

/// Go's `filepath.Dir`.
pub(super) fn dirname(call: &Call<'_>) -> Result<Value, Failure> {
    let path = string_arg(call.args, 0)?;
    let dir = match path.rfind('/') {
        None => ".".to_owned(),
        Some(i) => clean(&path[..=i]),
    };
    Ok(Value::String(dir))
}

/// Go's `filepath.Base`.
pub(super) fn basename(call: &Call<'_>) -> Result<Value, Failure> {
    let path = string_arg(call.args, 0)?;
    let trimmed = path.trim_end_matches('/');
    Ok(Value::String(if path.is_empty() {
        ".".to_owned()
    } else if trimmed.is_empty() {
        "/".to_owned()
    } else {
        trimmed.rsplit('/').next().unwrap_or(trimmed).to_owned()
    }))
}

/// Go's `filepath.Clean`: `.` and empty elements dropped, `..` resolved lexically.
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

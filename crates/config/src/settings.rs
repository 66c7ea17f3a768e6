//! The `plinth { ... }` settings block, where the state is kept, and `plinth.workspace`.
//!
//! ```hcl
//! plinth {
//!   backend "pg" {
//!     conn_str    = "postgres://plinth@db.internal/infra?sslmode=require" # or PG_CONN_STR
//!     schema_name = "plinth"                                              # or PLINTH_PG_SCHEMA
//!   }
//! }
//! ```
//!
//! The block is read before anything else is evaluated, so its values are literal strings: a
//! variable there would need a state to plan with. The environment's `PG_CONN_STR` and
//! `PLINTH_PG_SCHEMA` fill what the block leaves out; the cli passes them in
//! ([`SettingsOptions`]), as this crate never reads the environment.

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::visit_mut::{VisitMut, visit_expr_mut};

use crate::diagnostic::{Diagnostic, Diagnostics, Location, SourceFile};

/// The schema plinth's tables are in when neither the block nor `PLINTH_PG_SCHEMA` names one.
pub const DEFAULT_PG_SCHEMA: &str = "plinth";

/// The settings of a configuration directory.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Where the state is kept.
    pub backend: Backend,
}

/// Where the state is kept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Backend {
    /// The state file in the configuration's directory (`plinth.state.json`): the default.
    #[default]
    Local,
    /// A PostgreSQL database.
    Pg(PgBackend),
}

/// The `backend "pg"` settings, with the environment's values filled in.
#[derive(Clone, PartialEq, Eq)]
pub struct PgBackend {
    /// The connection string: may hold a password, so it is never shown (`Debug` hides it).
    pub conn_str: String,
    /// The schema of plinth's tables.
    pub schema_name: String,
    /// Where the block is, for messages.
    pub location: Location,
}

impl std::fmt::Debug for PgBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBackend")
            .field("conn_str", &"(hidden)")
            .field("schema_name", &self.schema_name)
            .field("location", &self.location)
            .finish()
    }
}

/// What the environment adds to the block; the cli reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsOptions {
    /// `PG_CONN_STR`.
    pub pg_conn_str: Option<String>,
    /// `PLINTH_PG_SCHEMA`.
    pub pg_schema: Option<String>,
}

/// Reads the settings of the `*.hcl` files of `dir`: only their `plinth` blocks are looked at.
/// A directory without `*.hcl` files has the default settings.
pub fn load_settings(dir: &Path, options: &SettingsOptions) -> Result<Settings, Diagnostics> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        Diagnostic::error(format!(
            "cannot read directory `{}`: {error}",
            dir.display()
        ))
    })?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_file()))
        .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
        .filter(|name| Path::new(name).extension().is_some_and(|ext| ext == "hcl"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).map_err(|error| {
            Diagnostic::error(format!(
                "cannot read `{}`: {error}",
                dir.join(&name).display()
            ))
        })?;
        files.push(SourceFile::new(name, text));
    }
    settings_from_sources(files, options)
}

/// [`load_settings`] of files in memory. A file that does not parse is left to the full load
/// to report, unless it mentions a `plinth` block.
pub fn settings_from_sources(
    files: Vec<SourceFile>,
    options: &SettingsOptions,
) -> Result<Settings, Diagnostics> {
    let mut diagnostics = Diagnostics::new();
    let mut found: Option<(RawBackend, Location)> = None;
    for file in files {
        let file = Arc::new(file);
        let Ok(body) = hcl_edit::parser::parse_body(file.text()) else {
            if file.text().contains("plinth") {
                diagnostics.push(
                    Diagnostic::error(format!(
                        "cannot read the `plinth` settings: `{}` has a syntax error",
                        file.name()
                    ))
                    .with_hint("run `plinth validate` to see it"),
                );
            }
            continue;
        };
        for block in body
            .blocks()
            .filter(|block| block.ident.as_str() == "plinth")
        {
            let location = file.location(block_range(block).start);
            if let Some((_, first)) = &found {
                diagnostics.push(
                    file.error(&block_range(block), "duplicate `plinth` block")
                        .with_note(format!("first declared at {first}")),
                );
                continue;
            }
            if let Some(backend) = check(&file, block, &mut diagnostics) {
                found = Some((backend, location));
            }
        }
    }
    if diagnostics.has_errors() {
        return Err(diagnostics);
    }
    let Some((backend, location)) = found else {
        return Ok(Settings::default());
    };
    match backend {
        RawBackend::Local => Ok(Settings::default()),
        RawBackend::Pg {
            conn_str,
            schema_name,
            range,
            file,
        } => {
            let Some(conn_str) = conn_str.or_else(|| options.pg_conn_str.clone()) else {
                return Err(file
                    .error(&range, "the `pg` backend has no connection string")
                    .with_hint(
                        "set `conn_str` in the block, or the `PG_CONN_STR` environment variable",
                    )
                    .into());
            };
            let schema_name = if let Some(name) = schema_name {
                name
            } else {
                let name = options
                    .pg_schema
                    .clone()
                    .unwrap_or_else(|| DEFAULT_PG_SCHEMA.to_owned());
                if let Err(message) = check_schema_name(&name) {
                    return Err(Diagnostic::error(format!("`PLINTH_PG_SCHEMA`: {message}")).into());
                }
                name
            };
            Ok(Settings {
                backend: Backend::Pg(PgBackend {
                    conn_str,
                    schema_name,
                    location,
                }),
            })
        }
    }
}

/// A `backend` block as written.
enum RawBackend {
    Local,
    Pg {
        conn_str: Option<String>,
        schema_name: Option<String>,
        /// The block's range, for an error about what it lacks.
        range: Range<usize>,
        file: Arc<SourceFile>,
    },
}

const PG_ATTRIBUTES: &[&str] = &["conn_str", "schema_name"];

/// Checks a `plinth` block for the full load, so that a configuration with a wrong block does
/// not validate.
pub(crate) fn check_block(file: &Arc<SourceFile>, block: &Block, diagnostics: &mut Diagnostics) {
    let _ = check(file, block, diagnostics);
}

/// Checks a `plinth` block; its backend when it is valid.
fn check(
    file: &Arc<SourceFile>,
    block: &Block,
    diagnostics: &mut Diagnostics,
) -> Option<RawBackend> {
    let before = diagnostics.error_count();
    if !block.labels.is_empty() {
        diagnostics.push(
            file.error(&block_range(block), "a `plinth` block takes no label")
                .with_hint("write it as `plinth { backend \"pg\" { ... } }`"),
        );
    }
    for attribute in block.body.attributes() {
        diagnostics.push(
            file.error(
                &attribute.key.span().unwrap_or(0..0),
                format!(
                    "unexpected attribute `{}` in the `plinth` block",
                    attribute.key.as_str()
                ),
            )
            .with_hint("the `plinth` block holds a `backend` block"),
        );
    }
    let mut backend = None;
    for inner in block.body.blocks() {
        if inner.ident.as_str() != "backend" {
            diagnostics.push(
                file.error(
                    &block_range(inner),
                    format!(
                        "unexpected block `{}` in the `plinth` block",
                        inner.ident.as_str()
                    ),
                )
                .with_hint("the `plinth` block holds a `backend` block"),
            );
            continue;
        }
        if backend.is_some() {
            diagnostics.push(file.error(&block_range(inner), "duplicate `backend` block"));
            continue;
        }
        backend = backend_block(file, inner, diagnostics);
    }
    (diagnostics.error_count() == before).then_some(backend.unwrap_or(RawBackend::Local))
}

fn backend_block(
    file: &Arc<SourceFile>,
    block: &Block,
    diagnostics: &mut Diagnostics,
) -> Option<RawBackend> {
    let [label] = block.labels.as_slice() else {
        diagnostics.push(
            file.error(
                &block_range(block),
                "a `backend` block takes one label, its kind",
            )
            .with_hint("write it as `backend \"pg\" { ... }`"),
        );
        return None;
    };
    let range = label.span().unwrap_or_else(|| block_range(block));
    match label.as_str() {
        "local" => {
            for attribute in block.body.attributes() {
                diagnostics.push(file.error(
                    &attribute.key.span().unwrap_or(0..0),
                    format!(
                        "the `local` backend takes no attribute `{}`",
                        attribute.key.as_str()
                    ),
                ));
            }
            Some(RawBackend::Local)
        }
        "pg" => {
            let mut conn_str = None;
            let mut schema_name = None;
            for inner in block.body.blocks() {
                diagnostics.push(file.error(
                    &block_range(inner),
                    format!(
                        "unexpected block `{}` in the `pg` backend",
                        inner.ident.as_str()
                    ),
                ));
            }
            for attribute in block.body.attributes() {
                let name = attribute.key.as_str();
                let key_range = attribute.key.span().unwrap_or(0..0);
                if !PG_ATTRIBUTES.contains(&name) {
                    let mut diagnostic = file.error(
                        &key_range,
                        format!("unknown attribute `{name}` in the `pg` backend"),
                    );
                    diagnostic = match crate::schema::suggest(name, PG_ATTRIBUTES.iter().copied()) {
                        Some(s) => diagnostic.with_hint(format!("did you mean `{s}`?")),
                        None => diagnostic
                            .with_note("the `pg` backend takes `conn_str` and `schema_name`"),
                    };
                    diagnostics.push(diagnostic);
                    continue;
                }
                let value_range = attribute.value.span().unwrap_or(key_range.clone());
                let Some(value) = literal(&attribute.value) else {
                    diagnostics.push(
                        file.error(&value_range, format!("`{name}` must be a literal string"))
                            .with_hint(if name == "conn_str" {
                                "the backend is read before variables are; leave `conn_str` out and set `PG_CONN_STR` to keep a password out of the files"
                            } else {
                                "the backend is read before variables are; leave it out and set `PLINTH_PG_SCHEMA`"
                            }),
                    );
                    continue;
                };
                if name == "schema_name" {
                    if let Err(message) = check_schema_name(&value) {
                        diagnostics.push(file.error(&value_range, message));
                        continue;
                    }
                    schema_name = Some(value);
                } else {
                    conn_str = Some(value);
                }
            }
            Some(RawBackend::Pg {
                conn_str,
                schema_name,
                range,
                file: Arc::clone(file),
            })
        }
        other => {
            diagnostics.push(
                file.error(&range, format!("unknown backend `{other}`"))
                    .with_hint("plinth keeps the state in a local file (`local`, the default) or in PostgreSQL (`pg`)"),
            );
            None
        }
    }
}

/// The text of a string literal without interpolation.
fn literal(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(text) => Some(text.value().clone()),
        _ => None,
    }
}

/// The rule of PostgreSQL schema names plinth accepts (the `plinth-state-pg` crate checks the
/// same when it connects): lower-case letters, digits and `_`, not starting with a digit, at
/// most 63 characters.
fn check_schema_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid schema name: use lower-case letters, digits and `_`, not starting with a digit, at most 63 characters"
        ))
    }
}

fn block_range(block: &Block) -> Range<usize> {
    block.ident.span().unwrap_or(0..0)
}

/// Replaces every `plinth.workspace` of `body` by the workspace's name, a string known before
/// anything is evaluated (as Terraform's `terraform.workspace`); reports any other `plinth.X`.
pub(crate) fn substitute_workspace(
    body: &mut Body,
    workspace: &str,
    file: &Arc<SourceFile>,
    diagnostics: &mut Diagnostics,
) {
    let mut visitor = Substitute {
        workspace,
        file,
        diagnostics,
    };
    visitor.visit_body_mut(body);
}

struct Substitute<'a> {
    workspace: &'a str,
    file: &'a Arc<SourceFile>,
    diagnostics: &'a mut Diagnostics,
}

impl VisitMut for Substitute<'_> {
    fn visit_expr_mut(&mut self, node: &mut Expression) {
        if let Expression::Traversal(traversal) = node
            && let Expression::Variable(root) = &traversal.expr
            && root.as_str() == "plinth"
        {
            let range = traversal.span().unwrap_or(0..0);
            let attribute =
                traversal
                    .operators
                    .first()
                    .and_then(|operator| match operator.value() {
                        TraversalOperator::GetAttr(ident) => Some(ident.as_str().to_owned()),
                        _ => None,
                    });
            if attribute.as_deref() == Some("workspace") && traversal.operators.len() == 1 {
                *node = Expression::from(self.workspace);
            } else {
                self.diagnostics.push(
                    self.file
                        .error(&range, "`plinth` has only `plinth.workspace`")
                        .with_hint("`plinth.workspace` is the name of the selected workspace"),
                );
                *node = Expression::from(self.workspace);
            }
            return;
        }
        visit_expr_mut(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str, options: &SettingsOptions) -> Result<Settings, String> {
        settings_from_sources(vec![SourceFile::new("main.hcl", text)], options)
            .map_err(|diagnostics| diagnostics.to_string())
    }

    #[test]
    fn no_block_is_the_local_file() {
        assert_eq!(
            settings("resource \"x\" \"y\" {}\n", &SettingsOptions::default()).unwrap(),
            Settings::default()
        );
        assert_eq!(
            settings(
                "plinth {\n  backend \"local\" {}\n}\n",
                &SettingsOptions::default()
            )
            .unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn a_pg_block_takes_literals_and_the_environment_fills_the_rest() {
        let text = "plinth {\n  backend \"pg\" {\n    schema_name = \"team_a\"\n  }\n}\n";
        let options = SettingsOptions {
            pg_conn_str: Some("postgres://u:pw@h/db".into()),
            pg_schema: Some("ignored".into()),
        };
        let Backend::Pg(pg) = settings(text, &options).unwrap().backend else {
            panic!("expected the pg backend");
        };
        assert_eq!(pg.conn_str, "postgres://u:pw@h/db");
        assert_eq!(pg.schema_name, "team_a");
        assert_eq!(pg.location.to_string(), "main.hcl:1:1");
        assert!(!format!("{pg:?}").contains("pw"));
        let text = "plinth {\n  backend \"pg\" {\n    conn_str = \"postgres://h/db\"\n  }\n}\n";
        let Backend::Pg(pg) = settings(text, &SettingsOptions::default()).unwrap().backend else {
            panic!("expected the pg backend");
        };
        assert_eq!(
            (pg.conn_str.as_str(), pg.schema_name.as_str()),
            ("postgres://h/db", "plinth")
        );
    }

    #[test]
    fn mistakes_are_reported_at_their_place() {
        let check = |text: &str| settings(text, &SettingsOptions::default()).unwrap_err();
        insta::assert_snapshot!(check("plinth {\n  backend \"s3\" {}\n}\n"));
        insta::assert_snapshot!(check(
            "plinth {\n  backend \"pg\" {\n    conn_str = var.url\n    schema = \"x\"\n  }\n}\n"
        ));
        insta::assert_snapshot!(check("plinth {\n  backend \"pg\" {}\n}\n"));
        insta::assert_snapshot!(check(
            "plinth {\n  backend \"pg\" {\n    conn_str = \"postgres://h/db\"\n    schema_name = \"Bad-Name\"\n  }\n}\nplinth {}\n"
        ));
    }

    #[test]
    fn plinth_workspace_is_the_selected_workspace() {
        let file = Arc::new(SourceFile::new(
            "main.hcl",
            "locals {\n  a = plinth.workspace\n  b = \"x-${plinth.workspace}\"\n  c = plinth.other\n}\n",
        ));
        let mut body = hcl_edit::parser::parse_body(file.text()).unwrap();
        let mut diagnostics = Diagnostics::new();
        substitute_workspace(&mut body, "prod", &file, &mut diagnostics);
        let text = body.to_string();
        assert!(text.contains("a = \"prod\""), "{text}");
        assert!(text.contains("\"x-${ \"prod\" }\""), "{text}");
        assert_eq!(diagnostics.error_count(), 1);
        assert!(
            diagnostics.to_string().contains("main.hcl:4:7"),
            "{diagnostics}"
        );
    }
}

//! `plinth validate [--json]`: load and check the configuration, report every mistake at once.
//! A required variable without a value is unknown here, not an error (as in Terraform): a pull
//! request can be validated without its secrets; `plan` still asks for every value.

use std::io::{self, Write};
use std::process::ExitCode;

use plinth_config::{Diagnostic, Diagnostics};
use serde::Serialize;

use crate::args::ValidateArgs;
use crate::workspace::Workspace;

/// Version of the `validate --json` document (docs/language.md describes it).
const JSON_FORMAT_VERSION: &str = "1";

pub fn run(workspace: &Workspace, args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let options = plinth_config::LoadOptions {
        missing_variables: plinth_config::MissingVariables::Unknown,
        ..crate::workspace::load_options(&args.vars)
    };
    let result = plinth_config::load(workspace.dir(), &options);
    let diagnostics = match &result {
        Ok(_) => Diagnostics::new(),
        Err(diagnostics) => diagnostics.clone(),
    };
    let mut stdout = io::stdout().lock();
    if args.json {
        let document = ValidateJson::new(&diagnostics);
        serde_json::to_writer_pretty(&mut stdout, &document)?;
        writeln!(stdout)?;
    } else if diagnostics.has_errors() {
        crate::diagnostics::print(&diagnostics)?;
    } else {
        writeln!(
            stdout,
            "{} The configuration is valid.",
            console::style("Success!").green().bold()
        )?;
    }
    Ok(if diagnostics.has_errors() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The `validate --json` document: stable field names, one entry per diagnostic.
#[derive(Serialize)]
struct ValidateJson<'a> {
    format_version: &'static str,
    valid: bool,
    error_count: usize,
    warning_count: usize,
    diagnostics: Vec<DiagnosticJson<'a>>,
}

#[derive(Serialize)]
struct DiagnosticJson<'a> {
    severity: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_line: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<&'a str>,
}

impl<'a> ValidateJson<'a> {
    fn new(diagnostics: &'a Diagnostics) -> Self {
        let error_count = diagnostics.error_count();
        Self {
            format_version: JSON_FORMAT_VERSION,
            valid: error_count == 0,
            error_count,
            warning_count: diagnostics.len() - error_count,
            diagnostics: diagnostics.iter().map(DiagnosticJson::new).collect(),
        }
    }
}

impl<'a> DiagnosticJson<'a> {
    fn new(diagnostic: &'a Diagnostic) -> Self {
        Self {
            severity: diagnostic.severity().as_str(),
            message: diagnostic.message(),
            file: diagnostic.file(),
            line: diagnostic.line(),
            column: diagnostic.column(),
            source_line: diagnostic.source_line(),
            hint: diagnostic.hint(),
            note: diagnostic.note(),
        }
    }
}

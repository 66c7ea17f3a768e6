//! Printing configuration diagnostics (code frames on stderr, then a one-line summary), and
//! which causes of an error its message does not already say.

use std::collections::HashMap;
use std::io::{self, Write};

use plinth_apply::ApplyError;
use plinth_cloud::CloudError;
use plinth_config::{Diagnostics, Severity};

use crate::commands::Hinted;
use crate::render::stream::{CloudErrorEntry, DiagnosticLine, DiagnosticRange};

/// Prints every diagnostic as a code frame, followed by how many errors were found. Warnings
/// of the same message are consolidated (as Terraform does): the first is shown with a note of
/// how many more there are, so that one template key written in 200 blocks is one warning, not
/// 200. Errors are all shown; the `--json` stream keeps every warning.
pub fn print(diagnostics: &Diagnostics) -> io::Result<()> {
    let mut stderr = io::stderr().lock();
    write!(stderr, "{}", consolidated(diagnostics))?;
    let errors = diagnostics.error_count();
    if errors > 0 {
        writeln!(
            stderr,
            "\n{}: the configuration has {errors} error{}",
            console::style("error").red().bold(),
            if errors == 1 { "" } else { "s" }
        )?;
    }
    Ok(())
}

/// The diagnostics with each warning message shown once: its first occurrence, noting how many
/// more there are elsewhere.
fn consolidated(diagnostics: &Diagnostics) -> Diagnostics {
    let mut similar: HashMap<&str, usize> = HashMap::new();
    for diagnostic in diagnostics {
        if diagnostic.severity() == Severity::Warning {
            *similar.entry(diagnostic.message()).or_default() += 1;
        }
    }
    let mut shown = Diagnostics::new();
    for diagnostic in diagnostics {
        if diagnostic.severity() != Severity::Warning {
            shown.push(diagnostic.clone());
            continue;
        }
        // Taken out at the first occurrence: the others are counted in its note.
        let Some(count) = similar.remove(diagnostic.message()) else {
            continue;
        };
        let more = count - 1;
        if more == 0 {
            shown.push(diagnostic.clone());
            continue;
        }
        let and_more = format!(
            "(and {more} more similar warning{} elsewhere)",
            if more == 1 { "" } else { "s" }
        );
        let note = match diagnostic.note() {
            Some(note) => format!("{note} {and_more}"),
            None => and_more,
        };
        shown.push(diagnostic.clone().with_note(note));
    }
    shown
}

/// The `diagnostic` lines of the `--json` stream for the errors of an invalid configuration:
/// one per error, with its place (its warnings are left to stderr: the errors stop the run).
pub fn config_lines(diagnostics: &Diagnostics) -> Vec<DiagnosticLine> {
    lines_of(diagnostics, Severity::Error)
}

/// The `diagnostic` lines (severity `warning`) of the `--json` stream for the warnings of a
/// run that goes on: the configuration's and the plan's template checks', each with its place.
pub fn warning_lines(diagnostics: &Diagnostics) -> Vec<DiagnosticLine> {
    lines_of(diagnostics, Severity::Warning)
}

fn lines_of(diagnostics: &Diagnostics, severity: Severity) -> Vec<DiagnosticLine> {
    diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity() == severity)
        .map(|diagnostic| {
            let message = diagnostic.message().to_owned();
            let mut line = match severity {
                Severity::Error => DiagnosticLine::error(message),
                Severity::Warning => DiagnosticLine::warning(message),
            };
            line.hint = diagnostic.hint().map(str::to_owned);
            line.range = diagnostic.location().map(|location| DiagnosticRange {
                file: location.file,
                line: location.line,
                column: location.column,
            });
            line
        })
        .collect()
}

/// The `diagnostic` line of the `--json` stream for an error that stopped the run: what stderr
/// says (message, causes, hint), and the resource address and the cloud's answer when an error
/// of the chain carries them.
pub fn error_line(error: &anyhow::Error) -> DiagnosticLine {
    let mut line = DiagnosticLine::error(error.to_string());
    line.causes = causes_to_show(error);
    line.hint = error.downcast_ref::<Hinted>().map(|h| h.hint.clone());
    for cause in error.chain() {
        if let Some(apply) = cause.downcast_ref::<ApplyError>() {
            line.address = line.address.or_else(|| address_of(apply));
            if let ApplyError::Refresh { failures } = apply {
                line.cloud_error = line
                    .cloud_error
                    .or_else(|| failures.iter().find_map(|f| cloud_answer(&f.error)));
            }
        }
        if let Some(cloud) = cause.downcast_ref::<CloudError>() {
            line.cloud_error = line.cloud_error.or_else(|| cloud_answer(cloud));
        }
    }
    line
}

/// The resource an error of a refresh or an import is about (the first read that failed).
fn address_of(error: &ApplyError) -> Option<String> {
    match error {
        ApplyError::Refresh { failures } => failures.first().map(|f| f.address.to_string()),
        ApplyError::UnsupportedType { address }
        | ApplyError::SealedIdentity { address, .. }
        | ApplyError::NotConfigured { address } => Some(address.to_string()),
        _ => None,
    }
}

fn cloud_answer(error: &CloudError) -> Option<CloudErrorEntry> {
    match error {
        CloudError::Api(api) => Some(api.as_ref().into()),
        _ => None,
    }
}

/// The causes of `error` to print after its message, outermost first: those whose text the
/// message and the causes before them do not already include. plinth's errors say their cause
/// in their own message (`cannot read `x`: Is a directory`) and also return it as their
/// `source()`, for programs that walk the chain; printing both would say it twice.
pub fn causes_to_show(error: &anyhow::Error) -> Vec<String> {
    let mut said = error.to_string();
    let mut shown = Vec::new();
    for cause in error.chain().skip(1) {
        let text = cause.to_string();
        if !said.contains(&text) {
            said.push('\n');
            said.push_str(&text);
            shown.push(text);
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read `cloud.json`: {source}")]
    struct Saying {
        source: std::io::Error,
    }

    #[test]
    fn a_refresh_that_the_cloud_refused_gives_its_address_code_and_request_id() {
        let api = plinth_cloud::ApiError::from_response(
            plinth_cloud::Service::Cce,
            "GET",
            "https://cce.example/api/v3/addons",
            403,
            br#"{"error_code":"CCE.01400003","error_msg":"no permission"}"#,
            Some("req-42".to_owned()),
        );
        let error = anyhow::Error::from(ApplyError::Refresh {
            failures: vec![plinth_apply::ReadFailure {
                address: "huaweicloud_cce_addon.dns".parse().unwrap(),
                error: CloudError::Api(Box::new(api)),
            }],
        });
        let line = error_line(&error);
        insta::assert_json_snapshot!(line, @r#"
        {
          "type": "diagnostic",
          "severity": "error",
          "message": "cannot read `huaweicloud_cce_addon.dns`: cce returned 403 CCE.01400003: no permission (request id req-42)",
          "causes": [],
          "hint": null,
          "range": null,
          "address": "huaweicloud_cce_addon.dns",
          "cloud_error": {
            "service": "cce",
            "status": 403,
            "code": "CCE.01400003",
            "message": "no permission",
            "request_id": "req-42"
          }
        }
        "#);
    }

    #[test]
    fn warnings_of_one_message_are_shown_once_with_how_many_more_and_errors_all() {
        let warning = |message: &str| plinth_config::Diagnostic::error(message).into_warning();
        let mut diagnostics = Diagnostics::new();
        for _ in 0..3 {
            diagnostics.push(warning(
                "`custom.rev` is not among the template's parameters",
            ));
        }
        diagnostics.push(warning(
            "`custom.queue` is not among the template's parameters",
        ));
        diagnostics
            .push(warning("check `version` failed").with_note("from the check block `version`"));
        diagnostics.push(warning("check `version` failed"));
        diagnostics.push(plinth_config::Diagnostic::error("a broken thing"));
        diagnostics.push(plinth_config::Diagnostic::error("a broken thing"));
        let shown: Vec<(String, Option<String>)> = consolidated(&diagnostics)
            .iter()
            .map(|d| (d.message().to_owned(), d.note().map(str::to_owned)))
            .collect();
        let and = |s: &str| Some(s.to_owned());
        assert_eq!(
            shown,
            [
                (
                    "`custom.rev` is not among the template's parameters".to_owned(),
                    and("(and 2 more similar warnings elsewhere)")
                ),
                (
                    "`custom.queue` is not among the template's parameters".to_owned(),
                    None
                ),
                (
                    "check `version` failed".to_owned(),
                    and("from the check block `version` (and 1 more similar warning elsewhere)")
                ),
                ("a broken thing".to_owned(), None),
                ("a broken thing".to_owned(), None),
            ]
        );
    }

    #[test]
    fn an_error_with_a_hint_and_a_cause_gives_both() {
        let error = anyhow::Error::from(Saying {
            source: std::io::Error::other("Is a directory (os error 21)"),
        })
        .context(Hinted {
            message: "cannot start the run".to_owned(),
            hint: "remove the directory".to_owned(),
        });
        let line = error_line(&error);
        assert_eq!(line.message, "cannot start the run");
        assert_eq!(line.hint.as_deref(), Some("remove the directory"));
        assert_eq!(
            line.causes,
            ["cannot read `cloud.json`: Is a directory (os error 21)"]
        );
        assert_eq!(line.address, None);
        assert_eq!(line.cloud_error, None);
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_printed_again() {
        let error = anyhow::Error::from(Saying {
            source: std::io::Error::other("Is a directory (os error 21)"),
        });
        assert!(causes_to_show(&error).is_empty());
    }

    #[test]
    fn a_cause_the_message_does_not_say_is_printed_once() {
        let error = anyhow::Error::from(Saying {
            source: std::io::Error::other("Is a directory (os error 21)"),
        })
        .context("cannot start the emulator");
        assert_eq!(
            causes_to_show(&error),
            ["cannot read `cloud.json`: Is a directory (os error 21)"]
        );
    }
}

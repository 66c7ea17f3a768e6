//! The function table: every case of `tests/fixtures/functions/cases.hcl` gives what
//! Terraform 1.11's `terraform console` gave, as recorded in `expected.json` by `record.sh`.
//! A value is compared as the text of `jsonencode(...)` (the console's machine-readable form),
//! so numbers, key order and escapes must agree to the character; an error must be an error.

use std::path::PathBuf;

use plinth_config::testing::evaluate;
use serde::Deserialize;

#[derive(Deserialize)]
struct Case {
    expr: String,
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    sensitive: bool,
    #[serde(default)]
    unknown: bool,
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/functions")
}

/// What plinth gives for one case, in the terms of the record.
fn outcome(case: &Case) -> String {
    let dir = fixtures().join("files");
    match evaluate(&case.expr, &dir) {
        Err(message) => format!("error: {message}"),
        Ok(value) if value.is_sensitive() => "sensitive".to_owned(),
        Ok(value) if value.contains_unknown() => "unknown".to_owned(),
        Ok(_) => match evaluate(&format!("jsonencode({})", case.expr), &dir) {
            Ok(json) => format!("json: {}", json.as_str().unwrap_or("(not a string)")),
            Err(message) => format!("error: {message}"),
        },
    }
}

fn expected(case: &Case) -> String {
    if case.sensitive {
        "sensitive".to_owned()
    } else if case.unknown {
        "unknown".to_owned()
    } else if let Some(json) = &case.json {
        format!("json: {json}")
    } else {
        format!("error: {}", case.error.as_deref().unwrap_or_default())
    }
}

/// Where plinth differs from Terraform on purpose, with what plinth gives and why
/// (docs/language.md, "For Terraform users: what differs").
const DIFFERENCES: &[(&str, &str, &str)] = &[
    // The console evaluates as at apply time; in a plan the value is not known yet, as
    // Terraform's plan shows it.
    ("timestamp()", "unknown", "known when the run applies"),
    ("uuid()", "unknown", "made when the run applies"),
    // Terraform's result is unknown for a null argument, a value that never becomes known.
    (
        r#"format("%s", null)"#,
        "error: format: unsupported value for `%s`: null value cannot be formatted",
        "a null argument is refused rather than left unknown forever",
    ),
];

#[test]
fn every_function_gives_terraforms_results() {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = outcome(case);
        if let Some((_, differs, _)) = DIFFERENCES.iter().find(|(e, ..)| *e == case.expr) {
            assert_eq!(&got, differs, "{}", case.expr);
            continue;
        }
        let want = expected(case);
        // An error matches an error: the messages are plinth's own, in its style.
        let agree = if want.starts_with("error: ") {
            got.starts_with("error: ")
        } else {
            got == want
        };
        if !agree {
            failures.push(format!(
                "{}\n    plinth:    {got}\n    terraform: {want}",
                case.expr
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from Terraform:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_function_of_the_table_has_cases_and_an_error_case() {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    let cases: Vec<Case> = serde_json::from_str(&text).unwrap();
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/language.md"),
    )
    .unwrap();
    let table = docs.split("## Functions").nth(1).unwrap();
    let mut missing = Vec::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        let name = row[3..].split('(').next().unwrap();
        let calls = |c: &&Case| c.expr.starts_with(&format!("{name}("));
        let errors = cases
            .iter()
            .filter(calls)
            .filter(|c| c.error.is_some())
            .count();
        let all = cases.iter().filter(calls).count();
        // The impure functions have no error to show: they take no arguments.
        let impure = [
            "timestamp",
            "uuid",
            "plantimestamp",
            "bcrypt",
            "try",
            "can",
            "sensitive",
        ];
        if all == 0 && !impure.contains(&name)
            || errors == 0
                && !impure.contains(&name)
                && !["issensitive", "nonsensitive"].contains(&name)
        {
            missing.push(name.to_owned());
        }
    }
    assert!(
        missing.is_empty(),
        "functions without cases or an error case: {missing:?}"
    );
}

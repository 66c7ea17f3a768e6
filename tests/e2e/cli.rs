//! The command line itself: help, version, completions, global options.

use crate::support::{Project, plinth};

#[test]
fn help_lists_the_commands() {
    let output = plinth().arg("--help").output().unwrap();
    assert!(output.status.success());
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn version_names_the_package_version() {
    let output = plinth().arg("--version").output().unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        format!("plinth {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_are_generated_for_bash() {
    let output = plinth().args(["completions", "bash"]).output().unwrap();
    assert!(output.status.success());
    let script = String::from_utf8(output.stdout).unwrap();
    assert!(script.contains("complete -F _plinth"), "{script}");
    assert!(script.contains("validate"));
}

#[test]
fn chdir_to_a_missing_directory_is_a_clear_error() {
    let project = Project::new();
    let missing = project.path().join("nope");
    let run = crate::support::Run::from(
        plinth()
            .arg("--chdir")
            .arg(&missing)
            .arg("validate")
            .output()
            .unwrap(),
    );
    run.code(1);
    assert!(run.stderr.contains("no such directory"), "{}", run.stderr);
}

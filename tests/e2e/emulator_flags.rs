//! `plinth emulator`'s flags: what it refuses before serving, and errors that say their cause once.

use crate::support::plinth;

fn emulator(args: &[&str]) -> crate::support::Run {
    let mut command = plinth();
    command.arg("emulator").args(args);
    crate::support::Run::from(command.output().unwrap())
}

#[test]
fn a_non_loopback_listen_address_is_refused() {
    for address in ["0.0.0.0:0", "[::]:0"] {
        let run = emulator(&["--listen", address]);
        run.code(1);
        assert!(run.stdout.is_empty(), "nothing was served: {}", run.stdout);
        assert!(
            run.stderr
                .contains(&format!("`--listen {address}` is not a loopback address")),
            "{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("hint: listen on `127.0.0.1:0`"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_data_file_in_a_missing_directory_is_refused_and_nothing_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    let data = missing.join("cloud.json");
    let run = emulator(&["--listen", "127.0.0.1:0", "--data", data.to_str().unwrap()]);
    run.code(1);
    assert!(run.stderr.contains("does not exist"), "{}", run.stderr);
    assert!(run.stderr.contains("mkdir -p"), "{}", run.stderr);
    assert!(!missing.exists(), "the directory was not created");

    let run = emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--data",
        dir.path().to_str().unwrap(),
    ]);
    run.code(1);
    assert!(run.stderr.contains("is a directory"), "{}", run.stderr);
}

#[test]
fn an_error_says_its_cause_once() {
    // A fixture that is a directory: the emulator's error names the file and the system's reason,
    // which is also its source; it is printed once.
    let dir = tempfile::tempdir().unwrap();
    let run = emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--fixture",
        dir.path().to_str().unwrap(),
    ]);
    run.code(1);
    assert!(
        run.stderr.starts_with("error: cannot read `"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("Is a directory").count(),
        1,
        "the cause is said once:\n{}",
        run.stderr
    );
    assert!(!run.stderr.contains("caused by"), "{}", run.stderr);
}

//! `plinth emulator`: a foreground server on loopback that stops on Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::support::plinth;

#[test]
fn serves_on_a_free_port_until_interrupted() {
    let data = tempfile::tempdir().unwrap();
    let data_file = data.path().join("cloud.json");
    let mut child = plinth()
        .args(["emulator", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data_file)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let address = url.trim().strip_prefix("http://").unwrap().to_owned();

    let mut stream = TcpStream::connect(&address).unwrap();
    write!(
        stream,
        "GET /v3/projects?name=cn-north-4 HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("0123456789abcdef0123456789abcdef"),
        "{answer}"
    );

    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "{exit:?}");
    assert!(data_file.exists(), "the data file is written on shutdown");
}

#[test]
fn a_fault_rate_out_of_range_is_refused() {
    let output = plinth()
        .args(["emulator", "--listen", "127.0.0.1:0", "--fault-rate", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--fault-rate"));
}

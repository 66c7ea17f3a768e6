//! `plinth emulator`: a foreground server on loopback that stops on Ctrl-C.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::support::{Cloud, Project, plinth};

/// Sends one request over a fresh connection and returns the raw answer.
fn raw_get(address: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer
}

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
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("plinth emulator served 1 requests (200: 1):"),
        "{stderr}"
    );
    assert!(stderr.contains("GET /v3/projects"), "{stderr}");
}

#[test]
fn rate_limit_throttles_and_the_exit_summary_counts_the_429s() {
    let mut child = plinth()
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit",
            "1",
            "--latency",
            "20",
            "--jitter",
            "5",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let address = url.trim().strip_prefix("http://").unwrap().to_owned();

    let first = raw_get(&address, "/api/v3/addontemplates");
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let second = raw_get(&address, "/api/v3/addontemplates");
    assert!(second.starts_with("HTTP/1.1 429"), "{second}");
    assert!(second.contains("retry-after: 1"), "{second}");
    assert!(second.contains("APIGW.0308"), "{second}");
    let counts = raw_get(&address, "/_emulator/requests");
    assert!(counts.starts_with("HTTP/1.1 200"), "{counts}");
    let body = counts.split("\r\n\r\n").nth(1).unwrap();
    let counts: plinth_emulator::RequestCounts = serde_json::from_str(body).unwrap();
    assert_eq!(counts.route("GET /api/v3/addontemplates"), 2);
    assert_eq!(counts.status("429"), 1);

    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(child.wait().unwrap().success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr.contains("plinth emulator served 2 requests (200: 1, 429: 1):"),
        "{stderr}"
    );
}

#[test]
fn a_rate_limit_that_is_not_positive_is_refused() {
    for rate in ["0", "-2", "NaN", "inf"] {
        let output = plinth()
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .arg(format!("--rate-limit={rate}"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{rate}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--rate-limit"), "{rate}: {stderr}");
    }
}

/// plinth's client honours `Retry-After` on 429: a plan of a dozen add-ons, whose reads are
/// throttled by a limit of 4 requests a second, still succeeds and finds nothing to change.
#[test]
fn a_plan_against_a_rate_limited_cloud_succeeds() {
    let data = tempfile::tempdir().unwrap();
    let data_file = data.path().join("cloud.json");
    let clusters: Vec<String> = (0..12)
        .map(|i| format!("c0ffee00-0000-4000-8000-{i:012}"))
        .collect();
    let options = |rate_limit| plinth_emulator::EmulatorOptions {
        data: Some(data_file.clone()),
        rate_limit,
        fixture: plinth_emulator::Fixture {
            clusters: clusters.clone(),
            ..plinth_emulator::Fixture::default()
        },
        ..plinth_emulator::EmulatorOptions::default()
    };
    let configuration = |cloud: &Cloud| {
        let list = clusters
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            r#"{provider}
resource "huaweicloud_cce_addon" "dns" {{
  for_each      = toset([{list}])
  cluster_id    = each.key
  template_name = "coredns"
  version       = "1.28.6"
}}
"#,
            provider = cloud.provider()
        )
    };
    let project = Project::new();
    {
        let cloud = Cloud::start_with(options(None));
        project.write("main.hcl", &configuration(&cloud));
        project.plinth(&["apply", "--auto-approve"]).code(0);
    }
    let cloud = Cloud::start_with(options(Some(4.0)));
    project.write("main.hcl", &configuration(&cloud));
    project.plinth(&["plan", "--detailed-exitcode"]).code(0);
    let requests = cloud.requests();
    assert!(
        requests.status("429") > 0,
        "the reads were not throttled: {requests:?}"
    );
    assert_eq!(cloud.snapshot().addons.len(), clusters.len());
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

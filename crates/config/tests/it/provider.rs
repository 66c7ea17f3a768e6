//! The provider block as the cli reads it: its time limits.

use std::time::Duration;

use plinth_config::{SourceFile, Sources, load_sources};

fn load(text: &str) -> Result<plinth_config::ProviderConfig, String> {
    load_sources(Sources {
        files: vec![SourceFile::new("main.hcl", text.to_owned())],
        ..Sources::default()
    })
    .map(|config| config.provider().cloned().unwrap_or_default())
    .map_err(|diagnostics| diagnostics.to_string())
}

#[test]
fn provider_time_limits_are_durations() {
    let provider = load(
        r#"
variable "slow" {
  default = "2m"
}
provider "huaweicloud" {
  connect_timeout = "1.5s"
  request_timeout = var.slow
}
"#,
    )
    .unwrap();
    assert_eq!(provider.connect_timeout, Some(Duration::from_millis(1500)));
    assert_eq!(provider.request_timeout, Some(Duration::from_secs(120)));
    let unset = load("provider \"huaweicloud\" {\n  sandbox = true\n}\n").unwrap();
    assert_eq!((unset.connect_timeout, unset.request_timeout), (None, None));
}

#[test]
fn provider_time_limits_that_are_not_durations_are_errors_at_their_place() {
    for (value, expected) in [
        ("\"0\"", "`request_timeout` must be longer than zero"),
        ("\"10\"", "missing unit"),
        ("\"10 minutes\"", "unknown unit"),
        (
            "[\"10s\"]",
            "must be a duration string such as `\"30s\"`, found",
        ),
    ] {
        let text = format!("provider \"huaweicloud\" {{\n  request_timeout = {value}\n}}\n");
        let error = load(&text).unwrap_err();
        assert!(error.contains(expected), "{value}: {error}");
        assert!(error.contains("main.hcl:2:21"), "{value}: {error}");
    }
}

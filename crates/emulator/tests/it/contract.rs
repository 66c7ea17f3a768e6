//! Each seed's example, parsed, has the structure (keys and value types, recursively, for the keys
//! the seed shows) of what the emulator answers for the same kind of object; requests shaped like
//! the seeds' examples succeed.

use plinth_emulator::EmulatorOptions;
use serde_json::{Value, json};

use crate::support::{AUTOPILOT, Api, CLUSTER, emulator, install_body, plugin_body, plugins_path};

fn seed(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/seeds/{name}", env!("CARGO_MANIFEST_DIR"));
    // The real service repeats keys (seed 002); parsing into a `Value` keeps the last one.
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Where `ours` lacks a key `seed` has, or holds another type. `null` in the seed matches
/// anything; array elements are compared index by index (the last of ours stands in for more).
fn shape_mismatches(seed: &Value, ours: &Value, at: &str, out: &mut Vec<String>) {
    match (seed, ours) {
        (Value::Null, _)
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        (Value::Object(seed), Value::Object(ours)) => {
            for (key, value) in seed {
                match ours.get(key) {
                    Some(our_value) => {
                        shape_mismatches(value, our_value, &format!("{at}.{key}"), out);
                    }
                    None => out.push(format!("{at}.{key}: missing")),
                }
            }
        }
        (Value::Array(seed), Value::Array(ours)) => {
            for (index, value) in seed.iter().enumerate() {
                match ours.get(index).or(ours.last()) {
                    Some(our_value) => {
                        shape_mismatches(value, our_value, &format!("{at}[{index}]"), out);
                    }
                    None => out.push(format!("{at}[{index}]: our array is empty")),
                }
            }
        }
        (seed, ours) => out.push(format!("{at}: seed has {seed}, emulator has {ours}")),
    }
}

fn assert_same_shape(seed: &Value, ours: &Value) {
    let mut mismatches = Vec::new();
    shape_mismatches(seed, ours, "$", &mut mismatches);
    assert!(
        mismatches.is_empty(),
        "structure differs from the seed:\n{}\nemulator answered:\n{ours:#}",
        mismatches.join("\n")
    );
}

#[test]
fn shape_check_catches_missing_keys_and_wrong_types() {
    let mut out = Vec::new();
    shape_mismatches(
        &json!({"a": 1, "b": {"c": "x"}, "d": [1], "e": null}),
        &json!({"a": "1", "b": {}, "d": [], "e": 3}),
        "$",
        &mut out,
    );
    assert_eq!(out.len(), 3, "{out:?}");
}

/// Seed 001: the example create request succeeds, and its answer has the seed's structure.
#[tokio::test]
async fn seed_001_create_plugin_request_and_answer() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let answer = api
        .post(
            &plugins_path("pool-a"),
            &seed("001_create_plugin_request.json"),
        )
        .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    assert_same_shape(&seed("001_create_plugin_response.json"), &answer.body);
    // The server filled the template defaults in: the answer has the seed's inputs.
    assert_eq!(
        answer.body["spec"]["template"]["inputs"],
        seed("001_create_plugin_response.json")["spec"]["template"]["inputs"]
    );
    let bad = api
        .post(
            &plugins_path("pool-a"),
            &json!({"apiVersion": "v1", "kind": "Plugin", "spec": {"template": {"name": "x"}}}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_same_shape(&seed("001_error_response.json"), &bad.body);
    assert_eq!(bad.body["error_code"], "ModelArts.50004000");
}

/// Seed 000: the list of a pool holding gpu-beta and os-node-agent.
#[tokio::test]
async fn seed_000_list_plugins_answer() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let path = plugins_path("pool-b");
    let gpu = api
        .post(&path, &plugin_body("gpu-beta", Some("1.2.15"), None))
        .await;
    assert_eq!(gpu.status, 200);
    let agent = api
        .post(
            &path,
            &plugin_body("os-node-agent", Some("6.8.0-20250219120620"), None),
        )
        .await;
    assert_eq!(agent.status, 200);
    let list = api.get(&path, &[]).await;
    assert_eq!(list.status, 200);
    assert_same_shape(&seed("000_list_plugins_response.json"), &list.body);
    assert_eq!(list.body["items"][1]["status"]["phase"], "Running");
    assert_eq!(
        list.body["items"][1]["status"]["version"],
        "6.8.0-20250219120620"
    );
}

/// Seed 003: deleting answers 200 with the plug-in.
#[tokio::test]
async fn seed_003_delete_plugin_answer() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let path = plugins_path("pool-a");
    api.post(&path, &seed("001_create_plugin_request.json"))
        .await;
    let answer = api.delete(&format!("{path}/node-local-dns"), &[]).await;
    assert_eq!(answer.status, 200);
    assert_same_shape(&seed("003_delete_plugin_response.json"), &answer.body);
    assert_eq!(answer.body["status"]["reason"], "Install complete");
    let again = api.delete(&format!("{path}/node-local-dns"), &[]).await;
    assert_eq!(again.status, 404);
    assert_same_shape(&seed("003_error_response.json"), &again.body);
}

/// Seed 002: a CCE gpu-beta add-on read back, right after its installation started.
#[tokio::test]
async fn seed_002_read_cce_addon_answer() {
    let emulator = emulator(crate::support::with_op(std::time::Duration::from_secs(60))).await;
    let api = Api::new(&emulator);
    let installed = api
        .post(
            "/api/v3/addons",
            &install_body(
                CLUSTER,
                "gpu-beta",
                Some("1.0.0"),
                json!({"basic": {"rbac_enabled": true, "swr_user": "swr_test",
                                 "swr_addr": "10.125.6.246:20202"}}),
            ),
        )
        .await;
    assert_eq!(installed.status, 201, "{:#}", installed.body);
    let uid = installed.body["metadata"]["uid"].as_str().unwrap();
    let read = api
        .get(&format!("/api/v3/addons/{uid}"), &[("cluster_id", CLUSTER)])
        .await;
    assert_eq!(read.status, 200);
    assert_same_shape(&seed("002_read_addon_response.json"), &read.body);
    assert_eq!(read.body["status"]["status"], "installing");
    assert_eq!(read.body["spec"]["values"]["basic"]["swr_user"], "swr_test");
    // Template defaults filled in beside what was sent.
    assert!(read.body["spec"]["values"]["custom"].is_object());
}

/// Seed 004: an Autopilot coredns add-on read back.
#[tokio::test]
async fn seed_004_read_autopilot_addon_answer() {
    let emulator = emulator(EmulatorOptions::default()).await;
    let api = Api::new(&emulator);
    let mut body = install_body(AUTOPILOT, "coredns", Some("1.28.6"), json!({}));
    body["metadata"]["alias"] = json!("coredns");
    let installed = api.post("/autopilot/v3/addons", &body).await;
    assert_eq!(installed.status, 201, "{:#}", installed.body);
    let uid = installed.body["metadata"]["uid"].as_str().unwrap();
    let read = api.get(&format!("/autopilot/v3/addons/{uid}"), &[]).await;
    assert_eq!(read.status, 200);
    let seed = seed("004_read_autopilot_addon_response.json");
    assert_same_shape(&seed, &read.body);
    assert_eq!(
        read.body["status"]["currentVersion"]["input"]["parameters"],
        seed["status"]["currentVersion"]["input"]["parameters"]
    );
    assert_eq!(read.body["status"]["status"], "running");
    assert_eq!(read.body["status"]["Reason"], "");
    // The typed client model reads it, including `Reason` with a capital R.
    let addon: plinth_cloud::model::Addon =
        plinth_cloud::model::decode(read.body.to_string().as_bytes()).unwrap();
    assert_eq!(addon.status.unwrap().reason.as_deref(), Some(""));
}

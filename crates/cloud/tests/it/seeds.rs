//! The seeds' example answers parse verbatim and keep their data, as wire models and as plinth's
//! attributes.

use plinth_cloud::model::{Addon, AddonState, ErrorBody, Plugin, PluginList, PluginPhase, decode};
use plinth_cloud::{ObjectRef, Progress, ResourceType};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{PROJECT, client, fixture};

#[test]
fn seed_000_plugin_list() {
    let list: PluginList = decode(fixture("000_list_plugins_200.json").as_bytes()).unwrap();
    assert_eq!(list.kind, "PluginList");
    assert_eq!(list.api_version, "v2");
    assert_eq!(list.items.len(), 2);
    let gpu = &list.items[0];
    assert_eq!(gpu.template_name(), "gpu-beta");
    assert_eq!(gpu.spec.template.version, None);
    assert_eq!(gpu.phase(), Some(PluginPhase::Running));
    let status = gpu.status.as_ref().unwrap();
    assert_eq!(status.version.as_deref(), Some("1.2.15"));
    assert_eq!(status.reason.as_deref(), Some("Upgrade complete"));
    let agent = &list.items[1];
    assert_eq!(
        agent
            .metadata
            .as_ref()
            .unwrap()
            .creation_timestamp
            .as_deref(),
        Some("2025-01-22T03:01:53Z")
    );
    let inputs = agent.spec.template.inputs.as_ref().unwrap();
    assert_eq!(
        inputs["configs"]["metric_config"]["exporter"]["port"],
        json!("10120")
    );
    assert_eq!(
        inputs["configs"]["metric_config"]["namespaces"],
        json!(["monitoring"])
    );
}

#[test]
fn seed_001_create_answer_and_error() {
    let plugin: Plugin = decode(fixture("001_create_plugin_200.json").as_bytes()).unwrap();
    assert_eq!(plugin.kind, "Plugin");
    assert_eq!(plugin.template_name(), "node-local-dns");
    assert_eq!(plugin.spec.template.version.as_deref(), Some("1.6.36"));
    assert!(plugin.metadata.is_none());
    assert!(plugin.status.is_none());
    let inputs = plugin.spec.template.inputs.as_ref().unwrap();
    assert_eq!(inputs["flavor"]["resources"][0]["replicas"], json!(2));
    assert_eq!(inputs["custom"]["nameserver"], json!("135.0.0.1"));

    let error: ErrorBody = decode(fixture("001_create_plugin_400.json").as_bytes()).unwrap();
    assert_eq!(error.code().as_deref(), Some("ModelArts.50004000"));
    assert_eq!(error.message().as_deref(), Some("Bad request."));
}

#[test]
fn seed_002_addon_with_duplicated_keys() {
    let text = fixture("002_read_addon_200.json");
    // The page's example really repeats `apiVersion` and `kind`.
    assert_eq!(text.matches("\"apiVersion\"").count(), 2);
    let addon: Addon = decode(text.as_bytes()).unwrap();
    assert_eq!(addon.kind, "Addon");
    assert_eq!(addon.uid(), Some("24b23108-55c0-11e9-926f-0255ac101a31"));
    assert_eq!(addon.spec.addon_template_name, "gpu-beta");
    assert_eq!(
        addon.spec.cluster_id.as_deref(),
        Some("0c0e4a63-5539-11e9-95f7-0255ac10177e")
    );
    assert_eq!(
        addon.spec.values.as_ref().unwrap()["basic"]["swr_user"],
        json!("swr_test")
    );
    assert_eq!(addon.state(), Some(AddonState::Installing));
    let status = addon.status.as_ref().unwrap();
    assert_eq!(status.reason.as_deref(), Some(""));
    let current = status.current_version.as_ref().unwrap();
    assert_eq!(current.version, "1.0.0");
    assert_eq!(current.stable, Some(true));
}

#[test]
fn seed_003_delete_answer_and_error() {
    let plugin: Plugin = decode(fixture("003_delete_plugin_200.json").as_bytes()).unwrap();
    assert_eq!(
        plugin.metadata.as_ref().unwrap().name.as_deref(),
        Some("pool-4cd084d36f8bd3346036-node-local-dns")
    );
    assert_eq!(plugin.phase(), Some(PluginPhase::Running));
    assert_eq!(
        plugin.status.as_ref().unwrap().reason.as_deref(),
        Some("Install complete")
    );
    let error: ErrorBody = decode(fixture("003_delete_plugin_400.json").as_bytes()).unwrap();
    assert_eq!(error.code().as_deref(), Some("ModelArts.50004000"));
}

#[test]
fn seed_004_autopilot_addon() {
    let addon: Addon = decode(fixture("004_read_autopilot_addon_200.json").as_bytes()).unwrap();
    assert_eq!(addon.metadata.alias.as_deref(), Some("coredns"));
    assert_eq!(addon.spec.values, None, "`values: null` stays absent");
    assert_eq!(addon.state(), Some(AddonState::Abnormal));
    let status = addon.status.as_ref().unwrap();
    assert_eq!(status.target_versions, None);
    assert_eq!(status.is_rollbackable, Some(false));
    let current = status.current_version.as_ref().unwrap();
    assert_eq!(current.support_versions, None);
    let input = current.input.as_ref().unwrap();
    assert_eq!(input["basic"]["cluster_ip"], json!("10.247.3.10"));
    assert_eq!(
        input["parameters"]["custom"]["servers"][0]["plugins"][0]["parameters"],
        json!("{$POD_IP}")
    );
    let translate = current.translate.as_ref().unwrap();
    assert_eq!(
        translate["fr_FR"]["key"]["Parameters.custom.stub_domains"],
        json!("domaine stub")
    );
}

/// Through the resource interface, the seeds' answers become plinth's attributes.
#[tokio::test]
async fn seed_answers_map_to_attributes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v2/{PROJECT}/pools/pool-a/plugins")))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("000_list_plugins_200.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/addons/24b23108-55c0-11e9-926f-0255ac101a31"))
        .and(query_param(
            "cluster_id",
            "0c0e4a63-5539-11e9-95f7-0255ac10177e",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(fixture("002_read_addon_200.json")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(
            "/autopilot/v3/addons/90b775e0-5774-4e1d-ab3b-516332ba047a",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("004_read_autopilot_addon_200.json")),
        )
        .mount(&server)
        .await;
    let client = client(&server);

    let plugin = ResourceType::POOL_PLUGIN
        .read(
            &client,
            &ResourceType::POOL_PLUGIN
                .parse_import_id("pool-a/gpu-beta")
                .unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        plugin.attributes,
        json!({
            "pool_name": "pool-a",
            "template_name": "gpu-beta",
            "version": "1.2.15",
            "inputs": {},
            "phase": "Running",
            "reason": "Upgrade complete",
            "installed_version": "1.2.15",
            "created_at": "2025-01-22T03:01:53Z",
        })
    );
    assert_eq!(plugin.progress, Progress::Done);
    assert_eq!(plugin.id, None);

    let cce = ResourceType::CCE_ADDON
        .read(
            &client,
            &ResourceType::CCE_ADDON
                .parse_import_id(
                    "0c0e4a63-5539-11e9-95f7-0255ac10177e/24b23108-55c0-11e9-926f-0255ac101a31",
                )
                .unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        cce.attributes,
        json!({
            "id": "24b23108-55c0-11e9-926f-0255ac101a31",
            "cluster_id": "0c0e4a63-5539-11e9-95f7-0255ac10177e",
            "template_name": "gpu-beta",
            "version": "1.0.0",
            "description": "A device plugin for nvidia.com/gpu resource on nvidia driver",
            "values": {"basic": {"rbac_enabled": true, "swr_user": "swr_test", "swr_addr": "10.125.6.246:20202"}},
            "status": "installing",
            "current_version": "1.0.0",
            "reason": null,
            "message": null,
        })
    );
    assert_eq!(cce.progress, Progress::InProgress);
    assert_eq!(cce.natural_key.get("template_name").unwrap(), "gpu-beta");

    let autopilot = ResourceType::AUTOPILOT_ADDON
        .read(
            &client,
            &ObjectRef {
                id: Some("90b775e0-5774-4e1d-ab3b-516332ba047a".to_owned()),
                ..ObjectRef::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        autopilot.attributes,
        json!({
            "id": "90b775e0-5774-4e1d-ab3b-516332ba047a",
            "cluster_id": "597f2d95-44ab-11ef-9e39-0255ac100115",
            "template_name": "coredns",
            "version": "1.28.6",
            "alias": "coredns",
            "values": {},
            "status": "abnormal",
            "current_version": "1.28.6",
            "reason": null,
            "message": null,
        })
    );
}

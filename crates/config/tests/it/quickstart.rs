use std::path::Path;

use plinth_config::{LoadOptions, NoValues, expand, load};

#[test]
fn quickstart_loads_without_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart");
    let config = match load(&dir, &LoadOptions::default()) {
        Ok(config) => config,
        Err(diagnostics) => panic!("{diagnostics}"),
    };
    assert!(config.warnings().is_empty(), "{}", config.warnings());
    let provider = config.provider().unwrap();
    assert_eq!(provider.region.as_deref(), Some("cn-north-4"));
    assert!(provider.sandbox);
    let addresses: Vec<String> = expand(&config, &NoValues)
        .unwrap()
        .iter()
        .map(|i| i.address.to_string())
        .collect();
    assert_eq!(
        addresses,
        [
            "huaweicloud_cce_addon.coredns",
            "huaweicloud_cce_autopilot_addon.metrics",
            "huaweicloud_modelarts_pool_plugin.gpu[\"pool-a\"]",
            "huaweicloud_modelarts_pool_plugin.gpu[\"pool-b\"]",
        ]
    );
}

#[test]
fn configuration_can_be_shared_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<plinth_config::Configuration>();
    assert_send_sync::<plinth_config::ResourceInstance>();
    assert_send_sync::<plinth_config::Diagnostics>();
}

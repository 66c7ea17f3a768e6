//! The template catalogue: which add-on and plug-in templates exist, their versions and default
//! installation parameters. The data lives in `catalogue.json`; `{region}` in it is replaced by the
//! fixture's region.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::options::EmulatorError;

/// The template whose installation always fails, in every service.
pub(crate) const ALWAYS_FAILS: &str = "always-fails";

/// Which API an add-on belongs to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub(crate) enum AddonService {
    /// CCE, under `/api/v3`.
    Cce,
    /// CCE Autopilot, under `/autopilot/v3`.
    Autopilot,
}

impl AddonService {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Cce => "cce",
            Self::Autopilot => "autopilot",
        }
    }
}

#[derive(Debug, Deserialize)]
struct RawCatalogue {
    cce: Vec<AddonTemplate>,
    autopilot: Vec<AddonTemplate>,
    modelarts: Vec<PluginTemplate>,
}

/// An add-on template (CCE or Autopilot).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AddonTemplate {
    pub name: String,
    pub alias: String,
    #[serde(rename = "type")]
    pub template_type: String,
    pub labels: Vec<String>,
    pub require: bool,
    pub description: String,
    /// Oldest first; the last one is the newest.
    pub versions: Vec<String>,
    /// The version's `input` as the service shows it in `currentVersion.input`.
    pub input: Value,
    pub translate: Value,
}

impl AddonTemplate {
    pub(crate) fn has_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    pub(crate) fn newest(&self) -> &str {
        self.versions.last().map_or("", String::as_str)
    }

    /// The versions newer than `version`: what `status.targetVersions` lists.
    pub(crate) fn newer_than(&self, version: &str) -> Vec<String> {
        let position = self.versions.iter().position(|v| v == version);
        match position {
            Some(index) => self.versions[index + 1..].to_vec(),
            None => Vec::new(),
        }
    }

    /// `currentVersion.input` of `version`: the template input with the image version set.
    pub(crate) fn input(&self, version: &str) -> Value {
        let mut input = self.input.clone();
        if let Some(basic) = input.get_mut("basic").and_then(Value::as_object_mut)
            && basic.contains_key("image_version")
        {
            basic.insert("image_version".to_owned(), json!(version));
        }
        input
    }

    /// The values the service fills in on install and upgrade: `basic` from the input, `custom`
    /// from `parameters.custom`, and `flavor` from the default flavor of `parameters`.
    pub(crate) fn default_values(&self, version: &str) -> Value {
        let input = self.input(version);
        let mut values = Map::new();
        if let Some(basic) = input.get("basic") {
            values.insert("basic".to_owned(), basic.clone());
        }
        if let Some(parameters) = input.get("parameters").and_then(Value::as_object) {
            if let Some(custom) = parameters.get("custom") {
                values.insert("custom".to_owned(), custom.clone());
            }
            let default_flavor = parameters.iter().find(|(key, flavor)| {
                key.as_str() != "custom"
                    && flavor.get("is_default").and_then(Value::as_bool) == Some(true)
            });
            if let Some((_, flavor)) = default_flavor {
                let mut flavor = flavor.clone();
                if let Some(object) = flavor.as_object_mut() {
                    object.remove("is_default");
                }
                values.insert("flavor".to_owned(), flavor);
            }
        }
        Value::Object(values)
    }
}

/// A ModelArts plug-in template.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PluginTemplate {
    pub name: String,
    #[serde(rename = "type")]
    pub template_type: String,
    pub annotations: std::collections::BTreeMap<String, String>,
    /// Oldest first; the last one is the newest.
    pub versions: Vec<String>,
    /// Default installation parameters (the same for every version).
    pub inputs: Value,
    /// The Kubernetes objects an installed plug-in runs.
    pub resources: Vec<PluginResourceTemplate>,
}

impl PluginTemplate {
    pub(crate) fn has_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    pub(crate) fn newest(&self) -> &str {
        self.versions.last().map_or("", String::as_str)
    }
}

/// One Kubernetes object of a plug-in.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PluginResourceTemplate {
    pub kind: String,
    pub name: String,
    pub replicas: i64,
    pub limits: std::collections::BTreeMap<String, String>,
    pub requests: std::collections::BTreeMap<String, String>,
}

/// All templates of the emulated region.
#[derive(Debug)]
pub(crate) struct Catalogue {
    cce: Vec<AddonTemplate>,
    autopilot: Vec<AddonTemplate>,
    modelarts: Vec<PluginTemplate>,
}

impl Catalogue {
    /// The built-in catalogue for `region`.
    pub(crate) fn builtin(region: &str) -> Result<Self, EmulatorError> {
        let text = include_str!("catalogue.json").replace("{region}", region);
        let raw: RawCatalogue =
            serde_json::from_str(&text).map_err(|e| EmulatorError::Catalogue(e.to_string()))?;
        Ok(Self {
            cce: raw.cce,
            autopilot: raw.autopilot,
            modelarts: raw.modelarts,
        })
    }

    pub(crate) fn addon_templates(&self, service: AddonService) -> &[AddonTemplate] {
        match service {
            AddonService::Cce => &self.cce,
            AddonService::Autopilot => &self.autopilot,
        }
    }

    pub(crate) fn addon_template(
        &self,
        service: AddonService,
        name: &str,
    ) -> Option<&AddonTemplate> {
        self.addon_templates(service)
            .iter()
            .find(|template| template.name == name)
    }

    pub(crate) fn plugin_templates(&self) -> &[PluginTemplate] {
        &self.modelarts
    }

    pub(crate) fn plugin_template(&self, name: &str) -> Option<&PluginTemplate> {
        self.modelarts.iter().find(|template| template.name == name)
    }
}

/// Deep-merges `over` onto `base`: objects merge key by key, anything else in `over` replaces
/// what `base` has. This is how the services fill template defaults under what the user sent.
pub(crate) fn deep_merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                match base.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses_with_the_region() {
        let catalogue = Catalogue::builtin("eu-west-101").unwrap();
        let coredns = catalogue
            .addon_template(AddonService::Cce, "coredns")
            .unwrap();
        assert!(coredns.has_version("1.28.6"));
        let values = coredns.default_values("1.29.4");
        assert_eq!(values["basic"]["image_version"], "1.29.4");
        assert_eq!(
            values["basic"]["swr_addr"],
            "swr.eu-west-101.myhuaweicloud.com"
        );
        assert_eq!(values["flavor"]["replicas"], 2);
        assert!(values["flavor"].get("is_default").is_none());
        assert!(values["custom"]["stub_domains"].is_object());
        for service in [AddonService::Cce, AddonService::Autopilot] {
            assert!(catalogue.addon_template(service, ALWAYS_FAILS).is_some());
            for template in catalogue.addon_templates(service) {
                assert!(!template.versions.is_empty(), "{}", template.name);
                assert!(template.default_values(template.newest()).is_object());
            }
        }
        assert!(catalogue.plugin_template(ALWAYS_FAILS).is_some());
        let agent = catalogue.plugin_template("os-node-agent").unwrap();
        assert!(agent.has_version("6.8.0-20250219120620"));
    }

    #[test]
    fn autopilot_coredns_defaults_use_the_autopilot_flavor() {
        let catalogue = Catalogue::builtin("cn-north-4").unwrap();
        let coredns = catalogue
            .addon_template(AddonService::Autopilot, "coredns")
            .unwrap();
        let values = coredns.default_values("1.28.6");
        assert_eq!(values["flavor"]["name"], "autopilot-flavor1");
        assert_eq!(values["basic"]["swr_user"], "autopilot-official");
    }

    #[test]
    fn deep_merge_keeps_base_keys_and_replaces_leaves_and_lists() {
        let mut base = json!({"a": {"x": 1, "y": [1, 2]}, "b": 2});
        deep_merge(&mut base, &json!({"a": {"y": [3], "z": true}, "c": null}));
        assert_eq!(
            base,
            json!({"a": {"x": 1, "y": [3], "z": true}, "b": 2, "c": null})
        );
    }

    #[test]
    fn target_versions_are_the_newer_ones() {
        let catalogue = Catalogue::builtin("cn-north-4").unwrap();
        let coredns = catalogue
            .addon_template(AddonService::Cce, "coredns")
            .unwrap();
        assert_eq!(coredns.newer_than("1.29.4"), ["1.30.6"]);
        assert!(coredns.newer_than("1.30.6").is_empty());
    }
}

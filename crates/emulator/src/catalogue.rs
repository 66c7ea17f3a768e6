//! The template catalogue: which add-on and plug-in templates exist, their versions and default
//! installation parameters. The data lives in `catalogue.json`; `{region}` in it is replaced by the
//! fixture's region.

use serde::Deserialize;
use serde_json::{Value, json};

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

    /// `spec.type` of the service's clusters, and `supportVersions[].clusterType`.
    pub(crate) fn cluster_type(self) -> &'static str {
        match self {
            Self::Cce => "VirtualMachine",
            Self::Autopilot => "Autopilot",
        }
    }

    /// The cluster versions an add-on version supports unless the catalogue says otherwise.
    pub(crate) fn default_cluster_versions(self) -> &'static str {
        match self {
            Self::Cce => "v1.(2[5-9]|3[0-2]).*",
            Self::Autopilot => "v1.(2[7-9]|3[0-2]).*",
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
    /// The cluster versions (regular expressions) a version supports, where it differs from the
    /// service's default range.
    #[serde(default)]
    pub support: std::collections::BTreeMap<String, Vec<String>>,
    /// Versions an upgrade to always fails (`upgradeFailed`), for rollback tests.
    #[serde(default)]
    pub failing_upgrades: Vec<String>,
}

impl AddonTemplate {
    pub(crate) fn has_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }

    pub(crate) fn newest(&self) -> &str {
        self.versions.last().map_or("", String::as_str)
    }

    /// The cluster versions `version` supports, as `supportVersions[].clusterVersion` lists them
    /// (regular expressions).
    pub(crate) fn supported_cluster_versions(
        &self,
        service: AddonService,
        version: &str,
    ) -> Vec<String> {
        match self.support.get(version) {
            Some(patterns) => patterns.clone(),
            None => vec![service.default_cluster_versions().to_owned()],
        }
    }

    /// Whether `version` runs on a cluster of `cluster_version` (a full match of one pattern).
    pub(crate) fn supports(
        &self,
        service: AddonService,
        version: &str,
        cluster_version: &str,
    ) -> bool {
        self.supported_cluster_versions(service, version)
            .iter()
            .any(|pattern| {
                regex::Regex::new(&format!("^(?:{pattern})$"))
                    .is_ok_and(|pattern| pattern.is_match(cluster_version))
            })
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
        plinth_cloud::addon_defaults(&self.input(version))
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
    fn support_is_a_full_match_of_a_pattern() {
        let catalogue = Catalogue::builtin("cn-north-4").unwrap();
        let coredns = catalogue
            .addon_template(AddonService::Cce, "coredns")
            .unwrap();
        assert!(coredns.supports(AddonService::Cce, "1.28.6", "v1.28"));
        assert!(coredns.supports(AddonService::Cce, "1.25.11", "v1.25"));
        assert!(!coredns.supports(AddonService::Cce, "1.25.11", "v1.28"));
        assert!(!coredns.supports(AddonService::Cce, "1.28.6", "v1.24"));
        assert!(!coredns.supports(AddonService::Cce, "1.28.6", "xv1.28"));
        let fails = catalogue
            .addon_template(AddonService::Autopilot, "upgrade-fails")
            .unwrap();
        assert_eq!(fails.failing_upgrades, ["1.0.1"]);
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

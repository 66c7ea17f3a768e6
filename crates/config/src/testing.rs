//! Generated configurations for benchmarks: N resource instances in the mix plinth targets, and
//! the objects the cloud would report for them once applied. Not part of the stable API.

use std::fmt::Write as _;

use serde_json::{Value as Json, json};

use crate::diagnostic::SourceFile;
use crate::load::Sources;

/// How many explicit add-ons form the dependency chain `chain_0 <- chain_1 <- ...`.
pub const CHAIN: usize = 10;

const ADDON_VERSION: &str = "1.30.3";
const PLUGIN_VERSION: &str = "1.2.15";
const OLD_ADDON_VERSION: &str = "1.30.2";
const OLD_PLUGIN_VERSION: &str = "1.2.14";

/// A generated configuration of (close to) N instances:
///
/// - a chain of [`CHAIN`] explicit `huaweicloud_cce_addon` blocks, each referring to the id of
///   the one before in its nested `values`;
/// - three `for_each` blocks of F instances each: add-ons `fleet` (fan-out: each refers to the
///   end of the chain), plug-ins `gpu` (each refers to its own `fleet` instance by key) and
///   autopilot add-ons `metrics` (`depends_on` the end of the chain, values through `merge`);
/// - E explicit blocks, autopilot add-ons and plug-ins alternately, each referring to (or
///   depending on) one link of the chain;
/// - variables, locals and an output used throughout.
///
/// About 10% of the instances are explicit blocks.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The configuration's text (one file).
    pub hcl: String,
    /// Instances of each `for_each` block.
    pub per_for_each: usize,
    /// Explicit blocks besides the chain.
    pub explicit: usize,
}

/// Which versions the objects of [`Generated::cloud`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versions {
    /// The versions the configuration asks for: nothing to do.
    Configured,
    /// The versions before them: every instance is an update.
    Previous,
}

/// An object as the cloud reports it, for one generated instance.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudObject {
    /// Its address, `type.name[key]`.
    pub address: String,
    /// Its cloud id (none for pool plug-ins).
    pub id: Option<String>,
    /// Its attributes in the state's layout, with values the server filled in.
    pub attributes: Json,
}

impl Generated {
    /// A configuration of `n` instances (at least `CHAIN + 3`).
    pub fn new(n: usize) -> Generated {
        let rest = n.saturating_sub(CHAIN);
        let per_for_each = rest * 3 / 10;
        let explicit = rest - 3 * per_for_each;
        let mut hcl = String::new();
        write_header(&mut hcl, per_for_each);
        write_chain(&mut hcl);
        write_fan_out(&mut hcl);
        write_explicit(&mut hcl, explicit);
        Generated {
            hcl,
            per_for_each,
            explicit,
        }
    }

    /// How many instances the configuration expands to.
    pub fn instances(&self) -> usize {
        CHAIN + 3 * self.per_for_each + self.explicit
    }

    /// The configuration as [`Sources`] for [`load_sources`](crate::load_sources).
    pub fn sources(&self) -> Sources {
        Sources {
            files: vec![SourceFile::new("main.hcl", self.hcl.clone())],
            ..Sources::default()
        }
    }

    /// What the cloud reports for every instance once the configuration is applied, every
    /// object running the `versions` given (the previous ones make every instance an update).
    pub fn cloud(&self, versions: Versions) -> Vec<CloudObject> {
        let (addon_version, plugin_version) = match versions {
            Versions::Configured => (ADDON_VERSION, PLUGIN_VERSION),
            Versions::Previous => (OLD_ADDON_VERSION, OLD_PLUGIN_VERSION),
        };
        let flavor = json!({"replicas": 2, "cpu": "500m"});
        let addon = |address: String, id: String, cluster: &str, template: &str, values: Json| {
            let attributes = json!({
                "id": id, "cluster_id": cluster, "template_name": template,
                "version": addon_version, "current_version": addon_version,
                "status": "running", "values": values,
            });
            CloudObject {
                address,
                id: Some(id),
                attributes,
            }
        };
        let plugin = |address: String, pool: &str, inputs: Json| CloudObject {
            address,
            id: None,
            attributes: json!({
                "pool_name": pool, "template_name": "gpu-beta", "version": plugin_version,
                "installed_version": plugin_version, "phase": "Running", "inputs": inputs,
            }),
        };
        let mut objects = Vec::with_capacity(self.instances());
        for k in 0..CHAIN {
            let basic = if k == 0 {
                json!({"cluster_ip": "10.247.0.10"})
            } else {
                json!({"upstream": format!("uid-chain-{}", k - 1), "cluster_ip": "10.247.0.10"})
            };
            let flavor = if k == 0 {
                json!({"replicas": 2, "cpu": "250m"})
            } else {
                flavor.clone()
            };
            objects.push(addon(
                format!("huaweicloud_cce_addon.chain_{k}"),
                format!("uid-chain-{k}"),
                &format!("chain-{k}"),
                "coredns",
                json!({"basic": basic, "flavor": flavor}),
            ));
        }
        let dns = format!("uid-chain-{}", CHAIN - 1);
        for i in 0..self.per_for_each {
            let cluster = format!("c-{i}");
            objects.push(addon(
                format!(r#"huaweicloud_cce_addon.fleet["{cluster}"]"#),
                format!("uid-fleet-{cluster}"),
                &cluster,
                "everest",
                json!({
                    "basic": {"cluster": cluster, "region": "ap-southeast-1"},
                    "custom": {"dns": dns, "tags": ["bench", cluster]},
                    "server_default": {"log_level": "info"},
                }),
            ));
            let pool = format!("pool-{i}");
            objects.push(plugin(
                format!(r#"huaweicloud_modelarts_pool_plugin.gpu["{pool}"]"#),
                &pool,
                json!({
                    "addon": format!("uid-fleet-{cluster}"),
                    "cluster": cluster,
                    "limits": {"gpu": 8, "memory": "64Gi"},
                }),
            ));
            objects.push(addon(
                format!(r#"huaweicloud_cce_autopilot_addon.metrics["{cluster}"]"#),
                format!("uid-metrics-{cluster}"),
                &cluster,
                "metrics-server",
                json!({"flavor": flavor, "region": "ap-southeast-1", "cluster": cluster}),
            ));
        }
        for i in 0..self.explicit {
            let link = i % CHAIN;
            if i % 2 == 0 {
                objects.push(addon(
                    format!("huaweicloud_cce_autopilot_addon.explicit_{i}"),
                    format!("uid-explicit-{i}"),
                    &format!("e-{i}"),
                    "metrics-server",
                    json!({"flavor": flavor, "index": i}),
                ));
            } else {
                objects.push(plugin(
                    format!("huaweicloud_modelarts_pool_plugin.explicit_{i}"),
                    &format!("pool-e-{i}"),
                    json!({"dns": format!("uid-chain-{link}"), "index": i}),
                ));
            }
        }
        objects
    }
}

/// The variables, the locals (`per_for_each` clusters and pools) and the chain's first link.
fn write_header(hcl: &mut String, per_for_each: usize) {
    let _ = write!(
        hcl,
        r#"variable "addon_version" {{
  type    = string
  default = "{ADDON_VERSION}"
}}

variable "plugin_version" {{
  default = "{PLUGIN_VERSION}"
}}

variable "region" {{
  default = "ap-southeast-1"
}}

locals {{
  clusters = [for i in range({per_for_each}) : "c-${{i}}"]
  pools    = {{ for i in range({per_for_each}) : "pool-${{i}}" => "c-${{i}}" }}
  common = {{
    flavor = {{ replicas = 2, cpu = "500m" }}
    region = var.region
  }}
}}

resource "huaweicloud_cce_addon" "chain_0" {{
  cluster_id    = "chain-0"
  template_name = "coredns"
  version       = var.addon_version
  values = {{
    basic  = {{ cluster_ip = "10.247.0.10" }}
    flavor = {{ replicas = 2 }}
  }}
}}
"#
    );
}

/// The links of the chain after the first, each referring to the one before.
fn write_chain(hcl: &mut String) {
    for k in 1..CHAIN {
        let _ = write!(
            hcl,
            r#"
resource "huaweicloud_cce_addon" "chain_{k}" {{
  cluster_id    = "chain-{k}"
  template_name = "coredns"
  version       = var.addon_version
  values = {{
    basic  = {{ upstream = huaweicloud_cce_addon.chain_{previous}.id }}
    flavor = local.common.flavor
  }}
}}
"#,
            previous = k - 1
        );
    }
}

/// The three `for_each` blocks, fanning out from the end of the chain, and the output.
fn write_fan_out(hcl: &mut String) {
    let last = CHAIN - 1;
    let _ = write!(
        hcl,
        r#"
resource "huaweicloud_cce_addon" "fleet" {{
  for_each      = toset(local.clusters)
  cluster_id    = each.key
  template_name = "everest"
  version       = var.addon_version
  values = {{
    basic  = {{ cluster = each.key, region = var.region }}
    custom = {{ dns = huaweicloud_cce_addon.chain_{last}.id, tags = ["bench", each.key] }}
  }}
}}

resource "huaweicloud_modelarts_pool_plugin" "gpu" {{
  for_each      = local.pools
  pool_name     = each.key
  template_name = "gpu-beta"
  version       = var.plugin_version
  inputs = {{
    addon   = huaweicloud_cce_addon.fleet[each.value].id
    cluster = each.value
    limits  = {{ gpu = 8, memory = "64Gi" }}
  }}
}}

resource "huaweicloud_cce_autopilot_addon" "metrics" {{
  for_each      = toset(local.clusters)
  cluster_id    = each.key
  template_name = "metrics-server"
  version       = var.addon_version
  values        = merge(local.common, {{ cluster = each.key }})
  depends_on    = [huaweicloud_cce_addon.chain_{last}]
}}

output "chain_end" {{
  value = huaweicloud_cce_addon.chain_{last}.id
}}
"#
    );
}

/// `explicit` blocks, autopilot add-ons and plug-ins alternately, each on a link of the chain.
fn write_explicit(hcl: &mut String, explicit: usize) {
    for i in 0..explicit {
        let link = i % CHAIN;
        if i % 2 == 0 {
            let _ = write!(
                hcl,
                r#"
resource "huaweicloud_cce_autopilot_addon" "explicit_{i}" {{
  cluster_id    = "e-{i}"
  template_name = "metrics-server"
  version       = var.addon_version
  values        = {{ flavor = local.common.flavor, index = {i} }}
  depends_on    = [huaweicloud_cce_addon.chain_{link}]
}}
"#
            );
        } else {
            let _ = write!(
                hcl,
                r#"
resource "huaweicloud_modelarts_pool_plugin" "explicit_{i}" {{
  pool_name     = "pool-e-{i}"
  template_name = "gpu-beta"
  version       = var.plugin_version
  inputs        = {{ dns = huaweicloud_cce_addon.chain_{link}.id, index = {i} }}
}}
"#
            );
        }
    }
}

/// Evaluates one expression with no variables, locals or resources, `dir` being the
/// configuration's directory (the filesystem functions read relative to it): the function
/// table's test (`tests/it/functions.rs`) compares results with Terraform's through it.
pub fn evaluate(expression: &str, dir: &std::path::Path) -> Result<crate::Value, String> {
    use crate::eval::{Context, Env, Found};
    use crate::model::ResourceAddress;
    let empty = crate::ObjectMap::new();
    let resources = |_: &ResourceAddress, _: Option<&crate::Value>| -> Option<Found> { None };
    let env = Env {
        variables: &empty,
        locals: &empty,
        resources: &resources,
        dir: Some(dir),
        module: None,
    };
    let expr = hcl_edit::parser::parse_expr(expression).map_err(|e| e.to_string())?;
    Context::new(&env).eval(&expr).map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::expand::{ResourceValues, expand};
    use crate::load::load_sources;
    use crate::model::ResourceAddress;
    use crate::value::{ObjectMap, Value};

    #[test]
    fn generated_configuration_expands_to_the_objects_the_cloud_reports() {
        let generated = Generated::new(200);
        let config = load_sources(generated.sources()).unwrap();
        let cloud = generated.cloud(Versions::Configured);
        assert_eq!(cloud.len(), generated.instances());
        assert!(generated.instances().abs_diff(200) <= 3);
        // With everything known, every written attribute equals what the cloud reports.
        let known = Reported(
            cloud
                .iter()
                .map(|o| {
                    let Value::Object(map) = Value::from(o.attributes.clone()) else {
                        panic!("an object")
                    };
                    (o.address.clone(), map)
                })
                .collect(),
        );
        let instances = expand(&config, &known).unwrap();
        let addresses: BTreeSet<String> = instances.iter().map(|i| i.address.to_string()).collect();
        let expected: BTreeSet<String> = cloud.iter().map(|o| o.address.clone()).collect();
        assert_eq!(addresses, expected);
        for instance in &instances {
            let reported = &known.0[&instance.address.to_string()];
            for (name, value) in &instance.attributes {
                assert_written_subset(
                    value,
                    &reported[name],
                    &format!("{} {name}", instance.address),
                );
            }
        }
    }

    /// What the cloud reports, by instance address text.
    struct Reported(BTreeMap<String, ObjectMap>);

    impl ResourceValues for Reported {
        fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
            self.0.get(&instance.to_string()).cloned()
        }
    }

    /// Every key `written` has is in `reported` with the same value.
    fn assert_written_subset(written: &Value, reported: &Value, at: &str) {
        match (written, reported) {
            (Value::Object(w), Value::Object(r)) => {
                for (key, value) in w {
                    let inner = r.get(key).unwrap_or_else(|| panic!("{at}.{key} missing"));
                    assert_written_subset(value, inner, &format!("{at}.{key}"));
                }
            }
            _ => assert_eq!(written, reported, "{at}"),
        }
    }
}

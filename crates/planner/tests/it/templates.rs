//! Template-aware plans: which catalogue reads a plan wants, the checks against the catalogue,
//! and the values an upgrade moves.

use plinth_core::AddonApi;
use plinth_core::registry::ApiFamily;
use plinth_planner::{
    CatalogueRead, PlanError, PlanOptions, Template, TemplateVersion, WantedCatalogue,
};
use serde_json::json;

use crate::{World, config, show};

const CCE: ApiFamily = ApiFamily::Addons(AddonApi::Cce);

fn coredns_version(version: &str) -> TemplateVersion {
    TemplateVersion {
        version: version.to_owned(),
        defaults: json!({
            "basic": {"image_version": version, "swr_addr": "swr.example"},
            "custom": {"stub_domains": {}, "upstream_nameservers": []},
            "flavor": {"replicas": 2}
        }),
        cluster_versions: vec!["v1.(2[5-9]|3[0-2]).*".to_owned()],
    }
}

fn with_catalogue(world: &mut World) {
    let catalogue = world.observed.catalogue_mut(None);
    catalogue.insert_templates(
        CCE,
        vec![Template {
            name: "coredns".to_owned(),
            versions: vec![coredns_version("1.28.6"), coredns_version("1.30.6")],
        }],
    );
    catalogue.insert_containers(CCE, [("c1".to_owned(), Some("v1.28".to_owned()))]);
}

fn installed(version: &str, extra: &serde_json::Value) -> serde_json::Value {
    let mut values = coredns_version(version).defaults;
    if let (Some(values), Some(extra)) = (values.as_object_mut(), extra.as_object()) {
        for (key, value) in extra {
            values.insert(key.clone(), value.clone());
        }
    }
    json!({
        "id": "a1", "cluster_id": "c1", "template_name": "coredns", "version": version,
        "current_version": version, "status": "running", "values": values
    })
}

fn dns(version: &str, values: &str) -> String {
    format!(
        r#"resource "huaweicloud_cce_addon" "dns" {{
  cluster_id    = "c1"
  template_name = "coredns"
  version       = "{version}"
  values        = {values}
}}
"#
    )
}

#[test]
fn a_plan_wants_the_catalogue_only_when_it_changes_an_addon() {
    let world = World::new();
    let plan = world
        .plan(&config(&dns("1.28.6", "{}")), &PlanOptions::default())
        .unwrap();
    assert_eq!(
        plan.wanted_catalogue()
            .iter()
            .map(|wanted| (wanted.provider.as_deref(), wanted.read))
            .collect::<Vec<_>>(),
        [
            (None, CatalogueRead::Templates(CCE)),
            (None, CatalogueRead::Containers(CCE))
        ]
    );
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed("1.28.6", &json!({})),
        &[],
    );
    let plan = world
        .plan(&config(&dns("1.28.6", "{}")), &PlanOptions::default())
        .unwrap();
    assert!(plan.wanted_catalogue().is_empty(), "a no-op reads nothing");
}

#[test]
fn an_upgrade_shows_the_defaults_that_move_and_keeps_what_was_set_outside() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed(
            "1.28.6",
            &json!({"custom": {"stub_domains": {}, "upstream_nameservers": ["8.8.8.8"]}}),
        ),
        &[],
    );
    with_catalogue(&mut world);
    let plan = world
        .plan(
            &config(&dns("1.30.6", "{ flavor = { replicas = 3 } }")),
            &PlanOptions::default(),
        )
        .unwrap();
    assert!(plan.wanted_catalogue().is_empty());
    // The planned values are what is sent: the console's name servers stay.
    let after = plan.changes()[0].after.as_ref().unwrap().value();
    let after = after.as_object().unwrap();
    let values = after.get("values").unwrap().to_json().unwrap();
    assert_eq!(values["custom"]["upstream_nameservers"], json!(["8.8.8.8"]));
    assert_eq!(values["basic"]["image_version"], "1.30.6");
    insta::assert_snapshot!(show(&plan), @r#"
    huaweicloud_cce_addon.dns: update
      ~ values.flavor.replicas: 2 -> 3
      ~ version: "1.28.6" -> "1.30.6"
      ~ values.basic.image_version: "1.28.6" -> "1.30.6"
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    "#);
}

#[test]
fn an_update_checks_only_what_it_changes() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed(
            "1.28.6",
            &json!({"custom": {"stub_domains": {}, "upstream_nameservers": [], "mine": 1}}),
        ),
        &[],
    );
    with_catalogue(&mut world);
    // `mine` is unknown to the template but unchanged: no warning again.
    let plan = world
        .plan(
            &config(&dns(
                "1.28.6",
                "{ custom = { mine = 1 }, flavor = { replicas = 3 } }",
            )),
            &PlanOptions::default(),
        )
        .unwrap();
    assert!(plan.warnings().is_empty(), "{:?}", plan.warnings());
    // A misspelt key that the update would send is an error at its place.
    let error = world
        .plan(
            &config(&dns(
                "1.28.6",
                "{ custom = { upstream_nameserver = [\"1.1.1.1\"] } }",
            )),
            &PlanOptions::default(),
        )
        .unwrap_err();
    let PlanError::Configuration(diagnostics) = error else {
        panic!("{error}");
    };
    let first = diagnostics.iter().next().unwrap();
    assert_eq!(
        first.message(),
        "`custom.upstream_nameserver` is not a parameter of the template"
    );
    assert_eq!(first.hint(), Some("did you mean `upstream_nameservers`?"));
    assert_eq!((first.line(), first.column()), (Some(5), Some(32)));
}

#[test]
fn without_the_catalogue_nothing_is_checked() {
    let world = World::new();
    let plan = world
        .plan(
            &config(&dns("9.9.9", "{ custom = { stub_domain = {} } }")),
            &PlanOptions::default(),
        )
        .unwrap();
    assert!(plan.warnings().is_empty());
    assert!(!plan.wanted_catalogue().is_empty());
}

#[test]
fn a_parameter_removed_from_the_configuration_returns_to_the_template_default() {
    let mut world = World::new();
    // Set by the configuration at the last apply: replicas 3 and a name server; set in the
    // console: a stub domain and a key the template has no default for.
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed(
            "1.28.6",
            &json!({
                "flavor": {"replicas": 3},
                "custom": {"stub_domains": {"corp": ["10.0.0.1"]}, "upstream_nameservers": ["8.8.8.8"], "extra": 1},
                "mine": true
            }),
        ),
        &[],
    );
    world.configured(
        "huaweicloud_cce_addon.dns",
        &[
            "/values/flavor/replicas",
            "/values/custom/upstream_nameservers",
            "/values/mine",
        ],
    );
    // Without the catalogue the plan asks for the template's defaults first.
    let dns_config = config(&dns(
        "1.28.6",
        "{ custom = { upstream_nameservers = [\"8.8.8.8\"] } }",
    ));
    let wanting = world.plan(&dns_config, &PlanOptions::default()).unwrap();
    assert_eq!(
        wanting.wanted_catalogue(),
        [WantedCatalogue {
            provider: None,
            read: CatalogueRead::Templates(CCE)
        }]
    );

    with_catalogue(&mut world);
    let plan = world.plan(&dns_config, &PlanOptions::default()).unwrap();
    assert!(plan.wanted_catalogue().is_empty());
    let values = plan.changes()[0]
        .after
        .as_ref()
        .unwrap()
        .value()
        .as_object()
        .unwrap()
        .get("values")
        .unwrap()
        .to_json()
        .unwrap();
    assert_eq!(values["flavor"]["replicas"], json!(2));
    assert_eq!(values.get("mine"), None);
    // Never configured: kept.
    assert_eq!(
        values["custom"]["stub_domains"],
        json!({"corp": ["10.0.0.1"]})
    );
    assert_eq!(values["custom"]["extra"], json!(1));
    insta::assert_snapshot!(show(&plan), @r"
    huaweicloud_cce_addon.dns: update
      ~ values.flavor.replicas: 3 -> 2
      ~ values.mine: true -> null
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    ");

    // Once at the default (and recorded as configured no more), nothing is planned.
    let mut settled = World::new();
    settled.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed(
            "1.28.6",
            &json!({"custom": {"stub_domains": {}, "upstream_nameservers": ["8.8.8.8"]}}),
        ),
        &[],
    );
    settled.configured(
        "huaweicloud_cce_addon.dns",
        &[
            "/values/flavor/replicas",
            "/values/custom/upstream_nameservers",
        ],
    );
    with_catalogue(&mut settled);
    let plan = settled.plan(&dns_config, &PlanOptions::default()).unwrap();
    assert!(!plan.has_changes());
}

#[test]
fn a_removed_parameter_returns_to_the_default_of_the_version_upgraded_to() {
    let mut world = World::new();
    world.in_state(
        "huaweicloud_cce_addon.dns",
        Some("a1"),
        installed(
            "1.28.6",
            &json!({"basic": {"image_version": "custom-1", "swr_addr": "swr.example"}}),
        ),
        &[],
    );
    world.configured(
        "huaweicloud_cce_addon.dns",
        &["/values/basic/image_version"],
    );
    with_catalogue(&mut world);
    let plan = world
        .plan(&config(&dns("1.30.6", "{}")), &PlanOptions::default())
        .unwrap();
    let values = plan.changes()[0]
        .after
        .as_ref()
        .unwrap()
        .value()
        .as_object()
        .unwrap()
        .get("values")
        .unwrap()
        .to_json()
        .unwrap();
    assert_eq!(values["basic"]["image_version"], json!("1.30.6"));
    insta::assert_snapshot!(show(&plan), @r#"
    huaweicloud_cce_addon.dns: update
      ~ version: "1.28.6" -> "1.30.6"
      ~ values.basic.image_version: "custom-1" -> "1.30.6"
    Plan: 0 to import, 0 to add, 1 to change, 0 to destroy, 0 to read.
    "#);
}

#[test]
fn each_object_is_checked_against_its_own_regions_catalogue() {
    // `c-hk` is a cluster of the `hk` provider configuration's region only: an add-on there is
    // checked against that region's clusters, never the default region's.
    let text = r#"provider "huaweicloud" {
  region = "cn-north-4"
}

provider "huaweicloud" {
  alias  = "hk"
  region = "ap-southeast-1"
}

resource "huaweicloud_cce_addon" "dns" {
  provider      = huaweicloud.hk
  cluster_id    = "c-hk"
  template_name = "coredns"
  version       = "1.28.6"
}
"#;
    let config = config(text);
    let mut world = World::new();
    with_catalogue(&mut world);
    let plan = world.plan(&config, &PlanOptions::default()).unwrap();
    assert_eq!(
        plan.wanted_catalogue(),
        [
            WantedCatalogue {
                provider: Some("hk".to_owned()),
                read: CatalogueRead::Templates(CCE)
            },
            WantedCatalogue {
                provider: Some("hk".to_owned()),
                read: CatalogueRead::Containers(CCE)
            }
        ],
        "the default region's catalogue does not answer for hk"
    );
    let hk = world.observed.catalogue_mut(Some("hk"));
    hk.insert_templates(
        CCE,
        vec![Template {
            name: "coredns".to_owned(),
            versions: vec![coredns_version("1.28.6")],
        }],
    );
    hk.insert_containers(CCE, [("c-hk".to_owned(), Some("v1.28".to_owned()))]);
    let plan = world.plan(&config, &PlanOptions::default()).unwrap();
    assert!(plan.wanted_catalogue().is_empty());
    assert!(plan.warnings().is_empty(), "{}", plan.warnings());

    // The default region knows `c-hk` and hk does not: the add-on's cluster is missing.
    let mut world = World::new();
    with_catalogue(&mut world);
    world
        .observed
        .catalogue_mut(None)
        .insert_containers(CCE, [("c-hk".to_owned(), Some("v1.28".to_owned()))]);
    let hk = world.observed.catalogue_mut(Some("hk"));
    hk.insert_templates(
        CCE,
        vec![Template {
            name: "coredns".to_owned(),
            versions: vec![coredns_version("1.28.6")],
        }],
    );
    hk.insert_containers(CCE, [("c1".to_owned(), Some("v1.28".to_owned()))]);
    let Err(PlanError::Configuration(diagnostics)) = world.plan(&config, &PlanOptions::default())
    else {
        panic!("a cluster of another region must not satisfy the check");
    };
    assert!(diagnostics.to_string().contains("c-hk"), "{diagnostics}");
}

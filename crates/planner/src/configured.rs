//! From the configuration crate's types to the planner's: blocks, instances, addresses, and the
//! evaluation rounds that let unknown values spread to dependents.

use plinth_core::{InstanceKey, ResourceAddress};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, HashSet};

use plinth_config::{
    Configuration, ObjectMap, ReferenceStep, ResourceInstance, ResourceValues, Value,
};
use plinth_state::State;

use crate::error::PlanError;
use crate::moves::Moves;
use crate::observe::{Lookup, Observations, Observed, PlanOptions};
use crate::plan::{Block, Instance, Plan, plan_instances, value_of, with_id};
use crate::planned::PlannedObject;
use crate::statements::Statements;
use plinth_core::RemoteObject;
use plinth_core::path::{pointer, push_pointer_key};

/// Plans the changes that bring the cloud to the configuration.
///
/// `prior` is the state as loaded; `observed` what the refresh found (empty with
/// `--no-refresh`). The configuration is evaluated with what is known about every resource:
/// the refreshed objects first, then the planned objects, again until every object an
/// expression read is planned as it was read, so that values known only after apply (the id of
/// a resource being created, the status of one being updated) reach every expression that
/// refers to them as [`Value::Unknown`].
pub fn plan(
    config: &Configuration,
    prior: &State,
    observed: &Observations,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let first = plan_once(config, prior, observed, options)?;
    if options.destroy {
        return Ok(first);
    }
    crate::triggers::replace_triggered(config, options, first, &|options| {
        plan_once(config, prior, observed, options)
    })
}

/// [`plan`] before `replace_triggered_by` is applied.
fn plan_once(
    config: &Configuration,
    prior: &State,
    observed: &Observations,
    options: &PlanOptions,
) -> Result<Plan, PlanError> {
    let blocks = blocks(config)?;
    let statements = Statements::new(config);
    let index: HashMap<&ResourceAddress, usize> = config
        .all_resources()
        .iter()
        .enumerate()
        .map(|(i, r)| (r.address(), i))
        .collect();
    if options.destroy {
        // A destroy needs nothing evaluated: it deletes what the state has.
        let none = Moves::default();
        return plan_instances(
            &blocks,
            Vec::new(),
            prior,
            &none,
            observed,
            options,
            &statements,
        )
        .map(|(plan, _)| {
            let outputs = crate::outputs::destroy_outputs(prior);
            plan.with_outputs(outputs)
        });
    }
    let moves = Moves::from_statements(config.moved_blocks(), prior)?;
    let referred = referred_blocks(config);
    // Each round lets unknown values move one reference further; a chain cannot be longer than
    // the number of blocks, so this bound is never what ends a sound configuration's rounds.
    let rounds = blocks.len() + 2;
    let mut round = 0;
    let mut planned = None;
    loop {
        let known = Known::new(prior, observed, planned.take());
        let instances = plinth_config::expand(config, &known).map_err(PlanError::Configuration)?;
        let instances = instances
            .into_iter()
            .map(|instance| convert_instance(&index, instance))
            .collect::<Result<Vec<_>, _>>()?;
        let (plan, left_out) = plan_instances(
            &blocks,
            instances,
            prior,
            &moves,
            observed,
            options,
            &statements,
        )?;
        round += 1;
        // Another round would read the planned objects: if every object this round read is
        // planned as it was read, that round would evaluate the same and plan the same.
        let settled = known.settled(|address| {
            plan.change(address)
                .and_then(|change| change.after.as_ref())
                .or_else(|| left_out.get(address))
        });
        if settled || round >= rounds {
            let outputs = crate::outputs::plan_outputs(config, prior, &plan, &left_out)?;
            let warnings = crate::conditions::check(config, prior, observed, &plan, &left_out)?;
            let plan = crate::templates::finish(config, plan, observed)?;
            return Ok(plan.with_outputs(outputs).with_warnings(warnings));
        }
        // Only what expressions can refer to is kept for the next round.
        planned = Some(
            plan.into_afters()
                .chain(left_out)
                .filter(|(address, _)| referred.contains(&address.resource()))
                .collect(),
        );
    }
}

/// What expressions see of other resources, by state address: in the first round what is known
/// before planning ([`initial_value`]), then the objects the previous round planned. An object
/// is converted to configuration values only when an expression reads it; what is read is
/// recorded to tell whether another round is needed.
pub(crate) enum Known<'a> {
    /// The first round. Each object is converted when read, and kept as read (compact: a plan
    /// of ten thousand objects that refer to each other reads thousands of whole objects for
    /// their ids).
    Initial {
        prior: &'a State,
        observed: &'a Observations,
        read: RefCell<HashMap<ResourceAddress, Option<PlannedObject>>>,
    },
    /// A later round: the previous round's planned objects of the blocks expressions refer to,
    /// and the addresses read.
    Planned {
        planned: HashMap<ResourceAddress, PlannedObject>,
        read: RefCell<HashSet<ResourceAddress>>,
    },
}

impl<'a> Known<'a> {
    pub(crate) fn new(
        prior: &'a State,
        observed: &'a Observations,
        planned: Option<HashMap<ResourceAddress, PlannedObject>>,
    ) -> Self {
        match planned {
            None => Known::Initial {
                prior,
                observed,
                read: RefCell::default(),
            },
            Some(planned) => Known::Planned {
                planned,
                read: RefCell::default(),
            },
        }
    }

    /// Whether every object read is, in `after` (the objects just planned), what was read of
    /// it: then another round would read the same and plan the same.
    fn settled<'p>(self, after: impl Fn(&ResourceAddress) -> Option<&'p PlannedObject>) -> bool {
        match self {
            Known::Initial { read, .. } => read
                .into_inner()
                .iter()
                .all(|(address, read)| after(address) == read.as_ref()),
            Known::Planned { planned, read } => read
                .into_inner()
                .iter()
                .all(|address| after(address) == planned.get(address)),
        }
    }
}

impl ResourceValues for Known<'_> {
    fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
        let address = instance.clone();
        match self {
            Known::Initial {
                prior,
                observed,
                read,
            } => {
                if let Some(value) = read.borrow().get(&address) {
                    return value.as_ref().map(|object| into_map(object.value()));
                }
                let value = initial_value(prior, observed, &address).map(Value::Object);
                read.borrow_mut()
                    .insert(address, value.as_ref().map(PlannedObject::new));
                value.map(into_map)
            }
            Known::Planned { planned, read } => {
                let value = planned.get(&address).map(|after| into_map(after.value()));
                read.borrow_mut().insert(address);
                value
            }
        }
    }
}

/// The blocks that expressions (of resources, locals and outputs) refer to.
fn referred_blocks(config: &Configuration) -> HashSet<ResourceAddress> {
    let resources = config
        .all_resources()
        .iter()
        .flat_map(plinth_config::Resource::references);
    let locals = config
        .locals()
        .iter()
        .flat_map(plinth_config::Local::references);
    let outputs = config
        .outputs()
        .iter()
        .flat_map(plinth_config::Output::references);
    resources
        .chain(locals)
        .chain(outputs)
        .map(|reference| reference.address.clone())
        .collect()
}

/// What is known of an object before planning: a data source read, an object adopted by natural
/// key, the refreshed object, or the state's where not refreshed (its sealed sensitive values
/// marked sensitive), with `id` filled from the cloud id.
fn initial_value(
    prior: &State,
    observed: &Observations,
    address: &ResourceAddress,
) -> Option<ObjectMap> {
    if let Some(attributes) = observed.data(address) {
        return Some(into_map(value_of(attributes)));
    }
    if let Some(Lookup::Found(object)) = observed.lookup(address) {
        return Some(into_map(value_of(&object.attributes.to_value())));
    }
    let resource = prior.resource(address)?;
    let refreshed = observed.resource(address);
    let mut value = match refreshed {
        Some(Observed::Present(object)) => value_of(&object.attributes.to_value()),
        Some(Observed::Gone) => return None,
        None => Value::from(resource.attributes.to_value()),
    };
    // What the state seals is sensitive, refreshed or not (the cloud's copy holds the real value):
    // an expression that reads it carries the mark on.
    for pointer in &resource.sensitive {
        mark_sensitive(&mut value, pointer);
    }
    let id = match refreshed {
        Some(Observed::Present(RemoteObject { id: Some(id), .. })) => Some(id.as_str()),
        _ => resource.id.as_deref(),
    };
    if let Some(schema) = plinth_config::schema(address.mode(), address.type_name()) {
        with_id(schema, &mut value, id);
    }
    Some(into_map(value))
}

fn into_map(value: Value) -> ObjectMap {
    match value {
        Value::Object(map) => map,
        _ => ObjectMap::new(),
    }
}

/// The JSON pointers (RFC 6901) of the sensitive parts of attributes (`/values/custom/token`):
/// what the configuration marks, and what the state must seal.
pub fn sensitive_pointers(attributes: &ObjectMap) -> BTreeSet<String> {
    attributes
        .iter()
        .flat_map(|(name, value)| {
            value.sensitive_paths().into_iter().map(move |path| {
                let mut text = String::new();
                push_pointer_key(&mut text, name);
                text.push_str(&pointer(&path));
                text
            })
        })
        .collect()
}

/// Marks the value at a JSON pointer (RFC 6901) sensitive; nothing if there is none there.
pub fn mark_sensitive(value: &mut Value, pointer: &str) {
    if let Some(slot) = crate::planned::at_pointer(value, pointer) {
        let taken = std::mem::replace(slot, Value::Null);
        *slot = taken.mark_sensitive();
    }
}

/// The planner's view of every block of the configuration.
fn blocks(config: &Configuration) -> Result<Vec<Block<'_>>, PlanError> {
    config
        .all_resources()
        .iter()
        .map(|resource| {
            let address = resource.address().clone();
            let schema = plinth_config::schema(resource.mode(), resource.resource_type())
                .ok_or_else(|| PlanError::UnknownType {
                    address: address.clone(),
                    type_name: resource.resource_type().to_owned(),
                })?;
            let mut dependencies = Vec::new();
            for reference in resource.references() {
                let target = reference.address.clone();
                let key = match reference.steps.first() {
                    Some(ReferenceStep::Index(key)) => parse_key(key),
                    _ => None,
                };
                dependencies.push(target.with_key(key));
            }
            for dependency in resource.depends_on() {
                dependencies.push(dependency.address.clone());
            }
            dependencies.sort();
            dependencies.dedup();
            dependencies.retain(|d| d.resource() != address);
            Ok(Block {
                address,
                schema,
                lifecycle: resource.lifecycle(),
                dependencies,
                location: Some(resource.location()),
                provider: resource.provider(),
            })
        })
        .collect()
}

/// A literal index of a reference as the configuration writes it: `0` or `"pool-a"`.
fn parse_key(key: &str) -> Option<InstanceKey> {
    if key.starts_with('"') {
        serde_json::from_str::<String>(key)
            .ok()
            .map(InstanceKey::String)
    } else {
        key.parse::<u64>().ok().map(InstanceKey::Int)
    }
}

fn convert_instance(
    index: &HashMap<&ResourceAddress, usize>,
    instance: ResourceInstance,
) -> Result<(usize, Instance), PlanError> {
    let address = instance.address;
    let block = index
        .get(&address.resource())
        .copied()
        .ok_or_else(|| PlanError::UnknownType {
            address: address.clone(),
            type_name: address.type_name().to_owned(),
        })?;
    Ok((
        block,
        Instance {
            address,
            attributes: instance.attributes,
        },
    ))
}

#[cfg(test)]
mod tests {

    use serde_json::{Value as Json, json};

    use super::*;
    use crate::plan::Action;
    use crate::testing::{World, address, config};

    /// A state with these add-ons, each observed as the state has it.
    fn world(objects: &[(&str, &str, Json)]) -> World {
        let mut world = World::new();
        for (addr, id, attributes) in objects {
            world.in_state(addr, Some(id), attributes.clone(), &[]);
        }
        world
    }

    /// The rounds as they were before objects were read lazily: every object converted up
    /// front, every planned object kept, rounds until the planned objects are all the same.
    fn plan_eagerly(
        config: &Configuration,
        prior: &State,
        observed: &Observations,
        options: &PlanOptions,
    ) -> Plan {
        struct Eager(HashMap<ResourceAddress, ObjectMap>);
        impl ResourceValues for Eager {
            fn attributes(&self, instance: &ResourceAddress) -> Option<ObjectMap> {
                self.0.get(instance).cloned()
            }
        }
        let blocks = blocks(config).unwrap();
        let index: HashMap<&ResourceAddress, usize> = config
            .all_resources()
            .iter()
            .enumerate()
            .map(|(i, r)| (r.address(), i))
            .collect();
        let mut addresses: Vec<&ResourceAddress> = prior.resources().keys().collect();
        addresses.extend(observed.lookups().map(|(a, _)| a));
        addresses.extend(observed.data_reads().map(|(a, _)| a));
        let mut known = Eager(
            addresses
                .into_iter()
                .filter_map(|a| Some((a.clone(), initial_value(prior, observed, a)?)))
                .collect(),
        );
        let rounds = blocks.len() + 2;
        let mut round = 0;
        loop {
            let instances = plinth_config::expand(config, &known)
                .unwrap()
                .into_iter()
                .map(|instance| convert_instance(&index, instance))
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let (plan, left_out) = plan_instances(
                &blocks,
                instances,
                prior,
                &Moves::default(),
                observed,
                options,
                &Statements::new(config),
            )
            .unwrap();
            let next: HashMap<ResourceAddress, ObjectMap> = plan
                .clone()
                .into_afters()
                .chain(left_out)
                .map(|(a, v)| (a, into_map(v.value())))
                .collect();
            round += 1;
            if next == known.0 || round >= rounds {
                return plan;
            }
            known = Eager(next);
        }
    }

    fn same_as_eager(
        config: &Configuration,
        state: &State,
        observed: &Observations,
        options: &PlanOptions,
    ) -> Plan {
        let lazy = plan(config, state, observed, options).unwrap();
        let eager = plan_eagerly(config, state, observed, options);
        assert_eq!(fingerprint(&lazy), fingerprint(&eager));
        lazy
    }

    /// Everything a plan says, in a stable order.
    fn fingerprint(plan: &Plan) -> String {
        let graph = plan.graph();
        let mut edges: Vec<String> = graph
            .graph()
            .edge_indices()
            .filter_map(|e| graph.graph().edge_endpoints(e))
            .map(|(a, b)| format!("{:?} -> {:?}", graph.step(a), graph.step(b)))
            .collect();
        edges.sort();
        format!(
            "{:#?}",
            (
                plan.changes(),
                plan.drift(),
                plan.wanted_reads(),
                plan.mode(),
                edges
            )
        )
    }

    const CHAIN: &str = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c2"
  template_name = "coredns"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c1"
  template_name = "b"
  values        = { custom = { up = huaweicloud_cce_addon.a.id } }
}
resource "huaweicloud_cce_addon" "c" {
  cluster_id    = "c1"
  template_name = "c"
  values        = { custom = { up = huaweicloud_cce_addon.b.id } }
}
resource "huaweicloud_cce_addon" "d" {
  cluster_id    = "c1"
  template_name = "d"
  values        = { custom = { up = huaweicloud_cce_addon.c.id } }
}
output "end" {
  value = huaweicloud_cce_addon.d.id
}
"#;

    fn chain_world() -> World {
        let link = |name: &str, up: &str| {
            json!({"cluster_id": "c1", "template_name": name, "id": format!("uid-{name}"),
                   "values": {"custom": {"up": up}}})
        };
        world(&[
            (
                "huaweicloud_cce_addon.a",
                "uid-a",
                json!({"cluster_id": "c1", "template_name": "coredns", "id": "uid-a"}),
            ),
            ("huaweicloud_cce_addon.b", "uid-b", link("b", "uid-a")),
            ("huaweicloud_cce_addon.c", "uid-c", link("c", "uid-b")),
            ("huaweicloud_cce_addon.d", "uid-d", link("d", "uid-c")),
            (
                "huaweicloud_cce_addon.gone",
                "uid-gone",
                json!({"cluster_id": "c9", "template_name": "gone"}),
            ),
        ])
    }

    #[test]
    fn a_replacement_reaches_what_reads_its_id_and_an_update_stops_there() {
        // `a` is replaced: its id is unknown, so `b`, which reads it, is updated; an update keeps
        // `b`'s id (a stable attribute of the registry), so `c` and `d` are left alone.
        let World { state, observed } = chain_world();
        let plan = same_as_eager(&config(CHAIN), &state, &observed, &PlanOptions::default());
        let action = |name: &str| {
            plan.change(&address(&format!("huaweicloud_cce_addon.{name}")))
                .unwrap()
                .action
        };
        assert!(matches!(action("a"), Action::Replace { .. }));
        assert_eq!(
            [action("b"), action("c"), action("d")],
            [Action::Update, Action::NoOp, Action::NoOp]
        );
        assert_eq!(action("gone"), Action::Delete);
    }

    #[test]
    fn options_that_leave_objects_out_plan_as_before() {
        let World { state, observed } = chain_world();
        let config = config(CHAIN);
        for options in [
            PlanOptions {
                targets: vec![address("huaweicloud_cce_addon.c")],
                ..PlanOptions::default()
            },
            PlanOptions {
                excludes: vec![address("huaweicloud_cce_addon.b")],
                ..PlanOptions::default()
            },
            PlanOptions {
                refresh_only: true,
                ..PlanOptions::default()
            },
            PlanOptions {
                replace: vec![address("huaweicloud_cce_addon.c")],
                ..PlanOptions::default()
            },
        ] {
            same_as_eager(&config, &state, &observed, &options);
        }
        // Nothing refreshed: the state's objects stand in.
        same_as_eager(
            &config,
            &state,
            &Observations::new(),
            &PlanOptions::default(),
        );
    }

    #[test]
    fn instances_and_data_sources_plan_as_before() {
        let hcl = r#"
locals {
  groups = { x = "c1", y = "c2" }
}
data "huaweicloud_cce_addon" "dns" {
  cluster_id = "c1"
  id         = "uid-dns"
}
resource "huaweicloud_cce_addon" "base" {
  for_each      = local.groups
  cluster_id    = each.value
  template_name = "everest"
  version       = data.huaweicloud_cce_addon.dns.version
}
resource "huaweicloud_cce_addon" "top" {
  for_each      = local.groups
  cluster_id    = each.value
  template_name = "top"
  values        = { custom = { base = huaweicloud_cce_addon.base[each.key].id } }
}
locals {
  all = [for b in huaweicloud_cce_addon.base : b.id]
}
output "all" {
  value = local.all
}
"#;
        let World {
            state,
            mut observed,
        } = world(&[
            (
                "huaweicloud_cce_addon.base[\"x\"]",
                "uid-bx",
                json!({"cluster_id": "c1", "template_name": "everest", "version": "1"}),
            ),
            (
                "huaweicloud_cce_addon.top[\"x\"]",
                "uid-tx",
                json!({"cluster_id": "c1", "template_name": "top",
                       "values": {"custom": {"base": "uid-bx"}}}),
            ),
        ]);
        let config = config(hcl);
        // Before the data source is read, and after (the version changes: `base["x"]` is
        // updated, its id unknown to `top["x"]`).
        same_as_eager(&config, &state, &observed, &PlanOptions::default());
        observed.insert_data(
            address("data.huaweicloud_cce_addon.dns"),
            json!({"cluster_id": "c1", "id": "uid-dns", "template_name": "coredns", "version": "2"}),
        );
        observed.insert_lookup(
            address("huaweicloud_cce_addon.base[\"y\"]"),
            Lookup::Found(RemoteObject::new(
                Some("uid-by".to_owned()),
                json!({"cluster_id": "c2", "template_name": "everest", "version": "2"}).into(),
            )),
        );
        let plan = same_as_eager(&config, &state, &observed, &PlanOptions::default());
        assert_eq!(
            plan.change(&address("huaweicloud_cce_addon.base[\"y\"]"))
                .unwrap()
                .action,
            Action::Import { then_update: false }
        );
    }

    #[test]
    fn the_plan_shares_the_refreshed_objects() {
        let World { state, observed } = chain_world();
        let plan = plan(&config(CHAIN), &state, &observed, &PlanOptions::default()).unwrap();
        for change in plan.changes() {
            let Some(Observed::Present(object)) = observed.resource(&change.address) else {
                panic!("{} was observed", change.address);
            };
            let before = change.before.as_ref().unwrap();
            assert!(
                before.is_shared_with(&object.attributes),
                "{}",
                change.address
            );
        }
    }

    #[test]
    fn only_objects_that_expressions_read_are_converted() {
        // `b` refers to `a`; nothing refers to `b`, `c` or the object no longer configured.
        let hcl = r#"
resource "huaweicloud_cce_addon" "a" {
  cluster_id    = "c1"
  template_name = "a"
}
resource "huaweicloud_cce_addon" "b" {
  cluster_id    = "c1"
  template_name = "b"
  values        = { custom = { up = huaweicloud_cce_addon.a.id } }
}
resource "huaweicloud_cce_addon" "c" {
  cluster_id    = "c1"
  template_name = "c"
}
"#;
        let World { state, observed } = world(&[
            (
                "huaweicloud_cce_addon.a",
                "uid-a",
                json!({"cluster_id": "c1", "template_name": "a"}),
            ),
            (
                "huaweicloud_cce_addon.b",
                "uid-b",
                json!({"cluster_id": "c1", "template_name": "b",
                       "values": {"custom": {"up": "uid-a"}}}),
            ),
            (
                "huaweicloud_cce_addon.c",
                "uid-c",
                json!({"cluster_id": "c1", "template_name": "c"}),
            ),
            (
                "huaweicloud_cce_addon.old",
                "uid-old",
                json!({"cluster_id": "c1", "template_name": "old"}),
            ),
        ]);
        let config = config(hcl);
        let known = Known::new(&state, &observed, None);
        plinth_config::expand(&config, &known).unwrap();
        let Known::Initial { read, .. } = known else {
            unreachable!("the first round")
        };
        let reads = read.into_inner();
        let read: Vec<&ResourceAddress> = reads.keys().collect();
        assert_eq!(read, [&address("huaweicloud_cce_addon.a")]);
        // Read as the refresh saw it, with the cloud id filled in.
        let a = into_map(reads.values().next().unwrap().as_ref().unwrap().value());
        assert_eq!(a[&"id".to_owned()], Value::string("uid-a"));
        // Everything is as planned on the first round: one round is enough.
        let plan = same_as_eager(&config, &state, &observed, &PlanOptions::default());
        let summary = plan.summary();
        assert_eq!((summary.add, summary.change, summary.destroy), (0, 0, 1));
        assert_eq!(referred_blocks(&config).len(), 1);
    }
}

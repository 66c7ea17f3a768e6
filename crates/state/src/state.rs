//! The state in memory: what plinth manages, what the cloud last said about it, and the operations
//! on it (`state list/show/rm/mv`, outputs, fingerprints of sensitive values).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::error::StateError;
use plinth_core::attributes::{Attributes, canonical_text};
use plinth_core::{Mode, ModulePath, ModuleStep, ResourceAddress};

/// What plinth manages, as last saved: resources by address, and outputs.
///
/// `lineage` is fixed when a state is first created and `serial` counts its saved versions; the
/// storage bumps `serial` when it writes a changed state. A state also holds a random
/// fingerprint key, fixed at creation, with which sensitive values are fingerprinted
/// ([`State::fingerprint`]).
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub(crate) lineage: Uuid,
    pub(crate) serial: u64,
    pub(crate) fingerprint_key: [u8; 32],
    pub(crate) resources: BTreeMap<ResourceAddress, ResourceState>,
    pub(crate) outputs: BTreeMap<String, OutputState>,
    /// Whether a change sealed a value that the record it replaced held as it is: the backup
    /// of the next save (the previous version) is sealed there too.
    pub(crate) resealed: Resealed,
}

/// Whether a change of this state sealed a value its record held in plain text. Not part of
/// what a state is: two states equal but for it are equal.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Resealed(pub(crate) bool);

impl PartialEq for Resealed {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// One resource instance as plinth last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceState {
    /// The id the cloud gave it (an add-on's uid); `None` for objects without one (pool plug-ins)
    /// and for a create that has not returned yet.
    pub id: Option<String>,
    /// The fields that identify the object in the cloud without its id, e.g.
    /// `{cluster_id, template_name}` or `{pool_name, template_name}`: enough to find it again after
    /// a crash between sending a create and recording its id.
    pub natural_key: plinth_core::NaturalKey,
    /// The attributes last seen, a JSON object kept compact. Sensitive values in it are
    /// fingerprints (see [`State::seal_sensitive`]).
    pub attributes: Attributes,
    /// JSON pointers (RFC 6901) into `attributes` of the values that are fingerprints of sensitive
    /// values rather than values.
    pub sensitive: BTreeSet<String>,
    /// JSON pointers (RFC 6901) into `attributes` of the template parameters (an add-on's
    /// `values`, a plug-in's `inputs`) the configuration set at the last apply that sent them:
    /// the leaves written. A pointer that leaves the configuration plans its return to the
    /// template's default; a value never configured (set in the console) is left alone.
    pub configured: BTreeSet<String>,
    /// The resources this one directly depends on (not the transitive closure).
    pub dependencies: Vec<ResourceAddress>,
    /// Whether the object is sound or must be replaced.
    pub status: Status,
    /// An operation sent to the cloud whose outcome was not recorded: a crash happened in between.
    pub pending: Option<PendingOperation>,
    /// The alias of the provider configuration that manages it (`huaweicloud.hk` is `hk`);
    /// `None` for the default one. A delete of a resource no longer configured goes there.
    pub provider: Option<String>,
}

/// Whether a resource is sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Status {
    /// Created or updated successfully.
    #[default]
    Ready,
    /// Known to be broken (e.g. a create that failed half-way): the next apply replaces it.
    Tainted,
}

/// An operation that was started on a resource and whose result is not recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PendingOperation {
    /// What was started.
    pub action: PendingAction,
    /// The serial of the state the run that started it had loaded: tells which run it was.
    pub serial: u64,
}

/// The kind of a pending operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PendingAction {
    /// A create was sent.
    Create,
    /// An update was sent.
    Update,
    /// A delete was sent.
    Delete,
}

/// An output value of the configuration, as of the last apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputState {
    /// A value that may be shown.
    Plain(serde_json::Value),
    /// A sensitive value: only its fingerprint is kept.
    Sensitive(Fingerprint),
}

/// A keyed fingerprint of a value: `hmac-sha256:<64 hex digits>`.
///
/// It detects that a sensitive value changed without revealing it (see [`State::fingerprint`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fingerprint(String);

/// A string that is not a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fingerprint `{0}`: expected `hmac-sha256:` and 64 lowercase hex digits")]
pub struct FingerprintError(String);

/// One change to a state, as recorded in the journal after each cloud operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Record a resource (new or changed). Record a pending operation by upserting the resource
    /// with `pending` set, before sending the operation; clear it with the result.
    Upsert {
        /// Its address.
        address: ResourceAddress,
        /// What is known about it.
        resource: ResourceState,
    },
    /// Forget a resource (it was deleted). Forgetting an absent resource does nothing.
    Remove {
        /// Its address.
        address: ResourceAddress,
    },
    /// Record an output value.
    SetOutput {
        /// The output's name.
        name: String,
        /// Its value.
        output: OutputState,
    },
    /// Forget an output.
    RemoveOutput {
        /// The output's name.
        name: String,
    },
}

/// Which resources `state list` shows. An empty filter shows all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Keep resources these addresses contain (see [`ResourceAddress::contains`]); all if empty.
    pub addresses: Vec<ResourceAddress>,
    /// Keep only the resource with this cloud id.
    pub id: Option<String>,
}

/// A resource moved by [`State::move_resource`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Where it was.
    pub from: ResourceAddress,
    /// Where it is now.
    pub to: ResourceAddress,
}

impl Change {
    /// Which entry a change touches: a resource (by address) or an output (by name).
    pub(crate) fn key(&self) -> (bool, String) {
        match self {
            Change::Upsert { address, .. } | Change::Remove { address } => {
                (true, address.to_string())
            }
            Change::SetOutput { name, .. } | Change::RemoveOutput { name } => (false, name.clone()),
        }
    }
}

type HmacSha256 = Hmac<Sha256>;

const FINGERPRINT_PREFIX: &str = "hmac-sha256:";

impl State {
    /// A new, empty state with a fresh lineage and a fresh fingerprint key; serial 0 (not saved).
    pub fn new() -> Self {
        Self {
            lineage: Uuid::new_v4(),
            serial: 0,
            fingerprint_key: rand::random(),
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            resealed: Resealed::default(),
        }
    }

    /// A new, empty state (serial 0, not saved) that keeps `lineage`: the state a saved plan
    /// made where no state existed yet is applied to, so that the state its apply creates is
    /// the one the plan was made for.
    pub fn with_lineage(lineage: Uuid) -> Self {
        Self {
            lineage,
            ..Self::new()
        }
    }

    /// The UUID fixed when the state was created.
    pub fn lineage(&self) -> Uuid {
        self.lineage
    }

    /// The number of the saved version this state is (0 before its first save).
    pub fn serial(&self) -> u64 {
        self.serial
    }

    /// Sets the serial: for storage implementations, which number the versions they save.
    pub fn set_serial(&mut self, serial: u64) {
        self.serial = serial;
    }

    /// All resources, sorted by address.
    pub fn resources(&self) -> &BTreeMap<ResourceAddress, ResourceState> {
        &self.resources
    }

    /// One resource instance, if it is in the state.
    pub fn resource(&self, address: &ResourceAddress) -> Option<&ResourceState> {
        self.resources.get(address)
    }

    /// All outputs, sorted by name.
    pub fn outputs(&self) -> &BTreeMap<String, OutputState> {
        &self.outputs
    }

    /// One output, or an error naming it.
    pub fn output(&self, name: &str) -> Result<&OutputState, StateError> {
        self.outputs
            .get(name)
            .ok_or_else(|| StateError::UnknownOutput {
                name: name.to_owned(),
            })
    }

    /// Applies one change in memory. Returns whether the state differs afterwards.
    pub fn apply(&mut self, change: Change) -> bool {
        if !self.changes(&change) {
            return false;
        }
        match change {
            Change::Upsert { address, resource } => {
                let newly_sealed = self.resources.get(&address).is_some_and(|previous| {
                    !resource.sensitive.is_subset(&previous.sensitive)
                        || resource.natural_key.iter().any(|(name, value)| {
                            previous
                                .natural_key
                                .get(name)
                                .is_some_and(|old| old != value)
                                && value.parse::<Fingerprint>().is_ok()
                        })
                });
                self.resealed.0 |= newly_sealed;
                self.resources.insert(address, resource);
            }
            Change::Remove { address } => {
                self.resources.remove(&address);
            }
            Change::SetOutput { name, output } => {
                self.outputs.insert(name, output);
            }
            Change::RemoveOutput { name } => {
                self.outputs.remove(&name);
            }
        }
        true
    }

    /// Whether applying `change` would make a difference.
    pub(crate) fn changes(&self, change: &Change) -> bool {
        match change {
            Change::Upsert { address, resource } => self.resources.get(address) != Some(resource),
            Change::Remove { address } => self.resources.contains_key(address),
            Change::SetOutput { name, output } => self.outputs.get(name) != Some(output),
            Change::RemoveOutput { name } => self.outputs.contains_key(name),
        }
    }

    /// The state as the state file holds it (see docs/state-format.md): for `plinth show --json`.
    pub fn to_json(&self) -> String {
        crate::format::encode_state(self)
    }

    /// `state list`: the resources the filter keeps, sorted by address.
    pub fn list(&self, filter: &ListFilter) -> Vec<(&ResourceAddress, &ResourceState)> {
        self.resources
            .iter()
            .filter(|(address, _)| {
                filter.addresses.is_empty()
                    || filter
                        .addresses
                        .iter()
                        .any(|wanted| wanted.contains(address))
            })
            .filter(|(_, resource)| {
                filter
                    .id
                    .as_deref()
                    .is_none_or(|id| resource.id.as_deref() == Some(id))
            })
            .collect()
    }

    /// `state show`: one resource instance, or an error naming the address.
    pub fn show(&self, address: &ResourceAddress) -> Result<&ResourceState, StateError> {
        self.resources
            .get(address)
            .ok_or_else(|| StateError::NotInState {
                addresses: vec![address.clone()],
            })
    }

    /// `state rm`: forgets the resources at these addresses (an address without key forgets all
    /// instances of the resource) and returns what it removed, sorted by address. References to
    /// them in other resources' dependencies are dropped too, since plinth no longer orders
    /// operations against resources it does not manage.
    ///
    /// Nothing is removed if any address matches nothing; the error names every such address.
    pub fn remove(
        &mut self,
        addresses: &[ResourceAddress],
    ) -> Result<Vec<(ResourceAddress, ResourceState)>, StateError> {
        let unknown: Vec<ResourceAddress> = addresses
            .iter()
            .filter(|wanted| {
                !self
                    .resources
                    .keys()
                    .any(|address| wanted.contains(address))
            })
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(StateError::NotInState { addresses: unknown });
        }
        let doomed: Vec<ResourceAddress> = self
            .resources
            .keys()
            .filter(|address| addresses.iter().any(|wanted| wanted.contains(address)))
            .cloned()
            .collect();
        let removed: Vec<(ResourceAddress, ResourceState)> = doomed
            .into_iter()
            .filter_map(|address| self.resources.remove_entry(&address))
            .collect();
        let remaining: Vec<ResourceAddress> = self.resources.keys().cloned().collect();
        for resource in self.resources.values_mut() {
            resource.dependencies.retain(|dependency| {
                let affected = removed.iter().any(|(gone, _)| dependency.contains(gone));
                !affected || remaining.iter().any(|address| dependency.contains(address))
            });
        }
        Ok(removed)
    }

    /// `taint` (with [`Status::Tainted`]) and `untaint` (with [`Status::Ready`]): marks one
    /// managed resource instance, so that the next plan replaces it (or no longer does).
    /// Refuses an address that is not in the state, a data source, and untainting an instance
    /// that is not tainted. Tainting a tainted instance changes nothing.
    pub fn set_status(
        &mut self,
        address: &ResourceAddress,
        status: Status,
    ) -> Result<(), StateError> {
        if address.mode() == Mode::Data {
            return Err(StateError::DataSourceStatus {
                address: address.clone(),
            });
        }
        let resource = self
            .resources
            .get_mut(address)
            .ok_or_else(|| StateError::NotInState {
                addresses: vec![address.clone()],
            })?;
        if status == Status::Ready && resource.status != Status::Tainted {
            return Err(StateError::NotTainted {
                address: address.clone(),
            });
        }
        resource.status = status;
        Ok(())
    }

    /// `state mv`: gives resources a new address and returns what moved where.
    ///
    /// With `source` naming an instance (or a resource without instances), that one instance
    /// moves to `destination`. With `source` naming a resource whose instances have keys, all its
    /// instances move to `destination`, which must then have no key. Source and destination must
    /// be of the same mode and type; `destination` must not be in the state. Dependencies on a
    /// moved resource follow it.
    pub fn move_resource(
        &mut self,
        source: &ResourceAddress,
        destination: &ResourceAddress,
    ) -> Result<Vec<Moved>, StateError> {
        let invalid = |reason: &str| StateError::InvalidMove {
            source_address: Box::new(source.clone()),
            destination: Box::new(destination.clone()),
            reason: reason.to_owned(),
        };
        if source.mode() != destination.mode() || source.type_name() != destination.type_name() {
            return Err(invalid("the resource types differ"));
        }
        let moves: Vec<Moved> = if self.resources.contains_key(source) {
            vec![Moved {
                from: source.clone(),
                to: destination.clone(),
            }]
        } else if source.key().is_none() {
            if destination.key().is_some() {
                return Err(invalid(
                    "a whole resource moves to a resource address, without an instance key",
                ));
            }
            self.resources
                .keys()
                .filter(|address| source.contains(address))
                .map(|address| Moved {
                    from: address.clone(),
                    to: destination.clone().with_key(address.key().cloned()),
                })
                .collect()
        } else {
            Vec::new()
        };
        if moves.is_empty() {
            return Err(StateError::NotInState {
                addresses: vec![source.clone()],
            });
        }
        let moving_whole_resource = moves.len() > 1 || moves[0].from.key() != source.key();
        for Moved { from, to } in &moves {
            let taken = if moving_whole_resource {
                self.resources
                    .keys()
                    .any(|address| destination.contains(address))
            } else {
                self.resources.contains_key(to)
            };
            if taken && from != to {
                return Err(StateError::DestinationExists {
                    address: if moving_whole_resource {
                        destination.clone()
                    } else {
                        to.clone()
                    },
                });
            }
        }
        for Moved { from, to } in &moves {
            if let Some(resource) = self.resources.remove(from) {
                self.resources.insert(to.clone(), resource);
            }
        }
        for resource in self.resources.values_mut() {
            for dependency in &mut resource.dependencies {
                if let Some(moved) = moves.iter().find(|moved| &moved.from == dependency) {
                    *dependency = moved.to.clone();
                } else if moving_whole_resource && dependency == source {
                    *dependency = destination.clone();
                }
            }
        }
        Ok(moves)
    }

    /// Moves every record of module `source` (one instance, `module.a["x"]`, or every instance of
    /// a call, `module.a`) and of the modules below it to `destination`, a module path of the
    /// same shape: instance keys `source` leaves open are kept. Nothing under `destination` may
    /// be in the state. Dependencies on a moved resource follow it.
    pub fn move_module(
        &mut self,
        source: &ModulePath,
        destination: &ModulePath,
    ) -> Result<Vec<Moved>, StateError> {
        let shape = |path: &ModulePath| -> Vec<bool> {
            path.steps().iter().map(|step| step.key.is_some()).collect()
        };
        let shown = |path: &ModulePath| path.to_string().trim_end_matches('.').to_owned();
        if shape(source) != shape(destination) || source == destination {
            return Err(StateError::InvalidModuleMove {
                source_module: shown(source),
                destination: shown(destination),
                reason: "a module moves to another module at the same depth, an instance to an \
                         instance"
                    .to_owned(),
            });
        }
        let moves: Vec<Moved> = self
            .resources
            .keys()
            .filter(|address| source.contains(address.module()))
            .map(|address| {
                let path = address.module();
                let mut steps: Vec<ModuleStep> = destination
                    .steps()
                    .iter()
                    .zip(path.steps())
                    .map(|(to, actual)| ModuleStep {
                        name: to.name.clone(),
                        key: to.key.clone().or_else(|| actual.key.clone()),
                    })
                    .collect();
                steps.extend_from_slice(&path.steps()[destination.steps().len()..]);
                Moved {
                    from: address.clone(),
                    to: address.clone().with_module(ModulePath::new(steps)),
                }
            })
            .collect();
        if moves.is_empty() {
            return Err(StateError::ModuleNotInState {
                module: shown(source),
            });
        }
        if let Some(taken) = moves
            .iter()
            .find(|moved| self.resources.contains_key(&moved.to))
        {
            return Err(StateError::DestinationExists {
                address: taken.to.clone(),
            });
        }
        for Moved { from, to } in &moves {
            if let Some(resource) = self.resources.remove(from) {
                self.resources.insert(to.clone(), resource);
            }
        }
        for resource in self.resources.values_mut() {
            for dependency in &mut resource.dependencies {
                if let Some(moved) = moves
                    .iter()
                    .find(|moved| moved.from.resource() == dependency.resource())
                {
                    *dependency = dependency.clone().with_module(moved.to.module().clone());
                }
            }
        }
        Ok(moves)
    }

    /// The keyed fingerprint of a value: HMAC-SHA256, under this state's fingerprint key, of the
    /// value's canonical JSON (keys sorted, no spaces).
    ///
    /// Store it instead of a sensitive value: a later run computes the fingerprint of the new
    /// value and compares ([`State::fingerprint_matches`]) to detect a change. The key is stored
    /// in the state file, so it is no secret to whoever can read the state; what it prevents is
    /// a precomputed dictionary of fingerprints of likely values that works on every state, and
    /// seeing that two states hold the same value.
    pub fn fingerprint(&self, value: &serde_json::Value) -> Fingerprint {
        let mac = self.mac(value);
        Fingerprint(format!(
            "{FINGERPRINT_PREFIX}{}",
            hex::encode(mac.finalize().into_bytes())
        ))
    }

    /// Whether `value` is the value `fingerprint` was made from (compared in constant time).
    pub fn fingerprint_matches(
        &self,
        fingerprint: &Fingerprint,
        value: &serde_json::Value,
    ) -> bool {
        let Some(digest) = fingerprint
            .0
            .strip_prefix(FINGERPRINT_PREFIX)
            .and_then(|digest| hex::decode(digest).ok())
        else {
            return false;
        };
        self.mac(value).verify_slice(&digest).is_ok()
    }

    /// Replaces the value at `pointer` (RFC 6901, e.g. `/values/custom/token`) in the resource's
    /// attributes with its fingerprint, and records the pointer in `resource.sensitive`. Returns
    /// `false`, changing nothing, if there is no value at `pointer`; sealing an already sealed
    /// pointer does nothing.
    pub fn seal_sensitive(&self, resource: &mut ResourceState, pointer: &str) -> bool {
        if resource.sensitive.contains(pointer) {
            return resource.attributes.pointer(pointer).is_some();
        }
        let sealed = resource.attributes.update(|attributes| {
            let Some(slot) = attributes.pointer_mut(pointer) else {
                return false;
            };
            *slot = serde_json::Value::String(self.fingerprint(slot).0);
            true
        });
        if sealed {
            resource.sensitive.insert(pointer.to_owned());
        }
        sealed
    }

    /// Seals the parts of the resource's natural key whose attribute is sealed (`cluster_id`
    /// when `/cluster_id` is): every stored copy of a sealed value is its fingerprint, the
    /// fingerprint of the value as a JSON string. Parts already sealed are left as they are.
    pub fn seal_natural_key(&self, resource: &mut ResourceState) {
        for (name, value) in &mut resource.natural_key {
            let mut at = String::new();
            plinth_core::path::push_pointer_key(&mut at, name);
            let sealed = resource
                .sensitive
                .iter()
                .any(|pointer| plinth_core::path::pointer_covers(pointer, &at));
            if sealed && value.parse::<Fingerprint>().is_err() {
                *value = self
                    .fingerprint(&serde_json::Value::String(value.clone()))
                    .0;
            }
        }
    }

    /// Whether a recorded natural key is `key` (plain values): each part equal, or a sealed
    /// part the fingerprint of the plain one.
    pub fn natural_key_matches(
        &self,
        recorded: &plinth_core::NaturalKey,
        key: &plinth_core::NaturalKey,
    ) -> bool {
        recorded.len() == key.len()
            && recorded
                .iter()
                .zip(key)
                .all(|((name, stored), (other, plain))| {
                    name == other && (stored == plain || self.sealed_part_matches(stored, plain))
                })
    }

    /// Whether `stored`, a part of a recorded natural key, is the fingerprint of `plain`.
    pub fn sealed_part_matches(&self, stored: &str, plain: &str) -> bool {
        stored.parse::<Fingerprint>().is_ok_and(|fingerprint| {
            self.fingerprint_matches(&fingerprint, &serde_json::Value::String(plain.to_owned()))
        })
    }

    /// Whether `value` is the sensitive value sealed at `pointer` in the resource; `false` when
    /// nothing is sealed there.
    pub fn sensitive_matches(
        &self,
        resource: &ResourceState,
        pointer: &str,
        value: &serde_json::Value,
    ) -> bool {
        if !resource.sensitive.contains(pointer) {
            return false;
        }
        match resource.attributes.pointer(pointer) {
            Some(serde_json::Value::String(stored)) => {
                self.fingerprint_matches(&Fingerprint(stored), value)
            }
            _ => false,
        }
    }

    fn mac(&self, value: &serde_json::Value) -> HmacSha256 {
        // `new_from_slice` accepts keys of any length for HMAC; the key is 32 bytes.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.fingerprint_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(canonical_text(value).as_bytes());
        mac
    }
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl ResourceState {
    /// A resource with an id, natural key and attributes, ready, without dependencies.
    pub fn new(id: Option<String>, attributes: impl Into<Attributes>) -> Self {
        Self {
            id,
            natural_key: plinth_core::NaturalKey::new(),
            attributes: attributes.into(),
            sensitive: BTreeSet::new(),
            configured: BTreeSet::new(),
            dependencies: Vec::new(),
            status: Status::Ready,
            pending: None,
            provider: None,
        }
    }
}

impl Fingerprint {
    /// The fingerprint a JSON value holds, when it is a string that is one.
    pub fn held_by(value: &serde_json::Value) -> Option<Fingerprint> {
        value.as_str().and_then(|text| text.parse().ok())
    }

    /// The fingerprint as written: `hmac-sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Fingerprint {
    type Err = FingerprintError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let valid = text.strip_prefix(FINGERPRINT_PREFIX).is_some_and(|digest| {
            digest.len() == 64
                && digest
                    .bytes()
                    .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'))
        });
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err(FingerprintError(text.to_owned()))
        }
    }
}

impl fmt::Display for PendingAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PendingAction::Create => "create",
            PendingAction::Update => "update",
            PendingAction::Delete => "delete",
        })
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ready => "ready",
            Status::Tainted => "tainted",
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn address(text: &str) -> ResourceAddress {
        text.parse().unwrap()
    }

    fn sample() -> State {
        let mut state = State::new();
        for (text, id) in [
            ("huaweicloud_cce_addon.dns", "uid-1"),
            ("huaweicloud_cce_addon.gpu[0]", "uid-2"),
            ("huaweicloud_cce_addon.gpu[1]", "uid-3"),
            (r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#, ""),
        ] {
            let mut resource = ResourceState::new(
                (!id.is_empty()).then(|| id.to_owned()),
                json!({"version": "1.0"}),
            );
            if text.contains("pool_plugin") {
                resource.dependencies = vec![address("huaweicloud_cce_addon.gpu")];
            }
            state.apply(Change::Upsert {
                address: address(text),
                resource,
            });
        }
        state
    }

    fn addresses<'a>(items: impl IntoIterator<Item = &'a ResourceAddress>) -> Vec<String> {
        items.into_iter().map(ToString::to_string).collect()
    }

    #[test]
    fn list_filters_by_address_prefix_and_id() {
        let state = sample();
        let all = state.list(&ListFilter::default());
        assert_eq!(all.len(), 4);
        let gpu = state.list(&ListFilter {
            addresses: vec![address("huaweicloud_cce_addon.gpu")],
            id: None,
        });
        assert_eq!(
            addresses(gpu.iter().map(|(a, _)| *a)),
            [
                "huaweicloud_cce_addon.gpu[0]",
                "huaweicloud_cce_addon.gpu[1]"
            ]
        );
        let by_id = state.list(&ListFilter {
            addresses: vec![],
            id: Some("uid-3".into()),
        });
        assert_eq!(
            addresses(by_id.iter().map(|(a, _)| *a)),
            ["huaweicloud_cce_addon.gpu[1]"]
        );
    }

    #[test]
    fn show_names_an_unknown_address() {
        let state = sample();
        assert!(state.show(&address("huaweicloud_cce_addon.dns")).is_ok());
        let error = state
            .show(&address("huaweicloud_cce_addon.gpu"))
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "no resource `huaweicloud_cce_addon.gpu` in the state"
        );
    }

    #[test]
    fn remove_returns_what_it_removed_and_drops_dependencies_on_it() {
        let mut state = sample();
        let removed = state
            .remove(&[address("huaweicloud_cce_addon.gpu")])
            .unwrap();
        assert_eq!(
            addresses(removed.iter().map(|(a, _)| a)),
            [
                "huaweicloud_cce_addon.gpu[0]",
                "huaweicloud_cce_addon.gpu[1]"
            ]
        );
        assert_eq!(state.resources().len(), 2);
        let plugin = state
            .resource(&address(
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            ))
            .unwrap();
        assert!(plugin.dependencies.is_empty());
    }

    #[test]
    fn remove_of_unknown_addresses_changes_nothing_and_names_them() {
        let mut state = sample();
        let before = state.clone();
        let error = state
            .remove(&[
                address("huaweicloud_cce_addon.dns"),
                address("a.missing"),
                address("huaweicloud_cce_addon.gpu[7]"),
            ])
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "no resources `a.missing`, `huaweicloud_cce_addon.gpu[7]` in the state"
        );
        assert_eq!(state, before);
    }

    #[test]
    fn set_status_taints_and_untaints_one_instance() {
        let mut state = sample();
        let gpu = address("huaweicloud_cce_addon.gpu[1]");
        state.set_status(&gpu, Status::Tainted).unwrap();
        assert_eq!(state.resource(&gpu).unwrap().status, Status::Tainted);
        // Tainting again changes nothing and is no error, as in Terraform.
        state.set_status(&gpu, Status::Tainted).unwrap();
        state.set_status(&gpu, Status::Ready).unwrap();
        assert_eq!(state.resource(&gpu).unwrap().status, Status::Ready);
    }

    #[test]
    fn set_status_refuses_unknown_addresses_data_sources_and_untainted_instances() {
        let mut state = sample();
        let before = state.clone();
        let messages: Vec<String> = [
            ("huaweicloud_cce_addon.gpu", Status::Tainted),
            ("data.huaweicloud_cce_addon.dns", Status::Tainted),
            ("huaweicloud_cce_addon.dns", Status::Ready),
        ]
        .into_iter()
        .map(|(text, status)| {
            state
                .set_status(&address(text), status)
                .unwrap_err()
                .to_string()
        })
        .collect();
        assert_eq!(
            messages,
            [
                "no resource `huaweicloud_cce_addon.gpu` in the state",
                "`data.huaweicloud_cce_addon.dns` is a data source: it cannot be tainted or untainted\n\nhint: plinth reads data sources again on every plan",
                "`huaweicloud_cce_addon.dns` is not tainted, so it cannot be untainted",
            ]
        );
        assert_eq!(state, before);
    }

    #[test]
    fn move_whole_resource_moves_all_instances_and_dependencies_follow() {
        let mut state = sample();
        let moved = state
            .move_resource(
                &address("huaweicloud_cce_addon.gpu"),
                &address("huaweicloud_cce_addon.npu"),
            )
            .unwrap();
        assert_eq!(moved.len(), 2);
        assert_eq!(
            addresses(state.resources().keys()),
            [
                "huaweicloud_cce_addon.dns",
                "huaweicloud_cce_addon.npu[0]",
                "huaweicloud_cce_addon.npu[1]",
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            ]
        );
        let plugin = state
            .resource(&address(
                r#"huaweicloud_modelarts_pool_plugin.gpu["pool-a"]"#,
            ))
            .unwrap();
        assert_eq!(
            addresses(&plugin.dependencies),
            ["huaweicloud_cce_addon.npu"]
        );
    }

    #[test]
    fn move_instance_to_new_key() {
        let mut state = sample();
        state
            .move_resource(
                &address("huaweicloud_cce_addon.dns"),
                &address(r#"huaweicloud_cce_addon.dns["main"]"#),
            )
            .unwrap();
        assert!(
            state
                .resource(&address(r#"huaweicloud_cce_addon.dns["main"]"#))
                .is_some()
        );
        assert!(
            state
                .resource(&address("huaweicloud_cce_addon.dns"))
                .is_none()
        );
    }

    #[test]
    fn move_refuses_missing_source_taken_destination_and_other_type() {
        let mut state = sample();
        let before = state.clone();
        let errors = [
            state
                .move_resource(&address("a.b"), &address("a.c"))
                .unwrap_err(),
            state
                .move_resource(
                    &address("huaweicloud_cce_addon.gpu[0]"),
                    &address("huaweicloud_cce_addon.gpu[1]"),
                )
                .unwrap_err(),
            state
                .move_resource(
                    &address("huaweicloud_cce_addon.gpu"),
                    &address("huaweicloud_cce_addon.dns"),
                )
                .unwrap_err(),
            state
                .move_resource(
                    &address("huaweicloud_cce_addon.dns"),
                    &address("other_type.dns"),
                )
                .unwrap_err(),
            state
                .move_resource(
                    &address("huaweicloud_cce_addon.gpu"),
                    &address("huaweicloud_cce_addon.x[0]"),
                )
                .unwrap_err(),
        ];
        let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "no resource `a.b` in the state",
                "cannot move to `huaweicloud_cce_addon.gpu[1]`: it is already in the state",
                "cannot move to `huaweicloud_cce_addon.dns`: it is already in the state",
                "cannot move `huaweicloud_cce_addon.dns` to `other_type.dns`: the resource types differ",
                "cannot move `huaweicloud_cce_addon.gpu` to `huaweicloud_cce_addon.x[0]`: a whole resource moves to a resource address, without an instance key",
            ]
        );
        assert_eq!(state, before);
    }

    #[test]
    fn fingerprint_detects_change_and_depends_on_the_state_key() {
        let state = State::new();
        let secret = json!({"token": "s3cr3t", "n": 1});
        let reordered = json!({"n": 1, "token": "s3cr3t"});
        let fingerprint = state.fingerprint(&secret);
        assert!(fingerprint.as_str().starts_with("hmac-sha256:"));
        assert_eq!(fingerprint.as_str().len(), "hmac-sha256:".len() + 64);
        assert!(state.fingerprint_matches(&fingerprint, &reordered));
        assert!(!state.fingerprint_matches(&fingerprint, &json!({"token": "s3cr3u", "n": 1})));
        assert_ne!(State::new().fingerprint(&secret), fingerprint);
        assert_eq!(
            fingerprint.as_str().parse::<Fingerprint>().unwrap(),
            fingerprint
        );
        assert!("sha256:00".parse::<Fingerprint>().is_err());
    }

    #[test]
    fn a_sealed_attribute_of_the_natural_key_is_sealed_in_the_key_and_still_matches() {
        let state = State::new();
        let mut resource = ResourceState::new(
            Some("uid".to_owned()),
            json!({"cluster_id": "c-secret", "template_name": "coredns"}),
        );
        let plain = plinth_core::NaturalKey::from_iter([
            ("cluster_id".to_owned(), "c-secret".to_owned()),
            ("template_name".to_owned(), "coredns".to_owned()),
        ]);
        resource.natural_key.clone_from(&plain);
        state.seal_natural_key(&mut resource);
        assert_eq!(
            resource.natural_key, plain,
            "nothing sealed: nothing changes"
        );
        assert!(state.seal_sensitive(&mut resource, "/cluster_id"));
        state.seal_natural_key(&mut resource);
        let sealed = resource.natural_key.get("cluster_id").unwrap().clone();
        assert!(sealed.starts_with("hmac-sha256:"), "{sealed}");
        assert_eq!(
            resource.natural_key.get("template_name").unwrap(),
            "coredns"
        );
        // Sealing again leaves the fingerprint as it is.
        state.seal_natural_key(&mut resource);
        assert_eq!(resource.natural_key.get("cluster_id").unwrap(), &sealed);
        assert!(state.natural_key_matches(&resource.natural_key, &plain));
        let mut other = plain.clone();
        other.insert("cluster_id".to_owned(), "c-other".to_owned());
        assert!(!state.natural_key_matches(&resource.natural_key, &other));
        assert!(!State::new().natural_key_matches(&resource.natural_key, &plain));
        assert!(state.natural_key_matches(&plain, &plain));
    }

    #[test]
    fn seal_sensitive_replaces_the_value_by_its_fingerprint() {
        let state = State::new();
        let mut resource = ResourceState::new(
            Some("uid".into()),
            json!({"values": {"custom": {"token": "s3cr3t", "replicas": 2}}}),
        );
        assert!(state.seal_sensitive(&mut resource, "/values/custom/token"));
        assert!(!state.seal_sensitive(&mut resource, "/values/missing"));
        let text = resource.attributes.to_string();
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(state.sensitive_matches(&resource, "/values/custom/token", &json!("s3cr3t")));
        assert!(!state.sensitive_matches(&resource, "/values/custom/token", &json!("other")));
        assert!(!state.sensitive_matches(&resource, "/values/custom/replicas", &json!(2)));
    }
}

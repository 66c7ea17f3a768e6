//! The JSON layout of the state file and of the journal lines: private, versioned serde types,
//! converted to and from the core types here and nowhere else. docs/state-format.md documents it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::io;
use std::marker::PhantomData;

use serde::de::{Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::state::{
    Change, Fingerprint, OutputState, PendingAction, PendingOperation, Resealed, ResourceState,
    State, Status,
};
use plinth_core::attributes::{Attributes, SortedJson};
use plinth_core::{InstanceKey, Mode, ModulePath, ResourceAddress};

/// The `format` field of a state file.
pub(crate) const STATE_FORMAT: &str = "plinth-state";
/// The newest state file version this plinth reads and the one it writes. Version 2 added the
/// `module` of a resource entry (absent in the root module) and its `provider` configuration
/// (absent for the default one); a version 1 file, which has none,
/// reads as it is and is written as version 2 by the next save.
pub(crate) const STATE_VERSION: u64 = 2;

/// The oldest state file version this plinth reads.
const OLDEST_STATE_VERSION: u64 = 1;
/// The `format` field of a journal's first line.
const JOURNAL_FORMAT: &str = "plinth-journal";
const JOURNAL_VERSION: u64 = 2;

/// The oldest journal version this plinth reads (version 2 added the entries' `module`).
const OLDEST_JOURNAL_VERSION: u64 = 1;

/// Why a state file could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Not a state file this plinth understands; the reason is for a person.
    Corrupt(String),
    /// A state file from a newer plinth.
    NewerVersion(u64),
    /// The file could not be read.
    Io(io::Error),
}

/// The first line of a journal: which state, at which serial, the entries apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct JournalHeader {
    pub(crate) lineage: Uuid,
    pub(crate) serial: u64,
}

// The fields of the serialized types are declared in the order of their JSON names, and JSON
// values are written through `sorted_json`: the file's keys come out sorted at every depth
// straight from the state, without building (and sorting a copy of) a JSON tree of it first.
// `resources` and `attributes` borrow from the state when writing.

/// A state file as read: `resources` is [`Decoded`] to load it, [`Checked`] to only check it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile<R> {
    fingerprint_key: String,
    #[expect(
        dead_code,
        reason = "checked by `probe`, declared for `deny_unknown_fields`"
    )]
    format: String,
    lineage: Uuid,
    outputs: BTreeMap<String, OutputEntry>,
    resources: R,
    serial: u64,
    #[expect(
        dead_code,
        reason = "checked by `probe`, declared for `deny_unknown_fields`"
    )]
    version: u64,
}

/// The resources of a state file, decoded one entry at a time (never a tree of the file), then
/// made the state's map at once: a map built from its entries fills its nodes, where inserting
/// them one by one leaves them about half full (3 MB of 10000 records).
#[derive(Default)]
struct Decoded {
    entries: Vec<(ResourceAddress, ResourceState)>,
    seen: HashSet<ResourceAddress>,
}

impl Decoded {
    fn into_map(self) -> BTreeMap<ResourceAddress, ResourceState> {
        self.entries.into_iter().collect()
    }
}

/// The resources of a state file, checked one entry at a time and not kept.
#[derive(Default)]
struct Checked(HashSet<ResourceAddress>);

/// Where the visitor of a file's resources puts each one.
trait Collect: Default {
    /// Adds a resource; `false` if its address was there already.
    fn add(&mut self, address: ResourceAddress, resource: ResourceState) -> bool;
}

impl Collect for Decoded {
    fn add(&mut self, address: ResourceAddress, resource: ResourceState) -> bool {
        if !self.seen.insert(address.clone()) {
            return false;
        }
        self.entries.push((address, resource));
        true
    }
}

impl Collect for Checked {
    fn add(&mut self, address: ResourceAddress, _: ResourceState) -> bool {
        self.0.insert(address)
    }
}

struct ResourcesVisitor<C>(PhantomData<C>);

impl<'de, C: Collect> Visitor<'de> for ResourcesVisitor<C> {
    type Value = C;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of resources")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<C, A::Error> {
        let mut collected = C::default();
        while let Some(entry) = seq.next_element::<ResourceEntry>()? {
            let (address, resource) = resource_from_entry(entry).map_err(A::Error::custom)?;
            let shown = address.to_string();
            if !collected.add(address, resource) {
                return Err(A::Error::custom(format!(
                    "resource `{shown}` appears twice"
                )));
            }
        }
        Ok(collected)
    }
}

impl<'de> Deserialize<'de> for Decoded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ResourcesVisitor(PhantomData))
    }
}

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(ResourcesVisitor(PhantomData))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceEntry<'a> {
    #[serde(
        serialize_with = "attributes_json",
        deserialize_with = "attributes_from_json"
    )]
    attributes: Cow<'a, Attributes>,
    // Optional: state files written before it load unchanged, and a record without configured
    // parameters writes none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    configured: Vec<String>,
    dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<KeyEntry>,
    mode: ModeEntry,
    /// The module instance, `module.dns["c1"]`; absent in the root module (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    module: Option<String>,
    name: String,
    #[serde(with = "plinth_core::natural_key_serde")]
    natural_key: plinth_core::NaturalKey,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<PendingEntry>,
    /// The provider configuration, `huaweicloud.hk`; absent for the default one (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    provider: Option<String>,
    sensitive: Vec<String>,
    status: StatusEntry,
    #[serde(rename = "type")]
    type_name: String,
}

/// Writes attributes as the JSON value they hold (so that a pretty printer indents them), keys
/// sorted.
fn attributes_json<S: Serializer>(
    attributes: &Attributes,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    SortedJson(&attributes.to_value()).serialize(serializer)
}

/// Reads attributes from any JSON value, its keys sorted into the canonical text.
fn attributes_from_json<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Cow<'static, Attributes>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(|value| Cow::Owned(Attributes::new(&value)))
}

/// Writes a JSON value with object keys sorted at every depth, without copying it.
fn sorted_json<S: Serializer>(value: &serde_json::Value, serializer: S) -> Result<S::Ok, S::Error> {
    SortedJson(value).serialize(serializer)
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModeEntry {
    Managed,
    Data,
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum KeyEntry {
    Int(u64),
    String(String),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum StatusEntry {
    Ready,
    Tainted,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PendingEntry {
    action: ActionEntry,
    serial: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ActionEntry {
    Create,
    Update,
    Delete,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OutputEntry {
    sensitive: bool,
    #[serde(serialize_with = "sorted_json")]
    value: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderLine {
    format: String,
    version: u64,
    lineage: Uuid,
    serial: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum EntryLine<'a> {
    /// Boxed: a resource's entry is several times the size of the other lines.
    Upsert(Box<ResourceEntry<'a>>),
    Remove(String),
    SetOutput {
        name: String,
        output: OutputEntry,
    },
    RemoveOutput(String),
}

/// The state file's text: pretty-printed, keys sorted at every depth, resources sorted by
/// address, trailing newline. Equal states give equal bytes.
pub(crate) fn encode_state(state: &State) -> String {
    let mut text = Vec::new();
    // Writing into memory cannot fail, and the JSON of plain data is UTF-8.
    let _ = write_state(state, &mut text);
    String::from_utf8(text).unwrap_or_default()
}

/// Writes the state file's text to `out`, one resource at a time: no copy of the whole state is
/// made on the way (a large state is tens of megabytes of text).
pub(crate) fn write_state(state: &State, mut out: impl io::Write) -> io::Result<()> {
    let file = StateFileOut {
        fingerprint_key: hex::encode(state.fingerprint_key),
        format: STATE_FORMAT,
        lineage: state.lineage,
        outputs: state
            .outputs
            .iter()
            .map(|(name, output)| (name.as_str(), output_entry(output)))
            .collect(),
        resources: Resources(state),
        serial: state.serial,
        version: STATE_VERSION,
    };
    serde_json::to_writer_pretty(&mut out, &file).map_err(io::Error::from)?;
    out.write_all(b"\n")
}

/// What [`StateFile`] reads, as it is written: the same fields in the same order, resources
/// serialized as they are reached.
#[derive(Serialize)]
struct StateFileOut<'a> {
    fingerprint_key: String,
    format: &'static str,
    lineage: Uuid,
    outputs: BTreeMap<&'a str, OutputEntry>,
    resources: Resources<'a>,
    serial: u64,
    version: u64,
}

struct Resources<'a>(&'a State);

impl Serialize for Resources<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(
            self.0
                .resources
                .iter()
                .map(|(address, resource)| resource_entry(address, resource)),
        )
    }
}

/// Reads a state file's bytes.
pub(crate) fn decode_state(bytes: &[u8]) -> Result<State, DecodeError> {
    probe(bytes)?;
    // Parse the bytes again rather than the probe, so that errors carry line and column.
    let file: StateFile<Decoded> =
        serde_json::from_slice(bytes).map_err(|error| DecodeError::Corrupt(error.to_string()))?;
    state_from_file(file).map_err(DecodeError::Corrupt)
}

/// Checks a state file's bytes as [`decode_state`] does, keeping only its lineage and serial:
/// its resources are read one at a time and dropped.
#[cfg(test)]
pub(crate) fn check_state(bytes: &[u8]) -> Result<(Uuid, u64), DecodeError> {
    check_state_from(|| Ok(bytes))
}

/// [`check_state`] of a file read twice through `open` (once to probe, once to check), without
/// holding its text: a large state is tens of megabytes.
pub(crate) fn check_state_from<R: io::Read>(
    mut open: impl FnMut() -> io::Result<R>,
) -> Result<(Uuid, u64), DecodeError> {
    let mut first = Watched {
        inner: open().map_err(DecodeError::Io)?,
        seen_text: false,
    };
    let probed = serde_json::from_reader::<_, Probe>(&mut first);
    if !first.seen_text && probed.as_ref().is_err_and(|error| !error.is_io()) {
        return Err(DecodeError::Corrupt("the file is empty".to_owned()));
    }
    check_probe(probed)?;
    let file: StateFile<Checked> = serde_json::from_reader(open().map_err(DecodeError::Io)?)
        .map_err(|error| match error.io_error_kind() {
            Some(kind) => DecodeError::Io(io::Error::new(kind, error)),
            None => DecodeError::Corrupt(error.to_string()),
        })?;
    fingerprint_key(&file.fingerprint_key).map_err(DecodeError::Corrupt)?;
    outputs_from_entries(file.outputs).map_err(DecodeError::Corrupt)?;
    Ok((file.lineage, file.serial))
}

/// A reader that notes whether anything but whitespace went through it.
struct Watched<R> {
    inner: R,
    seen_text: bool,
}

impl<R: io::Read> io::Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        if !self.seen_text {
            self.seen_text = !buf[..read].iter().all(u8::is_ascii_whitespace);
        }
        Ok(read)
    }
}

/// The top-level fields that say what a file is. Deserializing it reads the whole text (so
/// that broken JSON anywhere is found) but keeps nothing else: no tree of the whole file.
#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// Checks that `bytes` are JSON, a plinth state, and of a version this plinth reads.
fn probe(bytes: &[u8]) -> Result<(), DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Corrupt("the file is empty".to_owned()));
    }
    check_probe(serde_json::from_slice(bytes))
}

fn check_probe(probed: serde_json::Result<Probe>) -> Result<(), DecodeError> {
    let probe: Probe = probed.map_err(|error| {
        if let Some(kind) = error.io_error_kind() {
            return DecodeError::Io(io::Error::new(kind, error));
        }
        DecodeError::Corrupt(if error.is_eof() {
            format!("the file ends early, as if truncated ({error})")
        } else if error.is_data() {
            "not a plinth state file (expected a JSON object)".to_owned()
        } else {
            format!("not valid JSON ({error})")
        })
    })?;
    if probe.format.as_ref().and_then(serde_json::Value::as_str) != Some(STATE_FORMAT) {
        return Err(DecodeError::Corrupt(format!(
            "not a plinth state file (expected `\"format\": \"{STATE_FORMAT}\"`)"
        )));
    }
    match probe.version.as_ref().and_then(serde_json::Value::as_u64) {
        Some(version) if version > STATE_VERSION => Err(DecodeError::NewerVersion(version)),
        Some(OLDEST_STATE_VERSION..=STATE_VERSION) => Ok(()),
        _ => Err(DecodeError::Corrupt(
            "`version` must be a positive integer".to_owned(),
        )),
    }
}

pub(crate) fn encode_header(header: JournalHeader) -> String {
    let line = HeaderLine {
        format: JOURNAL_FORMAT.to_owned(),
        version: JOURNAL_VERSION,
        lineage: header.lineage,
        serial: header.serial,
    };
    let mut text = serde_json::to_string(&line).unwrap_or_else(|_| unreachable!("plain data"));
    text.push('\n');
    text
}

pub(crate) fn decode_header(line: &str) -> Result<JournalHeader, String> {
    let header: HeaderLine =
        serde_json::from_str(line).map_err(|error| format!("not a journal header ({error})"))?;
    if header.format != JOURNAL_FORMAT {
        return Err(format!(
            "not a plinth journal (expected `\"format\": \"{JOURNAL_FORMAT}\"`)"
        ));
    }
    if !(OLDEST_JOURNAL_VERSION..=JOURNAL_VERSION).contains(&header.version) {
        return Err(format!(
            "journal version {} is not supported (this plinth reads version {JOURNAL_VERSION})",
            header.version
        ));
    }
    Ok(JournalHeader {
        lineage: header.lineage,
        serial: header.serial,
    })
}

/// One journal line for a change, newline included.
pub(crate) fn encode_change(change: &Change) -> String {
    let line = match change {
        Change::Upsert { address, resource } => {
            EntryLine::Upsert(Box::new(resource_entry(address, resource)))
        }
        Change::Remove { address } => EntryLine::Remove(address.to_string()),
        Change::SetOutput { name, output } => EntryLine::SetOutput {
            name: name.clone(),
            output: output_entry(output),
        },
        Change::RemoveOutput { name } => EntryLine::RemoveOutput(name.clone()),
    };
    let mut text = serde_json::to_string(&line).unwrap_or_else(|_| unreachable!("plain data"));
    text.push('\n');
    text
}

pub(crate) fn decode_change(line: &str) -> Result<Change, String> {
    let entry: EntryLine = serde_json::from_str(line).map_err(|error| error.to_string())?;
    Ok(match entry {
        EntryLine::Upsert(entry) => {
            let (address, resource) = resource_from_entry(*entry)?;
            Change::Upsert { address, resource }
        }
        EntryLine::Remove(address) => Change::Remove {
            address: address.parse().map_err(|error| format!("{error}"))?,
        },
        EntryLine::SetOutput { name, output } => {
            let output = output_from_entry(&name, output)?;
            Change::SetOutput { name, output }
        }
        EntryLine::RemoveOutput(name) => Change::RemoveOutput { name },
    })
}

/// Writes the backup of a save of `state`: `stored`, the version it replaces, as it is, or,
/// when `state` sealed values that version holds as they are, with those sealed too (the same
/// fingerprints: the key is the state's), so that a backup never keeps a secret the state no
/// longer does.
pub(crate) fn write_backup(
    mut stored: impl io::Read,
    state: &State,
    mut out: impl io::Write,
) -> io::Result<()> {
    if !state.resealed.0 {
        return io::copy(&mut stored, &mut out).map(drop);
    }
    let mut bytes = Vec::new();
    stored.read_to_end(&mut bytes)?;
    let mut previous = decode_state(&bytes)
        .map_err(|error| io::Error::new(io::ErrorKind::InvalidData, format!("{error:?}")))?;
    for (address, resource) in &mut previous.resources {
        let Some(current) = state.resources.get(address) else {
            continue;
        };
        for pointer in current.sensitive.difference(&resource.sensitive.clone()) {
            state.seal_sensitive(resource, pointer);
        }
        state.seal_natural_key(resource);
    }
    write_state(&previous, out)
}

fn resource_entry<'a>(address: &ResourceAddress, resource: &'a ResourceState) -> ResourceEntry<'a> {
    ResourceEntry {
        mode: match address.mode() {
            Mode::Managed => ModeEntry::Managed,
            Mode::Data => ModeEntry::Data,
        },
        type_name: address.type_name().to_owned(),
        module: (!address.module().is_root()).then(|| {
            let path = address.module().to_string();
            path.trim_end_matches('.').to_owned()
        }),
        name: address.name().to_owned(),
        key: address.key().map(|key| match key {
            InstanceKey::Int(index) => KeyEntry::Int(*index),
            InstanceKey::String(key) => KeyEntry::String(key.clone()),
        }),
        id: resource.id.clone(),
        provider: resource
            .provider
            .as_ref()
            .map(|alias| format!("huaweicloud.{alias}")),
        natural_key: resource.natural_key.clone(),
        attributes: Cow::Borrowed(&resource.attributes),
        sensitive: resource.sensitive.iter().cloned().collect(),
        configured: resource.configured.iter().cloned().collect(),
        dependencies: resource
            .dependencies
            .iter()
            .map(ToString::to_string)
            .collect(),
        status: match resource.status {
            Status::Ready => StatusEntry::Ready,
            Status::Tainted => StatusEntry::Tainted,
        },
        pending: resource.pending.map(|pending| PendingEntry {
            action: match pending.action {
                PendingAction::Create => ActionEntry::Create,
                PendingAction::Update => ActionEntry::Update,
                PendingAction::Delete => ActionEntry::Delete,
            },
            serial: pending.serial,
        }),
    }
}

fn output_entry(output: &OutputState) -> OutputEntry {
    match output {
        OutputState::Plain(value) => OutputEntry {
            sensitive: false,
            value: value.clone(),
        },
        OutputState::Sensitive(fingerprint) => OutputEntry {
            sensitive: true,
            value: serde_json::Value::String(fingerprint.as_str().to_owned()),
        },
    }
}

fn state_from_file(file: StateFile<Decoded>) -> Result<State, String> {
    Ok(State {
        lineage: file.lineage,
        serial: file.serial,
        fingerprint_key: fingerprint_key(&file.fingerprint_key)?,
        resources: file.resources.into_map(),
        outputs: outputs_from_entries(file.outputs)?,
        resealed: Resealed::default(),
    })
}

fn fingerprint_key(hex_digits: &str) -> Result<[u8; 32], String> {
    hex::decode(hex_digits)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| "`fingerprint_key` must be 64 hex digits".to_owned())
}

fn outputs_from_entries(
    entries: BTreeMap<String, OutputEntry>,
) -> Result<BTreeMap<String, OutputState>, String> {
    let mut outputs = BTreeMap::new();
    for (name, entry) in entries {
        let output = output_from_entry(&name, entry)?;
        outputs.insert(name, output);
    }
    Ok(outputs)
}

fn resource_from_entry(entry: ResourceEntry) -> Result<(ResourceAddress, ResourceState), String> {
    let mode = match entry.mode {
        ModeEntry::Managed => Mode::Managed,
        ModeEntry::Data => Mode::Data,
    };
    let key = entry.key.map(|key| match key {
        KeyEntry::Int(index) => InstanceKey::Int(index),
        KeyEntry::String(key) => InstanceKey::String(key),
    });
    let module = match &entry.module {
        Some(text) => text.parse::<ModulePath>().map_err(|error| {
            format!(
                "the `module` of resource `{}.{}`: {error}",
                entry.type_name, entry.name
            )
        })?,
        None => ModulePath::root(),
    };
    let address = ResourceAddress::new(mode, &entry.type_name, &entry.name)
        .map_err(|error| error.to_string())?
        .with_key(key)
        .with_module(module);
    let dependencies = entry
        .dependencies
        .iter()
        .map(|text| {
            text.parse::<ResourceAddress>()
                .map_err(|error| format!("in the dependencies of `{address}`: {error}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sensitive: BTreeSet<String> = entry.sensitive.into_iter().collect();
    for pointer in &sensitive {
        check_sealed(&address, &entry.attributes, pointer)?;
    }
    let provider = match entry.provider {
        None => None,
        Some(text) => match text.strip_prefix("huaweicloud.") {
            Some(alias) if !alias.is_empty() => Some(alias.to_owned()),
            _ => {
                return Err(format!(
                    "the `provider` of `{address}` must be `huaweicloud.ALIAS`, found `{text}`"
                ));
            }
        },
    };
    for pointer in &entry.configured {
        check_configured(&address, pointer)?;
    }
    let resource = ResourceState {
        provider,
        id: entry.id,
        natural_key: entry.natural_key,
        attributes: entry.attributes.into_owned(),
        sensitive,
        configured: entry.configured.into_iter().collect(),
        dependencies,
        status: match entry.status {
            StatusEntry::Ready => Status::Ready,
            StatusEntry::Tainted => Status::Tainted,
        },
        pending: entry.pending.map(|pending| PendingOperation {
            action: match pending.action {
                ActionEntry::Create => PendingAction::Create,
                ActionEntry::Update => PendingAction::Update,
                ActionEntry::Delete => PendingAction::Delete,
            },
            serial: pending.serial,
        }),
    };
    Ok((address, resource))
}

/// Checks one pointer of a resource's `sensitive` list: a JSON pointer to a value of its
/// attributes that is a fingerprint. Anything else is a damaged file: a pointer that names no
/// value seals nothing, and a value that is not a fingerprint may be a secret in plain text.
fn check_sealed(
    address: &ResourceAddress,
    attributes: &Attributes,
    pointer: &str,
) -> Result<(), String> {
    let problem = if plinth_core::path::pointer_tokens(pointer).is_none_or(|t| t.is_empty()) {
        "is not a JSON pointer to an attribute (RFC 6901: `/` before each key, `~0` and `~1` \
         the only escapes, e.g. `/values/custom/token`)"
    } else {
        match attributes.pointer(pointer) {
            None => "names no value of its attributes",
            Some(value) if Fingerprint::held_by(&value).is_none() => {
                "holds a value that is not a fingerprint (`hmac-sha256:` and 64 hex digits): \
                 the file may hold a secret in plain text"
            }
            Some(_) => return Ok(()),
        }
    };
    Err(format!(
        "the sensitive value `{pointer}` of `{address}` {problem}; restore the file from its \
         backup, or remove the pointer from `sensitive` and the value from `attributes` and \
         run `plinth apply`, which reads the object again and seals what the configuration marks \
         sensitive"
    ))
}

/// Checks one pointer of a resource's `configured` list: a JSON pointer to an attribute or below
/// (`/values` when the whole is one sensitive value). The value need not be there (the cloud may
/// have dropped a key the configuration set).
fn check_configured(address: &ResourceAddress, pointer: &str) -> Result<(), String> {
    if plinth_core::path::pointer_tokens(pointer).is_some_and(|tokens| !tokens.is_empty()) {
        return Ok(());
    }
    Err(format!(
        "the configured value `{pointer}` of `{address}` is not a JSON pointer to an attribute \
         (RFC 6901, e.g. `/values/custom/servers`); restore the file from its backup, or remove \
         the pointer from `configured`"
    ))
}

fn output_from_entry(name: &str, entry: OutputEntry) -> Result<OutputState, String> {
    if !entry.sensitive {
        return Ok(OutputState::Plain(entry.value));
    }
    entry
        .value
        .as_str()
        .and_then(|text| text.parse::<Fingerprint>().ok())
        .map(OutputState::Sensitive)
        .ok_or_else(|| format!("the sensitive output `{name}` must hold a fingerprint"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn encoding_sorts_keys_everywhere_and_ends_with_newline() {
        let mut state = State::new();
        state.apply(Change::Upsert {
            address: "b_type.x[1]".parse().unwrap(),
            resource: ResourceState::new(None, json!({"zeta": 1, "alpha": {"y": 2, "b": 3}})),
        });
        state.apply(Change::Upsert {
            address: "a_type.x".parse().unwrap(),
            resource: ResourceState::new(Some("id-a".into()), json!({})),
        });
        let text = encode_state(&state);
        assert!(text.ends_with("}\n"));
        assert!(text.find("\"a_type\"").unwrap() < text.find("\"b_type\"").unwrap());
        assert!(text.find("\"alpha\"").unwrap() < text.find("\"zeta\"").unwrap());
        assert!(text.find("\"b\": 3").unwrap() < text.find("\"y\": 2").unwrap());
        let again = decode_state(text.as_bytes()).unwrap();
        assert_eq!(again, state);
        assert_eq!(encode_state(&again), text);
    }

    #[test]
    fn the_text_is_what_sorting_every_object_of_it_gives() {
        // The encoder writes struct fields in declaration order and sorts JSON values as it
        // goes; this pins that the result is exactly the pretty JSON with every object sorted.
        let mut state = State::new();
        let mut resource = ResourceState::new(
            Some("id-1".into()),
            json!({"zeta": [{"y": 1, "b": 2}], "alpha": {"y": 2, "b": {"d": 1, "c": 2}}}),
        );
        resource.natural_key =
            plinth_core::NaturalKey::from_iter([("z".to_owned(), "1".to_owned())]);
        assert!(state.seal_sensitive(&mut resource, "/alpha/y"));
        resource.dependencies = vec!["a_type.x".parse().unwrap()];
        resource.status = Status::Tainted;
        resource.pending = Some(PendingOperation {
            action: PendingAction::Update,
            serial: 4,
        });
        state.apply(Change::Upsert {
            address: r#"b_type.x["k"]"#.parse().unwrap(),
            resource,
        });
        state.apply(Change::SetOutput {
            name: "out".into(),
            output: OutputState::Plain(json!({"q": 1, "p": [{"n": 1, "m": 2}]})),
        });
        let text = encode_state(&state);
        let mut tree: serde_json::Value = serde_json::from_str(&text).unwrap();
        tree.sort_all_objects();
        assert_eq!(serde_json::to_string_pretty(&tree).unwrap() + "\n", text);
        assert_eq!(decode_state(text.as_bytes()).unwrap(), state);
    }

    #[test]
    fn configured_parameters_round_trip_and_a_file_without_them_loads() {
        let mut state = State::new();
        let mut resource = ResourceState::new(
            Some("uid".into()),
            json!({"values": {"custom": {"servers": 3}}}),
        );
        resource.configured = BTreeSet::from(["/values/custom/servers".to_owned()]);
        state.apply(Change::Upsert {
            address: "huaweicloud_cce_addon.dns".parse().unwrap(),
            resource,
        });
        let text = encode_state(&state);
        assert!(text.contains("\"configured\": [\n        \"/values/custom/servers\"\n      ]"));
        assert_eq!(decode_state(text.as_bytes()).unwrap(), state);

        // A file written before the field (or a record without configured parameters) has none.
        let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["resources"][0]
            .as_object_mut()
            .unwrap()
            .remove("configured");
        let older = serde_json::to_string_pretty(&value).unwrap();
        let loaded = decode_state(older.as_bytes()).unwrap();
        let address = "huaweicloud_cce_addon.dns".parse().unwrap();
        assert!(loaded.resource(&address).unwrap().configured.is_empty());
        assert!(!encode_state(&loaded).contains("configured"));

        value["resources"][0]["configured"] = json!(["values"]);
        let damaged = serde_json::to_string_pretty(&value).unwrap();
        let Err(DecodeError::Corrupt(reason)) = decode_state(damaged.as_bytes()) else {
            panic!("a malformed pointer must be refused");
        };
        assert!(
            reason.starts_with(
                "the configured value `values` of `huaweicloud_cce_addon.dns` is not a JSON \
                 pointer to an attribute"
            ),
            "{reason}"
        );
    }

    #[test]
    fn duplicate_resources_are_refused() {
        let mut state = State::new();
        state.apply(Change::Upsert {
            address: "a.b".parse().unwrap(),
            resource: ResourceState::new(None, json!({})),
        });
        let mut value: serde_json::Value = serde_json::from_str(&encode_state(&state)).unwrap();
        let entry = value["resources"][0].clone();
        value["resources"].as_array_mut().unwrap().push(entry);
        let text = serde_json::to_string_pretty(&value).unwrap();
        let Err(DecodeError::Corrupt(reason)) = decode_state(text.as_bytes()) else {
            panic!("a duplicate must be refused");
        };
        assert_eq!(reason, "resource `a.b` appears twice at line 27 column 3");
        let Err(DecodeError::Corrupt(checked)) = check_state(text.as_bytes()) else {
            panic!("a check must refuse it too");
        };
        assert_eq!(checked, reason);
    }

    /// Decodes a state of one add-on whose token is sealed, after `damage` edited its entry;
    /// answers the error.
    fn damaged_seal(damage: impl Fn(&mut serde_json::Value)) -> String {
        let mut state = State::new();
        let mut resource = ResourceState::new(
            Some("uid".into()),
            json!({"values": {"token": "s3cr3t", "n": 1}}),
        );
        assert!(state.seal_sensitive(&mut resource, "/values/token"));
        state.apply(Change::Upsert {
            address: "huaweicloud_cce_addon.dns".parse().unwrap(),
            resource,
        });
        let mut value: serde_json::Value = serde_json::from_str(&encode_state(&state)).unwrap();
        damage(&mut value["resources"][0]);
        let text = serde_json::to_string_pretty(&value).unwrap();
        assert!(decode_state(text.as_bytes()).is_err());
        let Err(DecodeError::Corrupt(reason)) = check_state(text.as_bytes()) else {
            panic!("a damaged seal must be refused");
        };
        reason
    }

    #[test]
    fn a_damaged_list_of_sealed_values_is_refused_naming_the_resource_and_the_pointer() {
        let malformed = damaged_seal(|entry| entry["sensitive"] = json!(["no-leading-slash"]));
        assert!(
            malformed.starts_with(
                "the sensitive value `no-leading-slash` of `huaweicloud_cce_addon.dns` is not a \
                 JSON pointer"
            ),
            "{malformed}"
        );
        let escape = damaged_seal(|entry| entry["sensitive"] = json!(["/values/~2"]));
        assert!(escape.contains("`/values/~2`"), "{escape}");
        let nothing = damaged_seal(|entry| entry["sensitive"] = json!(["/values/missing"]));
        assert!(
            nothing.contains("names no value of its attributes"),
            "{nothing}"
        );
        let plain = damaged_seal(|entry| entry["sensitive"] = json!(["/values/n"]));
        assert!(
            plain.contains("holds a value that is not a fingerprint"),
            "{plain}"
        );
        let whole = damaged_seal(|entry| entry["sensitive"] = json!([""]));
        assert!(whole.contains("is not a JSON pointer"), "{whole}");
        assert!(
            plain.contains("restore the file from its backup"),
            "{plain}"
        );
    }

    #[test]
    fn a_pending_delete_round_trips_through_a_journal_line_and_the_state_file() {
        let mut resource = ResourceState::new(Some("uid-1".into()), json!({"version": "1.0"}));
        resource.natural_key =
            plinth_core::NaturalKey::from_iter([("cluster_id".to_owned(), "c1".to_owned())]);
        resource.pending = Some(PendingOperation {
            action: PendingAction::Delete,
            serial: 9,
        });
        let change = Change::Upsert {
            address: "huaweicloud_cce_addon.dns".parse().unwrap(),
            resource,
        };
        let line = encode_change(&change);
        assert!(
            line.contains(r#""pending":{"action":"delete","serial":9}"#),
            "{line}"
        );
        assert_eq!(decode_change(line.trim_end()).unwrap(), change);
        let mut state = State::new();
        state.apply(change);
        let text = encode_state(&state);
        assert!(text.contains("\"action\": \"delete\""), "{text}");
        assert_eq!(decode_state(text.as_bytes()).unwrap(), state);
    }

    #[test]
    fn journal_lines_round_trip() {
        let changes = [
            Change::Upsert {
                address: r#"a.b["k"]"#.parse().unwrap(),
                resource: ResourceState::new(Some("id".into()), json!({"x": [1, 2]})),
            },
            Change::Remove {
                address: "a.b[3]".parse().unwrap(),
            },
            Change::SetOutput {
                name: "o".into(),
                output: OutputState::Plain(json!("v")),
            },
            Change::RemoveOutput { name: "o".into() },
        ];
        for change in changes {
            let line = encode_change(&change);
            assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
            assert_eq!(decode_change(line.trim_end()).unwrap(), change);
        }
    }
}

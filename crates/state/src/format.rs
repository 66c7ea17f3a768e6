//! The JSON layout of the state file and of the journal lines: private, versioned serde types,
//! converted to and from the core types here and nowhere else. docs/state-format.md documents it.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use crate::address::{InstanceKey, Mode, ResourceAddress};
use crate::attributes::{Attributes, SortedJson};
use crate::state::{
    Change, Fingerprint, OutputState, PendingAction, PendingOperation, ResourceState, State, Status,
};

/// The `format` field of a state file.
pub(crate) const STATE_FORMAT: &str = "plinth-state";
/// The newest state file version this plinth reads and the one it writes.
pub(crate) const STATE_VERSION: u64 = 1;
/// The `format` field of a journal's first line.
const JOURNAL_FORMAT: &str = "plinth-journal";
const JOURNAL_VERSION: u64 = 1;

/// Why a state file could not be decoded.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// Not a state file this plinth understands; the reason is for a person.
    Corrupt(String),
    /// A state file from a newer plinth.
    NewerVersion(u64),
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

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile<'a> {
    fingerprint_key: String,
    format: String,
    lineage: Uuid,
    outputs: BTreeMap<String, OutputEntry>,
    resources: Vec<ResourceEntry<'a>>,
    serial: u64,
    version: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResourceEntry<'a> {
    attributes: Cow<'a, Attributes>,
    dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<KeyEntry>,
    mode: ModeEntry,
    name: String,
    natural_key: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pending: Option<PendingEntry>,
    sensitive: Vec<String>,
    status: StatusEntry,
    #[serde(rename = "type")]
    type_name: String,
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
    Upsert(ResourceEntry<'a>),
    Remove(String),
    SetOutput { name: String, output: OutputEntry },
    RemoveOutput(String),
}

/// The state file's text: pretty-printed, keys sorted at every depth, resources sorted by
/// address, trailing newline. Equal states give equal bytes.
pub(crate) fn encode_state(state: &State) -> String {
    let file = StateFile {
        format: STATE_FORMAT.to_owned(),
        version: STATE_VERSION,
        lineage: state.lineage,
        serial: state.serial,
        fingerprint_key: hex::encode(state.fingerprint_key),
        resources: state
            .resources
            .iter()
            .map(|(address, resource)| resource_entry(address, resource))
            .collect(),
        outputs: state
            .outputs
            .iter()
            .map(|(name, output)| (name.clone(), output_entry(output)))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file)
        .unwrap_or_else(|_| unreachable!("plain data always serializes"));
    text.push('\n');
    text
}

/// Reads a state file's bytes.
pub(crate) fn decode_state(bytes: &[u8]) -> Result<State, DecodeError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DecodeError::Corrupt("the file is empty".to_owned()));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        DecodeError::Corrupt(if error.is_eof() {
            format!("the file ends early, as if truncated ({error})")
        } else {
            format!("not valid JSON ({error})")
        })
    })?;
    let format = value.get("format").and_then(serde_json::Value::as_str);
    if format != Some(STATE_FORMAT) {
        return Err(DecodeError::Corrupt(format!(
            "not a plinth state file (expected `\"format\": \"{STATE_FORMAT}\"`)"
        )));
    }
    match value.get("version").and_then(serde_json::Value::as_u64) {
        Some(version) if version > STATE_VERSION => return Err(DecodeError::NewerVersion(version)),
        Some(STATE_VERSION) => {}
        _ => {
            return Err(DecodeError::Corrupt(
                "`version` must be a positive integer".to_owned(),
            ));
        }
    }
    // Parse the bytes again rather than the value, so that errors carry line and column.
    let file: StateFile =
        serde_json::from_slice(bytes).map_err(|error| DecodeError::Corrupt(error.to_string()))?;
    state_from_file(file).map_err(DecodeError::Corrupt)
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
    if header.version != JOURNAL_VERSION {
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
            EntryLine::Upsert(resource_entry(address, resource))
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
            let (address, resource) = resource_from_entry(entry)?;
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

fn resource_entry<'a>(address: &ResourceAddress, resource: &'a ResourceState) -> ResourceEntry<'a> {
    ResourceEntry {
        mode: match address.mode() {
            Mode::Managed => ModeEntry::Managed,
            Mode::Data => ModeEntry::Data,
        },
        type_name: address.type_name().to_owned(),
        name: address.name().to_owned(),
        key: address.key().map(|key| match key {
            InstanceKey::Int(index) => KeyEntry::Int(*index),
            InstanceKey::String(key) => KeyEntry::String(key.clone()),
        }),
        id: resource.id.clone(),
        natural_key: resource.natural_key.clone(),
        attributes: Cow::Borrowed(&resource.attributes),
        sensitive: resource.sensitive.iter().cloned().collect(),
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

fn state_from_file(file: StateFile) -> Result<State, String> {
    let key_bytes = hex::decode(&file.fingerprint_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| "`fingerprint_key` must be 64 hex digits".to_owned())?;
    let mut resources = BTreeMap::new();
    for entry in file.resources {
        let (address, resource) = resource_from_entry(entry)?;
        if resources.contains_key(&address) {
            return Err(format!("resource `{address}` appears twice"));
        }
        resources.insert(address, resource);
    }
    let mut outputs = BTreeMap::new();
    for (name, entry) in file.outputs {
        let output = output_from_entry(&name, entry)?;
        outputs.insert(name, output);
    }
    Ok(State {
        lineage: file.lineage,
        serial: file.serial,
        fingerprint_key: key_bytes,
        resources,
        outputs,
    })
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
    let address = ResourceAddress::new(mode, &entry.type_name, &entry.name)
        .map_err(|error| error.to_string())?
        .with_key(key);
    let dependencies = entry
        .dependencies
        .iter()
        .map(|text| {
            text.parse::<ResourceAddress>()
                .map_err(|error| format!("in the dependencies of `{address}`: {error}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let sensitive: BTreeSet<String> = entry.sensitive.into_iter().collect();
    let resource = ResourceState {
        id: entry.id,
        natural_key: entry.natural_key,
        attributes: entry.attributes.into_owned(),
        sensitive,
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
        resource.natural_key = BTreeMap::from([("z".to_owned(), "1".to_owned())]);
        resource.sensitive = BTreeSet::from(["/alpha/y".to_owned()]);
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
    fn duplicate_resources_are_refused() {
        let mut state = State::new();
        state.apply(Change::Upsert {
            address: "a.b".parse().unwrap(),
            resource: ResourceState::new(None, json!({})),
        });
        let mut value: serde_json::Value = serde_json::from_str(&encode_state(&state)).unwrap();
        let entry = value["resources"][0].clone();
        value["resources"].as_array_mut().unwrap().push(entry);
        let Err(DecodeError::Corrupt(reason)) = decode_state(value.to_string().as_bytes()) else {
            panic!("a duplicate must be refused");
        };
        assert_eq!(reason, "resource `a.b` appears twice");
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

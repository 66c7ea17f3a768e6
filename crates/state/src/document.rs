//! The state file's text and the journal's entries for storages that keep them elsewhere than
//! in a file (a database row): the same format, written and read by this crate only, so that a
//! state moved between storages stays byte for byte the same.

use uuid::Uuid;

use crate::error::StateError;
use crate::format::{self, DecodeError};
use crate::state::{Change, State};

/// The state as the state file holds it (docs/state-format.md).
pub fn encode_state(state: &State) -> String {
    format::encode_state(state)
}

/// Reads a state document stored at `location` (for messages; no credentials).
pub fn decode_state(text: &[u8], location: &str) -> Result<State, StateError> {
    format::decode_state(text).map_err(|error| match error {
        DecodeError::Corrupt(reason) => StateError::StoredCorrupt {
            location: location.to_owned(),
            reason,
        },
        DecodeError::NewerVersion(found) => StateError::StoredNewerVersion {
            location: location.to_owned(),
            found,
            supported: format::STATE_VERSION,
        },
        DecodeError::Io(error) => StateError::StoredCorrupt {
            location: location.to_owned(),
            reason: error.to_string(),
        },
    })
}

/// Whether saving `state` seals values that earlier versions may hold as they are: then a
/// storage that keeps earlier versions passes each through [`reseal_previous`].
pub fn reseals(state: &State) -> bool {
    state.resealed.0
}

/// A stored earlier version (`previous`, a state document) as it must be kept once `state` is
/// saved: `None` when it can stay as it is, else its text with the values `state` newly seals
/// sealed there too, so that no kept version holds a secret the state no longer does.
pub fn reseal_previous(previous: &[u8], state: &State) -> Option<String> {
    if !state.resealed.0 {
        return None;
    }
    let mut text = Vec::new();
    format::write_backup(previous, state, &mut text).ok()?;
    String::from_utf8(text).ok()
}

/// One journal entry for `change`, as a line of the local journal holds it (without its newline).
pub fn encode_change(change: &Change) -> String {
    let mut line = format::encode_change(change);
    line.truncate(line.trim_end_matches('\n').len());
    line
}

/// Reads a journal entry written by [`encode_change`]; the error says what is wrong.
pub fn decode_change(entry: &str) -> Result<Change, String> {
    format::decode_change(entry)
}

/// Whether `state push` may replace the stored state (`stored`: its lineage and serial, `None`
/// when there is none) with `pushed`: the same lineage and a greater serial, unless forced.
/// The error says why not.
pub fn check_push(stored: Option<(Uuid, u64)>, pushed: &State) -> Result<(), String> {
    let Some((lineage, serial)) = stored else {
        return Ok(());
    };
    if lineage != pushed.lineage() {
        return Err(format!(
            "the stored state has lineage {lineage}, the pushed one {}: they are different states",
            pushed.lineage()
        ));
    }
    if pushed.serial() <= serial {
        return Err(format!(
            "the pushed state has serial {}, not newer than the stored serial {serial}",
            pushed.serial()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_back_to_the_same_text() {
        let state = State::new();
        let text = encode_state(&state);
        let read = decode_state(text.as_bytes(), "pg").unwrap();
        assert_eq!(encode_state(&read), text);
        let error = decode_state(b"{", "postgres://db/plinth#default").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("the state `postgres://db/plinth#default` is unreadable"),
            "{error}"
        );
    }

    #[test]
    fn a_previous_version_is_kept_as_it_is_unless_the_state_seals_more() {
        let state = State::new();
        let text = encode_state(&state);
        assert_eq!(reseal_previous(text.as_bytes(), &state), None);
    }

    #[test]
    fn push_needs_the_same_lineage_and_a_newer_serial() {
        let state = decode_state(
            encode_state(&State::new())
                .replace("\"serial\": 0", "\"serial\": 5")
                .as_bytes(),
            "file",
        )
        .unwrap();
        assert_eq!(check_push(None, &state), Ok(()));
        assert_eq!(check_push(Some((state.lineage(), 4)), &state), Ok(()));
        let equal = check_push(Some((state.lineage(), 5)), &state).unwrap_err();
        assert!(
            equal.contains("not newer than the stored serial 5"),
            "{equal}"
        );
        let other = check_push(Some((Uuid::nil(), 1)), &state).unwrap_err();
        assert!(other.contains("different states"), "{other}");
    }
}

//! plinth's tables in their schema, created on first use and versioned.
//!
//! `plinth_schema` holds one row, the version of the tables' layout. A plinth refuses a schema
//! of a newer version than it knows, so an older binary never writes into tables it does not
//! understand. Creation and upgrades run in one transaction under an advisory lock of their
//! own, so that concurrent first runs create the tables once.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

/// The layout version this plinth creates and reads.
pub(crate) const SCHEMA_VERSION: i32 = 1;

/// The schema-qualified, quoted names of plinth's tables.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) schema: String,
    pub(crate) version: String,
    pub(crate) states: String,
    pub(crate) history: String,
    pub(crate) journal: String,
    pub(crate) locks: String,
}

impl Tables {
    /// The tables in `schema`, which must be a valid name ([`check_schema_name`]).
    pub(crate) fn new(schema: &str) -> Self {
        let table = |name: &str| format!("\"{schema}\".{name}");
        Self {
            schema: format!("\"{schema}\""),
            version: table("plinth_schema"),
            states: table("states"),
            history: table("history"),
            journal: table("journal"),
            locks: table("locks"),
        }
    }
}

/// Whether `name` can be plinth's schema: lower-case letters, digits and `_`, not starting with
/// a digit, at most 63 bytes (PostgreSQL's limit). The error says what is wrong.
pub fn check_schema_name(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid schema name: use lower-case letters, digits and `_`, not starting with a digit, at most 63 characters"
        ))
    }
}

/// A 64-bit advisory lock key for `parts`, the same in every plinth.
pub(crate) fn lock_key(parts: &[&str]) -> i64 {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(bytes)
}

/// Why the tables cannot be used.
pub(crate) enum SchemaError {
    /// A newer plinth made them.
    Newer(i32),
    /// The database refused.
    Database(tokio_postgres::Error),
}

impl From<tokio_postgres::Error> for SchemaError {
    fn from(error: tokio_postgres::Error) -> Self {
        Self::Database(error)
    }
}

/// Makes sure the tables exist at [`SCHEMA_VERSION`]: reads the version, and creates them under
/// the schema's migration lock when they are missing.
pub(crate) async fn ensure(
    client: &mut Client,
    tables: &Tables,
    schema: &str,
) -> Result<(), SchemaError> {
    if let Some(version) = current_version(client, tables).await? {
        return check(version);
    }
    let transaction = client.transaction().await?;
    transaction
        .execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&lock_key(&["plinth-schema", schema])],
        )
        .await?;
    // Another run may have created them while we waited for the lock.
    transaction
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {schema};
             CREATE TABLE IF NOT EXISTS {version} (version integer NOT NULL);",
            schema = tables.schema,
            version = tables.version,
        ))
        .await?;
    let found: Option<i32> = transaction
        .query_opt(&format!("SELECT max(version) FROM {}", tables.version), &[])
        .await?
        .and_then(|row| row.get(0));
    if let Some(version) = found {
        transaction.commit().await?;
        return check(version);
    }
    transaction
        .batch_execute(&format!(
            "CREATE TABLE {states} (
                 workspace text PRIMARY KEY,
                 lineage uuid NOT NULL,
                 serial bigint NOT NULL,
                 digest text NOT NULL,
                 document text NOT NULL,
                 saved_at timestamptz NOT NULL,
                 saved_by text NOT NULL
             );
             CREATE TABLE {history} (
                 id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 workspace text NOT NULL,
                 lineage uuid NOT NULL,
                 serial bigint NOT NULL,
                 document text NOT NULL,
                 saved_at timestamptz NOT NULL,
                 saved_by text NOT NULL
             );
             CREATE INDEX ON {history} (workspace, id);
             CREATE TABLE {journal} (
                 seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                 workspace text NOT NULL,
                 lineage uuid NOT NULL,
                 serial bigint NOT NULL,
                 entry text NOT NULL
             );
             CREATE INDEX ON {journal} (workspace, seq);
             CREATE TABLE {locks} (
                 workspace text PRIMARY KEY,
                 lock_id uuid NOT NULL,
                 holder text NOT NULL,
                 pid bigint NOT NULL,
                 operation text NOT NULL,
                 ci_run text,
                 locked_at text NOT NULL,
                 heartbeat_at timestamptz NOT NULL,
                 backend_pid integer NOT NULL,
                 lock_key bigint NOT NULL
             );
             INSERT INTO {version} (version) VALUES ({SCHEMA_VERSION});",
            states = tables.states,
            history = tables.history,
            journal = tables.journal,
            locks = tables.locks,
            version = tables.version,
        ))
        .await?;
    transaction.commit().await?;
    Ok(())
}

async fn current_version(
    client: &Client,
    tables: &Tables,
) -> Result<Option<i32>, tokio_postgres::Error> {
    let exists: Option<String> = client
        .query_one("SELECT to_regclass($1)::text", &[&tables.version])
        .await?
        .get(0);
    if exists.is_none() {
        return Ok(None);
    }
    Ok(client
        .query_one(&format!("SELECT max(version) FROM {}", tables.version), &[])
        .await?
        .get(0))
}

fn check(version: i32) -> Result<(), SchemaError> {
    if version > SCHEMA_VERSION {
        Err(SchemaError::Newer(version))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert_eq!(check_schema_name("plinth"), Ok(()));
        assert_eq!(check_schema_name("team_a_2"), Ok(()));
        for bad in ["", "Plinth", "2fast", "a-b", "x\"; DROP", &"a".repeat(64)] {
            assert!(check_schema_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lock_keys_differ_by_schema_and_workspace_and_are_stable() {
        let key = lock_key(&["plinth-lock", "plinth", "default"]);
        assert_eq!(key, lock_key(&["plinth-lock", "plinth", "default"]));
        assert_ne!(key, lock_key(&["plinth-lock", "plinth", "prod"]));
        assert_ne!(key, lock_key(&["plinth-lock", "other", "default"]));
        // The parts are separated: ("ab", "c") is not ("a", "bc").
        assert_ne!(lock_key(&["ab", "c"]), lock_key(&["a", "bc"]));
    }
}

//! [`PgStorage`]: the [`StateStorage`] of a PostgreSQL database.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use plinth_state::{
    Change, ForceUnlock, Journal, JournalSink, LockGuard, LockInfo, LockRequest, SaveOutcome,
    State, StateError, StateStorage, document,
};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;
use tokio_postgres::Client;
use uuid::Uuid;

use crate::connect::{PgOptions, Target, describe};
use crate::lock::{self, Attempt, LockHolder, PgLock, Probe};
use crate::schema::{self, SchemaError, Tables};
use crate::worker::Worker;

/// How many times the pooler probe runs: each round is a chance for a pooler in transaction mode
/// to hand one client's server session to the other (without one, every round is consistent).
const PROBE_ROUNDS: usize = 5;

/// A state in PostgreSQL: one row per workspace in `states` (the state file's text, with its
/// lineage and serial), the journal of the run in progress in `journal` (one row per recorded
/// change), every earlier version in `history`, and the lock's holder in `locks`.
///
/// A save is a compare-and-swap on (workspace, lineage, serial) in one transaction, so two runs
/// can never both write over the same version. See docs/state-format.md.
pub struct PgStorage {
    worker: Arc<Worker>,
    target: Arc<Target>,
    /// The connection for reads that need no lock; writes go through the lock's connection.
    client: Arc<Mutex<Client>>,
    tables: Arc<Tables>,
    schema: String,
    workspace: String,
    location: String,
}

/// One saved version of a state, from `plinth state history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Its serial.
    pub serial: u64,
    /// Its lineage.
    pub lineage: Uuid,
    /// When it was saved.
    pub saved_at: DateTime<Utc>,
    /// Who saved it: `user@host`.
    pub saved_by: String,
    /// Whether it is the current version.
    pub current: bool,
}

impl std::fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStorage")
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

type Db<T> = Result<T, tokio_postgres::Error>;

impl PgStorage {
    /// Connects, and creates plinth's tables in the schema if they are not there yet. Refuses a
    /// schema made by a newer plinth.
    pub fn connect(options: &PgOptions) -> Result<Self, StateError> {
        schema::check_schema_name(&options.schema).map_err(|message| StateError::Backend {
            action: "use the schema of".to_owned(),
            location: "the `pg` backend".to_owned(),
            message,
            hint: Some("set `schema_name` or `PLINTH_PG_SCHEMA` to a valid name".to_owned()),
        })?;
        let target = Target::parse(&options.conn_str).map_err(|error| StateError::Backend {
            action: "read the connection string of".to_owned(),
            location: "the `pg` backend".to_owned(),
            message: error.0,
            hint: Some(
                "check `conn_str` in the `backend \"pg\"` block or `PG_CONN_STR`".to_owned(),
            ),
        })?;
        let location = format!(
            "{} (schema {}, workspace {})",
            target.url, options.schema, options.workspace
        );
        let worker = Worker::start().map_err(|error| StateError::Backend {
            action: "start the database thread for".to_owned(),
            location: location.clone(),
            message: error.to_string(),
            hint: None,
        })?;
        let target = Arc::new(target);
        let tables = Arc::new(Tables::new(&options.schema));
        let connect_target = Arc::clone(&target);
        let client = worker
            .run(async move { connect_target.connect().await })
            .unwrap_or_else(|| Err("the database thread stopped".to_owned()))
            .map_err(|message| connect_error(&location, message))?;
        let client = Arc::new(Mutex::new(client));
        let storage = Self {
            worker: Arc::new(worker),
            target,
            client,
            tables,
            schema: options.schema.clone(),
            workspace: options.workspace.clone(),
            location,
        };
        let (client, tables, schema) = (
            Arc::clone(&storage.client),
            Arc::clone(&storage.tables),
            storage.schema.clone(),
        );
        let ensured = storage
            .worker
            .run(async move {
                let mut client = client.lock().await;
                schema::ensure(&mut client, &tables, &schema).await
            })
            .unwrap_or_else(|| Ok(()));
        match ensured {
            Ok(()) => Ok(storage),
            Err(SchemaError::Newer(found)) => Err(StateError::Backend {
                action: "use the schema of".to_owned(),
                location: storage.location.clone(),
                message: format!(
                    "its tables have layout version {found}, but this plinth knows versions up to {}",
                    schema::SCHEMA_VERSION
                ),
                hint: Some("upgrade plinth; it leaves the tables untouched".to_owned()),
            }),
            Err(SchemaError::Database(error)) => {
                Err(storage.database_error("create the tables of", &error))
            }
        }
    }

    /// The workspace this storage reads and writes.
    pub fn workspace(&self) -> &str {
        &self.workspace
    }

    /// The same database and schema, another workspace (one more connection).
    pub fn for_workspace(&self, workspace: &str) -> Result<Self, StateError> {
        let target = Arc::clone(&self.target);
        let client = self
            .worker
            .run(async move { target.connect().await })
            .unwrap_or_else(|| Err("the database thread stopped".to_owned()))
            .map_err(|message| connect_error(&self.location, message))?;
        Ok(Self {
            worker: Arc::clone(&self.worker),
            target: Arc::clone(&self.target),
            client: Arc::new(Mutex::new(client)),
            tables: Arc::clone(&self.tables),
            schema: self.schema.clone(),
            workspace: workspace.to_owned(),
            location: format!(
                "{} (schema {}, workspace {workspace})",
                self.target.url, self.schema
            ),
        })
    }

    /// The workspaces that have a state, sorted.
    pub fn workspaces(&self) -> Result<Vec<String>, StateError> {
        let (client, tables) = (Arc::clone(&self.client), Arc::clone(&self.tables));
        self.call("list the workspaces of", async move {
            let client = client.lock().await;
            let rows = client
                .query(
                    &format!("SELECT workspace FROM {} ORDER BY workspace", tables.states),
                    &[],
                )
                .await?;
            Ok(rows.iter().map(|row| row.get(0)).collect())
        })
    }

    /// Whether this workspace has a state.
    pub fn exists(&self) -> Result<bool, StateError> {
        let (client, tables, workspace) = self.parts();
        self.call("read", async move {
            let client = client.lock().await;
            let row = client
                .query_opt(
                    &format!("SELECT 1 FROM {} WHERE workspace = $1", tables.states),
                    &[&workspace],
                )
                .await?;
            Ok(row.is_some())
        })
    }

    /// Deletes this workspace's state, history and journal; `lock` must be its lock.
    pub fn delete(&self, lock: &LockGuard) -> Result<(), StateError> {
        let held = self.held(lock)?;
        let (client, tables, workspace) = (
            Arc::clone(&held.client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
        );
        self.call("delete the workspace", async move {
            let mut client = client.lock().await;
            let transaction = client.transaction().await?;
            for table in [&tables.journal, &tables.history, &tables.states] {
                transaction
                    .execute(
                        &format!("DELETE FROM {table} WHERE workspace = $1"),
                        &[&workspace],
                    )
                    .await?;
            }
            transaction.commit().await
        })
    }

    /// Every saved version of this workspace's state, newest first.
    pub fn history(&self) -> Result<Vec<HistoryEntry>, StateError> {
        let (client, tables, workspace) = self.parts();
        let rows = self.call("read the history of", async move {
            let client = client.lock().await;
            client
                .query(
                    &format!(
                        "SELECT serial, lineage, saved_at, saved_by, true FROM {states} WHERE workspace = $1
                         UNION ALL
                         SELECT serial, lineage, saved_at, saved_by, false FROM {history} WHERE workspace = $1
                         ORDER BY 3 DESC, 5 DESC",
                        states = tables.states,
                        history = tables.history
                    ),
                    &[&workspace],
                )
                .await
        })?;
        Ok(rows
            .iter()
            .map(|row| HistoryEntry {
                serial: u64::try_from(row.get::<_, i64>(0)).unwrap_or_default(),
                lineage: row.get(1),
                saved_at: row.get(2),
                saved_by: row.get(3),
                current: row.get(4),
            })
            .collect())
    }

    /// Who holds this workspace's lock, if its row is there, and whether that session lives.
    pub fn lock_holder(&self) -> Result<Option<LockHolder>, StateError> {
        let (client, tables, workspace) = self.parts();
        let key = self.lock_key();
        self.call("read the lock of", async move {
            let client = client.lock().await;
            lock::holder(&client, &tables, &workspace, key).await
        })
    }

    fn parts(&self) -> (Arc<Mutex<Client>>, Arc<Tables>, String) {
        (
            Arc::clone(&self.client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
        )
    }

    fn lock_key(&self) -> i64 {
        schema::lock_key(&["plinth-lock", &self.schema, &self.workspace])
    }

    /// Runs a database call on the worker; its error worded for `action`.
    fn call<T: Send + 'static>(
        &self,
        action: &str,
        future: impl Future<Output = Db<T>> + Send + 'static,
    ) -> Result<T, StateError> {
        match self.worker.run(future) {
            Some(Ok(value)) => Ok(value),
            Some(Err(error)) => Err(self.database_error(action, &error)),
            None => Err(StateError::Backend {
                action: action.to_owned(),
                location: self.location.clone(),
                message: "the database thread stopped".to_owned(),
                hint: None,
            }),
        }
    }

    fn database_error(&self, action: &str, error: &tokio_postgres::Error) -> StateError {
        // SQLSTATE class 08 (connection exception) and 57P (the server ended the session:
        // terminated, shutting down) mean the connection is gone, as a closed socket does.
        let lost = error.as_db_error().is_none_or(|db| {
            let code = db.code().code();
            code.starts_with("08") || code.starts_with("57P")
        });
        let hint = if error.is_closed() || lost {
            Some(
                "the connection to the database was lost or refused; what the run recorded \
                 before is kept in the database, and the next run folds it in: run the command \
                 again once the database is reachable"
                    .to_owned(),
            )
        } else {
            None
        };
        StateError::Backend {
            action: action.to_owned(),
            location: self.location.clone(),
            message: self.target.mask(&describe(error)),
            hint,
        }
    }

    fn held<'g>(&self, lock: &'g LockGuard) -> Result<&'g PgLock, StateError> {
        lock.held::<PgLock>()
            .filter(|held| held.workspace == self.workspace && held.key == self.lock_key())
            .ok_or_else(|| StateError::Backend {
                action: "write".to_owned(),
                location: self.location.clone(),
                message: "the lock given is not this state's".to_owned(),
                hint: None,
            })
    }

    /// Checks that the lock connection owns its session: refuses a pooler in transaction mode.
    fn check_session(&self, lock_client: &Arc<Mutex<Client>>, key: i64) -> Result<(), StateError> {
        let (own, other) = (Arc::clone(lock_client), Arc::clone(&self.client));
        let probes = self.call("check the connection to", async move {
            let own = own.lock().await;
            let mut other = other.lock().await;
            let mut probes = Vec::new();
            for _ in 0..PROBE_ROUNDS {
                let lock_backend: i32 = own.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
                // A pooler hands a released server session back to its idle list just after it
                // answers; give it that moment, so that the next transaction may be handed it.
                tokio::time::sleep(std::time::Duration::from_millis(30)).await;
                let transaction = other.transaction().await?;
                let other_backend: i32 = transaction
                    .query_one("SELECT pg_backend_pid()", &[])
                    .await?
                    .get(0);
                let holder: Option<i32> = transaction
                    .query_opt(
                        "SELECT pid FROM pg_locks
                     WHERE locktype = 'advisory' AND granted AND objsubid = 1
                       AND classid::bigint = ($1::bigint >> 32) & 4294967295
                       AND objid::bigint = $1::bigint & 4294967295",
                        &[&key],
                    )
                    .await?
                    .map(|row| row.get(0));
                let lock_backend_again: i32 =
                    own.query_one("SELECT pg_backend_pid()", &[]).await?.get(0);
                transaction.commit().await?;
                probes.push(Probe {
                    lock_backend,
                    other_backend,
                    lock_backend_again,
                    holder,
                });
            }
            Ok(probes)
        })?;
        if probes.iter().any(lock::behind_transaction_pooler) {
            return Err(StateError::Backend {
                action: "lock the state in".to_owned(),
                location: self.location.clone(),
                message: "the connection goes through a pooler in transaction mode (such as \
                          PgBouncer with `pool_mode = transaction`): its server sessions are \
                          shared between clients, so a session lock would not be this run's"
                    .to_owned(),
                hint: Some(
                    "connect plinth to PostgreSQL directly (usually port 5432), or to a pool in \
                     session mode"
                        .to_owned(),
                ),
            });
        }
        Ok(())
    }

    /// Takes the lock on a new connection, trying again until `request.timeout`.
    fn take_lock(&self, request: &LockRequest) -> Result<LockGuard, StateError> {
        let target = Arc::clone(&self.target);
        let key = self.lock_key();
        let client = self
            .worker
            .run(async move { target.connect().await })
            .unwrap_or_else(|| Err("the database thread stopped".to_owned()))
            .map_err(|message| connect_error(&self.location, message))?;
        let client = Arc::new(Mutex::new(client));
        let backend_pid = lock::wait_for(
            request.timeout,
            || {
                let client = Arc::clone(&client);
                self.call("lock the state in", async move {
                    match lock::try_lock(&*client.lock().await, key).await? {
                        Attempt::Taken { backend_pid } => Ok(Some(backend_pid)),
                        Attempt::Held => Ok(None),
                    }
                })
            },
            |waited| StateError::Locked {
                info: self
                    .lock_holder()
                    .ok()
                    .flatten()
                    .map(|holder| Box::new(holder.info)),
                waited,
            },
        )?;
        self.check_session(&client, key)?;
        let info = LockInfo::for_this_process(&request.operation);
        let (recording, tables, workspace, recorded) = (
            Arc::clone(&client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
            info.clone(),
        );
        self.call("lock the state in", async move {
            let client = recording.lock().await;
            lock::record(&client, &tables, &workspace, &recorded, backend_pid, key).await
        })?;
        let heartbeat = self.worker.spawn(lock::heartbeat(
            Arc::clone(&client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
            info.id,
        ));
        let held = PgLock {
            worker: Arc::clone(&self.worker),
            client,
            tables: Arc::clone(&self.tables),
            workspace: self.workspace.clone(),
            key,
            lock_id: info.id,
            heartbeat,
        };
        Ok(LockGuard::new(info, held))
    }

    /// The save of [`StateStorage::save`] on the lock's connection.
    fn save_through(&self, state: &mut State, held: &PgLock) -> Result<SaveOutcome, StateError> {
        let lineage = state.lineage();
        let loaded_serial = state.serial();
        let unchanged_digest = digest(&document::encode_state(state));
        let next = loaded_serial
            .checked_add(1)
            .and_then(|serial| i64::try_from(serial).ok())
            .ok_or_else(|| StateError::Backend {
                action: "save the state in".to_owned(),
                location: self.location.clone(),
                message: format!("the serial {loaded_serial} is the largest a serial can be"),
                hint: None,
            })?;
        let loaded = i64::try_from(loaded_serial).unwrap_or(i64::MAX);
        state_set_serial(state, next);
        let text = document::encode_state(state);
        let resealed = self.resealed_history(state, held)?;
        let (client, tables, workspace, by) = (
            Arc::clone(&held.client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
            saved_by(),
        );
        let written = self.call("save the state in", async move {
            let mut client = client.lock().await;
            let transaction = client.transaction().await?;
            let stored = transaction
                .query_opt(
                    &format!(
                        "SELECT lineage, serial, digest FROM {} WHERE workspace = $1 FOR UPDATE",
                        tables.states
                    ),
                    &[&workspace],
                )
                .await?
                .map(|row| (row.get::<_, Uuid>(0), row.get::<_, i64>(1), row.get::<_, String>(2)));
            let outcome = match &stored {
                Some((stored_lineage, _, _)) if *stored_lineage != lineage => {
                    Err(format!("the stored state has lineage {stored_lineage}, this one {lineage}"))
                }
                Some((_, serial, _)) if *serial != loaded => Err(format!(
                    "the stored state has serial {serial}, this one was loaded at serial {loaded}"
                )),
                Some((_, _, stored_digest)) if *stored_digest == unchanged_digest => Ok(false),
                None if loaded != 0 => {
                    Err("the stored state was deleted".to_owned())
                }
                _ => Ok(true),
            };
            if outcome != Ok(true) {
                if outcome == Ok(false) {
                    transaction
                        .execute(
                            &format!("DELETE FROM {} WHERE workspace = $1", tables.journal),
                            &[&workspace],
                        )
                        .await?;
                    transaction.commit().await?;
                }
                return Ok(outcome);
            }
            for (lineage, serial, text) in &resealed {
                transaction
                    .execute(
                        &format!(
                            "UPDATE {} SET document = $4 WHERE workspace = $1 AND lineage = $2 AND serial = $3",
                            tables.history
                        ),
                        &[&workspace, lineage, serial, text],
                    )
                    .await?;
            }
            write_version(&transaction, &tables, &workspace, lineage, next, &text, &by).await?;
            transaction.commit().await?;
            Ok(Ok(true))
        });
        match written {
            Ok(Ok(true)) => Ok(SaveOutcome::Written {
                serial: state.serial(),
            }),
            Ok(Ok(false)) => {
                state_set_serial(state, loaded);
                Ok(SaveOutcome::Unchanged)
            }
            Ok(Err(reason)) => {
                state_set_serial(state, loaded);
                Err(StateError::Conflict {
                    location: self.location.clone(),
                    reason,
                })
            }
            Err(error) => {
                state_set_serial(state, loaded);
                Err(error)
            }
        }
    }

    /// The kept versions that must be sealed again because `state` seals more than they do:
    /// (lineage, serial, new text). Empty unless `state` newly seals a value.
    fn resealed_history(
        &self,
        state: &State,
        held: &PgLock,
    ) -> Result<Vec<(Uuid, i64, String)>, StateError> {
        if !document::reseals(state) {
            return Ok(Vec::new());
        }
        let (client, tables, workspace) = (
            Arc::clone(&held.client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
        );
        let rows = self.call("read the history of", async move {
            let client = client.lock().await;
            client
                .query(
                    &format!(
                        "SELECT lineage, serial, document FROM {states} WHERE workspace = $1
                         UNION ALL SELECT lineage, serial, document FROM {history} WHERE workspace = $1",
                        states = tables.states,
                        history = tables.history
                    ),
                    &[&workspace],
                )
                .await
        })?;
        Ok(rows
            .iter()
            .filter_map(|row| {
                let text: String = row.get(2);
                document::reseal_previous(text.as_bytes(), state)
                    .map(|sealed| (row.get(0), row.get(1), sealed))
            })
            .collect())
    }
}

/// Moves the current version of `workspace` to the history and writes `text` as the current.
async fn write_version(
    transaction: &tokio_postgres::Transaction<'_>,
    tables: &Tables,
    workspace: &str,
    lineage: Uuid,
    serial: i64,
    text: &str,
    by: &str,
) -> Db<()> {
    transaction
        .execute(
            &format!(
                "INSERT INTO {history} (workspace, lineage, serial, document, saved_at, saved_by)
                 SELECT workspace, lineage, serial, document, saved_at, saved_by FROM {states}
                 WHERE workspace = $1",
                history = tables.history,
                states = tables.states
            ),
            &[&workspace],
        )
        .await?;
    transaction
        .execute(
            &format!(
                "INSERT INTO {} (workspace, lineage, serial, digest, document, saved_at, saved_by)
                 VALUES ($1, $2, $3, $4, $5, now(), $6)
                 ON CONFLICT (workspace) DO UPDATE SET lineage = $2, serial = $3, digest = $4,
                     document = $5, saved_at = now(), saved_by = $6",
                tables.states
            ),
            &[&workspace, &lineage, &serial, &digest(text), &text, &by],
        )
        .await?;
    transaction
        .execute(
            &format!("DELETE FROM {} WHERE workspace = $1", tables.journal),
            &[&workspace],
        )
        .await?;
    Ok(())
}

impl StateStorage for PgStorage {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn load(&self) -> Result<State, StateError> {
        let (client, tables, workspace) = self.parts();
        let (document, entries) = self.call("read the state in", async move {
            let mut client = client.lock().await;
            // One snapshot for the state row and its journal.
            let transaction = client
                .build_transaction()
                .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
                .await?;
            let document: Option<String> = transaction
                .query_opt(
                    &format!("SELECT document FROM {} WHERE workspace = $1", tables.states),
                    &[&workspace],
                )
                .await?
                .map(|row| row.get(0));
            let entries: Vec<(i64, Uuid, i64, String)> = transaction
                .query(
                    &format!(
                        "SELECT seq, lineage, serial, entry FROM {} WHERE workspace = $1 ORDER BY seq",
                        tables.journal
                    ),
                    &[&workspace],
                )
                .await?
                .iter()
                .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
                .collect();
            transaction.commit().await?;
            Ok((document, entries))
        })?;
        let Some(document) = document else {
            return Ok(State::new());
        };
        let mut state = document::decode_state(document.as_bytes(), &self.location)?;
        let serial = i64::try_from(state.serial()).unwrap_or(i64::MAX);
        for (seq, lineage, entry_serial, entry) in entries {
            let corrupt = |reason: String| StateError::StoredCorrupt {
                location: self.location.clone(),
                reason: format!("journal row {seq}: {reason}"),
            };
            if lineage != state.lineage() {
                return Err(corrupt(format!(
                    "it belongs to state lineage {lineage}, but the state's lineage is {}",
                    state.lineage()
                )));
            }
            // A row of an older serial was folded in by a save whose journal removal is in the
            // same transaction: it cannot be left, but is harmless if it were.
            if entry_serial < serial {
                continue;
            }
            if entry_serial > serial {
                return Err(corrupt(format!(
                    "it continues serial {entry_serial}, but the state has serial {serial}"
                )));
            }
            state.apply(document::decode_change(&entry).map_err(corrupt)?);
        }
        Ok(state)
    }

    fn lock(&self, request: &LockRequest) -> Result<LockGuard, StateError> {
        self.take_lock(request)
    }

    fn save(&self, state: &mut State, lock: &LockGuard) -> Result<SaveOutcome, StateError> {
        let held = self.held(lock)?;
        self.save_through(state, held)
    }

    fn begin<'a>(
        &'a self,
        mut state: State,
        lock: &'a LockGuard,
    ) -> Result<Journal<'a>, StateError> {
        let held = self.held(lock)?;
        self.save_through(&mut state, held)?;
        let sink = PgJournal {
            storage: self,
            held,
            lineage: state.lineage(),
            serial: i64::try_from(state.serial()).unwrap_or(i64::MAX),
        };
        Ok(Journal::new(state, Box::new(sink)))
    }

    fn force_unlock(&self, lock_id: &str) -> Result<ForceUnlock, StateError> {
        let current = self.lock_holder()?;
        let Some(holder) = current
            .clone()
            .filter(|holder| holder.info.id.to_string() == lock_id.trim())
        else {
            return Err(StateError::LockIdMismatch {
                given: lock_id.to_owned(),
                current: current.map(|holder| Box::new(holder.info)),
            });
        };
        if holder.session_alive {
            return Err(StateError::Backend {
                action: "force-unlock".to_owned(),
                location: self.location.clone(),
                message: format!(
                    "the lock is held by {}, whose database session is still open (last heartbeat {})",
                    holder.info.describe(),
                    holder.heartbeat
                ),
                hint: Some(
                    "plinth breaks only a lock whose session is gone; wait for that run, or stop it: \
                     its lock is released when its connection closes"
                        .to_owned(),
                ),
            });
        }
        let (client, tables, workspace) = self.parts();
        let id = holder.info.id;
        self.call("force-unlock", async move {
            let client = client.lock().await;
            client
                .execute(
                    &format!(
                        "DELETE FROM {} WHERE workspace = $1 AND lock_id = $2",
                        tables.locks
                    ),
                    &[&workspace, &id],
                )
                .await
        })?;
        Ok(ForceUnlock::Cleared(holder.info))
    }

    fn overwrite(&self, state: &State, lock: &LockGuard) -> Result<(), StateError> {
        let held = self.held(lock)?;
        let serial = i64::try_from(state.serial()).map_err(|_| StateError::Backend {
            action: "save the state in".to_owned(),
            location: self.location.clone(),
            message: format!(
                "the serial {} is too large for the database",
                state.serial()
            ),
            hint: None,
        })?;
        let text = document::encode_state(state);
        let (client, tables, workspace, by, lineage) = (
            Arc::clone(&held.client),
            Arc::clone(&self.tables),
            self.workspace.clone(),
            saved_by(),
            state.lineage(),
        );
        self.call("save the state in", async move {
            let mut client = client.lock().await;
            let transaction = client.transaction().await?;
            write_version(
                &transaction,
                &tables,
                &workspace,
                lineage,
                serial,
                &text,
                &by,
            )
            .await?;
            transaction.commit().await
        })
    }
}

/// The journal of a run: one row per recorded change, inserted through the lock's connection.
struct PgJournal<'a> {
    storage: &'a PgStorage,
    held: &'a PgLock,
    lineage: Uuid,
    serial: i64,
}

impl JournalSink for PgJournal<'_> {
    fn append(&mut self, change: &Change) -> Result<(), StateError> {
        self.append_all(std::slice::from_ref(change))
    }

    fn append_all(&mut self, changes: &[Change]) -> Result<(), StateError> {
        let entries: Vec<String> = changes.iter().map(document::encode_change).collect();
        let (client, tables, workspace, lineage, serial) = (
            Arc::clone(&self.held.client),
            Arc::clone(&self.storage.tables),
            self.storage.workspace.clone(),
            self.lineage,
            self.serial,
        );
        // One statement, so one commit (one WAL flush) for the batch, whatever its size.
        self.storage
            .call("record a change in the journal of", async move {
                let client = client.lock().await;
                client
                    .execute(
                        &format!(
                            "INSERT INTO {} (workspace, lineage, serial, entry)
                             SELECT $1, $2, $3, entry FROM unnest($4::text[]) WITH ORDINALITY AS e(entry, n)
                             ORDER BY n",
                            tables.journal
                        ),
                        &[&workspace, &lineage, &serial, &entries],
                    )
                    .await
            })
            .map(drop)
    }

    fn fold(&mut self, state: &mut State) -> Result<SaveOutcome, StateError> {
        self.storage.save_through(state, self.held)
    }
}

fn connect_error(location: &str, message: String) -> StateError {
    StateError::Backend {
        action: "connect to".to_owned(),
        location: location.to_owned(),
        message,
        hint: Some(
            "check `conn_str` in the `backend \"pg\"` block (or `PG_CONN_STR`) and that the \
             database is reachable"
                .to_owned(),
        ),
    }
}

fn digest(text: &str) -> String {
    format!("{:x}", Sha256::digest(text.as_bytes()))
}

fn saved_by() -> String {
    format!(
        "{}@{}",
        plinth_state::user_name(),
        plinth_state::host_name()
    )
}

fn state_set_serial(state: &mut State, serial: i64) {
    state.set_serial(u64::try_from(serial).unwrap_or_default());
}

//! The state lock in PostgreSQL: a session advisory lock on a connection of its own, held for
//! the whole run, with a row in `locks` that says who holds it, refreshed by a heartbeat.
//!
//! The server releases a session's advisory locks when the session ends, so a run that is
//! killed (or whose machine dies) frees its lock as soon as its connection is closed: no stale
//! lock to break. The writes of a run (journal rows, saves) go through the same connection, so
//! a run that lost its lock cannot write.

use std::sync::Arc;
use std::time::{Duration, Instant};

use plinth_state::{LockInfo, StateError};
use tokio::sync::Mutex;
use tokio_postgres::Client;
use uuid::Uuid;

use crate::schema::Tables;
use crate::worker::Worker;

/// How often the lock row's `heartbeat_at` is refreshed.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(10);
/// How often a waiting run tries the lock again.
const POLL: Duration = Duration::from_millis(200);

/// What a [`plinth_state::LockGuard`] of a PostgreSQL state holds: the lock's connection. Dropping
/// it removes the lock row and releases the advisory lock, then closes the connection.
pub(crate) struct PgLock {
    pub(crate) worker: Arc<Worker>,
    pub(crate) client: Arc<Mutex<Client>>,
    pub(crate) tables: Arc<Tables>,
    pub(crate) workspace: String,
    pub(crate) key: i64,
    pub(crate) lock_id: Uuid,
    pub(crate) heartbeat: tokio::task::JoinHandle<()>,
}

impl Drop for PgLock {
    fn drop(&mut self) {
        self.heartbeat.abort();
        let client = Arc::clone(&self.client);
        let locks = self.tables.locks.clone();
        let workspace = self.workspace.clone();
        let (key, lock_id) = (self.key, self.lock_id);
        // Best effort, bounded: if the connection is gone, so is the advisory lock, and the
        // row left behind names a session that no longer exists.
        let _ = self.worker.run(async move {
            let release = async {
                let client = client.lock().await;
                let _ = client
                    .execute(
                        &format!("DELETE FROM {locks} WHERE workspace = $1 AND lock_id = $2"),
                        &[&workspace, &lock_id],
                    )
                    .await;
                let _ = client
                    .execute("SELECT pg_advisory_unlock($1)", &[&key])
                    .await;
            };
            let _ = tokio::time::timeout(Duration::from_secs(5), release).await;
        });
    }
}

/// Who holds a PostgreSQL state lock, as its row says, and whether its session still holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder's record.
    pub info: LockInfo,
    /// Whether a database session holds the advisory lock now. `false`: the holder is gone (its
    /// connection closed) and only its row is left.
    pub session_alive: bool,
    /// When the holder last refreshed its row, RFC 3339 in UTC.
    pub heartbeat: String,
}

/// What a lock attempt found.
pub(crate) enum Attempt {
    Taken { backend_pid: i32 },
    Held,
}

/// Tries the advisory lock once.
pub(crate) async fn try_lock(client: &Client, key: i64) -> Result<Attempt, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT pg_try_advisory_lock($1), pg_backend_pid()", &[&key])
        .await?;
    Ok(if row.get::<_, bool>(0) {
        Attempt::Taken {
            backend_pid: row.get(1),
        }
    } else {
        Attempt::Held
    })
}

/// Writes the lock row of a lock just taken.
pub(crate) async fn record(
    client: &Client,
    tables: &Tables,
    workspace: &str,
    info: &LockInfo,
    backend_pid: i32,
    key: i64,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute(
            &format!(
                "INSERT INTO {locks} (workspace, lock_id, holder, pid, operation, ci_run, locked_at, heartbeat_at, backend_pid, lock_key)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9)
                 ON CONFLICT (workspace) DO UPDATE SET lock_id = $2, holder = $3, pid = $4,
                     operation = $5, ci_run = $6, locked_at = $7, heartbeat_at = now(),
                     backend_pid = $8, lock_key = $9",
                locks = tables.locks
            ),
            &[
                &workspace,
                &info.id,
                &info.holder,
                &i64::from(info.pid),
                &info.operation,
                &info.ci_run,
                &info.time,
                &backend_pid,
                &key,
            ],
        )
        .await?;
    Ok(())
}

/// Refreshes the lock row every [`HEARTBEAT`] until aborted.
pub(crate) async fn heartbeat(
    client: Arc<Mutex<Client>>,
    tables: Arc<Tables>,
    workspace: String,
    lock_id: Uuid,
) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let client = client.lock().await;
        // A failure here shows at the run's next write, which goes through this connection.
        let _ = client
            .execute(
                &format!(
                    "UPDATE {} SET heartbeat_at = now() WHERE workspace = $1 AND lock_id = $2",
                    tables.locks
                ),
                &[&workspace, &lock_id],
            )
            .await;
    }
}

/// The lock row of `workspace` and whether a session holds its advisory lock.
pub(crate) async fn holder(
    client: &Client,
    tables: &Tables,
    workspace: &str,
    key: i64,
) -> Result<Option<LockHolder>, tokio_postgres::Error> {
    let alive = session_holds(client, key).await?;
    let row = client
        .query_opt(
            &format!(
                "SELECT lock_id, holder, pid, operation, ci_run, locked_at,
                        to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                 FROM {} WHERE workspace = $1",
                tables.locks
            ),
            &[&workspace],
        )
        .await?;
    Ok(row.map(|row| LockHolder {
        info: LockInfo {
            id: row.get(0),
            holder: row.get(1),
            pid: u32::try_from(row.get::<_, i64>(2)).unwrap_or_default(),
            operation: row.get(3),
            time: row.get(5),
            ci_run: row.get(4),
        },
        session_alive: alive,
        heartbeat: row.get(6),
    }))
}

/// Whether some session holds the advisory lock `key` (`pg_locks`, which every role may read).
pub(crate) async fn session_holds(
    client: &Client,
    key: i64,
) -> Result<bool, tokio_postgres::Error> {
    // A bigint advisory key shows in pg_locks as classid (high half), objid (low half), objsubid 1.
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_locks
             WHERE locktype = 'advisory' AND granted AND objsubid = 1
               AND classid::bigint = ($1::bigint >> 32) & 4294967295
               AND objid::bigint = $1::bigint & 4294967295",
            &[&key],
        )
        .await?;
    Ok(row.get::<_, i64>(0) > 0)
}

/// What the pooler probe saw; see [`behind_transaction_pooler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Probe {
    /// The backend pid that answered the lock statement.
    pub(crate) lock_backend: i32,
    /// The backend pid of the other connection, inside a transaction (so pinned to it).
    pub(crate) other_backend: i32,
    /// The backend pid that answered the lock connection's next statement, while the other
    /// connection's transaction was still open.
    pub(crate) lock_backend_again: i32,
    /// The backend pid that holds the advisory lock, as `pg_locks` shows it.
    pub(crate) holder: Option<i32>,
}

/// Whether the connections go through a pooler in transaction (or statement) mode, which hands
/// each transaction to whichever server session is free: then a session advisory lock is held
/// by a server session the run does not own, and nothing is locked. Without a pooler, two
/// connections are two sessions, and a connection keeps its session: the lock statement's
/// session holds the lock and answers the next statement. With such a pooler, the other
/// connection's transaction is handed the session the lock statement just released
/// (`PgBouncer` reuses the most recent one), or the lock connection's next statement lands on another one.
pub(crate) fn behind_transaction_pooler(probe: &Probe) -> bool {
    probe.lock_backend == probe.other_backend
        || probe.lock_backend_again != probe.lock_backend
        || probe.holder != Some(probe.lock_backend)
}

/// Waits for the lock as `try_once` reports, up to `timeout`.
pub(crate) fn wait_for<T>(
    timeout: Duration,
    mut try_once: impl FnMut() -> Result<Option<T>, StateError>,
    locked: impl FnOnce(Duration) -> StateError,
) -> Result<T, StateError> {
    let started = Instant::now();
    loop {
        if let Some(taken) = try_once()? {
            return Ok(taken);
        }
        let elapsed = started.elapsed();
        if elapsed >= timeout {
            return Err(locked(timeout));
        }
        std::thread::sleep(POLL.min(timeout.saturating_sub(elapsed)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(lock: i32, other: i32, again: i32, holder: Option<i32>) -> Probe {
        Probe {
            lock_backend: lock,
            other_backend: other,
            lock_backend_again: again,
            holder,
        }
    }

    #[test]
    fn a_direct_connection_is_not_a_pooler() {
        assert!(!behind_transaction_pooler(&probe(10, 11, 10, Some(10))));
    }

    #[test]
    fn a_shared_or_moving_server_session_is_a_transaction_pooler() {
        // The other connection got the session that took the lock (PgBouncer's LIFO reuse).
        assert!(behind_transaction_pooler(&probe(10, 10, 10, Some(10))));
        // The lock connection's next statement ran in another session.
        assert!(behind_transaction_pooler(&probe(10, 11, 12, Some(10))));
        // The lock is not held by the session that took it.
        assert!(behind_transaction_pooler(&probe(10, 11, 10, None)));
    }
}

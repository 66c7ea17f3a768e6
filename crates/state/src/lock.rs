//! The state lock: an OS lock (flock) on a lock file beside the state, whose content says who
//! holds it.

use std::any::Any;
use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use fs4::fs_std::FileExt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{StateError, io};
use crate::paths::{self, Role};

/// Who holds a state lock, as recorded in the lock file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockInfo {
    /// The lock's id, to give to `plinth force-unlock`.
    pub id: Uuid,
    /// `user@host` of the holder.
    pub holder: String,
    /// The holder's process id.
    pub pid: u32,
    /// What the holder is doing: `apply`, `plan`, `state rm`...
    pub operation: String,
    /// When the lock was taken, RFC 3339 in UTC.
    pub time: String,
    /// The CI run that holds it, when the environment names one (GitHub Actions, GitLab CI,
    /// Jenkins): a link for whoever finds the state locked.
    pub ci_run: Option<String>,
}

/// What to lock for, and how long to wait for a lock someone else holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockRequest {
    /// The operation recorded in the lock: `apply`, `plan`, `state rm`...
    pub operation: String,
    /// How long to wait for the lock; zero fails at once if it is held.
    pub timeout: Duration,
}

/// A held state lock; dropping it releases the lock.
///
/// Also the proof, required by [`crate::StateStorage::save`], that the caller holds the lock.
pub struct LockGuard {
    info: LockInfo,
    // Dropping this releases the lock (a file handle here; a database connection elsewhere).
    held: Box<dyn Any + Send>,
}

/// What [`crate::StateStorage::force_unlock`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForceUnlock {
    /// No process held the lock any more: its leftover record was cleared.
    Cleared(LockInfo),
    /// A process still held the lock; it was broken, so that the next run locks afresh while
    /// that process may still believe it holds the lock.
    Broken(LockInfo),
}

impl LockGuard {
    /// A guard for a lock described by `info` that is held as long as `held` lives. For storage
    /// implementations.
    pub fn new(info: LockInfo, held: impl Any + Send) -> Self {
        Self {
            info,
            held: Box::new(held),
        }
    }

    /// Who holds the lock: this process.
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    /// What keeps the lock held, if it is a `T`: a storage finds its own lock session here
    /// (a database storage writes through the connection that holds the lock).
    pub fn held<T: Any>(&self) -> Option<&T> {
        let held: &dyn Any = &*self.held;
        held.downcast_ref::<T>()
    }
}

impl std::fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockGuard")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl LockInfo {
    /// A record for this process taking a lock for `operation` now.
    pub fn for_this_process(operation: &str) -> Self {
        Self {
            id: Uuid::new_v4(),
            holder: format!("{}@{}", user_name(), host_name()),
            pid: std::process::id(),
            operation: operation.to_owned(),
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            ci_run: ci_run_url(|name| std::env::var(name).ok()),
        }
    }

    /// Whether the holder is a process still running on this machine: the same host name, and
    /// its pid alive. Where that cannot be known (no `/proc`), a holder on this host counts as
    /// alive, so that a caller that refuses to break a live lock errs on the safe side.
    pub fn is_alive_on_this_host(&self) -> bool {
        let host = self.holder.rsplit_once('@').map_or("", |(_, host)| host);
        if host != host_name() {
            return false;
        }
        let proc = Path::new("/proc");
        if !proc.join("self").exists() {
            return true;
        }
        proc.join(self.pid.to_string()).exists()
    }

    /// One line for messages: `alice@build-1 (pid 4242, `apply`, since 2026-11-22T10:00:00Z, lock id ...)`.
    pub fn describe(&self) -> String {
        let ci = self
            .ci_run
            .as_ref()
            .map(|url| format!(", CI run {url}"))
            .unwrap_or_default();
        format!(
            "{} (pid {}, `{}`, since {}{ci}, lock id {})",
            self.holder, self.pid, self.operation, self.time, self.id
        )
    }
}

/// The URL of the CI run this process belongs to, from the variables CI systems set: GitHub
/// Actions (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_RUN_ID`), GitLab CI (`CI_JOB_URL`),
/// Jenkins (`BUILD_URL`).
pub fn ci_run_url(var: impl Fn(&str) -> Option<String>) -> Option<String> {
    let set = |name: &str| var(name).filter(|value| !value.trim().is_empty());
    if let (Some(server), Some(repository), Some(run)) = (
        set("GITHUB_SERVER_URL"),
        set("GITHUB_REPOSITORY"),
        set("GITHUB_RUN_ID"),
    ) {
        return Some(format!(
            "{}/{repository}/actions/runs/{run}",
            server.trim_end_matches('/')
        ));
    }
    set("CI_JOB_URL").or_else(|| set("BUILD_URL"))
}

#[derive(Serialize, Deserialize)]
struct LockFile {
    id: Uuid,
    holder: String,
    pid: u32,
    operation: String,
    time: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ci_run: Option<String>,
}

const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Releases the flock and empties the lock file when dropped. The file itself stays: deleting it
/// would let a waiter hold a lock on the deleted file while a newcomer locks a new one.
struct HeldFile {
    file: File,
}

impl Drop for HeldFile {
    fn drop(&mut self) {
        // Best effort: closing the file releases the flock in any case.
        let _ = self.file.set_len(0);
        let _ = FileExt::unlock(&self.file);
    }
}

/// Takes the lock on `lock_path`, waiting up to `request.timeout`.
pub(crate) fn acquire(lock_path: &Path, request: &LockRequest) -> Result<LockGuard, StateError> {
    let started = Instant::now();
    loop {
        let mut file = open_lock_file(lock_path)?;
        let locked = FileExt::try_lock_exclusive(&file)
            .map_err(io("lock the state lock file", lock_path))?;
        if locked {
            // force-unlock may have removed the file between our open and our lock; then we hold
            // a lock on a file nobody else will ever look at.
            if !still_at_path(&file, lock_path) {
                continue;
            }
            let info = LockInfo::for_this_process(&request.operation);
            write_info(&mut file, &info).map_err(io("write the state lock file", lock_path))?;
            return Ok(LockGuard::new(info, HeldFile { file }));
        }
        drop(file);
        let elapsed = started.elapsed();
        if elapsed >= request.timeout {
            return Err(StateError::Locked {
                info: read_info(lock_path).map(Box::new),
                waited: request.timeout,
            });
        }
        thread::sleep(POLL_INTERVAL.min(request.timeout.saturating_sub(elapsed)));
    }
}

/// Force-unlocks `lock_path` if its recorded lock id is `lock_id`.
pub(crate) fn force_unlock(lock_path: &Path, lock_id: &str) -> Result<ForceUnlock, StateError> {
    paths::regular_file(lock_path, Role::Lock)?;
    let current = read_info(lock_path);
    let Some(info) = current
        .clone()
        .filter(|info| info.id.to_string() == lock_id.trim())
    else {
        return Err(StateError::LockIdMismatch {
            given: lock_id.to_owned(),
            current: current.map(Box::new),
        });
    };
    let file = open_lock_file(lock_path)?;
    let free =
        FileExt::try_lock_exclusive(&file).map_err(io("lock the state lock file", lock_path))?;
    if free {
        // The holder died without emptying the file; the flock was already gone.
        let _ = HeldFile { file };
        return Ok(ForceUnlock::Cleared(info));
    }
    std::fs::remove_file(lock_path).map_err(io("remove the state lock file", lock_path))?;
    Ok(ForceUnlock::Broken(info))
}

/// The lock record in the lock file, if it has a readable one.
pub(crate) fn read_info(lock_path: &Path) -> Option<LockInfo> {
    // A holder writes its record just after taking the flock; give it a moment.
    for _ in 0..10 {
        // Only a regular file is read, opened without blocking: reading a FIFO would block.
        let record = paths::read_existing(lock_path, Role::Lock, "read the state lock file")
            .ok()
            .flatten()
            .and_then(|bytes| serde_json::from_slice::<LockFile>(&bytes).ok());
        if let Some(record) = record {
            return Some(LockInfo {
                id: record.id,
                holder: record.holder,
                pid: record.pid,
                operation: record.operation,
                time: record.time,
                ci_run: record.ci_run,
            });
        }
        thread::sleep(Duration::from_millis(20));
    }
    None
}

fn open_lock_file(lock_path: &Path) -> Result<File, StateError> {
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(paths::NEW_FILE_MODE);
    }
    paths::open_regular(lock_path, Role::Lock, "open the state lock file", &options)
}

fn write_info(file: &mut File, info: &LockInfo) -> std::io::Result<()> {
    let record = LockFile {
        id: info.id,
        holder: info.holder.clone(),
        pid: info.pid,
        operation: info.operation.clone(),
        time: info.time.clone(),
        ci_run: info.ci_run.clone(),
    };
    let mut text = serde_json::to_string_pretty(&record).map_err(std::io::Error::other)?;
    text.push('\n');
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

#[cfg(unix)]
fn still_at_path(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(held), Ok(named)) => held.dev() == named.dev() && held.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_at_path(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// The user running plinth, for lock records and history.
pub fn user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}

/// This machine's host name, for lock records and history.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|text| text.trim().to_owned())
        .filter(|name| !name.is_empty())
        .or_else(|| {
            std::env::var("HOSTNAME")
                .ok()
                .filter(|name| !name.is_empty())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

/// The lock file of a state file: `<state>.lock`.
pub(crate) fn lock_path_for(state_path: &Path) -> PathBuf {
    sibling(state_path, ".lock")
}

/// `<path><suffix>`, e.g. `plinth.state.json.lock`.
pub(crate) fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_run_url_names_the_run_of_each_ci_system() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        assert_eq!(
            ci_run_url(env(&[
                ("GITHUB_SERVER_URL", "https://github.com/"),
                ("GITHUB_REPOSITORY", "acme/infra"),
                ("GITHUB_RUN_ID", "42"),
                ("BUILD_URL", "https://jenkins/job/1"),
            ])),
            Some("https://github.com/acme/infra/actions/runs/42".to_owned())
        );
        assert_eq!(
            ci_run_url(env(&[("CI_JOB_URL", "https://gitlab/acme/-/jobs/7")])),
            Some("https://gitlab/acme/-/jobs/7".to_owned())
        );
        assert_eq!(
            ci_run_url(env(&[("BUILD_URL", "https://jenkins/job/1")])),
            Some("https://jenkins/job/1".to_owned())
        );
        assert_eq!(
            ci_run_url(env(&[("GITHUB_RUN_ID", "42"), ("CI_JOB_URL", " ")])),
            None
        );
    }

    fn request(timeout_ms: u64) -> LockRequest {
        LockRequest {
            operation: "apply".into(),
            timeout: Duration::from_millis(timeout_ms),
        }
    }

    #[test]
    fn second_lock_in_process_fails_naming_the_holder_then_succeeds_after_release() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        let guard = acquire(&path, &request(0)).unwrap();
        let error = acquire(&path, &request(0)).unwrap_err();
        let StateError::Locked {
            info: Some(info), ..
        } = &error
        else {
            panic!("expected a lock error naming the holder, got {error}");
        };
        assert_eq!(**info, *guard.info());
        drop(guard);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        acquire(&path, &request(0)).unwrap();
    }

    #[test]
    fn force_unlock_refuses_a_wrong_id_and_breaks_a_held_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        let guard = acquire(&path, &request(0)).unwrap();
        let error = force_unlock(&path, "not-the-id").unwrap_err();
        assert!(
            matches!(
                error,
                StateError::LockIdMismatch {
                    current: Some(_),
                    ..
                }
            ),
            "{error}"
        );
        let outcome = force_unlock(&path, &guard.info().id.to_string()).unwrap();
        assert_eq!(outcome, ForceUnlock::Broken(guard.info().clone()));
        // The next run locks a fresh file even though the old holder still lives.
        let second = acquire(&path, &request(0)).unwrap();
        assert_ne!(second.info().id, guard.info().id);
    }

    #[test]
    fn force_unlock_clears_a_record_left_by_a_dead_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.lock");
        let info = LockInfo::for_this_process("apply");
        let mut file = open_lock_file(&path).unwrap();
        write_info(&mut file, &info).unwrap();
        drop(file);
        assert_eq!(
            force_unlock(&path, &info.id.to_string()).unwrap(),
            ForceUnlock::Cleared(info)
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
        let error = force_unlock(&path, "anything").unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot force-unlock `anything`: the state is not locked"
        );
    }
}

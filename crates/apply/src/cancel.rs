//! Stopping an apply from outside: Ctrl-C once (cancel), twice (abort).

use std::sync::Arc;

use tokio::sync::watch;

/// How far a stop request has gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum StopLevel {
    /// Keep going.
    Running,
    /// Start nothing new; wait for what is in flight.
    Cancelled,
    /// Record what is in flight as pending and return at once.
    Aborted,
}

/// Stops a running apply. Cheap to clone; every clone controls the same apply.
///
/// The CLI calls [`CancelHandle::cancel`] on the first Ctrl-C and [`CancelHandle::abort`] on the
/// second.
#[derive(Debug, Clone)]
pub struct CancelHandle {
    level: Arc<watch::Sender<StopLevel>>,
}

impl CancelHandle {
    /// A handle nobody has triggered yet.
    pub fn new() -> Self {
        Self {
            level: Arc::new(watch::Sender::new(StopLevel::Running)),
        }
    }

    /// First stop: the apply starts no new operation, waits for the ones in flight, records
    /// them, and returns with [`crate::ApplyReport::interrupted`] set.
    pub fn cancel(&self) {
        self.raise(StopLevel::Cancelled);
    }

    /// Second stop: the apply records every operation in flight as pending in the state (the
    /// next run reconciles them) and returns at once, without waiting for them.
    pub fn abort(&self) {
        self.raise(StopLevel::Aborted);
    }

    /// Whether [`CancelHandle::cancel`] or [`CancelHandle::abort`] was called.
    pub fn is_cancelled(&self) -> bool {
        *self.level.borrow() >= StopLevel::Cancelled
    }

    /// Whether [`CancelHandle::abort`] was called.
    pub fn is_aborted(&self) -> bool {
        *self.level.borrow() == StopLevel::Aborted
    }

    fn raise(&self, to: StopLevel) {
        self.level.send_if_modified(|level| {
            let raise = *level < to;
            if raise {
                *level = to;
            }
            raise
        });
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<StopLevel> {
        self.level.subscribe()
    }
}

impl Default for CancelHandle {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_only_rise() {
        let handle = CancelHandle::new();
        assert!(!handle.is_cancelled());
        handle.abort();
        handle.cancel();
        assert!(handle.is_cancelled() && handle.is_aborted());
        let clone = handle.clone();
        assert!(clone.is_aborted());
    }
}

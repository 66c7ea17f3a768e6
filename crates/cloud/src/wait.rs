//! Waiting for a remote operation to finish, polling adaptively.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::CloudError;
use crate::listing::Window;
use crate::model::Progress;
use plinth_core::RemoteObject;

/// How a wait polls: the first poll after `first_poll`, then each interval a `fraction` of the
/// time already waited, at least `first_poll` and at most `max_interval`, until `timeout`.
///
/// An interval proportional to the elapsed time bounds how late a wait notices the end of an
/// operation to about `fraction` of its duration (an operation of 2 s is seen done by about
/// 2.2 s), while the number of polls still grows only logarithmically with the duration.
/// (Geometric backoff overshoots by up to the whole last interval: 22% at 2 s with the former
/// 300 ms x 1.5 schedule.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitOptions {
    /// Delay before the first poll, and the shortest interval between polls (default 200 ms).
    pub first_poll: Duration,
    /// Interval between polls as a fraction of the time already waited (default 0.1).
    pub fraction: f64,
    /// Longest interval between polls (default 5 s).
    pub max_interval: Duration,
    /// How long the whole wait may take (default 10 min).
    pub timeout: Duration,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            first_poll: Duration::from_millis(200),
            fraction: 0.1,
            max_interval: Duration::from_secs(5),
            timeout: Duration::from_secs(600),
        }
    }
}

impl WaitOptions {
    /// The same polling with another timeout (the resource's `timeouts { .. }`).
    #[must_use]
    pub fn with_timeout(self, timeout: Duration) -> Self {
        Self { timeout, ..self }
    }

    /// The interval before the next poll, `elapsed` into the wait.
    fn next_interval(&self, elapsed: Duration) -> Duration {
        let fraction = if self.fraction.is_finite() {
            self.fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        elapsed
            .mul_f64(fraction)
            .max(self.first_poll)
            .min(self.max_interval.max(self.first_poll))
    }
}

/// What a wait waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitTarget {
    /// The object is ready (add-on `running` or `available`, plug-in `Running`).
    Ready,
    /// The object is ready and runs this version: for waiting after an upgrade, when the first
    /// polls may still show the old version running. An object that reports no running version
    /// in `attribute` (the registry's [`plinth_core::registry::VersionAttributes::running`]:
    /// `installed_version` of plug-ins, `current_version` of add-ons) is taken at its word.
    ReadyAt {
        /// The version wanted.
        version: String,
        /// The attribute that reports the running version.
        attribute: &'static str,
    },
    /// The object is gone (404 or `deleteSuccess`).
    Gone,
}

impl WaitTarget {
    /// Whether a ready `object` satisfies this target.
    fn accepts(&self, object: &RemoteObject) -> bool {
        match self {
            Self::Ready => true,
            Self::ReadyAt { version, attribute } => {
                running_version(object, attribute).is_none_or(|v| v == *version)
            }
            Self::Gone => false,
        }
    }
}

/// The version an object reports running in `attribute`, when it reports one.
pub fn running_version(object: &RemoteObject, attribute: &str) -> Option<String> {
    match object
        .attributes
        .to_value()
        .get_mut(attribute)
        .map(serde_json::Value::take)
    {
        Some(serde_json::Value::String(version)) if !version.is_empty() => Some(version),
        _ => None,
    }
}

/// One observation during a wait, for live progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitProgress {
    /// The status the cloud reported (`installing`, `Pending`, ...), or `not found`.
    pub status: String,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// Status reported for an object that a poll did not find.
pub const NOT_FOUND_STATUS: &str = "not found";

/// Polls `poll` until the object reaches `target`, fails, or `options.timeout` passes, calling
/// `on_progress` after each poll. `what` names the object in errors.
///
/// Waiting for [`WaitTarget::Ready`] returns the ready object; an object not found counts as still
/// in progress (a new object may take a moment to be listed). Waiting for [`WaitTarget::Gone`]
/// returns `None` once the object is not found or reports `deleteSuccess`. A failed status ends the
/// wait with [`CloudError::OperationFailed`] carrying the cloud's reason and message.
pub async fn wait_until<F, Fut>(
    what: &str,
    target: &WaitTarget,
    options: &WaitOptions,
    on_progress: &(dyn Fn(&WaitProgress) + Send + Sync),
    mut poll: F,
) -> Result<Option<RemoteObject>, CloudError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<RemoteObject>, CloudError>>,
{
    wait_polling(what, target, options, on_progress, |_| {
        let sent = Instant::now();
        let answer = poll();
        async move { answer.await.map(|object| Polled { object, sent }) }
    })
    .await
}

/// One poll's answer, and when it was sent (a poll that joined a list another wait sent was
/// sent then).
pub(crate) struct Polled {
    pub object: Option<RemoteObject>,
    pub sent: Instant,
}

/// [`wait_until`] whose `poll` is told when its answer may have been sent: after the wait began
/// and within half an interval of the poll's time, so that a poll may join a list another wait
/// of the same cluster or pool sends (`crate::listing`). The wait's own schedule and timeout are
/// kept: a poll is never answered by a list sent after the deadline.
pub(crate) async fn wait_polling<F, Fut>(
    what: &str,
    target: &WaitTarget,
    options: &WaitOptions,
    on_progress: &(dyn Fn(&WaitProgress) + Send + Sync),
    mut poll: F,
) -> Result<Option<RemoteObject>, CloudError>
where
    F: FnMut(Window) -> Fut,
    Fut: Future<Output = Result<Polled, CloudError>>,
{
    let started = Instant::now();
    let deadline = started + options.timeout;
    let mut last_status: Option<String> = None;
    // The next poll is an interval after the last answer was sent: a wait that joined another's
    // list keeps to that list's schedule, so the waits of one cluster keep polling together.
    let mut last_sent = started;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(CloudError::Timeout {
                what: what.to_owned(),
                timeout: options.timeout,
                last_status,
            });
        }
        let interval = options.next_interval(now - started);
        let due = (last_sent + interval).max(now).min(deadline);
        tokio::time::sleep_until(due).await;

        let slack = interval / 2;
        let window = Window {
            earliest: started.max(due.checked_sub(slack).unwrap_or(started)),
            due,
            latest: (due + slack).min(deadline),
        };
        let Polled {
            object: observed,
            sent,
        } = poll(window).await?;
        last_sent = sent;
        let status = observed
            .as_ref()
            .map_or(NOT_FOUND_STATUS, |object| object.status.as_str())
            .to_owned();
        on_progress(&WaitProgress {
            status: status.clone(),
            elapsed: started.elapsed(),
        });
        last_status = Some(status);
        let waiting_for_gone = *target == WaitTarget::Gone;
        match observed {
            None if waiting_for_gone => return Ok(None),
            Some(object) if waiting_for_gone && object.progress == Progress::Gone => {
                return Ok(None);
            }
            Some(object) if object.progress == Progress::Done && target.accepts(&object) => {
                return Ok(Some(object));
            }
            Some(object) if !waiting_for_gone && object.progress == Progress::Gone => {
                return Err(CloudError::Disappeared {
                    what: what.to_owned(),
                });
            }
            Some(object) if object.progress == Progress::Failed => {
                return Err(CloudError::OperationFailed {
                    what: what.to_owned(),
                    status: object.status,
                    reason: object.reason,
                    message: object.message,
                });
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {

    use std::sync::Mutex;

    use super::*;

    fn object(status: &str, progress: Progress) -> RemoteObject {
        RemoteObject {
            id: Some("id".to_owned()),
            natural_key: plinth_core::NaturalKey::new(),
            attributes: serde_json::json!({}).into(),
            progress,
            status: status.to_owned(),
            reason: Some("r".to_owned()),
            message: None,
        }
    }

    async fn run(
        target: WaitTarget,
        answers: Vec<Option<RemoteObject>>,
        timeout: Duration,
    ) -> (Result<Option<RemoteObject>, CloudError>, Vec<WaitProgress>) {
        let seen = Mutex::new(Vec::new());
        let answers = Mutex::new(answers.into_iter());
        let options = WaitOptions::default().with_timeout(timeout);
        let result = wait_until(
            "thing",
            &target,
            &options,
            &|progress| seen.lock().unwrap().push(progress.clone()),
            || {
                let next = answers.lock().unwrap().next();
                async move {
                    Ok(next.unwrap_or_else(|| Some(object("installing", Progress::InProgress))))
                }
            },
        )
        .await;
        (result, seen.into_inner().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn polls_often_early_then_at_a_tenth_of_the_wait_up_to_the_cap() {
        let (result, seen) = run(WaitTarget::Ready, vec![], Duration::from_secs(60)).await;
        let Err(CloudError::Timeout { last_status, .. }) = result else {
            panic!("expected a timeout");
        };
        assert_eq!(last_status.as_deref(), Some("installing"));
        let times: Vec<Duration> = seen.iter().map(|p| p.elapsed).collect();
        assert_eq!(times[0], Duration::from_millis(200));
        assert_eq!(times[1], Duration::from_millis(400));
        let floor = Duration::from_millis(200);
        for pair in times.windows(2) {
            let gap = pair[1].checked_sub(pair[0]).unwrap();
            // At most a tenth of the wait so far or the floor (plus the timer's 1 ms
            // granularity), and never more than the cap.
            let bound = pair[0].mul_f64(0.1).max(floor) + Duration::from_millis(1);
            assert!(gap <= bound, "{gap:?} after {:?}", pair[0]);
            assert!(gap <= Duration::from_secs(5));
        }
        let gaps: Vec<Duration> = times
            .windows(2)
            .map(|w| w[1].checked_sub(w[0]).unwrap())
            .collect();
        let (last, growing) = gaps.split_last().unwrap();
        assert!(growing.windows(2).all(|w| w[1] >= w[0]));
        assert!(growing.iter().all(|gap| *gap >= floor));
        assert_eq!(*growing.last().unwrap(), Duration::from_secs(5));
        assert!(*last <= Duration::from_secs(5));
        assert_eq!(*times.last().unwrap(), Duration::from_secs(60));
        // Logarithmic: a minute of waiting takes a few dozen polls, not one per floor interval.
        assert!(times.len() < 50, "{} polls", times.len());
    }

    #[tokio::test(start_paused = true)]
    async fn notices_the_end_of_an_operation_within_a_tenth_of_its_duration() {
        for millis in [150, 900, 2_000, 2_050, 7_300, 31_000, 240_000] {
            let duration = Duration::from_millis(millis);
            let started = Instant::now();
            let options = WaitOptions::default();
            let result = wait_until(
                "thing",
                &WaitTarget::Ready,
                &options,
                &crate::no_progress,
                || {
                    let done = started.elapsed() >= duration;
                    async move {
                        Ok(Some(if done {
                            object("running", Progress::Done)
                        } else {
                            object("installing", Progress::InProgress)
                        }))
                    }
                },
            )
            .await;
            assert!(result.unwrap().is_some());
            let noticed = started.elapsed();
            let bound = duration.mul_f64(1.1).max(duration + options.first_poll);
            assert!(
                noticed <= bound + Duration::from_millis(1),
                "an operation of {duration:?} noticed at {noticed:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn ready_after_progress() {
        let (result, seen) = run(
            WaitTarget::Ready,
            vec![
                None,
                Some(object("installing", Progress::InProgress)),
                Some(object("running", Progress::Done)),
            ],
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(result.unwrap().unwrap().status, "running");
        let statuses: Vec<&str> = seen.iter().map(|p| p.status.as_str()).collect();
        assert_eq!(statuses, ["not found", "installing", "running"]);
    }

    #[tokio::test(start_paused = true)]
    async fn failure_carries_status_and_reason() {
        let (result, _) = run(
            WaitTarget::Ready,
            vec![Some(object("installFailed", Progress::Failed))],
            Duration::from_secs(60),
        )
        .await;
        let Err(CloudError::OperationFailed { status, reason, .. }) = result else {
            panic!("expected a failure");
        };
        assert_eq!(status, "installFailed");
        assert_eq!(reason.as_deref(), Some("r"));
    }

    #[tokio::test(start_paused = true)]
    async fn gone_by_absence_or_delete_success() {
        let (result, _) = run(
            WaitTarget::Gone,
            vec![Some(object("deleting", Progress::Deleting)), None],
            Duration::from_secs(60),
        )
        .await;
        assert!(result.unwrap().is_none());
        let (result, _) = run(
            WaitTarget::Gone,
            vec![Some(object("deleteSuccess", Progress::Gone))],
            Duration::from_secs(60),
        )
        .await;
        assert!(result.unwrap().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn ready_at_waits_for_the_new_version() {
        let at = |version: &str| {
            let mut object = object("Running", Progress::Done);
            object.attributes = serde_json::json!({"installed_version": version}).into();
            Some(object)
        };
        let (result, seen) = run(
            WaitTarget::ReadyAt {
                version: "2.0".to_owned(),
                attribute: "installed_version",
            },
            vec![at("1.0"), at("1.0"), at("2.0")],
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(
            result.unwrap().unwrap().attributes.to_value()["installed_version"],
            "2.0"
        );
        assert_eq!(seen.len(), 3);
        // An object that reports no version is taken at its word.
        let (result, _) = run(
            WaitTarget::ReadyAt {
                version: "2.0".to_owned(),
                attribute: "installed_version",
            },
            vec![Some(object("running", Progress::Done))],
            Duration::from_secs(60),
        )
        .await;
        assert!(result.unwrap().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn delete_success_while_waiting_for_ready_is_an_error() {
        let (result, _) = run(
            WaitTarget::Ready,
            vec![Some(object("deleteSuccess", Progress::Gone))],
            Duration::from_secs(60),
        )
        .await;
        assert!(matches!(result, Err(CloudError::Disappeared { .. })));
    }
}

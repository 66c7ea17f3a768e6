//! The client's request rate per service, adapted to the API gateway's flow control.
//!
//! Unlimited until the gateway first answers 429: then the service's calls are paced at half the
//! rate they were being sent at (multiplicative decrease, once per round of calls: the 429s of
//! calls sent before the decrease do not halve it again), and every call waits until the
//! `Retry-After` the gateway asked has passed. Each answer that is not a 429 raises the rate a
//! little, by 1 request a second per second (or 5% a second when faster: additive increase),
//! so a throttled run converges on the gateway's rate instead of retrying in a storm.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use tokio::time::{Duration, Instant};

/// The slowest pace: one call every two seconds.
const MIN_RATE: f64 = 0.5;
/// A rate above which pacing stops again (no gateway limits a client this high).
const MAX_RATE: f64 = 10_000.0;
/// The window over which the rate calls are sent at is measured.
const WINDOW: Duration = Duration::from_secs(1);

/// Which calls share a limit: a service's calls to one API (the gateway limits CCE and CCE
/// Autopilot apart, though both are the client's `Service::Cce`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LimitKey {
    pub host: String,
    pub api: String,
}

/// The rate of every service a client calls.
#[derive(Debug, Default)]
pub(crate) struct Throttle {
    services: Mutex<HashMap<LimitKey, Pace>>,
}

#[derive(Debug)]
struct Pace {
    /// Calls a second, once throttled; `None` while unlimited.
    rate: Option<f64>,
    /// The earliest time the next call may be sent.
    next: Instant,
    /// When the rate was last halved: a 429 to a call sent before is of the same round.
    decreased: Option<Instant>,
    /// Calls sent in the current window and the one before, to know the rate when first throttled.
    window_start: Instant,
    sent: u32,
    sent_before: u32,
}

impl Pace {
    fn new(now: Instant) -> Self {
        Self {
            rate: None,
            next: now,
            decreased: None,
            window_start: now,
            sent: 0,
            sent_before: 0,
        }
    }

    /// The rate calls were sent at lately.
    fn recent_rate(&mut self, now: Instant) -> f64 {
        self.roll(now);
        let into = now
            .saturating_duration_since(self.window_start)
            .as_secs_f64();
        let counted = f64::from(self.sent_before + self.sent);
        counted / (WINDOW.as_secs_f64() + into).max(0.001)
    }

    fn roll(&mut self, now: Instant) {
        while now.saturating_duration_since(self.window_start) >= WINDOW {
            self.sent_before = self.sent;
            self.sent = 0;
            self.window_start += WINDOW;
            if now.saturating_duration_since(self.window_start) >= WINDOW * 2 {
                // Long idle: nothing recent to count.
                self.sent_before = 0;
                self.window_start = now;
            }
        }
    }
}

impl Throttle {
    /// Waits until a call of `key` may be sent; answers when it is sent.
    pub(crate) async fn ready(&self, key: &LimitKey) -> Instant {
        let now = Instant::now();
        let slot = {
            let mut services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
            let pace = services
                .entry(key.clone())
                .or_insert_with(|| Pace::new(now));
            let slot = pace.next.max(now);
            if let Some(rate) = pace.rate {
                pace.next = slot + Duration::from_secs_f64(1.0 / rate);
            }
            pace.roll(slot);
            pace.sent += 1;
            slot
        };
        // Unthrottled, the call goes at once: a sleep until now would still wait for the
        // timer's next tick (a millisecond or more on a busy runtime), on every call.
        if slot > now {
            tokio::time::sleep_until(slot).await;
        }
        slot
    }

    /// A call of `key` sent at `sent` was throttled; the gateway asked to wait `retry_after`.
    pub(crate) fn throttled(&self, key: &LimitKey, sent: Instant, retry_after: Duration) {
        let now = Instant::now();
        let mut services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        let pace = services
            .entry(key.clone())
            .or_insert_with(|| Pace::new(now));
        pace.next = pace.next.max(now + retry_after);
        if pace.decreased.is_some_and(|at| sent < at) {
            return;
        }
        let current = pace.rate.unwrap_or_else(|| pace.recent_rate(now));
        pace.rate = Some((current / 2.0).max(MIN_RATE));
        pace.decreased = Some(now);
    }

    /// A call of `key` was answered (anything but a 429).
    pub(crate) fn answered(&self, key: &LimitKey) {
        let mut services = self.services.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(pace) = services.get_mut(key) else {
            return;
        };
        if let Some(rate) = pace.rate {
            let grown = rate + (0.05 * rate).max(1.0) / rate;
            pace.rate = (grown < MAX_RATE).then_some(grown);
        }
    }

    /// The calls a second `key` is paced at, `None` while unlimited.
    #[cfg(test)]
    fn rate(&self, key: &LimitKey) -> Option<f64> {
        self.services
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .and_then(|pace| pace.rate)
    }
}

#[cfg(test)]
mod tests {
    use std::future::Future;

    use super::*;

    fn cce() -> LimitKey {
        LimitKey {
            host: "cce.example".to_owned(),
            api: "api".to_owned(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_until_throttled_then_half_the_rate_sent_at() {
        let throttle = Throttle::default();
        let start = Instant::now();
        // 40 calls in one second: not paced.
        for i in 0..40 {
            let sent = throttle.ready(&cce()).await;
            assert_eq!(sent, Instant::now());
            if i % 2 == 0 {
                tokio::time::advance(Duration::from_millis(50)).await;
            }
        }
        assert_eq!(throttle.rate(&cce()), None);
        let sent = Instant::now();
        throttle.throttled(&cce(), sent, Duration::from_secs(1));
        let rate = throttle.rate(&cce()).unwrap();
        assert!((15.0..=25.0).contains(&rate), "{rate}");
        // Every call waits out the Retry-After, then they are paced.
        let first = throttle.ready(&cce()).await;
        assert!(first >= sent + Duration::from_secs(1));
        let second = throttle.ready(&cce()).await;
        let gap = second - first;
        assert!(
            (gap.as_secs_f64() - 1.0 / rate).abs() < 0.001,
            "{gap:?} at {rate}"
        );
        assert!(start.elapsed() >= Duration::from_secs(2));
    }

    /// On a real clock: a sleep until now would be pending until the timer's next tick.
    #[tokio::test]
    async fn an_unthrottled_call_goes_without_waiting_for_the_timer() {
        let throttle = Throttle::default();
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let key = cce();
        for _ in 0..100 {
            let mut ready = std::pin::pin!(throttle.ready(&key));
            assert!(
                ready.as_mut().poll(&mut context).is_ready(),
                "an unthrottled call waited"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_throttled_answers_of_one_round_halve_the_rate_once() {
        let throttle = Throttle::default();
        let sent: Vec<Instant> = futures_like_burst(&throttle, 10).await;
        for at in &sent {
            throttle.throttled(&cce(), *at, Duration::from_millis(100));
        }
        let once = throttle.rate(&cce()).unwrap();
        // A call sent after the decrease and throttled again halves it again.
        let later = throttle.ready(&cce()).await;
        throttle.throttled(&cce(), later, Duration::from_millis(100));
        let twice = throttle.rate(&cce()).unwrap();
        assert!(
            (twice - (once / 2.0).max(MIN_RATE)).abs() < 1e-9,
            "{once} {twice}"
        );
        // Another service is not slowed.
        let other = LimitKey {
            host: "cce.example".to_owned(),
            api: "autopilot".to_owned(),
        };
        let now = Instant::now();
        assert_eq!(throttle.ready(&other).await, now);
    }

    #[tokio::test(start_paused = true)]
    async fn answers_raise_the_rate_again_until_unlimited() {
        let throttle = Throttle::default();
        let sent = throttle.ready(&cce()).await;
        throttle.throttled(&cce(), sent, Duration::ZERO);
        let low = throttle.rate(&cce()).unwrap();
        assert!((low - MIN_RATE).abs() < 1e-9 || low < 2.0, "{low}");
        for _ in 0..100 {
            throttle.answered(&cce());
        }
        let higher = throttle.rate(&cce()).unwrap();
        assert!(higher > low + 5.0, "{low} -> {higher}");
        for _ in 0..1_000_000 {
            throttle.answered(&cce());
            if throttle.rate(&cce()).is_none() {
                return;
            }
        }
        panic!("the rate never grew back to unlimited");
    }

    async fn futures_like_burst(throttle: &Throttle, calls: usize) -> Vec<Instant> {
        let mut sent = Vec::with_capacity(calls);
        for _ in 0..calls {
            sent.push(throttle.ready(&cce()).await);
        }
        sent
    }
}

//! When and how long to wait before sending a call again.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Exponential backoff with full jitter: before retry `n` (0-based) the client sleeps a uniformly
/// random time in `[0, min(cap, base * 2^n)]`, or what the server's `Retry-After` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How many times a call is sent again after the first attempt (default 5).
    pub max_retries: u32,
    /// The first backoff ceiling (default 200 ms).
    pub base: Duration,
    /// The largest backoff ceiling (default 20 s).
    pub cap: Duration,
    /// The longest `Retry-After` honoured; a longer one is shortened to this (default 120 s).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base: Duration::from_millis(200),
            cap: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// The upper bound of the backoff before retry `attempt` (0-based): `min(cap, base * 2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 2u32.checked_pow(attempt).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// A random backoff in `[0, ceiling(attempt)]` (full jitter).
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.backoff_with(attempt, &mut rand::rng())
    }

    /// [`RetryPolicy::backoff`] with a given random source.
    pub fn backoff_with(&self, attempt: u32, rng: &mut impl Rng) -> Duration {
        let ceiling = self.ceiling(attempt);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        Duration::from_nanos(rng.random_range(0..=nanos))
    }

    /// The delay before retry `attempt`: the server's `Retry-After` when it gave one (at most
    /// `max_retry_after`), a jittered backoff otherwise.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(delay) => delay.min(self.max_retry_after),
            None => self.backoff(attempt),
        }
    }
}

/// Parses a `Retry-After` value: delta seconds (`"1"`), or an HTTP date
/// (`"Sun, 06 Nov 1994 08:49:37 GMT"`) relative to `now` (a past date means no wait).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let date = SystemTime::from(date);
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.ceiling(0), Duration::from_millis(200));
        assert_eq!(policy.ceiling(1), Duration::from_millis(400));
        assert_eq!(policy.ceiling(3), Duration::from_millis(1600));
        assert_eq!(policy.ceiling(6), Duration::from_millis(12_800));
        assert_eq!(policy.ceiling(7), Duration::from_secs(20));
        assert_eq!(policy.ceiling(40), Duration::from_secs(20));
        assert_eq!(policy.ceiling(u32::MAX), Duration::from_secs(20));
    }

    #[test]
    fn full_jitter_stays_within_bounds_and_spreads() {
        let policy = RetryPolicy::default();
        let mut rng = StdRng::seed_from_u64(7);
        for attempt in 0..12 {
            let ceiling = policy.ceiling(attempt);
            let samples: Vec<Duration> = (0..200)
                .map(|_| policy.backoff_with(attempt, &mut rng))
                .collect();
            assert!(samples.iter().all(|delay| *delay <= ceiling), "{attempt}");
            // Full jitter: both halves of the range are used, not only the top.
            assert!(
                samples.iter().any(|delay| *delay < ceiling / 2),
                "{attempt}"
            );
            assert!(
                samples.iter().any(|delay| *delay > ceiling / 2),
                "{attempt}"
            );
        }
    }

    #[test]
    fn retry_after_wins_and_is_bounded() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(3600))),
            Duration::from_secs(120)
        );
        assert!(policy.delay(2, None) <= policy.ceiling(2));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // 1994-11-06 08:49:37 UTC
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }
}

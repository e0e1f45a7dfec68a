//! [`RateLimit`]: how many requests a client may make, as a token bucket.

use std::fmt;
use std::time::Duration;

/// Requests per second a client may make on average, with bursts up to
/// `burst`. The default (50 per second, bursts of 100) is far beyond what
/// a person types and what the course's programs send; it stops one client
/// from making the server fan out without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second; 0 disables the limit.
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 50,
            burst: 100,
        }
    }
}

impl RateLimit {
    /// No limit.
    pub const UNLIMITED: RateLimit = RateLimit {
        per_second: 0,
        burst: 0,
    };
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} requests per second", self.per_second)
    }
}

/// One client's bucket, in thousandths of a token (integer arithmetic:
/// the same inputs always give the same answer).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    milli_tokens: u64,
    last: Duration,
}

impl TokenBucket {
    pub fn new(limit: RateLimit, now: Duration) -> Self {
        TokenBucket {
            limit,
            milli_tokens: u64::from(limit.burst) * 1000,
            last: now,
        }
    }

    /// Takes a token, or says which limit was hit.
    pub fn take(&mut self, now: Duration) -> Result<(), RateLimit> {
        if self.limit.per_second == 0 {
            return Ok(());
        }
        let cap = u64::from(self.limit.burst.max(1)) * 1000;
        let elapsed = now.saturating_sub(self.last);
        self.last = now;
        let earned = elapsed
            .as_micros()
            .saturating_mul(u128::from(self.limit.per_second))
            / 1000;
        let earned = u64::try_from(earned).unwrap_or(u64::MAX);
        self.milli_tokens = self.milli_tokens.saturating_add(earned).min(cap);
        if self.milli_tokens >= 1000 {
            self.milli_tokens -= 1000;
            Ok(())
        } else {
            Err(self.limit)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_then_refills_at_the_rate() {
        let limit = RateLimit {
            per_second: 10,
            burst: 3,
        };
        let t0 = Duration::from_secs(5);
        let mut bucket = TokenBucket::new(limit, t0);
        for _ in 0..3 {
            assert!(bucket.take(t0).is_ok());
        }
        assert_eq!(bucket.take(t0), Err(limit));
        // 100 ms earns one token at 10/s.
        let t1 = t0 + Duration::from_millis(100);
        assert!(bucket.take(t1).is_ok());
        assert!(bucket.take(t1).is_err());
        // A long quiet spell refills only up to the burst.
        let t2 = t1 + Duration::from_secs(60);
        for _ in 0..3 {
            assert!(bucket.take(t2).is_ok());
        }
        assert!(bucket.take(t2).is_err());
    }

    #[test]
    fn zero_is_unlimited() {
        let mut bucket = TokenBucket::new(RateLimit::UNLIMITED, Duration::ZERO);
        for _ in 0..10_000 {
            assert!(bucket.take(Duration::ZERO).is_ok());
        }
    }
}

//! [`Slowest`]: the slowest of an interval's turns (the event loop's) or
//! transactions (the storage thread's), so that each reports one line per
//! interval, never one per event — cheap enough to be always on.

use std::time::{Duration, Instant};

use log::{debug, info};

/// Something whose duration is measured: a turn, a transaction.
pub(crate) trait Timed: Copy + Default {
    /// How long it took, all told.
    fn total(&self) -> Duration;
}

/// The interval under way: its slowest, and how many there were.
pub(crate) struct Slowest<T> {
    every: Duration,
    slow: Duration,
    interval_start: Instant,
    interval: Interval<T>,
}

/// An interval's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Interval<T> {
    /// The slowest.
    pub slowest: T,
    /// How many were recorded.
    pub count: u64,
    /// How many of them took the slow mark or longer.
    pub slow: u64,
}

impl<T: Timed> Slowest<T> {
    /// Intervals of `every`, starting at `now`; `slow` is the mark above
    /// which one counts as slow (and its interval is logged at `info`).
    pub(crate) fn new(now: Instant, every: Duration, slow: Duration) -> Self {
        Slowest {
            every,
            slow,
            interval_start: now,
            interval: Interval::default(),
        }
    }

    /// Records `t`, finished at `now`; at the end of an interval returns
    /// its figures (and starts the next).
    pub(crate) fn record(&mut self, t: T, now: Instant) -> Option<Interval<T>> {
        let interval = &mut self.interval;
        interval.count += 1;
        if t.total() >= self.slow {
            interval.slow += 1;
        }
        if t.total() > interval.slowest.total() {
            interval.slowest = t;
        }
        if now.saturating_duration_since(self.interval_start) < self.every {
            return None;
        }
        self.interval_start = now;
        Some(std::mem::take(&mut self.interval))
    }

    /// The interval so far, if anything was recorded in it.
    pub(crate) fn so_far(&self) -> Option<Interval<T>> {
        (self.interval.count > 0).then_some(self.interval)
    }

    /// Logs `line`, about `interval`: at `info` if its slowest took the
    /// slow mark or longer, else at `debug`.
    pub(crate) fn log(&self, interval: &Interval<T>, line: &str) {
        if interval.slowest.total() >= self.slow {
            info!("{line}");
        } else {
            debug!("{line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    struct Took(u64);

    impl Timed for Took {
        fn total(&self) -> Duration {
            Duration::from_millis(self.0)
        }
    }

    #[test]
    fn an_interval_keeps_its_slowest_and_counts_the_slow_ones() {
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        let mut s = Slowest::new(start, Duration::from_secs(10), Duration::from_millis(20));
        assert_eq!(s.so_far(), None);
        assert_eq!(s.record(Took(5), at(1)), None);
        assert_eq!(s.record(Took(30), at(2)), None);
        assert_eq!(s.record(Took(25), at(3)), None);
        let so_far = Interval {
            slowest: Took(30),
            count: 3,
            slow: 2,
        };
        assert_eq!(s.so_far(), Some(so_far));
        // The interval ends with the first one recorded after it.
        let ended = s.record(Took(1), at(10_000)).unwrap();
        assert_eq!((ended.slowest, ended.count, ended.slow), (Took(30), 4, 2));
        assert_eq!(s.so_far(), None);
        assert_eq!(s.record(Took(2), at(10_001)), None);
        assert_eq!(s.so_far().map(|i| i.slowest), Some(Took(2)));
    }
}

//! How long the storage thread's transactions take: every answer that
//! stores something waits for its transaction's commit, so a slow commit
//! is a slow answer for every client in the batch — and, on a disk that
//! stalls, the one figure that tells the operator why.
//!
//! Every [`REPORT_EVERY`] the slowest transaction of the interval is
//! logged with its ops and how long its statements and its commit took —
//! at `info` when it took [`SLOW_COMMIT`] or more, at `debug` otherwise;
//! one line per interval at most.

use std::time::{Duration, Instant};

use log::{debug, info};

/// How often the slowest transaction is reported.
pub(super) const REPORT_EVERY: Duration = Duration::from_secs(10);
/// A transaction this long is reported at `info`.
pub(super) const SLOW_COMMIT: Duration = Duration::from_millis(20);

/// One transaction's measurements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Transaction {
    /// Ops in it.
    pub ops: usize,
    /// From `BEGIN` to the last statement.
    pub statements: Duration,
    /// The `COMMIT` (for SQLite: the WAL append, and the fsync at `Full`).
    pub commit: Duration,
}

impl Transaction {
    fn total(&self) -> Duration {
        self.statements + self.commit
    }
}

/// The interval's count and slowest transaction.
pub(super) struct CommitStats {
    interval_start: Instant,
    slowest: Transaction,
    count: u64,
    slow: u64,
}

impl CommitStats {
    pub(super) fn new(now: Instant) -> Self {
        CommitStats {
            interval_start: now,
            slowest: Transaction::default(),
            count: 0,
            slow: 0,
        }
    }

    /// A transaction finished at `now`.
    pub(super) fn record(&mut self, t: Transaction, now: Instant) {
        self.count += 1;
        if t.total() >= SLOW_COMMIT {
            self.slow += 1;
        }
        if t.total() > self.slowest.total() {
            self.slowest = t;
        }
        if now.saturating_duration_since(self.interval_start) >= REPORT_EVERY {
            let line = describe(&self.slowest, self.count, self.slow);
            if self.slowest.total() >= SLOW_COMMIT {
                info!("{line}");
            } else {
                debug!("{line}");
            }
            self.interval_start = now;
            self.slowest = Transaction::default();
            self.count = 0;
            self.slow = 0;
        }
    }
}

impl CommitStats {
    /// Reports the interval so far whatever it was (when the storage
    /// thread stops: the last word on how the disk kept up).
    pub(super) fn report_now(&self) {
        if self.count > 0 {
            info!("{}", describe(&self.slowest, self.count, self.slow));
        }
    }
}

/// `storage: slowest transaction 41.0 ms (12 ops; statements 0.3 ms, commit 40.7 ms) of 812, 2 of them 20.0 ms or longer`.
fn describe(t: &Transaction, count: u64, slow: u64) -> String {
    format!(
        "storage: slowest transaction {} ({} ops; statements {}, commit {}) of {count}, {slow} of them {} or longer",
        ms(t.total()),
        t.ops,
        ms(t.statements),
        ms(t.commit),
        ms(SLOW_COMMIT),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_slowest_and_its_parts() {
        let t = Transaction {
            ops: 12,
            statements: Duration::from_micros(300),
            commit: Duration::from_micros(40_700),
        };
        assert_eq!(
            describe(&t, 812, 2),
            "storage: slowest transaction 41.0 ms (12 ops; statements 0.3 ms, commit 40.7 ms) of 812, 2 of them 20.0 ms or longer"
        );
    }

    #[test]
    fn the_slowest_is_kept_until_the_interval_ends() {
        let start = Instant::now();
        let mut stats = CommitStats::new(start);
        let slow = Transaction {
            ops: 3,
            statements: Duration::from_millis(1),
            commit: Duration::from_millis(30),
        };
        let quick = Transaction {
            ops: 1,
            statements: Duration::from_micros(10),
            commit: Duration::from_micros(40),
        };
        stats.record(slow, start);
        stats.record(quick, start);
        assert_eq!((stats.count, stats.slow), (2, 1));
        assert_eq!(stats.slowest, slow);
        // The report resets the interval.
        stats.record(quick, start + REPORT_EVERY);
        assert_eq!((stats.count, stats.slow), (0, 0));
        assert_eq!(stats.slowest, Transaction::default());
    }
}

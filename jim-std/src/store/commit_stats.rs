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

use crate::slowest::{Interval, Slowest, Timed};
use crate::thread_clock::{ms, ThreadClocks};

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
    /// The storage thread's CPU time in it and its time waiting for a
    /// CPU: far below the total on the CPU and not waiting for one, the
    /// thread waited for the disk.
    pub cpu: Option<ThreadClocks>,
}

impl Timed for Transaction {
    fn total(&self) -> Duration {
        self.statements + self.commit
    }
}

/// The interval's count and slowest transaction.
pub(super) struct CommitStats {
    slowest: Slowest<Transaction>,
}

impl CommitStats {
    pub(super) fn new(now: Instant) -> Self {
        CommitStats {
            slowest: Slowest::new(now, REPORT_EVERY, SLOW_COMMIT),
        }
    }

    /// A transaction finished at `now`.
    pub(super) fn record(&mut self, t: Transaction, now: Instant) {
        if let Some(interval) = self.slowest.record(t, now) {
            self.slowest.log(&interval, &describe(&interval));
        }
    }

    /// Reports the interval so far whatever it was (when the storage
    /// thread stops: the last word on how the disk kept up).
    pub(super) fn report_now(&self) {
        if let Some(interval) = self.slowest.so_far() {
            log::info!("{}", describe(&interval));
        }
    }
}

/// `storage: slowest transaction 41.0 ms, 0.4 ms of it on the CPU, … (12 ops; statements 0.3 ms, commit 40.7 ms) of 812, 2 of them 20.0 ms or longer`.
fn describe(interval: &Interval<Transaction>) -> String {
    let t = &interval.slowest;
    format!(
        "storage: slowest transaction {}{} ({} ops; statements {}, commit {}) of {}, {} of them {} or longer",
        ms(t.total()),
        t.cpu.map_or(String::new(), |c| c.describe()),
        t.ops,
        ms(t.statements),
        ms(t.commit),
        interval.count,
        interval.slow,
        ms(SLOW_COMMIT),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_slowest_and_its_parts() {
        let mut interval = Interval {
            slowest: Transaction {
                ops: 12,
                statements: Duration::from_micros(300),
                commit: Duration::from_micros(40_700),
                cpu: None,
            },
            count: 812,
            slow: 2,
        };
        assert_eq!(
            describe(&interval),
            "storage: slowest transaction 41.0 ms (12 ops; statements 0.3 ms, commit 40.7 ms) of 812, 2 of them 20.0 ms or longer"
        );
        interval.slowest.cpu = Some(ThreadClocks {
            on_cpu: Duration::from_micros(400),
            waiting_for_cpu: Some(Duration::from_micros(38_100)),
            switches: Some(4),
        });
        assert_eq!(
            describe(&interval),
            "storage: slowest transaction 41.0 ms, 0.4 ms of it on the CPU, 38.1 ms waiting for one, 4 context switches (12 ops; statements 0.3 ms, commit 40.7 ms) of 812, 2 of them 20.0 ms or longer"
        );
    }
}

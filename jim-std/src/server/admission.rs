//! Who gets in: the connection limit, and running out of file descriptors.
//!
//! Beyond [`ServerConfig::max_connections`](crate::ServerConfig) a client
//! is answered `500 server busy` and closed cleanly instead of being left
//! in the kernel's queue to time out. When the process has no descriptor
//! left to accept with, a spare one is given up to accept the client and
//! turn it away, then taken back (the libuv/nginx trick); otherwise the
//! queue would hold clients nobody answers.

use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

use log::warn;

/// How often limit hits are logged at most (they come in bursts).
const LOG_EVERY: Duration = Duration::from_secs(1);

/// How long to wait before accepting again after an unexpected error.
pub(super) const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Counts clients turned away and logs them, at most once a second.
pub(super) struct Refusals {
    limit: usize,
    /// Turned away for the connection limit, not yet logged.
    busy: u64,
    /// Turned away for want of file descriptors, not yet logged.
    starved: u64,
    last_log: Option<Instant>,
}

impl Refusals {
    pub(super) fn new(limit: usize) -> Self {
        Refusals {
            limit,
            busy: 0,
            starved: 0,
            last_log: None,
        }
    }

    /// One more client turned away at the connection limit.
    pub(super) fn record_busy(&mut self, now: Instant) {
        self.busy += 1;
        self.report(now);
    }

    /// One more client turned away because no descriptor was left.
    pub(super) fn record_starved(&mut self, now: Instant) {
        self.starved += 1;
        self.report(now);
    }

    /// Logs the counts if there are any and the last log is old enough.
    pub(super) fn report(&mut self, now: Instant) {
        let due = self
            .last_log
            .is_none_or(|t| now.saturating_duration_since(t) >= LOG_EVERY);
        if due {
            self.report_now(now);
        }
    }

    /// Logs the counts if there are any.
    pub(super) fn report_now(&mut self, now: Instant) {
        if self.busy + self.starved == 0 {
            return;
        }
        if self.busy > 0 {
            warn!(
                "connection limit of {} reached: turned away {} client(s)",
                self.limit, self.busy
            );
        }
        if self.starved > 0 {
            warn!(
                "out of file descriptors: turned away {} client(s)",
                self.starved
            );
        }
        self.busy = 0;
        self.starved = 0;
        self.last_log = Some(now);
    }
}

/// A descriptor held in reserve for accepting when none are left.
pub(super) struct Spare(Option<File>);

impl Spare {
    pub(super) fn new() -> Self {
        Spare(open_spare())
    }

    /// Frees the spare so one `accept` can succeed; `false` if there was
    /// none (the caller then waits and retries).
    pub(super) fn release(&mut self) -> bool {
        self.0.take().is_some()
    }

    /// Takes a descriptor back into reserve, if one is free again.
    pub(super) fn restore(&mut self) {
        if self.0.is_none() {
            self.0 = open_spare();
        }
    }
}

fn open_spare() -> Option<File> {
    if cfg!(unix) {
        File::open("/dev/null").ok()
    } else {
        None
    }
}

/// `true` for "too many open files" (per process or system-wide).
pub(super) fn is_out_of_descriptors(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// `true` for accept errors about one client that already left; the next
/// accept may well succeed.
pub(super) fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

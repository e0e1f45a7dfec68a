//! A thread's own clocks (the event loop's, the storage thread's): how
//! long it ran on a CPU and, where the platform tells, how long it was
//! ready to run but waited for one and how often it left the CPU.
//!
//! A turn (or a transaction) that takes 50 ms of wall time with 3 ms on
//! the CPU was either preempted (another thread or the kernel's interrupt
//! work held the CPU) or blocked in a system call — on the disk, say; the
//! two need different fixes, so the slow turn and slow transaction reports
//! tell them apart. The CPU time is the thread's CPU clock;
//! the waiting time, on Linux, the second field of
//! `/proc/thread-self/schedstat` (the scheduler's run-queue delay, in
//! nanoseconds, brought up to date each time the thread gets a CPU). The
//! first field there is CPU time too, but only as of the last tick, too
//! coarse for a turn; elsewhere only the CPU time is known.

use std::time::Duration;

/// One reading of the thread's clocks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ThreadClocks {
    /// Time spent running, user and kernel.
    pub on_cpu: Duration,
    /// Time spent runnable but not running, if known.
    pub waiting_for_cpu: Option<Duration>,
    /// How many times the thread got a CPU back after it had stopped
    /// running — preempted or blocked — if known. Time neither on the CPU
    /// nor waiting, with no such switch, went to interrupt work (or to the
    /// hypervisor) while the thread held its CPU.
    pub switches: Option<u64>,
}

impl ThreadClocks {
    /// What happened between `earlier` and `self`.
    pub(crate) fn since(self, earlier: ThreadClocks) -> ThreadClocks {
        ThreadClocks {
            on_cpu: self.on_cpu.saturating_sub(earlier.on_cpu),
            waiting_for_cpu: self
                .waiting_for_cpu
                .zip(earlier.waiting_for_cpu)
                .map(|(now, then)| now.saturating_sub(then)),
            switches: self
                .switches
                .zip(earlier.switches)
                .map(|(now, then)| now.saturating_sub(then)),
        }
    }
}

impl ThreadClocks {
    /// `, 2.0 ms of it on the CPU, 25.4 ms waiting for one, 3 context
    /// switches` — what the slow turn and slow transaction lines say.
    pub(crate) fn describe(&self) -> String {
        let waiting = self
            .waiting_for_cpu
            .map_or(String::new(), |w| format!(", {} waiting for one", ms(w)));
        let switches = self
            .switches
            .map_or(String::new(), |n| format!(", {n} context switches"));
        format!(", {} of it on the CPU{waiting}{switches}", ms(self.on_cpu))
    }
}

/// `12.3 ms`: the figure every report line uses.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Reads the clocks of the thread that first calls [`ThreadClock::read`].
pub(crate) struct ThreadClock {
    #[cfg(target_os = "linux")]
    schedstat: Option<std::fs::File>,
    #[cfg(target_os = "linux")]
    opened: bool,
}

impl ThreadClock {
    pub(crate) fn new() -> Self {
        ThreadClock {
            #[cfg(target_os = "linux")]
            schedstat: None,
            #[cfg(target_os = "linux")]
            opened: false,
        }
    }

    /// The calling thread's clocks now; `None` if the platform tells
    /// nothing. The file is opened on the first call, so it names the
    /// thread that reads (the loop may be built on another thread).
    pub(crate) fn read(&mut self) -> Option<ThreadClocks> {
        let on_cpu = cpu_time::ThreadTime::try_now().ok()?.as_duration();
        let sched = self.schedstat();
        Some(ThreadClocks {
            on_cpu,
            waiting_for_cpu: sched.map(|s| s.0),
            switches: sched.map(|s| s.1),
        })
    }

    /// Run-queue delay and the number of times the thread was given a CPU.
    #[cfg(target_os = "linux")]
    fn schedstat(&mut self) -> Option<(Duration, u64)> {
        if !self.opened {
            self.opened = true;
            self.schedstat = std::fs::File::open("/proc/thread-self/schedstat").ok();
        }
        self.schedstat.as_mut().and_then(read_schedstat)
    }

    #[cfg(not(target_os = "linux"))]
    fn schedstat(&mut self) -> Option<(Duration, u64)> {
        None
    }
}

#[cfg(target_os = "linux")]
fn read_schedstat(file: &mut std::fs::File) -> Option<(Duration, u64)> {
    use std::io::{Read, Seek, SeekFrom};
    // Three decimal u64s and two separators: 64 bytes is plenty.
    let mut buf = [0u8; 64];
    file.seek(SeekFrom::Start(0)).ok()?;
    let n = file.read(&mut buf).ok()?;
    parse_schedstat(buf.get(..n)?)
}

/// The waiting time and timeslices of `"<ns on cpu> <ns waiting> <timeslices>\n"`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_schedstat(text: &[u8]) -> Option<(Duration, u64)> {
    let text = std::str::from_utf8(text).ok()?;
    let mut fields = text.split_ascii_whitespace();
    let _on_cpu = fields.next()?;
    let waiting: u64 = fields.next()?.parse().ok()?;
    let slices: u64 = fields.next()?.parse().ok()?;
    Some((Duration::from_nanos(waiting), slices))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedstat_lines_are_parsed_and_bad_ones_refused() {
        assert_eq!(
            parse_schedstat(b"1206819 2109424 2\n"),
            Some((Duration::from_nanos(2_109_424), 2))
        );
        assert_eq!(parse_schedstat(b""), None);
        assert_eq!(parse_schedstat(b"12"), None);
        assert_eq!(parse_schedstat(b"12 34"), None);
        assert_eq!(parse_schedstat(b"12 x 3"), None);
        assert_eq!(parse_schedstat(&[0xff, b' ', b'1']), None);
    }

    #[test]
    fn spinning_shows_as_time_on_the_cpu() {
        let mut clock = ThreadClock::new();
        let Some(before) = clock.read() else {
            return; // a platform that tells nothing
        };
        // Spin until the thread's clock shows 2 ms, within a generous
        // deadline: wall time alone proves nothing on a shared machine,
        // where the hypervisor may hold the CPU for most of a 5 ms spin
        // (seen in CI: 0.3 ms on the CPU, no switch).
        let start = std::time::Instant::now();
        let after = loop {
            let spin = std::time::Instant::now();
            while spin.elapsed() < Duration::from_millis(1) {
                std::hint::spin_loop();
            }
            let after = clock.read().map(|a| a.since(before)).unwrap_or_default();
            if after.on_cpu >= Duration::from_millis(2) {
                break after;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "10 s of spinning and the CPU clock shows {after:?}"
            );
        };
        if cfg!(target_os = "linux") && std::path::Path::new("/proc/thread-self/schedstat").exists()
        {
            assert!(after.waiting_for_cpu.is_some(), "{after:?}");
        }
    }
}

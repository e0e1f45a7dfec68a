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
/// it always did). Warns when the limit leaves room for fewer than
/// `wanted`: the clients past it get `500 server busy`.
#[cfg(unix)]
pub(super) fn reserve(template: impl std::os::fd::AsFd, wanted: usize) -> Option<usize> {
    let limit = soft_limit().unwrap_or(usize::MAX);
    if limit < wanted {
        log::warn!(
            "the open-files limit ({limit}) leaves room for fewer clients than max_connections \
             asks for ({wanted} descriptors with the server's own); raise it (ulimit -n, or \
             raise_open_files_limit) or lower max_connections"
        );
    }
    let highest = wanted.min(limit.saturating_sub(1));
    let raw = i32::try_from(highest).ok()?;
    // The lowest free descriptor at or above `highest`: the kernel grows
    // the table to fit it. Dropping the duplicate closes it again.
    let duplicate = rustix::io::fcntl_dupfd_cloexec(template, raw).ok()?;
    drop(duplicate);
    Some(highest)
}

#[cfg(unix)]
fn soft_limit() -> Option<usize> {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
    Some(
        limit
            .current
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX)),
    )
}

/// Raises this process's soft limit on open files (`RLIMIT_NOFILE`) to
/// `wanted`, or to the hard limit if that is lower, and returns the limit
/// before and after. Never lowers it.
///
/// For programs that run a [`Server`](super::Server): each client holds a
/// descriptor, and many systems start programs with a soft limit of 1,024
/// — room for about a thousand clients whatever
/// [`ServerConfig::max_connections`](super::ServerConfig::max_connections)
/// says — under a hard limit of hundreds of thousands that any process may
/// raise it to. A library does not change process limits on its own; the
/// example server calls this before it binds.
///
/// ```
/// # #[cfg(unix)] {
/// let (before, after) = jim_std::raise_open_files_limit(256).unwrap();
/// assert!(after >= before.min(256));
/// # }
/// ```
#[cfg(unix)]
pub fn raise_open_files_limit(wanted: u64) -> std::io::Result<(u64, u64)> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    let before = limit.current.unwrap_or(u64::MAX);
    let hard = limit.maximum.unwrap_or(u64::MAX);
    let after = wanted.min(hard);
    if after <= before {
        return Ok((before, before));
    }
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(after),
            maximum: limit.maximum,
        },
    )?;
    Ok((before, after))
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

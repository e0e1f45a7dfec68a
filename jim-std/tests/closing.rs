//! A closing connection costs no CPU (alone in its binary, so that no
//! other test's server thread is running while it measures).

mod common;

use std::thread;
use std::time::Duration;

use common::*;

#[test]
fn a_closing_connection_costs_no_cpu() {
    // After `quit`, a client that keeps its socket open used to make the
    // loop spin on writable events (about 11,000 rounds a second).
    let server = start_default_server();
    let mut peer = Peer::connect(server.local_addr());
    peer.handshake_ok("leaver");
    peer.send(b"{\"action\":\"quit\"}\n");
    thread::sleep(Duration::from_millis(100));
    let before = server_thread_cpu_ticks();
    thread::sleep(Duration::from_secs(1));
    let after = server_thread_cpu_ticks();
    if let (Some(before), Some(after)) = (before, after) {
        // Clock ticks are 10 ms: a spinning loop burns ~100 in that second.
        assert!(
            after - before < 20,
            "server thread used {} ticks",
            after - before
        );
    }
    // The client gets its end of stream.
    peer.expect_closed(PROMPTLY);
    shutdown_promptly(server);
}

/// User + system CPU ticks of this process's `jim-server` thread (Linux).
fn server_thread_cpu_ticks() -> Option<u64> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    let mut total = None;
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.trim() == "jim-server" {
            let stat = std::fs::read_to_string(task.path().join("stat")).ok()?;
            // Fields after the `(comm)`: utime is the 12th, stime the 13th.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks: u64 =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            *total.get_or_insert(0) += ticks;
        }
    }
    total
}

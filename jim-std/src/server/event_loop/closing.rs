//! The end of connections: the sweep of finished and late ones, removal,
//! and closing everyone at shutdown.

use std::time::Instant;

use log::info;

use super::EventLoop;
use crate::hub::{ClientId, CloseReason, Time};

/// Most connections cut for a message deadline, and most finished ones
/// removed, per sweep: the rest go at the next one, [`SWEEP_AGAIN`] later,
/// so thousands that expire together cost no stall. Each removal closes
/// a socket, and on loopback the peer's side of the close runs inside
/// that call: measured, a sweep that removed every one of thousands of
/// turned-away connections at once took 20 ms, and on a slower machine
/// cutting 128 tricklers took 9 ms (5,000 are still cut within a second).
pub(super) const MAX_CUT_PER_SWEEP: usize = 32;

/// When a sweep left work for the next one.
pub(super) const SWEEP_AGAIN: std::time::Duration = std::time::Duration::from_millis(5);

/// Scratch for discarding what closing clients still send.
pub(super) const SCRATCH: usize = 4096;

impl EventLoop {
    /// Removes closing connections whose time is up, and cuts clients that
    /// have taken too long over one message; `true` if it left some for
    /// the next sweep.
    pub(super) fn sweep(&mut self, now: Time) -> bool {
        let deadline = self.config.message_deadline;
        let mut finished = Vec::new();
        let mut late = Vec::new();
        let mut more = false;
        for (key, conn) in &self.conns {
            if !conn.is_open() {
                if conn.is_finished(now.elapsed) {
                    if finished.len() < MAX_CUT_PER_SWEEP {
                        finished.push(key);
                    } else {
                        more = true;
                    }
                }
            } else if let (Some(started), Some(id)) = (conn.message_started, conn.id) {
                // A client waiting for storage is not slow: the server is.
                if !deadline.is_zero()
                    && !self.hub.is_waiting(id)
                    && now.elapsed.saturating_sub(started) >= deadline
                {
                    if late.len() < MAX_CUT_PER_SWEEP {
                        late.push(id);
                    } else {
                        more = true;
                    }
                }
            }
        }
        for key in finished {
            self.remove(key);
        }
        for id in late {
            self.hub
                .disconnect(id, CloseReason::Trickle, now, &mut self.effects);
        }
        self.apply_effects(now);
        self.refusals.report(Instant::now());
        more
    }

    pub(super) fn remove(&mut self, key: usize) {
        if let Some(mut conn) = self.conns.try_remove(key) {
            if let Some(id) = conn.id {
                if self.ids.get(&id) == Some(&key) {
                    // Still a session: the hub must let go of it too.
                    self.ids.remove(&id);
                    if let Some(count) = self.per_address.get_mut(&conn.peer.ip()) {
                        *count = count.saturating_sub(1);
                    }
                }
            }
            // Closing the socket would unregister it too; saying so keeps
            // mio's bookkeeping exact on every platform.
            let _ = self.poll.registry().deregister(conn.stream_mut());
        }
    }

    pub(super) fn close_all(&mut self) {
        // What the last turn asked of storage is still done.
        self.submit_stored_ops(self.now());
        self.refusals.report_now(Instant::now());
        self.stats.report_now();
        let now = self.now();
        let count = self.conns.len();
        let ids: Vec<ClientId> = self.ids.keys().copied().collect();
        for id in ids {
            self.hub
                .disconnect(id, CloseReason::Shutdown, now, &mut self.effects);
        }
        self.effects.drain();
        for (_, conn) in &mut self.conns {
            let _ = conn.flush(now.elapsed);
        }
        self.conns.clear();
        self.ids.clear();
        info!(
            "server on {} stopped ({count} connection(s) closed)",
            self.local_addr
        );
    }
}

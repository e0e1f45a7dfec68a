//! Carrying out the hub's effects — lines into outboxes, closes, storage
//! requests — and writing the outboxes.

use std::cmp::Reverse;

use log::{debug, warn};
use mio::{Interest, Token};

use super::EventLoop;
use crate::hub::{ClientId, CloseReason, Effect, Time};
use crate::server::outbox::Flushed;
use crate::store::Outcome;

impl EventLoop {
    /// Writes every outbox that changed; how many.
    pub(super) fn flush_dirty(&mut self, now: Time) -> usize {
        let dirty = std::mem::take(&mut self.dirty);
        let flushed = dirty.len();
        for &key in &dirty {
            if let Some(conn) = self.conns.get_mut(key) {
                conn.dirty = false;
            }
            self.flush(key, now);
        }
        // Kept for its allocation (a turn can dirty thousands).
        let mut dirty = dirty;
        dirty.clear();
        if self.dirty.is_empty() {
            self.dirty = dirty;
        }
        flushed
    }

    /// Carries out what the hub asked, in order.
    pub(super) fn apply_effects(&mut self, now: Time) {
        while !self.effects.is_empty() {
            let batch: Vec<Effect> = self.effects.drain().collect();
            let mut slow: Vec<ClientId> = Vec::new();
            for effect in batch {
                match effect {
                    Effect::Send { to, line } => {
                        let Some(&key) = self.ids.get(&to) else {
                            continue;
                        };
                        let Some(conn) = self.conns.get_mut(key) else {
                            continue;
                        };
                        conn.outbox.push(line);
                        if conn.outbox.queued() > self.config.max_queue {
                            slow.push(to);
                        }
                        self.mark_dirty(key);
                    }
                    Effect::Close { client, why } => {
                        let Some(key) = self.ids.remove(&client) else {
                            continue;
                        };
                        let Some(conn) = self.conns.get_mut(key) else {
                            continue;
                        };
                        if let Some(count) = self.per_address.get_mut(&conn.peer.ip()) {
                            *count = count.saturating_sub(1);
                            if *count == 0 {
                                self.per_address.remove(&conn.peer.ip());
                            }
                        }
                        if why == CloseReason::SlowReader {
                            // It reads nothing: what is queued would
                            // only linger.
                            conn.outbox.clear();
                        }
                        conn.start_closing(now.elapsed);
                        self.mark_dirty(key);
                    }
                    // Handed over at the end of the turn, all together.
                    Effect::Store { tag, op } => self.to_store.push((tag, op)),
                    Effect::Resume(client) => {
                        if let Some(&key) = self.ids.get(&client) {
                            self.schedule(key);
                        }
                    }
                    Effect::NotifyDrained(client) => {
                        if let Some(&key) = self.ids.get(&client) {
                            if let Some(conn) = self.conns.get_mut(key) {
                                conn.notify_drained = true;
                                self.mark_dirty(key);
                            }
                        }
                    }
                }
            }
            for id in slow {
                if self.hub.is_connected(id) {
                    warn!(
                        "client {id} does not read: more than {} bytes queued, disconnecting",
                        self.config.max_queue
                    );
                    self.hub
                        .disconnect(id, CloseReason::SlowReader, now, &mut self.effects);
                }
            }
        }
    }

    /// Writes what `key` may; reacts to what the write found.
    pub(super) fn flush(&mut self, key: usize, now: Time) {
        let Some(conn) = self.conns.get_mut(key) else {
            return;
        };
        let was_shut = conn.write_shut();
        match conn.flush(now.elapsed) {
            Ok(Flushed::Done) => {
                if conn.notify_drained {
                    conn.notify_drained = false;
                    if let Some(id) = conn.id.filter(|_| conn.is_open()) {
                        self.hub.drained(id, now, &mut self.effects);
                        self.apply_effects(now);
                    }
                }
                let Some(conn) = self.conns.get_mut(key) else {
                    return;
                };
                if conn.read_paused {
                    conn.read_paused = false;
                    self.schedule(key);
                } else if conn.is_finished(now.elapsed) {
                    self.remove(key);
                } else if conn.write_shut() && !was_shut {
                    // Nothing more to write: stop the writable events, so a
                    // closing connection costs no CPU while it lingers.
                    let _ = self.poll.registry().reregister(
                        conn.stream_mut(),
                        Token(key),
                        Interest::READABLE,
                    );
                }
            }
            Ok(Flushed::Blocked) => {}
            Ok(Flushed::Paced(at)) => self.paced.push(Reverse((at, key))),
            Err(e) => {
                if let Some(id) = conn.id.filter(|_| conn.is_open()) {
                    debug!("client {id} connection lost: {e}");
                    self.hub
                        .disconnect(id, CloseReason::Gone, now, &mut self.effects);
                    self.apply_effects(now);
                }
                self.remove(key);
            }
        }
    }
}

impl EventLoop {
    /// Hands the turn's storage ops to the storage thread, in order, with
    /// one wake; those refused (queue full, worker stopped) are answered
    /// as failed, and those answers go out with the next turn's flush.
    pub(super) fn submit_stored_ops(&mut self, now: Time) {
        // A refusal's answer may ask for storage again; a few rounds, and
        // what is left waits for the next turn (which then comes at once).
        for _ in 0..4 {
            if self.to_store.is_empty() {
                break;
            }
            let ops = std::mem::take(&mut self.to_store);
            for (tag, e) in self.store.submit_all(ops) {
                self.hub
                    .stored(tag, Outcome::Failed(e), now, &mut self.effects);
            }
            self.apply_effects(now);
        }
    }
}

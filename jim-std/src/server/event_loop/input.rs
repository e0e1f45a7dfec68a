//! Serving one connection's input within its slice of the turn: reads
//! into its framer, frames to the hub, and what ended the serving.

use std::io;

use log::{debug, info};

use super::{EventLoop, FRAMES_PER_TURN, READS_PER_TURN};
use crate::hub::{CloseReason, Time};
use crate::server::connection::Input;

/// Bytes read that count as one unit of [`TURN_BUDGET`](super::TURN_BUDGET) (a message is one):
/// reading costs by the byte, in the kernel and in the framer.
pub(super) const BYTES_PER_UNIT: usize = 1024;

/// Storage outcomes handed to the hub per turn. Each may resume a client
/// and serve its next messages, so a batch of a thousand answers at once —
/// clients whose every request waits for storage move in step, all of
/// them answered by one commit — made one turn of 20 ms; the rest wait
/// for the next turn, in order.
pub(super) const STORED_PER_TURN: usize = 128;

impl EventLoop {
    /// Hands the storage outcomes that have come to the hub, the oldest
    /// [`STORED_PER_TURN`] of them; [`stored_left`](EventLoop::stored_left)
    /// says whether more wait.
    pub(super) fn take_stored(&mut self, now: Time) {
        let stored: Vec<_> = match self.shared.stored.lock() {
            Ok(mut stored) => {
                let n = stored.len().min(STORED_PER_TURN);
                self.stored_left = stored.len() > n;
                stored.drain(..n).collect()
            }
            Err(_) => return,
        };
        for (tag, outcome) in stored {
            self.hub.stored(tag, outcome, now, &mut self.effects);
        }
        self.apply_effects(now);
    }

    /// Reads and handles what `key` sent, at most `slice` of it.
    pub(super) fn serve_input(&mut self, key: usize, slice: Slice, now: Time) {
        if self.served.insert(key, self.turn) == Some(self.turn) {
            return;
        }
        let Some(conn) = self.conns.get_mut(key) else {
            // Closed earlier in this turn; a late event for it.
            return;
        };
        let Some(id) = conn.id.filter(|_| conn.is_open()) else {
            match conn.discard_input(&mut self.scratch) {
                Ok(_) if conn.is_finished(now.elapsed) => self.remove(key),
                Ok(_) => {}
                Err(_) => self.remove(key),
            }
            return;
        };
        let max_unread = self.config.max_queue / 4;
        let mut frames = 0;
        let mut reads = 0;
        let mut bytes = 0;
        let served = loop {
            let mut from_this_read = 0;
            while frames < slice.frames {
                if self.hub.is_waiting(id) {
                    // Its answer comes from storage first; `Resume` brings
                    // it back.
                    break;
                }
                let Some(frame) = conn.next_frame() else {
                    break;
                };
                frames += 1;
                from_this_read += 1;
                self.hub.frame(id, frame, now, &mut self.effects);
                conn.message_started = None;
            }
            if from_this_read > 1 {
                // Several requests sent without waiting for answers: it
                // reads a stream (one-object readers wait for each answer).
                conn.outbox.set_streams();
            }
            if !self.hub.is_connected(id) {
                break Served::Closed;
            }
            if self.hub.is_waiting(id) {
                break Served::Waiting;
            }
            if frames >= slice.frames || reads >= slice.reads {
                break Served::Again;
            }
            if conn.outbox.queued() > max_unread {
                conn.read_paused = true;
                break Served::Paused;
            }
            reads += 1;
            match conn.read(&mut self.framers, now.elapsed) {
                Ok(Input::Data { n, newline }) => {
                    bytes += n;
                    if newline {
                        conn.outbox.set_streams();
                    }
                    if n > 0 {
                        self.hub.touch(id, now);
                        if conn.message_started.is_none() {
                            conn.message_started = Some(now.elapsed);
                        }
                    }
                }
                Ok(Input::Drained) => break Served::Drained,
                Ok(Input::Eof) => break Served::Eof,
                Err(e) => break Served::Lost(e),
            }
        };
        let work = frames + reads + bytes / BYTES_PER_UNIT;
        self.turn_work += work;
        conn.load.add(work, now.elapsed);
        let mid_message = conn.is_mid_message();
        conn.settle_framer(&mut self.framers);
        conn.backlogged = match served {
            Served::Again | Served::Paused => true,
            Served::Waiting => conn.holds_input(),
            _ => false,
        };
        match served {
            Served::Drained | Served::Paused | Served::Waiting | Served::Closed => {}
            Served::Again if slice.frames < FRAMES_PER_TURN => self.schedule_first(key),
            Served::Again => self.schedule_busy(key),
            Served::Eof => {
                if mid_message {
                    info!("client {id} ({}) disconnected mid-message", conn.peer);
                }
                self.hub
                    .disconnect(id, CloseReason::Gone, now, &mut self.effects);
                if let Some(conn) = self.conns.get_mut(key) {
                    // Its side is closed: nothing more to wait for once
                    // what is queued is written.
                    let _ = conn.discard_input(&mut self.scratch);
                }
            }
            Served::Lost(e) => {
                debug!("client {id} connection lost: {e}");
                self.hub
                    .disconnect(id, CloseReason::Gone, now, &mut self.effects);
                self.apply_effects(now);
                self.remove(key);
                return;
            }
        }
        self.apply_effects(now);
    }
}

/// How much of a connection's input one turn serves.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slice {
    frames: usize,
    reads: usize,
}

impl Slice {
    /// The messages it allows.
    #[cfg(test)]
    pub(super) fn frames(&self) -> usize {
        self.frames
    }

    /// A connection's share of a turn.
    pub(super) const FULL: Slice = Slice {
        frames: FRAMES_PER_TURN,
        reads: READS_PER_TURN,
    };
    /// New input past the turn's budget: one request's worth.
    pub(super) const SMALL: Slice = Slice {
        frames: 2,
        reads: 1,
    };
}

/// How serving a connection's input ended.
pub(super) enum Served {
    /// Read until the socket was empty.
    Drained,
    /// The budget ran out with work left: again next turn.
    Again,
    /// Its outbox is too full to read more until it drains.
    Paused,
    /// It waits for storage.
    Waiting,
    /// The hub closed it (quit, or a limit).
    Closed,
    /// The client closed its side.
    Eof,
    /// The connection failed.
    Lost(io::Error),
}

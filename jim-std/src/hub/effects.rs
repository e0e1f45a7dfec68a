//! What the hub asks of the world: [`Effect`]s, collected in [`Effects`].

use std::fmt;
use std::sync::Arc;

use super::ClientId;

/// One encoded JIM object with its trailing `\n`, shared between the
/// recipients that get the same bytes (a room's spec-dialect members).
pub type Line = Arc<[u8]>;

/// Why a client is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CloseReason {
    /// It sent `quit`/`exit`.
    Quit,
    /// Its connection ended (EOF or an error), seen by the event loop.
    Gone,
    /// Silent for the idle timeout.
    Idle,
    /// It took too long over one message.
    Trickle,
    /// It did not read what was sent to it: its queue overflowed.
    SlowReader,
    /// Too many bad requests in a row.
    BadInput,
    /// Far over its rate limit for too long.
    Flooding,
    /// The server is stopping.
    Shutdown,
}

impl fmt::Display for CloseReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CloseReason::Quit => "quit",
            CloseReason::Gone => "connection closed",
            CloseReason::Idle => "idle timeout",
            CloseReason::Trickle => "message deadline passed",
            CloseReason::SlowReader => "not reading (outgoing queue full)",
            CloseReason::BadInput => "too many bad requests in a row",
            CloseReason::Flooding => "over its rate limit for too long",
            CloseReason::Shutdown => "server stopping",
        })
    }
}

/// Something for the event loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Queue `line` for `to` (dropped if `to` has gone).
    Send {
        /// The recipient.
        to: ClientId,
        /// The bytes, `\n` included.
        line: Line,
    },
    /// Send what is queued for `client`, then close it. The hub has
    /// already removed it from every table.
    Close {
        /// Who.
        client: ClientId,
        /// Why (for the log).
        why: CloseReason,
    },
}

/// The effects of one or more inputs, in order.
#[derive(Debug, Default)]
pub struct Effects {
    list: Vec<Effect>,
}

impl Effects {
    /// None yet.
    pub fn new() -> Self {
        Effects::default()
    }

    /// Adds one.
    pub fn push(&mut self, effect: Effect) {
        self.list.push(effect);
    }

    /// Queues `line` for `to`.
    pub fn send(&mut self, to: ClientId, line: Line) {
        self.push(Effect::Send { to, line });
    }

    /// Queues an answer for `to` (the same as [`send`](Effects::send);
    /// named for what it is).
    pub fn reply(&mut self, to: ClientId, line: Line) {
        self.send(to, line);
    }

    /// Takes them all, in order.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Effect> {
        self.list.drain(..)
    }

    /// How many are waiting.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// `true` if there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The effects, in order.
    pub fn as_slice(&self) -> &[Effect] {
        &self.list
    }
}

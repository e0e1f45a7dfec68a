//! What the hub asks of the world: [`Effect`]s, collected in [`Effects`].

use std::fmt;
use std::sync::Arc;

use super::ClientId;
use crate::store::Op;

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

/// Which of the hub's storage requests an outcome answers: give it back
/// with the outcome to [`Hub::stored`](super::Hub::stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoreTag {
    pub(crate) client: ClientId,
    pub(crate) purpose: Purpose,
}

impl StoreTag {
    /// The client it is for.
    pub fn client(&self) -> ClientId {
        self.client
    }
}

/// What a storage request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Purpose {
    /// The client's request, which it waits for.
    Request,
    /// The next page of messages that waited for it.
    Backlog,
    /// Marking messages it has been sent as delivered.
    Delivered,
}

/// Something for the event loop to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
    /// Run `op` on the storage thread; hand its outcome to
    /// [`Hub::stored`](super::Hub::stored) with `tag`.
    Store {
        /// Give this back.
        tag: StoreTag,
        /// What to do.
        op: Op,
    },
    /// `client` no longer waits for storage: handle its next messages
    /// (see [`Hub::is_waiting`](super::Hub::is_waiting)).
    Resume(ClientId),
    /// Call [`Hub::drained`](super::Hub::drained) once everything queued
    /// for `client` so far has been written to its socket.
    NotifyDrained(ClientId),
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

    /// Asks for a storage op.
    pub(crate) fn store(&mut self, client: ClientId, purpose: Purpose, op: Op) {
        self.push(Effect::Store {
            tag: StoreTag { client, purpose },
            op,
        });
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

//! What a [`Session`](crate::Session) delivers while it runs: [`Event`]s on
//! an [`Events`] receiver.

use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::time::Duration;

use jim_core::StatusCode;

/// A chat message the server relayed (or replayed from its history).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Incoming {
    /// The sender (`from`, or the course's `sender`); empty if the server
    /// sent none.
    pub from: String,
    /// The target as sent: your name, or the `#room`.
    pub to: String,
    /// The room, for a room message: `to` when it is a `#room`, else the
    /// `room` field a server adds when it relays a room message to a
    /// course-dialect peer.
    pub room: Option<String>,
    /// The text, decoded (escapes, surrogate pairs).
    pub text: String,
    /// When it was sent, in Unix seconds, if the server said.
    pub time: Option<u64>,
    /// `true` on a stored message (after `join` or `get_history`).
    pub history: bool,
}

impl Incoming {
    /// `true` for a message in a room.
    pub fn is_room(&self) -> bool {
        self.room.is_some()
    }
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Disconnect {
    /// The server closed the connection.
    Closed,
    /// The session said `quit` (and the server closed, or it was cut).
    Quit,
    /// The [`Session`](crate::Session) was dropped.
    Dropped,
    /// Reading failed (a reset, say).
    Failed(String),
}

/// Something the server sent that is not the answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A message to you from a user.
    Direct(Incoming),
    /// A message in a room you are in.
    Room(Incoming),
    /// A stored message the server replays (after `join`, or after the
    /// `202` of [`Session::history`](crate::Session::history)).
    History(Incoming),
    /// The server sent a `probe`; the session has already answered it
    /// with a presence (and will swallow that presence's answer).
    Probe,
    /// A response no request was waiting for: a 1xx notice, the course's
    /// `205` "refresh your lists" push, an error the server sends before
    /// it closes.
    Notice {
        /// The code.
        code: StatusCode,
        /// Its text, if any.
        text: Option<String>,
    },
    /// A frame that is not a JIM message (skipped; the session goes on).
    Unreadable(String),
    /// Every frame as received, before its typed event, when
    /// [`SessionConfig::raw`](crate::SessionConfig::raw) is on.
    Raw(String),
    /// The connection ended; no event follows.
    Disconnected(Disconnect),
}

/// The receiving end of a session's events.
///
/// Each [`Session`](crate::Session) has one; it can be moved to another
/// thread. It ends (`recv` returns `None`) after
/// [`Event::Disconnected`].
#[derive(Debug)]
pub struct Events {
    pub(crate) rx: Receiver<Event>,
}

impl Events {
    /// The next event, waiting as long as it takes; `None` once the
    /// session has ended and every event was received.
    pub fn recv(&self) -> Option<Event> {
        self.rx.recv().ok()
    }

    /// The next event, waiting at most `timeout`. `Err(true)` when the
    /// session has ended and every event was received, `Err(false)` on a
    /// timeout.
    pub fn recv_timeout(&self, timeout: Duration) -> Result<Event, bool> {
        self.rx.recv_timeout(timeout).map_err(|e| match e {
            RecvTimeoutError::Timeout => false,
            RecvTimeoutError::Disconnected => true,
        })
    }

    /// The next event if one is waiting. `Err(true)` when the session has
    /// ended and every event was received, `Err(false)` when none waits.
    pub fn try_recv(&self) -> Result<Event, bool> {
        self.rx.try_recv().map_err(|e| match e {
            TryRecvError::Empty => false,
            TryRecvError::Disconnected => true,
        })
    }

    /// The events, blocking, until the session ends.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        self.rx.iter()
    }
}

impl IntoIterator for Events {
    type Item = Event;
    type IntoIter = std::sync::mpsc::IntoIter<Event>;

    fn into_iter(self) -> Self::IntoIter {
        self.rx.into_iter()
    }
}

//! One client's socket: reads into a [`Framer`] held only while a message
//! is under way, an [`Outbox`] of lines to write, and a clean close.
//!
//! Everything here runs on the event-loop thread and never blocks: a read
//! or write that would block returns and waits for the next readiness
//! event. What the bytes mean is the hub's business, not this file's.

use std::io::{self, Read};
use std::net::{Shutdown, SocketAddr};
use std::time::Duration;

use jim_core::{FrameError, Framer};
use mio::net::TcpStream;

use super::outbox::{Flushed, Outbox};
use super::recent_load::RecentLoad;
use crate::hub::{ClientId, Line};
use crate::MAX_FRAME;

/// How long a connection that is done (quit, turned away, closed by the
/// server) waits for the client to read its last lines and close.
pub(super) const LINGER: Duration = Duration::from_secs(2);

/// A framer big enough for any valid message, boxed: it is held only
/// while a client is mid-message, so ten thousand idle clients hold none.
pub(super) type BigFramer = Box<Framer<MAX_FRAME>>;

/// Framers given back by clients between messages, for the next reader.
#[derive(Default)]
pub(super) struct FramerPool {
    spare: Vec<BigFramer>,
}

/// Framers kept for reuse at most (8 KiB each).
const POOL: usize = 64;

impl FramerPool {
    fn take(&mut self) -> BigFramer {
        self.spare.pop().unwrap_or_else(|| Box::new(Framer::new()))
    }

    fn give(&mut self, mut framer: BigFramer) {
        if self.spare.len() < POOL {
            framer.reset();
            self.spare.push(framer);
        }
    }
}

/// What a read brought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Input {
    /// `n` bytes; `newline` if one of them was `\n`.
    Data { n: usize, newline: bool },
    /// Nothing more for now.
    Drained,
    /// The client closed its side.
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Serving requests.
    Open,
    /// Done: input is discarded, output flushed, then the write side shut
    /// (once) and the client given until `deadline` to close its side.
    Closing {
        deadline: Duration,
        peer_closed: bool,
        write_shut: bool,
    },
}

/// A client connection.
pub(super) struct Connection {
    /// The hub's id; `None` for a client turned away at the door.
    pub id: Option<ClientId>,
    stream: TcpStream,
    pub peer: SocketAddr,
    framer: Option<BigFramer>,
    pub outbox: Outbox,
    state: State,
    /// When the message under way started, for the message deadline.
    pub message_started: Option<Duration>,
    /// Queued to be served in the next turn.
    pub scheduled: bool,
    /// Scheduled because its slice ran out with input left (not for a
    /// storage answer or a drained outbox): new input from it waits for
    /// its place in the queue.
    pub busy: bool,
    /// Queued to be flushed at the end of this turn.
    pub dirty: bool,
    /// Input left unread while the outbox was over its mark.
    pub read_paused: bool,
    /// The hub asked to hear when the outbox is empty.
    pub notify_drained: bool,
    /// The work it was served lately: new input from light connections
    /// is served first.
    pub load: RecentLoad,
    /// Its last serving left input unread (its slice ran out, or it sent
    /// more behind a request that waits): heavy, whatever its load.
    pub backlogged: bool,
}

impl Connection {
    /// A session for hub client `id`.
    pub(super) fn open(stream: TcpStream, peer: SocketAddr, id: ClientId) -> Self {
        Connection {
            id: Some(id),
            stream,
            peer,
            framer: None,
            outbox: Outbox::default(),
            state: State::Open,
            message_started: None,
            scheduled: false,
            busy: false,
            dirty: false,
            read_paused: false,
            notify_drained: false,
            load: RecentLoad::default(),
            backlogged: false,
        }
    }

    /// A client turned away: it gets `line` and a clean close.
    pub(super) fn turned_away(
        stream: TcpStream,
        peer: SocketAddr,
        line: Line,
        now: Duration,
    ) -> Self {
        let mut conn = Connection {
            id: None,
            stream,
            peer,
            framer: None,
            outbox: Outbox::default(),
            state: State::Open,
            message_started: None,
            scheduled: false,
            busy: false,
            dirty: false,
            read_paused: false,
            notify_drained: false,
            load: RecentLoad::default(),
            backlogged: false,
        };
        conn.outbox.set_streams();
        conn.outbox.push(line);
        conn.start_closing(now);
        conn
    }

    /// The socket, to register with the poll.
    pub(super) fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// `true` while serving requests.
    pub(super) fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// The next complete frame already read, if any.
    pub(super) fn next_frame(&mut self) -> Option<Result<&[u8], FrameError>> {
        self.framer.as_mut()?.next_frame()
    }

    /// One read, into the framer's free space.
    pub(super) fn read(&mut self, pool: &mut FramerPool, now: Duration) -> io::Result<Input> {
        let framer = self.framer.get_or_insert_with(|| pool.take());
        loop {
            let space = framer.space();
            if space.is_empty() {
                // Only if frames were left untaken (the caller takes them
                // all first): report nothing read rather than a false EOF.
                return Ok(Input::Data {
                    n: 0,
                    newline: false,
                });
            }
            return match self.stream.read(space) {
                Ok(0) => Ok(Input::Eof),
                Ok(n) => {
                    let newline = space.get(..n).is_some_and(|b| b.contains(&b'\n'));
                    framer.commit(n);
                    if self.message_started.is_none() {
                        self.message_started = Some(now);
                    }
                    Ok(Input::Data { n, newline })
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Input::Drained),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
        }
    }

    /// After the frames were taken: a framer with nothing under way goes
    /// back to the pool, and the message deadline restarts.
    pub(super) fn settle_framer(&mut self, pool: &mut FramerPool) {
        if self.framer.as_ref().is_some_and(|f| f.is_idle()) {
            if let Some(framer) = self.framer.take() {
                pool.give(framer);
            }
            self.message_started = None;
        }
    }

    /// `true` while bytes it sent wait in its framer (after
    /// [`settle_framer`](Self::settle_framer)).
    pub(super) fn holds_input(&self) -> bool {
        self.framer.is_some()
    }

    /// `true` when a message is cut short (for the log).
    pub(super) fn is_mid_message(&self) -> bool {
        self.framer.as_ref().is_some_and(|f| f.is_mid_object())
    }

    /// Reads and drops whatever a closing client still sends (closing a
    /// socket with unread input would send a reset, and the client could
    /// lose the last lines we sent). `true` once it has closed its side.
    pub(super) fn discard_input(&mut self, scratch: &mut [u8]) -> io::Result<bool> {
        loop {
            match self.stream.read(scratch) {
                Ok(0) => {
                    if let State::Closing { peer_closed, .. } = &mut self.state {
                        *peer_closed = true;
                    }
                    return Ok(true);
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Writes what it may; a closing connection whose lines are all out
    /// shuts its write side, once.
    pub(super) fn flush(&mut self, now: Duration) -> io::Result<Flushed> {
        let flushed = self.outbox.flush(&mut self.stream, now)?;
        if flushed == Flushed::Done {
            if let State::Closing { write_shut, .. } = &mut self.state {
                if !*write_shut {
                    *write_shut = true;
                    // Sends FIN after the last line: the client reads them
                    // all, then sees the end. A failure means it is gone.
                    let _ = self.stream.shutdown(Shutdown::Write);
                }
            }
        }
        Ok(flushed)
    }

    /// Whether the write side is shut (no more writable events wanted).
    pub(super) fn write_shut(&self) -> bool {
        matches!(
            self.state,
            State::Closing {
                write_shut: true,
                ..
            }
        )
    }

    /// Stops serving: flush, shut, linger until `now + LINGER`.
    pub(super) fn start_closing(&mut self, now: Duration) {
        if self.is_open() {
            self.state = State::Closing {
                deadline: now + LINGER,
                peer_closed: false,
                write_shut: false,
            };
            self.message_started = None;
        }
    }

    /// A closing connection that can go: everything written and the client
    /// closed its side, or the linger is over.
    pub(super) fn is_finished(&self, now: Duration) -> bool {
        match self.state {
            State::Open => false,
            State::Closing {
                deadline,
                peer_closed,
                write_shut,
            } => (peer_closed && write_shut) || now >= deadline,
        }
    }
}

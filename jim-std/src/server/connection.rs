//! One client's socket: non-blocking reads into a [`Framer`], answers
//! queued and written as the socket allows, and a clean close.
//!
//! Everything here runs on the event-loop thread and never blocks: a read
//! or write that would block returns and waits for the next readiness
//! event. That is what keeps one slow or silent client from delaying
//! anyone else.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr};
use std::time::{Duration, Instant};

use jim_core::{server, Framer, Response, StatusCode, Text};
use log::{debug, info};
use mio::net::TcpStream;

use super::session::{push_line, Session, Verdict};

/// Reads per readiness event before the connection yields to the others;
/// a client that floods is served in turns, not first.
const READ_BUDGET: usize = 4;

/// Answers a client may leave unread before the server stops reading its
/// requests (until it reads). Bounds the memory a non-reading client pins.
const MAX_PENDING_OUTPUT: usize = 64 * 1024;

/// An idle output buffer larger than this is given back to the allocator,
/// so a burst does not leave ten thousand idle clients each holding one.
const KEEP_OUTPUT_CAPACITY: usize = 4 * 1024;

/// How long a connection that is done (quit, or turned away) waits for the
/// client to read its last answers and close.
const LINGER: Duration = Duration::from_secs(2);

/// Whether a read shorter than the buffer means the socket is drained.
///
/// On Linux, epoll(7) guarantees it for stream sockets, which saves one
/// `read` returning `EAGAIN` per message; elsewhere read until
/// `WouldBlock`, as mio asks.
const SHORT_READ_DRAINS: bool = cfg!(any(target_os = "linux", target_os = "android"));

/// The time of one event-loop turn.
#[derive(Debug, Clone, Copy)]
pub(super) struct Tick {
    /// For timeouts.
    pub now: Instant,
    /// For the `time` of answers.
    pub unix: u64,
}

/// What the event loop does with the connection after an event.
#[derive(Debug)]
pub(super) enum Outcome {
    /// Wait for the next event.
    Keep,
    /// The read budget ran out with input left: call again soon.
    Again,
    /// Remove and close it (already logged).
    Close,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Serving requests.
    Open,
    /// Done: input is discarded, output flushed, then the write side shut
    /// and the client given until `deadline` to close its side.
    Closing {
        deadline: Instant,
        peer_closed: bool,
    },
}

/// A client connection.
pub(super) struct Connection {
    stream: TcpStream,
    session: Session,
    framer: Framer,
    /// Encoded answers; `out[written..]` is not sent yet.
    out: Vec<u8>,
    written: usize,
    last_input: Instant,
    state: State,
}

impl Connection {
    /// A new session.
    pub(super) fn open(stream: TcpStream, peer: SocketAddr, now: Instant) -> Self {
        Connection {
            stream,
            session: Session::new(peer),
            framer: Framer::new(),
            out: Vec::new(),
            written: 0,
            last_input: now,
            state: State::Open,
        }
    }

    /// A client turned away: it gets `500 server busy` and a clean close.
    pub(super) fn turned_away(stream: TcpStream, peer: SocketAddr, tick: Tick) -> Self {
        let mut conn = Connection::open(stream, peer, tick.now);
        push_line(&mut conn.out, &busy(tick.unix));
        conn.start_closing(tick.now);
        // The socket is new and its buffer empty: this writes it all.
        if conn.flush().is_ok() {
            conn.shut_write_if_flushed();
        }
        conn
    }

    /// The socket, to register with the poll.
    pub(super) fn stream_mut(&mut self) -> &mut TcpStream {
        &mut self.stream
    }

    /// `true` while serving requests (counts against the connection limit).
    pub(super) fn is_open(&self) -> bool {
        self.state == State::Open
    }

    /// Handles a readiness event: writes what is pending, then reads and
    /// answers what arrived. `drain` asks to read until `WouldBlock` (the
    /// peer has closed, or the budget ran out last time).
    pub(super) fn on_ready(&mut self, tick: Tick, scratch: &mut [u8], drain: bool) -> Outcome {
        for _ in 0..READ_BUDGET {
            if let Err(e) = self.flush() {
                return self.failed(&e);
            }
            if self.pending() > MAX_PENDING_OUTPUT {
                // Stop reading until the client reads: the WRITABLE event
                // that comes when it does brings us back here.
                return Outcome::Keep;
            }
            match self.stream.read(scratch) {
                Ok(0) => return self.on_eof(),
                Ok(n) => {
                    if self.is_open() {
                        self.last_input = tick.now;
                        self.feed(scratch.get(..n).unwrap_or_default(), tick);
                        // Answer now: one write for all of this read's
                        // answers, before reading more.
                        if let Err(e) = self.flush() {
                            return self.failed(&e);
                        }
                    }
                    if n < scratch.len() && SHORT_READ_DRAINS && !drain {
                        return self.settle();
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return self.settle(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return self.failed(&e),
            }
        }
        Outcome::Again
    }

    /// `true` once the connection has outstayed its welcome; logs why.
    pub(super) fn expire(&self, now: Instant, idle_timeout: Duration) -> bool {
        match self.state {
            State::Closing { deadline, .. } => {
                if now >= deadline {
                    debug!("closing {} (did not close its side)", self.session);
                    return true;
                }
                false
            }
            State::Open => {
                let idle = now.saturating_duration_since(self.last_input);
                if idle_timeout.is_zero() || idle < idle_timeout {
                    return false;
                }
                let how = if self.framer.is_mid_object() {
                    "mid-message"
                } else {
                    "idle"
                };
                info!(
                    "client {} timed out {how} after {:.1} s",
                    self.session,
                    idle.as_secs_f64()
                );
                true
            }
        }
    }

    /// Last chance to send pending answers before the server stops.
    pub(super) fn farewell(&mut self) {
        let _ = self.flush();
    }

    /// Frames `data`, answers each request, stops at `quit`.
    fn feed(&mut self, data: &[u8], tick: Tick) {
        let mut rest = data;
        while !rest.is_empty() && self.is_open() {
            let n = self.framer.push(rest);
            rest = rest.get(n..).unwrap_or_default();
            while let Some(frame) = self.framer.next_frame() {
                let step = server::step(frame, tick.unix);
                if self.session.on_step(&step, &mut self.out) == Verdict::Quit {
                    self.start_closing(tick.now);
                    return;
                }
            }
            if n == 0 {
                // The framer promises space once drained; never spin if not.
                break;
            }
        }
    }

    fn on_eof(&mut self) -> Outcome {
        match &mut self.state {
            State::Open => {
                if self.framer.is_mid_object() {
                    info!("client {} disconnected mid-message", self.session);
                } else {
                    info!("client {} disconnected", self.session);
                }
                if self.pending() == 0 {
                    return Outcome::Close;
                }
                // It may still be reading (a half-close): finish writing.
                self.start_closing(Instant::now());
                self.on_eof()
            }
            State::Closing { peer_closed, .. } => {
                *peer_closed = true;
                self.settle()
            }
        }
    }

    /// After the socket ran dry: a finished connection closes once its
    /// answers are out and the client has closed its side.
    fn settle(&mut self) -> Outcome {
        if let State::Closing { peer_closed, .. } = self.state {
            self.shut_write_if_flushed();
            if peer_closed && self.pending() == 0 {
                return Outcome::Close;
            }
        }
        Outcome::Keep
    }

    fn failed(&self, e: &io::Error) -> Outcome {
        if self.is_open() {
            info!("client {} connection lost: {e}", self.session);
        } else {
            debug!("closing {}: {e}", self.session);
        }
        Outcome::Close
    }

    fn start_closing(&mut self, now: Instant) {
        if self.is_open() {
            self.state = State::Closing {
                deadline: now + LINGER,
                peer_closed: false,
            };
        }
    }

    /// Sends FIN once every answer is written, so the client reads them all
    /// and then sees the end of the stream.
    fn shut_write_if_flushed(&mut self) {
        if self.pending() == 0 {
            // Repeats are harmless; a failure means the peer is gone.
            let _ = self.stream.shutdown(Shutdown::Write);
        }
    }

    fn pending(&self) -> usize {
        self.out.len().saturating_sub(self.written)
    }

    /// Writes pending answers until done or the socket is full.
    fn flush(&mut self) -> io::Result<()> {
        while let Some(rest) = self.out.get(self.written..).filter(|r| !r.is_empty()) {
            match self.stream.write(rest) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.written += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        self.written = 0;
        if self.out.capacity() > KEEP_OUTPUT_CAPACITY {
            self.out = Vec::new();
        }
        Ok(())
    }
}

/// `{"response":500,"time":…,"error":"server busy"}`.
pub(super) fn busy(unix: u64) -> Response<'static> {
    Response::with_text(StatusCode::SERVER_ERROR, unix, Text::plain("server busy"))
}

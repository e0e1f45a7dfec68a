//! The server's single event-loop thread.
//!
//! One `mio` poll watches the listener, a waker (for shutdown) and every
//! client socket, edge-triggered. Each turn: wait for readiness (or the
//! next timer), accept whoever is queued, serve every ready connection a
//! bounded amount, then sweep out idle ones. No thread per client, so ten
//! thousand idle clients cost ten thousand small buffers, not ten thousand
//! stacks; and per-message work is a read, a [`jim_core::server::step`] and
//! a write.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};

use super::admission::{self, Refusals, Spare, ACCEPT_RETRY};
use super::connection::{busy, Connection, Outcome, Tick};
use super::session::push_line;
use super::Shared;
use crate::client::unix_seconds;
use crate::ServerConfig;
use slab::Slab;

/// The listener's token; connections use their slab index.
pub(super) const LISTENER: Token = Token(usize::MAX);
/// The shutdown waker's token.
pub(super) const WAKER: Token = Token(usize::MAX - 1);

/// Readiness events taken per poll.
const EVENTS: usize = 1024;
/// Bytes read per `read` call; one buffer shared by all connections.
const SCRATCH: usize = 16 * 1024;
/// Bounds of the idle sweep's period (a quarter of the idle timeout).
const SWEEP_MIN: Duration = Duration::from_millis(10);
const SWEEP_MAX: Duration = Duration::from_secs(1);

/// Clients that finished or were turned away, lingering until they read
/// their last answer, at most (beyond it a busy client is just closed).
const MAX_LINGERING: usize = 1024;

/// What using the spare descriptor achieved.
enum Spared {
    /// One queued client was answered `server busy` and closed.
    TurnedAway,
    /// Nobody was queued.
    NoneWaiting,
    /// No spare to use: wait and retry.
    NoSpare,
}

/// Everything the loop owns.
pub(super) struct EventLoop {
    pub(super) poll: Poll,
    pub(super) listener: TcpListener,
    pub(super) shared: Arc<Shared>,
    pub(super) config: ServerConfig,
    pub(super) local_addr: SocketAddr,
    conns: Slab<Box<Connection>>,
    /// Connections counted against `max_connections`.
    open: usize,
    /// Connections whose read budget ran out with input left.
    again: Vec<usize>,
    scratch: Box<[u8]>,
    spare: Spare,
    refusals: Refusals,
    /// Set after an accept error: when to try accepting again.
    accept_retry: Option<Instant>,
    /// Out of descriptors with no spare (logged once per episode).
    starved: bool,
    next_sweep: Instant,
}

impl EventLoop {
    pub(super) fn new(
        poll: Poll,
        listener: TcpListener,
        shared: Arc<Shared>,
        config: ServerConfig,
        local_addr: SocketAddr,
    ) -> Self {
        EventLoop {
            poll,
            listener,
            shared,
            refusals: Refusals::new(config.max_connections),
            config,
            local_addr,
            conns: Slab::new(),
            open: 0,
            again: Vec::new(),
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            spare: Spare::new(),
            accept_retry: None,
            starved: false,
            next_sweep: Instant::now(),
        }
    }

    /// Serves until the shutdown flag is set.
    pub(super) fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(EVENTS);
        info!(
            "serving on {} (max {} connections, idle timeout {:?})",
            self.local_addr, self.config.max_connections, self.config.idle_timeout
        );
        while !self.shared.stop.load(Ordering::Acquire) {
            let timeout = self.poll_timeout(Instant::now());
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                error!("poll failed: {e}");
                self.close_all();
                return Err(e);
            }
            let tick = Tick {
                now: Instant::now(),
                unix: unix_seconds(),
            };
            // Connections that were short of budget go first, before new
            // events can push them back again.
            for index in std::mem::take(&mut self.again) {
                self.serve(index, tick, true);
            }
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(tick),
                    WAKER => {}
                    Token(index) => self.serve(index, tick, event.is_read_closed()),
                }
            }
            if self.accept_retry.is_some_and(|at| tick.now >= at) {
                self.accept_retry = None;
                self.accept(tick);
            }
            if tick.now >= self.next_sweep {
                self.sweep(tick.now);
            }
        }
        self.close_all();
        Ok(())
    }

    /// How long the next poll may sleep: until the sweep or an accept
    /// retry, or not at all when connections wait for their turn.
    fn poll_timeout(&self, now: Instant) -> Duration {
        if !self.again.is_empty() {
            return Duration::ZERO;
        }
        let wake = match self.accept_retry {
            Some(at) => at.min(self.next_sweep),
            None => self.next_sweep,
        };
        wake.saturating_duration_since(now)
    }

    /// Accepts every queued client (edge-triggered: until `WouldBlock`).
    fn accept(&mut self, tick: Tick) {
        loop {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    self.starved = false;
                    self.admit(stream, peer, tick);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if admission::is_transient(&e) => {}
                // Linux reports this before looking at the queue, so it
                // does not mean anyone is waiting.
                Err(e) if admission::is_out_of_descriptors(&e) => {
                    match self.turn_away_without_descriptors(tick) {
                        Spared::TurnedAway => {}
                        Spared::NoneWaiting => return,
                        Spared::NoSpare => {
                            if !self.starved {
                                warn!("out of file descriptors, accepting again shortly: {e}");
                                self.starved = true;
                            }
                            self.accept_retry = Some(tick.now + ACCEPT_RETRY);
                            return;
                        }
                    }
                }
                Err(e) => {
                    warn!("accept failed, trying again shortly: {e}");
                    self.accept_retry = Some(tick.now + ACCEPT_RETRY);
                    return;
                }
            }
        }
    }

    /// Out of descriptors: frees the spare to accept one client, answers it
    /// `server busy` and closes it, then takes the spare back.
    fn turn_away_without_descriptors(&mut self, tick: Tick) -> Spared {
        if !self.spare.release() {
            return Spared::NoSpare;
        }
        let outcome = match self.listener.accept() {
            Ok((mut stream, _)) => {
                let mut line = Vec::new();
                push_line(&mut line, &busy(tick.unix));
                // Best effort: the socket is new, the line small.
                let _ = stream.write(&line);
                self.refusals.record_starved(tick.now);
                Spared::TurnedAway
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Spared::NoneWaiting,
            Err(e) if admission::is_transient(&e) => Spared::TurnedAway,
            // Still out (another thread took the descriptor): wait.
            Err(_) => Spared::NoSpare,
        };
        self.spare.restore();
        outcome
    }

    fn admit(&mut self, stream: mio::net::TcpStream, peer: SocketAddr, tick: Tick) {
        // Answers are small and each one is awaited: don't let Nagle hold
        // them back waiting for an ACK.
        let _ = stream.set_nodelay(true);
        let conn = if self.open < self.config.max_connections {
            debug!("connection from {peer}");
            self.open += 1;
            Connection::open(stream, peer, tick.now)
        } else {
            self.refusals.record_busy(tick.now);
            let conn = Connection::turned_away(stream, peer, tick);
            if self.conns.len().saturating_sub(self.open) >= MAX_LINGERING {
                // Too many lingering already: the line is written, close now.
                return;
            }
            conn
        };
        let was_open = conn.is_open();
        let mut conn = Box::new(conn);
        let token = Token(self.conns.vacant_key());
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .registry()
            .register(conn.stream_mut(), token, interest)
        {
            warn!("cannot watch connection from {peer}: {e}");
            if was_open {
                self.open = self.open.saturating_sub(1);
            }
            return;
        }
        self.conns.insert(conn);
    }

    /// Lets connection `index` do its work; `drain` reads until `WouldBlock`.
    fn serve(&mut self, index: usize, tick: Tick, drain: bool) {
        let Some(conn) = self.conns.get_mut(index) else {
            // Closed earlier in this turn; a late event for it.
            return;
        };
        let was_open = conn.is_open();
        let outcome = conn.on_ready(tick, &mut self.scratch, drain);
        let still_open = conn.is_open();
        if was_open && !still_open {
            self.open = self.open.saturating_sub(1);
        }
        match outcome {
            Outcome::Keep => {}
            Outcome::Again => self.again.push(index),
            Outcome::Close => self.remove(index, still_open),
        }
    }

    /// Closes connections that sent nothing for the idle timeout, and
    /// finished ones whose client never closed.
    fn sweep(&mut self, now: Instant) {
        let idle = self.config.idle_timeout;
        let expired: Vec<(usize, bool)> = self
            .conns
            .iter()
            .filter(|(_, conn)| conn.expire(now, idle))
            .map(|(index, conn)| (index, conn.is_open()))
            .collect();
        for (index, open) in expired {
            self.remove(index, open);
        }
        self.refusals.report(now);
        let period = if idle.is_zero() {
            SWEEP_MAX
        } else {
            (idle / 4).clamp(SWEEP_MIN, SWEEP_MAX)
        };
        self.next_sweep = now + period;
    }

    fn remove(&mut self, index: usize, counted_open: bool) {
        if let Some(mut conn) = self.conns.try_remove(index) {
            if counted_open {
                self.open = self.open.saturating_sub(1);
            }
            // Closing the socket would unregister it too; saying so keeps
            // mio's bookkeeping exact on every platform.
            let _ = self.poll.registry().deregister(conn.stream_mut());
        }
    }

    fn close_all(&mut self) {
        self.refusals.report_now(Instant::now());
        let count = self.conns.len();
        for mut conn in self.conns.drain() {
            conn.farewell();
        }
        self.open = 0;
        info!(
            "server on {} stopped ({count} connection(s) closed)",
            self.local_addr
        );
    }
}

//! The server's single event-loop thread: moves bytes between sockets and
//! the [`Hub`], and nothing else.
//!
//! One `mio` poll watches the listener, a waker (for shutdown) and every
//! client socket, edge-triggered. Each turn:
//!
//! 1. serve the connections with new input that had nothing left over,
//!    then, in order, those carried over from earlier turns (the busy
//!    ones), until the turn's [`TURN_BUDGET`] of messages and bytes is
//!    spent — each connection **at most once per turn**, at most
//!    [`FRAMES_PER_TURN`] messages and [`READS_PER_TURN`] reads, so a
//!    flooding client costs the others a bounded slice and never comes
//!    ahead of a client that sends one request; at most
//!    [`ACCEPTS_PER_TURN`] new clients;
//! 2. hand every frame to the hub and apply its effects: lines into the
//!    recipients' outboxes, closes;
//! 3. flush the outboxes that changed, run the hub's timers and sweep.
//!
//! Flow control: a client whose outbox passes a quarter of
//! [`ServerConfig::max_queue`] is not read until it drains (its own
//! requests wait, nobody else's); one that passes the whole of it is
//! disconnected as a slow reader. The kernel's buffers per socket are
//! capped too ([`ServerConfig::socket_buffer`]).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{debug, error, info, warn};
use mio::net::TcpListener;
use mio::{Events, Interest, Poll, Token};
use slab::Slab;

use super::admission::{self, Refusals, Spare, ACCEPT_RETRY};
use super::connection::{Connection, FramerPool, Input};
use super::outbox::Flushed;
use super::turn_stats::{Phase, TurnStats};
use super::Shared;
use crate::client::unix_seconds;
use crate::hub::{ClientId, CloseReason, Effect, Effects, Hub, Line, StoreTag, Time};
use crate::store::{Outcome, StoreWorker};
use crate::ServerConfig;

/// The listener's token; connections use their slab index.
pub(super) const LISTENER: Token = Token(usize::MAX);
/// The shutdown waker's token.
pub(super) const WAKER: Token = Token(usize::MAX - 1);

/// Readiness events taken per poll.
const EVENTS: usize = 1024;
/// Messages one connection may have handled per turn.
pub(super) const FRAMES_PER_TURN: usize = 16;
/// Reads (of at most one message's buffer) per connection per turn.
pub(super) const READS_PER_TURN: usize = 4;
/// Work in one turn, all connections together — a message, a read and
/// each [`BYTES_PER_UNIT`] read count one: past it, the connections
/// carried over wait for the next turn (in order), so a turn stays short
/// however many connections flood at once.
pub(super) const TURN_BUDGET: usize = 256;
/// Clients accepted per turn at most: a burst of thousands of connects is
/// taken over several turns, not in one long one.
const ACCEPTS_PER_TURN: usize = 64;
/// Bytes read that count as one unit of [`TURN_BUDGET`] (a message is one):
/// reading costs by the byte, in the kernel and in the framer.
const BYTES_PER_UNIT: usize = 1024;
/// Carried-over connections served each turn whatever the budget.
const CARRIED_MIN: usize = 4;
/// How often closing connections and message deadlines are checked.
const SWEEP_EVERY: Duration = Duration::from_millis(250);
/// Most connections cut for a message deadline per sweep (the rest go at
/// the next one: no stall when thousands expire together).
const MAX_CUT_PER_SWEEP: usize = 256;
/// Clients turned away or finished, lingering until they read their last
/// line, at most; beyond it a refused client is written to and closed.
const MAX_LINGERING: usize = 4096;
/// Scratch for discarding what closing clients still send.
const SCRATCH: usize = 4096;

/// How much of a connection's input one turn serves.
#[derive(Debug, Clone, Copy)]
struct Slice {
    frames: usize,
    reads: usize,
}

impl Slice {
    /// A connection's share of a turn.
    const FULL: Slice = Slice {
        frames: FRAMES_PER_TURN,
        reads: READS_PER_TURN,
    };
    /// New input past the turn's budget: one request's worth.
    const SMALL: Slice = Slice {
        frames: 2,
        reads: 1,
    };
}

/// How serving a connection's input ended.
enum Served {
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

/// Everything the loop owns.
pub(super) struct EventLoop {
    pub(super) poll: Poll,
    pub(super) listener: TcpListener,
    pub(super) shared: Arc<Shared>,
    pub(super) config: ServerConfig,
    pub(super) local_addr: SocketAddr,
    hub: Hub,
    effects: Effects,
    /// The storage thread; dropped after the loop, finishing its queue.
    store: StoreWorker<StoreTag>,
    conns: Slab<Connection>,
    /// The connection of each hub client.
    ids: HashMap<ClientId, usize>,
    /// Open sessions per source address.
    per_address: HashMap<IpAddr, usize>,
    /// Connections to serve at the start of the next turn.
    next_turn: Vec<usize>,
    /// Served only a small slice (the turn's budget was spent), so not
    /// known to be busy: first in the next turn, before `next_turn`.
    next_turn_first: Vec<usize>,
    /// Connections whose outbox changed this turn.
    dirty: Vec<usize>,
    /// Paced outboxes: when to write to them next.
    paced: BinaryHeap<Reverse<(Duration, usize)>>,
    framers: FramerPool,
    scratch: Box<[u8]>,
    spare: Spare,
    refusals: Refusals,
    /// The last accept stopped at [`ACCEPTS_PER_TURN`]: more may wait.
    accept_more: bool,
    /// Set after an accept error: when to try accepting again.
    accept_retry: Option<Duration>,
    /// Out of descriptors with no spare (logged once per episode).
    starved: bool,
    start: Instant,
    next_tick: Duration,
    next_sweep: Duration,
    /// Counts turns, so a connection is served at most once per turn.
    turn: u64,
    served: HashMap<usize, u64>,
    /// Messages and reads so far this turn, against [`TURN_BUDGET`].
    turn_work: usize,
    stats: TurnStats,
}

impl EventLoop {
    pub(super) fn new(
        poll: Poll,
        listener: TcpListener,
        shared: Arc<Shared>,
        config: ServerConfig,
        local_addr: SocketAddr,
        store: StoreWorker<StoreTag>,
    ) -> Self {
        EventLoop {
            poll,
            listener,
            shared,
            refusals: Refusals::new(config.max_connections),
            hub: Hub::new(config.hub()),
            config,
            local_addr,
            effects: Effects::new(),
            store,
            conns: Slab::new(),
            ids: HashMap::new(),
            per_address: HashMap::new(),
            next_turn: Vec::new(),
            next_turn_first: Vec::new(),
            dirty: Vec::new(),
            paced: BinaryHeap::new(),
            framers: FramerPool::default(),
            scratch: vec![0; SCRATCH].into_boxed_slice(),
            spare: Spare::new(),
            accept_more: false,
            accept_retry: None,
            starved: false,
            start: Instant::now(),
            next_tick: Duration::ZERO,
            next_sweep: Duration::ZERO,
            turn: 0,
            served: HashMap::new(),
            turn_work: 0,
            stats: TurnStats::new(Instant::now()),
        }
    }

    fn now(&self) -> Time {
        Time::new(self.start.elapsed(), unix_seconds())
    }

    /// Serves until the shutdown flag is set.
    pub(super) fn run(mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(EVENTS);
        info!(
            "serving on {} (max {} connections, {} per address, idle timeout {:?})",
            self.local_addr,
            self.config.max_connections,
            self.config.max_per_address,
            self.config.idle_timeout
        );
        while !self.shared.stop.load(Ordering::Acquire) {
            let timeout = self.poll_timeout(self.start.elapsed());
            if let Err(e) = self.poll.poll(&mut events, Some(timeout)) {
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                error!("poll failed: {e}");
                self.close_all();
                return Err(e);
            }
            self.turn += 1;
            self.served.clear();
            self.turn_work = 0;
            let now = self.now();
            // Connections carried over from the last turn (short of their
            // budget: the busy ones) are served after the new events, with
            // what is left of the turn's budget: a client that sends one
            // request is answered in the turn it arrives, however many
            // others flood.
            let mut carried = std::mem::take(&mut self.next_turn_first);
            carried.append(&mut self.next_turn);
            self.stats.start(events.iter().count(), carried.len());
            self.take_stored(now);
            self.stats.phase_done(Phase::Stored);
            // New input first, from connections that had drained: a client
            // that sends one request is answered in the turn it arrives,
            // however many others flood. A connection already carried over
            // (the busy ones) waits for its place in that queue instead,
            // so flooding brings no one ahead. Past the budget, new input
            // still gets a small slice — enough for one request — and the
            // rest of it queues up behind the carried-over.
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(now),
                    WAKER => {}
                    Token(key) => {
                        if event.is_writable() {
                            self.flush(key, now);
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            if self.conns.get(key).is_some_and(|c| c.scheduled) {
                                continue;
                            }
                            let slice = if self.turn_work >= TURN_BUDGET {
                                Slice::SMALL
                            } else {
                                Slice::FULL
                            };
                            self.serve_input(key, slice, now);
                        }
                    }
                }
            }
            if self.accept_more {
                self.accept(now);
            }
            self.stats.phase_done(Phase::Events);
            // The carried-over have a budget of their own, so that new
            // connections cannot hold them back.
            let carried_from = self.turn_work;
            for (i, key) in carried.into_iter().enumerate() {
                let Some(conn) = self.conns.get_mut(key) else {
                    continue;
                };
                conn.scheduled = false;
                // A few always go, so the carried-over never starve.
                if i >= CARRIED_MIN && self.turn_work.saturating_sub(carried_from) >= TURN_BUDGET {
                    self.schedule(key);
                    continue;
                }
                self.serve_input(key, Slice::FULL, now);
            }
            self.stats.phase_done(Phase::Carried);
            if self.accept_retry.is_some_and(|at| now.elapsed >= at) {
                self.accept_retry = None;
                self.accept(now);
            }
            while let Some(&Reverse((at, key))) = self.paced.peek() {
                if at > now.elapsed {
                    break;
                }
                self.paced.pop();
                self.mark_dirty(key);
            }
            if now.elapsed >= self.next_tick {
                let wait = self.hub.tick(now, &mut self.effects);
                self.next_tick = now.elapsed + wait;
                self.apply_effects(now);
            }
            if now.elapsed >= self.next_sweep {
                self.sweep(now);
                self.next_sweep = now.elapsed + SWEEP_EVERY;
            }
            self.stats.phase_done(Phase::Timers);
            let dirty = std::mem::take(&mut self.dirty);
            let flushed = dirty.len();
            for key in dirty {
                if let Some(conn) = self.conns.get_mut(key) {
                    conn.dirty = false;
                }
                self.flush(key, now);
            }
            self.stats.phase_done(Phase::Flush);
            self.stats.finish(self.turn_work, flushed);
        }
        self.close_all();
        Ok(())
    }

    /// How long the next poll may sleep: until the next timer, or not at
    /// all when connections wait for their turn.
    fn poll_timeout(&self, now: Duration) -> Duration {
        if !self.next_turn.is_empty()
            || !self.next_turn_first.is_empty()
            || !self.dirty.is_empty()
            || self.accept_more
        {
            return Duration::ZERO;
        }
        let mut wake = self.next_tick.min(self.next_sweep);
        if let Some(at) = self.accept_retry {
            wake = wake.min(at);
        }
        if let Some(Reverse((at, _))) = self.paced.peek() {
            wake = wake.min(*at);
        }
        wake.saturating_sub(now)
    }

    fn schedule(&mut self, key: usize) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.scheduled {
                conn.scheduled = true;
                self.next_turn.push(key);
            }
        }
    }

    /// Like [`schedule`](Self::schedule), at the head of the next turn.
    fn schedule_first(&mut self, key: usize) {
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.scheduled {
                conn.scheduled = true;
                self.next_turn_first.push(key);
            }
        }
    }

    fn mark_dirty(&mut self, key: usize) {
        // A flag, not a search of the list: a turn can dirty thousands.
        if let Some(conn) = self.conns.get_mut(key) {
            if !conn.dirty {
                conn.dirty = true;
                self.dirty.push(key);
            }
        }
    }

    /// Accepts the queued clients (edge-triggered: until `WouldBlock`), at
    /// most [`ACCEPTS_PER_TURN`]; the rest in the next turns.
    fn accept(&mut self, now: Time) {
        self.accept_more = false;
        for _ in 0..ACCEPTS_PER_TURN {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    self.starved = false;
                    self.admit(stream, peer, now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if admission::is_transient(&e) => {}
                // Linux reports this before looking at the queue, so it
                // does not mean anyone is waiting.
                Err(e) if admission::is_out_of_descriptors(&e) => {
                    if !self.turn_away_without_descriptors(now) {
                        if !self.starved {
                            warn!("out of file descriptors, accepting again shortly: {e}");
                            self.starved = true;
                        }
                        self.accept_retry = Some(now.elapsed + ACCEPT_RETRY);
                        return;
                    }
                }
                Err(e) => {
                    warn!("accept failed, trying again shortly: {e}");
                    self.accept_retry = Some(now.elapsed + ACCEPT_RETRY);
                    return;
                }
            }
        }
        // No `WouldBlock` seen: the queue may hold more, and no new event
        // will say so.
        self.accept_more = true;
    }

    /// Out of descriptors: frees the spare to accept one client, answers it
    /// `server busy` and closes it, then takes the spare back. `false` when
    /// there was no spare or nobody waiting.
    fn turn_away_without_descriptors(&mut self, now: Time) -> bool {
        if !self.spare.release() {
            return false;
        }
        let turned_away = match self.listener.accept() {
            Ok((mut stream, _)) => {
                // Best effort: the socket is new, the line small.
                let _ = io::Write::write(&mut stream, &busy_line(now, "server busy"));
                self.refusals.record_starved(Instant::now());
                true
            }
            Err(e) => admission::is_transient(&e),
        };
        self.spare.restore();
        turned_away
    }

    fn admit(&mut self, stream: mio::net::TcpStream, peer: SocketAddr, now: Time) {
        // Answers are small and each one is awaited: don't let Nagle hold
        // them back waiting for an ACK.
        let _ = stream.set_nodelay(true);
        if self.config.socket_buffer > 0 {
            let socket = socket2::SockRef::from(&stream);
            let _ = socket.set_send_buffer_size(self.config.socket_buffer);
            let _ = socket.set_recv_buffer_size(self.config.socket_buffer);
        }
        let from_here = self.per_address.get(&peer.ip()).copied().unwrap_or(0);
        let refusal = if self.ids.len() >= self.config.max_connections {
            Some("server busy")
        } else if from_here >= self.config.max_per_address {
            Some("too many connections from your address")
        } else {
            None
        };
        let mut conn = match refusal {
            Some(why) => {
                self.refusals.record_busy(Instant::now());
                let lingering = self.conns.len().saturating_sub(self.ids.len());
                let line = busy_line(now, why);
                if lingering >= MAX_LINGERING {
                    // Too many lingering already: write and close now.
                    let mut stream = stream;
                    let _ = io::Write::write(&mut stream, &line);
                    return;
                }
                Connection::turned_away(stream, peer, line, now.elapsed)
            }
            None => {
                debug!("connection from {peer}");
                let id = self.hub.connect(peer, now);
                Connection::open(stream, peer, id)
            }
        };
        let key = self.conns.vacant_key();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .registry()
            .register(conn.stream_mut(), Token(key), interest)
        {
            warn!("cannot watch connection from {peer}: {e}");
            if let Some(id) = conn.id {
                self.hub
                    .disconnect(id, CloseReason::Gone, now, &mut self.effects);
                self.effects.drain();
            }
            return;
        }
        if let Some(id) = conn.id {
            self.ids.insert(id, key);
            *self.per_address.entry(peer.ip()).or_default() += 1;
        }
        self.conns.insert(conn);
        self.mark_dirty(key);
    }

    /// Hands the storage outcomes that have come to the hub.
    fn take_stored(&mut self, now: Time) {
        let stored = match self.shared.stored.lock() {
            Ok(mut stored) => std::mem::take(&mut *stored),
            Err(_) => return,
        };
        for (tag, outcome) in stored {
            self.hub.stored(tag, outcome, now, &mut self.effects);
        }
        self.apply_effects(now);
    }

    /// Reads and handles what `key` sent, at most `slice` of it.
    fn serve_input(&mut self, key: usize, slice: Slice, now: Time) {
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
        self.turn_work += frames + reads + bytes / BYTES_PER_UNIT;
        let mid_message = conn.is_mid_message();
        conn.settle_framer(&mut self.framers);
        match served {
            Served::Drained | Served::Paused | Served::Waiting | Served::Closed => {}
            Served::Again if slice.frames < FRAMES_PER_TURN => self.schedule_first(key),
            Served::Again => self.schedule(key),
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

    /// Carries out what the hub asked, in order.
    fn apply_effects(&mut self, now: Time) {
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
                    Effect::Store { tag, op } => {
                        if let Err((tag, e)) = self.store.submit(tag, op) {
                            self.hub
                                .stored(tag, Outcome::Failed(e), now, &mut self.effects);
                        }
                    }
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
    fn flush(&mut self, key: usize, now: Time) {
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

    /// Removes closing connections whose time is up, and cuts clients that
    /// have taken too long over one message.
    fn sweep(&mut self, now: Time) {
        let deadline = self.config.message_deadline;
        let mut finished = Vec::new();
        let mut late = Vec::new();
        for (key, conn) in &self.conns {
            if !conn.is_open() {
                if conn.is_finished(now.elapsed) {
                    finished.push(key);
                }
            } else if let (Some(started), Some(id)) = (conn.message_started, conn.id) {
                // A client waiting for storage is not slow: the server is.
                if !deadline.is_zero()
                    && !self.hub.is_waiting(id)
                    && now.elapsed.saturating_sub(started) >= deadline
                    && late.len() < MAX_CUT_PER_SWEEP
                {
                    late.push(id);
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
    }

    fn remove(&mut self, key: usize) {
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

    fn close_all(&mut self) {
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

/// `{"response":500,"time":…,"error":why}` and a newline.
fn busy_line(now: Time, why: &str) -> Line {
    let response = jim_core::Response::with_text(
        jim_core::StatusCode::SERVER_ERROR,
        now.unix,
        jim_core::Text::plain(why),
    );
    let mut buf = [0u8; 256];
    match jim_core::Encode::encode(&response, &mut buf) {
        Ok(n) => {
            let mut line = buf.get(..n).unwrap_or_default().to_vec();
            line.push(b'\n');
            Line::from(line)
        }
        Err(_) => Line::from(&b"{\"response\":500}\n"[..]),
    }
}

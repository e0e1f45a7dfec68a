//! The server's single event-loop thread: moves bytes between sockets and
//! the [`Hub`], and nothing else.
//!
//! One `mio` poll watches the listener, a waker (for shutdown) and every
//! client socket, edge-triggered. Each turn:
//!
//! 1. serve the connections with new input that had nothing left over —
//!    the light ones (little work lately,
//!    [`RecentLoad`](super::recent_load::RecentLoad)) first, the heavy
//!    ones while the budget lasts — then, in order, those carried over
//!    from earlier turns (the busy ones), until the turn's [`TURN_BUDGET`]
//!    of messages and bytes is spent — each connection **at most once per
//!    turn**, at most
//!    [`FRAMES_PER_TURN`] messages and [`READS_PER_TURN`] reads, so a
//!    flooding client costs the others a bounded slice and never comes
//!    ahead of a client that sends one request; at most
//!    [`ACCEPTS_PER_TURN`](admit::ACCEPTS_PER_TURN) new clients;
//! 2. hand every frame to the hub and apply its effects: lines into the
//!    recipients' outboxes, closes;
//! 3. flush the outboxes that changed, run the hub's timers and sweep.
//!
//! Flow control: a client whose outbox passes a quarter of
//! [`ServerConfig::max_queue`] is not read until it drains (its own
//! requests wait, nobody else's); one that passes the whole of it is
//! disconnected as a slow reader. The kernel's buffers per socket are
//! capped too ([`ServerConfig::socket_buffer`]).

mod admit;
mod closing;
mod input;
mod order;
mod output;

use closing::{SCRATCH, SWEEP_AGAIN};
use input::Slice;
use order::{Candidate, NewInput};

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use log::{error, info};
use mio::net::TcpListener;
use mio::{Events, Poll, Token};
use slab::Slab;

use super::admission::{Refusals, Spare};
use super::connection::{Connection, FramerPool};
use super::turn_stats::{Phase, TurnStats};
use super::Shared;
use crate::client::unix_seconds;
use crate::hub::{ClientId, Effects, Hub, StoreTag, Time};
use crate::store::{Op, StoreWorker};
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
/// each [`BYTES_PER_UNIT`](input::BYTES_PER_UNIT) read count one: past it, the connections
/// carried over wait for the next turn (in order), so a turn stays short
/// however many connections flood at once.
pub(super) const TURN_BUDGET: usize = 256;
/// Carried-over connections served each turn whatever the budget.
const CARRIED_MIN: usize = 4;
/// How often closing connections and message deadlines are checked.
const SWEEP_EVERY: Duration = Duration::from_millis(250);

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
    /// Storage outcomes were left for the next turn.
    stored_left: bool,
    /// The turn's storage ops, handed over when it ends.
    to_store: Vec<(StoreTag, Op)>,
    /// Paced outboxes: when to write to them next.
    paced: BinaryHeap<Reverse<(Duration, usize)>>,
    framers: FramerPool,
    scratch: Box<[u8]>,
    spare: Spare,
    refusals: Refusals,
    /// The last accept stopped at [`ACCEPTS_PER_TURN`](admit::ACCEPTS_PER_TURN): more may wait.
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
    /// The turn's connections with new input (kept for its allocation).
    new_input: NewInput,
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
            stored_left: false,
            to_store: Vec::new(),
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
            new_input: NewInput::default(),
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
            // so flooding brings no one ahead. The light connections go
            // first, the longest-connected first; past the budget they get
            // a small slice — enough for one request — and past twice it
            // they wait. The heavy (backlogged, or busy lately) follow
            // within the budget; past it they queue up unserved, so a
            // thousand of them cannot make the turn long (`order`).
            let mut new_input = std::mem::take(&mut self.new_input);
            for event in events.iter() {
                match event.token() {
                    LISTENER => self.accept(now),
                    WAKER => {}
                    Token(key) => {
                        if event.is_writable() {
                            self.flush(key, now);
                        }
                        if event.is_readable() || event.is_read_closed() || event.is_error() {
                            let Some(conn) = self.conns.get(key) else {
                                continue;
                            };
                            if conn.scheduled && conn.busy {
                                continue;
                            }
                            new_input.push(Candidate {
                                key,
                                id: conn.id,
                                backlogged: conn.backlogged,
                                heavy: conn.load.is_heavy(now.elapsed),
                            });
                        }
                    }
                }
            }
            for key in new_input.drain_light() {
                match order::light_slice(self.turn_work, self.spent(now)) {
                    Some(slice) => self.serve_input(key, slice, now),
                    // A burst from a thousand connections at once: the
                    // newest wait for the next turns, at the head of the
                    // queue.
                    None => self.schedule_first(key),
                }
            }
            // Their answers go out now, not after the heavy and the
            // carried-over have had their share of the turn.
            let flushed = self.flush_dirty(now);
            for key in new_input.drain_heavy() {
                match order::heavy_slice(self.turn_work, self.spent(now)) {
                    Some(slice) => self.serve_input(key, slice, now),
                    None => self.schedule_busy(key),
                }
            }
            self.new_input = new_input;
            if self.accept_more {
                self.accept(now);
            }
            self.stats.phase_done(Phase::Events);
            // The carried-over have a budget of their own, so that new
            // connections cannot hold them back.
            let carried_from = self.turn_work;
            let mut waiting = Vec::new();
            for (i, key) in carried.into_iter().enumerate() {
                let Some(conn) = self.conns.get_mut(key) else {
                    continue;
                };
                // A few always go, so the carried-over never starve; the
                // rest keep their place for the next turn, and so does one
                // already served in this turn (a storage answer's).
                let over =
                    i >= CARRIED_MIN && self.turn_work.saturating_sub(carried_from) >= TURN_BUDGET;
                if over || self.served.get(&key) == Some(&self.turn) {
                    waiting.push(key);
                    continue;
                }
                conn.scheduled = false;
                conn.busy = false;
                self.serve_input(key, Slice::FULL, now);
            }
            // Those that waited go before those served again: in order,
            // everyone's turn comes.
            waiting.append(&mut self.next_turn);
            self.next_turn = waiting;
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
                let more = self.sweep(now);
                self.next_sweep = now.elapsed + if more { SWEEP_AGAIN } else { SWEEP_EVERY };
            }
            self.stats.phase_done(Phase::Timers);
            let flushed = flushed + self.flush_dirty(now);
            self.stats.phase_done(Phase::Flush);
            // After the flush: waking the storage thread never delays the
            // answers of this turn.
            self.submit_stored_ops(now);
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
            || self.stored_left
            || !self.to_store.is_empty()
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

    /// How long the turn that began at `now` has run.
    fn spent(&self, now: Time) -> Duration {
        self.start.elapsed().saturating_sub(now.elapsed)
    }

    /// Like [`schedule`](Self::schedule), and its new input waits for its
    /// place in the queue.
    pub(super) fn schedule_busy(&mut self, key: usize) {
        if let Some(conn) = self.conns.get_mut(key) {
            conn.busy = true;
        }
        self.schedule(key);
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
}

//! The chat hub: every chat decision of the server, with no IO.
//!
//! The hub owns the chat state — who is connected under which name, the
//! rooms and their members, each client's dialect and public key — and
//! turns each input into [`Effect`]s:
//!
//! ```text
//! connect ─┐
//! frame   ─┤                Send { to, line } · Close { client, why }
//! gone    ─┼─▶ Hub ─▶ Effects: Store { tag, op } · Resume · NotifyDrained
//! tick    ─┤
//! stored  ─┤   (storage outcomes; the time is always passed in)
//! drained ─┘
//! ```
//!
//! What must outlive a restart — accounts, contacts, messages — is asked of
//! storage as an effect ([`Effect::Store`]) and answered as an input
//! ([`Hub::stored`]), so the hub stays free of IO and deterministic; see
//! `storage` for the waiting rules.
//!
//! It imports no socket, no `mio` and no clock: the same inputs give the
//! same outputs, so whole multi-client conversations are unit tests
//! (`tests` below and `jim-std/tests/hub_*.rs`) and a fuzz target. The
//! event loop only moves bytes between sockets and the hub.
//!
//! Each request is handled in its own file (`presence`, `accounts`, `chat`,
//! `rooms`, `history`, `contacts`, `users`); `keepalive` runs the timers. A later multi-node
//! deployment adds one effect (deliver to a client on another node) and one
//! input (a message from another node); nothing here assumes a single
//! process beyond the tables themselves.

mod accounts;
mod backlog;
mod chat;
mod client;
mod contacts;
mod effects;
mod history;
mod instant;
mod keepalive;
mod presence;
mod printable;
mod rate;
mod reply;
mod rooms;
mod storage;
mod users;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use jim_core::server::{classify, InputError};
use jim_core::{FrameError, Message, Text};
use log::{debug, info};

pub use accounts::{FREE_FAILURES, MAX_LOCKOUT};
pub use backlog::BACKLOG_PAGE;
pub use client::ClientId;
pub use effects::{CloseReason, Effect, Effects, Line, StoreTag};
pub use history::{HISTORY_PAGE, MAX_HISTORY_PAGE};
pub use instant::InstantStore;
pub use printable::Printable;
pub use rate::RateLimit;
pub use storage::MAX_IN_FLIGHT;

use accounts::LoginThrottle;
use client::Client;
use storage::InFlight;

/// The time of an input: the hub reads no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Time {
    /// Monotonic time since some fixed start (for timeouts and rates).
    pub elapsed: Duration,
    /// Unix seconds (for the `time` of what is sent).
    pub unix: u64,
}

impl Time {
    /// A time `elapsed` after the start, at Unix second `unix`.
    pub fn new(elapsed: Duration, unix: u64) -> Time {
        Time { elapsed, unix }
    }
}

/// Who must log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Auth {
    /// A bare `presence` is enough (as the course's clients expect), but
    /// not for a name that belongs to an account: that takes
    /// `authenticate`.
    #[default]
    Optional,
    /// Everything but `presence` and `authenticate` before a login → `401`.
    Required,
}

/// Whether `authenticate` may create accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Registration {
    /// The first `authenticate` of an unknown name creates its account.
    #[default]
    Open,
    /// Only the admin command creates accounts.
    Closed,
}

/// The hub's policy knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubConfig {
    /// Who must log in.
    pub auth: Auth,
    /// Whether logging in can create an account.
    pub registration: Registration,
    /// Messages of a room replayed on `join` (0: none). Prosody's default,
    /// 20.
    pub history_on_join: u32,
    /// Silence after which a client is closed; half of it brings a
    /// `probe`. [`Duration::ZERO`] disables both.
    pub idle_timeout: Duration,
    /// Requests a client may make.
    pub rate: RateLimit,
    /// Most idle clients closed, and most probed, per [`Hub::tick`]; the
    /// rest wait for the next one (a millisecond later), so cutting or
    /// probing thousands at once stalls nobody.
    pub max_expired_per_tick: usize,
}

impl Default for HubConfig {
    fn default() -> Self {
        HubConfig {
            auth: Auth::Optional,
            registration: Registration::Open,
            history_on_join: 20,
            idle_timeout: Duration::from_secs(60),
            rate: RateLimit::default(),
            max_expired_per_tick: 128,
        }
    }
}

/// Bad requests in a row after which a client is closed: a person who
/// mistypes gets many chances; a program that sends nothing valid does
/// not get to keep its slot.
pub const MAX_BAD_IN_A_ROW: u32 = 100;

/// Requests refused by the rate limit in a row after which a client that
/// keeps sending regardless is closed.
pub const MAX_REFUSED_IN_A_ROW: u32 = 1000;

/// Names that were online since the start, so `add_contact` can tell a
/// name that exists from a typo. Bounded: the oldest are forgotten first.
const MAX_KNOWN_NAMES: usize = 65_536;

/// The chat state and its rules. See the [module docs](self).
pub struct Hub {
    config: HubConfig,
    clients: HashMap<ClientId, Client>,
    /// Who holds each name (decoded), for `presence` and delivery.
    names: HashMap<String, ClientId>,
    /// Members of each room that has any (ordered, so fan-out order is
    /// the same every run).
    rooms: BTreeMap<String, BTreeSet<ClientId>>,
    /// Requests waiting for storage, by client (kept past a disconnect: a
    /// stored message is still delivered).
    waiting: HashMap<ClientId, InFlight>,
    throttle: LoginThrottle,
    /// Every name seen online, oldest first, for [`MAX_KNOWN_NAMES`].
    known: BTreeMap<String, u64>,
    known_order: BTreeMap<u64, String>,
    next_known: u64,
    next_id: u64,
}

/// What a handler needs from one request: the client, the time, where the
/// effects go.
pub(crate) struct Request<'h> {
    pub id: ClientId,
    pub now: Time,
    pub out: &'h mut Effects,
}

impl Hub {
    /// An empty hub.
    pub fn new(config: HubConfig) -> Hub {
        Hub {
            config,
            clients: HashMap::new(),
            names: HashMap::new(),
            rooms: BTreeMap::new(),
            waiting: HashMap::new(),
            throttle: LoginThrottle::default(),
            known: BTreeMap::new(),
            known_order: BTreeMap::new(),
            next_known: 0,
            next_id: 1,
        }
    }

    /// The policy in force.
    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// A client connected from `peer`; returns its id, never used before.
    pub fn connect(&mut self, peer: SocketAddr, now: Time) -> ClientId {
        let id = ClientId(self.next_id);
        self.next_id += 1;
        self.clients
            .insert(id, Client::new(peer, now, self.config.rate));
        id
    }

    /// Bytes arrived from `id` (a whole frame or not): it is alive.
    pub fn touch(&mut self, id: ClientId, now: Time) {
        if let Some(client) = self.clients.get_mut(&id) {
            client.touch(now);
        }
    }

    /// Whether `id` is connected.
    pub fn is_connected(&self, id: ClientId) -> bool {
        self.clients.contains_key(&id)
    }

    /// How many clients are connected.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// `true` when nobody is connected.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// One frame from `id`'s stream (or the framer's reason it was not
    /// one): answer it, relay it, or close the client.
    pub fn frame(
        &mut self,
        id: ClientId,
        frame: Result<&[u8], FrameError>,
        now: Time,
        out: &mut Effects,
    ) {
        if self.is_waiting(id) {
            // The event loop holds a waiting client's messages; a driver
            // that does not gets a refusal, never an answer out of order.
            let text = "wait for the answer to your previous request";
            out.reply(id, reply::error(429, now, text));
            return;
        }
        if !self.clients.contains_key(&id) {
            return;
        }
        let request = classify(frame);
        if self.in_flight(id) && !request.as_ref().is_ok_and(storage::pipelines) {
            // It may not overtake the answers still to come.
            self.hold(id, frame);
            return;
        }
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        client.touch(now);
        if let Err(limit) = client.rate.take(now.elapsed) {
            client.rate_limited += 1;
            // Counted, and logged as a count every 10 s (`keepalive`): a
            // line per refusal episode was 20,000 lines a second from a
            // thousand pipelining clients.
            client.refused += 1;
            if client.rate_limited >= MAX_REFUSED_IN_A_ROW {
                self.disconnect(id, CloseReason::Flooding, now, out);
                return;
            }
            let text = format!("too many requests: at most {limit}");
            out.reply(id, reply::error(429, now, &text));
            return;
        }
        client.rate_limited = 0;
        match request {
            Err(e) => self.bad_request(id, &e, now, out),
            Ok(message) => {
                client.bad_in_a_row = 0;
                self.request(id, message, now, out)
            }
        }
    }

    fn bad_request(&mut self, id: ClientId, e: &InputError, now: Time, out: &mut Effects) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let text = match e {
            InputError::Frame(FrameError::TooLarge) => {
                format!("message too large: at most {} bytes", crate::MAX_FRAME)
            }
            e => e.to_string(),
        };
        // Logged as a count per client per interval (`keepalive`), never a
        // line per bad message: a flood of garbage must not flood the log.
        debug!("bad request from {client}: {text}");
        client.bad_requests += 1;
        client.bad_in_a_row += 1;
        if client.bad_in_a_row > MAX_BAD_IN_A_ROW {
            self.disconnect(id, CloseReason::BadInput, now, out);
            return;
        }
        out.reply(id, reply::error(400, now, &text));
        client.last_bad = Some(text);
    }

    fn request(&mut self, id: ClientId, message: Message<'_>, now: Time, out: &mut Effects) {
        let mut req = Request { id, now, out };
        // Only a presence, a login (or leaving) is allowed before a name.
        let (named, logged_in) = self
            .clients
            .get(&id)
            .map_or((false, false), |c| (c.name.is_some(), c.logged_in));
        match message {
            Message::Presence(p) => return self.presence(&mut req, &p),
            Message::Authenticate(a) => return self.authenticate(&mut req, &a),
            Message::Quit(_) => return self.quit(&mut req),
            _ if self.config.auth == Auth::Required && !logged_in => {
                let text = "log in first (authenticate)";
                req.out.reply(id, reply::error(401, now, text));
                return;
            }
            _ if !named => {
                req.out
                    .reply(id, reply::error(401, now, "send presence first"));
                return;
            }
            _ => {}
        }
        match message {
            Message::Msg(m) => self.chat(&mut req, &m),
            Message::Join(r) => self.join(&mut req, &r.room),
            Message::Leave(r) => self.leave(&mut req, &r.room),
            Message::GetContacts(_) => self.get_contacts(&mut req),
            Message::AddContact(c) => self.add_contact(&mut req, &c.user_id),
            Message::DelContact(c) => self.del_contact(&mut req, &c.user_id),
            Message::GetUsers(_) => self.get_users(&mut req),
            Message::PubkeyNeed(p) => self.pubkey_need(&mut req, &p.account_name),
            Message::GetHistory(q) => self.get_history(&mut req, &q),
            _ => req
                .out
                .reply(id, reply::error(400, now, "not a client request")),
        }
    }

    /// `quit`/`exit`: the client leaves; no answer.
    fn quit(&mut self, req: &mut Request<'_>) {
        if let Some(client) = self.clients.get(&req.id) {
            info!("client {client} quit");
        }
        self.disconnect(req.id, CloseReason::Quit, req.now, req.out);
    }

    /// `id` is gone, or must go: removes it from every table — its name,
    /// every room — and asks the event loop to close it. The one close
    /// path, whatever the reason; a second call does nothing.
    pub fn disconnect(&mut self, id: ClientId, why: CloseReason, now: Time, out: &mut Effects) {
        let _ = now;
        let Some(client) = self.clients.remove(&id) else {
            return;
        };
        if let Some(name) = &client.name {
            if self.names.get(name) == Some(&id) {
                self.names.remove(name);
            }
        }
        for room in &client.rooms {
            self.remove_member(room, id);
        }
        // When the client leaves, what the periodic report (`keepalive`)
        // had not said yet goes on the line: one that sends garbage and
        // hangs up at once is not invisible in the log. (When the server
        // closes, the reason says it; a flood's close lines stay short.)
        match why {
            CloseReason::Quit => {
                let unreported = client.unreported_input();
                if !unreported.is_empty() {
                    info!("client {client} quit{unreported}");
                }
            }
            CloseReason::Gone => {
                info!("client {client} disconnected{}", client.unreported_input());
            }
            other => info!("client {client} closed: {other}"),
        }
        out.push(Effect::Close { client: id, why });
    }

    /// Remembers `name` as one that exists (bounded).
    fn remember(&mut self, name: &str) {
        if let Some(order) = self.known.get(name).copied() {
            self.known_order.remove(&order);
        } else if self.known.len() >= MAX_KNOWN_NAMES {
            if let Some((_, oldest)) = self.known_order.pop_first() {
                self.known.remove(&oldest);
            }
        }
        let order = self.next_known;
        self.next_known += 1;
        self.known.insert(name.to_owned(), order);
        self.known_order.insert(order, name.to_owned());
    }

    fn is_known(&self, name: &str) -> bool {
        self.names.contains_key(name) || self.known.contains_key(name)
    }

    /// The name `id` is bound to.
    pub fn name_of(&self, id: ClientId) -> Option<&str> {
        self.clients.get(&id).and_then(|c| c.name.as_deref())
    }

    /// Who holds `name`.
    pub fn holder_of(&self, name: &str) -> Option<ClientId> {
        self.names.get(name).copied()
    }

    /// The members of `room`, in id order.
    pub fn members(&self, room: &str) -> impl Iterator<Item = ClientId> + '_ {
        self.rooms.get(room).into_iter().flatten().copied()
    }

    /// The rooms that have members.
    pub fn rooms(&self) -> impl Iterator<Item = &str> + '_ {
        self.rooms.keys().map(String::as_str)
    }
}

/// The decoded characters of `text`, borrowed when it had no escapes.
pub(crate) fn decoded<'a>(text: &Text<'a>) -> std::borrow::Cow<'a, str> {
    match text.as_plain_str() {
        Some(plain) => std::borrow::Cow::Borrowed(plain),
        None => std::borrow::Cow::Owned(text.chars().collect()),
    }
}

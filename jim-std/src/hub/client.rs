//! One connected client as the hub knows it.

use std::collections::BTreeSet;
use std::fmt;
use std::net::SocketAddr;

use jim_core::{Escaping, Spelling};

use super::printable::Printable;
use super::rate::{RateLimit, TokenBucket};
use super::Time;

/// A client, for as long as it is connected. Ids count up from 1 and are
/// never reused, so an effect for a client that has gone can never reach
/// a newer one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Which of the two dialects a client speaks, as far as the hub has seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Dialect {
    /// How to spell a chat message to it.
    pub spelling: Spelling,
    /// The course reference's clients: relayed room messages carry their
    /// own name in `to`, and text is sent as UTF-8 (smaller, so more of a
    /// message fits the single `recv(1024)` they read with).
    pub course: bool,
}

impl Dialect {
    pub const SPEC: Dialect = Dialect {
        spelling: Spelling::SPEC,
        course: false,
    };
    pub const COURSE: Dialect = Dialect {
        spelling: Spelling::COURSE,
        course: true,
    };

    /// How texts are escaped for this client.
    pub fn escaping(self) -> Escaping {
        if self.course {
            Escaping::Utf8
        } else {
            Escaping::Ascii
        }
    }
}

/// The hub's record of one connection.
pub(crate) struct Client {
    pub peer: SocketAddr,
    /// The name bound by `presence`, decoded.
    pub name: Option<String>,
    pub status: Option<String>,
    /// The course's public key (`user.pubkey`), for `pubkey_need`.
    pub pubkey: Option<String>,
    pub dialect: Dialect,
    /// The dialect was learnt from a chat message (not guessed from the
    /// presence).
    pub dialect_learned: bool,
    /// Rooms joined (never `#all`, which everyone is in).
    pub rooms: BTreeSet<String>,
    pub rate: TokenBucket,
    /// Requests refused by the rate limit in a row.
    pub rate_limited: u32,
    /// Requests refused by the rate limit since the last report.
    pub refused: u32,
    /// Bad requests since the last report, and in a row.
    pub bad_requests: u32,
    pub bad_in_a_row: u32,
    /// The last bad request's reason, for the report.
    pub last_bad: Option<String>,
    /// When bad input may next be reported.
    pub next_report: std::time::Duration,
    pub last_input: Time,
    /// A probe went out since the last input.
    pub probed: bool,
    /// Logged in with `authenticate`: `name` is its account.
    pub logged_in: bool,
    /// Messages stored for it are being sent page by page: the id of the
    /// last one sent. New direct messages wait in storage meanwhile, so
    /// they arrive after the older ones.
    pub backlog: Option<i64>,
    /// A backlog page has been asked for and not yet come.
    pub page_asked: bool,
    /// Direct messages sent to it, to be marked delivered once written.
    pub unconfirmed: Vec<i64>,
    /// A [`NotifyDrained`](super::Effect::NotifyDrained) is out.
    pub drain_asked: bool,
}

impl Client {
    pub fn new(peer: SocketAddr, now: Time, rate: RateLimit) -> Client {
        Client {
            peer,
            name: None,
            status: None,
            pubkey: None,
            dialect: Dialect::SPEC,
            dialect_learned: false,
            rooms: BTreeSet::new(),
            rate: TokenBucket::new(rate, now.elapsed),
            rate_limited: 0,
            refused: 0,
            bad_requests: 0,
            bad_in_a_row: 0,
            last_bad: None,
            next_report: now.elapsed,
            last_input: now,
            probed: false,
            logged_in: false,
            backlog: None,
            page_asked: false,
            unconfirmed: Vec::new(),
            drain_asked: false,
        }
    }

    pub fn touch(&mut self, now: Time) {
        self.last_input = now;
        self.probed = false;
    }

    /// The bad requests and rate-limit refusals that no periodic report
    /// (`keepalive`) has counted yet, as the tail of the close's log line
    /// (empty if none).
    pub(super) fn unreported_input(&self) -> String {
        let mut tail = String::new();
        if self.bad_requests > 0 {
            tail.push_str(&format!(
                "; {} bad request(s) since the last report (last: {})",
                self.bad_requests,
                self.last_bad.as_deref().unwrap_or("?")
            ));
        }
        if self.refused > 0 {
            tail.push_str(&format!(
                "; {} request(s) over the rate limit since the last report",
                self.refused
            ));
        }
        tail
    }
}

impl fmt::Display for Client {
    /// `alice (127.0.0.1:50000)` once named, else the address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{} ({})", Printable(name), self.peer),
            None => write!(f, "{}", self.peer),
        }
    }
}

//! Scripted conversations through the hub, without sockets: every input
//! and the exact lines that come out.

use std::time::Duration;

mod bad_input;
mod lists;
mod liveness;
mod naming;
mod relay;
mod storage;

use super::*;
use crate::store::{apply, Outcome, Passwords, SqliteStore, StoreError};

const T0: u64 = 1_700_000_000;

/// A hub, a clock, named clients, and a database in memory that answers
/// every storage request at once (and every queue is written at once).
struct Script {
    hub: Hub,
    now: Time,
    ids: Vec<(&'static str, ClientId)>,
    store: SqliteStore,
    passwords: Passwords,
    /// Tell the hub its queues are written as soon as it asks (else the
    /// test calls `drained`).
    auto_drain: bool,
    /// Storage fails every request.
    broken: bool,
}

impl Script {
    fn new() -> Script {
        Script::with(HubConfig::default())
    }

    fn with(config: HubConfig) -> Script {
        Script {
            hub: Hub::new(config),
            now: Time::new(Duration::ZERO, T0),
            ids: Vec::new(),
            store: SqliteStore::in_memory().unwrap(),
            passwords: Passwords::fast(),
            auto_drain: true,
            broken: false,
        }
    }

    fn id(&self, who: &str) -> ClientId {
        self.ids
            .iter()
            .find(|(name, _)| *name == who)
            .map(|(_, id)| *id)
            .unwrap_or_else(|| panic!("no client {who}"))
    }

    fn label(&self, id: ClientId) -> &'static str {
        self.ids
            .iter()
            .find(|(_, i)| *i == id)
            .map(|(name, _)| *name)
            .unwrap_or("?")
    }

    /// Connects a client known to the script as `who`.
    fn connect(&mut self, who: &'static str) {
        let id = self.hub.connect(([127, 0, 0, 1], 40_000).into(), self.now);
        // A name used again is a new connection of the same person.
        self.ids.retain(|(name, _)| *name != who);
        self.ids.push((who, id));
    }

    /// Carries out storage requests and drain notices at once, and
    /// renders the rest as `who <- line` and `close who: why`.
    fn render(&mut self, effects: &mut Effects) -> Vec<String> {
        let mut lines = Vec::new();
        let batch: Vec<Effect> = effects.drain().collect();
        for e in batch {
            match e {
                Effect::Send { to, line } => {
                    let text = std::str::from_utf8(&line).unwrap();
                    assert!(text.ends_with('\n'), "{text:?}");
                    lines.push(format!("{} <- {}", self.label(to), text.trim_end()));
                }
                Effect::Close { client, why } => {
                    lines.push(format!("close {}: {why}", self.label(client)))
                }
                Effect::Store { tag, op } => {
                    let outcome = if self.broken {
                        Outcome::Failed(StoreError::Busy)
                    } else {
                        apply(&mut self.store, &self.passwords, op)
                    };
                    let mut more = Effects::new();
                    self.hub.stored(tag, outcome, self.now, &mut more);
                    lines.extend(self.render(&mut more));
                }
                Effect::NotifyDrained(_) if !self.auto_drain => {}
                Effect::NotifyDrained(id) => {
                    let mut more = Effects::new();
                    self.hub.drained(id, self.now, &mut more);
                    lines.extend(self.render(&mut more));
                }
                Effect::Resume(_) => {}
            }
        }
        lines
    }

    /// `who` sends `frame`; returns what comes out.
    fn send(&mut self, who: &str, frame: &str) -> Vec<String> {
        let mut out = Effects::new();
        let id = self.id(who);
        self.hub.frame(id, Ok(frame.as_bytes()), self.now, &mut out);
        self.render(&mut out)
    }

    fn frame_error(&mut self, who: &str, e: FrameError) -> Vec<String> {
        let mut out = Effects::new();
        let id = self.id(who);
        self.hub.frame(id, Err(e), self.now, &mut out);
        self.render(&mut out)
    }

    /// Connects `who` and names it with a spec presence.
    fn join_as(&mut self, who: &'static str) {
        self.connect(who);
        let presence = format!(
            r#"{{"action":"presence","time":1,"type":"status","user":{{"account_name":"{who}","status":"here"}}}}"#
        );
        assert_eq!(self.send(who, &presence), [format!("{who} <- {OK}")]);
    }

    /// Connects `who` and names it with a course presence.
    fn join_as_course(&mut self, who: &'static str) {
        self.connect(who);
        let presence =
            format!(r#"{{"action":"presence","time":1.5,"user":{{"account_name":"{who}"}}}}"#);
        assert_eq!(self.send(who, &presence), [format!("{who} <- {OK}")]);
    }

    fn gone(&mut self, who: &str) -> Vec<String> {
        let mut out = Effects::new();
        let id = self.id(who);
        self.hub
            .disconnect(id, CloseReason::Gone, self.now, &mut out);
        self.render(&mut out)
    }

    /// `who`'s queue has been written.
    fn drained(&mut self, who: &str) -> Vec<String> {
        let mut out = Effects::new();
        let id = self.id(who);
        self.hub.drained(id, self.now, &mut out);
        self.render(&mut out)
    }

    /// The server restarts on the same database: a new hub, nobody
    /// connected.
    fn restart(&mut self) {
        let config = self.hub.config().clone();
        self.hub = Hub::new(config);
        self.ids.clear();
    }

    fn advance(&mut self, by: Duration) {
        self.now = Time::new(self.now.elapsed + by, self.now.unix + by.as_secs());
    }

    fn tick(&mut self) -> Vec<String> {
        let mut out = Effects::new();
        self.hub.tick(self.now, &mut out);
        self.render(&mut out)
    }
}

const OK: &str = r#"{"response":200,"time":1700000000,"alert":"OK"}"#;

fn error(code: u16, text: &str) -> String {
    format!(r#"{{"response":{code},"time":1700000000,"error":"{text}"}}"#)
}

fn to(who: &str, line: &str) -> String {
    format!("{who} <- {line}")
}

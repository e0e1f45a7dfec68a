//! Scripted conversations through the hub, without sockets: every input
//! and the exact lines that come out.

use std::time::Duration;

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

#[test]
fn presence_binds_a_name_once() {
    let mut s = Script::new();
    s.join_as("alice");
    s.connect("impostor");
    assert_eq!(
        s.send(
            "impostor",
            r#"{"action":"presence","user":{"account_name":"alice"}}"#
        ),
        [to("impostor", &error(409, "alice is already connected"))]
    );
    // It stays unnamed: anything else is refused.
    assert_eq!(
        s.send("impostor", r##"{"action":"join","room":"#r"}"##),
        [to("impostor", &error(401, "send presence first"))]
    );
    // The holder may repeat its presence (a status update, or a probe's
    // answer).
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"presence","user":{"account_name":"alice","status":"away"}}"#
        ),
        [to("alice", OK)]
    );
    assert_eq!(s.hub.holder_of("alice"), Some(s.id("alice")));
}

#[test]
fn a_new_name_renames_and_frees_the_old_one() {
    let mut s = Script::new();
    s.join_as("alice");
    s.send("alice", r##"{"action":"join","room":"#r"}"##);
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"presence","user":{"account_name":"alicia"}}"#
        ),
        [to("alice", OK)]
    );
    assert_eq!(s.hub.holder_of("alice"), None);
    assert_eq!(s.hub.name_of(s.id("alice")), Some("alicia"));
    assert_eq!(s.hub.members("#r").collect::<Vec<_>>(), [s.id("alice")]);
    s.join_as("bob");
    // Renaming onto a taken name is refused and keeps the old name.
    assert_eq!(
        s.send(
            "bob",
            r#"{"action":"presence","user":{"account_name":"alicia"}}"#
        ),
        [to("bob", &error(409, "alicia is already connected"))]
    );
    assert_eq!(s.hub.name_of(s.id("bob")), Some("bob"));
}

#[test]
fn everything_but_presence_needs_a_name_first() {
    let mut s = Script::new();
    s.connect("anon");
    for frame in [
        r#"{"action":"msg","to":"bob","message":"hi"}"#,
        r##"{"action":"join","room":"#r"}"##,
        r##"{"action":"leave","room":"#r"}"##,
        r#"{"action":"get_contacts"}"#,
        r#"{"action":"add_contact","user_id":"b"}"#,
        r#"{"action":"get_users"}"#,
        r#"{"action":"pubkey_need","account_name":"b"}"#,
    ] {
        assert_eq!(
            s.send("anon", frame),
            [to("anon", &error(401, "send presence first"))],
            "{frame}"
        );
    }
    // Leaving needs no name.
    assert_eq!(s.send("anon", r#"{"action":"quit"}"#), ["close anon: quit"]);
}

#[test]
fn direct_messages_reach_the_named_user_from_the_known_sender() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"msg","time":3,"to":"bob","from":"mallory","message":"hi \"bob\" \u263a"}"#
        ),
        [
            to(
                "bob",
                r#"{"action":"msg","time":1700000000,"to":"bob","from":"alice","message":"hi \"bob\" \u263a"}"#
            ),
            to("alice", OK),
        ]
    );
    assert_eq!(
        s.send("alice", r#"{"action":"msg","to":"carol","message":"x"}"#),
        [to("alice", &error(404, "carol is not online"))]
    );
}

#[test]
fn room_messages_reach_the_other_members_once() {
    let mut s = Script::new();
    for who in ["alice", "bob", "carol", "dave"] {
        s.join_as(who);
    }
    for who in ["alice", "bob", "carol"] {
        assert_eq!(
            s.send(who, r##"{"action":"join","room":"#rust"}"##),
            [to(who, OK)]
        );
    }
    // Joining twice is still 200, and still one membership.
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#rust"}"##),
        [to("bob", OK)]
    );
    let relayed =
        r##"{"action":"msg","time":1700000000,"to":"#rust","from":"alice","message":"hello"}"##;
    assert_eq!(
        s.send(
            "alice",
            r##"{"action":"msg","to":"#rust","message":"hello"}"##
        ),
        [to("bob", relayed), to("carol", relayed), to("alice", OK)]
    );
    assert_eq!(
        s.send(
            "dave",
            r##"{"action":"msg","to":"#rust","message":"me too"}"##
        ),
        [to("dave", &error(403, "you are not a member of #rust"))]
    );
    assert_eq!(
        s.send("bob", r##"{"action":"leave","room":"#rust"}"##),
        [to("bob", OK)]
    );
    assert_eq!(
        s.send("bob", r##"{"action":"leave","room":"#rust"}"##),
        [to("bob", &error(404, "you are not a member of #rust"))]
    );
    assert_eq!(
        s.send("carol", r##"{"action":"msg","to":"#rust","message":"x"}"##),
        [
            to(
                "alice",
                r##"{"action":"msg","time":1700000000,"to":"#rust","from":"carol","message":"x"}"##
            ),
            to("carol", OK)
        ]
    );
    // A room exists while it has members.
    s.send("alice", r##"{"action":"leave","room":"#rust"}"##);
    s.gone("carol");
    assert_eq!(s.hub.rooms().count(), 0);
}

#[test]
fn all_reaches_every_named_client() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    s.join_as_course("carol");
    s.connect("anon");
    assert_eq!(
        s.send(
            "alice",
            r##"{"action":"msg","to":"#all","message":"Всем привет"}"##
        ),
        [
            to(
                "bob",
                r##"{"action":"msg","time":1700000000,"to":"#all","from":"alice","message":"\u0412\u0441\u0435\u043c \u043f\u0440\u0438\u0432\u0435\u0442"}"##
            ),
            to(
                "carol",
                r##"{"action":"message","time":1700000000,"to":"carol","from":"alice","mess_text":"Всем привет","room":"#all"}"##
            ),
            to("alice", OK),
        ]
    );
    // Joining #all changes nothing but replays its history (bob saw that
    // message live; a join is how a client asks for what it missed).
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#all"}"##),
        [
            to("bob", OK),
            to(
                "bob",
                r##"{"action":"msg","time":1700000000,"to":"#all","from":"alice","message":"\u0412\u0441\u0435\u043c \u043f\u0440\u0438\u0432\u0435\u0442","history":true,"id":1}"##
            )
        ]
    );
    assert_eq!(s.hub.members("#all").count(), 0);
    assert_eq!(
        s.send("bob", r##"{"action":"leave","room":"#all"}"##),
        [to("bob", OK)]
    );
}

#[test]
fn course_and_spec_clients_talk_in_their_own_dialects() {
    let mut s = Script::new();
    s.join_as_course("ivan");
    s.join_as("alice");
    // Course → spec: the spec client reads msg/message, ASCII escapes.
    assert_eq!(
        s.send(
            "ivan",
            r#"{"action": "message", "time": 1.5, "to": "alice", "from": "ivan", "mess_text": "Привет"}"#
        ),
        [
            to(
                "alice",
                r#"{"action":"msg","time":1700000000,"to":"alice","from":"ivan","message":"\u041f\u0440\u0438\u0432\u0435\u0442"}"#
            ),
            to("ivan", OK)
        ]
    );
    // Spec → course: the course client reads message/mess_text, UTF-8.
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"msg","to":"ivan","message":"Привет 😀"}"#
        ),
        [
            to(
                "ivan",
                r#"{"action":"message","time":1700000000,"to":"ivan","from":"alice","mess_text":"Привет 😀"}"#
            ),
            to("alice", OK)
        ]
    );
}

#[test]
fn each_client_is_written_to_with_the_names_it_uses() {
    let mut s = Script::new();
    s.join_as_course("petr");
    s.join_as("alice");
    s.send(
        "petr",
        r#"{"action":"message","destination":"alice","sender":"petr","message_text":"hi"}"#,
    );
    assert_eq!(
        s.send("alice", r#"{"action":"msg","to":"petr","message":"back"}"#),
        [
            to(
                "petr",
                r#"{"action":"message","time":1700000000,"destination":"petr","sender":"alice","message_text":"back"}"#
            ),
            to("alice", OK)
        ]
    );
}

#[test]
fn contacts_are_per_name_and_answer_in_both_fields() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    let empty = r#"{"response":202,"time":1700000000,"alert":[],"data_list":[]}"#;
    assert_eq!(
        s.send("alice", r#"{"action":"get_contacts"}"#),
        [to("alice", empty)]
    );
    assert_eq!(
        s.send("alice", r#"{"action":"add_contact","user_id":"zed"}"#),
        [to("alice", &error(404, "no such user: zed"))]
    );
    assert_eq!(
        s.send("alice", r#"{"action":"add_contact","user_id":"bob"}"#),
        [to("alice", OK)]
    );
    // The course's spelling, owner in `user`.
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"add","user":"alice","account_name":"alice"}"#
        ),
        [to("alice", OK)]
    );
    assert_eq!(
        s.send("alice", r#"{"action":"get_contacts","user":"alice"}"#),
        [to(
            "alice",
            r#"{"response":202,"time":1700000000,"alert":["alice","bob"],"data_list":["alice","bob"]}"#
        )]
    );
    // Another's list is not reachable by naming it.
    assert_eq!(
        s.send("bob", r#"{"action":"get_contacts","user_login":"alice"}"#),
        [to("bob", empty)]
    );
    assert_eq!(
        s.send(
            "alice",
            r#"{"action":"remove","user":"alice","account_name":"bob"}"#
        ),
        [to("alice", OK)]
    );
    assert_eq!(
        s.send("alice", r#"{"action":"del_contact","user_id":"bob"}"#),
        [to("alice", &error(404, "bob is not in your contacts"))]
    );
    // A name seen online stays known after it leaves.
    s.gone("bob");
    assert_eq!(
        s.send("alice", r#"{"action":"add_contact","user_id":"bob"}"#),
        [to("alice", OK)]
    );
}

#[test]
fn get_users_lists_who_is_online() {
    let mut s = Script::new();
    s.join_as("carol");
    s.join_as("alice");
    s.connect("anon");
    assert_eq!(
        s.send("alice", r#"{"action":"get_users","account_name":"alice"}"#),
        [to(
            "alice",
            r#"{"response":202,"time":1700000000,"alert":["alice","carol"],"data_list":["alice","carol"]}"#
        )]
    );
}

#[test]
fn pubkey_need_hands_out_the_key_from_the_presence() {
    let mut s = Script::new();
    s.connect("ivan");
    s.send(
        "ivan",
        r#"{"action":"presence","user":{"account_name":"ivan","pubkey":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"}}"#,
    );
    s.join_as_course("olga");
    assert_eq!(
        s.send("olga", r#"{"action":"pubkey_need","account_name":"ivan"}"#),
        [to(
            "olga",
            r#"{"response":511,"time":1700000000,"bin":"-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----"}"#
        )]
    );
    assert_eq!(
        s.send("ivan", r#"{"action":"pubkey_need","account_name":"olga"}"#),
        [to("ivan", &error(404, "no public key for olga"))]
    );
}

#[test]
fn quit_and_disconnect_free_the_name_and_rooms_at_once() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    s.send("alice", r##"{"action":"join","room":"#r"}"##);
    s.send("bob", r##"{"action":"join","room":"#r"}"##);
    assert_eq!(
        s.send("alice", r#"{"action":"exit","account_name":"alice"}"#),
        ["close alice: quit"]
    );
    assert!(!s.hub.is_connected(s.id("alice")));
    assert_eq!(s.hub.members("#r").collect::<Vec<_>>(), [s.id("bob")]);
    // The name is free for someone else right away.
    s.join_as("alice2");
    assert_eq!(
        s.send(
            "alice2",
            r#"{"action":"presence","user":{"account_name":"alice"}}"#
        ),
        [to("alice2", OK)]
    );
    assert_eq!(s.gone("bob"), ["close bob: connection closed"]);
    // Once gone, gone: a second close and late frames do nothing.
    assert!(s.gone("bob").is_empty());
    assert!(s.send("bob", r#"{"action":"get_users"}"#).is_empty());
    assert_eq!(s.hub.rooms().count(), 0);
    // Ids are never reused.
    s.connect("late");
    assert!(s.id("late") > s.id("alice2"));
}

#[test]
fn silence_brings_a_probe_then_a_close() {
    let mut s = Script::with(HubConfig {
        idle_timeout: Duration::from_secs(60),
        ..HubConfig::default()
    });
    s.join_as("alice");
    s.join_as("bob");
    s.advance(Duration::from_secs(29));
    assert!(s.tick().is_empty());
    // Bob speaks; Alice does not.
    s.hub.touch(s.id("bob"), s.now);
    s.advance(Duration::from_secs(1));
    assert_eq!(
        s.tick(),
        [to("alice", r#"{"action":"probe","time":1700000030}"#)]
    );
    // One probe per silence.
    s.advance(Duration::from_secs(10));
    assert!(s.tick().is_empty());
    s.advance(Duration::from_secs(20));
    assert_eq!(
        s.tick(),
        [
            "close alice: idle timeout",
            &to("bob", r#"{"action":"probe","time":1700000060}"#)
        ]
        .map(String::from)
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
    );
    assert_eq!(s.hub.holder_of("alice"), None);
}

/// Five connections, an idle timeout of 10 s, at most three expiries (or
/// probes) per tick: the setup of the spreading tests.
fn five_idle_with_three_per_tick() -> Script {
    let mut s = Script::with(HubConfig {
        idle_timeout: Duration::from_secs(10),
        max_expired_per_tick: 3,
        ..HubConfig::default()
    });
    for who in ["a", "b", "c", "d", "e"] {
        s.connect(who);
    }
    s
}

#[test]
fn expiry_is_spread_over_ticks() {
    let mut s = five_idle_with_three_per_tick();
    s.advance(Duration::from_secs(10));
    let mut out = Effects::new();
    let next = s.hub.tick(s.now, &mut out);
    assert_eq!(out.len(), 3);
    assert_eq!(next, Duration::from_millis(1));
    out.drain();
    s.hub.tick(s.now, &mut out);
    assert_eq!(out.len(), 2);
    assert!(s.hub.is_empty());
}

#[test]
fn probes_are_spread_over_ticks() {
    let mut s = five_idle_with_three_per_tick();
    s.advance(Duration::from_secs(5));
    let mut out = Effects::new();
    let next = s.hub.tick(s.now, &mut out);
    assert_eq!(out.len(), 3, "three probes in the first tick");
    assert_eq!(next, Duration::from_millis(1));
    out.drain();
    let next = s.hub.tick(s.now, &mut out);
    assert_eq!(out.len(), 2, "the other two in the next");
    assert!(next > Duration::from_millis(1));
    out.drain();
    s.hub.tick(s.now, &mut out);
    assert!(out.is_empty(), "each probed once");
}

#[test]
fn bad_input_gets_a_400_that_names_the_field() {
    let mut s = Script::new();
    s.join_as("alice");
    for (frame, text) in [
        (r#"{"action":"msg","message":"x"}"#, "missing field: to"),
        (
            r#"{"action":"presence","user":{"account_name":"abcdefghijklmnopqrstuvwxyz"}}"#,
            "account_name is longer than 25 characters",
        ),
        (
            r#"{"action":"join","room":"lobby"}"#,
            "room must start with #",
        ),
        (r#"{"action":"fly"}"#, "unknown action"),
        (r#"{"response":200}"#, "not a client request"),
        ("{", "malformed JSON"),
    ] {
        assert_eq!(
            s.send("alice", frame),
            [to("alice", &error(400, text))],
            "{frame}"
        );
    }
    assert_eq!(
        s.frame_error("alice", FrameError::Garbage),
        [to("alice", &error(400, "not a JSON object"))]
    );
    assert_eq!(
        s.frame_error("alice", FrameError::TooLarge),
        [to(
            "alice",
            &error(400, "message too large: at most 8192 bytes")
        )]
    );
    // And the session goes on.
    assert_eq!(s.send("alice", r#"{"action":"get_users"}"#).len(), 1);
}

#[test]
fn a_client_that_sends_only_garbage_is_closed() {
    let mut s = Script::with(HubConfig {
        rate: RateLimit::UNLIMITED,
        ..HubConfig::default()
    });
    s.connect("noise");
    for _ in 0..MAX_BAD_IN_A_ROW {
        assert_eq!(s.send("noise", "{}").len(), 1);
    }
    assert_eq!(
        s.send("noise", "{}"),
        ["close noise: too many bad requests in a row"]
    );
}

#[test]
fn the_rate_limit_answers_429_then_closes_a_flood() {
    let mut s = Script::with(HubConfig {
        rate: RateLimit {
            per_second: 10,
            burst: 2,
        },
        ..HubConfig::default()
    });
    s.join_as("alice"); // takes one token
    assert_eq!(s.send("alice", r#"{"action":"get_users"}"#).len(), 1);
    assert_eq!(
        s.send("alice", r#"{"action":"get_users"}"#),
        [to(
            "alice",
            &error(429, "too many requests: at most 10 requests per second")
        )]
    );
    s.advance(Duration::from_millis(100));
    assert_eq!(s.send("alice", r#"{"action":"get_users"}"#).len(), 1);
    for _ in 1..MAX_REFUSED_IN_A_ROW {
        s.send("alice", r#"{"action":"get_users"}"#);
    }
    // Counted for the 10-second report, not logged one by one.
    let refused = s.hub.clients[&s.id("alice")].refused;
    assert_eq!(refused, MAX_REFUSED_IN_A_ROW);
    assert_eq!(
        s.send("alice", r#"{"action":"get_users"}"#),
        ["close alice: over its rate limit for too long"]
    );
}

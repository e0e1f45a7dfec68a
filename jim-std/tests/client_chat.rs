//! The chat [`Session`] against jim's own server: two and three clients
//! chatting (direct, rooms, `#all`), contacts, who is online, refusals in
//! the server's words, probes answered by the session, and the rate limit.

mod common;

use std::time::{Duration, Instant};

use common::{start_server, IO_TIMEOUT, PROMPTLY};
use jim_std::hub::RateLimit;
use jim_std::{ClientError, Event, Events, Incoming, ServerConfig, Session, SessionConfig};

fn login(addr: std::net::SocketAddr, name: &str) -> (Session, Events) {
    Session::connect(addr, name, SessionConfig::new().timeout(IO_TIMEOUT))
        .unwrap_or_else(|e| panic!("{name} cannot log in: {e}"))
}

/// The next chat message (direct or room) within [`PROMPTLY`], skipping
/// notices and probes.
fn message(events: &Events) -> (bool, Incoming) {
    let deadline = Instant::now() + PROMPTLY;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(Event::Direct(m)) => return (false, m),
            Ok(Event::Room(m)) => return (true, m),
            Ok(Event::Probe | Event::Notice { .. }) => {}
            Ok(other) => panic!("expected a message, got {other:?}"),
            Err(_) => panic!("no message within {PROMPTLY:?}"),
        }
    }
}

/// Nothing but probes and notices for `quiet`.
fn no_message(events: &Events, quiet: Duration) {
    let deadline = Instant::now() + quiet;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(Event::Probe | Event::Notice { .. }) => {}
            Ok(other) => panic!("expected nothing, got {other:?}"),
            Err(_) => return,
        }
    }
}

#[test]
fn two_clients_chat_directly_and_see_each_other() {
    let server = start_server(ServerConfig::default());
    let addr = server.local_addr();
    let (alice, alice_events) = login(addr, "alice");
    let (bob, bob_events) = login(addr, "Борис");

    assert_eq!(alice.welcome().code.as_u16(), 200);
    alice.send("Борис", "привет 😀").unwrap();
    let (room, m) = message(&bob_events);
    assert!(!room);
    assert_eq!(
        (m.from.as_str(), m.to.as_str(), m.text.as_str()),
        ("alice", "Борис", "привет 😀")
    );
    assert!(m.time.is_some());
    bob.send("alice", "hi").unwrap();
    assert_eq!(message(&alice_events).1.text, "hi");

    let mut online = alice.users().unwrap();
    online.sort();
    assert_eq!(online, ["alice", "Борис"]);

    // Refusals come back typed, in the server's words; the session goes on.
    match alice.send("carol", "anyone?") {
        Err(ClientError::Rejected { code, text }) => {
            assert_eq!(code.as_u16(), 404);
            assert_eq!(text, "carol is not online");
        }
        other => panic!("expected 404, got {other:?}"),
    }
    // Contacts: an unknown name is 404, a known one is kept.
    assert_eq!(
        alice
            .add_contact("nobody-ever")
            .unwrap_err()
            .code()
            .map(|c| c.as_u16()),
        Some(404)
    );
    alice.add_contact("Борис").unwrap();
    assert_eq!(alice.contacts().unwrap(), ["Борис"]);
    alice.del_contact("Борис").unwrap();
    assert!(alice.contacts().unwrap().is_empty());

    // The name is held while alice is connected.
    match Session::connect(addr, "alice", SessionConfig::new().timeout(IO_TIMEOUT)) {
        Err(ClientError::Rejected { code, .. }) => assert_eq!(code.as_u16(), 409),
        other => panic!("expected 409, got {other:?}"),
    }
    alice.quit().unwrap();
    assert!(matches!(
        bob.send("alice", "gone?"),
        Err(ClientError::Rejected { .. })
    ));
    drop(bob);
    server.shutdown().unwrap();
}

#[test]
fn three_clients_in_a_room_and_on_all() {
    let server = start_server(ServerConfig::default());
    let addr = server.local_addr();
    let (a, a_events) = login(addr, "ann");
    let (b, b_events) = login(addr, "ben");
    let (c, c_events) = login(addr, "cat");
    a.join("#rust").unwrap();
    b.join("#rust").unwrap();

    // cat is not a member: 403, and nobody hears it.
    assert_eq!(
        c.send("#rust", "let me in")
            .unwrap_err()
            .code()
            .map(|c| c.as_u16()),
        Some(403)
    );

    a.send("#rust", "hello room").unwrap();
    let (room, m) = message(&b_events);
    assert!(room);
    assert_eq!(
        (m.room.as_deref(), m.from.as_str(), m.text.as_str()),
        (Some("#rust"), "ann", "hello room")
    );
    no_message(&c_events, Duration::from_millis(300));
    // The sender does not hear herself.
    no_message(&a_events, Duration::from_millis(100));

    // #all reaches everyone else, joined or not.
    c.send("#all", "hi all").unwrap();
    for events in [&a_events, &b_events] {
        let (room, m) = message(events);
        assert!(room);
        assert_eq!(
            (m.room.as_deref(), m.text.as_str()),
            (Some("#all"), "hi all")
        );
    }

    b.leave("#rust").unwrap();
    a.send("#rust", "alone now").unwrap();
    no_message(&b_events, Duration::from_millis(300));
    drop((a, b, c));
    server.shutdown().unwrap();
}

#[test]
fn probes_are_answered_and_the_session_outlives_the_idle_timeout() {
    // Probe at 0.4 s of silence, close at 0.8 s: only answered probes
    // keep a silent client connected for 2 s.
    let server = start_server(ServerConfig::default().idle_timeout(Duration::from_millis(800)));
    let addr = server.local_addr();
    let (quiet, events) = login(addr, "quiet");
    let (talker, _talker_events) = login(addr, "talker");
    let start = Instant::now();
    let mut probes = 0;
    while start.elapsed() < Duration::from_secs(2) {
        match events.recv_timeout(Duration::from_millis(100)) {
            Ok(Event::Probe) => probes += 1,
            Ok(Event::Disconnected(why)) => panic!("closed after {:?}: {why:?}", start.elapsed()),
            Ok(Event::Notice { code, text }) => panic!("unexpected notice {code} {text:?}"),
            _ => {}
        }
        // The talker keeps itself alive by talking.
        if talker.is_connected() {
            let _ = talker.users();
        }
    }
    assert!(probes >= 2, "only {probes} probes in 2 s");
    assert!(quiet.is_connected());
    // Requests still get their own answers after the swallowed ones.
    talker.send("quiet", "still there?").unwrap();
    assert_eq!(message(&events).1.text, "still there?");
    assert_eq!(quiet.users().unwrap().len(), 2);
    drop((quiet, talker));
    server.shutdown().unwrap();
}

#[test]
fn the_rate_limit_is_a_refusal_the_caller_sees() {
    let rate = RateLimit {
        per_second: 1,
        burst: 3,
    };
    let server = start_server(ServerConfig::default().rate(rate));
    let addr = server.local_addr();
    let (fast, _events) = login(addr, "fast");
    let (_slow, _slow_events) = login(addr, "slow");
    let mut refused = None;
    for i in 0..10 {
        match fast.send("slow", &format!("spam {i}")) {
            Ok(_) => {}
            Err(e) => {
                refused = Some(e);
                break;
            }
        }
    }
    let refused = refused.expect("never rate-limited");
    assert_eq!(refused.code().map(|c| c.as_u16()), Some(429), "{refused}");
    assert!(!refused.is_fatal());
    drop(fast);
    server.shutdown().unwrap();
}

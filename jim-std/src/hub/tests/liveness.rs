//! Quitting, disconnecting, and silence: probes and closes, spread over ticks.

use super::*;

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

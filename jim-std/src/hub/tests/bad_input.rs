//! Bad input: a 400 that names the field, closing garbage, the rate limit.

use super::*;

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

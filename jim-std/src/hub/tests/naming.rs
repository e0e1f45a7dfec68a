//! Names: a presence binds one, a new one renames, nothing goes before one.

use super::*;

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

//! Messages between users and through rooms, in each client's own dialect.

use super::*;

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

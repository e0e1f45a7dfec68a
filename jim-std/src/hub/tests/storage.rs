//! Accounts, offline delivery, history and storage failures, through the
//! hub with a real (in-memory) SQLite database.

use super::*;

fn login(who: &str, password: &str) -> String {
    format!(
        r#"{{"action":"authenticate","time":1,"user":{{"account_name":"{who}","password":"{password}"}}}}"#
    )
}

fn msg(to_whom: &str, text: &str) -> String {
    format!(r#"{{"action":"msg","to":"{to_whom}","message":"{text}"}}"#)
}

fn with_alert(code: u16, text: &str) -> String {
    format!(r#"{{"response":{code},"time":1700000000,"alert":"{text}"}}"#)
}

/// `who` connects and logs in (registering on first use).
fn log_in(s: &mut Script, who: &'static str) {
    s.connect(who);
    assert_eq!(s.send(who, &login(who, "pw")), [to(who, OK)], "{who}");
}

#[test]
fn register_log_in_and_one_connection_per_account() {
    let mut s = Script::new();
    log_in(&mut s, "alice");
    assert_eq!(s.hub.name_of(s.id("alice")), Some("alice"));
    s.connect("again");
    assert_eq!(
        s.send("again", &login("alice", "pw")),
        [to("again", &error(409, "alice is already connected"))]
    );
    s.gone("alice");
    assert_eq!(
        s.send("again", &login("alice", "wrong")),
        [to("again", &error(402, "wrong account name or password"))]
    );
    assert_eq!(s.send("again", &login("alice", "pw")), [to("again", OK)]);
    // A bare presence cannot take an account's name.
    s.gone("again");
    s.connect("impostor");
    assert_eq!(
        s.send(
            "impostor",
            r#"{"action":"presence","user":{"account_name":"alice"}}"#
        ),
        [to(
            "impostor",
            &error(
                401,
                "alice is a registered account: log in with authenticate"
            )
        )]
    );
    assert_eq!(s.hub.holder_of("alice"), None);
}

#[test]
fn an_empty_or_missing_password_is_refused_and_creates_no_account() {
    let mut s = Script::new();
    s.connect("eve");
    assert_eq!(
        s.send("eve", &login("eve", "")),
        [to("eve", &error(400, "password is empty"))]
    );
    assert_eq!(
        s.send(
            "eve",
            r#"{"action":"authenticate","user":{"account_name":"eve"}}"#
        ),
        [to("eve", &error(400, "missing field: password"))]
    );
    // Nothing was created: the name is still free for a bare presence.
    s.connect("other");
    assert_eq!(
        s.send(
            "other",
            r#"{"action":"presence","user":{"account_name":"eve"}}"#
        ),
        [to("other", OK)]
    );
}

#[test]
fn closed_registration_and_required_login() {
    let mut s = Script::with(HubConfig {
        auth: Auth::Required,
        registration: Registration::Closed,
        ..HubConfig::default()
    });
    s.connect("bob");
    assert_eq!(
        s.send("bob", &login("bob", "pw")),
        [to("bob", &error(402, "wrong account name or password"))]
    );
    // A presence is answered but binds nothing.
    assert_eq!(
        s.send(
            "bob",
            r#"{"action":"presence","user":{"account_name":"bob"}}"#
        ),
        [to(
            "bob",
            &with_alert(200, "OK; log in with authenticate to chat")
        )]
    );
    assert_eq!(s.hub.holder_of("bob"), None);
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#r"}"##),
        [to("bob", &error(401, "log in first (authenticate)"))]
    );
    // The admin made the account.
    let phc = s.passwords.hash("pw").unwrap();
    crate::store::Store::create_account(&mut s.store, "bob", &phc).unwrap();
    assert_eq!(s.send("bob", &login("bob", "pw")), [to("bob", OK)]);
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#r"}"##),
        [to("bob", OK)]
    );
}

#[test]
fn repeated_wrong_passwords_from_one_address_are_slowed_down() {
    let mut s = Script::new();
    log_in(&mut s, "alice");
    s.gone("alice");
    s.connect("guesser");
    let attempt = |s: &mut Script, password: &str| -> String {
        let lines = s.send("guesser", &login("alice", password));
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines[0].clone()
    };
    for _ in 0..=FREE_FAILURES {
        assert!(attempt(&mut s, "guess").contains(r#""response":402"#));
    }
    // Locked out for a second: not even tried.
    let locked = attempt(&mut s, "pw");
    assert!(locked.contains(r#""response":429"#), "{locked}");
    assert!(locked.contains("try again in 1 s"), "{locked}");
    s.advance(Duration::from_secs(1));
    assert!(attempt(&mut s, "guess").contains(r#""response":402"#));
    // Now two seconds.
    s.advance(Duration::from_secs(1));
    assert!(attempt(&mut s, "pw").contains(r#""response":429"#));
    s.advance(Duration::from_secs(1));
    assert!(attempt(&mut s, "pw").contains(r#""response":200"#));
}

#[test]
fn messages_to_an_offline_account_wait_and_come_in_order_once() {
    let mut s = Script::new();
    log_in(&mut s, "bob");
    s.gone("bob");
    s.join_as("alice");
    let queued = with_alert(201, "bob is offline: queued until they log in");
    for text in ["one", "two", "three"] {
        assert_eq!(s.send("alice", &msg("bob", text)), [to("alice", &queued)]);
    }
    // Not an account: nothing stored.
    assert_eq!(
        s.send("alice", &msg("nobody", "x")),
        [to("alice", &error(404, "nobody is not online"))]
    );
    s.connect("bob");
    let sent = s.send("bob", &login("bob", "pw"));
    let relayed = |text: &str| {
        to(
            "bob",
            &format!(
                r#"{{"action":"msg","time":1700000000,"to":"bob","from":"alice","message":"{text}"}}"#
            ),
        )
    };
    assert_eq!(
        sent,
        [
            to("bob", OK),
            relayed("one"),
            relayed("two"),
            relayed("three")
        ]
    );
    // Delivered: not again at the next login.
    s.gone("bob");
    s.connect("bob");
    assert_eq!(s.send("bob", &login("bob", "pw")), [to("bob", OK)]);
    // Online now: straight through, 200.
    assert_eq!(
        s.send("alice", &msg("bob", "four")),
        [relayed("four"), to("alice", OK)]
    );
}

#[test]
fn a_backlog_comes_a_page_at_a_time_as_the_client_reads() {
    let mut s = Script::new();
    log_in(&mut s, "bob");
    s.gone("bob");
    s.join_as("alice");
    let total = BACKLOG_PAGE as usize + 10;
    for i in 0..total {
        s.send("alice", &msg("bob", &format!("m{i}")));
    }
    s.auto_drain = false;
    s.connect("bob");
    let first = s.send("bob", &login("bob", "pw"));
    assert_eq!(first.len(), 1 + BACKLOG_PAGE as usize, "200 and one page");
    // A message sent meanwhile waits behind the backlog.
    assert_eq!(s.send("alice", &msg("bob", "new")), [to("alice", OK)]);
    let second = s.drained("bob");
    assert_eq!(second.len(), 11, "{second:?}");
    assert!(second[9].contains("\"m73\""), "{second:?}");
    assert!(second[10].contains("\"new\""), "{second:?}");
    assert!(s.drained("bob").is_empty());
    // Now live.
    assert_eq!(s.send("alice", &msg("bob", "live")).len(), 2);
}

#[test]
fn join_replays_the_rooms_last_messages_as_history() {
    let mut s = Script::with(HubConfig {
        history_on_join: 2,
        ..HubConfig::default()
    });
    s.join_as("alice");
    s.send("alice", r##"{"action":"join","room":"#r"}"##);
    for text in ["a", "b", "c"] {
        assert_eq!(s.send("alice", &msg("#r", text)), [to("alice", OK)]);
    }
    s.join_as("bob");
    let h = |text: &str, id: u32| {
        to(
            "bob",
            &format!(
                r##"{{"action":"msg","time":1700000000,"to":"#r","from":"alice","message":"{text}","history":true,"id":{id}}}"##
            ),
        )
    };
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#r"}"##),
        [to("bob", OK), h("b", 2), h("c", 3)]
    );
    // Again: still 200, no replay.
    assert_eq!(
        s.send("bob", r##"{"action":"join","room":"#r"}"##),
        [to("bob", OK)]
    );
    // get_history pages back from an id.
    assert_eq!(
        s.send(
            "bob",
            r##"{"action":"get_history","to":"#r","before":3,"limit":5}"##
        ),
        [
            to("bob", &with_alert(202, "2 message(s) follow")),
            h("a", 1),
            h("b", 2)
        ]
    );
    s.join_as("carol");
    assert_eq!(
        s.send("carol", r##"{"action":"get_history","to":"#r"}"##),
        [to("carol", &error(403, "you are not a member of #r"))]
    );
}

#[test]
fn accounts_contacts_and_history_survive_a_restart() {
    let mut s = Script::new();
    log_in(&mut s, "alice");
    log_in(&mut s, "bob");
    assert_eq!(
        s.send("alice", r#"{"action":"add_contact","user_id":"bob"}"#),
        [to("alice", OK)]
    );
    s.send("alice", &msg("bob", "before the restart"));
    s.restart();
    s.connect("alice");
    assert_eq!(
        s.send("alice", &login("alice", "wrong")),
        [to("alice", &error(402, "wrong account name or password"))]
    );
    assert_eq!(s.send("alice", &login("alice", "pw")), [to("alice", OK)]);
    assert_eq!(
        s.send("alice", r#"{"action":"get_contacts"}"#),
        [to(
            "alice",
            r#"{"response":202,"time":1700000000,"alert":["bob"],"data_list":["bob"]}"#
        )]
    );
    let page = s.send("alice", r#"{"action":"get_history","to":"bob"}"#);
    assert_eq!(page.len(), 2, "{page:?}");
    assert!(page[1].contains("before the restart"), "{page:?}");
    // bob was online: it was delivered, not kept for his next login.
    s.connect("bob");
    assert_eq!(s.send("bob", &login("bob", "pw")), [to("bob", OK)]);
}

#[test]
fn sql_looking_names_and_texts_are_stored_verbatim() {
    let mut s = Script::new();
    let name = "x');DROP TABLE accounts--";
    s.connect("bobby");
    let frame = login(name, "x' OR '1'='1");
    assert_eq!(s.send("bobby", &frame), [to("bobby", OK)]);
    s.join_as("alice");
    let text = "'; DELETE FROM messages; --";
    s.send("alice", r##"{"action":"join","room":"#r"}"##);
    s.send("alice", &msg("#r", text));
    s.gone("bobby");
    s.connect("bobby");
    assert_eq!(s.send("bobby", &frame), [to("bobby", OK)]);
    let joined = s.send("bobby", r##"{"action":"join","room":"#r"}"##);
    assert!(joined[1].contains(text), "{joined:?}");
}

#[test]
fn a_storage_failure_is_a_500_and_the_client_goes_on() {
    let mut s = Script::new();
    s.join_as("alice");
    s.broken = true;
    assert_eq!(
        s.send("alice", &msg("#all", "lost?")),
        [to("alice", &error(500, "server busy (storage): try again"))]
    );
    assert!(!s.hub.is_waiting(s.id("alice")));
    s.broken = false;
    assert_eq!(s.send("alice", &msg("#all", "kept")), [to("alice", OK)]);
}

#[test]
fn a_message_stored_after_its_sender_left_is_still_delivered() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    let mut out = Effects::new();
    let (alice, bob) = (s.id("alice"), s.id("bob"));
    s.hub
        .frame(alice, Ok(msg("bob", "bye").as_bytes()), s.now, &mut out);
    assert!(s.hub.in_flight(alice));
    // Her connection ends before the commit.
    s.hub.disconnect(alice, CloseReason::Gone, s.now, &mut out);
    let lines = s.render(&mut out);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("bob <- ") && lines[0].contains("bye"));
    assert!(lines[1].starts_with("close alice"), "{lines:?}");
    assert!(s.hub.is_connected(bob));
}

#[test]
fn pipelined_messages_share_the_storage_trip_and_answers_stay_in_order() {
    let mut s = Script::new();
    s.join_as("alice");
    s.join_as("bob");
    for who in ["alice", "bob"] {
        s.send(who, r##"{"action":"join","room":"#r"}"##);
    }
    let alice = s.id("alice");
    let mut out = Effects::new();
    for frame in [msg("#r", "one"), msg("#r", "two")] {
        s.hub.frame(alice, Ok(frame.as_bytes()), s.now, &mut out);
        // Messages go on to storage behind each other.
        assert!(!s.hub.is_waiting(alice));
    }
    let stores = out
        .as_slice()
        .iter()
        .filter(|e| matches!(e, Effect::Store { .. }))
        .count();
    assert_eq!(stores, 2);
    // A leave may not overtake them: held, and nothing more is taken.
    let leave = br##"{"action":"leave","room":"#r"}"##;
    s.hub.frame(alice, Ok(leave), s.now, &mut out);
    assert!(s.hub.is_waiting(alice));
    let relayed = |text: &str| {
        to(
            "bob",
            &format!(
                r##"{{"action":"msg","time":1700000000,"to":"#r","from":"alice","message":"{text}"}}"##
            ),
        )
    };
    assert_eq!(
        s.render(&mut out),
        [
            relayed("one"),
            to("alice", OK),
            relayed("two"),
            to("alice", OK),
            to("alice", OK),
        ]
    );
    assert!(!s.hub.is_waiting(alice));
    assert_eq!(s.hub.members("#r").collect::<Vec<_>>(), [s.id("bob")]);
}

#[test]
fn a_join_waits_alone_so_what_follows_sees_it() {
    let mut s = Script::new();
    s.join_as("alice");
    let alice = s.id("alice");
    let mut out = Effects::new();
    s.hub.frame(
        alice,
        Ok(br##"{"action":"join","room":"#r"}"##),
        s.now,
        &mut out,
    );
    assert!(s.hub.is_waiting(alice), "nothing overtakes a join");
    s.render(&mut out);
    assert!(!s.hub.is_waiting(alice));
    assert_eq!(s.send("alice", &msg("#r", "in")), [to("alice", OK)]);
}

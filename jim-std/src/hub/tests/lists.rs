//! Contacts, who is online, and public keys.

use super::*;

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

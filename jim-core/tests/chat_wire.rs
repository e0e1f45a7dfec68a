//! Golden bytes of the chat actions and their course-dialect variants:
//! spellings kept from decode to encode, list answers, `bin`, the course's
//! `get_users`/`pubkey_need`/`add`/`remove`, and jim's `get_history`.

use jim_core::{
    decode, ChatMessage, ChatVerb, Encode, Escaping, GetHistory, GetUsers, Message, NameList,
    PubkeyNeed, Response, SenderKey, Spelling, StatusCode, TargetKey, Text, TextKey, Timestamp,
};

fn encoded<M: Encode>(m: &M) -> String {
    let mut buf = [0u8; 2048];
    let n = m.encode(&mut buf).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn msg(frame: &str) -> ChatMessage<'_> {
    match decode(frame.as_bytes()) {
        Ok(Message::Msg(m)) => m,
        other => panic!("{frame}: {other:?}"),
    }
}

#[test]
fn every_text_key_decodes_and_is_written_back_the_same_way() {
    for (key, spelled) in [
        ("message", TextKey::Message),
        ("mess_text", TextKey::MessText),
        ("message_text", TextKey::MessageText),
        ("msg_text", TextKey::MsgText),
        ("message_txt", TextKey::MessageTxt),
    ] {
        let frame =
            format!(r#"{{"action":"message","time":5,"to":"bob","from":"al","{key}":"hi"}}"#);
        let m = msg(&frame);
        assert_eq!(m.message, "hi", "{key}");
        assert_eq!(m.spelling.text, spelled);
        assert_eq!(m.spelling.verb, ChatVerb::Message);
        assert_eq!(encoded(&m), frame, "{key}");
    }
}

#[test]
fn sender_and_destination_variants() {
    let m = msg(r#"{"action":"msg","destination":"bob","sender":"al","message":"x"}"#);
    assert_eq!(
        (m.to, m.from),
        (Text::plain("bob"), Some(Text::plain("al")))
    );
    assert_eq!(
        (m.spelling.sender, m.spelling.target),
        (SenderKey::Sender, TargetKey::Destination)
    );
    assert_eq!(
        encoded(&m),
        r#"{"action":"msg","destination":"bob","sender":"al","message":"x"}"#
    );
    // `to` wins over `destination`, `from` over `sender`, when both come.
    let m =
        msg(r#"{"action":"msg","to":"a","destination":"b","from":"c","sender":"d","message":"x"}"#);
    assert_eq!(
        (m.to, m.from.unwrap()),
        (Text::plain("a"), Text::plain("c"))
    );
    assert_eq!(m.spelling, Spelling::SPEC);
}

#[test]
fn course_relay_of_a_room_message() {
    let mut m = ChatMessage::new("alice", "bob", "Привет");
    m.time = Timestamp::Seconds(7);
    m.room = Some(Text::plain("#all"));
    m.spelling = Spelling::COURSE;
    assert_eq!(
        encoded(&m),
        r##"{"action":"message","time":7,"to":"bob","from":"alice","mess_text":"\u041f\u0440\u0438\u0432\u0435\u0442","room":"#all"}"##
    );
    let mut buf = [0u8; 256];
    let n = m.encode_with(&mut buf, Escaping::Utf8).unwrap();
    assert_eq!(
        std::str::from_utf8(&buf[..n]).unwrap(),
        r##"{"action":"message","time":7,"to":"bob","from":"alice","mess_text":"Привет","room":"#all"}"##
    );
    assert_eq!(msg(std::str::from_utf8(&buf[..n]).unwrap()), m);
}

#[test]
fn replayed_history_is_marked() {
    let mut m = ChatMessage::new("alice", "#r", "old");
    m.history = true;
    let wire = encoded(&m);
    assert_eq!(
        wire,
        r##"{"action":"msg","to":"#r","from":"alice","message":"old","history":true}"##
    );
    assert_eq!(msg(&wire), m);
    assert!(!msg(r##"{"action":"msg","to":"#r","message":"x","history":false}"##).history);
}

#[test]
fn replayed_history_carries_its_id() {
    let mut m = ChatMessage::new("alice", "bob", "old");
    m.history = true;
    m.id = Some(42);
    let wire = encoded(&m);
    assert_eq!(
        wire,
        r##"{"action":"msg","to":"bob","from":"alice","message":"old","history":true,"id":42}"##
    );
    assert_eq!(msg(&wire), m);
    let bad = r##"{"action":"msg","to":"bob","message":"x","id":"7"}"##;
    assert!(decode(bad.as_bytes()).is_err());
}

#[test]
fn list_answers_carry_alert_and_data_list() {
    let names = [Text::plain("alice"), Text::plain("Боря")];
    let r = Response::with_list(9, NameList::new(&names));
    let wire = encoded(&r);
    assert_eq!(
        wire,
        r#"{"response":202,"time":9,"alert":["alice","\u0411\u043e\u0440\u044f"],"data_list":["alice","\u0411\u043e\u0440\u044f"]}"#
    );
    let Ok(Message::Response(back)) = decode(wire.as_bytes()) else {
        panic!()
    };
    assert_eq!(back.code, StatusCode::ACCEPTED);
    assert_eq!(back.list.unwrap().iter().collect::<Vec<_>>(), names);
    // `alert` as the only list; `data`; non-strings skipped.
    for frame in [
        r#"{"response":202,"alert":["a","b"]}"#,
        r#"{"response":202,"data":["a",1,"b",null]}"#,
        r#"{"response":"202","data_list":["a","b"],"alert":"2 contacts"}"#,
    ] {
        let Ok(Message::Response(r)) = decode(frame.as_bytes()) else {
            panic!("{frame}")
        };
        assert_eq!(
            r.list.unwrap().iter().collect::<Vec<_>>(),
            ["a", "b"],
            "{frame}"
        );
    }
    // An empty list is a list.
    let Ok(Message::Response(r)) = decode(br#"{"response":202,"data_list":[]}"#) else {
        panic!()
    };
    assert!(r.list.unwrap().is_empty());
    // A bad escape inside the list is a 400 naming the list.
    assert_eq!(
        decode(br#"{"response":202,"data_list":["\ud800"]}"#)
            .unwrap_err()
            .field(),
        Some(jim_core::Field::List)
    );
    // A list that is not an array is the wrong type.
    assert!(decode(br#"{"response":202,"data_list":"a,b"}"#).is_err());
}

#[test]
fn the_small_decoders_pass_a_list_over() {
    // A device has no use for the names: `Response::decode` and the
    // client's answers leave the list (and an `alert` that held it) unset,
    // and a bad name inside it is no error of theirs.
    for frame in [
        &br#"{"response":202,"alert":["a","b"]}"#[..],
        br#"{"response":202,"alert":["\ud800"],"data_list":["a"]}"#,
    ] {
        let r = Response::decode(frame).unwrap();
        assert_eq!(
            (r.code, r.alert, r.list),
            (StatusCode::ACCEPTED, None, None)
        );
        let mut client = jim_core::client::Client::new(jim_core::Presence::new("me"));
        let mut out = [0u8; 128];
        client.hello(&mut out, jim_core::Escaping::Ascii).unwrap();
        let Ok(jim_core::client::Event::Answer { response, .. }) = client.feed(Ok(frame)) else {
            panic!("{frame:?}")
        };
        assert_eq!((response.alert, response.list), (None, None));
    }
    // The full decoder reads the list, and its bad name is an error there.
    assert_eq!(
        decode(br#"{"response":202,"alert":["\ud800"]}"#)
            .unwrap_err()
            .field(),
        Some(jim_core::Field::List)
    );
}

#[test]
fn bin_answers() {
    let mut r = Response::with_text(StatusCode::new(511).unwrap(), 3, "key");
    r.error = None;
    r.bin = Some(Text::plain("-----BEGIN PUBLIC KEY-----\nMII"));
    let wire = encoded(&r);
    assert_eq!(
        wire,
        r#"{"response":511,"time":3,"bin":"-----BEGIN PUBLIC KEY-----\nMII"}"#
    );
    let Ok(Message::Response(back)) = decode(wire.as_bytes()) else {
        panic!()
    };
    assert_eq!(back.bin.unwrap(), "-----BEGIN PUBLIC KEY-----\nMII");
}

#[test]
fn course_requests() {
    let get_users = GetUsers {
        time: Timestamp::Seconds(1),
        account_name: Some(Text::plain("me")),
    };
    assert_eq!(
        encoded(&get_users),
        r#"{"action":"get_users","time":1,"account_name":"me"}"#
    );
    assert_eq!(
        encoded(&PubkeyNeed::new("bob")),
        r#"{"action":"pubkey_need","account_name":"bob"}"#
    );
    let Ok(Message::Presence(p)) = decode(
        br#"{"action":"presence","time":1,"user":{"account_name":"a","pubkey":"-----BEGIN\nX"}}"#,
    ) else {
        panic!()
    };
    assert_eq!(p.user.pubkey.unwrap(), "-----BEGIN\nX");
    assert!(p.is_course_dialect());
    // The course's get_contacts names the owner in `user` or `account_name`.
    for frame in [
        &br#"{"action":"get_contacts","user":"me"}"#[..],
        br#"{"action":"get_contacts","account_name":"me"}"#,
        br#"{"action":"get_contacts","user_login":"me"}"#,
    ] {
        let Ok(Message::GetContacts(g)) = decode(frame) else {
            panic!()
        };
        assert_eq!(g.user_login.unwrap(), "me");
    }
    // `contact` names the contact too.
    let Ok(Message::AddContact(c)) = decode(br#"{"action":"add_contact","contact":"b"}"#) else {
        panic!()
    };
    assert_eq!(c.user_id, "b");
}

#[test]
fn history_requests() {
    let mut h = GetHistory::new("#room");
    h.before = Some(42);
    h.limit = Some(20);
    let wire = encoded(&h);
    assert_eq!(
        wire,
        r##"{"action":"get_history","to":"#room","before":42,"limit":20}"##
    );
    assert_eq!(decode(wire.as_bytes()), Ok(Message::GetHistory(h)));
    assert!(decode(br#"{"action":"get_history","to":"a","limit":-1}"#).is_err());
    assert!(decode(br#"{"action":"get_history"}"#).is_err());
}

//! Golden bytes: the exact wire form of every message kind, the decoding of
//! each dialect's wire form, escaping modes, and encode failures.

use jim_core::{
    decode, Authenticate, ChatMessage, ContactChange, Encode, EncodeError, Escaping, Field,
    GetContacts, Message, Presence, Probe, Quit, Response, Room, StatusCode, Text, Timestamp,
};

const T: u64 = 1_700_000_000;

fn encoded<M: Encode + ?Sized>(m: &M) -> String {
    encoded_with(m, Escaping::Ascii)
}

fn encoded_with<M: Encode + ?Sized>(m: &M, escaping: Escaping) -> String {
    let mut buf = [0u8; 1024];
    let n = m.encode_with(&mut buf, escaping).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

/// Every message kind with the bytes it must encode to.
fn golden() -> Vec<(Message<'static>, &'static str)> {
    let mut chat = ChatMessage::new("alice", "#all", "hi there");
    chat.time = Timestamp::Seconds(T);
    chat.encoding = Some(Text::plain("ascii"));
    let mut auth = Authenticate::new("alice", "s3cret");
    auth.time = Timestamp::Seconds(T);
    let mut join = Room::new("#room");
    join.time = Timestamp::Seconds(T);
    let leave = Room::new("#room");
    let get_contacts = GetContacts {
        time: Timestamp::Seconds(T),
        user_login: Some(Text::plain("alice")),
    };
    let mut add = ContactChange::new("bob");
    add.time = Timestamp::Seconds(T);
    add.user_login = Some(Text::plain("alice"));
    let mut del = ContactChange::new("bob");
    del.time = Timestamp::Seconds(T);
    vec![
        (
            Presence::new("alice").with_status("Online").at(T).into(),
            r#"{"action":"presence","time":1700000000,"type":"status","user":{"account_name":"alice","status":"Online"}}"#,
        ),
        (
            Presence::new("Guest").into(),
            r#"{"action":"presence","type":"status","user":{"account_name":"Guest"}}"#,
        ),
        (
            Probe {
                time: Timestamp::Seconds(T),
            }
            .into(),
            r#"{"action":"probe","time":1700000000}"#,
        ),
        (
            chat.into(),
            r##"{"action":"msg","time":1700000000,"to":"#all","from":"alice","encoding":"ascii","message":"hi there"}"##,
        ),
        (
            Message::Join(join),
            r##"{"action":"join","time":1700000000,"room":"#room"}"##,
        ),
        (
            Message::Leave(leave),
            r##"{"action":"leave","room":"#room"}"##,
        ),
        (Quit::default().into(), r#"{"action":"quit"}"#),
        (
            Quit {
                time: Timestamp::Seconds(T),
                account_name: Some(Text::plain("alice")),
            }
            .into(),
            r#"{"action":"quit","time":1700000000,"account_name":"alice"}"#,
        ),
        (
            auth.into(),
            r#"{"action":"authenticate","time":1700000000,"user":{"account_name":"alice","password":"s3cret"}}"#,
        ),
        (
            get_contacts.into(),
            r#"{"action":"get_contacts","time":1700000000,"user_login":"alice"}"#,
        ),
        (
            Message::AddContact(add),
            r#"{"action":"add_contact","time":1700000000,"user_id":"bob","user_login":"alice"}"#,
        ),
        (
            Message::DelContact(del),
            r#"{"action":"del_contact","time":1700000000,"user_id":"bob"}"#,
        ),
        (
            Response::ok(T).into(),
            r#"{"response":200,"time":1700000000,"alert":"OK"}"#,
        ),
        (
            Response::with_text(StatusCode::CONFLICT, T, "already connected").into(),
            r#"{"response":409,"time":1700000000,"error":"already connected"}"#,
        ),
        (
            Response::with_text(StatusCode::BAD_REQUEST, T, "Bad Request").into(),
            r#"{"response":400,"time":1700000000,"error":"Bad Request"}"#,
        ),
        (
            Response::with_text(StatusCode::ACCEPTED, T, r#"["bob","carol"]"#).into(),
            r#"{"response":202,"time":1700000000,"alert":"[\"bob\",\"carol\"]"}"#,
        ),
    ]
}

#[test]
fn every_kind_encodes_to_golden_bytes() {
    for (message, expected) in golden() {
        assert_eq!(encoded(&message), expected, "{message:?}");
        // Both escapings agree on ASCII content.
        assert_eq!(encoded_with(&message, Escaping::Utf8), expected);
        // encode_vec gives the same bytes.
        let vec: heapless::Vec<u8, 256> = message.encode_vec().unwrap();
        assert_eq!(&vec[..], expected.as_bytes());
    }
}

#[test]
fn concrete_types_encode_like_the_enum() {
    let presence = Presence::new("alice").with_status("Online").at(T);
    assert_eq!(encoded(&presence), encoded(&Message::from(presence)));
    let response = Response::ok(T);
    assert_eq!(encoded(&response), encoded(&Message::from(response)));
    let chat = ChatMessage::new("a", "b", "c");
    assert_eq!(
        encoded(&chat),
        r#"{"action":"msg","to":"b","from":"a","message":"c"}"#
    );
}

#[test]
fn golden_bytes_decode_back_to_the_message() {
    for (message, expected) in golden() {
        let decoded = decode(expected.as_bytes()).unwrap();
        assert_eq!(decoded, message, "{expected}");
    }
}

#[test]
fn time_is_sent_as_integer_seconds() {
    // Fractional and nanosecond times are sent as their whole seconds.
    let mut p = Presence::new("a");
    p.time = Timestamp::Fractional {
        seconds: 1795617769,
        raw: "1795617769.892087",
    };
    assert!(encoded(&p).contains(r#""time":1795617769,"#));
    p.time = Timestamp::Nanos(1_795_617_722_216_849_504);
    assert!(encoded(&p).contains(r#""time":1795617722,"#));
    // A text or odd time cannot be sent as seconds: it is left out.
    p.time = Timestamp::Text(Text::plain("yesterday"));
    assert!(!encoded(&p).contains("time"));
    p.time = Timestamp::OtherNumber("-1");
    assert!(!encoded(&p).contains("time"));
    p.time = Timestamp::Seconds(0);
    assert!(encoded(&p).contains(r#""time":0,"#));
    p.time = Timestamp::Seconds(u64::MAX);
    assert!(encoded(&p).contains(r#""time":18446744073709551615,"#));
}

#[test]
fn integers_of_every_width() {
    let mut values = vec![0u64, 1, 9, u64::MAX, u64::MAX - 1];
    for exp in 1..=19 {
        let p = 10u64.pow(exp);
        values.extend([p - 1, p, p + 1, p + p / 2 + 7]);
    }
    for v in values {
        let probe = Probe {
            time: Timestamp::Seconds(v),
        };
        assert_eq!(
            encoded(&probe),
            format!(r#"{{"action":"probe","time":{v}}}"#),
            "{v}"
        );
    }
    for code in [0u16, 7, 42, 200, 999] {
        let r = Response::with_text(StatusCode::new(code).unwrap(), 5, "x");
        assert!(encoded(&r).starts_with(&format!(r#"{{"response":{code},"time":5,"#)));
    }
}

// ---- decoding each dialect's wire form ----

#[test]
fn decodes_spec_dialect_presence() {
    let frame = br#"{"action":"presence","time":1700000000,"type":"status","user":{"account_name":"alice","status":"Online"}}"#;
    let Ok(Message::Presence(p)) = decode(frame) else {
        panic!("{:?}", decode(frame))
    };
    assert_eq!(p.time, Timestamp::Seconds(T));
    assert_eq!(p.kind, Some(Text::plain("status")));
    assert_eq!(p.user.account_name, "alice");
    assert_eq!(p.user.status.unwrap(), "Online");
    assert_eq!(p.user.password, None);
}

#[test]
fn decodes_course_reference_presence() {
    let frame =
        br#"{"action":"presence","time":1795617769.892087,"user":{"account_name":"Guest"}}"#;
    let Ok(Message::Presence(p)) = decode(frame) else {
        panic!("{:?}", decode(frame))
    };
    assert_eq!(
        p.time,
        Timestamp::Fractional {
            seconds: 1795617769,
            raw: "1795617769.892087"
        }
    );
    assert_eq!(p.kind, None);
    assert_eq!(p.user.account_name, "Guest");
    assert_eq!(p.user.status, None);
    // Python's json.dumps puts spaces after separators: same result.
    let spaced =
        br#"{"action": "presence", "time": 1795617769.892087, "user": {"account_name": "Guest"}}"#;
    assert_eq!(decode(spaced), decode(frame));
}

#[test]
fn decodes_course_message_verb() {
    let frame = br#"{"action":"message","time":1700000000.5,"sender":"alice","to":"bob","mess_text":"hello"}"#;
    let Ok(Message::Msg(m)) = decode(frame) else {
        panic!("{:?}", decode(frame))
    };
    assert_eq!(m.from.unwrap(), "alice");
    assert_eq!(m.to, "bob");
    assert_eq!(m.message, "hello");
    assert_eq!(m.encoding, None);
    assert!(!m.is_to_room());
    // `from` also works with the `message` verb, and wins over `sender`.
    let frame =
        br##"{"action":"message","from":"carol","sender":"alice","to":"#r","mess_text":"x"}"##;
    let Ok(Message::Msg(m)) = decode(frame) else {
        panic!()
    };
    assert_eq!(m.from.unwrap(), "carol");
    assert!(m.is_to_room());
    // And `message` text wins over `mess_text` if both are present.
    let frame = br#"{"action":"msg","to":"b","message":"spec","mess_text":"course"}"#;
    let Ok(Message::Msg(m)) = decode(frame) else {
        panic!()
    };
    assert_eq!(m.message, "spec");
}

#[test]
fn decodes_course_exit_verb() {
    let frame = br#"{"action":"exit","time":1700000000.123456,"account_name":"test1"}"#;
    let Ok(Message::Quit(q)) = decode(frame) else {
        panic!("{:?}", decode(frame))
    };
    assert_eq!(q.account_name.unwrap(), "test1");
    assert_eq!(q.time.unix_seconds(), Some(T));
    assert_eq!(
        decode(br#"{"action":"quit"}"#),
        Ok(Message::Quit(Quit::default()))
    );
}

#[test]
fn decodes_bare_responses() {
    let Ok(Message::Response(r)) = decode(br#"{"response":200}"#) else {
        panic!()
    };
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.time, Timestamp::Absent);
    assert_eq!((r.alert, r.error, r.text()), (None, None, None));

    let Ok(Message::Response(r)) = decode(br#"{"response":"200"}"#) else {
        panic!()
    };
    assert_eq!(r.code, StatusCode::OK);

    let r = Response::decode(br#"{"response": 400, "error": "Bad Request"}"#).unwrap();
    assert_eq!(r.code, StatusCode::BAD_REQUEST);
    assert_eq!(r.text().unwrap(), "Bad Request");
    assert_eq!(r.alert, None);
}

#[test]
fn response_decode_requires_a_response() {
    assert_eq!(
        Response::decode(br#"{"action":"probe"}"#),
        Err(jim_core::DecodeError::MissingField(Field::Response))
    );
}

// ---- escaping ----

#[test]
fn ascii_and_utf8_escaping() {
    let p = Presence::new("Гость😀").with_status("тут").at(1);
    assert_eq!(
        encoded_with(&p, Escaping::Ascii),
        r#"{"action":"presence","time":1,"type":"status","user":{"account_name":"\u0413\u043e\u0441\u0442\u044c\ud83d\ude00","status":"\u0442\u0443\u0442"}}"#
    );
    assert_eq!(
        encoded_with(&p, Escaping::Utf8),
        r#"{"action":"presence","time":1,"type":"status","user":{"account_name":"Гость😀","status":"тут"}}"#
    );
    // `encode` is ASCII escaping.
    assert_eq!(encoded(&p), encoded_with(&p, Escaping::Ascii));
    assert!(encoded(&p).is_ascii());
    // Both decode back to the same message.
    for escaping in [Escaping::Ascii, Escaping::Utf8] {
        let bytes = encoded_with(&p, escaping);
        assert_eq!(decode(bytes.as_bytes()), Ok(Message::Presence(p)));
    }
}

#[test]
fn specials_are_escaped_in_both_modes() {
    let chat = ChatMessage::new("a", "b", "q\"b\\n\nr\rt\tb\u{8}f\u{c}c\u{1}d\u{1f}e\u{7f}/");
    // DEL (U+007F) is ASCII and not a JSON control character: sent raw.
    let expected = concat!(
        r#"{"action":"msg","to":"b","from":"a","message":"q\"b\\n\nr\rt\tb\bf\fc\u0001d\u001fe"#,
        "\u{7f}",
        r#"/"}"#
    );
    assert_eq!(encoded_with(&chat, Escaping::Ascii), expected);
    assert_eq!(encoded_with(&chat, Escaping::Utf8), expected);
}

#[test]
fn every_special_byte_is_escaped_at_every_position() {
    // The writer checks eight bytes at a time: put each character that
    // needs escaping at each position of strings of several lengths.
    for special in ['"', '\\', '\n', '\u{0}', '\u{1f}', 'é', 'Ж', '😀', '\u{7f}'] {
        for len in 1..=20 {
            for at in 0..len {
                let s: String = (0..len)
                    .map(|i| if i == at { special } else { 'a' })
                    .collect();
                let chat = ChatMessage::new("a", "b", s.as_str());
                for escaping in [Escaping::Ascii, Escaping::Utf8] {
                    let bytes = encoded_with(&chat, escaping);
                    let json: serde_json::Value = serde_json::from_str(&bytes).unwrap();
                    assert_eq!(json["message"], s.as_str(), "{bytes}");
                    assert!(escaping == Escaping::Utf8 || bytes.is_ascii(), "{bytes}");
                }
            }
        }
    }
}

#[test]
fn received_escaped_text_is_reencoded_per_mode() {
    // A Text received with escapes keeps its meaning whatever the mode.
    let frame = br#"{"action":"presence","user":{"account_name":"\u041f\u0443\u0442\u0438\u043d \"x\" \/"}}"#;
    let Ok(Message::Presence(mut p)) = decode(frame) else {
        panic!()
    };
    p.kind = None;
    assert_eq!(
        encoded_with(&p, Escaping::Ascii),
        r#"{"action":"presence","user":{"account_name":"\u041f\u0443\u0442\u0438\u043d \"x\" /"}}"#
    );
    assert_eq!(
        encoded_with(&p, Escaping::Utf8),
        r#"{"action":"presence","user":{"account_name":"Путин \"x\" /"}}"#
    );
}

// ---- encode failures ----

#[test]
fn every_short_buffer_is_buffer_full() {
    let mut messages = golden();
    messages.push((Presence::new("Гость😀").with_status("тут").at(T).into(), ""));
    for (message, _) in messages {
        for escaping in [Escaping::Ascii, Escaping::Utf8] {
            let mut full = [0u8; 1024];
            let n = message.encode_with(&mut full, escaping).unwrap();
            for len in 0..n {
                let mut buf = vec![0xAAu8; len];
                assert_eq!(
                    message.encode_with(&mut buf, escaping),
                    Err(EncodeError::BufferFull),
                    "{message:?} into {len} bytes"
                );
            }
            // Exactly enough is enough.
            let mut exact = vec![0u8; n];
            assert_eq!(message.encode_with(&mut exact, escaping), Ok(n));
            assert_eq!(exact[..], full[..n]);
        }
    }
}

#[test]
fn encode_vec_too_small_is_buffer_full() {
    let p = Presence::new("alice").with_status("Online").at(T);
    assert_eq!(p.encode_vec::<16>(), Err(EncodeError::BufferFull));
    assert_eq!(p.encode_vec::<0>(), Err(EncodeError::BufferFull));
    let n = encoded(&p).len();
    assert!(p.encode_vec::<105>().is_ok() && n == 105, "{n}");
    assert_eq!(p.encode_vec::<104>(), Err(EncodeError::BufferFull));
}

#[test]
fn field_limits_on_encode() {
    let name25 = "a".repeat(25);
    let name26 = "a".repeat(26);
    assert!(Presence::new(name25.as_str()).encode_vec::<640>().is_ok());
    assert_eq!(
        Presence::new(name26.as_str()).encode_vec::<640>(),
        Err(EncodeError::TooLong(Field::AccountName))
    );
    // Limits count characters, not bytes.
    let cyr25 = "Ж".repeat(25);
    let cyr26 = "Ж".repeat(26);
    assert!(Presence::new(cyr25.as_str()).encode_vec::<640>().is_ok());
    assert_eq!(
        Presence::new(cyr26.as_str()).encode_vec::<640>(),
        Err(EncodeError::TooLong(Field::AccountName))
    );
    assert_eq!(
        Presence::new("a")
            .with_status(name26.as_str())
            .encode_vec::<640>(),
        Err(EncodeError::TooLong(Field::Status))
    );
    assert_eq!(
        Authenticate::new("a", name26.as_str()).encode_vec::<640>(),
        Err(EncodeError::TooLong(Field::Password))
    );

    let text500 = "x".repeat(500);
    let text501 = "x".repeat(501);
    let mut buf = [0u8; 640];
    assert!(ChatMessage::new("a", "b", text500.as_str())
        .encode(&mut buf)
        .is_ok());
    assert_eq!(
        ChatMessage::new("a", "b", text501.as_str()).encode(&mut buf),
        Err(EncodeError::TooLong(Field::Message))
    );
    assert_eq!(
        ChatMessage::new(name26.as_str(), "b", "c").encode(&mut buf),
        Err(EncodeError::TooLong(Field::From))
    );
    assert_eq!(
        ChatMessage::new("a", name26.as_str(), "c").encode(&mut buf),
        Err(EncodeError::TooLong(Field::To))
    );
    // The limit is checked before anything is written, even into a big buffer.
    let mut big = [0u8; 4096];
    assert_eq!(
        ChatMessage::new("a", "b", text501.as_str()).encode(&mut big),
        Err(EncodeError::TooLong(Field::Message))
    );
    let room26 = format!("#{}", "r".repeat(25));
    assert_eq!(
        Message::Join(Room::new(room26.as_str())).encode(&mut buf),
        Err(EncodeError::TooLong(Field::Room))
    );
    assert_eq!(
        Message::AddContact(ContactChange::new(name26.as_str())).encode(&mut buf),
        Err(EncodeError::TooLong(Field::UserId))
    );
}

#[test]
fn other_encode_errors() {
    let mut buf = [0u8; 640];
    assert_eq!(
        Presence::new("").encode(&mut buf),
        Err(EncodeError::Empty(Field::AccountName))
    );
    assert_eq!(
        ChatMessage::new("a", "", "c").encode(&mut buf),
        Err(EncodeError::Empty(Field::To))
    );
    assert_eq!(
        Message::Join(Room::new("room")).encode(&mut buf),
        Err(EncodeError::NotARoom)
    );
    assert_eq!(
        Message::Leave(Room::new("")).encode(&mut buf),
        Err(EncodeError::Empty(Field::Room))
    );
}

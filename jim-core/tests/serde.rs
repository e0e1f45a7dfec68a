//! Feature `serde`: what `serde_json` and `serde-json-core` write from a
//! message is, byte for byte, what jim's `Encode` writes.
//!
//! Both serializers leave non-ASCII as raw UTF-8, so their output is
//! compared with `encode_with(.., Escaping::Utf8)`; for ASCII messages that
//! is `encode`'s output too. serde-json-core writes the control characters
//! without a one-letter escape in upper-case hex (`\u001F`, jim and
//! serde_json `\u001f`): its output is compared with jim's, hex digits
//! upper-cased.
//!
//! The messages: the golden lists of `tests/golden.rs` and
//! `tests/chat_wire.rs` (copied here, with their bytes), then every frame
//! those files, `tests/variants.rs`, `tests/transport.rs` and the captured
//! corpus `tests/data/wild.jsonl` hold, decoded (so text with escapes, odd
//! times, course dialect: whatever a peer sent and jim relays), then
//! generated ones.
#![cfg(feature = "serde")]

use jim_core::{
    decode, Authenticate, ChatMessage, ChatVerb, ContactChange, Encode, Escaping, GetContacts,
    GetHistory, GetUsers, Message, NameList, Presence, Probe, PubkeyNeed, Quit, Response, Room,
    SenderKey, Spelling, StatusCode, TargetKey, Text, TextKey, Timestamp, User,
};
use proptest::prelude::*;
use serde::Serialize;

const T: u64 = 1_700_000_000;

// ---- the three writers ----

fn encoded_with<M: Encode + ?Sized>(m: &M, escaping: Escaping) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 1 << 16];
    let n = m.encode_with(&mut buf, escaping).ok()?;
    buf.truncate(n);
    Some(buf)
}

fn serde_json<M: Serialize + ?Sized>(m: &M) -> Vec<u8> {
    serde_json::to_vec(m).unwrap()
}

fn serde_json_core<M: Serialize + ?Sized>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; 1 << 16];
    let n = serde_json_core::to_slice(m, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

/// jim's JSON with the hex digits of its `\uXXXX` escapes upper-cased:
/// serde-json-core's form of the same strings.
fn upper_hex(json: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(json.len());
    let mut i = 0;
    while let Some(&b) = json.get(i) {
        out.push(b);
        i += 1;
        if b == b'\\' {
            let letter = json[i];
            out.push(letter);
            i += 1;
            if letter == b'u' {
                out.extend(json[i..i + 4].iter().map(u8::to_ascii_uppercase));
                i += 4;
            }
        }
    }
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Both serializers write what `Encode` writes (UTF-8 unescaped), and the
/// enum writes what the message does. Returns the bytes; `None` when
/// `Encode` refuses the message (then serde is not compared).
fn assert_same(m: &Message<'_>) -> Option<Vec<u8>> {
    let want = encoded_with(m, Escaping::Utf8)?;
    assert_eq!(text(&serde_json(m)), text(&want), "serde_json: {m:?}");
    assert_eq!(
        text(&serde_json_core(m)),
        text(&upper_hex(&want)),
        "serde-json-core: {m:?}"
    );
    if want.iter().all(u8::is_ascii) && !want.windows(2).any(|w| w == b"\\u") {
        // No non-ASCII and no `\u` escape: all four are the same bytes.
        assert_eq!(encoded_with(m, Escaping::Ascii).unwrap(), want);
    }
    assert_same_as_inner(m, &want);
    check_field_counts(m);
    Some(want)
}

/// The concrete type serializes like the enum (where it carries its action).
fn assert_same_as_inner(m: &Message<'_>, want: &[u8]) {
    let inner = match m {
        Message::Presence(x) => serde_json(x),
        Message::Probe(x) => serde_json(x),
        Message::Msg(x) => serde_json(x),
        Message::Quit(x) => serde_json(x),
        Message::Authenticate(x) => serde_json(x),
        Message::GetContacts(x) => serde_json(x),
        Message::GetUsers(x) => serde_json(x),
        Message::PubkeyNeed(x) => serde_json(x),
        Message::GetHistory(x) => serde_json(x),
        Message::Response(x) => serde_json(x),
        // The bodies alone lack their action: checked in `bodies_alone`.
        Message::Join(_) | Message::Leave(_) | Message::AddContact(_) | Message::DelContact(_) => {
            return
        }
        other => panic!("a message kind this test does not know: {other:?}"),
    };
    assert_eq!(text(&inner), text(want));
}

// ---- the golden lists ----

/// `tests/golden.rs`'s `golden()`, copied.
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

static NAMES: [Text<'static>; 2] = [Text::plain("alice"), Text::plain("Боря")];

/// The messages `tests/chat_wire.rs` builds, with their bytes as
/// `encode_with(.., Escaping::Utf8)` writes them.
fn chat_wire() -> Vec<(Message<'static>, &'static str)> {
    let mut out: Vec<(Message<'static>, &'static str)> = Vec::new();
    for (spelled, key) in [
        (TextKey::Message, "message"),
        (TextKey::MessText, "mess_text"),
        (TextKey::MessageText, "message_text"),
        (TextKey::MsgText, "msg_text"),
        (TextKey::MessageTxt, "message_txt"),
    ] {
        let mut m = ChatMessage::new("al", "bob", "hi");
        m.time = Timestamp::Seconds(5);
        m.spelling = Spelling {
            verb: ChatVerb::Message,
            text: spelled,
            ..Spelling::SPEC
        };
        let wire =
            format!(r#"{{"action":"message","time":5,"to":"bob","from":"al","{key}":"hi"}}"#);
        out.push((m.into(), Box::leak(wire.into_boxed_str())));
    }
    let mut m = ChatMessage::new("al", "bob", "x");
    m.spelling.sender = SenderKey::Sender;
    m.spelling.target = TargetKey::Destination;
    out.push((
        m.into(),
        r#"{"action":"msg","destination":"bob","sender":"al","message":"x"}"#,
    ));
    let mut m = ChatMessage::new("alice", "bob", "Привет");
    m.time = Timestamp::Seconds(7);
    m.room = Some(Text::plain("#all"));
    m.spelling = Spelling::COURSE;
    out.push((
        m.into(),
        r##"{"action":"message","time":7,"to":"bob","from":"alice","mess_text":"Привет","room":"#all"}"##,
    ));
    let mut m = ChatMessage::new("alice", "#r", "old");
    m.history = true;
    out.push((
        m.into(),
        r##"{"action":"msg","to":"#r","from":"alice","message":"old","history":true}"##,
    ));
    let mut m = ChatMessage::new("alice", "bob", "old");
    m.history = true;
    m.id = Some(42);
    out.push((
        m.into(),
        r##"{"action":"msg","to":"bob","from":"alice","message":"old","history":true,"id":42}"##,
    ));
    out.push((
        Response::with_list(9, NameList::new(&NAMES)).into(),
        r#"{"response":202,"time":9,"alert":["alice","Боря"],"data_list":["alice","Боря"]}"#,
    ));
    let mut r = Response::with_text(StatusCode::new(511).unwrap(), 3, "key");
    r.error = None;
    r.bin = Some(Text::plain("-----BEGIN PUBLIC KEY-----\nMII"));
    out.push((
        r.into(),
        r#"{"response":511,"time":3,"bin":"-----BEGIN PUBLIC KEY-----\nMII"}"#,
    ));
    out.push((
        GetUsers {
            time: Timestamp::Seconds(1),
            account_name: Some(Text::plain("me")),
        }
        .into(),
        r#"{"action":"get_users","time":1,"account_name":"me"}"#,
    ));
    out.push((
        PubkeyNeed::new("bob").into(),
        r#"{"action":"pubkey_need","account_name":"bob"}"#,
    ));
    let mut h = GetHistory::new("#room");
    h.before = Some(42);
    h.limit = Some(20);
    out.push((
        h.into(),
        r##"{"action":"get_history","to":"#room","before":42,"limit":20}"##,
    ));
    out
}

#[test]
fn golden_messages_serialize_to_their_golden_bytes() {
    for (message, expected) in golden() {
        let got = assert_same(&message).expect("golden messages encode");
        assert_eq!(text(&got), expected);
        // ASCII only: `encode`, the default, writes the same bytes.
        assert_eq!(
            text(&encoded_with(&message, Escaping::Ascii).unwrap()),
            expected
        );
    }
}

#[test]
fn chat_wire_messages_serialize_to_their_bytes() {
    for (message, expected) in chat_wire() {
        let got = assert_same(&message).expect("chat_wire messages encode");
        assert_eq!(text(&got), expected);
    }
}

// ---- every frame the other tests and the corpus hold, decoded ----

/// The contents of the raw string literals (`r"…"`, `r#"…"#`, …) of Rust
/// source that look like JSON objects.
fn raw_literals(source: &'static str) -> Vec<&'static str> {
    let bytes = source.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // `r` or `br`, not the end of an identifier.
        let ident = |at: usize| bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_';
        let starts = bytes[i] == b'r'
            && (i == 0 || !ident(i - 1) || (bytes[i - 1] == b'b' && (i < 2 || !ident(i - 2))));
        if !starts {
            i += 1;
            continue;
        }
        let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
        let open = i + 1 + hashes;
        if bytes.get(open) != Some(&b'"') {
            i += 1;
            continue;
        }
        let close = format!("\"{}", "#".repeat(hashes));
        let body = &source[open + 1..];
        let Some(len) = body.find(&close) else { break };
        let literal = &body[..len];
        if literal.starts_with('{') {
            out.push(literal);
        }
        i = open + 1 + len + close.len();
    }
    out
}

fn frames() -> Vec<&'static str> {
    let mut frames: Vec<&'static str> = include_str!("data/wild.jsonl").lines().collect();
    for source in [
        include_str!("golden.rs"),
        include_str!("chat_wire.rs"),
        include_str!("variants.rs"),
        include_str!("transport.rs"),
    ] {
        frames.extend(raw_literals(source));
    }
    frames
}

#[test]
fn every_frame_the_tests_hold_reserializes_as_encode_writes_it() {
    let (mut compared, mut escaped) = (0, 0);
    for frame in frames() {
        let Ok(message) = decode(frame.as_bytes()) else {
            continue;
        };
        if assert_same(&message).is_some() {
            compared += 1;
            escaped += usize::from(frame.contains("\\u"));
        }
    }
    // The harvest is not empty (a change of quoting style would show here).
    assert!(compared >= 200, "only {compared} frames compared");
    assert!(escaped >= 15, "only {escaped} frames with \\u escapes");
}

#[test]
fn the_harvest_reads_raw_literals() {
    let source =
        r####"x(r#"{"a":1}"#, br#"{"b":2}"#, r"{}", r##"{"c":"#"}"##, r#"[1]"#, for"x")"####;
    assert_eq!(
        raw_literals(source),
        [r#"{"a":1}"#, r#"{"b":2}"#, "{}", r##"{"c":"#"}"##]
    );
}

// ---- escaping ----

#[test]
fn non_ascii_is_raw_utf8_as_in_utf8_escaping_mode() {
    let p = Message::from(Presence::new("Гость😀").with_status("тут").at(1));
    let utf8 = assert_same(&p).unwrap();
    assert_eq!(
        text(&utf8),
        r#"{"action":"presence","time":1,"type":"status","user":{"account_name":"Гость😀","status":"тут"}}"#
    );
    // `encode` (ASCII escaping, the default) writes other bytes: the same JSON.
    let ascii = encoded_with(&p, Escaping::Ascii).unwrap();
    assert_ne!(ascii, utf8);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&ascii).unwrap(),
        serde_json::from_slice::<serde_json::Value>(&serde_json(&p)).unwrap()
    );
}

#[test]
fn specials_and_control_characters() {
    // One of every character that needs an escape, and some that do not.
    let all: String = (0u8..0x20)
        .map(char::from)
        .chain("\"\\/\u{7f}é\u{2028}😀".chars())
        .collect();
    let chat = Message::from(ChatMessage::new("a", "b", all.as_str()));
    let jim = assert_same(&chat).unwrap();
    let jim = text(&jim);
    assert!(jim.contains(r#"\u0000\u0001"#) && jim.contains(r#"\b\t\n\u000b\f\r\u000e"#));
    assert!(jim.contains(r#"\u001f\"\\/"#), "{jim}");
    // serde-json-core: upper-case hex, for exactly the six characters whose
    // hex has a letter.
    let core = text(&serde_json_core(&chat));
    assert!(core.contains(r#"\b\t\n\u000B\f\r\u000E\u000F"#), "{core}");
    let differ: Vec<char> = (0u8..0x20)
        .map(char::from)
        .filter(|&c| {
            let s = c.to_string();
            let m = Message::from(ChatMessage::new("a", "b", s.as_str()));
            serde_json_core(&m) != encoded_with(&m, Escaping::Utf8).unwrap()
        })
        .collect();
    assert_eq!(
        differ,
        ['\u{b}', '\u{e}', '\u{f}', '\u{1a}', '\u{1b}', '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}']
    );
    // serde_json agrees with jim on every one.
    assert_eq!(
        serde_json(&chat),
        encoded_with(&chat, Escaping::Utf8).unwrap()
    );
}

#[test]
fn received_text_with_escapes_is_streamed_decoded() {
    let frame = br#"{"action":"presence","user":{"account_name":"\u041f\u0443\u0442\u0438\u043d \"x\" \/ \ud83d\ude00\t"}}"#;
    let Ok(Message::Presence(p)) = decode(frame) else {
        panic!()
    };
    assert_eq!(p.user.account_name.as_plain_str(), None);
    assert_eq!(
        text(&serde_json(&p.user.account_name)),
        r#""Путин \"x\" / 😀\t""#
    );
    assert_eq!(
        serde_json_core(&p.user.account_name),
        serde_json(&p.user.account_name)
    );
    assert_same(&Message::Presence(p)).unwrap();
}

// ---- the pieces ----

#[test]
fn bodies_alone_lack_their_action() {
    let mut room = Room::new("#r");
    assert_eq!(text(&serde_json(&room)), r##"{"room":"#r"}"##);
    room.time = Timestamp::Seconds(3);
    assert_eq!(text(&serde_json(&room)), r##"{"time":3,"room":"#r"}"##);
    assert_eq!(serde_json_core(&room), serde_json(&room));
    assert_eq!(
        text(&serde_json(&Message::Leave(room))),
        r##"{"action":"leave","time":3,"room":"#r"}"##
    );
    let mut change = ContactChange::new("bob");
    assert_eq!(text(&serde_json(&change)), r#"{"user_id":"bob"}"#);
    change.user_login = Some(Text::plain("me"));
    change.time = Timestamp::Nanos(2_000_000_000);
    assert_eq!(
        text(&serde_json(&change)),
        r#"{"time":2,"user_id":"bob","user_login":"me"}"#
    );
    assert_eq!(serde_json_core(&change), serde_json(&change));
    assert_eq!(
        text(&serde_json(&Message::DelContact(change))),
        r#"{"action":"del_contact","time":2,"user_id":"bob","user_login":"me"}"#
    );
}

#[test]
fn user_text_code_list_alone() {
    let mut user = User::new("a");
    user.pubkey = Some(Text::plain("K"));
    assert_eq!(
        text(&serde_json(&user)),
        r#"{"account_name":"a","pubkey":"K"}"#
    );
    assert_eq!(text(&serde_json(&Text::plain("x\"y"))), r#""x\"y""#);
    assert_eq!(text(&serde_json(&StatusCode::GONE)), "410");
    assert_eq!(text(&serde_json_core(&StatusCode::GONE)), "410");
    let list = NameList::new(&NAMES);
    assert_eq!(text(&serde_json(&list)), r#"["alice","Боря"]"#);
    assert_eq!(serde_json_core(&list), serde_json(&list));
    assert_eq!(text(&serde_json(&NameList::new(&[]))), "[]");
    // A received list: its strings decoded, its non-strings skipped, as
    // iterating it does.
    let Ok(Message::Response(r)) = decode(br#"{"response":202,"data":["a",1,"\u0411",null]}"#)
    else {
        panic!()
    };
    assert_eq!(text(&serde_json(&r.list.unwrap())), r#"["a","Б"]"#);
    assert_eq!(
        text(&serde_json(&r)),
        r#"{"response":202,"alert":["a","Б"],"data_list":["a","Б"]}"#
    );
}

#[test]
fn timestamps_are_encodes_integer_seconds_or_nothing() {
    let cases = [
        (Timestamp::Seconds(7), Some(7)),
        (
            Timestamp::Fractional {
                seconds: 1795617769,
                raw: "1795617769.892087",
            },
            Some(1795617769),
        ),
        (
            Timestamp::Nanos(1_795_617_722_216_849_504),
            Some(1795617722),
        ),
        (Timestamp::Seconds(u64::MAX), Some(u64::MAX)),
        (Timestamp::Absent, None),
        (Timestamp::OtherNumber("-1"), None),
        (Timestamp::Text(Text::plain("yesterday")), None),
    ];
    for (time, seconds) in cases {
        let alone = match seconds {
            Some(s) => s.to_string(),
            None => "null".to_owned(),
        };
        assert_eq!(text(&serde_json(&time)), alone);
        assert_eq!(text(&serde_json_core(&time)), alone);
        // In a message: `"time":N`, or no `time` at all, never `null`.
        let probe = Message::Probe(Probe { time });
        let wire = text(&assert_same(&probe).unwrap());
        match seconds {
            Some(s) => assert_eq!(wire, format!(r#"{{"action":"probe","time":{s}}}"#)),
            None => assert_eq!(wire, r#"{"action":"probe"}"#),
        }
    }
}

#[test]
fn absent_fields_are_left_out_not_null() {
    let m = Message::Msg(ChatMessage {
        time: Timestamp::Absent,
        to: Text::plain("b"),
        from: None,
        encoding: None,
        message: Text::plain("m"),
        room: None,
        history: false,
        id: None,
        spelling: Spelling::SPEC,
    });
    assert_eq!(
        text(&assert_same(&m).unwrap()),
        r#"{"action":"msg","to":"b","message":"m"}"#
    );
    let r = Message::Response(Response {
        code: StatusCode::OK,
        time: Timestamp::Absent,
        alert: None,
        error: None,
        list: None,
        bin: None,
    });
    assert_eq!(text(&assert_same(&r).unwrap()), r#"{"response":200}"#);
    // A text alert and a list: the text in `alert`, the names in `data_list`.
    let mut both = Response::with_list(1, NameList::new(&NAMES));
    both.alert = Some(Text::plain("2 users"));
    assert_eq!(
        text(&assert_same(&both.into()).unwrap()),
        r#"{"response":202,"time":1,"alert":"2 users","data_list":["alice","Боря"]}"#
    );
}

#[test]
fn serialize_does_not_check_limits() {
    // Encode refuses these; Serialize writes them as they are (it cannot
    // fail on content: serde-json-core's `Error::custom` panics).
    let long = "a".repeat(26);
    for m in [
        Message::from(Presence::new(long.as_str())),
        Message::from(Presence::new("")),
        Message::Join(Room::new("no-hash")),
    ] {
        assert!(encoded_with(&m, Escaping::Utf8).is_none());
        let json: serde_json::Value = serde_json::from_slice(&serde_json(&m)).unwrap();
        assert!(json.is_object());
        assert_eq!(serde_json_core(&m), serde_json(&m));
    }
}

#[test]
fn serde_json_core_reports_a_short_buffer() {
    let m = Message::from(Presence::new("alice").at(T));
    let n = serde_json(&m).len();
    let mut buf = vec![0u8; n];
    assert_eq!(serde_json_core::to_slice(&m, &mut buf), Ok(n));
    for len in 0..n {
        assert_eq!(
            serde_json_core::to_slice(&m, &mut buf[..len]),
            Err(serde_json_core::ser::Error::BufferFull)
        );
    }
}

// ---- field counts: what serialize_struct / serialize_seq announce ----

/// A serializer that checks that every struct announces as many fields as
/// it then writes, and every sequence as many elements (formats such as
/// CBOR write the count first).
struct Counting;

type CountError = serde::de::value::Error;

struct CountFields {
    name: &'static str,
    announced: usize,
    written: usize,
}

impl serde::ser::SerializeStruct for CountFields {
    type Ok = ();
    type Error = CountError;
    fn serialize_field<V: Serialize + ?Sized>(
        &mut self,
        _key: &'static str,
        value: &V,
    ) -> Result<(), CountError> {
        self.written += 1;
        value.serialize(Counting)
    }
    fn end(self) -> Result<(), CountError> {
        assert_eq!(self.announced, self.written, "{}", self.name);
        Ok(())
    }
}

struct CountElements {
    announced: Option<usize>,
    written: usize,
}

impl serde::ser::SerializeSeq for CountElements {
    type Ok = ();
    type Error = CountError;
    fn serialize_element<V: Serialize + ?Sized>(&mut self, value: &V) -> Result<(), CountError> {
        self.written += 1;
        value.serialize(Counting)
    }
    fn end(self) -> Result<(), CountError> {
        assert_eq!(self.announced, Some(self.written));
        Ok(())
    }
}

type No = serde::ser::Impossible<(), CountError>;

impl serde::Serializer for Counting {
    type Ok = ();
    type Error = CountError;
    type SerializeSeq = CountElements;
    type SerializeTuple = No;
    type SerializeTupleStruct = No;
    type SerializeTupleVariant = No;
    type SerializeMap = No;
    type SerializeStruct = CountFields;
    type SerializeStructVariant = No;

    fn serialize_bool(self, _: bool) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_char(self, _: char) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_some<V: Serialize + ?Sized>(self, value: &V) -> Result<(), CountError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
    ) -> Result<(), CountError> {
        Ok(())
    }
    fn serialize_newtype_struct<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &V,
    ) -> Result<(), CountError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<V: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> Result<(), CountError> {
        unreachable!()
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<CountElements, CountError> {
        Ok(CountElements {
            announced: len,
            written: 0,
        })
    }
    fn serialize_tuple(self, _: usize) -> Result<No, CountError> {
        unreachable!()
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<No, CountError> {
        unreachable!()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<No, CountError> {
        unreachable!()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<No, CountError> {
        unreachable!()
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<CountFields, CountError> {
        Ok(CountFields {
            name,
            announced: len,
            written: 0,
        })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<No, CountError> {
        unreachable!()
    }
    fn collect_str<V: std::fmt::Display + ?Sized>(self, _: &V) -> Result<(), CountError> {
        Ok(())
    }
}

fn check_field_counts<M: Serialize + ?Sized>(m: &M) {
    m.serialize(Counting).unwrap();
}

#[test]
fn bodies_and_spellings_announce_their_field_counts() {
    let mut room = Room::new("#r");
    check_field_counts(&room);
    room.time = Timestamp::Seconds(1);
    check_field_counts(&room);
    let mut change = ContactChange::new("b");
    check_field_counts(&change);
    change.user_login = Some(Text::plain("a"));
    change.time = Timestamp::Seconds(1);
    check_field_counts(&change);
    check_field_counts(&Spelling::COURSE);
    check_field_counts(&User::new("a"));
}

// ---- generated messages ----

/// Characters that need care, mixed into arbitrary ones.
fn any_string(max: usize) -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec![
        '"', '\\', '/', '\n', '\t', '\u{0}', '\u{b}', '\u{1f}', '\u{7f}', 'é', 'Ж', '😀',
        '\u{2028}', '#', ' ',
    ]);
    prop::collection::vec(
        prop_oneof![
            special,
            any::<char>(),
            "[a-z]".prop_map(|s| s.chars().next().unwrap())
        ],
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A name Encode accepts most of the time (1 to 25 characters).
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any_string(3),
        6 => any_string(25).prop_filter("not empty", |s| !s.is_empty()),
    ]
}

#[derive(Debug, Clone)]
struct Parts {
    kind: usize,
    names: Vec<String>,
    present: Vec<bool>,
    body: String,
    time: (usize, u64),
    time_raw: String,
    room: String,
    numbers: (u64, u32, u16),
    spelling: (bool, usize, bool, bool),
    history: bool,
    list: Vec<String>,
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        0usize..14,
        prop::collection::vec(name(), 6),
        prop::collection::vec(any::<bool>(), 6),
        any_string(60),
        (0usize..6, any::<u64>()),
        prop_oneof![
            Just("1795617769.892087".to_owned()),
            Just("-1".to_owned()),
            Just("1e9".to_owned())
        ],
        (any::<bool>(), name()).prop_map(|(hash, n)| {
            if hash {
                format!("#{}", n.chars().take(24).collect::<String>())
            } else {
                n
            }
        }),
        (any::<u64>(), any::<u32>(), 0u16..1000),
        (any::<bool>(), 0usize..5, any::<bool>(), any::<bool>()),
        any::<bool>(),
        prop::collection::vec(name(), 0..4),
    )
        .prop_map(
            |(
                kind,
                names,
                present,
                body,
                time,
                time_raw,
                room,
                numbers,
                spelling,
                history,
                list,
            )| Parts {
                kind,
                names,
                present,
                body,
                time,
                time_raw,
                room,
                numbers,
                spelling,
                history,
                list,
            },
        )
}

fn build<'a>(p: &'a Parts, list: &'a [Text<'a>]) -> Message<'a> {
    let name = |i: usize| Text::plain(p.names[i].as_str());
    let opt = |i: usize| p.present[i].then(|| name(i));
    let time = match p.time.0 {
        0 => Timestamp::Absent,
        1 => Timestamp::Seconds(p.time.1),
        2 => Timestamp::Nanos(p.time.1),
        3 => Timestamp::from_json_number(p.time_raw.as_str()),
        4 => Timestamp::Text(name(5)),
        _ => Timestamp::Seconds(p.time.1 % 10_000_000_000),
    };
    let user = User {
        account_name: name(0),
        status: opt(1),
        password: opt(2),
        pubkey: p.present[3].then(|| Text::plain(p.body.as_str())),
    };
    let room = {
        let mut r = Room::new(p.room.as_str());
        r.time = time;
        r
    };
    let change = ContactChange {
        time,
        user_id: name(0),
        user_login: opt(1),
    };
    match p.kind {
        0 => Message::Presence(Presence {
            time,
            kind: opt(4),
            user,
        }),
        1 => Message::Probe(Probe { time }),
        2 => {
            let (course, text, sender, target) = p.spelling;
            Message::Msg(ChatMessage {
                time,
                to: name(0),
                from: opt(1),
                encoding: opt(2),
                message: Text::plain(p.body.as_str()),
                room: opt(3),
                history: p.history,
                id: p.history.then_some(p.numbers.0),
                spelling: Spelling {
                    verb: if course {
                        ChatVerb::Message
                    } else {
                        ChatVerb::Msg
                    },
                    text: [
                        TextKey::Message,
                        TextKey::MessText,
                        TextKey::MessageText,
                        TextKey::MsgText,
                        TextKey::MessageTxt,
                    ][text],
                    sender: if sender {
                        SenderKey::Sender
                    } else {
                        SenderKey::From
                    },
                    target: if target {
                        TargetKey::Destination
                    } else {
                        TargetKey::To
                    },
                },
            })
        }
        3 => Message::Join(room),
        4 => Message::Leave(room),
        5 => Message::Quit(Quit {
            time,
            account_name: opt(1),
        }),
        6 => Message::Authenticate(Authenticate { time, user }),
        7 => Message::GetContacts(GetContacts {
            time,
            user_login: opt(1),
        }),
        8 => Message::AddContact(change),
        9 => Message::DelContact(change),
        10 => Message::GetUsers(GetUsers {
            time,
            account_name: opt(1),
        }),
        11 => Message::PubkeyNeed(PubkeyNeed {
            time,
            account_name: name(0),
        }),
        12 => Message::GetHistory(GetHistory {
            time,
            to: name(0),
            before: p.present[4].then_some(p.numbers.0),
            limit: p.present[5].then_some(p.numbers.1),
        }),
        _ => Message::Response(Response {
            code: StatusCode::new(p.numbers.2).unwrap(),
            time,
            alert: opt(1).map(|_| Text::plain(p.body.as_str())),
            error: opt(2),
            list: p.present[3].then(|| NameList::new(list)),
            bin: opt(4),
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_messages_serialize_as_encode_writes_them(p in parts()) {
        let list: Vec<Text<'_>> = p.list.iter().map(|s| Text::plain(s)).collect();
        let message = build(&p, &list);
        check_field_counts(&message);
        match assert_same(&message) {
            Some(_) => {}
            // Refused by Encode (a limit): serde still writes a JSON object.
            None => prop_assert!(serde_json::from_slice::<serde_json::Value>(&serde_json(&message))
                .unwrap()
                .is_object()),
        }
    }

    #[test]
    fn received_messages_serialize_as_encode_writes_them(p in parts()) {
        // Sent with ASCII escaping, received: every non-ASCII or special
        // character is now an escape inside a `Text`.
        let list: Vec<Text<'_>> = p.list.iter().map(|s| Text::plain(s)).collect();
        let Some(wire) = encoded_with(&build(&p, &list), Escaping::Ascii) else {
            return Ok(());
        };
        let Ok(received) = decode(&wire) else {
            return Ok(());
        };
        prop_assert!(assert_same(&received).is_some());
    }
}

// ---- Deserialize ----

#[test]
fn status_code_from_a_number() {
    use serde::de::value::{Error, StrDeserializer, U64Deserializer};
    use serde::de::IntoDeserializer;

    use serde::Deserialize;

    for (json, want) in [("200", 200), ("0", 0), ("999", 999), (" 511 ", 511)] {
        let code: StatusCode = serde_json::from_str(json).unwrap();
        assert_eq!(code.as_u16(), want);
        let (code, _): (StatusCode, _) = serde_json_core::from_str(json).unwrap();
        assert_eq!(code.as_u16(), want);
    }
    // Out of range, negative, fractional, or not a number at all.
    for json in [
        "1000", "65536", "-1", "200.0", "2e2", "null", "true", r#""200""#,
    ] {
        assert!(serde_json::from_str::<StatusCode>(json).is_err(), "{json}");
        assert!(
            serde_json_core::from_str::<StatusCode>(json).is_err(),
            "{json}"
        );
    }
    // A format that hands over a string gets the decoder's rule.
    let from_str = |s: &str| StatusCode::deserialize(StrDeserializer::<Error>::new(s)).ok();
    assert_eq!(from_str(" 404\n"), Some(StatusCode::NOT_FOUND));
    assert_eq!(from_str("1000"), None);
    assert_eq!(from_str("4 04"), None);
    let from_u64 = |n: u64| StatusCode::deserialize(U64Deserializer::<Error>::new(n)).ok();
    assert_eq!(from_u64(202), Some(StatusCode::ACCEPTED));
    assert_eq!(from_u64(1000), None);
    let from_i64 = |n: i64| {
        let d: serde::de::value::I64Deserializer<Error> = n.into_deserializer();
        StatusCode::deserialize(d).ok()
    };
    assert_eq!(from_i64(-200).map(|c| c.as_u16()), None);
    assert_eq!(from_i64(200).map(|c| c.as_u16()), Some(200));
    // Round trip.
    for code in [
        StatusCode::OK,
        StatusCode::GONE,
        StatusCode::new(7).unwrap(),
    ] {
        let json = serde_json(&code);
        assert_eq!(serde_json::from_slice::<StatusCode>(&json).unwrap(), code);
        assert_eq!(
            serde_json_core::from_slice::<StatusCode>(&json).unwrap().0,
            code
        );
    }
}

fn every_spelling() -> Vec<Spelling> {
    let mut all = Vec::new();
    for verb in [ChatVerb::Msg, ChatVerb::Message] {
        for text in [
            TextKey::Message,
            TextKey::MessText,
            TextKey::MessageText,
            TextKey::MsgText,
            TextKey::MessageTxt,
        ] {
            for sender in [SenderKey::From, SenderKey::Sender] {
                for target in [TargetKey::To, TargetKey::Destination] {
                    all.push(Spelling {
                        verb,
                        text,
                        sender,
                        target,
                    });
                }
            }
        }
    }
    all
}

#[test]
fn spellings_by_their_wire_names() {
    assert_eq!(
        text(&serde_json(&Spelling::COURSE)),
        r#"{"verb":"message","text":"mess_text","sender":"from","target":"to"}"#
    );
    assert_eq!(text(&serde_json(&TextKey::MessageTxt)), r#""message_txt""#);
    assert_eq!(
        text(&serde_json(&TargetKey::Destination)),
        r#""destination""#
    );
    for spelling in every_spelling() {
        let json = serde_json(&spelling);
        assert_eq!(serde_json_core(&spelling), json);
        assert_eq!(serde_json::from_slice::<Spelling>(&json).unwrap(), spelling);
        assert_eq!(
            serde_json_core::from_slice::<Spelling>(&json).unwrap().0,
            spelling
        );
        // Each piece is the key it names on the wire.
        assert_eq!(
            text(&serde_json(&spelling.text)),
            format!("\"{}\"", spelling.text.as_str())
        );
        assert_eq!(
            serde_json::from_slice::<TextKey>(&serde_json(&spelling.text)).unwrap(),
            spelling.text
        );
        assert_eq!(
            serde_json_core::from_slice::<SenderKey>(&serde_json(&spelling.sender))
                .unwrap()
                .0,
            spelling.sender
        );
    }
}

#[test]
fn spelling_fields_default_to_the_spec_dialect() {
    let course: Spelling =
        serde_json::from_str(r#"{"verb":"message","text":"mess_text","extra":[1,{"a":2}]}"#)
            .unwrap();
    assert_eq!(course, Spelling::COURSE);
    let (course, _): (Spelling, _) =
        serde_json_core::from_str(r#"{"text":"mess_text","other":"x","verb":"message"}"#).unwrap();
    assert_eq!(course, Spelling::COURSE);
    assert_eq!(
        serde_json::from_str::<Spelling>("{}").unwrap(),
        Spelling::SPEC
    );
    // A repeated field, an unknown name, or a name of another piece is an error.
    for json in [
        r#"{"verb":"msg","verb":"message"}"#,
        r#"{"verb":"Msg"}"#,
        r#"{"text":"mess-text"}"#,
        r#"{"sender":"to"}"#,
        r#"{"target":1}"#,
    ] {
        assert!(serde_json::from_str::<Spelling>(json).is_err(), "{json}");
        assert!(
            serde_json_core::from_str::<Spelling>(json).is_err(),
            "{json}"
        );
    }
}

#[test]
fn spelling_pieces_in_formats_that_write_indices_or_sequences() {
    use serde::de::value::{Error, SeqDeserializer, U64Deserializer};
    use serde::Deserialize;

    let by_index = |i: u64| TextKey::deserialize(U64Deserializer::<Error>::new(i)).ok();
    assert_eq!(by_index(1), Some(TextKey::MessText));
    assert_eq!(by_index(4), Some(TextKey::MessageTxt));
    assert_eq!(by_index(5), None);
    // A struct written as its fields in order, by index.
    let fields = SeqDeserializer::<_, Error>::new([1u64, 1, 0, 1].into_iter());
    assert_eq!(
        Spelling::deserialize(fields).unwrap(),
        Spelling {
            verb: ChatVerb::Message,
            text: TextKey::MessText,
            sender: SenderKey::From,
            target: TargetKey::Destination,
        }
    );
    let short = SeqDeserializer::<_, Error>::new([1u64, 1].into_iter());
    assert!(Spelling::deserialize(short).is_err());
}

//! The lenient reader: every variant seen on the wire, and typed errors
//! (never panics) for everything it must refuse.

use jim_core::server::{step, InputError};
use jim_core::{
    decode, DecodeError, Field, FrameError, Message, Presence, Response, StatusCode, Text,
    TextError, Timestamp,
};

fn presence(frame: &[u8]) -> Presence<'_> {
    match decode(frame) {
        Ok(Message::Presence(p)) => p,
        other => panic!("{:?}: {other:?}", String::from_utf8_lossy(frame)),
    }
}

fn presence_with(name_json: &str) -> String {
    format!(r#"{{"action":"presence","time":1,"user":{{"account_name":"{name_json}"}}}}"#)
}

fn time_of(time_json: &str) -> String {
    format!(r#"{{"action":"presence","time":{time_json},"user":{{"account_name":"G"}}}}"#)
}

// ---- time ----

#[test]
fn every_time_form_is_accepted() {
    let cases: Vec<(&str, Timestamp<'_>)> = vec![
        ("1700000000", Timestamp::Seconds(1_700_000_000)),
        ("0", Timestamp::Seconds(0)),
        (
            "1795617769.892087",
            Timestamp::Fractional {
                seconds: 1_795_617_769,
                raw: "1795617769.892087",
            },
        ),
        (
            "1795617722216849504",
            Timestamp::Nanos(1_795_617_722_216_849_504),
        ),
        (
            "1653130045655173000",
            Timestamp::Nanos(1_653_130_045_655_173_000),
        ),
        ("-5", Timestamp::OtherNumber("-5")),
        ("1.5e9", Timestamp::OtherNumber("1.5e9")),
        (
            "123456789012345678901234567890",
            Timestamp::OtherNumber("123456789012345678901234567890"),
        ),
        (
            r#""2023-11-14 22:13:20""#,
            Timestamp::Text(Text::plain("2023-11-14 22:13:20")),
        ),
        (r#""""#, Timestamp::Text(Text::plain(""))),
        (
            r#""Tue Nov 14 22:13:20 2023\n""#,
            Timestamp::Text(Text::plain("Tue Nov 14 22:13:20 2023\n")),
        ),
        ("null", Timestamp::Absent),
        ("true", Timestamp::Absent),
        ("false", Timestamp::Absent),
        // A time nobody can read is treated as absent, not an error.
        (r#""\ud800""#, Timestamp::Absent),
        ("[1, 2]", Timestamp::Absent),
        (r#"{"sec": 1}"#, Timestamp::Absent),
    ];
    for (json, expected) in cases {
        let frame = time_of(json);
        let p = presence(frame.as_bytes());
        assert_eq!(p.time, expected, "{json}");
        assert_eq!(p.user.account_name, "G");
    }
    // Missing entirely.
    let p = presence(br#"{"action":"presence","user":{"account_name":"G"}}"#);
    assert_eq!(p.time, Timestamp::Absent);
    assert!(!p.time.is_present());
}

#[test]
fn whole_seconds_of_each_time_form() {
    let seconds = |json: &str| presence(time_of(json).as_bytes()).time.unix_seconds();
    assert_eq!(seconds("1700000000"), Some(1_700_000_000));
    assert_eq!(seconds("1700000000.999"), Some(1_700_000_000));
    assert_eq!(seconds("1700000000123456789"), Some(1_700_000_000));
    assert_eq!(seconds(r#""1700000000""#), None);
    assert_eq!(seconds("null"), None);
    assert_eq!(seconds("-1"), None);
}

// ---- response codes ----

#[test]
fn response_code_forms() {
    let code = |frame: &str| Response::decode(frame.as_bytes()).map(|r| r.code.as_u16());
    assert_eq!(code(r#"{"response":200}"#), Ok(200));
    assert_eq!(code(r#"{"response":"200"}"#), Ok(200));
    assert_eq!(code(r#"{"response": "409", "error": "taken"}"#), Ok(409));
    assert_eq!(code(r#"{"response":0}"#), Ok(0));
    assert_eq!(code(r#"{"response":999}"#), Ok(999));
    for bad in [
        r#"{"response":1000}"#,
        r#"{"response":-1}"#,
        r#"{"response":200.0}"#,
        r#"{"response":"OK"}"#,
        r#"{"response":""}"#,
        r#"{"response":null}"#,
        r#"{"response":true}"#,
        r#"{"response":[200]}"#,
        r#"{"response":99999999999999999999999}"#,
    ] {
        assert_eq!(code(bad), Err(DecodeError::InvalidCode), "{bad}");
        assert_eq!(
            decode(bad.as_bytes()),
            Err(DecodeError::InvalidCode),
            "{bad}"
        );
    }
}

#[test]
fn unknown_codes_keep_their_number() {
    for n in [102u16, 205, 300, 418, 511, 599] {
        let frame = format!(r#"{{"response":{n},"bin":null}}"#);
        let Ok(Message::Response(r)) = decode(frame.as_bytes()) else {
            panic!("{frame}")
        };
        assert_eq!(r.code.as_u16(), n);
        assert_eq!(StatusCode::new(n), Some(r.code));
    }
    let r = Response::decode(br#"{"response":511}"#).unwrap();
    assert_eq!(r.code.reason(), None);
    assert!(r.code.is_error());
    assert_eq!(r.code.to_string(), "511");
    let r = Response::decode(br#"{"response":205}"#).unwrap();
    assert!(r.code.is_success());
}

#[test]
fn response_texts() {
    let r = Response::decode(br#"{"response":400,"error":null}"#).unwrap();
    assert_eq!((r.alert, r.error), (None, None));
    let r = Response::decode(br#"{"response":202,"alert":"[\u2018nick_1\u2019]"}"#).unwrap();
    assert_eq!(r.alert.unwrap(), "[\u{2018}nick_1\u{2019}]");
    // Response texts have no 25/500 limit (a contact list may be long).
    let long = format!(r#"{{"response":202,"alert":"{}"}}"#, "x".repeat(600));
    assert_eq!(
        Response::decode(long.as_bytes())
            .unwrap()
            .alert
            .unwrap()
            .char_count(),
        600
    );
    assert_eq!(
        Response::decode(br#"{"response":400,"error":"\ud800"}"#),
        Err(DecodeError::Text(Field::Error, TextError::LoneSurrogate))
    );
    assert_eq!(
        Response::decode(br#"{"response":200,"alert":5}"#),
        Err(DecodeError::WrongType(Field::Alert))
    );
}

// ---- missing and extra fields ----

#[test]
fn missing_required_fields() {
    let cases: &[(&str, DecodeError)] = &[
        (
            r#"{"action":"presence","time":1}"#,
            DecodeError::MissingField(Field::User),
        ),
        (
            r#"{"action":"presence","user":null}"#,
            DecodeError::MissingField(Field::User),
        ),
        (
            r#"{"action":"presence","user":{}}"#,
            DecodeError::MissingField(Field::AccountName),
        ),
        (
            r#"{"action":"presence","user":{"status":"x"}}"#,
            DecodeError::MissingField(Field::AccountName),
        ),
        (
            r#"{"action":"presence","user":{"account_name":null}}"#,
            DecodeError::MissingField(Field::AccountName),
        ),
        (
            r#"{"action":"msg","from":"a","message":"m"}"#,
            DecodeError::MissingField(Field::To),
        ),
        (
            r#"{"action":"msg","to":"b","from":"a"}"#,
            DecodeError::MissingField(Field::Message),
        ),
        (
            r#"{"action":"message","to":"b","sender":"a"}"#,
            DecodeError::MissingField(Field::Message),
        ),
        (
            r#"{"action":"join"}"#,
            DecodeError::MissingField(Field::Room),
        ),
        (
            r#"{"action":"leave","room":null}"#,
            DecodeError::MissingField(Field::Room),
        ),
        (
            r#"{"action":"authenticate","user":{"account_name":"a"}}"#,
            DecodeError::MissingField(Field::Password),
        ),
        (
            r#"{"action":"authenticate","user":{"password":"p"}}"#,
            DecodeError::MissingField(Field::AccountName),
        ),
        (
            r#"{"action":"add_contact","user_login":"a"}"#,
            DecodeError::MissingField(Field::UserId),
        ),
        (
            r#"{"action":"del_contact"}"#,
            DecodeError::MissingField(Field::UserId),
        ),
        ("{}", DecodeError::NotAMessage),
        (r#"{"time":1,"user":{}}"#, DecodeError::NotAMessage),
    ];
    for (frame, expected) in cases {
        assert_eq!(decode(frame.as_bytes()), Err(*expected), "{frame}");
    }
}

#[test]
fn optional_fields_may_be_missing() {
    let Ok(Message::Msg(m)) = decode(br#"{"action":"msg","to":"b","message":"m"}"#) else {
        panic!()
    };
    assert_eq!(
        (m.from, m.encoding, m.time),
        (None, None, Timestamp::Absent)
    );
    let Ok(Message::GetContacts(g)) = decode(br#"{"action":"get_contacts"}"#) else {
        panic!()
    };
    assert_eq!(g.user_login, None);
    assert!(matches!(
        decode(br#"{"action":"probe"}"#),
        Ok(Message::Probe(_))
    ));
    // An empty message text is a message.
    let Ok(Message::Msg(m)) = decode(br#"{"action":"msg","to":"b","message":""}"#) else {
        panic!()
    };
    assert!(m.message.is_empty());
}

#[test]
fn extra_fields_are_ignored_anywhere() {
    let frame = br#"{
        "extra": {"a": [1, {"b": null, "c": [true, false, -1.5e3]}], "d": "}]\"{["},
        "action": "presence",
        "list": [1, "two", {"3": []}, [[]]],
        "user": {"pubkey": "-----BEGIN\nKEY-----", "account_name": "Guest",
                 "meta": {"k": [1, 2, {"deep": "x"}]}, "n": 5, "f": 1.5, "b": true, "z": null},
        "time": 7,
        "encoding": "utf-8"
    }"#;
    let p = presence(frame);
    assert_eq!(p.user.account_name, "Guest");
    assert_eq!(p.time, Timestamp::Seconds(7));

    let frame = br#"{"response":200,"data_list":["a","b"],"quantity":2,"nested":{"x":{"y":[]}},"alert":"OK"}"#;
    let r = Response::decode(frame).unwrap();
    assert_eq!(r.alert.unwrap(), "OK");

    let frame = br##"{"action":"join","room":"#r","members":[{"name":"a"}],"time":1}"##;
    assert!(matches!(decode(frame), Ok(Message::Join(_))));
}

#[test]
fn python_non_standard_numbers_are_accepted() {
    // json.dumps writes these for float('nan') and float('inf').
    for value in ["NaN", "Infinity", "-Infinity"] {
        let frame = format!(
            r#"{{"action":"presence","x":[{value}],"time":{value},"user":{{"account_name":"G"}}}}"#
        );
        let p = presence(frame.as_bytes());
        assert_eq!(p.time.unix_seconds(), None, "{value}");
    }
}

#[test]
fn a_repeated_field_keeps_its_last_value() {
    // As Python's json.loads does.
    let p = presence(
        br#"{"action":"presence","user":{"account_name":"a","account_name":"b"},"time":1,"time":2}"#,
    );
    assert_eq!(p.user.account_name, "b");
    assert_eq!(p.time, Timestamp::Seconds(2));
    let Ok(Message::Msg(m)) = decode(br#"{"action":"msg","to":"x","to":"y","message":"m"}"#) else {
        panic!()
    };
    assert_eq!(m.to, "y");
}

#[test]
fn field_order_is_arbitrary() {
    let a = decode(
        br#"{"action":"presence","time":1,"type":"status","user":{"account_name":"x","status":"y"}}"#,
    );
    let b = decode(
        br#"{"user":{"status":"y","account_name":"x"},"type":"status","time":1,"action":"presence"}"#,
    );
    assert!(a.is_ok());
    assert_eq!(a, b);
}

#[test]
fn whitespace_around_and_inside() {
    let p = presence(
        b" \r\n\t{ \"action\" : \"presence\" ,\n\"user\":{ \"account_name\" :\"G\" } }\r\n ",
    );
    assert_eq!(p.user.account_name, "G");
}

// ---- wrong types ----

#[test]
fn wrong_types_are_typed_errors() {
    assert_eq!(
        decode(br#"{"action":5}"#),
        Err(DecodeError::WrongType(Field::Action))
    );
    assert_eq!(
        decode(br#"{"action":null}"#),
        Err(DecodeError::WrongType(Field::Action))
    );
    let cases = [
        (r#"{"action":"presence","user":"Guest"}"#, Field::User),
        (r#"{"action":"presence","user":["Guest"]}"#, Field::User),
        (r#"{"action":"presence","user":true}"#, Field::User),
        (
            r#"{"action":"presence","user":{"account_name":5}}"#,
            Field::AccountName,
        ),
        (
            r#"{"action":"presence","user":{"account_name":{"x":1}}}"#,
            Field::AccountName,
        ),
        (
            r#"{"action":"presence","user":{"account_name":"a","status":true}}"#,
            Field::Status,
        ),
        (
            r#"{"action":"presence","type":1,"user":{"account_name":"a"}}"#,
            Field::Type,
        ),
        (r#"{"action":"msg","to":["b"],"message":"m"}"#, Field::To),
        (r#"{"action":"msg","to":"b","message":42}"#, Field::Message),
        (
            r#"{"action":"message","to":"b","from":1,"sender":"s","mess_text":"m"}"#,
            Field::From,
        ),
        (r#"{"action":"join","room":1}"#, Field::Room),
        (r#"{"action":"add_contact","user_id":7}"#, Field::UserId),
        (r#"{"action":"exit","account_name":[]}"#, Field::AccountName),
        (r#"{"response":200,"error":{}}"#, Field::Error),
    ];
    for (frame, field) in cases {
        let e = decode(frame.as_bytes()).unwrap_err();
        assert_eq!(e, DecodeError::WrongType(field), "{frame}");
        assert_eq!(e.status_code(), StatusCode::BAD_REQUEST);
    }
    // A field of the wrong type that the action does not use is ignored.
    assert!(matches!(
        decode(br#"{"action":"probe","user":5,"to":[],"message":{}}"#),
        Ok(Message::Probe(_))
    ));
}

// ---- text: escapes, surrogates, limits ----

#[test]
fn escaped_cyrillic() {
    let frame = presence_with(r"\u041f\u0440\u0438\u0432\u0435\u0442");
    let p = presence(frame.as_bytes());
    assert_eq!(p.user.account_name, "Привет");
    assert_eq!(p.user.account_name.char_count(), 6);
    assert_eq!(p.user.account_name.as_plain_str(), None);
    assert_eq!(p.user.account_name.to_string(), "Привет");
    // Raw UTF-8 decodes to the same text, zero-copy.
    let raw = presence_with("Привет");
    let q = presence(raw.as_bytes());
    assert_eq!(q.user.account_name, p.user.account_name);
    assert_eq!(q.user.account_name.as_plain_str(), Some("Привет"));
    // Upper-case hex digits too.
    let upper = presence_with(r"\u041F\u0440\u0438\u0432\u0435\u0442");
    assert_eq!(presence(upper.as_bytes()).user.account_name, "Привет");
}

#[test]
fn escaped_emoji_surrogate_pair() {
    let frame = presence_with(r"hi \ud83d\ude00!");
    let p = presence(frame.as_bytes());
    assert_eq!(p.user.account_name, "hi 😀!");
    assert_eq!(p.user.account_name.char_count(), 5);
    assert_eq!(p.user.account_name.utf8_len(), "hi 😀!".len());
    let mut buf = [0u8; 16];
    assert_eq!(
        p.user.account_name.unescape_into(&mut buf).unwrap(),
        "hi 😀!"
    );
    let s: heapless::String<16> = p.user.account_name.to_heapless().unwrap();
    assert_eq!(s, "hi 😀!");
    assert_eq!(
        p.user.account_name.to_heapless::<4>(),
        Err(TextError::BufferTooSmall)
    );
}

#[test]
fn bad_escapes_are_typed_errors() {
    let cases = [
        (r"\ud83d", TextError::LoneSurrogate),
        (r"\ud83dx", TextError::LoneSurrogate),
        (r"\ude00", TextError::LoneSurrogate),
        (r"\ude00\ud83d", TextError::LoneSurrogate),
        (r"\ud83d\ud83d", TextError::LoneSurrogate),
        (r"\ud83d\u0041", TextError::LoneSurrogate),
        (r"a\udbff", TextError::LoneSurrogate),
        (r"\ud83d\u", TextError::InvalidEscape),
        (r"\ud83d\uzzzz", TextError::InvalidEscape),
        (r"\u12", TextError::InvalidEscape),
        (r"\u12g4", TextError::InvalidEscape),
        (r"\ug041", TextError::InvalidEscape),
        (r"\u0g41", TextError::InvalidEscape),
        (r"\u04g1", TextError::InvalidEscape),
        (r"\u041g", TextError::InvalidEscape),
        (r"\u-041", TextError::InvalidEscape),
        (r"ok\u0041\u 041", TextError::InvalidEscape),
        (r"\x41", TextError::InvalidEscape),
        (r"\U0041", TextError::InvalidEscape),
        (r"\a", TextError::InvalidEscape),
        (r"\'", TextError::InvalidEscape),
        ("tab\there", TextError::ControlCharacter),
        ("nul\u{0}", TextError::ControlCharacter),
        ("new\nline", TextError::ControlCharacter),
    ];
    for (raw, error) in cases {
        let frame = presence_with(raw);
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::Text(Field::AccountName, error)),
            "{raw}"
        );
        // Same for every text field.
        let frame = format!(r#"{{"action":"msg","to":"b","message":"{raw}"}}"#);
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::Text(Field::Message, error)),
            "{raw}"
        );
        let frame = format!(r#"{{"action":"join","room":"{raw}"}}"#);
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::Text(Field::Room, error)),
            "{raw}"
        );
    }
}

#[test]
fn limits_count_decoded_characters() {
    // 25 escaped Cyrillic characters: 150 bytes raw, 25 characters.
    let escaped25 = r"\u0416".repeat(25);
    let escaped26 = r"\u0416".repeat(26);
    assert_eq!(escaped25.len(), 150);
    let frame25 = presence_with(&escaped25);
    let p = presence(frame25.as_bytes());
    assert_eq!(p.user.account_name.char_count(), 25);
    assert_eq!(
        decode(presence_with(&escaped26).as_bytes()),
        Err(DecodeError::TooLong(Field::AccountName))
    );
    // Raw UTF-8 Cyrillic: 50 bytes, 25 characters.
    assert!(decode(presence_with(&"Ж".repeat(25)).as_bytes()).is_ok());
    assert_eq!(
        decode(presence_with(&"Ж".repeat(26)).as_bytes()),
        Err(DecodeError::TooLong(Field::AccountName))
    );
    // Emoji as surrogate pairs: 12 bytes raw per character.
    assert!(decode(presence_with(&r"\ud83d\ude00".repeat(25)).as_bytes()).is_ok());
    assert_eq!(
        decode(presence_with(&r"\ud83d\ude00".repeat(26)).as_bytes()),
        Err(DecodeError::TooLong(Field::AccountName))
    );
    // ASCII.
    assert!(decode(presence_with(&"a".repeat(25)).as_bytes()).is_ok());
    assert_eq!(
        decode(presence_with(&"a".repeat(26)).as_bytes()),
        Err(DecodeError::TooLong(Field::AccountName))
    );
    // Simple escapes count as one character each.
    assert!(decode(presence_with(&r"\n".repeat(25)).as_bytes()).is_ok());

    // status, password, type, room, to/from, user_id: 25 as well.
    let n26 = "a".repeat(26);
    let cases = [
        (
            format!(r#"{{"action":"presence","user":{{"account_name":"a","status":"{n26}"}}}}"#),
            Field::Status,
        ),
        (
            format!(
                r#"{{"action":"authenticate","user":{{"account_name":"a","password":"{n26}"}}}}"#
            ),
            Field::Password,
        ),
        (
            format!(r#"{{"action":"presence","type":"{n26}","user":{{"account_name":"a"}}}}"#),
            Field::Type,
        ),
        (
            format!(r##"{{"action":"join","room":"#{n26}"}}"##),
            Field::Room,
        ),
        (
            format!(r#"{{"action":"msg","to":"{n26}","message":"m"}}"#),
            Field::To,
        ),
        (
            format!(r#"{{"action":"msg","to":"b","from":"{n26}","message":"m"}}"#),
            Field::From,
        ),
        (
            format!(r#"{{"action":"message","to":"b","sender":"{n26}","mess_text":"m"}}"#),
            Field::From,
        ),
        (
            format!(r#"{{"action":"add_contact","user_id":"{n26}"}}"#),
            Field::UserId,
        ),
        (
            format!(r#"{{"action":"exit","account_name":"{n26}"}}"#),
            Field::AccountName,
        ),
    ];
    for (frame, field) in cases {
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::TooLong(field)),
            "{frame}"
        );
    }

    // Message text: 500 characters.
    let msg = |text: &str| format!(r#"{{"action":"msg","to":"b","message":"{text}"}}"#);
    let frame500 = msg(&r"\u0416".repeat(500));
    let Ok(Message::Msg(m)) = decode(frame500.as_bytes()) else {
        panic!()
    };
    assert_eq!(m.message.char_count(), 500);
    assert_eq!(
        decode(msg(&r"\u0416".repeat(501)).as_bytes()),
        Err(DecodeError::TooLong(Field::Message))
    );
    assert!(decode(msg(&"x".repeat(500)).as_bytes()).is_ok());
    assert_eq!(
        decode(msg(&"x".repeat(501)).as_bytes()),
        Err(DecodeError::TooLong(Field::Message))
    );
}

#[test]
fn room_names_need_a_hash() {
    for action in ["join", "leave"] {
        for room in ["room", " #room", r"\u0023room"] {
            let frame = format!(r#"{{"action":"{action}","room":"{room}"}}"#);
            let result = decode(frame.as_bytes());
            if room.starts_with('\\') {
                // `\u0023` is `#`: escaped, still a room.
                assert!(result.is_ok(), "{frame}: {result:?}");
            } else {
                assert_eq!(result, Err(DecodeError::NotARoom), "{frame}");
            }
        }
        let frame = format!(r#"{{"action":"{action}","room":""}}"#);
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::Empty(Field::Room))
        );
    }
    assert_eq!(DecodeError::NotARoom.field(), Some(Field::Room));
}

#[test]
fn empty_names_are_refused() {
    let cases = [
        (
            r#"{"action":"presence","user":{"account_name":""}}"#,
            Field::AccountName,
        ),
        (
            r#"{"action":"authenticate","user":{"account_name":"","password":"x"}}"#,
            Field::AccountName,
        ),
        (r#"{"action":"msg","to":"","message":"hi"}"#, Field::To),
        (r#"{"action":"add_contact","user_id":""}"#, Field::UserId),
    ];
    for (frame, field) in cases {
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::Empty(field)),
            "{frame}"
        );
        let step = jim_core::server::step(Ok(frame.as_bytes()), 1);
        assert_eq!(step.response.map(|r| r.code.as_u16()), Some(400), "{frame}");
    }
    // An empty status or message text is a value, not a missing name.
    assert!(decode(br#"{"action":"presence","user":{"account_name":"a","status":""}}"#).is_ok());
}

// ---- actions, structure ----

#[test]
fn unknown_actions() {
    for action in [
        "get_user",
        "pubkey",
        "contact_list",
        "added",
        "PRESENCE",
        "",
        "presence ",
        "a_very_long_action_name_indeed",
        r"pr\u0065sence",
    ] {
        let frame = format!(r#"{{"action":"{action}","time":1,"user":{{"account_name":"G"}}}}"#);
        assert_eq!(
            decode(frame.as_bytes()),
            Err(DecodeError::UnknownAction),
            "{action}"
        );
    }
}

#[test]
fn malformed_json_is_syntax() {
    for bad in [
        "",
        " ",
        "{",
        "}",
        "[]",
        "[{\"action\":\"probe\"}]",
        "null",
        "\"action\"",
        r#"{"action":"probe""#,
        r#"{"action":"probe",}"#,
        r#"{"action":"probe"} {"action":"probe"}"#,
        r#"{"action":"probe"} x"#,
        r#"{"action" "probe"}"#,
        r#"{action:"probe"}"#,
        r#"{'action':'probe'}"#,
        r#"{"action":"presence","user":{"account_name":"G",}}"#,
        r#"{"action":"presence","user":{"account_name":"G"}"#,
        r#"{"action":"probe","x":[1,}"#,
        r#"{"action":"probe","x":"unterminated}"#,
        // Every value is checked, known field or not.
        r#"{"action":"probe","x":tru}"#,
        r#"{"action":"probe","x":01}"#,
        r#"{"action":"probe","x":1.}"#,
        r#"{"action":"probe","x":[1 2]}"#,
        r#"{"action":"probe","x":{"a" 1}}"#,
        r#"{"action":"probe","time":0x10}"#,
        r#"{"action":"probe","x":undefined}"#,
    ] {
        let e = decode(bad.as_bytes()).unwrap_err();
        assert_eq!(e, DecodeError::Syntax, "{bad}");
        assert!(Response::decode(bad.as_bytes()).is_err());
    }
}

#[test]
fn deep_nesting_is_too_deep() {
    let nested = |depth: usize| {
        format!(
            r#"{{"action":"presence","x":{}1{},"user":{{"account_name":"G"}}}}"#,
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    // The message object is level 1; 7 more levels are fine.
    assert!(decode(nested(7).as_bytes()).is_ok());
    for depth in [8, 9, 100, 10_000] {
        assert_eq!(
            decode(nested(depth).as_bytes()),
            Err(DecodeError::TooDeep),
            "{depth}"
        );
    }
    let objects = format!(
        r#"{{"action":"probe","x":{}{}}}"#,
        r#"{"a":"#.repeat(50),
        "}".repeat(50)
    );
    assert_eq!(decode(objects.as_bytes()), Err(DecodeError::TooDeep));
    // Unbalanced deep openers: no panic, a typed error.
    let open = format!(r#"{{"action":"probe","x":{}"#, "[".repeat(100_000));
    assert!(decode(open.as_bytes()).is_err());
    // Brackets inside strings do not count.
    let in_string = format!(
        r#"{{"action":"presence","x":"{}","user":{{"account_name":"G"}}}}"#,
        "[{".repeat(100)
    );
    assert!(decode(in_string.as_bytes()).is_ok());
}

#[test]
fn invalid_utf8() {
    for bad in [
        &b"{\"action\":\"presence\",\"user\":{\"account_name\":\"\xff\"}}"[..],
        b"{\"action\":\"presence\",\"user\":{\"account_name\":\"\xc3\"}}",
        b"{\"action\":\"presence\",\"user\":{\"account_name\":\"\xed\xa0\x80\"}}", // UTF-8 surrogate
        b"{\"action\":\"presence\",\"user\":{\"account_name\":\"\xc0\xaf\"}}",     // overlong
        b"{\"action\":\"probe\",\"x\":\"\x80\"}",
        b"\xef\xbb\xbf{\"action\":\"probe\"}", // a BOM is not whitespace, but it is UTF-8
        b"{\"response\":200,\"alert\":\"\xfe\"}",
    ] {
        let result = decode(bad);
        if bad.starts_with(b"\xef\xbb\xbf") {
            assert_eq!(result, Err(DecodeError::Syntax));
        } else {
            assert_eq!(result, Err(DecodeError::InvalidUtf8), "{bad:?}");
        }
    }
}

#[test]
fn decode_errors_describe_themselves() {
    let e = DecodeError::TooLong(Field::AccountName);
    assert_eq!(e.to_string(), "account_name is longer than 25 characters");
    assert_eq!(
        DecodeError::TooLong(Field::Message).to_string(),
        "message is longer than 500 characters"
    );
    assert_eq!(
        DecodeError::MissingField(Field::To).to_string(),
        "missing field: to"
    );
    assert_eq!(e.field(), Some(Field::AccountName));
    assert_eq!(DecodeError::Syntax.to_string(), "malformed JSON");
    assert_eq!(DecodeError::Syntax.field(), None);
    assert_eq!(
        DecodeError::Text(Field::Message, TextError::LoneSurrogate).to_string(),
        "lone UTF-16 surrogate in string: message"
    );
}

// ---- server::step ----

fn step_code(frame: &[u8]) -> Option<u16> {
    step(Ok(frame), 1).response.map(|r| r.code.as_u16())
}

#[test]
fn step_answers_valid_requests() {
    let s = step(
        Ok(br#"{"action":"presence","time":1,"user":{"account_name":"G"}}"#),
        1_700_000_000,
    );
    assert!(matches!(s.request, Ok(Message::Presence(_))));
    let r = s.response.unwrap();
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.time, Timestamp::Seconds(1_700_000_000));
    assert_eq!(r.alert.unwrap(), "OK");
    assert!(!s.is_quit());

    for frame in [
        &br#"{"action":"presence","user":{"account_name":"G"}}"#[..],
        br#"{"action":"authenticate","user":{"account_name":"G","password":"p"}}"#,
        br##"{"action":"join","room":"#r"}"##,
        br##"{"action":"leave","room":"#r"}"##,
        br#"{"action":"add_contact","user_id":"b"}"#,
        br#"{"action":"del_contact","user_id":"b"}"#,
    ] {
        assert_eq!(step_code(frame), Some(200));
    }
    let s = step(Ok(br#"{"action":"get_contacts"}"#), 1);
    let r = s.response.unwrap();
    assert_eq!(r.code, StatusCode::ACCEPTED);
    assert_eq!(r.list.map(|l| l.len()), Some(0));
    assert_eq!(
        step_code(br#"{"action":"msg","to":"b","message":"m"}"#),
        Some(404)
    );
    assert_eq!(
        step_code(br#"{"action":"message","to":"b","mess_text":"m"}"#),
        Some(404)
    );
}

#[test]
fn step_quit_has_no_answer() {
    for frame in [
        &br#"{"action":"quit"}"#[..],
        br#"{"action":"exit","account_name":"a"}"#,
    ] {
        let s = step(Ok(frame), 1);
        assert!(s.is_quit());
        assert_eq!(s.response, None);
    }
}

#[test]
fn step_answers_400_with_error_text_for_invalid_input() {
    let deep = format!(
        r#"{{"action":"probe","x":{}{}}}"#,
        "[".repeat(20),
        "]".repeat(20)
    );
    let long = presence_with(&"a".repeat(26));
    let cases: Vec<(&[u8], InputError)> = vec![
        (b"{", InputError::Decode(DecodeError::Syntax)),
        (b"not json", InputError::Decode(DecodeError::Syntax)),
        (
            b"{\"action\":\"\xff\"}",
            InputError::Decode(DecodeError::InvalidUtf8),
        ),
        (deep.as_bytes(), InputError::Decode(DecodeError::TooDeep)),
        (b"{}", InputError::Decode(DecodeError::NotAMessage)),
        (
            br#"{"action":"get_userz"}"#,
            InputError::Decode(DecodeError::UnknownAction),
        ),
        (
            br#"{"action":"presence"}"#,
            InputError::Decode(DecodeError::MissingField(Field::User)),
        ),
        (
            long.as_bytes(),
            InputError::Decode(DecodeError::TooLong(Field::AccountName)),
        ),
        (
            br#"{"action":"join","room":"r"}"#,
            InputError::Decode(DecodeError::NotARoom),
        ),
        (
            br#"{"action":"presence","user":{"account_name":"\ud800"}}"#,
            InputError::Decode(DecodeError::Text(
                Field::AccountName,
                TextError::LoneSurrogate,
            )),
        ),
        (
            br#"{"response":"x"}"#,
            InputError::Decode(DecodeError::InvalidCode),
        ),
        // Valid messages that a client must not send.
        (br#"{"response":200}"#, InputError::NotARequest),
        (br#"{"action":"probe","time":1}"#, InputError::NotARequest),
    ];
    for (frame, expected) in cases {
        let s = step(Ok(frame), 5);
        assert_eq!(
            s.request.unwrap_err(),
            expected,
            "{:?}",
            String::from_utf8_lossy(frame)
        );
        let r = s.response.unwrap();
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert_eq!(r.alert, None);
        let error = r.error.unwrap();
        assert!(!error.is_empty());
        assert_eq!(error, expected.as_str());
        assert_eq!(r.time, Timestamp::Seconds(5));
        assert!(!s.is_quit());
    }
    for frame_error in [
        FrameError::TooLarge,
        FrameError::TooDeep,
        FrameError::Garbage,
    ] {
        let s = step(Err(frame_error), 5);
        assert_eq!(s.request, Err(InputError::Frame(frame_error)));
        let r = s.response.unwrap();
        assert_eq!(r.code, StatusCode::BAD_REQUEST);
        assert_eq!(r.error.unwrap(), frame_error.as_str());
    }
}

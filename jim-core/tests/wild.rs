//! Real messages captured from Python JIM programs (tests/data/wild.jsonl,
//! one per line): each decodes or gives a typed error, never a panic.

use jim_core::server::{step, InputError};
use jim_core::{
    decode, DecodeError, Field, Framer, Message, Response, StatusCode, Text, Timestamp,
};

const WILD: &str = include_str!("data/wild.jsonl");

/// The corpus lines, numbered from 1 like an editor does.
fn lines() -> Vec<(usize, &'static str)> {
    WILD.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .collect()
}

fn line(n: usize) -> &'static [u8] {
    WILD.lines().nth(n - 1).unwrap().as_bytes()
}

fn presence(n: usize) -> jim_core::Presence<'static> {
    match decode(line(n)) {
        Ok(Message::Presence(p)) => p,
        other => panic!("line {n}: {other:?}"),
    }
}

fn response(n: usize) -> Response<'static> {
    match decode(line(n)) {
        Ok(Message::Response(r)) => {
            // The response-only decoder agrees on what it reads (it
            // leaves lists and `bin` to the full decoder).
            let small = Response::decode(line(n)).unwrap();
            assert_eq!(
                (small.code, small.time, small.alert, small.error),
                (r.code, r.time, r.alert, r.error),
                "line {n}"
            );
            assert_eq!((small.list, small.bin), (None, None), "line {n}");
            r
        }
        other => panic!("line {n}: {other:?}"),
    }
}

#[test]
fn corpus_is_what_we_think() {
    assert_eq!(lines().len(), 117);
    assert!(lines().iter().all(|(_, l)| l.starts_with('{')));
}

#[test]
fn every_line_decodes_or_gives_a_typed_error() {
    let mut ok = 0;
    for (n, l) in lines() {
        match decode(l.as_bytes()) {
            Ok(m) => {
                ok += 1;
                // A decoded message is usable: its texts can be displayed.
                let _ = format!("{m:?}");
            }
            Err(e) => {
                assert_eq!(e.status_code(), StatusCode::BAD_REQUEST, "line {n}");
                assert!(!e.as_str().is_empty());
            }
        }
        // Response::decode never panics either.
        let _ = Response::decode(l.as_bytes());
    }
    // Every line is valid JSON, and most are valid JIM.
    assert_eq!(ok, 117 - 13);
}

#[test]
fn the_lines_that_fail_fail_for_the_right_reason() {
    let expected: &[(usize, DecodeError)] = &[
        (20, DecodeError::MissingField(Field::User)), // {"ip": "ip"}
        (21, DecodeError::MissingField(Field::User)),
        (26, DecodeError::MissingField(Field::User)),
        (34, DecodeError::MissingField(Field::User)),
        (40, DecodeError::MissingField(Field::User)),
        (55, DecodeError::MissingField(Field::User)),
        (75, DecodeError::MissingField(Field::User)),
        (85, DecodeError::UnknownAction), // contact_list
        (89, DecodeError::NotARoom),      // "room": "room_name"
    ];
    for &(n, e) in expected {
        assert_eq!(decode(line(n)), Err(e), "line {n}");
    }
    // `user` as a string instead of an object.
    for n in [52, 53, 54, 79] {
        assert_eq!(
            decode(line(n)),
            Err(DecodeError::WrongType(Field::User)),
            "line {n}"
        );
    }
}

#[test]
fn course_actions_and_answers() {
    let Ok(Message::GetUsers(g)) = decode(line(96)) else {
        panic!()
    };
    assert_eq!(g.account_name.unwrap(), "test1");
    // `add`/`remove`: the owner in `user` (a string), the contact in
    // `account_name`.
    for (n, add) in [(97, true), (98, false)] {
        let change = match decode(line(n)) {
            Ok(Message::AddContact(c)) if add => c,
            Ok(Message::DelContact(c)) if !add => c,
            other => panic!("line {n}: {other:?}"),
        };
        assert_eq!(change.user_id, "test2");
        assert_eq!(change.user_login.unwrap(), "test1");
    }
    let Ok(Message::PubkeyNeed(p)) = decode(line(99)) else {
        panic!()
    };
    assert_eq!(p.account_name, "test2");
    let list = response(95).list.unwrap();
    assert_eq!(list.iter().collect::<Vec<_>>(), ["test2", "test3"]);
    assert_eq!(response(37).list, None);
    assert_eq!(response(92).bin.unwrap(), "3f0c1b2a...");
}

#[test]
fn spec_dialect_session() {
    // Line 1: presence of bob, Online, time in nanoseconds.
    let p = presence(1);
    assert_eq!(p.user.account_name, "bob");
    assert_eq!(p.user.status.unwrap(), "Online");
    assert_eq!(p.time, Timestamp::Nanos(1_795_617_722_216_849_504));
    assert_eq!(p.time.unix_seconds(), Some(1_795_617_722));
    assert_eq!(p.kind, None);

    let r = response(2);
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!(r.alert.unwrap(), "OK");
    assert_eq!(r.time.unix_seconds(), Some(1_795_617_722));

    let Ok(Message::Msg(m)) = decode(line(5)) else {
        panic!()
    };
    assert_eq!(m.to, "bob");
    assert_eq!(m.from.unwrap(), "alice");
    assert_eq!(m.message, "Привет, bob! hello");

    let Ok(Message::Msg(m)) = decode(line(7)) else {
        panic!()
    };
    assert!(m.is_to_room());
    assert_eq!(m.to, "#all");

    let r = response(10);
    assert_eq!(r.code, StatusCode::NOT_FOUND);
    assert_eq!(
        r.error.unwrap(),
        "Пользователь / чат отсутствует на сервере"
    );
    assert_eq!(
        r.text().unwrap(),
        "Пользователь / чат отсутствует на сервере"
    );
}

#[test]
fn course_reference_dialect() {
    // Line 11: the course's presence.
    let p = presence(11);
    assert_eq!(p.user.account_name, "Guest");
    assert_eq!(p.kind, None);
    assert_eq!(p.user.status, None);
    assert_eq!(
        p.time,
        Timestamp::Fractional {
            seconds: 1_795_617_769,
            raw: "1795617769.892087"
        }
    );
    // Line 12: the bare answer.
    let r = response(12);
    assert_eq!(r.code, StatusCode::OK);
    assert_eq!((r.time, r.alert, r.error), (Timestamp::Absent, None, None));

    // Line 18: quit with account_name.
    let Ok(Message::Quit(q)) = decode(line(18)) else {
        panic!()
    };
    assert_eq!(q.account_name.unwrap(), "alice");

    // Line 100: `message` with `mess_text`; line 101: `exit`.
    let Ok(Message::Msg(m)) = decode(line(100)) else {
        panic!()
    };
    assert_eq!(
        (m.from.unwrap(), m.to, m.message),
        (
            Text::plain("test1"),
            Text::plain("test2"),
            Text::plain("hello")
        )
    );
    let Ok(Message::Quit(q)) = decode(line(101)) else {
        panic!()
    };
    assert_eq!(q.account_name.unwrap(), "test1");
    assert_eq!(q.time.unix_seconds(), Some(1_700_000_000));
}

#[test]
fn response_variants() {
    // Line 19: code as a string, alert with escaped curly quotes.
    let r = response(19);
    assert_eq!(r.code, StatusCode::ACCEPTED);
    assert_eq!(
        r.alert.unwrap(),
        "[\u{2018}nick_1\u{2019}, \u{2018}nick_2\u{2019}]"
    );
    // Line 117: "200" as a string with time and an extra field.
    let r = response(117);
    assert_eq!(r.code.as_u16(), 200);
    assert_eq!(r.time, Timestamp::Seconds(1_700_000_000));
    // Lines 29, 42, 43, 51, 92: no texts, codes kept, known or not.
    assert_eq!(response(29).code, StatusCode::CONFLICT);
    assert_eq!(response(42).code.as_u16(), 205);
    assert_eq!(response(43).code.as_u16(), 511);
    assert_eq!(response(51).code.as_u16(), 300);
    assert_eq!(response(92).code.as_u16(), 511);
    // Line 33: `"error": null` is no error text.
    assert_eq!(response(33).error, None);
    // Line 58: the text under an odd key is ignored.
    let r = response(58);
    assert_eq!((r.code.as_u16(), r.text()), (400, None));
    // Line 110: escaped quotes inside the error.
    assert_eq!(
        response(110).error.unwrap(),
        "This could be \"wrong password\" or \"no account with that name\""
    );
    // Line 95: a list in an unknown field.
    assert_eq!(response(95).code, StatusCode::ACCEPTED);
}

#[test]
fn odd_times_and_extra_fields() {
    // Line 35: escaped Cyrillic account name.
    assert_eq!(presence(35).user.account_name, "Путин");
    // Line 61: spec type with an empty password.
    let p = presence(61);
    assert_eq!(p.kind.unwrap(), "status");
    assert_eq!(p.user.password.unwrap(), "");
    // Line 65: nanoseconds again.
    assert_eq!(
        presence(65).time,
        Timestamp::Nanos(1_653_130_045_655_173_000)
    );
    // Line 81: a string time.
    assert_eq!(
        presence(81).time,
        Timestamp::Text(Text::plain("2023-11-14-22.13.20"))
    );
    // Line 91: `pubkey` with escaped newlines inside `user` is ignored.
    let p = presence(91);
    assert_eq!(p.user.account_name, "test1");
    assert_eq!(p.time.unix_seconds(), Some(1_700_000_000));
    // Line 113: a string time with an escaped newline.
    assert_eq!(
        presence(113).time,
        Timestamp::Text(Text::plain("Tue Nov 14 22:13:20 2023\n"))
    );
    // Line 74: `author` instead of `from`.
    let Ok(Message::Msg(m)) = decode(line(74)) else {
        panic!()
    };
    assert_eq!(m.from, None);
    assert_eq!(m.message, "Hi admin");
    // Line 94: get_contacts with an unexpected `user`.
    assert!(matches!(decode(line(94)), Ok(Message::GetContacts(_))));
}

#[test]
fn other_actions() {
    let Ok(Message::Authenticate(a)) = decode(line(69)) else {
        panic!()
    };
    assert_eq!(a.user.account_name, "test");
    assert_eq!(a.user.password.unwrap(), "verysecret");
    let Ok(Message::Join(j)) = decode(line(70)) else {
        panic!()
    };
    assert_eq!(j.room, "#darkroom");
    let Ok(Message::Leave(l)) = decode(line(71)) else {
        panic!()
    };
    assert_eq!(l.room, "#lightroom");
    let Ok(Message::AddContact(c)) = decode(line(86)) else {
        panic!()
    };
    assert_eq!(c.user_id, "Maria");
    assert!(matches!(decode(line(87)), Ok(Message::DelContact(_))));
    assert!(matches!(decode(line(48)), Ok(Message::Probe(_))));
    assert!(matches!(decode(line(66)), Ok(Message::Probe(_))));
}

/// Lines a client sends (everything but `response` objects).
fn client_lines() -> Vec<(usize, &'static str)> {
    lines()
        .into_iter()
        .filter(|(_, l)| !l.starts_with(r#"{"response""#))
        .collect()
}

#[test]
fn server_step_answers_every_client_line() {
    let mut codes = std::collections::BTreeMap::<Option<u16>, usize>::new();
    for (n, l) in client_lines() {
        let s = step(Ok(l.as_bytes()), 1_700_000_000);
        let code = s.response.map(|r| r.code.as_u16());
        match (&s.request, code) {
            (Ok(Message::Quit(_)), None) => {}
            (Ok(Message::Presence(_) | Message::Authenticate(_)), Some(200)) => {}
            (Ok(Message::Join(_) | Message::Leave(_)), Some(200)) => {}
            (Ok(Message::AddContact(_) | Message::DelContact(_)), Some(200)) => {}
            (
                Ok(Message::GetContacts(_) | Message::GetUsers(_) | Message::GetHistory(_)),
                Some(202),
            ) => {}
            (Ok(Message::Msg(_) | Message::PubkeyNeed(_)), Some(404)) => {}
            (Err(_), Some(400)) => {
                let r = s.response.unwrap();
                assert!(!r.error.unwrap().is_empty(), "line {n}");
            }
            other => panic!("line {n}: {other:?}"),
        }
        *codes.entry(code).or_default() += 1;
    }
    // The probe lines (48, 66, 104) are not client requests.
    for n in [48, 66, 104] {
        assert_eq!(
            step(Ok(line(n)), 1).request,
            Err(InputError::NotARequest),
            "line {n}"
        );
    }
    assert_eq!(codes[&None], 5, "{codes:?}"); // quit ×3, exit, quit+account_name
    assert_eq!(codes[&Some(202)], 4, "{codes:?}"); // get_contacts ×3, get_users
    assert_eq!(codes[&Some(400)], 16, "{codes:?}");
}

#[test]
fn server_step_rejects_responses_sent_by_a_client() {
    for (n, l) in lines() {
        if l.starts_with(r#"{"response""#) {
            let s = step(Ok(l.as_bytes()), 1);
            assert_eq!(s.request, Err(InputError::NotARequest), "line {n}");
            assert_eq!(s.response.unwrap().code, StatusCode::BAD_REQUEST);
        }
    }
}

/// Feeds the whole file through one framer in `chunk`-byte pieces.
fn frames(input: &[u8], chunk: usize) -> Vec<Result<Vec<u8>, jim_core::FrameError>> {
    let mut framer: Framer = Framer::new();
    let mut out = Vec::new();
    for piece in input.chunks(chunk) {
        let mut rest = piece;
        while !rest.is_empty() {
            let n = framer.push(rest);
            rest = &rest[n..];
            while let Some(frame) = framer.next_frame() {
                assert!(frame.map_or(true, |f| f.len() <= 640));
                out.push(frame.map(<[u8]>::to_vec));
            }
        }
    }
    assert!(!framer.is_mid_object(), "chunk {chunk}");
    out
}

#[test]
fn whole_file_through_one_framer_in_any_chunking() {
    let expected: Vec<Result<Vec<u8>, jim_core::FrameError>> =
        WILD.lines().map(|l| Ok(l.as_bytes().to_vec())).collect();
    for chunk in [1, 2, 3, 7, 64, 640, WILD.len()] {
        assert_eq!(frames(WILD.as_bytes(), chunk), expected, "chunk {chunk}");
    }
    // Without newlines (objects back to back, as most Python peers send).
    let joined: String = WILD.lines().collect();
    for chunk in [1, 2, 3, 7, 64] {
        assert_eq!(frames(joined.as_bytes(), chunk), expected, "chunk {chunk}");
    }
    // Every frame decodes exactly as its line does.
    for (frame, (n, l)) in frames(WILD.as_bytes(), 7).iter().zip(lines()) {
        assert_eq!(
            decode(frame.as_ref().unwrap()),
            decode(l.as_bytes()),
            "line {n}"
        );
    }
}

#[test]
fn framer_with_small_capacity_skips_long_lines_and_resyncs() {
    // With a 256-byte framer, the lines longer than that are reported as
    // too large and everything else still comes through, in order.
    let mut framer = Framer::<256>::new();
    let mut got = Vec::new();
    for piece in WILD.as_bytes().chunks(5) {
        let mut rest = piece;
        while !rest.is_empty() {
            let n = framer.push(rest);
            rest = &rest[n..];
            while let Some(frame) = framer.next_frame() {
                got.push(frame.map(<[u8]>::to_vec));
            }
        }
    }
    let expected: Vec<_> = WILD
        .lines()
        .map(|l| {
            if l.len() > 256 {
                Err(jim_core::FrameError::TooLarge)
            } else {
                Ok(l.as_bytes().to_vec())
            }
        })
        .collect();
    assert_eq!(expected.iter().filter(|e| e.is_err()).count(), 3);
    assert_eq!(got, expected);
}

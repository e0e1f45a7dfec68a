//! The small decoders (the chat `Client`'s and `Response::decode`) against
//! the server's `decode`: where the server's reads a frame, the small ones
//! read the same thing from it; where they differ, it is only because the
//! small pass does not check values it never reads. Over the captured
//! messages, and over mutations of them.

use jim_core::client::{Client, Event};
use jim_core::{decode, DecodeError, Escaping, Field, Message, Presence, Response};
use proptest::prelude::*;

const WILD: &str = include_str!("data/wild.jsonl");

/// A client with one request in flight, so that an answer is an answer.
fn client() -> Client<'static> {
    let mut client = Client::new(Presence::new("me"));
    let mut out = [0u8; 128];
    client.hello(&mut out, Escaping::Ascii).unwrap();
    client
}

/// What the small decoders must make of `frame`, given what the server's
/// decoder made of it.
fn agree(frame: &[u8]) {
    let full = decode(frame);
    let event = client().feed(Ok(frame));
    let small = Response::decode(frame);
    match full {
        Ok(Message::Msg(m)) => assert_eq!(event, Ok(Event::Message(m)), "{frame:?}"),
        Ok(Message::Probe(_)) => assert_eq!(event, Ok(Event::Probe), "{frame:?}"),
        Ok(Message::Response(r)) => {
            // The small decoders leave the list and `bin` to `decode`.
            let r = Response {
                list: None,
                bin: None,
                ..r
            };
            assert_eq!(small, Ok(r), "{frame:?}");
            let response = match event {
                Ok(Event::Answer { response, .. } | Event::Notice(response)) => response,
                other => panic!("{frame:?}: {other:?}"),
            };
            assert_eq!(response, r, "{frame:?}");
        }
        Ok(other) => {
            assert!(
                matches!(event, Ok(Event::Ignored(_))),
                "{frame:?}: {other:?} -> {event:?}"
            );
        }
        // An action the server does not know is no error to a client.
        Err(DecodeError::UnknownAction) => {
            assert!(
                matches!(event, Ok(Event::Ignored(_)) | Err(_)),
                "{frame:?}: {event:?}"
            );
        }
        Err(e) => {
            // The small pass does not check the grammar inside values it
            // does not read, nor an answer's list and `bin` (left to
            // `decode`), nor the fields of actions a client ignores; every
            // other error is the server's too.
            if let Ok(event) = event {
                let ignorable = matches!(e, DecodeError::Syntax | DecodeError::TooDeep)
                    || matches!(e.field(), Some(Field::List | Field::Bin))
                    || matches!(event, Event::Ignored(_));
                assert!(ignorable, "{frame:?}: server {e:?}, client {event:?}");
            }
        }
    }
}

#[test]
fn the_small_decoders_read_every_captured_message_as_the_server_does() {
    let mut messages = 0;
    for line in WILD.lines() {
        agree(line.as_bytes());
        messages += 1;
    }
    assert!(messages >= 100);
}

#[test]
fn what_only_the_small_pass_accepts() {
    // Grammar inside values a client never reads.
    for frame in [
        &br#"{"response":200,"x":[1,,2]}"#[..],
        br#"{"response":200,"x":{"a" 1}}"#,
        br#"{"response":200,"x":01}"#,
        br#"{"action":"msg","to":"me","from":"a","message":"hi","user":{]}"#,
    ] {
        assert_eq!(decode(frame), Err(DecodeError::Syntax), "{frame:?}");
        assert!(client().feed(Ok(frame)).is_ok(), "{frame:?}");
    }
    // What the client reads is checked as strictly as the server checks it.
    for frame in [
        &br#"{"response":20x}"#[..],
        br#"{"response":200 "alert":"x"}"#,
        br#"{"response":200,"alert":"\q"}"#,
        br#"{"action":"msg","to":"me","message":"hi","id":1.5}"#,
        br#"{"action":"msg","to":"me","message":"a"b}"#,
        br#"{"action":"msg","to":"","message":"hi"}"#,
        b"{\"action\":\"msg\",\"to\":\"me\",\"message\":\"a\x01\"}",
    ] {
        assert!(decode(frame).is_err(), "{frame:?}");
        assert!(client().feed(Ok(frame)).is_err(), "{frame:?}");
        assert!(Response::decode(frame).is_err(), "{frame:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_messages_agree(
        line in 0..WILD.lines().count(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0..3u8), 1..4),
    ) {
        let mut frame = WILD.lines().nth(line).unwrap().as_bytes().to_vec();
        for (at, byte, kind) in edits {
            let at = at % (frame.len() + 1);
            match kind {
                0 if at < frame.len() => frame[at] = byte,
                1 if at < frame.len() => {
                    frame.remove(at);
                }
                _ => frame.insert(at, byte),
            }
        }
        agree(&frame);
    }
}

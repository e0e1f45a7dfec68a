//! Property tests: round trips, chunking independence, and no panics on
//! arbitrary input.

use jim_core::{
    decode, Authenticate, ChatMessage, ContactChange, Encode, Escaping, Framer, GetContacts,
    Message, Presence, Probe, Quit, Response, Room, Spelling, StatusCode, Text, Timestamp, User,
};
use proptest::prelude::*;

/// Big enough for any valid message: 500 astral characters escaped as
/// surrogate pairs take 6,000 bytes.
const BIG: usize = 8192;

// ---- strategies ----

/// Any character, with the awkward ones over-represented.
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::char::range(' ', '~'),
        1 => prop::sample::select(vec![
            '"', '\\', '/', '\n', '\r', '\t', '\u{0}', '\u{8}', '\u{c}', '\u{1f}', '\u{7f}',
            '\u{80}', 'Ж', 'é', '\u{2028}', '\u{feff}', '\u{fffd}', '\u{ffff}', '😀',
            '\u{10000}', '\u{10ffff}', '#',
        ]),
    ]
}

fn text(min: usize, max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any_char(), min..=max).prop_map(String::from_iter)
}

fn name() -> impl Strategy<Value = String> {
    text(1, 25)
}

fn opt_name() -> BoxedStrategy<Option<String>> {
    prop::option::of(text(0, 25)).boxed()
}

/// Times that survive a round trip: integer seconds (below the nanosecond
/// threshold) or none.
fn time() -> impl Strategy<Value = Option<u64>> {
    prop::option::of(prop_oneof![
        0..2_000_000_000u64,
        0..100_000_000_000_000_000u64
    ])
}

/// A message with owned strings; [`Owned::message`] borrows it.
#[derive(Debug, Clone)]
enum Owned {
    Presence {
        time: Option<u64>,
        kind: Option<String>,
        name: String,
        status: Option<String>,
        password: Option<String>,
    },
    Probe(Option<u64>),
    Msg {
        time: Option<u64>,
        to: String,
        from: Option<String>,
        encoding: Option<String>,
        text: String,
    },
    Join(Option<u64>, String),
    Leave(Option<u64>, String),
    Quit(Option<u64>, Option<String>),
    Authenticate(Option<u64>, String, String),
    GetContacts(Option<u64>, Option<String>),
    AddContact(Option<u64>, String, Option<String>),
    DelContact(Option<u64>, String, Option<String>),
    Response {
        time: Option<u64>,
        code: u16,
        alert: Option<String>,
        error: Option<String>,
    },
}

fn ts(t: Option<u64>) -> Timestamp<'static> {
    t.map_or(Timestamp::Absent, Timestamp::Seconds)
}

fn opt(s: &Option<String>) -> Option<Text<'_>> {
    s.as_deref().map(Text::plain)
}

impl Owned {
    fn message(&self) -> Message<'_> {
        match self {
            Owned::Presence {
                time,
                kind,
                name,
                status,
                password,
            } => Message::Presence(Presence {
                time: ts(*time),
                kind: opt(kind),
                user: User {
                    account_name: Text::plain(name),
                    status: opt(status),
                    password: opt(password),
                    pubkey: None,
                },
            }),
            Owned::Probe(time) => Message::Probe(Probe { time: ts(*time) }),
            Owned::Msg {
                time,
                to,
                from,
                encoding,
                text,
            } => Message::Msg(ChatMessage {
                time: ts(*time),
                to: Text::plain(to),
                from: opt(from),
                encoding: opt(encoding),
                message: Text::plain(text),
                room: None,
                history: false,
                id: None,
                spelling: Spelling::SPEC,
            }),
            Owned::Join(time, room) => Message::Join(Room {
                time: ts(*time),
                room: Text::plain(room),
            }),
            Owned::Leave(time, room) => Message::Leave(Room {
                time: ts(*time),
                room: Text::plain(room),
            }),
            Owned::Quit(time, name) => Message::Quit(Quit {
                time: ts(*time),
                account_name: opt(name),
            }),
            Owned::Authenticate(time, name, password) => {
                let mut a = Authenticate::new(name.as_str(), password.as_str());
                a.time = ts(*time);
                Message::Authenticate(a)
            }
            Owned::GetContacts(time, login) => Message::GetContacts(GetContacts {
                time: ts(*time),
                user_login: opt(login),
            }),
            Owned::AddContact(time, id, login) | Owned::DelContact(time, id, login) => {
                let change = ContactChange {
                    time: ts(*time),
                    user_id: Text::plain(id),
                    user_login: opt(login),
                };
                if matches!(self, Owned::AddContact(..)) {
                    Message::AddContact(change)
                } else {
                    Message::DelContact(change)
                }
            }
            Owned::Response {
                time,
                code,
                alert,
                error,
            } => Message::Response(Response {
                code: StatusCode::new(*code).unwrap(),
                time: ts(*time),
                alert: opt(alert),
                error: opt(error),
                list: None,
                bin: None,
            }),
        }
    }
}

fn room() -> impl Strategy<Value = String> {
    text(0, 24).prop_map(|s| format!("#{s}"))
}

/// Any valid message; `max_text` caps the `msg` text and response texts.
fn owned(max_text: usize) -> impl Strategy<Value = Owned> {
    prop_oneof![
        (time(), opt_name(), name(), opt_name(), opt_name()).prop_map(
            |(time, kind, name, status, password)| Owned::Presence {
                time,
                kind,
                name,
                status,
                password,
            }
        ),
        time().prop_map(Owned::Probe),
        (time(), name(), opt_name(), opt_name(), text(0, max_text)).prop_map(
            |(time, to, from, encoding, text)| Owned::Msg {
                time,
                to,
                from,
                encoding,
                text,
            }
        ),
        (time(), room()).prop_map(|(t, r)| Owned::Join(t, r)),
        (time(), room()).prop_map(|(t, r)| Owned::Leave(t, r)),
        (time(), opt_name()).prop_map(|(t, n)| Owned::Quit(t, n)),
        (time(), name(), text(0, 25)).prop_map(|(t, n, p)| Owned::Authenticate(t, n, p)),
        (time(), opt_name()).prop_map(|(t, l)| Owned::GetContacts(t, l)),
        (time(), name(), opt_name()).prop_map(|(t, i, l)| Owned::AddContact(t, i, l)),
        (time(), name(), opt_name()).prop_map(|(t, i, l)| Owned::DelContact(t, i, l)),
        (
            time(),
            0..=999u16,
            prop::option::of(text(0, max_text.min(300))),
            prop::option::of(text(0, max_text.min(300)))
        )
            .prop_map(|(time, code, alert, error)| Owned::Response {
                time,
                code,
                alert,
                error,
            }),
    ]
}

fn escaping() -> impl Strategy<Value = Escaping> {
    prop_oneof![Just(Escaping::Ascii), Just(Escaping::Utf8)]
}

fn encode_to_vec(m: &Message<'_>, escaping: Escaping) -> Vec<u8> {
    let mut buf = vec![0u8; BIG];
    let n = m.encode_with(&mut buf, escaping).unwrap();
    buf.truncate(n);
    buf
}

/// Feeds `input` to `framer` in pieces of the given sizes (cycled), through
/// `push` or through `space`/`commit`, collecting every frame.
fn run_framer<const N: usize>(
    input: &[u8],
    sizes: &[usize],
    use_space: bool,
) -> Vec<Result<Vec<u8>, jim_core::FrameError>> {
    let mut framer = Framer::<N>::new();
    let mut out = Vec::new();
    let mut rest = input;
    let mut sizes = sizes.iter().copied().cycle();
    while !rest.is_empty() {
        let want = sizes.next().unwrap_or(1).max(1).min(rest.len());
        let n = if use_space {
            let space = framer.space();
            assert!(!space.is_empty());
            let n = want.min(space.len());
            space[..n].copy_from_slice(&rest[..n]);
            framer.commit(n);
            n
        } else {
            framer.push(&rest[..want])
        };
        rest = &rest[n..];
        while let Some(frame) = framer.next_frame() {
            if let Ok(f) = frame {
                assert!(f.len() <= N, "frame of {} > {N}", f.len());
                assert_eq!(f.first(), Some(&b'{'));
                assert!(matches!(f.last(), Some(b'}' | b']')));
            }
            out.push(frame.map(<[u8]>::to_vec));
        }
    }
    out
}

// ---- properties ----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn encode_decode_round_trip(m in owned(500), escaping in escaping()) {
        let message = m.message();
        let bytes = encode_to_vec(&message, escaping);
        if escaping == Escaping::Ascii {
            prop_assert!(bytes.is_ascii());
        }
        // Valid JSON for a real JSON parser too.
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        prop_assert!(json.is_object());
        let decoded = decode(&bytes);
        prop_assert_eq!(decoded, Ok(message));
        // Encoding the decoded message (escaped Texts) gives the same bytes.
        let again = encode_to_vec(&decoded.unwrap(), escaping);
        prop_assert_eq!(&again, &bytes);
        // And the other escaping decodes to the same message as well.
        let other = if escaping == Escaping::Ascii { Escaping::Utf8 } else { Escaping::Ascii };
        let other_bytes = encode_to_vec(&message, other);
        prop_assert_eq!(decode(&other_bytes), Ok(message));
    }

    #[test]
    fn encode_never_truncates(m in owned(60), escaping in escaping(), cut in 0usize..1000) {
        let message = m.message();
        let full = encode_to_vec(&message, escaping);
        let len = cut % (full.len() + 1);
        let mut buf = vec![0u8; len];
        let result = message.encode_with(&mut buf, escaping);
        if len < full.len() {
            prop_assert_eq!(result, Err(jim_core::EncodeError::BufferFull));
        } else {
            prop_assert_eq!(result, Ok(full.len()));
            prop_assert_eq!(&buf[..], &full[..]);
        }
    }

    #[test]
    fn any_chunking_yields_the_same_frames(
        messages in prop::collection::vec((owned(40), escaping(), prop::sample::select(vec!["", "\n", "\r\n", " ", "\t \n"])), 1..8),
        sizes in prop::collection::vec(1usize..80, 1..10),
        use_space in any::<bool>(),
    ) {
        let owned_messages: Vec<_> = messages.iter().map(|(m, _, _)| m.message()).collect();
        let mut stream = Vec::new();
        let mut expected = Vec::new();
        for ((_, escaping, sep), message) in messages.iter().zip(&owned_messages) {
            let bytes = encode_to_vec(message, *escaping);
            stream.extend_from_slice(&bytes);
            stream.extend_from_slice(sep.as_bytes());
            expected.push(Ok(bytes));
        }
        let frames = run_framer::<1024>(&stream, &sizes, use_space);
        prop_assert_eq!(&frames, &expected);
        let whole = run_framer::<1024>(&stream, &[stream.len()], false);
        prop_assert_eq!(&whole, &expected);
        for (frame, message) in frames.iter().zip(&owned_messages) {
            prop_assert_eq!(decode(frame.as_ref().unwrap()), Ok(*message));
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_framer(
        input in prop::collection::vec(any::<u8>(), 0..600),
        sizes in prop::collection::vec(1usize..40, 1..6),
        use_space in any::<bool>(),
    ) {
        let small = run_framer::<32>(&input, &sizes, use_space);
        let default = run_framer::<640>(&input, &sizes, use_space);
        // Chunking changes nothing.
        prop_assert_eq!(&small, &run_framer::<32>(&input, &[1], false));
        prop_assert_eq!(&default, &run_framer::<640>(&input, &[input.len().max(1)], true));
        for frame in small.iter().chain(&default).flatten() {
            let _ = decode(frame);
            let _ = Response::decode(frame);
        }
    }

    #[test]
    fn json_like_bytes_never_panic_the_framer(
        input in prop::collection::vec(prop::sample::select(b"{}[]\"\\:, \n0123456789abu-.ntrfe\xff\xc3".to_vec()), 0..400),
        sizes in prop::collection::vec(1usize..40, 1..6),
    ) {
        let frames = run_framer::<48>(&input, &sizes, false);
        prop_assert_eq!(&frames, &run_framer::<48>(&input, &[1], true));
        for frame in frames.iter().flatten() {
            let _ = decode(frame);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_decode(input in prop::collection::vec(any::<u8>(), 0..700)) {
        let _ = decode(&input);
        let _ = Response::decode(&input);
        let _ = jim_core::server::step(Ok(&input), 1);
    }

    #[test]
    fn mutated_messages_never_panic_decode(
        m in owned(40),
        escaping in escaping(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, prop::sample::select(b"{}[]\"\\:,u0dD8 \xff".to_vec())), 1..6),
    ) {
        let mut bytes = encode_to_vec(&m.message(), escaping);
        for (at, op, b) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 if i < bytes.len() => { bytes.remove(i); }
                1 if i < bytes.len() => bytes[i] = b,
                _ => bytes.insert(i, b),
            }
        }
        let decoded = decode(&bytes);
        let _ = Response::decode(&bytes);
        let s = jim_core::server::step(Ok(&bytes), 1);
        prop_assert!(s.is_quit() || s.response.is_some());
        // Whatever decodes re-encodes (or fails with a typed error).
        if let Ok(message) = decoded {
            let mut buf = vec![0u8; BIG];
            let _ = message.encode(&mut buf);
        }
    }

    #[test]
    fn text_escapes_agree_with_serde_json(
        raw in "(\\\\(u[0-9a-fA-FdDgG -]{4}|u[0-9a-f]{0,3}|[\"\\\\/bfnrtxu])|[a-z\u{0}-\u{1f}Ж😀]){0,5}"
    ) {
        // serde_json is the reference for what a JSON string means; the raw
        // content never holds a bare quote, so it is one whole string.
        let reference = serde_json::from_str::<String>(&format!("\"{raw}\""));
        let text = Text::from_escaped(&raw);
        prop_assert_eq!(text.is_ok(), reference.is_ok(), "{:?} vs {:?}", text, reference);
        if let (Ok(t), Ok(expected)) = (text, reference) {
            prop_assert_eq!(t.to_string(), expected.clone());
            prop_assert_eq!(t.char_count(), expected.chars().count());
            prop_assert_eq!(t.utf8_len(), expected.len());
            prop_assert!(t == expected.as_str());
            let mut buf = vec![0u8; t.utf8_len()];
            prop_assert_eq!(t.unescape_into(&mut buf), Ok(expected.as_str()));
            // The decoder sees the same: as a message text.
            let frame = format!(r#"{{"action":"msg","to":"b","message":"{raw}"}}"#);
            if let Ok(Message::Msg(m)) = decode(frame.as_bytes()) {
                prop_assert_eq!(m.message.to_string(), expected);
            } else {
                prop_assert!(expected.chars().count() > 500);
            }
        }
    }
}

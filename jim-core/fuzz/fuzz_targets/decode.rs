//! One frame through `decode`, `Response::decode`, the chat client and
//! `server::step`; what decodes must re-encode (or fail with a typed
//! error), and what re-encodes must decode again, equal to the original
//! when its time survives the trip (integer seconds or none).

#![no_main]

use jim_core::client::{Client, Event};
use jim_core::{decode, server, Encode, Escaping, Message, Presence, Response, Text, Timestamp};
use libfuzzer_sys::fuzz_target;

fn time<'a>(m: &Message<'a>) -> Timestamp<'a> {
    match m {
        Message::Presence(p) => p.time,
        Message::Probe(p) => p.time,
        Message::Msg(m) => m.time,
        Message::Join(r) | Message::Leave(r) => r.time,
        Message::Quit(q) => q.time,
        Message::Authenticate(a) => a.time,
        Message::GetContacts(g) => g.time,
        Message::AddContact(c) | Message::DelContact(c) => c.time,
        Message::Response(r) => r.time,
        Message::GetUsers(g) => g.time,
        Message::PubkeyNeed(p) => p.time,
        Message::GetHistory(h) => h.time,
        _ => Timestamp::Absent,
    }
}

/// Every text of a message.
fn texts<'a>(m: &Message<'a>) -> Vec<Text<'a>> {
    let user = |u: &jim_core::User<'a>| {
        let mut v = vec![u.account_name];
        v.extend(u.status);
        v.extend(u.password);
        v.extend(u.pubkey);
        v
    };
    let mut v = match m {
        Message::Presence(p) => {
            let mut v = user(&p.user);
            v.extend(p.kind);
            v
        }
        Message::Msg(m) => {
            let mut v = vec![m.to, m.message];
            v.extend(m.from);
            v.extend(m.encoding);
            v.extend(m.room);
            v
        }
        Message::Join(r) | Message::Leave(r) => vec![r.room],
        Message::Quit(q) => q.account_name.into_iter().collect(),
        Message::Authenticate(a) => user(&a.user),
        Message::GetContacts(g) => g.user_login.into_iter().collect(),
        Message::AddContact(c) | Message::DelContact(c) => {
            let mut v = vec![c.user_id];
            v.extend(c.user_login);
            v
        }
        Message::Response(r) => r.alert.into_iter().chain(r.error).chain(r.bin).collect(),
        Message::GetUsers(g) => g.account_name.into_iter().collect(),
        Message::PubkeyNeed(p) => vec![p.account_name],
        Message::GetHistory(h) => vec![h.to],
        _ => Vec::new(),
    };
    if let Timestamp::Text(t) = time(m) {
        v.push(t);
    }
    v
}

fuzz_target!(|data: &[u8]| {
    let decoded = decode(data);
    let response = Response::decode(data);
    let step = server::step(Ok(data), 1);
    assert!(step.is_quit() || step.response.is_some());
    // The server's answer always encodes.
    if let Some(answer) = step.response {
        let mut buf = [0u8; 640];
        answer.encode(&mut buf).expect("server answer must encode");
    }

    // The small client's decoder reads the same answer, except the list
    // and `bin`, which it leaves `None` by design.
    if let Ok(Message::Response(r)) = decoded {
        let small = Response {
            list: None,
            bin: None,
            ..r
        };
        assert_eq!(response, Ok(small));
    }
    // The chat client's pass (the same small pass) reads a chat message
    // as `decode` does.
    if let Ok(Message::Msg(m)) = &decoded {
        let mut client = Client::new(Presence::new("me"));
        assert_eq!(client.feed(Ok(data)), Ok(Event::Message(*m)));
    }

    let Ok(message) = decoded else { return };
    // Every text means what serde_json says its raw JSON content means.
    for text in texts(&message) {
        let reference: String = serde_json::from_str(&format!("\"{}\"", text.raw()))
            .expect("a text jim accepted must be a valid JSON string");
        assert_eq!(text.to_string(), reference);
        assert_eq!(text.char_count(), reference.chars().count());
        assert_eq!(text.utf8_len(), reference.len());
    }

    // Escaping at most triples a character's size; leave headroom.
    let mut buf = vec![0u8; data.len() * 3 + 256];
    for escaping in [Escaping::Ascii, Escaping::Utf8] {
        let Ok(n) = message.encode_with(&mut buf, escaping) else {
            // A typed EncodeError: e.g. an empty account name received.
            continue;
        };
        let bytes = &buf[..n];
        if escaping == Escaping::Ascii {
            assert!(bytes.is_ascii());
        }
        let again = decode(bytes).expect("re-encoded message must decode");
        if matches!(time(&message), Timestamp::Seconds(_) | Timestamp::Absent) {
            assert_eq!(again, message);
        } else {
            assert_eq!(
                time(&again).unix_seconds().is_some(),
                time(&message).unix_seconds().is_some()
            );
        }
    }
});

//! jim's decoder against serde-json-core, an independent no_std JSON reader.
//!
//! serde-json-core cannot read every JIM message (no untagged values, so no
//! `time` that may be a number or a string; no surrogate pairs), which is why
//! jim has its own reader. Where it *can* read one — integer `time`, numeric
//! `response`, strings without surrogates — both must agree on every field.

use jim_core::{
    decode, Encode, Escaping, Message, Presence, Response, StatusCode, Text, Timestamp,
};
use proptest::prelude::*;
use serde::Deserialize;
use serde_json_core::str::{EscapedStr, EscapedStringFragment};

#[derive(Deserialize)]
struct UserRef<'a> {
    #[serde(borrow)]
    account_name: EscapedStr<'a>,
    #[serde(borrow)]
    status: Option<EscapedStr<'a>>,
}

#[derive(Deserialize)]
struct PresenceRef<'a> {
    action: &'a str,
    time: u64,
    #[serde(borrow, rename = "type")]
    kind: Option<EscapedStr<'a>>,
    #[serde(borrow)]
    user: UserRef<'a>,
}

#[derive(Deserialize)]
struct ResponseRef<'a> {
    response: u16,
    time: Option<u64>,
    #[serde(borrow)]
    alert: Option<EscapedStr<'a>>,
    #[serde(borrow)]
    error: Option<EscapedStr<'a>>,
}

/// serde-json-core's reading of an escaped string.
fn unescaped(s: EscapedStr<'_>) -> String {
    s.fragments()
        .map(|fragment| match fragment.expect("valid escape") {
            EscapedStringFragment::NotEscaped(text) => text.to_owned(),
            EscapedStringFragment::Escaped(c) => c.to_string(),
        })
        .collect()
}

fn same(jim: Option<Text<'_>>, reference: Option<EscapedStr<'_>>) -> bool {
    jim.map(|t| t.to_string()) == reference.map(unescaped)
}

/// Characters serde-json-core can unescape: anything but the astral planes
/// (which need a surrogate pair it refuses).
fn bmp_name(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        any::<char>().prop_filter("BMP", |c| (*c as u32) < 0x10000),
        1..=max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn presence_agrees_with_serde_json_core(
        name in bmp_name(25),
        status in proptest::option::of(bmp_name(25)),
        time in 0u64..=4_000_000_000,
        ascii in any::<bool>(),
    ) {
        let mut presence = Presence::new(name.as_str()).at(time);
        if let Some(status) = &status {
            presence = presence.with_status(status.as_str());
        }
        let escaping = if ascii { Escaping::Ascii } else { Escaping::Utf8 };
        let mut buf = [0u8; 640];
        let n = presence.encode_with(&mut buf, escaping).unwrap();
        let bytes = &buf[..n];

        let (reference, _): (PresenceRef<'_>, _) = serde_json_core::from_slice(bytes).unwrap();
        let Ok(Message::Presence(decoded)) = decode(bytes) else {
            panic!("jim could not decode {}", String::from_utf8_lossy(bytes));
        };
        prop_assert_eq!(reference.action, "presence");
        prop_assert_eq!(decoded.time.unix_seconds(), Some(reference.time));
        prop_assert!(same(decoded.kind, reference.kind));
        prop_assert!(same(Some(decoded.user.account_name), Some(reference.user.account_name)));
        prop_assert!(same(decoded.user.status, reference.user.status));
    }

    #[test]
    fn response_agrees_with_serde_json_core(
        code in 0u16..=999,
        text in proptest::option::of(bmp_name(60)),
        time in 0u64..=4_000_000_000,
    ) {
        let code = StatusCode::new(code).unwrap();
        let response = match &text {
            Some(text) => Response::with_text(code, time, text.as_str()),
            None => Response { code, time: Timestamp::Seconds(time), alert: None, error: None, list: None, bin: None },
        };
        let mut buf = [0u8; 640];
        let n = response.encode(&mut buf).unwrap();
        let bytes = &buf[..n];

        let (reference, _): (ResponseRef<'_>, _) = serde_json_core::from_slice(bytes).unwrap();
        let decoded = Response::decode(bytes).unwrap();
        prop_assert_eq!(decoded.code.as_u16(), reference.response);
        prop_assert_eq!(decoded.time.unix_seconds(), reference.time);
        prop_assert!(same(decoded.alert, reference.alert));
        prop_assert!(same(decoded.error, reference.error));
    }
}

/// The wild corpus lines serde-json-core can read as a response agree.
#[test]
fn wild_responses_agree_with_serde_json_core() {
    let corpus = include_str!("data/wild.jsonl");
    let mut compared = 0;
    for line in corpus.lines() {
        let Ok((reference, _)) = serde_json_core::from_str::<ResponseRef<'_>>(line) else {
            continue;
        };
        let decoded = Response::decode(line.as_bytes()).expect(line);
        assert_eq!(decoded.code.as_u16(), reference.response, "{line}");
        assert!(same(decoded.alert, reference.alert), "{line}");
        assert!(same(decoded.error, reference.error), "{line}");
        compared += 1;
    }
    // Most of the corpus's responses have a numeric code and plain texts.
    assert!(compared >= 20, "only {compared} lines compared");
}

//! Feature `serde`: every message type is [`serde::Serialize`], and writes
//! the object jim's [`Encode`](crate::Encode) writes.
//!
//! Nothing here is called directly: the impls are on the types. The
//! `serde` dependency is taken without `std` and `alloc`, so this builds on
//! bare metal, for `serde-json-core` or any other serializer.
//!
//! # Serialize: the JIM object, as `Encode` writes it
//!
//! | type | serializes as |
//! |------|---------------|
//! | [`Message`] | the message's own object, `action` inside it (not an externally tagged enum); [`Message::Join`]/[`Message::Leave`] and [`Message::AddContact`]/[`Message::DelContact`] add the action their body lacks |
//! | [`Presence`], [`Probe`], [`ChatMessage`], [`Quit`], [`Authenticate`], [`GetContacts`], [`GetUsers`], [`PubkeyNeed`], [`GetHistory`] | the request, `{"action":…,…}` |
//! | [`ChatMessage`] | in its [`spelling`](crate::ChatMessage::spelling): `msg` or `message`, `to` or `destination`, `from` or `sender`, the text under its key |
//! | [`Response`] | `{"response":…,…}`; a list answer's names in `alert` (unless it has a text alert) and in `data_list`; `bin` when present |
//! | [`Room`], [`ContactChange`] | the body alone, without `action`: the type does not say whether it joins or leaves, adds or deletes; serialize the [`Message`] variant for the request |
//! | [`User`] | the `user` object |
//! | [`Text`] | a string of the decoded characters (see below) |
//! | [`Timestamp`] | whole Unix seconds, an integer, where `Encode` sends them (integer, float and nanosecond times); otherwise `None` (`null`) — and inside a message, left out, as `Encode` leaves it out |
//! | [`StatusCode`] | the number |
//! | [`NameList`] | an array of strings |
//! | [`Spelling`], [`ChatVerb`], [`TextKey`], [`SenderKey`], [`TargetKey`] | the names on the wire: `{"verb":"message","text":"mess_text","sender":"from","target":"to"}` |
//!
//! In a message, fields come in `Encode`'s order and an absent optional
//! field is skipped ([`serialize_field`](serde::ser::SerializeStruct)
//! is not called for it), never written as `null`; `history` is written
//! only when `true`. So the bytes are `Encode`'s:
//!
//! ```
//! use jim_core::{ChatMessage, Encode, Escaping, Spelling};
//!
//! let mut chat = ChatMessage::new("alice", "bob", "Привет");
//! chat.spelling = Spelling::COURSE;
//! let mut buf = [0u8; 128];
//! let n = chat.encode_with(&mut buf, Escaping::Utf8).unwrap();
//! assert_eq!(serde_json::to_vec(&chat).unwrap(), &buf[..n]);
//! let mut out = [0u8; 128];
//! let m = serde_json_core::to_slice(&chat, &mut out).unwrap();
//! assert_eq!(&out[..m], &buf[..n]);
//! assert_eq!(
//!     &out[..m],
//!     r#"{"action":"message","to":"bob","from":"alice","mess_text":"Привет"}"#.as_bytes()
//! );
//! ```
//!
//! ## Where the bytes differ, and why
//!
//! - **Non-ASCII.** `Encode` escapes it by default ([`Escaping::Ascii`]:
//!   `\u041f`, for peers that `.decode('ascii')`); `serde_json` and
//!   `serde-json-core` write raw UTF-8. Their output is byte for byte
//!   [`encode_with(…, Escaping::Utf8)`](crate::Encode::encode_with); it
//!   differs from [`encode`](crate::Encode::encode) only where a text is
//!   not ASCII.
//! - **Nine control characters under `serde-json-core`.** U+000B,
//!   U+000E, U+000F and U+001A–U+001F (no one-letter escape, a letter in
//!   their hex) are `\u000b`…`\u001f` from jim and `serde_json`, and
//!   `\u000B`…`\u001F` (upper-case hex) from `serde-json-core`: the same
//!   JSON string, other bytes. The other control characters (`\b`, `\t`,
//!   `\n`, `\f`, `\r`, and the rest, whose hex is all digits: `\u0000`,
//!   `\u0019`…), `"` and `\` come out the same from all three, as do `/`
//!   and DEL (U+007F), which none escapes.
//! - **Field limits.** `Encode` refuses an empty name, a name over 25
//!   characters, a text over 500, a room without `#`
//!   ([`EncodeError`](crate::EncodeError)). `Serialize` writes the
//!   message as it is: `serde-json-core`'s `ser::Error::custom` panics
//!   (`unreachable!`), so an impl that failed on content would panic on a
//!   device. Encode a message to check it; what `Encode` accepts,
//!   `Serialize` writes the same.
//!
//! A received [`Text`] still has its escapes (zero copy): it has no `&str`
//! to hand to `serialize_str`, so its characters are streamed through
//! [`collect_str`](serde::Serializer::collect_str) and its
//! [`Display`](core::fmt::Display), which every serializer escapes as it
//! escapes a `&str`; no buffer, no allocation. Plain text goes to
//! `serialize_str`.
//!
//! # Deserialize: where serde can keep jim's leniency
//!
//! [`decode`](crate::decode()) reads what peers in the wild send: both
//! dialects' field names (`mess_text`, `sender`, `destination`, `user` as a
//! string…), `time` as an integer, a float, nanoseconds or a string,
//! `"response":"200"`, lists that hold non-strings. A `Deserialize` impl
//! is here only where serde loses none of that:
//!
//! - [`StatusCode`]: from a number, 0 to 999. A JSON `"200"` is refused
//!   (the deserializer is asked for a `u16`; taking either a number or a
//!   string needs `deserialize_any`, which `serde-json-core` does not
//!   have); formats that hand over strings anyway get the decoder's rule.
//! - [`Spelling`], [`ChatVerb`], [`TextKey`], [`SenderKey`],
//!   [`TargetKey`]: from the names they serialize to (a fixed set, no
//!   dialects), e.g. to keep a peer's dialect in a server's state.
//!
//! ```
//! use jim_core::{Spelling, StatusCode};
//!
//! let (code, _): (StatusCode, _) = serde_json_core::from_str("409").unwrap();
//! assert_eq!(code, StatusCode::CONFLICT);
//! assert!(serde_json_core::from_str::<StatusCode>("1000").is_err());
//!
//! // A field left out is the spec dialect's.
//! let course: Spelling = serde_json::from_str(r#"{"verb":"message","text":"mess_text"}"#).unwrap();
//! assert_eq!(course, Spelling::COURSE);
//! ```
//!
//! And not for these:
//!
//! - [`Text`]: a `Text<'de>` would borrow the input, but `serde_json`
//!   hands a borrowed `&str` only for a string without escapes, and
//!   `serde-json-core` (without an unescape buffer) hands the *escaped*
//!   content through the same `visit_borrowed_str`: the impl could not
//!   tell decoded text from escaped, and under `serde_json` would have to
//!   refuse escaped text, which jim accepts. Borrow `&str` (or serde-json-core's `EscapedStr`)
//!   yourself, or decode.
//! - [`Timestamp`]: its type varies (integer, float, string, absent), which
//!   takes `deserialize_any`; and a float keeps its text as sent
//!   ([`Timestamp::Fractional`]), which serde never hands over.
//! - [`NameList`]: it borrows the received array as written and skips
//!   elements that are not strings; serde hands neither the array's text
//!   nor values of unknown type without `deserialize_any`.
//! - The messages, [`Message`] and [`User`]: alternative field names with
//!   precedence rules, two dialects, `user` as an object or a string, the
//!   action choosing the type, and every field above. That is
//!   [`decode`](crate::decode()).
//!
//! [`Message`]: crate::Message
//! [`Message::Join`]: crate::Message::Join
//! [`Message::Leave`]: crate::Message::Leave
//! [`Message::AddContact`]: crate::Message::AddContact
//! [`Message::DelContact`]: crate::Message::DelContact
//! [`Presence`]: crate::Presence
//! [`Probe`]: crate::Probe
//! [`ChatMessage`]: crate::ChatMessage
//! [`Quit`]: crate::Quit
//! [`Authenticate`]: crate::Authenticate
//! [`GetContacts`]: crate::GetContacts
//! [`GetUsers`]: crate::GetUsers
//! [`PubkeyNeed`]: crate::PubkeyNeed
//! [`GetHistory`]: crate::GetHistory
//! [`Response`]: crate::Response
//! [`Room`]: crate::Room
//! [`ContactChange`]: crate::ContactChange
//! [`User`]: crate::User
//! [`Text`]: crate::Text
//! [`Timestamp`]: crate::Timestamp
//! [`Timestamp::Fractional`]: crate::Timestamp::Fractional
//! [`StatusCode`]: crate::StatusCode
//! [`NameList`]: crate::NameList
//! [`Spelling`]: crate::Spelling
//! [`ChatVerb`]: crate::ChatVerb
//! [`TextKey`]: crate::TextKey
//! [`SenderKey`]: crate::SenderKey
//! [`TargetKey`]: crate::TargetKey
//! [`Escaping::Ascii`]: crate::Escaping::Ascii

mod code;
mod ser;
mod spelling;

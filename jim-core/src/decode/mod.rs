//! Bytes of one JSON object → a typed [`Message`].
//!
//! Two passes over a frame that is already in memory. The first walks the
//! top level with a checked scanner: it rejects bad UTF-8, bad structure and
//! deep nesting, and picks out the fields whose JSON type varies between
//! peers (`action`, `response` as number or string, `time` in five forms),
//! which serde-json-core cannot read without knowing the type in advance.
//! The second hands the same bytes to serde-json-core for the fields of the
//! action found, with strings borrowed raw; [`Text`] validates their escapes
//! (surrogate pairs included, which serde-json-core's own unescaper refuses).
//! Unknown fields are ignored by both.

mod head;
mod wire;

use crate::error::DecodeError;
use crate::message::{Message, Response};

pub(crate) use head::Head;

/// Decodes one JSON object (as yielded by the [`Framer`](crate::Framer))
/// into a message, in either dialect.
///
/// ```
/// use jim_core::{decode, Message};
///
/// let frame = br#"{"action": "presence", "time": 1795617769.892087, "user": {"account_name": "Guest"}}"#;
/// let Ok(Message::Presence(p)) = decode(frame) else { panic!() };
/// assert_eq!(p.user.account_name, "Guest");
/// assert_eq!(p.time.unix_seconds(), Some(1795617769));
///
/// let Ok(Message::Response(r)) = decode(br#"{"response": "200"}"#) else { panic!() };
/// assert!(r.code.is_success());
/// ```
pub fn decode(frame: &[u8]) -> Result<Message<'_>, DecodeError> {
    let head = Head::parse(frame)?;
    match head.action {
        Some(action) => wire::request(frame, action, head.time),
        None if head.response.is_some() => wire::response(frame, &head).map(Message::Response),
        None => Err(DecodeError::NotAMessage),
    }
}

impl<'a> Response<'a> {
    /// Decodes a frame that must be a response. This links only the
    /// response decoder: what a small client needs.
    pub fn decode(frame: &'a [u8]) -> Result<Response<'a>, DecodeError> {
        let head = Head::parse(frame)?;
        if head.response.is_none() {
            return Err(DecodeError::MissingField(crate::error::Field::Response));
        }
        wire::response(frame, &head)
    }
}

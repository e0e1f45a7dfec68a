//! Bytes of one JSON object → a typed [`Message`].
//!
//! One pass over a frame that is already in memory, with no recursion and
//! no copy: it checks UTF-8, the JSON grammar and the nesting depth, reads
//! the fields whose JSON type varies between peers (`action`, `response` as
//! number or string, `time` in five forms) and keeps the raw values of the
//! other known fields. Then only the fields of the action found are typed,
//! their escapes validated by [`Text`](crate::Text) (surrogate pairs
//! included) and their limits checked. Unknown fields are skipped.

pub(crate) mod head;
mod small;
pub(crate) mod wire;

pub(crate) use head::Head;

use crate::error::DecodeError;
use crate::message::{Message, Response};

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
    let mut head: Head<'_> = Head::new();
    head.read(frame)?;
    match head.action {
        Some(action) => crate::message::decode_request(action, &head),
        None if head.response.is_some() => Response::from_head(&head).map(Message::Response),
        None => Err(DecodeError::NotAMessage),
    }
}

impl<'a> Response<'a> {
    /// Decodes a frame that must be a response. This links only the
    /// response decoder: what a small client needs. Its pass, like the
    /// chat client's, checks the top level and what it reads (code, time,
    /// texts) as [`decode`] does, but only delimits the values it does not
    /// read, so `{"response":200,"x":[1,,2]}` is an answer here and a
    /// syntax error to [`decode`].
    // Inline on bare metal: a client calls it once, and inlined its answer
    // is built in place (88 B less flash than a call).
    #[cfg_attr(target_os = "none", inline)]
    pub fn decode(frame: &'a [u8]) -> Result<Response<'a>, DecodeError> {
        let mut head = Head::<()>::new();
        head.read_response(frame)?;
        if head.response.is_none() {
            return Err(DecodeError::MissingField(crate::error::Field::Response));
        }
        Response::from_head(&head)
    }
}

//! What a server needs from the core, sans IO.
//!
//! - [`classify`]: a frame from the [`Framer`] to a client request, or the
//!   [`InputError`] a `400` answers. A chat server (jim-std's hub) starts
//!   every message here and decides the rest with its knowledge of the
//!   other clients.
//! - [`step`]: a whole answer for a server that serves one client at a time
//!   and knows nobody else — a device answering presences, say
//!   ([`io::Connection::serve_one`](crate::io::Connection::serve_one)).
//!
//! [`Framer`]: crate::Framer

use crate::code::StatusCode;
use crate::decode::decode;
use crate::error::{DecodeError, FrameError};
use crate::message::{Message, NameList, Response};
use crate::text::Text;

/// What a client's message amounted to, and what to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Step<'a> {
    /// The message, or why there was none.
    pub request: Result<Message<'a>, InputError>,
    /// The answer to send; `None` after `quit` (close the connection).
    pub response: Option<Response<'static>>,
}

impl Step<'_> {
    /// `true` when the client asked to leave: close the connection.
    pub fn is_quit(&self) -> bool {
        matches!(self.request, Ok(Message::Quit(_)))
    }
}

/// Input that could not be used; answered with a `400`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum InputError {
    /// The stream did not carry a usable object.
    Frame(FrameError),
    /// The object was not a valid message.
    Decode(DecodeError),
    /// A valid message a client must not send (a `response`, a `probe`).
    NotARequest,
}

impl InputError {
    /// A short, static description; the `error` text of the `400`.
    pub const fn as_str(&self) -> &'static str {
        match self {
            InputError::Frame(e) => e.as_str(),
            InputError::Decode(e) => e.as_str(),
            InputError::NotARequest => "not a client request",
        }
    }
}

impl core::fmt::Display for InputError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InputError::Frame(e) => e.fmt(f),
            InputError::Decode(e) => e.fmt(f),
            InputError::NotARequest => f.write_str(self.as_str()),
        }
    }
}

/// A frame as a client request: a decoded message that a client may send
/// (not a `response` or a `probe`), or why it is not one.
///
/// ```
/// use jim_core::server::{classify, InputError};
/// use jim_core::{DecodeError, Message};
///
/// assert!(matches!(classify(Ok(br##"{"action":"join","room":"#a"}"##)), Ok(Message::Join(_))));
/// assert_eq!(classify(Ok(br#"{"action":"join"}"#)).unwrap_err().to_string(), "missing field: room");
/// assert_eq!(classify(Ok(br#"{"response":200}"#)), Err(InputError::NotARequest));
/// ```
pub fn classify(frame: Result<&[u8], FrameError>) -> Result<Message<'_>, InputError> {
    frame
        .map_err(InputError::Frame)
        .and_then(|f| decode(f).map_err(InputError::Decode))
        .and_then(|m| match m {
            Message::Response(_) | Message::Probe(_) => Err(InputError::NotARequest),
            m => Ok(m),
        })
}

/// Decides the answer to one frame, for a server that knows no other
/// client.
///
/// - `presence`, `join`, `leave`, `add_contact`, `del_contact`,
///   `authenticate`: `200 OK` (there are no accounts or rooms to check
///   against at this layer);
/// - `get_contacts`, `get_users`, `get_history`: `202` with an empty list;
/// - `msg`, `pubkey_need`: `404`: there is nobody else to reach;
/// - `quit`/`exit`: no answer, close;
/// - anything invalid: `400` with a short reason in `error`.
///
/// ```
/// use jim_core::server::step;
/// use jim_core::Message;
///
/// let s = step(Ok(br#"{"action":"presence","user":{"account_name":"Guest"}}"#), 1_700_000_000);
/// assert!(matches!(s.request, Ok(Message::Presence(_))));
/// assert_eq!(s.response.unwrap().code.as_u16(), 200);
///
/// let s = step(Ok(br#"{"action":"presence"}"#), 1_700_000_000);
/// assert_eq!(s.response.unwrap().code.as_u16(), 400);
/// ```
pub fn step(frame: Result<&[u8], FrameError>, unix_seconds: u64) -> Step<'_> {
    let request = classify(frame);
    let response = match &request {
        Ok(Message::Quit(_)) => None,
        Ok(Message::GetContacts(_) | Message::GetUsers(_) | Message::GetHistory(_)) => {
            Some(Response::with_list(unix_seconds, NameList::new(&[])))
        }
        Ok(Message::Msg(_) | Message::PubkeyNeed(_)) => Some(Response::with_text(
            StatusCode::NOT_FOUND,
            unix_seconds,
            Text::plain("recipient not found"),
        )),
        Ok(_) => Some(Response::ok(unix_seconds)),
        Err(e) => Some(Response::with_text(
            StatusCode::BAD_REQUEST,
            unix_seconds,
            Text::plain(e.as_str()),
        )),
    };
    Step { request, response }
}

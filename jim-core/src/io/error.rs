//! [`Error`]: what a connection can fail with.

use core::fmt;

use crate::client::ClientError;
use crate::code::StatusCode;
use crate::error::{DecodeError, EncodeError, FrameError};
use crate::text::{raw_prefix, Text};

/// Longest server text kept in [`Error::Rejected`], in bytes of its wire
/// form.
pub const REJECTION_TEXT_CAPACITY: usize = 64;

/// The server's text in [`Error::Rejected`], owned.
///
/// It is kept as it came over the wire (JSON escapes intact, cut to
/// [`REJECTION_TEXT_CAPACITY`] bytes without splitting a character or an
/// escape) and decoded only when read: a firmware that never prints it
/// links no decoding for it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RejectionText {
    raw: heapless::String<REJECTION_TEXT_CAPACITY>,
    escaped: bool,
}

impl RejectionText {
    /// Keeps (a prefix of) `text`.
    pub fn new(text: &Text<'_>) -> Self {
        let escaped = text.as_plain_str().is_none();
        let mut raw = heapless::String::new();
        // The prefix fits by construction; should it not, keep nothing
        // rather than fail the error report.
        let _ = raw.push_str(raw_prefix(text.raw(), escaped, REJECTION_TEXT_CAPACITY));
        RejectionText { raw, escaped }
    }

    /// The text, decoded lazily.
    pub fn text(&self) -> Text<'_> {
        if self.escaped {
            // Validated when it was received, and cut between escapes.
            Text::from_escaped(&self.raw).unwrap_or_default()
        } else {
            Text::plain(&self.raw)
        }
    }

    /// `true` if the server sent no text.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

impl fmt::Display for RejectionText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.text(), f)
    }
}

impl fmt::Debug for RejectionText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.text(), f)
    }
}

impl PartialEq<&str> for RejectionText {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for RejectionText {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.raw.as_str())
    }
}

/// An error of a [`Connection`](crate::io::Connection) or
/// [`asynch::Connection`](crate::asynch::Connection); `E` is the transport's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<E> {
    /// The transport failed.
    Io(E),
    /// The transport accepted no bytes of a write.
    WriteZero,
    /// The peer closed the connection between messages.
    Disconnected,
    /// The peer closed the connection in the middle of a message.
    DisconnectedMidMessage,
    /// The stream carried something that is not a usable JSON object; the
    /// framer has skipped it and the connection can go on.
    Frame(FrameError),
    /// A frame was not a valid message; the connection can go on.
    Decode(DecodeError),
    /// A message to send could not be encoded; nothing was sent.
    Encode(EncodeError),
    /// The server answered the handshake with a code outside 2xx.
    Rejected {
        /// The code.
        code: StatusCode,
        /// The server's `error` (or `alert`) text (empty if none).
        text: RejectionText,
    },
    /// The peer sent too many messages that were not the awaited answer.
    NoAnswer,
    /// A [`Session`](crate::io::Session) already awaits
    /// [`MAX_PENDING`](crate::client::MAX_PENDING) answers; nothing was sent.
    TooManyPending,
}

impl<E> Error<E> {
    /// Whether the connection can still be used: the error concerned one
    /// message (or one answer), not the stream.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Error::Frame(_)
                | Error::Decode(_)
                | Error::Encode(_)
                | Error::Rejected { .. }
                | Error::TooManyPending
        )
    }

    /// For input errors, the code a server answers with (`400`).
    pub fn status_code(&self) -> Option<StatusCode> {
        match self {
            Error::Frame(e) => Some(e.status_code()),
            Error::Decode(e) => Some(e.status_code()),
            _ => None,
        }
    }
}

impl<E> From<FrameError> for Error<E> {
    fn from(e: FrameError) -> Self {
        Error::Frame(e)
    }
}

impl<E> From<DecodeError> for Error<E> {
    fn from(e: DecodeError) -> Self {
        Error::Decode(e)
    }
}

impl<E> From<ClientError> for Error<E> {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::Frame(e) => Error::Frame(e),
            ClientError::Decode(e) => Error::Decode(e),
            ClientError::Encode(e) => Error::Encode(e),
            ClientError::TooManyPending => Error::TooManyPending,
        }
    }
}

impl<E> From<EncodeError> for Error<E> {
    fn from(e: EncodeError) -> Self {
        Error::Encode(e)
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "transport error: {e:?}"),
            Error::WriteZero => f.write_str("transport accepted no bytes"),
            Error::Disconnected => f.write_str("peer disconnected"),
            Error::DisconnectedMidMessage => f.write_str("peer disconnected mid-message"),
            Error::Frame(e) => write!(f, "bad stream: {e}"),
            Error::Decode(e) => write!(f, "bad message: {e}"),
            Error::Encode(e) => write!(f, "cannot encode: {e}"),
            Error::Rejected { code, text } if text.is_empty() => {
                write!(f, "server answered {code}")
            }
            Error::Rejected { code, text } => write!(f, "server answered {code}: {text}"),
            Error::NoAnswer => f.write_str("no answer from peer"),
            Error::TooManyPending => f.write_str("too many requests awaiting answers"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

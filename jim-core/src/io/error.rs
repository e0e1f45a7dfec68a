//! [`Error`]: what a connection can fail with.

use core::fmt;

use crate::code::StatusCode;
use crate::error::{DecodeError, EncodeError, FrameError};

/// Longest server text kept in [`Error::Rejected`], in bytes.
pub const REJECTION_TEXT_CAPACITY: usize = 64;

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
        /// The server's `error` (or `alert`) text, cut to
        /// [`REJECTION_TEXT_CAPACITY`] bytes at a character boundary.
        text: heapless::String<REJECTION_TEXT_CAPACITY>,
    },
    /// The peer sent too many messages that were not the awaited answer.
    NoAnswer,
}

impl<E> Error<E> {
    /// Whether the connection can still be used: the error concerned one
    /// message (or one answer), not the stream.
    pub fn is_recoverable(&self) -> bool {
        matches!(
            self,
            Error::Frame(_) | Error::Decode(_) | Error::Encode(_) | Error::Rejected { .. }
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
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

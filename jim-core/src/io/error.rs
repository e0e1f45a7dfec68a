//! [`Error`]: what a connection can fail with.

use core::fmt;

use crate::client::ClientError;
use crate::code::StatusCode;
use crate::error::{DecodeError, EncodeError, FrameError};

/// An error of a [`Connection`](crate::io::Connection) or
/// [`asynch::Connection`](crate::asynch::Connection); `E` is the transport's.
///
/// Small (a few bytes beside `E`) and borrowing nothing: it is moved
/// through every `?` of the connection's code, which on a device costs
/// flash in proportion to its size. What the server said with a refusal
/// stays in the receive buffer: see [`Error::Rejected`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// The server answered the handshake with a code outside 2xx. Its
    /// texts are in the answer, which `last_response()` of the connection
    /// or session decodes again from the receive buffer (until the next
    /// read).
    Rejected {
        /// The code.
        code: StatusCode,
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
    // One copy on bare metal, not one per `?`.
    #[cfg_attr(target_os = "none", inline(never))]
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
            Error::Rejected { code } => write!(f, "server answered {code}"),
            Error::NoAnswer => f.write_str("no answer from peer"),
            Error::TooManyPending => f.write_str("too many requests awaiting answers"),
        }
    }
}

impl<E: fmt::Debug> core::error::Error for Error<E> {}

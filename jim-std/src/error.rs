//! [`ClientError`]: why a [`Client`](crate::Client) or
//! [`Session`](crate::Session) call failed.

use std::fmt;
use std::io;

use jim_core::{EncodeError, StatusCode};

use crate::transport::is_timeout;

/// Why connecting, the handshake or a request failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// No connection could be made (refused, unreachable, bad address).
    Connect(io::Error),
    /// The server did not accept the connection or answer in time.
    Timeout,
    /// The server answered with a code outside 2xx.
    Rejected {
        /// The code.
        code: StatusCode,
        /// The server's `error` (or `alert`) text; empty if it sent none.
        text: String,
    },
    /// The server's bytes were not a JIM answer, or it closed the
    /// connection without answering.
    Protocol(String),
    /// The peer answered with something that is not JIM at all (an HTTP
    /// server, say); holds the start of what it sent, made printable.
    NotJim(String),
    /// The server wants a password (a course `511` challenge, or `401`
    /// to the presence) and none was given; nothing else was sent.
    PasswordRequired {
        /// The server's text, if any.
        text: String,
    },
    /// The connection is gone: the server closed it, the session quit,
    /// or reading failed. Requests waiting for an answer get this.
    Disconnected,
    /// The connection failed after it was made.
    Io(io::Error),
    /// The message to send is not valid JIM (an empty name, a status over
    /// 25 characters, a room without `#`, …); nothing was sent.
    Invalid(EncodeError),
}

impl ClientError {
    /// Classifies an error of a socket that is already connected.
    pub(crate) fn from_io(e: io::Error) -> Self {
        if is_timeout(&e) {
            ClientError::Timeout
        } else {
            ClientError::Io(e)
        }
    }

    /// Classifies an error of connecting.
    pub(crate) fn from_connect(e: io::Error) -> Self {
        if is_timeout(&e) {
            ClientError::Timeout
        } else {
            ClientError::Connect(e)
        }
    }

    /// The server's code, for [`Rejected`](ClientError::Rejected).
    pub fn code(&self) -> Option<StatusCode> {
        match self {
            ClientError::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// `true` when the connection is unusable after this error (as opposed
    /// to a refused or invalid request, after which the session goes on).
    pub fn is_fatal(&self) -> bool {
        !matches!(
            self,
            ClientError::Rejected { .. } | ClientError::Invalid(_) | ClientError::Timeout
        )
    }
}

impl From<jim_core::io::Error<io::Error>> for ClientError {
    fn from(e: jim_core::io::Error<io::Error>) -> Self {
        use jim_core::io::Error;
        match e {
            Error::Io(e) => ClientError::from_io(e),
            // The text is in the answer the connection still holds: the
            // caller that has it fills it in (see `Client::handshake`).
            Error::Rejected { code } => ClientError::Rejected {
                code,
                text: String::new(),
            },
            Error::Encode(e) => ClientError::Invalid(e),
            Error::WriteZero => ClientError::Io(io::ErrorKind::WriteZero.into()),
            Error::Disconnected | Error::DisconnectedMidMessage => {
                ClientError::Protocol("server closed the connection without answering".into())
            }
            other => ClientError::Protocol(other.to_string()),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect(e) => write!(f, "cannot connect: {e}"),
            ClientError::Timeout => f.write_str("timed out waiting for the server"),
            ClientError::Rejected { code, text } if text.is_empty() => {
                write!(f, "server answered {code}")
            }
            ClientError::Rejected { code, text } => write!(f, "server answered {code}: {text}"),
            ClientError::Protocol(what) => write!(f, "protocol error: {what}"),
            ClientError::NotJim(start) => {
                write!(f, "the peer does not speak JIM; it answered {start:?}")
            }
            ClientError::PasswordRequired { text } if text.is_empty() => {
                f.write_str("the server asks for a password")
            }
            ClientError::PasswordRequired { text } => {
                write!(f, "the server asks for a password: {text}")
            }
            ClientError::Disconnected => f.write_str("the connection is closed"),
            ClientError::Io(e) => write!(f, "connection error: {e}"),
            ClientError::Invalid(e) => write!(f, "cannot send: {e}"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect(e) | ClientError::Io(e) => Some(e),
            ClientError::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

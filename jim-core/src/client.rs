//! The client, sans IO.
//!
//! - [`Client`]: the chat client's state — answers matched to requests in
//!   order, relayed messages told apart from answers, probes recognised —
//!   fed one frame at a time. [`io::Session`](crate::io::Session) and
//!   [`asynch::Session`](crate::asynch::Session) drive it over a transport.
//! - The handshake alone (which frame is the answer, and what it means),
//!   driven by [`io::Connection::handshake`](crate::io::Connection::handshake)
//!   and its async twin: the smallest client there is.

mod engine;

pub(crate) use engine::response_of;
pub use engine::{Client, ClientError, Event, Request, Ticket, MAX_PENDING};

use crate::decode::Head;
use crate::encode::{Encode, Escaping};
use crate::error::EncodeError;
use crate::framer::{FrameRange, Framer};
use crate::io::Error;
use crate::message::Response;

/// Frames a server may send before its answer (a `probe`, a relayed
/// `msg`, something malformed) that the handshake skips before giving up.
pub const MAX_SKIPPED_BEFORE_ANSWER: u8 = 8;

/// State of one handshake: how many frames were skipped so far.
pub(crate) struct Handshake {
    skipped: u8,
}

impl Handshake {
    pub fn new() -> Self {
        Handshake { skipped: 0 }
    }

    /// `Ok(Some(range))` if `frame` is the server's response. A `probe`,
    /// a relayed `msg` or bytes the framer skipped (a banner line, say)
    /// are passed over, up to [`MAX_SKIPPED_BEFORE_ANSWER`] times: lenient
    /// in what we accept, but never forever. A malformed object is an
    /// error: it stood where the answer was due. (A range, not the frame:
    /// the caller borrows the frame again only to return the answer.)
    pub fn answer<E, const N: usize>(
        &mut self,
        frame: FrameRange,
        framer: &Framer<N>,
    ) -> Result<Option<(usize, usize)>, Error<E>> {
        if let Ok((start, end)) = frame {
            // Filled in place: no `Head` moved out of a `Result`.
            let mut head = Head::<()>::new();
            head.read_response(framer.slice(start, end))?;
            if head.response.is_some() {
                return Ok(Some((start, end)));
            }
        }
        self.skipped += 1;
        if self.skipped > MAX_SKIPPED_BEFORE_ANSWER {
            return Err(Error::NoAnswer);
        }
        Ok(None)
    }

    /// Decodes the answer: a 2xx is the result, any other code an error.
    pub fn finish<E>(self, frame: &[u8]) -> Result<Response<'_>, Error<E>> {
        let response = Response::decode(frame)?;
        if response.code.is_success() {
            return Ok(response);
        }
        Err(Error::Rejected {
            code: response.code,
        })
    }
}

/// Encodes `message` into `out` followed by `\n` and returns the bytes.
pub(crate) fn encode_line<'o, M: Encode + ?Sized>(
    out: &'o mut [u8],
    escaping: Escaping,
    message: &M,
) -> Result<&'o [u8], EncodeError> {
    // Leave room for the newline.
    let body = out.len().checked_sub(1).ok_or(EncodeError::BufferFull)?;
    let n = message.encode_with(out.get_mut(..body).unwrap_or_default(), escaping)?;
    let newline = out.get_mut(n).ok_or(EncodeError::BufferFull)?;
    *newline = b'\n';
    out.get(..=n).ok_or(EncodeError::BufferFull)
}

/// The error for a read of 0 bytes (end of stream).
pub(crate) fn eof_error<E, const N: usize>(framer: &Framer<N>) -> Error<E> {
    if framer.is_mid_object() {
        Error::DisconnectedMidMessage
    } else {
        Error::Disconnected
    }
}

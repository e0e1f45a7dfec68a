//! Blocking connection over any [`embedded_io::Read`] + [`embedded_io::Write`].
//!
//! Thin on purpose: the framer, decoder, encoder, handshake logic and server
//! step are all sans-IO; this only moves bytes between them and a transport.
//! The async twin is [`crate::asynch`].
//!
//! - [`Connection`]: frames in, messages out, the handshake alone, and a
//!   server's [`serve_one`](Connection::serve_one).
//! - [`Session`]: the chat client (rooms, messages, answers matched to
//!   requests, probes answered) on top of the sans-IO
//!   [`client::Client`].

mod error;
mod session;

use embedded_io::{Read, Write};

pub use error::Error;
pub use session::Session;

use crate::client::{self, Handshake};
use crate::decode::decode;
use crate::encode::{Encode, Escaping};
use crate::framer::{FrameRange, Framer};
use crate::limits::MAX_MESSAGE;
use crate::message::{Message, Presence, Response};
use crate::server::{self, Step};

/// A JIM connection over a blocking transport, with a receive buffer and a
/// send buffer of `N` bytes each (default 640) and nothing on the heap.
///
/// ```
/// use jim_core::io::Connection;
/// use jim_core::{Message, Presence, Encode};
///
/// // An in-memory "server" that has already answered.
/// let reply = br#"{"response": 200, "alert": "OK"}"#;
/// let transport = Duplex { input: &reply[..], output: [0; 256], written: 0 };
/// let mut conn: Connection<_> = Connection::new(transport);
/// let response = conn.handshake(&Presence::new("alice").at(1)).unwrap();
/// assert_eq!(response.code.as_u16(), 200);
/// assert!(conn.transport().written().starts_with(br#"{"action":"presence","time":1,"#));
///
/// # struct Duplex<'a> { input: &'a [u8], output: [u8; 256], written: usize }
/// # impl Duplex<'_> { fn written(&self) -> &[u8] { &self.output[..self.written] } }
/// # impl embedded_io::ErrorType for Duplex<'_> { type Error = core::convert::Infallible; }
/// # impl embedded_io::Read for Duplex<'_> {
/// #     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> { self.input.read(buf).map_err(|e| match e {}) }
/// # }
/// # impl embedded_io::Write for Duplex<'_> {
/// #     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
/// #         let n = buf.len().min(self.output.len() - self.written);
/// #         self.output[self.written..self.written + n].copy_from_slice(&buf[..n]);
/// #         self.written += n; Ok(n)
/// #     }
/// #     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
/// # }
/// ```
pub struct Connection<T, const N: usize = MAX_MESSAGE> {
    transport: T,
    framer: Framer<N>,
    out: [u8; N],
    escaping: Escaping,
    /// Where the last object read lies in the framer; empty once the
    /// buffer has moved on.
    last: (usize, usize),
}

impl<T, const N: usize> Connection<T, N> {
    /// Wraps a connected transport.
    pub fn new(transport: T) -> Self {
        Connection {
            transport,
            framer: Framer::new(),
            out: [0; N],
            escaping: Escaping::Ascii,
            last: (0, 0),
        }
    }

    /// Sets how non-ASCII characters are sent (default: `\uXXXX`).
    pub fn set_escaping(&mut self, escaping: Escaping) {
        self.escaping = escaping;
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The transport, mutably (to set timeouts, say).
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }

    /// The last object read, if it was a response, decoded again from the
    /// receive buffer: after [`Error::Rejected`], the server's answer with
    /// its texts ([`Response::text`]). `None` once more input has been read.
    pub fn last_response(&self) -> Option<Response<'_>> {
        let (start, end) = self.last;
        Response::decode(self.framer.slice(start, end)).ok()
    }
}

impl<T: Read + Write, const N: usize> Connection<T, N> {
    /// Encodes `message` and writes it, with a trailing newline, in one
    /// write call where the transport allows.
    pub fn send<M: Encode + ?Sized>(&mut self, message: &M) -> Result<(), Error<T::Error>> {
        send_on(&mut self.transport, &mut self.out, self.escaping, message)
    }

    /// Reads until the framer has an object (or a stream error) and returns
    /// its range, so callers can borrow the buffer afterwards.
    fn next_range(&mut self) -> Result<FrameRange, Error<T::Error>> {
        loop {
            if let Some(frame) = self.framer.next_range() {
                if let Ok(range) = frame {
                    self.last = range;
                }
                return Ok(frame);
            }
            // Reading may move what the framer holds.
            self.last = (0, 0);
            let n = self
                .transport
                .read(self.framer.space())
                .map_err(Error::Io)?;
            if n == 0 {
                return Err(client::eof_error(&self.framer));
            }
            self.framer.commit(n);
        }
    }

    /// The next complete JSON object from the peer.
    ///
    /// A stream error ([`Error::Frame`]) concerns one object only: the framer
    /// has skipped it and the next call reads on.
    pub fn receive_frame(&mut self) -> Result<&[u8], Error<T::Error>> {
        let (start, end) = self.next_range()??;
        Ok(self.framer.slice(start, end))
    }

    /// The next message from the peer.
    pub fn receive(&mut self) -> Result<Message<'_>, Error<T::Error>> {
        Ok(decode(self.receive_frame()?)?)
    }

    /// Client side: sends `presence`, awaits the server's response and
    /// returns it. A code outside 2xx is [`Error::Rejected`]; a `probe`,
    /// another message or bytes that are not an object before the answer
    /// are skipped
    /// (at most [`MAX_SKIPPED_BEFORE_ANSWER`](crate::client::MAX_SKIPPED_BEFORE_ANSWER) times).
    pub fn handshake(&mut self, presence: &Presence<'_>) -> Result<Response<'_>, Error<T::Error>> {
        self.send(presence)?;
        let mut handshake = Handshake::new();
        loop {
            let frame = self.next_range()?;
            if let Some((start, end)) = handshake.answer(frame, &self.framer)? {
                return handshake.finish(self.framer.slice(start, end));
            }
        }
    }

    /// Server side: reads one message, works out the answer, sends it, and
    /// returns what happened. Bad input is answered with a `400` and
    /// reported in the [`Step`]; only transport failures and disconnects are
    /// errors.
    pub fn serve_one(&mut self, unix_seconds: u64) -> Result<Step<'_>, Error<T::Error>> {
        let frame = self.next_range()?;
        let frame = frame.map(|(start, end)| self.framer.slice(start, end));
        let step = server::step(frame, unix_seconds);
        if let Some(response) = &step.response {
            send_on(&mut self.transport, &mut self.out, self.escaping, response)?;
        }
        Ok(step)
    }
}

/// Encodes into `out` and writes it all.
fn send_on<T: Write, M: Encode + ?Sized>(
    transport: &mut T,
    out: &mut [u8],
    escaping: Escaping,
    message: &M,
) -> Result<(), Error<T::Error>> {
    let mut pending = client::encode_line(out, escaping, message)?;
    while !pending.is_empty() {
        let n = transport.write(pending).map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::WriteZero);
        }
        pending = pending.get(n..).unwrap_or_default();
    }
    transport.flush().map_err(Error::Io)
}

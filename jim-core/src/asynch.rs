//! Async connection over any [`embedded_io_async::Read`] +
//! [`embedded_io_async::Write`] (an embassy-net `TcpSocket`, say).
//!
//! The twin of [`crate::io`], with the same sans-IO core underneath.

use embedded_io_async::{Read, Write};

use crate::client::{self, Handshake};
use crate::decode::decode;
use crate::encode::{Encode, Escaping};
use crate::framer::{FrameRange, Framer};
use crate::io::Error;
use crate::limits::MAX_MESSAGE;
use crate::message::{Message, Presence, Response};
use crate::server::{self, Step};

/// A JIM connection over an async transport; see
/// [`io::Connection`](crate::io::Connection) for the blocking twin.
///
/// ```
/// # use core::{future::Future, pin::pin, task::{Context, Poll, Waker}};
/// use jim_core::asynch::Connection;
/// use jim_core::Presence;
///
/// # fn block_on<F: Future>(f: F) -> F::Output {
/// #     let mut f = pin!(f);
/// #     let mut cx = Context::from_waker(Waker::noop());
/// #     loop { if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// # struct Duplex<'a> { input: &'a [u8] }
/// # impl embedded_io_async::ErrorType for Duplex<'_> { type Error = core::convert::Infallible; }
/// # impl embedded_io_async::Read for Duplex<'_> {
/// #     async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
/// #         embedded_io::Read::read(&mut self.input, buf).map_err(|e| match e {})
/// #     }
/// # }
/// # impl embedded_io_async::Write for Duplex<'_> {
/// #     async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> { Ok(buf.len()) }
/// #     async fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
/// # }
/// let transport = Duplex { input: br#"{"response":200,"time":1,"alert":"OK"}"# };
/// let mut conn: Connection<_> = Connection::new(transport);
/// let response = block_on(conn.handshake(&Presence::new("sensor-7"))).unwrap();
/// assert_eq!(response.alert.unwrap(), "OK");
/// ```
pub struct Connection<T, const N: usize = MAX_MESSAGE> {
    transport: T,
    framer: Framer<N>,
    out: [u8; N],
    escaping: Escaping,
}

impl<T, const N: usize> Connection<T, N> {
    /// Wraps a connected transport.
    pub fn new(transport: T) -> Self {
        Connection {
            transport,
            framer: Framer::new(),
            out: [0; N],
            escaping: Escaping::Ascii,
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

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.transport
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.transport
    }
}

impl<T: Read + Write, const N: usize> Connection<T, N> {
    /// Encodes `message` and writes it with a trailing newline.
    pub async fn send<M: Encode + ?Sized>(&mut self, message: &M) -> Result<(), Error<T::Error>> {
        send_on(&mut self.transport, &mut self.out, self.escaping, message).await
    }

    async fn next_range(&mut self) -> Result<FrameRange, Error<T::Error>> {
        loop {
            if let Some(frame) = self.framer.next_range() {
                return Ok(frame);
            }
            let n = self
                .transport
                .read(self.framer.space())
                .await
                .map_err(Error::Io)?;
            if n == 0 {
                return Err(client::eof_error(&self.framer));
            }
            self.framer.commit(n);
        }
    }

    /// The next complete JSON object from the peer.
    pub async fn receive_frame(&mut self) -> Result<&[u8], Error<T::Error>> {
        let (start, end) = self.next_range().await??;
        Ok(self.framer.slice(start, end))
    }

    /// The next message from the peer.
    pub async fn receive(&mut self) -> Result<Message<'_>, Error<T::Error>> {
        Ok(decode(self.receive_frame().await?)?)
    }

    /// Client side: sends `presence` and returns the server's 2xx answer;
    /// see [`io::Connection::handshake`](crate::io::Connection::handshake).
    pub async fn handshake(
        &mut self,
        presence: &Presence<'_>,
    ) -> Result<Response<'_>, Error<T::Error>> {
        self.send(presence).await?;
        let mut handshake = Handshake::new();
        loop {
            let frame = self.next_range().await?;
            if handshake.is_answer(frame.map(|(start, end)| self.framer.slice(start, end)))? {
                if let Ok((start, end)) = frame {
                    return handshake.finish(self.framer.slice(start, end));
                }
            }
        }
    }

    /// Server side: reads one message, sends the answer, returns the step;
    /// see [`io::Connection::serve_one`](crate::io::Connection::serve_one).
    pub async fn serve_one(&mut self, unix_seconds: u64) -> Result<Step<'_>, Error<T::Error>> {
        let frame = self.next_range().await?;
        let frame = frame.map(|(start, end)| self.framer.slice(start, end));
        let step = server::step(frame, unix_seconds);
        if let Some(response) = &step.response {
            send_on(&mut self.transport, &mut self.out, self.escaping, response).await?;
        }
        Ok(step)
    }
}

async fn send_on<T: Write, M: Encode + ?Sized>(
    transport: &mut T,
    out: &mut [u8],
    escaping: Escaping,
    message: &M,
) -> Result<(), Error<T::Error>> {
    let mut pending = client::encode_line(out, escaping, message)?;
    while !pending.is_empty() {
        let n = transport.write(pending).await.map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::WriteZero);
        }
        pending = pending.get(n..).unwrap_or_default();
    }
    transport.flush().await.map_err(Error::Io)
}

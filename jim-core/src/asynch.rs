//! Async connection over any [`embedded_io_async::Read`] +
//! [`embedded_io_async::Write`] (an embassy-net `TcpSocket`, say).
//!
//! The twin of [`crate::io`], with the same sans-IO core underneath:
//! [`Connection`] (frames, the handshake alone, `serve_one`) and
//! [`Session`] (the chat client).

use embedded_io_async::{Read, Write};

use crate::client::{
    self, Client, ClientError, Event, Handshake, Request, Ticket, MAX_SKIPPED_BEFORE_ANSWER,
};
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

    /// The transport, mutably.
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
    /// Encodes `message` and writes it with a trailing newline.
    pub async fn send<M: Encode + ?Sized>(&mut self, message: &M) -> Result<(), Error<T::Error>> {
        send_on(&mut self.transport, &mut self.out, self.escaping, message).await
    }

    async fn next_range(&mut self) -> Result<FrameRange, Error<T::Error>> {
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
            if let Some((start, end)) = handshake.answer(frame, &self.framer)? {
                return handshake.finish(self.framer.slice(start, end));
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

/// The chat client over an async transport (an embassy-net `TcpSocket`,
/// say); see [`io::Session`](crate::io::Session) for the blocking twin.
/// Same sans-IO [`Client`] underneath, same methods, `async`.
///
/// Cancel safety: [`next_event`](Session::next_event) may be dropped while
/// it waits for input (to post a reading on a timer, say) if the
/// transport's `read` is cancel-safe, as embassy-net's is; nothing is lost.
/// Dropping a future while it writes may leave half a message on the wire.
///
/// ```
/// # use core::{future::Future, pin::pin, task::{Context, Poll, Waker}};
/// use jim_core::asynch::Session;
/// use jim_core::client::Event;
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
/// let script = concat!(
///     r#"{"response":200}"#,
///     r#"{"action":"msg","to":"sensor-7","from":"bob","message":"ping"}"#,
///     r#"{"response":200}"#,
/// );
/// let mut session: Session<_> = Session::new(Duplex { input: script.as_bytes() }, Presence::new("sensor-7"));
/// block_on(async {
///     session.handshake().await.unwrap();
///     let reading = session.send_to("#sensors", "reading 1").await.unwrap();
///     let Event::Message(m) = session.next_event().await.unwrap() else { panic!() };
///     assert_eq!(m.message, "ping");
///     let answer = session.wait_for(reading, |_| {}).await.unwrap();
///     assert!(answer.code.is_success());
/// });
/// ```
pub struct Session<'p, T, const N: usize = MAX_MESSAGE> {
    conn: Connection<T, N>,
    client: Client<'p>,
}

impl<'p, T, const N: usize> Session<'p, T, N> {
    /// A session over a connected transport that will announce itself
    /// with `presence`.
    pub fn new(transport: T, presence: Presence<'p>) -> Self {
        Session {
            conn: Connection::new(transport),
            client: Client::new(presence),
        }
    }

    /// Sets how non-ASCII characters are sent (default: `\uXXXX`).
    pub fn set_escaping(&mut self, escaping: Escaping) {
        self.conn.escaping = escaping;
    }

    /// The sans-IO state: pending answers, the presence.
    pub fn client(&self) -> &Client<'p> {
        &self.client
    }

    /// The sans-IO state, mutably (to update the presence's time, say).
    pub fn client_mut(&mut self) -> &mut Client<'p> {
        &mut self.client
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.conn.transport
    }

    /// The transport, mutably.
    pub fn transport_mut(&mut self) -> &mut T {
        &mut self.conn.transport
    }

    /// Gives the transport back.
    pub fn into_inner(self) -> T {
        self.conn.transport
    }

    /// The last object read, if it was a response, decoded again from the
    /// receive buffer: after [`Error::Rejected`], the server's answer with
    /// its texts ([`Response::text`]). `None` once more input has been read.
    pub fn last_response(&self) -> Option<Response<'_>> {
        self.conn.last_response()
    }
}

impl<T: Read + Write, const N: usize> Session<'_, T, N> {
    /// Sends the presence and blocks until its answer: a 2xx is returned,
    /// any other code is [`Error::Rejected`]. A probe before it is
    /// answered; anything else before it is dropped (a server relays
    /// nothing to a client that has not announced itself).
    pub async fn handshake(&mut self) -> Result<Response<'_>, Error<T::Error>> {
        self.client.reset();
        self.conn.framer.reset();
        self.conn.last = (0, 0);
        let (ticket, bytes) = self.client.hello(&mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes).await?;
        let response = self.wait_for(ticket, |_| {}).await?;
        if !response.code.is_success() {
            return Err(Error::Rejected {
                code: response.code,
            });
        }
        Ok(response)
    }

    /// Sends `message`, whose answer (of kind `request`) will come as an
    /// [`Event::Answer`] with the returned ticket.
    pub async fn request<M: Encode + ?Sized>(
        &mut self,
        request: Request,
        message: &M,
    ) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) =
            self.client
                .request(request, message, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes).await?;
        Ok(ticket)
    }

    /// Joins `room` (`#name`).
    pub async fn join(&mut self, room: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) = self
            .client
            .join(room, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes).await?;
        Ok(ticket)
    }

    /// Leaves `room`.
    pub async fn leave(&mut self, room: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) = self
            .client
            .leave(room, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes).await?;
        Ok(ticket)
    }

    /// Sends `text` to `to`, an account or a `#room`, from the session's
    /// account.
    pub async fn send_to(&mut self, to: &str, text: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) =
            self.client
                .send_to(to, text, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes).await?;
        Ok(ticket)
    }

    /// Blocks until the next frame and returns what it was. A probe has
    /// been answered when [`Event::Probe`] is returned. A frame that is not
    /// a usable message is a recoverable error ([`Error::Frame`],
    /// [`Error::Decode`]): call again.
    pub async fn next_event(&mut self) -> Result<Event<'_>, Error<T::Error>> {
        let (start, end) = self.conn.next_range().await?.map_err(Error::Frame)?;
        let event = self
            .client
            .feed_object(self.conn.framer.slice(start, end))?;
        if !matches!(event, Event::Probe) {
            return Ok(event);
        }
        // Nothing of the event is held across the write: the future stays
        // small (a probe carries nothing to return).
        match self
            .client
            .probe_reply(&mut self.conn.out, self.conn.escaping)
        {
            Ok((_, reply)) => write_all(&mut self.conn.transport, reply).await?,
            // Requests in flight show the server we are alive.
            Err(ClientError::TooManyPending) => {}
            Err(e) => return Err(e.into()),
        }
        Ok(Event::Probe)
    }

    /// Blocks until the answer to `ticket` and returns it, whatever its
    /// code; everything that arrives before it goes to `on_event` (probes
    /// answered already). Frames that are not usable messages are skipped,
    /// up to [`MAX_SKIPPED_BEFORE_ANSWER`] of them. [`Error::NoAnswer`] if
    /// `ticket` awaits no answer (answered already, or never sent), or
    /// after too many unusable frames.
    pub async fn wait_for(
        &mut self,
        ticket: Ticket,
        mut on_event: impl FnMut(Event<'_>),
    ) -> Result<Response<'_>, Error<T::Error>> {
        // One loop over `next_event`, so that reading, dispatch and the
        // probe's answer exist once (in flash, too).
        let mut skipped = 0u8;
        loop {
            if !self.client.awaits(ticket) {
                return Err(Error::NoAnswer);
            }
            match self.next_event().await {
                Ok(Event::Answer { ticket: t, .. }) if t == ticket => break,
                Ok(event) => on_event(event),
                Err(Error::Frame(_) | Error::Decode(_)) => {
                    skipped += 1;
                    if skipped > MAX_SKIPPED_BEFORE_ANSWER {
                        return Err(Error::NoAnswer);
                    }
                }
                Err(e) => return Err(e),
            }
        }
        let (start, end) = self.conn.last;
        Ok(client::response_of(self.conn.framer.slice(start, end))?)
    }
}

/// Writes all of `bytes`, then flushes.
async fn write_all<T: Write>(transport: &mut T, mut bytes: &[u8]) -> Result<(), Error<T::Error>> {
    while !bytes.is_empty() {
        let n = transport.write(bytes).await.map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::WriteZero);
        }
        bytes = bytes.get(n..).unwrap_or_default();
    }
    transport.flush().await.map_err(Error::Io)
}

//! [`Session`]: the chat client over a blocking transport.

use embedded_io::{Read, Write};

use super::{Connection, Error};
use crate::client::{self, Client, ClientError, Event, Request, Ticket, MAX_SKIPPED_BEFORE_ANSWER};
use crate::encode::{Encode, Escaping};
use crate::limits::MAX_MESSAGE;
use crate::message::{Presence, Response};

/// A chat client over a blocking transport: the sans-IO
/// [`Client`](crate::client::Client) on a [`Connection`] (its two `N`-byte
/// buffers and nothing on the heap).
///
/// After the [`handshake`](Session::handshake): [`join`](Session::join)
/// and [`leave`](Session::leave) rooms, [`send_to`](Session::send_to) an
/// account or a room, and read what arrives with
/// [`next_event`](Session::next_event): answers (matched to requests in
/// order), relayed messages, notices. Probes are answered with the
/// session's presence before the event is returned. To block until one
/// request's answer is in, [`wait_for`](Session::wait_for) hands
/// everything that arrives before it to a closure.
///
/// ```
/// use jim_core::client::Event;
/// use jim_core::io::Session;
/// use jim_core::Presence;
///
/// // A scripted server: the presence's answer, a probe, a relayed room
/// // message that arrives before the join's answer, the join's answer,
/// // then a direct message.
/// let script = concat!(
///     r#"{"response":200}"#, "\n",
///     r#"{"action":"probe","time":5}"#, "\n",
///     r##"{"action":"msg","to":"#sensors","from":"bob","message":"hello"}"##, "\n",
///     r#"{"response":200,"alert":"joined"}"#, "\n",
///     r#"{"action":"msg","to":"sensor-7","from":"bob","message":"ping"}"#, "\n",
/// );
/// let transport = Duplex { input: script.as_bytes(), output: [0; 512], written: 0 };
/// let mut session: Session<_> = Session::new(transport, Presence::new("sensor-7").at(1));
/// session.handshake().unwrap();
///
/// let join = session.join("#sensors").unwrap();
/// let mut relayed = 0;
/// let answer = session
///     .wait_for(join, |event| if let Event::Message(m) = event { assert_eq!(m.message, "hello"); relayed += 1 })
///     .unwrap();
/// assert_eq!(answer.alert.unwrap(), "joined");
/// assert_eq!(relayed, 1);
///
/// let Event::Message(ping) = session.next_event().unwrap() else { panic!() };
/// assert_eq!((ping.from.unwrap(), ping.message), ("bob".into(), "ping".into()));
/// session.send_to("bob", "pong").unwrap();
///
/// // What the client wrote: presence, join, the probe's presence, pong.
/// let sent = core::str::from_utf8(session.transport().written()).unwrap();
/// let actions: Vec<&str> = sent.lines().map(|l| &l[11..l[11..].find('"').unwrap() + 11]).collect();
/// assert_eq!(actions, ["presence", "join", "presence", "msg"]);
/// assert!(sent.ends_with("{\"action\":\"msg\",\"time\":1,\"to\":\"bob\",\"from\":\"sensor-7\",\"message\":\"pong\"}\n"));
///
/// # struct Duplex<'a> { input: &'a [u8], output: [u8; 512], written: usize }
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
    pub fn handshake(&mut self) -> Result<Response<'_>, Error<T::Error>> {
        self.client.reset();
        self.conn.framer.reset();
        self.conn.last = (0, 0);
        let (ticket, bytes) = self.client.hello(&mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes)?;
        let response = self.wait_for(ticket, |_| {})?;
        if !response.code.is_success() {
            return Err(Error::Rejected {
                code: response.code,
            });
        }
        Ok(response)
    }

    /// Sends `message`, whose answer (of kind `request`) will come as an
    /// [`Event::Answer`] with the returned ticket.
    pub fn request<M: Encode + ?Sized>(
        &mut self,
        request: Request,
        message: &M,
    ) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) =
            self.client
                .request(request, message, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes)?;
        Ok(ticket)
    }

    /// Joins `room` (`#name`).
    pub fn join(&mut self, room: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) = self
            .client
            .join(room, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes)?;
        Ok(ticket)
    }

    /// Leaves `room`.
    pub fn leave(&mut self, room: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) = self
            .client
            .leave(room, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes)?;
        Ok(ticket)
    }

    /// Sends `text` to `to`, an account or a `#room`, from the session's
    /// account.
    pub fn send_to(&mut self, to: &str, text: &str) -> Result<Ticket, Error<T::Error>> {
        let (ticket, bytes) =
            self.client
                .send_to(to, text, &mut self.conn.out, self.conn.escaping)?;
        write_all(&mut self.conn.transport, bytes)?;
        Ok(ticket)
    }

    /// Blocks until the next frame and returns what it was. A probe has
    /// been answered when [`Event::Probe`] is returned. A frame that is not
    /// a usable message is a recoverable error ([`Error::Frame`],
    /// [`Error::Decode`]): call again.
    pub fn next_event(&mut self) -> Result<Event<'_>, Error<T::Error>> {
        let (start, end) = self.conn.next_range()?.map_err(Error::Frame)?;
        let event = self
            .client
            .feed_object(self.conn.framer.slice(start, end))?;
        if let Event::Probe = event {
            match self
                .client
                .probe_reply(&mut self.conn.out, self.conn.escaping)
            {
                Ok((_, reply)) => write_all(&mut self.conn.transport, reply)?,
                // Requests in flight show the server we are alive.
                Err(ClientError::TooManyPending) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(event)
    }

    /// Blocks until the answer to `ticket` and returns it, whatever its
    /// code; everything that arrives before it goes to `on_event` (probes
    /// answered already). Frames that are not usable messages are skipped,
    /// up to [`MAX_SKIPPED_BEFORE_ANSWER`] of them. [`Error::NoAnswer`] if
    /// `ticket` awaits no answer (answered already, or never sent), or
    /// after too many unusable frames.
    pub fn wait_for(
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
            match self.next_event() {
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
fn write_all<T: Write>(transport: &mut T, mut bytes: &[u8]) -> Result<(), Error<T::Error>> {
    while !bytes.is_empty() {
        let n = transport.write(bytes).map_err(Error::Io)?;
        if n == 0 {
            return Err(Error::WriteZero);
        }
        bytes = bytes.get(n..).unwrap_or_default();
    }
    transport.flush().map_err(Error::Io)
}

//! [`Client`]: the chat client's state, sans IO.

use core::fmt;

use crate::decode::head::ChatFields;
use crate::decode::Head;
use crate::encode::{opening, Encode, Escaping, JsonWriter};
use crate::error::{DecodeError, EncodeError, FrameError};
use crate::message::{ChatMessage, Presence, Response, Room};

/// How many requests may await their answers at once.
pub const MAX_PENDING: usize = 8;

/// The kind of a request whose answer a [`Client`] awaits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Request {
    /// The `presence` that opens the session (the handshake).
    Presence,
    /// `join` a room.
    Join,
    /// `leave` a room.
    Leave,
    /// `msg` to an account or a room.
    Msg,
    /// The presence that answered a `probe` (servers answer a presence,
    /// this one too).
    Probe,
    /// Anything else sent with [`Client::request`].
    Other,
}

/// Names one request, to match its answer: tickets count up from 0 in the
/// order the requests were written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Ticket(pub u32);

/// What one frame from the server amounted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Event<'a> {
    /// The answer to the oldest request still awaiting one.
    Answer {
        /// Which request.
        ticket: Ticket,
        /// Its kind.
        request: Request,
        /// The answer, whatever its code.
        response: Response<'a>,
    },
    /// A chat message relayed by the server (to us or to a room we are
    /// in; `history` is set on replayed ones).
    Message(ChatMessage<'a>),
    /// The server's `probe`. The sessions answer it with the client's
    /// presence before they return this event (its own answer comes later
    /// as an [`Event::Answer`] to a [`Request::Probe`]); a sans-IO caller
    /// sends [`Client::probe_reply`].
    Probe,
    /// A notice (`1xx`, `205`) or a response while no request awaited
    /// one: not an answer to anything.
    Notice(Response<'a>),
    /// A valid message with an action a chat client has no use for
    /// (its `action`); skipped.
    Ignored(&'a str),
}

/// What the sans-IO [`Client`] can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ClientError {
    /// The stream carried something that is not a usable JSON object; the
    /// framer skipped it.
    Frame(FrameError),
    /// A frame was not a valid message; skipped.
    Decode(DecodeError),
    /// A message to send could not be encoded; nothing is to be sent.
    Encode(EncodeError),
    /// [`MAX_PENDING`] requests already await their answers; nothing is to
    /// be sent.
    TooManyPending,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Frame(e) => write!(f, "bad stream: {e}"),
            ClientError::Decode(e) => write!(f, "bad message: {e}"),
            ClientError::Encode(e) => write!(f, "cannot encode: {e}"),
            ClientError::TooManyPending => f.write_str("too many requests awaiting answers"),
        }
    }
}

impl core::error::Error for ClientError {}

impl From<EncodeError> for ClientError {
    fn from(e: EncodeError) -> Self {
        ClientError::Encode(e)
    }
}

impl From<DecodeError> for ClientError {
    fn from(e: DecodeError) -> Self {
        ClientError::Decode(e)
    }
}

/// A chat client's state, without IO: which requests await answers (in
/// order: a JIM server answers requests in the order it got them), and
/// the presence it answers probes with.
///
/// Feed it every frame from the [`Framer`](crate::Framer) with
/// [`feed`](Client::feed): a `response` is matched to the oldest
/// outstanding request, a relayed `msg` is a [`Event::Message`] (never an
/// answer), a `probe` is [`Event::Probe`] and wants
/// [`probe_reply`](Client::probe_reply) written. Write what
/// [`hello`](Client::hello) and [`request`](Client::request) encode into
/// your buffer. [`io::Session`](crate::io::Session) and
/// [`asynch::Session`](crate::asynch::Session) do all that over a
/// transport.
///
/// ```
/// use jim_core::client::{Client, Event, Request, Ticket};
/// use jim_core::{Escaping, Presence};
///
/// let mut client = Client::new(Presence::new("sensor-7").at(1));
/// let mut out = [0u8; 128];
/// let (hello, bytes) = client.hello(&mut out, Escaping::Ascii).unwrap();
/// assert!(bytes.starts_with(br#"{"action":"presence""#));
/// let (join, bytes) = client.join("#sensors", &mut out, Escaping::Ascii).unwrap();
/// assert_eq!(bytes, b"{\"action\":\"join\",\"room\":\"#sensors\"}\n");
///
/// // The answers come in order; a relayed message in between is no answer.
/// let e = client.feed(Ok(br#"{"response":200}"#)).unwrap();
/// assert!(matches!(e, Event::Answer { ticket, request: Request::Presence, .. } if ticket == hello));
/// let e = client.feed(Ok(br##"{"action":"msg","to":"#sensors","from":"bob","message":"hi"}"##)).unwrap();
/// assert!(matches!(e, Event::Message(m) if m.message == "hi"));
/// let e = client.feed(Ok(br#"{"response":200}"#)).unwrap();
/// assert!(matches!(e, Event::Answer { ticket, request: Request::Join, .. } if ticket == join));
/// assert!(client.is_ready());
/// ```
#[derive(Debug, Clone)]
pub struct Client<'p> {
    presence: Presence<'p>,
    /// Kinds of the outstanding requests, oldest at `head`.
    pending: [Request; MAX_PENDING],
    head: u8,
    len: u8,
    /// The ticket of the oldest outstanding request (or the next one).
    oldest: u32,
    ready: bool,
}

impl<'p> Client<'p> {
    /// A client that will announce itself with `presence`.
    pub fn new(presence: Presence<'p>) -> Self {
        Client {
            presence,
            pending: [Request::Other; MAX_PENDING],
            head: 0,
            len: 0,
            oldest: 0,
            ready: false,
        }
    }

    /// The presence sent by [`hello`](Client::hello) and in answer to probes.
    pub fn presence(&self) -> &Presence<'p> {
        &self.presence
    }

    /// The presence, mutably (to update its `time`, say).
    pub fn presence_mut(&mut self) -> &mut Presence<'p> {
        &mut self.presence
    }

    /// `true` once the server has answered the presence with a 2xx.
    pub fn is_ready(&self) -> bool {
        self.ready
    }

    /// How many requests await their answers.
    pub fn pending(&self) -> usize {
        usize::from(self.len)
    }

    /// `true` while the request `ticket` awaits its answer.
    pub fn awaits(&self, ticket: Ticket) -> bool {
        ticket.0.wrapping_sub(self.oldest) < u32::from(self.len)
    }

    /// Forgets every outstanding request and the handshake: for a new
    /// connection. Tickets keep counting up.
    pub fn reset(&mut self) {
        self.oldest = self.oldest.wrapping_add(u32::from(self.len));
        self.head = 0;
        self.len = 0;
        self.ready = false;
    }

    /// Encodes the presence that opens the session, awaited as
    /// [`Request::Presence`].
    pub fn hello<'o>(
        &mut self,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        let presence = self.presence;
        self.request(Request::Presence, &presence, out, escaping)
    }

    /// Encodes `message` into `out` (with a trailing newline) and records
    /// that its answer, of kind `request`, is awaited. On an error nothing
    /// is recorded and nothing is to be sent.
    pub fn request<'o, M: Encode + ?Sized>(
        &mut self,
        request: Request,
        message: &M,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        if usize::from(self.len) >= MAX_PENDING {
            return Err(ClientError::TooManyPending);
        }
        let bytes = super::encode_line(out, escaping, message)?;
        let slot = (usize::from(self.head) + usize::from(self.len)) % MAX_PENDING;
        if let Some(kind) = self.pending.get_mut(slot) {
            *kind = request;
        }
        let ticket = Ticket(self.oldest.wrapping_add(u32::from(self.len)));
        self.len += 1;
        Ok((ticket, bytes))
    }

    /// Encodes a `join` of `room` (`#name`), awaited as [`Request::Join`].
    pub fn join<'o>(
        &mut self,
        room: &str,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        let change = RoomChange {
            room: Room::new(room),
            join: true,
        };
        self.request(Request::Join, &change, out, escaping)
    }

    /// Encodes a `leave` of `room`, awaited as [`Request::Leave`].
    pub fn leave<'o>(
        &mut self,
        room: &str,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        let change = RoomChange {
            room: Room::new(room),
            join: false,
        };
        self.request(Request::Leave, &change, out, escaping)
    }

    /// Encodes [`message(to, text)`](Client::message), awaited as
    /// [`Request::Msg`].
    pub fn send_to<'o>(
        &mut self,
        to: &str,
        text: &str,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        let message = self.message(to, text);
        self.request(Request::Msg, &message, out, escaping)
    }

    /// A chat message from this client's account to `to` (an account or
    /// a `#room`), with the presence's `time`.
    pub fn message<'m>(&self, to: &'m str, text: &'m str) -> ChatMessage<'m>
    where
        'p: 'm,
    {
        let mut message = ChatMessage::new(self.presence.user.account_name, to, text);
        message.time = self.presence.time;
        message
    }

    /// Encodes the presence that answers a probe, awaited as
    /// [`Request::Probe`]: a server answers it like any presence, and the
    /// answer must not be taken for another request's. With [`MAX_PENDING`]
    /// answers awaited already it is [`ClientError::TooManyPending`] and
    /// nothing is to be sent (a client with requests in flight has just
    /// shown the server it is alive).
    pub fn probe_reply<'o>(
        &mut self,
        out: &'o mut [u8],
        escaping: Escaping,
    ) -> Result<(Ticket, &'o [u8]), ClientError> {
        let presence = self.presence;
        self.request(Request::Probe, &presence, out, escaping)
    }

    /// What one frame from the [`Framer`](crate::Framer) means. Errors
    /// concern that frame only: the client can go on. What the client
    /// reads is checked as the server's decoder checks it; values it does
    /// not read are only delimited (as by [`Response::decode`]).
    pub fn feed<'f>(
        &mut self,
        frame: Result<&'f [u8], FrameError>,
    ) -> Result<Event<'f>, ClientError> {
        self.feed_object(frame.map_err(ClientError::Frame)?)
    }

    /// [`feed`](Client::feed) for a complete object (the sessions call it
    /// once their framer has one: no `Result` built to be matched again).
    pub(crate) fn feed_object<'f>(&mut self, frame: &'f [u8]) -> Result<Event<'f>, ClientError> {
        // One pass (the small one: values it does not keep are only
        // delimited) that keeps what an answer and a chat message have.
        let head = Head::chat(frame)?;
        Ok(match head.action {
            Some(verb @ ("msg" | "message")) => {
                Event::Message(ChatMessage::decode(verb, &head.fields, head.time)?)
            }
            Some("probe") => Event::Probe,
            Some(action) => Event::Ignored(action),
            None => {
                let response = response_from(&head)?;
                self.answer(response)
            }
        })
    }

    /// Matches `response` to the oldest outstanding request.
    fn answer<'f>(&mut self, response: Response<'f>) -> Event<'f> {
        let code = response.code;
        // A notice (1xx) is never an answer; nor is 205 ("refresh your
        // lists"), a push.
        if self.len == 0 || code.is_notice() || code.as_u16() == 205 {
            return Event::Notice(response);
        }
        let request = self
            .pending
            .get(usize::from(self.head))
            .copied()
            .unwrap_or(Request::Other);
        let ticket = Ticket(self.oldest);
        self.head = ((usize::from(self.head) + 1) % MAX_PENDING) as u8;
        self.len -= 1;
        self.oldest = self.oldest.wrapping_add(1);
        if request == Request::Presence && code.is_success() {
            self.ready = true;
        }
        Event::Answer {
            ticket,
            request,
            response,
        }
    }
}

/// Decodes a frame that [`Client::feed`] found to be an answer (a second
/// pass, without touching the client's state).
pub(crate) fn response_of(frame: &[u8]) -> Result<Response<'_>, ClientError> {
    Ok(response_from(&Head::chat(frame)?)?)
}

/// [`Response::from_head`] (which is `#[inline]`) in one place: `feed` and
/// `response_of` share it instead of each inlining a copy.
#[inline(never)]
fn response_from<'a>(head: &Head<'a, ChatFields<'a>>) -> Result<Response<'a>, DecodeError> {
    Response::from_head(head)
}

/// `join` or `leave` a room, as a message to send (a [`Room`] is the body
/// of both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoomChange<'a> {
    pub room: Room<'a>,
    pub join: bool,
}

impl Encode for RoomChange<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        let opening = if self.join {
            opening!("join")
        } else {
            opening!("leave")
        };
        self.room.write(w, opening)
    }
}

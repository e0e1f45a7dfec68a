//! The chat firmware (the default build): after the handshake it joins a
//! room (`#sensors` unless `-append` names another), posts a reading every
//! second (`reading N, uptime S s`), answers a direct `ping` with `pong` to
//! its sender, and stops on a direct `bye` (exit 0) or at its deadline
//! (exit 1). When the connection drops it reconnects — backing off 1 s,
//! 2 s, 4 s, then 8 s between attempts, and back to 1 s after a session
//! that got as far as joining — and rejoins.
//!
//! The protocol goes through [`Link`]: jim-core's [`asynch::Session`]
//! ([`JimLink`]), or, with the `no-jim` feature, fixed bytes and byte
//! searches ([`RawLink`]) so that `size-report.sh` can subtract and find
//! what jim-core's chat path costs.
//!
//! [`asynch::Session`]: jim_core::asynch::Session

use core::fmt::Write as _;

use embassy_net::tcp::TcpSocket;
use embassy_net::Stack;
use embassy_time::{with_deadline, Duration, Instant, Timer};
use jim_firmware::args::Args;
use jim_firmware::hprintln;

use crate::{endpoint, SOCKET_BUFFER};

/// Between readings.
const PERIOD: Duration = Duration::from_secs(1);
/// Longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// A TCP connection with unacknowledged data for this long is dead.
const TCP_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest account name in UTF-8 bytes (25 characters of up to 4 bytes).
const NAME_BYTES: usize = 100;

/// Something that arrived that the firmware acts on.
pub enum Incoming {
    /// Nothing to act on (an answer, a room message, a probe answered…).
    Nothing,
    /// A direct `ping`; its sender is kept for [`Link::pong`].
    Ping,
    /// A direct `bye`.
    Bye,
}

/// The connection is gone (or was refused); the reason has been printed.
pub struct Lost;

/// How the firmware speaks JIM over one TCP connection.
pub trait Link {
    /// Handshake, then send the `join` (its answer arrives later).
    async fn open(&mut self) -> Result<(), Lost>;
    /// Posts `text` to the room.
    async fn post(&mut self, text: &str) -> Result<(), Lost>;
    /// Waits for the next message from the server.
    async fn receive(&mut self) -> Result<Incoming, Lost>;
    /// Answers the last `ping` with `pong`.
    async fn pong(&mut self) -> Result<(), Lost>;
}

/// How one connection ended.
enum Ended {
    /// A direct `bye`: stop.
    Bye,
    /// Lost; `joined` if it got as far as the room.
    Lost { joined: bool },
}

/// Runs until `bye` (`true`) or the deadline (`false`).
pub async fn run(stack: Stack<'static>, args: &Args<'_>) -> bool {
    // The clock starts at the NIC's reset, just before the network comes up.
    let deadline = Instant::from_secs(args.deadline_secs);
    let mut readings = 0u32;
    let mut backoff = Duration::from_secs(1);
    loop {
        match with_deadline(deadline, connection(stack, args, &mut readings)).await {
            Ok(Ended::Bye) => return true,
            Ok(Ended::Lost { joined }) => {
                if joined {
                    backoff = Duration::from_secs(1);
                }
            }
            Err(_) => break,
        }
        hprintln!("jim: reconnecting in {} s", backoff.as_secs());
        if with_deadline(deadline, Timer::after(backoff))
            .await
            .is_err()
        {
            break;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    hprintln!(
        "jim: deadline ({} s) passed, {} readings posted",
        args.deadline_secs,
        readings
    );
    false
}

/// One connection: connect, open, then readings and messages until it
/// ends.
async fn connection(stack: Stack<'static>, args: &Args<'_>, readings: &mut u32) -> Ended {
    stack.wait_link_up().await;
    stack.wait_config_up().await;
    let mut rx = [0u8; SOCKET_BUFFER];
    let mut tx = [0u8; SOCKET_BUFFER];
    let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
    socket.set_timeout(Some(TCP_TIMEOUT));
    if let Err(e) = socket.connect(endpoint(args.server)).await {
        hprintln!("jim: cannot connect to {}: {:?}", args.server, e);
        return Ended::Lost { joined: false };
    }
    hprintln!("jim: connected to {}", args.server);
    #[cfg(not(feature = "no-jim"))]
    let mut link = JimLink::new(socket, args);
    #[cfg(feature = "no-jim")]
    let mut link = RawLink::new(socket, args);
    if link.open().await.is_err() {
        return Ended::Lost { joined: false };
    }
    hprintln!("jim: joining {}", args.room);
    let ended = chat(&mut link, readings).await;
    // Closing is best effort: the peer may be gone already.
    ended
}

/// Readings on the clock, and whatever arrives in between.
async fn chat<L: Link>(link: &mut L, readings: &mut u32) -> Ended {
    let mut next = Instant::now() + PERIOD;
    loop {
        // `receive` is cancel-safe while it waits for input, so the clock
        // can interrupt it.
        match with_deadline(next, link.receive()).await {
            Ok(Ok(Incoming::Nothing)) => {}
            Ok(Ok(Incoming::Ping)) => {
                if link.pong().await.is_err() {
                    return Ended::Lost { joined: true };
                }
                hprintln!("jim: ping -> pong");
            }
            Ok(Ok(Incoming::Bye)) => {
                hprintln!("jim: bye");
                return Ended::Bye;
            }
            Ok(Err(Lost)) => return Ended::Lost { joined: true },
            Err(_) => {
                *readings += 1;
                let mut text = Line::<48>::new();
                let _ = write!(
                    text,
                    "reading {}, uptime {} s",
                    readings,
                    Instant::now().as_secs()
                );
                if link.post(text.as_str()).await.is_err() {
                    return Ended::Lost { joined: true };
                }
                next += PERIOD;
                if next < Instant::now() {
                    next = Instant::now() + PERIOD;
                }
            }
        }
    }
}

/// A line of text in a fixed buffer; what does not fit is cut.
struct Line<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Line<N> {
    fn new() -> Self {
        Line {
            buf: [0; N],
            len: 0,
        }
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or_default()).unwrap_or_default()
    }
}

impl<const N: usize> core::fmt::Write for Line<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = (self.len + s.len()).min(N);
        let n = end - self.len;
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), s.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len = end;
        Ok(())
    }
}

/// jim-core's [`asynch::Session`](jim_core::asynch::Session).
#[cfg(not(feature = "no-jim"))]
pub struct JimLink<'a, 's> {
    session: jim_core::asynch::Session<'a, TcpSocket<'s>, { crate::JIM_BUFFER }>,
    room: &'a str,
    /// The last `ping`'s sender, UTF-8.
    peer: [u8; NAME_BYTES],
    peer_len: usize,
}

#[cfg(not(feature = "no-jim"))]
impl<'a, 's> JimLink<'a, 's> {
    /// A session over `socket` as `args.account`.
    pub fn new(socket: TcpSocket<'s>, args: &Args<'a>) -> Self {
        let presence = jim_core::Presence::new(args.account)
            .with_status("Online")
            .at(args.time);
        JimLink {
            session: jim_core::asynch::Session::new(socket, presence),
            room: args.room,
            peer: [0; NAME_BYTES],
            peer_len: 0,
        }
    }
}

#[cfg(not(feature = "no-jim"))]
impl Link for JimLink<'_, '_> {
    async fn open(&mut self) -> Result<(), Lost> {
        let result = self.session.handshake().await;
        #[cfg(not(feature = "terse"))]
        let ok = jim_firmware::report_handshake(result);
        #[cfg(feature = "terse")]
        let ok = crate::terse_report(result);
        if !ok {
            #[cfg(not(feature = "terse"))]
            jim_firmware::report_refusal(self.session.last_response());
            return Err(Lost);
        }
        let room = self.room;
        self.session.join(room).await.map_err(lost)?;
        Ok(())
    }

    async fn post(&mut self, text: &str) -> Result<(), Lost> {
        let room = self.room;
        match self.session.send_to(room, text).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_recoverable() => {
                say_error("reading not sent", &e);
                Ok(())
            }
            Err(e) => Err(lost(e)),
        }
    }

    async fn receive(&mut self) -> Result<Incoming, Lost> {
        use jim_core::client::{Event, Request};
        match self.session.next_event().await {
            // A direct message: to us, not through a room.
            Ok(Event::Message(m)) if !m.is_to_room() && m.room.is_none() && !m.history => {
                // Peers escape only non-ASCII characters: "ping" and "bye"
                // arrive plain, and a plain comparison links less.
                let text = m.message.as_plain_str();
                if text == Some("ping") {
                    let from = m.from.unwrap_or_default();
                    self.peer_len = from.unescape_into(&mut self.peer).map_or(0, str::len);
                    Ok(Incoming::Ping)
                } else if text == Some("bye") {
                    Ok(Incoming::Bye)
                } else {
                    Ok(Incoming::Nothing)
                }
            }
            Ok(Event::Answer {
                request: Request::Join,
                response,
                ..
            }) => {
                hprintln!("jim: joined: {}", response.code.as_u16());
                Ok(Incoming::Nothing)
            }
            Ok(Event::Answer {
                request: Request::Msg,
                response,
                ..
            }) if !response.code.is_success() => {
                hprintln!("jim: message answered {}", response.code.as_u16());
                Ok(Incoming::Nothing)
            }
            Ok(_) => Ok(Incoming::Nothing),
            Err(e) if e.is_recoverable() => {
                say_error("skipped", &e);
                Ok(Incoming::Nothing)
            }
            Err(e) => Err(lost(e)),
        }
    }

    async fn pong(&mut self) -> Result<(), Lost> {
        let peer = self.peer;
        let to =
            core::str::from_utf8(peer.get(..self.peer_len).unwrap_or_default()).unwrap_or_default();
        match self.session.send_to(to, "pong").await {
            Ok(_) => Ok(()),
            Err(e) if e.is_recoverable() => {
                say_error("pong not sent", &e);
                Ok(())
            }
            Err(e) => Err(lost(e)),
        }
    }
}

/// Prints a recoverable error.
#[cfg(not(feature = "no-jim"))]
fn say_error<E: core::fmt::Debug>(what: &str, e: &jim_core::io::Error<E>) {
    #[cfg(not(feature = "terse"))]
    hprintln!("jim: {}: {}", what, e);
    #[cfg(feature = "terse")]
    {
        let _ = e;
        hprintln!("jim: {}", what);
    }
}

/// Prints why the connection is gone.
#[cfg(not(feature = "no-jim"))]
fn lost<E: core::fmt::Debug>(e: jim_core::io::Error<E>) -> Lost {
    say_error("connection lost", &e);
    Lost
}

/// The same protocol without jim-core: fixed bytes out, byte searches in
/// (one read at a time, no framing). Only for measuring what jim-core
/// costs; `qemu-e2e.sh` runs the jim-core build.
#[cfg(feature = "no-jim")]
pub struct RawLink<'a, 's> {
    socket: TcpSocket<'s>,
    account: &'a str,
    room: &'a str,
    buf: [u8; 64],
    peer: [u8; NAME_BYTES],
    peer_len: usize,
}

#[cfg(feature = "no-jim")]
impl<'a, 's> RawLink<'a, 's> {
    /// Raw JIM over `socket` as `args.account`.
    pub fn new(socket: TcpSocket<'s>, args: &Args<'a>) -> Self {
        RawLink {
            socket,
            account: args.account,
            room: args.room,
            buf: [0; 64],
            peer: [0; NAME_BYTES],
            peer_len: 0,
        }
    }

    async fn write(&mut self, parts: &[&[u8]]) -> Result<(), Lost> {
        use embedded_io_async::Write;
        for part in parts {
            if self.socket.write_all(part).await.is_err() {
                hprintln!("jim: write failed");
                return Err(Lost);
            }
        }
        self.socket.flush().await.map_err(|_| Lost)
    }

    async fn send(&mut self, to: &[u8], text: &[u8]) -> Result<(), Lost> {
        let account = self.account;
        self.write(&[
            br#"{"action":"msg","to":""#,
            to,
            br#"","from":""#,
            account.as_bytes(),
            br#"","message":""#,
            text,
            b"\"}\n",
        ])
        .await
    }
}

#[cfg(feature = "no-jim")]
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(feature = "no-jim")]
impl Link for RawLink<'_, '_> {
    async fn open(&mut self) -> Result<(), Lost> {
        let account = self.account;
        self.write(&[
            br#"{"action":"presence","time":0,"type":"status","user":{"account_name":""#,
            account.as_bytes(),
            b"\",\"status\":\"Online\"}}\n",
        ])
        .await?;
        let n = self.socket.read(&mut self.buf).await.map_err(|_| Lost)?;
        if find(&self.buf[..n], br#""response":200"#).is_none() {
            hprintln!("jim: unexpected answer (raw)");
            return Err(Lost);
        }
        hprintln!("jim: 200 OK (raw)");
        let room = self.room;
        self.write(&[br#"{"action":"join","room":""#, room.as_bytes(), b"\"}\n"])
            .await
    }

    async fn post(&mut self, text: &str) -> Result<(), Lost> {
        let room = self.room;
        self.send(room.as_bytes(), text.as_bytes()).await
    }

    async fn receive(&mut self) -> Result<Incoming, Lost> {
        let n = self.socket.read(&mut self.buf).await.map_err(|_| Lost)?;
        if n == 0 {
            return Err(Lost);
        }
        let chunk = &self.buf[..n];
        if find(chunk, b"#").is_some() {
            return Ok(Incoming::Nothing);
        }
        if find(chunk, br#""message":"bye""#).is_some() {
            return Ok(Incoming::Bye);
        }
        if find(chunk, br#""message":"ping""#).is_some() {
            if let Some(at) = find(chunk, br#""from":""#) {
                let name = &chunk[at + 8..];
                let len = name.iter().position(|&b| b == b'"').unwrap_or(0);
                let len = len.min(NAME_BYTES);
                self.peer[..len].copy_from_slice(&name[..len]);
                self.peer_len = len;
            }
            return Ok(Incoming::Ping);
        }
        Ok(Incoming::Nothing)
    }

    async fn pong(&mut self) -> Result<(), Lost> {
        let peer = self.peer;
        self.send(&peer[..self.peer_len], b"pong").await
    }
}

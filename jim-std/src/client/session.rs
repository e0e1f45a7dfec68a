//! [`Session`]: a chat session over one connection — requests answered in
//! order, everything else delivered as [`Event`]s by a reader thread.
//!
//! JIM answers carry no request id: the server answers requests in the
//! order it got them, and slips relayed messages, probes and notices in
//! between. So every request is written under one lock together with a
//! place in a queue of waiters; the reader thread hands each response to
//! the waiter at the front, sends chat messages and notices to
//! [`Events`], and answers a `probe` itself with a presence whose answer
//! it swallows (its waiter is queued like any other).

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use jim_core::{Authenticate, EncodeError, Field, Framer, StatusCode};

use super::challenge::challenge_answer;
use super::event::{Disconnect, Event, Events, Incoming};
use super::unix_seconds;
use super::wire::{self, check_name, Inbound, Speaker, MAX_FRAME};
use crate::error::ClientError;
use crate::transport;

/// Which family of JIM programs the server belongs to; decides how
/// requests are spelled. Answers of both are understood either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// The protocol's specification, as jim's server speaks it: `msg`
    /// with `to`/`from`/`message`, `add_contact` with `user_id`, `quit`.
    #[default]
    Spec,
    /// The course's reference programs: a presence without `type`,
    /// `message` with `destination`/`sender`/`mess_text`, `get_contacts`
    /// with `user`, `add`/`remove`, `exit` with `account_name`.
    Course,
}

/// How to open a [`Session`]: timeout, status, password, dialect.
///
/// ```
/// use std::time::Duration;
/// use jim_std::{Dialect, SessionConfig};
///
/// let config = SessionConfig::new()
///     .timeout(Duration::from_secs(3))
///     .status("Online")
///     .password("secret")
///     .dialect(Dialect::Course);
/// # let _ = config;
/// ```
#[derive(Debug, Clone)]
pub struct SessionConfig {
    timeout: Duration,
    status: Option<String>,
    password: Option<String>,
    pubkey: Option<String>,
    dialect: Dialect,
    raw: bool,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig::new()
    }
}

impl SessionConfig {
    /// A 5-second timeout, no status, no password, the spec dialect.
    pub fn new() -> Self {
        SessionConfig {
            timeout: Duration::from_secs(5),
            status: None,
            password: None,
            pubkey: None,
            dialect: Dialect::Spec,
            raw: false,
        }
    }

    /// Bounds connecting (per address), the whole login, each write and
    /// the wait for each answer. Zero means the default, 5 seconds.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        if !timeout.is_zero() {
            self.timeout = timeout;
        }
        self
    }

    /// The `user.status` of the presence (at most 25 characters).
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into()).filter(|s| !s.is_empty());
        self
    }

    /// The password: sent with `authenticate` to a server that asks for
    /// it (spec), or used to answer a course server's `511` challenge
    /// (never sent itself then). At most 25 characters.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// A public key (PEM text) sent as the presence's `user.pubkey`, as the
    /// course's final-lesson clients do.
    pub fn pubkey(mut self, pubkey: impl Into<String>) -> Self {
        self.pubkey = Some(pubkey.into());
        self
    }

    /// How requests are spelled (default [`Dialect::Spec`]).
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Also deliver every received frame as [`Event::Raw`].
    pub fn raw(mut self, raw: bool) -> Self {
        self.raw = raw;
        self
    }
}

/// A request of a session; the blocking methods of [`Session`] wrap each.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Request {
    /// A message to an account or a `#room`.
    Message {
        /// The account or `#room`.
        to: String,
        /// The text (at most 500 characters).
        text: String,
    },
    /// `join` a `#room`.
    Join(String),
    /// `leave` a `#room`.
    Leave(String),
    /// `get_contacts`.
    GetContacts,
    /// `add_contact` (course: `add`).
    AddContact(String),
    /// `del_contact` (course: `remove`).
    DelContact(String),
    /// `get_users`: who is online.
    GetUsers,
    /// `get_history` of the conversation with an account or in a `#room`.
    GetHistory {
        /// The account or `#room`.
        with: String,
        /// At most this many messages.
        limit: Option<u32>,
        /// Only messages older than this id.
        before: Option<u64>,
    },
    /// `pubkey_need`: an account's public key (answered `511` with `bin`).
    PubkeyNeed(String),
}

/// A server's successful answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Reply {
    /// The code: 2xx, or 511 for [`Request::PubkeyNeed`].
    pub code: StatusCode,
    /// The `alert` (or `error`) text, decoded, if any.
    pub text: Option<String>,
    /// The names of a list answer (`data_list`, `data` or an array
    /// `alert`).
    pub list: Option<Vec<String>>,
    /// `bin`: a public key, or a course challenge.
    pub bin: Option<String>,
}

impl Reply {
    /// The names of a list answer, or none.
    pub fn names(&self) -> &[String] {
        self.list.as_deref().unwrap_or_default()
    }
}

/// What a response is handed to.
enum Waiter {
    /// A request; `accept_511` for `pubkey_need`.
    Request {
        id: u64,
        tx: SyncSender<Result<Reply, ClientError>>,
        accept_511: bool,
    },
    /// The presence sent in answer to a probe: its answer is swallowed.
    ProbeAnswer,
}

/// What the session's handle and its reader thread share.
struct Shared {
    /// The write half, and the buffer to encode into. Held while a
    /// request is queued and written, so queue order is wire order.
    writer: Mutex<Writer>,
    /// Waiters in the order their requests were written; `None` once the
    /// connection is gone (no request can be queued then).
    waiters: Mutex<Option<VecDeque<Waiter>>>,
    name: String,
    status: Option<String>,
    pubkey: Option<String>,
    dialect: Dialect,
    timeout: Duration,
    raw: bool,
    quitting: AtomicBool,
    dropped: AtomicBool,
    next_id: AtomicU64,
}

struct Writer {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Shared {
    fn speaker(&self) -> Speaker<'_> {
        Speaker {
            name: &self.name,
            status: self.status.as_deref(),
            pubkey: self.pubkey.as_deref(),
            dialect: self.dialect,
            now: unix_seconds(),
        }
    }

    fn writer(&self) -> MutexGuard<'_, Writer> {
        // A poisoned lock only means another thread panicked mid-write;
        // the socket is still a socket.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn waiters(&self) -> MutexGuard<'_, Option<VecDeque<Waiter>>> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `waiter` and writes what `encode` produces, atomically with
    /// respect to other requests.
    fn submit(
        &self,
        waiter: Waiter,
        encode: impl FnOnce(&Speaker<'_>, &mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), ClientError> {
        let mut writer = self.writer();
        let Writer { stream, buf } = &mut *writer;
        let n = encode(&self.speaker(), buf).map_err(ClientError::Invalid)?;
        let id = match &waiter {
            Waiter::Request { id, .. } => Some(*id),
            Waiter::ProbeAnswer => None,
        };
        match self.waiters().as_mut() {
            Some(queue) => queue.push_back(waiter),
            None => return Err(ClientError::Disconnected),
        }
        let bytes = buf.get(..n).unwrap_or_default();
        if let Err(e) = stream.write_all(bytes) {
            // Not sent: it will get no answer. Take it back out, and cut
            // the connection, whose stream is now out of step.
            if let Some(queue) = self.waiters().as_mut() {
                queue.retain(|w| !matches!(w, Waiter::Request { id: wid, .. } if Some(*wid) == id));
            }
            let _ = stream.shutdown(Shutdown::Both);
            return Err(ClientError::from_io(e));
        }
        Ok(())
    }

    /// Writes bytes that expect no answer (`quit`).
    fn send_only(
        &self,
        encode: impl FnOnce(&Speaker<'_>, &mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), ClientError> {
        let mut writer = self.writer();
        let Writer { stream, buf } = &mut *writer;
        let n = encode(&self.speaker(), buf).map_err(ClientError::Invalid)?;
        if self.waiters().is_none() {
            return Err(ClientError::Disconnected);
        }
        stream
            .write_all(buf.get(..n).unwrap_or_default())
            .map_err(ClientError::from_io)
    }
}

/// A request on its way: [`wait`](Pending::wait) for its answer.
#[derive(Debug)]
#[must_use = "a request's answer, or its error, is in the Pending"]
pub struct Pending {
    rx: Receiver<Result<Reply, ClientError>>,
    timeout: Duration,
}

impl Pending {
    /// Waits for the answer, at most the session's timeout. A non-2xx
    /// answer is [`ClientError::Rejected`]; a connection that ends first
    /// is [`ClientError::Disconnected`].
    pub fn wait(self) -> Result<Reply, ClientError> {
        let timeout = self.timeout;
        self.wait_timeout(timeout)
    }

    /// Waits for the answer, at most `timeout` ([`ClientError::Timeout`]
    /// then; a late answer is dropped when it comes).
    pub fn wait_timeout(self, timeout: Duration) -> Result<Reply, ClientError> {
        match self.rx.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => Err(ClientError::Timeout),
            Err(RecvTimeoutError::Disconnected) => Err(ClientError::Disconnected),
        }
    }

    /// The answer if it has come.
    pub fn try_get(&self) -> Option<Result<Reply, ClientError>> {
        match self.rx.try_recv() {
            Ok(result) => Some(result),
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => Some(Err(ClientError::Disconnected)),
        }
    }
}

/// A logged-in chat session.
///
/// Blocking and thread-safe (`Send + Sync`; share it with an `Arc`): each
/// request method writes the request and waits for its answer, while a
/// reader thread of the session delivers everything else to the
/// [`Events`] returned by [`connect`](Session::connect). Dropping the
/// session closes the connection and stops the thread.
///
/// ```no_run
/// use jim_std::{Event, Session, SessionConfig};
///
/// let (session, events) = Session::connect("127.0.0.1:7777", "alice", SessionConfig::new())?;
/// std::thread::spawn(move || {
///     for event in events {
///         if let Event::Direct(m) | Event::Room(m) = event {
///             println!("{}: {}", m.from, m.text);
///         }
///     }
/// });
/// session.join("#rust")?;
/// session.send("#rust", "hello")?;
/// session.send("bob", "hi bob")?; // Err(Rejected { code: 404, text: "bob is not online" }) if he is not
/// println!("online: {:?}", session.users()?);
/// session.quit()?;
/// # Ok::<(), jim_std::ClientError>(())
/// ```
pub struct Session {
    shared: Arc<Shared>,
    peer: SocketAddr,
    welcome: Reply,
    reader: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("name", &self.shared.name)
            .field("peer", &self.peer)
            .field("dialect", &self.shared.dialect)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Connects to `addr` (each address it resolves to, each within the
    /// timeout), announces `name` with a presence and logs in: with
    /// `authenticate` when the server asks for it (`401`) or a password is
    /// configured (spec dialect), with the challenge answer when a course
    /// server sends `511`. The whole login is bounded by the timeout.
    ///
    /// The name, status and password are checked (1 to 25 characters)
    /// before anything is sent: [`ClientError::Invalid`].
    pub fn connect(
        addr: impl ToSocketAddrs,
        name: &str,
        config: SessionConfig,
    ) -> Result<(Session, Events), ClientError> {
        check_name(Field::AccountName, name).map_err(ClientError::Invalid)?;
        if let Some(status) = &config.status {
            check_name(Field::Status, status).map_err(ClientError::Invalid)?;
        }
        if let Some(password) = &config.password {
            check_name(Field::Password, password).map_err(ClientError::Invalid)?;
        }
        let stream =
            transport::connect_stream(addr, config.timeout).map_err(ClientError::from_connect)?;
        Session::start(stream, name, config)
    }

    /// Like [`connect`](Session::connect), over a stream already connected.
    pub fn from_stream(
        stream: TcpStream,
        name: &str,
        config: SessionConfig,
    ) -> Result<(Session, Events), ClientError> {
        check_name(Field::AccountName, name).map_err(ClientError::Invalid)?;
        transport::configure(&stream, config.timeout).map_err(ClientError::from_io)?;
        Session::start(stream, name, config)
    }

    fn start(
        stream: TcpStream,
        name: &str,
        config: SessionConfig,
    ) -> Result<(Session, Events), ClientError> {
        let peer = stream.peer_addr().map_err(ClientError::Connect)?;
        let shared = Arc::new(Shared {
            writer: Mutex::new(Writer {
                stream: stream.try_clone().map_err(ClientError::Io)?,
                buf: vec![0; MAX_FRAME],
            }),
            waiters: Mutex::new(Some(VecDeque::new())),
            name: name.to_owned(),
            status: config.status,
            pubkey: config.pubkey,
            dialect: config.dialect,
            timeout: config.timeout,
            raw: config.raw,
            quitting: AtomicBool::new(false),
            dropped: AtomicBool::new(false),
            next_id: AtomicU64::new(0),
        });
        let (tx, rx) = mpsc::channel();
        let mut login = Login {
            stream,
            framer: Box::new(Framer::new()),
            deadline: Instant::now() + config.timeout,
            seen: Vec::new(),
            early: Vec::new(),
            shared: &shared,
        };
        let welcome = login.run(config.password.as_deref())?;
        let Login {
            stream,
            framer,
            early,
            ..
        } = login;
        // From now on reads wait as long as it takes; dropping the
        // session shuts the socket down to end them.
        stream.set_read_timeout(None).map_err(ClientError::Io)?;
        for event in early {
            let _ = tx.send(event);
        }
        let reader_shared = Arc::clone(&shared);
        let reader = thread::Builder::new()
            .name(format!("jim-session-{name}"))
            .spawn(move || read_loop(&reader_shared, stream, framer, &tx))
            .map_err(ClientError::Io)?;
        Ok((
            Session {
                shared,
                peer,
                welcome,
                reader: Mutex::new(Some(reader)),
            },
            Events { rx },
        ))
    }

    /// The account name this session announced.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// The dialect requests are spelled in.
    pub fn dialect(&self) -> Dialect {
        self.shared.dialect
    }

    /// The server's answer that completed the login (`200 OK`, say).
    pub fn welcome(&self) -> &Reply {
        &self.welcome
    }

    /// `true` until the connection has ended.
    pub fn is_connected(&self) -> bool {
        self.shared.waiters().is_some()
    }

    /// Writes `request` and returns at once; [`Pending::wait`] for the
    /// answer. Requests are answered in the order they were sent, from
    /// any thread.
    pub fn request(&self, request: &Request) -> Result<Pending, ClientError> {
        let (tx, rx) = mpsc::sync_channel(1);
        let waiter = Waiter::Request {
            id: self.shared.next_id.fetch_add(1, Ordering::Relaxed),
            tx,
            accept_511: matches!(request, Request::PubkeyNeed(_)),
        };
        self.shared
            .submit(waiter, |speaker, out| speaker.encode(request, out))?;
        Ok(Pending {
            rx,
            timeout: self.shared.timeout,
        })
    }

    /// Sends `request` and waits for its answer (at most the timeout).
    pub fn call(&self, request: &Request) -> Result<Reply, ClientError> {
        self.request(request)?.wait()
    }

    /// Sends `text` to an account or a `#room`.
    pub fn send(&self, to: &str, text: &str) -> Result<Reply, ClientError> {
        self.call(&Request::Message {
            to: to.to_owned(),
            text: text.to_owned(),
        })
    }

    /// Joins a `#room`.
    pub fn join(&self, room: &str) -> Result<Reply, ClientError> {
        self.call(&Request::Join(room.to_owned()))
    }

    /// Leaves a `#room`.
    pub fn leave(&self, room: &str) -> Result<Reply, ClientError> {
        self.call(&Request::Leave(room.to_owned()))
    }

    /// The contact list.
    pub fn contacts(&self) -> Result<Vec<String>, ClientError> {
        Ok(self.call(&Request::GetContacts)?.list.unwrap_or_default())
    }

    /// Adds an account to the contact list.
    pub fn add_contact(&self, name: &str) -> Result<Reply, ClientError> {
        self.call(&Request::AddContact(name.to_owned()))
    }

    /// Removes an account from the contact list.
    pub fn del_contact(&self, name: &str) -> Result<Reply, ClientError> {
        self.call(&Request::DelContact(name.to_owned()))
    }

    /// Who is online (`get_users`; a course server lists every known
    /// account).
    pub fn users(&self) -> Result<Vec<String>, ClientError> {
        Ok(self.call(&Request::GetUsers)?.list.unwrap_or_default())
    }

    /// Asks for the stored messages with an account or in a `#room`. The
    /// answer is the `202`; the messages follow as [`Event::History`].
    pub fn history(&self, with: &str, limit: Option<u32>) -> Result<Reply, ClientError> {
        self.call(&Request::GetHistory {
            with: with.to_owned(),
            limit,
            before: None,
        })
    }

    /// Says `quit` (course: `exit`) and waits, at most the timeout, for the
    /// server to close; then closes the connection. Events received until
    /// then are still delivered, then [`Disconnect::Quit`].
    pub fn quit(&self) -> Result<(), ClientError> {
        self.shared.quitting.store(true, Ordering::SeqCst);
        let sent = self
            .shared
            .send_only(|speaker, out| speaker.encode_quit(out));
        match sent {
            Ok(()) | Err(ClientError::Disconnected) => {}
            Err(e) => {
                self.close();
                return Err(e);
            }
        }
        let deadline = Instant::now() + self.shared.timeout;
        while self.is_connected() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(5));
        }
        self.close();
        Ok(())
    }

    /// Closes the connection and waits for the reader thread to end.
    fn close(&self) {
        let _ = self.shared.writer().stream.shutdown(Shutdown::Both);
        let handle = self.reader.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            let _ = handle.join();
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.shared.dropped.store(true, Ordering::SeqCst);
        self.close();
    }
}

/// The login exchange, before the reader thread takes the socket over.
struct Login<'s> {
    stream: TcpStream,
    framer: Box<Framer<MAX_FRAME>>,
    deadline: Instant,
    /// The first bytes received, to show a peer that is not JIM.
    seen: Vec<u8>,
    /// Chat messages that came before the answer.
    early: Vec<Event>,
    shared: &'s Shared,
}

/// How many bytes of a foreign answer are kept to show.
const SEEN_BYTES: usize = 60;

impl Login<'_> {
    fn run(&mut self, password: Option<&str>) -> Result<Reply, ClientError> {
        let presence = |s: &Speaker<'_>, out: &mut [u8]| wire::encode_line(&s.presence(), out);
        self.write(presence)?;
        let mut answer = self.answer()?;
        let mut authenticated = false;
        // Spec servers with accounts: `401` to a presence means "log in
        // first"; log in and announce again.
        if answer.code == StatusCode::UNAUTHORIZED {
            let Some(password) = password else {
                return Err(ClientError::PasswordRequired {
                    text: answer.text.unwrap_or_default(),
                });
            };
            self.authenticate(password)?;
            authenticated = true;
            self.write(presence)?;
            answer = self.answer()?;
        }
        if answer.code.as_u16() == 511 {
            let Some(challenge) = answer.bin.as_deref() else {
                return Err(ClientError::Protocol(
                    "server sent a 511 challenge without `bin`".into(),
                ));
            };
            let Some(password) = password else {
                return Err(ClientError::PasswordRequired {
                    text: answer.text.unwrap_or_default(),
                });
            };
            let reply = challenge_answer(&self.shared.name, password, challenge);
            self.write(|_, out| wire::challenge_reply(&reply, out))?;
            answer = self.answer()?;
            authenticated = true;
        }
        let answer = success(answer)?;
        if let (Some(password), false, Dialect::Spec) =
            (password, authenticated, self.shared.dialect)
        {
            self.authenticate(password)?;
        }
        Ok(answer)
    }

    fn authenticate(&mut self, password: &str) -> Result<Reply, ClientError> {
        let name = self.shared.name.clone();
        self.write(|s, out| {
            let mut auth = Authenticate::new(name.as_str(), password);
            auth.time = jim_core::Timestamp::Seconds(s.now);
            wire::encode_line(&auth, out)
        })?;
        let answer = self.answer()?;
        success(answer)
    }

    fn write(
        &mut self,
        encode: impl FnOnce(&Speaker<'_>, &mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), ClientError> {
        let mut buf = vec![0; MAX_FRAME];
        let n = encode(&self.shared.speaker(), &mut buf).map_err(ClientError::Invalid)?;
        self.set_timeouts()?;
        self.stream
            .write_all(buf.get(..n).unwrap_or_default())
            .map_err(ClientError::from_io)
    }

    /// Shrinks the socket's timeouts to what is left of the deadline.
    fn set_timeouts(&self) -> Result<(), ClientError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ClientError::Timeout);
        }
        self.stream
            .set_read_timeout(Some(left))
            .and_then(|()| self.stream.set_write_timeout(Some(left)))
            .map_err(ClientError::from_io)
    }

    /// The next response (any code), skipping probes and keeping relayed
    /// messages for later. Bytes that are not JIM are skipped too, but if
    /// no answer follows them, the peer is reported as not speaking JIM.
    fn answer(&mut self) -> Result<Reply, ClientError> {
        let mut skipped = 0u32;
        let mut foreign = false;
        loop {
            while let Some(frame) = self.framer.next_frame() {
                match wire::inbound(frame) {
                    Inbound::Response(reply) => return Ok(reply),
                    Inbound::Msg(m) => self.early.push(event_for(m)),
                    Inbound::Probe | Inbound::Other(_) => {}
                    Inbound::Bad(reason) => {
                        log::debug!("login: skipped what is not JIM ({reason})");
                        foreign = true;
                    }
                }
                skipped += 1;
                if skipped > 16 {
                    return Err(if foreign {
                        self.not_jim()
                    } else {
                        ClientError::Protocol("server sent many messages but no answer".into())
                    });
                }
            }
            let foreign = foreign || self.seen_is_foreign();
            if let Err(e) = self.set_timeouts() {
                return Err(if foreign { self.not_jim() } else { e });
            }
            let n = match self.stream.read(self.framer.space()) {
                Ok(0) if foreign => return Err(self.not_jim()),
                Ok(0) => {
                    return Err(ClientError::Protocol(
                        "server closed the connection without answering".into(),
                    ))
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) if foreign => return Err(self.not_jim()),
                Err(e) => return Err(ClientError::from_io(e)),
            };
            if self.seen.len() < SEEN_BYTES {
                let room = SEEN_BYTES - self.seen.len();
                let space = self.framer.space();
                let got = space.get(..n.min(room)).unwrap_or_default();
                self.seen.extend_from_slice(got);
            }
            self.framer.commit(n);
        }
    }

    /// `true` if what came so far does not start like a JSON object.
    fn seen_is_foreign(&self) -> bool {
        let start = self.seen.iter().find(|b| !b.is_ascii_whitespace());
        start.is_some_and(|&b| b != b'{')
    }

    fn not_jim(&self) -> ClientError {
        let text = String::from_utf8_lossy(&self.seen);
        let first_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let printable: String = first_line
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        ClientError::NotJim(printable)
    }
}

/// A 2xx is the reply; anything else [`ClientError::Rejected`].
fn success(reply: Reply) -> Result<Reply, ClientError> {
    if reply.code.is_success() {
        Ok(reply)
    } else {
        Err(ClientError::Rejected {
            code: reply.code,
            text: reply.text.unwrap_or_default(),
        })
    }
}

fn event_for(m: Incoming) -> Event {
    if m.history {
        Event::History(m)
    } else if m.is_room() {
        Event::Room(m)
    } else {
        Event::Direct(m)
    }
}

/// The reader thread: frames, decodes and dispatches until the stream ends.
fn read_loop(
    shared: &Shared,
    mut stream: TcpStream,
    mut framer: Box<Framer<MAX_FRAME>>,
    events: &Sender<Event>,
) {
    let end = loop {
        while let Some(frame) = framer.next_frame() {
            if shared.raw {
                let raw = match frame {
                    Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    Err(e) => format!("({e})"),
                };
                let _ = events.send(Event::Raw(raw));
            }
            dispatch(shared, wire::inbound(frame), events);
        }
        match stream.read(framer.space()) {
            Ok(0) => break None,
            Ok(n) => framer.commit(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Some(e),
        }
    };
    // No more requests can be queued; those waiting learn it now.
    let waiting = shared.waiters().take();
    for waiter in waiting.into_iter().flatten() {
        if let Waiter::Request { tx, .. } = waiter {
            let _ = tx.try_send(Err(ClientError::Disconnected));
        }
    }
    let why = if shared.dropped.load(Ordering::SeqCst) {
        Disconnect::Dropped
    } else if shared.quitting.load(Ordering::SeqCst) {
        Disconnect::Quit
    } else {
        match end {
            None => Disconnect::Closed,
            Some(e) => Disconnect::Failed(e.to_string()),
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    let _ = events.send(Event::Disconnected(why));
}

fn dispatch(shared: &Shared, inbound: Inbound, events: &Sender<Event>) {
    match inbound {
        Inbound::Response(reply) => {
            let code = reply.code;
            // Notices and the course's 205 push answer nothing.
            let unsolicited = code.is_notice() || code.as_u16() == 205;
            let waiter = if unsolicited {
                None
            } else {
                shared.waiters().as_mut().and_then(VecDeque::pop_front)
            };
            match waiter {
                Some(Waiter::Request { tx, accept_511, .. }) => {
                    let result = if accept_511 && code.as_u16() == 511 {
                        Ok(reply)
                    } else {
                        success(reply)
                    };
                    // The requester may have stopped waiting: fine.
                    let _ = tx.try_send(result);
                }
                Some(Waiter::ProbeAnswer) if code.is_success() => {}
                Some(Waiter::ProbeAnswer) | None => {
                    let _ = events.send(Event::Notice {
                        code,
                        text: reply.text,
                    });
                }
            }
        }
        Inbound::Probe => {
            let presence = |s: &Speaker<'_>, out: &mut [u8]| wire::encode_line(&s.presence(), out);
            if let Err(e) = shared.submit(Waiter::ProbeAnswer, presence) {
                log::debug!("could not answer a probe: {e}");
            }
            let _ = events.send(Event::Probe);
        }
        Inbound::Msg(m) => {
            let _ = events.send(event_for(m));
        }
        Inbound::Other(action) => log::debug!("ignored a {action} from the server"),
        Inbound::Bad(reason) => {
            let _ = events.send(Event::Unreadable(reason));
        }
    }
}

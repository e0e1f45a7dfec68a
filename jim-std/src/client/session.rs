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
use std::net::{Shutdown, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use jim_core::{Field, Framer};

use super::config::{Dialect, SessionConfig};
use super::event::Events;
use super::login::Login;
use super::reader::read_loop;
use super::request::{Reply, Request};
use super::shared::{Shared, Waiter, Writer};
use super::wire::{check_name, MAX_FRAME};
use crate::error::ClientError;
use crate::transport;

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
    /// answer is the `202`; the messages follow as [`Event::History`](super::Event::History).
    pub fn history(&self, with: &str, limit: Option<u32>) -> Result<Reply, ClientError> {
        self.call(&Request::GetHistory {
            with: with.to_owned(),
            limit,
            before: None,
        })
    }

    /// Logs in as the session's account with `password` (`authenticate`):
    /// for a session opened without a password on a server that turned
    /// out to want one (its requests answered `401` "log in first").
    pub fn log_in(&self, password: &str) -> Result<Reply, ClientError> {
        self.call(&Request::Authenticate(password.to_owned()))
    }

    /// Says `quit` (course: `exit`) and waits, at most the timeout, for the
    /// server to close; then closes the connection. Events received until
    /// then are still delivered, then [`Disconnect::Quit`](super::Disconnect::Quit).
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

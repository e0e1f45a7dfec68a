//! [`ServerConfig`]: the knobs of a [`Server`](crate::Server).

use std::time::Duration;

use crate::hub::{Auth, HubConfig, RateLimit, Registration};
use crate::store::{Storage, StoreConfig};

/// How a [`Server`](crate::Server) treats its clients.
///
/// Build one from [`Default`] and either set the public fields or chain the
/// builder methods:
///
/// ```
/// use std::time::Duration;
/// use jim_std::ServerConfig;
///
/// let config = ServerConfig::default()
///     .max_connections(100)
///     .idle_timeout(Duration::from_secs(5));
/// assert_eq!(config.max_connections, 100);
/// assert_eq!(config.backlog, 1024);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServerConfig {
    /// Most sessions served at once (default 10 000). A client beyond it is
    /// answered `500` `"server busy"` and the connection is closed.
    pub max_connections: usize,
    /// Most sessions from one IP address (default 256: a class behind one
    /// NAT fits). Beyond it: `500` and a close.
    pub max_per_address: usize,
    /// How long a client may send nothing before it is closed (default
    /// 60 s); after half of it the server sends a `probe`.
    /// [`Duration::ZERO`] disables both.
    pub idle_timeout: Duration,
    /// How long one message may take to arrive once its first byte has
    /// (default 10 s): a client that trickles bytes without completing
    /// messages is cut, whatever it sends. Zero disables it.
    pub message_deadline: Duration,
    /// Requests per client (default 50 per second, bursts of 100).
    pub rate: RateLimit,
    /// Bytes queued for a client that does not read, beyond which it is
    /// disconnected (default 128 KiB). Its own requests stop being read
    /// at a quarter of it.
    pub max_queue: usize,
    /// The kernel's send and receive buffer asked for each client socket
    /// (default 16 KiB; Linux doubles it for bookkeeping), so a client that
    /// does not read cannot make the kernel hold megabytes for it. Zero
    /// leaves the OS default (autotuned, up to several MB).
    pub socket_buffer: usize,
    /// Length of the kernel's queue of connections not yet accepted
    /// (default 1024; the OS may cap it, on Linux at `net.core.somaxconn`).
    pub backlog: i32,
    /// Where accounts, contacts and messages are kept (default: in
    /// memory; the `server` example defaults to a SQLite file).
    pub storage: Storage,
    /// The storage thread's queue, batching, password hashing and
    /// retention.
    pub store: StoreConfig,
    /// Who must log in (default: [`Auth::Optional`]).
    pub auth: Auth,
    /// Whether logging in creates accounts (default: [`Registration::Open`]).
    pub registration: Registration,
    /// Room messages replayed on `join` (default 20).
    pub history_on_join: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 10_000,
            max_per_address: 256,
            idle_timeout: Duration::from_secs(60),
            message_deadline: Duration::from_secs(10),
            rate: RateLimit::default(),
            max_queue: 128 * 1024,
            socket_buffer: 16 * 1024,
            backlog: 1024,
            storage: Storage::Memory,
            store: StoreConfig::default(),
            auth: Auth::Optional,
            registration: Registration::Open,
            history_on_join: 20,
        }
    }
}

impl ServerConfig {
    /// Open files a server with this configuration may need at once: one
    /// per client and 64 for its own (listener, poll, waker, storage
    /// files, logs, the spare for accepting when none are left). What to
    /// pass to [`raise_open_files_limit`](crate::raise_open_files_limit).
    pub fn descriptors_needed(&self) -> usize {
        self.max_connections.saturating_add(64)
    }

    /// Sets [`max_connections`](ServerConfig::max_connections).
    pub fn max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// Sets [`max_per_address`](ServerConfig::max_per_address).
    pub fn max_per_address(mut self, max_per_address: usize) -> Self {
        self.max_per_address = max_per_address;
        self
    }

    /// Sets [`idle_timeout`](ServerConfig::idle_timeout).
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Sets [`message_deadline`](ServerConfig::message_deadline).
    pub fn message_deadline(mut self, message_deadline: Duration) -> Self {
        self.message_deadline = message_deadline;
        self
    }

    /// Sets [`rate`](ServerConfig::rate).
    pub fn rate(mut self, rate: RateLimit) -> Self {
        self.rate = rate;
        self
    }

    /// Sets [`max_queue`](ServerConfig::max_queue).
    pub fn max_queue(mut self, max_queue: usize) -> Self {
        self.max_queue = max_queue;
        self
    }

    /// Sets [`socket_buffer`](ServerConfig::socket_buffer).
    pub fn socket_buffer(mut self, socket_buffer: usize) -> Self {
        self.socket_buffer = socket_buffer;
        self
    }

    /// Sets [`backlog`](ServerConfig::backlog).
    pub fn backlog(mut self, backlog: i32) -> Self {
        self.backlog = backlog;
        self
    }

    /// Where data is kept.
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// Who must log in.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Whether logging in creates accounts.
    pub fn registration(mut self, registration: Registration) -> Self {
        self.registration = registration;
        self
    }

    /// The hub's share of the policy.
    pub(crate) fn hub(&self) -> HubConfig {
        HubConfig {
            idle_timeout: self.idle_timeout,
            rate: self.rate,
            auth: self.auth,
            registration: self.registration,
            history_on_join: self.history_on_join,
            ..HubConfig::default()
        }
    }
}

//! [`ServerConfig`]: the knobs of a [`Server`](crate::Server).

use std::time::Duration;

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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// Most sessions served at once (default 10 000). A client beyond it is
    /// answered `500` `"server busy"` and the connection is closed.
    pub max_connections: usize,
    /// How long a connection may send nothing before it is closed
    /// (default 60 s). It also bounds how long a half-sent message may
    /// stall. [`Duration::ZERO`] disables the timeout.
    pub idle_timeout: Duration,
    /// Length of the kernel's queue of connections not yet accepted
    /// (default 1024; the OS may cap it, on Linux at `net.core.somaxconn`).
    pub backlog: i32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            max_connections: 10_000,
            idle_timeout: Duration::from_secs(60),
            backlog: 1024,
        }
    }
}

impl ServerConfig {
    /// Sets [`max_connections`](ServerConfig::max_connections).
    pub fn max_connections(mut self, max_connections: usize) -> Self {
        self.max_connections = max_connections;
        self
    }

    /// Sets [`idle_timeout`](ServerConfig::idle_timeout).
    pub fn idle_timeout(mut self, idle_timeout: Duration) -> Self {
        self.idle_timeout = idle_timeout;
        self
    }

    /// Sets [`backlog`](ServerConfig::backlog).
    pub fn backlog(mut self, backlog: i32) -> Self {
        self.backlog = backlog;
        self
    }
}

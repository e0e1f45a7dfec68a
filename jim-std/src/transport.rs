//! A desktop TCP socket as an `embedded-io` transport, so every jim-core
//! API (blocking [`Connection`], handshake, `serve_one`) runs on it.
//!
//! jim-core is `no_std` and speaks [`embedded_io`]; std sockets speak
//! [`std::io`]. [`FromStd`] bridges the two without copying. The helpers
//! here add what a desktop peer needs and the core cannot know about: name
//! resolution, a connect timeout over every resolved address, and read and
//! write timeouts so a silent peer cannot block a caller forever.
//!
//! ```no_run
//! use std::time::Duration;
//! use jim_core::Presence;
//!
//! let mut conn = jim_std::transport::connect("127.0.0.1:7777", Duration::from_secs(5))?;
//! let response = conn.handshake(&Presence::new("alice").at(1_700_000_000));
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

pub use embedded_io_adapters::std::FromStd;
use jim_core::io::Connection;

/// A connected TCP stream as an `embedded-io` transport.
pub type Transport = FromStd<DeadlineStream>;

/// A [`TcpStream`] whose reads and writes can share one deadline.
///
/// A socket timeout bounds each call; a peer that trickles a byte now and
/// then (whitespace, say) never trips it. With a deadline set, every call
/// first shrinks the socket's timeout to the time left, and fails with
/// [`io::ErrorKind::TimedOut`] once none is left, so a whole exchange is
/// bounded.
#[derive(Debug)]
pub struct DeadlineStream {
    stream: TcpStream,
    deadline: Option<Instant>,
}

impl DeadlineStream {
    /// Wraps a connected stream, with no deadline.
    pub fn new(stream: TcpStream) -> Self {
        DeadlineStream {
            stream,
            deadline: None,
        }
    }

    /// Sets (or clears) the deadline for later reads and writes. Clearing
    /// it leaves the socket's timeouts as the last call shrank them.
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
    }

    /// The socket.
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// The time left before the deadline, or `TimedOut`.
    fn time_left(&self) -> io::Result<Option<Duration>> {
        let Some(deadline) = self.deadline else {
            return Ok(None);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::ErrorKind::TimedOut.into());
        }
        Ok(Some(left))
    }
}

impl Read for DeadlineStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(left) = self.time_left()? {
            self.stream.set_read_timeout(Some(left))?;
        }
        self.stream.read(buf)
    }
}

impl Write for DeadlineStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Some(left) = self.time_left()? {
            self.stream.set_write_timeout(Some(left))?;
        }
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}

/// Connects to `addr` (tried address by address, each within `timeout`) and
/// sets read and write timeouts of `timeout` and `TCP_NODELAY` (JIM
/// messages are small and each is waited for).
///
/// A zero `timeout` is an error, as for [`TcpStream::connect_timeout`].
pub fn connect_stream(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<TcpStream> {
    let mut last_error = None;
    for candidate in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(stream) => {
                configure(&stream, timeout)?;
                return Ok(stream);
            }
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "address resolved to nothing to connect to",
        )
    }))
}

/// Sets read and write timeouts and `TCP_NODELAY` on a connected stream.
pub fn configure(stream: &TcpStream, timeout: Duration) -> io::Result<()> {
    // `Some(ZERO)` is rejected by std; treat zero as "no timeout" here.
    let timeout = Some(timeout).filter(|t| !t.is_zero());
    stream.set_read_timeout(timeout)?;
    stream.set_write_timeout(timeout)?;
    stream.set_nodelay(true)
}

/// Wraps a connected stream for jim-core (no deadline set).
pub fn wrap(stream: TcpStream) -> Transport {
    FromStd::new(DeadlineStream::new(stream))
}

/// Connects (see [`connect_stream`]) and returns a jim-core [`Connection`]
/// over the socket, ready for
/// [`handshake`](Connection::handshake), [`send`](Connection::send) and
/// [`receive`](Connection::receive).
pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<Connection<Transport>> {
    Ok(Connection::new(wrap(connect_stream(addr, timeout)?)))
}

/// `true` when `e` is what a socket read or write timeout produces
/// (`WouldBlock` on Unix, `TimedOut` on Windows).
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

//! The client side: [`Client`], a bare presence handshake over jim-core's
//! [`Connection`], and [`Session`], a whole chat session (login, requests
//! answered in order, incoming traffic as [`Event`]s from a reader thread).
//!
//! All protocol work (encoding, framing, decoding) is jim-core's; this adds
//! sockets, timeouts, threads and owned results.

mod challenge;
mod config;
mod event;
mod login;
mod reader;
mod request;
mod session;
mod shared;
mod wire;

pub use challenge::{challenge_answer, password_key, PBKDF2_ROUNDS};
pub use config::{Dialect, SessionConfig};
pub use event::{Disconnect, Event, Events, Incoming};
pub use request::{Reply, Request};
pub use session::{Pending, Session};

use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use jim_core::io::Connection;
use jim_core::{Presence, Quit, StatusCode};

use crate::error::ClientError;
use crate::transport::{self, Transport};

/// The server's answer to a successful handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeReply {
    /// The code, always 2xx (other codes are [`ClientError::Rejected`]).
    pub code: StatusCode,
    /// The server's `alert` (or `error`) text, decoded; `None` when it
    /// sent none (a course-reference server answers a bare
    /// `{"response": 200}`).
    pub text: Option<String>,
}

/// A connection to a JIM server.
///
/// ```no_run
/// use std::time::Duration;
/// use jim_std::Client;
///
/// let mut client = Client::connect("127.0.0.1:7777", Duration::from_secs(5))?;
/// let reply = client.handshake("alice", Some("online"))?;
/// println!("{}", reply.code); // 200 OK
/// # Ok::<(), jim_std::ClientError>(())
/// ```
pub struct Client {
    connection: Connection<Transport>,
    peer: SocketAddr,
    /// Bound on a whole handshake; `None` leaves it to the socket's timeouts.
    timeout: Option<Duration>,
}

impl Client {
    /// Connects to `addr`, trying each address it resolves to within
    /// `timeout`, and uses `timeout` for every later read and write too.
    pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> Result<Client, ClientError> {
        let stream = transport::connect_stream(addr, timeout).map_err(ClientError::from_connect)?;
        let mut client = Client::from_stream(stream)?;
        client.timeout = Some(timeout).filter(|t| !t.is_zero());
        Ok(client)
    }

    /// Wraps a stream that is already connected (its timeouts are kept;
    /// no overall handshake deadline is set).
    pub fn from_stream(stream: TcpStream) -> Result<Client, ClientError> {
        let peer = stream.peer_addr().map_err(ClientError::Connect)?;
        Ok(Client {
            connection: Connection::new(transport::wrap(stream)),
            peer,
            timeout: None,
        })
    }

    /// The server's address.
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// Announces `account_name` (and `status`, if any) with a spec-dialect
    /// `presence` and waits for the answer.
    ///
    /// A 2xx answer, with or without `time` and text, is the reply; any
    /// other code is [`ClientError::Rejected`]. A name or status the
    /// protocol does not allow (empty, over 25 characters) is
    /// [`ClientError::Invalid`] and nothing is sent. After
    /// [`connect`](Client::connect), the whole exchange must finish within
    /// its timeout: a server that trickles bytes without answering is
    /// [`ClientError::Timeout`] too.
    pub fn handshake(
        &mut self,
        account_name: &str,
        status: Option<&str>,
    ) -> Result<HandshakeReply, ClientError> {
        let mut presence = Presence::new(account_name).at(unix_seconds());
        if let Some(status) = status {
            presence = presence.with_status(status);
        }
        let deadline = self.timeout.map(|t| Instant::now() + t);
        self.connection
            .transport_mut()
            .inner_mut()
            .set_deadline(deadline);
        let reply = self
            .connection
            .handshake(&presence)
            .map(|response| HandshakeReply {
                code: response.code,
                text: response.text().map(|t| t.to_string()),
            })
            .map_err(ClientError::from);
        let reply = match reply {
            Err(ClientError::Rejected { code, .. }) => Err(ClientError::Rejected {
                code,
                text: self
                    .connection
                    .last_response()
                    .and_then(|answer| answer.text())
                    .map(|text| text.to_string())
                    .unwrap_or_default(),
            }),
            other => other,
        };
        let stream = self.connection.transport_mut().inner_mut();
        stream.set_deadline(None);
        if let Some(timeout) = self.timeout {
            // The deadline shrank the socket's timeouts; give them back.
            transport::configure(stream.get_ref(), timeout).map_err(ClientError::from_io)?;
        }
        reply
    }

    /// Says `quit`; the server closes the connection.
    pub fn quit(mut self) -> Result<(), ClientError> {
        self.connection.send(&Quit::default())?;
        Ok(())
    }

    /// The jim-core connection, to send and receive other messages.
    pub fn connection(&mut self) -> &mut Connection<Transport> {
        &mut self.connection
    }

    /// Gives the jim-core connection back.
    pub fn into_connection(self) -> Connection<Transport> {
        self.connection
    }
}

/// Whole seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

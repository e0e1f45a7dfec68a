//! JIM (JSON Instant Messaging) on desktop sockets: a server for many
//! clients at once, a blocking client, and a TCP transport for every
//! [`jim_core`] API.
//!
//! jim-core holds the protocol (framing, decoding, encoding, the answer to
//! each message) and no IO. This crate adds the sockets:
//!
//! - [`Server`]: one event-loop thread (`mio`) serving thousands of
//!   clients, with an idle timeout and a connection limit
//!   ([`ServerConfig`]), stopped by a [`ShutdownHandle`].
//! - [`Session`]: a chat client — connect, log in (presence,
//!   `authenticate`, or the course's `511` challenge), then blocking
//!   requests (messages, rooms, contacts, who is online, history) whose
//!   answers are matched in order while a reader thread delivers relayed
//!   messages, notices and the end of the connection as [`Event`]s and
//!   answers the server's probes.
//! - [`Client`]: connect with a timeout and do the `presence` handshake.
//! - [`transport`]: a `TcpStream` as an `embedded-io` transport, for
//!   [`jim_core::io::Connection`] and anything else built on it.
//!
//! Logging goes through the [`log`] crate; install any logger to see it.
//!
//! ```
//! use std::time::Duration;
//! use jim_std::{Client, Server, ServerConfig};
//!
//! let server = Server::bind("127.0.0.1:0", ServerConfig::default())?.spawn()?;
//!
//! let mut client = Client::connect(server.local_addr(), Duration::from_secs(5))?;
//! let reply = client.handshake("alice", Some("online"))?;
//! assert_eq!(reply.code.as_u16(), 200);
//! assert_eq!(reply.text.as_deref(), Some("OK"));
//!
//! server.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod addr;
mod client;
mod error;
pub mod hub;
mod server;
mod slowest;
pub mod store;
mod thread_clock;
pub mod transport;

pub use client::{
    challenge_answer, password_key, Client, Dialect, Disconnect, Event, Events, HandshakeReply,
    Incoming, Pending, Reply, Request, Session, SessionConfig, PBKDF2_ROUNDS,
};
pub use error::ClientError;
#[cfg(unix)]
pub use server::raise_open_files_limit;
pub use server::{Server, ServerConfig, ServerHandle, ShutdownHandle};

pub use jim_core;

/// The largest message the server accepts, in bytes: enough for every
/// message the field limits allow as Python's `json.dumps` writes it (a
/// 500-character text escaped at 12 bytes per emoji is 6,000 bytes, plus
/// names and a course public key). Devices keep jim-core's 640.
pub const MAX_FRAME: usize = 8 * 1024;

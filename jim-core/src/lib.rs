//! The protocol core of **jim**, a Rust implementation of JIM (JSON Instant
//! Messaging), the chat protocol of a widely taught Python course.
//!
//! `#![no_std]`, no allocator, no `unsafe`: the same code runs in a
//! Cortex-M firmware and in the desktop server. Data flows one way:
//!
//! ```text
//! bytes ─▶ Framer ─▶ decode ─▶ Message<'buf> ─▶ your logic ─▶ Encode ─▶ bytes
//! ```
//!
//! - [`Framer`] splits a TCP byte stream into JSON objects (JIM has no
//!   delimiter), skipping and reporting oversized, too-deep or garbage input.
//! - [`decode()`](fn@decode) turns one object into a typed [`Message`], borrowing every
//!   string from the receive buffer ([`Text`]); both dialects in the wild are
//!   accepted, and field limits are checked ([`DecodeError`] → `400`).
//! - [`Encode`] writes compact, ASCII-safe JSON into a caller's buffer and
//!   never truncates ([`EncodeError`]).
//! - [`io::Connection`] (blocking, `embedded-io`) and
//!   [`asynch::Connection`] (async, `embedded-io-async`, e.g. embassy-net)
//!   add a transport, with the client [`handshake`](io::Connection::handshake)
//!   and the server's [`serve_one`](io::Connection::serve_one) on top of the
//!   sans-IO [`server::step`].
//! - [`io::Session`] and [`asynch::Session`]: the chat client — join and
//!   leave rooms, send to accounts and rooms, receive relayed messages as
//!   typed values and answers matched to requests in order, probes
//!   answered — over the sans-IO [`client::Client`].
//! - Feature `embedded-nal`: `nal::connect` over any
//!   `embedded_nal::TcpClientStack`. Feature `defmt`: `defmt::Format` on
//!   every public type.
//! - Feature `serde` (no `std`, no `alloc`): `serde::Serialize` on every
//!   message type, writing the bytes [`Encode`] writes (with UTF-8 left
//!   unescaped), and `Deserialize` where it keeps the decoder's leniency;
//!   the `serde` module says which and why.
//!
//! # Decode and encode
//!
//! ```
//! use jim_core::{decode, Encode, Message, Response};
//!
//! // What a course-reference Python client sends: float time, no type/status,
//! // non-ASCII escaped by json.dumps.
//! let frame = br#"{"action": "presence", "time": 1795617769.892087, "user": {"account_name": "\u0413\u043e\u0441\u0442\u044c"}}"#;
//! let Ok(Message::Presence(presence)) = decode(frame) else { panic!("not a presence") };
//! assert_eq!(presence.user.account_name, "Гость");
//! assert_eq!(presence.user.status, None);
//! assert_eq!(presence.time.unix_seconds(), Some(1795617769));
//!
//! let mut out = [0u8; 64];
//! let n = Response::ok(1_700_000_000).encode(&mut out).unwrap();
//! assert_eq!(&out[..n], br#"{"response":200,"time":1700000000,"alert":"OK"}"#);
//! ```
//!
//! # A handshake over an in-memory transport
//!
//! Any [`embedded_io::Read`] + [`embedded_io::Write`] will do; here the
//! "server" is a byte slice holding its answer, and what the client writes
//! goes to a fixed buffer. Nothing is allocated.
//!
//! ```
//! use jim_core::{io::Connection, io::Error, Presence, StatusCode};
//!
//! struct Loopback<'a> { answer: &'a [u8], sent: heapless::Vec<u8, 256> }
//! impl embedded_io::ErrorType for Loopback<'_> { type Error = core::convert::Infallible; }
//! impl embedded_io::Read for Loopback<'_> {
//!     fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
//!         let n = buf.len().min(self.answer.len()).min(1); // one byte per read
//!         buf[..n].copy_from_slice(&self.answer[..n]);
//!         self.answer = &self.answer[n..];
//!         Ok(n)
//!     }
//! }
//! impl embedded_io::Write for Loopback<'_> {
//!     fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
//!         let n = buf.len().min(self.sent.capacity() - self.sent.len());
//!         self.sent.extend_from_slice(&buf[..n]).ok();
//!         Ok(n)
//!     }
//!     fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! }
//!
//! let server = Loopback { answer: br#"{"response": 200}"#, sent: heapless::Vec::new() };
//! let mut conn: Connection<_> = Connection::new(server);
//! let presence = Presence::new("alice").with_status("Online").at(1_700_000_000);
//! let answer = conn.handshake(&presence).unwrap();
//! assert_eq!(answer.code, StatusCode::OK);
//! assert_eq!(
//!     &conn.transport().sent[..],
//!     &b"{\"action\":\"presence\",\"time\":1700000000,\"type\":\"status\",\"user\":{\"account_name\":\"alice\",\"status\":\"Online\"}}\n"[..]
//! );
//!
//! // A refusal is a typed error carrying the code; the answer, with the
//! // server's text, is still in the receive buffer.
//! let server = Loopback { answer: br#"{"response": 409, "error": "name taken"}"#, sent: heapless::Vec::new() };
//! let mut conn: Connection<_> = Connection::new(server);
//! match conn.handshake(&presence) {
//!     Err(Error::Rejected { code }) => assert_eq!(code.as_u16(), 409),
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(conn.last_response().unwrap().text().unwrap(), "name taken");
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod asynch;
pub mod client;
pub mod code;
pub mod decode;
pub mod encode;
pub mod error;
pub mod framer;
pub mod io;
pub mod limits;
pub mod message;
#[cfg(feature = "embedded-nal")]
pub mod nal;
mod scan;
#[cfg(feature = "serde")]
pub mod serde;
pub mod server;
pub mod text;
pub mod timestamp;

pub use code::StatusCode;
pub use decode::decode;
pub use encode::{Encode, Escaping, JsonWriter};
pub use error::{DecodeError, EncodeError, Field, FrameError, TextError};
pub use framer::Framer;
pub use message::*;
pub use text::Text;
pub use timestamp::Timestamp;

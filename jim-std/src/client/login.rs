//! The login exchange of a [`Session`](super::Session): presence, and `authenticate` or
//! the course's `511` challenge when the server asks, before the reader
//! thread takes the socket over.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use jim_core::{Authenticate, EncodeError, Framer, StatusCode};

use super::challenge::challenge_answer;
use super::config::Dialect;
use super::event::Event;
use super::reader::{event_for, success};
use super::request::Reply;
use super::shared::Shared;
use super::wire::{self, Inbound, Speaker, MAX_FRAME};
use crate::error::ClientError;

/// The login exchange, before the reader thread takes the socket over.
pub(super) struct Login<'s> {
    pub(super) stream: TcpStream,
    pub(super) framer: Box<Framer<MAX_FRAME>>,
    pub(super) deadline: Instant,
    /// The first bytes received, to show a peer that is not JIM.
    pub(super) seen: Vec<u8>,
    /// Chat messages that came before the answer.
    pub(super) early: Vec<Event>,
    pub(super) shared: &'s Shared,
}

/// How many bytes of a foreign answer are kept to show.
const SEEN_BYTES: usize = 60;

impl Login<'_> {
    pub(super) fn run(&mut self, password: Option<&str>) -> Result<Reply, ClientError> {
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

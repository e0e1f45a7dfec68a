//! Letting clients in: accepting, the per-address and total limits, and
//! turning away with `500` and a clean close.

use std::io;
use std::net::SocketAddr;
use std::time::Instant;

use log::{debug, warn};
use mio::{Interest, Token};

use super::EventLoop;
use crate::hub::{CloseReason, Line, Time};
use crate::server::admission::{self, ACCEPT_RETRY};
use crate::server::connection::Connection;

/// Clients accepted per turn at most: a burst of thousands of connects is
/// taken over several turns, not in one long one.
pub(super) const ACCEPTS_PER_TURN: usize = 64;

/// Clients turned away or finished, lingering until they read their last
/// line, at most; beyond it a refused client is written to and closed.
pub(super) const MAX_LINGERING: usize = 4096;

impl EventLoop {
    /// Accepts the queued clients (edge-triggered: until `WouldBlock`), at
    /// most [`ACCEPTS_PER_TURN`]; the rest in the next turns.
    pub(super) fn accept(&mut self, now: Time) {
        self.accept_more = false;
        for _ in 0..ACCEPTS_PER_TURN {
            match self.listener.accept() {
                Ok((stream, peer)) => {
                    self.starved = false;
                    self.admit(stream, peer, now);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if admission::is_transient(&e) => {}
                // Linux reports this before looking at the queue, so it
                // does not mean anyone is waiting.
                Err(e) if admission::is_out_of_descriptors(&e) => {
                    if !self.turn_away_without_descriptors(now) {
                        if !self.starved {
                            warn!("out of file descriptors, accepting again shortly: {e}");
                            self.starved = true;
                        }
                        self.accept_retry = Some(now.elapsed + ACCEPT_RETRY);
                        return;
                    }
                }
                Err(e) => {
                    warn!("accept failed, trying again shortly: {e}");
                    self.accept_retry = Some(now.elapsed + ACCEPT_RETRY);
                    return;
                }
            }
        }
        // No `WouldBlock` seen: the queue may hold more, and no new event
        // will say so.
        self.accept_more = true;
    }

    /// Out of descriptors: frees the spare to accept one client, answers it
    /// `server busy` and closes it, then takes the spare back. `false` when
    /// there was no spare or nobody waiting.
    pub(super) fn turn_away_without_descriptors(&mut self, now: Time) -> bool {
        if !self.spare.release() {
            return false;
        }
        let turned_away = match self.listener.accept() {
            Ok((mut stream, _)) => {
                // Best effort: the socket is new, the line small.
                let _ = io::Write::write(&mut stream, &busy_line(now, "server busy"));
                self.refusals.record_starved(Instant::now());
                true
            }
            Err(e) => admission::is_transient(&e),
        };
        self.spare.restore();
        turned_away
    }

    pub(super) fn admit(&mut self, stream: mio::net::TcpStream, peer: SocketAddr, now: Time) {
        // Answers are small and each one is awaited: don't let Nagle hold
        // them back waiting for an ACK.
        let _ = stream.set_nodelay(true);
        if self.config.socket_buffer > 0 {
            let socket = socket2::SockRef::from(&stream);
            let _ = socket.set_send_buffer_size(self.config.socket_buffer);
            let _ = socket.set_recv_buffer_size(self.config.socket_buffer);
        }
        let from_here = self.per_address.get(&peer.ip()).copied().unwrap_or(0);
        let refusal = if self.ids.len() >= self.config.max_connections {
            Some("server busy")
        } else if from_here >= self.config.max_per_address {
            Some("too many connections from your address")
        } else {
            None
        };
        let mut conn = match refusal {
            Some(why) => {
                self.refusals.record_busy(Instant::now());
                let lingering = self.conns.len().saturating_sub(self.ids.len());
                let line = busy_line(now, why);
                if lingering >= MAX_LINGERING {
                    // Too many lingering already: write and close now.
                    let mut stream = stream;
                    let _ = io::Write::write(&mut stream, &line);
                    return;
                }
                Connection::turned_away(stream, peer, line, now.elapsed)
            }
            None => {
                debug!("connection from {peer}");
                let id = self.hub.connect(peer, now);
                Connection::open(stream, peer, id)
            }
        };
        let key = self.conns.vacant_key();
        let interest = Interest::READABLE | Interest::WRITABLE;
        if let Err(e) = self
            .poll
            .registry()
            .register(conn.stream_mut(), Token(key), interest)
        {
            warn!("cannot watch connection from {peer}: {e}");
            if let Some(id) = conn.id {
                self.hub
                    .disconnect(id, CloseReason::Gone, now, &mut self.effects);
                self.effects.drain();
            }
            return;
        }
        if let Some(id) = conn.id {
            self.ids.insert(id, key);
            *self.per_address.entry(peer.ip()).or_default() += 1;
        }
        self.conns.insert(conn);
        self.mark_dirty(key);
    }
}

/// `{"response":500,"time":…,"error":why}` and a newline.
pub(super) fn busy_line(now: Time, why: &str) -> Line {
    let response = jim_core::Response::with_text(
        jim_core::StatusCode::SERVER_ERROR,
        now.unix,
        jim_core::Text::plain(why),
    );
    let mut buf = [0u8; 256];
    match jim_core::Encode::encode(&response, &mut buf) {
        Ok(n) => {
            let mut line = buf.get(..n).unwrap_or_default().to_vec();
            line.push(b'\n');
            Line::from(line)
        }
        Err(_) => Line::from(&b"{\"response\":500}\n"[..]),
    }
}

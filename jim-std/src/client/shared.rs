//! What a [`Session`](super::Session)'s handle and its reader thread
//! share: the write half (one lock, so queue order is wire order) and the
//! queue of requests waiting for their answers.

use std::collections::VecDeque;
use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::mpsc::SyncSender;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use jim_core::EncodeError;

use super::config::Dialect;
use super::request::Reply;
use super::unix_seconds;
use super::wire::Speaker;
use crate::error::ClientError;

/// What a response is handed to.
pub(super) enum Waiter {
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
pub(super) struct Shared {
    /// The write half, and the buffer to encode into. Held while a
    /// request is queued and written, so queue order is wire order.
    pub(super) writer: Mutex<Writer>,
    /// Waiters in the order their requests were written; `None` once the
    /// connection is gone (no request can be queued then).
    pub(super) waiters: Mutex<Option<VecDeque<Waiter>>>,
    pub(super) name: String,
    pub(super) status: Option<String>,
    pub(super) pubkey: Option<String>,
    pub(super) dialect: Dialect,
    pub(super) timeout: Duration,
    pub(super) raw: bool,
    pub(super) quitting: AtomicBool,
    pub(super) dropped: AtomicBool,
    pub(super) next_id: AtomicU64,
}

pub(super) struct Writer {
    pub(super) stream: TcpStream,
    pub(super) buf: Vec<u8>,
}

impl Shared {
    pub(super) fn speaker(&self) -> Speaker<'_> {
        Speaker {
            name: &self.name,
            status: self.status.as_deref(),
            pubkey: self.pubkey.as_deref(),
            dialect: self.dialect,
            now: unix_seconds(),
        }
    }

    pub(super) fn writer(&self) -> MutexGuard<'_, Writer> {
        // A poisoned lock only means another thread panicked mid-write;
        // the socket is still a socket.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn waiters(&self) -> MutexGuard<'_, Option<VecDeque<Waiter>>> {
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `waiter` and writes what `encode` produces, atomically with
    /// respect to other requests.
    pub(super) fn submit(
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
    pub(super) fn send_only(
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

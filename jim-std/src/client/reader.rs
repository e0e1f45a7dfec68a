//! The reader thread of a [`Session`](super::Session): frames what the server sends,
//! hands each answer to the request waiting for it, delivers the rest as
//! [`Event`]s and answers probes.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::mpsc::Sender;

use jim_core::Framer;

use super::event::{Disconnect, Event, Incoming};
use super::request::Reply;
use super::shared::{Shared, Waiter};
use super::wire::{self, Inbound, Speaker, MAX_FRAME};
use crate::error::ClientError;

/// A 2xx is the reply; anything else [`ClientError::Rejected`].
pub(super) fn success(reply: Reply) -> Result<Reply, ClientError> {
    if reply.code.is_success() {
        Ok(reply)
    } else {
        Err(ClientError::Rejected {
            code: reply.code,
            text: reply.text.unwrap_or_default(),
        })
    }
}

pub(super) fn event_for(m: Incoming) -> Event {
    if m.history {
        Event::History(m)
    } else if m.is_room() {
        Event::Room(m)
    } else {
        Event::Direct(m)
    }
}

/// The reader thread: frames, decodes and dispatches until the stream ends.
pub(super) fn read_loop(
    shared: &Shared,
    mut stream: TcpStream,
    mut framer: Box<Framer<MAX_FRAME>>,
    events: &Sender<Event>,
) {
    let end = loop {
        while let Some(frame) = framer.next_frame() {
            if shared.raw {
                let raw = match frame {
                    Ok(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                    Err(e) => format!("({e})"),
                };
                let _ = events.send(Event::Raw(raw));
            }
            dispatch(shared, wire::inbound(frame), events);
        }
        match stream.read(framer.space()) {
            Ok(0) => break None,
            Ok(n) => framer.commit(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => break Some(e),
        }
    };
    // No more requests can be queued; those waiting learn it now.
    let waiting = shared.waiters().take();
    for waiter in waiting.into_iter().flatten() {
        if let Waiter::Request { tx, .. } = waiter {
            let _ = tx.try_send(Err(ClientError::Disconnected));
        }
    }
    let why = if shared.dropped.load(Ordering::SeqCst) {
        Disconnect::Dropped
    } else if shared.quitting.load(Ordering::SeqCst) {
        Disconnect::Quit
    } else {
        match end {
            None => Disconnect::Closed,
            Some(e) => Disconnect::Failed(e.to_string()),
        }
    };
    let _ = stream.shutdown(Shutdown::Both);
    let _ = events.send(Event::Disconnected(why));
}

fn dispatch(shared: &Shared, inbound: Inbound, events: &Sender<Event>) {
    match inbound {
        Inbound::Response(reply) => {
            let code = reply.code;
            // Notices and the course's 205 push answer nothing.
            let unsolicited = code.is_notice() || code.as_u16() == 205;
            let waiter = if unsolicited {
                None
            } else {
                shared.waiters().as_mut().and_then(VecDeque::pop_front)
            };
            match waiter {
                Some(Waiter::Request { tx, accept_511, .. }) => {
                    let result = if accept_511 && code.as_u16() == 511 {
                        Ok(reply)
                    } else {
                        success(reply)
                    };
                    // The requester may have stopped waiting: fine.
                    let _ = tx.try_send(result);
                }
                Some(Waiter::ProbeAnswer) if code.is_success() => {}
                Some(Waiter::ProbeAnswer) | None => {
                    let _ = events.send(Event::Notice {
                        code,
                        text: reply.text,
                    });
                }
            }
        }
        Inbound::Probe => {
            let presence = |s: &Speaker<'_>, out: &mut [u8]| wire::encode_line(&s.presence(), out);
            if let Err(e) = shared.submit(Waiter::ProbeAnswer, presence) {
                log::debug!("could not answer a probe: {e}");
            }
            let _ = events.send(Event::Probe);
        }
        Inbound::Msg(m) => {
            let _ = events.send(event_for(m));
        }
        Inbound::Other(action) => log::debug!("ignored a {action} from the server"),
        Inbound::Bad(reason) => {
            let _ = events.send(Event::Unreadable(reason));
        }
    }
}

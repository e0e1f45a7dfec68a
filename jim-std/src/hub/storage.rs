//! The hub's side of storage: requests that wait for an [`Outcome`], and
//! the messages that waited for their recipient.
//!
//! A request that needs storage becomes an [`Effect::Store`] and a
//! [`Waiting`] entry, answered when its outcome comes back through
//! [`Hub::stored`]. Answers always come in request order:
//!
//! - Requests that only read or add to storage (`msg`, contacts,
//!   `get_history`) may follow each other while earlier ones are stored,
//!   up to [`MAX_IN_FLIGHT`] — the storage thread runs them in order, so
//!   their outcomes come back in order, and a sender that pipelines keeps
//!   both threads busy.
//! - A request that changes what later ones see (`presence`, `authenticate`,
//!   `join`) waits alone: nothing after it is taken until it is answered.
//! - Any other message that comes while requests are in flight is held (one
//!   frame, at most 8 KiB) and handled when they are done.
//!
//! While [`Hub::is_waiting`] says so, the event loop stops handing the
//! client's frames to the hub; [`Effect::Resume`] says when to go on. The
//! entries are the hub's, not the client's: a message stored for a sender
//! who has gone meanwhile is still delivered.

use std::collections::VecDeque;

use jim_core::{FrameError, Message, Text};
use log::{error, warn};

use super::effects::Purpose;
use super::{reply, ClientId, Effect, Effects, Hub, StoreTag, Time};
use crate::store::{Op, Outcome, StoreError};

/// Storage requests one client may have in flight before its next
/// messages wait.
pub const MAX_IN_FLIGHT: usize = 32;

/// A message on its way through storage.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// The recipient's name or the `#room`, decoded.
    pub to: String,
    pub text: String,
    pub encoding: Option<String>,
    /// Stored as pending: marked delivered once written.
    pub pending: bool,
}

/// A request waiting for its storage outcome.
#[derive(Debug)]
pub(crate) enum Waiting {
    /// A bare presence for `name`: may it have the name?
    Presence {
        name: String,
    },
    /// `authenticate` as `name`.
    Login {
        name: String,
    },
    Contacts,
    AddContact {
        contact: String,
    },
    DelContact {
        contact: String,
    },
    /// A message from `from`, stored before it is delivered.
    Chat {
        from: String,
        message: Outgoing,
    },
    Join {
        room: String,
    },
    History,
}

impl Waiting {
    /// It changes what the requests after it see: they wait for it.
    fn is_barrier(&self) -> bool {
        matches!(
            self,
            Waiting::Presence { .. } | Waiting::Login { .. } | Waiting::Join { .. }
        )
    }
}

/// A client's requests in storage, in order.
#[derive(Debug, Default)]
pub(crate) struct InFlight {
    requests: VecDeque<Waiting>,
    /// A barrier is in flight, or a frame is held: take nothing more.
    blocked: bool,
    /// The message that came while requests were in flight and may not
    /// overtake them.
    held: Option<Result<Vec<u8>, FrameError>>,
}

/// Whether `message` may go to storage behind others of its kind.
pub(crate) fn pipelines(message: &Message<'_>) -> bool {
    matches!(
        message,
        Message::Msg(_)
            | Message::GetContacts(_)
            | Message::AddContact(_)
            | Message::DelContact(_)
            | Message::GetHistory(_)
    )
}

impl Hub {
    /// Whether `id` waits for storage: the event loop then keeps its
    /// further messages until [`Effect::Resume`].
    pub fn is_waiting(&self, id: ClientId) -> bool {
        self.waiting
            .get(&id)
            .is_some_and(|f| f.blocked || f.requests.len() >= MAX_IN_FLIGHT)
    }

    /// Whether `id` has requests in storage.
    pub(super) fn in_flight(&self, id: ClientId) -> bool {
        self.waiting
            .get(&id)
            .is_some_and(|f| !f.requests.is_empty())
    }

    /// Keeps `frame` until `id`'s requests in flight are answered.
    pub(super) fn hold(&mut self, id: ClientId, frame: Result<&[u8], FrameError>) {
        let f = self.waiting.entry(id).or_default();
        f.held = Some(frame.map(<[u8]>::to_vec));
        f.blocked = true;
    }

    /// Asks storage for `op` on behalf of `id`'s current request.
    pub(super) fn wait_for(&mut self, id: ClientId, waiting: Waiting, op: Op, out: &mut Effects) {
        let f = self.waiting.entry(id).or_default();
        f.blocked |= waiting.is_barrier();
        f.requests.push_back(waiting);
        out.store(id, Purpose::Request, op);
    }

    /// The oldest request of `id` in flight, answered; what it held back
    /// goes on when none is left.
    fn answered(&mut self, id: ClientId) -> Option<Waiting> {
        let f = self.waiting.get_mut(&id)?;
        let waiting = f.requests.pop_front();
        if f.requests.is_empty() {
            f.blocked = false;
        }
        waiting
    }

    /// After an answer: the held frame, if its turn has come, and
    /// [`Effect::Resume`] once `id` may send again.
    fn go_on(&mut self, id: ClientId, now: Time, out: &mut Effects) {
        let Some(f) = self.waiting.get_mut(&id) else {
            return;
        };
        if !f.requests.is_empty() {
            if f.requests.len() < MAX_IN_FLIGHT && !f.blocked {
                out.push(Effect::Resume(id));
            }
            return;
        }
        let held = f.held.take();
        self.waiting.remove(&id);
        if !self.clients.contains_key(&id) {
            return;
        }
        if let Some(frame) = held {
            self.frame(id, frame.as_deref().map_err(|e| *e), now, out);
        }
        if !self.is_waiting(id) {
            out.push(Effect::Resume(id));
        }
    }

    /// The outcome of an [`Effect::Store`] with `tag`.
    pub fn stored(&mut self, tag: StoreTag, outcome: Outcome, now: Time, out: &mut Effects) {
        let id = tag.client;
        match tag.purpose {
            Purpose::Request => {
                let Some(waiting) = self.answered(id) else {
                    return;
                };
                if let Outcome::Failed(e) = &outcome {
                    self.storage_failed(id, &waiting, e, now, out);
                } else {
                    self.finish(id, waiting, outcome, now, out);
                }
                self.go_on(id, now, out);
            }
            Purpose::Backlog => match outcome {
                Outcome::Messages(page) => self.backlog_page(id, page, now, out),
                Outcome::Failed(e) => {
                    error!("storage: cannot fetch waiting messages for {id}: {e}");
                    if let Some(client) = self.clients.get_mut(&id) {
                        // They stay stored; the next login tries again.
                        client.page_asked = false;
                        client.backlog = None;
                    }
                }
                _ => {}
            },
            Purpose::Delivered => {
                if let Outcome::Failed(e) = outcome {
                    // Not lost: still pending, so sent again next time.
                    warn!("storage: cannot mark messages to {id} delivered: {e}");
                }
            }
        }
    }

    fn storage_failed(
        &mut self,
        id: ClientId,
        waiting: &Waiting,
        e: &StoreError,
        now: Time,
        out: &mut Effects,
    ) {
        error!("storage failed for client {id} ({waiting:?}): {e}");
        let text = match e {
            StoreError::Busy => "server busy (storage): try again",
            _ => "storage error: try again later",
        };
        if self.clients.contains_key(&id) {
            out.reply(id, reply::error(500, now, text));
        }
    }

    fn finish(
        &mut self,
        id: ClientId,
        waiting: Waiting,
        outcome: Outcome,
        now: Time,
        out: &mut Effects,
    ) {
        match (waiting, outcome) {
            (Waiting::Chat { from, message }, outcome) => {
                self.chat_stored(id, &from, &message, outcome, now, out)
            }
            // The rest answer the client; if it has gone, nobody listens.
            _ if !self.clients.contains_key(&id) => {}
            (Waiting::Presence { name }, Outcome::IsAccount(taken)) => {
                self.presence_checked(id, &name, taken, now, out)
            }
            (Waiting::Login { name }, Outcome::Login(login)) => {
                self.logged_in(id, &name, login, now, out)
            }
            (Waiting::Contacts, Outcome::Names(names)) => {
                let names: Vec<Text<'_>> = names.iter().map(|n| Text::plain(n)).collect();
                out.reply(id, reply::list(now, &names));
            }
            (Waiting::AddContact { contact }, Outcome::Changed(added)) => {
                self.contact_added(id, &contact, added, now, out)
            }
            (Waiting::DelContact { contact }, Outcome::Changed(removed)) => {
                self.contact_removed(id, &contact, removed, now, out)
            }
            (Waiting::Join { room }, Outcome::Messages(history)) => {
                self.joined(id, &room, &history, now, out)
            }
            (Waiting::History, Outcome::Messages(page)) => self.history_page(id, &page, now, out),
            (waiting, outcome) => {
                error!("storage: {waiting:?} got {outcome:?}");
                out.reply(id, reply::error(500, now, "storage error"));
            }
        }
    }
}

//! The messages that waited for a client: sent a page at a time, as it
//! reads.
//!
//! A direct message to an account that is offline is stored as pending.
//! At its next login the pending messages are sent page by page
//! ([`BACKLOG_PAGE`]), the next page only once the previous one has been
//! written to the socket ([`Effect::NotifyDrained`] → [`Hub::drained`]) —
//! at the pace the client reads, never by overfilling its queue — and
//! marked delivered at that moment; one in flight when the server dies is
//! sent again at the next login (at least once, never lost). A message to
//! an online client is handed to its connection at once and stored as
//! delivered (it is in the history either way).

use jim_core::{ChatMessage, Text, Timestamp};

use super::client::Dialect;
use super::effects::Purpose;
use super::{reply, ClientId, Effect, Effects, Hub, Line, Time};
use crate::store::{Op, StoredMessage};

/// Stored messages fetched per backlog page.
pub const BACKLOG_PAGE: u32 = 64;
/// Bytes of backlog sent before waiting for them to be written (a page
/// of long messages is cut short here; the rest comes next).
const BACKLOG_BYTES: usize = 32 * 1024;

impl Hub {
    /// `id` is now bound to `name`: send what waited for it.
    pub(super) fn start_backlog(&mut self, id: ClientId, out: &mut Effects) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        client.backlog = Some(0);
        self.ask_page(id, out);
    }

    fn ask_page(&mut self, id: ClientId, out: &mut Effects) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let (Some(after), Some(name)) = (client.backlog, client.name.clone()) else {
            return;
        };
        if client.page_asked {
            return;
        }
        client.page_asked = true;
        out.store(
            id,
            Purpose::Backlog,
            Op::Pending {
                to: name,
                after,
                limit: BACKLOG_PAGE,
            },
        );
    }

    pub(super) fn backlog_page(
        &mut self,
        id: ClientId,
        page: Vec<StoredMessage>,
        now: Time,
        out: &mut Effects,
    ) {
        let _ = now;
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        client.page_asked = false;
        if client.backlog.is_none() {
            return;
        }
        let name = client.name.clone().unwrap_or_default();
        let full = page.len() >= BACKLOG_PAGE as usize;
        let mut bytes = 0;
        let mut cut = false;
        for m in &page {
            if m.to != name {
                // Renamed since the page was asked for: ask again.
                cut = true;
                break;
            }
            if let Some(line) = stored_line(m, &name, client.dialect, false) {
                bytes += line.len();
                out.send(id, line);
            }
            client.unconfirmed.push(m.id);
            client.backlog = Some(m.id);
            if bytes >= BACKLOG_BYTES {
                cut = true;
                break;
            }
        }
        if !full && !cut {
            // Everything that waited has been sent: from now on new
            // messages go straight to it.
            client.backlog = None;
        }
        self.ask_drained(id, out);
    }

    /// Asks to hear when `id`'s queue is written (once at a time).
    pub(super) fn ask_drained(&mut self, id: ClientId, out: &mut Effects) {
        if let Some(client) = self.clients.get_mut(&id) {
            if !client.drain_asked {
                client.drain_asked = true;
                out.push(Effect::NotifyDrained(id));
            }
        }
    }

    /// Everything queued for `id` has been written to its socket: mark what
    /// it was sent delivered, and send the next page of what waited.
    pub fn drained(&mut self, id: ClientId, now: Time, out: &mut Effects) {
        let _ = now;
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        client.drain_asked = false;
        if !client.unconfirmed.is_empty() {
            let ids = std::mem::take(&mut client.unconfirmed);
            out.store(id, Purpose::Delivered, Op::Delivered { ids });
        }
        if client.backlog.is_some() {
            self.ask_page(id, out);
        }
    }
}

/// A stored message as `dialect` reads it, sent to `recipient`: a room's
/// message carries the room in `to` (spec) or the recipient's name in `to`
/// and the room in `room` (course). Replayed history says so and carries
/// its id.
pub(crate) fn stored_line(
    m: &StoredMessage,
    recipient: &str,
    dialect: Dialect,
    history: bool,
) -> Option<Line> {
    let in_room = m.to.starts_with('#');
    let (to, room) = if in_room && dialect.course {
        (recipient, Some(m.to.as_str()))
    } else {
        (m.to.as_str(), None)
    };
    let message = ChatMessage {
        time: Timestamp::Seconds(m.time),
        to: Text::plain(to),
        from: Some(Text::plain(&m.from)),
        encoding: None,
        message: Text::plain(&m.text),
        room: room.map(Text::plain),
        history,
        id: history.then(|| u64::try_from(m.id).unwrap_or(0)),
        spelling: dialect.spelling,
    };
    reply::encode(&message, dialect.escaping())
}

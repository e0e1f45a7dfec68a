//! `join` and `leave`. Rooms exist while they have members; `#all`
//! (everyone online) needs no joining.
//!
//! - `join` → `200`, then the room's last messages
//!   ([`HubConfig::history_on_join`](super::HubConfig::history_on_join),
//!   marked `"history":true`); again → still `200`, no replay.
//! - `leave` → `200`, or `404` when not a member.

use jim_core::Text;
use log::info;

use super::backlog::stored_line;
use super::chat::ALL;
use super::printable::Printable;
use super::storage::Waiting;
use super::{decoded, reply, ClientId, Effects, Hub, Request, Time};
use crate::store::{Op, StoredMessage};

impl Hub {
    pub(super) fn join(&mut self, req: &mut Request<'_>, room: &Text<'_>) {
        let room = decoded(room).into_owned();
        let Some(client) = self.clients.get(&req.id) else {
            return;
        };
        let limit = self.config.history_on_join;
        if client.rooms.contains(&room) || limit == 0 {
            self.add_member(req.id, &room);
            req.out.reply(req.id, reply::ok(req.now));
            return;
        }
        let owner = client.name.clone().unwrap_or_default();
        let op = Op::History {
            owner,
            with: room.clone(),
            before: None,
            limit,
        };
        // Joined when the history comes: a message stored before it is in
        // the history, one stored after reaches it live — never both.
        self.wait_for(req.id, Waiting::Join { room }, op, req.out);
    }

    pub(super) fn joined(
        &mut self,
        id: ClientId,
        room: &str,
        history: &[StoredMessage],
        now: Time,
        out: &mut Effects,
    ) {
        self.add_member(id, room);
        out.reply(id, reply::ok(now));
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        let name = client.name.as_deref().unwrap_or_default();
        for m in history {
            if let Some(line) = stored_line(m, name, client.dialect, true) {
                out.send(id, line);
            }
        }
    }

    fn add_member(&mut self, id: ClientId, room: &str) {
        if room == ALL {
            return;
        }
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        if client.rooms.insert(room.to_owned()) {
            info!("client {client} joined {}", Printable(room));
            self.rooms.entry(room.to_owned()).or_default().insert(id);
        }
    }

    pub(super) fn leave(&mut self, req: &mut Request<'_>, room: &Text<'_>) {
        let room = decoded(room);
        if room != ALL {
            let Some(client) = self.clients.get_mut(&req.id) else {
                return;
            };
            if !client.rooms.remove(room.as_ref()) {
                let text = format!("you are not a member of {room}");
                req.out.reply(req.id, reply::error(404, req.now, &text));
                return;
            }
            info!("client {client} left {}", Printable(&room));
            self.remove_member(&room, req.id);
        }
        req.out.reply(req.id, reply::ok(req.now));
    }

    /// Takes `id` out of `room`'s members; an empty room ceases to exist.
    pub(super) fn remove_member(&mut self, room: &str, id: ClientId) {
        if let Some(members) = self.rooms.get_mut(room) {
            members.remove(&id);
            if members.is_empty() {
                self.rooms.remove(room);
            }
        }
    }
}

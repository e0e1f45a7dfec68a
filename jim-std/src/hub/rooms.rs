//! `join` and `leave`. Rooms exist while they have members; `#all`
//! (everyone online) needs no joining.
//!
//! - `join` → `200`, again → still `200`.
//! - `leave` → `200`, or `404` when not a member.

use jim_core::Text;
use log::info;

use super::chat::ALL;
use super::printable::Printable;
use super::{decoded, reply, ClientId, Hub, Request};

impl Hub {
    pub(super) fn join(&mut self, req: &mut Request<'_>, room: &Text<'_>) {
        let room = decoded(room);
        if room != ALL {
            let Some(client) = self.clients.get_mut(&req.id) else {
                return;
            };
            if client.rooms.insert(room.to_string()) {
                info!("client {client} joined {}", Printable(&room));
                self.rooms
                    .entry(room.to_string())
                    .or_default()
                    .insert(req.id);
            }
        }
        req.out.reply(req.id, reply::ok(req.now));
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

//! `msg` (course: `message`): relays text to a user, a room, or `#all`.
//!
//! - To a user who is online: delivered, the sender gets `200`; offline or
//!   unknown: `404` naming them.
//! - To a `#room`: delivered to every other member; a sender who is not a
//!   member gets `403`. `#all` is every named client, no join needed.
//! - Each recipient gets the message in its own dialect (its spelling,
//!   escaping, and for course clients its own name in `to` with the room in
//!   `room`), from the sender's name as the hub knows it — never what the
//!   sender put in `from`.

use std::collections::HashMap;

use jim_core::{ChatMessage, ChatVerb, Spelling, Text, Timestamp};
use log::debug;

use super::client::Dialect;
use super::printable::Printable;
use super::{decoded, reply, ClientId, Hub, Line, Request};

/// The room everyone online is in.
pub(crate) const ALL: &str = "#all";

impl Hub {
    pub(super) fn chat(&mut self, req: &mut Request<'_>, message: &ChatMessage<'_>) {
        let Some(client) = self.clients.get_mut(&req.id) else {
            return;
        };
        // What it sends is how it wants to be written to.
        client.dialect = Dialect {
            spelling: message.spelling,
            course: client.dialect.course || message.spelling.verb == ChatVerb::Message,
        };
        client.dialect_learned = true;
        let Some(sender) = client.name.clone() else {
            return;
        };
        let target = decoded(&message.to);
        if message.is_to_room() {
            let recipients: Vec<ClientId> = if target == ALL {
                let mut everyone: Vec<ClientId> = self.names.values().copied().collect();
                everyone.sort_unstable();
                everyone
            } else {
                match self.rooms.get(target.as_ref()) {
                    Some(members) if members.contains(&req.id) => members.iter().copied().collect(),
                    _ => {
                        let text = format!("you are not a member of {target}");
                        req.out.reply(req.id, reply::error(403, req.now, &text));
                        return;
                    }
                }
            };
            let mut lines = LineCache::default();
            let mut delivered = 0usize;
            for to in recipients.into_iter().filter(|&to| to != req.id) {
                let Some(recipient) = self.clients.get(&to) else {
                    continue;
                };
                let line = if recipient.dialect.course {
                    // Its own name in `to` (course clients drop the rest).
                    let name = recipient.name.as_deref().unwrap_or_default();
                    relay(
                        message,
                        &sender,
                        name,
                        Some(&target),
                        recipient.dialect,
                        req.now,
                    )
                } else {
                    lines.get(recipient.dialect, || {
                        relay(message, &sender, &target, None, recipient.dialect, req.now)
                    })
                };
                if let Some(line) = line {
                    req.out.send(to, line);
                    delivered += 1;
                }
            }
            debug!(
                "{} -> {}: {delivered} recipient(s)",
                Printable(&sender),
                Printable(&target)
            );
        } else {
            let Some(&to) = self.names.get(target.as_ref()) else {
                let text = format!("{target} is not online");
                req.out.reply(req.id, reply::error(404, req.now, &text));
                return;
            };
            let Some(recipient) = self.clients.get(&to) else {
                return;
            };
            if let Some(line) = relay(message, &sender, &target, None, recipient.dialect, req.now) {
                req.out.send(to, line);
            }
            debug!("{} -> {}", Printable(&sender), Printable(&target));
        }
        req.out.reply(req.id, reply::ok(req.now));
    }
}

/// The message as `dialect` reads it: from `sender`, to `to`, with `room`
/// for a room message to a course client.
fn relay(
    message: &ChatMessage<'_>,
    sender: &str,
    to: &str,
    room: Option<&str>,
    dialect: Dialect,
    now: super::Time,
) -> Option<Line> {
    let relayed = ChatMessage {
        time: Timestamp::Seconds(now.unix),
        to: Text::plain(to),
        from: Some(Text::plain(sender)),
        encoding: message.encoding,
        message: message.message,
        room: room.map(Text::plain),
        history: false,
        id: None,
        spelling: dialect.spelling,
    };
    reply::encode(&relayed, dialect.escaping())
}

/// One encoding per dialect for the members who read the same bytes.
#[derive(Default)]
struct LineCache {
    lines: HashMap<(Spelling, bool), Option<Line>>,
}

impl LineCache {
    fn get(&mut self, dialect: Dialect, make: impl FnOnce() -> Option<Line>) -> Option<Line> {
        self.lines
            .entry((dialect.spelling, dialect.course))
            .or_insert_with(make)
            .clone()
    }
}

//! `msg` (course: `message`): relays text to a user, a room, or `#all`.
//!
//! - Every message is stored first; only after the commit is it delivered
//!   and the sender answered, so an acknowledged message is on disk.
//! - To a user who is online: delivered, the sender gets `200`. To an
//!   account that is offline: kept until it logs in, the sender gets
//!   `201` ("queued"). Neither: `404` naming them.
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
use super::storage::{Outgoing, Waiting};
use super::{decoded, reply, ClientId, Effects, Hub, Line, Request, Time};
use crate::store::{NewMessage, Op, Outcome};

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
        let target = decoded(&message.to).into_owned();
        let room = message.is_to_room();
        if room && target != ALL {
            let member = self
                .rooms
                .get(&target)
                .is_some_and(|members| members.contains(&req.id));
            if !member {
                let text = format!("you are not a member of {target}");
                req.out.reply(req.id, reply::error(403, req.now, &text));
                return;
            }
        }
        let recipient = if room {
            None
        } else {
            self.names.get(&target).and_then(|id| self.clients.get(id))
        };
        let online = recipient.is_some();
        // Pending (to be marked delivered once written) only if it cannot
        // go out at once: its recipient is offline, or still being sent
        // what waited for it. A message handed to an online connection is
        // delivered, and in the history; that saves a second write.
        let pending = !room && recipient.is_none_or(|r| r.backlog.is_some());
        let stored = NewMessage {
            from: sender.clone(),
            to: target.clone(),
            time: req.now.unix,
            text: decoded(&message.message).into_owned(),
            pending,
        };
        let outgoing = Outgoing {
            to: target,
            text: stored.text.clone(),
            encoding: message.encoding.as_ref().map(|e| decoded(e).into_owned()),
            pending,
        };
        // An offline recipient must be an account to be written to.
        let op = if room || online {
            Op::Save(stored)
        } else {
            Op::SaveForAccount(stored)
        };
        let waiting = Waiting::Chat {
            from: sender,
            message: outgoing,
        };
        self.wait_for(req.id, waiting, op, req.out);
    }

    /// `message` from `sender` (client `id`, perhaps gone) is stored, or
    /// not: deliver it and answer.
    pub(super) fn chat_stored(
        &mut self,
        id: ClientId,
        sender: &str,
        message: &Outgoing,
        outcome: Outcome,
        now: Time,
        out: &mut Effects,
    ) {
        let answer = match outcome {
            Outcome::Saved(_) if message.to.starts_with('#') => {
                self.deliver_to_room(id, sender, message, now, out);
                reply::ok(now)
            }
            Outcome::Saved(saved) => match self.names.get(&message.to).copied() {
                Some(to) => {
                    self.deliver_direct(to, saved, sender, message, now, out);
                    debug!("{} -> {}", Printable(sender), Printable(&message.to));
                    reply::ok(now)
                }
                None => {
                    debug!(
                        "{} -> {} (offline: queued)",
                        Printable(sender),
                        Printable(&message.to)
                    );
                    let text = format!("{} is offline: queued until they log in", message.to);
                    reply::with_text(201, now, &text)
                }
            },
            Outcome::NoAccount => {
                let text = format!("{} is not online", message.to);
                reply::error(404, now, &text)
            }
            other => {
                log::error!("storage: a message got {other:?}");
                reply::error(500, now, "storage error")
            }
        };
        if self.clients.contains_key(&id) {
            out.reply(id, answer);
        }
    }

    fn deliver_direct(
        &mut self,
        to: ClientId,
        saved: i64,
        sender: &str,
        message: &Outgoing,
        now: Time,
        out: &mut Effects,
    ) {
        let Some(recipient) = self.clients.get_mut(&to) else {
            return;
        };
        if message.pending && recipient.backlog.is_some() {
            // Older messages are still being sent to it: this one comes
            // with them, in order.
            return;
        }
        if let Some(line) = relay(message, sender, &message.to, None, recipient.dialect, now) {
            out.send(to, line);
        }
        if message.pending {
            recipient.unconfirmed.push(saved);
            self.ask_drained(to, out);
        }
    }

    fn deliver_to_room(
        &mut self,
        id: ClientId,
        sender: &str,
        message: &Outgoing,
        now: Time,
        out: &mut Effects,
    ) {
        let target = message.to.as_str();
        let recipients: Vec<ClientId> = if target == ALL {
            let mut everyone: Vec<ClientId> = self.names.values().copied().collect();
            everyone.sort_unstable();
            everyone
        } else {
            self.rooms
                .get(target)
                .map(|members| members.iter().copied().collect())
                .unwrap_or_default()
        };
        let mut lines = LineCache::default();
        let mut delivered = 0usize;
        for to in recipients.into_iter().filter(|&to| to != id) {
            let Some(recipient) = self.clients.get(&to) else {
                continue;
            };
            let line = if recipient.dialect.course {
                // Its own name in `to` (course clients drop the rest).
                let name = recipient.name.as_deref().unwrap_or_default();
                relay(message, sender, name, Some(target), recipient.dialect, now)
            } else {
                lines.get(recipient.dialect, || {
                    relay(message, sender, target, None, recipient.dialect, now)
                })
            };
            if let Some(line) = line {
                out.send(to, line);
                delivered += 1;
            }
        }
        debug!(
            "{} -> {}: {delivered} recipient(s)",
            Printable(sender),
            Printable(target)
        );
    }
}

/// The message as `dialect` reads it: from `sender`, to `to`, with `room`
/// for a room message to a course client.
fn relay(
    message: &Outgoing,
    sender: &str,
    to: &str,
    room: Option<&str>,
    dialect: Dialect,
    now: Time,
) -> Option<Line> {
    let relayed = ChatMessage {
        time: Timestamp::Seconds(now.unix),
        to: Text::plain(to),
        from: Some(Text::plain(sender)),
        encoding: message.encoding.as_deref().map(Text::plain),
        message: Text::plain(&message.text),
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

//! `get_history` (a jim extension): a page of a conversation from storage.
//!
//! `{"action":"get_history","to":NAME_OR_ROOM,"before":ID?,"limit":N?}` →
//! `202` whose `alert` says how many messages follow, then those messages,
//! oldest first, each with `"history":true` and its `"id"`. The next page
//! back is `before` the first id received; a page shorter than asked is
//! the first of the conversation. A direct conversation is the requester's
//! own with `to`; a room's may be read by its members only.

use jim_core::GetHistory;

use super::backlog::stored_line;
use super::chat::ALL;
use super::storage::Waiting;
use super::{decoded, reply, ClientId, Effects, Hub, Request, Time};
use crate::store::{Op, StoredMessage};

/// Messages per page when the request names no `limit`.
pub const HISTORY_PAGE: u32 = 20;
/// The most a `limit` may ask for.
pub const MAX_HISTORY_PAGE: u32 = 200;

impl Hub {
    pub(super) fn get_history(&mut self, req: &mut Request<'_>, query: &GetHistory<'_>) {
        let Some(client) = self.clients.get(&req.id) else {
            return;
        };
        let with = decoded(&query.to).into_owned();
        if with.starts_with('#') && with != ALL && !client.rooms.contains(&with) {
            let text = format!("you are not a member of {with}");
            req.out.reply(req.id, reply::error(403, req.now, &text));
            return;
        }
        let op = Op::History {
            owner: client.name.clone().unwrap_or_default(),
            with,
            before: query.before.map(|b| i64::try_from(b).unwrap_or(i64::MAX)),
            limit: query
                .limit
                .unwrap_or(HISTORY_PAGE)
                .clamp(1, MAX_HISTORY_PAGE),
        };
        self.wait_for(req.id, Waiting::History, op, req.out);
    }

    pub(super) fn history_page(
        &mut self,
        id: ClientId,
        page: &[StoredMessage],
        now: Time,
        out: &mut Effects,
    ) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        let text = format!("{} message(s) follow", page.len());
        out.reply(id, reply::with_text(202, now, &text));
        let name = client.name.as_deref().unwrap_or_default();
        for m in page {
            if let Some(line) = stored_line(m, name, client.dialect, true) {
                out.send(id, line);
            }
        }
    }
}

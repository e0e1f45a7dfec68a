//! `presence`: binds a connection to its name.
//!
//! - A free name is bound: `200`. The same name again updates the status
//!   (and the key): `200`.
//! - A name held by another live connection: `409`; the connection keeps
//!   the name it had, if any.
//! - A name that belongs to an account: `401` (log in with `authenticate`
//!   to use it). With [`Auth::Required`](super::Auth::Required) a presence
//!   binds nothing: it only sets the status of a logged-in connection (or
//!   is answered `200` "OK; log in with authenticate to chat").
//! - A different free name on a named connection renames it (as IRC's
//!   `NICK` does): the old name is freed at once, rooms are kept, and
//!   contacts follow the name (they belong to names, not connections). A
//!   logged-in connection cannot rename: `403`.
//! - Binding a name sends what was stored for it while it was away.

use jim_core::Presence;
use log::{debug, info};

use super::client::Dialect;
use super::printable::Printable;
use super::storage::Waiting;
use super::{decoded, reply, Auth, ClientId, Effects, Hub, Request, Time};
use crate::store::Op;

impl Hub {
    pub(super) fn presence(&mut self, req: &mut Request<'_>, presence: &Presence<'_>) {
        let name = decoded(&presence.user.account_name).into_owned();
        if let Some(&holder) = self.names.get(&name) {
            if holder != req.id {
                debug!("presence for {} refused: taken", Printable(&name));
                let text = format!("{name} is already connected");
                req.out.reply(req.id, reply::error(409, req.now, &text));
                return;
            }
        }
        let auth = self.config.auth;
        let Some(client) = self.clients.get_mut(&req.id) else {
            return;
        };
        if !client.dialect_learned {
            client.dialect = if presence.is_course_dialect() {
                Dialect::COURSE
            } else {
                Dialect::SPEC
            };
        }
        client.status = presence.user.status.as_ref().map(|s| s.to_string());
        if let Some(key) = &presence.user.pubkey {
            client.pubkey = Some(key.to_string());
        }
        let same = client.name.as_deref() == Some(name.as_str());
        if same {
            let status = client.status.as_deref().unwrap_or("none");
            debug!("client {} status: {}", Printable(&name), Printable(status));
            req.out.reply(req.id, reply::ok(req.now));
            return;
        }
        if client.logged_in {
            let text = format!(
                "you are logged in as {}",
                client.name.as_deref().unwrap_or_default()
            );
            req.out.reply(req.id, reply::error(403, req.now, &text));
            return;
        }
        match auth {
            // Allowed, but it binds nothing: say what is missing.
            Auth::Required => {
                let text = "OK; log in with authenticate to chat";
                req.out.reply(req.id, reply::with_text(200, req.now, text));
            }
            Auth::Optional => {
                let op = Op::IsAccount { name: name.clone() };
                self.wait_for(req.id, Waiting::Presence { name }, op, req.out);
            }
        }
    }

    /// Whether `name`, asked for by a bare presence, is an account's.
    pub(super) fn presence_checked(
        &mut self,
        id: ClientId,
        name: &str,
        is_account: bool,
        now: Time,
        out: &mut Effects,
    ) {
        if is_account {
            let text = format!("{name} is a registered account: log in with authenticate");
            out.reply(id, reply::error(401, now, &text));
            return;
        }
        if self.names.get(name).is_some_and(|&holder| holder != id) {
            let text = format!("{name} is already connected");
            out.reply(id, reply::error(409, now, &text));
            return;
        }
        self.bind(id, name);
        out.reply(id, reply::ok(now));
        self.start_backlog(id, out);
    }

    /// Binds `id` to `name` (free, checked by the caller), freeing the name
    /// it had.
    pub(super) fn bind(&mut self, id: ClientId, name: &str) {
        let Some(client) = self.clients.get_mut(&id) else {
            return;
        };
        let status = client.status.as_deref().unwrap_or("none");
        match client.name.replace(name.to_owned()) {
            None => info!(
                "client {} connected (status: {}) from {}",
                Printable(name),
                Printable(status),
                client.peer
            ),
            // A login on the name it already has (presence, then
            // authenticate): nothing to say.
            Some(old) if old == name => {}
            Some(old) => {
                info!("client {} is now {}", Printable(&old), Printable(name));
                if self.names.get(&old) == Some(&id) {
                    self.names.remove(&old);
                }
            }
        }
        self.names.insert(name.to_owned(), id);
        self.remember(name);
    }
}

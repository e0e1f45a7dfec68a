//! `presence`: binds a connection to its name.
//!
//! - A free name is bound: `200`. The same name again updates the status
//!   (and the key): `200`.
//! - A name held by another live connection: `409`; the connection keeps
//!   the name it had, if any.
//! - A different free name on a named connection renames it (as IRC's
//!   `NICK` does): the old name is freed at once, rooms are kept, and
//!   contacts follow the name (they belong to names, not connections).

use jim_core::Presence;
use log::{debug, info};

use super::client::Dialect;
use super::printable::Printable;
use super::{decoded, reply, Hub, Request};

impl Hub {
    pub(super) fn presence(&mut self, req: &mut Request<'_>, presence: &Presence<'_>) {
        let name = decoded(&presence.user.account_name);
        if let Some(&holder) = self.names.get(name.as_ref()) {
            if holder != req.id {
                debug!("presence for {} refused: taken", Printable(&name));
                let text = format!("{name} is already connected");
                req.out.reply(req.id, reply::error(409, req.now, &text));
                return;
            }
        }
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
        let status = client.status.as_deref().unwrap_or("none");
        match client.name.replace(name.to_string()) {
            None => info!(
                "client {} connected (status: {}) from {}",
                Printable(&name),
                Printable(status),
                client.peer
            ),
            Some(old) if old == name => {
                debug!("client {} status: {}", Printable(&name), Printable(status))
            }
            Some(old) => {
                info!("client {} is now {}", Printable(&old), Printable(&name));
                self.names.remove(&old);
            }
        }
        self.names.insert(name.to_string(), req.id);
        self.remember(&name);
        req.out.reply(req.id, reply::ok(req.now));
    }
}

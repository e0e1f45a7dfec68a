//! `get_contacts`, `add_contact`/`del_contact` (course: `add`/`remove`):
//! a contact list per name, kept in storage.
//!
//! The list is always the requester's own (the name it is bound to); a
//! `user_login` naming someone else is ignored rather than obeyed, so
//! nobody reads or edits another's list.
//!
//! - `get_contacts` → `202` with the names (in `alert` and `data_list`).
//! - `add_contact` → `200`; a name that is no account and was never seen
//!   online → `404`.
//! - `del_contact` → `200`; a name not in the list → `404`.

use jim_core::Text;
use log::debug;

use super::printable::Printable;
use super::storage::Waiting;
use super::{decoded, reply, ClientId, Effects, Hub, Request, Time};
use crate::store::Op;

impl Hub {
    fn own_name(&self, req: &Request<'_>) -> Option<String> {
        self.clients.get(&req.id).and_then(|c| c.name.clone())
    }

    pub(super) fn get_contacts(&mut self, req: &mut Request<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        self.wait_for(req.id, Waiting::Contacts, Op::Contacts { owner }, req.out);
    }

    pub(super) fn add_contact(&mut self, req: &mut Request<'_>, contact: &Text<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        let contact = decoded(contact).into_owned();
        let known = self.is_known(&contact);
        let op = Op::AddContact {
            owner,
            contact: contact.clone(),
            known,
        };
        self.wait_for(req.id, Waiting::AddContact { contact }, op, req.out);
    }

    pub(super) fn contact_added(
        &mut self,
        id: ClientId,
        contact: &str,
        added: bool,
        now: Time,
        out: &mut Effects,
    ) {
        if !added {
            let text = format!("no such user: {contact}");
            out.reply(id, reply::error(404, now, &text));
            return;
        }
        if let Some(owner) = self.name_of(id) {
            debug!("{} added contact {}", Printable(owner), Printable(contact));
        }
        out.reply(id, reply::ok(now));
    }

    pub(super) fn del_contact(&mut self, req: &mut Request<'_>, contact: &Text<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        let contact = decoded(contact).into_owned();
        let op = Op::DelContact {
            owner,
            contact: contact.clone(),
        };
        self.wait_for(req.id, Waiting::DelContact { contact }, op, req.out);
    }

    pub(super) fn contact_removed(
        &mut self,
        id: ClientId,
        contact: &str,
        removed: bool,
        now: Time,
        out: &mut Effects,
    ) {
        if !removed {
            let text = format!("{contact} is not in your contacts");
            out.reply(id, reply::error(404, now, &text));
            return;
        }
        if let Some(owner) = self.name_of(id) {
            debug!(
                "{} removed contact {}",
                Printable(owner),
                Printable(contact)
            );
        }
        out.reply(id, reply::ok(now));
    }
}

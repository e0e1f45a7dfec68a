//! `get_contacts`, `add_contact`/`del_contact` (course: `add`/`remove`):
//! a contact list per name, in memory.
//!
//! The list is always the requester's own (the name it is bound to); a
//! `user_login` naming someone else is ignored rather than obeyed, so
//! nobody reads or edits another's list.
//!
//! - `get_contacts` → `202` with the names (in `alert` and `data_list`).
//! - `add_contact` → `200`; a name never seen online → `404`.
//! - `del_contact` → `200`; a name not in the list → `404`.

use std::collections::{BTreeSet, HashMap};

use jim_core::Text;
use log::debug;

use super::printable::Printable;
use super::{decoded, reply, Hub, Request};

/// Most contacts one name may have.
pub(crate) const MAX_CONTACTS: usize = 1000;

/// Every name's contacts, sorted.
#[derive(Default)]
pub(crate) struct Contacts {
    lists: HashMap<String, BTreeSet<String>>,
}

impl Hub {
    fn own_name(&self, req: &Request<'_>) -> Option<String> {
        self.clients.get(&req.id).and_then(|c| c.name.clone())
    }

    pub(super) fn get_contacts(&mut self, req: &mut Request<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        let names: Vec<Text<'_>> = self
            .contacts
            .lists
            .get(&owner)
            .into_iter()
            .flatten()
            .map(|name| Text::plain(name))
            .collect();
        req.out.reply(req.id, reply::list(req.now, &names));
    }

    pub(super) fn add_contact(&mut self, req: &mut Request<'_>, contact: &Text<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        let contact = decoded(contact);
        if !self.is_known(&contact) {
            let text = format!("no such user: {contact}");
            req.out.reply(req.id, reply::error(404, req.now, &text));
            return;
        }
        let list = self.contacts.lists.entry(owner.clone()).or_default();
        if list.len() >= MAX_CONTACTS && !list.contains(contact.as_ref()) {
            let text = format!("too many contacts: at most {MAX_CONTACTS}");
            req.out.reply(req.id, reply::error(403, req.now, &text));
            return;
        }
        list.insert(contact.to_string());
        debug!(
            "{} added contact {}",
            Printable(&owner),
            Printable(&contact)
        );
        req.out.reply(req.id, reply::ok(req.now));
    }

    pub(super) fn del_contact(&mut self, req: &mut Request<'_>, contact: &Text<'_>) {
        let Some(owner) = self.own_name(req) else {
            return;
        };
        let contact = decoded(contact);
        let removed = self
            .contacts
            .lists
            .get_mut(&owner)
            .is_some_and(|list| list.remove(contact.as_ref()));
        if !removed {
            let text = format!("{contact} is not in your contacts");
            req.out.reply(req.id, reply::error(404, req.now, &text));
            return;
        }
        debug!(
            "{} removed contact {}",
            Printable(&owner),
            Printable(&contact)
        );
        req.out.reply(req.id, reply::ok(req.now));
    }
}

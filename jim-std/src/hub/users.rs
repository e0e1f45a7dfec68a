//! The course's `get_users` and `pubkey_need`.
//!
//! - `get_users` → `202` with the names online, sorted.
//! - `pubkey_need` → `511` with the named user's `user.pubkey` in `bin`
//!   (so the course clients' end-to-end encryption works through jim:
//!   their ciphertext is relayed untouched); `404` when that user is not
//!   online or sent no key.

use jim_core::{Escaping, Response, StatusCode, Text};

use super::{decoded, reply, Hub, Request};

impl Hub {
    pub(super) fn get_users(&mut self, req: &mut Request<'_>) {
        let mut names: Vec<&str> = self.names.keys().map(String::as_str).collect();
        names.sort_unstable();
        let names: Vec<Text<'_>> = names.into_iter().map(Text::plain).collect();
        req.out.reply(req.id, reply::list(req.now, &names));
    }

    pub(super) fn pubkey_need(&mut self, req: &mut Request<'_>, whose: &Text<'_>) {
        let whose = decoded(whose);
        let key = self
            .names
            .get(whose.as_ref())
            .and_then(|id| self.clients.get(id))
            .and_then(|c| c.pubkey.as_deref());
        let Some(key) = key else {
            let text = format!("no public key for {whose}");
            req.out.reply(req.id, reply::error(404, req.now, &text));
            return;
        };
        let mut answer = Response::with_text(
            StatusCode::new(511).unwrap_or(StatusCode::SERVER_ERROR),
            req.now.unix,
            Text::plain(""),
        );
        answer.error = None;
        answer.bin = Some(Text::plain(key));
        if let Some(line) = reply::encode(&answer, Escaping::Ascii) {
            req.out.reply(req.id, line);
        }
    }
}

//! `authenticate`: logs a connection in to its account.
//!
//! - Right password: `200`, the connection is bound to the account's name
//!   (renamed if it had another) and gets what was stored for it.
//! - Wrong name or wrong password: `402`, the same answer for both.
//! - The account is connected elsewhere: `409`.
//! - An unknown name with [`Registration::Open`](super::Registration::Open):
//!   the account is created (`200`).
//! - Repeated failures from one address are slowed down: after
//!   [`FREE_FAILURES`] in a row, each further attempt must wait twice as
//!   long as the last (1 s, 2 s, 4 s … at most [`MAX_LOCKOUT`]); until then
//!   the address gets `429` without the password being tried. A success
//!   clears the count.
//!
//! The password is checked on the storage side's own thread (argon2 takes
//! milliseconds); it is never logged.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

use jim_core::Authenticate;
use log::info;

use super::printable::Printable;
use super::storage::Waiting;
use super::{decoded, reply, ClientId, Effects, Hub, Registration, Request, Time};
use crate::store::{Login, Op};

/// Failed logins from one address that cost nothing.
pub const FREE_FAILURES: u32 = 3;
/// The longest an address is made to wait between attempts.
pub const MAX_LOCKOUT: Duration = Duration::from_secs(60);
/// Addresses remembered; past this, those no longer locked out are
/// forgotten.
const MAX_TRACKED: usize = 65_536;

/// Failed logins per source address.
#[derive(Debug, Default)]
pub(crate) struct LoginThrottle {
    by_address: HashMap<IpAddr, Failures>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    until: Duration,
}

impl LoginThrottle {
    /// How long `ip` must still wait, if at all.
    fn locked(&self, ip: IpAddr, now: Duration) -> Option<Duration> {
        let f = self.by_address.get(&ip)?;
        (f.until > now).then(|| f.until - now)
    }

    fn failed(&mut self, ip: IpAddr, now: Duration) {
        if self.by_address.len() >= MAX_TRACKED && !self.by_address.contains_key(&ip) {
            self.by_address.retain(|_, f| f.until > now);
        }
        let f = self.by_address.entry(ip).or_insert(Failures {
            count: 0,
            until: now,
        });
        f.count = f.count.saturating_add(1);
        if f.count > FREE_FAILURES {
            let doublings = (f.count - FREE_FAILURES - 1).min(16);
            let wait = Duration::from_secs(1 << doublings).min(MAX_LOCKOUT);
            f.until = now + wait;
        }
    }

    fn succeeded(&mut self, ip: IpAddr) {
        self.by_address.remove(&ip);
    }
}

impl Hub {
    pub(super) fn authenticate(&mut self, req: &mut Request<'_>, login: &Authenticate<'_>) {
        let name = decoded(&login.user.account_name).into_owned();
        let password = login
            .user
            .password
            .as_ref()
            .map(|p| decoded(p).into_owned())
            .unwrap_or_default();
        if password.is_empty() {
            // Never an account with an empty password (a missing one the
            // decoder refuses). Answered before any lookup, so it tells
            // nothing about whether the name exists.
            let text = "password is empty";
            req.out.reply(req.id, reply::error(400, req.now, text));
            return;
        }
        let Some(client) = self.clients.get(&req.id) else {
            return;
        };
        if client.logged_in && client.name.as_deref() == Some(name.as_str()) {
            req.out.reply(req.id, reply::ok(req.now));
            return;
        }
        if let Some(wait) = self.throttle.locked(client.peer.ip(), req.now.elapsed) {
            let text = format!(
                "too many failed logins from your address: try again in {} s",
                wait.as_secs().max(1)
            );
            req.out.reply(req.id, reply::error(429, req.now, &text));
            return;
        }
        if self
            .names
            .get(&name)
            .is_some_and(|&holder| holder != req.id)
        {
            let text = format!("{name} is already connected");
            req.out.reply(req.id, reply::error(409, req.now, &text));
            return;
        }
        let op = Op::Login {
            name: name.clone(),
            password,
            register: self.config.registration == Registration::Open,
        };
        self.wait_for(req.id, Waiting::Login { name }, op, req.out);
    }

    pub(super) fn logged_in(
        &mut self,
        id: ClientId,
        name: &str,
        login: Login,
        now: Time,
        out: &mut Effects,
    ) {
        let Some(client) = self.clients.get(&id) else {
            return;
        };
        let ip = client.peer.ip();
        if login == Login::Wrong {
            info!("login as {} from {ip} failed", Printable(name));
            self.throttle.failed(ip, now.elapsed);
            out.reply(id, reply::error(402, now, "wrong account name or password"));
            return;
        }
        self.throttle.succeeded(ip);
        if self.names.get(name).is_some_and(|&holder| holder != id) {
            let text = format!("{name} is already connected");
            out.reply(id, reply::error(409, now, &text));
            return;
        }
        if login == Login::Created {
            info!("account {} created", Printable(name));
        }
        self.bind(id, name);
        if let Some(client) = self.clients.get_mut(&id) {
            client.logged_in = true;
        }
        out.reply(id, reply::ok(now));
        self.start_backlog(id, out);
    }
}

//! What the hub asks of storage ([`Op`]), what it gets back
//! ([`Outcome`]), and [`apply`], which runs one op against a [`Store`].

use super::password::Check;
use super::{Login, NewMessage, Passwords, Store, StoreError, StoredMessage};

/// One storage request of the hub.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// Is `name` an account? → [`Outcome::IsAccount`].
    IsAccount {
        /// The name.
        name: String,
    },
    /// Log in (registering if allowed) → [`Outcome::Login`].
    Login {
        /// The account.
        name: String,
        /// The password as sent (never logged, never stored).
        password: String,
        /// Create the account if there is none.
        register: bool,
    },
    /// Internal to the worker: the second half of a registration.
    #[doc(hidden)]
    CreateAccount {
        /// The account.
        name: String,
        /// Its password's PHC string.
        phc: String,
    },
    /// `owner`'s contacts → [`Outcome::Names`].
    Contacts {
        /// Whose.
        owner: String,
    },
    /// Adds a contact → [`Outcome::Changed`] (`false`: `contact` is no
    /// account and `known` says it was never seen online either).
    AddContact {
        /// Whose list.
        owner: String,
        /// The name to add.
        contact: String,
        /// The hub has seen `contact` online.
        known: bool,
    },
    /// Removes a contact → [`Outcome::Changed`] (`false`: not there).
    DelContact {
        /// Whose list.
        owner: String,
        /// The name to remove.
        contact: String,
    },
    /// Stores a message → [`Outcome::Saved`].
    Save(NewMessage),
    /// Stores a message for an account that is offline →
    /// [`Outcome::Saved`], or [`Outcome::NoAccount`] when there is no such
    /// account (nothing stored).
    SaveForAccount(NewMessage),
    /// The next page of messages waiting for `to` → [`Outcome::Messages`].
    Pending {
        /// The recipient.
        to: String,
        /// Only ids above this (the last of the previous page).
        after: i64,
        /// Page size.
        limit: u32,
    },
    /// These messages reached their recipient → [`Outcome::Done`].
    Delivered {
        /// Their ids.
        ids: Vec<i64>,
    },
    /// A page of a conversation → [`Outcome::Messages`].
    History {
        /// Who asks.
        owner: String,
        /// The other account, or a `#room`.
        with: String,
        /// Only ids below this.
        before: Option<i64>,
        /// Page size.
        limit: u32,
    },
}

impl std::fmt::Debug for Op {
    /// Like a derived `Debug`, but a password shows as `"…"`: ops end up
    /// in logs and test failures.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Op::IsAccount { name } => f.debug_struct("IsAccount").field("name", name).finish(),
            Op::Login { name, register, .. } => f
                .debug_struct("Login")
                .field("name", name)
                .field("password", &"…")
                .field("register", register)
                .finish(),
            Op::CreateAccount { name, .. } => {
                f.debug_struct("CreateAccount").field("name", name).finish()
            }
            Op::Contacts { owner } => f.debug_struct("Contacts").field("owner", owner).finish(),
            Op::AddContact {
                owner,
                contact,
                known,
            } => f
                .debug_struct("AddContact")
                .field("owner", owner)
                .field("contact", contact)
                .field("known", known)
                .finish(),
            Op::DelContact { owner, contact } => f
                .debug_struct("DelContact")
                .field("owner", owner)
                .field("contact", contact)
                .finish(),
            Op::Save(m) => f.debug_tuple("Save").field(m).finish(),
            Op::SaveForAccount(m) => f.debug_tuple("SaveForAccount").field(m).finish(),
            Op::Pending { to, after, limit } => f
                .debug_struct("Pending")
                .field("to", to)
                .field("after", after)
                .field("limit", limit)
                .finish(),
            Op::Delivered { ids } => f.debug_struct("Delivered").field("ids", ids).finish(),
            Op::History {
                owner,
                with,
                before,
                limit,
            } => f
                .debug_struct("History")
                .field("owner", owner)
                .field("with", with)
                .field("before", before)
                .field("limit", limit)
                .finish(),
        }
    }
}

impl Op {
    /// Whether the op changes the database (and so waits for a commit).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Op::IsAccount { .. } | Op::Contacts { .. } | Op::Pending { .. } | Op::History { .. }
        )
    }
}

/// What an [`Op`] came to.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// For [`Op::IsAccount`].
    IsAccount(bool),
    /// For [`Op::Login`].
    Login(Login),
    /// For [`Op::Contacts`].
    Names(Vec<String>),
    /// For [`Op::AddContact`] and [`Op::DelContact`].
    Changed(bool),
    /// For [`Op::Save`] and [`Op::SaveForAccount`]: the new message's id.
    Saved(i64),
    /// For [`Op::SaveForAccount`]: the recipient is no account.
    NoAccount,
    /// For [`Op::Pending`] and [`Op::History`], oldest first.
    Messages(Vec<StoredMessage>),
    /// For [`Op::Delivered`].
    Done,
    /// It failed (and its transaction was rolled back).
    Failed(StoreError),
}

/// Runs `op` on `store` (inside the caller's transaction), hashing
/// passwords in place. The worker runs logins elsewhere (argon2 takes
/// milliseconds); tests and tools call this directly.
pub fn apply(store: &mut dyn Store, passwords: &Passwords, op: Op) -> Outcome {
    match op {
        Op::Login {
            name,
            password,
            register,
        } => {
            let stored = match store.password_hash(&name) {
                Ok(stored) => stored,
                Err(e) => return Outcome::Failed(e),
            };
            match passwords.check(&password, stored.as_deref(), register) {
                Ok(Check::Login(login)) => Outcome::Login(login),
                Ok(Check::Create(phc)) => apply(store, passwords, Op::CreateAccount { name, phc }),
                Err(e) => Outcome::Failed(e),
            }
        }
        op => result(apply_query(store, op)),
    }
}

fn result(r: Result<Outcome, StoreError>) -> Outcome {
    r.unwrap_or_else(Outcome::Failed)
}

/// Every op but a login's password check.
pub(crate) fn apply_query(store: &mut dyn Store, op: Op) -> Result<Outcome, StoreError> {
    Ok(match op {
        Op::IsAccount { name } => Outcome::IsAccount(store.password_hash(&name)?.is_some()),
        Op::Login { name, .. } => {
            // Only reached if a caller skips the hashing: never a success.
            let _ = store.password_hash(&name)?;
            Outcome::Login(Login::Wrong)
        }
        Op::CreateAccount { name, phc } => Outcome::Login(if store.create_account(&name, &phc)? {
            Login::Created
        } else {
            // Someone registered the name meanwhile: this password was
            // not checked against theirs.
            Login::Wrong
        }),
        Op::Contacts { owner } => Outcome::Names(store.contacts(&owner)?),
        Op::AddContact {
            owner,
            contact,
            known,
        } => {
            if !known && store.password_hash(&contact)?.is_none() {
                Outcome::Changed(false)
            } else {
                store.add_contact(&owner, &contact)?;
                Outcome::Changed(true)
            }
        }
        Op::DelContact { owner, contact } => Outcome::Changed(store.del_contact(&owner, &contact)?),
        Op::Save(message) => Outcome::Saved(store.save(&message)?),
        Op::SaveForAccount(message) => {
            if store.password_hash(&message.to)?.is_some() {
                Outcome::Saved(store.save(&message)?)
            } else {
                Outcome::NoAccount
            }
        }
        Op::Pending { to, after, limit } => Outcome::Messages(store.pending(&to, after, limit)?),
        Op::Delivered { ids } => {
            store.mark_delivered(&ids)?;
            Outcome::Done
        }
        Op::History {
            owner,
            with,
            before,
            limit,
        } => Outcome::Messages(store.history(&owner, &with, before, limit)?),
    })
}

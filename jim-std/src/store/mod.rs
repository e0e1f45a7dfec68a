//! Storage: accounts, contacts and messages that survive a restart.
//!
//! The hub never touches a database. It asks for storage with an
//! [`Op`] (an effect) and gets an [`Outcome`] back (an input); in between,
//! a [`StoreWorker`] thread runs the ops against a [`Store`] — by default
//! [`SqliteStore`], a SQLite file compiled into the server — batching them
//! into transactions and answering only after the commit, so a success the
//! hub then sends is already on disk.
//!
//! ```text
//! hub ─Effect::Store(op)─▶ bounded queue ─▶ worker: BEGIN; op; op; …; COMMIT
//!  ▲                                          │        (argon2 on its own thread)
//!  └──────────── Hub::stored(outcome) ◀───────┘ (after the commit)
//! ```
//!
//! A second backend (PostgreSQL, for several servers sharing one
//! database) implements [`Store`]; nothing in the hub changes.

mod apply;
mod checkpoint;
mod commit_stats;
mod error;
mod memory;
mod open;
mod password;
mod sqlite;
mod submit;
mod worker;

pub use apply::{apply, Op, Outcome};
pub use error::StoreError;
pub use memory::MemoryStore;
pub use open::Storage;
pub use password::{Login, Passwords};
pub use sqlite::{Durability, SqliteStore, SCHEMA_VERSION};
pub use submit::Submit;
pub use worker::{Completion, StoreConfig, StoreWorker};

use std::time::Duration;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its number: increasing, never reused (also after pruning).
    pub id: i64,
    /// The sender's name.
    pub from: String,
    /// The recipient's name, or the `#room`.
    pub to: String,
    /// Unix seconds when the server received it.
    pub time: u64,
    /// The text, as the sender wrote it (decoded).
    pub text: String,
}

/// A message to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// The sender's name.
    pub from: String,
    /// The recipient's name, or the `#room`.
    pub to: String,
    /// Unix seconds.
    pub time: u64,
    /// The text.
    pub text: String,
    /// A direct message not yet handed to its recipient's connection: it
    /// stays pending until [`Store::mark_delivered`].
    pub pending: bool,
}

/// How long stored messages are kept. Both limits may apply; `None` is no
/// limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Retention {
    /// Messages older than this are deleted, oldest first: from the
    /// first message stored up to the first one that is younger. Times
    /// are the server's clock when each was stored, so they follow the
    /// order of storing unless the clock is set back; then the messages
    /// after the step wait for those before it.
    pub max_age: Option<Duration>,
    /// Only the newest this many messages are kept.
    pub max_messages: Option<u64>,
}

impl Retention {
    /// `true` when nothing is ever deleted.
    pub fn is_forever(&self) -> bool {
        self.max_age.is_none() && self.max_messages.is_none()
    }
}

/// A storage backend: the queries the hub's [`Op`]s need, run by one
/// thread (the [`StoreWorker`]'s) inside [`begin`](Store::begin) …
/// [`commit`](Store::commit).
///
/// Names and texts are stored verbatim (only ever bound as parameters).
pub trait Store: Send {
    /// Starts a transaction.
    fn begin(&mut self) -> Result<(), StoreError>;
    /// Makes everything since [`begin`](Store::begin) durable.
    fn commit(&mut self) -> Result<(), StoreError>;
    /// Undoes everything since [`begin`](Store::begin).
    fn rollback(&mut self);

    /// The PHC string of `name`'s password, if `name` is an account.
    fn password_hash(&mut self, name: &str) -> Result<Option<String>, StoreError>;
    /// Creates the account; `false` if it exists.
    fn create_account(&mut self, name: &str, phc: &str) -> Result<bool, StoreError>;
    /// Deletes the account (its contacts and messages stay); `false` if
    /// there was none.
    fn remove_account(&mut self, name: &str) -> Result<bool, StoreError>;
    /// Every account name, sorted.
    fn accounts(&mut self) -> Result<Vec<String>, StoreError>;

    /// `owner`'s contacts, sorted.
    fn contacts(&mut self, owner: &str) -> Result<Vec<String>, StoreError>;
    /// Adds `contact` to `owner`'s list (again: no change).
    fn add_contact(&mut self, owner: &str, contact: &str) -> Result<(), StoreError>;
    /// Removes it; `false` if it was not there.
    fn del_contact(&mut self, owner: &str, contact: &str) -> Result<bool, StoreError>;

    /// Stores a message; returns its id.
    fn save(&mut self, message: &NewMessage) -> Result<i64, StoreError>;
    /// Pending messages to `to` with an id above `after`, oldest first, at
    /// most `limit`.
    fn pending(
        &mut self,
        to: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    /// These messages reached their recipient.
    fn mark_delivered(&mut self, ids: &[i64]) -> Result<(), StoreError>;
    /// The last `limit` messages before id `before` (all if `None`) of a
    /// conversation, oldest first: in `#room` if `with` is a room, else
    /// between `owner` and `with`.
    fn history(
        &mut self,
        owner: &str,
        with: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;
    /// Deletes what `retention` no longer keeps, at Unix second `now`;
    /// returns how many messages went.
    fn prune(&mut self, retention: &Retention, now: u64) -> Result<u64, StoreError>;
}

/// Unix seconds `age` before `now`, or 0.
pub(crate) fn cutoff(now: u64, age: Duration) -> u64 {
    now.saturating_sub(age.as_secs())
}

#[cfg(test)]
mod migration_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod wal_tests;

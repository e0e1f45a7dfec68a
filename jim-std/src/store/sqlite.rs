//! [`SqliteStore`]: the default backend, a SQLite file (SQLite itself is
//! compiled in: nothing to install).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::checkpoint::{self, Checkpointer};
use super::{cutoff, NewMessage, Retention, Store, StoreError, StoredMessage};

/// Each migration takes the schema from its index to the next version;
/// `PRAGMA user_version` records how many have run. Append, never edit.
pub(super) const MIGRATIONS: &[&str] = &[
    // 1: accounts, contacts, messages.
    "CREATE TABLE accounts (
        name TEXT PRIMARY KEY NOT NULL,
        password TEXT NOT NULL,
        created INTEGER NOT NULL
    );
    CREATE TABLE contacts (
        owner TEXT NOT NULL,
        contact TEXT NOT NULL,
        PRIMARY KEY (owner, contact)
    ) WITHOUT ROWID;
    -- AUTOINCREMENT: an id is never reused, also after pruning, so paging
    -- by id and marking delivered by id stay right.
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sender TEXT NOT NULL,
        target TEXT NOT NULL,
        time INTEGER NOT NULL,
        text TEXT NOT NULL,
        pending INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX messages_by_target ON messages (target, id);
    CREATE INDEX messages_by_sender ON messages (sender, target, id);
    CREATE INDEX messages_pending ON messages (target, id) WHERE pending = 1;
    CREATE INDEX messages_by_time ON messages (time);",
    // 2: one index per write where there were four. Every commit writes
    // each index's changed page to the WAL: the bench's commits took half
    // the time with two indexes, and its ack p99 fell 5×. A room's
    // messages, and a direct pair's both ways, are one `conversation`
    // (see `conversation`; the backfill below computes the same key), so
    // one index serves both kinds of history; retention by age deletes the
    // oldest first (ids follow the server's clock), which needs no index.
    "ALTER TABLE messages ADD COLUMN conversation TEXT NOT NULL DEFAULT '';
    UPDATE messages SET conversation = CASE
        WHEN substr(target, 1, 1) = '#' THEN target
        WHEN sender <= target THEN length(CAST(sender AS BLOB)) || ':' || sender || target
        ELSE length(CAST(target AS BLOB)) || ':' || target || sender
    END;
    CREATE INDEX messages_by_conversation ON messages (conversation, id);
    DROP INDEX messages_by_target;
    DROP INDEX messages_by_sender;
    DROP INDEX messages_by_time;",
];

/// The `conversation` column of a message from `from` to `to`: the room,
/// or for a direct message the pair whichever way it went — the smaller
/// name (bytewise, as SQLite compares text) prefixed by its length in
/// bytes, then the other, so no two pairs share a key whatever the names
/// contain. Rooms start with `#`, pairs with a digit. Migration 2 computes
/// the same in SQL.
fn conversation(from: &str, to: &str) -> String {
    if to.starts_with('#') {
        return to.to_owned();
    }
    let (first, second) = if from <= to { (from, to) } else { (to, from) };
    format!("{}:{first}{second}", first.len())
}

/// The schema version this server writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a query waits for another program's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How durable a commit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Survives a crash or kill of the server (SQLite's WAL with
    /// `synchronous=NORMAL`); the last commits before a power loss may go.
    #[default]
    Normal,
    /// Also survives a power loss (`synchronous=FULL`: an fsync per
    /// commit).
    Full,
}

/// A SQLite database (a file in WAL mode, or in memory).
pub struct SqliteStore {
    db: Connection,
    path: PathBuf,
    /// Raised by the checkpointer when the WAL should be started over
    /// (see [`checkpoint::rewind`]).
    rewind: Arc<AtomicBool>,
    /// How many times the WAL was started over.
    rewinds: u64,
    /// A file's WAL is checkpointed on a thread of its own (none in
    /// memory). Dropped after `db`: declared after it.
    checkpointer: Option<Checkpointer>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path`, migrates it to
    /// [`SCHEMA_VERSION`], and sets WAL mode. The directory must exist.
    pub fn open(path: &Path, durability: Durability) -> Result<SqliteStore, StoreError> {
        Self::open_checkpointing(path, durability, checkpoint::Policy::DEFAULT)
    }

    /// [`open`](SqliteStore::open), its WAL checkpointed as `policy` says
    /// (tests make it quick).
    pub(super) fn open_checkpointing(
        path: &Path,
        durability: Durability,
        policy: checkpoint::Policy,
    ) -> Result<SqliteStore, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let open_error = |source| StoreError::Open {
            path: path.to_owned(),
            source,
        };
        let db = Connection::open_with_flags(path, flags).map_err(open_error)?;
        let mut store = SqliteStore {
            db,
            path: path.to_owned(),
            rewind: Arc::default(),
            rewinds: 0,
            checkpointer: None,
        };
        store.prepare(durability).map_err(|e| match e {
            StoreError::Database(source) => open_error(source),
            other => other,
        })?;
        store.db.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        let rewind = Arc::clone(&store.rewind);
        store.checkpointer = Some(Checkpointer::start(path, policy, rewind)?);
        Ok(store)
    }

    /// How many times the writer has started the WAL over.
    #[cfg(test)]
    pub(super) fn rewinds(&self) -> u64 {
        self.rewinds
    }

    /// A database in memory: gone when dropped (for tests).
    pub fn in_memory() -> Result<SqliteStore, StoreError> {
        let db = Connection::open_in_memory().map_err(StoreError::Database)?;
        let store = SqliteStore {
            db,
            path: PathBuf::from(":memory:"),
            rewind: Arc::default(),
            rewinds: 0,
            checkpointer: None,
        };
        store.prepare(Durability::Normal)?;
        Ok(store)
    }

    /// Caps the database at about `bytes` (SQLite's `max_page_count`): past
    /// it, writes fail as on a full disk — a quota, and how the tests
    /// simulate one.
    pub fn limit_size(&self, bytes: u64) -> Result<(), StoreError> {
        let page: i64 = self
            .db
            .query_row("PRAGMA page_size", [], |row| row.get(0))?;
        let pages = i64::try_from(bytes).unwrap_or(i64::MAX) / page.max(1);
        self.db.query_row(
            &format!("PRAGMA max_page_count = {}", pages.max(1)),
            [],
            |_| Ok(()),
        )?;
        Ok(())
    }

    /// The file (or `:memory:`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn prepare(&self, durability: Durability) -> Result<(), StoreError> {
        self.db.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the journal mode back proves the file is a database we
        // can write: a corrupt or read-only file fails here, at start.
        let mode: String = self
            .db
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if mode != "wal" && mode != "memory" {
            log::warn!("database journal mode is {mode}, not wal");
        }
        self.db.execute_batch(match durability {
            Durability::Normal => "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
            Durability::Full => "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        })?;
        self.migrate()
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let version: i64 = self
            .db
            .query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Schema {
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        let done = usize::try_from(version).unwrap_or(0);
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(done) {
            let next = index + 1;
            // One transaction per step: a failed step leaves the previous
            // version intact.
            self.db.execute_batch(&format!(
                "BEGIN IMMEDIATE; {migration}; PRAGMA user_version = {next}; COMMIT;"
            ))?;
            log::info!("database migrated to schema version {next}");
        }
        Ok(())
    }
}

fn message(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredMessage> {
    Ok(StoredMessage {
        id: row.get(0)?,
        from: row.get(1)?,
        to: row.get(2)?,
        time: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
        text: row.get(4)?,
    })
}

fn to_sql_time(t: u64) -> i64 {
    i64::try_from(t).unwrap_or(i64::MAX)
}

impl Store for SqliteStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        if checkpoint::rewind(&self.db, &self.rewind) {
            self.rewinds += 1;
        }
        // IMMEDIATE: take the write lock now, not halfway through.
        self.db.execute_batch("BEGIN IMMEDIATE")?;
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        self.db.execute_batch("COMMIT")?;
        Ok(())
    }

    fn rollback(&mut self) {
        if !self.db.is_autocommit() {
            let _ = self.db.execute_batch("ROLLBACK");
        }
    }

    fn password_hash(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        let mut q = self
            .db
            .prepare_cached("SELECT password FROM accounts WHERE name = ?1")?;
        Ok(q.query_row([name], |row| row.get(0)).optional()?)
    }

    fn create_account(&mut self, name: &str, phc: &str) -> Result<bool, StoreError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut q = self.db.prepare_cached(
            "INSERT INTO accounts (name, password, created) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO NOTHING",
        )?;
        Ok(q.execute(params![name, phc, to_sql_time(now)])? == 1)
    }

    fn remove_account(&mut self, name: &str) -> Result<bool, StoreError> {
        let mut q = self
            .db
            .prepare_cached("DELETE FROM accounts WHERE name = ?1")?;
        Ok(q.execute([name])? == 1)
    }

    fn accounts(&mut self) -> Result<Vec<String>, StoreError> {
        let mut q = self
            .db
            .prepare_cached("SELECT name FROM accounts ORDER BY name")?;
        let names = q.query_map([], |row| row.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    fn contacts(&mut self, owner: &str) -> Result<Vec<String>, StoreError> {
        let mut q = self
            .db
            .prepare_cached("SELECT contact FROM contacts WHERE owner = ?1 ORDER BY contact")?;
        let names = q.query_map([owner], |row| row.get(0))?;
        Ok(names.collect::<Result<_, _>>()?)
    }

    fn add_contact(&mut self, owner: &str, contact: &str) -> Result<(), StoreError> {
        let mut q = self.db.prepare_cached(
            "INSERT INTO contacts (owner, contact) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?;
        q.execute([owner, contact])?;
        Ok(())
    }

    fn del_contact(&mut self, owner: &str, contact: &str) -> Result<bool, StoreError> {
        let mut q = self
            .db
            .prepare_cached("DELETE FROM contacts WHERE owner = ?1 AND contact = ?2")?;
        Ok(q.execute([owner, contact])? == 1)
    }

    fn save(&mut self, m: &NewMessage) -> Result<i64, StoreError> {
        let mut q = self.db.prepare_cached(
            "INSERT INTO messages (sender, target, time, text, pending, conversation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        q.execute(params![
            m.from,
            m.to,
            to_sql_time(m.time),
            m.text,
            m.pending,
            conversation(&m.from, &m.to)
        ])?;
        Ok(self.db.last_insert_rowid())
    }

    fn pending(
        &mut self,
        to: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let mut q = self.db.prepare_cached(
            "SELECT id, sender, target, time, text FROM messages
             WHERE target = ?1 AND pending = 1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let rows = q.query_map(params![to, after, limit], message)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn mark_delivered(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let mut q = self
            .db
            .prepare_cached("UPDATE messages SET pending = 0 WHERE id = ?1")?;
        for id in ids {
            q.execute([id])?;
        }
        Ok(())
    }

    fn history(
        &mut self,
        owner: &str,
        with: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let before = before.unwrap_or(i64::MAX);
        let mut q = self.db.prepare_cached(
            "SELECT id, sender, target, time, text FROM messages
             WHERE conversation = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = q.query_map(params![conversation(owner, with), before, limit], message)?;
        let mut page: Vec<StoredMessage> = rows.collect::<Result<_, _>>()?;
        page.reverse();
        Ok(page)
    }

    fn prune(&mut self, retention: &Retention, now: u64) -> Result<u64, StoreError> {
        let mut gone = 0;
        if let Some(age) = retention.max_age {
            // The oldest first, up to the first message that is young
            // enough: a scan from the start of the table that stops there,
            // so no index on time is needed (see migration 2).
            gone += self.db.execute(
                "DELETE FROM messages WHERE id < coalesce(
                     (SELECT id FROM messages WHERE time >= ?1 ORDER BY id LIMIT 1),
                     (SELECT max(id) + 1 FROM messages))",
                [to_sql_time(cutoff(now, age))],
            )?;
        }
        if let Some(max) = retention.max_messages {
            gone += self.db.execute(
                "DELETE FROM messages WHERE id <= (SELECT id FROM messages ORDER BY id DESC
                 LIMIT 1 OFFSET ?1)",
                [to_sql_time(max)],
            )?;
        }
        Ok(u64::try_from(gone).unwrap_or(u64::MAX))
    }
}

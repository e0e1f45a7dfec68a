//! What can go wrong with storage.

use std::fmt;
use std::path::PathBuf;

/// A storage failure. At start it stops the server with this text; at run
/// time the clients affected get a `500` and the log a line.
#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or prepared (missing directory,
    /// no permission, not a SQLite file, locked by another program).
    Open {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        source: rusqlite::Error,
    },
    /// The file holds a schema newer than this server knows.
    Schema {
        /// The file's `user_version`.
        found: i64,
        /// The newest this server knows.
        known: i64,
    },
    /// A query or commit failed (disk full, I/O error, …).
    Database(rusqlite::Error),
    /// The storage queue is full: the server is over its storage capacity.
    Busy,
    /// The storage thread has stopped.
    Stopped,
    /// A password could not be hashed, or a stored hash is not a PHC
    /// string.
    Password(String),
    /// A storage thread could not be started.
    Thread(std::io::Error),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Open { path, source } => {
                write!(f, "cannot open database {}: {source}", path.display())
            }
            StoreError::Schema { found, known } => write!(
                f,
                "database schema version {found} is newer than this server's ({known})"
            ),
            StoreError::Database(e) => write!(f, "database error: {e}"),
            StoreError::Busy => f.write_str("storage is busy"),
            StoreError::Stopped => f.write_str("storage has stopped"),
            StoreError::Password(e) => write!(f, "password hashing: {e}"),
            StoreError::Thread(e) => write!(f, "cannot start a storage thread: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Open { source, .. } => Some(source),
            StoreError::Database(e) => Some(e),
            StoreError::Thread(e) => Some(e),
            _ => None,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e)
    }
}

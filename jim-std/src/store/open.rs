//! [`Storage`]: which backend a server uses, and where.

use std::path::PathBuf;

use super::{Durability, MemoryStore, SqliteStore, Store, StoreError};

/// Where a server keeps its data.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Storage {
    /// In memory: nothing survives a restart (the library's default, for
    /// tests; the `server` example defaults to a file).
    #[default]
    Memory,
    /// A SQLite file, created if missing (its directory must exist).
    Sqlite {
        /// The file.
        path: PathBuf,
        /// How durable each commit is.
        durability: Durability,
    },
}

impl Storage {
    /// A SQLite file at `path` with the default durability.
    pub fn sqlite(path: impl Into<PathBuf>) -> Storage {
        Storage::Sqlite {
            path: path.into(),
            durability: Durability::default(),
        }
    }

    /// Opens it: a clear error now rather than a failure later.
    pub fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        Ok(match self {
            Storage::Memory => Box::new(MemoryStore::new()),
            Storage::Sqlite { path, durability } => Box::new(SqliteStore::open(path, *durability)?),
        })
    }
}

impl std::fmt::Display for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Memory => f.write_str("memory (nothing is kept after a restart)"),
            Storage::Sqlite { path, .. } => write!(f, "{}", path.display()),
        }
    }
}

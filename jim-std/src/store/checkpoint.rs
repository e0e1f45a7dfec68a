//! [`Checkpointer`]: copies the WAL into the database file on a thread of
//! its own.
//!
//! SQLite's automatic checkpoint runs inside a commit, on the storage
//! thread, and fsyncs the database file: every client waiting for that
//! commit waits for the disk too (the bench saw p99 jump from 0.5 ms to
//! 8 ms). So the writer's automatic checkpoint is off, and this thread,
//! with its own connection, runs a `PASSIVE` checkpoint — one that never
//! blocks the writer — every [`EVERY`].

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// How often the WAL is checkpointed.
pub const EVERY: Duration = Duration::from_millis(500);

/// The checkpoint thread; stopped (after one last checkpoint) on drop.
pub(crate) struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path`.
    pub fn start(path: &Path) -> Result<Checkpointer, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let db = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
            path: path.to_owned(),
            source,
        })?;
        db.busy_timeout(Duration::from_secs(1))?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("jim-checkpoint".into())
            .spawn(move || loop {
                // A stop (or a dropped handle) ends it after this round.
                let last = !matches!(stopped.recv_timeout(EVERY), Err(RecvTimeoutError::Timeout));
                if let Err(e) = db.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    log::warn!("database checkpoint failed: {e}");
                }
                if last {
                    break;
                }
            })
            .map_err(StoreError::Thread)?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

//! [`Checkpointer`]: copies the WAL into the database file on a thread of
//! its own.
//!
//! SQLite's automatic checkpoint runs inside a commit, on the storage
//! thread, and fsyncs the database file: every client waiting for that
//! commit waits for the disk too (the bench saw p99 jump from 0.5 ms to
//! 8 ms). So the writer's automatic checkpoint is off, and this thread,
//! with its own connection, runs a `PASSIVE` checkpoint — one that never
//! blocks the writer — every [`EVERY`].
//!
//! A `PASSIVE` checkpoint alone lets the WAL grow without end under a
//! steady stream of commits: SQLite starts the WAL over only when a write
//! begins with every frame already copied, and with a commit every
//! fraction of a millisecond the checkpoint never catches up (the store
//! bench's WAL reached 485 MB for a 37 MB database). Nor can this thread
//! force it: a `RESTART` checkpoint needs the write lock, and a writer
//! that commits without a pause takes it back first every time. So once
//! the WAL holds [`REWIND_FRAMES`], this thread raises a flag, and the
//! writer, before its next transaction, runs the `RESTART` itself: it
//! copies the few frames the `PASSIVE` pass left, and the next write
//! starts the WAL over, overwriting the file instead of growing it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// How often the WAL is checkpointed.
pub const EVERY: Duration = Duration::from_millis(500);

/// A WAL this many frames long (256 MiB at SQLite's 4 KiB pages) is
/// started over: the disk a WAL takes is bounded by this and what half a
/// second of commits adds. The `RESTART` holds the writer for its copy and
/// its syncs (1–100 ms, by the disk), so it is kept rare: at the store
/// bench's 10,000 messages a second, one every ten seconds or so; never
/// under a load with a pause now and then, when SQLite starts the WAL over
/// by itself.
pub const REWIND_FRAMES: i64 = 65_536;

/// When the WAL is checkpointed and when it is started over.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Policy {
    /// How often ([`EVERY`]).
    pub every: Duration,
    /// A WAL of this many frames is started over ([`REWIND_FRAMES`]).
    pub rewind_frames: i64,
}

impl Policy {
    /// [`EVERY`] and [`REWIND_FRAMES`].
    pub const DEFAULT: Policy = Policy {
        every: EVERY,
        rewind_frames: REWIND_FRAMES,
    };
}

/// The checkpoint thread; stopped (after one last checkpoint) on drop.
pub(crate) struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts checkpointing the database at `path` as `policy` says;
    /// raises `rewind` when its WAL has grown long, for the writer's
    /// [`rewind`].
    pub fn start(
        path: &Path,
        policy: Policy,
        rewind: Arc<AtomicBool>,
    ) -> Result<Checkpointer, StoreError> {
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
                let last = !matches!(
                    stopped.recv_timeout(policy.every),
                    Err(RecvTimeoutError::Timeout)
                );
                if checkpoint(&db) >= policy.rewind_frames {
                    // Copy what came in during that pass too, so that the
                    // writer's restart, which holds it back, has little
                    // left to copy.
                    checkpoint(&db);
                    rewind.store(true, Ordering::Relaxed);
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

/// One `PASSIVE` round; the frames in the WAL (0 if it failed).
fn checkpoint(db: &Connection) -> i64 {
    // The result row: busy flag, frames in the WAL, frames copied.
    match db.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| row.get(1)) {
        Ok(frames) => frames,
        Err(e) => {
            log::warn!("database checkpoint failed: {e}");
            0
        }
    }
}

/// The writer's part: if `wanted` was raised, a `RESTART` checkpoint on
/// the writer's own connection, between two transactions, so that the
/// next write starts the WAL over. While the checkpoint thread is in a pass
/// of its own the restart cannot run (SQLite answers "busy" at once): the
/// flag stays up and the next transaction tries again. A failure is
/// logged, never the transaction's.
/// `true` when it ran (the next write starts the WAL over).
pub(crate) fn rewind(db: &Connection, wanted: &AtomicBool) -> bool {
    if !wanted.load(Ordering::Relaxed) {
        return false;
    }
    // The result row: busy flag, frames in the WAL, frames copied.
    match db.query_row("PRAGMA wal_checkpoint(RESTART)", [], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
    }) {
        Ok((0, frames)) => {
            log::debug!("storage: the WAL starts over (it held {frames} frames)");
            wanted.store(false, Ordering::Relaxed);
            return true;
        }
        Ok(_) => {}
        Err(e) => {
            log::warn!("database checkpoint (restart) failed: {e}");
            wanted.store(false, Ordering::Relaxed);
        }
    }
    false
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

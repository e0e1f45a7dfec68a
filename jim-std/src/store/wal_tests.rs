//! The WAL stays bounded under commits that never pause.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;

/// Checkpoints every 50 ms, for forty rounds in two seconds.
const EVERY: Duration = Duration::from_millis(50);

/// Commits without a pause for forty checkpoint rounds, the WAL started
/// over at `rewind_frames`; the WAL file's size at the end (it never
/// shrinks: its largest extent).
fn wal_after_steady_commits(dir: &Path, rewind_frames: i64) -> u64 {
    let path = dir.join(format!("steady-{rewind_frames}.db"));
    let policy = checkpoint::Policy {
        every: EVERY,
        rewind_frames,
    };
    let mut store = SqliteStore::open_checkpointing(&path, Durability::Normal, policy).unwrap();
    let run = EVERY * 40;
    let text = "x".repeat(200);
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < run {
        store.begin().unwrap();
        for _ in 0..20 {
            n += 1;
            let m = NewMessage {
                from: "alice".into(),
                to: format!("user{}", n % 97),
                time: n,
                text: text.clone(),
                pending: false,
            };
            store.save(&m).unwrap();
        }
        store.commit().unwrap();
    }
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    drop(store);
    size
}

#[test]
fn a_wal_under_commits_that_never_pause_is_started_over() {
    let dir = std::env::temp_dir().join(format!("jim-wal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Without the restart (a bound never reached) a passive checkpoint
    // never catches up with the writer, and the WAL holds every commit.
    let unbounded = wal_after_steady_commits(&dir, i64::MAX);
    // With it, the WAL holds about one round of commits, or two (twenty
    // times less when the machine is idle; four with CI's other tests
    // running beside it).
    let bounded = wal_after_steady_commits(&dir, 64);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        unbounded >= 3 * bounded,
        "WAL {bounded} bytes with the restart, {unbounded} without"
    );
}

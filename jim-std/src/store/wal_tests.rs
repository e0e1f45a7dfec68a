//! The WAL stays bounded under commits that never pause.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;

/// Checkpoints every 50 ms, for forty rounds in two seconds.
const EVERY: Duration = Duration::from_millis(50);

/// Commits without a pause for forty checkpoint rounds, the WAL started
/// over at `rewind_frames`; the WAL file's size at the end (it never
/// shrinks: its largest extent) and how many times it was started over.
fn wal_after_steady_commits(dir: &Path, rewind_frames: i64) -> (u64, u64) {
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
    let rewinds = store.rewinds();
    drop(store);
    (size, rewinds)
}

#[test]
fn a_wal_under_commits_that_never_pause_is_started_over() {
    let dir = std::env::temp_dir().join(format!("jim-wal-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // Without the restart (a bound never reached) a passive checkpoint
    // never catches up with the writer, and the WAL holds every commit.
    let (unbounded, none) = wal_after_steady_commits(&dir, i64::MAX);
    // With it, the writer starts the WAL over in most rounds (26-29 of 40
    // here, loaded or not), and the WAL holds a round or two of commits:
    // five to twenty-five times less.
    let (bounded, rewinds) = wal_after_steady_commits(&dir, 64);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(none, 0);
    assert!(rewinds >= 5, "started over {rewinds} times in 40 rounds");
    assert!(
        unbounded >= 2 * bounded,
        "WAL {bounded} bytes with the restart, {unbounded} without"
    );
}

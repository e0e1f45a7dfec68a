//! A database written by an older schema opens, migrates, and answers as
//! a new one would.

use rusqlite::{params, Connection};

use super::sqlite::MIGRATIONS;
use super::*;

/// Names that a careless pair key would confuse: `a`+`bc` and `ab`+`c`,
/// digits and the separator, and bytes that sort differently from chars.
const NAMES: [&str; 6] = ["a", "bc", "ab", "c", "1:x", "é"];

#[test]
fn a_version_1_database_keeps_its_history_and_pending_messages() {
    let dir = std::env::temp_dir().join(format!("jim-migrate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("v1.db");
    let _ = std::fs::remove_file(&path);
    {
        let db = Connection::open(&path).unwrap();
        db.execute_batch(MIGRATIONS[0]).unwrap();
        db.execute_batch("PRAGMA user_version = 1").unwrap();
        let mut insert = db
            .prepare(
                "INSERT INTO messages (sender, target, time, text, pending)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        let mut time = 1000;
        for from in NAMES {
            for to in NAMES.iter().copied().chain(["#room"]) {
                let text = format!("{from}>{to}");
                insert
                    .execute(params![from, to, time, text, to == "c"])
                    .unwrap();
                time += 1;
            }
        }
    }
    let mut s = SqliteStore::open(&path, Durability::Normal).unwrap();
    let version: i64 = Connection::open(&path)
        .unwrap()
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    // History and pending messages are found by index, not by a scan.
    let check = Connection::open(&path).unwrap();
    for (query, index) in [
        (
            "SELECT id FROM messages WHERE conversation = '1:abc' AND id < 9 ORDER BY id DESC LIMIT 5",
            "messages_by_conversation",
        ),
        (
            "SELECT id FROM messages WHERE target = 'c' AND pending = 1 AND id > 0 ORDER BY id LIMIT 5",
            "messages_pending",
        ),
    ] {
        let plan: String = check
            .query_row(&format!("EXPLAIN QUERY PLAN {query}"), [], |row| row.get(3))
            .unwrap();
        assert!(plan.contains(index), "{query}: {plan}");
    }
    drop(check);
    // What was stored before the migration and what is stored after it
    // are found by the same key.
    s.begin().unwrap();
    for from in NAMES {
        for to in NAMES.iter().copied().chain(["#room"]) {
            let m = NewMessage {
                from: from.into(),
                to: to.into(),
                time: 5000,
                text: format!("{from}>{to} again"),
                pending: false,
            };
            s.save(&m).unwrap();
        }
    }
    s.commit().unwrap();
    for owner in NAMES {
        for with in NAMES {
            let texts: Vec<String> = s
                .history(owner, with, None, 100)
                .unwrap()
                .into_iter()
                .map(|m| m.text)
                .collect();
            // Both directions, in the order they were stored (the loops
            // above store by the sender's place in NAMES), old then new.
            let place = |n: &str| NAMES.iter().position(|m| *m == n);
            let mut old = vec![format!("{owner}>{with}")];
            if owner != with {
                old.push(format!("{with}>{owner}"));
                if place(with) < place(owner) {
                    old.reverse();
                }
            }
            let new = old.iter().map(|t| format!("{t} again"));
            let expected: Vec<String> = old.iter().cloned().chain(new).collect();
            assert_eq!(texts, expected, "history of {owner} with {with}");
        }
    }
    let room: Vec<String> = s
        .history("a", "#room", None, 100)
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(room.len(), 2 * NAMES.len(), "{room:?}");
    assert!(room
        .iter()
        .all(|t| t.ends_with(">#room") || t.ends_with(">#room again")));
    let pending: Vec<String> = s
        .pending("c", 0, 100)
        .unwrap()
        .into_iter()
        .map(|m| m.text)
        .collect();
    let expected: Vec<String> = NAMES.iter().map(|from| format!("{from}>c")).collect();
    assert_eq!(pending, expected);
    drop(s);
    std::fs::remove_dir_all(&dir).unwrap();
}

//! The same checks against every backend.

use std::time::Duration;

use super::*;

fn backends() -> Vec<(&'static str, Box<dyn Store>)> {
    vec![
        ("sqlite", Box::new(SqliteStore::in_memory().unwrap())),
        ("memory", Box::new(MemoryStore::new())),
    ]
}

fn msg(from: &str, to: &str, time: u64, text: &str, pending: bool) -> NewMessage {
    NewMessage {
        from: from.into(),
        to: to.into(),
        time,
        text: text.into(),
        pending,
    }
}

fn texts(page: &[StoredMessage]) -> Vec<&str> {
    page.iter().map(|m| m.text.as_str()).collect()
}

#[test]
fn accounts_contacts_and_messages_round_trip() {
    for (name, mut s) in backends() {
        let s = s.as_mut();
        assert!(s.create_account("alice", "$phc").unwrap(), "{name}");
        assert!(!s.create_account("alice", "$other").unwrap(), "{name}");
        assert_eq!(s.password_hash("alice").unwrap().as_deref(), Some("$phc"));
        assert_eq!(s.password_hash("bob").unwrap(), None);
        s.add_contact("alice", "bob").unwrap();
        s.add_contact("alice", "bob").unwrap();
        s.add_contact("alice", "'); DROP TABLE contacts; --")
            .unwrap();
        assert_eq!(
            s.contacts("alice").unwrap(),
            ["'); DROP TABLE contacts; --", "bob"],
            "{name}"
        );
        assert!(s.del_contact("alice", "bob").unwrap());
        assert!(!s.del_contact("alice", "bob").unwrap());

        let a = s.save(&msg("alice", "bob", 10, "one", true)).unwrap();
        let b = s.save(&msg("bob", "alice", 11, "two", false)).unwrap();
        let c = s.save(&msg("alice", "bob", 12, "three", true)).unwrap();
        s.save(&msg("alice", "#r", 12, "room", false)).unwrap();
        assert!(a < b && b < c, "{name}: ids increase");
        assert_eq!(texts(&s.pending("bob", 0, 10).unwrap()), ["one", "three"]);
        assert_eq!(texts(&s.pending("bob", a, 10).unwrap()), ["three"]);
        assert_eq!(texts(&s.pending("bob", 0, 1).unwrap()), ["one"]);
        s.mark_delivered(&[a]).unwrap();
        assert_eq!(texts(&s.pending("bob", 0, 10).unwrap()), ["three"]);
        assert_eq!(
            texts(&s.history("bob", "alice", None, 10).unwrap()),
            ["one", "two", "three"]
        );
        assert_eq!(
            texts(&s.history("alice", "bob", Some(c), 1).unwrap()),
            ["two"]
        );
        assert_eq!(texts(&s.history("x", "#r", None, 10).unwrap()), ["room"]);
        assert_eq!(s.accounts().unwrap(), ["alice"]);
        assert!(s.remove_account("alice").unwrap());
        assert!(!s.remove_account("alice").unwrap());
    }
}

#[test]
fn retention_deletes_by_age_and_by_count() {
    for (name, mut s) in backends() {
        let s = s.as_mut();
        for t in 0..10 {
            s.save(&msg("a", "#r", 1000 + t, &t.to_string(), false))
                .unwrap();
        }
        let by_age = Retention {
            max_age: Some(Duration::from_secs(5)),
            max_messages: None,
        };
        assert_eq!(s.prune(&by_age, 1010).unwrap(), 5, "{name}");
        let by_count = Retention {
            max_age: None,
            max_messages: Some(2),
        };
        assert_eq!(s.prune(&by_count, 1010).unwrap(), 3, "{name}");
        assert_eq!(texts(&s.history("a", "#r", None, 10).unwrap()), ["8", "9"]);
        // Ids are not reused after pruning.
        let next = s.save(&msg("a", "#r", 2000, "x", false)).unwrap();
        assert!(next > 10, "{name}: {next}");
    }
}

#[test]
fn pruned_messages_are_neither_pending_nor_history() {
    for (name, mut s) in backends() {
        let s = s.as_mut();
        s.save(&msg("a", "b", 1000, "old", true)).unwrap();
        s.save(&msg("a", "b", 2000, "new", true)).unwrap();
        let by_age = Retention {
            max_age: Some(Duration::from_secs(500)),
            max_messages: None,
        };
        assert_eq!(s.prune(&by_age, 2100).unwrap(), 1, "{name}");
        assert_eq!(texts(&s.pending("b", 0, 10).unwrap()), ["new"], "{name}");
        assert_eq!(
            texts(&s.history("b", "a", None, 10).unwrap()),
            ["new"],
            "{name}"
        );
        let by_count = Retention {
            max_age: None,
            max_messages: Some(0),
        };
        s.prune(&by_count, 2100).unwrap();
        assert!(s.pending("b", 0, 10).unwrap().is_empty(), "{name}");
        assert!(s.history("a", "b", None, 10).unwrap().is_empty(), "{name}");
    }
}

#[test]
fn a_file_keeps_everything_across_reopening() {
    let dir = std::env::temp_dir().join(format!("jim-store-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reopen.db");
    let _ = std::fs::remove_file(&path);
    {
        let mut s = SqliteStore::open(&path, Durability::Normal).unwrap();
        s.begin().unwrap();
        s.create_account("alice", "$phc").unwrap();
        s.save(&msg("bob", "alice", 1, "while you were away", true))
            .unwrap();
        s.commit().unwrap();
        // Rolled back: never seen again.
        s.begin().unwrap();
        s.create_account("ghost", "$phc").unwrap();
        s.rollback();
    }
    let mut s = SqliteStore::open(&path, Durability::Full).unwrap();
    assert_eq!(s.accounts().unwrap(), ["alice"]);
    assert_eq!(
        texts(&s.pending("alice", 0, 9).unwrap()),
        ["while you were away"]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_that_is_not_a_database_is_an_error_at_open() {
    let dir = std::env::temp_dir().join(format!("jim-store-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("garbage.db");
    std::fs::write(&path, vec![0x5a; 8192]).unwrap();
    let e = SqliteStore::open(&path, Durability::Normal).unwrap_err();
    assert!(matches!(e, StoreError::Open { .. }), "{e:?}");
    assert!(e.to_string().contains("garbage.db"), "{e}");
    let missing = dir.join("no-such-dir").join("x.db");
    let e = SqliteStore::open(&missing, Durability::Normal).unwrap_err();
    assert!(e.to_string().contains("cannot open database"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn passwords_are_argon2id_phc_strings() {
    let p = Passwords::fast();
    let phc = p.hash("hunter2").unwrap();
    assert!(phc.starts_with("$argon2id$"), "{phc}");
    assert!(!phc.contains("hunter2"));
    assert!(p.verify("hunter2", &phc));
    assert!(!p.verify("hunter3", &phc));
    assert!(!p.verify("hunter2", "not a phc string"));
}

#[test]
fn apply_logs_in_and_registers() {
    let mut s = SqliteStore::in_memory().unwrap();
    let p = Passwords::fast();
    let login = |s: &mut SqliteStore, pw: &str, register| match apply(
        s,
        &p,
        Op::Login {
            name: "alice".into(),
            password: pw.into(),
            register,
        },
    ) {
        Outcome::Login(l) => l,
        other => panic!("{other:?}"),
    };
    assert_eq!(login(&mut s, "pw", false), Login::Wrong);
    assert_eq!(login(&mut s, "pw", true), Login::Created);
    assert_eq!(login(&mut s, "pw", true), Login::Ok);
    assert_eq!(login(&mut s, "other", true), Login::Wrong);
}

#[test]
fn the_worker_answers_after_commit_in_order() {
    use std::sync::{mpsc, Arc};
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let done: worker::Completion<u32> = Arc::new(move |tag, outcome| {
        let _ = tx.lock().unwrap().send((tag, outcome));
    });
    let config = StoreConfig {
        passwords: Passwords::fast(),
        ..StoreConfig::default()
    };
    let w = StoreWorker::spawn(Box::new(SqliteStore::in_memory().unwrap()), config, done).unwrap();
    for i in 0..100u32 {
        w.submit(i, Op::Save(msg("a", "b", 1, &i.to_string(), true)))
            .unwrap();
    }
    w.submit(
        100,
        Op::Login {
            name: "new".into(),
            password: "pw".into(),
            register: true,
        },
    )
    .unwrap();
    let mut saved = Vec::new();
    let mut login = None;
    for _ in 0..101 {
        let (tag, outcome) = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        match outcome {
            Outcome::Saved(id) => saved.push((tag, id)),
            Outcome::Login(l) => login = Some(l),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(login, Some(Login::Created));
    let tags: Vec<u32> = saved.iter().map(|(t, _)| *t).collect();
    assert_eq!(tags, (0..100).collect::<Vec<_>>(), "in order");
    assert!(saved.windows(2).all(|w| w[0].1 < w[1].1));
    drop(w);
}

#[test]
fn a_full_disk_fails_the_writes_that_do_not_fit_and_nothing_else() {
    use std::sync::{mpsc, Arc, Mutex};
    let path = std::env::temp_dir().join(format!("jim-full-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let store = SqliteStore::open(&path, Durability::Normal).unwrap();
    store.limit_size(64 * 1024).unwrap();
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let done: worker::Completion<u32> = Arc::new(move |tag, outcome| {
        let _ = tx.lock().unwrap().send((tag, outcome));
    });
    let w = StoreWorker::spawn(Box::new(store), StoreConfig::default(), done).unwrap();
    let text = "x".repeat(2000);
    for i in 0..100u32 {
        w.submit(i, Op::Save(msg("a", "#r", 1, &text, false)))
            .unwrap();
    }
    w.submit(
        100,
        Op::History {
            owner: "a".into(),
            with: "#r".into(),
            before: None,
            limit: 5,
        },
    )
    .unwrap();
    let (mut saved, mut full) = (0, 0);
    let mut history = None;
    for _ in 0..101 {
        match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
            (_, Outcome::Saved(_)) => saved += 1,
            (_, Outcome::Failed(e)) => {
                assert!(e.to_string().contains("full"), "{e}");
                full += 1;
            }
            (100, Outcome::Messages(page)) => history = Some(page.len()),
            other => panic!("{other:?}"),
        }
    }
    assert!(saved > 0 && full > 0, "saved {saved}, full {full}");
    assert_eq!(saved + full, 100);
    // What was stored is still read.
    assert_eq!(history, Some(5));
    drop(w);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn the_worker_enforces_retention_in_the_background() {
    use std::sync::{mpsc, Arc, Mutex};
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    let done: worker::Completion<u32> = Arc::new(move |tag, outcome| {
        let _ = tx.lock().unwrap().send((tag, outcome));
    });
    let config = StoreConfig {
        retention: Retention {
            max_age: None,
            max_messages: Some(3),
        },
        prune_every: Duration::from_millis(20),
        ..StoreConfig::default()
    };
    let w = StoreWorker::spawn(Box::new(MemoryStore::new()), config, done).unwrap();
    for i in 0..10u32 {
        w.submit(i, Op::Save(msg("a", "#r", 1, &i.to_string(), false)))
            .unwrap();
    }
    for _ in 0..10 {
        rx.recv_timeout(Duration::from_secs(10)).unwrap();
    }
    let history = || Op::History {
        owner: "a".into(),
        with: "#r".into(),
        before: None,
        limit: 100,
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        std::thread::sleep(Duration::from_millis(50));
        w.submit(99, history()).unwrap();
        match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
            (99, Outcome::Messages(page)) if page.len() == 3 => {
                assert_eq!(texts(&page), ["7", "8", "9"]);
                break;
            }
            (99, Outcome::Messages(_)) => {}
            other => panic!("{other:?}"),
        }
        assert!(std::time::Instant::now() < deadline, "never pruned");
    }
}

#[test]
fn the_queue_takes_what_fits_and_answers_the_rest_busy_in_their_place() {
    use std::sync::{mpsc, Arc, Mutex};
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    // The first outcome waits at a gate: meanwhile the worker takes
    // nothing, so what is submitted stays queued.
    let (entered_tx, entered) = mpsc::channel::<()>();
    let (release, gate) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    let gate = Mutex::new(gate);
    let done: worker::Completion<u32> = Arc::new(move |tag, outcome| {
        if tag == 0 {
            let _ = entered_tx.lock().unwrap().send(());
            let _ = gate.lock().unwrap().recv_timeout(Duration::from_secs(10));
        }
        let _ = tx.lock().unwrap().send((tag, outcome));
    });
    let config = StoreConfig {
        queue: 4,
        ..StoreConfig::default()
    };
    let w = StoreWorker::spawn(Box::new(SqliteStore::in_memory().unwrap()), config, done).unwrap();
    let save = |i: u32| Op::Save(msg("a", "#r", 1, &i.to_string(), false));
    w.submit(0, save(0)).unwrap();
    entered.recv_timeout(Duration::from_secs(10)).unwrap();
    // Four fit; the other two, and one more after them, are refused —
    // answered in their place, after the ops queued before them.
    assert!(w
        .submit_all((1..=6).map(|i| (i, save(i))).collect())
        .is_empty());
    w.submit(7, save(7)).unwrap();
    release.send(()).unwrap();
    let outcomes: Vec<(u32, &str)> = (0..8)
        .map(
            |_| match rx.recv_timeout(Duration::from_secs(10)).unwrap() {
                (tag, Outcome::Saved(_)) => (tag, "saved"),
                (tag, Outcome::Failed(StoreError::Busy)) => (tag, "busy"),
                (tag, other) => panic!("{tag}: {other:?}"),
            },
        )
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (0, "saved"),
            (1, "saved"),
            (2, "saved"),
            (3, "saved"),
            (4, "saved"),
            (5, "busy"),
            (6, "busy"),
            (7, "busy")
        ]
    );
    // Taken by the worker, they make room again.
    w.submit(8, save(8)).unwrap();
    assert!(matches!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        (8, Outcome::Saved(_))
    ));
    drop(w);
}

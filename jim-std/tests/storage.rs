//! Storage end to end: a real SQLite file, real servers, restarts and a
//! SIGKILL.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use jim_std::store::Storage;
use jim_std::ServerConfig;
use serde_json::Value;

/// A fresh directory for one test's database, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("jim-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn login(name: &str, password: &str) -> Vec<u8> {
    format!(
        "{{\"action\":\"authenticate\",\"time\":1,\"user\":{{\"account_name\":\"{name}\",\"password\":\"{password}\"}}}}\n"
    )
    .into_bytes()
}

fn msg(to: &str, text: &str) -> Vec<u8> {
    format!("{{\"action\":\"msg\",\"time\":1,\"to\":\"{to}\",\"message\":\"{text}\"}}\n")
        .into_bytes()
}

/// Connects and logs in as `name` (registering on first use).
fn logged_in(addr: SocketAddr, name: &str) -> Peer {
    let mut peer = Peer::connect(addr);
    peer.send(&login(name, "pw"));
    peer.expect_200();
    peer
}

/// The texts of chat messages `peer` receives until it has been quiet for
/// `quiet` (answers are not expected here).
fn texts_until_quiet(peer: &mut Peer, quiet: Duration) -> Vec<String> {
    let mut texts = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        peer.set_read_timeout(quiet);
        match peer.read_line() {
            Ok(Some(line)) => {
                let v: Value = serde_json::from_str(&line).unwrap();
                assert_eq!(v["action"], "msg", "{line}");
                texts.push(v["message"].as_str().unwrap().to_owned());
            }
            _ => break,
        }
    }
    peer.set_read_timeout(IO_TIMEOUT);
    texts
}

#[test]
fn accounts_contacts_and_room_history_survive_a_restart() {
    let dir = TempDir::new("restart");
    let config = || ServerConfig::default().storage(Storage::sqlite(dir.file("chat.db")));
    let server = start_server(config());
    let addr = server.local_addr();
    let mut alice = logged_in(addr, "alice");
    let mut bob = logged_in(addr, "bob");
    alice.send(b"{\"action\":\"add_contact\",\"user_id\":\"bob\"}\n");
    alice.expect_200();
    alice.send(b"{\"action\":\"join\",\"room\":\"#r\"}\n");
    alice.expect_200();
    alice.send(&msg("#r", "kept"));
    alice.expect_200();
    bob.send(b"{\"action\":\"quit\"}\n");
    drop(alice);
    shutdown_promptly(server);

    let server = start_server(config());
    let addr = server.local_addr();
    let mut wrong = Peer::connect(addr);
    wrong.send(&login("alice", "not it"));
    wrong.expect_code(402);
    let mut alice = logged_in(addr, "alice");
    alice.send(b"{\"action\":\"get_contacts\"}\n");
    let contacts = alice.expect_code(202);
    assert_eq!(contacts["data_list"], serde_json::json!(["bob"]));
    alice.send(b"{\"action\":\"join\",\"room\":\"#r\"}\n");
    alice.expect_200();
    let replay: Value = serde_json::from_str(&alice.read_line().unwrap().unwrap()).unwrap();
    assert_eq!(replay["message"], "kept");
    assert_eq!(replay["history"], true);
    // A bare presence cannot take an account's name.
    let mut impostor = Peer::connect(addr);
    impostor.send(&presence("bob"));
    impostor.expect_code(401);
    shutdown_promptly(server);
}

/// Sends `count` messages to `to` as fast as the server takes them, and
/// counts the answers `code` that come back; `acked` is shared so another
/// thread can act mid-stream.
fn stream_messages(
    addr: SocketAddr,
    to: &'static str,
    count: usize,
    acked: Arc<AtomicUsize>,
) -> thread::JoinHandle<usize> {
    let stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    writer.write_all(&presence("alice")).unwrap();
    thread::spawn(move || {
        for i in 0..count {
            if writer.write_all(&msg(to, &format!("m{i}"))).is_err() {
                break;
            }
        }
    });
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        let mut first = true;
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            let v: Value = serde_json::from_str(&line).unwrap();
            if first {
                assert_eq!(v["response"], 200, "presence: {line}");
                first = false;
                continue;
            }
            // Answers come in order: the nth 201 is for message n.
            assert_eq!(v["response"], 201, "{line}");
            acked.fetch_add(1, Ordering::SeqCst);
        }
        acked.load(Ordering::SeqCst)
    })
}

#[cfg(unix)]
#[test]
fn sigkill_mid_stream_loses_no_acknowledged_message() {
    let dir = TempDir::new("sigkill");
    let db = dir.file("chat.db");
    let db_arg = db.to_str().unwrap().to_owned();
    let args = ["-a", "127.0.0.1", "-p", "0", "--rate", "0", "--db", &db_arg];
    let (server, addr) = example_server(&args);
    // bob has an account and is offline.
    let mut bob = logged_in(addr, "bob");
    bob.send(b"{\"action\":\"quit\"}\n");
    bob.expect_closed(PROMPTLY);

    let acked = Arc::new(AtomicUsize::new(0));
    let reader = stream_messages(addr, "bob", 50_000, Arc::clone(&acked));
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.load(Ordering::SeqCst) < 500 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(5));
    }
    assert!(
        acked.load(Ordering::SeqCst) >= 500,
        "only {} acknowledged in 60 s\nserver stderr:\n{}",
        acked.load(Ordering::SeqCst),
        server.stderr()
    );
    // SAFETY: kill(2) only sends a signal, to our own child.
    let killed = unsafe { libc::kill(server.pid() as i32, libc::SIGKILL) };
    assert_eq!(killed, 0);
    let acked = reader.join().unwrap();
    drop(server);

    let (_server, addr) = example_server(&args);
    let mut bob = logged_in(addr, "bob");
    let got = texts_until_quiet(&mut bob, Duration::from_secs(2));
    eprintln!(
        "sigkill: {acked} acknowledged, {} delivered after the restart",
        got.len()
    );
    // Every acknowledged message, in order, once; past them only messages
    // committed when the kill came (their answer was not yet out).
    assert!(
        got.len() >= acked,
        "{} delivered, {acked} acknowledged",
        got.len()
    );
    for (i, text) in got.iter().enumerate() {
        assert_eq!(text, &format!("m{i}"), "in order, exactly once");
    }
    assert!(got.len() < acked + 5_000, "{} for {acked}", got.len());
    bob.send(b"{\"action\":\"quit\"}\n");
    bob.expect_closed(PROMPTLY);
    // Delivered means delivered: nothing the next time.
    let mut bob = logged_in(addr, "bob");
    assert!(texts_until_quiet(&mut bob, Duration::from_millis(500)).is_empty());
}

fn start_fails(db: &Path, within: Duration) -> (Option<i32>, String) {
    let mut command = Command::new(example_bin("server"));
    command
        .args(["-a", "127.0.0.1", "-p", "0", "--db"])
        .arg(db)
        .env_remove("RUST_LOG");
    let mut server = ChildGuard::spawn("server", command);
    let status = server.expect_exit(within);
    (status.code(), server.stderr())
}

#[test]
fn a_database_that_cannot_be_opened_is_a_clear_error_at_start() {
    let dir = TempDir::new("baddb");
    let missing = dir.file("no-such-dir").join("chat.db");
    let (code, stderr) = start_fails(&missing, PROMPTLY);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("cannot open database"), "{stderr}");
    assert!(stderr.contains("no-such-dir"), "{stderr}");

    // A directory the server may not write (root may write anywhere, so
    // only checked as another user).
    #[cfg(unix)]
    if unsafe { libc::geteuid() } != 0 {
        use std::os::unix::fs::PermissionsExt;
        let locked_dir = dir.file("read-only");
        std::fs::create_dir(&locked_dir).unwrap();
        std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        let (code, stderr) = start_fails(&locked_dir.join("chat.db"), PROMPTLY);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("cannot open database"), "{stderr}");
        std::fs::set_permissions(&locked_dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    } else {
        eprintln!("running as root: the read-only directory case is not checked");
    }

    let corrupt = dir.file("corrupt.db");
    std::fs::write(&corrupt, vec![0xA5; 16 * 1024]).unwrap();
    let (code, stderr) = start_fails(&corrupt, PROMPTLY);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("not a database"), "{stderr}");
}

#[test]
fn a_database_locked_by_another_program_is_a_clear_error_at_start() {
    let dir = TempDir::new("locked");
    let db = dir.file("chat.db");
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder
        .execute_batch("PRAGMA journal_mode = DELETE; CREATE TABLE t (x); BEGIN EXCLUSIVE; INSERT INTO t VALUES (1);")
        .unwrap();
    let (code, stderr) = start_fails(&db, Duration::from_secs(30));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("locked"), "{stderr}");
    drop(holder);
}

#[test]
fn the_admin_command_adds_lists_and_removes_accounts() {
    let dir = TempDir::new("admin");
    let db = dir.file("chat.db");
    let run = |args: &[&str], stdin: &[u8]| {
        let mut command = Command::new(example_bin("server"));
        command
            .args(args)
            .arg("--db")
            .arg(&db)
            .env_remove("RUST_LOG");
        let mut child = ChildGuard::spawn("server user", command);
        child.stdin().write_all(stdin).unwrap();
        child.close_stdin();
        let status = child.expect_exit(PROMPTLY * 2);
        (status.code(), child.stdout(), child.stderr())
    };
    let (code, out, err) = run(&["user", "add", "carol"], b"s3cret\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("account carol created"), "{out}");
    let (code, _, err) = run(&["user", "add", "carol"], b"other\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("exists"), "{err}");
    let (code, out, _) = run(&["user", "list"], b"");
    assert_eq!((code, out.trim()), (Some(0), "carol"));

    // Closed registration: only the admin's accounts get in.
    let db_arg = db.to_str().unwrap().to_owned();
    let (server, addr) = example_server(&[
        "-a",
        "127.0.0.1",
        "-p",
        "0",
        "--db",
        &db_arg,
        "--registration",
        "closed",
    ]);
    let mut carol = Peer::connect(addr);
    carol.send(&login("carol", "s3cret"));
    carol.expect_200();
    let mut dave = Peer::connect(addr);
    dave.send(&login("dave", "s3cret"));
    dave.expect_code(402);
    drop(server);

    let (code, out, _) = run(&["user", "remove", "carol"], b"");
    assert_eq!(code, Some(0));
    assert!(out.contains("removed"), "{out}");
    let (code, out, _) = run(&["user", "list"], b"");
    assert_eq!((code, out.trim()), (Some(0), ""));
    // The password is not in the file.
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(6).any(|w| w == b"s3cret"));
}

#[test]
fn a_full_storage_queue_answers_500_in_order_and_drops_nothing_silently() {
    // Room for one op: of ten messages read in one turn, handed to storage
    // together, the first fits and the rest are refused.
    let mut config = ServerConfig::default().storage(Storage::Memory);
    config.store.queue = 1;
    let server = start_server(config);
    let mut alice = Peer::connect(server.local_addr());
    alice.send(&presence("alice"));
    alice.expect_200();
    // The login's own storage op (the fetch of what waited for alice) may
    // still hold the one place, and a message to alice herself accepted
    // before that fetch came back would be sent with what waited and then
    // marked delivered: one more op, after its 200. So warm up with a
    // message that leaves nothing behind (to no account: 404), until one
    // is not refused; outcomes come back in order, so by its answer the
    // fetch is done and the queue is empty when the burst arrives.
    let mut warmed = false;
    for _ in 0..200 {
        alice.send(&msg("nobody", "warm-up"));
        let code = loop {
            let line = alice.read_line().expect("read").expect("open");
            let v: Value = serde_json::from_str(&line).unwrap();
            if let Some(code) = v["response"].as_u64() {
                break code;
            }
        };
        if code == 404 {
            warmed = true;
            break;
        }
        assert_eq!(code, 500);
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(warmed, "storage never had room");
    let burst: Vec<u8> = (0..10)
        .flat_map(|i| msg("alice", &format!("note {i}")))
        .collect();
    alice.send(&burst);
    let (mut codes, mut delivered) = (Vec::new(), Vec::new());
    while codes.len() < 10 {
        let line = alice
            .read_line()
            .expect("read")
            .unwrap_or_else(|| panic!("closed after {codes:?}"));
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["action"] == "msg" {
            delivered.push(v["message"].as_str().unwrap().to_owned());
            continue;
        }
        let code = v["response"].as_u64().unwrap();
        if code == 500 {
            assert!(v["error"].as_str().unwrap().contains("storage"), "{line}");
        }
        codes.push(code);
    }
    assert_eq!(codes.first(), Some(&200), "{codes:?} {delivered:?}");
    assert!(codes.iter().all(|&c| c == 200 || c == 500), "{codes:?}");
    let ok = codes.iter().filter(|&&c| c == 200).count();
    assert!(ok < 10, "the queue of one refused nothing: {codes:?}");
    // Each 200 is a delivered message, and only those: nothing dropped
    // without an answer, nothing refused delivered anyway.
    assert_eq!(delivered.len(), ok, "{delivered:?} / {codes:?}");
    assert_eq!(delivered.first().map(String::as_str), Some("note 0"));
    // The client goes on once storage has room.
    alice.send(&msg("alice", "after"));
    loop {
        let line = alice.read_line().expect("read").expect("open");
        let v: Value = serde_json::from_str(&line).unwrap();
        if v["response"] == 200 {
            break;
        }
        assert_eq!(v["message"], "after", "{line}");
    }
    shutdown_promptly(server);
}

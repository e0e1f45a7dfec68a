//! The chat server end to end over loopback: many clients chatting, a
//! recipient that never reads, a client killed mid-message, the limits,
//! and Python peers of both dialects talking to each other through jim.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use jim_std::hub::RateLimit;
use jim_std::ServerConfig;
use serde_json::{json, Value};

/// A spec-dialect client: names itself, then reads lines.
fn named(addr: SocketAddr, name: &str) -> Peer {
    let mut peer = Peer::connect(addr);
    peer.handshake_ok(name);
    peer
}

fn line(value: Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec(&value).unwrap();
    bytes.push(b'\n');
    bytes
}

/// The next line as JSON.
fn next(peer: &mut Peer) -> Value {
    let line = peer
        .read_line()
        .expect("a line in time")
        .expect("connection open");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
}

#[test]
fn a_room_of_thirty_chats_and_everyone_gets_every_message_once() {
    const MEMBERS: usize = 30;
    const EACH: usize = 5;
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peers: Vec<Peer> = (0..MEMBERS)
        .map(|i| {
            let mut peer = named(addr, &format!("user{i}"));
            peer.send(&line(json!({"action":"join","time":1,"room":"#lobby"})));
            peer.expect_200();
            peer
        })
        .collect();
    for (i, peer) in peers.iter_mut().enumerate() {
        for k in 0..EACH {
            peer.send(&line(
                json!({"action":"msg","to":"#lobby","message":format!("{i}:{k}")}),
            ));
        }
    }
    for (i, peer) in peers.iter_mut().enumerate() {
        let mut answers = 0;
        let mut seen = std::collections::BTreeSet::new();
        while answers < EACH || seen.len() < (MEMBERS - 1) * EACH {
            let v = next(peer);
            if v.get("response").is_some() {
                assert_eq!(v["response"], 200, "{v}");
                answers += 1;
                continue;
            }
            assert_eq!(v["action"], "msg");
            assert_eq!(v["to"], "#lobby");
            let text = v["message"].as_str().unwrap().to_owned();
            let from: usize = text.split(':').next().unwrap().parse().unwrap();
            assert_ne!(from, i, "a member got its own message");
            assert_eq!(v["from"], format!("user{from}"));
            assert!(seen.insert(text), "a message came twice");
        }
    }
    shutdown_promptly(server);
}

#[test]
fn pairs_exchange_direct_messages() {
    let server = start_default_server();
    let addr = server.local_addr();
    let handles: Vec<_> = (0..20)
        .map(|pair| {
            thread::spawn(move || {
                let (a, b) = (format!("a{pair}"), format!("b{pair}"));
                let mut pa = named(addr, &a);
                let mut pb = named(addr, &b);
                for k in 0..10 {
                    pa.send(&line(
                        json!({"action":"msg","to":b,"message":format!("ping {k}")}),
                    ));
                    // The recipient sees it from the sender's name…
                    let got = next(&mut pb);
                    assert_eq!(
                        (got["from"].as_str(), got["message"].as_str()),
                        (Some(a.as_str()), Some(format!("ping {k}").as_str()))
                    );
                    // …and the sender its 200.
                    pa.expect_200();
                    pb.send(&line(
                        json!({"action":"msg","to":a,"message":format!("pong {k}")}),
                    ));
                    assert_eq!(next(&mut pa)["message"], format!("pong {k}"));
                    pb.expect_200();
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().expect("a pair failed");
    }
    shutdown_promptly(server);
}

#[test]
fn a_recipient_that_never_reads_is_dropped_while_the_others_go_on() {
    capture_logs();
    let server = start_server(
        ServerConfig::default()
            .max_queue(64 * 1024)
            .rate(RateLimit::UNLIMITED),
    );
    let addr = server.local_addr();
    let mut sender = named(addr, "loud");
    let mut reader = named(addr, "keen");
    let mut sleeper = Peer::connect_small_rcvbuf(addr);
    sleeper.handshake_ok("sleepy");
    for peer in [&mut sender, &mut reader, &mut sleeper] {
        peer.send(&line(json!({"action":"join","room":"#flood"})));
        peer.expect_200();
    }
    // About 4 MB of relayed text: far more than the sleeper's queue and
    // socket buffers hold. The reader keeps up (a reader slower than the
    // sender would be dropped too: that is the rule).
    let text = "x".repeat(400);
    let batch = line(json!({"action":"msg","to":"#flood","message":text})).repeat(100);
    for _ in 0..100 {
        sender.send(&batch);
        for _ in 0..100 {
            assert_eq!(next(&mut reader)["from"], "loud");
        }
        for _ in 0..100 {
            sender.expect_200();
        }
    }
    assert!(
        wait_for_log("does not read", PROMPTLY).is_some(),
        "{}",
        all_logs()
    );
    // Its name is free again.
    named(addr, "sleepy");
    drop(sleeper);
    shutdown_promptly(server);
}

#[test]
fn a_client_killed_mid_message_frees_its_name_and_rooms() {
    capture_logs();
    let server = start_default_server();
    let addr = server.local_addr();
    let mut other = named(addr, "witness");
    {
        let mut victim = named(addr, "victim");
        victim.send(&line(json!({"action":"join","room":"#r"})));
        victim.expect_200();
        victim.send(br##"{"action":"msg","to":"#r","mess"##);
        // Dropped here: the socket closes with half a message sent.
    }
    assert!(
        wait_for_log("disconnected mid-message", PROMPTLY).is_some(),
        "{}",
        all_logs()
    );
    // The name is free, the room is gone with its only member.
    named(addr, "victim");
    other.send(&line(json!({"action":"msg","to":"#r","message":"anyone?"})));
    assert_eq!(
        other.expect_code(403)["error"],
        "you are not a member of #r"
    );
    shutdown_promptly(server);
}

#[test]
fn a_client_turned_away_gets_its_500_and_a_clean_close() {
    let server = start_server(ServerConfig::default().max_connections(1));
    let addr = server.local_addr();
    let _first = named(addr, "first");
    for _ in 0..20 {
        let mut late = TcpStream::connect(addr).unwrap();
        late.set_read_timeout(Some(PROMPTLY)).unwrap();
        // It sends its request before reading anything.
        late.write_all(&presence("late")).unwrap();
        let mut got = Vec::new();
        late.read_to_end(&mut got)
            .expect("a clean close, not a reset");
        let text = String::from_utf8(got).unwrap();
        assert!(text.starts_with("{\"response\":500,"), "{text}");
        assert!(text.contains("server busy"), "{text}");
    }
    shutdown_promptly(server);
}

#[test]
fn one_address_cannot_take_every_slot() {
    let server = start_server(ServerConfig::default().max_per_address(3));
    let addr = server.local_addr();
    let _held: Vec<Peer> = (0..3).map(|i| named(addr, &format!("h{i}"))).collect();
    let mut fourth = Peer::connect(addr);
    let refused = fourth.expect_code(500);
    assert_eq!(refused["error"], "too many connections from your address");
    // Another loopback address is another source.
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&SocketAddr::from(([127, 0, 0, 2], 0)).into())
        .unwrap();
    socket.connect_timeout(&addr.into(), PROMPTLY).unwrap();
    let stream: TcpStream = socket.into();
    stream.set_read_timeout(Some(PROMPTLY)).unwrap();
    let mut other = Peer::from_stream(stream);
    other.handshake_ok("elsewhere");
    shutdown_promptly(server);
}

#[test]
fn a_trickle_that_never_completes_a_message_is_cut() {
    let server = start_server(ServerConfig::default().message_deadline(Duration::from_millis(600)));
    let mut peer = named(server.local_addr(), "trickler");
    let started = Instant::now();
    peer.send(b"{\"action\":");
    let mut cut = false;
    for _ in 0..30 {
        thread::sleep(Duration::from_millis(100));
        // One byte at a time keeps the idle timer happy, never the deadline.
        if peer.stream.write_all(b" ").is_err() {
            cut = true;
            break;
        }
        let mut byte = [0u8; 1];
        peer.stream
            .set_read_timeout(Some(Duration::from_millis(1)))
            .unwrap();
        if let Ok(0) = peer.stream.read(&mut byte) {
            cut = true;
            break;
        }
    }
    assert!(cut, "still connected after {:?}", started.elapsed());
    shutdown_promptly(server);
}

#[test]
fn repeated_bad_input_is_logged_as_a_count() {
    capture_logs();
    let server = start_default_server();
    let mut peer = named(server.local_addr(), "sloppy");
    peer.send(&b"{}".repeat(50));
    for _ in 0..50 {
        peer.expect_400();
    }
    let line = wait_for_log("sloppy", Duration::ZERO);
    let report = wait_for_log("bad request(s) in the last", Duration::from_secs(3))
        .unwrap_or_else(|| panic!("no summary: {}", all_logs()));
    assert!(report.contains("sloppy"), "{report}");
    let logs = all_logs();
    let per_message = logs
        .lines()
        .filter(|l| l.contains("no action or response"))
        .count();
    assert!(per_message <= 2, "one line per bad message:\n{logs}");
    let _ = line;
    shutdown_promptly(server);
}

#[test]
fn bad_input_from_a_client_that_hangs_up_at_once_is_on_its_close_line() {
    capture_logs();
    let server = start_default_server();
    let mut peer = named(server.local_addr(), "hitandrun");
    peer.send(&b"{}".repeat(3));
    for _ in 0..3 {
        peer.expect_400();
    }
    drop(peer);
    // Long before the 10 s report would have come.
    let line = wait_for_log(
        "3 bad request(s) since the last report",
        Duration::from_secs(3),
    )
    .unwrap_or_else(|| panic!("not on the close line: {}", all_logs()));
    assert!(
        line.contains("hitandrun") && line.contains("disconnected"),
        "{line}"
    );
    shutdown_promptly(server);
}

/// A tests/python/chat_peer.py process.
fn python_peer(addr: SocketAddr, name: &str, dialect: &str) -> ChildGuard {
    let mut command = Command::new("python3");
    command
        .arg(python_dir().join("chat_peer.py"))
        .args(["--port", &addr.port().to_string()])
        .args(["--name", name, "--dialect", dialect, "--linger", "3"]);
    ChildGuard::spawn("chat_peer.py", command)
}

fn python_line(peer: &ChildGuard) -> Value {
    let line = peer
        .next_line(PROMPTLY)
        .unwrap_or_else(|| panic!("{} printed nothing: {}", peer.name, peer.stderr()));
    serde_json::from_str(&line)
        .unwrap_or_else(|_| panic!("{}: {line} {}", peer.name, peer.stderr()))
}

#[test]
fn course_and_spec_python_peers_chat_through_jim() {
    if !python3_available() {
        return;
    }
    let server = start_default_server();
    let addr = server.local_addr();
    let mut ivan = python_peer(addr, "Иван", "course");
    let mut alice = python_peer(addr, "alice", "spec");
    assert_eq!(python_line(&ivan)["response"], 200);
    assert_eq!(python_line(&alice)["response"], 200);

    // Spec → course, Cyrillic: the course client reads it in its dialect.
    writeln!(
        alice.stdin(),
        r#"{{"action":"msg","to":"Иван","from":"alice","message":"Привет, Иван!"}}"#
    )
    .unwrap();
    let got = python_line(&ivan);
    assert_eq!(got["action"], "message");
    assert_eq!(got["from"], "alice");
    assert_eq!(got["to"], "Иван");
    assert_eq!(got["mess_text"], "Привет, Иван!");
    assert_eq!(python_line(&alice)["response"], 200);

    // Course → spec.
    writeln!(
        ivan.stdin(),
        r#"{{"action":"message","to":"alice","from":"Иван","mess_text":"Здравствуй 😀"}}"#
    )
    .unwrap();
    let got = python_line(&alice);
    assert_eq!(
        (got["action"].as_str(), got["from"].as_str()),
        (Some("msg"), Some("Иван"))
    );
    assert_eq!(got["message"], "Здравствуй 😀");
    assert_eq!(python_line(&ivan)["response"], 200);

    // A burst at the course client: each object must reach it on its own
    // (it reads one object per recv and would print BROKEN otherwise).
    for k in 0..8 {
        writeln!(
            alice.stdin(),
            r#"{{"action":"msg","to":"Иван","message":"burst {k}"}}"#
        )
        .unwrap();
    }
    for k in 0..8 {
        assert_eq!(python_line(&ivan)["mess_text"], format!("burst {k}"));
    }
    for _ in 0..8 {
        assert_eq!(python_line(&alice)["response"], 200);
    }
    ivan.close_stdin();
    alice.close_stdin();
    assert!(
        ivan.expect_exit(PROMPTLY * 2).success(),
        "{}",
        ivan.stderr()
    );
    assert!(
        alice.expect_exit(PROMPTLY * 2).success(),
        "{}",
        alice.stderr()
    );
    shutdown_promptly(server);
}

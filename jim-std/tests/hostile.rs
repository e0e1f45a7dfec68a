//! Hostile and broken peers against a running server.
//!
//! PROTOCOL.md, "What a server must never do": crash, hang, or stop serving
//! other clients because one client sent something. After every case a
//! fresh client must still get its 200 promptly, and the server must still
//! shut down cleanly. Where the connection can carry it, the hostile client
//! itself gets a 400 with an `error` and then a 200 for a valid presence on
//! the same connection.

mod common;

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use jim_std::{Client, ClientError};

/// Sends `bad`, expects one 400 with an error, then a valid presence on the
/// same connection gets a 200; then checks a fresh client and shutdown.
fn bad_then_good(bad: &[u8]) {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    peer.send(bad);
    peer.expect_400();
    peer.handshake_ok("after-bad-input");
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn garbage_text_gets_400_then_session_continues() {
    bad_then_good(b"hello, this is not JSON at all\r\n");
}

#[test]
fn binary_garbage_and_invalid_utf8_outside_an_object_get_400() {
    bad_then_good(&[0x00, 0xff, 0xfe, 0x80, 0xc3, 0x28, 0x07, 0xf0, 0x9f, b'\n']);
}

#[test]
fn each_garbage_line_gets_its_own_400() {
    // What someone typing at `nc` sends: one answer per line.
    let server = start_default_server();
    let mut peer = Peer::connect(server.local_addr());
    peer.send(b"hello\nis anybody there?\r\n\n");
    for _ in 0..2 {
        let error = peer.expect_400();
        assert_eq!(error["error"], "not a JSON object");
    }
    peer.handshake_ok("typist");
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn invalid_utf8_inside_a_string_gets_400() {
    let mut bad = b"{\"action\":\"presence\",\"time\":1,\"user\":{\"account_name\":\"".to_vec();
    bad.extend_from_slice(&[0xff, 0xfe, 0xc3, 0x28]);
    bad.extend_from_slice(b"\"}}\n");
    bad_then_good(&bad);
}

#[test]
fn json_that_is_not_an_object_or_not_a_request_gets_400() {
    // An unknown action, a response sent to the server, a missing user, and
    // an over-long name: each one 400, each on the same connection.
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    for bad in [
        &b"{\"action\":\"dance\",\"time\":1}\n"[..],
        b"{\"response\":200,\"alert\":\"OK\"}\n",
        b"{\"action\":\"presence\",\"time\":1}\n",
        b"{\"action\":\"presence\",\"time\":1,\"user\":{\"account_name\":\"abcdefghijklmnopqrstuvwxyz\"}}\n",
        b"{}",
        b"[1,2,3]",
    ] {
        peer.send(bad);
        peer.expect_400();
    }
    // An unterminated object: no answer until it is complete.
    peer.send(b"{\"action\":\"presence\",\"time\":1,\"user\":{\"account_name\":\"x\"}");
    peer.expect_silence(Duration::from_millis(300));
    // Close the dangling object above with `}`: it becomes a valid presence.
    peer.send(b"}");
    peer.expect_200();
    peer.handshake_ok("still-here");
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn object_over_the_frame_cap_gets_400_then_resync() {
    let mut bad =
        b"{\"action\":\"presence\",\"time\":1,\"user\":{\"account_name\":\"big\"},\"pad\":\""
            .to_vec();
    bad.extend(std::iter::repeat_n(b'x', jim_std::MAX_FRAME));
    // Braces inside the string must not confuse the skipping.
    bad.extend_from_slice(b"{}}{\"}\n");
    bad_then_good(&bad);
}

#[test]
fn huge_object_of_256_kib_gets_one_400_then_resync() {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    let mut bad = b"{\"pad\":[".to_vec();
    for _ in 0..32 * 1024 {
        bad.extend_from_slice(b"1,{}, [],");
    }
    bad.extend_from_slice(b"2]}\n");
    assert!(bad.len() > 256 * 1024);
    // Write from a helper thread so a server that stops reading cannot
    // deadlock the test: the write has its own timeout.
    let mut writer = peer.stream.try_clone().unwrap();
    let sent = thread::spawn(move || writer.write_all(&bad));
    peer.expect_400();
    sent.join()
        .unwrap()
        .expect("server stopped reading a large object");
    peer.handshake_ok("after-huge");
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn deeply_nested_object_gets_400_then_resync() {
    let mut bad = b"{\"action\":\"presence\",\"user\":".to_vec();
    bad.extend(std::iter::repeat_n(&b"{\"a\":"[..], 20).flatten());
    bad.extend_from_slice(b"1");
    bad.extend(std::iter::repeat_n(b'}', 21));
    assert!(bad.len() < 640);
    bad_then_good(&bad);
}

#[test]
fn nesting_100k_deep_does_not_overflow_anything() {
    let mut bad = b"{\"a\":".to_vec();
    bad.extend(std::iter::repeat_n(b'[', 100_000));
    bad.extend(std::iter::repeat_n(b']', 100_000));
    bad.extend_from_slice(b"}");
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    let mut writer = peer.stream.try_clone().unwrap();
    let sent = thread::spawn(move || writer.write_all(&bad));
    peer.expect_400();
    sent.join().unwrap().expect("server stopped reading");
    peer.handshake_ok("after-deep");
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn two_presences_in_one_write_get_two_200s() {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    let mut both = presence("first");
    // The second one course-style: no delimiter at all between objects.
    both.pop();
    both.extend_from_slice(&course_presence("second"));
    peer.send(&both);
    peer.expect_200();
    peer.expect_200();
    peer.expect_silence(Duration::from_millis(300));
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn presence_one_byte_per_write_gets_one_200() {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    let message = presence("slowpoke");
    for byte in &message {
        peer.send(std::slice::from_ref(byte));
        thread::sleep(Duration::from_millis(2));
    }
    peer.expect_200();
    peer.expect_silence(Duration::from_millis(300));
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn half_message_then_silence_blocks_nobody_and_is_timed_out() {
    let idle = Duration::from_secs(1);
    let server = start_server_with_idle(idle);
    let addr = server.local_addr();

    // Several stalled peers: one mid-message, one that never says anything.
    let mut half = Peer::connect(addr);
    half.send(b"{\"action\":\"presence\",\"ti");
    let mut mute = Peer::connect(addr);
    // Give the server time to be "inside" those connections.
    thread::sleep(Duration::from_millis(100));

    // While they stall, others are served promptly, more than once.
    for _ in 0..3 {
        let took = fresh_client_ok(addr);
        assert!(took < Duration::from_secs(3), "fresh client took {took:?}");
    }

    // The idle timeout closes the stalled connections (generously bounded).
    let started = Instant::now();
    half.expect_closed(idle + PROMPTLY);
    mute.expect_closed(idle + PROMPTLY);
    assert!(started.elapsed() < idle + PROMPTLY);

    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn active_client_is_not_timed_out_while_it_talks() {
    // A client that sends something more often than the idle timeout keeps
    // its session.
    let idle = Duration::from_secs(1);
    let server = start_server_with_idle(idle);
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    for i in 0..4 {
        peer.handshake_ok(&format!("chatty{i}"));
        thread::sleep(Duration::from_millis(400));
    }
    peer.handshake_ok("chatty-last");
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn disconnect_mid_message_leaves_server_serving() {
    let server = start_default_server();
    let addr = server.local_addr();
    for cut in [1, 10, 40] {
        let mut peer = Peer::connect(addr);
        peer.send(&presence("cut-short")[..cut]);
        drop(peer);
        fresh_client_ok(addr);
    }
    // Half-close instead of close: the server sees end of stream mid-object
    // and must end that session (close its side) rather than wait forever.
    let mut peer = Peer::connect(addr);
    peer.send(b"{\"action\":\"pres");
    peer.shutdown_write();
    peer.expect_closed(PROMPTLY);
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn quit_and_exit_end_the_session() {
    let server = start_default_server();
    let addr = server.local_addr();

    let mut peer = Peer::connect(addr);
    peer.handshake_ok("leaver");
    peer.send(b"{\"action\":\"quit\"}\n");
    peer.expect_closed(PROMPTLY);

    // Course dialect: `exit` with the account name.
    let mut peer = Peer::connect(addr);
    peer.send(&course_presence("Guest"));
    peer.expect_code(200);
    peer.send(b"{\"action\": \"exit\", \"time\": 1700000001.5, \"account_name\": \"Guest\"}");
    peer.expect_closed(PROMPTLY);

    // Plain end of stream after a good session: closed, no answer.
    let mut peer = Peer::connect(addr);
    peer.handshake_ok("eof");
    peer.shutdown_write();
    peer.expect_closed(PROMPTLY);

    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn client_that_floods_and_never_reads_blocks_nobody() {
    // Every `{}` earns a 400 that this client never reads: the server's
    // writes back up. Others must still be served.
    let server = start_default_server();
    let addr = server.local_addr();
    let mut flooder = Peer::connect(addr);
    flooder
        .stream
        .set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let chunk = b"{}".repeat(4096);
    let mut sent = 0usize;
    let deadline = Instant::now() + Duration::from_secs(3);
    while sent < 8 * 1024 * 1024 && Instant::now() < deadline {
        match flooder.stream.write(&chunk) {
            Ok(n) => sent += n,
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut =>
            {
                break
            }
            Err(_) => break, // the server may legitimately close on us
        }
    }
    assert!(sent > 0);
    let took = fresh_client_ok(addr);
    assert!(took < Duration::from_secs(3), "fresh client took {took:?}");
    drop(flooder);
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn many_garbage_connections_in_a_row_leave_server_healthy() {
    let server = start_default_server();
    let addr = server.local_addr();
    let inputs: [&[u8]; 6] = [
        b"\x00\x00\x00\x00",
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"}}}}]]]]",
        b"{\"action\":\"presence\",\"time\":1,\"user\":{\"account_name\":\"\\ud800\"}}",
        b"{\"action\":\"presence\",\"time\":\"\\u0000\",\"user\":{\"account_name\":\"\\u0000\"}}",
        b"\xef\xbb\xbf{\"action\":\"presence\",\"user\":{\"account_name\":\"bom\"}}",
    ];
    for input in inputs {
        let mut peer = Peer::connect(addr);
        peer.send(input);
        // Whatever the answer, the connection gets at least one line or a
        // clean close, promptly.
        match peer.read_line() {
            Ok(Some(line)) => {
                let value: serde_json::Value = serde_json::from_str(&line)
                    .unwrap_or_else(|e| panic!("{input:?}: answer not JSON ({e}): {line}"));
                assert!(value["response"].is_u64(), "{input:?}: {line}");
            }
            Ok(None) => {}
            Err(e) => panic!("{input:?}: no answer and no close: {e}"),
        }
        drop(peer);
        fresh_client_ok(addr);
    }
    shutdown_promptly(server);
}

#[test]
fn whitespace_between_objects_is_ignored_however_much() {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peer = Peer::connect(addr);
    let mut input = b" \r\n\t".repeat(64 * 1024);
    input.extend_from_slice(&presence("after-spaces"));
    input.extend_from_slice(&b"\n \r\n".repeat(1024));
    let mut writer = peer.stream.try_clone().unwrap();
    let sent = thread::spawn(move || writer.write_all(&input));
    // Exactly one answer: the 200 (whitespace is not garbage).
    peer.expect_200();
    sent.join()
        .unwrap()
        .expect("server stopped reading whitespace");
    peer.expect_silence(Duration::from_millis(300));
    drop(peer);
    shutdown_promptly(server);
}

#[test]
fn client_that_reads_late_gets_every_answer_in_order() {
    // 200 000 requests before a presence earn 200 000 401-lines
    // (megabytes): more than the socket buffers hold, so the server must
    // hold back (stop reading) while the client does not read, and resume
    // when it does, losing nothing. (No rate limit: this is about order.)
    const BAD: usize = 200_000;
    let server =
        start_server(jim_std::ServerConfig::default().rate(jim_std::hub::RateLimit::UNLIMITED));
    let addr = server.local_addr();
    let mut peer = Peer::connect_small_rcvbuf(addr);
    let mut writer = peer.stream.try_clone().unwrap();
    writer
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let sender = thread::spawn(move || {
        writer.write_all(&br##"{"action":"join","room":"#r"}"##.repeat(BAD))?;
        writer.write_all(&presence("patient"))
    });
    // Let the backlog build up before reading anything. The answers (about
    // 13 MB) far exceed what the kernel buffers between the server and this
    // small-buffered socket (a few MB), so the server is left holding
    // answers it cannot write: it has to wait for writability and resume.
    thread::sleep(Duration::from_millis(500));
    let deadline = Instant::now() + Duration::from_secs(30);
    for i in 0..BAD {
        match peer.read_line() {
            Ok(Some(line)) => assert!(line.starts_with("{\"response\":401,"), "answer {i}: {line}"),
            other => panic!("answer {i} of {BAD}: {other:?}"),
        }
        if i % 10_000 == 0 {
            assert!(Instant::now() < deadline, "only {i} answers in 30 s");
        }
    }
    sender
        .join()
        .unwrap()
        .expect("server stopped reading for good");
    peer.expect_200();
    peer.handshake_ok("patient-again");
    fresh_client_ok(addr);
    drop(peer);
    shutdown_promptly(server);
}

// ------------------------------------------------------- hostile servers
// The same robustness, the other way round: jim_std::Client against
// servers that misbehave. Each fake server is a thread bounded by socket
// timeouts; each client call must end with a typed error, promptly.

/// A one-connection fake server: reads the presence, then runs `act`.
fn fake_server(
    act: impl FnOnce(&mut TcpStream) + Send + 'static,
) -> (SocketAddr, thread::JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + PROMPTLY;
        let mut stream = loop {
            match listener.accept() {
                Ok((s, _)) => break s,
                Err(_) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Err(e) => panic!("fake server: no client: {e}"),
            }
        };
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut got = vec![0u8; 640];
        let n = io::Read::read(&mut stream, &mut got).unwrap_or(0);
        got.truncate(n);
        act(&mut stream);
        got
    });
    (addr, handle)
}

/// What a fake server does after reading the presence.
type FakeAct = fn(&mut TcpStream);

fn handshake_with(addr: SocketAddr, timeout: Duration) -> Result<u16, ClientError> {
    let mut client = Client::connect(addr, timeout)?;
    client
        .handshake("victim", Some("wary"))
        .map(|r| r.code.as_u16())
}

#[test]
fn client_times_out_on_a_mute_server() {
    let (addr, fake) = fake_server(|_| thread::sleep(Duration::from_secs(2)));
    let start = Instant::now();
    let result = handshake_with(addr, Duration::from_millis(500));
    assert!(matches!(result, Err(ClientError::Timeout)), "{result:?}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(fake
        .join()
        .unwrap()
        .starts_with(b"{\"action\":\"presence\""));
}

#[test]
fn client_reports_a_server_that_hangs_up_or_talks_nonsense() {
    let cases: [(&str, FakeAct); 5] = [
        ("close", |_| {}),
        ("half answer then close", |s| {
            let _ = s.write_all(b"{\"response\":2");
        }),
        ("garbage", |s| {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n");
        }),
        ("answer over 640 bytes", |s| {
            let mut long = b"{\"response\":200,\"alert\":\"".to_vec();
            long.extend(std::iter::repeat_n(b'a', 1000));
            long.extend_from_slice(b"\"}\n");
            let _ = s.write_all(&long);
        }),
        ("probes and never an answer", |s| {
            for _ in 0..20 {
                let _ = s.write_all(b"{\"action\":\"probe\",\"time\":1}\n");
            }
        }),
    ];
    for (what, act) in cases {
        let (addr, fake) = fake_server(act);
        let result = handshake_with(addr, IO_TIMEOUT);
        assert!(
            matches!(result, Err(ClientError::Protocol(_))),
            "{what}: {result:?}"
        );
        fake.join().unwrap();
    }
}

#[test]
fn client_skips_a_probe_and_reads_a_trickled_answer() {
    let (addr, fake) = fake_server(|s| {
        let _ = s.write_all(b"{\"action\": \"probe\", \"time\": 1700000000.5}");
        for b in b" {\"alert\": \"Welcome\", \"response\": \"202\"}" {
            let _ = s.write_all(std::slice::from_ref(b));
            thread::sleep(Duration::from_millis(2));
        }
    });
    let mut client = Client::connect(addr, IO_TIMEOUT).unwrap();
    let reply = client.handshake("victim", None).expect("handshake");
    assert_eq!(reply.code.as_u16(), 202);
    assert_eq!(reply.text.as_deref(), Some("Welcome"));
    fake.join().unwrap();
}

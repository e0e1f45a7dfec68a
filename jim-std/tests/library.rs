//! The library end to end over 127.0.0.1: server, client and transport.
//!
//! Every socket has read and write timeouts and every loop is bounded, so
//! a broken server fails these tests instead of hanging them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use jim_core::Presence;
use jim_std::{Client, ClientError, Server, ServerConfig, ServerHandle};

const TIMEOUT: Duration = Duration::from_secs(5);

fn spawn(config: ServerConfig) -> ServerHandle {
    Server::bind("127.0.0.1:0", config)
        .expect("bind 127.0.0.1:0")
        .spawn()
        .expect("spawn")
}

fn raw(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// Reads until `\n` or end of stream (bounded by the socket timeout and a
/// size cap); returns the line without its newline.
fn read_line(stream: &mut TcpStream) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < 4096 {
        match stream.read(&mut byte) {
            Ok(0) => break,
            Ok(_) if byte[0] == b'\n' => break,
            Ok(_) => line.push(byte[0]),
            Err(e) => panic!("no line from server (got {line:?}): {e}"),
        }
    }
    String::from_utf8(line).expect("UTF-8 answer")
}

/// `true` if the peer closed: a read returns 0 (or a reset) in time.
fn is_closed(stream: &mut TcpStream) -> bool {
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn client_handshake_gets_200() {
    let server = spawn(ServerConfig::default());
    let mut client = Client::connect(server.local_addr(), TIMEOUT).expect("connect");
    assert_eq!(client.peer_addr(), server.local_addr());
    let reply = client
        .handshake("alice", Some("Online"))
        .expect("handshake");
    assert_eq!(reply.code.as_u16(), 200);
    assert_eq!(reply.text.as_deref(), Some("OK"));
    // Same connection, a second presence, no status, non-ASCII name.
    let reply = client.handshake("Гость", None).expect("second handshake");
    assert_eq!(reply.code.as_u16(), 200);
    client.quit().expect("quit");
    server.shutdown().expect("shutdown");
}

#[test]
fn course_dialect_presence_gets_200() {
    let server = spawn(ServerConfig::default());
    let mut stream = raw(server.local_addr());
    // As the course's Python client sends it: spaces, float time, no
    // `type`, no `status`, no delimiter.
    stream
        .write_all(
            br#"{"action": "presence", "time": 1700000000.5, "user": {"account_name": "Guest"}}"#,
        )
        .unwrap();
    let line = read_line(&mut stream);
    assert!(line.starts_with(r#"{"response":200,"time":"#), "{line}");
    assert!(line.ends_with(r#","alert":"OK"}"#), "{line}");

    // `exit` ends the session: the server closes.
    stream
        .write_all(br#"{"action": "exit", "time": 1700000001, "account_name": "Guest"}"#)
        .unwrap();
    assert!(is_closed(&mut stream), "server did not close after exit");
    server.shutdown().unwrap();
}

#[test]
fn bad_input_gets_400_and_the_session_goes_on() {
    let server = spawn(ServerConfig::default());
    let mut stream = raw(server.local_addr());
    let oversized = format!(r#"{{"pad":"{}"}}"#, "x".repeat(jim_std::MAX_FRAME));
    stream.write_all(oversized.as_bytes()).unwrap();
    stream.write_all(b"not json\n").unwrap();
    stream.write_all(br#"{"action":"presence"}"#).unwrap();
    stream
        .write_all(br#"{"action":"presence","time":1,"user":{"account_name":"bob"}}"#)
        .unwrap();
    for want in ["message too large", "not a JSON object"] {
        let line = read_line(&mut stream);
        assert!(line.starts_with(r#"{"response":400,"#), "{line}");
        assert!(line.contains(want), "{line} lacks {want:?}");
    }
    let line = read_line(&mut stream);
    assert!(line.starts_with(r#"{"response":400,"#), "{line}");
    let line = read_line(&mut stream);
    assert!(line.starts_with(r#"{"response":200,"#), "{line}");
    server.shutdown().unwrap();
}

#[test]
fn requests_split_byte_by_byte_are_answered() {
    let server = spawn(ServerConfig::default());
    let mut stream = raw(server.local_addr());
    stream.set_nodelay(true).unwrap();
    for byte in br#"{"action":"presence","time":1,"user":{"account_name":"slow"}}"# {
        stream.write_all(&[*byte]).unwrap();
    }
    assert!(read_line(&mut stream).starts_with(r#"{"response":200,"#));
    server.shutdown().unwrap();
}

#[test]
fn transport_runs_jim_core_connection() {
    let server = spawn(ServerConfig::default());
    let mut conn = jim_std::transport::connect(server.local_addr(), TIMEOUT).expect("connect");
    let response = conn
        .handshake(&Presence::new("carol").with_status("away").at(1_700_000_000))
        .expect("handshake");
    assert_eq!(response.code.as_u16(), 200);
    server.shutdown().unwrap();
}

#[test]
fn shutdown_is_prompt_with_clients_connected() {
    let server = spawn(ServerConfig::default());
    let addr = server.local_addr();
    // An idle client and one stuck mid-message must not hold it up.
    let _idle = raw(addr);
    let mut stalled = raw(addr);
    stalled.write_all(br#"{"action":"pres"#).unwrap();
    thread::sleep(Duration::from_millis(50));

    let (done, finished) = mpsc::channel();
    let start = Instant::now();
    thread::spawn(move || done.send(server.shutdown()));
    let result = finished
        .recv_timeout(TIMEOUT)
        .expect("shutdown did not return in time");
    result.expect("shutdown failed");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(
        is_closed(&mut stalled),
        "connection left open after shutdown"
    );
}

#[test]
fn shutdown_handle_stops_run() {
    let server = Server::bind("127.0.0.1:0", ServerConfig::default()).unwrap();
    let handle = server.shutdown_handle();
    let (done, finished) = mpsc::channel();
    thread::spawn(move || done.send(server.run()));
    thread::sleep(Duration::from_millis(50));
    handle.shutdown();
    handle.shutdown(); // twice is harmless
    let result = finished.recv_timeout(TIMEOUT).expect("run did not return");
    result.expect("run failed");
}

#[test]
fn connection_limit_turns_extra_clients_away_cleanly() {
    let server = spawn(ServerConfig::default().max_connections(2));
    let addr = server.local_addr();
    let mut first = Client::connect(addr, TIMEOUT).unwrap();
    let mut second = Client::connect(addr, TIMEOUT).unwrap();
    first.handshake("one", None).expect("first is served");
    second.handshake("two", None).expect("second is served");

    // The third: a 500 "server busy" line, then the end of the stream.
    let mut third = raw(addr);
    let line = read_line(&mut third);
    assert!(line.starts_with(r#"{"response":500,"#), "{line}");
    assert!(line.contains("server busy"), "{line}");
    assert!(is_closed(&mut third));

    // Through the client API it is a typed rejection.
    let mut fourth = Client::connect(addr, TIMEOUT).unwrap();
    match fourth.handshake("four", None) {
        Err(ClientError::Rejected { code, text }) => {
            assert_eq!(code.as_u16(), 500);
            assert_eq!(text, "server busy");
        }
        other => panic!("expected a 500 rejection, got {other:?}"),
    }

    // A session that ends frees its place.
    drop(first);
    let deadline = Instant::now() + TIMEOUT;
    let reply = loop {
        let mut next = Client::connect(addr, TIMEOUT).unwrap();
        match next.handshake("five", None) {
            Ok(reply) => break reply,
            Err(ClientError::Rejected { .. }) if Instant::now() < deadline => {
                thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("place not freed: {e}"),
        }
    };
    assert_eq!(reply.code.as_u16(), 200);
    // The server lived through all of it.
    second.handshake("two", Some("still here")).unwrap();
    server.shutdown().unwrap();
}

#[test]
fn idle_and_stalled_connections_time_out_without_delaying_others() {
    let idle = Duration::from_millis(1000);
    let server = spawn(ServerConfig::default().idle_timeout(idle));
    let addr = server.local_addr();
    let mut silent = raw(addr);
    let mut stalled = raw(addr);
    stalled.write_all(br#"{"action":"presence","us"#).unwrap();

    // Meanwhile others are served at once.
    let start = Instant::now();
    let mut client = Client::connect(addr, TIMEOUT).unwrap();
    client.handshake("busy-bee", None).unwrap();
    assert!(
        start.elapsed() < idle,
        "served only after {:?}",
        start.elapsed()
    );

    assert!(is_closed(&mut silent), "silent client not timed out");
    assert!(is_closed(&mut stalled), "stalled client not timed out");
    assert!(start.elapsed() < TIMEOUT);
    server.shutdown().unwrap();
}

#[test]
fn client_errors_are_typed() {
    // Nothing listens on a port we just released.
    let free = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    match Client::connect(free, TIMEOUT) {
        Err(ClientError::Connect(e)) => {
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        Err(other) => panic!("expected Connect, got {other}"),
        Ok(_) => panic!("connected to a closed port"),
    }

    let server = spawn(ServerConfig::default());
    let mut client = Client::connect(server.local_addr(), TIMEOUT).unwrap();
    let long = "x".repeat(26);
    assert!(matches!(
        client.handshake(&long, None),
        Err(ClientError::Invalid(_))
    ));
    server.shutdown().unwrap();
}

#[test]
fn client_accepts_a_bare_python_answer() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut buf = [0u8; 640];
        let n = s.read(&mut buf).unwrap();
        s.write_all(br#"{"response": 200}"#).unwrap();
        buf[..n].to_vec()
    });
    let mut client = Client::connect(addr, TIMEOUT).unwrap();
    let reply = client.handshake("guest", None).unwrap();
    assert_eq!((reply.code.as_u16(), reply.text), (200, None));
    let sent = fake.join().unwrap();
    assert!(sent.starts_with(br#"{"action":"presence","time":"#));
    assert!(sent.ends_with(b"}\n"));
}

#[test]
fn binds_ipv6_loopback_when_available() {
    let Ok(server) = Server::bind("[::1]:0", ServerConfig::default()) else {
        // No IPv6 on this machine: nothing to test.
        return;
    };
    let addr = server.local_addr();
    assert!(addr.is_ipv6());
    let server = server.spawn().unwrap();
    let mut client = Client::connect(addr, TIMEOUT).unwrap();
    assert_eq!(client.handshake("v6", None).unwrap().code.as_u16(), 200);
    server.shutdown().unwrap();
}

#[test]
fn handles_are_thread_safe() {
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    fn assert_send<T: Send>() {}
    assert_send_sync_clone::<jim_std::ShutdownHandle>();
    assert_send::<Server>();
    assert_send::<ServerHandle>();
    assert_send::<Client>();
}

/// A server that never answers but trickles whitespace more often than the
/// socket timeout: the handshake must still end, as a timeout, because the
/// client bounds the whole exchange and not only each read.
#[test]
fn handshake_is_bounded_against_a_trickling_server() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let trickler = thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        let mut presence = [0u8; 256];
        let _ = stream.read(&mut presence);
        // 3 s of one space per 100 ms, then hang up.
        for _ in 0..30 {
            if stream.write_all(b" ").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(100));
        }
    });
    let mut client = Client::connect(addr, Duration::from_millis(500)).expect("connect");
    let result = client.handshake("patient", None);
    assert!(
        matches!(result, Err(ClientError::Timeout)),
        "expected a timeout, got {result:?}"
    );
    drop(client);
    trickler.join().expect("trickler");
}

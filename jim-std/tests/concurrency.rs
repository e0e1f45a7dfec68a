//! Hundreds of clients at once.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use jim_std::Client;

const CLIENTS: usize = 300;
/// Bound on each whole scenario (a loaded 2-core machine; normally < 1 s).
const SCENARIO: Duration = Duration::from_secs(30);

#[test]
fn three_hundred_library_clients_at_once_all_get_200() {
    let server = start_server(jim_std::ServerConfig::default().max_per_address(1000));
    let addr = server.local_addr();
    let start = Instant::now();
    let barrier = Arc::new(Barrier::new(CLIENTS));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || {
                    barrier.wait();
                    let mut client = Client::connect(addr, IO_TIMEOUT)
                        .map_err(|e| format!("client {i}: connect: {e:?}"))?;
                    let reply = client
                        .handshake(&format!("user{i}"), Some("busy"))
                        .map_err(|e| format!("client {i}: handshake: {e:?}"))?;
                    Ok::<u16, String>(reply.code.as_u16())
                })
                .expect("spawn client thread")
        })
        .collect();
    let codes: Vec<Result<u16, String>> = workers
        .into_iter()
        .map(|w| w.join().expect("client thread panicked"))
        .collect();
    let failures: Vec<&String> = codes.iter().filter_map(|c| c.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} failed, e.g. {:?}",
        failures.len(),
        failures.first()
    );
    assert!(codes.iter().all(|c| c == &Ok(200)), "{codes:?}");
    assert!(start.elapsed() < SCENARIO, "took {:?}", start.elapsed());
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

/// Opens `n` raw connections from one thread, holds them all open, sends a
/// presence on every one, then reads every answer.
fn many_sockets_one_thread(addr: SocketAddr, n: usize, tag: &str) {
    let mut peers: Vec<Peer> = (0..n).map(|_| Peer::connect(addr)).collect();
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.send(&presence(&format!("{tag}{i}")));
    }
    for peer in &mut peers {
        peer.expect_200();
    }
    // All still open and serving: a second round on the same sockets.
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.send(&course_presence(&format!("{tag}{i}")));
    }
    for peer in &mut peers {
        peer.expect_code(200);
    }
}

#[test]
fn three_hundred_simultaneous_sessions_from_few_threads() {
    let server = start_server(jim_std::ServerConfig::default().max_per_address(1000));
    let addr = server.local_addr();
    let start = Instant::now();
    // 3 threads x 100 sockets, all 300 sessions open at the same time.
    let threads: Vec<_> = (0..3)
        .map(|t| {
            thread::spawn(move || many_sockets_one_thread(addr, CLIENTS / 3, &format!("t{t}u")))
        })
        .collect();
    for t in threads {
        t.join().expect("a socket-holding thread failed");
    }
    assert!(start.elapsed() < SCENARIO, "took {:?}", start.elapsed());
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn stalled_connections_do_not_starve_a_crowd() {
    // 100 connections that never speak, then 200 clients that do.
    let server = start_server(jim_std::ServerConfig::default().max_per_address(1000));
    let addr = server.local_addr();
    let mute: Vec<Peer> = (0..100).map(|_| Peer::connect(addr)).collect();
    let start = Instant::now();
    let threads: Vec<_> = (0..4)
        .map(|t| thread::spawn(move || many_sockets_one_thread(addr, 50, &format!("c{t}u"))))
        .collect();
    for t in threads {
        t.join().expect("a socket-holding thread failed");
    }
    assert!(start.elapsed() < SCENARIO, "took {:?}", start.elapsed());
    drop(mute);
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn clients_beyond_max_connections_get_500_busy_then_service_resumes() {
    let server = start_server(jim_std::ServerConfig::default().max_connections(3));
    let addr = server.local_addr();

    // Three sessions fill the server.
    let mut held: Vec<Peer> = (0..3).map(|_| Peer::connect(addr)).collect();
    for (i, peer) in held.iter_mut().enumerate() {
        peer.handshake_ok(&format!("holder{i}"));
    }

    // The next clients are turned away with 500 and a close, promptly.
    for _ in 0..3 {
        let mut extra = Peer::connect(addr);
        let answer = extra.expect_code(500);
        assert!(
            answer["error"].as_str().is_some_and(|e| !e.is_empty()),
            "500 without error text: {answer}"
        );
        extra.expect_closed(PROMPTLY);
    }
    // The held sessions are unaffected.
    for (i, peer) in held.iter_mut().enumerate() {
        peer.handshake_ok(&format!("holder{i}-again"));
    }

    // One leaves (quit): its slot is free again.
    let mut leaver = held.pop().unwrap();
    leaver.send(b"{\"action\":\"quit\"}\n");
    leaver.expect_closed(PROMPTLY);
    let deadline = Instant::now() + PROMPTLY;
    loop {
        let mut peer = Peer::connect(addr);
        peer.send(&presence("newcomer"));
        let answer = peer.response();
        if answer["response"] == 200 {
            break;
        }
        // The server may not have reaped the slot yet: retry briefly.
        assert!(Instant::now() < deadline, "slot never freed: {answer}");
        thread::sleep(Duration::from_millis(50));
    }
    drop(held);
    shutdown_promptly(server);
}

#[test]
fn shutdown_with_a_crowd_connected_closes_every_session_and_the_port() {
    let server = start_default_server();
    let addr = server.local_addr();
    let mut peers: Vec<Peer> = (0..50).map(|_| Peer::connect(addr)).collect();
    for (i, peer) in peers.iter_mut().enumerate() {
        peer.handshake_ok(&format!("crowd{i}"));
    }
    // Some stalled mid-message too.
    for peer in peers.iter_mut().step_by(5) {
        peer.send(b"{\"action\":\"pres");
    }
    shutdown_promptly(server);
    for peer in &mut peers {
        peer.expect_closed(PROMPTLY);
    }
    // Nobody listens any more.
    assert!(
        std::net::TcpStream::connect_timeout(&addr, IO_TIMEOUT).is_err(),
        "the port still accepts connections after shutdown"
    );
}

//! jim-core's `embedded-nal` feature over `std-embedded-nal`, against the
//! jim-std server.
//!
//! `NalSocket` spins on `WouldBlock` with no timeout of its own, so each
//! handshake runs on a helper thread and the test waits for it with a
//! deadline.

mod common;

use std::sync::mpsc;
use std::thread;

use common::*;
use jim_core::io::Error;
use jim_core::{Message, Presence, StatusCode};

#[test]
fn nal_handshake_against_jim_std_server_gets_200() {
    capture_logs();
    let server = start_default_server();
    let addr = server.local_addr();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut stack = std_embedded_nal::Stack;
        let result = (|| {
            let mut conn = jim_core::nal::connect_default(&mut stack, addr)
                .map_err(|e| format!("connect: {e}"))?;
            let presence = Presence::new("nal-user")
                .with_status("embedded")
                .at(1_700_000_000);
            let response = conn
                .handshake(&presence)
                .map_err(|e| format!("handshake: {e}"))?;
            let code = response.code;
            let alert = response.alert.map(|t| t.to_string());
            // Then `quit` on the same socket: the server closes it.
            conn.send(&Message::Quit(Default::default()))
                .map_err(|e| format!("quit: {e}"))?;
            let after_quit = match conn.receive() {
                Err(Error::Disconnected) => "closed".to_owned(),
                other => format!("{other:?}"),
            };
            Ok::<_, String>((code, alert, after_quit))
        })();
        let _ = tx.send(result);
    });
    let (code, alert, after_quit) = rx
        .recv_timeout(PROMPTLY)
        .expect("nal handshake did not finish in time")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code, StatusCode::OK);
    assert_eq!(alert.as_deref(), Some("OK"));
    assert_eq!(after_quit, "closed", "quit should end the session");
    assert!(
        wait_for_log("client nal-user connected (status: embedded)", PROMPTLY).is_some(),
        "logs:\n{}",
        all_logs()
    );
    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn nal_connect_to_closed_port_is_an_error_not_a_hang() {
    let addr = closed_addr();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut stack = std_embedded_nal::Stack;
        let failed = jim_core::nal::connect_default(&mut stack, addr).is_err();
        let _ = tx.send(failed);
    });
    let failed = rx
        .recv_timeout(PROMPTLY)
        .expect("nal connect to a closed port hung");
    assert!(failed, "connect to a closed port succeeded");
}

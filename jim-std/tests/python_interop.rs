//! Interoperability with Python peers written like the course's programs
//! (tests/python/*.py, standard library only).
//!
//! Skipped, with a printed note, only when `python3` is missing.

mod common;

use std::net::SocketAddr;
use std::process::Command;

use common::*;
use jim_std::{Client, ClientError};
use serde_json::Value;

/// Runs tests/python/course_client.py against `addr` with `args`.
fn course_client(addr: SocketAddr, args: &[&str]) -> (bool, Vec<String>, String) {
    let mut command = Command::new("python3");
    command
        .arg(python_dir().join("course_client.py"))
        .args(["--addr", &addr.ip().to_string()])
        .args(["--port", &addr.port().to_string()])
        .args(args);
    let (status, stdout, stderr) = run_bounded("course_client.py", command, b"", PROMPTLY * 2);
    (
        status.success(),
        stdout.lines().map(str::to_owned).collect(),
        stderr,
    )
}

/// A running tests/python/course_server.py answering `reply` to `count`
/// connections, and its address.
fn course_server(reply: &str, count: u32) -> (ChildGuard, SocketAddr) {
    let mut command = Command::new("python3");
    command
        .arg(python_dir().join("course_server.py"))
        .args(["--reply", reply])
        .args(["--count", &count.to_string()])
        .args(["--timeout", "20"]);
    let server = ChildGuard::spawn("course_server.py", command);
    let port = server
        .next_line(PROMPTLY * 2)
        .unwrap_or_else(|| panic!("course_server.py printed no port: {}", server.stderr()));
    let port: u16 = port.trim().parse().expect("port number");
    (server, SocketAddr::from(([127, 0, 0, 1], port)))
}

/// The next message the course server received, as JSON.
fn received(server: &ChildGuard) -> Value {
    let line = server
        .next_line(PROMPTLY)
        .unwrap_or_else(|| panic!("course_server.py received nothing: {}", server.stderr()));
    serde_json::from_str(&line).expect("course_server.py prints JSON")
}

#[test]
fn course_reference_client_gets_200_and_quit_closes() {
    if !python3_available() {
        return;
    }
    capture_logs();
    let server = start_default_server();
    let addr = server.local_addr();

    let (ok, out, err) = course_client(
        addr,
        &[
            "--dialect",
            "reference",
            "--name",
            "Guest",
            "--then",
            "quit",
        ],
    );
    assert!(ok, "course client failed: {out:?}\n{err}");
    assert_eq!(out.first().map(String::as_str), Some("200"), "{out:?}");
    let answer: Value = serde_json::from_str(&out[1]).unwrap();
    assert!(answer["time"].is_u64(), "time not an integer: {answer}");
    assert_eq!(answer["alert"], "OK");
    assert_eq!(out.get(2).map(String::as_str), Some("closed"), "{out:?}");
    assert!(
        wait_for_log("client Guest connected (status: none)", PROMPTLY).is_some(),
        "logs:\n{}",
        all_logs()
    );

    // The course's `exit` verb ends the session the same way.
    let (ok, out, err) = course_client(
        addr,
        &[
            "--dialect",
            "reference",
            "--name",
            "Leaver",
            "--then",
            "exit",
        ],
    );
    assert!(ok, "course client failed: {out:?}\n{err}");
    assert_eq!(out.get(2).map(String::as_str), Some("closed"), "{out:?}");

    fresh_client_ok(addr);
    shutdown_promptly(server);
}

#[test]
fn spec_client_with_escaped_cyrillic_and_emoji_is_logged_decoded() {
    if !python3_available() {
        return;
    }
    capture_logs();
    let server = start_default_server();
    let addr = server.local_addr();

    // json.dumps sends these as \uXXXX escapes (the emoji as a surrogate
    // pair); the server must decode them.
    for (name, status) in [("Вася", "На связи"), ("Ёжик🦔", "🙂")] {
        let (ok, out, err) = course_client(
            addr,
            &["--dialect", "spec", "--name", name, "--status", status],
        );
        assert!(ok, "course client failed for {name}: {out:?}\n{err}");
        assert_eq!(out.first().map(String::as_str), Some("200"), "{out:?}");
        let needle = format!("client {name} connected (status: {status})");
        assert!(
            wait_for_log(&needle, PROMPTLY).is_some(),
            "no log line {needle:?}; logs:\n{}",
            all_logs()
        );
    }
    shutdown_promptly(server);
}

#[test]
fn jim_client_accepts_course_servers_answers() {
    if !python3_available() {
        return;
    }
    // The course reference server's bare answer, and a code sent as a string.
    for reply in [r#"{"response": 200}"#, r#"{"response": "200"}"#] {
        let (server, addr) = course_server(reply, 1);
        let mut client = Client::connect(addr, PROMPTLY).expect("connect to course server");
        let answer = client
            .handshake("Пётр", Some("здесь"))
            .unwrap_or_else(|e| panic!("handshake against {reply}: {e:?}"));
        assert_eq!(answer.code.as_u16(), 200, "{reply}");
        assert_eq!(answer.text, None, "{reply}: no alert was sent");

        // The course server decoded what we sent as ASCII and got our presence.
        let got = received(&server);
        assert_eq!(got["action"], "presence", "{got}");
        assert_eq!(got["user"]["account_name"], "Пётр", "{got}");
        assert_eq!(got["user"]["status"], "здесь", "{got}");
        assert!(
            got["time"].is_u64(),
            "time should be integer seconds: {got}"
        );
        drop(client);
        let mut server = server;
        let status = server.expect_exit(PROMPTLY);
        assert!(
            status.success(),
            "course server failed: {}",
            server.stderr()
        );
    }
}

#[test]
fn jim_client_reports_course_server_rejections() {
    if !python3_available() {
        return;
    }
    for (reply, code, text) in [
        (
            r#"{"response": 409, "error": "Someone is already connected with the given user name"}"#,
            409,
            "already connected",
        ),
        (
            r#"{"response": 400, "error": "Bad Request"}"#,
            400,
            "Bad Request",
        ),
    ] {
        let (server, addr) = course_server(reply, 1);
        let mut client = Client::connect(addr, PROMPTLY).expect("connect to course server");
        match client.handshake("Guest", None) {
            Err(ClientError::Rejected {
                code: got,
                text: got_text,
            }) => {
                assert_eq!(got.as_u16(), code, "{reply}");
                assert!(got_text.contains(text), "{reply}: text {got_text:?}");
            }
            other => panic!("{reply}: expected Rejected, got {other:?}"),
        }
        let got = received(&server);
        assert_eq!(got["user"]["account_name"], "Guest");
    }
}

#[test]
fn example_client_accepts_course_server_bare_200_and_reports_409() {
    if !python3_available() {
        return;
    }
    let client_bin = example_bin("client");

    let (mut server, addr) = course_server(r#"{"response": 200}"#, 1);
    let mut command = Command::new(&client_bin);
    command.args([
        "--addr",
        "127.0.0.1",
        "--port",
        &addr.port().to_string(),
        "--name",
        "alice",
        "--status",
        "Online",
        "--timeout",
        "5",
    ]);
    let (status, stdout, stderr) = run_bounded("client", command, b"", PROMPTLY * 2);
    assert!(status.success(), "client failed: {stdout}\n{stderr}");
    assert!(stdout.contains("200 OK"), "stdout: {stdout}");
    assert_eq!(received(&server)["user"]["account_name"], "alice");
    assert!(server.expect_exit(PROMPTLY).success());

    let (_server, addr) = course_server(r#"{"response": 409, "error": "name taken"}"#, 1);
    let mut command = Command::new(&client_bin);
    command.args([
        "127.0.0.1",
        &addr.port().to_string(),
        "--name",
        "alice",
        "--timeout",
        "5",
    ]);
    let (status, stdout, stderr) = run_bounded("client", command, b"", PROMPTLY * 2);
    assert!(
        !status.success(),
        "client accepted a 409: {stdout}\n{stderr}"
    );
    assert!(
        stderr.contains("409"),
        "stderr should name the code: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

//! The example client on a real pseudo-terminal: a message arrives while
//! the user is typing, is printed above the input line, and the half-typed
//! line survives and is sent whole.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::{example_bin, IO_TIMEOUT};
use serde_json::Value;

/// A loopback listener on a free port, and the port as the client's
/// argument.
fn fake_server() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    (listener, port)
}

/// A fake server's side of the client's login: accepts it, reads its
/// presence and answers `200`.
fn accept_and_log_in(listener: &TcpListener) -> (TcpStream, BufReader<TcpStream>) {
    let (stream, _) = listener.accept().unwrap();
    stream.set_read_timeout(Some(IO_TIMEOUT * 3)).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.contains("\"presence\""), "{line}");
    writer
        .write_all(b"{\"response\":200,\"time\":1,\"alert\":\"OK\"}\n")
        .unwrap();
    (writer, reader)
}

/// The example client as alice talking to bob, on a pseudo-terminal.
fn client_on_a_pty(port: &str) -> rexpect::session::PtySession {
    let mut command = Command::new(example_bin("client"));
    command
        .args(["127.0.0.1", port, "--name", "alice", "--to", "bob"])
        .env("TERM", "xterm")
        .env("NO_COLOR", "1");
    rexpect::session::spawn_command(command, Some(15_000)).expect("spawn on a pty")
}

#[test]
fn a_message_arriving_while_typing_leaves_the_typed_line_intact() {
    let (listener, port) = fake_server();
    let (deliver, go) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut writer, mut reader) = accept_and_log_in(&listener);
        let mut line = String::new();
        // The test says when the user is mid-line.
        go.recv_timeout(IO_TIMEOUT * 3).unwrap();
        writer
            .write_all(b"{\"action\":\"msg\",\"time\":1700000000,\"to\":\"alice\",\"from\":\"bob\",\"message\":\"incoming \\u0434\\u0430\"}\n")
            .unwrap();
        // The line the user finished typing.
        line.clear();
        reader.read_line(&mut line).unwrap();
        writer.write_all(b"{\"response\":200}\n").unwrap();
        let sent: Value = serde_json::from_str(&line).unwrap();
        // Then the quit.
        let mut rest = String::new();
        let _ = reader.read_line(&mut rest);
        (sent, rest)
    });

    let mut pty = client_on_a_pty(&port);
    pty.exp_string("200 OK").expect("login answer");
    pty.exp_string("alice to bob> ").expect("prompt");
    pty.send("hello wor").unwrap();
    pty.flush().unwrap();
    pty.exp_string("hello wor").expect("echo of the typed text");

    deliver.send(()).unwrap();
    // Printed above the prompt, decoded (rexpect reads each byte as a
    // char, so "да" in UTF-8 shows as these four) ...
    pty.exp_string("bob: incoming \u{d0}\u{b4}\u{d0}\u{b0}")
        .expect("the incoming message");
    // ... and the prompt comes back with the half-typed line on it.
    pty.exp_string("alice to bob> hello wor")
        .expect("the typed line redrawn after the message");

    thread::sleep(Duration::from_millis(100));
    pty.send_line("ld").unwrap();
    pty.flush().unwrap();
    thread::sleep(Duration::from_millis(300));
    pty.send_control('d').unwrap();
    pty.exp_eof().expect("the client exits after Ctrl-D");

    let (sent, rest) = server.join().unwrap();
    assert_eq!(sent["action"], "msg");
    assert_eq!(sent["to"], "bob");
    assert_eq!(
        sent["message"], "hello world",
        "the typed line was broken: {sent}"
    );
    assert!(rest.contains("\"quit\""), "no quit after Ctrl-D: {rest:?}");
}

/// Lines typed (or pasted line by line) faster than the answers come are
/// all sent, in order: none is lost between two prompts. (rustyline
/// dropped what its last read held beyond the line it returned, unless
/// its `buffer-redux` feature keeps it for the next prompt.)
#[test]
fn lines_typed_ahead_are_all_sent_in_order() {
    let (listener, port) = fake_server();
    let server = thread::spawn(move || {
        let (mut writer, mut reader) = accept_and_log_in(&listener);
        let mut line = String::new();
        let mut texts = Vec::new();
        for i in 0..3 {
            line.clear();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let sent: Value = serde_json::from_str(&line).unwrap();
            texts.push(sent["message"].as_str().unwrap_or_default().to_owned());
            // The first answer is slow: the rest is typed meanwhile.
            if i == 0 {
                thread::sleep(Duration::from_millis(300));
            }
            writer.write_all(b"{\"response\":200}\n").unwrap();
        }
        texts
    });

    let mut pty = client_on_a_pty(&port);
    pty.exp_string("alice to bob> ").expect("prompt");
    // Three lines in one write, as fast typing or a paste line by line
    // delivers them.
    pty.send("one\rtwo\rthree\r").unwrap();
    pty.flush().unwrap();
    let texts = server.join().unwrap();
    assert_eq!(
        texts,
        ["one", "two", "three"],
        "lines typed ahead were lost"
    );
    pty.send_control('d').unwrap();
    pty.exp_eof().expect("the client exits after Ctrl-D");
}

/// A server whose logins are required takes a bare presence with `200`
/// and binds nothing; the first refused command (`401`) makes the client
/// ask for the password on the terminal, log in, and run it again.
#[test]
fn a_refused_command_on_a_login_server_asks_for_the_password_and_runs_again() {
    let (listener, port) = fake_server();
    let server = thread::spawn(move || {
        let (mut writer, mut reader) = accept_and_log_in(&listener);
        let mut next = || {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            serde_json::from_str::<Value>(&line).unwrap()
        };
        let first = next();
        assert_eq!(first["action"], "get_users", "{first}");
        writer
            .write_all(b"{\"response\":401,\"error\":\"log in first\"}\n")
            .unwrap();
        let login = next();
        writer.write_all(b"{\"response\":200}\n").unwrap();
        let again = next();
        writer
            .write_all(b"{\"response\":202,\"alert\":[\"alice\"],\"data_list\":[\"alice\"]}\n")
            .unwrap();
        (login, again)
    });
    let mut pty = client_on_a_pty(&port);
    pty.exp_string("alice to bob> ").expect("prompt");
    pty.send_line("/who").unwrap();
    pty.exp_string("log in first").expect("the refusal");
    pty.exp_string("password: ").expect("the password prompt");
    pty.send_line("s3cret").unwrap();
    pty.exp_string("logged in as alice").expect("the login");
    pty.exp_string("online: alice")
        .expect("the command run again");
    let (login, again) = server.join().unwrap();
    assert_eq!(login["action"], "authenticate", "{login}");
    assert_eq!(login["user"]["account_name"], "alice");
    assert_eq!(login["user"]["password"], "s3cret");
    assert_eq!(again["action"], "get_users", "{again}");
    pty.send_control('d').unwrap();
    pty.exp_eof().expect("the client exits after Ctrl-D");
}

/// The server goes while the prompt waits: the client says so at once, with
/// how to leave, and the next line typed ends it with status 1 instead of
/// being handled.
#[test]
fn a_server_that_goes_while_the_prompt_waits_ends_the_client_at_the_next_line() {
    let (listener, port) = fake_server();
    let (close, closing) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (writer, reader) = accept_and_log_in(&listener);
        closing.recv_timeout(IO_TIMEOUT * 3).unwrap();
        drop((writer, reader));
    });
    let mut pty = client_on_a_pty(&port);
    pty.exp_string("alice to bob> ").expect("prompt");
    close.send(()).unwrap();
    server.join().unwrap();
    pty.exp_string("the server closed the connection; press Enter to leave")
        .expect("the close, said while the prompt waits, and how to leave");
    pty.send_line("hello").unwrap();
    pty.exp_string("the connection was lost").expect("the end");
    pty.exp_eof().expect("the client exits");
    let status = pty.process().wait().expect("exit status");
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 1)),
        "{status:?}"
    );
}

/// Writes up to 20,000 short messages from bob to alice (bounded; it stops
/// when the client is gone).
fn pour_messages(writer: &mut TcpStream) {
    for i in 0..20_000 {
        let line = format!(
            "{{\"action\":\"msg\",\"to\":\"alice\",\"from\":\"bob\",\"message\":\"m{i}\"}}\n"
        );
        if writer.write_all(line.as_bytes()).is_err() {
            break;
        }
    }
}

/// Ctrl-D while messages pour in: the client exits. (A message printed
/// while the editor read waited in the editor's queue of one, which no one
/// took once the editor had stopped: the client hung in its last wait for
/// the printer.)
#[test]
fn ctrl_d_while_messages_pour_in_ends_the_client() {
    let (listener, port) = fake_server();
    let server = thread::spawn(move || {
        let (mut writer, _reader) = accept_and_log_in(&listener);
        pour_messages(&mut writer);
    });
    let mut pty = client_on_a_pty(&port);
    pty.exp_string("alice to bob> ").expect("prompt");
    pty.exp_string("bob: m200").expect("messages arriving");
    pty.send_control('d').unwrap();
    pty.exp_eof().expect("the client exits after Ctrl-D");
    server.join().unwrap();
}

/// A command while messages pour in: its answer is printed and the client
/// goes on. (The printer thread waited for the editor with the output held,
/// and the command's answer for the printer thread: the client froze.)
#[test]
fn a_command_while_messages_pour_in_is_answered() {
    let (listener, port) = fake_server();
    let (done, finished) = mpsc::channel::<()>();
    let server = thread::spawn(move || {
        let (mut writer, _reader) = accept_and_log_in(&listener);
        pour_messages(&mut writer);
        // Open until the test is done: the commands go to a live server.
        let _ = finished.recv_timeout(IO_TIMEOUT * 3);
    });
    let mut pty = client_on_a_pty(&port);
    pty.exp_string("alice to bob> ").expect("prompt");
    pty.exp_string("bob: m200").expect("messages arriving");
    for _ in 0..5 {
        pty.send_line("/help").unwrap();
        pty.exp_string("this list").expect("the help, printed");
    }
    done.send(()).unwrap();
    pty.send_control('d').unwrap();
    pty.exp_eof().expect("the client exits after Ctrl-D");
    server.join().unwrap();
}

//! The example binaries themselves (examples/server.rs, examples/client/),
//! built once with `cargo build -p jim-std --examples` and run as
//! processes.

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::*;

/// Runs the example client with `args` and `stdin`; (success, code, stdout, stderr).
fn run_client(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let mut command = Command::new(example_bin("client"));
    command.args(args);
    let (status, stdout, stderr) = run_bounded("client", command, stdin, PROMPTLY * 2);
    (status.code(), stdout, stderr)
}

fn assert_no_panic(who: &str, stderr: &str) {
    assert!(!stderr.contains("panicked"), "{who} panicked:\n{stderr}");
}

#[test]
fn client_with_flags_gets_200_and_server_logs_it() {
    let (server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run_client(
        &[
            "--addr",
            "127.0.0.1",
            "--port",
            &port,
            "--name",
            "alice",
            "--status",
            "Online",
            "--timeout",
            "5",
        ],
        b"",
    );
    assert_eq!(
        code,
        Some(0),
        "client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stdout.contains("200 OK"), "stdout: {stdout}");
    // --name/--status given: no prompts.
    assert!(!stdout.contains("nickname:"), "prompted anyway: {stdout}");
    assert!(
        server.wait_stderr("client alice connected (status: Online)", PROMPTLY),
        "server stderr (RUST_LOG unset, default info):\n{}",
        server.stderr()
    );
    assert_no_panic("server", &server.stderr());
}

#[test]
fn client_prompts_and_reads_answers_from_stdin() {
    let (server, addr) = example_server(&["127.0.0.1", "0"]);
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run_client(&["127.0.0.1", &port], b"bob\nhere\n");
    assert_eq!(
        code,
        Some(0),
        "client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        stdout.contains("nickname: "),
        "no nickname prompt: {stdout}"
    );
    assert!(stdout.contains("status: "), "no status prompt: {stdout}");
    assert!(stdout.contains("200 OK"), "stdout: {stdout}");
    assert!(
        server.wait_stderr("client bob connected (status: here)", PROMPTLY),
        "server stderr:\n{}",
        server.stderr()
    );

    // An empty status line means no status.
    let (code, stdout, stderr) = run_client(&["-a", "127.0.0.1", "-p", &port], b"carol\n\n");
    assert_eq!(
        code,
        Some(0),
        "client failed\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(
        server.wait_stderr("client carol connected (status: none)", PROMPTLY),
        "server stderr:\n{}",
        server.stderr()
    );
}

#[test]
fn client_against_closed_port_fails_clearly() {
    let addr = closed_addr();
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run_client(
        &["127.0.0.1", &port, "--name", "alice", "--timeout", "3"],
        b"",
    );
    assert!(
        matches!(code, Some(c) if c != 0),
        "exit {code:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    let lower = stderr.to_lowercase();
    assert!(
        lower.contains("refused") || lower.contains("connect"),
        "stderr should say the connection failed: {stderr}"
    );
    assert_no_panic("client", &stderr);
}

#[test]
fn client_times_out_against_a_mute_server() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    // Accept and hold connections without ever answering (bounded).
    listener.set_nonblocking(true).unwrap();
    let holder = thread::spawn(move || {
        let mut held = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(8);
        while Instant::now() < deadline && held.is_empty() {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
            }
            thread::sleep(Duration::from_millis(10));
        }
        thread::sleep(Duration::from_secs(3));
        drop(held);
    });
    let start = Instant::now();
    let (code, stdout, stderr) = run_client(
        &["127.0.0.1", &port, "--name", "alice", "--timeout", "1"],
        b"",
    );
    let took = start.elapsed();
    assert!(
        matches!(code, Some(c) if c != 0),
        "exit {code:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(took < Duration::from_secs(6), "--timeout 1 took {took:?}");
    assert!(
        stderr.to_lowercase().contains("time"),
        "stderr should say it timed out: {stderr}"
    );
    assert_no_panic("client", &stderr);
    holder.join().unwrap();
}

#[test]
fn client_reports_an_error_code_and_exits_nonzero() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let fake = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut buf = [0u8; 640];
        let n = s.read(&mut buf).unwrap();
        s.write_all(b"{\"response\":409,\"time\":1,\"error\":\"name taken\"}\n")
            .unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    });
    let (code, stdout, stderr) = run_client(&["127.0.0.1", &port, "--name", "dup"], b"");
    assert!(
        matches!(code, Some(c) if c != 0),
        "exit {code:?}\nstdout: {stdout}\nstderr: {stderr}"
    );
    assert!(stderr.contains("409"), "stderr: {stderr}");
    assert!(stderr.contains("name taken"), "stderr: {stderr}");
    assert_no_panic("client", &stderr);
    let sent = fake.join().unwrap();
    assert!(sent.contains("\"dup\""), "client sent {sent:?}");
}

#[test]
fn server_on_a_taken_port_says_which_and_exits_1() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut command = Command::new(example_bin("server"));
    command.args(["127.0.0.1", &port, "--db", "memory"]);
    let (status, stdout, stderr) = run_bounded("server", command, b"", PROMPTLY * 2);
    assert_eq!(status.code(), Some(1), "{status}\n{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on 127.0.0.1:{port}: the port is taken"
        )),
        "{stderr}"
    );
    assert_no_panic("server", &stderr);
}

#[test]
fn server_rejects_bad_port_and_bad_address_with_exit_2() {
    for args in [
        &["--addr", "127.0.0.1", "--port", "70000"][..],
        &["--addr", "not-an-ip!!", "--port", "0"],
        &["not-an-ip!!", "0"],
        &["127.0.0.1", "seventy"],
    ] {
        let mut command = Command::new(example_bin("server"));
        command.args(args);
        let (status, stdout, stderr) = run_bounded("server", command, b"", PROMPTLY * 2);
        assert_eq!(
            status.code(),
            Some(2),
            "server {args:?}: {status}\nstdout: {stdout}\nstderr: {stderr}"
        );
        assert!(!stderr.trim().is_empty(), "server {args:?}: no message");
        assert!(
            !stdout.contains(LISTENING),
            "server {args:?} listened anyway"
        );
        assert_no_panic("server", &stderr);
    }
}

#[test]
fn help_works_for_both() {
    for (bin, must) in [
        ("server", &["--addr", "--port"][..]),
        (
            "client",
            &[
                "--addr",
                "--port",
                "--name",
                "--status",
                "--timeout",
                "--password",
                "--dialect",
                "--raw",
                "/msg NAME text",
                "/to NAME|#room",
                "/join #room",
                "/leave [#room]",
                "/contacts",
                "/add NAME",
                "/del NAME",
                "/who",
                "/history",
                "/help",
                "/quit",
                "NO_COLOR",
                "Exit codes: 0 ok; 1 refused or failed",
                "2 bad usage",
            ][..],
        ),
    ] {
        let command = {
            let mut c = Command::new(example_bin(bin));
            c.arg("--help");
            c
        };
        let (status, stdout, stderr) = run_bounded(bin, command, b"", PROMPTLY * 2);
        assert!(status.success(), "{bin} --help: {status}\n{stderr}");
        for flag in must {
            assert!(
                stdout.contains(flag),
                "{bin} --help lacks {flag}:\n{stdout}"
            );
        }
    }
}

#[test]
fn server_serves_raw_peers_and_stops_on_interrupt() {
    let (mut server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    // A raw line-friendly session, as with `nc`.
    let mut peer = Peer::connect(addr);
    peer.handshake_ok("nc-user");
    peer.send(b"not json\n");
    peer.expect_400();
    peer.send(b"{\"action\":\"quit\"}\n");
    peer.expect_closed(PROMPTLY);
    assert!(
        server.wait_stderr("client nc-user connected (status: Online)", PROMPTLY),
        "{}",
        server.stderr()
    );

    // Ctrl-C: the server stops promptly and without a panic.
    let kill = Command::new("kill")
        .args(["-INT", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = server.expect_exit(PROMPTLY);
    assert_no_panic("server", &server.stderr());
    // Handled (ctrlc), not killed by the signal: a clean exit 0.
    assert!(status.success(), "server exit after SIGINT: {status}");
}

#[test]
fn server_stops_cleanly_on_sigterm_with_clients_connected() {
    let (mut server, addr) = example_server(&["-a", "127.0.0.1", "-p", "0"]);
    let mut peer = Peer::connect(addr);
    peer.handshake_ok("lingerer");
    let kill = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .expect("run kill");
    assert!(kill.success());
    let status = server.expect_exit(PROMPTLY);
    assert!(status.success(), "server exit after SIGTERM: {status}");
    assert_no_panic("server", &server.stderr());
    // Its session was closed, not left dangling.
    peer.expect_closed(PROMPTLY);
}

// ------------------------------------------------------------ the chat client

/// The example client started with `args`, stdin kept open for commands.
fn chat_client(name: &str, args: &[&str]) -> ChildGuard {
    let mut command = Command::new(example_bin("client"));
    command.args(args).env("NO_COLOR", "1");
    ChildGuard::spawn(name, command)
}

/// Waits for `needle` on `who`'s stdout, or fails with its output.
fn expect_stdout(who: &ChildGuard, needle: &str) -> String {
    who.wait_stdout(needle, PROMPTLY * 2).unwrap_or_else(|| {
        panic!(
            "{} printed no {needle:?}\nstdout:\n{}\nstderr:\n{}",
            who.name,
            who.stdout(),
            who.stderr()
        )
    })
}

/// Closes `who`'s stdin and asserts it exits 0 promptly.
fn expect_clean_exit(who: &mut ChildGuard) {
    who.close_stdin();
    let status = who.expect_exit(PROMPTLY * 2);
    assert!(
        status.success(),
        "{} exited {status}\nstdout:\n{}\nstderr:\n{}",
        who.name,
        who.stdout(),
        who.stderr()
    );
    assert_no_panic(&who.name, &who.stderr());
}

/// tests/python/course_chat_server.py with `args`, and its port.
fn course_chat_server(args: &[&str]) -> (ChildGuard, String) {
    let mut command = Command::new("python3");
    command
        .arg(python_dir().join("course_chat_server.py"))
        .args(args)
        .args(["--timeout", "30"]);
    let server = ChildGuard::spawn("course_chat_server.py", command);
    let port = server
        .next_line(PROMPTLY * 2)
        .unwrap_or_else(|| panic!("course_chat_server.py printed no port: {}", server.stderr()));
    (server, port.trim().to_owned())
}

#[test]
fn chat_client_talks_to_a_course_python_server_with_the_511_login() {
    if !python3_available() {
        return;
    }
    let (server, port) = course_chat_server(&["--user", "bob:secret"]);
    let common = ["127.0.0.1", &port, "--dialect", "course"];

    // A wrong password: refused in the server's words, exit 1.
    let (code, _out, stderr) = run_client(
        &[&common[..], &["--name", "bob", "--password", "wrong"]].concat(),
        b"",
    );
    assert_eq!(code, Some(1), "stderr: {stderr}");
    assert!(stderr.contains("Неверный пароль."), "stderr: {stderr}");
    // No password at all, stdin not a terminal: told to give one.
    let (code, _out, stderr) = run_client(&[&common[..], &["--name", "bob"]].concat(), b"");
    assert_eq!(code, Some(1), "stderr: {stderr}");
    assert!(stderr.contains("--password"), "stderr: {stderr}");

    let mut bob = chat_client(
        "bob",
        &[&common[..], &["--name", "bob", "--password", "secret"]].concat(),
    );
    expect_stdout(&bob, "200 OK");
    let mut alice = chat_client("alice", &[&common[..], &["--name", "alice"]].concat());
    expect_stdout(&alice, "200 OK");
    alice
        .stdin()
        .write_all(
            "/msg bob привет 😀\n/who\n/msg nobody x\n/add bob\n/contacts\n/to bob\nsecond\n"
                .as_bytes(),
        )
        .unwrap();
    // Non-ASCII survives the course server's ASCII-only decode, escaped.
    expect_stdout(&bob, "alice: привет 😀");
    expect_stdout(&alice, "online: alice, bob");
    expect_stdout(&alice, "contacts: bob");
    expect_stdout(&bob, "alice: second");
    assert!(
        server
            .wait_stdout("message alice bob second", PROMPTLY)
            .is_some(),
        "{}",
        server.stderr()
    );
    expect_clean_exit(&mut alice);
    // The refusal in the server's words, never as JSON.
    let errors = alice.stderr();
    assert!(
        errors.contains("error: Пользователь не зарегистрирован на сервере."),
        "{errors}"
    );
    assert!(!errors.contains('{'), "raw JSON shown: {errors}");
    expect_clean_exit(&mut bob);
    // Both said the course's `exit` (one request per read: nothing broke).
    assert!(
        !server.stdout().contains("closed alice") && !server.stdout().contains("closed bob"),
        "a client broke the course server's one-recv framing:\n{}",
        server.stdout()
    );
}

#[test]
fn chat_client_bad_commands_get_a_help_hint() {
    let (_server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run_client(
        &["127.0.0.1", &port, "--name", "typo"],
        b"/frobnicate\n/msg\n/join\nhello with no target\n/help\n/quit\n/who\n",
    );
    assert_eq!(code, Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("200 OK"), "{stdout}");
    assert!(
        stderr.contains("unknown command /frobnicate; type /help for the list"),
        "{stderr}"
    );
    assert!(stderr.contains("usage: /msg NAME text"), "{stderr}");
    assert!(stderr.contains("usage: /join #room"), "{stderr}");
    assert!(stderr.contains("no one to talk to yet"), "{stderr}");
    // /help printed the list; /quit stopped before /who.
    assert!(stdout.contains("/history [NAME|#room]"), "{stdout}");
    assert!(
        !stdout.contains("online:"),
        "ran a command after /quit: {stdout}"
    );
}

#[test]
fn chat_client_refuses_a_long_name_or_status_before_connecting() {
    // Nothing listens there: the refusal must come before any connect.
    let port = closed_addr().port().to_string();
    for (flag, what) in [("--name", "nickname"), ("--status", "status")] {
        let long = "ы".repeat(26);
        let mut args = vec!["127.0.0.1", &port, flag, long.as_str()];
        if flag == "--status" {
            args.extend(["--name", "ok"]);
        }
        let (code, stdout, stderr) = run_client(&args, b"");
        assert_eq!(code, Some(1), "stdout: {stdout}\nstderr: {stderr}");
        assert!(
            stderr.contains(&format!(
                "the {what} is 26 characters long; the limit is 25"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("connect"), "tried to connect: {stderr}");
    }
    // A usage error is exit 2.
    let (code, _, stderr) = run_client(&["--port", "seventy"], b"");
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn chat_client_reports_a_peer_that_is_not_jim() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let http = thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        let mut buf = [0u8; 640];
        let _ = s.read(&mut buf);
        let _ = s.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>bad</html>",
        );
    });
    let (code, stdout, stderr) = run_client(&["127.0.0.1", &port, "--name", "alice"], b"");
    assert_eq!(code, Some(1), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains("does not speak JIM; it answered \"HTTP/1.1 400 Bad Request\""),
        "{stderr}"
    );
    assert!(!stderr.contains("without answering"), "{stderr}");
    http.join().unwrap();
}

#[test]
fn two_chat_clients_exchange_direct_and_room_messages_through_the_jim_server() {
    let (server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    let port = addr.port().to_string();
    let mut bob = chat_client("bob", &["127.0.0.1", &port, "--name", "bob"]);
    expect_stdout(&bob, "200 OK");
    bob.stdin().write_all(b"/join #rust\n").unwrap();
    expect_stdout(&bob, "joined #rust");

    let mut alice = chat_client(
        "alice",
        &["127.0.0.1", &port, "--name", "alice", "--status", "here"],
    );
    expect_stdout(&alice, "200 OK");
    alice
        .stdin()
        .write_all(
            "/msg bob привет, Боб\n/join #rust\nhello room\n/who\n/msg carol hi\n".as_bytes(),
        )
        .unwrap();
    expect_stdout(&bob, "alice: привет, Боб");
    expect_stdout(&alice, "joined #rust");
    // Plain text went to the room just joined.
    expect_stdout(&bob, "[#rust] alice: hello room");
    let online = expect_stdout(&alice, "online:");
    assert!(
        online.contains("alice") && online.contains("bob"),
        "{online}"
    );

    bob.stdin()
        .write_all(b"/to alice\nhi alice\n/leave #rust\n")
        .unwrap();
    expect_stdout(&alice, "bob: hi alice");
    expect_stdout(&bob, "left #rust");
    alice
        .stdin()
        .write_all(b"/add bob\n/contacts\n/quit\n")
        .unwrap();
    expect_stdout(&alice, "contacts: bob");
    let status = alice.expect_exit(PROMPTLY * 2);
    assert!(status.success(), "alice: {status}\n{}", alice.stderr());
    // The refusal in the server's words.
    assert!(
        alice.stderr().contains("error: carol is not online"),
        "{}",
        alice.stderr()
    );
    assert!(
        !alice.stderr().contains('{'),
        "raw JSON shown: {}",
        alice.stderr()
    );
    expect_clean_exit(&mut bob);
    assert_no_panic("server", &server.stderr());
}

#[test]
fn raw_flag_shows_the_json_received() {
    let (_server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    let port = addr.port().to_string();
    let (code, stdout, stderr) = run_client(
        &["127.0.0.1", &port, "--name", "rawuser", "--raw"],
        b"/msg nobody x\n",
    );
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("<< {\"response\":404"), "{stdout}");
    assert!(stderr.contains("error: nobody is not online"), "{stderr}");
}

#[test]
fn chat_client_queues_for_an_offline_account_and_it_arrives_at_login() {
    let (server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    let port = addr.port().to_string();
    let bob_args = ["127.0.0.1", &port, "--name", "bob", "--password", "pw"];
    // bob registers (first login), then leaves.
    let (code, stdout, stderr) = run_client(&bob_args, b"/quit\n");
    assert_eq!(code, Some(0), "{stdout}{stderr}");

    let mut alice = chat_client("alice", &["127.0.0.1", &port, "--name", "alice"]);
    expect_stdout(&alice, "200 OK");
    alice
        .stdin()
        .write_all(b"/msg bob see you tomorrow\n")
        .unwrap();
    expect_stdout(&alice, "bob is offline: queued until they log in");

    let mut bob = chat_client("bob", &bob_args);
    expect_stdout(&bob, "alice: see you tomorrow");
    expect_clean_exit(&mut bob);
    expect_clean_exit(&mut alice);
    assert_no_panic("server", &server.stderr());
}

/// The lines of `out` from the last containing `header`, or a failure
/// that shows `out`.
fn from_line<'a>(out: &'a str, header: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = out.lines().collect();
    let Some(at) = lines.iter().rposition(|l| l.contains(header)) else {
        panic!("no {header:?} in:\n{out}");
    };
    lines[at..].to_vec()
}

#[test]
fn replayed_history_prints_below_the_line_that_announces_it() {
    // The replayed messages come through the printer thread, the answer's
    // line from the command: they raced, and a `/history` could print its
    // messages above "history with …" (seen in a new user's trial).
    let (server, addr) = example_server(&["--addr", "127.0.0.1", "--port", "0"]);
    let port = addr.port().to_string();
    let mut bob = chat_client("bob", &["127.0.0.1", &port, "--name", "bob"]);
    expect_stdout(&bob, "200 OK");
    const SENT: usize = 40;
    let mut script = String::from("/join #log\n");
    for i in 0..SENT {
        script.push_str(&format!("/msg bob direct {i}\n/msg #log room {i}\n"));
    }
    script.push_str("/leave #log\n/history bob\n/join #log\n/quit\n");
    let (code, stdout, stderr) =
        run_client(&["127.0.0.1", &port, "--name", "alice"], script.as_bytes());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    // Each replay entirely below its answer's line (the next command's
    // line may come between them: a script does not wait for the replay).
    for (header, replayed) in [
        (
            "history with bob: 20 message(s) follow",
            "(history) alice: direct",
        ),
        ("joined #log", "(history) [#log] alice: room"),
    ] {
        let below = from_line(&stdout, header);
        let shown = below.iter().filter(|l| l.contains(replayed)).count();
        assert_eq!(shown, 20, "{header}: {shown} of 20 below it:\n{stdout}");
    }
    expect_clean_exit(&mut bob);
    assert_no_panic("server", &server.stderr());
}

/// The soft and hard limits on open files of process `pid`, from
/// `/proc/PID/limits` ("unlimited" reads as `u64::MAX`).
#[cfg(target_os = "linux")]
fn open_files_limits(pid: u32) -> Option<(u64, u64)> {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    let mut numbers = line.split_whitespace().skip(3).map(|n| match n {
        "unlimited" => Some(u64::MAX),
        n => n.parse().ok(),
    });
    Some((numbers.next()??, numbers.next()??))
}

#[cfg(target_os = "linux")]
#[test]
fn server_raises_a_low_open_files_limit_for_its_clients() {
    let (_, hard) = open_files_limits(std::process::id()).expect("/proc/self/limits");
    if hard <= 512 {
        eprintln!("SKIP: the hard open-files limit ({hard}) leaves nothing to raise");
        return;
    }
    // Started the way many systems start programs: a low soft limit.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(r#"ulimit -S -n 512 && exec "$0" "$@""#)
        .arg(example_bin("server"))
        .args([
            "--db",
            "memory",
            "--max-connections",
            "5000",
            "127.0.0.1",
            "0",
        ])
        .env_remove("RUST_LOG");
    let server = ChildGuard::spawn("server", command);
    assert!(
        server.wait_stdout(LISTENING, PROMPTLY * 2).is_some(),
        "server did not start: {}",
        server.stderr()
    );
    // 5,000 clients and the server's own 64, as far as the hard limit goes.
    let expected = (5000 + 64).min(hard);
    assert!(
        server.wait_stderr(
            &format!("open-files limit raised from 512 to {expected}"),
            PROMPTLY
        ),
        "{}",
        server.stderr()
    );
    assert_eq!(open_files_limits(server.pid()).map(|l| l.0), Some(expected));
    assert_no_panic("server", &server.stderr());
}

#[test]
fn server_user_takes_the_database_before_or_after_it_and_refuses_server_options() {
    let path = std::env::temp_dir().join(format!("jim-user-order-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let db = path.to_str().unwrap();
    let run = |args: &[&str], stdin: &[u8]| {
        let mut command = Command::new(example_bin("server"));
        command.args(args).env_remove("RUST_LOG");
        let (status, stdout, stderr) = run_bounded("server user", command, stdin, PROMPTLY * 2);
        (status.code(), stdout, stderr)
    };
    // `--db` first, as one writes it for the server itself.
    let (code, out, err) = run(&["--db", db, "user", "add", "erin"], b"pw\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("account erin created"), "{out}");
    let (code, out, err) = run(&["user", "list", "--db", db], b"");
    assert_eq!((code, out.trim()), (Some(0), "erin"), "{err}");
    // An option of the running server is refused, naming it, not ignored.
    for (args, named) in [
        (
            &["--port", "7000", "--db", db, "user", "list"][..],
            "--port",
        ),
        (&["127.0.0.1", "user", "list"], "ADDR"),
        (&["user", "list", "--history", "5"], "--history"),
    ] {
        let (code, _, err) = run(args, b"");
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(named), "{args:?}: {err}");
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{suffix}"));
    }
}

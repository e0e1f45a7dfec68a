//! Shared helpers for the jim-std integration tests.
//!
//! Everything here is bounded: every socket has read and write timeouts,
//! every wait has a deadline, every child process is killed on drop.
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use jim_std::{Server, ServerConfig, ServerHandle};
use serde_json::Value;

/// Read/write timeout on every test socket.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// What "promptly" means in these tests: generous, for a loaded 2-core box.
pub const PROMPTLY: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------- servers

/// A server on an ephemeral port of 127.0.0.1 with `config`.
pub fn start_server(config: ServerConfig) -> ServerHandle {
    Server::bind("127.0.0.1:0", config)
        .expect("bind 127.0.0.1:0")
        .spawn()
        .expect("spawn server")
}

/// A server with the default configuration.
pub fn start_default_server() -> ServerHandle {
    start_server(ServerConfig::default())
}

/// A server whose idle timeout is `idle`.
pub fn start_server_with_idle(idle: Duration) -> ServerHandle {
    start_server(ServerConfig::default().idle_timeout(idle))
}

/// Shuts `handle` down and asserts it returns `Ok` within [`PROMPTLY`].
pub fn shutdown_promptly(handle: ServerHandle) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(handle.shutdown());
    });
    match rx.recv_timeout(PROMPTLY) {
        Ok(result) => result.expect("ServerHandle::shutdown returned an error"),
        Err(_) => panic!("ServerHandle::shutdown did not return within {PROMPTLY:?}"),
    }
}

// ---------------------------------------------------------------- messages

/// A spec-dialect presence, compact, with a trailing newline.
pub fn presence(name: &str) -> Vec<u8> {
    format!(
        "{{\"action\":\"presence\",\"time\":1700000000,\"type\":\"status\",\"user\":{{\"account_name\":\"{name}\",\"status\":\"Online\"}}}}\n"
    )
    .into_bytes()
}

/// A course-reference presence (no `type`, no `status`, float time), no delimiter.
pub fn course_presence(name: &str) -> Vec<u8> {
    format!(
        "{{\"action\": \"presence\", \"time\": 1700000000.25, \"user\": {{\"account_name\": \"{name}\"}}}}"
    )
    .into_bytes()
}

// ---------------------------------------------------------------- raw peer

/// A raw TCP peer with timeouts and a line reader.
pub struct Peer {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

impl Peer {
    /// A peer over a stream connected elsewhere (its timeouts as set).
    pub fn from_stream(stream: TcpStream) -> Peer {
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// Connects to `addr` with [`IO_TIMEOUT`] on connect, read and write.
    pub fn connect(addr: SocketAddr) -> Peer {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// Like [`connect`](Self::connect) but with a small, fixed receive
    /// buffer (Linux may otherwise autotune it to tens of megabytes), so a
    /// client that does not read pushes back on the server quickly.
    pub fn connect_small_rcvbuf(addr: SocketAddr) -> Peer {
        use socket2::{Domain, Protocol, Socket, Type};
        let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))
            .expect("socket");
        socket.set_recv_buffer_size(64 * 1024).expect("SO_RCVBUF");
        socket
            .connect_timeout(&addr.into(), IO_TIMEOUT)
            .unwrap_or_else(|e| panic!("connect to {addr}: {e}"));
        let stream = TcpStream::from(socket);
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Peer {
            stream,
            buf: Vec::new(),
        }
    }

    /// How long one read may wait (a quiet spell ends `read_line` sooner).
    pub fn set_read_timeout(&self, timeout: Duration) {
        self.stream.set_read_timeout(Some(timeout)).unwrap();
    }

    /// Writes all of `bytes` (one `write_all`).
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write to server");
    }

    /// The next `\n`-terminated line, without the newline; `Ok(None)` on a
    /// clean end of stream. Fails with the socket's timeout error if no
    /// line arrives in time.
    pub fn read_line(&mut self) -> io::Result<Option<String>> {
        let deadline = Instant::now() + IO_TIMEOUT;
        loop {
            if let Some(i) = self.buf.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=i).collect();
                return Ok(Some(
                    String::from_utf8_lossy(&line[..line.len() - 1]).into_owned(),
                ));
            }
            if Instant::now() > deadline {
                return Err(io::Error::new(io::ErrorKind::TimedOut, "no line in time"));
            }
            let mut chunk = [0u8; 1024];
            let n = self.stream.read(&mut chunk)?;
            if n == 0 {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "stream ended inside a line: {:?}",
                        String::from_utf8_lossy(&self.buf)
                    ),
                ));
            }
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    /// The next line as a JSON response object. Panics on EOF, timeout or a
    /// line that is not a JSON object with a numeric `response`.
    pub fn response(&mut self) -> Value {
        let line = match self.read_line() {
            Ok(Some(line)) => line,
            Ok(None) => panic!("server closed the connection instead of answering"),
            Err(e) => panic!("no answer from server: {e}"),
        };
        let value: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("answer is not JSON ({e}): {line:?}"));
        assert!(
            value.get("response").and_then(Value::as_u64).is_some(),
            "answer has no numeric `response`: {line}"
        );
        assert!(line.is_ascii(), "answer is not ASCII: {line:?}");
        value
    }

    /// Reads one response and asserts its code; returns it.
    pub fn expect_code(&mut self, code: u64) -> Value {
        let value = self.response();
        assert_eq!(
            value["response"].as_u64(),
            Some(code),
            "expected {code}, got {value}"
        );
        value
    }

    /// Reads one response and asserts it is a 400 with a non-empty `error`.
    pub fn expect_400(&mut self) -> Value {
        let value = self.expect_code(400);
        let error = value.get("error").and_then(Value::as_str);
        assert!(
            error.is_some_and(|e| !e.is_empty()),
            "400 without an error text: {value}"
        );
        assert!(value.get("time").is_some(), "400 without time: {value}");
        value
    }

    /// Sends a presence and asserts a well-formed 200 answer.
    pub fn handshake_ok(&mut self, name: &str) {
        self.send(&presence(name));
        self.expect_200();
    }

    /// Reads one response and asserts it is the spec 200: integer `time`,
    /// `alert` "OK".
    pub fn expect_200(&mut self) -> Value {
        let value = self.expect_code(200);
        assert!(
            value["time"].is_u64(),
            "200 without an integer time: {value}"
        );
        assert_eq!(value["alert"], "OK", "200 without alert OK: {value}");
        value
    }

    /// Asserts the server closes the connection within `within` (bytes it
    /// sends before closing are ignored; a reset counts as closed).
    pub fn expect_closed(&mut self, within: Duration) {
        let deadline = Instant::now() + within;
        self.stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut => {}
                Err(_) => return, // reset: closed too
            }
            assert!(
                Instant::now() < deadline,
                "server did not close the connection within {within:?}"
            );
        }
    }

    /// Asserts nothing arrives for `quiet` and the connection is still open.
    pub fn expect_silence(&mut self, quiet: Duration) {
        self.stream.set_read_timeout(Some(quiet)).unwrap();
        let mut chunk = [0u8; 64];
        match self.stream.read(&mut chunk) {
            Err(e)
                if e.kind() == io::ErrorKind::WouldBlock || e.kind() == io::ErrorKind::TimedOut => {
            }
            Ok(0) => panic!("server closed the connection"),
            Ok(n) => panic!(
                "unexpected bytes from server: {:?}",
                String::from_utf8_lossy(&chunk[..n])
            ),
            Err(e) => panic!("unexpected error: {e}"),
        }
        self.stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    }

    /// Half-closes the write side (the server sees end of stream).
    pub fn shutdown_write(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }
}

/// A brand-new client sends a presence and must get its 200 within
/// [`PROMPTLY`]; returns how long it took.
pub fn fresh_client_ok(addr: SocketAddr) -> Duration {
    let start = Instant::now();
    let mut peer = Peer::connect(addr);
    peer.handshake_ok("fresh");
    let took = start.elapsed();
    assert!(took < PROMPTLY, "fresh client took {took:?} to get its 200");
    took
}

// ---------------------------------------------------------------- logs

/// Every log record's message, as formatted text, from any thread.
static LOGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::Level::Info
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            if let Ok(mut logs) = LOGS.lock() {
                logs.push(record.args().to_string());
            }
        }
    }

    fn flush(&self) {}
}

static CAPTURE: Capture = Capture;

/// Installs a logger that keeps every record at info level and above.
pub fn capture_logs() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        log::set_logger(&CAPTURE).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Info);
    });
}

/// Waits up to `within` for a captured log line containing `needle`.
pub fn wait_for_log(needle: &str, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(line) = LOGS
            .lock()
            .unwrap()
            .iter()
            .find(|line| line.contains(needle))
        {
            return Some(line.clone());
        }
        if Instant::now() > deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// All captured log lines (for failure messages).
pub fn all_logs() -> String {
    LOGS.lock().unwrap().join("\n")
}

// ---------------------------------------------------------------- processes

/// A child process, killed and reaped on drop, whose stdout lines and
/// stderr text are collected by background threads.
pub struct ChildGuard {
    pub name: String,
    child: Child,
    stdout_lines: Receiver<String>,
    stdout_seen: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
}

impl ChildGuard {
    /// Spawns `command` with piped stdin, stdout and stderr.
    pub fn spawn(name: &str, mut command: Command) -> ChildGuard {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {name}: {e}"));
        let (tx, stdout_lines) = mpsc::channel();
        let stdout_seen = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let seen = Arc::clone(&stdout_seen);
        thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                seen.lock().unwrap().push(line.clone());
                let _ = tx.send(line);
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err = child.stderr.take().unwrap();
        let sink = Arc::clone(&stderr);
        thread::spawn(move || {
            let mut err = err;
            let mut chunk = [0u8; 4096];
            while let Ok(n) = err.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        ChildGuard {
            name: name.to_owned(),
            child,
            stdout_lines,
            stdout_seen,
            stderr,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stdin(&mut self) -> &mut ChildStdin {
        self.child.stdin.as_mut().expect("stdin already closed")
    }

    /// Closes the child's stdin.
    pub fn close_stdin(&mut self) {
        drop(self.child.stdin.take());
    }

    /// The next stdout line, waiting at most `within`.
    pub fn next_line(&self, within: Duration) -> Option<String> {
        self.stdout_lines.recv_timeout(within).ok()
    }

    /// The first stdout line containing `needle`, waiting at most `within`.
    pub fn wait_stdout(&self, needle: &str, within: Duration) -> Option<String> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout_lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return Some(line),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Everything printed to stdout so far.
    pub fn stdout(&self) -> String {
        self.stdout_seen.lock().unwrap().join("\n")
    }

    /// Everything printed to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits up to `within` for stderr to contain `needle`.
    pub fn wait_stderr(&self, needle: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        loop {
            if self.stderr().contains(needle) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `within` for the child to exit; `None` if it did not.
    /// Give the output threads a moment to drain afterwards.
    pub fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader threads see end of stream.
                thread::sleep(Duration::from_millis(100));
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Like [`wait_exit`](Self::wait_exit) but panics (with the child's
    /// output) if it does not exit in time.
    pub fn expect_exit(&mut self, within: Duration) -> ExitStatus {
        match self.wait_exit(within) {
            Some(status) => status,
            None => panic!(
                "{} still running after {within:?}\nstdout:\n{}\nstderr:\n{}",
                self.name,
                self.stdout(),
                self.stderr()
            ),
        }
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to completion with `stdin` as input, bounded by `within`;
/// returns (status, stdout, stderr).
pub fn run_bounded(
    name: &str,
    command: Command,
    stdin: &[u8],
    within: Duration,
) -> (ExitStatus, String, String) {
    let mut child = ChildGuard::spawn(name, command);
    let _ = child.stdin().write_all(stdin);
    child.close_stdin();
    let status = child.expect_exit(within);
    (status, child.stdout(), child.stderr())
}

// ---------------------------------------------------------------- examples

/// The path of example binary `name` (`server` or `client`), built once per
/// test binary with `cargo build -p jim-std --examples`.
pub fn example_bin(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(build_examples)
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.exists(), "example binary {} missing", path.display());
    path
}

fn build_examples() -> Result<PathBuf, String> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.parent().expect("workspace root").to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let release = !cfg!(debug_assertions);
    let mut command = Command::new(cargo);
    command
        .args(["build", "-p", "jim-std", "--examples", "--quiet"])
        .current_dir(&workspace)
        .stdin(Stdio::null());
    if release {
        command.arg("--release");
    }
    let mut build = ChildGuard::spawn("cargo build --examples", command);
    let status = build
        .wait_exit(Duration::from_secs(600))
        .ok_or("cargo build --examples took over 10 minutes")?;
    if !status.success() {
        return Err(format!(
            "cargo build -p jim-std --examples failed: {status}\n{}",
            build.stderr()
        ));
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        None => workspace.join("target"),
    };
    Ok(target
        .join(if release { "release" } else { "debug" })
        .join("examples"))
}

/// `true` if `python3` runs; otherwise prints a note.
pub fn python3_available() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("NOTE: python3 not found; skipping the Python interop test");
    }
    ok
}

/// The directory holding the Python peers.
pub fn python_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/python")
}

/// An address on 127.0.0.1 where nothing listens (a port just freed).
pub fn closed_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

pub const LISTENING: &str = "jim server listening on ";

/// The example server, started with `args`, and the address it printed.
/// Without a `--db` among `args` it keeps nothing (`--db memory`): tests
/// never touch the user's database.
pub fn example_server(args: &[&str]) -> (ChildGuard, SocketAddr) {
    let mut command = Command::new(example_bin("server"));
    command.args(args).env_remove("RUST_LOG");
    if !args.contains(&"--db") {
        command.args(["--db", "memory"]);
    }
    let server = ChildGuard::spawn("server", command);
    let line = server
        .wait_stdout(LISTENING, PROMPTLY * 2)
        .unwrap_or_else(|| {
            panic!(
                "server printed no {LISTENING:?} line\nstdout: {}\nstderr: {}",
                server.stdout(),
                server.stderr()
            )
        });
    let printed: SocketAddr = line[line.find(LISTENING).unwrap() + LISTENING.len()..]
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("bad address in {line:?}: {e}"));
    assert_ne!(printed.port(), 0, "port 0 must be resolved: {line}");
    (server, printed)
}

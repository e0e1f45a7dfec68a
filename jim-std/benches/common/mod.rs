//! Helpers shared by the `relay` and `hostile` benches: the jim server in a
//! child process, `/proc` readers, percentiles, loopback sockets.
//!
//! Everything is bounded: every socket has timeouts, every child process is
//! killed on drop (also when the bench panics).
#![allow(dead_code)]

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use jim_std::hub::RateLimit;
use jim_std::{Server, ServerConfig};

/// Every blocking socket operation of the load generators is bounded by this.
pub const IO_TIMEOUT: Duration = Duration::from_secs(5);

/// Seconds per scenario: `JIM_BENCH_SECONDS` (default `default`, at most 60).
pub fn bench_seconds(default: f64) -> Duration {
    let s = std::env::var("JIM_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .unwrap_or(default)
        .min(60.0);
    Duration::from_secs_f64(s)
}

/// `true` when `JIM_BENCH_QUICK` is set (fewer clients, for a smoke run).
pub fn quick() -> bool {
    std::env::var_os("JIM_BENCH_QUICK").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Raises RLIMIT_NOFILE: to `want` if allowed (root may raise the hard
/// limit), else the soft limit to the hard one. Returns the soft limit.
#[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
pub fn raise_nofile_limit(want: u64) -> u64 {
    // SAFETY: getrlimit/setrlimit with valid pointers to local structs.
    unsafe {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return 0;
        }
        let wanted = want as libc::rlim_t;
        if rl.rlim_cur >= wanted {
            return rl.rlim_cur as u64;
        }
        let both = libc::rlimit {
            rlim_cur: wanted,
            rlim_max: wanted.max(rl.rlim_max),
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &both) == 0 {
            return wanted as u64;
        }
        let soft = libc::rlimit {
            rlim_cur: rl.rlim_max,
            rlim_max: rl.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &soft) == 0 {
            return rl.rlim_max as u64;
        }
        rl.rlim_cur as u64
    }
}

// ------------------------------------------------------------ /proc

/// A `Key:` line of /proc/PID/status in KiB (VmRSS, VmHWM).
pub fn proc_kib(pid: u32, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// /proc/net/sockstat `TCP: … mem N` (pages of socket buffers, every TCP
/// socket of this network namespace: both ends of a loopback connection)
/// and `inuse`.
pub fn tcp_sockstat() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/net/sockstat").unwrap_or_default();
    let Some(line) = text.lines().find(|l| l.starts_with("TCP:")) else {
        return (0, 0);
    };
    let words: Vec<&str> = line.split_whitespace().collect();
    let field = |name: &str| {
        words
            .iter()
            .position(|w| *w == name)
            .and_then(|i| words.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("mem"), field("inuse"))
}

/// CPU time process `pid` has used so far (user + system, all threads).
pub fn proc_cpu(pid: u32) -> Option<Duration> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces), from field 3 on.
    let rest = &text[text.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_secs_f64(ticks as f64 / hz as f64))
}

pub fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if n > 0 {
        n as u64
    } else {
        4096
    }
}

// ------------------------------------------------------------ numbers

/// The `p` quantile (0..=1) of sorted `v`.
pub fn pct(v: &[Duration], p: f64) -> Duration {
    if v.is_empty() {
        return Duration::ZERO;
    }
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

pub fn fmt_d(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

/// 12345678 → "12,345,678".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn fmt_kib(kib: u64) -> String {
    if kib >= 10 * 1024 {
        format!("{:.1} MiB", kib as f64 / 1024.0)
    } else {
        format!("{kib} KiB")
    }
}

// ------------------------------------------------------------ sockets

/// 127.0.0.`n`.
pub fn loopback(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, n))
}

/// A blocking connection from `from` (port 0) to `to`, timeouts set.
pub fn connect_from(from: IpAddr, to: SocketAddr) -> io::Result<TcpStream> {
    connect_with(from, to, 0)
}

/// [`connect_from`] with SO_SNDBUF and SO_RCVBUF set to `buffer` bytes
/// (0: the OS default, autotuned up to megabytes). On loopback an
/// attacker's socket buffers are in the server's kernel too; a real
/// attacker's are on its own machine.
pub fn connect_with(from: IpAddr, to: SocketAddr, buffer: usize) -> io::Result<TcpStream> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP))?;
    if buffer > 0 {
        socket.set_send_buffer_size(buffer)?;
        socket.set_recv_buffer_size(buffer)?;
    }
    socket.bind(&SocketAddr::new(from, 0).into())?;
    socket.connect_timeout(&to.into(), IO_TIMEOUT)?;
    let stream = TcpStream::from(socket);
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// A spec presence for `name`, with its newline.
pub fn presence(name: &str) -> Vec<u8> {
    format!("{{\"action\":\"presence\",\"time\":1700000000,\"type\":\"status\",\"user\":{{\"account_name\":\"{name}\",\"status\":\"Online\"}}}}\n").into_bytes()
}

/// Reads one `\n`-terminated line (bounded by the socket's timeout and
/// 64 KiB), byte by byte after `pending`.
pub fn read_line(stream: &mut TcpStream, pending: &mut Vec<u8>) -> io::Result<Vec<u8>> {
    loop {
        if let Some(i) = pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = pending.drain(..=i).collect();
            return Ok(line);
        }
        if pending.len() > 64 * 1024 {
            return Err(io::Error::other("line too long"));
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
        }
        pending.extend_from_slice(&chunk[..n]);
    }
}

/// Writes `request`, reads lines until one starts with `{"response":`;
/// returns its code.
pub fn request(stream: &mut TcpStream, pending: &mut Vec<u8>, req: &[u8]) -> io::Result<u16> {
    stream.write_all(req)?;
    for _ in 0..64 {
        let line = read_line(stream, pending)?;
        if let Some(rest) = line.strip_prefix(b"{\"response\":") {
            let code: String = rest
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .map(|&b| b as char)
                .collect();
            return code.parse().map_err(|_| io::Error::other("bad response"));
        }
    }
    Err(io::Error::other("no response among 64 lines"))
}

// ------------------------------------------------------------ jim child

/// What the jim child server is started with (passed through env).
#[derive(Clone, Debug)]
pub struct JimOptions {
    pub max_connections: usize,
    pub max_per_address: usize,
    pub idle_timeout: Duration,
    pub message_deadline: Duration,
    pub unlimited_rate: bool,
    /// Install env_logger at `info` on stderr (the parent counts bytes).
    pub log: bool,
}

impl Default for JimOptions {
    fn default() -> Self {
        let d = ServerConfig::default();
        JimOptions {
            max_connections: d.max_connections,
            max_per_address: d.max_per_address,
            idle_timeout: d.idle_timeout,
            message_deadline: d.message_deadline,
            unlimited_rate: false,
            log: false,
        }
    }
}

/// A jim server in a child process (this bench binary re-executed with
/// `JIM_BENCH_ROLE=jim`), killed on drop. Its stdin is a pipe: if this
/// process dies, the child reads end of stream and exits. When logging,
/// its stderr is counted (bytes and lines) by a thread here.
pub struct JimChild {
    child: Child,
    pub addr: SocketAddr,
    /// A control: a plain thread-per-connection server in the same process
    /// (so on the same CPU) answering each line with a fixed `200` line.
    pub echo_addr: SocketAddr,
    pub log_bytes: Arc<AtomicU64>,
    pub log_lines: Arc<AtomicU64>,
    pub log_tail: Arc<Mutex<Vec<String>>>,
}

impl JimChild {
    pub fn start(opts: &JimOptions) -> JimChild {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .env("JIM_BENCH_ROLE", "jim")
            .env("JIM_CHILD_MAXCONN", opts.max_connections.to_string())
            .env("JIM_CHILD_PERADDR", opts.max_per_address.to_string())
            .env(
                "JIM_CHILD_IDLE_MS",
                opts.idle_timeout.as_millis().to_string(),
            )
            .env(
                "JIM_CHILD_DEADLINE_MS",
                opts.message_deadline.as_millis().to_string(),
            )
            .env(
                "JIM_CHILD_UNLIMITED",
                if opts.unlimited_rate { "1" } else { "0" },
            )
            .env("JIM_CHILD_LOG", if opts.log { "1" } else { "0" })
            .env("RUST_LOG", "info")
            .env("JIM_CHILD_CPU", if pinning() { "0" } else { "none" })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn jim child");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the child's address");
        let mut words = line.trim().strip_prefix("READY ").unwrap_or("").split(' ');
        let mut next_addr = || -> SocketAddr {
            words
                .next()
                .and_then(|a| a.parse().ok())
                .unwrap_or_else(|| panic!("jim child said {line:?}"))
        };
        let (addr, echo_addr) = (next_addr(), next_addr());
        let log_bytes = Arc::new(AtomicU64::new(0));
        let log_lines = Arc::new(AtomicU64::new(0));
        let log_tail = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        {
            let (bytes, lines, tail) = (log_bytes.clone(), log_lines.clone(), log_tail.clone());
            thread::spawn(move || {
                // Ahead of the attackers on its CPU: a log reader that lags
                // fills the pipe, and the server then blocks in its log
                // writes — the harness, not the server, would be measured.
                realtime_thread();
                let mut reader = BufReader::with_capacity(1 << 20, stderr);
                let mut line = Vec::new();
                while let Ok(n) = reader.read_until(b'\n', &mut line) {
                    if n == 0 {
                        break;
                    }
                    bytes.fetch_add(n as u64, Ordering::Relaxed);
                    lines.fetch_add(1, Ordering::Relaxed);
                    if line.windows(13).any(|w| w == b"slowest turn ") {
                        // The server's own account of its slowest turn:
                        // shown, so a tail can be told from the loop.
                        eprintln!("  server: {}", String::from_utf8_lossy(&line).trim_end());
                    }
                    let mut t = tail.lock().unwrap();
                    if t.len() >= 20 {
                        t.remove(0);
                    }
                    t.push(String::from_utf8_lossy(&line).trim_end().to_owned());
                    line.clear();
                }
            });
        }
        JimChild {
            child,
            addr,
            echo_addr,
            log_bytes,
            log_lines,
            log_tail,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `true` while the child runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for JimChild {
    fn drop(&mut self) {
        // Closing its stdin shuts the server down cleanly (its last
        // report is logged); a child that does not stop soon is killed.
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: call first thing in `main`; returns `false` if this
/// process is not a child.
pub fn child_main() -> bool {
    let Ok(role) = std::env::var("JIM_BENCH_ROLE") else {
        return false;
    };
    assert_eq!(role, "jim", "unknown JIM_BENCH_ROLE");
    raise_nofile_limit(65_536);
    if let Ok(cpu) = std::env::var("JIM_CHILD_CPU") {
        if let Ok(cpu) = cpu.parse() {
            pin_to_cpu(0, cpu);
        }
    }
    let num = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    if num("JIM_CHILD_LOG", 0) == 1 {
        env_logger::Builder::from_default_env()
            .target(env_logger::Target::Stderr)
            .init();
    }
    let mut config = ServerConfig::default()
        .max_connections(num("JIM_CHILD_MAXCONN", 10_000) as usize)
        .max_per_address(num("JIM_CHILD_PERADDR", 256) as usize)
        .idle_timeout(Duration::from_millis(num("JIM_CHILD_IDLE_MS", 60_000)))
        .message_deadline(Duration::from_millis(num("JIM_CHILD_DEADLINE_MS", 10_000)));
    if num("JIM_CHILD_UNLIMITED", 0) == 1 {
        config = config.rate(RateLimit::UNLIMITED);
    }
    let server = Server::bind("127.0.0.1:0", config).expect("bind jim server");
    let handle = server.spawn().expect("spawn jim server");
    let echo = std::net::TcpListener::bind("127.0.0.1:0").expect("bind echo");
    println!(
        "READY {} {}",
        handle.local_addr(),
        echo.local_addr().expect("echo addr")
    );
    thread::spawn(move || {
        for stream in echo.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_nodelay(true);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
            thread::spawn(move || {
                let mut pending = Vec::new();
                while read_line(&mut stream, &mut pending).is_ok() {
                    let reply = b"{\"response\":200,\"time\":1700000000,\"alert\":\"OK\"}\n";
                    if stream.write_all(reply).is_err() {
                        break;
                    }
                }
            });
        }
    });
    let _ = io::stdout().flush();
    let mut sink = Vec::new();
    let _ = io::stdin().read_to_end(&mut sink);
    let _ = handle.shutdown();
    true
}

/// Waits until `f` is true or `within` passes; returns whether it became true.
pub fn wait_until(within: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if f() {
            return true;
        }
        thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// Whether to pin: the server to CPU 0, the load generator to CPU 1, so
/// that on a 2-core machine neither starves the other (`JIM_BENCH_PIN=0`
/// turns it off; it needs 2 CPUs).
///
/// Decided once, on the first call: `available_parallelism` counts the
/// CPUs this process may use, so asked again after the load generator
/// pinned itself to CPU 1 it would say 1 — and the server, left
/// unpinned, would inherit CPU 1 and share it with the attackers.
pub fn pinning() -> bool {
    static PINNING: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PINNING.get_or_init(|| {
        std::env::var("JIM_BENCH_PIN").map_or(true, |v| v != "0")
            && thread::available_parallelism().map_or(1, |n| n.get()) >= 2
    })
}

/// Pins process (or thread) `pid` (0: the caller) and the threads it
/// starts later to CPU `cpu`; `false` if not allowed.
pub fn pin_to_cpu(pid: i32, cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is a valid empty set; CPU_SET and
    // sched_setaffinity get a valid pointer and its size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(pid, std::mem::size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// Gives the calling thread real-time priority (SCHED_FIFO 10), so that
/// what it measures is the server, not the load generator's threads it
/// shares a CPU with; `false` if not allowed.
pub fn realtime_thread() -> bool {
    // SAFETY: sched_setscheduler on the calling thread with a valid param.
    unsafe {
        let param = libc::sched_param { sched_priority: 10 };
        libc::sched_setscheduler(0, libc::SCHED_FIFO, &param) == 0
    }
}

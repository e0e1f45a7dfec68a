//! Handshake throughput and latency of the jim-std server over loopback,
//! against a minimal thread-per-connection std TCP "echo" baseline, plus an
//! idle-connections soak.
//!
//! `cargo bench -p jim-std --bench handshake` runs the full benchmark
//! (about 30 s). Without `--bench` (as under `cargo test --all-targets`) it
//! runs a short smoke version of every phase.
//!
//! One handshake = connect, send a presence, read the `200` line, close.
//! Both servers run in a child process (this binary re-executed with
//! `JIM_BENCH_ROLE`), so the load generator and the server each get their
//! own file-descriptor limit: 10 000 idle connections need 10 000
//! descriptors on each side, and the hard limit here may be 20 000.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use jim_std::{Server, ServerConfig};

/// What the load generator sends: a spec presence with its newline.
const PRESENCE: &[u8] = b"{\"action\":\"presence\",\"time\":1700000000,\"type\":\"status\",\"user\":{\"account_name\":\"bench\",\"status\":\"Online\"}}\n";
/// The baseline's fixed answer: the same length as jim's (10-digit time).
const BASELINE_REPLY: &[u8] = b"{\"response\":200,\"time\":1700000000,\"alert\":\"OK\"}\n";
/// Every socket operation of the load generator is bounded by this.
const IO_TIMEOUT: Duration = Duration::from_secs(5);

struct Plan {
    measure: Duration,
    warmup: Duration,
    concurrency: &'static [usize],
    idle_connections: usize,
}

const FULL: Plan = Plan {
    measure: Duration::from_millis(2500),
    warmup: Duration::from_millis(300),
    concurrency: &[1, 100, 1000],
    idle_connections: 10_000,
};

const SMOKE: Plan = Plan {
    measure: Duration::from_millis(200),
    warmup: Duration::from_millis(50),
    concurrency: &[1, 10],
    idle_connections: 200,
};

fn main() {
    if let Ok(role) = std::env::var("JIM_BENCH_ROLE") {
        child_main(&role);
        return;
    }
    let full = std::env::args().any(|a| a == "--bench");
    let plan = if full { &FULL } else { &SMOKE };
    let limit = raise_nofile_limit();
    println!(
        "jim-std handshake benchmark ({}; RLIMIT_NOFILE {limit}; {} CPUs)",
        if full {
            "full"
        } else {
            "smoke run, pass --bench for the full one"
        },
        thread::available_parallelism().map_or(0, |n| n.get()),
    );

    let jim = ChildServer::start("jim");
    let baseline = ChildServer::start("baseline");

    println!();
    println!(
        "| conns | server   | handshakes/s |   p50 µs |   p99 µs | ≥1 s | errors | jim/baseline (rate, p50, p99) |"
    );
    println!(
        "|------:|----------|-------------:|---------:|---------:|-----:|-------:|-------------------------------|"
    );
    for &n in plan.concurrency {
        let _ = measure(jim.addr, n.min(10), plan.warmup);
        let j = measure(jim.addr, n, plan.measure);
        let _ = measure(baseline.addr, n.min(10), plan.warmup);
        let b = measure(baseline.addr, n, plan.measure);
        j.row(n, "jim", "");
        b.row(
            n,
            "baseline",
            &format!(
                "{:.2}x, {:.2}x, {:.2}x",
                j.rate() / b.rate().max(f64::MIN_POSITIVE),
                ratio(j.p50, b.p50),
                ratio(j.p99, b.p99),
            ),
        );
    }
    drop(baseline);

    println!();
    idle_soak(&jim, plan.idle_connections);
}

// ------------------------------------------------------------ load generator

struct Stats {
    ok: usize,
    errors: usize,
    first_error: Option<String>,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
    /// Handshakes that took a second or more (a dropped SYN is retried
    /// after 1 s: a sign of listen-queue overflow).
    slow: usize,
}

impl Stats {
    fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    fn row(&self, n: usize, name: &str, ratios: &str) {
        println!(
            "| {n:>5} | {name:<8} | {:>12.0} | {:>8} | {:>8} | {:>4} | {:>6} | {ratios:<29} |",
            self.rate(),
            self.p50.as_micros(),
            self.p99.as_micros(),
            self.slow,
            self.errors,
        );
        if let Some(e) = &self.first_error {
            println!("|       |          | first error: {e}");
        }
    }
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// One handshake: connect, send the presence, read the answer line, close.
fn handshake(addr: SocketAddr) -> io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
    stream.set_nodelay(true)?;
    stream.set_read_timeout(Some(IO_TIMEOUT))?;
    stream.set_write_timeout(Some(IO_TIMEOUT))?;
    stream.write_all(PRESENCE)?;
    let mut buf = [0u8; 256];
    let mut len = 0;
    while !buf[..len].contains(&b'\n') {
        if len == buf.len() {
            return Err(io::Error::other("answer too long"));
        }
        let n = stream.read(&mut buf[len..])?;
        if n == 0 {
            return Err(io::Error::other("closed before answering"));
        }
        len += n;
    }
    if !buf.starts_with(b"{\"response\":200") {
        return Err(io::Error::other(format!(
            "unexpected answer {:?}",
            String::from_utf8_lossy(&buf[..len])
        )));
    }
    Ok(())
}

/// `n` threads doing back-to-back handshakes against `addr` for `window`.
fn measure(addr: SocketAddr, n: usize, window: Duration) -> Stats {
    let start_line = Arc::new(Barrier::new(n + 1));
    let workers: Vec<_> = (0..n)
        .map(|_| {
            let start_line = Arc::clone(&start_line);
            thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || {
                    let mut latencies = Vec::with_capacity(4096);
                    let mut errors = 0usize;
                    let mut first_error = None;
                    start_line.wait();
                    let deadline = Instant::now() + window;
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        match handshake(addr) {
                            Ok(()) => latencies.push(t.elapsed()),
                            Err(e) => {
                                errors += 1;
                                first_error.get_or_insert_with(|| e.to_string());
                                // Do not spin on a failing server.
                                thread::sleep(Duration::from_millis(10));
                            }
                        }
                    }
                    (latencies, errors, first_error)
                })
                .expect("spawn load thread")
        })
        .collect();
    start_line.wait();
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for w in workers {
        let (latencies, e, first) = w.join().expect("load thread panicked");
        all.extend(latencies);
        errors += e;
        first_error = first_error.or(first);
    }
    let elapsed = started.elapsed();
    all.sort_unstable();
    let pct = |p: f64| -> Duration {
        if all.is_empty() {
            return Duration::ZERO;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i]
    };
    let slow = all.len() - all.partition_point(|&d| d < Duration::from_secs(1));
    Stats {
        slow,
        ok: all.len(),
        errors,
        first_error,
        elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

// ------------------------------------------------------------ idle soak

fn idle_soak(jim: &ChildServer, count: usize) {
    let before = proc_status(jim.pid(), "VmRSS");
    let threads_before = proc_status(jim.pid(), "Threads");
    let t = Instant::now();
    let mut idle = Vec::with_capacity(count);
    let mut failed = None;
    for _ in 0..count {
        match TcpStream::connect_timeout(&jim.addr, IO_TIMEOUT) {
            Ok(s) => idle.push(s),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    let opened = t.elapsed();
    println!(
        "idle soak: opened {} of {count} idle connections to jim in {opened:.2?}{}",
        idle.len(),
        failed.map_or(String::new(), |e| format!(" (stopped: {e})"))
    );
    // Let the server accept and register all of them.
    thread::sleep(Duration::from_millis(500));
    // The server must not have closed any of them (max_connections is above
    // the count): a peek shows no end of stream.
    let closed = idle.iter().filter(|s| is_closed(s)).count();

    let t = Instant::now();
    let fresh = handshake(jim.addr);
    let fresh_took = t.elapsed();
    let after = proc_status(jim.pid(), "VmRSS");
    let threads_after = proc_status(jim.pid(), "Threads");
    println!(
        "idle soak: with {} idle connections open ({closed} closed or answered by the server), a fresh client: {} in {fresh_took:.2?}",
        idle.len(),
        match &fresh {
            Ok(()) => "200".to_owned(),
            Err(e) => format!("FAILED ({e})"),
        }
    );
    println!(
        "idle soak: server RSS {} before, {} with the idle connections (threads: {} -> {})",
        before.as_deref().unwrap_or("?"),
        after.as_deref().unwrap_or("?"),
        threads_before.as_deref().unwrap_or("?"),
        threads_after.as_deref().unwrap_or("?"),
    );
    if let (Some(b), Some(a)) = (kib(&before), kib(&after)) {
        if !idle.is_empty() {
            println!(
                "idle soak: ≈ {:.2} KiB of server RSS per idle connection",
                a.saturating_sub(b) as f64 / idle.len() as f64
            );
        }
    }
    drop(idle);
    thread::sleep(Duration::from_millis(300));
    let again = handshake(jim.addr);
    println!(
        "idle soak: after closing them, a fresh client: {}",
        match &again {
            Ok(()) => "200".to_owned(),
            Err(e) => format!("FAILED ({e})"),
        }
    );
    if fresh.is_err() || again.is_err() || closed > 0 {
        eprintln!("idle soak FAILED");
        std::process::exit(1);
    }
}

/// `true` if the server has closed `stream` or sent anything on it (an
/// idle connection should get neither): a non-blocking peek would block.
fn is_closed(stream: &TcpStream) -> bool {
    let _ = stream.set_nonblocking(true);
    let mut b = [0u8; 1];
    let closed = match stream.peek(&mut b) {
        Ok(_) => true,
        Err(e) => e.kind() != io::ErrorKind::WouldBlock,
    };
    let _ = stream.set_nonblocking(false);
    closed
}

fn proc_status(pid: u32, key: &str) -> Option<String> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(|v| v.trim().to_owned())
}

fn kib(value: &Option<String>) -> Option<u64> {
    value.as_deref()?.split_whitespace().next()?.parse().ok()
}

// ------------------------------------------------------------ servers

/// A server in a child process (this binary, re-executed); killed on drop.
/// Its stdin is a pipe: when this process dies, the child sees end of
/// stream and exits too.
struct ChildServer {
    child: Child,
    addr: SocketAddr,
}

impl ChildServer {
    fn start(role: &str) -> ChildServer {
        let exe = std::env::current_exe().expect("current_exe");
        let mut child = Command::new(exe)
            .env("JIM_BENCH_ROLE", role)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn server child");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read child's address");
        let addr = line
            .trim()
            .strip_prefix("READY ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("{role} child said {line:?}"));
        ChildServer { child, addr }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn child_main(role: &str) {
    raise_nofile_limit();
    match role {
        "jim" => {
            let config = ServerConfig::default()
                .max_connections(12_000)
                .idle_timeout(Duration::from_secs(120));
            let server = Server::bind("127.0.0.1:0", config).expect("bind jim server");
            let handle = server.spawn().expect("spawn jim server");
            println!("READY {}", handle.local_addr());
            wait_for_parent();
            let _ = handle.shutdown();
        }
        "baseline" => {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind baseline");
            println!("READY {}", listener.local_addr().expect("local_addr"));
            thread::spawn(move || baseline_accept_loop(listener));
            wait_for_parent();
        }
        other => panic!("unknown JIM_BENCH_ROLE {other}"),
    }
}

/// Blocks until the parent closes our stdin (or dies).
fn wait_for_parent() {
    let _ = io::stdout().flush();
    let mut sink = Vec::new();
    let _ = io::stdin().read_to_end(&mut sink);
}

/// The baseline: thread per connection; read up to the first newline,
/// answer a fixed line of the same length as jim's, wait for the close.
/// Deliberately minimal: `TcpListener::bind`'s listen backlog (128), no
/// logging, no parsing. The jim child installs no logger either.
fn baseline_accept_loop(listener: TcpListener) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = thread::Builder::new().stack_size(64 * 1024).spawn(move || {
            let _ = stream.set_nodelay(true);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(120)));
            let mut buf = [0u8; 640];
            let mut len = 0;
            loop {
                match stream.read(&mut buf[len..]) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => len += n,
                }
                if buf[..len].contains(&b'\n') || len == buf.len() {
                    break;
                }
            }
            if stream.write_all(BASELINE_REPLY).is_err() {
                return;
            }
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
        });
    }
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft
/// limit.
fn raise_nofile_limit() -> libc::rlim_t {
    // SAFETY: getrlimit/setrlimit with a valid pointer to a local struct.
    unsafe {
        let mut rl = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) != 0 {
            return 0;
        }
        if rl.rlim_cur < rl.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: rl.rlim_max,
                rlim_max: rl.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                return raised.rlim_max;
            }
        }
        rl.rlim_cur
    }
}

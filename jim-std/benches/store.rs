//! Stored messages per second and the latency of an acknowledged direct
//! message with storage on (SQLite, `Durability::Normal` and `Full`)
//! against storage off (`Storage::Memory`: the same hub path and storage
//! thread, no disk), in one run, side by side.
//!
//! `cargo bench -p jim-std --bench store` runs the full benchmark (about
//! 15 s); without `--bench` (as under `cargo test --all-targets`) it runs a
//! short smoke version. `JIM_BENCH_SECONDS` sets the load window per
//! backend (default 3), `JIM_BENCH_PAIRS` the number of pairs (default 100).
//!
//! Per backend, on a fresh server in this process:
//! 1. idle latency: one sender sends a direct message to its online
//!    recipient, waits for the `200`, sends the next;
//! 2. load: `pairs` senders each keep up to [`WINDOW`] direct messages
//!    outstanding to their own online recipient (which reads them), while
//!    the latency sender of 1 runs again beside them. Throughput is the
//!    `200`s the senders got in the window, server-wide, per second;
//! 3. the server is shut down and the SQLite file is opened again: the
//!    messages in it must be exactly the `200`s counted (nothing
//!    acknowledged is missing).
//!
//! The server's rate limit (50 requests/s per client by default) is off
//! here (`RateLimit::UNLIMITED`), and the per-address limit is raised:
//! every client comes from 127.0.0.1.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use jim_std::hub::RateLimit;
use jim_std::store::{Durability, Storage};
use jim_std::{Server, ServerConfig, ServerHandle};

/// Every socket read and write is bounded by this.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Direct messages a load sender keeps outstanding.
const WINDOW: usize = 32;
/// The offered load of the paced phase, messages per second server-wide:
/// below what every backend sustains, so latencies compare at equal load.
const PACED_RATE: f64 = 10_000.0;
/// The text of every message: 64 characters.
const TEXT: &str = "storage bench: sixty-four characters of text, a typical chat line";
/// How long the server may take to shut down.
const SHUTDOWN_WITHIN: Duration = Duration::from_secs(30);

struct Plan {
    /// The load window.
    load: Duration,
    /// The idle-latency window.
    idle: Duration,
    pairs: usize,
}

fn plan(full: bool) -> Plan {
    let env_f64 = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    let (seconds, pairs) = if full { (3.0, 100) } else { (0.3, 8) };
    let seconds = env_f64("JIM_BENCH_SECONDS").unwrap_or(seconds).min(600.0);
    let pairs = env_f64("JIM_BENCH_PAIRS").map_or(pairs, |p| (p as usize).clamp(1, 1000));
    Plan {
        load: Duration::from_secs_f64(seconds),
        idle: Duration::from_secs_f64((seconds / 2.0).min(1.0)),
        pairs,
    }
}

#[derive(Clone, Copy)]
enum Backend {
    Memory,
    Sqlite(Durability),
}

impl Backend {
    fn tag(self) -> &'static str {
        match self {
            Backend::Memory => "memory",
            Backend::Sqlite(Durability::Normal) => "sqlite-normal",
            Backend::Sqlite(Durability::Full) => "sqlite-full",
        }
    }
}

fn main() {
    // The storage thread's own account of its slowest transaction per
    // 10 s (debug: every interval), so that a tail can be told apart
    // from a commit that stalled.
    env_logger::Builder::new()
        .filter_module("jim_std::store::commit_stats", log::LevelFilter::Debug)
        .format_timestamp(None)
        .init();
    let full = std::env::args().any(|a| a == "--bench");
    let plan = plan(full);
    println!(
        "jim-std storage benchmark ({}; {} pairs × window {WINDOW}, {:.1} s of load and {:.1} s idle per backend; rate limit off; {} CPUs)",
        if full {
            "full"
        } else {
            "smoke run, pass --bench for the full one"
        },
        plan.pairs,
        plan.load.as_secs_f64(),
        plan.idle.as_secs_f64(),
        thread::available_parallelism().map_or(0, |n| n.get()),
    );
    let backends = [
        Backend::Memory,
        Backend::Sqlite(Durability::Normal),
        Backend::Sqlite(Durability::Full),
    ];
    let columns: Vec<Column> = backends
        .iter()
        .map(|&backend| {
            let column = run(backend, &plan);
            eprintln!(
                "{}: {:.0} stored/s, {} acks, {} errors",
                backend.tag(),
                column.rate,
                column.acks,
                column.errors
            );
            column
        })
        .collect();
    let ok = report(&plan, &columns);
    if !full {
        println!("(a smoke run: the targets are judged on the full run)");
    }
    if !ok {
        eprintln!("storage bench FAILED: see the table");
        std::process::exit(1);
    }
}

// ------------------------------------------------------------ one backend

/// What one backend came to.
struct Column {
    /// `200`s per second in the load window, server-wide.
    rate: f64,
    idle: Vec<Duration>,
    loaded: Vec<Duration>,
    /// Latencies at [`PACED_RATE`].
    paced: Vec<Duration>,
    /// Paced messages acknowledged per second (the offered load, if kept).
    paced_rate: f64,
    /// Every `200` any client got, in all phases.
    acks: u64,
    /// Messages in the SQLite file after the run (`None` for memory).
    stored: Option<Result<u64, String>>,
    /// CPU time of the event loop, of the storage thread and of the whole
    /// process (clients included) during the load window, as a share of it
    /// (Linux only).
    busy: Option<(f64, f64, f64)>,
    errors: u64,
    first_error: Option<String>,
}

fn run(backend: Backend, plan: &Plan) -> Column {
    let dir = TempDir::new(backend.tag()).expect("create a temporary directory");
    let db = dir.0.join("bench.db");
    let storage = match backend {
        Backend::Memory => Storage::Memory,
        Backend::Sqlite(durability) => Storage::Sqlite {
            path: db.clone(),
            durability,
        },
    };
    let mut config = ServerConfig::default()
        .rate(RateLimit::UNLIMITED)
        .max_connections(10_000)
        .max_per_address(10_000)
        .idle_timeout(Duration::from_secs(600))
        .storage(storage);
    config.store.queue = config.store.queue.max(4 * plan.pairs);
    let server = Server::bind("127.0.0.1:0", config)
        .expect("bind 127.0.0.1:0")
        .spawn()
        .expect("spawn the server");
    let addr = server.local_addr();

    let mut errors = Errors::default();
    let mut acks = 0u64;

    // 1. Idle latency.
    let idle = {
        let stop = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(2));
        let worker = spawn_latency(addr, "idle", &start, &stop);
        start.wait();
        thread::sleep(plan.idle);
        stop.store(true, Ordering::Release);
        let result = worker.join().expect("latency thread panicked");
        acks += result.acks;
        errors.add(result.errors, result.first_error);
        result.latencies
    };

    // 2. Load, with the latency sender beside it.
    let stop = Arc::new(AtomicBool::new(false));
    let start = Arc::new(Barrier::new(plan.pairs + 2));
    let pairs: Vec<_> = (0..plan.pairs)
        .map(|i| {
            let (start, stop) = (Arc::clone(&start), Arc::clone(&stop));
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || load_pair(addr, i, &start, &stop))
                .expect("spawn a load thread")
        })
        .collect();
    let latency = spawn_latency(addr, "busy", &start, &stop);
    start.wait();
    let began = Instant::now();
    let cpu_before = server_cpu();
    thread::sleep(plan.load);
    stop.store(true, Ordering::Release);
    let window = began.elapsed();
    let busy = cpu_before.zip(server_cpu()).map(|(b, a)| {
        let share = |d: Duration| d.as_secs_f64() / window.as_secs_f64();
        (
            share(a.0.saturating_sub(b.0)),
            share(a.1.saturating_sub(b.1)),
            share(a.2.saturating_sub(b.2)),
        )
    });
    let mut in_window = 0u64;
    for pair in pairs {
        let result = pair.join().expect("load thread panicked");
        in_window += result.in_window;
        acks += result.acks;
        errors.add(result.errors, result.first_error);
    }
    let loaded = {
        let result = latency.join().expect("latency thread panicked");
        acks += result.acks;
        errors.add(result.errors, result.first_error);
        result.latencies
    };

    // 3. A fixed offered load, with the latency sender beside it.
    let (paced, paced_rate) = {
        let stop = Arc::new(AtomicBool::new(false));
        let start = Arc::new(Barrier::new(plan.pairs + 2));
        let every = Duration::from_secs_f64(plan.pairs as f64 / PACED_RATE);
        let pairs: Vec<_> = (0..plan.pairs)
            .map(|i| {
                let (start, stop) = (Arc::clone(&start), Arc::clone(&stop));
                thread::Builder::new()
                    .stack_size(256 * 1024)
                    .spawn(move || paced_pair(addr, i, every, &start, &stop))
                    .expect("spawn a paced thread")
            })
            .collect();
        let latency = spawn_latency(addr, "paced", &start, &stop);
        start.wait();
        let began = Instant::now();
        thread::sleep(plan.load);
        stop.store(true, Ordering::Release);
        let window = began.elapsed();
        let mut sent = 0u64;
        for pair in pairs {
            let result = pair.join().expect("paced thread panicked");
            sent += result.in_window;
            acks += result.acks;
            errors.add(result.errors, result.first_error);
        }
        let result = latency.join().expect("latency thread panicked");
        acks += result.acks;
        errors.add(result.errors, result.first_error);
        (result.latencies, sent as f64 / window.as_secs_f64())
    };

    // 4. Shut down (the storage thread finishes what is queued), then
    // count what is in the file.
    shutdown_within(server, SHUTDOWN_WITHIN);
    let stored = matches!(backend, Backend::Sqlite(_)).then(|| count_messages(&db));
    drop(dir);
    Column {
        rate: in_window as f64 / window.as_secs_f64(),
        idle,
        loaded,
        paced,
        paced_rate,
        acks,
        stored,
        busy,
        errors: errors.count,
        first_error: errors.first,
    }
}

fn shutdown_within(server: ServerHandle, within: Duration) {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(server.shutdown());
    });
    match rx.recv_timeout(within) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("server shutdown returned an error: {e}"),
        Err(_) => {
            eprintln!("storage bench FAILED: the server did not shut down within {within:?}");
            std::process::exit(1);
        }
    }
}

/// CPU time used so far by this process's `jim-server` (event loop) and
/// `jim-store` (storage) threads and by all its live threads, from `/proc`
/// (`None` elsewhere).
fn server_cpu() -> Option<(Duration, Duration, Duration)> {
    // Clock ticks: 100 per second on Linux.
    const TICK: Duration = Duration::from_millis(10);
    let mut event_loop = Duration::ZERO;
    let mut storage = Duration::ZERO;
    let mut all = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state …": utime and stime are fields 14 and 15; comm
        // may hold spaces, so count from its closing parenthesis.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |k: usize| {
            fields
                .get(k)
                .and_then(|f| f.parse::<u32>().ok())
                .unwrap_or(0)
        };
        // After it, field 3 (state) is index 0.
        let used = TICK * (ticks(11) + ticks(12));
        all += used;
        match comm {
            "jim-server" => event_loop += used,
            "jim-store" => storage += used,
            _ => {}
        }
    }
    Some((event_loop, storage, all))
}

fn count_messages(db: &Path) -> Result<u64, String> {
    let conn = rusqlite::Connection::open(db).map_err(|e| e.to_string())?;
    let n: i64 = conn
        .query_row("SELECT count(*) FROM messages", [], |row| row.get(0))
        .map_err(|e| e.to_string())?;
    u64::try_from(n).map_err(|e| e.to_string())
}

#[derive(Default)]
struct Errors {
    count: u64,
    first: Option<String>,
}

impl Errors {
    fn add(&mut self, count: u64, first: Option<String>) {
        self.count += count;
        if self.first.is_none() {
            self.first = first;
        }
    }
}

// ------------------------------------------------------------ clients

/// A client: a named connection with timeouts and a line reader.
struct Conn {
    writer: TcpStream,
    reader: BufReader<TcpStream>,
    line: String,
}

impl Conn {
    fn connect(addr: SocketAddr, name: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect_timeout(&addr, IO_TIMEOUT)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(IO_TIMEOUT))?;
        stream.set_write_timeout(Some(IO_TIMEOUT))?;
        let mut conn = Conn {
            reader: BufReader::with_capacity(64 * 1024, stream.try_clone()?),
            writer: stream,
            line: String::new(),
        };
        conn.send(
            format!(
                "{{\"action\":\"presence\",\"time\":1700000000,\"type\":\"status\",\"user\":{{\"account_name\":\"{name}\",\"status\":\"Online\"}}}}\n"
            )
            .as_bytes(),
        )?;
        conn.expect_200()?;
        Ok(conn)
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.writer.write_all(bytes)
    }

    /// The next line (without its newline).
    fn next_line(&mut self) -> io::Result<&str> {
        self.line.clear();
        if self.reader.read_line(&mut self.line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(self.line.trim_end())
    }

    /// The next line must be a `200`.
    fn expect_200(&mut self) -> io::Result<()> {
        let line = self.next_line()?;
        if line.starts_with("{\"response\":200") {
            Ok(())
        } else {
            Err(io::Error::other(format!("expected a 200, got {line}")))
        }
    }

    /// Reads until a relayed message has come.
    fn expect_message(&mut self) -> io::Result<()> {
        // Anything else (a probe) is skipped, boundedly.
        for _ in 0..16 {
            if self.next_line()?.starts_with("{\"action\":\"msg\"") {
                return Ok(());
            }
        }
        Err(io::Error::other(format!(
            "expected a message, got {}",
            self.line.trim_end()
        )))
    }
}

/// A direct message to `to`, with its newline.
fn direct(to: &str) -> Vec<u8> {
    format!("{{\"action\":\"msg\",\"time\":1700000000,\"to\":\"{to}\",\"message\":\"{TEXT}\"}}\n")
        .into_bytes()
}

#[derive(Default)]
struct LoadResult {
    /// `200`s received before the stop.
    in_window: u64,
    /// Every `200`, also those drained after the stop.
    acks: u64,
    errors: u64,
    first_error: Option<String>,
}

/// Sender `s{i}` pipelines direct messages to recipient `r{i}` (up to
/// [`WINDOW`] outstanding) until `stop`, then collects what is still
/// outstanding. The recipient reads every message the sender had a `200`
/// for (it is delivered before the `200` is sent).
fn load_pair(addr: SocketAddr, i: usize, start: &Barrier, stop: &AtomicBool) -> LoadResult {
    let mut result = LoadResult::default();
    let (mut sender, mut recipient) = match open_pair(addr, "r", "s", i, start) {
        Ok(pair) => pair,
        Err(e) => {
            result.errors += 1;
            result.first_error = Some(format!("connect: {e}"));
            return result;
        }
    };
    let one = direct(&format!("r{i}"));
    let mut outstanding = 0usize;
    let mut delivered = 0u64;
    let mut batch = Vec::with_capacity(one.len() * WINDOW);
    let outcome = (|| -> io::Result<()> {
        while !stop.load(Ordering::Acquire) {
            // Refill the window in one write.
            batch.clear();
            while outstanding < WINDOW {
                batch.extend_from_slice(&one);
                outstanding += 1;
            }
            sender.send(&batch)?;
            // Half the window's answers, then the recipient's messages.
            while outstanding > WINDOW / 2 {
                sender.expect_200()?;
                outstanding -= 1;
                result.acks += 1;
                if !stop.load(Ordering::Acquire) {
                    result.in_window += 1;
                }
            }
            while delivered < result.acks {
                recipient.expect_message()?;
                delivered += 1;
            }
        }
        // Stopped: collect the rest (each read is bounded by IO_TIMEOUT).
        while outstanding > 0 {
            sender.expect_200()?;
            outstanding -= 1;
            result.acks += 1;
        }
        while delivered < result.acks {
            recipient.expect_message()?;
            delivered += 1;
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        result.errors += 1;
        result.first_error = Some(format!("s{i}: {e}"));
    }
    result
}

/// Connects recipient `{recipient}{i}` and sender `{sender}{i}`, then waits
/// at `start` with the others (connected or not).
fn open_pair(
    addr: SocketAddr,
    recipient: &str,
    sender: &str,
    i: usize,
    start: &Barrier,
) -> io::Result<(Conn, Conn)> {
    let pair = Conn::connect(addr, &format!("{recipient}{i}"))
        .and_then(|r| Conn::connect(addr, &format!("{sender}{i}")).map(|s| (s, r)));
    start.wait();
    pair
}

/// One message every `every` from sender `p{i}` to `q{i}`, each waited
/// for, until `stop`.
fn paced_pair(
    addr: SocketAddr,
    i: usize,
    every: Duration,
    start: &Barrier,
    stop: &AtomicBool,
) -> LoadResult {
    let mut result = LoadResult::default();
    let (mut sender, mut recipient) = match open_pair(addr, "q", "p", i, start) {
        Ok(pair) => pair,
        Err(e) => {
            result.errors += 1;
            result.first_error = Some(format!("connect: {e}"));
            return result;
        }
    };
    let one = direct(&format!("q{i}"));
    // Spread the senders over the interval.
    let mut next = Instant::now() + every.mul_f64(i as f64 / 101.0);
    let outcome = (|| -> io::Result<()> {
        while !stop.load(Ordering::Acquire) {
            let now = Instant::now();
            if next > now {
                thread::sleep(next - now);
            }
            next += every;
            sender.send(&one)?;
            sender.expect_200()?;
            result.acks += 1;
            result.in_window += 1;
            recipient.expect_message()?;
        }
        Ok(())
    })();
    if let Err(e) = outcome {
        result.errors += 1;
        result.first_error = Some(format!("p{i}: {e}"));
    }
    result
}

struct LatencyResult {
    latencies: Vec<Duration>,
    acks: u64,
    errors: u64,
    first_error: Option<String>,
}

/// One sender, one message at a time: send, wait for the `200` (timed),
/// read it at the recipient, again, until `stop`.
fn spawn_latency(
    addr: SocketAddr,
    tag: &'static str,
    start: &Arc<Barrier>,
    stop: &Arc<AtomicBool>,
) -> thread::JoinHandle<LatencyResult> {
    let (start, stop) = (Arc::clone(start), Arc::clone(stop));
    thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut result = LatencyResult {
                latencies: Vec::with_capacity(64 * 1024),
                acks: 0,
                errors: 0,
                first_error: None,
            };
            let (to, from) = (format!("lat-{tag}-r"), format!("lat-{tag}-s"));
            let pair =
                Conn::connect(addr, &to).and_then(|r| Conn::connect(addr, &from).map(|s| (s, r)));
            start.wait();
            let (mut sender, mut recipient) = match pair {
                Ok(pair) => pair,
                Err(e) => {
                    result.errors += 1;
                    result.first_error = Some(format!("connect: {e}"));
                    return result;
                }
            };
            let one = direct(&to);
            let outcome = (|| -> io::Result<()> {
                while !stop.load(Ordering::Acquire) {
                    let t = Instant::now();
                    sender.send(&one)?;
                    sender.expect_200()?;
                    result.latencies.push(t.elapsed());
                    result.acks += 1;
                    recipient.expect_message()?;
                }
                Ok(())
            })();
            if let Err(e) = outcome {
                result.errors += 1;
                result.first_error = Some(format!("{from}: {e}"));
            }
            result
        })
        .expect("spawn the latency thread")
}

// ------------------------------------------------------------ the table

struct Percentiles {
    p50: Duration,
    p99: Duration,
    max: Duration,
    n: usize,
}

fn percentiles(samples: &[Duration]) -> Percentiles {
    let mut all = samples.to_vec();
    all.sort_unstable();
    let pct = |p: f64| -> Duration {
        if all.is_empty() {
            return Duration::ZERO;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i]
    };
    Percentiles {
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or_default(),
        n: all.len(),
    }
}

fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 1e6 {
        format!("{:.2} ms", us / 1e3)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-9)
}

/// Prints the table and the verdicts; `false` if a count does not match
/// or a client failed.
fn report(plan: &Plan, columns: &[Column]) -> bool {
    let idle: Vec<Percentiles> = columns.iter().map(|c| percentiles(&c.idle)).collect();
    let loaded: Vec<Percentiles> = columns.iter().map(|c| percentiles(&c.loaded)).collect();
    let row = |metric: &str, cells: Vec<String>| {
        println!("| {metric} | {} |", cells.join(" | "));
    };
    let lat = |p: &Percentiles| format!("{} / {} / {}", human(p.p50), human(p.p99), human(p.max));
    println!();
    println!("| metric | memory | sqlite (normal) | sqlite (full) |");
    println!("|---|---:|---:|---:|");
    row(
        &format!(
            "stored messages/s (acknowledged `200`s, {} pairs, window {WINDOW})",
            plan.pairs
        ),
        columns
            .iter()
            .map(|c| thousands(c.rate.round() as u64))
            .collect(),
    );
    row(
        "ack latency, idle server: p50 / p99 / max",
        idle.iter().map(lat).collect(),
    );
    row(
        "ack latency under the load: p50 / p99 / max",
        loaded.iter().map(lat).collect(),
    );
    let paced: Vec<Percentiles> = columns.iter().map(|c| percentiles(&c.paced)).collect();
    row(
        &format!(
            "ack latency at {} msg/s offered: p50 / p99 / max",
            thousands(PACED_RATE as u64)
        ),
        paced.iter().map(lat).collect(),
    );
    row(
        "paced load kept (msg/s)",
        columns
            .iter()
            .map(|c| thousands(c.paced_rate.round() as u64))
            .collect(),
    );
    let paced_base = paced[0].p99;
    row(
        "p99 at the paced load / memory's",
        paced
            .iter()
            .map(|p| format!("{:.2}×", ratio(p.p99, paced_base)))
            .collect(),
    );
    row(
        "latency samples (idle + under load)",
        idle.iter()
            .zip(&loaded)
            .map(|(i, l)| format!("{} + {}", thousands(i.n as u64), thousands(l.n as u64)))
            .collect(),
    );
    let base = loaded[0].p99;
    row(
        "p99 under load / memory's",
        loaded
            .iter()
            .map(|p| format!("{:.2}×", ratio(p.p99, base)))
            .collect(),
    );
    row(
        "CPU during the load: event loop / storage thread / whole process",
        columns
            .iter()
            .map(|c| {
                c.busy.map_or("?".to_owned(), |(l, s, all)| {
                    format!(
                        "{:.0} % / {:.0} % / {:.0} %",
                        l * 100.0,
                        s * 100.0,
                        all * 100.0
                    )
                })
            })
            .collect(),
    );
    row(
        "CPU per acknowledged message: event loop / storage thread",
        columns
            .iter()
            .map(|c| {
                c.busy.map_or("?".to_owned(), |(l, s, _)| {
                    let per = |share: f64| share / c.rate.max(f64::MIN_POSITIVE) * 1e6;
                    format!("{:.1} µs / {:.1} µs", per(l), per(s))
                })
            })
            .collect(),
    );
    row(
        "`200`s counted (all phases)",
        columns.iter().map(|c| thousands(c.acks)).collect(),
    );
    let mut ok = true;
    row(
        "messages in the SQLite file afterwards",
        columns
            .iter()
            .map(|c| match &c.stored {
                None => "n/a".to_owned(),
                Some(Ok(n)) if *n == c.acks => format!("{} (= `200`s)", thousands(*n)),
                Some(Ok(n)) => {
                    ok = false;
                    format!("{} (MISMATCH)", thousands(*n))
                }
                Some(Err(e)) => {
                    ok = false;
                    format!("cannot count: {e}")
                }
            })
            .collect(),
    );
    row(
        "client errors",
        columns.iter().map(|c| c.errors.to_string()).collect(),
    );
    for (c, name) in columns
        .iter()
        .zip(["memory", "sqlite (normal)", "sqlite (full)"])
    {
        if let Some(e) = &c.first_error {
            ok = false;
            println!("\n{name}: first error: {e}");
        }
    }
    println!();
    let normal = &columns[1];
    println!(
        "target ≥ 20,000 stored messages/s (sqlite normal): {} ({})",
        if normal.rate >= 20_000.0 {
            "met"
        } else {
            "MISSED"
        },
        thousands(normal.rate.round() as u64),
    );
    for (p, name) in paced[1..].iter().zip(["sqlite (normal)", "sqlite (full)"]) {
        let r = ratio(p.p99, paced_base);
        println!(
            "target p99 at {} msg/s within 2× of memory's, {name}: {} ({r:.2}×)",
            thousands(PACED_RATE as u64),
            if r <= 2.0 { "met" } else { "MISSED" },
        );
    }
    for (p, name) in loaded[1..].iter().zip(["sqlite (normal)", "sqlite (full)"]) {
        let r = ratio(p.p99, base);
        println!("(saturated: p99 {name} / memory's = {r:.2}×, each at its own maximum rate)");
    }
    ok
}

// ------------------------------------------------------------ temp dir

/// A directory under the system's temporary directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> io::Result<TempDir> {
        let path =
            std::env::temp_dir().join(format!("jim-storebench-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

//! jim's server under hostile load: each attack runs against a fresh
//! server (a child process: this binary re-executed) while a well-behaved
//! client from another loopback address sends a presence every 100 ms and
//! times the `200`. Sampled during each attack: the server's RSS
//! (/proc/PID/status), the kernel's TCP socket memory (/proc/net/sockstat,
//! both ends of every loopback connection), the server's log volume (its
//! env_logger output at `info` on stderr, counted here).
//!
//! `cargo bench -p jim-std --bench hostile`; `JIM_BENCH_SECONDS` sets each
//! attack's length (default 3; the timeout attacks last at least their
//! lowered limit + 7 s, or until every client is cut). `JIM_BENCH_QUICK=1`
//! divides the attackers by 10; `JIM_BENCH_ONLY=TEXT` runs only the
//! attacks whose name contains TEXT (e.g. `pipelining`). The server is pinned to CPU 0, the
//! attackers and the good client to CPU 1 (`JIM_BENCH_PIN=0`: no pinning;
//! `JIM_BENCH_GOOD_CPU=0`: the good client on the server's CPU), the good
//! client at SCHED_FIFO priority where allowed.
//!
//! Lowered limits, so that a run takes seconds: the message deadline is
//! 2 s in the trickle attack (default 10 s; its clients send a byte every
//! 0.5 s instead of every 5 s), the idle timeout 2 s in the silent attack
//! (default 60 s). Everything else is `ServerConfig::default()`: rate limit
//! on, 256 per address, 10,000 connections, 128 KiB queue.
//!
//! The standard: the good client's p99 < 10 ms and max < 50 ms, memory
//! bounded, no crash, `500` + FIN (not a reset) for those turned away.

mod common;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use mio::{Events, Interest, Poll, Token};

/// The good client's address; attackers use others.
const GOOD_FROM: u8 = 2;
/// The `{}` → 400 probe's address (not one an attack fills).
const PROBE_FROM: u8 = 5;
/// Attackers' SO_SNDBUF / SO_RCVBUF (see `connect_with`).
const ATTACKER_BUFFER: usize = 64 * 1024;

// ------------------------------------------------------------ good client

#[derive(Default)]
struct GoodStats {
    rtts: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
    realtime: bool,
}

/// Every 100 ms: a presence on its connection, timed until the `200`.
/// Reconnects (counted as an error) if the connection fails.
fn good_client(addr: SocketAddr, stop: Arc<AtomicBool>) -> GoodStats {
    probe_client(addr, stop, &presence("good"), 200)
}

/// Like [`good_client`] with another request and the code it expects.
fn probe_client(addr: SocketAddr, stop: Arc<AtomicBool>, req: &[u8], want: u16) -> GoodStats {
    if std::env::var("JIM_BENCH_GOOD_CPU").is_ok_and(|v| v == "0") {
        pin_to_cpu(0, 0);
    }
    let mut st = GoodStats {
        realtime: realtime_thread(),
        ..GoodStats::default()
    };
    let mut conn: Option<(TcpStream, Vec<u8>)> = None;
    let mut next = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let now = Instant::now();
        if now < next {
            thread::sleep(next - now);
            continue;
        }
        next += Duration::from_millis(100);
        if conn.is_none() {
            match connect_from(loopback(GOOD_FROM), addr) {
                Ok(s) => conn = Some((s, Vec::new())),
                Err(e) => {
                    st.errors += 1;
                    st.first_error.get_or_insert(format!("connect: {e}"));
                    continue;
                }
            }
        }
        let (s, pending) = conn.as_mut().expect("connected");
        let t = Instant::now();
        match request(s, pending, req) {
            Ok(code) if code == want => st.rtts.push(t.elapsed()),
            Ok(code) => {
                st.errors += 1;
                st.first_error.get_or_insert(format!("answered {code}"));
            }
            Err(e) => {
                st.errors += 1;
                st.first_error.get_or_insert(format!("{e}"));
                conn = None;
            }
        }
    }
    st.rtts.sort_unstable();
    st
}

// ------------------------------------------------------------ sampler

#[derive(Default, Clone, Copy)]
struct Samples {
    rss_start: u64,
    rss_peak: u64,
    rss_end: u64,
    mem_start: u64,
    mem_peak: u64,
}

fn sampler(pid: u32, stop: Arc<AtomicBool>) -> Samples {
    let rss = || proc_kib(pid, "VmRSS").unwrap_or(0);
    let mut s = Samples {
        rss_start: rss(),
        mem_start: tcp_sockstat().0,
        ..Samples::default()
    };
    while !stop.load(Ordering::Relaxed) {
        s.rss_peak = s.rss_peak.max(rss());
        s.mem_peak = s.mem_peak.max(tcp_sockstat().0);
        thread::sleep(Duration::from_millis(50));
    }
    s.rss_end = rss();
    s.rss_peak = s.rss_peak.max(s.rss_end);
    s
}

// ------------------------------------------------------------ watching many sockets

/// How a watched connection ended.
#[derive(Clone, Copy, Default)]
struct Ending {
    /// Bytes the server sent on it.
    got: u64,
    /// Its first bytes were a `500` answer.
    got_500: bool,
    /// When it ended: FIN (read 0) or reset.
    fin: Option<Instant>,
    reset: Option<Instant>,
}

/// Watches `socks` (made non-blocking) until `until` or all have ended;
/// calls `tick` every `every` with the sockets still open.
fn watch(
    socks: &mut [TcpStream],
    until: Instant,
    every: Duration,
    mut tick: impl FnMut(&mut [TcpStream], &[Ending]),
) -> Vec<Ending> {
    let mut poll = Poll::new().expect("poll");
    let mut endings = vec![Ending::default(); socks.len()];
    let mut firsts: Vec<Vec<u8>> = vec![Vec::new(); socks.len()];
    // mio's own handles on the same sockets (duplicated descriptors).
    let mut watched: Vec<Option<mio::net::TcpStream>> = socks
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let _ = s.set_nonblocking(true);
            let mut m = mio::net::TcpStream::from_std(s.try_clone().ok()?);
            poll.registry()
                .register(&mut m, Token(i), Interest::READABLE)
                .ok()?;
            Some(m)
        })
        .collect();
    let mut events = Events::with_capacity(4096);
    let mut open = socks.len();
    let mut next_tick = Instant::now();
    let mut chunk = [0u8; 16 * 1024];
    while Instant::now() < until && open > 0 {
        if Instant::now() >= next_tick {
            tick(socks, &endings);
            next_tick += every;
        }
        let _ = poll.poll(&mut events, Some(Duration::from_millis(10)));
        let now = Instant::now();
        for ev in events.iter() {
            let i = ev.token().0;
            let e = &mut endings[i];
            if e.fin.is_some() || e.reset.is_some() {
                continue;
            }
            loop {
                match socks[i].read(&mut chunk) {
                    Ok(0) => {
                        e.fin = Some(now);
                        break;
                    }
                    Ok(n) => {
                        e.got += n as u64;
                        if firsts[i].len() < 16 {
                            firsts[i].extend_from_slice(&chunk[..n.min(16)]);
                            e.got_500 = firsts[i].starts_with(b"{\"response\":500");
                        }
                    }
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                    Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => {
                        e.reset = Some(now);
                        break;
                    }
                }
            }
            if e.fin.is_some() || e.reset.is_some() {
                open -= 1;
                if let Some(mut m) = watched[i].take() {
                    let _ = poll.registry().deregister(&mut m);
                }
            }
        }
    }
    endings
}

fn summarize_endings(endings: &[Ending], since: Instant) -> String {
    let fin = endings.iter().filter(|e| e.fin.is_some()).count();
    let reset = endings.iter().filter(|e| e.reset.is_some()).count();
    let open = endings.len() - fin - reset;
    let mut times: Vec<Duration> = endings
        .iter()
        .filter_map(|e| e.fin.or(e.reset))
        .map(|t| t.saturating_duration_since(since))
        .collect();
    times.sort_unstable();
    let span = if times.is_empty() {
        String::new()
    } else {
        format!(
            ", cut {}–{} after their first byte",
            fmt_d(times[0]),
            fmt_d(times[times.len() - 1])
        )
    };
    format!(
        "{} closed with FIN, {} reset, {} still open{span}",
        thousands(fin as u64),
        thousands(reset as u64),
        thousands(open as u64)
    )
}

/// Connects `n` clients spread over 127.0.0.`base`… (at most `per` each).
fn connect_many(addr: SocketAddr, n: usize, base: u8, per: usize) -> (Vec<TcpStream>, u64) {
    let mut v = Vec::with_capacity(n);
    let mut failed = 0;
    for i in 0..n {
        match connect_with(loopback(base + (i / per) as u8), addr, ATTACKER_BUFFER) {
            Ok(s) => v.push(s),
            Err(_) => failed += 1,
        }
    }
    (v, failed)
}

// ------------------------------------------------------------ attacks

struct Ctx {
    addr: SocketAddr,
    secs: Duration,
    scale: usize,
}

/// A non-blocking writer loop on one connection until `stop`: writes
/// `next()` chunks, reads and drops whatever comes back; reconnects when
/// the server closes it. Returns (bytes sent, reconnects).
fn flood(
    addr: SocketAddr,
    from: u8,
    stop: &AtomicBool,
    mut next: impl FnMut() -> Vec<u8>,
) -> (u64, u64) {
    let mut sent = 0u64;
    let mut closed = 0u64;
    let mut sink = [0u8; 16 * 1024];
    'outer: while !stop.load(Ordering::Relaxed) {
        let Ok(mut s) = connect_with(loopback(from), addr, ATTACKER_BUFFER) else {
            thread::sleep(Duration::from_millis(20));
            continue;
        };
        let _ = s.set_nonblocking(true);
        loop {
            let chunk = next();
            let mut off = 0;
            while off < chunk.len() {
                if stop.load(Ordering::Relaxed) {
                    break 'outer;
                }
                match s.write(&chunk[off..]) {
                    Ok(n) => {
                        off += n;
                        sent += n as u64;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(1));
                    }
                    Err(_) => {
                        closed += 1;
                        continue 'outer;
                    }
                }
                loop {
                    match s.read(&mut sink) {
                        Ok(0) => {
                            closed += 1;
                            continue 'outer;
                        }
                        Ok(_) => {}
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(_) => {
                            closed += 1;
                            continue 'outer;
                        }
                    }
                }
            }
        }
    }
    (sent, closed)
}

fn flooders(
    ctx: &Ctx,
    n: usize,
    make: impl Fn(usize) -> Box<dyn FnMut() -> Vec<u8> + Send> + Sync,
) -> String {
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let addr = ctx.addr;
    thread::scope(|sc| {
        for i in 0..n {
            let (stop, sent, closed) = (stop.clone(), sent.clone(), closed.clone());
            let next = make(i);
            sc.spawn(move || {
                let (s, c) = flood(addr, 10 + (i % 20) as u8, &stop, next);
                sent.fetch_add(s, Ordering::Relaxed);
                closed.fetch_add(c, Ordering::Relaxed);
            });
        }
        thread::sleep(ctx.secs);
        stop.store(true, Ordering::Relaxed);
    });
    format!(
        "{n} attackers sent {:.1} MB; the server closed {} of their connections (they reconnected)",
        sent.load(Ordering::Relaxed) as f64 / 1e6,
        thousands(closed.load(Ordering::Relaxed))
    )
}

fn garbage(ctx: &Ctx) -> String {
    flooders(ctx, 100 / ctx.scale, |i| {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (i as u64 + 1);
        let mut k = i;
        Box::new(move || {
            k += 1;
            match k % 4 {
                0 => (0..4096)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed as u8
                    })
                    .collect(),
                1 => {
                    let mut v = b"{\"action\":\"msg\",\"to\":\"#x\",\"message\":\"".to_vec();
                    v.extend(std::iter::repeat_n(b'a', 4000));
                    v
                }
                2 => vec![b'['; 4096],
                _ => {
                    let mut v = b"{\"x\":\"".to_vec();
                    v.extend(std::iter::repeat_n(b'a', 1 << 20));
                    v.extend_from_slice(b"\"}\n");
                    v
                }
            }
        })
    })
}

fn empty_objects(ctx: &Ctx) -> String {
    flooders(ctx, 100 / ctx.scale, |_| {
        Box::new(|| b"{}".repeat(32 * 1024))
    })
}

fn pipeliners(ctx: &Ctx) -> String {
    let n = 1000 / ctx.scale;
    let (mut socks, failed) = connect_many(ctx.addr, n, 10, 200);
    let batches: Vec<Vec<u8>> = (0..socks.len())
        .map(|i| presence(&format!("p{i}")).repeat(32))
        .collect();
    let until = Instant::now() + ctx.secs;
    let mut sent = 0u64;
    let mut write_errors = 0usize;
    let mut dead = vec![false; socks.len()];
    for s in &socks {
        let _ = s.set_nonblocking(true);
    }
    // Never read: write until the kernel's buffers are full, again and again.
    while Instant::now() < until {
        for (i, s) in socks.iter_mut().enumerate() {
            if dead[i] {
                continue;
            }
            match s.write(&batches[i]) {
                Ok(n) => sent += n as u64,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(_) => {
                    dead[i] = true;
                    write_errors += 1;
                }
            }
        }
        thread::sleep(Duration::from_millis(5));
    }
    // Then see who the server has closed (reading now, for the count only).
    let endings = watch(
        &mut socks,
        Instant::now() + Duration::from_millis(500),
        Duration::from_secs(60),
        |_, _| {},
    );
    let closed = endings
        .iter()
        .zip(&dead)
        .filter(|(e, &d)| d || e.fin.is_some() || e.reset.is_some())
        .count();
    format!(
        "{} connected ({failed} failed), sent {:.1} MB of presences; {} of them closed by the server ({write_errors} noticed while writing)",
        thousands(socks.len() as u64),
        sent as f64 / 1e6,
        thousands(closed as u64)
    )
}

fn trickle(ctx: &Ctx, deadline: Duration) -> String {
    let n = 5000 / ctx.scale;
    let (mut socks, failed) = connect_many(ctx.addr, n, 10, 200);
    let text = presence("trickler");
    let started = Instant::now();
    let mut k = 0usize;
    // Long enough to see every one cut, not only the first (at most 7 s
    // beyond the deadline; it ends when all are gone).
    let until = started + ctx.secs.max(deadline + Duration::from_secs(7));
    let endings = watch(
        &mut socks,
        until,
        Duration::from_millis(500),
        |socks, endings| {
            let b = [text[k % text.len()]];
            k += 1;
            for (s, e) in socks.iter_mut().zip(endings) {
                if e.fin.is_none() && e.reset.is_none() {
                    let _ = s.write(&b);
                }
            }
        },
    );
    format!(
        "{} connected ({failed} failed), a byte every 0.5 s each; {} (deadline {})",
        thousands(socks.len() as u64),
        summarize_endings(&endings, started),
        fmt_d(deadline)
    )
}

fn silent(ctx: &Ctx, idle: Duration) -> String {
    let n = 5000 / ctx.scale;
    let t = Instant::now();
    let (mut socks, failed) = connect_many(ctx.addr, n, 10, 200);
    let connected_in = t.elapsed();
    let until = t + ctx.secs.max(idle + Duration::from_secs(7));
    let endings = watch(&mut socks, until, Duration::from_secs(60), |_, _| {});
    format!(
        "{} connected in {} ({failed} failed); {} (idle timeout {}, times from the first connect)",
        thousands(socks.len() as u64),
        fmt_d(connected_in),
        summarize_endings(&endings, t),
        fmt_d(idle)
    )
}

fn one_address(ctx: &Ctx) -> String {
    let n = 10_000 / ctx.scale;
    let t = Instant::now();
    let mut socks = Vec::with_capacity(n);
    let mut failed = 0;
    for _ in 0..n {
        match connect_with(loopback(3), ctx.addr, ATTACKER_BUFFER) {
            Ok(s) => socks.push(s),
            Err(_) => failed += 1,
        }
    }
    let took = t.elapsed();
    // A newcomer from another address, while the attackers hold their slots.
    let t = Instant::now();
    let fresh = connect_from(loopback(GOOD_FROM + 2), ctx.addr)
        .and_then(|mut s| request(&mut s, &mut Vec::new(), &presence("newcomer")));
    let fresh = match fresh {
        Ok(code) => format!("{code} in {}", fmt_d(t.elapsed())),
        Err(e) => format!("FAILED: {e}"),
    };
    let endings = watch(
        &mut socks,
        Instant::now()
            + ctx
                .secs
                .saturating_sub(took)
                .max(Duration::from_millis(500)),
        Duration::from_secs(60),
        |_, _| {},
    );
    let turned = endings.iter().filter(|e| e.got_500).count();
    let fin = endings.iter().filter(|e| e.fin.is_some()).count();
    let reset = endings.iter().filter(|e| e.reset.is_some()).count();
    let open = endings.len() - fin - reset;
    format!(
        "{} connects from 127.0.0.3 in {} ({failed} failed): {} held, {} answered 500 ({} FIN, {} reset); a fresh client from 127.0.0.4: {fresh}",
        thousands(n as u64),
        fmt_d(took),
        thousands(open as u64),
        thousands(turned as u64),
        thousands(fin as u64),
        thousands(reset as u64),
    )
}

fn turned_away(ctx: &Ctx, max_connections: usize) -> String {
    // The good client holds one slot; silent fillers take the rest.
    thread::sleep(Duration::from_millis(300));
    let (_fillers, _) = connect_many(ctx.addr, max_connections - 1, 5, 200);
    thread::sleep(Duration::from_millis(200));
    let threads = 100 / ctx.scale;
    let each = 10;
    #[derive(Default)]
    struct Tally {
        clean: u64,
        got_then_reset: u64,
        reset_only: u64,
        other: u64,
        example: Option<String>,
    }
    let tally = Mutex::new(Tally::default());
    let until = Instant::now() + ctx.secs;
    thread::scope(|sc| {
        for t in 0..threads {
            let tally = &tally;
            let addr = ctx.addr;
            sc.spawn(move || {
                for k in 0..each {
                    if Instant::now() > until {
                        break;
                    }
                    let Ok(mut s) =
                        connect_with(loopback(30 + (t % 20) as u8), addr, ATTACKER_BUFFER)
                    else {
                        tally.lock().unwrap().other += 1;
                        continue;
                    };
                    // The request goes out before anything is read.
                    let _ = s.write_all(&presence(&format!("late{t}_{k}")));
                    let mut got = Vec::new();
                    let mut chunk = [0u8; 512];
                    let end = loop {
                        match s.read(&mut chunk) {
                            Ok(0) => break Ok(()),
                            Ok(n) => got.extend_from_slice(&chunk[..n]),
                            Err(e) => break Err(e),
                        }
                    };
                    let has_500 = got.starts_with(b"{\"response\":500");
                    let mut t = tally.lock().unwrap();
                    match (has_500, end) {
                        (true, Ok(())) => t.clean += 1,
                        (true, Err(e)) if e.kind() == io::ErrorKind::ConnectionReset => {
                            t.got_then_reset += 1
                        }
                        (false, Err(e)) if e.kind() == io::ErrorKind::ConnectionReset => {
                            t.reset_only += 1
                        }
                        (_, end) => {
                            t.other += 1;
                            t.example.get_or_insert(format!(
                                "{:?} then {end:?}",
                                String::from_utf8_lossy(&got)
                            ));
                        }
                    }
                }
            });
        }
    });
    let t = tally.into_inner().unwrap();
    format!(
        "server full ({max_connections}); {} late clients sent a presence at once: {} got 500 + FIN, {} got 500 then a reset, {} a reset without the 500, {} other{}",
        thousands(t.clean + t.got_then_reset + t.reset_only + t.other),
        thousands(t.clean),
        thousands(t.got_then_reset),
        thousands(t.reset_only),
        thousands(t.other),
        t.example.map_or(String::new(), |e| format!(" (e.g. {e})"))
    )
}

// ------------------------------------------------------------ main

struct Row {
    name: String,
    good: GoodStats,
    control: GoodStats,
    bad: GoodStats,
    samples: Samples,
    log_rate: f64,
    log_lines: u64,
    outcome: String,
    crashed: bool,
}

fn run_attack(
    name: &str,
    opts: JimOptions,
    ctx_of: impl FnOnce(SocketAddr) -> Ctx,
    attack: impl FnOnce(&Ctx) -> String,
) -> Option<Row> {
    if std::env::var("JIM_BENCH_ONLY").is_ok_and(|only| !name.contains(&only)) {
        return None;
    }
    eprintln!("attack: {name} …");
    // Let the sockets of the previous attack go.
    thread::sleep(Duration::from_millis(700));
    let mut jim = JimChild::start(&JimOptions { log: true, ..opts });
    let ctx = ctx_of(jim.addr);
    thread::sleep(Duration::from_millis(200));
    let stop = Arc::new(AtomicBool::new(false));
    let (log0, lines0) = (
        jim.log_bytes.load(Ordering::Relaxed),
        jim.log_lines.load(Ordering::Relaxed),
    );
    let t0 = Instant::now();
    let pid = jim.pid();
    let cpu0 = proc_cpu(pid).unwrap_or_default();
    let addr = jim.addr;
    let good = {
        let stop = stop.clone();
        thread::spawn(move || good_client(addr, stop))
    };
    let control = {
        let stop = stop.clone();
        let echo = jim.echo_addr;
        thread::spawn(move || good_client(echo, stop))
    };
    // A second client of jim's whose request the hub answers at once,
    // without the storage thread: `{}` → 400.
    let bad = {
        let stop = stop.clone();
        thread::spawn(move || {
            let s = connect_from(loopback(PROBE_FROM), addr)
                .and_then(|mut s| request(&mut s, &mut Vec::new(), &presence("good2")).map(|_| s));
            drop(s);
            probe_client(addr, stop, b"{}\n", 400)
        })
    };
    let sampler = {
        let stop = stop.clone();
        thread::spawn(move || sampler(pid, stop))
    };
    thread::sleep(Duration::from_millis(300));
    let outcome = attack(&ctx);
    stop.store(true, Ordering::Relaxed);
    let good = good.join().expect("good client");
    let control = control.join().expect("control client");
    let bad = bad.join().expect("400 client");
    let samples = sampler.join().expect("sampler");
    let secs = t0.elapsed().as_secs_f64();
    let cpu = proc_cpu(pid).unwrap_or_default().saturating_sub(cpu0);
    let cpu_pct = 100.0 * cpu.as_secs_f64() / secs;
    let log_bytes = jim.log_bytes.load(Ordering::Relaxed) - log0;
    let log_lines = jim.log_lines.load(Ordering::Relaxed) - lines0;
    let crashed = !jim.alive();
    if crashed {
        eprintln!("server died; its last log lines:");
        for l in jim.log_tail.lock().unwrap().iter() {
            eprintln!("  {l}");
        }
    }
    let row = Row {
        name: name.to_owned(),
        good,
        control,
        bad,
        samples,
        log_rate: log_bytes as f64 / secs,
        log_lines,
        outcome: format!("server CPU {cpu_pct:.0} %; {outcome}"),
        crashed,
    };
    eprintln!("  {}", row.line());
    Some(row)
}

impl Row {
    fn line(&self) -> String {
        let g = &self.good;
        let p99 = pct(&g.rtts, 0.99);
        let max = g.rtts.last().copied().unwrap_or_default();
        let fails = p99 >= Duration::from_millis(10)
            || max >= Duration::from_millis(50)
            || g.errors > 0
            || g.rtts.is_empty()
            || self.crashed;
        let good = format!(
            "{} / {} / {}{}{}",
            fmt_d(pct(&g.rtts, 0.5)),
            fmt_d(p99),
            fmt_d(max),
            if g.errors > 0 {
                format!(
                    " ({} errors: {})",
                    g.errors,
                    g.first_error.as_deref().unwrap_or("?")
                )
            } else {
                String::new()
            },
            if fails { " **FAIL**" } else { "" }
        );
        let c = &self.control;
        let control = format!(
            "{} / {} / {}",
            fmt_d(pct(&c.rtts, 0.5)),
            fmt_d(pct(&c.rtts, 0.99)),
            fmt_d(c.rtts.last().copied().unwrap_or_default()),
        );
        let b = &self.bad;
        let bad = format!(
            "{} / {} / {}",
            fmt_d(pct(&b.rtts, 0.5)),
            fmt_d(pct(&b.rtts, 0.99)),
            fmt_d(b.rtts.last().copied().unwrap_or_default()),
        );
        let s = &self.samples;
        format!(
            "| {} | {good} | {bad} | {control} | {} → peak {} → {} | {} → peak {} pages (peak {}) | {} B/s ({} lines) | {}{} |",
            self.name,
            fmt_kib(s.rss_start),
            fmt_kib(s.rss_peak),
            fmt_kib(s.rss_end),
            thousands(s.mem_start),
            thousands(s.mem_peak),
            fmt_kib(s.mem_peak * page_size() / 1024),
            thousands(self.log_rate as u64),
            thousands(self.log_lines),
            self.outcome,
            if self.crashed { "; **the server died**" } else { "" }
        )
    }
}

fn main() {
    if child_main() {
        return;
    }
    let limit = raise_nofile_limit(65_536);
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    let pinned = pinning() && pin_to_cpu(0, 1);
    let secs = bench_seconds(3.0);
    let scale = if quick() { 10 } else { 1 };
    println!(
        "jim-std hostile-load benchmark ({}; {:.1} s per attack; RLIMIT_NOFILE {limit}; {} CPUs)",
        if scale > 1 {
            "quick: attackers ÷ 10"
        } else {
            "full"
        },
        secs.as_secs_f64(),
        cpus,
    );
    let ctx = |addr| Ctx { addr, secs, scale };
    let default = JimOptions::default();
    let deadline = Duration::from_secs(2);
    let idle = Duration::from_secs(2);
    let rows = vec![
        run_attack(
            &format!("{} connections flooding garbage (random bytes, unclosed strings, `[[[[…`, 1 MB objects)", 100 / scale),
            default.clone(),
            ctx,
            garbage,
        ),
        run_attack(
            &format!("{} connections sending endless `{{}}`", 100 / scale),
            default.clone(),
            ctx,
            empty_objects,
        ),
        run_attack(
            &format!("{} clients pipelining presences, never reading", thousands(1000 / scale as u64)),
            default.clone(),
            ctx,
            pipeliners,
        ),
        run_attack(
            &format!("{} clients trickling a byte every 0.5 s (message deadline lowered to 2 s)", thousands(5000 / scale as u64)),
            JimOptions {
                message_deadline: deadline,
                ..default.clone()
            },
            ctx,
            |c| trickle(c, deadline),
        ),
        run_attack(
            &format!("{} silent clients cut at once (idle timeout lowered to 2 s)", thousands(5000 / scale as u64)),
            JimOptions {
                idle_timeout: idle,
                ..default.clone()
            },
            ctx,
            |c| silent(c, idle),
        ),
        run_attack(
            &format!("{} attackers from one address (limit 256 per address)", thousands(10_000 / scale as u64)),
            default.clone(),
            ctx,
            one_address,
        ),
        run_attack(
            "turned away with `500` while their request is unread",
            JimOptions {
                max_connections: 100,
                ..default.clone()
            },
            ctx,
            |c| turned_away(c, 100),
        ),
    ];
    let rows: Vec<Row> = rows.into_iter().flatten().collect();
    let rt = rows.iter().all(|r| r.good.realtime);
    println!(
        "server pinned to CPU 0, attackers and good client to CPU 1: {}; good client at SCHED_FIFO priority: {}",
        if pinned { "yes" } else { "no" },
        if rt { "yes" } else { "no" }
    );
    println!();
    println!("| attack | good client p50 / p99 / max | `{{}}` → 400, p50 / p99 / max | control: echo thread in the server's process | server RSS | kernel TCP mem | log bytes/s | outcome |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!("{}", r.line());
    }
}

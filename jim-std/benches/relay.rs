//! Fan-out of jim's server against mosquitto (the MQTT broker Debian
//! ships) doing the same work on loopback, in one run, side by side.
//!
//! `cargo bench -p jim-std --bench relay` (about 30 s). `JIM_BENCH_SECONDS`
//! sets each load window (default 2), `JIM_BENCH_QUICK=1` shrinks every
//! scenario (10 members, 20 pairs, 500 idle clients) for a smoke run,
//! `JIM_BENCH_PIN=0` turns off pinning each server to CPU 0 and the load
//! generator to CPU 1.
//!
//! Scenarios, each on jim and on mosquitto:
//! - a room of 1 sender + 100 members and of 1 sender + 1000 members: jim's
//!   members `join` `#bench` and the sender sends `msg`s to it; mosquitto's
//!   subscribe to one topic and the sender publishes QoS 0 to it;
//! - 1000 pairs: jim's senders `msg` their own recipient; mosquitto's
//!   publish to a topic per recipient;
//! - 19,990 idle clients connected (after their presence / CONNECT):
//!   the server's RSS and the kernel's TCP socket memory per client.
//!
//! The load is closed-loop and the same for both servers: a room's sender
//! keeps at most [`ROOM_WINDOW`] messages not yet delivered to every
//! member, a pair's sender at most [`PAIR_WINDOW`] not yet delivered to its
//! recipient. Every payload carries the send time; latency is send →
//! read by the recipient. One thread (mio) runs every client socket, so
//! on 2 cores the load generator and the server share the machine: the
//! figures compare the two servers under the same generator, they are not
//! either's ceiling. jim runs in a child process (this binary re-executed)
//! with the rate limit off and the per-address and connection limits
//! raised; mosquitto with a generated config on 127.0.0.1 and a free port.

mod common;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use mio::{Events, Interest, Poll, Token};

const ROOM_WINDOW: u64 = 4;
const PAIR_WINDOW: u64 = 4;
const IDLE_CLIENTS: usize = 19_990;
/// Source addresses the idle clients are spread over (127.0.0.2 …).
const SOURCE_ADDRESSES: u8 = 10;
const MARK: &[u8] = b"@ts=";

fn epoch() -> Instant {
    static E: OnceLock<Instant> = OnceLock::new();
    *E.get_or_init(Instant::now)
}

fn now_ns() -> u64 {
    epoch().elapsed().as_nanos() as u64
}

/// A 64-byte text carrying the send time.
fn payload() -> String {
    let mut s = format!("@ts={};", now_ns());
    while s.len() < 64 {
        s.push('x');
    }
    s
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Proto {
    Jim,
    Mqtt,
}

// ------------------------------------------------------------ MQTT 3.1.1

mod mqtt {
    use std::io::{self, Read, Write};
    use std::net::TcpStream;

    fn remaining_length(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let mut b = (n % 128) as u8;
            n /= 128;
            if n > 0 {
                b |= 0x80;
            }
            out.push(b);
            if n == 0 {
                break;
            }
        }
    }

    fn str16(s: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(&(s.len() as u16).to_be_bytes());
        out.extend_from_slice(s);
    }

    fn packet(first: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![first];
        remaining_length(body.len(), &mut out);
        out.extend_from_slice(body);
        out
    }

    /// CONNECT, clean session, keep-alive off.
    pub fn connect_packet(client_id: &str) -> Vec<u8> {
        let mut body = Vec::new();
        str16(b"MQTT", &mut body);
        body.push(4); // protocol level 3.1.1
        body.push(0x02); // clean session
        body.extend_from_slice(&0u16.to_be_bytes()); // keep-alive: none
        str16(client_id.as_bytes(), &mut body);
        packet(0x10, &body)
    }

    pub fn subscribe_packet(topic: &str) -> Vec<u8> {
        let mut body = 1u16.to_be_bytes().to_vec();
        str16(topic.as_bytes(), &mut body);
        body.push(0); // QoS 0
        packet(0x82, &body)
    }

    pub fn publish_packet(topic: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        str16(topic.as_bytes(), &mut body);
        body.extend_from_slice(payload);
        packet(0x30, &body)
    }

    pub const PINGREQ: [u8; 2] = [0xc0, 0];

    /// The length of the first whole packet in `buf`, if there is one.
    pub fn frame_len(buf: &[u8]) -> Option<usize> {
        let mut len = 0usize;
        let mut mult = 1usize;
        for i in 1..5 {
            let b = *buf.get(i)?;
            len += (b & 0x7f) as usize * mult;
            mult *= 128;
            if b & 0x80 == 0 {
                let total = 1 + i + len;
                return (buf.len() >= total).then_some(total);
            }
        }
        None
    }

    /// Reads one whole packet (blocking, under the socket's timeout).
    pub fn read_packet(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        loop {
            if let Some(n) = frame_len(&buf) {
                buf.truncate(n);
                return Ok(buf);
            }
            if buf.len() > 5 && frame_len(&buf).is_none() && buf[1..5].iter().all(|b| b & 0x80 != 0)
            {
                return Err(io::Error::other("bad MQTT length"));
            }
            if buf.len() >= 2 {
                // Read the rest of the packet in one go once its length is known.
                let mut chunk = [0u8; 512];
                let n = stream.read(&mut chunk)?;
                if n == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
                }
                buf.extend_from_slice(&chunk[..n]);
                continue;
            }
            if stream.read(&mut byte)? == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
            }
            buf.push(byte[0]);
        }
    }

    /// CONNECT → CONNACK accepted.
    pub fn connect(stream: &mut TcpStream, client_id: &str) -> io::Result<()> {
        stream.write_all(&connect_packet(client_id))?;
        let p = read_packet(stream)?;
        if p.len() == 4 && p[0] == 0x20 && p[3] == 0 {
            Ok(())
        } else {
            Err(io::Error::other(format!("CONNACK expected, got {p:?}")))
        }
    }

    /// SUBSCRIBE → SUBACK granted QoS 0.
    pub fn subscribe(stream: &mut TcpStream, topic: &str) -> io::Result<()> {
        stream.write_all(&subscribe_packet(topic))?;
        let p = read_packet(stream)?;
        if p.first() == Some(&0x90) && p.last() == Some(&0) {
            Ok(())
        } else {
            Err(io::Error::other(format!("SUBACK expected, got {p:?}")))
        }
    }

    /// PINGREQ → PINGRESP.
    pub fn ping(stream: &mut TcpStream) -> io::Result<()> {
        stream.write_all(&PINGREQ)?;
        let p = read_packet(stream)?;
        if p == [0xd0, 0] {
            Ok(())
        } else {
            Err(io::Error::other(format!("PINGRESP expected, got {p:?}")))
        }
    }
}

// ------------------------------------------------------------ mosquitto

/// mosquitto on 127.0.0.1 with a generated config; killed on drop.
struct Mosquitto {
    child: Child,
    dir: PathBuf,
    addr: SocketAddr,
}

fn mosquitto_binary() -> Option<PathBuf> {
    let find = || {
        [
            "/usr/sbin/mosquitto",
            "/usr/bin/mosquitto",
            "/usr/local/sbin/mosquitto",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .or_else(|| {
            let out = Command::new("sh")
                .args(["-c", "command -v mosquitto"])
                .output()
                .ok()?;
            let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            (!p.is_empty()).then(|| PathBuf::from(p))
        })
    };
    if let Some(p) = find() {
        return Some(p);
    }
    eprintln!("mosquitto not found: trying `apt-get install -y mosquitto`");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        Command::new("apt-get")
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "apt-get"]);
        c
    };
    let ok = cmd
        .args(["install", "-y", "mosquitto"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("could not install mosquitto");
    }
    find()
}

impl Mosquitto {
    fn start(bin: &PathBuf) -> io::Result<Mosquitto> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let dir =
            std::env::temp_dir().join(format!("jim-relay-bench-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let conf = dir.join("mosquitto.conf");
        std::fs::write(
            &conf,
            format!(
                "listener {port} 127.0.0.1\nallow_anonymous true\nmax_connections -1\npersistence false\nlog_dest none\n"
            ),
        )?;
        let child = Command::new(bin)
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        if pinning() {
            pin_to_cpu(child.id() as i32, 0);
        }
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut m = Mosquitto { child, dir, addr };
        let up = wait_until(Duration::from_secs(5), || {
            TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
        });
        if !up || !matches!(m.child.try_wait(), Ok(None)) {
            return Err(io::Error::other("mosquitto did not start"));
        }
        Ok(m)
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Mosquitto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ------------------------------------------------------------ clients

/// A client logged in (jim: presence → 200; MQTT: CONNECT → CONNACK).
fn login(proto: Proto, addr: SocketAddr, from: u8, name: &str) -> io::Result<TcpStream> {
    let mut s = connect_from(loopback(from), addr)?;
    match proto {
        Proto::Jim => {
            let code = request(&mut s, &mut Vec::new(), &presence(name))?;
            if code != 200 {
                return Err(io::Error::other(format!("presence answered {code}")));
            }
        }
        Proto::Mqtt => mqtt::connect(&mut s, name)?,
    }
    Ok(s)
}

/// A member of `room` (jim: join; MQTT: subscribe to it as a topic).
fn listen(proto: Proto, s: &mut TcpStream, room: &str) -> io::Result<()> {
    match proto {
        Proto::Jim => {
            let join = format!("{{\"action\":\"join\",\"time\":1700000000,\"room\":\"{room}\"}}\n");
            let code = request(s, &mut Vec::new(), join.as_bytes())?;
            if code != 200 {
                return Err(io::Error::other(format!("join answered {code}")));
            }
            Ok(())
        }
        Proto::Mqtt => mqtt::subscribe(s, room),
    }
}

fn message(proto: Proto, to: &str) -> Vec<u8> {
    let text = payload();
    match proto {
        Proto::Jim => format!(
            "{{\"action\":\"msg\",\"time\":1700000000,\"to\":\"{to}\",\"message\":\"{text}\"}}\n"
        )
        .into_bytes(),
        Proto::Mqtt => mqtt::publish_packet(to, text.as_bytes()),
    }
}

struct Conn {
    stream: mio::net::TcpStream,
    inbuf: Vec<u8>,
    out: Vec<u8>,
    dead: bool,
}

impl Conn {
    fn new(s: TcpStream) -> io::Result<Conn> {
        s.set_nonblocking(true)?;
        Ok(Conn {
            stream: mio::net::TcpStream::from_std(s),
            inbuf: Vec::new(),
            out: Vec::new(),
            dead: false,
        })
    }

    fn send(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
        self.flush();
    }

    fn flush(&mut self) {
        while !self.out.is_empty() && !self.dead {
            match self.stream.write(&self.out) {
                Ok(0) => self.dead = true,
                Ok(n) => {
                    self.out.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => self.dead = true,
            }
        }
    }
}

/// What arrived in one frame.
enum Got {
    /// A relayed message sent at this time.
    Delivery(u64),
    /// A jim response that is not 200.
    Refused,
    Other,
}

fn classify(frame: &[u8]) -> Got {
    if let Some(i) = frame.windows(MARK.len()).position(|w| w == MARK) {
        let ts = frame[i + MARK.len()..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .fold(0u64, |a, &b| a * 10 + u64::from(b - b'0'));
        return Got::Delivery(ts);
    }
    if frame.starts_with(b"{\"response\":") && !frame.starts_with(b"{\"response\":200") {
        return Got::Refused;
    }
    Got::Other
}

/// Reads what `conn` has; calls `on` with each whole frame.
fn drain(proto: Proto, conn: &mut Conn, mut on: impl FnMut(Got)) {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match conn.stream.read(&mut chunk) {
            Ok(0) => {
                conn.dead = true;
                break;
            }
            Ok(n) => conn.inbuf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => {
                conn.dead = true;
                break;
            }
        }
    }
    let mut start = 0;
    loop {
        let rest = &conn.inbuf[start..];
        let len = match proto {
            Proto::Jim => rest.iter().position(|&b| b == b'\n').map(|i| i + 1),
            Proto::Mqtt => mqtt::frame_len(rest),
        };
        let Some(len) = len else { break };
        on(classify(&rest[..len]));
        start += len;
    }
    conn.inbuf.drain(..start);
}

#[derive(Default)]
struct LoadResult {
    deliveries: u64,
    elapsed: Duration,
    lat: Vec<Duration>,
    refused: u64,
    dead: usize,
    stalls: u64,
    setup_error: Option<String>,
}

impl LoadResult {
    fn cell(&self) -> String {
        if let Some(e) = &self.setup_error {
            return format!("failed: {e}");
        }
        let mut s = format!(
            "{}/s; p50 {} / p99 {}",
            thousands((self.deliveries as f64 / self.elapsed.as_secs_f64()) as u64),
            fmt_d(pct(&self.lat, 0.5)),
            fmt_d(pct(&self.lat, 0.99)),
        );
        if self.refused + self.dead as u64 + self.stalls > 0 {
            s += &format!(
                " ({} refused, {} closed, {} stalls)",
                self.refused, self.dead, self.stalls
            );
        }
        s
    }
}

enum Shape {
    /// One sender, `members` members of one room.
    Room { members: usize },
    /// `pairs` senders, each to its own recipient.
    Pairs { pairs: usize },
}

fn run_load(proto: Proto, addr: SocketAddr, shape: &Shape, window: Duration) -> LoadResult {
    match setup(proto, addr, shape) {
        Ok(conns) => drive(proto, shape, conns, window),
        Err(e) => LoadResult {
            setup_error: Some(e.to_string()),
            ..LoadResult::default()
        },
    }
}

const ROOM: &str = "#bench";
const TOPIC: &str = "bench/room";

fn setup(proto: Proto, addr: SocketAddr, shape: &Shape) -> io::Result<Vec<Conn>> {
    let mut conns = Vec::new();
    let from = |i: usize| 2 + (i % SOURCE_ADDRESSES as usize) as u8;
    match *shape {
        Shape::Room { members } => {
            let room = if proto == Proto::Jim { ROOM } else { TOPIC };
            let mut sender = login(proto, addr, 1, "sender")?;
            if proto == Proto::Jim {
                listen(proto, &mut sender, room)?;
            }
            conns.push(Conn::new(sender)?);
            for i in 0..members {
                let mut m = login(proto, addr, from(i), &format!("m{i}"))?;
                listen(proto, &mut m, room)?;
                conns.push(Conn::new(m)?);
            }
        }
        Shape::Pairs { pairs } => {
            for i in 0..pairs {
                let s = login(proto, addr, from(i), &format!("s{i}"))?;
                let mut r = login(proto, addr, from(i + 1), &format!("r{i}"))?;
                if proto == Proto::Mqtt {
                    listen(proto, &mut r, &format!("bench/r{i}"))?;
                }
                conns.push(Conn::new(s)?);
                conns.push(Conn::new(r)?);
            }
        }
    }
    Ok(conns)
}

fn drive(proto: Proto, shape: &Shape, mut conns: Vec<Conn>, window: Duration) -> LoadResult {
    let mut poll = Poll::new().expect("poll");
    for (i, c) in conns.iter_mut().enumerate() {
        poll.registry()
            .register(&mut c.stream, Token(i), Interest::READABLE)
            .expect("register");
    }
    let mut events = Events::with_capacity(4096);
    let warmup = Duration::from_millis(300);
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + window;
    let mut res = LoadResult::default();
    let pair_count = match *shape {
        Shape::Pairs { pairs } => pairs,
        Shape::Room { .. } => 0,
    };
    let to_names: Vec<String> = (0..pair_count)
        .map(|i| match proto {
            Proto::Jim => format!("r{i}"),
            Proto::Mqtt => format!("bench/r{i}"),
        })
        .collect();
    let room = if proto == Proto::Jim { ROOM } else { TOPIC };
    // Room state: messages sent, deliveries seen, the last progress.
    let mut sent = 0u64;
    let mut delivered_total = 0u64;
    let mut credit = 0u64;
    let mut last_progress = Instant::now();
    // Pair state.
    let mut pair_sent = vec![0u64; pair_count];
    let mut pair_recv = vec![0u64; pair_count];
    for i in 0..pair_count {
        for _ in 0..PAIR_WINDOW {
            conns[2 * i].send(&message(proto, &to_names[i]));
            pair_sent[i] += 1;
        }
    }
    while Instant::now() < end {
        if let Shape::Room { members } = *shape {
            let members = members as u64;
            if last_progress.elapsed() > Duration::from_millis(200) {
                // A member has gone or fallen behind: let the sender go on.
                res.stalls += 1;
                credit += ROOM_WINDOW;
                last_progress = Instant::now();
            }
            while sent < delivered_total / members + ROOM_WINDOW + credit && !conns[0].dead {
                conns[0].send(&message(proto, room));
                sent += 1;
            }
        }
        for c in conns.iter_mut().filter(|c| !c.out.is_empty()) {
            c.flush();
        }
        if poll
            .poll(&mut events, Some(Duration::from_millis(5)))
            .is_err()
        {
            continue;
        }
        let now = Instant::now();
        for ev in events.iter() {
            let idx = ev.token().0;
            let mut got = Vec::new();
            drain(proto, &mut conns[idx], |g| got.push(g));
            for g in got {
                match g {
                    Got::Delivery(ts) => {
                        delivered_total += 1;
                        last_progress = now;
                        if now >= measure_from {
                            res.deliveries += 1;
                            res.lat
                                .push(Duration::from_nanos(now_ns().saturating_sub(ts)));
                        }
                        if pair_count > 0 && idx % 2 == 1 {
                            let p = idx / 2;
                            pair_recv[p] += 1;
                            while pair_sent[p] - pair_recv[p] < PAIR_WINDOW {
                                conns[2 * p].send(&message(proto, &to_names[p]));
                                pair_sent[p] += 1;
                            }
                        }
                    }
                    Got::Refused => res.refused += 1,
                    Got::Other => {}
                }
            }
        }
    }
    res.elapsed = Instant::now().saturating_duration_since(measure_from);
    res.dead = conns.iter().filter(|c| c.dead).count();
    res.lat.sort_unstable();
    res
}

// ------------------------------------------------------------ idle

struct IdleResult {
    connected: usize,
    rss_before: u64,
    rss_after: u64,
    mem_pages: i64,
    alive_after: bool,
    error: Option<String>,
}

impl IdleResult {
    fn rss_cell(&self) -> String {
        let n = self.connected.max(1) as f64;
        format!(
            "{} → {} ({:.2} KiB per client){}",
            fmt_kib(self.rss_before),
            fmt_kib(self.rss_after),
            self.rss_after.saturating_sub(self.rss_before) as f64 / n,
            self.note()
        )
    }

    fn mem_cell(&self) -> String {
        let n = self.connected.max(1) as f64;
        format!(
            "{} pages ({:.0} B per client, both ends)",
            self.mem_pages,
            self.mem_pages as f64 * page_size() as f64 / n
        )
    }

    fn note(&self) -> String {
        let mut s = String::new();
        if let Some(e) = &self.error {
            s += &format!(
                "; {} connected, then: {e}",
                thousands(self.connected as u64)
            );
        }
        if !self.alive_after {
            s += "; a fresh client FAILED";
        }
        s
    }
}

fn idle(proto: Proto, addr: SocketAddr, pid: u32, count: usize) -> IdleResult {
    thread::sleep(Duration::from_millis(200));
    let rss_before = proc_kib(pid, "VmRSS").unwrap_or(0);
    let (mem_before, _) = tcp_sockstat();
    let mut clients = Vec::with_capacity(count);
    let mut error = None;
    for i in 0..count {
        match login(
            proto,
            addr,
            2 + (i % SOURCE_ADDRESSES as usize) as u8,
            &format!("idle{i}"),
        ) {
            Ok(s) => clients.push(s),
            Err(e) => {
                error = Some(e.to_string());
                break;
            }
        }
    }
    thread::sleep(Duration::from_millis(500));
    let rss_after = proc_kib(pid, "VmRSS").unwrap_or(0);
    let (mem_after, _) = tcp_sockstat();
    let alive_after = match proto {
        Proto::Jim => login(proto, addr, 1, "fresh").is_ok(),
        Proto::Mqtt => login(proto, addr, 1, "fresh")
            .and_then(|mut s| mqtt::ping(&mut s))
            .is_ok(),
    };
    let connected = clients.len();
    drop(clients);
    IdleResult {
        connected,
        rss_before,
        rss_after,
        mem_pages: mem_after as i64 - mem_before as i64,
        alive_after,
        error,
    }
}

// ------------------------------------------------------------ main

fn main() {
    if child_main() {
        return;
    }
    let _ = epoch();
    let limit = raise_nofile_limit(65_536);
    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    let pinned = pinning() && pin_to_cpu(0, 1);
    let q = quick();
    let window = bench_seconds(2.0);
    let (small, large, pairs, idle_n) = if q {
        (10, 50, 20, 500)
    } else {
        (100, 1000, 1000, IDLE_CLIENTS)
    };
    // Every idle client is a descriptor here (and one in the server):
    // leave room for those already open and the fresh client.
    let open_fds = std::fs::read_dir("/proc/self/fd").map_or(64, |d| d.count());
    let idle_n = idle_n.min((limit as usize).saturating_sub(open_fds + 4));
    println!(
        "jim-std relay benchmark: jim vs mosquitto ({}; {:.1} s per load scenario; RLIMIT_NOFILE {limit}; {} CPUs)",
        if q { "quick" } else { "full" },
        window.as_secs_f64(),
        cpus,
    );
    println!(
        "each server pinned to CPU 0, the load generator to CPU 1: {}",
        if pinned { "yes" } else { "no" }
    );
    let mosquitto_bin = mosquitto_binary();
    if mosquitto_bin.is_none() {
        println!("mosquitto is not installed and could not be installed: the baseline is SKIPPED");
    }
    let jim_opts = JimOptions {
        max_connections: 25_000,
        max_per_address: 25_000,
        idle_timeout: Duration::from_secs(300),
        unlimited_rate: true,
        ..JimOptions::default()
    };
    let shapes = [
        (
            format!("room: 1 sender → {small} members (deliveries/s, latency)"),
            Shape::Room { members: small },
        ),
        (
            format!("room: 1 sender → {} members", thousands(large as u64)),
            Shape::Room { members: large },
        ),
        (
            format!("{} pairs of direct messages", thousands(pairs as u64)),
            Shape::Pairs { pairs },
        ),
    ];
    let mut rows: Vec<(String, String, String)> = Vec::new();
    for (label, shape) in &shapes {
        let jim = JimChild::start(&jim_opts);
        let j = run_load(Proto::Jim, jim.addr, shape, window);
        drop(jim);
        eprintln!("{label}: jim {}", j.cell());
        let m = match &mosquitto_bin {
            Some(bin) => match Mosquitto::start(bin) {
                Ok(m) => {
                    let r = run_load(Proto::Mqtt, m.addr, shape, window);
                    r.cell()
                }
                Err(e) => format!("skipped: {e}"),
            },
            None => "skipped (not installed)".to_owned(),
        };
        eprintln!("{label}: mosquitto {m}");
        rows.push((label.clone(), j.cell(), m));
    }
    {
        let jim = JimChild::start(&jim_opts);
        let j = idle(Proto::Jim, jim.addr, jim.pid(), idle_n);
        drop(jim);
        thread::sleep(Duration::from_millis(300));
        let m = mosquitto_bin
            .as_ref()
            .and_then(|bin| Mosquitto::start(bin).ok())
            .map(|m| idle(Proto::Mqtt, m.addr, m.pid(), idle_n));
        let n = thousands(idle_n as u64);
        rows.push((
            format!("{n} idle clients: server RSS"),
            j.rss_cell(),
            m.as_ref().map_or("skipped".into(), IdleResult::rss_cell),
        ));
        rows.push((
            format!("{n} idle clients: kernel TCP memory (sockstat)"),
            j.mem_cell(),
            m.as_ref().map_or("skipped".into(), IdleResult::mem_cell),
        ));
    }
    println!();
    println!("| scenario | jim | mosquitto |");
    println!("|---|---|---|");
    for (s, j, m) in rows {
        println!("| {s} | {j} | {m} |");
    }
}

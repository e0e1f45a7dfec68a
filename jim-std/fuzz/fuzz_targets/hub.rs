//! Sequences of (client, bytes) and the other inputs of a server's life,
//! run against `jim_std::hub::Hub`.
//!
//! Input: a list of operations, each an opcode byte `op` (`op % 10`) and its
//! arguments. Clients are numbered in connection order (at most
//! `MAX_CLIENTS`); a client byte `k` names client `k % count`, connected or
//! already gone.
//!
//! | `op % 10`| arguments       | what happens                                |
//! |----------|-----------------|---------------------------------------------|
//! | 0        | –               | a client connects                           |
//! | 1, 2, 3  | `k`, `len`, ... | `len` bytes from client `k`, through its own `Framer`, each frame to `Hub::frame` |
//! | 4        | `k`             | `Hub::touch` (bytes arrived, no frame yet)  |
//! | 5        | `k`             | client `k`'s connection ends (`disconnect`, `Gone`) |
//! | 6        | `d`             | the clock moves `d` × 500 ms, then `Hub::tick` |
//! | 7        | `d`             | the clock moves `d` × 500 ms, no tick       |
//! | 8        | –               | storage pauses, or answers at once again    |
//! | 9        | `n`             | storage answers its `n` oldest requests     |
//!
//! Storage (a `MemoryStore`) answers at once unless paused; paused, its
//! requests queue in order, as on the storage thread, and clients wait —
//! their frames stay in their framer while `Hub::is_waiting` says so, and go
//! on at `Effect::Resume`, as the event loop does — so requests in flight
//! meet disconnects, ticks and other clients. At the end everything queued
//! is answered and no connected client may still be waiting.
//!
//! After every step: nothing panicked; every `Effect::Send` and
//! `Effect::Close` names a client that was connected at that point (a
//! closed client gets nothing afterwards, and is closed once); every line
//! sent is one JSON object ending in `\n` that `jim_core::decode` reads;
//! `Hub::len` and `Hub::is_connected` agree with the clients tracked here.

#![no_main]

use std::time::Duration;

use std::collections::VecDeque;

use jim_core::{decode, Framer};
use jim_std::hub::{ClientId, CloseReason, Effect, Effects, Hub, HubConfig, StoreTag, Time};
use jim_std::store::{apply, MemoryStore, Op, Passwords};
use jim_std::MAX_FRAME;
use libfuzzer_sys::fuzz_target;

const MAX_CLIENTS: usize = 6;
const T0: u64 = 1_700_000_000;

struct Client {
    id: ClientId,
    framer: Box<Framer<MAX_FRAME>>,
    connected: bool,
}

struct World {
    hub: Hub,
    store: MemoryStore,
    passwords: Passwords,
    /// Storage requests not yet answered, oldest first.
    queued: VecDeque<(StoreTag, Op)>,
    paused: bool,
    elapsed: Duration,
    clients: Vec<Client>,
}

impl World {
    fn now(&self) -> Time {
        Time::new(self.elapsed, T0 + self.elapsed.as_secs())
    }

    fn client(&self, k: u8) -> Option<usize> {
        (!self.clients.is_empty()).then(|| usize::from(k) % self.clients.len())
    }

    /// Carries out storage (at once, or queued when paused) and drain
    /// notices, checks what came out against who is connected, and goes
    /// on with the clients that may send again.
    fn check(&mut self, out: &mut Effects) {
        let now = self.now();
        let mut resumed = Vec::new();
        let mut work: VecDeque<Effect> = out.drain().collect();
        while let Some(effect) = work.pop_front() {
            let mut more = Effects::new();
            match effect {
                Effect::Send { to, line } => {
                    let client = self.clients.iter().find(|c| c.id == to);
                    assert!(
                        client.is_some_and(|c| c.connected),
                        "a line for {to}, which is not connected: {:?}",
                        String::from_utf8_lossy(&line)
                    );
                    let Some((b'\n', object)) = line.split_last() else {
                        panic!("a line without its newline: {line:?}");
                    };
                    assert!(
                        decode(object).is_ok(),
                        "the hub sent what does not decode: {:?} ({:?})",
                        String::from_utf8_lossy(object),
                        decode(object)
                    );
                    // The driver never feeds a waiting client.
                    let text = String::from_utf8_lossy(object);
                    assert!(!text.contains("wait for the answer"), "{text}");
                }
                Effect::Close { client, .. } => {
                    let client = self.clients.iter_mut().find(|c| c.id == client);
                    let Some(client) = client.filter(|c| c.connected) else {
                        panic!("a close for a client that is not connected");
                    };
                    client.connected = false;
                    client.framer.reset();
                }
                Effect::Store { tag, op } if self.paused => self.queued.push_back((tag, op)),
                Effect::Store { tag, op } => {
                    let outcome = apply(&mut self.store, &self.passwords, op);
                    self.hub.stored(tag, outcome, now, &mut more);
                }
                Effect::NotifyDrained(id) => self.hub.drained(id, now, &mut more),
                Effect::Resume(id) => resumed.push(id),
                _ => {}
            }
            // What an effect led to comes next, before the rest: in order.
            for (k, effect) in more.drain().enumerate() {
                work.insert(k, effect);
            }
        }
        let connected = self.clients.iter().filter(|c| c.connected).count();
        assert_eq!(
            self.hub.len(),
            connected,
            "hub.len() and the clients differ"
        );
        for id in resumed {
            if let Some(i) = self.clients.iter().position(|c| c.id == id) {
                self.frames(i, out);
            }
        }
    }

    /// Storage answers its `n` oldest requests.
    fn answer(&mut self, n: usize, out: &mut Effects) {
        let now = self.now();
        for _ in 0..n {
            let Some((tag, op)) = self.queued.pop_front() else {
                break;
            };
            let outcome = apply(&mut self.store, &self.passwords, op);
            self.hub.stored(tag, outcome, now, out);
            self.check(out);
        }
    }

    /// After each operation: the hub's table and ours agree client by client.
    fn check_tables(&self) {
        for c in &self.clients {
            assert_eq!(self.hub.is_connected(c.id), c.connected, "{}", c.id);
        }
    }

    /// `bytes` from client `i`, as the event loop hands them over (what
    /// does not fit while the client waits is dropped: the loop would not
    /// have read it yet).
    fn bytes(&mut self, i: usize, bytes: &[u8], out: &mut Effects) {
        let now = self.now();
        let mut rest = bytes;
        while !rest.is_empty() {
            let client = &mut self.clients[i];
            if !client.connected {
                // The event loop reads nothing more from a closed socket.
                return;
            }
            let n = client.framer.push(rest);
            rest = &rest[n..];
            self.hub.touch(client.id, now);
            self.frames(i, out);
            if n == 0 {
                return;
            }
        }
    }

    /// Client `i`'s framed messages to the hub, while it is not waiting.
    fn frames(&mut self, i: usize, out: &mut Effects) {
        let now = self.now();
        loop {
            let client = &mut self.clients[i];
            if !client.connected || self.hub.is_waiting(client.id) {
                return;
            }
            let Some(frame) = client.framer.next_frame() else {
                return;
            };
            self.hub.frame(client.id, frame, now, out);
            self.check(out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut world = World {
        hub: Hub::new(HubConfig::default()),
        store: MemoryStore::new(),
        passwords: Passwords::fast(),
        queued: VecDeque::new(),
        paused: false,
        elapsed: Duration::ZERO,
        clients: Vec::new(),
    };
    let mut out = Effects::new();
    let mut input = data.iter().copied();
    while let Some(op) = input.next() {
        let now = world.now();
        match op % 10 {
            0 => {
                if world.clients.len() < MAX_CLIENTS {
                    let port = 40_000 + world.clients.len() as u16;
                    let id = world.hub.connect(([127, 0, 0, 1], port).into(), now);
                    assert!(world.clients.iter().all(|c| c.id != id), "id reused");
                    world.clients.push(Client {
                        id,
                        framer: Box::new(Framer::new()),
                        connected: true,
                    });
                }
            }
            1..=3 => {
                let (Some(k), Some(len)) = (input.next(), input.next()) else {
                    break;
                };
                let bytes: Vec<u8> = input.by_ref().take(usize::from(len)).collect();
                if let Some(i) = world.client(k) {
                    world.bytes(i, &bytes, &mut out);
                }
            }
            4 => {
                let Some(k) = input.next() else { break };
                if let Some(i) = world.client(k) {
                    world.hub.touch(world.clients[i].id, now);
                }
            }
            5 => {
                let Some(k) = input.next() else { break };
                if let Some(i) = world.client(k) {
                    let id = world.clients[i].id;
                    let was = world.clients[i].connected;
                    world.hub.disconnect(id, CloseReason::Gone, now, &mut out);
                    // One close for a connected client, none for a gone one.
                    let closes = out
                        .as_slice()
                        .iter()
                        .filter(|e| matches!(e, Effect::Close { client, .. } if *client == id))
                        .count();
                    assert_eq!(closes, usize::from(was));
                }
            }
            8 => world.paused = !world.paused,
            9 => {
                let Some(n) = input.next() else { break };
                world.answer(usize::from(n), &mut out);
            }
            _ => {
                let Some(d) = input.next() else { break };
                world.elapsed += Duration::from_millis(500) * u32::from(d);
                if op % 10 == 6 {
                    let now = world.now();
                    let next = world.hub.tick(now, &mut out);
                    assert!(next > Duration::ZERO);
                }
            }
        }
        world.check(&mut out);
        world.check_tables();
    }
    // Storage answers everything; then nobody connected may still wait.
    world.paused = false;
    let queued = world.queued.len();
    world.answer(queued, &mut out);
    for c in world.clients.iter().filter(|c| c.connected) {
        assert!(!world.hub.is_waiting(c.id), "{} still waits", c.id);
    }
});

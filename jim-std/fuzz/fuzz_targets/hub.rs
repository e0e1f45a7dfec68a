//! Sequences of (client, bytes) and the other inputs of a server's life,
//! run against `jim_std::hub::Hub`.
//!
//! Input: a list of operations, each an opcode byte `op` (`op % 8`) and its
//! arguments. Clients are numbered in connection order (at most
//! `MAX_CLIENTS`); a client byte `k` names client `k % count`, connected or
//! already gone.
//!
//! | `op % 8` | arguments       | what happens                                |
//! |----------|-----------------|---------------------------------------------|
//! | 0        | –               | a client connects                           |
//! | 1, 2, 3  | `k`, `len`, ... | `len` bytes from client `k`, through its own `Framer`, each frame to `Hub::frame` |
//! | 4        | `k`             | `Hub::touch` (bytes arrived, no frame yet)  |
//! | 5        | `k`             | client `k`'s connection ends (`disconnect`, `Gone`) |
//! | 6        | `d`             | the clock moves `d` × 500 ms, then `Hub::tick` |
//! | 7        | `d`             | the clock moves `d` × 500 ms, no tick       |
//!
//! Storage is answered at once by an `InstantStore` over a `MemoryStore`
//! (as the hub's own tests do), so logins, messages, contacts and history
//! go all the way through.
//!
//! After every step: nothing panicked; every `Effect::Send` and
//! `Effect::Close` names a client that was connected at that point (a
//! closed client gets nothing afterwards, and is closed once); every line
//! sent is one JSON object ending in `\n` that `jim_core::decode` reads;
//! `Hub::len` and `Hub::is_connected` agree with the clients tracked here.

#![no_main]

use std::time::Duration;

use jim_core::{decode, Framer};
use jim_std::hub::{ClientId, CloseReason, Effect, Effects, Hub, HubConfig, InstantStore, Time};
use jim_std::store::{MemoryStore, Passwords};
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
    store: InstantStore,
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

    /// Settles storage, then checks what came out against who is connected.
    fn check(&mut self, out: &mut Effects) {
        let now = self.now();
        for effect in self.store.settle(&mut self.hub, out, now) {
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
                }
                Effect::Close { client, .. } => {
                    let client = self.clients.iter_mut().find(|c| c.id == client);
                    let Some(client) = client.filter(|c| c.connected) else {
                        panic!("a close for a client that is not connected");
                    };
                    client.connected = false;
                    client.framer.reset();
                }
                _ => {}
            }
        }
        let connected = self.clients.iter().filter(|c| c.connected).count();
        assert_eq!(
            self.hub.len(),
            connected,
            "hub.len() and the clients differ"
        );
    }

    /// After each operation: the hub's table and ours agree client by client.
    fn check_tables(&self) {
        for c in &self.clients {
            assert_eq!(self.hub.is_connected(c.id), c.connected, "{}", c.id);
        }
    }

    /// `bytes` from client `i`, as the event loop hands them over.
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
            loop {
                let client = &mut self.clients[i];
                if !client.connected {
                    return;
                }
                let Some(frame) = client.framer.next_frame() else {
                    break;
                };
                self.hub.frame(client.id, frame, now, out);
                // Storage answers before the next frame, as the event loop
                // holds a waiting client's frames until `Resume`.
                self.check(out);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut world = World {
        hub: Hub::new(HubConfig::default()),
        store: InstantStore::new(Box::new(MemoryStore::new()), Passwords::fast()),
        elapsed: Duration::ZERO,
        clients: Vec::new(),
    };
    let mut out = Effects::new();
    let mut input = data.iter().copied();
    while let Some(op) = input.next() {
        let now = world.now();
        match op % 8 {
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
            _ => {
                let Some(d) = input.next() else { break };
                world.elapsed += Duration::from_millis(500) * u32::from(d);
                if op % 8 == 6 {
                    let now = world.now();
                    let next = world.hub.tick(now, &mut out);
                    assert!(next > Duration::ZERO);
                }
            }
        }
        world.check(&mut out);
        world.check_tables();
    }
});

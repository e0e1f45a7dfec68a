//! Random conversations through the hub never panic, and its invariants
//! hold after every step: a name belongs to at most one live client; a
//! room's members are exactly those who joined and have not left or gone;
//! a room message reaches exactly the other members, once.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use jim_std::hub::{
    ClientId, CloseReason, Effect, Effects, Hub, HubConfig, InstantStore, RateLimit, Time,
};
use jim_std::store::{MemoryStore, Passwords};
use proptest::prelude::*;

const CLIENTS: usize = 5;
const NAMES: [&str; 3] = ["ann", "bob", "cy"];
const ROOMS: [&str; 2] = ["#a", "#b"];

#[derive(Debug, Clone)]
enum Op {
    Connect(usize),
    Gone(usize),
    Presence(usize, usize),
    Join(usize, usize),
    Leave(usize, usize),
    ToRoom(usize, usize),
    ToName(usize, usize),
    Quit(usize),
    Tick(u8),
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        c.clone().prop_map(Op::Connect),
        c.clone().prop_map(Op::Gone),
        (c.clone(), 0..NAMES.len()).prop_map(|(c, n)| Op::Presence(c, n)),
        (c.clone(), 0..ROOMS.len()).prop_map(|(c, r)| Op::Join(c, r)),
        (c.clone(), 0..ROOMS.len()).prop_map(|(c, r)| Op::Leave(c, r)),
        (c.clone(), 0..ROOMS.len()).prop_map(|(c, r)| Op::ToRoom(c, r)),
        (c.clone(), 0..NAMES.len()).prop_map(|(c, n)| Op::ToName(c, n)),
        c.prop_map(Op::Quit),
        any::<u8>().prop_map(Op::Tick),
    ]
}

/// What the test expects, kept beside the hub.
#[derive(Default)]
struct Model {
    slots: [Option<ClientId>; CLIENTS],
    names: BTreeMap<ClientId, &'static str>,
    rooms: BTreeMap<&'static str, BTreeSet<ClientId>>,
}

impl Model {
    fn forget(&mut self, id: ClientId) {
        self.names.remove(&id);
        for members in self.rooms.values_mut() {
            members.remove(&id);
        }
        for slot in &mut self.slots {
            if *slot == Some(id) {
                *slot = None;
            }
        }
    }
}

fn code_of(line: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(line).ok()?;
    v.get("response").and_then(serde_json::Value::as_u64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn invariants_hold(ops in proptest::collection::vec(op(), 1..120)) {
        let mut hub = Hub::new(HubConfig {
            idle_timeout: Duration::from_secs(10),
            rate: RateLimit::UNLIMITED,
            // One answer per join: the replay is tested on its own.
            history_on_join: 0,
            ..HubConfig::default()
        });
        let mut model = Model::default();
        let mut store = InstantStore::new(Box::new(MemoryStore::new()), Passwords::fast());
        let mut now = Time::new(Duration::ZERO, 1_700_000_000);
        let mut out = Effects::new();
        let peer = ([127, 0, 0, 1], 1).into();
        let mut ever: BTreeSet<ClientId> = BTreeSet::new();
        for op in ops {
            out.drain();
            // Storage answers at once, so each request's effects are whole.
            let mut send = |hub: &mut Hub, out: &mut Effects, id: ClientId, frame: String, now: Time| {
                hub.frame(id, Ok(frame.as_bytes()), now, out);
                for effect in store.settle(hub, out, now) {
                    out.push(effect);
                }
            };
            match op {
                Op::Connect(c) => {
                    if model.slots[c].is_none() {
                        let id = hub.connect(peer, now);
                        prop_assert!(ever.insert(id), "id {id} reused");
                        model.slots[c] = Some(id);
                    }
                }
                Op::Gone(c) => {
                    if let Some(id) = model.slots[c] {
                        hub.disconnect(id, CloseReason::Gone, now, &mut out);
                        model.forget(id);
                    }
                }
                Op::Presence(c, n) => {
                    if let Some(id) = model.slots[c] {
                        let name = NAMES[n];
                        send(&mut hub, &mut out, id, format!(r#"{{"action":"presence","user":{{"account_name":"{name}"}}}}"#), now);
                        let taken = model.names.iter().any(|(&other, &held)| held == name && other != id);
                        let code = match out.as_slice() {
                            [Effect::Send { to, line }] if *to == id => code_of(line),
                            other => panic!("{other:?}"),
                        };
                        if taken {
                            prop_assert_eq!(code, Some(409));
                        } else {
                            prop_assert_eq!(code, Some(200));
                            model.names.insert(id, name);
                        }
                    }
                }
                Op::Join(c, r) | Op::Leave(c, r) => {
                    if let Some(id) = model.slots[c] {
                        let join = matches!(op, Op::Join(..));
                        let action = if join { "join" } else { "leave" };
                        send(&mut hub, &mut out, id, format!(r#"{{"action":"{action}","room":"{}"}}"#, ROOMS[r]), now);
                        let named = model.names.contains_key(&id);
                        let members = model.rooms.entry(ROOMS[r]).or_default();
                        let expected = if !named {
                            401
                        } else if join {
                            members.insert(id);
                            200
                        } else if members.remove(&id) {
                            200
                        } else {
                            404
                        };
                        let code = match out.as_slice() {
                            [Effect::Send { line, .. }] => code_of(line),
                            other => panic!("{other:?}"),
                        };
                        prop_assert_eq!(code, Some(expected));
                    }
                }
                Op::ToRoom(c, r) => {
                    if let Some(id) = model.slots[c] {
                        send(&mut hub, &mut out, id, format!(r#"{{"action":"msg","to":"{}","message":"hi"}}"#, ROOMS[r]), now);
                        let members = model.rooms.get(ROOMS[r]).cloned().unwrap_or_default();
                        let mut reached: Vec<ClientId> = Vec::new();
                        let mut answer = None;
                        for effect in out.as_slice() {
                            if let Effect::Send { to, line } = effect {
                                match code_of(line) {
                                    Some(code) => { prop_assert_eq!(*to, id); answer = Some(code); }
                                    None => reached.push(*to),
                                }
                            }
                        }
                        if !model.names.contains_key(&id) {
                            prop_assert_eq!(answer, Some(401));
                            prop_assert!(reached.is_empty());
                        } else if members.contains(&id) {
                            prop_assert_eq!(answer, Some(200));
                            let want: Vec<ClientId> = members.iter().copied().filter(|&m| m != id).collect();
                            prop_assert_eq!(reached, want, "exactly the other members, once, in id order");
                        } else {
                            prop_assert_eq!(answer, Some(403));
                            prop_assert!(reached.is_empty());
                        }
                    }
                }
                Op::ToName(c, n) => {
                    if let Some(id) = model.slots[c] {
                        send(&mut hub, &mut out, id, format!(r#"{{"action":"msg","to":"{}","message":"hi"}}"#, NAMES[n]), now);
                        if model.names.contains_key(&id) {
                            let holder = model.names.iter().find(|(_, &h)| h == NAMES[n]).map(|(&i, _)| i);
                            let relayed: Vec<ClientId> = out.as_slice().iter().filter_map(|e| match e {
                                Effect::Send { to, line } if code_of(line).is_none() => Some(*to),
                                _ => None,
                            }).collect();
                            prop_assert_eq!(relayed, holder.into_iter().collect::<Vec<_>>());
                        }
                    }
                }
                Op::Quit(c) => {
                    if let Some(id) = model.slots[c] {
                        send(&mut hub, &mut out, id, r#"{"action":"quit"}"#.to_owned(), now);
                        let closes = matches!(out.as_slice(), [Effect::Close { client, why: CloseReason::Quit }] if *client == id);
                        prop_assert!(closes);
                        model.forget(id);
                    }
                }
                Op::Tick(step) => {
                    now = Time::new(now.elapsed + Duration::from_millis(u64::from(step) * 50), now.unix);
                    hub.tick(now, &mut out);
                    for effect in out.as_slice() {
                        if let Effect::Close { client, .. } = effect {
                            model.forget(*client);
                        }
                    }
                }
            }
            // Every effect is for a client that ever connected.
            for effect in out.as_slice() {
                let target = match effect { Effect::Send { to, .. } => to, Effect::Close { client, .. } => client, _ => continue };
                prop_assert!(ever.contains(target));
            }
            // A name belongs to at most one live client, as the model says.
            for (&id, &name) in &model.names {
                prop_assert_eq!(hub.name_of(id), Some(name));
                prop_assert_eq!(hub.holder_of(name), Some(id));
            }
            for name in NAMES {
                if let Some(id) = hub.holder_of(name) {
                    prop_assert!(hub.is_connected(id));
                    prop_assert_eq!(model.names.get(&id), Some(&name));
                }
            }
            // Rooms: exactly the members the model has; empty ones gone.
            for room in ROOMS {
                let want: Vec<ClientId> = model.rooms.get(room).into_iter().flatten().copied().collect();
                prop_assert_eq!(hub.members(room).collect::<Vec<_>>(), want);
            }
            prop_assert!(hub.rooms().all(|room| hub.members(room).next().is_some()));
        }
    }
}

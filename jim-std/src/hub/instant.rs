//! [`InstantStore`]: storage answered on the spot, for driving a [`Hub`]
//! without threads — tests, fuzzing, and tools.

use super::{Effect, Effects, Hub, Time};
use crate::store::{apply, Passwords, Store};

/// Runs a hub's storage requests as soon as they are made, and tells it
/// every queue is written as soon as it asks: what is left are the lines
/// and closes.
///
/// ```
/// use std::time::Duration;
/// use jim_std::hub::{Effect, Effects, Hub, HubConfig, InstantStore, Time};
/// use jim_std::store::{MemoryStore, Passwords};
///
/// let mut hub = Hub::new(HubConfig::default());
/// let mut store = InstantStore::new(Box::new(MemoryStore::new()), Passwords::fast());
/// let now = Time::new(Duration::ZERO, 1_700_000_000);
/// let alice = hub.connect(([127, 0, 0, 1], 5000).into(), now);
/// let mut out = Effects::new();
/// let presence = br#"{"action":"presence","user":{"account_name":"alice"}}"#;
/// hub.frame(alice, Ok(presence), now, &mut out);
/// let done = store.settle(&mut hub, &mut out, now);
/// assert!(matches!(&done[..], [Effect::Send { to, .. }] if *to == alice));
/// ```
pub struct InstantStore {
    store: Box<dyn Store>,
    passwords: Passwords,
}

impl InstantStore {
    /// Over `store`, hashing with `passwords`.
    pub fn new(store: Box<dyn Store>, passwords: Passwords) -> InstantStore {
        InstantStore { store, passwords }
    }

    /// Carries out the storage requests and drain notices among `out`'s
    /// effects (and those they lead to), in order; returns the sends and
    /// closes.
    pub fn settle(&mut self, hub: &mut Hub, out: &mut Effects, now: Time) -> Vec<Effect> {
        let mut done = Vec::new();
        let batch: Vec<Effect> = out.drain().collect();
        for effect in batch {
            let mut more = Effects::new();
            match effect {
                Effect::Store { tag, op } => {
                    let outcome = apply(self.store.as_mut(), &self.passwords, op);
                    hub.stored(tag, outcome, now, &mut more);
                }
                Effect::NotifyDrained(id) => hub.drained(id, now, &mut more),
                Effect::Resume(_) => {}
                other => done.push(other),
            }
            done.extend(self.settle(hub, &mut more, now));
        }
        done
    }
}

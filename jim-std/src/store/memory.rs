//! [`MemoryStore`]: a [`Store`] that keeps everything in memory, for
//! `--db memory` (nothing survives a restart) and as the bench's
//! "storage off" baseline. No op of this store can fail, so a
//! transaction has nothing to undo.

use std::collections::{BTreeMap, BTreeSet};

use super::{cutoff, NewMessage, Retention, Store, StoreError, StoredMessage};

#[derive(Debug, Default)]
struct Tables {
    accounts: BTreeMap<String, String>,
    contacts: BTreeSet<(String, String)>,
    /// By id; `bool`: pending.
    messages: BTreeMap<i64, (StoredMessage, bool)>,
    /// The ids of the messages pending for each recipient: what SQLite's
    /// index gives the other backend. Without it every login scanned all
    /// messages (seconds with a million stored).
    pending: BTreeMap<String, BTreeSet<i64>>,
    /// The ids of each conversation's messages (see [`conversation`]).
    conversations: BTreeMap<(String, String), BTreeSet<i64>>,
    next_id: i64,
}

/// A room's messages are one conversation; a direct pair's, whichever way
/// they went, another.
fn conversation(from: &str, to: &str) -> (String, String) {
    if to.starts_with('#') {
        (to.to_owned(), String::new())
    } else if from <= to {
        (from.to_owned(), to.to_owned())
    } else {
        (to.to_owned(), from.to_owned())
    }
}

impl Tables {
    /// Removes message `id` and its index entries.
    fn remove(&mut self, id: i64) {
        let Some((m, pending)) = self.messages.remove(&id) else {
            return;
        };
        if pending {
            self.unmark(&m.to, id);
        }
        let key = conversation(&m.from, &m.to);
        if let Some(ids) = self.conversations.get_mut(&key) {
            ids.remove(&id);
            if ids.is_empty() {
                self.conversations.remove(&key);
            }
        }
    }

    /// `id` is no longer pending for `to`.
    fn unmark(&mut self, to: &str, id: i64) {
        if let Some(ids) = self.pending.get_mut(to) {
            ids.remove(&id);
            if ids.is_empty() {
                self.pending.remove(to);
            }
        }
    }
}

/// Everything in memory: for `--db memory` (nothing survives a restart)
/// and as the bench's "storage off". No op of it can fail.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Tables,
}

impl MemoryStore {
    /// Empty.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl Store for MemoryStore {
    fn begin(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn commit(&mut self) -> Result<(), StoreError> {
        Ok(())
    }

    fn rollback(&mut self) {}

    fn password_hash(&mut self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.tables.accounts.get(name).cloned())
    }

    fn create_account(&mut self, name: &str, phc: &str) -> Result<bool, StoreError> {
        if self.tables.accounts.contains_key(name) {
            return Ok(false);
        }
        self.tables.accounts.insert(name.to_owned(), phc.to_owned());
        Ok(true)
    }

    fn remove_account(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self.tables.accounts.remove(name).is_some())
    }

    fn accounts(&mut self) -> Result<Vec<String>, StoreError> {
        Ok(self.tables.accounts.keys().cloned().collect())
    }

    fn contacts(&mut self, owner: &str) -> Result<Vec<String>, StoreError> {
        Ok(self
            .tables
            .contacts
            .iter()
            .filter(|(o, _)| o == owner)
            .map(|(_, c)| c.clone())
            .collect())
    }

    fn add_contact(&mut self, owner: &str, contact: &str) -> Result<(), StoreError> {
        self.tables
            .contacts
            .insert((owner.to_owned(), contact.to_owned()));
        Ok(())
    }

    fn del_contact(&mut self, owner: &str, contact: &str) -> Result<bool, StoreError> {
        Ok(self
            .tables
            .contacts
            .remove(&(owner.to_owned(), contact.to_owned())))
    }

    fn save(&mut self, m: &NewMessage) -> Result<i64, StoreError> {
        self.tables.next_id += 1;
        let id = self.tables.next_id;
        let stored = StoredMessage {
            id,
            from: m.from.clone(),
            to: m.to.clone(),
            time: m.time,
            text: m.text.clone(),
        };
        if m.pending {
            self.tables
                .pending
                .entry(m.to.clone())
                .or_default()
                .insert(id);
        }
        self.tables
            .conversations
            .entry(conversation(&m.from, &m.to))
            .or_default()
            .insert(id);
        self.tables.messages.insert(id, (stored, m.pending));
        Ok(id)
    }

    fn pending(
        &mut self,
        to: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let Some(ids) = self.tables.pending.get(to) else {
            return Ok(Vec::new());
        };
        Ok(ids
            .range(after.saturating_add(1)..)
            .filter_map(|id| self.tables.messages.get(id))
            .take(limit as usize)
            .map(|(m, _)| m.clone())
            .collect())
    }

    fn mark_delivered(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        for &id in ids {
            if let Some((m, pending)) = self.tables.messages.get_mut(&id) {
                if *pending {
                    *pending = false;
                    let to = m.to.clone();
                    self.tables.unmark(&to, id);
                }
            }
        }
        Ok(())
    }

    fn history(
        &mut self,
        owner: &str,
        with: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let Some(ids) = self.tables.conversations.get(&conversation(owner, with)) else {
            return Ok(Vec::new());
        };
        let mut page: Vec<StoredMessage> = ids
            .range(..before.unwrap_or(i64::MAX))
            .rev()
            .filter_map(|id| self.tables.messages.get(id))
            .take(limit as usize)
            .map(|(m, _)| m.clone())
            .collect();
        page.reverse();
        Ok(page)
    }

    fn prune(&mut self, retention: &Retention, now: u64) -> Result<u64, StoreError> {
        let before = self.tables.messages.len();
        if let Some(age) = retention.max_age {
            let cut = cutoff(now, age);
            // The oldest first, as in SQLite (see `Retention::max_age`).
            let old: Vec<i64> = self
                .tables
                .messages
                .iter()
                .take_while(|(_, (m, _))| m.time < cut)
                .map(|(&id, _)| id)
                .collect();
            for id in old {
                self.tables.remove(id);
            }
        }
        if let Some(max) = retention.max_messages {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            while self.tables.messages.len() > max {
                let Some(&oldest) = self.tables.messages.keys().next() else {
                    break;
                };
                self.tables.remove(oldest);
            }
        }
        Ok((before - self.tables.messages.len()) as u64)
    }
}

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
    next_id: i64,
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
        self.tables.messages.insert(id, (stored, m.pending));
        Ok(id)
    }

    fn pending(
        &mut self,
        to: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        Ok(self
            .tables
            .messages
            .range(after.saturating_add(1)..)
            .filter(|(_, (m, pending))| *pending && m.to == to)
            .take(limit as usize)
            .map(|(_, (m, _))| m.clone())
            .collect())
    }

    fn mark_delivered(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        for id in ids {
            if let Some((_, pending)) = self.tables.messages.get_mut(id) {
                *pending = false;
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
        let room = with.starts_with('#');
        let mut page: Vec<StoredMessage> = self
            .tables
            .messages
            .range(..before.unwrap_or(i64::MAX))
            .rev()
            .map(|(_, (m, _))| m)
            .filter(|m| {
                if room {
                    m.to == with
                } else {
                    (m.from == owner && m.to == with) || (m.from == with && m.to == owner)
                }
            })
            .take(limit as usize)
            .cloned()
            .collect();
        page.reverse();
        Ok(page)
    }

    fn prune(&mut self, retention: &Retention, now: u64) -> Result<u64, StoreError> {
        let before = self.tables.messages.len();
        if let Some(age) = retention.max_age {
            let cut = cutoff(now, age);
            self.tables.messages.retain(|_, (m, _)| m.time >= cut);
        }
        if let Some(max) = retention.max_messages {
            let max = usize::try_from(max).unwrap_or(usize::MAX);
            while self.tables.messages.len() > max {
                self.tables.messages.pop_first();
            }
        }
        Ok((before - self.tables.messages.len()) as u64)
    }
}

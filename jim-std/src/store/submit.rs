//! [`Submit`]: the bounded queue in front of the storage thread. It counts
//! ops, not hand-overs, so that a turn's ops can go over as one job (one
//! wake of the storage thread) and still be bounded one by one.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::Arc;

use super::{Op, StoreError};

pub(super) enum Job<T> {
    /// Ops in the order they were queued.
    Ops(Vec<(T, Op)>),
    Stop,
}

/// Queues ops for the worker; cheap to clone.
pub struct Submit<T> {
    pub(super) tx: SyncSender<Job<T>>,
    /// Ops queued and not yet taken by the worker, against `limit`.
    pub(super) queued: Arc<AtomicUsize>,
    pub(super) limit: usize,
}

impl<T> Clone for Submit<T> {
    fn clone(&self) -> Self {
        Submit {
            tx: self.tx.clone(),
            queued: Arc::clone(&self.queued),
            limit: self.limit,
        }
    }
}

impl<T> Submit<T> {
    /// Queues `op` for `tag` without blocking; gives them back with the
    /// reason when the queue is full or the worker has stopped.
    pub fn submit(&self, tag: T, op: Op) -> Result<(), (T, StoreError)> {
        match self.submit_all(vec![(tag, op)]).pop() {
            Some(refused) => Err(refused),
            None => Ok(()),
        }
    }

    /// Queues `ops`, in order, as one hand-over: the worker is woken once
    /// for all of them (the event loop hands over a turn's ops together;
    /// one wake per op made the two threads take turns on a shared CPU,
    /// hundreds of times in one turn). Returns those that did not fit, or
    /// all of them if the worker has stopped, with the reason.
    pub fn submit_all(&self, mut ops: Vec<(T, Op)>) -> Vec<(T, StoreError)> {
        if ops.is_empty() {
            return Vec::new();
        }
        // Take room for as many as fit; the rest are refused.
        let mut taken = 0;
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                taken = self.limit.saturating_sub(queued).min(ops.len());
                Some(queued + taken)
            });
        let refused: Vec<(T, StoreError)> = ops
            .split_off(taken)
            .into_iter()
            .map(|(tag, _)| (tag, StoreError::Busy))
            .collect();
        if ops.is_empty() {
            return refused;
        }
        let count = ops.len();
        let Err(e) = self.tx.try_send(Job::Ops(ops)) else {
            return refused;
        };
        self.queued.fetch_sub(count, Ordering::AcqRel);
        let (job, stopped) = match e {
            // Cannot happen while `limit` bounds the jobs too (a job holds
            // at least one op); refused like a full queue if it does.
            TrySendError::Full(job) => (job, false),
            TrySendError::Disconnected(job) => (job, true),
        };
        let why = || {
            if stopped {
                StoreError::Stopped
            } else {
                StoreError::Busy
            }
        };
        let mut all: Vec<(T, StoreError)> = match job {
            Job::Ops(ops) => ops.into_iter().map(|(tag, _)| (tag, why())).collect(),
            // Only `Drop` sends a stop, never this.
            Job::Stop => Vec::new(),
        };
        all.extend(refused);
        all
    }

    /// Queues `op` whatever the limit, waiting if the channel is full: for
    /// the password thread, whose op is the second half of one already
    /// counted.
    pub(super) fn send_now(&self, tag: T, op: Op) -> Result<(), T> {
        self.queued.fetch_add(1, Ordering::AcqRel);
        match self.tx.send(Job::Ops(vec![(tag, op)])) {
            Ok(()) => Ok(()),
            Err(mpsc::SendError(job)) => {
                self.queued.fetch_sub(1, Ordering::AcqRel);
                match job {
                    Job::Ops(mut ops) => ops.pop().map_or(Ok(()), |(tag, _)| Err(tag)),
                    Job::Stop => Ok(()),
                }
            }
        }
    }
}

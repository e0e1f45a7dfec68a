//! [`Submit`]: the bounded queue in front of the storage thread. It counts
//! ops, not hand-overs, so that a turn's ops can go over as one job (one
//! wake of the storage thread) and still be bounded one by one.
//!
//! An op that does not fit is not answered on the spot: its refusal (a
//! marker without the op) takes its place in the queue and comes back as
//! `Outcome::Failed(StoreError::Busy)` in order with the ops around it.
//! Answered at once, it would overtake the same client's earlier ops
//! still in the queue, and a hub that matches outcomes to requests in
//! order would give it their answers.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;

use super::{Op, StoreError};

/// What the storage thread is handed.
pub(super) enum Job<T> {
    /// Ops in the order they were queued; `None` for one refused because
    /// the queue was full, answered `Busy` in its place.
    Ops(Vec<(T, Option<Op>)>),
    Stop,
}

/// Queues ops for the worker; cheap to clone.
pub struct Submit<T> {
    /// Unbounded: the ops in it are bounded by `queued`, the refusal
    /// markers (a tag each) by the hub's requests in flight per client.
    pub(super) tx: Sender<Job<T>>,
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
    /// Queues `op` for `tag` without blocking (see [`submit_all`]); gives
    /// them back only if the worker has stopped.
    ///
    /// [`submit_all`]: Submit::submit_all
    pub fn submit(&self, tag: T, op: Op) -> Result<(), (T, StoreError)> {
        match self.submit_all(vec![(tag, op)]).pop() {
            Some(refused) => Err(refused),
            None => Ok(()),
        }
    }

    /// Queues `ops`, in order, as one hand-over: the worker is woken once
    /// for all of them (the event loop hands over a turn's ops together;
    /// one wake per op made the two threads take turns on a shared CPU,
    /// hundreds of times in one turn). Those past the queue's limit are
    /// queued as refusals and answered `Busy` in their place, in order.
    /// Returns them all, with [`StoreError::Stopped`], only if the worker
    /// has stopped.
    pub fn submit_all(&self, ops: Vec<(T, Op)>) -> Vec<(T, StoreError)> {
        if ops.is_empty() {
            return Vec::new();
        }
        // Take room for as many as fit; the rest go as refusals.
        let mut taken = 0;
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                taken = self.limit.saturating_sub(queued).min(ops.len());
                Some(queued + taken)
            });
        let entries: Vec<(T, Option<Op>)> = ops
            .into_iter()
            .enumerate()
            .map(|(i, (tag, op))| (tag, (i < taken).then_some(op)))
            .collect();
        match self.tx.send(Job::Ops(entries)) {
            Ok(()) => Vec::new(),
            Err(mpsc::SendError(job)) => {
                self.queued.fetch_sub(taken, Ordering::AcqRel);
                match job {
                    Job::Ops(entries) => entries
                        .into_iter()
                        .map(|(tag, _)| (tag, StoreError::Stopped))
                        .collect(),
                    // Only `Drop` sends a stop, never this.
                    Job::Stop => Vec::new(),
                }
            }
        }
    }

    /// Queues `op` whatever the limit: for the password thread, whose op
    /// is the second half of one already counted.
    pub(super) fn send_now(&self, tag: T, op: Op) -> Result<(), T> {
        self.queued.fetch_add(1, Ordering::AcqRel);
        match self.tx.send(Job::Ops(vec![(tag, Some(op))])) {
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

//! [`StoreWorker`]: the storage thread (and its password thread), fed by a
//! bounded queue ([`Submit`]), so no disk IO and no password hashing ever runs on the
//! event loop.
//!
//! Ops are taken in batches: one transaction for everything waiting (up
//! to [`StoreConfig::batch`]), one commit, then every outcome in order —
//! so throughput does not collapse to one commit per message, and nothing
//! is answered before it is durable. If anything in a batch fails, the
//! batch is rolled back and each op retried in a transaction of its own,
//! so one failure costs only its own op.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::apply::apply_query;
use super::commit_stats::{CommitStats, Transaction};
use super::password::Check;
use super::submit::{Job, Submit};
use super::{Login, Op, Outcome, Passwords, Retention, Store, StoreError};
use crate::thread_clock::ThreadClock;

/// The worker's knobs.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Ops that may wait for the worker; past this, new ones fail at once
    /// with [`StoreError::Busy`] (a `500` "storage busy" to the client).
    pub queue: usize,
    /// Most ops in one transaction.
    pub batch: usize,
    /// How passwords are hashed.
    pub passwords: Passwords,
    /// What is deleted, and how often that is checked.
    pub retention: Retention,
    /// How often [`retention`](StoreConfig::retention) is enforced.
    pub prune_every: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            queue: 8192,
            batch: 1024,
            passwords: Passwords::default(),
            retention: Retention::default(),
            prune_every: Duration::from_secs(60),
        }
    }
}

/// Where outcomes go: called on the storage threads, once per op.
pub type Completion<T> = Arc<dyn Fn(T, Outcome) + Send + Sync>;

/// The storage thread and its password thread. Dropping it finishes what
/// is queued, then stops both.
pub struct StoreWorker<T> {
    submit: Submit<T>,
    threads: Vec<JoinHandle<()>>,
}

impl<T: Send + 'static> StoreWorker<T> {
    /// Starts the threads over `store`; each op's outcome goes to `done`.
    pub fn spawn(
        store: Box<dyn Store>,
        config: StoreConfig,
        done: Completion<T>,
    ) -> std::io::Result<StoreWorker<T>> {
        let limit = config.queue.max(1);
        let (tx, rx) = mpsc::channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let submit = Submit {
            tx,
            queued: Arc::clone(&queued),
            limit,
        };
        let (hash_tx, hash_rx) = mpsc::channel::<HashJob<T>>();
        let passwords = config.passwords.clone();
        let again = submit.clone();
        let hash_done = done.clone();
        let hasher = std::thread::Builder::new()
            .name("jim-passwords".into())
            .spawn(move || hash_loop(hash_rx, &passwords, &again, &hash_done))?;
        let worker = std::thread::Builder::new()
            .name("jim-store".into())
            .spawn(move || {
                let mut w = Worker {
                    store,
                    config,
                    done,
                    hash_tx,
                    queued,
                    stats: CommitStats::new(Instant::now()),
                    clock: ThreadClock::new(),
                };
                w.run(&rx);
            })?;
        Ok(StoreWorker {
            submit,
            threads: vec![worker, hasher],
        })
    }

    /// A handle to queue ops with.
    pub fn submitter(&self) -> Submit<T> {
        self.submit.clone()
    }

    /// Queues `op` (see [`Submit::submit`]).
    pub fn submit(&self, tag: T, op: Op) -> Result<(), (T, StoreError)> {
        self.submit.submit(tag, op)
    }

    /// Queues `ops` with one wake (see [`Submit::submit_all`]).
    pub fn submit_all(&self, ops: Vec<(T, Op)>) -> Vec<(T, StoreError)> {
        self.submit.submit_all(ops)
    }
}

impl<T> Drop for StoreWorker<T> {
    fn drop(&mut self) {
        let _ = self.submit.tx.send(Job::Stop);
        // The worker stops first, dropping the password thread's queue;
        // the password thread then stops too.
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

struct HashJob<T> {
    tag: T,
    name: String,
    password: String,
    stored: Option<String>,
    register: bool,
}

fn hash_loop<T>(
    rx: Receiver<HashJob<T>>,
    passwords: &Passwords,
    again: &Submit<T>,
    done: &Completion<T>,
) {
    while let Ok(job) = rx.recv() {
        match passwords.check(&job.password, job.stored.as_deref(), job.register) {
            Ok(Check::Login(login)) => done(job.tag, Outcome::Login(login)),
            Ok(Check::Create(phc)) => {
                // Back to the storage thread to insert (blocking here is
                // fine: this thread serves no client).
                let op = Op::CreateAccount {
                    name: job.name,
                    phc,
                };
                if let Err(tag) = again.send_now(job.tag, op) {
                    done(tag, Outcome::Failed(StoreError::Stopped));
                }
            }
            Err(e) => done(job.tag, Outcome::Failed(e)),
        }
    }
}

struct Worker<T> {
    store: Box<dyn Store>,
    config: StoreConfig,
    done: Completion<T>,
    hash_tx: Sender<HashJob<T>>,
    /// Ops queued and not yet taken (see [`Submit`]).
    queued: Arc<AtomicUsize>,
    stats: CommitStats,
    /// The storage thread's clocks, for the slowest transaction's report.
    clock: ThreadClock,
}

/// What one op of a batch came to before the commit.
enum Step {
    Outcome(Outcome),
    /// A login, to be checked on the password thread.
    Hash {
        name: String,
        password: String,
        stored: Option<String>,
        register: bool,
    },
}

impl<T> Worker<T> {
    fn run(&mut self, rx: &Receiver<Job<T>>) {
        let mut next_prune = Instant::now() + self.config.prune_every;
        let mut stopping = false;
        while !stopping {
            let wait = next_prune.saturating_duration_since(Instant::now());
            let mut batch = match rx.recv_timeout(wait) {
                Ok(Job::Ops(ops)) => self.took(ops),
                Ok(Job::Stop) => break,
                Err(RecvTimeoutError::Timeout) => {
                    self.prune();
                    next_prune = Instant::now() + self.config.prune_every;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            };
            while batch.len() < self.config.batch {
                match rx.try_recv() {
                    Ok(Job::Ops(ops)) => batch.extend(self.took(ops)),
                    Ok(Job::Stop) => {
                        stopping = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.run_batches(batch);
            // A busy worker prunes too, between batches.
            if Instant::now() >= next_prune {
                self.prune();
                next_prune = Instant::now() + self.config.prune_every;
            }
        }
        // Stopping: finish what was queued before the stop.
        let rest: Vec<(T, Option<Op>)> = rx
            .try_iter()
            .flat_map(|job| match job {
                Job::Ops(ops) => ops,
                Job::Stop => Vec::new(),
            })
            .collect();
        self.run_batches(rest);
        self.stats.report_now();
    }

    /// `ops` leave the queue (the refusals among them never counted).
    fn took(&self, ops: Vec<(T, Option<Op>)>) -> Vec<(T, Option<Op>)> {
        let count = ops.iter().filter(|(_, op)| op.is_some()).count();
        self.queued.fetch_sub(count, Ordering::AcqRel);
        ops
    }

    /// `ops` in transactions of at most [`StoreConfig::batch`].
    fn run_batches(&mut self, mut ops: Vec<(T, Option<Op>)>) {
        while !ops.is_empty() {
            let rest = ops.split_off(ops.len().min(self.config.batch.max(1)));
            self.run_batch(ops);
            ops = rest;
        }
    }

    /// One transaction for the whole batch; on any failure, one per op.
    /// Every entry is answered in order, a refusal (`None`) with `Busy`.
    fn run_batch(&mut self, batch: Vec<(T, Option<Op>)>) {
        let ops: Vec<Op> = batch.iter().filter_map(|(_, op)| op.clone()).collect();
        if ops.len() > 1 {
            let count = ops.len();
            match self.transaction(ops) {
                Ok(steps) => {
                    let mut steps = steps.into_iter();
                    for (tag, op) in batch {
                        // A refusal takes no step; a transaction that
                        // succeeds has one for every op.
                        match op.and_then(|_| steps.next()) {
                            Some(step) => self.finish(tag, step),
                            None => (self.done)(tag, Outcome::Failed(StoreError::Busy)),
                        }
                    }
                    return;
                }
                Err(e) => {
                    log::warn!("storage: a batch of {count} failed ({e}); retrying one by one");
                }
            }
        }
        for (tag, op) in batch {
            let Some(op) = op else {
                (self.done)(tag, Outcome::Failed(StoreError::Busy));
                continue;
            };
            match self.transaction(vec![op]) {
                Ok(steps) => {
                    if let Some(step) = steps.into_iter().next() {
                        self.finish(tag, step);
                    }
                }
                Err(e) => {
                    log::error!("storage: {e}");
                    (self.done)(tag, Outcome::Failed(e));
                }
            }
        }
    }

    /// Runs `ops` in one transaction: every step, or the first error (and
    /// nothing changed).
    fn transaction(&mut self, ops: Vec<Op>) -> Result<Vec<Step>, StoreError> {
        let started = Instant::now();
        let cpu_at_start = self.clock.read();
        let count = ops.len();
        self.store.begin()?;
        let mut steps = Vec::with_capacity(ops.len());
        let mut result = Ok(());
        for op in ops {
            let step = match op {
                Op::Login {
                    name,
                    password,
                    register,
                } => self.store.password_hash(&name).map(|stored| Step::Hash {
                    name,
                    password,
                    stored,
                    register,
                }),
                op => apply_query(self.store.as_mut(), op).map(Step::Outcome),
            };
            match step {
                Ok(step) => steps.push(step),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        let statements_done = Instant::now();
        if let Err(e) = result.and_then(|()| self.store.commit()) {
            self.store.rollback();
            return Err(e);
        }
        let committed = Instant::now();
        let cpu = cpu_at_start
            .zip(self.clock.read())
            .map(|(start, end)| end.since(start));
        self.stats.record(
            Transaction {
                ops: count,
                statements: statements_done.saturating_duration_since(started),
                commit: committed.saturating_duration_since(statements_done),
                cpu,
            },
            committed,
        );
        Ok(steps)
    }

    fn finish(&mut self, tag: T, step: Step) {
        match step {
            Step::Outcome(outcome) => (self.done)(tag, outcome),
            Step::Hash {
                name,
                password,
                stored,
                register,
            } => {
                let job = HashJob {
                    tag,
                    name,
                    password,
                    stored,
                    register,
                };
                if let Err(mpsc::SendError(job)) = self.hash_tx.send(job) {
                    (self.done)(job.tag, Outcome::Failed(StoreError::Stopped));
                }
            }
        }
    }

    fn prune(&mut self) {
        let retention = self.config.retention;
        if retention.is_forever() {
            return;
        }
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let result = self
            .store
            .begin()
            .and_then(|()| self.store.prune(&retention, now))
            .and_then(|gone| self.store.commit().map(|()| gone));
        match result {
            Ok(0) => {}
            Ok(gone) => log::info!("retention: deleted {gone} old message(s)"),
            Err(e) => {
                self.store.rollback();
                log::error!("retention: {e}");
            }
        }
    }
}

/// Outcomes of a login, for the log.
impl std::fmt::Display for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Login::Ok => "logged in",
            Login::Created => "account created",
            Login::Wrong => "wrong name or password",
        })
    }
}

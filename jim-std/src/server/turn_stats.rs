//! How long the event loop's turns take, and where the time goes: a turn
//! is the time one client may wait for its answer, so a slow one is what
//! an operator (or the hostile-load bench) needs to see.
//!
//! Cheap enough to be always on: a handful of clock reads per turn. Every
//! [`REPORT_EVERY`] the slowest turn of the interval is logged with its
//! phases — at `info` when it took [`SLOW_TURN`] or more, at `debug`
//! otherwise — so a stall under load shows up in the log as one line per
//! interval, never one per turn.

use std::time::{Duration, Instant};

use crate::slowest::{Interval, Slowest, Timed};
use crate::thread_clock::{ms, ThreadClock, ThreadClocks};

/// How often the slowest turn is reported.
pub(super) const REPORT_EVERY: Duration = Duration::from_secs(10);
/// A turn this long is reported at `info`.
pub(super) const SLOW_TURN: Duration = Duration::from_millis(20);

/// The parts of a turn, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Storage outcomes handed to the hub.
    Stored,
    /// Accepts and the connections with new readiness events.
    Events,
    /// The connections carried over from the last turn.
    Carried,
    /// Hub timers and the sweep of closing and late connections.
    Timers,
    /// Writing the outboxes that changed.
    Flush,
}

const PHASES: usize = 5;

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Stored => "storage",
            Phase::Events => "events",
            Phase::Carried => "carried",
            Phase::Timers => "timers",
            Phase::Flush => "flush",
        }
    }

    const ALL: [Phase; PHASES] = [
        Phase::Stored,
        Phase::Events,
        Phase::Carried,
        Phase::Timers,
        Phase::Flush,
    ];
}

/// One turn's measurements.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Turn {
    phases: [Duration; PHASES],
    /// Readiness events the poll returned.
    pub events: usize,
    /// Connections carried over into this turn.
    pub carried: usize,
    /// Messages and reads, all connections together.
    pub work: usize,
    /// Connections that wrote.
    pub flushed: usize,
    total: Duration,
    /// The loop thread's CPU time in the turn (user and kernel) and its
    /// time waiting for a CPU: far below `total` on the CPU, the thread
    /// was preempted (the waiting time) or blocked in the kernel (the
    /// rest) rather than working.
    cpu: Option<ThreadClocks>,
}

impl Timed for Turn {
    fn total(&self) -> Duration {
        self.total
    }
}

/// The turn under way and the interval's slowest.
pub(super) struct TurnStats {
    turn_start: Instant,
    /// The thread's clocks when the turn started.
    turn_cpu: Option<ThreadClocks>,
    clock: ThreadClock,
    phase_start: Instant,
    current: Turn,
    slowest: Slowest<Turn>,
}

impl TurnStats {
    pub(super) fn new(now: Instant) -> Self {
        TurnStats {
            turn_start: now,
            turn_cpu: None,
            clock: ThreadClock::new(),
            phase_start: now,
            current: Turn::default(),
            slowest: Slowest::new(now, REPORT_EVERY, SLOW_TURN),
        }
    }

    /// The poll returned: a turn starts.
    pub(super) fn start(&mut self, events: usize, carried: usize) {
        let now = Instant::now();
        self.turn_start = now;
        self.turn_cpu = self.clock.read();
        self.phase_start = now;
        self.current = Turn {
            events,
            carried,
            ..Turn::default()
        };
    }

    /// `phase` has just finished.
    pub(super) fn phase_done(&mut self, phase: Phase) {
        let now = Instant::now();
        let spent = now.saturating_duration_since(self.phase_start);
        if let Some(slot) = self.current.phases.get_mut(phase as usize) {
            *slot += spent;
        }
        self.phase_start = now;
    }

    /// The turn is over; reports the interval's slowest when it is time.
    pub(super) fn finish(&mut self, work: usize, flushed: usize) {
        let now = Instant::now();
        self.current.work = work;
        self.current.flushed = flushed;
        self.current.total = now.saturating_duration_since(self.turn_start);
        self.current.cpu = self
            .turn_cpu
            .zip(self.clock.read())
            .map(|(start, end)| end.since(start));
        if let Some(interval) = self.slowest.record(self.current, now) {
            self.slowest.log(&interval, &describe(&interval));
        }
    }

    /// Reports the interval so far, at `info` whatever it was (at
    /// shutdown: the last word on how the loop kept up).
    pub(super) fn report_now(&self) {
        if let Some(interval) = self.slowest.so_far() {
            log::info!("{}", describe(&interval));
        }
    }
}

/// `slowest turn 31.2 ms (events 30.1 ms, …; 120 events, …) of 5120 turns, 3 of them …`.
fn describe(interval: &Interval<Turn>) -> String {
    let (t, turns, slow) = (&interval.slowest, interval.count, interval.slow);
    let phases: Vec<String> = Phase::ALL
        .iter()
        .filter_map(|&p| {
            let d = t.phases.get(p as usize).copied().unwrap_or_default();
            (d >= Duration::from_micros(100)).then(|| format!("{} {}", p.name(), ms(d)))
        })
        .collect();
    let cpu = t.cpu.map_or(String::new(), |c| c.describe());
    format!(
        "slowest turn {}{cpu} ({}{}{} events, {} carried over, {} messages and reads, {} flushed) of {turns} turns, {slow} of them {} or longer",
        ms(t.total),
        phases.join(", "),
        if phases.is_empty() { "" } else { "; " },
        t.events,
        t.carried,
        t.work,
        t.flushed,
        ms(SLOW_TURN),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_names_the_phases_that_took_time() {
        let mut t = Turn {
            events: 7,
            carried: 2,
            work: 40,
            flushed: 3,
            total: Duration::from_millis(31),
            cpu: Some(ThreadClocks {
                on_cpu: Duration::from_millis(2),
                waiting_for_cpu: Some(Duration::from_micros(25_400)),
                switches: Some(3),
            }),
            ..Turn::default()
        };
        t.phases[Phase::Events as usize] = Duration::from_millis(30);
        t.phases[Phase::Flush as usize] = Duration::from_micros(10);
        let line = describe(&Interval {
            slowest: t,
            count: 500,
            slow: 1,
        });
        assert_eq!(
            line,
            "slowest turn 31.0 ms, 2.0 ms of it on the CPU, 25.4 ms waiting for one, 3 context switches (events 30.0 ms; 7 events, 2 carried over, 40 messages and reads, 3 flushed) of 500 turns, 1 of them 20.0 ms or longer"
        );
    }

    #[test]
    fn the_slowest_turn_is_kept_until_the_report() {
        let mut stats = TurnStats::new(Instant::now());
        stats.start(1, 0);
        // At least 3 ms of wall time and, where the clock can be read, 1 ms
        // of CPU time (which a shared machine's hypervisor may take much
        // longer to give: spin on the thread's own clock, within a bound).
        let mut clock = ThreadClock::new();
        let before = clock.read();
        let spin = Instant::now();
        loop {
            std::hint::spin_loop();
            let on_cpu = before
                .zip(clock.read())
                .map_or(Duration::MAX, |(b, now)| now.since(b).on_cpu);
            if spin.elapsed() >= Duration::from_millis(3) && on_cpu >= Duration::from_millis(1) {
                break;
            }
            assert!(spin.elapsed() < Duration::from_secs(10), "no CPU time");
        }
        stats.phase_done(Phase::Events);
        stats.finish(5, 1);
        stats.start(2, 0);
        stats.finish(1, 0);
        let interval = stats.slowest.so_far().unwrap();
        assert_eq!(interval.count, 2);
        let slowest = interval.slowest;
        assert!(slowest.total >= Duration::from_millis(3));
        assert_eq!(slowest.work, 5);
        assert!(slowest.phases[Phase::Events as usize] >= Duration::from_millis(3));
        // Spinning is CPU time (where the clock can be read at all).
        if let Some(cpu) = slowest.cpu.map(|c| c.on_cpu) {
            assert!(cpu >= Duration::from_millis(1), "{cpu:?}");
        }
    }
}

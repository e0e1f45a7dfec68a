//! How much of the loop a connection has used lately: the work it was
//! served, decaying by half every [`HALF_LIFE`].
//!
//! The loop serves new input from light connections first, so a client
//! that sends a request now and then is answered in the turn it arrives
//! even while a thousand others keep the loop busy; the heavy ones take
//! their turns in order within the turn's budget. "Light" must be cheap to
//! know before reading, so it is what a connection cost in the past.

use std::time::Duration;

/// Past work counts half after this long.
pub(super) const HALF_LIFE: Duration = Duration::from_millis(20);
/// Work (messages, reads and KiB read, as the turn's budget counts it) at
/// or above which a connection is heavy. A client at the default rate
/// limit (50 requests/s, a request and a read every 20 ms) settles near 4;
/// a login's burst of a few requests stays below it; a connection served
/// a full slice (16 messages, 4 reads) is heavy for about 60 ms after.
pub(super) const HEAVY: f32 = 8.0;

/// A connection's recent work, decayed to the time it was last updated.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct RecentLoad {
    work: f32,
    at: Duration,
}

impl RecentLoad {
    /// The work as of `now`.
    pub(super) fn at(&self, now: Duration) -> f32 {
        let age = now.saturating_sub(self.at).as_secs_f32();
        self.work * 0.5f32.powf(age / HALF_LIFE.as_secs_f32())
    }

    /// Whether the connection has been heavy lately.
    pub(super) fn is_heavy(&self, now: Duration) -> bool {
        self.at(now) >= HEAVY
    }

    /// Counts `units` of work served at `now`.
    pub(super) fn add(&mut self, units: usize, now: Duration) {
        // Capped: after a long flood a connection is light again within a
        // few hundred milliseconds of going quiet.
        self.work = (self.at(now) + units as f32).min(1_000.0);
        self.at = now.max(self.at);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn a_new_connection_is_light() {
        assert!(!RecentLoad::default().is_heavy(ms(0)));
    }

    #[test]
    fn a_full_slice_makes_it_heavy_and_it_decays_by_half_each_half_life() {
        let mut load = RecentLoad::default();
        load.add(20, ms(100));
        assert!(load.is_heavy(ms(100)));
        assert!((load.at(ms(120)) - 10.0).abs() < 0.01);
        assert!((load.at(ms(140)) - 5.0).abs() < 0.01);
        assert!(!load.is_heavy(ms(140)));
    }

    #[test]
    fn a_client_at_the_rate_limit_stays_light_and_a_flood_does_not() {
        // A request and a read every 20 ms.
        let mut polite = RecentLoad::default();
        for i in 0..500 {
            polite.add(2, ms(20 * i));
        }
        assert!(!polite.is_heavy(ms(20 * 500)));
        // Two messages and a read every 2 ms: a small slice each turn.
        let mut flood = RecentLoad::default();
        for i in 0..500 {
            flood.add(3, ms(2 * i));
        }
        assert!(flood.is_heavy(ms(2 * 500)));
    }

    #[test]
    fn a_long_flood_is_forgotten_soon_after_it_stops() {
        let mut load = RecentLoad::default();
        for i in 0..10_000 {
            load.add(20, ms(i));
        }
        // Capped at 1,000: light again seven half-lives later.
        assert!(!load.is_heavy(ms(10_000 + 7 * 20)));
    }

    #[test]
    fn time_going_backwards_does_not_add_weight() {
        let mut load = RecentLoad::default();
        load.add(4, ms(100));
        load.add(4, ms(50));
        assert!((load.at(ms(100)) - 8.0).abs() < 0.01);
    }
}

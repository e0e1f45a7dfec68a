//! Which new input a turn serves first, and how much of it: the light
//! connections (little work lately, nothing left unread) before the heavy,
//! the longest-connected light ones first, and past the turn's budget
//! smaller slices and then a wait — so that a client sending a request
//! now and then is answered in the turn it arrives while a thousand others
//! flood, and no turn grows long however many connections have input.
//!
//! The budget is counted twice: in work (messages, reads, KiB read) and in
//! time since the turn began, whichever runs out first. Work is what a
//! test can count; time is what the waiting client feels, and the cost of
//! a read or a close differs between machines by more than the work says
//! (a one-byte read cost 13 µs on one build machine, a message 3 µs).

use std::time::Duration;

use super::input::Slice;
use super::TURN_BUDGET;
use crate::hub::ClientId;

/// Work in one turn past which even light connections wait for the next
/// turn (the longest-connected are served first).
pub(super) const LIGHT_LIMIT: usize = 2 * TURN_BUDGET;
/// The turn's budget in time: past it, as past [`TURN_BUDGET`].
pub(super) const TURN_TIME: Duration = Duration::from_millis(2);
/// Past this much of a turn, as past [`LIGHT_LIMIT`].
pub(super) const LIGHT_TIME: Duration = Duration::from_millis(4);

/// What the turn knows of a connection with new input, before reading it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Candidate {
    pub key: usize,
    /// `None` for a client turned away at the door.
    pub id: Option<ClientId>,
    /// Its last serving left input unread.
    pub backlogged: bool,
    /// Its recent load says heavy.
    pub heavy: bool,
}

/// The turn's connections with new input, in the order they are served.
#[derive(Debug, Default)]
pub(super) struct NewInput {
    /// By client id: the oldest connection first; the turned away last.
    light: Vec<(u64, usize)>,
    heavy: Vec<usize>,
}

impl NewInput {
    pub(super) fn push(&mut self, c: Candidate) {
        if c.backlogged || c.heavy {
            self.heavy.push(c.key);
        } else {
            self.light.push((c.id.map_or(u64::MAX, |id| id.0), c.key));
        }
    }

    /// The light connections, the longest-connected first; then the heavy,
    /// in the order their input came. Empties the lists (their allocation
    /// is kept for the next turn).
    pub(super) fn drain_light(&mut self) -> impl Iterator<Item = usize> + '_ {
        self.light.sort_unstable();
        self.light.drain(..).map(|(_, key)| key)
    }

    /// The heavy connections, in the order their input came.
    pub(super) fn drain_heavy(&mut self) -> impl Iterator<Item = usize> + '_ {
        self.heavy.drain(..)
    }
}

/// How much a light connection gets once the turn has done `turn_work`
/// in `spent`; `None`: it waits for the next turn, first in the queue.
pub(super) fn light_slice(turn_work: usize, spent: Duration) -> Option<Slice> {
    if turn_work < TURN_BUDGET && spent < TURN_TIME {
        Some(Slice::FULL)
    } else if turn_work < LIGHT_LIMIT && spent < LIGHT_TIME {
        Some(Slice::SMALL)
    } else {
        None
    }
}

/// How much a heavy connection gets once the turn has done `turn_work`
/// in `spent`; `None`: it waits for its place in the queue.
pub(super) fn heavy_slice(turn_work: usize, spent: Duration) -> Option<Slice> {
    (turn_work < TURN_BUDGET && spent < TURN_TIME).then_some(Slice::FULL)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn light(key: usize, id: u64) -> Candidate {
        Candidate {
            key,
            id: Some(ClientId(id)),
            backlogged: false,
            heavy: false,
        }
    }

    /// Runs one turn's new input the way the loop does, each served
    /// connection costing `cost` units; the keys served, in order.
    fn serve(mut input: NewInput, cost: usize) -> (Vec<usize>, Vec<usize>) {
        let mut work = 0;
        let mut served = Vec::new();
        let mut waiting = Vec::new();
        let lights: Vec<usize> = input.drain_light().collect();
        for key in lights {
            match light_slice(work, Duration::ZERO) {
                Some(_) => {
                    served.push(key);
                    work += cost;
                }
                None => waiting.push(key),
            }
        }
        let heavies: Vec<usize> = input.drain_heavy().collect();
        for key in heavies {
            match heavy_slice(work, Duration::ZERO) {
                Some(_) => {
                    served.push(key);
                    work += cost;
                }
                None => waiting.push(key),
            }
        }
        (served, waiting)
    }

    #[test]
    fn an_established_client_goes_before_a_burst_of_a_thousand_new_ones() {
        let mut input = NewInput::default();
        // Their input came first, in the poll's order.
        for key in 0..1000 {
            input.push(light(key, 100 + key as u64));
        }
        input.push(light(5000, 7));
        let (served, waiting) = serve(input, 3);
        assert_eq!(served.first(), Some(&5000));
        // And the turn stays bounded: most of the burst waits.
        assert!(
            served.len() * 3 <= LIGHT_LIMIT + 3,
            "{} served",
            served.len()
        );
        assert_eq!(served.len() + waiting.len(), 1001);
        // The newest are the ones that wait.
        assert_eq!(waiting.last(), Some(&999));
    }

    #[test]
    fn a_backlogged_or_busy_connection_goes_after_every_light_one() {
        let mut input = NewInput::default();
        input.push(Candidate {
            backlogged: true,
            ..light(1, 1)
        });
        input.push(Candidate {
            heavy: true,
            ..light(2, 2)
        });
        input.push(light(3, 30));
        input.push(light(4, 40));
        let (served, _) = serve(input, 1);
        assert_eq!(served, [3, 4, 1, 2]);
    }

    #[test]
    fn past_the_budget_heavy_ones_wait_and_light_ones_get_a_small_slice() {
        let zero = Duration::ZERO;
        assert!(heavy_slice(TURN_BUDGET - 1, zero).is_some());
        assert!(heavy_slice(TURN_BUDGET, zero).is_none());
        assert!(matches!(light_slice(TURN_BUDGET - 1, zero), Some(s) if s.frames() > 2));
        assert!(matches!(light_slice(TURN_BUDGET, zero), Some(s) if s.frames() <= 2));
        assert!(light_slice(LIGHT_LIMIT, zero).is_none());
    }

    #[test]
    fn past_the_budget_in_time_as_past_it_in_work() {
        assert!(heavy_slice(0, TURN_TIME - Duration::from_micros(1)).is_some());
        assert!(heavy_slice(0, TURN_TIME).is_none());
        assert!(matches!(light_slice(0, TURN_TIME), Some(s) if s.frames() <= 2));
        assert!(light_slice(0, LIGHT_TIME).is_none());
    }

    #[test]
    fn a_flood_of_heavy_ones_cannot_fill_the_turn_past_its_budget() {
        let mut input = NewInput::default();
        for key in 0..1000 {
            input.push(Candidate {
                backlogged: true,
                ..light(key, key as u64)
            });
        }
        input.push(light(2000, 2000));
        let (served, waiting) = serve(input, 20);
        assert_eq!(served.first(), Some(&2000), "the light one first");
        assert!(served.len() * 20 <= TURN_BUDGET + 20);
        // The heavy keep their order.
        assert!(waiting.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn turned_away_connections_come_last_among_the_light() {
        let mut input = NewInput::default();
        input.push(Candidate {
            id: None,
            ..light(1, 0)
        });
        input.push(light(2, u64::MAX - 1));
        let (served, _) = serve(input, 1);
        assert_eq!(served, [2, 1]);
    }
}

//! Time from the LAN9118's `FREE_RUN` counter (25 MHz, 32 bits), extended
//! to 64 bits, and the embassy-time driver built on it.
//!
//! The counter wraps every 2³² / 25 MHz ≈ 171.8 s. [`now_ticks`] notices a
//! wrap as "the count went down since the last read", so it must be called
//! at least once per wrap period; the polling network stacks here call it
//! thousands of times a second.
//!
//! Until [`start`] is given the counter (which only a running
//! [`Lan9118`](crate::lan9118::Lan9118) hands out: its soft reset restarts
//! the count), time stands still at zero.
//!
//! Alarms: [`Driver::schedule_wake`] wakes the task at once, and the
//! executor polls it again until its deadline has passed. That is a busy
//! wait — the driver polls the NIC the same way, so the CPU never sleeps
//! anyway. (A real board would program a compare timer and `wfe`.)

use core::cell::Cell;
use core::task::Waker;

use critical_section::Mutex;
use embassy_time_driver::Driver;

use crate::lan9118::FreeRun;

/// The 64-bit extension state: the counter, its last reading, and how many
/// times it has wrapped.
#[derive(Clone, Copy)]
struct State {
    counter: Option<FreeRun>,
    last: u32,
    wraps: u32,
}

static STATE: Mutex<Cell<State>> = Mutex::new(Cell::new(State {
    counter: None,
    last: 0,
    wraps: 0,
}));

/// Starts the clock on `counter`; time 0 is now.
pub fn start(counter: FreeRun) {
    critical_section::with(|cs| {
        STATE.borrow(cs).set(State {
            counter: Some(counter),
            last: counter.read(),
            wraps: 0,
        })
    });
}

/// `FREE_RUN` ticks (25 MHz) since the NIC's reset, 64 bits; 0 before
/// [`start`].
pub fn now_ticks() -> u64 {
    critical_section::with(|cs| {
        let cell = STATE.borrow(cs);
        let mut state = cell.get();
        let Some(counter) = state.counter else {
            return 0;
        };
        let raw = counter.read();
        if raw < state.last {
            state.wraps = state.wraps.wrapping_add(1);
        }
        state.last = raw;
        cell.set(state);
        (u64::from(state.wraps) << 32) | u64::from(raw)
    })
}

/// Microseconds since the NIC's reset.
pub fn now_micros() -> u64 {
    now_ticks() / u64::from(FreeRun::HZ / 1_000_000)
}

// embassy-time counts in TICK_HZ ticks; ours are microseconds.
const _: () = assert!(embassy_time_driver::TICK_HZ == 1_000_000);

/// The embassy-time driver: `FREE_RUN` for the clock, immediate wake-ups
/// for alarms.
pub struct FreeRunDriver;

impl Driver for FreeRunDriver {
    fn now(&self) -> u64 {
        now_micros()
    }

    fn schedule_wake(&self, _at: u64, waker: &Waker) {
        // Re-poll at once; the timer future compares `now` with its
        // deadline and asks again until it has passed.
        waker.wake_by_ref();
    }
}

// The macro defines the `#[no_mangle]` hooks embassy-time links against.
#[allow(unsafe_code)]
mod hooks {
    embassy_time_driver::time_driver_impl!(static DRIVER: super::FreeRunDriver = super::FreeRunDriver);
}

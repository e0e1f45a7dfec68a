//! The timers: a `probe` after half the idle timeout of silence, a close at
//! the idle timeout, and the periodic report of bad input per client.

use std::time::Duration;

use jim_core::{Escaping, Probe, Timestamp};
use log::info;

use super::{reply, ClientId, CloseReason, Effects, Hub, Time};

/// How often bad input is summed up in the log, per client.
pub(crate) const REPORT_EVERY: Duration = Duration::from_secs(10);

impl Hub {
    /// Runs the timers. Returns how soon the next tick is wanted: sooner
    /// when more clients expired (or are due a probe) than
    /// [`max_expired_per_tick`] allowed.
    ///
    /// [`max_expired_per_tick`]: super::HubConfig::max_expired_per_tick
    pub fn tick(&mut self, now: Time, out: &mut Effects) -> Duration {
        let idle = self.config.idle_timeout;
        let mut expired: Vec<ClientId> = Vec::new();
        let mut more_expired = false;
        let mut probes: Vec<ClientId> = Vec::new();
        for (&id, client) in &mut self.clients {
            let to_report = client.bad_requests > 0 || client.refused > 0;
            if to_report && now.elapsed >= client.next_report {
                if client.bad_requests > 0 {
                    info!(
                        "client {client}: {} bad request(s) in the last {} s (last: {})",
                        client.bad_requests,
                        REPORT_EVERY.as_secs(),
                        client.last_bad.as_deref().unwrap_or("?")
                    );
                }
                if client.refused > 0 {
                    info!(
                        "client {client}: {} request(s) over the rate limit in the last {} s",
                        client.refused,
                        REPORT_EVERY.as_secs(),
                    );
                }
                client.bad_requests = 0;
                client.refused = 0;
                client.next_report = now.elapsed + REPORT_EVERY;
            }
            if idle.is_zero() {
                continue;
            }
            let silent = now.elapsed.saturating_sub(client.last_input.elapsed);
            if silent >= idle {
                if expired.len() < self.config.max_expired_per_tick {
                    expired.push(id);
                } else {
                    more_expired = true;
                }
            } else if silent >= idle / 2 && !client.probed {
                // Spread like the closes: thousands that went silent
                // together are probed over several ticks.
                if probes.len() < self.config.max_expired_per_tick {
                    client.probed = true;
                    probes.push(id);
                } else {
                    more_expired = true;
                }
            }
        }
        // Ids sorted: the same effects in the same order every run.
        probes.sort_unstable();
        expired.sort_unstable();
        if !probes.is_empty() {
            let probe = Probe {
                time: Timestamp::Seconds(now.unix),
            };
            if let Some(line) = reply::encode(&probe, Escaping::Ascii) {
                for id in probes {
                    out.send(id, line.clone());
                }
            }
        }
        for id in expired {
            self.disconnect(id, CloseReason::Idle, now, out);
        }
        if more_expired {
            return Duration::from_millis(1);
        }
        if idle.is_zero() {
            REPORT_EVERY
        } else {
            (idle / 4).clamp(Duration::from_millis(10), Duration::from_secs(1))
        }
    }
}

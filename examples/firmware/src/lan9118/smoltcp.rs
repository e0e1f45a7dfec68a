//! [`smoltcp::phy::Device`] for [`Lan9118`] (smoltcp 0.14, for direct
//! use): the RX and TX tokens smoltcp consumes.

use super::{Lan9118, Tx, MAX_FRAME};

/// Received frame, for smoltcp.
pub struct SmoltcpRx<'a>(&'a [u8]);
/// Frame to send, for smoltcp.
pub struct SmoltcpTx<'a>(Tx<'a>);

impl smoltcp::phy::RxToken for SmoltcpRx<'_> {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl smoltcp::phy::TxToken for SmoltcpTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        self.0.send(len, f)
    }
}

impl smoltcp::phy::Device for Lan9118 {
    type RxToken<'a> = SmoltcpRx<'a>;
    type TxToken<'a> = SmoltcpTx<'a>;

    fn receive(
        &mut self,
        _now: smoltcp::time::Instant,
    ) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        if !self.tx_ready() {
            return None;
        }
        let len = self.receive_frame()?;
        let (rx, tx) = self.split(len);
        Some((SmoltcpRx(rx), SmoltcpTx(tx)))
    }

    fn transmit(&mut self, _now: smoltcp::time::Instant) -> Option<Self::TxToken<'_>> {
        if self.tx_ready() {
            Some(SmoltcpTx(self.split(0).1))
        } else {
            None
        }
    }

    fn capabilities(&self) -> smoltcp::phy::DeviceCapabilities {
        let mut caps = smoltcp::phy::DeviceCapabilities::default();
        caps.medium = smoltcp::phy::Medium::Ethernet;
        caps.max_transmission_unit = MAX_FRAME;
        caps.max_burst_size = Some(1);
        caps
    }
}

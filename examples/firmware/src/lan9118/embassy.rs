//! [`embassy_net_driver::Driver`] for [`Lan9118`]: the RX and TX tokens
//! embassy-net consumes.

use super::{Lan9118, Tx, MAX_FRAME};

/// Received frame, for embassy-net.
pub struct EmbassyRx<'a>(&'a mut [u8]);
/// Frame to send, for embassy-net.
pub struct EmbassyTx<'a>(Tx<'a>);

impl embassy_net_driver::RxToken for EmbassyRx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl embassy_net_driver::TxToken for EmbassyTx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        self.0.send(len, f)
    }
}

impl embassy_net_driver::Driver for Lan9118 {
    type RxToken<'a> = EmbassyRx<'a>;
    type TxToken<'a> = EmbassyTx<'a>;

    fn receive(
        &mut self,
        cx: &mut core::task::Context,
    ) -> Option<(Self::RxToken<'_>, Self::TxToken<'_>)> {
        // The answer to a frame may need sending at once: only take a
        // frame out of the FIFO when there is room to reply.
        let len = if self.tx_ready() {
            self.receive_frame()
        } else {
            None
        };
        match len {
            Some(len) => {
                let (rx, tx) = self.split(len);
                Some((EmbassyRx(rx), EmbassyTx(tx)))
            }
            None => {
                // Polling: ask to be polled again straight away.
                cx.waker().wake_by_ref();
                None
            }
        }
    }

    fn transmit(&mut self, cx: &mut core::task::Context) -> Option<Self::TxToken<'_>> {
        if self.tx_ready() {
            Some(EmbassyTx(self.split(0).1))
        } else {
            cx.waker().wake_by_ref();
            None
        }
    }

    fn link_state(&mut self, cx: &mut core::task::Context) -> embassy_net_driver::LinkState {
        if self.link_up() {
            embassy_net_driver::LinkState::Up
        } else {
            cx.waker().wake_by_ref();
            embassy_net_driver::LinkState::Down
        }
    }

    fn capabilities(&self) -> embassy_net_driver::Capabilities {
        let mut caps = embassy_net_driver::Capabilities::default();
        caps.max_transmission_unit = MAX_FRAME;
        caps.max_burst_size = Some(1);
        caps
    }

    fn hardware_address(&self) -> embassy_net_driver::HardwareAddress {
        embassy_net_driver::HardwareAddress::Ethernet(self.mac)
    }
}

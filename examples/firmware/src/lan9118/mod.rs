//! A polling driver for the SMSC LAN9118 10/100 Ethernet controller, as
//! fitted to Arm's MPS2 boards (and modelled by QEMU's `mps2-an385` and
//! `mps2-an386` machines) at [`MPS2_BASE`].
//!
//! It implements [`embassy_net_driver::Driver`] (for embassy-net) and
//! [`smoltcp::phy::Device`](::smoltcp::phy::Device) (smoltcp 0.14, for
//! direct use). Both share one frame buffer for each direction and the same
//! two primitives: move the next received frame out of the RX FIFO, push a
//! frame into the TX FIFO.
//!
//! No interrupts: the controller is polled. When nothing has arrived, the
//! embassy `receive` wakes its task at once, so the executor polls again;
//! that is a busy loop, fine under emulation and for a demo, wasteful on a
//! battery.
//!
//! Register names, offsets and bit positions below are those of the public
//! SMSC (now Microchip) *LAN9118 High Performance single-chip 10/100
//! Non-PCI Ethernet Controller* datasheet: chapter 5 "Register
//! Description" — the "System Control and Status Registers" (direct,
//! 32-bit, offsets from the base), the "MAC Control and Status Registers"
//! (indirect, through `MAC_CSR_CMD`/`MAC_CSR_DATA`) and the "PHY
//! Registers" (indirect again, through the MAC's `MII_ACC`/`MII_DATA`) —
//! and chapter 3's "TX Command 'A'", "TX Command 'B'" and "RX Status
//! Format" for the FIFO words.
//!
//! All memory-mapped access goes through [`Regs::read`] and [`Regs::write`];
//! they are the only `unsafe` code in this module.
//!
//! Files: `regs.rs`, the register map and the MMIO accessor; `embassy.rs`
//! and `smoltcp.rs`, the two network-stack adapters; this one, the driver.

use core::sync::atomic::{AtomicBool, Ordering};

use regs::{
    mac, Reg, Regs, BYTE_TEST_VALUE, FCS_LEN, HW_CFG_SRST, PHY_BSR, PHY_BSR_LINK_UP,
    PMT_CTRL_READY, RX_STATUS_ES, RX_STATUS_LEN_MASK, RX_STATUS_LEN_SHIFT, TX_CFG_TX_ON,
    TX_CMD_A_FIRST_SEG, TX_CMD_A_LAST_SEG, TX_CMD_B_TAG_SHIFT, TX_STATUS_ES,
};

mod embassy;
mod regs;
mod smoltcp;

pub use embassy::{EmbassyRx, EmbassyTx};
pub use regs::FreeRun;
pub use smoltcp::{SmoltcpRx, SmoltcpTx};

/// Base address of the LAN9118 on the MPS2 boards (AN385, AN386): the
/// "Ethernet" entry of their memory maps, and where QEMU maps its model.
pub const MPS2_BASE: usize = 0x4020_0000;

/// Largest Ethernet frame handled, without FCS: 14-byte header + 1500.
pub const MAX_FRAME: usize = 1514;

/// Frame buffer size: a whole frame plus its 4-byte FCS, in 32-bit words.
const BUF_LEN: usize = 1536;

/// Why [`Lan9118::take`] failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The driver was already taken.
    Taken,
    /// `BYTE_TEST` did not read `0x8765_4321`: no controller there.
    NotFound(u32),
    /// The controller did not finish a reset or register access in time.
    Timeout,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Taken => f.write_str("LAN9118 driver already taken"),
            Error::NotFound(v) => write!(f, "no LAN9118: BYTE_TEST reads {v:#010x}"),
            Error::Timeout => f.write_str("LAN9118 did not respond in time"),
        }
    }
}

static TAKEN: AtomicBool = AtomicBool::new(false);

/// The LAN9118, reset and running: MAC address loaded, TX and RX on.
pub struct Lan9118 {
    regs: Regs,
    mac: [u8; 6],
    rx: [u8; BUF_LEN],
    tx: [u8; BUF_LEN],
    /// Frames dropped on receive (errors or oversize).
    rx_dropped: u32,
    /// Frames the controller reported as failed on transmit.
    tx_errors: u32,
}

impl Lan9118 {
    /// Finds, resets and starts the MPS2's controller. Succeeds once.
    ///
    /// Sequence: check `BYTE_TEST`; soft reset (`HW_CFG.SRST`, wait for it
    /// to clear and for `PMT_CTRL.READY`); mask and clear interrupts (this
    /// driver polls); read the MAC address the controller loaded from its
    /// EEPROM (`ADDRL`/`ADDRH`); enable the MAC's transmitter and receiver
    /// (`MAC_CR.TXEN|RXEN`, full duplex) and the TX data path (`TX_CFG.TX_ON`).
    pub fn take() -> Result<Self, Error> {
        if TAKEN.swap(true, Ordering::AcqRel) {
            return Err(Error::Taken);
        }
        let regs = Regs::mps2();
        let byte_test = regs.read(Reg::ByteTest);
        if byte_test != BYTE_TEST_VALUE {
            return Err(Error::NotFound(byte_test));
        }

        regs.write(Reg::HwCfg, HW_CFG_SRST);
        regs.wait(Reg::HwCfg, HW_CFG_SRST, 0)?;
        regs.wait(Reg::PmtCtrl, PMT_CTRL_READY, PMT_CTRL_READY)?;

        regs.write(Reg::IntEn, 0);
        regs.write(Reg::IntSts, u32::MAX);
        regs.write(Reg::IrqCfg, 0);

        let lo = regs.mac_read(mac::ADDRL)?.to_le_bytes();
        let hi = regs.mac_read(mac::ADDRH)?.to_le_bytes();
        let mut mac_addr = [lo[0], lo[1], lo[2], lo[3], hi[0], hi[1]];
        if mac_addr == [0; 6] || mac_addr == [0xFF; 6] {
            // No EEPROM: a locally administered unicast address.
            mac_addr = [0x02, 0x00, 0x00, 0x00, 0x91, 0x18];
            let [a, b, c, d, e, f] = mac_addr;
            regs.mac_write(mac::ADDRL, u32::from_le_bytes([a, b, c, d]))?;
            regs.mac_write(mac::ADDRH, u32::from_le_bytes([e, f, 0, 0]))?;
        }

        // RX: no offset, 4-byte end alignment (RX_CFG = 0).
        regs.write(Reg::RxCfg, 0);
        regs.mac_write(mac::CR, mac::CR_FDPX | mac::CR_TXEN | mac::CR_RXEN)?;
        regs.write(Reg::TxCfg, TX_CFG_TX_ON);

        Ok(Lan9118 {
            regs,
            mac: mac_addr,
            rx: [0; BUF_LEN],
            tx: [0; BUF_LEN],
            rx_dropped: 0,
            tx_errors: 0,
        })
    }

    /// The MAC address.
    pub fn mac_address(&self) -> [u8; 6] {
        self.mac
    }

    /// A handle on the `FREE_RUN` counter, for a clock. Only obtainable
    /// from a running driver: the soft reset in [`take`](Self::take)
    /// restarts the counter, so it is meaningful only afterwards.
    pub fn free_run(&self) -> FreeRun {
        FreeRun { regs: self.regs }
    }

    /// Whether the PHY reports the link up ("Basic Status Register" bit 2).
    pub fn link_up(&self) -> bool {
        matches!(self.regs.phy_read(PHY_BSR), Ok(bsr) if u32::from(bsr) & PHY_BSR_LINK_UP != 0)
    }

    /// Frames dropped on receive, and frames that failed on transmit.
    pub fn error_counts(&self) -> (u32, u32) {
        (self.rx_dropped, self.tx_errors)
    }

    /// Moves the next good received frame (without FCS) into the RX
    /// buffer and returns its length; `None` when nothing is waiting.
    /// Bad or oversized frames are read out of the FIFO and dropped.
    fn receive_frame(&mut self) -> Option<usize> {
        loop {
            let inf = self.regs.read(Reg::RxFifoInf);
            if (inf >> 16) & 0xFF == 0 {
                return None;
            }
            let status = self.regs.read(Reg::RxStatusFifo);
            let len = ((status >> RX_STATUS_LEN_SHIFT) & RX_STATUS_LEN_MASK) as usize;
            let words = len.div_ceil(4);
            let good = status & RX_STATUS_ES == 0 && len > FCS_LEN && words * 4 <= BUF_LEN;
            if good {
                for chunk in self.rx.chunks_exact_mut(4).take(words) {
                    chunk.copy_from_slice(&self.regs.read(Reg::RxDataFifo).to_le_bytes());
                }
                return Some(len - FCS_LEN);
            }
            // Drain the frame's words to keep the FIFO in step. (The
            // datasheet's fast-forward, RX_DP_CTRL.RX_FFWD, would do for
            // frames of 4+ words; reading works for all.)
            for _ in 0..words {
                self.regs.read(Reg::RxDataFifo);
            }
            self.rx_dropped = self.rx_dropped.wrapping_add(1);
        }
    }

    /// Whether the TX data FIFO has room for a whole frame and its two
    /// command words. Also drains the TX status FIFO, counting errors.
    fn tx_ready(&mut self) -> bool {
        tx_ready(self.regs, &mut self.tx_errors)
    }

    /// Both buffers at once, with the register handle, for the token pairs.
    fn split(&mut self, rx_len: usize) -> (&mut [u8], Tx<'_>) {
        let Lan9118 { regs, rx, tx, .. } = self;
        (
            &mut rx[..rx_len],
            Tx {
                regs: *regs,
                buf: tx,
            },
        )
    }
}

fn tx_ready(regs: Regs, errors: &mut u32) -> bool {
    let inf = regs.read(Reg::TxFifoInf);
    for _ in 0..(inf >> 16) & 0xFF {
        if regs.read(Reg::TxStatusFifo) & TX_STATUS_ES != 0 {
            *errors = errors.wrapping_add(1);
        }
    }
    (inf & 0xFFFF) as usize >= BUF_LEN + 8
}

/// Pushes the first `len` bytes of `buf` (at most [`MAX_FRAME`]) into the
/// TX data FIFO as one single-segment frame; the MAC pads short frames and
/// appends the FCS.
fn send_frame(regs: Regs, buf: &[u8; BUF_LEN], len: usize) {
    let len = len.min(MAX_FRAME);
    let len32 = len as u32; // <= 1514: fits the 11-bit fields
    regs.write(
        Reg::TxDataFifo,
        TX_CMD_A_FIRST_SEG | TX_CMD_A_LAST_SEG | len32,
    );
    regs.write(Reg::TxDataFifo, (len32 << TX_CMD_B_TAG_SHIFT) | len32);
    for chunk in buf.chunks_exact(4).take(len.div_ceil(4)) {
        regs.write(
            Reg::TxDataFifo,
            u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]),
        );
    }
}

/// The transmit half handed out in tokens: the TX buffer and the registers.
pub struct Tx<'a> {
    regs: Regs,
    buf: &'a mut [u8; BUF_LEN],
}

impl Tx<'_> {
    fn send<R>(self, len: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let len = len.min(MAX_FRAME);
        let r = f(&mut self.buf[..len]);
        send_frame(self.regs, self.buf, len);
        r
    }
}

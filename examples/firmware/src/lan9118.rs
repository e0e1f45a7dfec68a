//! A polling driver for the SMSC LAN9118 10/100 Ethernet controller, as
//! fitted to Arm's MPS2 boards (and modelled by QEMU's `mps2-an385` and
//! `mps2-an386` machines) at [`MPS2_BASE`].
//!
//! It implements [`embassy_net_driver::Driver`] (for embassy-net) and
//! [`smoltcp::phy::Device`] (smoltcp 0.14, for direct use). Both share one
//! frame buffer for each direction and the same two primitives: move the
//! next received frame out of the RX FIFO, push a frame into the TX FIFO.
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

use core::sync::atomic::{AtomicBool, Ordering};

/// Base address of the LAN9118 on the MPS2 boards (AN385, AN386): the
/// "Ethernet" entry of their memory maps, and where QEMU maps its model.
pub const MPS2_BASE: usize = 0x4020_0000;

/// Largest Ethernet frame handled, without FCS: 14-byte header + 1500.
pub const MAX_FRAME: usize = 1514;

/// Frame buffer size: a whole frame plus its 4-byte FCS, in 32-bit words.
const BUF_LEN: usize = 1536;

/// Direct ("System Control and Status") registers, by byte offset from the
/// base. Only those this driver touches are listed: QEMU's model aborts the
/// whole emulator on an access to an offset it does not implement, so the
/// accessor takes this enum rather than a raw offset.
#[derive(Clone, Copy)]
#[repr(usize)]
enum Reg {
    /// `RX_DATA_FIFO` port (0x00–0x1C alias one port): received frame
    /// data, 32 bits at a time, little-endian byte order.
    RxDataFifo = 0x00,
    /// `TX_DATA_FIFO` port (0x20–0x3C): TX command A, command B, then the
    /// frame data.
    TxDataFifo = 0x20,
    /// `RX_STATUS_FIFO`: one status word per received frame (pops).
    RxStatusFifo = 0x40,
    /// `TX_STATUS_FIFO`: one status word per transmitted frame (pops).
    TxStatusFifo = 0x48,
    /// `IRQ_CFG`: interrupt pin configuration; bit 8 `IRQ_EN`.
    IrqCfg = 0x54,
    /// `INT_STS`: interrupt status, write 1 to clear.
    IntSts = 0x58,
    /// `INT_EN`: interrupt enables.
    IntEn = 0x5C,
    /// `BYTE_TEST`: reads `0x8765_4321` whatever the bus byte order.
    ByteTest = 0x64,
    /// `RX_CFG`: RX end alignment (bits 31:30), data offset (12:8),
    /// bit 15 `RX_DUMP`.
    RxCfg = 0x6C,
    /// `TX_CFG`: bit 1 `TX_ON`, bit 15 `TXS_DUMP`, bit 14 `TXD_DUMP`.
    TxCfg = 0x70,
    /// `HW_CFG`: bit 0 `SRST` (soft reset, self-clearing).
    HwCfg = 0x74,
    /// `RX_FIFO_INF`: bits 23:16 `RXSUSED` (status words waiting),
    /// bits 15:0 `RXDUSED` (data bytes waiting).
    RxFifoInf = 0x7C,
    /// `TX_FIFO_INF`: bits 23:16 `TXSUSED` (status words waiting),
    /// bits 15:0 `TXFREE` (free data FIFO bytes).
    TxFifoInf = 0x80,
    /// `PMT_CTRL`: bit 0 `READY` (device ready after reset).
    PmtCtrl = 0x84,
    /// `FREE_RUN`: free-running 25 MHz counter, 32 bits, wraps; restarts
    /// on a soft reset.
    FreeRun = 0x9C,
    /// `MAC_CSR_CMD`: bit 31 `CSR_BUSY`, bit 30 `R/nW` (1 = read),
    /// bits 7:0 MAC CSR index.
    MacCsrCmd = 0xA4,
    /// `MAC_CSR_DATA`: data for the MAC CSR access.
    MacCsrData = 0xA8,
}

/// `BYTE_TEST` value of a present, correctly wired controller.
const BYTE_TEST_VALUE: u32 = 0x8765_4321;
/// `HW_CFG.SRST`.
const HW_CFG_SRST: u32 = 1 << 0;
/// `PMT_CTRL.READY`.
const PMT_CTRL_READY: u32 = 1 << 0;
/// `TX_CFG.TX_ON`: transmitter enable.
const TX_CFG_TX_ON: u32 = 1 << 1;
/// `MAC_CSR_CMD.CSR_BUSY`: start / in progress.
const MAC_CSR_BUSY: u32 = 1 << 31;
/// `MAC_CSR_CMD.R/nW`: 1 = read.
const MAC_CSR_READ: u32 = 1 << 30;

/// MAC CSR indices (indirect, through `MAC_CSR_CMD`).
mod mac {
    /// `MAC_CR`: MAC control.
    pub const CR: u32 = 1;
    /// `ADDRH`: MAC address bytes 4 (bits 7:0) and 5 (bits 15:8).
    pub const ADDRH: u32 = 2;
    /// `ADDRL`: MAC address bytes 0..=3, byte 0 in bits 7:0.
    pub const ADDRL: u32 = 3;
    /// `MII_ACC`: PHY access: bits 15:11 PHY address, 10:6 PHY register
    /// index, bit 1 `MIIWnR` (1 = write), bit 0 `MIIBZY`.
    pub const MII_ACC: u32 = 6;
    /// `MII_DATA`: PHY data, 16 bits.
    pub const MII_DATA: u32 = 7;

    /// `MAC_CR.FDPX`: full duplex.
    pub const CR_FDPX: u32 = 1 << 20;
    /// `MAC_CR.TXEN`: transmitter enable.
    pub const CR_TXEN: u32 = 1 << 3;
    /// `MAC_CR.RXEN`: receiver enable.
    pub const CR_RXEN: u32 = 1 << 2;

    /// `MII_ACC.MIIBZY`.
    pub const MII_BUSY: u32 = 1 << 0;
    /// Address of the LAN9118's internal PHY.
    pub const INTERNAL_PHY: u32 = 1;
}

/// PHY "Basic Status Register" (index 1), bit 2: link up.
const PHY_BSR: u32 = 1;
const PHY_BSR_LINK_UP: u32 = 1 << 2;

/// TX command A: bit 13 first segment, bit 12 last segment, bits 10:0
/// buffer size in bytes (data start offset 0, 4-byte end alignment).
const TX_CMD_A_FIRST_SEG: u32 = 1 << 13;
const TX_CMD_A_LAST_SEG: u32 = 1 << 12;
/// TX command B: bits 31:16 packet tag (echoed in the TX status), bits
/// 10:0 packet length in bytes. The MAC pads and appends the FCS.
const TX_CMD_B_TAG_SHIFT: u32 = 16;
/// TX status: bit 15 error summary.
const TX_STATUS_ES: u32 = 1 << 15;

/// RX status: bits 29:16 frame length in bytes, FCS included.
const RX_STATUS_LEN_SHIFT: u32 = 16;
const RX_STATUS_LEN_MASK: u32 = 0x3FFF;
/// RX status: bit 15 error summary (CRC error, runt, too long, …).
const RX_STATUS_ES: u32 = 1 << 15;
/// Length of the FCS the controller leaves at the end of each RX frame.
const FCS_LEN: usize = 4;

/// Bound on busy-wait loops during reset and indirect register access.
const SPIN_LIMIT: u32 = 100_000;

/// The controller's register window. Copyable: the accessor is stateless;
/// ownership of the FIFOs is what [`Lan9118`] (a singleton) stands for.
#[derive(Clone, Copy)]
struct Regs {
    base: usize,
}

impl Regs {
    /// The MPS2 controller. Private: only [`Lan9118::take`] and
    /// [`FreeRun`] build one, always for [`MPS2_BASE`].
    const fn mps2() -> Self {
        Regs { base: MPS2_BASE }
    }

    #[inline(always)]
    #[allow(unsafe_code)]
    fn read(self, reg: Reg) -> u32 {
        let addr = self.base + reg as usize;
        // SAFETY: `base` is `MPS2_BASE`, where the MPS2 boards decode the
        // LAN9118's 256-byte register window; it is device memory, not RAM
        // that any Rust object lives in, so the access aliases nothing. `reg`
        // is one of the implemented offsets above: 4-byte aligned, inside
        // the window. A read's only side effect is the device's own (FIFO
        // pops), which `Lan9118`'s ownership serialises.
        unsafe { core::ptr::read_volatile(addr as *const u32) }
    }

    #[inline(always)]
    #[allow(unsafe_code)]
    fn write(self, reg: Reg, value: u32) {
        let addr = self.base + reg as usize;
        // SAFETY: as for `read`: an aligned 32-bit volatile store into the
        // controller's register window, which no Rust object occupies.
        unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
    }

    /// Spins until `reg & mask == want`, at most [`SPIN_LIMIT`] reads.
    fn wait(self, reg: Reg, mask: u32, want: u32) -> Result<(), Error> {
        for _ in 0..SPIN_LIMIT {
            if self.read(reg) & mask == want {
                return Ok(());
            }
        }
        Err(Error::Timeout)
    }

    fn mac_read(self, index: u32) -> Result<u32, Error> {
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        self.write(Reg::MacCsrCmd, MAC_CSR_BUSY | MAC_CSR_READ | index);
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        Ok(self.read(Reg::MacCsrData))
    }

    fn mac_write(self, index: u32, value: u32) -> Result<(), Error> {
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        self.write(Reg::MacCsrData, value);
        self.write(Reg::MacCsrCmd, MAC_CSR_BUSY | index);
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)
    }

    fn phy_read(self, index: u32) -> Result<u16, Error> {
        let acc = (mac::INTERNAL_PHY << 11) | (index << 6) | mac::MII_BUSY;
        self.mac_write(mac::MII_ACC, acc)?;
        for _ in 0..SPIN_LIMIT {
            if self.mac_read(mac::MII_ACC)? & mac::MII_BUSY == 0 {
                return Ok(self.mac_read(mac::MII_DATA)? as u16);
            }
        }
        Err(Error::Timeout)
    }
}

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

/// A handle on the controller's `FREE_RUN` register: a 32-bit counter at
/// 25 MHz that wraps every 171.8 s. Reading it has no side effect.
#[derive(Clone, Copy)]
pub struct FreeRun {
    regs: Regs,
}

impl FreeRun {
    /// Counter frequency.
    pub const HZ: u32 = 25_000_000;

    /// The current count.
    #[inline]
    pub fn read(self) -> u32 {
        self.regs.read(Reg::FreeRun)
    }
}

// ---------------------------------------------------------------- embassy

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

// ---------------------------------------------------------------- smoltcp

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

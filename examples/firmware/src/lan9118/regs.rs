//! The LAN9118's register map — direct registers, bit constants, the MAC
//! CSR indices, the FIFO word formats — and [`Regs`], the MMIO accessor.
//! [`Regs::read`] and [`Regs::write`] are the only `unsafe` code in the
//! driver.

use super::{Error, MPS2_BASE};

/// Direct ("System Control and Status") registers, by byte offset from the
/// base. Only those this driver touches are listed: QEMU's model aborts the
/// whole emulator on an access to an offset it does not implement, so the
/// accessor takes this enum rather than a raw offset.
#[derive(Clone, Copy)]
#[repr(usize)]
pub(super) enum Reg {
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
pub(super) const BYTE_TEST_VALUE: u32 = 0x8765_4321;
/// `HW_CFG.SRST`.
pub(super) const HW_CFG_SRST: u32 = 1 << 0;
/// `PMT_CTRL.READY`.
pub(super) const PMT_CTRL_READY: u32 = 1 << 0;
/// `TX_CFG.TX_ON`: transmitter enable.
pub(super) const TX_CFG_TX_ON: u32 = 1 << 1;
/// `MAC_CSR_CMD.CSR_BUSY`: start / in progress.
const MAC_CSR_BUSY: u32 = 1 << 31;
/// `MAC_CSR_CMD.R/nW`: 1 = read.
const MAC_CSR_READ: u32 = 1 << 30;

/// MAC CSR indices (indirect, through `MAC_CSR_CMD`).
pub(super) mod mac {
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
pub(super) const PHY_BSR: u32 = 1;
pub(super) const PHY_BSR_LINK_UP: u32 = 1 << 2;

/// TX command A: bit 13 first segment, bit 12 last segment, bits 10:0
/// buffer size in bytes (data start offset 0, 4-byte end alignment).
pub(super) const TX_CMD_A_FIRST_SEG: u32 = 1 << 13;
pub(super) const TX_CMD_A_LAST_SEG: u32 = 1 << 12;
/// TX command B: bits 31:16 packet tag (echoed in the TX status), bits
/// 10:0 packet length in bytes. The MAC pads and appends the FCS.
pub(super) const TX_CMD_B_TAG_SHIFT: u32 = 16;
/// TX status: bit 15 error summary.
pub(super) const TX_STATUS_ES: u32 = 1 << 15;

/// RX status: bits 29:16 frame length in bytes, FCS included.
pub(super) const RX_STATUS_LEN_SHIFT: u32 = 16;
pub(super) const RX_STATUS_LEN_MASK: u32 = 0x3FFF;
/// RX status: bit 15 error summary (CRC error, runt, too long, …).
pub(super) const RX_STATUS_ES: u32 = 1 << 15;
/// Length of the FCS the controller leaves at the end of each RX frame.
pub(super) const FCS_LEN: usize = 4;

/// Bound on busy-wait loops during reset and indirect register access.
const SPIN_LIMIT: u32 = 100_000;

/// The controller's register window. Copyable: the accessor is stateless;
/// ownership of the FIFOs is what [`Lan9118`](super::Lan9118) (a singleton)
/// stands for.
#[derive(Clone, Copy)]
pub(super) struct Regs {
    base: usize,
}

impl Regs {
    /// The MPS2 controller. Private: only
    /// [`Lan9118::take`](super::Lan9118::take) and [`FreeRun`] build one,
    /// always for [`MPS2_BASE`].
    pub(super) const fn mps2() -> Self {
        Regs { base: MPS2_BASE }
    }

    #[inline(always)]
    #[allow(unsafe_code)]
    pub(super) fn read(self, reg: Reg) -> u32 {
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
    pub(super) fn write(self, reg: Reg, value: u32) {
        let addr = self.base + reg as usize;
        // SAFETY: as for `read`: an aligned 32-bit volatile store into the
        // controller's register window, which no Rust object occupies.
        unsafe { core::ptr::write_volatile(addr as *mut u32, value) }
    }

    /// Spins until `reg & mask == want`, at most [`SPIN_LIMIT`] reads.
    pub(super) fn wait(self, reg: Reg, mask: u32, want: u32) -> Result<(), Error> {
        for _ in 0..SPIN_LIMIT {
            if self.read(reg) & mask == want {
                return Ok(());
            }
        }
        Err(Error::Timeout)
    }

    pub(super) fn mac_read(self, index: u32) -> Result<u32, Error> {
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        self.write(Reg::MacCsrCmd, MAC_CSR_BUSY | MAC_CSR_READ | index);
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        Ok(self.read(Reg::MacCsrData))
    }

    pub(super) fn mac_write(self, index: u32, value: u32) -> Result<(), Error> {
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)?;
        self.write(Reg::MacCsrData, value);
        self.write(Reg::MacCsrCmd, MAC_CSR_BUSY | index);
        self.wait(Reg::MacCsrCmd, MAC_CSR_BUSY, 0)
    }

    pub(super) fn phy_read(self, index: u32) -> Result<u16, Error> {
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

/// A handle on the controller's `FREE_RUN` register: a 32-bit counter at
/// 25 MHz that wraps every 171.8 s. Reading it has no side effect.
#[derive(Clone, Copy)]
pub struct FreeRun {
    pub(super) regs: Regs,
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

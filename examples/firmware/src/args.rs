//! Command-line arguments, read from the host over semihosting
//! (`SYS_GET_CMDLINE`) and parsed without allocation.
//!
//! Under QEMU, `-append "10.0.2.100:7777 sensor-7"` becomes the command
//! line `<kernel path> 10.0.2.100:7777 sensor-7`; the first word is the
//! program, as in C's `argv[0]`. Each later word is, by its form:
//!
//! - `A.B.C.D:PORT` — the server to dial (default `10.0.2.100:7777`);
//! - all digits — the Unix time to put in the presence (default 0: the
//!   board has no real-time clock);
//! - `#name` — the room to join and post readings in (default `#sensors`);
//! - `--deadline=SECS` — when the firmware gives up and exits 1 (default
//!   120 s after boot);
//! - `--sizes` — print jim-core's RAM use and exit;
//! - anything else — the account name (default `firmware`).

use core::net::{Ipv4Addr, SocketAddrV4};

/// Default server: QEMU's `guestfwd` address.
pub const DEFAULT_SERVER: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 0, 2, 100), 7777);
/// Default account name.
pub const DEFAULT_ACCOUNT: &str = "firmware";
/// Default room.
pub const DEFAULT_ROOM: &str = "#sensors";
/// Default deadline, in seconds after boot.
pub const DEFAULT_DEADLINE_SECS: u64 = 120;

/// What the firmware was asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Args<'a> {
    /// Server address.
    pub server: SocketAddrV4,
    /// Account name to announce.
    pub account: &'a str,
    /// Room to join.
    pub room: &'a str,
    /// Seconds after boot after which the firmware gives up.
    pub deadline_secs: u64,
    /// Unix time for the presence.
    pub time: u64,
    /// Print sizes and exit.
    pub sizes: bool,
}

impl<'a> Args<'a> {
    /// Parses a command line (program name first).
    pub fn parse(cmdline: &'a str) -> Self {
        let mut args = Args {
            server: DEFAULT_SERVER,
            account: DEFAULT_ACCOUNT,
            room: DEFAULT_ROOM,
            deadline_secs: DEFAULT_DEADLINE_SECS,
            time: 0,
            sizes: false,
        };
        for word in cmdline.split_ascii_whitespace().skip(1) {
            if word == "--sizes" {
                args.sizes = true;
            } else if let Some(secs) = word.strip_prefix("--deadline=") {
                args.deadline_secs = secs.parse().unwrap_or(DEFAULT_DEADLINE_SECS);
            } else if word.starts_with('#') {
                args.room = word;
            } else if let Ok(server) = word.parse::<SocketAddrV4>() {
                args.server = server;
            } else if let (true, Ok(time)) =
                (word.bytes().all(|b| b.is_ascii_digit()), word.parse())
            {
                args.time = time;
            } else {
                args.account = word;
            }
        }
        args
    }

    /// Reads the command line into `buf` and parses it; the defaults when
    /// the host has none to give.
    pub fn from_host(buf: &'a mut [u8]) -> Self {
        Args::parse(host_cmdline(buf).unwrap_or(""))
    }
}

/// `SYS_GET_CMDLINE` (0x15): the host copies the command line, NUL
/// terminated, into `buf`. `None` if the call fails (no semihosting host
/// command line, or `buf` too small) or the text is not UTF-8.
pub fn host_cmdline(buf: &mut [u8]) -> Option<&str> {
    // Parameter block: buffer address, buffer length (in); length written,
    // without the NUL (out).
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    let status = get_cmdline(&mut block);
    if status != 0 {
        return None;
    }
    let len = block[1].min(buf.len());
    let text = buf.get(..len)?;
    let text = text.split(|&b| b == 0).next().unwrap_or_default();
    core::str::from_utf8(text).ok()
}

#[allow(unsafe_code)]
fn get_cmdline(block: &mut [usize; 2]) -> usize {
    // SAFETY: SYS_GET_CMDLINE reads the two-word block and writes at most
    // `block[1]` bytes at `block[0]`, then the length into `block[1]`.
    // `block[0]` was taken from an exclusively borrowed buffer of exactly
    // `block[1]` bytes that outlives this call, and `block` itself is
    // exclusively borrowed; the `bkpt` asm is not marked `nomem`, so the
    // compiler assumes both may have been written.
    unsafe {
        cortex_m_semihosting::syscall1(
            cortex_m_semihosting::nr::GET_CMDLINE,
            block.as_mut_ptr() as usize,
        )
    }
}

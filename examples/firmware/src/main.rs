//! JIM client firmware: embassy-net + jim-core's async chat session.
//!
//! Board: Arm MPS2 AN386 — Cortex-M4F, 4 MiB code RAM at 0, 4 MiB data RAM
//! at `0x2000_0000`, SMSC LAN9118 Ethernet at `0x4020_0000` — as emulated
//! by QEMU's `mps2-an386` machine (`mps2-an385`, the Cortex-M3 twin, works
//! too with `--target thumbv7m-none-eabi`).
//!
//! What it does: resets the LAN9118 (driver in `src/lan9118/`), brings
//! up embassy-net with the static address 10.0.2.15/24 (gateway 10.0.2.2:
//! QEMU's user-mode network), opens a TCP connection to the JIM server and
//! runs [`jim_core::asynch::Session`] over it (`src/chat.rs`): presence,
//! `join` of `#sensors`, a reading posted every second, `pong` to a direct
//! `ping`; a direct `bye` ends QEMU with status 0, the deadline (120 s by
//! default) with 1, as do a panic or a fault. A dropped connection is
//! reconnected with a backoff, and the room rejoined.
//!
//! With the feature `handshake-only` it only sends the presence, prints the
//! answer and exits (0 on a 2xx) — `src/handshake.rs`, the smallest client.
//!
//! Arguments come from QEMU's `-append` (see `src/args.rs`): the server
//! `A.B.C.D:PORT` (default `10.0.2.100:7777`, which QEMU's `guestfwd`
//! forwards to the host), the account name (default `firmware`), the room
//! (`#sensors`), `--deadline=SECS`, a Unix time, and `--sizes` to print
//! jim-core's RAM use and exit.
//!
//! Run it (from `examples/firmware`, with a JIM server listening on the
//! host at 127.0.0.1:7777 — `qemu-run.sh` sets up the forwarding; set
//! `JIM_HOST_PORT` for another port):
//!
//! ```text
//! cargo run --release -- 10.0.2.100:7777 sensor-7 '#sensors'
//! ```
//!
//! `qemu-e2e.sh` runs it against the project's own server with a desktop
//! client in the room; `size-report.sh` measures it. For that comparison,
//! the `no-jim` feature replaces jim-core by fixed bytes and byte searches,
//! and the `terse` feature prints bare numbers instead of jim-core's texts
//! (no `Display` impls).

#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::net::SocketAddrV4;

use cortex_m as _; // critical-section implementation (single core)
use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use jim_firmware::args::Args;
use jim_firmware::lan9118::Lan9118;
use jim_firmware::{exit, hprintln};
use static_cell::StaticCell;

#[cfg(not(feature = "handshake-only"))]
mod chat;
#[cfg(feature = "handshake-only")]
mod handshake;

jim_firmware::fault_handlers!();

/// Our address on QEMU's user network.
const ADDRESS: [u8; 4] = [10, 0, 2, 15];
/// QEMU's user-network gateway.
const GATEWAY: [u8; 4] = [10, 0, 2, 2];
/// TCP socket buffers: one JIM message (640 bytes) fits with room to spare.
pub(crate) const SOCKET_BUFFER: usize = 1024;
/// jim-core's buffer size: the protocol's message cap.
#[cfg(not(feature = "no-jim"))]
pub(crate) const JIM_BUFFER: usize = jim_core::limits::MAX_MESSAGE;

#[embassy_executor::task]
async fn net_task(mut runner: embassy_net::Runner<'static, Lan9118>) -> ! {
    runner.run().await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let mut cmdline = [0u8; 512];
    let args = Args::from_host(&mut cmdline);

    let nic = jim_firmware::take_nic();
    let mac = nic.mac_address();

    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(ADDRESS.into(), 24),
        gateway: Some(GATEWAY.into()),
        dns_servers: Default::default(),
    });
    static RESOURCES: StaticCell<StackResources<2>> = StaticCell::new();
    // The seed only varies TCP initial sequence numbers and ephemeral
    // ports; the MAC address is as good as anything on one emulated board.
    let seed = u64::from_le_bytes([mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0x4a, 0x49]);
    let (stack, runner) =
        embassy_net::new(nic, config, RESOURCES.init(StackResources::new()), seed);
    spawner.spawn(net_task(runner).expect("net task spawned once"));

    if args.sizes {
        print_sizes(stack);
        exit(true)
    }

    let mode = if cfg!(feature = "no-jim") {
        "raw (no-jim)"
    } else {
        "jim-core async"
    };
    #[cfg(feature = "handshake-only")]
    let ok = {
        hprintln!(
            "jim: {} presence as {:?} to {}",
            mode,
            args.account,
            args.server
        );
        match embassy_time::with_timeout(handshake::DEADLINE, handshake::run(stack, &args)).await {
            Ok(ok) => ok,
            Err(_) => {
                hprintln!("jim: no answer within {} s", handshake::DEADLINE.as_secs());
                false
            }
        }
    };
    #[cfg(not(feature = "handshake-only"))]
    let ok = {
        hprintln!(
            "jim: {} chat as {:?} in {} via {}, deadline {} s",
            mode,
            args.account,
            args.room,
            args.server,
            args.deadline_secs
        );
        chat::run(stack, &args).await
    };
    exit(ok)
}

pub(crate) fn endpoint(addr: SocketAddrV4) -> embassy_net::IpEndpoint {
    embassy_net::IpEndpoint::new(embassy_net::IpAddress::Ipv4(*addr.ip()), addr.port())
}

/// `--sizes`: the RAM jim-core's client path takes, as laid out by this
/// build. The session (two `JIM_BUFFER` buffers, the framer and the
/// client's state) lives in the task's future; the `next_event` future
/// adds its own state while it runs. (`handshake-only`: the connection
/// and the handshake future.)
fn print_sizes(stack: Stack<'static>) {
    use core::mem::size_of;

    let mut rx = [0u8; 0];
    let mut tx = [0u8; 0];
    let socket = TcpSocket::new(stack, &mut rx, &mut tx);
    let socket_size = size_of::<TcpSocket<'static>>();
    hprintln!("size: TcpSocket = {} B", socket_size);
    // Left out of the `terse` and `no-jim` builds, so that the size report's
    // comparison of those two measures the handshake alone.
    #[cfg(not(any(feature = "no-jim", feature = "terse", feature = "handshake-only")))]
    {
        let presence = jim_core::Presence::new("x");
        let mut session = jim_core::asynch::Session::<_, JIM_BUFFER>::new(socket, presence);
        let session_size = core::mem::size_of_val(&session);
        let next = session.next_event();
        let next_size = core::mem::size_of_val(&next);
        drop(next);
        hprintln!(
            "size: jim_core::asynch::Session<TcpSocket, {}> = {} B",
            JIM_BUFFER,
            session_size
        );
        hprintln!(
            "size: jim-core session state (without the socket) = {} B",
            session_size - socket_size
        );
        hprintln!(
            "size: jim_core::client::Client = {} B",
            size_of::<jim_core::client::Client<'static>>()
        );
        hprintln!("size: next_event future = {} B", next_size);
    }
    #[cfg(all(
        feature = "handshake-only",
        not(any(feature = "no-jim", feature = "terse"))
    ))]
    {
        let mut conn = jim_core::asynch::Connection::<_, JIM_BUFFER>::new(socket);
        let conn_size = core::mem::size_of_val(&conn);
        let presence = jim_core::Presence::new("x");
        let handshake = conn.handshake(&presence);
        let future_size = core::mem::size_of_val(&handshake);
        drop(handshake);
        hprintln!(
            "size: jim_core::asynch::Connection<TcpSocket, {}> = {} B",
            JIM_BUFFER,
            conn_size
        );
        hprintln!(
            "size: jim-core connection state (without the socket) = {} B",
            conn_size - socket_size
        );
        hprintln!("size: handshake future = {} B", future_size);
        hprintln!(
            "size: jim_core::Presence = {} B",
            size_of::<jim_core::Presence<'static>>()
        );
        hprintln!(
            "size: jim_core::io::Error<TcpError> = {} B",
            size_of::<jim_core::io::Error<embassy_net::tcp::Error>>()
        );
    }
    #[cfg(any(feature = "no-jim", feature = "terse"))]
    {
        hprintln!("size: (jim-core sizes are printed by the default build)");
        drop(socket);
    }
}

/// `terse`: prints the handshake's outcome as numbers only, so that no
/// `Display` impl of jim-core is linked and the size report can tell the
/// protocol from the diagnostics; `true` on a 2xx.
#[cfg(all(not(feature = "no-jim"), feature = "terse"))]
pub(crate) fn terse_report<E>(
    result: Result<jim_core::Response<'_>, jim_core::io::Error<E>>,
) -> bool {
    use jim_core::io::Error;
    match result {
        Ok(response) => {
            hprintln!("jim: {}", response.code.as_u16());
            true
        }
        Err(Error::Rejected { code, .. }) => {
            hprintln!("jim: rejected: {}", code.as_u16());
            false
        }
        Err(_) => {
            hprintln!("jim: handshake failed");
            false
        }
    }
}

//! JIM client firmware: embassy-net + jim-core's async handshake.
//!
//! Board: Arm MPS2 AN386 — Cortex-M4F, 4 MiB code RAM at 0, 4 MiB data RAM
//! at `0x2000_0000`, SMSC LAN9118 Ethernet at `0x4020_0000` — as emulated
//! by QEMU's `mps2-an386` machine (`mps2-an385`, the Cortex-M3 twin, works
//! too with `--target thumbv7m-none-eabi`).
//!
//! What it does: resets the LAN9118 (driver in `src/lan9118/`), brings
//! up embassy-net with the static address 10.0.2.15/24 (gateway 10.0.2.2:
//! QEMU's user-mode network), opens a TCP connection to the JIM server,
//! sends a `presence` through [`jim_core::asynch::Connection::handshake`]
//! and prints the answer over semihosting, e.g. `jim: 200 OK`. QEMU then
//! exits 0 on a 2xx answer and 1 on anything else — a rejection, a network
//! error, a panic, a fault, or no answer within 20 s.
//!
//! Arguments come from QEMU's `-append` (see `src/args.rs`): the server
//! `A.B.C.D:PORT` (default `10.0.2.100:7777`, which QEMU's `guestfwd`
//! forwards to the host), the account name (default `firmware`), a Unix
//! time, and `--sizes` to print jim-core's RAM use and exit.
//!
//! Run it (from `examples/firmware`, with a JIM server listening on the
//! host at 127.0.0.1:7777 — `qemu-run.sh` sets up the forwarding; set
//! `JIM_HOST_PORT` for another port):
//!
//! ```text
//! cargo run --release -- 10.0.2.100:7777 sensor-7
//! ```
//!
//! or by hand:
//!
//! ```text
//! qemu-system-arm -cpu cortex-m4 -machine mps2-an386 -nographic \
//!   -semihosting-config enable=on,target=native \
//!   -nic user,restrict=on,guestfwd=tcp:10.0.2.100:7777-tcp:127.0.0.1:7777 \
//!   -kernel target/thumbv7em-none-eabihf/release/jim-firmware \
//!   -append "10.0.2.100:7777 sensor-7"
//! ```
//!
//! `qemu-e2e.sh` runs it against the project's own server; `size-report.sh`
//! measures it. For that comparison, the `no-jim` feature replaces the
//! handshake by a raw write and read of fixed bytes, and the `terse` feature
//! prints bare numbers instead of jim-core's texts (no `Display` impls).

#![no_std]
#![no_main]
#![deny(unsafe_code)]

use core::net::SocketAddrV4;

use cortex_m as _; // critical-section implementation (single core)
use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Cidr, Stack, StackResources, StaticConfigV4};
use embassy_time::{with_timeout, Duration};
use jim_firmware::args::Args;
use jim_firmware::lan9118::Lan9118;
use jim_firmware::{exit, hprintln};
use static_cell::StaticCell;

jim_firmware::fault_handlers!();

/// Our address on QEMU's user network.
const ADDRESS: [u8; 4] = [10, 0, 2, 15];
/// QEMU's user-network gateway.
const GATEWAY: [u8; 4] = [10, 0, 2, 2];
/// The whole run, from link-up to answer, must fit in this.
const DEADLINE: Duration = Duration::from_secs(20);
/// TCP socket buffers: one JIM message (640 bytes) fits with room to spare.
const SOCKET_BUFFER: usize = 1024;
/// jim-core's buffer size: the protocol's message cap.
#[cfg(not(feature = "no-jim"))]
const JIM_BUFFER: usize = jim_core::limits::MAX_MESSAGE;

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

    hprintln!(
        "jim: {} presence as {:?} to {}",
        if cfg!(feature = "no-jim") {
            "raw (no-jim)"
        } else {
            "jim-core async"
        },
        args.account,
        args.server
    );
    let ok = match with_timeout(DEADLINE, run(stack, &args)).await {
        Ok(ok) => ok,
        Err(_) => {
            hprintln!("jim: no answer within {} s", DEADLINE.as_secs());
            false
        }
    };
    exit(ok)
}

/// Connects and exchanges presence and answer; `true` on a 2xx.
async fn run(stack: Stack<'static>, args: &Args<'_>) -> bool {
    stack.wait_link_up().await;
    stack.wait_config_up().await;

    let mut rx = [0u8; SOCKET_BUFFER];
    let mut tx = [0u8; SOCKET_BUFFER];
    let mut socket = TcpSocket::new(stack, &mut rx, &mut tx);
    socket.set_timeout(Some(DEADLINE));
    if let Err(e) = socket.connect(endpoint(args.server)).await {
        hprintln!("jim: cannot connect to {}: {:?}", args.server, e);
        return false;
    }
    hprintln!("jim: connected to {}", args.server);
    exchange(socket, args).await
}

/// The handshake through jim-core.
#[cfg(not(feature = "no-jim"))]
async fn exchange(socket: TcpSocket<'_>, args: &Args<'_>) -> bool {
    use jim_core::asynch::Connection;
    use jim_core::Presence;

    let mut conn = Connection::<_, JIM_BUFFER>::new(socket);
    let presence = Presence::new(args.account)
        .with_status("Online")
        .at(args.time);
    let result = conn.handshake(&presence).await;
    report(result)
}

/// Prints the outcome with jim-core's texts (shared with the blocking
/// binary); `true` on a 2xx.
#[cfg(not(any(feature = "no-jim", feature = "terse")))]
use jim_firmware::report_handshake as report;

/// `terse`: numbers only, so that no `Display` impl of jim-core is linked
/// and the size report can tell the handshake from the diagnostics.
#[cfg(all(not(feature = "no-jim"), feature = "terse"))]
fn report<E>(result: Result<jim_core::Response<'_>, jim_core::io::Error<E>>) -> bool {
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

/// The same exchange without jim-core: fixed bytes out, raw bytes in, a
/// byte search for the code. Only for measuring what jim-core costs.
#[cfg(feature = "no-jim")]
async fn exchange(mut socket: TcpSocket<'_>, args: &Args<'_>) -> bool {
    use embedded_io_async::Write;

    let parts: [&[u8]; 3] = [
        br#"{"action":"presence","time":0,"type":"status","user":{"account_name":""#,
        args.account.as_bytes(),
        b"\",\"status\":\"Online\"}}\n",
    ];
    for part in parts {
        if let Err(e) = socket.write_all(part).await {
            hprintln!("jim: write failed: {:?}", e);
            return false;
        }
    }
    if let Err(e) = socket.flush().await {
        hprintln!("jim: flush failed: {:?}", e);
        return false;
    }
    let mut answer = [0u8; 64];
    match socket.read(&mut answer).await {
        Ok(n) => {
            let answer = &answer[..n];
            let ok = answer.windows(15).any(|w| w == br#"{"response":200"#);
            hprintln!(
                "jim: {}",
                if ok {
                    "200 OK (raw)"
                } else {
                    "unexpected answer (raw)"
                }
            );
            ok
        }
        Err(e) => {
            hprintln!("jim: read failed: {:?}", e);
            false
        }
    }
}

fn endpoint(addr: SocketAddrV4) -> embassy_net::IpEndpoint {
    embassy_net::IpEndpoint::new(embassy_net::IpAddress::Ipv4(*addr.ip()), addr.port())
}

/// `--sizes`: the RAM jim-core's client path takes, as laid out by this
/// build. The connection (two `JIM_BUFFER` buffers and the framer) lives
/// in the task's future; the handshake future adds its own state while it
/// runs.
fn print_sizes(stack: Stack<'static>) {
    use core::mem::size_of;

    let mut rx = [0u8; 0];
    let mut tx = [0u8; 0];
    let socket = TcpSocket::new(stack, &mut rx, &mut tx);
    let socket_size = size_of::<TcpSocket<'static>>();
    hprintln!("size: TcpSocket = {} B", socket_size);
    // Left out of the `terse` and `no-jim` builds, so that the size report's
    // comparison of those two measures the handshake alone.
    #[cfg(not(any(feature = "no-jim", feature = "terse")))]
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

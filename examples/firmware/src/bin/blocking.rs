//! JIM client firmware, blocking flavour: smoltcp 0.14 directly, and
//! jim-core's blocking [`jim_core::io::Connection`] over a small
//! [`embedded_io`] adapter that polls the interface while it waits.
//!
//! Same board (QEMU `mps2-an386`: Cortex-M4F, LAN9118 at `0x4020_0000`),
//! same network (10.0.2.15/24, gateway 10.0.2.2), same arguments and the
//! same output and exit status as the embassy firmware in `src/main.rs`;
//! no executor, no embassy. Run it from `examples/firmware`:
//!
//! ```text
//! cargo run --release --bin blocking -- 10.0.2.100:7777 sensor-7
//! ```

#![no_std]
#![no_main]
#![deny(unsafe_code)]

use cortex_m as _; // critical-section implementation (single core)
use cortex_m_rt::entry;
use jim_firmware::args::Args;
use jim_firmware::lan9118::Lan9118;
use jim_firmware::{clock, exit, hprintln};
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpCidr, Ipv4Address};

jim_firmware::fault_handlers!();

/// Our address on QEMU's user network, and its gateway.
const ADDRESS: Ipv4Address = Ipv4Address::new(10, 0, 2, 15);
const GATEWAY: Ipv4Address = Ipv4Address::new(10, 0, 2, 2);
/// The whole run, from reset to answer, must fit in this.
const DEADLINE: Duration = Duration::from_secs(20);
/// TCP socket buffers.
const SOCKET_BUFFER: usize = 1024;
/// jim-core's buffer size: the protocol's message cap.
const JIM_BUFFER: usize = jim_core::limits::MAX_MESSAGE;

fn now() -> Instant {
    Instant::from_micros(clock::now_micros() as i64)
}

#[entry]
fn main() -> ! {
    let mut cmdline = [0u8; 512];
    let args = Args::from_host(&mut cmdline);
    if args.sizes {
        hprintln!(
            "size: jim_core::io::Connection<Stream, {}> = {} B (Stream = {} B)",
            JIM_BUFFER,
            core::mem::size_of::<jim_core::io::Connection<Stream<'static>, JIM_BUFFER>>(),
            core::mem::size_of::<Stream<'static>>()
        );
        exit(true)
    }

    let mut nic = jim_firmware::take_nic();
    let mac = nic.mac_address();

    let mut config = Config::new(HardwareAddress::Ethernet(EthernetAddress(mac)));
    let seed = u64::from_le_bytes([mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], 0x4a, 0x49]);
    config.random_seed = seed;
    let mut iface = Interface::new(config, &mut nic, now());
    iface.update_ip_addrs(|addrs| {
        addrs
            .push(IpCidr::new(ADDRESS.into(), 24))
            .expect("room for one address");
    });
    iface
        .routes_mut()
        .add_default_ipv4_route(GATEWAY)
        .expect("room for one route");

    let mut rx = [0u8; SOCKET_BUFFER];
    let mut tx = [0u8; SOCKET_BUFFER];
    let socket = tcp::Socket::new(
        tcp::SocketBuffer::new(&mut rx[..]),
        tcp::SocketBuffer::new(&mut tx[..]),
    );
    let mut storage = [SocketStorage::EMPTY; 1];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let handle = sockets.add(socket);

    hprintln!(
        "jim: jim-core blocking presence as {:?} to {}",
        args.account,
        args.server
    );
    let mut stream = Stream {
        iface,
        sockets,
        handle,
        nic,
        deadline: now() + DEADLINE,
    };
    // An ephemeral port from the seed, so reruns do not collide.
    let local_port = 49152 + (seed % 16384) as u16;
    if let Err(e) = stream.connect(args.server, local_port) {
        hprintln!("jim: cannot connect to {}: {}", args.server, e);
        exit(false)
    }
    hprintln!("jim: connected to {}", args.server);

    let mut conn = jim_core::io::Connection::<_, JIM_BUFFER>::new(stream);
    let presence = jim_core::Presence::new(args.account)
        .with_status("Online")
        .at(args.time);
    let ok = jim_firmware::report_handshake(conn.handshake(&presence));
    if !ok {
        jim_firmware::report_refusal(conn.last_response());
    }
    exit(ok)
}

/// What the blocking stream can fail with.
#[derive(Debug)]
enum NetError {
    /// The deadline passed.
    TimedOut,
    /// The connection closed or was reset (on write).
    Closed,
    /// smoltcp refused to start the connection.
    Connect(tcp::ConnectError),
    /// smoltcp refused bytes to send.
    Send(tcp::SendError),
    /// smoltcp refused to hand over received bytes.
    Recv(tcp::RecvError),
}

impl core::fmt::Display for NetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NetError::TimedOut => f.write_str("timed out"),
            NetError::Closed => f.write_str("connection closed"),
            NetError::Connect(e) => write!(f, "connect: {e}"),
            NetError::Send(e) => write!(f, "send: {e}"),
            NetError::Recv(e) => write!(f, "receive: {e}"),
        }
    }
}

impl core::error::Error for NetError {}

impl embedded_io::Error for NetError {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self {
            NetError::TimedOut => embedded_io::ErrorKind::TimedOut,
            NetError::Closed => embedded_io::ErrorKind::ConnectionReset,
            NetError::Connect(_) => embedded_io::ErrorKind::NotConnected,
            NetError::Send(_) | NetError::Recv(_) => embedded_io::ErrorKind::Other,
        }
    }
}

/// One TCP connection over smoltcp, as blocking [`embedded_io`] `Read` and
/// `Write`: every call polls the interface (moving frames through the NIC)
/// until it can make progress, the connection ends, or the deadline passes.
struct Stream<'s> {
    iface: Interface,
    sockets: SocketSet<'s>,
    handle: SocketHandle,
    nic: Lan9118,
    deadline: Instant,
}

impl<'s> Stream<'s> {
    fn poll(&mut self) -> Result<(), NetError> {
        let now = now();
        if now >= self.deadline {
            return Err(NetError::TimedOut);
        }
        self.iface.poll(now, &mut self.nic, &mut self.sockets);
        Ok(())
    }

    fn socket(&mut self) -> &mut tcp::Socket<'s> {
        self.sockets.get_mut::<tcp::Socket>(self.handle)
    }

    fn connect(
        &mut self,
        server: core::net::SocketAddrV4,
        local_port: u16,
    ) -> Result<(), NetError> {
        let remote = (smoltcp::wire::IpAddress::Ipv4(*server.ip()), server.port());
        let cx = self.iface.context();
        self.sockets
            .get_mut::<tcp::Socket>(self.handle)
            .connect(cx, remote, local_port)
            .map_err(NetError::Connect)?;
        loop {
            self.poll()?;
            let socket = self.socket();
            if socket.may_send() {
                return Ok(()); // Established
            }
            if !socket.is_open() {
                return Err(NetError::Closed); // refused or reset
            }
        }
    }
}

impl embedded_io::ErrorType for Stream<'_> {
    type Error = NetError;
}

impl embedded_io::Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            self.poll()?;
            let socket = self.socket();
            if socket.can_recv() {
                return socket.recv_slice(buf).map_err(NetError::Recv);
            }
            if !socket.may_recv() {
                return Ok(0); // the peer closed: end of stream
            }
        }
    }
}

impl embedded_io::Write for Stream<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, NetError> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            self.poll()?;
            let socket = self.socket();
            if !socket.may_send() {
                return Err(NetError::Closed);
            }
            if socket.can_send() {
                let n = socket.send_slice(buf).map_err(NetError::Send)?;
                self.poll()?; // put it on the wire now
                return Ok(n);
            }
        }
    }

    fn flush(&mut self) -> Result<(), NetError> {
        // Sent means handed to smoltcp, which retransmits as needed; the
        // handshake's read waits for the answer anyway. Waiting here for
        // the peer's ACK would only add a QEMU poll period.
        self.poll()
    }
}

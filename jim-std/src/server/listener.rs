//! Opening the listening socket.
//!
//! `std::net::TcpListener::bind` listens with a backlog of 128, which
//! overflows when thousands of clients connect at once (the kernel then
//! drops SYNs and clients stall for a second or more). `socket2` lets us
//! choose the backlog.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};

use socket2::{Domain, Protocol, Socket, Type};

/// Binds the first address of `addr` that works and listens on it.
pub(super) fn bind(addr: impl ToSocketAddrs, backlog: i32) -> io::Result<mio::net::TcpListener> {
    let mut last_error = None;
    for candidate in addr.to_socket_addrs()? {
        match bind_one(candidate, backlog) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "address resolved to nothing to bind",
        )
    }))
}

fn bind_one(addr: SocketAddr, backlog: i32) -> io::Result<mio::net::TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    // On Unix, lets a restarted server bind while old connections sit in
    // TIME_WAIT. On Windows the same option would allow port stealing.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog.max(1))?;
    Ok(mio::net::TcpListener::from_std(socket.into()))
}

//! Connect over any [`embedded_nal::TcpClientStack`] (feature `embedded-nal`).
//!
//! embedded-nal stacks are non-blocking (`nb`); [`NalSocket`] turns one
//! socket into a blocking [`embedded_io`] transport by retrying on
//! `WouldBlock`, so the ordinary [`io::Connection`](crate::io::Connection)
//! and its handshake run on it unchanged. Like `nb::block!`, it spins: the
//! stack, not this crate, decides how long a dead peer can stall it.

use core::fmt;
use core::net::SocketAddr;

use embedded_nal::{TcpClientStack, TcpError, TcpErrorKind};

use crate::io::{Connection, Error};
use crate::limits::MAX_MESSAGE;

/// A connected socket of stack `S`, as a blocking byte stream.
pub struct NalSocket<'s, S: TcpClientStack> {
    stack: &'s mut S,
    socket: S::TcpSocket,
}

/// A stack error, as an [`embedded_io::Error`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct NalError<E>(pub E);

impl<E: TcpError> embedded_io::Error for NalError<E> {
    fn kind(&self) -> embedded_io::ErrorKind {
        match self.0.kind() {
            TcpErrorKind::PipeClosed => embedded_io::ErrorKind::BrokenPipe,
            _ => embedded_io::ErrorKind::Other,
        }
    }
}

impl<E: fmt::Debug> fmt::Display for NalError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl<E: fmt::Debug> core::error::Error for NalError<E> {}

impl<S: TcpClientStack> embedded_io::ErrorType for NalSocket<'_, S> {
    type Error = NalError<S::Error>;
}

/// Retries `op` until it stops answering `WouldBlock`.
fn block<T, E>(mut op: impl FnMut() -> nb::Result<T, E>) -> Result<T, NalError<E>> {
    loop {
        match op() {
            Ok(v) => return Ok(v),
            Err(nb::Error::WouldBlock) => core::hint::spin_loop(),
            Err(nb::Error::Other(e)) => return Err(NalError(e)),
        }
    }
}

impl<S: TcpClientStack> embedded_io::Read for NalSocket<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        block(|| self.stack.receive(&mut self.socket, buf))
    }
}

impl<S: TcpClientStack> embedded_io::Write for NalSocket<'_, S> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        block(|| self.stack.send(&mut self.socket, buf))
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl<'s, S: TcpClientStack> NalSocket<'s, S> {
    /// Opens a socket on `stack` and connects it to `remote`.
    pub fn connect(stack: &'s mut S, remote: SocketAddr) -> Result<Self, NalError<S::Error>> {
        let mut socket = stack.socket().map_err(NalError)?;
        if let Err(e) = block(|| stack.connect(&mut socket, remote)) {
            // Best effort: the connect error is the one worth reporting.
            let _ = stack.close(socket);
            return Err(e);
        }
        Ok(NalSocket { stack, socket })
    }

    /// Closes the socket.
    pub fn close(self) -> Result<(), NalError<S::Error>> {
        self.stack.close(self.socket).map_err(NalError)
    }
}

/// Connects to a JIM server at `remote` over `stack`. Follow with
/// [`Connection::handshake`].
pub fn connect<S: TcpClientStack, const N: usize>(
    stack: &mut S,
    remote: SocketAddr,
) -> Result<Connection<NalSocket<'_, S>, N>, Error<NalError<S::Error>>> {
    NalSocket::connect(stack, remote)
        .map(Connection::new)
        .map_err(Error::Io)
}

/// [`connect`] with the default 640-byte buffers.
pub fn connect_default<S: TcpClientStack>(
    stack: &mut S,
    remote: SocketAddr,
) -> Result<Connection<NalSocket<'_, S>, MAX_MESSAGE>, Error<NalError<S::Error>>> {
    connect(stack, remote)
}

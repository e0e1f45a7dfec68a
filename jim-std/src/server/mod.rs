//! [`Server`]: the JIM chat server, many clients on one event-loop thread.
//!
//! The chat itself — names, rooms, relaying, contacts, keep-alive — is the
//! sans-IO [`Hub`](crate::hub::Hub); this module moves bytes between the
//! sockets and it. Clients never wait for each other: sockets are
//! non-blocking and served by readiness, in bounded turns, so a silent,
//! half-sent, flooding or non-reading client only ever costs its own
//! budget.

mod admission;
mod config;
mod connection;
mod descriptor_table;
mod event_loop;
mod listener;
mod outbox;
mod recent_load;
mod turn_stats;

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};

use log::{debug, info, warn};

use crate::hub::StoreTag;
use crate::store::{Outcome, StoreWorker};
use mio::{Interest, Poll, Waker};

pub use config::ServerConfig;
#[cfg(unix)]
pub use descriptor_table::raise_open_files_limit;
use event_loop::{EventLoop, LISTENER, WAKER};

/// State shared between the loop, its [`ShutdownHandle`]s and the
/// storage threads.
struct Shared {
    stop: AtomicBool,
    waker: Waker,
    /// Storage outcomes for the hub, in the order they came.
    stored: Mutex<Vec<(StoreTag, Outcome)>>,
}

/// A bound JIM server, ready to [`run`](Server::run).
///
/// ```
/// use jim_std::{Server, ServerConfig};
///
/// let server = Server::bind("127.0.0.1:0", ServerConfig::default())?;
/// let addr = server.local_addr(); // the port the OS picked
/// let running = server.spawn()?;
/// assert_eq!(running.local_addr(), addr);
/// running.shutdown()?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Server {
    event_loop: EventLoop,
}

impl Server {
    /// Opens the storage and listens on the first address of `addr` that
    /// can be bound (IPv4, IPv6 or a host name; port 0 picks a free port).
    /// A database that cannot be opened is an error here, naming the file.
    pub fn bind(addr: impl ToSocketAddrs, config: ServerConfig) -> io::Result<Server> {
        let store = config.storage.open().map_err(io::Error::other)?;
        let mut listener = listener::bind(addr, config.backlog)?;
        let local_addr = listener.local_addr()?;
        if let Some(highest) = descriptor_table::reserve(&listener, config.descriptors_needed()) {
            debug!("descriptor table holds {highest} descriptors");
        }
        let poll = Poll::new()?;
        poll.registry()
            .register(&mut listener, LISTENER, Interest::READABLE)?;
        let waker = Waker::new(poll.registry(), WAKER)?;
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            waker,
            stored: Mutex::new(Vec::new()),
        });
        let to_loop = Arc::clone(&shared);
        let done = Arc::new(move |tag: StoreTag, outcome: Outcome| {
            if let Ok(mut stored) = to_loop.stored.lock() {
                stored.push((tag, outcome));
            }
            // A failed wake is only a late one: the loop also looks at
            // every turn.
            let _ = to_loop.waker.wake();
        });
        let worker = StoreWorker::spawn(store, config.store.clone(), done)?;
        info!(
            "jim server bound to {local_addr}; storage: {}",
            config.storage
        );
        Ok(Server {
            event_loop: EventLoop::new(poll, listener, shared, config, local_addr, worker),
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.event_loop.local_addr
    }

    /// A handle that stops [`run`](Server::run) from any thread, or from a
    /// Ctrl-C handler.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            shared: Arc::clone(&self.event_loop.shared),
        }
    }

    /// Serves on the calling thread until a [`ShutdownHandle`] is used;
    /// then closes every connection and returns. Errors only if the OS
    /// event queue itself fails; client trouble is logged, never returned.
    pub fn run(self) -> io::Result<()> {
        self.event_loop.run()
    }

    /// Runs the server on a new thread.
    pub fn spawn(self) -> io::Result<ServerHandle> {
        let local_addr = self.local_addr();
        let shutdown = self.shutdown_handle();
        let thread = thread::Builder::new()
            .name("jim-server".into())
            .spawn(move || self.run())?;
        Ok(ServerHandle {
            local_addr,
            shutdown,
            thread: Some(thread),
        })
    }
}

/// Stops a running [`Server`]. Cheap to clone and send across threads.
#[derive(Clone)]
pub struct ShutdownHandle {
    shared: Arc<Shared>,
}

impl ShutdownHandle {
    /// Asks the server to stop; [`Server::run`] returns promptly. Calling it
    /// again, or after the server stopped, does nothing.
    pub fn shutdown(&self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Err(e) = self.shared.waker.wake() {
            // The flag is set; the loop also sees it at its next timer.
            warn!("cannot wake the server to stop it: {e}");
        }
    }
}

impl std::fmt::Debug for ShutdownHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShutdownHandle")
            .field("stopping", &self.shared.stop.load(Ordering::Relaxed))
            .finish()
    }
}

/// A [`Server`] running on its own thread. Dropping it stops the server
/// and waits for the thread, as [`shutdown`](ServerHandle::shutdown) does.
#[derive(Debug)]
pub struct ServerHandle {
    local_addr: SocketAddr,
    shutdown: ShutdownHandle,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// A handle to stop the server from elsewhere.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    /// Stops the server and waits for its thread; returns what
    /// [`Server::run`] returned.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop_and_join()
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        self.shutdown.shutdown();
        match self.thread.take().map(JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the server thread panicked")),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

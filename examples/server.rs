//! The JIM chat server: `cargo run --example server -- [ADDR [PORT]]`.
//!
//! Listens on `0.0.0.0:7777` unless told otherwise, relays messages between
//! users and rooms in both dialects of the protocol, and stops cleanly on
//! Ctrl-C (or SIGTERM). Port 0 picks any free port; the line
//! `jim server listening on ADDR` on stdout says which. Logs go to stderr;
//! `RUST_LOG` sets the level (default `info`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use jim_std::hub::RateLimit;
use jim_std::{Server, ServerConfig};

/// Exit code for a bad command line (as clap uses).
const USAGE: u8 = 2;

/// JIM (JSON Instant Messaging) server.
#[derive(Parser, Debug)]
#[command(name = "server", version)]
struct Args {
    /// Address to listen on (IPv4, IPv6 or host name) [default: 0.0.0.0]
    #[arg(value_name = "ADDR")]
    positional_addr: Option<String>,

    /// Port to listen on; 0 picks any free port [default: 7777]
    #[arg(value_name = "PORT", value_parser = clap::value_parser!(u16))]
    positional_port: Option<u16>,

    /// Address to listen on (wins over ADDR)
    #[arg(short, long, value_name = "ADDR")]
    addr: Option<String>,

    /// Port to listen on, 0 for any free port (wins over PORT)
    #[arg(short, long, value_name = "PORT")]
    port: Option<u16>,

    /// Most clients served at once; more are answered 500 "server busy"
    #[arg(long, value_name = "N", default_value_t = 10_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,

    /// Most clients from one IP address at once
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    max_per_address: u64,

    /// Seconds a client may send nothing before it is disconnected; a probe goes out at half of it (0: never)
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    idle_timeout: u64,

    /// Seconds one message may take to arrive once it has started (0: no limit)
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    message_deadline: u64,

    /// Requests per second a client may make on average (0: no limit)
    #[arg(long, value_name = "N", default_value_t = 50)]
    rate: u32,

    /// Requests a client may make at once after a quiet spell
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    burst: u32,

    /// KiB queued for a client that does not read before it is disconnected
    #[arg(long, value_name = "KIB", default_value_t = 128, value_parser = clap::value_parser!(u64).range(16..=1_048_576))]
    max_queue: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();

    let host = args
        .addr
        .or(args.positional_addr)
        .unwrap_or_else(|| "0.0.0.0".into());
    let port = args.port.or(args.positional_port);
    let addrs = match jim_std::addr::resolve(&host, port) {
        Ok(addrs) => addrs,
        Err(e) => {
            eprintln!("error: bad address {host:?}: {e}");
            return ExitCode::from(USAGE);
        }
    };

    let config = ServerConfig::default()
        .max_connections(usize::try_from(args.max_connections).unwrap_or(usize::MAX))
        .max_per_address(usize::try_from(args.max_per_address).unwrap_or(usize::MAX))
        .idle_timeout(Duration::from_secs(args.idle_timeout))
        .message_deadline(Duration::from_secs(args.message_deadline))
        .rate(RateLimit {
            per_second: args.rate,
            burst: args.burst,
        })
        .max_queue(usize::try_from(args.max_queue * 1024).unwrap_or(usize::MAX));
    let server = match Server::bind(&addrs[..], config) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("error: cannot listen on {host}: {e}");
            return ExitCode::FAILURE;
        }
    };

    let stop = server.shutdown_handle();
    if let Err(e) = ctrlc::set_handler(move || {
        log::info!("interrupted, shutting down");
        stop.shutdown();
    }) {
        log::warn!("cannot handle Ctrl-C ({e}); stop the server with a signal");
    }

    // Tests and scripts read this line to learn the port: print, then flush
    // (stdout is block-buffered when it is a pipe).
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "jim server listening on {}", server.local_addr());
    let _ = stdout.flush();

    match server.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}

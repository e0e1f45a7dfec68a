//! A JIM server: `cargo run --example server -- [ADDR [PORT]]`.
//!
//! Listens on `0.0.0.0:7777` unless told otherwise, answers every client's
//! `presence` with `200 OK` and anything invalid with `400`, and stops
//! cleanly on Ctrl-C (or SIGTERM). Port 0 picks any free port; the line
//! `jim server listening on ADDR` on stdout says which. Logs go to stderr;
//! `RUST_LOG` sets the level (default `info`).

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
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
    #[arg(long, value_name = "N", default_value_t = ServerConfig::default().max_connections)]
    max_connections: usize,

    /// Seconds a client may send nothing before it is disconnected (0: never)
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    idle_timeout: u64,
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
        .max_connections(args.max_connections)
        .idle_timeout(Duration::from_secs(args.idle_timeout));
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

//! A JIM client: `cargo run --example client -- [ADDR [PORT]]`.
//!
//! Asks for a nickname and a status (unless `--name`/`--status` are
//! given), announces them to the server with a `presence` and prints the
//! answer, e.g. `200 OK`. Exits 0 on a 2xx answer and 1, with a one-line
//! message on stderr, when the server refuses, times out or answers with
//! an error code.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use jim_std::{Client, ClientError, HandshakeReply};

/// JIM (JSON Instant Messaging) client: says hello and prints the answer.
#[derive(Parser, Debug)]
#[command(name = "client", version)]
struct Args {
    /// Server address (IPv4, IPv6 or host name) [default: 127.0.0.1]
    #[arg(value_name = "ADDR")]
    positional_addr: Option<String>,

    /// Server port [default: 7777]
    #[arg(value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    positional_port: Option<u16>,

    /// Server address (wins over ADDR)
    #[arg(short, long, value_name = "ADDR")]
    addr: Option<String>,

    /// Server port (wins over PORT)
    #[arg(short, long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    port: Option<u16>,

    /// Account name to announce (skips the `nickname:` prompt)
    #[arg(short, long)]
    name: Option<String>,

    /// Status to announce; empty for none (with --name: none, no prompt)
    #[arg(short, long)]
    status: Option<String>,

    /// Seconds to wait for connecting and for each answer
    #[arg(short, long, value_name = "SECS", default_value = "5", value_parser = parse_seconds)]
    timeout: Duration,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(reply) => {
            println!("{}", describe(&reply));
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<HandshakeReply, String> {
    // Interactive only when neither is given: `--name` alone means "no
    // status" so scripts never block on a prompt.
    let interactive = args.name.is_none() && args.status.is_none();
    let name = match args.name {
        Some(name) => name,
        None => prompt("nickname")?,
    };
    if name.is_empty() {
        return Err("the nickname must not be empty".into());
    }
    let status = match args.status {
        Some(status) => status,
        None if interactive => prompt("status")?,
        None => String::new(),
    };
    let status = Some(status.as_str()).filter(|s| !s.is_empty());

    let host = args
        .addr
        .or(args.positional_addr)
        .unwrap_or_else(|| "127.0.0.1".into());
    let port = args.port.or(args.positional_port);
    let addrs =
        jim_std::addr::resolve(&host, port).map_err(|e| format!("bad address {host:?}: {e}"))?;
    let server = addrs
        .first()
        .map_or_else(|| host.clone(), ToString::to_string);

    let secs = args.timeout.as_secs_f64();
    let explain = |e: ClientError| match e {
        ClientError::Connect(e) => format!("cannot connect to {server}: {e}"),
        ClientError::Timeout => format!("timed out after {secs} s waiting for {server}"),
        other => other.to_string(),
    };
    let mut client = Client::connect(&addrs[..], args.timeout).map_err(explain)?;
    client.handshake(&name, status).map_err(explain)
}

/// `200 OK`, plus the server's text when it says more than the code.
fn describe(reply: &HandshakeReply) -> String {
    match (&reply.text, reply.code.reason()) {
        (Some(text), Some(reason)) if text == reason => reply.code.to_string(),
        (Some(text), _) if !text.is_empty() => format!("{}: {text}", reply.code),
        _ => reply.code.to_string(),
    }
}

/// Prints `what: ` and reads one line from stdin, without its line end.
fn prompt(what: &str) -> Result<String, String> {
    print!("{what}: ");
    let _ = io::stdout().flush();
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) => Err(format!("no {what} given (end of input)")),
        Ok(_) => Ok(line.trim_end_matches(['\r', '\n']).to_owned()),
        Err(e) => Err(format!("cannot read the {what}: {e}")),
    }
}

/// A positive number of seconds, fractions allowed (`0.5`).
fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if secs.is_finite() && secs > 0.0 && secs <= 86_400.0 {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err("must be more than 0 and at most 86400 seconds".into())
    }
}

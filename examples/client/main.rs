//! A JIM chat client: `cargo run --example client -- [ADDR [PORT]]`.
//!
//! Logs in (asking for a nickname and a status unless `--name`/`--status`
//! are given), prints the server's answer (`200 OK`), then chats: on a
//! terminal with a line editor whose input line survives incoming
//! messages, printed above it; otherwise line by line from stdin, for
//! scripts. See `--help` for the commands and exit codes.

mod chat;
mod command;
mod output;
mod prompt;

use std::io::{self, IsTerminal};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use jim_std::{ClientError, Dialect, Reply, Session, SessionConfig};

use crate::chat::{human_invalid, Chat};
use crate::output::Style;
use crate::prompt::{prompt, read_password};

/// Longest name, status or password the protocol allows.
const MAX_NAME: usize = 25;

const AFTER_HELP: &str = "\
After logging in, each line you type is a message to the current target,
or a command:
  /msg NAME text      send one message to NAME (an account or #room)
  /to NAME|#room      make NAME the current target
  /join #room         join a room (and talk there)
  /leave [#room]      leave a room (default: the current one)
  /contacts           list your contacts
  /add NAME           add NAME to your contacts
  /del NAME           remove NAME from your contacts
  /who                who is online
  /history [NAME|#room]  stored messages with NAME or in a room
  /help               this list
  /quit               leave (Ctrl-D too)
A line starting with // sends the text after the first /.

On a terminal the input line has history and editing (arrows, Ctrl-R);
incoming messages appear above it as `12:34 [#room] alice: text`. Ctrl-C
clears the line (twice in a row quits). Names are coloured unless
NO_COLOR is set or stdout is not a terminal.

When stdin is not a terminal (a pipe, a file), each line is read the same
way and incoming messages are printed one per line (`alice: text`,
`[#room] alice: text`); answers to commands go to stdout, errors to
stderr. The client exits once the input ends (or /quit) and everything it
sent has been answered. With no input at all it just logs in and prints
the answer.

Exit codes: 0 ok; 1 refused or failed (cannot connect, login refused,
connection lost); 2 bad usage.";

/// JIM (JSON Instant Messaging) chat client.
#[derive(Parser, Debug)]
#[command(name = "client", version, after_help = AFTER_HELP)]
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

    /// Account name, at most 25 characters (skips the `nickname:` prompt)
    #[arg(short, long)]
    name: Option<String>,

    /// Status, at most 25 characters; empty for none (with --name: none, no prompt)
    #[arg(short, long)]
    status: Option<String>,

    /// Password for servers with accounts (asked for, hidden, on a terminal when the server wants one)
    #[arg(long, value_name = "PASSWORD")]
    password: Option<String>,

    /// How to spell requests: `spec` (jim and spec servers) or `course` (the course's reference servers)
    #[arg(long, value_enum, default_value_t = DialectArg::Spec)]
    dialect: DialectArg,

    /// A public key file (PEM) to send with the presence, as course clients do
    #[arg(long, value_name = "FILE")]
    pubkey: Option<std::path::PathBuf>,

    /// The first target for plain text (an account or #room)
    #[arg(long, value_name = "NAME")]
    to: Option<String>,

    /// Also print every message received as raw JSON (`<< {...}`)
    #[arg(long)]
    raw: bool,

    /// Seconds to wait for connecting, logging in and each answer
    #[arg(short, long, value_name = "SECS", default_value = "5", value_parser = parse_seconds)]
    timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DialectArg {
    Spec,
    Course,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let terminal = io::stdin().is_terminal();
    // Interactive only when neither is given: `--name` alone means "no
    // status" so scripts never block on a prompt.
    let ask = args.name.is_none() && args.status.is_none();
    let name = match args.name {
        Some(name) => name,
        None => prompt("nickname")?,
    };
    if name.is_empty() {
        return Err("the nickname must not be empty".into());
    }
    check_length("nickname", &name)?;
    let status = match args.status {
        Some(status) => status,
        None if ask => prompt("status")?,
        None => String::new(),
    };
    check_length("status", &status)?;
    if let Some(password) = &args.password {
        check_length("password", password)?;
    }

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

    let mut config = SessionConfig::new()
        .timeout(args.timeout)
        .status(status)
        .raw(args.raw)
        .dialect(match args.dialect {
            DialectArg::Spec => Dialect::Spec,
            DialectArg::Course => Dialect::Course,
        });
    if let Some(path) = &args.pubkey {
        let pem = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the public key {}: {e}", path.display()))?;
        config = config.pubkey(pem);
    }
    let secs = args.timeout.as_secs_f64();
    let explain = |e: ClientError| match e {
        ClientError::Connect(e) => format!("cannot connect to {server}: {e}"),
        ClientError::Timeout => format!("timed out after {secs} s waiting for {server}"),
        ClientError::NotJim(start) => {
            format!("{server} does not speak JIM; it answered {start:?}")
        }
        ClientError::PasswordRequired { text } => {
            let why = if text.is_empty() {
                String::new()
            } else {
                format!(" ({text})")
            };
            format!("{server} asks for a password{why}: give it with --password")
        }
        ClientError::Invalid(e) => human_invalid(&e),
        other => other.to_string(),
    };
    let login = |config: SessionConfig| Session::connect(&addrs[..], &name, config);
    let mut prompted = false;
    let (session, events) = match (
        login(config.clone().password_opt(&args.password)),
        &args.password,
    ) {
        (Err(ClientError::PasswordRequired { .. }), None) if terminal => {
            let password = read_password()?;
            check_length("password", &password)?;
            prompted = true;
            login(config.password(password)).map_err(explain)?
        }
        (result, _) => result.map_err(explain)?,
    };
    println!("{}", describe(session.welcome()));

    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let style = Style {
        color,
        times: terminal,
        me: session.name().to_owned(),
    };
    let chat = Chat {
        session,
        target: args.to,
        style,
        timeout: args.timeout,
        quit: false,
        may_ask_password: terminal && args.password.is_none() && !prompted,
        refused_login: false,
    };
    if terminal {
        chat.interactive(events)
    } else {
        chat.scripted(events)
    }
}

/// Adds a password when there is one.
trait PasswordOpt {
    fn password_opt(self, password: &Option<String>) -> Self;
}

impl PasswordOpt for SessionConfig {
    fn password_opt(self, password: &Option<String>) -> Self {
        match password {
            Some(p) => self.password(p.clone()),
            None => self,
        }
    }
}

fn check_length(what: &str, value: &str) -> Result<(), String> {
    let n = value.chars().count();
    if n > MAX_NAME {
        return Err(format!(
            "the {what} is {n} characters long; the limit is {MAX_NAME}"
        ));
    }
    Ok(())
}

/// `200 OK`, plus the server's text when it says more than the code.
fn describe(reply: &Reply) -> String {
    match (&reply.text, reply.code.reason()) {
        (Some(text), Some(reason)) if text == reason => reply.code.to_string(),
        (Some(text), _) if !text.is_empty() => format!("{}: {text}", reply.code),
        _ => reply.code.to_string(),
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

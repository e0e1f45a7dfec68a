//! A JIM chat client: `cargo run --example client -- [ADDR [PORT]]`.
//!
//! Logs in (asking for a nickname and a status unless `--name`/`--status`
//! are given), prints the server's answer (`200 OK`), then chats: on a
//! terminal with a line editor whose input line survives incoming
//! messages, printed above it; otherwise line by line from stdin, for
//! scripts. See `--help` for the commands and exit codes.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::io::{self, BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use jim_std::jim_core::{EncodeError, Field};
use jim_std::{
    ClientError, Dialect, Disconnect, Event, Events, Incoming, Reply, Session, SessionConfig,
};
use rustyline::error::ReadlineError;

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
    let (session, events) = match (
        login(config.clone().password_opt(&args.password)),
        &args.password,
    ) {
        (Err(ClientError::PasswordRequired { .. }), None) if terminal => {
            let password = read_password()?;
            check_length("password", &password)?;
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

/// Reads a password on the terminal without showing it.
fn read_password() -> Result<String, String> {
    let mut editor = rustyline::Editor::<Masked, rustyline::history::DefaultHistory>::new()
        .map_err(|e| format!("cannot read the password: {e}"))?;
    editor.set_helper(Some(Masked));
    {
        use rustyline::config::Configurer as _;
        editor.set_color_mode(rustyline::ColorMode::Forced);
        editor.set_auto_add_history(false);
    }
    editor
        .readline("password: ")
        .map_err(|e| format!("no password given ({e})"))
}

/// Shows each typed character as `*`.
struct Masked;

impl rustyline::highlight::Highlighter for Masked {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> std::borrow::Cow<'l, str> {
        std::borrow::Cow::Owned("*".repeat(line.chars().count()))
    }

    fn highlight_char(
        &self,
        _line: &str,
        _pos: usize,
        kind: rustyline::highlight::CmdKind,
    ) -> bool {
        kind != rustyline::highlight::CmdKind::MoveCursor
    }
}
impl rustyline::completion::Completer for Masked {
    type Candidate = String;
}
impl rustyline::hint::Hinter for Masked {
    type Hint = String;
}
impl rustyline::validate::Validator for Masked {}
impl rustyline::Helper for Masked {}

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

// ------------------------------------------------------------------ output

/// Where lines go: stdout, or above the line editor's prompt.
type Sink = Arc<Mutex<dyn FnMut(Line) + Send>>;

/// One line of output.
enum Line {
    /// Incoming traffic and answers: stdout.
    Out(String),
    /// Errors: stderr when scripted, stdout (above the prompt) on a terminal.
    Err(String),
}

fn emit(sink: &Sink, line: Line) {
    let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
    (*sink)(line);
}

/// How lines look.
#[derive(Clone)]
struct Style {
    color: bool,
    times: bool,
    me: String,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A name, in a colour of its own (bold for yourself).
    fn name(&self, name: &str) -> String {
        if name == self.me {
            return self.paint("1", &clean(name));
        }
        const PALETTE: [&str; 6] = ["31", "32", "33", "34", "35", "36"];
        let mut hasher = DefaultHasher::new();
        name.hash(&mut hasher);
        let pick = PALETTE
            .get((hasher.finish() % PALETTE.len() as u64) as usize)
            .copied()
            .unwrap_or("36");
        self.paint(&format!("1;{pick}"), &clean(name))
    }

    fn time(&self, unix: Option<u64>) -> String {
        if !self.times {
            return String::new();
        }
        use chrono::{Local, TimeZone};
        let now = Local::now();
        let when = unix
            .and_then(|t| i64::try_from(t).ok())
            .and_then(|t| Local.timestamp_opt(t, 0).single())
            .unwrap_or(now);
        let text = if when.date_naive() == now.date_naive() {
            when.format("%H:%M").to_string()
        } else {
            when.format("%Y-%m-%d %H:%M").to_string()
        };
        format!("{} ", self.paint("2", &text))
    }

    fn message(&self, m: &Incoming, history: bool) -> String {
        let mut line = self.time(m.time);
        if history {
            line.push_str(&self.paint("2", "(history) "));
        }
        if let Some(room) = &m.room {
            let _ = write!(line, "[{}] ", self.paint("1;35", &clean(room)));
        }
        let from = if m.from.is_empty() { "?" } else { &m.from };
        let _ = write!(line, "{}: {}", self.name(from), clean(&m.text));
        if history && m.room.is_none() && m.from == self.me {
            let _ = write!(
                line,
                " {}",
                self.paint("2", &format!("(to {})", clean(&m.to)))
            );
        }
        line
    }
}

/// The text with control characters (terminal escapes, line breaks)
/// made harmless, so one message is one line.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Prints every event until the session ends.
fn print_events(events: Events, style: Style, sink: Sink) {
    for event in events {
        let line = match event {
            Event::Direct(m) | Event::Room(m) => Line::Out(style.message(&m, false)),
            Event::History(m) => Line::Out(style.message(&m, true)),
            Event::Probe => continue,
            Event::Notice { code, text } => {
                let text = text.map(|t| clean(&t));
                let what = match (code.as_u16(), text) {
                    (205, None) => "the server says your lists changed (205)".to_owned(),
                    (n, Some(t)) if n < 300 => format!("server notice: {t} ({n})"),
                    (n, None) if n < 300 => format!("server notice {code}"),
                    (_, Some(t)) => format!("server error: {t} ({code})"),
                    (_, None) => format!("server error {code}"),
                };
                Line::Out(style.paint("2", &format!("* {what}")))
            }
            Event::Unreadable(why) => {
                Line::Err(format!("the server sent something unreadable ({why})"))
            }
            Event::Raw(json) => Line::Out(format!("<< {json}")),
            Event::Disconnected(Disconnect::Quit | Disconnect::Dropped) => break,
            Event::Disconnected(Disconnect::Closed) => {
                Line::Err("the server closed the connection".into())
            }
            Event::Disconnected(Disconnect::Failed(e)) => {
                Line::Err(format!("connection lost: {e}"))
            }
            _ => continue,
        };
        emit(&sink, line);
    }
}

// ------------------------------------------------------------------ commands

struct Chat {
    session: Session,
    target: Option<String>,
    style: Style,
    timeout: Duration,
    quit: bool,
}

/// What a command line asks for.
enum Command<'a> {
    Say { to: Option<&'a str>, text: &'a str },
    To(&'a str),
    Join(&'a str),
    Leave(Option<&'a str>),
    Contacts,
    Add(&'a str),
    Del(&'a str),
    Who,
    History(Option<&'a str>),
    Help,
    Quit,
}

/// Parses one input line; `Err` is what to tell the user.
fn parse(line: &str) -> Result<Option<Command<'_>>, String> {
    let line = line.trim_end_matches(['\r', '\n']);
    if line.trim().is_empty() {
        return Ok(None);
    }
    if line.starts_with("//") {
        return Ok(Some(Command::Say {
            to: None,
            text: line.get(1..).unwrap_or_default(),
        }));
    }
    let Some(command) = line.strip_prefix('/') else {
        return Ok(Some(Command::Say {
            to: None,
            text: line,
        }));
    };
    let (verb, rest) = command
        .split_once(char::is_whitespace)
        .map_or((command, ""), |(v, r)| (v, r.trim()));
    let one = |usage: &str| -> Result<&str, String> {
        match rest.split_whitespace().collect::<Vec<_>>()[..] {
            [arg] => Ok(arg),
            _ => Err(format!("usage: {usage} (/help lists the commands)")),
        }
    };
    let optional = |usage: &str| -> Result<Option<&str>, String> {
        match rest.split_whitespace().collect::<Vec<_>>()[..] {
            [] => Ok(None),
            [arg] => Ok(Some(arg)),
            _ => Err(format!("usage: {usage} (/help lists the commands)")),
        }
    };
    let none = |usage: &str| -> Result<(), String> {
        if rest.is_empty() {
            Ok(())
        } else {
            Err(format!("usage: {usage} (/help lists the commands)"))
        }
    };
    Ok(Some(match verb {
        "msg" => {
            let (to, text) = rest
                .split_once(char::is_whitespace)
                .map(|(to, text)| (to, text.trim_start()))
                .filter(|(_, text)| !text.is_empty())
                .ok_or("usage: /msg NAME text (/help lists the commands)")?;
            Command::Say { to: Some(to), text }
        }
        "to" => Command::To(one("/to NAME|#room")?),
        "join" => Command::Join(one("/join #room")?),
        "leave" => Command::Leave(optional("/leave [#room]")?),
        "contacts" => none("/contacts").map(|()| Command::Contacts)?,
        "add" => Command::Add(one("/add NAME")?),
        "del" => Command::Del(one("/del NAME")?),
        "who" => none("/who").map(|()| Command::Who)?,
        "history" => Command::History(optional("/history [NAME|#room]")?),
        "help" | "?" => Command::Help,
        "quit" | "exit" => Command::Quit,
        other => {
            return Err(format!(
                "unknown command /{}; type /help for the list",
                clean(other)
            ))
        }
    }))
}

/// The words for a refused request.
fn human(e: &ClientError, timeout: Duration) -> String {
    match e {
        ClientError::Rejected { code, text } if !text.is_empty() => {
            if code.as_u16() == 429 {
                format!("{} (slow down)", clean(text))
            } else {
                clean(text)
            }
        }
        ClientError::Rejected { code, .. } => format!("the server refused it ({code})"),
        ClientError::Invalid(e) => human_invalid(e),
        ClientError::Timeout => format!(
            "no answer from the server within {} s",
            timeout.as_secs_f64()
        ),
        ClientError::Disconnected => "the connection is closed".into(),
        other => other.to_string(),
    }
}

fn human_invalid(e: &EncodeError) -> String {
    match e {
        EncodeError::NotARoom => "a room name starts with #".into(),
        EncodeError::TooLong(Field::Message) => "the message is longer than 500 characters".into(),
        EncodeError::TooLong(field) => {
            format!("{} is longer than {MAX_NAME} characters", what(*field))
        }
        EncodeError::Empty(field) => format!("{} is empty", what(*field)),
        other => format!("cannot send: {other}"),
    }
}

fn what(field: Field) -> &'static str {
    match field {
        Field::AccountName | Field::User | Field::UserId | Field::To => "the name",
        Field::Status => "the status",
        Field::Password => "the password",
        Field::Room => "the room name",
        _ => "a field",
    }
}

impl Chat {
    /// Runs one input line; `Err` ends the session (the connection is gone).
    fn handle(&mut self, line: &str, sink: &Sink) -> Result<(), String> {
        let command = match parse(line) {
            Ok(Some(command)) => command,
            Ok(None) => return Ok(()),
            Err(usage) => {
                emit(sink, Line::Err(usage));
                return Ok(());
            }
        };
        let say = |text: String| emit(sink, Line::Out(text));
        let result = match command {
            Command::Say { to, text } => {
                let Some(to) = to.map(str::to_owned).or_else(|| self.target.clone()) else {
                    emit(
                        sink,
                        Line::Err(
                            "no one to talk to yet: /to NAME, /join #room or /msg NAME text".into(),
                        ),
                    );
                    return Ok(());
                };
                // `201`: stored for an account that is offline; say so,
                // or the sender would think it was read.
                self.session.send(&to, text).map(|reply| {
                    if reply.code.as_u16() == 201 {
                        say(clean(reply.text.as_deref().unwrap_or("queued")));
                    }
                })
            }
            Command::To(target) => {
                say(format!("talking to {}", clean(target)));
                self.target = Some(target.to_owned());
                Ok(())
            }
            Command::Join(room) => self.session.join(room).map(|_| {
                say(format!("joined {}", clean(room)));
                self.target = Some(room.to_owned());
            }),
            Command::Leave(room) => {
                let room = room
                    .map(str::to_owned)
                    .or_else(|| self.target.clone().filter(|t| t.starts_with('#')));
                let Some(room) = room else {
                    emit(
                        sink,
                        Line::Err("usage: /leave #room (you are not talking in a room)".into()),
                    );
                    return Ok(());
                };
                self.session.leave(&room).map(|_| {
                    say(format!("left {}", clean(&room)));
                    if self.target.as_deref() == Some(room.as_str()) {
                        self.target = None;
                    }
                })
            }
            Command::Contacts => self.session.contacts().map(|names| {
                say(format!("contacts: {}", list(&names)));
            }),
            Command::Add(name) => self.session.add_contact(name).map(|_| {
                say(format!("added {} to your contacts", clean(name)));
            }),
            Command::Del(name) => self.session.del_contact(name).map(|_| {
                say(format!("removed {} from your contacts", clean(name)));
            }),
            Command::Who => self.session.users().map(|names| {
                say(format!("online: {}", list(&names)));
            }),
            Command::History(with) => {
                let Some(with) = with.map(str::to_owned).or_else(|| self.target.clone()) else {
                    emit(
                        sink,
                        Line::Err("usage: /history NAME|#room (no current target)".into()),
                    );
                    return Ok(());
                };
                self.session.history(&with, None).map(|reply| {
                    let more = reply.text.filter(|t| !t.is_empty() && t != "Accepted");
                    match more {
                        Some(t) => say(format!("history with {}: {}", clean(&with), clean(&t))),
                        None => say(format!("history with {}:", clean(&with))),
                    }
                })
            }
            Command::Help => {
                say(AFTER_HELP
                    .split("\n\n")
                    .next()
                    .unwrap_or(AFTER_HELP)
                    .to_owned());
                Ok(())
            }
            Command::Quit => {
                self.quit = true;
                Ok(())
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if !e.is_fatal() => {
                emit(sink, Line::Err(human(&e, self.timeout)));
                Ok(())
            }
            Err(ClientError::Disconnected) => Err("the connection is closed".into()),
            Err(e) => Err(human(&e, self.timeout)),
        }
    }

    /// stdin is not a terminal: one command per line, then quit.
    fn scripted(mut self, events: Events) -> Result<(), String> {
        let sink: Sink = Arc::new(Mutex::new(|line: Line| match line {
            Line::Out(text) => {
                let mut out = io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Line::Err(text) => eprintln!("error: {text}"),
        }));
        let printer = {
            let (style, sink) = (self.style.clone(), Arc::clone(&sink));
            thread::spawn(move || print_events(events, style, sink))
        };
        let mut outcome = Ok(());
        for line in io::stdin().lock().lines() {
            let line = match line {
                Ok(line) => line,
                Err(e) => {
                    outcome = Err(format!("cannot read the input: {e}"));
                    break;
                }
            };
            if let Err(e) = self.handle(&line, &sink) {
                outcome = Err(e);
                break;
            }
            if self.quit {
                break;
            }
        }
        // Every command ran: a server that closed after the last one (a
        // one-shot course server does, right after its answer) has not
        // failed the script — that it closed is printed, not an error.
        self.finish(printer, outcome, false)
    }

    /// Quits (if still connected) and waits for the last events; a lost
    /// connection is an error if `lost_fails`.
    fn finish(
        self,
        printer: thread::JoinHandle<()>,
        outcome: Result<(), String>,
        lost_fails: bool,
    ) -> Result<(), String> {
        let was_connected = self.session.is_connected();
        let _ = self.session.quit();
        drop(self.session);
        let _ = printer.join();
        match outcome {
            Ok(()) if !was_connected && lost_fails => Err("the connection was lost".into()),
            other => other,
        }
    }

    /// stdin is a terminal: a line editor, incoming messages above it.
    fn interactive(mut self, events: Events) -> Result<(), String> {
        use rustyline::config::Configurer as _;
        let mut editor = rustyline::DefaultEditor::new()
            .map_err(|e| format!("cannot start the line editor: {e}"))?;
        editor.set_auto_add_history(true);
        let printer = editor
            .create_external_printer()
            .map_err(|e| format!("cannot start the line editor: {e}"))?;
        let printer = Mutex::new(printer);
        let sink: Sink = Arc::new(Mutex::new(move |line: Line| {
            use rustyline::ExternalPrinter as _;
            let text = match line {
                Line::Out(text) => text,
                Line::Err(text) => format!("error: {text}"),
            };
            if let Ok(mut printer) = printer.lock() {
                let _ = printer.print(format!("{text}\n"));
            }
        }));
        emit(
            &sink,
            Line::Out(format!(
                "logged in as {} at {}; /help lists the commands, /quit or Ctrl-D leaves",
                self.style.name(&self.style.me.clone()),
                self.session.peer_addr()
            )),
        );
        let printer = {
            let (style, sink) = (self.style.clone(), Arc::clone(&sink));
            thread::spawn(move || print_events(events, style, sink))
        };
        let mut outcome = Ok(());
        let mut interrupted = false;
        loop {
            if !self.session.is_connected() {
                outcome = Err("the connection was lost".into());
                break;
            }
            let prompt = match &self.target {
                Some(target) => format!("{} to {}> ", self.style.me, clean(target)),
                None => format!("{}> ", self.style.me),
            };
            let read = editor.readline(&prompt);
            if !matches!(read, Err(ReadlineError::Interrupted)) {
                interrupted = false;
            }
            match read {
                Ok(line) => {
                    if let Err(e) = self.handle(&line, &sink) {
                        outcome = Err(e);
                        break;
                    }
                    if self.quit {
                        break;
                    }
                }
                Err(ReadlineError::Interrupted) => {
                    // Ctrl-C drops the typed line; a second one in a row quits.
                    if interrupted {
                        break;
                    }
                    interrupted = true;
                    emit(&sink, Line::Out("(Ctrl-C again or Ctrl-D to quit)".into()));
                    continue;
                }
                Err(ReadlineError::Eof) => break,
                Err(e) => {
                    outcome = Err(format!("the line editor failed: {e}"));
                    break;
                }
            }
        }
        self.finish(printer, outcome, true)
    }
}

/// `alice, bob`, or `(none)`.
fn list(names: &[String]) -> String {
    if names.is_empty() {
        "(none)".into()
    } else {
        names
            .iter()
            .map(|n| clean(n))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

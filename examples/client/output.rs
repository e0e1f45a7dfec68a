//! Printing what arrives: one line per event, coloured names on a
//! terminal, control characters shown, never breaking the input line.

use std::collections::hash_map::DefaultHasher;
use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use jim_std::{Disconnect, Event, Events, Incoming};

/// Where lines go: stdout, or above the line editor's prompt.
pub(crate) type Sink = Arc<Mutex<dyn FnMut(Line) + Send>>;

/// One line of output.
pub(crate) enum Line {
    /// Incoming traffic and answers: stdout.
    Out(String),
    /// Errors: stderr when scripted, stdout (above the prompt) on a terminal.
    Err(String),
}

pub(crate) fn emit(sink: &Sink, line: Line) {
    let mut sink = sink.lock().unwrap_or_else(|e| e.into_inner());
    (*sink)(line);
}

/// The output held by one thread: the printer thread's lines wait until
/// it is dropped. A `join`'s and a `/history`'s answers are followed by
/// replayed messages that the printer thread prints as they arrive; the
/// command holds the output while its request runs, so that its answer's
/// line comes first. (The events channel is unbounded: a held printer
/// never stops the reader that delivers the answer.)
pub(crate) struct Held<'a>(MutexGuard<'a, dyn FnMut(Line) + Send + 'static>);

pub(crate) fn hold(sink: &Sink) -> Held<'_> {
    Held(sink.lock().unwrap_or_else(|e| e.into_inner()))
}

impl Held<'_> {
    pub(crate) fn say(&mut self, text: String) {
        (*self.0)(Line::Out(text));
    }
}

/// How lines look.
#[derive(Clone)]
pub(crate) struct Style {
    pub(crate) color: bool,
    pub(crate) times: bool,
    pub(crate) me: String,
}

impl Style {
    pub(crate) fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    /// A name, in a colour of its own (bold for yourself).
    pub(crate) fn name(&self, name: &str) -> String {
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

    pub(crate) fn time(&self, unix: Option<u64>) -> String {
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

    pub(crate) fn message(&self, m: &Incoming, history: bool) -> String {
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
pub(crate) fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// Prints every event until the session ends; `after_close` ends the line
/// that says the server went (at a prompt: how to leave).
pub(crate) fn print_events(events: Events, style: Style, sink: Sink, after_close: &str) {
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
                Line::Err(format!("the server closed the connection{after_close}"))
            }
            Event::Disconnected(Disconnect::Failed(e)) => {
                Line::Err(format!("connection lost: {e}{after_close}"))
            }
            _ => continue,
        };
        emit(&sink, line);
    }
}

// ------------------------------------------------------------------ commands

//! The chat after login: each typed line a message or a command,
//! carried out against the session; errors in words a user can act on.

use std::io::{self, BufRead, Write};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::Duration;

use jim_std::jim_core::{EncodeError, Field};
use jim_std::{ClientError, Events, Session};
use rustyline::error::ReadlineError;

use crate::command::{parse, Command};
use crate::output::{clean, emit, hold, print_events, Line, Sink, Style};
use crate::{AFTER_HELP, MAX_NAME};

pub(crate) struct Chat {
    pub(crate) session: Session,
    pub(crate) target: Option<String>,
    pub(crate) style: Style,
    pub(crate) timeout: Duration,
    pub(crate) quit: bool,
    /// No password was given: a `401` ("log in first") from a server that
    /// took the presence without binding it (its logins are required) is
    /// met with a password prompt, on a terminal.
    pub(crate) may_ask_password: bool,
    /// The last command was answered `401`.
    pub(crate) refused_login: bool,
}

/// The words for a refused request.
pub(crate) fn human(e: &ClientError, timeout: Duration) -> String {
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

pub(crate) fn human_invalid(e: &EncodeError) -> String {
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

pub(crate) fn what(field: Field) -> &'static str {
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
    pub(crate) fn handle(&mut self, line: &str, sink: &Sink) -> Result<(), String> {
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
            Command::Join(room) => {
                let mut out = hold(sink);
                self.session.join(room).map(|_| {
                    out.say(format!("joined {}", clean(room)));
                    self.target = Some(room.to_owned());
                })
            }
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
                let mut out = hold(sink);
                self.session.history(&with, None).map(|reply| {
                    let more = reply.text.filter(|t| !t.is_empty() && t != "Accepted");
                    out.say(match more {
                        Some(t) => format!("history with {}: {}", clean(&with), clean(&t)),
                        None => format!("history with {}:", clean(&with)),
                    })
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
                self.refused_login = e.code().is_some_and(|c| c.as_u16() == 401);
                emit(sink, Line::Err(human(&e, self.timeout)));
                Ok(())
            }
            Err(ClientError::Disconnected) => Err("the connection is closed".into()),
            Err(e) => Err(human(&e, self.timeout)),
        }
    }

    /// The server wants a login the presence did not give: asks for the
    /// password, logs in, and runs `line` again. A wrong password is said
    /// and the prompt comes back (the next refused command asks again).
    fn log_in_and_retry(&mut self, line: &str, sink: &Sink) -> Result<(), String> {
        let password = match crate::prompt::read_password() {
            Ok(password) => password,
            Err(e) => {
                emit(sink, Line::Err(e));
                return Ok(());
            }
        };
        match self.session.log_in(&password) {
            Ok(_) => {
                self.may_ask_password = false;
                emit(
                    sink,
                    Line::Out(format!(
                        "logged in as {}",
                        self.style.name(&self.style.me.clone())
                    )),
                );
                self.handle(line, sink)
            }
            Err(e) if !e.is_fatal() => {
                emit(sink, Line::Err(human(&e, self.timeout)));
                Ok(())
            }
            Err(e) => Err(human(&e, self.timeout)),
        }
    }

    /// stdin is not a terminal: one command per line, then quit.
    pub(crate) fn scripted(mut self, events: Events) -> Result<(), String> {
        let sink = direct_sink();
        let printer = {
            let (style, sink) = (self.style.clone(), Arc::clone(&sink));
            thread::spawn(move || print_events(events, style, sink, ""))
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
    pub(crate) fn finish(
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
    pub(crate) fn interactive(mut self, events: Events) -> Result<(), String> {
        use rustyline::config::Configurer as _;
        let mut editor = rustyline::DefaultEditor::new()
            .map_err(|e| format!("cannot start the line editor: {e}"))?;
        editor.set_auto_add_history(true);
        let printer = editor
            .create_external_printer()
            .map_err(|e| format!("cannot start the line editor: {e}"))?;
        // Every line goes through one queue to one thread that owns the
        // editor's printer, in the order the lines were made. A print that
        // finds the editor reading waits in the editor's queue of one until
        // the editor takes it, and the editor takes nothing while a
        // command runs: had that wait been the printer thread's, holding
        // the output (`hold`), a command that printed would have waited
        // for it and it for the next prompt, for ever (a command typed
        // while messages poured in froze the client). Queueing a line
        // never waits.
        let (lines, queued) = mpsc::channel::<String>();
        let delivery = thread::spawn(move || {
            use rustyline::ExternalPrinter as _;
            let mut printer = printer;
            for text in queued {
                // It fails once the editor is gone: the line is then
                // written here, not lost.
                if printer.print(format!("{text}\n")).is_err() {
                    let mut out = io::stdout().lock();
                    let _ = writeln!(out, "{text}");
                    let _ = out.flush();
                }
            }
        });
        let sink: Sink = Arc::new(Mutex::new(move |line: Line| {
            let text = match line {
                Line::Out(text) => text,
                Line::Err(text) => format!("error: {text}"),
            };
            let _ = lines.send(text);
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
            let style = self.style.clone();
            // The prompt still waits for a line when the server goes (the
            // editor cannot be woken from here): say how to leave.
            let sink = Arc::clone(&sink);
            thread::spawn(move || print_events(events, style, sink, "; press Enter to leave"))
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
                // The connection went while the prompt waited (the printer
                // said so): what was typed has nowhere to go.
                Ok(_) if !self.session.is_connected() => {
                    outcome = Err("the connection was lost".into());
                    break;
                }
                Ok(line) => {
                    self.refused_login = false;
                    let mut handled = self.handle(&line, &sink);
                    if handled.is_ok() && self.refused_login && self.may_ask_password {
                        handled = self.log_in_and_retry(&line, &sink);
                    }
                    if let Err(e) = handled {
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
        // The editor takes no more lines once it has stopped: dropped, it
        // lets a print waiting in its queue fail (and the line be written
        // directly) instead of the last wait for the output hanging.
        drop(editor);
        let result = self.finish(printer, outcome, true);
        drop(sink);
        let _ = delivery.join();
        result
    }
}

/// Lines written straight to stdout (errors to stderr).
fn direct_sink() -> Sink {
    Arc::new(Mutex::new(|line: Line| match line {
        Line::Out(text) => {
            let mut out = io::stdout().lock();
            let _ = writeln!(out, "{text}");
            let _ = out.flush();
        }
        Line::Err(text) => eprintln!("error: {text}"),
    }))
}

/// `alice, bob`, or `(none)`.
pub(crate) fn list(names: &[String]) -> String {
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

//! What the server does with each request of one client: log it and queue
//! the answer. The decision itself (which code, which text) is jim-core's
//! [`server::step`](jim_core::server::step); this is the std side of it.

use std::fmt;
use std::net::SocketAddr;

use jim_core::server::Step;
use jim_core::{Encode, Message, Response, Text};
use log::{debug, error, info};

/// The largest encoded answer; every answer the server sends is far
/// smaller (a code, a time and a short static text).
const MAX_ANSWER: usize = 640;

/// Who is at the other end, for log lines.
pub(super) struct Session {
    peer: SocketAddr,
    /// The account name of the last `presence`, made safe to log.
    name: Option<String>,
}

/// What the connection does after a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Read on.
    Continue,
    /// The client said `quit`/`exit`: flush and close.
    Quit,
}

impl Session {
    pub(super) fn new(peer: SocketAddr) -> Self {
        Session { peer, name: None }
    }

    /// Logs `step` and appends its answer, as one line, to `out`.
    pub(super) fn on_step(&mut self, step: &Step<'_>, out: &mut Vec<u8>) -> Verdict {
        match &step.request {
            Ok(Message::Presence(presence)) => {
                let name = Printable(presence.user.account_name).to_string();
                match presence.user.status {
                    Some(status) => {
                        info!("client {name} connected (status: {})", Printable(status))
                    }
                    None => info!("client {name} connected (status: none)"),
                }
                self.name = Some(name);
            }
            Ok(Message::Quit(quit)) => {
                if let (None, Some(name)) = (&self.name, quit.account_name) {
                    self.name = Some(Printable(name).to_string());
                }
                info!("client {self} quit");
            }
            Ok(other) => debug!("client {self}: {}", other.action().unwrap_or("response")),
            Err(e) => info!("bad request from {self}: {e}"),
        }
        if let Some(response) = &step.response {
            push_line(out, response);
        }
        if step.is_quit() {
            Verdict::Quit
        } else {
            Verdict::Continue
        }
    }
}

impl fmt::Display for Session {
    /// `alice (127.0.0.1:50000)` once the client has named itself, else
    /// just the address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(name) => write!(f, "{name} ({})", self.peer),
            None => write!(f, "{}", self.peer),
        }
    }
}

/// Encodes `response` followed by `\n` onto `out`.
pub(super) fn push_line(out: &mut Vec<u8>, response: &Response<'_>) {
    let mut buf = [0u8; MAX_ANSWER];
    match response.encode(&mut buf) {
        Ok(n) => {
            out.extend_from_slice(buf.get(..n).unwrap_or_default());
            out.push(b'\n');
        }
        // Only reachable if a static answer outgrew the buffer: a bug in
        // this crate, not in the client's input. Say so and send nothing.
        Err(e) => error!("cannot encode answer {}: {e}", response.code),
    }
}

/// Decoded text with control characters escaped, so a name like
/// `"evil\n[INFO] forged line"` cannot forge log lines.
struct Printable<'a>(Text<'a>);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(plain) = self
            .0
            .as_plain_str()
            .filter(|s| !s.chars().any(char::is_control))
        {
            // The common case costs one write.
            return f.write_str(plain);
        }
        for c in self.0.chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                fmt::Write::write_char(f, c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jim_core::server::step;

    fn run(session: &mut Session, frame: &[u8]) -> (Verdict, String) {
        let mut out = Vec::new();
        let verdict = session.on_step(&step(Ok(frame), 7), &mut out);
        (verdict, String::from_utf8(out).unwrap())
    }

    #[test]
    fn presence_is_answered_and_names_the_session() {
        let mut session = Session::new(([127, 0, 0, 1], 9).into());
        let (verdict, out) = run(
            &mut session,
            br#"{"action":"presence","user":{"account_name":"a\nb"}}"#,
        );
        assert_eq!(verdict, Verdict::Continue);
        assert_eq!(out, "{\"response\":200,\"time\":7,\"alert\":\"OK\"}\n");
        assert_eq!(session.to_string(), r"a\nb (127.0.0.1:9)");
    }

    #[test]
    fn quit_has_no_answer() {
        let mut session = Session::new(([127, 0, 0, 1], 9).into());
        let (verdict, out) = run(&mut session, br#"{"action":"exit","account_name":"bob"}"#);
        assert_eq!((verdict, out.as_str()), (Verdict::Quit, ""));
        assert_eq!(session.to_string(), "bob (127.0.0.1:9)");
    }

    #[test]
    fn garbage_gets_a_400_line() {
        let mut session = Session::new(([127, 0, 0, 1], 9).into());
        let (verdict, out) = run(&mut session, b"{\"action\":1}");
        assert_eq!(verdict, Verdict::Continue);
        assert!(out.starts_with("{\"response\":400,"), "{out}");
        assert!(out.ends_with("}\n"));
    }
}

//! Between jim-core's borrowed messages and the session's owned values:
//! what a received frame means ([`Inbound`]), and how each request is
//! written in each [`Dialect`].

use jim_core::{
    decode, ChatMessage, ChatVerb, ContactChange, Encode, EncodeError, Escaping, Field, FrameError,
    GetContacts, GetHistory, GetUsers, JsonWriter, Message, Presence, PubkeyNeed, Quit, Response,
    Room, SenderKey, Spelling, StatusCode, TargetKey, Text, TextKey, Timestamp,
};

use super::config::Dialect;
use super::event::Incoming;
use super::request::{Reply, Request};

/// Largest frame the session reads or writes: the server's, as every
/// message the field limits allow fits it.
pub(crate) use crate::MAX_FRAME;

/// A received frame, owned.
#[derive(Debug)]
pub(crate) enum Inbound {
    Response(Reply),
    Probe,
    Msg(Incoming),
    /// A valid message the client has no use for (a presence, say).
    Other(&'static str),
    /// Not a JIM message; the reason.
    Bad(String),
}

/// What `frame` (as the framer yielded it) says.
pub(crate) fn inbound(frame: Result<&[u8], FrameError>) -> Inbound {
    let frame = match frame {
        Ok(frame) => frame,
        Err(e) => return Inbound::Bad(e.to_string()),
    };
    match decode(frame) {
        Ok(Message::Response(r)) => Inbound::Response(reply(&r)),
        Ok(Message::Probe(_)) => Inbound::Probe,
        Ok(Message::Msg(m)) => Inbound::Msg(incoming(&m)),
        Ok(other) => Inbound::Other(other.action().unwrap_or("response")),
        Err(e) => Inbound::Bad(e.to_string()),
    }
}

fn reply(r: &Response<'_>) -> Reply {
    Reply {
        code: r.code,
        text: r.text().map(|t| t.to_string()),
        list: r.list.map(|l| l.iter().map(|t| t.to_string()).collect()),
        bin: r.bin.map(|t| t.to_string()),
    }
}

fn incoming(m: &ChatMessage<'_>) -> Incoming {
    let to = m.to.to_string();
    let room = match m.room {
        Some(room) => Some(room.to_string()),
        None if to.starts_with('#') => Some(to.clone()),
        None => None,
    };
    Incoming {
        from: m.from.map(|t| t.to_string()).unwrap_or_default(),
        to,
        room,
        text: m.message.to_string(),
        time: m.time.unix_seconds(),
        history: m.history,
    }
}

/// The course reference's spelling: `message`, `sender`, `destination`,
/// `mess_text`.
const COURSE_SPELLING: Spelling = Spelling {
    verb: ChatVerb::Message,
    text: TextKey::MessText,
    sender: SenderKey::Sender,
    target: TargetKey::Destination,
};

/// Who speaks: what every request needs besides its own fields.
pub(crate) struct Speaker<'a> {
    pub name: &'a str,
    pub status: Option<&'a str>,
    pub pubkey: Option<&'a str>,
    pub dialect: Dialect,
    pub now: u64,
}

impl Speaker<'_> {
    /// The presence (at the handshake, and in answer to a probe).
    pub fn presence(&self) -> Presence<'_> {
        let mut presence = Presence::new(self.name).at(self.now);
        if self.dialect == Dialect::Course {
            presence.kind = None;
        }
        presence.user.status = self.status.map(Text::plain);
        presence.user.pubkey = self.pubkey.map(Text::plain);
        presence
    }

    /// `request` as this speaker writes it, into `out` (with a trailing
    /// newline); returns the length.
    pub fn encode(&self, request: &Request, out: &mut [u8]) -> Result<usize, EncodeError> {
        let time = Timestamp::Seconds(self.now);
        let course = self.dialect == Dialect::Course;
        let n = match request {
            Request::Message { to, text } => {
                let mut m = ChatMessage::new(self.name, to.as_str(), text.as_str());
                m.time = time;
                if course {
                    m.spelling = COURSE_SPELLING;
                }
                m.encode(out)?
            }
            Request::Join(room) => encode_room(out, room, time, true)?,
            Request::Leave(room) => encode_room(out, room, time, false)?,
            Request::GetContacts if course => Course::GetContacts { owner: self.name }
                .with_time(self.now)
                .encode(out)?,
            Request::GetContacts => GetContacts {
                time,
                user_login: None,
            }
            .encode(out)?,
            Request::AddContact(name) | Request::DelContact(name) if course => {
                let add = matches!(request, Request::AddContact(_));
                Course::Contact {
                    add,
                    owner: self.name,
                    contact: name,
                }
                .with_time(self.now)
                .encode(out)?
            }
            Request::AddContact(name) | Request::DelContact(name) => {
                let mut change = ContactChange::new(name.as_str());
                change.time = time;
                let message = if matches!(request, Request::AddContact(_)) {
                    Message::AddContact(change)
                } else {
                    Message::DelContact(change)
                };
                message.encode(out)?
            }
            Request::GetUsers => GetUsers {
                time,
                account_name: Some(Text::plain(self.name)),
            }
            .encode(out)?,
            Request::GetHistory {
                with,
                limit,
                before,
            } => GetHistory {
                time,
                to: Text::plain(with),
                before: *before,
                limit: *limit,
            }
            .encode(out)?,
            Request::PubkeyNeed(name) => {
                let mut need = PubkeyNeed::new(name.as_str());
                need.time = time;
                need.encode(out)?
            }
            Request::Authenticate(password) => {
                let mut auth = jim_core::Authenticate::new(self.name, password.as_str());
                auth.time = time;
                auth.encode(out)?
            }
        };
        terminate(out, n)
    }

    /// `quit`, or the course's `exit` with the account name.
    pub fn encode_quit(&self, out: &mut [u8]) -> Result<usize, EncodeError> {
        let n = if self.dialect == Dialect::Course {
            Course::Exit { name: self.name }
                .with_time(self.now)
                .encode(out)?
        } else {
            Quit::default().encode(out)?
        };
        terminate(out, n)
    }
}

/// The course client's answer to a `511` challenge.
pub(crate) fn challenge_reply(answer: &str, out: &mut [u8]) -> Result<usize, EncodeError> {
    let response = Response {
        code: StatusCode::new(511).unwrap_or(StatusCode::BAD_REQUEST),
        time: Timestamp::Absent,
        alert: None,
        error: None,
        list: None,
        bin: Some(Text::plain(answer)),
    };
    let n = response.encode(out)?;
    terminate(out, n)
}

/// Any message, with its trailing newline.
pub(crate) fn encode_line<M: Encode>(message: &M, out: &mut [u8]) -> Result<usize, EncodeError> {
    let n = message.encode_with(out, Escaping::Ascii)?;
    terminate(out, n)
}

fn terminate(out: &mut [u8], n: usize) -> Result<usize, EncodeError> {
    let end = out.get_mut(n).ok_or(EncodeError::BufferFull)?;
    *end = b'\n';
    Ok(n + 1)
}

fn encode_room(
    out: &mut [u8],
    room: &str,
    time: Timestamp<'_>,
    join: bool,
) -> Result<usize, EncodeError> {
    let mut body = Room::new(room);
    body.time = time;
    let message = if join {
        Message::Join(body)
    } else {
        Message::Leave(body)
    };
    message.encode(out)
}

/// The course reference's requests that jim-core writes only in the spec
/// spelling.
enum Course<'a> {
    /// `{"action":"get_contacts","time":T,"user":NAME}`
    GetContacts { owner: &'a str },
    /// `{"action":"add"|"remove","time":T,"user":NAME,"account_name":CONTACT}`
    Contact {
        add: bool,
        owner: &'a str,
        contact: &'a str,
    },
    /// `{"action":"exit","time":T,"account_name":NAME}`
    Exit { name: &'a str },
}

impl<'a> Course<'a> {
    fn with_time(self, now: u64) -> Timed<'a> {
        Timed { body: self, now }
    }
}

struct Timed<'a> {
    body: Course<'a>,
    now: u64,
}

/// Refuses an empty name or one over 25 characters.
pub(crate) fn check_name(field: Field, name: &str) -> Result<(), EncodeError> {
    if name.is_empty() {
        return Err(EncodeError::Empty(field));
    }
    if name.chars().count() > jim_core::limits::MAX_NAME {
        return Err(EncodeError::TooLong(field));
    }
    Ok(())
}

impl Encode for Timed<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        let action = match self.body {
            Course::GetContacts { .. } => "get_contacts",
            Course::Contact { add: true, .. } => "add",
            Course::Contact { add: false, .. } => "remove",
            Course::Exit { .. } => "exit",
        };
        w.begin_object()?;
        w.string_field("action", &Text::plain(action))?;
        w.u64_field("time", self.now)?;
        match self.body {
            Course::GetContacts { owner } => {
                check_name(Field::User, owner)?;
                w.string_field("user", &Text::plain(owner))?;
            }
            Course::Contact { owner, contact, .. } => {
                check_name(Field::User, owner)?;
                check_name(Field::AccountName, contact)?;
                w.string_field("user", &Text::plain(owner))?;
                w.string_field("account_name", &Text::plain(contact))?;
            }
            Course::Exit { name } => {
                check_name(Field::AccountName, name)?;
                w.string_field("account_name", &Text::plain(name))?;
            }
        }
        w.end_object()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speaker(dialect: Dialect) -> Speaker<'static> {
        Speaker {
            name: "alice",
            status: Some("here"),
            pubkey: None,
            dialect,
            now: 7,
        }
    }

    fn line(dialect: Dialect, request: &Request) -> String {
        let mut out = [0u8; 512];
        let n = speaker(dialect).encode(request, &mut out).unwrap();
        String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn spec_requests() {
        let to_bob = Request::Message {
            to: "bob".into(),
            text: "привет".into(),
        };
        assert_eq!(
            line(Dialect::Spec, &to_bob),
            "{\"action\":\"msg\",\"time\":7,\"to\":\"bob\",\"from\":\"alice\",\"message\":\"\\u043f\\u0440\\u0438\\u0432\\u0435\\u0442\"}\n"
        );
        assert_eq!(
            line(Dialect::Spec, &Request::AddContact("bob".into())),
            "{\"action\":\"add_contact\",\"time\":7,\"user_id\":\"bob\"}\n"
        );
        assert_eq!(
            line(Dialect::Spec, &Request::GetContacts),
            "{\"action\":\"get_contacts\",\"time\":7}\n"
        );
        assert_eq!(
            line(Dialect::Spec, &Request::Authenticate("s3cret".into())),
            "{\"action\":\"authenticate\",\"time\":7,\"user\":{\"account_name\":\"alice\",\"password\":\"s3cret\"}}\n"
        );
    }

    #[test]
    fn course_requests() {
        let to_bob = Request::Message {
            to: "bob".into(),
            text: "hi".into(),
        };
        assert_eq!(
            line(Dialect::Course, &to_bob),
            "{\"action\":\"message\",\"time\":7,\"destination\":\"bob\",\"sender\":\"alice\",\"mess_text\":\"hi\"}\n"
        );
        assert_eq!(
            line(Dialect::Course, &Request::DelContact("bob".into())),
            "{\"action\":\"remove\",\"time\":7,\"user\":\"alice\",\"account_name\":\"bob\"}\n"
        );
        assert_eq!(
            line(Dialect::Course, &Request::GetContacts),
            "{\"action\":\"get_contacts\",\"time\":7,\"user\":\"alice\"}\n"
        );
        let mut out = [0u8; 128];
        let n = speaker(Dialect::Course).encode_quit(&mut out).unwrap();
        assert_eq!(
            &out[..n],
            b"{\"action\":\"exit\",\"time\":7,\"account_name\":\"alice\"}\n"
        );
    }

    #[test]
    fn challenge_reply_keeps_the_newline_escaped() {
        let mut out = [0u8; 128];
        let n = challenge_reply("h7Fc4vnoyQTebmt/RXy5Mw==\n", &mut out).unwrap();
        assert_eq!(
            &out[..n],
            b"{\"response\":511,\"bin\":\"h7Fc4vnoyQTebmt/RXy5Mw==\\n\"}\n"
        );
    }

    #[test]
    fn inbound_course_relay_and_room_relay() {
        let Inbound::Msg(m) = inbound(Ok(
            br#"{"action": "message", "sender": "bob", "destination": "alice", "time": 1.5, "mess_text": "\u0434\u0430"}"#,
        )) else {
            panic!("not a message")
        };
        assert_eq!(
            (m.from.as_str(), m.text.as_str(), m.room),
            ("bob", "да", None)
        );
        let Inbound::Msg(m) = inbound(Ok(
            br##"{"action":"msg","time":1,"to":"alice","from":"bob","message":"x","room":"#r","history":true}"##,
        )) else {
            panic!("not a message")
        };
        assert_eq!(m.room.as_deref(), Some("#r"));
        assert!(m.history);
        let Inbound::Response(r) = inbound(Ok(br#"{"response":202,"data_list":["a","b"]}"#)) else {
            panic!("not a response")
        };
        assert_eq!(r.list, Some(vec!["a".to_owned(), "b".to_owned()]));
    }
}

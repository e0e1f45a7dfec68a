//! Typed JIM messages: one type per action, and [`Message`] over all of them.
//!
//! Messages borrow their strings (as [`Text`](crate::Text)) from the buffer
//! they were decoded from, so decoding copies nothing. Build one to send with
//! its constructor and public fields.
//!
//! Each file holds one action (or a pair that share a body): its type, how
//! it is decoded from the fields one scan found, and how it is encoded.
//! Adding an action is a new file here plus its lines in [`Message`],
//! [`Message::action`], `decode_request` and `Encode for Message` below.

mod chat;
mod contacts;
mod history;
mod list;
mod presence;
mod response;
mod session;
mod users;

pub use chat::{ChatMessage, ChatVerb, Room, SenderKey, Spelling, TargetKey, TextKey};
pub use contacts::{ContactChange, GetContacts};
pub use history::GetHistory;
pub use list::{NameList, Names};
pub use presence::{Presence, User};
pub use response::Response;
pub use session::{Authenticate, Probe, Quit};
pub use users::{GetUsers, PubkeyNeed};

use crate::decode::head::Head;
use crate::encode::{opening, Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError};

/// Any JIM message, client → server or server → client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Message<'a> {
    /// `presence`: a client announces itself (or answers a probe).
    Presence(Presence<'a>),
    /// `probe`: the server asks a client to send a presence.
    Probe(Probe<'a>),
    /// `msg` (or the course's `message`): chat text to a user or `#room`.
    Msg(ChatMessage<'a>),
    /// `join` a `#room`.
    Join(Room<'a>),
    /// `leave` a `#room`.
    Leave(Room<'a>),
    /// `quit` (or the course's `exit`): the client is leaving.
    Quit(Quit<'a>),
    /// `authenticate` with a password.
    Authenticate(Authenticate<'a>),
    /// `get_contacts`.
    GetContacts(GetContacts<'a>),
    /// `add_contact` (or the course's `add`).
    AddContact(ContactChange<'a>),
    /// `del_contact` (or the course's `remove`).
    DelContact(ContactChange<'a>),
    /// `get_users` (course): who is online.
    GetUsers(GetUsers<'a>),
    /// `pubkey_need` (course): someone's public key.
    PubkeyNeed(PubkeyNeed<'a>),
    /// `get_history` (jim extension): a conversation's last messages.
    GetHistory(GetHistory<'a>),
    /// A `response` from the server (or the course client's `511` answer).
    Response(Response<'a>),
}

impl Message<'_> {
    /// The `action` sent on the wire (spec dialect), or `None` for a response.
    pub const fn action(&self) -> Option<&'static str> {
        Some(match self {
            Message::Presence(_) => "presence",
            Message::Probe(_) => "probe",
            Message::Msg(_) => "msg",
            Message::Join(_) => "join",
            Message::Leave(_) => "leave",
            Message::Quit(_) => "quit",
            Message::Authenticate(_) => "authenticate",
            Message::GetContacts(_) => "get_contacts",
            Message::AddContact(_) => "add_contact",
            Message::DelContact(_) => "del_contact",
            Message::GetUsers(_) => "get_users",
            Message::PubkeyNeed(_) => "pubkey_need",
            Message::GetHistory(_) => "get_history",
            Message::Response(_) => return None,
        })
    }
}

/// A message with an `action`, from the fields one scan found.
pub(crate) fn decode_request<'a>(
    action: &str,
    head: &Head<'a>,
) -> Result<Message<'a>, DecodeError> {
    let (f, time) = (&head.fields, head.time);
    Ok(match action {
        "presence" => Message::Presence(Presence::decode(f, time)?),
        "probe" => Message::Probe(Probe { time }),
        "msg" | "message" => Message::Msg(ChatMessage::decode(action, &f.chat, time)?),
        "join" => Message::Join(Room::decode(f, time)?),
        "leave" => Message::Leave(Room::decode(f, time)?),
        "quit" | "exit" => Message::Quit(Quit::decode(f, time)?),
        "authenticate" => Message::Authenticate(Authenticate::decode(f, time)?),
        "get_contacts" => Message::GetContacts(GetContacts::decode(f, time)?),
        "add_contact" => Message::AddContact(ContactChange::decode(f, time)?),
        "del_contact" => Message::DelContact(ContactChange::decode(f, time)?),
        "add" => Message::AddContact(ContactChange::decode_course(f, time)?),
        "remove" => Message::DelContact(ContactChange::decode_course(f, time)?),
        "get_users" => Message::GetUsers(GetUsers::decode(f, time)?),
        "pubkey_need" => Message::PubkeyNeed(PubkeyNeed::decode(f, time)?),
        "get_history" => Message::GetHistory(GetHistory::decode(f, time)?),
        _ => return Err(DecodeError::UnknownAction),
    })
}

impl Encode for Message<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        match self {
            Message::Presence(m) => m.write_json(w),
            Message::Probe(m) => m.write_json(w),
            Message::Msg(m) => m.write_json(w),
            Message::Join(room) => room.write(w, opening!("join")),
            Message::Leave(room) => room.write(w, opening!("leave")),
            Message::Quit(m) => m.write_json(w),
            Message::Authenticate(m) => m.write_json(w),
            Message::GetContacts(m) => m.write_json(w),
            Message::AddContact(change) => change.write(w, opening!("add_contact")),
            Message::DelContact(change) => change.write(w, opening!("del_contact")),
            Message::GetUsers(m) => m.write_json(w),
            Message::PubkeyNeed(m) => m.write_json(w),
            Message::GetHistory(m) => m.write_json(w),
            Message::Response(m) => m.write_json(w),
        }
    }
}

macro_rules! impl_from_for_message {
    ($($variant:ident($ty:ident)),* $(,)?) => {
        $(impl<'a> From<$ty<'a>> for Message<'a> {
            fn from(m: $ty<'a>) -> Self {
                Message::$variant(m)
            }
        })*
    };
}

impl_from_for_message!(
    Presence(Presence),
    Probe(Probe),
    Msg(ChatMessage),
    Quit(Quit),
    Authenticate(Authenticate),
    GetContacts(GetContacts),
    GetUsers(GetUsers),
    PubkeyNeed(PubkeyNeed),
    GetHistory(GetHistory),
    Response(Response),
);

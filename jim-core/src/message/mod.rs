//! Typed JIM messages: one type per action, and [`Message`] over all of them.
//!
//! Messages borrow their strings (as [`Text`](crate::Text)) from the buffer
//! they were decoded from, so decoding copies nothing. Build one to send with
//! its constructor and public fields.

mod chat;
mod contacts;
mod presence;
mod response;
mod session;

pub use chat::{ChatMessage, Room};
pub use contacts::{ContactChange, GetContacts};
pub use presence::{Presence, User};
pub use response::Response;
pub use session::{Authenticate, Probe, Quit};

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
    /// `add_contact`.
    AddContact(ContactChange<'a>),
    /// `del_contact`.
    DelContact(ContactChange<'a>),
    /// A `response` from the server.
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
            Message::Response(_) => return None,
        })
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
    Response(Response),
);

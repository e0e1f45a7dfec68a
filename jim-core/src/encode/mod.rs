//! Typed message → compact JSON bytes.
//!
//! Strict in what we send: spec-dialect field names, `time` as integer Unix
//! seconds (omitted when the message has none), non-ASCII escaped as
//! `\uXXXX` unless asked otherwise, field limits checked before a byte is
//! written to the wire. A message that does not fit the buffer is an error,
//! never a truncated object.

mod writer;

pub use writer::{Escaping, JsonWriter};

use crate::error::{EncodeError, Field};
use crate::limits::{MAX_NAME, MAX_TEXT};
use crate::message::{
    Authenticate, ChatMessage, ContactChange, GetContacts, Message, Presence, Probe, Quit,
    Response, Room, User,
};
use crate::text::Text;
use crate::timestamp::Timestamp;

/// A message that can be written as JSON.
///
/// ```
/// use jim_core::{Encode, Presence};
///
/// let presence = Presence::new("Гость").with_status("Online").at(1_700_000_000);
/// let mut buf = [0u8; 160];
/// let n = presence.encode(&mut buf).unwrap();
/// assert_eq!(
///     &buf[..n],
///     br#"{"action":"presence","time":1700000000,"type":"status","user":{"account_name":"\u0413\u043e\u0441\u0442\u044c","status":"Online"}}"#
/// );
/// // Or into a fixed-capacity vector:
/// let bytes: heapless::Vec<u8, 256> = presence.encode_vec().unwrap();
/// assert_eq!(&bytes[..], &buf[..n]);
/// ```
pub trait Encode {
    /// Writes the message with `writer`, checking field limits first.
    fn write_json(&self, writer: &mut JsonWriter<'_>) -> Result<(), EncodeError>;

    /// Encodes into `buf` with ASCII escaping; returns the length.
    fn encode(&self, buf: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_with(buf, Escaping::Ascii)
    }

    /// Encodes into `buf` with the given escaping; returns the length.
    fn encode_with(&self, buf: &mut [u8], escaping: Escaping) -> Result<usize, EncodeError> {
        let mut writer = JsonWriter::new(buf, escaping);
        self.write_json(&mut writer)?;
        Ok(writer.len())
    }

    /// Encodes into a new fixed-capacity vector with ASCII escaping.
    fn encode_vec<const N: usize>(&self) -> Result<heapless::Vec<u8, N>, EncodeError> {
        let mut vec = heapless::Vec::new();
        // Zero-filled space to write into, then cut to the encoded length.
        vec.resize(N, 0).map_err(|_| EncodeError::BufferFull)?;
        let n = self.encode(&mut vec)?;
        vec.truncate(n);
        Ok(vec)
    }
}

fn check(field: Field, text: &Text<'_>, max_chars: usize) -> Result<(), EncodeError> {
    if text.is_empty() {
        return Err(EncodeError::Empty(field));
    }
    if text.raw().len() > max_chars && text.char_count() > max_chars {
        return Err(EncodeError::TooLong(field));
    }
    Ok(())
}

fn check_optional(
    field: Field,
    text: Option<&Text<'_>>,
    max_chars: usize,
) -> Result<(), EncodeError> {
    match text {
        Some(t) if t.raw().len() > max_chars && t.char_count() > max_chars => {
            Err(EncodeError::TooLong(field))
        }
        _ => Ok(()),
    }
}

/// `{"action":"…"` for an action name: the start of a request, one
/// constant, written in one go.
macro_rules! opening {
    ($action:literal) => {
        concat!("{\"action\":\"", $action, "\"")
    };
}

/// `opening` (see [`opening!`]) and, when known, `,"time":N`.
#[inline]
fn begin(
    w: &mut JsonWriter<'_>,
    opening: &'static str,
    time: &Timestamp<'_>,
) -> Result<(), EncodeError> {
    w.begin_request(opening)?;
    match time.unix_seconds() {
        Some(seconds) => w.u64_field("time", seconds),
        None => Ok(()),
    }
}

fn write_user(w: &mut JsonWriter<'_>, user: &User<'_>) -> Result<(), EncodeError> {
    check(Field::AccountName, &user.account_name, MAX_NAME)?;
    check_optional(Field::Status, user.status.as_ref(), MAX_NAME)?;
    check_optional(Field::Password, user.password.as_ref(), MAX_NAME)?;
    w.key("user")?;
    w.begin_object()?;
    w.string_field("account_name", &user.account_name)?;
    w.optional_field("status", user.status.as_ref())?;
    w.optional_field("password", user.password.as_ref())?;
    w.end_object()
}

impl Encode for Presence<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::Type, self.kind.as_ref(), MAX_NAME)?;
        begin(w, opening!("presence"), &self.time)?;
        w.optional_field("type", self.kind.as_ref())?;
        write_user(w, &self.user)?;
        w.end_object()
    }
}

impl Encode for Probe<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        begin(w, opening!("probe"), &self.time)?;
        w.end_object()
    }
}

impl Encode for ChatMessage<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check(Field::To, &self.to, MAX_NAME)?;
        check_optional(Field::From, self.from.as_ref(), MAX_NAME)?;
        check_optional(Field::Encoding, self.encoding.as_ref(), MAX_NAME)?;
        check_optional(Field::Message, Some(&self.message), MAX_TEXT)?;
        begin(w, opening!("msg"), &self.time)?;
        w.string_field("to", &self.to)?;
        w.optional_field("from", self.from.as_ref())?;
        w.optional_field("encoding", self.encoding.as_ref())?;
        w.string_field("message", &self.message)?;
        w.end_object()
    }
}

fn write_room(
    w: &mut JsonWriter<'_>,
    opening: &'static str,
    room: &Room<'_>,
) -> Result<(), EncodeError> {
    check(Field::Room, &room.room, MAX_NAME)?;
    if !room.room.starts_with('#') {
        return Err(EncodeError::NotARoom);
    }
    begin(w, opening, &room.time)?;
    w.string_field("room", &room.room)?;
    w.end_object()
}

impl Encode for Quit<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::AccountName, self.account_name.as_ref(), MAX_NAME)?;
        begin(w, opening!("quit"), &self.time)?;
        w.optional_field("account_name", self.account_name.as_ref())?;
        w.end_object()
    }
}

impl Encode for Authenticate<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        begin(w, opening!("authenticate"), &self.time)?;
        write_user(w, &self.user)?;
        w.end_object()
    }
}

impl Encode for GetContacts<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        check_optional(Field::UserLogin, self.user_login.as_ref(), MAX_NAME)?;
        begin(w, opening!("get_contacts"), &self.time)?;
        w.optional_field("user_login", self.user_login.as_ref())?;
        w.end_object()
    }
}

fn write_contact_change(
    w: &mut JsonWriter<'_>,
    opening: &'static str,
    change: &ContactChange<'_>,
) -> Result<(), EncodeError> {
    check(Field::UserId, &change.user_id, MAX_NAME)?;
    check_optional(Field::UserLogin, change.user_login.as_ref(), MAX_NAME)?;
    begin(w, opening, &change.time)?;
    w.string_field("user_id", &change.user_id)?;
    w.optional_field("user_login", change.user_login.as_ref())?;
    w.end_object()
}

impl Encode for Response<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        w.begin_object()?;
        w.u64_field("response", u64::from(self.code.as_u16()))?;
        if let Some(seconds) = self.time.unix_seconds() {
            w.u64_field("time", seconds)?;
        }
        w.optional_field("alert", self.alert.as_ref())?;
        w.optional_field("error", self.error.as_ref())?;
        w.end_object()
    }
}

impl Encode for Message<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        match self {
            Message::Presence(m) => m.write_json(w),
            Message::Probe(m) => m.write_json(w),
            Message::Msg(m) => m.write_json(w),
            Message::Join(room) => write_room(w, opening!("join"), room),
            Message::Leave(room) => write_room(w, opening!("leave"), room),
            Message::Quit(m) => m.write_json(w),
            Message::Authenticate(m) => m.write_json(w),
            Message::GetContacts(m) => m.write_json(w),
            Message::AddContact(change) => write_contact_change(w, opening!("add_contact"), change),
            Message::DelContact(change) => write_contact_change(w, opening!("del_contact"), change),
            Message::Response(m) => m.write_json(w),
        }
    }
}

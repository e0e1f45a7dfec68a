//! The second pass: serde-json-core reads the body of the action found.
//!
//! Each action has a small wire struct listing only its own fields, with
//! strings borrowed raw (escapes intact); everything else, `time` and
//! `action` included, is skipped by serde-json-core. The wire struct is then
//! checked field by field into the public message type.

use serde::Deserialize;

use crate::decode::Head;
use crate::error::{DecodeError, Field};
use crate::limits::{MAX_NAME, MAX_TEXT};
use crate::message::{
    Authenticate, ChatMessage, ContactChange, GetContacts, Message, Presence, Probe, Quit,
    Response, Room, User,
};
use crate::text::Text;
use crate::timestamp::Timestamp;

#[derive(Deserialize)]
struct UserWire<'a> {
    account_name: Option<&'a str>,
    status: Option<&'a str>,
    password: Option<&'a str>,
}

#[derive(Deserialize)]
struct PresenceWire<'a> {
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    #[serde(borrow)]
    user: Option<UserWire<'a>>,
}

#[derive(Deserialize)]
struct ChatWire<'a> {
    to: Option<&'a str>,
    from: Option<&'a str>,
    sender: Option<&'a str>,
    encoding: Option<&'a str>,
    message: Option<&'a str>,
    mess_text: Option<&'a str>,
}

#[derive(Deserialize)]
struct RoomWire<'a> {
    room: Option<&'a str>,
}

#[derive(Deserialize)]
struct QuitWire<'a> {
    account_name: Option<&'a str>,
}

#[derive(Deserialize)]
struct ContactsWire<'a> {
    user_id: Option<&'a str>,
    user_login: Option<&'a str>,
}

#[derive(Deserialize)]
struct ResponseWire<'a> {
    alert: Option<&'a str>,
    error: Option<&'a str>,
}

/// Runs serde-json-core over the whole frame into wire struct `T`.
fn body<'a, T: Deserialize<'a>>(frame: &'a [u8]) -> Result<T, DecodeError> {
    serde_json_core::from_slice(frame)
        .map(|(body, _)| body)
        .map_err(|e| match e {
            serde_json_core::de::Error::InvalidType => DecodeError::WrongTypeSomewhere,
            _ => DecodeError::Syntax,
        })
}

/// An optional string field, escapes validated, length checked.
fn optional(
    field: Field,
    raw: Option<&str>,
    max_chars: usize,
) -> Result<Option<Text<'_>>, DecodeError> {
    let Some(raw) = raw else { return Ok(None) };
    let text = Text::from_escaped(raw).map_err(|e| DecodeError::Text(field, e))?;
    // Cheap bound first: a char is at least one byte raw.
    if raw.len() > max_chars && text.char_count() > max_chars {
        return Err(DecodeError::TooLong(field));
    }
    Ok(Some(text))
}

/// A required string field.
fn required(field: Field, raw: Option<&str>, max_chars: usize) -> Result<Text<'_>, DecodeError> {
    optional(field, raw, max_chars)?.ok_or(DecodeError::MissingField(field))
}

fn user<'a>(wire: Option<UserWire<'a>>) -> Result<User<'a>, DecodeError> {
    let wire = wire.ok_or(DecodeError::MissingField(Field::User))?;
    Ok(User {
        account_name: required(Field::AccountName, wire.account_name, MAX_NAME)?,
        status: optional(Field::Status, wire.status, MAX_NAME)?,
        password: optional(Field::Password, wire.password, MAX_NAME)?,
    })
}

fn room<'a>(frame: &'a [u8], time: Timestamp<'a>) -> Result<Room<'a>, DecodeError> {
    let wire: RoomWire<'a> = body(frame)?;
    let room = required(Field::Room, wire.room, MAX_NAME)?;
    if !room.starts_with('#') {
        return Err(DecodeError::NotARoom);
    }
    Ok(Room { time, room })
}

fn contact_change<'a>(
    frame: &'a [u8],
    time: Timestamp<'a>,
) -> Result<ContactChange<'a>, DecodeError> {
    let wire: ContactsWire<'a> = body(frame)?;
    Ok(ContactChange {
        time,
        user_id: required(Field::UserId, wire.user_id, MAX_NAME)?,
        user_login: optional(Field::UserLogin, wire.user_login, MAX_NAME)?,
    })
}

/// The body of a client request (or a server's probe or relayed `msg`).
pub(super) fn request<'a>(
    frame: &'a [u8],
    action: &'a str,
    time: Timestamp<'a>,
) -> Result<Message<'a>, DecodeError> {
    Ok(match action {
        "presence" => {
            let wire: PresenceWire<'a> = body(frame)?;
            Message::Presence(Presence {
                time,
                kind: optional(Field::Type, wire.kind, MAX_NAME)?,
                user: user(wire.user)?,
            })
        }
        "probe" => Message::Probe(Probe { time }),
        "msg" | "message" => {
            let wire: ChatWire<'a> = body(frame)?;
            Message::Msg(ChatMessage {
                time,
                to: required(Field::To, wire.to, MAX_NAME)?,
                from: optional(Field::From, wire.from.or(wire.sender), MAX_NAME)?,
                encoding: optional(Field::Encoding, wire.encoding, MAX_NAME)?,
                message: required(Field::Message, wire.message.or(wire.mess_text), MAX_TEXT)?,
            })
        }
        "join" => Message::Join(room(frame, time)?),
        "leave" => Message::Leave(room(frame, time)?),
        "quit" | "exit" => {
            let wire: QuitWire<'a> = body(frame)?;
            Message::Quit(Quit {
                time,
                account_name: optional(Field::AccountName, wire.account_name, MAX_NAME)?,
            })
        }
        "authenticate" => {
            let wire: PresenceWire<'a> = body(frame)?;
            let user = user(wire.user)?;
            if user.password.is_none() {
                return Err(DecodeError::MissingField(Field::Password));
            }
            Message::Authenticate(Authenticate { time, user })
        }
        "get_contacts" => {
            let wire: ContactsWire<'a> = body(frame)?;
            Message::GetContacts(GetContacts {
                time,
                user_login: optional(Field::UserLogin, wire.user_login, MAX_NAME)?,
            })
        }
        "add_contact" => Message::AddContact(contact_change(frame, time)?),
        "del_contact" => Message::DelContact(contact_change(frame, time)?),
        _ => return Err(DecodeError::UnknownAction),
    })
}

/// The body of a response. Response texts (`alert` may carry a whole
/// contact list) are bounded only by the frame.
pub(super) fn response<'a>(frame: &'a [u8], head: &Head<'a>) -> Result<Response<'a>, DecodeError> {
    let code = head
        .response
        .ok_or(DecodeError::MissingField(Field::Response))?;
    let wire: ResponseWire<'a> = body(frame)?;
    Ok(Response {
        code,
        time: head.time,
        alert: optional(Field::Alert, wire.alert, usize::MAX)?,
        error: optional(Field::Error, wire.error, usize::MAX)?,
    })
}

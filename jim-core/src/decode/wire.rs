//! From the raw fields of one pass to a typed message: the fields of the
//! action found are type-checked, their escapes validated and their limits
//! checked; the other known fields are ignored.

use crate::decode::head::{Fields, Head, UserValue};
use crate::error::{DecodeError, Field, TextError};
use crate::limits::{MAX_NAME, MAX_TEXT};
use crate::message::{
    Authenticate, ChatMessage, ContactChange, GetContacts, Message, Presence, Probe, Quit,
    Response, Room, User,
};
use crate::scan::Value;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// An optional string field, escapes validated, length checked. `null` is
/// the same as absent.
fn optional<'a>(
    field: Field,
    value: Option<Value<'a>>,
    max_chars: usize,
) -> Result<Option<Text<'a>>, DecodeError> {
    let (raw, escaped, control) = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Str {
            raw,
            escaped,
            control,
        }) => (raw, escaped, control),
        Some(Value::Number(_) | Value::Other) => return Err(DecodeError::WrongType(field)),
    };
    let (text, count) = if escaped {
        Text::escaped_counted(raw).map_err(|e| DecodeError::Text(field, e))?
    } else if control {
        return Err(DecodeError::Text(field, TextError::ControlCharacter));
    } else {
        // Cheap bound first: a char is at least one byte raw.
        let count = if raw.len() > max_chars {
            crate::text::count_chars(raw)
        } else {
            raw.len()
        };
        (Text::plain(raw), count)
    };
    if count > max_chars {
        return Err(DecodeError::TooLong(field));
    }
    Ok(Some(text))
}

/// An optional string field with no length limit (a response's texts):
/// [`optional`] without the counting.
fn unbounded<'a>(field: Field, value: Option<Value<'a>>) -> Result<Option<Text<'a>>, DecodeError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Str {
            raw, escaped: true, ..
        }) => match Text::escaped_counted(raw) {
            Ok((text, _)) => Ok(Some(text)),
            Err(e) => Err(DecodeError::Text(field, e)),
        },
        Some(Value::Str { control: true, .. }) => {
            Err(DecodeError::Text(field, TextError::ControlCharacter))
        }
        Some(Value::Str { raw, .. }) => Ok(Some(Text::plain(raw))),
        Some(Value::Number(_) | Value::Other) => Err(DecodeError::WrongType(field)),
    }
}

/// A required string field.
fn required<'a>(
    field: Field,
    value: Option<Value<'a>>,
    max_chars: usize,
) -> Result<Text<'a>, DecodeError> {
    optional(field, value, max_chars)?.ok_or(DecodeError::MissingField(field))
}

/// A required name (account, recipient, room, contact): an empty one names
/// nobody, so it is refused like a missing one (the encoder refuses it too).
fn name<'a>(field: Field, value: Option<Value<'a>>) -> Result<Text<'a>, DecodeError> {
    let text = required(field, value, MAX_NAME)?;
    if text.is_empty() {
        return Err(DecodeError::Empty(field));
    }
    Ok(text)
}

/// `primary` unless it is absent or `null`, else `fallback` (`from` or
/// `sender`, `message` or `mess_text`).
fn either<'a>(primary: Option<Value<'a>>, fallback: Option<Value<'a>>) -> Option<Value<'a>> {
    match primary {
        None | Some(Value::Null) => fallback,
        some => some,
    }
}

fn user<'a>(value: Option<&UserValue<'a>>) -> Result<User<'a>, DecodeError> {
    let fields = match value {
        Some(UserValue::Object(fields)) => fields,
        None | Some(UserValue::Other(Value::Null)) => {
            return Err(DecodeError::MissingField(Field::User))
        }
        Some(UserValue::Other(_)) => return Err(DecodeError::WrongType(Field::User)),
    };
    Ok(User {
        account_name: name(Field::AccountName, fields.account_name)?,
        status: optional(Field::Status, fields.status, MAX_NAME)?,
        password: optional(Field::Password, fields.password, MAX_NAME)?,
    })
}

fn room<'a>(f: &Fields<'a>, time: Timestamp<'a>) -> Result<Room<'a>, DecodeError> {
    let room = name(Field::Room, f.room)?;
    if !room.starts_with('#') {
        return Err(DecodeError::NotARoom);
    }
    Ok(Room { time, room })
}

fn contact_change<'a>(
    f: &Fields<'a>,
    time: Timestamp<'a>,
) -> Result<ContactChange<'a>, DecodeError> {
    Ok(ContactChange {
        time,
        user_id: name(Field::UserId, f.user_id)?,
        user_login: optional(Field::UserLogin, f.user_login, MAX_NAME)?,
    })
}

/// A client request (or a server's probe or relayed `msg`).
pub(super) fn request<'a>(action: &str, head: &Head<'a>) -> Result<Message<'a>, DecodeError> {
    let f = &head.fields;
    let time = head.time;
    Ok(match action {
        "presence" => Message::Presence(Presence {
            time,
            kind: optional(Field::Type, f.kind, MAX_NAME)?,
            user: user(f.user.as_ref())?,
        }),
        "probe" => Message::Probe(Probe { time }),
        "msg" | "message" => Message::Msg(ChatMessage {
            time,
            to: name(Field::To, f.to)?,
            from: optional(Field::From, either(f.from, f.sender), MAX_NAME)?,
            encoding: optional(Field::Encoding, f.encoding, MAX_NAME)?,
            message: required(Field::Message, either(f.message, f.mess_text), MAX_TEXT)?,
        }),
        "join" => Message::Join(room(f, time)?),
        "leave" => Message::Leave(room(f, time)?),
        "quit" | "exit" => Message::Quit(Quit {
            time,
            account_name: optional(Field::AccountName, f.account_name, MAX_NAME)?,
        }),
        "authenticate" => {
            let user = user(f.user.as_ref())?;
            if user.password.is_none() {
                return Err(DecodeError::MissingField(Field::Password));
            }
            Message::Authenticate(Authenticate { time, user })
        }
        "get_contacts" => Message::GetContacts(GetContacts {
            time,
            user_login: optional(Field::UserLogin, f.user_login, MAX_NAME)?,
        }),
        "add_contact" => Message::AddContact(contact_change(f, time)?),
        "del_contact" => Message::DelContact(contact_change(f, time)?),
        _ => return Err(DecodeError::UnknownAction),
    })
}

/// A response. Response texts (`alert` may carry a whole contact list) are
/// bounded only by the frame.
#[inline]
pub(super) fn response<'a, F>(head: &Head<'a, F>) -> Result<Response<'a>, DecodeError> {
    let code = head
        .response
        .ok_or(DecodeError::MissingField(Field::Response))?;
    Ok(Response {
        code,
        time: head.time,
        alert: unbounded(Field::Alert, head.alert)?,
        error: unbounded(Field::Error, head.error)?,
    })
}

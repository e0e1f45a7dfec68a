//! The single pass: structure checks, and every known field picked out.

use crate::code::StatusCode;
use crate::error::{DecodeError, Field};
use crate::limits::MAX_ACTION;
use crate::scan::{Cursor, ScanError, Value};
use crate::text::Text;
use crate::timestamp::Timestamp;

/// What one pass over a frame learns: the fields whose JSON type varies
/// between peers, already read, and the raw values of the others.
pub(crate) struct Head<'a> {
    /// `action`, if present.
    pub action: Option<&'a str>,
    /// `response`, if present.
    pub response: Option<StatusCode>,
    /// `time` in whatever form.
    pub time: Timestamp<'a>,
    /// The other known fields, as sent.
    pub fields: Fields<'a>,
}

/// Raw values of the known top-level fields; unknown ones are skipped.
/// A field sent twice keeps its last value, as Python's `json.loads` does.
#[derive(Default)]
pub(crate) struct Fields<'a> {
    pub kind: Option<Value<'a>>,
    pub user: Option<UserValue<'a>>,
    pub to: Option<Value<'a>>,
    pub from: Option<Value<'a>>,
    pub sender: Option<Value<'a>>,
    pub encoding: Option<Value<'a>>,
    pub message: Option<Value<'a>>,
    pub mess_text: Option<Value<'a>>,
    pub room: Option<Value<'a>>,
    pub account_name: Option<Value<'a>>,
    pub user_id: Option<Value<'a>>,
    pub user_login: Option<Value<'a>>,
    pub alert: Option<Value<'a>>,
    pub error: Option<Value<'a>>,
}

/// The `user` field: an object with its known fields, or anything else.
pub(crate) enum UserValue<'a> {
    Object(UserFields<'a>),
    Other(Value<'a>),
}

/// Raw values of the known fields of a `user` object.
#[derive(Default)]
pub(crate) struct UserFields<'a> {
    pub account_name: Option<Value<'a>>,
    pub status: Option<Value<'a>>,
    pub password: Option<Value<'a>>,
}

impl<'a> Head<'a> {
    /// Nothing read yet.
    pub fn new() -> Self {
        Head {
            action: None,
            response: None,
            time: Timestamp::Absent,
            fields: Fields::default(),
        }
    }

    /// Reads `frame`.
    pub fn parse(frame: &'a [u8]) -> Result<Head<'a>, DecodeError> {
        let mut head = Head::new();
        head.read(frame)?;
        Ok(head)
    }

    /// Reads `frame` into `self` (filled in place: a `Head` is a few hundred
    /// bytes, and moving it out of a `Result` costs as much as a field).
    pub fn read(&mut self, frame: &'a [u8]) -> Result<(), DecodeError> {
        let frame = core::str::from_utf8(frame).map_err(|_| DecodeError::InvalidUtf8)?;
        let mut cursor = Cursor::new(frame);
        let mut more = cursor.open_object().map_err(scan_error)?;
        while more {
            let key = cursor.key().map_err(scan_error)?;
            if key == "user" && cursor.peek() == Some(b'{') {
                let user = user(&mut cursor).map_err(scan_error)?;
                self.fields.user = Some(UserValue::Object(user));
            } else {
                let value = cursor.value(1).map_err(scan_error)?;
                self.field(key, value)?;
            }
            more = cursor.next_member().map_err(scan_error)?;
        }
        cursor.finish().map_err(scan_error)
    }

    /// Files one top-level field.
    fn field(&mut self, key: &str, value: Value<'a>) -> Result<(), DecodeError> {
        let f = &mut self.fields;
        let slot = match key {
            "action" => {
                self.action = Some(action(value)?);
                return Ok(());
            }
            "response" => {
                self.response = Some(code(value)?);
                return Ok(());
            }
            "time" => {
                self.time = time(value);
                return Ok(());
            }
            "user" => {
                f.user = Some(UserValue::Other(value));
                return Ok(());
            }
            "type" => &mut f.kind,
            "to" => &mut f.to,
            "from" => &mut f.from,
            "sender" => &mut f.sender,
            "encoding" => &mut f.encoding,
            "message" => &mut f.message,
            "mess_text" => &mut f.mess_text,
            "room" => &mut f.room,
            "account_name" => &mut f.account_name,
            "user_id" => &mut f.user_id,
            "user_login" => &mut f.user_login,
            "alert" => &mut f.alert,
            "error" => &mut f.error,
            _ => return Ok(()),
        };
        *slot = Some(value);
        Ok(())
    }
}

/// The `user` object at the cursor (its values lie at depth 2).
fn user<'a>(cursor: &mut Cursor<'a>) -> Result<UserFields<'a>, ScanError> {
    let mut user = UserFields::default();
    let mut more = cursor.open_object()?;
    while more {
        let key = cursor.key()?;
        let value = cursor.value(2)?;
        match key {
            "account_name" => user.account_name = Some(value),
            "status" => user.status = Some(value),
            "password" => user.password = Some(value),
            _ => {}
        }
        more = cursor.next_member()?;
    }
    Ok(user)
}

fn scan_error(e: ScanError) -> DecodeError {
    match e {
        ScanError::Syntax => DecodeError::Syntax,
        ScanError::TooDeep => DecodeError::TooDeep,
    }
}

fn action(value: Value<'_>) -> Result<&str, DecodeError> {
    let Value::Str { raw, escaped, .. } = value else {
        return Err(DecodeError::WrongType(Field::Action));
    };
    // Action names are plain ASCII; an escaped one is not a known action.
    if escaped || raw.chars().count() > MAX_ACTION {
        return Err(DecodeError::UnknownAction);
    }
    Ok(raw)
}

/// `200` or `"200"`.
fn code(value: Value<'_>) -> Result<StatusCode, DecodeError> {
    let digits = match value {
        Value::Str { raw, .. } => raw.trim(),
        Value::Number(raw) => raw,
        Value::Null | Value::Other => return Err(DecodeError::InvalidCode),
    };
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidCode);
    }
    let n = digits
        .bytes()
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    StatusCode::new(n).ok_or(DecodeError::InvalidCode)
}

/// Never fails: a `time` nobody can read is treated as absent.
fn time(value: Value<'_>) -> Timestamp<'_> {
    match value {
        Value::Str { raw, .. } => match Text::from_escaped(raw) {
            Ok(text) => Timestamp::Text(text),
            Err(_) => Timestamp::Absent,
        },
        Value::Number(raw) => Timestamp::from_json_number(raw),
        Value::Null | Value::Other => Timestamp::Absent,
    }
}

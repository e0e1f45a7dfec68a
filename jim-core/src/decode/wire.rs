//! Readers of raw field values into typed ones, shared by every message's
//! decoder (in `crate::message`): escapes validated, types and limits
//! checked, `null` taken as absent.

use crate::decode::head::UserValue;
use crate::error::{DecodeError, Field, TextError};
use crate::limits::MAX_NAME;
use crate::message::User;
use crate::scan::Value;
use crate::text::Text;

/// An optional string field, escapes validated, length checked. `null` is
/// the same as absent.
pub(crate) fn optional<'a>(
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
        Some(Value::Number(_) | Value::True | Value::Array(_) | Value::Other) => {
            return Err(DecodeError::WrongType(field))
        }
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
pub(crate) fn unbounded<'a>(
    field: Field,
    value: Option<Value<'a>>,
) -> Result<Option<Text<'a>>, DecodeError> {
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
        Some(Value::Number(_) | Value::True | Value::Array(_) | Value::Other) => {
            Err(DecodeError::WrongType(field))
        }
    }
}

/// A required string field.
pub(crate) fn required<'a>(
    field: Field,
    value: Option<Value<'a>>,
    max_chars: usize,
) -> Result<Text<'a>, DecodeError> {
    optional(field, value, max_chars)?.ok_or(DecodeError::MissingField(field))
}

/// A required name (account, recipient, room, contact): an empty one names
/// nobody, so it is refused like a missing one (the encoder refuses it too).
pub(crate) fn name<'a>(field: Field, value: Option<Value<'a>>) -> Result<Text<'a>, DecodeError> {
    let text = required(field, value, MAX_NAME)?;
    if text.is_empty() {
        return Err(DecodeError::Empty(field));
    }
    Ok(text)
}

/// `primary` unless it is absent or `null`, else `fallback` (`from` or
/// `sender`, `message` or `mess_text`).
pub(crate) fn either<'a>(
    primary: Option<Value<'a>>,
    fallback: Option<Value<'a>>,
) -> Option<Value<'a>> {
    match primary {
        None | Some(Value::Null) => fallback,
        some => some,
    }
}

pub(crate) fn user<'a>(value: Option<&UserValue<'a>>) -> Result<User<'a>, DecodeError> {
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
        pubkey: unbounded(Field::Pubkey, fields.pubkey)?,
    })
}

/// The first of `values` that is present and not `null`, with its index
/// (which spelling a peer used).
pub(crate) fn first_of<'a, const K: usize>(
    values: [Option<Value<'a>>; K],
) -> (Option<Value<'a>>, usize) {
    for (i, value) in values.into_iter().enumerate() {
        if !matches!(value, None | Some(Value::Null)) {
            return (value, i);
        }
    }
    (None, 0)
}

/// A name that may also come as a bare string in `user` (the course's
/// `get_contacts`/`add`/`remove` put the owner there).
pub(crate) fn user_as_name<'a>(value: Option<&UserValue<'a>>) -> Option<Value<'a>> {
    match value {
        Some(UserValue::Other(value @ Value::Str { .. })) => Some(*value),
        _ => None,
    }
}

/// An optional non-negative integer field.
pub(crate) fn number(field: Field, value: Option<Value<'_>>) -> Result<Option<u64>, DecodeError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(raw)) => digits(raw).map(Some).ok_or(DecodeError::WrongType(field)),
        Some(_) => Err(DecodeError::WrongType(field)),
    }
}

/// A JSON number that is a non-negative integer fitting a `u64` (what
/// `str::parse` accepts of a JSON number token, in less code: the scan
/// has already ruled out a sign other than `-`).
fn digits(raw: &str) -> Option<u64> {
    if raw.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for b in raw.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_is_parse_for_json_numbers() {
        for raw in [
            "0",
            "7",
            "007",
            "18446744073709551615",
            "18446744073709551616",
            "-1",
            "1.5",
            "1e3",
            "-0",
            "",
            "99999999999999999999999",
        ] {
            assert_eq!(digits(raw), raw.parse::<u64>().ok(), "{raw:?}");
        }
    }
}

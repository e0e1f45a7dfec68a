//! Errors of every layer: text, decoding, encoding and framing.
//!
//! Each layer has its own `#[non_exhaustive]` enum so a match names only what
//! that layer can fail with. Every input error maps to the JIM code a server
//! should answer with ([`DecodeError::status_code`], always `400` today) and
//! has a short, static, human-readable description suitable for the `error`
//! field of that response ([`DecodeError::as_str`]). The IO layer's error is
//! [`crate::io::Error`].

use core::fmt;

use crate::code::StatusCode;

/// A message field, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Field {
    /// `action`
    Action,
    /// `response`
    Response,
    /// `time`
    Time,
    /// `type`
    Type,
    /// `user`
    User,
    /// `user.account_name` (or a top-level `account_name`)
    AccountName,
    /// `user.status`
    Status,
    /// `user.password`
    Password,
    /// `user.pubkey` (the course's public key, a PEM text)
    Pubkey,
    /// `to`
    To,
    /// `from` (or `sender`)
    From,
    /// `encoding`
    Encoding,
    /// `message` (or `mess_text`)
    Message,
    /// `room`
    Room,
    /// `user_id`
    UserId,
    /// `user_login`
    UserLogin,
    /// `alert`
    Alert,
    /// `error`
    Error,
    /// `data_list` (or `data`, or an `alert` array): a list of names
    List,
    /// `bin` (the course's `511` challenge or key)
    Bin,
    /// `before` (a history query's page boundary)
    Before,
    /// `limit` (a history query's page size)
    Limit,
    /// `id` (a stored message's number)
    Id,
}

impl Field {
    /// The field's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Action => "action",
            Field::Response => "response",
            Field::Time => "time",
            Field::Type => "type",
            Field::User => "user",
            Field::AccountName => "account_name",
            Field::Status => "status",
            Field::Password => "password",
            Field::Pubkey => "pubkey",
            Field::To => "to",
            Field::From => "from",
            Field::Encoding => "encoding",
            Field::Message => "message",
            Field::Room => "room",
            Field::UserId => "user_id",
            Field::UserLogin => "user_login",
            Field::Alert => "alert",
            Field::Error => "error",
            Field::List => "data_list",
            Field::Bin => "bin",
            Field::Before => "before",
            Field::Limit => "limit",
            Field::Id => "id",
        }
    }

    /// The most characters the protocol allows in this field, if it has a
    /// limit of its own.
    pub const fn max_chars(self) -> Option<usize> {
        use crate::limits::{MAX_ACTION, MAX_NAME, MAX_TEXT};
        match self {
            Field::Action => Some(MAX_ACTION),
            Field::AccountName
            | Field::Status
            | Field::Password
            | Field::To
            | Field::From
            | Field::Encoding
            | Field::Room
            | Field::UserId
            | Field::UserLogin
            | Field::Type => Some(MAX_NAME),
            Field::Message => Some(MAX_TEXT),
            _ => None,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A JSON string's content is not valid, or does not fit a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TextError {
    /// A backslash escape that JSON does not define, or a short `\u` escape.
    InvalidEscape,
    /// A UTF-16 surrogate without its partner (or in the wrong order).
    LoneSurrogate,
    /// An escape naming a code point that is not a Unicode scalar value.
    InvalidUnicode,
    /// A raw control character (below U+0020) inside a string.
    ControlCharacter,
    /// The destination buffer is too small for the decoded text.
    BufferTooSmall,
}

impl TextError {
    /// A short description.
    pub const fn as_str(self) -> &'static str {
        match self {
            TextError::InvalidEscape => "invalid escape in string",
            TextError::LoneSurrogate => "lone UTF-16 surrogate in string",
            TextError::InvalidUnicode => "invalid unicode escape in string",
            TextError::ControlCharacter => "control character in string",
            TextError::BufferTooSmall => "buffer too small for text",
        }
    }
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for TextError {}

/// Why a frame could not be decoded into a message.
///
/// Every variant is the peer's fault: a server answers it with
/// [`status_code`](DecodeError::status_code) (`400`) and reads on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum DecodeError {
    /// Not valid JSON (or not a single JSON object).
    Syntax,
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// Nesting deeper than [`MAX_DEPTH`](crate::limits::MAX_DEPTH).
    TooDeep,
    /// The object has neither `action` nor `response`.
    NotAMessage,
    /// An `action` this crate does not know.
    UnknownAction,
    /// A required field is absent (or `null`).
    MissingField(Field),
    /// A field has the wrong JSON type (a string where an object belongs…).
    WrongType(Field),
    /// A required name (account, recipient, room, contact) is empty.
    Empty(Field),
    /// A string field is longer than the protocol allows.
    TooLong(Field),
    /// A room name does not start with `#`.
    NotARoom,
    /// A `response` code that is not a number from 0 to 999.
    InvalidCode,
    /// A string field has a bad escape.
    Text(Field, TextError),
}

impl DecodeError {
    /// The response code a server answers with.
    pub const fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    /// A short, static description for the `error` field of the answer.
    pub const fn as_str(&self) -> &'static str {
        match self {
            DecodeError::Syntax => "malformed JSON",
            DecodeError::InvalidUtf8 => "invalid UTF-8",
            DecodeError::TooDeep => "JSON nested too deeply",
            DecodeError::NotAMessage => "no action or response",
            DecodeError::UnknownAction => "unknown action",
            DecodeError::MissingField(_) => "missing field",
            DecodeError::WrongType(_) => "field has wrong type",
            DecodeError::Empty(_) => "required field is empty",
            DecodeError::TooLong(_) => "field too long",
            DecodeError::NotARoom => "room name must start with #",
            DecodeError::InvalidCode => "invalid response code",
            DecodeError::Text(_, e) => e.as_str(),
        }
    }

    /// The field at fault, when one is known.
    pub const fn field(&self) -> Option<Field> {
        match self {
            DecodeError::MissingField(f)
            | DecodeError::Empty(f)
            | DecodeError::WrongType(f)
            | DecodeError::TooLong(f)
            | DecodeError::Text(f, _) => Some(*f),
            DecodeError::NotARoom => Some(Field::Room),
            DecodeError::InvalidCode => Some(Field::Response),
            _ => None,
        }
    }
}

impl fmt::Display for DecodeError {
    /// A sentence that names the field and, for a length, the limit:
    /// `missing field: to`, `account_name is longer than 25 characters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DecodeError::TooLong(field) => match field.max_chars() {
                Some(max) => write!(f, "{field} is longer than {max} characters"),
                None => write!(f, "{field} is too long"),
            },
            DecodeError::Empty(field) => write!(f, "{field} is empty"),
            DecodeError::WrongType(field) => write!(f, "{field} has the wrong type"),
            DecodeError::NotARoom => f.write_str("room must start with #"),
            _ => match self.field() {
                Some(field) => write!(f, "{}: {}", self.as_str(), field),
                None => f.write_str(self.as_str()),
            },
        }
    }
}

impl core::error::Error for DecodeError {}

/// Why a message could not be encoded. Nothing is ever truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is too small for the encoded message.
    BufferFull,
    /// A string field is longer than the protocol allows.
    TooLong(Field),
    /// A required string field is empty.
    Empty(Field),
    /// A room name does not start with `#`.
    NotARoom,
}

impl EncodeError {
    /// A short, static description.
    pub const fn as_str(&self) -> &'static str {
        match self {
            EncodeError::BufferFull => "output buffer too small",
            EncodeError::TooLong(_) => "field too long",
            EncodeError::Empty(_) => "required field is empty",
            EncodeError::NotARoom => "room name must start with #",
        }
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLong(field) | EncodeError::Empty(field) => {
                write!(f, "{}: {}", self.as_str(), field)
            }
            _ => f.write_str(self.as_str()),
        }
    }
}

impl core::error::Error for EncodeError {}

/// A stream problem the [`Framer`](crate::Framer) reports once per bad
/// object (or run of garbage) before resynchronising.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum FrameError {
    /// An object larger than the framer's capacity; it was skipped.
    TooLarge,
    /// An object nested deeper than [`MAX_DEPTH`](crate::limits::MAX_DEPTH);
    /// it was skipped.
    TooDeep,
    /// Bytes outside any object that are not whitespace; skipped up to the
    /// next `{` or the end of the line.
    Garbage,
}

impl FrameError {
    /// The response code a server answers with.
    pub const fn status_code(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }

    /// A short, static description.
    pub const fn as_str(&self) -> &'static str {
        match self {
            FrameError::TooLarge => "message too large",
            FrameError::TooDeep => "JSON nested too deeply",
            FrameError::Garbage => "not a JSON object",
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl core::error::Error for FrameError {}

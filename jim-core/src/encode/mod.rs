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
use crate::limits::MAX_NAME;
use crate::message::User;
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

pub(crate) fn check(field: Field, text: &Text<'_>, max_chars: usize) -> Result<(), EncodeError> {
    if text.is_empty() {
        return Err(EncodeError::Empty(field));
    }
    if text.raw().len() > max_chars && text.char_count() > max_chars {
        return Err(EncodeError::TooLong(field));
    }
    Ok(())
}

pub(crate) fn check_optional(
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
pub(crate) use opening;

/// `opening` (see [`opening!`]) and, when known, `,"time":N`.
#[inline]
pub(crate) fn begin(
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

pub(crate) fn write_user(w: &mut JsonWriter<'_>, user: &User<'_>) -> Result<(), EncodeError> {
    check(Field::AccountName, &user.account_name, MAX_NAME)?;
    check_optional(Field::Status, user.status.as_ref(), MAX_NAME)?;
    check_optional(Field::Password, user.password.as_ref(), MAX_NAME)?;
    w.key("user")?;
    w.begin_object()?;
    w.string_field("account_name", &user.account_name)?;
    w.optional_field("status", user.status.as_ref())?;
    w.optional_field("password", user.password.as_ref())?;
    w.optional_field("pubkey", user.pubkey.as_ref())?;
    w.end_object()
}

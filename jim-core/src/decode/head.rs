//! The first pass: structure checks and the fields of varying JSON type.

use crate::code::StatusCode;
use crate::error::{DecodeError, Field};
use crate::limits::{MAX_ACTION, MAX_DEPTH};
use crate::scan::{Fields, ScanError};
use crate::text::Text;
use crate::timestamp::Timestamp;

/// What the first pass learns about a frame.
pub(crate) struct Head<'a> {
    /// `action`, decoded, if present.
    pub action: Option<&'a str>,
    /// `response`, if present.
    pub response: Option<StatusCode>,
    /// `time` in whatever form.
    pub time: Timestamp<'a>,
}

impl<'a> Head<'a> {
    pub fn parse(frame: &'a [u8]) -> Result<Head<'a>, DecodeError> {
        let frame = core::str::from_utf8(frame).map_err(|_| DecodeError::InvalidUtf8)?;
        let mut head = Head {
            action: None,
            response: None,
            time: Timestamp::Absent,
        };
        let fields = Fields::new(frame.as_bytes(), MAX_DEPTH).map_err(scan_error)?;
        for field in fields {
            let field = field.map_err(scan_error)?;
            let value = as_str(field.value)?;
            match field.key {
                b"action" => head.action = Some(action(value)?),
                b"response" => head.response = Some(code(value)?),
                b"time" => head.time = time(value),
                _ => {}
            }
        }
        Ok(head)
    }
}

fn scan_error(e: ScanError) -> DecodeError {
    match e {
        ScanError::Syntax => DecodeError::Syntax,
        ScanError::TooDeep => DecodeError::TooDeep,
    }
}

/// The frame was checked as UTF-8 and the scanner cuts only at ASCII
/// delimiters, so this never fails; it maps instead of unwrapping.
fn as_str(bytes: &[u8]) -> Result<&str, DecodeError> {
    core::str::from_utf8(bytes).map_err(|_| DecodeError::InvalidUtf8)
}

/// The content of a JSON string value (without quotes), or `None` if the
/// value is not a string.
pub(crate) fn string_content(value: &str) -> Option<&str> {
    value.strip_prefix('"')?.strip_suffix('"')
}

fn action(value: &str) -> Result<&str, DecodeError> {
    let raw = string_content(value).ok_or(DecodeError::WrongType(Field::Action))?;
    // Action names are plain ASCII; an escaped one is not a known action.
    if raw.contains('\\') || raw.chars().count() > MAX_ACTION {
        return Err(DecodeError::UnknownAction);
    }
    Ok(raw)
}

/// `200` or `"200"`.
fn code(value: &str) -> Result<StatusCode, DecodeError> {
    let digits = string_content(value).unwrap_or(value).trim();
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(DecodeError::InvalidCode);
    }
    let n = digits
        .bytes()
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    StatusCode::new(n).ok_or(DecodeError::InvalidCode)
}

/// Never fails: a `time` nobody can read is treated as absent.
fn time(value: &str) -> Timestamp<'_> {
    if let Some(raw) = string_content(value) {
        return match Text::from_escaped(raw) {
            Ok(text) => Timestamp::Text(text),
            Err(_) => Timestamp::Absent,
        };
    }
    match value.as_bytes().first() {
        Some(b'-' | b'0'..=b'9') => Timestamp::from_json_number(value),
        _ => Timestamp::Absent,
    }
}

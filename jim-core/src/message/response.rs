//! `response`: the server's answer.

use crate::code::StatusCode;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// A server's answer: `{"response":200,"time":…,"alert":"OK"}`.
///
/// 1xx/2xx answers carry `alert`, 4xx/5xx carry `error`; the course
/// reference often sends neither, nor `time`. All of those decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Response<'a> {
    /// `response`, the code.
    pub code: StatusCode,
    /// `time`.
    pub time: Timestamp<'a>,
    /// `alert`, for notices and successes.
    pub alert: Option<Text<'a>>,
    /// `error`, for failures.
    pub error: Option<Text<'a>>,
}

impl<'a> Response<'a> {
    /// `200` with alert `OK`.
    pub fn ok(unix_seconds: u64) -> Self {
        Response::with_text(StatusCode::OK, unix_seconds, Text::plain("OK"))
    }

    /// Any code with its text: in `alert` for codes below 400, in `error`
    /// otherwise.
    pub fn with_text(code: StatusCode, unix_seconds: u64, text: impl Into<Text<'a>>) -> Self {
        let text = Some(text.into());
        let (alert, error) = if code.is_error() {
            (None, text)
        } else {
            (text, None)
        };
        Response {
            code,
            time: Timestamp::Seconds(unix_seconds),
            alert,
            error,
        }
    }

    /// The human text: `error` for failures, else `alert`, else the other.
    pub fn text(&self) -> Option<Text<'a>> {
        let (first, second) = if self.code.is_error() {
            (self.error, self.alert)
        } else {
            (self.alert, self.error)
        };
        first.or(second)
    }
}

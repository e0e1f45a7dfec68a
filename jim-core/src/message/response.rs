//! `response`: the server's answer: type, decode, encode.

use crate::code::StatusCode;
use crate::decode::head::{Head, RequestFields};
use crate::decode::wire::unbounded;
use crate::encode::{Encode, JsonWriter};
use crate::error::{DecodeError, EncodeError, Field};
use crate::message::NameList;
use crate::scan::Value;
use crate::text::Text;
use crate::timestamp::Timestamp;

/// A server's answer: `{"response":200,"time":…,"alert":"OK"}`.
///
/// 1xx/2xx answers carry `alert`, 4xx/5xx carry `error`; the course
/// reference often sends neither, nor `time`. All of those decode. A list
/// answer (`202`) carries its names in [`list`](Response::list): sent as
/// both `alert` and `data_list`, so that both dialects read it; received
/// from `data_list`, `data` or an `alert` that is an array.
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
    /// The names of a list answer. [`Response::decode`] (the small
    /// client's decoder) and the [`Client`](crate::client::Client)'s
    /// answers leave it `None` (and `alert` too, when the list came in
    /// it); [`decode`](crate::decode()) reads it.
    pub list: Option<NameList<'a>>,
    /// `bin`: the course's `511` challenge, or a public key.
    /// [`Response::decode`] leaves it `None`; [`decode`](crate::decode())
    /// reads it.
    pub bin: Option<Text<'a>>,
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
            list: None,
            bin: None,
        }
    }

    /// A list answer: `202` with `names` in `alert` and `data_list`.
    ///
    /// ```
    /// use jim_core::{Encode, NameList, Response, Text};
    ///
    /// let names = [Text::plain("alice"), Text::plain("bob")];
    /// let mut buf = [0u8; 128];
    /// let n = Response::with_list(1_700_000_000, NameList::new(&names)).encode(&mut buf).unwrap();
    /// assert_eq!(&buf[..n], br#"{"response":202,"time":1700000000,"alert":["alice","bob"],"data_list":["alice","bob"]}"#);
    /// ```
    pub fn with_list(unix_seconds: u64, names: NameList<'a>) -> Self {
        Response {
            code: StatusCode::ACCEPTED,
            time: Timestamp::Seconds(unix_seconds),
            alert: None,
            error: None,
            list: Some(names),
            bin: None,
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

    /// The answer a [`Head`]'s pass found. Response texts are bounded only
    /// by the frame.
    #[inline]
    pub(crate) fn from_head<F: RequestFields<'a>>(
        head: &Head<'a, F>,
    ) -> Result<Response<'a>, DecodeError> {
        let code = head
            .response
            .ok_or(DecodeError::MissingField(Field::Response))?;
        // An `alert` that is an array is the list (spec-style programs),
        // and no text; a small client's pass leaves the list unread.
        let (alert, alert_list) = match head.alert {
            Some(Value::Array(raw)) if F::READS_LISTS => (None, Some(raw)),
            Some(Value::Array(_)) => (None, None),
            other => (other, None),
        };
        let list = match (head.fields.list(), alert_list) {
            (Some(Value::Array(raw)), _) | (None, Some(raw)) => {
                Some(NameList::from_json(raw).map_err(|e| DecodeError::Text(Field::List, e))?)
            }
            (Some(Value::Null) | None, None) => None,
            (Some(_), _) => return Err(DecodeError::WrongType(Field::List)),
        };
        Ok(Response {
            code,
            time: head.time,
            alert: unbounded(Field::Alert, alert)?,
            error: unbounded(Field::Error, head.error)?,
            list,
            bin: unbounded(Field::Bin, head.fields.bin())?,
        })
    }
}

impl Encode for Response<'_> {
    fn write_json(&self, w: &mut JsonWriter<'_>) -> Result<(), EncodeError> {
        w.begin_object()?;
        w.u64_field("response", u64::from(self.code.as_u16()))?;
        if let Some(seconds) = self.time.unix_seconds() {
            w.u64_field("time", seconds)?;
        }
        match (&self.alert, &self.list) {
            (Some(alert), _) => w.string_field("alert", alert)?,
            (None, Some(list)) => w.string_list_field("alert", list)?,
            (None, None) => {}
        }
        w.optional_field("error", self.error.as_ref())?;
        if let Some(list) = &self.list {
            w.string_list_field("data_list", list)?;
        }
        w.optional_field("bin", self.bin.as_ref())?;
        w.end_object()
    }
}

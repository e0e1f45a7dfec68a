//! The single pass: structure checks, and every known field picked out.

use crate::code::StatusCode;
use crate::error::{DecodeError, Field};
use crate::limits::MAX_ACTION;
use crate::scan::{Cursor, ScanError, Value};
use crate::text::{count_chars, Text};
use crate::timestamp::Timestamp;

/// What one pass over a frame learns: the fields whose JSON type varies
/// between peers, already read, and the raw values of the others. `F`
/// holds the fields only requests have: [`Fields`], or `()` for a pass
/// that reads a response (less to set up, and no code to file them).
pub(crate) struct Head<'a, F = Fields<'a>> {
    /// `action`, if present.
    pub action: Option<&'a str>,
    /// `response`, if present.
    pub response: Option<StatusCode>,
    /// `time` in whatever form.
    pub time: Timestamp<'a>,
    /// `alert`, as sent.
    pub alert: Option<Value<'a>>,
    /// `error`, as sent.
    pub error: Option<Value<'a>>,
    /// The other known fields, as sent.
    pub fields: F,
}

/// The fields only requests have, as a [`Head`] keeps them: all of them
/// for the server's pass ([`Fields`]); a chat message's ([`ChatFields`])
/// or none (`()`) for the small decoders' pass (`decode::small`).
pub(crate) trait RequestFields<'a>: Default {
    /// Whether a list answer's names are read (`false`: a list in `alert`
    /// is passed over, as `data_list` is by [`list`](Self::list) — a
    /// small client has no use for the names, and the list's reader is a
    /// quarter kilobyte of a device's flash).
    const READS_LISTS: bool;

    /// Whether the small pass files the chat fields
    /// ([`chat_slot`](Self::chat_slot)).
    const FILES_CHAT: bool = false;

    /// The small pass's slot for [`CHAT_KEYS`]`[index]`, if kept.
    fn chat_slot(&mut self, _index: usize) -> Option<&mut Option<Value<'a>>> {
        None
    }

    /// The list an answer carries in `data_list` or `data`, if kept.
    fn list(&self) -> Option<Value<'a>>;

    /// The `bin` of an answer (the course's `511`), if kept.
    fn bin(&self) -> Option<Value<'a>>;
}

/// A response's pass keeps no request fields.
impl<'a> RequestFields<'a> for () {
    const READS_LISTS: bool = false;

    fn list(&self) -> Option<Value<'a>> {
        None
    }

    fn bin(&self) -> Option<Value<'a>> {
        None
    }
}

/// Raw values of the known top-level fields only requests have; unknown
/// ones are skipped. A field sent twice keeps its last value, as Python's
/// `json.loads` does.
#[derive(Default)]
pub(crate) struct Fields<'a> {
    /// Those a chat message has (some other requests too).
    pub chat: ChatFields<'a>,
    pub kind: Option<Value<'a>>,
    pub user: Option<UserValue<'a>>,
    pub account_name: Option<Value<'a>>,
    pub user_id: Option<Value<'a>>,
    pub contact: Option<Value<'a>>,
    pub user_login: Option<Value<'a>>,
    pub data_list: Option<Value<'a>>,
    pub data: Option<Value<'a>>,
    pub bin: Option<Value<'a>>,
    pub before: Option<Value<'a>>,
    pub limit: Option<Value<'a>>,
}

/// Raw values of the fields of a chat message: all a chat client's pass
/// keeps (see [`Client::feed`](crate::client::Client::feed)), so that a
/// relayed message is read in the same single pass as an answer.
#[derive(Default)]
pub(crate) struct ChatFields<'a> {
    pub to: Option<Value<'a>>,
    pub destination: Option<Value<'a>>,
    pub from: Option<Value<'a>>,
    pub sender: Option<Value<'a>>,
    pub encoding: Option<Value<'a>>,
    /// The text keys, in [`TextKey`](crate::message::TextKey) order.
    pub texts: [Option<Value<'a>>; 5],
    pub room: Option<Value<'a>>,
    pub history: Option<Value<'a>>,
    pub id: Option<Value<'a>>,
}

/// The keys [`ChatFields`] keeps, in the order of [`ChatFields::file`]'s
/// slots; the last five are the message text's spellings, in the order of
/// [`ChatFields::texts`].
pub(super) const CHAT_KEYS: [&str; 13] = [
    "to",
    "destination",
    "from",
    "sender",
    "encoding",
    "room",
    "history",
    "id",
    "message",
    "mess_text",
    "message_text",
    "msg_text",
    "message_txt",
];

impl<'a> ChatFields<'a> {
    /// Files `value` if `key` is a chat message's; `false` if it is not.
    #[cfg_attr(not(target_os = "none"), inline)]
    fn file(&mut self, key: &str, value: Value<'a>) -> bool {
        // A table and one comparison loop, not a `match` on the key: the
        // match compiles to a tree of length tests and compares that is
        // half a kilobyte of a device's flash; the loop costs the desktop
        // nothing it can measure (the codec bench).
        let Some(index) = CHAT_KEYS.iter().position(|known| *known == key) else {
            return false;
        };
        match self.slot(index) {
            Some(slot) => {
                *slot = Some(value);
                true
            }
            None => false,
        }
    }

    /// The slot of [`CHAT_KEYS`]`[index]`.
    pub(super) fn slot(&mut self, index: usize) -> Option<&mut Option<Value<'a>>> {
        Some(match index {
            0 => &mut self.to,
            1 => &mut self.destination,
            2 => &mut self.from,
            3 => &mut self.sender,
            4 => &mut self.encoding,
            5 => &mut self.room,
            6 => &mut self.history,
            7 => &mut self.id,
            text => return self.texts.get_mut(text.checked_sub(8)?),
        })
    }
}

/// A chat client's pass: the chat fields, no `user` object, no lists.
impl<'a> RequestFields<'a> for ChatFields<'a> {
    const READS_LISTS: bool = false;
    const FILES_CHAT: bool = true;

    fn chat_slot(&mut self, index: usize) -> Option<&mut Option<Value<'a>>> {
        self.slot(index)
    }

    fn list(&self) -> Option<Value<'a>> {
        None
    }

    fn bin(&self) -> Option<Value<'a>> {
        None
    }
}

impl<'a> RequestFields<'a> for Fields<'a> {
    const READS_LISTS: bool = true;

    fn list(&self) -> Option<Value<'a>> {
        crate::decode::wire::either(self.data_list, self.data)
    }

    fn bin(&self) -> Option<Value<'a>> {
        self.bin
    }
}

impl<'a> Fields<'a> {
    /// Files one top-level field that is not `action`, `response`,
    /// `time`, `alert` or `error`.
    #[cfg_attr(not(target_os = "none"), inline)]
    fn field(&mut self, key: &str, value: Value<'a>) {
        if self.chat.file(key, value) {
            return;
        }
        let slot = match key {
            "user" => {
                self.user = Some(UserValue::Other(value));
                return;
            }
            "type" => &mut self.kind,
            "account_name" => &mut self.account_name,
            "user_id" => &mut self.user_id,
            "contact" => &mut self.contact,
            "user_login" => &mut self.user_login,
            "data_list" => &mut self.data_list,
            "data" => &mut self.data,
            "bin" => &mut self.bin,
            "before" => &mut self.before,
            "limit" => &mut self.limit,
            _ => return,
        };
        *slot = Some(value);
    }
}

/// The `user` field: an object with its known fields, or anything else.
#[derive(Clone, Copy)]
pub(crate) enum UserValue<'a> {
    Object(UserFields<'a>),
    Other(Value<'a>),
}

/// Raw values of the known fields of a `user` object.
#[derive(Default, Clone, Copy)]
pub(crate) struct UserFields<'a> {
    pub account_name: Option<Value<'a>>,
    pub status: Option<Value<'a>>,
    pub password: Option<Value<'a>>,
    pub pubkey: Option<Value<'a>>,
}

impl<'a, F: RequestFields<'a>> Head<'a, F> {
    /// Nothing read yet.
    pub fn new() -> Self {
        Head {
            action: None,
            response: None,
            time: Timestamp::Absent,
            alert: None,
            error: None,
            fields: F::default(),
        }
    }
}

impl<'a> Head<'a, ()> {
    /// The small pass (`decode::small`), keeping only what a response
    /// has: `action` (read, so that a bad one fails as in
    /// [`read`](Head::read)), `response`, `time`, `alert` and `error`. The
    /// other fields are delimited and skipped like unknown ones, which
    /// they are to a client; a client links none of the code that files
    /// them, nor the server's validating cursor.
    pub fn read_response(&mut self, frame: &'a [u8]) -> Result<(), DecodeError> {
        self.read_small(frame)
    }
}

impl<'a> Head<'a, ChatFields<'a>> {
    /// Reads `frame` as a chat client needs it: an answer's fields and a
    /// chat message's, in one small pass.
    pub fn chat(frame: &'a [u8]) -> Result<Self, DecodeError> {
        let mut head = Head::new();
        head.read_small(frame)?;
        Ok(head)
    }
}

impl<'a> Head<'a> {
    /// Reads `frame` into `self` (filled in place: a `Head` is a few hundred
    /// bytes, and moving it out of a `Result` costs as much as a field).
    pub fn read(&mut self, frame: &'a [u8]) -> Result<(), DecodeError> {
        self.read_fields(frame)
    }

    /// The server's pass, over the validating cursor: every field filed.
    fn read_fields(&mut self, frame: &'a [u8]) -> Result<(), DecodeError> {
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
    #[cfg_attr(not(target_os = "none"), inline)]
    fn field(&mut self, key: &str, value: Value<'a>) -> Result<(), DecodeError> {
        match key {
            "action" => self.action = Some(action(value)?),
            "response" => self.response = Some(code(value)?),
            "time" => self.time = time(value),
            "alert" => self.alert = Some(value),
            "error" => self.error = Some(value),
            _ => self.fields.field(key, value),
        }
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
            "pubkey" => user.pubkey = Some(value),
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

pub(super) fn action(value: Value<'_>) -> Result<&str, DecodeError> {
    let Value::Str { raw, escaped, .. } = value else {
        return Err(DecodeError::WrongType(Field::Action));
    };
    // Action names are plain ASCII; an escaped one is not a known action.
    // (A char is at least one byte: only a long one needs counting.)
    if escaped || (raw.len() > MAX_ACTION && count_chars(raw) > MAX_ACTION) {
        return Err(DecodeError::UnknownAction);
    }
    Ok(raw)
}

/// `200` or `"200"`; a string may have ASCII whitespace around its digits
/// (as Python's `int()` allows; Unicode's other spaces would cost a table).
pub(super) fn code(value: Value<'_>) -> Result<StatusCode, DecodeError> {
    let (text, padded) = match value {
        Value::Str { raw, .. } => (raw, true),
        Value::Number(raw) => (raw, false),
        Value::Null | Value::True | Value::Array(_) | Value::Other => {
            return Err(DecodeError::InvalidCode)
        }
    };
    // One to three digits, with only whitespace before and after them.
    let mut n: u16 = 0;
    let mut digits = 0;
    let mut after = false;
    for b in text.bytes() {
        if b.is_ascii_digit() && !after && digits < 3 {
            // At most 999: no overflow.
            n = n * 10 + u16::from(b - b'0');
            digits += 1;
        } else if padded && is_space(b) {
            after = digits > 0;
        } else {
            return Err(DecodeError::InvalidCode);
        }
    }
    if digits == 0 {
        return Err(DecodeError::InvalidCode);
    }
    StatusCode::new(n).ok_or(DecodeError::InvalidCode)
}

/// ASCII whitespace as [`char::is_whitespace`] has it (vertical tab too).
fn is_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

/// Never fails: a `time` nobody can read is treated as absent.
pub(super) fn time(value: Value<'_>) -> Timestamp<'_> {
    match value {
        // What the scan learnt decides: only escapes need checking.
        Value::Str {
            raw, escaped: true, ..
        } => match Text::escaped_counted(raw) {
            Ok((text, _)) => Timestamp::Text(text),
            Err(_) => Timestamp::Absent,
        },
        Value::Str { control: true, .. } => Timestamp::Absent,
        Value::Str { raw, .. } => Timestamp::Text(Text::plain(raw)),
        Value::Number(raw) => Timestamp::from_json_number(raw),
        Value::Null | Value::True | Value::Array(_) | Value::Other => Timestamp::Absent,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_allows_ascii_whitespace_around_a_string() {
        let s = |raw| Value::Str {
            raw,
            escaped: false,
            control: false,
        };
        for (raw, want) in [
            ("200", Some(200)),
            (" 200 ", Some(200)),
            ("\u{b}\u{c}7\t\r\n", Some(7)),
            ("\u{a0}200", None),
            ("0", Some(0)),
            ("999", Some(999)),
            ("1000", None),
            ("0200", None),
            ("2 00", None),
            (" ", None),
            ("", None),
            ("+200", None),
            ("\u{200b}200", None),
        ] {
            assert_eq!(code(s(raw)).ok().map(StatusCode::as_u16), want, "{raw:?}");
            let trimmed = raw.trim_matches(|c: char| c.is_ascii() && c.is_whitespace());
            let python =
                (1..=3).contains(&trimmed.len()) && trimmed.bytes().all(|b| b.is_ascii_digit());
            assert_eq!(want.is_some(), python, "{raw:?}");
        }
        assert!(code(Value::Number(" 200")).is_err());
        assert_eq!(code(Value::Number("404")), Ok(StatusCode::NOT_FOUND));
    }
}

//! Encoding what the hub sends into [`Line`]s.

use jim_core::{Encode, EncodeError, Escaping, NameList, Response, StatusCode, Text};
use log::error;

use super::{Line, Time};

/// The first buffer tried; answers and most chat messages fit.
const FIRST_TRY: usize = 1024;
/// The largest line the hub writes (a `get_users` of ten thousand names
/// of 25 emoji each is about 3 MiB).
const LARGEST: usize = 4 << 20;

/// `message` as compact JSON with `escaping`, then `\n`. `None` only if
/// the message cannot be encoded at all, which is a bug here (every text
/// in it was checked when it was received): logged, nothing sent.
pub(crate) fn encode(message: &impl Encode, escaping: Escaping) -> Option<Line> {
    let mut size = FIRST_TRY;
    loop {
        let mut buf = vec![0u8; size];
        match message.encode_with(&mut buf, escaping) {
            Ok(n) => {
                buf.truncate(n);
                buf.push(b'\n');
                return Some(Line::from(buf));
            }
            Err(EncodeError::BufferFull) if size < LARGEST => size *= 4,
            Err(e) => {
                error!("cannot encode a line: {e}");
                return None;
            }
        }
    }
}

/// An answer; an answer that cannot be encoded (a bug) becomes a bare
/// `500`, so the client still gets one answer per request.
fn answer(response: &Response<'_>) -> Line {
    encode(response, Escaping::Ascii).unwrap_or_else(|| Line::from(&b"{\"response\":500}\n"[..]))
}

/// `200 OK`.
pub(crate) fn ok(now: Time) -> Line {
    answer(&Response::ok(now.unix))
}

/// `code` with `text` (in `alert` below 400, else in `error`).
pub(crate) fn with_text(code: u16, now: Time, text: &str) -> Line {
    let code = StatusCode::new(code).unwrap_or(StatusCode::SERVER_ERROR);
    answer(&Response::with_text(code, now.unix, Text::plain(text)))
}

/// An error answer.
pub(crate) fn error(code: u16, now: Time, text: &str) -> Line {
    with_text(code, now, text)
}

/// `202` with `names` in `alert` and `data_list`.
pub(crate) fn list(now: Time, names: &[Text<'_>]) -> Line {
    answer(&Response::with_list(now.unix, NameList::new(names)))
}

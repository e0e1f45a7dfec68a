//! The small decoders' pass: what [`Response::decode`] and the chat
//! [`Client`] read a frame with, on a device as on a desktop.
//!
//! The server's pass ([`Head::read`], over the validating
//! [`Cursor`](crate::scan::Cursor)) checks the whole JSON grammar. This one
//! checks the top level — one object, string keys, colons, commas, nothing
//! after it — and reads the values it keeps as strictly (a text's escapes,
//! a code's digits, the types); a value it does not read is only
//! delimited: a string to its closing quote, an array or object to its
//! matching bracket (with the framer's [`Scanner`]), a number or literal to
//! the next `,`, `}` or whitespace. So `{"response":200,"x":[1,,2]}` is an
//! answer to a client and a syntax error to the server: a client cannot be
//! harmed by a value it never reads, and a device does not link the
//! server's cursor (about half a kilobyte of its flash).
//!
//! [`Response::decode`]: crate::Response::decode
//! [`Client`]: crate::client::Client

use super::head::{action, code, time, Head, RequestFields, CHAT_KEYS};
use crate::error::DecodeError;
use crate::scan::{is_whitespace, Scanner, Value};

impl<'a, F: RequestFields<'a>> Head<'a, F> {
    /// The small pass over `frame`, filing what `F` keeps into `self`.
    pub(super) fn read_small(&mut self, frame: &'a [u8]) -> Result<(), DecodeError> {
        let text = core::str::from_utf8(frame).map_err(|_| DecodeError::InvalidUtf8)?;
        let bytes = text.as_bytes();
        let mut pos = skip_ws(bytes, 0);
        if bytes.get(pos) != Some(&b'{') {
            return Err(DecodeError::Syntax);
        }
        pos = skip_ws(bytes, pos + 1);
        let mut more = bytes.get(pos) != Some(&b'}');
        if !more {
            pos += 1;
        }
        while more {
            if bytes.get(pos) != Some(&b'"') {
                return Err(DecodeError::Syntax);
            }
            let end = value_end(bytes, pos)?;
            // Both ends are at quotes, so on char boundaries.
            let key = text.get(pos + 1..end - 1).ok_or(DecodeError::Syntax)?;
            pos = skip_ws(bytes, end);
            if bytes.get(pos) != Some(&b':') {
                return Err(DecodeError::Syntax);
            }
            pos = skip_ws(bytes, pos + 1);
            let end = value_end(bytes, pos)?;
            // `pos` and `end` are at ASCII bytes or the text's end.
            let raw = text.get(pos..end).ok_or(DecodeError::Syntax)?;
            self.file_small(key, classify(raw))?;
            pos = skip_ws(bytes, end);
            match bytes.get(pos) {
                Some(b',') => pos = skip_ws(bytes, pos + 1),
                Some(b'}') => {
                    pos += 1;
                    more = false;
                }
                _ => return Err(DecodeError::Syntax),
            }
        }
        if skip_ws(bytes, pos) == bytes.len() {
            Ok(())
        } else {
            Err(DecodeError::Syntax)
        }
    }
}

/// The keys a response's small pass files: a head's own five.
const HEAD_KEYS: [&str; 5] = ["action", "response", "time", "alert", "error"];

/// The keys the chat client's small pass files: a head's own five, then
/// [`CHAT_KEYS`].
pub(super) const KEYS: [&str; 18] = head_then_chat(HEAD_KEYS, CHAT_KEYS);

/// `head` followed by `chat`, at compile time.
const fn head_then_chat(head: [&'static str; 5], chat: [&'static str; 13]) -> [&'static str; 18] {
    let mut keys = [""; 18];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = if i < head.len() {
            head[i]
        } else {
            chat[i - head.len()]
        };
        i += 1;
    }
    keys
}

impl<'a, F: RequestFields<'a>> Head<'a, F> {
    /// Files one top-level field: one look-up in [`KEYS`] (a `match` on
    /// the key is a tree of compares, several times the flash).
    fn file_small(&mut self, key: &str, value: Value<'a>) -> Result<(), DecodeError> {
        // A response's pass looks only for a head's keys: a shorter
        // table, and the chat keys' strings not linked.
        let keys: &[&str] = if F::FILES_CHAT { &KEYS } else { &HEAD_KEYS };
        match keys.iter().position(|known| *known == key) {
            Some(0) => self.action = Some(action(value)?),
            Some(1) => self.response = Some(code(value)?),
            Some(2) => self.time = time(value),
            Some(3) => self.alert = Some(value),
            Some(4) => self.error = Some(value),
            Some(index) => {
                if let Some(slot) = self.fields.chat_slot(index - 5) {
                    *slot = Some(value);
                }
            }
            None => {}
        }
        Ok(())
    }
}

/// The first position at or after `pos` that is not whitespace.
// Bare metal: one copy, not one per call site (five).
#[cfg_attr(target_os = "none", inline(never))]
fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while bytes.get(pos).copied().is_some_and(is_whitespace) {
        pos += 1;
    }
    pos
}

/// Where the value that starts at `start` ends: after a string's closing
/// quote or a container's matching bracket, or before the byte that ends a
/// number or literal. An empty or unterminated value is a syntax error.
fn value_end(bytes: &[u8], start: usize) -> Result<usize, DecodeError> {
    let mut pos = start;
    if matches!(bytes.get(start), Some(b'"' | b'{' | b'[')) {
        let mut scanner = Scanner::new();
        while let Some(&b) = bytes.get(pos) {
            scanner.step(b);
            pos += 1;
            if scanner.is_outside() {
                return Ok(pos);
            }
        }
        return Err(DecodeError::Syntax);
    }
    while let Some(&b) = bytes.get(pos) {
        if matches!(b, b',' | b'}' | b']' | b'"' | b'{' | b'[') || is_whitespace(b) {
            break;
        }
        pos += 1;
    }
    if pos == start {
        return Err(DecodeError::Syntax);
    }
    Ok(pos)
}

/// What a delimited value is, as the typed readers want it.
fn classify(raw: &str) -> Value<'_> {
    match raw.as_bytes().first() {
        Some(b'"') => {
            // Delimited by the scanner: a closing quote ends it.
            let content = raw.get(1..raw.len() - 1).unwrap_or_default();
            let mut escaped = false;
            let mut control = false;
            for b in content.bytes() {
                escaped |= b == b'\\';
                control |= b < 0x20;
            }
            Value::Str {
                raw: content,
                escaped,
                control,
            }
        }
        Some(b'[') => Value::Array(raw),
        Some(b'-' | b'0'..=b'9') => Value::Number(raw),
        _ if raw == "null" => Value::Null,
        _ if raw == "true" => Value::True,
        _ => Value::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::head::ChatFields;

    fn small(frame: &str) -> Result<Head<'_, ChatFields<'_>>, DecodeError> {
        let mut head = Head::new();
        head.read_small(frame.as_bytes())?;
        Ok(head)
    }

    #[test]
    fn keys_are_the_heads_then_the_chat_fields() {
        assert_eq!(KEYS[..5], HEAD_KEYS);
        assert_eq!(KEYS[5..], CHAT_KEYS);
    }

    #[test]
    fn reads_the_top_level_strictly() {
        for bad in [
            "",
            " ",
            "[]",
            "{",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{\"a\":1 \"b\":2}",
            "{a:1}",
            "{\"a\":\"x\"y}",
            "{\"a\":tr\"ue\"}",
            "{\"a\":[1}",
            "{\"a\":\"open}",
            "{\"a\":1}}",
            "{\"a\":1} x",
            "{\"a\":1,\"b\"",
        ] {
            assert!(small(bad).is_err(), "{bad:?}");
        }
        for good in [
            "{}",
            " { } ",
            "{\"a\":1}",
            "{ \"a\" : [ {\"}\":\"]\"} ] , \"b\":null }\n",
        ] {
            assert!(small(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn delimits_what_it_does_not_read() {
        // Grammar inside an unread value is the server's concern, not a
        // client's: the answer is still read.
        let head = small(r#"{"x":[1,,2],"y":{"a" 1},"z":1.2.3,"response":200}"#).unwrap();
        assert_eq!(head.response.map(|c| c.as_u16()), Some(200));
    }

    #[test]
    fn classifies_values() {
        let head = small(
            r#"{"to":"a\"b","from":"c\u0001","message":"line","room":null,"history":true,"id":7,"encoding":false}"#,
        )
        .unwrap();
        let f = head.fields;
        assert_eq!(
            f.to,
            Some(Value::Str {
                raw: r#"a\"b"#,
                escaped: true,
                control: false
            })
        );
        assert_eq!(
            f.from,
            Some(Value::Str {
                raw: r"c\u0001",
                escaped: true,
                control: false
            })
        );
        assert_eq!(f.room, Some(Value::Null));
        assert_eq!(f.history, Some(Value::True));
        assert_eq!(f.id, Some(Value::Number("7")));
        assert_eq!(f.encoding, Some(Value::Other));
        let raw_control = small("{\"message\":\"a\tb\"}").unwrap();
        assert!(matches!(
            raw_control.fields.texts[0],
            Some(Value::Str { control: true, .. })
        ));
    }
}

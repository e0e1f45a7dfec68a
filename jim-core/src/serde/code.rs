//! `Deserialize` for [`StatusCode`]: a number from 0 to 999.

use core::fmt;

use ::serde::de::{Deserialize, Deserializer, Error, Unexpected, Visitor};

use crate::code::StatusCode;

/// A number from 0 to 999 (`200`), asked for as a `u16`.
///
/// A format that hands over a string where a number was asked for (some
/// do; serde's own `value` deserializers, form and query-string formats)
/// gets the decoder's leniency too: `"200"`, with ASCII whitespace around
/// the digits allowed. JSON deserializers do not: `serde_json` and
/// `serde-json-core` refuse `"200"` for a `u16`, and reading either form
/// would take `deserialize_any`, which `serde-json-core` does not have.
/// [`decode`](crate::decode()) reads both.
impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_u16(CodeVisitor)
    }
}

struct CodeVisitor;

impl Visitor<'_> for CodeVisitor {
    type Value = StatusCode;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JIM status code, 0 to 999")
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<StatusCode, E> {
        u16::try_from(v)
            .ok()
            .and_then(StatusCode::new)
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<StatusCode, E> {
        match u64::try_from(v) {
            Ok(v) => self.visit_u64(v),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }

    fn visit_str<E: Error>(self, v: &str) -> Result<StatusCode, E> {
        parse(v).ok_or_else(|| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// A code written as a string, by the decoder's rule: one to three ASCII
/// digits, ASCII whitespace (as Python's `int()` allows) around them.
fn parse(text: &str) -> Option<StatusCode> {
    let digits = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\u{b}');
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().and_then(StatusCode::new)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_as_the_decoder_does() {
        for (text, want) in [
            ("200", Some(200)),
            (" 200 ", Some(200)),
            ("\u{b}\u{c}7\t\r\n", Some(7)),
            ("007", Some(7)),
            ("0", Some(0)),
            ("999", Some(999)),
            ("\u{a0}200", None),
            ("1000", None),
            ("0200", None),
            ("2 00", None),
            ("", None),
            ("  ", None),
            ("+200", None),
            ("-1", None),
            ("200.0", None),
        ] {
            assert_eq!(parse(text).map(|c| c.as_u16()), want, "{text:?}");
        }
    }
}

//! The escape decoder behind [`Text`](super::Text): [`Chars`] (one
//! character at a time, checked), the validators a received string goes
//! through once, and the escape tables the encoder shares.

use crate::error::TextError;

/// Iterator over the decoded characters of a [`Text`](super::Text).
#[derive(Clone)]
pub struct Chars<'a> {
    /// What is left.
    pub(super) rest: &'a str,
    /// `rest` is escaped JSON string content, not decoded characters.
    pub(super) escaped: bool,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        // Escapes were validated when the Text was built; should the
        // invariant ever break, yield U+FFFD instead of panicking.
        self.next_checked()
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

impl Chars<'_> {
    /// The next character, or what is wrong with the escaped content.
    /// (One step for plain and escaped text alike: one UTF-8 decoder.)
    fn next_checked(&mut self) -> Option<Result<char, TextError>> {
        let mut chars = self.rest.chars();
        let c = chars.next()?;
        let after = chars.as_str();
        if c != '\\' || !self.escaped {
            self.rest = after;
            if c < ' ' && self.escaped {
                return Some(Err(TextError::ControlCharacter));
            }
            return Some(Ok(c));
        }
        match unescape_one(after.as_bytes()) {
            Ok((decoded, used)) => {
                // `used` ASCII bytes of the escape body: a char boundary;
                // `get` keeps that an invariant, not an assumption.
                self.rest = after.get(used..).unwrap_or("");
                Some(Ok(decoded))
            }
            Err(e) => {
                self.rest = "";
                Some(Err(e))
            }
        }
    }
}

/// Number of characters in `s`: its bytes that do not continue one. (Small
/// where `chars().count()` is fast on long strings; JIM's are short.)
pub(crate) fn count_chars(s: &str) -> usize {
    s.bytes().filter(|&b| b & 0xC0 != 0x80).count()
}

/// Checks escaped JSON string content and returns its number of decoded
/// characters. Hosted, a pass of its own (fast on `\uXXXX` runs); on bare
/// metal, where flash is dear, the decoding pass without the characters.
pub(super) fn validate(raw: &str) -> Result<usize, TextError> {
    if cfg!(target_os = "none") {
        validate_small(raw)
    } else {
        validate_fast(raw)
    }
}

/// [`validate`] as [`Chars`] decodes: no code of its own.
fn validate_small(raw: &str) -> Result<usize, TextError> {
    let mut chars = Chars {
        rest: raw,
        escaped: true,
    };
    let mut count = 0;
    while let Some(c) = chars.next_checked() {
        c?;
        count += 1;
    }
    Ok(count)
}

/// [`validate`] in one pass over the bytes, errors in the order [`Chars`]
/// would meet them.
fn validate_fast(raw: &str) -> Result<usize, TextError> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    let mut count = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'\\' {
            // The common escape first: `\uXXXX` of a BMP character.
            if let Some(&[b'u', a, b, c, d]) = bytes.get(i + 1..i + 6) {
                let unit = (hex_value(a) << 12) | (hex_value(b) << 8) | (hex_value(c) << 4);
                let unit = unit | hex_value(d);
                if unit <= 0xFFFF && !(0xD800..=0xDFFF).contains(&unit) {
                    i += 6;
                    count += 1;
                    continue;
                }
            }
            let (_, used) = unescape_one(bytes.get(i + 1..).unwrap_or_default())?;
            i += 1 + used;
            count += 1;
        } else {
            if b < 0x20 {
                return Err(TextError::ControlCharacter);
            }
            // `raw` is UTF-8: count the first byte of each character.
            count += usize::from(b & 0xC0 != 0x80);
            i += 1;
        }
    }
    Ok(count)
}

/// The letters of JSON's one-letter escapes (`\n`…).
pub(crate) const ESCAPE_LETTERS: &[u8; 8] = b"\"\\bfnrt/";
/// What each of [`ESCAPE_LETTERS`] stands for.
pub(crate) const ESCAPE_MEANINGS: &[u8; 8] = b"\"\\\x08\x0c\n\r\t/";

/// Decode the escape whose body (after the backslash) starts `body`.
/// Returns the character and how many bytes of `body` it used.
fn unescape_one(body: &[u8]) -> Result<(char, usize), TextError> {
    let first = body.first().copied().unwrap_or_default();
    if first == b'u' {
        return unescape_unicode(body);
    }
    ESCAPE_LETTERS
        .iter()
        .position(|&letter| letter == first)
        .and_then(|i| ESCAPE_MEANINGS.get(i))
        .map(|&c| (char::from(c), 1))
        .ok_or(TextError::InvalidEscape)
}

#[inline]
fn unescape_unicode(body: &[u8]) -> Result<(char, usize), TextError> {
    let first = hex4(body.get(1..5))?;
    let (code, used) = match first {
        0xD800..=0xDBFF => {
            // A high surrogate must be followed by `\u` and a low surrogate.
            if body.get(5..7) != Some(b"\\u") {
                return Err(TextError::LoneSurrogate);
            }
            let second = hex4(body.get(7..11))?;
            if !(0xDC00..=0xDFFF).contains(&second) {
                return Err(TextError::LoneSurrogate);
            }
            (0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00), 11)
        }
        0xDC00..=0xDFFF => return Err(TextError::LoneSurrogate),
        _ => (first, 5),
    };
    char::from_u32(code)
        .map(|c| (c, used))
        .ok_or(TextError::InvalidUnicode)
}

/// A hex digit's value, or `0x1_0000` for anything else: shifted into any
/// place of a `\uXXXX` unit (12 bits at most) it stays within `u32` and
/// above `0xFFFF`, so a bad digit can never pass for a valid unit.
#[inline]
fn hex_value(d: u8) -> u32 {
    match d {
        b'0'..=b'9' => u32::from(d - b'0'),
        b'a'..=b'f' => u32::from(d - b'a' + 10),
        b'A'..=b'F' => u32::from(d - b'A' + 10),
        _ => 0x1_0000,
    }
}

/// The unit of four hex digits.
#[cfg_attr(target_os = "none", inline(never))]
#[cfg_attr(not(target_os = "none"), inline)]
fn hex4(digits: Option<&[u8]>) -> Result<u32, TextError> {
    let mut unit = 0;
    for &d in digits.ok_or(TextError::InvalidEscape)? {
        let digit = char::from(d).to_digit(16);
        unit = (unit << 4) | digit.ok_or(TextError::InvalidEscape)?;
    }
    Ok(unit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Text;

    #[test]
    fn decodes_every_simple_escape() {
        let t = Text::from_escaped(r#"a\"b\\c\/d\be\ff\ng\rh\ti"#).unwrap();
        assert_eq!(t, "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti");
    }

    #[test]
    fn decodes_surrogate_pair() {
        let t = Text::from_escaped(r"\ud83d\ude00!").unwrap();
        assert_eq!(t, "😀!");
        assert_eq!(t.char_count(), 2);
        assert_eq!(t.utf8_len(), 5);
    }

    #[test]
    fn rejects_bad_surrogates() {
        for raw in [
            r"\ud83d",
            r"\ud83dx",
            r"\ude00",
            r"\ud83d\u0041",
            r"\ud83d\ud83d",
        ] {
            assert_eq!(
                Text::from_escaped(raw).err(),
                Some(TextError::LoneSurrogate),
                "{raw}"
            );
        }
    }

    #[test]
    fn rejects_bad_escapes() {
        for raw in [
            r"\x",
            r"\u12",
            r"\u12g4",
            "\\",
            r"\ug041",
            r"\u0g41",
            r"\u04g1",
            r"\u041g",
            r"\u 041",
            r"\u+041",
            r"a\u-041b",
        ] {
            assert_eq!(
                Text::from_escaped(raw).err(),
                Some(TextError::InvalidEscape),
                "{raw}"
            );
        }
        assert_eq!(
            Text::from_escaped("a\u{1}").err(),
            Some(TextError::ControlCharacter)
        );
    }

    #[test]
    fn both_validators_agree() {
        let pieces = [
            "a",
            "\u{1}",
            "\u{7f}",
            "é",
            "😀",
            "\\",
            "\\n",
            "\\/",
            "\\x",
            "\\u",
            "\\u0",
            "\\u004",
            "\\u0041",
            "\\u00e9",
            "\\uFFFF",
            "\\ud83d",
            "\\ude00",
            "\\ud83d\\ude00",
            "\\udbff\\udfff",
            "\\ud83d\\u0041",
            "\\ug000",
            "\\u000g",
            "\\\"",
            "\"",
        ];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let raw = [a, b, c].concat();
                    assert_eq!(validate_small(&raw), validate_fast(&raw), "{raw:?}");
                }
            }
        }
    }

    #[test]
    fn unescape_into_refuses_small_buffer() {
        let t = Text::from_escaped(r"\u041f\u0440").unwrap();
        let mut small = [0u8; 3];
        assert_eq!(t.unescape_into(&mut small), Err(TextError::BufferTooSmall));
        let mut fits = [0u8; 4];
        assert_eq!(t.unescape_into(&mut fits), Ok("Пр"));
    }
}

//! [`Text`]: a string field of a JIM message, borrowed from the receive buffer.
//!
//! A JSON string on the wire may contain escapes (`\n`, `\"`, `\u041f`, and
//! UTF-16 surrogate pairs such as `\ud83d\ude00` for characters outside the
//! BMP). Decoding never copies: a received string stays as its raw escaped
//! form and is unescaped lazily, character by character, when it is compared,
//! displayed, counted or copied out. Escapes are validated once, when the
//! message is decoded, so every [`Text`] a decoder hands out is well formed.

use core::fmt;

use crate::error::TextError;

/// A string field of a JIM message.
///
/// Either *escaped* JSON string content borrowed from a received frame, or a
/// *plain* Rust string given by the program that builds a message. Both
/// behave the same: [`chars`](Text::chars) yields the decoded characters,
/// `==` compares decoded content, and [`Display`](fmt::Display) prints it.
///
/// ```
/// use jim_core::Text;
///
/// let wire = Text::from_escaped(r"\u041f\u0440\u0438\u0432\u0435\u0442 \ud83d\ude00").unwrap();
/// assert_eq!(wire, "Привет 😀");
/// assert_eq!(wire.char_count(), 8);
/// assert_eq!(wire.as_plain_str(), None); // it has escapes: no borrowed &str
///
/// let mut scratch = [0u8; 32];
/// assert_eq!(wire.unescape_into(&mut scratch).unwrap(), "Привет 😀");
///
/// let plain = Text::from("Guest");
/// assert_eq!(plain.as_plain_str(), Some("Guest"));
/// ```
#[derive(Clone, Copy)]
pub struct Text<'a> {
    repr: Repr<'a>,
}

#[derive(Clone, Copy)]
enum Repr<'a> {
    /// Already-decoded characters.
    Plain(&'a str),
    /// JSON string content between the quotes, escapes intact and validated.
    Escaped(&'a str),
}

impl<'a> Text<'a> {
    /// Text from already-decoded characters (what a program writes).
    pub const fn plain(s: &'a str) -> Self {
        Text {
            repr: Repr::Plain(s),
        }
    }

    /// Text from the raw content of a JSON string (between the quotes).
    ///
    /// Validates every escape, including surrogate pairs; a lone or reversed
    /// surrogate, a bad `\u` sequence, an unknown escape or a raw control
    /// character is an error.
    pub fn from_escaped(raw: &'a str) -> Result<Self, TextError> {
        if !raw.as_bytes().contains(&b'\\') {
            // No escapes: only raw control characters can make it invalid.
            if raw.bytes().any(|b| b < 0x20) {
                return Err(TextError::ControlCharacter);
            }
            return Ok(Text::plain(raw));
        }
        Self::escaped_counted(raw).map(|(text, _)| text)
    }

    /// Text from raw JSON string content that has escapes, validated as by
    /// [`from_escaped`](Text::from_escaped), with its number of decoded
    /// characters (worked out by the same pass).
    pub(crate) fn escaped_counted(raw: &'a str) -> Result<(Self, usize), TextError> {
        let count = validate(raw)?;
        Ok((
            Text {
                repr: Repr::Escaped(raw),
            },
            count,
        ))
    }

    /// The characters as a borrowed `&str`, if no unescaping is needed.
    ///
    /// This is the zero-copy path: any string received without escapes
    /// (most ASCII names and statuses) is returned straight from the
    /// receive buffer.
    pub fn as_plain_str(&self) -> Option<&'a str> {
        match self.repr {
            Repr::Plain(s) => Some(s),
            Repr::Escaped(_) => None,
        }
    }

    /// The decoded characters.
    pub fn chars(&self) -> Chars<'a> {
        match self.repr {
            Repr::Plain(rest) => Chars {
                rest,
                escaped: false,
            },
            Repr::Escaped(rest) => Chars {
                rest,
                escaped: true,
            },
        }
    }

    /// Number of decoded characters (what JIM's field limits count).
    pub fn char_count(&self) -> usize {
        let s = match self.repr {
            Repr::Plain(s) => s,
            // Validated when built, so this is the count (and the fallback,
            // the raw characters, never needed).
            Repr::Escaped(s) => match validate(s) {
                Ok(count) => return count,
                Err(_) => s,
            },
        };
        count_chars(s)
    }

    /// `true` if there are no characters.
    pub fn is_empty(&self) -> bool {
        match self.repr {
            Repr::Plain(s) | Repr::Escaped(s) => s.is_empty(),
        }
    }

    /// Number of UTF-8 bytes the decoded text occupies.
    pub fn utf8_len(&self) -> usize {
        match self.repr {
            Repr::Plain(s) => s.len(),
            Repr::Escaped(_) => self.chars().map(char::len_utf8).sum(),
        }
    }

    /// Whether the first character is `c` (room names start with `#`).
    pub fn starts_with(&self, c: char) -> bool {
        self.chars().next() == Some(c)
    }

    /// Decode into `buf` and return the decoded `&str` borrowed from it.
    ///
    /// Fails with [`TextError::BufferTooSmall`] when `buf` cannot hold the
    /// decoded UTF-8; nothing is truncated.
    pub fn unescape_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, TextError> {
        let mut len = 0;
        for c in self.chars() {
            let width = c.len_utf8();
            let dst = buf
                .get_mut(len..len + width)
                .ok_or(TextError::BufferTooSmall)?;
            c.encode_utf8(dst);
            len += width;
        }
        let bytes = buf.get(..len).ok_or(TextError::BufferTooSmall)?;
        // Only whole chars were encoded above, so this cannot fail; map
        // rather than unwrap so no input can turn it into a panic.
        core::str::from_utf8(bytes).map_err(|_| TextError::InvalidUnicode)
    }

    /// Copy the decoded text into a fixed-capacity string.
    pub fn to_heapless<const N: usize>(&self) -> Result<heapless::String<N>, TextError> {
        let mut out = heapless::String::new();
        for c in self.chars() {
            out.push(c).map_err(|_| TextError::BufferTooSmall)?;
        }
        Ok(out)
    }

    /// The raw representation: decoded text for plain, escaped JSON content
    /// otherwise. Useful for logging the exact bytes that were received.
    pub fn raw(&self) -> &'a str {
        match self.repr {
            Repr::Plain(s) | Repr::Escaped(s) => s,
        }
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Text::plain(s)
    }
}

impl Default for Text<'_> {
    fn default() -> Self {
        Text::plain("")
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.repr, other.repr) {
            (Repr::Plain(a), Repr::Plain(b)) => a == b,
            _ => self.chars().eq(other.chars()),
        }
    }
}

impl Eq for Text<'_> {}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        match self.repr {
            Repr::Plain(a) => a == other,
            Repr::Escaped(_) => self.chars().eq(other.chars()),
        }
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.repr {
            Repr::Plain(s) => f.write_str(s),
            Repr::Escaped(_) => {
                for c in self.chars() {
                    fmt::Write::write_char(f, c)?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.chars() {
            for e in c.escape_debug() {
                fmt::Write::write_char(f, e)?;
            }
        }
        f.write_str("\"")
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Text<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        // defmt has no char-by-char string writer: show the raw form, which
        // is the decoded text itself whenever there were no escapes.
        defmt::write!(f, "{=str}", self.raw())
    }
}

/// Iterator over the decoded characters of a [`Text`].
#[derive(Clone)]
pub struct Chars<'a> {
    /// What is left.
    rest: &'a str,
    /// `rest` is escaped JSON string content, not decoded characters.
    escaped: bool,
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
fn validate(raw: &str) -> Result<usize, TextError> {
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

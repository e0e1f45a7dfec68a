//! [`Text`]: a string field of a JIM message, borrowed from the receive buffer.
//!
//! A JSON string on the wire may contain escapes (`\n`, `\"`, `\u041f`, and
//! UTF-16 surrogate pairs such as `\ud83d\ude00` for characters outside the
//! BMP). Decoding never copies: a received string stays as its raw escaped
//! form and is unescaped lazily, character by character, when it is compared,
//! displayed, counted or copied out. Escapes are validated once, when the
//! message is decoded, so every [`Text`] a decoder hands out is well formed.

mod escape;

use core::fmt;

use crate::error::TextError;

pub(crate) use escape::count_chars;
use escape::validate;
pub use escape::Chars;
// The encoder's table on bare metal (hosted it has a faster one).
#[cfg(any(test, target_os = "none"))]
pub(crate) use escape::{ESCAPE_LETTERS, ESCAPE_MEANINGS};

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

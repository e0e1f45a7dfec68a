//! [`JsonWriter`]: compact JSON into a caller's buffer, never truncating.

use crate::error::EncodeError;
use crate::text::Text;

/// How non-ASCII characters are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Escaping {
    /// `\uXXXX` (surrogate pairs above U+FFFF), like Python's `json.dumps`:
    /// the output is pure ASCII, safe for peers that `.decode('ascii')`.
    #[default]
    Ascii,
    /// Raw UTF-8 (shorter for non-Latin text); only `"`, `\` and control
    /// characters are escaped.
    Utf8,
}

/// Writes one compact JSON object into a byte slice.
///
/// Every method either writes completely or fails with
/// [`EncodeError::BufferFull`]; after a failure the buffer's content is
/// unspecified and the writer should be dropped.
pub struct JsonWriter<'b> {
    buf: &'b mut [u8],
    len: usize,
    escaping: Escaping,
    /// Whether the innermost open object has a field yet (needs a comma).
    has_field: bool,
}

impl<'b> JsonWriter<'b> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'b mut [u8], escaping: Escaping) -> Self {
        JsonWriter {
            buf,
            len: 0,
            escaping,
            has_field: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` if nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<(), EncodeError> {
        let end = self.len + bytes.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(EncodeError::BufferFull)?
            .copy_from_slice(bytes);
        self.len = end;
        Ok(())
    }

    /// `{`
    pub fn begin_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = false;
        self.raw(b"{")
    }

    /// `}`
    pub fn end_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = true;
        self.raw(b"}")
    }

    /// `,"key":` — the key must need no escaping.
    pub fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        if self.has_field {
            self.raw(b",")?;
        }
        self.has_field = true;
        self.raw(b"\"")?;
        self.raw(key.as_bytes())?;
        self.raw(b"\":")
    }

    /// A string value, escaped.
    pub fn string(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        self.raw(b"\"")?;
        if let Some(plain) = text
            .as_plain_str()
            .filter(|s| !needs_escape(s, self.escaping))
        {
            // The common case: copy in one go.
            self.raw(plain.as_bytes())?;
        } else {
            for c in text.chars() {
                self.char(c)?;
            }
        }
        self.raw(b"\"")
    }

    fn char(&mut self, c: char) -> Result<(), EncodeError> {
        match c {
            '"' => self.raw(b"\\\""),
            '\\' => self.raw(b"\\\\"),
            '\n' => self.raw(b"\\n"),
            '\r' => self.raw(b"\\r"),
            '\t' => self.raw(b"\\t"),
            '\u{8}' => self.raw(b"\\b"),
            '\u{c}' => self.raw(b"\\f"),
            c if (c as u32) < 0x20 => self.unicode_escape(c as u16),
            c if c.is_ascii() || self.escaping == Escaping::Utf8 => {
                let mut utf8 = [0u8; 4];
                self.raw(c.encode_utf8(&mut utf8).as_bytes())
            }
            c => {
                let mut utf16 = [0u16; 2];
                for unit in c.encode_utf16(&mut utf16) {
                    self.unicode_escape(*unit)?;
                }
                Ok(())
            }
        }
    }

    fn unicode_escape(&mut self, unit: u16) -> Result<(), EncodeError> {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let nibble = |shift: u16| {
            HEX.get(usize::from((unit >> shift) & 0xF))
                .copied()
                .unwrap_or(b'0')
        };
        self.raw(&[b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)])
    }

    /// An unsigned integer value.
    pub fn u64(&mut self, mut n: u64) -> Result<(), EncodeError> {
        let mut digits = [0u8; 20];
        let mut i = digits.len();
        loop {
            i -= 1;
            if let Some(d) = digits.get_mut(i) {
                *d = b'0' + (n % 10) as u8;
            }
            n /= 10;
            if n == 0 || i == 0 {
                break;
            }
        }
        self.raw(digits.get(i..).unwrap_or_default())
    }

    /// `,"key":"text"`
    pub fn string_field(&mut self, key: &str, text: &Text<'_>) -> Result<(), EncodeError> {
        self.key(key)?;
        self.string(text)
    }

    /// `,"key":"text"` if present.
    pub fn optional_field(
        &mut self,
        key: &str,
        text: Option<&Text<'_>>,
    ) -> Result<(), EncodeError> {
        match text {
            Some(text) => self.string_field(key, text),
            None => Ok(()),
        }
    }

    /// `,"key":n`
    pub fn u64_field(&mut self, key: &str, n: u64) -> Result<(), EncodeError> {
        self.key(key)?;
        self.u64(n)
    }
}

fn needs_escape(s: &str, escaping: Escaping) -> bool {
    s.bytes()
        .any(|b| b == b'"' || b == b'\\' || b < 0x20 || (b >= 0x80 && escaping == Escaping::Ascii))
}

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

    #[inline]
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
    #[inline]
    pub fn begin_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = false;
        self.raw(b"{")
    }

    /// `}`
    #[inline]
    pub fn end_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = true;
        self.raw(b"}")
    }

    /// `,"key":` — the key must need no escaping.
    #[inline]
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
    #[inline]
    pub fn string(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        if let Some(plain) = text
            .as_plain_str()
            .filter(|s| !needs_escape(s, self.escaping))
        {
            // The common case: copy in one go.
            self.raw(b"\"")?;
            self.raw(plain.as_bytes())?;
            return self.raw(b"\"");
        }
        self.escaped_string(text)
    }

    /// A string value that needs escaping, character by character.
    #[inline(never)]
    fn escaped_string(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        self.raw(b"\"")?;
        match text.as_plain_str() {
            // Copy each run that needs no escaping in one go.
            Some(mut rest) => {
                let mask = escape_mask(self.escaping);
                while !rest.is_empty() {
                    let run = rest
                        .bytes()
                        .position(|b| escape_class(b) & mask != 0)
                        .unwrap_or(rest.len());
                    let (plain, tail) = rest.split_at_checked(run).unwrap_or((rest, ""));
                    self.raw(plain.as_bytes())?;
                    let mut chars = tail.chars();
                    if let Some(c) = chars.next() {
                        self.char(c)?;
                    }
                    rest = chars.as_str();
                }
            }
            None => {
                for c in text.chars() {
                    self.char(c)?;
                }
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
    pub fn u64(&mut self, n: u64) -> Result<(), EncodeError> {
        let width = n.checked_ilog10().map_or(1, |log| log as usize + 1);
        let end = self.len + width;
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(EncodeError::BufferFull)?;
        // From the right: four digits at a time (two independent pairs, so
        // half the chain of divisions), then two, then the odd one out.
        let mut n = n;
        let mut i = width;
        while i >= 4 {
            let rest = (n % 10_000) as usize;
            n /= 10_000;
            i -= 4;
            let (high, low) = (rest / 100 * 2, rest % 100 * 2);
            if let (Some((d1, d2)), Some(p1), Some(p2)) = (
                dst.get_mut(i..i + 4)
                    .and_then(|d| d.split_at_mut_checked(2)),
                DIGIT_PAIRS.get(high..high + 2),
                DIGIT_PAIRS.get(low..low + 2),
            ) {
                d1.copy_from_slice(p1);
                d2.copy_from_slice(p2);
            }
        }
        while i >= 2 {
            let pair = (n % 100) as usize * 2;
            n /= 100;
            i -= 2;
            if let (Some(d), Some(p)) = (dst.get_mut(i..i + 2), DIGIT_PAIRS.get(pair..pair + 2)) {
                d.copy_from_slice(p);
            }
        }
        if let (1, Some(d)) = (i, dst.first_mut()) {
            *d = b'0' + (n % 10) as u8;
        }
        self.len = end;
        Ok(())
    }

    /// `,"key":"value"` for a value that needs no escaping (an action).
    #[inline]
    pub(crate) fn ascii_field(&mut self, key: &str, value: &str) -> Result<(), EncodeError> {
        self.key(key)?;
        self.raw(b"\"")?;
        self.raw(value.as_bytes())?;
        self.raw(b"\"")
    }

    /// `,"key":"text"`
    #[inline]
    pub fn string_field(&mut self, key: &str, text: &Text<'_>) -> Result<(), EncodeError> {
        self.key(key)?;
        self.string(text)
    }

    /// `,"key":"text"` if present.
    #[inline]
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
    #[inline]
    pub fn u64_field(&mut self, key: &str, n: u64) -> Result<(), EncodeError> {
        self.key(key)?;
        self.u64(n)
    }
}

/// `"00"` to `"99"`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Per byte: bit 0 if JSON always escapes it (`"`, `\`, control
/// characters), bit 1 if it is not ASCII.
static ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        if b < 0x20 || b == b'"' as usize || b == b'\\' as usize {
            table[b] = 1;
        } else if b >= 0x80 {
            table[b] = 2;
        }
        b += 1;
    }
    table
};

/// Whether any byte of `s` must be escaped: eight bytes at a time, then
/// the tail through the [`ESCAPE`] table.
#[inline]
fn needs_escape(s: &str, escaping: Escaping) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    /// A byte of `w` is zero (exact as a yes/no answer).
    fn has_zero(w: u64) -> bool {
        w.wrapping_sub(ONES) & !w & HIGHS != 0
    }
    let ascii_only = escaping == Escaping::Ascii;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let Ok(bytes) = <[u8; 8]>::try_from(chunk) else {
            return true;
        };
        let w = u64::from_ne_bytes(bytes);
        let control = w.wrapping_sub(ONES * 0x20) & !w & HIGHS != 0;
        if control
            || has_zero(w ^ (ONES * u64::from(b'"')))
            || has_zero(w ^ (ONES * u64::from(b'\\')))
            || (ascii_only && w & HIGHS != 0)
        {
            return true;
        }
    }
    let mask = escape_mask(escaping);
    chunks
        .remainder()
        .iter()
        .any(|&b| escape_class(b) & mask != 0)
}

/// The [`ESCAPE`] bits that call for escaping in this mode.
#[inline]
fn escape_mask(escaping: Escaping) -> u8 {
    match escaping {
        Escaping::Ascii => 3,
        Escaping::Utf8 => 1,
    }
}

#[inline]
fn escape_class(b: u8) -> u8 {
    ESCAPE.get(usize::from(b)).copied().unwrap_or(1)
}

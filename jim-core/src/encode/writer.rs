//! [`JsonWriter`]: compact JSON into a caller's buffer, never truncating.

use crate::error::EncodeError;
use crate::text::Text;
#[cfg(any(test, target_os = "none"))]
use crate::text::{ESCAPE_LETTERS, ESCAPE_MEANINGS};

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

    // Out of line on bare metal (one copy, not one per call site); see
    // `crate::scan::Cursor::skip_ws`.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
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
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn begin_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = false;
        self.raw(b"{")
    }

    /// `}`
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn end_object(&mut self) -> Result<(), EncodeError> {
        self.has_field = true;
        self.raw(b"}")
    }

    /// `,"key":` — the key must need no escaping.
    #[inline]
    pub fn key(&mut self, key: &str) -> Result<(), EncodeError> {
        self.key_then(key, b"\":")
    }

    /// `,"key` and then `tail` (the colon, and maybe a string's opening
    /// quote: fewer writes).
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    fn key_then(&mut self, key: &str, tail: &[u8]) -> Result<(), EncodeError> {
        // Bare metal: the comma and the opening quote in one write (less
        // code). Hosted: constant-size writes, which compile to stores.
        #[cfg(target_os = "none")]
        {
            let open: &[u8] = if self.has_field { b",\"" } else { b"\"" };
            self.raw(open)?;
        }
        #[cfg(not(target_os = "none"))]
        {
            if self.has_field {
                self.raw(b",")?;
            }
            self.raw(b"\"")?;
        }
        self.has_field = true;
        self.raw(key.as_bytes())?;
        self.raw(tail)
    }

    /// A string value, escaped.
    #[inline]
    pub fn string(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        self.raw(b"\"")?;
        self.string_rest(text)
    }

    /// A string value after its opening quote: the characters, escaped,
    /// and the closing quote.
    #[inline]
    fn string_rest(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        match text.as_plain_str() {
            // The common case: copy in one go.
            Some(plain) if !needs_escape(plain, self.escaping) => self.raw(plain.as_bytes())?,
            _ => self.escaped(text)?,
        }
        self.raw(b"\"")
    }

    /// The characters of a string that needs escaping, one by one.
    #[inline(never)]
    fn escaped(&mut self, text: &Text<'_>) -> Result<(), EncodeError> {
        for c in text.chars() {
            self.char(c)?;
        }
        Ok(())
    }

    fn char(&mut self, c: char) -> Result<(), EncodeError> {
        // `"`, `\` and the control characters with a one-letter escape
        // (the decoder's table, less its last entry: `/` is sent as is).
        if let Some(letter) = short_escape(c) {
            return self.raw(&[b'\\', letter]);
        }
        if c >= ' ' && (c.is_ascii() || self.escaping == Escaping::Utf8) {
            let mut utf8 = [0u8; 4];
            return self.raw(c.encode_utf8(&mut utf8).as_bytes());
        }
        // A control character, or non-ASCII in ASCII mode: `\uXXXX`
        // (a surrogate pair above U+FFFF).
        let mut utf16 = [0u16; 2];
        for &unit in c.encode_utf16(&mut utf16).iter() {
            let mut escape = [0u8; 6];
            unicode_escape(unit, &mut escape);
            self.raw(&escape)?;
        }
        Ok(())
    }

    /// An unsigned integer value. Hosted, four digits per division; on
    /// bare metal, where flash is dear, the smallest loop.
    pub fn u64(&mut self, n: u64) -> Result<(), EncodeError> {
        if cfg!(target_os = "none") {
            self.u64_small(n)
        } else {
            self.u64_fast(n)
        }
    }

    /// [`u64`](JsonWriter::u64) a digit at a time.
    fn u64_small(&mut self, n: u64) -> Result<(), EncodeError> {
        // From the right, into room for u64::MAX's 20 digits.
        let mut digits = [0u8; 20];
        let mut n = n;
        let mut len = 0;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (n % 10) as u8;
            n /= 10;
            len += 1;
            if n == 0 {
                break;
            }
        }
        self.raw(digits.get(digits.len() - len..).unwrap_or_default())
    }

    /// [`u64`](JsonWriter::u64) four digits per division.
    fn u64_fast(&mut self, n: u64) -> Result<(), EncodeError> {
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

    /// The start of a request, `{"action":"…"` as one constant (action
    /// names are ASCII identifiers: no escaping to check).
    #[inline]
    pub(crate) fn begin_request(&mut self, opening: &str) -> Result<(), EncodeError> {
        self.raw(opening.as_bytes())?;
        self.has_field = true;
        Ok(())
    }

    /// `,"key":"text"`
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
    pub fn string_field(&mut self, key: &str, text: &Text<'_>) -> Result<(), EncodeError> {
        self.key_then(key, b"\":\"")?;
        self.string_rest(text)
    }

    /// `,"key":"text"` if present.
    #[cfg_attr(target_os = "none", inline(never))]
    #[cfg_attr(not(target_os = "none"), inline)]
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

    /// A JSON literal (`true`, `null`) after a [`key`](JsonWriter::key).
    pub fn raw_value(&mut self, literal: &[u8]) -> Result<(), EncodeError> {
        self.raw(literal)
    }

    /// `,"key":["…",…]` for a list of names.
    pub fn string_list_field(
        &mut self,
        key: &str,
        list: &crate::message::NameList<'_>,
    ) -> Result<(), EncodeError> {
        self.key(key)?;
        self.raw(b"[")?;
        for (i, name) in list.iter().enumerate() {
            if i > 0 {
                self.raw(b",")?;
            }
            self.string(&name)?;
        }
        self.raw(b"]")
    }

    /// `,"key":n`
    #[inline]
    pub fn u64_field(&mut self, key: &str, n: u64) -> Result<(), EncodeError> {
        self.key(key)?;
        self.u64(n)
    }
}

/// `\uXXXX` for one UTF-16 unit, into `out` (six bytes). (Filling a
/// buffer the caller owns: returning the array measured half again as
/// slow hosted.)
fn unicode_escape(unit: u16, out: &mut [u8]) {
    let nibble = |shift: u16| {
        let d = ((unit >> shift) & 0xF) as u8;
        if d < 10 {
            b'0' + d
        } else {
            b'a' + d - 10
        }
    };
    let escape = [b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)];
    for (dst, b) in out.iter_mut().zip(escape) {
        *dst = b;
    }
}

/// `"00"` to `"99"`.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The one-letter escape of `c`, if it has one (`/` is sent as is).
/// Bare metal shares the decoder's table (less code); hosted, a `match`
/// (faster). A unit test checks that the two agree.
#[inline]
fn short_escape(c: char) -> Option<u8> {
    #[cfg(target_os = "none")]
    return short_escape_table(c);
    #[cfg(not(target_os = "none"))]
    return short_escape_match(c);
}

#[cfg(any(test, target_os = "none"))]
fn short_escape_table(c: char) -> Option<u8> {
    ESCAPE_MEANINGS
        .iter()
        .zip(ESCAPE_LETTERS)
        .take(7)
        .find(|&(&meaning, _)| char::from(meaning) == c)
        .map(|(_, &letter)| letter)
}

#[cfg(any(test, not(target_os = "none")))]
fn short_escape_match(c: char) -> Option<u8> {
    Some(match c {
        '"' => b'"',
        '\\' => b'\\',
        '\n' => b'n',
        '\r' => b'r',
        '\t' => b't',
        '\u{8}' => b'b',
        '\u{c}' => b'f',
        _ => return None,
    })
}

/// Whether any byte of `s` must be escaped: `"`, `\`, a control
/// character, or (in ASCII mode) any byte of a non-ASCII character.
#[inline]
fn needs_escape(s: &str, escaping: Escaping) -> bool {
    let ascii_only = escaping == Escaping::Ascii;
    s.bytes()
        .any(|b| b < 0x20 || b == b'"' || b == b'\\' || (ascii_only && b >= 0x80))
}

#[cfg(test)]
mod tests {
    #[test]
    fn short_escape_variants_agree() {
        for c in (0u32..0x80)
            .filter_map(char::from_u32)
            .chain(['é', '\u{2028}'])
        {
            assert_eq!(
                super::short_escape_table(c),
                super::short_escape_match(c),
                "{c:?}"
            );
        }
        assert_eq!(super::short_escape_match('/'), None);
    }

    extern crate std;

    use super::*;
    use std::{format, vec};

    #[test]
    fn both_integer_writers_agree() {
        let mut values = vec![0, 1, 9, 10, 99, 100, 1_700_000_000, u64::MAX];
        for p in 0..20 {
            let n = 10u64.pow(p);
            values.extend([n - 1, n, n + 1, n.wrapping_mul(7) + 3]);
        }
        for n in values {
            let want = format!("{n}");
            for small in [false, true] {
                let mut buf = [0u8; 20];
                let mut w = JsonWriter::new(&mut buf, Escaping::Ascii);
                if small {
                    w.u64_small(n).unwrap();
                } else {
                    w.u64_fast(n).unwrap();
                }
                let len = w.len();
                assert_eq!(&buf[..len], want.as_bytes(), "{n} small={small}");
            }
            let mut buf = [0u8; 19];
            let short = want.len().min(19) - 1;
            let mut w = JsonWriter::new(&mut buf[..short], Escaping::Ascii);
            assert_eq!(w.u64_small(n), Err(EncodeError::BufferFull));
            let mut w = JsonWriter::new(&mut buf[..short], Escaping::Ascii);
            assert_eq!(w.u64_fast(n), Err(EncodeError::BufferFull));
        }
    }
}

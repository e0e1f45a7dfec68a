//! Byte-level JSON scanning: the framer's [`Scanner`] only has to know
//! where an object ends; the decoder's [`Cursor`] reads one object in a
//! single validating pass. Both track strings, escapes and nesting depth the
//! same way.

mod cursor;
mod scanner;

pub(crate) use cursor::Cursor;
pub(crate) use scanner::{Scanner, Step};

/// Bytes that interrupt a string's run of ordinary bytes: `"`, `\` and
/// the control characters.
static STRING_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = true;
        b += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Whether `b` interrupts a string's run of ordinary bytes: `"`, `\` or a
/// control character. Hosted, one look-up in [`STRING_SPECIAL`] is the
/// fastest (three compares cost a quarter more decode time); on bare
/// metal, where flash is dear, the three compares are smaller than the
/// table.
#[inline]
fn is_string_special(b: u8) -> bool {
    if cfg!(target_os = "none") {
        b < 0x20 || b == b'"' || b == b'\\'
    } else {
        STRING_SPECIAL.get(usize::from(b)).copied().unwrap_or(true)
    }
}

pub(crate) fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// Why an object could not be walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScanError {
    Syntax,
    TooDeep,
}

/// A JSON value as the decoder keeps it: a string's raw content (with what
/// the one scan over it learnt), or the kind of anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// A string: its content between the quotes, escapes intact.
    Str {
        raw: &'a str,
        /// It contains a backslash escape.
        escaped: bool,
        /// It contains a raw control character (invalid in a JIM text).
        control: bool,
    },
    /// `null`.
    Null,
    /// A number, as written (including Python's `-Infinity`).
    Number(&'a str),
    /// `true`.
    True,
    /// An array, as written from `[` to `]` (its contents checked).
    Array(&'a str),
    /// `false`, `NaN`, `Infinity` or an object.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_special_bytes() {
        for b in 0..=u8::MAX {
            assert_eq!(
                is_string_special(b),
                b < 0x20 || b == b'"' || b == b'\\',
                "{b:#x}"
            );
        }
    }
}

//! [`Timestamp`]: the `time` field, in every form peers send it.

use crate::text::Text;

/// Integers at or above this are read as nanoseconds (they would be seconds
/// more than three billion years from now).
const NANOS_THRESHOLD: u64 = 100_000_000_000_000_000;
const NANOS_PER_SECOND: u64 = 1_000_000_000;

/// The `time` of a message, as it was sent.
///
/// Peers send integer seconds, float seconds (`time.time()`), integer
/// nanoseconds (`time.time_ns()`), strings in any format, or nothing. None of
/// them is an error, and none needs floating point: fractional seconds keep
/// their text and their whole seconds are read off it as an integer.
///
/// ```
/// use jim_core::Timestamp;
///
/// assert_eq!(Timestamp::from_json_number("1795617769.892087").unix_seconds(), Some(1795617769));
/// assert_eq!(Timestamp::from_json_number("1795617722216849504").unix_seconds(), Some(1795617722));
/// assert_eq!(Timestamp::Seconds(7).unix_seconds(), Some(7));
/// assert_eq!(Timestamp::Absent.unix_seconds(), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Timestamp<'a> {
    /// No `time` field (or `null`).
    #[default]
    Absent,
    /// Integer Unix seconds: what jim sends.
    Seconds(u64),
    /// Float seconds, e.g. `1795617769.892087`.
    Fractional {
        /// The whole seconds.
        seconds: u64,
        /// The number exactly as sent.
        raw: &'a str,
    },
    /// A very large integer, read as Unix nanoseconds.
    Nanos(u64),
    /// Any other number (negative, with an exponent, out of range), as sent.
    OtherNumber(&'a str),
    /// A string, in whatever format the peer chose.
    Text(Text<'a>),
}

impl<'a> Timestamp<'a> {
    /// Classify the text of a JSON number. Never fails: an odd number is
    /// kept as [`Timestamp::OtherNumber`].
    pub fn from_json_number(raw: &'a str) -> Timestamp<'a> {
        // One pass: the whole seconds (digits only, no overflow), then an
        // optional fraction of digits only.
        let bytes = raw.as_bytes();
        let mut seconds: u64 = 0;
        let mut whole = 0;
        while let Some(&b) = bytes.get(whole).filter(|b| b.is_ascii_digit()) {
            // Would `seconds * 10 + digit` overflow? (Cheaper to ask than
            // a checked multiply on a 32-bit core.)
            let digit = u64::from(b - b'0');
            if seconds > u64::MAX / 10 || (seconds == u64::MAX / 10 && digit > u64::MAX % 10) {
                return Timestamp::OtherNumber(raw);
            }
            seconds = seconds * 10 + digit;
            whole += 1;
        }
        if whole == 0 {
            return Timestamp::OtherNumber(raw);
        }
        match bytes.get(whole..) {
            Some([]) if seconds >= NANOS_THRESHOLD => Timestamp::Nanos(seconds),
            Some([]) => Timestamp::Seconds(seconds),
            Some([b'.', fraction @ ..])
                if !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit) =>
            {
                Timestamp::Fractional { seconds, raw }
            }
            _ => Timestamp::OtherNumber(raw),
        }
    }

    /// Whole Unix seconds, when the form says so; `None` for absent, string
    /// and odd numeric forms.
    pub fn unix_seconds(&self) -> Option<u64> {
        match *self {
            Timestamp::Seconds(s) | Timestamp::Fractional { seconds: s, .. } => Some(s),
            Timestamp::Nanos(ns) => Some(ns / NANOS_PER_SECOND),
            Timestamp::Absent | Timestamp::OtherNumber(_) | Timestamp::Text(_) => None,
        }
    }

    /// `true` unless absent.
    pub fn is_present(&self) -> bool {
        !matches!(self, Timestamp::Absent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_numbers() {
        assert_eq!(Timestamp::from_json_number("1"), Timestamp::Seconds(1));
        assert_eq!(
            Timestamp::from_json_number("1.1"),
            Timestamp::Fractional {
                seconds: 1,
                raw: "1.1"
            }
        );
        assert_eq!(
            Timestamp::from_json_number("1653130045655173000"),
            Timestamp::Nanos(1653130045655173000)
        );
        assert_eq!(
            Timestamp::from_json_number("18446744073709551615"),
            Timestamp::Nanos(u64::MAX)
        );
        assert_eq!(
            Timestamp::from_json_number("09999999999999999999"),
            Timestamp::Nanos(9999999999999999999)
        );
        for odd in [
            "-1",
            "1e9",
            "1.",
            "99999999999999999999",
            "18446744073709551616",
            "100000000000000000000",
            "1.5e3",
            "",
        ] {
            assert_eq!(
                Timestamp::from_json_number(odd),
                Timestamp::OtherNumber(odd),
                "{odd}"
            );
        }
    }
}

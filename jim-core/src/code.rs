//! [`StatusCode`]: the number in a JIM `response`.

use core::fmt;

/// A JIM response code. Any number from 0 to 999 is representable, so a code
/// this crate has no name for keeps its value (`205`, `511`, …).
///
/// ```
/// use jim_core::StatusCode;
///
/// assert!(StatusCode::OK.is_success());
/// assert_eq!(StatusCode::CONFLICT.reason(), Some("Conflict"));
/// let odd = StatusCode::new(511).unwrap();
/// assert_eq!((odd.as_u16(), odd.reason()), (511, None));
/// assert!(StatusCode::new(1000).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StatusCode(u16);

impl StatusCode {
    /// `100` basic notice.
    pub const BASIC_NOTICE: StatusCode = StatusCode(100);
    /// `101` important notice.
    pub const IMPORTANT_NOTICE: StatusCode = StatusCode(101);
    /// `200` OK.
    pub const OK: StatusCode = StatusCode(200);
    /// `201` created.
    pub const CREATED: StatusCode = StatusCode(201);
    /// `202` accepted (e.g. a contact list follows).
    pub const ACCEPTED: StatusCode = StatusCode(202);
    /// `400` malformed JSON or request.
    pub const BAD_REQUEST: StatusCode = StatusCode(400);
    /// `401` not authorised.
    pub const UNAUTHORIZED: StatusCode = StatusCode(401);
    /// `402` wrong login or password.
    pub const WRONG_CREDENTIALS: StatusCode = StatusCode(402);
    /// `403` forbidden (user blocked).
    pub const FORBIDDEN: StatusCode = StatusCode(403);
    /// `404` user or room not found.
    pub const NOT_FOUND: StatusCode = StatusCode(404);
    /// `409` an account with that name is already connected.
    pub const CONFLICT: StatusCode = StatusCode(409);
    /// `410` recipient exists but is offline.
    pub const GONE: StatusCode = StatusCode(410);
    /// `500` server error.
    pub const SERVER_ERROR: StatusCode = StatusCode(500);

    /// A code from its number; `None` above 999.
    pub const fn new(code: u16) -> Option<StatusCode> {
        if code <= 999 {
            Some(StatusCode(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn as_u16(self) -> u16 {
        self.0
    }

    /// `1xx`: a notice.
    pub const fn is_notice(self) -> bool {
        self.0 >= 100 && self.0 < 200
    }

    /// `2xx`: success.
    pub const fn is_success(self) -> bool {
        self.0 >= 200 && self.0 < 300
    }

    /// `4xx` or `5xx`: the answer carries `error` rather than `alert`.
    pub const fn is_error(self) -> bool {
        self.0 >= 400
    }

    /// The protocol's name for the code, if it has one.
    pub const fn reason(self) -> Option<&'static str> {
        Some(match self.0 {
            100 => "Basic notice",
            101 => "Important notice",
            200 => "OK",
            201 => "Created",
            202 => "Accepted",
            400 => "Bad Request",
            401 => "Not authorised",
            402 => "Wrong login or password",
            403 => "Forbidden",
            404 => "Not found",
            409 => "Conflict",
            410 => "Gone",
            500 => "Server error",
            _ => return None,
        })
    }
}

impl fmt::Display for StatusCode {
    /// `200 OK`, or just the number when the code has no name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason() {
            Some(reason) => write!(f, "{} {}", self.0, reason),
            None => write!(f, "{}", self.0),
        }
    }
}

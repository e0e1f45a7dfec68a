//! The protocol's size limits (course specification).

/// Largest message, in bytes, and the framer's default capacity.
pub const MAX_MESSAGE: usize = 640;
/// Longest `action`, in characters.
pub const MAX_ACTION: usize = 15;
/// Longest `account_name`, `status`, `password` or room name, in characters.
pub const MAX_NAME: usize = 25;
/// Longest `message` text, in characters.
pub const MAX_TEXT: usize = 500;
/// Deepest nesting of objects and arrays accepted. JIM needs 3 (a list
/// inside `user` inside the message); the cap keeps any recursive parser's
/// stack use bounded whatever a peer sends.
pub const MAX_DEPTH: u32 = 8;

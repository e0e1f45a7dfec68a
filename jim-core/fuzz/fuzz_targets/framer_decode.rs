//! The framer feeding the decoder, as a server does: a stream through one
//! `Framer` (all at once, as much as fits each time), and each frame it
//! yields decoded once. Nothing may panic; a decoded message's `action` or
//! `response` came from a frame that starts with `{`.

#![no_main]

use jim_core::{decode, Framer};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut framer: Framer = Framer::new();
    let mut rest = data;
    while !rest.is_empty() {
        let n = framer.push(rest);
        assert!(n > 0, "framer accepted no bytes");
        rest = &rest[n..];
        while let Some(frame) = framer.next_frame() {
            let Ok(frame) = frame else { continue };
            assert_eq!(frame.first(), Some(&b'{'));
            let _ = decode(frame);
        }
    }
});

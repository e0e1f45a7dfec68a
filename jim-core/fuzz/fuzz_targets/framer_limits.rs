//! Small capacities, overlong objects, deep nesting and garbage: the framer
//! never panics, and what it yields — every frame and every typed error —
//! equals a reference model that reads the whole stream at once with no
//! buffer to manage. Agreeing with the model after an error is the
//! recovery property: the framer resynchronises exactly where the model
//! says, whatever was skipped.
//!
//! Input layout: byte 0 picks the capacity (`CAPS[b % 8]`), byte 1 the
//! chunk size (`b % 64 + 1`), the rest is the stream.

#![no_main]

use jim_core::{FrameError, Framer};
use libfuzzer_sys::fuzz_target;

type Frames = Vec<Result<Vec<u8>, FrameError>>;

/// The framer's depth cap (`jim_core::limits::MAX_DEPTH`).
const MAX_DEPTH: u32 = 8;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Between,
    Object,
    Skip,
    Garbage,
}

/// Strings, escapes and depth, as JSON has them.
#[derive(Default)]
struct Scan {
    depth: u32,
    in_string: bool,
    escaped: bool,
}

impl Scan {
    /// `Some(true)` for an opening bracket, `Some(false)` for a closing
    /// one, `None` for anything else (strings included).
    fn step(&mut self, b: u8) -> Option<bool> {
        if self.in_string {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_string = false;
            }
            return None;
        }
        match b {
            b'"' => {
                self.in_string = true;
                None
            }
            b'{' | b'[' => {
                self.depth += 1;
                Some(true)
            }
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                Some(false)
            }
            _ => None,
        }
    }
}

/// What a framer of capacity `cap` must yield for `stream`, and its mode
/// at the end.
fn model(stream: &[u8], cap: usize) -> (Frames, Mode) {
    let mut out = Frames::new();
    let mut mode = Mode::Between;
    let mut scan = Scan::default();
    let mut start = 0;
    for (i, &b) in stream.iter().enumerate() {
        match mode {
            Mode::Between | Mode::Garbage if b == b'{' => {
                mode = Mode::Object;
                start = i;
                scan = Scan::default();
                scan.step(b);
            }
            Mode::Between if matches!(b, b' ' | b'\t' | b'\n' | b'\r') => {}
            Mode::Between => {
                mode = Mode::Garbage;
                out.push(Err(FrameError::Garbage));
            }
            Mode::Garbage if b == b'\n' => mode = Mode::Between,
            Mode::Garbage => {}
            Mode::Object => match scan.step(b) {
                Some(true) if scan.depth > MAX_DEPTH => {
                    mode = Mode::Skip;
                    out.push(Err(FrameError::TooDeep));
                }
                Some(false) if scan.depth == 0 => {
                    mode = Mode::Between;
                    out.push(Ok(stream[start..=i].to_vec()));
                }
                _ => {}
            },
            Mode::Skip => {
                if scan.step(b) == Some(false) && scan.depth == 0 {
                    mode = Mode::Between;
                }
            }
        }
        // Still open with the buffer full: too large.
        if mode == Mode::Object && i + 1 - start >= cap {
            mode = Mode::Skip;
            out.push(Err(FrameError::TooLarge));
        }
    }
    (out, mode)
}

fn run<const N: usize>(stream: &[u8], chunk: usize) {
    let mut framer = Framer::<N>::new();
    let mut frames = Frames::new();
    for piece in stream.chunks(chunk) {
        let mut rest = piece;
        while !rest.is_empty() {
            let n = framer.push(rest);
            assert!(n > 0, "framer accepted no bytes");
            rest = &rest[n..];
            while let Some(frame) = framer.next_frame() {
                if let Err(e) = frame {
                    // Typed, with a code and a text for the answer.
                    assert_eq!(e.status_code().as_u16(), 400);
                    assert!(!e.as_str().is_empty());
                }
                frames.push(frame.map(<[u8]>::to_vec));
            }
        }
    }
    let (expected, mode) = model(stream, N);
    assert_eq!(frames, expected, "framer and model disagree (capacity {N})");
    assert_eq!(
        framer.is_mid_object(),
        matches!(mode, Mode::Object | Mode::Skip)
    );
    assert_eq!(framer.is_idle(), mode == Mode::Between);
    // After a reset it is as good as new.
    framer.reset();
    assert!(framer.is_idle());
    framer.push(b"{}");
    assert_eq!(framer.next_frame(), Some(Ok(&b"{}"[..])));
}

fuzz_target!(|data: &[u8]| {
    let [cap, chunk, stream @ ..] = data else {
        return;
    };
    let chunk = usize::from(chunk % 64) + 1;
    match cap % 8 {
        0 => run::<2>(stream, chunk),
        1 => run::<3>(stream, chunk),
        2 => run::<7>(stream, chunk),
        3 => run::<8>(stream, chunk),
        4 => run::<16>(stream, chunk),
        5 => run::<31>(stream, chunk),
        6 => run::<64>(stream, chunk),
        _ => run::<640>(stream, chunk),
    }
});

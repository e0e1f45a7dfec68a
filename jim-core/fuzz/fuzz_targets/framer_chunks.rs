//! The property: how a stream is chunked does not change what the framer
//! yields.
//!
//! Input layout: the first byte `k` picks the capacity (bit 3: 32, else
//! 640) and the way bytes go in (bit 4: `space`/`commit`, else `push`);
//! `k % 8` of the next bytes are chunk sizes (cycled; 0 counts as 1); the
//! rest is the stream. The stream is fed once in those chunks and once all
//! at once (as much as fits, each time), and both runs must yield the same
//! frames. Two framer passes and no decoding, so it stays fast.

#![no_main]

use jim_core::{FrameError, Framer};
use libfuzzer_sys::fuzz_target;

type Frames = Vec<Result<Vec<u8>, FrameError>>;

/// Feeds `stream` in chunks of `sizes` (all at once when empty).
fn run<const N: usize>(stream: &[u8], sizes: &[u8], use_space: bool) -> Frames {
    let mut framer = Framer::<N>::new();
    let mut frames = Frames::new();
    let mut rest = stream;
    let mut sizes = sizes.iter().map(|&s| usize::from(s).max(1)).cycle();
    while !rest.is_empty() {
        let want = sizes.next().unwrap_or(usize::MAX).min(rest.len());
        let n = if use_space {
            let space = framer.space();
            assert!(!space.is_empty(), "no space after next_frame gave None");
            let n = want.min(space.len());
            space[..n].copy_from_slice(&rest[..n]);
            framer.commit(n);
            n
        } else {
            framer.push(&rest[..want])
        };
        assert!(n > 0, "framer accepted no bytes");
        rest = &rest[n..];
        while let Some(frame) = framer.next_frame() {
            if let Ok(f) = frame {
                assert!(f.len() <= N, "frame longer than capacity");
                assert_eq!(f.first(), Some(&b'{'));
                assert!(matches!(f.last(), Some(b'}' | b']')));
            }
            frames.push(frame.map(<[u8]>::to_vec));
        }
    }
    frames
}

fn check<const N: usize>(stream: &[u8], sizes: &[u8], use_space: bool) {
    let chunked = run::<N>(stream, sizes, use_space);
    // The reference run always pushes, so `space`/`commit` is compared too.
    let whole = run::<N>(stream, &[], false);
    assert_eq!(chunked, whole, "chunking changed the frames");
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let count = usize::from(k % 8).min(rest.len());
    let (sizes, stream) = rest.split_at(count);
    let use_space = k & 0x10 != 0;
    if k & 0x08 != 0 {
        check::<32>(stream, sizes, use_space);
    } else {
        check::<640>(stream, sizes, use_space);
    }
});

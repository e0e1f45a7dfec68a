//! Arbitrary bytes, arbitrarily chunked, through the framer; every frame is
//! also decoded.
//!
//! Input layout: the first byte `k` says how many of the following bytes
//! (`k % 8`) are chunk sizes; the rest is the stream. The stream is fed
//! three ways (the fuzzer's chunk sizes, one byte at a time, all at once)
//! through framers of two capacities, and each way must yield the same
//! frames.

#![no_main]

use jim_core::{decode, server, FrameError, Framer, Response};
use libfuzzer_sys::fuzz_target;

type Frames = Vec<Result<Vec<u8>, FrameError>>;

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
                check_frame(f);
            }
            frames.push(frame.map(<[u8]>::to_vec));
        }
    }
    frames
}

fn check_frame(frame: &[u8]) {
    let _ = decode(frame);
    let _ = Response::decode(frame);
    let step = server::step(Ok(frame), 1);
    assert!(step.is_quit() || step.response.is_some());
}

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let k = usize::from(k % 8).min(rest.len());
    let (sizes, stream) = rest.split_at(k);

    let chosen = run::<640>(stream, sizes, false);
    assert_eq!(chosen, run::<640>(stream, &[1], true));
    assert_eq!(chosen, run::<640>(stream, &[], true));

    let small = run::<32>(stream, sizes, true);
    assert_eq!(small, run::<32>(stream, &[1], false));
    assert_eq!(small, run::<32>(stream, &[], false));
});

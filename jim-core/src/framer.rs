//! [`Framer`]: splits a byte stream into JSON objects, without IO.
//!
//! JIM has no framing: peers write one JSON object per `send` and nothing
//! between them. TCP may deliver two objects in one read or one object over
//! many. The framer accepts bytes in any chunking and yields each complete
//! top-level object. Whitespace between objects is skipped; an object over
//! capacity or nested too deeply is reported once and skipped; bytes outside
//! any object are reported once per run (a run ends at a newline or the
//! next `{`) and skipped.

use crate::error::FrameError;
use crate::limits::{MAX_DEPTH, MAX_MESSAGE};
use crate::scan::{is_whitespace, Scanner, Step};

/// Where the next object lies in a framer's buffer, or what was wrong.
pub(crate) type FrameRange = Result<(usize, usize), FrameError>;

/// A fixed-capacity, sans-IO splitter of a byte stream into JSON objects.
///
/// `N` is the largest object it can hold (default: the protocol's 640
/// bytes). It copies nothing it does not have to: read straight into
/// [`space`](Framer::space) and [`commit`](Framer::commit), or
/// [`push`](Framer::push) a slice you already have.
///
/// ```
/// use jim_core::{Framer, FrameError};
///
/// let mut framer: Framer = Framer::new();
/// let mut frames = 0;
/// // Two objects in one chunk, then one split across chunks, then garbage.
/// for chunk in [&b"{\"a\":1} {\"b\":"[..], b"2}\n", b"oops{\"c\":3}"] {
///     let mut rest = chunk;
///     while !rest.is_empty() {
///         let n = framer.push(rest);
///         rest = &rest[n..];
///         while let Some(frame) = framer.next_frame() {
///             match frame {
///                 Ok(object) => { assert_eq!(object[0], b'{'); frames += 1; }
///                 Err(e) => assert_eq!(e, FrameError::Garbage),
///             }
///         }
///     }
/// }
/// assert_eq!(frames, 3);
/// ```
pub struct Framer<const N: usize = MAX_MESSAGE> {
    buf: [u8; N],
    /// Start of the bytes not yet handed out or skipped.
    start: usize,
    /// Next byte to scan.
    pos: usize,
    /// End of the filled bytes.
    len: usize,
    mode: Mode,
    scanner: Scanner,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between objects: whitespace is skipped, `{` starts an object.
    Between,
    /// Inside an object that started at `start`.
    Object,
    /// Skipping the rest of an object already reported as an error.
    Skip,
    /// Skipping bytes outside any object, already reported.
    Garbage,
}

#[cfg(feature = "defmt")]
impl<const N: usize> defmt::Format for Framer<N> {
    /// The state, not the bytes: `Framer { capacity: 640, buffered: 12, mid_object: true }`.
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(
            f,
            "Framer {{ capacity: {=usize}, buffered: {=usize}, mid_object: {=bool} }}",
            N,
            self.len.saturating_sub(self.start),
            self.is_mid_object()
        )
    }
}

impl<const N: usize> Default for Framer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Framer<N> {
    /// An empty framer.
    pub const fn new() -> Self {
        Framer {
            buf: [0; N],
            start: 0,
            pos: 0,
            len: 0,
            mode: Mode::Between,
            scanner: Scanner::new(),
        }
    }

    /// The largest object this framer can hold.
    pub const fn capacity(&self) -> usize {
        N
    }

    /// `true` when bytes of an unfinished object are buffered (a peer that
    /// disconnects now has cut a message short).
    pub fn is_mid_object(&self) -> bool {
        matches!(self.mode, Mode::Object | Mode::Skip)
    }

    /// `true` when nothing is buffered and no object or skip is under way:
    /// the framer could be dropped and a new one would carry on the same
    /// (a server holds a framer only while a client is mid-message).
    pub fn is_idle(&self) -> bool {
        self.mode == Mode::Between && self.pos == self.len
    }

    /// Free space to read into; pass the count read to
    /// [`commit`](Framer::commit). Never empty after
    /// [`next_frame`](Framer::next_frame) has returned `None`.
    pub fn space(&mut self) -> &mut [u8] {
        self.compact();
        self.buf.get_mut(self.len..).unwrap_or_default()
    }

    /// Marks `n` bytes written into [`space`](Framer::space) as filled.
    /// Counts beyond the free space are clamped.
    pub fn commit(&mut self, n: usize) {
        self.len = self.len.saturating_add(n).min(N);
    }

    /// Copies as much of `data` as fits and returns how many bytes that was.
    /// Call [`next_frame`](Framer::next_frame) until it returns `None` before
    /// pushing the rest.
    pub fn push(&mut self, data: &[u8]) -> usize {
        let space = self.space();
        let n = space.len().min(data.len());
        if let (Some(dst), Some(src)) = (space.get_mut(..n), data.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.commit(n);
        n
    }

    /// Drops everything buffered and starts afresh.
    pub fn reset(&mut self) {
        *self = Self::new();
    }

    /// The next complete object, a stream error, or `None` when more bytes
    /// are needed.
    pub fn next_frame(&mut self) -> Option<Result<&[u8], FrameError>> {
        Some(
            self.next_range()?
                .map(|(start, end)| self.slice(start, end)),
        )
    }

    /// Like [`next_frame`](Framer::next_frame) but returns the object's
    /// range, so a caller in a read loop can borrow the buffer afterwards.
    pub(crate) fn next_range(&mut self) -> Option<FrameRange> {
        self.scan()
    }

    /// The bytes of a range returned by `next_range` (empty if stale).
    pub(crate) fn slice(&self, start: usize, end: usize) -> &[u8] {
        self.buf.get(start..end).unwrap_or_default()
    }

    /// Makes room at the end. Consumed bytes are dropped for free when
    /// nothing is pending; pending bytes are moved to the front only once
    /// less than half the buffer is free, so a transport that delivers one
    /// byte per read costs amortised O(1) copying per byte, not O(N).
    fn compact(&mut self) {
        if self.start == self.len {
            self.start = 0;
            self.pos = 0;
            self.len = 0;
        } else if self.start > 0 && N - self.len < N / 2 {
            self.buf.copy_within(self.start..self.len, 0);
            self.len -= self.start;
            self.pos -= self.start;
            self.start = 0;
        }
    }

    fn begin_object(&mut self, at: usize) {
        self.mode = Mode::Object;
        self.start = at;
        self.scanner = Scanner::new();
        self.scanner.step(b'{');
    }

    /// The state machine: the range of the next object, or an error.
    fn scan(&mut self) -> Option<FrameRange> {
        while let Some(&b) = self.buf.get(self.pos).filter(|_| self.pos < self.len) {
            self.pos += 1;
            match self.mode {
                Mode::Between | Mode::Garbage if b == b'{' => self.begin_object(self.pos - 1),
                Mode::Between if is_whitespace(b) => self.start = self.pos,
                Mode::Between => {
                    self.mode = Mode::Garbage;
                    self.start = self.pos;
                    return Some(Err(FrameError::Garbage));
                }
                // A line of garbage ends at its newline: someone typing at
                // `nc` gets one answer per line, not one per session.
                Mode::Garbage if b == b'\n' => {
                    self.mode = Mode::Between;
                    self.start = self.pos;
                }
                Mode::Garbage => self.start = self.pos,
                Mode::Object => {
                    let step = self.scanner.step(b);
                    if step == Step::Open && self.scanner.depth > MAX_DEPTH {
                        self.mode = Mode::Skip;
                        self.start = self.pos;
                        return Some(Err(FrameError::TooDeep));
                    }
                    if step == Step::Close && self.scanner.depth == 0 {
                        self.mode = Mode::Between;
                        let frame = (self.start, self.pos);
                        self.start = self.pos;
                        return Some(Ok(frame));
                    }
                }
                Mode::Skip => {
                    self.start = self.pos;
                    if self.scanner.step(b) == Step::Close && self.scanner.depth == 0 {
                        self.mode = Mode::Between;
                    }
                }
            }
        }
        if self.mode == Mode::Object && self.len - self.start >= N {
            // The object fills the whole buffer and is still open.
            self.mode = Mode::Skip;
            self.start = self.len;
            return Some(Err(FrameError::TooLarge));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `input` in chunks of `chunk` bytes and records what came out.
    fn run<const N: usize>(
        input: &[u8],
        chunk: usize,
    ) -> ([Result<[u8; 16], FrameError>; 8], usize) {
        let mut framer = Framer::<N>::new();
        let mut out = [Ok([0u8; 16]); 8];
        let mut count = 0;
        for piece in input.chunks(chunk) {
            let mut rest = piece;
            while !rest.is_empty() {
                let n = framer.push(rest);
                rest = &rest[n..];
                while let Some(frame) = framer.next_frame() {
                    out[count] = frame.map(|f| {
                        let mut copy = [0u8; 16];
                        copy[..f.len()].copy_from_slice(f);
                        copy
                    });
                    count += 1;
                }
            }
        }
        (out, count)
    }

    fn obj(s: &str) -> Result<[u8; 16], FrameError> {
        let mut copy = [0u8; 16];
        copy[..s.len()].copy_from_slice(s.as_bytes());
        Ok(copy)
    }

    #[test]
    fn any_chunking_same_frames() {
        let input = br#" {"a":"}"} {"b":[1]}
{"c":{}}"#;
        for chunk in 1..input.len() {
            let (out, n) = run::<16>(input, chunk);
            assert_eq!(n, 3, "chunk {chunk}");
            assert_eq!(out[0], obj(r#"{"a":"}"}"#));
            assert_eq!(out[1], obj(r#"{"b":[1]}"#));
            assert_eq!(out[2], obj(r#"{"c":{}}"#));
        }
    }

    #[test]
    fn oversize_reported_once_then_resync() {
        let input = br#"{"long":"0123456789abcdef{}"}{"ok":1}"#;
        for chunk in [1, 3, 7, 64] {
            let (out, n) = run::<16>(input, chunk);
            assert_eq!(n, 2, "chunk {chunk}");
            assert_eq!(out[0], Err(FrameError::TooLarge));
            assert_eq!(out[1], obj(r#"{"ok":1}"#));
        }
    }

    #[test]
    fn object_of_exactly_capacity_fits() {
        let (out, n) = run::<8>(br#"{"a":12}"#, 1);
        assert_eq!((n, out[0].is_ok()), (1, true));
    }

    #[test]
    fn garbage_reported_once_per_run() {
        let (out, n) = run::<16>(b"hello world{\"a\":1}]]{}", 2);
        assert_eq!(n, 4);
        assert_eq!(out[0], Err(FrameError::Garbage));
        assert_eq!(out[1], obj(r#"{"a":1}"#));
        assert_eq!(out[2], Err(FrameError::Garbage));
        assert_eq!(out[3], obj("{}"));
    }

    #[test]
    fn each_line_of_garbage_is_its_own_run() {
        let (out, n) = run::<16>(b"hello\nworld\r\n\n  {}", 1);
        assert_eq!(n, 3);
        assert_eq!(out[0], Err(FrameError::Garbage));
        assert_eq!(out[1], Err(FrameError::Garbage));
        assert_eq!(out[2], obj("{}"));
    }

    #[test]
    fn idle_between_objects_only() {
        let mut framer = Framer::<16>::new();
        assert!(framer.is_idle());
        framer.push(b"{\"a\":1} {");
        assert!(!framer.is_idle());
        assert!(framer.next_frame().unwrap().is_ok());
        assert!(framer.next_frame().is_none());
        assert!(!framer.is_idle()); // mid-object
        framer.push(b"}\n");
        assert!(framer.next_frame().unwrap().is_ok());
        assert!(framer.next_frame().is_none());
        assert!(framer.is_idle());
        framer.push(b"oops");
        assert!(framer.next_frame().unwrap().is_err());
        assert!(framer.next_frame().is_none());
        assert!(!framer.is_idle()); // inside a garbage line
    }

    #[test]
    fn too_deep_skipped() {
        let (out, n) = run::<64>(b"{\"a\":[[[[[[[[[[1]]]]]]]]]]}{}", 5);
        assert_eq!(n, 2);
        assert_eq!(out[0], Err(FrameError::TooDeep));
        assert_eq!(out[1], obj("{}"));
    }
}

//! [`Outbox`]: one client's queue of lines, written as its socket and its
//! way of reading allow.
//!
//! Most course clients read one JSON object per `recv()`: two objects that
//! reach their socket together are lost to them. So until a client shows
//! it reads a stream — it sent a newline, as jim's own client, `nc` and
//! line-based programs do — it gets one line per write, and the next line
//! only [`PACE`] after the last one was written, which is what such
//! clients need to see them apart. Clients that read a stream get as many
//! lines per write as fit (`writev`).

use std::collections::VecDeque;
use std::io::{self, IoSlice, Write};
use std::time::Duration;

use crate::hub::Line;

/// The gap between two lines to a client that reads one object per
/// `recv()`. About 10 ms is what the course's clients were seen to need.
pub(crate) const PACE: Duration = Duration::from_millis(10);

/// Lines per `writev`.
const MAX_SLICES: usize = 64;

/// What a flush achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flushed {
    /// Everything is written.
    Done,
    /// The socket is full: wait until it is writable.
    Blocked,
    /// Paced: write again at this time.
    Paced(Duration),
}

/// Lines waiting for one client.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    lines: VecDeque<Line>,
    /// Bytes of the front line already written.
    offset: usize,
    /// Bytes not yet written.
    queued: usize,
    /// The client reads a stream: lines may share a write.
    streams: bool,
    /// When the next line may start (paced clients).
    not_before: Duration,
}

impl Outbox {
    pub fn push(&mut self, line: Line) {
        self.queued += line.len();
        self.lines.push_back(line);
    }

    /// Drops everything not yet written.
    pub fn clear(&mut self) {
        self.lines.clear();
        self.offset = 0;
        self.queued = 0;
    }

    /// Bytes not yet written.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// The client has shown it reads a stream.
    pub fn set_streams(&mut self) {
        self.streams = true;
    }

    /// Writes what it may now.
    pub fn flush(&mut self, stream: &mut impl Write, now: Duration) -> io::Result<Flushed> {
        while !self.lines.is_empty() {
            if !self.streams && self.offset == 0 && now < self.not_before {
                return Ok(Flushed::Paced(self.not_before));
            }
            let written = if self.streams {
                let mut slices = [IoSlice::new(&[]); MAX_SLICES];
                let mut count = 0;
                for (i, line) in self.lines.iter().take(MAX_SLICES).enumerate() {
                    let bytes = if i == 0 {
                        line.get(self.offset..).unwrap_or_default()
                    } else {
                        line
                    };
                    if let Some(slot) = slices.get_mut(i) {
                        *slot = IoSlice::new(bytes);
                        count += 1;
                    }
                }
                stream.write_vectored(slices.get(..count).unwrap_or_default())
            } else {
                let front = self
                    .lines
                    .front()
                    .map(|l| l.get(self.offset..).unwrap_or_default());
                stream.write(front.unwrap_or_default())
            };
            match written {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.consume(n, now),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Flushed::Blocked),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // An idle client keeps no buffer.
        if self.lines.capacity() > 16 {
            self.lines = VecDeque::new();
        }
        Ok(Flushed::Done)
    }

    /// Drops `n` written bytes from the front.
    fn consume(&mut self, mut n: usize, now: Duration) {
        self.queued = self.queued.saturating_sub(n);
        while n > 0 {
            let Some(front) = self.lines.front() else {
                return;
            };
            let left = front.len().saturating_sub(self.offset);
            if n < left {
                self.offset += n;
                return;
            }
            n -= left;
            self.lines.pop_front();
            self.offset = 0;
            self.not_before = now + PACE;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that takes `room` bytes, then blocks.
    struct Socket {
        written: Vec<u8>,
        writes: usize,
        room: usize,
    }

    impl Write for Socket {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.room == 0 {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(self.room);
            self.room -= n;
            self.written.extend_from_slice(&buf[..n]);
            self.writes += 1;
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn socket(room: usize) -> Socket {
        Socket {
            written: Vec::new(),
            writes: 0,
            room,
        }
    }

    fn line(s: &str) -> Line {
        Line::from(s.as_bytes())
    }

    #[test]
    fn a_client_that_reads_objects_gets_one_per_write_paced() {
        let mut outbox = Outbox::default();
        outbox.push(line("{\"a\":1}\n"));
        outbox.push(line("{\"b\":2}\n"));
        let mut s = socket(1000);
        let t = Duration::from_secs(1);
        assert_eq!(outbox.flush(&mut s, t).unwrap(), Flushed::Paced(t + PACE));
        assert_eq!((s.written.as_slice(), s.writes), (&b"{\"a\":1}\n"[..], 1));
        // Not before the pace.
        assert_eq!(
            outbox.flush(&mut s, t + PACE / 2).unwrap(),
            Flushed::Paced(t + PACE)
        );
        assert_eq!(outbox.flush(&mut s, t + PACE).unwrap(), Flushed::Done);
        assert_eq!(s.writes, 2);
        assert_eq!(outbox.queued(), 0);
    }

    #[test]
    fn a_client_that_reads_a_stream_gets_lines_together() {
        let mut outbox = Outbox::default();
        outbox.set_streams();
        for _ in 0..3 {
            outbox.push(line("{}\n"));
        }
        let mut s = socket(1000);
        assert_eq!(outbox.flush(&mut s, Duration::ZERO).unwrap(), Flushed::Done);
        assert_eq!(s.written, b"{}\n{}\n{}\n");
        // The default write_vectored writes the first slice; either way
        // every byte went out in order.
    }

    #[test]
    fn a_full_socket_keeps_the_rest_in_order() {
        let mut outbox = Outbox::default();
        outbox.set_streams();
        outbox.push(line("abcdef\n"));
        outbox.push(line("gh\n"));
        let mut s = socket(4);
        assert_eq!(
            outbox.flush(&mut s, Duration::ZERO).unwrap(),
            Flushed::Blocked
        );
        assert_eq!(outbox.queued(), 6);
        s.room = 100;
        assert_eq!(outbox.flush(&mut s, Duration::ZERO).unwrap(), Flushed::Done);
        assert_eq!(s.written, b"abcdef\ngh\n");
    }

    #[test]
    fn a_line_cut_short_is_finished_before_pacing_applies() {
        let mut outbox = Outbox::default();
        outbox.push(line("0123456789\n"));
        outbox.push(line("x\n"));
        let mut s = socket(5);
        let t = Duration::from_secs(3);
        assert_eq!(outbox.flush(&mut s, t).unwrap(), Flushed::Blocked);
        s.room = 100;
        // The rest of the cut line goes at once; the next one is paced.
        assert_eq!(outbox.flush(&mut s, t).unwrap(), Flushed::Paced(t + PACE));
        assert_eq!(s.written, b"0123456789\n");
    }
}

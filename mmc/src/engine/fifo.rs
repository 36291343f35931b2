//! The FIFO between a source reader thread and the thread that sends WRITE
//! commands: a fixed set of chunk-sized buffers circulates between the two
//! (full ones to the writer, empty ones back), so the drive is fed from
//! memory while the source (a file, a pipe, an ISO image being generated)
//! is read in parallel, and no buffer is allocated or copied per chunk.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Default FIFO size: 4 MiB (xorriso's default `-fs 4m`).
pub const DEFAULT_FIFO_BYTES: usize = 4 << 20;

/// One message from the reader.
pub(crate) enum Chunk {
    /// A buffer with this many valid bytes at its start.
    Data(Vec<u8>, usize),
    /// The source ended after all data promised (or, for sources of
    /// unknown size, at EOF).
    End,
    /// Reading failed.
    Failed(io::Error),
}

/// State shared by both ends, under one lock.
struct State {
    /// Chunks read and not yet taken, oldest first.
    full: VecDeque<Chunk>,
    /// Buffers given back by the writer.
    empty: Vec<Vec<u8>>,
    /// Data bytes in `full`.
    filled: usize,
    /// Buffers allocated so far (at most `buffers`).
    allocated: usize,
    reader_waiting: bool,
    writer_waiting: bool,
    /// The writer hung up: the reader stops.
    writer_gone: bool,
    /// The reader thread ended (normally after End/Failed, or by panic).
    reader_gone: bool,
}

struct Shared {
    state: Mutex<State>,
    /// Signalled when `full` gains a chunk while the writer waits.
    data: Condvar,
    /// Signalled when enough buffers are free again while the reader
    /// waits, or the writer hung up.
    space: Condvar,
    chunk: usize,
    buffers: usize,
    /// The reader sleeps until this many buffers are free: one wake-up
    /// per several chunks instead of one per chunk while the drive is the
    /// bottleneck.
    low_water: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves consistent state (plain
        // pushes and pops): recover the guard.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The writer's end of the FIFO.
pub(crate) struct FifoReader {
    shared: Arc<Shared>,
}

impl FifoReader {
    /// The next chunk; a vanished reader thread counts as a failure.
    pub(crate) fn next(&mut self) -> Chunk {
        let sh = &*self.shared;
        let mut st = sh.lock();
        loop {
            if let Some(c) = st.full.pop_front() {
                if let Chunk::Data(_, n) = &c {
                    st.filled -= n;
                }
                return c;
            }
            if st.reader_gone {
                return Chunk::Failed(io::Error::other("the source reader stopped unexpectedly"));
            }
            st.writer_waiting = true;
            st = sh.data.wait(st).unwrap_or_else(|p| p.into_inner());
            st.writer_waiting = false;
        }
    }

    /// Gives a buffer back for reuse.
    pub(crate) fn recycle(&mut self, buf: Vec<u8>) {
        let sh = &*self.shared;
        let mut st = sh.lock();
        st.empty.push(buf);
        if st.reader_waiting && st.empty.len() >= sh.low_water {
            sh.space.notify_one();
        }
    }

    /// Bytes read and not yet taken by the writer.
    pub(crate) fn filled(&self) -> usize {
        self.shared.lock().filled
    }

    pub(crate) fn capacity(&self) -> usize {
        self.shared.buffers * self.shared.chunk
    }
}

impl Drop for FifoReader {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.writer_gone = true;
        st.full.clear();
        self.shared.space.notify_one();
    }
}

/// The reader thread's end.
pub(crate) struct FifoWriter {
    shared: Arc<Shared>,
}

impl Drop for FifoWriter {
    fn drop(&mut self) {
        let mut st = self.shared.lock();
        st.reader_gone = true;
        self.shared.data.notify_one();
    }
}

/// A FIFO of about `bytes` in chunks of `chunk` bytes (at least two).
pub(crate) fn fifo(bytes: usize, chunk: usize) -> (FifoWriter, FifoReader) {
    let chunk = chunk.max(1);
    let buffers = (bytes / chunk).max(2);
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            full: VecDeque::with_capacity(buffers + 2),
            empty: Vec::with_capacity(buffers),
            filled: 0,
            allocated: 0,
            reader_waiting: false,
            writer_waiting: false,
            writer_gone: false,
            reader_gone: false,
        }),
        data: Condvar::new(),
        space: Condvar::new(),
        chunk,
        buffers,
        low_water: (buffers / 4).max(1),
    });
    (
        FifoWriter {
            shared: shared.clone(),
        },
        FifoReader { shared },
    )
}

impl FifoWriter {
    /// An empty buffer, `None` when the writer hung up.
    fn buffer(&mut self) -> Option<Vec<u8>> {
        let sh = &*self.shared;
        let mut st = sh.lock();
        loop {
            if st.writer_gone {
                return None;
            }
            if let Some(b) = st.empty.pop() {
                return Some(b);
            }
            if st.allocated < sh.buffers {
                st.allocated += 1;
                drop(st);
                return Some(vec![0u8; sh.chunk]);
            }
            st.reader_waiting = true;
            // Wait for several free buffers (or the hang-up).
            while !st.writer_gone && st.empty.len() < sh.low_water {
                st = sh.space.wait(st).unwrap_or_else(|p| p.into_inner());
            }
            st.reader_waiting = false;
        }
    }

    /// Queues a message; false when the writer hung up.
    fn send(&mut self, msg: Chunk) -> bool {
        let sh = &*self.shared;
        let mut st = sh.lock();
        if st.writer_gone {
            return false;
        }
        if let Chunk::Data(_, n) = &msg {
            st.filled += n;
        }
        st.full.push_back(msg);
        if st.writer_waiting {
            sh.data.notify_one();
        }
        true
    }

    /// Reads `source` into the FIFO until `size` bytes were read (an
    /// early end is an error) or, without a size, until EOF. Returns when
    /// done or when the writer hung up (cancellation, write error).
    pub(crate) fn pump<R: Read>(mut self, mut source: R, size: Option<u64>) {
        let chunk = self.shared.chunk;
        let mut total: u64 = 0;
        loop {
            let Some(mut buf) = self.buffer() else {
                return;
            };
            let want = match size {
                Some(s) => (s - total).min(chunk as u64) as usize,
                None => chunk,
            };
            let msg = match read_full(&mut source, &mut buf[..want]) {
                Ok(n) => {
                    total += n as u64;
                    if n < want && size.is_some() {
                        Chunk::Failed(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            format!(
                                "the source ended after {total} of {} bytes",
                                size.unwrap_or(0)
                            ),
                        ))
                    } else if n == 0 {
                        Chunk::End
                    } else {
                        Chunk::Data(buf, n)
                    }
                }
                Err(e) => Chunk::Failed(e),
            };
            let last =
                !matches!(msg, Chunk::Data(_, n) if n == chunk) || size.is_some_and(|s| total >= s);
            let data_last = matches!(msg, Chunk::Data(..)) && last;
            if !self.send(msg) {
                return;
            }
            if data_last {
                self.send(Chunk::End);
                return;
            }
            if last {
                return;
            }
        }
    }
}

impl FifoWriter {
    /// Runs `producer`, which writes the data into the FIFO (an ISO 9660
    /// image being generated), then ends the stream. With `size`, producing
    /// fewer or more bytes is an error. Returns early when the writer hung
    /// up; the producer then sees `BrokenPipe`.
    pub(crate) fn produce<F>(self, producer: F, size: Option<u64>)
    where
        F: FnOnce(&mut dyn Write) -> io::Result<()>,
    {
        let mut w = FifoWrite {
            fifo: self,
            cur: None,
            used: 0,
            total: 0,
            size,
            hung_up: false,
        };
        let r = producer(&mut w);
        if w.hung_up {
            return;
        }
        if let Err(e) = r {
            w.fifo.send(Chunk::Failed(e));
            return;
        }
        if let Some(buf) = w.cur.take()
            && w.used > 0
            && !w.fifo.send(Chunk::Data(buf, w.used))
        {
            return;
        }
        let end = match size {
            Some(s) if w.total < s => Chunk::Failed(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("the source ended after {} of {s} bytes", w.total),
            )),
            _ => Chunk::End,
        };
        w.fifo.send(end);
    }
}

/// The [`Write`] end a producer writes into.
struct FifoWrite {
    fifo: FifoWriter,
    cur: Option<Vec<u8>>,
    used: usize,
    total: u64,
    size: Option<u64>,
    hung_up: bool,
}

impl FifoWrite {
    fn hang_up(&mut self) -> io::Error {
        self.hung_up = true;
        io::Error::new(
            io::ErrorKind::BrokenPipe,
            "the drive side stopped taking data",
        )
    }
}

impl Write for FifoWrite {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if let Some(s) = self.size
            && self.total + data.len() as u64 > s
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("the source produces more than the {s} bytes announced"),
            ));
        }
        let chunk = self.fifo.shared.chunk;
        let mut done = 0;
        while done < data.len() {
            let mut buf = match self.cur.take() {
                Some(b) => b,
                None => {
                    self.used = 0;
                    match self.fifo.buffer() {
                        Some(b) => b,
                        None => return Err(self.hang_up()),
                    }
                }
            };
            let n = (chunk - self.used).min(data.len() - done);
            buf[self.used..self.used + n].copy_from_slice(&data[done..done + n]);
            self.used += n;
            done += n;
            self.total += n as u64;
            if self.used == chunk {
                if !self.fifo.send(Chunk::Data(buf, chunk)) {
                    return Err(self.hang_up());
                }
            } else {
                self.cur = Some(buf);
            }
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Reads until `buf` is full or EOF; returns the bytes read.
fn read_full<R: Read>(source: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match source.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(size: Option<u64>, data: &[u8], chunk: usize) -> (Vec<u8>, Option<String>) {
        let (w, mut r) = fifo(4 * chunk, chunk);
        let src = data.to_vec();
        let mut out = Vec::new();
        let mut err = None;
        std::thread::scope(|s| {
            s.spawn(move || w.pump(&src[..], size));
            loop {
                match r.next() {
                    Chunk::Data(b, n) => {
                        out.extend_from_slice(&b[..n]);
                        r.recycle(b);
                    }
                    Chunk::End => break,
                    Chunk::Failed(e) => {
                        err = Some(e.to_string());
                        break;
                    }
                }
            }
        });
        (out, err)
    }

    #[test]
    fn passes_every_byte_in_order() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for size in [None, Some(data.len() as u64)] {
            let (out, err) = collect(size, &data, 4096);
            assert_eq!(err, None);
            assert_eq!(out, data);
        }
        // Exact multiple of the chunk.
        let (out, err) = collect(None, &data[..8192], 4096);
        assert_eq!((out.len(), err), (8192, None));
        let (out, err) = collect(None, &[], 4096);
        assert_eq!((out.len(), err), (0, None));
    }

    #[test]
    fn short_source_is_an_error() {
        let (out, err) = collect(Some(10_000), &[1u8; 5000], 4096);
        assert_eq!(out.len(), 4096);
        assert!(err.unwrap().contains("5000 of 10000"));
    }

    fn produced(size: Option<u64>, data: &[u8], pieces: usize) -> (Vec<u8>, Option<String>) {
        let (w, mut r) = fifo(4 * 4096, 4096);
        let src = data.to_vec();
        let mut out = Vec::new();
        let mut err = None;
        std::thread::scope(|s| {
            s.spawn(move || {
                w.produce(
                    |sink| {
                        for part in src.chunks(pieces.max(1)) {
                            sink.write_all(part)?;
                        }
                        Ok(())
                    },
                    size,
                )
            });
            loop {
                match r.next() {
                    Chunk::Data(b, n) => {
                        assert!(n == 4096 || out.len() % 4096 == 0);
                        out.extend_from_slice(&b[..n]);
                        r.recycle(b);
                    }
                    Chunk::End => break,
                    Chunk::Failed(e) => {
                        err = Some(e.to_string());
                        break;
                    }
                }
            }
        });
        (out, err)
    }

    #[test]
    fn producers_write_into_the_fifo() {
        let data: Vec<u8> = (0..50_001u32).map(|i| (i * 13 % 251) as u8).collect();
        for pieces in [1, 1000, 4096, 70_000] {
            for size in [None, Some(data.len() as u64)] {
                let (out, err) = produced(size, &data, pieces);
                assert_eq!(err, None);
                assert_eq!(out, data);
            }
        }
        let (_, err) = produced(Some(60_000), &data, 777);
        assert!(err.unwrap().contains("50001 of 60000"));
        let (_, err) = produced(Some(40_000), &data, 777);
        assert!(err.unwrap().contains("more than the 40000"));
    }

    #[test]
    fn known_size_stops_early() {
        let (out, err) = collect(Some(5000), &[1u8; 9000], 4096);
        assert_eq!((out.len(), err), (5000, None));
    }
}

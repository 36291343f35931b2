//! The FIFO between a source reader thread and the thread that sends WRITE
//! commands: a fixed set of chunk-sized buffers circulates between the two
//! (full ones to the writer, empty ones back), so the drive is fed from
//! memory while the source (a file, a pipe, an ISO image being generated)
//! is read in parallel, and no buffer is allocated or copied per chunk.

use std::io::{self, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

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

/// The writer's end of the FIFO.
pub(crate) struct FifoReader {
    full: Receiver<Chunk>,
    empty: Sender<Vec<u8>>,
    filled: Arc<AtomicUsize>,
    capacity: usize,
}

impl FifoReader {
    /// The next chunk; a vanished reader thread counts as a failure.
    pub(crate) fn next(&mut self) -> Chunk {
        match self.full.recv() {
            Ok(c) => {
                if let Chunk::Data(_, n) = &c {
                    self.filled.fetch_sub(*n, Ordering::Relaxed);
                }
                c
            }
            Err(_) => Chunk::Failed(io::Error::other("the source reader stopped unexpectedly")),
        }
    }

    /// Gives a buffer back for reuse.
    pub(crate) fn recycle(&mut self, buf: Vec<u8>) {
        let _ = self.empty.send(buf);
    }

    /// Bytes read and not yet taken by the writer.
    pub(crate) fn filled(&self) -> usize {
        self.filled.load(Ordering::Relaxed)
    }

    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }
}

/// The reader thread's end.
pub(crate) struct FifoWriter {
    full: SyncSender<Chunk>,
    empty: Receiver<Vec<u8>>,
    filled: Arc<AtomicUsize>,
    chunk: usize,
    buffers: usize,
    allocated: usize,
}

/// A FIFO of about `bytes` in chunks of `chunk` bytes (at least two).
pub(crate) fn fifo(bytes: usize, chunk: usize) -> (FifoWriter, FifoReader) {
    let chunk = chunk.max(1);
    let buffers = (bytes / chunk).max(2);
    let (full_tx, full_rx) = mpsc::sync_channel(buffers);
    let (empty_tx, empty_rx) = mpsc::channel();
    let filled = Arc::new(AtomicUsize::new(0));
    (
        FifoWriter {
            full: full_tx,
            empty: empty_rx,
            filled: filled.clone(),
            chunk,
            buffers,
            allocated: 0,
        },
        FifoReader {
            full: full_rx,
            empty: empty_tx,
            filled,
            capacity: buffers * chunk,
        },
    )
}

impl FifoWriter {
    fn buffer(&mut self) -> Option<Vec<u8>> {
        if self.allocated < self.buffers {
            if let Ok(b) = self.empty.try_recv() {
                return Some(b);
            }
            self.allocated += 1;
            return Some(vec![0u8; self.chunk]);
        }
        self.empty.recv().ok()
    }

    /// Reads `source` into the FIFO until `size` bytes were read (an
    /// early end is an error) or, without a size, until EOF. Returns when
    /// done or when the writer hung up (cancellation, write error).
    pub(crate) fn pump<R: Read>(mut self, mut source: R, size: Option<u64>) {
        let mut total: u64 = 0;
        loop {
            let Some(mut buf) = self.buffer() else {
                return;
            };
            let want = match size {
                Some(s) => (s - total).min(self.chunk as u64) as usize,
                None => self.chunk,
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
                        self.filled.fetch_add(n, Ordering::Relaxed);
                        Chunk::Data(buf, n)
                    }
                }
                Err(e) => Chunk::Failed(e),
            };
            let last = !matches!(msg, Chunk::Data(_, n) if n == self.chunk)
                || size.is_some_and(|s| total >= s);
            let data_last = matches!(msg, Chunk::Data(..)) && last;
            if self.full.send(msg).is_err() {
                return;
            }
            if data_last {
                let _ = self.full.send(Chunk::End);
                return;
            }
            if last {
                return;
            }
        }
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

    #[test]
    fn known_size_stops_early() {
        let (out, err) = collect(Some(5000), &[1u8; 9000], 4096);
        assert_eq!((out.len(), err), (5000, None));
    }
}

//! The backing image and the drive's write cache.
//!
//! The image is a sparse file of the medium's full size: unwritten areas are
//! never written (a 25 GB BD costs no disk until data arrives). WRITE data
//! goes into one contiguous cache run; the run is written to the image with
//! one positioned write when it cannot grow further (cache full, or a write
//! elsewhere), and on SYNCHRONIZE CACHE / CLOSE / eject, which also
//! `fdatasync` the image. Data still in the cache is what a power cut loses.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

use nix::fcntl::Flock;

/// Bytes per logical block.
pub(crate) const BLOCK: usize = 2048;

#[derive(Debug)]
pub(crate) struct Store {
    file: Flock<File>,
    /// Bytes of the cache (a multiple of [`BLOCK`]).
    cap: usize,
    /// Cached run: data for blocks `run_lba ..`.
    buf: Vec<u8>,
    run_lba: u32,
    writable: bool,
}

impl Store {
    pub(crate) fn new(file: Flock<File>, cache_bytes: usize, writable: bool) -> Store {
        let cap = (cache_bytes / BLOCK).max(1) * BLOCK;
        Store {
            file,
            cap,
            buf: Vec::new(),
            run_lba: 0,
            writable,
        }
    }

    /// Cache size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Bytes waiting in the cache.
    pub(crate) fn fill(&self) -> usize {
        self.buf.len()
    }

    fn run_blocks(&self) -> u64 {
        (self.buf.len() / BLOCK) as u64
    }

    /// Accepts `data` (whole blocks) for `lba` into the cache, writing the
    /// previous run out first when `data` does not extend it.
    pub(crate) fn write(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        debug_assert!(data.len().is_multiple_of(BLOCK));
        let appends = !self.buf.is_empty() && lba as u64 == self.run_lba as u64 + self.run_blocks();
        if !(appends && self.buf.len() + data.len() <= self.cap) {
            self.flush()?;
        }
        if data.len() >= self.cap {
            // Larger than the whole cache: straight through.
            return self.file.write_all_at(data, lba as u64 * BLOCK as u64);
        }
        if self.buf.is_empty() {
            if self.buf.capacity() < self.cap {
                self.buf.reserve_exact(self.cap - self.buf.capacity());
            }
            self.run_lba = lba;
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Writes the cached run to the image (no fsync).
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.file
            .write_all_at(&self.buf, self.run_lba as u64 * BLOCK as u64)?;
        self.buf.clear();
        Ok(())
    }

    /// Flush and `fdatasync`: the data is on the medium.
    pub(crate) fn sync(&mut self) -> io::Result<()> {
        self.flush()?;
        if self.writable {
            self.file.sync_data()?;
        }
        Ok(())
    }

    /// Drops cached data without writing it (power cut).
    pub(crate) fn discard(&mut self) {
        self.buf.clear();
    }

    /// Erases the medium: discards the cache and frees every block of the
    /// image while keeping its apparent size `blocks`.
    pub(crate) fn erase(&mut self, blocks: u32) -> io::Result<()> {
        self.buf.clear();
        self.file.set_len(0)?;
        self.file.set_len(blocks as u64 * BLOCK as u64)?;
        Ok(())
    }

    /// Reads whole blocks from `lba` into `out`, cached data included.
    /// Bytes past the end of the image read as zeros.
    pub(crate) fn read(&self, lba: u32, out: &mut [u8]) -> io::Result<()> {
        let pos = lba as u64 * BLOCK as u64;
        let mut done = 0;
        while done < out.len() {
            match self.file.read_at(&mut out[done..], pos + done as u64) {
                Ok(0) => {
                    out[done..].fill(0);
                    break;
                }
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        // Overlay the cached run where it overlaps.
        if !self.buf.is_empty() {
            let r0 = self.run_lba as u64 * BLOCK as u64;
            let r1 = r0 + self.buf.len() as u64;
            let o0 = pos;
            let o1 = pos + out.len() as u64;
            let (s, e) = (r0.max(o0), r1.min(o1));
            if s < e {
                let (os, oe) = ((s - o0) as usize, (e - o0) as usize);
                let (rs, re) = ((s - r0) as usize, (e - r0) as usize);
                out[os..oe].copy_from_slice(&self.buf[rs..re]);
            }
        }
        Ok(())
    }
}

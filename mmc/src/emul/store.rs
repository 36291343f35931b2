//! The backing image and the drive's write cache.
//!
//! The image is a sparse file of the medium's full size: unwritten areas are
//! never written (a 25 GB BD costs no disk until data arrives).
//!
//! The write cache holds at most `cap` bytes that are not yet "on the
//! medium": a power cut loses them, SYNCHRONIZE CACHE / CLOSE / eject commit
//! them with `fdatasync`, and when the cache is full the oldest data counts
//! as written. Two ways in, with the same visible behaviour:
//!
//! * Data for a range that is still a hole of the image (the normal case:
//!   sequential recording, first use of an area) is written straight into
//!   the image and its range remembered; a power cut punches the range out
//!   again, restoring what was there (nothing). This costs one copy, like a
//!   plain file write.
//! * Data that overwrites existing data goes into one contiguous in-memory
//!   run, written out with one positioned write when it cannot grow
//!   further; a power cut simply drops it.

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
    /// In-memory run: data for blocks `run_lba ..`.
    buf: Vec<u8>,
    run_lba: u32,
    /// Byte ranges (offset, length) written straight into holes since the
    /// cache was last emptied.
    through: Vec<(u64, u64)>,
    through_bytes: usize,
    /// Known: the image is a hole from this byte offset to its end.
    hole_from: Option<u64>,
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
            through: Vec::new(),
            through_bytes: 0,
            hole_from: None,
            writable,
        }
    }

    /// Cache size in bytes.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// Bytes in the cache (not yet on the medium).
    pub(crate) fn fill(&self) -> usize {
        self.buf.len() + self.through_bytes
    }

    fn run_range(&self) -> (u64, u64) {
        let start = self.run_lba as u64 * BLOCK as u64;
        (start, start + self.buf.len() as u64)
    }

    /// Records that the image holds data up to byte `end`.
    fn note_data(&mut self, end: u64) {
        if self.hole_from.is_some_and(|h| end > h) {
            self.hole_from = Some(end);
        }
    }

    /// True when `[off, off + len)` is a hole of the image.
    #[cfg(target_os = "linux")]
    fn is_hole(&mut self, off: u64, len: u64) -> bool {
        use nix::errno::Errno;
        use nix::unistd::{Whence, lseek};
        if self.hole_from.is_some_and(|h| off >= h) {
            return true;
        }
        let Ok(o) = i64::try_from(off) else {
            return false;
        };
        match lseek(&*self.file, o, Whence::SeekData) {
            Ok(d) => d as u64 >= off + len,
            Err(Errno::ENXIO) => {
                // No data after `off`.
                self.hole_from = Some(self.hole_from.map_or(off, |h| h.min(off)));
                true
            }
            Err(_) => false,
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn is_hole(&mut self, _off: u64, _len: u64) -> bool {
        false
    }

    /// Accepts `data` (whole blocks) for `lba`.
    pub(crate) fn write(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        debug_assert!(data.len().is_multiple_of(BLOCK));
        let off = lba as u64 * BLOCK as u64;
        let len = data.len() as u64;
        let (r0, r1) = self.run_range();
        let appends = !self.buf.is_empty() && off == r1;
        let overlaps_run = !self.buf.is_empty() && off < r1 && off + len > r0;
        if !appends && !overlaps_run && data.len() <= self.cap && self.is_hole(off, len) {
            if self.fill() + data.len() > self.cap {
                self.flush()?;
            }
            self.file.write_all_at(data, off)?;
            self.note_data(off + len);
            match self.through.last_mut() {
                Some((o, l)) if *o + *l == off => *l += len,
                _ => self.through.push((off, len)),
            }
            self.through_bytes += data.len();
            return Ok(());
        }
        if !(appends && self.fill() + data.len() <= self.cap) {
            self.flush()?;
        }
        if data.len() >= self.cap {
            // Larger than the whole cache: straight to the medium.
            self.file.write_all_at(data, off)?;
            self.note_data(off + len);
            return Ok(());
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

    /// Empties the cache onto the medium (no fsync).
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        self.through.clear();
        self.through_bytes = 0;
        if self.buf.is_empty() {
            return Ok(());
        }
        let (r0, r1) = self.run_range();
        self.file.write_all_at(&self.buf, r0)?;
        self.note_data(r1);
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

    /// Power cut: the cached data never reaches the medium. Ranges written
    /// straight into holes are punched out again (zeros where the
    /// filesystem cannot punch).
    pub(crate) fn discard(&mut self) {
        self.buf.clear();
        for (off, len) in std::mem::take(&mut self.through) {
            if let Err(e) = self.punch(off, len) {
                log::error!("emulator: cannot undo unsynced data at byte {off}: {e}");
            }
        }
        self.through_bytes = 0;
    }

    fn punch(&mut self, off: u64, len: u64) -> io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            use nix::fcntl::{FallocateFlags, fallocate};
            let flags = FallocateFlags::FALLOC_FL_PUNCH_HOLE | FallocateFlags::FALLOC_FL_KEEP_SIZE;
            if let (Ok(o), Ok(l)) = (i64::try_from(off), i64::try_from(len))
                && fallocate(&*self.file, flags, o, l).is_ok()
            {
                return Ok(());
            }
        }
        let zeros = vec![0u8; (len as usize).min(1 << 20)];
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(zeros.len() as u64) as usize;
            self.file.write_all_at(&zeros[..n], off + done)?;
            done += n as u64;
        }
        Ok(())
    }

    /// Erases the medium: empties the cache and frees every block of the
    /// image while keeping its apparent size `blocks`.
    pub(crate) fn erase(&mut self, blocks: u32) -> io::Result<()> {
        self.buf.clear();
        self.through.clear();
        self.through_bytes = 0;
        self.file.set_len(0)?;
        self.file.set_len(blocks as u64 * BLOCK as u64)?;
        self.hole_from = Some(0);
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
        // Overlay the in-memory run where it overlaps.
        if !self.buf.is_empty() {
            let (r0, r1) = self.run_range();
            let (o0, o1) = (pos, pos + out.len() as u64);
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

//! Streaming a file's data across all its extents.

use std::io::{self, Read};

use super::block::read_at;
use super::{BlockRead, Entry, Error, Image, Result};
use crate::BLOCK;
use crate::model::Extent;

/// Blocks read per request to the source.
const CHUNK_BLOCKS: usize = 32;

/// Reads a file's bytes, extent after extent (ECMA-119 §6.5.1 multi-extent
/// files are concatenated). zisofs files (`ZF`) yield their stored,
/// compressed bytes — what the libisofs MD5 covers.
#[derive(Debug)]
pub struct FileReader<'a, R: BlockRead> {
    src: &'a mut R,
    extents: Vec<Extent>,
    /// Current extent index and byte offset inside it.
    idx: usize,
    off: u64,
    buf: Vec<u8>,
    /// LBA held in `buf[0..]`, and how many blocks are valid.
    buf_lba: u32,
    buf_blocks: usize,
}

impl<'a, R: BlockRead> FileReader<'a, R> {
    pub(crate) fn new(img: &'a mut Image<R>, entry: &Entry) -> Result<FileReader<'a, R>> {
        if let Some((unit, gap)) = entry.interleave {
            return Err(Error::unsupported(
                entry.record_lba,
                "interleaved file",
                format!("{} has file unit size {unit} and gap {gap}", entry.name),
            ));
        }
        let count = img.src.block_count();
        for e in &entry.extents {
            let blocks = u64::from(e.len).div_ceil(BLOCK as u64);
            let end = u64::from(e.lba) + blocks;
            if let Some(count) = count
                && end > count
            {
                return Err(Error::OutOfRange {
                    lba: e.lba,
                    blocks: blocks as u32,
                    count,
                });
            }
            if end > 1 << 32 {
                return Err(Error::corrupt(
                    entry.record_lba,
                    "extent",
                    format!("{} ends past LBA 2^32", entry.name),
                ));
            }
        }
        Ok(FileReader {
            src: &mut img.src,
            extents: entry
                .extents
                .iter()
                .copied()
                .filter(|e| e.len > 0)
                .collect(),
            idx: 0,
            off: 0,
            buf: Vec::new(),
            buf_lba: 0,
            buf_blocks: 0,
        })
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> u64 {
        let mut r: u64 = self
            .extents
            .iter()
            .skip(self.idx)
            .map(|e| u64::from(e.len))
            .sum();
        r -= self.off.min(r);
        r
    }

    fn fill(&mut self, lba: u32, want_blocks: usize) -> Result<()> {
        if self.buf.len() < want_blocks * BLOCK {
            self.buf.resize(want_blocks * BLOCK, 0);
        }
        read_at(self.src, lba, &mut self.buf[..want_blocks * BLOCK])?;
        self.buf_lba = lba;
        self.buf_blocks = want_blocks;
        Ok(())
    }

    fn read_inner(&mut self, out: &mut [u8]) -> Result<usize> {
        loop {
            let Some(e) = self.extents.get(self.idx).copied() else {
                return Ok(0);
            };
            if self.off >= u64::from(e.len) {
                self.idx += 1;
                self.off = 0;
                continue;
            }
            if out.is_empty() {
                return Ok(0);
            }
            let block = e.lba + (self.off / BLOCK as u64) as u32;
            let in_block = (self.off % BLOCK as u64) as usize;
            let cached =
                block >= self.buf_lba && ((block - self.buf_lba) as usize) < self.buf_blocks;
            if !cached {
                let left_blocks =
                    (u64::from(e.len) - self.off + in_block as u64).div_ceil(BLOCK as u64);
                let n = (left_blocks as usize).clamp(1, CHUNK_BLOCKS);
                self.fill(block, n)?;
            }
            let start = (block - self.buf_lba) as usize * BLOCK + in_block;
            let avail = self.buf_blocks * BLOCK - start;
            let left = (u64::from(e.len) - self.off).min(avail as u64) as usize;
            let n = left.min(out.len());
            out[..n].copy_from_slice(&self.buf[start..start + n]);
            self.off += n as u64;
            return Ok(n);
        }
    }
}

impl<R: BlockRead> Read for FileReader<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.read_inner(out).map_err(io::Error::other)
    }
}

/// Recovers a reader [`Error`] that travelled through `io::Read`.
pub(crate) fn unwrap_io(e: io::Error, entry: &Entry) -> Error {
    if e.get_ref().is_some_and(|i| i.is::<Error>()) {
        match e.into_inner().map(|b| b.downcast::<Error>()) {
            Some(Ok(inner)) => return *inner,
            Some(Err(other)) => {
                return Error::Io {
                    lba: entry.lba().unwrap_or(0),
                    blocks: 0,
                    source: io::Error::other(other),
                };
            }
            None => {}
        }
        return Error::Missing("lost I/O error");
    }
    Error::Io {
        lba: entry.lba().unwrap_or(0),
        blocks: 0,
        source: e,
    }
}

//! The one-method block source every reader operation is generic over.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

use super::error::{Error, Result};
use crate::BLOCK;

/// A source of 2048-byte logical blocks (ECMA-119 §6.1.2): an image file, a
/// buffer in memory, or — through an adaptor the caller writes — a session on
/// a disc read with READ(10).
///
/// LBAs are absolute on the medium. Implementations must fill all of `buf`
/// (a multiple of 2048 bytes) or fail; a read past the end must fail rather
/// than return zeros.
pub trait BlockRead {
    /// Reads `buf.len() / 2048` blocks starting at `lba`.
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()>;

    /// Number of readable blocks, if known. Used to refuse forged extents
    /// before reading them.
    fn block_count(&self) -> Option<u64> {
        None
    }
}

fn check_buf(buf: &[u8]) -> io::Result<()> {
    if !buf.len().is_multiple_of(BLOCK) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("buffer of {} bytes is not a multiple of {BLOCK}", buf.len()),
        ));
    }
    Ok(())
}

fn beyond_end(lba: u32, blocks: usize, count: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        format!(
            "blocks {lba}..{} are beyond the end of the source ({count} blocks)",
            u64::from(lba) + blocks as u64
        ),
    )
}

impl BlockRead for File {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        check_buf(buf)?;
        let blocks = buf.len() / BLOCK;
        if let Some(count) = BlockRead::block_count(self)
            && u64::from(lba) + blocks as u64 > count
        {
            return Err(beyond_end(lba, blocks, count));
        }
        self.seek(SeekFrom::Start(u64::from(lba) * BLOCK as u64))?;
        self.read_exact(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::UnexpectedEof {
                beyond_end(lba, blocks, BlockRead::block_count(self).unwrap_or(0))
            } else {
                e
            }
        })
    }

    /// Whole blocks in the file (a trailing partial block is not readable).
    /// Block devices report 0 through `metadata`, so they fall back to
    /// seeking to the end.
    fn block_count(&self) -> Option<u64> {
        let meta = self.metadata().ok()?;
        if meta.is_file() {
            return Some(meta.len() / BLOCK as u64);
        }
        let mut f: &File = self;
        let here = f.stream_position().ok()?;
        let end = f.seek(SeekFrom::End(0)).ok()?;
        f.seek(SeekFrom::Start(here)).ok()?;
        Some(end / BLOCK as u64)
    }
}

fn read_slice(data: &[u8], lba: u32, buf: &mut [u8]) -> io::Result<()> {
    check_buf(buf)?;
    let start = u64::from(lba) * BLOCK as u64;
    let end = start + buf.len() as u64;
    let count = (data.len() / BLOCK) as u64;
    if end > count * BLOCK as u64 {
        return Err(beyond_end(lba, buf.len() / BLOCK, count));
    }
    // Both bounds were checked against the slice length just above.
    buf.copy_from_slice(&data[start as usize..end as usize]);
    Ok(())
}

/// An image held in memory (tests, fuzzing, small images).
impl BlockRead for &[u8] {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        read_slice(self, lba, buf)
    }
    fn block_count(&self) -> Option<u64> {
        Some((self.len() / BLOCK) as u64)
    }
}

impl BlockRead for Vec<u8> {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        read_slice(self, lba, buf)
    }
    fn block_count(&self) -> Option<u64> {
        Some((self.len() / BLOCK) as u64)
    }
}

impl<T: BlockRead + ?Sized> BlockRead for &mut T {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_blocks(lba, buf)
    }
    fn block_count(&self) -> Option<u64> {
        (**self).block_count()
    }
}

impl<T: BlockRead + ?Sized> BlockRead for Box<T> {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        (**self).read_blocks(lba, buf)
    }
    fn block_count(&self) -> Option<u64> {
        (**self).block_count()
    }
}

/// Refuses `blocks` blocks at `lba` if the source is known to be shorter;
/// called before allocating buffers whose size comes from the image.
pub(crate) fn check_range<R: BlockRead + ?Sized>(src: &R, lba: u32, blocks: u64) -> Result<()> {
    if let Some(count) = src.block_count()
        && u64::from(lba) + blocks > count
    {
        return Err(Error::OutOfRange {
            lba,
            blocks: u32::try_from(blocks).unwrap_or(u32::MAX),
            count,
        });
    }
    Ok(())
}

/// Reads `buf.len() / 2048` blocks at `lba`, refusing reads beyond the
/// known end with [`Error::OutOfRange`] and wrapping I/O errors with the LBA.
pub(crate) fn read_at<R: BlockRead + ?Sized>(src: &mut R, lba: u32, buf: &mut [u8]) -> Result<()> {
    let blocks = (buf.len() / BLOCK) as u32;
    if let Some(count) = src.block_count()
        && u64::from(lba) + u64::from(blocks) > count
    {
        return Err(Error::OutOfRange { lba, blocks, count });
    }
    src.read_blocks(lba, buf).map_err(|source| Error::Io {
        lba,
        blocks,
        source,
    })
}

/// Reads one block.
pub(crate) fn read_block<R: BlockRead + ?Sized>(src: &mut R, lba: u32) -> Result<Box<[u8; BLOCK]>> {
    let mut b = Box::new([0u8; BLOCK]);
    read_at(src, lba, &mut b[..])?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slice_reads_and_refuses_beyond_end() {
        let mut data = vec![0u8; 3 * BLOCK];
        data[BLOCK] = 7;
        let mut src: &[u8] = &data;
        let mut buf = [0u8; BLOCK];
        src.read_blocks(1, &mut buf).unwrap();
        assert_eq!(buf[0], 7);
        assert_eq!(src.block_count(), Some(3));
        let e = src.read_blocks(3, &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        let mut two = [0u8; 2 * BLOCK];
        assert!(src.read_blocks(2, &mut two).is_err());
        let mut odd = [0u8; 100];
        assert_eq!(
            src.read_blocks(0, &mut odd).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        match read_at(&mut src, 5, &mut buf) {
            Err(Error::OutOfRange {
                lba: 5,
                blocks: 1,
                count: 3,
            }) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn file_reads_and_refuses_beyond_end() {
        use std::io::Write;
        let mut f = tempfile::tempfile().unwrap();
        let mut data = vec![1u8; 2 * BLOCK + 100];
        data[BLOCK] = 9;
        f.write_all(&data).unwrap();
        assert_eq!(BlockRead::block_count(&f), Some(2));
        let mut buf = [0u8; BLOCK];
        f.read_blocks(1, &mut buf).unwrap();
        assert_eq!(buf[0], 9);
        let e = f.read_blocks(2, &mut buf).unwrap_err();
        assert!(e.to_string().contains("beyond the end"), "{e}");
    }
}

//! ISO 9660 sessions on a medium read through the drive: the reader's
//! [`BlockRead`] over READ(10), and opening the newest (or a chosen)
//! session for `ls`, `extract` and the import of a new session.

use std::io;

use iso_writer::read::{BlockRead, Image};
use mmc::Transport;
use mmc::engine::{Recorder, is_unrecorded};

use crate::error::{Error, Result};
use crate::media;

/// The blocks of the medium in a drive as a [`BlockRead`] source: each
/// read is a READ(10) through the engine ([`Recorder::read_blocks`]).
///
/// Blocks that are not recorded (BLANK CHECK, LBA out of range, medium not
/// formatted) fail with [`io::ErrorKind::UnexpectedEof`] and a message
/// saying so; other drive errors (medium errors with the sense text and
/// LBA, a lost drive, cancellation) fail with [`io::ErrorKind::Other`]
/// carrying the [`mmc::Error`] (take it back with
/// [`DiscBlocks::drive_error`]).
pub struct DiscBlocks<'a, T: Transport> {
    rec: &'a mut Recorder<T>,
    end: Option<u64>,
}

impl<T: Transport> std::fmt::Debug for DiscBlocks<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscBlocks")
            .field("drive", &self.rec.drive().describe())
            .field("end", &self.end)
            .finish()
    }
}

impl<'a, T: Transport> DiscBlocks<'a, T> {
    /// All of the medium; the readable size is not announced (reads beyond
    /// the end fail when the drive refuses them).
    pub fn new(rec: &'a mut Recorder<T>) -> DiscBlocks<'a, T> {
        DiscBlocks { rec, end: None }
    }

    /// The medium up to (not including) LBA `end`: reads beyond it fail
    /// without being sent, and the reader refuses forged extents beyond it.
    pub fn with_end(rec: &'a mut Recorder<T>, end: u64) -> DiscBlocks<'a, T> {
        DiscBlocks {
            rec,
            end: Some(end),
        }
    }

    /// The recorder, e.g. for its drive's cancel token.
    pub fn recorder(&mut self) -> &mut Recorder<T> {
        self.rec
    }

    /// The drive error inside an I/O error from this source, if any.
    pub fn drive_error(e: &io::Error) -> Option<&mmc::Error> {
        e.get_ref()?.downcast_ref::<mmc::Error>()
    }
}

/// The I/O error a failed READ becomes.
pub(crate) fn read_failure(e: mmc::Error) -> io::Error {
    if is_unrecorded(&e) {
        io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("not recorded (blank): {e}"),
        )
    } else {
        io::Error::other(e)
    }
}

impl<T: Transport> BlockRead for DiscBlocks<'_, T> {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        const B: usize = iso_writer::BLOCK;
        if !buf.len().is_multiple_of(B) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("buffer of {} bytes is not a multiple of {B}", buf.len()),
            ));
        }
        let count = u32::try_from(buf.len() / B)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "read too large"))?;
        if let Some(end) = self.end
            && u64::from(lba) + u64::from(count) > end
        {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "blocks {lba}..{} are beyond the end of the recorded data ({end})",
                    u64::from(lba) + u64::from(count)
                ),
            ));
        }
        let data = self.rec.read_blocks(lba, count).map_err(read_failure)?;
        buf.copy_from_slice(&data);
        Ok(())
    }

    fn block_count(&self) -> Option<u64> {
        self.end
    }
}

/// Start LBA of the newest ISO 9660 session on the medium: the last
/// session of the table of contents on sequential media, the session the
/// head names on overwritable media and image files (`mmc-recipes.md`
/// §3.6, §8.3). No disc is [`mmc::error::Unsuitable::NoMedium`], a
/// blank medium [`Error::Blank`].
pub fn newest_session_start<T: Transport>(rec: &mut Recorder<T>) -> Result<u32> {
    let report = media::inspect(rec)?;
    Ok(report.session(None)?.start)
}

/// Opens a session of the medium for reading: the newest with `None`,
/// else session `n` (1 = the oldest, as [`media::MediaReport::sessions`]
/// numbers them). No disc is [`mmc::error::Unsuitable::NoMedium`], a blank
/// medium [`Error::Blank`].
pub fn open_image<T: Transport>(
    rec: &mut Recorder<T>,
    session: Option<u32>,
) -> Result<Image<DiscBlocks<'_, T>>> {
    let report = media::inspect(rec)?;
    let s = report.session(session)?;
    let end = report.readable_end();
    let src = match end {
        Some(end) => DiscBlocks::with_end(rec, end),
        None => DiscBlocks::new(rec),
    };
    Image::open(src, s.start).map_err(|e| {
        Error::read(
            format!("{}: session {} at LBA {}", report.device, s.number, s.start),
            e,
        )
    })
}

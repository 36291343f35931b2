//! Comparing the medium block by block with an image file.

use std::io::Read;

use mmc::Transport;
use mmc::engine::{Recorder, VerifyOptions};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::media::{self, Layout};
use crate::{BlockSpan, ProgressFn};

/// What [`against_image`] found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    pub device: String,
    /// LBA of the medium compared with the image's first block.
    pub start: u32,
    /// Blocks of the image.
    pub blocks: u32,
    /// Blocks read and compared.
    pub compared_blocks: u64,
    /// Every block was read and equals the image.
    pub identical: bool,
    /// The first LBA that differs.
    pub first_mismatch: Option<u32>,
    /// Runs of blocks that differ.
    pub mismatches: Vec<BlockSpan>,
    /// Runs that could not be read.
    pub unreadable: Vec<BlockSpan>,
}

/// Compares the medium from `start` with the `size` bytes of `image`
/// (its last partial block compared zero-padded). Default start: where
/// [`crate::image::write`] puts an image — LBA 0 on overwritable media and
/// `stdio:` files, the start of the last session on sequential media. No
/// disc is [`mmc::error::Unsuitable::NoMedium`].
pub fn against_image<T: Transport, R: Read>(
    rec: &mut Recorder<T>,
    image: R,
    size: u64,
    start: Option<u32>,
    progress: ProgressFn<'_>,
) -> Result<VerifyReport> {
    let media = media::inspect(rec)?;
    media.require_medium()?;
    let start = match (start, media.layout) {
        (Some(s), _) => s,
        (None, Layout::Stream) => {
            return Err(Error::unsuitable(format!(
                "{} is a pipe or character device: nothing can be read back",
                media.device
            )));
        }
        (None, Layout::Emulated) => 0,
        (None, _) => media
            .newest_session()
            .map(|s| s.start)
            .ok_or_else(|| Error::Blank(media.device.clone()))?,
    };
    let r = rec.verify(start, image, size, &VerifyOptions::default(), progress)?;
    Ok(VerifyReport {
        device: media.device.clone(),
        start,
        blocks: size.div_ceil(iso_writer::BLOCK as u64) as u32,
        compared_blocks: r.compared_blocks,
        identical: r.is_identical(),
        first_mismatch: r.first_mismatch(),
        mismatches: r.mismatches.iter().map(|&m| m.into()).collect(),
        unreadable: r.unreadable.iter().map(|&m| m.into()).collect(),
    })
}

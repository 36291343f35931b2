//! Comparing the medium block by block with an image file.

use std::io::Read;

use mmc::Transport;
use mmc::engine::Recorder;
use serde::Serialize;

use crate::error::Result;
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
/// `stdio:` files, the start of the last session on sequential media.
pub fn against_image<T: Transport, R: Read>(
    rec: &mut Recorder<T>,
    image: R,
    size: u64,
    start: Option<u32>,
    progress: ProgressFn<'_>,
) -> Result<VerifyReport> {
    let _ = (rec, image, size, start, progress);
    Err(crate::Error::unsuitable(
        "verify::against_image is not implemented yet",
    ))
}

//! Burning a stored image as one session (a "jukebox copy"): at the NWA
//! of sequential media, at LBA 0 of overwritable media and image files,
//! sequentially into pipes.

use std::io::Read;

use mmc::Transport;
use mmc::engine::{Recorder, Speed, WriteType};
use serde::Serialize;

use crate::ProgressFn;
use crate::error::Result;
use crate::media::Layout;

/// How an image is written.
#[derive(Clone, Debug, Default)]
pub struct WriteOptions {
    /// Close (finalize) a sequential disc afterwards.
    pub close: bool,
    /// Write type on CD and DVD-R/RW.
    pub write_type: WriteType,
    /// Simulation (CD-R/RW, DVD-R/RW).
    pub dummy: bool,
    pub speed: Option<Speed>,
    /// Write even when the image's volume descriptors show that it was
    /// built for another start address, or over unknown data on an
    /// overwritable medium.
    pub force: bool,
    /// BD-RE / DVD-RAM: stream recording.
    pub stream_recording: bool,
}

/// What [`write`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WriteReport {
    pub device: String,
    pub layout: Layout,
    /// LBA the image starts at.
    pub start: u32,
    /// Bytes read from the source.
    pub bytes: u64,
    /// Blocks written, padding included.
    pub written_blocks: u64,
    /// The image's volume id, if it is an ISO 9660 image.
    pub volume_id: Option<String>,
    /// The start address the image was built for, per its volume
    /// descriptors (`None`: not an ISO 9660 image, or not decidable).
    pub built_for: Option<u32>,
    /// Sequential media: the engine's write method.
    pub method: Option<String>,
    pub closed: bool,
    /// An image file target was truncated first (the file is now exactly
    /// the image).
    pub truncated: bool,
    pub notes: Vec<String>,
}

/// Writes the image read from `source` (`size` bytes when known; required
/// for DAO/SAO) as one session:
///
/// * sequential media: at the NWA. An ISO 9660 image whose directory
///   addresses show it was built for a lower start (a plain image, built
///   for LBA 0) is refused when the NWA is not that start
///   ([`crate::Error::WrongStart`]: it would be unreadable there) unless
///   `force`;
/// * overwritable media and image files: at LBA 0 — the image's own
///   volume descriptors become the head, so it reads as one session and
///   later `add`s append to it. A regular image file is truncated first,
///   so the result is byte-identical to the image. An image built for a
///   start other than 0 is refused unless `force`; so is unknown data on
///   the medium;
/// * pipes (`stdio:-`): streamed.
pub fn write<T: Transport, R: Read + Send>(
    rec: &mut Recorder<T>,
    source: R,
    size: Option<u64>,
    opts: &WriteOptions,
    progress: ProgressFn<'_>,
) -> Result<WriteReport> {
    let _ = (rec, source, size, opts, progress);
    Err(crate::Error::unsuitable(
        "image::write is not implemented yet",
    ))
}

//! Errors of the reader.
//!
//! Shaped after ext4-view: one `#[non_exhaustive]` enum; image contents that
//! break the specifications are [`Error::Corrupt`], valid but unhandled
//! features are [`Error::Unsupported`], and every resource cap that a forged
//! length could otherwise blow up is [`Error::Limit`]. All three name the LBA
//! and the field involved.

use std::io;
use std::path::PathBuf;

/// Result alias of the reader.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while reading an image.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The block source failed.
    #[error("reading {blocks} block(s) at LBA {lba}: {source}")]
    Io {
        lba: u32,
        blocks: u32,
        #[source]
        source: io::Error,
    },
    /// A read was requested beyond the last block of the source.
    #[error("blocks {lba}..{end} requested but the source has only {count} blocks", end = u64::from(*lba) + u64::from(*blocks))]
    OutOfRange { lba: u32, blocks: u32, count: u64 },
    /// No ISO 9660 volume descriptor set where one was expected.
    #[error("no ISO 9660 volume descriptor at LBA {lba}")]
    NotIso { lba: u32 },
    /// The image breaks ECMA-119, SUSP, RRIP, Joliet, El Torito or the
    /// libisofs checksum format.
    #[error("corrupt image at LBA {lba}: {field}: {detail}")]
    Corrupt {
        lba: u32,
        field: &'static str,
        detail: String,
    },
    /// A valid feature the reader does not handle (e.g. interleaved files).
    #[error("unsupported at LBA {lba}: {field}: {detail}")]
    Unsupported {
        lba: u32,
        field: &'static str,
        detail: String,
    },
    /// A resource cap of [`Limits`](super::Limits) was reached.
    #[error("limit exceeded at LBA {lba}: {what} (limit {limit})")]
    Limit {
        lba: u32,
        what: &'static str,
        limit: u64,
    },
    /// A path looked up does not exist in the image.
    #[error("no such file or directory in the image: {0}")]
    NotFound(String),
    /// A path component names something that is not a directory.
    #[error("not a directory in the image: {0}")]
    NotADirectory(String),
    /// The operation needs something the image does not have.
    #[error("{0}")]
    Missing(&'static str),
    /// Writing into the destination of an extraction failed.
    #[error("extracting to {path}: {source}")]
    Extract {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    pub(crate) fn corrupt(lba: u32, field: &'static str, detail: impl Into<String>) -> Error {
        Error::Corrupt {
            lba,
            field,
            detail: detail.into(),
        }
    }

    pub(crate) fn unsupported(lba: u32, field: &'static str, detail: impl Into<String>) -> Error {
        Error::Unsupported {
            lba,
            field,
            detail: detail.into(),
        }
    }

    pub(crate) fn limit(lba: u32, what: &'static str, limit: u64) -> Error {
        Error::Limit { lba, what, limit }
    }

    /// True for [`Error::Corrupt`], [`Error::Limit`] and [`Error::OutOfRange`]:
    /// problems caused by the image's bytes rather than by the source or caller.
    pub fn is_corrupt(&self) -> bool {
        matches!(
            self,
            Error::Corrupt { .. }
                | Error::Limit { .. }
                | Error::OutOfRange { .. }
                | Error::NotIso { .. }
        )
    }
}

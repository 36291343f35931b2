//! Errors of crate `mmc`. The CLI alone turns them into messages and exit
//! codes; here they carry what happened (command, sense, LBA).

use std::path::PathBuf;
use std::time::Duration;

use crate::cmd::ParseError;
use crate::profile::Profile;
use crate::sense::Sense;
use crate::transport::{Status, TransportError};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a device could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpenErrorKind {
    #[error("no such device or file")]
    NotFound,
    /// EACCES / EPERM / EROFS.
    #[error(
        "permission denied (read-write access needs membership in the drive's group, usually `cdrom`, or root)"
    )]
    PermissionDenied,
    /// EBUSY: mounted, or opened exclusively by another program.
    #[error("device busy (it may be mounted or used by another program)")]
    Busy,
    /// EBUSY on another device node of the same drive, during an exclusive
    /// open (`/dev/sgN` of `/dev/srN` or the reverse): another program has
    /// the drive through that node.
    #[error("{} (the same drive as {}) is in use by another program", .sibling.display(), .drive.display())]
    SiblingBusy { sibling: PathBuf, drive: PathBuf },
    /// EBUSY, and `/proc/self/mountinfo` shows the medium mounted here.
    #[error("device busy: its medium is mounted at {} (unmount it first)", .0.display())]
    Mounted(PathBuf),
    /// ENOTTY / EINVAL on SG_IO, or not a character/block device.
    #[error("not a SCSI device (it does not answer SG_IO)")]
    NotScsi,
    /// The device answers, but is not an MMC drive (INQUIRY peripheral type ≠ 05h).
    #[error("not an optical drive (SCSI peripheral device type {0:#04x})")]
    NotMmc(u8),
    #[error("{0}")]
    Io(std::io::Error),
}

/// Why a medium or drive cannot be used for the requested operation.
/// Detected before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Unsuitable {
    #[error("no disc in the drive")]
    NoMedium,
    #[error("the disc is closed (finalized) and cannot be written")]
    Closed,
    #[error("{0} is a read-only medium")]
    ReadOnly(Profile),
    #[error("{0} is not supported")]
    UnsupportedProfile(Profile),
    #[error("the session needs {need} blocks but only {free} are free")]
    DoesNotFit { need: u64, free: u64 },
    #[error("BD-R formatted for Pseudo-Overwrite is not supported")]
    BdRPow,
    #[error("the disc holds data that is not an ISO 9660 image; refusing to overwrite it")]
    UnknownData,
    #[error("the last track is damaged and not writable")]
    Damaged,
    #[error("{0}")]
    Other(String),
}

/// Errors of the command layer, the drive handle and the burn engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("cannot open {path}: {kind}", path = .path.display())]
    Open { path: PathBuf, kind: OpenErrorKind },

    #[error("{command}: {source}")]
    Transport {
        command: &'static str,
        #[source]
        source: TransportError,
    },

    /// The device answered CHECK CONDITION with this sense.
    #[error("{command} failed{}: {}", fmt_lba(*.lba), crate::sense::describe(.sense))]
    Sense {
        command: &'static str,
        sense: Sense,
        /// LBA the command addressed (READ/WRITE), for messages.
        lba: Option<u32>,
    },

    /// A status other than GOOD / CHECK CONDITION that persisted.
    #[error("{command}: SCSI status {status}")]
    Status {
        command: &'static str,
        status: Status,
    },

    #[error("{command}: malformed reply: {source}")]
    Reply {
        command: &'static str,
        #[source]
        source: ParseError,
    },

    /// Waiting for the drive (not ready / operation in progress) exceeded the deadline.
    #[error("{command}: the drive did not become ready within {after:?}")]
    Timeout {
        command: &'static str,
        after: Duration,
    },

    #[error("operation cancelled")]
    Cancelled,

    #[error("{0}")]
    Unsuitable(#[from] Unsuitable),

    #[error("invalid drive address {address:?}: {reason}")]
    Address { address: String, reason: String },

    /// A request that cannot be honoured (wrong mode for the medium, bad size).
    #[error("{0}")]
    Invalid(String),

    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn fmt_lba(lba: Option<u32>) -> String {
    match lba {
        Some(l) => format!(" at LBA {}", l as i32),
        None => String::new(),
    }
}

impl Error {
    /// The sense data, when the device reported one.
    pub fn sense(&self) -> Option<&Sense> {
        match self {
            Error::Sense { sense, .. } => Some(sense),
            _ => None,
        }
    }

    /// True when the error says the medium or drive is unsuitable (no medium,
    /// closed, does not fit, permission, busy) rather than an operation failure.
    pub fn is_unsuitable(&self) -> bool {
        match self {
            Error::Unsuitable(_) | Error::Open { .. } => true,
            Error::Sense { sense, .. } => sense.key.0 == 0x2 && sense.asc == 0x3A,
            _ => false,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

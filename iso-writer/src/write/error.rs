//! Errors of tree building, planning and emission.

use std::io;
use std::path::PathBuf;

/// How an input file differs from what the plan recorded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ChangeKind {
    /// The file no longer exists (or cannot be opened as a regular file).
    Vanished,
    /// Fewer bytes than planned could be read.
    Shrunk { planned: u64, found: u64 },
    /// More bytes than planned are there.
    Grew { planned: u64 },
    /// It is no longer a regular file.
    NotAFile,
}

impl std::fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChangeKind::Vanished => write!(f, "it vanished"),
            ChangeKind::Shrunk { planned, found } => {
                write!(f, "it shrank from {planned} to {found} bytes")
            }
            ChangeKind::Grew { planned } => write!(f, "it grew beyond the planned {planned} bytes"),
            ChangeKind::NotAFile => write!(f, "it is no longer a regular file"),
        }
    }
}

/// Errors of the writer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading an input file or directory (its metadata or data) failed.
    #[error("cannot read {path}: {source}")]
    Source {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An input file changed between planning and writing.
    #[error("input file {path} changed since the image was planned: {change}")]
    InputChanged { path: PathBuf, change: ChangeKind },
    /// Writing the image failed.
    #[error("writing the image failed: {0}")]
    Output(#[source] io::Error),
    /// An ISO path given to the tree is not usable.
    #[error("ISO path {path:?}: {reason}")]
    BadIsoPath { path: String, reason: &'static str },
    /// A name is not usable as a Rock Ridge name.
    #[error("file name {name:?}: {reason}")]
    BadName { name: String, reason: &'static str },
    /// A node id does not name a live node of this tree.
    #[error("node {0} is not part of the tree")]
    NoSuchNode(u32),
    /// The operation needs a directory.
    #[error("{path:?} is not a directory")]
    NotADirectory { path: String },
    /// The root cannot be removed or replaced.
    #[error("the root directory cannot be removed")]
    RootRemoval,
    /// A file is too large for the chosen ISO level (levels 1 and 2 allow
    /// one extent of at most 4 GiB − 1 byte; ECMA-119 §6.5.1 multi-extent
    /// files need level 3).
    #[error(
        "{path:?} has {size} bytes, more than ISO 9660 level {level} allows in one extent; use level 3"
    )]
    FileTooLarge { path: String, size: u64, level: u8 },
    /// The image would need more than 2³² − 1 blocks.
    #[error("the image would exceed 2^32 blocks of 2048 bytes")]
    ImageTooLarge,
    /// The system area given is larger than 32 KiB.
    #[error("system area of {0} bytes exceeds the 32768 bytes of blocks 0-15")]
    SystemAreaTooLarge(usize),
    /// An option value is out of range.
    #[error("option {name}: {reason}")]
    BadOption { name: &'static str, reason: String },
    /// An El Torito boot entry, the boot catalog or the isohybrid system
    /// area cannot be made as asked.
    #[error("{what}: {reason}")]
    Boot { what: String, reason: String },
    /// Reading the session to import failed.
    #[error("importing the previous session failed: {0}")]
    Import(#[from] crate::read::Error),
    /// An imported file cannot be carried into a new session.
    #[error("cannot carry {path:?} into the new session: {reason}")]
    ImportUnsupported { path: String, reason: &'static str },
    /// A consistency check of the writer failed: a bug.
    #[error("internal error: {0}")]
    Internal(String),
}

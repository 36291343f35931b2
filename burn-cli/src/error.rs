//! Errors of the glue library: what the drive, the image writer and the
//! reader report, plus the decisions this layer makes itself (unknown data
//! on an overwritable medium, an image built for another start address, a
//! write that began and did not finish).

use std::io;

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What is on the medium after a write that started and then failed or
/// was cancelled (`sense-and-retries.md` §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Aftermath {
    /// Overwritable medium or image file: the new session was not made
    /// visible (the 64 KiB head at LBA 0 is written last,
    /// `mmc-recipes.md` §8.2), so the medium still shows every earlier
    /// session unchanged.
    PreviousSessionsIntact,
    /// Sequential medium: what the drive reported when the medium was
    /// inspected right after the stop — nothing recorded, the written
    /// blocks closed as an incomplete session, or the track left open
    /// ([`mmc::engine::Recorder::last_aborted_write`]).
    Sequential(mmc::engine::AbortedWrite),
    /// An image written at LBA 0 of an overwritable medium or image file
    /// stopped part way: the medium holds a partial image, of `blocks`
    /// blocks from LBA 0 when known.
    PartialImage { blocks: Option<u64> },
    /// Nothing is known about the last commands (the drive was lost, or
    /// the 64 KiB head of the emulation may be half written).
    Unknown,
}

impl std::fmt::Display for Aftermath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Aftermath::PreviousSessionsIntact => f.write_str(
                "the new session was not made visible: the previous sessions are intact",
            ),
            Aftermath::Sequential(a) => write!(f, "{a}"),
            Aftermath::PartialImage { blocks: Some(0) } => {
                f.write_str("no block of the image was written")
            }
            Aftermath::PartialImage { blocks: Some(n) } => write!(
                f,
                "the medium holds a partly written image: its first {n} block{} (from LBA 0)",
                if *n == 1 { "" } else { "s" }
            ),
            Aftermath::PartialImage { blocks: None } => {
                f.write_str("the medium holds a partly written image")
            }
            Aftermath::Unknown => f.write_str("the state of the medium is unknown"),
        }
    }
}

/// Errors of the library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The drive layer: opening, a SCSI command, the burn engine (including
    /// [`mmc::Error::Unsuitable`] media and [`mmc::Error::Cancelled`]).
    #[error(transparent)]
    Drive(#[from] mmc::Error),

    /// Building or streaming the new ISO 9660 session (a graft that cannot
    /// be read, an input file that changed while it was written …).
    #[error(transparent)]
    Image(#[from] iso_writer::write::Error),

    /// Reading an ISO 9660 session from the medium.
    #[error("{context}: {source}")]
    Read {
        context: String,
        #[source]
        source: iso_writer::read::Error,
    },

    /// A local file operation (the image file to write or compare).
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },

    /// An overwritable medium or image file holds data that is neither an
    /// ISO 9660 session nor blank (`mmc-recipes.md` §3.2): it is not
    /// overwritten unless forced.
    #[error(
        "{device} holds data that is not an ISO 9660 session ({what}); refusing to overwrite it"
    )]
    UnknownData { device: String, what: String },

    /// A stored image whose volume descriptors say it was built for a
    /// session start other than where it would be written: its directory
    /// addresses would point to the wrong blocks.
    #[error(
        "the image was built for a session starting at LBA {built_for}, but it would be written \
         at LBA {start}, where it would be unreadable"
    )]
    WrongStart { built_for: u32, start: u32 },

    /// The newest session of the medium holds no ISO 9660 file system whose
    /// files could be carried into a new session: raw data written as an
    /// image, an interrupted write, a damaged directory tree. A new session
    /// would not show its files, so none is written unless forced.
    #[error(
        "{device}: the newest session (at LBA {start}) holds no ISO 9660 file system whose files \
         could be kept ({reason})"
    )]
    NotIsoSession {
        device: String,
        start: u32,
        reason: String,
    },

    /// A whole-disc image of a sequential disc with several sessions was
    /// asked for: there is none (a later session reads correctly only at
    /// its own address, and the gaps between sessions are not recorded).
    #[error(
        "{device} holds {} sessions, which make no single image: a later session reads \
         correctly only at its own address",
        sessions.len()
    )]
    SessionNeeded {
        device: String,
        sessions: Vec<crate::media::Session>,
    },

    /// The requested session does not exist.
    #[error("there is no session {requested} on the medium (it has {available})")]
    NoSuchSession { requested: u32, available: u32 },

    /// Nothing is recorded where something was expected to be read.
    #[error("{0} is blank: there is nothing to read")]
    Blank(String),

    /// A write began and then failed or was cancelled.
    #[error("{source}; {aftermath}")]
    Aborted {
        #[source]
        source: Box<Error>,
        aftermath: Aftermath,
    },
}

impl Error {
    pub(crate) fn read(context: impl Into<String>, source: iso_writer::read::Error) -> Error {
        Error::Read {
            context: context.into(),
            source,
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// An [`mmc::Unsuitable::Other`] with this reason.
    pub(crate) fn unsuitable(why: impl Into<String>) -> Error {
        Error::Drive(mmc::Error::Unsuitable(mmc::error::Unsuitable::Other(
            why.into(),
        )))
    }

    /// The error below [`Error::Aborted`], or this one.
    pub fn root(&self) -> &Error {
        match self {
            Error::Aborted { source, .. } => source.root(),
            e => e,
        }
    }

    /// The drive error, if this is one (looking through [`Error::Aborted`]).
    pub fn drive_error(&self) -> Option<&mmc::Error> {
        match self.root() {
            Error::Drive(e) => Some(e),
            _ => None,
        }
    }

    /// The sense data the drive reported, if any.
    pub fn sense(&self) -> Option<&mmc::sense::Sense> {
        self.drive_error().and_then(mmc::Error::sense)
    }

    /// True when the medium or drive does not suit the request and nothing
    /// was written: no medium, closed, read-only, does not fit, unknown
    /// data, a newest session that cannot be carried over, an image for
    /// another start address, a blank medium to read.
    pub fn is_unsuitable(&self) -> bool {
        match self {
            Error::Drive(e) => e.is_unsuitable(),
            Error::UnknownData { .. }
            | Error::WrongStart { .. }
            | Error::NotIsoSession { .. }
            | Error::Blank(_) => true,
            _ => false,
        }
    }

    /// True when the operation stopped because the drive's cancel token
    /// was triggered (Ctrl-C).
    pub fn is_cancelled(&self) -> bool {
        matches!(self.drive_error(), Some(mmc::Error::Cancelled))
    }

    /// What is on the medium after a write that began, if this error ended
    /// one.
    pub fn aftermath(&self) -> Option<Aftermath> {
        match self {
            Error::Aborted { aftermath, .. } => Some(*aftermath),
            _ => None,
        }
    }

    /// A suggestion for the user, where there is an obvious one.
    pub fn hint(&self) -> Option<&'static str> {
        match self.root() {
            Error::UnknownData { .. } => {
                Some("blank it first (burn blank), or force overwriting if the data is expendable")
            }
            Error::SessionNeeded { .. } => Some(
                "read one session by its number, or extract the files of the newest session and \
                 make a new image of them",
            ),
            Error::NotIsoSession { .. } => Some(
                "force a new session that starts without the old files (their data stays on the \
                 disc, unreachable), or blank a rewritable disc first",
            ),
            Error::WrongStart { .. } => Some(
                "blank the medium to write the image at LBA 0, or add the files as a new session \
                 (burn add); force the write only if the image was made for this address",
            ),
            Error::Drive(mmc::Error::Unsuitable(mmc::error::Unsuitable::Closed)) => {
                Some("a closed disc takes no more sessions; blank it if it is rewritable")
            }
            Error::Drive(mmc::Error::Unsuitable(mmc::error::Unsuitable::DoesNotFit { .. })) => {
                Some("use a larger or an empty medium, or add fewer files")
            }
            _ => None,
        }
    }

    /// The error ending a write to a sequential medium that failed with
    /// `e`. When the write had begun, the engine inspected the medium
    /// after the stop ([`mmc::engine::Recorder::last_aborted_write`]):
    /// `began` makes the error from `e` and that
    /// [`Aftermath::Sequential`] (naming another cause if there is one).
    /// Otherwise nothing was written and the drive error stands alone.
    pub(crate) fn sequential_write<T: mmc::Transport>(
        rec: &mmc::engine::Recorder<T>,
        e: mmc::Error,
        began: impl FnOnce(mmc::Error, Aftermath) -> Error,
    ) -> Error {
        match rec.last_aborted_write() {
            Some(a) => began(e, Aftermath::Sequential(*a)),
            None => Error::Drive(e),
        }
    }

    /// Wraps an error of a write that had begun.
    pub(crate) fn aborted(self, aftermath: Aftermath) -> Error {
        match self {
            e @ Error::Aborted { .. } => e,
            e => Error::Aborted {
                source: Box::new(e),
                aftermath,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_look_through_aborted() {
        let e = Error::Drive(mmc::Error::Cancelled).aborted(Aftermath::PreviousSessionsIntact);
        assert!(e.is_cancelled());
        assert_eq!(e.aftermath(), Some(Aftermath::PreviousSessionsIntact));
        assert!(e.to_string().contains("previous sessions are intact"));
        let u = Error::WrongStart {
            built_for: 0,
            start: 1234,
        };
        assert!(u.is_unsuitable());
        assert!(u.hint().is_some());
        assert!(!u.is_cancelled());
    }
}

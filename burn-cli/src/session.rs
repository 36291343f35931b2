//! Adding files to a medium as a new ISO 9660 session — the multisession
//! backup (`mmc-recipes.md` §7.1 on sequential media, §8.2 on overwritable
//! media and image files; MD5 carry-over `md5-tags.md` §6).

use iso_writer::write::{GraftSpec, Options};
use mmc::Transport;
use mmc::engine::{Recorder, Speed, WriteType};
use serde::Serialize;

use crate::ProgressFn;
use crate::error::Result;
use crate::media::Layout;

/// How a session is added.
#[derive(Clone, Debug)]
pub struct AddOptions {
    /// The image options: volume id, Rock Ridge, Joliet, MD5, dates.
    /// `start_lba` is ignored: the medium decides it.
    pub image: Options,
    /// Close (finalize) a sequential disc after this session. Ignored on
    /// overwritable media and image files (they cannot be closed).
    pub close: bool,
    /// Write type on CD and DVD-R/RW (sequential media).
    pub write_type: WriteType,
    /// Simulation where the medium allows it (CD-R/RW, DVD-R/RW).
    pub dummy: bool,
    /// Write speed; `None` leaves the drive's choice.
    pub speed: Option<Speed>,
    /// Files of the previous session without a recorded MD5 get theirs
    /// computed by reading their data, so that the new session's checksum
    /// array covers every file (on by default; only with `image.md5` and
    /// Rock Ridge). Off: they stay without MD5, as libisofs does.
    pub recompute_missing_md5: bool,
    /// Write over an overwritable medium or image file that holds data
    /// which is not an ISO 9660 session.
    pub force: bool,
    /// BD-RE / DVD-RAM: stream recording (no verify-after-write).
    pub stream_recording: bool,
}

impl Default for AddOptions {
    fn default() -> Self {
        AddOptions {
            image: Options::default(),
            close: false,
            write_type: WriteType::Auto,
            dummy: false,
            speed: None,
            recompute_missing_md5: true,
            force: false,
            stream_recording: false,
        }
    }
}

/// What the previous session contributed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Start of the session imported.
    pub session_start: u32,
    pub files: u64,
    pub dirs: u64,
    /// Files carried with the MD5 the old session records.
    pub with_md5: u64,
    /// Files whose MD5 was computed from their data now.
    pub md5_computed: u64,
    /// Files left without MD5.
    pub without_md5: u64,
}

/// What [`add`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddReport {
    pub device: String,
    pub layout: Layout,
    /// Number of the new session (1 = the oldest on the medium).
    pub session: u32,
    /// First block of the new session.
    pub start: u32,
    /// Blocks of the session (its PVD volume space size).
    pub blocks: u32,
    /// Blocks written from `start`, padding included.
    pub written_blocks: u64,
    pub volume_id: String,
    /// Regular files in the new session's tree.
    pub files: u64,
    /// Files whose data this session wrote.
    pub new_files: u64,
    /// Files whose data stays in older sessions.
    pub carried_files: u64,
    /// MD5 of every block of the session as written (hex), with MD5 on:
    /// what a check-read of the whole session reproduces.
    pub md5: Option<String>,
    /// The engine's write method on sequential media ("incremental",
    /// "dao", "sao", "tao", "reserved", "open-ended", "stream"); `None` on
    /// emulated media (random writes).
    pub method: Option<String>,
    /// The disc was closed (finalized) after this session.
    pub closed: bool,
    /// The previous session that was imported, if any.
    pub import: Option<ImportSummary>,
    pub notes: Vec<String>,
}

/// Adds `grafts` (`PATH[=ISO_PATH]`, `xorriso -map` semantics) to the
/// medium as a new session:
///
/// 1. inspect; refuse closed, read-only, unsupported and damaged media,
///    unknown data on overwritable media (unless `force`) and missing
///    graft sources — before anything is written;
/// 2. the start: the NWA on sequential media (the engine's `prepare`; an
///    open BD-R session is closed first), LBA 32 on a blank overwritable
///    medium or image file (0 on a DVD-RW in the intermediate state), the
///    32-block boundary after the newest session when appendable;
/// 3. import the newest session (files by reference, MD5s carried over,
///    missing ones computed per [`AddOptions::recompute_missing_md5`]),
///    graft the new and changed files over it, plan at the start, check
///    that it fits — still nothing written;
/// 4. write: sequential media stream the session at the NWA and close
///    track and session (and the disc with `close`); overwritable media
///    and image files get the session at its start, SYNCHRONIZE CACHE,
///    then the new 64 KiB head at LBA 0 (written last, so a failure before
///    it leaves the earlier sessions as they were), then SYNCHRONIZE CACHE
///    again.
///
/// A failure after the first WRITE is [`crate::Error::Aborted`] with what
/// the medium holds now.
pub fn add<T: Transport>(
    rec: &mut Recorder<T>,
    grafts: &[GraftSpec],
    opts: &AddOptions,
    progress: ProgressFn<'_>,
) -> Result<AddReport> {
    let _ = (rec, grafts, opts, progress);
    Err(crate::Error::unsuitable(
        "session::add is not implemented yet",
    ))
}

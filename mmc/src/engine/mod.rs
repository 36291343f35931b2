//! The burn engine: per-media recipes above a [`Drive`] (`mmc-recipes.md`).
//!
//! A [`Recorder`] owns a drive handle and offers the operations a burn
//! program needs, each following the recipes for the current profile:
//!
//! | Operation | Method | Recipes |
//! |---|---|---|
//! | drive and medium state | [`Recorder::inspect`] → [`MediaInfo`] | §3 |
//! | blank CD-RW / DVD-RW | [`Recorder::blank`] | §4 |
//! | format | [`Recorder::format`] | §5 |
//! | new session on sequential media | [`Recorder::prepare`], then [`Recorder::write_session`] | §6, §7 |
//! | finalize | [`Recorder::close_disc`], [`Recorder::close_damaged`] | §6.7 |
//! | random writes on overwritable media | [`Recorder::overwrite`] → [`Overwriter`] | §6.3, §8.2 |
//! | read back | [`Recorder::checkread`], [`Recorder::verify`] | — |
//! | tray, speed | [`Recorder::eject`], [`Recorder::load`], [`Recorder::set_speed`] | §9, §10 |
//!
//! The engine knows nothing about ISO 9660. The multisession emulation on
//! overwritable media (the 64 KiB head at LBA 0), reading session
//! superblocks and MD5 tags belong to the caller: [`MediaInfo`] leaves the
//! state of overwritable media to it ([`MediaStatus::DecidedByContent`]),
//! [`SessionEntry::volume_id`] empty, and blanking such media returns
//! [`BlankOutcome::PseudoBlankNeeded`].
//!
//! Long operations report through a `&mut dyn FnMut(&Progress)` callback
//! and stop at the next command when the drive's [`Cancel`] token is
//! cancelled. While writing, blanking and formatting the tray is locked
//! (PREVENT MEDIUM REMOVAL) and always unlocked afterwards.
//!
//! Typical sequences (errors propagated with `?`):
//!
//! ```no_run
//! use mmc::address::Address;
//! use mmc::engine::*;
//! use mmc::open::{OpenOptions, open};
//! # fn demo() -> mmc::Result<()> {
//! # let (image, size, plan_iso_at, head) =
//! #     (std::io::empty(), 0u64, |_s: u32, _m: Option<u32>| (std::io::empty(), 0u64), vec![0u8; 65536]);
//! let address = Address::parse("/dev/sr0")?;
//! let opts = OpenOptions { exclusive: true, ..OpenOptions::default() };
//! let mut rec = Recorder::new(open(&address, &opts)?);
//! let p = &mut no_progress;
//!
//! // Info.
//! let info = rec.inspect()?.clone();
//! println!("{} {:?} {:?}", info.profile_name(), info.status, info.sessions);
//!
//! // Blank or format as the medium needs; overwritable media get a
//! // pseudo-blank from the caller.
//! if rec.blank(BlankMode::AsNeeded, p)? == (BlankOutcome::PseudoBlankNeeded { full: false }) {
//!     // invalidate the ISO 9660 head (mmc-recipes.md §8.5)
//! }
//! rec.format(FormatMode::AsNeeded, p)?;
//!
//! // Write a finished image at the NWA of a sequential medium.
//! let target = rec.prepare(&SessionOptions::default(), Some(size), p)?;
//! let report = rec.write_session(&target, image, Some(size), p)?;
//!
//! // A new ISO 9660 session: where does it start, what fits, where is the
//! // previous superblock (msc1)? Plan the image for that start, then write.
//! let target = rec.prepare(&SessionOptions::default(), None, p)?;
//! let (stream, bytes) = plan_iso_at(target.start, target.msc1);
//! target.check_fits(bytes)?;
//! rec.write_session(&target, stream, Some(bytes), p)?;
//!
//! // Overwritable media: session at S (chosen by the emulation), then the
//! // 64 KiB head at LBA 0, each made durable by SYNCHRONIZE CACHE.
//! let s = 32;
//! let (stream, bytes) = plan_iso_at(s, None);
//! let mut ow = rec.overwrite(&OverwriteOptions::default(), p)?;
//! ow.write_at(s, stream, Some(bytes), p)?;
//! ow.sync(p)?;
//! ow.write_blocks(0, &head)?;
//! ow.finish(p)?;
//!
//! // Checkread a session into an MD5 sink; verify against an image.
//! let session = rec.info()?.sessions[0].clone();
//! let map = rec.checkread(
//!     BlockRange::new(session.start, session.blocks),
//!     &ReadOptions::default(),
//!     &mut |_lba: u32, _data: &[u8]| Ok(()),
//!     p,
//! )?;
//! assert!(map.is_all_good());
//! let v = rec.verify(report.start, std::fs::File::open("x.iso").unwrap(), size, &VerifyOptions::default(), p)?;
//! println!("first mismatch: {:?}", v.first_mismatch());
//!
//! // Speed and tray.
//! rec.set_speed(Speed::Times(4.0))?;
//! rec.eject()?;
//! # Ok(()) }
//! ```
//!
//! [`Cancel`]: crate::drive::Cancel

mod blank;
mod fifo;
mod format;
mod info;
mod lock;
mod overwrite;
mod progress;
mod read;
mod tray;
mod write;

pub use blank::{BlankMode, BlankOutcome};
pub use fifo::DEFAULT_FIFO_BYTES;
pub use format::{FormatMode, FormatOutcome};
pub use info::{
    Damage, DriveIdentity, FormatList, FormatOffer, FormatState, FormatsAnswer, IncrementalFeature,
    MediaInfo, MediaKind, MediaStatus, NextTrack, SessionEntry, TrackEntry, WriteFeatures,
    format_meaning, inspect,
};
pub use lock::Locked;
pub use overwrite::{Finish, OverwriteOptions, Overwriter, WriteAtReport};
pub use progress::{FifoState, Phase, Progress, Rate, no_progress, one_x_bytes_per_s};
pub use read::{
    BlockRange, Md5Sink, Quality, ReadOptions, ReadSink, SectorMap, SectorRange, VerifyOptions,
    VerifyReport, discard, is_unrecorded,
};
pub use tray::{Speed, SpeedMethod, SpeedReport, TrayOutcome};
pub use write::{
    AbortedWrite, BLOCK, Closure, LeftBehind, SessionOptions, SessionTarget, WriteMethod,
    WriteReport, WriteType,
};

use crate::drive::Drive;
use crate::error::Result;
use crate::transport::Transport;

/// A drive with the burn recipes; see the [module documentation](self).
pub struct Recorder<T: Transport> {
    drive: Drive<T>,
    identity: Option<DriveIdentity>,
    info: Option<MediaInfo>,
    /// DVD+RW background formatting was started or restarted through this
    /// recorder: the end of writing sends CLOSE 010b (`mmc-recipes.md`
    /// §5.3).
    bg_started: bool,
    /// The last session write that began and did not complete, until an
    /// operation that may change the medium begins.
    aborted: Option<AbortedWrite>,
}

impl<T: Transport> std::fmt::Debug for Recorder<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("drive", &self.drive)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Recorder<T> {
    pub fn new(drive: Drive<T>) -> Recorder<T> {
        Recorder {
            drive,
            identity: None,
            info: None,
            bg_started: false,
            aborted: None,
        }
    }

    pub fn drive(&self) -> &Drive<T> {
        &self.drive
    }

    /// The drive handle, e.g. for its cancellation token or raw commands.
    /// Commands sent this way may change the medium: call
    /// [`Recorder::inspect`] before the next decision.
    pub fn drive_mut(&mut self) -> &mut Drive<T> {
        &mut self.drive
    }

    pub fn into_drive(self) -> Drive<T> {
        self.drive
    }

    /// Inspects drive and medium again (`mmc-recipes.md` §3) and keeps the
    /// result for [`Recorder::info`].
    pub fn inspect(&mut self) -> Result<&MediaInfo> {
        let info = inspect(&mut self.drive, self.identity.as_ref())?;
        self.identity = Some(info.drive.clone());
        Ok(self.info.insert(info))
    }

    /// Forgets the last aborted write: an operation that may change the
    /// medium begins ([`Recorder::last_aborted_write`]).
    fn medium_may_change(&mut self) {
        self.aborted = None;
    }

    /// The last inspection, inspecting first when there is none or a unit
    /// attention said the medium may have changed.
    pub fn info(&mut self) -> Result<&MediaInfo> {
        if self.info.is_none() || self.drive.medium_may_have_changed() {
            self.inspect()?;
        }
        self.info
            .as_ref()
            .ok_or_else(|| crate::Error::Invalid("the medium was not inspected".into()))
    }
}

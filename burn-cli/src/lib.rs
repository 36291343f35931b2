//! Where drives and images meet: streaming a new ISO session at the next
//! writable address, multisession emulation on overwritable media and
//! `stdio:` files, and checkread against MD5 tags — the layer between crate
//! `mmc` (drives) and crate `iso-writer` (images).
//!
//! | Task | Function | Recipes |
//! |---|---|---|
//! | open a drive for an operation | [`open_recorder`] | `mmc-recipes.md` §1 |
//! | what is in the drive, sessions, where the next one goes | [`media::inspect`] → [`media::MediaReport`] | §3, §7.2, §8.3, §8.4 |
//! | add files as a new session (multisession backup) | [`session::add`] | §7.1, §8.2; `md5-tags.md` §6, §7 |
//! | burn a stored image (one session) | [`image::write`] | §6, §8 |
//! | blank, incl. the pseudo-blank of overwritable media | [`blank::blank`] | §4, §8.5 |
//! | read back and check against the MD5 tags and checksums | [`check::check`] | `md5-tags.md` §8 |
//! | compare with an image file | [`verify::against_image`] | — |
//! | read a disc or a session into an image file (rip) | [`rip::rip`] | §3.4, §6.6, §8.1; `md5-tags.md` §8.4 |
//! | list and extract from a disc | [`disc::open_image`], [`disc::DiscBlocks`] | §3.6, §8.3 |
//!
//! Every function takes a [`Recorder`] (any [`Transport`]: a real drive,
//! the emulated recorder, a `stdio:` file, a fault injector), the engine's
//! progress callback for long operations, and honours the drive's
//! [`Cancel`](mmc::drive::Cancel) token between commands. Reports are
//! plain data with [`serde::Serialize`] for JSON output. Nothing here
//! prints.
//!
//! # Decisions
//!
//! * **First session on overwritable media and image files** at LBA 32,
//!   later ones at the next 32-block boundary after the previous one's
//!   end, the 64 KiB head at LBA 0 describing the newest session — what
//!   xorriso does, so `xorriso -toc` lists our sessions and we list its
//!   ones. A DVD-RW in the intermediate state (quick formatted) gets its
//!   first session at LBA 0 (`mmc-recipes.md` §8.1 exception).
//! * **The head is written last**, after the new session is synchronized:
//!   a failure or power cut before that leaves every earlier session as it
//!   was ([`Aftermath::PreviousSessionsIntact`]).
//! * **The head area after an image at LBA 0**: an image written at LBA 0
//!   ([`image::write`]) may keep directories and file data in blocks
//!   17–31, which the head of every later session covers. Files lying
//!   entirely there (less than 64 KiB by construction) are read and
//!   written again by the next session
//!   ([`session::ImportSummary::rewritten`]); and every new head keeps
//!   the blocks after its own descriptors as they were (stale checksum
//!   tags invalidated), as libisoburn does, so a file that begins there
//!   and continues past LBA 32 stays readable session after session.
//! * **MD5 carry-over**: files of the previous session keep the MD5 its
//!   checksum array records; files it has no MD5 for (written without
//!   checksums, or a damaged array) get theirs computed by reading their
//!   data before the new session is written
//!   ([`session::AddOptions::recompute_missing_md5`], on by default), so
//!   the new array covers every file and `check` can say "verified" for all.
//! * **Pseudo-blank** (overwritable media, image files): the volume
//!   descriptors of the head are invalidated (`CD001` → `CDXX1`, UDF
//!   `BEA01`/`NSR0x`/`TEA01` likewise), as xorriso `-blank as_needed` does;
//!   unknown data in the head is zeroed. A full blank truncates an image
//!   file to 0 bytes and zeroes the recorded range of other overwritable
//!   media.
//! * **Writing a stored image**: at the NWA on sequential media, at LBA 0
//!   on overwritable media and image files (an image file is truncated
//!   first, so the result is byte-identical to the image). An image whose
//!   volume descriptors show that it was built for another start address
//!   is refused unless forced ([`Error::WrongStart`]).

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod blank;
pub mod check;
pub mod disc;
mod emulation;
pub mod error;
pub mod image;
pub mod media;
pub mod rip;
pub mod session;
pub mod verify;

pub use error::{Aftermath, Error, Result};

use mmc::Transport;
use mmc::address::Address;
use mmc::engine::Recorder;

/// A recorder as [`open_recorder`] returns it.
pub type BoxedRecorder = Recorder<Box<dyn Transport + Send>>;

/// The progress callback of long operations (the engine's type).
pub type ProgressFn<'a> = &'a mut dyn FnMut(&mmc::engine::Progress);

/// What an operation does with the drive, which decides how it is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reading only (info, check, verify, ls, extract): a shared open; a
    /// missing `stdio:` file is an error.
    Read,
    /// Writing (write, add, blank, format): an exclusive open of device
    /// nodes (`mmc-recipes.md` §1, `O_EXCL`) and a missing `stdio:` file is
    /// created (a blank medium).
    Write,
}

/// Opens the drive at `address` for `access` with the rest of `options`
/// (trace, timing, emulator options) as given; `exclusive` and `create`
/// are set from `access`.
pub fn open_recorder(
    address: &Address,
    access: Access,
    options: &mmc::open::OpenOptions,
) -> Result<BoxedRecorder> {
    let opts = mmc::open::OpenOptions {
        exclusive: access == Access::Write,
        create: access == Access::Write,
        ..options.clone()
    };
    let drive = mmc::open::open(address, &opts)?;
    Ok(Recorder::new(drive))
}

/// A run of blocks, as reports list them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct BlockSpan {
    pub start: u32,
    pub blocks: u32,
}

impl BlockSpan {
    pub fn new(start: u32, blocks: u32) -> BlockSpan {
        BlockSpan { start, blocks }
    }

    /// First LBA after the span.
    pub fn end(&self) -> u64 {
        u64::from(self.start) + u64::from(self.blocks)
    }
}

impl From<mmc::engine::BlockRange> for BlockSpan {
    fn from(r: mmc::engine::BlockRange) -> BlockSpan {
        BlockSpan::new(r.start, r.blocks)
    }
}

/// Round up to the 32-block (64 KiB) alignment of emulated sessions
/// (libisoburn `Libisoburn_nwa_alignemenT`, `mmc-recipes.md` §8.1).
pub fn round_up_32(lba: u64) -> u64 {
    lba.div_ceil(32) * 32
}

/// A progress callback that ignores every report.
pub fn no_progress(_: &mmc::engine::Progress) {}

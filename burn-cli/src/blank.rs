//! Blanking: the engine's BLANK of CD-RW and DVD-RW, and the pseudo-blank
//! of overwritable media and image files (`mmc-recipes.md` §4, §8.5).

use mmc::Transport;
use mmc::engine::{BlankMode, Recorder};
use serde::Serialize;

use crate::ProgressFn;
use crate::error::Result;
use crate::media::Status;

/// What [`blank`] did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action")]
#[non_exhaustive]
pub enum BlankAction {
    /// The drive blanked the medium (BLANK full or minimal).
    Blanked { full: bool },
    /// Nothing was needed: the medium is blank and writable in every mode.
    NothingToDo,
    /// The volume descriptors of the head were invalidated (`CD001` →
    /// `CDXX1` …): the medium reads as blank, the data stays.
    Invalidated { descriptors: u32 },
    /// The head held unknown data and was zeroed (64 KiB).
    HeadZeroed,
    /// An image file was truncated to 0 bytes.
    Truncated,
    /// Zeros were written over the recorded range of an overwritable
    /// medium.
    Zeroed { blocks: u64 },
}

/// The result of [`blank`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BlankReport {
    pub device: String,
    pub profile: String,
    pub action: BlankAction,
    /// The status afterwards (normally [`Status::Blank`]).
    pub status: Status,
}

/// Blanks the medium as `mode` asks:
///
/// * CD-RW and DVD-RW: the engine's BLANK (`mmc-recipes.md` §4);
/// * overwritable media and image files (the engine answers
///   `PseudoBlankNeeded`): `AsNeeded` and `Fast` invalidate the volume
///   descriptors of the head (`mmc-recipes.md` §8.5) — afterwards `xorriso
///   -toc` sees a blank medium and the next session goes to LBA 32 again
///   — or zero the head when it holds unknown data; `All` truncates an
///   image file to 0 bytes, and writes zeros over the head and every
///   recorded session of other overwritable media (slow, like writing
///   them);
/// * media that cannot be blanked are refused before anything is sent.
pub fn blank<T: Transport>(
    rec: &mut Recorder<T>,
    mode: BlankMode,
    progress: ProgressFn<'_>,
) -> Result<BlankReport> {
    let _ = (rec, mode, progress);
    Err(crate::Error::unsuitable(
        "blank::blank is not implemented yet",
    ))
}

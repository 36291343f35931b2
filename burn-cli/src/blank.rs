//! Blanking: the engine's BLANK of CD-RW and DVD-RW, and the pseudo-blank
//! of overwritable media and image files (`mmc-recipes.md` §4, §8.5).

use std::io::Read;

use mmc::Transport;
use mmc::cmd::{Blank, BlankType};
use mmc::engine::{BlankMode, BlankOutcome, OverwriteOptions, Recorder};
use serde::Serialize;

use crate::emulation::{self, HEAD_BLOCKS, HeadState};
use crate::error::{Aftermath, Error, Result};
use crate::media::{self, MediaReport, Status};
use crate::{ProgressFn, round_up_32};

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
    let before = media::inspect(rec)?;
    let action = match rec.blank(mode, progress)? {
        BlankOutcome::Blanked(t) => BlankAction::Blanked {
            full: t == BlankType::Full,
        },
        BlankOutcome::NothingToDo => BlankAction::NothingToDo,
        BlankOutcome::PseudoBlankNeeded { full: false } => pseudo_blank(rec, &before, progress)?,
        BlankOutcome::PseudoBlankNeeded { full: true } => full_blank(rec, &before, progress)?,
    };
    let after = media::inspect(rec)?;
    Ok(BlankReport {
        device: after.device.clone(),
        profile: after.profile.clone(),
        action,
        status: after.status,
    })
}

/// `mmc-recipes.md` §8.5: invalidate the descriptors of the head, or zero
/// a head of unknown data.
fn pseudo_blank<T: Transport>(
    rec: &mut Recorder<T>,
    before: &MediaReport,
    progress: ProgressFn<'_>,
) -> Result<BlankAction> {
    match &before.head {
        None | Some(HeadState::Blank) => Ok(BlankAction::NothingToDo),
        Some(HeadState::Iso { .. }) => {
            let mut head = emulation::read_head(rec)?;
            let n = emulation::invalidate(&mut head);
            let from = 16 * iso_writer::BLOCK;
            let to = (16 + n as usize) * iso_writer::BLOCK;
            let mut ow = rec.overwrite(&OverwriteOptions::default(), progress)?;
            ow.write_blocks(16, &head[from..to])
                .map_err(|e| Error::Drive(e).aborted(Aftermath::Unknown))?;
            ow.finish(progress)?;
            Ok(BlankAction::Invalidated { descriptors: n })
        }
        Some(HeadState::Unknown(_)) => {
            let zeros = vec![0u8; emulation::HEAD_BYTES];
            let mut ow = rec.overwrite(&OverwriteOptions::default(), progress)?;
            ow.write_blocks(0, &zeros)
                .map_err(|e| Error::Drive(e).aborted(Aftermath::Unknown))?;
            ow.finish(progress)?;
            Ok(BlankAction::HeadZeroed)
        }
    }
}

/// The full blank: truncating an image file, else zeros over the head and
/// every recorded session.
fn full_blank<T: Transport>(
    rec: &mut Recorder<T>,
    before: &MediaReport,
    progress: ProgressFn<'_>,
) -> Result<BlankAction> {
    if before.is_stdio() {
        let cmd = Blank {
            immed: false,
            kind: BlankType::Full,
            start: 0,
        };
        match rec.drive_mut().run(&cmd) {
            Ok(_) => {
                rec.inspect()?;
                return Ok(BlankAction::Truncated);
            }
            // A block device: no truncation, zeros instead.
            Err(e) if e.sense().is_some_and(|s| s.is_invalid_opcode()) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if before.info.status == mmc::engine::MediaStatus::Blank {
        // Unformatted: nothing was ever recorded.
        return Ok(BlankAction::NothingToDo);
    }
    let head = emulation::read_head(rec)?;
    // The recorded end: the head's volume space size, also when the
    // descriptors were invalidated before.
    let b16 = &head[16 * iso_writer::BLOCK..17 * iso_writer::BLOCK];
    let end = if &b16[1..3] == b"CD" && (&b16[3..6] == b"001" || &b16[3..6] == b"XX1") {
        u64::from(u32::from_le_bytes([b16[80], b16[81], b16[82], b16[83]]))
    } else {
        0
    };
    let mut blocks = round_up_32(end).max(u64::from(HEAD_BLOCKS));
    if let Some(cap) = before.capacity_blocks {
        blocks = blocks.min(cap);
    }
    let mut ow = rec.overwrite(&OverwriteOptions::default(), progress)?;
    let zeros = std::io::repeat(0).take(blocks * iso_writer::BLOCK as u64);
    ow.write_at(0, zeros, Some(blocks * iso_writer::BLOCK as u64), progress)
        .map_err(|e| Error::Drive(e).aborted(Aftermath::Unknown))?;
    ow.finish(progress)?;
    Ok(BlankAction::Zeroed { blocks })
}

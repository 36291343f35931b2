//! Blanking CD-RW and DVD-RW (`mmc-recipes.md` §4), and the decision that
//! an overwritable medium needs a pseudo-blank (§8.5) written by the
//! caller, who knows ISO 9660.

use std::time::Instant;

use crate::cmd::{Blank, BlankType};
use crate::drive::WaitKind;
use crate::error::{Error, Result, Unsuitable};
use crate::profile::Profile;
use crate::transport::Transport;

use super::Recorder;
use super::info::{MediaKind, MediaStatus};
use super::lock::Locked;
use super::progress::{Phase, Progress, from_wait};

/// What to blank.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlankMode {
    /// What the medium needs to become writable from scratch (xorriso
    /// `-blank as_needed`): CD-RW minimal blank; DVD-RW sequential full
    /// blank (keeps Incremental Streaming, i.e. multi-session); nothing for
    /// a blank medium that can already be written in every mode;
    /// overwritable media: a pseudo-blank by the caller.
    AsNeeded,
    /// Minimal blank (BLANK 001b); nothing for a blank CD-RW. On DVD-RW
    /// this leaves a disc that can be written only in DAO. Overwritable
    /// media: pseudo-blank.
    Fast,
    /// Full blank (BLANK 000b), also of a blank CD-RW (wiping what a
    /// minimal blank left). Overwritable media: a full pseudo-blank (zeros
    /// over the used range, or truncating an image file).
    All,
    /// DVD-RW restricted overwrite → sequential: BLANK 000b, so that
    /// Incremental Streaming is available afterwards.
    Deformat,
    /// DVD-RW → sequential by minimal blank (BLANK 001b): quickest, but
    /// only DAO (single session) can be written afterwards.
    DeformatQuickest,
}

/// What [`Recorder::blank`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum BlankOutcome {
    /// BLANK of this type ran to completion; the medium was re-inspected.
    Blanked(BlankType),
    /// The medium needs nothing (already blank and fully writable).
    NothingToDo,
    /// An overwritable medium (DVD+RW, DVD-RAM, DVD-RW restricted
    /// overwrite, BD-RE, image file): MMC cannot blank it; the caller
    /// invalidates the ISO 9660 head (`mmc-recipes.md` §8.5), or for
    /// `full` zeroes the used range / truncates an image file.
    PseudoBlankNeeded { full: bool },
}

/// The BLANK type a request needs, or why it does not apply.
pub(crate) fn blank_plan(
    mode: BlankMode,
    profile: Profile,
    kind: &MediaKind,
    status: MediaStatus,
    incremental_available: bool,
) -> Result<BlankOutcome> {
    let refuse = |why: String| Err(Error::Unsuitable(Unsuitable::Other(why)));
    match kind {
        MediaKind::NoMedium => return Err(Error::Unsuitable(Unsuitable::NoMedium)),
        MediaKind::Unsupported(u) => return Err(Error::Unsuitable(u.clone())),
        MediaKind::ReadOnly => return Err(Error::Unsuitable(Unsuitable::ReadOnly(profile))),
        _ => {}
    }
    let deformat = matches!(mode, BlankMode::Deformat | BlankMode::DeformatQuickest);
    match profile {
        Profile::CD_RW => {
            if deformat {
                return refuse(format!(
                    "deformatting applies to DVD-RW only; {profile} is blanked with mode fast or all"
                ));
            }
            // A blank CD-RW is blanked again only fully (to wipe what a
            // minimal blank left readable); `mmc-recipes.md` §4 step 1.
            Ok(match mode {
                BlankMode::AsNeeded | BlankMode::Fast if status == MediaStatus::Blank => {
                    BlankOutcome::NothingToDo
                }
                BlankMode::AsNeeded | BlankMode::Fast => BlankOutcome::Blanked(BlankType::Minimal),
                _ => BlankOutcome::Blanked(BlankType::Full),
            })
        }
        Profile::DVD_RW_SEQ => Ok(match mode {
            // Blank and offering Incremental Streaming: writable in every
            // mode. A minimally blanked disc is blanked fully (xorriso
            // decides "all" for DVD-RW).
            BlankMode::AsNeeded if status == MediaStatus::Blank && incremental_available => {
                BlankOutcome::NothingToDo
            }
            BlankMode::AsNeeded | BlankMode::All | BlankMode::Deformat => {
                BlankOutcome::Blanked(BlankType::Full)
            }
            BlankMode::Fast | BlankMode::DeformatQuickest => {
                BlankOutcome::Blanked(BlankType::Minimal)
            }
        }),
        Profile::DVD_RW_RO => Ok(match mode {
            BlankMode::Deformat => BlankOutcome::Blanked(BlankType::Full),
            BlankMode::DeformatQuickest => BlankOutcome::Blanked(BlankType::Minimal),
            BlankMode::AsNeeded | BlankMode::Fast => {
                BlankOutcome::PseudoBlankNeeded { full: false }
            }
            BlankMode::All => BlankOutcome::PseudoBlankNeeded { full: true },
        }),
        _ if *kind == MediaKind::Overwritable => {
            if deformat {
                return refuse(format!(
                    "deformatting applies to DVD-RW only, not to {profile}"
                ));
            }
            Ok(BlankOutcome::PseudoBlankNeeded {
                full: mode == BlankMode::All,
            })
        }
        _ => refuse(format!(
            "{profile} cannot be blanked (only CD-RW and DVD-RW are erasable)"
        )),
    }
}

impl<T: Transport> Recorder<T> {
    /// Blanks the medium as `mode` asks (`mmc-recipes.md` §4): BLANK with
    /// Immed, TEST UNIT READY polling with progress, re-inspection. The
    /// tray is locked meanwhile. Modes that do not apply are refused with
    /// [`Error::Unsuitable`] before anything is sent.
    pub fn blank(
        &mut self,
        mode: BlankMode,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<BlankOutcome> {
        self.medium_may_change();
        let info = self.inspect()?.clone();
        let outcome = blank_plan(
            mode,
            info.profile,
            &info.kind,
            info.status,
            info.features.incremental.is_some(),
        )?;
        let BlankOutcome::Blanked(kind) = outcome else {
            return Ok(outcome);
        };
        log::info!(
            "{}: BLANK {:?} of {}",
            self.drive.describe(),
            kind,
            info.profile
        );
        let started = Instant::now();
        {
            let mut drive = Locked::new(&mut self.drive)?;
            drive.run(&Blank::new(kind))?;
            drive.wait_ready(WaitKind::Format, None, &mut |w| {
                progress(&from_wait(Phase::Blanking, w, started))
            })?;
        }
        self.bg_started = false;
        self.inspect()?;
        Ok(outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(mode: BlankMode, p: Profile, status: MediaStatus, inc: bool) -> Result<BlankOutcome> {
        let kind = match p.class() {
            crate::profile::MediaClass::Overwritable => MediaKind::Overwritable,
            crate::profile::MediaClass::ReadOnly => MediaKind::ReadOnly,
            _ => MediaKind::SequentialDvdMinus,
        };
        blank_plan(mode, p, &kind, status, inc)
    }

    #[test]
    fn as_needed_per_medium() {
        use BlankMode::*;
        use MediaStatus::*;
        assert_eq!(
            plan(AsNeeded, Profile::CD_RW, Appendable, true).unwrap(),
            BlankOutcome::Blanked(BlankType::Minimal)
        );
        assert_eq!(
            plan(AsNeeded, Profile::CD_RW, Blank, true).unwrap(),
            BlankOutcome::NothingToDo
        );
        assert_eq!(
            plan(Fast, Profile::CD_RW, Blank, true).unwrap(),
            BlankOutcome::NothingToDo
        );
        assert_eq!(
            plan(All, Profile::CD_RW, Blank, true).unwrap(),
            BlankOutcome::Blanked(BlankType::Full)
        );
        assert_eq!(
            plan(AsNeeded, Profile::DVD_RW_SEQ, Closed, true).unwrap(),
            BlankOutcome::Blanked(BlankType::Full)
        );
        // Minimally blanked (no Incremental Streaming): blank fully.
        assert_eq!(
            plan(AsNeeded, Profile::DVD_RW_SEQ, Blank, false).unwrap(),
            BlankOutcome::Blanked(BlankType::Full)
        );
        assert_eq!(
            plan(AsNeeded, Profile::DVD_RW_SEQ, Blank, true).unwrap(),
            BlankOutcome::NothingToDo
        );
        assert_eq!(
            plan(AsNeeded, Profile::BD_RE, DecidedByContent, false).unwrap(),
            BlankOutcome::PseudoBlankNeeded { full: false }
        );
        assert_eq!(
            plan(All, Profile::DVD_PLUS_RW, DecidedByContent, false).unwrap(),
            BlankOutcome::PseudoBlankNeeded { full: true }
        );
        assert_eq!(
            plan(Deformat, Profile::DVD_RW_RO, DecidedByContent, false).unwrap(),
            BlankOutcome::Blanked(BlankType::Full)
        );
        assert_eq!(
            plan(DeformatQuickest, Profile::DVD_RW_SEQ, Closed, true).unwrap(),
            BlankOutcome::Blanked(BlankType::Minimal)
        );
    }

    #[test]
    fn refusals() {
        use BlankMode::*;
        let err = plan(Deformat, Profile::CD_RW, MediaStatus::Closed, true).unwrap_err();
        assert!(err.to_string().contains("DVD-RW only"), "{err}");
        let err = plan(Fast, Profile::DVD_PLUS_R, MediaStatus::Appendable, false).unwrap_err();
        assert!(err.to_string().contains("cannot be blanked"), "{err}");
        assert!(plan(Fast, Profile::CD_R, MediaStatus::Appendable, false).is_err());
        assert!(
            plan(
                Deformat,
                Profile::BD_RE,
                MediaStatus::DecidedByContent,
                false
            )
            .is_err()
        );
        assert!(matches!(
            plan(Fast, Profile::DVD_ROM, MediaStatus::Closed, false),
            Err(Error::Unsuitable(Unsuitable::ReadOnly(_)))
        ));
    }
}

//! Formatting (`mmc-recipes.md` §5): the per-profile choice of FORMAT UNIT
//! descriptor, then Immed + polling.

use std::time::Instant;

use crate::cmd::{BgFormatStatus, FormatUnit};
use crate::drive::WaitKind;
use crate::error::{Error, Result, Unsuitable};
use crate::profile::Profile;
use crate::transport::Transport;

use super::Recorder;
use super::info::{FormatList, FormatOffer, FormatState, MediaInfo, MediaKind, MediaStatus};
use super::lock::Locked;
use super::progress::{Phase, Progress, from_wait};

/// What to format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FormatMode {
    /// Only what the medium needs before writing (xorriso `-format
    /// as_needed`): DVD+RW never formatted → 26h, partly formatted → 26h
    /// with Restart; BD-RE / DVD-RAM unformatted → 00h; DVD-RW sequential →
    /// full format to restricted overwrite; formatted media and BD-R:
    /// nothing.
    AsNeeded,
    /// Full format: DVD+RW 26h; DVD-RW 00h (or 10h) to the full size;
    /// DVD-RAM 00h; BD-RE 30h with the default spare area and certification
    /// when the drive offers it; blank BD-R 00h, SRM without POW.
    Full,
    /// Quick format: DVD-RW sequential 15h (intermediate state), restricted
    /// overwrite 13h quick grow; DVD-RAM 00h keeping the defect list
    /// (CmpList + DCRT); BD-RE 00h; blank BD-R 00h, SRM without POW;
    /// DVD+RW as [`FormatMode::AsNeeded`].
    Fast,
    /// The descriptor at this index of READ FORMAT CAPACITIES
    /// ([`MediaInfo::formats`]).
    ByIndex(usize),
    /// A descriptor offering exactly this many blocks, or for BD format
    /// types 30h/32h any size between the minimum- and maximum-spare
    /// offers (rounded up to a 64 KiB cluster).
    BySize(u32),
    /// BD-RE without spare areas (31h): no defect management, full
    /// capacity, nominal speed.
    WithoutSpare,
}

/// What [`Recorder::format`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FormatOutcome {
    /// FORMAT UNIT ran; the medium was re-inspected. `background` is set
    /// for DVD+RW (26h): formatting goes on while the disc is written.
    Formatted {
        format_type: u8,
        blocks: u32,
        background: bool,
    },
    NothingToDo,
}

fn refuse<V>(why: String) -> Result<V> {
    Err(Error::Unsuitable(Unsuitable::Other(why)))
}

/// A FORMAT UNIT that sends only Immed (02h), as the DVD+RW and DVD-RW
/// paths of libburn do (`mmc-recipes.md` §5.2).
fn immed_only(o: &FormatOffer) -> FormatUnit {
    FormatUnit::new(o.format_type, o.blocks, o.tdp)
}

/// FOV + Immed (82h) from a descriptor.
fn fov(o: &FormatOffer, sub_type: u8) -> FormatUnit {
    FormatUnit {
        fov: true,
        sub_type,
        ..FormatUnit::new(o.format_type, o.blocks, o.tdp)
    }
}

fn offer<'a>(formats: &'a FormatList, format_type: u8, what: &str) -> Result<&'a FormatOffer> {
    formats.offer(format_type).ok_or_else(|| {
        Error::Unsuitable(Unsuitable::Other(format!(
            "the drive offers no format {format_type:02X}h ({what}) for this medium"
        )))
    })
}

/// The descriptor for a size: an exact offer, or a 30h/32h size between the
/// spare extremes.
fn by_size(formats: &FormatList, blocks: u32, types: &[u8]) -> Option<FormatOffer> {
    if let Some(o) = formats
        .offers
        .iter()
        .find(|o| o.blocks == blocks && types.contains(&o.format_type))
    {
        return Some(o.clone());
    }
    for ranged in [0x30u8, 0x32] {
        if !types.contains(&ranged) {
            continue;
        }
        let sizes: Vec<&FormatOffer> = formats
            .offers
            .iter()
            .filter(|o| o.format_type == ranged)
            .collect();
        let (Some(min), Some(max)) = (
            sizes.iter().map(|o| o.blocks).min(),
            sizes.iter().map(|o| o.blocks).max(),
        ) else {
            continue;
        };
        let want = blocks.div_ceil(32).saturating_mul(32);
        if (min..=max).contains(&want) {
            let base = sizes[0];
            return Some(FormatOffer {
                blocks: want,
                ..base.clone()
            });
        }
    }
    None
}

/// BD-RE sub-type for format 30h: full certification (10b) when feature
/// 0023h has Cert, else none (00b) (`mmc-recipes.md` §5.3).
fn bd_re_30h_sub_type(info: &MediaInfo) -> u8 {
    if info.features.format_cert { 2 } else { 0 }
}

/// BD-RE sub-type for format 31h: 00b quick reformat of a formatted disc,
/// 01b no certification for an unformatted one.
fn bd_re_31h_sub_type(formats: &FormatList) -> u8 {
    if formats.state == FormatState::Formatted {
        0
    } else {
        1
    }
}

/// The FORMAT UNIT a request needs (`mmc-recipes.md` §5.3), `None` when
/// nothing is to be done, or why it does not apply.
pub(crate) fn format_plan(mode: FormatMode, info: &MediaInfo) -> Result<Option<FormatUnit>> {
    let p = info.profile;
    match &info.kind {
        MediaKind::NoMedium => return Err(Error::Unsuitable(Unsuitable::NoMedium)),
        MediaKind::Unsupported(u) => return Err(Error::Unsuitable(u.clone())),
        MediaKind::ReadOnly => return Err(Error::Unsuitable(Unsuitable::ReadOnly(p))),
        _ => {}
    }
    if !matches!(
        p,
        Profile::DVD_PLUS_RW
            | Profile::DVD_RW_SEQ
            | Profile::DVD_RW_RO
            | Profile::DVD_RAM
            | Profile::BD_RE
            | Profile::BD_R_SRM
    ) {
        return refuse(format!("{p} cannot be formatted"));
    }
    if mode == FormatMode::WithoutSpare && !matches!(p, Profile::BD_RE | Profile::BD_R_SRM) {
        return refuse(format!(
            "formatting without spare areas applies to BD-RE, not to {p}"
        ));
    }
    let formats = match info.formats_answer.listed() {
        Ok(list) => list,
        Err(why) => return refuse(format!("{p} cannot be formatted: {why}")),
    };
    let by_index = |i: usize| -> Result<&FormatOffer> {
        formats.offers.get(i).ok_or_else(|| {
            Error::Invalid(format!(
                "format index {i} does not exist: the drive offers {} format descriptors",
                formats.offers.len()
            ))
        })
    };
    let size_err = |n: u32| {
        Error::Invalid(format!(
            "no format of {n} blocks is offered for this {p} (see the format list)"
        ))
    };
    let unformatted = formats.state == FormatState::Unformatted;

    Ok(match p {
        Profile::DVD_PLUS_RW => {
            let restart = info.bg_format == BgFormatStatus::Stopped;
            let needed = matches!(
                info.bg_format,
                BgFormatStatus::None | BgFormatStatus::Stopped
            );
            match mode {
                FormatMode::AsNeeded | FormatMode::Fast => {
                    needed.then(|| FormatUnit::dvd_plus_rw(restart))
                }
                FormatMode::Full => Some(FormatUnit::dvd_plus_rw(false)),
                FormatMode::ByIndex(i) => {
                    let o = by_index(i)?;
                    if o.format_type != 0x26 {
                        return refuse(format!(
                            "format {:02X}h does not apply to DVD+RW",
                            o.format_type
                        ));
                    }
                    Some(FormatUnit::dvd_plus_rw(restart))
                }
                FormatMode::BySize(n) => {
                    if formats.offer(0x26).is_some_and(|o| o.blocks == n) {
                        Some(FormatUnit::dvd_plus_rw(restart))
                    } else {
                        return Err(size_err(n));
                    }
                }
                FormatMode::WithoutSpare => unreachable_mode(),
            }
        }
        Profile::DVD_RW_SEQ => match mode {
            FormatMode::AsNeeded | FormatMode::Full => {
                let o = formats.offer(0x00).or(formats.offer(0x10)).ok_or_else(|| {
                    Error::Unsuitable(Unsuitable::Other(
                        "the drive offers no full format (00h/10h) for this DVD-RW".into(),
                    ))
                })?;
                Some(immed_only(o))
            }
            FormatMode::Fast => Some(immed_only(offer(formats, 0x15, "quick format")?)),
            FormatMode::ByIndex(i) => Some(fov(by_index(i)?, 0)),
            FormatMode::BySize(n) => {
                let o = by_size(formats, n, &[0x00, 0x10, 0x15]).ok_or_else(|| size_err(n))?;
                Some(immed_only(&o))
            }
            FormatMode::WithoutSpare => unreachable_mode(),
        },
        Profile::DVD_RW_RO => match mode {
            FormatMode::AsNeeded => None,
            FormatMode::Fast => formats.offer(0x13).filter(|o| o.blocks > 0).map(immed_only),
            FormatMode::Full => {
                let o = formats.offer(0x00).or(formats.offer(0x10)).ok_or_else(|| {
                    Error::Unsuitable(Unsuitable::Other(
                        "the drive offers no full format (00h/10h) for this DVD-RW".into(),
                    ))
                })?;
                Some(immed_only(o))
            }
            FormatMode::ByIndex(i) => Some(fov(by_index(i)?, 0)),
            FormatMode::BySize(n) => {
                let o =
                    by_size(formats, n, &[0x00, 0x10, 0x11, 0x13]).ok_or_else(|| size_err(n))?;
                Some(immed_only(&o))
            }
            FormatMode::WithoutSpare => unreachable_mode(),
        },
        Profile::DVD_RAM => match mode {
            FormatMode::AsNeeded => {
                if unformatted {
                    Some(fov(offer(formats, 0x00, "full format")?, 0))
                } else {
                    None
                }
            }
            FormatMode::Full => Some(fov(offer(formats, 0x00, "full format")?, 0)),
            FormatMode::Fast => {
                // Keep the defect list and skip certification: CmpList in
                // the CDB, DCRT in the header (A2h).
                let o = offer(formats, 0x00, "full format")?;
                Some(FormatUnit {
                    cmplist: true,
                    dcrt: true,
                    ..fov(o, 0)
                })
            }
            FormatMode::ByIndex(i) => Some(fov(by_index(i)?, 0)),
            FormatMode::BySize(n) => Some(fov(
                &by_size(formats, n, &[0x00, 0x01]).ok_or_else(|| size_err(n))?,
                0,
            )),
            FormatMode::WithoutSpare => unreachable_mode(),
        },
        Profile::BD_RE => match mode {
            FormatMode::AsNeeded => {
                if unformatted {
                    Some(fov(offer(formats, 0x00, "default format")?, 0))
                } else {
                    None
                }
            }
            FormatMode::Fast => Some(fov(offer(formats, 0x00, "default format")?, 0)),
            FormatMode::Full => Some(fov(
                offer(formats, 0x30, "format with spares")?,
                bd_re_30h_sub_type(info),
            )),
            FormatMode::WithoutSpare => Some(fov(
                offer(formats, 0x31, "format without spares")?,
                bd_re_31h_sub_type(formats),
            )),
            FormatMode::ByIndex(i) => {
                let o = by_index(i)?;
                let sub = match o.format_type {
                    0x31 => bd_re_31h_sub_type(formats),
                    _ => 0,
                };
                Some(fov(o, sub))
            }
            FormatMode::BySize(n) => {
                let o = by_size(formats, n, &[0x00, 0x30, 0x31]).ok_or_else(|| size_err(n))?;
                let sub = if o.format_type == 0x31 {
                    bd_re_31h_sub_type(formats)
                } else {
                    0
                };
                Some(fov(&o, sub))
            }
        },
        Profile::BD_R_SRM => {
            if info.status != MediaStatus::Blank || !unformatted {
                return refuse("only a blank, unformatted BD-R can be formatted".to_string());
            }
            // Sub-type 01b: SRM without Pseudo-Overwrite. Never 00b.
            match mode {
                FormatMode::AsNeeded | FormatMode::WithoutSpare => None,
                FormatMode::Fast | FormatMode::Full => {
                    Some(fov(offer(formats, 0x00, "default format")?, 1))
                }
                FormatMode::ByIndex(i) => {
                    let o = by_index(i)?;
                    if !matches!(o.format_type, 0x00 | 0x32) {
                        return refuse(format!(
                            "format {:02X}h does not apply to BD-R",
                            o.format_type
                        ));
                    }
                    Some(fov(o, 1))
                }
                FormatMode::BySize(n) => Some(fov(
                    &by_size(formats, n, &[0x00, 0x32]).ok_or_else(|| size_err(n))?,
                    1,
                )),
            }
        }
        _ => return refuse(format!("{p} cannot be formatted")),
    })
}

/// [`FormatMode::WithoutSpare`] was refused above for these profiles.
fn unreachable_mode() -> Option<FormatUnit> {
    None
}

impl<T: Transport> Recorder<T> {
    /// Formats the medium as `mode` asks (`mmc-recipes.md` §5.3): FORMAT
    /// UNIT with Immed, polling with progress (a DVD+RW background format
    /// returns at once), re-inspection. The tray is locked meanwhile.
    /// Requests that do not apply are refused before anything is sent; a
    /// BD-R is never formatted for Pseudo-Overwrite.
    pub fn format(
        &mut self,
        mode: FormatMode,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<FormatOutcome> {
        self.medium_may_change();
        let info = self.inspect()?.clone();
        let Some(cmd) = format_plan(mode, &info)? else {
            return Ok(FormatOutcome::NothingToDo);
        };
        self.run_format(&cmd, progress)?;
        self.inspect()?;
        Ok(FormatOutcome::Formatted {
            format_type: cmd.format_type,
            blocks: cmd.blocks,
            background: cmd.format_type == 0x26,
        })
    }

    /// Sends one FORMAT UNIT with the tray locked and waits for it.
    pub(crate) fn run_format(
        &mut self,
        cmd: &FormatUnit,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<()> {
        log::info!(
            "{}: FORMAT UNIT type {:02X}h sub-type {} blocks {}",
            self.drive.describe(),
            cmd.format_type,
            cmd.sub_type,
            cmd.blocks
        );
        let started = Instant::now();
        let mut drive = Locked::new(&mut self.drive)?;
        drive.send(cmd)?;
        drive.wait_ready(WaitKind::Format, None, &mut |w| {
            progress(&from_wait(Phase::Formatting, w, started))
        })?;
        drop(drive);
        if cmd.format_type == 0x26 {
            self.bg_started = true;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::info::FormatsAnswer;

    /// A DVD+RW in a drive that rejects READ FORMAT CAPACITIES (5/20/00)
    /// is refused with that reason, not as an empty list.
    #[test]
    fn refusal_says_why_there_is_no_list() {
        let mut info = MediaInfo::for_tests(Profile::DVD_PLUS_RW, MediaKind::Overwritable);
        info.formats_answer = FormatsAnswer::Unsupported;
        let e = format_plan(FormatMode::Full, &info)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "DVD+RW cannot be formatted: the drive does not support READ FORMAT CAPACITIES"
            ),
            "{e}"
        );
        info.formats_answer = FormatsAnswer::Empty;
        let e = format_plan(FormatMode::Full, &info)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the drive reports no format capacities"), "{e}");
    }
}

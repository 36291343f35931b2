//! Tray (`mmc-recipes.md` §10) and speed (§9).

use crate::cmd::{PreventAllowMediumRemoval, SetCdSpeed, SetStreaming, StartStopUnit};
use crate::drive::{Readiness, WaitKind};
use crate::error::{Error, Result};
use crate::profile::{Family, Profile};
use crate::transport::Transport;

use super::Recorder;
use super::info::optional;
use super::progress::one_x_bytes_per_s;

/// What a tray request did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TrayOutcome {
    Done,
    /// The target has no tray (`stdio:` image files, block devices, pipes).
    NotApplicable(&'static str),
}

/// A write speed request.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Speed {
    /// As fast as the drive can.
    Max,
    /// As slow as the drive can.
    Min,
    /// kB/s, k = 1000.
    Kbps(u32),
    /// Multiples of the medium's 1× (CD 176.4, DVD 1385, BD 4495.625 kB/s).
    Times(f64),
}

/// How the speed was set.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpeedMethod {
    /// SET STREAMING (DVD/BD).
    Streaming,
    /// SET CD SPEED (CD, or the fallback).
    CdSpeed,
    /// The drive took neither; speed is only a hint, so this is no error.
    Ignored,
}

/// What [`Recorder::set_speed`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SpeedReport {
    /// kB/s asked for; `None` for [`Speed::Max`].
    pub requested_kbps: Option<u32>,
    pub method: SpeedMethod,
    /// Page 2Ah "current write speed selected" after the request, kB/s:
    /// drives treat the request as an upper bound and pick their own.
    pub effective_kbps: Option<u32>,
}

/// kB/s for a request on `profile`: exact multiples get a few kB/s more
/// because drives round down (`mmc-recipes.md` §9).
pub(crate) fn speed_kbps(speed: Speed, profile: Profile) -> Option<u32> {
    match speed {
        Speed::Max => None,
        Speed::Min => Some(SetStreaming::MIN_SPEED),
        Speed::Kbps(k) => Some(k.max(1)),
        Speed::Times(x) => {
            let k = (x.max(0.0) * one_x_bytes_per_s(profile) / 1000.0).ceil();
            Some((k as u32).saturating_add(5).max(1))
        }
    }
}

impl<T: Transport> Recorder<T> {
    /// Ejects the medium: ALLOW MEDIUM REMOVAL first (the drive refuses
    /// otherwise), then START STOP UNIT with LoEj (`mmc-recipes.md` §10).
    /// `stdio:` targets: nothing to do.
    pub fn eject(&mut self) -> Result<TrayOutcome> {
        self.medium_may_change();
        if self.is_stdio()? {
            return Ok(TrayOutcome::NotApplicable(
                "image files, block devices and pipes cannot be ejected",
            ));
        }
        self.drive.run(&PreventAllowMediumRemoval::allow())?;
        self.drive.run(&StartStopUnit::eject())?;
        self.info = None;
        Ok(TrayOutcome::Done)
    }

    /// Closes the tray (START STOP UNIT load, `mmc-recipes.md` §3.1 step 2)
    /// and waits until the drive is ready or reports no medium.
    pub fn load(&mut self) -> Result<TrayOutcome> {
        self.medium_may_change();
        if self.is_stdio()? {
            return Ok(TrayOutcome::NotApplicable(
                "image files, block devices and pipes have no tray",
            ));
        }
        self.drive.run(&StartStopUnit::load())?;
        let r = self.drive.wait_ready(WaitKind::Ready, None, &mut |_| {})?;
        self.info = None;
        log::debug!("after load: {r:?}");
        if r == Readiness::NoMedium {
            log::info!(
                "{}: the tray is closed but holds no disc",
                self.drive.describe()
            );
        }
        Ok(TrayOutcome::Done)
    }

    fn is_stdio(&mut self) -> Result<bool> {
        match self.drive.current_profile() {
            Ok(p) => Ok(p.profile == Profile::STDIO),
            Err(Error::Sense { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sets the write speed (`mmc-recipes.md` §9): SET CD SPEED on CD,
    /// SET STREAMING on DVD/BD (falling back to SET CD SPEED); a drive that
    /// takes neither is noted, not an error.
    pub fn set_speed(&mut self, speed: Speed) -> Result<SpeedReport> {
        let info = self.info()?.clone();
        let kbps = speed_kbps(speed, info.profile);
        let mut method = SpeedMethod::Ignored;
        if info.profile.family() != Family::Cd {
            let end_lba = info
                .write_speeds
                .speeds
                .iter()
                .find_map(|s| s.end_lba)
                .or_else(|| {
                    info.capacity
                        .or(info.readable_blocks)
                        .map(|c| c.saturating_sub(1).min(u32::MAX as u64) as u32)
                })
                .unwrap_or(0);
            let k = kbps.unwrap_or(SetStreaming::MAX_SPEED);
            match self.drive.send(&SetStreaming::speed(end_lba, k)) {
                Ok(_) => method = SpeedMethod::Streaming,
                Err(e @ (Error::Sense { .. } | Error::Status { .. })) => {
                    log::debug!("SET STREAMING: {e}; trying SET CD SPEED");
                }
                Err(e) => return Err(e),
            }
        }
        if method == SpeedMethod::Ignored {
            let w = kbps.map_or(SetCdSpeed::MAX, |k| k.min(0xFFFE) as u16);
            match self.drive.run(&SetCdSpeed::write_speed(w)) {
                Ok(_) => method = SpeedMethod::CdSpeed,
                Err(e @ (Error::Sense { .. } | Error::Status { .. })) => {
                    log::info!("the drive takes no speed setting ({e}); speed is only a hint");
                }
                Err(e) => return Err(e),
            }
        }
        let effective_kbps = optional(self.drive.capabilities())?
            .and_then(|c| c.current_write_speed_selected)
            .filter(|&k| k > 0)
            .map(u32::from);
        Ok(SpeedReport {
            requested_kbps: kbps,
            method,
            effective_kbps,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds_in_kbps() {
        assert_eq!(speed_kbps(Speed::Max, Profile::BD_RE), None);
        assert_eq!(speed_kbps(Speed::Min, Profile::DVD_PLUS_R), Some(177));
        // 4x DVD = 5540 kB/s, plus the rounding margin.
        assert_eq!(
            speed_kbps(Speed::Times(4.0), Profile::DVD_PLUS_R),
            Some(5545)
        );
        // 2x BD = 8991.25 → 8992 + 5.
        assert_eq!(speed_kbps(Speed::Times(2.0), Profile::BD_R_SRM), Some(8997));
        // 16x CD = 2822.4 → 2823 + 5.
        assert_eq!(speed_kbps(Speed::Times(16.0), Profile::CD_R), Some(2828));
    }
}

//! The subcommands that need a drive: info, formats, blank, format, write,
//! read, add, check, verify, eject (and `ls`/`extract` with `--dev`).
//!
//! Each opens the drive named by `--dev` (real, `mmc:`, `stdio:` or
//! `emul:`) through [`open`], hands the work to the glue library of this
//! crate (sessions at the next writable address, the multisession
//! emulation of overwritable media and image files, check-reads against
//! MD5 tags) or to the burn engine (`mmc::engine`) where the glue has
//! nothing to add, feeds the engine's progress reports to the renderer,
//! and returns a result to print.
//!
//! Ctrl-C: the drive carries the run's cancellation token, so the first
//! Ctrl-C stops the operation at the next command boundary (the engine
//! then leaves the drive consistent: cache synchronized, track closed,
//! tray unlocked) and the command exits with 130; a second one exits at
//! once.

mod add;
mod check;
mod info;
mod media;
mod read;
mod verify;
mod write;

pub use add::add;
pub use check::check;
pub use info::{formats, info};
pub use media::{blank, eject, format};
pub use read::read;
pub use verify::verify;
pub use write::write;

use mmc::address::Address;
use mmc::drive::Timing;
use mmc::emul::EmulOptions;
use mmc::engine::{Phase as EnginePhase, Progress, Recorder};
use mmc::open::{BoxedDrive, OpenOptions};
use mmc::transport::Transport;

use super::Ctx;
use crate::exit::Failure;
use crate::progress::{Event, Phase, Renderer};
use crate::signals;

/// The recorder type every drive command works with.
pub type Rec = Recorder<Box<dyn Transport + Send>>;

/// The environment variable that scales the emulated recorder's simulated
/// durations (blanking, formatting, closing): `0` makes them instant. A
/// testing aid; real drives are not affected.
pub const EMUL_TIME_SCALE_VAR: &str = "BURN_EMUL_TIME_SCALE";

/// The environment variable naming blocks of an emulated disc that cannot
/// be read (`LBA[-LBA],…`, inclusive): READ(10) commands touching them
/// fail with a medium error (3/11/00), as on a scratched disc. A testing
/// aid for `read`, `check` and `verify`; only `emul:` drives are affected.
pub const EMUL_BAD_BLOCKS_VAR: &str = "BURN_EMUL_BAD_BLOCKS";

/// The block ranges of [`EMUL_BAD_BLOCKS_VAR`] (end exclusive).
fn bad_blocks(value: &str) -> Result<Vec<std::ops::Range<u32>>, Failure> {
    let bad = || {
        Failure::usage(
            format!("{EMUL_BAD_BLOCKS_VAR}={value:?} is not a list of LBA or LBA-LBA"),
            Some("e.g. 100,200-209 (blocks of the emulated disc that cannot be read)"),
        )
    };
    value
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let (a, b) = p.trim().split_once('-').unwrap_or((p.trim(), p.trim()));
            let a: u32 = a.trim().parse().map_err(|_| bad())?;
            let b: u32 = b.trim().parse().map_err(|_| bad())?;
            if b < a || b == u32::MAX {
                return Err(bad());
            }
            Ok(a..b + 1)
        })
        .collect()
}

/// What a command does with the drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Reads only (info, formats, check, verify, ls, extract): a shared
    /// open.
    Read,
    /// Changes the medium or the tray (blank, format, eject): an exclusive
    /// open, so that automounters and other programs stay away.
    Change,
    /// Writes data (write, add): exclusive; a missing `stdio:` image file
    /// is created.
    Write,
}

/// The emulator options, with the time scale from
/// [`EMUL_TIME_SCALE_VAR`].
fn emul_options() -> Result<EmulOptions, Failure> {
    let mut o = EmulOptions::default();
    if let Some(v) = std::env::var_os(EMUL_TIME_SCALE_VAR) {
        let s = v.to_string_lossy();
        o.time_scale = s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| {
                Failure::usage(
                    format!("{EMUL_TIME_SCALE_VAR}={s:?} is not a number ≥ 0"),
                    Some("0 makes the emulated recorder's blanking and formatting instant; 1 is the default"),
                )
            })?;
    }
    Ok(o)
}

/// The open options of a command. Image files (which finish every
/// command before answering) and an emulated recorder whose operations
/// are instant (time scale 0) are polled without the pauses a real drive
/// needs.
fn open_options(ctx: &Ctx, address: &Address, access: Access) -> Result<OpenOptions, Failure> {
    let emul = emul_options()?;
    let instant = match address {
        Address::Stdio(_) => true,
        Address::Emul { .. } => emul.time_scale == 0.0,
        _ => false,
    };
    Ok(OpenOptions {
        exclusive: access != Access::Read,
        create: access == Access::Write && matches!(address, Address::Stdio(_)),
        trace: ctx.verbose >= 2,
        timing: if instant {
            Timing::fast()
        } else {
            Timing::default()
        },
        emul,
    })
}

/// Opens the drive of `--dev` with the run's cancellation token.
pub fn open_drive(ctx: &Ctx, access: Access) -> Result<BoxedDrive, Failure> {
    let address = ctx.require_dev()?;
    let opts = open_options(ctx, address, access)?;
    let mut drive = mmc::open::open(address, &opts)?;
    if let (Address::Emul { .. }, Some(v)) = (address, std::env::var_os(EMUL_BAD_BLOCKS_VAR)) {
        let ranges = bad_blocks(&v.to_string_lossy())?;
        let mut fi = mmc::fault::FaultInjector::new(drive.into_transport());
        for r in ranges {
            // READ(10), MMC-6 §6.15.
            fi.fail_lbas(0x28, r, mmc::fault::read_error());
        }
        drive = mmc::drive::Drive::with_timing(Box::new(fi), opts.timing);
    }
    log::info!("opened {}", drive.describe());
    Ok(drive.with_cancel(ctx.cancel.clone()))
}

/// Opens the drive of `--dev` as a recorder.
pub fn open(ctx: &Ctx, access: Access) -> Result<Rec, Failure> {
    Ok(Recorder::new(open_drive(ctx, access)?))
}

/// The `--dev` address as text, for results.
pub fn device_name(ctx: &Ctx) -> String {
    ctx.dev
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default()
}

/// The renderer's phase for an engine phase.
fn phase_of(p: EnginePhase) -> Phase {
    match p {
        EnginePhase::Blanking => Phase::Blanking,
        EnginePhase::Formatting => Phase::Formatting,
        EnginePhase::Reserving => Phase::Reserving,
        EnginePhase::Writing => Phase::Writing,
        EnginePhase::Padding => Phase::Padding,
        EnginePhase::Syncing => Phase::Syncing,
        EnginePhase::ClosingOpenSession
        | EnginePhase::ClosingTrack
        | EnginePhase::ClosingSession => Phase::Closing,
        EnginePhase::Finalizing | EnginePhase::StoppingFormat => Phase::Finalizing,
        EnginePhase::Reading => Phase::Reading,
        _ => Phase::Waiting,
    }
}

/// Resolution of a drive's progress indication as a ratio (MMC's
/// PROGRESS INDICATION counts to 65536).
const RATIO_SCALE: u64 = 65_536;

/// A progress event for an engine report: bytes while transferring,
/// a ratio while the drive reports one (blanking, formatting, closing),
/// else a spinner with the elapsed time.
pub fn event_of(p: &Progress) -> Event {
    let phase = phase_of(p.phase);
    let mut ev = match (p.total, p.fraction) {
        (None, Some(f)) if p.done == 0 => Event::ratio(
            phase,
            (f.clamp(0.0, 1.0) * RATIO_SCALE as f64) as u64,
            RATIO_SCALE,
        ),
        _ => Event::bytes(phase, p.done, p.total),
    };
    ev.fifo = p.fifo.map(|f| f.fraction());
    ev.buffer = p.drive_buffer;
    if let Some(r) = p.rate {
        ev.bytes_per_second = Some(r.mb_per_s * 1e6);
        ev.speed_x = Some(r.times);
    }
    ev
}

/// Runs `op` as an operation that the first Ctrl-C stops cleanly,
/// rendering its engine progress; the renderer is finished whatever
/// happens.
pub fn run_with_progress<R>(
    ctx: &Ctx,
    op: impl FnOnce(&mut dyn FnMut(&Progress)) -> Result<R, Failure>,
) -> Result<R, Failure> {
    let mut renderer = Renderer::new(&ctx.ui);
    signals::graceful(true);
    let result = op(&mut |p: &Progress| renderer.update(event_of(p)));
    signals::graceful(false);
    renderer.finish();
    result
}

/// Turns a cancellation into the interrupted failure with a note on the
/// state the medium was left in: the glue's when it knows (a write that
/// had begun), else `note`.
pub fn interrupted(ctx: &Ctx, f: Failure, note: &str) -> Failure {
    let (cancelled, aftermath) = match &f {
        Failure::Drive(mmc::Error::Cancelled) => (true, None),
        Failure::Glue(e) => (e.is_cancelled(), e.aftermath()),
        _ => (false, None),
    };
    if cancelled || (ctx.cancel.is_cancelled() && !matches!(f, Failure::Interrupted { .. })) {
        Failure::Interrupted {
            note: Some(aftermath.map_or_else(|| note.to_string(), |a| a.to_string())),
        }
    } else {
        f
    }
}

/// Blocks of 2048 bytes as bytes.
pub fn bytes_of(blocks: u64) -> u64 {
    blocks.saturating_mul(mmc::engine::BLOCK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Unit;
    use mmc::engine::{FifoState, Rate};
    use std::time::Duration;

    #[test]
    fn bad_block_lists() {
        assert_eq!(bad_blocks("5").unwrap(), vec![5..6]);
        assert_eq!(
            bad_blocks(" 100 , 200-209,").unwrap(),
            vec![100..101, 200..210]
        );
        assert!(bad_blocks("9-3").is_err());
        assert!(bad_blocks("x").is_err());
        assert!(bad_blocks("1-").is_err());
    }

    #[test]
    fn engine_reports_become_events() {
        let mut p = Progress::phase(EnginePhase::Blanking, Duration::from_secs(3));
        p.fraction = Some(0.25);
        let ev = event_of(&p);
        assert_eq!(ev.phase, Phase::Blanking);
        assert_eq!(ev.unit, Unit::Ratio);
        assert_eq!((ev.done, ev.total), (16_384, Some(65_536)));

        let p = Progress {
            done: 4 << 20,
            total: Some(8 << 20),
            fifo: Some(FifoState {
                filled: 1 << 20,
                capacity: 4 << 20,
            }),
            drive_buffer: Some(0.5),
            rate: Some(Rate {
                mb_per_s: 5.54,
                times: 4.0,
            }),
            ..Progress::phase(EnginePhase::Writing, Duration::from_secs(1))
        };
        let ev = event_of(&p);
        assert_eq!(ev.phase, Phase::Writing);
        assert_eq!(ev.unit, Unit::Bytes);
        assert_eq!((ev.done, ev.total), (4 << 20, Some(8 << 20)));
        assert_eq!(ev.fifo, Some(0.25));
        assert_eq!(ev.buffer, Some(0.5));
        assert_eq!(ev.speed_x, Some(4.0));
        assert_eq!(ev.bytes_per_second.map(f64::round), Some(5_540_000.0));

        let ev = event_of(&Progress::phase(
            EnginePhase::ClosingSession,
            Duration::ZERO,
        ));
        assert_eq!(ev.phase, Phase::Closing);
        assert_eq!(ev.total, None);
    }
}

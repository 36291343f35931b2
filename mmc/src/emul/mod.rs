//! An emulated MMC recorder: a [`Transport`] that answers raw CDBs as an
//! MMC-6 drive with a given medium would, so the whole burn stack runs above
//! it unchanged and without hardware.
//!
//! The emulator decodes CDBs itself from MMC-6 / SPC-4 and the project's
//! recipes (`mmc-recipes.md`), independently of [`crate::cmd`]: when the two
//! disagree one of them misreads the standard, which is the point of having
//! both.
//!
//! # Addresses and persistence
//!
//! `emul:KIND:PATH` addresses name a [`Media`] kind and an image path. The
//! medium's user data lives in the image (a sparse file of the medium's full
//! size); its durable state (profile state, sessions and tracks, NWA,
//! formatting, tray) lives in `PATH.emul` beside it, replaced atomically after
//! SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, RESERVE TRACK, BLANK, FORMAT UNIT
//! and load/eject, and when the emulator is dropped (the drive stays powered:
//! a disc left in a drive). So separate processes see the medium exactly like
//! a disc left in a drive. While open, the image is locked with `flock`; a
//! second process gets [`OpenErrorKind::Busy`]. (The lock is on the image,
//! not on the state file, because the state file is replaced by rename.)
//!
//! ROM kinds (`cd-rom`, `dvd-rom`, `bd-rom`) present an existing image file
//! as a pressed, finalized disc; the file is never written.
//!
//! # What is modelled
//!
//! Per medium: profiles and their changes (DVD-RW 0014h ↔ 0013h), disc status,
//! sessions, tracks, NWA and free blocks, session gaps, CD TAO run-out and
//! pre-gaps, CD SAO cue sheets, DVD-R Incremental and DAO, DVD+R/BD-R
//! reservations, close functions, BLANK, FORMAT UNIT types with their sizes,
//! DVD+RW background formatting, BD-R POW visibility (feature 0038h), mode
//! pages 05h and 2Ah, speeds, a write cache with READ BUFFER CAPACITY, Immed
//! operations with progress, tray, lock, unit attentions and media events.
//! Choices where MMC allows alternatives are documented at the code that
//! makes them (`disc.rs`, `exec.rs`).
//!
//! Not modelled: audio tracks and raw/CD-TEXT writing, test (simulation)
//! writes (page 05h Test Write is refused with 5/26/00), DVD-R DL, BD-R RRM,
//! Pseudo-Overwrite remapping (a POW-formatted BD-R is written like SRM),
//! defect management, multi-layer jumps.

mod disc;
mod exec;
mod fail;
mod media;
mod persist;
mod reply;
mod store;

pub use media::{Media, UnknownMedia};

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};

use crate::error::{Error, OpenErrorKind};
use crate::profile::Profile;
use crate::transport::{Completion, DataPhase, Transport, TransportError};

use disc::{Bg, Disc, Mode, SaoPlan, WriteParams};
use fail::Fail;
use store::{BLOCK, Store};

/// Tunables of the emulated drive.
#[derive(Clone, Debug, PartialEq)]
pub struct EmulOptions {
    /// Multiplies the simulated durations of BLANK, FORMAT UNIT, CLOSE,
    /// SYNCHRONIZE CACHE and DVD+RW background formatting. At 1.0 a full
    /// blank or format takes 2 s, closing a session 1 s, a background
    /// format 3 s; 0.0 makes every operation instantaneous.
    pub time_scale: f64,
    /// Use a clock that only moves through [`Emulator::advance_clock`]
    /// (deterministic tests of Immed progress) instead of the wall clock.
    pub manual_clock: bool,
    /// Size of the drive's write cache in bytes (rounded down to whole
    /// blocks, at least one block).
    pub cache_bytes: usize,
    /// Report 6/29/00 (power on) once, to the first command after open.
    pub power_on_attention: bool,
    /// Simulate a power cut once this many blocks have been accepted by
    /// WRITE: the WRITE that reaches the count and every later command fail
    /// with [`TransportError::DriveLost`]; the cache and unsaved state are
    /// lost.
    pub power_cut_after_blocks: Option<u64>,
}

impl Default for EmulOptions {
    fn default() -> Self {
        EmulOptions {
            time_scale: 1.0,
            manual_clock: false,
            cache_bytes: 4 << 20,
            power_on_attention: false,
            power_cut_after_blocks: None,
        }
    }
}

/// One track as [`Emulator::summary`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackSummary {
    pub number: u16,
    pub session: u16,
    pub start: u32,
    /// Blocks recorded (padding included once closed).
    pub recorded: u32,
    /// Logical track size (reserved size, CD TAO run-out included).
    pub size: u32,
    pub closed: bool,
    pub reserved: bool,
}

/// A snapshot of the emulated medium for tests and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub media: Media,
    /// Current profile; [`Profile::NONE`] when the tray is open.
    pub profile: Profile,
    pub loaded: bool,
    /// Disc Status as READ DISC INFORMATION reports it (0 blank, 1
    /// appendable, 2 complete, 3 other).
    pub disc_status: u8,
    /// Complete sessions.
    pub complete_sessions: u16,
    /// Recorded, reserved and incomplete tracks (sequential media).
    pub tracks: Vec<TrackSummary>,
    /// NWA of the invisible/incomplete track (sequential media).
    pub next_writable: Option<u32>,
    /// User data capacity: formatted size (overwritable), end of the user
    /// area (sequential), image size (ROM).
    pub capacity: u32,
    /// Bytes waiting in the write cache.
    pub cache_fill: usize,
    /// A BLANK/FORMAT/CLOSE/SYNC started with Immed is still running.
    pub busy: bool,
}

#[derive(Debug)]
enum Clock {
    Wall(Instant),
    Manual(Duration),
}

/// An operation started with Immed that the drive is still busy with.
#[derive(Clone, Copy, Debug)]
struct Op {
    /// 2/04/04 (format) instead of 2/04/07.
    format: bool,
    start: Duration,
    len: Duration,
}

/// Volatile drive state (lost at power-off, reset on medium load where
/// drives do so).
#[derive(Debug)]
struct DriveState {
    /// Page 05h as last selected (bytes 0.. of the page, 52 bytes).
    page05: [u8; reply::PAGE05_LEN],
    wp: WriteParams,
    write_speed: u32,
    read_speed: u32,
    prevent: bool,
    ua: Option<Fail>,
    /// Pending media event code for GET EVENT STATUS NOTIFICATION.
    media_event: u8,
    op: Option<Op>,
    sao: Option<SaoPlan>,
    /// Clock time and progress base of a running DVD+RW background format.
    bg_since: Duration,
    bg_base_ppm: u32,
}

/// The emulated recorder. See the [module documentation](self).
#[derive(Debug)]
pub struct Emulator {
    media: Media,
    image_path: PathBuf,
    state_path: PathBuf,
    opts: EmulOptions,
    disc: Disc,
    drive: DriveState,
    /// `None` after a power cut.
    store: Option<Store>,
    clock: Clock,
    blocks_written: u64,
    saved: String,
}

fn open_error(path: &Path, e: io::Error) -> Error {
    let kind = match e.kind() {
        io::ErrorKind::NotFound => OpenErrorKind::NotFound,
        io::ErrorKind::PermissionDenied => OpenErrorKind::PermissionDenied,
        _ => OpenErrorKind::Io(e),
    };
    Error::Open {
        path: path.to_path_buf(),
        kind,
    }
}

fn lock(path: &Path, file: File) -> Result<Flock<File>, Error> {
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| {
        if errno == Errno::EWOULDBLOCK {
            Error::Open {
                path: path.to_path_buf(),
                kind: OpenErrorKind::Busy,
            }
        } else {
            open_error(path, io::Error::from(errno))
        }
    })
}

impl Emulator {
    /// Opens the medium of kind `media` stored at `image` with default
    /// options; see [`Emulator::open_with`].
    pub fn open(media: Media, image: &Path) -> Result<Emulator, Error> {
        Emulator::open_with(media, image, EmulOptions::default())
    }

    /// Opens the medium of kind `media` stored at `image`.
    ///
    /// Writable kinds: loads `IMAGE.emul` when present (its kind must be
    /// `media`); otherwise creates a fresh medium as sold. A missing or empty
    /// image file becomes a blank medium; a non-empty image without state
    /// file is refused rather than overwritten. ROM kinds: the existing image
    /// is the disc.
    pub fn open_with(media: Media, image: &Path, opts: EmulOptions) -> Result<Emulator, Error> {
        let state_path = persist::state_path(image);
        let rom = media.is_rom();
        let file = if rom {
            File::open(image)
        } else {
            OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(image)
        }
        .map_err(|e| open_error(image, e))?;
        let file = lock(image, file)?;
        let len = file
            .metadata()
            .map_err(|e| Error::io(format!("reading {}", image.display()), e))?
            .len();
        let state = match std::fs::read_to_string(&state_path) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(format!("reading {}", state_path.display()), e)),
        };
        let rom_blocks = if rom {
            let blocks = len.div_ceil(BLOCK as u64);
            if blocks == 0 || blocks > u32::MAX as u64 {
                return Err(Error::Invalid(format!(
                    "{} cannot be a {media} disc: its size is {len} bytes",
                    image.display()
                )));
            }
            blocks as u32
        } else {
            0
        };
        let (mut disc, fresh) = match &state {
            Some(text) => {
                let mut d = persist::from_text(text, media)
                    .map_err(|e| Error::io(format!("reading {}", state_path.display()), e))?;
                if rom {
                    d.rom_blocks = rom_blocks;
                }
                (d, false)
            }
            None => {
                if !rom && len > 0 {
                    return Err(Error::Invalid(format!(
                        "{} exists but has no emulator state ({}); refusing to treat it as a blank {media} \
                         (use a new path, or a ROM kind to present an image as a pressed disc)",
                        image.display(),
                        state_path.display()
                    )));
                }
                (Disc::fresh(media, rom_blocks), true)
            }
        };
        if !rom {
            let want = media.blank_capacity() as u64 * BLOCK as u64;
            if len < want {
                file.set_len(want)
                    .map_err(|e| Error::io(format!("sizing {}", image.display()), e))?;
            }
        }
        let clock = if opts.manual_clock {
            Clock::Manual(Duration::ZERO)
        } else {
            Clock::Wall(Instant::now())
        };
        let store = Store::new(file, opts.cache_bytes, !rom);
        disc.loaded = disc.loaded || fresh;
        let mut emu = Emulator {
            media,
            image_path: image.to_path_buf(),
            state_path,
            drive: DriveState {
                page05: reply::default_page05(media),
                wp: reply::decode_page05(&reply::default_page05(media), false),
                write_speed: media.write_speeds().first().copied().unwrap_or(0),
                read_speed: media.read_speed(),
                prevent: false,
                ua: opts.power_on_attention.then_some(fail::POWER_ON),
                media_event: 0,
                op: None,
                sao: None,
                bg_since: Duration::ZERO,
                bg_base_ppm: disc.ow.bg_ppm,
            },
            opts,
            disc,
            store: Some(store),
            clock,
            blocks_written: 0,
            saved: state.unwrap_or_default(),
        };
        if fresh && !rom {
            emu.persist()
                .map_err(|e| Error::io(format!("writing {}", emu.state_path.display()), e))?;
        }
        Ok(emu)
    }

    /// The kind of medium.
    pub fn media(&self) -> Media {
        self.media
    }

    /// The image path.
    pub fn image_path(&self) -> &Path {
        &self.image_path
    }

    /// The options in force.
    pub fn options(&self) -> &EmulOptions {
        &self.opts
    }

    /// Moves the manual clock forward (no effect with the wall clock).
    pub fn advance_clock(&mut self, by: Duration) {
        if let Clock::Manual(t) = &mut self.clock {
            *t += by;
        }
    }

    /// Cuts the power now: cached data and unsaved state are lost, the image
    /// is closed and unlocked, and every later command fails with
    /// [`TransportError::DriveLost`]. Reopening the image shows the last
    /// saved state.
    pub fn power_cut(&mut self) {
        if let Some(mut s) = self.store.take() {
            s.discard();
        }
    }

    /// True after a power cut.
    pub fn is_dead(&self) -> bool {
        self.store.is_none()
    }

    /// The durable state as it would be saved (the state file's text).
    pub fn state_text(&self) -> String {
        persist::to_text(&self.disc)
    }

    /// A snapshot of the medium.
    pub fn summary(&self) -> Summary {
        let d = &self.disc;
        let seq = d.mode() == Mode::Sequential;
        let tracks = if seq {
            d.seq
                .tracks
                .iter()
                .enumerate()
                .map(|(i, t)| TrackSummary {
                    number: i as u16 + 1,
                    session: t.session,
                    start: t.start,
                    recorded: t.recorded,
                    size: t.size(),
                    closed: t.closed,
                    reserved: t.reserved.is_some(),
                })
                .collect()
        } else {
            Vec::new()
        };
        Summary {
            media: self.media,
            profile: d.profile(),
            loaded: d.loaded,
            disc_status: reply::disc_status(d),
            complete_sessions: match d.mode() {
                Mode::Sequential => d.seq.closed_sessions,
                _ => 1,
            },
            tracks,
            next_writable: if seq { d.seq.invisible_nwa() } else { None },
            capacity: d.user_area(),
            cache_fill: self.store.as_ref().map_or(0, Store::fill),
            busy: self.op_running().is_some(),
        }
    }

    fn now(&self) -> Duration {
        match &self.clock {
            Clock::Wall(t0) => t0.elapsed(),
            Clock::Manual(t) => *t,
        }
    }

    /// The running Immed operation and its progress (0..=65535).
    fn op_running(&self) -> Option<(Op, u16)> {
        let op = self.drive.op?;
        let elapsed = self.now().saturating_sub(op.start);
        if elapsed >= op.len {
            return None;
        }
        let p = (elapsed.as_secs_f64() / op.len.as_secs_f64() * 65536.0) as u32;
        Some((op, p.min(65535) as u16))
    }

    /// Saves the durable state when it changed since the last save.
    fn persist(&mut self) -> io::Result<()> {
        // A ROM image gets a state file only once its tray state differs
        // from the default.
        if self.media.is_rom() && self.saved.is_empty() && self.disc.loaded {
            return Ok(());
        }
        self.bg_update();
        let text = persist::to_text(&self.disc);
        if text != self.saved {
            persist::save(&self.state_path, &text)?;
            self.saved = text;
        }
        Ok(())
    }

    /// Moves a running DVD+RW background format forward by the clock.
    fn bg_update(&mut self) {
        if self.disc.ow.bg != Bg::Running {
            return;
        }
        let total = self.scaled(BG_FORMAT_SECS);
        let elapsed = self.now().saturating_sub(self.drive.bg_since);
        let done = if total.is_zero() {
            1_000_000
        } else {
            (elapsed.as_secs_f64() / total.as_secs_f64() * 1e6) as u64
        };
        let ppm = (self.drive.bg_base_ppm as u64 + done).min(1_000_000) as u32;
        self.disc.ow.bg_ppm = ppm;
        if ppm >= 1_000_000 {
            self.disc.ow.bg = Bg::Complete;
        }
    }

    /// Starts the background-format clock from the current progress.
    fn bg_start(&mut self) {
        self.drive.bg_since = self.now();
        self.drive.bg_base_ppm = self.disc.ow.bg_ppm;
    }

    fn scaled(&self, secs: f64) -> Duration {
        let s = secs * self.opts.time_scale;
        if s.is_finite() && s > 0.0 {
            Duration::from_secs_f64(s)
        } else {
            Duration::ZERO
        }
    }
}

/// DVD+RW background format duration at time scale 1.
const BG_FORMAT_SECS: f64 = 3.0;

impl Transport for Emulator {
    fn execute(
        &mut self,
        cdb: &[u8],
        mut data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        if self.store.is_none() {
            return Err(TransportError::DriveLost);
        }
        self.run(cdb, &mut data, timeout)
    }

    fn describe(&self) -> String {
        format!("emul:{}:{}", self.media.name(), self.image_path.display())
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let Some(store) = self.store.as_mut() else {
            return;
        };
        if let Err(e) = store.sync() {
            log::error!("emulator: flushing {}: {e}", self.image_path.display());
        }
        if let Err(e) = self.persist() {
            log::error!("emulator: saving {}: {e}", self.state_path.display());
        }
    }
}

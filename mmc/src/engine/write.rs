//! Writing a session on sequential media (`mmc-recipes.md` §6, §7): CD TAO
//! and SAO, DVD-R/RW Incremental and DAO, DVD+R / BD-R open-ended or
//! reserved, and `stdio:` pipes.
//!
//! The caller first asks [`Recorder::prepare`] where the session starts and
//! how much fits ([`SessionTarget`]), plans an ISO 9660 image for exactly
//! that start, then streams it with [`Recorder::write_session`]. Nothing is
//! written before the session is known to fit and the medium allows it.

use std::io::{Read, Write};
use std::time::Instant;

use crate::cmd::{
    CloseFunction, CloseTrackSession, ModeSelect10, ReadBufferCapacity, ReserveTrack, SendCueSheet,
    SynchronizeCache, TrackInformation, Write10, WriteParameters,
};
use crate::drive::{Cancel, Drive, WaitKind};
use crate::error::{Error, Result, Unsuitable};
use crate::profile::{Family, Profile};
use crate::transport::Transport;

use super::Recorder;
use super::fifo::{Chunk, DEFAULT_FIFO_BYTES, FifoWriter, fifo};
use super::info::{Damage, MediaInfo, MediaKind, MediaStatus, WriteFeatures};
use super::lock::Locked;
use super::progress::{FifoState, Phase, Progress, RateMeter, from_wait};

/// Bytes per block.
pub const BLOCK: u64 = 2048;

/// The write type the caller asks for (xorriso `-write_type`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum WriteType {
    /// The automatic choice of `mmc-recipes.md` §6.3: blank CD → SAO
    /// (size known) else TAO; appendable CD → TAO; blank DVD-R/RW → DAO
    /// when the disc shall be closed, else Incremental; DVD-R DL and
    /// minimally blanked DVD-RW → DAO; DVD+R / BD-R → reserved when the
    /// size is known, else open-ended.
    #[default]
    Auto,
    /// CD Track At Once; DVD-R/RW Incremental; DVD+R / BD-R open-ended.
    Tao,
    /// CD Session At Once; DVD-R/RW Disc At Once; DVD+R / BD-R reserved.
    Sao,
    /// As [`WriteType::Sao`].
    Dao,
    /// DVD-R/RW Incremental (feature 0021h); DVD+R / BD-R open-ended.
    Incremental,
}

/// How a session is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionOptions {
    pub write_type: WriteType,
    /// Close (finalize) the disc after this session: nothing can be
    /// appended afterwards.
    pub close: bool,
    /// Simulation (page 05h Test Write) where the medium and drive support
    /// it (CD per features 002Dh/002Eh, DVD-R/RW per 002Fh); refused
    /// otherwise.
    pub dummy: bool,
    /// FIFO between the source reader and the drive, bytes (default 4 MiB).
    pub fifo_bytes: usize,
    /// DVD+R / BD-R: reserve the track when the size is known (the drive
    /// then pads a shorter track on close). Falls back to open-ended when
    /// the drive rejects RESERVE TRACK.
    pub reserve: bool,
    /// CD: zero blocks written after the image (`mmc-recipes.md` §6.6:
    /// ≥ 150, 300 KiB, so read-ahead does not trip over TAO run-out).
    pub cd_padding_blocks: u32,
    /// Buffer underrun protection (page 05h BUFE) when the drive offers it.
    pub underrun_protection: bool,
    /// READ BUFFER CAPACITY every this many blocks (0: never).
    pub buffer_poll_blocks: u32,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            write_type: WriteType::Auto,
            close: false,
            dummy: false,
            fifo_bytes: DEFAULT_FIFO_BYTES,
            reserve: true,
            cd_padding_blocks: 150,
            underrun_protection: true,
            buffer_poll_blocks: 1024,
        }
    }
}

/// The write method used for a session, after the automatic choice.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WriteMethod {
    /// CD Track At Once (page 05h write type 01h).
    CdTao,
    /// CD Session At Once with a cue sheet, from LBA −150.
    CdSao,
    /// DVD-R/RW Incremental (page 05h write type 00h).
    Incremental,
    /// DVD-R/RW/DL Disc At Once with RESERVE TRACK; closes the disc.
    Dao,
    /// DVD+R / BD-R with RESERVE TRACK of the padded size.
    Reserved,
    /// DVD+R / BD-R written at the NWA without reservation.
    OpenEnded,
    /// A `stdio:` pipe: plain sequential writes.
    Stream,
}

/// What was closed after a session.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Closure {
    /// Nothing (a write that failed before its close).
    None,
    /// The track was closed; the session was not.
    Track,
    /// The session was closed; the disc stays appendable.
    Session,
    /// The disc was finalized (or a DAO disc closed itself, or a pipe was
    /// finished).
    Disc,
}

/// Where a new session goes and how much fits: the result of
/// [`Recorder::prepare`]. Plan the ISO image for [`SessionTarget::start`].
#[derive(Clone, Debug, PartialEq)]
pub struct SessionTarget {
    pub profile: Profile,
    pub kind: MediaKind,
    /// Start LBA of the session: the NWA. All addresses inside the new ISO
    /// 9660 tree are absolute LBAs from here (`mmc-recipes.md` §7.1).
    pub start: u32,
    /// Free blocks from `start` (padding included in what must fit).
    pub free_blocks: u64,
    /// The logical track that will receive the session.
    pub track_number: u16,
    /// Start of the last complete session (where the previous ISO 9660
    /// superblock lives), `None` on a blank medium.
    pub msc1: Option<u32>,
    /// The medium is blank: this is the first session.
    pub first_session: bool,
    /// [`Recorder::prepare`] closed a BD-R session that was left open.
    pub closed_open_session: bool,
    /// Blocks per WRITE command.
    pub chunk_blocks: u32,
    pub options: SessionOptions,
    features: WriteFeatures,
    dvd_r_dl: bool,
}

impl SessionTarget {
    /// The write method for an image of `image_bytes` (`None`: unknown
    /// size, streamed), or why the request cannot be honoured.
    pub fn method(&self, image_bytes: Option<u64>) -> Result<WriteMethod> {
        let known = image_bytes.is_some();
        let o = &self.options;
        let blank = self.first_session;
        let refuse = |why: String| Err(Error::Unsuitable(Unsuitable::Other(why)));
        let p = self.profile;
        let method = match self.kind {
            MediaKind::SequentialCd => match o.write_type {
                WriteType::Auto => {
                    if blank && known {
                        WriteMethod::CdSao
                    } else {
                        WriteMethod::CdTao
                    }
                }
                WriteType::Tao => WriteMethod::CdTao,
                WriteType::Sao | WriteType::Dao => {
                    if !blank {
                        return refuse(format!(
                            "SAO writes only the first session of a blank {p}; use TAO to append"
                        ));
                    }
                    WriteMethod::CdSao
                }
                WriteType::Incremental => {
                    return refuse(format!(
                        "incremental writing applies to DVD-R/RW, not to {p}; use TAO"
                    ));
                }
            },
            MediaKind::SequentialDvdMinus => {
                let incremental = self.features.incremental.is_some() && !self.dvd_r_dl;
                match o.write_type {
                    WriteType::Auto => {
                        if blank && (o.close || !incremental) && known {
                            WriteMethod::Dao
                        } else if incremental {
                            WriteMethod::Incremental
                        } else if !blank {
                            return refuse(format!(
                                "this {p} can only be written in DAO, which needs a blank disc"
                            ));
                        } else {
                            return refuse(format!(
                                "this {p} can only be written in DAO, which needs the size in advance"
                            ));
                        }
                    }
                    WriteType::Tao | WriteType::Incremental => {
                        if !incremental {
                            return refuse(format!(
                                "incremental writing is not available on this {p} (feature 0021h \
                                 is not current: a minimally blanked DVD-RW or a DVD-R DL); blank \
                                 it fully or write DAO"
                            ));
                        }
                        WriteMethod::Incremental
                    }
                    WriteType::Sao | WriteType::Dao => WriteMethod::Dao,
                }
            }
            MediaKind::SequentialPlusOrBd => match o.write_type {
                WriteType::Auto => {
                    if known && o.reserve {
                        WriteMethod::Reserved
                    } else {
                        WriteMethod::OpenEnded
                    }
                }
                WriteType::Tao | WriteType::Incremental => WriteMethod::OpenEnded,
                WriteType::Sao | WriteType::Dao => WriteMethod::Reserved,
            },
            MediaKind::WriteOnceStream => WriteMethod::Stream,
            _ => {
                return refuse(format!("{p} is not written session by session"));
            }
        };
        if matches!(method, WriteMethod::CdSao | WriteMethod::Dao) {
            if !known {
                return refuse(format!(
                    "{} needs the size of the session in advance",
                    if method == WriteMethod::Dao {
                        "DAO"
                    } else {
                        "SAO"
                    }
                ));
            }
            if !blank {
                return refuse(format!("DAO writes only a blank {p}"));
            }
        }
        Ok(method)
    }

    /// Blocks the session occupies for an image of `image_bytes`,
    /// padding included (`mmc-recipes.md` §6.6).
    pub fn blocks_needed(&self, image_bytes: u64, method: WriteMethod) -> u64 {
        padded_blocks(
            image_bytes.div_ceil(BLOCK),
            method,
            self.chunk_blocks,
            self.options.cd_padding_blocks,
        )
    }

    /// The largest image (blocks) that fits with its padding.
    pub fn max_image_blocks(&self) -> u64 {
        let free = self.free_blocks;
        match self.kind {
            MediaKind::SequentialCd => free.saturating_sub(self.options.cd_padding_blocks as u64),
            MediaKind::WriteOnceStream => free,
            _ => {
                let align = match self.kind {
                    MediaKind::SequentialDvdMinus => 16,
                    _ => self.chunk_blocks as u64,
                };
                free / align * align
            }
        }
    }

    /// Checks that an image of `image_bytes` fits, before anything is
    /// written.
    pub fn check_fits(&self, image_bytes: u64) -> Result<()> {
        let method = self.method(Some(image_bytes))?;
        let need = self.blocks_needed(image_bytes, method);
        if need > self.free_blocks {
            return Err(Error::Unsuitable(Unsuitable::DoesNotFit {
                need,
                free: self.free_blocks,
            }));
        }
        Ok(())
    }
}

/// §6.6 padding: CD image + padding, at least 300 blocks; DVD-R/RW 32 KiB;
/// DVD+R / BD-R the write chunk; pipes none.
pub(crate) fn padded_blocks(image: u64, method: WriteMethod, chunk: u32, cd_pad: u32) -> u64 {
    let round = |v: u64, to: u64| v.div_ceil(to) * to;
    match method {
        WriteMethod::CdTao | WriteMethod::CdSao => (image + cd_pad as u64).max(300),
        WriteMethod::Incremental | WriteMethod::Dao => round(image, 16),
        WriteMethod::Reserved | WriteMethod::OpenEnded => round(image, chunk as u64),
        WriteMethod::Stream => image,
    }
}

/// What a session write did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteReport {
    /// LBA of the first data block (the session start).
    pub start: u32,
    /// Blocks written from `start`, padding included (CD SAO: without the
    /// 150 pre-gap blocks before LBA 0).
    pub blocks_written: u64,
    /// Blocks of the image itself (its bytes rounded up to blocks).
    pub image_blocks: u64,
    /// Bytes read from the source.
    pub image_bytes: u64,
    pub method: WriteMethod,
    pub closure: Closure,
    /// Simulation: nothing was recorded.
    pub dummy: bool,
}

/// The closes sent after a write that went wrong (for the log).
fn closes_sent(closure: Closure) -> &'static str {
    match closure {
        Closure::None => "no CLOSE TRACK/SESSION was sent",
        Closure::Track => "the track was closed, the session was not",
        Closure::Session | Closure::Disc => "the track and the session were closed",
    }
}

/// What a sequential medium holds after a session write that stopped part
/// way, as the drive reports it when inspected afterwards (READ DISC
/// INFORMATION, READ TRACK INFORMATION of the disc and of the write's
/// track): whatever the engine tried to close, this is what the disc is
/// now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LeftBehind {
    /// The drive reports the disc blank: no session was recorded (a CD SAO
    /// session whose cue sheet was never completed).
    Blank,
    /// Nothing was recorded: the next session still starts at the same
    /// address and the earlier sessions are as they were.
    Unchanged { next_writable: u32 },
    /// What was written was closed as a session of its own: an incomplete
    /// copy of the data; the disc stays appendable. `next_writable` is
    /// where the next session would start; `None` when the drive reports
    /// no writable address (a full disc).
    Session {
        number: u16,
        start: u32,
        blocks: u32,
        next_writable: Option<u32>,
    },
    /// What was written was closed as a session of its own, and the drive
    /// reports the disc closed (DVD-R DAO, or a drive that finalizes on any
    /// close, like tgt): nothing more can be added.
    FinalSession {
        number: u16,
        start: u32,
        blocks: u32,
    },
    /// The track from `start` holds what was written and is left open
    /// (incomplete: READ TRACK INFORMATION shows it writable or damaged);
    /// earlier sessions are intact. `next_writable` is where the drive
    /// would write next, if anywhere.
    OpenTrack {
        start: u32,
        next_writable: Option<u32>,
    },
    /// The track from `start` holds what was written and was closed, but
    /// its session was not: the session is left open (incomplete); earlier
    /// sessions are intact. `next_writable` is the drive's next writable
    /// address, if any.
    OpenSession {
        start: u32,
        next_writable: Option<u32>,
    },
    /// What was written from `start` is in no complete session, and the
    /// drive did not say whether its track is open or closed (READ TRACK
    /// INFORMATION failed).
    Incomplete {
        start: u32,
        next_writable: Option<u32>,
    },
    /// The drive reports the disc closed, without a session at the start
    /// of the write.
    Closed,
    /// A pipe or character device: the reader got the written blocks only.
    Stream,
    /// The drive could not be asked afterwards (lost, no medium).
    Unknown,
}

impl LeftBehind {
    /// Compares the medium after the write (`after`) with where the session
    /// was to start (`target`); `track` is READ TRACK INFORMATION of the
    /// write's track ([`SessionTarget::track_number`]) read afterwards, if
    /// the drive answered it.
    pub fn assess(
        target: &SessionTarget,
        after: Option<&MediaInfo>,
        track: Option<&TrackInformation>,
    ) -> LeftBehind {
        if target.kind == MediaKind::WriteOnceStream {
            return LeftBehind::Stream;
        }
        let Some(a) = after.filter(|a| a.kind != MediaKind::NoMedium) else {
            return LeftBehind::Unknown;
        };
        if let Some(s) = a.sessions.iter().find(|s| s.start == target.start) {
            return match a.status {
                MediaStatus::Closed => LeftBehind::FinalSession {
                    number: s.number,
                    start: s.start,
                    blocks: s.blocks,
                },
                status => LeftBehind::Session {
                    number: s.number,
                    start: s.start,
                    blocks: s.blocks,
                    next_writable: a
                        .next_writable()
                        .filter(|_| status == MediaStatus::Appendable),
                },
            };
        }
        match a.status {
            MediaStatus::Blank => LeftBehind::Blank,
            MediaStatus::Appendable => {
                let (start, next_writable) = (target.start, a.next_writable());
                if next_writable == Some(start) {
                    return LeftBehind::Unchanged {
                        next_writable: start,
                    };
                }
                // The write's track as the drive reports it: NWA_V, or
                // damage without it, is a track not closed (MMC-6 §6.26.3;
                // `mmc-recipes.md` §3.4).
                match track.filter(|t| t.track_number == target.track_number) {
                    Some(t) if t.nwa_valid || t.damage => LeftBehind::OpenTrack {
                        start,
                        next_writable,
                    },
                    Some(_) => LeftBehind::OpenSession {
                        start,
                        next_writable,
                    },
                    None => LeftBehind::Incomplete {
                        start,
                        next_writable,
                    },
                }
            }
            MediaStatus::Closed => LeftBehind::Closed,
            _ => LeftBehind::Unknown,
        }
    }
}

/// A session write that began and did not complete: where it started, how
/// far it got, and what the medium holds now
/// ([`Recorder::last_aborted_write`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AbortedWrite {
    /// The session start (the NWA the write began at).
    pub start: u32,
    /// Blocks sent to the drive from `start` before the stop.
    pub written: u64,
    /// The disc was blank: the write was of its first session.
    pub first_session: bool,
    pub left: LeftBehind,
}

impl std::fmt::Display for AbortedWrite {
    /// What the medium holds, in a sentence (no capital, no full stop).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.written;
        let blocks = |n: u64| format!("{n} block{}", if n == 1 { "" } else { "s" });
        let earlier = if self.first_session {
            ""
        } else {
            "earlier sessions are intact and "
        };
        match self.left {
            LeftBehind::Blank => write!(
                f,
                "no session was recorded ({} had been sent): the drive reports the disc blank",
                blocks(n)
            ),
            LeftBehind::Unchanged { next_writable } => write!(
                f,
                "nothing was recorded: {earlier}the next session still starts at LBA \
                 {next_writable}"
            ),
            LeftBehind::Session {
                number,
                start,
                blocks: b,
                next_writable,
            } => {
                write!(
                    f,
                    "the {} written were closed as session {number} (LBA {start}, {}), which \
                     holds an incomplete copy of the data; ",
                    blocks(n),
                    blocks(u64::from(b))
                )?;
                match next_writable {
                    Some(w) => write!(
                        f,
                        "{earlier}the disc stays appendable (next session at LBA {w})"
                    ),
                    None => write!(f, "{earlier}the drive reports no writable address"),
                }
            }
            LeftBehind::FinalSession {
                number,
                start,
                blocks: b,
            } => write!(
                f,
                "the {} written were closed as session {number} (LBA {start}, {}), which holds \
                 an incomplete copy of the data; the disc is closed: nothing more can be added",
                blocks(n),
                blocks(u64::from(b))
            ),
            LeftBehind::OpenTrack {
                start,
                next_writable,
            } => {
                write!(
                    f,
                    "the track at LBA {start} is left open (incomplete) with the {} written; ",
                    blocks(n)
                )?;
                match next_writable {
                    Some(w) => write!(f, "{earlier}the next session would start at LBA {w}"),
                    None => write!(f, "{earlier}the drive reports no writable address"),
                }
            }
            LeftBehind::OpenSession {
                start,
                next_writable,
            } => {
                write!(
                    f,
                    "the track at LBA {start} with the {} written was closed, but its session \
                     was left open (incomplete); ",
                    blocks(n)
                )?;
                match next_writable {
                    Some(w) => write!(f, "{earlier}the next writable address is LBA {w}"),
                    None => write!(f, "{earlier}the drive reports no writable address"),
                }
            }
            LeftBehind::Incomplete {
                start,
                next_writable,
            } => {
                write!(
                    f,
                    "the {} written from LBA {start} are in no complete session, and the drive \
                     did not say whether their track is closed; ",
                    blocks(n)
                )?;
                match next_writable {
                    Some(w) => write!(f, "{earlier}the next writable address is LBA {w}"),
                    None => write!(f, "{earlier}the drive reports no writable address"),
                }
            }
            LeftBehind::Closed => f.write_str(
                "the drive reports the disc closed, with no session where the write began",
            ),
            LeftBehind::Stream => write!(
                f,
                "the output got the first {} only: an incomplete copy of the data",
                blocks(n)
            ),
            LeftBehind::Unknown => f.write_str(
                "the drive could not be asked afterwards: the state of the disc is unknown",
            ),
        }
    }
}

/// BD-R sub-family helpers.
fn is_bd(p: Profile) -> bool {
    p.family() == Family::Bd
}

fn sense_is(e: &Error, key: u8, asc: u8, ascq: u8) -> bool {
    e.sense().is_some_and(|s| s.is(key, asc, ascq))
}

/// Runs an Immed command and polls until the drive is done.
pub(crate) fn run_and_wait<T: Transport, C: crate::cmd::Command>(
    drive: &mut Drive<T>,
    cmd: &C,
    phase: Phase,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let started = Instant::now();
    progress(&Progress::phase(phase, started.elapsed()));
    drive.run(cmd)?;
    drive.wait_ready(WaitKind::Close, None, &mut |w| {
        progress(&from_wait(phase, w, started))
    })?;
    Ok(())
}

pub(crate) fn sync_cache<T: Transport>(
    drive: &mut Drive<T>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    run_and_wait(
        drive,
        &SynchronizeCache { immed: true },
        Phase::Syncing,
        progress,
    )
}

impl<T: Transport> Recorder<T> {
    /// Where a new session goes and how much fits (`mmc-recipes.md` §6.1
    /// steps 1 and 4, §7.1). Refuses closed, read-only, unsupported and
    /// damaged media; closes a BD-R session that was left open
    /// (`mmc-recipes.md` §3.2; the NWA moves); with
    /// `expected_bytes`, also checks that the session fits and that the
    /// write type applies.
    ///
    /// Overwritable media are written with [`Recorder::overwrite`] at an
    /// address the multisession emulation decides.
    pub fn prepare(
        &mut self,
        options: &SessionOptions,
        expected_bytes: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SessionTarget> {
        self.medium_may_change();
        let mut info = self.inspect()?.clone();
        check_sequential(&info)?;
        let mut closed_open_session = false;
        if info.profile == Profile::BD_R_SRM && info.last_session_open {
            log::warn!(
                "{}: the last session of this BD-R is still open; closing it first",
                self.drive.describe()
            );
            {
                let mut drive = Locked::new(&mut self.drive)?;
                close_open_session(&mut drive, info.disc_info.as_ref(), progress)?;
            }
            closed_open_session = true;
            info = self.inspect()?.clone();
            check_sequential(&info)?;
        }
        let target = target_of(&info, options, closed_open_session)?;
        if options.dummy {
            check_dummy(&target, target.method(expected_bytes)?)?;
        }
        if let Some(bytes) = expected_bytes {
            target.check_fits(bytes)?;
        }
        Ok(target)
    }

    /// Writes one session from `source` at `target.start` (`mmc-recipes.md`
    /// §6.1): page 05h where the medium needs it, RESERVE TRACK or SEND CUE
    /// SHEET, WRITE(10) in chunks with strictly increasing LBA, padding,
    /// SYNCHRONIZE CACHE, and the closes of `mmc-recipes.md` §6.7 — with
    /// the tray locked, the source read by a separate thread through a
    /// FIFO, and progress reported to `progress`.
    ///
    /// `image_bytes` is the exact size of the source when known (required
    /// for CD SAO and DVD-R DAO); a source that ends early is an error.
    ///
    /// Errors before the first WRITE leave the medium untouched. A WRITE
    /// error fails the operation with the drive's sense and LBA after a
    /// best-effort SYNCHRONIZE CACHE and no close (the track is left open,
    /// except a CD TAO track, which SYNCHRONIZE CACHE closes:
    /// `mmc-recipes.md` §6.7). Cancellation
    /// through the drive's [`Cancel`] token, and a failing source, stop at
    /// the next command; the track and session are then closed (never
    /// finalized) and [`Error::Cancelled`] (or the source's error) is
    /// returned — never success. Either way the medium is inspected again
    /// and [`Recorder::last_aborted_write`] tells what it holds: drives
    /// differ (a CD SAO session never completed leaves the disc blank, tgt
    /// finalizes on any close).
    pub fn write_session<R: Read + Send>(
        &mut self,
        target: &SessionTarget,
        source: R,
        image_bytes: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteReport> {
        self.write_session_fed(
            target,
            move |w: FifoWriter| w.pump(source, image_bytes),
            image_bytes,
            progress,
        )
    }

    /// As [`Recorder::write_session`], with the data written by `producer`
    /// into a [`Write`] (an ISO 9660 image streamed by its writer) on the
    /// reader thread. A producer that stops early, writes more than
    /// `image_bytes`, or fails ends the session like a failing source.
    pub fn write_session_from<F>(
        &mut self,
        target: &SessionTarget,
        producer: F,
        image_bytes: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteReport>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()> + Send,
    {
        self.write_session_fed(
            target,
            move |w: FifoWriter| w.produce(producer, image_bytes),
            image_bytes,
            progress,
        )
    }

    fn write_session_fed<F: FnOnce(FifoWriter) + Send>(
        &mut self,
        target: &SessionTarget,
        feed: F,
        image_bytes: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteReport> {
        self.medium_may_change();
        self.drive.cancel_token().check()?;
        let method = target.method(image_bytes)?;
        if target.options.dummy {
            check_dummy(target, method)?;
        }
        let needed = image_bytes.map(|b| target.blocks_needed(b, method));
        if let Some(need) = needed
            && need > target.free_blocks
        {
            return Err(Error::Unsuitable(Unsuitable::DoesNotFit {
                need,
                free: target.free_blocks,
            }));
        }
        // The disc must still be as prepared.
        let now = self.inspect()?.clone();
        check_sequential(&now)?;
        let same =
            now.next_track.is_some_and(|t| t.nwa == target.start) && now.profile == target.profile;
        if !same {
            return Err(Error::Unsuitable(Unsuitable::Other(format!(
                "the disc changed since the session was prepared for LBA {} (now: {:?}); plan it again",
                target.start,
                now.next_writable()
            ))));
        }

        let (result, written) = {
            let mut drive = Locked::new(&mut self.drive)?;
            let mut job = Job {
                target,
                method,
                image_bytes,
                needed,
                progress,
                written: 0,
            };
            let r = job.run(&mut *drive, feed);
            (r, job.written)
        };
        self.bg_started = false;
        // Re-inspect whatever happened (also after cancellation: what the
        // disc now holds is part of the answer), and after a failure ask
        // for the write's track, which a close may or may not have closed;
        // a lost drive cannot be asked.
        let (after, track) = if self.drive.is_lost() {
            (None, None)
        } else {
            let saved = self.drive.replace_cancel(Cancel::new());
            let after = self.inspect().ok().cloned();
            let track = if result.is_err() && target.kind != MediaKind::WriteOnceStream {
                self.drive
                    .track_info(u32::from(target.track_number))
                    .inspect_err(|e| {
                        log::debug!("track {} after the write: {e}", target.track_number)
                    })
                    .ok()
            } else {
                None
            };
            self.drive.replace_cancel(saved);
            (after, track)
        };
        if let Err(e) = &result {
            let aborted = AbortedWrite {
                start: target.start,
                written,
                first_session: target.first_session,
                left: LeftBehind::assess(target, after.as_ref(), track.as_ref()),
            };
            // Logged once, at debug: the caller tells the user from
            // last_aborted_write(), and a log line at a level the user sees
            // would say the same sentence twice.
            log::debug!(
                "the session write at LBA {} stopped after {written} blocks ({e}); {aborted}",
                target.start
            );
            self.aborted = Some(aborted);
        }
        result
    }

    /// The last session write ([`Recorder::write_session`],
    /// [`Recorder::write_session_from`]) that failed or was cancelled
    /// after its checks passed and the tray was locked: what the medium
    /// holds now, as the drive reported it when inspected right after.
    /// [`AbortedWrite::written`] is 0 when it stopped before any data, in
    /// its setup (page 05h, RESERVE TRACK, SEND CUE SHEET).
    ///
    /// `None` after a write that succeeded, or that was refused by its
    /// checks (size, write type, a disc changed since
    /// [`Recorder::prepare`], a tray that could not be locked); and from
    /// the start of any later operation that may change the medium:
    /// [`Recorder::prepare`], another session write, [`Recorder::blank`],
    /// [`Recorder::format`], [`Recorder::close_disc`],
    /// [`Recorder::close_damaged`], [`Recorder::overwrite`],
    /// [`Recorder::eject`], [`Recorder::load`].
    pub fn last_aborted_write(&self) -> Option<&AbortedWrite> {
        self.aborted.as_ref()
    }

    /// Finalizes an appendable sequential disc without writing a session:
    /// CD and DVD-R/RW CLOSE SESSION with page 05h multi-session 00b, DVD+R
    /// 101b, BD-R 110b (`mmc-recipes.md` §6.7).
    pub fn close_disc(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Closure> {
        self.medium_may_change();
        let info = self.inspect()?.clone();
        info.supported()?;
        match info.status {
            MediaStatus::Closed => return Ok(Closure::None),
            MediaStatus::Blank => {
                return Err(Error::Unsuitable(Unsuitable::Other(
                    "the disc is blank: there is no session to close".into(),
                )));
            }
            _ => {}
        }
        if !matches!(
            info.kind,
            MediaKind::SequentialCd | MediaKind::SequentialDvdMinus | MediaKind::SequentialPlusOrBd
        ) {
            return Err(Error::Unsuitable(Unsuitable::Other(format!(
                "{} cannot be closed (finalized)",
                info.profile
            ))));
        }
        {
            let mut drive = Locked::new(&mut self.drive)?;
            let function = match info.kind {
                MediaKind::SequentialPlusOrBd if is_bd(info.profile) => CloseFunction::FinalizeDisc,
                MediaKind::SequentialPlusOrBd => CloseFunction::FinalizeMinimalRadius,
                _ => {
                    let page = if info.kind == MediaKind::SequentialCd {
                        WriteParameters::cd_tao_data(false, false, false)
                    } else {
                        match info.features.incremental {
                            Some(i) => WriteParameters::dvd_incremental(
                                i.link_size.unwrap_or(16),
                                false,
                                false,
                                false,
                            ),
                            None => WriteParameters::dvd_dao(false, false),
                        }
                    };
                    drive.send(&ModeSelect10::write_parameters(&page))?;
                    CloseFunction::Session
                }
            };
            run_and_wait(
                &mut *drive,
                &CloseTrackSession::new(function),
                Phase::Finalizing,
                progress,
            )?;
        }
        self.inspect()?;
        Ok(Closure::Disc)
    }

    /// Closes a damaged, not writable track and its session (CLOSE TRACK
    /// 001b, CLOSE SESSION 010b; xorriso `-close_damaged`,
    /// `sense-and-retries.md` §5.3).
    pub fn close_damaged(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Closure> {
        self.medium_may_change();
        let info = self.inspect()?.clone();
        let Some(t) = info.next_track.filter(|t| t.damage == Damage::NotWritable) else {
            return Err(Error::Unsuitable(Unsuitable::Other(
                "there is no damaged track to close".into(),
            )));
        };
        {
            let mut drive = Locked::new(&mut self.drive)?;
            run_and_wait(
                &mut *drive,
                &CloseTrackSession::track(t.number),
                Phase::ClosingTrack,
                progress,
            )?;
            run_and_wait(
                &mut *drive,
                &CloseTrackSession::session(),
                Phase::ClosingSession,
                progress,
            )?;
        }
        self.inspect()?;
        Ok(Closure::Session)
    }
}

/// Closes the open last session of a BD-R (`mmc-recipes.md` §3.2): first
/// every incomplete track in it (a written, not closed track: 5/72/03
/// otherwise), then the session.
fn close_open_session<T: Transport>(
    drive: &mut Drive<T>,
    di: Option<&crate::cmd::DiscInformation>,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    if let Some(di) = di {
        let first = di.first_track_last_session.max(1);
        let last = di.last_track_last_session.min(first.saturating_add(256));
        for n in first..=last {
            let ti = match drive.track_info(n as u32) {
                Ok(ti) => ti,
                Err(e @ Error::Sense { .. }) => {
                    log::debug!("track {n}: {e}");
                    break;
                }
                Err(e) => return Err(e),
            };
            if !ti.blank && ti.nwa_valid {
                run_and_wait(
                    drive,
                    &CloseTrackSession::track(n),
                    Phase::ClosingOpenSession,
                    progress,
                )?;
            }
        }
    }
    run_and_wait(
        drive,
        &CloseTrackSession::session(),
        Phase::ClosingOpenSession,
        progress,
    )
}

/// Refuses what cannot take a new session (`mmc-recipes.md` §6.1 step 1).
fn check_sequential(info: &MediaInfo) -> Result<()> {
    info.supported()?;
    match info.kind {
        MediaKind::ReadOnly => return Err(Error::Unsuitable(Unsuitable::ReadOnly(info.profile))),
        MediaKind::Overwritable => {
            return Err(Error::Invalid(format!(
                "{} is overwritable: write it with Recorder::overwrite at the address the \
                 multisession emulation chooses",
                info.profile
            )));
        }
        _ => {}
    }
    match info.status {
        MediaStatus::Empty => Err(Error::Unsuitable(Unsuitable::NoMedium)),
        MediaStatus::Closed => Err(Error::Unsuitable(Unsuitable::Closed)),
        _ => match info.next_track {
            None => Err(Error::Unsuitable(Unsuitable::Other(format!(
                "the drive reports no writable address on this {}",
                info.profile
            )))),
            Some(t) if t.damage == Damage::NotWritable => {
                Err(Error::Unsuitable(Unsuitable::Damaged))
            }
            Some(t) => {
                if t.damage == Damage::Writable {
                    log::warn!("the track at LBA {} is marked damaged but writable", t.nwa);
                }
                Ok(())
            }
        },
    }
}

fn target_of(
    info: &MediaInfo,
    options: &SessionOptions,
    closed_open_session: bool,
) -> Result<SessionTarget> {
    let t = info
        .next_track
        .ok_or(Error::Unsuitable(Unsuitable::Closed))?;
    let chunk_blocks = match info.kind {
        MediaKind::SequentialCd => 32,
        _ => info.profile.write_chunk_blocks(),
    };
    Ok(SessionTarget {
        profile: info.profile,
        kind: info.kind.clone(),
        start: t.nwa,
        free_blocks: t.free as u64,
        track_number: t.number,
        msc1: info.msc1(),
        first_session: info.status == MediaStatus::Blank,
        closed_open_session,
        chunk_blocks,
        options: options.clone(),
        features: info.features.clone(),
        dvd_r_dl: info.profile == Profile::DVD_R_DL_SEQ,
    })
}

/// Simulation is possible only where the features say so
/// (`mmc-recipes.md` §12.1: 002Dh, 002Eh, 002Fh Test Write).
fn check_dummy(target: &SessionTarget, method: WriteMethod) -> Result<()> {
    let f = &target.features;
    let offered = match method {
        WriteMethod::CdTao => f.cd_tao.is_some_and(|x| x.test_write),
        WriteMethod::CdSao => f.cd_mastering.is_some_and(|x| x.test_write),
        WriteMethod::Incremental | WriteMethod::Dao => f.dvd_minus.is_some_and(|x| x.test_write),
        _ => {
            return Err(Error::Unsuitable(Unsuitable::Other(format!(
                "simulation (dummy writing) is not possible on {}; only CD-R/RW and DVD-R/RW \
                 support it",
                target.profile
            ))));
        }
    };
    if offered {
        Ok(())
    } else {
        Err(Error::Unsuitable(Unsuitable::Other(format!(
            "the drive does not offer simulation (Test Write) for {} in this write mode",
            target.profile
        ))))
    }
}

/// One session write in progress.
struct Job<'a> {
    target: &'a SessionTarget,
    method: WriteMethod,
    image_bytes: Option<u64>,
    /// Padded blocks when the size is known.
    needed: Option<u64>,
    progress: &'a mut dyn FnMut(&Progress),
    /// Blocks sent from the session start so far (after the data phase).
    written: u64,
}

/// How the data phase ended.
enum Stop {
    /// All data and padding written.
    Done,
    /// Cancellation or a failing source: close, then report `Error`.
    Abort(Error),
    /// A WRITE (or the drive) failed: no close.
    Fail(Error),
}

impl Job<'_> {
    fn bufe(&self) -> bool {
        let f = &self.target.features;
        self.target.options.underrun_protection
            && match self.method {
                WriteMethod::CdTao => f.cd_tao.is_some_and(|x| x.buf),
                WriteMethod::CdSao => f.cd_mastering.is_some_and(|x| x.buf),
                WriteMethod::Incremental | WriteMethod::Dao => f.dvd_minus.is_some_and(|x| x.buf),
                _ => false,
            }
    }

    /// Page 05h for the method (`mmc-recipes.md` §6.2), `None` where the
    /// medium takes none.
    fn page05(&self, keep_appendable: bool) -> Option<WriteParameters> {
        let (tw, bufe) = (self.target.options.dummy, self.bufe());
        match self.method {
            WriteMethod::CdTao => Some(WriteParameters::cd_tao_data(keep_appendable, tw, bufe)),
            WriteMethod::CdSao => Some(WriteParameters::cd_sao(keep_appendable, tw, bufe)),
            WriteMethod::Incremental => Some(WriteParameters::dvd_incremental(
                self.target
                    .features
                    .incremental
                    .and_then(|i| i.link_size)
                    .unwrap_or(16),
                keep_appendable,
                tw,
                bufe,
            )),
            WriteMethod::Dao => Some(WriteParameters::dvd_dao(tw, bufe)),
            _ => None,
        }
    }

    fn report(&mut self, p: Progress) {
        (self.progress)(&p);
    }

    fn run<T: Transport, F: FnOnce(FifoWriter) + Send>(
        &mut self,
        drive: &mut Drive<T>,
        feed: F,
    ) -> Result<WriteReport> {
        let t = self.target;
        let keep = !t.options.close;
        // Setup: nothing here writes user data.
        if let Some(page) = self.page05(keep) {
            drive.send(&ModeSelect10::write_parameters(&page))?;
        }
        let method = self.method;
        match method {
            WriteMethod::CdSao => {
                let blocks = self.needed.unwrap_or(0);
                let cue = u32::try_from(blocks)
                    .ok()
                    .and_then(SendCueSheet::single_data_track)
                    .ok_or_else(|| {
                        Error::Invalid(format!("{blocks} blocks do not fit a CD cue sheet"))
                    })?;
                self.report(Progress::phase(Phase::Reserving, Default::default()));
                drive.send(&cue)?;
            }
            WriteMethod::Dao => {
                self.reserve(drive, true)?;
            }
            WriteMethod::Reserved if !self.reserve(drive, false)? => {
                self.method = WriteMethod::OpenEnded;
            }
            _ => {}
        }

        drive.set_writing(true);
        let (stop, written, bytes) = std::thread::scope(|s| {
            let chunk_bytes = (t.chunk_blocks as u64 * BLOCK) as usize;
            let (writer, reader) = fifo(t.options.fifo_bytes, chunk_bytes);
            s.spawn(move || feed(writer));
            let mut pump = Pump::new(self, drive, reader);
            let stop = pump.run();
            let written = pump.lba - t.start as i64;
            let bytes = pump.bytes;
            // Dropping the pump drops the reader end: the source thread
            // stops at its next chunk.
            drop(pump);
            (stop, written, bytes)
        });
        let written = written.max(0) as u64;
        self.written = written;

        let result = match stop {
            Stop::Done => {
                let closure = self.finish(drive)?;
                Ok(WriteReport {
                    start: t.start,
                    blocks_written: written,
                    image_blocks: bytes.div_ceil(BLOCK),
                    image_bytes: bytes,
                    method: self.method,
                    closure,
                    dummy: t.options.dummy,
                })
            }
            Stop::Fail(e) => {
                // Best effort: flush what the drive holds; leave the track
                // open (its NWA is skipped by the next session).
                if !drive.is_lost() {
                    let saved = drive.replace_cancel(Cancel::new());
                    if let Err(e2) = sync_cache(drive, &mut |_| {}) {
                        log::warn!("SYNCHRONIZE CACHE after the failed write: {e2}");
                    }
                    drive.replace_cancel(saved);
                }
                log::debug!(
                    "after the failed write at LBA {}: {}",
                    t.start,
                    closes_sent(Closure::None)
                );
                Err(e)
            }
            Stop::Abort(e) => {
                let saved = drive.replace_cancel(Cancel::new());
                let closure = self.close_after_abort(drive);
                drive.replace_cancel(saved);
                log::debug!(
                    "after the stopped write at LBA {}: {}",
                    t.start,
                    closes_sent(closure)
                );
                Err(e)
            }
        };
        drive.set_writing(false);
        result
    }

    /// RESERVE TRACK of the padded size. Optional reservations (DVD+R,
    /// BD-R) fall back to open-ended on 5/20/00 and 5/24/00 (tgt rejects
    /// RESERVE TRACK): returns false then.
    fn reserve<T: Transport>(&mut self, drive: &mut Drive<T>, mandatory: bool) -> Result<bool> {
        let blocks = self.needed.unwrap_or(0);
        let blocks = u32::try_from(blocks)
            .map_err(|_| Error::Invalid(format!("{blocks} blocks cannot be reserved")))?;
        self.report(Progress::phase(Phase::Reserving, Default::default()));
        match drive.run(&ReserveTrack { blocks }) {
            Ok(_) => Ok(true),
            Err(e)
                if !mandatory
                    && e.sense()
                        .is_some_and(|s| s.is_invalid_opcode() || s.is_invalid_field()) =>
            {
                log::info!("RESERVE TRACK refused ({e}); writing open-ended");
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The closes of `mmc-recipes.md` §6.7 after a complete write.
    fn finish<T: Transport>(&mut self, drive: &mut Drive<T>) -> Result<Closure> {
        let t = self.target;
        let close = t.options.close;
        sync_cache(drive, self.progress)?;
        let session = if close {
            Closure::Disc
        } else {
            Closure::Session
        };
        match self.method {
            WriteMethod::CdTao => {
                // CLOSE TRACK is optional on CD (SYNCHRONIZE CACHE closes a
                // TAO track); page 05h multi-session decides finalizing.
                let phase = if close {
                    Phase::Finalizing
                } else {
                    Phase::ClosingSession
                };
                run_and_wait(drive, &CloseTrackSession::session(), phase, self.progress)?;
                Ok(session)
            }
            WriteMethod::CdSao => Ok(session),
            WriteMethod::Dao => Ok(Closure::Disc),
            WriteMethod::Incremental => {
                run_and_wait(
                    drive,
                    &CloseTrackSession::track(t.track_number),
                    Phase::ClosingTrack,
                    self.progress,
                )?;
                let phase = if close {
                    Phase::Finalizing
                } else {
                    Phase::ClosingSession
                };
                run_and_wait(drive, &CloseTrackSession::session(), phase, self.progress)?;
                Ok(session)
            }
            WriteMethod::Reserved | WriteMethod::OpenEnded => {
                run_and_wait(
                    drive,
                    &CloseTrackSession::track(t.track_number),
                    Phase::ClosingTrack,
                    self.progress,
                )?;
                let (function, phase) = match (close, is_bd(t.profile)) {
                    (false, _) => (CloseFunction::Session, Phase::ClosingSession),
                    (true, true) => (CloseFunction::FinalizeDisc, Phase::Finalizing),
                    (true, false) => (CloseFunction::FinalizeMinimalRadius, Phase::Finalizing),
                };
                run_and_wait(
                    drive,
                    &CloseTrackSession::new(function),
                    phase,
                    self.progress,
                )?;
                Ok(session)
            }
            WriteMethod::Stream => {
                run_and_wait(
                    drive,
                    &CloseTrackSession::session(),
                    Phase::ClosingSession,
                    self.progress,
                )?;
                Ok(Closure::Disc)
            }
        }
    }

    /// After cancellation or a failing source: SYNCHRONIZE CACHE, close the
    /// track and the session without finalizing, as far as the drive
    /// allows. Failures are logged; returns what was closed.
    fn close_after_abort<T: Transport>(&mut self, drive: &mut Drive<T>) -> Closure {
        let t = self.target;
        let mut quiet = |_: &Progress| {};
        if let Err(e) = sync_cache(drive, &mut quiet) {
            log::warn!("SYNCHRONIZE CACHE after abort: {e}");
            return Closure::None;
        }
        let step = |drive: &mut Drive<T>, cmd: CloseTrackSession, phase| -> bool {
            match run_and_wait(drive, &cmd, phase, &mut |_| {}) {
                Ok(()) => true,
                Err(e) => {
                    log::warn!("closing after abort: {e}");
                    false
                }
            }
        };
        match self.method {
            // A SAO session is announced by its cue sheet; a DAO disc is
            // closed by CLOSE SESSION (the drive pads the reservation).
            WriteMethod::CdSao => Closure::None,
            WriteMethod::Dao => {
                if step(drive, CloseTrackSession::session(), Phase::ClosingSession) {
                    Closure::Disc
                } else {
                    Closure::None
                }
            }
            WriteMethod::CdTao | WriteMethod::Incremental => {
                // Keep the disc appendable whatever the job asked for.
                if t.options.close
                    && let Some(page) = self.page05(true)
                    && let Err(e) = drive.send(&ModeSelect10::write_parameters(&page))
                {
                    log::warn!("page 05h after abort: {e}");
                    return Closure::None;
                }
                let mut closure = Closure::None;
                if self.method == WriteMethod::Incremental {
                    if !step(
                        drive,
                        CloseTrackSession::track(t.track_number),
                        Phase::ClosingTrack,
                    ) {
                        return closure;
                    }
                    closure = Closure::Track;
                }
                if step(drive, CloseTrackSession::session(), Phase::ClosingSession) {
                    closure = Closure::Session;
                }
                closure
            }
            WriteMethod::Reserved | WriteMethod::OpenEnded => {
                if !step(
                    drive,
                    CloseTrackSession::track(t.track_number),
                    Phase::ClosingTrack,
                ) {
                    return Closure::None;
                }
                if step(drive, CloseTrackSession::session(), Phase::ClosingSession) {
                    Closure::Session
                } else {
                    Closure::Track
                }
            }
            WriteMethod::Stream => {
                if step(drive, CloseTrackSession::session(), Phase::ClosingSession) {
                    Closure::Disc
                } else {
                    Closure::None
                }
            }
        }
    }
}

/// The writer side of the data phase.
struct Pump<'j, 'a, T: Transport> {
    job: &'j mut Job<'a>,
    drive: &'j mut Drive<T>,
    fifo: super::fifo::FifoReader,
    /// Next LBA to write.
    lba: i64,
    /// Upper write limit: NWA + free blocks (`sense-and-retries.md` §5.2).
    limit: i64,
    bytes: u64,
    meter: RateMeter,
    next_buffer_poll: i64,
    buffer_fill: Option<f64>,
    zeros: Vec<u8>,
    first_write: bool,
}

impl<'j, 'a, T: Transport> Pump<'j, 'a, T> {
    fn new(job: &'j mut Job<'a>, drive: &'j mut Drive<T>, fifo: super::fifo::FifoReader) -> Self {
        let t = job.target;
        let start = t.start as i64;
        Pump {
            lba: start,
            limit: start + t.free_blocks as i64,
            bytes: 0,
            meter: RateMeter::new(t.profile),
            next_buffer_poll: start + t.options.buffer_poll_blocks as i64,
            buffer_fill: None,
            zeros: Vec::new(),
            first_write: true,
            job,
            drive,
            fifo,
        }
    }

    fn run(&mut self) -> Stop {
        let t = self.job.target;
        let chunk = t.chunk_blocks as usize;
        // CD SAO: the 150 pre-gap blocks of track 1 from LBA −150.
        if self.job.method == WriteMethod::CdSao {
            let mut lba = -150i64;
            while lba < 0 {
                let n = (-lba).min(chunk as i64) as usize;
                if let Err(stop) = self.write_zeros_at(lba, n) {
                    return stop;
                }
                lba += n as i64;
            }
        }
        loop {
            if let Err(e) = self.drive.cancel_token().check() {
                return Stop::Abort(e);
            }
            match self.fifo.next() {
                Chunk::Data(mut buf, n) => {
                    self.bytes += n as u64;
                    let mut blocks = (n as u64).div_ceil(BLOCK) as usize;
                    if n < buf.len() {
                        // The last data: pad it within this WRITE to the
                        // packet / chunk boundary (DVD+R and DVD-R
                        // Incremental take whole 16-block packets only).
                        let end = t.start as u64
                            + padded_blocks(
                                self.bytes.div_ceil(BLOCK),
                                self.job.method,
                                t.chunk_blocks,
                                t.options.cd_padding_blocks,
                            );
                        let room = end.saturating_sub(self.lba.max(0) as u64) as usize;
                        blocks = blocks.max(room.min(chunk));
                    }
                    buf[n..blocks * BLOCK as usize].fill(0);
                    let r = self.write(&buf[..blocks * BLOCK as usize], Phase::Writing);
                    self.fifo.recycle(buf);
                    if let Err(stop) = r {
                        return stop;
                    }
                }
                Chunk::End => break,
                Chunk::Failed(e) => {
                    return Stop::Abort(Error::io("reading the session's source", e));
                }
            }
        }
        // Padding (`mmc-recipes.md` §6.6).
        let image_blocks = self.bytes.div_ceil(BLOCK);
        let total = padded_blocks(
            image_blocks,
            self.job.method,
            t.chunk_blocks,
            t.options.cd_padding_blocks,
        );
        if let Some(need) = self.job.needed
            && need != total
        {
            return Stop::Fail(Error::Invalid(format!(
                "the session grew to {total} blocks but {need} were announced"
            )));
        }
        let end = t.start as i64 + total as i64;
        while self.lba < end {
            if let Err(e) = self.drive.cancel_token().check() {
                return Stop::Abort(e);
            }
            let n = (end - self.lba).min(chunk as i64) as usize;
            if let Err(stop) = self.write_zeros_at(self.lba, n) {
                return stop;
            }
        }
        Stop::Done
    }

    fn write_zeros_at(&mut self, lba: i64, blocks: usize) -> Result<(), Stop> {
        let len = blocks * BLOCK as usize;
        if self.zeros.len() < len {
            self.zeros = vec![0u8; len];
        }
        let zeros = std::mem::take(&mut self.zeros);
        let saved = self.lba;
        self.lba = lba;
        let r = self.write(&zeros[..len], Phase::Padding);
        self.zeros = zeros;
        if lba < 0 {
            // The pre-gap precedes the session start.
            self.lba = saved;
        }
        r
    }

    /// One WRITE(10) at `self.lba`, with the client-side address guard and
    /// the DVD-RW Incremental → DAO fallback on the very first WRITE.
    fn write(&mut self, data: &[u8], phase: Phase) -> Result<(), Stop> {
        let blocks = (data.len() as u64 / BLOCK) as i64;
        if self.lba >= 0 && self.lba + blocks > self.limit {
            return Err(Stop::Fail(Error::Unsuitable(Unsuitable::DoesNotFit {
                need: (self.lba + blocks - self.job.target.start as i64) as u64,
                free: self.job.target.free_blocks,
            })));
        }
        let cmd = Write10::new(self.lba as i32, blocks as u16);
        match self.drive.exec(&cmd, crate::DataPhase::Out(data)) {
            Ok(_) => {}
            Err(e) if self.first_write && self.can_fall_back_to_dao(&e) => {
                log::warn!(
                    "Incremental writing refused on the first WRITE ({e}): the disc is \
                     untouched, writing it in DAO (feature 21h failure)"
                );
                self.fall_back_to_dao().map_err(Stop::Fail)?;
                self.drive
                    .exec(&cmd, crate::DataPhase::Out(data))
                    .map_err(Stop::Fail)?;
            }
            Err(e) => return Err(Stop::Fail(e)),
        }
        self.first_write = false;
        if self.lba >= 0 {
            self.lba += blocks;
        }
        self.after_write(data.len() as u64, phase);
        Ok(())
    }

    /// 5/64/00 on the first WRITE of a DVD-RW in Incremental mode
    /// (`sense-and-retries.md` §5.3): possible when the size is known and
    /// the disc is blank.
    fn can_fall_back_to_dao(&self, e: &Error) -> bool {
        self.job.method == WriteMethod::Incremental
            && self.job.target.profile == Profile::DVD_RW_SEQ
            && self.job.target.first_session
            && self.job.image_bytes.is_some()
            && sense_is(e, 0x5, 0x64, 0x00)
    }

    fn fall_back_to_dao(&mut self) -> Result<()> {
        self.job.method = WriteMethod::Dao;
        let bytes = self.job.image_bytes.unwrap_or(0);
        let need = self.job.target.blocks_needed(bytes, WriteMethod::Dao);
        self.job.needed = Some(need);
        if let Some(page) = self.job.page05(false) {
            self.drive.send(&ModeSelect10::write_parameters(&page))?;
        }
        self.job.reserve(self.drive, true)?;
        Ok(())
    }

    fn after_write(&mut self, bytes: u64, phase: Phase) {
        let t = self.job.target;
        let rate = self.meter.add(bytes);
        if t.options.buffer_poll_blocks > 0 && self.lba >= self.next_buffer_poll {
            self.next_buffer_poll = self.lba + t.options.buffer_poll_blocks as i64;
            match self.drive.query(&ReadBufferCapacity::new()) {
                Ok(b) if b.buffer_len > 0 => self.buffer_fill = Some(b.fill()),
                Ok(_) => {}
                Err(e) => {
                    log::debug!("READ BUFFER CAPACITY: {e}; not asking again");
                    self.next_buffer_poll = i64::MAX;
                }
            }
        }
        let done = (self.lba - t.start as i64).max(0) as u64 * BLOCK;
        let p = Progress {
            phase,
            done,
            total: self.job.needed.map(|b| b * BLOCK),
            fraction: None,
            elapsed: self.meter.elapsed(),
            lba: Some(self.lba),
            fifo: Some(FifoState {
                filled: self.fifo.filled(),
                capacity: self.fifo.capacity(),
            }),
            drive_buffer: self.buffer_fill,
            rate: rate.or_else(|| self.meter.average(done)),
        };
        self.job.report(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::{CdTrackAtOnce, DvdMinusRWrite};
    use crate::engine::info::{IncrementalFeature, NextTrack};

    fn target(profile: Profile, kind: MediaKind, blank: bool, f: WriteFeatures) -> SessionTarget {
        SessionTarget {
            profile,
            kind,
            start: 0,
            free_blocks: 1_000_000,
            track_number: 1,
            msc1: None,
            first_session: blank,
            closed_open_session: false,
            chunk_blocks: 16,
            options: SessionOptions::default(),
            dvd_r_dl: profile == Profile::DVD_R_DL_SEQ,
            features: f,
        }
    }

    fn inc() -> WriteFeatures {
        WriteFeatures {
            incremental: Some(IncrementalFeature {
                link_size: Some(16),
                buf: true,
            }),
            ..WriteFeatures::default()
        }
    }

    /// `mmc-recipes.md` §2, §6.3: DVD-R DL is DAO only, single session.
    #[test]
    fn dvd_r_dl_is_dao_only() {
        let t = target(
            Profile::DVD_R_DL_SEQ,
            MediaKind::SequentialDvdMinus,
            true,
            inc(),
        );
        assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Dao);
        assert!(t.method(None).is_err());
        let mut i = t.clone();
        i.options.write_type = WriteType::Incremental;
        assert!(i.method(Some(1)).is_err());
    }

    /// A blank DVD-R with Incremental Streaming: Incremental unless the
    /// disc shall be closed; appendable: always Incremental.
    #[test]
    fn dvd_r_automatic_choice() {
        let mut t = target(
            Profile::DVD_R_SEQ,
            MediaKind::SequentialDvdMinus,
            true,
            inc(),
        );
        assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Incremental);
        t.options.close = true;
        assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Dao);
        t.first_session = false;
        assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Incremental);
        let mut dao = t.clone();
        dao.options.write_type = WriteType::Dao;
        assert!(dao.method(Some(1)).is_err(), "DAO writes only blank discs");
    }

    #[test]
    fn simulation_where_the_features_offer_it() {
        let f = WriteFeatures {
            cd_tao: Some(CdTrackAtOnce {
                test_write: true,
                ..CdTrackAtOnce::default()
            }),
            dvd_minus: Some(DvdMinusRWrite {
                test_write: true,
                ..DvdMinusRWrite::default()
            }),
            ..inc()
        };
        let cd = target(Profile::CD_R, MediaKind::SequentialCd, false, f.clone());
        assert!(check_dummy(&cd, WriteMethod::CdTao).is_ok());
        // SAO needs 002Eh Test Write, which is absent here.
        assert!(check_dummy(&cd, WriteMethod::CdSao).is_err());
        let dvd = target(Profile::DVD_RW_SEQ, MediaKind::SequentialDvdMinus, true, f);
        assert!(check_dummy(&dvd, WriteMethod::Dao).is_ok());
        assert!(check_dummy(&dvd, WriteMethod::Incremental).is_ok());
        let plus = target(
            Profile::DVD_PLUS_R,
            MediaKind::SequentialPlusOrBd,
            true,
            WriteFeatures::default(),
        );
        assert!(check_dummy(&plus, WriteMethod::Reserved).is_err());
    }

    /// `mmc-recipes.md` §3.4: damage without NWA_V is refused; with NWA_V
    /// writable (warned).
    #[test]
    fn damaged_tracks() {
        let mut info = MediaInfo::for_tests(Profile::DVD_PLUS_R, MediaKind::SequentialPlusOrBd);
        info.status = MediaStatus::Appendable;
        info.next_track = Some(NextTrack {
            number: 2,
            nwa: 1000,
            free: 0,
            damage: Damage::NotWritable,
            reserved: false,
        });
        assert!(matches!(
            check_sequential(&info),
            Err(Error::Unsuitable(Unsuitable::Damaged))
        ));
        info.next_track = Some(NextTrack {
            free: 500,
            damage: Damage::Writable,
            ..info.next_track.unwrap()
        });
        assert!(check_sequential(&info).is_ok());
        info.status = MediaStatus::Closed;
        assert!(matches!(
            check_sequential(&info),
            Err(Error::Unsuitable(Unsuitable::Closed))
        ));
    }

    /// READ TRACK INFORMATION of track 3 from LBA 5000 with 64 blocks
    /// recorded.
    fn track_3(nwa_valid: bool, damage: bool) -> TrackInformation {
        TrackInformation {
            length: 46,
            track_number: 3,
            session_number: 2,
            ljrs: 0,
            damage,
            copy: false,
            track_mode: 4,
            reserved: false,
            blank: false,
            packet: true,
            fixed_packet: true,
            data_mode: 1,
            lra_valid: true,
            nwa_valid,
            start: 5000,
            next_writable: 5064,
            free_blocks: if nwa_valid { 100_000 } else { 0 },
            packet_size: 16,
            size: 64,
            last_recorded: Some(5063),
            read_compatibility_lba: None,
            next_layer_jump: None,
            last_layer_jump: None,
        }
    }

    /// Each state the drive can report after a stopped write, in words
    /// that say what the drive reported.
    #[test]
    fn what_a_stopped_write_left_behind() {
        use crate::engine::info::SessionEntry;
        let mut t = target(
            Profile::DVD_PLUS_R,
            MediaKind::SequentialPlusOrBd,
            false,
            WriteFeatures::default(),
        );
        t.start = 5000;
        t.track_number = 3;
        let mut after = MediaInfo::for_tests(Profile::DVD_PLUS_R, MediaKind::SequentialPlusOrBd);
        let text = |left| {
            AbortedWrite {
                start: 5000,
                written: 64,
                first_session: false,
                left,
            }
            .to_string()
        };
        assert_eq!(LeftBehind::assess(&t, None, None), LeftBehind::Unknown);

        after.status = MediaStatus::Appendable;
        after.next_track = Some(NextTrack {
            number: 3,
            nwa: 5000,
            free: 100_000,
            damage: Damage::None,
            reserved: false,
        });
        let left = LeftBehind::assess(&t, Some(&after), None);
        assert_eq!(
            left,
            LeftBehind::Unchanged {
                next_writable: 5000
            }
        );
        assert_eq!(
            text(left),
            "nothing was recorded: earlier sessions are intact and the next session still starts \
             at LBA 5000"
        );

        // The NWA moved on: the track says whether it is still open.
        after.next_track = after.next_track.map(|n| NextTrack { nwa: 5064, ..n });
        let open = track_3(true, false);
        let left = LeftBehind::assess(&t, Some(&after), Some(&open));
        assert_eq!(
            text(left),
            "the track at LBA 5000 is left open (incomplete) with the 64 blocks written; earlier \
             sessions are intact and the next session would start at LBA 5064"
        );
        // Damaged without NWA_V: not closed either.
        let damaged = track_3(false, true);
        assert!(matches!(
            LeftBehind::assess(&t, Some(&after), Some(&damaged)),
            LeftBehind::OpenTrack { start: 5000, .. }
        ));
        // CLOSE TRACK went through, CLOSE SESSION did not.
        after.next_track = after.next_track.map(|n| NextTrack {
            number: 4,
            nwa: 5080,
            ..n
        });
        let closed = track_3(false, false);
        let left = LeftBehind::assess(&t, Some(&after), Some(&closed));
        assert_eq!(
            left,
            LeftBehind::OpenSession {
                start: 5000,
                next_writable: Some(5080)
            }
        );
        assert_eq!(
            text(left),
            "the track at LBA 5000 with the 64 blocks written was closed, but its session was \
             left open (incomplete); earlier sessions are intact and the next writable address is \
             LBA 5080"
        );
        // The drive did not answer for the track (or for another one).
        let other = TrackInformation {
            track_number: 4,
            ..track_3(true, false)
        };
        for track in [None, Some(&other)] {
            let left = LeftBehind::assess(&t, Some(&after), track);
            assert_eq!(
                text(left),
                "the 64 blocks written from LBA 5000 are in no complete session, and the drive \
                 did not say whether their track is closed; earlier sessions are intact and the \
                 next writable address is LBA 5080"
            );
        }

        // A session of its own on an appendable disc without an NWA (full):
        // not "closed".
        after.next_track = None;
        after.sessions = vec![SessionEntry {
            number: 2,
            start: 5000,
            blocks: 64,
            tracks: Vec::new(),
            volume_id: None,
        }];
        let left = LeftBehind::assess(&t, Some(&after), Some(&closed));
        assert_eq!(
            text(left),
            "the 64 blocks written were closed as session 2 (LBA 5000, 64 blocks), which holds an \
             incomplete copy of the data; earlier sessions are intact and the drive reports no \
             writable address"
        );
        after.status = MediaStatus::Closed;
        let left = LeftBehind::assess(&t, Some(&after), Some(&closed));
        assert_eq!(
            left,
            LeftBehind::FinalSession {
                number: 2,
                start: 5000,
                blocks: 64
            }
        );
        assert_eq!(
            text(left),
            "the 64 blocks written were closed as session 2 (LBA 5000, 64 blocks), which holds an \
             incomplete copy of the data; the disc is closed: nothing more can be added"
        );
        after.sessions.clear();
        assert_eq!(
            LeftBehind::assess(&t, Some(&after), None),
            LeftBehind::Closed
        );
        after.kind = MediaKind::NoMedium;
        assert_eq!(
            LeftBehind::assess(&t, Some(&after), None),
            LeftBehind::Unknown
        );
    }

    #[test]
    fn padding_of_recipes_section_6_6() {
        // CD: image + 150, at least 300 blocks.
        assert_eq!(padded_blocks(10, WriteMethod::CdTao, 32, 150), 300);
        assert_eq!(padded_blocks(1000, WriteMethod::CdSao, 32, 150), 1150);
        // DVD-R/RW: 32 KiB.
        assert_eq!(padded_blocks(17, WriteMethod::Dao, 16, 150), 32);
        assert_eq!(padded_blocks(32, WriteMethod::Incremental, 16, 150), 32);
        // DVD+R 32 KiB, BD-R 64 KiB.
        assert_eq!(padded_blocks(17, WriteMethod::OpenEnded, 16, 150), 32);
        assert_eq!(padded_blocks(33, WriteMethod::Reserved, 32, 150), 64);
        assert_eq!(padded_blocks(33, WriteMethod::Stream, 16, 150), 33);
    }
}

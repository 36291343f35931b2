//! Adding files to a medium as a new ISO 9660 session — the multisession
//! backup (`mmc-recipes.md` §7.1 on sequential media, §8.2 on overwritable
//! media and image files; MD5 carry-over `md5-tags.md` §6).

use std::sync::Mutex;

use iso_writer::model::hex;
use iso_writer::read::{Image, newest_session};
use iso_writer::write::{
    EmitReport, GraftSpec, ImportOptions, Options, Plan, Tree, import_session,
};
use mmc::Transport;
use mmc::engine::{
    Closure, OverwriteOptions, Recorder, SessionOptions, Speed, WriteMethod, WriteType,
};
use mmc::error::Unsuitable;
use mmc::profile::Profile;
use serde::Serialize;

use crate::disc::DiscBlocks;
use crate::emulation::{self, HeadState};
use crate::error::{Aftermath, Error, Result};
use crate::media::{self, Layout, MediaReport, Status};
use crate::{ProgressFn, round_up_32};

/// How a session is added.
#[derive(Clone, Debug)]
pub struct AddOptions {
    /// The image options: volume id, Rock Ridge, Joliet, MD5, dates.
    /// `start_lba` is ignored: the medium decides it.
    pub image: Options,
    /// Close (finalize) a sequential disc after this session. Ignored on
    /// overwritable media and image files (they cannot be closed).
    pub close: bool,
    /// Write type on CD and DVD-R/RW (sequential media).
    pub write_type: WriteType,
    /// Simulation where the medium allows it (CD-R/RW, DVD-R/RW).
    pub dummy: bool,
    /// Write speed; `None` leaves the drive's choice.
    pub speed: Option<Speed>,
    /// Files of the previous session without a recorded MD5 get theirs
    /// computed by reading their data, so that the new session's checksum
    /// array covers every file (on by default; only with `image.md5` and
    /// Rock Ridge). Off: they stay without MD5, as libisofs does.
    pub recompute_missing_md5: bool,
    /// Write over an overwritable medium or image file that holds data
    /// which is not an ISO 9660 session.
    pub force: bool,
    /// BD-RE / DVD-RAM: stream recording (no verify-after-write).
    pub stream_recording: bool,
}

impl Default for AddOptions {
    fn default() -> Self {
        AddOptions {
            image: Options::default(),
            close: false,
            write_type: WriteType::Auto,
            dummy: false,
            speed: None,
            recompute_missing_md5: true,
            force: false,
            stream_recording: false,
        }
    }
}

/// What the previous session contributed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Start of the session imported.
    pub session_start: u32,
    pub files: u64,
    pub dirs: u64,
    /// Files carried with the MD5 the old session records.
    pub with_md5: u64,
    /// Files whose MD5 was computed from their data now.
    pub md5_computed: u64,
    /// Files left without MD5.
    pub without_md5: u64,
}

/// What [`add`] wrote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AddReport {
    pub device: String,
    pub layout: Layout,
    /// Number of the new session (1 = the oldest on the medium).
    pub session: u32,
    /// First block of the new session.
    pub start: u32,
    /// Blocks of the session (its PVD volume space size).
    pub blocks: u32,
    /// Blocks written from `start`, padding included.
    pub written_blocks: u64,
    pub volume_id: String,
    /// Regular files in the new session's tree.
    pub files: u64,
    /// Files whose data this session wrote.
    pub new_files: u64,
    /// Files whose data stays in older sessions.
    pub carried_files: u64,
    /// MD5 of every block of the session as written (hex), with MD5 on:
    /// what a check-read of the whole session reproduces.
    pub md5: Option<String>,
    /// The engine's write method on sequential media ("incremental",
    /// "dao", "sao", "tao", "reserved", "open-ended", "stream"); `None` on
    /// emulated media (random writes).
    pub method: Option<String>,
    /// The disc was closed (finalized) after this session.
    pub closed: bool,
    /// The previous session that was imported, if any.
    pub import: Option<ImportSummary>,
    pub notes: Vec<String>,
}

/// Adds `grafts` (`PATH[=ISO_PATH]`, `xorriso -map` semantics) to the
/// medium as a new session:
///
/// 1. inspect; refuse closed, read-only, unsupported and damaged media,
///    unknown data on overwritable media (unless `force`) and missing
///    graft sources — before anything is written;
/// 2. the start: the NWA on sequential media (the engine's `prepare`; an
///    open BD-R session is closed first), LBA 32 on a blank overwritable
///    medium or image file (0 on a DVD-RW in the intermediate state), the
///    32-block boundary after the newest session when appendable;
/// 3. import the newest session (files by reference, MD5s carried over,
///    missing ones computed per [`AddOptions::recompute_missing_md5`]),
///    graft the new and changed files over it, plan at the start, check
///    that it fits — still nothing written;
/// 4. write: sequential media stream the session at the NWA and close
///    track and session (and the disc with `close`); overwritable media
///    and image files get the session at its start, SYNCHRONIZE CACHE,
///    then the new 64 KiB head at LBA 0 (written last, so a failure before
///    it leaves the earlier sessions as they were), then SYNCHRONIZE CACHE
///    again.
///
/// A failure after the first WRITE is [`crate::Error::Aborted`] with what
/// the medium holds now.
pub fn add<T: Transport>(
    rec: &mut Recorder<T>,
    grafts: &[GraftSpec],
    opts: &AddOptions,
    progress: ProgressFn<'_>,
) -> Result<AddReport> {
    rec.drive().cancel_token().check()?;
    let media = media::inspect(rec)?;
    refuse_unwritable(&media, opts.force)?;
    // Graft sources that are missing fail now, before anything else.
    for g in grafts {
        std::fs::symlink_metadata(&g.source).map_err(|e| {
            Error::Image(iso_writer::write::Error::Source {
                path: g.source.clone(),
                source: e,
            })
        })?;
    }
    if let Some(speed) = opts.speed {
        let r = rec.set_speed(speed)?;
        log::debug!("speed: {r:?}");
    }
    match media.layout {
        Layout::Emulated => add_emulated(rec, &media, grafts, opts, progress),
        _ => add_sequential(rec, &media, grafts, opts, progress),
    }
}

/// Refusals before anything is written (`mmc-recipes.md` §3.2, §7.1 step 1).
pub(crate) fn refuse_unwritable(media: &MediaReport, force: bool) -> Result<()> {
    media.info.supported()?;
    match (media.status, media.layout) {
        (Status::Empty, _) => Err(mmc::Error::Unsuitable(Unsuitable::NoMedium).into()),
        (_, Layout::ReadOnly) => {
            Err(mmc::Error::Unsuitable(Unsuitable::ReadOnly(media.info.profile)).into())
        }
        (Status::Closed, _) => Err(mmc::Error::Unsuitable(Unsuitable::Closed).into()),
        (Status::Unsupported, _) => Err(Error::unsuitable(format!(
            "{} is not supported for writing",
            media.profile
        ))),
        (Status::UnknownData, _) if !force => Err(Error::UnknownData {
            device: media.device.clone(),
            what: match &media.head {
                Some(HeadState::Unknown(w)) => w.clone(),
                _ => "unrecognised data".into(),
            },
        }),
        _ if media.layout == Layout::Sequential && media.next_start.is_none() => {
            if media
                .info
                .next_track
                .is_some_and(|t| t.damage == mmc::engine::Damage::NotWritable)
            {
                Err(mmc::Error::Unsuitable(Unsuitable::Damaged).into())
            } else {
                Err(Error::unsuitable(format!(
                    "the drive reports no writable address on this {}",
                    media.profile
                )))
            }
        }
        _ => Ok(()),
    }
}

/// The note for a sequential disc that the drive closed although only the
/// session was to be closed (`after` is the medium after the write), or
/// `None` when it is still appendable. Some drives finalize at CLOSE
/// SESSION: tgt's emulated DVD+R turns into a DVD-ROM (`peers-and-oracles.md`
/// §4.1). The write succeeded; the report says what the disc now is.
pub(crate) fn closed_by_drive(after: &MediaReport) -> Option<String> {
    (after.status == Status::Closed || after.layout == Layout::ReadOnly).then(|| {
        format!(
            "the drive closed the disc when the session was closed (it now reports {}): \
             nothing more can be added",
            after.profile
        )
    })
}

/// The engine's write method as reports name it.
pub(crate) fn method_name(m: WriteMethod) -> &'static str {
    match m {
        WriteMethod::CdTao => "tao",
        WriteMethod::CdSao => "sao",
        WriteMethod::Incremental => "incremental",
        WriteMethod::Dao => "dao",
        WriteMethod::Reserved => "reserved",
        WriteMethod::OpenEnded => "open-ended",
        WriteMethod::Stream => "stream",
    }
}

/// What goes into the new session: the imported previous session (if
/// any) with the grafts on top.
fn build_tree<T: Transport>(
    rec: &mut Recorder<T>,
    media: &MediaReport,
    import_from: Option<u32>,
    grafts: &[GraftSpec],
    opts: &AddOptions,
) -> Result<(Tree, Option<ImportSummary>)> {
    let mut tree = Tree::new();
    if let Some(t) = opts.image.volume_time {
        tree.set_default_time(t);
    }
    let mut summary = None;
    if let Some(start) = import_from {
        let src = match media.readable_end() {
            Some(end) => DiscBlocks::with_end(rec, end),
            None => DiscBlocks::new(rec),
        };
        let mut img = Image::open(src, start).map_err(|e| {
            Error::read(
                format!(
                    "{}: reading the previous session at LBA {start}",
                    media.device
                ),
                e,
            )
        })?;
        let io = ImportOptions {
            compute_missing_md5: opts.recompute_missing_md5
                && opts.image.md5
                && opts.image.rock_ridge,
        };
        let r = import_session(&mut img, &mut tree, &io);
        drop(img);
        rec.drive().cancel_token().check()?;
        let r = r?;
        summary = Some(ImportSummary {
            session_start: start,
            files: r.files,
            dirs: r.dirs,
            with_md5: r.with_md5,
            md5_computed: r.md5_computed,
            without_md5: r.without_md5,
        });
    }
    for g in grafts {
        tree.graft_spec(g)?;
    }
    Ok((tree, summary))
}

/// The producer the engine runs on its reader thread: the plan streamed
/// into the FIFO; its report or error kept for the caller.
type EmitSlot = Mutex<Option<std::result::Result<EmitReport, iso_writer::write::Error>>>;

fn producer<'a>(
    plan: &'a Plan,
    slot: &'a EmitSlot,
) -> impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()> + Send + 'a {
    move |w| {
        let r = plan.emit(w);
        let io = match &r {
            Ok(_) => Ok(()),
            Err(e) => Err(std::io::Error::other(e.to_string())),
        };
        if let Ok(mut s) = slot.lock() {
            *s = Some(r);
        }
        io
    }
}

/// The error of a write that began: the emitter's own error when it
/// failed by itself (an input file that vanished or changed), else the
/// drive's (a failing drive also makes the emitter's output fail).
fn write_failure(e: mmc::Error, slot: &EmitSlot, aftermath: Aftermath) -> Error {
    let emit_err = slot.lock().ok().and_then(|mut s| match s.take() {
        Some(Err(iso_writer::write::Error::Output(_))) => None,
        Some(Err(e)) => Some(e),
        _ => None,
    });
    let aftermath = match (&e, aftermath) {
        (mmc::Error::Transport { .. }, Aftermath::TrackLeftOpen) => Aftermath::Unknown,
        _ => aftermath,
    };
    match emit_err {
        Some(ie) if !matches!(e, mmc::Error::Cancelled) => Error::Image(ie).aborted(aftermath),
        _ => Error::Drive(e).aborted(aftermath),
    }
}

fn emitted(slot: &EmitSlot) -> Option<EmitReport> {
    slot.lock()
        .ok()
        .and_then(|mut s| s.take())
        .and_then(|r| r.ok())
}

fn counts(plan: &Plan) -> (u64, u64, u64) {
    let files = plan.files();
    let total = files.len() as u64;
    let new = files.iter().filter(|f| f.written).count() as u64;
    (total, new, total - new)
}

fn add_sequential<T: Transport>(
    rec: &mut Recorder<T>,
    media: &MediaReport,
    grafts: &[GraftSpec],
    opts: &AddOptions,
    progress: ProgressFn<'_>,
) -> Result<AddReport> {
    let sopts = SessionOptions {
        write_type: opts.write_type,
        close: opts.close,
        dummy: opts.dummy,
        ..SessionOptions::default()
    };
    // Closes an open BD-R session first (the only thing prepare writes).
    let target = rec.prepare(&sopts, None, progress)?;
    let import_from = if target.first_session || media.layout == Layout::Stream {
        None
    } else {
        target.msc1
    };
    let (tree, import) = build_tree(rec, media, import_from, grafts, opts)?;
    let mut iopts = opts.image.clone();
    iopts.start_lba = target.start;
    let plan = Plan::new(tree, &iopts)?;
    let bytes = plan.total_bytes();
    target.check_fits(bytes)?;
    rec.drive().cancel_token().check()?;

    let slot: EmitSlot = Mutex::new(None);
    let w = rec
        .write_session_from(&target, producer(&plan, &slot), Some(bytes), progress)
        .map_err(|e| write_failure(e, &slot, Aftermath::TrackLeftOpen))?;
    let emit = emitted(&slot);
    let (files, new_files, carried_files) = counts(&plan);
    let mut notes = Vec::new();
    if w.dummy {
        notes.push("simulation: nothing was recorded".into());
    }
    if let Some(i) = &import
        && i.without_md5 > 0
    {
        notes.push(format!(
            "{} files of the previous session have no recorded MD5 and cannot be verified",
            i.without_md5
        ));
    }
    // The number the table of contents gives it (an open BD-R session
    // closed by prepare counts); a pipe or a simulation lists nothing.
    let after = media::inspect(rec).ok();
    let session = after
        .as_ref()
        .and_then(|after| {
            after
                .sessions
                .iter()
                .find(|s| s.start == target.start)
                .map(|s| s.number)
        })
        .unwrap_or(media.sessions.len() as u32 + 1);
    let mut closed = w.closure == Closure::Disc;
    if !closed
        && !w.dummy
        && media.layout == Layout::Sequential
        && let Some(note) = after.as_ref().and_then(closed_by_drive)
    {
        closed = true;
        notes.push(note);
    }
    Ok(AddReport {
        device: media.device.clone(),
        layout: media.layout,
        session,
        start: target.start,
        blocks: plan.total_blocks(),
        written_blocks: w.blocks_written,
        volume_id: iopts.ids.volume.clone(),
        files,
        new_files,
        carried_files,
        md5: emit.and_then(|e| e.md5).map(|m| hex(&m)),
        method: Some(method_name(w.method).into()),
        closed,
        import,
        notes,
    })
}

fn add_emulated<T: Transport>(
    rec: &mut Recorder<T>,
    media: &MediaReport,
    grafts: &[GraftSpec],
    opts: &AddOptions,
    progress: ProgressFn<'_>,
) -> Result<AddReport> {
    let mut notes = Vec::new();
    if opts.close {
        notes.push(format!(
            "{} cannot be closed; --close has no effect",
            media.profile
        ));
    }
    let intermediate = media.info.dvd_rw_intermediate();
    let (start, import_from) = match &media.head {
        Some(HeadState::Iso { end }) => {
            // Never below the head, whatever a damaged head claims.
            let start = u32::try_from(round_up_32(u64::from(*end)).max(32)).map_err(|_| {
                Error::unsuitable("the medium's head names an end beyond 2^32 blocks")
            })?;
            let src = match media.readable_end() {
                Some(e) => DiscBlocks::with_end(rec, e),
                None => DiscBlocks::new(rec),
            };
            let mut src = src;
            let newest = newest_session(&mut src).map_err(|e| {
                Error::read(format!("{}: finding the newest session", media.device), e)
            })?;
            (start, Some(newest))
        }
        _ if intermediate => (0, None),
        _ => (emulation::HEAD_BLOCKS, None),
    };
    let (tree, import) = build_tree(rec, media, import_from, grafts, opts)?;
    let mut iopts = opts.image.clone();
    iopts.start_lba = start;
    let plan = Plan::new(tree, &iopts)?;
    let bytes = plan.total_bytes();
    let end = u64::from(start) + u64::from(plan.total_blocks());
    if let Some(cap) = media.capacity_blocks
        && end > cap
        && media.info.profile != Profile::DVD_RW_RO
    {
        return Err(mmc::Error::Unsuitable(Unsuitable::DoesNotFit {
            need: end - u64::from(start),
            free: cap.saturating_sub(u64::from(start)),
        })
        .into());
    }

    // The head written after the session (none for a session at LBA 0).
    let keep_old_tail = import_from == Some(0);
    let head = if start == 0 {
        None
    } else {
        let new = plan.emulated_head();
        let old = if keep_old_tail {
            emulation::read_head(rec)?
        } else {
            Vec::new()
        };
        let head = emulation::merge_head(&new, &old, keep_old_tail);
        if keep_old_tail {
            // The new descriptors must not land on data the new tree
            // still uses (a plain image at LBA 0 with data below 32).
            let used = emulation::head_used_blocks(&head) as u64;
            if let Some(f) = plan.files().iter().find(|f| {
                !f.written
                    && f.extents
                        .iter()
                        .any(|x| x.len > 0 && u64::from(x.lba) < used)
            }) {
                return Err(Error::unsuitable(format!(
                    "the new head (blocks 0 to {}) would overwrite data of {:?} kept from the \
                     session at LBA 0; blank the medium or write a new image",
                    used - 1,
                    String::from_utf8_lossy(&f.path)
                )));
            }
            notes.push(
                "the previous session starts at LBA 0: only the newest session stays visible"
                    .into(),
            );
        }
        Some(head)
    };
    rec.drive().cancel_token().check()?;

    let ow_opts = OverwriteOptions {
        stream_recording: opts.stream_recording,
        ..OverwriteOptions::default()
    };
    let slot: EmitSlot = Mutex::new(None);
    let mut ow = rec.overwrite(&ow_opts, progress)?;
    let intact = if start == 0 {
        Aftermath::PartialImage
    } else {
        Aftermath::PreviousSessionsIntact
    };
    let w = ow
        .write_at_from(start, producer(&plan, &slot), Some(bytes), progress)
        .map_err(|e| write_failure(e, &slot, intact))?;
    ow.sync(progress)
        .map_err(|e| Error::Drive(e).aborted(intact))?;
    if let Some(head) = &head {
        ow.write_blocks(0, head)
            .map_err(|e| Error::Drive(e).aborted(Aftermath::Unknown))?;
    }
    ow.finish(progress)
        .map_err(|e| Error::Drive(e).aborted(Aftermath::Unknown))?;
    let emit = emitted(&slot);
    let (files, new_files, carried_files) = counts(&plan);
    if let Some(i) = &import
        && i.without_md5 > 0
    {
        notes.push(format!(
            "{} files of the previous session have no recorded MD5 and cannot be verified",
            i.without_md5
        ));
    }
    let after = media::inspect(rec)?;
    let session = after
        .sessions
        .iter()
        .find(|s| s.start == start)
        .map_or(after.sessions.len() as u32, |s| s.number);
    Ok(AddReport {
        device: media.device.clone(),
        layout: media.layout,
        session,
        start,
        blocks: plan.total_blocks(),
        written_blocks: w.blocks,
        volume_id: iopts.ids.volume.clone(),
        files,
        new_files,
        carried_files,
        md5: emit.and_then(|e| e.md5).map(|m| hex(&m)),
        method: None,
        closed: false,
        import,
        notes,
    })
}

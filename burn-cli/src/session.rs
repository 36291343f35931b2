//! Adding files to a medium as a new ISO 9660 session — the multisession
//! backup (`mmc-recipes.md` §7.1 on sequential media, §8.2 on overwritable
//! media and image files; MD5 carry-over `md5-tags.md` §6).

use std::sync::{Arc, Mutex};

use iso_writer::model::{Extent, Kind, hex};
use iso_writer::read::{Image, newest_session};
use iso_writer::write::{
    EmitReport, FileData, GraftSpec, ImportOptions, NodeId, Options, Plan, ReplaySpec,
    ReplayedBoot, Tree, import_session, replay_boot,
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
    /// Simulation where the medium allows it (CD-R/RW, DVD-R/RW; the
    /// drive must offer Test Write). Refused before anything is written on
    /// every other medium, overwritable media and image files included.
    pub dummy: bool,
    /// Write speed; `None` leaves the drive's choice.
    pub speed: Option<Speed>,
    /// Files of the previous session without a recorded MD5 get theirs
    /// computed by reading their data, so that the new session's checksum
    /// array covers every file (on by default; only with `image.md5` and
    /// Rock Ridge). Off: they stay without MD5, as libisofs does.
    pub recompute_missing_md5: bool,
    /// Write over an overwritable medium or image file that holds data
    /// which is not an ISO 9660 session; and add a session after a newest
    /// session whose files cannot be carried over (no ISO 9660 file
    /// system: raw data, an interrupted write, a damaged tree — else
    /// [`crate::Error::NotIsoSession`]): the new session then starts with
    /// an empty tree, and the report's notes say so.
    pub force: bool,
    /// BD-RE / DVD-RAM: stream recording (no verify-after-write).
    pub stream_recording: bool,
    /// Keep the boot setup of the previous session: its El Torito catalog
    /// (boot images where they are, images with a boot info table written
    /// again with a table for the new session) and its system area (an
    /// isohybrid MBR/GPT made anew for the new layout), as
    /// `iso_writer::write::replay_boot` reads them with the default
    /// [`ReplaySpec`]. Replaces `image.el_torito`, `image.system_area` and
    /// `image.hybrid`. A previous session without boot setup is noted.
    pub boot_replay: bool,
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
            boot_replay: false,
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
    /// Files whose data lay entirely in the head area (blocks 0–31, which
    /// the head of every new session covers): read and written again by
    /// the new session (overwritable media and image files, after an image
    /// written at LBA 0).
    pub rewritten: u64,
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
    /// The new session records an El Torito boot catalog (boot options, or
    /// the previous session's with [`AddOptions::boot_replay`]).
    pub bootable: bool,
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
    refuse_dummy(&media, opts.dummy)?;
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

/// Simulation (Test Write) exists only in the write modes of CD-R/RW and
/// DVD-R/RW (`mmc-recipes.md` §6.2, page 05h byte 2 bit 4): the engine
/// judges sequential media by the drive's features; overwritable media
/// and image files are written with plain WRITE(10), which has no
/// simulation, so a dummy write there is refused before anything is sent
/// (it would record for real).
pub(crate) fn refuse_dummy(media: &MediaReport, dummy: bool) -> Result<()> {
    if dummy && media.layout == Layout::Emulated {
        return Err(Error::unsuitable(format!(
            "simulation (dummy writing) is not possible on {}; only CD-R/RW and DVD-R/RW \
             support it",
            media.profile
        )));
    }
    Ok(())
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

/// What goes into the new session, and what the caller should know.
struct Built {
    tree: Tree,
    import: Option<ImportSummary>,
    /// With [`AddOptions::boot_replay`]: the previous session's boot setup.
    boot: Option<ReplayedBoot>,
    notes: Vec<String>,
}

/// Why the session at `start` cannot be carried into a new one, when the
/// reader's error says its bytes are not (or no longer) an ISO 9660 file
/// system: no volume descriptor, blocks not recorded, a corrupt tree.
/// Drive failures and cancellation are not such a reason.
fn unimportable(e: &iso_writer::write::Error) -> Option<String> {
    use iso_writer::read::Error as R;
    let iso_writer::write::Error::Import(r) = e else {
        return None;
    };
    match r {
        R::NotIso { lba } => Some(format!("no volume descriptor at LBA {lba}")),
        R::Io { source, .. } if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            Some(format!("its blocks are not all recorded: {r}"))
        }
        r if r.is_corrupt() => Some(r.to_string()),
        _ => None,
    }
}

/// What goes into the new session: the imported previous session (if
/// any) with the grafts on top. A previous session that is no ISO 9660
/// file system is [`Error::NotIsoSession`], or with `force` an empty
/// start (noted).
fn build_tree<T: Transport>(
    rec: &mut Recorder<T>,
    media: &MediaReport,
    import_from: Option<u32>,
    grafts: &[GraftSpec],
    opts: &AddOptions,
    rewrite: &[Rewritten],
) -> Result<Built> {
    let new_tree = || {
        let mut tree = Tree::new();
        if let Some(t) = opts.image.volume_time {
            tree.set_default_time(t);
        }
        tree
    };
    let mut built = Built {
        tree: new_tree(),
        import: None,
        boot: None,
        notes: Vec::new(),
    };
    if let Some(start) = import_from {
        match import(rec, media, start, &mut built.tree, opts) {
            Ok((mut summary, boot)) => {
                built.boot = boot?;
                summary.rewritten = apply_rewrites(&mut built.tree, rewrite)?;
                built.import = Some(summary);
            }
            Err(e) => {
                rec.drive().cancel_token().check()?;
                let Some(reason) = unimportable(&e) else {
                    return Err(match e {
                        iso_writer::write::Error::Import(r) => Error::read(
                            format!(
                                "{}: reading the previous session at LBA {start}",
                                media.device
                            ),
                            r,
                        ),
                        e => e.into(),
                    });
                };
                if !opts.force {
                    return Err(Error::NotIsoSession {
                        device: media.device.clone(),
                        start,
                        reason,
                    });
                }
                log::warn!("the session at LBA {start} cannot be imported ({reason}); forced");
                built.tree = new_tree();
                built.notes.push(format!(
                    "the previous session at LBA {start} holds no ISO 9660 file system whose \
                     files could be kept ({reason}): as forced, the new session starts without \
                     them (their data stays on the medium, unreachable)"
                ));
            }
        }
    }
    for g in grafts {
        built.tree.graft_spec(g)?;
    }
    Ok(built)
}

/// Files of the previous session whose data lies in the head area (blocks
/// 0–31 of an overwritable medium or image file), read from the medium to
/// be written again by the new session: the names sharing the content,
/// and its bytes.
struct Rewritten {
    paths: Vec<Vec<u8>>,
    data: Arc<[u8]>,
}

/// Replaces the imported files named by `rewrite` with their bytes in
/// memory (same attributes; names that shared the content stay hard links
/// of each other). Returns the number of contents replaced.
fn apply_rewrites(tree: &mut Tree, rewrite: &[Rewritten]) -> Result<u64> {
    let mut n = 0;
    for r in rewrite {
        let mut first: Option<NodeId> = None;
        for p in &r.paths {
            let Some(node) = tree.lookup(p).filter(|&x| tree.kind(x) == Kind::File) else {
                continue;
            };
            let meta = tree.metadata(node);
            let parent = tree.parent(node);
            let name = tree.name(node).to_vec();
            let new = match first {
                None => tree.add_file(parent, &name, &meta, FileData::Memory(r.data.clone()))?,
                Some(f) => tree.add_hard_link(parent, &name, &meta, f)?,
            };
            first.get_or_insert(new);
        }
        n += u64::from(first.is_some());
    }
    Ok(n)
}

/// The imported files of `plan` whose data lies entirely in the head
/// area (blocks 0–31; less than 64 KiB in all by construction), grouped
/// by content: the blocks the head of the new session takes are
/// overwritten, so such files are read now and written again
/// ([`Rewritten`]). Files that begin there and continue beyond stay where
/// they are: the new head keeps the old blocks after its descriptors.
fn head_area_files<T: Transport>(rec: &mut Recorder<T>, plan: &Plan) -> Result<Vec<Rewritten>> {
    let head = u64::from(emulation::HEAD_BLOCKS);
    // By the first extent's LBA: (names, extents, size).
    type Group = (Vec<Vec<u8>>, Vec<Extent>, u64);
    let mut groups: std::collections::BTreeMap<u32, Group> = std::collections::BTreeMap::new();
    for f in plan.files() {
        let inside = f.extents.iter().all(|x| {
            u64::from(x.lba) + u64::from(x.len).div_ceil(iso_writer::BLOCK as u64) <= head
        });
        if f.written || f.size == 0 || f.extents.is_empty() || !inside {
            continue;
        }
        let g = groups
            .entry(f.extents[0].lba)
            .or_insert_with(|| (Vec::new(), f.extents.clone(), f.size));
        g.0.push(f.path);
    }
    let mut out = Vec::new();
    for (_, (paths, extents, size)) in groups {
        let mut data = Vec::with_capacity(size as usize);
        for x in &extents {
            let blocks = u64::from(x.len).div_ceil(iso_writer::BLOCK as u64) as u32;
            let mut b = rec.read_blocks(x.lba, blocks)?;
            b.truncate(x.len as usize);
            data.extend_from_slice(&b);
        }
        data.truncate(size as usize);
        if (data.len() as u64) < size {
            return Err(Error::unsuitable(format!(
                "{:?} of the previous session is shorter on the medium than its size says",
                String::from_utf8_lossy(&paths[0])
            )));
        }
        out.push(Rewritten {
            paths,
            data: Arc::from(data),
        });
    }
    Ok(out)
}

/// The previous session's boot setup read for the new plan, or why it
/// could not be (a failure of its own, not a reason to drop the files).
type Replay = std::result::Result<Option<ReplayedBoot>, iso_writer::write::Error>;

/// Imports the session at `start` into `tree`, and with
/// [`AddOptions::boot_replay`] reads its boot setup
/// (`iso_writer::write::replay_boot`, right after the import as it
/// requires).
fn import<T: Transport>(
    rec: &mut Recorder<T>,
    media: &MediaReport,
    start: u32,
    tree: &mut Tree,
    opts: &AddOptions,
) -> std::result::Result<(ImportSummary, Replay), iso_writer::write::Error> {
    let src = match media.readable_end() {
        Some(end) => DiscBlocks::with_end(rec, end),
        None => DiscBlocks::new(rec),
    };
    let mut img = Image::open(src, start)?;
    let io = ImportOptions {
        compute_missing_md5: opts.recompute_missing_md5 && opts.image.md5 && opts.image.rock_ridge,
    };
    let r = import_session(&mut img, tree, &io)?;
    let boot = if opts.boot_replay {
        replay_boot(&mut img, tree, &ReplaySpec::default()).map(Some)
    } else {
        Ok(None)
    };
    let summary = ImportSummary {
        session_start: start,
        files: r.files,
        dirs: r.dirs,
        with_md5: r.with_md5,
        md5_computed: r.md5_computed,
        without_md5: r.without_md5,
        rewritten: 0,
    };
    Ok((summary, boot))
}

/// Puts the replayed boot setup into the new session's options, noting
/// when there was none to keep.
fn apply_boot(
    boot: Option<ReplayedBoot>,
    opts: &AddOptions,
    iopts: &mut Options,
    notes: &mut Vec<String>,
) {
    if !opts.boot_replay {
        return;
    }
    match boot {
        Some(r) if r.el_torito.is_some() || r.system_area.is_some() => {
            for n in &r.notes {
                log::info!("boot replay: {n}");
            }
            r.apply(iopts);
        }
        _ => notes.push(
            "there is no boot setup of a previous session to keep: the new session is not \
             bootable"
                .into(),
        ),
    }
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
    let Built {
        tree,
        import,
        boot,
        mut notes,
    } = build_tree(rec, media, import_from, grafts, opts, &[])?;
    let mut iopts = opts.image.clone();
    iopts.start_lba = target.start;
    apply_boot(boot, opts, &mut iopts, &mut notes);
    let plan = Plan::new(tree, &iopts)?;
    let bytes = plan.total_bytes();
    target.check_fits(bytes)?;
    rec.drive().cancel_token().check()?;

    let slot: EmitSlot = Mutex::new(None);
    let w = rec
        .write_session_from(&target, producer(&plan, &slot), Some(bytes), progress)
        .map_err(|e| Error::sequential_write(rec, e, |e, a| write_failure(e, &slot, a)))?;
    let emit = emitted(&slot);
    let (files, new_files, carried_files) = counts(&plan);
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
        bootable: plan.boot_catalog_lba().is_some(),
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
    if let Some(HeadState::Unknown(what)) = &media.head {
        // Only with force (refuse_unwritable).
        notes.push(format!(
            "the medium held {what}: as forced, it is overwritten and the new session is the \
             first"
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
    let mut iopts = opts.image.clone();
    iopts.start_lba = start;
    // Files of the previous session lying in the head area are read and
    // the tree built again with them in memory (only after an image
    // written at LBA 0: rare, and small).
    let mut rewrite = Vec::new();
    let base_opts = iopts.clone();
    let (plan, import) = loop {
        let built = build_tree(rec, media, import_from, grafts, opts, &rewrite)?;
        let mut boot_notes = Vec::new();
        iopts = base_opts.clone();
        apply_boot(built.boot, opts, &mut iopts, &mut boot_notes);
        let plan = Plan::new(built.tree, &iopts)?;
        if rewrite.is_empty() && import_from.is_some() {
            rewrite = head_area_files(rec, &plan)?;
            if !rewrite.is_empty() {
                rec.drive().cancel_token().check()?;
                continue;
            }
        }
        notes.extend(built.notes);
        notes.extend(boot_notes);
        break (plan, built.import);
    };
    if let Some(i) = &import
        && i.rewritten > 0
    {
        notes.push(format!(
            "{} file{} of the previous session lay in the first 64 KiB of the medium, which the \
             new head overwrites: written again in the new session",
            i.rewritten,
            if i.rewritten == 1 { "" } else { "s" }
        ));
    }
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
    // Over an ISO head the blocks after the new descriptors keep what they
    // hold (libisoburn's convention): data of an image written at LBA 0
    // that later sessions still use may lie there.
    let keep_old_tail = matches!(media.head, Some(HeadState::Iso { .. }));
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
        // The new descriptors must not land on data the new tree still
        // uses (a file of an image at LBA 0 that begins below them and
        // continues past the head area; not seen in images of any
        // mastering program).
        let used = emulation::head_used_blocks(&head) as u64;
        let low = |lba: u32, len: u64| len > 0 && u64::from(lba) < used;
        let kept_low = plan
            .files()
            .into_iter()
            .find(|f| !f.written && f.extents.iter().any(|x| low(x.lba, u64::from(x.len))))
            .map(|f| format!("{:?}", String::from_utf8_lossy(&f.path)))
            .or_else(|| {
                plan.boot_images()
                    .iter()
                    .find(|b| !b.written && low(b.lba, b.size))
                    .map(|b| format!("the boot image at LBA {}", b.lba))
            });
        if let Some(what) = kept_low {
            return Err(Error::unsuitable(format!(
                "the new head (blocks 0 to {}) would overwrite data of {what} kept from the \
                 session at LBA 0; blank the medium or write a new image",
                used - 1,
            )));
        }
        if import_from == Some(0) {
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
    // A session at LBA 0 is a new image over the old one (partly written
    // if it stops, `blocks` from LBA 0 when known); a later one is not
    // visible until the head is written.
    let aftermath = |blocks: Option<u64>| {
        if start == 0 {
            Aftermath::PartialImage { blocks }
        } else {
            Aftermath::PreviousSessionsIntact
        }
    };
    let w = ow
        .write_at_from(start, producer(&plan, &slot), Some(bytes), progress)
        .map_err(|e| {
            let written = ow.failed_write().map(|r| u64::from(r.blocks));
            write_failure(e, &slot, aftermath(written))
        })?;
    ow.sync(progress)
        .map_err(|e| Error::Drive(e).aborted(aftermath(None)))?;
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
        bootable: plan.boot_catalog_lba().is_some(),
        import,
        notes,
    })
}

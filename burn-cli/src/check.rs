//! Check-read: every block of the chosen sessions read back once, in LBA
//! order, and checked on the way against everything the sessions record —
//! the MD5 tag chain (`md5-tags.md` §8.4, what `xorriso -check_media`
//! checks), the session MD5 of the checksum array (§8.2, `-check_md5`) and
//! each file's MD5 (§8.3, `-check_md5_r`) — with a map of unreadable
//! blocks.

use std::collections::HashMap;
use std::io;

use iso_writer::model::{Extent, Kind, Md5};
use iso_writer::read::{ArrayValidity, Image, verify_head_tag};
use iso_writer::spec::ecma119::{VolumeDescriptor, vd_type};
use iso_writer::spec::md5tag::{Tag, TagError, TagKind as IsoTagKind};
use md5::{Digest, Md5 as Md5Ctx};
use mmc::Transport;
use mmc::engine::{BlockRange, Progress, Quality, ReadOptions, ReadSink, Recorder, SectorMap};
use serde::Serialize;

use crate::disc::DiscBlocks;
use crate::error::{Error, Result};
use crate::media::{self, Layout};
use crate::{BlockSpan, ProgressFn};

/// Which sessions to check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The newest session: its blocks, and every file of its tree (files
    /// whose data lie in older sessions are read there, in LBA order).
    Newest,
    /// Session `n` (1 = the oldest) and every file of its tree.
    Session(u32),
    /// Every session, oldest first; each block is read once, and each file
    /// content once, checked against the MD5 of every session that records
    /// it.
    All,
}

/// The overall result, from best to worst. The CLI maps
/// [`Verdict::Mismatch`] to exit code 3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every block read and every recorded checksum matched.
    Ok,
    /// Every block read, but nothing could be verified: no checksums were
    /// recorded (never call this "verified").
    NoChecksums,
    /// Some blocks could not be read; what could be checked matched.
    Unreadable,
    /// A tag, the session MD5 or a file's MD5 does not match the data.
    Mismatch,
}

/// The tags of `md5-tags.md` §3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagKind {
    Superblock,
    Tree,
    Session,
    /// The relocated superblock tag of the 64 KiB head (type 4).
    Head,
}

impl TagKind {
    /// The kind's name, as it is serialized: `superblock`, `tree`,
    /// `session`, `head`.
    pub fn name(self) -> &'static str {
        match self {
            TagKind::Superblock => "superblock",
            TagKind::Tree => "tree",
            TagKind::Session => "session",
            TagKind::Head => "head",
        }
    }
}

/// How a tag compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagOutcome {
    /// "Found matching MD5 … tag".
    Match,
    /// "NON-MATCHING": the blocks differ from what the tag recorded.
    Mismatch,
    /// The tag's own `self=` digest is wrong.
    Corrupted,
    /// The tag covers another range than the session ("covers different
    /// data range").
    WrongRange,
    /// Blocks of its range could not be read.
    Unreadable,
}

impl TagOutcome {
    /// Evidence that the data differ from what the tag records: a
    /// mismatching MD5, a corrupted tag, a tag over another range (not a
    /// match, and not merely unreadable).
    pub fn differs(self) -> bool {
        matches!(
            self,
            TagOutcome::Mismatch | TagOutcome::Corrupted | TagOutcome::WrongRange
        )
    }
}

/// One tag checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TagResult {
    pub kind: TagKind,
    pub lba: u32,
    pub range_start: u32,
    pub range_size: u32,
    pub outcome: TagOutcome,
}

/// How the tag chain of a session ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ChainState {
    /// Superblock, tree and session tag found.
    Complete,
    /// No superblock tag: the session records no tags.
    Absent,
    /// A tag announced by `next=` is missing or unusable.
    Broken { lba: u32, reason: String },
}

/// The checksum array of a session (`md5-tags.md` §4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum ArrayState {
    Valid,
    /// No `isofs.ca` (written without checksums, or without Rock Ridge).
    Absent,
    /// Entry N+1 does not match: no file or session MD5 can be trusted.
    Damaged,
    /// `isofs.ca` is malformed or the array unreadable.
    Unreadable {
        reason: String,
    },
}

/// The session MD5 (array entry 0 over `[START, END)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Md5Outcome {
    Match,
    Mismatch,
    NotRecorded,
    Unreadable,
}

/// Files of a session's tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileResults {
    /// Regular files in the tree (hard links count per name).
    pub total: u64,
    /// Files whose data matched their recorded MD5.
    pub matched: u64,
    /// Paths whose data differ from their recorded MD5.
    pub mismatched: Vec<String>,
    /// Paths whose data could not be read completely.
    pub unreadable: Vec<String>,
    /// Files without a recorded MD5 (not verified).
    pub without_md5: u64,
}

/// A session whose recorded data end before the blocks its own
/// structures refer to — the MD5 tag chain, the checksum array, file
/// extents: it was not written completely (an interrupted write closed
/// early, an image file cut short). The missing blocks count as
/// unreadable, not as a mismatch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Truncation {
    /// The first block after the session's recorded data: the end of its
    /// track on sequential media, the first block that is not recorded
    /// (blank, beyond the end of an image file) otherwise.
    pub data_end: u64,
    /// The first block after everything the session refers to.
    pub referenced_end: u64,
}

impl Truncation {
    /// Blocks the session lacks, at least.
    pub fn missing(&self) -> u64 {
        self.referenced_end.saturating_sub(self.data_end)
    }
}

/// One session checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SessionResult {
    /// 1 = the oldest.
    pub number: u32,
    pub start: u32,
    /// Blocks read (the session's range).
    pub blocks: u32,
    pub volume_id: Option<String>,
    pub tags: Vec<TagResult>,
    pub chain: ChainState,
    pub array: ArrayState,
    pub session_md5: Md5Outcome,
    pub files: FileResults,
    /// Runs of blocks of the session that could not be read.
    pub unreadable: Vec<BlockSpan>,
    /// The session's data end before what it refers to.
    pub truncated: Option<Truncation>,
    /// What else is worth saying: the tree could not be read, files whose
    /// data lie outside the session …
    pub notes: Vec<String>,
    pub verdict: Verdict,
}

impl SessionResult {
    /// Evidence that the data differ from what the session records: a
    /// file, a tag, the session MD5, or a damaged checksum array. (A
    /// [`Verdict::Mismatch`] without it comes from a tag chain broken
    /// where blocks could not be read: nothing was found to differ.)
    pub fn differs(&self) -> bool {
        !self.files.mismatched.is_empty()
            || self.session_md5 == Md5Outcome::Mismatch
            || matches!(self.array, ArrayState::Damaged)
            || self.tags.iter().any(|t| t.outcome.differs())
    }
}

/// The result of [`check`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    pub device: String,
    /// The relocated superblock tag of the head (overwritable media and
    /// image files with MD5 tags).
    pub head: Option<TagResult>,
    pub sessions: Vec<SessionResult>,
    /// Distinct blocks read in all: the sessions' blocks, and those read
    /// for files whose data lie outside them (a block read twice is
    /// counted once).
    pub blocks_read: u64,
    pub verdict: Verdict,
}

/// Reads back the chosen sessions with the engine's checkread (READ(10)
/// in 64 KiB chunks, failing chunks re-read block by block into a sector
/// map) and verifies in one sequential pass per session: the tag chain,
/// the session MD5 and every file's MD5 (its extents planned from the
/// session's tree first; multi-extent files; hard links share one
/// content). Files the chosen tree references in sessions not being read
/// are read afterwards in LBA order; a file whose data run past the end of
/// the session holding them is incomplete, and not read again. A session without checksums is
/// reported as such, with its readability. Cancellation stops at the next
/// chunk with [`mmc::Error::Cancelled`]. No disc is
/// [`mmc::error::Unsuitable::NoMedium`], a medium without sessions
/// [`Error::Blank`].
pub fn check<T: Transport>(
    rec: &mut Recorder<T>,
    which: Which,
    progress: ProgressFn<'_>,
) -> Result<CheckReport> {
    let media = media::inspect(rec)?;
    media.require_medium()?;
    if media.layout == Layout::Stream {
        return Err(Error::unsuitable(format!(
            "{} is a pipe or character device: nothing can be read back",
            media.device
        )));
    }
    if media.sessions.is_empty() {
        return Err(Error::Blank(media.device.clone()));
    }
    let chosen: Vec<media::Session> = match which {
        Which::Newest => vec![media.session(None)?.clone()],
        Which::Session(n) => vec![media.session(Some(n))?.clone()],
        Which::All => media.sessions.clone(),
    };
    let end = media.readable_end();

    // The head's relocated superblock tag (emulated media).
    let head = if media.layout == Layout::Emulated && !media.sessions.is_empty() {
        match verify_head_tag(&mut src(rec, end)) {
            Ok(t) => t.map(|t| TagResult {
                kind: TagKind::Head,
                lba: t.lba,
                range_start: t.range_start,
                range_size: t.range_size,
                outcome: iso_outcome(&t.outcome),
            }),
            Err(e) => {
                log::warn!("{}: the head cannot be read: {e}", media.device);
                None
            }
        }
    } else {
        None
    };

    // Plan: every session's tree, checksum array and file contents.
    let mut plans: Vec<SessionPlan> = Vec::new();
    let mut contents = Contents::default();
    for (si, s) in chosen.iter().enumerate() {
        let range = BlockRange::new(s.start, s.blocks);
        let mut plan = SessionPlan::new(si, s.clone(), range);
        match Image::open(src(rec, end), s.start) {
            Ok(mut img) => plan.load(&mut img, &mut contents),
            Err(e) => {
                rec.drive().cancel_token().check()?;
                plan.notes.push(format!(
                    "no ISO 9660 tree could be read at LBA {}: {e}",
                    s.start
                ));
            }
        }
        rec.drive().cancel_token().check()?;
        plans.push(plan);
    }

    // One pass per session, in LBA order; each content is hashed in the
    // pass of the session holding its data.
    let total: u64 = plans.iter().map(|p| u64::from(p.range.blocks) * 2048).sum();
    let mut done_before = 0u64;
    let mut blocks_read = 0u64;
    let ranges: Vec<BlockRange> = plans.iter().map(|p| p.range).collect();
    contents.assign(&ranges);
    for (pi, plan) in plans.iter_mut().enumerate() {
        let range = plan.range;
        let mut pass = Pass::new(plan, &mut contents, pi);
        let mut wrapped = |p: &Progress| {
            let mut q = *p;
            q.done += done_before;
            q.total = Some(total);
            progress(&q);
        };
        let map = rec.checkread(range, &ReadOptions::default(), &mut pass, &mut wrapped)?;
        pass.finish();
        blocks_read += map.good_blocks();
        done_before += u64::from(range.blocks) * 2048;
        plan.unreadable = map
            .runs
            .iter()
            .filter(|r| {
                matches!(
                    r.quality,
                    Quality::Unreadable | Quality::Blank | Quality::BeyondEnd
                )
            })
            .map(|r| BlockSpan::new(r.start, r.blocks))
            .collect();
        plan.note_unrecorded_tail(&map);
    }

    // Contents no pass could hash (their data lie in no session read
    // above, or their extents are out of order): read them directly. A
    // block a pass read already, or another content, is not counted again.
    let mut direct = Vec::new();
    for c in contents.outside() {
        rec.drive().cancel_token().check()?;
        contents.read_directly(rec, c, &mut direct)?;
    }
    blocks_read += blocks_outside(direct, &ranges);

    let mut sessions = Vec::new();
    for plan in plans {
        sessions.push(plan.result(&contents));
    }
    let mut verdict = sessions
        .iter()
        .map(|s| s.verdict)
        .max()
        .unwrap_or(Verdict::Ok);
    if let Some(h) = &head
        && h.outcome != TagOutcome::Match
    {
        verdict = verdict.max(if h.outcome == TagOutcome::Unreadable {
            Verdict::Unreadable
        } else {
            Verdict::Mismatch
        });
    }
    Ok(CheckReport {
        device: media.device.clone(),
        head,
        sessions,
        blocks_read,
        verdict,
    })
}

fn src<T: Transport>(rec: &mut Recorder<T>, end: Option<u64>) -> DiscBlocks<'_, T> {
    match end {
        Some(e) => DiscBlocks::with_end(rec, e),
        None => DiscBlocks::new(rec),
    }
}

/// Checks the MD5 tag chains and session MD5s of `sessions` (each with
/// the block range to check; the relocated tag of the single-session view
/// at LBA 0 followed as [`check`] does) while `range` is read once with
/// the engine's checkread; every block read, and every run missing, also
/// goes to `tee`. The session ranges lie inside `range` and do not
/// overlap. Files are not checked: the tags cover every block the
/// sessions wrote. Returns the sessions' results (with their unreadable
/// runs) and the sector map of `range`.
pub(crate) fn checkread_tags<T: Transport>(
    rec: &mut Recorder<T>,
    media: &media::MediaReport,
    sessions: &[(media::Session, BlockRange)],
    range: BlockRange,
    tee: &mut dyn ReadSink,
    progress: ProgressFn<'_>,
) -> Result<(Vec<SessionResult>, SectorMap)> {
    let end = media.readable_end();
    let mut plans = Vec::new();
    for (i, (s, r)) in sessions.iter().enumerate() {
        let mut plan = SessionPlan::new(i, s.clone(), *r);
        match Image::open(src(rec, end), s.start) {
            Ok(img) => plan.load_array(&img),
            Err(e) => {
                rec.drive().cancel_token().check()?;
                plan.notes.push(format!(
                    "no ISO 9660 tree could be read at LBA {}: {e}",
                    s.start
                ));
            }
        }
        plans.push(plan);
    }
    let mut contents: Vec<Contents> = plans.iter().map(|_| Contents::default()).collect();
    let passes: Vec<Pass<'_>> = plans
        .iter_mut()
        .zip(contents.iter_mut())
        .enumerate()
        .map(|(i, (p, c))| Pass::new(p, c, i))
        .collect();
    let mut router = Router { passes, tee };
    let map = rec.checkread(range, &ReadOptions::default(), &mut router, progress)?;
    for pass in router.passes {
        pass.finish();
    }
    let none = Contents::default();
    let results = plans
        .into_iter()
        .map(|mut p| {
            let (s, e) = (u64::from(p.range.start), p.range.end());
            p.unreadable = map
                .runs
                .iter()
                .filter(|r| r.quality != Quality::Good)
                .filter_map(|r| {
                    let a = u64::from(r.start).max(s);
                    let b = (u64::from(r.start) + u64::from(r.blocks)).min(e);
                    (a < b).then(|| BlockSpan::new(a as u32, (b - a) as u32))
                })
                .collect();
            p.note_unrecorded_tail(&map);
            p.result(&none)
        })
        .collect();
    Ok((results, map))
}

/// Hands each block to the pass of the session holding it, and every
/// block to the tee.
struct Router<'a, 't> {
    passes: Vec<Pass<'a>>,
    tee: &'t mut dyn ReadSink,
}

impl ReadSink for Router<'_, '_> {
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        self.tee.data(lba, data)?;
        for (i, b) in data.chunks_exact(2048).enumerate() {
            let l = lba + i as u32;
            if let Some(p) = self.passes.iter_mut().find(|p| p.holds(l)) {
                p.block(l, Some(b));
            }
        }
        Ok(())
    }

    fn missing(&mut self, lba: u32, blocks: u32, quality: Quality) {
        self.tee.missing(lba, blocks, quality);
        for l in lba..lba.saturating_add(blocks) {
            if let Some(p) = self.passes.iter_mut().find(|p| p.holds(l)) {
                p.block(l, None);
            }
        }
    }

    fn stop(&self) -> bool {
        self.tee.stop()
    }
}

pub(crate) fn iso_outcome(o: &iso_writer::read::TagOutcome) -> TagOutcome {
    use iso_writer::read::TagOutcome as O;
    match o {
        O::Match => TagOutcome::Match,
        O::Mismatch { .. } => TagOutcome::Mismatch,
        O::Corrupted => TagOutcome::Corrupted,
        O::WrongRange { .. } => TagOutcome::WrongRange,
    }
}

/// The recorded MD5s of a session's tree, by content.
#[derive(Debug)]
struct SessionPlan {
    index: usize,
    session: media::Session,
    range: BlockRange,
    array: ArrayState,
    /// START, END and entry 0 of the checksum array, when valid.
    session_md5: Option<(u32, u32, Md5)>,
    session_md5_outcome: Md5Outcome,
    tags: Vec<TagResult>,
    chain: ChainState,
    /// The chain broke only because blocks could not be read: no evidence
    /// that data differ.
    chain_unreadable: bool,
    unreadable: Vec<BlockSpan>,
    /// The first block after the highest block the session's tags,
    /// checksum array and files refer to, when beyond `range` (and not
    /// beyond `declared_end`).
    referenced_end: Option<u64>,
    /// The first block after the session as its primary volume descriptor
    /// declares it (start + Volume Space Size, ECMA-119 §8.4.8), when the
    /// descriptor could be read. A reference beyond it is damage, not a
    /// session cut short.
    declared_end: Option<u64>,
    /// Where the recorded data of `range` end, when its tail is not
    /// recorded (blank, beyond the end of the medium or image file).
    unrecorded_from: Option<u64>,
    notes: Vec<String>,
    /// (path, content, recorded MD5 or why not)
    files: Vec<(String, usize, Expected)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expected {
    Md5(Md5),
    None,
}

impl SessionPlan {
    fn new(index: usize, session: media::Session, range: BlockRange) -> SessionPlan {
        SessionPlan {
            index,
            session,
            range,
            array: ArrayState::Absent,
            session_md5: None,
            session_md5_outcome: Md5Outcome::NotRecorded,
            tags: Vec::new(),
            chain: ChainState::Absent,
            chain_unreadable: false,
            unreadable: Vec::new(),
            referenced_end: None,
            declared_end: None,
            unrecorded_from: None,
            notes: Vec::new(),
            files: Vec::new(),
        }
    }

    /// The session refers to blocks up to `end` (exclusive). False when
    /// that lies beyond the end the session declares: the reference is
    /// damaged, and does not count as blocks missing.
    fn refers_to(&mut self, end: u64) -> bool {
        if end <= self.range.end() {
            return true;
        }
        if self.declared_end.is_some_and(|d| end > d) {
            return false;
        }
        self.referenced_end = Some(self.referenced_end.map_or(end, |e| e.max(end)));
        true
    }

    /// Notes the end the session declares: `start` + the Volume Space
    /// Size of its primary volume descriptor (ECMA-119 §8.4.8; the
    /// absolute end in the head of an emulated medium, whose view starts
    /// at LBA 0).
    fn declare(&mut self, volume_space_size: u32) {
        self.declared_end = Some(u64::from(self.range.start) + u64::from(volume_space_size));
    }

    /// The end the session declares, for messages.
    fn declared_text(&self) -> String {
        self.declared_end
            .map_or_else(String::new, |d| format!(" (LBA {d})"))
    }

    /// Notes where the range's data end when the map ends in blocks that
    /// are not recorded (blank, beyond the end).
    fn note_unrecorded_tail(&mut self, map: &SectorMap) {
        let end = self.range.end();
        let mut from = end;
        for r in map.runs.iter().rev() {
            let r_end = u64::from(r.start) + u64::from(r.blocks);
            if r_end < from || !matches!(r.quality, Quality::Blank | Quality::BeyondEnd) {
                break;
            }
            from = u64::from(r.start);
        }
        let from = from.max(u64::from(self.range.start));
        if from < end {
            self.unrecorded_from = Some(from);
        }
    }

    /// The truncation, if the data end before what the session refers to.
    fn truncation(&self) -> Option<Truncation> {
        let end = self.range.end();
        match (self.unrecorded_from, self.referenced_end) {
            (Some(from), r) => Some(Truncation {
                data_end: from,
                referenced_end: r.unwrap_or(end).max(end),
            }),
            (None, Some(r)) => Some(Truncation {
                data_end: end,
                referenced_end: r,
            }),
            (None, None) => None,
        }
    }

    /// Reads the tree (directories only) and the checksum array.
    fn load<R: iso_writer::read::BlockRead>(
        &mut self,
        img: &mut Image<R>,
        contents: &mut Contents,
    ) {
        self.load_array(img);
        self.load_files(img, contents);
    }

    /// Reads the checksum array: the session MD5 and its range.
    fn load_array<R: iso_writer::read::BlockRead>(&mut self, img: &Image<R>) {
        self.declare(img.volume().volume_space_size);
        let info = img.md5_info().cloned();
        self.array = match info.as_ref().map(|i| &i.validity) {
            None => ArrayState::Absent,
            Some(ArrayValidity::Valid) => ArrayState::Valid,
            Some(ArrayValidity::Damaged) => ArrayState::Damaged,
            Some(ArrayValidity::Unreadable(r)) => ArrayState::Unreadable { reason: r.clone() },
        };
        if let Some(i) = &info {
            // The array: COUNT entries of 16 bytes from END (`md5-tags.md`
            // §4).
            let blocks = (u64::from(i.count) * 16).div_ceil(2048);
            if !self.refers_to(u64::from(i.end) + blocks) {
                self.notes.push(format!(
                    "the root's isofs.ca places the checksum array at LBA {} ({} entries), beyond \
                     the end of the session{}: the attribute is damaged",
                    i.end,
                    i.count,
                    self.declared_text()
                ));
            }
        }
        if let Some(i) = &info
            && let Some(m) = i.session_md5()
        {
            self.session_md5 = Some((i.start, i.end, m));
            if i.start != self.range.start {
                self.notes.push(format!(
                    "the checksum array covers blocks from LBA {}, not the session start {}",
                    i.start, self.range.start
                ));
            }
        }
    }

    /// Walks the tree for the regular files and their recorded MD5s.
    fn load_files<R: iso_writer::read::BlockRead>(
        &mut self,
        img: &mut Image<R>,
        contents: &mut Contents,
    ) {
        let info = img.md5_info().cloned();
        let rr = img.rock_ridge().is_some();
        let root = img.primary_root().clone();
        let mut found: Vec<(String, Vec<Extent>, u64, Expected)> = Vec::new();
        let r = img.walk(&root, |ev, path, e| {
            if ev == iso_writer::read::WalkEvent::Visit && e.kind == Kind::File {
                let expected = match (rr, e.md5_index, info.as_ref()) {
                    (true, Some(i), Some(c)) => c.file_md5(i).map_or(Expected::None, Expected::Md5),
                    _ => Expected::None,
                };
                found.push((path.to_string_lossy(), e.extents.clone(), e.size, expected));
            }
            Ok(())
        });
        if let Err(e) = r {
            self.notes.push(format!(
                "the directory tree could not be read completely: {e}"
            ));
        }
        let mut damaged = Vec::new();
        for (path, extents, size, expected) in found {
            let mut intact = true;
            for e in extents.iter().filter(|e| e.len > 0) {
                if e.lba >= self.range.start {
                    intact &= self.refers_to(u64::from(e.lba) + extent_blocks(e));
                }
            }
            let c = contents.intern(extents, size);
            if !intact {
                // Its blocks are not the session's: nothing to read.
                contents.list[c].outcome = Some(Err(()));
                damaged.push(path.clone());
            }
            self.files.push((path, c, expected));
        }
        if !damaged.is_empty() {
            let more = if damaged.len() > 3 { ", …" } else { "" };
            let one = damaged.len() == 1;
            self.notes.push(format!(
                "{} beyond the end of the session{}: {} damaged ({}{more})",
                if one {
                    "1 file extends".to_string()
                } else {
                    format!("{} files extend", damaged.len())
                },
                self.declared_text(),
                if one {
                    "its directory record is"
                } else {
                    "their directory records are"
                },
                damaged[..damaged.len().min(3)].join(", ")
            ));
        }
    }

    fn result(self, contents: &Contents) -> SessionResult {
        let truncated = self.truncation();
        let mut files = FileResults::default();
        for (path, c, expected) in &self.files {
            files.total += 1;
            let Expected::Md5(want) = expected else {
                files.without_md5 += 1;
                // Not verified, but its data are missing all the same.
                if matches!(contents.list[*c].outcome, Some(Err(()))) {
                    files.unreadable.push(path.clone());
                }
                continue;
            };
            match contents.list[*c].outcome {
                Some(Ok(got)) if got == *want => files.matched += 1,
                Some(Ok(_)) => files.mismatched.push(path.clone()),
                _ => files.unreadable.push(path.clone()),
            }
        }
        let mut notes = self.notes;
        if self.array == ArrayState::Damaged {
            notes.push(
                "the MD5 checksum array is damaged: no file or session checksum can be trusted"
                    .into(),
            );
        }
        let tag_bad = self.tags.iter().any(|t| t.outcome.differs());
        let mismatch = tag_bad
            || (matches!(self.chain, ChainState::Broken { .. }) && !self.chain_unreadable)
            || self.session_md5_outcome == Md5Outcome::Mismatch
            || !files.mismatched.is_empty()
            || self.array == ArrayState::Damaged;
        let unreadable = !self.unreadable.is_empty()
            || truncated.is_some()
            || self.chain_unreadable
            || !files.unreadable.is_empty()
            || self
                .tags
                .iter()
                .any(|t| t.outcome == TagOutcome::Unreadable)
            || self.session_md5_outcome == Md5Outcome::Unreadable;
        let nothing_recorded = self.chain == ChainState::Absent
            && self.session_md5_outcome == Md5Outcome::NotRecorded
            && files.matched == 0
            && files.mismatched.is_empty();
        let verdict = if mismatch {
            Verdict::Mismatch
        } else if unreadable {
            Verdict::Unreadable
        } else if nothing_recorded {
            Verdict::NoChecksums
        } else {
            Verdict::Ok
        };
        SessionResult {
            number: self.session.number,
            start: self.session.start,
            blocks: self.range.blocks,
            volume_id: self.session.volume_id.clone(),
            tags: self.tags,
            chain: self.chain,
            array: self.array,
            session_md5: self.session_md5_outcome,
            files,
            unreadable: self.unreadable,
            truncated,
            notes,
            verdict,
        }
    }
}

/// One file content (all names sharing the same data).
#[derive(Debug)]
struct Content {
    extents: Vec<Extent>,
    size: u64,
    /// The pass that hashes it; `None`: read directly afterwards.
    pass: Option<usize>,
    ctx: Md5Ctx,
    fed: u64,
    missing: bool,
    /// Computed MD5, or the content could not be read completely.
    outcome: Option<std::result::Result<Md5, ()>>,
}

#[derive(Debug, Default)]
struct Contents {
    list: Vec<Content>,
    by_key: HashMap<(Vec<(u32, u32)>, u64), usize>,
}

fn extent_blocks(e: &Extent) -> u64 {
    u64::from(e.len).div_ceil(2048)
}

impl Content {
    /// Where the content's `size` bytes lie, in file order: (first block,
    /// blocks, bytes) of each extent, cut to the bytes the file has.
    fn runs(&self) -> Vec<(u32, u64, u64)> {
        let mut left = self.size;
        let mut runs = Vec::new();
        for e in &self.extents {
            let bytes = u64::from(e.len).min(left);
            left -= bytes;
            if bytes > 0 {
                runs.push((e.lba, bytes.div_ceil(2048), bytes));
            }
        }
        runs
    }
}

/// Runs `[start, end)` sorted and merged where they overlap or touch.
fn merged(mut runs: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    runs.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(runs.len());
    for (s, e) in runs {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The blocks of `read` (runs `[start, end)` read directly, in any order,
/// possibly overlapping) that lie in none of `ranges` (read by the
/// passes), each counted once.
fn blocks_outside(read: Vec<(u64, u64)>, ranges: &[BlockRange]) -> u64 {
    let passes = merged(
        ranges
            .iter()
            .map(|r| (u64::from(r.start), r.end()))
            .collect(),
    );
    merged(read)
        .into_iter()
        .map(|(s, e)| {
            let inside: u64 = passes
                .iter()
                .map(|&(ps, pe)| e.min(pe).saturating_sub(s.max(ps)))
                .sum();
            e - s - inside
        })
        .sum()
}

impl Contents {
    fn intern(&mut self, extents: Vec<Extent>, size: u64) -> usize {
        let key = (extents.iter().map(|e| (e.lba, e.len)).collect(), size);
        if let Some(&c) = self.by_key.get(&key) {
            return c;
        }
        let c = self.list.len();
        let mut content = Content {
            extents,
            size,
            pass: None,
            ctx: Md5Ctx::new(),
            fed: 0,
            missing: false,
            outcome: None,
        };
        if size == 0 {
            content.outcome = Some(Ok(Md5Ctx::new().finalize().into()));
        }
        self.list.push(content);
        self.by_key.insert(key, c);
        c
    }

    /// Decides how each content is hashed. When its data begin in one of
    /// `ranges`, in increasing LBA order without overlaps: by that range's
    /// pass if they end in it; if they run past its end, not at all — the
    /// blocks after it are not the session's (it was cut short, or the
    /// extent is damaged), so the content cannot be complete, and its
    /// blocks up to the end are read by the pass anyway. Others (data in
    /// no range read, extents out of order, fewer bytes in the extents
    /// than the file has) are read directly.
    fn assign(&mut self, ranges: &[BlockRange]) {
        for c in &mut self.list {
            if c.outcome.is_some() {
                continue;
            }
            let runs = c.runs();
            let ascending = runs
                .windows(2)
                .all(|w| u64::from(w[0].0) + w[0].1 <= u64::from(w[1].0));
            let stored: u64 = runs.iter().map(|r| r.2).sum();
            let (Some(&(first, ..)), Some(&(last, last_blocks, _))) = (runs.first(), runs.last())
            else {
                continue;
            };
            if !ascending || stored < c.size {
                continue;
            }
            let Some(i) = ranges
                .iter()
                .position(|r| r.start <= first && u64::from(first) < r.end())
            else {
                continue;
            };
            if u64::from(last) + last_blocks <= ranges[i].end() {
                c.pass = Some(i);
            } else {
                c.outcome = Some(Err(()));
            }
        }
    }

    fn outside(&self) -> Vec<usize> {
        let mut v: Vec<usize> = (0..self.list.len())
            .filter(|&c| self.list[c].pass.is_none() && self.list[c].outcome.is_none())
            .collect();
        v.sort_by_key(|&c| self.list[c].extents.first().map_or(0, |e| e.lba));
        v
    }

    /// Reads a content's extents with READ(10) and hashes exactly `size`
    /// bytes; adds the runs `[start, end)` read to `read`.
    fn read_directly<T: Transport>(
        &mut self,
        rec: &mut Recorder<T>,
        c: usize,
        read: &mut Vec<(u64, u64)>,
    ) -> Result<()> {
        let content = &mut self.list[c];
        let mut ctx = Md5Ctx::new();
        let mut left = content.size;
        for e in content.extents.clone() {
            let blocks = extent_blocks(&e);
            let mut done = 0u64;
            let mut in_extent = u64::from(e.len);
            while done < blocks && left > 0 {
                let n = (blocks - done).min(32) as u32;
                let lba = u32::try_from(u64::from(e.lba) + done)
                    .map_err(|_| Error::unsuitable("a file extent lies beyond 2^32 blocks"))?;
                match rec.read_blocks(lba, n) {
                    Ok(data) => {
                        let take = (data.len() as u64).min(in_extent).min(left) as usize;
                        ctx.update(&data[..take]);
                        left -= take as u64;
                        in_extent -= take as u64;
                        read.push((u64::from(lba), u64::from(lba) + u64::from(n)));
                    }
                    Err(err @ mmc::Error::Sense { .. }) => {
                        log::warn!("reading file data at LBA {lba}: {err}");
                        content.outcome = Some(Err(()));
                        return Ok(());
                    }
                    Err(err) => return Err(err.into()),
                }
                done += u64::from(n);
            }
        }
        content.outcome = Some(if left == 0 {
            Ok(ctx.finalize().into())
        } else {
            Err(())
        });
        Ok(())
    }
}

/// The state of one checkread pass over a session: the running session
/// MD5 and tag chain (`md5-tags.md` §8.4), and the contents fed block by
/// block.
struct Pass<'a> {
    plan: &'a mut SessionPlan,
    contents: &'a mut Contents,
    ctx: Md5Ctx,
    /// False once a block of the session was missing.
    ctx_ok: bool,
    /// Next tag expected: (LBA, kind); `None` while looking for the
    /// superblock tag in blocks S+16 … S+31.
    next_tag: Option<(u32, IsoTagKind)>,
    chain_done: bool,
    /// Extents of this pass's contents, by LBA: (lba, blocks, content,
    /// bytes of the content before this extent, bytes in the extent).
    extents: Vec<(u32, u64, usize, u64)>,
    next_ext: usize,
    active: Vec<usize>,
    /// Where the tag chain and session MD5 start: the session start, or —
    /// for the single-session view at LBA 0 of an emulated medium whose
    /// head carries a relocated superblock tag — the newest session's
    /// start that tag names (`md5-tags.md` §8.1 step 3).
    chain_start: u32,
    /// The start a relocated tag named, until the pass reaches it.
    rebase: Option<u32>,
}

impl<'a> Pass<'a> {
    fn new(plan: &'a mut SessionPlan, contents: &'a mut Contents, pass: usize) -> Pass<'a> {
        let mut extents = Vec::new();
        for (c, content) in contents.list.iter().enumerate() {
            if content.pass == Some(pass) {
                extents.extend(
                    content
                        .runs()
                        .into_iter()
                        .map(|(lba, blocks, bytes)| (lba, blocks, c, bytes)),
                );
            }
        }
        extents.sort_by_key(|e| e.0);
        let chain_start = plan.range.start;
        Pass {
            plan,
            contents,
            ctx: Md5Ctx::new(),
            ctx_ok: true,
            next_tag: None,
            chain_done: false,
            extents,
            next_ext: 0,
            active: Vec::new(),
            chain_start,
            rebase: None,
        }
    }

    fn start(&self) -> u32 {
        self.chain_start
    }

    /// True when block `lba` belongs to this pass's session.
    fn holds(&self, lba: u32) -> bool {
        self.plan.range.start <= lba && u64::from(lba) < self.plan.range.end()
    }

    /// Tag handling before block `lba` is hashed.
    fn tag_at(&mut self, lba: u32, block: Option<&[u8]>) {
        if self.rebase == Some(lba) {
            self.rebase = None;
            self.chain_start = lba;
            self.ctx = Md5Ctx::new();
            self.ctx_ok = true;
        }
        // Session MD5 (array entry 0) covers [START, END): END is the
        // array's first block.
        if let Some((start, end, want)) = self.plan.session_md5
            && end == lba
            && start == self.start()
        {
            self.plan.session_md5_outcome = if !self.ctx_ok {
                Md5Outcome::Unreadable
            } else if self.digest() == want {
                Md5Outcome::Match
            } else {
                Md5Outcome::Mismatch
            };
        }
        if self.chain_done {
            return;
        }
        let s = self.start();
        match self.next_tag {
            None => {
                if lba < s.saturating_add(16) || self.rebase.is_some() {
                    return;
                }
                if lba >= s.saturating_add(32) && self.rebase.is_none() {
                    self.plan.chain = ChainState::Absent;
                    self.chain_done = true;
                    return;
                }
                let Some(b) = block else { return };
                match Tag::decode(b) {
                    Ok(t)
                        if t.kind == IsoTagKind::RelocatedSuperblock
                            && t.pos == lba
                            && s == 0
                            && self.rebase.is_none()
                            && t.next > lba
                            && u64::from(t.next) < self.plan.range.end() =>
                    {
                        // Checked as the head (verify_head_tag); the
                        // chain continues in the session it names.
                        self.rebase = Some(t.next);
                    }
                    Ok(t) if t.kind == IsoTagKind::Superblock && t.pos == lba => {
                        self.record(lba, &t);
                        self.next_tag = Some((t.next, IsoTagKind::Tree));
                        self.check_next_in_range(lba);
                    }
                    Err(TagError::Corrupted {
                        kind: IsoTagKind::Superblock,
                    }) => self.corrupted(lba, IsoTagKind::Superblock),
                    _ => {}
                }
            }
            Some((want_lba, want)) if want_lba == lba => {
                let Some(b) = block else {
                    self.plan.tags.push(TagResult {
                        kind: kind_of(want),
                        lba,
                        range_start: s,
                        range_size: lba - s,
                        outcome: TagOutcome::Unreadable,
                    });
                    self.broken(
                        lba,
                        format!("the {} tag block cannot be read", name_of(want)),
                    );
                    self.plan.chain_unreadable = true;
                    return;
                };
                match Tag::decode(b) {
                    Ok(t) if t.kind == want && t.pos == lba => {
                        self.record(lba, &t);
                        if want == IsoTagKind::Session {
                            self.plan.chain = ChainState::Complete;
                            self.chain_done = true;
                        } else {
                            self.next_tag = Some((t.next, IsoTagKind::Session));
                            self.check_next_in_range(lba);
                        }
                    }
                    Err(TagError::Corrupted { kind }) if kind == want => self.corrupted(lba, want),
                    _ => self.broken(lba, format!("no {} tag at LBA {lba}", name_of(want))),
                }
            }
            Some(_) => {}
        }
    }

    fn check_next_in_range(&mut self, lba: u32) {
        let Some((next, kind)) = self.next_tag else {
            return;
        };
        let end = self.plan.range.end();
        if next <= lba {
            self.broken(
                lba,
                format!(
                    "the tag at LBA {lba} names the {} tag at LBA {next}, outside the session",
                    name_of(kind)
                ),
            );
        } else if u64::from(next) >= end {
            if self.plan.refers_to(u64::from(next) + 1) {
                // The tag checked (its own MD5 matched): the session should
                // go on to `next`, but its data end before. Nothing
                // differs; the rest is missing.
                self.broken(
                    lba,
                    format!(
                        "the tag at LBA {lba} names the {} tag at LBA {next}, beyond the end of \
                         the session's data (LBA {end})",
                        name_of(kind)
                    ),
                );
                self.plan.chain_unreadable = true;
            } else {
                // Beyond even the end the session declares: the tag is
                // damaged (its own MD5 matched: it was written so), nothing
                // is missing.
                self.broken(
                    lba,
                    format!(
                        "the tag at LBA {lba} names the {} tag at LBA {next}, beyond the end of \
                         the session{}",
                        name_of(kind),
                        self.plan.declared_text()
                    ),
                );
            }
        }
    }

    fn digest(&self) -> Md5 {
        self.ctx.clone().finalize().into()
    }

    fn record(&mut self, lba: u32, t: &Tag) {
        let s = self.start();
        let outcome = if t.range_start != s || u64::from(t.range_size) != u64::from(lba - s) {
            TagOutcome::WrongRange
        } else if !self.ctx_ok {
            TagOutcome::Unreadable
        } else if self.digest() == t.md5 {
            TagOutcome::Match
        } else {
            TagOutcome::Mismatch
        };
        self.plan.tags.push(TagResult {
            kind: kind_of(t.kind),
            lba,
            range_start: t.range_start,
            range_size: t.range_size,
            outcome,
        });
    }

    fn corrupted(&mut self, lba: u32, kind: IsoTagKind) {
        self.plan.tags.push(TagResult {
            kind: kind_of(kind),
            lba,
            range_start: 0,
            range_size: 0,
            outcome: TagOutcome::Corrupted,
        });
        self.broken(
            lba,
            format!("the {} tag at LBA {lba} is corrupted", name_of(kind)),
        );
    }

    fn broken(&mut self, lba: u32, reason: String) {
        self.plan.chain = ChainState::Broken { lba, reason };
        self.chain_done = true;
    }

    /// Feeds block `lba` (or its absence) to the contents covering it.
    fn feed_contents(&mut self, lba: u32, block: Option<&[u8]>) {
        while self.next_ext < self.extents.len() && self.extents[self.next_ext].0 <= lba {
            self.active.push(self.next_ext);
            self.next_ext += 1;
        }
        let extents = &self.extents;
        let contents = &mut self.contents.list;
        self.active.retain(|&i| {
            let (start, blocks, c, bytes) = extents[i];
            let k = u64::from(lba - start);
            if k >= blocks {
                return false;
            }
            let content = &mut contents[c];
            match block {
                Some(b) => {
                    let take = (bytes - k * 2048).min(2048) as usize;
                    content.ctx.update(&b[..take]);
                    content.fed += take as u64;
                }
                None => content.missing = true,
            }
            k + 1 < blocks
        });
    }

    fn block(&mut self, lba: u32, block: Option<&[u8]>) {
        // The session's primary volume descriptor, when the tree could not
        // be opened to give its size.
        if self.plan.declared_end.is_none()
            && u64::from(lba) == u64::from(self.plan.range.start) + 16
            && let Some(b) = block
            && let Ok(vd) = VolumeDescriptor::parse(b)
            && vd.vd_type == vd_type::PRIMARY
        {
            self.plan.declare(vd.volume_space_size);
        }
        self.tag_at(lba, block);
        match block {
            Some(b) => self.ctx.update(b),
            None => self.ctx_ok = false,
        }
        self.feed_contents(lba, block);
    }

    /// Closes the pass: contents of this pass get their outcome; tags
    /// still expected are reported missing.
    fn finish(mut self) {
        let end = self.plan.range.end();
        if !self.chain_done {
            match self.next_tag {
                None => self.plan.chain = ChainState::Absent,
                Some((lba, kind)) => {
                    let reason = format!("the {} tag at LBA {lba} was not reached", name_of(kind));
                    self.broken(lba, reason);
                    self.plan.chain_unreadable = true;
                }
            }
        }
        if let Some((start, arr, _)) = self.plan.session_md5
            && start == self.start()
            && u64::from(arr) >= end
        {
            self.plan.session_md5_outcome = Md5Outcome::Unreadable;
        }
        let pass = self.plan.index;
        for c in &mut self.contents.list {
            if c.pass == Some(pass) && c.outcome.is_none() {
                c.outcome = Some(if c.missing || c.fed != c.size {
                    Err(())
                } else {
                    Ok(std::mem::take(&mut c.ctx).finalize().into())
                });
            }
        }
    }
}

impl ReadSink for Pass<'_> {
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        for (i, b) in data.chunks_exact(2048).enumerate() {
            self.block(lba + i as u32, Some(b));
        }
        Ok(())
    }

    fn missing(&mut self, lba: u32, blocks: u32, quality: Quality) {
        let _ = quality;
        for i in 0..blocks {
            self.block(lba + i, None);
        }
    }
}

fn kind_of(k: IsoTagKind) -> TagKind {
    match k {
        IsoTagKind::Superblock => TagKind::Superblock,
        IsoTagKind::Tree => TagKind::Tree,
        IsoTagKind::Session => TagKind::Session,
        IsoTagKind::RelocatedSuperblock => TagKind::Head,
    }
}

fn name_of(k: IsoTagKind) -> &'static str {
    match k {
        IsoTagKind::Superblock => "superblock",
        IsoTagKind::Tree => "tree",
        IsoTagKind::Session => "session",
        IsoTagKind::RelocatedSuperblock => "relocated superblock",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names the CLI prints are the names in the JSON report.
    #[test]
    fn tag_kind_names_are_their_serialized_names() {
        for k in [
            TagKind::Superblock,
            TagKind::Tree,
            TagKind::Session,
            TagKind::Head,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.name());
        }
    }

    /// Blocks read directly count once, and not when a pass read them.
    #[test]
    fn blocks_read_directly_count_once_outside_the_passes() {
        let passes = [BlockRange::new(100, 50), BlockRange::new(200, 10)];
        assert_eq!(blocks_outside(Vec::new(), &passes), 0);
        // Outside every pass.
        assert_eq!(blocks_outside(vec![(0, 32), (32, 40)], &passes), 40);
        // Overlapping runs (two contents sharing blocks).
        assert_eq!(blocks_outside(vec![(10, 42), (0, 32)], &passes), 42);
        // Runs into a pass, across another, inside one.
        assert_eq!(blocks_outside(vec![(90, 110)], &passes), 10);
        assert_eq!(blocks_outside(vec![(140, 220)], &passes), 60);
        assert_eq!(blocks_outside(vec![(120, 130), (201, 202)], &passes), 0);
    }

    #[test]
    fn only_mismatching_corrupted_or_misplaced_tags_differ() {
        assert!(TagOutcome::Mismatch.differs());
        assert!(TagOutcome::Corrupted.differs());
        assert!(TagOutcome::WrongRange.differs());
        assert!(!TagOutcome::Match.differs());
        assert!(!TagOutcome::Unreadable.differs());
    }
}

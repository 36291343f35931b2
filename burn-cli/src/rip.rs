//! Reading a disc into an image file — ripping, the first step of a
//! jukebox of stored images: exactly the blocks of an ISO 9660 session (or
//! of a whole overwritable medium), read once with the engine's checkread
//! (chunks, block-by-block retries, a sector map of what could not be
//! read), streamed into any writer, and checked on the way against the MD5
//! tags the sessions record (`md5-tags.md` §8.4, the head's relocated tag
//! §8.1).
//!
//! How many blocks (`mmc-recipes.md` §3.4 caveat: READ CAPACITY is no
//! image size):
//!
//! * an ISO 9660 session: its PVD's volume space size (ECMA-119 §8.4.8),
//!   counted from the session start as libisofs and genisoimage record it
//!   (one counted from LBA 0, as some older programs record it, is
//!   recognised when only that reading fits the table of contents) —
//!   never the padding after it, never the two unreadable run-out blocks
//!   of a CD TAO track (`mmc-recipes.md` §6.6);
//! * the whole of an overwritable medium or image file: LBA 0 to the end
//!   of the newest session, as the head's PVD gives it (§8.1) — the file
//!   then shows the newest session and holds every session (the
//!   multisession emulation of image files);
//! * a session that is no ISO 9660 image: its track range from the table
//!   of contents; on CD its last two blocks only if they can be read (a
//!   TAO track's run-out cannot).

use std::io::{self, Write};

use iso_writer::model::hex;
use iso_writer::read::verify_head_tag;
use md5::{Digest, Md5 as Md5Ctx};
use mmc::Transport;
use mmc::engine::{BlockRange, Quality, ReadSink, Recorder};
use mmc::profile::Family;
use serde::Serialize;

use crate::check::{self, SessionResult, TagKind, TagResult, Verdict};
use crate::emulation::{HEAD_BLOCKS, HeadState};
use crate::error::{Error, Result};
use crate::media::{self, Layout, MediaReport, Session};
use crate::{BlockSpan, ProgressFn};

const B: usize = iso_writer::BLOCK;

/// What to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    /// The disc as one image: the session of a single-session disc
    /// (pressed or written); every block of an overwritable medium or
    /// image file from LBA 0 to the end of the newest session. A
    /// sequential disc with several sessions has no such image (a later
    /// session reads correctly only at its own address, and the gaps
    /// between sessions are not recorded): [`Error::SessionNeeded`].
    Disc,
    /// Session `n` (1 = the oldest): exactly its image, from its start.
    /// An image of a session that does not start at LBA 0 is correct only
    /// at that address (its directory addresses are absolute): for
    /// comparing (`verify` with the session) and for writing it there.
    Session(u32),
}

/// Where the number of blocks came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SizeFrom {
    /// The session's PVD volume space size, counted from its start.
    Pvd,
    /// The session's PVD volume space size, counted from LBA 0.
    PvdAbsolute,
    /// The head's PVD at LBA 16 of an overwritable medium or image file:
    /// the absolute end of the newest session (`mmc-recipes.md` §8.1).
    Head,
    /// The table of contents: the session holds no ISO 9660 volume.
    Toc,
}

/// What [`rip`] will read, as [`plan`] decides it.
#[derive(Clone, Debug)]
pub struct RipPlan {
    /// The medium as inspected.
    pub media: MediaReport,
    /// The session read, `None` for the whole disc.
    pub session: Option<u32>,
    /// First block read: block 0 of the image.
    pub start: u32,
    /// Blocks of the image (without the probed blocks below).
    pub blocks: u32,
    pub size_from: SizeFrom,
    /// The volume id the image shows.
    pub volume_id: Option<String>,
    /// The sessions whose tags are checked, with their block ranges.
    checked: Vec<(Session, BlockRange)>,
    /// Blocks after `blocks` that belong to the image only if they can be
    /// read (the last two of a CD track that is no ISO 9660 image).
    probe: u32,
    notes: Vec<String>,
}

/// What [`rip`] read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RipReport {
    pub device: String,
    pub layout: Layout,
    /// The session read; `None`: the whole disc.
    pub session: Option<u32>,
    /// LBA of the image's first block.
    pub start: u32,
    /// Blocks in the image as written.
    pub blocks: u32,
    /// Bytes written (`blocks` × 2048).
    pub bytes: u64,
    pub size_from: SizeFrom,
    pub volume_id: Option<String>,
    /// MD5 of the bytes written (what `md5sum` of the image file gives).
    pub md5: String,
    /// The head's relocated superblock tag (whole overwritable media).
    pub head: Option<TagResult>,
    /// The ISO 9660 sessions in the image and how their tags and session
    /// MD5 compared (files are covered by the tags).
    pub sessions: Vec<SessionResult>,
    /// Runs of blocks that could not be read: zeros in the image where
    /// the drive failed, nothing after where the recorded data ended
    /// early (the image is then shorter).
    pub unreadable: Vec<BlockSpan>,
    pub verdict: Verdict,
    pub notes: Vec<String>,
}

impl RipReport {
    /// True when the image holds every block it should.
    pub fn is_complete(&self) -> bool {
        self.unreadable.is_empty()
    }
}

/// Decides what [`rip`] reads (no data read but volume descriptors).
/// No disc is [`mmc::error::Unsuitable::NoMedium`], a medium without
/// sessions [`Error::Blank`], an unknown session [`Error::NoSuchSession`].
pub fn plan<T: Transport>(rec: &mut Recorder<T>, which: Which) -> Result<RipPlan> {
    let media = media::inspect(rec)?;
    media.require_medium()?;
    if media.layout == Layout::Stream {
        return Err(Error::unsuitable(format!(
            "{} is a pipe or character device: nothing can be read from it",
            media.device
        )));
    }
    if media.sessions.is_empty() {
        return Err(Error::Blank(media.device.clone()));
    }
    let n = match which {
        Which::Session(n) => Some(n),
        Which::Disc if media.layout == Layout::Emulated => None,
        Which::Disc if media.sessions.len() == 1 => Some(1),
        Which::Disc => {
            return Err(Error::SessionNeeded {
                device: media.device.clone(),
                sessions: media.sessions.clone(),
            });
        }
    };
    let Some(n) = n else {
        return Ok(whole_emulated(media));
    };
    let s = media.session(Some(n))?.clone();
    let mut notes = Vec::new();
    let mut probe = 0;
    let (blocks, size_from) = if media.layout == Layout::Emulated {
        // The emulated table gives the PVD's size already (§8.4); the
        // single-session view at 0 is the head's absolute end.
        let from = if s.start == 0 {
            SizeFrom::Head
        } else {
            SizeFrom::Pvd
        };
        (s.blocks, from)
    } else {
        let toc_end = s.end();
        match pvd_size(rec, s.start) {
            Some(v) if v > 0 && u64::from(s.start) + u64::from(v) <= toc_end => (v, SizeFrom::Pvd),
            Some(v) if s.start > 0 && v > s.start && u64::from(v) <= toc_end => {
                (v - s.start, SizeFrom::PvdAbsolute)
            }
            pvd => {
                if let Some(v) = pvd {
                    notes.push(format!(
                        "the session's volume descriptor says {v} blocks, which the session \
                         ({} blocks) does not hold: its table of contents range is read",
                        s.blocks
                    ));
                }
                let cd = media.info.profile.family() == Family::Cd;
                if cd && s.blocks > 2 {
                    probe = 2;
                    (s.blocks - 2, SizeFrom::Toc)
                } else {
                    (s.blocks, SizeFrom::Toc)
                }
            }
        }
    };
    let checked = if size_from == SizeFrom::Toc {
        Vec::new()
    } else {
        vec![(s.clone(), BlockRange::new(s.start, blocks))]
    };
    Ok(RipPlan {
        session: Some(n),
        start: s.start,
        blocks,
        size_from,
        volume_id: s.volume_id.clone(),
        checked,
        probe,
        notes,
        media,
    })
}

/// The whole of an overwritable medium or image file: the head and every
/// session, up to the end the head names.
fn whole_emulated(media: MediaReport) -> RipPlan {
    let end = match media.head {
        Some(HeadState::Iso { end }) => end,
        _ => media.sessions.last().map_or(0, |s| s.end() as u32),
    };
    let checked = media
        .sessions
        .iter()
        .filter(|s| s.end() <= u64::from(end))
        .map(|s| (s.clone(), BlockRange::new(s.start, s.blocks)))
        .collect();
    RipPlan {
        session: None,
        start: 0,
        blocks: end,
        size_from: SizeFrom::Head,
        volume_id: media.newest_session().and_then(|s| s.volume_id.clone()),
        checked,
        probe: 0,
        notes: Vec::new(),
        media,
    }
}

/// The volume space size of the PVD at `start + 16` (ECMA-119 §8.4.8,
/// bytes 80–83 little-endian), if there is a PVD.
fn pvd_size<T: Transport>(rec: &mut Recorder<T>, start: u32) -> Option<u32> {
    let b = rec.read_blocks(start.checked_add(16)?, 1).ok()?;
    (b.first() == Some(&1) && b.get(1..6) == Some(b"CD001"))
        .then(|| {
            b.get(80..84)
                .map(|v| u32::from_le_bytes([v[0], v[1], v[2], v[3]]))
        })
        .flatten()
}

/// Reads what `which` names into `out` (see the module documentation),
/// checking the MD5 tags of the sessions it holds on the way. Unreadable
/// blocks are zeros in the image; where the recorded data ends early, the
/// image ends. The report's verdict says whether the image matches its
/// checksums; [`RipReport::unreadable`] what is missing. Writing `out`
/// failing is [`Error::Io`]; cancellation stops at the next chunk with
/// [`mmc::Error::Cancelled`].
pub fn rip<T: Transport, W: Write + ?Sized>(
    rec: &mut Recorder<T>,
    which: Which,
    out: &mut W,
    progress: ProgressFn<'_>,
) -> Result<RipReport> {
    let plan = plan(rec, which)?;
    rip_planned(rec, plan, out, progress)
}

/// [`rip`] with a plan made before (by [`plan`], on the same medium).
pub fn rip_planned<T: Transport, W: Write + ?Sized>(
    rec: &mut Recorder<T>,
    plan: RipPlan,
    out: &mut W,
    progress: ProgressFn<'_>,
) -> Result<RipReport> {
    rec.drive().cancel_token().check()?;
    let keep_head = plan.start == 0 && plan.session.is_none();
    let mut sink = ImageSink {
        out,
        md5: Md5Ctx::new(),
        start: plan.start,
        blocks: 0,
        ended: false,
        head: Vec::new(),
        keep_head,
        error: None,
    };
    let range = BlockRange::new(plan.start, plan.blocks);
    let r = check::checkread_tags(rec, &plan.media, &plan.checked, range, &mut sink, progress);
    if let Some(e) = sink.error.take() {
        return Err(Error::io("writing the image", e));
    }
    let (sessions, map) = r?;
    let mut notes = plan.notes.clone();
    let mut unreadable: Vec<BlockSpan> = map
        .runs
        .iter()
        .filter(|r| r.quality != Quality::Good)
        .map(|r| BlockSpan::new(r.start, r.blocks))
        .collect();
    let complete = unreadable.is_empty() && u64::from(sink.blocks) == u64::from(plan.blocks);
    if plan.probe > 0 && complete {
        let at = plan.start.saturating_add(plan.blocks);
        match rec.read_blocks(at, plan.probe) {
            Ok(data) => {
                sink.write(&data)?;
            }
            Err(e @ mmc::Error::Sense { .. }) => {
                log::debug!("the last {} blocks of the track: {e}", plan.probe);
                notes.push(format!(
                    "the last {} blocks of the track (LBA {at} …) cannot be read: the run-out \
                     of a track written track-at-once, not part of the image",
                    plan.probe
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    sink.out
        .flush()
        .map_err(|e| Error::io("writing the image", e))?;
    let head = if keep_head && plan.media.layout == Layout::Emulated {
        head_tag(&sink.head)
    } else {
        None
    };
    unreadable.sort_by_key(|s| s.start);
    let verdict = verdict(&sessions, head.as_ref(), !unreadable.is_empty());
    if sessions.is_empty() && plan.size_from == SizeFrom::Toc {
        notes.push("the session holds no ISO 9660 volume: nothing could be verified".into());
    }
    Ok(RipReport {
        device: plan.media.device.clone(),
        layout: plan.media.layout,
        session: plan.session,
        start: plan.start,
        blocks: sink.blocks,
        bytes: u64::from(sink.blocks) * B as u64,
        size_from: plan.size_from,
        volume_id: plan.volume_id.clone(),
        md5: hex(&sink.md5.finalize()),
        head,
        sessions,
        unreadable,
        verdict,
        notes,
    })
}

/// The head's relocated superblock tag, checked on the first 32 blocks
/// as they went into the image.
fn head_tag(head: &[u8]) -> Option<TagResult> {
    if head.len() < HEAD_BLOCKS as usize * B {
        return None;
    }
    let t = verify_head_tag(&mut &head[..]).ok().flatten()?;
    Some(TagResult {
        kind: TagKind::Head,
        lba: t.lba,
        range_start: t.range_start,
        range_size: t.range_size,
        outcome: check::iso_outcome(&t.outcome),
    })
}

/// The image's verdict: a difference found beats missing blocks, which
/// beat the absence of checksums. A session whose tag chain broke only
/// where blocks were missing is unreadable, not different.
fn verdict(sessions: &[SessionResult], head: Option<&TagResult>, missing: bool) -> Verdict {
    let head_differs = head.is_some_and(|h| h.outcome.differs());
    let differs = head_differs
        || sessions
            .iter()
            .any(|s| s.differs() || (s.verdict == Verdict::Mismatch && s.unreadable.is_empty()));
    let checksums = head.is_some() || sessions.iter().any(|s| s.verdict != Verdict::NoChecksums);
    if differs {
        Verdict::Mismatch
    } else if missing || sessions.iter().any(|s| s.verdict == Verdict::Unreadable) {
        Verdict::Unreadable
    } else if !checksums {
        Verdict::NoChecksums
    } else {
        Verdict::Ok
    }
}

/// Writes the blocks of a checkread into the image: data as read, zeros
/// for blocks that could not be read, nothing after the recorded end; the
/// MD5 of what was written; the first 32 blocks kept for the head's tag.
struct ImageSink<'w, W: Write + ?Sized> {
    out: &'w mut W,
    md5: Md5Ctx,
    start: u32,
    /// Blocks written.
    blocks: u32,
    /// The recorded data ended (blank or beyond the end): nothing more is
    /// written.
    ended: bool,
    head: Vec<u8>,
    keep_head: bool,
    /// Writing failed: the error, for the caller (the checkread stops).
    error: Option<io::Error>,
}

impl<W: Write + ?Sized> ImageSink<'_, W> {
    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.put(data)
            .map_err(|e| Error::io("writing the image", e))
    }

    fn put(&mut self, data: &[u8]) -> io::Result<()> {
        self.out.write_all(data)?;
        self.md5.update(data);
        if self.keep_head && self.head.len() < HEAD_BLOCKS as usize * B {
            let want = HEAD_BLOCKS as usize * B - self.head.len();
            self.head.extend_from_slice(&data[..want.min(data.len())]);
        }
        self.blocks += (data.len() / B) as u32;
        Ok(())
    }

    fn fail(&mut self, e: io::Error) -> io::Error {
        let text = e.to_string();
        self.error = Some(e);
        io::Error::other(text)
    }
}

impl<W: Write + ?Sized> ReadSink for ImageSink<'_, W> {
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        if self.ended || self.error.is_some() {
            return Ok(());
        }
        debug_assert_eq!(
            u64::from(lba),
            u64::from(self.start) + u64::from(self.blocks)
        );
        self.put(data).map_err(|e| self.fail(e))
    }

    fn missing(&mut self, _lba: u32, blocks: u32, quality: Quality) {
        if self.ended || self.error.is_some() {
            return;
        }
        if matches!(quality, Quality::Blank | Quality::BeyondEnd) {
            self.ended = true;
            return;
        }
        let zeros = [0u8; B];
        for _ in 0..blocks {
            if let Err(e) = self.put(&zeros) {
                self.fail(e);
                return;
            }
        }
    }

    fn stop(&self) -> bool {
        self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{ArrayState, ChainState, FileResults, Md5Outcome, TagOutcome};

    fn session(verdict: Verdict, tag: TagOutcome, unreadable: bool) -> SessionResult {
        SessionResult {
            number: 1,
            start: 0,
            blocks: 100,
            volume_id: None,
            tags: vec![TagResult {
                kind: TagKind::Superblock,
                lba: 19,
                range_start: 0,
                range_size: 19,
                outcome: tag,
            }],
            chain: ChainState::Complete,
            array: ArrayState::Valid,
            session_md5: Md5Outcome::Match,
            files: FileResults::default(),
            unreadable: if unreadable {
                vec![BlockSpan::new(50, 2)]
            } else {
                Vec::new()
            },
            truncated: None,
            notes: Vec::new(),
            verdict,
        }
    }

    #[test]
    fn verdicts() {
        let ok = session(Verdict::Ok, TagOutcome::Match, false);
        assert_eq!(verdict(std::slice::from_ref(&ok), None, false), Verdict::Ok);
        let bad = session(Verdict::Mismatch, TagOutcome::Mismatch, false);
        assert_eq!(verdict(&[ok.clone(), bad], None, true), Verdict::Mismatch);
        // A chain broken where blocks were missing: unreadable.
        let broken = session(Verdict::Mismatch, TagOutcome::Unreadable, true);
        assert_eq!(verdict(&[broken], None, true), Verdict::Unreadable);
        assert_eq!(verdict(&[], None, false), Verdict::NoChecksums);
        assert_eq!(verdict(&[], None, true), Verdict::Unreadable);
        let head = TagResult {
            kind: TagKind::Head,
            lba: 18,
            range_start: 0,
            range_size: 18,
            outcome: TagOutcome::Corrupted,
        };
        assert_eq!(verdict(&[ok], Some(&head), false), Verdict::Mismatch);
    }

    #[test]
    fn sink_writes_zeros_for_unreadable_blocks_and_stops_at_the_end() {
        let mut out = Vec::new();
        let mut s = ImageSink {
            out: &mut out,
            md5: Md5Ctx::new(),
            start: 10,
            blocks: 0,
            ended: false,
            head: Vec::new(),
            keep_head: false,
            error: None,
        };
        s.data(10, &[7u8; 2 * B]).unwrap();
        s.missing(12, 1, Quality::Unreadable);
        s.data(13, &[9u8; B]).unwrap();
        s.missing(14, 5, Quality::BeyondEnd);
        s.data(19, &[1u8; B]).unwrap();
        assert_eq!(s.blocks, 4);
        let md5 = hex(&s.md5.clone().finalize());
        drop(s);
        assert_eq!(out.len(), 4 * B);
        assert!(out[2 * B..3 * B].iter().all(|&b| b == 0));
        assert!(out[3 * B..].iter().all(|&b| b == 9));
        assert_eq!(md5, hex(&Md5Ctx::digest(&out)));
    }
}

//! libisofs checksums (libisofs `doc/checksums.txt`; md5-tags.md): the
//! `isofs.ca` attribute, the checksum array, per-file `isofs.cx` digests and
//! the superblock / tree / session tags. Formats are decoded by
//! [`crate::spec::md5tag`] and [`crate::spec::aaip`]; this module reads the
//! blocks and runs the checks of md5-tags.md §7.2 and §8.

use md5::{Digest, Md5 as Md5Ctx};

use super::block::{BlockRead, read_at, read_block};
use super::{Entry, Error, Image, Limits, Result, WalkEvent};
use crate::BLOCK;
use crate::model::{Kind, Md5, Name};
use crate::spec::aaip::ChecksumArea;
pub use crate::spec::md5tag::TagKind;
use crate::spec::md5tag::{
    ARRAY_ENTRY_LEN, ArrayError, ChecksumArray, Tag, TagError, array_blocks,
};

/// Blocks hashed per source read.
const CHUNK: u32 = 32;

/// Whether the checksum array can be trusted (md5-tags.md §4: entry N+1
/// must be the MD5 of entries 0 … N).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArrayValidity {
    Valid,
    /// Entry N+1 does not match: the whole array is untrustworthy ("MD5
    /// checksum array appears damaged").
    Damaged,
    /// `isofs.ca` is malformed or the array cannot be read.
    Unreadable(String),
}

/// The session's checksum array as located by `isofs.ca` on the root `.`
/// record (md5-tags.md §5.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChecksumInfo {
    /// START: session start the entry-0 range begins at.
    pub start: u32,
    /// END: LBA of the array, also the end of the entry-0 range.
    pub end: u32,
    /// COUNT = N + 2 entries.
    pub count: u32,
    /// The entries as read (empty if unreadable).
    pub entries: Vec<Md5>,
    pub validity: ArrayValidity,
}

impl ChecksumInfo {
    pub fn is_valid(&self) -> bool {
        self.validity == ArrayValidity::Valid
    }

    /// Entry 0: MD5 of blocks `[start, end)`, if the array is valid.
    pub fn session_md5(&self) -> Option<Md5> {
        self.is_valid()
            .then(|| self.entries.first().copied())
            .flatten()
    }

    /// The recorded MD5 of the file with `isofs.cx` index `i`
    /// (1 ≤ i ≤ COUNT − 2), if the array is valid.
    pub fn file_md5(&self, i: u32) -> Option<Md5> {
        if !self.is_valid() || i == 0 || i >= self.count.saturating_sub(1) {
            return None;
        }
        self.entries.get(i as usize).copied()
    }

    /// Number of file entries N.
    pub fn files(&self) -> u32 {
        self.count.saturating_sub(2)
    }
}

/// Loads the array named by the root's `isofs.ca` value.
pub(crate) fn load<R: BlockRead + ?Sized>(
    src: &mut R,
    ca: &[u8],
    root_lba: u32,
    limits: &Limits,
) -> ChecksumInfo {
    let area = match ChecksumArea::decode(ca) {
        Ok(a) if a.end >= a.start => Ok(a),
        Ok(a) => Err(format!(
            "isofs.ca END {} is before START {}",
            a.end, a.start
        )),
        Err(e) => Err(e.to_string()),
    };
    let area = match area {
        Ok(a) => a,
        Err(why) => {
            log::warn!("root directory at {root_lba}: {why}");
            return ChecksumInfo {
                start: 0,
                end: 0,
                count: 0,
                entries: Vec::new(),
                validity: ArrayValidity::Unreadable(why),
            };
        }
    };
    let mut info = ChecksumInfo {
        start: area.start,
        end: area.end,
        count: area.count,
        entries: Vec::new(),
        validity: ArrayValidity::Valid,
    };
    if area.count < 2 {
        info.validity = ArrayValidity::Unreadable(format!(
            "isofs.ca COUNT {} (START {}, END {}) is unusable",
            area.count, area.start, area.end
        ));
        return info;
    }
    if area.count > limits.max_checksum_entries {
        info.validity = ArrayValidity::Unreadable(format!(
            "checksum array of {} entries exceeds the limit {}",
            area.count, limits.max_checksum_entries
        ));
        return info;
    }
    let blocks = array_blocks(area.count);
    let read = super::block::check_range(src, area.end, blocks.into()).and_then(|()| {
        let mut buf = vec![0u8; blocks as usize * BLOCK];
        read_at(src, area.end, &mut buf).map(|()| buf)
    });
    let buf = match read {
        Ok(buf) => buf,
        Err(e) => {
            info.validity = ArrayValidity::Unreadable(format!(
                "reading the checksum array at LBA {}: {e}",
                area.end
            ));
            return info;
        }
    };
    info.entries = buf[..area.count as usize * ARRAY_ENTRY_LEN]
        .chunks_exact(ARRAY_ENTRY_LEN)
        .map(|c| c.try_into().unwrap_or([0; 16]))
        .collect();
    match ChecksumArray::parse(&buf, area.count) {
        Ok(_) => {}
        Err(ArrayError::Damaged) => {
            log::warn!(
                "MD5 checksum array at LBA {} appears damaged and not trustworthy for verifications",
                area.end
            );
            info.validity = ArrayValidity::Damaged;
        }
        Err(e) => info.validity = ArrayValidity::Unreadable(e.to_string()),
    }
    info
}

/// The result of checking one tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TagOutcome {
    /// The recorded MD5 equals the MD5 of the blocks it covers.
    Match,
    /// "NON-MATCHING": the data differ from what the tag recorded.
    Mismatch { recorded: Md5, computed: Md5 },
    /// The tag's `self` digest is wrong: the tag text itself is damaged.
    Corrupted,
    /// The tag covers a range other than the one expected ("covers
    /// different data range").
    WrongRange { expected_start: u32 },
}

/// One checked tag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagCheck {
    pub kind: TagKind,
    pub lba: u32,
    pub range_start: u32,
    pub range_size: u32,
    /// `next=` or `session_start=`.
    pub next: Option<u32>,
    pub outcome: TagOutcome,
}

/// How a tag chain ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainEnd {
    /// Superblock, tree and session tag all found.
    Complete,
    /// No superblock tag in the session's first 32 blocks: no tags recorded.
    NoTags,
    /// A tag announced by `next=` is missing or unusable.
    Broken { lba: u32, reason: String },
}

/// The tags of one session (md5-tags.md §8.1, §8.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagReport {
    pub session_start: u32,
    /// The relocated superblock tag when the session was opened at LBA 0 of
    /// an emulated image (its head); the session checked is then the one it
    /// names.
    pub head: Option<TagCheck>,
    pub tags: Vec<TagCheck>,
    pub chain: ChainEnd,
}

impl TagReport {
    /// Complete chain and every tag matching.
    pub fn all_match(&self) -> bool {
        self.chain == ChainEnd::Complete
            && self
                .tags
                .iter()
                .chain(self.head.iter())
                .all(|t| t.outcome == TagOutcome::Match)
    }
}

/// Feeds blocks `[from, to)` into `ctx`.
fn hash_range<R: BlockRead + ?Sized>(
    src: &mut R,
    ctx: &mut Md5Ctx,
    from: u32,
    to: u32,
) -> Result<()> {
    let mut buf = vec![0u8; CHUNK as usize * BLOCK];
    let mut lba = from;
    while lba < to {
        let n = (to - lba).min(CHUNK);
        let b = &mut buf[..n as usize * BLOCK];
        read_at(src, lba, b)?;
        ctx.update(&b[..]);
        lba += n;
    }
    Ok(())
}

/// A block decoded as a tag.
enum Decoded {
    Tag(Tag),
    /// Syntax fine, `self=` wrong: the tag text is damaged.
    Corrupted(TagKind),
    NotATag,
}

fn decode(block: &[u8]) -> Decoded {
    match Tag::decode(block) {
        Ok(t) => Decoded::Tag(t),
        Err(TagError::Corrupted { kind }) => Decoded::Corrupted(kind),
        Err(_) => Decoded::NotATag,
    }
}

/// A tag of `kind` with `pos == lba` at the start of `block`, if any.
pub(crate) fn tag_in(block: &[u8], lba: u32, kind: TagKind) -> Option<Tag> {
    match Tag::decode(block) {
        Ok(t) if t.kind == kind && t.pos == lba => Some(t),
        _ => None,
    }
}

fn next_of(tag: &Tag) -> Option<u32> {
    (tag.kind != TagKind::Session).then_some(tag.next)
}

fn check(tag: &Tag, lba: u32, start: u32, ctx: &Md5Ctx) -> TagCheck {
    let outcome = if tag.range_start != start
        || u64::from(tag.range_size) != u64::from(lba) - u64::from(start)
    {
        TagOutcome::WrongRange {
            expected_start: start,
        }
    } else {
        let computed: Md5 = ctx.clone().finalize().into();
        if computed == tag.md5 {
            TagOutcome::Match
        } else {
            TagOutcome::Mismatch {
                recorded: tag.md5,
                computed,
            }
        }
    };
    TagCheck {
        kind: tag.kind,
        lba,
        range_start: tag.range_start,
        range_size: tag.range_size,
        next: next_of(tag),
        outcome,
    }
}

fn corrupted(kind: TagKind, lba: u32) -> TagCheck {
    TagCheck {
        kind,
        lba,
        range_start: 0,
        range_size: 0,
        next: None,
        outcome: TagOutcome::Corrupted,
    }
}

/// Checks the relocated superblock tag (type 4) in the 64 KiB head of an
/// emulated multisession image (md5-tags.md §6, §8.5): blocks 16 … 31 are
/// searched; the tag covers blocks `0 … pos − 1`. `None` if there is none.
pub fn verify_head_tag<R: BlockRead + ?Sized>(src: &mut R) -> Result<Option<TagCheck>> {
    let mut ctx = Md5Ctx::new();
    hash_range(src, &mut ctx, 0, 16)?;
    for lba in 16..32 {
        let b = read_block(src, lba)?;
        match decode(&b[..]) {
            Decoded::Tag(t) if t.kind == TagKind::RelocatedSuperblock && t.pos == lba => {
                return Ok(Some(check(&t, lba, 0, &ctx)));
            }
            Decoded::Corrupted(TagKind::RelocatedSuperblock) => {
                return Ok(Some(corrupted(TagKind::RelocatedSuperblock, lba)));
            }
            _ => {}
        }
        ctx.update(&b[..]);
    }
    Ok(None)
}

/// Checks the tag chains of every session of an image or emulated medium
/// (md5-tags.md §8.4, §8.5; what `xorriso -check_media` reports as
/// `MD5 tag range` lines): the sessions of [`sessions`](super::sessions),
/// oldest first. The head's relocated tag is [`verify_head_tag`]'s business.
pub fn verify_medium_tags<R: BlockRead + ?Sized>(src: &mut R) -> Result<Vec<TagReport>> {
    let mut out = Vec::new();
    for s in super::sessions(src)? {
        // A single "session" at 0 of a medium whose chain is broken is the
        // head: its relocated tag leads to the newest session.
        out.push(verify_session_tags(src, s.start)?);
    }
    Ok(out)
}

fn verify_session_tags<R: BlockRead + ?Sized>(src: &mut R, mut start: u32) -> Result<TagReport> {
    let mut report = TagReport {
        session_start: start,
        head: None,
        tags: Vec::new(),
        chain: ChainEnd::NoTags,
    };
    let count = src.block_count();
    let mut ctx = Md5Ctx::new();
    // §8.1 steps 1–3: a superblock tag in blocks S+16 … S+31; at S = 0 a
    // relocated one may lead to the newest session instead.
    let mut sb: Option<(Tag, u32)> = None;
    let mut lba = start;
    while lba < start.saturating_add(32) {
        if count.is_some_and(|c| u64::from(lba) >= c) {
            break;
        }
        let b = read_block(src, lba)?;
        if lba >= start + 16 {
            match decode(&b[..]) {
                Decoded::Tag(t) if t.pos == lba && t.kind == TagKind::Superblock => {
                    report.tags.push(check(&t, lba, start, &ctx));
                    ctx.update(&b[..]);
                    sb = Some((t, lba));
                    break;
                }
                Decoded::Tag(t)
                    if t.pos == lba
                        && t.kind == TagKind::RelocatedSuperblock
                        && start == 0
                        && report.head.is_none() =>
                {
                    report.head = Some(check(&t, lba, 0, &ctx));
                    let s = t.next;
                    if s == 0 || s < 32 || count.is_some_and(|c| u64::from(s) >= c) {
                        report.chain = ChainEnd::Broken {
                            lba,
                            reason: format!("relocated superblock tag names session start {s}"),
                        };
                        return Ok(report);
                    }
                    start = s;
                    report.session_start = s;
                    ctx = Md5Ctx::new();
                    lba = s;
                    continue;
                }
                Decoded::Corrupted(kind @ (TagKind::Superblock | TagKind::RelocatedSuperblock)) => {
                    report.tags.push(corrupted(kind, lba));
                    report.chain = ChainEnd::Broken {
                        lba,
                        reason: format!("{kind:?} tag at LBA {lba} is corrupted"),
                    };
                    return Ok(report);
                }
                _ => {}
            }
        }
        ctx.update(&b[..]);
        lba += 1;
    }
    let Some((mut tag, mut lba)) = sb else {
        return Ok(report);
    };
    // Follow next= to the tree tag and then the session tag.
    for want in [TagKind::Tree, TagKind::Session] {
        let next = tag.next;
        if next <= lba || count.is_some_and(|c| u64::from(next) >= c) {
            report.chain = ChainEnd::Broken {
                lba,
                reason: format!(
                    "{:?} tag at {lba} names next tag LBA {next}, outside the session",
                    tag.kind
                ),
            };
            return Ok(report);
        }
        hash_range(src, &mut ctx, lba + 1, next)?;
        let b = read_block(src, next)?;
        let t = match decode(&b[..]) {
            Decoded::Tag(t) if t.kind == want && t.pos == next => t,
            Decoded::Corrupted(kind) if kind == want => {
                report.tags.push(corrupted(kind, next));
                report.chain = ChainEnd::Broken {
                    lba: next,
                    reason: format!("{want:?} tag at LBA {next} is corrupted"),
                };
                return Ok(report);
            }
            _ => {
                report.chain = ChainEnd::Broken {
                    lba: next,
                    reason: format!("no {want:?} tag at LBA {next}"),
                };
                return Ok(report);
            }
        };
        report.tags.push(check(&t, next, start, &ctx));
        ctx.update(&b[..]);
        tag = t;
        lba = next;
    }
    report.chain = ChainEnd::Complete;
    Ok(report)
}

/// One file's MD5 check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileOutcome {
    Match,
    /// "MD5 MISMATCH": the data differ from the recorded digest.
    Mismatch {
        recorded: Md5,
        computed: Md5,
    },
    /// No `isofs.cx`, or no valid array: nothing to compare with.
    NoMd5,
    /// `isofs.cx` points outside the array.
    BadIndex(u32),
    /// The data could not be read.
    Unreadable(String),
}

/// A file checked by [`Image::verify_files`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileCheck {
    /// Path from the root, `/`-separated.
    pub path: Name,
    pub index: Option<u32>,
    pub size: u64,
    pub outcome: FileOutcome,
}

/// The session MD5 check (md5-tags.md §8.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionCheck {
    /// MD5 of `[start, end)` equals array entry 0.
    Match { md5: Md5, start: u32, blocks: u32 },
    Mismatch {
        recorded: Md5,
        computed: Md5,
        start: u32,
        blocks: u32,
    },
    /// No `isofs.ca` or no valid array.
    NotRecorded,
}

/// Result of [`Image::verify_files`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileVerification {
    /// `None` when the session has no `isofs.ca` ("no checksums recorded").
    pub array: Option<ArrayValidity>,
    pub files: Vec<FileCheck>,
    pub session: SessionCheck,
}

impl FileVerification {
    /// Files whose data differ from their recorded MD5.
    pub fn mismatches(&self) -> impl Iterator<Item = &FileCheck> {
        self.files
            .iter()
            .filter(|f| !matches!(f.outcome, FileOutcome::Match | FileOutcome::NoMd5))
    }

    /// Files without a recorded MD5.
    pub fn without_md5(&self) -> usize {
        self.files
            .iter()
            .filter(|f| f.outcome == FileOutcome::NoMd5)
            .count()
    }

    /// A valid array, every file matching (none without MD5) and the
    /// session matching.
    pub fn all_match(&self) -> bool {
        self.array == Some(ArrayValidity::Valid)
            && self.files.iter().all(|f| f.outcome == FileOutcome::Match)
            && matches!(self.session, SessionCheck::Match { .. })
    }
}

impl<R: BlockRead> Image<R> {
    /// Checks the superblock, tree and session tags of this session
    /// (md5-tags.md §8.1, §8.4). At LBA 0 of an emulated image the head's
    /// relocated tag is checked and the session it names is followed.
    pub fn verify_tags(&mut self) -> Result<TagReport> {
        let s = self.info.session_start;
        verify_session_tags(&mut self.src, s)
    }

    /// Session check (md5-tags.md §8.2): MD5 of `[START, END)` vs entry 0.
    pub fn verify_session(&mut self) -> Result<SessionCheck> {
        let Some(info) = self.checksums.as_ref() else {
            return Ok(SessionCheck::NotRecorded);
        };
        let (Some(recorded), start, end) = (info.session_md5(), info.start, info.end) else {
            return Ok(SessionCheck::NotRecorded);
        };
        let mut ctx = Md5Ctx::new();
        hash_range(&mut self.src, &mut ctx, start, end)?;
        let computed: Md5 = ctx.finalize().into();
        let blocks = end - start;
        Ok(if computed == recorded {
            SessionCheck::Match {
                md5: computed,
                start,
                blocks,
            }
        } else {
            SessionCheck::Mismatch {
                recorded,
                computed,
                start,
                blocks,
            }
        })
    }

    /// The recorded MD5 of a file (through `isofs.cx` and a valid array).
    pub fn file_md5(&self, entry: &Entry) -> Option<Md5> {
        self.checksums.as_ref()?.file_md5(entry.md5_index?)
    }

    /// MD5 of a file's stored bytes (all extents, exactly `size` bytes).
    pub fn compute_md5(&mut self, entry: &Entry) -> Result<Md5> {
        use std::io::Read;
        let mut r = self.open_file(entry)?;
        let mut ctx = Md5Ctx::new();
        let mut buf = vec![0u8; CHUNK as usize * BLOCK];
        loop {
            let n = r
                .read(&mut buf)
                .map_err(|e| super::file::unwrap_io(e, entry))?;
            if n == 0 {
                break;
            }
            ctx.update(&buf[..n]);
        }
        Ok(ctx.finalize().into())
    }

    /// Checks every regular file of the Rock Ridge tree against its recorded
    /// MD5 (md5-tags.md §7.2, §8.3) and the session against entry 0 (§8.2).
    pub fn verify_files(&mut self) -> Result<FileVerification> {
        let array = self.checksums.as_ref().map(|c| c.validity.clone());
        let mut files = Vec::new();
        if let Some(root) = self.rr_root().cloned() {
            self.walk_with(&root, &mut |img, ev, path, e| {
                if ev != WalkEvent::Visit || e.kind != Kind::File {
                    return Ok(());
                }
                let outcome = match (e.md5_index, img.checksums.as_ref()) {
                    (Some(i), Some(c)) if c.is_valid() => match c.file_md5(i) {
                        None => FileOutcome::BadIndex(i),
                        Some(recorded) => match img.compute_md5(e) {
                            Ok(computed) if computed == recorded => FileOutcome::Match,
                            Ok(computed) => FileOutcome::Mismatch { recorded, computed },
                            Err(
                                err @ (Error::Io { .. }
                                | Error::OutOfRange { .. }
                                | Error::Unsupported { .. }
                                | Error::Corrupt { .. }),
                            ) => FileOutcome::Unreadable(err.to_string()),
                            Err(err) => return Err(err),
                        },
                    },
                    _ => FileOutcome::NoMd5,
                };
                files.push(FileCheck {
                    path: path.clone(),
                    index: e.md5_index,
                    size: e.size,
                    outcome,
                });
                Ok(())
            })?;
        } else {
            let root = self.root.clone();
            self.walk_with(&root, &mut |_, ev, path, e| {
                if ev == WalkEvent::Visit && e.kind == Kind::File {
                    files.push(FileCheck {
                        path: path.clone(),
                        index: None,
                        size: e.size,
                        outcome: FileOutcome::NoMd5,
                    });
                }
                Ok(())
            })?;
        }
        let session = self.verify_session()?;
        Ok(FileVerification {
            array,
            files,
            session,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // md5-tags.md §10.3, literal lines.
    const SB50: &str = "libisofs_sb_checksum_tag_v1 pos=50 range_start=32 range_size=18 next=56 md5=65121bdbb9fa824c7fa302e3015ca0a3 self=1fa636261935b484480fb9b78fb46ceb\n";

    fn block(line: &str) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..line.len()].copy_from_slice(line.as_bytes());
        b
    }

    fn unhex(h: &str) -> Md5 {
        let mut d = [0u8; 16];
        for (i, c) in h.as_bytes().chunks(2).enumerate() {
            d[i] = u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap();
        }
        d
    }

    #[test]
    fn tag_lookup_checks_kind_and_position() {
        let b = block(SB50);
        assert!(tag_in(&b, 50, TagKind::Superblock).is_some());
        assert!(tag_in(&b, 51, TagKind::Superblock).is_none());
        assert!(tag_in(&b, 50, TagKind::Tree).is_none());
        let bad = SB50.replace("md5=65121", "md5=75121");
        assert!(matches!(
            decode(&block(&bad)),
            Decoded::Corrupted(TagKind::Superblock)
        ));
        assert!(matches!(decode(&block("hello")), Decoded::NotATag));
    }

    #[test]
    fn tag_range_checks() {
        let t = Tag::decode(&block(SB50)).unwrap();
        let c = check(&t, 50, 40, &Md5Ctx::new());
        assert_eq!(c.outcome, TagOutcome::WrongRange { expected_start: 40 });
        let c = check(&t, 50, 32, &Md5Ctx::new());
        assert!(matches!(c.outcome, TagOutcome::Mismatch { .. }));
        assert_eq!(c.next, Some(56));
    }

    #[test]
    fn array_validity() {
        // Session 1 of md5-tags.md §10.5.
        let hex = [
            "5d747f0c3a561b6b0a4914b557249116",
            "6f5902ac237024bdd0c176cb93063dc4",
            "c0bc4958b80e4daec7af39ec18984de7",
            "8c2f5849ed6f8b022b5108ad2b4d3173",
        ];
        let mut img = vec![0u8; 63 * BLOCK];
        for (i, h) in hex.iter().enumerate() {
            img[62 * BLOCK + i * 16..62 * BLOCK + i * 16 + 16].copy_from_slice(&unhex(h));
        }
        let ca = [
            4, 0, 0, 0, 0x20, 4, 0, 0, 0, 0x3e, 4, 0, 0, 0, 4, 1, 0x10, b'M', b'D', b'5',
        ];
        let mut src: &[u8] = &img;
        let info = load(&mut src, &ca, 51, &Limits::default());
        assert_eq!(info.validity, ArrayValidity::Valid);
        assert_eq!(crate::model::hex(&info.file_md5(2).unwrap()), hex[2]);
        assert_eq!(info.file_md5(3), None);
        assert_eq!(info.file_md5(0), None);
        assert_eq!(crate::model::hex(&info.session_md5().unwrap()), hex[0]);
        img[62 * BLOCK + 20] ^= 1;
        let mut src: &[u8] = &img;
        let info = load(&mut src, &ca, 51, &Limits::default());
        assert_eq!(info.validity, ArrayValidity::Damaged);
        assert_eq!(info.file_md5(1), None);
        assert_eq!(info.session_md5(), None);
        // Array beyond the end of the source.
        let ca = [
            4, 0, 0, 0, 0x20, 4, 0, 0, 1, 0, 4, 0, 0, 0, 4, 1, 0x10, b'M', b'D', b'5',
        ];
        let info = load(&mut src, &ca, 51, &Limits::default());
        assert!(matches!(info.validity, ArrayValidity::Unreadable(_)));
        // Forged count.
        let ca = [
            4, 0, 0, 0, 0x20, 4, 0, 0, 0, 0x3e, 4, 0xff, 0xff, 0xff, 0xff, 1, 0x10, b'M', b'D',
            b'5',
        ];
        let info = load(&mut src, &ca, 51, &Limits::default());
        assert!(matches!(info.validity, ArrayValidity::Unreadable(_)));
        // Malformed value.
        let info = load(&mut src, &[9, 1], 51, &Limits::default());
        assert!(matches!(info.validity, ArrayValidity::Unreadable(_)));
    }
}

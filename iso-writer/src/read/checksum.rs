//! libisofs checksums (libisofs `doc/checksums.txt`; md5-tags.md): the
//! `isofs.ca` attribute, the checksum array, per-file `isofs.cx` digests and
//! the superblock / tree / session tags.

use md5::{Digest, Md5 as Md5Ctx};

use super::block::{BlockRead, read_at};
use super::{Entry, Error, Image, Limits, Result, WalkEvent};
use crate::BLOCK;
use crate::model::{Kind, Md5, Name};

/// Bytes per checksum array entry (md5-tags.md §4).
const ENTRY: usize = 16;

/// Blocks hashed per source read.
const CHUNK: u32 = 32;

/// Whether the checksum array can be trusted (md5-tags.md §4: entry N+1
/// must be the MD5 of entries 0 … N).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArrayValidity {
    Valid,
    /// Entry N+1 does not match: the whole array is untrustworthy ("MD5
    /// checksum array appears damaged").
    Damaged {
        recorded: Md5,
        computed: Md5,
    },
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

fn md5_of(data: &[u8]) -> Md5 {
    Md5Ctx::digest(data).into()
}

/// `isofs.ca` value: START, END, COUNT, SIZE as length-prefixed big-endian
/// numbers, then the checksum type `MD5` (md5-tags.md §5.3).
fn parse_ca(v: &[u8]) -> std::result::Result<(u32, u32, u32), String> {
    let mut pos = 0;
    let mut nums = [0u64; 4];
    for (i, slot) in nums.iter_mut().enumerate() {
        let len = usize::from(
            *v.get(pos)
                .ok_or(format!("isofs.ca ends before number {i}"))?,
        );
        let bytes = v
            .get(pos + 1..pos + 1 + len)
            .ok_or(format!("isofs.ca number {i} exceeds the value"))?;
        if len > 8 {
            return Err(format!("isofs.ca number {i} has {len} bytes"));
        }
        *slot = bytes.iter().fold(0u64, |a, &b| (a << 8) | u64::from(b));
        pos += 1 + len;
    }
    let [start, end, count, size] = nums;
    if size != ENTRY as u64 {
        return Err(format!("isofs.ca checksum size {size}, expected 16"));
    }
    if &v[pos..] != b"MD5" {
        return Err(format!(
            "isofs.ca checksum type {:?}, expected MD5",
            String::from_utf8_lossy(&v[pos..])
        ));
    }
    let fit =
        |x: u64, what: &str| u32::try_from(x).map_err(|_| format!("isofs.ca {what} {x} too large"));
    let (start, end, count) = (fit(start, "START")?, fit(end, "END")?, fit(count, "COUNT")?);
    if count < 2 {
        return Err(format!("isofs.ca COUNT {count} is below 2"));
    }
    if end < start {
        return Err(format!("isofs.ca END {end} is before START {start}"));
    }
    Ok((start, end, count))
}

/// Loads the array named by the root's `isofs.ca` value.
pub(crate) fn load<R: BlockRead + ?Sized>(
    src: &mut R,
    ca: &[u8],
    root_lba: u32,
    limits: &Limits,
) -> ChecksumInfo {
    let (start, end, count) = match parse_ca(ca) {
        Ok(t) => t,
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
        start,
        end,
        count,
        entries: Vec::new(),
        validity: ArrayValidity::Valid,
    };
    if count > limits.max_checksum_entries {
        info.validity = ArrayValidity::Unreadable(format!(
            "checksum array of {count} entries exceeds the limit {}",
            limits.max_checksum_entries
        ));
        return info;
    }
    let blocks = (count as usize * ENTRY).div_ceil(BLOCK);
    let mut buf = vec![0u8; blocks * BLOCK];
    if let Err(e) = read_at(src, end, &mut buf) {
        info.validity =
            ArrayValidity::Unreadable(format!("reading the checksum array at LBA {end}: {e}"));
        return info;
    }
    info.entries = buf[..count as usize * ENTRY]
        .chunks_exact(ENTRY)
        .map(|c| c.try_into().unwrap_or([0; 16]))
        .collect();
    let n1 = count as usize - 1;
    let computed = md5_of(&buf[..n1 * ENTRY]);
    let recorded = info.entries[n1];
    if computed != recorded {
        log::warn!(
            "MD5 checksum array at LBA {end} appears damaged and not trustworthy for verifications"
        );
        info.validity = ArrayValidity::Damaged { recorded, computed };
    }
    info
}

/// Tag types (md5-tags.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TagKind {
    /// Type 1 `libisofs_checksum_tag_v1`, closes a session.
    Session,
    /// Type 2 `libisofs_sb_checksum_tag_v1`, after the descriptor set.
    Superblock,
    /// Type 3 `libisofs_tree_checksum_tag_v1`, after the ECMA-119 tree.
    Tree,
    /// Type 4 `libisofs_rlsb32_checksum_tag_v1`, in the 64 KiB head of an
    /// emulated multisession image.
    RelocatedSuperblock,
}

/// A decoded tag line (the private decoder of md5-tags.md §3 reader rules).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Tag {
    pub kind: TagKind,
    pub pos: u32,
    pub range_start: u32,
    pub range_size: u32,
    /// `next=` (types 2, 3) or `session_start=` (type 4).
    pub next: Option<u32>,
    pub md5: Md5,
    /// `self=` matched the MD5 of the line up to the end of the md5 digits.
    pub self_ok: bool,
}

const TAG_IDS: [(&[u8], TagKind); 4] = [
    (b"libisofs_checksum_tag_v1", TagKind::Session),
    (b"libisofs_sb_checksum_tag_v1", TagKind::Superblock),
    (b"libisofs_tree_checksum_tag_v1", TagKind::Tree),
    (
        b"libisofs_rlsb32_checksum_tag_v1",
        TagKind::RelocatedSuperblock,
    ),
];

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from + needle.len())
}

fn number(b: &[u8], at: usize) -> Option<(u32, usize)> {
    let digits = b
        .get(at..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let s = std::str::from_utf8(&b[at..at + digits]).ok()?;
    Some((s.parse().ok()?, at + digits))
}

fn hex16(b: &[u8], at: usize) -> Option<Md5> {
    let h = b.get(at..at + 32)?;
    let mut out = [0u8; 16];
    for (i, pair) in h.chunks_exact(2).enumerate() {
        let s = std::str::from_utf8(pair).ok()?;
        out[i] = u8::from_str_radix(s, 16).ok()?;
    }
    Some(out)
}

/// Decodes a tag at the start of `block`; `None` if it is not a tag.
pub(crate) fn decode_tag(block: &[u8]) -> Option<Tag> {
    let (id, kind) = TAG_IDS.iter().find(|(id, _)| block.starts_with(id))?;
    let line_end = block
        .iter()
        .position(|&c| c == b'\n')
        .unwrap_or(block.len());
    let line = &block[..line_end];
    let p = id.len() + 1;
    if !line.get(p..)?.starts_with(b"pos=") {
        return None;
    }
    let (pos, p) = number(line, p + 4)?;
    let p = find(line, b"range_start=", p)?;
    let (range_start, p) = number(line, p)?;
    let p = find(line, b"range_size=", p)?;
    let (range_size, mut p) = number(line, p)?;
    let mut next = None;
    let extra: Option<&[u8]> = match kind {
        TagKind::Superblock | TagKind::Tree => Some(b"next="),
        TagKind::RelocatedSuperblock => Some(b"session_start="),
        TagKind::Session => None,
    };
    if let Some(extra) = extra {
        let q = find(line, extra, p)?;
        let (n, q) = number(line, q)?;
        next = Some(n);
        p = q;
    }
    let p = find(line, b"md5=", p)?;
    let md5 = hex16(line, p)?;
    let md5_end = p + 32;
    let s = find(line, b" self=", md5_end)?;
    let recorded_self = hex16(line, s)?;
    if block.get(s + 32) != Some(&b'\n') {
        return None;
    }
    Some(Tag {
        kind: *kind,
        pos,
        range_start,
        range_size,
        next,
        md5,
        self_ok: md5_of(&block[..md5_end]) == recorded_self,
    })
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

fn check(tag: &Tag, lba: u32, start: u32, ctx: &Md5Ctx) -> TagCheck {
    let outcome = if !tag.self_ok {
        TagOutcome::Corrupted
    } else if tag.range_start != start
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
        next: tag.next,
        outcome,
    }
}

/// Reads the tag block at `lba` if it holds a tag of `kind` with `pos == lba`.
fn tag_at<R: BlockRead + ?Sized>(
    src: &mut R,
    lba: u32,
    kind: TagKind,
) -> Result<Option<(Tag, Box<[u8; BLOCK]>)>> {
    let b = super::block::read_block(src, lba)?;
    Ok(decode_tag(&b[..])
        .filter(|t| t.kind == kind && t.pos == lba)
        .map(|t| (t, b)))
}

/// Checks the relocated superblock tag (type 4) in the 64 KiB head of an
/// emulated multisession image (md5-tags.md §6, §8.5): blocks 16 … 31 are
/// searched; the tag covers blocks `0 … pos − 1`. `None` if there is none.
pub fn verify_head_tag<R: BlockRead + ?Sized>(src: &mut R) -> Result<Option<TagCheck>> {
    let mut ctx = Md5Ctx::new();
    hash_range(src, &mut ctx, 0, 16)?;
    for lba in 16..32 {
        let b = super::block::read_block(src, lba)?;
        if let Some(t) =
            decode_tag(&b[..]).filter(|t| t.kind == TagKind::RelocatedSuperblock && t.pos == lba)
        {
            return Ok(Some(check(&t, lba, 0, &ctx)));
        }
        ctx.update(&b[..]);
    }
    Ok(None)
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
        let b = super::block::read_block(src, lba)?;
        if lba >= start + 16
            && let Some(t) = decode_tag(&b[..]).filter(|t| t.pos == lba)
        {
            match t.kind {
                TagKind::Superblock => {
                    report.tags.push(check(&t, lba, start, &ctx));
                    ctx.update(&b[..]);
                    sb = Some((t, lba));
                    break;
                }
                TagKind::RelocatedSuperblock if start == 0 && report.head.is_none() => {
                    report.head = Some(check(&t, lba, 0, &ctx));
                    match t.next {
                        Some(s) if s > 0 && count.is_none_or(|c| u64::from(s) < c) => {
                            start = s;
                            report.session_start = s;
                            ctx = Md5Ctx::new();
                            lba = s;
                            continue;
                        }
                        _ => {
                            report.chain = ChainEnd::Broken {
                                lba,
                                reason: format!(
                                    "relocated superblock tag names session start {:?}",
                                    t.next
                                ),
                            };
                            return Ok(report);
                        }
                    }
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
        let Some(next) = tag.next else { break };
        if next <= lba || count.is_some_and(|c| u64::from(next) >= c) {
            report.chain = ChainEnd::Broken {
                lba,
                reason: format!(
                    "{:?} tag at {lba} names next tag LBA {next}, outside the medium",
                    tag.kind
                ),
            };
            return Ok(report);
        }
        hash_range(src, &mut ctx, lba + 1, next)?;
        let Some((t, b)) = tag_at(src, next, want)? else {
            report.chain = ChainEnd::Broken {
                lba: next,
                reason: format!("no {want:?} tag at LBA {next}"),
            };
            return Ok(report);
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
    const HEAD18: &str = "libisofs_rlsb32_checksum_tag_v1 pos=18 range_start=0 range_size=18 session_start=64 md5=f0e85acba9910eab119e1b299cecd0ae self=caa12e012fb8ea8428ff7617211f9e78\n";
    const S63: &str = "libisofs_checksum_tag_v1 pos=63 range_start=32 range_size=31 md5=cea4dfd2a277b062944f0557f131664d self=51a07bc9fc5cbc249bfa6f6c26ed46bd\n";

    fn block(line: &str) -> Vec<u8> {
        let mut b = vec![0u8; BLOCK];
        b[..line.len()].copy_from_slice(line.as_bytes());
        b
    }

    #[test]
    fn decodes_the_documented_tags() {
        let t = decode_tag(&block(SB50)).unwrap();
        assert_eq!(t.kind, TagKind::Superblock);
        assert_eq!(
            (t.pos, t.range_start, t.range_size, t.next),
            (50, 32, 18, Some(56))
        );
        assert_eq!(
            crate::model::hex(&t.md5),
            "65121bdbb9fa824c7fa302e3015ca0a3"
        );
        assert!(t.self_ok);
        let t = decode_tag(&block(HEAD18)).unwrap();
        assert_eq!((t.kind, t.next), (TagKind::RelocatedSuperblock, Some(64)));
        assert!(t.self_ok);
        let t = decode_tag(&block(S63)).unwrap();
        assert_eq!((t.kind, t.next, t.range_size), (TagKind::Session, None, 31));
        assert!(t.self_ok);
    }

    #[test]
    fn damaged_tags() {
        // A changed digit in md5 breaks self: "corrupted", not "not a tag".
        let bad = SB50.replace("md5=65121", "md5=75121");
        let t = decode_tag(&block(&bad)).unwrap();
        assert!(!t.self_ok);
        // Upper-case hex is accepted.
        let upper = SB50.replace(
            "md5=65121bdbb9fa824c7fa302e3015ca0a3",
            "md5=65121BDBB9FA824C7FA302E3015CA0A3",
        );
        assert!(decode_tag(&block(&upper)).is_some());
        // Syntax errors: not a tag.
        assert!(decode_tag(&block(&SB50.replace("pos=", "pos:"))).is_none());
        assert!(decode_tag(&block(&SB50.replace(" next=56", ""))).is_none());
        assert!(decode_tag(&block(&SB50.replace("ceb\n", "ceb "))).is_none());
        assert!(decode_tag(&block(&SB50[..100])).is_none());
        assert!(decode_tag(&block("libisofs_checksum_tag_v1")).is_none());
        assert!(decode_tag(&block("hello")).is_none());
        assert!(decode_tag(&block(&SB50.replace("pos=50", "pos=99999999999"))).is_none());
    }

    #[test]
    fn ca_values() {
        // md5-tags.md §10.4 session 1 value, fixed widths.
        let v = [
            4, 0, 0, 0, 0x20, 4, 0, 0, 0, 0x3e, 4, 0, 0, 0, 4, 1, 0x10, b'M', b'D', b'5',
        ];
        assert_eq!(parse_ca(&v), Ok((32, 62, 4)));
        // The spec's example with short numbers.
        let v = [
            1, 0x20, 3, 0x0f, 0x42, 0x40, 2, 2, 8, 1, 0x10, b'M', b'D', b'5',
        ];
        assert_eq!(parse_ca(&v), Ok((32, 1_000_000, 520)));
        let v = [
            1, 0x20, 3, 0x0f, 0x42, 0x40, 2, 2, 8, 1, 0x20, b'M', b'D', b'5',
        ];
        assert!(parse_ca(&v).unwrap_err().contains("size"));
        let v = [
            1, 0x20, 3, 0x0f, 0x42, 0x40, 2, 2, 8, 1, 0x10, b'S', b'H', b'A',
        ];
        assert!(parse_ca(&v).unwrap_err().contains("type"));
        assert!(parse_ca(&[9, 1]).is_err());
        assert!(parse_ca(&[]).is_err());
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
            let d = hex16(h.as_bytes(), 0).unwrap();
            img[62 * BLOCK + i * 16..62 * BLOCK + i * 16 + 16].copy_from_slice(&d);
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
        assert!(matches!(info.validity, ArrayValidity::Damaged { .. }));
        assert_eq!(info.file_md5(1), None);
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
    }
}

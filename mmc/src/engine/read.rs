//! Checkread and verification: read back every block of a range with
//! READ(10), map bad blocks block by block, hand good data to the caller
//! (who computes MD5 sums and checks tags, `md5-tags.md`), or compare it
//! with an image.

use std::io::{self, Read};

use crate::cmd::Read10;
use crate::error::{Error, Result};
use crate::profile::Family;
use crate::sense::{Sense, SenseKey};
use crate::transport::Transport;

use super::Recorder;
use super::progress::{Phase, Progress, RateMeter};
use super::write::BLOCK;

/// A run of blocks.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct BlockRange {
    pub start: u32,
    pub blocks: u32,
}

impl BlockRange {
    pub fn new(start: u32, blocks: u32) -> BlockRange {
        BlockRange { start, blocks }
    }

    /// First LBA after the range.
    pub fn end(&self) -> u64 {
        self.start as u64 + self.blocks as u64
    }
}

/// How a block read back.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Quality {
    /// Read without error.
    Good,
    /// READ failed (medium error, or any error but the ones below) even
    /// after the retries.
    Unreadable,
    /// The last two blocks of a CD track answered with an error: the
    /// run-out of a TAO track (`mmc-recipes.md` §3.4 caveat, §6.6). Not a
    /// defect.
    RunOut,
    /// BLANK CHECK (8/xx/xx): the end of the recorded data was reached
    /// (`sense-and-retries.md` §3, row 8/xx/xx). Nothing after it is read.
    Blank,
    /// 5/21/00: the range extends beyond what the drive can read. Nothing
    /// after it is read.
    BeyondEnd,
    /// Between two sessions of a sequential medium (lead-out, lead-in,
    /// border zones): not recorded, not read ([`Recorder::checkread_all`]).
    Gap,
}

/// One run of blocks of the same quality.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SectorRange {
    pub start: u32,
    pub blocks: u32,
    pub quality: Quality,
    /// The sense of the first failing read in the run.
    pub sense: Option<Sense>,
}

/// The result of a checkread: the range asked for, cut into runs of the
/// same quality, in LBA order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectorMap {
    pub range: BlockRange,
    pub runs: Vec<SectorRange>,
}

impl SectorMap {
    fn new(range: BlockRange) -> SectorMap {
        SectorMap {
            range,
            runs: Vec::new(),
        }
    }

    fn push(&mut self, start: u32, blocks: u32, quality: Quality, sense: Option<Sense>) {
        if blocks == 0 {
            return;
        }
        if let Some(last) = self.runs.last_mut()
            && last.quality == quality
            && last.start as u64 + last.blocks as u64 == start as u64
        {
            last.blocks += blocks;
            return;
        }
        self.runs.push(SectorRange {
            start,
            blocks,
            quality,
            sense,
        });
    }

    /// Blocks of `quality`.
    pub fn count(&self, quality: Quality) -> u64 {
        self.runs
            .iter()
            .filter(|r| r.quality == quality)
            .map(|r| r.blocks as u64)
            .sum()
    }

    /// Blocks read without error.
    pub fn good_blocks(&self) -> u64 {
        self.count(Quality::Good)
    }

    /// The runs that could not be read (run-out excluded).
    pub fn unreadable(&self) -> impl Iterator<Item = &SectorRange> {
        self.runs
            .iter()
            .filter(|r| r.quality == Quality::Unreadable)
    }

    /// True when every block of the range read without error (gaps
    /// between sessions and CD run-out blocks aside).
    pub fn is_all_good(&self) -> bool {
        self.runs
            .iter()
            .all(|r| matches!(r.quality, Quality::Good | Quality::Gap | Quality::RunOut))
            && self.runs.iter().map(|r| r.blocks as u64).sum::<u64>() == self.range.blocks as u64
    }

    /// The first LBA found blank or beyond the readable end.
    pub fn end_of_data(&self) -> Option<u32> {
        self.runs
            .iter()
            .find(|r| matches!(r.quality, Quality::Blank | Quality::BeyondEnd))
            .map(|r| r.start)
    }
}

/// How to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadOptions {
    /// Blocks per READ(10) (default 32, 64 KiB).
    pub chunk_blocks: u32,
    /// Extra attempts for each block of a chunk that failed (default 1).
    pub block_retries: u32,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            chunk_blocks: 32,
            block_retries: 1,
        }
    }
}

/// Receives what a checkread reads, in increasing LBA order.
pub trait ReadSink {
    /// Good data: whole blocks from `lba`.
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()>;
    /// Blocks that are missing from the data stream and why.
    fn missing(&mut self, lba: u32, blocks: u32, quality: Quality) {
        let _ = (lba, blocks, quality);
    }
    /// True to stop reading after the current chunk (the map then ends
    /// early).
    fn stop(&self) -> bool {
        false
    }
}

impl<F: FnMut(u32, &[u8]) -> io::Result<()>> ReadSink for F {
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        self(lba, data)
    }
}

/// A sink that drops the data (pure media check).
pub fn discard(_: u32, _: &[u8]) -> io::Result<()> {
    Ok(())
}

/// A sink that computes the MD5 of the data a checkread delivers
/// (`md5-tags.md`: the checksum of a session or track as read back), of
/// at most `limit` bytes — a written stream is padded up to whole blocks
/// and often to the write chunk, so give the stream's own length to
/// compare with the MD5 of what was written.
#[derive(Clone)]
pub struct Md5Sink {
    hasher: md5::Md5,
    left: u64,
    hashed: u64,
    first_missing: Option<u32>,
}

impl Md5Sink {
    /// Hashes every byte read.
    pub fn new() -> Md5Sink {
        Md5Sink::with_limit(u64::MAX)
    }

    /// Hashes the first `limit` bytes of the range.
    pub fn with_limit(limit: u64) -> Md5Sink {
        Md5Sink {
            hasher: md5::Md5::default(),
            left: limit,
            hashed: 0,
            first_missing: None,
        }
    }

    /// Bytes hashed so far.
    pub fn bytes(&self) -> u64 {
        self.hashed
    }

    /// The first block that was missing from the data (unreadable, blank
    /// or beyond the end), if any.
    pub fn first_missing(&self) -> Option<u32> {
        self.first_missing
    }

    /// The MD5 of the data, or `None` when a block within the limit was
    /// missing: a checksum of data with holes would compare as a mere
    /// mismatch and hide where the medium failed.
    pub fn finish(self) -> Option<[u8; 16]> {
        use md5::Digest;
        match self.first_missing {
            Some(_) => None,
            None => Some(self.hasher.finalize().into()),
        }
    }
}

impl Default for Md5Sink {
    fn default() -> Self {
        Md5Sink::new()
    }
}

impl std::fmt::Debug for Md5Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Md5Sink")
            .field("hashed", &self.hashed)
            .field("first_missing", &self.first_missing)
            .finish_non_exhaustive()
    }
}

impl ReadSink for Md5Sink {
    fn data(&mut self, _lba: u32, data: &[u8]) -> io::Result<()> {
        use md5::Digest;
        let n = usize::try_from(self.left).map_or(data.len(), |left| left.min(data.len()));
        self.hasher.update(&data[..n]);
        self.left -= n as u64;
        self.hashed += n as u64;
        Ok(())
    }

    fn missing(&mut self, lba: u32, blocks: u32, quality: Quality) {
        // Run-out blocks of a CD track and link gaps hold no data.
        if blocks > 0
            && self.left > 0
            && !matches!(quality, Quality::Gap | Quality::RunOut)
            && self.first_missing.is_none()
        {
            self.first_missing = Some(lba);
        }
    }
}

/// How one read attempt ended.
enum Outcome {
    Ok,
    /// The drive answered with sense.
    Sense(Sense),
}

fn read_once<T: Transport>(rec: &mut Recorder<T>, lba: u32, buf: &mut [u8]) -> Result<Outcome> {
    let blocks = (buf.len() as u64 / BLOCK) as u16;
    match rec
        .drive
        .exec(&Read10::new(lba, blocks), crate::DataPhase::In(buf))
    {
        Ok(_) => Ok(Outcome::Ok),
        Err(Error::Sense { sense, .. }) => Ok(Outcome::Sense(sense)),
        Err(e) => Err(e),
    }
}

fn quality_of(sense: &Sense) -> Quality {
    if sense.key == SenseKey::BLANK_CHECK {
        Quality::Blank
    } else if sense.is(0x5, 0x21, 0x00) {
        Quality::BeyondEnd
    } else {
        Quality::Unreadable
    }
}

/// True for the errors that mean "nothing is recorded there" rather than
/// a defect: BLANK CHECK (8/xx/xx), LBA out of range (5/21/00), medium not
/// formatted (5/30/10). Reading the ISO 9660 head of a blank overwritable
/// medium or an empty image file gives one of these.
pub fn is_unrecorded(e: &Error) -> bool {
    e.sense().is_some_and(|s| {
        s.key == SenseKey::BLANK_CHECK || s.is(0x5, 0x21, 0x00) || s.is(0x5, 0x30, 0x10)
    })
}

impl<T: Transport> Recorder<T> {
    /// Reads `count` blocks from `lba` with READ(10) in chunks of 32 blocks
    /// (the drive handle retries what the policy retries). For the caller's
    /// own reads: the ISO 9660 head, a previous session's volume
    /// descriptors and directories. See [`is_unrecorded`].
    pub fn read_blocks(&mut self, lba: u32, count: u32) -> Result<Vec<u8>> {
        super::overwrite::read_blocks(self, lba, count)
    }

    /// Reads every block of `range` (`md5-tags.md` checkread): READ(10) in
    /// chunks (the drive handle retries WAIT conditions per
    /// `sense-and-retries.md`); a failing chunk is read again block by block
    /// with `block_retries` extra attempts, to map bad blocks. Good data
    /// goes to `sink` in LBA order. BLANK CHECK and "LBA out of range" end
    /// the map early ([`Quality::Blank`], [`Quality::BeyondEnd`]); errors in
    /// the last two blocks of a CD track are [`Quality::RunOut`].
    ///
    /// Transport failures, cancellation and sink errors end the read with
    /// an error.
    pub fn checkread(
        &mut self,
        range: BlockRange,
        options: &ReadOptions,
        sink: &mut dyn ReadSink,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SectorMap> {
        let info = self.info()?.clone();
        let run_outs: Vec<(u64, u64)> = if info.profile.family() == Family::Cd {
            info.tracks()
                .filter(|t| t.blocks >= 2)
                .map(|t| {
                    let end = t.start as u64 + t.blocks as u64;
                    (end - 2, end)
                })
                .collect()
        } else {
            Vec::new()
        };
        let chunk = options.chunk_blocks.clamp(1, 32);
        let mut map = SectorMap::new(range);
        let mut buf = vec![0u8; (chunk as u64 * BLOCK) as usize];
        let mut meter = RateMeter::new(info.profile);
        let end = range.end();
        let mut lba = range.start as u64;
        let total = range.blocks as u64 * BLOCK;
        // Consecutive unreadable blocks with the same sense: one warning.
        let mut bad = BadRun::default();
        'outer: while lba < end {
            self.drive.cancel_token().check()?;
            let n = (end - lba).min(chunk as u64) as u32;
            let len = (n as u64 * BLOCK) as usize;
            let at = lba as u32;
            match read_once(self, at, &mut buf[..len])? {
                Outcome::Ok => {
                    sink.data(at, &buf[..len])
                        .map_err(|e| Error::io("checkread: the data sink failed", e))?;
                    map.push(at, n, Quality::Good, None);
                }
                Outcome::Sense(first) => {
                    log::debug!("READ(10) of {n} blocks at LBA {at}: {}", first.triple());
                    for b in at..at + n {
                        let one = &mut buf[..BLOCK as usize];
                        let mut last = first;
                        let mut good = false;
                        for _ in 0..=options.block_retries {
                            match read_once(self, b, one)? {
                                Outcome::Ok => {
                                    good = true;
                                    break;
                                }
                                Outcome::Sense(s) => {
                                    last = s;
                                    if quality_of(&s) != Quality::Unreadable {
                                        break;
                                    }
                                }
                            }
                        }
                        if good {
                            bad.flush();
                            sink.data(b, one)
                                .map_err(|e| Error::io("checkread: the data sink failed", e))?;
                            map.push(b, 1, Quality::Good, None);
                            continue;
                        }
                        let mut q = quality_of(&last);
                        if matches!(q, Quality::Blank | Quality::BeyondEnd) {
                            bad.flush();
                            let rest = (end - b as u64) as u32;
                            log::info!(
                                "no data from LBA {b} on ({rest} block{} to the end of the \
                                 range): {}",
                                if rest == 1 { "" } else { "s" },
                                crate::sense::describe(&last)
                            );
                            sink.missing(b, rest, q);
                            map.push(b, rest, q, Some(last));
                            break 'outer;
                        }
                        if run_outs.iter().any(|&(s, e)| (s..e).contains(&(b as u64))) {
                            q = Quality::RunOut;
                        } else {
                            bad.add(b, last);
                        }
                        sink.missing(b, 1, q);
                        map.push(b, 1, q, Some(last));
                    }
                }
            }
            lba += n as u64;
            let done = (lba - range.start as u64) * BLOCK;
            let rate = meter.add(n as u64 * BLOCK);
            progress(&Progress {
                phase: Phase::Reading,
                done,
                total: Some(total),
                fraction: None,
                elapsed: meter.elapsed(),
                lba: Some(lba as i64),
                fifo: None,
                drive_buffer: None,
                rate,
            });
            if sink.stop() {
                break;
            }
        }
        drop(bad);
        Ok(map)
    }

    /// Reads every session of the medium ([`MediaInfo::recorded_ranges`]):
    /// one map over LBA 0 to the end of the last session, with the gaps
    /// between sessions as [`Quality::Gap`].
    ///
    /// [`MediaInfo::recorded_ranges`]: super::MediaInfo::recorded_ranges
    pub fn checkread_all(
        &mut self,
        options: &ReadOptions,
        sink: &mut dyn ReadSink,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<SectorMap> {
        let ranges = self.info()?.recorded_ranges();
        let end = ranges.last().map_or(0, |r| r.end());
        let first = ranges.first().map_or(0, |r| r.start);
        let mut all = SectorMap::new(BlockRange::new(
            first,
            (end - first as u64).min(u32::MAX as u64) as u32,
        ));
        let mut at = first as u64;
        for r in ranges {
            if r.start as u64 > at {
                all.push(at as u32, (r.start as u64 - at) as u32, Quality::Gap, None);
            }
            let m = self.checkread(r, options, sink, progress)?;
            for run in m.runs {
                all.push(run.start, run.blocks, run.quality, run.sense);
            }
            at = r.end();
            if sink.stop() {
                break;
            }
        }
        Ok(all)
    }

    /// Compares the medium from `start` with `image` (`image_bytes` long)
    /// block by block. The image's last partial block is compared with the
    /// medium's block zero-padded. Unreadable blocks are reported apart and
    /// not compared.
    pub fn verify<R: Read>(
        &mut self,
        start: u32,
        image: R,
        image_bytes: u64,
        options: &VerifyOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<VerifyReport> {
        let blocks = u32::try_from(image_bytes.div_ceil(BLOCK))
            .map_err(|_| Error::Invalid(format!("an image of {image_bytes} bytes is too large")))?;
        let mut cmp = Comparer {
            image,
            image_bytes,
            start,
            pos: 0,
            block: vec![0u8; BLOCK as usize],
            mismatches: Vec::new(),
            compared: 0,
            stop_at_first: options.stop_at_first_mismatch,
        };
        let map = self.checkread(
            BlockRange::new(start, blocks),
            &options.read,
            &mut cmp,
            progress,
        )?;
        let unreadable = map
            .runs
            .iter()
            .filter(|r| r.quality != Quality::Good)
            .map(|r| BlockRange::new(r.start, r.blocks))
            .collect();
        Ok(VerifyReport {
            compared_blocks: cmp.compared,
            mismatches: cmp.mismatches,
            unreadable,
            map,
        })
    }
}

/// A run of unreadable blocks with the same sense, warned about once
/// when it ends (at the latest when dropped).
#[derive(Default)]
struct BadRun {
    start: u32,
    blocks: u32,
    sense: Option<crate::sense::Sense>,
}

impl BadRun {
    fn add(&mut self, lba: u32, sense: crate::sense::Sense) {
        let same =
            |a: &crate::sense::Sense| (a.key, a.asc, a.ascq) == (sense.key, sense.asc, sense.ascq);
        let continues = self.sense.as_ref().is_some_and(same)
            && u64::from(self.start) + u64::from(self.blocks) == u64::from(lba);
        if !continues {
            self.flush();
            self.start = lba;
            self.sense = Some(sense);
        }
        self.blocks += 1;
    }

    fn flush(&mut self) {
        let Some(sense) = self.sense.take() else {
            return;
        };
        let what = crate::sense::describe(&sense);
        if self.blocks == 1 {
            log::warn!("unreadable block at LBA {}: {what}", self.start);
        } else {
            log::warn!(
                "unreadable blocks at LBA {}–{} ({} blocks): {what}",
                self.start,
                u64::from(self.start) + u64::from(self.blocks) - 1,
                self.blocks
            );
        }
        self.blocks = 0;
    }
}

impl Drop for BadRun {
    fn drop(&mut self) {
        self.flush();
    }
}

/// How to verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VerifyOptions {
    pub read: ReadOptions,
    /// Stop after the chunk holding the first mismatch.
    pub stop_at_first_mismatch: bool,
}

/// The result of [`Recorder::verify`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    /// Blocks read and compared.
    pub compared_blocks: u64,
    /// Runs of blocks that differ from the image.
    pub mismatches: Vec<BlockRange>,
    /// Runs that could not be read (unreadable, blank, beyond the end).
    pub unreadable: Vec<BlockRange>,
    pub map: SectorMap,
}

impl VerifyReport {
    /// The first mismatching LBA.
    pub fn first_mismatch(&self) -> Option<u32> {
        self.mismatches.first().map(|r| r.start)
    }

    /// True when every block was read and equals the image.
    pub fn is_identical(&self) -> bool {
        self.mismatches.is_empty() && self.unreadable.is_empty()
    }
}

/// A read sink that compares with an image read sequentially.
struct Comparer<R: Read> {
    image: R,
    image_bytes: u64,
    start: u32,
    /// Image blocks consumed.
    pos: u64,
    block: Vec<u8>,
    mismatches: Vec<BlockRange>,
    compared: u64,
    stop_at_first: bool,
}

impl<R: Read> Comparer<R> {
    /// Reads image block `pos` into `self.block`, zero-padding the last.
    fn next_block(&mut self) -> io::Result<()> {
        let off = self.pos * BLOCK;
        let want = (self.image_bytes.saturating_sub(off)).min(BLOCK) as usize;
        self.block.fill(0);
        self.image.read_exact(&mut self.block[..want])?;
        self.pos += 1;
        Ok(())
    }

    fn skip_to(&mut self, block: u64) -> io::Result<()> {
        while self.pos < block {
            self.next_block()?;
        }
        Ok(())
    }

    fn mismatch(&mut self, lba: u32) {
        if let Some(last) = self.mismatches.last_mut()
            && last.end() == lba as u64
        {
            last.blocks += 1;
            return;
        }
        self.mismatches.push(BlockRange::new(lba, 1));
    }
}

impl<R: Read> ReadSink for Comparer<R> {
    fn data(&mut self, lba: u32, data: &[u8]) -> io::Result<()> {
        self.skip_to((lba - self.start) as u64)?;
        for (i, medium) in data.chunks(BLOCK as usize).enumerate() {
            self.next_block()?;
            self.compared += 1;
            if medium != &self.block[..] {
                self.mismatch(lba + i as u32);
            }
        }
        Ok(())
    }

    fn stop(&self) -> bool {
        self.stop_at_first && !self.mismatches.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1321 §A.5 test suite values.
    #[test]
    fn md5_sink_hashes_up_to_the_limit() {
        let mut all = Md5Sink::new();
        all.data(0, b"abc").unwrap();
        assert_eq!(all.bytes(), 3);
        assert_eq!(
            all.finish().unwrap(),
            *b"\x90\x01\x50\x98\x3c\xd2\x4f\xb0\xd6\x96\x3f\x7d\x28\xe1\x7f\x72"
        );
        // The padding after the stream's end is not hashed.
        let mut limited = Md5Sink::with_limit(3);
        limited.data(0, b"ab").unwrap();
        limited.data(1, b"cdef").unwrap();
        limited.missing(2, 4, Quality::Blank);
        assert_eq!(limited.bytes(), 3);
        assert_eq!(
            limited.finish().unwrap(),
            *b"\x90\x01\x50\x98\x3c\xd2\x4f\xb0\xd6\x96\x3f\x7d\x28\xe1\x7f\x72"
        );
    }

    #[test]
    fn md5_sink_gives_no_sum_for_data_with_holes() {
        let mut s = Md5Sink::new();
        s.data(0, &[0; 2048]).unwrap();
        s.missing(1, 2, Quality::Unreadable);
        s.data(3, &[0; 2048]).unwrap();
        assert_eq!(s.first_missing(), Some(1));
        assert_eq!(s.finish(), None);
        // Gaps between sessions and CD run-out blocks are not data.
        let mut s = Md5Sink::new();
        s.data(0, &[0; 2048]).unwrap();
        s.missing(1, 2, Quality::RunOut);
        s.missing(3, 150, Quality::Gap);
        assert_eq!(s.first_missing(), None);
        assert!(s.finish().is_some());
    }

    #[test]
    fn map_merges_runs() {
        let mut m = SectorMap::new(BlockRange::new(0, 10));
        m.push(0, 4, Quality::Good, None);
        m.push(4, 2, Quality::Good, None);
        m.push(6, 1, Quality::Unreadable, None);
        m.push(7, 1, Quality::Unreadable, None);
        m.push(8, 2, Quality::Blank, None);
        assert_eq!(m.runs.len(), 3);
        assert_eq!((m.good_blocks(), m.count(Quality::Unreadable)), (6, 2));
        assert_eq!(m.end_of_data(), Some(8));
        assert!(!m.is_all_good());
    }

    #[test]
    fn comparer_finds_mismatching_blocks() {
        let image: Vec<u8> = (0..5 * 2048 + 100).map(|i| (i % 253) as u8).collect();
        let mut medium = image.clone();
        medium.resize(6 * 2048, 0);
        medium[2 * 2048 + 5] ^= 1;
        medium[3 * 2048] ^= 1;
        // Not zero after the image's end inside its last block.
        medium[5 * 2048 + 200] = 9;
        let mut c = Comparer {
            image: &image[..],
            image_bytes: image.len() as u64,
            start: 100,
            pos: 0,
            block: vec![0; 2048],
            mismatches: Vec::new(),
            compared: 0,
            stop_at_first: false,
        };
        c.data(100, &medium[..2 * 2048]).unwrap();
        // Block 102 unreadable: skipped.
        c.data(103, &medium[3 * 2048..]).unwrap();
        assert_eq!(c.compared, 5);
        assert_eq!(
            c.mismatches,
            vec![BlockRange::new(103, 1), BlockRange::new(105, 1)]
        );
    }
}

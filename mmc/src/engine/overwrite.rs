//! Random writes on overwritable media (`mmc-recipes.md` §6.3 "Random",
//! §8.2): DVD+RW, DVD-RAM, DVD-RW restricted overwrite, BD-RE, and `stdio:`
//! image files and block devices.
//!
//! The multisession emulation above (the caller) writes a new session at
//! its start S, synchronizes, then writes the 64 KiB head at LBA 0 and
//! synchronizes again. An [`Overwriter`] keeps the tray locked and the
//! medium's state (formatting started, DVD-RW intermediate state) across
//! those writes and finishes the medium once at the end:
//!
//! ```no_run
//! # fn demo<T: mmc::Transport>(rec: &mut mmc::engine::Recorder<T>,
//! #         image: std::fs::File, size: u64, s: u32, head: &[u8]) -> mmc::Result<()> {
//! use mmc::engine::{OverwriteOptions, no_progress};
//! let mut ow = rec.overwrite(&OverwriteOptions::default(), &mut no_progress)?;
//! ow.write_at(s, image, Some(size), &mut no_progress)?;
//! ow.sync(&mut no_progress)?;
//! ow.write_blocks(0, head)?;
//! ow.finish(&mut no_progress)?;
//! # Ok(()) }
//! ```

use std::io::{Read, Write};

use crate::cmd::{
    BgFormatStatus, CloseTrackSession, FormatUnit, PreventAllowMediumRemoval, Read10, Write10,
    Write12,
};
use crate::drive::Cancel;
use crate::error::{Error, Result, Unsuitable};
use crate::profile::{Family, Profile};
use crate::transport::Transport;

use super::fifo::{Chunk, DEFAULT_FIFO_BYTES, FifoWriter, fifo};
use super::format::{FormatMode, format_plan};
use super::info::{FormatState, MediaInfo, MediaKind};
use super::lock::allow;
use super::progress::{FifoState, Phase, Progress, RateMeter};
use super::write::{BLOCK, sync_cache};
use super::{BlockRange, Recorder};

/// How an overwritable medium is opened for writing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverwriteOptions {
    /// Format when the medium needs it before it can be written (DVD+RW
    /// never or partly formatted → 26h; BD-RE / DVD-RAM unformatted → 00h).
    /// Without it such media are refused.
    pub format_as_needed: bool,
    /// Stream recording (WRITE(12) with Streaming) on BD-RE / DVD-RAM when
    /// feature 0107h offers it: no verify-after-write, about double speed,
    /// defects are written over (`mmc-recipes.md` §6.5).
    pub stream_recording: bool,
    /// FIFO between the source reader thread and the drive, bytes.
    pub fifo_bytes: usize,
}

impl Default for OverwriteOptions {
    fn default() -> Self {
        OverwriteOptions {
            format_as_needed: true,
            stream_recording: false,
            fifo_bytes: DEFAULT_FIFO_BYTES,
        }
    }
}

/// What one [`Overwriter::write_at`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteAtReport {
    /// First LBA written (the caller's address).
    pub start: u32,
    /// Blocks of data written from `start` (the last one zero-padded).
    pub blocks: u64,
    /// Bytes read from the source.
    pub bytes: u64,
}

/// What [`Overwriter::finish`] did to the medium.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Finish {
    /// Nothing needed (DVD-RAM, BD-RE, files, formatted DVD+RW).
    Nothing,
    /// DVD+RW: background formatting stopped compatibly (CLOSE 010b).
    StoppedBackgroundFormat,
    /// DVD-RW restricted overwrite left the intermediate state (CLOSE
    /// SESSION 010b).
    ClosedIntermediate,
}

/// An overwritable medium open for random writes; see the module
/// documentation. Dropping it without [`Overwriter::finish`] flushes the
/// drive cache and unlocks the tray, but does not finish the medium.
pub struct Overwriter<'r, T: Transport> {
    rec: &'r mut Recorder<T>,
    profile: Profile,
    capacity: u64,
    /// Writes cover whole units of this many blocks (DVD-RW restricted
    /// overwrite: 16, 32 KiB ECC blocks).
    align: u32,
    chunk_blocks: u32,
    streaming: bool,
    intermediate: bool,
    fifo_bytes: usize,
    locked: bool,
    dirty: bool,
    finished: bool,
    /// The blocks the last `write_at` that failed wrote, from its start.
    failed_write: Option<BlockRange>,
}

impl<T: Transport> std::fmt::Debug for Overwriter<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overwriter")
            .field("profile", &self.profile)
            .field("capacity", &self.capacity)
            .field("align", &self.align)
            .field("intermediate", &self.intermediate)
            .finish_non_exhaustive()
    }
}

impl<T: Transport> Recorder<T> {
    /// Opens an overwritable medium for random writes, formatting it first
    /// where it needs it (`mmc-recipes.md` §5.3, §8.2 step 3). The tray
    /// stays locked until the [`Overwriter`] is finished or dropped.
    pub fn overwrite(
        &mut self,
        options: &OverwriteOptions,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<Overwriter<'_, T>> {
        self.medium_may_change();
        let info = self.inspect()?.clone();
        check_overwritable(&info)?;
        let needs_format = match info.profile {
            Profile::DVD_PLUS_RW => matches!(
                info.bg_format,
                BgFormatStatus::None | BgFormatStatus::Stopped
            ),
            Profile::BD_RE | Profile::DVD_RAM => info
                .formats()
                .is_some_and(|f| f.state == FormatState::Unformatted),
            _ => false,
        };
        let info = if needs_format {
            if !options.format_as_needed {
                return Err(Error::Unsuitable(Unsuitable::Other(format!(
                    "this {} must be formatted before it can be written",
                    info.profile
                ))));
            }
            if let Some(cmd) = format_plan(FormatMode::AsNeeded, &info)? {
                self.run_format(&cmd, progress)?;
            }
            self.inspect()?.clone()
        } else {
            info
        };
        let capacity = info.capacity.ok_or_else(|| {
            Error::Unsuitable(Unsuitable::Other(format!(
                "the drive reports no formatted size for this {}",
                info.profile
            )))
        })?;
        let streaming = options.stream_recording
            && matches!(info.profile, Profile::BD_RE | Profile::DVD_RAM)
            && info.features.streaming.is_some_and(|s| s.sw);
        let locked = match self.drive.run(&PreventAllowMediumRemoval::prevent()) {
            Ok(_) => true,
            Err(e @ Error::Sense { .. }) => {
                log::debug!("tray not locked: {e}");
                false
            }
            Err(e) => return Err(e),
        };
        let chunk_blocks = match info.profile.family() {
            Family::Bd | Family::File => 32,
            _ => 16,
        };
        Ok(Overwriter {
            profile: info.profile,
            capacity,
            align: if info.profile == Profile::DVD_RW_RO {
                16
            } else {
                1
            },
            chunk_blocks,
            streaming,
            intermediate: info.dvd_rw_intermediate(),
            fifo_bytes: options.fifo_bytes,
            locked,
            dirty: false,
            finished: false,
            failed_write: None,
            rec: self,
        })
    }
}

fn check_overwritable(info: &MediaInfo) -> Result<()> {
    info.supported()?;
    match info.kind {
        MediaKind::Overwritable => Ok(()),
        MediaKind::ReadOnly => Err(Error::Unsuitable(Unsuitable::ReadOnly(info.profile))),
        _ if info.profile == Profile::DVD_RW_SEQ => Err(Error::Unsuitable(Unsuitable::Other(
            "this DVD-RW is in sequential recording: format it for restricted overwrite, or \
             write it session by session"
                .into(),
        ))),
        _ => Err(Error::Invalid(format!(
            "{} is written session by session (Recorder::prepare / write_session), not at \
             random addresses",
            info.profile
        ))),
    }
}

impl<T: Transport> Overwriter<'_, T> {
    /// Capacity in blocks: the formatted size (image files: size plus free
    /// space of the filesystem).
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Write granularity in blocks: 16 on DVD-RW restricted overwrite
    /// (partial units are read, merged and written back), else 1.
    pub fn alignment(&self) -> u32 {
        self.align
    }

    /// The blocks the last [`Overwriter::write_at`] (or
    /// [`Overwriter::write_at_from`]) wrote before it failed or was
    /// cancelled, from its start LBA; `None` when no write failed.
    pub fn failed_write(&self) -> Option<BlockRange> {
        self.failed_write
    }

    /// DVD-RW in the intermediate state: it grows sequentially from its
    /// formatted end, and the first session belongs at LBA 0
    /// (`mmc-recipes.md` §8.1 exception).
    pub fn is_intermediate(&self) -> bool {
        self.intermediate
    }

    /// The drive (for reads in between, e.g. the old head).
    pub fn recorder(&mut self) -> &mut Recorder<T> {
        self.rec
    }

    /// Reads `count` blocks from `lba` (READ(10) in chunks).
    pub fn read_blocks(&mut self, lba: u32, count: u32) -> Result<Vec<u8>> {
        read_blocks(self.rec, lba, count)
    }

    /// Refuses writes beyond the capacity before anything is sent; grows a
    /// DVD-RW restricted-overwrite format (13h quick grow) when the write
    /// ends beyond its formatted size (`mmc-recipes.md` §5.3).
    fn ensure_room(&mut self, lba: u32, blocks: u64) -> Result<()> {
        let end = lba as u64 + blocks;
        if end <= self.capacity {
            return Ok(());
        }
        if self.profile == Profile::DVD_RW_RO && !self.intermediate {
            let info = self.rec.inspect()?.clone();
            let room = info
                .formats()
                .and_then(|f| f.offer(0x13))
                .map_or(0, |o| o.blocks as u64);
            let grow = (end - self.capacity).div_ceil(16) * 16;
            if grow <= room {
                log::info!("growing the DVD-RW format by {grow} blocks (13h quick grow)");
                self.rec
                    .run_format(&FormatUnit::new(0x13, grow as u32, 16), &mut |_| {})?;
                self.intermediate = true;
                self.capacity += grow;
                return Ok(());
            }
        }
        Err(Error::Unsuitable(Unsuitable::DoesNotFit {
            need: end,
            free: self.capacity,
        }))
    }

    /// Writes `source` at `lba` (`mmc-recipes.md` §8.2 step 4): a reader
    /// thread fills a FIFO, WRITE commands go out in chunks with increasing
    /// LBA, the last block is zero-padded. With `size` known the write is
    /// checked against the capacity before it starts; without, it stops
    /// with [`Unsuitable::DoesNotFit`] before the first WRITE beyond it.
    /// Cancellation (the drive's token) stops at the next chunk with
    /// [`Error::Cancelled`], after a SYNCHRONIZE CACHE.
    pub fn write_at<R: Read + Send>(
        &mut self,
        lba: u32,
        source: R,
        size: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteAtReport> {
        self.write_at_fed(
            lba,
            move |w: FifoWriter| w.pump(source, size),
            size,
            progress,
        )
    }

    /// As [`Overwriter::write_at`], with the data written by `producer`
    /// into a [`Write`] on the reader thread (an ISO 9660 session streamed
    /// by its writer).
    pub fn write_at_from<F>(
        &mut self,
        lba: u32,
        producer: F,
        size: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteAtReport>
    where
        F: FnOnce(&mut dyn Write) -> std::io::Result<()> + Send,
    {
        self.write_at_fed(
            lba,
            move |w: FifoWriter| w.produce(producer, size),
            size,
            progress,
        )
    }

    fn write_at_fed<F: FnOnce(FifoWriter) + Send>(
        &mut self,
        lba: u32,
        feed: F,
        size: Option<u64>,
        progress: &mut dyn FnMut(&Progress),
    ) -> Result<WriteAtReport> {
        self.failed_write = None;
        if let Some(bytes) = size {
            self.ensure_room(lba, bytes.div_ceil(BLOCK))?;
        }
        let chunk_bytes = (self.chunk_blocks as u64 * BLOCK) as usize;
        let fifo_bytes = self.fifo_bytes;
        let mut meter = RateMeter::new(self.profile);
        let total = size;
        let result = std::thread::scope(|s| {
            let (writer, mut reader) = fifo(fifo_bytes, chunk_bytes);
            s.spawn(move || feed(writer));
            let mut sink = self.start_sink(lba);
            let mut bytes = 0u64;
            let r = loop {
                if let Err(e) = self.rec.drive.cancel_token().check() {
                    break Err(e);
                }
                match reader.next() {
                    Chunk::Data(buf, n) => {
                        bytes += n as u64;
                        let r = self.feed(&mut sink, &buf[..n]);
                        let fifo_state = FifoState {
                            filled: reader.filled(),
                            capacity: reader.capacity(),
                        };
                        reader.recycle(buf);
                        if let Err(e) = r {
                            break Err(e);
                        }
                        let rate = meter.add(n as u64);
                        progress(&Progress {
                            phase: Phase::Writing,
                            done: bytes,
                            total,
                            fraction: None,
                            elapsed: meter.elapsed(),
                            lba: Some(sink.next as i64),
                            fifo: Some(fifo_state),
                            drive_buffer: None,
                            rate,
                        });
                    }
                    Chunk::End => break self.flush_sink(&mut sink).map(|_| bytes),
                    Chunk::Failed(e) => break Err(Error::io("reading the data to write", e)),
                }
            };
            drop(reader);
            (r, sink.next)
        });
        match result {
            (Ok(bytes), _) => Ok(WriteAtReport {
                start: lba,
                blocks: bytes.div_ceil(BLOCK),
                bytes,
            }),
            (Err(e), next) => {
                self.failed_write = Some(BlockRange::new(lba, next.saturating_sub(lba)));
                if !self.rec.drive.is_lost() && self.dirty {
                    let saved = self.rec.drive.replace_cancel(Cancel::new());
                    if let Err(e2) = sync_cache(&mut self.rec.drive, &mut |_| {}) {
                        log::warn!("SYNCHRONIZE CACHE after the failed write: {e2}");
                    }
                    self.rec.drive.replace_cancel(saved);
                }
                Err(e)
            }
        }
    }

    /// Writes `data` (padded with zeros to whole blocks) at `lba` from
    /// memory: the 64 KiB emulation head, small updates.
    pub fn write_blocks(&mut self, lba: u32, data: &[u8]) -> Result<()> {
        self.ensure_room(lba, (data.len() as u64).div_ceil(BLOCK))?;
        let mut sink = self.start_sink(lba);
        for piece in data.chunks((self.chunk_blocks as u64 * BLOCK) as usize) {
            self.feed(&mut sink, piece)?;
        }
        self.flush_sink(&mut sink)
    }

    /// SYNCHRONIZE CACHE with Immed and polling (`mmc-recipes.md` §8.2
    /// step 5): only after this is the written data safe.
    pub fn sync(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<()> {
        sync_cache(&mut self.rec.drive, progress)?;
        self.dirty = false;
        Ok(())
    }

    /// Synchronizes and finishes the medium (`mmc-recipes.md` §6.7): DVD+RW
    /// whose background format runs (started here or before) gets CLOSE
    /// 010b; a DVD-RW in the intermediate state gets CLOSE SESSION 010b.
    /// Unlocks the tray.
    pub fn finish(mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Finish> {
        self.finished = true;
        let r = self.finish_inner(progress);
        if self.locked {
            allow(&mut self.rec.drive);
            self.locked = false;
        }
        let _ = self.rec.inspect();
        r
    }

    fn finish_inner(&mut self, progress: &mut dyn FnMut(&Progress)) -> Result<Finish> {
        if self.dirty {
            self.sync(progress)?;
        }
        let drive = &mut self.rec.drive;
        match self.profile {
            Profile::DVD_PLUS_RW => {
                let running = drive.disc_info()?.bg_format_status == BgFormatStatus::Running;
                if running || self.rec.bg_started {
                    super::write::run_and_wait(
                        drive,
                        &CloseTrackSession::session(),
                        Phase::StoppingFormat,
                        progress,
                    )?;
                    self.rec.bg_started = false;
                    return Ok(Finish::StoppedBackgroundFormat);
                }
                Ok(Finish::Nothing)
            }
            Profile::DVD_RW_RO if self.intermediate => {
                super::write::run_and_wait(
                    drive,
                    &CloseTrackSession::session(),
                    Phase::ClosingSession,
                    progress,
                )?;
                self.intermediate = false;
                Ok(Finish::ClosedIntermediate)
            }
            _ => Ok(Finish::Nothing),
        }
    }

    /// A sink for data starting at `lba`. An unaligned start (DVD-RW
    /// restricted overwrite) begins with the medium's own blocks of the
    /// first unit (read-modify-write).
    fn start_sink(&mut self, lba: u32) -> Sink {
        let off = lba % self.align;
        let mut sink = Sink {
            next: lba - off,
            buf: Vec::new(),
        };
        if off != 0 {
            let mut unit = vec![0u8; (self.align as u64 * BLOCK) as usize];
            self.read_into(lba - off, &mut unit);
            sink.buf
                .extend_from_slice(&unit[..(off as u64 * BLOCK) as usize]);
        }
        sink
    }

    /// Sends `data` in full chunks, straight from the caller's buffer when
    /// nothing is pending; a remainder waits in the sink.
    fn feed(&mut self, sink: &mut Sink, mut data: &[u8]) -> Result<()> {
        let chunk_bytes = (self.chunk_blocks as u64 * BLOCK) as usize;
        if !sink.buf.is_empty() {
            let take = (chunk_bytes - sink.buf.len()).min(data.len());
            sink.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            if sink.buf.len() < chunk_bytes {
                return Ok(());
            }
            let full = std::mem::take(&mut sink.buf);
            let r = self.send(sink, &full);
            sink.buf = full;
            sink.buf.clear();
            r?;
        }
        while data.len() >= chunk_bytes {
            self.send(sink, &data[..chunk_bytes])?;
            data = &data[chunk_bytes..];
        }
        sink.buf.extend_from_slice(data);
        Ok(())
    }

    /// Sends what is left: whole aligned units, then the last partial unit
    /// merged with what the medium holds (DVD-RW restricted overwrite) or
    /// zero-padded to a block.
    fn flush_sink(&mut self, sink: &mut Sink) -> Result<()> {
        let align_bytes = (self.align as u64 * BLOCK) as usize;
        let whole = sink.buf.len() / align_bytes * align_bytes;
        if whole > 0 {
            let pending = std::mem::take(&mut sink.buf);
            let r = self.send(sink, &pending[..whole]);
            sink.buf = pending;
            sink.buf.drain(..whole);
            r?;
        }
        let pending = sink.buf.len();
        if pending == 0 {
            return Ok(());
        }
        let lba = sink.next;
        let blocks = if self.align > 1 {
            self.align as u64
        } else {
            (pending as u64).div_ceil(BLOCK)
        };
        let mut unit = vec![0u8; (blocks * BLOCK) as usize];
        if self.align > 1 {
            self.read_into(lba, &mut unit);
        }
        unit[..pending].copy_from_slice(&sink.buf);
        sink.buf.clear();
        if self.align == 1 {
            unit[pending..].fill(0);
        }
        self.write_raw(lba, &unit)?;
        sink.next += blocks as u32;
        Ok(())
    }

    fn send(&mut self, sink: &mut Sink, data: &[u8]) -> Result<()> {
        let lba = sink.next;
        self.write_raw(lba, data)?;
        sink.next += (data.len() as u64 / BLOCK) as u32;
        Ok(())
    }

    /// Existing content for a read-modify-write; unreadable (never
    /// written) blocks read as zeros.
    fn read_into(&mut self, lba: u32, buf: &mut [u8]) {
        let blocks = (buf.len() as u64 / BLOCK) as u16;
        if let Err(e) = self
            .rec
            .drive
            .exec(&Read10::new(lba, blocks), crate::DataPhase::In(buf))
        {
            log::debug!("read-modify-write at LBA {lba}: {e}; merging with zeros");
            buf.fill(0);
        }
    }

    fn write_raw(&mut self, lba: u32, data: &[u8]) -> Result<()> {
        let blocks = data.len() as u64 / BLOCK;
        if lba as u64 + blocks > self.capacity {
            return Err(Error::Unsuitable(Unsuitable::DoesNotFit {
                need: lba as u64 + blocks,
                free: self.capacity,
            }));
        }
        let lba_i = i32::try_from(lba)
            .map_err(|_| Error::Invalid(format!("LBA {lba} is beyond WRITE(10)")))?;
        self.rec.drive.set_writing(true);
        self.dirty = true;
        let r = if self.streaming && blocks == self.chunk_blocks as u64 {
            self.rec.drive.exec(
                &Write12::new(lba_i, blocks as u32, true),
                crate::DataPhase::Out(data),
            )
        } else {
            self.rec.drive.exec(
                &Write10::new(lba_i, blocks as u16),
                crate::DataPhase::Out(data),
            )
        };
        self.rec.drive.set_writing(false);
        r.map(|_| ())
    }
}

impl<T: Transport> Drop for Overwriter<'_, T> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        if self.dirty && !self.rec.drive.is_lost() {
            let saved = self.rec.drive.replace_cancel(Cancel::new());
            if let Err(e) = sync_cache(&mut self.rec.drive, &mut |_| {}) {
                log::warn!("SYNCHRONIZE CACHE when abandoning the overwrite: {e}");
            }
            self.rec.drive.replace_cancel(saved);
        }
        if self.locked {
            allow(&mut self.rec.drive);
        }
    }
}

/// Bytes waiting to become a whole chunk or aligned unit.
struct Sink {
    /// LBA of the first pending byte (aligned).
    next: u32,
    /// Pending bytes (less than a chunk).
    buf: Vec<u8>,
}

/// READ(10) of `count` blocks from `lba` in 32-block chunks.
pub(crate) fn read_blocks<T: Transport>(
    rec: &mut Recorder<T>,
    lba: u32,
    count: u32,
) -> Result<Vec<u8>> {
    let mut out = vec![0u8; (count as u64 * BLOCK) as usize];
    let mut done = 0u32;
    while done < count {
        let n = (count - done).min(32);
        let at = (done as u64 * BLOCK) as usize;
        let len = (n as u64 * BLOCK) as usize;
        rec.drive.exec(
            &Read10::new(lba + done, n as u16),
            crate::DataPhase::In(&mut out[at..at + len]),
        )?;
        done += n;
    }
    Ok(out)
}

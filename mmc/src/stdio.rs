//! `stdio:` targets: an image file, a block device or a pipe used as a
//! medium, behind the same [`Transport`] as a real drive.
//!
//! Like libburn's "stdio drives", the target answers the small set of MMC
//! commands the engine needs, with the pseudo profile FFFFh
//! ([`Profile::STDIO`]):
//!
//! * a regular file or block device is a **random-writable** medium (feature
//!   0020h Random Writable current): it reads and writes any 2 KiB block, is
//!   "formatted" to its capacity (block device size, or file size plus the
//!   free space of its filesystem), and carries sessions by the ISO 9660
//!   multisession emulation that the layer above writes;
//! * a pipe, socket or character device (`stdio:-` is standard output) is a
//!   **write-once sequential** medium like a blank DVD-R: writes only at the
//!   next writable address, nothing can be read back, and closing it
//!   finishes it.
//!
//! BLANK with blanking type 000b ("blank the disc") truncates a regular
//! file to 0 bytes — the "full" blank of an image file (`mmc-recipes.md`
//! §8.5); other blanking types answer 5/24/00, and block devices and pipes
//! answer BLANK with 5/20/00. Other unsupported commands (FORMAT UNIT,
//! RESERVE TRACK, SEND CUE SHEET…) answer 5/20/00 as a drive without them
//! would.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::{FileExt, FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, OpenErrorKind};
use crate::profile::Profile;
use crate::transport::{Completion, DataPhase, SenseBuf, Transport, TransportError};

const BLOCK: u64 = 2048;

/// What kind of object the target is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StdioKind {
    /// A regular file: random access, grows as written.
    File,
    /// A block device: random access within its size.
    BlockDevice,
    /// A pipe, socket, character device or standard output: write-once,
    /// sequential, not readable.
    Sequential,
}

/// An image file, block device or pipe posing as a medium.
#[derive(Debug)]
pub struct StdioDrive {
    path: PathBuf,
    file: File,
    kind: StdioKind,
    /// Bytes in the file (random kinds) or written so far (sequential).
    len: u64,
    /// Fixed capacity in blocks for block devices.
    device_blocks: Option<u64>,
    /// Sequential targets: closed after CLOSE TRACK/SESSION.
    closed: bool,
    _lock: Option<nix::fcntl::Flock<File>>,
}

impl StdioDrive {
    /// Opens `path` (`-` means standard output). With `create`, a missing
    /// regular file is created empty (a blank medium); without it a missing
    /// file is [`OpenErrorKind::NotFound`]. Regular files are locked
    /// (`flock`, exclusive) so a second burn on the same image is refused as
    /// busy; block devices are opened with `O_EXCL`.
    pub fn open(path: &Path, create: bool) -> Result<StdioDrive, Error> {
        let open_err = |kind| Error::Open {
            path: path.to_path_buf(),
            kind,
        };
        let map_io = |e: io::Error| {
            open_err(match e.kind() {
                io::ErrorKind::NotFound => OpenErrorKind::NotFound,
                io::ErrorKind::PermissionDenied => OpenErrorKind::PermissionDenied,
                _ if e.raw_os_error() == Some(libc::EBUSY) => OpenErrorKind::Busy,
                _ if e.raw_os_error() == Some(libc::EROFS) => OpenErrorKind::PermissionDenied,
                _ => OpenErrorKind::Io(e),
            })
        };

        if path.as_os_str() == "-" {
            let fd = io::stdout().as_fd().try_clone_to_owned().map_err(map_io)?;
            return Ok(StdioDrive {
                path: path.to_path_buf(),
                file: File::from(fd),
                kind: StdioKind::Sequential,
                len: 0,
                device_blocks: None,
                closed: false,
                _lock: None,
            });
        }

        let meta = match std::fs::metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => None,
            Err(e) => return Err(map_io(e)),
        };
        let ft = meta.as_ref().map(|m| m.file_type());
        let kind = match ft {
            None => StdioKind::File,
            Some(t) if t.is_file() => StdioKind::File,
            Some(t) if t.is_block_device() => StdioKind::BlockDevice,
            Some(t) if t.is_fifo() || t.is_char_device() || t.is_socket() => StdioKind::Sequential,
            Some(_) => {
                return Err(open_err(OpenErrorKind::Io(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a directory is not a medium (give an image file, block device or pipe)",
                ))));
            }
        };

        let mut opts = OpenOptions::new();
        match kind {
            StdioKind::File => {
                opts.read(true).write(true).create(create);
            }
            StdioKind::BlockDevice => {
                opts.read(true).write(true).custom_flags(libc::O_EXCL);
            }
            StdioKind::Sequential => {
                opts.write(true);
            }
        }
        let file = opts.open(path).map_err(map_io)?;

        let lock = if kind == StdioKind::File {
            let clone = file.try_clone().map_err(map_io)?;
            match nix::fcntl::Flock::lock(clone, nix::fcntl::FlockArg::LockExclusiveNonblock) {
                Ok(l) => Some(l),
                Err((_, nix::errno::Errno::EWOULDBLOCK)) => {
                    return Err(open_err(OpenErrorKind::Busy));
                }
                Err((_, e)) => return Err(map_io(io::Error::from(e))),
            }
        } else {
            None
        };

        let (len, device_blocks) = match kind {
            StdioKind::File => (file.metadata().map_err(map_io)?.len(), None),
            StdioKind::BlockDevice => {
                // lseek(SEEK_END) reports the size of a block device.
                let mut f = &file;
                let size = io::Seek::seek(&mut f, io::SeekFrom::End(0)).map_err(map_io)?;
                (size, Some(size / BLOCK))
            }
            StdioKind::Sequential => (0, None),
        };

        Ok(StdioDrive {
            path: path.to_path_buf(),
            file,
            kind,
            len,
            device_blocks,
            closed: false,
            _lock: lock,
        })
    }

    pub fn kind(&self) -> StdioKind {
        self.kind
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn random(&self) -> bool {
        self.kind != StdioKind::Sequential
    }

    /// Blocks currently holding data (rounded up).
    fn used_blocks(&self) -> u64 {
        self.len.div_ceil(BLOCK)
    }

    /// Capacity in blocks: device size, or file size plus free space of
    /// the filesystem, or "unlimited" for sequential targets.
    fn capacity_blocks(&self) -> u64 {
        match self.kind {
            StdioKind::BlockDevice => self.device_blocks.unwrap_or(0),
            StdioKind::File => {
                let free = nix::sys::statvfs::fstatvfs(&self.file)
                    .map(|s| s.blocks_available() * s.fragment_size())
                    .unwrap_or(0);
                self.used_blocks() + free / BLOCK
            }
            StdioKind::Sequential => u32::MAX as u64,
        }
    }

    /// Truncates a regular file to zero length (the "full" blank of an image
    /// file, `mmc-recipes.md` §8.5). Other kinds: no effect.
    pub fn truncate(&mut self) -> io::Result<()> {
        if self.kind == StdioKind::File {
            self.file.set_len(0)?;
            self.file.sync_data()?;
            self.len = 0;
        }
        Ok(())
    }

    fn inquiry(&self, alloc: usize, out: &mut [u8]) -> usize {
        // SPC-4 §6.6.2 standard INQUIRY data, 36 bytes.
        let mut d = [0u8; 36];
        d[0] = 0x05; // CD/DVD device
        d[1] = 0x80; // removable
        d[2] = 0x05; // SPC-3
        d[3] = 0x02; // response data format 2
        d[4] = 31;
        d[8..16].copy_from_slice(b"BURN    ");
        d[16..32].copy_from_slice(b"STDIO FILE      ");
        d[32..36].copy_from_slice(b"1.0 ");
        copy_reply(&d, alloc, out)
    }

    fn configuration(&self, cdb: &[u8], alloc: usize, out: &mut [u8]) -> usize {
        // MMC-6 §6.6: header + feature descriptors.
        let rt = cdb[1] & 0x03;
        let start = u16::from_be_bytes([cdb[2], cdb[3]]);
        let mut feats: Vec<(u16, u8, Vec<u8>)> = Vec::new();
        // 0000h Profile List: one profile, current.
        feats.push((0x0000, 0x03, vec![0xFF, 0xFF, 0x01, 0x00]));
        // 0001h Core: physical interface 0 (unspecified), DBE.
        feats.push((0x0001, 0x0B, vec![0, 0, 0, 0, 0x01, 0, 0, 0]));
        if self.random() {
            // 0010h Random Readable: block size 2048, blocking 1, PP.
            feats.push((0x0010, 0x03, vec![0, 0, 0x08, 0, 0, 1, 1, 0]));
            // 0020h Random Writable: last LBA, block size, blocking.
            let last = (self.capacity_blocks().saturating_sub(1)).min(u32::MAX as u64) as u32;
            let mut d = last.to_be_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 0x08, 0, 0, 1, 1, 0]);
            feats.push((0x0020, 0x07, d));
        }
        let mut body = Vec::new();
        for (code, flags, data) in feats {
            let include = match rt {
                0 => code >= start,
                1 => code >= start && flags & 1 != 0,
                2 => code == start,
                _ => false,
            };
            if include {
                body.extend_from_slice(&code.to_be_bytes());
                body.push(flags);
                body.push(data.len() as u8);
                body.extend_from_slice(&data);
            }
        }
        let mut r = Vec::with_capacity(8 + body.len());
        r.extend_from_slice(&((4 + body.len()) as u32).to_be_bytes());
        r.extend_from_slice(&[0, 0, 0xFF, 0xFF]);
        r.extend_from_slice(&body);
        copy_reply(&r, alloc, out)
    }

    fn disc_information(&self, alloc: usize, out: &mut [u8]) -> usize {
        // MMC-6 §6.21.3.1, 34 bytes.
        let mut d = [0u8; 34];
        d[1] = 32;
        let status: u8 = if self.random() {
            0b11 // "other": random-writable medium
        } else if self.closed {
            0b10
        } else if self.len > 0 {
            0b01
        } else {
            0b00
        };
        let last_session: u8 = if self.random() || self.closed {
            0b11
        } else {
            0b00
        };
        d[2] = (last_session << 2) | status;
        d[3] = 1;
        d[4] = 1;
        d[5] = 1;
        d[6] = 1;
        d[8] = 0x00;
        d[16..20].copy_from_slice(&[0xFF; 4]);
        let cap = self.capacity_blocks().min(u32::MAX as u64) as u32;
        d[20..24].copy_from_slice(&cap.to_be_bytes());
        copy_reply(&d, alloc, out)
    }

    fn track_information(&self, alloc: usize, out: &mut [u8]) -> usize {
        // MMC-6 §6.26.3, 48 bytes; one track spanning the medium.
        let mut d = [0u8; 48];
        d[1] = 46;
        d[2] = 1;
        d[3] = 1;
        d[5] = 0x04; // data track, uninterrupted
        let cap = self.capacity_blocks().min(u32::MAX as u64) as u32;
        if self.random() {
            d[6] = 0x01; // data mode 1
            d[7] = 0x00; // NWA not valid: random writable (mmc-recipes §3.4)
            d[20..24].copy_from_slice(&1u32.to_be_bytes());
            d[24..28].copy_from_slice(&cap.to_be_bytes());
        } else {
            let nwa = self.used_blocks().min(u32::MAX as u64) as u32;
            d[6] = if self.len == 0 { 0x40 | 0x01 } else { 0x01 };
            if !self.closed {
                d[7] = 0x01;
                d[12..16].copy_from_slice(&nwa.to_be_bytes());
                d[16..20].copy_from_slice(&(cap - nwa).to_be_bytes());
            }
            d[20..24].copy_from_slice(&16u32.to_be_bytes());
            d[24..28].copy_from_slice(&nwa.to_be_bytes());
        }
        copy_reply(&d, alloc, out)
    }

    fn format_capacities(&self, alloc: usize, out: &mut [u8]) -> usize {
        // MMC-6 §6.23.3: header + current/maximum descriptor only.
        let mut d = [0u8; 12];
        d[3] = 8;
        if self.random() {
            let cap = self.capacity_blocks().min(u32::MAX as u64) as u32;
            d[4..8].copy_from_slice(&cap.to_be_bytes());
            d[8] = 0b10; // formatted
        } else {
            d[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
            d[8] = 0b11; // no medium / unknown capacity
        }
        d[9..12].copy_from_slice(&[0x00, 0x08, 0x00]);
        copy_reply(&d, alloc, out)
    }

    fn capacity(&self, alloc: usize, out: &mut [u8]) -> usize {
        // MMC-6 §6.19: last LBA, block length.
        let last = self.used_blocks().saturating_sub(1).min(u32::MAX as u64) as u32;
        let mut d = [0u8; 8];
        d[0..4].copy_from_slice(&last.to_be_bytes());
        d[4..8].copy_from_slice(&(BLOCK as u32).to_be_bytes());
        copy_reply(&d, alloc, out)
    }

    fn mode_sense(&self, cdb: &[u8], alloc: usize, out: &mut [u8]) -> Option<usize> {
        // MMC-3 §6.3.11 page 2Ah after an 8-byte mode parameter header.
        if cdb[2] & 0x3F != 0x2A {
            return None;
        }
        let mut page = [0u8; 32];
        page[0] = 0x2A;
        page[1] = 30;
        page[2] = 0x3B; // reads CD-R/RW, DVD-ROM/R/RAM
        page[3] = 0x37; // writes CD-R/RW, DVD-R/RAM, test write
        page[4] = 0x40; // multisession
        page[12..14].copy_from_slice(&0u16.to_be_bytes());
        let mut r = vec![0u8; 8];
        r.extend_from_slice(&page);
        let n = (r.len() - 2) as u16;
        r[0..2].copy_from_slice(&n.to_be_bytes());
        Some(copy_reply(&r, alloc, out))
    }

    fn read(
        &mut self,
        lba: u64,
        blocks: u64,
        out: &mut [u8],
    ) -> Result<Completion, TransportError> {
        let want = out.len();
        if !self.random() {
            return Ok(check(5, 0x21, 0x00, want));
        }
        let bytes = blocks * BLOCK;
        if bytes as usize != want {
            return Ok(check(5, 0x24, 0x00, want));
        }
        if lba + blocks > self.used_blocks() {
            return Ok(Completion::check(
                SenseBuf::fixed(5, 0x21, 0x00).with_information(lba as u32),
                want,
            ));
        }
        let off = lba * BLOCK;
        let avail = self.len.saturating_sub(off).min(bytes) as usize;
        if let Err(e) = self.file.read_exact_at(&mut out[..avail], off) {
            log::debug!("stdio read at LBA {lba}: {e}");
            return Ok(Completion::check(
                SenseBuf::fixed(3, 0x11, 0x00).with_information(lba as u32),
                want,
            ));
        }
        out[avail..].fill(0);
        Ok(Completion::good(0))
    }

    fn write(&mut self, lba: u64, blocks: u64, data: &[u8]) -> Result<Completion, TransportError> {
        let n = data.len();
        if blocks * BLOCK != n as u64 {
            return Ok(check(5, 0x24, 0x00, n));
        }
        match self.kind {
            StdioKind::Sequential => {
                if self.closed {
                    return Ok(check(5, 0x30, 0x05, n));
                }
                if lba != self.used_blocks() {
                    return Ok(Completion::check(
                        SenseBuf::fixed(5, 0x21, 0x02).with_information(lba as u32),
                        n,
                    ));
                }
                if let Err(e) = self.file.write_all(data) {
                    return write_failure(e, lba, n);
                }
                self.len += n as u64;
            }
            StdioKind::BlockDevice | StdioKind::File => {
                if let Some(cap) = self.device_blocks
                    && lba + blocks > cap
                {
                    return Ok(Completion::check(
                        SenseBuf::fixed(5, 0x21, 0x02).with_information(lba as u32),
                        n,
                    ));
                }
                if let Err(e) = self.file.write_all_at(data, lba * BLOCK) {
                    return write_failure(e, lba, n);
                }
                self.len = self.len.max((lba + blocks) * BLOCK);
            }
        }
        Ok(Completion::good(0))
    }

    fn sync(&mut self) -> Completion {
        let r = match self.kind {
            StdioKind::Sequential => self.file.flush(),
            _ => self.file.sync_data(),
        };
        match r {
            Ok(()) => Completion::good(0),
            // Pipes and character devices cannot be synced: nothing to do.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Completion::good(0),
            Err(e) => {
                log::warn!("stdio sync of {}: {e}", self.path.display());
                check(3, 0x0C, 0x00, 0)
            }
        }
    }
}

fn write_failure(e: io::Error, lba: u64, n: usize) -> Result<Completion, TransportError> {
    match e.raw_os_error() {
        // The filesystem is full: the end of the user area was reached.
        Some(libc::ENOSPC) | Some(libc::EFBIG) => Ok(Completion::check(
            SenseBuf::fixed(5, 0x63, 0x00).with_information(lba as u32),
            n,
        )),
        // The reader of a pipe went away.
        Some(libc::EPIPE) => Err(TransportError::DriveLost),
        _ => {
            log::warn!("stdio write at LBA {lba}: {e}");
            Ok(Completion::check(
                SenseBuf::fixed(3, 0x0C, 0x00).with_information(lba as u32),
                n,
            ))
        }
    }
}

fn check(key: u8, asc: u8, ascq: u8, requested: usize) -> Completion {
    Completion::check(SenseBuf::fixed(key, asc, ascq), requested)
}

/// Copies `reply` into `out` truncated to the allocation length; returns
/// the residual.
fn copy_reply(reply: &[u8], alloc: usize, out: &mut [u8]) -> usize {
    let n = reply.len().min(alloc).min(out.len());
    out[..n].copy_from_slice(&reply[..n]);
    out.len() - n
}

fn be16(b: &[u8]) -> usize {
    u16::from_be_bytes([b[0], b[1]]) as usize
}

fn be32(b: &[u8]) -> u64 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64
}

impl Transport for StdioDrive {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        _timeout: Duration,
    ) -> Result<Completion, TransportError> {
        let Some(&op) = cdb.first() else {
            return Err(TransportError::Invalid("empty CDB".into()));
        };
        let need = match op {
            0x00..=0x1F => 6,
            0x20..=0x7F => 10,
            _ => 12,
        };
        if cdb.len() < need {
            return Err(TransportError::Invalid(format!(
                "CDB of {} bytes for opcode {op:02X}h",
                cdb.len()
            )));
        }
        let requested = data.len();
        match (op, data) {
            (0x00, DataPhase::None) => Ok(Completion::good(0)),
            (0x03, DataPhase::In(out)) => {
                let s = SenseBuf::fixed(0, 0, 0);
                let r = copy_reply(s.as_bytes(), cdb[4] as usize, out);
                Ok(Completion::good(r))
            }
            (0x12, DataPhase::In(out)) => {
                if cdb[1] & 1 != 0 {
                    return Ok(check(5, 0x24, 0x00, requested));
                }
                let r = self.inquiry(be16(&cdb[3..5]), out);
                Ok(Completion::good(r))
            }
            (0x46, DataPhase::In(out)) => {
                let r = self.configuration(cdb, be16(&cdb[7..9]), out);
                Ok(Completion::good(r))
            }
            (0x51, DataPhase::In(out)) => {
                if cdb[1] & 0x07 != 0 {
                    return Ok(check(5, 0x24, 0x00, requested));
                }
                let r = self.disc_information(be16(&cdb[7..9]), out);
                Ok(Completion::good(r))
            }
            (0x52, DataPhase::In(out)) => {
                let num = be32(&cdb[2..6]);
                let ok = match cdb[1] & 0x03 {
                    0 => true,                    // by LBA: one track covers all
                    1 => num == 1 || num == 0xFF, // track number
                    2 => num == 1,                // session number
                    _ => false,
                };
                if !ok {
                    return Ok(check(5, 0x24, 0x00, requested));
                }
                let r = self.track_information(be16(&cdb[7..9]), out);
                Ok(Completion::good(r))
            }
            (0x23, DataPhase::In(out)) => {
                let r = self.format_capacities(be16(&cdb[7..9]), out);
                Ok(Completion::good(r))
            }
            (0x25, DataPhase::In(out)) => {
                let r = self.capacity(8, out);
                Ok(Completion::good(r))
            }
            (0x5A, DataPhase::In(out)) => match self.mode_sense(cdb, be16(&cdb[7..9]), out) {
                Some(r) => Ok(Completion::good(r)),
                None => Ok(check(5, 0x24, 0x00, requested)),
            },
            (0x55, DataPhase::Out(_)) => Ok(Completion::good(0)),
            (0x28, DataPhase::In(out)) => {
                let lba = be32(&cdb[2..6]);
                let n = be16(&cdb[7..9]) as u64;
                self.read(lba, n, out)
            }
            (0xA8, DataPhase::In(out)) => {
                let lba = be32(&cdb[2..6]);
                let n = be32(&cdb[6..10]);
                self.read(lba, n, out)
            }
            (0x2A, DataPhase::Out(buf)) => {
                let lba = be32(&cdb[2..6]);
                let n = be16(&cdb[7..9]) as u64;
                self.write(lba, n, buf)
            }
            (0xAA, DataPhase::Out(buf)) => {
                let lba = be32(&cdb[2..6]);
                let n = be32(&cdb[6..10]);
                self.write(lba, n, buf)
            }
            (0x35, DataPhase::None) => Ok(self.sync()),
            (0xA1, DataPhase::None) if self.kind == StdioKind::File => {
                // MMC-6 §6.2: byte 1 bits 2–0 blanking type.
                if cdb[1] & 0x07 != 0 {
                    return Ok(check(5, 0x24, 0x00, 0));
                }
                match self.truncate() {
                    Ok(()) => Ok(Completion::good(0)),
                    Err(e) => {
                        log::warn!("stdio truncate of {}: {e}", self.path.display());
                        Ok(check(3, 0x0C, 0x00, 0))
                    }
                }
            }
            (0x5B, DataPhase::None) => {
                if !self.random() {
                    let _ = self.file.flush();
                    self.closed = true;
                }
                Ok(Completion::good(0))
            }
            // START STOP UNIT: a file cannot be ejected or loaded; no-op.
            (0x1B, DataPhase::None) => Ok(Completion::good(0)),
            (0x1E, DataPhase::None) => Ok(Completion::good(0)),
            (0xBB, DataPhase::None) => Ok(Completion::good(0)),
            (0xB6, DataPhase::Out(_)) => Ok(Completion::good(0)),
            (0xAC, DataPhase::In(out)) => {
                // GET PERFORMANCE: header only, no descriptors (MMC-6 §6.7).
                let mut d = [0u8; 8];
                d[3] = 4;
                Ok(Completion::good(copy_reply(&d, out.len(), out)))
            }
            (0x5C, DataPhase::In(out)) => {
                // READ BUFFER CAPACITY: no buffer (MMC-6 §6.17).
                let mut d = [0u8; 12];
                d[1] = 10;
                Ok(Completion::good(copy_reply(&d, be16(&cdb[7..9]), out)))
            }
            (0x4A, DataPhase::In(out)) => {
                // GET EVENT STATUS NOTIFICATION: no event available (NEA).
                let d = [0, 2, 0x80, 0x10];
                Ok(Completion::good(copy_reply(&d, be16(&cdb[7..9]), out)))
            }
            (0xBD, DataPhase::In(out)) => {
                let d = [0u8; 8];
                Ok(Completion::good(copy_reply(&d, be16(&cdb[8..10]), out)))
            }
            (0x00 | 0x03 | 0x12 | 0x46 | 0x51 | 0x52 | 0x23 | 0x25 | 0x5A | 0x55, _)
            | (0x28 | 0xA8 | 0x2A | 0xAA | 0x35 | 0x5B | 0x1B | 0x1E | 0xBB | 0xB6, _)
            | (0xAC | 0x5C | 0x4A | 0xBD, _) => Err(TransportError::Invalid(format!(
                "wrong data phase for opcode {op:02X}h"
            ))),
            _ => Ok(check(5, 0x20, 0x00, requested)),
        }
    }

    fn describe(&self) -> String {
        format!("stdio:{}", self.path.display())
    }
}

/// True when `profile` names a `stdio:` target.
pub fn is_stdio(profile: Profile) -> bool {
    profile == Profile::STDIO
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Duration = Duration::from_secs(1);

    fn write10(lba: u32, blocks: u16) -> [u8; 10] {
        let l = lba.to_be_bytes();
        let b = blocks.to_be_bytes();
        [0x2A, 0, l[0], l[1], l[2], l[3], 0, b[0], b[1], 0]
    }

    fn read10(lba: u32, blocks: u16) -> [u8; 10] {
        let mut c = write10(lba, blocks);
        c[0] = 0x28;
        c
    }

    #[test]
    fn file_is_random_writable_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img.iso");
        let mut d = StdioDrive::open(&p, true).unwrap();
        assert_eq!(d.kind(), StdioKind::File);
        let data = vec![0xA5u8; 4096];
        let c = d
            .execute(&write10(32, 2), DataPhase::Out(&data), T)
            .unwrap();
        assert!(c.is_good());
        assert!(
            d.execute(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], DataPhase::None, T)
                .unwrap()
                .is_good()
        );
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 34 * 2048);
        let mut back = vec![0u8; 4096];
        let c = d
            .execute(&read10(32, 2), DataPhase::In(&mut back), T)
            .unwrap();
        assert!(c.is_good());
        assert_eq!(back, data);
        // beyond the written end: LBA out of range
        let mut buf = vec![0u8; 2048];
        let c = d
            .execute(&read10(34, 1), DataPhase::In(&mut buf), T)
            .unwrap();
        assert_eq!(c.sense.as_bytes()[12], 0x21);
        // current profile FFFFh with Random Writable current
        let mut cfg = vec![0u8; 64];
        let c = d
            .execute(
                &[0x46, 0x02, 0x00, 0x20, 0, 0, 0, 0, 64, 0],
                DataPhase::In(&mut cfg),
                T,
            )
            .unwrap();
        assert!(c.is_good());
        assert_eq!(&cfg[6..8], &[0xFF, 0xFF]);
        assert_eq!(&cfg[8..10], &[0x00, 0x20]);
        assert_eq!(cfg[10] & 1, 1);
    }

    #[test]
    fn second_open_is_busy_and_missing_file_not_found() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img.iso");
        let _a = StdioDrive::open(&p, true).unwrap();
        match StdioDrive::open(&p, false) {
            Err(Error::Open {
                kind: OpenErrorKind::Busy,
                ..
            }) => {}
            other => panic!("expected busy, got {other:?}"),
        }
        match StdioDrive::open(&dir.path().join("nope"), false) {
            Err(Error::Open {
                kind: OpenErrorKind::NotFound,
                ..
            }) => {}
            other => panic!("expected not found, got {other:?}"),
        }
        assert!(StdioDrive::open(dir.path(), false).is_err());
    }

    #[test]
    fn pipe_is_sequential_write_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        let mut d = StdioDrive::open(&fifo, false).unwrap();
        assert_eq!(d.kind(), StdioKind::Sequential);
        let data = vec![7u8; 2048];
        // wrong address refused with 5/21/02
        let c = d.execute(&write10(5, 1), DataPhase::Out(&data), T).unwrap();
        assert_eq!(
            (c.sense.as_bytes()[12], c.sense.as_bytes()[13]),
            (0x21, 0x02)
        );
        assert!(
            d.execute(&write10(0, 1), DataPhase::Out(&data), T)
                .unwrap()
                .is_good()
        );
        assert!(
            d.execute(&write10(1, 1), DataPhase::Out(&data), T)
                .unwrap()
                .is_good()
        );
        // not readable
        let mut buf = vec![0u8; 2048];
        assert!(
            !d.execute(&read10(0, 1), DataPhase::In(&mut buf), T)
                .unwrap()
                .is_good()
        );
        // close, then writes are refused (complete disc, 5/30/05)
        assert!(
            d.execute(&[0x5B, 0, 2, 0, 0, 0, 0, 0, 0, 0], DataPhase::None, T)
                .unwrap()
                .is_good()
        );
        let c = d.execute(&write10(2, 1), DataPhase::Out(&data), T).unwrap();
        assert_eq!(
            (c.sense.as_bytes()[12], c.sense.as_bytes()[13]),
            (0x30, 0x05)
        );
        drop(d);
        assert_eq!(reader.join().unwrap().len(), 4096);
    }

    #[test]
    fn unsupported_commands_are_invalid_opcode() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = StdioDrive::open(&dir.path().join("x.iso"), true).unwrap();
        // FORMAT UNIT with parameter data.
        let c = d
            .execute(&[0x04, 0x11, 0, 0, 0, 0], DataPhase::Out(&[0u8; 12]), T)
            .unwrap();
        assert_eq!((c.sense.as_bytes()[2], c.sense.as_bytes()[12]), (5, 0x20));
        // BLANK minimal: only "blank the disc" (truncate) is offered.
        let c = d
            .execute(
                &[0xA1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                DataPhase::None,
                T,
            )
            .unwrap();
        assert_eq!((c.sense.as_bytes()[2], c.sense.as_bytes()[12]), (5, 0x24));
    }

    /// mmc-recipes.md §8.5: the full blank of an image file truncates it.
    #[test]
    fn blank_full_truncates_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("img.iso");
        let mut d = StdioDrive::open(&p, true).unwrap();
        let data = vec![0x5Au8; 4096];
        assert!(
            d.execute(&write10(0, 2), DataPhase::Out(&data), T)
                .unwrap()
                .is_good()
        );
        let c = d
            .execute(
                &[0xA1, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                DataPhase::None,
                T,
            )
            .unwrap();
        assert!(c.is_good());
        assert_eq!(std::fs::metadata(&p).unwrap().len(), 0);
        let mut cap = [0u8; 8];
        d.execute(
            &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            DataPhase::In(&mut cap),
            T,
        )
        .unwrap();
        let mut buf = vec![0u8; 2048];
        let c = d
            .execute(&read10(0, 1), DataPhase::In(&mut buf), T)
            .unwrap();
        assert_eq!(c.sense.as_bytes()[12], 0x21, "nothing left to read");
    }
}

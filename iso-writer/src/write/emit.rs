//! Emission: the planned blocks in increasing LBA order into a `Write`,
//! with the MD5 tags, array and attributes of `md5-tags.md` §7.

use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::sync::mpsc;

use md5::{Digest, Md5 as Md5Hasher};

use super::Error;
use super::error::ChangeKind;
use super::plan::Plan;
use super::records::DirPacker;
use super::tree::ContentSrc;
use crate::BLOCK;
use crate::model::Md5;
use crate::spec::ecma119::{self, Endian};
use crate::spec::md5tag::{self, Tag, TagKind};

/// Bytes buffered before each write to the output: small enough to stay
/// in the CPU cache between reading, hashing and writing.
const BUF: usize = 256 << 10;
/// Buffers circulating between the emitting thread and the hashing thread.
const BUFFERS: usize = 4;

/// Where emission is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Progress {
    /// Blocks handed to the output so far.
    pub done_blocks: u32,
    /// Blocks of the whole session.
    pub total_blocks: u32,
}

/// What [`Plan::emit`] wrote.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct EmitReport {
    /// First block of the session.
    pub start_lba: u32,
    /// Blocks written (= [`Plan::total_blocks`]).
    pub blocks: u32,
    /// MD5 of every block written, when MD5 is on (what a check-read of
    /// the whole session must reproduce).
    pub md5: Option<Md5>,
    /// Number of files whose data was written.
    pub files_written: u32,
}

/// Messages to the session hashing thread.
enum HashMsg {
    /// Hash the first `len` bytes, then hand the buffer back.
    Data(Vec<u8>, usize),
    /// Reply with the MD5 of everything hashed so far.
    Snapshot(mpsc::SyncSender<Md5>),
}

/// The running session MD5 (md5-tags.md §7 step 3), computed on a second
/// thread: each buffer is written by the emitting thread, then hashed by
/// the other while the next one is filled (and its file MD5 computed).
struct HashPipe {
    tx: mpsc::SyncSender<HashMsg>,
    pool: mpsc::Receiver<Vec<u8>>,
}

fn hash_worker(rx: mpsc::Receiver<HashMsg>, pool: mpsc::SyncSender<Vec<u8>>) {
    let mut h = Md5Hasher::new();
    for msg in rx {
        match msg {
            HashMsg::Data(buf, len) => {
                h.update(&buf[..len]);
                // The emitter may be gone after an error: nothing to do.
                let _ = pool.send(buf);
            }
            HashMsg::Snapshot(reply) => {
                let _ = reply.send(h.clone().finalize().into());
            }
        }
    }
}

fn pipe_broken() -> Error {
    Error::Internal("the MD5 thread stopped".into())
}

/// Buffers blocks, writes them to the output, feeds the session MD5.
struct Sink<'a, W: Write> {
    out: W,
    buf: Vec<u8>,
    len: usize,
    hash: Option<HashPipe>,
    /// Bytes accepted so far (written + buffered).
    pos: u64,
    start: u32,
    total: u32,
    progress: &'a mut dyn FnMut(Progress),
}

impl<W: Write> Sink<'_, W> {
    fn lba(&self) -> u64 {
        u64::from(self.start) + self.pos / BLOCK as u64
    }

    fn expect(&self, lba: u32, what: &str) -> Result<(), Error> {
        if !self.pos.is_multiple_of(BLOCK as u64) || self.lba() != u64::from(lba) {
            return Err(Error::Internal(format!(
                "{what} planned at LBA {lba} but emission is at byte {} of LBA {}",
                self.pos % BLOCK as u64,
                self.lba()
            )));
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.len == 0 {
            return Ok(());
        }
        self.out
            .write_all(&self.buf[..self.len])
            .map_err(Error::Output)?;
        if let Some(h) = &self.hash {
            let next = h.pool.recv().map_err(|_| pipe_broken())?;
            let full = std::mem::replace(&mut self.buf, next);
            h.tx.send(HashMsg::Data(full, self.len))
                .map_err(|_| pipe_broken())?;
        }
        self.len = 0;
        (self.progress)(Progress {
            done_blocks: (self.pos / BLOCK as u64) as u32,
            total_blocks: self.total,
        });
        Ok(())
    }

    fn put(&mut self, mut bytes: &[u8]) -> Result<(), Error> {
        while !bytes.is_empty() {
            if self.len == self.buf.len() {
                self.flush()?;
            }
            let n = bytes.len().min(self.buf.len() - self.len);
            self.buf[self.len..self.len + n].copy_from_slice(&bytes[..n]);
            self.len += n;
            self.pos += n as u64;
            bytes = &bytes[n..];
        }
        Ok(())
    }

    fn zeros(&mut self, mut n: u64) -> Result<(), Error> {
        while n > 0 {
            if self.len == self.buf.len() {
                self.flush()?;
            }
            let k = (n.min((self.buf.len() - self.len) as u64)) as usize;
            self.buf[self.len..self.len + k].fill(0);
            self.len += k;
            self.pos += k as u64;
            n -= k as u64;
        }
        Ok(())
    }

    fn pad_block(&mut self) -> Result<(), Error> {
        let r = self.pos % BLOCK as u64;
        if r != 0 {
            self.zeros(BLOCK as u64 - r)?;
        }
        Ok(())
    }

    /// Room for up to `max` bytes at the end of the buffer.
    fn spare(&mut self, max: usize) -> Result<&mut [u8], Error> {
        if self.len == self.buf.len() {
            self.flush()?;
        }
        let n = max.min(self.buf.len() - self.len);
        Ok(&mut self.buf[self.len..self.len + n])
    }

    fn commit(&mut self, n: usize) {
        self.len += n;
        self.pos += n as u64;
    }

    /// MD5 of everything accepted so far (writes out what is buffered).
    fn snapshot(&mut self) -> Result<Md5, Error> {
        self.flush()?;
        let Some(h) = &self.hash else {
            return Err(Error::Internal("MD5 snapshot without MD5".into()));
        };
        let (reply_tx, reply_rx) = mpsc::sync_channel(1);
        h.tx.send(HashMsg::Snapshot(reply_tx))
            .map_err(|_| pipe_broken())?;
        reply_rx.recv().map_err(|_| pipe_broken())
    }
}

impl Plan {
    /// Stream the session into `out`, block by block in increasing LBA
    /// order (exactly [`Plan::total_bytes`] bytes). Input files are read
    /// now, one at a time, through a bounded buffer; a file that vanished
    /// or changed size since planning fails the write with
    /// [`Error::InputChanged`] naming it.
    pub fn emit<W: Write>(&self, out: W) -> Result<EmitReport, Error> {
        self.emit_with_progress(out, &mut |_| {})
    }

    /// [`Plan::emit`] with a progress callback, called after each chunk
    /// handed to `out`.
    pub fn emit_with_progress<W: Write>(
        &self,
        out: W,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<EmitReport, Error> {
        std::thread::scope(|scope| {
            let hash = if self.opts.md5 {
                let (tx, rx) = mpsc::sync_channel::<HashMsg>(BUFFERS);
                let (pool_tx, pool_rx) = mpsc::sync_channel::<Vec<u8>>(BUFFERS);
                for _ in 1..BUFFERS {
                    pool_tx.send(vec![0u8; BUF]).map_err(|_| pipe_broken())?;
                }
                scope.spawn(move || hash_worker(rx, pool_tx));
                Some(HashPipe { tx, pool: pool_rx })
            } else {
                None
            };
            self.emit_inner(out, progress, hash)
        })
    }

    fn emit_inner<W: Write>(
        &self,
        out: W,
        progress: &mut dyn FnMut(Progress),
        hash: Option<HashPipe>,
    ) -> Result<EmitReport, Error> {
        let l = self.layout;
        let md5_on = self.opts.md5;
        let mut sink = Sink {
            out,
            buf: vec![0u8; BUF],
            len: 0,
            hash,
            pos: 0,
            start: l.start,
            total: self.total_blocks(),
            progress,
        };

        // System area.
        let sa = self.system_area().unwrap_or(&[]);
        sink.put(sa)?;
        sink.zeros((ecma119::SYSTEM_AREA_LEN - sa.len()) as u64)?;

        // Volume descriptors.
        sink.expect(l.pvd, "PVD")?;
        self.put_descriptors(&mut sink, self.total_blocks())?;

        if let Some(pos) = l.sb_tag {
            sink.expect(pos, "superblock tag")?;
            let md5 = sink.snapshot()?;
            let next = l.tree_tag.unwrap_or(0);
            sink.put(&Tag::new(TagKind::Superblock, pos, l.start, next, md5).to_block())?;
        }

        // ECMA-119 directories and their continuation areas.
        let mut p = DirPacker::new(0);
        for (i, d) in self.dirs.iter().enumerate() {
            sink.expect(d.lba, "directory")?;
            p.reset(d.lba + d.blocks);
            self.iso_dir_records(i, &mut p);
            if p.dir_blocks() != d.blocks || p.ce_blocks() != d.ce_blocks {
                return Err(Error::Internal(format!(
                    "directory {i} changed size between planning and emission"
                )));
            }
            p.pad();
            sink.put(&p.dir)?;
            sink.put(&p.ce)?;
        }
        sink.expect(l.l_pt, "L path table")?;
        self.put_padded(&mut sink, &self.path_table(Endian::Little, false))?;
        sink.expect(l.m_pt, "M path table")?;
        self.put_padded(&mut sink, &self.path_table(Endian::Big, false))?;

        if let Some(pos) = l.tree_tag {
            sink.expect(pos, "tree tag")?;
            let md5 = sink.snapshot()?;
            let next = l.session_tag.unwrap_or(0);
            sink.put(&Tag::new(TagKind::Tree, pos, l.start, next, md5).to_block())?;
        }
        sink.expect(l.zero, "zero block")?;
        sink.zeros(BLOCK as u64)?;

        if self.opts.joliet {
            for (i, d) in self.jdirs.iter().enumerate() {
                sink.expect(d.lba, "Joliet directory")?;
                p.reset(0);
                self.joliet_dir_records(i, &mut p);
                if p.dir_blocks() != d.blocks {
                    return Err(Error::Internal(format!(
                        "Joliet directory {i} changed size between planning and emission"
                    )));
                }
                p.pad();
                sink.put(&p.dir)?;
            }
            sink.expect(l.jl_pt, "Joliet L path table")?;
            self.put_padded(&mut sink, &self.path_table(Endian::Little, true))?;
            sink.expect(l.jm_pt, "Joliet M path table")?;
            self.put_padded(&mut sink, &self.path_table(Endian::Big, true))?;
        }

        // El Torito boot catalog (as a file: its MD5 is that of the block).
        let mut catalog_md5 = None;
        if let Some(at) = l.catalog {
            sink.expect(at, "El Torito boot catalog")?;
            let cat = self.catalog_bytes();
            if md5_on {
                catalog_md5 = Some(Md5Hasher::digest(&cat).into());
            }
            sink.put(&cat)?;
        }

        // File data.
        let empty: Md5 = Md5Hasher::digest([]).into();
        let mut file_md5: Vec<Md5> = self
            .md5_order
            .iter()
            .map(|c| self.tree.imported_md5.get(c).copied().unwrap_or(empty))
            .collect();
        if let (Some(md5), Some(c)) = (
            catalog_md5,
            self.boot.as_ref().and_then(|b| b.catalog_content),
        ) {
            let idx = self.contents[c as usize].md5_index;
            if idx != 0 {
                file_md5[idx as usize - 1] = md5;
            }
        }
        sink.expect(l.data_start, "file data")?;
        for &c in &self.data_order {
            sink.expect(self.contents[c as usize].lba, "file content")?;
            let digest = self.put_content(&mut sink, c)?;
            let idx = self.contents[c as usize].md5_index;
            if idx != 0 {
                file_md5[idx as usize - 1] = digest;
            }
        }

        // Checksum array and session tag.
        if let (Some(array), Some(tag)) = (l.array, l.session_tag) {
            sink.expect(array, "checksum array")?;
            let session = sink.snapshot()?;
            sink.put(&md5tag::encode_array(&session, &file_md5))?;
            sink.expect(tag, "session tag")?;
            let md5 = sink.snapshot()?;
            sink.put(&Tag::new(TagKind::Session, tag, l.start, 0, md5).to_block())?;
        }

        // isohybrid tail: cylinder padding, then the backup GPT in the
        // last sectors.
        sink.expect(l.tail, "isohybrid tail")?;
        let backup = self.hybrid.as_ref().and_then(|h| h.gpt_backup.as_deref());
        let tail_bytes = u64::from(l.end - l.tail) * BLOCK as u64;
        let backup_len = backup.map_or(0, |b| b.len() as u64);
        sink.zeros(tail_bytes.checked_sub(backup_len).ok_or_else(|| {
            Error::Internal("the backup GPT is larger than the image tail".into())
        })?)?;
        if let Some(b) = backup {
            sink.put(b)?;
        }
        sink.expect(l.end, "end of session")?;
        let md5 = if md5_on { Some(sink.snapshot()?) } else { None };
        sink.flush()?;
        sink.out.flush().map_err(Error::Output)?;
        Ok(EmitReport {
            start_lba: l.start,
            blocks: self.total_blocks(),
            md5,
            files_written: self.data_order.len() as u32,
        })
    }

    fn put_padded<W: Write>(&self, sink: &mut Sink<'_, W>, bytes: &[u8]) -> Result<(), Error> {
        sink.put(bytes)?;
        sink.pad_block()
    }

    /// PVD, Joliet SVD and terminator with Volume Space Size `vss`.
    fn put_descriptors<W: Write>(&self, sink: &mut Sink<'_, W>, vss: u32) -> Result<(), Error> {
        sink.put(&self.volume_descriptor(false, vss).encode())?;
        if let Some(cat) = self.layout.catalog {
            sink.put(&crate::spec::eltorito::boot_record(cat))?;
        }
        if self.opts.joliet {
            sink.put(&self.volume_descriptor(true, vss).encode())?;
        }
        sink.put(&ecma119::terminator())
    }

    /// Write one content padded to whole blocks; returns its MD5.
    fn put_content<W: Write>(&self, sink: &mut Sink<'_, W>, c: u32) -> Result<Md5, Error> {
        let content = &self.tree.contents[c as usize];
        let mut h = Md5Hasher::new();
        let hash = self.opts.md5;
        if self.is_patched_boot_file(c) {
            // El Torito boot info table: the whole file is read first (the
            // checksum covers it), patched, then written and hashed as
            // written.
            let bytes = self.patched_boot_file(c)?;
            sink.put(&bytes)?;
            sink.pad_block()?;
            return Ok(if hash {
                Md5Hasher::digest(&bytes).into()
            } else {
                Md5::default()
            });
        }
        match content.src {
            ContentSrc::Memory(i) => {
                let bytes = &self.tree.memory[i as usize];
                if hash {
                    h.update(bytes);
                }
                sink.put(bytes)?;
            }
            ContentSrc::Node(_) | ContentSrc::Path(_) => {
                let path = self
                    .tree
                    .content_path(c)
                    .ok_or_else(|| Error::Internal(format!("content {c} has no source path")))?;
                let size = content.size;
                // Not following symlinks: the plan recorded a regular file.
                let opened = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
                    .open(&path);
                let mut f = match opened {
                    Ok(f) => f,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        return Err(Error::InputChanged {
                            path,
                            change: ChangeKind::Vanished,
                        });
                    }
                    Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => {
                        return Err(Error::InputChanged {
                            path,
                            change: ChangeKind::NotAFile,
                        });
                    }
                    Err(e) => return Err(Error::Source { path, source: e }),
                };
                let is_file = f.metadata().map(|m| m.is_file()).unwrap_or(false);
                if !is_file {
                    return Err(Error::InputChanged {
                        path,
                        change: ChangeKind::NotAFile,
                    });
                }
                let mut remaining = size;
                while remaining > 0 {
                    let want = remaining.min(BUF as u64) as usize;
                    let buf = sink.spare(want)?;
                    let n = match f.read(buf) {
                        Ok(n) => n,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(Error::Source { path, source: e }),
                    };
                    if n == 0 {
                        return Err(Error::InputChanged {
                            path,
                            change: ChangeKind::Shrunk {
                                planned: size,
                                found: size - remaining,
                            },
                        });
                    }
                    if hash {
                        h.update(&buf[..n]);
                    }
                    sink.commit(n);
                    remaining -= n as u64;
                }
                let mut probe = [0u8; 1];
                loop {
                    match f.read(&mut probe) {
                        Ok(0) => break,
                        Ok(_) => {
                            return Err(Error::InputChanged {
                                path,
                                change: ChangeKind::Grew { planned: size },
                            });
                        }
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                        Err(e) => return Err(Error::Source { path, source: e }),
                    }
                }
            }
            ContentSrc::Imported { .. } => {
                return Err(Error::Internal(format!(
                    "imported content {c} in the data order"
                )));
            }
        }
        sink.pad_block()?;
        Ok(if hash {
            h.finalize().into()
        } else {
            Md5::default()
        })
    }

    /// The 64 KiB head of an emulated multisession medium or image file
    /// (`mmc-recipes.md` §8.2 step 6, `md5-tags.md` §6): the session's
    /// system area and volume descriptors with Volume Space Size = absolute
    /// end of this session, then — with MD5 on — a relocated superblock tag
    /// (type 4) in the block after the terminator covering head blocks 0 up
    /// to it with `session_start` = this session's start; zeros up to 64
    /// KiB. Write it to LBA 0 only after the session is safely on the
    /// medium.
    pub fn emulated_head(&self) -> Vec<u8> {
        let mut head = Vec::with_capacity(32 * BLOCK);
        let sa = self.system_area().unwrap_or(&[]);
        head.extend_from_slice(sa);
        head.resize(ecma119::SYSTEM_AREA_LEN, 0);
        let vss = self.layout.end;
        head.extend_from_slice(&self.volume_descriptor(false, vss).encode());
        if let Some(cat) = self.layout.catalog {
            head.extend_from_slice(&crate::spec::eltorito::boot_record(cat));
        }
        if self.opts.joliet {
            head.extend_from_slice(&self.volume_descriptor(true, vss).encode());
        }
        head.extend_from_slice(&ecma119::terminator());
        if self.opts.md5 {
            let pos = (head.len() / BLOCK) as u32;
            let md5: Md5 = Md5Hasher::digest(&head).into();
            let tag = Tag::new(TagKind::RelocatedSuperblock, pos, 0, self.layout.start, md5);
            head.extend_from_slice(&tag.to_block());
        }
        head.resize(32 * BLOCK, 0);
        head
    }
}

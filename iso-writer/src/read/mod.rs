//! The reader: volume descriptors, directory trees with Rock Ridge or
//! Joliet names, El Torito boot catalogs, libisofs MD5 tags and checksum
//! arrays — from any [`BlockRead`] source, never trusting the bytes.
//!
//! ```no_run
//! use iso_writer::read::{Image, newest_session};
//! let mut f = std::fs::File::open("x.iso")?;
//! let start = newest_session(&mut f)?;
//! let mut img = Image::open(f, start)?;
//! let root = img.root().clone();
//! for e in img.read_dir(&root)? {
//!     println!("{} {:?} {}", e.name, e.kind, e.size);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every length read from the image is checked before it is used: forged
//! sizes hit a [`Limits`] cap, loops in continuation chains and directory
//! cycles are detected, and extents beyond the source's end are refused.

mod block;
mod bytes;
mod checksum;
mod eltorito;
mod error;
mod extract;
mod file;
#[doc(hidden)]
pub mod fuzzing;
mod pathtable;
mod record;
mod session;
mod susp;
mod volume;
mod walk;

use std::collections::HashSet;

pub use block::BlockRead;
pub use checksum::{
    ArrayValidity, ChainEnd, ChecksumInfo, FileCheck, FileOutcome, FileVerification, SessionCheck,
    TagCheck, TagKind, TagOutcome, TagReport, verify_head_tag, verify_medium_tags,
};
pub use eltorito::{BootCatalog, BootEntry, BootImageSize, Emulation, Platform};
pub use error::{Error, Result};
pub use extract::{ExtractOptions, ExtractReport, Skipped};
pub use file::FileReader;
pub use pathtable::PathTableRecord;
pub use session::{SessionInfo, newest_session, sessions};
pub use susp::{Attribute, ExtensionRef, Zisofs};
pub use volume::{DescriptorInfo, JolietInfo, RootLocation, VolumeInfo};
pub use walk::WalkEvent;

use crate::BLOCK;
use crate::model::{Extent, Kind, Metadata, Name, Timestamp, mode};
use crate::spec::aaip::{ATTR_CA, ATTR_CX, decode_cx};
use crate::spec::ecma119::{ID_PARENT, ID_SELF};
use crate::spec::rrip::tf_slot;
use block::read_block;
use record::{DirRecord, flag};

/// Caps on what a forged image could otherwise make the reader allocate or
/// loop over. The defaults are far above what real images need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest directory data length accepted, in bytes.
    pub max_dir_bytes: u32,
    /// SUSP `CE` continuation areas followed per directory record.
    pub max_continuation_areas: u32,
    /// Total bytes of continuation areas per directory record.
    pub max_continuation_bytes: u32,
    /// Deepest directory nesting a walk, lookup or extraction descends to.
    pub max_depth: u32,
    /// Directory entries visited per operation (walk, extract, verify) and
    /// entries collected by one `read_dir`.
    pub max_entries: u64,
    /// Entries of a libisofs checksum array loaded (16 bytes each).
    pub max_checksum_entries: u32,
    /// Blocks of an El Torito boot catalog read.
    pub max_catalog_blocks: u32,
    /// Bytes of a name (NM) or symlink target (SL) accepted.
    pub max_name_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_dir_bytes: 64 << 20,
            max_continuation_areas: 256,
            max_continuation_bytes: 1 << 20,
            max_depth: 1024,
            max_entries: 10_000_000,
            max_checksum_entries: 1 << 22,
            max_catalog_blocks: 16,
            max_name_bytes: 65_535,
        }
    }
}

/// Which directory tree and names to present.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameMode {
    /// Rock Ridge names and attributes if the ECMA-119 tree has them, else
    /// the Joliet tree, else plain ECMA-119 names.
    #[default]
    Auto,
    /// The Joliet tree if there is one (no POSIX attributes), else as `Auto`.
    PreferJoliet,
    /// The ECMA-119 tree with its own names; Rock Ridge entries ignored.
    Iso,
}

/// Options of [`Image::open_with`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    pub names: NameMode,
    pub limits: Limits,
    /// List associated files (ECMA-119 §6.5.4) instead of skipping them.
    pub show_associated: bool,
}

/// Which tree an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Tree {
    /// The ECMA-119 tree, with Rock Ridge when present.
    Primary,
    /// The ECMA-119 tree with Rock Ridge ignored.
    PrimaryPlain,
    /// The Joliet tree.
    Joliet,
}

/// Rock Ridge as announced on the root directory's `.` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RockRidgeInfo {
    /// `SP` bytes to skip at the start of every other System Use area (SUSP 1.12 §5.3).
    pub skip: u8,
    /// `ER` extension references, e.g. `RRIP_1991A`, `IEEE_P1282`, `AAIP_0200`.
    pub extensions: Vec<ExtensionRef>,
    /// AAIP attributes were found on the root (`AL`).
    pub aaip: bool,
}

/// One directory entry, with everything a new session needs to carry it
/// over unchanged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The presented name: Rock Ridge `NM`, Joliet, or the ECMA-119 name
    /// without its `;1` version.
    pub name: Name,
    /// The raw ECMA-119 (or Joliet UCS-2) file identifier.
    pub iso_name: Name,
    pub kind: Kind,
    /// POSIX attributes; synthesized (dirs 0555, files 0444, owner 0, times
    /// from the record date) when the record has no Rock Ridge.
    pub metadata: Metadata,
    /// Bytes of data (sum over all extents).
    pub size: u64,
    /// Where the data lies; several for multi-extent files (ECMA-119 §6.5.1).
    pub extents: Vec<Extent>,
    /// Rock Ridge `SL` target.
    pub symlink_target: Option<Name>,
    /// Index of the file's MD5 in the session's checksum array (`isofs.cx`,
    /// libisofs checksum format).
    pub md5_index: Option<u32>,
    /// All AAIP attributes (`isofs.*`, `user.*`, ACLs as an empty name).
    pub attributes: Vec<Attribute>,
    /// ECMA-119 "existence" flag: hidden from the user.
    pub hidden: bool,
    /// ECMA-119 associated file.
    pub associated: bool,
    /// The record carried Rock Ridge entries.
    pub rock_ridge: bool,
    /// A directory reached through a Rock Ridge `CL` link (RRIP 1.12 §4.1.5).
    pub relocated: bool,
    /// Interleaved file (file unit size, interleave gap) — data not readable.
    pub interleave: Option<(u8, u8)>,
    /// zisofs compression (`ZF`): the stored bytes are compressed.
    pub zisofs: Option<Zisofs>,
    /// ECMA-119 recording date of the record.
    pub recorded: Option<Timestamp>,
    /// Block and byte offset of the directory record describing this entry.
    pub record_lba: u32,
    pub record_offset: u16,
    pub tree: Tree,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// LBA of the first extent, if any.
    pub fn lba(&self) -> Option<u32> {
        self.extents.first().map(|e| e.lba)
    }

    /// Device number (major, minor) of a device file.
    pub fn device(&self) -> Option<(u32, u32)> {
        self.metadata.rdev
    }
}

/// An ISO 9660 session opened for reading.
#[derive(Debug)]
pub struct Image<R: BlockRead> {
    src: R,
    info: VolumeInfo,
    opts: OpenOptions,
    rock_ridge: Option<RockRidgeInfo>,
    root: Entry,
    /// Root of the ECMA-119 tree (with Rock Ridge when present).
    primary: Entry,
    /// Root of the Joliet tree, if any.
    joliet: Option<Entry>,
    checksums: Option<ChecksumInfo>,
}

impl<R: BlockRead> Image<R> {
    /// Opens the session whose system area starts at `session_start`
    /// (volume descriptors at `session_start + 16`).
    pub fn open(src: R, session_start: u32) -> Result<Image<R>> {
        Image::open_with(src, session_start, OpenOptions::default())
    }

    /// Opens with explicit options.
    pub fn open_with(mut src: R, session_start: u32, opts: OpenOptions) -> Result<Image<R>> {
        let info = volume::read_descriptors(&mut src, session_start)?;

        // The root's `.` record carries SUSP `SP`, `ER`, `AL` (isofs.ca).
        let (root_rec, root_su) = root_self_record(&mut src, info.root.lba)?;
        let mut rock_ridge = None;
        let mut root_susp = susp::Susp::default();
        if root_su.starts_with(b"SP") {
            root_susp = susp::parse(&mut src, info.root.lba, &root_su, &opts.limits)?;
            if let Some(skip) = root_susp.sp {
                rock_ridge = Some(RockRidgeInfo {
                    skip,
                    extensions: root_susp.er.clone(),
                    aaip: !root_susp.attrs.is_empty(),
                });
            }
        }

        let mut img = Image {
            src,
            rock_ridge,
            opts,
            root: Entry::placeholder(),
            primary: Entry::placeholder(),
            joliet: None,
            checksums: None,
            info,
        };

        img.primary = if img.rock_ridge.is_some() {
            img.make_root(&root_rec, &root_susp, Tree::Primary)?
        } else {
            img.make_root(&root_rec, &susp::Susp::default(), Tree::PrimaryPlain)?
        };
        if img.info.joliet.is_some() {
            match img.load_joliet_root() {
                Ok(j) => img.joliet = Some(j),
                Err(e) if img.opts.names == NameMode::PreferJoliet || img.rock_ridge.is_none() => {
                    return Err(e);
                }
                Err(e) => log::warn!("Joliet tree ignored: {e}"),
            }
        }
        img.root = match (img.opts.names, img.rock_ridge.is_some(), &img.joliet) {
            (NameMode::Iso, _, _) => {
                img.make_root(&root_rec, &susp::Susp::default(), Tree::PrimaryPlain)?
            }
            (NameMode::PreferJoliet, _, Some(j)) | (NameMode::Auto, false, Some(j)) => j.clone(),
            _ => img.primary.clone(),
        };

        if let Some(ca) = root_susp.attr(ATTR_CA) {
            img.checksums = Some(checksum::load(
                &mut img.src,
                ca,
                img.info.root.lba,
                &img.opts.limits,
            ));
        }
        Ok(img)
    }

    fn load_joliet_root(&mut self) -> Result<Entry> {
        let j = self
            .info
            .joliet
            .as_ref()
            .ok_or(Error::Missing("no Joliet tree"))?;
        let lba = j.root.lba;
        let (rec, _) = root_self_record(&mut self.src, lba)?;
        self.make_root(&rec, &susp::Susp::default(), Tree::Joliet)
    }

    fn make_root(&self, rec: &OwnedRecord, s: &susp::Susp, tree: Tree) -> Result<Entry> {
        let mut e = build_entry(rec, s, tree, true)?;
        e.name = Name(Vec::new());
        e.kind = Kind::Dir;
        e.metadata.mode = (e.metadata.mode & !mode::S_IFMT) | mode::S_IFDIR;
        Ok(e)
    }

    /// The volume descriptors' contents.
    pub fn volume(&self) -> &VolumeInfo {
        &self.info
    }

    /// Rock Ridge as announced by the root (`SP`, `ER`), if present.
    pub fn rock_ridge(&self) -> Option<&RockRidgeInfo> {
        self.rock_ridge.as_ref()
    }

    /// The root directory of the presented tree.
    pub fn root(&self) -> &Entry {
        &self.root
    }

    /// The session start this image was opened at.
    pub fn session_start(&self) -> u32 {
        self.info.session_start
    }

    pub fn options(&self) -> &OpenOptions {
        &self.opts
    }

    /// The block source.
    pub fn source_mut(&mut self) -> &mut R {
        &mut self.src
    }

    pub fn into_inner(self) -> R {
        self.src
    }

    /// Iterates a directory incrementally, one block at a time.
    pub fn dir_iter(&mut self, dir: &Entry) -> Result<DirIter<'_, R>> {
        DirIter::new(self, dir)
    }

    /// All entries of a directory (without `.` and `..`), in recorded order.
    pub fn read_dir(&mut self, dir: &Entry) -> Result<Vec<Entry>> {
        let max = self.opts.limits.max_entries;
        let lba = dir.lba().unwrap_or(0);
        let mut out = Vec::new();
        for e in self.dir_iter(dir)? {
            if out.len() as u64 >= max {
                return Err(Error::limit(lba, "entries in one directory", max));
            }
            out.push(e?);
        }
        Ok(out)
    }

    /// Finds the entry at `path` (`/`-separated, relative to the root;
    /// symlinks are not followed, `..` goes up).
    pub fn lookup(&mut self, path: impl AsRef<[u8]>) -> Result<Entry> {
        let path = path.as_ref();
        let shown = || String::from_utf8_lossy(path).into_owned();
        let mut stack: Vec<Entry> = vec![self.root.clone()];
        for comp in path.split(|&c| c == b'/') {
            match comp {
                b"" | b"." => continue,
                b".." => {
                    if stack.len() > 1 {
                        stack.pop();
                    }
                    continue;
                }
                _ => {}
            }
            if stack.len() as u64 > u64::from(self.opts.limits.max_depth) {
                return Err(Error::limit(
                    0,
                    "path depth",
                    self.opts.limits.max_depth.into(),
                ));
            }
            let Some(cur) = stack.last() else {
                return Err(Error::NotFound(shown()));
            };
            if !cur.is_dir() {
                return Err(Error::NotADirectory(shown()));
            }
            let cur = cur.clone();
            let mut found = None;
            for e in self.dir_iter(&cur)? {
                let e = e?;
                if e.name.as_bytes() == comp {
                    found = Some(e);
                    break;
                }
            }
            stack.push(found.ok_or_else(|| Error::NotFound(shown()))?);
        }
        stack.pop().ok_or_else(|| Error::NotFound(shown()))
    }

    /// Same as [`lookup`](Self::lookup).
    pub fn stat(&mut self, path: impl AsRef<[u8]>) -> Result<Entry> {
        self.lookup(path)
    }

    /// A reader of the file's data across all its extents.
    pub fn open_file(&mut self, entry: &Entry) -> Result<FileReader<'_, R>> {
        FileReader::new(self, entry)
    }

    /// Reads a whole file into memory (refusing sizes above `max`).
    pub fn read_file(&mut self, entry: &Entry, max: u64) -> Result<Vec<u8>> {
        use std::io::Read;
        if entry.size > max {
            return Err(Error::limit(
                entry.lba().unwrap_or(0),
                "file size for read_file",
                max,
            ));
        }
        // Opening checks the extents against the source before allocating.
        let mut r = self.open_file(entry)?;
        let mut v = Vec::with_capacity(entry.size as usize);
        r.read_to_end(&mut v)
            .map_err(|e| file::unwrap_io(e, entry))?;
        Ok(v)
    }

    /// The checksum array and `isofs.ca` of this session, if recorded.
    pub fn md5_info(&self) -> Option<&ChecksumInfo> {
        self.checksums.as_ref()
    }

    /// The root of the Rock Ridge tree (where `isofs.cx` lives), whichever
    /// tree is presented.
    pub(crate) fn rr_root(&self) -> Option<&Entry> {
        (self.primary.tree == Tree::Primary).then_some(&self.primary)
    }

    /// Root of the ECMA-119 tree (with Rock Ridge when present), whichever
    /// tree is presented by [`root`](Self::root).
    pub fn primary_root(&self) -> &Entry {
        &self.primary
    }

    /// Root of the Joliet tree, if the session has one.
    pub fn joliet_root(&self) -> Option<&Entry> {
        self.joliet.as_ref()
    }
}

/// A directory record copied out of its block, with its System Use area
/// after the `SP` skip.
#[derive(Clone, Debug)]
pub(crate) struct OwnedRecord {
    pub lba: u32,
    pub offset: u16,
    pub xar_len: u8,
    pub extent: u32,
    pub data_len: u32,
    pub recorded: Option<Timestamp>,
    pub flags: u8,
    pub unit_size: u8,
    pub gap: u8,
    pub ident: Vec<u8>,
}

impl OwnedRecord {
    fn from(r: &DirRecord<'_>, lba: u32, offset: usize) -> OwnedRecord {
        OwnedRecord {
            lba,
            offset: offset as u16,
            xar_len: r.ext_attr_len,
            extent: r.extent,
            data_len: r.data_len,
            recorded: r.date.to_timestamp(),
            flags: r.flags,
            unit_size: r.file_unit_size,
            gap: r.interleave_gap,
            ident: r.name.to_vec(),
        }
    }

    fn data_lba(&self) -> Result<u32> {
        self.extent
            .checked_add(u32::from(self.xar_len))
            .ok_or_else(|| {
                Error::corrupt(self.lba, "directory record", "extent location overflows")
            })
    }
}

/// Reads the `.` record at the start of the directory at `lba`.
fn root_self_record<R: BlockRead + ?Sized>(
    src: &mut R,
    lba: u32,
) -> Result<(OwnedRecord, Vec<u8>)> {
    let b = read_block(src, lba)?;
    let rec = record::parse(&b[..], lba)?
        .ok_or_else(|| Error::corrupt(lba, "directory", "no `.` record at the start"))?;
    if rec.name != ID_SELF || !rec.is_dir() {
        return Err(Error::corrupt(
            lba,
            "directory",
            "first record is not the `.` directory record",
        ));
    }
    Ok((OwnedRecord::from(&rec, lba, 0), rec.system_use.to_vec()))
}

impl Entry {
    fn placeholder() -> Entry {
        Entry {
            name: Name::default(),
            iso_name: Name::default(),
            kind: Kind::Dir,
            metadata: synth_metadata(Kind::Dir, None),
            size: 0,
            extents: Vec::new(),
            symlink_target: None,
            md5_index: None,
            attributes: Vec::new(),
            hidden: false,
            associated: false,
            rock_ridge: false,
            relocated: false,
            interleave: None,
            zisofs: None,
            recorded: None,
            record_lba: 0,
            record_offset: 0,
            tree: Tree::Primary,
        }
    }
}

/// Attributes of a record without Rock Ridge, as libisofs presents them:
/// directories r-xr-xr-x, files r--r--r--, owner 0, times from the record.
fn synth_metadata(kind: Kind, t: Option<Timestamp>) -> Metadata {
    let perm = if kind == Kind::Dir { 0o555 } else { 0o444 };
    Metadata::new(kind.mode_bits() | perm, t.unwrap_or_default())
}

/// libisofs checksum format: `isofs.cx` is the index as 1–4 big-endian
/// bytes; 0 is no index.
fn parse_cx(v: &[u8]) -> Option<u32> {
    decode_cx(v).ok().filter(|&i| i >= 1)
}

/// Builds an entry from a record and its SUSP data (without relocation).
fn build_entry(rec: &OwnedRecord, s: &susp::Susp, tree: Tree, is_self: bool) -> Result<Entry> {
    let is_dir_flag = rec.flags & flag::DIRECTORY != 0;
    let data_lba = rec.data_lba()?;
    let rr = tree == Tree::Primary && (s.rrip || s.px.is_some());

    let iso_kind = if is_dir_flag { Kind::Dir } else { Kind::File };
    let kind = match (rr, s.px.and_then(|p| Kind::from_mode(p.mode))) {
        (true, Some(k)) if is_dir_flag => {
            if k != Kind::Dir {
                log::debug!("record at {}: PX type {k:?} on a directory record", rec.lba);
            }
            Kind::Dir
        }
        (true, Some(Kind::Dir)) => Kind::File,
        (true, Some(k)) => k,
        _ => iso_kind,
    };

    let mut metadata = synth_metadata(kind, rec.recorded);
    if rr {
        if let Some(px) = s.px {
            metadata.mode = (px.mode & !mode::S_IFMT) | kind.mode_bits();
            metadata.nlink = px.nlink;
            metadata.uid = px.uid;
            metadata.gid = px.gid;
            metadata.ino = px.serial.map_or(0, u64::from);
        }
        let tf = s.tf.map(|t| t.times).unwrap_or_default();
        if let Some(t) = tf[tf_slot::MODIFY] {
            metadata.mtime = t;
        }
        metadata.atime = tf[tf_slot::ACCESS].unwrap_or(metadata.mtime);
        metadata.ctime = tf[tf_slot::ATTRIBUTES].unwrap_or(metadata.mtime);
        if matches!(kind, Kind::CharDevice | Kind::BlockDevice)
            && let Some((hi, lo)) = s.pn
        {
            metadata.rdev = Some(crate::spec::rrip::pn_major_minor(hi, lo));
        }
    }

    let name = if is_self {
        Vec::new()
    } else if tree == Tree::Joliet {
        joliet_name(&rec.ident, is_dir_flag)
    } else if let (true, Some(n)) = (rr, &s.name) {
        n.clone()
    } else {
        record::iso_display_name(&rec.ident, is_dir_flag)
    };

    Ok(Entry {
        name: Name(name),
        iso_name: Name(rec.ident.clone()),
        kind,
        metadata,
        size: u64::from(rec.data_len),
        extents: vec![Extent {
            lba: data_lba,
            len: rec.data_len,
        }],
        symlink_target: if rr && kind == Kind::Symlink {
            s.symlink.clone().map(Name)
        } else {
            None
        },
        md5_index: if rr {
            s.attr(ATTR_CX).and_then(parse_cx)
        } else {
            None
        },
        attributes: if tree == Tree::Primary {
            s.attrs.clone()
        } else {
            Vec::new()
        },
        hidden: rec.flags & flag::HIDDEN != 0,
        associated: rec.flags & flag::ASSOCIATED != 0,
        rock_ridge: rr,
        relocated: false,
        interleave: (rec.unit_size != 0 || rec.gap != 0).then_some((rec.unit_size, rec.gap)),
        zisofs: if rr { s.zf } else { None },
        recorded: rec.recorded,
        record_lba: rec.lba,
        record_offset: rec.offset,
        tree,
    })
}

/// Joliet file identifiers are UCS-2 big-endian; the version `;1` is
/// removed like libisofs does.
fn joliet_name(ident: &[u8], is_dir: bool) -> Vec<u8> {
    let mut s = crate::spec::joliet::decode(ident);
    if !is_dir && let Some(p) = s.rfind(';') {
        s.truncate(p);
    }
    s.into_bytes()
}

/// Incremental iterator over a directory's entries, reading one block at a
/// time. Merges multi-extent records, skips `.`/`..`, Rock Ridge relocated
/// (`RE`) records and (by default) associated files, and resolves `CL`
/// links to the relocated directory.
#[derive(Debug)]
pub struct DirIter<'a, R: BlockRead> {
    img: &'a mut Image<R>,
    tree: Tree,
    lba: u32,
    len: u32,
    block: u32,
    blocks: u32,
    buf: Box<[u8; BLOCK]>,
    loaded: bool,
    offset: usize,
    pending: Option<Entry>,
    done: bool,
}

impl<'a, R: BlockRead> DirIter<'a, R> {
    fn new(img: &'a mut Image<R>, dir: &Entry) -> Result<DirIter<'a, R>> {
        if !dir.is_dir() {
            return Err(Error::NotADirectory(dir.name.to_string_lossy()));
        }
        let ext = *dir
            .extents
            .first()
            .ok_or_else(|| Error::corrupt(dir.record_lba, "directory", "no extent"))?;
        if ext.len > img.opts.limits.max_dir_bytes {
            return Err(Error::limit(
                ext.lba,
                "directory size",
                img.opts.limits.max_dir_bytes.into(),
            ));
        }
        let blocks = ext.len.div_ceil(BLOCK as u32);
        if ext.lba.checked_add(blocks).is_none() {
            return Err(Error::corrupt(
                dir.record_lba,
                "directory extent",
                "extends past LBA 2^32",
            ));
        }
        Ok(DirIter {
            img,
            tree: dir.tree,
            lba: ext.lba,
            len: ext.len,
            block: 0,
            blocks,
            buf: Box::new([0; BLOCK]),
            loaded: false,
            offset: 0,
            pending: None,
            done: false,
        })
    }

    /// The next raw record as an owned copy plus its System Use area.
    fn next_record(&mut self) -> Result<Option<(OwnedRecord, Vec<u8>)>> {
        loop {
            if self.block >= self.blocks {
                return Ok(None);
            }
            let lba = self.lba + self.block;
            if !self.loaded {
                block::read_at(&mut self.img.src, lba, &mut self.buf[..])?;
                self.loaded = true;
                self.offset = 0;
            }
            let pos_in_dir = u64::from(self.block) * BLOCK as u64 + self.offset as u64;
            if self.offset >= BLOCK
                || pos_in_dir >= u64::from(self.len)
                || self.buf[self.offset] == 0
            {
                // ECMA-119 §6.8.1.1: records do not cross block boundaries;
                // a zero length byte pads to the end of the block.
                self.block += 1;
                self.loaded = false;
                continue;
            }
            let Some(rec) = record::parse(&self.buf[self.offset..], lba)? else {
                self.block += 1;
                self.loaded = false;
                continue;
            };
            let owned = OwnedRecord::from(&rec, lba, self.offset);
            let su = rec.system_use;
            let len = usize::from(self.buf[self.offset]);
            let skip = match (self.tree, &self.img.rock_ridge) {
                (Tree::Primary, Some(rr)) => usize::from(rr.skip),
                _ => 0,
            };
            let su = su.get(skip..).unwrap_or(&[]).to_vec();
            self.offset += len;
            return Ok(Some((owned, su)));
        }
    }

    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            let Some((rec, su)) = self.next_record()? else {
                if let Some(p) = self.pending.take() {
                    return Err(Error::corrupt(
                        p.record_lba,
                        "multi-extent file",
                        format!("{} ends without a final extent record", p.name),
                    ));
                }
                return Ok(None);
            };
            if rec.ident == ID_SELF || rec.ident == ID_PARENT {
                continue;
            }
            let s = if self.tree == Tree::Primary && self.img.rock_ridge.is_some() {
                susp::parse(&mut self.img.src, rec.lba, &su, &self.img.opts.limits)?
            } else {
                susp::Susp::default()
            };
            if self.tree == Tree::Primary && s.re {
                continue;
            }
            let limits = &self.img.opts.limits;
            if s.name
                .as_ref()
                .is_some_and(|n| n.len() > limits.max_name_bytes)
                || s.symlink
                    .as_ref()
                    .is_some_and(|n| n.len() > limits.max_name_bytes)
            {
                return Err(Error::limit(
                    rec.lba,
                    "name or symlink length",
                    limits.max_name_bytes as u64,
                ));
            }

            // Multi-extent (ECMA-119 §6.5.1): records of one file follow each
            // other with the same identifier; all but the last carry bit 7.
            let more = rec.flags & flag::MULTI_EXTENT != 0;
            if let Some(mut p) = self.pending.take() {
                if p.iso_name.0 != rec.ident {
                    return Err(Error::corrupt(
                        rec.lba,
                        "multi-extent file",
                        format!(
                            "{} continued by a record named {:?}",
                            p.name,
                            String::from_utf8_lossy(&rec.ident)
                        ),
                    ));
                }
                p.extents.push(Extent {
                    lba: rec.data_lba()?,
                    len: rec.data_len,
                });
                p.size += u64::from(rec.data_len);
                if p.extents.len() > 1 << 16 {
                    return Err(Error::limit(rec.lba, "extents of one file", 1 << 16));
                }
                if more {
                    self.pending = Some(p);
                    continue;
                }
                return Ok(Some(p));
            }

            let mut e = build_entry(&rec, &s, self.tree, false)?;
            if e.associated && !self.img.opts.show_associated {
                continue;
            }
            if self.tree == Tree::Primary
                && let Some(child) = s.cl
            {
                self.relocate(&mut e, child, &s)?;
            }
            if more {
                if e.is_dir() {
                    return Err(Error::corrupt(
                        rec.lba,
                        "directory record",
                        "multi-extent directory",
                    ));
                }
                self.pending = Some(e);
                continue;
            }
            return Ok(Some(e));
        }
    }

    /// RRIP 1.12 §4.1.5.1: the record is a placeholder for the directory at
    /// `child`; present it as that directory under the placeholder's name.
    fn relocate(&mut self, e: &mut Entry, child: u32, placeholder: &susp::Susp) -> Result<()> {
        let (rec, su) = root_self_record(&mut self.img.src, child).map_err(|_| {
            Error::corrupt(
                e.record_lba,
                "RRIP CL",
                format!("child link to LBA {child} is not a directory"),
            )
        })?;
        let skip = self
            .img
            .rock_ridge
            .as_ref()
            .map_or(0, |r| usize::from(r.skip));
        let su = su.get(skip..).unwrap_or(&[]);
        let s = susp::parse(&mut self.img.src, child, su, &self.img.opts.limits)?;
        let mut d = build_entry(
            &rec,
            if s.px.is_some() { &s } else { placeholder },
            Tree::Primary,
            true,
        )?;
        d.kind = Kind::Dir;
        d.metadata.mode = (d.metadata.mode & !mode::S_IFMT) | mode::S_IFDIR;
        d.name = e.name.clone();
        d.iso_name = e.iso_name.clone();
        d.record_lba = e.record_lba;
        d.record_offset = e.record_offset;
        d.hidden = e.hidden;
        d.relocated = true;
        *e = d;
        Ok(())
    }
}

impl<R: BlockRead> Iterator for DirIter<'_, R> {
    type Item = Result<Entry>;

    fn next(&mut self) -> Option<Result<Entry>> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Guards a traversal against cycles, DAG blow-ups and runaway sizes.
#[derive(Debug)]
pub(crate) struct Guard {
    dirs: HashSet<u32>,
    entries: u64,
    max_entries: u64,
    max_depth: u32,
}

impl Guard {
    pub fn new(l: &Limits) -> Guard {
        Guard {
            dirs: HashSet::new(),
            entries: 0,
            max_entries: l.max_entries,
            max_depth: l.max_depth,
        }
    }

    /// A directory entered at `depth` (root = 0).
    pub fn enter(&mut self, dir: &Entry, depth: u32) -> Result<()> {
        let lba = dir.lba().unwrap_or(0);
        if depth > self.max_depth {
            return Err(Error::limit(lba, "directory depth", self.max_depth.into()));
        }
        if !self.dirs.insert(lba) {
            return Err(Error::corrupt(
                dir.record_lba,
                "directory tree",
                format!("directory at LBA {lba} is reached twice (cycle or shared directory)"),
            ));
        }
        Ok(())
    }

    pub fn count(&mut self, lba: u32) -> Result<()> {
        self.entries += 1;
        if self.entries > self.max_entries {
            return Err(Error::limit(lba, "entries visited", self.max_entries));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cx_values() {
        assert_eq!(parse_cx(&[0, 0, 0, 1]), Some(1));
        assert_eq!(parse_cx(&[2]), Some(2));
        assert_eq!(parse_cx(&[0]), None);
        assert_eq!(parse_cx(&[]), None);
        assert_eq!(parse_cx(&[0, 0, 0, 0, 1]), None);
    }

    #[test]
    fn joliet_names() {
        assert_eq!(joliet_name(&[0, b'a', 0, b';', 0, b'1'], false), b"a");
        assert_eq!(joliet_name(&[0, b'a', 0, b';', 0, b'1'], true), b"a;1");
    }
}

//! Planning: names, order, relocation, Rock Ridge entries and every LBA,
//! with no I/O (see [`Plan`]).

use std::collections::HashMap;

use super::Error;
use super::boot::{self, BootLayout};
use super::hybrid::{self, HybridArea, HybridInputs};
use super::names;
use super::options::{IsoLevel, Options, Relocation};
use super::records::{Al, DirPacker, Su};
use super::tree::{ContentSrc, NodeId, Tree};
use crate::BLOCK;
use crate::model::{Extent, Kind, Timestamp};
use crate::spec::aaip::ChecksumArea;
use crate::spec::ecma119::{
    self, DecDateTime, DirDate, Endian, PathTableRecord, VolumeDescriptor, file_flags, vd_type,
};
use crate::spec::joliet;
use crate::spec::md5tag;
use crate::spec::rrip::{Px, Tf};

pub(crate) const NONE: u32 = u32::MAX;
/// Marks an ISO directory entry that is the `CL` placeholder of a
/// relocated directory.
const PLACEHOLDER: u32 = 1 << 31;
/// Largest extent of a multi-extent file section: 4 GiB − 2 KiB (libisofs
/// `ISO_EXTENT_SIZE`), a whole number of blocks.
pub(crate) const MAX_SECTION: u64 = 0xFFFF_F800;
/// Deepest directory level ECMA-119 allows (§6.8.2.1); the root is 1.
const MAX_LEVEL: u32 = 8;

/// Node flags.
const RELOCATED: u8 = 1;
const RELOC_DIR: u8 = 2;

#[derive(Clone, Copy, Debug)]
pub(crate) struct PNode {
    iso_off: u32,
    jol_off: u32,
    iso_len: u8,
    jol_len: u8,
    flags: u8,
    /// ISO directory index (directories).
    pub(crate) dir: u32,
    /// Joliet directory index.
    jdir: u32,
    serial: u32,
}

impl Default for PNode {
    fn default() -> Self {
        PNode {
            iso_off: 0,
            jol_off: 0,
            iso_len: 0,
            jol_len: 0,
            flags: 0,
            dir: NONE,
            jdir: NONE,
            serial: 0,
        }
    }
}

/// An ISO 9660 directory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PDir {
    pub(crate) node: u32,
    /// Index of the parent in the ISO hierarchy.
    pub(crate) parent: u32,
    pub(crate) first: u32,
    pub(crate) count: u32,
    pub(crate) lba: u32,
    pub(crate) blocks: u32,
    pub(crate) ce_blocks: u32,
    nlink: u32,
}

/// A Joliet directory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JDir {
    pub(crate) node: u32,
    pub(crate) parent: u32,
    pub(crate) first: u32,
    pub(crate) count: u32,
    pub(crate) lba: u32,
    pub(crate) blocks: u32,
}

/// Per file content.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PContent {
    pub(crate) lba: u32,
    /// Index in the checksum array (0 = none).
    pub(crate) md5_index: u32,
    serial: u32,
    nlink: u32,
    seen: bool,
}

/// Block addresses of a session.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Layout {
    pub(crate) start: u32,
    pub(crate) pvd: u32,
    /// El Torito boot record volume descriptor (S+17).
    pub(crate) boot_record: Option<u32>,
    pub(crate) svd: Option<u32>,
    pub(crate) terminator: u32,
    pub(crate) sb_tag: Option<u32>,
    pub(crate) pt_size: u32,
    pub(crate) pt_blocks: u32,
    pub(crate) l_pt: u32,
    pub(crate) m_pt: u32,
    pub(crate) tree_tag: Option<u32>,
    pub(crate) zero: u32,
    pub(crate) jpt_size: u32,
    pub(crate) jpt_blocks: u32,
    pub(crate) jl_pt: u32,
    pub(crate) jm_pt: u32,
    /// El Torito boot catalog.
    pub(crate) catalog: Option<u32>,
    pub(crate) data_start: u32,
    pub(crate) array: Option<u32>,
    pub(crate) array_blocks: u32,
    pub(crate) session_tag: Option<u32>,
    /// First block of the isohybrid tail (cylinder padding, backup GPT);
    /// equal to `end` without one.
    pub(crate) tail: u32,
    /// First block after the session.
    pub(crate) end: u32,
}

/// A regular file of the plan.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PlannedFile {
    /// Rock Ridge path in the image.
    pub path: Vec<u8>,
    /// Size in bytes.
    pub size: u64,
    /// Extents in the image (absolute LBAs); several for multi-extent
    /// files; for an empty file, one zero-length extent at the zero block.
    pub extents: Vec<Extent>,
    /// Whether the data is written by this session (false: imported).
    pub written: bool,
    /// Index in the checksum array (`isofs.cx`), if the file has one.
    pub md5_index: Option<u32>,
}

/// A complete layout of one session, computed with no I/O; see [`super`]
/// for the block map.
///
/// # Order and numbering
///
/// * Directory records follow ECMA-119 §9.3; directories are numbered and
///   laid out breadth-first with sorted children, which is the path table
///   order of §9.4 (by level, then parent number, then identifier).
/// * File data follows the same walk: the first record of a file (in that
///   order) places its data; hard links and multi-extent sections share it.
/// * Rock Ridge `PX` serial numbers: the root is 1, then every directory,
///   file content, symlink and special file in the same walk order; hard
///   links share their content's number. `PX` link counts: the number of
///   records sharing the content for files, 2 + subdirectories for
///   directories, 1 otherwise.
/// * MD5 array indices: 1 … N in the same walk order over the file
///   contents that have (or will have) a checksum: every new content
///   (including empty files) and every imported one whose MD5 is known.
#[derive(Debug)]
pub struct Plan {
    pub(crate) tree: Tree,
    pub(crate) opts: Options,
    pub(crate) volume_time: Timestamp,
    pub(crate) pnodes: Vec<PNode>,
    iso_names: Vec<u8>,
    jol_names: Vec<u16>,
    /// ISO identifiers of `CL` placeholders: node → (offset, length).
    ph_names: HashMap<u32, (u32, u8)>,
    pub(crate) dirs: Vec<PDir>,
    pub(crate) iso_entries: Vec<u32>,
    pub(crate) jdirs: Vec<JDir>,
    pub(crate) jol_entries: Vec<u32>,
    pub(crate) contents: Vec<PContent>,
    /// Contents whose data this session writes, in LBA order.
    pub(crate) data_order: Vec<u32>,
    /// Contents with a checksum, in index order (index = position + 1).
    pub(crate) md5_order: Vec<u32>,
    pub(crate) layout: Layout,
    /// The relocation directory node, or the root when relocating into
    /// the root, or NONE.
    reloc_target: u32,
    /// El Torito catalog and images.
    pub(crate) boot: Option<BootLayout>,
    /// Generated isohybrid system area and backup GPT.
    pub(crate) hybrid: Option<HybridArea>,
}

/// The 16-bit Parent Directory Number of a path table record (1-based)
/// for the directory with index `parent`.
fn parent_number(parent: u32) -> u16 {
    u16::try_from(parent + 1).unwrap_or(u16::MAX)
}

/// Blocks for `bytes` bytes.
fn blocks_for(bytes: u64) -> u64 {
    bytes.div_ceil(BLOCK as u64)
}

/// A descriptor's text field: UCS-2 in the Joliet SVD (Joliet §3.1, as
/// xorriso writes them), ECMA-119 characters in the PVD.
fn id_text<const N: usize>(joliet: bool, s: &str) -> [u8; N] {
    if joliet {
        joliet::text_field(s)
    } else {
        pvd_text(s)
    }
}

/// A text field of the PVD: printable ASCII as given, other characters
/// `_`.
fn pvd_text<const N: usize>(s: &str) -> [u8; N] {
    let bytes: Vec<u8> = s
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                c as u8
            } else {
                b'_'
            }
        })
        .collect();
    ecma119::text_field(&bytes)
}

impl Plan {
    /// Plan `tree` with `opts`. Fails on options out of range, files too
    /// large for the level, more than 65535 directories, or an image over
    /// 2³² blocks.
    pub fn new(mut tree: Tree, opts: &Options) -> Result<Plan, Error> {
        if let Some(sa) = &opts.system_area
            && sa.len() > ecma119::SYSTEM_AREA_LEN
        {
            return Err(Error::SystemAreaTooLarge(sa.len()));
        }
        let volume_time = opts.volume_time.unwrap_or_else(|| {
            let d = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            Timestamp {
                secs: d.as_secs() as i64,
                nanos: d.subsec_nanos(),
            }
        });
        // El Torito: the catalog file and hidden images join the tree
        // before anything is numbered.
        let boot = match &opts.el_torito {
            Some(spec) => Some(boot::prepare(&mut tree, spec, volume_time)?),
            None => None,
        };

        // Phase A: which directories must move (ECMA-119 §6.8.2.1).
        let mut relocated: Vec<u32> = Vec::new();
        if opts.relocation != Relocation::Off {
            let target_level = match opts.relocation {
                Relocation::Root => 1,
                _ => 2,
            };
            let mut stack: Vec<(u32, u32)> = vec![(0, 1)];
            while let Some((d, level)) = stack.pop() {
                for c in tree.children(NodeId(d)) {
                    if tree.kind(c) != Kind::Dir {
                        continue;
                    }
                    if level + 1 > MAX_LEVEL {
                        relocated.push(c.0);
                        stack.push((c.0, target_level + 1));
                    } else {
                        stack.push((c.0, level + 1));
                    }
                }
            }
        }
        let reloc_target = if relocated.is_empty() {
            NONE
        } else {
            match &opts.relocation {
                Relocation::Dir(base) => {
                    let mut name = base.clone();
                    let mut k = 1;
                    while tree.child(tree.root(), &name).is_some() {
                        name = base.clone();
                        name.extend_from_slice(format!("_{k}").as_bytes());
                        k += 1;
                    }
                    tree.add_internal_dir(&name)
                }
                _ => 0,
            }
        };

        let mut plan = Plan {
            pnodes: vec![PNode::default(); tree.nodes.len()],
            contents: vec![PContent::default(); tree.contents.len()],
            tree,
            opts: opts.clone(),
            volume_time,
            iso_names: Vec::new(),
            jol_names: Vec::new(),
            ph_names: HashMap::new(),
            dirs: Vec::new(),
            iso_entries: Vec::new(),
            jdirs: Vec::new(),
            jol_entries: Vec::new(),
            data_order: Vec::new(),
            md5_order: Vec::new(),
            layout: Layout::default(),
            reloc_target,
            boot,
            hybrid: None,
        };
        for &r in &relocated {
            plan.pnodes[r as usize].flags |= RELOCATED;
        }
        if reloc_target != NONE && reloc_target != 0 {
            plan.pnodes[reloc_target as usize].flags |= RELOC_DIR;
        }
        // Deterministic order of the relocated directories (by path).
        relocated.sort_by_cached_key(|&r| plan.tree.path(NodeId(r)));
        plan.build_iso(&relocated)?;
        if opts.joliet {
            plan.build_joliet()?;
        }
        plan.walk_contents()?;
        plan.order_boot_data();
        plan.size_and_place()?;
        plan.build_system_area()?;
        Ok(plan)
    }

    /// Entries of one directory in collision-resolution order: by Rock
    /// Ridge name, ties (possible among relocated directories) by path.
    fn naming_order(&self, entries: &mut [u32]) {
        let tree = &self.tree;
        entries.sort_by(|&a, &b| {
            let (na, nb) = (a & !PLACEHOLDER, b & !PLACEHOLDER);
            tree.name_of(na)
                .cmp(tree.name_of(nb))
                .then_with(|| tree.path(NodeId(na)).cmp(&tree.path(NodeId(nb))))
        });
    }

    pub(crate) fn iso_name(&self, entry: u32) -> &[u8] {
        if entry & PLACEHOLDER != 0 {
            let (off, len) = self.ph_names[&(entry & !PLACEHOLDER)];
            &self.iso_names[off as usize..off as usize + len as usize]
        } else {
            let p = &self.pnodes[entry as usize];
            &self.iso_names[p.iso_off as usize..p.iso_off as usize + p.iso_len as usize]
        }
    }

    pub(crate) fn jol_name(&self, node: u32) -> &[u16] {
        let p = &self.pnodes[node as usize];
        &self.jol_names[p.jol_off as usize..p.jol_off as usize + p.jol_len as usize]
    }

    /// Phase B: the ISO 9660 hierarchy, breadth-first.
    fn build_iso(&mut self, relocated: &[u32]) -> Result<(), Error> {
        self.build_iso_dirs(relocated);
        if self.dirs.len() > usize::from(u16::MAX) {
            log::warn!(
                "{} directories: path table parent numbers above 65535 are recorded as 65535",
                self.dirs.len()
            );
        }
        Ok(())
    }

    fn build_iso_dirs(&mut self, relocated: &[u32]) {
        self.dirs.push(PDir {
            node: 0,
            parent: 0,
            first: 0,
            count: 0,
            lba: 0,
            blocks: 0,
            ce_blocks: 0,
            nlink: 2,
        });
        self.pnodes[0].dir = 0;
        let level = self.opts.level;
        let mut i = 0;
        let mut entries: Vec<u32> = Vec::new();
        while i < self.dirs.len() {
            let d = self.dirs[i].node;
            entries.clear();
            for c in self.tree.children(NodeId(d)) {
                if self.pnodes[c.0 as usize].flags & RELOCATED != 0 {
                    entries.push(c.0 | PLACEHOLDER);
                } else {
                    entries.push(c.0);
                }
            }
            if d == self.reloc_target {
                entries.extend_from_slice(relocated);
            }
            self.naming_order(&mut entries);
            let spec: Vec<(bool, &[u8])> = entries
                .iter()
                .map(|&e| {
                    let n = e & !PLACEHOLDER;
                    (
                        e & PLACEHOLDER == 0 && self.tree.nodes[n as usize].kind == Kind::Dir,
                        self.tree.name_of(n),
                    )
                })
                .collect();
            let ids = names::assign_iso_ids(&spec, level);
            for (&e, id) in entries.iter().zip(&ids) {
                let off = self.iso_names.len() as u32;
                self.iso_names.extend_from_slice(id);
                let n = e & !PLACEHOLDER;
                if e & PLACEHOLDER != 0 {
                    self.ph_names.insert(n, (off, id.len() as u8));
                } else {
                    let p = &mut self.pnodes[n as usize];
                    p.iso_off = off;
                    p.iso_len = id.len() as u8;
                }
            }
            {
                let names = &self.iso_names;
                let pn = &self.pnodes;
                let ph = &self.ph_names;
                let name = |e: u32| -> &[u8] {
                    if e & PLACEHOLDER != 0 {
                        let (off, len) = ph[&(e & !PLACEHOLDER)];
                        &names[off as usize..off as usize + len as usize]
                    } else {
                        let p = &pn[e as usize];
                        &names[p.iso_off as usize..p.iso_off as usize + p.iso_len as usize]
                    }
                };
                entries.sort_by(|&a, &b| ecma119::cmp_file_ids(name(a), name(b)));
            }
            let first = self.iso_entries.len() as u32;
            self.iso_entries.extend_from_slice(&entries);
            let mut subdirs = 0;
            for &e in &entries {
                let n = e & !PLACEHOLDER;
                if self.tree.nodes[n as usize].kind != Kind::Dir {
                    continue;
                }
                // The relocation directory is hidden from Rock Ridge readers.
                if self.pnodes[n as usize].flags & RELOC_DIR == 0 {
                    subdirs += 1;
                }
                if e & PLACEHOLDER != 0 {
                    continue;
                }
                self.pnodes[n as usize].dir = self.dirs.len() as u32;
                self.dirs.push(PDir {
                    node: n,
                    parent: i as u32,
                    first: 0,
                    count: 0,
                    lba: 0,
                    blocks: 0,
                    ce_blocks: 0,
                    nlink: 2,
                });
            }
            let dir = &mut self.dirs[i];
            dir.first = first;
            dir.count = entries.len() as u32;
            // Relocated directories count in their real parent (through
            // the placeholder), not where they are recorded.
            let moved = if d == self.reloc_target {
                relocated.len() as u32
            } else {
                0
            };
            dir.nlink = 2 + subdirs - moved;
            i += 1;
        }
    }

    /// The Joliet hierarchy: all directories and regular files in place
    /// (no relocation, no relocation directory); symlinks and special
    /// files have no Joliet form and are left out, as libisofs does.
    fn build_joliet(&mut self) -> Result<(), Error> {
        self.jdirs.push(JDir {
            node: 0,
            parent: 0,
            first: 0,
            count: 0,
            lba: 0,
            blocks: 0,
        });
        self.pnodes[0].jdir = 0;
        let mut i = 0;
        let mut entries: Vec<u32> = Vec::new();
        while i < self.jdirs.len() {
            let d = self.jdirs[i].node;
            entries.clear();
            for c in self.tree.children(NodeId(d)) {
                let k = self.tree.nodes[c.0 as usize].kind;
                if (k == Kind::Dir || k == Kind::File)
                    && self.pnodes[c.0 as usize].flags & RELOC_DIR == 0
                {
                    entries.push(c.0);
                }
            }
            self.naming_order(&mut entries);
            let spec: Vec<(bool, &[u8])> = entries
                .iter()
                .map(|&n| {
                    (
                        self.tree.nodes[n as usize].kind == Kind::Dir,
                        self.tree.name_of(n),
                    )
                })
                .collect();
            let ids = names::assign_joliet_ids(&spec);
            for (&n, id) in entries.iter().zip(&ids) {
                let p = &mut self.pnodes[n as usize];
                p.jol_off = self.jol_names.len() as u32;
                p.jol_len = id.len() as u8;
                self.jol_names.extend_from_slice(id);
            }
            {
                let names = &self.jol_names;
                let pn = &self.pnodes;
                let name = |n: u32| -> &[u16] {
                    let p = &pn[n as usize];
                    &names[p.jol_off as usize..p.jol_off as usize + p.jol_len as usize]
                };
                entries.sort_by(|&a, &b| joliet::cmp_ids(name(a), name(b)));
            }
            let first = self.jol_entries.len() as u32;
            self.jol_entries.extend_from_slice(&entries);
            for &n in &entries {
                if self.tree.nodes[n as usize].kind == Kind::Dir {
                    self.pnodes[n as usize].jdir = self.jdirs.len() as u32;
                    self.jdirs.push(JDir {
                        node: n,
                        parent: i as u32,
                        first: 0,
                        count: 0,
                        lba: 0,
                        blocks: 0,
                    });
                }
            }
            self.jdirs[i].first = first;
            self.jdirs[i].count = entries.len() as u32;
            i += 1;
        }
        Ok(())
    }

    /// Serial numbers, link counts, data order and checksum indices.
    fn walk_contents(&mut self) -> Result<(), Error> {
        let mut serial = 1u32;
        self.pnodes[0].serial = serial;
        let level = self.opts.level;
        for i in 0..self.dirs.len() {
            let d = self.dirs[i];
            for k in d.first..d.first + d.count {
                let e = self.iso_entries[k as usize];
                if e & PLACEHOLDER != 0 {
                    continue;
                }
                let node = &self.tree.nodes[e as usize];
                if node.kind == Kind::File {
                    let c = node.payload as usize;
                    let pc = &mut self.contents[c];
                    pc.nlink += 1;
                    if pc.seen {
                        self.pnodes[e as usize].serial = pc.serial;
                        continue;
                    }
                    serial += 1;
                    pc.seen = true;
                    pc.serial = serial;
                    self.pnodes[e as usize].serial = serial;
                    let content = &self.tree.contents[c];
                    let imported = matches!(content.src, ContentSrc::Imported { .. });
                    if !imported {
                        let limit = if level == IsoLevel::L3 {
                            u64::MAX
                        } else {
                            u64::from(u32::MAX)
                        };
                        if content.size > limit {
                            return Err(Error::FileTooLarge {
                                path: String::from_utf8_lossy(&self.tree.path(NodeId(e)))
                                    .into_owned(),
                                size: content.size,
                                level: level.number(),
                            });
                        }
                        if content.size > 0 {
                            self.data_order.push(c as u32);
                        }
                    }
                    if self.opts.md5
                        && (!imported || self.tree.imported_md5.contains_key(&(c as u32)))
                    {
                        self.md5_order.push(c as u32);
                        self.contents[c].md5_index = self.md5_order.len() as u32;
                    }
                } else {
                    serial += 1;
                    self.pnodes[e as usize].serial = serial;
                }
            }
        }
        Ok(())
    }

    /// The extents of a content in this plan.
    pub(crate) fn content_extents(&self, c: u32) -> Vec<Extent> {
        let content = &self.tree.contents[c as usize];
        match content.src {
            ContentSrc::Imported { first, count } => {
                let v = self.tree.extents[first as usize..(first + count) as usize].to_vec();
                if v.is_empty() {
                    vec![Extent {
                        lba: self.layout.zero,
                        len: 0,
                    }]
                } else {
                    v
                }
            }
            _ => {
                if content.size == 0 {
                    return vec![Extent {
                        lba: self.layout.zero,
                        len: 0,
                    }];
                }
                let lba = self.contents[c as usize].lba;
                let split = self.opts.level == IsoLevel::L3 && content.size > MAX_SECTION;
                if !split {
                    return vec![Extent {
                        lba,
                        len: content.size as u32,
                    }];
                }
                let mut v = Vec::new();
                let mut off = 0u64;
                while off < content.size {
                    let len = (content.size - off).min(MAX_SECTION);
                    v.push(Extent {
                        lba: lba + (off / BLOCK as u64) as u32,
                        len: len as u32,
                    });
                    off += len;
                }
                v
            }
        }
    }

    /// Recorded (mtime, atime, ctime) of a node.
    fn times(&self, n: u32) -> (Timestamp, Timestamp, Timestamp) {
        let node = &self.tree.nodes[n as usize];
        let (m, a, c) = self.opts.file_times(node.mtime, node.atime, node.ctime);
        (
            Timestamp::from_secs(m),
            Timestamp::from_secs(a),
            Timestamp::from_secs(c),
        )
    }

    fn date(&self, n: u32) -> DirDate {
        DirDate::from_timestamp(self.times(n).0)
    }

    fn px(&self, n: u32) -> Px {
        let node = &self.tree.nodes[n as usize];
        let nlink = match node.kind {
            Kind::Dir => {
                let d = self.pnodes[n as usize].dir;
                if d == NONE {
                    2
                } else {
                    self.dirs[d as usize].nlink
                }
            }
            Kind::File => self.contents[node.payload as usize].nlink.max(1),
            _ => 1,
        };
        Px {
            mode: node.mode,
            nlink,
            uid: node.uid,
            gid: node.gid,
            serial: Some(self.pnodes[n as usize].serial),
        }
    }

    fn tf(&self, n: u32) -> Tf {
        let (m, a, c) = self.times(n);
        Tf::mac(m, a, c)
    }

    /// The `isofs.ca` value of this session.
    pub(crate) fn checksum_area(&self) -> Option<ChecksumArea> {
        let array = self.layout.array?;
        Some(ChecksumArea {
            start: self.layout.start,
            end: array,
            count: self.md5_order.len() as u32 + 2,
        })
    }

    /// Generate the records of ISO directory `i` into `p`.
    pub(crate) fn iso_dir_records(&self, i: usize, p: &mut DirPacker) {
        let rr = self.opts.rock_ridge;
        let d = self.dirs[i];
        let parent = self.dirs[d.parent as usize];
        let dir_flags = file_flags::DIRECTORY;
        // "."
        let su = if rr {
            let root = i == 0;
            Su {
                sp: root,
                px: Some(self.px(d.node)),
                tf: Some(self.tf(d.node)),
                al: match (root, self.checksum_area()) {
                    (true, Some(ca)) => Al::Ca(ca),
                    _ => Al::None,
                },
                er: root,
                ..Su::NONE
            }
        } else {
            Su::NONE
        };
        p.add(
            ecma119::ID_SELF,
            d.lba,
            d.blocks * BLOCK as u32,
            self.date(d.node),
            dir_flags,
            &su,
        );
        // ".."
        let relocated = self.pnodes[d.node as usize].flags & RELOCATED != 0;
        let rr_parent = self.tree.nodes[d.node as usize].parent;
        let su = if rr {
            Su {
                px: Some(self.px(rr_parent)),
                tf: Some(self.tf(rr_parent)),
                pl: relocated.then(|| self.dirs[self.pnodes[rr_parent as usize].dir as usize].lba),
                ..Su::NONE
            }
        } else {
            Su::NONE
        };
        p.add(
            ecma119::ID_PARENT,
            parent.lba,
            parent.blocks * BLOCK as u32,
            self.date(rr_parent),
            dir_flags,
            &su,
        );
        for k in d.first..d.first + d.count {
            let e = self.iso_entries[k as usize];
            let n = e & !PLACEHOLDER;
            let node = &self.tree.nodes[n as usize];
            let name = self.iso_name(e);
            let date = self.date(n);
            let rr_name = self.tree.name_of(n);
            let mut su = if rr {
                Su {
                    px: Some(self.px(n)),
                    tf: Some(self.tf(n)),
                    nm: Some(rr_name),
                    ..Su::NONE
                }
            } else {
                Su::NONE
            };
            if e & PLACEHOLDER != 0 {
                if rr {
                    su.cl = Some(self.dirs[self.pnodes[n as usize].dir as usize].lba);
                }
                p.add(name, self.layout.zero, 0, date, 0, &su);
                continue;
            }
            match node.kind {
                Kind::Dir => {
                    let sub = self.dirs[self.pnodes[n as usize].dir as usize];
                    if rr {
                        su.re = self.pnodes[n as usize].flags & (RELOCATED | RELOC_DIR) != 0;
                    }
                    p.add(
                        name,
                        sub.lba,
                        sub.blocks * BLOCK as u32,
                        date,
                        dir_flags,
                        &su,
                    );
                }
                Kind::File => {
                    let c = node.payload;
                    if rr && self.contents[c as usize].md5_index != 0 {
                        su.al = Al::Cx(self.contents[c as usize].md5_index);
                    }
                    let extents = self.content_extents(c);
                    let last = extents.len() - 1;
                    for (j, x) in extents.iter().enumerate() {
                        let flags = if j < last {
                            file_flags::MULTI_EXTENT
                        } else {
                            0
                        };
                        p.add(name, x.lba, x.len, date, flags, &su);
                    }
                }
                Kind::Symlink => {
                    if rr {
                        su.sl = Some(self.tree.target_of(node.payload));
                    }
                    p.add(name, self.layout.zero, 0, date, 0, &su);
                }
                Kind::CharDevice | Kind::BlockDevice => {
                    if rr {
                        su.pn = Some(self.tree.rdevs[node.payload as usize]);
                    }
                    p.add(name, self.layout.zero, 0, date, 0, &su);
                }
                Kind::Fifo | Kind::Socket => {
                    p.add(name, self.layout.zero, 0, date, 0, &su);
                }
            }
        }
    }

    /// Generate the records of Joliet directory `i` into `p`.
    pub(crate) fn joliet_dir_records(&self, i: usize, p: &mut DirPacker) {
        let d = self.jdirs[i];
        let parent = self.jdirs[d.parent as usize];
        let flags = file_flags::DIRECTORY;
        p.add(
            ecma119::ID_SELF,
            d.lba,
            d.blocks * BLOCK as u32,
            self.date(d.node),
            flags,
            &Su::NONE,
        );
        p.add(
            ecma119::ID_PARENT,
            parent.lba,
            parent.blocks * BLOCK as u32,
            self.date(parent.node),
            flags,
            &Su::NONE,
        );
        let mut name = Vec::with_capacity(2 * joliet::MAX_NAME_UNITS + 4);
        for k in d.first..d.first + d.count {
            let n = self.jol_entries[k as usize];
            name.clear();
            name.extend(self.jol_name(n).iter().flat_map(|u| u.to_be_bytes()));
            let node = &self.tree.nodes[n as usize];
            let date = self.date(n);
            if node.kind == Kind::Dir {
                let sub = self.jdirs[self.pnodes[n as usize].jdir as usize];
                p.add(
                    &name,
                    sub.lba,
                    sub.blocks * BLOCK as u32,
                    date,
                    flags,
                    &Su::NONE,
                );
            } else {
                let extents = self.content_extents(node.payload);
                let last = extents.len() - 1;
                for (j, x) in extents.iter().enumerate() {
                    let f = if j < last {
                        file_flags::MULTI_EXTENT
                    } else {
                        0
                    };
                    p.add(&name, x.lba, x.len, date, f, &Su::NONE);
                }
            }
        }
    }

    /// Path table bytes (ECMA-119 §9.4) of the ISO (`joliet == false`) or
    /// Joliet hierarchy.
    ///
    /// Parent Directory Numbers are 16-bit (§9.4.5): in a tree of more than
    /// 65535 directories, parents numbered above that are recorded as 65535
    /// (what the number of the record can still say); readers find
    /// directories through the directory records, which stay exact.
    pub(crate) fn path_table(&self, endian: Endian, joliet: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut name = Vec::new();
        if joliet {
            for (i, d) in self.jdirs.iter().enumerate() {
                name.clear();
                if i == 0 {
                    name.push(0);
                } else {
                    name.extend(self.jol_name(d.node).iter().flat_map(|u| u.to_be_bytes()));
                }
                PathTableRecord {
                    ext_attr_len: 0,
                    extent: d.lba,
                    parent: parent_number(d.parent),
                    name: &name,
                }
                .encode_into(&mut out, endian);
            }
        } else {
            for (i, d) in self.dirs.iter().enumerate() {
                let name: &[u8] = if i == 0 {
                    ecma119::ID_SELF
                } else {
                    self.iso_name(d.node)
                };
                PathTableRecord {
                    ext_attr_len: 0,
                    extent: d.lba,
                    parent: parent_number(d.parent),
                    name,
                }
                .encode_into(&mut out, endian);
            }
        }
        out
    }

    /// Sizes of every directory, then every address.
    fn size_and_place(&mut self) -> Result<(), Error> {
        // Sizes do not depend on addresses; the array's presence does
        // matter (isofs.ca on the root), so mark it before sizing.
        if self.opts.md5 {
            self.layout.array = Some(0);
        }
        let mut p = DirPacker::new(0);
        for i in 0..self.dirs.len() {
            p.reset(0);
            self.iso_dir_records(i, &mut p);
            self.dirs[i].blocks = p.dir_blocks();
            self.dirs[i].ce_blocks = p.ce_blocks();
        }
        for i in 0..self.jdirs.len() {
            p.reset(0);
            self.joliet_dir_records(i, &mut p);
            self.jdirs[i].blocks = p.dir_blocks();
        }
        let pt_size = self.path_table(Endian::Little, false).len();
        let jpt_size = if self.opts.joliet {
            self.path_table(Endian::Little, true).len()
        } else {
            0
        };

        let s = self.opts.start_lba;
        let mut lba: u64 = u64::from(s) + u64::from(ecma119::VD_SET_START);
        let mut next = |n: u64| -> u64 {
            let at = lba;
            lba += n;
            at
        };
        let l = &mut self.layout;
        l.start = s;
        l.pvd = next(1) as u32;
        // El Torito 1.0 §2.0: the boot record right after the PVD.
        l.boot_record = self.boot.is_some().then(|| next(1) as u32);
        l.svd = self.opts.joliet.then(|| next(1) as u32);
        l.terminator = next(1) as u32;
        l.sb_tag = self.opts.md5.then(|| next(1) as u32);
        for d in &mut self.dirs {
            d.lba = next(u64::from(d.blocks)) as u32;
            next(u64::from(d.ce_blocks));
        }
        l.pt_size = pt_size as u32;
        l.pt_blocks = blocks_for(pt_size as u64) as u32;
        l.l_pt = next(u64::from(l.pt_blocks)) as u32;
        l.m_pt = next(u64::from(l.pt_blocks)) as u32;
        l.tree_tag = self.opts.md5.then(|| next(1) as u32);
        l.zero = next(1) as u32;
        if self.opts.joliet {
            for d in &mut self.jdirs {
                d.lba = next(u64::from(d.blocks)) as u32;
            }
            l.jpt_size = jpt_size as u32;
            l.jpt_blocks = blocks_for(jpt_size as u64) as u32;
            l.jl_pt = next(u64::from(l.jpt_blocks)) as u32;
            l.jm_pt = next(u64::from(l.jpt_blocks)) as u32;
        }
        if let Some(b) = &self.boot {
            let at = next(u64::from(b.catalog_blocks)) as u32;
            l.catalog = Some(at);
            if let Some(c) = b.catalog_content {
                self.contents[c as usize].lba = at;
            }
        }
        let l = &mut self.layout;
        l.data_start = lba as u32;
        for &c in &self.data_order {
            let size = self.tree.contents[c as usize].size;
            self.contents[c as usize].lba = u32::try_from(lba).map_err(|_| Error::ImageTooLarge)?;
            lba += blocks_for(size);
        }
        let l = &mut self.layout;
        if self.opts.md5 {
            l.array_blocks = md5tag::array_blocks(self.md5_order.len() as u32 + 2);
            l.array = Some(lba as u32);
            lba += u64::from(l.array_blocks);
            l.session_tag = Some(lba as u32);
            lba += 1;
        }
        if lba > u64::from(u32::MAX) {
            return Err(Error::ImageTooLarge);
        }
        l.tail = lba as u32;
        l.end = match &self.opts.hybrid {
            Some(h) => hybrid::image_end(h, l.tail)?,
            None => l.tail,
        };
        Ok(())
    }

    /// The isohybrid system area, once every address is known.
    fn build_system_area(&mut self) -> Result<(), Error> {
        let Some(h) = &self.opts.hybrid else {
            return Ok(());
        };
        let mut identity = self.opts.ids.volume.as_bytes().to_vec();
        identity.extend_from_slice(&self.volume_time.secs.to_le_bytes());
        identity.extend_from_slice(&self.volume_time.nanos.to_le_bytes());
        identity.extend_from_slice(&self.layout.end.to_le_bytes());
        let inputs = HybridInputs {
            base: self.opts.system_area.as_deref(),
            end: self.layout.end,
            bios: self.first_bios_image(),
            efi: self.efi_images(),
            identity,
        };
        self.hybrid = Some(hybrid::build(h, &inputs)?);
        Ok(())
    }

    /// The system area written: the generated isohybrid one, else
    /// [`Options::system_area`].
    pub fn system_area(&self) -> Option<&[u8]> {
        match &self.hybrid {
            Some(h) => Some(&h.system_area),
            None => self.opts.system_area.as_deref(),
        }
    }

    /// Size of the session in blocks (also its PVD Volume Space Size):
    /// exactly what [`Plan::emit`] writes.
    pub fn total_blocks(&self) -> u32 {
        self.layout.end - self.layout.start
    }

    /// Size of the session in bytes.
    pub fn total_bytes(&self) -> u64 {
        u64::from(self.total_blocks()) * BLOCK as u64
    }

    /// First block of the session.
    pub fn start_lba(&self) -> u32 {
        self.layout.start
    }

    /// First block after the session (absolute): the end the head of an
    /// emulated medium records.
    pub fn end_lba(&self) -> u32 {
        self.layout.end
    }

    /// The options planned with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The tree planned.
    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    /// LBA of the root directory of the ECMA-119 tree.
    pub fn root_lba(&self) -> u32 {
        self.dirs[0].lba
    }

    /// LBA of the checksum array and of the session tag, when MD5 is on.
    pub fn checksum_lbas(&self) -> Option<(u32, u32)> {
        Some((self.layout.array?, self.layout.session_tag?))
    }

    /// Number of ISO 9660 directories.
    pub fn dir_count(&self) -> usize {
        self.dirs.len()
    }

    /// Number of regular file records of the image (hard links count under
    /// each name), as [`Plan::files`] would list them, without building
    /// the list.
    pub fn file_count(&self) -> usize {
        self.dirs
            .iter()
            .flat_map(|d| d.first..d.first + d.count)
            .map(|k| self.iso_entries[k as usize])
            .filter(|&e| e & PLACEHOLDER == 0 && self.tree.nodes[e as usize].kind == Kind::File)
            .count()
    }

    /// Every regular file of the image (Rock Ridge paths; hard links
    /// appear under each name), in data order of their first record.
    pub fn files(&self) -> Vec<PlannedFile> {
        let mut out = Vec::new();
        for d in &self.dirs {
            for k in d.first..d.first + d.count {
                let e = self.iso_entries[k as usize];
                if e & PLACEHOLDER != 0 {
                    continue;
                }
                let node = &self.tree.nodes[e as usize];
                if node.kind != Kind::File {
                    continue;
                }
                let c = node.payload;
                let written = !matches!(
                    self.tree.contents[c as usize].src,
                    ContentSrc::Imported { .. }
                );
                let idx = self.contents[c as usize].md5_index;
                out.push(PlannedFile {
                    path: self.tree.path(NodeId(e)),
                    size: self.tree.contents[c as usize].size,
                    extents: self.content_extents(c),
                    written,
                    md5_index: (idx != 0).then_some(idx),
                });
            }
        }
        out
    }

    /// The Primary (or, with `joliet`, the Joliet Supplementary) Volume
    /// Descriptor with Volume Space Size `vss`.
    pub(crate) fn volume_descriptor(&self, joliet: bool, vss: u32) -> VolumeDescriptor {
        let ids = &self.opts.ids;
        let t = DecDateTime::from_timestamp(self.volume_time);
        let (root, pt_size, l_pt, m_pt) = if joliet {
            (
                self.jdirs[0],
                self.layout.jpt_size,
                self.layout.jl_pt,
                self.layout.jm_pt,
            )
        } else {
            let d = self.dirs[0];
            (
                JDir {
                    node: d.node,
                    parent: 0,
                    first: 0,
                    count: 0,
                    lba: d.lba,
                    blocks: d.blocks,
                },
                self.layout.pt_size,
                self.layout.l_pt,
                self.layout.m_pt,
            )
        };
        let mut escapes = [0u8; 32];
        if joliet {
            escapes[..3].copy_from_slice(&ecma119::JOLIET_ESCAPES[2]);
        }
        VolumeDescriptor {
            vd_type: if joliet {
                vd_type::SUPPLEMENTARY
            } else {
                vd_type::PRIMARY
            },
            version: 1,
            flags: 0,
            system_id: id_text(joliet, &ids.system),
            volume_id: id_text(joliet, &ids.volume),
            volume_space_size: vss,
            escape_sequences: escapes,
            volume_set_size: 1,
            volume_sequence_number: 1,
            logical_block_size: BLOCK as u16,
            path_table_size: pt_size,
            l_path_table: l_pt,
            opt_l_path_table: 0,
            m_path_table: m_pt,
            opt_m_path_table: 0,
            root_extent: root.lba,
            root_data_len: root.blocks * BLOCK as u32,
            root_date: self.date(0),
            root_flags: file_flags::DIRECTORY,
            volume_set_id: id_text(joliet, &ids.volume_set),
            publisher_id: id_text(joliet, &ids.publisher),
            preparer_id: id_text(joliet, &ids.preparer),
            application_id: id_text(joliet, &ids.application),
            copyright_file_id: id_text(joliet, ""),
            abstract_file_id: id_text(joliet, ""),
            bibliographic_file_id: id_text(joliet, ""),
            creation: t,
            modification: t,
            expiration: DecDateTime::UNSPECIFIED,
            effective: DecDateTime::UNSPECIFIED,
            file_structure_version: 1,
            application_use: if joliet { [0; 512] } else { [b' '; 512] },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_numbers_are_one_based_and_clamped() {
        assert_eq!(parent_number(0), 1);
        assert_eq!(parent_number(65_534), 65_535);
        assert_eq!(parent_number(65_535), 65_535);
        assert_eq!(parent_number(100_000), 65_535);
    }
}

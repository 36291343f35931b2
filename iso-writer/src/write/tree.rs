//! The input tree of the writer (see [`Tree`]).

use std::collections::HashMap;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Error;
use crate::model::{Extent, Kind, Md5, Metadata, Timestamp, mode};

/// Index of a node in a [`Tree`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct NodeId(pub(crate) u32);

impl NodeId {
    /// The raw index (stable for the life of the tree).
    pub fn index(self) -> u32 {
        self.0
    }
}

/// Kinds of nodes (the POSIX file types Rock Ridge records).
pub type NodeKind = Kind;

/// Where the data of a regular file comes from.
#[derive(Clone, Debug)]
pub enum FileData {
    /// A file on disk, read while emitting; `size` is what the plan
    /// reserves (a different size at emit time is an error).
    Path { path: PathBuf, size: u64 },
    /// Bytes in memory.
    Memory(Arc<[u8]>),
    /// Data already on the medium (an earlier session): its extents in
    /// order and its size; `md5` is the content's MD5 from that session's
    /// checksum array, when known.
    Imported {
        extents: Vec<Extent>,
        size: u64,
        md5: Option<Md5>,
    },
}

/// A graft argument `PATH[=ISO_PATH]`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GraftSpec {
    pub source: PathBuf,
    pub iso_path: Option<Vec<u8>>,
}

impl GraftSpec {
    /// Parse `PATH[=ISO_PATH]`: the first `=` not preceded by a backslash
    /// separates the two; `\=` and `\\` stand for `=` and `\` in either
    /// part. A missing or empty `ISO_PATH` means "default".
    pub fn parse(arg: &OsStr) -> GraftSpec {
        let b = arg.as_bytes();
        let mut parts: Vec<Vec<u8>> = vec![Vec::new()];
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'\\' if matches!(b.get(i + 1), Some(b'=') | Some(b'\\')) => {
                    parts.last_mut().expect("part").push(b[i + 1]);
                    i += 2;
                    continue;
                }
                b'=' if parts.len() == 1 => parts.push(Vec::new()),
                c => parts.last_mut().expect("part").push(c),
            }
            i += 1;
        }
        let source = PathBuf::from(OsStr::from_bytes(&parts[0]));
        let iso_path = parts.get(1).filter(|p| !p.is_empty()).cloned();
        GraftSpec { source, iso_path }
    }
}

const NONE: u32 = u32::MAX;

/// Node flags.
const LIVE: u8 = 1;

#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) parent: u32,
    pub(crate) first_child: u32,
    pub(crate) next_sibling: u32,
    pub(crate) name_off: u32,
    pub(crate) name_len: u16,
    pub(crate) kind: Kind,
    flags: u8,
    pub(crate) mode: u32,
    pub(crate) uid: u32,
    pub(crate) gid: u32,
    pub(crate) mtime: i64,
    pub(crate) atime: i64,
    pub(crate) ctime: i64,
    /// File: content index; symlink: target index; device: rdev index.
    pub(crate) payload: u32,
}

/// Where a content's bytes come from.
#[derive(Clone, Debug)]
pub(crate) enum ContentSrc {
    /// The disk file of this node (path rebuilt from the tree).
    Node(u32),
    /// A disk file named explicitly.
    Path(u32),
    Memory(u32),
    Imported {
        first: u32,
        count: u32,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Content {
    pub(crate) size: u64,
    pub(crate) src: ContentSrc,
}

/// The input tree: what goes into the image, by Rock Ridge name.
///
/// Nodes come from three sources, freely mixed:
///
/// * **files on disk** — [`Tree::graft`] with `PATH[=ISO_PATH]` semantics,
///   metadata read with `lstat` (symbolic links are recorded as links,
///   never followed); data is read only while the image is emitted;
/// * **an imported earlier session** — [`Tree::add_file`] with
///   [`FileData::Imported`]: the data stays where it is (old extents) and
///   keeps its recorded MD5;
/// * **memory** — [`FileData::Memory`] for generated files.
///
/// Adding a node where one of the same name exists replaces it (a directory
/// grafted onto an existing directory merges into it instead); nodes can
/// be removed. This covers "add files to a disc" and "modify an image".
///
/// # Grafting (`PATH[=ISO_PATH]`)
///
/// Like `xorriso -map` and mkisofs graft points:
///
/// | `PATH` is | `ISO_PATH` given | result |
/// |---|---|---|
/// | a directory | no | its *contents* go to `/` (the root takes its attributes) |
/// | a directory | `/x/y` | its contents go under `/x/y`, which takes its attributes |
/// | anything else | no | it becomes `/` + its base name |
/// | anything else | `/x/y` | it becomes `/x/y` |
/// | anything else | `/x/y/` (trailing `/`) | it becomes `/x/y/` + its base name |
///
/// Missing directories on the way to `ISO_PATH` are created with mode
/// 0755, owner 0:0 and the tree's default time.
///
/// # Memory
///
/// One fixed-size record per node (about 72 bytes), names in one shared
/// buffer, a content record per distinct file (about 40 bytes), and no
/// per-node allocations. Source paths are not stored: a file's path on
/// disk is rebuilt from its ancestors' names up to the nearest node that
/// was grafted explicitly.
#[derive(Debug)]
pub struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) names: Vec<u8>,
    pub(crate) contents: Vec<Content>,
    /// Symlink targets: (offset, length) in `names`.
    pub(crate) targets: Vec<(u32, u32)>,
    pub(crate) rdevs: Vec<(u32, u32)>,
    pub(crate) extents: Vec<Extent>,
    pub(crate) memory: Vec<Arc<[u8]>>,
    pub(crate) paths: Vec<PathBuf>,
    /// MD5 of imported contents, by content index.
    pub(crate) imported_md5: HashMap<u32, Md5>,
    /// Disk paths of nodes grafted explicitly.
    explicit: HashMap<u32, PathBuf>,
    hard_links: HashMap<(u64, u64), u32>,
    imported_by_lba: HashMap<u32, u32>,
    default_time: i64,
    live: usize,
}

impl Default for Tree {
    fn default() -> Self {
        Tree::new()
    }
}

/// Attributes for nodes created implicitly.
fn dir_meta(time: i64) -> Metadata {
    Metadata {
        nlink: 2,
        ..Metadata::new(mode::S_IFDIR | 0o755, Timestamp::from_secs(time))
    }
}

/// Major and minor of a Linux `dev_t` (glibc encoding).
fn dev_major_minor(dev: u64) -> (u32, u32) {
    let major = ((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff);
    let minor = ((dev >> 12) & 0xffff_ff00) | (dev & 0xff);
    (major as u32, minor as u32)
}

/// Metadata of an `lstat` result.
fn meta_of(m: &std::fs::Metadata) -> Metadata {
    let kind = Kind::from_mode(m.mode());
    Metadata {
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
        nlink: m.nlink() as u32,
        ino: m.ino(),
        mtime: Timestamp {
            secs: m.mtime(),
            nanos: m.mtime_nsec() as u32,
        },
        atime: Timestamp {
            secs: m.atime(),
            nanos: m.atime_nsec() as u32,
        },
        ctime: Timestamp {
            secs: m.ctime(),
            nanos: m.ctime_nsec() as u32,
        },
        rdev: matches!(kind, Some(Kind::CharDevice) | Some(Kind::BlockDevice))
            .then(|| dev_major_minor(m.rdev())),
    }
}

fn check_name(name: &[u8]) -> Result<(), Error> {
    let bad = |reason| {
        Err(Error::BadName {
            name: String::from_utf8_lossy(name).into_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return bad("empty name");
    }
    if name == b"." || name == b".." {
        return bad("\".\" and \"..\" are not file names");
    }
    if name.contains(&b'/') || name.contains(&0) {
        return bad("contains '/' or a zero byte");
    }
    if name.len() > 255 {
        return bad("longer than 255 bytes");
    }
    Ok(())
}

/// Components of an ISO path; `.` and empty components are skipped.
fn components(path: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let mut v = Vec::new();
    for c in path.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                return Err(Error::BadIsoPath {
                    path: String::from_utf8_lossy(path).into_owned(),
                    reason: "\"..\" is not allowed",
                });
            }
            _ => {
                check_name(c)?;
                v.push(c);
            }
        }
    }
    Ok(v)
}

impl Tree {
    /// An empty tree: a root directory (mode 0755, owner 0:0, dated now).
    pub fn new() -> Tree {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut t = Tree {
            nodes: Vec::new(),
            names: Vec::new(),
            contents: Vec::new(),
            targets: Vec::new(),
            rdevs: Vec::new(),
            extents: Vec::new(),
            memory: Vec::new(),
            paths: Vec::new(),
            imported_md5: HashMap::new(),
            explicit: HashMap::new(),
            hard_links: HashMap::new(),
            imported_by_lba: HashMap::new(),
            default_time: now,
            live: 0,
        };
        let m = dir_meta(now);
        t.push_node(NONE, b"", Kind::Dir, &m, NONE);
        t.nodes[0].parent = 0;
        t
    }

    /// Set the time given to directories the tree creates implicitly
    /// (the root and missing parents of an ISO path); default: now.
    pub fn set_default_time(&mut self, t: Timestamp) {
        self.default_time = t.secs;
        let root = &mut self.nodes[0];
        root.mtime = t.secs;
        root.atime = t.secs;
        root.ctime = t.secs;
    }

    /// The root directory.
    pub fn root(&self) -> NodeId {
        NodeId(0)
    }

    /// Number of nodes in the tree (including the root).
    pub fn len(&self) -> usize {
        self.live
    }

    /// Whether only the root is there.
    pub fn is_empty(&self) -> bool {
        self.live <= 1
    }

    fn push_node(
        &mut self,
        parent: u32,
        name: &[u8],
        kind: Kind,
        m: &Metadata,
        payload: u32,
    ) -> u32 {
        let id = self.nodes.len() as u32;
        let name_off = self.names.len() as u32;
        self.names.extend_from_slice(name);
        self.nodes.push(Node {
            parent,
            first_child: NONE,
            next_sibling: NONE,
            name_off,
            name_len: name.len() as u16,
            kind,
            flags: LIVE,
            mode: (m.mode & 0o7777) | kind.mode_bits(),
            uid: m.uid,
            gid: m.gid,
            mtime: m.mtime.secs,
            atime: m.atime.secs,
            ctime: m.ctime.secs,
            payload,
        });
        if parent != NONE {
            let p = &mut self.nodes[parent as usize];
            self.nodes[id as usize].next_sibling = p.first_child;
            self.nodes[parent as usize].first_child = id;
        }
        self.live += 1;
        id
    }

    fn check(&self, n: NodeId) -> Result<&Node, Error> {
        self.nodes
            .get(n.0 as usize)
            .filter(|n| n.flags & LIVE != 0)
            .ok_or(Error::NoSuchNode(n.0))
    }

    /// The Rock Ridge name of a node (empty for the root).
    pub fn name(&self, n: NodeId) -> &[u8] {
        let node = &self.nodes[n.0 as usize];
        &self.names[node.name_off as usize..node.name_off as usize + node.name_len as usize]
    }

    pub(crate) fn name_of(&self, n: u32) -> &[u8] {
        let node = &self.nodes[n as usize];
        &self.names[node.name_off as usize..node.name_off as usize + node.name_len as usize]
    }

    /// The kind of a node.
    pub fn kind(&self, n: NodeId) -> Kind {
        self.nodes[n.0 as usize].kind
    }

    /// The parent of a node (the root is its own parent).
    pub fn parent(&self, n: NodeId) -> NodeId {
        NodeId(self.nodes[n.0 as usize].parent)
    }

    /// Size in bytes of a regular file's data (0 for other kinds).
    pub fn size(&self, n: NodeId) -> u64 {
        let node = &self.nodes[n.0 as usize];
        if node.kind == Kind::File {
            self.contents[node.payload as usize].size
        } else {
            0
        }
    }

    /// The children of a directory, in no particular order.
    pub fn children(&self, dir: NodeId) -> Children<'_> {
        Children {
            tree: self,
            next: self
                .nodes
                .get(dir.0 as usize)
                .map_or(NONE, |n| n.first_child),
        }
    }

    /// The full ISO path of a node (`/` for the root).
    pub fn path(&self, n: NodeId) -> Vec<u8> {
        let mut parts = Vec::new();
        let mut cur = n.0;
        while cur != 0 {
            parts.push(self.name_of(cur));
            cur = self.nodes[cur as usize].parent;
        }
        let mut out = Vec::new();
        for p in parts.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(p);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        out
    }

    /// The child of `dir` named `name`.
    pub fn child(&self, dir: NodeId, name: &[u8]) -> Option<NodeId> {
        self.children(dir).find(|&c| self.name(c) == name)
    }

    /// The node at an ISO path (`/a/b`), if any.
    pub fn lookup(&self, path: &[u8]) -> Option<NodeId> {
        let mut cur = self.root();
        for c in components(path).ok()? {
            if self.kind(cur) != Kind::Dir {
                return None;
            }
            cur = self.child(cur, c)?;
        }
        Some(cur)
    }

    /// The directory at `path`, creating missing directories (mode 0755,
    /// owner 0:0, default time). A non-directory on the way is an error.
    pub fn mkdir_p(&mut self, path: &[u8]) -> Result<NodeId, Error> {
        let mut cur = self.root();
        for c in components(path)? {
            cur = match self.child(cur, c) {
                Some(n) if self.kind(n) == Kind::Dir => n,
                Some(_) => {
                    return Err(Error::NotADirectory {
                        path: String::from_utf8_lossy(&self.path_join(cur, c)).into_owned(),
                    });
                }
                None => {
                    NodeId(self.push_node(cur.0, c, Kind::Dir, &dir_meta(self.default_time), NONE))
                }
            };
        }
        Ok(cur)
    }

    fn path_join(&self, dir: NodeId, name: &[u8]) -> Vec<u8> {
        let mut p = self.path(dir);
        if p != b"/" {
            p.push(b'/');
        }
        p.extend_from_slice(name);
        p
    }

    /// Detach a node (and its subtree) from the tree.
    pub fn remove(&mut self, n: NodeId) -> Result<(), Error> {
        self.check(n)?;
        if n.0 == 0 {
            return Err(Error::RootRemoval);
        }
        let parent = self.nodes[n.0 as usize].parent;
        let next = self.nodes[n.0 as usize].next_sibling;
        if self.nodes[parent as usize].first_child == n.0 {
            self.nodes[parent as usize].first_child = next;
        } else {
            let mut c = self.nodes[parent as usize].first_child;
            while c != NONE {
                if self.nodes[c as usize].next_sibling == n.0 {
                    self.nodes[c as usize].next_sibling = next;
                    break;
                }
                c = self.nodes[c as usize].next_sibling;
            }
        }
        // Mark the subtree dead (iteratively).
        let mut stack = vec![n.0];
        while let Some(x) = stack.pop() {
            let node = &mut self.nodes[x as usize];
            if node.flags & LIVE != 0 {
                node.flags &= !LIVE;
                self.live -= 1;
            }
            let mut c = self.nodes[x as usize].first_child;
            while c != NONE {
                stack.push(c);
                c = self.nodes[c as usize].next_sibling;
            }
        }
        self.nodes[n.0 as usize].next_sibling = NONE;
        Ok(())
    }

    /// Set the attributes of a node (mode permission bits, owner, times;
    /// the file type bits of `meta.mode` are ignored).
    pub fn set_metadata(&mut self, n: NodeId, meta: &Metadata) -> Result<(), Error> {
        self.check(n)?;
        let node = &mut self.nodes[n.0 as usize];
        node.mode = (meta.mode & 0o7777) | node.kind.mode_bits();
        node.uid = meta.uid;
        node.gid = meta.gid;
        node.mtime = meta.mtime.secs;
        node.atime = meta.atime.secs;
        node.ctime = meta.ctime.secs;
        Ok(())
    }

    /// The attributes of a node (`nlink` 1, `ino` 0: both are computed
    /// when planning).
    pub fn metadata(&self, n: NodeId) -> Metadata {
        let node = &self.nodes[n.0 as usize];
        Metadata {
            mode: node.mode,
            uid: node.uid,
            gid: node.gid,
            nlink: 1,
            ino: 0,
            mtime: Timestamp::from_secs(node.mtime),
            atime: Timestamp::from_secs(node.atime),
            ctime: Timestamp::from_secs(node.ctime),
            rdev: matches!(node.kind, Kind::CharDevice | Kind::BlockDevice)
                .then(|| self.rdevs[node.payload as usize]),
        }
    }

    /// Remove an existing child `name` of `parent` unless both it and the
    /// new node are directories (merge). Returns the directory to merge
    /// into, if any.
    fn make_room(
        &mut self,
        parent: NodeId,
        name: &[u8],
        new_is_dir: bool,
    ) -> Result<Option<NodeId>, Error> {
        if let Some(old) = self.child(parent, name) {
            if new_is_dir && self.kind(old) == Kind::Dir {
                return Ok(Some(old));
            }
            self.remove(old)?;
        }
        Ok(None)
    }

    fn check_dir(&self, parent: NodeId) -> Result<(), Error> {
        if self.check(parent)?.kind != Kind::Dir {
            return Err(Error::NotADirectory {
                path: String::from_utf8_lossy(&self.path(parent)).into_owned(),
            });
        }
        Ok(())
    }

    /// Add (or, if `name` exists, replace by) a directory with attributes
    /// `meta`. An existing directory of that name is kept (with its
    /// contents) and gets the new attributes.
    pub fn add_dir(
        &mut self,
        parent: NodeId,
        name: &[u8],
        meta: &Metadata,
    ) -> Result<NodeId, Error> {
        check_name(name)?;
        self.check_dir(parent)?;
        if let Some(d) = self.make_room(parent, name, true)? {
            self.set_metadata(d, meta)?;
            return Ok(d);
        }
        Ok(NodeId(self.push_node(
            parent.0,
            name,
            Kind::Dir,
            meta,
            NONE,
        )))
    }

    /// Add (or replace by) a regular file.
    pub fn add_file(
        &mut self,
        parent: NodeId,
        name: &[u8],
        meta: &Metadata,
        data: FileData,
    ) -> Result<NodeId, Error> {
        check_name(name)?;
        self.check_dir(parent)?;
        self.make_room(parent, name, false)?;
        let content = self.new_content(data);
        Ok(NodeId(self.push_node(
            parent.0,
            name,
            Kind::File,
            meta,
            content,
        )))
    }

    /// Add (or replace by) a regular file whose data is that of an existing
    /// file node (a hard link: one data extent, one PX serial number).
    pub fn add_hard_link(
        &mut self,
        parent: NodeId,
        name: &[u8],
        meta: &Metadata,
        to: NodeId,
    ) -> Result<NodeId, Error> {
        check_name(name)?;
        self.check_dir(parent)?;
        let target = self.check(to)?;
        if target.kind != Kind::File {
            return Err(Error::BadName {
                name: String::from_utf8_lossy(name).into_owned(),
                reason: "hard link target is not a regular file",
            });
        }
        let content = target.payload;
        self.make_room(parent, name, false)?;
        Ok(NodeId(self.push_node(
            parent.0,
            name,
            Kind::File,
            meta,
            content,
        )))
    }

    /// Add (or replace by) a symbolic link to `target`.
    pub fn add_symlink(
        &mut self,
        parent: NodeId,
        name: &[u8],
        meta: &Metadata,
        target: &[u8],
    ) -> Result<NodeId, Error> {
        check_name(name)?;
        self.check_dir(parent)?;
        self.make_room(parent, name, false)?;
        let t = self.push_target(target);
        Ok(NodeId(self.push_node(
            parent.0,
            name,
            Kind::Symlink,
            meta,
            t,
        )))
    }

    /// Add (or replace by) a device node, fifo or socket; the kind comes
    /// from the type bits of `meta.mode`, the device number from
    /// `meta.rdev`.
    pub fn add_special(
        &mut self,
        parent: NodeId,
        name: &[u8],
        meta: &Metadata,
    ) -> Result<NodeId, Error> {
        check_name(name)?;
        self.check_dir(parent)?;
        let kind = match meta.kind() {
            Some(k @ (Kind::CharDevice | Kind::BlockDevice | Kind::Fifo | Kind::Socket)) => k,
            _ => {
                return Err(Error::BadName {
                    name: String::from_utf8_lossy(name).into_owned(),
                    reason: "mode does not name a device, fifo or socket",
                });
            }
        };
        self.make_room(parent, name, false)?;
        let payload = self.push_rdev(kind, meta.rdev);
        Ok(NodeId(self.push_node(parent.0, name, kind, meta, payload)))
    }

    fn push_rdev(&mut self, kind: Kind, rdev: Option<(u32, u32)>) -> u32 {
        if matches!(kind, Kind::CharDevice | Kind::BlockDevice) {
            self.rdevs.push(rdev.unwrap_or((0, 0)));
            (self.rdevs.len() - 1) as u32
        } else {
            NONE
        }
    }

    fn push_target(&mut self, target: &[u8]) -> u32 {
        let off = self.names.len() as u32;
        self.names.extend_from_slice(target);
        self.targets.push((off, target.len() as u32));
        (self.targets.len() - 1) as u32
    }

    pub(crate) fn target_of(&self, payload: u32) -> &[u8] {
        let (off, len) = self.targets[payload as usize];
        &self.names[off as usize..(off + len) as usize]
    }

    fn new_content(&mut self, data: FileData) -> u32 {
        let id = self.contents.len() as u32;
        let (size, src) = match data {
            FileData::Path { path, size } => {
                self.paths.push(path);
                (size, ContentSrc::Path((self.paths.len() - 1) as u32))
            }
            FileData::Memory(bytes) => {
                self.memory.push(bytes.clone());
                (
                    bytes.len() as u64,
                    ContentSrc::Memory((self.memory.len() - 1) as u32),
                )
            }
            FileData::Imported { extents, size, md5 } => {
                if size > 0
                    && let Some(first) = extents.first()
                    && let Some(&c) = self.imported_by_lba.get(&first.lba)
                {
                    return c;
                }
                let first = self.extents.len() as u32;
                self.extents.extend_from_slice(&extents);
                if let Some(m) = md5 {
                    self.imported_md5.insert(id, m);
                }
                if size > 0
                    && let Some(e) = extents.first()
                {
                    self.imported_by_lba.insert(e.lba, id);
                }
                (
                    size,
                    ContentSrc::Imported {
                        first,
                        count: extents.len() as u32,
                    },
                )
            }
        };
        self.contents.push(Content { size, src });
        id
    }

    /// Graft `source` (a file system object, not followed if a symlink)
    /// into the tree; see [`Tree`] for where it
    /// goes. Returns the node it became (for a directory: the directory
    /// its contents went into).
    pub fn graft(&mut self, source: &Path, iso_path: Option<&[u8]>) -> Result<NodeId, Error> {
        let md = std::fs::symlink_metadata(source).map_err(|e| Error::Source {
            path: source.to_owned(),
            source: e,
        })?;
        let meta = meta_of(&md);
        if md.is_dir() {
            let target = iso_path.unwrap_or(b"/");
            let comps = components(target)?;
            let dir = match comps.split_last() {
                None => {
                    let root = self.root();
                    self.set_metadata(root, &meta)?;
                    root
                }
                Some((name, parents)) => {
                    let p = self.mkdir_p(&parents.join(&b'/'))?;
                    self.add_dir(p, name, &meta)?
                }
            };
            self.pin_children(dir.0);
            self.explicit.insert(dir.0, source.to_owned());
            self.walk(dir, source)?;
            Ok(dir)
        } else {
            let base = source
                .file_name()
                .map(|n| n.as_bytes().to_vec())
                .ok_or_else(|| Error::BadIsoPath {
                    path: source.to_string_lossy().into_owned(),
                    reason: "source has no file name",
                })?;
            let mut full = iso_path.map_or_else(|| b"/".to_vec(), <[u8]>::to_vec);
            if full.ends_with(b"/") {
                full.extend_from_slice(&base);
            }
            let comps = components(&full)?;
            let (name, parents) = comps.split_last().ok_or(Error::BadIsoPath {
                path: String::from_utf8_lossy(&full).into_owned(),
                reason: "a file cannot become the root directory",
            })?;
            let name = name.to_vec();
            let p = self.mkdir_p(&parents.join(&b'/'))?;
            self.make_room(p, &name, false)?;
            let n = self.add_from_disk(p.0, &name, source, &md, meta)?;
            self.explicit.insert(n, source.to_owned());
            Ok(NodeId(n))
        }
    }

    /// Graft a parsed `PATH[=ISO_PATH]` argument.
    pub fn graft_spec(&mut self, spec: &GraftSpec) -> Result<NodeId, Error> {
        self.graft(&spec.source, spec.iso_path.as_deref())
    }

    /// Create the node for a non-directory disk object (no name check, no
    /// replacement).
    fn add_from_disk(
        &mut self,
        parent: u32,
        name: &[u8],
        path: &Path,
        md: &std::fs::Metadata,
        meta: Metadata,
    ) -> Result<u32, Error> {
        let kind = Kind::from_mode(md.mode()).unwrap_or(Kind::File);
        let id = self.nodes.len() as u32;
        let payload = match kind {
            Kind::File => {
                let key = (md.dev(), md.ino());
                match (md.nlink() > 1)
                    .then(|| self.hard_links.get(&key))
                    .flatten()
                {
                    Some(&c) => c,
                    None => {
                        let c = self.contents.len() as u32;
                        // A hard-linked file may outlive the node it was
                        // found under (removal, replacement): keep its path.
                        let src = if md.nlink() > 1 {
                            self.hard_links.insert(key, c);
                            self.paths.push(path.to_owned());
                            ContentSrc::Path((self.paths.len() - 1) as u32)
                        } else {
                            ContentSrc::Node(id)
                        };
                        self.contents.push(Content {
                            size: md.len(),
                            src,
                        });
                        c
                    }
                }
            }
            Kind::Symlink => {
                let t = std::fs::read_link(path).map_err(|e| Error::Source {
                    path: path.to_owned(),
                    source: e,
                })?;
                self.push_target(t.as_os_str().as_bytes())
            }
            Kind::Dir => NONE,
            k => self.push_rdev(k, meta.rdev),
        };
        Ok(self.push_node(parent, name, kind, &meta, payload))
    }

    /// Add the contents of disk directory `src` under `dir`, recursively.
    fn walk(&mut self, dir: NodeId, src: &Path) -> Result<(), Error> {
        // (tree dir, disk path, whether the tree dir was empty before).
        let mut stack: Vec<(u32, PathBuf, bool)> = vec![(
            dir.0,
            src.to_owned(),
            self.nodes[dir.0 as usize].first_child == NONE,
        )];
        while let Some((d, path, fresh)) = stack.pop() {
            let rd = std::fs::read_dir(&path).map_err(|e| Error::Source {
                path: path.clone(),
                source: e,
            })?;
            let existing: HashMap<Vec<u8>, u32> = if fresh {
                HashMap::new()
            } else {
                self.children(NodeId(d))
                    .map(|c| (self.name(c).to_vec(), c.0))
                    .collect()
            };
            for entry in rd {
                let entry = entry.map_err(|e| Error::Source {
                    path: path.clone(),
                    source: e,
                })?;
                let name = entry.file_name();
                let name = name.as_bytes();
                let child_path = entry.path();
                let md = entry.metadata().map_err(|e| Error::Source {
                    path: child_path.clone(),
                    source: e,
                })?;
                let meta = meta_of(&md);
                let mut explicit = !fresh;
                if let Some(&old) = existing.get(name) {
                    if md.is_dir() && self.nodes[old as usize].kind == Kind::Dir {
                        self.set_metadata(NodeId(old), &meta)?;
                        self.pin_children(old);
                        self.explicit.insert(old, child_path.clone());
                        stack.push((old, child_path, false));
                        continue;
                    }
                    self.remove(NodeId(old))?;
                    explicit = true;
                }
                if md.is_dir() {
                    let n = self.push_node(d, name, Kind::Dir, &meta, NONE);
                    if explicit {
                        self.explicit.insert(n, child_path.clone());
                    }
                    stack.push((n, child_path, true));
                } else {
                    let n = self.add_from_disk(d, name, &child_path, &md, meta)?;
                    if explicit {
                        self.explicit.insert(n, child_path);
                    }
                }
            }
        }
        Ok(())
    }

    /// Give the children of `d` explicit disk paths, before `d` gets a new
    /// one (a directory grafted onto it).
    fn pin_children(&mut self, d: u32) {
        let kids: Vec<u32> = self.children(NodeId(d)).map(|c| c.0).collect();
        for c in kids {
            if !self.explicit.contains_key(&c)
                && let Some(p) = self.disk_path(c)
            {
                self.explicit.insert(c, p);
            }
        }
    }

    /// The disk path of a node created by grafting.
    pub(crate) fn disk_path(&self, n: u32) -> Option<PathBuf> {
        let mut parts: Vec<&[u8]> = Vec::new();
        let mut cur = n;
        loop {
            if let Some(p) = self.explicit.get(&cur) {
                let mut path = p.clone();
                for part in parts.iter().rev() {
                    path.push(OsStr::from_bytes(part));
                }
                return Some(path);
            }
            if cur == 0 {
                return None;
            }
            parts.push(self.name_of(cur));
            cur = self.nodes[cur as usize].parent;
        }
    }

    /// Where the data of content `c` is read from (for error messages and
    /// reading): the disk path, if it is a disk file.
    pub(crate) fn content_path(&self, c: u32) -> Option<PathBuf> {
        match self.contents[c as usize].src {
            ContentSrc::Node(n) => self.disk_path(n),
            ContentSrc::Path(p) => Some(self.paths[p as usize].clone()),
            _ => None,
        }
    }

    /// Imported regular files whose MD5 is not known (their old session
    /// had no checksum array): the caller may read their extents, compute
    /// the MD5 and record it with [`Tree::set_imported_md5`] before
    /// planning, or leave them without a recorded checksum.
    pub fn imported_without_md5(&self) -> Vec<(NodeId, Vec<Extent>, u64)> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.flags & LIVE == 0 || n.kind != Kind::File || !seen.insert(n.payload) {
                continue;
            }
            let c = &self.contents[n.payload as usize];
            if let ContentSrc::Imported { first, count } = c.src
                && !self.imported_md5.contains_key(&n.payload)
            {
                let ext = self.extents[first as usize..(first + count) as usize].to_vec();
                out.push((NodeId(i as u32), ext, c.size));
            }
        }
        out
    }

    /// Record the MD5 of an imported file's data.
    pub fn set_imported_md5(&mut self, n: NodeId, md5: Md5) -> Result<(), Error> {
        let node = self.check(n)?;
        if node.kind == Kind::File
            && matches!(
                self.contents[node.payload as usize].src,
                ContentSrc::Imported { .. }
            )
        {
            let c = node.payload;
            self.imported_md5.insert(c, md5);
            Ok(())
        } else {
            Err(Error::BadName {
                name: String::from_utf8_lossy(self.name(n)).into_owned(),
                reason: "not an imported regular file",
            })
        }
    }

    /// Add a directory that only the planner knows about (the relocation
    /// directory); returns its index.
    pub(crate) fn add_internal_dir(&mut self, name: &[u8]) -> u32 {
        let m = dir_meta(self.default_time);
        self.push_node(0, name, Kind::Dir, &m, NONE)
    }
}

/// Iterator over the children of a directory.
#[derive(Debug)]
pub struct Children<'a> {
    tree: &'a Tree,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let n = self.next;
        self.next = self.tree.nodes[n as usize].next_sibling;
        Some(NodeId(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_meta() -> Metadata {
        Metadata {
            mode: mode::S_IFREG | 0o644,
            uid: 1,
            gid: 2,
            nlink: 1,
            ino: 0,
            mtime: Timestamp::from_secs(5),
            atime: Timestamp::from_secs(6),
            ctime: Timestamp::from_secs(7),
            rdev: None,
        }
    }

    #[test]
    fn graft_spec_parsing() {
        let s = GraftSpec::parse(OsStr::new("a/b=/x/y"));
        assert_eq!(s.source, PathBuf::from("a/b"));
        assert_eq!(s.iso_path.as_deref(), Some(&b"/x/y"[..]));
        let s = GraftSpec::parse(OsStr::new("a\\=b"));
        assert_eq!(s.source, PathBuf::from("a=b"));
        assert_eq!(s.iso_path, None);
        let s = GraftSpec::parse(OsStr::new("p=/q=r"));
        assert_eq!(s.iso_path.as_deref(), Some(&b"/q=r"[..]));
        let s = GraftSpec::parse(OsStr::new("p="));
        assert_eq!(s.iso_path, None);
    }

    #[test]
    fn add_replace_remove_lookup() {
        let mut t = Tree::new();
        let d = t.mkdir_p(b"/a/b").unwrap();
        assert_eq!(t.path(d), b"/a/b");
        let f = t
            .add_file(
                d,
                b"f",
                &file_meta(),
                FileData::Memory(Arc::from(&b"hello"[..])),
            )
            .unwrap();
        assert_eq!(t.lookup(b"/a/b/f"), Some(f));
        assert_eq!(t.size(f), 5);
        let g = t
            .add_file(
                d,
                b"f",
                &file_meta(),
                FileData::Memory(Arc::from(&b"hi"[..])),
            )
            .unwrap();
        assert_ne!(f, g);
        assert_eq!(t.children(d).count(), 1);
        assert_eq!(t.size(t.lookup(b"/a/b/f").unwrap()), 2);
        assert_eq!(t.len(), 4);
        t.remove(t.lookup(b"/a").unwrap()).unwrap();
        assert_eq!(t.lookup(b"/a/b"), None);
        assert_eq!(t.len(), 1);
        assert!(t.remove(t.root()).is_err());
        assert!(t.mkdir_p(b"/../x").is_err());
        assert!(t.add_dir(t.root(), b"a/b", &file_meta()).is_err());
        let f = t
            .add_file(
                t.root(),
                b"file",
                &file_meta(),
                FileData::Memory(Arc::from(&b""[..])),
            )
            .unwrap();
        assert!(t.mkdir_p(b"/file/x").is_err());
        assert!(t.add_dir(f, b"x", &file_meta()).is_err());
    }

    #[test]
    fn imported_content_is_shared_by_lba() {
        let mut t = Tree::new();
        let r = t.root();
        let ext = vec![Extent { lba: 100, len: 10 }];
        let a = t
            .add_file(
                r,
                b"a",
                &file_meta(),
                FileData::Imported {
                    extents: ext.clone(),
                    size: 10,
                    md5: None,
                },
            )
            .unwrap();
        let b = t
            .add_file(
                r,
                b"b",
                &file_meta(),
                FileData::Imported {
                    extents: ext,
                    size: 10,
                    md5: None,
                },
            )
            .unwrap();
        assert_eq!(t.nodes[a.0 as usize].payload, t.nodes[b.0 as usize].payload);
        let missing = t.imported_without_md5();
        assert_eq!(missing.len(), 1);
        t.set_imported_md5(a, [1; 16]).unwrap();
        assert!(t.imported_without_md5().is_empty());
    }
}

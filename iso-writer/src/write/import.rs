//! Import of an earlier session: its tree becomes nodes of a [`Tree`]
//! whose files keep their data where it is (multisession growing).

use super::Error;
use super::tree::{FileData, NodeId, Tree};
use crate::model::{Kind, Name};
use crate::read::{BlockRead, Entry, Error as ReadError, Image, WalkEvent};

/// How to import.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ImportOptions {
    /// Files whose MD5 the old session does not record (no or a damaged
    /// checksum array) get it computed by reading their data now, so that
    /// the new session's array covers every file. Off: such files get no
    /// `isofs.cx` (what libisofs does).
    pub compute_missing_md5: bool,
}

/// What an import found.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ImportReport {
    pub dirs: u64,
    pub files: u64,
    pub symlinks: u64,
    pub specials: u64,
    /// Files carried with the MD5 recorded by the old session.
    pub with_md5: u64,
    /// Files whose MD5 was computed from their data.
    pub md5_computed: u64,
    /// Files left without MD5.
    pub without_md5: u64,
}

/// Add the tree of the session opened as `img` (its Rock Ridge view,
/// relocated directories back in place) under the root of `tree`: the
/// root takes the old root's attributes, directories merge with existing
/// ones, other entries replace nodes of the same name. Regular files are
/// recorded as [`FileData::Imported`] with their old extents and, when the
/// session's checksum array is valid, their old MD5.
///
/// The old tree is walked with [`Image::walk`]'s guards: a directory
/// reached twice (a forged extent pointing back at an ancestor, or two
/// records sharing one directory) fails the import as
/// [`crate::read::Error::Corrupt`], and more entries or a deeper tree
/// than the image's [`Limits`](crate::read::Limits) allow fail it as
/// [`crate::read::Error::Limit`] (both inside [`Error::Import`]).
///
/// Files compressed with zisofs or recorded interleaved cannot be carried
/// over (this writer records neither) and fail the import.
pub fn import_session<R: BlockRead>(
    img: &mut Image<R>,
    tree: &mut Tree,
    opts: &ImportOptions,
) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    let root = img.root().clone();
    let tree_root = tree.root();
    tree.set_metadata(tree_root, &root.metadata)?;
    // Nodes of the directories being walked, innermost last.
    let mut dirs: Vec<NodeId> = Vec::new();
    // A writer error that stopped the walk.
    let mut failed: Option<Error> = None;
    let walked = img.walk_with(&root, &mut |img, ev, path, e| {
        if ev == WalkEvent::Leave {
            dirs.pop();
            return Ok(());
        }
        let Some(&parent) = dirs.last() else {
            // The walk starts with the root itself.
            dirs.push(tree_root);
            return Ok(());
        };
        match add_entry(img, tree, parent, path, e, opts, &mut report) {
            Ok(Some(dir)) => dirs.push(dir),
            Ok(None) => {}
            Err(err) => {
                failed = Some(err);
                return Err(ReadError::Missing("import stopped"));
            }
        }
        Ok(())
    });
    match (walked, failed) {
        (_, Some(err)) => Err(err),
        (Err(err), None) => Err(err.into()),
        (Ok(()), None) => Ok(report),
    }
}

/// Adds entry `e` (at `path` in the old tree) under `parent`; returns the
/// node of a directory, whose entries come next.
fn add_entry<R: BlockRead>(
    img: &mut Image<R>,
    tree: &mut Tree,
    parent: NodeId,
    path: &Name,
    e: &Entry,
    opts: &ImportOptions,
    report: &mut ImportReport,
) -> Result<Option<NodeId>, Error> {
    let name = e.name.as_bytes();
    match e.kind {
        Kind::Dir => {
            report.dirs += 1;
            return tree.add_dir(parent, name, &e.metadata).map(Some);
        }
        Kind::File => {
            if e.zisofs.is_some() || e.interleave.is_some() {
                return Err(Error::ImportUnsupported {
                    path: path.to_string_lossy(),
                    reason: if e.zisofs.is_some() {
                        "zisofs-compressed data"
                    } else {
                        "interleaved data"
                    },
                });
            }
            report.files += 1;
            let mut md5 = img.file_md5(e);
            if md5.is_some() {
                report.with_md5 += 1;
            } else if opts.compute_missing_md5 {
                md5 = Some(img.compute_md5(e)?);
                report.md5_computed += 1;
            } else {
                report.without_md5 += 1;
            }
            let data = FileData::Imported {
                extents: e.extents.clone(),
                size: e.size,
                md5,
            };
            tree.add_file(parent, name, &e.metadata, data)?;
        }
        Kind::Symlink => {
            report.symlinks += 1;
            let target = e
                .symlink_target
                .as_ref()
                .map(|t| t.as_bytes().to_vec())
                .unwrap_or_default();
            tree.add_symlink(parent, name, &e.metadata, &target)?;
        }
        Kind::CharDevice | Kind::BlockDevice | Kind::Fifo | Kind::Socket => {
            report.specials += 1;
            tree.add_special(parent, name, &e.metadata)?;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BLOCK;
    use crate::model::{Metadata, Timestamp, mode};
    use crate::read::{Limits, OpenOptions};
    use crate::write::{Options, Plan};

    fn meta(m: u32) -> Metadata {
        Metadata::new(m, Timestamp::from_secs(0))
    }

    /// An image of /a/b/f (Rock Ridge, no MD5).
    fn image() -> Vec<u8> {
        let mut tree = Tree::new();
        let root = tree.root();
        let a = tree
            .add_dir(root, b"a", &meta(mode::S_IFDIR | 0o755))
            .unwrap();
        let b = tree.add_dir(a, b"b", &meta(mode::S_IFDIR | 0o755)).unwrap();
        let data = FileData::Memory(std::sync::Arc::from(&b"data"[..]));
        tree.add_file(b, b"f", &meta(mode::S_IFREG | 0o644), data)
            .unwrap();
        let mut opts = Options::reproducible(0);
        opts.md5 = false;
        let mut img = Vec::new();
        Plan::new(tree, &opts).unwrap().emit(&mut img).unwrap();
        img
    }

    #[test]
    fn imports_a_tree() {
        let img = image();
        let mut r = Image::open(&img[..], 0).unwrap();
        let mut tree = Tree::new();
        let rep = import_session(&mut r, &mut tree, &ImportOptions::default()).unwrap();
        assert_eq!((rep.dirs, rep.files), (2, 1));
        assert!(tree.lookup(b"/a/b/f").is_some());
    }

    /// A forged directory record whose extent is an ancestor's directory
    /// (ECMA-119 §9.1.3) makes the tree a cycle: refused as corrupt
    /// instead of importing /a/b/a/b/… forever.
    #[test]
    fn directory_cycle_is_refused() {
        let mut img = image();
        let (root_lba, b_rec) = {
            let mut r = Image::open(&img[..], 0).unwrap();
            let root = r.root().lba().unwrap();
            let b = r.lookup("/a/b").unwrap();
            (
                root,
                b.record_lba as usize * BLOCK + usize::from(b.record_offset),
            )
        };
        // Extent location, both-byte orders (ECMA-119 §9.1.3, §7.3.3).
        img[b_rec + 2..b_rec + 6].copy_from_slice(&root_lba.to_le_bytes());
        img[b_rec + 6..b_rec + 10].copy_from_slice(&root_lba.to_be_bytes());
        let mut r = Image::open(&img[..], 0).unwrap();
        let mut tree = Tree::new();
        let err = import_session(&mut r, &mut tree, &ImportOptions::default()).unwrap_err();
        match &err {
            Error::Import(e) => assert!(
                e.to_string().contains("reached twice") && matches!(e, ReadError::Corrupt { .. }),
                "{err}"
            ),
            _ => panic!("{err}"),
        }
    }

    /// The reader's entry limit bounds an import.
    #[test]
    fn entry_limit_bounds_the_import() {
        let img = image();
        let opts = OpenOptions {
            limits: Limits {
                max_entries: 2,
                ..Limits::default()
            },
            ..OpenOptions::default()
        };
        let mut r = Image::open_with(&img[..], 0, opts).unwrap();
        let mut tree = Tree::new();
        let err = import_session(&mut r, &mut tree, &ImportOptions::default()).unwrap_err();
        assert!(
            matches!(err, Error::Import(ReadError::Limit { .. })),
            "{err}"
        );
    }

    /// Writer errors inside the walk come out as themselves: a Rock Ridge
    /// name (RRIP 1.12 §4.1.4 `NM`) with a '/' is read as recorded but is
    /// no name for the new tree.
    #[test]
    fn tree_errors_are_reported_as_such() {
        let mut img = image();
        let nm = b"NM\x06\x01\x00f";
        let at = img
            .windows(nm.len())
            .position(|w| w == nm)
            .expect("NM of f");
        img[at + 5] = b'/';
        let mut r = Image::open(&img[..], 0).unwrap();
        let mut tree = Tree::new();
        let err = import_session(&mut r, &mut tree, &ImportOptions::default()).unwrap_err();
        assert!(matches!(err, Error::BadName { .. }), "{err}");
    }

    /// Device numbers (RRIP 1.12 §4.1.2 `PN`) come back from our own
    /// fields through the reader and into an imported tree unchanged.
    #[test]
    fn device_numbers_survive_write_read_import() {
        let devs = [(1, 3), (8, 17), (259, 65536), (0, 300), (4095, 1_048_575)];
        let mut tree = Tree::new();
        let root = tree.root();
        for (i, &d) in devs.iter().enumerate() {
            let m = Metadata {
                rdev: Some(d),
                ..meta(mode::S_IFBLK | 0o600)
            };
            tree.add_special(root, format!("d{i}").as_bytes(), &m)
                .unwrap();
        }
        let mut img = Vec::new();
        Plan::new(tree, &Options::reproducible(0))
            .unwrap()
            .emit(&mut img)
            .unwrap();
        let mut r = Image::open(&img[..], 0).unwrap();
        let mut imported = Tree::new();
        import_session(&mut r, &mut imported, &ImportOptions::default()).unwrap();
        for (i, &d) in devs.iter().enumerate() {
            let path = format!("/d{i}");
            assert_eq!(r.lookup(&path).unwrap().device(), Some(d), "{path}");
            let n = imported.lookup(path.as_bytes()).unwrap();
            assert_eq!(imported.metadata(n).rdev, Some(d), "{path}");
        }
    }
}

//! Import of an earlier session: its tree becomes nodes of a [`Tree`]
//! whose files keep their data where it is (multisession growing).

use super::Error;
use super::tree::{FileData, NodeId, Tree};
use crate::model::Kind;
use crate::read::{BlockRead, Entry, Image};

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
    let mut stack: Vec<(Entry, NodeId)> = vec![(root, tree_root)];
    while let Some((dir, node)) = stack.pop() {
        let entries = img.read_dir(&dir)?;
        for e in entries {
            let name = e.name.as_bytes().to_vec();
            match e.kind {
                Kind::Dir => {
                    report.dirs += 1;
                    let n = tree.add_dir(node, &name, &e.metadata)?;
                    stack.push((e, n));
                }
                Kind::File => {
                    if e.zisofs.is_some() || e.interleave.is_some() {
                        return Err(Error::ImportUnsupported {
                            path: String::from_utf8_lossy(&tree.path(node)).into_owned()
                                + "/"
                                + &e.name.to_string_lossy(),
                            reason: if e.zisofs.is_some() {
                                "zisofs-compressed data"
                            } else {
                                "interleaved data"
                            },
                        });
                    }
                    report.files += 1;
                    let mut md5 = img.file_md5(&e);
                    if md5.is_some() {
                        report.with_md5 += 1;
                    } else if opts.compute_missing_md5 {
                        md5 = Some(img.compute_md5(&e)?);
                        report.md5_computed += 1;
                    } else {
                        report.without_md5 += 1;
                    }
                    let data = FileData::Imported {
                        extents: e.extents.clone(),
                        size: e.size,
                        md5,
                    };
                    tree.add_file(node, &name, &e.metadata, data)?;
                }
                Kind::Symlink => {
                    report.symlinks += 1;
                    let target = e
                        .symlink_target
                        .as_ref()
                        .map(|t| t.as_bytes().to_vec())
                        .unwrap_or_default();
                    tree.add_symlink(node, &name, &e.metadata, &target)?;
                }
                Kind::CharDevice | Kind::BlockDevice | Kind::Fifo | Kind::Socket => {
                    report.specials += 1;
                    tree.add_special(node, &name, &e.metadata)?;
                }
            }
        }
    }
    Ok(report)
}

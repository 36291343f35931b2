//! ECMA-119 §9.4 path tables, read for a consistency check against the
//! directory hierarchy (the tree itself is always read from directory
//! records).

use std::collections::HashMap;

use super::block::read_at;
use super::{BlockRead, Error, Image, Result, Tree, WalkEvent};
use crate::BLOCK;
use crate::spec::ecma119::{Endian, PathTableRecord as SpecRecord};

/// A path table record (ECMA-119 §9.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathTableRecord {
    /// 1-based directory number (its position in the table).
    pub number: u16,
    /// Number of the parent directory (1 for the root and its children).
    pub parent: u16,
    /// Location of the directory's extent.
    pub extent: u32,
    pub xar_len: u8,
    /// Directory identifier (00h for the root).
    pub name: Vec<u8>,
}

/// Parses a whole path table (ECMA-119 §9.4; records decoded by
/// [`crate::spec::ecma119::PathTableRecord`]).
pub(crate) fn parse_path_table(
    b: &[u8],
    lba: u32,
    big_endian: bool,
) -> Result<Vec<PathTableRecord>> {
    let endian = if big_endian {
        Endian::Big
    } else {
        Endian::Little
    };
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos < b.len() {
        let (r, len) = SpecRecord::parse(&b[pos..], endian)
            .map_err(|e| Error::corrupt(lba, "path table", format!("record at byte {pos}: {e}")))?;
        if out.len() >= usize::from(u16::MAX) {
            return Err(Error::limit(lba, "path table records", u16::MAX.into()));
        }
        out.push(PathTableRecord {
            number: out.len() as u16 + 1,
            parent: r.parent,
            extent: r.extent,
            xar_len: r.ext_attr_len,
            name: r.name.to_vec(),
        });
        pos += len;
    }
    Ok(out)
}

impl<R: BlockRead> Image<R> {
    /// Reads the L (little-endian) or M (big-endian) path table of the PVD.
    pub fn path_table(&mut self, big_endian: bool) -> Result<Vec<PathTableRecord>> {
        let size = self.info.path_table_size;
        let lba = if big_endian {
            self.info.m_path_table
        } else {
            self.info.l_path_table
        };
        if size > self.opts.limits.max_dir_bytes {
            return Err(Error::limit(
                lba,
                "path table size",
                self.opts.limits.max_dir_bytes.into(),
            ));
        }
        let blocks = (size as usize).div_ceil(BLOCK);
        super::block::check_range(&self.src, lba, blocks as u64)?;
        let mut buf = vec![0u8; blocks * BLOCK];
        read_at(&mut self.src, lba, &mut buf)?;
        parse_path_table(&buf[..size as usize], lba, big_endian)
    }

    /// Cross-checks both path tables against the ECMA-119 directory records:
    /// same directories, names and parents. Returns the differences found
    /// (empty when consistent).
    pub fn verify_path_tables(&mut self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let l = self.path_table(false)?;
        let m = self.path_table(true)?;
        if l != m {
            problems.push("L and M path tables differ".to_string());
        }
        // extent → (ISO name, parent extent) from the directory records.
        let mut dirs: HashMap<u32, (Vec<u8>, u32)> = HashMap::new();
        let mut root = self.primary.clone();
        root.tree = Tree::PrimaryPlain;
        let root_lba = root.lba().unwrap_or(0);
        dirs.insert(root_lba, (vec![0], root_lba));
        let mut parents: Vec<u32> = Vec::new();
        self.walk_with(&root, &mut |_, ev, _, e| {
            if !e.is_dir() {
                return Ok(());
            }
            let lba = e.lba().unwrap_or(0);
            match ev {
                WalkEvent::Visit => {
                    if let Some(&p) = parents.last() {
                        dirs.insert(lba, (e.iso_name.0.clone(), p));
                    }
                    parents.push(lba);
                }
                WalkEvent::Leave => {
                    parents.pop();
                }
            }
            Ok(())
        })?;
        let by_number: HashMap<u16, u32> = l.iter().map(|r| (r.number, r.extent)).collect();
        for r in &l {
            let ext = r.extent.saturating_add(u32::from(r.xar_len));
            match dirs.get(&ext) {
                None => problems.push(format!(
                    "path table record {} ({}) at LBA {ext} is not a directory of the tree",
                    r.number,
                    String::from_utf8_lossy(&r.name)
                )),
                Some((name, parent)) => {
                    if *name != r.name {
                        problems.push(format!(
                            "path table record {} names {:?}, the directory record {:?}",
                            r.number,
                            String::from_utf8_lossy(&r.name),
                            String::from_utf8_lossy(name)
                        ));
                    }
                    if by_number.get(&r.parent).copied() != Some(*parent) {
                        problems.push(format!(
                            "path table record {} has the wrong parent {}",
                            r.number, r.parent
                        ));
                    }
                }
            }
        }
        if l.len() != dirs.len() {
            problems.push(format!(
                "path table has {} records, the tree {} directories",
                l.len(),
                dirs.len()
            ));
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_l_and_m() {
        // Root (extent 20), child "SUB" (extent 23, parent 1).
        let mut l = vec![1, 0, 20, 0, 0, 0, 1, 0, 0, 0];
        l.extend_from_slice(&[3, 0, 23, 0, 0, 0, 1, 0, b'S', b'U', b'B', 0]);
        let t = parse_path_table(&l, 18, false).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[1].number, t[1].parent, t[1].extent, &t[1].name[..]),
            (2, 1, 23, &b"SUB"[..])
        );
        let mut m = vec![1, 0, 0, 0, 0, 20, 0, 1, 0, 0];
        m.extend_from_slice(&[3, 0, 0, 0, 0, 23, 0, 1, b'S', b'U', b'B', 0]);
        assert_eq!(parse_path_table(&m, 19, true).unwrap(), t);
        assert!(parse_path_table(&l[..13], 18, false).is_err());
        assert!(parse_path_table(&[0, 0, 0], 18, false).is_err());
    }
}

//! The reader against images made by xorriso and genisoimage at test time.

mod read_common;

use std::fs::File;

use iso_writer::read::*;
use read_common::*;

#[test]
fn dump_for_development() {
    let dir = tempfile::tempdir().unwrap();
    let t = rich_tree(dir.path());
    let img = mkisofs_xorriso(dir.path(), &t, "r.iso", &["-R", "-J", "--md5"]);
    let mut im = Image::open(File::open(&img).unwrap(), 0).unwrap();
    let root = im.root().clone();
    for (p, e) in im.find(&root).unwrap() {
        eprintln!(
            "{p} {:?} {:o} {} {:?} {:?} {:?}",
            e.kind, e.metadata.mode, e.size, e.extents, e.symlink_target, e.md5_index
        );
    }
    eprintln!("{:?}", im.md5_info());
    eprintln!("{:?}", im.verify_tags().unwrap());
    let v = im.verify_files().unwrap();
    eprintln!("{v:?}");
}

//! Multisession growing: a second session imports the first through the
//! reader, keeps the old files at their old extents with their old MD5s,
//! adds, replaces and removes files.

mod write_util;

use std::collections::BTreeMap;
use std::fs;
use std::sync::Arc;

use iso_writer::BLOCK;
use iso_writer::model::{Metadata, Timestamp, mode};
use iso_writer::read::{Image, newest_session, sessions};
use iso_writer::write::{FileData, ImportOptions, Options, Plan, Tree, import_session};
use write_util::*;

fn round_up_32(x: u32) -> u32 {
    x.div_ceil(32) * 32
}

fn tree1() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join("sub")).unwrap();
    fs::write(d.path().join("a.txt"), b"hello world\n").unwrap();
    fs::write(d.path().join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    fs::write(d.path().join("gone"), b"to be removed").unwrap();
    fs::hard_link(d.path().join("a.txt"), d.path().join("a-link")).unwrap();
    std::os::unix::fs::symlink("sub/b.bin", d.path().join("link")).unwrap();
    d
}

fn meta() -> Metadata {
    Metadata::new(mode::S_IFREG | 0o644, Timestamp::from_secs(1_704_164_645))
}

/// Write a session into an emulated image (mmc-recipes.md §8.2): the
/// session at `start`, then the head at 0.
fn grow(image: &mut Vec<u8>, plan: &Plan) {
    let start = plan.start_lba() as usize * BLOCK;
    image.resize(start, 0);
    image.extend_from_slice(&emit_vec(plan));
    image[..32 * BLOCK].copy_from_slice(&plan.emulated_head());
}

/// Two sessions on an emulated medium (image file).
#[test]
fn second_session_on_emulated_media() {
    let t1 = tree1();
    let base = Options::reproducible(1_704_164_645);
    let mut tree = Tree::new();
    tree.graft(t1.path(), None).unwrap();
    let plan1 = Plan::new(
        tree,
        &Options {
            start_lba: 32,
            ..base.clone()
        },
    )
    .unwrap();
    let files1 = plan1.files();
    let mut image = Vec::new();
    grow(&mut image, &plan1);

    // Session 2: import, add a directory, replace a.txt, remove "gone".
    let mut src = &image[..];
    let start = newest_session(&mut src).unwrap();
    assert_eq!(start, 32);
    let mut img = Image::open(&image[..], start).unwrap();
    let mut tree = Tree::new();
    let rep = import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    assert_eq!((rep.files, rep.with_md5, rep.without_md5), (4, 4, 0));
    assert_eq!((rep.dirs, rep.symlinks), (1, 1));
    let t2 = tempfile::tempdir().unwrap();
    fs::write(t2.path().join("c.txt"), b"second\n").unwrap();
    tree.graft(t2.path(), Some(b"/t2")).unwrap();
    let root = tree.root();
    tree.add_file(
        root,
        b"a.txt",
        &meta(),
        FileData::Memory(Arc::from(&b"changed\n"[..])),
    )
    .unwrap();
    tree.remove(tree.lookup(b"/gone").unwrap()).unwrap();
    let nwa = round_up_32(plan1.end_lba());
    let plan2 = Plan::new(
        tree,
        &Options {
            start_lba: nwa,
            ..base.clone()
        },
    )
    .unwrap();
    // Only the new data is written.
    let written: Vec<_> = plan2.files().into_iter().filter(|f| f.written).collect();
    assert_eq!(written.len(), 2, "a.txt (new content) and t2/c.txt");
    grow(&mut image, &plan2);

    let mut src = &image[..];
    let s = sessions(&mut src).unwrap();
    assert_eq!(s.iter().map(|s| s.start).collect::<Vec<_>>(), vec![32, nwa]);
    assert_eq!(s[1].size, plan2.total_blocks());
    let mut r = open(&image);
    assert_eq!(r.session_start(), nwa);
    let items = image_items(&mut r);
    let paths: Vec<String> = items
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "a-link",
            "a.txt",
            "link",
            "sub",
            "sub/b.bin",
            "t2",
            "t2/c.txt"
        ]
    );
    let get = |p: &str| &items[p.as_bytes()];
    assert_eq!(get("a.txt").0.data_md5, Some(md5(b"changed\n")));
    assert_eq!(get("a-link").0.data_md5, Some(md5(b"hello world\n")));
    assert_eq!(get("t2/c.txt").0.data_md5, Some(md5(b"second\n")));
    assert_eq!(get("link").0.target.as_deref(), Some(&b"sub/b.bin"[..]));
    // Old data stays where session 1 put it.
    let old_b = files1.iter().find(|f| f.path == b"/sub/b.bin").unwrap();
    assert_eq!(get("sub/b.bin").1.extents, old_b.extents);
    assert!(old_b.extents[0].lba < nwa);
    // The new array carries the old MD5s under new indices.
    let v = r.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
    assert_eq!(v.files.len(), 4);
    assert!(r.verify_tags().unwrap().all_match());
    let e = get("sub/b.bin").1.clone();
    assert_eq!(r.file_md5(&e), Some(md5(&[b'B'; 5000])));
    // The first session is still intact and readable on its own.
    let mut r1 = Image::open(&image[..], 32).unwrap();
    assert!(r1.verify_files().unwrap().all_match());
    assert_eq!(image_items(&mut r1).len(), 6);
}

/// A session appended right after the previous one (sequential media: no
/// head, the TOC gives the start), importing from that start.
#[test]
fn second_session_on_sequential_media() {
    let t1 = tree1();
    let mut tree = Tree::new();
    tree.graft(t1.path(), None).unwrap();
    let plan1 = Plan::new(tree, &Options::default()).unwrap();
    let mut disc = emit_vec(&plan1);
    let s2 = plan1.end_lba() + 150; // e.g. after a run-out
    let mut img = Image::open(&disc[..], 0).unwrap();
    let mut tree = Tree::new();
    import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    tree.mkdir_p(b"/new/dir").unwrap();
    let plan2 = Plan::new(
        tree,
        &Options {
            start_lba: s2,
            ..Options::default()
        },
    )
    .unwrap();
    disc.resize(s2 as usize * BLOCK, 0);
    disc.extend_from_slice(&emit_vec(&plan2));
    let mut r = Image::open(&disc[..], s2).unwrap();
    assert!(r.verify_tags().unwrap().all_match());
    assert!(r.verify_files().unwrap().all_match());
    let items = image_items(&mut r);
    assert!(items.contains_key(b"new/dir".as_slice()));
    assert_eq!(
        items[b"gone".as_slice()].0.data_md5,
        Some(md5(b"to be removed"))
    );
}

/// An old session without checksums: by default its files get no
/// `isofs.cx`; with `compute_missing_md5` their data is read and hashed.
#[test]
fn import_without_old_checksums() {
    let t1 = tree1();
    let mut tree = Tree::new();
    tree.graft(t1.path(), None).unwrap();
    let plan1 = Plan::new(
        tree,
        &Options {
            md5: false,
            ..Options::default()
        },
    )
    .unwrap();
    let mut disc = emit_vec(&plan1);
    let s2 = plan1.end_lba();
    let mut results = BTreeMap::new();
    for compute in [false, true] {
        let mut img = Image::open(&disc[..], 0).unwrap();
        let mut tree = Tree::new();
        let opts = ImportOptions {
            compute_missing_md5: compute,
        };
        let rep = import_session(&mut img, &mut tree, &opts).unwrap();
        assert_eq!(rep.with_md5, 0);
        assert_eq!(rep.md5_computed, if compute { 4 } else { 0 });
        let missing = tree.imported_without_md5().len();
        assert_eq!(
            missing,
            if compute { 0 } else { 3 },
            "hard links share one content"
        );
        let plan2 = Plan::new(
            tree,
            &Options {
                start_lba: s2,
                ..Options::default()
            },
        )
        .unwrap();
        disc.resize(s2 as usize * BLOCK, 0);
        disc.extend_from_slice(&emit_vec(&plan2));
        let mut r = Image::open(&disc[..], s2).unwrap();
        let v = r.verify_files().unwrap();
        results.insert(compute, (v.without_md5(), v.mismatches().count()));
        if compute {
            assert!(v.all_match(), "{v:?}");
        }
    }
    assert_eq!(
        results[&false],
        (4, 0),
        "files without isofs.cx are reported, not failed"
    );
    assert_eq!(results[&true], (0, 0));
}

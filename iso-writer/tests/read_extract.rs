//! Extraction: a faithful copy of real images, and nothing ever written
//! outside the target directory for crafted ones.

mod read_common;

use std::fs::{self, File};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use iso_writer::read::{Error, ExtractOptions, Image, Limits, OpenOptions, newest_session};
use read_common::craft::{self, *};
use read_common::*;

fn only_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn extracts_a_native_xorriso_tree_faithfully() {
    let dir = tempfile::tempdir().unwrap();
    let src = rich_tree(dir.path());
    let iso = native_xorriso(dir.path(), &src, "n.iso");
    let mut f = File::open(&iso).unwrap();
    let start = newest_session(&mut f).unwrap();
    assert_eq!(start, 32);
    let mut img = Image::open(f, start).unwrap();
    let out = dir.path().join("out");
    let opts = ExtractOptions {
        special_files: true,
        ..Default::default()
    };
    let root = img.root().clone();
    let rep = img.extract(&root, &out, &opts).unwrap();
    assert!(rep.skipped.is_empty(), "{:?}", rep.skipped);
    assert_eq!((rep.symlinks, rep.hard_links, rep.special), (3, 1, 1));

    let want = disk_tree(&src);
    let got = disk_tree(&out);
    assert_eq!(got, want);
    for p in ["a.txt", "sub/b.bin", "big.bin", "sub/deep/exec.sh"] {
        assert_eq!(
            fs::read(out.join(p)).unwrap(),
            fs::read(src.join(p)).unwrap(),
            "{p}"
        );
    }
    assert_eq!(
        fs::metadata(out.join("a.txt")).unwrap().ino(),
        fs::metadata(out.join("hard")).unwrap().ino(),
        "hard link restored from the PX serial numbers"
    );
    assert!(
        fs::symlink_metadata(out.join("fifo"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
    assert_eq!(
        fs::read_link(out.join("abs-link")).unwrap(),
        Path::new("/etc/passwd")
    );

    // A subtree, and a single file to a path of its own.
    let rep = img
        .extract_path("/sub", dir.path().join("sub-only"), &opts)
        .unwrap();
    assert_eq!(rep.files, 2);
    assert_eq!(
        only_entries(&dir.path().join("sub-only")),
        ["b.bin", "deep", "up-link"]
    );
    img.extract_path("/sub/b.bin", dir.path().join("b-copy"), &opts)
        .unwrap();
    assert_eq!(
        fs::read(dir.path().join("b-copy")).unwrap(),
        vec![b'B'; 5000]
    );
    // Extracting again without overwrite skips what exists; with overwrite it replaces.
    let rep = img
        .extract_path("/sub/b.bin", dir.path().join("b-copy"), &opts)
        .unwrap();
    assert_eq!(rep.skipped.len(), 1);
    let rep = img
        .extract_path(
            "/sub/b.bin",
            dir.path().join("b-copy"),
            &ExtractOptions {
                overwrite: true,
                ..opts.clone()
            },
        )
        .unwrap();
    assert_eq!((rep.files, rep.skipped.len()), (1, 0));
}

/// A target inside `outer`, plus a directory outside it that must stay empty.
struct Arena {
    _tmp: tempfile::TempDir,
    outer: std::path::PathBuf,
    dest: std::path::PathBuf,
    outside: std::path::PathBuf,
}

fn arena() -> Arena {
    let tmp = tempfile::tempdir().unwrap();
    let outer = tmp.path().join("outer");
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outer).unwrap();
    fs::create_dir_all(&outside).unwrap();
    Arena {
        dest: outer.join("dest"),
        outer,
        outside,
        _tmp: tmp,
    }
}

impl Arena {
    fn assert_nothing_escaped(&self) {
        assert_eq!(only_entries(&self.outer), ["dest"]);
        assert_eq!(only_entries(&self.outside), Vec::<String>::new());
    }
}

fn file_rec(iso_name: &[u8], rr_name: &[u8], lba: u32, len: u32) -> Vec<u8> {
    rec(iso_name, lba, len, 0, &cat(&[px(S_IFREG, 0), nm(rr_name)]))
}

#[test]
fn dangerous_names_are_skipped() {
    let a = arena();
    let mut im = craft::Image::new(40, true);
    im.put(30, b"payload");
    im.dir(
        ROOT,
        ROOT,
        &[
            file_rec(b"A;1", b"..", 30, 7),
            file_rec(b"B;1", b".", 30, 7),
            file_rec(b"C;1", b"../escaped", 30, 7),
            file_rec(
                b"D;1",
                format!("{}/abs", a.outside.display()).as_bytes(),
                30,
                7,
            ),
            file_rec(b"E;1", b"nul\0byte", 30, 7),
            file_rec(b"F;1", b"ok.txt", 30, 7),
        ],
        true,
    );
    let mut img = Image::open(im.data, 0).unwrap();
    let root = img.root().clone();
    let rep = img
        .extract(&root, &a.dest, &ExtractOptions::default())
        .unwrap();
    assert_eq!(rep.files, 1);
    assert_eq!(rep.skipped.len(), 5, "{:?}", rep.skipped);
    assert_eq!(only_entries(&a.dest), ["ok.txt"]);
    assert_eq!(fs::read(a.dest.join("ok.txt")).unwrap(), b"payload");
    a.assert_nothing_escaped();
}

#[test]
fn a_symlink_is_never_followed_into_a_directory() {
    let a = arena();
    let mut im = craft::Image::new(40, true);
    im.put(30, b"pwned");
    // "link" → the outside directory, then a directory "link" holding a file.
    let target = a.outside.display().to_string();
    let link = rec(
        b"LINK;1",
        0,
        0,
        0,
        &cat(&[px(S_IFLNK, 0), nm(b"link"), sl(target.as_bytes())]),
    );
    let dir = rec(b"LINK", 20, 2048, DIR, &cat(&[px(S_IFDIR, 0), nm(b"link")]));
    im.dir(ROOT, ROOT, &[link, dir], true);
    im.dir(20, ROOT, &[file_rec(b"P;1", b"pwned", 30, 5)], false);
    let mut img = Image::open(im.data, 0).unwrap();
    let root = img.root().clone();
    let rep = img
        .extract(&root, &a.dest, &ExtractOptions::default())
        .unwrap();
    assert_eq!(rep.symlinks, 1);
    assert_eq!(rep.files, 0);
    assert_eq!(rep.skipped.len(), 1, "{:?}", rep.skipped);
    assert_eq!(fs::read_link(a.dest.join("link")).unwrap(), a.outside);
    a.assert_nothing_escaped();
}

#[test]
fn a_symlink_is_never_followed_into_a_file() {
    let a = arena();
    let mut im = craft::Image::new(40, true);
    im.put(30, b"pwned");
    let target = a.outside.join("victim").display().to_string();
    let link = rec(
        b"F;1",
        0,
        0,
        0,
        &cat(&[px(S_IFLNK, 0), nm(b"f"), sl(target.as_bytes())]),
    );
    im.dir(ROOT, ROOT, &[link, file_rec(b"F;2", b"f", 30, 5)], true);
    let data = im.data;
    let mut img = Image::open(data.clone(), 0).unwrap();
    let root = img.root().clone();
    let rep = img
        .extract(&root, &a.dest, &ExtractOptions::default())
        .unwrap();
    assert_eq!((rep.symlinks, rep.files, rep.skipped.len()), (1, 0, 1));
    a.assert_nothing_escaped();

    // With overwrite the symlink is replaced by the file, inside the target.
    let a = arena();
    let mut img = Image::open(data, 0).unwrap();
    let opts = ExtractOptions {
        overwrite: true,
        ..Default::default()
    };
    img.extract(&root, &a.dest, &opts).unwrap();
    let m = fs::symlink_metadata(a.dest.join("f")).unwrap();
    assert!(m.file_type().is_file());
    assert_eq!(fs::read(a.dest.join("f")).unwrap(), b"pwned");
    a.assert_nothing_escaped();
}

#[test]
fn symlinks_already_in_the_target_are_not_followed() {
    let a = arena();
    fs::create_dir_all(&a.dest).unwrap();
    std::os::unix::fs::symlink(&a.outside, a.dest.join("sub")).unwrap();
    let mut im = craft::Image::new(40, true);
    im.put(30, b"pwned");
    let dir = rec(b"SUB", 20, 2048, DIR, &cat(&[px(S_IFDIR, 0), nm(b"sub")]));
    im.dir(ROOT, ROOT, &[dir, file_rec(b"X;1", b"x", 30, 5)], true);
    im.dir(20, ROOT, &[file_rec(b"P;1", b"pwned", 30, 5)], false);
    let mut img = Image::open(im.data, 0).unwrap();
    let root = img.root().clone();
    let rep = img
        .extract(
            &root,
            &a.dest,
            &ExtractOptions {
                overwrite: true,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(rep.files, 1);
    assert_eq!(rep.skipped.len(), 1, "{:?}", rep.skipped);
    a.assert_nothing_escaped();
}

#[test]
fn directory_cycles_through_child_links_are_refused() {
    let a = arena();
    let mut im = craft::Image::new(40, true);
    // "loop" is a Rock Ridge CL placeholder pointing back at the root.
    let l = rec(
        b"LOOP;1",
        0,
        0,
        0,
        &cat(&[px(S_IFDIR, 0), nm(b"loop"), craft::cl(ROOT)]),
    );
    im.dir(ROOT, ROOT, &[l], true);
    let mut img = Image::open(im.data, 0).unwrap();
    let root = img.root().clone();
    match img.find(&root) {
        Err(Error::Corrupt {
            field: "directory tree",
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    match img.extract(&root, &a.dest, &ExtractOptions::default()) {
        Err(Error::Corrupt {
            field: "directory tree",
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    a.assert_nothing_escaped();
}

#[test]
fn continuation_loops_and_depth_are_bounded() {
    let mut im = craft::Image::new(60, true);
    // A record whose CE points at an area holding a CE to itself.
    im.put(25, &craft::ce(25, 0, 28));
    let r = rec(
        b"CEL;1",
        30,
        0,
        0,
        &cat(&[px(S_IFREG, 0), craft::ce(25, 0, 28)]),
    );
    im.dir(ROOT, ROOT, &[r], true);
    let mut img = Image::open(im.data, 0).unwrap();
    let root = img.root().clone();
    match img.read_dir(&root) {
        Err(Error::Corrupt {
            field: "SUSP CE",
            lba: 25,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }

    // A chain of 30 nested directories with a depth limit of 10.
    let mut im = craft::Image::new(60, true);
    let mut parent = ROOT;
    for i in 0..30u32 {
        let lba = 20 + i;
        let name = format!("D{i}");
        let r = rec(name.as_bytes(), lba, 2048, DIR, &px(S_IFDIR, 0));
        if parent == ROOT {
            im.dir(ROOT, ROOT, &[r], true);
        } else {
            im.dir(parent, parent - 1, &[r], false);
        }
        parent = lba;
    }
    im.dir(parent, parent - 1, &[], false);
    let opts = OpenOptions {
        limits: Limits {
            max_depth: 10,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut img = Image::open_with(im.data, 0, opts).unwrap();
    let root = img.root().clone();
    match img.find(&root) {
        Err(Error::Limit {
            what: "directory depth",
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
}

//! `burn extract`: round trips compared with `diff -r`, and images forged
//! to lead writes outside the destination.

use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::support::*;

#[test]
fn round_trip_restores_contents_permissions_times_and_links() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let r = burn(d.path(), ["extract", "img.iso", "/", "out"]);
    let text = r.ok();
    assert!(text.starts_with("extracted / to out: "), "{text}");
    let out = d.path().join("out");
    diff_r(&t, &out);
    for p in walk(&t) {
        let rel = p.strip_prefix(&t).unwrap();
        let a = fs::symlink_metadata(&p).unwrap();
        let b = fs::symlink_metadata(out.join(rel)).unwrap();
        assert_eq!(a.file_type(), b.file_type(), "{rel:?}");
        if !a.file_type().is_symlink() {
            assert_eq!(a.mode() & 0o7777, b.mode() & 0o7777, "{rel:?} permissions");
            assert_eq!(a.mtime(), b.mtime(), "{rel:?} mtime");
        }
    }
    assert_eq!(
        fs::symlink_metadata(out.join("docs/hard")).unwrap().ino(),
        fs::symlink_metadata(out.join("hello.txt")).unwrap().ino(),
        "hard link kept"
    );
    assert_eq!(
        fs::read_link(out.join("link")).unwrap(),
        Path::new("hello.txt")
    );
}

#[test]
fn subtrees_and_single_files() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    burn(d.path(), ["extract", "img.iso", "/docs/deep", "deep"]).ok();
    diff_r(&t.join("docs/deep"), &d.path().join("deep"));
    // A file into an existing directory keeps its name …
    fs::create_dir(d.path().join("into")).unwrap();
    burn(d.path(), ["extract", "img.iso", "/docs/big.bin", "into"]).ok();
    assert_eq!(
        fs::read(d.path().join("into/big.bin")).unwrap(),
        fs::read(t.join("docs/big.bin")).unwrap()
    );
    // … else DEST is the file.
    burn(d.path(), ["extract", "img.iso", "/hello.txt", "greeting"]).ok();
    assert_eq!(
        fs::read(d.path().join("greeting")).unwrap(),
        b"hello, world\n"
    );
    // --dev stdio:IMG works the same.
    burn(
        d.path(),
        ["extract", "--dev", "stdio:img.iso", "/empty", "empty-copy"],
    )
    .ok();
    assert_eq!(fs::read(d.path().join("empty-copy")).unwrap(), b"");
}

#[test]
fn existing_files_are_kept_unless_overwrite() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    fs::write(d.path().join("mine.txt"), b"mine").unwrap();
    let r = burn(d.path(), ["extract", "img.iso", "/hello.txt", "mine.txt"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stderr
            .contains("warning: skipped /mine.txt: already exists"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("error: extraction incomplete: 1 entry skipped"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint: --overwrite"), "{}", r.stderr);
    assert_eq!(fs::read(d.path().join("mine.txt")).unwrap(), b"mine");
    burn(
        d.path(),
        [
            "extract",
            "--overwrite",
            "img.iso",
            "/hello.txt",
            "mine.txt",
        ],
    )
    .ok();
    assert_eq!(
        fs::read(d.path().join("mine.txt")).unwrap(),
        b"hello, world\n"
    );
}

#[test]
fn fifos_only_with_special() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("t");
    fs::create_dir(&t).unwrap();
    oracle("mkfifo", &["t/pipe"], d.path(), false);
    fs::write(t.join("f"), b"f").unwrap();
    burn(d.path(), ["mkiso", "-o", "img.iso", "t"]).ok();
    let r = burn(d.path(), ["extract", "img.iso", "/", "a"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("skipped /pipe"), "{}", r.stderr);
    assert!(d.path().join("a/f").exists());
    burn(d.path(), ["extract", "--special", "img.iso", "/", "b"]).ok();
    assert!(
        fs::symlink_metadata(d.path().join("b/pipe"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

/// Replaces the one occurrence of `from` in the file by `to` (same length).
fn patch_once(image: &Path, from: &[u8], to: &[u8]) {
    assert_eq!(from.len(), to.len());
    let mut b = fs::read(image).unwrap();
    let hits: Vec<usize> = b
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1, "{:?} occurs {} times", from, hits.len());
    b[hits[0]..hits[0] + to.len()].copy_from_slice(to);
    fs::write(image, b).unwrap();
}

/// Rock Ridge `NM` entry with flags 0 (RRIP 1.12 §4.1.4).
fn nm(name: &[u8]) -> Vec<u8> {
    let mut v = vec![b'N', b'M', 5 + name.len() as u8, 1, 0];
    v.extend_from_slice(name);
    v
}

#[test]
fn forged_names_cannot_escape_the_destination() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("t");
    fs::create_dir(&t).unwrap();
    fs::write(t.join("aaaaa"), b"escaped").unwrap();
    fs::write(t.join("fine"), b"fine").unwrap();
    burn(
        d.path(),
        ["mkiso", "-o", "evil.iso", "--no-md5", "--no-joliet", "t"],
    )
    .ok();
    // `aaaaa` becomes `../aa`: a name that would step out of DEST.
    patch_once(&d.path().join("evil.iso"), &nm(b"aaaaa"), &nm(b"../aa"));
    let dest = d.path().join("box/dest");
    fs::create_dir_all(&dest).unwrap();
    let r = burn(d.path(), ["extract", "evil.iso", "/", "box/dest"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("skipped"), "{}", r.stderr);
    assert!(
        !d.path().join("box/aa").exists(),
        "a file was written outside DEST"
    );
    assert_eq!(fs::read(dest.join("fine")).unwrap(), b"fine");
}

#[test]
fn forged_symlinks_cannot_lead_writes_outside() {
    let d = tempfile::tempdir().unwrap();
    let outside = d.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let t = d.path().join("t");
    fs::create_dir_all(t.join("ab")).unwrap();
    fs::write(t.join("ab/pwned"), b"pwned").unwrap();
    std::os::unix::fs::symlink(&outside, t.join("aa")).unwrap();
    burn(
        d.path(),
        ["mkiso", "-o", "evil.iso", "--no-md5", "--no-joliet", "t"],
    )
    .ok();
    // The directory `ab` is renamed `aa`: the same name as the symlink to
    // `outside`, which comes first.
    patch_once(&d.path().join("evil.iso"), &nm(b"ab"), &nm(b"aa"));
    let listing = burn(d.path(), ["ls", "evil.iso"]).ok();
    assert_eq!(listing, "aa\naa\n", "the forged image has two `aa`");
    let r = burn(d.path(), ["extract", "evil.iso", "/", "dest"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        !outside.join("pwned").exists(),
        "written through the symlink"
    );
    assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
}

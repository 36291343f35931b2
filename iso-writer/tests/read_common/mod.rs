//! Helpers shared by the reader's integration tests: building trees and
//! images with the independent peers (xorriso, genisoimage) at test time.
//! A missing tool fails the test loudly; nothing is skipped.

#![allow(dead_code)]

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs a tool, panicking with its output when it is missing or fails.
pub fn run(tool: &str, args: &[&str], cwd: &Path) -> Output {
    let out = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1704164645")
        .output()
        .unwrap_or_else(|e| panic!("oracle tool `{tool}` could not be run ({e}); install it (Debian: xorriso, genisoimage)"));
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn all_output(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Sets mtime of a path without following symlinks.
pub fn touch(p: &Path, secs: i64) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
    let times = fs::FileTimes::new().set_modified(t).set_accessed(t);
    if fs::symlink_metadata(p).unwrap().file_type().is_symlink() {
        return;
    }
    let f = fs::File::options().read(true).open(p).unwrap();
    f.set_times(times).unwrap();
}

/// The tree of md5-tags.md §10.1, session 1.
pub fn tree1(dir: &Path) -> PathBuf {
    let t = dir.join("tree1");
    fs::create_dir_all(t.join("sub")).unwrap();
    fs::write(t.join("a.txt"), b"hello world\n").unwrap();
    fs::write(t.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    for p in ["a.txt", "sub/b.bin", "sub", ""] {
        touch(&t.join(p), 1_704_164_645);
    }
    t
}

/// A richer tree: symlinks, a hard link, an empty file, a long name, a
/// FIFO, a deep directory chain, mode bits.
pub fn rich_tree(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let t = dir.join("rich");
    fs::create_dir_all(t.join("sub/deep")).unwrap();
    fs::write(t.join("a.txt"), b"hello world\n").unwrap();
    fs::write(t.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    fs::write(t.join("empty"), b"").unwrap();
    fs::write(
        t.join("big.bin"),
        (0..300_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>(),
    )
    .unwrap();
    fs::hard_link(t.join("a.txt"), t.join("hard")).unwrap();
    symlink("a.txt", t.join("rel-link")).unwrap();
    symlink("/etc/passwd", t.join("abs-link")).unwrap();
    symlink("../a.txt", t.join("sub/up-link")).unwrap();
    let long =
        "a long file name with spaces that is longer than sixty-four characters for sure.txt";
    fs::write(t.join(long), b"x").unwrap();
    fs::write(t.join("sub/deep/exec.sh"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(
        t.join("sub/deep/exec.sh"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
    fs::set_permissions(t.join("sub/deep"), fs::Permissions::from_mode(0o711)).unwrap();
    run("mkfifo", &[t.join("fifo").to_str().unwrap()], dir);
    for p in [
        "a.txt",
        "sub/b.bin",
        "empty",
        "big.bin",
        long,
        "sub/deep/exec.sh",
        "sub/deep",
        "sub",
        "",
    ] {
        touch(&t.join(p), 1_704_164_645);
    }
    t
}

/// A chain of `depth` nested directories d1/d2/…, with a file at the bottom.
pub fn deep_tree(dir: &Path, depth: usize) -> PathBuf {
    let t = dir.join("deeptree");
    let mut p = t.clone();
    for i in 1..=depth {
        p = p.join(format!("d{i}"));
    }
    fs::create_dir_all(&p).unwrap();
    fs::write(p.join("bottom.txt"), b"deep\n").unwrap();
    fs::write(t.join("top.txt"), b"top\n").unwrap();
    t
}

/// `xorriso -as mkisofs` with the given extra options.
pub fn mkisofs_xorriso(dir: &Path, tree: &Path, name: &str, opts: &[&str]) -> PathBuf {
    let img = dir.join(name);
    let mut args = vec!["-as", "mkisofs", "-quiet"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["-o", img.to_str().unwrap(), tree.to_str().unwrap()]);
    run("xorriso", &args, dir);
    img
}

/// `genisoimage` with the given options.
pub fn genisoimage(dir: &Path, tree: &Path, name: &str, opts: &[&str]) -> PathBuf {
    let img = dir.join(name);
    let mut args = vec!["-quiet"];
    args.extend_from_slice(opts);
    args.extend_from_slice(&["-o", img.to_str().unwrap(), tree.to_str().unwrap()]);
    run("genisoimage", &args, dir);
    img
}

/// Reproduces md5-tags.md §10.1: two native xorriso sessions with MD5 on a
/// `stdio:` file. Returns the image path.
pub fn two_sessions(dir: &Path) -> PathBuf {
    let t1 = tree1(dir);
    let t2 = dir.join("tree2");
    fs::create_dir_all(&t2).unwrap();
    fs::write(t2.join("c.txt"), b"second\n").unwrap();
    touch(&t2.join("c.txt"), 1_704_164_645);
    touch(&t2, 1_704_164_645);
    let img = dir.join("x.iso");
    let dev = format!("stdio:{}", img.display());
    run(
        "xorriso",
        &[
            "-md5",
            "on",
            "-outdev",
            &dev,
            "-volid",
            "SESS1",
            "-map",
            t1.to_str().unwrap(),
            "/",
            "-commit",
        ],
        dir,
    );
    run(
        "xorriso",
        &[
            "-md5",
            "on",
            "-dev",
            &dev,
            "-volid",
            "SESS2",
            "-map",
            t2.to_str().unwrap(),
            "/t2",
            "-commit",
        ],
        dir,
    );
    img
}

pub fn flip_byte(img: &Path, offset: u64) {
    use std::io::{Read, Seek, SeekFrom, Write};
    let mut f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(img)
        .unwrap();
    let mut b = [0u8];
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.read_exact(&mut b).unwrap();
    b[0] ^= 0xff;
    f.seek(SeekFrom::Start(offset)).unwrap();
    f.write_all(&b).unwrap();
}

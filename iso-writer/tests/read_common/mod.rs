//! Helpers shared by the reader's integration tests: building trees and
//! images with the independent peers (xorriso, genisoimage) at test time.
//! A missing tool fails the test loudly; nothing is skipped.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};

use iso_writer::model::Kind;
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

/// Native xorriso with RRIP 1.12 (PX serial numbers) and hard links
/// recorded, MD5 on; the image starts at LBA 32 of an emulated medium.
pub fn native_xorriso(dir: &Path, tree: &Path, name: &str) -> PathBuf {
    let img = dir.join(name);
    let dev = format!("stdio:{}", img.display());
    run(
        "xorriso",
        &[
            "-compliance",
            "new_rr",
            "-hardlinks",
            "on",
            "-md5",
            "on",
            "-outdev",
            &dev,
            "-map",
            tree.to_str().unwrap(),
            "/",
            "-commit",
        ],
        dir,
    );
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

/// What a listing entry looks like, for comparisons with the source tree.
#[derive(Debug, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub size: u64,
    pub perm: u32,
    pub target: Option<String>,
    pub mtime: i64,
}

/// The source tree as std::fs sees it (symlinks not followed).
pub fn disk_tree(root: &Path) -> BTreeMap<String, Item> {
    let mut out = BTreeMap::new();
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let m = fs::symlink_metadata(e.path()).unwrap();
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            let ft = m.file_type();
            let kind = if ft.is_dir() {
                Kind::Dir
            } else if ft.is_symlink() {
                Kind::Symlink
            } else if ft.is_file() {
                Kind::File
            } else {
                Kind::Fifo
            };
            out.insert(
                name.clone(),
                Item {
                    kind,
                    size: if kind == Kind::File { m.len() } else { 0 },
                    perm: m.permissions().mode() & 0o7777,
                    target: ft.is_symlink().then(|| {
                        fs::read_link(e.path())
                            .unwrap()
                            .to_string_lossy()
                            .into_owned()
                    }),
                    mtime: m.mtime(),
                },
            );
            if ft.is_dir() {
                stack.push((e.path(), name));
            }
        }
    }
    out
}

/// Hand-made images for malformed and malicious cases (ECMA-119 §8.4 PVD,
/// §9.1 records, SUSP/RRIP entries). Layout: PVD at 16, terminator at 17,
/// root directory at 18 (one block); everything else where the test puts it.
pub mod craft {
    pub const BLOCK: usize = 2048;
    pub const ROOT: u32 = 18;

    fn both32(v: u32) -> [u8; 8] {
        let mut b = [0; 8];
        b[..4].copy_from_slice(&v.to_le_bytes());
        b[4..].copy_from_slice(&v.to_be_bytes());
        b
    }

    /// A directory record (ECMA-119 §9.1).
    pub fn rec(ident: &[u8], extent: u32, len: u32, flags: u8, su: &[u8]) -> Vec<u8> {
        let pad = usize::from(ident.len().is_multiple_of(2));
        let mut total = 33 + ident.len() + pad + su.len();
        total += total & 1;
        assert!(total <= 255, "record too long");
        let mut r = vec![0u8; total];
        r[0] = total as u8;
        r[2..10].copy_from_slice(&both32(extent));
        r[10..18].copy_from_slice(&both32(len));
        r[18..25].copy_from_slice(&[124, 1, 2, 3, 4, 5, 0]);
        r[25] = flags;
        r[28] = 1;
        r[31] = 1;
        r[32] = ident.len() as u8;
        r[33..33 + ident.len()].copy_from_slice(ident);
        r[33 + ident.len() + pad..33 + ident.len() + pad + su.len()].copy_from_slice(su);
        r
    }

    pub fn entry(sig: &[u8; 2], body: &[u8]) -> Vec<u8> {
        let mut e = vec![sig[0], sig[1], (4 + body.len()) as u8, 1];
        e.extend_from_slice(body);
        e
    }

    pub fn sp() -> Vec<u8> {
        entry(b"SP", &[0xbe, 0xef, 0])
    }

    pub fn px(mode: u32, ino: u32) -> Vec<u8> {
        let mut b = Vec::new();
        for v in [mode, 1, 0, 0, ino] {
            b.extend_from_slice(&both32(v));
        }
        entry(b"PX", &b)
    }

    pub fn nm(name: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8];
        b.extend_from_slice(name);
        entry(b"NM", &b)
    }

    /// `SL` with the target as one plain component, or ROOT + components
    /// for an absolute path.
    pub fn sl(target: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8];
        let mut rest = target;
        if let Some(r) = target.strip_prefix(b"/") {
            b.extend_from_slice(&[0x08, 0]);
            rest = r;
        }
        for c in rest.split(|&x| x == b'/') {
            match c {
                b".." => b.extend_from_slice(&[0x04, 0]),
                b"." => b.extend_from_slice(&[0x02, 0]),
                _ => {
                    b.push(0);
                    b.push(c.len() as u8);
                    b.extend_from_slice(c);
                }
            }
        }
        entry(b"SL", &b)
    }

    pub fn cl(lba: u32) -> Vec<u8> {
        entry(b"CL", &both32(lba))
    }

    pub fn ce(lba: u32, offset: u32, len: u32) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&both32(lba));
        b.extend_from_slice(&both32(offset));
        b.extend_from_slice(&both32(len));
        entry(b"CE", &b)
    }

    pub fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    pub const DIR: u8 = 0x02;
    pub const MULTI: u8 = 0x80;
    pub const S_IFDIR: u32 = 0o040755;
    pub const S_IFREG: u32 = 0o100644;
    pub const S_IFLNK: u32 = 0o120777;

    pub struct Image {
        pub data: Vec<u8>,
    }

    impl Image {
        /// An image of `blocks` blocks with a PVD (with Rock Ridge `SP` on
        /// the root `.` when `rr`) and an empty root directory.
        pub fn new(blocks: u32, rr: bool) -> Image {
            let mut data = vec![0u8; blocks as usize * BLOCK];
            let pvd = &mut data[16 * BLOCK..17 * BLOCK];
            pvd[0] = 1;
            pvd[1..6].copy_from_slice(b"CD001");
            pvd[6] = 1;
            pvd[40..48].copy_from_slice(b"CRAFTED ");
            pvd[80..88].copy_from_slice(&both32(blocks));
            pvd[120..124].copy_from_slice(&[1, 0, 0, 1]);
            pvd[124..128].copy_from_slice(&[1, 0, 0, 1]);
            pvd[128..132].copy_from_slice(&[0, 8, 8, 0]);
            let root = rec(&[0], ROOT, BLOCK as u32, DIR, &[]);
            pvd[156..156 + 34].copy_from_slice(&root[..34]);
            pvd[156] = 34;
            pvd[881] = 1;
            let term = &mut data[17 * BLOCK..18 * BLOCK];
            term[0] = 255;
            term[1..6].copy_from_slice(b"CD001");
            term[6] = 1;
            let mut img = Image { data };
            img.dir(ROOT, ROOT, &[], rr);
            img
        }

        /// Writes directory `lba` (one block) with `.`/`..` and `records`.
        pub fn dir(&mut self, lba: u32, parent: u32, records: &[Vec<u8>], root_sp: bool) {
            let dot_su = if root_sp {
                cat(&[sp(), px(S_IFDIR, 0)])
            } else {
                Vec::new()
            };
            let mut all = vec![
                rec(&[0], lba, BLOCK as u32, DIR, &dot_su),
                rec(&[1], parent, BLOCK as u32, DIR, &[]),
            ];
            all.extend_from_slice(records);
            let bytes = all.concat();
            assert!(
                bytes.len() <= BLOCK,
                "directory too big for the test builder"
            );
            self.put(lba, &bytes);
        }

        pub fn put(&mut self, lba: u32, bytes: &[u8]) {
            let at = lba as usize * BLOCK;
            self.data[at..at + bytes.len()].copy_from_slice(bytes);
        }
    }
}

//! Helpers of the writer's integration tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::Path;

use iso_writer::BLOCK;
use iso_writer::model::{Kind, Md5};
use iso_writer::read::{BlockRead, Entry, Image, OpenOptions};
use iso_writer::write::Plan;
use md5::{Digest, Md5 as Md5Hasher};

pub fn md5(bytes: &[u8]) -> Md5 {
    Md5Hasher::digest(bytes).into()
}

/// Emit a plan into memory, checking the planned size.
pub fn emit_vec(plan: &Plan) -> Vec<u8> {
    let mut out = Vec::new();
    let report = plan.emit(&mut out).expect("emit");
    assert_eq!(
        out.len() as u64,
        plan.total_bytes(),
        "emitted size differs from the plan"
    );
    assert_eq!(report.blocks, plan.total_blocks());
    out
}

/// The bytes of an image whose session starts at `start`: `start` blocks
/// of zeros, then the session (so that absolute LBAs address it).
pub fn at_lba(start: u32, session: &[u8]) -> Vec<u8> {
    let mut v = vec![0u8; start as usize * BLOCK];
    v.extend_from_slice(session);
    v
}

/// Set mtime and atime of a path (not following symlinks: skipped).
pub fn touch(p: &Path, secs: i64) {
    let ft = fs::symlink_metadata(p).unwrap().file_type();
    if !ft.is_file() && !ft.is_dir() {
        return; // opening a fifo would block; symlinks would be followed
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
    let f = fs::File::options().read(true).open(p).unwrap();
    f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

/// A source tree with the cases the writer must handle:
/// plain and empty files, a 5000-byte file, a symlink, a hard link, a
/// fifo, a 200-byte name, names colliding in ISO 9660, a non-ASCII name, a
/// directory nesting 11 levels deep, a 300-byte-deep symlink target.
pub fn sample_tree(root: &Path) {
    fs::create_dir_all(root.join("sub")).unwrap();
    fs::write(root.join("a.txt"), b"hello world\n").unwrap();
    fs::write(root.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    symlink("../a.txt", root.join("sub/link")).unwrap();
    let long_target: String = (0..30)
        .map(|i| format!("component-{i:02}/"))
        .collect::<String>()
        + "end";
    symlink(&long_target, root.join("longlink")).unwrap();
    fs::hard_link(root.join("a.txt"), root.join("hard")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(root.join("fifo"))
        .status()
        .unwrap();
    assert!(fifo.success());
    fs::write(root.join("L".repeat(200)), b"long name\n").unwrap();
    fs::write(root.join("Read Me.txt"), b"1").unwrap();
    fs::write(root.join("read_me.txt"), b"2").unwrap();
    fs::write(root.join("READ-ME.TXT"), b"3").unwrap();
    fs::write(root.join("grüße.txt"), "grüße\n").unwrap();
    let deep = root.join("deep/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11");
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), b"at the bottom\n").unwrap();
    let mut p = root.to_path_buf();
    touch(&p, 1_700_000_000);
    for entry in walk(root) {
        p.clone_from(&entry);
        touch(&p, 1_700_000_000);
    }
}

/// Every path below `root` (not following symlinks), sorted.
pub fn walk(root: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            if e.file_type().unwrap().is_dir() {
                stack.push(p.clone());
            }
            out.push(p);
        }
    }
    out.sort();
    out
}

/// What a disk tree holds, by relative path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub kind: Kind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub mtime: i64,
    pub size: u64,
    pub data_md5: Option<Md5>,
    pub target: Option<Vec<u8>>,
}

pub fn disk_items(root: &Path) -> BTreeMap<Vec<u8>, Item> {
    use std::os::unix::ffi::OsStrExt;
    let mut m = BTreeMap::new();
    for p in walk(root) {
        let md = fs::symlink_metadata(&p).unwrap();
        let kind = Kind::from_mode(md.mode()).unwrap();
        let rel = p
            .strip_prefix(root)
            .unwrap()
            .as_os_str()
            .as_bytes()
            .to_vec();
        m.insert(
            rel,
            Item {
                kind,
                mode: md.mode(),
                uid: md.uid(),
                gid: md.gid(),
                mtime: md.mtime(),
                size: if kind == Kind::File { md.len() } else { 0 },
                data_md5: (kind == Kind::File).then(|| md5(&fs::read(&p).unwrap())),
                target: (kind == Kind::Symlink)
                    .then(|| fs::read_link(&p).unwrap().as_os_str().as_bytes().to_vec()),
            },
        );
    }
    m
}

/// What an image session holds (Rock Ridge view), by relative path.
pub fn image_items<R: BlockRead>(img: &mut Image<R>) -> BTreeMap<Vec<u8>, (Item, Entry)> {
    let root = img.root().clone();
    let found: Vec<(Vec<u8>, Entry)> = img
        .find(&root)
        .unwrap()
        .into_iter()
        .map(|(p, e)| (p.as_bytes().to_vec(), e))
        .collect();
    let mut m = BTreeMap::new();
    for (path, e) in found {
        let rel = path.strip_prefix(b"/").unwrap_or(&path).to_vec();
        if rel.is_empty() {
            continue;
        }
        let data_md5 = (e.kind == Kind::File).then(|| md5(&img.read_file(&e, u64::MAX).unwrap()));
        m.insert(
            rel,
            (
                Item {
                    kind: e.kind,
                    mode: e.metadata.mode,
                    uid: e.metadata.uid,
                    gid: e.metadata.gid,
                    mtime: e.metadata.mtime.secs,
                    size: if e.kind == Kind::File { e.size } else { 0 },
                    data_md5,
                    target: e.symlink_target.as_ref().map(|t| t.as_bytes().to_vec()),
                },
                e,
            ),
        );
    }
    m
}

/// Open the newest session of an image in memory.
pub fn open(image: &[u8]) -> Image<&[u8]> {
    let mut src: &[u8] = image;
    let start = iso_writer::read::newest_session(&mut src).expect("newest session");
    Image::open_with(src, start, OpenOptions::default()).expect("open image")
}

/// Compare two item maps key by key with readable messages.
pub fn assert_same_items(
    got: &BTreeMap<Vec<u8>, Item>,
    want: &BTreeMap<Vec<u8>, Item>,
    what: &str,
) {
    let gk: Vec<String> = got
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    let wk: Vec<String> = want
        .keys()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert_eq!(gk, wk, "{what}: paths differ");
    for (k, w) in want {
        assert_eq!(&got[k], w, "{what}: {}", String::from_utf8_lossy(k));
    }
}

//! Images written by `iso_writer::write` checked by independent programs:
//! xorriso (listing, MD5 checks, media check, session table, extraction),
//! isoinfo, isovfy, 7z, bsdtar (peers-and-oracles.md §1).
//!
//! A missing tool fails the test with a message naming the package; no
//! test is skipped. Exit statuses of tools that return 0 even on failure
//! (isovfy, xorriso -check_md5_r, -check_media) are not trusted: the
//! output lines are.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use iso_writer::BLOCK;
use iso_writer::model::{Kind, Metadata, Timestamp, mode};
use iso_writer::read::{Image, newest_session};
use iso_writer::write::{FileData, ImportOptions, Options, Plan, Tree, import_session};

/// Run an oracle; panic loudly when it cannot be started.
fn tool(name: &str, args: &[&str]) -> (String, i32) {
    let out = Command::new(name).args(args).output().unwrap_or_else(|e| {
        panic!(
            "oracle `{name}` could not be run: {e}. Install it (Debian packages: xorriso, genisoimage \
             (isoinfo, isovfy), p7zip-full (7z), libarchive-tools (bsdtar))"
        )
    });
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.code().unwrap_or(-1))
}

fn set_times(p: &Path, secs: i64) {
    let ft = fs::symlink_metadata(p).unwrap().file_type();
    if !ft.is_file() && !ft.is_dir() {
        return;
    }
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs as u64);
    let f = fs::File::options().read(true).open(p).unwrap();
    f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

fn all_paths(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// The source tree: files, an empty file, a symlink, a hard link, a fifo,
/// long names, a non-ASCII name, names that collide in ISO 9660, and a
/// directory chain deeper than ECMA-119's 8 levels.
fn source_tree(root: &Path) {
    fs::create_dir_all(root.join("sub/inner")).unwrap();
    fs::write(root.join("a.txt"), b"hello world\n").unwrap();
    fs::write(root.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    fs::write(
        root.join("sub/inner/random.dat"),
        (0..70_000u32)
            .map(|i| (i * 7 % 251) as u8)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    fs::write(root.join("empty"), b"").unwrap();
    symlink("../a.txt", root.join("sub/link")).unwrap();
    symlink("/nonexistent/absolute/target", root.join("abs-link")).unwrap();
    fs::hard_link(root.join("a.txt"), root.join("hard")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap()
            .success()
    );
    fs::write(root.join("n".repeat(180) + ".txt"), b"long name\n").unwrap();
    fs::write(root.join("Grüße aus Köln.txt"), "grüße\n").unwrap();
    fs::write(root.join("collide.txt"), b"1").unwrap();
    fs::write(root.join("Collide.txt"), b"2").unwrap();
    fs::write(root.join("COLLIDE.TXT"), b"3").unwrap();
    let deep = root.join("deep/l3/l4/l5/l6/l7/l8/l9/l10/l11");
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("bottom.txt"), b"at the bottom\n").unwrap();
    fs::set_permissions(
        root.join("sub/b.bin"),
        <fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o640),
    )
    .unwrap();
    for p in all_paths(root) {
        set_times(&p, 1_700_000_000);
    }
    set_times(root, 1_700_000_000);
}

fn device_meta(kind_bits: u32, rdev: (u32, u32)) -> Metadata {
    Metadata {
        rdev: Some(rdev),
        ..Metadata::new(kind_bits | 0o644, Timestamp::from_secs(1_700_000_000))
    }
}

struct Built {
    _dir: tempfile::TempDir,
    src: PathBuf,
    iso: PathBuf,
    plan_blocks: u32,
    /// LBA of the data of /sub/b.bin.
    b_bin_lba: u32,
}

/// Build an image of the source tree plus two device nodes from memory.
fn build(opts: &Options) -> Built {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    source_tree(&src);
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let dev = tree.mkdir_p(b"/dev").unwrap();
    tree.set_metadata(dev, &device_meta(mode::S_IFDIR, (0, 0)))
        .unwrap();
    tree.add_special(dev, b"null", &device_meta(mode::S_IFCHR, (1, 3)))
        .unwrap();
    tree.add_special(dev, b"sda", &device_meta(mode::S_IFBLK, (8, 0)))
        .unwrap();
    let plan = Plan::new(tree, opts).unwrap();
    let b_bin_lba = plan
        .files()
        .iter()
        .find(|f| f.path == b"/sub/b.bin")
        .map(|f| f.extents[0].lba)
        .unwrap();
    let iso = dir.path().join("out.iso");
    let f = fs::File::create(&iso).unwrap();
    plan.emit(std::io::BufWriter::new(f)).unwrap();
    Built {
        plan_blocks: plan.total_blocks(),
        b_bin_lba,
        _dir: dir,
        src,
        iso,
    }
}

fn opts() -> Options {
    Options {
        ids: iso_writer::write::VolumeIds {
            volume: "ORACLE_TEST".into(),
            ..Default::default()
        },
        ..Options::default()
    }
}

/// Expected `lsdl` lines (type, size or device, name) of the source tree
/// plus the devices.
fn expected_listing(src: &Path) -> BTreeMap<String, (char, String, Option<String>)> {
    use std::os::unix::ffi::OsStrExt;
    let mut m = BTreeMap::new();
    for p in all_paths(src) {
        let md = fs::symlink_metadata(&p).unwrap();
        let rel = format!(
            "/{}",
            String::from_utf8_lossy(p.strip_prefix(src).unwrap().as_os_str().as_bytes())
        );
        let (t, size, target) = match Kind::from_mode(md.mode()).unwrap() {
            Kind::Dir => ('d', "0".to_string(), None),
            Kind::File => ('-', md.len().to_string(), None),
            Kind::Symlink => (
                'l',
                "0".to_string(),
                Some(
                    String::from_utf8_lossy(fs::read_link(&p).unwrap().as_os_str().as_bytes())
                        .into_owned(),
                ),
            ),
            Kind::Fifo => ('p', "0".to_string(), None),
            k => panic!("unexpected {k:?}"),
        };
        m.insert(rel, (t, size, target));
    }
    m.insert("/dev".into(), ('d', "0".into(), None));
    m.insert("/dev/null".into(), ('c', "1,3".into(), None));
    m.insert("/dev/sda".into(), ('b', "8,0".into(), None));
    m
}

/// `xorriso -find / -exec lsdl`: every path with its type, size (or
/// device number) and link target, through Rock Ridge.
#[test]
fn xorriso_lists_the_rock_ridge_tree() {
    let b = build(&opts());
    let iso = b.iso.to_str().unwrap();
    let (out, code) = tool(
        "xorriso",
        &[
            "-indev",
            &format!("stdio:{iso}"),
            "-find",
            "/",
            "-exec",
            "lsdl",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let mut got = BTreeMap::new();
    for line in out.lines().filter(|l| l.contains(" '/")) {
        // "-rw-r--r--    1 0        0              12 Nov 14 22:13 '/a.txt'"
        let t = line.chars().next().unwrap();
        let q = line.find(" '/").unwrap();
        let rest = &line[q + 2..];
        let (name, target) = match rest.split_once("' -> '") {
            Some((n, t)) => (
                n.trim_start_matches('\'').to_string(),
                Some(t.trim_end_matches('\'').to_string()),
            ),
            None => (rest.trim_matches('\'').to_string(), None),
        };
        let fields: Vec<&str> = line[..q].split_whitespace().collect();
        let size = fields[4].to_string();
        if name == "/" {
            continue;
        }
        got.insert(name, (t, if t == 'd' { "0".into() } else { size }, target));
    }
    let want = expected_listing(&b.src);
    for (k, v) in &want {
        assert_eq!(got.get(k), Some(v), "{k}\n{out}");
    }
    assert_eq!(
        got.len(),
        want.len(),
        "extra entries (no rr_moved, no placeholders)\n{out}"
    );
    assert!(
        out.contains("'/sub/b.bin'") && out.contains("-rw-r-----"),
        "{out}"
    );
}

/// The three xorriso MD5 checks with their exact success lines
/// (md5-tags.md §10.6, peers-and-oracles.md §1).
#[test]
fn xorriso_md5_checks_pass() {
    let b = build(&opts());
    let dev = format!("stdio:{}", b.iso.to_str().unwrap());
    let (out, code) = tool(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            &dev,
            "-check_md5_r",
            "sorry",
            "/",
            "--",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l == "File contents and their MD5 checksums match."),
        "{out}"
    );
    assert!(
        !out.contains("There were data files which have no MD5"),
        "{out}"
    );
    assert!(!out.contains("Not a single file with MD5"), "{out}");

    let (out, code) = tool(
        "xorriso",
        &["-md5", "on", "-indev", &dev, "-check_md5", "sorry", "--"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l == "Ok, session data match recorded md5."),
        "{out}"
    );

    let (out, code) = tool(
        "xorriso",
        &["-md5", "on", "-indev", &dev, "-check_media", "--"],
    );
    assert_eq!(code, 0, "{out}");
    let ranges: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("MD5 tag range:"))
        .collect();
    assert_eq!(ranges.len(), 1, "{out}");
    assert!(ranges.iter().all(|l| l.ends_with("+ md5_match")), "{out}");
    for tag in ["superblock", "tree", "session"] {
        assert!(
            out.contains(&format!("Found matching MD5 {tag} tag: start=0")),
            "{tag}\n{out}"
        );
    }
    assert!(
        !out.lines()
            .any(|l| l.starts_with("Media region") && l.contains(" - ")),
        "{out}"
    );
}

/// The checks are not blind: one flipped byte of a file's data makes
/// xorriso name the file and the session tag mismatch.
#[test]
fn xorriso_md5_checks_detect_damage() {
    let b = build(&opts());
    let mut img = fs::read(&b.iso).unwrap();
    img[b.b_bin_lba as usize * BLOCK + 100] ^= 0x01;
    fs::write(&b.iso, &img).unwrap();
    let dev = format!("stdio:{}", b.iso.to_str().unwrap());
    let (out, _) = tool(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            &dev,
            "-check_md5_r",
            "sorry",
            "/",
            "--",
        ],
    );
    assert!(out.contains("MD5 MISMATCH: '/sub/b.bin'"), "{out}");
    assert!(
        !out.contains("File contents and their MD5 checksums match."),
        "{out}"
    );
    let (out, _) = tool(
        "xorriso",
        &["-md5", "on", "-indev", &dev, "-check_media", "--"],
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("MD5 tag range:") && l.ends_with("md5_mismatch")),
        "{out}"
    );
}

/// `isoinfo -d`: volume id, size, Rock Ridge and Joliet announced;
/// `isoinfo -l -R` and `-J` list the names.
#[test]
fn isoinfo_describes_and_lists() {
    let b = build(&opts());
    let iso = b.iso.to_str().unwrap();
    let (out, code) = tool("isoinfo", &["-d", "-i", iso]);
    assert_eq!(code, 0, "{out}");
    assert!(out.lines().any(|l| l == "Volume id: ORACLE_TEST"), "{out}");
    assert!(
        out.lines()
            .any(|l| l == format!("Volume size is: {}", b.plan_blocks)),
        "{out}"
    );
    assert!(
        out.contains("Rock Ridge signatures version 1 found"),
        "{out}"
    );
    assert!(out.contains("Joliet with UCS level 3 found"), "{out}");

    let (out, code) = tool("isoinfo", &["-l", "-R", "-i", iso]);
    assert_eq!(code, 0, "{out}");
    for name in [
        "a.txt",
        "hard",
        "fifo",
        "Grüße aus Köln.txt",
        "collide.txt",
        "Collide.txt",
        "COLLIDE.TXT",
    ] {
        assert!(
            out.lines().any(|l| l.ends_with(&format!("  {name} "))),
            "{name}\n{out}"
        );
    }
    let long = "n".repeat(180) + ".txt";
    assert!(out.contains(&long), "{out}");
    // PX link count of the hard-linked file and mode bits.
    let a = out.lines().find(|l| l.ends_with("  a.txt ")).unwrap();
    assert!(a.starts_with("-rw-r--r--   2 "), "{a}");
    let bbin = out.lines().find(|l| l.ends_with("  b.bin ")).unwrap();
    assert!(bbin.starts_with("-rw-r----- "), "{bbin}");

    let (out, code) = tool("isoinfo", &["-f", "-J", "-i", iso]);
    assert_eq!(code, 0, "{out}");
    let jl = "n".repeat(60) + ".txt";
    assert!(
        out.lines()
            .any(|l| l.trim_end_matches(";1") == format!("/{jl}")),
        "{out}"
    );
    // (isoinfo prints Joliet names in Latin-1: the non-ASCII name is
    // checked through 7z instead.)
    assert!(
        out.lines()
            .any(|l| l.trim_end_matches(";1") == "/deep/l3/l4/l5/l6/l7/l8/l9/l10/l11/bottom.txt"),
        "{out}"
    );
    assert!(
        !out.contains("abs-link") && !out.contains("fifo") && !out.contains("rr_moved"),
        "{out}"
    );
}

/// `isovfy`: the last line must be exactly `No errors found` (its exit
/// status is 0 even on errors).
#[test]
fn isovfy_finds_no_errors() {
    for o in [
        opts(),
        Options {
            joliet: false,
            md5: false,
            ..opts()
        },
    ] {
        let b = build(&o);
        let (out, _) = tool("isovfy", &["-i", b.iso.to_str().unwrap()]);
        assert_eq!(out.lines().last(), Some("No errors found"), "{out}");
        assert!(!out.contains("**BAD"), "{out}");
    }
}

/// 7-Zip (Joliet names) and bsdtar (Rock Ridge) list the files with their
/// sizes.
#[test]
fn sevenzip_and_bsdtar_list() {
    let b = build(&opts());
    let iso = b.iso.to_str().unwrap();
    let (out, code) = tool("7z", &["l", "-slt", iso]);
    assert_eq!(code, 0, "{out}");
    let mut sizes = BTreeMap::new();
    let mut path = None;
    for l in out.lines() {
        if let Some(p) = l.strip_prefix("Path = ") {
            path = Some(p.to_string());
        } else if let (Some(s), Some(p)) = (l.strip_prefix("Size = "), &path) {
            sizes.insert(p.clone(), s.to_string());
        }
    }
    assert_eq!(
        sizes.get("sub/b.bin").map(String::as_str),
        Some("5000"),
        "{out}"
    );
    assert_eq!(
        sizes.get("sub/inner/random.dat").map(String::as_str),
        Some("70000"),
        "{out}"
    );
    assert_eq!(sizes.get("a.txt").map(String::as_str), Some("12"), "{out}");
    assert!(
        sizes.contains_key("deep/l3/l4/l5/l6/l7/l8/l9/l10/l11/bottom.txt"),
        "{out}"
    );
    assert!(sizes.contains_key("Grüße aus Köln.txt"), "{out}");

    let (out, code) = tool("bsdtar", &["-tvf", iso]);
    assert_eq!(code, 0, "{out}");
    let has = |pat: &str| out.lines().any(|l| l.contains(pat));
    assert!(has("sub/link -> ../a.txt"), "{out}");
    assert!(has("abs-link -> /nonexistent/absolute/target"), "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("-rw-r-----")
            && l.contains(" 5000 ")
            && l.ends_with("sub/b.bin")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("crw-r--r--") && l.ends_with("dev/null")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("prw-r--r--") && l.ends_with("fifo")),
        "{out}"
    );
    assert!(has("deep/l3/l4/l5/l6/l7/l8/l9/l10/l11/bottom.txt"), "{out}");
    assert!(has(&("n".repeat(180) + ".txt")), "{out}");
    assert!(!has("rr_moved"), "{out}");
    // Hard link: bsdtar shows the second name as a link to the first.
    assert!(
        out.lines()
            .any(|l| l.contains(" link to ") && (l.contains("a.txt") || l.contains("hard"))),
        "{out}"
    );
}

/// `xorriso -osirrox on -extract / OUT` gives back the source tree:
/// same names, kinds, permissions, mtimes, contents and link targets;
/// devices restored with their numbers.
#[test]
fn extraction_matches_the_source() {
    use std::os::unix::ffi::OsStrExt;
    let b = build(&opts());
    let out_dir = b._dir.path().join("extracted");
    let (out, code) = tool(
        "xorriso",
        &[
            "-osirrox",
            "on:device_files",
            "-indev",
            &format!("stdio:{}", b.iso.to_str().unwrap()),
            "-extract",
            "/",
            out_dir.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{out}");
    let list = |root: &Path| -> BTreeMap<Vec<u8>, (u32, i64, Vec<u8>, u64)> {
        all_paths(root)
            .into_iter()
            .map(|p| {
                let md = fs::symlink_metadata(&p).unwrap();
                let rel = p
                    .strip_prefix(root)
                    .unwrap()
                    .as_os_str()
                    .as_bytes()
                    .to_vec();
                let content = if md.is_file() {
                    fs::read(&p).unwrap()
                } else if md.file_type().is_symlink() {
                    fs::read_link(&p).unwrap().as_os_str().as_bytes().to_vec()
                } else {
                    Vec::new()
                };
                let mtime = if md.is_dir() || md.file_type().is_symlink() {
                    0
                } else {
                    md.mtime()
                };
                (rel, (md.mode(), mtime, content, md.rdev()))
            })
            .collect()
    };
    let got = list(&out_dir);
    let mut want = list(&b.src);
    // The two device nodes came from memory.
    let dev_null = fs::symlink_metadata(out_dir.join("dev/null")).unwrap();
    assert_eq!(dev_null.mode() & mode::S_IFMT, mode::S_IFCHR);
    assert_eq!(dev_null.rdev(), 0x103, "1,3 in glibc dev_t encoding");
    let dev_sda = fs::symlink_metadata(out_dir.join("dev/sda")).unwrap();
    assert_eq!(dev_sda.mode() & mode::S_IFMT, mode::S_IFBLK);
    for (k, v) in &got {
        if k.starts_with(b"dev") {
            want.insert(k.clone(), v.clone());
        }
    }
    assert_eq!(
        got.keys()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect::<Vec<_>>(),
        want.keys()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect::<Vec<_>>()
    );
    for (k, v) in &want {
        assert_eq!(&got[k], v, "{}", String::from_utf8_lossy(k));
    }
}

/// Two sessions on an image file (emulated multisession): xorriso sees
/// both in its table of contents, every tag range matches, the newest
/// tree has the old and the new files, all MD5s match.
#[test]
fn multisession_image_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    source_tree(&src);
    let iso = dir.path().join("multi.iso");
    let write_session = |plan: &Plan| {
        let mut f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&iso)
            .unwrap();
        f.seek(SeekFrom::Start(u64::from(plan.start_lba()) * BLOCK as u64))
            .unwrap();
        plan.emit(std::io::BufWriter::new(&mut f)).unwrap();
        f.sync_all().unwrap();
        f.seek(SeekFrom::Start(0)).unwrap();
        f.write_all(&plan.emulated_head()).unwrap();
        f.sync_all().unwrap();
    };
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let o1 = Options {
        start_lba: 32,
        ids: iso_writer::write::VolumeIds {
            volume: "SESS1".into(),
            ..Default::default()
        },
        ..Options::default()
    };
    let plan1 = Plan::new(tree, &o1).unwrap();
    write_session(&plan1);

    let mut f = fs::File::open(&iso).unwrap();
    let start = newest_session(&mut f).unwrap();
    let mut img = Image::open(f, start).unwrap();
    let mut tree = Tree::new();
    import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    let more = dir.path().join("more");
    fs::create_dir(&more).unwrap();
    fs::write(more.join("c.txt"), b"second session\n").unwrap();
    tree.graft(&more, Some(b"/t2")).unwrap();
    let root = tree.root();
    let m = Metadata::new(mode::S_IFREG | 0o644, Timestamp::from_secs(1_700_000_000));
    tree.add_file(
        root,
        b"a.txt",
        &m,
        FileData::Memory(Arc::from(&b"replaced in session 2\n"[..])),
    )
    .unwrap();
    let nwa = plan1.end_lba().div_ceil(32) * 32;
    let o2 = Options {
        start_lba: nwa,
        ids: iso_writer::write::VolumeIds {
            volume: "SESS2".into(),
            ..Default::default()
        },
        ..Options::default()
    };
    let plan2 = Plan::new(tree, &o2).unwrap();
    write_session(&plan2);

    let dev = format!("stdio:{}", iso.to_str().unwrap());
    let (out, code) = tool(
        "xorriso",
        &["-md5", "on", "-indev", &dev, "-toc", "-check_media", "--"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "ISO",
                "session",
                ":",
                "1",
                ",",
                "32",
                ",",
                &format!("{}s", plan1.total_blocks()),
                ",",
                "SESS1"
            ]),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>()
            == [
                "ISO",
                "session",
                ":",
                "2",
                ",",
                &nwa.to_string(),
                ",",
                &format!("{}s", plan2.total_blocks()),
                ",",
                "SESS2"
            ]),
        "{out}"
    );
    let ranges: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("MD5 tag range:"))
        .collect();
    assert_eq!(ranges.len(), 2, "{out}");
    assert!(ranges.iter().all(|l| l.ends_with("+ md5_match")), "{out}");

    let (out, code) = tool(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            &dev,
            "-check_md5_r",
            "sorry",
            "/",
            "--",
        ],
    );
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l == "File contents and their MD5 checksums match."),
        "{out}"
    );
    assert!(
        !out.contains("There were data files which have no MD5"),
        "{out}"
    );

    let (out, _) = tool("xorriso", &["-indev", &dev, "-find", "/", "-exec", "lsdl"]);
    assert!(
        out.contains("'/t2/c.txt'") && out.contains("'/sub/b.bin'") && out.contains("'/a.txt'"),
        "{out}"
    );
    let ex = dir.path().join("ex");
    tool(
        "xorriso",
        &[
            "-osirrox",
            "on",
            "-indev",
            &dev,
            "-extract",
            "/a.txt",
            ex.to_str().unwrap(),
        ],
    );
    assert_eq!(fs::read(&ex).unwrap(), b"replaced in session 2\n");
    let (out, _) = tool("isovfy", &["-i", iso.to_str().unwrap()]);
    assert_eq!(out.lines().last(), Some("No errors found"), "{out}");
}

/// A writer that turns all-zero blocks into holes, so that a 5 GiB image
/// of a sparse file costs little disk.
struct SparseFile {
    f: fs::File,
    pos: u64,
}

impl Write for SparseFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        const Z: [u8; BLOCK] = [0; BLOCK];
        for chunk in buf.chunks(BLOCK) {
            if chunk == &Z[..chunk.len()] {
                self.f.seek(SeekFrom::Current(chunk.len() as i64))?;
            } else {
                self.f.write_all(chunk)?;
            }
            self.pos += chunk.len() as u64;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.f.set_len(self.pos)
    }
}

/// A file above 4 GiB (multi-extent, ECMA-119 §6.5.1) as xorriso and
/// isoinfo see it.
#[test]
fn file_above_4_gib_is_listed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    let size: u64 = (5 << 30) + 4321;
    fs::File::create(src.join("huge.bin"))
        .unwrap()
        .set_len(size)
        .unwrap();
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let plan = Plan::new(
        tree,
        &Options {
            md5: false,
            ..Options::default()
        },
    )
    .unwrap();
    let iso = dir.path().join("big.iso");
    let mut w = SparseFile {
        f: fs::File::create(&iso).unwrap(),
        pos: 0,
    };
    plan.emit(&mut w).unwrap();
    assert_eq!(fs::metadata(&iso).unwrap().len(), plan.total_bytes());

    let (out, code) = tool(
        "xorriso",
        &[
            "-indev",
            &format!("stdio:{}", iso.to_str().unwrap()),
            "-find",
            "/",
            "-exec",
            "lsdl",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let line = out
        .lines()
        .find(|l| l.ends_with("'/huge.bin'"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        line.split_whitespace().any(|f| f == size.to_string()),
        "{line}"
    );

    let (out, code) = tool("isoinfo", &["-l", "-R", "-i", iso.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    // isoinfo lists one line per extent record.
    let parts: Vec<&str> = out.lines().filter(|l| l.ends_with(" huge.bin ")).collect();
    assert_eq!(parts.len(), 2, "{out}");
    let sizes: u64 = parts
        .iter()
        .map(|l| l.split_whitespace().nth(4).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(sizes, size, "{out}");
}

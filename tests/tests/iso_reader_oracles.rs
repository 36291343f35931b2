//! The iso-writer reader against independent readers on the same images:
//! `isoinfo -l -R` (cdrkit), `bsdtar -tvf` (libarchive), `xorriso -find`,
//! `xorriso -toc`, `xorriso -report_el_torito plain` and
//! `xorriso -check_md5_r` (libisofs). Every tool is required: a missing
//! one fails the test with a message saying which.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use iso_writer::model::Kind;
use iso_writer::read::{
    self, BlockRead, Image, OpenOptions, TagKind, TagOutcome, newest_session, sessions,
    verify_medium_tags,
};

const EPOCH: i64 = 1_704_164_645;

fn run(tool: &str, args: &[&str], cwd: &Path) -> Output {
    let out = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", EPOCH.to_string())
        .output()
        .unwrap_or_else(|e| panic!("oracle `{tool}` is required but could not be run: {e}"));
    assert!(
        out.status.success(),
        "`{tool} {}` failed: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn touch(p: &Path) {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(EPOCH as u64);
    File::options()
        .read(true)
        .open(p)
        .unwrap()
        .set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
        .unwrap();
}

/// Files, directories, symlinks (relative, absolute, dangling), a hard
/// link, an empty file, a long name, a FIFO and a character device.
fn oracle_tree(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let t = dir.join("tree");
    fs::create_dir_all(t.join("sub/deeper")).unwrap();
    fs::create_dir_all(t.join("empty dir")).unwrap();
    fs::write(t.join("a.txt"), b"hello world\n").unwrap();
    fs::write(t.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    fs::write(t.join("sub/deeper/c"), vec![7u8; 70_000]).unwrap();
    fs::write(t.join("empty"), b"").unwrap();
    fs::write(
        t.join("a long name with spaces, commas and more than sixty-four characters.txt"),
        b"l",
    )
    .unwrap();
    fs::hard_link(t.join("a.txt"), t.join("hard")).unwrap();
    symlink("a.txt", t.join("rel")).unwrap();
    symlink("/etc/passwd", t.join("abs")).unwrap();
    symlink("../nowhere", t.join("sub/dangling")).unwrap();
    fs::set_permissions(t.join("sub/b.bin"), fs::Permissions::from_mode(0o640)).unwrap();
    run("mkfifo", &[t.join("fifo").to_str().unwrap()], dir);
    run(
        "mknod",
        &[t.join("null").to_str().unwrap(), "c", "1", "3"],
        dir,
    );
    t
}

/// One row of a listing, comparable between readers.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    kind: Kind,
    perm: u32,
    uid: u32,
    gid: u32,
    /// Data size of regular files; 0 for others (readers disagree there).
    size: u64,
    target: Option<String>,
    /// (major, minor) of device files.
    dev: Option<(u32, u32)>,
}

/// "1,3" → (1, 3) for device files.
fn dev_field(kind: Kind, s: &str) -> Option<(u32, u32)> {
    if !matches!(kind, Kind::CharDevice | Kind::BlockDevice) {
        return None;
    }
    let (a, b) = s
        .split_once(',')
        .unwrap_or_else(|| panic!("device field {s:?}"));
    Some((a.trim().parse().unwrap(), b.trim().parse().unwrap()))
}

fn kind_of(c: char) -> Kind {
    match c {
        '-' => Kind::File,
        'd' => Kind::Dir,
        'l' => Kind::Symlink,
        'c' => Kind::CharDevice,
        'b' => Kind::BlockDevice,
        'p' | 'f' => Kind::Fifo,
        's' => Kind::Socket,
        other => panic!("unknown file type letter {other:?}"),
    }
}

/// `drwxr-sr-t` → (kind, 0o3755).
fn parse_mode(m: &str) -> (Kind, u32) {
    let c: Vec<char> = m.chars().collect();
    assert_eq!(c.len(), 10, "mode string {m:?}");
    let mut perm = 0;
    for (i, ch) in c[1..].iter().enumerate() {
        let bit = 1 << (8 - i);
        let special = match i {
            2 => 0o4000,
            5 => 0o2000,
            8 => 0o1000,
            _ => 0,
        };
        match ch {
            '-' => {}
            's' | 't' => perm |= bit | special,
            'S' | 'T' => perm |= special,
            _ => perm |= bit,
        }
    }
    (kind_of(c[0]), perm)
}

/// Our listing: path (without leading `/`) → row.
fn ours<R: BlockRead>(img: &mut Image<R>) -> BTreeMap<String, (Row, read::Entry)> {
    let root = img.root().clone();
    img.find(&root)
        .unwrap()
        .into_iter()
        .filter(|(p, _)| p.as_bytes() != b"/")
        .map(|(p, e)| {
            let row = Row {
                kind: e.kind,
                perm: e.metadata.permissions(),
                uid: e.metadata.uid,
                gid: e.metadata.gid,
                size: if e.kind == Kind::File { e.size } else { 0 },
                target: e.symlink_target.as_ref().map(|t| t.to_string_lossy()),
                dev: e.metadata.rdev,
            };
            (p.to_string_lossy()[1..].to_string(), (row, e))
        })
        .collect()
}

fn rows(m: &BTreeMap<String, (Row, read::Entry)>) -> BTreeMap<String, Row> {
    m.iter().map(|(k, (r, _))| (k.clone(), r.clone())).collect()
}

/// `isoinfo -l -R`: sections "Directory listing of /dir/", then
/// `mode nlink uid gid size Mon DD YYYY [ extent flags]  name[ -> target]`.
/// Returns path → (row, extent, nlink).
fn isoinfo(img: &Path, extra: &[&str]) -> BTreeMap<String, (Row, u32, u32)> {
    let mut args = vec!["-l", "-i", img.to_str().unwrap()];
    args.extend_from_slice(extra);
    let text = stdout(&run("isoinfo", &args, Path::new("/")));
    let mut out = BTreeMap::new();
    let mut dir = String::new();
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of /") {
            dir = d.to_string();
            continue;
        }
        let Some(close) = line.find("]  ") else {
            continue;
        };
        let head: Vec<&str> = line[..close].split_whitespace().collect();
        // mode nlink uid gid size Mon DD YYYY [ extent flags
        let (kind, perm) = parse_mode(head[0]);
        let mut name = line[close + 3..].to_string();
        if name.ends_with(' ') {
            name.pop();
        }
        let mut target = None;
        if kind == Kind::Symlink
            && let Some(p) = name.find(" -> ")
        {
            target = Some(name[p + 4..].to_string());
            name.truncate(p);
        }
        if name == "." || name == ".." {
            continue;
        }
        let extent: u32 = head[head.len() - 2].parse().unwrap();
        let row = Row {
            kind,
            perm,
            uid: head[2].parse().unwrap(),
            gid: head[3].parse().unwrap(),
            size: if kind == Kind::File {
                head[4].parse().unwrap()
            } else {
                0
            },
            target,
            dev: None,
        };
        out.insert(
            format!("{dir}{name}"),
            (row, extent, head[1].parse().unwrap()),
        );
    }
    out
}

/// `bsdtar -tvf`: `mode nlink uid gid size Mon DD HH:MM path[ -> target| link to x]`.
fn bsdtar(img: &Path) -> BTreeMap<String, Row> {
    let text = stdout(&run(
        "bsdtar",
        &["-tvf", img.to_str().unwrap()],
        Path::new("/"),
    ));
    let mut out = BTreeMap::new();
    let mut hard = Vec::new();
    for line in text.lines() {
        // Split off the first eight whitespace-separated fields.
        let mut rest = line;
        let mut f = Vec::new();
        for _ in 0..8 {
            rest = rest.trim_start();
            let end = rest.find(' ').unwrap_or(rest.len());
            f.push(&rest[..end]);
            rest = &rest[end..];
        }
        let mut path = rest[1..].to_string();
        if path == "." {
            continue;
        }
        let (kind, perm) = parse_mode(f[0]);
        let mut target = None;
        if kind == Kind::Symlink
            && let Some(p) = path.find(" -> ")
        {
            target = Some(path[p + 4..].to_string());
            path.truncate(p);
        }
        if let Some(p) = path.find(" link to ") {
            // "x hard link to y": bsdtar lists the size as 0.
            hard.push((
                path[..p].to_string(),
                path[p + " link to ".len()..].to_string(),
            ));
            continue;
        }
        let row = Row {
            kind,
            perm,
            uid: f[2].parse().unwrap(),
            gid: f[3].parse().unwrap(),
            size: if kind == Kind::File {
                f[4].parse().unwrap()
            } else {
                0
            },
            target,
            dev: dev_field(kind, f[4]),
        };
        out.insert(path, row);
    }
    for (name, to) in hard {
        let name = name.trim_end_matches(" hard").to_string();
        let row = out[&to].clone();
        out.insert(name, row);
    }
    out
}

/// `xorriso -find / -exec lsdl`: `mode nlink uid gid size Mon DD HH:MM 'path'[ -> 'target']`.
fn xorriso_find(img: &Path) -> BTreeMap<String, Row> {
    let dev = format!("stdio:{}", img.display());
    let text = stdout(&run(
        "xorriso",
        &["-indev", &dev, "-find", "/", "-exec", "lsdl", "--"],
        Path::new("/"),
    ));
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(q) = line.find(" '") else { continue };
        let f: Vec<&str> = line[..q].split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let (kind, perm) = parse_mode(f[0]);
        let rest = &line[q + 2..];
        let (path, target) = match rest.find("' -> '") {
            Some(p) => (&rest[..p], Some(rest[p + 6..rest.len() - 1].to_string())),
            None => (&rest[..rest.len() - 1], None),
        };
        if path == "/" {
            continue;
        }
        out.insert(
            path[1..].to_string(),
            Row {
                kind,
                perm,
                uid: f[2].parse().unwrap(),
                gid: f[3].parse().unwrap(),
                size: if kind == Kind::File {
                    f[4].parse().unwrap()
                } else {
                    0
                },
                target,
                dev: dev_field(kind, f[4]),
            },
        );
    }
    out
}

fn build(dir: &Path, tool: &str, args: &[&str], tree: &Path, name: &str) -> PathBuf {
    let img = dir.join(name);
    let mut a: Vec<&str> = args.to_vec();
    a.extend_from_slice(&["-o", img.to_str().unwrap(), tree.to_str().unwrap()]);
    run(tool, &a, dir);
    img
}

/// `devices_agree`: libisofs and libarchive read `PN` as one 64-bit
/// `dev_t`, which is right for libisofs images but not for genisoimage's
/// (major, minor) pair; there the source tree (1, 3) is the reference, as
/// the Linux kernel reads it.
fn check_listings(img_path: &Path, devices_agree: bool) {
    let mut img = Image::open(File::open(img_path).unwrap(), 0).unwrap();
    let mine = ours(&mut img);
    assert!(mine.len() > 10, "{mine:?}");
    assert_eq!(mine["null"].0.dev, Some((1, 3)));
    {
        let theirs = isoinfo(img_path, &["-R"]);
        let mut a = BTreeMap::new();
        let mut b = BTreeMap::new();
        for (k, (row, e)) in &mine {
            // isoinfo prints extents of files and directories only.
            let ext = if matches!(e.kind, Kind::File | Kind::Dir) {
                e.lba().unwrap()
            } else {
                0
            };
            // isoinfo prints no device numbers.
            let row = Row {
                dev: None,
                ..row.clone()
            };
            a.insert(k.clone(), (row, ext, e.metadata.nlink));
        }
        for (k, (row, ext, nlink)) in &theirs {
            let ext = if matches!(row.kind, Kind::File | Kind::Dir) {
                *ext
            } else {
                0
            };
            b.insert(k.clone(), (row.clone(), ext, *nlink));
        }
        assert_eq!(a, b, "isoinfo -l -R disagrees on {}", img_path.display());
    }
    let strip = |m: BTreeMap<String, Row>| -> BTreeMap<String, Row> {
        if devices_agree {
            return m;
        }
        m.into_iter()
            .map(|(k, r)| (k, Row { dev: None, ..r }))
            .collect()
    };
    let mine = strip(rows(&mine));
    assert_eq!(
        mine,
        strip(bsdtar(img_path)),
        "bsdtar -tvf disagrees on {}",
        img_path.display()
    );
    assert_eq!(
        mine,
        strip(xorriso_find(img_path)),
        "xorriso -find disagrees on {}",
        img_path.display()
    );
}

#[test]
fn listings_of_xorriso_images_agree() {
    let dir = tempfile::tempdir().unwrap();
    let t = oracle_tree(dir.path());
    let iso = build(
        dir.path(),
        "xorriso",
        &["-as", "mkisofs", "-quiet", "-R", "-J", "--md5"],
        &t,
        "x.iso",
    );
    check_listings(&iso, true);
}

#[test]
fn listings_of_genisoimage_images_agree() {
    let dir = tempfile::tempdir().unwrap();
    let t = oracle_tree(dir.path());
    let iso = build(
        dir.path(),
        "genisoimage",
        &["-quiet", "-R", "-J", "-joliet-long"],
        &t,
        "g.iso",
    );
    check_listings(&iso, false);
}

#[test]
fn relocated_deep_tree_agrees_with_bsdtar_and_xorriso() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("deep");
    let mut p = t.clone();
    for i in 1..=11 {
        p = p.join(format!("level{i}"));
    }
    fs::create_dir_all(&p).unwrap();
    fs::write(p.join("bottom.txt"), b"x").unwrap();
    let iso = build(dir.path(), "genisoimage", &["-quiet", "-R"], &t, "d.iso");
    let mut img = Image::open(File::open(&iso).unwrap(), 0).unwrap();
    let mine = rows(&ours(&mut img));
    // libisofs keeps the emptied relocation directory visible ...
    assert_eq!(mine, xorriso_find(&iso));
    // ... libarchive hides it.
    let without: BTreeMap<String, Row> =
        mine.into_iter().filter(|(k, _)| k != "rr_moved").collect();
    assert_eq!(without, bsdtar(&iso));
}

#[test]
fn joliet_only_listing_agrees_with_isoinfo_and_bsdtar() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("j");
    fs::create_dir_all(t.join("Some Dir/Nested")).unwrap();
    fs::write(t.join("Some Dir/Nested/File With Spaces.txt"), b"abc").unwrap();
    fs::write(t.join("UPPER lower.TXT"), b"abcd").unwrap();
    let iso = build(dir.path(), "genisoimage", &["-quiet", "-J"], &t, "j.iso");
    let mut img = Image::open(File::open(&iso).unwrap(), 0).unwrap();
    let mine: BTreeMap<String, (Kind, u64)> = ours(&mut img)
        .into_iter()
        .map(|(k, (r, _))| (k, (r.kind, r.size)))
        .collect();
    let isoinfo_j: BTreeMap<String, (Kind, u64)> = isoinfo(&iso, &["-J"])
        .into_iter()
        .map(|(k, (r, _, _))| (k, (r.kind, r.size)))
        .collect();
    assert_eq!(mine, isoinfo_j);
    let tar: BTreeMap<String, (Kind, u64)> = bsdtar(&iso)
        .into_iter()
        .map(|(k, r)| (k, (r.kind, r.size)))
        .collect();
    assert_eq!(mine, tar);
}

/// md5-tags.md §10.1 with the TOC, the MD5 checks and a damaged copy.
#[test]
fn emulated_sessions_and_md5_agree_with_xorriso() {
    let dir = tempfile::tempdir().unwrap();
    let t1 = dir.path().join("tree1");
    fs::create_dir_all(t1.join("sub")).unwrap();
    fs::write(t1.join("a.txt"), b"hello world\n").unwrap();
    fs::write(t1.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    let t2 = dir.path().join("tree2");
    fs::create_dir_all(&t2).unwrap();
    fs::write(t2.join("c.txt"), b"second\n").unwrap();
    for p in [
        t1.join("a.txt"),
        t1.join("sub/b.bin"),
        t1.join("sub"),
        t1.clone(),
        t2.join("c.txt"),
        t2.clone(),
    ] {
        touch(&p);
    }
    let iso = dir.path().join("x.iso");
    let dev = format!("stdio:{}", iso.display());
    // One xorriso session per call, with MD5 tags: `-outdev` starts the
    // image, `-dev` grows it.
    let commit = |dev_opt: &str, volid: &str, from: &Path, to: &str| {
        run(
            "xorriso",
            &[
                "-md5",
                "on",
                dev_opt,
                &dev,
                "-volid",
                volid,
                "-map",
                from.to_str().unwrap(),
                to,
                "-commit",
            ],
            dir.path(),
        );
    };
    commit("-outdev", "SESS1", &t1, "/");
    commit("-dev", "SESS2", &t2, "/t2");
    commit("-dev", "SESS3", &t1.join("a.txt"), "/z.txt");

    // Our session table vs `xorriso -toc` ("ISO session : i , start , sizes , volid").
    let toc = stdout(&run("xorriso", &["-indev", &dev, "-toc"], dir.path()));
    let theirs: Vec<(u32, u32, String)> = toc
        .lines()
        .filter_map(|l| l.strip_prefix("ISO session  :"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            (
                f[1].parse().unwrap(),
                f[2].trim_end_matches('s').parse().unwrap(),
                f[3].to_string(),
            )
        })
        .collect();
    let mut f = File::open(&iso).unwrap();
    let mine: Vec<(u32, u32, String)> = sessions(&mut f)
        .unwrap()
        .into_iter()
        .map(|s| (s.start, s.size, s.volume_id))
        .collect();
    assert_eq!(theirs.len(), 3, "{toc}");
    assert_eq!(mine, theirs);

    // The newest session's listing vs xorriso (which loads the newest).
    let start = newest_session(&mut f).unwrap();
    assert_eq!(start, theirs[2].0);
    let mut img = Image::open(f, start).unwrap();
    assert_eq!(rows(&ours(&mut img)), xorriso_find(&iso));

    // Tag chains of all sessions vs `xorriso -check_media` ("MD5 tag range: lba , size , + md5_match").
    let media = |cwd: &Path| -> Vec<(u32, u32, bool)> {
        let text = stdout(&run(
            "xorriso",
            &["-md5", "on", "-indev", &dev, "-check_media", "--"],
            cwd,
        ));
        text.lines()
            .filter_map(|l| l.strip_prefix("MD5 tag range:"))
            .map(|l| {
                let f: Vec<&str> = l.split(',').map(str::trim).collect();
                (
                    f[0].parse().unwrap(),
                    f[1].parse().unwrap(),
                    f[2] == "+ md5_match",
                )
            })
            .collect()
    };
    let ours_media = |iso: &Path| -> Vec<(u32, u32, bool)> {
        let mut f = File::open(iso).unwrap();
        verify_medium_tags(&mut f)
            .unwrap()
            .iter()
            .map(|r| {
                let t = r
                    .tags
                    .iter()
                    .find(|t| t.kind == TagKind::Session)
                    .expect("session tag");
                (t.range_start, t.range_size, t.outcome == TagOutcome::Match)
            })
            .collect()
    };
    let theirs_media = media(dir.path());
    assert_eq!(theirs_media.len(), 3);
    assert!(theirs_media.iter().all(|t| t.2));
    assert_eq!(ours_media(&iso), theirs_media);

    // MD5: both say everything matches.
    let check_r = |cwd: &Path| {
        let o = Command::new("xorriso")
            .args([
                "-md5",
                "on",
                "-indev",
                &dev,
                "-check_md5_r",
                "FAILURE",
                "/",
                "--",
            ])
            .current_dir(cwd)
            .output()
            .expect("oracle `xorriso` is required");
        format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr))
    };
    let text = check_r(dir.path());
    assert!(
        text.contains("File contents and their MD5 checksums match."),
        "{text}"
    );
    let v = img.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");

    // One byte of sub/b.bin changed: both name that file and only it.
    let b = img.lookup("/sub/b.bin").unwrap();
    {
        use std::io::{Read, Seek, SeekFrom, Write};
        let mut w = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&iso)
            .unwrap();
        let at = u64::from(b.lba().unwrap()) * 2048 + 10;
        let mut byte = [0u8];
        w.seek(SeekFrom::Start(at)).unwrap();
        w.read_exact(&mut byte).unwrap();
        w.seek(SeekFrom::Start(at)).unwrap();
        w.write_all(&[byte[0] ^ 1]).unwrap();
    }
    let text = check_r(dir.path());
    let theirs: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("MD5 MISMATCH: '"))
        .map(|l| l.trim_end_matches('\''))
        .collect();
    let mut img = Image::open(File::open(&iso).unwrap(), start).unwrap();
    let v = img.verify_files().unwrap();
    let mine: Vec<String> = v.mismatches().map(|f| f.path.to_string_lossy()).collect();
    assert_eq!(theirs, ["/sub/b.bin"], "{text}");
    assert_eq!(mine, theirs);
    // Session 1's range now mismatches, for both.
    let theirs_media = media(dir.path());
    assert_eq!(
        theirs_media.iter().map(|t| t.2).collect::<Vec<_>>(),
        [false, true, true]
    );
    assert_eq!(ours_media(&iso), theirs_media);
}

/// Our catalog in the format of `xorriso -report_el_torito plain`.
fn report<R: BlockRead>(img: &mut Image<R>) -> Vec<String> {
    let cat = img.boot_catalog().unwrap().expect("boot catalog");
    let mut out = vec![format!("El Torito catalog  : {}  {}", cat.lba, cat.blocks)];
    for e in &cat.entries {
        out.push(format!(
            "El Torito boot img : {:>3}  {:<4}  {}   {:<4}  0x{:04x}  0x{:02x}  {:>5}  {:>10}",
            e.number,
            e.platform.xorriso_name(),
            if e.bootable { 'y' } else { 'n' },
            e.emulation.xorriso_name(),
            e.load_segment,
            e.system_type,
            e.sector_count,
            e.load_rba
        ));
    }
    for e in &cat.entries {
        let size = img.boot_image_size(e).unwrap();
        if let Some((path, _)) = &size.file {
            out.push(format!("El Torito img path : {:>3}  {}", e.number, path));
        }
        if let Some(blocks) = size.upper_bound_blocks {
            out.push(format!("El Torito img blks : {:>3}  {}", e.number, blocks));
        }
    }
    out.sort();
    out
}

fn xorriso_report(iso: &Path) -> Vec<String> {
    let dev = format!("stdio:{}", iso.display());
    let text = stdout(&run(
        "xorriso",
        &["-indev", &dev, "-report_el_torito", "plain"],
        Path::new("/"),
    ));
    let mut v: Vec<String> = text
        .lines()
        .filter(|l| {
            [
                "El Torito catalog",
                "El Torito boot img",
                "El Torito img path",
                "El Torito img blks",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn boot_catalog_agrees_with_xorriso_report() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("b");
    fs::create_dir_all(t.join("boot")).unwrap();
    fs::write(t.join("boot/boot.bin"), vec![0x90u8; 3000]).unwrap();
    fs::write(t.join("boot/efi.img"), vec![0xefu8; 70_000]).unwrap();
    fs::write(t.join("x.txt"), b"x").unwrap();
    let boot = [
        "-b",
        "boot/boot.bin",
        "-no-emul-boot",
        "-boot-load-size",
        "4",
        "-eltorito-alt-boot",
        "-e",
        "boot/efi.img",
        "-no-emul-boot",
    ];

    let mut args = vec!["-as", "mkisofs", "-quiet", "-R", "-J"];
    args.extend_from_slice(&boot);
    let iso = build(dir.path(), "xorriso", &args, &t, "boot.iso");
    let mut img = Image::open(File::open(&iso).unwrap(), 0).unwrap();
    let theirs = xorriso_report(&iso);
    assert!(theirs.len() >= 5, "{theirs:?}");
    assert_eq!(report(&mut img), theirs);

    // Boot images hidden from the trees: xorriso estimates their size up
    // to the next entity ("El Torito img blks"); so do we.
    let mut args = vec![
        "-as",
        "mkisofs",
        "-quiet",
        "-R",
        "-J",
        "-hide",
        "boot.bin",
        "-hide",
        "efi.img",
        "-hide-joliet",
        "boot.bin",
        "-hide-joliet",
        "efi.img",
    ];
    args.extend_from_slice(&boot);
    let iso = build(dir.path(), "xorriso", &args, &t, "hidden.iso");
    let theirs = xorriso_report(&iso);
    assert!(
        theirs.iter().any(|l| l.starts_with("El Torito img blks")),
        "{theirs:?}"
    );
    let mut img = Image::open(File::open(&iso).unwrap(), 0).unwrap();
    assert_eq!(report(&mut img), theirs);

    // The same catalog read through the Joliet presentation.
    let opts = OpenOptions {
        names: read::NameMode::PreferJoliet,
        ..Default::default()
    };
    let mut j = Image::open_with(File::open(&iso).unwrap(), 0, opts).unwrap();
    assert_eq!(report(&mut j), theirs);
}

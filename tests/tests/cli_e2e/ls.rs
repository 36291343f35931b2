//! `burn ls`: the listing of our images and of images made by xorriso,
//! compared with isoinfo, xorriso and bsdtar, and with the source tree.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::support::*;

/// Path → (mode text, nlink, uid, gid, size, link target) from
/// `burn ls -lR --json`.
type Listing = BTreeMap<String, (String, u64, u64, u64, u64, Option<String>)>;

fn burn_listing(cwd: &Path, image: &str) -> Listing {
    let doc = burn(cwd, ["--json", "ls", "-lR", image]).json();
    doc["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                (
                    e["mode_text"].as_str().unwrap().to_string(),
                    e["nlink"].as_u64().unwrap(),
                    e["uid"].as_u64().unwrap(),
                    e["gid"].as_u64().unwrap(),
                    e["size"].as_u64().unwrap(),
                    e["target"].as_str().map(str::to_owned),
                ),
            )
        })
        .collect()
}

/// `isoinfo -l -R`: the same fields, parsed from its ls-like lines.
fn isoinfo_listing(cwd: &Path, image: &str) -> Listing {
    let text = oracle("isoinfo", &["-l", "-R", "-i", image], cwd, false);
    let mut out = Listing::new();
    let mut dir = String::new();
    for line in text.lines() {
        if let Some(d) = line.strip_prefix("Directory listing of ") {
            dir = d.trim_end_matches('/').to_string();
            continue;
        }
        let Some((head, tail)) = line.split_once(']') else {
            continue;
        };
        let f: Vec<&str> = head.split_whitespace().collect();
        let name_part = tail.strip_prefix("  ").unwrap_or(tail).trim_end();
        let (name, target) = match name_part.split_once(" -> ") {
            Some((n, t)) => (n.to_string(), Some(t.to_string())),
            None => (name_part.to_string(), None),
        };
        if name == "." || name == ".." {
            continue;
        }
        // isoinfo writes FIFOs as `f…`.
        let mode = match f[0].strip_prefix('f') {
            Some(rest) => format!("p{rest}"),
            None => f[0].to_string(),
        };
        out.insert(
            format!("{dir}/{name}"),
            (
                mode,
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
                target,
            ),
        );
    }
    out
}

/// `xorriso -find / -exec lsdl`: path → (mode text, uid, gid, size of
/// regular files, link target).
fn xorriso_listing(
    cwd: &Path,
    image: &str,
) -> BTreeMap<String, (String, u64, u64, u64, Option<String>)> {
    let arg = format!("stdio:{image}");
    let text = oracle(
        "xorriso",
        &["-indev", &arg, "-find", "/", "-exec", "lsdl"],
        cwd,
        false,
    );
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(q) = line.find('\'') else { continue };
        let f: Vec<&str> = line[..q].split_whitespace().collect();
        let rest = &line[q + 1..];
        let end = rest.find('\'').unwrap();
        let path = rest[..end].to_string();
        let target = rest[end + 1..]
            .strip_prefix(" -> '")
            .map(|t| t.trim_end_matches('\'').to_string());
        if path == "/" {
            continue;
        }
        let mode = f[0].to_string();
        let size = if mode.starts_with('-') {
            f[4].parse().unwrap()
        } else {
            0
        };
        out.insert(
            path,
            (
                mode,
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                size,
                target,
            ),
        );
    }
    out
}

fn source_listing(root: &Path) -> BTreeMap<String, (u32, u64)> {
    walk(root)
        .into_iter()
        .map(|p| {
            let m = fs::symlink_metadata(&p).unwrap();
            let rel = format!("/{}", p.strip_prefix(root).unwrap().display());
            let size = if m.is_file() { m.len() } else { 0 };
            (rel, (m.mode(), size))
        })
        .collect()
}

#[test]
fn listing_agrees_with_isoinfo_xorriso_bsdtar_and_the_source() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    fs::create_dir(t.join("fifo dir")).unwrap();
    oracle("mkfifo", &["tree/fifo dir/pipe"], d.path(), false);
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();

    let ours = burn_listing(d.path(), "img.iso");
    let src = source_listing(&t);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        src.keys().collect::<Vec<_>>(),
        "burn ls -R lists exactly the source tree"
    );
    for (p, (mode_text, _, _, _, size, _)) in &ours {
        let (mode, src_size) = src[p];
        assert_eq!(
            &mode_text[1..],
            &perm_text(mode),
            "{p}: permissions as on disk"
        );
        if mode_text.starts_with('-') {
            assert_eq!(*size, src_size, "{p}: size as on disk");
        }
    }

    let iso = isoinfo_listing(d.path(), "img.iso");
    assert_eq!(
        iso.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    for (p, o) in &ours {
        let i = &iso[p];
        assert_eq!(
            (&o.0, o.1, o.2, o.3),
            (&i.0, i.1, i.2, i.3),
            "{p} vs isoinfo"
        );
        if o.0.starts_with('-') {
            assert_eq!(o.4, i.4, "{p}: size vs isoinfo");
        }
        assert_eq!(o.5, i.5, "{p}: link target vs isoinfo");
    }

    let xo = xorriso_listing(d.path(), "img.iso");
    assert_eq!(
        xo.keys().collect::<Vec<_>>(),
        ours.keys().collect::<Vec<_>>()
    );
    for (p, o) in &ours {
        let x = &xo[p];
        assert_eq!((&o.0, o.2, o.3), (&x.0, x.1, x.2), "{p} vs xorriso");
        if o.0.starts_with('-') {
            assert_eq!(o.4, x.3, "{p}: size vs xorriso");
        }
        assert_eq!(o.5, x.4, "{p}: link target vs xorriso");
    }

    let tar = oracle("bsdtar", &["-tf", "img.iso"], d.path(), false);
    let mut tar_paths: Vec<String> = tar
        .lines()
        .filter(|l| *l != ".")
        .map(|l| format!("/{}", l.trim_start_matches("./").trim_end_matches('/')))
        .collect();
    tar_paths.sort();
    assert_eq!(tar_paths, ours.keys().cloned().collect::<Vec<_>>());
}

/// `rwxr-x---` for 0o750 (the tree has no setid or sticky bits).
fn perm_text(p: u32) -> String {
    let mut s = String::new();
    for (i, c) in ['r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x']
        .iter()
        .enumerate()
    {
        let bit = 0o400 >> i;
        s.push(if p & bit != 0 { *c } else { '-' });
    }
    s
}

#[test]
fn images_made_by_xorriso_list_the_same() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    oracle(
        "xorriso",
        &[
            "-as", "mkisofs", "-quiet", "-R", "-J", "-o", "ref.iso", "tree",
        ],
        d.path(),
        false,
    );
    let ours = burn_listing(d.path(), "ref.iso");
    let src = source_listing(&t);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        src.keys().collect::<Vec<_>>()
    );
    let iso = isoinfo_listing(d.path(), "ref.iso");
    for (p, o) in &ours {
        let i = &iso[p];
        assert_eq!((&o.0, o.2, o.3), (&i.0, i.2, i.3), "{p} vs isoinfo");
    }
}

#[test]
fn long_listing_format() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let m = fs::metadata(t.join("hello.txt")).unwrap();
    let text = burn(d.path(), ["ls", "-l", "img.iso"]).ok();
    let line = text
        .lines()
        .find(|l| l.ends_with(" hello.txt"))
        .unwrap_or_else(|| panic!("{text}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f[0], "-rw-------", "{line}");
    assert_eq!(f[1], "2", "hard link count: {line}");
    assert_eq!(f[2], m.uid().to_string(), "{line}");
    assert_eq!(f[3], m.gid().to_string(), "{line}");
    assert_eq!(f[4], "13", "{line}");
    assert_eq!(&f[5..7], ["2024-01-02", "03:04"], "UTC date: {line}");
    let link = text.lines().find(|l| l.contains(" link -> ")).unwrap();
    assert!(
        link.starts_with('l') && link.ends_with(" link -> hello.txt"),
        "{link}"
    );
    // Columns line up: every date (and so every name) starts at the same
    // column.
    let cols: Vec<usize> = text
        .lines()
        .map(|l| date_column(l).unwrap_or_else(|| panic!("no date in {l:?}")))
        .collect();
    assert!(cols.windows(2).all(|w| w[0] == w[1]), "{text}");
}

/// Where a `YYYY-MM-DD HH:MM` field starts.
fn date_column(line: &str) -> Option<usize> {
    let pat = b"dddd-dd-dd dd:dd";
    line.as_bytes().windows(pat.len()).position(|w| {
        w.iter().zip(pat).all(|(c, p)| {
            if *p == b'd' {
                c.is_ascii_digit()
            } else {
                c == p
            }
        })
    })
}

#[test]
fn plain_directory_and_single_entry_listings() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let root = burn(d.path(), ["ls", "img.iso"]).ok();
    assert_eq!(
        root.lines().collect::<Vec<_>>(),
        [
            "a rather long file name that does not fit into ISO 9660 level 1.txt",
            "docs",
            "empty",
            "empty dir",
            "hello.txt",
            "link",
        ]
    );
    let docs = burn(d.path(), ["ls", "img.iso", "docs/"]).ok();
    assert_eq!(
        docs.lines().collect::<Vec<_>>(),
        ["big.bin", "deep", "hard", "with space=and equals.txt"]
    );
    assert_eq!(
        burn(d.path(), ["ls", "-d", "img.iso", "/docs"]).ok(),
        "/docs\n"
    );
    assert_eq!(
        burn(d.path(), ["ls", "img.iso", "/docs/big.bin"]).ok(),
        "/docs/big.bin\n"
    );
    let rec = burn(d.path(), ["ls", "-R", "img.iso", "/docs"]).ok();
    assert_eq!(
        rec.lines().collect::<Vec<_>>(),
        [
            "/docs/big.bin",
            "/docs/deep",
            "/docs/deep/deeper",
            "/docs/deep/deeper/note.md",
            "/docs/hard",
            "/docs/with space=and equals.txt",
        ]
    );
}

#[test]
fn errors_name_what_is_missing() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let r = burn(d.path(), ["ls", "img.iso", "/nope"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: img.iso: no such file or directory in the image: /nope\n"
    );
    let r = burn(d.path(), ["ls", "missing.iso"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr,
        "error: cannot open missing.iso: no such file or directory\n"
    );
    fs::write(d.path().join("text.iso"), vec![b'x'; 40_000]).unwrap();
    let r = burn(d.path(), ["ls", "text.iso"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("text.iso is not an ISO 9660 image"),
        "{}",
        r.stderr
    );
    let r = burn(d.path(), ["ls", "tree"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    let r = burn(d.path(), ["ls"]);
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn drive_addresses_of_image_files() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    burn(d.path(), ["mkiso", "-o", "img.iso", "tree"]).ok();
    let direct = burn(d.path(), ["ls", "img.iso", "/docs"]).ok();
    // --dev stdio:FILE: the argument is the ISO path.
    let via_dev = burn(d.path(), ["ls", "--dev", "stdio:img.iso", "/docs"]).ok();
    assert_eq!(direct, via_dev);
    // BURN_DEV alone applies only without arguments.
    let mut c = burn_cmd(d.path());
    c.env("BURN_DEV", "stdio:img.iso").arg("ls");
    assert_eq!(run_cmd(c).ok(), burn(d.path(), ["ls", "img.iso"]).ok());
    let mut c = burn_cmd(d.path());
    c.env("BURN_DEV", "/dev/sr9")
        .args(["ls", "img.iso", "/docs"]);
    assert_eq!(run_cmd(c).ok(), direct);
    // Too many arguments with --dev.
    let r = burn(
        d.path(),
        ["ls", "--dev", "stdio:img.iso", "img.iso", "/docs"],
    );
    assert_eq!(r.code, 2, "{r:?}");
}

#[test]
fn multisession_images_show_the_newest_tree() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    fs::create_dir(d.path().join("later")).unwrap();
    fs::write(d.path().join("later/added.txt"), b"second session\n").unwrap();
    let _ = t;
    // Two sessions, as xorriso appends them to an image file.
    oracle(
        "xorriso",
        &["-outdev", "stdio:m.iso", "-map", "tree", "/", "-commit"],
        d.path(),
        true,
    );
    oracle(
        "xorriso",
        &["-dev", "stdio:m.iso", "-map", "later", "/later", "-commit"],
        d.path(),
        true,
    );
    let v = burn(d.path(), ["--json", "ls", "-R", "m.iso"]).json();
    assert_ne!(v["session_start"], 0, "the newest session: {v}");
    let paths: Vec<&str> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"/later/added.txt"), "{paths:?}");
    assert!(paths.contains(&"/docs/deep/deeper/note.md"), "{paths:?}");
    let toc = oracle(
        "xorriso",
        &["-indev", "stdio:m.iso", "-toc"],
        d.path(),
        true,
    );
    let start = toc
        .lines()
        .rfind(|l| l.starts_with("ISO session"))
        .and_then(|l| l.split(',').nth(1))
        .map(|s| s.trim().parse::<u64>().unwrap())
        .unwrap();
    assert_eq!(v["session_start"].as_u64(), Some(start), "{toc}");
    burn(d.path(), ["extract", "m.iso", "/later/added.txt", "x.txt"]).ok();
    assert_eq!(
        fs::read(d.path().join("x.txt")).unwrap(),
        b"second session\n"
    );
}

//! `burn read` (alias `rip`): discs into image files for a jukebox —
//! pressed discs, sessions of multisession discs, CD tracks written
//! track-at-once, whole overwritable media and image files, bad blocks and
//! changed data — judged by cmp, md5sum, isoinfo, xorriso and `burn
//! verify`.

use std::fs;
use std::path::Path;
use std::process::Stdio;

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

/// `tree/` and `stored.iso` made from it (volume id STORED, MD5 tags).
fn stored_image(dir: &Path) -> Vec<u8> {
    sample_tree(dir);
    burn(
        dir,
        ["mkiso", "-o", "stored.iso", "--volid", "STORED", "tree"],
    )
    .ok();
    fs::read(dir.join("stored.iso")).unwrap()
}

fn md5sum(dir: &Path, file: &str) -> String {
    oracle("md5sum", &[file], dir, false)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

/// A stored image presented as a pressed DVD-ROM (and CD-ROM, BD-ROM) is
/// ripped back byte for byte, verified against its MD5 tags while read,
/// and `burn verify` agrees; `rip` is the same command; `-o -` streams it.
#[test]
fn a_pressed_disc_rips_to_the_stored_image() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let img = stored_image(dir);
    for media in ["dvd-rom", "cd-rom", "bd-rom"] {
        let dev = emul(dir, media, "stored.iso");
        let out = on(dir, &dev, &["read", "-o", "copy.iso"]).ok();
        assert!(out.contains("read into copy.iso"), "{out}");
        assert!(out.contains("3 MD5 tags of 1 session match"), "{out}");
        assert!(fs::read(dir.join("copy.iso")).unwrap() == img, "{media}");
        on(dir, &dev, &["verify", "copy.iso"]).ok();
        fs::remove_file(dir.join("copy.iso")).unwrap();
    }
    let dev = emul(dir, "dvd-rom", "stored.iso");
    let v = on(
        dir,
        &dev,
        &["--json", "--progress", "never", "rip", "-o", "alias.iso"],
    )
    .json();
    assert_eq!(v["type"], "read");
    assert_eq!(v["md5"], md5sum(dir, "alias.iso"));
    assert_eq!(v["md5"], md5sum(dir, "stored.iso"));
    assert_eq!(v["verdict"], "ok");
    assert_eq!(v["size_from"], "pvd");
    assert_eq!(v["volume_id"], "STORED");
    // Standard output: the image, and the result on standard error.
    let mut c = burn_cmd(dir);
    c.args(["--dev", &dev, "read", "-o", "-"])
        .stdout(Stdio::piped());
    let r = run_cmd(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout == img);
    assert!(
        r.stderr.contains("read into standard output"),
        "{}",
        r.stderr
    );
    // A file that is there already is replaced only when complete.
    fs::write(dir.join("old.iso"), b"old").unwrap();
    on(dir, &dev, &["read", "-o", "old.iso"]).ok();
    assert!(fs::read(dir.join("old.iso")).unwrap() == img);
    let leftovers: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// A DVD+R with two sessions: no whole-disc image (the sessions are
/// listed, nothing written); each session alone, exactly its blocks, and
/// `burn verify --session N` agrees; the first session (at LBA 0) is a
/// standalone image isoinfo and xorriso read.
#[test]
fn sessions_of_a_multisession_disc() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "dvd+r", "plus.img");
    on(dir, &dev, &["add", "a", "--volid", "FIRST"]).ok();
    on(dir, &dev, &["add", "b", "--volid", "SECOND"]).ok();
    let r = on(dir, &dev, &["read", "-o", "all.iso"]).fails(2, "holds 2 sessions");
    assert!(r.stderr.contains("--session N"), "{}", r.stderr);
    assert!(
        r.stderr.contains("session 2: LBA") && r.stderr.contains("\"SECOND\""),
        "{}",
        r.stderr
    );
    assert!(!dir.join("all.iso").exists());
    let info = on(dir, &dev, &["--json", "info"]).json();
    for n in [1u64, 2] {
        let name = format!("s{n}.iso");
        let v = on(
            dir,
            &dev,
            &[
                "--json",
                "--progress",
                "never",
                "read",
                "--session",
                &n.to_string(),
                "-o",
                &name,
            ],
        )
        .json();
        let s = &info["sessions"][n as usize - 1];
        assert_eq!(v["session"], n);
        assert_eq!(v["start"], s["start"]);
        assert!(v["blocks"].as_u64().unwrap() <= s["blocks"].as_u64().unwrap());
        assert_eq!(v["verdict"], "ok", "{v}");
        assert_eq!(
            fs::metadata(dir.join(&name)).unwrap().len(),
            v["bytes"].as_u64().unwrap()
        );
        on(dir, &dev, &["verify", &name, "--session", &n.to_string()]).ok();
    }
    let iso = oracle("isoinfo", &["-d", "-i", "s1.iso"], dir, false);
    assert!(iso.contains("Volume id: FIRST"), "{iso}");
    let (code, text) = xorriso_check_md5_r(&dir.join("s1.iso"));
    assert_eq!(code, 0, "{text}");
    on(dir, &dev, &["read", "--session", "3", "-o", "x.iso"]).fails(2, "no session 3");
    on(dir, &dev, &["read", "--session", "0", "-o", "x.iso"]).fails(2, "no session 0");
    assert!(!dir.join("x.iso").exists());
}

/// A CD-R written track-at-once: the ISO session rips to the image (the
/// padding and the two unreadable run-out blocks are not read); a track
/// of raw data rips without its run-out, which is said.
#[test]
fn cd_r_track_at_once() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let img = stored_image(dir);
    let dev = emul(dir, "cd-r", "cd.img");
    on(dir, &dev, &["write", "stored.iso", "--write-type", "tao"]).ok();
    let r = on(dir, &dev, &["read", "-o", "copy.iso"]);
    r.ok();
    assert!(!r.stderr.contains("unreadable"), "{}", r.stderr);
    assert!(fs::read(dir.join("copy.iso")).unwrap() == img);
    on(dir, &dev, &["verify", "copy.iso"]).ok();

    let raw: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 253) as u8).collect();
    fs::write(dir.join("raw.bin"), &raw).unwrap();
    let dev = emul(dir, "cd-r", "raw.img");
    on(dir, &dev, &["write", "raw.bin", "--write-type", "tao"]).ok();
    let track = on(dir, &dev, &["--json", "info"]).json()["sessions"][0]["blocks"]
        .as_u64()
        .unwrap();
    let r = on(dir, &dev, &["read", "-o", "raw-copy.bin"]);
    let out = r.ok();
    assert!(r.stderr.contains("run-out"), "{}", r.stderr);
    assert!(r.stderr.contains("could not be verified"), "{}", r.stderr);
    assert!(!out.contains("UNREADABLE"), "{out}");
    let copy = fs::read(dir.join("raw-copy.bin")).unwrap();
    assert_eq!(copy.len() as u64, (track - 2) * 2048);
    assert!(copy[..raw.len()] == raw[..]);
    assert!(copy[raw.len()..].iter().all(|&b| b == 0));
}

/// The whole of an image file and of an emulated BD-RE with two sessions:
/// one file that shows the newest session and holds both, as `burn info`,
/// `burn check --all` and `xorriso -toc` see it.
#[test]
fn whole_overwritable_media() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    for (dev, name) in [
        (stdio(dir, "backup.iso"), "copy-file.iso"),
        (emul(dir, "bd-re", "re.img"), "copy-re.iso"),
    ] {
        on(dir, &dev, &["add", "a", "--volid", "ONE"]).ok();
        on(dir, &dev, &["add", "b", "--volid", "TWO"]).ok();
        let v = on(
            dir,
            &dev,
            &["--json", "--progress", "never", "read", "-o", name],
        )
        .json();
        assert_eq!(v["session"], serde_json::Value::Null);
        assert_eq!(v["start"], 0);
        assert_eq!(v["size_from"], "head");
        assert_eq!(v["head"]["outcome"], "match", "{v}");
        assert_eq!(v["sessions"].as_array().unwrap().len(), 2);
        assert_eq!(v["verdict"], "ok");
        let copy = stdio(dir, name);
        let i = on(dir, &copy, &["--json", "info"]).json();
        let vols: Vec<&str> = i["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["volume_id"].as_str().unwrap())
            .collect();
        assert_eq!(vols, ["ONE", "TWO"]);
        on(dir, &copy, &["check", "--all"]).ok();
        assert_eq!(xorriso_toc(&dir.join(name)).len(), 2);
        let (code, text) = xorriso_check_md5_r(&dir.join(name));
        assert_eq!(code, 0, "{text}");
        on(dir, &dev, &["verify", name]).ok();
    }
}

/// Bad blocks (BURN_EMUL_BAD_BLOCKS): exit 1, the sector map, no image
/// unless --keep-partial (then zeros where the blocks are); JSON: the
/// read document with the map, then the error.
#[test]
fn unreadable_blocks_are_mapped() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let img = stored_image(dir);
    let dev = emul(dir, "dvd-rom", "stored.iso");
    let bad_run = |args: &[&str]| {
        let mut c = burn_cmd(dir);
        c.env("BURN_EMUL_BAD_BLOCKS", "40-42,100")
            .args(["--dev", &dev])
            .args(args);
        run_cmd(c)
    };
    let r = bad_run(&["read", "-o", "bad.iso"]).code(1);
    assert!(
        r.stderr.contains("error: 4 blocks could not be read"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--keep-partial"), "{}", r.stderr);
    let out = r.out();
    assert!(out.contains("sector map:"), "{out}");
    for line in [
        "LBA         40 …         42           3 blocks  UNREADABLE",
        "LBA        100 …        100           1 blocks  UNREADABLE",
        "LBA          0 …         39          40 blocks  read",
    ] {
        assert!(out.contains(line), "{line}: {out}");
    }
    assert!(!dir.join("bad.iso").exists());
    // Kept on request, with zeros for the blocks that could not be read.
    bad_run(&["read", "-o", "bad.iso", "--keep-partial"]).code(1);
    let kept = fs::read(dir.join("bad.iso")).unwrap();
    assert_eq!(kept.len(), img.len());
    assert!(kept[40 * 2048..43 * 2048].iter().all(|&b| b == 0));
    assert!(kept[..40 * 2048] == img[..40 * 2048]);
    assert!(kept[101 * 2048..] == img[101 * 2048..]);
    // JSON: the document, then the error object with exit code 1.
    let r = bad_run(&["--json", "--progress", "never", "read", "-o", "j.iso"]).code(1);
    let lines = r.json_lines();
    assert_eq!(lines.len(), 2, "{}", r.out());
    assert_eq!(lines[0]["verdict"], "unreadable");
    assert_eq!(lines[0]["kept"], false);
    let map: Vec<(u64, u64, bool)> = lines[0]["sector_map"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["start"].as_u64().unwrap(),
                m["blocks"].as_u64().unwrap(),
                m["readable"].as_bool().unwrap(),
            )
        })
        .collect();
    let total = img.len() as u64 / 2048;
    assert_eq!(
        map,
        vec![
            (0, 40, true),
            (40, 3, false),
            (43, 57, true),
            (100, 1, false),
            (101, total - 101, true)
        ]
    );
    assert_eq!(lines[1]["type"], "error");
    assert_eq!(lines[1]["error"]["exit_code"], 1);
    // `burn check` sees the same blocks.
    bad_run(&["check"]).code(1);
}

/// Data that differ from the disc's MD5 tags: exit 3, no image unless
/// --keep-partial.
#[test]
fn changed_data_is_a_mismatch() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut img = stored_image(dir);
    // A byte of the big file's data (after the directories and tags).
    let at = img.len() - 40 * 2048;
    img[at] ^= 0x10;
    fs::write(dir.join("changed.iso"), &img).unwrap();
    let dev = emul(dir, "dvd-rom", "changed.iso");
    on(dir, &dev, &["read", "-o", "copy.iso"]).code(3);
    assert!(!dir.join("copy.iso").exists());
    let r = on(dir, &dev, &["read", "-o", "copy.iso", "--keep-partial"]).code(3);
    assert!(
        r.stderr.contains("differ from the disc's MD5"),
        "{}",
        r.stderr
    );
    assert!(fs::read(dir.join("copy.iso")).unwrap() == img);
}

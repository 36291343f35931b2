//! `burn check`: changed bytes are found (exit 3) as xorriso finds them,
//! unreadable blocks are mapped (exit 1), sessions are chosen.

use std::fs;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

/// An image file with two sessions; returns the LBA and size of
/// `/a/data.bin` (first session) and `/b/more.bin` (second).
fn two_sessions(dir: &Path, name: &str) -> (u64, u64) {
    two_trees(dir);
    let dev = stdio(dir, name);
    on(dir, &dev, &["add", "a=/a"]).code(0);
    on(dir, &dev, &["add", "b=/b"]).code(0);
    let v = on(dir, &dev, &["--json", "ls", "-R"]).json();
    let lba = |p: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == p)
            .unwrap()["lba"]
            .as_u64()
            .unwrap()
    };
    (lba("/a/sub/data.bin"), lba("/b/more.bin"))
}

fn poke(file: &Path, offset: u64, bytes: &[u8]) {
    let f = fs::OpenOptions::new().write(true).open(file).unwrap();
    f.write_all_at(bytes, offset).unwrap();
}

#[test]
fn changed_file_bytes_are_a_mismatch() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let (data_lba, more_lba) = two_sessions(dir, "img.iso");
    let img = dir.join("img.iso");
    let dev = stdio(dir, "img.iso");
    on(dir, &dev, &["check", "--all"]).code(0);
    // One byte inside /b/more.bin (second session).
    poke(&img, more_lba * 2048 + 1000, b"\xFF");
    let r = on(dir, &dev, &["check"]).code(3);
    assert!(r.out().contains("MD5 MISMATCH: /b/more.bin"), "{}", r.out());
    assert!(r.stderr.starts_with("error: check failed"), "{}", r.stderr);
    assert!(r.stderr.contains("session 2: 1 file"), "{}", r.stderr);
    // xorriso finds the same file.
    let (code, text) = xorriso_check_md5_r(&img);
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("MD5 MISMATCH: '/b/more.bin'"), "{text}");
    assert!(!text.contains("MD5 MISMATCH: '/a/"), "{text}");
    // The first session alone is intact …
    on(dir, &dev, &["check", "--session", "1"]).code(0);
    // … until its file changes too; --all reports both.
    poke(&img, data_lba * 2048 + 5, b"changed");
    let r = on(dir, &dev, &["--json", "check", "--all"]).code(3);
    let lines = r.json_lines();
    let report = &lines[lines.len() - 2];
    assert_eq!(report["type"], "check");
    assert_eq!(report["verdict"], "mismatch");
    let s = report["sessions"].as_array().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0]["files"]["mismatched"][0], "/a/sub/data.bin");
    assert_eq!(s[1]["files"]["mismatched"][0], "/a/sub/data.bin");
    assert_eq!(s[1]["files"]["mismatched"][1], "/b/more.bin");
    assert_eq!(lines[lines.len() - 1]["error"]["exit_code"], 3);
}

#[test]
fn changed_directory_blocks_break_the_tree_tag() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = stdio(dir, "t.iso");
    let a = on(dir, &dev, &["--json", "add", "a"]).result();
    // The root directory record of the session's PVD points at the root
    // directory; change a byte of the path table (after the PVD, before
    // the tree tag) — LBA start+18 holds the first path table.
    let start = a["start"].as_u64().unwrap();
    let img = dir.join("t.iso");
    let mut b = [0u8; 1];
    fs::File::open(&img)
        .unwrap()
        .read_exact_at(&mut b, (start + 18) * 2048 + 7)
        .unwrap();
    poke(&img, (start + 18) * 2048 + 7, &[b[0] ^ 0x01]);
    let v = on(dir, &dev, &["--json", "check"]).code(3).json_lines();
    let report = &v[v.len() - 2];
    let tags = report["sessions"][0]["tags"].as_array().unwrap();
    let tree = tags.iter().find(|t| t["kind"] == "tree").unwrap();
    assert_eq!(tree["outcome"], "mismatch", "{report}");
}

#[test]
fn unreadable_blocks_are_mapped() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = stdio(dir, "cut.iso");
    let a = on(dir, &dev, &["--json", "add", "a"]).result();
    let start = a["start"].as_u64().unwrap();
    let blocks = a["blocks"].as_u64().unwrap();
    // The image file ends in the middle of the session.
    let cut = start + 60;
    fs::OpenOptions::new()
        .write(true)
        .open(dir.join("cut.iso"))
        .unwrap()
        .set_len(cut * 2048)
        .unwrap();
    let r = on(dir, &dev, &["check"]).code(1);
    let out = r.out();
    assert!(out.contains("sector map:"), "{out}");
    let end = start + blocks - 1;
    assert!(
        out.lines().any(|l| l.contains(&format!("LBA {cut:>10} … {end:>10}"))
            && l.ends_with("UNREADABLE")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.contains(&format!("LBA {start:>10} …")) && l.ends_with("read")),
        "{out}"
    );
    assert!(r.stderr.contains("could not be read"), "{}", r.stderr);
    let v = on(dir, &dev, &["--json", "check"]).code(1).json_lines();
    let report = &v[v.len() - 2];
    assert_eq!(report["verdict"], "unreadable");
    let map = report["sessions"][0]["sector_map"].as_array().unwrap();
    assert_eq!(map.len(), 2, "{report}");
    assert_eq!(map[0]["start"], start);
    assert_eq!(map[0]["readable"], true);
    assert_eq!(map[1]["start"], cut);
    assert_eq!(map[1]["blocks"], start + blocks - cut);
    assert_eq!(map[1]["readable"], false);
}

#[test]
fn sessions_without_checksums_and_bad_session_numbers() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "bd-r", "bd.img");
    on(dir, &dev, &["add", "a", "--no-md5"]).code(0);
    let r = on(dir, &dev, &["check"]).code(0);
    assert!(
        r.stderr.contains("no MD5 checksums are recorded"),
        "{}",
        r.stderr
    );
    assert!(r.out().contains("no checksums recorded"), "{}", r.out());
    let v = on(dir, &dev, &["--json", "check"]).code(0).result();
    assert_eq!(v["verdict"], "no-checksums");
    on(dir, &dev, &["check", "--session", "2"]).fails(2, "no session 2");
    on(dir, &dev, &["check", "--session", "0"]).fails(2, "no session 0");
    // A session with checksums after one without: the newest is verified.
    on(dir, &dev, &["add", "b"]).code(0);
    let v = on(dir, &dev, &["--json", "check"]).code(0).result();
    assert_eq!(v["verdict"], "ok");
    let s = &v["sessions"][0];
    assert_eq!(s["number"], 2);
    // The first session's files got their MD5 computed when imported.
    assert_eq!(s["files"]["without_md5"], 0, "{v}");
    // add --verify checks the new session right away.
    let v = on(
        dir,
        &dev,
        &["--json", "add", "a/one.txt=/x.txt", "--verify"],
    )
    .result();
    assert_eq!(v["verified"], "ok");
}

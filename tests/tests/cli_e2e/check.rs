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
    // The image file was cut short: the message says where its data end
    // and how much is missing.
    let end_lba = start + blocks - 1;
    assert!(
        r.stderr.starts_with(&format!(
            "error: check failed: session 1 is incomplete: its data end at LBA {cut}, but it \
             refers to blocks up to LBA {end_lba} ({} blocks missing)",
            start + blocks - cut
        )),
        "{}",
        r.stderr
    );
    let v = on(dir, &dev, &["--json", "check"]).code(1).json_lines();
    let report = &v[v.len() - 2];
    assert_eq!(report["verdict"], "unreadable");
    assert_eq!(report["blocks_read"], cut - start, "{report}");
    assert_eq!(
        report["sessions"][0]["truncated"],
        serde_json::json!({"data_end": cut, "referenced_end": start + blocks}),
        "{report}"
    );
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

/// A directory record whose extent points near the end of the 32-bit LBA
/// space (a garbled image): damage, not a session cut short — no count of
/// missing blocks, no advice to write the data again; the note names the
/// file.
#[test]
fn a_garbled_extent_is_damage_not_blocks_missing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = stdio(dir, "g.iso");
    on(dir, &dev, &["add", "a", "--no-md5"]).code(0);
    let v = on(dir, &dev, &["--json", "ls", "-R"]).json();
    let lba = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"] == "/sub/data.bin")
        .unwrap()["lba"]
        .as_u64()
        .unwrap() as u32;
    // Its extent location, both-endian (ECMA-119 §7.3.3, §9.1.3), in
    // every directory record naming it.
    let both = |v: u32| [v.to_le_bytes(), v.to_be_bytes()].concat();
    let img = dir.join("g.iso");
    let bytes = fs::read(&img).unwrap();
    let old = [both(lba), both(200_000)].concat();
    let at: Vec<usize> = bytes
        .windows(old.len())
        .enumerate()
        .filter(|(_, w)| *w == old.as_slice())
        .map(|(i, _)| i)
        .collect();
    assert!(!at.is_empty());
    for i in at {
        poke(&img, i as u64, &both(0xFFFF_0000));
    }
    let r = on(dir, &dev, &["check"]).code(1);
    assert_eq!(
        r.stderr, "error: check failed: 1 file of session 1 could not be read completely\n",
        "{}",
        r.stderr
    );
    assert!(!r.out().contains("INCOMPLETE"), "{}", r.out());
    assert!(
        r.out()
            .contains("  note:        1 file extends beyond the end of the session (LBA ")
            && r.out()
                .contains(": its directory record is damaged (/sub/data.bin)"),
        "{}",
        r.out()
    );
    let v = on(dir, &dev, &["--json", "check"]).code(1).json_lines();
    let report = &v[v.len() - 2];
    assert_eq!(report["sessions"][0]["truncated"], serde_json::Value::Null);
}

/// An image of one large file (as in the lab) with its MD5 tags.
fn one_file_image(dir: &Path) -> u64 {
    let t = dir.join("one");
    fs::create_dir_all(&t).unwrap();
    let data: Vec<u8> = (0..6_000_000u32)
        .map(|i| (i * 13 + i / 2048) as u8)
        .collect();
    fs::write(t.join("random.bin"), &data).unwrap();
    burn(dir, ["mkiso", "-o", "one.iso", "--volid", "ONE", "one"]).ok();
    fs::metadata(dir.join("one.iso")).unwrap().len() / 2048
}

/// A DVD-R session cut short: `write --size` smaller than the image stops
/// the write and the written blocks are closed as a session. Its tags,
/// checksum array and file refer to blocks past its end. `burn check`
/// says where its data end and how much is missing (exit 1, not a
/// mismatch with an empty list of what differs), and counts each block
/// read once (the file read again for its MD5 is not counted twice).
#[test]
fn a_session_cut_short_is_incomplete_not_a_mismatch() {
    use std::io::Write as _;
    use std::process::Stdio;
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let iso_blocks = one_file_image(dir);
    let image = fs::read(dir.join("one.iso")).unwrap();
    let dev = emul(dir, "dvd-r", "cut.img");
    let size = ((iso_blocks - 200) * 2048).to_string();
    let mut c = burn_cmd(dir);
    c.args(["--dev", &dev, "--progress", "never", "write", "-"])
        .args(["--size", &size])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let _ = stdin.write_all(&image);
    drop(stdin);
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(1));

    let info = on(dir, &dev, &["--json", "info"]).json();
    let blocks = info["sessions"][0]["blocks"].as_u64().unwrap();
    assert!(blocks < iso_blocks - 200 + 16, "{info}");
    let r = on(dir, &dev, &["check"]).code(1);
    let want = format!(
        "error: check failed: session 1 is incomplete: its data end at LBA {blocks}, but it \
         refers to blocks up to LBA {} ({} blocks missing); 1 file of session 1 could not be \
         read completely\n",
        iso_blocks - 1,
        iso_blocks - blocks
    );
    assert!(
        r.stderr.lines().any(|l| format!("{l}\n") == want),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("()"), "{}", r.stderr);
    assert!(
        r.out()
            .contains(&format!("1 session, {blocks} blocks read: INCOMPLETE")),
        "{}",
        r.out()
    );
    let v = on(dir, &dev, &["--json", "check"]).code(1).json_lines();
    let report = &v[v.len() - 2];
    assert_eq!(report["verdict"], "unreadable", "{report}");
    assert_eq!(report["blocks_read"], blocks, "{report}");
    assert_eq!(
        report["sessions"][0]["truncated"],
        serde_json::json!({"data_end": blocks, "referenced_end": iso_blocks}),
        "{report}"
    );
    assert_eq!(
        report["sessions"][0]["files"]["unreadable"],
        serde_json::json!(["/random.bin"]),
        "{report}"
    );
    let e = &v[v.len() - 1]["error"];
    assert_eq!(e["exit_code"], 1);
    assert!(
        e["hints"][0]
            .as_str()
            .unwrap()
            .starts_with("the session was not written completely"),
        "{e}"
    );
}

/// Bad blocks on an emulated disc (BURN_EMUL_BAD_BLOCKS): the message
/// names how many, where, and the file they hit; the blocks read are the
/// others.
#[test]
fn bad_blocks_are_named_in_the_message() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let iso_blocks = one_file_image(dir);
    let dev = emul(dir, "dvd+r", "bad.img");
    on(dir, &dev, &["--progress", "never", "write", "one.iso"]).code(0);
    let blocks = on(dir, &dev, &["--json", "info"]).json()["sessions"][0]["blocks"]
        .as_u64()
        .unwrap();
    assert!(blocks >= iso_blocks);
    let check = |json: bool| {
        let mut c = burn_cmd(dir);
        c.env("BURN_EMUL_BAD_BLOCKS", "1000-1009,1500").args([
            "--dev",
            &dev,
            "--progress",
            "never",
        ]);
        if json {
            c.arg("--json");
        }
        c.arg("check");
        run_cmd(c).code(1)
    };
    let r = check(false);
    assert!(
        r.stderr.contains(
            "error: check failed: 11 blocks of session 1 could not be read (LBA 1000–1009, \
             1500); 1 file of session 1 could not be read completely\n"
        ),
        "{}",
        r.stderr
    );
    // One warning per run of bad blocks, not per block.
    assert_eq!(
        r.stderr
            .lines()
            .filter(|l| l.starts_with("warning: unreadable"))
            .collect::<Vec<_>>(),
        vec![
            "warning: unreadable blocks at LBA 1000–1009 (10 blocks): medium error, \
             unrecovered read error (3/11/00)",
            "warning: unreadable block at LBA 1500: medium error, unrecovered read error \
             (3/11/00)",
        ],
        "{}",
        r.stderr
    );
    let v = check(true).json_lines();
    let report = &v[v.len() - 2];
    assert_eq!(report["blocks_read"], blocks - 11, "{report}");
    assert_eq!(report["sessions"][0]["truncated"], serde_json::Value::Null);
}

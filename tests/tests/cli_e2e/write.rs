//! `burn write` and `burn verify`: a stored image (the jukebox copy) onto
//! every writable medium and into image files, read back, compared, and
//! browsed with `ls --dev` / `extract --dev`.

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

/// `tree/` and `img.iso` made from it (volume id JUKEBOX).
fn image(dir: &Path) {
    sample_tree(dir);
    burn(
        dir,
        ["mkiso", "-o", "img.iso", "--volid", "JUKEBOX", "tree"],
    )
    .ok();
}

#[test]
fn an_image_onto_every_writable_medium_and_back() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    image(dir);
    let size = fs::metadata(dir.join("img.iso")).unwrap().len();
    let md5 = oracle("md5sum", &["img.iso"], dir, false);
    let md5 = md5.split_whitespace().next().unwrap().to_string();
    let mut devs: Vec<(String, String)> = WRITABLE
        .iter()
        .map(|m| (m.to_string(), emul(dir, m, &format!("{m}.img"))))
        .collect();
    devs.push(("stdio".into(), stdio(dir, "copy.iso")));
    for (name, dev) in &devs {
        let w = on(dir, dev, &["--json", "write", "img.iso", "--verify"])
            .code(0)
            .result();
        assert_eq!(w["start"], 0, "{name}");
        assert_eq!(w["bytes"], size, "{name}");
        assert_eq!(w["md5"], md5, "{name}");
        assert_eq!(w["verified"], true, "{name}");
        assert_eq!(w["volume_id"], "JUKEBOX", "{name}");
        let sequential = !(OVERWRITABLE.contains(&name.as_str()) || name == "stdio");
        assert_eq!(w["method"].is_string(), sequential, "{name}: {w}");
        let expected_method = match name.as_str() {
            "cd-r" | "cd-rw" => "sao",
            "dvd-r" | "dvd-rw" => "incremental",
            "dvd+r" | "dvd+r-dl" | "bd-r" => "reserved",
            _ => "",
        };
        if sequential {
            assert_eq!(w["method"], expected_method, "{name}");
        }
        let v = on(dir, dev, &["--json", "verify", "img.iso"])
            .code(0)
            .result();
        assert_eq!(v["identical"], true, "{name}");
        assert_eq!(v["compared_blocks"], size / 2048, "{name}");
        on(dir, dev, &["check"]).code(0);
        let info = on(dir, dev, &["--json", "info"]).json();
        assert_eq!(info["sessions"][0]["volume_id"], "JUKEBOX", "{name}");
        // Browsing the disc: the same tree as the image.
        let ls_disc = on(dir, dev, &["ls", "-lR"]).ok();
        let ls_img = burn(dir, ["ls", "-lR", "img.iso"]).ok();
        assert_eq!(ls_disc, ls_img, "{name}");
        let out = dir.join(format!("out-{name}"));
        on(dir, dev, &["extract", "/", out.to_str().unwrap()]).code(0);
        diff_r(&dir.join("tree"), &out);
    }
    // The image file is the image, byte for byte.
    assert_eq!(
        fs::read(dir.join("copy.iso")).unwrap(),
        fs::read(dir.join("img.iso")).unwrap()
    );
    oracle("isoinfo", &["-d", "-i", "copy.iso"], dir, false);
}

#[test]
fn closing_and_appending_after_a_written_image() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    image(dir);
    fs::write(dir.join("late.txt"), b"added later\n").unwrap();
    // Without --close the disc stays appendable: a session can follow.
    let dev = emul(dir, "dvd+r", "plus.img");
    on(dir, &dev, &["write", "img.iso"]).code(0);
    let a = on(dir, &dev, &["--json", "add", "late.txt"]).result();
    assert_eq!(a["session"], 2);
    assert_eq!(a["carried_files"], 7, "the image's files stay visible");
    on(dir, &dev, &["check", "--all"]).code(0);
    // The image again at the NWA would be unreadable there: refused.
    let img = dir.join("plus.img");
    let before = fingerprint(&img);
    on(dir, &dev, &["write", "img.iso"]).fails(4, "built for a session starting at LBA 0");
    assert_eq!(fingerprint(&img), before);
    // --close finalizes.
    let dev = emul(dir, "cd-r", "cdr.img");
    let w = on(dir, &dev, &["--json", "write", "img.iso", "--close"]).result();
    assert_eq!(w["closed"], true);
    assert_eq!(
        on(dir, &dev, &["--json", "info"]).json()["status"],
        "closed"
    );
    // Explicit TAO on a CD.
    let dev = emul(dir, "cd-rw", "tao.img");
    let w = on(
        dir,
        &dev,
        &["--json", "write", "img.iso", "--write-type", "tao"],
    )
    .result();
    assert_eq!(w["method"], "tao");
    on(dir, &dev, &["verify", "img.iso"]).code(0);
}

#[test]
fn standard_input_with_and_without_size() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    image(dir);
    let data = fs::read(dir.join("img.iso")).unwrap();
    let pipe = |dev: &str, extra: &[&str], input: &[u8]| -> Run {
        let mut c = burn_cmd(dir);
        c.args(["--dev", dev, "--json", "write", "-"])
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // A reader that stops early is fine (the error case).
        let _ = stdin.write_all(input);
        drop(stdin);
        let o = child.wait_with_output().unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    // CD SAO needs the size first.
    let dev = emul(dir, "cd-r", "sao.img");
    let size = data.len().to_string();
    let w = pipe(&dev, &["--size", &size, "--verify"], &data)
        .code(0)
        .result();
    assert_eq!(w["image"], "-");
    assert_eq!(w["method"], "sao");
    assert_eq!(w["verified"], true);
    on(dir, &dev, &["verify", "img.iso"]).code(0);
    // Shorter input is padded with zeros up to --size.
    let dev = emul(dir, "dvd+r", "pad.img");
    let padded = (data.len() + 10 * 2048).to_string();
    let w = pipe(&dev, &["--size", &padded], &data).code(0).result();
    assert_eq!(w["bytes"].as_u64().unwrap(), data.len() as u64 + 10 * 2048);
    on(dir, &dev, &["verify", "img.iso"]).code(0);
    // Longer input than --size is an error.
    let dev = emul(dir, "dvd+r", "long.img");
    let short = (data.len() - 2048).to_string();
    let r = pipe(&dev, &["--size", &short], &data);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.out().contains("longer than --size"), "{}", r.out());
    // Without a size onto incremental media and image files: streamed.
    for dev in [emul(dir, "dvd-r", "inc.img"), stdio(dir, "piped.iso")] {
        let w = pipe(&dev, &[], &data).code(0).result();
        assert_eq!(w["bytes"], data.len() as u64);
        on(dir, &dev, &["verify", "img.iso"]).code(0);
        on(dir, &dev, &["check"]).code(0);
    }
    assert_eq!(fs::read(dir.join("piped.iso")).unwrap(), data);
    // Without a size onto a blank CD: SAO refused, TAO taken.
    let dev = emul(dir, "cd-r", "nosize.img");
    let r = pipe(&dev, &["--write-type", "sao"], &data);
    assert_eq!(r.code, 4, "{r:?}");
    assert!(r.out().contains("size"), "{}", r.out());
    let w = pipe(&dev, &[], &data).code(0).result();
    assert_eq!(w["method"], "tao");
}

#[test]
fn verify_finds_differences() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    image(dir);
    // An image file with one changed block.
    let dev = stdio(dir, "copy.iso");
    on(dir, &dev, &["write", "img.iso"]).code(0);
    let mut bytes = fs::read(dir.join("copy.iso")).unwrap();
    let lba = bytes.len() / 2048 - 3;
    bytes[lba * 2048 + 100] ^= 0xFF;
    fs::write(dir.join("copy.iso"), &bytes).unwrap();
    let r = on(dir, &dev, &["verify", "img.iso"]).code(3);
    assert!(r.out().contains("DIFFERENT"), "{}", r.out());
    assert!(
        r.stderr
            .contains(&format!("1 block differ, the first at LBA {lba}")),
        "{}",
        r.stderr
    );
    let lines = on(dir, &dev, &["--json", "verify", "img.iso"])
        .code(3)
        .json_lines();
    let v = &lines[lines.len() - 2];
    assert_eq!(v["type"], "verify");
    assert_eq!(v["identical"], false);
    assert_eq!(v["first_mismatch"], lba);
    assert_eq!(v["mismatches"][0]["blocks"], 1);
    let e = &lines[lines.len() - 1];
    assert_eq!(e["type"], "error");
    assert_eq!(e["error"]["exit_code"], 3);
    // The emulated disc's backing file, changed behind its back.
    let dev = emul(dir, "bd-re", "re.img");
    on(dir, &dev, &["write", "img.iso"]).code(0);
    {
        use std::os::unix::fs::FileExt;
        let f = fs::OpenOptions::new()
            .write(true)
            .open(dir.join("re.img"))
            .unwrap();
        f.write_all_at(b"garbage", 20 * 2048).unwrap();
    }
    on(dir, &dev, &["verify", "img.iso"]).code(3);
    // Another image is another image.
    burn(dir, ["mkiso", "-o", "other.iso", "tree/docs"]).ok();
    on(dir, &dev, &["verify", "other.iso"]).code(3);
    // A session that does not exist.
    on(dir, &dev, &["verify", "img.iso", "--session", "5"]).fails(2, "no session 5");
}

#[test]
fn standard_output_as_the_target_and_speeds() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    image(dir);
    // `--dev stdio:-`: the data on standard output, the result on
    // standard error.
    let r = burn(dir, ["--dev", "stdio:-", "write", "img.iso"]).code(0);
    assert_eq!(r.stdout, fs::read(dir.join("img.iso")).unwrap());
    assert!(
        r.stderr.contains("written to stdio:- at LBA 0 (stream)"),
        "{}",
        r.stderr
    );
    let r = burn(dir, ["--json", "--dev", "stdio:-", "add", "tree"]).code(0);
    fs::write(dir.join("piped.iso"), &r.stdout).unwrap();
    let last: serde_json::Value = serde_json::from_str(r.stderr.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "add");
    assert_eq!(last["method"], "stream");
    let info = oracle("isoinfo", &["-d", "-i", "piped.iso"], dir, false);
    assert!(info.contains("Volume id: CDROM"), "{info}");
    let (code, text) = xorriso_check_md5_r(&dir.join("piped.iso"));
    assert_eq!(code, 0, "{text}");
    // Speeds are requests the drive may round; writing works with each.
    for (media, speed) in [
        ("cd-r", "8x"),
        ("dvd+r", "4000k"),
        ("bd-re", "max"),
        ("dvd-r", "min"),
    ] {
        let dev = emul(dir, media, &format!("speed-{media}.img"));
        on(
            dir,
            &dev,
            &["write", "img.iso", "--speed", speed, "--verify"],
        )
        .code(0);
    }
    let dev = emul(dir, "bd-r", "speed-add.img");
    on(dir, &dev, &["add", "tree", "--speed", "2x"]).code(0);
}

/// `burn write small.iso` onto an image file and an emulated DVD+RW, then
/// two `burn add`s: the image's files that lie in the first 64 KiB (which
/// the new head overwrites) are written again, the others stay — every
/// file of the newest session reads back and matches its MD5, for burn
/// and for xorriso.
#[test]
fn adding_to_a_small_image_written_at_lba_0() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    fs::create_dir(dir.join("small")).unwrap();
    fs::write(dir.join("small/a.txt"), b"in the head area\n").unwrap();
    let big: Vec<u8> = (0..150_000u32).map(|i| (i % 241) as u8).collect();
    fs::write(dir.join("small/b.bin"), &big).unwrap();
    burn(dir, ["mkiso", "-o", "small.iso", "small"]).ok();
    let lba = |dev: &str, path: &str| -> u64 {
        let v = on(dir, dev, &["--json", "ls", "-l", "/"]).json();
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap()["lba"]
            .as_u64()
            .unwrap()
    };
    for (dev, file) in [
        (stdio(dir, "s.iso"), dir.join("s.iso")),
        (emul(dir, "dvd+rw", "rw.img"), dir.join("rw.img")),
    ] {
        on(dir, &dev, &["write", "small.iso"]).code(0);
        assert!(lba(&dev, "/a.txt") < 32, "{dev}");
        let r = on(dir, &dev, &["--json", "add", "a"]).code(0);
        let v = r.result();
        assert_eq!(v["import"]["rewritten"], 1, "{dev}: {v}");
        assert!(
            v["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("written again")),
            "{v}"
        );
        assert!(lba(&dev, "/a.txt") >= v["start"].as_u64().unwrap(), "{dev}");
        on(dir, &dev, &["add", "b"]).code(0);
        on(dir, &dev, &["check", "--all"]).code(0);
        let (code, text) = xorriso_check_md5_r(&file);
        assert_eq!(code, 0, "{dev}: {text}");
        assert!(
            text.contains("File contents and their MD5 checksums match"),
            "{text}"
        );
        let out = dir.join("out");
        let _ = fs::remove_dir_all(&out);
        on(dir, &dev, &["extract", "/", out.to_str().unwrap()]).code(0);
        assert_eq!(fs::read(out.join("a.txt")).unwrap(), b"in the head area\n");
        assert_eq!(fs::read(out.join("b.bin")).unwrap(), big);
        assert_eq!(fs::read(out.join("two.txt")).unwrap(), b"second session\n");
        assert_eq!(fs::read(out.join("one.txt")).unwrap(), b"first session\n");
    }
}

/// `burn write --size N -` with more than N bytes on standard input stops
/// the write. The error's hint (or the JSON error's hint) says what the
/// medium holds, once, and it is what `burn info --json` then finds: DVD-R
/// and DVD+R hold the written blocks as a closed session of their own, a
/// CD-R written in SAO is still blank, an image file holds the first
/// blocks.
#[test]
fn an_aborted_write_says_what_the_medium_holds() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let data: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i * 7 + i / 2048) as u8)
        .collect();
    let size = (2u64 << 20).to_string();
    let pipe = |dev: &str, json: bool| -> Run {
        let mut c = burn_cmd(dir);
        c.args(["--dev", dev, "--progress", "never"]);
        if json {
            c.arg("--json");
        }
        c.args(["write", "-", "--size", &size])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        // burn stops reading when it sees more than --size.
        let _ = stdin.write_all(&data);
        drop(stdin);
        let o = child.wait_with_output().unwrap();
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: o.stdout,
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    let longer = "the input is longer than --size (2097152 bytes)";
    for media in ["dvd-r", "dvd+r", "cd-r", "stdio"] {
        for json in [false, true] {
            let name = format!("{media}-{json}.img");
            let dev = if media == "stdio" {
                stdio(dir, &name)
            } else {
                emul(dir, media, &name)
            };
            let r = pipe(&dev, json);
            assert_eq!(r.code, 1, "{media}: {r:?}");
            let hint = if json {
                let e = r.json();
                assert!(
                    e["error"]["message"].as_str().unwrap().contains(longer),
                    "{media}: {e}"
                );
                e["error"]["hints"][0].as_str().unwrap().to_string()
            } else {
                assert!(r.stdout.is_empty(), "{}", r.out());
                assert!(r.stderr.contains("error: "), "{}", r.stderr);
                assert!(r.stderr.contains(longer), "{}", r.stderr);
                r.stderr
                    .lines()
                    .find_map(|l| l.strip_prefix("hint: "))
                    .unwrap_or_else(|| panic!("{media}: no hint: {}", r.stderr))
                    .to_string()
            };
            let info = on(dir, &dev, &["--json", "info"]).json();
            let sessions = info["sessions"].as_array().unwrap();
            // Blocks sent before the stop: whole WRITEs (16 blocks on DVD,
            // 32 on CD), fewer than the 1024 announced.
            let sent = hint
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| !w.is_empty())
                .and_then(|w| w.parse::<u64>().ok())
                .unwrap_or_else(|| panic!("{media}: no count in {hint:?}"));
            assert!(sent > 0 && sent < 1024 && sent % 16 == 0, "{hint}");
            let want = match media {
                "cd-r" => {
                    assert_eq!(info["status"], "blank", "{info}");
                    assert!(sessions.is_empty(), "{info}");
                    format!(
                        "no session was recorded ({sent} blocks had been sent): the drive \
                         reports the disc blank"
                    )
                }
                "stdio" => {
                    let len = fs::metadata(dir.join(&name)).unwrap().len();
                    assert_eq!(len, sent * 2048, "{media}");
                    format!(
                        "the medium holds a partly written image: its first {sent} blocks (from \
                         LBA 0)"
                    )
                }
                _ => {
                    assert_eq!(info["status"], "appendable", "{info}");
                    assert_eq!(sessions.len(), 1, "{info}");
                    assert_eq!(sessions[0]["start"], 0, "{info}");
                    let blocks = sessions[0]["blocks"].as_u64().unwrap();
                    // DVD-R: the blocks written; DVD+R: the reservation.
                    let session = if media == "dvd-r" { sent } else { 1024 };
                    assert_eq!(blocks, session, "{info}");
                    format!(
                        "the {sent} blocks written were closed as session 1 (LBA 0, {blocks} \
                         blocks), which holds an incomplete copy of the data; the disc stays \
                         appendable (next session at LBA {})",
                        info["next_writable"]
                    )
                }
            };
            assert_eq!(hint, want, "{media} (json: {json})");
            assert!(!hint.contains("left open"), "{hint}");
            // Said once: as the hint on stderr, or in the JSON document
            // on stdout and not on stderr.
            let (said, quiet) = if json {
                (r.out(), r.stderr.clone())
            } else {
                (r.stderr.clone(), String::new())
            };
            assert_eq!(said.matches(&want).count(), 1, "{media}: {said}");
            assert!(!quiet.contains(&want), "{media}: {quiet}");
        }
    }
}

//! Bad input and unsuitable media: each gives a clear error and the
//! documented exit code, and nothing is written (the medium's state and
//! bytes compared before and after).

use std::fs;
use std::io::{BufRead, BufReader, Write as _};
use std::path::Path;
use std::process::Stdio;

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

/// Runs `args` on `dev` (backed by `img`), expects `code` and `text`, and
/// that the medium did not change.
fn refused(dir: &Path, dev: &str, img: &Path, args: &[&str], code: i32, text: &str) {
    let before = fingerprint(img);
    on(dir, dev, args).fails(code, text);
    assert_eq!(
        fingerprint(img),
        before,
        "{args:?} changed {}",
        img.display()
    );
}

fn small_image(dir: &Path) {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(dir.join("src/f.txt"), b"data\n").unwrap();
    burn(dir, ["mkiso", "-o", "img.iso", "src"]).ok();
}

#[test]
fn missing_and_unusable_inputs_write_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_image(dir);
    std::process::Command::new("mkfifo")
        .arg(dir.join("fifo"))
        .status()
        .unwrap();
    fs::create_dir(dir.join("adir")).unwrap();
    for media in ["cd-r", "dvd+rw"] {
        let dev = emul(dir, media, &format!("{media}.img"));
        // A first session, so that "nothing written" compares real state.
        on(dir, &dev, &["add", "src"]).code(0);
        let img = dir.join(format!("{media}.img"));
        refused(
            dir,
            &dev,
            &img,
            &["write", "missing.iso"],
            1,
            "cannot open missing.iso: no such file",
        );
        refused(dir, &dev, &img, &["write", "adir"], 1, "is a directory");
        // A FIFO is refused without blocking on it.
        refused(dir, &dev, &img, &["write", "fifo"], 1, "not a regular file");
        refused(
            dir,
            &dev,
            &img,
            &["add", "src", "missing"],
            1,
            "cannot read missing: no such file",
        );
        // A path through a file: not a directory.
        refused(
            dir,
            &dev,
            &img,
            &["add", "src/f.txt/x"],
            1,
            "not a directory",
        );
        refused(
            dir,
            &dev,
            &img,
            &["add", "=/x"],
            2,
            "no file or directory before `=`",
        );
        refused(
            dir,
            &dev,
            &img,
            &["write", "-", "--size", "0"],
            2,
            "nothing to write",
        );
        // Standard input is /dev/null here: empty.
        refused(
            dir,
            &dev,
            &img,
            &["write", "-"],
            1,
            "standard input is empty",
        );
    }
    // An empty image file.
    fs::write(dir.join("empty.iso"), b"").unwrap();
    let dev = stdio(dir, "target.iso");
    on(dir, &dev, &["write", "empty.iso"]).fails(1, "empty");
    assert!(!dir.join("target.iso").exists(), "nothing created");
    // --size with a file must match it.
    on(dir, &dev, &["write", "img.iso", "--size", "1M"]).fails(2, "does not match");
    // verify needs a file.
    on(dir, &dev, &["verify", "-"]).fails(2, "not standard input");
}

#[test]
fn what_does_not_fit_is_not_written() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // A 1 GiB sparse image onto a CD-R (about 700 MiB).
    let big = fs::File::create(dir.join("big.iso")).unwrap();
    big.set_len(1 << 30).unwrap();
    drop(big);
    let dev = emul(dir, "cd-r", "cd.img");
    let img = dir.join("cd.img");
    on(dir, &dev, &["info"]).code(0);
    refused(dir, &dev, &img, &["write", "big.iso"], 4, "does not fit");
    let r = on(dir, &dev, &["write", "big.iso"]);
    // 1 GiB and the CD's 150 blocks of padding.
    assert!(r.stderr.contains("524438 blocks (1.0 GiB)"), "{}", r.stderr);
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    // The same as files of a session.
    fs::create_dir(dir.join("bigdir")).unwrap();
    fs::rename(dir.join("big.iso"), dir.join("bigdir/big.bin")).unwrap();
    refused(dir, &dev, &img, &["add", "bigdir"], 4, "does not fit");
    // Onto a DVD+RW with one session already: too big for what is left.
    let dev = emul(dir, "dvd+rw", "plus.img");
    let huge = fs::File::create(dir.join("bigdir/huge.bin")).unwrap();
    huge.set_len(5 << 30).unwrap();
    drop(huge);
    small_image(dir);
    on(dir, &dev, &["add", "src"]).code(0);
    refused(
        dir,
        &dev,
        &dir.join("plus.img"),
        &["add", "bigdir"],
        4,
        "does not fit",
    );
    let info = on(dir, &dev, &["--json", "info"]).json();
    assert_eq!(info["sessions"].as_array().unwrap().len(), 1);
    on(dir, &dev, &["check", "--all"]).code(0);
}

#[test]
fn closed_discs_take_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_image(dir);
    for media in ["cd-r", "dvd-r", "dvd+r", "bd-r"] {
        let dev = emul(dir, media, &format!("{media}.img"));
        on(dir, &dev, &["add", "src", "--close"]).code(0);
        let img = dir.join(format!("{media}.img"));
        refused(dir, &dev, &img, &["add", "src"], 4, "closed");
        refused(dir, &dev, &img, &["write", "img.iso"], 4, "closed");
        // Write-once media cannot be blanked or formatted.
        refused(dir, &dev, &img, &["blank"], 4, "cannot be blanked");
        on(dir, &dev, &["check"]).code(0);
    }
    // ROM discs.
    let dev = emul(dir, "cd-rom", "img.iso");
    let img = dir.join("img.iso");
    refused(dir, &dev, &img, &["add", "src"], 4, "read-only");
    refused(dir, &dev, &img, &["write", "img.iso"], 4, "read-only");
    refused(dir, &dev, &img, &["blank"], 4, "read-only");
    refused(dir, &dev, &img, &["format"], 4, "read-only");
    on(dir, &dev, &["check"]).code(0);
    on(dir, &dev, &["verify", "img.iso"]).code(0);
}

#[test]
fn simulation_only_where_the_drive_offers_it() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_image(dir);
    // The emulated recorder offers no Test Write; overwritable media and
    // image files never simulate.
    for (media, text) in [
        ("cd-r", "does not offer simulation"),
        ("dvd-rw", "does not offer simulation"),
        ("dvd+r", "only CD-R/RW and DVD-R/RW"),
        ("dvd+rw", "only CD-R/RW and DVD-R/RW"),
        ("bd-re", "only CD-R/RW and DVD-R/RW"),
    ] {
        let dev = emul(dir, media, &format!("{media}.img"));
        on(dir, &dev, &["info"]).code(0);
        let img = dir.join(format!("{media}.img"));
        refused(dir, &dev, &img, &["write", "img.iso", "--dummy"], 4, text);
    }
    let dev = stdio(dir, "s.iso");
    on(dir, &dev, &["write", "img.iso", "--dummy"]).fails(4, "not possible");
}

#[test]
fn addresses_that_are_no_drive() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for dev in ["mmc:/dev/null", "/dev/null"] {
        for args in [&["info"][..], &["add", "."], &["check"]] {
            let r = on(dir, dev, args).fails(4, "/dev/null is not a SCSI device");
            assert!(r.stderr.contains("hint: "), "{}", r.stderr);
        }
    }
    on(dir, "/dev/nonexistent-drive", &["info"]).fails(4, "no such device");
    on(dir, &stdio(dir, "missing.iso"), &["info"]).fails(4, "no such device or file");
    // Reading a blank medium.
    let dev = emul(dir, "bd-re", "blank.img");
    on(dir, &dev, &["check"]).fails(4, "blank");
    on(dir, &dev, &["ls"]).fails(4, "blank");
    let r = on(dir, &dev, &["--json", "check"]).code(4);
    assert_eq!(r.json()["error"]["exit_code"], 4);
}

#[test]
fn a_busy_image_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    small_image(dir);
    // More than the FIFO holds, so that writing starts before the end.
    let data = vec![0x5Au8; 16 << 20];
    let dev = emul(dir, "dvd+r", "busy.img");
    // The first burn holds the drive while it waits for standard input.
    let mut c = burn_cmd(dir);
    c.args([
        "--dev",
        &dev,
        "--json",
        "--progress",
        "always",
        "write",
        "-",
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut first = c.spawn().unwrap();
    let _guard = KillAfter::new(first.id());
    let mut stdin = first.stdin.take().unwrap();
    let half = data.len() / 2;
    stdin.write_all(&data[..half]).unwrap();
    stdin.flush().unwrap();
    // Its first progress event says it is writing.
    let mut out = BufReader::new(first.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert!(line.contains("\"type\":\"progress\""), "{line}");

    for args in [&["info"][..], &["write", "img.iso"], &["add", "src"]] {
        let r = on(dir, &dev, args).fails(4, "busy");
        assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    }
    // The first one finishes normally.
    stdin.write_all(&data[half..]).unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(first.wait().unwrap().success(), "{rest}");
    fs::write(dir.join("data.bin"), &data).unwrap();
    on(dir, &dev, &["verify", "data.bin"]).code(0);
}

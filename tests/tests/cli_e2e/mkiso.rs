//! `burn mkiso`: images checked by isoinfo, isovfy, xorriso and md5sum;
//! outputs that are complete or absent; standard output as a pipe.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use super::support::*;

fn mkiso(cwd: &Path, args: &[&str]) -> serde_json::Value {
    let mut v = vec!["--json", "--progress", "never", "mkiso"];
    v.extend_from_slice(args);
    let r = burn(cwd, &v);
    r.ok();
    r.json()
}

#[test]
fn image_is_valid_for_isoinfo_and_isovfy() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let res = mkiso(d.path(), &["-o", "img.iso", "--volid", "TEST_VOL", "tree"]);
    let blocks = res["blocks"].as_u64().unwrap();
    assert_eq!(
        fs::metadata(d.path().join("img.iso")).unwrap().len(),
        blocks * 2048,
        "planned size = file size"
    );
    let info = oracle("isoinfo", &["-d", "-i", "img.iso"], d.path(), false);
    assert!(info.contains("Volume id: TEST_VOL"), "{info}");
    assert!(
        info.contains(&format!("Volume size is: {blocks}")),
        "{info}"
    );
    assert!(
        info.contains("Rock Ridge signatures version 1 found"),
        "{info}"
    );
    assert!(info.contains("Joliet with UCS level 3 found"), "{info}");
    let vfy = oracle("isovfy", &["-i", "img.iso"], d.path(), false);
    assert_eq!(vfy.lines().last(), Some("No errors found"), "{vfy}");
    assert!(!vfy.contains("**BAD"), "{vfy}");
}

#[test]
fn without_rock_ridge_and_joliet() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    mkiso(
        d.path(),
        &[
            "-o",
            "plain.iso",
            "--no-rock",
            "--no-joliet",
            "--no-md5",
            "tree",
        ],
    );
    let info = oracle("isoinfo", &["-d", "-i", "plain.iso"], d.path(), false);
    assert!(!info.contains("Rock Ridge signatures"), "{info}");
    assert!(!info.contains("Joliet with UCS"), "{info}");
    assert!(info.contains("NO Joliet present"), "{info}");
}

#[test]
fn md5_checksums_are_accepted_by_xorriso() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let res = mkiso(d.path(), &["-o", "md5.iso", "--md5", "tree"]);
    assert_eq!(res["md5_tags"], true);
    let r = oracle(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            "stdio:md5.iso",
            "-check_md5_r",
            "sorry",
            "/",
            "--",
        ],
        d.path(),
        true,
    );
    assert!(
        r.contains("File contents and their MD5 checksums match."),
        "{r}"
    );
    assert!(!r.contains("have no MD5"), "{r}");
    assert!(!r.contains("MISMATCH"), "{r}");
    let r = oracle(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            "stdio:md5.iso",
            "-check_md5",
            "FAILURE",
            "--",
        ],
        d.path(),
        true,
    );
    assert!(r.contains("Ok, session data match recorded md5."), "{r}");
    // The reported MD5 is the image's (what md5sum computes).
    let sum = oracle("md5sum", &["md5.iso"], d.path(), false);
    assert_eq!(
        Some(sum.split_whitespace().next().unwrap()),
        res["md5"].as_str(),
        "{res}"
    );
}

#[test]
fn md5_is_on_by_default_and_can_be_turned_off() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    assert_eq!(mkiso(d.path(), &["-o", "a.iso", "tree"])["md5_tags"], true);
    let res = mkiso(d.path(), &["-o", "b.iso", "--no-md5", "tree"]);
    assert_eq!(res["md5_tags"], false);
    assert_eq!(res["md5"], serde_json::Value::Null);
    let r = oracle(
        "xorriso",
        &[
            "-md5",
            "on",
            "-indev",
            "stdio:b.iso",
            "-check_md5_r",
            "sorry",
            "/",
            "--",
        ],
        d.path(),
        true,
    );
    assert!(
        r.contains("Not a single file with MD5 checksum was found"),
        "{r}"
    );
}

#[test]
fn graft_points_place_files() {
    let d = tempfile::tempdir().unwrap();
    let t = sample_tree(d.path());
    let _ = t;
    mkiso(
        d.path(),
        &[
            "-o",
            "g.iso",
            "tree/docs=/stuff/docs",
            "tree/hello.txt=/greeting",
            "tree/empty=/into/",
        ],
    );
    let found = oracle(
        "xorriso",
        &["-indev", "stdio:g.iso", "-find", "/"],
        d.path(),
        false,
    );
    let paths: Vec<&str> = found.lines().map(|l| l.trim_matches('\'')).collect();
    for p in [
        "/stuff/docs/big.bin",
        "/stuff/docs/deep/deeper/note.md",
        "/greeting",
        "/into/empty",
    ] {
        assert!(paths.contains(&p), "{p} not in {paths:?}");
    }
    assert!(!paths.contains(&"/hello.txt"), "{paths:?}");
}

#[test]
fn reproducible_with_source_date_epoch_and_pipe_output_is_the_same() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let make = |out: &str| {
        let mut c = burn_cmd(d.path());
        c.env("SOURCE_DATE_EPOCH", "1700000000")
            .args(["mkiso", "-o", out, "tree"]);
        run_cmd(c)
    };
    make("one.iso").ok();
    make("two.iso").ok();
    let one = fs::read(d.path().join("one.iso")).unwrap();
    assert_eq!(one, fs::read(d.path().join("two.iso")).unwrap());

    // To a pipe: the same bytes; the summary goes to stderr.
    let mut c = burn_cmd(d.path());
    c.env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["mkiso", "-o", "-", "tree"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut piped = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut piped)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(piped.len(), one.len());
    assert!(piped == one, "pipe output differs from the file");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("standard output:"), "{err}");

    // A malformed SOURCE_DATE_EPOCH is refused.
    let mut c = burn_cmd(d.path());
    c.env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["mkiso", "-o", "x.iso", "tree"]);
    let r = run_cmd(c);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("SOURCE_DATE_EPOCH"), "{}", r.stderr);
    assert!(!d.path().join("x.iso").exists());
}

#[test]
fn json_to_stderr_when_the_image_goes_to_stdout() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let r = burn(
        d.path(),
        ["--json", "--progress", "never", "mkiso", "-o", "-", "tree"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(&r.stdout[32769..32774], b"CD001", "stdout is the image");
    let doc: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(doc["type"], "mkiso");
    assert_eq!(doc["output"], "-");
    assert_eq!(doc["bytes"].as_u64(), Some(r.stdout.len() as u64));
}

#[test]
fn print_size_matches_what_is_written() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let size = mkiso(d.path(), &["--print-size", "tree"]);
    assert_eq!(size["written"], false);
    assert_eq!(size["output"], serde_json::Value::Null);
    let made = mkiso(d.path(), &["-o", "s.iso", "tree"]);
    assert_eq!(size["blocks"], made["blocks"]);
    assert_eq!(
        fs::metadata(d.path().join("s.iso")).unwrap().len(),
        size["bytes"].as_u64().unwrap()
    );
    let human = burn(d.path(), ["mkiso", "--print-size", "tree"]).ok();
    assert!(
        human.starts_with(&format!("{} blocks of 2048 bytes", size["blocks"])),
        "{human}"
    );
    assert_eq!(
        fs::read_dir(d.path()).unwrap().count(),
        2,
        "nothing else written"
    );
}

/// Names of the entries of `dir`.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn missing_input_fails_naming_it_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let r = burn(d.path(), ["mkiso", "-o", "out.iso", "tree", "no-such-dir"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert_eq!(
        r.stderr.lines().next(),
        Some("error: cannot read no-such-dir: no such file or directory"),
        "{}",
        r.stderr
    );
    assert_eq!(
        names(d.path()),
        ["tree"],
        "no output, no temporary file left"
    );

    // An existing output stays as it was.
    fs::write(d.path().join("out.iso"), b"old").unwrap();
    let r = burn(d.path(), ["mkiso", "-o", "out.iso", "no-such-dir"]);
    assert_eq!(r.code, 1);
    assert_eq!(fs::read(d.path().join("out.iso")).unwrap(), b"old");
    assert_eq!(names(d.path()), ["out.iso", "tree"]);

    // JSON: one error object with the same exit code.
    let r = burn(
        d.path(),
        [
            "--json",
            "--progress",
            "never",
            "mkiso",
            "-o",
            "j.iso",
            "nope",
        ],
    );
    assert_eq!(r.code, 1);
    let e = r.json();
    assert_eq!(e["type"], "error");
    assert_eq!(e["error"]["exit_code"], 1);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("nope"),
        "{e}"
    );
    assert!(!d.path().join("j.iso").exists());
}

#[test]
fn bad_outputs_and_volume_ids() {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    let r = burn(d.path(), ["mkiso", "-o", "no/such/dir/x.iso", "tree"]);
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stderr.contains("no/such/dir/x.iso"), "{}", r.stderr);
    let r = burn(d.path(), ["mkiso", "-o", "tree", "tree"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    let long = "A".repeat(33);
    let r = burn(d.path(), ["mkiso", "-o", "v.iso", "--volid", &long, "tree"]);
    assert_eq!(r.code, 2, "{r:?}");
    assert!(!d.path().join("v.iso").exists());
    // 17..32 characters fit the PVD but not Joliet: a warning, and the
    // PVD keeps all of them.
    let vol = "BACKUP_2024_01_02_X";
    let r = burn(d.path(), ["mkiso", "-o", "v.iso", "--volid", vol, "tree"]);
    r.ok();
    assert!(
        r.stderr.contains("warning:") && r.stderr.contains("Joliet"),
        "{}",
        r.stderr
    );
    let info = oracle("isoinfo", &["-d", "-i", "v.iso"], d.path(), false);
    assert!(info.contains(&format!("Volume id: {vol}")), "{info}");
}

#[test]
fn interrupting_a_write_to_a_pipe_exits_130() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path().join("big");
    fs::create_dir(&t).unwrap();
    // 64 MiB without data blocks on disk; the pipe holds far less.
    fs::File::create(t.join("sparse"))
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    let mut c = burn_cmd(d.path());
    c.args(["--progress", "never", "mkiso", "--no-md5", "-o", "-", "big"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = vec![0u8; 64 * 1024];
    stdout.read_exact(&mut first).unwrap();
    // The image is being written: ask it to stop.
    let pid = child.id().to_string();
    oracle("kill", &["-INT", &pid], d.path(), false);
    // Wait (by reading, not by time) until burn says it will stop.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("stopping") {
        let mut line = String::new();
        assert_ne!(
            stderr.read_line(&mut line).unwrap(),
            0,
            "stderr ended: {said}"
        );
        said.push_str(&line);
    }
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let mut tail = String::new();
    stderr.read_to_string(&mut tail).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{said}{tail}");
    assert!(
        tail.contains("error: interrupted: the image on standard output is incomplete"),
        "{tail}"
    );
    assert!(((first.len() + rest.len()) as u64) < (64 << 20));
}

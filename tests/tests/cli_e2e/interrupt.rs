//! Ctrl-C: the first stops at the next command and leaves the medium
//! consistent (exit 130, with what the medium holds now); the second
//! exits at once.
//!
//! The tests wait for events, not for time: the first progress event
//! (the drive is busy), then the "stopping" message (the signal was
//! taken) before feeding more data.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::path::Path;
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};

use super::support::*;

fn on(dir: &Path, dev: &str, args: &[&str]) -> Run {
    let mut v = vec!["--dev", dev];
    v.extend_from_slice(args);
    burn(dir, v)
}

fn sigint(child: &Child) {
    let ok = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT failed");
}

/// Reads stdout lines until one contains `text`.
fn wait_stdout(out: &mut BufReader<ChildStdout>, text: &str) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("stdout ended before {text:?}: {seen}");
        }
        seen.push_str(&line);
        if line.contains(text) {
            return line;
        }
    }
}

/// Reads stderr lines until one contains `text`.
fn wait_stderr(err: &mut BufReader<ChildStderr>, text: &str) {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if err.read_line(&mut line).unwrap() == 0 {
            panic!("stderr ended before {text:?}: {seen}");
        }
        seen.push_str(&line);
        if line.contains(text) {
            return;
        }
    }
}

/// `burn --json --progress always ARGS` with piped stdin, stdout, stderr.
fn spawn(dir: &Path, args: &[&str], scale: &str) -> Child {
    let mut c = burn_cmd(dir);
    c.args(["--json", "--progress", "always"])
        .args(args)
        .env("BURN_EMUL_TIME_SCALE", scale)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c.spawn().unwrap()
}

const STOPPING: &str = "stopping at the next safe point";

#[test]
fn first_ctrl_c_stops_a_sequential_write_cleanly() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let dev = emul(dir, "dvd+r", "plus.img");
    let data = vec![0xA5u8; 24 << 20];
    let mut child = spawn(dir, &["--dev", &dev, "write", "-"], "0");
    let _guard = KillAfter::new(child.id());
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    stdin.write_all(&data[..8 << 20]).unwrap();
    wait_stdout(&mut out, "\"phase\":\"writing\"");
    sigint(&child);
    wait_stderr(&mut err, STOPPING);
    // More data: the writer goes on to its next command and stops there.
    let _ = stdin.write_all(&data[8 << 20..]);
    drop(stdin);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    let last: serde_json::Value = serde_json::from_str(rest.lines().last().unwrap()).unwrap();
    assert_eq!(last["type"], "error");
    assert_eq!(last["error"]["exit_code"], 130);
    let msg = last["error"]["message"].as_str().unwrap();
    assert!(msg.starts_with("interrupted"), "{msg}");
    assert!(msg.contains("appendable"), "{msg}");
    // The track was closed: the disc is appendable, the next session goes
    // after what was written.
    let info = on(dir, &dev, &["--json", "info"]).json();
    assert_eq!(info["status"], "appendable", "{info}");
    assert!(info["next_writable"].as_u64().unwrap() > 0);
    assert_eq!(info["sessions"].as_array().unwrap().len(), 1);
}

#[test]
fn first_ctrl_c_keeps_the_previous_sessions_of_an_overwritable_disc() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    two_trees(dir);
    let dev = emul(dir, "bd-re", "re.img");
    on(dir, &dev, &["add", "a", "--volid", "FIRST"]).code(0);
    let before = on(dir, &dev, &["--json", "info"]).json();
    // Simulated durations × 20: SYNCHRONIZE CACHE takes 2 s, time enough
    // for Ctrl-C while the new session is being made durable and before
    // the head that would show it is written.
    let mut child = spawn(dir, &["--dev", &dev, "add", "b", "--volid", "SECOND"], "20");
    let _guard = KillAfter::new(child.id());
    drop(child.stdin.take());
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    wait_stdout(&mut out, "\"phase\":\"syncing\"");
    sigint(&child);
    wait_stderr(&mut err, STOPPING);
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    let last: serde_json::Value = serde_json::from_str(rest.lines().last().unwrap()).unwrap();
    let msg = last["error"]["message"].as_str().unwrap();
    assert!(msg.contains("previous sessions are intact"), "{msg}");
    // Exactly as before: one session, checked good.
    let after = on(dir, &dev, &["--json", "info"]).json();
    assert_eq!(after["sessions"], before["sessions"]);
    assert_eq!(after["next_writable"], before["next_writable"]);
    on(dir, &dev, &["check", "--all"]).code(0);
    let toc = xorriso_toc(&dir.join("re.img"));
    assert_eq!(toc.len(), 1);
    assert_eq!(toc[0].2, "FIRST");
}

#[test]
fn second_ctrl_c_exits_at_once() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let dev = emul(dir, "cd-rw", "cd.img");
    let mut child = spawn(dir, &["--dev", &dev, "write", "-"], "0");
    let _guard = KillAfter::new(child.id());
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut err = BufReader::new(child.stderr.take().unwrap());
    stdin.write_all(&vec![0u8; 8 << 20]).unwrap();
    wait_stdout(&mut out, "\"phase\":\"writing\"");
    sigint(&child);
    wait_stderr(&mut err, STOPPING);
    // The writer waits for data that does not come; the second Ctrl-C
    // does not wait for it.
    sigint(&child);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    drop(stdin);
    // The drive is free again.
    on(dir, &dev, &["info"]).code(0);
}

#[test]
fn ctrl_c_outside_an_operation_exits_at_once() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let dev = emul(dir, "dvd-r", "r.img");
    // Waiting for the first bytes of standard input, before the drive is
    // opened: nothing to stop cleanly.
    let mut child = spawn(dir, &["--dev", &dev, "write", "-"], "0");
    let _guard = KillAfter::new(child.id());
    // Standard input stays open until the process has ended (Child::wait
    // would close it first, and an empty input ends `write -` by itself).
    let stdin = child.stdin.take();
    // Once the signal handler is installed (SIGINT caught, per
    // /proc/PID/status), Ctrl-C ends the process with 130.
    let status = format!("/proc/{}/status", child.id());
    let mut tries = 0;
    while !catches_sigint(&fs::read_to_string(&status).unwrap_or_default()) {
        tries += 1;
        assert!(tries < 2000, "burn did not install its signal handler");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    sigint(&child);
    assert_eq!(child.wait().unwrap().code(), Some(130));
    drop(stdin);
    assert!(!dir.join("r.img").exists(), "the drive was never opened");
}

/// The `SigCgt:` mask of /proc/PID/status has SIGINT (2, bit 1).
fn catches_sigint(status: &str) -> bool {
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|m| u64::from_str_radix(m.trim(), 16).ok())
        .is_some_and(|m| m & (1 << 1) != 0)
}

/// Ctrl-C while `burn read -o -` streams an image: it stops at the next
/// chunk and says that the image on standard output is incomplete. (The
/// reader holds back standard output, so the rip is surely under way when
/// the signal comes.)
#[test]
fn first_ctrl_c_stops_a_read() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::create_dir(dir.join("src")).unwrap();
    fs::write(dir.join("src/big.bin"), vec![0x3Cu8; 16 << 20]).unwrap();
    burn(dir, ["mkiso", "-o", "stored.iso", "src"]).ok();
    let dev = emul(dir, "dvd-rom", "stored.iso");
    let mut child = spawn(dir, &["--dev", &dev, "read", "-o", "-"], "0");
    let _guard = KillAfter::new(child.id());
    drop(child.stdin.take());
    let mut out = child.stdout.take().unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = [0u8; 1];
    out.read_exact(&mut first).unwrap();
    sigint(&child);
    wait_stderr(&mut err, STOPPING);
    let mut image = Vec::new();
    out.read_to_end(&mut image).unwrap();
    let mut rest = String::new();
    err.read_to_string(&mut rest).unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{rest}");
    assert!(image.len() + 1 < 16 << 20, "stopped before the end");
    let last: serde_json::Value = serde_json::from_str(rest.lines().last().unwrap()).unwrap();
    let msg = last["error"]["message"].as_str().unwrap();
    assert_eq!(
        msg, "interrupted: the image on standard output is incomplete",
        "{rest}"
    );
}

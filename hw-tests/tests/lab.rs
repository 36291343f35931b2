//! Tests through a real Linux kernel: the VM lab (`lab/mmc-lab.sh`).
//!
//! One guest boot (`lab/guest/lab-suite.sh`, six tgt recorders and QEMU's
//! read-only CD-ROM) serves every test here: the first test to need it
//! boots the lab, the others wait for the same run and assert on their own
//! check. When the lab cannot run (not root and no passwordless sudo, no
//! apt, no QEMU …) every test fails with the reason — these tests never
//! pass by skipping.
//!
//! What runs in the guest is this workspace's code: the `burn` CLI and
//! mmc's `inspect` example, built by the harness, sending their commands
//! through the guest kernel's SG_IO to `/dev/srN` and `/dev/sgN`. The host
//! judges the results independently where it can: the recorder media files
//! tgt wrote, xorriso on the host, the raw transcript decoded by
//! `hw_tests::transcript`.
//!
//! `HW_TESTS_BLESS=1` rewrites `fixtures/tgt-dvd+r-transcript.txt` from the
//! live capture instead of comparing against it. Every check's output stays
//! in `target/lab-runs/suite/checks/NAME.txt` (`--nocapture` prints the
//! interesting ones too).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use hw_tests::lab::CmdRun;
use hw_tests::transcript::{Transcript, decode, md5_hex};
use hw_tests::{Lab, LabRun, TGT_TRANSCRIPT, cargo, fixture, lab};
use serde_json::Value;

/// Blocks of tgt's blank DVD+R: its Last Possible Lead-out 230540h.
const TGT_BLANK_BLOCKS: u64 = 0x230540;
/// Size of the random file in the host-made image.
const DATA_BYTES: usize = 50_000_000;

/// The 50 MB image the host makes with `burn mkiso` for the guest.
struct Image {
    path: PathBuf,
    len: u64,
    md5: String,
    /// MD5 of its one file, `/data/random.bin`.
    data_md5: String,
}

struct Suite {
    run: LabRun,
    image: Image,
}

/// `DATA_BYTES` of xorshift64* output: the same bytes on every run, no
/// runs of zeros for the drive or the file system to be clever about.
fn pseudo_random(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_F491_4F6C_DD1D).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Builds `target/lab-inputs/img50.iso` (one 50 MB file, `/data/random.bin`,
/// volume id LAB50, MD5 tags) with the `burn` that goes into the guest.
fn make_image(burn: &Path) -> Result<Image, String> {
    let dir = cargo::target_dir().join("lab-inputs");
    let data_dir = dir.join("data");
    std::fs::create_dir_all(&data_dir).map_err(|e| format!("{}: {e}", data_dir.display()))?;
    let data = pseudo_random(DATA_BYTES);
    let data_path = data_dir.join("random.bin");
    std::fs::write(&data_path, &data).map_err(|e| format!("{}: {e}", data_path.display()))?;
    let path = dir.join("img50.iso");
    let out = Command::new(burn)
        .args(["mkiso", "--progress", "never", "--volid", "LAB50", "-o"])
        .arg(&path)
        .arg(format!("{}=/data", data_dir.display()))
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", burn.display()))?;
    if !out.status.success() {
        return Err(format!(
            "burn mkiso failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Image {
        len: bytes.len() as u64,
        md5: md5_hex(&bytes),
        data_md5: md5_hex(&data),
        path,
    })
}

fn suite() -> &'static Suite {
    static SUITE: OnceLock<Result<Suite, String>> = OnceLock::new();
    let suite = SUITE.get_or_init(|| {
        lab::prerequisites().map_err(|e| e.to_string())?;
        let burn = cargo::build_bin("burn-cli", "burn").map_err(|e| e.to_string())?;
        let inspect = cargo::build_example("mmc", "inspect").map_err(|e| e.to_string())?;
        let image = make_image(&burn)?;
        let run = Lab::new("suite", lab::guest_script("lab-suite.sh"))
            .recorders(6)
            .extra(burn)
            .extra(inspect)
            .extra(env!("CARGO_BIN_EXE_hold-node"))
            .extra(&image.path)
            .run()
            .map_err(|e| e.to_string())?;
        eprintln!(
            "lab suite: exit {} after {:.1} s wall ({})",
            run.exit_code,
            run.wall.as_secs_f64(),
            run.dir.display()
        );
        for name in run.section_names() {
            if let Some(s) = run.section(&name) {
                eprintln!(
                    "  check {name:<20} rc={:<4} {:>6} s",
                    s.rc.map_or("-".into(), |r| r.to_string()),
                    s.secs.map_or("-".into(), |t| format!("{t:.1}"))
                );
            }
        }
        Ok(Suite { run, image })
    });
    match suite {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// Prints a check's output (visible with `--nocapture`).
fn show(name: &str, output: &str) {
    eprintln!("===== {name}\n{output}\n");
}

#[test]
fn guest_suite_passes() {
    let run = &suite().run;
    assert_eq!(run.exit_code, 0, "{}", run.report());
    assert!(
        run.run_output().contains("all checks passed"),
        "{}",
        run.report()
    );
}

#[test]
fn guest_sees_six_recorders_and_the_iso_drive() {
    let run = &suite().run;
    let out = run.expect_ok("devices");
    assert!(out.contains("kernel "), "{out}");
    let line = run.devices_line().expect("no @@LAB-DEVICES@@ line");
    let recorders = line
        .split_once("recorders=")
        .and_then(|(_, r)| r.split_once(" sg=").map(|(r, _)| r))
        .unwrap_or_default();
    assert_eq!(recorders.split_whitespace().count(), 6, "{line}");
    assert!(line.contains("iso=/dev/sr"), "{line}");
}

#[test]
fn recorder_is_tgts_dvd_recorder() {
    let out = suite().run.expect_ok("recorder-inquiry");
    assert!(out.contains("VIRTUAL-CDROM"), "{out}");
}

fn host_version(pkg: &str) -> String {
    Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", pkg])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

fn today() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// The raw sequence sent to tgt's blank DVD+R through `/dev/sgN` must give
/// the answers recorded in the fixture: the emulator comparison
/// (`tests/emulator_vs_tgt.rs`) relies on the fixture being what tgt does.
#[test]
fn tgt_raw_sequence_matches_the_fixture() {
    let run = &suite().run;
    let out = run.expect_ok("tgt-raw-sequence");
    let live_text = run
        .share_file("tgt-transcript.txt")
        .unwrap_or_else(|e| panic!("no transcript in the share ({e})\n{out}"));
    let mut live = Transcript::parse(&live_text).expect("guest transcript does not parse");
    let path = fixture(TGT_TRANSCRIPT);

    if std::env::var("HW_TESTS_BLESS").is_ok_and(|v| v == "1") {
        let kernel = run
            .section("devices")
            .and_then(|s| {
                s.output
                    .lines()
                    .find_map(|l| l.strip_prefix("kernel ").map(str::to_string))
            })
            .unwrap_or_else(|| "unknown".into());
        live.comments = vec![
            "tgt's emulated DVD recorder (device type cd, blank medium = empty file = DVD+R)"
                .into(),
            "answering a fixed raw MMC sequence through a real Linux kernel.".into(),
            "Made by hw-tests/tests/lab.rs with HW_TESTS_BLESS=1: lab/guest/tgt-raw-sequence.sh"
                .into(),
            "sends each CDB with `sg_raw -v` to /dev/sgN in the mmc-lab guest (virtio-scsi,".into(),
            "QEMU scsi-generic passthrough, libiscsi, tgtd on 127.0.0.1).".into(),
            format!(
                "tgt {}, qemu-system-x86 {}, sg3-utils {}, guest kernel {kernel}",
                host_version("tgt"),
                host_version("qemu-system-x86"),
                host_version("sg3-utils")
            ),
            format!("date: {}", today()),
            "Format: hw-tests/src/transcript.rs. Data-out \"seq\" = `seq 1 10000 | head -c LEN`."
                .into(),
            "Data-in is what SG_IO delivered in the guest: the lab path reports no residual,"
                .into(),
            "so replies fill the allocation length with zeros after tgt's data (host-side".into(),
            "libiscsi shows tgt's own lengths, e.g. MODE SENSE 2Ah 72 bytes, READ TOC 18).".into(),
        ];
        std::fs::write(&path, live.to_string()).expect("write fixture");
        eprintln!("wrote {}", path.display());
        return;
    }

    let fixture_text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (create it with HW_TESTS_BLESS=1)", path.display()));
    let recorded = Transcript::parse(&fixture_text).expect("fixture does not parse");
    let names = |t: &Transcript| t.steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&live), names(&recorded), "step lists differ");
    let mut diffs = String::new();
    for (l, r) in live.steps.iter().zip(&recorded.steps) {
        if l != r {
            diffs.push_str(&format!("--- fixture:\n{r}+++ live tgt:\n{l}\n"));
        }
    }
    assert!(
        diffs.is_empty(),
        "tgt answers differently from {} (another tgt version? re-record with HW_TESTS_BLESS=1 \
         after checking the differences):\n{diffs}",
        path.display()
    );
}

fn osirrox_extract(image: &Path, iso_path: &str, dest: &Path) {
    let out = Command::new("xorriso")
        .args(["-osirrox", "on", "-indev"])
        .arg(format!("stdio:{}", image.display()))
        .args(["-extract", iso_path])
        .arg(dest)
        .output()
        .expect("xorriso on the host (the lab installs it)");
    assert!(
        out.status.success(),
        "xorriso -extract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// xorriso burns through `/dev/srN` in the guest; the host reads the
/// recorder's medium file independently and finds the same files.
#[test]
fn xorriso_burn_lands_on_the_recorder_medium() {
    let run = &suite().run;
    let out = run.expect_ok("xorriso-burn");
    assert!(out.contains("Media current: DVD+R"), "{out}");
    assert!(out.contains("Media status : is blank"), "{out}");
    let sums: Vec<(&str, &str)> = out
        .lines()
        .filter_map(|l| l.strip_prefix("payload-md5: "))
        .filter_map(|l| l.split_once("  "))
        .collect();
    assert_eq!(sums.len(), 2, "{out}");

    let image = run.recorder_image(2);
    let bytes = std::fs::read(&image).expect("recorder 2 medium");
    assert!(bytes.len() > 16 << 20, "medium only {} bytes", bytes.len());
    // ECMA-119 §8.4: the primary volume descriptor at LBA 16
    assert_eq!(bytes.get(32768..32774), Some(&b"\x01CD001"[..]));

    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("payload");
    osirrox_extract(&image, "/payload", &dest);
    for (md5, name) in sums {
        let data = std::fs::read(dest.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(md5_hex(&data), md5, "{name}");
    }
    // recorder 1 took the raw sequence: 16 blocks at LBA 0 and 16 at LBA 1000
    let r1 = std::fs::metadata(run.recorder_image(1)).unwrap().len();
    assert_eq!(r1, (1000 + 16) * 2048);
}

/// `lab-media eject`/`load` reach tgt, the kernel notices, and the burnt
/// medium comes back as a DVD-ROM that the kernel's iso9660 mounts.
#[test]
fn media_control_ejects_and_reloads() {
    let out = suite().run.expect_ok("media-control");
    assert!(out.contains("ejected: "), "{out}");
    assert!(out.contains("profile after load: 0010"), "{out}");
    assert!(
        out.contains("big.bin: OK") && out.contains("small.txt: OK"),
        "{out}"
    );
}

/// QEMU's read-only scsi-cd: CD-ROM profile, writes refused, files readable.
#[test]
fn read_only_iso_drive() {
    let out = suite().run.expect_ok("iso-drive");
    assert!(out.contains("profile: 0008"), "{out}");
    assert!(
        out.contains("Data Protect") && out.contains("Write protected"),
        "{out}"
    );
    assert!(out.contains("readme: mmc-lab read-only test disc"), "{out}");
    assert!(out.contains("numbers: 200000"), "{out}");
}

/// A binary of this workspace, built by the harness, runs in the guest
/// (its shared libraries were found and copied).
#[test]
fn workspace_binary_runs_in_the_guest() {
    let out = suite().run.expect_ok("workspace-binary");
    assert!(out.contains("burn --version exit "), "{out}");
}

// ------------------------------------------------------------------ helpers

/// The guest's device nodes, from the lab's devices line and the
/// `devices` check.
struct Nodes {
    iso: String,
    iso_sg: String,
    sr: Vec<String>,
    sg: Vec<String>,
}

impl Nodes {
    /// `/dev/srN` and `/dev/sgN` of recorder `n` (1-based).
    fn recorder(&self, n: usize) -> (&str, &str) {
        (&self.sr[n - 1], &self.sg[n - 1])
    }
}

fn nodes(run: &LabRun) -> Nodes {
    let line = run.devices_line().expect("no @@LAB-DEVICES@@ line");
    let field = |key: &str, end: Option<&str>| -> String {
        let rest = line.split_once(key).map_or("", |(_, r)| r);
        match end.and_then(|e| rest.split_once(e)) {
            Some((v, _)) => v.trim().to_string(),
            None => rest.trim().to_string(),
        }
    };
    let devices = run.expect_ok("devices");
    let iso_sg = devices
        .lines()
        .find_map(|l| l.split_once(" (").and_then(|(_, r)| r.split_once(')')))
        .map(|(sg, _)| sg.to_string())
        .unwrap_or_default();
    let n = Nodes {
        iso: field("iso=", Some(" recorders=")),
        iso_sg,
        sr: field("recorders=", Some(" sg="))
            .split_whitespace()
            .map(str::to_string)
            .collect(),
        sg: field(" sg=", None)
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    assert!(
        n.sr.len() == 6 && n.sg.len() == 6 && n.iso_sg.starts_with("/dev/sg"),
        "devices: {line}\n{devices}"
    );
    n
}

fn file_md5(path: &Path) -> String {
    md5_hex(&std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Asserts the commands of a check in order: each command line contains
/// the given text, exits with the given status, and its output (standard
/// output and error) contains the given text.
fn expect_runs(name: &str, runs: &[CmdRun], expected: &[(&str, i32, &str)]) {
    assert_eq!(
        runs.len(),
        expected.len(),
        "{name}: {} commands, expected {}:\n{}",
        runs.len(),
        expected.len(),
        runs.iter().map(ToString::to_string).collect::<String>()
    );
    for (r, (cmd, rc, text)) in runs.iter().zip(expected) {
        assert!(r.command.contains(cmd), "{name}: expected `{cmd}`:\n{r}");
        assert_eq!(r.rc, Some(*rc), "{name}:\n{r}");
        assert!(r.text().contains(text), "{name}: expected {text:?}:\n{r}");
    }
}

/// The `md5sum` lines of a command's output: name → md5.
fn md5sums(r: &CmdRun) -> Vec<(String, String)> {
    r.stdout
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(md5, name)| (name.trim().to_string(), md5.to_string()))
        .collect()
}

/// Asserts that a recorder's medium file holds exactly `blocks` blocks
/// written by an open-ended DVD+R write of `bytes` bytes with MD5 `md5`:
/// the data, then zero padding to the 16-block write unit.
fn assert_medium_holds(medium: &Path, bytes: u64, written_blocks: u64, md5: &str) {
    let data = std::fs::read(medium).unwrap_or_else(|e| panic!("{}: {e}", medium.display()));
    assert_eq!(
        data.len() as u64,
        written_blocks * 2048,
        "{} is not {written_blocks} blocks",
        medium.display()
    );
    let (head, pad) = data.split_at(bytes as usize);
    assert_eq!(
        md5_hex(head),
        md5,
        "{}: first {bytes} bytes",
        medium.display()
    );
    assert!(
        pad.iter().all(|&b| b == 0),
        "padding of {}",
        medium.display()
    );
}

/// Blocks an open-ended DVD+R write of `bytes` bytes writes: the image
/// rounded up to the 16-block ECC unit (tgt reports blocking factor 16).
fn padded_blocks(bytes: u64) -> u64 {
    bytes.div_ceil(2048).div_ceil(16) * 16
}

fn xorriso_matches(r: &CmdRun) {
    assert_eq!(r.rc, Some(0), "{r}");
    assert!(
        r.stdout
            .contains("File contents and their MD5 checksums match."),
        "{r}"
    );
}

// ------------------------------------------------- mmc through SG_IO

/// Issue "MMC command layer": mmc's drive handle, built into the
/// `inspect` example, runs INQUIRY, GET CONFIGURATION, READ DISC
/// INFORMATION, READ TRACK INFORMATION and READ TOC on tgt's blank DVD+R
/// through the guest's /dev/sgN and /dev/srN, and parses the replies.
#[test]
fn mmc_inspect_parses_the_blank_dvd_plus_r_through_sg_and_sr() {
    let run = &suite().run;
    let n = nodes(run);
    let (sr, sg) = n.recorder(3);
    for (check, node) in [("inspect-sg", sg), ("inspect-sr", sr)] {
        let out = run.expect_ok(check);
        show(check, &out);
        // the path: this node opened, every command an SG_IO with status 00
        assert!(
            out.contains(&format!("mmc::sgio: {node}: opened")),
            "{check}: {out}"
        );
        for (name, opcode) in [
            ("INQUIRY", "12"),
            ("GET CONFIGURATION", "46"),
            ("READ DISC INFORMATION", "51"),
            ("READ TRACK INFORMATION", "52"),
            ("READ TOC/PMA/ATIP", "43"),
        ] {
            assert!(
                out.contains(&format!("{name} CDB= {opcode} ")),
                "{check}: no {name} CDB in the trace:\n{out}"
            );
            assert!(
                out.contains(&format!("{name}: GOOD (00h)")),
                "{check}: {name} not GOOD:\n{out}"
            );
        }
        assert!(
            out.contains(&format!("SG_IO {node}: status 00 host 0x0 driver 0x0")),
            "{check}: {out}"
        );
        // what mmc parsed (peers-and-oracles.md §4.1: blank DVD+R 001Bh,
        // 230540h blocks, NWA 0, blocking factor 16)
        for line in [
            "drive: IET VIRTUAL-CDROM 0001 (peripheral type 0x05, MMC)",
            "readiness: Ready",
            "current profile: 001Bh DVD+R",
            "profiles: 0010h 001Bh(current)",
            "disc: status Blank, last session Empty, sessions 1, erasable false",
            "disc tracks: first 1, last session's 1..1; last possible lead-out 0x230540 (2295104)",
            "track 1: session 1, start 0, size 2295104, free 2295104, blank true, reserved false, \
             NWA 0, blocking factor 16",
            "toc: tracks 1..1: track 1 at 0 (control 4h)",
            "write speeds (GetPerformance): [3324] kB/s",
        ] {
            assert!(
                out.lines().any(|l| l.starts_with(line)),
                "{check}: no line {line:?}:\n{out}"
            );
        }
    }
}

/// The same replies decoded independently of mmc (`hw_tests::transcript`,
/// from the raw `sg_raw` capture of this boot) give the same values.
#[test]
fn mmc_inspect_agrees_with_the_independent_decoder() {
    let run = &suite().run;
    let text = run
        .share_file("tgt-transcript.txt")
        .expect("no live transcript in the share");
    let t = Transcript::parse(&text).expect("live transcript does not parse");
    let data = |name: &str| -> &[u8] {
        let s = t.step(name).unwrap_or_else(|| panic!("no step {name}"));
        assert!(s.is_good(), "{name}: {}", s.summary());
        s.full_data()
            .unwrap_or_else(|| panic!("{name}: data not complete"))
    };
    let cfg = data("get-configuration");
    let (len, current) = decode::configuration_header(cfg).unwrap();
    let mark = |current: bool, on: &'static str| if current { on } else { "" };
    let profiles: Vec<String> = decode::profiles(cfg)
        .into_iter()
        .map(|(p, c)| format!("{p:04X}h{}", mark(c, "(current)")))
        .collect();
    let features: Vec<String> = decode::features(cfg)
        .into_iter()
        .map(|(code, c, _)| format!("{code:04X}h{}", mark(c, "*")))
        .collect();
    let di = decode::disc_info(data("read-disc-information")).unwrap();
    let ti = decode::track_info(data("read-track-information-1")).unwrap();
    let inq = decode::inquiry(data("inquiry")).unwrap();
    let expected = [
        format!(
            "drive: {} {} {} (peripheral type {:#04x}",
            inq.vendor, inq.product, inq.revision, inq.device_type
        ),
        format!("current profile: {current:04X}h"),
        format!("profiles: {}", profiles.join(" ")),
        format!(
            "features ({} bytes; * = current): {}",
            len + 4,
            features.join(" ")
        ),
        format!(
            "disc tracks: first {}, last session's {}..{}; last possible lead-out {:#x} ({})",
            di.first_track,
            di.first_track_last_session,
            di.last_track_last_session,
            di.last_possible_lead_out,
            di.last_possible_lead_out
        ),
        format!(
            "track {}: session {}, start {}, size {}, free {}, blank {}, reserved false, NWA {}",
            ti.track,
            ti.session,
            ti.start,
            ti.size,
            ti.free_blocks,
            ti.blank,
            if ti.nwa_valid {
                ti.nwa.to_string()
            } else {
                "not valid".into()
            }
        ),
    ];
    for check in ["inspect-sg", "inspect-sr"] {
        let out = run.expect_ok(check);
        for line in &expected {
            assert!(
                out.lines().any(|l| l.starts_with(line.as_str())),
                "{check}: mmc parsed differently from the raw reply; expected a line starting \
                 {line:?}:\n{out}"
            );
        }
    }
}

/// mmc on QEMU's read-only CD-ROM (a refused READ TRACK INFORMATION is
/// decoded from the sense data SG_IO returns) and on the disc tgt closed.
#[test]
fn mmc_inspect_reads_the_iso_drive_and_the_closed_disc() {
    let s = suite();
    let run = &s.run;
    let iso_blocks = std::fs::metadata(run.dir.join("ro.iso"))
        .expect("the lab's ro.iso")
        .len()
        / 2048;
    let out = run.expect_ok("inspect-iso");
    show("inspect-iso", &out);
    for line in [
        "drive: QEMU QEMU CD-ROM".to_string(),
        "current profile: 0008h CD-ROM".into(),
        "disc: status Complete, last session Complete, sessions 1".into(),
        "track 1: READ TRACK INFORMATION failed: illegal request, invalid command operation code (5/20/00)".into(),
        format!("toc: tracks 1..1: track 1 at 0 (control 4h), lead-out at {iso_blocks} (control 6h)"),
        format!("capacity: last LBA {}, block 2048", iso_blocks - 1),
    ] {
        assert!(out.lines().any(|l| l.starts_with(&line)), "no line {line:?}:\n{out}");
    }

    let out = run.expect_ok("inspect-closed");
    show("inspect-closed", &out);
    for line in [
        "current profile: 0010h DVD-ROM".to_string(),
        "profiles: 0010h(current) 001Bh".into(),
        "disc: status Complete, last session Complete, sessions 1".into(),
        format!(
            "track 1: session 1, start 0, size {}, free 0, blank false, reserved false, NWA not valid",
            padded_blocks(s.image.len)
        ),
        // tgt cuts the lead-out descriptor short (peers-and-oracles.md §4.1)
        "toc: tracks 1..1: track 1 at 0 (control 4h), lead-out at 0".into(),
        format!(
            "capacity: last LBA {}, block 2048",
            padded_blocks(s.image.len) - 1
        ),
    ] {
        assert!(
            out.lines().any(|l| l.starts_with(&line)),
            "no line {line:?}:\n{out}"
        );
    }
}

// ------------------------------------------------- the burn CLI

/// `burn devices` finds the six recorders and the ISO drive with their
/// vendor and model, and their /dev/sgN.
#[test]
fn burn_devices_lists_the_recorders_and_the_iso_drive() {
    let run = &suite().run;
    let n = nodes(run);
    let sec = run.expect_section("burn-devices");
    show("burn-devices", &sec.output);
    let text = sec.run("burn devices");
    assert_eq!(text.rc, Some(0), "{text}");
    let doc = sec.run("devices --json").expect_json();
    assert_eq!(doc["type"], "devices");
    let list = doc["devices"].as_array().expect("devices array");
    assert_eq!(list.len(), 7, "{doc}");
    let find = |node: &str| -> &Value {
        list.iter()
            .find(|d| d["block_node"] == node)
            .unwrap_or_else(|| panic!("{node} not listed: {doc}"))
    };
    for i in 1..=6 {
        let (sr, sg) = n.recorder(i);
        let d = find(sr);
        assert_eq!(d["address"], sr, "{d}");
        assert_eq!(d["generic_node"], sg, "{d}");
        assert_eq!(d["vendor"], "IET", "{d}");
        assert_eq!(d["model"], "VIRTUAL-CDROM", "{d}");
        assert_eq!(d["access"], "rw", "{d}");
        assert!(
            text.stdout
                .lines()
                .any(|l| l.starts_with(sr) && l.contains("IET") && l.contains("VIRTUAL-CDROM")),
            "{text}"
        );
    }
    let iso = find(&n.iso);
    assert_eq!(iso["generic_node"], n.iso_sg.as_str(), "{iso}");
    assert_eq!(iso["vendor"], "QEMU", "{iso}");
    assert_eq!(iso["model"], "QEMU CD-ROM", "{iso}");
}

/// `burn info` on tgt's blank DVD+R through /dev/srN, /dev/sgN and
/// mmc:/dev/srN.
#[test]
fn burn_info_reports_the_blank_dvd_plus_r_through_every_node() {
    let run = &suite().run;
    let n = nodes(run);
    let (sr, sg) = n.recorder(3);
    let sec = run.expect_section("burn-info-blank");
    show("burn-info-blank", &sec.output);
    let runs = sec.runs();
    assert_eq!(runs.len(), 4, "{}", sec.output);
    let human = &runs[0];
    for line in [
        "Model:         IET VIRTUAL-CDROM 0001",
        "Medium:        DVD+R",
        "Status:        blank, sequential recording",
        "Next session:  LBA 0",
        "Free:          4.4 GiB (2295104 blocks)",
        "Sessions:      none",
    ] {
        assert!(human.stdout.contains(line), "{line:?}:\n{human}");
    }
    let mmc_sr = format!("mmc:{sr}");
    for (r, dev) in runs[1..].iter().zip([sr, sg, mmc_sr.as_str()]) {
        assert_eq!(r.rc, Some(0), "{r}");
        let i = r.expect_json();
        assert_eq!(i["type"], "info", "{i}");
        assert_eq!(i["device"], dev, "{i}");
        assert_eq!(i["profile_code"], 0x1B, "{i}");
        assert_eq!(i["profile"], "DVD+R", "{i}");
        assert_eq!(i["status"], "blank", "{i}");
        assert_eq!(i["layout"], "sequential", "{i}");
        assert_eq!(i["next_writable"], 0, "{i}");
        assert_eq!(i["free_blocks"], TGT_BLANK_BLOCKS, "{i}");
        assert_eq!(i["capacity_blocks"], TGT_BLANK_BLOCKS, "{i}");
        assert_eq!(i["sessions"], serde_json::json!([]), "{i}");
        assert_eq!(i["drive"]["vendor"], "IET", "{i}");
        assert_eq!(i["drive"]["product"], "VIRTUAL-CDROM", "{i}");
    }
}

/// `burn write IMG` through /dev/srN: tgt refuses RESERVE TRACK, so the
/// engine writes open-ended; closing the session turns tgt's disc into a
/// DVD-ROM, which the report says; the medium file is the image.
#[test]
fn burn_write_through_sr_lands_on_the_medium() {
    let s = suite();
    let run = &s.run;
    let sec = run.expect_section("burn-write-sr");
    show("burn-write-sr", &sec.output);
    let sums = md5sums(&sec.run("md5sum"));
    assert_eq!(
        sums.first().map(|(_, m)| m.as_str()),
        Some(s.image.md5.as_str())
    );

    let write = sec.run("write /lab/img50.iso");
    let w = write.expect_json();
    assert_eq!(w["type"], "write", "{w}");
    // the engine's log (-v) says why it writes open-ended: tgt rejects the
    // opcode
    assert!(
        write.stderr.contains("RESERVE TRACK refused") && write.stderr.contains("open-ended"),
        "{write}"
    );
    assert_eq!(
        w["method"], "open-ended",
        "RESERVE TRACK refused by tgt: {w}"
    );
    assert_eq!(w["start"], 0, "{w}");
    assert_eq!(w["bytes"], s.image.len, "{w}");
    assert_eq!(w["written_blocks"], padded_blocks(s.image.len), "{w}");
    assert_eq!(w["md5"], s.image.md5.as_str(), "{w}");
    assert_eq!(w["volume_id"], "LAB50", "{w}");
    assert_eq!(w["built_for"], 0, "{w}");
    // not asked to close, but tgt finalized the disc: said, not hidden
    assert_eq!(w["closed"], true, "{w}");
    let notes = w["notes"].to_string();
    assert!(
        notes.contains("the drive closed the disc") && notes.contains("DVD-ROM"),
        "{w}"
    );

    let i = sec.run("--json info").expect_json();
    assert_eq!(i["profile_code"], 0x10, "{i}");
    assert_eq!(i["status"], "closed", "{i}");
    assert_eq!(i["sessions"].as_array().map(Vec::len), Some(1), "{i}");
    assert_eq!(i["sessions"][0]["start"], 0, "{i}");
    assert_eq!(
        i["sessions"][0]["blocks"],
        padded_blocks(s.image.len),
        "{i}"
    );
    assert_eq!(i["sessions"][0]["volume_id"], "LAB50", "{i}");
    let after_load = sec.runs().last().cloned().expect("info after load");
    assert!(
        after_load.stdout.contains("Medium:        DVD-ROM"),
        "{after_load}"
    );
    assert!(
        after_load.stdout.contains("Status:        closed"),
        "{after_load}"
    );

    assert_medium_holds(
        &run.recorder_image(3),
        s.image.len,
        padded_blocks(s.image.len),
        &s.image.md5,
    );
}

/// `burn check` through mmc:/dev/srN and `burn verify` through /dev/sgN
/// on the disc just written: the same verdict as xorriso's
/// `-check_md5_r` there, and the kernel's iso9660 reads the same file.
#[test]
fn burn_check_and_verify_agree_with_xorriso_and_the_kernel() {
    let s = suite();
    let run = &s.run;
    let sec = run.expect_section("burn-check-sr");
    show("burn-check-sr", &sec.output);
    let c = sec.run("check");
    assert_eq!(c.rc, Some(0), "{c}");
    for line in [
        "session 1 at LBA 0, ",
        "tags:        superblock match, tree match, session match",
        "session MD5: match",
        "files:       1 of 1 match",
        "ok, every checksum matched",
    ] {
        assert!(c.stdout.contains(line), "{line:?}:\n{c}");
    }
    let v = sec.run("verify").expect_json();
    assert_eq!(v["identical"], true, "{v}");
    assert_eq!(v["compared_blocks"], s.image.len.div_ceil(2048), "{v}");
    assert_eq!(v["mismatches"], serde_json::json!([]), "{v}");
    assert_eq!(v["unreadable"], serde_json::json!([]), "{v}");
    xorriso_matches(&sec.run("xorriso"));
    let kernel = md5sums(&sec.run("md5sum /mnt/disc3"));
    assert_eq!(
        kernel.first().map(|(_, m)| m.as_str()),
        Some(s.image.data_md5.as_str()),
        "the kernel read another /data/random.bin"
    );
}

/// Commands tgt's recorder cannot serve, and an empty drive: clear
/// refusals with exit status 4, never a hang (each command runs under a
/// timeout in the guest).
#[test]
fn burn_refuses_clearly_what_the_recorder_cannot_do() {
    let run = &suite().run;
    let n = nodes(run);
    let (sr3, sg3) = n.recorder(3);
    let (sr5, sg5) = n.recorder(5);
    let sec = run.expect_section("burn-refusals");
    show("burn-refusals", &sec.output);
    let c = |dev: &str, rest: &str| format!("--dev {dev} {rest}");
    let read_only = "error: DVD-ROM is a read-only medium";
    let no_disc = "error: no disc in the drive";
    let expected: Vec<(String, i32, &str)> = vec![
        (c(sr3, "--progress never write"), 4, read_only),
        (c(sg3, "--progress never add"), 4, read_only),
        (c(sg3, "blank"), 4, read_only),
        (
            c(sg5, "blank"),
            4,
            "error: DVD+R cannot be blanked (only CD-RW and DVD-RW are erasable)",
        ),
        (
            c(&format!("mmc:{sr5}"), "format"),
            4,
            "error: DVD+R cannot be formatted",
        ),
        (c(sr5, "--json format"), 4, "\"exit_code\":4"),
        (c(sg5, "formats"), 0, "Formats: none"),
        (c(sg5, "info --diagnostic"), 0, "write_speeds_kbps: [3324]"),
        (
            "--dev mmc:/dev/null info".into(),
            4,
            "error: /dev/null is not a SCSI device (it does not answer SG_IO)",
        ),
        ("lab-media eject 3".into(), 0, ""),
        (
            c(sr3, "info"),
            0,
            "Medium:        none (no disc in the drive)",
        ),
        (c(sg3, "--json info"), 0, "\"status\":\"empty\""),
        (c(sr3, "check"), 4, no_disc),
        (c(sg3, "--progress never write"), 4, no_disc),
        (
            c(sg3, "--json --progress never verify"),
            4,
            "\"message\":\"no disc in the drive\"",
        ),
        ("lab-media load 3".into(), 0, ""),
        (c(sg3, "eject"), 0, "tray opened"),
        (c(sg3, "--json info"), 0, "\"profile\":\"no medium\""),
        (c(sg3, "eject --load"), 0, "DVD-ROM loaded"),
        ("lab-media load 3".into(), 0, ""),
        (c(sr3, "--json info"), 0, "\"profile\":\"DVD-ROM\""),
    ];
    let expected: Vec<(&str, i32, &str)> = expected
        .iter()
        .map(|(a, b, t)| (a.as_str(), *b, *t))
        .collect();
    let runs = sec.runs();
    expect_runs("burn-refusals", &runs, &expected);
    // the JSON errors carry the exit status and message
    let f = runs[5].expect_json();
    assert_eq!(f["type"], "error", "{f}");
    assert_eq!(f["error"]["message"], "DVD+R cannot be formatted", "{f}");
    let v = runs[14].expect_json();
    assert_eq!(v["error"]["exit_code"], 4, "{v}");
}

/// Issue "Burn engine": a 50 MB directory added as a stream (the ISO is
/// built while it is written) through /dev/sgN, check-read with MD5 by
/// burn through /dev/sgN — the verdict xorriso gets through /dev/srN; the
/// host finds the same files on the medium file.
#[test]
fn burn_add_streams_a_session_through_sg() {
    let run = &suite().run;
    let sec = run.expect_section("burn-add-sg");
    show("burn-add-sg", &sec.output);
    let sums = md5sums(&sec.run("md5sum"));
    assert_eq!(sums.len(), 2, "{}", sec.output);

    let a = sec.run("add --volid LAB_ADD").expect_json();
    assert_eq!(a["type"], "add", "{a}");
    assert_eq!(a["method"], "open-ended", "{a}");
    assert_eq!(a["session"], 1, "{a}");
    assert_eq!(a["start"], 0, "{a}");
    assert_eq!(a["files"], 2, "{a}");
    assert_eq!(a["volume_id"], "LAB_ADD", "{a}");
    assert_eq!(a["closed"], true, "{a}");
    assert!(
        a["notes"].to_string().contains("the drive closed the disc"),
        "{a}"
    );
    let blocks = a["blocks"].as_u64().expect("blocks");
    let bytes = a["bytes"].as_u64().expect("bytes");
    assert_eq!(bytes, blocks * 2048, "{a}");
    assert!(bytes > 50_000_000, "{a}");
    assert_eq!(a["written_blocks"], padded_blocks(bytes), "{a}");
    let md5 = a["md5"].as_str().expect("md5").to_string();

    let c = sec.run("check").expect_json();
    assert_eq!(c["verdict"], "ok", "{c}");
    let s1 = &c["sessions"][0];
    assert_eq!(s1["session_md5"], "match", "{c}");
    assert_eq!(s1["chain"]["state"], "complete", "{c}");
    assert_eq!(s1["files"]["matched"], 2, "{c}");
    assert_eq!(s1["files"]["total"], 2, "{c}");
    for tag in s1["tags"].as_array().expect("tags") {
        assert_eq!(tag["outcome"], "match", "{c}");
    }
    xorriso_matches(&sec.run("xorriso"));

    // the host's view of the medium: the bytes burn says it streamed, and
    // the files xorriso finds there
    let medium = run.recorder_image(4);
    assert_medium_holds(&medium, bytes, padded_blocks(bytes), &md5);
    let out = Command::new("xorriso")
        .args(["-md5", "on", "-indev"])
        .arg(format!("stdio:{}", medium.display()))
        .args(["-check_md5_r", "sorry", "/", "--"])
        .output()
        .expect("xorriso on the host");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("File contents and their MD5 checksums match."),
        "host xorriso: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("data");
    osirrox_extract(&medium, "/data", &dest);
    for (name, sum) in &sums {
        assert_eq!(&file_md5(&dest.join(name)), sum, "{name}");
    }
}

/// `burn write -` of the image from standard input (`--size`, `--close`)
/// through mmc:/dev/srN; verify through /dev/srN, xorriso's check through
/// /dev/sgN; the medium file is the image.
#[test]
fn burn_write_from_stdin_closes_the_disc() {
    let s = suite();
    let run = &s.run;
    let sec = run.expect_section("burn-write-stdin");
    show("burn-write-stdin", &sec.output);
    let w = sec.run("write - --size").expect_json();
    assert_eq!(w["type"], "write", "{w}");
    assert_eq!(w["image"], "-", "{w}");
    assert_eq!(w["method"], "open-ended", "{w}");
    assert_eq!(w["bytes"], s.image.len, "{w}");
    assert_eq!(w["md5"], s.image.md5.as_str(), "{w}");
    // closed because asked: no note about the drive
    assert_eq!(w["closed"], true, "{w}");
    assert_eq!(w["notes"], serde_json::json!([]), "{w}");
    let v = sec.run("verify");
    assert_eq!(v.rc, Some(0), "{v}");
    assert!(
        v.stdout.contains(&format!(
            "identical, {} blocks compared",
            s.image.len.div_ceil(2048)
        )),
        "{v}"
    );
    xorriso_matches(&sec.run("xorriso"));
    assert_medium_holds(
        &run.recorder_image(5),
        s.image.len,
        padded_blocks(s.image.len),
        &s.image.md5,
    );
}

/// burn on QEMU's read-only CD-ROM: info, ls, extract (compared with the
/// files the ISO was made of), write refused, eject.
#[test]
fn burn_reads_the_read_only_iso_drive() {
    let run = &suite().run;
    let n = nodes(run);
    let sec = run.expect_section("burn-iso-drive");
    show("burn-iso-drive", &sec.output);
    let src = run.dir.join("iso-src");
    let iso_blocks = std::fs::metadata(run.dir.join("ro.iso")).unwrap().len() / 2048;
    let runs = sec.runs();
    let expected: Vec<(String, i32, &str)> = vec![
        (
            format!("--dev {} --json info", n.iso),
            0,
            "\"profile\":\"CD-ROM\"",
        ),
        (format!("--dev {} ls -l /", n.iso), 0, "README.TXT"),
        (format!("--dev {} ls /sub", n.iso_sg), 0, "numbers.txt"),
        (format!("--dev {} extract /README.TXT", n.iso), 0, "1 file"),
        (
            format!("--dev {} extract /sub/numbers.txt", n.iso_sg),
            0,
            "1 file",
        ),
        (
            format!("--dev {} --progress never write", n.iso),
            4,
            "error: CD-ROM is a read-only medium",
        ),
        (
            format!("--dev {} --json --progress never write", n.iso_sg),
            4,
            "\"exit_code\":4",
        ),
        (format!("--dev {} eject", n.iso), 0, "tray opened"),
        (
            format!("--dev {} --json info", n.iso),
            0,
            "\"status\":\"empty\"",
        ),
    ];
    let expected: Vec<(&str, i32, &str)> = expected
        .iter()
        .map(|(a, b, t)| (a.as_str(), *b, *t))
        .collect();
    expect_runs("burn-iso-drive", &runs, &expected);

    let i = runs[0].expect_json();
    assert_eq!(i["profile_code"], 8, "{i}");
    assert_eq!(i["status"], "closed", "{i}");
    assert_eq!(i["layout"], "read-only", "{i}");
    assert_eq!(i["capacity_blocks"], iso_blocks, "{i}");
    assert_eq!(i["sessions"][0]["start"], 0, "{i}");
    assert_eq!(i["sessions"][0]["blocks"], iso_blocks, "{i}");
    assert_eq!(i["sessions"][0]["volume_id"], "MMCLAB_RO", "{i}");
    assert!(runs[1].stdout.contains(" sub"), "{}", runs[1]);
    let readme_len = std::fs::metadata(src.join("README.TXT")).unwrap().len();
    assert!(
        runs[1]
            .stdout
            .lines()
            .any(|l| l.ends_with("README.TXT") && l.contains(&format!(" {readme_len} "))),
        "{}",
        runs[1]
    );
    let w = runs[6].expect_json();
    assert_eq!(w["error"]["message"], "CD-ROM is a read-only medium", "{w}");

    let got = run.share_dir().join("extract");
    for (ours, theirs) in [
        ("README.TXT", src.join("README.TXT")),
        ("numbers.txt", src.join("sub/numbers.txt")),
    ] {
        let a = std::fs::read(got.join(ours)).unwrap_or_else(|e| panic!("{ours}: {e}"));
        let b = std::fs::read(&theirs).unwrap();
        assert!(a == b, "extracted {ours} differs from {}", theirs.display());
    }
    let numbers = std::fs::read_to_string(got.join("numbers.txt")).unwrap();
    assert_eq!(numbers.lines().count(), 200_000);
    assert_eq!(
        file_md5(&got.join("numbers.txt")),
        file_md5(&src.join("sub/numbers.txt"))
    );
}

/// Exclusive access covers both nodes of a drive (`mmc::sgio`): while
/// another program has `/dev/srN` to itself, `burn` reads through
/// `/dev/sgN` but refuses to burn through it, naming both nodes, and burns
/// once the other program is done; the same the other way round; a burn in
/// progress holds both nodes, so a second burn is refused through either;
/// a mounted disc is refused through `/dev/sgN` too. The last burn (from a
/// FIFO that held it in the middle of the write) is on the medium file.
#[test]
fn burn_exclusive_access_covers_both_nodes_of_the_drive() {
    let run = &suite().run;
    let n = nodes(run);
    let (sr, sg) = n.recorder(6);
    let sec = run.expect_section("burn-exclusive");
    show("burn-exclusive", &sec.output);
    let c = |dev: &str, rest: &str| format!("--dev {dev} {rest}");
    let sr_busy = format!("{sr} (the same drive as {sg}) is in use by another program");
    let sg_busy = format!("{sg} (the same drive as {sr}) is in use by another program");
    let busy = |dev: &str| format!("the drive {dev} is busy");
    let mounted = "is mounted at /mnt/disc6";
    let expected: Vec<(String, i32, String)> = vec![
        ("mkiso --volid EXCL".into(), 0, String::new()),
        ("md5sum /tmp/small.iso".into(), 0, String::new()),
        // /dev/srN held by another program
        (c(sg, "--json info"), 0, "\"status\":\"blank\"".into()),
        (
            c(sg, "--json --progress never add /lab/checks.sh"),
            4,
            sr_busy.clone(),
        ),
        (
            c(sg, "--json --progress never add --volid EXCL_ADD"),
            0,
            "\"type\":\"add\"".into(),
        ),
        // /dev/sgN held by another program
        ("lab-media blank 6".into(), 0, String::new()),
        (c(sr, "--json info"), 0, "\"status\":\"blank\"".into()),
        (
            c(sr, "--progress never write /tmp/small.iso"),
            4,
            format!("error: cannot open {sr}: {sg_busy}"),
        ),
        (c(sr, "blank"), 4, sg_busy.clone()),
        (
            c(sr, "--json --progress never write /tmp/small.iso"),
            0,
            "\"type\":\"write\"".into(),
        ),
        // both held by a burn in progress
        ("lab-media blank 6".into(), 0, String::new()),
        (
            c(sg, "--json --progress never add /lab/checks.sh"),
            4,
            busy(sg),
        ),
        (c(sr, "blank"), 4, busy(sr)),
        (
            c(sr, "--json --progress never write - --size"),
            0,
            "\"type\":\"write\"".into(),
        ),
        // mounted
        ("lab-media load 6".into(), 0, String::new()),
        (
            format!("mount -t iso9660 -o ro {sr} /mnt/disc6"),
            0,
            String::new(),
        ),
        (c(sg, "blank"), 4, format!("the disc in {sg} {mounted}")),
        (
            c(sr, "--json --progress never write /tmp/small.iso"),
            4,
            mounted.into(),
        ),
    ];
    let expected: Vec<(&str, i32, &str)> = expected
        .iter()
        .map(|(a, b, t)| (a.as_str(), *b, t.as_str()))
        .collect();
    let runs = sec.runs();
    expect_runs("burn-exclusive", &runs, &expected);
    assert_eq!(sec.rc, Some(0), "{}", sec.output);

    // the other program held what it was asked to, and let go
    for line in [
        format!("hold-node: holding {sr}"),
        format!("hold-node: holding {sg}"),
    ] {
        assert!(sec.output.contains(&line), "{line:?}:\n{}", sec.output);
    }
    assert_eq!(
        sec.output.matches("hold-node: exit 0").count(),
        2,
        "{}",
        sec.output
    );
    // burn, given /dev/srN, had both nodes open during its write
    let holds: Vec<&str> = sec
        .output
        .lines()
        .filter_map(|l| l.strip_prefix("burn holds: "))
        .collect();
    assert_eq!(holds, vec![sg, sr], "{}", sec.output);

    // the refusals came before anything was sent: no JSON result, an error
    let refused = runs[3].expect_json();
    assert_eq!(refused["type"], "error", "{refused}");
    assert_eq!(refused["error"]["exit_code"], 4, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.ends_with(&sr_busy)),
        "{refused}"
    );
    let a = runs[4].expect_json();
    assert_eq!(a["device"], sg, "{a}");
    assert_eq!(a["volume_id"], "EXCL_ADD", "{a}");

    // the image, the writes after the releases and the held write
    let small = std::fs::read(run.share_dir().join("small.iso")).expect("small.iso in the share");
    let small_md5 = md5_hex(&small);
    assert_eq!(md5sums(&runs[1])[0].1, small_md5, "{}", runs[1]);
    for i in [9, 13] {
        let w = runs[i].expect_json();
        assert_eq!(w["device"], sr, "{w}");
        assert_eq!(w["bytes"], small.len() as u64, "{w}");
        assert_eq!(w["md5"], small_md5.as_str(), "{w}");
    }
    let len = small.len() as u64;
    assert_medium_holds(&run.recorder_image(6), len, padded_blocks(len), &small_md5);
}

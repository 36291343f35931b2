//! Tests through a real Linux kernel: the VM lab (`lab/mmc-lab.sh`).
//!
//! One guest boot (`lab/guest/lab-suite.sh`, two tgt recorders and QEMU's
//! read-only CD-ROM) serves every test here: the first test to need it
//! boots the lab, the others wait for the same run and assert on their own
//! check. When the lab cannot run (not root, no apt, no QEMU …) every test
//! fails with the reason — these tests never pass by skipping.
//!
//! `HW_TESTS_BLESS=1` rewrites `fixtures/tgt-dvd+r-transcript.txt` from the
//! live capture instead of comparing against it.

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use hw_tests::transcript::{Transcript, md5_hex};
use hw_tests::{Lab, LabRun, TGT_TRANSCRIPT, cargo, fixture, lab};

fn suite() -> &'static LabRun {
    static RUN: OnceLock<Result<LabRun, String>> = OnceLock::new();
    let run = RUN.get_or_init(|| {
        lab::prerequisites().map_err(|e| e.to_string())?;
        let burn = cargo::build_bin("burn-cli", "burn").map_err(|e| e.to_string())?;
        let run = Lab::new("suite", lab::guest_script("lab-suite.sh"))
            .recorders(2)
            .extra(burn)
            .run()
            .map_err(|e| e.to_string())?;
        eprintln!(
            "lab suite: exit {} after {:.1} s wall ({})",
            run.exit_code,
            run.wall.as_secs_f64(),
            run.dir.display()
        );
        Ok(run)
    });
    match run {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

#[test]
fn guest_suite_passes() {
    let run = suite();
    assert_eq!(run.exit_code, 0, "{}", run.report());
    assert!(
        run.run_output().contains("all checks passed"),
        "{}",
        run.report()
    );
}

#[test]
fn guest_sees_two_recorders_and_the_iso_drive() {
    let run = suite();
    let out = run.expect_ok("devices");
    assert!(out.contains("kernel "), "{out}");
    let line = run.devices_line().expect("no @@LAB-DEVICES@@ line");
    let recorders = line
        .split_once("recorders=")
        .and_then(|(_, r)| r.split_once(" sg=").map(|(r, _)| r))
        .unwrap_or_default();
    assert_eq!(recorders.split_whitespace().count(), 2, "{line}");
    assert!(line.contains("iso=/dev/sr"), "{line}");
}

#[test]
fn recorder_is_tgts_dvd_recorder() {
    let out = suite().expect_ok("recorder-inquiry");
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
    let run = suite();
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
    let run = suite();
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
    let out = suite().expect_ok("media-control");
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
    let out = suite().expect_ok("iso-drive");
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
    let out = suite().expect_ok("workspace-binary");
    assert!(out.contains("burn --version exit "), "{out}");
}

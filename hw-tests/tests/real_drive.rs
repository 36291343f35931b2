//! Tests against a real recorder through the `burn` CLI.
//!
//! They run only when `BURN_TEST_DEVICE` names a drive (`/dev/srN`,
//! `/dev/sgN`, `mmc:PATH`, or `emul:MEDIA:FILE` for a dry run); media are
//! blanked, formatted or written only when their kind is listed in
//! `BURN_TEST_MEDIA` (see `hw-tests/README.md` and `hw_tests::real`).
//! Without a device each test prints "skipped: no device (set
//! BURN_TEST_DEVICE=/dev/srN)" and returns.
//!
//! `emulated_recorders_pass_the_real_drive_tests` runs the same two tests
//! against burn's emulated recorder holding each medium it emulates, so
//! that the test code itself is exercised where no drive is.
//!
//! Where xorriso is installed it serves as the independent judge: it must
//! see the same medium as `burn info`, and the files `burn add` wrote must
//! come back byte for byte through `xorriso -osirrox -extract`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use hw_tests::lab::find_program;
use hw_tests::real::{
    Burn, MediaKind, MediumInfo, RealDrive, SKIP_NO_DEVICE, XorrisoView, xorriso_profile,
    xorriso_view,
};

/// One drive: the tests take turns.
static DRIVE: Mutex<()> = Mutex::new(());

/// The configured drive and `burn`, or `None` (after printing why) when no
/// drive is named. A wrong configuration fails the test.
fn setup() -> Option<(RealDrive, Burn)> {
    let drive = match RealDrive::from_env() {
        Ok(Some(d)) => d,
        Ok(None) => {
            println!("{SKIP_NO_DEVICE}");
            return None;
        }
        Err(e) => panic!("{e}"),
    };
    let burn = Burn::locate(&drive.device).unwrap_or_else(|e| panic!("{e}"));
    Some((drive, burn))
}

fn info(burn: &Burn) -> MediumInfo {
    let i = burn.info().unwrap_or_else(|e| panic!("{e}"));
    println!(
        "medium: profile {:?} ({}) kind {:?} status {:?} sessions {} free {:?} format {:?}",
        i.profile.map(|p| format!("{p:04X}h")),
        i.profile_name.as_deref().unwrap_or("?"),
        i.kind().map(|k| k.token()),
        i.status,
        i.session_count(),
        i.free_blocks,
        i.format_state
    );
    i
}

/// The medium kind an `emul:MEDIA:FILE` address names.
fn emulated_kind(device: &str) -> Option<MediaKind> {
    let (media, _) = device.strip_prefix("emul:")?.split_once(':')?;
    media.parse().ok()
}

/// What xorriso says about the medium in a drive: (profile, status line).
fn xorriso_toc(device: &str) -> Option<(Option<u16>, String)> {
    find_program("xorriso")?;
    let out = Command::new("xorriso")
        .args(["-outdev", device, "-toc"])
        .output()
        .ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key).map(|v| v.trim().to_string()))
    };
    let current = field("Media current:")?;
    Some((
        xorriso_profile(&current),
        field("Media status :").unwrap_or_default(),
    ))
}

/// `burn info` reports a medium; on a drive xorriso opens too, the same
/// profile and status; on the emulated recorder, the medium it was given.
fn info_matches_xorriso(drive: &RealDrive, burn: &Burn) {
    let i = info(burn);
    assert!(
        i.profile.is_some(),
        "no profile in `burn info --json`: {}",
        i.raw
    );
    assert!(
        i.status.is_some(),
        "no status in `burn info --json`: {}",
        i.raw
    );
    if let Some(kind) = emulated_kind(&drive.device) {
        assert_eq!(i.kind(), Some(kind), "{}", i.raw);
    }
    let Some(XorrisoView::Drive(dev)) = xorriso_view(&drive.device) else {
        println!(
            "{}: xorriso sees no drive there: profile and status not cross-checked",
            drive.device
        );
        return;
    };
    match xorriso_toc(&dev) {
        Some((profile, status)) => {
            assert_eq!(
                i.profile, profile,
                "xorriso sees another medium (status {status:?})"
            );
            let s = i.status.as_deref().unwrap_or_default();
            let expect = if status.contains("is blank") {
                "blank"
            } else if status.contains("is appendable") {
                "appendable"
            } else if status.contains("is closed") {
                "closed"
            } else {
                s
            };
            assert_eq!(s, expect, "xorriso: {status:?}");
        }
        None => println!("xorriso not installed: no cross-check"),
    }
}

/// `burn info` reports the loaded medium as xorriso sees it. Read-only.
#[test]
fn info_reports_the_loaded_medium() {
    let Some((drive, burn)) = setup() else { return };
    let _turn = DRIVE.lock().unwrap_or_else(|p| p.into_inner());
    info_matches_xorriso(&drive, &burn);
}

/// Files of one session: unique names, contents that differ per file.
fn make_tree(root: &Path, session: u32) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let dir = root.join(format!("session{session}"));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    for (i, size) in [(1u32, 300_000usize), (2, 2048), (3, 1)].into_iter() {
        let name = format!("s{session}-file{i}.bin");
        let data: Vec<u8> = (0..size)
            .map(|n| {
                (n as u32)
                    .wrapping_mul(2654435761)
                    .wrapping_add(session * 7 + i) as u8
            })
            .collect();
        let rel = if i == 3 {
            format!("sub/{name}")
        } else {
            name.clone()
        };
        std::fs::write(dir.join(rel), &data).unwrap();
        files.insert(name, data);
    }
    files
}

fn find_file(root: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(root).ok()?.flatten() {
        let p = entry.path();
        if p.is_dir() {
            if let Some(f) = find_file(&p, name) {
                return Some(f);
            }
        } else if p.file_name().is_some_and(|n| n == name) {
            return Some(p);
        }
    }
    None
}

/// Extracts the newest session with xorriso and compares every file: from
/// the drive, or from the disc's file at the newest session's start.
fn xorriso_compare(device: &str, newest_start: Option<u64>, expected: &BTreeMap<String, Vec<u8>>) {
    if find_program("xorriso").is_none() {
        println!("xorriso not installed: files not cross-checked");
        return;
    }
    let mut cmd = Command::new("xorriso");
    cmd.args(["-osirrox", "on"]);
    match xorriso_view(device) {
        Some(XorrisoView::Drive(dev)) => {
            cmd.args(["-indev", &dev]);
        }
        Some(XorrisoView::File(file)) => {
            let start = newest_start.expect("no session listed by burn info");
            cmd.args(["-load", "sbsector", &start.to_string(), "-indev"])
                .arg(format!("stdio:{}", file.display()));
        }
        None => {
            println!("{device}: xorriso cannot open it: files not cross-checked");
            return;
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x");
    let out = cmd
        .args(["-extract", "/"])
        .arg(&dest)
        .output()
        .expect("xorriso");
    assert!(
        out.status.success(),
        "xorriso -extract failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (name, data) in expected {
        let f = find_file(&dest, name).unwrap_or_else(|| panic!("{name} not on the medium"));
        assert!(
            std::fs::read(&f).unwrap() == *data,
            "{name} differs on the medium"
        );
    }
    println!("xorriso found all {} files", expected.len());
}

/// Blank or format where the medium allows, write two sessions, check-read
/// them, compare with xorriso, eject if asked. Consumes the medium: runs
/// only when its kind is listed in `BURN_TEST_MEDIA`.
fn blank_write_two_sessions(drive: &RealDrive, burn: &Burn) {
    let before = info(burn);
    let Some(kind) = before.kind() else {
        panic!(
            "the medium in {} is not recordable (profile {:?}); insert one of BURN_TEST_MEDIA={}",
            drive.device,
            before.profile,
            drive.media_list()
        );
    };
    if !drive.may_consume(kind) {
        println!(
            "skipped: medium {kind} in {} is not listed in BURN_TEST_MEDIA={} (list it to allow writing)",
            drive.device,
            drive.media_list()
        );
        return;
    }

    let mut state = before;
    if kind.is_rewritable() {
        // A sequential DVD-RW stays sequential (blanking suffices); media
        // that are only written formatted get formatted first.
        if kind.is_formattable() && kind != MediaKind::DvdRw && state.formatted() == Some(false) {
            println!("{}", burn.format().unwrap_or_else(|e| panic!("{e}")));
            state = info(burn);
            assert_eq!(state.formatted(), Some(true), "after format: {}", state.raw);
        }
        println!(
            "{}",
            burn.blank_as_needed().unwrap_or_else(|e| panic!("{e}"))
        );
        state = info(burn);
        assert_eq!(
            state.status.as_deref(),
            Some("blank"),
            "after blank: {}",
            state.raw
        );
    } else {
        let s = state.status.as_deref().unwrap_or_default();
        assert!(
            s == "blank" || s == "appendable",
            "write-once {kind} in {} is {s}: insert a blank or appendable one",
            drive.device
        );
    }
    let sessions0 = state.session_count();

    let src = tempfile::tempdir().unwrap();
    let mut expected = make_tree(src.path(), 1);
    let add1 = burn
        .add(&[&src.path().join("session1")])
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{add1}");
    let mut after = info(burn);
    assert_eq!(after.session_count(), sessions0 + 1, "{}", after.raw);
    assert_eq!(
        after.status.as_deref(),
        Some("appendable"),
        "after one session: {}",
        after.raw
    );

    if kind.is_multisession() {
        expected.extend(make_tree(src.path(), 2));
        let add2 = burn
            .add(&[&src.path().join("session2")])
            .unwrap_or_else(|e| panic!("{e}"));
        println!("{add2}");
        after = info(burn);
        assert_eq!(after.session_count(), sessions0 + 2, "{}", after.raw);
    }
    let volumes: BTreeSet<_> = after.sessions.iter().map(|s| s.start).collect();
    assert_eq!(volumes.len(), after.sessions.len(), "{}", after.raw);

    println!("{}", burn.check_all().unwrap_or_else(|e| panic!("{e}")));
    xorriso_compare(
        &drive.device,
        after.newest_session().map(|s| s.start),
        &expected,
    );

    if drive.eject {
        println!("{}", burn.eject().unwrap_or_else(|e| panic!("{e}")));
        if emulated_kind(&drive.device).is_some() {
            // the emulated tray: empty until loaded again
            let out = info(burn);
            assert_eq!(out.status.as_deref(), Some("empty"), "{}", out.raw);
            burn.run_ok(&["eject", "--load"])
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(info(burn).session_count(), after.session_count());
        }
    }
}

/// Blank or format, write two sessions, check-read them, compare with
/// xorriso.
#[test]
fn blank_write_two_sessions_and_check() {
    let Some((drive, burn)) = setup() else { return };
    let _turn = DRIVE.lock().unwrap_or_else(|p| p.into_inner());
    blank_write_two_sessions(&drive, &burn);
}

/// The real-drive tests against burn's emulated recorder holding each
/// recordable medium it emulates (`emul:MEDIA:FILE`), with blanking,
/// formatting and closing made instant: the test code, the command lines
/// of `hw_tests::real::cli` and the reading of `burn info --json` meet the
/// real CLI here, where no drive is. xorriso reads the newest session from
/// the emulated disc's file.
#[test]
fn emulated_recorders_pass_the_real_drive_tests() {
    let burn = Burn::locate("").unwrap_or_else(|e| panic!("{e}"));
    let burn = Burn {
        env: vec![("BURN_EMUL_TIME_SCALE".into(), "0".into())],
        ..burn
    };
    let dir = tempfile::tempdir().unwrap();
    for kind in MediaKind::ALL {
        // DVD-R DL has no emulation
        if kind == MediaKind::DvdRDl {
            continue;
        }
        let disc = dir.path().join(format!("{}.img", kind.token()));
        let drive = RealDrive {
            device: format!("emul:{}:{}", kind.token(), disc.display()),
            media: BTreeSet::from([kind]),
            eject: true,
        };
        println!("===== {}", drive.device);
        let burn = burn.with_device(&drive.device);
        info_matches_xorriso(&drive, &burn);
        blank_write_two_sessions(&drive, &burn);
    }
}

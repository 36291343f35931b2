//! Tests against a real recorder through the `burn` CLI.
//!
//! They run only when `BURN_TEST_DEVICE=/dev/srN` names a drive; media are
//! blanked, formatted or written only when their kind is listed in
//! `BURN_TEST_MEDIA` (see `hw-tests/README.md` and `hw_tests::real`).
//! Without a device each test prints "skipped: no device (set
//! BURN_TEST_DEVICE=/dev/srN)" and returns.
//!
//! Where xorriso is installed it serves as the independent judge: it must
//! see the same medium as `burn info`, and the files `burn add` wrote must
//! come back byte for byte through `xorriso -osirrox -extract`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use hw_tests::lab::find_program;
use hw_tests::real::{Burn, MediumInfo, RealDrive, SKIP_NO_DEVICE, xorriso_profile};

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
        "medium: profile {:?} kind {:?} status {:?} sessions {:?} free {:?} formatted {:?}",
        i.profile.map(|p| format!("{p:04X}h")),
        i.kind().map(|k| k.token()),
        i.status,
        i.sessions,
        i.free_blocks,
        i.formatted
    );
    i
}

/// What xorriso says about the medium: (profile, status line).
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

/// `burn info` reports the loaded medium as xorriso sees it. Read-only.
#[test]
fn info_reports_the_loaded_medium() {
    let Some((drive, burn)) = setup() else { return };
    let _turn = DRIVE.lock().unwrap_or_else(|p| p.into_inner());
    let i = info(&burn);
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
    match xorriso_toc(&drive.device) {
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

/// Extracts the newest session with xorriso and compares every file.
fn xorriso_compare(device: &str, expected: &BTreeMap<String, Vec<u8>>) {
    if find_program("xorriso").is_none() {
        println!("xorriso not installed: files not cross-checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x");
    let out = Command::new("xorriso")
        .args(["-osirrox", "on", "-indev", device, "-extract", "/"])
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
}

/// Blank or format where the medium allows, write two sessions, check-read
/// them, compare with xorriso, eject if asked. Consumes the medium: runs
/// only when its kind is listed in `BURN_TEST_MEDIA`.
#[test]
fn blank_write_two_sessions_and_check() {
    let Some((drive, burn)) = setup() else { return };
    let _turn = DRIVE.lock().unwrap_or_else(|p| p.into_inner());
    let before = info(&burn);
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
        if kind.is_formattable() && state.formatted == Some(false) {
            println!("{}", burn.format().unwrap_or_else(|e| panic!("{e}")));
        }
        println!(
            "{}",
            burn.blank_as_needed().unwrap_or_else(|e| panic!("{e}"))
        );
        state = info(&burn);
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
    let sessions0 = state.sessions.unwrap_or(0);

    let src = tempfile::tempdir().unwrap();
    let mut expected = make_tree(src.path(), 1);
    let add1 = burn
        .add(&[&src.path().join("session1")])
        .unwrap_or_else(|e| panic!("{e}"));
    println!("{add1}");
    let after1 = info(&burn);
    assert_eq!(after1.sessions, Some(sessions0 + 1), "{}", after1.raw);

    if kind.is_multisession() {
        expected.extend(make_tree(src.path(), 2));
        let add2 = burn
            .add(&[&src.path().join("session2")])
            .unwrap_or_else(|e| panic!("{e}"));
        println!("{add2}");
        let after2 = info(&burn);
        assert_eq!(after2.sessions, Some(sessions0 + 2), "{}", after2.raw);
    }

    println!("{}", burn.check_all().unwrap_or_else(|e| panic!("{e}")));
    xorriso_compare(&drive.device, &expected);

    if drive.eject {
        println!("{}", burn.eject().unwrap_or_else(|e| panic!("{e}")));
    }
}

//! Persistence: the image + state file behave like a disc left in a drive,
//! across emulator instances and processes; the image is locked while open.

use std::path::Path;
use std::process::Command;

use mmc::emul::{Emulator, Media};
use mmc::error::{Error, OpenErrorKind};

use crate::util::*;

const CHILD_ROLE: &str = "BURN_EMUL_TEST_ROLE";
const CHILD_IMAGE: &str = "BURN_EMUL_TEST_IMAGE";

/// Runs this test binary again as a child with a role (see
/// [`child_process_entry`]) and returns its exit code.
fn child(role: &str, image: &Path) -> i32 {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "--exact",
            "persist::child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ROLE, role)
        .env(CHILD_IMAGE, image)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stdout));
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    }
    out.status.code().unwrap_or(-1)
}

/// Not a test of its own: the body of the child processes. Without the
/// environment variables it does nothing.
#[test]
fn child_process_entry() {
    let (Ok(role), Ok(image)) = (std::env::var(CHILD_ROLE), std::env::var(CHILD_IMAGE)) else {
        return;
    };
    let image = Path::new(&image);
    let code = match role.as_str() {
        // Write one closed session of 64 blocks to a DVD+R.
        "write-session" => {
            let mut emu = Emulator::open_with(Media::DvdPlusR, image, instant()).unwrap();
            let nwa = track_info(&mut emu, 0xFF).nwa;
            write_run(&mut emu, nwa as i64, 64, 32);
            sync(&mut emu, false).ok();
            let n = disc_info(&mut emu).last_track_last_session as u16;
            close(&mut emu, false, 1, n).ok();
            close(&mut emu, false, 2, 0).ok();
            0
        }
        // Write without syncing and exit without dropping the emulator:
        // like a process killed mid-write.
        "write-and-die" => {
            let mut emu = Emulator::open_with(Media::DvdPlusR, image, instant()).unwrap();
            let nwa = track_info(&mut emu, 0xFF).nwa;
            write_run(&mut emu, nwa as i64, 64, 32);
            std::process::exit(0);
        }
        "try-open" => match Emulator::open(Media::DvdPlusR, image) {
            Err(Error::Open {
                kind: OpenErrorKind::Busy,
                ..
            }) => 3,
            Ok(_) => 0,
            Err(_) => 1,
        },
        _ => 2,
    };
    std::process::exit(code);
}

#[test]
fn another_process_sees_the_disc() {
    let dir = tempfile::tempdir().unwrap();
    let image = image_in(dir.path());
    assert_eq!(child("write-session", &image), 0);
    assert_eq!(child("write-session", &image), 0);
    let mut emu = Emulator::open_with(Media::DvdPlusR, &image, instant()).unwrap();
    let di = disc_info(&mut emu);
    assert_eq!((di.status, di.sessions), (1, 3));
    let t2 = track_info(&mut emu, 2);
    assert_eq!((t2.session, t2.size), (2, 64));
    assert_eq!(
        read10(&mut emu, t2.start as i64 + 5, 1).ok().data,
        pattern(t2.start as i64 + 5, 1)
    );
    // While this process holds the medium, another one is told "busy".
    assert_eq!(child("try-open", &image), 3);
    drop(emu);
    assert_eq!(child("try-open", &image), 0);
}

#[test]
fn killed_writer_leaves_the_last_synced_state() {
    let dir = tempfile::tempdir().unwrap();
    let image = image_in(dir.path());
    assert_eq!(child("write-session", &image), 0);
    let before = std::fs::read_to_string(dir.path().join("disc.img.emul")).unwrap();
    assert_eq!(child("write-and-die", &image), 0);
    let after = std::fs::read_to_string(dir.path().join("disc.img.emul")).unwrap();
    assert_eq!(before, after);
    let mut emu = Emulator::open_with(Media::DvdPlusR, &image, instant()).unwrap();
    // the unsynced track never happened: NWA of session 2 is still free
    let ti = track_info(&mut emu, 0xFF);
    assert_eq!((ti.number, ti.blank), (2, true));
}

#[test]
fn state_survives_reopen_in_process() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    select05(t, &DVD_INC).ok();
    write_run(t, 0, 32, 16);
    close(t, false, 1, 1).ok();
    close(t, false, 2, 0).ok();
    let before = d.emu.summary();
    let text = d.emu.state_text();
    let mut d = d.reopen(instant());
    assert_eq!(d.emu.summary(), before);
    assert_eq!(d.emu.state_text(), text);
    // page 05h is not durable: a new drive instance needs it again
    write10(
        &mut d.emu,
        before.next_writable.unwrap() as i64,
        &pattern(0, 16),
    )
    .check(5, 0x2C, 0);
    assert_eq!(read10(&mut d.emu, 0, 1).ok().data, pattern(0, 1));
}

#[test]
fn second_open_is_busy_and_kinds_must_match() {
    let d = fresh(Media::BdRe);
    match Emulator::open(Media::BdRe, &d.path) {
        Err(Error::Open {
            kind: OpenErrorKind::Busy,
            ..
        }) => {}
        other => panic!("expected busy, got {other:?}"),
    }
    let path = d.path.clone();
    let dir = d.dir;
    drop(d.emu);
    let e = Emulator::open(Media::BdR, &path).unwrap_err();
    assert!(e.to_string().contains("bd-re"), "{e}");
    Emulator::open(Media::BdRe, &path).unwrap();
    // an existing image without state is not silently overwritten
    let iso = dir.path().join("data.iso");
    std::fs::write(&iso, vec![1u8; 4096]).unwrap();
    assert!(matches!(
        Emulator::open(Media::DvdPlusRw, &iso),
        Err(Error::Invalid(_))
    ));
    assert_eq!(std::fs::read(&iso).unwrap(), vec![1u8; 4096]);
}

#[test]
fn state_file_is_line_based_text() {
    let d = fresh(Media::CdRw);
    let text = std::fs::read_to_string(d.dir.path().join("disc.img.emul")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("burn-emul-state 1"));
    assert!(text.lines().any(|l| l == "media cd-rw"));
    assert!(text.lines().any(|l| l == "loaded yes"));
}

//! Faults: write errors, a drive that is busy for a while, and power cuts
//! at every point of an append.

use std::path::Path;

use burn_cli::check::{self, Verdict, Which};
use burn_cli::media;
use burn_cli::{Aftermath, BoxedRecorder, no_progress, session};
use mmc::Transport;
use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::fault::{self, FaultInjector};
use mmc::stdio::StdioDrive;

use crate::util::*;

fn boxed<T: Transport + Send + 'static>(t: T) -> BoxedRecorder {
    recorder(Box::new(t) as Box<dyn Transport + Send>)
}

fn emulator(kind: &str, path: &Path, opts: EmulOptions) -> Emulator {
    Emulator::open_with(kind.parse::<Media>().unwrap(), path, opts).unwrap()
}

fn session_files(
    rig: &Rig,
    name: &str,
    seed: u64,
    bytes: u64,
) -> Vec<iso_writer::write::GraftSpec> {
    let s = rig.src(name);
    write_file(&s.join(format!("{name}/data.bin")), seed, bytes);
    write_file(&s.join(format!("{name}/small.txt")), seed + 1, 100);
    vec![graft(&s, None)]
}

#[test]
fn write_error_mid_session_fails_with_sense_and_lba() {
    for kind in ["dvd+r", "dvd+rw"] {
        let rig = Rig::new(kind);
        let mut rig = rig;
        let g1 = session_files(&rig, "one", 1, 50_000);
        session::add(rig.rec(), &g1, &add_opts("ONE"), &mut no_progress).unwrap();
        rig.close();
        let mut fi = FaultInjector::new(emulator(kind, &rig.path, instant()));
        fi.fail_nth(0x2A, 3, fault::write_error());
        let mut rec = boxed(fi);
        let g2 = session_files(&rig, "two", 3, 400_000);
        let e = session::add(&mut rec, &g2, &add_opts("TWO"), &mut no_progress).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("WRITE(10) failed at LBA"), "{kind}: {text}");
        assert!(
            text.to_lowercase().contains("write error"),
            "{kind}: {text}"
        );
        let s = e.sense().expect("sense");
        assert_eq!((s.key.0, s.asc, s.ascq), (3, 0x0C, 0x00));
        let a = e.aftermath().expect("aftermath");
        if kind == "dvd+r" {
            // Two WRITEs of 16 blocks went through; what the drive
            // reports afterwards is what the message says.
            let Aftermath::Sequential(w) = a else {
                panic!("{kind}: {a:?}");
            };
            assert_eq!(w.written, 32, "{kind}");
            let after = media::inspect(&mut rec).unwrap();
            assert_eq!(after.sessions.len(), 1, "{kind}: no new session");
            assert_eq!(
                w.left,
                mmc::engine::LeftBehind::OpenTrack {
                    start: w.start,
                    next_writable: after.next_start,
                },
                "{kind}"
            );
            assert!(after.next_start.unwrap() > w.start, "{kind}");
            let text = a.to_string();
            assert!(
                text.starts_with(&format!(
                    "the track at LBA {} is left open (incomplete) with the 32 blocks written; \
                     earlier sessions are intact",
                    w.start
                )),
                "{text}"
            );
        } else {
            assert_eq!(a, Aftermath::PreviousSessionsIntact, "{kind}");
        }
        drop(rec);
        rig.open();
        let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
        assert_eq!(c.sessions[0].volume_id.as_deref(), Some("ONE"), "{kind}");
        assert_eq!(c.verdict, Verdict::Ok, "{kind}");
    }
}

#[test]
fn long_write_in_progress_is_waited_for() {
    for kind in ["dvd+r", "bd-re"] {
        let mut rig = Rig::new(kind);
        rig.close();
        let mut fi = FaultInjector::new(emulator(kind, &rig.path, instant()));
        fi.fail_nth_times(0x2A, 2, 5, fault::long_write_in_progress());
        let mut rec = boxed(fi);
        let g = session_files(&rig, "one", 1, 300_000);
        let r = session::add(&mut rec, &g, &add_opts("ONE"), &mut no_progress).unwrap();
        let c = check::check(&mut rec, Which::Newest, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Ok, "{kind}");
        assert_eq!(c.sessions[0].start, r.start);
    }
}

/// A copy of the first `blocks` blocks of a sparse backing image (and its
/// emulator state) into `dst`, sparse like the original.
fn clone_medium(src: &Path, dst: &Path, blocks: u64) {
    use std::os::unix::fs::FileExt;
    let len = std::fs::metadata(src).unwrap().len();
    let data = {
        let f = std::fs::File::open(src).unwrap();
        let mut v = vec![0u8; (blocks * 2048).min(len) as usize];
        f.read_exact_at(&mut v, 0).unwrap();
        v
    };
    let f = std::fs::File::create(dst).unwrap();
    f.set_len(len).unwrap();
    f.write_all_at(&data, 0).unwrap();
    let state = src.with_extension("img.emul");
    if state.exists() {
        std::fs::copy(&state, dst.with_extension("img.emul")).unwrap();
    }
}

/// Power cut during the append of session 3 at every `step`-th block (or
/// WRITE command): the operation fails and, reopened, the medium shows
/// sessions 1 and 2 intact and checking with matching MD5s. Returns the
/// number of cut points tried.
fn power_cut_during_append(kind: &str) -> u64 {
    let mut rig = Rig::new(kind);
    let g1 = session_files(&rig, "one", 1, 60_000);
    let g2 = session_files(&rig, "two", 2, 90_000);
    let g3 = session_files(&rig, "three", 3, 2_000_000);
    let r1 = session::add(rig.rec(), &g1, &add_opts("ONE"), &mut no_progress).unwrap();
    let r2 = session::add(rig.rec(), &g2, &add_opts("TWO"), &mut no_progress).unwrap();
    rig.close();
    let used = u64::from(r2.start + r2.blocks) + 64;
    let pristine = rig.dir.path().join("pristine.img");
    clone_medium(&rig.path, &pristine, used);

    // The uncut append, to learn how much it writes.
    let probe = rig.dir.path().join("probe.img");
    clone_medium(&pristine, &probe, used);
    let r3 = {
        let mut rec = if kind == "stdio" {
            boxed(StdioDrive::open(&probe, false).unwrap())
        } else {
            boxed(emulator(kind, &probe, instant()))
        };
        session::add(&mut rec, &g3, &add_opts("THREE"), &mut no_progress).unwrap()
    };
    assert_eq!(r3.session, 3);
    let session_blocks = r3.written_blocks;
    // Cut points: blocks accepted by WRITE for the emulator (session and
    // head), WRITE commands for a file (32 blocks each).
    let (points, step): (u64, u64) = if kind == "stdio" {
        (session_blocks.div_ceil(32) + 1, 1)
    } else {
        (session_blocks + 32, 10)
    };
    let mut tried = 0;
    let mut k = 1;
    while k <= points {
        let img = rig.dir.path().join(format!("cut{k}.img"));
        clone_medium(&pristine, &img, used);
        let result = {
            let mut rec = if kind == "stdio" {
                let mut fi = FaultInjector::new(StdioDrive::open(&img, false).unwrap());
                fi.lose_drive_at(Some(0x2A), k);
                boxed(fi)
            } else {
                boxed(emulator(
                    kind,
                    &img,
                    EmulOptions {
                        power_cut_after_blocks: Some(k),
                        ..instant()
                    },
                ))
            };
            session::add(&mut rec, &g3, &add_opts("THREE"), &mut no_progress)
        };
        let e = result.expect_err("a power cut never reports success");
        assert!(
            matches!(
                e.aftermath(),
                Some(Aftermath::PreviousSessionsIntact | Aftermath::Unknown)
            ),
            "{kind} cut at {k}: {e}"
        );
        // Power back on: the same medium in a new process.
        let mut rec = if kind == "stdio" {
            boxed(StdioDrive::open(&img, false).unwrap())
        } else {
            boxed(emulator(kind, &img, instant()))
        };
        let m = media::inspect(&mut rec).unwrap();
        let starts: Vec<u32> = m.sessions.iter().map(|s| s.start).collect();
        assert_eq!(starts, vec![r1.start, r2.start], "{kind} cut at {k}");
        let c = check::check(&mut rec, Which::All, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Ok, "{kind} cut at {k}: {c:#?}");
        assert_eq!(
            c.sessions
                .iter()
                .map(|s| s.files.matched)
                .collect::<Vec<_>>(),
            vec![2, 4],
            "{kind} cut at {k}"
        );
        drop(rec);
        let _ = std::fs::remove_file(&img);
        let _ = std::fs::remove_file(img.with_extension("img.emul"));
        tried += 1;
        k += step;
    }
    eprintln!("power cut: {tried} cut points tried on {kind}, all earlier sessions intact");
    tried
}

#[test]
fn power_cut_during_append_dvd_plus_rw() {
    assert!(power_cut_during_append("dvd+rw") >= 50);
}

#[test]
fn power_cut_during_append_bd_re() {
    assert!(power_cut_during_append("bd-re") >= 50);
}

#[test]
fn power_cut_during_append_stdio_file() {
    assert!(power_cut_during_append("stdio") >= 30);
}

/// Ctrl-C during an append to an overwritable medium: cancelled, and the
/// previous sessions intact (the head was not written).
#[test]
fn cancelled_append_leaves_previous_sessions() {
    for kind in ["stdio", "bd-re"] {
        let mut rig = Rig::new(kind);
        let g1 = session_files(&rig, "one", 1, 60_000);
        session::add(rig.rec(), &g1, &add_opts("ONE"), &mut no_progress).unwrap();
        let token = rig.rec().drive().cancel_token().clone();
        let g2 = session_files(&rig, "two", 2, 3_000_000);
        let mut cancel_midway = |p: &mmc::engine::Progress| {
            if p.done > 1_000_000 {
                token.cancel();
            }
        };
        let e = session::add(rig.rec(), &g2, &add_opts("TWO"), &mut cancel_midway).unwrap_err();
        assert!(e.is_cancelled(), "{kind}: {e}");
        assert_eq!(e.aftermath(), Some(Aftermath::PreviousSessionsIntact));
        assert!(e.to_string().contains("previous sessions are intact"));
        rig.open();
        let m = media::inspect(rig.rec()).unwrap();
        assert_eq!(m.sessions.len(), 1, "{kind}");
        let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Ok, "{kind}");
    }
}

/// A graft that does not exist fails before anything is written.
#[test]
fn missing_graft_fails_before_writing() {
    let mut rig = Rig::new("dvd+r");
    let g1 = session_files(&rig, "one", 1, 6000);
    session::add(rig.rec(), &g1, &add_opts("ONE"), &mut no_progress).unwrap();
    rig.close();
    let state = std::fs::read(rig.path.with_extension("img.emul")).unwrap();
    rig.open();
    let missing = rig.dir.path().join("no-such-dir");
    let e = session::add(
        rig.rec(),
        &[graft(&missing, None)],
        &add_opts("X"),
        &mut no_progress,
    )
    .unwrap_err();
    assert!(matches!(e, burn_cli::Error::Image(_)), "{e}");
    assert!(e.to_string().contains("no-such-dir"), "{e}");
    assert_eq!(e.aftermath(), None);
    rig.close();
    assert_eq!(
        std::fs::read(rig.path.with_extension("img.emul")).unwrap(),
        state
    );
}

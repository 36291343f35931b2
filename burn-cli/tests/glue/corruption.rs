//! check finds what is wrong: a flipped byte as the file's and the tags'
//! mismatch, unreadable blocks in the sector map.

use burn_cli::check::{self, Md5Outcome, TagKind, TagOutcome, Verdict, Which};
use burn_cli::{BlockSpan, BoxedRecorder, disc, no_progress, session};
use mmc::Transport;
use mmc::emul::{Emulator, Media};
use mmc::fault::{self, FaultInjector};

use crate::util::*;

/// Two sessions; returns the LBA of `/sub/b.bin`'s data (session 1).
fn two_sessions(rig: &mut Rig) -> u32 {
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    write_file(&s1.join("sub/b.bin"), 2, 50_000);
    session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    let s2 = rig.src("s2");
    write_file(&s2.join("c.txt"), 3, 7000);
    session::add(
        rig.rec(),
        &[graft(&s2, None)],
        &add_opts("SESS2"),
        &mut no_progress,
    )
    .unwrap();
    let mut img = disc::open_image(rig.rec(), Some(1)).unwrap();
    let e = img.lookup("/sub/b.bin").unwrap();
    e.extents[0].lba
}

fn tag(s: &check::SessionResult, kind: TagKind) -> TagOutcome {
    s.tags.iter().find(|t| t.kind == kind).unwrap().outcome
}

fn flipped_byte_is_found(kind: &str) {
    let mut rig = Rig::new(kind);
    let lba = two_sessions(&mut rig);
    rig.close();
    rig.flip(u64::from(lba) * 2048 + 4321);
    rig.open();

    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Mismatch, "{kind}");
    let s1 = &c.sessions[0];
    assert_eq!(s1.verdict, Verdict::Mismatch);
    assert_eq!(s1.files.mismatched, vec!["/sub/b.bin".to_string()]);
    assert_eq!(s1.files.matched, 1);
    assert_eq!(tag(s1, TagKind::Superblock), TagOutcome::Match);
    assert_eq!(tag(s1, TagKind::Tree), TagOutcome::Match);
    assert_eq!(tag(s1, TagKind::Session), TagOutcome::Mismatch);
    assert_eq!(s1.session_md5, Md5Outcome::Mismatch);
    // Session 2's blocks are fine, but its tree carries b.bin.
    let s2 = &c.sessions[1];
    assert!(s2.tags.iter().all(|t| t.outcome == TagOutcome::Match));
    assert_eq!(s2.session_md5, Md5Outcome::Match);
    assert_eq!(s2.files.mismatched, vec!["/sub/b.bin".to_string()]);
    assert!(s1.unreadable.is_empty() && s2.unreadable.is_empty());

    // The newest session alone: b.bin read from session 1 all the same.
    let n = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(n.verdict, Verdict::Mismatch);
    assert_eq!(n.sessions.len(), 1);
    assert_eq!(
        n.sessions[0].files.mismatched,
        vec!["/sub/b.bin".to_string()]
    );
    assert_eq!(n.sessions[0].files.matched, 2);

    // A chosen session.
    let one = check::check(rig.rec(), Which::Session(1), &mut no_progress).unwrap();
    assert_eq!(one.sessions.len(), 1);
    assert_eq!(one.sessions[0].volume_id.as_deref(), Some("SESS1"));
    assert_eq!(
        one.sessions[0].files.mismatched,
        vec!["/sub/b.bin".to_string()]
    );
    let e = check::check(rig.rec(), Which::Session(9), &mut no_progress).unwrap_err();
    assert!(
        matches!(
            e,
            burn_cli::Error::NoSuchSession {
                requested: 9,
                available: 2
            }
        ),
        "{e}"
    );
    // The report as JSON for the command line.
    let j = serde_json::to_value(&c).unwrap();
    assert_eq!(j["verdict"], "mismatch");
    assert_eq!(j["sessions"][0]["files"]["mismatched"][0], "/sub/b.bin");
    assert_eq!(j["sessions"][0]["tags"][2]["kind"], "session");
    rig.close();

    // xorriso agrees.
    let dev = format!("stdio:{}", rig.path.display());
    let (_, text) = xorriso(&[
        "-md5",
        "on",
        "-indev",
        &dev,
        "-check_md5_r",
        "sorry",
        "/",
        "--",
    ]);
    assert!(text.contains("MD5 MISMATCH: '/sub/b.bin'"), "{text}");
}

#[test]
fn flipped_byte_in_an_image_file() {
    flipped_byte_is_found("stdio");
}

#[test]
fn flipped_byte_on_dvd_plus_rw() {
    flipped_byte_is_found("dvd+rw");
}

/// A bad spot: READs of some LBAs fail with a medium error.
#[test]
fn unreadable_blocks_are_mapped() {
    for kind in ["dvd+r", "bd-re"] {
        let mut rig = Rig::new(kind);
        let lba = two_sessions(&mut rig);
        rig.close();
        let bad = lba + 3..lba + 7;
        let mut fi = FaultInjector::new(
            Emulator::open_with(kind.parse::<Media>().unwrap(), &rig.path, instant()).unwrap(),
        );
        fi.fail_lbas(0x28, bad.clone(), fault::read_error());
        let mut rec: BoxedRecorder = recorder(Box::new(fi) as Box<dyn Transport + Send>);
        let c = check::check(&mut rec, Which::All, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Unreadable, "{kind}: {c:#?}");
        let s1 = &c.sessions[0];
        assert_eq!(s1.unreadable, vec![BlockSpan::new(bad.start, 4)], "{kind}");
        assert_eq!(s1.files.unreadable, vec!["/sub/b.bin".to_string()]);
        assert_eq!(tag(s1, TagKind::Session), TagOutcome::Unreadable);
        assert_eq!(s1.session_md5, Md5Outcome::Unreadable);
        // Blocks before the bad spot still check.
        assert_eq!(tag(s1, TagKind::Tree), TagOutcome::Match);
        assert_eq!(s1.files.matched, 1);
        let s2 = &c.sessions[1];
        assert!(s2.unreadable.is_empty());
        assert_eq!(s2.files.unreadable, vec!["/sub/b.bin".to_string()]);
        assert_eq!(
            c.blocks_read + 4,
            c.sessions.iter().map(|s| u64::from(s.blocks)).sum::<u64>()
        );
    }
}

/// An image file cut short in the middle of its newest session: the
/// blocks after the cut are unreadable, the chain cannot be followed —
/// unreadable, not a mismatch (no evidence that data differ).
#[test]
fn a_truncated_image_is_unreadable_not_mismatched() {
    let mut rig = Rig::new("stdio");
    two_sessions(&mut rig);
    let m = burn_cli::media::inspect(rig.rec()).unwrap();
    let last = m.sessions.last().unwrap().clone();
    rig.close();
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&rig.path)
        .unwrap();
    f.set_len((u64::from(last.start) + 20) * 2048).unwrap();
    drop(f);
    rig.open();
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    let s = &c.sessions[0];
    assert_eq!(s.verdict, Verdict::Unreadable, "{s:#?}");
    assert_eq!(c.verdict, Verdict::Unreadable);
    assert_eq!(s.unreadable[0].start, last.start + 20);
    assert!(matches!(s.chain, check::ChainState::Broken { .. }));
    assert_eq!(tag(s, TagKind::Superblock), TagOutcome::Match);
    assert!(s.files.mismatched.is_empty());
}

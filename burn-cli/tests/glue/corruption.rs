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

/// Writes `bytes` into the backing image at byte `offset`.
fn poke(rig: &Rig, offset: u64, bytes: &[u8]) {
    use std::os::unix::fs::FileExt;
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&rig.path)
        .unwrap();
    f.write_all_at(bytes, offset).unwrap();
}

/// Both-endian 32-bit field (ECMA-119 §7.3.3).
fn both(v: u32) -> [u8; 8] {
    let mut b = [0u8; 8];
    b[..4].copy_from_slice(&v.to_le_bytes());
    b[4..].copy_from_slice(&v.to_be_bytes());
    b
}

/// Rewrites the extent location and data length (ECMA-119 §9.1.3, §9.1.4:
/// bytes 2–17 of a directory record) of every directory record of the
/// file at `lba` with `size` bytes in the first `blocks` blocks — in the
/// ECMA-119 and the Joliet tree.
fn garble_extent(rig: &Rig, blocks: u64, lba: u32, size: u32, new_lba: u32, new_size: u32) {
    let image = rig.image_blocks(0, blocks);
    let mut old = both(lba).to_vec();
    old.extend_from_slice(&both(size));
    let mut new = both(new_lba).to_vec();
    new.extend_from_slice(&both(new_size));
    let at: Vec<usize> = image
        .windows(16)
        .enumerate()
        .filter(|(_, w)| *w == old.as_slice())
        .map(|(i, _)| i)
        .collect();
    assert!(!at.is_empty(), "no directory record of LBA {lba}");
    for i in at {
        poke(rig, i as u64, &new);
    }
}

/// A session without checksums whose directory records are garbled: one
/// file's extent moved near the end of the 32-bit LBA space, another's
/// length blown up past the session. That is damage, not a session cut
/// short: no blocks are counted missing (no truncation), the files are
/// unreadable and a note names them.
#[test]
fn garbled_extents_are_damage_not_blocks_missing() {
    let mut rig = Rig::new("dvd+r");
    let src = rig.src("s");
    write_file(&src.join("far.bin"), 11, 30_000);
    write_file(&src.join("long.bin"), 12, 20_000);
    write_file(&src.join("ok.txt"), 13, 500);
    let mut o = add_opts("GARBLED");
    o.image.md5 = false;
    session::add(rig.rec(), &[graft(&src, None)], &o, &mut no_progress).unwrap();
    let end = burn_cli::media::inspect(rig.rec()).unwrap().sessions[0].end();
    let (far, long) = {
        let mut img = disc::open_image(rig.rec(), None).unwrap();
        let far = img.lookup("/far.bin").unwrap().extents[0];
        let long = img.lookup("/long.bin").unwrap().extents[0];
        (far, long)
    };
    rig.close();
    garble_extent(&rig, end, far.lba, far.len, 0xFFFF_0000, far.len);
    garble_extent(&rig, end, long.lba, long.len, long.lba, 0xFFFF_F000);
    rig.open();

    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    let s = &c.sessions[0];
    assert_eq!(s.truncated, None, "{s:#?}");
    assert_eq!(
        s.files.unreadable,
        vec!["/far.bin".to_string(), "/long.bin".to_string()],
        "{s:#?}"
    );
    assert_eq!(s.files.without_md5, 3);
    assert!(
        s.notes.iter().any(
            |n| n.starts_with("2 files extend beyond the end of the session (LBA ")
                && n.ends_with(": their directory records are damaged (/far.bin, /long.bin)")
        ),
        "{s:#?}"
    );
    assert_eq!(c.verdict, Verdict::Unreadable);
    assert_eq!(c.blocks_read, end, "the session's blocks, nothing else");
}

/// A tree tag whose own MD5 matches but whose `next=` names a block far
/// past the end the session declares: the chain is broken by a damaged
/// tag, not by blocks missing.
#[test]
fn a_tag_naming_a_block_past_the_session_is_damage() {
    use iso_writer::spec::md5tag::Tag;
    let mut rig = Rig::new("stdio");
    let src = rig.src("s");
    write_file(&src.join("a.bin"), 21, 100_000);
    session::add(
        rig.rec(),
        &[graft(&src, None)],
        &add_opts("TAGGED"),
        &mut no_progress,
    )
    .unwrap();
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    let tree = c.sessions[0]
        .tags
        .iter()
        .find(|t| t.kind == TagKind::Tree)
        .unwrap()
        .lba;
    rig.close();
    let t = Tag::decode(&rig.image_blocks(u64::from(tree), 1)).unwrap();
    let bad = Tag::new(t.kind, t.pos, t.range_start, 0xFFFF_FF00, t.md5);
    poke(&rig, u64::from(tree) * 2048, &bad.to_block());
    rig.open();

    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    let s = &c.sessions[0];
    assert_eq!(s.truncated, None, "{s:#?}");
    assert_eq!(tag(s, TagKind::Tree), TagOutcome::Match);
    let check::ChainState::Broken { lba, reason } = &s.chain else {
        panic!("{s:#?}")
    };
    assert_eq!(*lba, tree);
    assert!(
        reason.starts_with(&format!(
            "the tag at LBA {tree} names the session tag at LBA 4294967040, beyond the end of \
             the session (LBA "
        )),
        "{reason}"
    );
    // The session MD5 covers the rewritten tag block.
    assert_eq!(s.session_md5, Md5Outcome::Mismatch);
    assert_eq!(c.verdict, Verdict::Mismatch);
    let declared = reason.clone();

    // With the root directory record of the PVD garbled too, the tree
    // cannot be opened: the pass reads the session's size from the PVD
    // itself.
    rig.close();
    let start = u64::from(c.sessions[0].start);
    poke(&rig, (start + 16) * 2048 + 156 + 2, &both(0xFFFF_0000));
    rig.open();
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    let s = &c.sessions[0];
    assert!(
        s.notes
            .iter()
            .any(|n| n.starts_with("no ISO 9660 tree could be read")),
        "{s:#?}"
    );
    assert_eq!(s.truncated, None, "{s:#?}");
    assert_eq!(
        s.chain,
        check::ChainState::Broken {
            lba: tree,
            reason: declared
        }
    );
}

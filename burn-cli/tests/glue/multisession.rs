//! The real multisession backup on every writable medium: blank or
//! format as needed, three sessions with new and changed files, check
//! after each, close where the medium can be closed, and a further add
//! refused with nothing written — cross-checked with xorriso.

use burn_cli::check::{self, ChainState, Md5Outcome, Verdict, Which};
use burn_cli::media::{self, Layout, Status};
use burn_cli::{blank, disc, no_progress, round_up_32, session};
use mmc::engine::BlankMode;

use crate::util::*;

/// Reads a file of the newest session on the medium.
fn read_newest(rig: &mut Rig, path: &str) -> Vec<u8> {
    let mut img = disc::open_image(rig.rec(), None).unwrap();
    let e = img.lookup(path).unwrap();
    img.read_file(&e, 1 << 30).unwrap()
}

fn can_close(kind: &str) -> bool {
    !matches!(kind, "dvd+rw" | "dvd-ram" | "bd-re" | "stdio")
}

fn rewritable(kind: &str) -> bool {
    matches!(
        kind,
        "cd-rw" | "dvd-rw" | "dvd+rw" | "dvd-ram" | "bd-re" | "stdio"
    )
}

fn backup_cycle(kind: &str) {
    let mut rig = Rig::new(kind);
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    write_file(&s1.join("sub/b.bin"), 2, 70_000);
    write_file(&s1.join("empty"), 3, 0);
    std::fs::hard_link(s1.join("sub/b.bin"), s1.join("b-link")).unwrap();

    if rewritable(kind) {
        let b = blank::blank(rig.rec(), BlankMode::AsNeeded, &mut no_progress).unwrap();
        assert_eq!(b.status, Status::Blank, "{kind}: {b:?}");
    }
    let m0 = media::inspect(rig.rec()).unwrap();
    assert_eq!(m0.status, Status::Blank, "{kind}");
    let emulated = m0.layout == Layout::Emulated;
    if emulated {
        assert_eq!(m0.next_start, Some(32), "{kind}: first session at LBA 32");
    }

    // Session 1.
    let r1 = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r1.session, 1);
    assert_eq!(r1.new_files, 4, "{kind}: {r1:?}");
    assert!(!r1.closed);
    let m1 = media::inspect(rig.rec()).unwrap();
    assert_eq!(m1.status, Status::Appendable, "{kind}");
    assert_eq!(m1.sessions.len(), 1);
    assert_eq!(m1.sessions[0].start, r1.start);
    assert_eq!(m1.sessions[0].volume_id.as_deref(), Some("SESS1"));
    if emulated {
        assert_eq!(r1.start, 32);
        assert_eq!(
            m1.next_start,
            Some(round_up_32(32 + u64::from(r1.blocks)) as u32),
            "{kind}: next session at the 32-block boundary"
        );
    } else {
        assert_eq!(Some(r1.start), m0.next_start);
        assert!(m1.next_start.unwrap() >= r1.start + r1.blocks, "{kind}");
    }
    let c1 = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c1.verdict, Verdict::Ok, "{kind}: {c1:#?}");
    let s = &c1.sessions[0];
    assert_eq!(s.chain, ChainState::Complete);
    assert_eq!(s.session_md5, Md5Outcome::Match);
    assert_eq!((s.files.total, s.files.matched), (4, 4), "{kind}");
    if emulated {
        assert_eq!(
            c1.head.as_ref().map(|h| h.outcome),
            Some(check::TagOutcome::Match)
        );
    }

    // Session 2: a new file and a changed one.
    let s2 = rig.src("s2");
    write_file(&s2.join("c.txt"), 4, 3000);
    write_file(&s2.join("a.txt"), 5, 40);
    let r2 = session::add(
        rig.rec(),
        &[graft(&s2, None)],
        &add_opts("SESS2"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r2.session, 2);
    assert_eq!((r2.new_files, r2.carried_files), (2, 3), "{kind}: {r2:?}");
    let imp = r2.import.as_ref().unwrap();
    assert_eq!((imp.with_md5, imp.without_md5), (4, 0), "{kind}");
    assert_eq!(read_newest(&mut rig, "/a.txt"), Noise::bytes(5, 40));

    // Session 3: another new file and a changed one; closes the disc
    // where that is possible.
    let s3 = rig.src("s3");
    write_file(&s3.join("d/e.bin"), 6, 100_000);
    write_file(&s3.join("sub/b.bin"), 7, 5000);
    let mut o3 = add_opts("SESS3");
    o3.close = can_close(kind);
    let r3 = session::add(rig.rec(), &[graft(&s3, None)], &o3, &mut no_progress).unwrap();
    assert_eq!(r3.session, 3);
    assert_eq!(r3.closed, can_close(kind), "{kind}");

    let m3 = media::inspect(rig.rec()).unwrap();
    let j = serde_json::to_value(&m3).unwrap();
    assert_eq!(j["sessions"][2]["volume_id"], "SESS3");
    assert_eq!(
        j["layout"],
        if emulated { "emulated" } else { "sequential" }
    );
    let starts: Vec<u32> = m3.sessions.iter().map(|s| s.start).collect();
    assert_eq!(starts, vec![r1.start, r2.start, r3.start], "{kind}");
    let ids: Vec<_> = m3
        .sessions
        .iter()
        .map(|s| s.volume_id.clone().unwrap())
        .collect();
    assert_eq!(ids, vec!["SESS1", "SESS2", "SESS3"]);
    if emulated {
        assert_eq!(
            r2.start as u64,
            round_up_32(u64::from(r1.start + r1.blocks))
        );
        assert_eq!(
            r3.start as u64,
            round_up_32(u64::from(r2.start + r2.blocks))
        );
    }
    assert_eq!(
        m3.status,
        if can_close(kind) {
            Status::Closed
        } else {
            Status::Appendable
        },
        "{kind}"
    );

    // Every file of every session, each content read once.
    let all = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(all.verdict, Verdict::Ok, "{kind}: {all:#?}");
    let totals: Vec<(u64, u64)> = all
        .sessions
        .iter()
        .map(|s| (s.files.total, s.files.matched))
        .collect();
    assert_eq!(totals, vec![(4, 4), (5, 5), (6, 6)], "{kind}");
    assert_eq!(read_newest(&mut rig, "/sub/b.bin"), Noise::bytes(7, 5000));
    assert_eq!(read_newest(&mut rig, "/b-link"), Noise::bytes(2, 70_000));
    assert_eq!(read_newest(&mut rig, "/d/e.bin"), Noise::bytes(6, 100_000));

    if can_close(kind) {
        // A further add is refused before anything is written.
        // (The blocks up to well past the end of the data, and the
        // emulator's state.)
        let span = m3.sessions.last().unwrap().end() + 2048;
        rig.close();
        let before = md5_hex(&rig.image_blocks(0, span));
        let state_before = std::fs::read(rig.path.with_extension("img.emul")).ok();
        rig.open();
        let s4 = rig.src("s4");
        write_file(&s4.join("f"), 8, 10);
        let e = session::add(
            rig.rec(),
            &[graft(&s4, None)],
            &add_opts("SESS4"),
            &mut no_progress,
        )
        .unwrap_err();
        assert!(e.is_unsuitable(), "{kind}: {e}");
        rig.close();
        assert_eq!(md5_hex(&rig.image_blocks(0, span)), before);
        assert_eq!(
            std::fs::read(rig.path.with_extension("img.emul")).ok(),
            state_before
        );
        rig.open();
    }
    rig.close();

    // The oracle.
    if emulated {
        let toc = xorriso_toc(&rig.path);
        let want: Vec<(u32, u32, String)> = vec![
            (r1.start, r1.blocks, "SESS1".into()),
            (r2.start, r2.blocks, "SESS2".into()),
            (r3.start, r3.blocks, "SESS3".into()),
        ];
        assert_eq!(toc, want, "{kind}: xorriso -toc");
        xorriso_files_match(&rig.path, None);
        assert_eq!(xorriso_tag_ranges_match(&rig.path), 3, "{kind}");
    } else {
        for r in [&r1, &r2, &r3] {
            xorriso_files_match(&rig.path, Some(r.start));
        }
    }
}

#[test]
fn backup_cd_r() {
    backup_cycle("cd-r");
}

#[test]
fn backup_cd_rw() {
    backup_cycle("cd-rw");
}

#[test]
fn backup_dvd_r() {
    backup_cycle("dvd-r");
}

#[test]
fn backup_dvd_rw() {
    backup_cycle("dvd-rw");
}

#[test]
fn backup_dvd_plus_r() {
    backup_cycle("dvd+r");
}

#[test]
fn backup_dvd_plus_r_dl() {
    backup_cycle("dvd+r-dl");
}

#[test]
fn backup_dvd_plus_rw() {
    backup_cycle("dvd+rw");
}

#[test]
fn backup_dvd_ram() {
    backup_cycle("dvd-ram");
}

#[test]
fn backup_bd_r() {
    backup_cycle("bd-r");
}

#[test]
fn backup_bd_re() {
    backup_cycle("bd-re");
}

#[test]
fn backup_stdio_file() {
    backup_cycle("stdio");
}

#[test]
fn smoke_stdio_two_sessions() {
    let mut rig = Rig::new("stdio");
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    let r = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r.start, 32);
}

//! Images made by xorriso, read, appended to and checked by us — and
//! ours checked by xorriso.

use burn_cli::check::{self, ArrayState, ChainState, Md5Outcome, Verdict, Which};
use burn_cli::media::{self, Status};
use burn_cli::{no_progress, session};

use crate::util::*;

/// `md5-tags.md` §10: two xorriso sessions on a file, then our third.
#[test]
fn append_to_a_two_session_xorriso_image() {
    let mut rig = Rig::new("stdio");
    rig.close();
    let t1 = rig.src("tree1");
    write_file(&t1.join("a.txt"), 1, 12);
    write_file(&t1.join("sub/b.bin"), 2, 5000);
    let t2 = rig.src("tree2");
    write_file(&t2.join("c.txt"), 3, 7);
    let dev = format!("stdio:{}", rig.path.display());
    let t1s = t1.to_str().unwrap();
    let t2s = t2.to_str().unwrap();
    let (c, out) = xorriso(&[
        "-md5", "on", "-outdev", &dev, "-volid", "SESS1", "-map", t1s, "/", "-commit",
    ]);
    assert_eq!(c, 0, "{out}");
    let (c, out) = xorriso(&[
        "-md5", "on", "-dev", &dev, "-volid", "SESS2", "-map", t2s, "/t2", "-commit",
    ]);
    assert_eq!(c, 0, "{out}");
    let theirs = xorriso_toc(&rig.path);
    assert_eq!(theirs.len(), 2);
    assert_eq!(theirs[0].0, 32);

    rig.open();
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.status, Status::Appendable);
    let ours: Vec<(u32, u32, String)> = m
        .sessions
        .iter()
        .map(|s| (s.start, s.blocks, s.volume_id.clone().unwrap()))
        .collect();
    assert_eq!(ours, theirs, "our table of contents is xorriso's");
    let (_, text) = xorriso(&["-indev", &dev, "-toc"]);
    let nwa = text
        .lines()
        .find_map(|l| l.strip_prefix("Media nwa    :"))
        .map(|v| v.trim().trim_end_matches('s').parse::<u32>().unwrap())
        .unwrap();
    assert_eq!(
        m.next_start,
        Some(nwa),
        "our next session start is xorriso's NWA"
    );

    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    assert_eq!(
        c.head.as_ref().map(|h| (h.lba, h.outcome)),
        Some((18, check::TagOutcome::Match)),
        "md5-tags.md §10.2: the head tag at LBA 18"
    );
    assert_eq!(c.sessions[1].files.matched, 3);

    let t3 = rig.src("tree3");
    write_file(&t3.join("d.bin"), 4, 300_000);
    write_file(&t3.join("a.txt"), 5, 99);
    let r = session::add(
        rig.rec(),
        &[graft(&t3, None)],
        &add_opts("SESS3"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r.start, nwa);
    assert_eq!(r.session, 3);
    let imp = r.import.unwrap();
    assert_eq!((imp.session_start, imp.with_md5), (theirs[1].0, 3));
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    assert_eq!(c.sessions[2].files.matched, 4);
    rig.close();

    let toc = xorriso_toc(&rig.path);
    assert_eq!(toc.len(), 3);
    assert_eq!(&toc[..2], &theirs[..]);
    assert_eq!(toc[2], (r.start, r.blocks, "SESS3".into()));
    xorriso_files_match(&rig.path, None);
    assert_eq!(xorriso_tag_ranges_match(&rig.path), 3);
}

/// A session without checksums is "no checksums recorded", never
/// verified; the next session computes the missing MD5s by reading the
/// old data, so every file of the new tree is covered.
#[test]
fn old_session_without_md5_gets_checksums_computed() {
    let mut rig = Rig::new("stdio");
    rig.close();
    let t1 = rig.src("tree1");
    write_file(&t1.join("x.bin"), 11, 10_000);
    write_file(&t1.join("y/z.txt"), 12, 33);
    let dev = format!("stdio:{}", rig.path.display());
    let (c, out) = xorriso(&[
        "-md5",
        "off",
        "-outdev",
        &dev,
        "-volid",
        "PLAIN",
        "-map",
        t1.to_str().unwrap(),
        "/",
        "-commit",
    ]);
    assert_eq!(c, 0, "{out}");

    rig.open();
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::NoChecksums, "{c:#?}");
    let s = &c.sessions[0];
    assert_eq!(s.chain, ChainState::Absent);
    assert_eq!(s.array, ArrayState::Absent);
    assert_eq!(s.session_md5, Md5Outcome::NotRecorded);
    assert_eq!((s.files.total, s.files.without_md5), (2, 2));
    assert!(s.unreadable.is_empty());

    // Without recomputing: the carried files stay unverifiable.
    let t2 = rig.src("tree2");
    write_file(&t2.join("new.txt"), 13, 5);
    let mut o = add_opts("NOCOMP");
    o.recompute_missing_md5 = false;
    let r = session::add(rig.rec(), &[graft(&t2, None)], &o, &mut no_progress).unwrap();
    assert_eq!(r.import.as_ref().unwrap().without_md5, 2);
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok);
    assert_eq!(
        (c.sessions[0].files.matched, c.sessions[0].files.without_md5),
        (1, 2)
    );

    // Recomputing (the default): all covered.
    let t3 = rig.src("tree3");
    write_file(&t3.join("more.txt"), 14, 6);
    let r = session::add(
        rig.rec(),
        &[graft(&t3, None)],
        &add_opts("COMP"),
        &mut no_progress,
    )
    .unwrap();
    let imp = r.import.unwrap();
    assert_eq!((imp.with_md5, imp.md5_computed, imp.without_md5), (1, 2, 0));
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    assert_eq!(
        (c.sessions[0].files.matched, c.sessions[0].files.without_md5),
        (4, 0)
    );
    rig.close();
    xorriso_files_match(&rig.path, None);
}

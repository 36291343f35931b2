//! Reading discs into image files (`rip`): pressed discs, sessions of
//! multisession discs, CD tracks written track-at-once, whole overwritable
//! media and image files, bad blocks and changed bytes.

use std::io::Cursor;

use burn_cli::check::{TagOutcome, Verdict};
use burn_cli::image::{self, WriteOptions};
use burn_cli::media::{self, Layout};
use burn_cli::rip::{self, SizeFrom, Which};
use burn_cli::{BlockSpan, BoxedRecorder, no_progress, session, verify};
use iso_writer::write::{Plan, Tree};
use mmc::Transport;
use mmc::emul::{Emulator, Media};
use mmc::engine::WriteType;
use mmc::fault::{self, FaultInjector};

use crate::util::*;

/// An ISO image (with MD5 tags) of a small tree, planned for LBA 0.
fn iso(rig: &Rig, name: &str) -> Vec<u8> {
    let src = rig.src(name);
    write_file(&src.join("big.bin"), 11, 180_000);
    write_file(&src.join("dir/small.txt"), 12, 300);
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let plan = Plan::new(tree, &image_opts("RIPME")).unwrap();
    let mut v = Vec::new();
    plan.emit(&mut v).unwrap();
    v
}

fn rip_to_vec(
    rec: &mut BoxedRecorder,
    which: Which,
) -> burn_cli::Result<(rip::RipReport, Vec<u8>)> {
    let mut out = Vec::new();
    let r = rip::rip(rec, which, &mut out, &mut no_progress)?;
    assert_eq!(r.bytes, out.len() as u64);
    assert_eq!(r.md5, md5_hex(&out));
    Ok((r, out))
}

fn write_as(rig: &mut Rig, data: &[u8], write_type: WriteType) -> image::WriteReport {
    image::write(
        rig.rec(),
        Cursor::new(data.to_vec()),
        Some(data.len() as u64),
        &WriteOptions {
            write_type,
            ..WriteOptions::default()
        },
        &mut no_progress,
    )
    .unwrap()
}

/// A stored ISO image presented as a pressed disc: the rip is the image,
/// byte for byte, and its tags match.
#[test]
fn pressed_disc_rips_to_the_image() {
    for kind in ["dvd-rom", "cd-rom", "bd-rom"] {
        let dir = tempfile::tempdir().unwrap();
        let rig0 = Rig::new("stdio");
        let img = iso(&rig0, "src");
        let path = dir.path().join("stored.iso");
        std::fs::write(&path, &img).unwrap();
        let address =
            mmc::address::Address::parse(&format!("emul:{kind}:{}", path.display())).unwrap();
        let mut rec =
            burn_cli::open_recorder(&address, burn_cli::Access::Read, &open_opts(instant()))
                .unwrap();
        let (r, out) = rip_to_vec(&mut rec, Which::Disc).unwrap();
        assert!(out == img, "{kind}: the rip differs from the image");
        assert_eq!((r.start, r.session), (0, Some(1)), "{kind}");
        assert_eq!(r.size_from, SizeFrom::Pvd, "{kind}");
        assert_eq!(r.volume_id.as_deref(), Some("RIPME"));
        assert_eq!(r.verdict, Verdict::Ok, "{kind}: {r:#?}");
        assert_eq!(r.sessions.len(), 1);
        assert!(
            r.sessions[0]
                .tags
                .iter()
                .all(|t| t.outcome == TagOutcome::Match)
                && r.sessions[0].tags.len() == 3,
            "{kind}: {r:#?}"
        );
        assert!(r.unreadable.is_empty());
        // And the medium compares equal with it.
        let v = verify::against_image(
            &mut rec,
            Cursor::new(out.clone()),
            out.len() as u64,
            None,
            &mut no_progress,
        )
        .unwrap();
        assert!(v.identical, "{kind}");
    }
}

/// Two sessions on a DVD+R: no whole-disc image (the sessions are
/// listed); each session rips to exactly its blocks, padding excluded,
/// and the second one compares equal at its address.
#[test]
fn sessions_of_a_multisession_disc() {
    let mut rig = Rig::new("dvd+r");
    let mut reports = Vec::new();
    for (i, name) in ["one", "two"].iter().enumerate() {
        let s = rig.src(name);
        write_file(&s.join(format!("{name}.bin")), 20 + i as u64, 90_000);
        reports.push(
            session::add(
                rig.rec(),
                &[graft(&s, None)],
                &add_opts(&name.to_uppercase()),
                &mut no_progress,
            )
            .unwrap(),
        );
    }
    let e = rip_to_vec(rig.rec(), Which::Disc).unwrap_err();
    match &e {
        burn_cli::Error::SessionNeeded { sessions, .. } => {
            let starts: Vec<u32> = sessions.iter().map(|s| s.start).collect();
            assert_eq!(starts, vec![reports[0].start, reports[1].start]);
        }
        e => panic!("{e:?}"),
    }
    assert!(e.hint().is_some());
    let m = media::inspect(rig.rec()).unwrap();
    for (i, r) in reports.iter().enumerate() {
        let n = i as u32 + 1;
        let (rr, out) = rip_to_vec(rig.rec(), Which::Session(n)).unwrap();
        assert_eq!(
            (rr.session, rr.start, rr.blocks),
            (Some(n), r.start, r.blocks)
        );
        assert_eq!(rr.size_from, SizeFrom::Pvd);
        // The table of contents' session is longer (padding to whole
        // chunks): not part of the image.
        assert!(m.sessions[i].blocks >= r.blocks);
        assert_eq!(rr.verdict, Verdict::Ok, "{rr:#?}");
        assert_eq!(
            Some(rr.md5.clone()),
            r.md5,
            "session {n}: the session's own MD5"
        );
        rig.close();
        assert!(out == rig.image_blocks(u64::from(r.start), u64::from(r.blocks)));
        rig.open();
        let v = verify::against_image(
            rig.rec(),
            Cursor::new(out.clone()),
            out.len() as u64,
            Some(r.start),
            &mut no_progress,
        )
        .unwrap();
        assert!(v.identical);
    }
    let e = rip_to_vec(rig.rec(), Which::Session(3)).unwrap_err();
    assert!(
        matches!(
            e,
            burn_cli::Error::NoSuchSession {
                requested: 3,
                available: 2
            }
        ),
        "{e:?}"
    );
}

/// CD-R written track-at-once: an ISO session rips to the image (its
/// padding and run-out untouched); a raw data track rips to the track
/// without its two unreadable run-out blocks, said so; written
/// session-at-once there is no run-out and the whole track is read.
#[test]
fn cd_tracks_and_their_run_out() {
    let mut rig = Rig::new("cd-r");
    let img = iso(&rig, "src");
    let w = write_as(&mut rig, &img, WriteType::Tao);
    assert_eq!(w.method.as_deref(), Some("tao"));
    let (r, out) = rip_to_vec(rig.rec(), Which::Disc).unwrap();
    assert!(out == img);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");

    for (wt, run_out) in [(WriteType::Tao, true), (WriteType::Sao, false)] {
        let mut rig = Rig::new("cd-r");
        let raw = Noise::bytes(5, 400_000);
        let w = write_as(&mut rig, &raw, wt);
        assert_eq!(
            w.method.as_deref(),
            Some(if run_out { "tao" } else { "sao" })
        );
        let m = media::inspect(rig.rec()).unwrap();
        let track = m.sessions[0].blocks;
        let (r, out) = rip_to_vec(rig.rec(), Which::Disc).unwrap();
        assert_eq!(r.size_from, SizeFrom::Toc, "{wt:?}");
        assert_eq!(r.verdict, Verdict::NoChecksums, "{wt:?}: {r:#?}");
        assert!(r.unreadable.is_empty(), "{wt:?}: {r:#?}");
        let want = if run_out { track - 2 } else { track };
        assert_eq!(r.blocks, want, "{wt:?}: track of {track} blocks");
        assert_eq!(&out[..raw.len()], &raw[..], "{wt:?}");
        assert!(out[raw.len()..].iter().all(|&b| b == 0), "{wt:?}: padding");
        assert_eq!(
            r.notes.iter().any(|n| n.contains("run-out")),
            run_out,
            "{wt:?}: {:?}",
            r.notes
        );
    }
}

/// The whole of an image file and of an emulated BD-RE with two sessions:
/// LBA 0 to the end of the newest session, the head's tag and both
/// sessions' tags matching; the image shows both sessions again.
#[test]
fn whole_overwritable_media() {
    for kind in ["stdio", "bd-re"] {
        let mut rig = Rig::new(kind);
        for (i, name) in ["one", "two"].iter().enumerate() {
            let s = rig.src(name);
            write_file(&s.join(format!("{name}.bin")), 30 + i as u64, 70_000);
            session::add(
                rig.rec(),
                &[graft(&s, None)],
                &add_opts(&name.to_uppercase()),
                &mut no_progress,
            )
            .unwrap();
        }
        let m = media::inspect(rig.rec()).unwrap();
        assert_eq!(m.layout, Layout::Emulated);
        let end = m.sessions[1].end();
        let (r, out) = rip_to_vec(rig.rec(), Which::Disc).unwrap();
        assert_eq!((r.session, r.start, u64::from(r.blocks)), (None, 0, end));
        assert_eq!(r.size_from, SizeFrom::Head);
        assert_eq!(r.volume_id.as_deref(), Some("TWO"));
        assert_eq!(r.head.as_ref().map(|h| h.outcome), Some(TagOutcome::Match));
        assert_eq!(r.sessions.len(), 2, "{kind}");
        assert_eq!(r.verdict, Verdict::Ok, "{kind}: {r:#?}");
        rig.close();
        assert!(out == rig.image_blocks(0, end), "{kind}");
        let copy = rig.dir.path().join("copy.iso");
        std::fs::write(&copy, &out).unwrap();
        assert_eq!(xorriso_toc(&copy).len(), 2, "{kind}");
        xorriso_files_match(&copy, None);
        rig.open();
        // One session alone: its own blocks.
        let (r2, out2) = rip_to_vec(rig.rec(), Which::Session(2)).unwrap();
        assert_eq!(r2.start, m.sessions[1].start);
        assert_eq!(r2.verdict, Verdict::Ok);
        let s = m.sessions[1].start as usize * 2048;
        assert!(out2[..] == out[s..s + out2.len()]);
    }
}

/// A bad spot on a DVD+R: the image has zeros there, the rest is read,
/// the unreadable runs are reported, and the verdict says so.
#[test]
fn bad_blocks_are_mapped_and_zeroed() {
    let mut rig = Rig::new("dvd+r");
    let img = iso(&rig, "src");
    write_as(&mut rig, &img, WriteType::Auto);
    rig.close();
    let bad = 60..63u32;
    let mut fi = FaultInjector::new(
        Emulator::open_with("dvd+r".parse::<Media>().unwrap(), &rig.path, instant()).unwrap(),
    );
    fi.fail_lbas(0x28, bad.clone(), fault::read_error());
    let mut rec: BoxedRecorder = recorder(Box::new(fi) as Box<dyn Transport + Send>);
    let (r, out) = rip_to_vec(&mut rec, Which::Disc).unwrap();
    assert_eq!(r.unreadable, vec![BlockSpan::new(bad.start, 3)]);
    assert!(!r.is_complete());
    assert_eq!(r.verdict, Verdict::Unreadable, "{r:#?}");
    assert_eq!(out.len(), img.len());
    let (a, b) = (bad.start as usize * 2048, bad.end as usize * 2048);
    assert!(out[a..b].iter().all(|&x| x == 0));
    assert!(out[..a] == img[..a] && out[b..] == img[b..]);
}

/// A changed byte in the session: the session tag finds it.
#[test]
fn a_changed_byte_is_a_mismatch() {
    let mut rig = Rig::new("stdio");
    let img = iso(&rig, "src");
    write_as(&mut rig, &img, WriteType::Auto);
    rig.close();
    rig.flip(70 * 2048 + 5);
    rig.open();
    let (r, out) = rip_to_vec(rig.rec(), Which::Disc).unwrap();
    assert_eq!(r.verdict, Verdict::Mismatch, "{r:#?}");
    assert_eq!(out.len(), img.len());
    assert!(r.unreadable.is_empty());
}

/// The output failing ends the rip with an I/O error naming the image.
#[test]
fn a_failing_output_is_an_error() {
    struct Full(usize);
    impl std::io::Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0 < buf.len() {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut rig = Rig::new("stdio");
    let img = iso(&rig, "src");
    write_as(&mut rig, &img, WriteType::Auto);
    let e = rip::rip(rig.rec(), Which::Disc, &mut Full(100_000), &mut no_progress).unwrap_err();
    assert!(matches!(e, burn_cli::Error::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("writing the image"), "{e}");
}

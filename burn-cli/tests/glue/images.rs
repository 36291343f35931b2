//! Writing stored images (the jukebox copy) and comparing the medium with
//! an image file.

use std::io::Cursor;

use burn_cli::check::{self, ChainState, Verdict, Which};
use burn_cli::image::{self, WriteOptions};
use burn_cli::media::{self, Status};
use burn_cli::{no_progress, session, verify};
use iso_writer::write::{Plan, Tree};

use crate::util::*;

/// An ISO image of a small tree, planned for `start`.
fn make_image(rig: &Rig, name: &str, start: u32) -> Vec<u8> {
    let src = rig.src(name);
    write_file(&src.join("big.bin"), 21, 200_000);
    write_file(&src.join("dir/small.txt"), 22, 300);
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let mut o = image_opts("IMAGE");
    o.start_lba = start;
    let plan = Plan::new(tree, &o).unwrap();
    let mut v = Vec::new();
    plan.emit(&mut v).unwrap();
    v
}

fn write_image(rig: &mut Rig, img: &[u8]) -> burn_cli::Result<image::WriteReport> {
    image::write(
        rig.rec(),
        Cursor::new(img.to_vec()),
        Some(img.len() as u64),
        &WriteOptions::default(),
        &mut no_progress,
    )
}

fn jukebox_copy(kind: &str) {
    let mut rig = Rig::new(kind);
    let img = make_image(&rig, "src", 0);
    let w = write_image(&mut rig, &img).unwrap();
    assert_eq!(w.start, 0, "{kind}");
    assert_eq!(w.bytes, img.len() as u64);
    assert_eq!(w.volume_id.as_deref(), Some("IMAGE"));
    assert_eq!(w.built_for, Some(0));
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.sessions.len(), 1, "{kind}");
    assert_eq!(m.sessions[0].start, 0);
    assert_eq!(m.sessions[0].volume_id.as_deref(), Some("IMAGE"));
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{kind}: {c:#?}");
    assert_eq!(c.sessions[0].files.matched, 2);
    let v = verify::against_image(
        rig.rec(),
        Cursor::new(img.clone()),
        img.len() as u64,
        None,
        &mut no_progress,
    )
    .unwrap();
    assert!(v.identical, "{kind}: {v:?}");
    assert_eq!(v.compared_blocks, img.len() as u64 / 2048);

    // One byte changed in the image: the mismatching LBA.
    let mut changed = img.clone();
    let at = 40 * 2048 + 77;
    changed[at] ^= 0x20;
    let v = verify::against_image(
        rig.rec(),
        Cursor::new(changed),
        img.len() as u64,
        None,
        &mut no_progress,
    )
    .unwrap();
    assert!(!v.identical);
    assert_eq!(v.first_mismatch, Some(40), "{kind}");
    assert_eq!(v.mismatches, vec![burn_cli::BlockSpan::new(40, 1)]);
}

#[test]
fn jukebox_copy_dvd_plus_r() {
    jukebox_copy("dvd+r");
}

#[test]
fn jukebox_copy_bd_r() {
    jukebox_copy("bd-r");
}

#[test]
fn jukebox_copy_dvd_rw() {
    jukebox_copy("dvd-rw");
}

#[test]
fn jukebox_copy_bd_re() {
    jukebox_copy("bd-re");
}

#[test]
fn jukebox_copy_stdio_file() {
    jukebox_copy("stdio");
}

/// Over an image file that held a longer two-session backup: truncated
/// first, the result is byte-identical to the image.
#[test]
fn image_file_becomes_byte_identical() {
    let mut rig = Rig::new("stdio");
    for (i, name) in ["one", "two"].iter().enumerate() {
        let s = rig.src(name);
        write_file(&s.join("f.bin"), i as u64, 400_000);
        session::add(
            rig.rec(),
            &[graft(&s, None)],
            &add_opts(name),
            &mut no_progress,
        )
        .unwrap();
    }
    let img = make_image(&rig, "src", 0);
    assert!(std::fs::metadata(&rig.path).unwrap().len() > img.len() as u64);
    let w = write_image(&mut rig, &img).unwrap();
    assert!(w.truncated);
    rig.close();
    assert_eq!(std::fs::read(&rig.path).unwrap(), img);
}

/// A plain image (built for LBA 0) at an NWA > 0 would be unreadable:
/// refused with nothing written; an image planned for that NWA is fine.
#[test]
fn plain_image_at_a_later_nwa_is_refused() {
    let mut rig = Rig::new("dvd+r");
    let s = rig.src("first");
    write_file(&s.join("f"), 1, 1000);
    session::add(
        rig.rec(),
        &[graft(&s, None)],
        &add_opts("FIRST"),
        &mut no_progress,
    )
    .unwrap();
    let m = media::inspect(rig.rec()).unwrap();
    let nwa = m.next_start.unwrap();
    assert!(nwa > 0);
    let plain = make_image(&rig, "plain", 0);
    let state = std::fs::read(rig.path.with_extension("img.emul")).unwrap();
    let e = write_image(&mut rig, &plain).unwrap_err();
    assert!(
        matches!(e, burn_cli::Error::WrongStart { built_for: 0, start } if start == nwa),
        "{e}"
    );
    assert!(e.is_unsuitable() && e.hint().is_some());
    rig.close();
    assert_eq!(
        std::fs::read(rig.path.with_extension("img.emul")).unwrap(),
        state
    );
    rig.open();
    assert_eq!(media::inspect(rig.rec()).unwrap().next_start, Some(nwa));

    let fitting = make_image(&rig, "fitting", nwa);
    let w = write_image(&mut rig, &fitting).unwrap();
    assert_eq!((w.start, w.built_for), (nwa, Some(nwa)));
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    assert_eq!(c.sessions.len(), 2);
}

/// An image written at LBA 0 of an overwritable medium, then a session
/// added: the single-session view of growisofs, checked through the
/// head's relocated tag.
#[test]
fn add_after_an_image_at_lba_0() {
    let mut rig = Rig::new("dvd+rw");
    let img = make_image(&rig, "src", 0);
    write_image(&mut rig, &img).unwrap();
    let s = rig.src("more");
    write_file(&s.join("more.txt"), 5, 5000);
    let r = session::add(
        rig.rec(),
        &[graft(&s, None)],
        &add_opts("MORE"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(
        u64::from(r.start),
        burn_cli::round_up_32(img.len() as u64 / 2048)
    );
    assert_eq!(r.import.as_ref().unwrap().session_start, 0);
    assert!(!r.notes.is_empty());
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.status, Status::Appendable);
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    let s = &c.sessions[0];
    assert_eq!(
        s.chain,
        ChainState::Complete,
        "the newest session's own tags"
    );
    assert_eq!(s.tags[0].range_start, r.start);
    assert_eq!(s.files.matched, 3);
    rig.close();
    xorriso_files_match(&rig.path, None);
}

/// A pipe gets the image as it is.
#[test]
fn image_into_a_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    nix_mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let rig = Rig::new("stdio");
    let img = make_image(&rig, "src", 0);
    let address = mmc::address::Address::parse(&format!("stdio:{}", fifo.display())).unwrap();
    let mut rec =
        burn_cli::open_recorder(&address, burn_cli::Access::Write, &open_opts(instant())).unwrap();
    let w = image::write(
        &mut rec,
        Cursor::new(img.clone()),
        Some(img.len() as u64),
        &WriteOptions::default(),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(w.method.as_deref(), Some("stream"));
    drop(rec);
    assert_eq!(reader.join().unwrap(), img);
}

fn nix_mkfifo(p: &std::path::Path) {
    let st = std::process::Command::new("mkfifo")
        .arg(p)
        .status()
        .unwrap();
    assert!(st.success());
}

/// `add` into a pipe: one session at 0, nothing imported.
#[test]
fn add_into_a_pipe() {
    let rig = Rig::new("stdio");
    let fifo = rig.dir.path().join("pipe");
    nix_mkfifo(&fifo);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let src = rig.src("src");
    write_file(&src.join("f.bin"), 3, 9000);
    let address = mmc::address::Address::parse(&format!("stdio:{}", fifo.display())).unwrap();
    let mut rec =
        burn_cli::open_recorder(&address, burn_cli::Access::Write, &open_opts(instant())).unwrap();
    let r = session::add(
        &mut rec,
        &[graft(&src, None)],
        &add_opts("PIPE"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!((r.session, r.start), (1, 0));
    assert_eq!(r.method.as_deref(), Some("stream"));
    assert!(r.import.is_none());
    drop(rec);
    let bytes = reader.join().unwrap();
    assert_eq!(bytes.len() as u64, u64::from(r.blocks) * 2048);
    let out = rig.dir.path().join("piped.iso");
    std::fs::write(&out, &bytes).unwrap();
    let (_, text) = xorriso(&[
        "-md5",
        "on",
        "-indev",
        &format!("stdio:{}", out.display()),
        "-check_md5_r",
        "sorry",
        "/",
        "--",
    ]);
    assert!(
        text.contains("File contents and their MD5 checksums match."),
        "{text}"
    );
}

/// Simulation on a medium that has none (overwritable media and image
/// files are written with plain WRITE(10)): refused by the library itself,
/// before anything is written — not written for real and reported as
/// simulated.
#[test]
fn dummy_write_is_refused_where_there_is_no_simulation() {
    for kind in ["dvd+rw", "bd-re", "dvd-ram", "stdio"] {
        let mut rig = Rig::new(kind);
        // A first session, so that "nothing written" compares real data.
        let s = rig.src("first");
        write_file(&s.join("f"), 1, 5000);
        session::add(
            rig.rec(),
            &[graft(&s, None)],
            &add_opts("FIRST"),
            &mut no_progress,
        )
        .unwrap();
        // (The emulated images are sparse files of the medium's size: the
        // blocks up to well past the data.)
        let span = 4096;
        rig.close();
        let before = md5_hex(&rig.image_blocks(0, span));
        let state = std::fs::read(rig.path.with_extension("img.emul")).ok();
        rig.open();
        let img = make_image(&rig, "src", 0);
        let e = image::write(
            rig.rec(),
            Cursor::new(img.clone()),
            Some(img.len() as u64),
            &WriteOptions {
                dummy: true,
                ..WriteOptions::default()
            },
            &mut no_progress,
        )
        .unwrap_err();
        assert!(e.is_unsuitable(), "{kind}: {e}");
        assert!(e.to_string().contains("simulation"), "{kind}: {e}");
        assert_eq!(e.aftermath(), None, "{kind}: nothing was begun");
        // The same for a new session.
        let mut o = add_opts("DUMMY");
        o.dummy = true;
        let e = session::add(rig.rec(), &[graft(&s, None)], &o, &mut no_progress).unwrap_err();
        assert!(e.is_unsuitable(), "{kind}: {e}");
        rig.close();
        assert_eq!(md5_hex(&rig.image_blocks(0, span)), before, "{kind}");
        assert_eq!(
            std::fs::read(rig.path.with_extension("img.emul")).ok(),
            state,
            "{kind}"
        );
        rig.open();
        let m = media::inspect(rig.rec()).unwrap();
        assert_eq!(m.sessions.len(), 1, "{kind}");
        assert_eq!(m.sessions[0].volume_id.as_deref(), Some("FIRST"), "{kind}");
    }
}

/// Raw data (not an ISO 9660 image) written as a session of a sequential
/// disc: adding files refuses to write a session that could not show the
/// old files; forced, the new session starts with an empty tree, says so,
/// and reads back correctly.
#[test]
fn add_after_a_session_that_is_not_iso() {
    for kind in ["dvd+r", "cd-r", "bd-r"] {
        let mut rig = Rig::new(kind);
        let raw = Noise::bytes(77, 300_000);
        let w = image::write(
            rig.rec(),
            Cursor::new(raw.clone()),
            Some(raw.len() as u64),
            &WriteOptions {
                write_type: mmc::engine::WriteType::Tao,
                ..WriteOptions::default()
            },
            &mut no_progress,
        )
        .unwrap();
        assert_eq!((w.start, w.volume_id.as_deref()), (0, None), "{kind}");
        let s = rig.src("more");
        write_file(&s.join("more.bin"), 8, 40_000);
        rig.close();
        let state = std::fs::read(rig.path.with_extension("img.emul")).unwrap();
        let data = md5_hex(&rig.image_blocks(0, 8192));
        rig.open();
        let e = session::add(
            rig.rec(),
            &[graft(&s, None)],
            &add_opts("MORE"),
            &mut no_progress,
        )
        .unwrap_err();
        assert!(
            matches!(&e, burn_cli::Error::NotIsoSession { start: 0, reason, .. }
                if reason.contains("no volume descriptor")),
            "{kind}: {e:?}"
        );
        assert!(e.is_unsuitable() && e.hint().is_some(), "{kind}");
        assert_eq!(e.aftermath(), None);
        rig.close();
        assert_eq!(
            std::fs::read(rig.path.with_extension("img.emul")).unwrap(),
            state,
            "{kind}: nothing written"
        );
        assert_eq!(md5_hex(&rig.image_blocks(0, 8192)), data, "{kind}");
        rig.open();

        let mut o = add_opts("MORE");
        o.force = true;
        let r = session::add(rig.rec(), &[graft(&s, None)], &o, &mut no_progress).unwrap();
        assert!(r.import.is_none(), "{kind}: {r:?}");
        assert_eq!((r.session, r.files, r.new_files), (2, 1, 1), "{kind}");
        assert!(
            r.notes.iter().any(|n| n.contains("starts without them")),
            "{kind}: {:?}",
            r.notes
        );
        let m = media::inspect(rig.rec()).unwrap();
        assert_eq!(m.sessions.len(), 2, "{kind}");
        assert_eq!(m.sessions[0].volume_id, None, "{kind}");
        assert_eq!(m.sessions[1].volume_id.as_deref(), Some("MORE"), "{kind}");
        let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Ok, "{kind}: {c:#?}");
        assert_eq!(c.sessions[0].files.matched, 1, "{kind}");
        // The raw data is still where it was.
        let back = rig.rec().read_blocks(0, 147).unwrap();
        assert_eq!(&back[..raw.len()], &raw[..], "{kind}");
        rig.close();
        xorriso_files_match(&rig.path, Some(r.start));
    }
}

/// Unknown data on an image file: refused unless forced; forced, the new
/// session is the first (at LBA 32) and the report says what was lost.
#[test]
fn forced_add_over_unknown_data() {
    let mut rig = Rig::new("stdio");
    rig.close();
    std::fs::write(&rig.path, Noise::bytes(9, 100_000)).unwrap();
    rig.open();
    let s = rig.src("s");
    write_file(&s.join("f"), 1, 10);
    let mut o = add_opts("FORCED");
    o.force = true;
    let r = session::add(rig.rec(), &[graft(&s, None)], &o, &mut no_progress).unwrap();
    assert_eq!((r.session, r.start), (1, 32));
    assert!(r.import.is_none());
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("unrecognised data") && n.contains("forced")),
        "{:?}",
        r.notes
    );
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    rig.close();
    assert_eq!(
        xorriso_toc(&rig.path),
        vec![(32, r.blocks, "FORCED".into())]
    );
}

/// An image file whose newest session's tree is damaged (the root record
/// of its PVD no longer names a directory): the same refusal as on
/// sequential media; forced, a new session after it without its files.
#[test]
fn add_after_a_damaged_session_on_an_image_file() {
    let mut rig = Rig::new("stdio");
    let s1 = rig.src("one");
    write_file(&s1.join("a"), 1, 3000);
    let r1 = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("ONE"),
        &mut no_progress,
    )
    .unwrap();
    rig.close();
    // ECMA-119 §8.4.18: the root directory record at byte 156 of the
    // PVD; its file flags (§9.1.6) at byte 25 of the record.
    let flags_at = (u64::from(r1.start) + 16) * 2048 + 156 + 25;
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&rig.path)
            .unwrap();
        f.write_all_at(&[0], flags_at).unwrap();
    }
    let before = std::fs::read(&rig.path).unwrap();
    rig.open();
    let s2 = rig.src("two");
    write_file(&s2.join("b"), 2, 3000);
    let e = session::add(
        rig.rec(),
        &[graft(&s2, None)],
        &add_opts("TWO"),
        &mut no_progress,
    )
    .unwrap_err();
    assert!(
        matches!(&e, burn_cli::Error::NotIsoSession { start, .. } if *start == r1.start),
        "{e:?}"
    );
    rig.close();
    assert_eq!(std::fs::read(&rig.path).unwrap(), before, "nothing written");
    rig.open();
    let mut o = add_opts("TWO");
    o.force = true;
    let r2 = session::add(rig.rec(), &[graft(&s2, None)], &o, &mut no_progress).unwrap();
    assert!(r2.import.is_none());
    assert_eq!(r2.files, 1);
    assert!(u64::from(r2.start) >= u64::from(r1.start) + u64::from(r1.blocks));
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    rig.close();
    xorriso_files_match(&rig.path, None);
}

/// An image of `files` (name, seed, length) planned for LBA 0.
fn image_of(rig: &Rig, name: &str, files: &[(&str, u64, u64)]) -> Vec<u8> {
    let src = rig.src(name);
    for (f, seed, len) in files {
        write_file(&src.join(f), *seed, *len);
    }
    let mut tree = Tree::new();
    tree.graft(&src, None).unwrap();
    let plan = Plan::new(tree, &image_opts("SMALL")).unwrap();
    let mut v = Vec::new();
    plan.emit(&mut v).unwrap();
    v
}

/// Extents of `path` in the newest session.
fn extents_of(rig: &mut Rig, path: &str) -> Vec<iso_writer::model::Extent> {
    let mut img = burn_cli::disc::open_image(rig.rec(), None).unwrap();
    img.lookup(path).unwrap().extents
}

/// A small image written at LBA 0 of an overwritable medium or image
/// file, then three sessions added: files of the image that lie in the
/// head area are written again by the first new session (the new head
/// overwrites those blocks), a file that begins there and continues past
/// it stays and is kept by every later head (libisoburn's convention) —
/// every file of every session reads back and matches, for burn and for
/// xorriso.
fn adds_after_a_small_image(kind: &str) {
    let mut rig = Rig::new(kind);
    let img = image_of(&rig, "img", &[("a.txt", 31, 100), ("b.bin", 32, 200_000)]);
    write_image(&mut rig, &img).unwrap();
    let a0 = extents_of(&mut rig, "/a.txt");
    let b0 = extents_of(&mut rig, "/b.bin");
    assert!(
        a0[0].lba < 32,
        "{kind}: a.txt lies in the head area: {a0:?}"
    );
    assert!(
        b0[0].lba < 32 && b0[0].lba + 97 > 32,
        "{kind}: b.bin begins in the head area and continues: {b0:?}"
    );
    let mut starts = Vec::new();
    for (i, name) in ["s1", "s2", "s3"].iter().enumerate() {
        let s = rig.src(name);
        write_file(&s.join(format!("{name}.txt")), 40 + i as u64, 3000);
        let r = session::add(
            rig.rec(),
            &[graft(&s, None)],
            &add_opts(&name.to_uppercase()),
            &mut no_progress,
        )
        .unwrap();
        let imp = r.import.as_ref().unwrap();
        if i == 0 {
            assert_eq!(imp.session_start, 0, "{kind}");
            assert_eq!(imp.rewritten, 1, "{kind}: a.txt only: {r:?}");
            assert_eq!((r.new_files, r.carried_files), (2, 1), "{kind}");
            assert!(
                r.notes.iter().any(|n| n.contains("written again")),
                "{kind}: {:?}",
                r.notes
            );
        } else {
            assert_eq!(imp.rewritten, 0, "{kind}: session {}", i + 1);
        }
        starts.push(r.start);
        // a.txt now lives in the first new session, b.bin where it was.
        let a = extents_of(&mut rig, "/a.txt");
        assert!(
            a[0].lba >= starts[0] && a[0].lba < starts[0] + 64,
            "{kind}: {a:?}"
        );
        assert_eq!(extents_of(&mut rig, "/b.bin"), b0, "{kind}");
        let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
        assert_eq!(
            c.verdict,
            Verdict::Ok,
            "{kind} after session {}: {c:#?}",
            i + 1
        );
    }
    let mut img = burn_cli::disc::open_image(rig.rec(), None).unwrap();
    for (path, seed, len) in [
        ("/a.txt", 31, 100),
        ("/b.bin", 32, 200_000),
        ("/s1.txt", 40, 3000),
        ("/s3.txt", 42, 3000),
    ] {
        let e = img.lookup(path).unwrap();
        assert_eq!(
            img.read_file(&e, 1 << 20).unwrap(),
            Noise::bytes(seed, len),
            "{kind}: {path}"
        );
    }
    drop(img);
    rig.close();
    xorriso_files_match(&rig.path, None);
    // The image fills blocks 32 … of the old layout, so xorriso's session
    // chain from LBA 32 is broken: the single-session view at 0, checked
    // through the head's relocated tag.
    xorriso_tag_ranges_match(&rig.path);
}

#[test]
fn adds_after_a_small_image_on_an_image_file() {
    adds_after_a_small_image("stdio");
}

#[test]
fn adds_after_a_small_image_on_dvd_plus_rw() {
    adds_after_a_small_image("dvd+rw");
}

/// Files written again from the head area make the new session
/// independent of it: a head whose blocks after the descriptors are
/// zeroed (what a program that writes a clean head does) leaves every
/// file readable and matching.
#[test]
fn rewritten_files_do_not_depend_on_the_head_area() {
    let mut rig = Rig::new("stdio");
    let img = image_of(&rig, "img", &[("a.txt", 51, 700), ("c.txt", 52, 1500)]);
    write_image(&mut rig, &img).unwrap();
    let s = rig.src("s1");
    write_file(&s.join("n.txt"), 53, 10);
    let r = session::add(
        rig.rec(),
        &[graft(&s, None)],
        &add_opts("S1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r.import.as_ref().unwrap().rewritten, 2, "{r:?}");
    rig.close();
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(&rig.path)
            .unwrap();
        // Blocks 20–31: after the new head's descriptors and tag.
        f.write_all_at(&vec![0u8; 12 * 2048], 20 * 2048).unwrap();
    }
    rig.open();
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    assert_eq!(c.sessions[0].files.matched, 3);
    rig.close();
    xorriso_files_match(&rig.path, None);
}

/// A reader that fails after `left` bytes (a source that breaks off).
struct FailAfter {
    inner: Cursor<Vec<u8>>,
    left: usize,
}

impl std::io::Read for FailAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other("the source broke off"));
        }
        let n = buf.len().min(self.left);
        let n = std::io::Read::read(&mut self.inner, &mut buf[..n])?;
        self.left -= n;
        Ok(n)
    }
}

/// An image write that breaks off on a DVD-R: the written blocks become a
/// closed session, the error says so, and checking that session finds it
/// incomplete — its tags and files refer to blocks past its end — with
/// each block counted once.
#[test]
fn an_image_cut_short_on_dvd_r_checks_as_incomplete() {
    let mut rig = Rig::new("dvd-r");
    let img = make_image(&rig, "src", 0);
    let image_blocks = (img.len() / 2048) as u64;
    let src = FailAfter {
        inner: Cursor::new(img.clone()),
        left: img.len() * 3 / 4,
    };
    let e = image::write(
        rig.rec(),
        src,
        Some(img.len() as u64),
        &WriteOptions::default(),
        &mut no_progress,
    )
    .unwrap_err();
    let Some(burn_cli::Aftermath::Sequential(a)) = e.aftermath() else {
        panic!("{e:?}");
    };
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.sessions.len(), 1, "{m:?}");
    let blocks = m.sessions[0].blocks;
    assert_eq!(
        a.left,
        mmc::engine::LeftBehind::Session {
            number: 1,
            start: 0,
            blocks,
            next_writable: m.next_start,
        }
    );
    assert!(u64::from(blocks) < image_blocks);

    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Unreadable, "{c:#?}");
    let s = &c.sessions[0];
    assert_eq!(
        s.truncated,
        Some(check::Truncation {
            data_end: u64::from(blocks),
            referenced_end: image_blocks,
        }),
        "{c:#?}"
    );
    assert!(s.files.mismatched.is_empty());
    // Both files' data lie (at least partly) past the cut.
    assert_eq!(
        s.files.unreadable,
        vec!["/big.bin".to_string(), "/dir/small.txt".to_string()],
        "{c:#?}"
    );
    assert_eq!(c.blocks_read, u64::from(blocks), "each block once");
}

/// Counts the blocks each READ(10) / READ(12) asks for, by LBA, whether
/// the drive delivers them or not (MMC-6 §6.19, §6.20: LBA in bytes 2–5,
/// transfer length in bytes 7–8 and 6–9).
struct ReadCounter<T> {
    inner: T,
    reads: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<u32, u32>>>,
}

impl<T: mmc::Transport> mmc::Transport for ReadCounter<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: mmc::transport::DataPhase<'_>,
        timeout: std::time::Duration,
    ) -> Result<mmc::transport::Completion, mmc::transport::TransportError> {
        let be = |b: &[u8]| b.iter().fold(0u32, |v, &x| (v << 8) | u32::from(x));
        let run = match cdb.first() {
            Some(0x28) if cdb.len() >= 10 => Some((be(&cdb[2..6]), be(&cdb[7..9]))),
            Some(0xA8) if cdb.len() >= 12 => Some((be(&cdb[2..6]), be(&cdb[6..10]))),
            _ => None,
        };
        if let Some((lba, blocks)) = run {
            let mut reads = self.reads.lock().unwrap();
            for l in lba..lba.saturating_add(blocks) {
                *reads.entry(l).or_default() += 1;
            }
        }
        self.inner.execute(cdb, data, timeout)
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A DVD-R session cut in the middle of a large file: checking it reads
/// the file's recorded blocks once, in the session's pass, and does not
/// read them again (nor try the blocks past the cut) only to find the
/// file incomplete.
#[test]
fn a_file_cut_by_the_end_of_its_session_is_read_once() {
    use mmc::emul::{Emulator, Media};
    let mut rig = Rig::new("dvd-r");
    let img = image_of(&rig, "src", &[("big.bin", 41, 4_000_000)]);
    let src = FailAfter {
        inner: Cursor::new(img.clone()),
        left: img.len() / 2,
    };
    image::write(
        rig.rec(),
        src,
        Some(img.len() as u64),
        &WriteOptions::default(),
        &mut no_progress,
    )
    .unwrap_err();
    let blocks = media::inspect(rig.rec()).unwrap().sessions[0].blocks;
    let big = extents_of(&mut rig, "/big.bin")[0];
    let file_end = big.lba + big.len.div_ceil(2048);
    assert!(
        big.lba + 100 < blocks && blocks + 100 < file_end,
        "{big:?} {blocks}"
    );
    rig.close();

    let reads = std::sync::Arc::default();
    let counter = ReadCounter {
        inner: Emulator::open_with("dvd-r".parse::<Media>().unwrap(), &rig.path, instant())
            .unwrap(),
        reads: std::sync::Arc::clone(&reads),
    };
    let mut rec = recorder(Box::new(counter) as Box<dyn mmc::Transport + Send>);
    let c = check::check(&mut rec, Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Unreadable, "{c:#?}");
    assert_eq!(c.sessions[0].files.unreadable, vec!["/big.bin".to_string()]);
    assert_eq!(c.blocks_read, u64::from(blocks));
    let reads = reads.lock().unwrap();
    let twice: Vec<u32> = (big.lba..blocks)
        .filter(|l| reads.get(l) != Some(&1))
        .collect();
    assert!(
        twice.is_empty(),
        "read other than once: {} blocks from LBA {:?}",
        twice.len(),
        twice.first()
    );
    assert!(
        (blocks..file_end).all(|l| !reads.contains_key(&l)),
        "a READ past the cut"
    );
}

//! Single-session DAO, blanking (including the pseudo-blank), formatting
//! and sessions that do not fit.

use burn_cli::blank::{self, BlankAction};
use burn_cli::check::{self, Verdict, Which};
use burn_cli::media::{self, Layout, Status};
use burn_cli::{no_progress, session};
use mmc::engine::{BlankMode, FormatMode, FormatOutcome};

use crate::util::*;

fn one_file_session(rig: &mut Rig, name: &str, volid: &str, close: bool) -> session::AddReport {
    let s = rig.src(name);
    write_file(&s.join(format!("{name}.bin")), name.len() as u64, 20_000);
    let mut o = add_opts(volid);
    o.close = close;
    session::add(rig.rec(), &[graft(&s, None)], &o, &mut no_progress).unwrap()
}

/// The seed's "DAO test": `-close on` on a blank DVD-R / DVD-RW writes
/// Disc At Once and leaves the disc closed.
fn dao_closed(kind: &str) {
    let mut rig = Rig::new(kind);
    let r = one_file_session(&mut rig, "dao", "DAO", true);
    assert_eq!(r.method.as_deref(), Some("dao"), "{kind}");
    assert!(r.closed);
    assert_eq!(r.start, 0);
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.status, Status::Closed);
    assert_eq!(m.sessions.len(), 1);
    let c = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    rig.close();
    xorriso_files_match(&rig.path, Some(0));
}

#[test]
fn dao_single_session_dvd_r() {
    dao_closed("dvd-r");
}

#[test]
fn dao_single_session_dvd_rw() {
    dao_closed("dvd-rw");
}

/// DVD-RW written incrementally, blanked with deformat_quickest (minimal
/// blank): only DAO is possible afterwards, one closed session.
#[test]
fn dvd_rw_deformat_quickest_then_dao() {
    let mut rig = Rig::new("dvd-rw");
    let r1 = one_file_session(&mut rig, "inc1", "INC1", false);
    assert_eq!(r1.method.as_deref(), Some("incremental"));
    one_file_session(&mut rig, "inc2", "INC2", false);
    let b = blank::blank(rig.rec(), BlankMode::DeformatQuickest, &mut no_progress).unwrap();
    assert_eq!(b.action, BlankAction::Blanked { full: false });
    assert_eq!(b.status, Status::Blank);
    let r = one_file_session(&mut rig, "dao", "DAO", false);
    assert_eq!(r.method.as_deref(), Some("dao"));
    assert!(r.closed, "DAO closes the disc");
    assert_eq!(r.session, 1);
    assert!(r.import.is_none(), "nothing imported from a blanked disc");
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok);
    assert_eq!(c.sessions.len(), 1);
    let s = rig.src("more");
    let e = session::add(
        rig.rec(),
        &[graft(&s, None)],
        &add_opts("X"),
        &mut no_progress,
    )
    .unwrap_err();
    assert!(e.is_unsuitable(), "{e}");
}

/// `blank as_needed` on every rewritable medium with two sessions; on
/// overwritable media and files the pseudo-blank, after which xorriso sees
/// a blank medium and the next session goes to LBA 32 again.
fn blank_as_needed(kind: &str) {
    let mut rig = Rig::new(kind);
    one_file_session(&mut rig, "one", "ONE", false);
    one_file_session(&mut rig, "two", "TWO", false);
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.sessions.len(), 2);
    let b = blank::blank(rig.rec(), BlankMode::AsNeeded, &mut no_progress).unwrap();
    assert_eq!(b.status, Status::Blank, "{kind}: {b:?}");
    let m = media::inspect(rig.rec()).unwrap();
    assert!(m.sessions.is_empty());
    if m.layout == Layout::Emulated {
        // PVD, Joliet SVD, terminator.
        assert_eq!(b.action, BlankAction::Invalidated { descriptors: 3 });
        assert_eq!(m.next_start, Some(32));
        rig.close();
        let b16 = rig.image_blocks(16, 3);
        for i in 0..3 {
            assert_eq!(&b16[i * 2048 + 1..i * 2048 + 6], b"CDXX1", "{kind}");
        }
        let dev = format!("stdio:{}", rig.path.display());
        let (_, text) = xorriso(&["-indev", &dev, "-toc"]);
        assert!(text.contains("Media status : is blank"), "{kind}: {text}");
        assert!(!text.contains("ISO session"), "{kind}: {text}");
        rig.open();
    } else {
        assert!(matches!(b.action, BlankAction::Blanked { .. }), "{kind}");
    }
    let r = one_file_session(&mut rig, "three", "THREE", false);
    assert_eq!(r.session, 1);
    assert!(r.import.is_none());
    if m.layout == Layout::Emulated {
        assert_eq!(r.start, 32);
    } else {
        assert_eq!(r.start, 0);
    }
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{kind}: {c:#?}");
    assert_eq!(c.sessions.len(), 1);
}

#[test]
fn blank_as_needed_cd_rw() {
    blank_as_needed("cd-rw");
}

#[test]
fn blank_as_needed_dvd_rw() {
    blank_as_needed("dvd-rw");
}

#[test]
fn pseudo_blank_dvd_plus_rw() {
    blank_as_needed("dvd+rw");
}

#[test]
fn pseudo_blank_dvd_ram() {
    blank_as_needed("dvd-ram");
}

#[test]
fn pseudo_blank_bd_re() {
    blank_as_needed("bd-re");
}

#[test]
fn pseudo_blank_stdio_file() {
    blank_as_needed("stdio");
}

/// Unknown data in the head of an image file: refused by add, zeroed by
/// the pseudo-blank.
#[test]
fn unknown_data_is_refused_then_zeroed() {
    let mut rig = Rig::new("stdio");
    rig.close();
    std::fs::write(&rig.path, Noise::bytes(9, 100_000)).unwrap();
    rig.open();
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.status, Status::UnknownData);
    let s = rig.src("s");
    write_file(&s.join("f"), 1, 10);
    let e = session::add(
        rig.rec(),
        &[graft(&s, None)],
        &add_opts("X"),
        &mut no_progress,
    )
    .unwrap_err();
    assert!(matches!(e, burn_cli::Error::UnknownData { .. }), "{e}");
    assert!(e.is_unsuitable() && e.hint().is_some());
    rig.close();
    assert_eq!(
        std::fs::read(&rig.path).unwrap(),
        Noise::bytes(9, 100_000),
        "nothing written"
    );
    rig.open();
    let b = blank::blank(rig.rec(), BlankMode::Fast, &mut no_progress).unwrap();
    assert_eq!(b.action, BlankAction::HeadZeroed);
    assert_eq!(b.status, Status::Blank);
    rig.close();
    let data = std::fs::read(&rig.path).unwrap();
    assert!(data[..65536].iter().all(|&b| b == 0));
    assert_eq!(&data[65536..], &Noise::bytes(9, 100_000)[65536..]);
}

/// `blank all`: an image file is truncated, an overwritable disc zeroed
/// over its recorded range.
#[test]
fn full_blank_truncates_a_file_and_zeroes_a_disc() {
    let mut rig = Rig::new("stdio");
    one_file_session(&mut rig, "one", "ONE", false);
    let b = blank::blank(rig.rec(), BlankMode::All, &mut no_progress).unwrap();
    assert_eq!(b.action, BlankAction::Truncated);
    assert_eq!(b.status, Status::Blank);
    rig.close();
    assert_eq!(std::fs::metadata(&rig.path).unwrap().len(), 0);

    let mut rig = Rig::new("dvd+rw");
    let r = one_file_session(&mut rig, "one", "ONE", false);
    let b = blank::blank(rig.rec(), BlankMode::All, &mut no_progress).unwrap();
    let end = burn_cli::round_up_32(u64::from(r.start + r.blocks));
    assert_eq!(b.action, BlankAction::Zeroed { blocks: end });
    rig.close();
    assert!(rig.image_blocks(0, end).iter().all(|&b| b == 0));
}

/// xorriso `-format by_index_N -blank as_needed` on a BD-RE with sessions.
#[test]
fn bd_re_format_by_index() {
    let mut rig = Rig::new("bd-re");
    one_file_session(&mut rig, "one", "ONE", false);
    let info = rig.rec().inspect().unwrap().clone();
    let formats = info.formats().cloned().unwrap();
    let pick = formats
        .offers
        .iter()
        .find(|o| o.format_type == 0x31)
        .or_else(|| formats.offers.last())
        .unwrap()
        .clone();
    let out = rig
        .rec()
        .format(FormatMode::ByIndex(pick.index), &mut no_progress)
        .unwrap();
    assert!(
        matches!(out, FormatOutcome::Formatted { format_type, .. } if format_type == pick.format_type)
    );
    blank::blank(rig.rec(), BlankMode::AsNeeded, &mut no_progress).unwrap();
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.status, Status::Blank);
    assert_eq!(m.capacity_blocks, Some(u64::from(pick.blocks)));
    assert_eq!(m.free_blocks, Some(u64::from(pick.blocks) - 32));
    let r = one_file_session(&mut rig, "two", "TWO", false);
    assert_eq!(r.start, 32);
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok);
}

/// A session larger than the free space is refused before anything is
/// written: the medium's blocks and the emulator's state are unchanged.
fn does_not_fit(kind: &str, bytes: u64) {
    let mut rig = Rig::new(kind);
    let r = one_file_session(&mut rig, "one", "ONE", false);
    let big = rig.src("big");
    let f = std::fs::File::create(big.join("huge.bin")).unwrap();
    f.set_len(bytes).unwrap(); // sparse: never read
    let span = u64::from(r.start + r.blocks) + 4096;
    rig.close();
    let before = md5_hex(&rig.image_blocks(0, span));
    let state = std::fs::read(rig.path.with_extension("img.emul")).ok();
    rig.open();
    let e = session::add(
        rig.rec(),
        &[graft(&big, None)],
        &add_opts("BIG"),
        &mut no_progress,
    )
    .unwrap_err();
    assert!(e.is_unsuitable(), "{kind}: {e}");
    assert!(
        matches!(
            e.drive_error(),
            Some(mmc::Error::Unsuitable(
                mmc::error::Unsuitable::DoesNotFit { .. }
            ))
        ),
        "{kind}: {e}"
    );
    rig.close();
    assert_eq!(md5_hex(&rig.image_blocks(0, span)), before, "{kind}");
    assert_eq!(
        std::fs::read(rig.path.with_extension("img.emul")).ok(),
        state
    );
}

#[test]
fn does_not_fit_cd_r() {
    does_not_fit("cd-r", 900 << 20);
}

#[test]
fn does_not_fit_dvd_plus_rw() {
    does_not_fit("dvd+rw", 5 << 30);
}

#[test]
fn does_not_fit_bd_r() {
    does_not_fit("bd-r", 26 << 30);
}

/// DVD-RW formatted for restricted overwrite: sessions by the emulation.
/// Quick formatted (intermediate state), the first session goes to LBA 0
/// (`mmc-recipes.md` §8.1 exception) and the next one keeps only the
/// single-session view.
fn dvd_rw_overwrite(mode: FormatMode, first_start: u32) {
    let mut rig = Rig::new("dvd-rw");
    let out = rig.rec().format(mode, &mut no_progress).unwrap();
    assert!(matches!(out, FormatOutcome::Formatted { .. }), "{out:?}");
    let m = media::inspect(rig.rec()).unwrap();
    assert_eq!(m.profile_code, 0x0013, "restricted overwrite");
    assert_eq!(m.layout, Layout::Emulated);
    assert_eq!(m.status, Status::Blank);
    assert_eq!(m.next_start, Some(first_start));
    let r1 = one_file_session(&mut rig, "one", "ONE", false);
    assert_eq!(r1.start, first_start);
    let r2 = one_file_session(&mut rig, "two", "TWO", false);
    assert_eq!(
        u64::from(r2.start),
        burn_cli::round_up_32(u64::from(r1.start + r1.blocks))
    );
    let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(c.verdict, Verdict::Ok, "{c:#?}");
    let last = c.sessions.last().unwrap();
    assert_eq!(last.files.matched, 2);
    assert_eq!(last.tags[0].range_start, r2.start);
    rig.close();
    xorriso_files_match(&rig.path, None);
}

#[test]
fn dvd_rw_restricted_overwrite_full_format() {
    dvd_rw_overwrite(FormatMode::AsNeeded, 32);
}

#[test]
fn dvd_rw_intermediate_state_first_session_at_0() {
    dvd_rw_overwrite(FormatMode::Fast, 0);
}

/// Reading from an empty drive: no disc (exit 4 "no disc in the drive" in
/// the CLI), not "blank"; a blank disc stays "blank".
#[test]
fn reading_an_empty_drive_says_no_disc() {
    use burn_cli::{check, disc, verify};
    use mmc::error::Unsuitable;
    let no_disc = |e: burn_cli::Error| {
        assert!(
            matches!(
                e.drive_error(),
                Some(mmc::Error::Unsuitable(Unsuitable::NoMedium))
            ),
            "{e:?}"
        );
        assert!(e.is_unsuitable());
        assert!(!e.to_string().contains("blank"), "{e}");
    };
    for kind in ["bd-r", "dvd+rw"] {
        let mut rig = Rig::new(kind);
        // Blank first: "blank" is right.
        let e = check::check(rig.rec(), check::Which::Newest, &mut no_progress).unwrap_err();
        assert!(matches!(e, burn_cli::Error::Blank(_)), "{kind}: {e:?}");
        one_file_session(&mut rig, "one", "ONE", false);
        rig.rec().eject().unwrap();
        no_disc(check::check(rig.rec(), check::Which::Newest, &mut no_progress).unwrap_err());
        no_disc(check::check(rig.rec(), check::Which::All, &mut no_progress).unwrap_err());
        no_disc(disc::open_image(rig.rec(), None).unwrap_err());
        no_disc(disc::open_image(rig.rec(), Some(1)).unwrap_err());
        no_disc(disc::newest_session_start(rig.rec()).unwrap_err());
        for start in [None, Some(0)] {
            no_disc(
                verify::against_image(
                    rig.rec(),
                    std::io::Cursor::new(vec![0u8; 4096]),
                    4096,
                    start,
                    &mut no_progress,
                )
                .unwrap_err(),
            );
        }
        let m = media::inspect(rig.rec()).unwrap();
        no_disc(m.session(Some(1)).unwrap_err());
        // Loaded again: everything is back.
        rig.rec().load().unwrap();
        let c = check::check(rig.rec(), check::Which::Newest, &mut no_progress).unwrap();
        assert_eq!(c.verdict, check::Verdict::Ok, "{kind}");
    }
}

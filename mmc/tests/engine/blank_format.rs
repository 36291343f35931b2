//! Blanking (`mmc-recipes.md` §4) and formatting (§5).

use mmc::Profile;
use mmc::cmd::{BlankType, FormatUnit};
use mmc::drive::{Drive, Timing};
use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::engine::{
    BlankMode, BlankOutcome, FormatMode, FormatOutcome, MediaKind, MediaStatus, Phase, Recorder,
    SessionOptions, WriteMethod, WriteType, no_progress,
};
use mmc::error::{Error, Unsuitable};

use crate::util::*;

fn write_one<T: mmc::Transport>(rec: &mut Recorder<T>, seed: u64) {
    let size = 500_000;
    let t = rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    rec.write_session(&t, Noise::new(seed, size), Some(size), &mut no_progress)
        .unwrap();
    assert_eq!(rec.inspect().unwrap().status, MediaStatus::Appendable);
}

#[test]
fn cd_rw_blank_as_needed_is_minimal() {
    let mut r = rig(Media::CdRw);
    // Blank already: nothing to do.
    assert_eq!(
        r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
        BlankOutcome::NothingToDo
    );
    write_one(&mut r.rec, 1);
    assert_eq!(
        r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
        BlankOutcome::Blanked(BlankType::Minimal)
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Blank);
    assert_eq!(info.next_writable(), Some(0));
    write_one(&mut r.rec, 2);
    assert_eq!(
        r.rec.blank(BlankMode::All, &mut no_progress).unwrap(),
        BlankOutcome::Blanked(BlankType::Full)
    );
    for mode in [BlankMode::Deformat, BlankMode::DeformatQuickest] {
        let e = r.rec.blank(mode, &mut no_progress).unwrap_err();
        assert!(
            matches!(&e, Error::Unsuitable(Unsuitable::Other(m)) if m.contains("DVD-RW only")),
            "{e}"
        );
    }
}

#[test]
fn dvd_rw_blank_as_needed_is_full_and_keeps_incremental() {
    let mut r = rig(Media::DvdRw);
    write_one(&mut r.rec, 1);
    assert_eq!(
        r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
        BlankOutcome::Blanked(BlankType::Full)
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Blank);
    assert!(info.features.incremental.is_some());
    assert_eq!(
        r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
        BlankOutcome::NothingToDo
    );
}

#[test]
fn dvd_rw_deformat_quickest_then_dao_only() {
    let mut r = rig(Media::DvdRw);
    write_one(&mut r.rec, 1);
    assert_eq!(
        r.rec
            .blank(BlankMode::DeformatQuickest, &mut no_progress)
            .unwrap(),
        BlankOutcome::Blanked(BlankType::Minimal)
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(
        (info.profile, info.status),
        (Profile::DVD_RW_SEQ, MediaStatus::Blank)
    );
    assert!(info.features.incremental.is_none(), "0021h is gone");

    // Incremental asked explicitly: refused before anything is written.
    let before = r.emu().state_text();
    let o = SessionOptions {
        write_type: WriteType::Incremental,
        ..SessionOptions::default()
    };
    let size = 300_000;
    let e = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap_err();
    assert!(e.to_string().contains("incremental"), "{e}");
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    let mut o_t = t.clone();
    o_t.options = o;
    assert!(
        r.rec
            .write_session(&o_t, Noise::new(2, size), Some(size), &mut no_progress)
            .is_err()
    );
    assert_eq!(r.emu().state_text(), before);

    // Automatic choice: DAO (the only mode left), which closes the disc.
    assert_eq!(t.method(Some(size)).unwrap(), WriteMethod::Dao);
    assert!(t.method(None).is_err(), "DAO needs the size");
    let rep = r
        .rec
        .write_session(&t, Noise::new(2, size), Some(size), &mut no_progress)
        .unwrap();
    assert_eq!(rep.method, WriteMethod::Dao);
    assert_eq!(rep.closure, mmc::engine::Closure::Disc);
    assert_eq!(r.rec.inspect().unwrap().status, MediaStatus::Closed);
    assert_eq!(read_md5(&mut r.rec, 0, size), Noise::md5(2, size));
}

#[test]
fn dvd_rw_format_and_deformat() {
    let mut r = rig(Media::DvdRw);
    let out = r
        .rec
        .format(FormatMode::AsNeeded, &mut no_progress)
        .unwrap();
    assert_eq!(
        out,
        FormatOutcome::Formatted {
            format_type: 0x00,
            blocks: 2_298_496,
            background: false
        }
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::DVD_RW_RO);
    assert_eq!(info.kind, MediaKind::Overwritable);
    assert!(info.erasable);
    // Formatted: as-needed does nothing more; blanking is a pseudo-blank.
    assert_eq!(
        r.rec
            .format(FormatMode::AsNeeded, &mut no_progress)
            .unwrap(),
        FormatOutcome::NothingToDo
    );
    assert_eq!(
        r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
        BlankOutcome::PseudoBlankNeeded { full: false }
    );
    // Deformat: back to sequential with Incremental Streaming.
    assert_eq!(
        r.rec.blank(BlankMode::Deformat, &mut no_progress).unwrap(),
        BlankOutcome::Blanked(BlankType::Full)
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::DVD_RW_SEQ);
    assert!(info.features.incremental.is_some());
}

#[test]
fn overwritable_media_need_a_pseudo_blank() {
    for media in [Media::DvdPlusRw, Media::BdRe, Media::DvdRam] {
        let mut r = rig(media);
        let before = r.emu().state_text();
        assert_eq!(
            r.rec.blank(BlankMode::AsNeeded, &mut no_progress).unwrap(),
            BlankOutcome::PseudoBlankNeeded { full: false },
            "{media}"
        );
        assert_eq!(
            r.rec.blank(BlankMode::Fast, &mut no_progress).unwrap(),
            BlankOutcome::PseudoBlankNeeded { full: false }
        );
        assert_eq!(
            r.rec.blank(BlankMode::All, &mut no_progress).unwrap(),
            BlankOutcome::PseudoBlankNeeded { full: true }
        );
        assert!(r.rec.blank(BlankMode::Deformat, &mut no_progress).is_err());
        assert_eq!(r.emu().state_text(), before, "{media}: nothing sent");
    }
}

#[test]
fn write_once_media_cannot_be_blanked() {
    for media in [Media::CdR, Media::DvdR, Media::DvdPlusR, Media::BdR] {
        let mut r = rig(media);
        let e = r.rec.blank(BlankMode::Fast, &mut no_progress).unwrap_err();
        assert!(e.to_string().contains("cannot be blanked"), "{media}: {e}");
        let e = r
            .rec
            .blank(BlankMode::AsNeeded, &mut no_progress)
            .unwrap_err();
        assert!(e.is_unsuitable(), "{e}");
    }
}

#[test]
fn blank_reports_progress_while_polling() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disc.img");
    let emu = Emulator::open_with(
        Media::DvdRw,
        &path,
        EmulOptions {
            time_scale: 0.02,
            ..EmulOptions::default()
        },
    )
    .unwrap();
    let mut rec = Recorder::new(Drive::with_timing(emu, Timing::fast()));
    let mut phases = Vec::new();
    rec.blank(BlankMode::All, &mut |p| {
        phases.push((p.phase, p.fraction));
    })
    .unwrap();
    assert!(!phases.is_empty());
    assert!(phases.iter().all(|p| p.0 == Phase::Blanking));
    // The drive's progress indication while it ran, then done.
    assert!(
        phases.iter().any(|p| p.1.is_some_and(|f| f < 1.0)),
        "{phases:?}"
    );
}

#[test]
fn bd_re_format_list_and_by_index() {
    let mut r = rig(Media::BdRe);
    let info = r.rec.inspect().unwrap().clone();
    let f = info.formats().cloned().unwrap();
    assert_eq!(f.state, mmc::engine::FormatState::Unformatted);
    let offers: Vec<(usize, u8, u32)> = f
        .offers
        .iter()
        .map(|o| (o.index, o.format_type, o.blocks))
        .collect();
    assert_eq!(
        offers,
        vec![
            (0, 0x00, 11_826_176),
            (1, 0x30, 11_826_176),
            (2, 0x30, 11_564_032),
            (3, 0x30, 12_088_320),
            (4, 0x31, 12_219_392),
        ]
    );
    assert_eq!(f.offers[4].meaning(), "format without spare areas");
    // Unformatted: the as-needed size is the default format's.
    assert_eq!(info.capacity, Some(11_826_176));

    r.rec
        .format(FormatMode::ByIndex(4), &mut no_progress)
        .unwrap();
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(12_219_392));
    r.rec
        .format(FormatMode::ByIndex(0), &mut no_progress)
        .unwrap();
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(11_826_176));
    r.rec
        .format(FormatMode::WithoutSpare, &mut no_progress)
        .unwrap();
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(12_219_392));
    // A size between the spare extremes (30h), in whole clusters.
    r.rec
        .format(FormatMode::BySize(12_000_000), &mut no_progress)
        .unwrap();
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(12_000_000));
    r.rec.format(FormatMode::Full, &mut no_progress).unwrap();
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(11_826_176));
    assert!(matches!(
        r.rec.format(FormatMode::ByIndex(9), &mut no_progress),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        r.rec.format(FormatMode::BySize(5), &mut no_progress),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn bd_r_format_is_srm_without_pow() {
    let mut r = rig(Media::BdR);
    assert_eq!(
        r.rec
            .format(FormatMode::AsNeeded, &mut no_progress)
            .unwrap(),
        FormatOutcome::NothingToDo
    );
    r.rec.format(FormatMode::Full, &mut no_progress).unwrap();
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.kind, MediaKind::SequentialPlusOrBd);
    assert!(!info.features.bd_r_pow);
    assert_eq!(info.status, MediaStatus::Blank);
    assert_eq!(info.capacity, Some(11_826_176));
    write_one(&mut r.rec, 3);
    // Formatted or written: no second format.
    assert!(r.rec.format(FormatMode::Full, &mut no_progress).is_err());
}

#[test]
fn bd_r_pow_is_refused() {
    let mut r = rig(Media::BdR);
    // Formatted for Pseudo-Overwrite by another program (sub-type 00b).
    let pow = FormatUnit {
        fov: true,
        ..FormatUnit::new(0x00, 11_826_176, 0x3000)
    };
    r.rec.drive_mut().send(&pow).unwrap();
    let info = r.rec.inspect().unwrap().clone();
    assert!(info.features.bd_r_pow);
    assert_eq!(info.kind, MediaKind::Unsupported(Unsuitable::BdRPow));
    let before = r.emu().state_text();
    for e in [
        r.rec
            .prepare(&SessionOptions::default(), Some(1000), &mut no_progress)
            .unwrap_err(),
        r.rec
            .format(FormatMode::Full, &mut no_progress)
            .unwrap_err(),
        r.rec
            .overwrite(&Default::default(), &mut no_progress)
            .unwrap_err(),
        r.rec.blank(BlankMode::Fast, &mut no_progress).unwrap_err(),
    ] {
        assert!(matches!(e, Error::Unsuitable(Unsuitable::BdRPow)), "{e}");
        assert_eq!(
            e.to_string(),
            "BD-R formatted for Pseudo-Overwrite is not supported"
        );
    }
    assert_eq!(r.emu().state_text(), before);
}

#[test]
fn dvd_plus_rw_background_format() {
    let mut r = rig(Media::DvdPlusRw);
    assert_eq!(
        r.rec
            .format(FormatMode::AsNeeded, &mut no_progress)
            .unwrap(),
        FormatOutcome::Formatted {
            format_type: 0x26,
            blocks: u32::MAX,
            background: true
        }
    );
    assert_eq!(
        r.rec
            .format(FormatMode::AsNeeded, &mut no_progress)
            .unwrap(),
        FormatOutcome::NothingToDo
    );
    assert_eq!(r.rec.inspect().unwrap().capacity, Some(2_295_104));
    assert!(
        r.rec
            .format(FormatMode::WithoutSpare, &mut no_progress)
            .is_err()
    );
}

#[test]
fn formats_that_do_not_apply() {
    for media in [Media::CdR, Media::CdRw, Media::DvdR, Media::DvdPlusR] {
        let mut r = rig(media);
        let e = r
            .rec
            .format(FormatMode::Full, &mut no_progress)
            .unwrap_err();
        assert!(
            e.to_string().contains("cannot be formatted"),
            "{media}: {e}"
        );
    }
    let mut r = rig(Media::DvdRam);
    assert_eq!(
        r.rec
            .format(FormatMode::AsNeeded, &mut no_progress)
            .unwrap(),
        FormatOutcome::NothingToDo
    );
    assert!(matches!(
        r.rec.format(FormatMode::Fast, &mut no_progress).unwrap(),
        FormatOutcome::Formatted {
            format_type: 0x00,
            ..
        }
    ));
}

//! Checks before the first write: a session that does not fit, simulation
//! where it is not offered, write types that do not apply — refused with
//! nothing written (`mmc-recipes.md` §6.1 step 1).

use std::io::{self, Read};

use mmc::emul::Media;
use mmc::engine::{SessionOptions, WriteMethod, WriteType, no_progress};
use mmc::error::{Error, Unsuitable};

use crate::util::*;

/// A source that must never be read.
struct Untouchable;

impl Read for Untouchable {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        panic!("the source was read although the session was refused");
    }
}

#[test]
fn a_session_that_does_not_fit_is_refused_with_nothing_written() {
    for media in [Media::CdR, Media::DvdR, Media::DvdPlusR, Media::BdR] {
        let mut r = rig(media);
        let before = r.emu().state_text();
        let free = r.rec.inspect().unwrap().free_blocks().unwrap();
        // Exactly the free space fits once padding is counted …
        let t = r
            .rec
            .prepare(&SessionOptions::default(), None, &mut no_progress)
            .unwrap();
        let max = t.max_image_blocks();
        assert!(t.check_fits(max * 2048).is_ok(), "{media}");
        // … one block more does not.
        let too_big = (max + 1) * 2048;
        let e = t.check_fits(too_big).unwrap_err();
        assert!(
            matches!(e, Error::Unsuitable(Unsuitable::DoesNotFit { free: f, need }) if f == free && need > free),
            "{media}: {e}"
        );
        let e = r
            .rec
            .prepare(&SessionOptions::default(), Some(too_big), &mut no_progress)
            .unwrap_err();
        assert!(matches!(
            e,
            Error::Unsuitable(Unsuitable::DoesNotFit { .. })
        ));
        let e = r
            .rec
            .write_session(&t, Untouchable, Some(too_big), &mut no_progress)
            .unwrap_err();
        assert!(
            e.to_string().contains("blocks but only") && e.is_unsuitable(),
            "{e}"
        );
        assert_eq!(r.emu().state_text(), before, "{media}: nothing written");
        assert!(r.emu().summary().tracks.is_empty());
    }
}

#[test]
fn simulation_is_refused_where_not_offered() {
    // The emulated drive offers no Test Write (features 002Dh/002Eh/002Fh
    // without the bit); DVD+R and BD-R have no simulation at all.
    for (media, text) in [
        (Media::CdR, "does not offer simulation"),
        (Media::DvdR, "does not offer simulation"),
        (Media::DvdPlusR, "only CD-R/RW and DVD-R/RW"),
        (Media::BdR, "only CD-R/RW and DVD-R/RW"),
    ] {
        let mut r = rig(media);
        let before = r.emu().state_text();
        let o = SessionOptions {
            dummy: true,
            ..SessionOptions::default()
        };
        let e = r
            .rec
            .prepare(&o, Some(100_000), &mut no_progress)
            .unwrap_err();
        assert!(e.to_string().contains(text), "{media}: {e}");
        let mut t = r
            .rec
            .prepare(&SessionOptions::default(), Some(100_000), &mut no_progress)
            .unwrap();
        t.options.dummy = true;
        let e = r
            .rec
            .write_session(&t, Untouchable, Some(100_000), &mut no_progress)
            .unwrap_err();
        assert!(e.to_string().contains(text), "{media}: {e}");
        assert_eq!(r.emu().state_text(), before);
    }
}

#[test]
fn write_types_that_do_not_apply() {
    let mut r = rig(Media::CdR);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap();
    // SAO needs the size; without it the automatic choice is TAO.
    assert_eq!(t.method(None).unwrap(), WriteMethod::CdTao);
    assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::CdSao);
    let mut sao = t.clone();
    sao.options.write_type = WriteType::Sao;
    assert!(sao.method(None).is_err());
    let mut inc = t.clone();
    inc.options.write_type = WriteType::Incremental;
    assert!(
        inc.method(Some(1))
            .unwrap_err()
            .to_string()
            .contains("DVD-R/RW")
    );

    // DVD-R: DAO needs the size; Incremental does not.
    let mut r = rig(Media::DvdR);
    let mut t = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap();
    assert_eq!(t.method(None).unwrap(), WriteMethod::Incremental);
    t.options.close = true;
    assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Dao);
    assert_eq!(t.method(None).unwrap(), WriteMethod::Incremental);
    t.options.write_type = WriteType::Dao;
    assert!(t.method(None).is_err());

    // DVD+R / BD-R: reserved only with a size, else open-ended.
    let mut r = rig(Media::BdR);
    let mut t = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap();
    assert_eq!(t.chunk_blocks, 32);
    assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::Reserved);
    assert_eq!(t.method(None).unwrap(), WriteMethod::OpenEnded);
    t.options.reserve = false;
    assert_eq!(t.method(Some(1)).unwrap(), WriteMethod::OpenEnded);
}

#[test]
fn a_disc_changed_since_prepare_is_refused() {
    let mut r = rig(Media::DvdPlusR);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(100_000), &mut no_progress)
        .unwrap();
    r.rec
        .write_session(&t, Noise::new(1, 100_000), Some(100_000), &mut no_progress)
        .unwrap();
    // The same target again: the NWA has moved.
    let e = r
        .rec
        .write_session(&t, Untouchable, Some(100_000), &mut no_progress)
        .unwrap_err();
    assert!(e.to_string().contains("changed since"), "{e}");
}

#[test]
fn no_medium() {
    let mut r = rig(Media::DvdPlusR);
    assert_eq!(r.rec.eject().unwrap(), mmc::engine::TrayOutcome::Done);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.kind, mmc::engine::MediaKind::NoMedium);
    assert_eq!(info.status, mmc::engine::MediaStatus::Empty);
    assert!(!r.emu().summary().loaded);
    let e = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap_err();
    assert!(matches!(e, Error::Unsuitable(Unsuitable::NoMedium)), "{e}");
    assert_eq!(r.rec.load().unwrap(), mmc::engine::TrayOutcome::Done);
    assert_eq!(
        r.rec.inspect().unwrap().status,
        mmc::engine::MediaStatus::Blank
    );
}

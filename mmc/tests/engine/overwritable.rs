//! Overwritable media: format as needed, random writes, the session +
//! head sequence of the multisession emulation (`mmc-recipes.md` §8.2).

use mmc::cmd::FormatUnit;
use mmc::drive::{Drive, Timing};
use mmc::emul::Media;
use mmc::engine::{
    BlockRange, Finish, FormatMode, FormatOutcome, MediaKind, MediaStatus, OverwriteOptions,
    ReadOptions, Recorder, SessionOptions, no_progress,
};
use mmc::error::{Error, Unsuitable};
use mmc::stdio::StdioDrive;
use mmc::{Profile, Transport};

use crate::util::*;

/// A fake 64 KiB head: recognisable bytes per session.
fn head(n: u8) -> Vec<u8> {
    let mut h = vec![0u8; 32 * 2048];
    for (i, b) in h.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(n) ^ n;
    }
    h
}

/// Two emulated sessions: session at S, sync, head at 0, finish; each
/// session starts at a multiple of 32 after the previous one. Checks data,
/// head and the finish step.
fn two_sessions<T: Transport>(rec: &mut Recorder<T>, expect_finish: Finish) -> u64 {
    let sizes = [(11u64, 3_333_333u64), (12, 777_777)];
    let mut s = 32u32;
    let mut capacity = 0;
    for (i, &(seed, size)) in sizes.iter().enumerate() {
        let mut ow = rec
            .overwrite(&OverwriteOptions::default(), &mut no_progress)
            .unwrap();
        capacity = ow.capacity();
        let rep = ow
            .write_at(s, Noise::new(seed, size), Some(size), &mut no_progress)
            .unwrap();
        assert_eq!((rep.start, rep.bytes), (s, size));
        assert_eq!(rep.blocks, size.div_ceil(2048));
        ow.sync(&mut no_progress).unwrap();
        ow.write_blocks(0, &head(i as u8 + 1)).unwrap();
        let fin = ow.finish(&mut no_progress).unwrap();
        if i == 0 {
            assert_eq!(fin, expect_finish);
        }
        assert_eq!(
            read_md5(rec, s, size),
            Noise::md5(seed, size),
            "session {i}"
        );
        assert_eq!(read_md5(rec, 0, 32 * 2048), md5_of(&head(i as u8 + 1)));
        s = (s + rep.blocks as u32).div_ceil(32) * 32;
    }
    // The first session is intact under the second head.
    let (seed, size) = sizes[0];
    assert_eq!(read_md5(rec, 32, size), Noise::md5(seed, size));
    capacity
}

#[test]
fn dvd_plus_rw_formats_in_the_background_and_stops_it() {
    let mut r = rig(Media::DvdPlusRw);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.kind, MediaKind::Overwritable);
    // Never formatted: nothing on it.
    assert_eq!(info.status, MediaStatus::Blank);
    assert_eq!(info.bg_format, mmc::cmd::BgFormatStatus::None);
    let cap = two_sessions(&mut r.rec, Finish::StoppedBackgroundFormat);
    assert_eq!(cap, 2_295_104);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::DecidedByContent);
    assert!(info.sessions.is_empty());
    assert_eq!(info.capacity, Some(2_295_104));
}

#[test]
fn bd_re_is_formatted_before_the_first_write() {
    let mut r = rig(Media::BdRe);
    assert_eq!(r.rec.inspect().unwrap().status, MediaStatus::Blank);
    let cap = two_sessions(&mut r.rec, Finish::Nothing);
    // The drive default (00h): with spare areas (`mmc-recipes.md` §2).
    assert_eq!(cap, 11_826_176);
}

#[test]
fn dvd_ram_is_sold_formatted() {
    let mut r = rig(Media::DvdRam);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::DecidedByContent);
    assert_eq!(two_sessions(&mut r.rec, Finish::Nothing), 2_236_704);
}

#[test]
fn dvd_rw_quick_format_intermediate_state() {
    let mut r = rig(Media::DvdRw);
    let out = r.rec.format(FormatMode::Fast, &mut no_progress).unwrap();
    assert!(matches!(
        out,
        FormatOutcome::Formatted {
            format_type: 0x15,
            ..
        }
    ));
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::DVD_RW_RO);
    assert!(info.dvd_rw_intermediate());
    two_sessions(&mut r.rec, Finish::ClosedIntermediate);
    let info = r.rec.inspect().unwrap().clone();
    assert!(!info.dvd_rw_intermediate());
}

#[test]
fn dvd_rw_restricted_overwrite_grows_and_merges_ecc_blocks() {
    let mut r = rig(Media::DvdRw);
    // A small quick format (15h, 3200 blocks), written and closed.
    r.rec
        .drive_mut()
        .send(&FormatUnit::new(0x15, 3200, 16))
        .unwrap();
    r.rec
        .drive_mut()
        .wait_ready(mmc::drive::WaitKind::Format, None, &mut |_| {})
        .unwrap();
    let mut ow = r
        .rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .unwrap();
    assert_eq!(ow.alignment(), 16);
    let first = Noise::bytes(21, 64 * 2048);
    ow.write_blocks(32, &first).unwrap();
    assert_eq!(
        ow.finish(&mut no_progress).unwrap(),
        Finish::ClosedIntermediate
    );
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.capacity, Some(3200));
    assert_eq!(
        info.formats().unwrap().offer(0x13).unwrap().blocks,
        2_298_496 - 3200
    );

    // Three blocks inside the ECC block 32..48, unaligned both ends: the
    // rest of the unit keeps its data (read-modify-write).
    let mut ow = r
        .rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .unwrap();
    let patch = Noise::bytes(22, 3 * 2048);
    ow.write_blocks(40, &patch).unwrap();
    // A write ending beyond the formatted size: quick grow 13h first.
    let size = 2_000_000u64;
    ow.write_at(3168, Noise::new(23, size), Some(size), &mut no_progress)
        .unwrap();
    assert!(ow.capacity() >= 3168 + size.div_ceil(2048));
    assert!(ow.is_intermediate());
    assert_eq!(
        ow.finish(&mut no_progress).unwrap(),
        Finish::ClosedIntermediate
    );

    let mut expect = first.clone();
    expect[8 * 2048..11 * 2048].copy_from_slice(&patch);
    assert_eq!(read_md5(&mut r.rec, 32, 64 * 2048), md5_of(&expect));
    assert_eq!(read_md5(&mut r.rec, 3168, size), Noise::md5(23, size));
}

#[test]
fn writes_beyond_the_capacity_are_refused_before_writing() {
    let mut r = rig(Media::DvdRam);
    let before = r.emu().state_text();
    let mut ow = r
        .rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .unwrap();
    let cap = ow.capacity();
    let e = ow
        .write_at(
            (cap - 10) as u32,
            std::io::repeat(1),
            Some(11 * 2048),
            &mut no_progress,
        )
        .unwrap_err();
    assert!(
        matches!(e, Error::Unsuitable(Unsuitable::DoesNotFit { need, free }) if need == cap + 1 && free == cap),
        "{e}"
    );
    drop(ow);
    assert_eq!(r.emu().state_text(), before);
    assert_eq!(r.emu().summary().cache_fill, 0);
    // Nothing readable was changed at the end of the disc.
    let mut seen = Vec::new();
    r.rec
        .checkread(
            BlockRange::new((cap - 10) as u32, 10),
            &ReadOptions::default(),
            &mut |_: u32, d: &[u8]| {
                seen.extend_from_slice(d);
                Ok(())
            },
            &mut no_progress,
        )
        .unwrap();
    assert!(seen.iter().all(|&b| b == 0));
}

#[test]
fn sequential_api_refuses_overwritable_media() {
    let mut r = rig(Media::BdRe);
    let e = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    let mut r = rig(Media::DvdPlusR);
    let e = r
        .rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
}

#[test]
fn stdio_file_is_an_overwritable_medium() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.iso");
    let dev = StdioDrive::open(&path, true).unwrap();
    let mut rec = Recorder::new(Drive::with_timing(dev, Timing::fast()));
    let info = rec.inspect().unwrap().clone();
    assert_eq!(
        (info.profile, info.kind.clone()),
        (Profile::STDIO, MediaKind::Overwritable)
    );
    assert!(info.features.random_writable);
    two_sessions(&mut rec, Finish::Nothing);
    drop(rec);
    // The file holds exactly what was written: head, then the sessions.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..32 * 2048], &head(2)[..]);
    assert_eq!(
        md5_of(&bytes[32 * 2048..32 * 2048 + 3_333_333]),
        Noise::md5(11, 3_333_333)
    );
    let s2 = (32 + 3_333_333u64.div_ceil(2048)).div_ceil(32) * 32;
    assert_eq!(
        bytes.len() as u64,
        (s2 + 777_777u64.div_ceil(2048)) * 2048,
        "the last block is padded, nothing more"
    );
}

#[test]
fn heads_of_blank_media_read_as_unrecorded() {
    use mmc::engine::is_unrecorded;
    for media in [Media::BdRe, Media::DvdPlusRw, Media::DvdPlusR, Media::CdR] {
        let mut r = rig(media);
        let e = r.rec.read_blocks(0, 32).unwrap_err();
        assert!(is_unrecorded(&e), "{media}: {e}");
    }
    // A formatted DVD-RAM reads zeros.
    let mut r = rig(Media::DvdRam);
    let head = r.rec.read_blocks(0, 32).unwrap();
    assert!(head.iter().all(|&b| b == 0));
    // An empty image file.
    let dir = tempfile::tempdir().unwrap();
    let dev = StdioDrive::open(&dir.path().join("new.iso"), true).unwrap();
    let mut rec = Recorder::new(Drive::with_timing(dev, Timing::fast()));
    let e = rec.read_blocks(0, 32).unwrap_err();
    assert!(is_unrecorded(&e), "{e}");
    assert!(!is_unrecorded(&Error::Cancelled));
}

#[test]
fn bd_re_stream_recording() {
    // Whole 64 KiB chunks go out as WRITE(12) with Streaming: any WRITE(10)
    // fails here.
    let mut r = faulty_rig(Media::BdRe);
    r.faults()
        .fail_nth_times(0x2A, 1, u64::MAX, mmc::fault::write_error());
    let size = 80 * 65536u64;
    let mut ow = r
        .rec
        .overwrite(
            &OverwriteOptions {
                stream_recording: true,
                ..OverwriteOptions::default()
            },
            &mut no_progress,
        )
        .unwrap();
    ow.write_at(64, Noise::new(31, size), Some(size), &mut no_progress)
        .unwrap();
    assert_eq!(ow.finish(&mut no_progress).unwrap(), Finish::Nothing);
    assert_eq!(r.faults().injected(), 0);
    assert_eq!(read_md5(&mut r.rec, 64, size), Noise::md5(31, size));
}

#[test]
fn overwrite_from_a_producer() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.iso");
    let dev = StdioDrive::open(&path, true).unwrap();
    let mut rec = Recorder::new(Drive::with_timing(dev, Timing::fast()));
    let size = 1_000_003u64;
    let data = Noise::bytes(41, size);
    let mut ow = rec
        .overwrite(&OverwriteOptions::default(), &mut no_progress)
        .unwrap();
    let rep = ow
        .write_at_from(
            32,
            |w| {
                for piece in data.chunks(65_537) {
                    std::io::Write::write_all(w, piece)?;
                }
                Ok(())
            },
            None,
            &mut no_progress,
        )
        .unwrap();
    assert_eq!((rep.bytes, rep.blocks), (size, size.div_ceil(2048)));
    ow.finish(&mut no_progress).unwrap();
    assert_eq!(read_md5(&mut rec, 32, size), Noise::md5(41, size));
}

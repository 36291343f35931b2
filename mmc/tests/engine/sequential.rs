//! Sequential media: sessions at the NWA, multi-session, closing
//! (`mmc-recipes.md` §6, §7).

use mmc::Profile;
use mmc::emul::Media;
use mmc::engine::{
    Closure, MediaKind, MediaStatus, ReadOptions, SessionOptions, WriteMethod, WriteType,
    no_progress,
};
use mmc::error::{Error, Unsuitable};

use crate::util::*;

/// Three sessions of sizes that are not multiples of any chunk.
const SESSIONS: [(u64, u64); 3] = [(1, 1_234_567), (2, 345_679), (3, 2_000_001)];

/// Writes the three sessions with default options (close off), checking
/// NWA, TOC and data after each, then checkreads all, closes the disc and
/// checks that writing is refused. Returns the reports.
fn multisession(media: Media, expect: &[(WriteMethod, u64)]) -> Vec<mmc::engine::WriteReport> {
    let mut r = rig(media);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Blank, "{media}");
    assert!(info.kind.is_sequential(), "{media}: {:?}", info.kind);
    assert_eq!(info.next_writable(), Some(0));
    assert!(info.sessions.is_empty());

    let mut reports = Vec::new();
    for (i, &(seed, size)) in SESSIONS.iter().enumerate() {
        let before = r.rec.inspect().unwrap().clone();
        let target = r
            .rec
            .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
            .unwrap();
        assert_eq!(
            Some(target.start),
            before.next_writable(),
            "{media} session {i}"
        );
        assert_eq!(target.msc1, before.msc1());
        assert_eq!(target.first_session, i == 0);
        assert_eq!(target.free_blocks, before.free_blocks().unwrap());

        let mut reports_seen = 0;
        let rep = r
            .rec
            .write_session(&target, Noise::new(seed, size), Some(size), &mut |_| {
                reports_seen += 1
            })
            .unwrap();
        assert!(reports_seen > 0);
        assert_eq!(rep.start, target.start);
        assert_eq!(rep.image_bytes, size);
        assert_eq!(rep.image_blocks, size.div_ceil(2048));
        assert_eq!(
            (rep.method, rep.blocks_written),
            expect[i],
            "{media} session {i}"
        );
        assert_eq!(rep.closure, Closure::Session);

        let after = r.rec.inspect().unwrap().clone();
        assert_eq!(after.status, MediaStatus::Appendable, "{media} session {i}");
        assert!(!after.last_session_open);
        assert_eq!(after.sessions.len(), i + 1, "{media}: {:?}", after.sessions);
        let s = after.sessions.last().unwrap();
        assert_eq!((s.number as usize, s.start), (i + 1, target.start));
        assert!(s.blocks as u64 >= rep.blocks_written, "{s:?} {rep:?}");
        assert_eq!(after.msc1(), Some(target.start));
        let nwa = after.next_writable().unwrap();
        assert!(nwa as u64 >= s.end(), "NWA {nwa} inside {s:?}");
        // The engine reads the NWA; it must agree with the drive's model.
        assert_eq!(Some(nwa), r.emu().summary().next_writable);
        assert_eq!(
            after.capacity,
            Some(nwa as u64 + after.free_blocks().unwrap())
        );
        assert_eq!(
            read_md5(&mut r.rec, target.start, size),
            Noise::md5(seed, size),
            "{media} session {i}"
        );
        reports.push(rep);
    }
    assert_eq!(r.emu().summary().complete_sessions, 3);

    // Checkread all sessions in one map.
    let mut blocks = 0u64;
    let map = r
        .rec
        .checkread_all(
            &ReadOptions::default(),
            &mut |_: u32, d: &[u8]| {
                blocks += d.len() as u64 / 2048;
                Ok(())
            },
            &mut no_progress,
        )
        .unwrap();
    assert!(map.is_all_good(), "{media}: {:?}", map.runs);
    let info = r.rec.info().unwrap().clone();
    let listed: u64 = info.sessions.iter().map(|s| s.blocks as u64).sum();
    let run_out = map.count(mmc::engine::Quality::RunOut);
    assert_eq!(blocks + run_out, listed);

    // Close the disc; nothing more can be written, the data stays.
    assert_eq!(r.rec.close_disc(&mut no_progress).unwrap(), Closure::Disc);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Closed);
    assert_eq!(info.sessions.len(), 3);
    assert!(info.next_writable().is_none());
    let e = r
        .rec
        .prepare(&SessionOptions::default(), Some(1000), &mut no_progress)
        .unwrap_err();
    assert!(matches!(e, Error::Unsuitable(Unsuitable::Closed)), "{e}");
    let (seed, size) = SESSIONS[1];
    assert_eq!(
        read_md5(&mut r.rec, info.sessions[1].start, size),
        Noise::md5(seed, size)
    );
    reports
}

#[test]
fn cd_r_sao_then_tao_sessions() {
    // Blank CD with known size: SAO; then TAO. CD padding: image + 150,
    // at least 300 blocks (`mmc-recipes.md` §6.6).
    let reps = multisession(
        Media::CdR,
        &[
            (WriteMethod::CdSao, 603 + 150),
            (WriteMethod::CdTao, 169 + 150),
            (WriteMethod::CdTao, 977 + 150),
        ],
    );
    // NWA after a session = lead-out + 11 400 after the first session,
    // + 6 900 after later ones (cookbook "Obtaining a Table Of Content from
    // CD"); TAO tracks end with 2 run-out blocks.
    assert_eq!(reps[1].start, 753 + 11_400);
    assert_eq!(reps[2].start, reps[1].start + 319 + 2 + 6_900);
}

#[test]
fn cd_rw_tao_sessions() {
    let mut r = rig(Media::CdRw);
    let o = SessionOptions {
        write_type: WriteType::Tao,
        ..SessionOptions::default()
    };
    let mut starts = Vec::new();
    for &(seed, size) in &SESSIONS[..2] {
        let t = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap();
        let rep = r
            .rec
            .write_session(&t, Noise::new(seed, size), Some(size), &mut no_progress)
            .unwrap();
        assert_eq!(rep.method, WriteMethod::CdTao);
        starts.push(t.start);
    }
    // 603 + 150 blocks + 2 run-out, then the first-session gap.
    assert_eq!(starts, vec![0, 753 + 2 + 11_400]);
    let info = r.rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::CD_RW);
    assert!(info.erasable);
    assert_eq!(info.sessions[0].tracks[0].blocks, 755);
    for (i, &(seed, size)) in SESSIONS[..2].iter().enumerate() {
        assert_eq!(
            read_md5(&mut r.rec, starts[i], size),
            Noise::md5(seed, size)
        );
    }
}

#[test]
fn dvd_r_incremental_sessions() {
    multisession(
        Media::DvdR,
        &[
            (WriteMethod::Incremental, 608),
            (WriteMethod::Incremental, 176),
            (WriteMethod::Incremental, 992),
        ],
    );
}

#[test]
fn dvd_rw_incremental_sessions() {
    multisession(
        Media::DvdRw,
        &[
            (WriteMethod::Incremental, 608),
            (WriteMethod::Incremental, 176),
            (WriteMethod::Incremental, 992),
        ],
    );
}

#[test]
fn dvd_plus_r_reserved_sessions() {
    multisession(
        Media::DvdPlusR,
        &[
            (WriteMethod::Reserved, 608),
            (WriteMethod::Reserved, 176),
            (WriteMethod::Reserved, 992),
        ],
    );
}

#[test]
fn dvd_plus_r_dl_sessions() {
    multisession(
        Media::DvdPlusRDl,
        &[
            (WriteMethod::Reserved, 608),
            (WriteMethod::Reserved, 176),
            (WriteMethod::Reserved, 992),
        ],
    );
}

#[test]
fn bd_r_sessions_in_64k_clusters() {
    let reps = multisession(
        Media::BdR,
        &[
            (WriteMethod::Reserved, 608),
            (WriteMethod::Reserved, 192),
            (WriteMethod::Reserved, 992),
        ],
    );
    // BD-R SRM sessions have no lead-in/lead-out zones: the next session
    // starts at the next cluster.
    assert_eq!(reps[1].start, 608);
    assert_eq!(reps[2].start, 608 + 192);
}

#[test]
fn dvd_plus_r_open_ended_without_size() {
    let mut r = rig(Media::DvdPlusR);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), None, &mut no_progress)
        .unwrap();
    assert_eq!(t.method(None).unwrap(), WriteMethod::OpenEnded);
    let (seed, size) = SESSIONS[0];
    let rep = r
        .rec
        .write_session(&t, Noise::new(seed, size), None, &mut no_progress)
        .unwrap();
    assert_eq!(
        (rep.method, rep.blocks_written),
        (WriteMethod::OpenEnded, 608)
    );
    assert_eq!(read_md5(&mut r.rec, 0, size), Noise::md5(seed, size));
    assert_eq!(r.rec.inspect().unwrap().status, MediaStatus::Appendable);
}

#[test]
fn dao_single_session_closes_the_disc() {
    for media in [Media::DvdR, Media::DvdRw] {
        let mut r = rig(media);
        let o = SessionOptions {
            close: true,
            ..SessionOptions::default()
        };
        let (seed, size) = SESSIONS[2];
        let t = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap();
        assert_eq!(t.method(Some(size)).unwrap(), WriteMethod::Dao);
        let rep = r
            .rec
            .write_session(&t, Noise::new(seed, size), Some(size), &mut no_progress)
            .unwrap();
        // Reservation and data: a multiple of 16 blocks (project policy).
        assert_eq!(
            (rep.method, rep.blocks_written, rep.closure),
            (WriteMethod::Dao, 992, Closure::Disc),
            "{media}"
        );
        let info = r.rec.inspect().unwrap().clone();
        assert_eq!(info.status, MediaStatus::Closed, "{media}");
        assert_eq!(info.sessions.len(), 1);
        assert_eq!((info.sessions[0].start, info.sessions[0].blocks), (0, 992));
        assert_eq!(read_md5(&mut r.rec, 0, size), Noise::md5(seed, size));
        assert!(matches!(
            r.rec.prepare(&o, None, &mut no_progress),
            Err(Error::Unsuitable(Unsuitable::Closed))
        ));
    }
}

#[test]
fn closing_with_the_last_session() {
    for (media, method) in [
        (Media::CdR, WriteMethod::CdTao),
        (Media::DvdR, WriteMethod::Incremental),
        (Media::DvdPlusR, WriteMethod::Reserved),
        (Media::BdR, WriteMethod::Reserved),
    ] {
        let mut r = rig(media);
        let (seed, size) = SESSIONS[1];
        let t = r
            .rec
            .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
            .unwrap();
        r.rec
            .write_session(&t, Noise::new(seed, size), Some(size), &mut no_progress)
            .unwrap();
        let o = SessionOptions {
            close: true,
            write_type: WriteType::Tao,
            ..SessionOptions::default()
        };
        let o = if media == Media::CdR {
            o
        } else {
            SessionOptions {
                write_type: WriteType::Auto,
                ..o
            }
        };
        let t = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap();
        let rep = r
            .rec
            .write_session(&t, Noise::new(seed + 1, size), Some(size), &mut no_progress)
            .unwrap();
        assert_eq!(
            (rep.method, rep.closure),
            (method, Closure::Disc),
            "{media}"
        );
        let info = r.rec.inspect().unwrap().clone();
        assert_eq!(info.status, MediaStatus::Closed, "{media}");
        assert_eq!(info.sessions.len(), 2, "{media}");
        assert_eq!(
            read_md5(&mut r.rec, t.start, size),
            Noise::md5(seed + 1, size)
        );
    }
}

#[test]
fn read_only_media_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rom.iso");
    std::fs::write(&path, Noise::bytes(9, 100 * 2048)).unwrap();
    let emu = mmc::emul::Emulator::open_with(Media::DvdRom, &path, instant()).unwrap();
    let mut rec = mmc::engine::Recorder::new(mmc::drive::Drive::with_timing(
        emu,
        mmc::drive::Timing::fast(),
    ));
    let info = rec.inspect().unwrap().clone();
    assert_eq!(
        (info.kind.clone(), info.status),
        (MediaKind::ReadOnly, MediaStatus::Closed)
    );
    assert!(matches!(
        rec.prepare(&SessionOptions::default(), None, &mut no_progress),
        Err(Error::Unsuitable(Unsuitable::ReadOnly(Profile::DVD_ROM)))
    ));
    assert_eq!(read_md5(&mut rec, 0, 100 * 2048), Noise::md5(9, 100 * 2048));
}

#[test]
fn sessions_from_a_producer_writing_into_the_fifo() {
    // An ISO writer streams into a `Write`: odd piece sizes, known size.
    let mut r = rig(Media::BdR);
    let (seed, size) = SESSIONS[2];
    let data = Noise::bytes(seed, size);
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    let rep = r
        .rec
        .write_session_from(
            &t,
            |w| {
                for piece in data.chunks(7777) {
                    w.write_all(piece)?;
                }
                Ok(())
            },
            Some(size),
            &mut no_progress,
        )
        .unwrap();
    assert_eq!((rep.image_bytes, rep.blocks_written), (size, 992));
    assert_eq!(read_md5(&mut r.rec, 0, size), Noise::md5(seed, size));

    // A producer that fails: the session is closed, the error returned.
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    let e = r
        .rec
        .write_session_from(
            &t,
            |w| {
                w.write_all(&data[..300_000])?;
                Err(std::io::Error::other("out of inodes"))
            },
            Some(size),
            &mut no_progress,
        )
        .unwrap_err();
    assert!(e.to_string().contains("source"), "{e}");
    let info = r.rec.inspect().unwrap().clone();
    assert!(!info.last_session_open);
    assert_eq!(info.sessions.len(), 2);
}

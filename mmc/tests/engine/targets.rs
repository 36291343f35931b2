//! Opening addresses, `stdio:` pipes, tray, speed, checkread and verify.

use std::io::Read;

use mmc::Profile;
use mmc::address::Address;
use mmc::drive::{Drive, Timing};
use mmc::emul::Media;
use mmc::engine::{
    BlockRange, Closure, MediaKind, MediaStatus, Quality, ReadOptions, Recorder, SessionOptions,
    Speed, SpeedMethod, TrayOutcome, VerifyOptions, WriteMethod, discard, no_progress,
};
use mmc::fault;
use mmc::open::{OpenOptions, open};
use mmc::stdio::StdioDrive;

use crate::util::*;

#[test]
fn stdio_pipe_is_one_write_once_session() {
    let (mut reader, writer) = std::io::pipe().unwrap();
    let path = {
        use std::os::fd::AsRawFd;
        std::path::PathBuf::from(format!("/proc/self/fd/{}", writer.as_raw_fd()))
    };
    let dev = StdioDrive::open(&path, false).unwrap();
    drop(writer);
    let size = 1_000_001u64;
    let consumer = std::thread::spawn(move || {
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        all
    });
    let mut rec = Recorder::new(Drive::with_timing(dev, Timing::fast()));
    let info = rec.inspect().unwrap().clone();
    assert_eq!(
        (info.profile, info.kind.clone(), info.status),
        (
            Profile::STDIO,
            MediaKind::WriteOnceStream,
            MediaStatus::Blank
        )
    );
    assert_eq!(info.next_writable(), Some(0));
    let t = rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    let rep = rec
        .write_session(&t, Noise::new(8, size), Some(size), &mut no_progress)
        .unwrap();
    assert_eq!(
        (rep.method, rep.closure, rep.blocks_written),
        (WriteMethod::Stream, Closure::Disc, size.div_ceil(2048))
    );
    // Finished: nothing more goes to the pipe.
    assert_eq!(rec.inspect().unwrap().status, MediaStatus::Closed);
    assert!(
        rec.prepare(&SessionOptions::default(), None, &mut no_progress)
            .is_err()
    );
    assert_eq!(
        rec.eject().unwrap(),
        TrayOutcome::NotApplicable("image files, block devices and pipes cannot be ejected")
    );
    drop(rec);
    let got = consumer.join().unwrap();
    // Whole blocks: the image, its last block zero-padded.
    assert_eq!(got.len() as u64, size.div_ceil(2048) * 2048);
    assert_eq!(md5_of(&got[..size as usize]), Noise::md5(8, size));
    assert!(got[size as usize..].iter().all(|&b| b == 0));
}

#[test]
fn open_any_address_and_burn() {
    let dir = tempfile::tempdir().unwrap();
    let opts = OpenOptions {
        timing: Timing::fast(),
        emul: instant(),
        create: true,
        trace: true,
        ..OpenOptions::default()
    };
    let a = Address::parse(&format!(
        "emul:dvd+r:{}",
        dir.path().join("d.img").display()
    ))
    .unwrap();
    let mut rec = Recorder::new(open(&a, &opts).unwrap());
    let info = rec.inspect().unwrap().clone();
    assert_eq!(info.profile, Profile::DVD_PLUS_R);
    assert_eq!(info.drive.peripheral_type, 5);
    assert!(!info.drive.vendor.is_empty());
    let size = 200_000;
    let t = rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    rec.write_session(&t, Noise::new(1, size), Some(size), &mut no_progress)
        .unwrap();
    drop(rec);
    // The emulated disc persists: a second open sees the session.
    let mut rec = Recorder::new(open(&a, &opts).unwrap());
    let info = rec.inspect().unwrap().clone();
    assert_eq!(info.status, MediaStatus::Appendable);
    assert_eq!(read_md5(&mut rec, 0, size), Noise::md5(1, size));

    let a = Address::parse(&format!("stdio:{}", dir.path().join("x.iso").display())).unwrap();
    let mut rec = Recorder::new(open(&a, &opts).unwrap());
    assert_eq!(rec.inspect().unwrap().kind, MediaKind::Overwritable);
}

#[test]
fn speed_requests() {
    let mut r = rig(Media::DvdPlusR);
    let s = r.rec.set_speed(Speed::Times(4.0)).unwrap();
    assert_eq!(s.method, SpeedMethod::Streaming);
    assert_eq!(s.requested_kbps, Some(5545));
    // The drive picks the fastest speed it has at or below the request.
    assert_eq!(s.effective_kbps, Some(5540));
    let s = r.rec.set_speed(Speed::Max).unwrap();
    assert_eq!((s.requested_kbps, s.effective_kbps), (None, Some(33240)));

    let mut r = rig(Media::CdR);
    let s = r.rec.set_speed(Speed::Kbps(4000)).unwrap();
    assert_eq!(s.method, SpeedMethod::CdSpeed);
    assert_eq!(s.effective_kbps, Some(2822));
}

#[test]
fn speed_falls_back_to_set_cd_speed() {
    let mut r = faulty_rig(Media::BdRe);
    r.faults()
        .fail_nth_times(0xB6, 1, 10, mmc::transport::SenseBuf::fixed(5, 0x20, 0));
    let s = r.rec.set_speed(Speed::Min).unwrap();
    assert_eq!(s.method, SpeedMethod::CdSpeed);
    assert_eq!(s.effective_kbps, Some(4496));
}

#[test]
fn checkread_maps_bad_blocks_and_the_end() {
    let mut r = faulty_rig(Media::DvdPlusR);
    let size = 300 * 2048;
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    r.rec
        .write_session(&t, Noise::new(9, size), Some(size), &mut no_progress)
        .unwrap();
    // READ(10) #1 (chunk LBA 0–31) fails: blocks 0–31 are read one by one
    // (#2 …), block 2 fails once (#4) and reads on its retry (#5); chunk
    // 32–63 is #35, chunk 64–95 fails (#36), block 70 (#43) fails on both
    // attempts.
    r.faults()
        .fail_nth(0x28, 1, fault::read_error())
        .fail_nth(0x28, 4, fault::read_error())
        .fail_nth(0x28, 36, fault::read_error())
        .fail_nth_times(0x28, 43, 2, fault::read_error());
    let mut got = Vec::new();
    let mut missing = Vec::new();
    struct Sink<'a>(&'a mut Vec<(u32, usize)>, &'a mut Vec<(u32, u32, Quality)>);
    impl mmc::engine::ReadSink for Sink<'_> {
        fn data(&mut self, lba: u32, data: &[u8]) -> std::io::Result<()> {
            self.0.push((lba, data.len() / 2048));
            Ok(())
        }
        fn missing(&mut self, lba: u32, blocks: u32, q: Quality) {
            self.1.push((lba, blocks, q));
        }
    }
    let map = r
        .rec
        .checkread(
            BlockRange::new(0, 400),
            &ReadOptions::default(),
            &mut Sink(&mut got, &mut missing),
            &mut no_progress,
        )
        .unwrap();
    let runs: Vec<(u32, u32, Quality)> = map
        .runs
        .iter()
        .map(|r| (r.start, r.blocks, r.quality))
        .collect();
    // The track is 304 blocks (padded); reading on finds the disc's end.
    let end = r.rec.inspect().unwrap().sessions[0].blocks;
    assert_eq!(end, 304);
    assert_eq!(runs[0], (0, 70, Quality::Good));
    assert_eq!(runs[1], (70, 1, Quality::Unreadable));
    assert_eq!(runs[2], (71, end - 71, Quality::Good));
    assert!(matches!(runs[3].2, Quality::Blank | Quality::BeyondEnd));
    assert_eq!((runs[3].0, runs[3].1), (end, 400 - end));
    assert_eq!(map.end_of_data(), Some(end));
    assert_eq!(map.unreadable().count(), 1);
    assert_eq!(missing[0], (70, 1, Quality::Unreadable));
    // Data arrives in LBA order without the bad block.
    let blocks: u32 = got.iter().map(|g| g.1 as u32).sum();
    assert_eq!(blocks, end - 1);
    assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
    assert_eq!(map.runs[1].sense.unwrap().asc, 0x11);
    assert_eq!(r.faults().injected(), 5);
}

#[test]
fn verify_against_the_image() {
    let mut r = rig(Media::BdR);
    let size = 1_500_000u64;
    let t = r
        .rec
        .prepare(&SessionOptions::default(), Some(size), &mut no_progress)
        .unwrap();
    r.rec
        .write_session(&t, Noise::new(10, size), Some(size), &mut no_progress)
        .unwrap();
    let v = r
        .rec
        .verify(
            0,
            Noise::new(10, size),
            size,
            &VerifyOptions::default(),
            &mut no_progress,
        )
        .unwrap();
    assert!(v.is_identical(), "{v:?}");
    assert_eq!(v.compared_blocks, size.div_ceil(2048));

    let mut other = Noise::bytes(10, size);
    other[100 * 2048 + 7] ^= 0x40;
    other[101 * 2048] ^= 1;
    other[500 * 2048 + 3] ^= 1;
    let v = r
        .rec
        .verify(
            0,
            &other[..],
            size,
            &VerifyOptions::default(),
            &mut no_progress,
        )
        .unwrap();
    assert_eq!(v.first_mismatch(), Some(100));
    assert_eq!(
        v.mismatches,
        vec![BlockRange::new(100, 2), BlockRange::new(500, 1)]
    );
    let v = r
        .rec
        .verify(
            0,
            &other[..],
            size,
            &VerifyOptions {
                stop_at_first_mismatch: true,
                ..VerifyOptions::default()
            },
            &mut no_progress,
        )
        .unwrap();
    assert_eq!(v.mismatches, vec![BlockRange::new(100, 2)]);
    assert!(v.compared_blocks < size.div_ceil(2048));
    // A pure media check.
    let map = r
        .rec
        .checkread(
            BlockRange::new(0, 100),
            &ReadOptions::default(),
            &mut discard,
            &mut no_progress,
        )
        .unwrap();
    assert!(map.is_all_good());
}

#[test]
fn cd_tao_run_out_blocks_are_not_defects() {
    let mut r = rig(Media::CdR);
    let o = SessionOptions {
        write_type: mmc::engine::WriteType::Tao,
        ..SessionOptions::default()
    };
    let size = 400 * 2048;
    let t = r.rec.prepare(&o, Some(size), &mut no_progress).unwrap();
    r.rec
        .write_session(&t, Noise::new(11, size), Some(size), &mut no_progress)
        .unwrap();
    let map = r
        .rec
        .checkread_all(&ReadOptions::default(), &mut discard, &mut no_progress)
        .unwrap();
    let runs: Vec<(u32, u32, Quality)> = map
        .runs
        .iter()
        .map(|r| (r.start, r.blocks, r.quality))
        .collect();
    assert_eq!(
        runs,
        vec![(0, 550, Quality::Good), (550, 2, Quality::RunOut)]
    );
    assert!(map.is_all_good());
}

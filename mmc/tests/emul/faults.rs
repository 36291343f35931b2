//! Fault injection over the emulator: injected sense codes and power cuts.

use mmc::emul::{EmulOptions, Emulator, Media};
use mmc::fault::{self, FaultInjector};
use mmc::{DataPhase, Transport, TransportError};

use crate::util::*;

#[test]
fn nth_write_fails_with_write_error() {
    let d = fresh(Media::DvdPlusR);
    let mut t = FaultInjector::new(d.emu);
    t.fail_nth(0x2A, 3, fault::write_error());
    write10(&mut t, 0, &pattern(0, 16)).ok();
    write10(&mut t, 16, &pattern(16, 16)).ok();
    let r = write10(&mut t, 32, &pattern(32, 16));
    r.check(3, 0x0C, 0);
    assert_eq!(r.sense.unwrap().information, Some(32));
    assert_eq!(r.residual, 16 * 2048);
    // the failed WRITE never reached the drive: its NWA did not move
    assert_eq!(track_info(&mut t, 0xFF).nwa, 32);
    write10(&mut t, 32, &pattern(32, 16)).ok();
    assert_eq!(t.injected(), 1);
}

#[test]
fn long_write_in_progress_then_success() {
    let d = fresh(Media::BdR);
    let mut t = FaultInjector::new(d.emu);
    t.fail_nth_times(0x2A, 2, 3, fault::long_write_in_progress());
    write10(&mut t, 0, &pattern(0, 32)).ok();
    // the host re-sends the same WRITE until it is accepted
    let mut attempts = 0;
    loop {
        attempts += 1;
        let r = write10(&mut t, 32, &pattern(32, 32));
        if r.good {
            break;
        }
        r.check(2, 0x04, 0x08);
    }
    assert_eq!(attempts, 4);
    assert_eq!(track_info(&mut t, 1).nwa, 64);
    // other injected conditions
    t.fail_nth(0x5B, 1, fault::power_calibration_error());
    close(&mut t, false, 1, 1).check(5, 0x73, 3);
    close(&mut t, false, 1, 1).ok();
    t.fail_nth(0x00, 1, fault::medium_may_have_changed());
    tur(&mut t).check(6, 0x28, 0);
    tur(&mut t).ok();
}

#[test]
fn power_cut_drops_unsynced_data_on_sequential_media() {
    let dir = tempfile::tempdir().unwrap();
    let path = image_in(dir.path());
    let opts = EmulOptions {
        power_cut_after_blocks: Some(32 + 64),
        ..instant()
    };
    let mut emu = Emulator::open_with(Media::DvdPlusR, &path, opts).unwrap();
    write_run(&mut emu, 0, 32, 16);
    sync(&mut emu, false).ok();
    write10(&mut emu, 32, &pattern(32, 32)).ok();
    // the WRITE that reaches block 96 cuts the power
    let data = pattern(64, 32);
    let r = emu.execute(
        &[0x2A, 0, 0, 0, 0, 64, 0, 0, 32, 0],
        DataPhase::Out(&data),
        T,
    );
    assert!(matches!(r, Err(TransportError::DriveLost)));
    assert!(emu.is_dead());
    assert!(matches!(
        emu.execute(&[0, 0, 0, 0, 0, 0], DataPhase::None, T),
        Err(TransportError::DriveLost)
    ));
    drop(emu);
    // Reopened: the synced 32 blocks are there, the rest never happened.
    let mut emu = Emulator::open_with(Media::DvdPlusR, &path, instant()).unwrap();
    let t1 = track_info(&mut emu, 1);
    assert_eq!((t1.nwa_v, t1.nwa, t1.lra), (true, 32, 31));
    assert_eq!(read10(&mut emu, 31, 1).ok().data, pattern(31, 1));
    read10(&mut emu, 32, 1).check(8, 0, 0);
    write10(&mut emu, 32, &pattern(32, 16)).ok();
}

#[test]
fn power_cut_loses_the_cache_on_overwritable_media() {
    let mut d = fresh(Media::BdRe);
    let t = &mut d.emu;
    format(t, false, 12_219_392, 0x31, 0, 0x800).ok();
    write10(t, 0, &pattern(0, 32)).ok();
    sync(t, false).ok();
    write10(t, 0, &pattern(1000, 32)).ok();
    assert_eq!(
        read10(t, 0, 1).ok().data,
        pattern(1000, 1),
        "cache serves reads"
    );
    d.emu.power_cut();
    let d = d.reopen(instant());
    let mut emu = d.emu;
    assert_eq!(read10(&mut emu, 0, 1).ok().data, pattern(0, 1));
    // A clean drop (the drive stays powered) keeps cached data.
    write10(&mut emu, 0, &pattern(2000, 32)).ok();
    drop(emu);
    let mut emu = Emulator::open_with(Media::BdRe, &d.path, instant()).unwrap();
    assert_eq!(read10(&mut emu, 0, 1).ok().data, pattern(2000, 1));
}

#[test]
fn power_cut_loses_only_what_the_cache_still_holds() {
    // A 64 KiB cache: writing 96 KiB of fresh data commits the first
    // 64 KiB when the cache fills; the last 32 KiB are lost at the cut.
    let opts = EmulOptions {
        cache_bytes: 64 << 10,
        ..instant()
    };
    let mut d = fresh_with(Media::BdRe, opts.clone());
    let t = &mut d.emu;
    format(t, false, 12_219_392, 0x31, 0, 0x800).ok();
    write10(t, 1000, &pattern(1000, 32)).ok();
    assert_eq!(read_buffer_capacity(t), (64 << 10, 0));
    write10(t, 1032, &pattern(1032, 16)).ok();
    assert_eq!(read_buffer_capacity(t).1, 32 << 10);
    d.emu.power_cut();
    let mut d = d.reopen(opts);
    let t = &mut d.emu;
    assert_eq!(read10(t, 1000, 32).ok().data, pattern(1000, 32));
    assert_eq!(read10(t, 1032, 16).ok().data, vec![0u8; 16 * 2048]);
}

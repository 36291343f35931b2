//! DVD-R and DVD-RW: Incremental and DAO, borders, blanking, restricted
//! overwrite formats.

use std::time::Duration;

use mmc::emul::Media;

use crate::util::*;

/// Model value of the first Border Zone (see `mmc::emul` docs).
const FIRST_BORDER: u32 = 30_720;
const LATER_BORDER: u32 = 6_144;

#[test]
fn blank_dvd_r_inspection() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0011);
    assert_eq!(
        feature_current(t, 0x0021),
        Some(true),
        "Incremental Streaming"
    );
    assert_eq!(feature_current(t, 0x002F), Some(true), "DVD-R/-RW Write");
    assert_eq!(feature_current(t, 0x001F), Some(true), "DVD Read");
    assert_eq!(
        feature_current(t, 0x0023),
        Some(false),
        "DVD-R is not formattable"
    );
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.last_session_state, di.sessions, di.erasable),
        (0, 0, 1, false)
    );
    assert_eq!(di.last_track_last_session, 1);
    assert_eq!(di.last_leadout, 2_298_496);
    let ti = track_info(t, 1);
    assert!(ti.blank && ti.nwa_v);
    assert_eq!((ti.nwa, ti.free, ti.packet_size), (0, 2_298_496, 16));
    // FFh is defined for CD and DVD+R only.
    read_track_info(t, 1, 0xFF).check(5, 0x24, 0);
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind, list.len()), (2_298_496, 1, 0));
}

#[test]
fn incremental_multisession() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    write10(t, 0, &pattern(0, 16)).check(5, 0x2C, 0);
    // Write types TAO/raw do not exist on DVD-R.
    select05(
        t,
        &Page05 {
            write_type: 1,
            ..DVD_INC
        },
    )
    .check(5, 0x26, 0);
    select05(
        t,
        &Page05 {
            packet_size: 32,
            ..DVD_INC
        },
    )
    .check(5, 0x26, 0);
    select05(t, &DVD_INC).ok();
    // fixed 16-block packets
    write10(t, 0, &pattern(0, 10)).check(5, 0x64, 1);
    write_run(t, 0, 1008, 32);
    write10(t, 0, &pattern(0, 16)).check(5, 0x21, 2);
    // session close with an incomplete track
    close(t, false, 2, 0).check(5, 0x72, 3);
    // wrong close functions for DVD-R
    close(t, false, 5, 0).check(5, 0x24, 0);
    close(t, false, 6, 0).check(5, 0x24, 0);
    close(t, false, 1, 2).check(5, 0x24, 0);
    sync(t, false).ok();
    // still incomplete after SYNCHRONIZE CACHE (only CD TAO closes there)
    assert!(track_info(t, 1).nwa_v);
    close(t, false, 1, 1).ok();
    let t1 = track_info(t, 1);
    assert_eq!((t1.size, t1.nwa_v, t1.free), (1008, false, 0));
    // the invisible track 2 follows in the same session
    assert_eq!(track_info(t, 2).nwa, 1008);
    close(t, false, 2, 0).ok();
    let di = disc_info(t);
    assert_eq!(
        (
            di.status,
            di.last_session_state,
            di.sessions,
            di.last_track_last_session
        ),
        (1, 0, 2, 2)
    );
    let nwa2 = 1008 + FIRST_BORDER;
    let t2 = track_info(t, 2);
    assert_eq!((t2.session, t2.nwa, t2.free), (2, nwa2, 2_298_496 - nwa2));

    write_run(t, nwa2 as i64, 48, 16);
    close(t, false, 1, 2).ok();
    close(t, false, 2, 0).ok();
    let nwa3 = nwa2 + 48 + LATER_BORDER;
    assert_eq!(track_info(t, 3).nwa, nwa3);
    assert_eq!(track_info(t, 1).session, 1);
    assert_eq!(track_info(t, 2).session, 2);
    // reads: recorded data, border zone gap, invisible track
    assert_eq!(read10(t, 1000, 8).ok().data, pattern(1000, 8));
    read10(t, 1008 + 100, 1).check(5, 0x21, 0);
    read10(t, nwa3 as i64, 1).check(8, 0, 0);
    // session info: last complete session 2 starts at nwa2
    let s = read_toc(t, 1, false, 0).ok().data;
    assert_eq!((s[3], be32(&s, 8)), (2, nwa2));

    // Finalize: page 05h multi-session 00b, then close session.
    select05(
        t,
        &Page05 {
            multi: 0,
            ..DVD_INC
        },
    )
    .ok();
    write_run(t, nwa3 as i64, 16, 16);
    close(t, false, 1, 3).ok();
    close(t, false, 2, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state, di.sessions), (2, 3, 3));
    write10(t, (nwa3 + 16 + LATER_BORDER) as i64, &pattern(0, 16)).check(5, 0x30, 5);
}

#[test]
fn dao_needs_reserve_track_and_closes_itself() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    select05(t, &DVD_DAO).ok();
    write10(t, 0, &pattern(0, 16)).check(5, 0x2C, 0);
    reserve(t, 1000).ok();
    let t1 = track_info(t, 1);
    assert!(t1.reserved && t1.blank && t1.nwa_v);
    assert_eq!(
        (t1.size, t1.nwa, t1.free),
        (1008, 0, 1008),
        "reservation in whole ECC blocks"
    );
    // no invisible track after a DAO reservation
    read_track_info(t, 1, 2).check(5, 0x24, 0);
    reserve(t, 16).check(5, 0x2C, 0);
    write_run(t, 0, 1000, 100);
    write10(t, 1000, &pattern(1000, 16)).check(5, 0x63, 0);
    write10(t, 1000, &pattern(1000, 8)).ok();
    assert_eq!(disc_info(t).status, 1);
    sync(t, false).ok();
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.last_session_state),
        (2, 3),
        "DAO closes by itself"
    );
    write10(t, 1008, &pattern(0, 16)).check(5, 0x30, 5);
    assert_eq!(read10(t, 1004, 4).ok().data, pattern(1004, 4));
}

#[test]
fn dvd_rw_minimal_blank_drops_incremental() {
    let mut d = fresh_with(Media::DvdRw, timed());
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0014);
    assert_eq!(feature_current(t, 0x0021), Some(true));
    assert!(disc_info(t).erasable);
    select05(t, &DVD_INC).ok();
    write_run(t, 0, 64, 32);
    close(t, false, 1, 1).ok();
    close(t, false, 2, 0).ok();

    blank(t, true, 1).ok();
    tur(t).check(2, 4, 7);
    t.advance_clock(Duration::from_millis(500));
    assert!(tur(t).progress().unwrap() > 30_000);
    t.advance_clock(Duration::from_millis(600));
    tur(t).ok();
    assert_eq!(disc_info(t).status, 0);
    // After a minimal blank Incremental Streaming is not current and an
    // Incremental WRITE is refused on its first block (sense-and-retries §5.3).
    assert_eq!(feature_current(t, 0x0021), Some(false));
    assert_eq!(feature_current(t, 0x002F), Some(true));
    select05(t, &DVD_INC).ok();
    write10(t, 0, &pattern(0, 16)).check(5, 0x64, 0);
    // DAO works.
    select05(t, &DVD_DAO).ok();
    reserve(t, 32).ok();
    write_run(t, 0, 32, 16);
    sync(t, false).ok();
    assert_eq!(disc_info(t).status, 2);
    // A full blank restores feature 0021h.
    blank(t, false, 0).ok();
    assert!(!d.emu.summary().busy, "non-Immed blank returns when done");
    let t = &mut d.emu;
    assert_eq!(feature_current(t, 0x0021), Some(true));
    assert_eq!(disc_info(t).status, 0);
}

#[test]
fn dvd_rw_quick_format_intermediate_state() {
    let mut d = fresh_with(Media::DvdRw, timed());
    let t = &mut d.emu;
    let (_, _, list) = format_caps(t);
    let types: Vec<u8> = list.iter().map(|l| l.1).collect();
    assert_eq!(types, vec![0x00, 0x10, 0x15]);
    assert!(list.iter().all(|l| l.0 == 2_298_496));
    // 15h quick, size 0, Immed: 2/04/04 with progress, then profile 0013h.
    format(t, true, 0, 0x15, 0, 16).ok();
    let r = tur(t);
    r.check(2, 4, 4);
    assert!(r.progress().is_some());
    t.advance_clock(Duration::from_secs(1));
    tur(t).ok();
    assert_eq!(current_profile(t), 0x0013);
    assert_eq!(
        feature_current(t, 0x0026),
        Some(true),
        "Restricted Overwrite"
    );
    assert_eq!(feature_current(t, 0x0021), Some(false));
    let (_, kind, list) = format_caps(t);
    assert_eq!(kind, 3, "intermediate: unknown capacity");
    assert!(list.iter().all(|l| l.1 != 0x13 && l.1 != 0x11));
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state), (1, 1));
    // Sequential growth from LBA 0, whole 32 KiB blocks only.
    write10(t, 0, &pattern(0, 8)).check(5, 0x24, 0);
    write10(t, 32, &pattern(32, 16)).check(5, 0x21, 2);
    write_run(t, 0, 64, 32);
    write10(t, 8, &pattern(8, 16)).check(5, 0x21, 2);
    write10(t, 16, &pattern(16, 16)).ok();
    // CLOSE SESSION 010b leaves the intermediate state.
    close(t, false, 2, 0).ok();
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (64, 2));
    let grow = list.iter().find(|l| l.1 == 0x13).unwrap();
    assert_eq!(grow.0, 2_298_496 - 64);
    write10(t, 64, &pattern(64, 16)).check(5, 0x21, 2);
    // 13h quick grow back into the intermediate state.
    format(t, false, 0, 0x13, 0, 16).ok();
    write_run(t, 64, 32, 16);
    close(t, false, 2, 0).ok();
    assert_eq!(format_caps(t).0, 96);
    assert_eq!(read10(t, 64, 2).ok().data, pattern(64, 2));
    read10(t, 96, 1).check(5, 0x21, 0);
}

#[test]
fn dvd_rw_full_format_and_blank_back_to_sequential() {
    let mut d = fresh(Media::DvdRw);
    let t = &mut d.emu;
    format(t, false, 2_298_497, 0x00, 0, 0x800).check(5, 0x26, 0);
    format(t, false, 2_298_496, 0x00, 0, 0x800).ok();
    assert_eq!(current_profile(t), 0x0013);
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (2_298_496, 2));
    assert_eq!(
        list.iter().find(|l| l.1 == 0x13).unwrap().0,
        0,
        "fully formatted"
    );
    assert_eq!(disc_info(t).status, 2);
    // random access in 32 KiB units anywhere
    write10(t, 1_000_000, &pattern(1_000_000, 16)).ok();
    write10(t, 0, &pattern(0, 16)).ok();
    write10(t, 1_000_000, &pattern(7, 16)).ok();
    assert_eq!(read10(t, 1_000_000, 1).ok().data, pattern(7, 1));
    // READ TRACK INFORMATION: one track, NWA 0 at MMC level
    let ti = track_info(t, 1);
    assert_eq!(
        (ti.start, ti.size, ti.nwa_v, ti.nwa),
        (0, 2_298_496, true, 0)
    );
    // no page 05h needed, closing has no effect
    close(t, false, 2, 0).ok();
    close(t, false, 1, 1).check(5, 0x24, 0);
    // BLANK converts back to sequential (0014h).
    blank(t, false, 0).ok();
    assert_eq!(current_profile(t), 0x0014);
    assert_eq!(feature_current(t, 0x0021), Some(true));
    read10(t, 0, 1).check(8, 0, 0);
    // 13h is only for restricted overwrite
    format(t, false, 0, 0x13, 0, 16).check(5, 0x26, 0);
}

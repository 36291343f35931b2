//! DVD+R, DVD+R DL, DVD+RW.

use std::time::Duration;

use mmc::emul::Media;

use crate::util::*;

/// Model value of the DVD+R session boundary (see `mmc::emul` docs).
const SESSION_GAP: u32 = 4_096;

#[test]
fn blank_dvd_plus_r_inspection() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x001B);
    assert_eq!(feature_current(t, 0x002B), Some(true));
    assert_eq!(feature_current(t, 0x0021), Some(false));
    assert_eq!(feature_current(t, 0x002F), Some(false));
    let di = disc_info(t);
    assert_eq!((di.status, di.sessions, di.erasable), (0, 1, false));
    assert_eq!(di.last_leadout, 2_295_104);
    let ti = track_info(t, 0xFF);
    assert!(ti.blank && ti.nwa_v);
    assert_eq!(
        (ti.number, ti.nwa, ti.free, ti.packet_size),
        (1, 0, 2_295_104, 16)
    );
    assert_eq!(format_caps(t), (2_295_104, 1, vec![]));
}

#[test]
fn sessions_close_functions_and_finalize() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    // No page 05h needed; fixed 16-block packets at the NWA.
    write10(t, 16, &pattern(16, 16)).check(5, 0x21, 2);
    write10(t, 0, &pattern(0, 8)).check(5, 0x64, 1);
    write_run(t, 0, 32, 32);
    assert_eq!(track_info(t, 0xFF).nwa, 32);
    close(t, false, 2, 0).check(5, 0x72, 3);
    close(t, false, 3, 0).check(5, 0x24, 0);
    close(t, false, 1, 1).ok();
    close(t, false, 2, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state, di.sessions), (1, 0, 2));
    let nwa2 = 32 + SESSION_GAP;
    let ti = track_info(t, 0xFF);
    assert_eq!((ti.number, ti.session, ti.nwa), (2, 2, nwa2));
    write_run(t, nwa2 as i64, 64, 32);
    close(t, false, 1, 2).ok();
    // 101b: close the session and finalize with minimal radius
    close(t, true, 5, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state, di.sessions), (2, 3, 2));
    write10(t, (nwa2 + 64 + SESSION_GAP) as i64, &pattern(0, 16)).check(5, 0x30, 5);
    read_track_info(t, 1, 0xFF).check(5, 0x24, 0);
    // a fabricated TOC for DVD: both tracks and the lead-out
    let toc = read_toc(t, 0, false, 0).ok().data;
    let e: Vec<(u8, u32)> = toc[4..].chunks(8).map(|e| (e[2], be32(e, 4))).collect();
    assert_eq!(e, vec![(1, 0), (2, nwa2), (0xAA, nwa2 + 64)]);
    assert_eq!(
        read10(t, nwa2 as i64 + 63, 1).ok().data,
        pattern(nwa2 as i64 + 63, 1)
    );
    read10(t, 40, 1).check(5, 0x21, 0);
}

#[test]
fn reserved_track_is_padded_on_close() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    reserve(t, 100).ok();
    let t1 = track_info(t, 1);
    assert!(t1.reserved && t1.blank);
    assert_eq!((t1.size, t1.nwa, t1.free), (112, 0, 112));
    let t2 = track_info(t, 2);
    assert_eq!((t2.start, t2.nwa, t2.free), (112, 112, 2_295_104 - 112));
    write_run(t, 0, 32, 16);
    write10(t, 32, &pattern(32, 96)).check(5, 0x63, 0);
    read10(t, 40, 1).check(8, 0, 0);
    close(t, false, 1, 1).ok();
    let t1 = track_info(t, 1);
    assert_eq!((t1.nwa_v, t1.lra), (false, 111));
    assert_eq!(read10(t, 100, 1).ok().data, vec![0u8; 2048], "padding");
    close(t, false, 2, 0).ok();
    assert_eq!(track_info(t, 2).nwa, 112 + SESSION_GAP);
}

#[test]
fn dvd_plus_r_holds_at_most_153_sessions() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    for s in 1..=153u32 {
        let nwa = track_info(t, 0xFF).nwa;
        write_run(t, nwa as i64, 16, 16);
        close(t, false, 1, s as u16).ok();
        close(t, false, 2, 0).ok();
    }
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.sessions),
        (2, 153),
        "closed by the 153rd session"
    );
}

#[test]
fn dvd_plus_r_dl() {
    let mut d = fresh(Media::DvdPlusRDl);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x002B);
    assert_eq!(feature_current(t, 0x003B), Some(true));
    assert_eq!(track_info(t, 0xFF).free, 4_173_824);
    write_run(t, 0, 32, 32);
    close(t, false, 1, 1).ok();
    // 110b also finalizes DVD+R.
    close(t, false, 6, 0).ok();
    assert_eq!(disc_info(t).status, 2);
}

#[test]
fn dvd_plus_rw_background_format() {
    let mut d = fresh_with(Media::DvdPlusRw, timed());
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x001A);
    assert_eq!(feature_current(t, 0x002A), Some(true));
    let di = disc_info(t);
    assert_eq!((di.status, di.bg_format, di.erasable), (0, 0, true));
    assert_eq!(format_caps(t), (2_295_104, 1, vec![(2_295_104, 0x26, 0)]));
    write10(t, 0, &pattern(0, 16)).check(5, 0x30, 0x10);
    read10(t, 0, 1).check(5, 0x30, 0x10);
    close(t, false, 2, 0).check(5, 0x2C, 0);
    // Format 26h: returns at once, writable while de-icing.
    format(t, true, 0xFFFF_FFFF, 0x26, 0, 0).ok();
    tur(t).ok();
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.bg_format),
        (2, 2),
        "background format running"
    );
    write10(t, 1_000_000, &pattern(1_000_000, 16)).ok();
    t.advance_clock(Duration::from_secs(1));
    assert_eq!(disc_info(t).bg_format, 2);
    // CLOSE 010b stops it compatibly: "started but stopped".
    close(t, true, 2, 0).ok();
    t.advance_clock(Duration::from_secs(2));
    assert_eq!(disc_info(t).bg_format, 1);
    close(t, false, 6, 0).check(5, 0x24, 0);
    // Restart (TDP bit 0) continues and completes.
    format(t, false, 0xFFFF_FFFF, 0x26, 0, 1).ok();
    assert_eq!(disc_info(t).bg_format, 2);
    t.advance_clock(Duration::from_secs(3));
    assert_eq!(disc_info(t).bg_format, 3);
    assert_eq!(format_caps(t).1, 2);
    assert_eq!(read10(t, 1_000_000, 16).ok().data, pattern(1_000_000, 16));
    assert_eq!(read10(t, 5, 1).ok().data, vec![0u8; 2048]);
    // no page 05h, no reservations on overwritable media
    reserve(t, 32).check(5, 0x24, 0);
    format(t, false, 0xFFFF_FFFF, 0x00, 0, 0).check(5, 0x26, 0);
}

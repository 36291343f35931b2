//! BD-R: unformatted SRM, sessions, close functions, formats 00h/32h and
//! POW visibility.

use mmc::emul::Media;

use crate::util::*;

#[test]
fn unformatted_bd_r_records_srm_sessions() {
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0041);
    assert_eq!(feature_current(t, 0x0038), Some(false), "no POW");
    assert_eq!(
        feature_current(t, 0x0023),
        Some(true),
        "a blank BD-R is formattable"
    );
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (12_219_392, 1));
    assert_eq!(
        list,
        vec![
            (11_826_176, 0x00, 0x3000),
            (11_826_176, 0x32, 0x3000),
            (11_564_032, 0x32, 0x5000),
            (12_088_320, 0x32, 0x1000),
        ]
    );
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.sessions, di.last_track_last_session),
        (0, 1, 1)
    );
    // the last track number addresses the invisible track; FFh does not
    let ti = track_info(t, 1);
    assert_eq!((ti.nwa, ti.free, ti.packet_size), (0, 12_219_392, 32));
    read_track_info(t, 1, 0xFF).check(5, 0x24, 0);

    write_run(t, 0, 40, 20);
    write10(t, 0, &pattern(0, 32)).check(5, 0x21, 2);
    assert_eq!(track_info(t, 1).nwa, 40);
    close(t, false, 5, 0).check(5, 0x24, 0);
    close(t, false, 1, 1).ok();
    // closed tracks end on a cluster
    assert_eq!(track_info(t, 1).size, 64);
    close(t, false, 2, 0).ok();
    assert_eq!(feature_current(t, 0x0023), Some(false));
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.sessions, di.last_track_last_session),
        (1, 2, 2)
    );
    // no lead-in/lead-out between BD-R sessions: next cluster
    let t2 = track_info(t, 2);
    assert_eq!((t2.session, t2.nwa), (2, 64));
    write_run(t, 64, 32, 32);
    close(t, false, 1, 2).ok();
    // 110b finalizes BD-R
    close(t, false, 6, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state), (2, 3));
    write10(t, 96, &pattern(0, 32)).check(5, 0x30, 5);
    assert_eq!(read10(t, 64, 32).ok().data, pattern(64, 32));
    assert_eq!(read10(t, 39, 1).ok().data, pattern(39, 1));
    assert_eq!(
        read10(t, 40, 1).ok().data,
        vec![0u8; 2048],
        "cluster padding"
    );
    format(t, false, 11_826_176, 0x00, 1, 0x3000).check(5, 0x30, 6);
}

#[test]
fn pow_format_is_visible_as_feature_0038() {
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    // sub-type 00b: SRM with Pseudo-Overwrite
    format(t, false, 11_826_176, 0x00, 0, 0x3000).ok();
    assert_eq!(current_profile(t), 0x0041);
    assert_eq!(feature_current(t, 0x0038), Some(true));
    // the formatted-but-empty BD-R quirk: "appendable", one empty session,
    // READ CAPACITY 0 (mmc-recipes.md §3.2)
    let di = disc_info(t);
    assert_eq!((di.status, di.sessions, di.last_session_state), (1, 1, 0));
    assert_eq!(be32(&read_capacity(t).ok().data, 0), 0);
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind, list.len()), (11_826_176, 2, 0));
    assert_eq!(track_info(t, 1).free, 11_826_176);
    format(t, false, 11_826_176, 0x00, 1, 0x3000).check(5, 0x30, 6);
}

#[test]
fn format_32h_srm_without_pow() {
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    // RRM (10b) is not offered by this drive; sizes outside the range fail.
    format(t, false, 11_826_176, 0x32, 2, 0x3000).check(5, 0x26, 0);
    format(t, false, 12_219_392, 0x32, 1, 0).check(5, 0x26, 0);
    format(t, false, 11_826_176, 0x31, 1, 0).check(5, 0x26, 0);
    format(t, false, 12_088_320, 0x32, 1, 0x1000).ok();
    assert_eq!(feature_current(t, 0x0038), Some(false));
    assert_eq!(
        feature_current(t, 0x0024),
        Some(true),
        "spares: defect management"
    );
    assert_eq!(track_info(t, 1).free, 12_088_320);
    assert_eq!(disc_info(t).last_leadout, 12_088_320);
    write_run(t, 0, 64, 32);
    close(t, false, 1, 1).ok();
    close(t, false, 2, 0).ok();
    assert_eq!(track_info(t, 2).nwa, 64);
}

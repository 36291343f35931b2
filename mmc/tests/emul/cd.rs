//! CD-R / CD-RW: TAO multi-session, SAO, TOC, blanking.

use std::time::Duration;

use mmc::emul::Media;

use crate::util::*;

/// MSF of an LBA as READ TOC / READ DISC INFORMATION encode it
/// (cookbook: LBA = (M·60 + S)·75 + F − 150).
fn msf(lba: i64) -> [u8; 3] {
    let f = lba + 150;
    [(f / 4500) as u8, ((f / 75) % 60) as u8, (f % 75) as u8]
}

#[test]
fn blank_cd_r_inspection() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0009);
    let f = features(t);
    let cur = |c: u16| f.iter().find(|x| x.0 == c).map(|x| x.1);
    // TAO (002Dh), Mastering (002Eh), Incremental Streaming (0021h), CD Read.
    assert_eq!(cur(0x002D), Some(true));
    assert_eq!(cur(0x002E), Some(true));
    assert_eq!(cur(0x0021), Some(true));
    assert_eq!(cur(0x001E), Some(true));
    assert_eq!(cur(0x002F), Some(false));
    assert_eq!(cur(0x002B), Some(false));
    assert_eq!(
        cur(0x0027),
        Some(false),
        "CD-RW CAV write is not current on CD-R"
    );

    let di = disc_info(t);
    assert_eq!(
        (di.status, di.last_session_state, di.erasable),
        (0, 0, false)
    );
    assert_eq!(
        (
            di.sessions,
            di.first_track_last_session,
            di.last_track_last_session
        ),
        (1, 1, 1)
    );
    // CD addresses in MSF: typical lead-in start −11635 = 97:26:65 and the
    // 80 min last possible lead-out 79:59:72.
    assert_eq!(di.lead_in.to_be_bytes(), [0, 97, 26, 65]);
    assert_eq!(di.last_leadout.to_be_bytes(), [0, 79, 59, 72]);

    // The invisible track FFh: blank, NWA 0, the whole disc free.
    let ti = track_info(t, 0xFF);
    assert!(ti.blank && ti.nwa_v && !ti.damage);
    assert_eq!(
        (ti.number, ti.session, ti.start, ti.nwa, ti.free),
        (1, 1, 0, 0, 359_847)
    );
    assert_eq!(track_info(t, 1), ti);
    read_track_info(t, 1, 0).check(5, 0x24, 0);
    read_track_info(t, 1, 2).check(5, 0x24, 0);

    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (359_847, 1));
    assert!(list.is_empty());
    // No TOC on a blank disc; READ CAPACITY reports nothing recorded.
    read_toc(t, 0, false, 0).check(5, 0x24, 0);
    assert_eq!(be32(&read_capacity(t).ok().data, 0), 0);
    read10(t, 0, 1).check(8, 0, 0);
}

#[test]
fn write_needs_page05_and_nwa() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    write10(t, 0, &pattern(0, 16)).check(5, 0x2C, 0);
    // SAO page without a cue sheet: still a sequence error.
    select05(t, &CD_SAO).ok();
    write10(t, 0, &pattern(0, 16)).check(5, 0x2C, 0);
    select05(t, &CD_TAO).ok();
    write10(t, 5, &pattern(5, 16)).check(5, 0x21, 2);
    write10(t, 0, &pattern(0, 16)).ok();
    write10(t, 0, &pattern(0, 16)).check(5, 0x21, 2);
    write10(t, 17, &pattern(17, 16)).check(5, 0x21, 2);
    write10(t, 16, &pattern(16, 16)).ok();
    // the incomplete track now reports its NWA
    let ti = track_info(t, 0xFF);
    assert_eq!((ti.nwa, ti.blank, ti.lra_v, ti.lra), (32, false, true, 31));
    assert_eq!(disc_info(t).last_session_state, 1);
}

#[test]
fn tao_multisession_gaps_and_toc() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    select05(t, &CD_TAO).ok();
    // Session 1, track 1: 1000 blocks; SYNCHRONIZE CACHE closes the TAO track.
    write_run(t, 0, 1000, 32);
    sync(t, false).ok();
    let t1 = track_info(t, 1);
    assert_eq!(
        (t1.start, t1.size, t1.nwa_v, t1.free),
        (0, 1002, false, 0),
        "2 run-out blocks"
    );
    // Track 2 in the same session: run-out 2 + pre-gap 150.
    let ti = track_info(t, 0xFF);
    assert_eq!((ti.number, ti.nwa), (2, 1152));
    write_run(t, 1152, 400, 32);
    sync(t, true).ok();
    // Close session 1, keep appendable (page 05h multi-session 11b).
    close(t, false, 2, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state, di.sessions), (1, 0, 2));
    assert_eq!(
        (di.first_track_last_session, di.last_track_last_session),
        (3, 3)
    );
    // NWA after the first session = lead-out + 11400 (cookbook).
    let leadout1 = 1152 + 400 + 2;
    let nwa2 = leadout1 + 11_400;
    assert_eq!(track_info(t, 0xFF).nwa, nwa2);
    assert_eq!(track_info(t, 3).nwa, nwa2);
    // Next session's lead-in in READ DISC INFORMATION: NWA − 150 − 4500.
    assert_eq!(di.lead_in.to_be_bytes()[1..], msf(nwa2 as i64 - 4650));

    // Session 2 with one track; after later sessions the gap is 6900.
    write_run(t, nwa2 as i64, 500, 32);
    sync(t, false).ok();
    close(t, false, 2, 0).ok();
    let leadout2 = nwa2 + 502;
    let nwa3 = leadout2 + 6_900;
    assert_eq!(track_info(t, 0xFF).nwa, nwa3);
    assert_eq!(be32(&read_capacity(t).ok().data, 0), leadout2 - 1);

    // Formatted TOC (LBA): tracks 1–3 and the lead-out of session 2.
    let toc = read_toc(t, 0, false, 0).ok().data;
    assert_eq!(be16(&toc, 0) as usize, toc.len() - 2);
    assert_eq!((toc[2], toc[3]), (1, 3));
    let entries: Vec<(u8, u8, u32)> = toc[4..]
        .chunks(8)
        .map(|e| (e[1], e[2], be32(e, 4)))
        .collect();
    assert_eq!(
        entries,
        vec![
            (0x14, 1, 0),
            (0x14, 2, 1152),
            (0x14, 3, nwa2),
            (0x14, 0xAA, leadout2)
        ]
    );
    // MSF variant of the same.
    let toc = read_toc(t, 0, true, 2).ok().data;
    assert_eq!(toc[4 + 2], 2);
    assert_eq!(toc[4 + 5..4 + 8], msf(1152));

    // Session info: last complete session 2, its first track 3.
    let s = read_toc(t, 1, false, 0).ok().data;
    assert_eq!((s[2], s[3], s[6], be32(&s, 8)), (1, 2, 3, nwa2));

    // Raw TOC: A0/A1/A2, tracks, B0 per session.
    let raw = read_toc(t, 2, true, 1).ok().data;
    assert_eq!((raw[2], raw[3]), (1, 2));
    assert_eq!((be16(&raw, 0) as usize - 2) % 11, 0);
    // (session, ADR/CONTROL, POINT, MIN/SEC/FRAME, PMIN/PSEC/PFRAME)
    type Point = (u8, u8, u8, [u8; 3], [u8; 3]);
    let points: Vec<Point> = raw[4..]
        .chunks(11)
        .map(|e| (e[0], e[1], e[3], [e[4], e[5], e[6]], [e[8], e[9], e[10]]))
        .collect();
    let find = |session: u8, point: u8| {
        points
            .iter()
            .find(|p| p.0 == session && p.2 == point)
            .unwrap_or_else(|| panic!("session {session} point {point:02X}"))
    };
    assert_eq!(find(1, 0xA0).4[0], 1);
    assert_eq!(find(1, 0xA1).4[0], 2);
    assert_eq!(find(1, 0xA2).4, msf(leadout1 as i64));
    assert_eq!(find(1, 0x01).4, msf(0));
    assert_eq!(find(1, 0x02).4, msf(1152));
    let b0 = find(1, 0xB0);
    assert_eq!(b0.1 >> 4, 5, "B0 is a mode-5 point");
    assert_eq!(b0.3, msf(nwa2 as i64 - 150), "next program area");
    assert_eq!(b0.4, [79, 59, 72], "last possible lead-out");
    assert_eq!(find(2, 0xA0).4[0], 3);
    assert_eq!(find(2, 0xA2).4, msf(leadout2 as i64));
    assert_eq!(find(2, 0xB0).3, msf(nwa3 as i64 - 150));

    // Reads: data, run-out, pre-gap/lead-out gaps, invisible track.
    let r = read10(t, 998, 2).ok();
    assert_eq!(r.data, pattern(998, 2));
    read10(t, 999, 2).check(3, 0x11, 0);
    let r = read10(t, 1000, 1);
    r.check(3, 0x11, 0);
    assert_eq!(r.sense.unwrap().information, Some(1000));
    read10(t, 1002, 1).check(5, 0x21, 0);
    read10(t, leadout1 as i64 + 100, 1).check(5, 0x21, 0);
    assert_eq!(read10(t, nwa2 as i64, 4).ok().data, pattern(nwa2 as i64, 4));
    read10(t, nwa3 as i64, 1).check(8, 0, 0);
    read10(t, 359_847, 1).check(5, 0x21, 0);
}

#[test]
fn close_with_multi_00_finalizes() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    select05(t, &Page05 { multi: 0, ..CD_TAO }).ok();
    write_run(t, 0, 300, 30);
    sync(t, false).ok();
    // a wrong close function for CD
    close(t, false, 5, 0).check(5, 0x24, 0);
    close(t, false, 2, 0).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.last_session_state, di.sessions), (2, 3, 1));
    assert_eq!((di.lead_in, di.last_leadout), (u32::MAX, u32::MAX));
    // No invisible track on a finalized disc.
    read_track_info(t, 1, 0xFF).check(5, 0x24, 0);
    write10(t, 302 + 150, &pattern(0, 1)).check(5, 0x30, 5);
    close(t, false, 2, 0).check(5, 0x2C, 0);
    // Raw TOC of the closed disc: B0 carries FF FF FF.
    let raw = read_toc(t, 2, true, 1).ok().data;
    let b0 = raw[4..].chunks(11).find(|e| e[3] == 0xB0).unwrap();
    assert_eq!(&b0[4..7], &[0xFF; 3]);
}

#[test]
fn short_tao_track_is_padded_to_300_blocks() {
    let mut d = fresh(Media::CdRw);
    let t = &mut d.emu;
    select05(t, &CD_TAO).ok();
    write10(t, 0, &pattern(0, 10)).ok();
    sync(t, false).ok();
    let t1 = track_info(t, 1);
    assert_eq!(t1.size, 302);
    assert_eq!(track_info(t, 0xFF).nwa, 452);
    // padding reads as zeros
    assert_eq!(read10(t, 10, 1).ok().data, vec![0u8; 2048]);
    // a CLOSE TRACK after the sync is harmless on CD
    close(t, false, 1, 0xFF).ok();
}

/// The single-track cue sheet of `mmc-recipes.md` §6.8 for `n` blocks.
fn cue(n: u32) -> Vec<u8> {
    let m = msf(n as i64);
    vec![
        0x41, 0x00, 0x00, 0x14, 0, 0, 0, 0, //
        0x41, 0x01, 0x00, 0x10, 0, 0, 0, 0, //
        0x41, 0x01, 0x01, 0x10, 0, 0, 2, 0, //
        0x41, 0xAA, 0x01, 0x14, 0, m[0], m[1], m[2],
    ]
}

#[test]
fn sao_session_from_cue_sheet() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    // cue sheet before page 05h SAO: sequence error
    send_cue(t, &cue(1000)).check(5, 0x2C, 0);
    select05(t, &CD_SAO).ok();
    // malformed cue sheets
    send_cue(t, &cue(1000)[..24]).check(5, 0x26, 0);
    let mut audio = cue(1000);
    audio[8 + 3] = 0x00;
    send_cue(t, &audio).check(5, 0x26, 0);
    send_cue(t, &cue(1000)).ok();
    // writing starts at −150 (the pre-gap) and continues without gaps
    write10(t, 0, &pattern(0, 16)).check(5, 0x21, 2);
    write10(t, -150, &vec![0u8; 150 * 2048]).ok();
    write_run(t, 0, 1000, 50);
    write10(t, 1000, &pattern(1000, 1)).check(5, 0x63, 0);
    // CLOSE is not used with SAO
    close(t, false, 2, 0).check(5, 0x2C, 0);
    sync(t, false).ok();
    let t1 = track_info(t, 1);
    assert_eq!(
        (t1.start, t1.size, t1.session),
        (0, 1000, 1),
        "no run-out in SAO"
    );
    let di = disc_info(t);
    assert_eq!((di.status, di.sessions), (1, 2));
    assert_eq!(track_info(t, 0xFF).nwa, 1000 + 11_400);
    assert_eq!(read10(t, 999, 1).ok().data, pattern(999, 1));
    // SAO on a non-blank disc is refused
    send_cue(t, &cue(500)).check(5, 0x2C, 0);
}

#[test]
fn blank_full_and_minimal_report_progress() {
    let mut d = fresh_with(Media::CdRw, timed());
    let t = &mut d.emu;
    select05(t, &CD_TAO).ok();
    write_run(t, 0, 300, 30);
    sync(t, false).ok();
    close(t, false, 2, 0).ok();
    assert_eq!(disc_info(t).status, 1);

    blank(t, true, 0).ok();
    let r = tur(t);
    r.check(2, 0x04, 0x07);
    assert_eq!(r.progress(), Some(0));
    t.advance_clock(Duration::from_secs(1));
    let r = tur(t);
    r.check(2, 0x04, 0x07);
    let p = r.progress().unwrap();
    assert!(
        (30_000..36_000).contains(&p),
        "progress {p} halfway through 2 s"
    );
    // REQUEST SENSE reports the same progress (with GOOD status)
    let rs = request_sense(t).ok();
    let s = mmc::sense::Sense::parse(&rs.data).unwrap();
    assert_eq!((s.key.0, s.asc, s.ascq, s.progress()), (2, 4, 7, Some(p)));
    // media commands wait, INQUIRY answers
    read_disc_info(t).check(2, 0x04, 0x07);
    inquiry(t).ok();
    t.advance_clock(Duration::from_millis(1100));
    tur(t).ok();
    let di = disc_info(t);
    assert_eq!((di.status, di.erasable, di.sessions), (0, true, 1));
    read10(t, 0, 1).check(8, 0, 0);

    // Minimal blank: shorter.
    write_run(t, 0, 300, 30);
    sync(t, false).ok();
    blank(t, true, 1).ok();
    tur(t).check(2, 4, 7);
    t.advance_clock(Duration::from_millis(1001));
    tur(t).ok();
    assert_eq!(disc_info(t).status, 0);
    // Unsupported blanking types.
    blank(t, false, 2).check(5, 0x24, 0);
}

#[test]
fn cd_r_cannot_be_blanked_or_formatted() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    blank(t, false, 0).check(5, 0x30, 0);
    format(t, false, 359_847, 0, 0, 0).check(5, 0x30, 6);
    reserve(t, 1000).check(5, 0x24, 0);
}

#[test]
fn multi_session_01b_also_closes_the_disc() {
    // Page 05h Multi-session 01b: no next session, B0 = FF/FF/FF.
    let mut d = fresh(Media::CdRw);
    let t = &mut d.emu;
    select05(t, &Page05 { multi: 1, ..CD_TAO }).ok();
    write_run(t, 0, 300, 30);
    sync(t, false).ok();
    close(t, false, 2, 0).ok();
    assert_eq!(disc_info(t).status, 2);
}

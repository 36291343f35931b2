//! Drive-level behaviour: INQUIRY, GET CONFIGURATION, tray, lock, unit
//! attention, events, mode pages, speeds, allocation lengths, buffer.

use mmc::emul::{EmulOptions, Media};
use mmc::{DataPhase, Transport};

use crate::util::*;

#[test]
fn inquiry_identifies_an_mmc_drive() {
    let mut d = fresh(Media::DvdPlusRw);
    let r = inquiry(&mut d.emu).ok();
    let b = &r.data;
    assert_eq!(b.len(), 36);
    assert_eq!(b[0] & 0x1F, 0x05, "peripheral device type MMC");
    assert_eq!(b[1] & 0x80, 0x80, "removable");
    assert_eq!(b[4] as usize, 36 - 5, "additional length");
    assert_eq!(&b[8..16], b"BURN    ");
    assert_eq!(&b[16..32], b"EMUL DVD+RW     ");
    // VPD: supported pages, serial number; unknown page → 5/24/00
    let r = run_in(&mut d.emu, &[0x12, 1, 0x80, 0, 255, 0], 255).ok();
    assert_eq!((r.data[1], r.data[3] as usize), (0x80, r.data.len() - 4));
    run_in(&mut d.emu, &[0x12, 1, 0x83, 0, 255, 0], 255).check(5, 0x24, 0);
    run_in(&mut d.emu, &[0x12, 0, 0x80, 0, 255, 0], 255).check(5, 0x24, 0);
}

#[test]
fn profile_list_and_configuration_request_types() {
    let mut d = fresh(Media::BdRe);
    let t = &mut d.emu;
    let pl = profile_list(t);
    let numbers: Vec<u16> = pl.iter().map(|p| p.0).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "descending: {numbers:04X?}"
    );
    for p in [
        0x08, 0x09, 0x0A, 0x10, 0x11, 0x12, 0x13, 0x14, 0x1A, 0x1B, 0x2B, 0x40, 0x41, 0x43,
    ] {
        assert!(numbers.contains(&p), "profile {p:04X}h listed");
    }
    assert_eq!(
        pl.iter().filter(|p| p.1).map(|p| p.0).collect::<Vec<_>>(),
        vec![0x0043]
    );
    // RT = 10b: exactly the one feature
    let r = get_config(t, 2, 0x0107, 64).ok();
    assert_eq!(be32(&r.data, 0) as usize, r.data.len() - 4);
    assert_eq!((be16(&r.data, 8), r.data.len()), (0x0107, 8 + 8));
    assert_eq!(r.data[12] & 0x1F, 0x1F, "SW, WSPD, MP2A, SCS, RBCB");
    // RT = 01b: only current features, from the starting number on
    let r = get_config(t, 1, 0x0020, 4096).ok();
    let mut i = 8;
    while i < r.data.len() {
        assert!(be16(&r.data, i) >= 0x0020);
        assert_eq!(r.data[i + 2] & 1, 1, "current");
        i += 4 + r.data[i + 3] as usize;
    }
    get_config(t, 3, 0, 8).check(5, 0x24, 0);
    // features keep a 4-byte aligned additional length
    for (code, _, data) in features(t) {
        assert_eq!(data.len() % 4, 0, "feature {code:04X}h");
    }
}

#[test]
fn allocation_length_truncates_like_a_drive() {
    let mut d = fresh(Media::DvdR);
    let t = &mut d.emu;
    // Buffer larger than the reply: residual = buffer − 34.
    let r = run_in(t, &[0x51, 0, 0, 0, 0, 0, 0, 0, 64, 0], 64).ok();
    assert_eq!((r.data.len(), r.residual), (34, 30));
    // Allocation length 10: ten bytes, the length field still says 32.
    let r = run_in(t, &[0x51, 0, 0, 0, 0, 0, 0, 0, 10, 0], 10).ok();
    assert_eq!((r.data.len(), r.residual, be16(&r.data, 0)), (10, 0, 32));
    // Allocation smaller than the buffer: the allocation length wins.
    let r = run_in(t, &[0x51, 0, 0, 0, 0, 0, 0, 0, 4, 0], 34).ok();
    assert_eq!((r.data.len(), r.residual), (4, 30));
    // GET CONFIGURATION header only, data length covers all features
    let r = get_config(t, 0, 0, 8).ok();
    assert!(be32(&r.data, 0) > 100);
    // Unknown opcode, bad CDB fields
    run(t, &[0xF3, 0, 0, 0, 0, 0, 0, 0, 0, 0]).check(5, 0x20, 0);
    // SEND OPC INFORMATION with DoOpc: a recorder calibrates and succeeds.
    run(t, &[0x54, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]).ok();
    run_in(t, &[0x51, 1, 0, 0, 0, 0, 0, 0, 34, 0], 34).check(5, 0x24, 0);
    run_in(t, &[0x25, 0, 0, 0, 0, 1, 0, 0, 0, 0], 8).check(5, 0x24, 0);
    // a short CDB is a host error
    assert!(t.execute(&[0x51, 0, 0], DataPhase::None, T).is_err());
}

#[test]
fn eject_load_unit_attention_and_events() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    // nothing pending at first
    assert_eq!(event_media(t).ok().data[4], 0);
    prevent(t, true).ok();
    start_stop(t, true, false).check(5, 0x53, 2);
    assert_eq!(
        mode_sense(t, 0x2A, 64).ok().data[8 + 6] & 0x02,
        0x02,
        "lock state"
    );
    prevent(t, false).ok();
    start_stop(t, true, false).ok();
    tur(t).check(2, 0x3A, 0);
    read_disc_info(t).check(2, 0x3A, 0);
    read10(t, 0, 1).check(2, 0x3A, 0);
    assert_eq!(current_profile(t), 0x0000);
    assert!(profile_list(t).iter().all(|p| !p.1));
    assert_eq!(feature_current(t, 0x002B), Some(false));
    assert_eq!(format_caps(t).1, 3, "descriptor type 11b: no medium");
    let s = request_sense(t).ok();
    assert_eq!((s.data[2] & 0x0F, s.data[12]), (2, 0x3A));
    let e = event_media(t).ok().data;
    assert_eq!(
        (e[2] & 7, e[4] & 0x0F, e[5]),
        (4, 3, 0x01),
        "media removal, tray open"
    );
    let r = run_in(t, &[0xBD, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0], 8).ok();
    assert_eq!(r.data[1] & 0x10, 0x10, "door open");

    // Load: one unit attention, then ready; a new-media event.
    start_stop(t, true, true).ok();
    tur(t).check(6, 0x28, 0);
    tur(t).ok();
    let e = event_media(t).ok().data;
    assert_eq!((e[4] & 0x0F, e[5]), (2, 0x02), "new media, present");
    assert_eq!(current_profile(t), 0x001B);

    // The unit attention is reported by REQUEST SENSE too, and not by
    // INQUIRY / GET CONFIGURATION.
    start_stop(t, true, false).ok();
    start_stop(t, true, true).ok();
    inquiry(t).ok();
    get_config(t, 0, 0, 8).ok();
    let s = request_sense(t).ok();
    assert_eq!((s.data[2] & 0x0F, s.data[12], s.data[13]), (6, 0x28, 0));
    tur(t).ok();

    // The tray state is durable: an ejected disc stays ejected.
    start_stop(t, true, false).ok();
    let mut d = d.reopen(instant());
    tur(&mut d.emu).check(2, 0x3A, 0);
    start_stop(&mut d.emu, true, true).ok();
    tur(&mut d.emu).check(6, 0x28, 0);
    tur(&mut d.emu).ok();
}

#[test]
fn power_on_attention_option() {
    let opts = EmulOptions {
        power_on_attention: true,
        ..instant()
    };
    let mut d = fresh_with(Media::CdR, opts);
    inquiry(&mut d.emu).ok();
    tur(&mut d.emu).check(6, 0x29, 0);
    tur(&mut d.emu).ok();
}

#[test]
fn mode_pages_05_and_2a() {
    let mut d = fresh(Media::CdR);
    let t = &mut d.emu;
    // page 05h: 8-byte header, page length 32h
    let r = mode_sense(t, 0x05, 10).ok();
    assert_eq!((be16(&r.data, 0), r.data[9]), (0x3A, 0x32));
    select05(t, &Page05 { multi: 0, ..CD_TAO }).ok();
    let p = mode_sense(t, 0x05, 60).ok().data;
    assert_eq!(
        (p[8] & 0x3F, p[8 + 2] & 0x0F, p[8 + 3] >> 6, p[8 + 4]),
        (5, 1, 0, 8)
    );
    // changeable values: write type and multi-session bits are changeable
    let c = mode_sense(t, 0x40 | 0x05, 60).ok().data;
    assert_eq!((c[8 + 2] & 0x0F, c[8 + 3] & 0xC0), (0x0F, 0xC0));
    mode_sense(t, 0xC0 | 0x05, 60).check(5, 0x39, 0);
    mode_sense(t, 0x01, 60).check(5, 0x24, 0);
    // invalid parameter values
    let mut b = page05_bytes(&CD_TAO);
    b[8 + 2] |= 0x10; // Test Write
    run_out(t, &[0x55, 0x10, 0, 0, 0, 0, 0, 0, b.len() as u8, 0], &b).check(5, 0x26, 0);
    let mut b = page05_bytes(&CD_TAO);
    b[8 + 4] = 0; // audio is not modelled
    run_out(t, &[0x55, 0x10, 0, 0, 0, 0, 0, 0, b.len() as u8, 0], &b).check(5, 0x26, 0);
    let mut b = page05_bytes(&CD_TAO);
    b[8 + 1] = 0x20; // page length
    b.truncate(8 + 2 + 0x20);
    run_out(t, &[0x55, 0x10, 0, 0, 0, 0, 0, 0, b.len() as u8, 0], &b).check(5, 0x26, 0);
    let b = page05_bytes(&CD_TAO);
    run_out(t, &[0x55, 0x10, 0, 0, 0, 0, 0, 0, 20, 0], &b[..20]).check(5, 0x1A, 0);
    run_out(t, &[0x55, 0x00, 0, 0, 0, 0, 0, 0, b.len() as u8, 0], &b).check(5, 0x24, 0);

    // page 2Ah: buffer size and write speed descriptors as GET PERFORMANCE
    let p = mode_sense(t, 0x2A, 255).ok().data;
    let pg = &p[8..];
    assert_eq!(pg[0] & 0x3F, 0x2A);
    assert!(pg[1] as usize + 2 >= 32);
    assert_eq!(be16(pg, 12), 4096, "buffer size KiB");
    let n = be16(pg, 30) as usize;
    let speeds: Vec<u32> = (0..n).map(|i| be16(pg, 32 + 4 * i + 2)).collect();
    let perf = run_in(t, &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0], 8)
        .ok()
        .data;
    let count = (be32(&perf, 0) as usize - 4) / 16;
    assert_eq!(count, n, "header-only request learns the count");
    let perf = run_in(
        t,
        &[0xAC, 0, 0, 0, 0, 0, 0, 0, 0, n as u8, 3, 0],
        8 + 16 * n,
    )
    .ok()
    .data;
    let listed: Vec<u32> = perf[8..].chunks(16).map(|e| be32(e, 12)).collect();
    assert_eq!(listed, speeds);
    assert_eq!(be16(pg, 28), speeds[0], "maximum selected by default");
    // SET CD SPEED rounds down to an offered speed
    run(t, &[0xBB, 0, 0xFF, 0xFF, 0x13, 0x88, 0, 0, 0, 0, 0, 0]).ok();
    let p = mode_sense(t, 0x2A, 255).ok().data;
    let want = speeds.iter().copied().find(|&s| s <= 5000).unwrap();
    assert_eq!(be16(&p[8..], 28), want);
}

#[test]
fn set_streaming_selects_dvd_write_speed() {
    let mut d = fresh(Media::DvdPlusR);
    let t = &mut d.emu;
    let mut p = vec![0u8; 28];
    p[8..12].copy_from_slice(&2_295_103u32.to_be_bytes());
    p[12..16].copy_from_slice(&22_160u32.to_be_bytes());
    p[16..20].copy_from_slice(&1000u32.to_be_bytes());
    p[20..24].copy_from_slice(&12_000u32.to_be_bytes());
    p[24..28].copy_from_slice(&1000u32.to_be_bytes());
    run_out(t, &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0], &p).ok();
    let pg = mode_sense(t, 0x2A, 255).ok().data;
    assert_eq!(be16(&pg[8..], 28), 11_080);
    run_out(t, &[0xB6, 0, 0, 0, 0, 0, 0, 0, 5, 0, 28, 0], &p).check(5, 0x24, 0);
    p[24..28].fill(0);
    run_out(t, &[0xB6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 28, 0], &p).check(5, 0x26, 0);
}

#[test]
fn read_buffer_capacity_reports_the_cache() {
    let mut d = fresh(Media::BdR);
    let t = &mut d.emu;
    let (len, free) = read_buffer_capacity(t);
    assert_eq!((len, free), (4 << 20, 4 << 20));
    write_run(t, 0, 64, 32);
    assert_eq!(read_buffer_capacity(t), (4 << 20, (4 << 20) - 64 * 2048));
    assert_eq!(d.emu.summary().cache_fill, 64 * 2048);
    // cached data is readable before it reaches the image
    let t = &mut d.emu;
    assert_eq!(read10(t, 10, 2).ok().data, pattern(10, 2));
    sync(t, false).ok();
    assert_eq!(read_buffer_capacity(t).1, 4 << 20);
}

//! DVD-RAM and BD-RE: formatted random access, format types and sizes,
//! sparse backing.

use std::os::unix::fs::MetadataExt;
use std::time::Duration;

use mmc::emul::Media;

use crate::util::*;

#[test]
fn dvd_ram_is_sold_formatted() {
    let mut d = fresh(Media::DvdRam);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0012);
    assert_eq!(feature_current(t, 0x0020), Some(true), "Random Writable");
    assert_eq!(
        feature_current(t, 0x0024),
        Some(true),
        "Hardware Defect Management"
    );
    let di = disc_info(t);
    assert_eq!(
        (di.status, di.last_session_state, di.erasable),
        (3, 3, true),
        "11b other"
    );
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (2_236_704, 2));
    assert_eq!(
        list.iter().map(|l| l.1).collect::<Vec<_>>(),
        vec![0x00, 0x01]
    );
    assert_eq!(be32(&read_capacity(t).ok().data, 0), 2_236_703);
    // random writes at any 2 KiB address
    write10(t, 777, &pattern(777, 3)).ok();
    write10(t, 10, &pattern(10, 1)).ok();
    assert_eq!(read10(t, 777, 3).ok().data, pattern(777, 3));
    assert_eq!(read10(t, 0, 1).ok().data, vec![0u8; 2048]);
    write10(t, 2_236_703, &pattern(0, 2)).check(5, 0x21, 2);
    read10(t, 2_236_704, 1).check(5, 0x21, 0);
    // closing, reserving, blanking have no meaning here
    close(t, false, 2, 0).check(5, 0x24, 0);
    reserve(t, 16).check(5, 0x24, 0);
    blank(t, false, 0).check(5, 0x30, 0);
    // page 05h is accepted and ignored
    select05(t, &CD_TAO).ok();
    write10(t, 20, &pattern(20, 1)).ok();
}

#[test]
fn bd_re_is_sold_unformatted() {
    let mut d = fresh(Media::BdRe);
    let t = &mut d.emu;
    assert_eq!(current_profile(t), 0x0043);
    assert_eq!(feature_current(t, 0x0023), Some(true), "Formattable");
    assert_eq!(feature_current(t, 0x0041), Some(true), "BD Write");
    assert_eq!(feature_current(t, 0x0040), Some(true), "BD Read");
    assert_eq!(feature_current(t, 0x0020), Some(false));
    assert_eq!(disc_info(t).status, 0);
    let (blocks, kind, list) = format_caps(t);
    assert_eq!((blocks, kind), (12_219_392, 1));
    assert_eq!(
        list,
        vec![
            (11_826_176, 0x00, 0x3000),
            (11_826_176, 0x30, 0x3000),
            (11_564_032, 0x30, 0x5000),
            (12_088_320, 0x30, 0x1000),
            (12_219_392, 0x31, 0x800),
        ]
    );
    write10(t, 0, &pattern(0, 32)).check(5, 0x30, 0x10);
    read10(t, 0, 1).check(5, 0x30, 0x10);
}

#[test]
fn bd_re_format_types_and_capacities() {
    let mut d = fresh_with(Media::BdRe, timed());
    let t = &mut d.emu;
    // 00h, default spares, Immed with progress.
    format(t, true, 11_826_176, 0x00, 0, 0x3000).ok();
    let r = tur(t);
    r.check(2, 4, 4);
    t.advance_clock(Duration::from_millis(250));
    let p = tur(t).progress().unwrap();
    assert!((30_000..36_000).contains(&p), "{p}");
    let rs = request_sense(t).ok();
    assert_eq!(mmc::sense::Sense::parse(&rs.data).unwrap().asc, 0x04);
    t.advance_clock(Duration::from_millis(300));
    tur(t).ok();
    let (blocks, kind, _) = format_caps(t);
    assert_eq!((blocks, kind), (11_826_176, 2));
    assert_eq!(be32(&read_capacity(t).ok().data, 0), 11_826_175);
    assert_eq!(disc_info(t).status, 2);
    assert_eq!(feature_current(t, 0x0020), Some(true));
    write10(t, 11_826_144, &pattern(11_826_144, 32)).ok();
    write10(t, 11_826_176, &pattern(0, 32)).check(5, 0x21, 2);
    sync(t, false).ok();

    // 31h: no spares, the whole disc.
    format(t, false, 12_219_392, 0x31, 1, 0x800).ok();
    assert_eq!(format_caps(t).0, 12_219_392);
    assert_eq!(
        feature_current(t, 0x0024),
        Some(false),
        "no defect management"
    );
    // formatting erased the old data
    assert_eq!(read10(t, 11_826_144, 1).ok().data, vec![0u8; 2048]);
    // 30h: any size between maximum and minimum spares, whole clusters.
    format(t, false, 12_000_000, 0x30, 3, 0x3000).ok();
    assert_eq!(format_caps(t).0, 12_000_000);
    assert_eq!(feature_current(t, 0x0024), Some(true));
    format(t, false, 11_000_000, 0x30, 0, 0x3000).check(5, 0x26, 0);
    format(t, false, 12_000_001, 0x30, 0, 0x3000).check(5, 0x26, 0);
    // certification needs spares; 31h size is fixed; 00h size as offered
    format(t, false, 12_219_392, 0x31, 2, 0x800).check(5, 0x26, 0);
    format(t, false, 12_000_000, 0x31, 0, 0x800).check(5, 0x26, 0);
    format(t, false, 11_826_175, 0x00, 0, 0x3000).check(5, 0x26, 0);
    format(t, false, 2_295_104, 0x26, 0, 0).check(5, 0x26, 0);
    // FORMAT UNIT without FmtData / with a bad header
    run_out(t, &[0x04, 0x01, 0, 0, 0, 0], &[0u8; 12]).check(5, 0x24, 0);
    let mut p = vec![0u8; 12];
    p[3] = 16;
    run_out(t, &[0x04, 0x11, 0, 0, 0, 0], &p).check(5, 0x26, 0);
    run_out(t, &[0x04, 0x11, 0, 0, 0, 0], &p[..8]).check(5, 0x1A, 0);
}

#[test]
fn bd_re_image_is_sparse() {
    let mut d = fresh(Media::BdRe);
    let md = std::fs::metadata(&d.path).unwrap();
    assert_eq!(
        md.len(),
        12_219_392 * 2048,
        "apparent size = unformatted capacity"
    );
    // st_blocks counts 512-byte units actually allocated
    assert!(
        md.blocks() * 512 < 1 << 20,
        "{} bytes allocated",
        md.blocks() * 512
    );
    let t = &mut d.emu;
    format(t, false, 12_219_392, 0x31, 0, 0x800).ok();
    write_run(t, 6_000_000, 512, 32);
    sync(t, false).ok();
    let md = std::fs::metadata(&d.path).unwrap();
    let used = md.blocks() * 512;
    assert!(used >= 1 << 20, "the written MiB is stored ({used})");
    assert!(used < 8 << 20, "{used} bytes allocated for 1 MiB of data");
}

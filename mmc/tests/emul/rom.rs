//! CD-ROM, DVD-ROM, BD-ROM: an existing image presented as a pressed disc.

use mmc::emul::{Emulator, Media};
use mmc::error::{Error, OpenErrorKind};

use crate::util::*;

fn rom(media: Media, bytes: usize) -> (tempfile::TempDir, std::path::PathBuf, Emulator, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("pressed.iso");
    let content: Vec<u8> = (0..bytes).map(|i| (i % 251) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let emu = Emulator::open_with(media, &path, instant()).unwrap();
    (dir, path, emu, content)
}

#[test]
fn dvd_rom_presents_the_image_read_only() {
    let (_dir, path, mut t, content) = rom(Media::DvdRom, 100 * 2048 + 100);
    assert_eq!(current_profile(&mut t), 0x0010);
    let di = disc_info(&mut t);
    assert_eq!(
        (di.status, di.last_session_state, di.sessions, di.erasable),
        (2, 3, 1, false)
    );
    // 101 blocks: the partial last block reads zero-padded
    assert_eq!(be32(&read_capacity(&mut t).ok().data, 0), 100);
    assert_eq!(read10(&mut t, 0, 4).ok().data, content[..4 * 2048]);
    let last = read10(&mut t, 100, 1).ok().data;
    assert_eq!(&last[..100], &content[100 * 2048..]);
    assert!(last[100..].iter().all(|&b| b == 0));
    read10(&mut t, 101, 1).check(5, 0x21, 0);
    // ROM refuses writing with 5/30/05; formatting with 5/30/06
    write10(&mut t, 0, &pattern(0, 1)).check(5, 0x30, 5);
    close(&mut t, false, 2, 0).check(5, 0x30, 5);
    reserve(&mut t, 16).check(5, 0x30, 5);
    blank(&mut t, false, 0).check(5, 0x30, 5);
    format(&mut t, false, 100, 0, 0, 0x800).check(5, 0x30, 6);
    assert_eq!(format_caps(&mut t).1, 2);
    let toc = read_toc(&mut t, 0, false, 0).ok().data;
    assert_eq!(&toc[4..8], &[0, 0x14, 1, 0]);
    assert_eq!((toc[14], be32(&toc, 16)), (0xAA, 101));
    drop(t);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        content,
        "the image is never written"
    );
}

#[test]
fn cd_rom_raw_toc_and_read_cd() {
    let (_dir, _path, mut t, content) = rom(Media::CdRom, 600 * 2048);
    assert_eq!(current_profile(&mut t), 0x0008);
    let raw = read_toc(&mut t, 2, true, 1).ok().data;
    let a2 = raw[4..].chunks(11).find(|e| e[3] == 0xA2).unwrap();
    // lead-out at LBA 600 = 00:10:00
    assert_eq!(&a2[8..11], &[0, 10, 0]);
    // READ CD, user data of Mode 1 sectors (byte 9 = 10h)
    let r = run_in(
        &mut t,
        &[0xBE, 2 << 2, 0, 0, 0, 5, 0, 0, 2, 0x10, 0, 0],
        4096,
    )
    .ok();
    assert_eq!(r.data, content[5 * 2048..7 * 2048]);
    // expected sector type CD-DA on a data track; raw sectors not modelled
    run_in(
        &mut t,
        &[0xBE, 1 << 2, 0, 0, 0, 5, 0, 0, 1, 0x10, 0, 0],
        2352,
    )
    .check(5, 0x64, 0);
    run_in(&mut t, &[0xBE, 0, 0, 0, 0, 5, 0, 0, 1, 0xF8, 0, 0], 2352).check(5, 0x24, 0);
}

#[test]
fn bd_rom_and_missing_or_empty_images() {
    let (_dir, _path, mut t, _) = rom(Media::BdRom, 32 * 2048);
    assert_eq!(current_profile(&mut t), 0x0040);
    assert_eq!(feature_current(&mut t, 0x0040), Some(true));
    assert_eq!(feature_current(&mut t, 0x0041), Some(false));
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.iso");
    match Emulator::open(Media::BdRom, &missing) {
        Err(Error::Open {
            kind: OpenErrorKind::NotFound,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(!missing.exists(), "opening a ROM never creates the image");
    let empty = dir.path().join("empty.iso");
    std::fs::write(&empty, b"").unwrap();
    assert!(matches!(
        Emulator::open(Media::CdRom, &empty),
        Err(Error::Invalid(_))
    ));
}

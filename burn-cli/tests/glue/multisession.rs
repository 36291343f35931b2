//! The real multisession backup on every writable medium: blank or
//! format as needed, three sessions with new and changed files, check
//! after each, close where the medium can be closed, and a further add
//! refused with nothing written — cross-checked with xorriso.

use burn_cli::check::{self, ChainState, Md5Outcome, Verdict, Which};
use burn_cli::media::{self, Layout, Status};
use burn_cli::{blank, disc, no_progress, round_up_32, session};
use mmc::engine::BlankMode;

use crate::util::*;

/// Reads a file of the newest session on the medium.
fn read_newest(rig: &mut Rig, path: &str) -> Vec<u8> {
    let mut img = disc::open_image(rig.rec(), None).unwrap();
    let e = img.lookup(path).unwrap();
    img.read_file(&e, 1 << 30).unwrap()
}

fn can_close(kind: &str) -> bool {
    !matches!(kind, "dvd+rw" | "dvd-ram" | "bd-re" | "stdio")
}

fn rewritable(kind: &str) -> bool {
    matches!(
        kind,
        "cd-rw" | "dvd-rw" | "dvd+rw" | "dvd-ram" | "bd-re" | "stdio"
    )
}

fn backup_cycle(kind: &str) {
    let mut rig = Rig::new(kind);
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    write_file(&s1.join("sub/b.bin"), 2, 70_000);
    write_file(&s1.join("empty"), 3, 0);
    std::fs::hard_link(s1.join("sub/b.bin"), s1.join("b-link")).unwrap();

    if rewritable(kind) {
        let b = blank::blank(rig.rec(), BlankMode::AsNeeded, &mut no_progress).unwrap();
        assert_eq!(b.status, Status::Blank, "{kind}: {b:?}");
    }
    let m0 = media::inspect(rig.rec()).unwrap();
    assert_eq!(m0.status, Status::Blank, "{kind}");
    let emulated = m0.layout == Layout::Emulated;
    if emulated {
        assert_eq!(m0.next_start, Some(32), "{kind}: first session at LBA 32");
    }

    // Session 1.
    let r1 = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r1.session, 1);
    assert_eq!(r1.new_files, 4, "{kind}: {r1:?}");
    assert!(!r1.closed);
    let m1 = media::inspect(rig.rec()).unwrap();
    assert_eq!(m1.status, Status::Appendable, "{kind}");
    assert_eq!(m1.sessions.len(), 1);
    assert_eq!(m1.sessions[0].start, r1.start);
    assert_eq!(m1.sessions[0].volume_id.as_deref(), Some("SESS1"));
    if emulated {
        assert_eq!(r1.start, 32);
        assert_eq!(
            m1.next_start,
            Some(round_up_32(32 + u64::from(r1.blocks)) as u32),
            "{kind}: next session at the 32-block boundary"
        );
    } else {
        assert_eq!(Some(r1.start), m0.next_start);
        assert!(m1.next_start.unwrap() >= r1.start + r1.blocks, "{kind}");
    }
    let c1 = check::check(rig.rec(), Which::Newest, &mut no_progress).unwrap();
    assert_eq!(c1.verdict, Verdict::Ok, "{kind}: {c1:#?}");
    let s = &c1.sessions[0];
    assert_eq!(s.chain, ChainState::Complete);
    assert_eq!(s.session_md5, Md5Outcome::Match);
    assert_eq!((s.files.total, s.files.matched), (4, 4), "{kind}");
    if emulated {
        assert_eq!(
            c1.head.as_ref().map(|h| h.outcome),
            Some(check::TagOutcome::Match)
        );
    }

    // Session 2: a new file and a changed one.
    let s2 = rig.src("s2");
    write_file(&s2.join("c.txt"), 4, 3000);
    write_file(&s2.join("a.txt"), 5, 40);
    let r2 = session::add(
        rig.rec(),
        &[graft(&s2, None)],
        &add_opts("SESS2"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r2.session, 2);
    assert_eq!((r2.new_files, r2.carried_files), (2, 3), "{kind}: {r2:?}");
    let imp = r2.import.as_ref().unwrap();
    assert_eq!((imp.with_md5, imp.without_md5), (4, 0), "{kind}");
    assert_eq!(read_newest(&mut rig, "/a.txt"), Noise::bytes(5, 40));

    // Session 3: another new file and a changed one; closes the disc
    // where that is possible.
    let s3 = rig.src("s3");
    write_file(&s3.join("d/e.bin"), 6, 100_000);
    write_file(&s3.join("sub/b.bin"), 7, 5000);
    let mut o3 = add_opts("SESS3");
    o3.close = can_close(kind);
    let r3 = session::add(rig.rec(), &[graft(&s3, None)], &o3, &mut no_progress).unwrap();
    assert_eq!(r3.session, 3);
    assert_eq!(r3.closed, can_close(kind), "{kind}");

    let m3 = media::inspect(rig.rec()).unwrap();
    let j = serde_json::to_value(&m3).unwrap();
    assert_eq!(j["sessions"][2]["volume_id"], "SESS3");
    assert_eq!(
        j["layout"],
        if emulated { "emulated" } else { "sequential" }
    );
    let starts: Vec<u32> = m3.sessions.iter().map(|s| s.start).collect();
    assert_eq!(starts, vec![r1.start, r2.start, r3.start], "{kind}");
    let ids: Vec<_> = m3
        .sessions
        .iter()
        .map(|s| s.volume_id.clone().unwrap())
        .collect();
    assert_eq!(ids, vec!["SESS1", "SESS2", "SESS3"]);
    if emulated {
        assert_eq!(
            r2.start as u64,
            round_up_32(u64::from(r1.start + r1.blocks))
        );
        assert_eq!(
            r3.start as u64,
            round_up_32(u64::from(r2.start + r2.blocks))
        );
    }
    assert_eq!(
        m3.status,
        if can_close(kind) {
            Status::Closed
        } else {
            Status::Appendable
        },
        "{kind}"
    );

    // Every file of every session, each content read once.
    let all = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
    assert_eq!(all.verdict, Verdict::Ok, "{kind}: {all:#?}");
    let totals: Vec<(u64, u64)> = all
        .sessions
        .iter()
        .map(|s| (s.files.total, s.files.matched))
        .collect();
    assert_eq!(totals, vec![(4, 4), (5, 5), (6, 6)], "{kind}");
    assert_eq!(read_newest(&mut rig, "/sub/b.bin"), Noise::bytes(7, 5000));
    assert_eq!(read_newest(&mut rig, "/b-link"), Noise::bytes(2, 70_000));
    assert_eq!(read_newest(&mut rig, "/d/e.bin"), Noise::bytes(6, 100_000));

    if can_close(kind) {
        // A further add is refused before anything is written.
        // (The blocks up to well past the end of the data, and the
        // emulator's state.)
        let span = m3.sessions.last().unwrap().end() + 2048;
        rig.close();
        let before = md5_hex(&rig.image_blocks(0, span));
        let state_before = std::fs::read(rig.path.with_extension("img.emul")).ok();
        rig.open();
        let s4 = rig.src("s4");
        write_file(&s4.join("f"), 8, 10);
        let e = session::add(
            rig.rec(),
            &[graft(&s4, None)],
            &add_opts("SESS4"),
            &mut no_progress,
        )
        .unwrap_err();
        assert!(e.is_unsuitable(), "{kind}: {e}");
        rig.close();
        assert_eq!(md5_hex(&rig.image_blocks(0, span)), before);
        assert_eq!(
            std::fs::read(rig.path.with_extension("img.emul")).ok(),
            state_before
        );
        rig.open();
    }
    rig.close();

    // The oracle.
    if emulated {
        let toc = xorriso_toc(&rig.path);
        let want: Vec<(u32, u32, String)> = vec![
            (r1.start, r1.blocks, "SESS1".into()),
            (r2.start, r2.blocks, "SESS2".into()),
            (r3.start, r3.blocks, "SESS3".into()),
        ];
        assert_eq!(toc, want, "{kind}: xorriso -toc");
        xorriso_files_match(&rig.path, None);
        assert_eq!(xorriso_tag_ranges_match(&rig.path), 3, "{kind}");
    } else {
        for r in [&r1, &r2, &r3] {
            xorriso_files_match(&rig.path, Some(r.start));
        }
    }
}

#[test]
fn backup_cd_r() {
    backup_cycle("cd-r");
}

#[test]
fn backup_cd_rw() {
    backup_cycle("cd-rw");
}

#[test]
fn backup_dvd_r() {
    backup_cycle("dvd-r");
}

#[test]
fn backup_dvd_rw() {
    backup_cycle("dvd-rw");
}

#[test]
fn backup_dvd_plus_r() {
    backup_cycle("dvd+r");
}

#[test]
fn backup_dvd_plus_r_dl() {
    backup_cycle("dvd+r-dl");
}

#[test]
fn backup_dvd_plus_rw() {
    backup_cycle("dvd+rw");
}

#[test]
fn backup_dvd_ram() {
    backup_cycle("dvd-ram");
}

#[test]
fn backup_bd_r() {
    backup_cycle("bd-r");
}

#[test]
fn backup_bd_re() {
    backup_cycle("bd-re");
}

#[test]
fn backup_stdio_file() {
    backup_cycle("stdio");
}

#[test]
fn smoke_stdio_two_sessions() {
    let mut rig = Rig::new("stdio");
    let s1 = rig.src("s1");
    write_file(&s1.join("a.txt"), 1, 12);
    let r = session::add(
        rig.rec(),
        &[graft(&s1, None)],
        &add_opts("SESS1"),
        &mut no_progress,
    )
    .unwrap();
    assert_eq!(r.start, 32);
}

/// A bootable first session (BIOS loader with a boot info table, an EFI
/// image), then a session added with `boot_replay`: the new session has
/// the same catalog entries, the loader's boot info table names the new
/// session's PVD, and everything checks — on an image file, an emulated
/// DVD+RW and a DVD+R. Without `boot_replay` the new session has no
/// catalog.
#[test]
fn boot_replay_keeps_a_bootable_disc_bootable() {
    use iso_writer::read::Platform;
    use iso_writer::write::{BootEntry, ElTorito, LoadSize};
    for kind in ["stdio", "dvd+rw", "dvd+r"] {
        let mut rig = Rig::new(kind);
        let s1 = rig.src("s1");
        write_file(&s1.join("boot/loader.bin"), 61, 30_000);
        write_file(&s1.join("boot/efi.img"), 62, 200_000);
        write_file(&s1.join("readme"), 63, 100);
        let mut o1 = add_opts("BOOT");
        let mut bios = BootEntry::bios(b"/boot/loader.bin".to_vec());
        bios.load_size = LoadSize::Sectors(4);
        bios.boot_info_table = true;
        o1.image.el_torito = Some(ElTorito {
            catalog_path: Some(b"/boot/boot.cat".to_vec()),
            entries: vec![bios, BootEntry::efi(b"/boot/efi.img".to_vec())],
            ..ElTorito::default()
        });
        let r1 = session::add(rig.rec(), &[graft(&s1, None)], &o1, &mut no_progress).unwrap();
        assert!(r1.bootable, "{kind}");

        let s2 = rig.src("s2");
        write_file(&s2.join("late.txt"), 64, 500);
        let mut o2 = add_opts("BOOT");
        o2.boot_replay = true;
        let r2 = session::add(rig.rec(), &[graft(&s2, None)], &o2, &mut no_progress).unwrap();
        assert!(r2.bootable, "{kind}: {r2:?}");
        let mut img = disc::open_image(rig.rec(), None).unwrap();
        assert_eq!(img.session_start(), r2.start, "{kind}");
        let cat = img
            .boot_catalog()
            .unwrap()
            .expect("a catalog in the new session");
        assert!(
            cat.lba >= r2.start,
            "{kind}: the catalog is the new session's"
        );
        let entries: Vec<(Platform, u16)> = cat
            .entries
            .iter()
            .map(|e| (e.platform, e.sector_count))
            .collect();
        assert_eq!(entries.len(), 2, "{kind}");
        assert_eq!(entries[0], (Platform::X86, 4), "{kind}");
        assert_eq!(entries[1].0, Platform::Efi, "{kind}");
        // The loader was written again with a boot info table for the new
        // session (El Torito boot info table: bytes 8-11 = PVD LBA, 12-15
        // = the file's LBA).
        let loader = img.lookup("/boot/loader.bin").unwrap();
        assert_eq!(cat.entries[0].load_rba, loader.extents[0].lba, "{kind}");
        let data = img.read_file(&loader, 1 << 20).unwrap();
        assert_eq!(
            u32::from_le_bytes(data[8..12].try_into().unwrap()),
            r2.start + 16,
            "{kind}"
        );
        assert_eq!(&data[64..], &Noise::bytes(61, 30_000)[64..], "{kind}");
        // The EFI image stays where the first session put it.
        let efi = img.lookup("/boot/efi.img").unwrap();
        assert_eq!(cat.entries[1].load_rba, efi.extents[0].lba, "{kind}");
        assert!(efi.extents[0].lba < r2.start, "{kind}");
        drop(img);
        let c = check::check(rig.rec(), Which::All, &mut no_progress).unwrap();
        assert_eq!(c.verdict, Verdict::Ok, "{kind}: {c:#?}");

        // Without boot_replay: no catalog in the next session.
        let r3 = session::add(
            rig.rec(),
            &[graft(&s2, Some("/again"))],
            &add_opts("BOOT"),
            &mut no_progress,
        )
        .unwrap();
        assert!(!r3.bootable, "{kind}");
        let mut img = disc::open_image(rig.rec(), None).unwrap();
        assert!(img.boot_catalog().unwrap().is_none(), "{kind}");
        drop(img);
        // boot_replay over a session without boot setup: noted.
        let mut o4 = add_opts("BOOT");
        o4.boot_replay = true;
        let r4 = session::add(rig.rec(), &[graft(&s2, Some("/4"))], &o4, &mut no_progress).unwrap();
        assert!(!r4.bootable, "{kind}");
        assert!(
            r4.notes.iter().any(|n| n.contains("no boot setup")),
            "{kind}: {:?}",
            r4.notes
        );
        rig.close();
        if kind != "dvd+r" {
            xorriso_files_match(&rig.path, None);
        }
    }
}

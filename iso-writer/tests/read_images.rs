//! The reader against images made by xorriso and genisoimage at test time,
//! and against hand-made images for multi-extent files and relocation.

mod read_common;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;

use iso_writer::model::{Kind, hex};
use iso_writer::read::*;
use read_common::*;

fn image_tree<R: BlockRead>(img: &mut Image<R>) -> BTreeMap<String, Item> {
    let root = img.root().clone();
    img.find(&root)
        .unwrap()
        .into_iter()
        .filter(|(p, _)| p.as_bytes() != b"/")
        .map(|(p, e)| {
            (
                p.to_string_lossy(),
                Item {
                    kind: e.kind,
                    size: if e.kind == Kind::File { e.size } else { 0 },
                    perm: e.metadata.permissions(),
                    target: e.symlink_target.as_ref().map(|t| t.to_string_lossy()),
                    mtime: e.metadata.mtime.secs,
                },
            )
        })
        .collect()
}

fn open(path: &Path, start: u32) -> Image<File> {
    Image::open(File::open(path).unwrap(), start).unwrap()
}

#[test]
fn xorriso_rock_ridge_joliet_md5() {
    let dir = tempfile::tempdir().unwrap();
    let t = rich_tree(dir.path());
    let iso = mkisofs_xorriso(
        dir.path(),
        &t,
        "r.iso",
        &["-R", "-J", "--md5", "-V", "RICH"],
    );
    let mut img = open(&iso, 0);

    let v = img.volume().clone();
    assert_eq!(v.volume_id, "RICH");
    assert_eq!(v.joliet.as_ref().map(|j| j.level), Some(3));
    assert!(
        v.data_preparer_id.starts_with("XORRISO"),
        "{}",
        v.data_preparer_id
    );
    let rr = img.rock_ridge().expect("Rock Ridge announced");
    assert!(
        rr.extensions.iter().any(|e| e.id == "RRIP_1991A"),
        "{:?}",
        rr.extensions
    );

    // The listing is the source tree: names, kinds, sizes, modes, targets, mtimes.
    assert_eq!(image_tree(&mut img), disk_tree(&t));

    // Contents, across blocks.
    for p in ["/a.txt", "/sub/b.bin", "/big.bin", "/empty"] {
        let e = img.lookup(p).unwrap();
        let data = img.read_file(&e, 1 << 20).unwrap();
        assert_eq!(data, fs::read(t.join(&p[1..])).unwrap(), "{p}");
    }
    // Hard links share the extent; mkisofs emulation records RRIP 1.10 PX
    // without serial numbers.
    let a = img.lookup("/a.txt").unwrap();
    let h = img.lookup("/hard").unwrap();
    assert_eq!(a.lba(), h.lba());
    assert_eq!((a.metadata.nlink, a.metadata.ino), (2, 0));
    // lookup details: `..`, missing names, files used as directories.
    assert_eq!(img.lookup("/sub/deep/../b.bin").unwrap().size, 5000);
    assert!(matches!(img.lookup("/nope"), Err(Error::NotFound(_))));
    assert!(matches!(
        img.lookup("/a.txt/x"),
        Err(Error::NotADirectory(_))
    ));

    // MD5: array valid, every file matches, tags match, path tables agree.
    let info = img.md5_info().expect("isofs.ca recorded").clone();
    assert!(info.is_valid());
    assert_eq!(info.start, 0);
    assert_eq!(info.files(), 6, "a.txt/hard share one index");
    let files = img.verify_files().unwrap();
    assert!(files.all_match(), "{files:?}");
    assert_eq!(files.files.len(), 7);
    let tags = img.verify_tags().unwrap();
    assert!(tags.all_match(), "{tags:?}");
    // md5-tags.md §9: with Joliet, PVD 16, SVD 17, terminator 18, sb tag 19.
    assert_eq!(tags.tags[0].lba, 19);
    assert_eq!(
        tags.tags.iter().map(|t| t.kind).collect::<Vec<_>>(),
        [TagKind::Superblock, TagKind::Tree, TagKind::Session]
    );
    assert_eq!(img.verify_path_tables().unwrap(), Vec::<String>::new());
    assert_eq!(
        hex(&img.file_md5(&a).unwrap()),
        "6f5902ac237024bdd0c176cb93063dc4"
    );
}

#[test]
fn xorriso_without_md5_reports_nothing_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let t = tree1(dir.path());
    let iso = mkisofs_xorriso(dir.path(), &t, "n.iso", &["-R"]);
    let mut img = open(&iso, 0);
    assert!(img.md5_info().is_none());
    let v = img.verify_files().unwrap();
    assert_eq!(v.array, None);
    assert_eq!(v.session, SessionCheck::NotRecorded);
    assert_eq!(v.without_md5(), 2);
    assert!(!v.all_match());
    let tags = img.verify_tags().unwrap();
    assert_eq!(tags.chain, ChainEnd::NoTags);
    assert!(!tags.all_match());
}

#[test]
fn genisoimage_rock_ridge_joliet() {
    let dir = tempfile::tempdir().unwrap();
    let t = rich_tree(dir.path());
    let iso = genisoimage(
        dir.path(),
        &t,
        "g.iso",
        &["-R", "-J", "-joliet-long", "-V", "GENI"],
    );
    let mut img = open(&iso, 0);
    assert_eq!(img.volume().volume_id, "GENI");
    assert!(img.rock_ridge().is_some());
    assert_eq!(image_tree(&mut img), disk_tree(&t));
    let e = img.lookup("/big.bin").unwrap();
    assert_eq!(
        img.read_file(&e, 1 << 20).unwrap(),
        fs::read(t.join("big.bin")).unwrap()
    );
    assert_eq!(img.verify_path_tables().unwrap(), Vec::<String>::new());
    assert!(img.md5_info().is_none());
}

#[test]
fn joliet_only_and_name_modes() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("j");
    fs::create_dir_all(t.join("Mixed Case Dir")).unwrap();
    fs::write(
        t.join("Mixed Case Dir/Long file name with spaces, more than 31 chars.txt"),
        b"j",
    )
    .unwrap();
    fs::write(t.join("lower.txt"), b"hello").unwrap();
    let iso = genisoimage(dir.path(), &t, "j.iso", &["-J"]);
    let mut img = open(&iso, 0);
    assert!(img.rock_ridge().is_none());
    assert_eq!(img.root().tree, Tree::Joliet);
    let names: Vec<String> = {
        let root = img.root().clone();
        img.find(&root)
            .unwrap()
            .into_iter()
            .map(|(p, _)| p.to_string_lossy())
            .collect()
    };
    assert_eq!(
        names,
        [
            "/",
            "/Mixed Case Dir",
            "/Mixed Case Dir/Long file name with spaces, more than 31 chars.txt",
            "/lower.txt",
        ]
    );
    let e = img.lookup("/lower.txt").unwrap();
    assert_eq!(
        e.metadata.permissions(),
        0o444,
        "synthesized mode without Rock Ridge"
    );
    assert_eq!(img.read_file(&e, 100).unwrap(), b"hello");

    // Plain ECMA-119 names on request.
    let opts = OpenOptions {
        names: NameMode::Iso,
        ..Default::default()
    };
    let mut iso9660 = Image::open_with(File::open(&iso).unwrap(), 0, opts).unwrap();
    let root = iso9660.root().clone();
    let plain: Vec<String> = iso9660
        .read_dir(&root)
        .unwrap()
        .iter()
        .map(|e| e.name.to_string_lossy())
        .collect();
    assert_eq!(plain, ["LOWER.TXT", "MIXED_CA"]);
}

#[test]
fn rock_ridge_image_presented_as_joliet_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let t = tree1(dir.path());
    let iso = mkisofs_xorriso(dir.path(), &t, "rj.iso", &["-R", "-J"]);
    let opts = OpenOptions {
        names: NameMode::PreferJoliet,
        ..Default::default()
    };
    let mut img = Image::open_with(File::open(&iso).unwrap(), 0, opts).unwrap();
    assert_eq!(img.root().tree, Tree::Joliet);
    let e = img.lookup("/sub/b.bin").unwrap();
    assert_eq!(e.tree, Tree::Joliet);
    assert_eq!(e.metadata.permissions(), 0o444);
    assert_eq!(img.read_file(&e, 10_000).unwrap(), vec![b'B'; 5000]);
}

#[test]
fn deep_tree_relocated_by_genisoimage_looks_like_the_original() {
    let dir = tempfile::tempdir().unwrap();
    let t = deep_tree(dir.path(), 12);
    let iso = genisoimage(dir.path(), &t, "deep.iso", &["-R"]);
    // genisoimage relocated the directories below depth 8: a plain
    // ECMA-119 view shows RR_MOVED.
    let opts = OpenOptions {
        names: NameMode::Iso,
        ..Default::default()
    };
    let mut plain = Image::open_with(File::open(&iso).unwrap(), 0, opts).unwrap();
    let root = plain.root().clone();
    let names: Vec<String> = plain
        .read_dir(&root)
        .unwrap()
        .iter()
        .map(|e| e.name.to_string_lossy())
        .collect();
    assert!(
        names.iter().any(|n| n.eq_ignore_ascii_case("rr_moved")),
        "{names:?}"
    );

    let mut img = open(&iso, 0);
    let deep = "/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/d12/bottom.txt";
    let e = img.lookup(deep).unwrap();
    assert_eq!(img.read_file(&e, 100).unwrap(), b"deep\n");
    // d8 would be the ninth level: it is the relocated one (CL in d7).
    let d8 = img.lookup("/d1/d2/d3/d4/d5/d6/d7/d8").unwrap();
    assert!(d8.relocated && d8.is_dir());
    assert_eq!(d8.metadata.permissions(), 0o755);
    assert!(!img.lookup("/d1/d2/d3/d4/d5/d6/d7/d8/d9").unwrap().relocated);
    let root = img.root().clone();
    let all = img.find(&root).unwrap();
    assert!(all.iter().any(|(p, _)| p.to_string_lossy() == deep));
    // The relocated directories appear once, at their original place; the
    // emptied relocation directory stays visible, as xorriso shows it.
    assert_eq!(
        all.iter()
            .filter(|(p, _)| p.to_string_lossy().ends_with("/d12"))
            .count(),
        1
    );
    let rr_moved: Vec<_> = all
        .iter()
        .filter(|(p, _)| p.to_string_lossy().starts_with("/rr_moved"))
        .collect();
    assert_eq!(rr_moved.len(), 1, "{rr_moved:?}");
}

/// md5-tags.md §10: two native xorriso sessions with MD5 on a stdio file.
#[test]
fn two_emulated_sessions_with_md5() {
    let dir = tempfile::tempdir().unwrap();
    let iso = two_sessions(dir.path());
    let mut f = File::open(&iso).unwrap();
    let s = sessions(&mut f).unwrap();
    assert_eq!(
        s,
        [
            SessionInfo {
                start: 32,
                size: 32,
                volume_id: "SESS1".into()
            },
            SessionInfo {
                start: 64,
                size: 30,
                volume_id: "SESS2".into()
            },
        ]
    );
    assert_eq!(newest_session(&mut f).unwrap(), 64);
    let head = verify_head_tag(&mut f).unwrap().unwrap();
    assert_eq!(
        (head.lba, head.next, &head.outcome),
        (18, Some(64), &TagOutcome::Match)
    );

    let mut img = Image::open(f, 64).unwrap();
    assert_eq!(img.volume().volume_id, "SESS2");
    for (p, size) in [("/a.txt", 12), ("/sub/b.bin", 5000), ("/t2/c.txt", 7)] {
        assert_eq!(img.lookup(p).unwrap().size, size, "{p}");
    }
    assert_eq!(
        img.lookup("/a.txt").unwrap().lba(),
        Some(58),
        "data stays in session 1"
    );
    let info = img.md5_info().unwrap().clone();
    assert_eq!((info.start, info.end, info.count), (64, 92, 5));
    let want = [
        "6f5902ac237024bdd0c176cb93063dc4",
        "c0bc4958b80e4daec7af39ec18984de7",
        "59d0d19fc45ca69230d858f60a5557f8",
    ];
    let mut got: Vec<String> = (1..=3).map(|i| hex(&info.file_md5(i).unwrap())).collect();
    got.sort();
    let mut want_sorted = want.to_vec();
    want_sorted.sort();
    assert_eq!(got, want_sorted);
    let tags = img.verify_tags().unwrap();
    assert!(tags.all_match(), "{tags:?}");
    assert_eq!(
        tags.tags.iter().map(|t| t.lba).collect::<Vec<_>>(),
        [82, 89, 93]
    );
    let v = img.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
    assert!(matches!(
        v.session,
        SessionCheck::Match {
            start: 64,
            blocks: 28,
            ..
        }
    ));

    // Session 1 is still readable on its own.
    let mut s1 = open(&iso, 32);
    assert_eq!(s1.volume().volume_id, "SESS1");
    assert!(s1.lookup("/t2").is_err());
    assert!(s1.verify_tags().unwrap().all_match());
    assert_eq!(s1.md5_info().unwrap().count, 4);

    // Opened at LBA 0 the head describes session 2; its tag leads there.
    let mut h = open(&iso, 0);
    assert_eq!(h.volume().volume_space_size, 94);
    assert_eq!(h.lookup("/t2/c.txt").unwrap().size, 7);
    let tags = h.verify_tags().unwrap();
    assert_eq!(tags.session_start, 64);
    assert!(tags.all_match(), "{tags:?}");
}

#[test]
fn flipped_data_byte_is_that_files_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let iso = two_sessions(dir.path());
    // One byte of b.bin (LBA 59, md5-tags.md §10.2).
    flip_byte(&iso, 59 * 2048 + 100);
    let mut img = open(&iso, 64);
    let v = img.verify_files().unwrap();
    let bad: Vec<String> = v.mismatches().map(|f| f.path.to_string_lossy()).collect();
    assert_eq!(bad, ["/sub/b.bin"]);
    assert!(matches!(
        v.files
            .iter()
            .find(|f| f.path.as_bytes() == b"/sub/b.bin")
            .unwrap()
            .outcome,
        FileOutcome::Mismatch { .. }
    ));
    // Session 2's own range does not cover LBA 59 (md5-tags.md §10.6).
    assert!(matches!(v.session, SessionCheck::Match { .. }));
    // Session 1's session tag covers it.
    let mut s1 = open(&iso, 32);
    let tags = s1.verify_tags().unwrap();
    let last = tags.tags.last().unwrap();
    assert_eq!((last.kind, last.lba), (TagKind::Session, 63));
    assert!(matches!(last.outcome, TagOutcome::Mismatch { .. }));
    assert_eq!(tags.tags[0].outcome, TagOutcome::Match);
}

#[test]
fn flipped_array_byte_means_damaged_array() {
    let dir = tempfile::tempdir().unwrap();
    let iso = two_sessions(dir.path());
    flip_byte(&iso, 92 * 2048 + 16 + 3); // entry 1 of session 2's array
    let mut img = open(&iso, 64);
    assert_eq!(img.md5_info().unwrap().validity, ArrayValidity::Damaged);
    let v = img.verify_files().unwrap();
    assert_eq!(v.array, Some(ArrayValidity::Damaged));
    assert_eq!(v.without_md5(), v.files.len());
    assert_eq!(v.session, SessionCheck::NotRecorded);
    assert_eq!(v.mismatches().count(), 0);
    // The session tag covers the array.
    let tags = img.verify_tags().unwrap();
    assert!(matches!(
        tags.tags.last().unwrap().outcome,
        TagOutcome::Mismatch { .. }
    ));
}

#[test]
fn bootable_image_catalog_and_boot_images() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("b");
    fs::create_dir_all(t.join("boot")).unwrap();
    let bios: Vec<u8> = (0..3000u32).map(|i| (i * 7) as u8).collect();
    let efi: Vec<u8> = (0..70_000u32).map(|i| (i * 13) as u8).collect();
    fs::write(t.join("boot/boot.bin"), &bios).unwrap();
    fs::write(t.join("boot/efi.img"), &efi).unwrap();
    fs::write(t.join("x.txt"), b"x").unwrap();
    let iso = mkisofs_xorriso(
        dir.path(),
        &t,
        "boot.iso",
        &[
            "-R",
            "-J",
            "-b",
            "boot/boot.bin",
            "-no-emul-boot",
            "-boot-load-size",
            "4",
            "-eltorito-alt-boot",
            "-e",
            "boot/efi.img",
            "-no-emul-boot",
        ],
    );
    let mut img = open(&iso, 0);
    let cat = img.boot_catalog().unwrap().expect("El Torito catalog");
    assert_eq!(cat.blocks, 1);
    assert_eq!(cat.entries.len(), 2);
    let bios_lba = img.lookup("/boot/boot.bin").unwrap().lba().unwrap();
    let efi_lba = img.lookup("/boot/efi.img").unwrap().lba().unwrap();
    let (b, e) = (&cat.entries[0], &cat.entries[1]);
    assert_eq!(
        (
            b.platform,
            b.bootable,
            b.emulation,
            b.sector_count,
            b.load_rba
        ),
        (Platform::X86, true, Emulation::None, 4, bios_lba)
    );
    assert_eq!(
        (e.platform, e.bootable, e.emulation, e.load_rba),
        (Platform::Efi, true, Emulation::None, efi_lba)
    );
    for (entry, content, path) in [(b, &bios, "/boot/boot.bin"), (e, &efi, "/boot/efi.img")] {
        let size = img.boot_image_size(entry).unwrap();
        assert_eq!(
            size.file.as_ref().map(|(p, s)| (p.to_string_lossy(), *s)),
            Some((path.to_string(), content.len() as u64))
        );
        assert_eq!(size.best(), content.len() as u64);
        let mut data = Vec::new();
        std::io::Read::read_to_end(
            &mut img.open_boot_image(entry, size.best()).unwrap(),
            &mut data,
        )
        .unwrap();
        assert_eq!(&data, content);
    }
}

#[test]
fn multi_extent_file_is_read_across_extents() {
    use craft::*;
    let mut im = Image::new(40, true);
    // "big" in three extents: 2 blocks at 20, 1 block at 30, 100 bytes at 25.
    let su = cat(&[px(S_IFREG, 7), nm(b"big")]);
    im.dir(
        ROOT,
        ROOT,
        &[
            rec(b"BIG;1", 20, 4096, MULTI, &su),
            rec(b"BIG;1", 30, 2048, MULTI, &[]),
            rec(b"BIG;1", 25, 100, 0, &[]),
        ],
        true,
    );
    im.put(20, &[b'a'; 4096]);
    im.put(30, &[b'b'; 2048]);
    im.put(25, &[b'c'; 100]);
    let mut img = iso_writer::read::Image::open(im.data, 0).unwrap();
    let e = img.lookup("/big").unwrap();
    assert_eq!(e.size, 4096 + 2048 + 100);
    assert_eq!(e.extents.len(), 3);
    let data = img.read_file(&e, 1 << 20).unwrap();
    assert_eq!(&data[..4096], &[b'a'; 4096][..]);
    assert_eq!(&data[4096..6144], &[b'b'; 2048][..]);
    assert_eq!(&data[6144..], &[b'c'; 100][..]);
}

#[test]
fn interleaved_files_are_refused_clearly() {
    use craft::*;
    let mut im = Image::new(30, false);
    let mut r = rec(b"IL.DAT;1", 20, 10, 0, &[]);
    r[26] = 1; // file unit size
    r[27] = 1; // interleave gap
    im.dir(ROOT, ROOT, &[r], false);
    let mut img = iso_writer::read::Image::open(im.data, 0).unwrap();
    let e = img.lookup("IL.DAT").unwrap();
    assert_eq!(e.interleave, Some((1, 1)));
    match img.open_file(&e) {
        Err(Error::Unsupported {
            field: "interleaved file",
            ..
        }) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn sp_skip_hidden_and_associated_records() {
    use craft::*;
    let mut im = Image::new(40, false);
    // SP announces 4 bytes to skip at the start of every other System Use
    // area (SUSP 1.12 §5.3): here they hold junk that is not an entry.
    let sp4 = entry(b"SP", &[0xbe, 0xef, 4]);
    let junk = b"\xff\xff\xff\xff";
    let dot = rec(&[0], ROOT, 2048, DIR, &cat(&[sp4, px(S_IFDIR, 0)]));
    let dotdot = rec(&[1], ROOT, 2048, DIR, junk);
    let named = rec(
        b"A;1",
        30,
        3,
        0,
        &cat(&[junk.to_vec(), px(S_IFREG, 0), nm(b"named")]),
    );
    let hidden = rec(b"H;1", 30, 3, 0x01, &cat(&[junk.to_vec(), nm(b"hidden")]));
    let assoc = rec(b"R;1", 30, 3, 0x04, &cat(&[junk.to_vec(), nm(b"resource")]));
    im.put(ROOT, &[dot, dotdot, named, hidden, assoc].concat());
    im.put(30, b"abc");

    let mut img = iso_writer::read::Image::open(im.data.clone(), 0).unwrap();
    assert_eq!(img.rock_ridge().unwrap().skip, 4);
    let root = img.root().clone();
    let list = img.read_dir(&root).unwrap();
    let names: Vec<(String, bool)> = list
        .iter()
        .map(|e| (e.name.to_string_lossy(), e.hidden))
        .collect();
    assert_eq!(names, [("named".into(), false), ("hidden".into(), true)]);

    let opts = OpenOptions {
        show_associated: true,
        ..Default::default()
    };
    let mut img = iso_writer::read::Image::open_with(im.data, 0, opts).unwrap();
    let list = img.read_dir(&root).unwrap();
    assert_eq!(list.len(), 3);
    assert!(list[2].associated);
    assert_eq!(list[2].name.to_string_lossy(), "resource");
}

#[test]
fn susp_1_12_style_extensions_and_aaip() {
    // md5-tags.md §5.2: with -compliance new_rr xorriso writes ES entries,
    // ER IEEE_1282 and ER AAIP_0200, and the AL entries after ES 01.
    let dir = tempfile::tempdir().unwrap();
    let t = tree1(dir.path());
    let iso = native_xorriso(dir.path(), &t, "n.iso");
    let mut img = open(&iso, 32);
    let ids: Vec<&str> = img
        .rock_ridge()
        .unwrap()
        .extensions
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(ids, ["IEEE_1282", "AAIP_0200"]);
    assert!(img.rock_ridge().unwrap().aaip);
    let e = img.lookup("/sub/b.bin").unwrap();
    assert!(
        e.attributes.iter().any(|a| a.name == b"isofs.cx"),
        "{:?}",
        e.attributes
    );
    assert_ne!(e.metadata.ino, 0, "RRIP 1.12 PX carries the serial number");
    let v = img.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
}

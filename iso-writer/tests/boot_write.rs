//! Bootable images from the writer, read back by the reader and checked
//! against El Torito 1.0, the mkisofs boot info table, the MBR/GPT layouts
//! (UEFI 2.x §5) and what xorriso writes; and boot replay across sessions.
//! The external oracles (xorriso, isoinfo, sgdisk, qemu) are in the
//! workspace test `boot_oracles`.

mod write_util;

use std::fs;
use std::sync::Arc;

use iso_writer::BLOCK;
use iso_writer::model::{Kind, mode};
use iso_writer::read::{Emulation, Image, Platform, newest_session};
use iso_writer::spec::ecma119::{descriptor_type, vd_type};
use iso_writer::spec::eltorito::{self, BootInfoTable, Catalog};
use iso_writer::write::{
    BootEntry, BootImage, ElTorito, Error, HiddenImageReplay, Hybrid, ImportOptions, LoadSize,
    MbrBootCode, Options, Plan, ReplaySpec, SystemAreaReplay, Tree, import_session, replay_boot,
};
use write_util::*;

const EPOCH: i64 = 1_704_164_645;

/// A BIOS loader stand-in: 5000 bytes with ISOLINUX's hybrid signature at
/// 64 and garbage where the boot info table goes.
fn bios_image() -> Vec<u8> {
    let mut v: Vec<u8> = (0..5000u32).map(|i| (i * 7 + 3) as u8).collect();
    v[64..68].copy_from_slice(&eltorito::ISOLINUX_HYBRID_SIGNATURE);
    v
}

fn efi_image() -> Vec<u8> {
    (0..70_000u32).map(|i| (i * 13 + 1) as u8).collect()
}

/// A tree with /boot/boot.bin, /boot/efi.img and a few files.
fn source() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("boot")).unwrap();
    fs::write(d.path().join("boot/boot.bin"), bios_image()).unwrap();
    fs::write(d.path().join("boot/efi.img"), efi_image()).unwrap();
    fs::write(d.path().join("a.txt"), b"hello world\n").unwrap();
    fs::write(d.path().join("zzz.bin"), vec![7u8; 9000]).unwrap();
    d
}

/// `-b boot/boot.bin -no-emul-boot -boot-load-size 4 -boot-info-table`.
fn isolinux_entry() -> BootEntry {
    BootEntry {
        load_size: LoadSize::Sectors(4),
        boot_info_table: true,
        ..BootEntry::bios(&b"/boot/boot.bin"[..])
    }
}

fn opts_with(entries: Vec<BootEntry>) -> Options {
    Options {
        el_torito: Some(ElTorito {
            entries,
            ..ElTorito::default()
        }),
        ..Options::reproducible(EPOCH)
    }
}

fn plan(src: &std::path::Path, opts: &Options) -> Result<Plan, Error> {
    let mut tree = Tree::new();
    tree.graft(src, None).unwrap();
    Plan::new(tree, opts)
}

fn block(image: &[u8], lba: u32) -> &[u8] {
    &image[lba as usize * BLOCK..(lba as usize + 1) * BLOCK]
}

#[test]
fn bios_and_efi_entries_read_back() {
    let src = source();
    let opts = opts_with(vec![
        isolinux_entry(),
        BootEntry::efi(&b"/boot/efi.img"[..]),
    ]);
    let p = plan(src.path(), &opts).unwrap();
    let image = emit_vec(&p);
    let planned = p.boot_images();
    let cat_lba = p.boot_catalog_lba().unwrap();

    // §2.0: the boot record right after the PVD, then Joliet SVD, terminator.
    assert_eq!(descriptor_type(block(&image, 16)), Some(vd_type::PRIMARY));
    assert_eq!(
        eltorito::parse_boot_record(block(&image, 17)),
        Some(cat_lba)
    );
    assert_eq!(
        descriptor_type(block(&image, 18)),
        Some(vd_type::SUPPLEMENTARY)
    );
    assert_eq!(
        descriptor_type(block(&image, 19)),
        Some(vd_type::TERMINATOR)
    );

    // The catalog, decoded by the shared decoder: default BIOS entry,
    // one final EFI section.
    let cat = Catalog::parse(block(&image, cat_lba)).unwrap();
    assert_eq!(cat.validation.platform, Platform::X86);
    assert_eq!(
        (
            cat.default.bootable,
            cat.default.emulation(),
            cat.default.load_segment
        ),
        (true, Emulation::None, 0)
    );
    assert_eq!(cat.default.sector_count, 4);
    assert_eq!(cat.sections.len(), 1);
    assert_eq!(cat.sections[0].platform, Platform::Efi);
    // Full load size: 70000 bytes = 35 blocks = 140 sectors.
    assert_eq!(cat.sections[0].entries[0].sector_count, 140);
    assert_eq!(block(&image, cat_lba)[64], 0x91);

    // Boot images are the first file data, right after the catalog.
    assert_eq!(planned[0].lba, cat_lba + 1);
    assert_eq!(planned[1].lba, cat_lba + 1 + 3);
    assert_eq!(cat.default.load_rba, planned[0].lba);
    assert_eq!(cat.sections[0].entries[0].load_rba, planned[1].lba);

    let mut img = open(&image);
    // The catalog is a file of the trees, one block, read-only.
    let c = img.lookup("/boot.catalog").unwrap();
    assert_eq!((c.size, c.lba()), (2048, Some(cat_lba)));
    assert_eq!(c.metadata.mode, mode::S_IFREG | 0o444);
    assert_eq!(img.read_file(&c, 4096).unwrap(), block(&image, cat_lba));

    // The reader's view of the catalog.
    let rc = img.boot_catalog().unwrap().unwrap();
    assert_eq!((rc.lba, rc.blocks, rc.entries.len()), (cat_lba, 1, 2));

    // The boot info table (genisoimage(1) -boot-info-table).
    let bin = img.lookup("/boot/boot.bin").unwrap();
    assert_eq!(bin.lba(), Some(planned[0].lba));
    let stored = img.read_file(&bin, 1 << 20).unwrap();
    let t = BootInfoTable::parse(&stored).unwrap();
    assert_eq!(
        (t.pvd_lba, t.file_lba, t.file_len),
        (16, planned[0].lba, 5000)
    );
    assert_eq!(t.checksum, eltorito::boot_info_checksum(&bios_image()));
    assert!(stored[24..64].iter().all(|&b| b == 0));
    assert_eq!(&stored[64..], &bios_image()[64..]);
    assert_eq!(&stored[..8], &bios_image()[..8]);
    // Its MD5 in the checksum array is that of the bytes as stored.
    assert_eq!(img.file_md5(&bin), Some(md5(&stored)));
    let v = img.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
    assert!(img.verify_tags().unwrap().all_match());

    // Extraction through the catalog: the file's size, the stored bytes.
    let bios = img.read_boot_image(&rc.entries[0], 1 << 20).unwrap();
    assert_eq!(bios, stored);
    let size = img.boot_image_size(&rc.entries[1]).unwrap();
    assert_eq!(size.best(), 70_000);
    assert_eq!(
        img.read_boot_image(&rc.entries[1], 1 << 20).unwrap(),
        efi_image()
    );
    // The EFI image is not patched.
    let efi = img.lookup("/boot/efi.img").unwrap();
    assert_eq!(img.read_file(&efi, 1 << 20).unwrap(), efi_image());
}

#[test]
fn hidden_catalog_and_hidden_image() {
    let src = source();
    let hidden: Arc<[u8]> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let opts = Options {
        el_torito: Some(ElTorito {
            catalog_path: None,
            id_string: b"BURN TEST".to_vec(),
            entries: vec![BootEntry {
                image: BootImage::Hidden(hidden.clone()),
                load_size: LoadSize::Sectors(6),
                ..BootEntry::bios(Vec::new())
            }],
        }),
        ..Options::reproducible(EPOCH)
    };
    let p = plan(src.path(), &opts).unwrap();
    let image = emit_vec(&p);
    let planned = p.boot_images();
    assert!(planned[0].hidden && planned[0].written);
    let mut img = open(&image);
    assert!(img.lookup("/boot.catalog").is_err());
    let cat = img.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.id_string, "BURN TEST");
    let e = &cat.entries[0];
    assert_eq!((e.load_rba, e.sector_count), (planned[0].lba, 6));
    // No file starts there: the size estimate runs to the next entity,
    // here the first file's data: the image's 2 blocks.
    let size = img.boot_image_size(e).unwrap();
    assert_eq!(
        (size.file.clone(), size.upper_bound_blocks),
        (None, Some(2))
    );
    let bytes = img.read_boot_image(e, 1 << 20).unwrap();
    assert_eq!(bytes.len(), 4096);
    assert_eq!(&bytes[..3000], &hidden[..]);
    assert!(bytes[3000..].iter().all(|&b| b == 0));
    assert!(img.verify_files().unwrap().all_match());
}

#[test]
fn sections_follow_runs_of_platforms() {
    let src = source();
    let bios = BootEntry::bios(&b"/a.txt"[..]);
    let efi = BootEntry::efi(&b"/boot/efi.img"[..]);
    let opts = opts_with(vec![
        isolinux_entry(),
        bios.clone(),
        bios,
        efi,
        BootEntry {
            platform: Platform::Other(0x42),
            ..BootEntry::bios(&b"/zzz.bin"[..])
        },
    ]);
    let p = plan(src.path(), &opts).unwrap();
    let image = emit_vec(&p);
    let cat = Catalog::parse(block(&image, p.boot_catalog_lba().unwrap())).unwrap();
    let shape: Vec<(Platform, usize)> = cat
        .sections
        .iter()
        .map(|s| (s.platform, s.entries.len()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (Platform::X86, 2),
            (Platform::Efi, 1),
            (Platform::Other(0x42), 1)
        ]
    );
    let raw = block(&image, p.boot_catalog_lba().unwrap());
    // Headers: 90h, 90h, 91h at entries 2, 5, 7.
    assert_eq!((raw[64], raw[160], raw[224]), (0x90, 0x90, 0x91));
    // Both BIOS entries name the same a.txt (12 bytes = 4 sectors full).
    assert_eq!(
        cat.sections[0].entries[0].load_rba,
        cat.sections[0].entries[1].load_rba
    );
    assert_eq!(cat.sections[0].entries[0].sector_count, 4);
    let mut img = open(&image);
    assert_eq!(img.boot_catalog().unwrap().unwrap().entries.len(), 5);
}

#[test]
fn boot_errors_say_what_is_wrong() {
    let src = source();
    let err = |entries: Vec<BootEntry>| {
        plan(src.path(), &opts_with(entries))
            .unwrap_err()
            .to_string()
    };
    let floppy = BootEntry {
        emulation: Emulation::Floppy144,
        ..BootEntry::bios(&b"/a.txt"[..])
    };
    assert!(err(vec![floppy]).contains("floppy emulation boot images are not supported yet"));
    let hd = BootEntry {
        emulation: Emulation::HardDisk,
        ..BootEntry::bios(&b"/a.txt"[..])
    };
    assert!(err(vec![hd]).contains("hard disk emulation"));
    assert!(err(vec![BootEntry::bios(&b"/nope.bin"[..])]).contains("no such file"));
    assert!(err(vec![BootEntry::bios(&b"/boot"[..])]).contains("not a regular file"));
    let small = BootEntry {
        boot_info_table: true,
        ..BootEntry::bios(&b"/a.txt"[..])
    };
    assert!(err(vec![small]).contains("cannot hold a boot info table"));
    let in_place = BootEntry {
        image: BootImage::InPlace {
            lba: 100,
            size: 4096,
        },
        boot_info_table: true,
        ..BootEntry::bios(Vec::new())
    };
    assert!(err(vec![in_place]).contains("already on the medium"));
    assert!(err(vec![]).contains("at least one boot entry"));
    let dir_cat = Options {
        el_torito: Some(ElTorito {
            catalog_path: Some(b"/boot".to_vec()),
            entries: vec![BootEntry::bios(&b"/a.txt"[..])],
            ..ElTorito::default()
        }),
        ..Options::reproducible(EPOCH)
    };
    assert!(
        plan(src.path(), &dir_cat)
            .unwrap_err()
            .to_string()
            .contains("is a directory")
    );
    let self_cat = Options {
        el_torito: Some(ElTorito {
            catalog_path: Some(b"/a.txt".to_vec()),
            entries: vec![BootEntry::bios(&b"/a.txt"[..])],
            ..ElTorito::default()
        }),
        ..Options::reproducible(EPOCH)
    };
    assert!(
        plan(src.path(), &self_cat)
            .unwrap_err()
            .to_string()
            .contains("the boot image itself")
    );
    // A hidden image from a disk file; a missing one names its path.
    assert_eq!(
        BootImage::hidden_file(&src.path().join("a.txt")).unwrap(),
        BootImage::Hidden(Arc::from(&b"hello world\n"[..]))
    );
    assert!(
        BootImage::hidden_file(&src.path().join("missing.img"))
            .unwrap_err()
            .to_string()
            .contains("missing.img")
    );
    // An isohybrid MBR needs a BIOS image to point at.
    let efi_only = Options {
        hybrid: Some(Hybrid::isolinux(vec![0; 432])),
        ..opts_with(vec![BootEntry::efi(&b"/boot/efi.img"[..])])
    };
    assert!(
        plan(src.path(), &efi_only)
            .unwrap_err()
            .to_string()
            .contains("BIOS")
    );
}

/// Sector `n` (512 bytes) of an image.
fn sector(image: &[u8], n: u64) -> &[u8] {
    &image[n as usize * 512..(n as usize + 1) * 512]
}

fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
}

fn le64(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
}

/// CRC-32/ISO-HDLC, bit by bit (independent of the writer's table).
fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 {
                (c >> 1) ^ 0xedb8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

#[test]
fn isohybrid_mbr_covers_the_padded_image() {
    let src = source();
    let template: Vec<u8> = (0..432u32).map(|i| (i * 3) as u8).collect();
    let opts = Options {
        hybrid: Some(Hybrid {
            disk_signature: Some(0x1234_5678),
            ..Hybrid::isolinux(template.clone())
        }),
        ..opts_with(vec![isolinux_entry()])
    };
    let p = plan(src.path(), &opts).unwrap();
    let image = emit_vec(&p);
    // Padded to whole cylinders of 64 × 32 sectors (1 MiB).
    assert_eq!(image.len() % (1 << 20), 0);
    let mbr = sector(&image, 0);
    assert_eq!(&mbr[..432], &template[..]);
    assert_eq!(le64(mbr, 432), u64::from(p.boot_images()[0].lba) * 4);
    assert_eq!(le32(mbr, 440), 0x1234_5678);
    let part = &mbr[446..462];
    assert_eq!((part[0], part[4]), (0x80, 0x17));
    assert_eq!(
        (le32(part, 8), le32(part, 12)),
        (0, (image.len() / 512) as u32)
    );
    assert!(mbr[462..510].iter().all(|&b| b == 0));
    assert_eq!(&mbr[510..], &[0x55, 0xaa]);
    // The volume covers the padding; the tags and files still verify.
    let mut img = open(&image);
    assert_eq!(
        u64::from(img.volume().volume_space_size) * 2048,
        image.len() as u64
    );
    assert!(img.verify_tags().unwrap().all_match());
    assert!(img.verify_files().unwrap().all_match());
    assert_eq!(img.system_area().unwrap(), &image[..32768]);
}

#[test]
fn isohybrid_gpt_headers_entries_and_backup() {
    let src = source();
    let opts = Options {
        hybrid: Some(Hybrid {
            gpt: true,
            ..Hybrid::isolinux(vec![0; 432])
        }),
        ..opts_with(vec![
            isolinux_entry(),
            BootEntry::efi(&b"/boot/efi.img"[..]),
        ])
    };
    let p = plan(src.path(), &opts).unwrap();
    let image = emit_vec(&p);
    let total = (image.len() / 512) as u64;
    let efi = p.boot_images()[1];
    // Protective MBR (UEFI §5.2.3).
    let pmbr = &sector(&image, 0)[446..462];
    assert_eq!(&pmbr[..5], &[0, 0, 2, 0, 0xee]);
    assert_eq!((le32(pmbr, 8), u64::from(le32(pmbr, 12))), (1, total - 1));
    // Primary header (UEFI §5.3.2).
    let h = sector(&image, 1);
    assert_eq!(&h[..8], b"EFI PART");
    let mut hc = h[..92].to_vec();
    hc[16..20].fill(0);
    assert_eq!(crc32(&hc), le32(h, 16));
    assert_eq!((le64(h, 24), le64(h, 32)), (1, total - 1));
    assert_eq!((le64(h, 40), le64(h, 48)), (34, total - 34));
    assert_eq!((le64(h, 72), le32(h, 80), le32(h, 84)), (2, 128, 128));
    let array = &image[1024..1024 + 128 * 128];
    assert_eq!(crc32(array), le32(h, 88));
    // Backup header in the last sector, backup array before it.
    let b = sector(&image, total - 1);
    assert_eq!(&b[..8], b"EFI PART");
    assert_eq!(
        (le64(b, 24), le64(b, 32), le64(b, 72)),
        (total - 1, 1, total - 33)
    );
    let mut bc = b[..92].to_vec();
    bc[16..20].fill(0);
    assert_eq!(crc32(&bc), le32(b, 16));
    let backup = &image[(total as usize - 33) * 512..(total as usize - 1) * 512];
    assert_eq!(backup, array);
    // Entries: basic data, ESP over the EFI image, basic data; no gaps.
    const ESP: [u8; 16] = [
        0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11, 0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9,
        0x3b,
    ];
    let e = |i: usize| &array[128 * i..128 * (i + 1)];
    assert_eq!(&e(1)[..16], &ESP);
    let esp_first = u64::from(efi.lba) * 4;
    assert_eq!(
        (le64(e(1), 32), le64(e(1), 40)),
        (esp_first, esp_first + 137 - 1)
    );
    assert_eq!((le64(e(0), 32), le64(e(0), 40)), (34, esp_first - 1));
    assert_eq!(
        (le64(e(2), 32), le64(e(2), 40)),
        (esp_first + 137, total - 34)
    );
    assert!(e(3).iter().all(|&b| b == 0));
    let mut img = open(&image);
    assert!(img.verify_tags().unwrap().all_match());
}

#[test]
fn first_session_on_emulated_media_boots_through_the_head() {
    let src = source();
    let opts = Options {
        start_lba: 32,
        ..opts_with(vec![isolinux_entry()])
    };
    let p = plan(src.path(), &opts).unwrap();
    let mut image = at_lba(32, &emit_vec(&p));
    image[..32 * BLOCK].copy_from_slice(&p.emulated_head());
    let cat_lba = p.boot_catalog_lba().unwrap();
    // Both the session's and the head's boot record point at the catalog.
    assert_eq!(
        eltorito::parse_boot_record(block(&image, 49)),
        Some(cat_lba)
    );
    assert_eq!(
        eltorito::parse_boot_record(block(&image, 17)),
        Some(cat_lba)
    );
    let mut img = open(&image);
    assert_eq!(img.session_start(), 32);
    let cat = img.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.lba, cat_lba);
    // The boot info table names the session's PVD.
    let bin = img.lookup("/boot/boot.bin").unwrap();
    let t = BootInfoTable::parse(&img.read_file(&bin, 1 << 20).unwrap()).unwrap();
    assert_eq!((t.pvd_lba, t.file_lba), (48, bin.lba().unwrap()));
    assert!(img.verify_tags().unwrap().all_match());
}

/// Write `plan` into an emulated image (session at its start LBA, head at 0).
fn grow(image: &mut Vec<u8>, plan: &Plan) {
    let start = plan.start_lba() as usize * BLOCK;
    image.resize(start, 0);
    image.extend_from_slice(&emit_vec(plan));
    image[..32 * BLOCK].copy_from_slice(&plan.emulated_head());
}

/// A first session at 32 with the ISOLINUX-style entry, an EFI entry and
/// a hidden image, optionally isohybrid.
fn first_session(src: &std::path::Path, hybrid: Option<Hybrid>) -> (Vec<u8>, Plan) {
    let hidden: Arc<[u8]> = vec![0x5au8; 2500].into();
    let opts = Options {
        start_lba: 32,
        hybrid,
        el_torito: Some(ElTorito {
            catalog_path: Some(b"/boot/boot.cat".to_vec()),
            id_string: b"OLD".to_vec(),
            entries: vec![
                isolinux_entry(),
                BootEntry::efi(&b"/boot/efi.img"[..]),
                BootEntry {
                    image: BootImage::Hidden(hidden),
                    load_segment: 0x1000,
                    load_size: LoadSize::Sectors(5),
                    ..BootEntry::bios(Vec::new())
                },
            ],
        }),
        ..Options::reproducible(EPOCH)
    };
    let p = plan(src, &opts).unwrap();
    let mut image = Vec::new();
    grow(&mut image, &p);
    (image, p)
}

fn round_up_32(x: u32) -> u32 {
    x.div_ceil(32) * 32
}

#[test]
fn replay_keeps_entries_and_renews_the_boot_info_table() {
    let src = source();
    let (mut image, p1) = first_session(src.path(), None);
    let old = p1.boot_images();

    let mut s: &[u8] = &image;
    let start = newest_session(&mut s).unwrap();
    let mut img = Image::open(&image[..], start).unwrap();
    let mut tree = Tree::new();
    import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    let replayed = replay_boot(&mut img, &mut tree, &ReplaySpec::default()).unwrap();
    let el = replayed.el_torito.clone().unwrap();
    assert_eq!(el.catalog_path.as_deref(), Some(&b"/boot/boot.cat"[..]));
    assert_eq!(el.id_string, b"OLD");
    assert_eq!(
        el.entries[0].image,
        BootImage::File(b"/boot/boot.bin".to_vec())
    );
    assert!(el.entries[0].boot_info_table);
    assert_eq!(
        el.entries[1].image,
        BootImage::File(b"/boot/efi.img".to_vec())
    );
    assert!(!el.entries[1].boot_info_table);
    assert_eq!(
        el.entries[2].image,
        BootImage::InPlace {
            lba: old[2].lba,
            size: 4096
        }
    );
    assert_eq!(el.entries[2].load_segment, 0x1000);
    assert!(replayed.hybrid.is_none() && replayed.system_area.is_none());
    assert!(!replayed.notes.is_empty());

    // A new file; then the next session.
    let root = tree.root();
    tree.add_file(
        root,
        b"added.txt",
        &file_meta(),
        iso_writer::write::FileData::Memory(Arc::from(&b"new\n"[..])),
    )
    .unwrap();
    let mut opts = Options {
        start_lba: round_up_32(p1.end_lba()),
        ..Options::reproducible(EPOCH)
    };
    replayed.apply(&mut opts);
    let p2 = Plan::new(tree, &opts).unwrap();
    let new = p2.boot_images();
    // The patched file is written again; the others stay where they are.
    assert!(new[0].written && new[0].lba >= opts.start_lba);
    assert_eq!((new[1].written, new[1].lba), (false, old[1].lba));
    assert_eq!((new[2].written, new[2].lba), (false, old[2].lba));
    grow(&mut image, &p2);

    let mut img = open(&image);
    assert_eq!(img.session_start(), opts.start_lba);
    let added = img.lookup("/added.txt").unwrap();
    assert_eq!(img.read_file(&added, 100).unwrap(), b"new\n");
    let cat = img.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.lba, p2.boot_catalog_lba().unwrap());
    let got: Vec<(Platform, u16, u32, u16)> = cat
        .entries
        .iter()
        .map(|e| (e.platform, e.sector_count, e.load_rba, e.load_segment))
        .collect();
    assert_eq!(
        got,
        vec![
            (Platform::X86, 4, new[0].lba, 0),
            (Platform::Efi, 140, old[1].lba, 0),
            (Platform::X86, 5, old[2].lba, 0x1000),
        ]
    );
    assert_eq!(img.lookup("/boot/boot.cat").unwrap().lba(), Some(cat.lba));
    // The table now names the new session's PVD and the new copy.
    let bin = img.lookup("/boot/boot.bin").unwrap();
    let bytes = img.read_file(&bin, 1 << 20).unwrap();
    let t = BootInfoTable::parse(&bytes).unwrap();
    assert_eq!(
        (t.pvd_lba, t.file_lba, t.file_len),
        (opts.start_lba + 16, new[0].lba, 5000)
    );
    assert_eq!(&bytes[64..], &bios_image()[64..]);
    let v = img.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
    assert!(img.verify_tags().unwrap().all_match());
}

/// Attributes of a file added in a test.
fn file_meta() -> iso_writer::model::Metadata {
    iso_writer::model::Metadata::new(
        mode::S_IFREG | 0o644,
        iso_writer::model::Timestamp::from_secs(EPOCH),
    )
}

#[test]
fn replay_can_copy_hidden_images_and_refreshes_the_isohybrid_mbr() {
    let src = source();
    let hybrid = Hybrid {
        gpt: true,
        disk_signature: Some(0xcafe_f00d),
        ..Hybrid::isolinux((0..432u32).map(|i| i as u8).collect())
    };
    let (mut image, p1) = first_session(src.path(), Some(hybrid));
    let old = p1.boot_images();
    let mut img = open(&image);
    let mut tree = Tree::new();
    import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    let spec = ReplaySpec {
        hidden_images: HiddenImageReplay::Copy,
        system_area: SystemAreaReplay::Refresh,
    };
    let replayed = replay_boot(&mut img, &mut tree, &spec).unwrap();
    let el = replayed.el_torito.clone().unwrap();
    // Copied with its 2500 bytes rounded to the 2 blocks it occupied.
    match &el.entries[2].image {
        BootImage::Hidden(b) => {
            assert_eq!(b.len(), 4096);
            assert!(b[..2500].iter().all(|&x| x == 0x5a));
        }
        other => panic!("expected a hidden copy, got {other:?}"),
    }
    let h = replayed.hybrid.clone().unwrap();
    assert_eq!(
        (h.gpt, h.boot_code, h.disk_signature),
        (true, MbrBootCode::Isolinux, Some(0xcafe_f00d))
    );
    let mut opts = Options {
        start_lba: round_up_32(p1.end_lba()),
        ..Options::reproducible(EPOCH)
    };
    replayed.apply(&mut opts);
    let p2 = Plan::new(tree, &opts).unwrap();
    let new = p2.boot_images();
    assert!(new[2].written && new[2].hidden);
    grow(&mut image, &p2);
    assert_eq!(image.len() % (1 << 20), 0);

    // The head's MBR: old boot code and signature, new pointer and size.
    let mbr = sector(&image, 0);
    assert!(mbr[..432].iter().enumerate().all(|(i, &b)| b == i as u8));
    assert_eq!(le64(mbr, 432), u64::from(new[0].lba) * 4);
    assert_ne!(new[0].lba, old[0].lba);
    assert_eq!(le32(mbr, 440), 0xcafe_f00d);
    let total = (image.len() / 512) as u64;
    assert_eq!(u64::from(le32(&mbr[446..462], 12)), total - 1);
    // The GPT now ends at the new end, the ESP is where the EFI image is.
    let h = sector(&image, 1);
    assert_eq!(le64(h, 32), total - 1);
    assert_eq!(&sector(&image, total - 1)[..8], b"EFI PART");
    let esp = &image[1024 + 128..1024 + 256];
    assert_eq!(le64(esp, 32), u64::from(old[1].lba) * 4);

    let mut img = open(&image);
    let cat = img.boot_catalog().unwrap().unwrap();
    assert_eq!(cat.entries[2].load_rba, new[2].lba);
    let bytes = img.read_boot_image(&cat.entries[2], 1 << 20).unwrap();
    assert!(bytes[..2500].iter().all(|&x| x == 0x5a));
    assert!(img.verify_files().unwrap().all_match());
}

#[test]
fn replay_of_an_image_without_boot_changes_nothing() {
    let src = source();
    let p = plan(src.path(), &Options::reproducible(EPOCH)).unwrap();
    let image = emit_vec(&p);
    let mut img = open(&image);
    let mut tree = Tree::new();
    import_session(&mut img, &mut tree, &ImportOptions::default()).unwrap();
    let r = replay_boot(&mut img, &mut tree, &ReplaySpec::default()).unwrap();
    assert_eq!(r, Default::default());
    assert!(tree.lookup(b"/boot/boot.bin").map(|n| tree.kind(n)) == Some(Kind::File));
}

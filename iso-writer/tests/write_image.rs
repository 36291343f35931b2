//! The writer against the specifications and the reader: sizes, tags,
//! names, Rock Ridge attributes, Joliet, relocation, reproducibility,
//! changed inputs.

mod write_util;

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;

use iso_writer::BLOCK;
use iso_writer::model::{Kind, Metadata, Timestamp, mode};
use iso_writer::read::{Image, NameMode, OpenOptions};
use iso_writer::spec::aaip::{self, ChecksumArea};
use iso_writer::spec::ecma119::{self, DirRecord, Endian, PathTableRecord, VolumeDescriptor};
use iso_writer::spec::md5tag::{ChecksumArray, Tag, TagKind};
use iso_writer::spec::susp;
use iso_writer::write::{ChangeKind, Error, FileData, IsoLevel, Options, Plan, Relocation, Tree};
use write_util::*;

fn plan_of(dir: &std::path::Path, opts: &Options) -> Plan {
    let mut tree = Tree::new();
    tree.graft(dir, None).unwrap();
    Plan::new(tree, opts).unwrap()
}

fn sample() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    sample_tree(d.path());
    d
}

/// md5-tags.md §2–§4: tags at the planned LBAs, each over exactly the
/// blocks before it; the array's entry 0, files and entry N+1; isofs.ca on
/// the root `.` record — checked with the spec decoders and an independent
/// MD5 over the emitted bytes.
#[test]
fn tags_and_array_cover_what_the_format_says() {
    let d = sample();
    let plan = plan_of(d.path(), &Options::default());
    let img = emit_vec(&plan);
    let block = |lba: u32| &img[lba as usize * BLOCK..(lba as usize + 1) * BLOCK];

    // PVD 16, Joliet SVD 17, terminator 18, superblock tag 19.
    assert_eq!(ecma119::descriptor_type(block(16)), Some(1));
    assert_eq!(ecma119::descriptor_type(block(17)), Some(2));
    assert_eq!(ecma119::descriptor_type(block(18)), Some(255));
    let sb = Tag::decode(block(19)).unwrap();
    assert_eq!(
        (sb.kind, sb.pos, sb.range_start, sb.range_size),
        (TagKind::Superblock, 19, 0, 19)
    );
    assert_eq!(sb.md5, md5(&img[..19 * BLOCK]));
    let tree = Tag::decode(block(sb.next)).unwrap();
    assert_eq!(tree.kind, TagKind::Tree);
    assert_eq!(tree.md5, md5(&img[..sb.next as usize * BLOCK]));
    let session = Tag::decode(block(tree.next)).unwrap();
    assert_eq!(session.kind, TagKind::Session);
    assert_eq!(
        session.pos + 1,
        plan.total_blocks(),
        "session tag is the last block"
    );
    assert_eq!(session.md5, md5(&img[..session.pos as usize * BLOCK]));

    // isofs.ca on the root "." record (possibly in its CE area).
    let pvd = VolumeDescriptor::parse(block(16)).unwrap();
    assert_eq!(pvd.volume_space_size, plan.total_blocks());
    let root = DirRecord::parse(block(pvd.root_extent)).unwrap().unwrap();
    let mut attrs_entries: Vec<Vec<u8>> = Vec::new();
    let mut area = root.system_use.to_vec();
    let mut sp = false;
    loop {
        let mut next = None;
        for e in susp::entries(&area) {
            let e = e.unwrap();
            match &e.sig {
                b"SP" => sp = true,
                b"AL" => attrs_entries.push(e.raw.to_vec()),
                b"CE" => next = Some(susp::Continuation::decode(&e).unwrap()),
                _ => {}
            }
        }
        let Some(c) = next else { break };
        let at = c.block as usize * BLOCK + c.offset as usize;
        area = img[at..at + c.len as usize].to_vec();
    }
    assert!(sp, "SP on the root . record");
    let attrs = aaip::decode_al(attrs_entries.iter().map(Vec::as_slice)).unwrap();
    let ca = attrs
        .iter()
        .find(|a| a.name == aaip::ATTR_CA)
        .expect("isofs.ca");
    let ca = ChecksumArea::decode(&ca.value).unwrap();
    assert_eq!(ca.start, 0);
    assert_eq!(
        ca.end + iso_writer::spec::md5tag::array_blocks(ca.count),
        session.pos
    );
    let arr_bytes = &img[ca.end as usize * BLOCK..session.pos as usize * BLOCK];
    let arr = ChecksumArray::parse(arr_bytes, ca.count).unwrap();
    assert_eq!(arr.session_md5(), md5(&img[..ca.end as usize * BLOCK]));

    // Every file's isofs.cx points at the MD5 of its content.
    let files = plan.files();
    let distinct: HashSet<u32> = files.iter().filter_map(|f| f.md5_index).collect();
    assert_eq!(
        distinct.len() as u32,
        arr.file_count(),
        "one index per content (hard links share)"
    );
    for f in &files {
        let i = f.md5_index.expect("every file has an index");
        let mut data = Vec::new();
        for x in &f.extents {
            let at = x.lba as usize * BLOCK;
            data.extend_from_slice(&img[at..at + x.len as usize]);
        }
        assert_eq!(
            arr.file_md5(i),
            Some(md5(&data)),
            "{}",
            String::from_utf8_lossy(&f.path)
        );
    }

    // The reader agrees.
    let mut r = open(&img);
    assert!(r.verify_tags().unwrap().all_match());
    let v = r.verify_files().unwrap();
    assert!(v.all_match(), "{v:?}");
}

/// Everything in the source tree comes back through the reader with the
/// same names, kinds, permissions, owners, mtimes, sizes, contents and
/// link targets; hard links share data and serial number.
#[test]
fn rock_ridge_round_trip_of_a_disk_tree() {
    let d = sample();
    let plan = plan_of(d.path(), &Options::default());
    let img = emit_vec(&plan);
    let mut r = open(&img);
    let got = image_items(&mut r);
    let want = disk_items(d.path());
    let got_items: BTreeMap<_, _> = got
        .iter()
        .map(|(k, (i, _))| (k.clone(), i.clone()))
        .collect();
    assert_same_items(&got_items, &want, "default options");
    let a = &got[&b"a.txt".to_vec()].1;
    let h = &got[&b"hard".to_vec()].1;
    assert_eq!(a.extents, h.extents, "hard links share one extent");
    assert_eq!(a.metadata.ino, h.metadata.ino, "and one PX serial number");
    assert_eq!(a.metadata.nlink, 2);
    let b = &got[&b"sub/b.bin".to_vec()].1;
    assert_ne!(a.metadata.ino, b.metadata.ino);
    // Root is level 1, so deep/d2/…/d8 is level 9 (ECMA-119 §6.8.2.1).
    let d7 = &got[&b"deep/d2/d3/d4/d5/d6/d7".to_vec()].1;
    assert!(!d7.relocated, "level 8 stays in place");
    let d8 = &got[&b"deep/d2/d3/d4/d5/d6/d7/d8".to_vec()].1;
    assert!(d8.relocated, "level 9 directory was relocated");
    let d9 = &got[&b"deep/d2/d3/d4/d5/d6/d7/d8/d9".to_vec()].1;
    assert!(!d9.relocated, "its subdirectory moved with it");
    let rr_dirs = got.values().filter(|(i, _)| i.kind == Kind::Dir).count();
    let root_nlink = r.root().metadata.nlink;
    assert_eq!(root_nlink, 2 + 2, "root: . , .. and deep, sub");
    assert!(rr_dirs > 10);
}

/// ECMA-119 view: identifiers are d-characters with `.` and `;1`, unique
/// per directory, in §9.3 order; path tables list every directory in
/// breadth-first order with parents before children; no directory deeper
/// than 8 levels.
#[test]
fn iso9660_view_is_strict() {
    let d = sample();
    let plan = plan_of(d.path(), &Options::default());
    let img = emit_vec(&plan);
    let pvd = VolumeDescriptor::parse(&img[16 * BLOCK..17 * BLOCK]).unwrap();
    // Walk the plain tree by hand.
    let mut dirs = vec![(pvd.root_extent, pvd.root_data_len, 1u32)];
    let mut seen_dirs = 0;
    while let Some((lba, len, level)) = dirs.pop() {
        seen_dirs += 1;
        assert!(level <= 8);
        let data = &img[lba as usize * BLOCK..lba as usize * BLOCK + len as usize];
        let mut ids: Vec<Vec<u8>> = Vec::new();
        for blk in data.chunks(BLOCK) {
            let mut at = 0;
            while at < BLOCK {
                let Some(r) = DirRecord::parse(&blk[at..]).unwrap() else {
                    break;
                };
                at += blk[at] as usize;
                ids.push(r.name.to_vec());
                if r.name == ecma119::ID_SELF || r.name == ecma119::ID_PARENT {
                    continue;
                }
                if r.is_dir() {
                    assert!(
                        r.name.iter().all(|&c| ecma119::is_d_char(c)),
                        "{:?}",
                        r.name
                    );
                    assert!(r.name.len() <= 31);
                    dirs.push((r.extent, r.data_len, level + 1));
                } else {
                    let (n, e, v) = ecma119::split_file_id(r.name);
                    assert_eq!(v, b"1");
                    assert!(
                        n.iter().chain(e).all(|&c| ecma119::is_d_char(c)),
                        "{:?}",
                        r.name
                    );
                    assert!(n.len() + e.len() <= 30);
                }
            }
        }
        let mut sorted = ids.clone();
        sorted.sort_by(|a, b| ecma119::cmp_file_ids(a, b));
        assert_eq!(ids, sorted, "records in ECMA-119 §9.3 order");
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "identifiers unique in a directory");
    }
    // Path tables: same records in both byte orders, one per directory.
    let read_pt = |lba: u32, endian| {
        let bytes = &img[lba as usize * BLOCK..lba as usize * BLOCK + pvd.path_table_size as usize];
        let mut v = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let (r, n) = PathTableRecord::parse(&bytes[at..], endian).unwrap();
            v.push((r.extent, r.parent, r.name.to_vec()));
            at += n;
        }
        v
    };
    let l = read_pt(pvd.l_path_table, Endian::Little);
    let m = read_pt(pvd.m_path_table, Endian::Big);
    assert_eq!(l, m);
    assert_eq!(l.len(), seen_dirs);
    assert_eq!(l[0], (pvd.root_extent, 1, vec![0]));
    for (i, (_, parent, _)) in l.iter().enumerate().skip(1) {
        assert!((*parent as usize) <= i, "parent numbered before child");
    }
}

/// Joliet: UCS-2 names as given, at most 64 characters keeping the
/// extension, no symlinks or special files, no relocation directory.
#[test]
fn joliet_tree() {
    let d = sample();
    let plan = plan_of(d.path(), &Options::default());
    let img = emit_vec(&plan);
    let opts = OpenOptions {
        names: NameMode::PreferJoliet,
        ..OpenOptions::default()
    };
    let mut r = Image::open_with(&img[..], 0, opts).unwrap();
    let root = r.root().clone();
    let names: Vec<String> = r
        .read_dir(&root)
        .unwrap()
        .iter()
        .map(|e| e.name.to_string_lossy())
        .collect();
    assert!(names.contains(&"Read Me.txt".to_string()));
    assert!(names.contains(&"grüße.txt".to_string()));
    assert!(names.contains(&"a.txt".to_string()));
    assert!(
        !names
            .iter()
            .any(|n| n == "longlink" || n == "fifo" || n.starts_with("rr_moved"))
    );
    assert!(names.contains(&"L".repeat(64)), "{names:?}");
    let deep = r
        .lookup("/deep/d2/d3/d4/d5/d6/d7/d8/d9/d10/d11/bottom.txt")
        .unwrap();
    assert_eq!(r.read_file(&deep, 100).unwrap(), b"at the bottom\n");
}

/// Two plans of the same tree with `Options::reproducible` are
/// bit-identical, even after the files' access times changed.
#[test]
fn reproducible_builds_are_bit_identical() {
    let d = sample();
    let opts = Options::reproducible(1_704_164_645);
    let a = emit_vec(&plan_of(d.path(), &opts));
    // Reading changes atime; touching a file changes ctime.
    let _ = fs::read(d.path().join("a.txt")).unwrap();
    fs::set_permissions(
        d.path().join("sub/b.bin"),
        fs::metadata(d.path().join("sub/b.bin"))
            .unwrap()
            .permissions(),
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    touch(&d.path().join("empty"), 1_700_000_000);
    let b = emit_vec(&plan_of(d.path(), &opts));
    assert!(a == b, "two reproducible builds differ");
    let pvd = VolumeDescriptor::parse(&a[16 * BLOCK..17 * BLOCK]).unwrap();
    assert_eq!(&pvd.creation.0[..14], b"20240102030405");
}

/// A session planned at S keeps every address absolute, its descriptors at
/// S+16, and a relative Volume Space Size (mmc-recipes.md §7.1).
#[test]
fn session_at_a_start_lba() {
    let d = sample();
    let opts = Options {
        start_lba: 1000,
        ..Options::default()
    };
    let plan = plan_of(d.path(), &opts);
    let session = emit_vec(&plan);
    let pvd = VolumeDescriptor::parse(&session[16 * BLOCK..17 * BLOCK]).unwrap();
    assert_eq!(pvd.volume_space_size, plan.total_blocks());
    assert!(pvd.root_extent > 1016 && pvd.l_path_table > 1016);
    let sb = Tag::decode(&session[19 * BLOCK..20 * BLOCK]).unwrap();
    assert_eq!((sb.pos, sb.range_start, sb.range_size), (1019, 1000, 19));
    for f in plan.files() {
        assert!(f.extents.iter().all(|x| x.lba >= 1000));
    }
    let img = at_lba(1000, &session);
    let mut r = Image::open(&img[..], 1000).unwrap();
    assert!(r.verify_tags().unwrap().all_match());
    assert!(r.verify_files().unwrap().all_match());
    assert_eq!(image_items(&mut r).len(), disk_items(d.path()).len());
}

/// mmc-recipes.md §8.2 step 6, md5-tags.md §6: the head has the session's
/// descriptors with the absolute end, and a type-4 tag in the block after
/// the terminator covering blocks 0 … pos−1 with session_start = S.
#[test]
fn emulated_head() {
    let d = sample();
    for joliet in [false, true] {
        let opts = Options {
            start_lba: 32,
            joliet,
            ..Options::default()
        };
        let plan = plan_of(d.path(), &opts);
        let session = emit_vec(&plan);
        let head = plan.emulated_head();
        assert_eq!(head.len(), 32 * BLOCK);
        let pos = if joliet { 19 } else { 18 };
        let tag = Tag::decode(&head[pos * BLOCK..(pos + 1) * BLOCK]).unwrap();
        assert_eq!(tag.kind, TagKind::RelocatedSuperblock);
        assert_eq!(
            (tag.pos, tag.range_start, tag.range_size, tag.next),
            (pos as u32, 0, pos as u32, 32)
        );
        assert_eq!(tag.md5, md5(&head[..pos * BLOCK]));
        assert!(head[(pos + 1) * BLOCK..].iter().all(|&b| b == 0));
        let hpvd = VolumeDescriptor::parse(&head[16 * BLOCK..17 * BLOCK]).unwrap();
        let spvd = VolumeDescriptor::parse(&session[16 * BLOCK..17 * BLOCK]).unwrap();
        assert_eq!(hpvd.volume_space_size, 32 + plan.total_blocks());
        assert_eq!(
            VolumeDescriptor {
                volume_space_size: spvd.volume_space_size,
                ..hpvd
            },
            spvd
        );
        let mut img = head.clone();
        img.extend_from_slice(&session);
        let mut src = &img[..];
        let s = iso_writer::read::sessions(&mut src).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].start, s[0].size), (32, plan.total_blocks()));
        let check = iso_writer::read::verify_head_tag(&mut src)
            .unwrap()
            .expect("head tag");
        assert_eq!(check.outcome, iso_writer::read::TagOutcome::Match);
        let mut r = open(&img);
        assert!(r.verify_tags().unwrap().all_match());
    }
}

/// An input file that changed between planning and emission fails the
/// write with its path.
#[test]
fn changed_inputs_fail_with_their_path() {
    for (case, change) in [
        ("grow", ChangeKind::Grew { planned: 5000 }),
        (
            "shrink",
            ChangeKind::Shrunk {
                planned: 5000,
                found: 10,
            },
        ),
        ("vanish", ChangeKind::Vanished),
        ("dir", ChangeKind::NotAFile),
        ("symlink", ChangeKind::NotAFile),
    ] {
        let d = sample();
        let plan = plan_of(d.path(), &Options::default());
        let p = d.path().join("sub/b.bin");
        match case {
            "grow" => fs::write(&p, vec![b'x'; 6000]).unwrap(),
            "shrink" => fs::write(&p, vec![b'x'; 10]).unwrap(),
            "vanish" => fs::remove_file(&p).unwrap(),
            "symlink" => {
                // Same size, but a link: not what was planned.
                fs::remove_file(&p).unwrap();
                fs::write(d.path().join("other"), vec![b'x'; 5000]).unwrap();
                std::os::unix::fs::symlink(d.path().join("other"), &p).unwrap();
            }
            _ => {
                fs::remove_file(&p).unwrap();
                fs::create_dir(&p).unwrap();
            }
        }
        match plan.emit(std::io::sink()) {
            Err(Error::InputChanged { path, change: c }) => {
                assert_eq!(path, p, "{case}");
                assert_eq!(c, change, "{case}");
                let msg = Error::InputChanged { path, change: c }.to_string();
                assert!(msg.contains("sub/b.bin"), "{msg}");
            }
            other => panic!("{case}: {other:?}"),
        }
    }
}

fn meta(kind_bits: u32, perm: u32, t: i64) -> Metadata {
    Metadata {
        mode: kind_bits | perm,
        uid: 1000,
        gid: 100,
        nlink: 1,
        ino: 0,
        mtime: Timestamp::from_secs(t),
        atime: Timestamp::from_secs(t + 1),
        ctime: Timestamp::from_secs(t + 2),
        rdev: None,
    }
}

/// Nodes from memory: files, devices (RRIP `PN`), sockets, replacement and
/// removal, and grafting rules.
#[test]
fn tree_editing_and_special_files() {
    let d = sample();
    let mut tree = Tree::new();
    tree.graft(d.path(), Some(b"/src")).unwrap();
    tree.graft(&d.path().join("a.txt"), None).unwrap();
    tree.graft(&d.path().join("a.txt"), Some(b"/x/y/")).unwrap();
    tree.graft(&d.path().join("sub"), Some(b"/x/sub2")).unwrap();
    let root = tree.root();
    let dev = tree.mkdir_p(b"/dev").unwrap();
    let mut null = meta(mode::S_IFCHR, 0o666, 10);
    null.rdev = Some((1, 3));
    tree.add_special(dev, b"null", &null).unwrap();
    let mut sda = meta(mode::S_IFBLK, 0o660, 10);
    sda.rdev = Some((8, 0x1234));
    tree.add_special(dev, b"sdx", &sda).unwrap();
    tree.add_special(dev, b"sock", &meta(mode::S_IFSOCK, 0o755, 10))
        .unwrap();
    let gen_meta = meta(mode::S_IFREG, 0o600, 20);
    tree.add_file(
        root,
        b"generated",
        &gen_meta,
        FileData::Memory(Arc::from(&b"in memory"[..])),
    )
    .unwrap();
    // Replace a grafted file and remove another.
    let src = tree.lookup(b"/src").unwrap();
    tree.add_file(
        src,
        b"a.txt",
        &gen_meta,
        FileData::Memory(Arc::from(&b"replaced"[..])),
    )
    .unwrap();
    tree.remove(tree.lookup(b"/src/empty").unwrap()).unwrap();
    let plan = Plan::new(tree, &Options::default()).unwrap();
    let img = emit_vec(&plan);
    let mut r = open(&img);
    let items = image_items(&mut r);
    let get = |p: &str| &items[&p.as_bytes().to_vec()];
    assert_eq!(get("dev/null").0.kind, Kind::CharDevice);
    assert_eq!(get("dev/null").1.device(), Some((1, 3)));
    assert_eq!(get("dev/sdx").1.device(), Some((8, 0x1234)));
    assert_eq!(get("dev/sdx").0.kind, Kind::BlockDevice);
    assert_eq!(get("dev/sock").0.kind, Kind::Socket);
    assert_eq!(get("generated").0.data_md5, Some(md5(b"in memory")));
    assert_eq!(get("generated").0.mode, mode::S_IFREG | 0o600);
    assert_eq!(
        (get("generated").0.uid, get("generated").0.gid),
        (1000, 100)
    );
    assert_eq!(get("src/a.txt").0.data_md5, Some(md5(b"replaced")));
    assert_eq!(get("src/hard").0.data_md5, Some(md5(b"hello world\n")));
    assert!(!items.contains_key(b"src/empty".as_slice()));
    assert_eq!(get("a.txt").0.data_md5, Some(md5(b"hello world\n")));
    assert_eq!(get("x/y/a.txt").0.size, 12);
    assert_eq!(get("x/sub2/b.bin").0.size, 5000);
    assert_eq!(
        get("x/sub2/link").0.target.as_deref(),
        Some(&b"../a.txt"[..])
    );
    assert!(r.verify_files().unwrap().all_match());
}

/// Merging a directory graft onto an existing one keeps the old files
/// readable from their own source.
#[test]
fn merged_grafts_read_from_the_right_sources() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    fs::create_dir(a.path().join("d")).unwrap();
    fs::write(a.path().join("d/one"), b"from a").unwrap();
    fs::write(a.path().join("d/both"), b"a version").unwrap();
    fs::create_dir(b.path().join("d")).unwrap();
    fs::write(b.path().join("d/two"), b"from b").unwrap();
    fs::write(b.path().join("d/both"), b"b version").unwrap();
    let mut tree = Tree::new();
    tree.graft(a.path(), None).unwrap();
    tree.graft(b.path(), None).unwrap();
    let plan = Plan::new(tree, &Options::default()).unwrap();
    let img = emit_vec(&plan);
    let mut r = open(&img);
    let items = image_items(&mut r);
    assert_eq!(items[&b"d/one".to_vec()].0.data_md5, Some(md5(b"from a")));
    assert_eq!(items[&b"d/two".to_vec()].0.data_md5, Some(md5(b"from b")));
    assert_eq!(
        items[&b"d/both".to_vec()].0.data_md5,
        Some(md5(b"b version"))
    );
}

/// Relocation variants: into the root, or off; and the options that drop
/// Rock Ridge, Joliet or MD5.
#[test]
fn option_variants_read_back() {
    let d = sample();
    let want = disk_items(d.path());
    for opts in [
        Options {
            relocation: Relocation::Root,
            ..Options::default()
        },
        Options {
            relocation: Relocation::Off,
            ..Options::default()
        },
        Options {
            joliet: false,
            md5: false,
            ..Options::default()
        },
        Options {
            level: IsoLevel::L1,
            ..Options::default()
        },
        Options {
            level: IsoLevel::L2,
            ..Options::default()
        },
    ] {
        let plan = plan_of(d.path(), &opts);
        let img = emit_vec(&plan);
        let mut r = open(&img);
        let got: BTreeMap<_, _> = image_items(&mut r)
            .into_iter()
            .map(|(k, (i, _))| (k, i))
            .collect();
        assert_same_items(&got, &want, &format!("{opts:?}"));
        if opts.md5 {
            assert!(r.verify_files().unwrap().all_match());
        } else {
            assert_eq!(
                r.verify_tags().unwrap().chain,
                iso_writer::read::ChainEnd::NoTags
            );
        }
    }
    // Without Rock Ridge: ISO names only, files still readable; tags and
    // array are written (no AL to find them per file).
    let plan = plan_of(
        d.path(),
        &Options {
            rock_ridge: false,
            joliet: false,
            ..Options::default()
        },
    );
    let img = emit_vec(&plan);
    let mut r = open(&img);
    assert!(r.rock_ridge().is_none());
    assert!(r.verify_tags().unwrap().all_match());
    let e = r.lookup("/A.TXT").unwrap();
    assert_eq!(r.read_file(&e, 100).unwrap(), b"hello world\n");
}

/// The example of md5-tags.md §10.1 (session 1): same block map as
/// xorriso (PVD 48 … session tag 63), except that RRIP 1.12 PX entries
/// are longer.
#[test]
fn block_map_matches_libisofs_order() {
    let d = tempfile::tempdir().unwrap();
    let t = d.path();
    fs::create_dir(t.join("sub")).unwrap();
    fs::write(t.join("a.txt"), b"hello world\n").unwrap();
    fs::write(t.join("sub/b.bin"), vec![b'B'; 5000]).unwrap();
    let opts = Options {
        start_lba: 32,
        joliet: false,
        ..Options::reproducible(1_704_164_645)
    };
    let plan = plan_of(t, &opts);
    let img = at_lba(32, &emit_vec(&plan));
    let b = |lba: usize| &img[lba * BLOCK..(lba + 1) * BLOCK];
    assert_eq!(ecma119::descriptor_type(b(48)), Some(1));
    assert_eq!(ecma119::descriptor_type(b(49)), Some(255));
    assert_eq!(Tag::decode(b(50)).unwrap().next, 56);
    let pvd = VolumeDescriptor::parse(b(48)).unwrap();
    assert_eq!(pvd.root_extent, 51);
    assert_eq!((pvd.l_path_table, pvd.m_path_table), (54, 55));
    assert_eq!(Tag::decode(b(56)).unwrap().kind, TagKind::Tree);
    assert!(b(57).iter().all(|&x| x == 0), "zero block");
    assert_eq!(&b(58)[..12], b"hello world\n");
    assert_eq!(&b(59)[..4], b"BBBB");
    let session = Tag::decode(b(63)).unwrap();
    assert_eq!(
        (session.kind, session.range_start, session.range_size),
        (TagKind::Session, 32, 31)
    );
    assert_eq!(pvd.volume_space_size, 32);
    let arr = ChecksumArray::parse(b(62), 4).unwrap();
    assert_eq!(arr.file_md5(1), Some(md5(b"hello world\n")));
    assert_eq!(
        iso_writer::model::hex(&arr.file_md5(2).unwrap()),
        "c0bc4958b80e4daec7af39ec18984de7",
        "md5-tags.md §10.5"
    );
}

/// Directory records of files at the PX serial level: every record of a
/// directory carries PX, TF, NM; sizes of records stay within 255 bytes
/// with long names and links (continuation areas).
#[test]
fn long_names_and_links_use_continuation_areas() {
    let d = tempfile::tempdir().unwrap();
    let long = "x".repeat(255);
    fs::write(d.path().join(&long), b"1").unwrap();
    let target: String = (0..200).map(|i| format!("dir{i:03}/")).collect::<String>() + "file";
    std::os::unix::fs::symlink(&target, d.path().join("link")).unwrap();
    let plan = plan_of(d.path(), &Options::default());
    let img = emit_vec(&plan);
    let mut r = open(&img);
    let e = r.lookup(format!("/{long}")).unwrap();
    assert_eq!(e.name.as_bytes(), long.as_bytes());
    let l = r.lookup("/link").unwrap();
    assert_eq!(l.symlink_target.unwrap().as_bytes(), target.as_bytes());
    let md = fs::symlink_metadata(d.path().join("link")).unwrap();
    assert_eq!(md.mode() & mode::S_IFMT, mode::S_IFLNK);
}

#[test]
fn file_count_matches_the_file_list() {
    use iso_writer::write::{Options, Plan, Tree};
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("a"), b"a").unwrap();
    std::fs::write(dir.path().join("d/b"), b"bb").unwrap();
    std::fs::hard_link(dir.path().join("a"), dir.path().join("d/a2")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("l")).unwrap();
    let mut tree = Tree::new();
    tree.graft(dir.path(), None).unwrap();
    let plan = Plan::new(tree, &Options::default()).unwrap();
    assert_eq!(plan.file_count(), plan.files().len());
    assert_eq!(plan.file_count(), 3);
}

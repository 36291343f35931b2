//! Files larger than 4 GiB: multi-extent at level 3 (ECMA-119 §6.5.1),
//! refused at levels 1 and 2. The source is a sparse file; the image goes
//! to a sink that keeps only its metadata blocks.

mod write_util;

use std::fs;
use std::io::{self, Write};

use iso_writer::BLOCK;
use iso_writer::read::{BlockRead, Image};
use iso_writer::spec::ecma119::{DirRecord, VolumeDescriptor, file_flags};
use iso_writer::write::{Error, IsoLevel, Options, Plan, Tree};

const SIZE: u64 = 5 * (1 << 30) + 12345;

/// Keeps the first `keep` bytes written, counts the rest (which, from a
/// sparse source, are zeros).
struct Capture {
    head: Vec<u8>,
    keep: usize,
    total: u64,
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.head.len() < self.keep {
            let n = buf.len().min(self.keep - self.head.len());
            self.head.extend_from_slice(&buf[..n]);
        }
        self.total += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl BlockRead for Capture {
    fn read_blocks(&mut self, lba: u32, buf: &mut [u8]) -> io::Result<()> {
        let at = lba as usize * BLOCK;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.head.get(at + i).copied().unwrap_or(0);
        }
        Ok(())
    }

    fn block_count(&self) -> Option<u64> {
        Some(self.total / BLOCK as u64)
    }
}

fn sparse_tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let f = fs::File::create(d.path().join("huge.bin")).unwrap();
    f.set_len(SIZE).unwrap();
    fs::write(d.path().join("small"), b"small\n").unwrap();
    d
}

#[test]
fn multi_extent_file_above_4_gib() {
    let d = sparse_tree();
    let mut tree = Tree::new();
    tree.graft(d.path(), None).unwrap();
    let opts = Options {
        md5: false,
        joliet: true,
        ..Options::default()
    };
    let plan = Plan::new(tree, &opts).unwrap();
    let files = plan.files();
    let huge = files.iter().find(|f| f.path == b"/huge.bin").unwrap();
    // 0xFFFFF800 + 0xFFFFF800 + rest.
    assert_eq!(huge.extents.len(), 2);
    assert_eq!(huge.extents[0].len, 0xFFFF_F800);
    assert_eq!(
        u64::from(huge.extents[0].len) + u64::from(huge.extents[1].len),
        SIZE
    );
    assert_eq!(
        huge.extents[1].lba,
        huge.extents[0].lba + 0xFFFF_F800 / BLOCK as u32
    );
    assert!(plan.total_bytes() > SIZE);

    let mut cap = Capture {
        head: Vec::new(),
        keep: huge.extents[0].lba as usize * BLOCK + BLOCK,
        total: 0,
    };
    plan.emit(&mut cap).unwrap();
    assert_eq!(cap.total, plan.total_bytes());

    // The records (ECMA-119 §9.1.6 bit 7 on all but the last).
    let pvd = VolumeDescriptor::parse(&cap.head[16 * BLOCK..17 * BLOCK]).unwrap();
    let root = &cap.head[pvd.root_extent as usize * BLOCK..][..pvd.root_data_len as usize];
    let mut at = 0;
    let mut sections = Vec::new();
    while let Some(r) = DirRecord::parse(&root[at..]).unwrap() {
        at += root[at] as usize;
        if r.name == b"HUGE.BIN;1" {
            sections.push((
                r.extent,
                r.data_len,
                r.flags & file_flags::MULTI_EXTENT != 0,
            ));
        }
    }
    assert_eq!(
        sections,
        vec![
            (huge.extents[0].lba, 0xFFFF_F800, true),
            (huge.extents[1].lba, huge.extents[1].len, false)
        ]
    );

    // The reader joins them.
    let mut img = Image::open(&mut cap, 0).unwrap();
    let e = img.lookup("/huge.bin").unwrap();
    assert_eq!(e.size, SIZE);
    assert_eq!(e.extents, huge.extents);
    let small = img.lookup("/small").unwrap();
    let after_huge = huge.extents[1].lba + huge.extents[1].len.div_ceil(BLOCK as u32);
    assert_eq!(
        small.extents[0].lba, after_huge,
        "data packed in directory order"
    );
}

#[test]
fn levels_1_and_2_refuse_files_above_4_gib() {
    let d = sparse_tree();
    for level in [IsoLevel::L1, IsoLevel::L2] {
        let mut tree = Tree::new();
        tree.graft(d.path(), None).unwrap();
        let opts = Options {
            level,
            ..Options::default()
        };
        match Plan::new(tree, &opts) {
            Err(Error::FileTooLarge { path, size, .. }) => {
                assert_eq!(path, "/huge.bin");
                assert_eq!(size, SIZE);
            }
            other => panic!("{level:?}: {other:?}"),
        }
    }
}

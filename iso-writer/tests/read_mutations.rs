//! Deterministic mutation corpus: thousands of damaged copies of small
//! images run through every read path (the same `exercise` the fuzz
//! targets use). Nothing may panic, hang or run away; extraction of a
//! damaged image must stay inside its target. Seeds are fixed, so a
//! failure names a reproducible case.
//!
//! Fixtures (tests/fixtures, made with SOURCE_DATE_EPOCH=1704164645 and all
//! mtimes 2024-01-02 03:04:05 UTC, as root):
//! * `xorriso-rr-joliet-md5-boot.iso`: `xorriso -as mkisofs -no-pad -R -J
//!   --md5 -V FIXTURE -b boot/boot.bin -no-emul-boot -boot-load-size 4
//!   -eltorito-alt-boot -e boot/efi.img -no-emul-boot` of a tree with
//!   files, a hard link, two symlinks, a FIFO and two boot images;
//! * `genisoimage-deep-relocated.iso`: `genisoimage -no-pad -R -J -V DEEP`
//!   of a 10-level directory chain (Rock Ridge relocation).
//!
//! A third base, two emulated sessions with MD5, is made by xorriso at test
//! time (md5-tags.md §10.1).

mod read_common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use iso_writer::read::fuzzing::{exercise, exercise_quick};
use iso_writer::read::{ExtractOptions, Image, OpenOptions};

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// One mutation: overwrite `bytes` at `at`.
#[derive(Debug, Clone)]
struct Patch {
    at: usize,
    bytes: Vec<u8>,
}

const INTERESTING: [u32; 10] = [
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    2048,
    0xffff,
];

/// Mutations biased toward the metadata (descriptors, directories, SUSP,
/// catalog, tags) that precedes the file data.
fn mutations(rng: &mut Rng, len: usize, meta_end: usize) -> Vec<Patch> {
    let n = 1 + rng.below(8);
    (0..n)
        .map(|_| {
            let at = if rng.below(10) < 8 {
                16 * 2048 + rng.below(meta_end.saturating_sub(16 * 2048).max(1))
            } else {
                rng.below(len)
            };
            let bytes = match rng.below(5) {
                0 => vec![rng.next() as u8],
                1 => vec![1u8 << rng.below(8)],
                2 => vec![INTERESTING[rng.below(INTERESTING.len())] as u8],
                3 => INTERESTING[rng.below(INTERESTING.len())]
                    .to_le_bytes()
                    .to_vec(),
                _ => {
                    // A both-endian 32-bit field (ECMA-119 §7.3.3).
                    let v = INTERESTING[rng.below(INTERESTING.len())];
                    [v.to_le_bytes(), v.to_be_bytes()].concat()
                }
            };
            Patch { at, bytes }
        })
        .collect()
}

fn apply(base: &[u8], patches: &[Patch]) -> Vec<u8> {
    let mut v = base.to_vec();
    for p in patches {
        let end = (p.at + p.bytes.len()).min(v.len());
        let n = end - p.at;
        v[p.at..end].copy_from_slice(&p.bytes[..n]);
    }
    v
}

/// Extracts the damaged image and checks nothing escaped the target.
fn extract_confined(data: Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("dest");
    let opts = OpenOptions {
        limits: iso_writer::read::fuzzing::limits(),
        ..Default::default()
    };
    if let Ok(mut img) = Image::open_with(data, 0, opts) {
        let root = img.root().clone();
        let _ = img.extract(&root, &dest, &ExtractOptions::default());
    }
    let outside: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n != "dest")
        .collect();
    assert!(
        outside.is_empty(),
        "extraction wrote outside its target: {outside:?}"
    );
}

fn run_corpus(name: &str, base: &[u8], meta_blocks: usize, seed: u64, count: usize) {
    // The undamaged base must work.
    exercise(base);
    let mut rng = Rng(seed);
    for i in 0..count {
        let patches = mutations(&mut rng, base.len(), meta_blocks * 2048);
        let data = apply(base, &patches);
        let r = catch_unwind(AssertUnwindSafe(|| {
            // Every fourth case runs everything (three name modes, MD5
            // checks); the others parse in the default mode only.
            if i % 4 == 0 {
                exercise(&data[..]);
            } else {
                exercise_quick(&data[..]);
            }
            if i % 40 == 0 {
                extract_confined(data.clone());
            }
        }));
        if r.is_err() {
            panic!("{name}: mutation {i} (seed {seed:#x}) panicked; patches: {patches:?}");
        }
    }
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

#[test]
fn mutated_xorriso_image() {
    run_corpus(
        "xorriso",
        &fixture("xorriso-rr-joliet-md5-boot.iso"),
        40,
        0x15_0001,
        1500,
    );
}

#[test]
fn mutated_genisoimage_image() {
    run_corpus(
        "genisoimage",
        &fixture("genisoimage-deep-relocated.iso"),
        53,
        0x15_0002,
        1000,
    );
}

#[test]
fn mutated_two_session_image() {
    let dir = tempfile::tempdir().unwrap();
    let iso = read_common::two_sessions(dir.path());
    let mut base = std::fs::read(iso).unwrap();
    base.truncate(94 * 2048);
    run_corpus("two sessions", &base, 94, 0x15_0003, 1000);
}

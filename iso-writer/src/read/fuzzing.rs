//! Entry points shared by the fuzz targets (`iso-writer/fuzz`) and the
//! deterministic mutation test. Not a stable API.

use std::io::Read;

use super::{
    BlockRead, Image, Limits, NameMode, OpenOptions, newest_session, sessions, verify_head_tag,
};
use crate::BLOCK;

/// Tight limits so that one run stays fast whatever the input says.
pub fn limits() -> Limits {
    Limits {
        max_dir_bytes: 1 << 20,
        max_continuation_areas: 32,
        max_continuation_bytes: 1 << 16,
        max_depth: 64,
        max_entries: 20_000,
        max_checksum_entries: 1 << 14,
        max_catalog_blocks: 4,
        max_name_bytes: 4096,
    }
}

/// Exercises every read path on `src`: session table, head tag, the three
/// name modes, a full walk with lookups and file reads, the boot catalog
/// and its images, tags, file and session MD5s, path tables. Errors are
/// expected; panics, hangs and huge allocations are the bugs.
pub fn exercise<R: BlockRead>(src: R) {
    run(src, true);
}

/// [`exercise`] without the MD5 checks and with the default name mode
/// only: the same parsing at a fraction of the cost.
pub fn exercise_quick<R: BlockRead>(src: R) {
    run(src, false);
}

fn run<R: BlockRead>(mut src: R, thorough: bool) {
    let _ = sessions(&mut src);
    if thorough {
        let _ = verify_head_tag(&mut src);
    }
    let start = newest_session(&mut src).unwrap_or(0);
    let modes: &[NameMode] = if thorough {
        &[NameMode::Auto, NameMode::PreferJoliet, NameMode::Iso]
    } else {
        &[NameMode::Auto]
    };
    for &names in modes {
        let opts = OpenOptions {
            names,
            limits: limits(),
            show_associated: names == NameMode::Iso,
        };
        let Ok(mut img) = Image::open_with(&mut src, start, opts) else {
            continue;
        };
        let root = img.root().clone();
        if let Ok(all) = img.find(&root) {
            for (path, e) in all.iter().take(256) {
                let _ = img.lookup(path.as_bytes());
                if let Ok(mut r) = img.open_file(e) {
                    let mut buf = [0u8; 4096];
                    let mut total = 0usize;
                    while let Ok(n) = r.read(&mut buf) {
                        total += n;
                        if n == 0 || total > 1 << 20 {
                            break;
                        }
                    }
                }
            }
        }
        if let Ok(Some(cat)) = img.boot_catalog() {
            for e in cat.entries.iter().take(8) {
                if let Ok(size) = img.boot_image_size(e)
                    && let Ok(mut r) = img.open_boot_image(e, size.best().min(64 << 10))
                {
                    let mut v = Vec::new();
                    let _ = r.read_to_end(&mut v);
                }
            }
        }
        if names == NameMode::Auto && thorough {
            let _ = img.verify_tags();
            let _ = img.verify_files();
            let _ = img.verify_path_tables();
        }
    }
}

/// `data` as an image whose first 16 blocks (system area) are zeros, so
/// that small inputs reach the descriptors.
pub fn image_after_system_area(data: &[u8]) -> Vec<u8> {
    let mut img = vec![0u8; 16 * BLOCK];
    img.extend_from_slice(data);
    img.resize(img.len().div_ceil(BLOCK) * BLOCK, 0);
    img
}

/// A System Use area parsed as if it belonged to a record in block 0 of
/// an image made of `data` (so `CE` entries point into `data`).
pub fn susp_area(data: &[u8]) {
    let mut img = data.to_vec();
    img.resize(img.len().div_ceil(BLOCK).max(1) * BLOCK, 0);
    let su = &data[..data.len().min(255)];
    let mut src: &[u8] = &img;
    let _ = super::susp::parse(&mut src, 0, su, &limits());
}

/// An El Torito boot catalog.
pub fn boot_catalog(data: &[u8]) {
    let _ = super::eltorito::parse_catalog(data, 0);
}

/// A path table, in both byte orders.
pub fn path_table(data: &[u8]) {
    let _ = super::pathtable::parse_path_table(data, 0, false);
    let _ = super::pathtable::parse_path_table(data, 0, true);
}

/// A tag block, and `data` as an `isofs.ca` value with the array in `data`.
pub fn tags(data: &[u8]) {
    let _ = crate::spec::md5tag::Tag::decode(data);
    let mut img = data.to_vec();
    img.resize(img.len().div_ceil(BLOCK).max(1) * BLOCK, 0);
    let mut src: &[u8] = &img;
    let _ = super::checksum::load(&mut src, &data[..data.len().min(64)], 0, &limits());
    let _ = verify_head_tag(&mut src);
}

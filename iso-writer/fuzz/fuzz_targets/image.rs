//! Whole images: descriptors, directory trees, SUSP/RRIP, Joliet, El Torito,
//! MD5 tags and arrays, session table. Input is a full image if it carries
//! a descriptor at LBA 16 (so the fixtures in `tests/fixtures` are seeds),
//! else the blocks from LBA 16 on.
#![no_main]

use iso_writer::read::fuzzing::{exercise, image_after_system_area};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.get(16 * 2048 + 1..16 * 2048 + 6) == Some(&b"CD001"[..]) {
        exercise(data);
    } else {
        exercise(image_after_system_area(data));
    }
});

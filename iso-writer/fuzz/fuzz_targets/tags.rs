//! libisofs checksum tags, `isofs.ca` values and checksum arrays.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iso_writer::read::fuzzing::tags(data));

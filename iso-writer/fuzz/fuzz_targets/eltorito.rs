//! El Torito 1.0 boot catalogs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iso_writer::read::fuzzing::boot_catalog(data));

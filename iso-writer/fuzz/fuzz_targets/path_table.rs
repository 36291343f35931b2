//! ECMA-119 path tables, L and M.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iso_writer::read::fuzzing::path_table(data));

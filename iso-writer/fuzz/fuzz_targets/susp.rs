//! One System Use area (SUSP 1.12, RRIP 1.12, AAIP 2.0), with `CE` entries
//! pointing into the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| iso_writer::read::fuzzing::susp_area(data));

//! End-to-end tests of the `burn` binary: the real executable, run as a
//! user would, its output checked against independent programs (isoinfo,
//! isovfy, xorriso, bsdtar, sgdisk, md5sum) and against the documented
//! interface (help, exit codes, JSON schema 1). Every oracle is required:
//! a missing one fails the test with a message naming it.
//!
//! The binary is built once per run with `cargo build -p burn-cli --bin
//! burn` (Cargo gives `CARGO_BIN_EXE_*` only to a package's own tests);
//! set `BURN_BIN` to test another build.

mod cli_e2e {
    pub mod support;

    mod boot;
    mod check;
    mod drive;
    mod errors;
    mod extract;
    mod help;
    mod interrupt;
    mod json;
    mod ls;
    mod media;
    mod mkiso;
    mod multisession;
    mod read;
    mod write;
}

//! Test harness for tests through a real kernel.
//!
//! * [`lab`] runs guest scripts in the VM lab (`lab/mmc-lab.sh`): tgt's
//!   emulated DVD+R recorder appears as `/dev/srN` + `/dev/sgN` in a QEMU
//!   guest, so commands go through the real SG_IO path. Used by
//!   `tests/lab.rs`; needs root or passwordless sudo, and apt (see
//!   `README.md`).
//! * [`cargo`] builds this workspace's binaries for the guest or a drive.
//! * [`transcript`] records raw MMC exchanges (the tgt capture in
//!   `fixtures/tgt-dvd+r-transcript.txt`) and decodes the replies
//!   independently of the `mmc` crate.
//! * [`real`] reads `BURN_TEST_DEVICE` / `BURN_TEST_MEDIA` and runs the
//!   `burn` CLI against a real recorder (`tests/real_drive.rs`).

pub mod cargo;
pub mod lab;
pub mod real;
pub mod transcript;

pub use lab::{CmdRun, Lab, LabError, LabRun, Section};

/// Path of a file under `hw-tests/fixtures/`.
pub fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The tgt transcript fixture's file name.
pub const TGT_TRANSCRIPT: &str = "tgt-dvd+r-transcript.txt";

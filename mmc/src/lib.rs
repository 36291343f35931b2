//! Drive optical recorders over SCSI/MMC.
//!
//! Layers, bottom up:
//! * [`transport`] — the one narrow [`Transport`] trait:
//!   one CDB in, status + sense + residual out. Implementations: Linux SG_IO
//!   ([`sgio`]), the emulated recorder ([`emul`]), image files and pipes used
//!   as media ([`stdio`]), and wrappers ([`trace`], [`fault`]).
//! * [`cmd`] — typed commands that encode CDBs and decode replies, no I/O.
//! * [`sense`] — sense decoding, human text and retry classification.
//! * [`drive`] — a drive handle above a transport that runs the retry policy
//!   and offers typed queries.
//! * [`engine`] — per-media recipes: inspect, blank, format, write sessions,
//!   close, checkread, eject, speed.
//! * [`address`], [`discovery`], [`open`] — drive addresses, finding
//!   recorders, opening any address as a [`drive::Drive`].
//!
//! The crate knows nothing about ISO 9660: that is crate `iso-writer`.

#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod address;
pub mod cmd;
pub mod discovery;
pub mod drive;
pub mod emul;
pub mod engine;
pub mod error;
pub mod fault;
pub mod open;
pub mod profile;
pub mod sense;
#[cfg(target_os = "linux")]
pub mod sgio;
pub mod stdio;
pub mod trace;
pub mod transport;

pub use error::{Error, Result};
pub use profile::Profile;
pub use transport::{Completion, DataPhase, Transport, TransportError};

//! Typed MMC/SPC commands without I/O.
//!
//! Each command is a plain struct that encodes its CDB, its data phase
//! (direction and length) and its timeout. Commands with a data-in reply
//! implement [`Query`], whose `parse` decodes the bytes the device actually
//! returned (the transport's residual already subtracted) without panicking on
//! short or malformed replies. Commands that send a parameter list built from
//! their own fields implement [`WithParams`]. No command holds a device.
//!
//! Every encoder and decoder has golden-byte tests citing the MMC-6 / SPC-4
//! table it encodes.

use std::fmt;
use std::time::Duration;

/// Default timeout for quick commands (`sense-and-retries.md` §4.2).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A CDB of 6, 10, 12 or 16 bytes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Cdb {
    len: u8,
    bytes: [u8; 16],
}

impl Cdb {
    /// Builds a CDB from its bytes. Panics if `bytes` is longer than 16
    /// (a programming error, never data-dependent).
    pub fn new(bytes: &[u8]) -> Cdb {
        assert!(bytes.len() <= 16, "CDB longer than 16 bytes");
        let mut b = [0u8; 16];
        b[..bytes.len()].copy_from_slice(bytes);
        Cdb {
            len: bytes.len() as u8,
            bytes: b,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn opcode(&self) -> u8 {
        self.bytes[0]
    }
}

impl fmt::Debug for Cdb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cdb[")?;
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{b:02x}")?;
        }
        write!(f, "]")
    }
}

/// Direction and size of a command's data phase.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DataSpec {
    None,
    /// Data-in of at most this many bytes (the CDB allocation length).
    In(usize),
    /// Data-out of exactly this many bytes.
    Out(usize),
}

/// One SCSI command.
pub trait Command {
    /// Name for messages, as the standard spells it: `"WRITE(10)"`.
    const NAME: &'static str;

    /// The CDB bytes.
    fn cdb(&self) -> Cdb;

    /// Data phase direction and length.
    fn data(&self) -> DataSpec;

    /// Host-side timeout for one attempt (`sense-and-retries.md` §4.2).
    fn timeout(&self) -> Duration {
        DEFAULT_TIMEOUT
    }
}

/// A command with a data-in reply that has a typed decoding.
pub trait Query: Command {
    type Reply;

    /// Decodes the bytes the device returned. Must not panic on any input;
    /// uses the reply's own length fields and never reads past `data`.
    fn parse(&self, data: &[u8]) -> Result<Self::Reply, ParseError>;

    /// For variable-length replies: the total length the reply header says
    /// is available, so a caller that asked with a small allocation length
    /// can ask again for all of it. `None` when `data` is too short to tell
    /// or the reply has a fixed length.
    fn available_len(&self, data: &[u8]) -> Option<usize> {
        let _ = data;
        None
    }

    /// The same command with another allocation length (used together with
    /// [`Query::available_len`]).
    fn with_alloc_len(&self, len: usize) -> Self
    where
        Self: Sized;
}

/// A data-out command whose parameter list is built from its own fields
/// (MODE SELECT, FORMAT UNIT, SET STREAMING, SEND CUE SHEET).
pub trait WithParams: Command {
    fn params(&self) -> Vec<u8>;
}

/// Why a reply could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than the mandatory part of the reply.
    #[error("reply too short: {got} bytes, need at least {need}")]
    Short { need: usize, got: usize },
    /// A field holds a value the standard does not allow.
    #[error("invalid reply: {0}")]
    Invalid(&'static str),
    /// A length field claims more than the command can accept.
    #[error("reply length {0} exceeds the accepted maximum")]
    TooLong(usize),
}

/// Reads a big-endian integer of `N` bytes at `off`, or `None` when the reply
/// is too short. Shared by the decoders.
pub(crate) fn be(data: &[u8], off: usize, n: usize) -> Option<u64> {
    let s = data.get(off..off.checked_add(n)?)?;
    Some(s.iter().fold(0u64, |acc, &b| (acc << 8) | b as u64))
}

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
//!
//! Citations: command clauses are those of MMC-5 revision 3c (T10/1675-D),
//! the draft the libburn cookbook cites. MMC-6 (INCITS 468-2010) has the same
//! commands; its clause numbers are one lower from MODE SENSE(10) through
//! READ TRACK INFORMATION (`mmc-recipes.md` §0), and are given where they are
//! known. Page 2Ah is MMC-3 §6.3.11; SPC clauses are SPC-3 r23 (the same
//! commands and layouts are in SPC-4).
//!
//! Submodules by topic:
//! * [`spc`] — TEST UNIT READY, REQUEST SENSE, INQUIRY, START STOP UNIT,
//!   PREVENT ALLOW MEDIUM REMOVAL, MECHANISM STATUS, GET EVENT STATUS
//!   NOTIFICATION.
//! * [`config`] — GET CONFIGURATION and the feature descriptors.
//! * [`info`] — READ DISC INFORMATION, READ TRACK INFORMATION, READ CAPACITY,
//!   READ BUFFER CAPACITY.
//! * [`toc`] — READ TOC/PMA/ATIP formats 0, 1, 2.
//! * [`mode`] — MODE SENSE(10), MODE SELECT(10), pages 05h and 2Ah.
//! * [`format`](mod@format) — READ FORMAT CAPACITIES, FORMAT UNIT, BLANK.
//! * [`write`](mod@write) — WRITE(10/12), READ(10/12), READ CD, SYNCHRONIZE CACHE,
//!   CLOSE TRACK/SESSION, RESERVE TRACK, SEND CUE SHEET.
//! * [`speed`] — SET CD SPEED, SET STREAMING, GET PERFORMANCE.

use std::fmt;
use std::time::Duration;

pub mod config;
pub mod format;
pub mod info;
pub mod mode;
mod msf;
pub mod spc;
pub mod speed;
pub mod toc;
pub mod write;

#[cfg(test)]
mod fuzz_tests;

pub use config::{
    BdRead, BdWrite, CdMastering, CdRead, CdTrackAtOnce, Configuration, Core, DvdMinusRWrite,
    DvdPlusRw, DvdRead, Feature, FeatureBody, Formattable, GetConfiguration,
    IncrementalStreamingWritable, Mrw, ProfileDescriptor, RandomReadable, RealTimeStreaming,
    RemovableMedium, RequestType,
};
pub use format::{
    Blank, BlankType, CurrentCapacity, DescriptorType, FormatCapacities, FormatDescriptor,
    FormatUnit, ReadFormatCapacities,
};
pub use info::{
    BgFormatStatus, BufferCapacity, Capacity, DiscAddress, DiscInformation, DiscStatus, OpcTable,
    ReadBufferCapacity, ReadCapacity, ReadDiscInformation, ReadTrackInformation, SessionState,
    TrackAddress, TrackInformation,
};
pub use mode::{
    Capabilities, ModeHeader, ModePage, ModeSelect10, ModeSense10, MultiSession, PageControl,
    WriteParameters, WriteSpeed, WriteType,
};
pub use msf::Msf;
pub use spc::{
    ChangerState, Event, EventStatus, GetEventStatusNotification, Inquiry, InquiryData,
    MechanismState, MechanismStatus, MechanismStatusData, MediaEvent, MediaEventCode,
    OperationalEvent, PreventAllowMediumRemoval, RequestSense, SlotStatus, StartStopUnit,
    TestUnitReady,
};
pub use speed::{
    GetPerformance, GetWriteSpeeds, NominalPerformance, Performance, PerformanceDescriptor,
    SetCdSpeed, SetStreaming, WriteSpeedDescriptor, WriteSpeeds,
};
pub use toc::{
    FormattedToc, MultiSessionInfo, RawToc, RawTocEntry, ReadMultiSessionInfo, ReadRawToc, ReadToc,
    TocAddress, TocEntry,
};
pub use write::{
    CloseFunction, CloseTrackSession, CueEntry, ExpectedSectorType, Read10, Read12, ReadCd,
    ReserveTrack, SendCueSheet, SynchronizeCache, Write10, Write12,
};

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
    /// [`Query::available_len`]). Lengths beyond what the CDB field can carry
    /// are clamped to its maximum.
    fn with_alloc_len(&self, len: usize) -> Self
    where
        Self: Sized;

    /// The allocation length this command asks for (0 if it has no data-in
    /// phase).
    fn alloc_len(&self) -> usize {
        match self.data() {
            DataSpec::In(n) => n,
            _ => 0,
        }
    }

    /// When `data` (a reply to this command) says more bytes are available
    /// than this command asked for, the allocation length to ask again with
    /// (clamped to what the CDB can carry); `None` when the reply is
    /// complete, its length cannot be told, or the CDB cannot ask for more.
    ///
    /// The usual two-step query is: send with a small allocation length,
    /// then, if this returns `Some(n)`, send `self.with_alloc_len(n)` and
    /// parse that reply. Asking again never loops: a command already at its
    /// maximum gets `None`.
    fn larger_alloc_len(&self, data: &[u8]) -> Option<usize>
    where
        Self: Sized,
    {
        let avail = self.available_len(data)?;
        let next = self.with_alloc_len(avail).alloc_len();
        (next > self.alloc_len()).then_some(next)
    }
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

/// Big-endian 16-bit field at `off`, `None` past the end.
pub(crate) fn be16(data: &[u8], off: usize) -> Option<u16> {
    be(data, off, 2).map(|v| v as u16)
}

/// Big-endian 24-bit field at `off`, `None` past the end.
pub(crate) fn be24(data: &[u8], off: usize) -> Option<u32> {
    be(data, off, 3).map(|v| v as u32)
}

/// Big-endian 32-bit field at `off`, `None` past the end.
pub(crate) fn be32(data: &[u8], off: usize) -> Option<u32> {
    be(data, off, 4).map(|v| v as u32)
}

/// Byte at `off`, 0 past the end (for flag bytes of optional fields).
pub(crate) fn byte(data: &[u8], off: usize) -> u8 {
    data.get(off).copied().unwrap_or(0)
}

/// Bit `bit` of byte `off`, false past the end.
pub(crate) fn bit(data: &[u8], off: usize, bit: u8) -> bool {
    byte(data, off) >> bit & 1 == 1
}

/// `Err(Short)` unless `data` holds at least `need` bytes.
pub(crate) fn need(data: &[u8], need: usize) -> Result<(), ParseError> {
    if data.len() < need {
        Err(ParseError::Short {
            need,
            got: data.len(),
        })
    } else {
        Ok(())
    }
}

/// The prefix of `data` that a reply's own length field covers: the smaller
/// of `declared` and the bytes actually returned.
pub(crate) fn bounded(data: &[u8], declared: usize) -> &[u8] {
    &data[..data.len().min(declared)]
}

/// An allocation length clamped to a 16-bit CDB field.
pub(crate) fn alloc16(len: usize) -> u16 {
    len.min(u16::MAX as usize) as u16
}

/// Human name of an operation code, for traces: `"WRITE(10)"`,
/// `"unknown opcode"` for codes this crate does not send.
pub fn opcode_name(op: u8) -> &'static str {
    match op {
        0x00 => "TEST UNIT READY",
        0x03 => "REQUEST SENSE",
        0x04 => "FORMAT UNIT",
        0x12 => "INQUIRY",
        0x1A => "MODE SENSE(6)",
        0x1B => "START STOP UNIT",
        0x1E => "PREVENT ALLOW MEDIUM REMOVAL",
        0x23 => "READ FORMAT CAPACITIES",
        0x25 => "READ CAPACITY",
        0x28 => "READ(10)",
        0x2A => "WRITE(10)",
        0x2E => "WRITE AND VERIFY(10)",
        0x2F => "VERIFY(10)",
        0x35 => "SYNCHRONIZE CACHE",
        0x3B => "WRITE BUFFER",
        0x3C => "READ BUFFER",
        0x42 => "READ SUB-CHANNEL",
        0x43 => "READ TOC/PMA/ATIP",
        0x46 => "GET CONFIGURATION",
        0x4A => "GET EVENT STATUS NOTIFICATION",
        0x51 => "READ DISC INFORMATION",
        0x52 => "READ TRACK INFORMATION",
        0x53 => "RESERVE TRACK",
        0x54 => "SEND OPC INFORMATION",
        0x55 => "MODE SELECT(10)",
        0x58 => "REPAIR TRACK",
        0x5A => "MODE SENSE(10)",
        0x5B => "CLOSE TRACK/SESSION",
        0x5C => "READ BUFFER CAPACITY",
        0x5D => "SEND CUE SHEET",
        0xA1 => "BLANK",
        0xA2 => "SEND EVENT",
        0xA3 => "SEND KEY",
        0xA4 => "REPORT KEY",
        0xA6 => "LOAD/UNLOAD MEDIUM",
        0xA7 => "SET READ AHEAD",
        0xA8 => "READ(12)",
        0xAA => "WRITE(12)",
        0xAB => "READ MEDIA SERIAL NUMBER",
        0xAC => "GET PERFORMANCE",
        0xAD => "READ DISC STRUCTURE",
        0xB6 => "SET STREAMING",
        0xB9 => "READ CD MSF",
        0xBB => "SET CD SPEED",
        0xBD => "MECHANISM STATUS",
        0xBE => "READ CD",
        0xBF => "SEND DISC STRUCTURE",
        _ => "unknown opcode",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `opcode_name` names every command of this module exactly as its
    /// `Command::NAME` (the tracer prints the former, errors the latter).
    #[test]
    fn opcode_names_match_command_names() {
        fn check<C: Command>(c: &C) {
            assert_eq!(opcode_name(c.cdb().opcode()), C::NAME, "{:?}", c.cdb());
        }
        check(&TestUnitReady);
        check(&RequestSense::new());
        check(&Inquiry::new());
        check(&StartStopUnit::load());
        check(&PreventAllowMediumRemoval::allow());
        check(&GetEventStatusNotification::new());
        check(&MechanismStatus::new());
        check(&GetConfiguration::all());
        check(&ReadDiscInformation::new());
        check(&ReadTrackInformation::invisible());
        check(&ReadCapacity);
        check(&ReadBufferCapacity::new());
        check(&ReadToc::new());
        check(&ReadMultiSessionInfo::new());
        check(&ReadRawToc::new());
        check(&ModeSense10::capabilities());
        check(&ModeSelect10::write_parameters(&WriteParameters::default()));
        check(&ReadFormatCapacities::new());
        check(&FormatUnit::dvd_plus_rw(false));
        check(&Blank::new(BlankType::Minimal));
        check(&Write10::new(0, 1));
        check(&Write12::new(0, 1, false));
        check(&Read10::new(0, 1));
        check(&Read12::new(0, 1));
        check(&ReadCd::mode1(0, 1));
        check(&SynchronizeCache { immed: true });
        check(&CloseTrackSession::session());
        check(&ReserveTrack { blocks: 1 });
        check(&SendCueSheet::single_data_track(300).unwrap());
        check(&SetCdSpeed::write_speed(1411));
        check(&SetStreaming::speed(0, 1385));
        check(&GetPerformance::nominal(false));
        check(&GetWriteSpeeds::default());
        assert_eq!(opcode_name(0xF3), "unknown opcode");
    }

    #[test]
    fn cdb_lengths_by_group_code() {
        // SPC-3 §4.3: group 0 = 6 bytes, groups 1–2 = 10, group 5 = 12.
        assert_eq!(TestUnitReady.cdb().as_bytes().len(), 6);
        assert_eq!(ReadCapacity.cdb().as_bytes().len(), 10);
        assert_eq!(Blank::new(BlankType::Full).cdb().as_bytes().len(), 12);
        assert_eq!(
            format!("{:?}", Write10::new(-150, 1).cdb()),
            "Cdb[2a 00 ff ff ff 6a 00 00 01 00]"
        );
    }

    #[test]
    fn larger_alloc_len_stops_at_the_cdb_limit() {
        // REQUEST SENSE: additional length 250 → 258 available, but the
        // 1-byte allocation field tops out at 252.
        let mut sense = vec![0x70, 0, 0, 0, 0, 0, 0, 250];
        sense.resize(18, 0);
        let rs = RequestSense::new();
        assert_eq!(rs.larger_alloc_len(&sense), Some(252));
        assert_eq!(rs.with_alloc_len(252).larger_alloc_len(&sense), None);
        // GET CONFIGURATION announcing more than 64 KiB asks for 65535 once.
        let gc = GetConfiguration::all();
        let head = [0x00, 0x01, 0x00, 0x00, 0, 0, 0, 0];
        assert_eq!(gc.larger_alloc_len(&head), Some(65535));
        assert_eq!(gc.with_alloc_len(65535).larger_alloc_len(&head), None);
        // Fixed-length replies never ask again.
        assert_eq!(ReadCapacity.larger_alloc_len(&[0; 8]), None);
        assert_eq!(TestUnitReady.data(), DataSpec::None);
    }
}

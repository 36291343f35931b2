//! The one narrow interface between commands and devices.
//!
//! A [`Transport`] executes one CDB with an optional data phase and reports
//! how the target completed it (SAM-5 status, sense bytes, residual). Nothing
//! above this trait knows whether the device is a Linux SG_IO node, the
//! emulated recorder, an image file posing as an overwritable medium, or a
//! wrapper that traces or injects faults.

use std::fmt;
use std::time::Duration;

/// SCSI status byte (SAM-5 §5.3.1, table 33).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(pub u8);

impl Status {
    pub const GOOD: Status = Status(0x00);
    pub const CHECK_CONDITION: Status = Status(0x02);
    pub const CONDITION_MET: Status = Status(0x04);
    pub const BUSY: Status = Status(0x08);
    pub const RESERVATION_CONFLICT: Status = Status(0x18);
    pub const TASK_SET_FULL: Status = Status(0x28);
    pub const ACA_ACTIVE: Status = Status(0x30);
    pub const TASK_ABORTED: Status = Status(0x40);

    /// Human name of the status (SAM-5 table 33).
    pub fn name(self) -> &'static str {
        match self.0 {
            0x00 => "GOOD",
            0x02 => "CHECK CONDITION",
            0x04 => "CONDITION MET",
            0x08 => "BUSY",
            0x18 => "RESERVATION CONFLICT",
            0x28 => "TASK SET FULL",
            0x30 => "ACA ACTIVE",
            0x40 => "TASK ABORTED",
            _ => "reserved status",
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Status({:02X}h {})", self.0, self.name())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({:02X}h)", self.name(), self.0)
    }
}

/// The data phase of one command, borrowed from the caller.
#[derive(Debug)]
pub enum DataPhase<'a> {
    /// No data transfer.
    None,
    /// Data-in: the device fills (a prefix of) the buffer. The buffer length
    /// is the transfer length and must equal the CDB's allocation length.
    In(&'a mut [u8]),
    /// Data-out: the buffer is sent to the device.
    Out(&'a [u8]),
}

impl DataPhase<'_> {
    /// Number of bytes the phase asks to move.
    pub fn len(&self) -> usize {
        match self {
            DataPhase::None => 0,
            DataPhase::In(b) => b.len(),
            DataPhase::Out(b) => b.len(),
        }
    }

    /// True when no bytes are to be moved.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Short name used in traces: `none`, `in`, `out`.
    pub fn direction_name(&self) -> &'static str {
        match self {
            DataPhase::None => "none",
            DataPhase::In(_) => "in",
            DataPhase::Out(_) => "out",
        }
    }
}

/// Maximum sense bytes a transport keeps (SPC-4 allows up to 252; drives
/// rarely send more than 32, Linux SG_IO is given this many).
pub const SENSE_MAX: usize = 96;

/// Raw sense bytes as returned by the device (SPC-4 §4.5). Decode them with
/// [`crate::sense::Sense::parse`].
#[derive(Clone, PartialEq, Eq)]
pub struct SenseBuf {
    len: u8,
    bytes: [u8; SENSE_MAX],
}

impl Default for SenseBuf {
    fn default() -> Self {
        SenseBuf {
            len: 0,
            bytes: [0; SENSE_MAX],
        }
    }
}

impl SenseBuf {
    /// Copies up to [`SENSE_MAX`] bytes.
    pub fn new(bytes: &[u8]) -> Self {
        let mut s = SenseBuf::default();
        let n = bytes.len().min(SENSE_MAX);
        s.bytes[..n].copy_from_slice(&bytes[..n]);
        s.len = n as u8;
        s
    }

    /// Fixed-format current sense data, 18 bytes (SPC-4 §4.5.3, table 48):
    /// response code 70h, key in byte 2, additional length 10, ASC/ASCQ in
    /// bytes 12/13.
    pub fn fixed(key: u8, asc: u8, ascq: u8) -> Self {
        let mut b = [0u8; 18];
        b[0] = 0x70;
        b[2] = key & 0x0F;
        b[7] = 10;
        b[12] = asc;
        b[13] = ascq;
        SenseBuf::new(&b)
    }

    /// Sets the INFORMATION field (bytes 3–6) and the VALID bit of fixed-format
    /// sense data. No effect on other formats.
    pub fn with_information(mut self, info: u32) -> Self {
        if self.len >= 18 && self.bytes[0] & 0x7E == 0x70 {
            self.bytes[0] |= 0x80;
            self.bytes[3..7].copy_from_slice(&info.to_be_bytes());
        }
        self
    }

    /// Sets the progress indication (SKSV = byte 15 bit 7, bytes 16–17;
    /// SPC-4 §4.5.2.4.4) of fixed-format sense data.
    pub fn with_progress(mut self, progress: u16) -> Self {
        if self.len >= 18 && self.bytes[0] & 0x7E == 0x70 {
            self.bytes[15] = 0x80;
            self.bytes[16..18].copy_from_slice(&progress.to_be_bytes());
        }
        self
    }

    /// Marks fixed-format sense data as deferred (response code 71h).
    pub fn deferred(mut self) -> Self {
        if self.len >= 1 && self.bytes[0] & 0x7E == 0x70 {
            self.bytes[0] |= 0x01;
        }
        self
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for SenseBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SenseBuf[")?;
        for (i, b) in self.as_bytes().iter().enumerate() {
            if i > 0 {
                write!(f, " ")?;
            }
            write!(f, "{b:02x}")?;
        }
        write!(f, "]")
    }
}

/// How the device completed one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// SCSI status byte.
    pub status: Status,
    /// Sense bytes (autosense); may be empty even with CHECK CONDITION on
    /// some ATAPI/USB paths, in which case the caller issues REQUEST SENSE.
    pub sense: SenseBuf,
    /// Data-phase bytes requested but not transferred (SG_IO `resid`).
    pub residual: usize,
}

impl Completion {
    /// GOOD status with `residual` bytes of the data phase not transferred.
    pub fn good(residual: usize) -> Self {
        Completion {
            status: Status::GOOD,
            sense: SenseBuf::default(),
            residual,
        }
    }

    /// CHECK CONDITION with the given sense bytes; no data transferred.
    pub fn check(sense: SenseBuf, requested: usize) -> Self {
        Completion {
            status: Status::CHECK_CONDITION,
            sense,
            residual: requested,
        }
    }

    pub fn is_good(&self) -> bool {
        self.status == Status::GOOD || self.status == Status::CONDITION_MET
    }

    /// Bytes actually transferred out of `requested`.
    pub fn transferred(&self, requested: usize) -> usize {
        requested.saturating_sub(self.residual)
    }
}

/// A failure to get a command to the device and back, as opposed to the
/// device answering with an error status (sense-and-retries.md §2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The kernel refused the command for this file descriptor (EPERM):
    /// not on the unprivileged SG_IO list, or the fd is not writable.
    #[error(
        "permission denied by the kernel for this command (open the drive read-write and be member of its group, usually `cdrom`)"
    )]
    PermissionDenied,
    /// The device went away, or is held by someone else mid-operation
    /// (EBUSY, ENODEV, ENXIO, DID_NO_CONNECT, DID_BAD_TARGET, or an emulated
    /// power cut).
    #[error("drive went away or is busy")]
    DriveLost,
    /// The command timed out at the host (DID_TIME_OUT / DRIVER_TIMEOUT); the
    /// drive may still be busy.
    #[error("command timed out after {0:?} at the host")]
    Timeout(Duration),
    /// A transient host/adapter condition (bus busy, reset, soft error);
    /// non-write commands may be retried.
    #[error("transient transport condition (host status {host:#x}, driver status {driver:#x})")]
    Transient { host: u16, driver: u16 },
    /// The transfer is larger than the queue accepts (ENOMEM / EINVAL on a
    /// data command): lower the chunk size.
    #[error("transfer of {0} bytes too large for the device queue")]
    TooLarge(usize),
    /// The CDB or data phase is malformed for this transport (our bug).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// Any other I/O failure while transferring the command.
    #[error("failed to transfer command to drive: {0}")]
    Io(#[from] std::io::Error),
}

/// Executes SCSI commands on one logical unit.
///
/// Implementations never interpret sense data and never retry; the
/// [`crate::drive::Drive`] above them owns the retry policy.
pub trait Transport {
    /// Sends `cdb` (6, 10, 12 or 16 bytes) with `data` and waits up to
    /// `timeout` for completion.
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError>;

    /// Short description for messages, e.g. `/dev/sr0` or `emul:bd-re:disc.img`.
    fn describe(&self) -> String;
}

impl<T: Transport + ?Sized> Transport for Box<T> {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        (**self).execute(cdb, data, timeout)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

impl<T: Transport + ?Sized> Transport for &mut T {
    fn execute(
        &mut self,
        cdb: &[u8],
        data: DataPhase<'_>,
        timeout: Duration,
    ) -> Result<Completion, TransportError> {
        (**self).execute(cdb, data, timeout)
    }

    fn describe(&self) -> String {
        (**self).describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_sense_layout_spc4_table_48() {
        let s = SenseBuf::fixed(0x03, 0x0C, 0x00)
            .with_information(0x1234)
            .with_progress(0x8000);
        let b = s.as_bytes();
        assert_eq!(b.len(), 18);
        assert_eq!(b[0], 0xF0); // VALID | 70h
        assert_eq!(&b[3..7], &[0, 0, 0x12, 0x34]);
        assert_eq!(b[2], 0x03);
        assert_eq!(b[7], 10);
        assert_eq!((b[12], b[13]), (0x0C, 0x00));
        assert_eq!(&b[15..18], &[0x80, 0x80, 0x00]);
        assert_eq!(SenseBuf::fixed(2, 4, 7).deferred().as_bytes()[0], 0x71);
    }

    #[test]
    fn completion_residual() {
        let c = Completion::good(100);
        assert!(c.is_good());
        assert_eq!(c.transferred(252), 152);
        assert_eq!(c.transferred(50), 0);
    }
}

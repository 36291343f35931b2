//! The sense codes the emulated recorder answers with (SPC-4 §4.5.6 table 54
//! for keys, SPC-4 Annex D / MMC-6 Annex F for ASC/ASCQ; classes and usage in
//! `sense-and-retries.md` §3).

use crate::transport::SenseBuf;

/// One CHECK CONDITION outcome: sense key, ASC, ASCQ, optionally the
/// INFORMATION field (failing LBA) and a progress indication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fail {
    pub key: u8,
    pub asc: u8,
    pub ascq: u8,
    pub info: Option<u32>,
    pub progress: Option<u16>,
}

impl Fail {
    pub(crate) const fn new(key: u8, asc: u8, ascq: u8) -> Fail {
        Fail {
            key,
            asc,
            ascq,
            info: None,
            progress: None,
        }
    }

    /// Sets the INFORMATION field (the LBA a READ/WRITE failed at).
    pub(crate) fn at(mut self, lba: i64) -> Fail {
        self.info = Some(lba as u32);
        self
    }

    pub(crate) fn with_progress(mut self, p: u16) -> Fail {
        self.progress = Some(p);
        self
    }

    /// Fixed-format sense bytes (SPC-4 §4.5.3, table 48).
    pub(crate) fn sense(&self) -> SenseBuf {
        let mut s = SenseBuf::fixed(self.key, self.asc, self.ascq);
        if let Some(i) = self.info {
            s = s.with_information(i);
        }
        if let Some(p) = self.progress {
            s = s.with_progress(p);
        }
        s
    }
}

/// 2/04/04 LOGICAL UNIT NOT READY, FORMAT IN PROGRESS.
pub(crate) const FORMAT_IN_PROGRESS: Fail = Fail::new(0x2, 0x04, 0x04);
/// 2/04/07 LOGICAL UNIT NOT READY, OPERATION IN PROGRESS (blank, close, sync).
pub(crate) const OP_IN_PROGRESS: Fail = Fail::new(0x2, 0x04, 0x07);
/// 2/3A/00 MEDIUM NOT PRESENT.
pub(crate) const NO_MEDIUM: Fail = Fail::new(0x2, 0x3A, 0x00);
/// 3/11/00 UNRECOVERED READ ERROR (CD TAO run-out blocks).
pub(crate) const UNRECOVERED_READ: Fail = Fail::new(0x3, 0x11, 0x00);
/// 5/1A/00 PARAMETER LIST LENGTH ERROR.
pub(crate) const PARAM_LIST_LENGTH: Fail = Fail::new(0x5, 0x1A, 0x00);
/// 5/20/00 INVALID COMMAND OPERATION CODE.
pub(crate) const INVALID_OPCODE: Fail = Fail::new(0x5, 0x20, 0x00);
/// 5/21/00 LOGICAL BLOCK ADDRESS OUT OF RANGE.
pub(crate) const LBA_OUT_OF_RANGE: Fail = Fail::new(0x5, 0x21, 0x00);
/// 5/21/02 INVALID ADDRESS FOR WRITE.
pub(crate) const INVALID_WRITE_ADDRESS: Fail = Fail::new(0x5, 0x21, 0x02);
/// 5/24/00 INVALID FIELD IN CDB.
pub(crate) const INVALID_CDB: Fail = Fail::new(0x5, 0x24, 0x00);
/// 5/26/00 INVALID FIELD IN PARAMETER LIST.
pub(crate) const INVALID_PARAM: Fail = Fail::new(0x5, 0x26, 0x00);
/// 5/2C/00 COMMAND SEQUENCE ERROR.
pub(crate) const SEQUENCE: Fail = Fail::new(0x5, 0x2C, 0x00);
/// 5/30/00 INCOMPATIBLE MEDIUM INSTALLED (BLANK on a medium that is not
/// erasable by BLANK).
pub(crate) const INCOMPATIBLE_MEDIUM: Fail = Fail::new(0x5, 0x30, 0x00);
/// 5/30/05 CANNOT WRITE MEDIUM, INCOMPATIBLE FORMAT.
pub(crate) const CANNOT_WRITE: Fail = Fail::new(0x5, 0x30, 0x05);
/// 5/30/06 CANNOT FORMAT MEDIUM, INCOMPATIBLE MEDIUM.
pub(crate) const CANNOT_FORMAT: Fail = Fail::new(0x5, 0x30, 0x06);
/// 5/30/10 MEDIUM NOT FORMATTED.
pub(crate) const NOT_FORMATTED: Fail = Fail::new(0x5, 0x30, 0x10);
/// 5/39/00 SAVING PARAMETERS NOT SUPPORTED.
pub(crate) const SAVING_UNSUPPORTED: Fail = Fail::new(0x5, 0x39, 0x00);
/// 5/53/02 MEDIUM REMOVAL PREVENTED.
pub(crate) const REMOVAL_PREVENTED: Fail = Fail::new(0x5, 0x53, 0x02);
/// 5/63/00 END OF USER AREA ENCOUNTERED ON THIS TRACK.
pub(crate) const END_OF_USER_AREA: Fail = Fail::new(0x5, 0x63, 0x00);
/// 5/64/00 ILLEGAL MODE FOR THIS TRACK.
pub(crate) const ILLEGAL_MODE: Fail = Fail::new(0x5, 0x64, 0x00);
/// 5/64/01 INVALID PACKET SIZE.
pub(crate) const INVALID_PACKET_SIZE: Fail = Fail::new(0x5, 0x64, 0x01);
/// 5/72/03 SESSION FIXATION ERROR, INCOMPLETE TRACK IN SESSION.
pub(crate) const INCOMPLETE_TRACK: Fail = Fail::new(0x5, 0x72, 0x03);
/// 5/72/05 NO MORE TRACK RESERVATIONS ALLOWED.
pub(crate) const NO_MORE_RESERVATIONS: Fail = Fail::new(0x5, 0x72, 0x05);
/// 5/73/05 PROGRAM MEMORY AREA IS FULL (CD: 99 tracks).
pub(crate) const PMA_FULL: Fail = Fail::new(0x5, 0x73, 0x05);
/// 6/28/00 NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED.
pub(crate) const MEDIUM_CHANGED: Fail = Fail::new(0x6, 0x28, 0x00);
/// 6/29/00 POWER ON, RESET, OR BUS DEVICE RESET OCCURRED.
pub(crate) const POWER_ON: Fail = Fail::new(0x6, 0x29, 0x00);
/// 8/00/00 BLANK CHECK (reading unrecorded blocks of a write-once medium).
pub(crate) const BLANK_CHECK: Fail = Fail::new(0x8, 0x00, 0x00);

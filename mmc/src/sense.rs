//! Sense data: decoding (SPC-4 §4.5), human text and the retry classification
//! of `sense-and-retries.md`.

use std::fmt;

/// Sense key (SPC-4 §4.5.6, table 54).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SenseKey(pub u8);

impl SenseKey {
    pub const NO_SENSE: SenseKey = SenseKey(0x0);
    pub const RECOVERED_ERROR: SenseKey = SenseKey(0x1);
    pub const NOT_READY: SenseKey = SenseKey(0x2);
    pub const MEDIUM_ERROR: SenseKey = SenseKey(0x3);
    pub const HARDWARE_ERROR: SenseKey = SenseKey(0x4);
    pub const ILLEGAL_REQUEST: SenseKey = SenseKey(0x5);
    pub const UNIT_ATTENTION: SenseKey = SenseKey(0x6);
    pub const DATA_PROTECT: SenseKey = SenseKey(0x7);
    pub const BLANK_CHECK: SenseKey = SenseKey(0x8);
    pub const VENDOR_SPECIFIC: SenseKey = SenseKey(0x9);
    pub const COPY_ABORTED: SenseKey = SenseKey(0xA);
    pub const ABORTED_COMMAND: SenseKey = SenseKey(0xB);
    pub const VOLUME_OVERFLOW: SenseKey = SenseKey(0xD);
    pub const MISCOMPARE: SenseKey = SenseKey(0xE);

    /// Name as in SPC-4 table 54, lower case for messages ("medium error").
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0 => "no sense",
            0x1 => "recovered error",
            0x2 => "not ready",
            0x3 => "medium error",
            0x4 => "hardware error",
            0x5 => "illegal request",
            0x6 => "unit attention",
            0x7 => "data protect",
            0x8 => "blank check",
            0x9 => "vendor specific",
            0xA => "copy aborted",
            0xB => "aborted command",
            0xD => "volume overflow",
            0xE => "miscompare",
            _ => "reserved sense key",
        }
    }
}

/// Decoded sense data, fixed or descriptor format.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Sense {
    /// Response code (byte 0 & 7Fh): 70h/71h fixed, 72h/73h descriptor.
    pub response_code: u8,
    pub key: SenseKey,
    pub asc: u8,
    pub ascq: u8,
    /// INFORMATION field when VALID (fixed) or an information descriptor
    /// (descriptor format) is present; for READ/WRITE errors the failing LBA.
    pub information: Option<u64>,
    /// Sense-key specific bytes when SKSV is set (fixed bytes 15–17,
    /// descriptor type 02h bytes 4–6).
    pub sense_key_specific: Option<[u8; 3]>,
}

impl Sense {
    /// Decodes fixed (70h/71h, SPC-4 §4.5.3) or descriptor (72h/73h,
    /// SPC-4 §4.5.2) sense data. Returns `None` for empty buffers or unknown
    /// response codes. Short buffers are accepted: missing fields read as 0.
    pub fn parse(bytes: &[u8]) -> Option<Sense> {
        let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
        let rc = at(0) & 0x7F;
        match rc {
            0x70 | 0x71 => {
                // Additional sense length bounds the fields that are present.
                let valid_len = (8 + at(7) as usize).min(bytes.len());
                let get = |i: usize| if i < valid_len { at(i) } else { 0 };
                let information = if at(0) & 0x80 != 0 && bytes.len() >= 7 {
                    Some(u32::from_be_bytes([at(3), at(4), at(5), at(6)]) as u64)
                } else {
                    None
                };
                let sks = if valid_len >= 18 && get(15) & 0x80 != 0 {
                    Some([get(15), get(16), get(17)])
                } else {
                    None
                };
                Some(Sense {
                    response_code: rc,
                    key: SenseKey(at(2) & 0x0F),
                    asc: get(12),
                    ascq: get(13),
                    information,
                    sense_key_specific: sks,
                })
            }
            0x72 | 0x73 => {
                let end = (8 + at(7) as usize).min(bytes.len());
                let mut information = None;
                let mut sks = None;
                let mut i = 8;
                while i + 2 <= end {
                    let dtype = at(i);
                    let dlen = at(i + 1) as usize;
                    let body_end = (i + 2 + dlen).min(end);
                    match dtype {
                        // Information descriptor (SPC-4 §4.5.2.2): VALID at
                        // byte 2 bit 7, 8-byte INFORMATION at bytes 4–11.
                        0x00 if body_end >= i + 12 && at(i + 2) & 0x80 != 0 => {
                            let mut v = [0u8; 8];
                            v.copy_from_slice(&bytes[i + 4..i + 12]);
                            information = Some(u64::from_be_bytes(v));
                        }
                        // Sense key specific descriptor (SPC-4 §4.5.2.4).
                        0x02 if body_end >= i + 7 && at(i + 4) & 0x80 != 0 => {
                            sks = Some([at(i + 4), at(i + 5), at(i + 6)]);
                        }
                        _ => {}
                    }
                    i += 2 + dlen;
                }
                Some(Sense {
                    response_code: rc,
                    key: SenseKey(at(1) & 0x0F),
                    asc: at(2),
                    ascq: at(3),
                    information,
                    sense_key_specific: sks,
                })
            }
            _ => None,
        }
    }

    /// True for deferred errors (71h/73h): the error belongs to an earlier
    /// command that already completed with GOOD status.
    pub fn is_deferred(&self) -> bool {
        self.response_code == 0x71 || self.response_code == 0x73
    }

    /// Progress indication 0..=65535 (SPC-4 §4.5.2.4.4), present with key
    /// NO SENSE or NOT READY and SKSV set.
    pub fn progress(&self) -> Option<u16> {
        match (self.key, self.sense_key_specific) {
            (SenseKey::NO_SENSE | SenseKey::NOT_READY, Some(s)) => {
                Some(u16::from_be_bytes([s[1], s[2]]))
            }
            _ => None,
        }
    }

    /// The `K/AA/QQ` triple as shown in messages, e.g. `3/0C/00`.
    pub fn triple(&self) -> String {
        format!("{:X}/{:02X}/{:02X}", self.key.0, self.asc, self.ascq)
    }

    /// True when key, ASC and ASCQ are exactly these.
    pub fn is(&self, key: u8, asc: u8, ascq: u8) -> bool {
        self.key.0 == key && self.asc == asc && self.ascq == ascq
    }

    /// 2/3A/xx: medium not present (`sense-and-retries.md` §3).
    pub fn is_no_medium(&self) -> bool {
        self.key == SenseKey::NOT_READY && self.asc == 0x3A
    }

    /// 5/20/00: invalid command operation code — the trigger of the
    /// fallbacks in `sense-and-retries.md` §5.3.
    pub fn is_invalid_opcode(&self) -> bool {
        self.is(0x5, 0x20, 0x00)
    }

    /// 5/24/00: invalid field in CDB (§5.3 fallbacks).
    pub fn is_invalid_field(&self) -> bool {
        self.is(0x5, 0x24, 0x00)
    }

    /// 6/28/xx or 6/29/xx: the medium may have changed or the drive was
    /// reset (`sense-and-retries.md` §5.4).
    pub fn is_medium_or_reset_attention(&self) -> bool {
        self.key == SenseKey::UNIT_ATTENTION && matches!(self.asc, 0x28 | 0x29)
    }

    /// RECOVERED ERROR codes worth a warning although the command succeeded:
    /// power calibration area (or RMA/PMA) almost full, 1/73/01, 1/73/06,
    /// 1/73/10 (`sense-and-retries.md` §3, second row).
    pub fn is_recovered_warning(&self) -> bool {
        self.key == SenseKey::RECOVERED_ERROR
            && self.asc == 0x73
            && matches!(self.ascq, 0x01 | 0x06 | 0x10)
    }
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.key.name(), self.triple())
    }
}

/// Human text of an additional sense code (SPC-4 Annex D table D.1, MMC-6
/// Annex F), lower case, e.g. `write error` for 0C/00. `None` for codes
/// without a text here (the caller then shows the raw triple).
///
/// Covers every code of `sense-and-retries.md` §3 and the SPC-4 / MMC codes
/// optical drives are known to report. Vendor-specific codes (ASC ≥ 80h or
/// ASCQ ≥ 80h outside the ranges named below) have no text.
pub fn asc_text(asc: u8, ascq: u8) -> Option<&'static str> {
    let text = match (asc, ascq) {
        (0x00, 0x00) => "no additional sense information",
        (0x00, 0x03) => "setmark detected",
        (0x00, 0x11) => "audio play operation in progress",
        (0x00, 0x12) => "audio play operation paused",
        (0x00, 0x13) => "audio play operation successfully completed",
        (0x00, 0x14) => "audio play operation stopped due to error",
        (0x00, 0x15) => "no current audio status to return",
        (0x00, 0x16) => "operation in progress",
        (0x00, 0x17) => "cleaning requested",
        (0x01, 0x00) => "no index/sector signal",
        (0x02, 0x00) => "no seek complete",
        (0x03, 0x00) => "peripheral device write fault",
        (0x03, 0x01) => "no write current",
        (0x03, 0x02) => "excessive write errors",
        (0x04, 0x00) => "logical unit not ready, cause not reportable",
        (0x04, 0x01) => "logical unit is in process of becoming ready",
        (0x04, 0x02) => "logical unit not ready, initializing command required",
        (0x04, 0x03) => "logical unit not ready, manual intervention required",
        (0x04, 0x04) => "logical unit not ready, format in progress",
        (0x04, 0x05) => "logical unit not ready, rebuild in progress",
        (0x04, 0x06) => "logical unit not ready, recalculation in progress",
        (0x04, 0x07) => "logical unit not ready, operation in progress",
        (0x04, 0x08) => "logical unit not ready, long write in progress",
        (0x04, 0x09) => "logical unit not ready, self-test in progress",
        (0x04, 0x0A) => "logical unit not accessible, asymmetric access state transition",
        (0x04, 0x0B) => "logical unit not accessible, target port in standby state",
        (0x04, 0x0C) => "logical unit not accessible, target port in unavailable state",
        (0x04, 0x11) => "logical unit not ready, notify (enable spinup) required",
        (0x04, 0x22) => "logical unit not ready, power cycle required",
        (0x05, 0x00) => "logical unit does not respond to selection",
        (0x06, 0x00) => "no reference position found",
        (0x07, 0x00) => "multiple peripheral devices selected",
        (0x08, 0x00) => "logical unit communication failure",
        (0x08, 0x01) => "logical unit communication time-out",
        (0x08, 0x02) => "logical unit communication parity error",
        (0x08, 0x03) => "logical unit communication crc error (ultra-dma/32)",
        (0x08, 0x04) => "unreachable copy target",
        (0x09, 0x00) => "track following error",
        (0x09, 0x01) => "tracking servo failure",
        (0x09, 0x02) => "focus servo failure",
        (0x09, 0x03) => "spindle servo failure",
        (0x09, 0x04) => "head select fault",
        (0x0A, 0x00) => "error log overflow",
        (0x0B, 0x00) => "warning",
        (0x0B, 0x01) => "warning - specified temperature exceeded",
        (0x0B, 0x02) => "warning - enclosure degraded",
        (0x0C, 0x00) => "write error",
        (0x0C, 0x01) => "write error - recovered with auto reallocation",
        (0x0C, 0x02) => "write error - auto reallocation failed",
        (0x0C, 0x03) => "write error - recommend reassignment",
        (0x0C, 0x04) => "compression check miscompare error",
        (0x0C, 0x05) => "data expansion occurred during compression",
        (0x0C, 0x06) => "block not compressible",
        (0x0C, 0x07) => "write error - recovery needed",
        (0x0C, 0x08) => "write error - recovery failed",
        (0x0C, 0x09) => "write error - loss of streaming",
        (0x0C, 0x0A) => "write error - padding blocks added",
        (0x0C, 0x0B) => "auxiliary memory write error",
        (0x0C, 0x0C) => "write error - unexpected unsolicited data",
        (0x0C, 0x0D) => "write error - not enough unsolicited data",
        (0x0C, 0x0F) => "defects in error window",
        (0x0E, 0x00) => "invalid information unit",
        (0x10, 0x00) => "id crc or ecc error",
        (0x11, 0x00) => "unrecovered read error",
        (0x11, 0x01) => "read retries exhausted",
        (0x11, 0x02) => "error too long to correct",
        (0x11, 0x03) => "multiple read errors",
        (0x11, 0x04) => "unrecovered read error - auto reallocate failed",
        (0x11, 0x05) => "l-ec uncorrectable error",
        (0x11, 0x06) => "circ unrecovered error",
        (0x11, 0x07) => "data re-synchronization error",
        (0x11, 0x0F) => "error reading upc/ean number",
        (0x11, 0x10) => "error reading isrc number",
        (0x11, 0x11) => "read error - loss of streaming",
        (0x12, 0x00) => "address mark not found for id field",
        (0x13, 0x00) => "address mark not found for data field",
        (0x14, 0x00) => "recorded entity not found",
        (0x14, 0x01) => "record not found",
        (0x15, 0x00) => "random positioning error",
        (0x15, 0x01) => "mechanical positioning error",
        (0x15, 0x02) => "positioning error detected by read of medium",
        (0x16, 0x00) => "data synchronization mark error",
        (0x17, 0x00) => "recovered data with no error correction applied",
        (0x17, 0x01) => "recovered data with retries",
        (0x17, 0x02) => "recovered data with positive head offset",
        (0x17, 0x03) => "recovered data with negative head offset",
        (0x17, 0x04) => "recovered data with retries and/or circ applied",
        (0x17, 0x05) => "recovered data using previous sector id",
        (0x17, 0x07) => "recovered data without ecc - recommend reassignment",
        (0x17, 0x08) => "recovered data without ecc - recommend rewrite",
        (0x17, 0x09) => "recovered data without ecc - data rewritten",
        (0x18, 0x00) => "recovered data with error correction applied",
        (0x18, 0x01) => "recovered data with error correction & retries applied",
        (0x18, 0x02) => "recovered data - data auto-reallocated",
        (0x18, 0x03) => "recovered data with circ",
        (0x18, 0x04) => "recovered data with l-ec",
        (0x18, 0x05) => "recovered data - recommend reassignment",
        (0x18, 0x06) => "recovered data - recommend rewrite",
        (0x18, 0x08) => "recovered data with linking",
        (0x1A, 0x00) => "parameter list length error",
        (0x1B, 0x00) => "synchronous data transfer error",
        (0x1D, 0x00) => "miscompare during verify operation",
        (0x20, 0x00) => "invalid command operation code",
        (0x21, 0x00) => "logical block address out of range",
        (0x21, 0x01) => "invalid element address",
        (0x21, 0x02) => "invalid address for write",
        (0x21, 0x03) => "invalid write crossing layer jump",
        (0x22, 0x00) => "illegal function",
        (0x24, 0x00) => "invalid field in cdb",
        (0x24, 0x01) => "cdb decryption error",
        (0x25, 0x00) => "logical unit not supported",
        (0x26, 0x00) => "invalid field in parameter list",
        (0x26, 0x01) => "parameter not supported",
        (0x26, 0x02) => "parameter value invalid",
        (0x26, 0x03) => "threshold parameters not supported",
        (0x26, 0x04) => "invalid release of persistent reservation",
        (0x27, 0x00) => "write protected",
        (0x27, 0x01) => "hardware write protected",
        (0x27, 0x02) => "logical unit software write protected",
        (0x27, 0x03) => "associated write protect",
        (0x27, 0x04) => "persistent write protect",
        (0x27, 0x05) => "permanent write protect",
        (0x27, 0x06) => "conditional write protect",
        (0x28, 0x00) => "not ready to ready change, medium may have changed",
        (0x28, 0x01) => "import or export element accessed",
        (0x28, 0x02) => "format-layer may have changed",
        (0x28, 0x03) => "import/export element accessed, medium changed",
        (0x29, 0x00) => "power on, reset, or bus device reset occurred",
        (0x29, 0x01) => "power on occurred",
        (0x29, 0x02) => "scsi bus reset occurred",
        (0x29, 0x03) => "bus device reset function occurred",
        (0x29, 0x04) => "device internal reset",
        (0x29, 0x05) => "transceiver mode changed to single-ended",
        (0x29, 0x06) => "transceiver mode changed to lvd",
        (0x29, 0x07) => "i_t nexus loss occurred",
        (0x2A, 0x00) => "parameters changed",
        (0x2A, 0x01) => "mode parameters changed",
        (0x2A, 0x02) => "log parameters changed",
        (0x2A, 0x03) => "reservations preempted",
        (0x2A, 0x04) => "reservations released",
        (0x2A, 0x05) => "registrations preempted",
        (0x2B, 0x00) => "copy cannot execute since host cannot disconnect",
        (0x2C, 0x00) => "command sequence error",
        (0x2C, 0x03) => "current program area is not empty",
        (0x2C, 0x04) => "current program area is empty",
        (0x2E, 0x00) => "insufficient time for operation",
        (0x2F, 0x00) => "commands cleared by another initiator",
        (0x30, 0x00) => "incompatible medium installed",
        (0x30, 0x01) => "cannot read medium - unknown format",
        (0x30, 0x02) => "cannot read medium - incompatible format",
        (0x30, 0x03) => "cleaning cartridge installed",
        (0x30, 0x04) => "cannot write medium - unknown format",
        (0x30, 0x05) => "cannot write medium - incompatible format",
        (0x30, 0x06) => "cannot format medium - incompatible medium",
        (0x30, 0x07) => "cleaning failure",
        (0x30, 0x08) => "cannot write - application code mismatch",
        (0x30, 0x09) => "current session not fixated for append",
        (0x30, 0x0A) => "cleaning request rejected",
        (0x30, 0x10) => "medium not formatted",
        (0x30, 0x11) => "incompatible volume type",
        (0x30, 0x12) => "incompatible volume qualifier",
        (0x31, 0x00) => "medium format corrupted",
        (0x31, 0x01) => "format command failed",
        (0x31, 0x02) => "zoned formatting failed due to spare linking",
        (0x32, 0x00) => "no defect spare location available",
        (0x32, 0x01) => "defect list update failure",
        (0x34, 0x00) => "enclosure failure",
        (0x35, 0x00) => "enclosure services failure",
        (0x37, 0x00) => "rounded parameter",
        (0x39, 0x00) => "saving parameters not supported",
        (0x3A, 0x00) => "medium not present",
        (0x3A, 0x01) => "medium not present - tray closed",
        (0x3A, 0x02) => "medium not present - tray open",
        (0x3A, 0x03) => "medium not present - loadable",
        (0x3A, 0x04) => "medium not present - medium auxiliary memory accessible",
        (0x3B, 0x0D) => "medium destination element full",
        (0x3B, 0x0E) => "medium source element empty",
        (0x3B, 0x0F) => "end of medium reached",
        (0x3B, 0x11) => "medium magazine not accessible",
        (0x3B, 0x12) => "medium magazine removed",
        (0x3B, 0x13) => "medium magazine inserted",
        (0x3B, 0x14) => "medium magazine locked",
        (0x3B, 0x15) => "medium magazine unlocked",
        (0x3B, 0x16) => "mechanical positioning or changer error",
        (0x3D, 0x00) => "invalid bits in identify message",
        (0x3E, 0x00) => "logical unit has not self-configured yet",
        (0x3E, 0x01) => "logical unit failure",
        (0x3E, 0x02) => "timeout on logical unit",
        (0x3F, 0x00) => "target operating conditions have changed",
        (0x3F, 0x01) => "microcode has been changed",
        (0x3F, 0x02) => "changed operating definition",
        (0x3F, 0x03) => "inquiry data has changed",
        (0x3F, 0x0E) => "reported luns data has changed",
        (0x40, 0x00) => "ram failure",
        (0x40, 0x80..=0xFF) => "diagnostic failure on component",
        (0x41, 0x00) => "data path failure",
        (0x42, 0x00) => "power-on or self-test failure",
        (0x43, 0x00) => "message error",
        (0x44, 0x00) => "internal target failure",
        (0x45, 0x00) => "select or reselect failure",
        (0x46, 0x00) => "unsuccessful soft reset",
        (0x47, 0x00) => "scsi parity error",
        (0x47, 0x01) => "data phase crc error detected",
        (0x48, 0x00) => "initiator detected error message received",
        (0x49, 0x00) => "invalid message error",
        (0x4A, 0x00) => "command phase error",
        (0x4B, 0x00) => "data phase error",
        (0x4C, 0x00) => "logical unit failed self-configuration",
        (0x4D, _) => "tagged overlapped commands",
        (0x4E, 0x00) => "overlapped commands attempted",
        (0x51, 0x00) => "erase failure",
        (0x51, 0x01) => "erase failure - incomplete erase operation detected",
        (0x53, 0x00) => "media load or eject failed",
        (0x53, 0x02) => "medium removal prevented",
        (0x55, 0x00) => "system buffer full",
        (0x57, 0x00) => "unable to recover table-of-contents",
        (0x5A, 0x00) => "operator request or state change input",
        (0x5A, 0x01) => "operator medium removal request",
        (0x5A, 0x02) => "operator selected write protect",
        (0x5A, 0x03) => "operator selected write permit",
        (0x5B, 0x00) => "log exception",
        (0x5D, 0x00) => "failure prediction threshold exceeded",
        (0x5D, 0xFF) => "failure prediction threshold exceeded (false)",
        (0x5E, 0x00) => "low power condition on",
        (0x5E, 0x01) => "idle condition activated by timer",
        (0x5E, 0x02) => "standby condition activated by timer",
        (0x5E, 0x03) => "idle condition activated by command",
        (0x5E, 0x04) => "standby condition activated by command",
        (0x63, 0x00) => "end of user area encountered on this track",
        (0x63, 0x01) => "packet does not fit in available space",
        (0x64, 0x00) => "illegal mode for this track",
        (0x64, 0x01) => "invalid packet size",
        (0x65, 0x00) => "voltage fault",
        (0x6F, 0x00) => "copy protection key exchange failure - authentication failure",
        (0x6F, 0x01) => "copy protection key exchange failure - key not present",
        (0x6F, 0x02) => "copy protection key exchange failure - key not established",
        (0x6F, 0x03) => "read of scrambled sector without authentication",
        (0x6F, 0x04) => "media region code is mismatched to logical unit region",
        (0x6F, 0x05) => "drive region must be permanent/region reset count error",
        (0x6F, 0x06) => "insufficient block count for binding nonce recording",
        (0x6F, 0x07) => "conflict in binding nonce recording",
        (0x72, 0x00) => "session fixation error",
        (0x72, 0x01) => "session fixation error writing lead-in",
        (0x72, 0x02) => "session fixation error writing lead-out",
        (0x72, 0x03) => "session fixation error - incomplete track in session",
        (0x72, 0x04) => "empty or partially written reserved track",
        (0x72, 0x05) => "no more track reservations allowed",
        (0x72, 0x06) => "rmz extension is not allowed",
        (0x72, 0x07) => "no more test zone extensions are allowed",
        (0x73, 0x00) => "cd control error",
        (0x73, 0x01) => "power calibration area almost full",
        (0x73, 0x02) => "power calibration area is full",
        (0x73, 0x03) => "power calibration area error",
        (0x73, 0x04) => "program memory area update failure",
        (0x73, 0x05) => "program memory area is full",
        (0x73, 0x06) => "rma/pma is almost full",
        (0x73, 0x10) => "current power calibration area almost full",
        (0x73, 0x11) => "current power calibration area is full",
        (0x73, 0x17) => "rdz is full",
        _ => return None,
    };
    Some(text)
}

/// One-line description for messages: `medium error, write error (3/0C/00)`.
/// Codes without a text read `See MMC specs: sense key 3, ASC 0C, ASCQ 0F`
/// as libburn prints them (`sense-and-retries.md` §3, last row).
pub fn describe(sense: &Sense) -> String {
    match asc_text(sense.asc, sense.ascq) {
        Some(t) => format!("{}, {} ({})", sense.key.name(), t, sense.triple()),
        None => format!(
            "{} ({}); see MMC specs: sense key {:X}, ASC {:02X}, ASCQ {:02X}",
            sense.key.name(),
            sense.triple(),
            sense.key.0,
            sense.asc,
            sense.ascq
        ),
    }
}

/// The log line libburn prints for a failed command, so reports compare:
/// `[3 0C 00] Medium error. Write error.` (`sense-and-retries.md` §1).
/// Codes without a text end in `See MMC specs.`
pub fn log_text(sense: &Sense) -> String {
    let asc = asc_text(sense.asc, sense.ascq).unwrap_or("see MMC specs");
    format!(
        "[{:X} {:02X} {:02X}] {}. {}.",
        sense.key.0,
        sense.asc,
        sense.ascq,
        capitalize(sense.key.name()),
        capitalize(asc)
    )
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------
// Classification (`sense-and-retries.md` §3, §1, §4.3, §5.4)
// ---------------------------------------------------------------------------

/// What the caller should do about a CHECK CONDITION (`sense-and-retries.md`
/// §3, "Classes").
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum SenseClass {
    /// Treat as success (no sense, every RECOVERED ERROR).
    Ok,
    /// The drive is busy: re-issue the same command after the §4.1 delay,
    /// bounded by the command's timeout. On WRITE (2/04/08) this re-sends
    /// the same WRITE.
    Wait,
    /// Unit attention outside writing: the drive or medium state may have
    /// changed. Re-issue the command once and re-inspect the medium before
    /// any write decision.
    Resync,
    /// ABORTED COMMAND: retry up to three times, then fail (**project
    /// policy**).
    Retry,
    /// Medium not present (2/3A/xx, FAIL+): mark the drive empty.
    NoMedium,
    /// Stop the operation and report.
    Fail,
}

/// Where a command runs, which changes how its sense is classified.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[non_exhaustive]
pub enum CommandContext {
    /// A WRITE(10)/(12)/(16) or WRITE AND VERIFY: 2/04/08 re-sends the same
    /// WRITE; unit attentions and deferred errors end the burn (§5.4);
    /// ABORTED COMMAND is not retried.
    Write,
    /// Any other command between the first WRITE of a session and the end of
    /// its close (SYNCHRONIZE CACHE, CLOSE TRACK/SESSION, READ TRACK
    /// INFORMATION for the NWA): unit attentions and deferred errors end the
    /// burn (§5.4).
    Burn,
    /// TEST UNIT READY / REQUEST SENSE polling after an Immed command (§4.3):
    /// every 2/04/xx except 02 and 03 and 6/28/00 mean "keep waiting".
    Poll,
    /// Everything else: inspection, setup, reading.
    Other,
}

impl CommandContext {
    /// True inside a write sequence, where §5.4 applies.
    pub fn is_writing(self) -> bool {
        matches!(self, CommandContext::Write | CommandContext::Burn)
    }
}

/// True for the opcodes that write user data: WRITE(10) 2Ah, WRITE(12) AAh,
/// WRITE(16) 8Ah, WRITE AND VERIFY(10) 2Eh (MMC-6 §6.44–6.46, SBC-3).
pub fn is_write_opcode(opcode: u8) -> bool {
    matches!(opcode, 0x2A | 0xAA | 0x8A | 0x2E)
}

/// Classifies sense data per `sense-and-retries.md` §3 in the given context.
///
/// Rules, in order:
/// 1. RECOVERED ERROR is always [`SenseClass::Ok`], whatever the ASC
///    (libburn's rule).
/// 2. Deferred errors (71h/73h) belong to an earlier command: inside a write
///    sequence and while polling after an Immed command (where deferred
///    WRITE errors surface) the session is damaged → [`SenseClass::Fail`]
///    (§1). In [`CommandContext::Other`] the current command was not
///    executed (SPC-4 §4.5.5) and is re-issued once ([`SenseClass::Resync`]).
/// 3. In [`CommandContext::Poll`] the §4.3 table applies.
/// 4. Otherwise the §3 table; any code it does not list is FAIL.
pub fn classify(sense: &Sense, ctx: CommandContext) -> SenseClass {
    let key = sense.key;
    let (asc, ascq) = (sense.asc, sense.ascq);

    if key == SenseKey::RECOVERED_ERROR {
        return SenseClass::Ok;
    }
    if sense.is_deferred() {
        return if key == SenseKey::NO_SENSE && asc == 0 && ascq == 0 {
            SenseClass::Ok
        } else if ctx == CommandContext::Other {
            SenseClass::Resync
        } else {
            SenseClass::Fail
        };
    }
    if ctx == CommandContext::Poll {
        return classify_poll(sense);
    }

    match (key.0, asc, ascq) {
        // 0/00/00 no sense.
        (0x0, 0x00, 0x00) => SenseClass::Ok,
        // 0/00/03 on WRITE: host-side rejection masquerading as sense
        // (unaligned final DVD-R DAO write) — FAIL; so is any other 0/00/03.
        (0x0, 0x00, 0x03) => SenseClass::Fail,
        // 0/00/16 operation in progress (SPC-4 §4.5.2.4.4 progress reports).
        (0x0, 0x00, 0x16) => SenseClass::Wait,
        // 2/3A/xx medium not present (libburn marks the drive empty). Any key:
        // the ASC is unambiguous.
        (_, 0x3A, _) => SenseClass::NoMedium,
        // x/02/00 no seek complete and x/08/00–03 communication failures:
        // WAIT with any key, as libburn does; this takes precedence over the
        // ABORTED COMMAND row (B/08/03 is the common UDMA CRC error).
        (_, 0x02, 0x00) | (_, 0x08, 0x00..=0x03) => SenseClass::Wait,
        // 2/04/xx not ready.
        (0x2, 0x04, 0x00 | 0x01 | 0x04 | 0x05 | 0x06 | 0x07 | 0x08 | 0x09) => SenseClass::Wait,
        (0x2, 0x04, _) => SenseClass::Fail,
        // Unit attention.
        (0x6, 0x5A, 0x01) => SenseClass::Resync,
        (0x6, 0x28 | 0x29 | 0x2A | 0x2F | 0x3F, _) => {
            if ctx.is_writing() {
                SenseClass::Fail
            } else {
                SenseClass::Resync
            }
        }
        // Aborted command: retry ×3 (project policy), never for WRITE.
        (0xB, _, _) => {
            if ctx == CommandContext::Write {
                SenseClass::Fail
            } else {
                SenseClass::Retry
            }
        }
        _ => SenseClass::Fail,
    }
}

/// `sense-and-retries.md` §4.3, the table for TEST UNIT READY polling. The
/// poller decides what NoMedium and a long 2/04/00 mean for its command.
fn classify_poll(sense: &Sense) -> SenseClass {
    match (sense.key.0, sense.asc, sense.ascq) {
        (0x0, 0x00, 0x00) => SenseClass::Ok,
        // Progress reports with NO SENSE (from REQUEST SENSE).
        (0x0, _, _) if sense.progress().is_some() => SenseClass::Wait,
        (0x0, 0x00, 0x16) => SenseClass::Wait,
        (0x2, 0x04, 0x02 | 0x03) => SenseClass::Fail,
        (0x2, 0x04, _) => SenseClass::Wait,
        (0x2, 0x3A, _) => SenseClass::NoMedium,
        (0x6, 0x28, 0x00) => SenseClass::Wait,
        _ => SenseClass::Fail,
    }
}

// ---------------------------------------------------------------------------
// Retry delays (`sense-and-retries.md` §4.1)
// ---------------------------------------------------------------------------

/// Which §4.1 delay schedule a command uses.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum RetryKind {
    /// WRITE(10), WRITE(12): `2 ms · n`, at most 25 ms.
    Write,
    /// Every other retryable command: `100 ms + 100 ms · n`, at most 500 ms.
    Other,
}

impl RetryKind {
    /// The schedule for a CDB opcode.
    pub fn for_opcode(opcode: u8) -> RetryKind {
        if is_write_opcode(opcode) {
            RetryKind::Write
        } else {
            RetryKind::Other
        }
    }
}

/// Slack beyond the command timeout before a retry loop gives up
/// (`sense-and-retries.md` §4.1, "Give up").
pub const RETRY_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

/// Delay before re-issuing a command for the `attempt`-th time (0-based)
/// after a WAIT/RETRY class answer (`sense-and-retries.md` §4.1; libburn
/// `spc.h`).
pub fn retry_delay(kind: RetryKind, attempt: u32) -> std::time::Duration {
    use std::time::Duration;
    let ms = match kind {
        RetryKind::Write => (2u64.saturating_mul(attempt as u64)).min(25),
        RetryKind::Other => 100u64
            .saturating_add(100u64.saturating_mul(attempt as u64))
            .min(500),
    };
    Duration::from_millis(ms)
}

/// True when one more retry fits: libburn gives up when
/// `elapsed + delay > timeout + 1 s` ("Timeout exceeded (N ms). Retry
/// canceled.").
pub fn retry_fits(
    elapsed: std::time::Duration,
    delay: std::time::Duration,
    timeout: std::time::Duration,
) -> bool {
    elapsed.saturating_add(delay) <= timeout.saturating_add(RETRY_GRACE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_format_spc4_table_48() {
        let raw = [
            0xF0, 0, 0x03, 0, 0, 0x04, 0xD2, 10, 0, 0, 0, 0, 0x0C, 0x00, 0, 0, 0, 0,
        ];
        let s = Sense::parse(&raw).unwrap();
        assert_eq!(s.key, SenseKey::MEDIUM_ERROR);
        assert_eq!((s.asc, s.ascq), (0x0C, 0x00));
        assert_eq!(s.information, Some(1234));
        assert!(!s.is_deferred());
        assert_eq!(s.triple(), "3/0C/00");
    }

    #[test]
    fn descriptor_format_spc4_table_42_with_progress() {
        // 72h, key 2, ASC 04h ASCQ 04h, one sense-key specific descriptor.
        let raw = [
            0x72, 0x02, 0x04, 0x04, 0, 0, 0, 8, 0x02, 0x06, 0, 0, 0x80, 0x40, 0x00, 0,
        ];
        let s = Sense::parse(&raw).unwrap();
        assert_eq!(s.key, SenseKey::NOT_READY);
        assert_eq!(s.progress(), Some(0x4000));
    }

    #[test]
    fn short_and_garbage_do_not_panic() {
        assert!(Sense::parse(&[]).is_none());
        assert!(Sense::parse(&[0x12, 0, 0]).is_none());
        let s = Sense::parse(&[0x70, 0, 0x06]).unwrap();
        assert_eq!(s.key, SenseKey::UNIT_ATTENTION);
        assert_eq!(s.asc, 0);
        // descriptor with a forged length runs off the end safely
        let s = Sense::parse(&[0x72, 5, 0x24, 0, 0, 0, 0, 200, 0x02, 250, 0x80]).unwrap();
        assert_eq!(s.sense_key_specific, None);
    }

    fn fixed(key: u8, asc: u8, ascq: u8) -> Sense {
        Sense {
            response_code: 0x70,
            key: SenseKey(key),
            asc,
            ascq,
            information: None,
            sense_key_specific: None,
        }
    }

    /// Every Key/ASC/ASCQ row of `sense-and-retries.md` §3 (ranges expanded)
    /// has a text, so no logged failure reads "see MMC specs" for a code the
    /// project documents.
    #[test]
    fn asc_text_covers_every_row_of_the_classification_table() {
        let rows: &[(u8, u8)] = &[
            (0x00, 0x00),
            (0x0C, 0x01),
            (0x73, 0x01),
            (0x04, 0x00),
            (0x04, 0x01),
            (0x04, 0x02),
            (0x04, 0x03),
            (0x04, 0x04),
            (0x04, 0x07),
            (0x04, 0x08),
            (0x02, 0x00),
            (0x3A, 0x00),
            (0x3A, 0x01),
            (0x3A, 0x02),
            (0x08, 0x00),
            (0x08, 0x01),
            (0x08, 0x02),
            (0x08, 0x03),
            (0x06, 0x00),
            (0x09, 0x00),
            (0x09, 0x01),
            (0x09, 0x02),
            (0x09, 0x03),
            (0x09, 0x04),
            (0x0C, 0x00),
            (0x0C, 0x02),
            (0x0C, 0x07),
            (0x0C, 0x08),
            (0x0C, 0x09),
            (0x0C, 0x0F),
            (0x11, 0x00),
            (0x11, 0x01),
            (0x11, 0x02),
            (0x11, 0x03),
            (0x11, 0x04),
            (0x11, 0x05),
            (0x11, 0x06),
            (0x15, 0x00),
            (0x15, 0x01),
            (0x31, 0x00),
            (0x31, 0x01),
            (0x51, 0x00),
            (0x51, 0x01),
            (0x57, 0x00),
            (0x73, 0x03),
            (0x3E, 0x01),
            (0x3E, 0x02),
            (0x44, 0x00),
            (0x1A, 0x00),
            (0x20, 0x00),
            (0x21, 0x00),
            (0x21, 0x02),
            (0x21, 0x03),
            (0x24, 0x00),
            (0x26, 0x00),
            (0x26, 0x01),
            (0x26, 0x02),
            (0x27, 0x00),
            (0x2C, 0x00),
            (0x2E, 0x00),
            (0x30, 0x00),
            (0x30, 0x01),
            (0x30, 0x02),
            (0x30, 0x04),
            (0x30, 0x05),
            (0x30, 0x06),
            (0x30, 0x08),
            (0x30, 0x09),
            (0x30, 0x10),
            (0x32, 0x00),
            (0x63, 0x00),
            (0x63, 0x01),
            (0x64, 0x00),
            (0x64, 0x01),
            (0x6F, 0x00),
            (0x72, 0x00),
            (0x72, 0x01),
            (0x72, 0x02),
            (0x72, 0x03),
            (0x72, 0x04),
            (0x72, 0x05),
            (0x73, 0x00),
            (0x73, 0x02),
            (0x73, 0x04),
            (0x73, 0x05),
            (0x28, 0x00),
            (0x28, 0x02),
            (0x29, 0x00),
            (0x29, 0x01),
            (0x29, 0x02),
            (0x29, 0x03),
            (0x29, 0x04),
            (0x2A, 0x01),
            (0x5A, 0x01),
            (0x47, 0x00),
            (0x4E, 0x00),
            (0x00, 0x03),
        ];
        for &(asc, ascq) in rows {
            assert!(
                asc_text(asc, ascq).is_some(),
                "no text for ASC {asc:02X}h ASCQ {ascq:02X}h"
            );
        }
        // SPC-4 Annex D wording, lower case.
        assert_eq!(asc_text(0x0C, 0x00), Some("write error"));
        assert_eq!(asc_text(0x21, 0x02), Some("invalid address for write"));
        assert_eq!(asc_text(0x3A, 0x00), Some("medium not present"));
        assert_eq!(
            asc_text(0x04, 0x01),
            Some("logical unit is in process of becoming ready")
        );
        assert_eq!(
            asc_text(0x04, 0x08),
            Some("logical unit not ready, long write in progress")
        );
        assert_eq!(asc_text(0x73, 0x03), Some("power calibration area error"));
        assert_eq!(
            asc_text(0x40, 0x93),
            Some("diagnostic failure on component")
        );
        assert_eq!(asc_text(0x0C, 0x0E), None);
        assert_eq!(asc_text(0xF3, 0x00), None);
    }

    #[test]
    fn messages_and_libburn_log_line() {
        let s = fixed(3, 0x0C, 0x00);
        assert_eq!(describe(&s), "medium error, write error (3/0C/00)");
        assert_eq!(log_text(&s), "[3 0C 00] Medium error. Write error.");
        let s = fixed(5, 0x24, 0x00);
        assert_eq!(
            log_text(&s),
            "[5 24 00] Illegal request. Invalid field in cdb."
        );
        let unknown = fixed(3, 0xF1, 0x22);
        assert_eq!(
            describe(&unknown),
            "medium error (3/F1/22); see MMC specs: sense key 3, ASC F1, ASCQ 22"
        );
        assert_eq!(log_text(&unknown), "[3 F1 22] Medium error. See MMC specs.");
    }

    use CommandContext::{Burn, Other, Poll, Write};
    use SenseClass::*;

    fn class(key: u8, asc: u8, ascq: u8, ctx: CommandContext) -> SenseClass {
        classify(&fixed(key, asc, ascq), ctx)
    }

    #[test]
    fn recovered_error_is_always_ok() {
        // §3 row "1/xx/xx": OK whatever the ASC, in every context.
        for ctx in [Write, Burn, Poll, Other] {
            assert_eq!(class(1, 0x0C, 0x01, ctx), Ok);
            assert_eq!(class(1, 0x73, 0x01, ctx), Ok);
            assert_eq!(class(1, 0x3A, 0x00, ctx), Ok);
            assert_eq!(class(1, 0xF3, 0x42, ctx), Ok);
        }
        assert!(fixed(1, 0x73, 0x01).is_recovered_warning());
        assert!(!fixed(1, 0x0C, 0x01).is_recovered_warning());
        assert_eq!(class(0, 0, 0, Other), Ok); // row 0/00/00
    }

    #[test]
    fn not_ready_rows() {
        assert_eq!(class(2, 0x04, 0x00, Other), Wait); // 2/04/00
        assert_eq!(class(2, 0x04, 0x01, Other), Wait); // 2/04/01 becoming ready
        assert_eq!(class(2, 0x04, 0x02, Other), Fail); // 2/04/02 initializing cmd
        assert_eq!(class(2, 0x04, 0x03, Other), Fail); // 2/04/03 manual intervention
        assert_eq!(class(2, 0x04, 0x04, Other), Wait); // 2/04/04 format in progress
        assert_eq!(class(2, 0x04, 0x07, Other), Wait); // 2/04/07 operation in progress
        // 2/04/08 on WRITE: buffer full, re-send the same WRITE.
        assert_eq!(class(2, 0x04, 0x08, Write), Wait);
        assert_eq!(class(2, 0x3A, 0x00, Other), NoMedium); // 2/3A/00
        assert_eq!(class(2, 0x3A, 0x01, Other), NoMedium); // 2/3A/01 tray closed
        assert_eq!(class(2, 0x3A, 0x02, Write), NoMedium); // 2/3A/02 tray open
    }

    #[test]
    fn any_key_wait_rows() {
        // x/02/00 no seek complete, x/08/00–03 communication failure: WAIT.
        assert_eq!(class(3, 0x02, 0x00, Other), Wait);
        assert_eq!(class(4, 0x08, 0x00, Other), Wait);
        assert_eq!(class(0xB, 0x08, 0x03, Write), Wait);
        assert_eq!(class(0xB, 0x08, 0x01, Other), Wait);
        assert_eq!(class(4, 0x08, 0x04, Other), Fail); // 08/04 not in the row
    }

    #[test]
    fn fail_rows() {
        for (k, a, q) in [
            (3, 0x06, 0x00),
            (3, 0x09, 0x02),
            (3, 0x0C, 0x00),
            (3, 0x0C, 0x09),
            (3, 0x11, 0x05),
            (3, 0x31, 0x00),
            (3, 0x51, 0x01),
            (3, 0x57, 0x00),
            (3, 0x73, 0x03),
            (4, 0x3E, 0x01),
            (4, 0x44, 0x00),
            (5, 0x1A, 0x00),
            (5, 0x20, 0x00),
            (5, 0x21, 0x00),
            (5, 0x21, 0x02),
            (5, 0x24, 0x00),
            (5, 0x26, 0x02),
            (5, 0x27, 0x00),
            (5, 0x2C, 0x00),
            (5, 0x30, 0x05),
            (5, 0x30, 0x10),
            (5, 0x63, 0x00),
            (5, 0x64, 0x00),
            (5, 0x6F, 0x01),
            (5, 0x72, 0x03),
            (5, 0x73, 0x02),
            (7, 0x27, 0x00),
            (8, 0x00, 0x00),
            (0, 0x00, 0x03), // 0/00/03 on WRITE: host-side rejection
            (3, 0xF1, 0x22), // anything else
        ] {
            for ctx in [Write, Burn, Other] {
                assert_eq!(
                    class(k, a, q, ctx),
                    Fail,
                    "{k:X}/{a:02X}/{q:02X} in {ctx:?}"
                );
            }
        }
    }

    #[test]
    fn unit_attention_outside_and_inside_writing() {
        // §3: 6/28/xx, 6/29/00–04, 6/2A/01, 6/5A/01 are RESYNC outside writing;
        // every 6/28/xx (libburn only 00 and 02).
        for (a, q) in [(0x28, 0x00), (0x28, 0x01), (0x28, 0x02), (0x28, 0x03)] {
            assert_eq!(class(6, a, q, Other), Resync);
        }
        for q in 0..=4 {
            assert_eq!(class(6, 0x29, q, Other), Resync);
        }
        assert_eq!(class(6, 0x2A, 0x01, Other), Resync);
        assert_eq!(class(6, 0x5A, 0x01, Other), Resync);
        // §5.4: between the first WRITE and the end of the close, 6/28 and
        // 6/29 end the burn.
        for ctx in [Write, Burn] {
            assert_eq!(class(6, 0x28, 0x00, ctx), Fail);
            assert_eq!(class(6, 0x29, 0x00, ctx), Fail);
            assert_eq!(class(6, 0x29, 0x04, ctx), Fail);
        }
        // Operator removal request while locked: re-issue, nothing changed.
        assert_eq!(class(6, 0x5A, 0x01, Write), Resync);
        assert!(fixed(6, 0x29, 0x02).is_medium_or_reset_attention());
    }

    #[test]
    fn aborted_command_retries_except_on_write() {
        assert_eq!(class(0xB, 0x47, 0x00, Other), Retry);
        assert_eq!(class(0xB, 0x4E, 0x00, Burn), Retry);
        assert_eq!(class(0xB, 0x47, 0x00, Write), Fail);
    }

    #[test]
    fn deferred_errors() {
        // §1: 71h/73h inside a burn → fail the burn.
        let d = Sense {
            response_code: 0x71,
            ..fixed(3, 0x0C, 0x00)
        };
        assert!(d.is_deferred());
        assert_eq!(classify(&d, Write), Fail);
        assert_eq!(classify(&d, Burn), Fail);
        assert_eq!(classify(&d, Poll), Fail);
        assert_eq!(classify(&d, Other), Resync);
        // Even a WAIT-class code is fatal when it is deferred in a burn.
        let d = Sense {
            response_code: 0x73,
            ..fixed(2, 0x04, 0x08)
        };
        assert_eq!(classify(&d, Burn), Fail);
        let d = Sense {
            response_code: 0x71,
            ..fixed(1, 0x0C, 0x01)
        };
        assert_eq!(classify(&d, Write), Ok);
    }

    #[test]
    fn polling_rows_of_4_3() {
        assert_eq!(class(2, 0x04, 0x00, Poll), Wait);
        assert_eq!(class(2, 0x04, 0x01, Poll), Wait);
        assert_eq!(class(2, 0x04, 0x04, Poll), Wait);
        assert_eq!(class(2, 0x04, 0x07, Poll), Wait);
        assert_eq!(class(2, 0x04, 0x08, Poll), Wait);
        assert_eq!(class(2, 0x04, 0x02, Poll), Fail);
        assert_eq!(class(2, 0x04, 0x03, Poll), Fail);
        assert_eq!(class(2, 0x3A, 0x00, Poll), NoMedium);
        assert_eq!(class(6, 0x28, 0x00, Poll), Wait);
        assert_eq!(class(6, 0x29, 0x00, Poll), Fail);
        assert_eq!(class(3, 0x0C, 0x00, Poll), Fail);
        let progress = Sense {
            sense_key_specific: Some([0x80, 0x40, 0x00]),
            ..fixed(0, 0x00, 0x00)
        };
        assert_eq!(classify(&progress, Poll), Ok);
        let progress = Sense {
            sense_key_specific: Some([0x80, 0x40, 0x00]),
            ..fixed(0, 0x00, 0x16)
        };
        assert_eq!(classify(&progress, Poll), Wait);
    }

    #[test]
    fn retry_delay_schedule_of_4_1() {
        use std::time::Duration;
        let ms = Duration::from_millis;
        // WRITE: 0 + 2 ms · n, cap 25 ms.
        assert_eq!(retry_delay(RetryKind::Write, 0), ms(0));
        assert_eq!(retry_delay(RetryKind::Write, 1), ms(2));
        assert_eq!(retry_delay(RetryKind::Write, 12), ms(24));
        assert_eq!(retry_delay(RetryKind::Write, 13), ms(25));
        assert_eq!(retry_delay(RetryKind::Write, u32::MAX), ms(25));
        // Others: 100 ms + 100 ms · n, cap 500 ms.
        assert_eq!(retry_delay(RetryKind::Other, 0), ms(100));
        assert_eq!(retry_delay(RetryKind::Other, 3), ms(400));
        assert_eq!(retry_delay(RetryKind::Other, 4), ms(500));
        assert_eq!(retry_delay(RetryKind::Other, 50), ms(500));
        assert_eq!(RetryKind::for_opcode(0x2A), RetryKind::Write);
        assert_eq!(RetryKind::for_opcode(0xAA), RetryKind::Write);
        assert_eq!(RetryKind::for_opcode(0x35), RetryKind::Other);
        // Give up when elapsed + delay > timeout + 1 s.
        let t = Duration::from_secs(30);
        assert!(retry_fits(Duration::from_millis(30_500), ms(500), t));
        assert!(!retry_fits(Duration::from_millis(30_501), ms(500), t));
    }
}

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
}

impl fmt::Display for Sense {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.key.name(), self.triple())
    }
}

/// Human text of an additional sense code (SPC-4 Annex D, MMC-6 Annex F),
/// e.g. `write error` for 0C/00. `None` for codes without a text here.
pub fn asc_text(asc: u8, ascq: u8) -> Option<&'static str> {
    // Filled from the tables of `sense-and-retries.md` §3.
    let _ = (asc, ascq);
    None
}

/// One-line description for messages: `medium error, write error (3/0C/00)`.
pub fn describe(sense: &Sense) -> String {
    match asc_text(sense.asc, sense.ascq) {
        Some(t) => format!("{}, {} ({})", sense.key.name(), t, sense.triple()),
        None => format!("{} ({})", sense.key.name(), sense.triple()),
    }
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
}

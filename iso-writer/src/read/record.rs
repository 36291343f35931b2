//! ECMA-119 §9.1 directory records.

use super::bytes::{both16, both32, date7};
use super::error::{Error, Result};
use crate::model::Timestamp;

/// Byte offsets of a directory record (ECMA-119 §9.1, table 8).
pub(crate) mod field {
    use std::ops::Range;
    /// BP 1: length of directory record (LEN_DR).
    pub const LEN_DR: usize = 0;
    /// BP 2: extended attribute record length (in logical blocks).
    pub const XAR_LEN: usize = 1;
    /// BP 3–10: location of extent (both-endian 32).
    pub const EXTENT: usize = 2;
    /// BP 11–18: data length (both-endian 32).
    pub const DATA_LEN: usize = 10;
    /// BP 19–25: recording date and time (§9.1.5).
    pub const DATE: Range<usize> = 18..25;
    /// BP 26: file flags (§9.1.6).
    pub const FLAGS: usize = 25;
    /// BP 27: file unit size (interleaved mode).
    pub const UNIT_SIZE: usize = 26;
    /// BP 28: interleave gap size.
    pub const GAP: usize = 27;
    /// BP 29–32: volume sequence number (both-endian 16).
    pub const VOL_SEQ: usize = 28;
    /// BP 33: length of file identifier (LEN_FI).
    pub const LEN_FI: usize = 32;
    /// BP 34 …: file identifier.
    pub const IDENT: usize = 33;
    /// Smallest possible record: 33 fixed bytes plus a one-byte identifier.
    pub const MIN_LEN: usize = 34;
}

/// File flags, ECMA-119 §9.1.6.
pub(crate) mod flag {
    /// Bit 0 "Existence": the file need not be made known to the user.
    pub const HIDDEN: u8 = 0x01;
    /// Bit 1: the record identifies a directory.
    pub const DIRECTORY: u8 = 0x02;
    /// Bit 2: associated file (§6.5.4).
    pub const ASSOCIATED: u8 = 0x04;
    /// Bit 7: not the final record of a multi-extent file (§6.5.1).
    pub const MULTI_EXTENT: u8 = 0x80;
}

/// A parsed directory record borrowing its identifier and System Use area
/// from the block it was read from.
#[derive(Debug, Clone)]
pub(crate) struct DirRecord<'a> {
    pub len: usize,
    pub xar_len: u8,
    pub extent: u32,
    pub data_len: u32,
    pub recorded: Option<Timestamp>,
    pub flags: u8,
    pub unit_size: u8,
    pub gap: u8,
    pub ident: &'a [u8],
    /// System Use area (§9.1.13), everything after the identifier and its
    /// padding byte.
    pub system_use: &'a [u8],
}

impl<'a> DirRecord<'a> {
    /// Parses the record at the start of `b`, whose first byte is LEN_DR.
    /// `lba` only names the place in errors.
    pub fn parse(b: &'a [u8], lba: u32) -> Result<DirRecord<'a>> {
        let corrupt = |what: String| Error::corrupt(lba, "directory record", what);
        let len = usize::from(
            *b.get(field::LEN_DR)
                .ok_or_else(|| corrupt("empty".into()))?,
        );
        if len < field::MIN_LEN {
            return Err(corrupt(format!("length {len} is below the minimum 34")));
        }
        let rec = b
            .get(..len)
            .ok_or_else(|| corrupt(format!("length {len} runs past the end of the block")))?;
        let len_fi = usize::from(rec[field::LEN_FI]);
        if len_fi == 0 {
            return Err(corrupt("file identifier length 0".into()));
        }
        let ident_end = field::IDENT + len_fi;
        if ident_end > len {
            return Err(corrupt(format!(
                "identifier of {len_fi} bytes does not fit a record of {len}"
            )));
        }
        // §9.1.12: a padding byte follows an identifier of even length.
        let su_start = (ident_end + usize::from(len_fi % 2 == 0)).min(len);
        Ok(DirRecord {
            len,
            xar_len: rec[field::XAR_LEN],
            extent: both32(rec, field::EXTENT).unwrap_or(0),
            data_len: both32(rec, field::DATA_LEN).unwrap_or(0),
            recorded: date7(&rec[field::DATE]),
            flags: rec[field::FLAGS],
            unit_size: rec[field::UNIT_SIZE],
            gap: rec[field::GAP],
            ident: &rec[field::IDENT..ident_end],
            system_use: &rec[su_start..],
        })
    }

    pub fn is_dir(&self) -> bool {
        self.flags & flag::DIRECTORY != 0
    }

    /// The `.` record (identifier 00h, §6.8.2.2).
    pub fn is_self(&self) -> bool {
        self.ident == [0]
    }

    /// First block of the file's data: the extent begins with the extended
    /// attribute record, if any (§9.1.2, §9.5).
    pub fn data_lba(&self) -> Option<u32> {
        self.extent.checked_add(u32::from(self.xar_len))
    }
}

/// Volume sequence number of a record; only used for diagnostics.
#[allow(dead_code)]
pub(crate) fn volume_sequence(b: &[u8]) -> Option<u16> {
    both16(b, field::VOL_SEQ)
}

/// The ECMA-119 name as the user sees it: the version `;N` removed (§7.5.1)
/// and a trailing `.` of a name without extension removed.
pub(crate) fn iso_display_name(ident: &[u8], is_dir: bool) -> Vec<u8> {
    let mut n = ident;
    if !is_dir && let Some(p) = n.iter().rposition(|&c| c == b';') {
        n = &n[..p];
    }
    if !is_dir && n.len() > 1 && n.last() == Some(&b'.') {
        n = &n[..n.len() - 1];
    }
    n.to_vec()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a record for tests: ECMA-119 §9.1 layout.
    pub fn record(ident: &[u8], extent: u32, len: u32, flags: u8, su: &[u8]) -> Vec<u8> {
        let pad = usize::from(ident.len() % 2 == 0);
        let total = 33 + ident.len() + pad + su.len();
        let mut r = vec![0u8; total];
        r[0] = total as u8;
        r[2..6].copy_from_slice(&extent.to_le_bytes());
        r[6..10].copy_from_slice(&extent.to_be_bytes());
        r[10..14].copy_from_slice(&len.to_le_bytes());
        r[14..18].copy_from_slice(&len.to_be_bytes());
        r[18..25].copy_from_slice(&[124, 1, 2, 3, 4, 5, 0]);
        r[25] = flags;
        r[28] = 1;
        r[31] = 1;
        r[32] = ident.len() as u8;
        r[33..33 + ident.len()].copy_from_slice(ident);
        r[33 + ident.len() + pad..].copy_from_slice(su);
        r
    }

    #[test]
    fn parses_fields() {
        let r = record(b"A.TXT;1", 58, 12, 0, b"XY\x04\x01");
        let d = DirRecord::parse(&r, 51).unwrap();
        assert_eq!(d.extent, 58);
        assert_eq!(d.data_len, 12);
        assert_eq!(d.ident, b"A.TXT;1");
        assert_eq!(d.system_use, b"XY\x04\x01");
        assert_eq!(d.recorded.unwrap().secs, 1_704_164_645);
        assert!(!d.is_dir());
        // Even identifier: one padding byte before the System Use area.
        let r = record(b"SUB", 53, 2048, flag::DIRECTORY, b"");
        let d = DirRecord::parse(&r, 51).unwrap();
        assert!(d.is_dir());
        assert!(d.system_use.is_empty());
        let r = record(b"AB", 53, 2048, 0, b"Z");
        assert_eq!(DirRecord::parse(&r, 0).unwrap().system_use, b"Z");
    }

    #[test]
    fn rejects_bad_lengths() {
        let mut r = record(b"A", 1, 1, 0, b"");
        r[0] = 20;
        assert!(matches!(
            DirRecord::parse(&r, 3),
            Err(Error::Corrupt { lba: 3, .. })
        ));
        let mut r = record(b"A", 1, 1, 0, b"");
        r[32] = 200;
        assert!(DirRecord::parse(&r, 3).is_err());
        let r = record(b"A", 1, 1, 0, b"");
        assert!(DirRecord::parse(&r[..20], 3).is_err());
        let mut r = record(b"A", 1, 1, 0, b"");
        r[32] = 0;
        assert!(DirRecord::parse(&r, 3).is_err());
    }

    #[test]
    fn display_names() {
        assert_eq!(iso_display_name(b"A.TXT;1", false), b"A.TXT");
        assert_eq!(iso_display_name(b"README.;1", false), b"README");
        assert_eq!(iso_display_name(b"SUB", true), b"SUB");
    }
}

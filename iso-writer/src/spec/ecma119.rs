//! ECMA-119 (ISO 9660) structures: volume descriptors (§8), directory
//! records (§9.1), path table records (§9.4), dates (§8.4.26.1, §9.1.5),
//! identifier characters (§7.4) and the directory record order (§9.3).

use super::DecodeError;
use super::num::{
    get_u16_be, get_u16_both, get_u16_le, get_u32_be, get_u32_both, get_u32_le, put_u16_be,
    put_u16_both, put_u16_le, put_u32_be, put_u32_both, put_u32_le,
};
use crate::BLOCK;
use crate::model::Timestamp;

/// Standard Identifier of every volume descriptor (§8.1.2).
pub const STANDARD_ID: [u8; 5] = *b"CD001";
/// First block of the volume descriptor set, relative to the session start
/// (§6.2.1: the System Area is blocks 0–15).
pub const VD_SET_START: u32 = 16;
/// Blocks of the System Area (§6.2.1).
pub const SYSTEM_AREA_BLOCKS: u32 = 16;
/// Size of the System Area in bytes.
pub const SYSTEM_AREA_LEN: usize = SYSTEM_AREA_BLOCKS as usize * BLOCK;

/// Volume Descriptor Type (§8.1.1).
pub mod vd_type {
    pub const BOOT_RECORD: u8 = 0;
    pub const PRIMARY: u8 = 1;
    pub const SUPPLEMENTARY: u8 = 2;
    pub const PARTITION: u8 = 3;
    pub const TERMINATOR: u8 = 255;
}

/// The type byte of a block holding a volume descriptor (`None` when the
/// block does not carry the Standard Identifier `CD001`).
pub fn descriptor_type(block: &[u8]) -> Option<u8> {
    (block.get(1..6)? == STANDARD_ID).then(|| block[0])
}

/// The Volume Descriptor Set Terminator (§8.3): type 255, `CD001`,
/// version 1, zeros.
pub fn terminator() -> [u8; BLOCK] {
    let mut b = [0u8; BLOCK];
    b[0] = vd_type::TERMINATOR;
    b[1..6].copy_from_slice(&STANDARD_ID);
    b[6] = 1;
    b
}

// ---------------------------------------------------------------------------
// Dates

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Broken-down UTC time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    fn from_secs(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem / 60 % 60,
            second: rem % 60,
        }
    }

    fn to_secs(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

/// The 7-byte date of a directory record (§9.1.5): years since 1900,
/// month, day, hour, minute, second, offset from GMT in 15-minute
/// intervals (−48 … +52).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub struct DirDate(pub [u8; 7]);

impl DirDate {
    /// The date of `t` in UTC (offset 0), clamped to the representable
    /// range 1900-01-01 00:00:00 … 2155-12-31 23:59:59.
    pub fn from_timestamp(t: Timestamp) -> DirDate {
        let min = Civil {
            year: 1900,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        }
        .to_secs();
        let max = Civil {
            year: 2155,
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 59,
        }
        .to_secs();
        let c = Civil::from_secs(t.secs.clamp(min, max));
        DirDate([
            (c.year - 1900) as u8,
            c.month as u8,
            c.day as u8,
            c.hour as u8,
            c.minute as u8,
            c.second as u8,
            0,
        ])
    }

    /// The point in time, honouring the GMT offset; `None` for an invalid
    /// date (month or day 0 or out of range, hour ≥ 24 …).
    pub fn to_timestamp(self) -> Option<Timestamp> {
        let [y, mo, d, h, mi, s, off] = self.0;
        if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 59 {
            return None;
        }
        let secs = Civil {
            year: 1900 + i64::from(y),
            month: u32::from(mo),
            day: u32::from(d),
            hour: u32::from(h),
            minute: u32::from(mi),
            second: u32::from(s),
        }
        .to_secs();
        Some(Timestamp::from_secs(secs - i64::from(off as i8) * 15 * 60))
    }
}

/// The 17-byte date and time of a volume descriptor (§8.4.26.1): 16 ASCII
/// digits `YYYYMMDDHHMMSSCC` (CC = hundredths) and the GMT offset in
/// 15-minute intervals. All digits `0` with offset 0 means "not specified".
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DecDateTime(pub [u8; 17]);

impl DecDateTime {
    /// "Date and time not specified" (§8.4.26.1).
    pub const UNSPECIFIED: DecDateTime = DecDateTime([
        b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0', b'0',
        b'0', 0,
    ]);

    /// `t` in UTC (offset 0), clamped to years 1 … 9999.
    pub fn from_timestamp(t: Timestamp) -> DecDateTime {
        let min = days_from_civil(1, 1, 1) * 86_400;
        let max = days_from_civil(9999, 12, 31) * 86_400 + 86_399;
        let c = Civil::from_secs(t.secs.clamp(min, max));
        let cc = (t.nanos / 10_000_000).min(99);
        let s = format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second, cc
        );
        let mut out = [0u8; 17];
        out[..16].copy_from_slice(s.as_bytes());
        DecDateTime(out)
    }

    /// Whether this is the "not specified" value.
    pub fn is_unspecified(&self) -> bool {
        self.0[..16].iter().all(|&b| b == b'0') && self.0[16] == 0
    }

    /// The point in time; `None` when unspecified or malformed.
    pub fn to_timestamp(self) -> Option<Timestamp> {
        if self.is_unspecified() {
            return None;
        }
        let digits = &self.0[..16];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |r: std::ops::Range<usize>| {
            digits[r]
                .iter()
                .fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'))
        };
        let (year, month, day) = (n(0..4), n(4..6), n(6..8));
        let (hour, minute, second, cc) = (n(8..10), n(10..12), n(12..14), n(14..16));
        if year == 0
            || !(1..=12).contains(&month)
            || !(1..=31).contains(&day)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let secs = Civil {
            year: i64::from(year),
            month,
            day,
            hour,
            minute,
            second,
        }
        .to_secs();
        Some(Timestamp {
            secs: secs - i64::from(self.0[16] as i8) * 15 * 60,
            nanos: cc * 10_000_000,
        })
    }
}

// ---------------------------------------------------------------------------
// Characters and identifiers

/// d-characters (§7.4.1, Annex A): `A`–`Z`, `0`–`9`, `_`.
pub fn is_d_char(c: u8) -> bool {
    c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_'
}

/// a-characters (§7.4.1, Annex A): d-characters, space and
/// `! " % & ' ( ) * + , - . / : ; < = > ?`.
pub fn is_a_char(c: u8) -> bool {
    is_d_char(c) || b" !\"%&'()*+,-./:;<=>?".contains(&c)
}

/// A fixed-width text field filled with `text` and padded with spaces
/// (§7.4.3 says unused trailing positions hold (20)); longer text is cut.
pub fn text_field<const N: usize>(text: &[u8]) -> [u8; N] {
    let mut out = [b' '; N];
    let n = text.len().min(N);
    out[..n].copy_from_slice(&text[..n]);
    out
}

/// A text field with trailing spaces (and zeros) removed.
pub fn trim_field(field: &[u8]) -> &[u8] {
    let end = field
        .iter()
        .rposition(|&b| b != b' ' && b != 0)
        .map_or(0, |i| i + 1);
    &field[..end]
}

/// File Identifier of a directory's own record (§9.1.11: (00)).
pub const ID_SELF: &[u8] = &[0];
/// File Identifier of the parent directory record (§9.1.11: (01)).
pub const ID_PARENT: &[u8] = &[1];

/// Split a file identifier `NAME.EXT;VERSION` (§7.5.1) into name,
/// extension and version text; a directory identifier has neither `.`
/// nor `;`, so it comes back as the name alone.
pub fn split_file_id(id: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let (base, version) = match id.iter().position(|&c| c == b';') {
        Some(i) => (&id[..i], &id[i + 1..]),
        None => (id, &id[id.len()..]),
    };
    match base.iter().position(|&c| c == b'.') {
        Some(i) => (&base[..i], &base[i + 1..], version),
        None => (base, &base[base.len()..], version),
    }
}

/// Compare two byte strings as if the shorter were padded with `pad`.
fn cmp_padded(a: &[u8], b: &[u8], pad: u8) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).copied().unwrap_or(pad);
        let y = b.get(i).copied().unwrap_or(pad);
        match x.cmp(&y) {
            std::cmp::Ordering::Equal => {}
            o => return o,
        }
    }
    std::cmp::Ordering::Equal
}

/// The order of directory records within a directory (§9.3): by File Name
/// (shorter padded with (20)), then by File Name Extension (padded the same
/// way), then by File Version Number in *descending* order. The `.` and
/// `..` records (identifiers (00) and (01)) come first by the same rule.
pub fn cmp_file_ids(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let (an, ae, av) = split_file_id(a);
    let (bn, be, bv) = split_file_id(b);
    cmp_padded(an, bn, b' ')
        .then_with(|| cmp_padded(ae, be, b' '))
        .then_with(|| version_number(bv).cmp(&version_number(av)))
}

fn version_number(v: &[u8]) -> u32 {
    v.iter()
        .take_while(|c| c.is_ascii_digit())
        .fold(0u32, |a, &d| {
            a.saturating_mul(10).saturating_add(u32::from(d - b'0'))
        })
}

// ---------------------------------------------------------------------------
// Directory records

/// File Flags of a directory record (§9.1.6).
pub mod file_flags {
    /// Existence: hide the file from the user.
    pub const HIDDEN: u8 = 1 << 0;
    /// The record identifies a directory.
    pub const DIRECTORY: u8 = 1 << 1;
    /// Associated file.
    pub const ASSOCIATED: u8 = 1 << 2;
    /// Record format specified in an extended attribute record.
    pub const RECORD: u8 = 1 << 3;
    /// Owner / group / permissions in an extended attribute record.
    pub const PROTECTION: u8 = 1 << 4;
    /// Not the final record of a multi-extent file (§6.5.1, §9.1.6 bit 7).
    pub const MULTI_EXTENT: u8 = 1 << 7;
}

/// Bytes of a directory record before its File Identifier (§9.1).
pub const DIR_RECORD_FIXED_LEN: usize = 33;
/// Largest directory record (LEN_DR is one byte).
pub const DIR_RECORD_MAX_LEN: usize = 255;

/// A directory record (§9.1) with borrowed identifier and System Use
/// field.
///
/// | Offset | Field |
/// |---|---|
/// | 0 | Length of Directory Record (LEN_DR) |
/// | 1 | Extended Attribute Record Length |
/// | 2–9 | Location of Extent (§7.3.3) |
/// | 10–17 | Data Length (§7.3.3) |
/// | 18–24 | Recording Date and Time (§9.1.5) |
/// | 25 | File Flags (§9.1.6) |
/// | 26 | File Unit Size |
/// | 27 | Interleave Gap Size |
/// | 28–31 | Volume Sequence Number (§7.2.3) |
/// | 32 | Length of File Identifier (LEN_FI) |
/// | 33… | File Identifier, a padding (00) byte if LEN_FI is even, System Use |
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DirRecord<'a> {
    pub ext_attr_len: u8,
    pub extent: u32,
    pub data_len: u32,
    pub date: DirDate,
    pub flags: u8,
    pub file_unit_size: u8,
    pub interleave_gap: u8,
    pub volume_seq: u16,
    pub name: &'a [u8],
    pub system_use: &'a [u8],
}

impl<'a> DirRecord<'a> {
    /// LEN_DR of a record with a `name_len`-byte identifier and `su_len`
    /// bytes of System Use, rounded up to an even length as is customary
    /// (the round-up byte is a zero at the end of the System Use field,
    /// SUSP 1.12 §4 lets readers stop at fewer than 4 remaining bytes).
    pub fn encoded_len(name_len: usize, su_len: usize) -> usize {
        let base = DIR_RECORD_FIXED_LEN + name_len + usize::from(name_len.is_multiple_of(2));
        let n = base + su_len;
        n + (n & 1)
    }

    /// Room left for System Use in a record with a `name_len`-byte
    /// identifier.
    pub fn max_su_len(name_len: usize) -> usize {
        let base = DIR_RECORD_FIXED_LEN + name_len + usize::from(name_len.is_multiple_of(2));
        DIR_RECORD_MAX_LEN.saturating_sub(base) & !1
    }

    /// A record with the usual defaults (no extended attributes, not
    /// interleaved, volume sequence number 1).
    pub fn new(
        name: &'a [u8],
        extent: u32,
        data_len: u32,
        date: DirDate,
        flags: u8,
        system_use: &'a [u8],
    ) -> Self {
        DirRecord {
            ext_attr_len: 0,
            extent,
            data_len,
            date,
            flags,
            file_unit_size: 0,
            interleave_gap: 0,
            volume_seq: 1,
            name,
            system_use,
        }
    }

    /// Append the encoded record to `out`.
    ///
    /// # Panics
    /// If the record would exceed 255 bytes or the identifier is empty;
    /// callers size records with [`DirRecord::encoded_len`] first.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let len = Self::encoded_len(self.name.len(), self.system_use.len());
        assert!(
            len <= DIR_RECORD_MAX_LEN && !self.name.is_empty(),
            "directory record too long"
        );
        let start = out.len();
        out.resize(start + len, 0);
        let r = &mut out[start..];
        r[0] = len as u8;
        r[1] = self.ext_attr_len;
        put_u32_both(&mut r[2..10], self.extent);
        put_u32_both(&mut r[10..18], self.data_len);
        r[18..25].copy_from_slice(&self.date.0);
        r[25] = self.flags;
        r[26] = self.file_unit_size;
        r[27] = self.interleave_gap;
        put_u16_both(&mut r[28..32], self.volume_seq);
        r[32] = self.name.len() as u8;
        r[33..33 + self.name.len()].copy_from_slice(self.name);
        let su_at = 33 + self.name.len() + usize::from(self.name.len().is_multiple_of(2));
        r[su_at..su_at + self.system_use.len()].copy_from_slice(self.system_use);
    }

    /// Decode the record at the start of `bytes`. Returns `Ok(None)` for a
    /// zero LEN_DR byte (no more records in this block, §6.8.1.1).
    pub fn parse(bytes: &'a [u8]) -> Result<Option<DirRecord<'a>>, DecodeError> {
        const WHAT: &str = "directory record";
        let Some(&len) = bytes.first() else {
            return Ok(None);
        };
        if len == 0 {
            return Ok(None);
        }
        let len = len as usize;
        if len < DIR_RECORD_FIXED_LEN + 1 {
            return Err(DecodeError::invalid(
                WHAT,
                format!("length {len} is below the minimum 34"),
            ));
        }
        DecodeError::check_len(WHAT, bytes, len)?;
        let r = &bytes[..len];
        let name_len = r[32] as usize;
        let su_at = 33 + name_len + usize::from(name_len.is_multiple_of(2));
        if name_len == 0 || 33 + name_len > len {
            return Err(DecodeError::invalid(
                WHAT,
                format!("identifier length {name_len} does not fit record length {len}"),
            ));
        }
        let extent = get_u32_both(&r[2..10]).map(|b| b.value()).unwrap_or(0);
        let data_len = get_u32_both(&r[10..18]).map(|b| b.value()).unwrap_or(0);
        let mut date = [0u8; 7];
        date.copy_from_slice(&r[18..25]);
        Ok(Some(DirRecord {
            ext_attr_len: r[1],
            extent,
            data_len,
            date: DirDate(date),
            flags: r[25],
            file_unit_size: r[26],
            interleave_gap: r[27],
            volume_seq: get_u16_both(&r[28..32]).map(|b| b.value()).unwrap_or(0),
            name: &r[33..33 + name_len],
            system_use: r.get(su_at..).unwrap_or(&[]),
        }))
    }

    /// Whether the record describes a directory.
    pub fn is_dir(&self) -> bool {
        self.flags & file_flags::DIRECTORY != 0
    }
}

// ---------------------------------------------------------------------------
// Path tables

/// Byte order of a path table: Type L (little-endian numbers, §9.4.3 with
/// §7.3.1) or Type M (big-endian, §7.3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Endian {
    Little,
    Big,
}

/// A path table record (§9.4).
///
/// | Offset | Field |
/// |---|---|
/// | 0 | Length of Directory Identifier (LEN_DI) |
/// | 1 | Extended Attribute Record Length |
/// | 2–5 | Location of Extent (L: §7.3.1, M: §7.3.2) |
/// | 6–7 | Parent Directory Number (L: §7.2.1, M: §7.2.2) |
/// | 8… | Directory Identifier, a padding (00) byte if LEN_DI is odd |
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PathTableRecord<'a> {
    pub ext_attr_len: u8,
    pub extent: u32,
    /// Number (1-based position in the table) of the parent directory; the
    /// root is its own parent, number 1.
    pub parent: u16,
    pub name: &'a [u8],
}

impl<'a> PathTableRecord<'a> {
    /// Encoded size of a record with a `name_len`-byte identifier.
    pub fn encoded_len(name_len: usize) -> usize {
        8 + name_len + (name_len & 1)
    }

    /// Append the record to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>, endian: Endian) {
        let start = out.len();
        out.resize(start + Self::encoded_len(self.name.len()), 0);
        let r = &mut out[start..];
        r[0] = self.name.len() as u8;
        r[1] = self.ext_attr_len;
        match endian {
            Endian::Little => {
                put_u32_le(&mut r[2..6], self.extent);
                put_u16_le(&mut r[6..8], self.parent);
            }
            Endian::Big => {
                put_u32_be(&mut r[2..6], self.extent);
                put_u16_be(&mut r[6..8], self.parent);
            }
        }
        r[8..8 + self.name.len()].copy_from_slice(self.name);
    }

    /// Decode the record at the start of `bytes`; returns it with its
    /// encoded length.
    pub fn parse(
        bytes: &'a [u8],
        endian: Endian,
    ) -> Result<(PathTableRecord<'a>, usize), DecodeError> {
        const WHAT: &str = "path table record";
        DecodeError::check_len(WHAT, bytes, 8)?;
        let name_len = bytes[0] as usize;
        if name_len == 0 {
            return Err(DecodeError::invalid(WHAT, "directory identifier length 0"));
        }
        let len = Self::encoded_len(name_len);
        DecodeError::check_len(WHAT, bytes, 8 + name_len)?;
        let (extent, parent) = match endian {
            Endian::Little => (get_u32_le(&bytes[2..6]), get_u16_le(&bytes[6..8])),
            Endian::Big => (get_u32_be(&bytes[2..6]), get_u16_be(&bytes[6..8])),
        };
        Ok((
            PathTableRecord {
                ext_attr_len: bytes[1],
                extent: extent.unwrap_or(0),
                parent: parent.unwrap_or(0),
                name: &bytes[8..8 + name_len],
            },
            len.min(bytes.len()),
        ))
    }
}

// ---------------------------------------------------------------------------
// Primary and Supplementary Volume Descriptors

/// Escape sequences of a Joliet Supplementary Volume Descriptor (Joliet
/// specification: `%/@` level 1, `%/C` level 2, `%/E` level 3 in the
/// Escape Sequences field, §8.5.6).
pub const JOLIET_ESCAPES: [[u8; 3]; 3] = [*b"%/@", *b"%/C", *b"%/E"];

/// Primary (§8.4) or Supplementary (§8.5) Volume Descriptor; the two share
/// one layout, the SVD adds Volume Flags (byte 7) and Escape Sequences
/// (bytes 88–119). Identifier fields hold the recorded bytes (a-/d-
/// characters for a PVD, UCS-2 big-endian for Joliet).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VolumeDescriptor {
    /// [`vd_type::PRIMARY`] or [`vd_type::SUPPLEMENTARY`].
    pub vd_type: u8,
    /// Volume Descriptor Version (§8.4.3: 1).
    pub version: u8,
    /// Volume Flags (§8.5.3, SVD only; 0 in a PVD).
    pub flags: u8,
    pub system_id: [u8; 32],
    pub volume_id: [u8; 32],
    /// Volume Space Size in blocks (§8.4.8).
    pub volume_space_size: u32,
    /// Escape Sequences (§8.5.6, SVD only).
    pub escape_sequences: [u8; 32],
    pub volume_set_size: u16,
    pub volume_sequence_number: u16,
    pub logical_block_size: u16,
    pub path_table_size: u32,
    pub l_path_table: u32,
    pub opt_l_path_table: u32,
    pub m_path_table: u32,
    pub opt_m_path_table: u32,
    /// The 34-byte root directory record (§8.4.18): extent, data length,
    /// date and flags.
    pub root_extent: u32,
    pub root_data_len: u32,
    pub root_date: DirDate,
    pub root_flags: u8,
    pub volume_set_id: [u8; 128],
    pub publisher_id: [u8; 128],
    pub preparer_id: [u8; 128],
    pub application_id: [u8; 128],
    pub copyright_file_id: [u8; 37],
    pub abstract_file_id: [u8; 37],
    pub bibliographic_file_id: [u8; 37],
    pub creation: DecDateTime,
    pub modification: DecDateTime,
    pub expiration: DecDateTime,
    pub effective: DecDateTime,
    pub file_structure_version: u8,
    pub application_use: [u8; 512],
}

/// Byte offsets in a PVD/SVD (§8.4, §8.5; 0-based).
mod vd_field {
    use std::ops::Range;
    pub const FLAGS: usize = 7;
    pub const SYSTEM_ID: Range<usize> = 8..40;
    pub const VOLUME_ID: Range<usize> = 40..72;
    pub const SPACE_SIZE: Range<usize> = 80..88;
    pub const ESCAPES: Range<usize> = 88..120;
    pub const SET_SIZE: Range<usize> = 120..124;
    pub const SEQ_NUMBER: Range<usize> = 124..128;
    pub const BLOCK_SIZE: Range<usize> = 128..132;
    pub const PT_SIZE: Range<usize> = 132..140;
    pub const L_PT: Range<usize> = 140..144;
    pub const OPT_L_PT: Range<usize> = 144..148;
    pub const M_PT: Range<usize> = 148..152;
    pub const OPT_M_PT: Range<usize> = 152..156;
    pub const ROOT: Range<usize> = 156..190;
    pub const SET_ID: Range<usize> = 190..318;
    pub const PUBLISHER: Range<usize> = 318..446;
    pub const PREPARER: Range<usize> = 446..574;
    pub const APPLICATION: Range<usize> = 574..702;
    pub const COPYRIGHT: Range<usize> = 702..739;
    pub const ABSTRACT: Range<usize> = 739..776;
    pub const BIBLIO: Range<usize> = 776..813;
    pub const CREATION: Range<usize> = 813..830;
    pub const MODIFICATION: Range<usize> = 830..847;
    pub const EXPIRATION: Range<usize> = 847..864;
    pub const EFFECTIVE: Range<usize> = 864..881;
    pub const FS_VERSION: usize = 881;
    pub const APP_USE: Range<usize> = 883..1395;
}

/// Offset of the Volume Space Size field (§8.4.8), for patching a copy.
pub const VOLUME_SPACE_SIZE_OFFSET: usize = 80;

impl VolumeDescriptor {
    /// Encode the descriptor block.
    pub fn encode(&self) -> [u8; BLOCK] {
        use vd_field::*;
        let mut b = [0u8; BLOCK];
        b[0] = self.vd_type;
        b[1..6].copy_from_slice(&STANDARD_ID);
        b[6] = self.version;
        b[FLAGS] = self.flags;
        b[SYSTEM_ID].copy_from_slice(&self.system_id);
        b[VOLUME_ID].copy_from_slice(&self.volume_id);
        put_u32_both(&mut b[SPACE_SIZE], self.volume_space_size);
        b[ESCAPES].copy_from_slice(&self.escape_sequences);
        put_u16_both(&mut b[SET_SIZE], self.volume_set_size);
        put_u16_both(&mut b[SEQ_NUMBER], self.volume_sequence_number);
        put_u16_both(&mut b[BLOCK_SIZE], self.logical_block_size);
        put_u32_both(&mut b[PT_SIZE], self.path_table_size);
        put_u32_le(&mut b[L_PT], self.l_path_table);
        put_u32_le(&mut b[OPT_L_PT], self.opt_l_path_table);
        put_u32_be(&mut b[M_PT], self.m_path_table);
        put_u32_be(&mut b[OPT_M_PT], self.opt_m_path_table);
        let mut root = Vec::with_capacity(34);
        DirRecord::new(
            ID_SELF,
            self.root_extent,
            self.root_data_len,
            self.root_date,
            self.root_flags,
            &[],
        )
        .encode_into(&mut root);
        b[ROOT].copy_from_slice(&root);
        b[SET_ID].copy_from_slice(&self.volume_set_id);
        b[PUBLISHER].copy_from_slice(&self.publisher_id);
        b[PREPARER].copy_from_slice(&self.preparer_id);
        b[APPLICATION].copy_from_slice(&self.application_id);
        b[COPYRIGHT].copy_from_slice(&self.copyright_file_id);
        b[ABSTRACT].copy_from_slice(&self.abstract_file_id);
        b[BIBLIO].copy_from_slice(&self.bibliographic_file_id);
        b[CREATION].copy_from_slice(&self.creation.0);
        b[MODIFICATION].copy_from_slice(&self.modification.0);
        b[EXPIRATION].copy_from_slice(&self.expiration.0);
        b[EFFECTIVE].copy_from_slice(&self.effective.0);
        b[FS_VERSION] = self.file_structure_version;
        b[APP_USE].copy_from_slice(&self.application_use);
        b
    }

    /// Decode a PVD or SVD block.
    pub fn parse(block: &[u8]) -> Result<VolumeDescriptor, DecodeError> {
        use vd_field::*;
        const WHAT: &str = "volume descriptor";
        DecodeError::check_len(WHAT, block, BLOCK)?;
        let t = descriptor_type(block)
            .ok_or_else(|| DecodeError::invalid(WHAT, "no CD001 standard identifier"))?;
        if t != vd_type::PRIMARY && t != vd_type::SUPPLEMENTARY {
            return Err(DecodeError::invalid(
                WHAT,
                format!("type {t} is neither primary nor supplementary"),
            ));
        }
        let root = DirRecord::parse(&block[ROOT])?
            .ok_or_else(|| DecodeError::invalid(WHAT, "root directory record is empty"))?;
        fn arr<const N: usize>(s: &[u8]) -> [u8; N] {
            let mut a = [0u8; N];
            a.copy_from_slice(s);
            a
        }
        let u32b = |r: std::ops::Range<usize>| get_u32_both(&block[r]).map_or(0, |b| b.value());
        let u16b = |r: std::ops::Range<usize>| get_u16_both(&block[r]).map_or(0, |b| b.value());
        Ok(VolumeDescriptor {
            vd_type: t,
            version: block[6],
            flags: block[FLAGS],
            system_id: arr(&block[SYSTEM_ID]),
            volume_id: arr(&block[VOLUME_ID]),
            volume_space_size: u32b(SPACE_SIZE),
            escape_sequences: arr(&block[ESCAPES]),
            volume_set_size: u16b(SET_SIZE),
            volume_sequence_number: u16b(SEQ_NUMBER),
            logical_block_size: u16b(BLOCK_SIZE),
            path_table_size: u32b(PT_SIZE),
            l_path_table: get_u32_le(&block[L_PT]).unwrap_or(0),
            opt_l_path_table: get_u32_le(&block[OPT_L_PT]).unwrap_or(0),
            m_path_table: get_u32_be(&block[M_PT]).unwrap_or(0),
            opt_m_path_table: get_u32_be(&block[OPT_M_PT]).unwrap_or(0),
            root_extent: root.extent,
            root_data_len: root.data_len,
            root_date: root.date,
            root_flags: root.flags,
            volume_set_id: arr(&block[SET_ID]),
            publisher_id: arr(&block[PUBLISHER]),
            preparer_id: arr(&block[PREPARER]),
            application_id: arr(&block[APPLICATION]),
            copyright_file_id: arr(&block[COPYRIGHT]),
            abstract_file_id: arr(&block[ABSTRACT]),
            bibliographic_file_id: arr(&block[BIBLIO]),
            creation: DecDateTime(arr(&block[CREATION])),
            modification: DecDateTime(arr(&block[MODIFICATION])),
            expiration: DecDateTime(arr(&block[EXPIRATION])),
            effective: DecDateTime(arr(&block[EFFECTIVE])),
            file_structure_version: block[FS_VERSION],
            application_use: arr(&block[APP_USE]),
        })
    }

    /// The Joliet UCS level (1–3) announced by the escape sequences of an
    /// SVD, if any.
    pub fn joliet_level(&self) -> Option<u8> {
        if self.vd_type != vd_type::SUPPLEMENTARY {
            return None;
        }
        JOLIET_ESCAPES
            .iter()
            .position(|e| self.escape_sequences[..3] == *e)
            .map(|i| i as u8 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn civil_round_trip() {
        for secs in [
            0i64,
            1_704_164_645,
            -1,
            951_782_400,
            4_102_444_800,
            -2_208_988_800,
        ] {
            assert_eq!(Civil::from_secs(secs).to_secs(), secs);
        }
        // 2024-01-02 03:04:05 UTC (md5-tags.md §10.1).
        let c = Civil::from_secs(1_704_164_645);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second),
            (2024, 1, 2, 3, 4, 5)
        );
        // Leap day.
        let c = Civil::from_secs(951_782_400);
        assert_eq!((c.year, c.month, c.day), (2000, 2, 29));
    }

    /// §9.1.5: seven bytes, year since 1900; golden bytes of the `TF` /
    /// record dates in `md5-tags.md` §10.4 for 2024-01-02 03:04:05.
    #[test]
    fn dir_date_golden() {
        let d = DirDate::from_timestamp(Timestamp::from_secs(1_704_164_645));
        assert_eq!(d.0, [124, 1, 2, 3, 4, 5, 0]);
        assert_eq!(d.to_timestamp(), Some(Timestamp::from_secs(1_704_164_645)));
        // GMT offset +8 (2 hours east): same bytes mean two hours earlier.
        let mut e = d;
        e.0[6] = 8;
        assert_eq!(
            e.to_timestamp(),
            Some(Timestamp::from_secs(1_704_164_645 - 7200))
        );
        // Clamping.
        assert_eq!(
            DirDate::from_timestamp(Timestamp::from_secs(i64::MIN / 2)).0,
            [0, 1, 1, 0, 0, 0, 0]
        );
        assert_eq!(
            DirDate::from_timestamp(Timestamp::from_secs(i64::MAX / 2)).0,
            [255, 12, 31, 23, 59, 59, 0]
        );
        assert_eq!(DirDate([124, 13, 1, 0, 0, 0, 0]).to_timestamp(), None);
        assert_eq!(DirDate::default().to_timestamp(), None);
    }

    /// §8.4.26.1: 16 digits and an offset.
    #[test]
    fn dec_datetime_golden() {
        let d = DecDateTime::from_timestamp(Timestamp {
            secs: 1_704_164_645,
            nanos: 470_000_000,
        });
        assert_eq!(&d.0, b"2024010203040547\0");
        assert_eq!(
            d.to_timestamp(),
            Some(Timestamp {
                secs: 1_704_164_645,
                nanos: 470_000_000
            })
        );
        assert!(DecDateTime::UNSPECIFIED.is_unspecified());
        assert_eq!(DecDateTime::UNSPECIFIED.to_timestamp(), None);
        assert_eq!(&DecDateTime::UNSPECIFIED.0, b"0000000000000000\0");
        assert_eq!(DecDateTime(*b"20240102xx040547\0").to_timestamp(), None);
    }

    #[test]
    fn characters() {
        assert!(is_d_char(b'A') && is_d_char(b'9') && is_d_char(b'_'));
        assert!(!is_d_char(b'a') && !is_d_char(b'.') && !is_d_char(b' '));
        assert!(is_a_char(b' ') && is_a_char(b'?') && !is_a_char(b'a') && !is_a_char(b'#'));
        assert_eq!(text_field::<8>(b"ABC"), *b"ABC     ");
        assert_eq!(text_field::<2>(b"ABC"), *b"AB");
        assert_eq!(trim_field(b"ABC  \0"), b"ABC");
    }

    /// §9.3 order: name, then extension (padded with spaces), then version
    /// descending; "." (00) and ".." (01) first.
    #[test]
    fn file_id_order() {
        let mut ids: Vec<&[u8]> = vec![
            b"B.;1", b"A.TXT;1", b"A_B.;1", b"A.;1", b"\x01", b"AB", b"A.TXT;2", b"\x00", b"A",
            b"A.T;1",
        ];
        ids.sort_by(|a, b| cmp_file_ids(a, b));
        let expected: Vec<&[u8]> = vec![
            b"\x00", b"\x01", b"A.;1", b"A", b"A.T;1", b"A.TXT;2", b"A.TXT;1", b"AB", b"A_B.;1",
            b"B.;1",
        ];
        // Same name and empty extension: the higher version comes first.
        assert_eq!(cmp_file_ids(b"A.;1", b"A"), Ordering::Less);
        assert_eq!(ids, expected);
        assert_eq!(
            split_file_id(b"NAME.EXT;1"),
            (&b"NAME"[..], &b"EXT"[..], &b"1"[..])
        );
        assert_eq!(split_file_id(b"DIR"), (&b"DIR"[..], &b""[..], &b""[..]));
    }

    /// §9.1: a 34-byte root record `.`, and a file record with padding and
    /// System Use.
    #[test]
    fn dir_record_golden_and_round_trip() {
        let date = DirDate([124, 1, 2, 3, 4, 5, 0]);
        let mut out = Vec::new();
        DirRecord::new(ID_SELF, 0x33, 2048, date, file_flags::DIRECTORY, &[]).encode_into(&mut out);
        let golden: [u8; 34] = [
            34, 0, 0x33, 0, 0, 0, 0, 0, 0, 0x33, 0, 8, 0, 0, 0, 0, 8, 0, 124, 1, 2, 3, 4, 5, 0, 2,
            0, 0, 1, 0, 0, 1, 1, 0,
        ];
        assert_eq!(out, golden);
        let r = DirRecord::parse(&out).unwrap().unwrap();
        assert_eq!(r.extent, 0x33);
        assert_eq!(r.data_len, 2048);
        assert!(r.is_dir());
        assert_eq!(r.name, ID_SELF);
        assert!(r.system_use.is_empty());

        // "A.;1" (4 bytes, even → pad byte) with 5 bytes of SU → 43, rounded to 44.
        let su = [b'R', b'E', 4, 1, 0];
        assert_eq!(DirRecord::encoded_len(4, 5), 44);
        let mut out = Vec::new();
        DirRecord::new(b"A.;1", 100, 12, date, 0, &su).encode_into(&mut out);
        assert_eq!(out.len(), 44);
        assert_eq!(out[0], 44);
        assert_eq!(out[37], 0, "padding byte after an even-length identifier");
        assert_eq!(&out[38..43], &su);
        let r = DirRecord::parse(&out).unwrap().unwrap();
        assert_eq!(r.name, b"A.;1");
        assert_eq!(&r.system_use[..5], &su);
        assert_eq!(r.data_len, 12);

        assert_eq!(DirRecord::parse(&[0, 1, 2]).unwrap(), None);
        assert_eq!(DirRecord::parse(&[]).unwrap(), None);
        assert!(DirRecord::parse(&out[..40]).is_err());
        let mut bad = out.clone();
        bad[32] = 200;
        assert!(DirRecord::parse(&bad).is_err());
        assert_eq!(DirRecord::max_su_len(4), 255 - 38 - 1);
    }

    /// §9.4: root path table record in both byte orders.
    #[test]
    fn path_table_record_golden() {
        let rec = PathTableRecord {
            ext_attr_len: 0,
            extent: 0x33,
            parent: 1,
            name: ID_SELF,
        };
        let mut l = Vec::new();
        rec.encode_into(&mut l, Endian::Little);
        assert_eq!(l, [1, 0, 0x33, 0, 0, 0, 1, 0, 0, 0]);
        let mut m = Vec::new();
        rec.encode_into(&mut m, Endian::Big);
        assert_eq!(m, [1, 0, 0, 0, 0, 0x33, 0, 1, 0, 0]);
        assert_eq!(
            PathTableRecord::parse(&l, Endian::Little).unwrap(),
            (rec, 10)
        );
        assert_eq!(PathTableRecord::parse(&m, Endian::Big).unwrap(), (rec, 10));
        let sub = PathTableRecord {
            ext_attr_len: 0,
            extent: 7,
            parent: 1,
            name: b"SUB",
        };
        let mut l = Vec::new();
        sub.encode_into(&mut l, Endian::Little);
        assert_eq!(l.len(), 12);
        assert_eq!(
            PathTableRecord::parse(&l, Endian::Little).unwrap(),
            (sub, 12)
        );
        assert!(PathTableRecord::parse(&l[..9], Endian::Little).is_err());
        assert!(PathTableRecord::parse(&[0; 8], Endian::Little).is_err());
    }

    fn sample_vd() -> VolumeDescriptor {
        VolumeDescriptor {
            vd_type: vd_type::PRIMARY,
            version: 1,
            flags: 0,
            system_id: text_field(b""),
            volume_id: text_field(b"SESS1"),
            volume_space_size: 32,
            escape_sequences: [0; 32],
            volume_set_size: 1,
            volume_sequence_number: 1,
            logical_block_size: 2048,
            path_table_size: 22,
            l_path_table: 54,
            opt_l_path_table: 0,
            m_path_table: 55,
            opt_m_path_table: 0,
            root_extent: 51,
            root_data_len: 2048,
            root_date: DirDate([124, 1, 2, 3, 4, 5, 0]),
            root_flags: file_flags::DIRECTORY,
            volume_set_id: text_field(b""),
            publisher_id: text_field(b""),
            preparer_id: text_field(b""),
            application_id: text_field(b""),
            copyright_file_id: text_field(b""),
            abstract_file_id: text_field(b""),
            bibliographic_file_id: text_field(b""),
            creation: DecDateTime::from_timestamp(Timestamp::from_secs(1_704_164_645)),
            modification: DecDateTime::from_timestamp(Timestamp::from_secs(1_704_164_645)),
            expiration: DecDateTime::UNSPECIFIED,
            effective: DecDateTime::UNSPECIFIED,
            file_structure_version: 1,
            application_use: [b' '; 512],
        }
    }

    /// §8.4 field positions (the values of session 1 in md5-tags.md §10.2).
    #[test]
    fn pvd_fields_golden_and_round_trip() {
        let vd = sample_vd();
        let b = vd.encode();
        assert_eq!(&b[0..7], b"\x01CD001\x01");
        assert_eq!(&b[40..45], b"SESS1");
        assert_eq!(&b[80..88], &[32, 0, 0, 0, 0, 0, 0, 32]);
        assert_eq!(&b[120..132], &[1, 0, 0, 1, 1, 0, 0, 1, 0, 8, 8, 0]);
        assert_eq!(&b[140..144], &[54, 0, 0, 0]);
        assert_eq!(&b[148..152], &[0, 0, 0, 55]);
        assert_eq!(b[156], 34);
        assert_eq!(&b[158..162], &[51, 0, 0, 0]);
        assert_eq!(&b[813..830], b"2024010203040500\0");
        assert_eq!(b[881], 1);
        assert!(b[1395..].iter().all(|&x| x == 0));
        let back = VolumeDescriptor::parse(&b).unwrap();
        assert_eq!(back, vd);
        assert_eq!(back.joliet_level(), None);
        assert_eq!(descriptor_type(&b), Some(vd_type::PRIMARY));
    }

    #[test]
    fn svd_joliet_level_and_terminator() {
        let mut vd = sample_vd();
        vd.vd_type = vd_type::SUPPLEMENTARY;
        vd.escape_sequences[..3].copy_from_slice(b"%/E");
        let b = vd.encode();
        assert_eq!(&b[88..91], b"%/E");
        assert_eq!(VolumeDescriptor::parse(&b).unwrap().joliet_level(), Some(3));
        let t = terminator();
        assert_eq!(&t[..7], b"\xffCD001\x01");
        assert!(VolumeDescriptor::parse(&t).is_err());
        assert!(VolumeDescriptor::parse(&t[..100]).is_err());
        assert_eq!(descriptor_type(&[0u8; 10]), None);
    }
}
